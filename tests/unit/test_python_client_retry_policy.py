"""The Python client's resend policy (clients/CONFORMANCE.md §1), without a server: which errors
are resent, how long it waits, that the request_id stays, and that no resend outlives the
deadline. A fake stub method stands in for the network."""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import grpc
import pytest
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2, status_pb2

from claude_pool import InternalError, PoolError, RateLimitedError, RetryPolicy, UnavailableError
from claude_pool.calls import Caller, with_request_id
from claude_pool.errors import make_error
from claude_pool.v1 import pool_service_pb2 as pb

pytestmark = pytest.mark.asyncio

UNAVAILABLE = make_error(grpc.StatusCode.UNAVAILABLE, "restarting")


def rate_limited(delay: float | None) -> PoolError:
    info = error_details_pb2.ErrorInfo(reason="RATE_LIMITED", domain="claude-pool.dev")
    status = status_pb2.Status(code=8)
    status.details.add().Pack(info)
    if delay is not None:
        retry = error_details_pb2.RetryInfo()
        retry.retry_delay.CopyFrom(duration_pb2.Duration(nanos=int(delay * 1e9)))
        status.details.add().Pack(retry)
    return make_error(grpc.StatusCode.RESOURCE_EXHAUSTED, "slow down", status)


def rpc_error(
    code: grpc.StatusCode, status: status_pb2.Status | None = None
) -> grpc.aio.AioRpcError:
    trailers = grpc.aio.Metadata()
    if status is not None:
        trailers = grpc.aio.Metadata(("grpc-status-details-bin", status.SerializeToString()))
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), trailers, details="refused")


class FakeMethod:
    """A stub method that fails with `errors` in turn, then answers; records every attempt."""

    def __init__(self, *errors: grpc.aio.AioRpcError, hang: float = 0.0) -> None:
        self.errors = list(errors)
        self.hang = hang
        self.requests: list[Any] = []
        self.timeouts: list[float | None] = []
        self.metadata: list[Any] = []

    async def __call__(
        self, request: Any, *, timeout: float | None = None, metadata: Any = None
    ) -> Any:
        self.requests.append(pb.SendMessageRequest.FromString(request.SerializeToString()))
        self.timeouts.append(timeout)
        self.metadata.append(metadata)
        if self.hang:
            await asyncio.sleep(self.hang)
        if self.errors:
            raise self.errors.pop(0)
        return pb.SendMessageResponse()


class Sleeps:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def caller(sleep: Sleeps, deadline: float | None = None, token: str = "") -> Caller:
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    return Caller(metadata, RetryPolicy(), deadline, sleep=sleep)


def request() -> pb.SendMessageRequest:
    return pb.SendMessageRequest(to_slot_id="slot-1", content="hi")


async def test_backoff_is_100_200_400_ms_with_20_percent_jitter_capped_at_2_s() -> None:
    policy = RetryPolicy()
    rng = random.Random(7)
    for failed, base in ((1, 0.1), (2, 0.2), (3, 0.4)):
        waits = [policy.delay(UNAVAILABLE, failed, rng) for _ in range(200)]
        assert all(w is not None and base * 0.8 <= w <= base * 1.2 for w in waits)
        assert max(w for w in waits if w is not None) > base * 1.1  # the jitter is real
    assert policy.delay(UNAVAILABLE, 4) is None  # 4 attempts in all
    assert RetryPolicy(max_attempts=10).backoff(9) == 2.0


async def test_only_unavailable_and_rate_limited_with_retry_info_are_resent() -> None:
    policy = RetryPolicy()
    assert policy.delay(rate_limited(0.75), 1) == 0.75
    assert policy.delay(rate_limited(None), 1) is None
    for code in (
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.NOT_FOUND,
    ):
        assert policy.delay(make_error(code, ""), 1) is None


