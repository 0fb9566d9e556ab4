"""--warm-slots: a slot's CLI process serves its next task when nothing fixed at start changed."""

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


async def test_one_process_serves_a_slots_tasks_and_each_pays_its_own_share(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    assert (await pool.client.config()).warm_slots
    first = await pool.client.run(task_spec("one [[usage:1000:500]]"))
    warm = processes_of(pool)
    assert len(warm) == 1, "the slot's process stays after its task"
    second = await pool.client.run(task_spec("two [[usage:1000:500]] [[reply:second]]"))
    third = await pool.client.run(task_spec("three [[usage:1000:500]]"))
    assert processes_of(pool) == warm, "the same process ran every task"
    for task in (first, second, third):
        assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result
    assert second.result.output == "second"
    # the CLI's total is cumulative per process; each task is charged only its own turn
    assert first.result.cost_micros == second.result.cost_micros == third.result.cost_micros > 0
    assert first.result.session_id == third.result.session_id

    await pool.server.stop(grace_seconds=2)
    (pid,) = warm
    await eventually(gone(pid), within=10)


async def test_a_change_fixed_at_start_or_a_failure_gets_a_fresh_process(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    await pool.client.run(task_spec("one"))
    (first_pid,) = processes_of(pool)

    await pool.client.set_context("style", "terse")  # the system prompt changes
    task = await pool.client.run(task_spec("two"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result
    await eventually(gone(first_pid), within=10)
    (second_pid,) = processes_of(pool)

    failed = await pool.client.run(task_spec("three [[400]]"))
    assert failed.state == task_pb2.TASK_STATE_FAILED
    await eventually(gone(second_pid), within=10)
    assert not processes_of(pool), "a failed run's process is not kept"


async def test_a_cancelled_task_stops_the_warm_process_and_the_next_runs(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    await pool.client.run(task_spec("warm up"))
    (pid,) = processes_of(pool)
    busy = await pool.client.submit(task_spec("[[slow:2]] [[chunks:20]]"))

    async def running() -> bool:
        return (await pool.client.get(busy.id)).state == task_pb2.TASK_STATE_RUNNING

    await eventually(running)
    await pool.client.cancel(busy.id)
    await eventually(gone(pid), within=5)
    after = await pool.client.run(task_spec("next [[reply:after cancel]]"))
    assert after.result.output == "after cancel"


async def test_a_task_with_its_own_budget_runs_on_a_fresh_process(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    await pool.client.run(task_spec("warm up"))
    (pid,) = processes_of(pool)
    capped = await pool.client.run(task_spec("capped", max_budget_usd=1.0))
    assert capped.state == task_pb2.TASK_STATE_COMPLETED, capped.result
    # the CLI counts --max-budget-usd per process, so the warm one is dropped, not reused
    await eventually(gone(pid), within=10)
    assert not processes_of(pool)


async def test_an_idle_process_that_died_is_replaced_not_handed_a_task(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=True)
    await pool.client.run(task_spec("warm up"))
    (pid,) = processes_of(pool)
    os.kill(pid, signal.SIGKILL)
    await eventually(gone(pid), within=5)
    task = await pool.client.run(task_spec("after a crash [[reply:still fine]]"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result
    assert task.result.output == "still fine"


async def test_without_warm_slots_no_process_outlives_its_task(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, warm_slots=False)
    assert not (await pool.client.config()).warm_slots
    task = await pool.client.run(task_spec("cold"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result

    async def none_left() -> bool:
        return not processes_of(pool)

    await eventually(none_left, within=5)


async def test_scaling_a_slot_down_stops_its_warm_process(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2, warm_slots=True)
    for slot in ("slot-0", "slot-0", "slot-1"):  # slot-1 is the least used, so it goes
        await pool.client.run(task_spec("work", slot_id=slot))
    assert len(processes_of(pool)) == 2
    await pool.client.scale_down(1)

    async def one_left() -> bool:
        return len(processes_of(pool)) == 1

    await eventually(one_left, within=10)
