"""InMemoryStore: the PoolStore for throwaway use and fast tests. Nothing survives a restart.

Every method runs without awaiting in between reads and writes, so on one event loop each is
atomic, which is the same guarantee PostgresStore gives with transactions.
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta

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
from claude_pool_server.store.local_notifier import LocalNotifier


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_offset(token: str, field: str = "page_token") -> int:
    """Page tokens are opaque to clients; a token we did not issue is INVALID_ARGUMENT."""
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        kind, _, number = text.partition(":")
        if kind != "o":
            raise ValueError(text)
        offset = int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(field, "not a page token this server issued") from exc
    if offset < 0:
        raise InvalidArgument(field, "not a page token this server issued")
    return offset


class InMemoryStore:
    def __init__(self, lease_seconds: float = 20.0) -> None:
        self.notifier = LocalNotifier()
        self.lease_seconds = lease_seconds
        self._leases: dict[str, datetime] = {}  # running task id -> lease expiry
        self._replicas: dict[str, datetime | None] = {}  # id -> last heartbeat (None: stopped)
        self._tasks: dict[str, Task] = {}
        self._order: list[str] = []  # submission order, oldest first
        self._request_ids: dict[str, str] = {}
        self._events: dict[str, list[TaskEvent]] = {}
        self._slots: dict[str, Slot] = {}
        self._context: dict[str, ContextEntry] = {}
        self._budget = BudgetState()
        self._inboxes: dict[str, list[SlotMessage]] = {}
        self._chains: dict[str, ChainProgress] = {}
        self._chain_order: list[str] = []  # submission order, oldest first
        self._chain_request_ids: dict[str, str] = {}
        self._replies: dict[str, tuple[StoredReply, datetime]] = {}  # insertion = time order

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # budget ------------------------------------------------------------------------------------

    def _apply_budget(self, change: BudgetChange | None) -> None:
        if change is None:
            return
        spent = self._budget.spent_micros + change.spend
        reserved = max(0, self._budget.reserved_micros - change.release)
        if (
            change.reserve
            and change.cap is not None
            and spent + reserved + change.reserve > change.cap
        ):
            raise BudgetExhausted(spent, reserved, change.cap, change.reserve)
        self._budget = BudgetState(spent_micros=spent, reserved_micros=reserved + change.reserve)

    async def get_budget(self) -> BudgetState:
        return self._budget

    # tasks -------------------------------------------------------------------------------------

    async def insert_task(self, task: Task, budget: BudgetChange) -> Task:
        if task.request_id and task.request_id in self._request_ids:
            return self._tasks[self._request_ids[task.request_id]]
        self._apply_budget(budget)
        self._tasks[task.id] = task
        self._order.append(task.id)
        self._events[task.id] = []
        if holds_lease(task):  # inserted running (a routing call): leased like a claim
            self._leases[task.id] = datetime.now(UTC) + timedelta(seconds=self.lease_seconds)
        if task.request_id:
            self._request_ids[task.request_id] = task.id
        return task

    async def get_task(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    async def list_tasks(self, query: TaskQuery) -> TaskPage:
        offset = decode_offset(query.page_token)
        matching = [
            task
            for task in (self._tasks[i] for i in reversed(self._order))
            if (query.state is None or task.state is query.state)
            and (not query.slot_id or task.slot_id == query.slot_id)
            and (not query.chain_id or task.chain_id == query.chain_id)
            and (not query.tags or set(query.tags) & set(task.spec.tags))
        ]
        page = matching[offset : offset + query.page_size]
        more = offset + query.page_size < len(matching)
        return TaskPage(page, encode_offset(offset + query.page_size) if more else "")

    async def update_task(self, task: Task, budget: BudgetChange | None = None) -> Task | None:
        current = self._tasks.get(task.id)
        if current is None or current.version != task.version:
            return None
        self._apply_budget(budget)
        stored = dataclasses.replace(task, version=task.version + 1, last_seq=current.last_seq)
        self._tasks[task.id] = stored
        if not holds_lease(stored):
            self._leases.pop(task.id, None)
        return stored

    async def claim_task(self, slot_id: str, replica_id: str) -> Task | None:
        for task_id in self._order:
            task = self._tasks[task_id]
            if task.state is not TaskState.PENDING:
                continue
            if task.spec.slot_id and task.spec.slot_id != slot_id:
                continue
            claimed = dataclasses.replace(
                task,
                state=TaskState.RUNNING,
                slot_id=slot_id,
                replica_id=replica_id,
                attempt=task.attempt + 1,
                start_time=datetime.now(UTC),
                version=task.version + 1,
            )
            self._tasks[task_id] = claimed
            started = claimed.start_time or datetime.now(UTC)
            self._leases[task_id] = started + timedelta(seconds=self.lease_seconds)
            return claimed
        return None

    async def task_counts(self) -> dict[TaskState, int]:
        counts = dict.fromkeys(TaskState, 0)
        for task in self._tasks.values():
            counts[task.state] += 1
        return counts

    # events ------------------------------------------------------------------------------------

    async def append_events(self, task_id: str, payloads: list[EventPayload]) -> list[TaskEvent]:
        log = self._events.setdefault(task_id, [])
        now = datetime.now(UTC)
        start = len(log)
        new = [TaskEvent(task_id, start + i + 1, now, p) for i, p in enumerate(payloads)]
        log.extend(new)
        task = self._tasks.get(task_id)
        if task is not None:
            self._tasks[task_id] = dataclasses.replace(task, last_seq=len(log))
        await self.notifier.publish(f"task:{task_id}")
        return new

    async def read_events(self, task_id: str, after_seq: int, limit: int) -> list[TaskEvent]:
        return self._events.get(task_id, [])[after_seq : after_seq + limit]

    # slots -------------------------------------------------------------------------------------

    async def put_slot(self, slot: Slot) -> None:
        self._slots[slot.id] = slot

    async def get_slot(self, slot_id: str) -> Slot | None:
        return self._slots.get(slot_id)

    async def list_slots(self) -> list[Slot]:
        return sorted(self._slots.values(), key=lambda s: slot_sort_key(s.id))

    async def delete_slot(self, slot_id: str) -> bool:
        return self._slots.pop(slot_id, None) is not None

    # context -----------------------------------------------------------------------------------

    async def set_context(self, key: str, value: str) -> ContextEntry:
        entry = ContextEntry(key, value, datetime.now(UTC))
        self._context[key] = entry
        return entry

    async def get_context(self, key: str) -> ContextEntry | None:
        return self._context.get(key)

    async def delete_context(self, key: str) -> ContextEntry | None:
        return self._context.pop(key, None)

    async def list_context(self, page_size: int, page_token: str) -> ContextPage:
        offset = decode_offset(page_token)
        entries = [self._context[k] for k in sorted(self._context)]
        page = entries[offset : offset + page_size]
        more = offset + page_size < len(entries)
        return ContextPage(page, encode_offset(offset + page_size) if more else "")

    # chains ------------------------------------------------------------------------------------

    async def put_chain(self, progress: ChainProgress) -> ChainProgress | None:
        current = self._chains.get(progress.chain_id)
        if current is None:
            if progress.seq != 0:
                return None
            if progress.request_id and progress.request_id in self._chain_request_ids:
                return self._chains[self._chain_request_ids[progress.request_id]]
            self._chain_order.append(progress.chain_id)
            if progress.request_id:
                self._chain_request_ids[progress.request_id] = progress.chain_id
        elif current.seq != progress.seq:
            return None
        stored = dataclasses.replace(progress, seq=progress.seq + 1)
        self._chains[progress.chain_id] = stored
        await self.notifier.publish(f"chain:{progress.chain_id}")
        return stored

    async def get_chain(self, chain_id: str) -> ChainProgress | None:
        return self._chains.get(chain_id)

    async def list_chains(
        self, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        offset = decode_offset(page_token)
        matching = [
            chain
            for chain in (self._chains[i] for i in reversed(self._chain_order))
            if status is None or chain.status is status
        ]
        page = matching[offset : offset + page_size]
        more = offset + page_size < len(matching)
        return ChainPage(page, encode_offset(offset + page_size) if more else "")

    # replicas ----------------------------------------------------------------------------------

    def _live(self, now: datetime) -> set[str]:
        stale_before = now - timedelta(seconds=self.lease_seconds)
        return {r for r, t in self._replicas.items() if t is not None and t >= stale_before}

    async def register_replica(self, replica_id: str) -> None:
        self._replicas[replica_id] = datetime.now(UTC)

    async def allocate_slot_ids(self, replica_id: str, count: int) -> list[str]:
        live = self._live(datetime.now(UTC)) | {replica_id}
        taken = {
            s.id
            for s in self._slots.values()
            if s.replica_id in live and s.state is not SlotState.STOPPED
        }
        ids = free_slot_ids(taken, count)
        for slot_id in ids:
            self._slots[slot_id] = Slot(slot_id, replica_id=replica_id)
        return ids

    async def heartbeat(self, replica_id: str) -> None:
        now = datetime.now(UTC)
        if self._replicas.get(replica_id, now) is not None:
            self._replicas[replica_id] = now
        expires = now + timedelta(seconds=self.lease_seconds)
        for task_id in self._leases:
            if self._tasks[task_id].replica_id == replica_id:
                self._leases[task_id] = expires

    async def deregister_replica(self, replica_id: str) -> None:
        self._replicas[replica_id] = None

    async def live_replicas(self) -> int:
        return len(self._live(datetime.now(UTC)))

    async def live_replica_ids(self) -> set[str]:
        return self._live(datetime.now(UTC))

    async def recover(self, max_attempts: int) -> list[Task]:
        now = datetime.now(UTC)
        changed: list[Task] = []
        for task_id in [t for t in self._order if self._leases.get(t, now) < now]:
            task = self._tasks[task_id]
            updated, budget = expired_lease_outcome(task, max_attempts, now)
            self._apply_budget(budget)
            stored = dataclasses.replace(updated, version=task.version + 1)
            self._tasks[task_id] = stored
            del self._leases[task_id]
            changed.append(stored)
        live = self._live(now)
        for slot in list(self._slots.values()):
            dead = slot.replica_id in self._replicas and slot.replica_id not in live
            if dead and slot.state is not SlotState.STOPPED:
                self._slots[slot.id] = dataclasses.replace(
                    slot, state=SlotState.STOPPED, current_task_id=""
                )
        return changed

    # messages ----------------------------------------------------------------------------------

    async def add_messages(self, messages: list[SlotMessage]) -> None:
        for message in messages:
            self._inboxes.setdefault(message.to_slot_id, []).append(message)

    async def take_messages(self, slot_id: str) -> list[SlotMessage]:
        return self._inboxes.pop(slot_id, [])

    async def peek_messages(self, slot_id: str) -> list[SlotMessage]:
        return list(self._inboxes.get(slot_id, []))

    async def count_messages(self, slot_id: str) -> int:
        return len(self._inboxes.get(slot_id, []))

    # remembered replies ------------------------------------------------------------------------

    async def claim_reply(
        self, key: str, fingerprint: str, replica_id: str, live_replicas: set[str]
    ) -> StoredReply | None:
        kept = self._replies.get(key)
        if kept is None or (kept[0].reply is None and kept[0].replica_id not in live_replicas):
            self._replies.pop(key, None)
            self._replies[key] = (StoredReply(fingerprint, None, replica_id), datetime.now(UTC))
            return None
        return kept[0]

    async def finish_reply(self, key: str, reply: bytes, retention_seconds: float) -> None:
        now = datetime.now(UTC)
        kept = self._replies.pop(key, None)
        if kept is not None:
            self._replies[key] = (dataclasses.replace(kept[0], reply=reply), now)
        forget_before = now - timedelta(seconds=retention_seconds)
        while self._replies:
            oldest = next(iter(self._replies))
            entry, time = self._replies[oldest]
            if time >= forget_before or entry.reply is None:
                break
            del self._replies[oldest]

    async def abandon_reply(self, key: str, replica_id: str) -> None:
        kept = self._replies.get(key)
        if kept is not None and kept[0].reply is None and kept[0].replica_id == replica_id:
            del self._replies[key]


def slot_sort_key(slot_id: str) -> tuple[int, str]:
    """Order `slot-2` before `slot-10`."""
    prefix, _, number = slot_id.rpartition("-")
    return (int(number), prefix) if number.isdigit() else (1 << 30, slot_id)
