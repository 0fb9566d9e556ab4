"""Scaling on the InMemoryStore with the FakeDriver: bounds, which slots go first, the grace a
busy slot gets, set_target_slots and draining (the same paths run with the CLI in
tests/integration/test_scaling.py)."""

from __future__ import annotations

import asyncio
import time

import pytest

from claude_pool_server.api.status import code_for
from claude_pool_server.domain.errors import (
    InvalidArgument,
    PoolDraining,
    ScalingBounds,
)
from claude_pool_server.domain.runs import RunRequest
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import StateChanged, TaskSpec, TaskState
from claude_pool_server.driver.fake import FakeReply
from tests.unit.engine_harness import ALICE, Harness, echo, eventually, running, slow

pytestmark = pytest.mark.asyncio


def slow_when_asked(request: RunRequest) -> FakeReply:
    if request.prompt.startswith("slow"):
        return slow()
    if request.prompt.startswith("short"):
        return FakeReply(chunks=("a", "b", "c"), delay=0.05)
    return echo(request)


async def slots(h: Harness) -> dict[str, Slot]:
    return {s.id: s for s in await h.store.list_slots()}


async def states(h: Harness) -> dict[str, SlotState]:
    return {slot_id: s.state for slot_id, s in (await slots(h)).items()}


async def start_running(h: Harness, spec: TaskSpec) -> str:
    task = await h.pool.submit(ALICE, spec)

    async def started() -> bool:
        return (await h.pool.get_task(ALICE, task.id)).state is TaskState.RUNNING

    await eventually(started)
    return task.id


async def test_scale_up_adds_working_slots_up_to_max_and_refuses_beyond() -> None:
    async with running(echo, slots=2, max_slots=4) as h:
        assert await h.pool.scale_up(1) == 3
        assert (await states(h))["slot-2"] is SlotState.IDLE
        task = await h.pool.run(ALICE, TaskSpec("on the new slot", slot_id="slot-2"))
        assert task.state is TaskState.COMPLETED and task.slot_id == "slot-2"

        with pytest.raises(ScalingBounds) as error:
            await h.pool.scale_up(2)
        assert code_for(error.value).name == "FAILED_PRECONDITION"
        assert "1..4" in error.value.message and error.value.metadata["requested"] == "5"
        with pytest.raises(InvalidArgument) as invalid:
            await h.pool.scale_up(0)
        assert invalid.value.field == "count"
        assert len(h.pool.workers) == 3 and sorted(await slots(h)) == ["slot-0", "slot-1", "slot-2"]
        assert (await h.pool.status(ALICE)).total_slots == 3


async def test_scale_down_removes_idle_and_least_used_slots_first_and_keeps_their_records() -> None:
    async with running(echo, slots=3, min_slots=1) as h:
        for slot_id in ("slot-0", "slot-0", "slot-2"):
            await h.pool.run(ALICE, TaskSpec("work", slot_id=slot_id))

        assert await h.pool.scale_down(1) == 2
        assert (await states(h))["slot-1"] is SlotState.STOPPED  # used least (never)
        assert await h.pool.scale_down(1) == 1
        after = await slots(h)
        assert after["slot-2"].state is SlotState.STOPPED
        assert after["slot-2"].tasks_completed == 1  # a removed slot's counters stay visible
        assert after["slot-0"].state is SlotState.IDLE and after["slot-0"].tasks_completed == 2
        assert list(h.pool.workers) == ["slot-0"]

        with pytest.raises(ScalingBounds):
            await h.pool.scale_down(1)
        with pytest.raises(InvalidArgument):
            await h.pool.scale_down(0)
        with pytest.raises(InvalidArgument):
            await h.pool.scale_down(1, busy_timeout=-1)
        # the remaining slot still takes work; the stopped ones take none
        task = await h.pool.run(ALICE, TaskSpec("still works"))
        assert task.slot_id == "slot-0"
        assert (await h.pool.status(ALICE)).total_slots == 1


