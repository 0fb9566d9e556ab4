"""The review gate: a reviewed task waits in PENDING_REVIEW until it is approved or rejected.

A rejection appends the feedback to the ORIGINAL prompt (not to the previous, already extended
one) and queues the task again with a fresh budget reservation; at `max_rejections` the task
fails instead (SEED-API.md §2.3). Every path that runs a task goes through the slot worker, which
lands successful reviewed runs in PENDING_REVIEW, so the gate also holds for ClaimTask.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from claude_pool_server.domain.budget import BudgetChange
from claude_pool_server.domain.errors import IllegalState, InvalidArgument, PoolDraining
from claude_pool_server.domain.tasks import (
    FailureKind,
    Finished,
    StateChanged,
    Task,
    TaskFailure,
    TaskResult,
    TaskState,
)

if TYPE_CHECKING:
    from claude_pool_server.engine.pool import Pool


def rejected_prompt(original: str, feedback: str, attempt: int, limit: int) -> str:
    return f"{original}\n\n--- Rejection feedback (attempt {attempt}/{limit}) ---\n{feedback}"


def _require_review(task: Task, action: str) -> None:
    if task.state is not TaskState.PENDING_REVIEW:
        raise IllegalState(task.id, task.state.value, action, "pending_review")


async def approve(pool: Pool, task_id: str) -> Task:
    while True:
        task = await pool.get_task(task_id)
        _require_review(task, "approve")
        approved = dataclasses.replace(task, state=TaskState.COMPLETED, end_time=datetime.now(UTC))
        stored = await pool.store.update_task(approved)
        if stored is not None:
            break
    await pool.store.append_events(
        task_id,
        [StateChanged(TaskState.COMPLETED, reason="approved"), Finished(stored)],
    )
    await pool.task_settled(stored)
    return stored


async def reject(pool: Pool, task_id: str, feedback: str) -> Task:
    if not feedback.strip():
        raise InvalidArgument("feedback", "is required: say what to fix")
    while True:
        task = await pool.get_task(task_id)
        _require_review(task, "reject")
        count = task.rejection_count + 1
        limit = task.spec.max_rejections
        if count >= limit:
            stored = await _fail(pool, task, count, limit, feedback)
        else:
            stored = await _requeue(pool, task, count, limit, feedback)
        if stored is not None:
            return stored


async def _fail(pool: Pool, task: Task, count: int, limit: int, feedback: str) -> Task | None:
    message = f"task rejected {count} times (max: {limit}). Last feedback: {feedback}"
    previous = task.result or TaskResult(output="", success=False)
    result = dataclasses.replace(
        previous, success=False, failure=TaskFailure(FailureKind.REJECTED, message)
    )
    failed = dataclasses.replace(
        task,
        state=TaskState.FAILED,
        rejection_count=count,
        result=result,
        end_time=datetime.now(UTC),
    )
    stored = await pool.store.update_task(failed)
    if stored is None:
        return None
    await pool.store.append_events(
        task.id,
        [StateChanged(TaskState.FAILED, reason=f"rejected: {feedback}"), Finished(stored)],
    )
    await pool.task_settled(stored)
    return stored


async def _requeue(pool: Pool, task: Task, count: int, limit: int, feedback: str) -> Task | None:
    if pool.draining:
        raise PoolDraining()
    reserve = pool.reservation_for(task.spec)
    queued = dataclasses.replace(
        task,
        state=TaskState.PENDING,
        prompt=rejected_prompt(task.spec.prompt, feedback, count, limit),
        rejection_count=count,
        slot_id="",
        result=None,
        reserved_micros=reserve,
        start_time=None,
        end_time=None,
    )
    stored = await pool.store.update_task(
        queued, BudgetChange(reserve=reserve, cap=pool.settings.budget_micros)
    )
    if stored is None:
        return None
    await pool.store.append_events(
        task.id, [StateChanged(TaskState.PENDING, reason=f"rejected: {feedback}")]
    )
    await pool.store.notifier.publish("tasks")
    return stored
