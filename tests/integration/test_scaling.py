"""Scaling within bounds: idle and least-used slots go first; busy ones get a grace period."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from claude_pool import PoolError, task_spec
from claude_pool.v1 import pool_pb2, task_pb2
from claude_pool_server import cli
from tests.conftest import ServerFactory, eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def slot_states(pool: object) -> dict[str, int]:
    slots = await pool.client.find_slots()  # type: ignore[attr-defined]
    return {s.id: s.state for s in slots}


async def test_scale_up_adds_working_slots_within_max(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2, max_slots=4)
    assert await pool.client.scale_up(1) == 3
    assert (await slot_states(pool))["slot-2"] == pool_pb2.SLOT_STATE_IDLE
    task = await pool.client.run(task_spec("[[reply:on new slot]]", slot_id="slot-2"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED and task.slot_id == "slot-2"
    with pytest.raises(PoolError) as err:
        await pool.client.scale_up(2)
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "1..4" in err.value.message
    assert (await pool.client.status()).total_slots == 3


async def test_scale_down_removes_idle_least_used_slots_first(make_server: ServerFactory) -> None:
    pool = await make_server(slots=3, min_slots=1)
    await pool.client.run(task_spec("a", slot_id="slot-0"))
    await pool.client.run(task_spec("b", slot_id="slot-0"))
    await pool.client.run(task_spec("c", slot_id="slot-2"))
    assert await pool.client.scale_down(1) == 2
    assert (await slot_states(pool))["slot-1"] == pool_pb2.SLOT_STATE_STOPPED
    assert await pool.client.scale_down(1) == 1
    states = await slot_states(pool)
    assert states["slot-2"] == pool_pb2.SLOT_STATE_STOPPED
    assert states["slot-0"] == pool_pb2.SLOT_STATE_IDLE
    with pytest.raises(PoolError) as err:
        await pool.client.scale_down(1)
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION
    # A stopped slot takes no work; the remaining one still does.
    task = await pool.client.run("still works")
    assert task.slot_id == "slot-0"


async def test_scale_down_waits_for_a_busy_slot_then_cancels_its_task(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=2, min_slots=0)
    long = await pool.client.submit(
        task_spec("[[reply:" + "x" * 40 + "]] [[chunks:40]] [[slow:0.5]]", slot_id="slot-0")
    )

    async def running() -> bool:
        return (await pool.client.get(long.id)).state == task_pb2.TASK_STATE_RUNNING

    await eventually(running)
    assert await pool.client.scale_down(2, busy_timeout=1.0) == 0
    assert (await pool.client.get(long.id)).state == task_pb2.TASK_STATE_CANCELLED
    assert set((await slot_states(pool)).values()) == {pool_pb2.SLOT_STATE_STOPPED}


async def test_set_target_slots_and_the_cli(
    make_server: ServerFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = await make_server(slots=1, min_slots=1, max_slots=3)
    assert await pool.client.set_target_slots(3) == 3
    assert await pool.client.set_target_slots(1) == 1
    with pytest.raises(PoolError) as err:
        await pool.client.set_target_slots(9)
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(PoolError) as err:
        await pool.client.scale_up(0)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    code = await asyncio.to_thread(cli.main, ["scale", "--server", pool.server.address, "2"])
    assert code == 0
    assert capsys.readouterr().out.strip() == "2 slots"
