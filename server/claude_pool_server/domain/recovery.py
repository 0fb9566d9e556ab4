"""What happens to a task whose replica vanished mid-run: re-queue it, or fail it for good.

Shared by every store's `recover`, so the in-memory and Postgres stores cannot disagree.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from claude_pool_server.domain.budget import BudgetChange
from claude_pool_server.domain.tasks import FailureKind, Task, TaskFailure, TaskResult, TaskState


def holds_lease(task: Task) -> bool:
    """A running task, or one cancelled mid-run whose run has not yet reported its cost (its
    reservation is released by that report, or by recovery if the replica died)."""
    if task.state is TaskState.RUNNING:
        return True
    return task.state is TaskState.CANCELLED and task.result is None and task.reserved_micros > 0


def expired_lease_outcome(
    task: Task, max_attempts: int, now: datetime
) -> tuple[Task, BudgetChange | None]:
    """Back to PENDING keeping `attempt` (the next claim bumps it, which fences the dead run),
    or FAILED with FailureKind.INTERRUPTED once `max_attempts` runs were started or when no
    slot ran it (a routing call). A task cancelled mid-run stays CANCELLED and gets its
    reservation back."""
    if task.state is TaskState.CANCELLED:
        return dataclasses.replace(task, reserved_micros=0), BudgetChange(
            release=task.reserved_micros
        )
    if not task.slot_id:
        # Inserted RUNNING by a replica for its own call (routing), never claimed by a slot:
        # a slot must not pick it up, so it fails instead of going back to PENDING.
        message = "the replica making this call (a routing call, run by no slot) stopped"
        return _failed(task, message, now)
    if task.attempt >= max_attempts:
        message = (
            f"the replica running attempt {task.attempt} stopped and the task is out of "
            f"attempts (max_attempts={max_attempts})"
        )
        return _failed(task, message, now)
    requeued = dataclasses.replace(
        task, state=TaskState.PENDING, slot_id="", replica_id="", start_time=None
    )
    return requeued, None


def _failed(task: Task, message: str, now: datetime) -> tuple[Task, BudgetChange]:
    failure = TaskFailure(FailureKind.INTERRUPTED, message)
    result = TaskResult(output="", success=False, failure=failure)
    failed = dataclasses.replace(
        task, state=TaskState.FAILED, result=result, end_time=now, reserved_micros=0
    )
    return failed, BudgetChange(release=task.reserved_micros)


def slot_number(slot_id: str) -> int | None:
    prefix, _, number = slot_id.rpartition("-")
    return int(number) if prefix == "slot" and number.isdigit() else None


def free_slot_ids(taken: set[str], count: int) -> list[str]:
    """The lowest `count` ids `slot-N` not in `taken`."""
    ids: list[str] = []
    number = 0
    while len(ids) < count:
        candidate = f"slot-{number}"
        if candidate not in taken:
            ids.append(candidate)
        number += 1
    return ids
