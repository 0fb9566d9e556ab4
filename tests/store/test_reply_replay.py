"""ReplyCache over each store: one request_id acts once, whichever replicas the retries reach."""

from __future__ import annotations

import asyncio

import pytest

from claude_pool_server.domain.errors import RequestIdReused
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.engine.replay import ReplyCache

pytestmark = pytest.mark.asyncio


async def test_a_retry_on_another_replica_waits_for_the_first_reply(store: PoolStore) -> None:
    await store.register_replica("replica-a")
    await store.register_replica("replica-b")
    on_a, on_b = ReplyCache(store, "replica-a"), ReplyCache(store, "replica-b")
    acted: list[str] = []
    started = asyncio.Event()

    async def slow_act() -> bytes:
        acted.append("a")
        started.set()
        await asyncio.sleep(0.5)
        return b"reply from a"

    async def must_not_act() -> bytes:
        acted.append("b")
        return b"reply from b"

    first = asyncio.create_task(on_a.once("Auto:r1", "r1", "fp", slow_act))
    await started.wait()
    retry = await on_b.once("Auto:r1", "r1", "fp", must_not_act)
    assert retry == await first == b"reply from a"
    assert acted == ["a"]
    with pytest.raises(RequestIdReused):
        await on_b.once("Auto:r1", "r1", "another request", must_not_act)


async def test_after_a_failed_first_call_the_retry_acts(store: PoolStore) -> None:
    await store.register_replica("replica-a")
    cache = ReplyCache(store, "replica-a")

    async def fails() -> bytes:
        raise RuntimeError("the call failed")

    async def works() -> bytes:
        return b"second try"

    with pytest.raises(RuntimeError):
        await cache.once("SendMessage:r2", "r2", "fp", fails)
    assert await cache.once("SendMessage:r2", "r2", "fp", works) == b"second try"
