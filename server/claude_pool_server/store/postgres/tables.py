"""The PostgreSQL schema as SQLAlchemy 2 table definitions; Alembic migrations must match it.

This is the schema's one source of truth (tests/store/test_schema.py checks the migrations reach
it); the store itself runs hand-written SQL over asyncpg (queries.py). A task's mutable fields
are real columns, so the hot transitions (claim, finish) are single UPDATEs; what a client chose
(its spec) and a run's result are JSONB. Values whose shape may grow (slots, chains) stay JSONB.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Text, primary_key=True),
    # submission order: claims take the lowest, lists show the highest first; unique by
    # construction (an identity), so no index of its own (one more entry per row version on
    # the hot path): ix_tasks_namespace_seq_no serves the listings
    Column("seq_no", BigInteger, Identity(always=True), nullable=False),
    Column("namespace", Text, nullable=False, server_default="default"),
    Column("owner", Text, nullable=False, server_default=""),
    Column("state", Text, nullable=False),
    Column("prompt", Text, nullable=False, server_default=""),
    Column("spec", JSONB, nullable=False),
    Column("slot_id", Text, nullable=False, server_default=""),
    Column("pinned_slot_id", Text, nullable=False, server_default=""),
    Column("chain_id", Text, nullable=False, server_default=""),
    Column("replica_id", Text, nullable=False, server_default=""),
    Column("request_id", Text, nullable=False, server_default=""),
    Column("tags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("start_time", DateTime(timezone=True), nullable=True),
    Column("end_time", DateTime(timezone=True), nullable=True),
    Column("version", BigInteger, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("rejection_count", Integer, nullable=False, server_default="0"),
    Column("reserved_micros", BigInteger, nullable=False, server_default="0"),
    Column("continues", Text, nullable=False, server_default=""),
    Column("forks", Text, nullable=False, server_default=""),
    Column("session_id", Text, nullable=False, server_default=""),
    Column("result", JSONB, nullable=True),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
)
Index(
    "ix_tasks_pending_seq_no",
    tasks.c.seq_no,
    postgresql_where=text("state = 'pending'"),
)
Index("ix_tasks_namespace_seq_no", tasks.c.namespace, tasks.c.seq_no)
Index("ix_tasks_namespace_state", tasks.c.namespace, tasks.c.state)
Index("ix_tasks_chain_id", tasks.c.chain_id, postgresql_where=text("chain_id <> ''"))
Index("ix_tasks_session_id", tasks.c.session_id, postgresql_where=text("session_id <> ''"))
Index("ix_tasks_end_time", tasks.c.end_time, postgresql_where=text("end_time IS NOT NULL"))
Index(
    "uq_tasks_namespace_request_id",
    tasks.c.namespace,
    tasks.c.request_id,
    unique=True,
    postgresql_where=text("request_id <> ''"),
)
# One writer per session: at most one running task holds a session.
Index(
    "uq_tasks_running_session_id",
    tasks.c.session_id,
    unique=True,
    postgresql_where=text("state = 'running' AND session_id <> ''"),
)
Index(
    "ix_tasks_lease_expires_at",
    tasks.c.lease_expires_at,
    postgresql_where=text("lease_expires_at IS NOT NULL"),
)

task_events = Table(
    "task_events",
    metadata,
    Column("task_id", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("payload", JSONB, nullable=False),
    PrimaryKeyConstraint("task_id", "seq"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", Text, primary_key=True),
    Column("namespace", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    Column("forked_from", Text, nullable=False, server_default=""),
    Column("first_task_id", Text, nullable=False, server_default=""),
    Column("last_task_id", Text, nullable=False, server_default=""),
    Column("turns", BigInteger, nullable=False, server_default="0"),
    Column("cost_micros", BigInteger, nullable=False, server_default="0"),
    Column("model", Text, nullable=False, server_default=""),
    Column("transcript_bytes", BigInteger, nullable=False, server_default="0"),
    Column("slot_id", Text, nullable=False, server_default=""),
    Column("start_key", Text, nullable=False, server_default=""),
)
Index("ix_sessions_namespace_owner_update_time", sessions.c.namespace, sessions.c.owner,
      sessions.c.update_time)  # fmt: skip

# A session's transcript: one compressed chunk per successful turn, in order.
session_chunks = Table(
    "session_chunks",
    metadata,
    Column("session_id", Text, nullable=False),
    Column("seq_no", BigInteger, Identity(always=True), nullable=False),
    Column("chunk", LargeBinary, nullable=False),
    PrimaryKeyConstraint("session_id", "seq_no"),
)

slots = Table(
    "slots",
    metadata,
    Column("id", Text, primary_key=True),
    Column("replica_id", Text, nullable=False, server_default=""),
    Column("state", Text, nullable=False),
    Column("data", JSONB, nullable=False),
)
Index("ix_slots_replica_id", slots.c.replica_id)

# Money and quota, for the whole pool (namespace "") and per namespace, each the sum of
# queries.BUDGET_SHARDS rows (a task's money always in the same one) so that concurrent tasks do
# not queue on one row.
budget = Table(
    "budget",
    metadata,
    Column("namespace", Text, primary_key=True),
    Column("shard", SmallInteger, primary_key=True, server_default="0"),
    Column("spent_micros", BigInteger, nullable=False, server_default="0"),
    Column("reserved_micros", BigInteger, nullable=False, server_default="0"),
    Column("unfinished", BigInteger, nullable=False, server_default="0"),
)

context_entries = Table(
    "context_entries",
    metadata,
    Column("namespace", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("value", Text, nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("namespace", "key"),
)

slot_messages = Table(
    "slot_messages",
    metadata,
    Column("id", Text, primary_key=True),
    Column("seq_no", BigInteger, Identity(always=True), nullable=False),
    Column("namespace", Text, nullable=False, server_default="default"),
    Column("from_slot_id", Text, nullable=False),
    Column("to_slot_id", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
)
Index(
    "ix_slot_messages_namespace_to_slot_id_seq_no",
    slot_messages.c.namespace,
    slot_messages.c.to_slot_id,
    slot_messages.c.seq_no,
)

replicas = Table(
    "replicas",
    metadata,
    Column("id", Text, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
    Column("stopped", Integer, nullable=False, server_default="0"),
)

chains = Table(
    "chains",
    metadata,
    Column("id", Text, primary_key=True),
    Column("seq_no", BigInteger, Identity(always=True), nullable=False, unique=True),
    Column("namespace", Text, nullable=False, server_default="default"),
    Column("status", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("request_id", Text, nullable=False, server_default=""),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("data", JSONB, nullable=False),
)
Index("ix_chains_namespace_seq_no", chains.c.namespace, chains.c.seq_no)
Index("ix_chains_status_seq_no", chains.c.status, chains.c.seq_no)
Index(
    "uq_chains_namespace_request_id",
    chains.c.namespace,
    chains.c.request_id,
    unique=True,
    postgresql_where=text("request_id <> ''"),
)

# The first reply to a mutating call per (namespace, method, request_id), so a retry gets it back.
request_replies = Table(
    "request_replies",
    metadata,
    Column("key", Text, primary_key=True),
    Column("fingerprint", Text, nullable=False),
    Column("reply", LargeBinary, nullable=True),  # NULL while the first call is acting
    Column("replica_id", Text, nullable=False, server_default=""),
    Column("create_time", DateTime(timezone=True), nullable=False),
)
Index("ix_request_replies_create_time", request_replies.c.create_time)
