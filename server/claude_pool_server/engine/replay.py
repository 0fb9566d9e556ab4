"""Run a mutating call at most once per `request_id` (see domain/replies.py).

Concurrent calls with one key on this replica are serialized, so the second waits and gets the
first's reply; across replicas the store keeps the first reply written (two replicas receiving
the same retry at the same instant may both act, then both answer with the first stored reply).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from claude_pool_server.domain.errors import RequestIdReused
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.replies import REPLY_RETENTION_SECONDS, StoredReply


class ReplyCache:
    def __init__(self, store: PoolStore) -> None:
        self.store = store
        self._locks: dict[str, asyncio.Lock] = {}
        self._waiters: dict[str, int] = {}

    @contextlib.asynccontextmanager
    async def _exclusive(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiters[key] = self._waiters.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._waiters[key] -= 1
            if not self._waiters[key]:
                del self._waiters[key], self._locks[key]

    async def once(
        self,
        key: str,
        request_id: str,
        fingerprint: str,
        act: Callable[[], Awaitable[bytes]],
    ) -> bytes:
        """`act()` the first time; the remembered reply on a retry with the same request."""
        async with self._exclusive(key):
            stored = await self.store.recall_reply(key)
            if stored is None:
                reply = await act()
                stored = await self.store.remember_reply(
                    key, StoredReply(fingerprint, reply), REPLY_RETENTION_SECONDS
                )
        if stored.fingerprint != fingerprint:
            raise RequestIdReused(request_id)
        return stored.reply
