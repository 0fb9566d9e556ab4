"""PostgresStore: the durable PoolStore, shared by every replica pointed at one database.

Each port method is one short transaction. Claims use FOR UPDATE SKIP LOCKED, task updates
compare-and-set on `version`, budget changes are single conditional UPDATEs in the same
transaction as the task change, and notifications travel with pg_notify so they reach every
replica (see notifier.py).
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from claude_pool_server.domain.budget import BudgetChange, BudgetState
from claude_pool_server.domain.chains import ChainPage, ChainProgress, ChainStatus
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.errors import BudgetExhausted, InvalidArgument
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.recovery import expired_lease_outcome, free_slot_ids, holds_lease
from claude_pool_server.domain.replies import StoredReply
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import (
    EventPayload,
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskState,
)
from claude_pool_server.store.memory import slot_sort_key
from claude_pool_server.store.postgres import queries as q
from claude_pool_server.store.postgres.codec import (
    from_json,
    payload_from_json,
    payload_to_json,
    to_json,
)
from claude_pool_server.store.postgres.connection import async_url
from claude_pool_server.store.postgres.notifier import PostgresNotifier

DEFAULT_LEASE_SECONDS = 20.0


def encode_key(kind: str, value: str) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode()


def decode_key(token: str, kind: str) -> str | None:
    """Page tokens are opaque to clients; a token we did not issue is INVALID_ARGUMENT."""
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument("page_token", "not a page token this server issued") from exc
    found, _, value = text.partition(":")
    if found != kind:
        raise InvalidArgument("page_token", "not a page token this server issued")
    return value


def task_row(task: Task) -> dict[str, Any]:
    """The columns written for a task; `version` and `last_seq` are managed by the store."""
    return {
        "state": task.state.value,
        "slot_id": task.slot_id,
        "pinned_slot_id": task.spec.slot_id,
        "chain_id": task.chain_id,
        "replica_id": task.replica_id,
        "request_id": task.request_id,
        "tags": list(task.spec.tags),
        "created_at": task.create_time,
        "attempt": task.attempt,
        "data": to_json(task),
    }


def slot_row(slot: Slot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "replica_id": slot.replica_id,
        "state": slot.state.value,
        "data": to_json(slot),
    }


def task_from_row(row: Row[Any]) -> Task:
    task: Task = from_json(Task, row.data)
    return dataclasses.replace(task, version=row.version, last_seq=row.last_seq)


class PostgresStore:
    def __init__(
        self,
        database_url: str,
        *,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        pool_size: int = 10,
    ) -> None:
        self.database_url = async_url(database_url)
        self.lease_seconds = lease_seconds
        self.engine: AsyncEngine = create_async_engine(
            self.database_url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=10,
            pool_pre_ping=True,
        )
        self.notifier = PostgresNotifier(self.engine, self.database_url)

    async def start(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(q.ensure_budget_row())
        await self.notifier.start()

    async def close(self) -> None:
        await self.notifier.close()
        await self.engine.dispose()

    # budget ------------------------------------------------------------------------------------

    async def _apply_budget(self, conn: AsyncConnection, change: BudgetChange | None) -> None:
        if change is None or not (change.reserve or change.release or change.spend):
            return
        result = await conn.execute(
            q.apply_budget(change.reserve, change.release, change.spend, change.cap)
        )
        if result.first() is None:
            state = (await conn.execute(q.read_budget())).one()
            reserved_after = max(0, state.reserved_micros - change.release)
            assert change.cap is not None
            raise BudgetExhausted(
                state.spent_micros + change.spend, reserved_after, change.cap, change.reserve
            )

    async def get_budget(self) -> BudgetState:
        async with self.engine.connect() as conn:
            row = (await conn.execute(q.read_budget())).first()
        if row is None:
            return BudgetState()
        return BudgetState(spent_micros=row.spent_micros, reserved_micros=row.reserved_micros)

    # tasks -------------------------------------------------------------------------------------

    async def insert_task(self, task: Task, budget: BudgetChange) -> Task:
        async with self.engine.begin() as conn:
            row = {"id": task.id, **task_row(task), "version": task.version, "last_seq": 0}
            if holds_lease(task):  # inserted running (a routing call): leased like a claim
                row["lease_expires_at"] = datetime.now(UTC) + timedelta(seconds=self.lease_seconds)
            inserted = (await conn.execute(q.insert_task(row))).first()
            if inserted is None:
                existing = (await conn.execute(q.task_by_request_id(task.request_id))).one()
                return task_from_row(existing)
            await self._apply_budget(conn, budget)
        return dataclasses.replace(task, last_seq=0)

    async def get_task(self, task_id: str) -> Task | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(q.task_by_id(task_id))).first()
        return task_from_row(row) if row is not None else None

    async def list_tasks(self, query: TaskQuery) -> TaskPage:
        token = decode_key(query.page_token, "t")
        try:
            before = int(token) if token is not None else None
        except ValueError as exc:
            raise InvalidArgument("page_token", "not a page token this server issued") from exc
        statement = q.list_tasks(
            query.state, query.slot_id, query.chain_id, query.tags, before, query.page_size + 1
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        page = rows[: query.page_size]
        more = len(rows) > query.page_size
        next_token = encode_key("t", str(page[-1].seq_no)) if more and page else ""
        return TaskPage([task_from_row(r) for r in page], next_token)

    async def update_task(self, task: Task, budget: BudgetChange | None = None) -> Task | None:
        row = task_row(task)
        if not holds_lease(task):
            row["lease_expires_at"] = None
        async with self.engine.begin() as conn:
            stored = (await conn.execute(q.cas_update_task(task.id, task.version, row))).first()
            if stored is None:
                return None
            await self._apply_budget(conn, budget)
        return task_from_row(stored)

    async def claim_task(self, slot_id: str, replica_id: str) -> Task | None:
        async with self.engine.begin() as conn:
            row = (await conn.execute(q.lock_oldest_claimable(slot_id))).first()
            if row is None:
                return None
            task = task_from_row(row)
            now = datetime.now(UTC)
            claimed = dataclasses.replace(
                task,
                state=TaskState.RUNNING,
                slot_id=slot_id,
                replica_id=replica_id,
                attempt=task.attempt + 1,
                start_time=now,
            )
            values = task_row(claimed)
            values["lease_expires_at"] = now + timedelta(seconds=self.lease_seconds)
            stored = (await conn.execute(q.cas_update_task(task.id, task.version, values))).one()
        return task_from_row(stored)

    async def task_counts(self) -> dict[TaskState, int]:
        counts = dict.fromkeys(TaskState, 0)
        async with self.engine.connect() as conn:
            for state, count in (await conn.execute(q.task_counts())).all():
                counts[TaskState(state)] = count
        return counts

    # events ------------------------------------------------------------------------------------

    async def append_events(self, task_id: str, payloads: list[EventPayload]) -> list[TaskEvent]:
        if not payloads:
            return []
        now = datetime.now(UTC)
        topic = f"task:{task_id}"
        async with self.engine.begin() as conn:
            last = (await conn.execute(q.reserve_seqs(task_id, len(payloads)))).scalar()
            if last is None:  # no task row: number after what the log already holds
                last = (await conn.execute(q.max_event_seq(task_id))).scalar_one() + len(payloads)
            first = last - len(payloads) + 1
            events = [TaskEvent(task_id, first + i, now, p) for i, p in enumerate(payloads)]
            await conn.execute(
                q.insert_events(),
                [
                    {
                        "task_id": task_id,
                        "seq": e.seq,
                        "time": now,
                        "payload": payload_to_json(e.payload),
                    }
                    for e in events
                ],
            )
            await conn.execute(q.notify(self.notifier.payload(topic)))
        await self.notifier.wake_local(topic)
        return events

    async def read_events(self, task_id: str, after_seq: int, limit: int) -> list[TaskEvent]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(q.read_events(task_id, after_seq, limit))).all()
        return [TaskEvent(task_id, r.seq, r.time, payload_from_json(r.payload)) for r in rows]

    # slots -------------------------------------------------------------------------------------

    async def put_slot(self, slot: Slot) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(q.upsert_slot(slot_row(slot)))

    async def get_slot(self, slot_id: str) -> Slot | None:
        async with self.engine.connect() as conn:
            data = (await conn.execute(q.slot_by_id(slot_id))).scalar()
        return from_json(Slot, data) if data is not None else None

    async def list_slots(self) -> list[Slot]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(q.all_slots())).scalars().all()
        return sorted((from_json(Slot, d) for d in rows), key=lambda s: slot_sort_key(s.id))

    async def delete_slot(self, slot_id: str) -> bool:
        async with self.engine.begin() as conn:
            return (await conn.execute(q.delete_slot(slot_id))).first() is not None

    # context -----------------------------------------------------------------------------------

    async def set_context(self, key: str, value: str) -> ContextEntry:
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            await conn.execute(q.upsert_context(key, value, now))
        return ContextEntry(key, value, now)

    async def get_context(self, key: str) -> ContextEntry | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(q.context_by_key(key))).first()
        return ContextEntry(row.key, row.value, row.update_time) if row is not None else None

    async def delete_context(self, key: str) -> ContextEntry | None:
        async with self.engine.begin() as conn:
            row = (await conn.execute(q.delete_context(key))).first()
        return ContextEntry(row.key, row.value, row.update_time) if row is not None else None

    async def list_context(self, page_size: int, page_token: str) -> ContextPage:
        after = decode_key(page_token, "c")
        async with self.engine.connect() as conn:
            rows = (await conn.execute(q.list_context(after, page_size + 1))).all()
        page = [ContextEntry(r.key, r.value, r.update_time) for r in rows[:page_size]]
        more = len(rows) > page_size
        return ContextPage(page, encode_key("c", page[-1].key) if more and page else "")

    # chains ------------------------------------------------------------------------------------

    async def put_chain(self, progress: ChainProgress) -> ChainProgress | None:
        stored = dataclasses.replace(progress, seq=progress.seq + 1)
        row = {"status": stored.status.value, "seq": stored.seq, "data": to_json(stored)}
        async with self.engine.begin() as conn:
            if progress.seq == 0:
                new_row = {
                    **row,
                    "id": progress.chain_id,
                    "request_id": progress.request_id,
                    "create_time": progress.create_time,
                }
                inserted = (await conn.execute(q.insert_chain(new_row))).first()
                if inserted is None:
                    if not progress.request_id:
                        return None
                    earlier = (
                        await conn.execute(q.chain_by_request_id(progress.request_id))
                    ).first()
                    return _chain(earlier) if earlier is not None else None
            else:
                updated = (
                    await conn.execute(q.cas_update_chain(progress.chain_id, progress.seq, row))
                ).first()
                if updated is None:
                    return None
            await conn.execute(q.notify(self.notifier.payload(f"chain:{progress.chain_id}")))
        await self.notifier.wake_local(f"chain:{progress.chain_id}")
        return stored

    async def get_chain(self, chain_id: str) -> ChainProgress | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(q.chain_by_id(chain_id))).first()
        return _chain(row) if row is not None else None

    async def list_chains(
        self, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        token = decode_key(page_token, "h")
        try:
            before = int(token) if token is not None else None
        except ValueError as exc:
            raise InvalidArgument("page_token", "not a page token this server issued") from exc
        statement = q.list_chains(status.value if status else None, before, page_size + 1)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(statement)).all()
        page = rows[:page_size]
        more = len(rows) > page_size
        next_token = encode_key("h", str(page[-1].seq_no)) if more and page else ""
        return ChainPage([_chain(r) for r in page], next_token)

    # messages ----------------------------------------------------------------------------------

    async def add_messages(self, messages: list[SlotMessage]) -> None:
        if not messages:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                q.insert_messages(),
                [
                    {
                        "id": m.id,
                        "from_slot_id": m.from_slot_id,
                        "to_slot_id": m.to_slot_id,
                        "content": m.content,
                        "create_time": m.create_time,
                    }
                    for m in messages
                ],
            )

    async def take_messages(self, slot_id: str) -> list[SlotMessage]:
        async with self.engine.begin() as conn:
            rows = (await conn.execute(q.take_messages(slot_id))).all()
        return [_message(r) for r in sorted(rows, key=lambda r: r.seq_no)]

    async def peek_messages(self, slot_id: str) -> list[SlotMessage]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(q.peek_messages(slot_id))).all()
        return [_message(r) for r in rows]

    async def count_messages(self, slot_id: str) -> int:
        async with self.engine.connect() as conn:
            count: int = (await conn.execute(q.count_messages(slot_id))).scalar_one()
        return count

    # remembered replies ------------------------------------------------------------------------

    async def claim_reply(
        self, key: str, fingerprint: str, replica_id: str, live_replicas: set[str]
    ) -> StoredReply | None:
        while True:
            now = datetime.now(UTC)
            async with self.engine.begin() as conn:
                inserted = await conn.execute(
                    q.insert_pending_reply(key, fingerprint, replica_id, now)
                )
                if inserted.rowcount == 1:
                    return None
                row = (await conn.execute(q.lock_reply(key))).one_or_none()
                if row is None:
                    continue  # abandoned between our insert and our read: claim it again
                if row.reply is None and row.replica_id not in live_replicas:
                    await conn.execute(q.take_over_reply(key, fingerprint, replica_id, now))
                    return None
            reply = bytes(row.reply) if row.reply is not None else None
            return StoredReply(row.fingerprint, reply, row.replica_id)

    async def finish_reply(self, key: str, reply: bytes, retention_seconds: float) -> None:
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            await conn.execute(q.finish_reply(key, reply, now))
            await conn.execute(q.forget_replies(now - timedelta(seconds=retention_seconds)))

    async def abandon_reply(self, key: str, replica_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(q.abandon_reply(key, replica_id))

    # replicas ----------------------------------------------------------------------------------

    async def register_replica(self, replica_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(q.upsert_replica(replica_id, datetime.now(UTC)))

    async def allocate_slot_ids(self, replica_id: str, count: int) -> list[str]:
        now = datetime.now(UTC)
        stale_before = now - timedelta(seconds=self.lease_seconds)
        async with self.engine.begin() as conn:
            await conn.execute(q.lock_slot_allocation())
            live = set((await conn.execute(q.live_replica_ids(stale_before))).scalars().all())
            live.add(replica_id)
            taken = {
                r.id
                for r in (await conn.execute(q.slot_owners())).all()
                if r.replica_id in live and r.state != SlotState.STOPPED.value
            }
            ids = free_slot_ids(taken, count)
            for slot_id in ids:
                slot = Slot(slot_id, replica_id=replica_id)
                await conn.execute(q.upsert_slot(slot_row(slot)))
        return ids

    async def heartbeat(self, replica_id: str) -> None:
        """Prove this replica is alive and extend the leases of the tasks it runs."""
        now = datetime.now(UTC)
        async with self.engine.begin() as conn:
            await conn.execute(q.heartbeat_replica(replica_id, now))
            await conn.execute(
                q.renew_leases(replica_id, now + timedelta(seconds=self.lease_seconds))
            )

    async def deregister_replica(self, replica_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(q.stop_replica(replica_id))

    async def live_replica_ids(self) -> set[str]:
        stale_before = datetime.now(UTC) - timedelta(seconds=self.lease_seconds)
        async with self.engine.connect() as conn:
            return set((await conn.execute(q.live_replica_ids(stale_before))).scalars().all())

    async def live_replicas(self) -> int:
        stale_before = datetime.now(UTC) - timedelta(seconds=self.lease_seconds)
        async with self.engine.connect() as conn:
            count: int = (await conn.execute(q.live_replica_count(stale_before))).scalar_one()
        return count

    async def recover(self, max_attempts: int) -> list[Task]:
        """Re-queue (or fail, past `max_attempts`) running tasks whose lease expired, and stop
        the slots of replicas that stopped heartbeating. Returns the tasks it changed."""
        now = datetime.now(UTC)
        changed: list[Task] = []
        async with self.engine.begin() as conn:
            for row in (await conn.execute(q.lock_expired_leases(now))).all():
                task = task_from_row(row)
                updated, budget = expired_lease_outcome(task, max_attempts, now)
                values = task_row(updated)
                values["lease_expires_at"] = None
                stored = (
                    await conn.execute(q.cas_update_task(task.id, task.version, values))
                ).one()
                await self._apply_budget(conn, budget)
                changed.append(task_from_row(stored))
            stale_before = now - timedelta(seconds=self.lease_seconds)
            dead = list((await conn.execute(q.dead_replicas(stale_before))).scalars().all())
            if dead:
                for data in (await conn.execute(q.slots_of_replicas(dead))).scalars().all():
                    slot: Slot = from_json(Slot, data)
                    if slot.state is not SlotState.STOPPED:
                        stopped = dataclasses.replace(
                            slot, state=SlotState.STOPPED, current_task_id=""
                        )
                        await conn.execute(q.upsert_slot(slot_row(stopped)))
        return changed


def _chain(row: Row[Any]) -> ChainProgress:
    progress: ChainProgress = from_json(ChainProgress, row.data)
    return dataclasses.replace(progress, seq=row.seq)


def _message(row: Row[Any]) -> SlotMessage:
    return SlotMessage(row.id, row.from_slot_id, row.to_slot_id, row.content, row.create_time)