async def test_unavailable_is_resent_with_the_same_request_id() -> None:
    sleeps = Sleeps()
    method = FakeMethod(
        rpc_error(grpc.StatusCode.UNAVAILABLE), rpc_error(grpc.StatusCode.UNAVAILABLE)
    )
    await caller(sleeps, token="t").unary(method, request())  # type: ignore[arg-type]
    assert len(method.requests) == 3
    ids = {r.request_id for r in method.requests}
    assert len(ids) == 1
    assert uuid.UUID(ids.pop()).version == 4
    assert len(sleeps.waits) == 2
    assert method.metadata == [(("authorization", "Bearer t"),)] * 3


async def test_resends_stop_after_four_attempts() -> None:
    sleeps = Sleeps()
    method = FakeMethod(*[rpc_error(grpc.StatusCode.UNAVAILABLE)] * 10)
    with pytest.raises(UnavailableError):
        await caller(sleeps).unary(method, request())  # type: ignore[arg-type]
    assert len(method.requests) == 4
    assert len(sleeps.waits) == 3


async def test_internal_is_not_resent() -> None:
    method = FakeMethod(rpc_error(grpc.StatusCode.INTERNAL))
    with pytest.raises(InternalError):
        await caller(Sleeps()).unary(method, request())  # type: ignore[arg-type]
    assert len(method.requests) == 1


async def test_rate_limited_waits_the_servers_delay() -> None:
    limited = status_pb2.Status(code=8, message="refused")
    limited.details.add().Pack(error_details_pb2.ErrorInfo(reason="RATE_LIMITED"))
    limited.details.add().Pack(
        error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(nanos=300_000_000))
    )
    sleeps = Sleeps()
    method = FakeMethod(rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, limited))
    await caller(sleeps).unary(method, request())  # type: ignore[arg-type]
    assert sleeps.waits == [0.3]
    assert len(method.requests) == 2

    no_delay = status_pb2.Status(code=8, message="refused")
    no_delay.details.add().Pack(error_details_pb2.ErrorInfo(reason="RATE_LIMITED"))
    method = FakeMethod(rpc_error(grpc.StatusCode.RESOURCE_EXHAUSTED, no_delay))
    with pytest.raises(RateLimitedError):
        await caller(Sleeps()).unary(method, request())  # type: ignore[arg-type]
    assert len(method.requests) == 1


async def test_no_resend_outlives_the_deadline() -> None:
    # Each attempt takes 0.3 s of a 0.5 s deadline: the second would start after ~0.4 s, and
    # its backoff (0.24 s at least) could not fit; the error is raised instead.
    method = FakeMethod(*[rpc_error(grpc.StatusCode.UNAVAILABLE)] * 10, hang=0.3)
    started = asyncio.get_running_loop().time()
    with pytest.raises(UnavailableError):
        await Caller((), RetryPolicy(initial_backoff=0.3), 0.5).unary(method, request())  # type: ignore[arg-type]
    assert asyncio.get_running_loop().time() - started < 0.9
    assert len(method.requests) == 1
    assert method.timeouts[0] is not None and method.timeouts[0] <= 0.5


async def test_the_default_deadline_applies_unless_a_call_sets_its_own() -> None:
    method = FakeMethod()
    unary = Caller((), RetryPolicy(), 5.0).unary
    await unary(method, request())  # type: ignore[arg-type]
    await unary(method, request(), deadline=1.0)  # type: ignore[arg-type]
    await unary(method, request(), deadline=float("inf"))  # type: ignore[arg-type]
    await Caller((), RetryPolicy(), None).unary(method, request())  # type: ignore[arg-type]
    first, second, unbounded, none = method.timeouts
    assert first is not None and 4.9 < first <= 5.0
    assert second is not None and 0.9 < second <= 1.0
    assert unbounded is None and none is None


async def test_a_given_request_id_is_kept() -> None:
    given = with_request_id(pb.CancelTaskRequest(task_id="t"), "my-id")
    assert given.request_id == "my-id"
    kept = with_request_id(pb.CancelTaskRequest(task_id="t", request_id="set-before"))
    assert kept.request_id == "set-before"
    fresh = with_request_id(pb.CancelTaskRequest(task_id="t"))
    assert uuid.UUID(fresh.request_id).version == 4
    untouched = with_request_id(pb.GetTaskRequest(task_id="t"), "ignored")
    assert untouched.task_id == "t"
