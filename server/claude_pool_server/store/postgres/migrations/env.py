"""Alembic environment, configured in code: the caller passes an open connection."""

from __future__ import annotations

from alembic import context

from claude_pool_server.store.postgres.tables import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
