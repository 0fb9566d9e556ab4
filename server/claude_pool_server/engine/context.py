"""Shared context: key/value entries of a namespace, put into the system prompt of every task of
that namespace that starts a session (a continued session keeps the prompt it started with)."""

from __future__ import annotations

from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.errors import ContextNotFound, InvalidArgument
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.engine.settings import PoolSettings

KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./")


class ContextService:
    def __init__(self, store: PoolStore, settings: PoolSettings) -> None:
        self.store = store
        self.settings = settings

    @staticmethod
    def _check_key(key: str) -> None:
        if not key or len(key.encode()) > 128 or not set(key) <= KEY_CHARS:
            raise InvalidArgument(
                "key", "must be 1-128 characters of letters, digits, '_', '-', '.', '/'"
            )

    async def _changed(self, caller: Caller) -> None:
        # running tasks' context caches (every replica) read the namespace's context again
        await self.store.notifier.publish(f"context:{caller.namespace}")

    async def set(self, caller: Caller, key: str, value: str) -> ContextEntry:
        self._check_key(key)
        if len(value.encode()) > self.settings.max_context_value_bytes:
            raise InvalidArgument(
                "value", f"is larger than {self.settings.max_context_value_bytes} bytes"
            )
        entry = await self.store.set_context(caller.namespace, key, value)
        await self._changed(caller)
        return entry

    async def get(self, caller: Caller, key: str) -> ContextEntry:
        self._check_key(key)
        entry = await self.store.get_context(caller.namespace, key)
        if entry is None:
            raise ContextNotFound(key)
        return entry

    async def delete(self, caller: Caller, key: str) -> ContextEntry | None:
        self._check_key(key)
        removed = await self.store.delete_context(caller.namespace, key)
        if removed is not None:
            await self._changed(caller)
        return removed

    async def list(self, caller: Caller, page_size: int, page_token: str) -> ContextPage:
        if page_size < 0:
            raise InvalidArgument("page_size", "must not be negative")
        return await self.store.list_context(
            caller.namespace, min(page_size or 100, 1000), page_token
        )
