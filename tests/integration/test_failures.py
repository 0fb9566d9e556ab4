"""A failed run is a FAILED task with the details a user needs, never a stuck RUNNING one."""

from __future__ import annotations

import pytest

from claude_pool import task_spec
from claude_pool.v1 import task_pb2
from tests.conftest import ServerFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


@pytest.mark.parametrize("status", [529, 500, 401])
async def test_api_error_fails_the_task_with_the_status(
    make_server: ServerFactory, status: int
) -> None:
    pool = await make_server()
    task = await pool.client.run(f"[[{status}]]")
    assert task.state == task_pb2.TASK_STATE_FAILED
    failure = task.result.failure
    assert failure.kind == task_pb2.FAILURE_KIND_API_ERROR
    assert failure.api_error_status == status
    assert failure.terminal_reason == "api_error"
    assert failure.message
    assert "--output-format stream-json" in failure.failed_command


async def test_timeout_stops_a_hanging_run(make_server: ServerFactory) -> None:
    pool = await make_server()
    task = await pool.client.run(task_spec("[[hang:30]]", timeout=2.0))
    assert task.state == task_pb2.TASK_STATE_FAILED
    assert task.result.failure.kind == task_pb2.FAILURE_KIND_TIMEOUT
    assert task.result.elapsed.ToNanoseconds() < 10e9


async def test_idle_output_watchdog_stops_a_silent_run(make_server: ServerFactory) -> None:
    pool = await make_server(idle_output_timeout_seconds=2.0)
    task = await pool.client.run("[[slow:6]] [[chunks:2]]")
    assert task.state == task_pb2.TASK_STATE_FAILED
    assert task.result.failure.kind == task_pb2.FAILURE_KIND_IDLE_TIMEOUT


async def test_max_turns_is_reported(make_server: ServerFactory) -> None:
    pool = await make_server()
    task = await pool.client.run(task_spec("[[toolloop]]", max_turns=1))
    assert task.state == task_pb2.TASK_STATE_FAILED
    assert task.result.failure.kind == task_pb2.FAILURE_KIND_MAX_TURNS
    assert task.result.failure.error_subtype == "error_max_turns"


async def test_a_missing_cli_fails_the_task_and_errors_the_slot(make_server: ServerFactory) -> None:
    from claude_pool_server.driver.claude_cli import ClaudeCliDriver

    driver = ClaudeCliDriver(cli_path="/nonexistent/claude")
    pool = await make_server(slots=1, driver=driver, max_consecutive_start_failures=2)
    first = await pool.client.run("one")
    assert first.state == task_pb2.TASK_STATE_FAILED
    assert first.result.failure.kind == task_pb2.FAILURE_KIND_PROCESS_ERROR
    assert "not found" in first.result.failure.message.lower()
    await pool.client.run("two")
    slots = await pool.client.find_slots()
    assert slots[0].state == 4  # SLOT_STATE_ERRORED: the supervisor's cue


async def test_a_server_without_credentials_fails_tasks_saying_how_to_fix_it(
    make_server: ServerFactory,
) -> None:
    """Not the CLI's "Not logged in · Please run /login", which a caller cannot act on."""
    pool = await make_server(cli_env={"ANTHROPIC_API_KEY": ""})
    task = await pool.client.run("hello")
    assert task.state == task_pb2.TASK_STATE_FAILED
    failure = task.result.failure
    assert failure.api_error_status == 401
    assert "no Anthropic credentials" in failure.message, failure.message
    assert "ANTHROPIC_API_KEY" in failure.message and "claude-pool serve" in failure.message
