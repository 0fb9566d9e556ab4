"""The review gate: a reviewed task waits in PENDING_REVIEW until it is approved or rejected.

A rejection appends the feedback to the ORIGINAL prompt (not to the previous, already extended
one) and queues the task again with a fresh budget reservation, continuing the session of the
rejected run so the model sees its answer and the feedback together; at `max_rejections` the
task fails instead (SEED-API.md §2.3). Both are lifecycle transitions (domain/lifecycle.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.errors import InvalidArgument
from claude_pool_server.domain.lifecycle import Change
from claude_pool_server.domain.tasks import Task, TaskState
from claude_pool_server.engine import policy as policies
from claude_pool_server.engine.tasks import TaskService


class ReviewGate:
    def __init__(self, tasks: TaskService) -> None:
        self.tasks = tasks

    async def approve(self, caller: Caller, task_id: str) -> Task:
        now = datetime.now(UTC)
        return await self.tasks.transition(caller, task_id, lambda t: lifecycle.approved(t, now))

    async def reject(self, caller: Caller, task_id: str, feedback: str) -> Task:
        if not feedback.strip():
            raise InvalidArgument("feedback", "is required: say what to fix")
        settings = self.tasks.settings
        policy = settings.policy_for(caller.namespace)
        limits = policies.limits_for(policy, settings)
        now = datetime.now(UTC)

        def reject(task: Task) -> Change:
            lifecycle.check(lifecycle.Transition.REJECT, task)
            if task.rejection_count + 1 < task.spec.max_rejections:
                self.tasks.check_accepting()  # queuing again is new work
            reserve = self.tasks.reservation_for(task.spec, policy)
            return lifecycle.rejected(task, feedback, reserve, limits, now)

        stored = await self.tasks.transition(caller, task_id, reject)
        if stored.state is TaskState.PENDING:
            await self.tasks.store.notifier.publish("tasks")
        return stored
