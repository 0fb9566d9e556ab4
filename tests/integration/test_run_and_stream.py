"""Run, RunStream, cost and context through the real CLI against the stub API."""

from __future__ import annotations

import pytest

from claude_pool import task_spec
from claude_pool.v1 import task_pb2
from claude_pool_server.domain.slots import SlotConfig
from tests.conftest import ServerFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_run_returns_the_finished_task_with_the_cli_output(
    make_server: ServerFactory,
) -> None:
    pool = await make_server()
    task = await pool.client.run("say it [[reply:hello from the pool]]")
    assert task.state == task_pb2.TASK_STATE_COMPLETED
    assert task.result.success
    assert task.result.output == "hello from the pool"
    assert task.result.session_id
    assert task.result.turns == 1
    assert task.result.elapsed.ToNanoseconds() > 0
    assert task.slot_id.startswith("slot-")


async def test_run_stream_sends_deltas_in_order_before_the_result(
    make_server: ServerFactory,
) -> None:
    pool = await make_server()
    events = [e async for e in pool.client.stream("[[reply:one two three four five]] [[chunks:5]]")]
    kinds = [e.WhichOneof("kind") for e in events]
    assert kinds[-1] == "finished"
    deltas = [e.text_delta.text for e in events if e.HasField("text_delta")]
    assert len(deltas) == 5
    assert kinds.index("text_delta") < kinds.index("finished")
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    final = events[-1].finished.task
    assert "".join(deltas) == final.result.output == "one two three four five"
    states = [e.state_change.state for e in events if e.HasField("state_change")]
    assert states[:2] == [task_pb2.TASK_STATE_PENDING, task_pb2.TASK_STATE_RUNNING]


async def test_cost_is_this_runs_share_not_the_session_total(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1, model="claude-sonnet-4-5")
    first = await pool.client.run("[[usage:1000000:0]]")  # $3.00 at sonnet-4-5 list price
    second = await pool.client.run(
        task_spec("[[usage:0:100000]]", continue_from=first.id)
    )  # $1.50 on the continued session, whose running total is $4.50
    assert first.result.cost_micros == 3_000_000
    assert second.result.cost_micros == 1_500_000
    assert first.result.model == "claude-sonnet-4-5"
    assert second.result.usage.output_tokens == 100_000
    status = await pool.client.status()
    assert status.spent_micros == 4_500_000
    assert status.reserved_micros == 0


async def test_context_and_slot_identity_reach_the_system_prompt(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(
        slots=1,
        slot_configs=(SlotConfig(name="Ada", role="reviewer", description="Checks the work."),),
        system_prompt="Answer tersely.",
    )
    await pool.client.set_context("team", "blue-whales")
    task = await pool.client.run("what is the team")
    request = pool.stub.messages_requests(session_id=task.result.session_id)[-1]
    assert request.body is not None
    system = str(request.body["system"])
    assert "You are Ada, a reviewer. Checks the work." in system
    assert "Answer tersely." in system
    assert "## Shared Context" in system and "- **team**: blue-whales" in system


async def test_task_overrides_reach_the_cli(make_server: ServerFactory) -> None:
    pool = await make_server()
    task = await pool.client.run(task_spec("override check", model="claude-sonnet-4-5"))
    request = pool.stub.messages_requests(session_id=task.result.session_id)[-1]
    assert request.body is not None and request.body["model"] == "claude-sonnet-4-5"


async def test_submit_with_the_same_request_id_runs_once(make_server: ServerFactory) -> None:
    from claude_pool.v1 import pool_service_pb2 as pb

    pool = await make_server()
    request = pb.SubmitTaskRequest(task=task_spec("idempotent [[reply:x]]"), request_id="rid-1")
    first = await pool.client.stub.SubmitTask(request)
    again = await pool.client.stub.SubmitTask(request)
    assert first.task.id == again.task.id
    listed = await pool.client.list_tasks()
    assert [t.id for t in listed.tasks] == [first.task.id]


async def test_reusing_a_request_id_for_another_request_is_refused(
    make_server: ServerFactory,
) -> None:
    from claude_pool import InvalidArgumentError
    from claude_pool.v1 import pool_service_pb2 as pb

    pool = await make_server()
    first = pb.SubmitTaskRequest(task=task_spec("first [[reply:x]]"), request_id="rid-2")
    await pool.client.stub.SubmitTask(first)
    other = pb.SubmitTaskRequest(task=task_spec("something else"), request_id="rid-2")
    with pytest.raises(InvalidArgumentError) as error:
        await pool.client._call(pool.client.stub.SubmitTask, other)
    assert error.value.reason == "REQUEST_ID_REUSED"
    assert error.value.field_violations[0].field == "request_id"
