"""Fan-out: run several tasks concurrently and report each one's own outcome.

Unlike the seed, one failing item does not fail the call: a failed run is an item with a FAILED
task, and a task that could not even be submitted (bad input, policy, budget, quota) is an item
carrying that error. Only the call's own shape (width, draining, rate) fails it as a whole. Tasks
beyond the free slots simply queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.errors import InvalidArgument, PoolError
from claude_pool_server.domain.tasks import Task, TaskSpec
from claude_pool_server.engine.tasks import TaskService


@dataclass(frozen=True)
class FanOutItem:
    """One item's outcome: the settled task, or the error that kept it from being submitted."""

    index: int
    task: Task | None = None
    error: PoolError | None = None


class FanOut:
    def __init__(self, tasks: TaskService) -> None:
        self.tasks = tasks

    async def _check(self, caller: Caller, specs: Sequence[TaskSpec], field: str) -> None:
        if not specs:
            raise InvalidArgument(field, "needs at least one task")
        limit = self.tasks.settings.max_fan_out
        if len(specs) > limit:
            raise InvalidArgument(field, f"has {len(specs)} tasks; the limit is {limit}")
        self.tasks.check_accepting()
        self.tasks.check_rate(caller, len(specs))

    async def _run_one(
        self, caller: Caller, index: int, spec: TaskSpec, request_id: str
    ) -> FanOutItem:
        item_request_id = f"{request_id}/{index}" if request_id else ""
        try:
            task = await self.tasks.submit(
                caller, spec, item_request_id, field=f"tasks[{index}]", rate_checked=True
            )
        except PoolError as exc:
            return FanOutItem(index, error=exc)
        settled, _ = await self.tasks.wait(caller, task.id, float("inf"))
        return FanOutItem(index, task=settled)

    async def run(
        self, caller: Caller, specs: Sequence[TaskSpec], request_id: str = ""
    ) -> list[FanOutItem]:
        """Every item, in input order."""
        await self._check(caller, specs, "tasks")
        return list(
            await asyncio.gather(
                *(self._run_one(caller, i, s, request_id) for i, s in enumerate(specs))
            )
        )

    async def stream(
        self, caller: Caller, specs: Sequence[TaskSpec], request_id: str = ""
    ) -> AsyncIterator[FanOutItem]:
        """Every item as soon as it finishes (completion order). Dropping the stream does not
        cancel the tasks, as with RunStream."""
        await self._check(caller, specs, "tasks")
        running = [
            asyncio.create_task(self._run_one(caller, i, s, request_id))
            for i, s in enumerate(specs)
        ]
        try:
            for next_done in asyncio.as_completed(running):
                yield await next_done
        finally:
            for waiter in running:
                waiter.cancel()
