"""The PostgreSQL schema as SQLAlchemy 2 table definitions; Alembic migrations must match it.

Domain values are kept whole in JSONB `data` columns (simplest to evolve); what queries filter,
order or fence on is a real, indexed column, and those columns win over the JSON copy on read.
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
    # submission order: claims take the lowest, lists show the highest first
    Column("seq_no", BigInteger, Identity(always=True), nullable=False, unique=True),
    Column("state", Text, nullable=False),
    Column("slot_id", Text, nullable=False, server_default=""),
    Column("pinned_slot_id", Text, nullable=False, server_default=""),
    Column("chain_id", Text, nullable=False, server_default=""),
    Column("replica_id", Text, nullable=False, server_default=""),
    Column("request_id", Text, nullable=False, server_default=""),
    Column("tags", ARRAY(Text), nullable=False, server_default="{}"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("last_seq", BigInteger, nullable=False, server_default="0"),
    Column("lease_expires_at", DateTime(timezone=True), nullable=True),
    Column("data", JSONB, nullable=False),
)
Index("ix_tasks_state_seq_no", tasks.c.state, tasks.c.seq_no)
Index("ix_tasks_slot_id", tasks.c.slot_id)
Index("ix_tasks_chain_id", tasks.c.chain_id)
Index("ix_tasks_created_at", tasks.c.created_at)
Index(
    "uq_tasks_request_id",
    tasks.c.request_id,
    unique=True,
    postgresql_where=text("request_id <> ''"),
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

slots = Table(
    "slots",
    metadata,
    Column("id", Text, primary_key=True),
    Column("replica_id", Text, nullable=False, server_default=""),
    Column("state", Text, nullable=False),
    Column("data", JSONB, nullable=False),
)
Index("ix_slots_replica_id", slots.c.replica_id)

budget = Table(
    "budget",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("spent_micros", BigInteger, nullable=False, server_default="0"),
    Column("reserved_micros", BigInteger, nullable=False, server_default="0"),
)

context_entries = Table(
    "context_entries",
    metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
    Column("update_time", DateTime(timezone=True), nullable=False),
)

slot_messages = Table(
    "slot_messages",
    metadata,
    Column("id", Text, primary_key=True),
    Column("seq_no", BigInteger, Identity(always=True), nullable=False),
    Column("from_slot_id", Text, nullable=False),
    Column("to_slot_id", Text, nullable=False),
    Column("content", Text, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False),
)
Index("ix_slot_messages_to_slot_id_seq_no", slot_messages.c.to_slot_id, slot_messages.c.seq_no)

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
    Column("status", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("request_id", Text, nullable=False, server_default=""),
    Column("create_time", DateTime(timezone=True), nullable=False),
    Column("data", JSONB, nullable=False),
)
Index("ix_chains_status_seq_no", chains.c.status, chains.c.seq_no)
Index(
    "uq_chains_request_id",
    chains.c.request_id,
    unique=True,
    postgresql_where=text("request_id <> ''"),
)

# The first reply to a mutating call per (method, request_id), so a retry gets it back.
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
