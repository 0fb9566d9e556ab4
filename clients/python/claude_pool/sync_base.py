"""The machinery under SyncPoolClient: a PoolClient living on a private event loop thread, and
the two ways a blocking method reaches it (await one result; iterate a stream).

SyncPoolClient's methods themselves are generated from PoolClient's (tools/generate_sync.py), so
the two clients cannot drift apart.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping
from typing import Any, Self, TypeVar

import grpc

from claude_pool.client import PoolClient
from claude_pool.connection import DEFAULT_ADDRESS, options_from_env

T = TypeVar("T")


class SyncClientBase:
    """Owns the loop thread and the PoolClient on it. Options are PoolClient's; instead of
    `channel` (a grpc.aio channel belongs to the loop that made it) pass `channel_factory`, a
    function called on the client's loop that returns your channel; `close()` closes it."""

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        *,
        channel_factory: Callable[[], grpc.aio.Channel] | None = None,
        **options: Any,
    ) -> None:
        if "channel" in options:
            raise TypeError("SyncPoolClient takes channel_factory, not channel (see its docstring)")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="claude-pool-client", daemon=True
        )
        self._thread.start()

        self._channel: grpc.aio.Channel | None = None

        async def make() -> PoolClient:
            if channel_factory is not None:
                self._channel = options["channel"] = channel_factory()
            return PoolClient(address, **options)

        try:
            self._client = self._run(make())
        except BaseException:
            self._stop()
            raise
        self.address = address

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> Self:
        """A client configured from CLAUDE_POOL_ADDR (or CLAUDE_POOL_SERVER), CLAUDE_POOL_TOKEN,
        CLAUDE_POOL_CA, CLAUDE_POOL_CERT and CLAUDE_POOL_KEY; `options` override them."""
        return cls(**{**options_from_env(environ), **options})

    @property
    def stub(self) -> Any:
        """The async generated stub of the underlying PoolClient (await it on that loop only)."""
        return self._client.stub

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and stop its loop thread."""
        if self._loop.is_closed():
            return
        try:
            self._run(self._client.close())
            if self._channel is not None:
                self._run(self._channel.close())
        finally:
            self._stop()

    def _stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._loop.is_running():
            self._loop.close()

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the client's loop and wait for its result; an interrupt (Ctrl-C)
        cancels it there."""
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def _iterate(self, stream: AsyncIterator[T]) -> Iterator[T]:
        """Iterate an async stream from this thread; leaving the loop early closes the stream."""

        async def next_item() -> T:
            return await anext(stream)

        try:
            while True:
                try:
                    yield self._run(next_item())
                except StopAsyncIteration:
                    return
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None and not self._loop.is_closed():
                self._run(aclose())
