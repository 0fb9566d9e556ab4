"""InMemoryStore: the PoolStore for throwaway use and fast tests. Nothing survives a restart.

Every method runs without awaiting between its reads and writes, so on one event loop each is
atomic: the same guarantee PostgresStore gives with transactions. Claiming is O(log n): pending
tasks wait in heaps by submission number (one for unpinned tasks, one per pinned slot), with
entries of tasks that left PENDING skipped lazily, and tasks continuing a busy session parked
until that session's run ends. Settled tasks are dropped by `purge_tasks` (retention).
"""

from __future__ import annotations

import base64
import dataclasses
import heapq
import itertools
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from claude_pool_server.domain.budget import BudgetChange, BudgetState
from claude_pool_server.domain.chains import ChainPage, ChainProgress, ChainStatus
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.errors import (
    BudgetExhausted,
    InvalidArgument,
    QuotaExceeded,
    TaskNotFound,
)
from claude_pool_server.domain.lifecycle import (
    Change,
    claimed,
    finished,
    holds_cancelled_run,
    holds_lease,
    lease_expired,
    record_cancelled_run,
)
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.ports import (
    TASKS_TOPIC,
    Claim,
    NextClaim,
    Renewal,
    RunReport,
    claim_topics,
    next_claim_topic,
)
from claude_pool_server.domain.replies import StoredReply
from claude_pool_server.domain.sessions import Session, SessionPage, SessionTurn
from claude_pool_server.domain.slot_ids import free_slot_ids
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import (
    EventPayload,
    Finished,
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskState,
)
from claude_pool_server.store.local_notifier import LocalNotifier

POOL = ""  # the budget row of the whole pool, beside one per namespace


def encode_position(position: int) -> str:
    return base64.urlsafe_b64encode(f"p:{position}".encode()).decode()


def decode_position(token: str, field: str = "page_token") -> int | None:
    """Page tokens are opaque to clients; a token we did not issue is INVALID_ARGUMENT."""
    if not token:
        return None
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        kind, _, number = text.partition(":")
        if kind != "p":
            raise ValueError(text)
        return int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(field, "not a page token this server issued") from exc


def slot_sort_key(slot_id: str) -> tuple[int, str]:
    """Order `slot-2` before `slot-10`."""
    prefix, _, number = slot_id.rpartition("-")
    return (int(number), prefix) if number.isdigit() else (1 << 30, slot_id)


def finished_with(events: list[EventPayload], task: Task) -> list[EventPayload]:
    """The events to store: a Finished carries the task as finally stored."""
    return [Finished(task) if isinstance(e, Finished) else e for e in events]


