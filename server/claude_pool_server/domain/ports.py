"""Ports: the interfaces the engine needs from the outside world, implemented in store/ and driver/.

Stores implement every method atomically. A method that changes a task and money takes a
`BudgetChange` so both happen in one step (one transaction in Postgres).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Protocol

from claude_pool_server.domain.budget import BudgetChange, BudgetState
from claude_pool_server.domain.chains import ChainPage, ChainProgress, ChainStatus
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.replies import StoredReply
from claude_pool_server.domain.runs import RunEvent, RunRequest
from claude_pool_server.domain.slots import Slot
from claude_pool_server.domain.tasks import (
    EventPayload,
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskState,
)


class Notifier(Protocol):
    """Wakes waiters when something changed on a topic (`tasks`, `task:<id>`, `cancel:<id>`).

    A hint only: waiters always re-read the store, and time out to poll, so a lost notification
    delays but never loses work.
    """

    def version(self, topic: str) -> int: ...

    async def publish(self, topic: str) -> None: ...

    async def wait(self, topic: str, seen_version: int, timeout: float) -> int:
        """Return once `version(topic)` passes `seen_version`, or after `timeout` seconds."""
        ...


class PoolStore(Protocol):
    @property
    def notifier(self) -> Notifier: ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    # tasks
    async def insert_task(self, task: Task, budget: BudgetChange) -> Task:
        """Store a new task and reserve its budget atomically.

        A task whose `request_id` was seen before is not stored again: the earlier task is
        returned. Raises BudgetExhausted when the reservation does not fit under the cap.
        """
        ...

    async def get_task(self, task_id: str) -> Task | None: ...

    async def list_tasks(self, query: TaskQuery) -> TaskPage: ...

    async def update_task(self, task: Task, budget: BudgetChange | None = None) -> Task | None:
        """Compare-and-set: store `task` if the stored version still equals `task.version`.

        Returns the stored task (version + 1), or None when someone changed it first.
        Raises BudgetExhausted (and changes nothing) when a reservation does not fit.
        """
        ...

    async def claim_task(self, slot_id: str, replica_id: str) -> Task | None:
        """Atomically move the oldest claimable PENDING task to RUNNING on this slot.

        Claimable: not pinned to another slot. Bumps `attempt` and `version`.
        """
        ...

    async def task_counts(self) -> dict[TaskState, int]:
        """Number of tasks in each state."""
        ...

    # events
    async def append_events(self, task_id: str, payloads: list[EventPayload]) -> list[TaskEvent]:
        """Append to the task's log, assigning consecutive `seq` numbers, and notify watchers."""
        ...

    async def read_events(self, task_id: str, after_seq: int, limit: int) -> list[TaskEvent]: ...

    # slots
    async def put_slot(self, slot: Slot) -> None: ...

    async def get_slot(self, slot_id: str) -> Slot | None: ...

    async def list_slots(self) -> list[Slot]: ...

    async def delete_slot(self, slot_id: str) -> bool: ...

    # budget
    async def get_budget(self) -> BudgetState: ...

    # context
    async def set_context(self, key: str, value: str) -> ContextEntry: ...

    async def get_context(self, key: str) -> ContextEntry | None: ...

    async def delete_context(self, key: str) -> ContextEntry | None: ...

    async def list_context(self, page_size: int, page_token: str) -> ContextPage: ...

    # chains (engine/chains.py)
    async def put_chain(self, progress: ChainProgress) -> ChainProgress | None:
        """Compare-and-set a chain's progress on `seq`, and publish topic `chain:<id>`.

        A new chain is stored when no chain has its id and `progress.seq == 0`; an existing one
        when its stored `seq` equals `progress.seq`. Returns the stored progress with `seq + 1`,
        or None when someone changed it first (or the id is taken). A new chain whose
        `request_id` was seen before is not stored: the earlier chain is returned.
        """
        ...

    async def get_chain(self, chain_id: str) -> ChainProgress | None: ...

    async def list_chains(
        self, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        """Chains newest first (by `create_time`), optionally of one status."""
        ...

    # replicas (engine/replicas.py): every process start is a replica with a heartbeat
    async def register_replica(self, replica_id: str) -> None: ...

    async def allocate_slot_ids(self, replica_id: str, count: int) -> list[str]:
        """The lowest `count` ids `slot-N` that no live replica's active slot uses (stopped slots
        and dead replicas' slots are reused), registered to `replica_id`; atomic across replicas."""
        ...

    async def heartbeat(self, replica_id: str) -> None:
        """Prove the replica alive and renew the leases of the tasks it runs."""
        ...

    async def deregister_replica(self, replica_id: str) -> None: ...

    async def live_replicas(self) -> int: ...

    async def live_replica_ids(self) -> set[str]:
        """Replicas that heartbeat within the lease and have not stopped."""
        ...

    async def recover(self, max_attempts: int) -> list[Task]:
        """Re-queue running tasks whose lease expired (FAILED/INTERRUPTED once `attempt`
        reaches `max_attempts`) and stop dead replicas' slots. Returns the changed tasks."""
        ...

    # messages
    async def add_messages(self, messages: list[SlotMessage]) -> None: ...

    async def take_messages(self, slot_id: str) -> list[SlotMessage]:
        """Return the slot's unread messages, oldest first, and mark them read (exactly once)."""
        ...

    async def peek_messages(self, slot_id: str) -> list[SlotMessage]: ...

    async def count_messages(self, slot_id: str) -> int: ...

    # remembered replies (engine/replay.py)
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
    """One running CLI process. Iterate for events; the last event is always a RunOutcome."""

    def events(self) -> AsyncGenerator[RunEvent, None]: ...

    async def stop(self) -> None:
        """Stop the process and its tool processes now; the outcome is then `cancelled`."""
        ...


class ClaudeDriver(Protocol):
    """Runs one prompt on the Claude Code CLI."""

    def start(self, request: RunRequest) -> CliRun: ...

    async def cli_version(self) -> str: ...

    async def forget_slot(self, slot_id: str) -> None:
        """The slot is gone (scaled down): stop what the driver kept for it."""
        ...

    async def close(self) -> None:
        """Stop whatever the driver keeps between runs (warm processes)."""
        ...
