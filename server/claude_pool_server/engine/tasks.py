"""TaskService: submitting, reading, waiting for, watching, cancelling and deleting tasks.

Every method takes the caller: a task belongs to the caller's namespace, and a task of another
namespace is NOT_FOUND (never PERMISSION_DENIED, so ids leak nothing). Every change is one
lifecycle transition applied by the store (domain/lifecycle.py).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.errors import (
    IllegalState,
    InvalidArgument,
    PoolDraining,
    RequestIdReused,
    SlotNotFound,
    TaskNotFound,
)
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.lifecycle import Change
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.tasks import (
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskSpec,
    TaskState,
)
from claude_pool_server.engine import policy as policies
from claude_pool_server.engine import validation
from claude_pool_server.engine.events import watch_events
from claude_pool_server.engine.quotas import RateLimiter
from claude_pool_server.engine.sessions import SessionService
from claude_pool_server.engine.settings import PoolSettings

MAX_PAGE_SIZE = 500


class TaskService:
    def __init__(
        self,
        store: PoolStore,
        settings: PoolSettings,
        sessions: SessionService,
        draining: Callable[[], bool],
    ) -> None:
        self.store = store
        self.settings = settings
        self.sessions = sessions
        self._draining = draining
        self._limiter = RateLimiter()

    # submission ------------------------------------------------------------------------------

    def check_accepting(self) -> None:
        if self._draining():
            raise PoolDraining()

    def check_rate(self, caller: Caller, count: int = 1) -> None:
        """Count `count` submissions against the namespace's rate limit."""
        rate = self.settings.policy_for(caller.namespace).submits_per_second
        self._limiter.take(caller.namespace, rate, count)

    def reservation_for(self, spec: TaskSpec, policy: NamespacePolicy) -> int:
        """The task's envelope: its own max budget, or the default reservation when a cap is
        in force; 0 (no envelope) when neither."""
        if spec.overrides.max_budget_micros:
            return spec.overrides.max_budget_micros
        capped = self.settings.budget_micros is not None or policy.budget_micros is not None
        return self.settings.default_task_reservation_micros if capped else 0

    async def validate(
        self, caller: Caller, spec: TaskSpec, field: str = "task", internal: bool = False
    ) -> None:
        """Everything submit checks before it stores anything (fan-out checks all items first).
        `internal`: the pool's own task (a routing call), pinned where no slot claims it."""
        validation.validate_spec(spec, self.settings, field)
        policy = self.settings.policy_for(caller.namespace)
        policies.check_overrides(spec.overrides, policy, self.settings, f"{field}.overrides")
        validation.resolve_working_dir(spec.working_dir, self.settings, f"{field}.working_dir")
        if spec.slot_id and not internal and await self.store.get_slot(spec.slot_id) is None:
            raise SlotNotFound(spec.slot_id)

    async def submit(
        self,
        caller: Caller,
        spec: TaskSpec,
        request_id: str = "",
        chain_id: str = "",
        *,
        field: str = "task",
        rate_checked: bool = False,
        internal: bool = False,
    ) -> Task:
        self.check_accepting()
        await self.validate(caller, spec, field, internal)
        continues, forks = await self.sessions.resolve(caller, spec, field)
        if not rate_checked:
            self.check_rate(caller)
        policy = self.settings.policy_for(caller.namespace)
        task = Task(
            id=new_id("task"),
            state=TaskState.PENDING,
            prompt=spec.prompt,
            spec=spec,
            create_time=datetime.now(UTC),
            namespace=caller.namespace,
            owner=caller.principal,
            continues=continues,
            forks=forks,
            reserved_micros=self.reservation_for(spec, policy),
            chain_id=chain_id,
            request_id=request_id,
        )
        change = lifecycle.submitted(task, policies.limits_for(policy, self.settings))
        stored = await self.store.submit_task(change)
        if stored.id != task.id and (stored.spec != spec or stored.chain_id != chain_id):
            raise RequestIdReused(request_id)
        return stored

    # reading ---------------------------------------------------------------------------------

    async def get(self, caller: Caller, task_id: str) -> Task:
        if not task_id:
            raise InvalidArgument("task_id", "is required")
        task = await self.store.get_task(task_id)
        if task is None or task.namespace != caller.namespace:
            raise TaskNotFound(task_id)
        return task

    async def list(self, caller: Caller, query: TaskQuery) -> TaskPage:
        if query.page_size < 0:
            raise InvalidArgument("page_size", "must not be negative")
        size = min(query.page_size or 50, MAX_PAGE_SIZE)
        scoped = dataclasses.replace(query, namespace=caller.namespace, page_size=size)
        return await self.store.list_tasks(scoped)

    async def wait(self, caller: Caller, task_id: str, timeout: float) -> tuple[Task, bool]:
        """Wait until the task settles; returns (task, settled)."""
        if timeout < 0:
            raise InvalidArgument("timeout", "must not be negative")
        deadline = time.monotonic() + timeout
        topic = f"task:{task_id}"
        notifier = self.store.notifier
        while True:
            seen = notifier.version(topic)
            task = await self.get(caller, task_id)
            if task.state.is_settled:
                return task, True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return task, False
            await notifier.wait(topic, seen, min(remaining, self.settings.poll_interval_seconds))

    async def watch(self, caller: Caller, task_id: str, after_seq: int) -> AsyncIterator[TaskEvent]:
        await self.get(caller, task_id)
        async for event in watch_events(
            self.store, task_id, after_seq, self.settings.poll_interval_seconds
        ):
            yield event

    # changing --------------------------------------------------------------------------------

    async def transition(
        self, caller: Caller, task_id: str, compute: Callable[[Task], Change]
    ) -> Task:
        """Apply a lifecycle transition to one of the caller's tasks."""
        if not task_id:
            raise InvalidArgument("task_id", "is required")

        def scoped(task: Task) -> Change:
            if task.namespace != caller.namespace:
                raise TaskNotFound(task_id)
            return compute(task)

        return await self.store.transition(task_id, scoped)

    async def cancel(
        self, caller: Caller, task_id: str, reason: str = "cancelled by client"
    ) -> Task:
        now = datetime.now(UTC)
        return await self.transition(
            caller, task_id, lambda task: lifecycle.cancelled(task, reason, now)
        )

    async def delete(self, caller: Caller, task_id: str) -> None:
        task = await self.get(caller, task_id)
        if not task.state.is_terminal or not await self.store.delete_task(task_id):
            raise IllegalState(
                task_id, task.state.value, "delete", "completed, failed or cancelled"
            )
