"""Ports: the interfaces the engine needs from the outside world, implemented in store/ and driver/.

A store applies every lifecycle transition (domain/lifecycle.py) as one atomic step: the task,
its events, its budget change and, where the transition has them, the slot and the session are
written together (one transaction in Postgres, one critical section in memory). Nothing outside
a transition changes a task.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from claude_pool_server.domain.budget import BudgetState
from claude_pool_server.domain.chains import ChainIsolation, ChainPage, ChainProgress, ChainStatus
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.lifecycle import Change
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.replies import StoredReply
from claude_pool_server.domain.runs import RunEvent, RunRequest
from claude_pool_server.domain.sessions import Session, SessionPage, SessionTurn
from claude_pool_server.domain.slots import Slot
from claude_pool_server.domain.tasks import (
    EventPayload,
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskResult,
    TaskState,
)
from claude_pool_server.domain.workspaces import Isolated

TASKS_TOPIC = "tasks"  # something may have become claimable


def claim_topics(task: Task) -> tuple[str, ...]:
    """What a store publishes when `task` becomes pending: `tasks` gives one idle slot worker a
    turn to claim, and a task pinned to a slot also wakes that slot's worker (`tasks:<slot id>`),
    since no other slot's claim can take it."""
    if task.spec.slot_id:
        return TASKS_TOPIC, slot_topic(task.spec.slot_id)
    return (TASKS_TOPIC,)


def slot_topic(slot_id: str) -> str:
    return f"{TASKS_TOPIC}:{slot_id}"


def next_claim_topic(slot_id: str, claimed: Task | None) -> str:
    """What `finish_run_and_claim` publishes for what its finish may have made claimable (a
    continuation of the finished session, which the claim in the same statement cannot see yet):
    with a task claimed, `tasks`, a turn for another idle slot; without, only the slot's own
    topic, since its worker claims again as it goes on (and waking it covers a worker whose
    loop was parked while it ran a task taken by ClaimTask). A continuation pinned to another
    slot then waits for that slot's poll."""
    return TASKS_TOPIC if claimed is not None else slot_topic(slot_id)


@dataclass(frozen=True)
class Claim:
    """What a claim took, if anything, and whether other pending tasks may be claimable (a
    hint: a slot worker that took a task passes its turn on only then, see SlotWorker)."""

    task: Task | None
    more: bool = False


class Notifier(Protocol):
    """Wakes waiters when something changed on a topic (`tasks`, `tasks:<slot id>`,
    `task:<id>`, `cancel:<id>`).

    A hint only: waiters always re-read the store, and time out to poll, so a lost notification
    delays but never loses work.
    """

    def version(self, topic: str) -> int: ...

    async def publish(self, topic: str) -> None: ...

    async def wait(self, topic: str, seen_version: int, timeout: float) -> int:
        """Return once `version(topic)` passes `seen_version`, or after `timeout` seconds."""
        ...

    async def wait_turn(
        self, topic: str, seen_version: int, own_topic: str, own_seen: int, timeout: float
    ) -> bool:
        """Like `wait`, but each change of `topic` wakes only one turn-waiter (the longest
        parked), while any change of `own_topic` wakes this one. True when given a turn."""
        ...

    def pass_turn(self, topic: str) -> None:
        """Wake the next turn-waiter of `topic` without a change (a turn it could not use, or
        one that found work and leaves the next waiter to look for more)."""
        ...


@dataclass(frozen=True)
class RunReport:
    """The end of one run, as its slot worker reports it.

    Applied only if the run still owns the task (same `attempt`): FINISH when the task is still
    running, RECORD_CANCELLED_RUN when it was cancelled meanwhile (the cost is recorded, the
    session is not). A stale report (the task was re-queued and claimed again) changes no task.
    The slot record is written in every case; the session turn only with a FINISH.
    """

    task_id: str
    attempt: int
    result: TaskResult
    slot: Slot | None = None  # None for a run no slot made (a routing call)
    session: SessionTurn | None = None
    task: Task | None = None  # the task as its claim returned it (the store may start from it)


@dataclass(frozen=True)
class NextClaim:
    """A slot worker that will take its next task as it reports its run (finish_run_and_claim)."""

    replica_id: str
    lease_seconds: float


@dataclass(frozen=True)
class Renewal:
    """A replica's heartbeat: it is alive, and these are the tasks it runs."""

    replica_id: str
    lease_seconds: float
    running: Collection[str] = ()


