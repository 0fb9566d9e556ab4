"""The edge interceptor counts a refused RPC before the caller can see its status: a client that
reads /metrics right after its call failed must find that call counted."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import grpc
import pytest

from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool_server.api.audit import AuditLog
from claude_pool_server.api.edge import Authenticator, EdgeInterceptor
from claude_pool_server.domain.errors import InvalidArgument
from claude_pool_server.tokens import Credentials

pytestmark = pytest.mark.asyncio

GET_TASK = "/claude_pool.v1.PoolService/GetTask"


class StatusRecordingContext:
    """A fake of grpc.aio's servicer context: notes what was counted when the status went out."""

    def __init__(self, counted: list[tuple[str, str]]) -> None:
        self._counted = counted
        self.counted_when_sent: list[tuple[str, str]] | None = None

    def set_trailing_metadata(self, _metadata: object) -> None:
        pass

    def auth_context(self) -> dict[str, Any]:
        return {}

    async def abort_with_status(self, _status: object) -> None:
        self.counted_when_sent = list(self._counted)  # grpc.aio sends the status here
        raise grpc.aio.AbortError()


async def test_a_refused_call_is_counted_before_its_status_is_sent() -> None:
    counted: list[tuple[str, str]] = []
    edge = EdgeInterceptor(
        Authenticator(Credentials(), mutual_tls=False),
        AuditLog(),
        observe=lambda method, code, _seconds: counted.append((method, code)),
    )

    async def get_task(_request: object, _context: object) -> pb.GetTaskResponse:
        raise InvalidArgument("task_id", "not a task id")

    async def continuation(_details: object) -> grpc.RpcMethodHandler:
        return grpc.unary_unary_rpc_method_handler(
            get_task,
            request_deserializer=pb.GetTaskRequest.FromString,
            response_serializer=pb.GetTaskResponse.SerializeToString,
        )

    details = SimpleNamespace(method=GET_TASK, invocation_metadata=())
    handler = await edge.intercept_service(continuation, details)  # type: ignore[arg-type]
    assert handler is not None
    context = StatusRecordingContext(counted)
    with pytest.raises(grpc.aio.AbortError):
        await handler.unary_unary(pb.GetTaskRequest(task_id="x").SerializeToString(), context)
    assert context.counted_when_sent == [("GetTask", "INVALID_ARGUMENT")]
    assert counted == [("GetTask", "INVALID_ARGUMENT")]  # once, not again as the call ends
