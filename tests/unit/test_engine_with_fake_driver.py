"""Engine behaviour with the in-process FakeDriver (fast; each path is also tested with the CLI)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from claude_pool_server.domain.errors import BudgetExhausted
from claude_pool_server.domain.tasks import TaskOverrides, TaskSpec, TaskState, TextDelta
from claude_pool_server.driver.fake import FakeDriver, FakeReply
from claude_pool_server.engine.pool import Pool
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.store.memory import InMemoryStore

pytestmark = pytest.mark.asyncio


def settings(**overrides: object) -> PoolSettings:
    return dataclasses.replace(PoolSettings(poll_interval_seconds=0.05, slots=2), **overrides)  # type: ignore[arg-type]


async def started(pool_settings: PoolSettings, driver: FakeDriver) -> Pool:
    pool = Pool(pool_settings, InMemoryStore(), driver)
    await pool.start()
    return pool


async def test_spent_plus_reserved_never_exceeds_the_cap_under_concurrent_submits() -> None:
    driver = FakeDriver(reply=lambda r: FakeReply(chunks=("x",), delay=0.01, cost_micros=30))
    pool = await started(
        settings(budget_micros=1_000, default_task_reservation_micros=100, slots=4), driver
    )
    store = pool.store
    violations: list[tuple[int, int]] = []

    async def watch_budget() -> None:
        while True:
            budget = await store.get_budget()
            if budget.spent_micros + budget.reserved_micros > 1_000:
                violations.append((budget.spent_micros, budget.reserved_micros))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch_budget())

    async def submit(i: int) -> bool:
        try:
            await pool.run(TaskSpec(prompt=f"p{i}"))
            return True
        except BudgetExhausted:
            return False

    accepted = await asyncio.gather(*(submit(i) for i in range(60)))
    watcher.cancel()
    budget = await store.get_budget()
    assert not violations
    assert budget.reserved_micros == 0
    assert budget.spent_micros == 30 * sum(accepted)
    assert sum(accepted) >= 10  # settlement to real cost frees room for more work
    await pool.shutdown(1)


async def test_a_task_reservation_above_the_cap_is_refused_with_the_numbers() -> None:
    pool = await started(settings(budget_micros=500), FakeDriver())
    with pytest.raises(BudgetExhausted) as error:
        await pool.submit(TaskSpec("big", overrides=TaskOverrides(max_budget_micros=600)))
    assert (error.value.spent, error.value.reserved, error.value.cap) == (0, 0, 500)
    assert error.value.requested == 600
    await pool.shutdown(1)


async def test_output_is_written_in_batches_not_one_store_write_per_delta() -> None:
    chunks = tuple(f"c{i} " for i in range(200))
    pool = await started(settings(slots=1), FakeDriver(reply=lambda r: FakeReply(chunks=chunks)))
    store = pool.store
    writes: list[int] = []
    original = store.append_events

    async def counting(task_id: str, payloads: list) -> list:  # type: ignore[type-arg]
        writes.append(len(payloads))
        return await original(task_id, payloads)

    store.append_events = counting  # type: ignore[method-assign]
    task = await pool.run(TaskSpec("many deltas"))
    assert task.state is TaskState.COMPLETED
    events = await store.read_events(task.id, 0, 1000)
    deltas = [e.payload.text for e in events if isinstance(e.payload, TextDelta)]
    assert "".join(deltas) == "".join(chunks)
    assert len(writes) < 20  # 200 deltas, a handful of appends
    await pool.shutdown(1)


async def test_a_failed_run_ends_failed_and_releases_its_reservation() -> None:
    driver = FakeDriver(reply=lambda r: FakeReply(success=False, cost_micros=7))
    pool = await started(
        settings(budget_micros=10_000, default_task_reservation_micros=1_000), driver
    )
    task = await pool.run(TaskSpec("fails"))
    assert task.state is TaskState.FAILED
    assert task.result is not None and task.result.cost_micros == 7
    budget = await pool.store.get_budget()
    assert (budget.spent_micros, budget.reserved_micros) == (7, 0)
    await pool.shutdown(1)


async def test_tasks_pinned_to_a_slot_run_there() -> None:
    pool = await started(settings(slots=3), FakeDriver())
    task = await pool.run(TaskSpec("pinned", slot_id="slot-2"))
    assert task.slot_id == "slot-2"
    await pool.shutdown(1)
