"""The Alembic history must build exactly the schema the SQLAlchemy tables describe."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from claude_pool_server.store.postgres import schema
from claude_pool_server.store.postgres.connection import async_url
from claude_pool_server.store.postgres.tables import metadata
from tests.support.postgres import Databases

pytestmark = pytest.mark.asyncio


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_server_default": True})
    return list(compare_metadata(context, metadata))


async def test_migrations_reach_exactly_the_table_definitions(pg_databases: Databases) -> None:
    url = await pg_databases.create_empty()
    try:
        assert await schema.current_revision(url) is None
        await schema.migrate(url)
        await schema.migrate(url)  # idempotent
        assert await schema.current_revision(url) == schema.head_revision()
        engine = create_async_engine(async_url(url))
        try:
            async with engine.connect() as conn:
                assert await conn.run_sync(differences) == []
        finally:
            await engine.dispose()
    finally:
        await pg_databases.drop(url)
