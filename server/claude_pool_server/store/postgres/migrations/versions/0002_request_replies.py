"""request replies: the first reply per (method, request_id), for safe retries

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_replies",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("reply", sa.LargeBinary(), nullable=True),
        sa.Column("replica_id", sa.Text(), server_default="", nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_request_replies")),
    )
    op.create_index(
        "ix_request_replies_create_time", "request_replies", ["create_time"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_request_replies_create_time", table_name="request_replies")
    op.drop_table("request_replies")
