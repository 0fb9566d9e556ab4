"""The Python client's resend policy over a real gRPC socket (clients/CONFORMANCE.md §1).

Mostly against a stand-in server (FlakyPoolService) that refuses calls the way a test needs, so
the client's policy is exercised exactly: UNAVAILABLE is resent with the same request_id, 4 attempts
in all; RATE_LIMITED with a RetryInfo is resent after its delay; INTERNAL and the rest are not;
no resend outlives the deadline; broken streams resume from their last seq. Last, the real
server with injected faults (it refuses every mutating call's first attempt). Replay of a resent
request is tested in test_retries.py, the whole policy over mutual TLS in
tests/e2e/test_conformance.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
import pytest
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_health.v1 import health, health_pb2_grpc

from claude_pool import (
    DeadlineExceededError,
    HealthStatus,
    InternalError,
    PoolClient,
    QuotaExceededError,
    SyncPoolClient,
    UnavailableError,
)
from claude_pool.v1 import pool_pb2, pool_service_pb2_grpc, task_pb2
from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool_server.driver.fake import FakeDriver
from tests.conftest import ServerFactory

pytestmark = pytest.mark.asyncio

Context = grpc.aio.ServicerContext[Any, Any]


def rich(code: int, message: str, reason: str, delay: float | None = None) -> tuple[Any, ...]:
    """Trailing metadata carrying a google.rpc.Status with an ErrorInfo (and a RetryInfo)."""
    status = status_pb2.Status(code=code, message=message)
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason=reason, domain="claude-pool.dev"))
    if delay is not None:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.CopyFrom(duration_pb2.Duration(nanos=int(delay * 1e9)))
        status.details.add().Pack(retry)
    return (("grpc-status-details-bin", status.SerializeToString()),)


class FlakyPoolService(pool_service_pb2_grpc.PoolServiceServicer):
    """Refuses the first `failures` calls with `refusal`, then answers; records every request,
    its metadata and when it came."""

    def __init__(
        self,
        failures: int,
        refusal: Callable[[Context], Awaitable[None]] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.failures = failures
        self.refusal = refusal or (lambda ctx: ctx.abort(grpc.StatusCode.UNAVAILABLE, "restarting"))
        self.delay = delay
        self.seen: list[Any] = []
        self.metadata: list[dict[str, str]] = []
        self.times: list[float] = []
        self.watch_breaks = 0

    async def _maybe_fail(self, request: Any, context: Context) -> None:
        self.seen.append(request)
        self.metadata.append({k: v for k, v in context.invocation_metadata() or ()})
        self.times.append(time.monotonic())
        if self.delay:
            await asyncio.sleep(self.delay)
        if len(self.seen) <= self.failures:
            await self.refusal(context)

    async def SendMessage(
        self, request: pb.SendMessageRequest, context: Context
    ) -> pb.SendMessageResponse:
        await self._maybe_fail(request, context)
        return pb.SendMessageResponse(
            message=pool_pb2.SlotMessage(id="msg-1", to_slot_id=request.to_slot_id)
        )

    async def GetStatus(
        self, request: pb.GetStatusRequest, context: Context
    ) -> pb.GetStatusResponse:
        await self._maybe_fail(request, context)
        return pb.GetStatusResponse(status=pool_pb2.PoolStatus(total_slots=2))

    async def WatchTask(
        self, request: pb.WatchTaskRequest, context: Context
    ) -> AsyncIterator[pb.WatchTaskResponse]:
        """Events 1..6, the last `finished`; breaks UNAVAILABLE after every 2 events sent, for
        the first `failures` streams."""
        self.seen.append(request)
        for sent, seq in enumerate(range(request.after_seq + 1, 7)):
            if sent == 2 and self.watch_breaks < self.failures:
                self.watch_breaks += 1
                await context.abort(grpc.StatusCode.UNAVAILABLE, "connection reset")
            event = task_pb2.TaskEvent(task_id=request.task_id, seq=seq)
            if seq == 6:
                event.finished.task.id = request.task_id
            else:
                event.text_delta.text = f"{seq} "
            yield pb.WatchTaskResponse(event=event)

    async def RunStream(
        self, request: pb.RunStreamRequest, context: Context
    ) -> AsyncIterator[pb.RunStreamResponse]:
        """Refused at opening `failures` times; then event 1 and a break (WatchTask goes on)."""
        await self._maybe_fail(request, context)
        event = task_pb2.TaskEvent(task_id="task-1", seq=1)
        event.state_change.state = task_pb2.TASK_STATE_PENDING
        yield pb.RunStreamResponse(event=event)
        await context.abort(grpc.StatusCode.UNAVAILABLE, "connection reset")


async def serve(service: FlakyPoolService) -> tuple[grpc.aio.Server, str]:
    server = grpc.aio.server()
    pool_service_pb2_grpc.add_PoolServiceServicer_to_server(service, server)
    health_pb2_grpc.add_HealthServicer_to_server(health.aio.HealthServicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}"


async def with_server(service: FlakyPoolService, body: Callable[[str], Awaitable[None]]) -> None:
    server, address = await serve(service)
    try:
        await body(address)
    finally:
        await server.stop(None)


async def test_a_call_refused_unavailable_is_resent_with_the_same_request_id() -> None:
    service = FlakyPoolService(failures=2)

    async def body(address: str) -> None:
        async with PoolClient(address, token="secret") as client:
            sent = await client.send_message("slot-1", "hello", from_slot_id="slot-0")
        assert sent.id == "msg-1"

    await with_server(service, body)
    assert len(service.seen) == 3
    assert len({r.request_id for r in service.seen}) == 1
    assert service.seen[0].request_id
    assert all(m.get("authorization") == "Bearer secret" for m in service.metadata)
    gaps = [b - a for a, b in zip(service.times, service.times[1:], strict=False)]
    assert 0.07 < gaps[0] < 0.3 and 0.15 < gaps[1] < 0.5  # 100 ms, then 200 ms, ±20 %


async def test_retries_are_bounded_and_then_the_error_is_raised() -> None:
    service = FlakyPoolService(failures=100)

    async def body(address: str) -> None:
        async with PoolClient(address) as client:
            with pytest.raises(UnavailableError):
                await client.send_message("slot-1", "hello", from_slot_id="slot-0")

    await with_server(service, body)
    assert len(service.seen) == 4


async def test_internal_is_not_resent() -> None:
    service = FlakyPoolService(
        failures=1, refusal=lambda ctx: ctx.abort(grpc.StatusCode.INTERNAL, "bug")
    )

    async def body(address: str) -> None:
        async with PoolClient(address) as client:
            with pytest.raises(InternalError):
                await client.send_message("slot-1", "hello")

    await with_server(service, body)
    assert len(service.seen) == 1


async def test_rate_limited_with_retry_info_is_resent_after_the_delay() -> None:
    code = code_pb2.RESOURCE_EXHAUSTED
    service = FlakyPoolService(
        failures=1,
        refusal=lambda ctx: ctx.abort(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "slow down",
            trailing_metadata=rich(code, "slow down", "RATE_LIMITED", delay=0.5),
        ),
    )

    async def body(address: str) -> None:
        async with PoolClient(address) as client:
            await client.send_message("slot-1", "hello")

    await with_server(service, body)
    assert len(service.seen) == 2
    assert len({r.request_id for r in service.seen}) == 1
    assert 0.45 < service.times[1] - service.times[0] < 1.0


async def test_other_resource_exhausted_is_not_resent() -> None:
    code = code_pb2.RESOURCE_EXHAUSTED
    service = FlakyPoolService(
        failures=1,
        refusal=lambda ctx: ctx.abort(
            grpc.StatusCode.RESOURCE_EXHAUSTED,
            "quota",
            trailing_metadata=rich(code, "quota", "QUOTA_EXCEEDED", delay=0.1),
        ),
    )

    async def body(address: str) -> None:
        async with PoolClient(address) as client:
            with pytest.raises(QuotaExceededError) as error:
                await client.send_message("slot-1", "hello")
        assert error.value.retry_delay == pytest.approx(0.1)

    await with_server(service, body)
    assert len(service.seen) == 1


async def test_no_resend_outlives_the_deadline() -> None:
    service = FlakyPoolService(failures=100, delay=0.4)

    async def body(address: str) -> None:
        async with PoolClient(address, default_deadline=0.6) as client:
            started = time.monotonic()
            with pytest.raises((UnavailableError, DeadlineExceededError)):
                await client.status()
            assert time.monotonic() - started < 1.0

    await with_server(service, body)
    assert len(service.seen) <= 2


async def test_a_slow_call_fails_deadline_exceeded_without_a_resend() -> None:
    service = FlakyPoolService(failures=0, delay=1.0)

    async def body(address: str) -> None:
        async with PoolClient(address) as client:
            with pytest.raises(DeadlineExceededError):
                await client.status(deadline=0.2)

    await with_server(service, body)
    assert len(service.seen) == 1


async def test_a_broken_watch_resumes_from_its_last_seq() -> None:
    service = FlakyPoolService(failures=2)

    async def body(address: str) -> None:
        async with PoolClient(address) as client:
            events = [e async for e in client.watch("task-1")]
        assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
        assert events[-1].HasField("finished")

    await with_server(service, body)
    assert [r.after_seq for r in service.seen] == [0, 2, 4]


async def test_run_stream_is_resent_then_followed_by_watch() -> None:
    service = FlakyPoolService(failures=1)

    async def body(address: str) -> None:
        async with PoolClient(address) as client:
            events = [e async for e in client.stream("p")]
        assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]

    await with_server(service, body)
    runs = [r for r in service.seen if isinstance(r, pb.RunStreamRequest)]
    watches = [r for r in service.seen if isinstance(r, pb.WatchTaskRequest)]
    assert len(runs) == 2 and runs[0].request_id == runs[1].request_id
    # WatchTask takes over from seq 1, and (this service breaks it once too) resumes at 3.
    assert [(w.task_id, w.after_seq) for w in watches] == [("task-1", 1), ("task-1", 3)]


class CountingInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self) -> None:
        self.methods: list[str] = []

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        method = details.method
        self.methods.append(method.decode() if isinstance(method, bytes) else method)
        return await continuation(details, request)


async def test_interceptors_see_every_attempt_and_health_needs_no_token() -> None:
    service = FlakyPoolService(failures=1)
    interceptor = CountingInterceptor()

    async def body(address: str) -> None:
        async with PoolClient(address, token="t", interceptors=[interceptor]) as client:
            assert await client.health() == HealthStatus.SERVING
            assert (await client.status()).total_slots == 2

    await with_server(service, body)
    assert interceptor.methods == [
        "/grpc.health.v1.Health/Check",
        "/claude_pool.v1.PoolService/GetStatus",
        "/claude_pool.v1.PoolService/GetStatus",
    ]


async def test_the_sync_client_resends_too() -> None:
    service = FlakyPoolService(failures=1)

    async def body(address: str) -> None:
        def blocking() -> None:
            with SyncPoolClient(address, token="t") as client:
                assert client.status().total_slots == 2
                assert [e.seq for e in client.watch("task-1", after_seq=3)] == [4, 5, 6]

        await asyncio.to_thread(blocking)

    await with_server(service, body)
    assert len([r for r in service.seen if isinstance(r, pb.GetStatusRequest)]) == 2


async def test_the_real_server_refusing_every_first_attempt_still_acts_once(
    make_server: ServerFactory,
) -> None:
    """`--inject-faults`: the real server refuses the first attempt of every mutating call; the
    client resends each with its request_id, and each acts exactly once."""
    pool = await make_server(
        slots=1, max_slots=4, driver=FakeDriver(), server={"inject_faults": True}
    )
    attempts = CountingInterceptor()
    async with PoolClient(pool.server.address, interceptors=[attempts]) as client:
        task = await client.submit("[[reply:once]]")
        assert attempts.methods.count("/claude_pool.v1.PoolService/SubmitTask") == 2
        assert [t.id for t in (await client.list_tasks()).tasks] == [task.id]
        await client.wait(task.id, 30)
        assert await client.scale_up(1) == 2
        await client.send_message("slot-0", "one message", from_slot_id="ci")
        assert await client.count_messages("slot-0") == 1
        assert [m.content for m in await client.read_messages("slot-0")] == ["one message"]
        await client.set_context("k", "v")
        assert await client.delete_context("k") is True
        await client.delete_task(task.id)
        assert not (await client.list_tasks()).tasks
