"""Server streams that survive a broken connection (clients/CONFORMANCE.md §1).

A stream whose opening is refused UNAVAILABLE is opened again, as a unary call is resent. A
stream that breaks after it delivered items (UNAVAILABLE, or an end before its last item) is
reopened from the position of the last item it delivered: WatchTask and WatchChain take that
`seq` as `after_seq`, so the caller sees every item once, in order. Each break gets the retry
policy's attempts afresh; a stream that cannot resume (FanOutStream) raises instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, TypeVar

import grpc

from claude_pool.errors import from_rpc_error, make_error
from claude_pool.retry import RetryPolicy

R = TypeVar("R")


async def follow(
    open_call: Callable[[], grpc.aio.UnaryStreamCall[Any, R]],
    policy: RetryPolicy,
    *,
    is_last: Callable[[R], bool] | None = None,
    may_end_after: Callable[[R], bool] | None = None,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
) -> AsyncGenerator[R, None]:
    """Yield the items of `open_call()`'s stream, reopening it (`open_call` reads the caller's
    position) when it breaks. It stops after an item that `is_last`, or when the server ends the
    stream after an item that `may_end_after` (any end is final when neither is given: a stream
    that cannot resume, which raises on a break after its first item instead). Closing this
    generator cancels the open call."""
    resumable = is_last is not None or may_end_after is not None
    failed = 0
    last: R | None = None
    delivered = False
    while True:
        call = open_call()
        got = False
        try:
            async for item in call:
                got = delivered = True
                last = item
                yield item
                if is_last is not None and is_last(item):
                    return
            if not resumable:
                return
            if last is not None and may_end_after is not None and may_end_after(last):
                return
            error = make_error(grpc.StatusCode.UNAVAILABLE, "the stream ended before its last item")
        except grpc.aio.AioRpcError as exc:
            error = from_rpc_error(exc)
        finally:
            call.cancel()
        failed = 1 if got else failed + 1
        pause = None if delivered and not resumable else policy.delay(error, failed)
        if pause is None:
            raise error
        await sleep(pause)
