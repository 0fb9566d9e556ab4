"""Run a mutating call at most once per `request_id` (see domain/replies.py), across replicas.

The first call claims the key in the store and acts; a concurrent or later retry, on this
replica or another, waits while the claim is pending and answers with the stored reply. Calls
with one key on this replica are also serialized locally, so they do not poll the store.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from claude_pool_server.domain.errors import RequestIdReused
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.replies import REPLY_RETENTION_SECONDS

# How often a retry re-reads a claim another replica holds when no notification came.
PENDING_POLL_SECONDS = 1.0


class ReplyCache:
    def __init__(self, store: PoolStore, replica_id: str) -> None:
        self.store = store
        self.replica_id = replica_id
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
        """`act()` the first time; the first call's reply on a retry with the same request."""
        topic = f"reply:{key}"
        notifier = self.store.notifier
        async with self._exclusive(key):
            while True:
                seen = notifier.version(topic)
                live = await self.store.live_replica_ids() | {self.replica_id}
                stored = await self.store.claim_reply(key, fingerprint, self.replica_id, live)
                if stored is None:
                    return await self._act(key, topic, act)
                if stored.fingerprint != fingerprint:
                    raise RequestIdReused(request_id)
                if stored.reply is not None:
                    return stored.reply
                # another replica is acting on this request right now: wait for its reply
                await notifier.wait(topic, seen, PENDING_POLL_SECONDS)

    async def _act(self, key: str, topic: str, act: Callable[[], Awaitable[bytes]]) -> bytes:
        try:
            reply = await act()
        except BaseException:
            await asyncio.shield(self.store.abandon_reply(key, self.replica_id))
            await self.store.notifier.publish(topic)
            raise
        await self.store.finish_reply(key, reply, REPLY_RETENTION_SECONDS)
        await self.store.notifier.publish(topic)
        return reply
