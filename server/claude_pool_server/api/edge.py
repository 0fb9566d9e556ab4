"""The edge: everything a call passes before its handler, in one place and in this order.

1. a request id (from `x-request-id`, or new) for the logs and the client;
2. who is calling (bearer token, or client certificate under mTLS) and whether their scope
   reaches the method (api/methods.py) — before the request body is even parsed;
3. the body parsed (corrupt bytes or bad UTF-8 are INVALID_ARGUMENT, never UNKNOWN) and every
   field checked against its limit (api/limits.py);
4. a replica that knows it cannot reach its database answers UNAVAILABLE at once (retryable;
   health says NOT_SERVING meanwhile) instead of holding each call until the store times out;
5. the handler, with domain errors mapped by the one error table (api/status.py) and anything
   else logged once and answered INTERNAL with the request id;
6. an audit line for every mutating call (api/audit.py).

Health and reflection pass untouched and need no credentials.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeAlias, cast

import grpc
from google.protobuf.message import DecodeError, Message
from grpc.aio import ServerInterceptor

from claude_pool_server.api import limits, status
from claude_pool_server.api.audit import AuditLog
from claude_pool_server.api.faults import FaultInjector
from claude_pool_server.api.methods import METHODS, method_name
from claude_pool_server.api.request_context import caller_var, request_id_var
from claude_pool_server.domain.callers import ANONYMOUS, SCOPES, Caller
from claude_pool_server.domain.errors import InvalidArgument, PoolError, StoreUnavailable
from claude_pool_server.tokens import Credentials

log = logging.getLogger("claude_pool_server.rpc")

Handler: TypeAlias = "grpc.RpcMethodHandler[Any, Any]"
Continuation: TypeAlias = "Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]]"
Context: TypeAlias = "grpc.aio.ServicerContext[Any, Any]"

OPEN_METHOD_PREFIXES = (
    "/grpc.health.v1.Health/",
    "/grpc.reflection.v1.ServerReflection/",
    "/grpc.reflection.v1alpha.ServerReflection/",
)


class Denied(Exception):
    def __init__(self, code: grpc.StatusCode, reason: str, message: str, method: str) -> None:
        super().__init__(message)
        self.code = code
        self.status = status.build_status(code, message, reason, {"method": method})


class Authenticator:
    """Turns a call's metadata and TLS peer into a Caller, or refuses it."""

    def __init__(self, credentials: Credentials, mutual_tls: bool) -> None:
        self.credentials = credentials
        self.mutual_tls = mutual_tls

    def caller(
        self, metadata: tuple[tuple[str, Any], ...], context: Context, method: str
    ) -> Caller:
        header = next((str(v) for k, v in metadata if k == "authorization"), "")
        scheme, _, token = header.partition(" ")
        subject = _certificate_subject(context) if self.mutual_tls else ""
        if not self.credentials:
            if subject:  # mTLS without a tokens file: the CA is the trust boundary
                return Caller(subject)
            return ANONYMOUS
        if header:
            if scheme.lower() != "bearer" or not token.strip():
                raise Denied(
                    grpc.StatusCode.UNAUTHENTICATED,
                    "UNAUTHENTICATED",
                    "malformed authorization header: send 'authorization: Bearer <token>'",
                    method,
                )
            found = self.credentials.by_token(token.strip())
            if found is None:
                raise Denied(
                    grpc.StatusCode.UNAUTHENTICATED,
                    "UNAUTHENTICATED",
                    "invalid bearer token",
                    method,
                )
            return found
        if subject:
            found = self.credentials.by_certificate(subject)
            if found is None:
                raise Denied(
                    grpc.StatusCode.UNAUTHENTICATED,
                    "UNAUTHENTICATED",
                    f"client certificate {subject!r} is not a known principal "
                    "(add a 'cert:<subject>' line to the tokens file) and no bearer token was sent",
                    method,
                )
            return found
        raise Denied(
            grpc.StatusCode.UNAUTHENTICATED,
            "UNAUTHENTICATED",
            "missing bearer token: send 'authorization: Bearer <token>'",
            method,
        )


def _certificate_subject(context: Context) -> str:
    auth = context.auth_context() or {}
    names = list(auth.get("x509_common_name") or [])
    return names[0].decode(errors="replace") if names else ""


def check_scope(caller: Caller, name: str, full_method: str) -> None:
    needed = METHODS[name].scope
    if needed not in caller.scopes:
        raise Denied(
            grpc.StatusCode.PERMISSION_DENIED,
            "SCOPE_DENIED",
            f"principal {caller.principal!r} lacks the {needed!r} scope needed by {name}",
            full_method,
        )


assert set(SCOPES) >= {m.scope for m in METHODS.values()}


class EdgeInterceptor(ServerInterceptor):
    def __init__(
        self,
        authenticator: Authenticator,
        audit: AuditLog,
        faults: FaultInjector | None = None,
        store_problem: Callable[[], str] = lambda: "",
        observe: Callable[[str, str, float], None] = lambda method, code, seconds: None,
    ) -> None:
        self._authenticator = authenticator
        self._audit = audit
        self._faults = faults
        self._store_problem = store_problem
        self._observe = observe  # (method, status code name, seconds): the RPC metrics

    async def intercept_service(
        self, continuation: Continuation, handler_call_details: grpc.HandlerCallDetails
    ) -> Handler | None:
        handler = await continuation(handler_call_details)
        full_method = handler_call_details.method
        if handler is None or full_method.startswith(OPEN_METHOD_PREFIXES):
            return handler
        name = method_name(full_method)
        if name not in METHODS:
            return handler  # not ours (cannot happen with the generated service)
        metadata = tuple(handler_call_details.invocation_metadata or ())
        call = _Call(self, full_method, name, metadata, handler.request_deserializer)
        # grpc.aio handlers are coroutines and async generators; the stubs type them as sync.
        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                call.unary(cast(Any, handler.unary_unary)),
                request_deserializer=None,  # raw bytes: parsed after the caller is checked
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                call.stream(cast(Any, handler.unary_stream)),
                request_deserializer=None,
                response_serializer=handler.response_serializer,
            )
        return handler  # client- and bidi-streaming: none in our contract


