"""Opening the Postgres store for `serve` and `migrate`: pick the database, check it, migrate.

Every failure here is a ConfigError with one line naming the database host, never a traceback.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from claude_pool_server.config_error import ConfigError
from claude_pool_server.store.postgres import schema
from claude_pool_server.store.postgres.connection import asyncpg_dsn, describe_host
from claude_pool_server.store.postgres.embedded import ensure_database, start_embedded
from claude_pool_server.store.postgres.store import PostgresStore

CONNECT_TIMEOUT_SECONDS = 10.0


async def resolve_database_url(database_url: str, state_dir: str) -> tuple[str, bool]:
    """The URL to use and whether it is the embedded server (started here when needed)."""
    if database_url:
        return database_url, False
    data_dir = Path(state_dir) / "postgres"
    try:
        server_url = await asyncio.to_thread(start_embedded, data_dir)
        return await ensure_database(server_url), True
    except Exception as exc:
        raise ConfigError(
            f"cannot start the embedded PostgreSQL in {data_dir}: {exc} "
            "(pass --database-url to use another server, or --store memory)"
        ) from exc


async def check_connection(database_url: str) -> None:
    try:
        connection = await asyncpg.connect(
            asyncpg_dsn(database_url), timeout=CONNECT_TIMEOUT_SECONDS
        )
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(
            f"cannot connect to PostgreSQL at {describe_host(database_url)}: {reason}"
        ) from exc
    await connection.close()


async def ensure_schema(database_url: str, migrate: bool) -> None:
    """Migrate when asked; otherwise refuse a database whose schema is not the newest."""
    if migrate:
        await schema.migrate(database_url)
        return
    current = await schema.current_revision(database_url)
    head = schema.head_revision()
    if current != head:
        raise ConfigError(
            f"the database schema at {describe_host(database_url)} is out of date "
            f"(revision {current or 'none'}, this server needs {head}): "
            "run `claude-pool migrate` (or start with --migrate)"
        )


async def prepare_database(database_url: str, state_dir: str, migrate: bool) -> str:
    """Resolve, connect and check; the embedded database is private, so it is always migrated."""
    url, embedded = await resolve_database_url(database_url, state_dir)
    await check_connection(url)
    await ensure_schema(url, migrate or embedded)
    return url


async def open_postgres_store(
    database_url: str, state_dir: str, migrate: bool, lease_seconds: float
) -> PostgresStore:
    url = await prepare_database(database_url, state_dir, migrate)
    return PostgresStore(url, lease_seconds=lease_seconds)


async def migrate_database(database_url: str, state_dir: str) -> str:
    """`claude-pool migrate`: returns the line to print."""
    url, _ = await resolve_database_url(database_url, state_dir)
    await check_connection(url)
    await schema.migrate(url)
    return f"database {describe_host(url)} is at schema revision {schema.head_revision()}"
