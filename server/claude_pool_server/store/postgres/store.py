"""PostgresStore: the durable PoolStore, shared by every replica pointed at one database.

Hand-written SQL (queries.py) over an asyncpg pool: no ORM on the hot path and no transaction
where one statement does. Submitting, claiming, appending output and finishing a run are one
statement each (see queries.py); the other lifecycle transitions run in a short transaction that
locks the task row, applies the domain's Change (domain/lifecycle.py) and notifies. Claims use
FOR UPDATE SKIP LOCKED; a unique index keeps one running task per session.

When the database cannot be reached (down, restarting, paused, a network cut) every method
raises StoreUnavailable, which callers see as UNAVAILABLE (safe to retry with the same
request_id) and the replica's health reports as NOT_SERVING; statements time out instead of
hanging, and the pool's connections are replaced once the database is back.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import functools
import json
import logging
import zlib
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, ParamSpec, TypeAlias, TypeVar

import asyncpg

from claude_pool_server.domain.budget import BudgetState
from claude_pool_server.domain.chains import ChainPage, ChainProgress, ChainStatus
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.errors import (
    BudgetExhausted,
    InvalidArgument,
    QuotaExceeded,
    StoreUnavailable,
    TaskNotFound,
)
from claude_pool_server.domain.lifecycle import (
    Change,
    finished,
    holds_cancelled_run,
    holds_lease,
    lease_expired,
    record_cancelled_run,
)
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.ports import (
    Claim,
    NextClaim,
    Renewal,
    RunReport,
    claim_topics,
    next_claim_topic,
)
from claude_pool_server.domain.replies import StoredReply
from claude_pool_server.domain.sessions import Session, SessionPage
from claude_pool_server.domain.slot_ids import free_slot_ids
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import (
    EventPayload,
    StateChanged,
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskResult,
    TaskSpec,
    TaskState,
)
from claude_pool_server.store.memory import finished_with, slot_sort_key
from claude_pool_server.store.postgres import queries as q
from claude_pool_server.store.postgres.codec import (
    from_json,
    payload_from_json,
    payload_to_json,
    to_json,
)
from claude_pool_server.store.postgres.connection import asyncpg_dsn
from claude_pool_server.store.postgres.notifier import PostgresNotifier

log = logging.getLogger(__name__)

DEFAULT_LEASE_SECONDS = 20.0
COMMAND_TIMEOUT_SECONDS = 15.0
# Output this replica appended lately, per task, served to this replica's watchers (see
# `_OutputTail`): at most this many events of at most this many tasks.
TAIL_EVENTS = 64
TAIL_TASKS = 256
UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.InterfaceError,
)

Connection: TypeAlias = "asyncpg.pool.PoolConnectionProxy[asyncpg.Record]"  # generic in stubs
P = ParamSpec("P")
R = TypeVar("R")


def reachable(method: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Turn "the database cannot be reached" into StoreUnavailable (UNAVAILABLE to clients)."""

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except UNREACHABLE as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise StoreUnavailable(detail) from exc

    return wrapper


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


def decode_number(token: str, kind: str) -> int | None:
    value = decode_key(token, kind)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidArgument("page_token", "not a page token this server issued") from exc


def budget_shard(task_id: str) -> int:
    """The budget row (of queries.BUDGET_SHARDS per namespace) that holds a task's money: its
    reservation, release and spend always meet in one row. Migration 0004 keeps a copy."""
    return zlib.crc32(task_id.encode()) % q.BUDGET_SHARDS


def task_from(
    row: asyncpg.Record, spec: TaskSpec | None = None, result: TaskResult | None = None
) -> Task:
    """A task from its row; `spec` and `result` are the caller's copies where the statement did
    not return those columns (queries.WRITTEN_TASK_COLUMNS)."""
    spec_json = row.get("spec")
    if spec_json is not None or spec is None:
        spec = from_json(TaskSpec, spec_json)
    result_json = row.get("result")
    if result_json is not None:
        result = from_json(TaskResult, result_json)
    return Task(
        id=row["id"],
        state=TaskState(row["state"]),
        prompt=row["prompt"],
        spec=spec,
        create_time=row["created_at"],
        namespace=row["namespace"],
        owner=row["owner"],
        continues=row["continues"],
        forks=row["forks"],
        session_id=row["session_id"],
        slot_id=row["slot_id"],
        result=result,
        rejection_count=row["rejection_count"],
        reserved_micros=row["reserved_micros"],
        attempt=row["attempt"],
        chain_id=row["chain_id"],
        start_time=row["start_time"],
        end_time=row["end_time"],
        last_seq=row["last_seq"],
        request_id=row["request_id"],
        replica_id=row["replica_id"],
        version=row["version"],
    )


