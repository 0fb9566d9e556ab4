"""Fan-out: run several tasks concurrently and report each one's own outcome.

Unlike the seed, one failing item does not fail the call: a failed run is an item with a FAILED
task, and a task that could not even be submitted (bad input, budget) is an item carrying that
error. Tasks beyond the free slots simply queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from claude_pool_server.domain.errors import InvalidArgument, PoolError
from claude_pool_server.domain.tasks import Task, TaskSpec

if TYPE_CHECKING:
    from claude_pool_server.engine.pool import Pool


@dataclass(frozen=True)
class FanOutItem:
    """One item's outcome: the settled task, or the error that kept it from being submitted."""

    index: int
    task: Task | None = None
    error: PoolError | None = None


def check_width(pool: Pool, specs: Sequence[TaskSpec], field: str = "tasks") -> None:
    if not specs:
        raise InvalidArgument(field, "needs at least one task")
    if len(specs) > pool.settings.max_fan_out:
        raise InvalidArgument(
            field, f"has {len(specs)} tasks; the limit is {pool.settings.max_fan_out}"
        )


async def _run_one(pool: Pool, index: int, spec: TaskSpec, request_id: str) -> FanOutItem:
    item_request_id = f"{request_id}/{index}" if request_id else ""
    try:
        task = await pool.submit(spec, item_request_id)
    except PoolError as exc:
        return FanOutItem(index, error=exc)
    settled, _ = await pool.wait_task(task.id, float("inf"))
    return FanOutItem(index, task=settled)


async def fan_out(pool: Pool, specs: Sequence[TaskSpec], request_id: str = "") -> list[FanOutItem]:
    """Every item, in input order."""
    check_width(pool, specs)
    return list(
        await asyncio.gather(*(_run_one(pool, i, s, request_id) for i, s in enumerate(specs)))
    )


async def fan_out_stream(
    pool: Pool, specs: Sequence[TaskSpec], request_id: str = ""
) -> AsyncIterator[FanOutItem]:
    """Every item as soon as it finishes (completion order). Dropping the stream does not cancel
    the tasks, as with RunStream."""
    check_width(pool, specs)
    running = [asyncio.create_task(_run_one(pool, i, s, request_id)) for i, s in enumerate(specs)]
    try:
        for next_done in asyncio.as_completed(running):
            yield await next_done
    finally:
        for waiter in running:
            waiter.cancel()
