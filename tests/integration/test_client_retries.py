"""The Python client resends a call that failed UNAVAILABLE, with the same request_id.

The server side is a stand-in (FlakyPoolService) on a real gRPC socket that refuses the first
attempts, so the client's retry policy is exercised exactly; replay of the resent request by
the real server is tested in test_retries.py.
"""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from claude_pool import PoolClient, UnavailableError
from claude_pool.v1 import pool_pb2, pool_service_pb2_grpc
from claude_pool.v1 import pool_service_pb2 as pb

pytestmark = pytest.mark.asyncio


class FlakyPoolService(pool_service_pb2_grpc.PoolServiceServicer):
    """Answers UNAVAILABLE `failures` times, then succeeds; records every request it saw."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.seen: list[Any] = []

    async def _maybe_fail(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> None:
        self.seen.append(request)
        if len(self.seen) <= self.failures:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")

    async def SendMessage(
        self, request: pb.SendMessageRequest, context: grpc.aio.ServicerContext[Any, Any]
    ) -> pb.SendMessageResponse:
        await self._maybe_fail(request, context)
        return pb.SendMessageResponse(
            message=pool_pb2.SlotMessage(id="msg-1", to_slot_id=request.to_slot_id)
        )


async def serve(service: FlakyPoolService) -> tuple[grpc.aio.Server, str]:
    server = grpc.aio.server()
    pool_service_pb2_grpc.add_PoolServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}"


async def test_a_call_refused_unavailable_is_resent_with_the_same_request_id() -> None:
    service = FlakyPoolService(failures=2)
    server, address = await serve(service)
    try:
        async with PoolClient(address) as client:
            sent = await client.send_message("slot-1", "hello", from_slot_id="slot-0")
        assert sent.id == "msg-1"
        assert len(service.seen) == 3
        assert len({r.request_id for r in service.seen}) == 1
        assert service.seen[0].request_id
    finally:
        await server.stop(None)


async def test_retries_are_bounded_and_then_the_error_is_raised() -> None:
    service = FlakyPoolService(failures=100)
    server, address = await serve(service)
    try:
        async with PoolClient(address) as client:
            with pytest.raises(UnavailableError):
                await client.send_message("slot-1", "hello", from_slot_id="slot-0")
        assert len(service.seen) == 4
    finally:
        await server.stop(None)
