"""WatchTask resume, CancelTask (the CLI and its tools really stop), ClaimTask, graceful stop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from claude_pool import task_spec
from claude_pool.v1 import task_pb2
from tests.conftest import ServerFactory, cli_processes, eventually, pid_alive

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_watch_resumes_after_a_dropped_stream_without_gap_or_duplicate(
    make_server: ServerFactory,
) -> None:
    pool = await make_server()
    task = await pool.client.submit("[[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]")
    seen = []
    async for event in pool.client.watch(task.id):
        seen.append(event)
        if event.HasField("text_delta"):
            break  # drop the stream mid-way
    await asyncio.sleep(0.7)  # output keeps arriving while nobody watches
    resumed = [e async for e in pool.client.watch(task.id, after_seq=seen[-1].seq)]
    events = seen + resumed
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].HasField("finished")
    text = "".join(e.text_delta.text for e in events if e.HasField("text_delta"))
    assert text == "a b c d e f"


async def test_watch_of_a_finished_task_replays_the_whole_log(make_server: ServerFactory) -> None:
    pool = await make_server()
    task = await pool.client.run("[[reply:done]]")
    events = [e async for e in pool.client.watch(task.id)]
    assert events[-1].finished.task.state == task_pb2.TASK_STATE_COMPLETED
    assert events[-1].seq == task.last_seq


def _sleep_processes(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes().replace(b"\0", b" "):
                    pids.append(int(entry.name))
            except OSError:
                continue
    return [p for p in pids if pid_alive(p)]


async def test_cancel_stops_the_cli_and_its_tool_processes(make_server: ServerFactory) -> None:
    """...and, under a budget cap, records what the run spent and frees its reservation."""
    pool = await make_server(
        slots=1,
        model="claude-sonnet-4-5",
        budget_micros=5_000_000,
        default_task_reservation_micros=1_000_000,
    )
    before = set(cli_processes())
    task = await pool.client.submit(  # its first call (the tool use) costs $0.30
        task_spec("[[sleeptool:47.5]] [[usage:100000:0]]", allowed_tools=["Bash"])
    )

    async def tool_running() -> bool:
        return bool(_sleep_processes("time.sleep(47.5)"))

    await eventually(tool_running, within=30)
    cli = [p for p in cli_processes() if p not in before]
    assert cli, "the CLI process should be running"
    cancelled = await pool.client.cancel(task.id)
    assert cancelled.state == task_pb2.TASK_STATE_CANCELLED

    async def all_gone() -> bool:
        return not _sleep_processes("time.sleep(47.5)") and not any(pid_alive(p) for p in cli)

    await eventually(all_gone, within=1.5)
    await asyncio.sleep(0.5)
    final = await pool.client.get(task.id)
    assert final.state == task_pb2.TASK_STATE_CANCELLED  # and it stays cancelled

    async def settled() -> bool:
        return (await pool.client.get(task.id)).reserved_micros == 0

    await eventually(settled, within=10)
    final = await pool.client.get(task.id)
    assert final.result.cost_micros == 300_000, final.result
    status = await pool.client.status()
    assert (status.spent_micros, status.reserved_micros) == (300_000, 0)


async def test_cancel_a_pending_task_and_refuse_cancelling_a_finished_one(
    make_server: ServerFactory,
) -> None:
    from claude_pool import FailedPreconditionError

    pool = await make_server(slots=1)
    busy = await pool.client.submit("[[slow:0.5]] [[chunks:4]]")
    queued = await pool.client.submit("never runs")
    cancelled = await pool.client.cancel(queued.id)
    assert cancelled.state == task_pb2.TASK_STATE_CANCELLED
    done = await pool.client.wait(busy.id, timeout=30)
    assert done.state == task_pb2.TASK_STATE_COMPLETED
    with pytest.raises(FailedPreconditionError) as error:
        await pool.client.cancel(busy.id)
    assert error.value.reason == "ILLEGAL_STATE"
    assert (await pool.client.get(queued.id)).state == task_pb2.TASK_STATE_CANCELLED


async def test_claim_on_an_idle_slot_with_nothing_pending_returns_no_task(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    assert await pool.client.claim("slot-0") is None


async def test_graceful_stop_lets_a_running_task_finish(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1)
    task = await pool.client.submit("[[reply:finishing]] [[slow:0.3]] [[chunks:4]]")

    async def running() -> bool:
        return (await pool.client.get(task.id)).state == task_pb2.TASK_STATE_RUNNING

    await eventually(running)
    await pool.server.app.pool.shutdown(grace_seconds=20)
    stored = await pool.server.app.store.get_task(task.id)
    assert stored is not None and stored.state.value == "completed"
    assert stored.result is not None and stored.result.output == "finishing"
