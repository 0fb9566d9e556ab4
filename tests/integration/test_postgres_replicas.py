"""Two `claude-pool serve` processes on one PostgreSQL database (real CLI, stub API)."""

from __future__ import annotations

import asyncio
import time

import pytest

from claude_pool import BudgetExhaustedError, PoolClient, task_spec
from claude_pool.v1 import chain_pb2, task_pb2
from tests.conftest import eventually
from tests.support.replicas import FAST_RECOVERY, serve_process
from tests.support.stub_anthropic import StubAnthropic

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_a_task_submitted_to_one_replica_is_watched_from_the_other(
    stub: StubAnthropic, database_url: str
) -> None:
    with serve_process(stub, database_url) as a, serve_process(stub, database_url) as b:
        async with a.client() as on_a, b.client() as on_b:
            task = await on_a.submit("[[reply:seen from the other replica]] [[chunks:4]]")
            events = [e async for e in on_b.watch(task.id)]
            kinds = [e.WhichOneof("kind") for e in events]
            assert kinds[-1] == "finished"
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            text = "".join(e.text_delta.text for e in events if e.HasField("text_delta"))
            assert text == "seen from the other replica"
            assert events[-1].finished.task.state == task_pb2.TASK_STATE_COMPLETED
            status = await on_b.status()
            assert status.replicas == 2
            slot_ids = {s.id for s in await on_a.find_slots()}
            assert len(slot_ids) == 2  # one slot per replica, no id collision


async def test_killing_the_replica_running_a_task_completes_it_once_on_the_other(
    stub: StubAnthropic, database_url: str
) -> None:
    with (
        serve_process(stub, database_url, extra_args=FAST_RECOVERY) as a,
        serve_process(stub, database_url, extra_args=FAST_RECOVERY) as b,
    ):
        async with a.client() as on_a, b.client() as on_b:
            task = await on_a.submit("[[reply:survived the crash]] [[chunks:6]] [[slow:0.5]]")

            async def running() -> bool:
                return (await on_a.get(task.id)).state == task_pb2.TASK_STATE_RUNNING

            await eventually(running, 60)
            owner = (await on_a.get(task.id)).slot_id
            # a allocated its slot before b started, so a owns slot-0 and b slot-1
            victim, survivor = (a, on_b) if owner == "slot-0" else (b, on_a)
            victim.kill()
            killed_at = time.monotonic()

            async def rerun() -> bool:
                current = await survivor.get(task.id)
                return current.attempt == 2 and current.state != task_pb2.TASK_STATE_PENDING

            await eventually(rerun, 35)
            redispatch_seconds = time.monotonic() - killed_at
            done = await survivor.wait(task.id, 60)
            assert done.state == task_pb2.TASK_STATE_COMPLETED
            assert done.result.output == "survived the crash"
            assert done.attempt == 2
            events = [e async for e in survivor.watch(task.id)]
            assert [e.WhichOneof("kind") for e in events].count("finished") == 1
            assert (await survivor.status()).replicas == 1
            print(f"re-dispatch after kill -9: {redispatch_seconds:.1f}s")
            assert redispatch_seconds < 35


async def test_a_chain_whose_runner_replica_is_killed_finishes_on_the_other(
    stub: StubAnthropic, database_url: str
) -> None:
    with (
        serve_process(stub, database_url, extra_args=FAST_RECOVERY) as a,
        serve_process(stub, database_url, extra_args=FAST_RECOVERY) as b,
    ):
        async with a.client() as on_a, b.client() as on_b:
            chain = await on_a.submit_chain(
                [
                    {"name": "slow", "prompt": "[[reply:first]] [[chunks:6]] [[slow:0.5]]"},
                    {"name": "last", "prompt": "[[reply:second after {previous_output}]]"},
                ]
            )

            async def first_step_running() -> bool:
                tasks = (await on_b.list_tasks(chain_id=chain.chain_id)).tasks
                return any(t.state == task_pb2.TASK_STATE_RUNNING for t in tasks)

            await eventually(first_step_running, 60)
            a.kill()  # the chain's runner dies with it, whichever replica runs the step
            done = await asyncio.wait_for(on_b.wait_chain(chain.chain_id), 60)
            assert done.status == chain_pb2.CHAIN_STATUS_COMPLETED
            assert done.result.final_output == "second after first"
            assert [s.name for s in done.result.steps] == ["slow", "last"]


async def test_a_restarted_server_keeps_finished_tasks_and_runs_pending_ones(
    stub: StubAnthropic, database_url: str
) -> None:
    with serve_process(stub, database_url) as first:
        async with first.client() as client:
            finished = await client.run("[[reply:done before the restart]]")
            assert finished.state == task_pb2.TASK_STATE_COMPLETED
    with serve_process(stub, database_url, slots=0) as without_slots:
        async with without_slots.client() as client:
            pending = await client.submit("[[reply:ran after the restart]]")
            assert pending.state == task_pb2.TASK_STATE_PENDING
    with serve_process(stub, database_url) as restarted:
        async with restarted.client() as client:
            kept = await client.get(finished.id)
            assert kept.state == task_pb2.TASK_STATE_COMPLETED
            assert kept.result.output == "done before the restart"
            ran = await client.wait(pending.id, 60)
            assert ran.state == task_pb2.TASK_STATE_COMPLETED
            assert ran.result.output == "ran after the restart"


async def test_concurrent_submitters_on_two_replicas_never_overspend_the_budget(
    stub: StubAnthropic, database_url: str
) -> None:
    budget = ("--budget-usd", "1", "--task-reservation-usd", "0.1")
    with (
        serve_process(stub, database_url, slots=0, extra_args=budget) as a,
        serve_process(stub, database_url, slots=0, extra_args=budget) as b,
    ):
        async with a.client() as on_a, b.client() as on_b:

            async def submit(client: PoolClient, i: int) -> bool:
                try:
                    await client.submit(f"task {i}")
                except BudgetExhaustedError:
                    return False
                return True

            admitted = await asyncio.gather(
                *(submit(on_a if i % 2 else on_b, i) for i in range(40))
            )
            assert sum(admitted) == 10
            status = await on_a.status()
            assert status.reserved_micros == 1_000_000


async def test_a_conversation_continues_on_another_replica_and_after_a_restart(
    stub: StubAnthropic, database_url: str
) -> None:
    """Sessions live in the database, not in a slot: a follow-up may land on any replica, and
    a conversation outlives the server that started it."""
    with serve_process(stub, database_url) as a, serve_process(stub, database_url) as b:
        async with a.client() as on_a, b.client() as on_b:
            first = await on_a.run("my code word is OTTER-3 [[reply:noted OTTER-3]]")
            assert first.session_id
            second = await on_b.run(task_spec("what was it? [[recall]]", continue_from=first.id))
            assert second.result.output == "RECALL[noted OTTER-3]", second.result
            assert second.session_id == first.session_id
    with serve_process(stub, database_url) as restarted:
        async with restarted.client() as client:
            third = await client.run(task_spec("and now? [[recall]]", continue_from=second.id))
            assert third.result.output == "RECALL[RECALL[noted OTTER-3]]", third.result
            session = await client.get_session(first.session_id)
            assert session.turns == 3
            assert session.last_task_id == third.id
