"""The pool budget (reserve at submit, settle to real cost) and Drain."""

from __future__ import annotations

import asyncio

import pytest

from claude_pool import BudgetExhaustedError, FailedPreconditionError, task_spec
from claude_pool.v1 import task_pb2
from tests.conftest import ServerFactory, eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_budget_refuses_work_that_cannot_fit_and_settles_to_real_cost(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(
        slots=1,
        model="claude-sonnet-4-5",
        budget_micros=2_000_000,
        default_task_reservation_micros=1_500_000,
    )
    slow = await pool.client.submit("[[slow:0.5]] [[chunks:3]] [[usage:100000:0]]")  # costs $0.30
    status = await pool.client.status()
    assert status.reserved_micros == 1_500_000
    with pytest.raises(BudgetExhaustedError) as error:
        await pool.client.submit("does not fit")
    assert error.value.reason == "BUDGET_EXHAUSTED"
    assert error.value.metadata["budget_micros"] == "2000000"
    assert error.value.metadata["reserved_micros"] == "1500000"
    assert "spent" in error.value.message and "cap" in error.value.message
    done = await pool.client.wait(slow.id, timeout=60)
    assert done.result.cost_micros == 300_000
    status = await pool.client.status()
    assert (status.spent_micros, status.reserved_micros) == (300_000, 0)
    fits = await pool.client.run(task_spec("[[reply:ok]]", max_budget_usd=1.5))
    assert fits.state == task_pb2.TASK_STATE_COMPLETED
    status = await pool.client.status()
    assert status.spent_micros + status.reserved_micros <= 2_000_000


async def test_drain_waits_for_running_work_then_refuses_new_work(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    running = await pool.client.submit("[[reply:drained]] [[slow:0.3]] [[chunks:4]]")

    async def is_running() -> bool:
        return (await pool.client.get(running.id)).state == task_pb2.TASK_STATE_RUNNING

    await eventually(is_running)
    summary = await pool.client.drain(timeout=60)
    assert summary.total_tasks_completed == 1 and summary.tasks_cancelled == 0
    assert (await pool.client.get(running.id)).result.output == "drained"
    with pytest.raises(FailedPreconditionError) as error:
        await pool.client.submit("too late")
    assert error.value.reason == "POOL_DRAINING"
    status = await pool.client.status()
    assert status.draining and status.total_slots == 0


# One call of `[[usage:100000:0]]` on claude-sonnet-4-5 costs $0.30 (the stub's price table).
CALL_MICROS = 300_000


async def test_many_expensive_tasks_racing_a_small_cap_overshoot_it_by_at_most_one_call_each(
    make_server: ServerFactory,
) -> None:
    """20 tasks submitted at once, each calling the API in a loop at $0.30 a call, under a $2
    cap with $0.50 reserved per task: the gateway refuses a run's next call once its envelope
    is spent, so the pool's spend stays within cap + one call per task running at a time."""
    cap, reservation = 2_000_000, 500_000
    pool = await make_server(
        slots=4,
        model="claude-sonnet-4-5",
        budget_micros=cap,
        default_task_reservation_micros=reservation,
    )
    prompt = "[[toolloop]] [[usage:100000:0]]"

    async def submit() -> str | None:
        try:
            return (await pool.client.submit(task_spec(prompt, max_turns=50))).id
        except BudgetExhaustedError:
            return None

    admitted: list[str] = []
    for _round in range(5):  # keep offering work while any of it is admitted
        ids = [i for i in await asyncio.gather(*(submit() for _ in range(20))) if i]
        if not ids:
            break
        admitted += ids
        for task_id in ids:
            await pool.client.wait(task_id, timeout=120)
    assert admitted, "the cap admits some work"
    running_at_once = cap // reservation
    status = await pool.client.status()
    assert status.reserved_micros == 0
    assert status.spent_micros <= cap + running_at_once * CALL_MICROS, status
    for task_id in admitted:
        task = await pool.client.get(task_id)
        assert task.state == task_pb2.TASK_STATE_FAILED
        assert task.result.failure.kind == task_pb2.FAILURE_KIND_BUDGET_EXHAUSTED, task.result
        # a run passes its envelope by at most the one call that crossed it
        assert task.result.cost_micros <= reservation + CALL_MICROS, task.result
    costs = [(await pool.client.get(t)).result.cost_micros for t in admitted]
    assert sum(costs) == status.spent_micros
