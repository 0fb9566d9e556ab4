"""One unary call as the caller sees it: a request_id, the token, a deadline, and the resends the
retry policy allows, all inside that deadline.

The request_id is set once, before the first attempt, so every resend carries the same one and
the server answers it with the first attempt's reply instead of acting twice.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from claude_pool.errors import from_rpc_error
from claude_pool.retry import RetryPolicy

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp")

Metadata = Sequence[tuple[str, str]]


def new_request_id() -> str:
    """A fresh idempotency key: a UUID v4 in its canonical text form."""
    return str(uuid.uuid4())


def with_request_id(request: Req, request_id: str | None = None) -> Req:
    """Give a mutating request its `request_id`: the caller's, else the one it has, else a new
    UUID v4. Requests without the field are left alone."""
    if "request_id" in request.DESCRIPTOR.fields_by_name:
        if request_id:
            request.request_id = request_id  # type: ignore[attr-defined]
        elif not request.request_id:  # type: ignore[attr-defined]
            request.request_id = new_request_id()  # type: ignore[attr-defined]
    return request


class Caller:
    """Sends unary calls with the client's metadata, default deadline and retry policy."""

    def __init__(
        self,
        metadata: Metadata,
        policy: RetryPolicy,
        default_deadline: float | None,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.metadata = tuple(metadata)
        self.policy = policy
        self.default_deadline = default_deadline
        self.sleep = sleep

    def deadline(self, deadline: float | None) -> float | None:
        """Seconds the call may take: the given ones, else the default; None for no bound."""
        seconds = self.default_deadline if deadline is None else deadline
        return None if seconds is None or math.isinf(seconds) else seconds

    async def unary(
        self,
        method: grpc.aio.UnaryUnaryMultiCallable[Req, Resp],
        request: Req,
        *,
        deadline: float | None = None,
        metadata: Metadata | None = None,
    ) -> Resp:
        """Call `method`, resending on what the policy allows, never past the deadline (seconds
        from now; None: the client's default)."""
        with_request_id(request)
        loop = asyncio.get_running_loop()
        seconds = self.deadline(deadline)
        end = None if seconds is None else loop.time() + seconds
        sent = self.metadata if metadata is None else tuple(metadata)
        failed = 0
        while True:
            timeout = None if end is None else max(0.0, end - loop.time())
            try:
                return await method(request, timeout=timeout, metadata=sent)
            except grpc.aio.AioRpcError as exc:
                error = from_rpc_error(exc)
            failed += 1
            pause = self.policy.delay(error, failed)
            if pause is None or (end is not None and loop.time() + pause >= end):
                raise error from None
            await self.sleep(pause)
