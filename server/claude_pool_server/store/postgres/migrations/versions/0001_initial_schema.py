"""initial schema

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "budget",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("spent_micros", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("reserved_micros", sa.BigInteger(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_budget")),
    )
    op.create_table(
        "chains",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("seq_no", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("request_id", sa.Text(), server_default="", nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chains")),
        sa.UniqueConstraint("seq_no", name=op.f("uq_chains_seq_no")),
    )
    op.create_index("ix_chains_status_seq_no", "chains", ["status", "seq_no"], unique=False)
    op.create_index(
        "uq_chains_request_id",
        "chains",
        ["request_id"],
        unique=True,
        postgresql_where=sa.text("request_id <> ''"),
    )
    op.create_table(
        "context_entries",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_context_entries")),
    )
    op.create_table(
        "replicas",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_replicas")),
    )
    op.create_table(
        "slot_messages",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("seq_no", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("from_slot_id", sa.Text(), nullable=False),
        sa.Column("to_slot_id", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_messages")),
    )
    op.create_index(
        "ix_slot_messages_to_slot_id_seq_no",
        "slot_messages",
        ["to_slot_id", "seq_no"],
        unique=False,
    )
    op.create_table(
        "slots",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("replica_id", sa.Text(), server_default="", nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slots")),
    )
    op.create_index("ix_slots_replica_id", "slots", ["replica_id"], unique=False)
    op.create_table(
        "task_events",
        sa.Column("task_id", sa.Text(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("task_id", "seq", name=op.f("pk_task_events")),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("seq_no", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("slot_id", sa.Text(), server_default="", nullable=False),
        sa.Column("pinned_slot_id", sa.Text(), server_default="", nullable=False),
        sa.Column("chain_id", sa.Text(), server_default="", nullable=False),
        sa.Column("replica_id", sa.Text(), server_default="", nullable=False),
        sa.Column("request_id", sa.Text(), server_default="", nullable=False),
        sa.Column("tags", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("seq_no", name=op.f("uq_tasks_seq_no")),
    )
    op.create_index("ix_tasks_chain_id", "tasks", ["chain_id"], unique=False)
    op.create_index("ix_tasks_created_at", "tasks", ["created_at"], unique=False)
    op.create_index(
        "ix_tasks_lease_expires_at",
        "tasks",
        ["lease_expires_at"],
        unique=False,
        postgresql_where=sa.text("lease_expires_at IS NOT NULL"),
    )
    op.create_index("ix_tasks_slot_id", "tasks", ["slot_id"], unique=False)
    op.create_index("ix_tasks_state_seq_no", "tasks", ["state", "seq_no"], unique=False)
    op.create_index(
        "uq_tasks_request_id",
        "tasks",
        ["request_id"],
        unique=True,
        postgresql_where=sa.text("request_id <> ''"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_tasks_request_id", table_name="tasks", postgresql_where=sa.text("request_id <> ''")
    )
    op.drop_index("ix_tasks_state_seq_no", table_name="tasks")
    op.drop_index("ix_tasks_slot_id", table_name="tasks")
    op.drop_index(
        "ix_tasks_lease_expires_at",
        table_name="tasks",
        postgresql_where=sa.text("lease_expires_at IS NOT NULL"),
    )
    op.drop_index("ix_tasks_created_at", table_name="tasks")
    op.drop_index("ix_tasks_chain_id", table_name="tasks")
    op.drop_table("tasks")
    op.drop_table("task_events")
    op.drop_index("ix_slots_replica_id", table_name="slots")
    op.drop_table("slots")
    op.drop_index("ix_slot_messages_to_slot_id_seq_no", table_name="slot_messages")
    op.drop_table("slot_messages")
    op.drop_table("replicas")
    op.drop_table("context_entries")
    op.drop_index(
        "uq_chains_request_id", table_name="chains", postgresql_where=sa.text("request_id <> ''")
    )
    op.drop_index("ix_chains_status_seq_no", table_name="chains")
    op.drop_table("chains")
    op.drop_table("budget")