class PoolStore(Protocol):
    @property
    def notifier(self) -> Notifier: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    # tasks ---------------------------------------------------------------------------------

    async def submit_task(self, change: Change) -> Task:
        """Store a new task (a SUBMIT change) with its first event and its reservation.

        A task whose `request_id` was seen before in its namespace is not stored again: the
        earlier task is returned. Raises BudgetExhausted or QuotaExceeded (changing nothing)
        when the reservation or one more unfinished task does not fit the limits.
        """
        ...

    async def get_task(self, task_id: str) -> Task | None: ...

    async def list_tasks(self, query: TaskQuery) -> TaskPage: ...

    async def task_counts(self, namespace: str | None) -> dict[TaskState, int]:
        """Number of tasks in each state, in one namespace (None: all of them)."""
        ...

    async def claim_task(self, slot: Slot, replica_id: str, lease_seconds: float) -> Claim:
        """CLAIM the oldest claimable PENDING task for `slot` and write `slot` BUSY with it.

        Claimable: not pinned to another slot, and not continuing a session that a running task
        holds (one writer per session; such tasks run in submission order). Nothing is written
        when nothing is claimable. `more` says whether another task was pending as it claimed
        (pinned or blocked ones count: a false yes costs one empty claim, a false no a wait).
        """
        ...

    async def claim_task_by_id(self, task_id: str, replica_id: str, lease_seconds: float) -> Task:
        """CLAIM one given PENDING task for a run outside the slots (routing calls)."""
        ...

    async def transition(self, task_id: str, compute: Callable[[Task], Change]) -> Task:
        """Apply `compute(current task)` atomically; `compute` may raise (IllegalState, ...)
        to refuse. Raises TaskNotFound when there is no such task."""
        ...

    async def finish_run(self, report: RunReport) -> Task | None:
        """Apply a run's end (see RunReport); None when the report was stale."""
        ...

    async def finish_run_and_claim(
        self, report: RunReport, claim: NextClaim
    ) -> tuple[Task | None, Task | None]:
        """finish_run, and when it was a FINISH of the running attempt, CLAIM the next task for
        `report.slot` (IDLE) as claim_task does, in the same store call: a busy slot takes its
        next task without another round trip. Returns (finish_run's task, the claimed task or
        None)."""
        ...

    async def delete_task(self, task_id: str) -> bool:
        """Remove a terminal task and its events; False when there was no terminal task."""
        ...

    async def purge_tasks(self, settled_before: datetime) -> int:
        """Retention: remove terminal tasks (and events) that ended before the given time."""
        ...

    # events --------------------------------------------------------------------------------

    async def append_events(self, task_id: str, payloads: list[EventPayload]) -> list[TaskEvent]:
        """Append output events (text, tool use) of a running task, with consecutive `seq`
        numbers, and notify its watchers."""
        ...

    async def read_events(self, task_id: str, after_seq: int, limit: int) -> list[TaskEvent]:
        """Events after `after_seq` in seq order, at most `limit`, with no gap. Fewer than
        `limit` means none other was stored whose notification (`notifier`, topic
        `task:<id>`) was published before this call began: a watcher may then wait for the next
        notification instead of reading again."""
        ...

    # sessions ------------------------------------------------------------------------------

    async def get_session(self, session_id: str) -> Session | None: ...

    async def list_sessions(
        self, namespace: str, owner: str, page_size: int, page_token: str
    ) -> SessionPage:
        """The owner's sessions, most recently used first."""
        ...

    async def load_transcript(self, session_id: str) -> list[bytes]:
        """The session's stored transcript chunks (compressed), oldest first."""
        ...

    async def delete_session(self, session_id: str) -> bool: ...

    # slots ---------------------------------------------------------------------------------

    async def put_slot(self, slot: Slot) -> None: ...

    async def get_slot(self, slot_id: str) -> Slot | None: ...

    async def list_slots(self) -> list[Slot]: ...

    # budget --------------------------------------------------------------------------------

    async def get_budget(self, namespace: str | None) -> BudgetState:
        """Spent and reserved money of one namespace, or of the whole pool (None)."""
        ...

    # context -------------------------------------------------------------------------------

    async def set_context(self, namespace: str, key: str, value: str) -> ContextEntry: ...

    async def get_context(self, namespace: str, key: str) -> ContextEntry | None: ...

    async def delete_context(self, namespace: str, key: str) -> ContextEntry | None: ...

    async def list_context(
        self, namespace: str, page_size: int, page_token: str
    ) -> ContextPage: ...

    # chains (engine/chains.py) -------------------------------------------------------------

    async def put_chain(self, progress: ChainProgress) -> ChainProgress | None:
        """Compare-and-set a chain's progress on `seq`, and publish topic `chain:<id>`.

        A new chain is stored when no chain has its id and `progress.seq == 0`; an existing one
        when its stored `seq` equals `progress.seq`. Returns the stored progress with `seq + 1`,
        or None when someone changed it first (or the id is taken). A new chain whose
        `request_id` was seen before in its namespace is not stored: the earlier one is returned.
        """
        ...

    async def get_chain(self, chain_id: str) -> ChainProgress | None: ...

    async def list_chains(
        self, namespace: str | None, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        """Chains newest first (by `create_time`), of one namespace (None: all) and status."""
        ...

    # replicas (engine/replicas.py): every process start is a replica with a heartbeat --------

    async def register_replica(self, replica_id: str) -> None: ...

    async def allocate_slot_ids(self, replica_id: str, count: int) -> list[str]:
        """The lowest `count` ids `slot-N` that no live replica's active slot uses (stopped slots
        and dead replicas' slots are reused), registered to `replica_id`; atomic across replicas."""
        ...

    async def heartbeat(
        self, replica_id: str, lease_seconds: float, running: Collection[str]
    ) -> bool:
        """Prove the replica alive and renew the leases of `running`, the tasks it really runs.
        A task it claimed but does not run (the claim's reply was lost, a report could not be
        written) is not renewed, so its lease expires and `recover` re-queues it. False when
        the replica was declared dead meanwhile (it must register again)."""
        ...

    async def deregister_replica(self, replica_id: str) -> None: ...

    async def live_replica_ids(self) -> set[str]:
        """Replicas that heartbeat within the lease and have not stopped."""
        ...

    async def recover(self, max_attempts: int, renewal: Renewal | None = None) -> list[Task]:
        """Apply `lifecycle.lease_expired` to every task whose lease expired, and stop dead
        replicas' slots. Returns the changed tasks.

        With a `renewal`, the recovering replica's own heartbeat is applied first in the same
        transaction: a recovery held up by a stalled database then never finds its own replica
        dead and its own running tasks expired when it finally executes."""
        ...

    # messages ------------------------------------------------------------------------------

    async def add_messages(self, namespace: str, messages: list[SlotMessage]) -> None: ...

    async def take_messages(self, namespace: str, slot_id: str) -> list[SlotMessage]:
        """Return the slot's unread messages of one namespace, oldest first, and mark them read
        (exactly once)."""
        ...

    async def peek_messages(self, namespace: str, slot_id: str) -> list[SlotMessage]: ...

    async def count_messages(self, namespace: str, slot_id: str) -> int: ...

    # remembered replies (engine/replay.py) -------------------------------------------------

    async def claim_reply(
        self, key: str, fingerprint: str, replica_id: str, live_replicas: set[str]
    ) -> StoredReply | None:
        """Atomically: None when the caller now owns `key` (a new pending entry, or a pending
        one whose replica is not in `live_replicas`); otherwise the entry that is there."""
        ...

    async def finish_reply(self, key: str, reply: bytes, retention_seconds: float) -> None:
        """Store the owner's reply; entries older than `retention_seconds` may be forgotten."""
        ...

    async def abandon_reply(self, key: str, replica_id: str) -> None:
        """The owner's call failed: drop its pending entry so a retry acts again."""
        ...


class CliRun(Protocol):
    """One run on the CLI. Iterate for events; the last event is always a RunOutcome."""

    def events(self) -> AsyncGenerator[RunEvent, None]: ...

    async def stop(self) -> None:
        """Stop the run now (and its tool processes); the outcome is then `cancelled`."""
        ...


class ClaudeDriver(Protocol):
    """Runs prompts on the Claude Code CLI."""

    def start(self, request: RunRequest) -> CliRun: ...

    async def cli_version(self) -> str: ...

    def warm_processes(self) -> int:
        """CLI processes kept started (busy or waiting for a task)."""
        ...

    async def close(self) -> None:
        """Stop whatever the driver keeps between runs (warm processes)."""
        ...


class Workspaces(Protocol):
    """Git isolation for chains and slots (workspace/git.py)."""

    async def repo_top(self, directory: str) -> str:
        """The top of the repository holding `directory`; InvalidArgument when there is none."""
        ...

    async def isolate_chain(
        self, kind: ChainIsolation, base: str, work_root: str, chain_id: str, reuse: bool
    ) -> Isolated:
        """Make the chain's worktree or clone (with `reuse`, keep one that exists)."""
        ...

    async def release_chain(self, isolated: Isolated) -> None: ...

    async def slot_working_dir(
        self, directory: str, work_roots: tuple[str, ...], slot_id: str
    ) -> str:
        """Where `slot_id` runs a task asked to run in `directory` (its own worktree)."""
        ...

    async def remove_slot_worktrees(self, work_roots: tuple[str, ...], slot_id: str) -> None: ...