async def test_an_idle_slot_goes_before_a_busy_one_even_a_busy_one_that_did_less() -> None:
    async with running(slow_when_asked, slots=2, min_slots=1) as h:
        await h.pool.run(ALICE, TaskSpec("work", slot_id="slot-1"))  # slot-1 did more
        busy = await start_running(h, TaskSpec("slow", slot_id="slot-0"))

        assert await h.pool.scale_down(1, busy_timeout=0) == 1
        assert (await states(h)) == {"slot-0": SlotState.BUSY, "slot-1": SlotState.STOPPED}
        assert (await h.pool.get_task(ALICE, busy)).state is TaskState.RUNNING  # not cancelled
        await h.pool.cancel_task(ALICE, busy)


async def test_a_busy_slot_gets_its_grace_then_its_task_is_cancelled_and_settled() -> None:
    async with running(slow_when_asked, slots=2, min_slots=0, budget_micros=10_000_000) as h:
        task_id = await start_running(h, TaskSpec("slow", slot_id="slot-0"))
        began = time.monotonic()
        assert await asyncio.wait_for(h.pool.scale_down(2, busy_timeout=0.2), 2) == 0
        assert time.monotonic() - began >= 0.2  # the busy slot had its grace

        task = await h.pool.get_task(ALICE, task_id)
        assert task.state is TaskState.CANCELLED
        events = await h.store.read_events(task_id, 0, 100)
        reasons = [e.payload.reason for e in events if isinstance(e.payload, StateChanged)]
        assert reasons[-1] == "slot-0 scaled down"
        assert set((await states(h)).values()) == {SlotState.STOPPED}
        assert h.pool.workers == {}
        # the run was stopped and had reported its end before scale_down returned
        assert task.result is not None
        assert (await h.store.get_budget(None)).reserved_micros == 0


async def test_a_busy_slot_that_finishes_within_its_grace_keeps_its_result() -> None:
    async with running(slow_when_asked, slots=1, min_slots=0) as h:
        task_id = await start_running(h, TaskSpec("short"))
        assert await asyncio.wait_for(h.pool.scale_down(1, busy_timeout=2.0), 2) == 0
        task = await h.pool.get_task(ALICE, task_id)
        assert task.state is TaskState.COMPLETED
        assert task.result is not None and task.result.output == "abc"
        slot = (await slots(h))["slot-0"]
        assert slot.state is SlotState.STOPPED and slot.tasks_completed == 1


async def test_set_target_slots_moves_to_the_target_within_bounds() -> None:
    async with running(echo, slots=1, min_slots=1, max_slots=3) as h:
        assert await h.pool.set_target_slots(3) == 3
        assert await states(h) == dict.fromkeys(("slot-0", "slot-1", "slot-2"), SlotState.IDLE)
        assert await h.pool.set_target_slots(3) == 3
        assert await h.pool.set_target_slots(1) == 1
        [kept] = h.pool.workers  # (which of three equally used idle slots stays is no contract)
        after = await states(h)
        assert after.pop(kept) is SlotState.IDLE
        assert set(after.values()) == {SlotState.STOPPED}
        for outside in (0, 4, 9):
            with pytest.raises(ScalingBounds):
                await h.pool.set_target_slots(outside)
        assert len(h.pool.workers) == 1 and (await h.pool.status(ALICE)).total_slots == 1


async def test_concurrent_scale_ups_never_pass_max_slots() -> None:
    async with running(echo, slots=2, max_slots=4) as h:
        allocate = h.store.allocate_slot_ids

        async def round_trip(replica_id: str, count: int) -> list[str]:
            await asyncio.sleep(0)  # a database yields here; the other scale-up may run
            return await allocate(replica_id, count)

        h.store.allocate_slot_ids = round_trip  # type: ignore[method-assign]
        outcomes = await asyncio.gather(
            h.pool.scale_up(2), h.pool.scale_up(2), return_exceptions=True
        )
        refused = [o for o in outcomes if isinstance(o, ScalingBounds)]
        assert len(refused) == 1 and 4 in outcomes, outcomes
        assert len(h.pool.workers) == 4


async def test_a_draining_pool_refuses_to_scale_up() -> None:
    async with running(echo, slots=1, max_slots=4) as h:
        await h.pool.drain(1)
        with pytest.raises(PoolDraining):
            await h.pool.scale_up(1)
        with pytest.raises(PoolDraining):
            await h.pool.set_target_slots(3)
        assert len(h.pool.workers) == 1