class InMemoryStore:
    def __init__(self, lease_seconds: float = 20.0) -> None:
        self.notifier = LocalNotifier()
        self.lease_seconds = lease_seconds
        self._numbers = itertools.count(1)  # submission order, also the page-token position
        self._tasks: dict[str, Task] = {}  # insertion order = submission order
        self._number_of: dict[str, int] = {}
        self._request_ids: dict[tuple[str, str], str] = {}
        self._events: dict[str, list[TaskEvent]] = {}
        self._pending: list[tuple[int, str]] = []  # heap of unpinned pending tasks
        self._pinned: dict[str, list[tuple[int, str]]] = {}  # slot id -> heap
        self._parked: dict[str, list[tuple[int, str]]] = {}  # busy session -> heap
        self._running_sessions: set[str] = set()
        self._leases: dict[str, datetime] = {}  # task id -> lease expiry
        self._replicas: dict[str, datetime | None] = {}  # id -> last heartbeat (None: stopped)
        self._slots: dict[str, Slot] = {}
        self._budget: dict[str, BudgetState] = {}
        self._sessions: dict[str, Session] = {}
        self._transcripts: dict[str, list[bytes]] = {}
        self._context: dict[tuple[str, str], ContextEntry] = {}
        self._inboxes: dict[tuple[str, str], list[SlotMessage]] = {}
        self._chains: dict[str, ChainProgress] = {}
        self._chain_numbers: dict[str, int] = {}
        self._chain_request_ids: dict[tuple[str, str], str] = {}
        self._replies: dict[str, tuple[StoredReply, datetime]] = {}  # insertion = time order

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # budget ------------------------------------------------------------------------------------

    def _state(self, key: str) -> BudgetState:
        return self._budget.get(key, BudgetState())

    def _apply_budget(self, change: BudgetChange | None) -> None:
        """Check every limit first, then apply to the pool and the namespace together."""
        if change is None:
            return
        limits = change.limits
        updated: dict[str, BudgetState] = {}
        for key, cap in ((POOL, limits.pool_cap), (change.namespace, limits.namespace_cap)):
            state = self._state(key)
            spent = state.spent_micros + change.spend
            reserved = max(0, state.reserved_micros - change.release)
            if change.reserve and cap is not None and spent + reserved + change.reserve > cap:
                raise BudgetExhausted(spent, reserved, cap, change.reserve)
            unfinished = max(0, state.unfinished_tasks + change.unfinished)
            updated[key] = BudgetState(spent, reserved + change.reserve, unfinished)
        quota = limits.max_unfinished
        over = quota is not None and updated[change.namespace].unfinished_tasks > quota
        if change.unfinished > 0 and quota is not None and over:
            raise QuotaExceeded(change.namespace, quota)
        self._budget.update(updated)

    async def get_budget(self, namespace: str | None) -> BudgetState:
        return self._state(POOL if namespace is None else namespace)

    # tasks -------------------------------------------------------------------------------------

    def _queue(self, task: Task) -> None:
        """Make a PENDING task claimable (or park it behind its busy session)."""
        entry = (self._number_of[task.id], task.id)
        if task.continues and task.continues in self._running_sessions:
            heapq.heappush(self._parked.setdefault(task.continues, []), entry)
        elif task.spec.slot_id:
            heapq.heappush(self._pinned.setdefault(task.spec.slot_id, []), entry)
        else:
            heapq.heappush(self._pending, entry)

    def _write(self, change: Change, before: Task | None) -> Task:
        """Store `change` (task, events, budget) as one step; returns the stored task."""
        self._apply_budget(change.budget)
        task = change.task
        if before is not None:
            task = dataclasses.replace(task, version=before.version + 1, last_seq=before.last_seq)
        log = self._events.setdefault(task.id, [])
        if change.events:
            start = len(log)
            task = dataclasses.replace(task, last_seq=start + len(change.events))
            now = datetime.now(UTC)
            log.extend(
                TaskEvent(task.id, start + i + 1, now, payload)
                for i, payload in enumerate(finished_with(change.events, task))
            )
        self._tasks[task.id] = task
        left_running = task.state is not TaskState.RUNNING
        if before is not None and before.state is TaskState.RUNNING and left_running:
            self._release_session(before.session_id)
        if task.state is TaskState.PENDING and (before is None or before.state is not task.state):
            self._queue(task)
        if holds_lease(task):
            self._leases.setdefault(task.id, datetime.now(UTC) + self._lease())
        else:
            self._leases.pop(task.id, None)
        return task

    def _lease(self) -> timedelta:
        return timedelta(seconds=self.lease_seconds)

    def _release_session(self, session_id: str) -> None:
        self._running_sessions.discard(session_id)
        for entry in self._parked.pop(session_id, []):
            task = self._tasks.get(entry[1])
            if task is not None and task.state is TaskState.PENDING:
                self._queue(task)

    async def _notify(self, task: Task, events: bool) -> None:
        """Wake the task's watchers when its log grew."""
        if events:
            await self.notifier.publish(f"task:{task.id}")

    async def submit_task(self, change: Change) -> Task:
        task = change.task
        if task.request_id:
            earlier = self._request_ids.get((task.namespace, task.request_id))
            if earlier is not None and earlier in self._tasks:
                return self._tasks[earlier]
        self._number_of[task.id] = next(self._numbers)
        try:
            stored = self._write(change, None)
        except Exception:
            del self._number_of[task.id]
            self._events.pop(task.id, None)
            raise
        if task.request_id:
            self._request_ids[(task.namespace, task.request_id)] = task.id
        await self._notify(stored, True)
        await self._wake_claimers(stored)
        return stored

    async def get_task(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    async def list_tasks(self, query: TaskQuery) -> TaskPage:
        before = decode_position(query.page_token)
        page: list[Task] = []
        more = False
        for task_id in reversed(self._tasks):
            number = self._number_of[task_id]
            if before is not None and number >= before:
                continue
            task = self._tasks[task_id]
            if not (
                task.namespace == query.namespace
                and (query.state is None or task.state is query.state)
                and (not query.slot_id or task.slot_id == query.slot_id)
                and (not query.chain_id or task.chain_id == query.chain_id)
                and (not query.session_id or task.session_id == query.session_id)
                and (not query.tags or set(query.tags) & set(task.spec.tags))
            ):
                continue
            if len(page) == query.page_size:
                more = True
                break
            page.append(task)
        token = encode_position(self._number_of[page[-1].id]) if more and page else ""
        return TaskPage(page, token)

    async def task_counts(self, namespace: str | None) -> dict[TaskState, int]:
        counts = dict.fromkeys(TaskState, 0)
        for task in self._tasks.values():
            if namespace is None or task.namespace == namespace:
                counts[task.state] += 1
        return counts

    def _next_claimable(self, slot_id: str) -> Task | None:
        heaps = [self._pending, self._pinned.get(slot_id, [])]
        while True:
            candidates = [h for h in heaps if h]
            if not candidates:
                return None
            heap = min(candidates, key=lambda h: h[0])
            _, task_id = heapq.heappop(heap)
            task = self._tasks.get(task_id)
            if task is None or task.state is not TaskState.PENDING:
                continue  # left PENDING meanwhile: a stale entry
            if task.continues and task.continues in self._running_sessions:
                self._queue(task)  # parked until the session's run ends
                continue
            return task

    async def claim_task(self, slot: Slot, replica_id: str, lease_seconds: float) -> Claim:
        task = self._next_claimable(slot.id)
        if task is None:
            return Claim(None)
        more = bool(self._pending) or any(self._pinned.values())  # stale entries: a false yes
        return Claim(await self._claim(task, slot, replica_id), more)

    async def _claim(self, task: Task, slot: Slot | None, replica_id: str) -> Task:
        change = claimed(task, slot.id if slot else "", replica_id, datetime.now(UTC))
        stored = self._write(change, task)
        if stored.session_id:
            self._running_sessions.add(stored.session_id)
        if slot is not None:
            self._slots[slot.id] = dataclasses.replace(
                slot,
                state=SlotState.BUSY,
                current_task_id=stored.id,
                current_namespace=stored.namespace,
            )
        await self._notify(stored, True)
        return stored

    async def claim_task_by_id(self, task_id: str, replica_id: str, lease_seconds: float) -> Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return await self._claim(task, None, replica_id)

    async def transition(self, task_id: str, compute: Callable[[Task], Change]) -> Task:
        current = self._tasks.get(task_id)
        if current is None:
            raise TaskNotFound(task_id)
        change = compute(current)
        stored = self._write(change, current)
        await self._notify(stored, bool(change.events))
        if stored.state is TaskState.PENDING and current.state is not TaskState.PENDING:
            await self._wake_claimers(stored)
        if current.state is TaskState.RUNNING and stored.state is TaskState.CANCELLED:
            await self.notifier.publish(f"cancel:{task_id}")
        return stored

    async def _wake_claimers(self, *pending: Task) -> None:
        """Publish what wakes the slot workers that may claim these newly pending tasks."""
        for topic in dict.fromkeys(topic for task in pending for topic in claim_topics(task)):
            await self.notifier.publish(topic)

    async def finish_run(self, report: RunReport) -> Task | None:
        return await self._finish_run(report, TASKS_TOPIC)

    async def _finish_run(self, report: RunReport, wake: str | None) -> Task | None:
        current = self._tasks.get(report.task_id)
        if report.slot is not None:
            self._slots[report.slot.id] = report.slot
        if current is None or current.attempt != report.attempt:
            return None
        now = datetime.now(UTC)
        if current.state is TaskState.RUNNING:
            change = finished(current, report.result, now)
        elif holds_cancelled_run(current):
            change = record_cancelled_run(current, report.result)
        else:
            return None
        stored = self._write(change, current)
        if change.events and report.session is not None and report.result.success:
            self._save_turn(stored, report.session, now)
        await self._notify(stored, bool(change.events))
        if wake is not None:
            await self.notifier.publish(wake)
        return stored

    async def finish_run_and_claim(
        self, report: RunReport, claim: NextClaim
    ) -> tuple[Task | None, Task | None]:
        current = self._tasks.get(report.task_id)
        finishing = (
            current is not None
            and current.state is TaskState.RUNNING
            and current.attempt == report.attempt
        )
        if not finishing or report.slot is None:
            return await self.finish_run(report), None
        stored = await self._finish_run(report, None)
        if stored is None:
            return None, None
        taken = await self.claim_task(report.slot, claim.replica_id, claim.lease_seconds)
        # what the finish may have made claimable (a continuation of its session): with a task
        # claimed, for another slot; without, this slot's worker claims again as it goes on
        await self.notifier.publish(next_claim_topic(report.slot.id, taken.task))
        return stored, taken.task

    async def delete_task(self, task_id: str) -> bool:
        task = self._tasks.get(task_id)
        if task is None or not task.state.is_terminal or holds_cancelled_run(task):
            return False
        self._forget(task)
        return True

    def _forget(self, task: Task) -> None:
        del self._tasks[task.id]
        del self._number_of[task.id]
        self._events.pop(task.id, None)
        self._leases.pop(task.id, None)
        if task.request_id:
            self._request_ids.pop((task.namespace, task.request_id), None)

    async def purge_tasks(self, settled_before: datetime) -> int:
        old = [
            t
            for t in self._tasks.values()
            if t.state.is_terminal
            and not holds_cancelled_run(t)
            and t.end_time is not None
            and t.end_time < settled_before
        ]
        for task in old:
            self._forget(task)
        return len(old)

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

    # sessions ----------------------------------------------------------------------------------

    def _save_turn(self, task: Task, turn: SessionTurn, now: datetime) -> None:
        result = task.result
        cost = result.cost_micros if result is not None else 0
        session = self._sessions.get(turn.session_id)
        if session is None:
            session = Session(
                id=turn.session_id,
                namespace=task.namespace,
                owner=task.owner,
                create_time=now,
                update_time=now,
                forked_from=turn.forked_from,
                first_task_id=task.id,
                start_key=turn.start_key,
            )
        self._sessions[turn.session_id] = dataclasses.replace(
            session,
            update_time=now,
            last_task_id=task.id,
            turns=session.turns + 1,
            cost_micros=session.cost_micros + cost,
            model=turn.model or session.model,
            transcript_bytes=session.transcript_bytes + len(turn.transcript),
            slot_id=turn.slot_id,
        )
        self._transcripts.setdefault(turn.session_id, []).append(turn.transcript)

    async def get_session(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    async def list_sessions(
        self, namespace: str, owner: str, page_size: int, page_token: str
    ) -> SessionPage:
        before = decode_position(page_token)
        mine = sorted(
            (s for s in self._sessions.values() if s.namespace == namespace and s.owner == owner),
            key=lambda s: s.update_time,
            reverse=True,
        )
        start = before or 0
        page = mine[start : start + page_size]
        more = start + page_size < len(mine)
        return SessionPage(page, encode_position(start + page_size) if more else "")

    async def load_transcript(self, session_id: str) -> list[bytes]:
        return list(self._transcripts.get(session_id, []))

    async def delete_session(self, session_id: str) -> bool:
        self._transcripts.pop(session_id, None)
        return self._sessions.pop(session_id, None) is not None

    # slots -------------------------------------------------------------------------------------

    async def put_slot(self, slot: Slot) -> None:
        self._slots[slot.id] = slot

    async def get_slot(self, slot_id: str) -> Slot | None:
        return self._slots.get(slot_id)

    async def list_slots(self) -> list[Slot]:
        return sorted(self._slots.values(), key=lambda s: slot_sort_key(s.id))

    # context -----------------------------------------------------------------------------------

    async def set_context(self, namespace: str, key: str, value: str) -> ContextEntry:
        entry = ContextEntry(key, value, datetime.now(UTC))
        self._context[(namespace, key)] = entry
        return entry

    async def get_context(self, namespace: str, key: str) -> ContextEntry | None:
        return self._context.get((namespace, key))

    async def delete_context(self, namespace: str, key: str) -> ContextEntry | None:
        return self._context.pop((namespace, key), None)

    async def list_context(self, namespace: str, page_size: int, page_token: str) -> ContextPage:
        start = decode_position(page_token) or 0
        keys = sorted(k for ns, k in self._context if ns == namespace)
        entries = [self._context[(namespace, k)] for k in keys[start : start + page_size]]
        more = start + page_size < len(keys)
        return ContextPage(entries, encode_position(start + page_size) if more else "")

    # chains ------------------------------------------------------------------------------------

    async def put_chain(self, progress: ChainProgress) -> ChainProgress | None:
        current = self._chains.get(progress.chain_id)
        if current is None:
            if progress.seq != 0:
                return None
            request_key = (progress.namespace, progress.request_id)
            if progress.request_id and request_key in self._chain_request_ids:
                return self._chains[self._chain_request_ids[request_key]]
            self._chain_numbers[progress.chain_id] = next(self._numbers)
            if progress.request_id:
                self._chain_request_ids[request_key] = progress.chain_id
        elif current.seq != progress.seq:
            return None
        stored = dataclasses.replace(progress, seq=progress.seq + 1)
        self._chains[progress.chain_id] = stored
        await self.notifier.publish(f"chain:{progress.chain_id}")
        return stored

    async def get_chain(self, chain_id: str) -> ChainProgress | None:
        return self._chains.get(chain_id)

    async def list_chains(
        self, namespace: str | None, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        before = decode_position(page_token)
        page: list[ChainProgress] = []
        more = False
        for chain_id in reversed(self._chains):
            number = self._chain_numbers[chain_id]
            if before is not None and number >= before:
                continue
            chain = self._chains[chain_id]
            if namespace is not None and chain.namespace != namespace:
                continue
            if status is not None and chain.status is not status:
                continue
            if len(page) == page_size:
                more = True
                break
            page.append(chain)
        token = encode_position(self._chain_numbers[page[-1].chain_id]) if more and page else ""
        return ChainPage(page, token)

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

    async def heartbeat(
        self, replica_id: str, lease_seconds: float, running: Collection[str]
    ) -> bool:
        now = datetime.now(UTC)
        if self._replicas.get(replica_id) is None:
            return False  # stopped or never registered: it must register again
        self._replicas[replica_id] = now
        expires = now + timedelta(seconds=lease_seconds)
        for task_id in running:
            task = self._tasks.get(task_id)
            if task_id in self._leases and task is not None and task.replica_id == replica_id:
                self._leases[task_id] = expires
        return True

    async def deregister_replica(self, replica_id: str) -> None:
        self._replicas[replica_id] = None

    async def live_replica_ids(self) -> set[str]:
        return self._live(datetime.now(UTC))

    async def recover(self, max_attempts: int, renewal: Renewal | None = None) -> list[Task]:
        if renewal is not None:
            await self.heartbeat(renewal.replica_id, renewal.lease_seconds, renewal.running)
        now = datetime.now(UTC)
        changed: list[Task] = []
        for task_id in [t for t, expiry in self._leases.items() if expiry < now]:
            task = self._tasks[task_id]
            stored = self._write(lease_expired(task, max_attempts, now), task)
            changed.append(stored)
            await self._notify(stored, True)
        await self._wake_claimers(*(t for t in changed if t.state is TaskState.PENDING))
        live = self._live(now)
        for replica_id, beat in list(self._replicas.items()):
            if beat is not None and replica_id not in live:
                self._replicas[replica_id] = None  # declared dead: it must register again
        for slot in list(self._slots.values()):
            dead = slot.replica_id in self._replicas and slot.replica_id not in live
            if dead and slot.state is not SlotState.STOPPED:
                self._slots[slot.id] = dataclasses.replace(
                    slot, state=SlotState.STOPPED, current_task_id=""
                )
        return changed

    # messages ----------------------------------------------------------------------------------

    async def add_messages(self, namespace: str, messages: list[SlotMessage]) -> None:
        for message in messages:
            self._inboxes.setdefault((namespace, message.to_slot_id), []).append(message)

    async def take_messages(self, namespace: str, slot_id: str) -> list[SlotMessage]:
        return self._inboxes.pop((namespace, slot_id), [])

    async def peek_messages(self, namespace: str, slot_id: str) -> list[SlotMessage]:
        return list(self._inboxes.get((namespace, slot_id), []))

    async def count_messages(self, namespace: str, slot_id: str) -> int:
        return len(self._inboxes.get((namespace, slot_id), []))

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
