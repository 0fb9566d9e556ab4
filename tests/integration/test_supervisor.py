"""The supervisor restarts an errored slot (fresh session) up to max_restarts times."""

from __future__ import annotations

import asyncio

import pytest

from claude_pool.v1 import pool_pb2, task_pb2
from claude_pool_server.driver.claude_cli import ClaudeCliDriver
from tests.conftest import ServerFactory, eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_errored_slot_is_restarted_up_to_max_restarts(make_server: ServerFactory) -> None:
    driver = ClaudeCliDriver(cli_path="/nonexistent/claude")
    pool = await make_server(
        slots=1,
        driver=driver,
        max_consecutive_start_failures=1,
        max_restarts=1,
        supervisor_interval_seconds=0.2,
    )
    first = await pool.client.run("one")
    assert first.result.failure.kind == task_pb2.FAILURE_KIND_PROCESS_ERROR

    async def restarted() -> bool:
        slot = (await pool.client.find_slots())[0]
        return slot.state == pool_pb2.SLOT_STATE_IDLE and slot.restart_count == 1

    await eventually(restarted, within=10)
    slot = (await pool.client.find_slots())[0]
    assert slot.session_id == "" and slot.consecutive_failures == 0

    await pool.client.run("two")  # the restarted slot takes work again, and fails again
    await asyncio.sleep(1.0)  # five supervisor rounds: none may restart it past the limit
    slot = (await pool.client.find_slots())[0]
    assert slot.state == pool_pb2.SLOT_STATE_ERRORED
    assert slot.restart_count == 1