def session_from(row: asyncpg.Record) -> Session:
    return Session(**{field.name: row[field.name] for field in dataclasses.fields(Session)})


def _chain(row: asyncpg.Record) -> ChainProgress:
    progress: ChainProgress = from_json(ChainProgress, row["data"])
    return dataclasses.replace(progress, seq=row["seq"])


def _message(row: asyncpg.Record) -> SlotMessage:
    return SlotMessage(
        row["id"], row["from_slot_id"], row["to_slot_id"], row["content"], row["create_time"]
    )


def _payload(payload: EventPayload) -> dict[str, Any]:
    return payload_to_json(payload)


async def _init_connection(connection: asyncpg.Connection) -> None:
    await connection.execute(q.SESSION_SETUP)
    await connection.set_type_codec(
        "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
    )


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Hand a connection back to the pool as it is. asyncpg's default reset sends
    `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every release: four
    statements and a round trip after each of ours (most of the store's statements, measured by
    bench.control_plane). The store leaves nothing for it to undo: its advisory lock is
    transaction-scoped, it opens no cursor, LISTENs on its own connection (notifier.py) and
    changes no setting after q.SESSION_SETUP; asyncpg still rolls back a transaction left open."""


class _OutputTail:
    """The events this replica appended lately, as stored (seq, time, payload), by task.

    A watcher on the replica that runs a task is woken by the append itself and would read the
    events straight back from the database: a second round trip on the path from a delta to
    its watcher. It reads them from here instead, but only a contiguous run that starts right
    after its `after_seq`: events are immutable once stored and their seqs are the database's,
    so such a run is exactly what the database holds; anything else (a gap, written by another
    statement or replica, or an evicted tail) is read from the database as before.

    A read must also miss nothing whose notification came before it (the watcher then waits
    for the next one instead of reading again, see `PoolStore.read_events`): so a task's tail is
    forgotten before the wake-up of any other statement of this replica that writes its events
    (`_wake`), and before a notification from another replica for it is applied (or, after the
    listener reconnects, every tail)."""

    def __init__(self) -> None:
        self._tasks: OrderedDict[str, dict[int, TaskEvent]] = OrderedDict()

    def add(self, events: list[TaskEvent]) -> None:
        if not events:
            return
        task_id = events[0].task_id
        tail = self._tasks.pop(task_id, {})
        for event in events:
            tail[event.seq] = event
        while len(tail) > TAIL_EVENTS:
            del tail[next(iter(tail))]  # the oldest (seqs grow)
        self._tasks[task_id] = tail
        while len(self._tasks) > TAIL_TASKS:
            self._tasks.popitem(last=False)

    def read(self, task_id: str, after_seq: int, limit: int) -> list[TaskEvent]:
        tail = self._tasks.get(task_id)
        found: list[TaskEvent] = []
        seq = after_seq + 1
        while tail is not None and seq in tail and len(found) < limit:
            found.append(tail[seq])
            seq += 1
        return found

    def forget(self, task_id: str) -> None:
        self._tasks.pop(task_id, None)


def _finish_arguments(
    report: RunReport, task: Task, now: datetime
) -> tuple[TaskResult | None, tuple[Any, ...]]:
    """FINISH_RUN's parameters ($1-$21) for the running `task`, and the result it stores."""
    change = finished(task, report.result, now)
    done = change.task
    budget = change.budget
    turn = report.session if report.result.success else None
    slot = report.slot
    state_event, finish_event = change.events
    return done.result, (
        task.id,
        report.attempt,
        done.state.value,
        to_json(done.result),
        now,
        done.session_id,
        payload_to_json(state_event),
        payload_to_json(finish_event),
        budget.spend if budget else 0,
        budget.unfinished if budget else 0,
        slot.id if slot else "",
        to_json(slot) if slot else {},
        slot.state.value if slot else "",
        turn is not None,
        turn.transcript if turn else b"",
        turn.model if turn else "",
        turn.forked_from if turn else "",
        turn.start_key if turn else "",
        turn.slot_id if turn else "",
        budget_shard(task.id),
        task.reserved_micros,
    )


class _Duplicate(Exception):
    """A task's request_id was seen before: roll back and return the earlier task."""


class PostgresStore:
    def __init__(
        self,
        database_url: str,
        *,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        pool_size: int = 10,
        command_timeout: float = COMMAND_TIMEOUT_SECONDS,
    ) -> None:
        self.database_url = database_url
        self.dsn = asyncpg_dsn(database_url)
        self.lease_seconds = lease_seconds
        self.pool_size = pool_size
        self.command_timeout = command_timeout
        self._pool: asyncpg.Pool | None = None
        self._releases: set[asyncio.Future[None]] = set()  # see _fetchval_release_later
        self._tail = _OutputTail()
        self.notifier = PostgresNotifier(self.dsn, self._send_notify, self._forget_tail)

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreUnavailable("the store is not started")
        return self._pool

    async def start(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.dsn,
            min_size=1,
            max_size=self.pool_size,
            command_timeout=self.command_timeout,
            timeout=self.command_timeout,
            init=_init_connection,
            reset=_keep_session,
        )
        await self.pool.execute(q.ENSURE_BUDGET_ROWS, "default")
        await self.notifier.start()

    async def close(self) -> None:
        await self.notifier.close()
        await asyncio.gather(*self._releases, return_exceptions=True)
        if self._pool is not None:
            try:
                await asyncio.wait_for(self._pool.close(), 5.0)
            except TimeoutError:
                self._pool.terminate()

    async def _fetchval_release_later(self, query: str, *args: object) -> Any:
        """`pool.fetchval`, but the connection goes back to the pool after this returns, not
        before: asyncpg's release is a task of its own and a reset, 0.2 ms after a quiet spell
        on the path from a text delta to its watcher (bench.idle_floor, BENCHMARKS.md)."""
        pool = self.pool
        connection = await pool.acquire()
        try:
            return await connection.fetchval(query, *args)
        finally:
            release = asyncio.ensure_future(pool.release(connection))
            self._releases.add(release)
            release.add_done_callback(self._released)

    def _released(self, release: asyncio.Future[None]) -> None:
        self._releases.discard(release)
        if not release.cancelled() and release.exception() is not None:
            log.warning("a connection's release failed: %r", release.exception())

    @reachable
    async def _send_notify(self, payloads: list[str]) -> None:
        await self.pool.execute(q.NOTIFY_ALL, payloads)

    def _wake(self, *topics: str) -> None:
        """Wake this replica's waiters after a write, and the others' by a NOTIFY sent next; a
        task whose events the write may have added is read from the database next time."""
        for topic in topics:
            self._forget_tail(topic)
            self.notifier.wake_local(topic)
        self.notifier.send_later(*topics)

    def _forget_tail(self, topic: str | None) -> None:
        if topic is None:
            self._tail = _OutputTail()
        elif topic.startswith("task:"):
            self._tail.forget(topic.removeprefix("task:"))

    # budget ------------------------------------------------------------------------------------

    @reachable
    async def get_budget(self, namespace: str | None) -> BudgetState:
        row = await self.pool.fetchrow(q.READ_BUDGET, q.POOL if namespace is None else namespace)
        assert row is not None  # an aggregate always has its row
        return BudgetState(row["spent_micros"], row["reserved_micros"], row["unfinished"])

    async def _check_limits(self, conn: Connection, change: Change) -> None:
        """Lock all the pool's and the namespace's budget rows and check the change fits."""
        budget = change.budget
        assert budget is not None
        rows = await conn.fetch(q.LOCK_BUDGET, budget.namespace)
        if len(rows) < 2 * q.BUDGET_SHARDS:
            await conn.execute(q.ENSURE_BUDGET_ROWS, budget.namespace)
            rows = await conn.fetch(q.LOCK_BUDGET, budget.namespace)
        totals: dict[str, Counter[str]] = {q.POOL: Counter(), budget.namespace: Counter()}
        for row in rows:
            totals[row["namespace"]].update(
                spent=row["spent_micros"],
                reserved=row["reserved_micros"],
                unfinished=row["unfinished"],
            )
        limits = budget.limits
        if budget.reserve:
            for key, cap in ((q.POOL, limits.pool_cap), (budget.namespace, limits.namespace_cap)):
                spent = totals[key]["spent"] + budget.spend
                reserved = max(0, totals[key]["reserved"] - budget.release)
                if cap is not None and spent + reserved + budget.reserve > cap:
                    raise BudgetExhausted(spent, reserved, cap, budget.reserve)
        quota = limits.max_unfinished
        unfinished = totals[budget.namespace]["unfinished"] + budget.unfinished
        if budget.unfinished > 0 and quota is not None and unfinished > quota:
            raise QuotaExceeded(budget.namespace, quota)

    @staticmethod
    def _limited(change: Change) -> bool:
        budget = change.budget
        if budget is None:
            return False
        limits = budget.limits
        capped = limits.pool_cap is not None or limits.namespace_cap is not None
        return (budget.reserve > 0 and capped) or (
            budget.unfinished > 0 and limits.max_unfinished is not None
        )

    # tasks -------------------------------------------------------------------------------------

    @reachable
    async def submit_task(self, change: Change) -> Task:
        task = change.task
        args = (
            task.id,
            task.namespace,
            task.owner,
            task.prompt,
            to_json(task.spec),
            task.spec.slot_id,
            task.chain_id,
            task.request_id,
            list(task.spec.tags),
            task.create_time,
            task.reserved_micros,
            task.continues,
            task.forks,
            payload_to_json(change.events[0]),
            budget_shard(task.id),
        )
        row: asyncpg.Record | None
        if not self._limited(change):
            row = await self.pool.fetchrow(q.SUBMIT_TASK, *args)
        else:
            try:
                async with self.pool.acquire() as conn, conn.transaction():
                    await self._check_limits(conn, change)
                    row = await conn.fetchrow(q.SUBMIT_TASK, *args)
                    if row is None:
                        raise _Duplicate
            except _Duplicate:
                row = None
        if row is None:
            earlier = await self.pool.fetchrow(
                q.TASK_BY_REQUEST_ID, task.namespace, task.request_id
            )
            if earlier is None:
                raise StoreUnavailable("a task with this request_id vanished while submitting")
            return task_from(earlier)
        self._wake(f"task:{task.id}", *claim_topics(task))
        return task_from(row, spec=task.spec)

    @reachable
    async def get_task(self, task_id: str) -> Task | None:
        row = await self.pool.fetchrow(q.TASK_BY_ID, task_id)
        return task_from(row) if row is not None else None

    @reachable
    async def list_tasks(self, query: TaskQuery) -> TaskPage:
        before = decode_number(query.page_token, "t")
        rows = await self.pool.fetch(
            q.LIST_TASKS,
            query.namespace,
            query.state.value if query.state else None,
            query.slot_id,
            query.chain_id,
            query.session_id,
            list(query.tags) or None,
            before,
            query.page_size + 1,
        )
        page = rows[: query.page_size]
        more = len(rows) > query.page_size
        token = encode_key("t", str(page[-1]["seq_no"])) if more and page else ""
        return TaskPage([task_from(r) for r in page], token)

    @reachable
    async def task_counts(self, namespace: str | None) -> dict[TaskState, int]:
        counts = dict.fromkeys(TaskState, 0)
        for row in await self.pool.fetch(q.TASK_COUNTS, namespace):
            counts[TaskState(row["state"])] = row["count"]
        return counts

    @reachable
    async def claim_task(self, slot: Slot, replica_id: str, lease_seconds: float) -> Claim:
        now = datetime.now(UTC)
        args = (
            slot.id,
            replica_id,
            now,
            float(lease_seconds),
            payload_to_json(StateChanged(TaskState.RUNNING, slot_id=slot.id)),
            to_json(slot),
        )
        for _ in range(3):
            try:
                row = await self.pool.fetchrow(q.CLAIM_TASK, *args)
                break
            except asyncpg.UniqueViolationError:
                continue  # two claims of one session met: the other won; claim again
        else:
            return Claim(None)
        if row is None:
            return Claim(None)
        task = task_from(row)
        self._wake(f"task:{task.id}")
        return Claim(task, row["more"])

    @reachable
    async def claim_task_by_id(self, task_id: str, replica_id: str, lease_seconds: float) -> Task:
        now = datetime.now(UTC)
        row = await self.pool.fetchrow(
            q.CLAIM_TASK_BY_ID,
            task_id,
            replica_id,
            now,
            float(lease_seconds),
            payload_to_json(StateChanged(TaskState.RUNNING)),
        )
        if row is None:
            raise TaskNotFound(task_id)
        self._wake(f"task:{task_id}")
        return task_from(row)

    async def _write_change(self, conn: Connection, before: Task, change: Change) -> Task:
        """Apply a Change to a task whose row this transaction holds locked."""
        if change.budget is not None and change.budget.reserve:
            await self._check_limits(conn, change)
        stored = dataclasses.replace(
            change.task,
            version=before.version + 1,
            last_seq=before.last_seq + len(change.events),
        )
        new = change.task
        await conn.execute(
            q.WRITE_TASK,
            new.id,
            new.state.value,
            new.prompt,
            new.slot_id,
            new.replica_id,
            new.start_time,
            new.end_time,
            new.attempt,
            new.rejection_count,
            new.reserved_micros,
            new.continues,
            new.forks,
            new.session_id,
            to_json(new.result) if new.result is not None else None,
            holds_lease(new),
            len(change.events),
        )
        if change.events:
            payloads = [_payload(p) for p in finished_with(change.events, stored)]
            await conn.execute(
                q.INSERT_EVENTS, new.id, before.last_seq + 1, datetime.now(UTC), payloads
            )
        budget = change.budget
        if budget is not None:
            await conn.execute(
                q.APPLY_BUDGET,
                budget.namespace,
                budget.reserve,
                budget.release,
                budget.spend,
                budget.unfinished,
                budget_shard(new.id),
            )
        return stored

    def _topics_after(self, before: Task, stored: Task) -> list[str]:
        topics = [f"task:{stored.id}"]
        if stored.state is TaskState.PENDING and before.state is not TaskState.PENDING:
            topics.extend(claim_topics(stored))
        if before.state is TaskState.RUNNING and stored.state is TaskState.CANCELLED:
            topics.append(f"cancel:{stored.id}")
        return topics

    @reachable
    async def transition(self, task_id: str, compute: Callable[[Task], Change]) -> Task:
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(q.LOCK_TASK, task_id)
            if row is None:
                raise TaskNotFound(task_id)
            before = task_from(row)
            stored = await self._write_change(conn, before, compute(before))
        self._wake(*self._topics_after(before, stored))
        return stored

    @reachable
    async def finish_run(self, report: RunReport) -> Task | None:
        now = datetime.now(UTC)
        if report.task is not None and report.task.state is TaskState.RUNNING:
            stored = await self._finish_running(report, report.task, now)
            if stored is not None:
                return stored
        # Cancelled meanwhile, fenced, or no claimed task given: decide under the row lock.
        async with self.pool.acquire() as conn, conn.transaction():
            if report.slot is not None:
                await self._put_slot(conn, report.slot)
            row = await conn.fetchrow(q.LOCK_TASK, report.task_id)
            if row is None:
                return None
            current = task_from(row)
            if current.attempt != report.attempt:
                return None
            if holds_cancelled_run(current):
                change = record_cancelled_run(current, report.result)
            elif current.state is TaskState.RUNNING:
                change = finished(current, report.result, now)
            else:
                return None
            stored = await self._write_change(conn, current, change)
        self._wake(*self._topics_after(current, stored), "tasks")
        return stored

    async def _finish_running(self, report: RunReport, task: Task, now: datetime) -> Task | None:
        """The one-statement finish (queries.FINISH_RUN); None when the task moved on."""
        result, args = _finish_arguments(report, task, now)
        row = await self.pool.fetchrow(q.FINISH_RUN, *args)
        if row is None:
            return None
        self._wake(f"task:{task.id}", "tasks")
        return task_from(row, spec=task.spec, result=result)

    @reachable
    async def finish_run_and_claim(
        self, report: RunReport, claim: NextClaim
    ) -> tuple[Task | None, Task | None]:
        task, slot = report.task, report.slot
        if task is None or task.state is not TaskState.RUNNING or slot is None:
            return await self.finish_run(report), None
        now = datetime.now(UTC)
        result, args = _finish_arguments(report, task, now)
        running = payload_to_json(StateChanged(TaskState.RUNNING, slot_id=slot.id))
        try:
            rows = await self.pool.fetch(
                q.FINISH_AND_CLAIM, *args, claim.replica_id, float(claim.lease_seconds), running
            )
        except asyncpg.UniqueViolationError:
            rows = []  # its claim met another of the same session: finish alone, claim later
        kinds = {row["kind"]: row for row in rows}
        if "done" not in kinds:  # cancelled meanwhile, fenced, or the claim above was refused
            return await self.finish_run(report), None
        stored = task_from(kinds["done"], spec=task.spec, result=result)
        claimed = task_from(kinds["claimed"]) if "claimed" in kinds else None
        self._wake(
            f"task:{task.id}",
            next_claim_topic(slot.id, claimed),
            *([f"task:{claimed.id}"] if claimed else []),
        )
        return stored, claimed

    @reachable
    async def delete_task(self, task_id: str) -> bool:
        deleted = bool(await self.pool.fetchval(q.DELETE_TASK, task_id))
        if deleted:
            self._tail.forget(task_id)
        return deleted

    @reachable
    async def purge_tasks(self, settled_before: datetime) -> int:
        count: int = await self.pool.fetchval(q.PURGE_TASKS, settled_before)
        if count:
            self._tail = _OutputTail()
        return count

    # events ------------------------------------------------------------------------------------

    @reachable
    async def append_events(self, task_id: str, payloads: list[EventPayload]) -> list[TaskEvent]:
        if not payloads:
            return []
        now = datetime.now(UTC)
        topic = f"task:{task_id}"
        last = await self._fetchval_release_later(
            q.APPEND_EVENTS,
            task_id,
            len(payloads),
            now,
            [_payload(p) for p in payloads],
        )
        if last is None:
            self._wake(topic)
            return []  # the task is gone (deleted)
        first = last - len(payloads) + 1
        events = [TaskEvent(task_id, first + i, now, p) for i, p in enumerate(payloads)]
        self._tail.add(events)
        self.notifier.wake_local(topic)  # the tail holds what this statement wrote
        self.notifier.send_later(topic)
        return events

    @reachable
    async def read_events(self, task_id: str, after_seq: int, limit: int) -> list[TaskEvent]:
        recent = self._tail.read(task_id, after_seq, limit)
        if recent:
            return recent
        rows = await self.pool.fetch(q.READ_EVENTS, after_seq, limit, task_id)
        return [
            TaskEvent(task_id, r["seq"], r["time"], payload_from_json(r["payload"])) for r in rows
        ]

    # sessions ----------------------------------------------------------------------------------

    @reachable
    async def get_session(self, session_id: str) -> Session | None:
        row = await self.pool.fetchrow(q.SESSION_BY_ID, session_id)
        return session_from(row) if row is not None else None

    @reachable
    async def list_sessions(
        self, namespace: str, owner: str, page_size: int, page_token: str
    ) -> SessionPage:
        offset = decode_number(page_token, "s") or 0
        rows = await self.pool.fetch(q.LIST_SESSIONS, namespace, owner, page_size + 1, offset)
        more = len(rows) > page_size
        page = [session_from(r) for r in rows[:page_size]]
        return SessionPage(page, encode_key("s", str(offset + page_size)) if more else "")

    @reachable
    async def load_transcript(self, session_id: str) -> list[bytes]:
        return [bytes(r["chunk"]) for r in await self.pool.fetch(q.LOAD_TRANSCRIPT, session_id)]

    @reachable
    async def delete_session(self, session_id: str) -> bool:
        return bool(await self.pool.fetchval(q.DELETE_SESSION, session_id))

    # slots -------------------------------------------------------------------------------------

    @staticmethod
    async def _put_slot(conn: Connection | asyncpg.Pool, slot: Slot) -> None:
        await conn.execute(q.UPSERT_SLOT, slot.id, slot.replica_id, slot.state.value, to_json(slot))

    @reachable
    async def put_slot(self, slot: Slot) -> None:
        await self._put_slot(self.pool, slot)

    @reachable
    async def get_slot(self, slot_id: str) -> Slot | None:
        data = await self.pool.fetchval(q.SLOT_BY_ID, slot_id)
        return from_json(Slot, data) if data is not None else None

    @reachable
    async def list_slots(self) -> list[Slot]:
        rows = await self.pool.fetch(q.ALL_SLOTS)
        return sorted((from_json(Slot, r["data"]) for r in rows), key=lambda s: slot_sort_key(s.id))

    # context -----------------------------------------------------------------------------------

    @reachable
    async def set_context(self, namespace: str, key: str, value: str) -> ContextEntry:
        now = datetime.now(UTC)
        await self.pool.execute(q.UPSERT_CONTEXT, namespace, key, value, now)
        return ContextEntry(key, value, now)

    @reachable
    async def get_context(self, namespace: str, key: str) -> ContextEntry | None:
        row = await self.pool.fetchrow(q.CONTEXT_BY_KEY, namespace, key)
        return ContextEntry(row["key"], row["value"], row["update_time"]) if row else None

    @reachable
    async def delete_context(self, namespace: str, key: str) -> ContextEntry | None:
        row = await self.pool.fetchrow(q.DELETE_CONTEXT, namespace, key)
        return ContextEntry(row["key"], row["value"], row["update_time"]) if row else None

    @reachable
    async def list_context(self, namespace: str, page_size: int, page_token: str) -> ContextPage:
        after = decode_key(page_token, "c")
        rows = await self.pool.fetch(q.LIST_CONTEXT, namespace, after, page_size + 1)
        page = [ContextEntry(r["key"], r["value"], r["update_time"]) for r in rows[:page_size]]
        more = len(rows) > page_size
        return ContextPage(page, encode_key("c", page[-1].key) if more and page else "")

    # chains ------------------------------------------------------------------------------------

    @reachable
    async def put_chain(self, progress: ChainProgress) -> ChainProgress | None:
        stored = dataclasses.replace(progress, seq=progress.seq + 1)
        data = to_json(stored)
        if progress.seq == 0:
            row = await self.pool.fetchrow(
                q.INSERT_CHAIN,
                progress.chain_id,
                progress.namespace,
                stored.status.value,
                stored.seq,
                progress.request_id,
                progress.create_time,
                data,
            )
            if row is None:
                if not progress.request_id:
                    return None
                earlier = await self.pool.fetchrow(
                    q.CHAIN_BY_REQUEST_ID, progress.namespace, progress.request_id
                )
                return _chain(earlier) if earlier is not None else None
        else:
            row = await self.pool.fetchrow(
                q.CAS_UPDATE_CHAIN,
                progress.chain_id,
                progress.seq,
                stored.status.value,
                stored.seq,
                data,
            )
            if row is None:
                return None
        self._wake(f"chain:{progress.chain_id}")
        return stored

    @reachable
    async def get_chain(self, chain_id: str) -> ChainProgress | None:
        row = await self.pool.fetchrow(q.CHAIN_BY_ID, chain_id)
        return _chain(row) if row is not None else None

    @reachable
    async def list_chains(
        self, namespace: str | None, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        before = decode_number(page_token, "h")
        rows = await self.pool.fetch(
            q.LIST_CHAINS, namespace, status.value if status else None, before, page_size + 1
        )
        page = rows[:page_size]
        more = len(rows) > page_size
        token = encode_key("h", str(page[-1]["seq_no"])) if more and page else ""
        return ChainPage([_chain(r) for r in page], token)

    # messages ----------------------------------------------------------------------------------

    @reachable
    async def add_messages(self, namespace: str, messages: list[SlotMessage]) -> None:
        if not messages:
            return
        await self.pool.execute(
            q.INSERT_MESSAGES,
            [m.id for m in messages],
            namespace,
            [m.from_slot_id for m in messages],
            [m.to_slot_id for m in messages],
            [m.content for m in messages],
            [m.create_time for m in messages],
        )

    @reachable
    async def take_messages(self, namespace: str, slot_id: str) -> list[SlotMessage]:
        rows = await self.pool.fetch(q.TAKE_MESSAGES, namespace, slot_id)
        return [_message(r) for r in sorted(rows, key=lambda r: r["seq_no"])]

    @reachable
    async def peek_messages(self, namespace: str, slot_id: str) -> list[SlotMessage]:
        return [_message(r) for r in await self.pool.fetch(q.PEEK_MESSAGES, namespace, slot_id)]

    @reachable
    async def count_messages(self, namespace: str, slot_id: str) -> int:
        count: int = await self.pool.fetchval(q.COUNT_MESSAGES, namespace, slot_id)
        return count

    # remembered replies ------------------------------------------------------------------------

    @reachable
    async def claim_reply(
        self, key: str, fingerprint: str, replica_id: str, live_replicas: set[str]
    ) -> StoredReply | None:
        while True:
            now = datetime.now(UTC)
            async with self.pool.acquire() as conn, conn.transaction():
                inserted = await conn.execute(
                    q.INSERT_PENDING_REPLY, key, fingerprint, replica_id, now
                )
                if inserted.endswith(" 1"):
                    return None
                row = await conn.fetchrow(q.LOCK_REPLY, key)
                if row is None:
                    continue  # abandoned between our insert and our read: claim it again
                if row["reply"] is None and row["replica_id"] not in live_replicas:
                    await conn.execute(q.TAKE_OVER_REPLY, key, fingerprint, replica_id, now)
                    return None
            reply = bytes(row["reply"]) if row["reply"] is not None else None
            return StoredReply(row["fingerprint"], reply, row["replica_id"])

    @reachable
    async def finish_reply(self, key: str, reply: bytes, retention_seconds: float) -> None:
        now = datetime.now(UTC)
        await self.pool.execute(
            q.FINISH_REPLY, key, reply, now, now - timedelta(seconds=retention_seconds)
        )

    @reachable
    async def abandon_reply(self, key: str, replica_id: str) -> None:
        await self.pool.execute(q.ABANDON_REPLY, key, replica_id)

    # replicas ----------------------------------------------------------------------------------

    @reachable
    async def register_replica(self, replica_id: str) -> None:
        await self.pool.execute(q.UPSERT_REPLICA, replica_id)
        self.notifier.announce(replica_id)

    @reachable
    async def allocate_slot_ids(self, replica_id: str, count: int) -> list[str]:
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(q.LOCK_SLOT_ALLOCATION)
            live = {r["id"] for r in await conn.fetch(q.LIVE_REPLICA_IDS, self.lease_seconds)}
            live.add(replica_id)
            taken = {
                r["id"]
                for r in await conn.fetch(q.SLOT_OWNERS)
                if r["replica_id"] in live and r["state"] != SlotState.STOPPED.value
            }
            ids = free_slot_ids(taken, count)
            for slot_id in ids:
                await self._put_slot(conn, Slot(slot_id, replica_id=replica_id))
        return ids

    @reachable
    async def heartbeat(
        self, replica_id: str, lease_seconds: float, running: Collection[str]
    ) -> bool:
        # times are the database's: a statement held up by a stalled server must not write a
        # lease that has already run out when it finally executes
        row = await self.pool.fetchrow(q.HEARTBEAT, replica_id, float(lease_seconds), list(running))
        assert row is not None  # scalar subqueries: always one row
        self.notifier.other_replicas(row["others"])
        return bool(row["beats"])

    @reachable
    async def deregister_replica(self, replica_id: str) -> None:
        await self.pool.execute(q.STOP_REPLICA, replica_id)

    @reachable
    async def live_replica_ids(self) -> set[str]:
        return {r["id"] for r in await self.pool.fetch(q.LIVE_REPLICA_IDS, self.lease_seconds)}

    @reachable
    async def recover(self, max_attempts: int, renewal: Renewal | None = None) -> list[Task]:
        """Re-queue (or fail, past `max_attempts`) running tasks whose lease expired, mark
        replicas that stopped heartbeating dead, and stop their slots."""
        now = datetime.now(UTC)
        changed: list[tuple[Task, Task]] = []
        async with self.pool.acquire() as conn, conn.transaction():
            if renewal is not None:
                beat = await conn.fetchrow(
                    q.HEARTBEAT,
                    renewal.replica_id,
                    float(renewal.lease_seconds),
                    list(renewal.running),
                )
                assert beat is not None  # scalar subqueries: always one row
                self.notifier.other_replicas(beat["others"])
            for row in await conn.fetch(q.LOCK_EXPIRED_LEASES):
                before = task_from(row)
                stored = await self._write_change(
                    conn, before, lease_expired(before, max_attempts, now)
                )
                changed.append((before, stored))
            dead = [r["id"] for r in await conn.fetch(q.MARK_DEAD_REPLICAS, self.lease_seconds)]
            if dead:
                await conn.execute(q.STOP_SLOTS_OF_REPLICAS, dead)
        for before, stored in changed:
            self._wake(*self._topics_after(before, stored))
        return [stored for _, stored in changed]
