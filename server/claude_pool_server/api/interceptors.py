"""Server interceptors: bearer-token auth, then request ids, structured logs and the error table.

Interceptors only see the method name and metadata, so each wraps the handler it continues to and
re-yields for streams (GRPC-NOTES.md §3.2). The first interceptor in the list is outermost.
"""

from __future__ import annotations

import contextvars
import hmac
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeAlias

import grpc
from grpc.aio import ServerInterceptor

from claude_pool_server.api import status
from claude_pool_server.domain.errors import PoolError
from claude_pool_server.tokens import hash_token

log = logging.getLogger("claude_pool_server.rpc")

Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"
Continuation: TypeAlias = "Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]]"

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

OPEN_METHOD_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
)

READ_METHODS = frozenset(
    {
        "GetTask", "ListTasks", "WaitTask", "WatchTask", "GetChainProgress", "ListChainProgress",
        "WatchChain", "GetContext", "ListContext", "PeekMessages", "CountMessages", "FindSlots",
        "GetStatus", "GetConfig", "GetSessionMetrics",
    }
)  # fmt: skip
ADMIN_METHODS = frozenset(
    {"Drain", "ScaleUp", "ScaleDown", "SetTargetSlots", "SetContext", "DeleteContext"}
)


def required_scope(method: str) -> str:
    name = method.rsplit("/", 1)[-1]
    if name in READ_METHODS:
        return "read"
    if name in ADMIN_METHODS:
        return "admin"
    return "submit"


def _replace_behaviour(
    handler: Handler,
    unary: Callable[[Any], Any],
    stream: Callable[[Any], Any],
) -> Handler:
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(
            unary(handler.unary_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(
            stream(handler.unary_stream),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return handler  # client- and bidi-streaming methods: none in our contract


class AuthInterceptor(ServerInterceptor):
    """With tokens configured, every RPC but health and reflection needs a valid bearer token."""

    def __init__(self, tokens: dict[bytes, frozenset[str]]) -> None:
        self._tokens = tokens  # sha256(token) -> scopes

    def _check(self, metadata: tuple[tuple[str, Any], ...], method: str) -> tuple[str, str] | None:
        header = next((str(v) for k, v in metadata if k == "authorization"), "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return ("UNAUTHENTICATED", "missing bearer token: send 'authorization: Bearer <token>'")
        digest = hash_token(token.strip())
        scopes: frozenset[str] | None = None
        for known, known_scopes in self._tokens.items():
            if hmac.compare_digest(known, digest):
                scopes = known_scopes
        if scopes is None:
            return ("UNAUTHENTICATED", "invalid bearer token")
        needed = required_scope(method)
        if needed not in scopes:
            return ("SCOPE_DENIED", f"this token lacks the {needed!r} scope needed by {method}")
        return None

    async def intercept_service(
        self,
        continuation: Continuation,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        method = handler_call_details.method
        handler = await continuation(handler_call_details)
        if handler is None or method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        problem = self._check(tuple(handler_call_details.invocation_metadata or ()), method)
        if problem is None:
            return handler
        reason, message = problem
        code = (
            grpc.StatusCode.UNAUTHENTICATED
            if reason == "UNAUTHENTICATED"
            else grpc.StatusCode.PERMISSION_DENIED
        )
        denial = status.build_status(code, message, reason, {"method": method})

        def unary(_: Any) -> Any:
            async def deny(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                await context.abort_with_status(denial)

            return deny

        def stream(_: Any) -> Any:
            async def deny(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                await context.abort_with_status(denial)
                yield  # pragma: no cover - makes this an async generator

            return deny

        return _replace_behaviour(handler, unary, stream)


class ObservabilityInterceptor(ServerInterceptor):
    """Gives each call a request id (from `x-request-id` or new), logs it, maps errors."""

    async def intercept_service(
        self,
        continuation: Continuation,
        handler_call_details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        metadata = dict(handler_call_details.invocation_metadata or ())
        incoming = str(metadata.get("x-request-id", ""))

        def begin(context: grpc.aio.ServicerContext[Any, Any]) -> tuple[str, float]:
            request_id = incoming or uuid.uuid4().hex[:16]
            request_id_var.set(request_id)
            context.set_trailing_metadata((("x-request-id", request_id),))
            return request_id, time.monotonic()

        async def fail(
            exc: BaseException, request_id: str, context: grpc.aio.ServicerContext[Any, Any]
        ) -> None:
            if isinstance(exc, PoolError):
                log.info(
                    "rpc %s failed: %s", method, exc.message,
                    extra={"request_id": request_id, "reason": exc.reason},
                )  # fmt: skip
                await context.abort_with_status(status.status_for(exc))
            log.exception("rpc %s crashed", method, extra={"request_id": request_id})
            await context.abort_with_status(status.internal_status(request_id))

        def unary(behaviour: Any) -> Any:
            async def wrapped(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
                request_id, started = begin(context)
                try:
                    response = await behaviour(request, context)
                except grpc.aio.AbortError:
                    raise
                except Exception as exc:
                    await fail(exc, request_id, context)
                    raise
                log.debug(
                    "rpc %s ok in %.1f ms", method, (time.monotonic() - started) * 1000,
                    extra={"request_id": request_id},
                )  # fmt: skip
                return response

            return wrapped

        def stream(behaviour: Any) -> Any:
            async def wrapped(
                request: Any, context: grpc.aio.ServicerContext[Any, Any]
            ) -> AsyncIterator[Any]:
                request_id, _ = begin(context)
                try:
                    async for response in behaviour(request, context):
                        yield response
                except grpc.aio.AbortError:
                    raise
                except Exception as exc:
                    await fail(exc, request_id, context)
                    raise

            return wrapped

        return _replace_behaviour(handler, unary, stream)
