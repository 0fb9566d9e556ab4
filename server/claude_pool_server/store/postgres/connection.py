"""Database URLs: accept what users paste (postgres://, postgresql://); name hosts in errors."""

from __future__ import annotations

from sqlalchemy.engine import make_url


def async_url(url: str) -> str:
    """The SQLAlchemy asyncpg form of a PostgreSQL URL."""
    parsed = make_url(
        url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url
    )
    if parsed.drivername in ("postgresql", "postgresql+asyncpg", "postgresql+psycopg"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def asyncpg_dsn(url: str) -> str:
    """The plain libpq-style DSN asyncpg.connect accepts."""
    return (
        make_url(async_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)
    )


def describe_host(url: str) -> str:
    """`host:port/db` (or the socket directory) for one-line error messages; never the password."""
    parsed = make_url(async_url(url))
    host = parsed.host or str(parsed.query.get("host", "localhost"))
    port = f":{parsed.port}" if parsed.port else ""
    return f"{host}{port}/{parsed.database or ''}"
