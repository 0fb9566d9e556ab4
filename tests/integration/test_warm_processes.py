"""Warm CLI processes: one process serves many tasks, each in its own session (`/clear` between
them), a follow-up continues on the process that holds its session, and a process whose
conversation could carry a failed turn is never reused."""

from __future__ import annotations

import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from claude_pool import task_spec
from claude_pool.v1 import task_pb2
from tests.conftest import PoolHarness, ServerFactory, cli_processes, eventually, pid_alive

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


def processes_of(pool: PoolHarness) -> set[int]:
    """Live CLI processes of this test's server (their config dir is in its state dir)."""
    marker = f"CLAUDE_CONFIG_DIR={pool.work_root.parent / 'state'}".encode()
    found = set()
    for pid in cli_processes():
        try:
            if marker in Path(f"/proc/{pid}/environ").read_bytes():
                found.add(pid)
        except OSError:
            continue
    return found


def gone(pid: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return not pid_alive(pid)

    return check


def texts_of(pool: PoolHarness, session_id: str) -> str:
    """Everything the CLI sent to the API for one session, as one string."""
    return str([r.body["messages"] for r in pool.stub.messages_requests(session_id) if r.body])


async def test_one_process_serves_many_tasks_each_in_a_session_of_its_own(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    assert (await pool.client.config()).warm_slots
    first = await pool.client.run(task_spec("one SECRET-ALPHA [[usage:1000:500]]"))
    warm = processes_of(pool)
    assert len(warm) == 1, "the process stays after its task"
    second = await pool.client.run(task_spec("two [[usage:1000:500]] [[reply:second]]"))
    third = await pool.client.run(task_spec("three [[usage:1000:500]]"))
    assert processes_of(pool) == warm, "the same process ran every task"
    for task in (first, second, third):
        assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result
    assert second.result.output == "second"
    assert len({first.session_id, second.session_id, third.session_id}) == 3
    # each task saw only its own prompt, and paid only its own turn
    assert "SECRET-ALPHA" not in texts_of(pool, second.session_id)
    assert "SECRET-ALPHA" not in texts_of(pool, third.session_id)
    assert first.result.cost_micros == second.result.cost_micros == third.result.cost_micros > 0

    await pool.server.stop(grace_seconds=2)
    (pid,) = warm
    await eventually(gone(pid), within=10)


async def test_a_follow_up_continues_on_the_process_holding_its_session(
    make_server: ServerFactory,
) -> None:
    # no spare: a finished process keeps holding its session instead of clearing it
    pool = await make_server(slots=1, warm_slots=True, server={"spare_processes": 0})
    first = await pool.client.run(task_spec("remember PAPAYA [[reply:noted]]"))
    (pid,) = processes_of(pool)
    follow_up = await pool.client.run(task_spec("what was it? [[recall]]", continue_from=first.id))
    assert follow_up.result.output == "RECALL[noted]"
    assert follow_up.session_id == first.session_id
    assert processes_of(pool) == {pid}, "the holder ran the follow-up: no new process"
    fresh = await pool.client.run(task_spec("unrelated [[recall]]"))
    assert fresh.result.output == "RECALL[]"
    assert processes_of(pool) == {pid}, "a new session clears the same process"


async def test_a_change_fixed_at_start_gets_another_process_and_a_failure_drops_one(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    await pool.client.run(task_spec("one"))
    (first_pid,) = processes_of(pool)

    await pool.client.set_context("style", "terse")  # the system prompt changes
    task = await pool.client.run(task_spec("two"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result
    (second_pid,) = processes_of(pool) - {first_pid}

    failed = await pool.client.run(task_spec("three [[400]]"))
    assert failed.state == task_pb2.TASK_STATE_FAILED
    await eventually(gone(second_pid), within=10)
    assert pid_alive(first_pid), "the other options' idle process is untouched"


async def test_a_cancelled_task_stops_its_process_and_the_next_runs(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    await pool.client.run(task_spec("warm up"))
    (pid,) = processes_of(pool)
    busy = await pool.client.submit(task_spec("BUSY-MARK [[slow:2]] [[chunks:20]]"))

    async def streaming() -> bool:  # the process is really running it (the API was called)
        return any("BUSY-MARK" in str(r.body) for r in pool.stub.messages_requests())

    await eventually(streaming)
    await pool.client.cancel(busy.id)
    await eventually(gone(pid), within=5)
    after = await pool.client.run(task_spec("next [[reply:after cancel]]"))
    assert after.result.output == "after cancel"


async def test_a_task_with_its_own_budget_runs_warm_behind_the_gateway(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    await pool.client.run(task_spec("warm up"))
    (pid,) = processes_of(pool)
    capped = await pool.client.run(task_spec("capped", max_budget_usd=1.0))
    assert capped.state == task_pb2.TASK_STATE_COMPLETED, capped.result
    assert processes_of(pool) == {pid}, "the gateway enforces the budget: no fresh process"


async def test_without_the_gateway_a_budgeted_task_gets_a_process_of_its_own(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True, server={"api_gateway": False})
    await pool.client.run(task_spec("warm up"))
    (pid,) = processes_of(pool)
    capped = await pool.client.run(task_spec("capped", max_budget_usd=1.0))
    assert capped.state == task_pb2.TASK_STATE_COMPLETED, capped.result
    # the CLI counts --max-budget-usd per process: that process is not kept, the warm one is
    assert processes_of(pool) == {pid}


async def test_an_idle_process_that_died_is_replaced_not_handed_a_task(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    await pool.client.run(task_spec("warm up"))
    await pool.client.run(task_spec("checked alive once, and remembered"))
    (pid,) = processes_of(pool)
    driver = pool.server.app.driver

    async def idle_and_clean() -> bool:  # not in the middle of its /clear
        return all(p.clearing is None for p in driver.processes._idle)  # type: ignore[attr-defined]

    await eventually(idle_and_clean)
    os.kill(pid, signal.SIGKILL)
    await eventually(gone(pid), within=5)
    task = await pool.client.run(task_spec("after a crash [[reply:still fine]]"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result
    assert task.result.output == "still fine"


async def test_without_warm_processes_no_process_outlives_its_task(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=False)
    assert not (await pool.client.config()).warm_slots
    task = await pool.client.run(task_spec("cold"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result

    async def none_left() -> bool:
        return not processes_of(pool)

    await eventually(none_left, within=5)
