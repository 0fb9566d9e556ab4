"""Bad input on every RPC gets the precise status and a message that says what to fix."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from claude_pool import task_spec
from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool.v1 import task_pb2
from tests.conftest import ServerFactory

pytestmark = pytest.mark.asyncio

Code = grpc.StatusCode


async def expect(
    call: Callable[[], Awaitable[Any]], code: grpc.StatusCode, reason: str, field: str = ""
) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call()
    error = caught.value
    assert error.code() == code, error.details()
    status = rpc_status.from_call(error)  # type: ignore[arg-type]
    assert status is not None
    infos = [d for d in status.details if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR)]
    info = error_details_pb2.ErrorInfo()
    infos[0].Unpack(info)
    assert (info.reason, info.domain) == (reason, "claude-pool.dev")
    if field:
        bad = error_details_pb2.BadRequest()
        next(d for d in status.details if d.Is(bad.DESCRIPTOR)).Unpack(bad)
        assert bad.field_violations[0].field == field
    return error.details() or ""


def negative(seconds: int) -> duration_pb2.Duration:
    return duration_pb2.Duration(seconds=seconds)


async def test_task_rpcs_reject_bad_input(make_server: ServerFactory) -> None:
    from claude_pool_server.driver.fake import FakeDriver

    pool = await make_server(driver=FakeDriver(), max_prompt_bytes=1000, slots=1)
    stub = pool.client.stub
    bad = Code.INVALID_ARGUMENT
    message = await expect(
        lambda: stub.Run(pb.RunRequest(task=task_spec("   "))),
        bad,
        "INVALID_ARGUMENT",
        "task.prompt",
    )
    assert "must not be empty" in message
    await expect(
        lambda: stub.SubmitTask(pb.SubmitTaskRequest(task=task_spec(""))), bad, "INVALID_ARGUMENT"
    )

    async def run_stream_empty() -> None:
        async for _ in stub.RunStream(pb.RunStreamRequest(task=task_spec(""))):
            pass

    await expect(run_stream_empty, bad, "INVALID_ARGUMENT", "task.prompt")
    message = await expect(
        lambda: stub.SubmitTask(pb.SubmitTaskRequest(task=task_spec("x" * 1001))),
        bad,
        "INVALID_ARGUMENT",
        "task.prompt",
    )
    assert "1001 bytes; the limit is 1000" in message
    budget_spec = task_spec("x")
    budget_spec.overrides.max_budget_micros = -5
    await expect(
        lambda: stub.SubmitTask(pb.SubmitTaskRequest(task=budget_spec)),
        bad,
        "INVALID_ARGUMENT",
        "task.overrides.max_budget_micros",
    )
    await expect(
        lambda: stub.SubmitTask(pb.SubmitTaskRequest(task=task_spec("x", timeout=-1))),
        bad,
        "INVALID_ARGUMENT",
        "task.overrides.timeout",
    )
    await expect(
        lambda: stub.SubmitTask(pb.SubmitTaskRequest(task=task_spec("x", tags=["t"] * 33))),
        bad,
        "INVALID_ARGUMENT",
        "task.tags",
    )
    bypass = task_spec("x", permission_mode=task_pb2.PERMISSION_MODE_BYPASS_PERMISSIONS)
    await expect(
        lambda: stub.SubmitTask(pb.SubmitTaskRequest(task=bypass)),
        Code.PERMISSION_DENIED,
        "PERMISSION_MODE_DENIED",
    )
    await expect(
        lambda: stub.SubmitTask(pb.SubmitTaskRequest(task=task_spec("x", slot_id="slot-99"))),
        Code.NOT_FOUND,
        "SLOT_NOT_FOUND",
    )
    await expect(lambda: stub.GetTask(pb.GetTaskRequest()), bad, "INVALID_ARGUMENT", "task_id")
    message = await expect(
        lambda: stub.GetTask(pb.GetTaskRequest(task_id="task-nope")),
        Code.NOT_FOUND,
        "TASK_NOT_FOUND",
    )
    assert "task-nope" in message
    await expect(
        lambda: stub.ListTasks(pb.ListTasksRequest(page_size=-1)),
        bad,
        "INVALID_ARGUMENT",
        "page_size",
    )
    await expect(
        lambda: stub.ListTasks(pb.ListTasksRequest(page_token="garbage")),
        bad,
        "INVALID_ARGUMENT",
        "page_token",
    )
    await expect(
        lambda: stub.ListTasks(pb.ListTasksRequest(state=99)),  # type: ignore[arg-type]
        bad,
        "INVALID_ARGUMENT",
        "state",
    )
    await expect(
        lambda: stub.WaitTask(pb.WaitTaskRequest(task_id="task-nope")),
        Code.NOT_FOUND,
        "TASK_NOT_FOUND",
    )
    done = await pool.client.run("fine")
    await expect(
        lambda: stub.WaitTask(pb.WaitTaskRequest(task_id=done.id, timeout=negative(-1))),
        bad,
        "INVALID_ARGUMENT",
        "timeout",
    )

    async def watch(task_id: str, after_seq: int) -> None:
        async for _ in stub.WatchTask(pb.WatchTaskRequest(task_id=task_id, after_seq=after_seq)):
            pass

    await expect(lambda: watch("task-nope", 0), Code.NOT_FOUND, "TASK_NOT_FOUND")
    await expect(lambda: watch(done.id, -1), bad, "INVALID_ARGUMENT", "after_seq")
    await expect(lambda: watch(done.id, done.last_seq + 5), Code.OUT_OF_RANGE, "SEQ_OUT_OF_RANGE")
    await expect(
        lambda: stub.CancelTask(pb.CancelTaskRequest(task_id="task-nope")),
        Code.NOT_FOUND,
        "TASK_NOT_FOUND",
    )
    await expect(
        lambda: stub.CancelTask(pb.CancelTaskRequest(task_id=done.id)),
        Code.FAILED_PRECONDITION,
        "ILLEGAL_STATE",
    )
    await expect(
        lambda: stub.ClaimTask(pb.ClaimTaskRequest(slot_id="slot-99")),
        Code.NOT_FOUND,
        "SLOT_NOT_FOUND",
    )
    await expect(lambda: stub.ClaimTask(pb.ClaimTaskRequest()), bad, "INVALID_ARGUMENT", "slot_id")
    await expect(
        lambda: stub.FindSlots(pb.FindSlotsRequest(state=42)),  # type: ignore[arg-type]
        bad,
        "INVALID_ARGUMENT",
        "state",
    )
    await expect(
        lambda: stub.Drain(pb.DrainRequest(timeout=negative(-3))),
        bad,
        "INVALID_ARGUMENT",
        "timeout",
    )
    # nothing was stored by the refused calls
    listed = await pool.client.list_tasks()
    assert [t.id for t in listed.tasks] == [done.id]


async def test_context_rpcs_reject_bad_input(make_server: ServerFactory) -> None:
    from claude_pool_server.driver.fake import FakeDriver

    pool = await make_server(driver=FakeDriver(), max_context_value_bytes=10)
    stub = pool.client.stub
    bad = Code.INVALID_ARGUMENT
    await expect(
        lambda: stub.SetContext(pb.SetContextRequest(key="", value="v")),
        bad,
        "INVALID_ARGUMENT",
        "key",
    )
    await expect(
        lambda: stub.SetContext(pb.SetContextRequest(key="has space", value="v")),
        bad,
        "INVALID_ARGUMENT",
        "key",
    )
    await expect(
        lambda: stub.SetContext(pb.SetContextRequest(key="k", value="x" * 11)),
        bad,
        "INVALID_ARGUMENT",
        "value",
    )
    await expect(
        lambda: stub.GetContext(pb.GetContextRequest(key="missing")),
        Code.NOT_FOUND,
        "CONTEXT_NOT_FOUND",
    )
    await expect(
        lambda: stub.DeleteContext(pb.DeleteContextRequest(key="")), bad, "INVALID_ARGUMENT", "key"
    )
    await expect(
        lambda: stub.ListContext(pb.ListContextRequest(page_token="nope")),
        bad,
        "INVALID_ARGUMENT",
        "page_token",
    )


async def test_context_round_trip_and_paging(make_server: ServerFactory) -> None:
    from claude_pool_server.driver.fake import FakeDriver

    pool = await make_server(driver=FakeDriver())
    for i in range(3):
        await pool.client.set_context(f"k{i}", f"v{i}")
    assert await pool.client.get_context("k1") == "v1"
    first = await pool.client.stub.ListContext(pb.ListContextRequest(page_size=2))
    assert [e.key for e in first.entries] == ["k0", "k1"] and first.next_page_token
    rest = await pool.client.stub.ListContext(
        pb.ListContextRequest(page_size=2, page_token=first.next_page_token)
    )
    assert [e.key for e in rest.entries] == ["k2"] and not rest.next_page_token
    assert await pool.client.delete_context("k1") is True
    assert await pool.client.delete_context("k1") is False
    assert await pool.client.list_context() == {"k0": "v0", "k2": "v2"}
