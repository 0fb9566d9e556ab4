"""Fan-out: input order, per-item outcomes (a failure is an item, not an RPC error), streaming."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from claude_pool import PoolError, task_spec
from claude_pool.v1 import task_pb2
from claude_pool_server import cli
from tests.conftest import ServerFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_fan_out_returns_items_in_input_order_with_their_own_outcomes(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=2)
    items = await pool.client.fan_out(
        [
            "[[reply:first]] [[slow:0.3]]",
            task_spec("x", permission_mode=task_pb2.PERMISSION_MODE_BYPASS_PERMISSIONS),
            "[[reply:third]]",
            "[[529]]",
        ]
    )
    assert [item.index for item in items] == [0, 1, 2, 3]
    assert items[0].task.state == task_pb2.TASK_STATE_COMPLETED
    assert items[0].task.result.output == "first"
    assert not items[1].HasField("task")
    assert items[1].error_code == grpc.StatusCode.PERMISSION_DENIED.value[0]
    assert "bypassPermissions" in items[1].error_message
    assert items[2].task.result.output == "third"
    assert items[3].task.state == task_pb2.TASK_STATE_FAILED
    assert items[3].task.result.failure.api_error_status == 529


async def test_fan_out_stream_yields_each_item_as_it_finishes(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2)
    order = [
        item.index
        async for item in pool.client.fan_out_stream(
            ["[[reply:slow]] [[chunks:4]] [[slow:0.8]]", "[[reply:fast]]"]
        )
    ]
    assert order == [1, 0]


async def test_fan_out_width_is_checked(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1, max_fan_out=2)
    with pytest.raises(PoolError) as err:
        await pool.client.fan_out(["a", "b", "c"])
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "limit is 2" in err.value.message
    with pytest.raises(PoolError) as err:
        await pool.client.fan_out([])
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_more_prompts_than_slots_queue(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1)
    items = await pool.client.fan_out([f"[[reply:r{i}]]" for i in range(3)])
    assert [i.task.result.output for i in items] == ["r0", "r1", "r2"]


async def test_cli_fan_out(make_server: ServerFactory, capsys: pytest.CaptureFixture[str]) -> None:
    pool = await make_server(slots=2)
    code = await asyncio.to_thread(
        cli.main,
        ["fan-out", "--server", pool.server.address, "[[reply:alpha]]", "[[reply:beta]]"],
    )
    assert code == 0
    lines = sorted(capsys.readouterr().out.strip().splitlines())
    assert lines == ["[0] alpha", "[1] beta"]
