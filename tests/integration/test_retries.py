"""A retried mutating call (same request_id) acts once and gets the first reply back.

Run, SubmitTask, FanOut and chains dedupe in the store (test_tasks, test_fan_out, test_chains);
these are the calls answered from remembered replies (api/replay.py).
"""

from __future__ import annotations

import grpc
import pytest

from claude_pool import task_spec
from claude_pool.errors import from_rpc_error
from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool.v1 import task_pb2
from claude_pool_server.driver.fake import FakeDriver, FakeReply
from tests.conftest import ServerFactory

pytestmark = pytest.mark.asyncio


async def test_a_retried_send_message_delivers_one_message(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2, driver=FakeDriver())
    request = pb.SendMessageRequest(
        from_slot_id="slot-0", to_slot_id="slot-1", content="schema moved", request_id="m-1"
    )
    first = await pool.client.stub.SendMessage(request)
    retry = await pool.client.stub.SendMessage(request)
    assert retry.message.id == first.message.id
    assert await pool.client.count_messages("slot-1") == 1


async def test_a_request_id_reused_for_another_request_is_refused(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=2, driver=FakeDriver())
    await pool.client.stub.SendMessage(
        pb.SendMessageRequest(
            from_slot_id="ci", to_slot_id="slot-1", content="one", request_id="m-2"
        )
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await pool.client.stub.SendMessage(
            pb.SendMessageRequest(
                from_slot_id="ci", to_slot_id="slot-1", content="two", request_id="m-2"
            )
        )
    error = from_rpc_error(err.value)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.reason == "REQUEST_ID_REUSED"
    assert [m.content for m in await pool.client.peek_messages("slot-1")] == ["one"]


async def test_a_retried_scale_up_adds_slots_once(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1, max_slots=4, driver=FakeDriver())
    request = pb.ScaleUpRequest(count=2, request_id="s-1")
    first = await pool.client.stub.ScaleUp(request)
    retry = await pool.client.stub.ScaleUp(request)
    assert first.total_slots == retry.total_slots == 3
    assert (await pool.client.status()).total_slots == 3


async def test_a_retried_cancel_succeeds_where_a_second_cancel_is_refused(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, driver=FakeDriver(lambda _: FakeReply(delay=30)))
    task = await pool.client.submit(task_spec("long"))
    request = pb.CancelTaskRequest(task_id=task.id, request_id="c-1")
    first = await pool.client.stub.CancelTask(request)
    retry = await pool.client.stub.CancelTask(request)
    assert first.task.state == retry.task.state == task_pb2.TASK_STATE_CANCELLED
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await pool.client.stub.CancelTask(pb.CancelTaskRequest(task_id=task.id, request_id="c-2"))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION


async def test_a_failed_call_is_not_remembered(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1, driver=FakeDriver())
    request = pb.SendMessageRequest(
        from_slot_id="ci", to_slot_id="slot-1", content="hi", request_id="m-3"
    )
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await pool.client.stub.SendMessage(request)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    await pool.client.scale_up(1)  # now slot-1 exists, so the retry can succeed
    sent = await pool.client.stub.SendMessage(request)
    assert sent.message.to_slot_id == "slot-1"
    assert await pool.client.count_messages("slot-1") == 1
