"""namespaces, sessions, and a task's mutable fields as columns

Every record gains the namespace it belongs to (existing ones: `default`); sessions and their
transcript chunks get tables; the budget keeps one row for the pool ("") and one per namespace;
a task's mutable fields move out of its JSON document into columns (so claiming and finishing
are single UPDATEs), keeping what the client chose (`spec`) and the run's `result` as JSONB.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSONB = postgresql.JSONB(astext_type=sa.Text())


def _namespace() -> sa.Column[str]:
    return sa.Column("namespace", sa.Text(), server_default="default", nullable=False)


def upgrade() -> None:
    # tasks: columns from the JSON document
    for name, kind, default in (
        ("namespace", sa.Text(), "default"),
        ("owner", sa.Text(), ""),
        ("prompt", sa.Text(), ""),
        ("continues", sa.Text(), ""),
        ("forks", sa.Text(), ""),
        ("session_id", sa.Text(), ""),
    ):
        op.add_column("tasks", sa.Column(name, kind, server_default=default, nullable=False))
    op.add_column("tasks", sa.Column("rejection_count", sa.Integer(), server_default="0",
                                     nullable=False))  # fmt: skip
    op.add_column("tasks", sa.Column("reserved_micros", sa.BigInteger(), server_default="0",
                                     nullable=False))  # fmt: skip
    op.add_column("tasks", sa.Column("spec", JSONB, nullable=True))
    op.add_column("tasks", sa.Column("result", JSONB, nullable=True))
    op.add_column("tasks", sa.Column("start_time", sa.DateTime(timezone=True), nullable=True))
    op.add_column("tasks", sa.Column("end_time", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE tasks SET
          prompt = coalesce(data->>'prompt', ''),
          spec = jsonb_set(data->'spec', '{overrides,mcp_servers}', '[]'::jsonb),
          result = CASE WHEN jsonb_typeof(data->'result') = 'object' THEN data->'result' END,
          start_time = (data->>'start_time')::timestamptz,
          end_time = (data->>'end_time')::timestamptz,
          rejection_count = coalesce((data->>'rejection_count')::int, 0),
          reserved_micros = coalesce((data->>'reserved_micros')::bigint, 0),
          session_id = coalesce(data->'result'->>'session_id', '')
        """
    )
    op.alter_column("tasks", "spec", nullable=False)
    op.drop_column("tasks", "data")
    op.drop_index("uq_tasks_request_id", table_name="tasks",
                  postgresql_where=sa.text("request_id <> ''"))  # fmt: skip
    op.drop_index("ix_tasks_state_seq_no", table_name="tasks")
    op.drop_index("ix_tasks_slot_id", table_name="tasks")
    op.drop_index("ix_tasks_created_at", table_name="tasks")
    op.drop_index("ix_tasks_chain_id", table_name="tasks")
    op.create_index("ix_tasks_pending_seq_no", "tasks", ["seq_no"],
                    postgresql_where=sa.text("state = 'pending'"))  # fmt: skip
    op.create_index("ix_tasks_namespace_seq_no", "tasks", ["namespace", "seq_no"])
    op.create_index("ix_tasks_namespace_state", "tasks", ["namespace", "state"])
    op.create_index("ix_tasks_chain_id", "tasks", ["chain_id"],
                    postgresql_where=sa.text("chain_id <> ''"))  # fmt: skip
    op.create_index("ix_tasks_session_id", "tasks", ["session_id"],
                    postgresql_where=sa.text("session_id <> ''"))  # fmt: skip
    op.create_index("ix_tasks_end_time", "tasks", ["end_time"],
                    postgresql_where=sa.text("end_time IS NOT NULL"))  # fmt: skip
    op.create_index("uq_tasks_namespace_request_id", "tasks", ["namespace", "request_id"],
                    unique=True, postgresql_where=sa.text("request_id <> ''"))  # fmt: skip
    op.create_index("uq_tasks_running_session_id", "tasks", ["session_id"], unique=True,
                    postgresql_where=sa.text("state = 'running' AND session_id <> ''"))  # fmt: skip

    # sessions and their transcripts
    op.create_table(
        "sessions",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("namespace", sa.Text(), nullable=False),
        sa.Column("owner", sa.Text(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("forked_from", sa.Text(), server_default="", nullable=False),
        sa.Column("first_task_id", sa.Text(), server_default="", nullable=False),
        sa.Column("last_task_id", sa.Text(), server_default="", nullable=False),
        sa.Column("turns", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("model", sa.Text(), server_default="", nullable=False),
        sa.Column("transcript_bytes", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("slot_id", sa.Text(), server_default="", nullable=False),
        sa.Column("start_key", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index("ix_sessions_namespace_owner_update_time", "sessions",
                    ["namespace", "owner", "update_time"])  # fmt: skip
    op.create_table(
        "session_chunks",
        sa.Column("session_id", sa.Text(), nullable=False),
        sa.Column("seq_no", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("chunk", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "seq_no", name=op.f("pk_session_chunks")),
    )

    # budget: the pool ("") and each namespace
    op.rename_table("budget", "budget_v1")
    op.execute("ALTER TABLE budget_v1 RENAME CONSTRAINT pk_budget TO pk_budget_v1")
    op.create_table(
        "budget",
        sa.Column("namespace", sa.Text(), nullable=False),
        sa.Column("spent_micros", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reserved_micros", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("unfinished", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("namespace", name=op.f("pk_budget")),
    )
    op.execute(
        """
        INSERT INTO budget (namespace, spent_micros, reserved_micros, unfinished)
        SELECT ns, coalesce(b.spent_micros, 0), coalesce(b.reserved_micros, 0),
               (SELECT count(*) FROM tasks WHERE state IN ('pending', 'running', 'pending_review'))
        FROM (VALUES (''), ('default')) AS v(ns) LEFT JOIN budget_v1 b ON b.id = 1
        """
    )
    op.drop_table("budget_v1")

    # context, messages and chains belong to a namespace
    op.add_column("context_entries", _namespace())
    op.execute("ALTER TABLE context_entries DROP CONSTRAINT pk_context_entries")
    op.create_primary_key("pk_context_entries", "context_entries", ["namespace", "key"])
    op.alter_column("context_entries", "namespace", server_default=None)
    op.add_column("slot_messages", _namespace())
    op.drop_index("ix_slot_messages_to_slot_id_seq_no", table_name="slot_messages")
    op.create_index("ix_slot_messages_namespace_to_slot_id_seq_no", "slot_messages",
                    ["namespace", "to_slot_id", "seq_no"])  # fmt: skip
    op.add_column("chains", _namespace())
    op.drop_index("uq_chains_request_id", table_name="chains",
                  postgresql_where=sa.text("request_id <> ''"))  # fmt: skip
    op.create_index("uq_chains_namespace_request_id", "chains", ["namespace", "request_id"],
                    unique=True, postgresql_where=sa.text("request_id <> ''"))  # fmt: skip
    op.create_index("ix_chains_namespace_seq_no", "chains", ["namespace", "seq_no"])


def downgrade() -> None:
    raise NotImplementedError("0003 moves task data into columns; restore a backup to go back")
