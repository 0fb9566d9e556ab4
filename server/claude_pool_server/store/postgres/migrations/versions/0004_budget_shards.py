"""budget in shards: BUDGET_SHARDS rows per namespace, the money their sum; tasks.seq_no unindexed

Every submission and every settlement updated the pool's one budget row and held its lock until
its commit was flushed, so concurrent tasks queued on it. The existing rows become shard 0; the
other shards are created empty; a task still unsettled has its reservation and its `unfinished`
count moved to its own shard (the one its settlement will release), so the sums stay the same.
The unique constraint on tasks.seq_no (an identity, unique by construction) goes: it was one
more index entry for every row version a task's claim and finish write.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import zlib

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SHARDS = 16  # queries.BUDGET_SHARDS when this migration was written


def shard_of(task_id: str) -> int:
    """store.budget_shard, frozen here."""
    return zlib.crc32(task_id.encode()) % SHARDS


def upgrade() -> None:
    op.drop_constraint("uq_tasks_seq_no", "tasks", type_="unique")
    op.add_column(
        "budget", sa.Column("shard", sa.SmallInteger(), server_default="0", nullable=False)
    )
    op.drop_constraint("pk_budget", "budget", type_="primary")
    op.create_primary_key("pk_budget", "budget", ["namespace", "shard"])
    op.execute(
        f"""
        INSERT INTO budget (namespace, shard)
        SELECT budget.namespace, n FROM budget, generate_series(1, {SHARDS - 1}) AS n
        ON CONFLICT DO NOTHING
        """
    )
    bind = op.get_bind()
    unsettled = bind.execute(
        sa.text(
            "SELECT id, namespace, reserved_micros FROM tasks "
            "WHERE state IN ('pending', 'running') OR lease_expires_at IS NOT NULL"
        )
    ).all()
    move = sa.text(
        """
        UPDATE budget SET
            reserved_micros = reserved_micros
                + CAST(:reserved AS bigint) * CASE WHEN shard = 0 THEN -1 ELSE 1 END,
            unfinished = unfinished + CASE WHEN shard = 0 THEN -1 ELSE 1 END
        WHERE namespace IN ('', :namespace) AND shard IN (0, CAST(:shard AS smallint))
        """
    )
    for task_id, namespace, reserved in unsettled:
        shard = shard_of(task_id)
        if shard != 0:
            bind.execute(move, {"reserved": reserved, "namespace": namespace, "shard": shard})


def downgrade() -> None:
    op.execute(
        """
        UPDATE budget SET spent_micros = total.spent, reserved_micros = total.reserved,
            unfinished = total.unfinished
        FROM (SELECT namespace, sum(spent_micros) AS spent, sum(reserved_micros) AS reserved,
                     sum(unfinished) AS unfinished FROM budget GROUP BY namespace) AS total
        WHERE budget.namespace = total.namespace AND budget.shard = 0
        """
    )
    op.execute("DELETE FROM budget WHERE shard <> 0")
    op.drop_constraint("pk_budget", "budget", type_="primary")
    op.create_primary_key("pk_budget", "budget", ["namespace"])
    op.drop_column("budget", "shard")
    op.create_unique_constraint("uq_tasks_seq_no", "tasks", ["seq_no"])