class _Call:
    """One method's wrapping; `unary`/`stream` build the behaviour that gRPC calls per request."""

    def __init__(
        self,
        edge: EdgeInterceptor,
        full_method: str,
        name: str,
        metadata: tuple[tuple[str, Any], ...],
        deserializer: Callable[[bytes], Any] | None,
    ) -> None:
        self.edge = edge
        self.full_method = full_method
        self.name = name
        self.metadata = metadata
        self.deserializer = deserializer

    def _begin(self, context: Context) -> str:
        incoming = next((str(v) for k, v in self.metadata if k == "x-request-id"), "")
        request_id = incoming[:64] or uuid.uuid4().hex[:16]
        request_id_var.set(request_id)
        context.set_trailing_metadata((("x-request-id", request_id),))
        return request_id

    async def _admit(self, raw: bytes, context: Context) -> tuple[Caller, Any]:
        """Authenticate, check the scope, parse, check the fields; raise what refuses it."""
        caller = self.edge._authenticator.caller(self.metadata, context, self.full_method)
        check_scope(caller, self.name, self.full_method)
        caller_var.set(caller)
        request: Any = raw
        if self.deserializer is not None:
            try:
                request = self.deserializer(raw)
            except (DecodeError, UnicodeDecodeError, ValueError) as exc:
                reason = str(exc).rsplit(": ", 1)[-1] or "corrupt bytes"
                raise InvalidArgument("request", f"not a valid request message ({reason})") from exc
        if isinstance(request, Message):
            limits.check_request(request)
        if problem := self.edge._store_problem():
            # the replica already knows its database is away: say so now (retryable), rather
            # than hold the call for the store's command timeout
            raise StoreUnavailable(problem)
        faults = self.edge._faults
        if faults is not None and METHODS[self.name].mutating:
            faults.maybe_refuse(self.name, getattr(request, "request_id", ""))
        return caller, request

    async def _fail(self, exc: BaseException, request_id: str, context: Context) -> str:
        """Abort the call for `exc`; returns the status code name for the audit line."""
        if isinstance(exc, Denied):
            await context.abort_with_status(exc.status)
        if isinstance(exc, PoolError):
            log.info(
                "rpc %s failed: %s", self.full_method, exc.message,
                extra={"request_id": request_id, "reason": exc.reason},
            )  # fmt: skip
            await context.abort_with_status(status.status_for(exc))
        log.exception("rpc %s crashed", self.full_method, extra={"request_id": request_id})
        await context.abort_with_status(status.internal_status(request_id))
        raise AssertionError("abort_with_status returns only by raising")  # pragma: no cover

    def unary(self, behaviour: Callable[[Any, Context], Awaitable[Any]]) -> Any:
        async def wrapped(raw: bytes, context: Context) -> Any:
            request_id = self._begin(context)
            started = time.monotonic()
            caller: Caller | None = None
            request: Any = None
            outcome = "OK"
            recorded = False
            try:
                caller, request = await self._admit(raw, context)
                response = await behaviour(request, context)
            except grpc.aio.AbortError:
                outcome = "ABORTED"
                raise
            except BaseException as exc:
                outcome = exc.code.name if isinstance(exc, Denied) else status.code_name(exc)
                if isinstance(exc, Exception):
                    # counted before the caller can see the status _fail sends
                    self._record(caller, request, outcome, request_id, started)
                    recorded = True
                    await self._fail(exc, request_id, context)
                raise
            finally:
                if not recorded:
                    self._record(caller, request, outcome, request_id, started)
            return response

        return wrapped

    def stream(self, behaviour: Callable[[Any, Context], AsyncIterator[Any]]) -> Any:
        async def wrapped(raw: bytes, context: Context) -> AsyncIterator[Any]:
            request_id = self._begin(context)
            started = time.monotonic()
            caller: Caller | None = None
            request: Any = None
            outcome = "OK"
            recorded = False
            try:
                caller, request = await self._admit(raw, context)
                async for response in behaviour(request, context):
                    yield response
            except grpc.aio.AbortError:
                outcome = "ABORTED"
                raise
            except BaseException as exc:
                outcome = exc.code.name if isinstance(exc, Denied) else status.code_name(exc)
                if isinstance(exc, Exception):
                    # counted before the caller can see the status _fail sends
                    self._record(caller, request, outcome, request_id, started)
                    recorded = True
                    await self._fail(exc, request_id, context)
                raise
            finally:
                if not recorded:
                    self._record(caller, request, outcome, request_id, started)

        return wrapped

    def _record(
        self, caller: Caller | None, request: Any, outcome: str, request_id: str, started: float
    ) -> None:
        elapsed = time.monotonic() - started
        self.edge._observe(self.name, outcome, elapsed)
        elapsed_ms = elapsed * 1000
        log.debug(
            "rpc %s %s in %.1f ms", self.full_method, outcome, elapsed_ms,
            extra={"request_id": request_id},
        )  # fmt: skip
        if METHODS[self.name].mutating:
            self.edge._audit.record(self.name, caller, request, outcome, request_id)
