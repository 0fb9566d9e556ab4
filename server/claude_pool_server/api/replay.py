"""`@replayed`: make a unary handler answer a retried `request_id` with its first reply."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from google.protobuf.message import Message

from claude_pool_server.api.request_context import current_caller
from claude_pool_server.engine.replay import ReplyCache


class _HasReplies(Protocol):
    replies: ReplyCache


Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
Handler = Callable[[Any, Req, Any], Awaitable[Resp]]


def fingerprint(request: Message) -> str:
    """Hash of the request as the client meant it: every field but `request_id`."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("request_id")
    return hashlib.sha256(copy.SerializeToString(deterministic=True)).hexdigest()


def replayed(response_type: type[Resp]) -> Callable[[Handler[Req, Resp]], Handler[Req, Resp]]:
    def decorate(handler: Handler[Req, Resp]) -> Handler[Req, Resp]:
        @functools.wraps(handler)
        async def wrapper(self: _HasReplies, request: Req, context: Any) -> Resp:
            request_id: str = getattr(request, "request_id", "")
            if not request_id:
                return await handler(self, request, context)

            async def act() -> bytes:
                return (await handler(self, request, context)).SerializeToString()

            namespace = current_caller().namespace  # one namespace's ids never replay another's
            key = f"{namespace}:{request.DESCRIPTOR.full_name}:{request_id}"
            reply = await self.replies.once(key, request_id, fingerprint(request), act)
            return response_type.FromString(reply)

        return wrapper

    return decorate
