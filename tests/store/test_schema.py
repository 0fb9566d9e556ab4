"""The Alembic history must build exactly the schema the SQLAlchemy tables describe."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import create_async_engine

from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.budget import BudgetState
from claude_pool_server.store.postgres import schema
from claude_pool_server.store.postgres.connection import async_url
from claude_pool_server.store.postgres.store import PostgresStore
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


def _upgrade_to(revision: str) -> Any:
    def run(connection: Connection) -> None:
        command.upgrade(schema.alembic_config(connection), revision)

    return run


async def test_budget_shards_migration_keeps_the_money_and_each_unsettled_task_its_share(
    pg_databases: Databases,
) -> None:
    """0004 splits the budget into shards: the sums stay, and a task still pending releases its
    reservation from its own shard, so a cancel after the upgrade brings `reserved` back to 0."""
    url = await pg_databases.create_empty()
    engine = create_async_engine(async_url(url))
    task_ids = [f"task-{i}" for i in range(6)]  # several shards, shard 0 possibly among them
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to("0003"))
            await conn.execute(
                text("UPDATE budget SET spent_micros = 70, reserved_micros = 600, unfinished = 6")
            )
            for task_id in task_ids:
                await conn.execute(
                    text(
                        "INSERT INTO tasks (id, state, spec, created_at, version, attempt, "
                        "reserved_micros) VALUES (:id, 'pending', '{\"prompt\": \"p\"}', now(), 0, 0, 100)"
                    ),
                    {"id": task_id},
                )
        await schema.migrate(url)
    finally:
        await engine.dispose()
    store = PostgresStore(url)
    await store.start()
    try:
        assert await store.get_budget(None) == BudgetState(70, 600, 6)
        for task_id in task_ids:
            await store.transition(
                task_id, lambda t: lifecycle.cancelled(t, "test", datetime.now(UTC))
            )
        assert await store.get_budget(None) == BudgetState(70, 0, 0)
        assert await store.get_budget("default") == BudgetState(70, 0, 0)
    finally:
        await store.close()
        await pg_databases.drop(url)
