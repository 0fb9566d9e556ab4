"""How PostgresStore's sessions plan: a claim must not sort every pending task (queries.py,
SESSION_SETUP says why; bench.control_plane measured it)."""

from __future__ import annotations

import pytest

from claude_pool_server.store.postgres.store import PostgresStore

pytestmark = pytest.mark.asyncio


async def test_every_connection_of_the_store_plans_without_bitmap_scans(database_url: str) -> None:
    store = PostgresStore(database_url, pool_size=3)
    await store.start()
    try:
        connections = [await store.pool.acquire() for _ in range(3)]
        try:
            settings = [await c.fetchval("SHOW enable_bitmapscan") for c in connections]
        finally:
            for connection in connections:
                await store.pool.release(connection)
        assert settings == ["off", "off", "off"]
    finally:
        await store.close()
