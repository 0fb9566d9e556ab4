"""The `store` fixture: every conformance test runs against InMemoryStore and PostgresStore."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.store.postgres.store import PostgresStore


@pytest_asyncio.fixture(params=["memory", "postgres"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[PoolStore]:
    if request.param == "memory":
        memory = InMemoryStore(lease_seconds=1.0)
        await memory.start()
        yield memory
        await memory.close()
        return
    url = await request.getfixturevalue("pg_databases").create()
    postgres = PostgresStore(url, lease_seconds=1.0)
    await postgres.start()
    try:
        yield postgres
    finally:
        await postgres.close()
        await request.getfixturevalue("pg_databases").drop(url)
