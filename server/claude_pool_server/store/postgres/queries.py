"""Every statement PostgresStore runs, as SQLAlchemy Core expressions (no SQL text elsewhere).

The budget statements are single UPDATEs whose WHERE clause re-checks the cap against the row
as it is when the row lock is granted, so two replicas can never both spend the last dollar.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Insert,
    Select,
    Update,
    and_,
    delete,
    func,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.sql.expression import ColumnElement, Executable

from claude_pool_server.domain.tasks import TaskState
from claude_pool_server.store.postgres.tables import (
    budget,
    chains,
    context_entries,
    replicas,
    request_replies,
    slot_messages,
    slots,
    task_events,
    tasks,
)

NOTIFY_CHANNEL = "claude_pool"
SLOT_ALLOCATION_LOCK = 0x636C706F  # "clpo"
BUDGET_ROW = 1

# --- budget -------------------------------------------------------------------------------------


def ensure_budget_row() -> Insert:
    return pg_insert(budget).values(id=BUDGET_ROW).on_conflict_do_nothing()


def read_budget() -> Select[Any]:
    return select(budget.c.spent_micros, budget.c.reserved_micros).where(budget.c.id == BUDGET_ROW)


def apply_budget(reserve: int, release: int, spend: int, cap: int | None) -> Update:
    """Release, spend and reserve in one statement; no row returned means the cap refused it."""
    reserved_after_release = func.greatest(0, budget.c.reserved_micros - release)
    fits: ColumnElement[bool] = true()
    if reserve and cap is not None:
        fits = budget.c.spent_micros + spend + reserved_after_release + reserve <= cap
    return (
        update(budget)
        .where(budget.c.id == BUDGET_ROW, fits)
        .values(
            spent_micros=budget.c.spent_micros + spend,
            reserved_micros=reserved_after_release + reserve,
        )
        .returning(budget.c.spent_micros)
    )


# --- tasks --------------------------------------------------------------------------------------

TASK_COLUMNS = (tasks.c.data, tasks.c.version, tasks.c.last_seq, tasks.c.attempt, tasks.c.seq_no)


def insert_task(row: dict[str, Any]) -> Insert:
    """Insert unless the request id was seen; RETURNING is empty for a duplicate."""
    return (
        pg_insert(tasks)
        .values(**row)
        .on_conflict_do_nothing(
            index_elements=[tasks.c.request_id], index_where=text("request_id <> ''")
        )
        .returning(tasks.c.id)
    )


def task_by_id(task_id: str) -> Select[Any]:
    return select(*TASK_COLUMNS).where(tasks.c.id == task_id)


def task_by_request_id(request_id: str) -> Select[Any]:
    return select(*TASK_COLUMNS).where(tasks.c.request_id == request_id)


def list_tasks(
    state: TaskState | None,
    slot_id: str,
    chain_id: str,
    tags: tuple[str, ...],
    before_seq_no: int | None,
    limit: int,
) -> Select[Any]:
    """Newest first, keyset-paginated on the submission order."""
    query = select(*TASK_COLUMNS).order_by(tasks.c.seq_no.desc()).limit(limit)
    if state is not None:
        query = query.where(tasks.c.state == state.value)
    if slot_id:
        query = query.where(tasks.c.slot_id == slot_id)
    if chain_id:
        query = query.where(tasks.c.chain_id == chain_id)
    if tags:
        query = query.where(tasks.c.tags.overlap(list(tags)))
    if before_seq_no is not None:
        query = query.where(tasks.c.seq_no < before_seq_no)
    return query


def cas_update_task(task_id: str, expected_version: int, row: dict[str, Any]) -> Update:
    return (
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.version == expected_version)
        .values(**row, version=tasks.c.version + 1)
        .returning(*TASK_COLUMNS)
    )


def lock_oldest_claimable(slot_id: str) -> Select[Any]:
    """The oldest PENDING task this slot may run, locked; rows other claimers hold are skipped."""
    return (
        select(*TASK_COLUMNS)
        .where(
            tasks.c.state == TaskState.PENDING.value,
            or_(tasks.c.pinned_slot_id == "", tasks.c.pinned_slot_id == slot_id),
        )
        .order_by(tasks.c.seq_no)
        .limit(1)
        .with_for_update(skip_locked=True)
    )


def task_counts() -> Select[Any]:
    return select(tasks.c.state, func.count()).group_by(tasks.c.state)


def lock_expired_leases(now: datetime) -> Select[Any]:
    return (
        select(*TASK_COLUMNS)
        .where(tasks.c.lease_expires_at < now)
        .order_by(tasks.c.seq_no)
        .with_for_update(skip_locked=True)
    )


def renew_leases(replica_id: str, expires_at: datetime) -> Update:
    return (
        update(tasks)
        .where(tasks.c.replica_id == replica_id, tasks.c.lease_expires_at.is_not(None))
        .values(lease_expires_at=expires_at)
    )


# --- events -------------------------------------------------------------------------------------


def reserve_seqs(task_id: str, count: int) -> Update:
    """Advance the task's last_seq by `count` (locking the row) and return the new value."""
    return (
        update(tasks)
        .where(tasks.c.id == task_id)
        .values(last_seq=tasks.c.last_seq + count)
        .returning(tasks.c.last_seq)
    )


def max_event_seq(task_id: str) -> Select[Any]:
    return select(func.coalesce(func.max(task_events.c.seq), 0)).where(
        task_events.c.task_id == task_id
    )


def insert_events() -> Insert:
    """One INSERT for a whole batch (executemany of the rows)."""
    return task_events.insert()


def read_events(task_id: str, after_seq: int, limit: int) -> Select[Any]:
    return (
        select(task_events.c.seq, task_events.c.time, task_events.c.payload)
        .where(task_events.c.task_id == task_id, task_events.c.seq > after_seq)
        .order_by(task_events.c.seq)
        .limit(limit)
    )


def notify(topic: str) -> Select[Any]:
    return select(func.pg_notify(NOTIFY_CHANNEL, topic))


# --- slots --------------------------------------------------------------------------------------


def upsert_slot(row: dict[str, Any]) -> Insert:
    statement = pg_insert(slots).values(**row)
    return statement.on_conflict_do_update(
        index_elements=[slots.c.id],
        set_={
            "replica_id": statement.excluded.replica_id,
            "state": statement.excluded.state,
            "data": statement.excluded.data,
        },
    )


def slot_by_id(slot_id: str) -> Select[Any]:
    return select(slots.c.data).where(slots.c.id == slot_id)


def all_slots() -> Select[Any]:
    return select(slots.c.data)


def delete_slot(slot_id: str) -> Executable:
    return delete(slots).where(slots.c.id == slot_id).returning(slots.c.id)


def lock_slot_allocation() -> Select[Any]:
    """A transaction-scoped advisory lock: replicas allocate slot ids one at a time."""
    return select(func.pg_advisory_xact_lock(SLOT_ALLOCATION_LOCK))


def slot_owners() -> Select[Any]:
    return select(slots.c.id, slots.c.replica_id, slots.c.state)


def live_replica_ids(stale_before: datetime) -> Select[Any]:
    return select(replicas.c.id).where(
        replicas.c.stopped == 0, replicas.c.heartbeat_at >= stale_before
    )


def slots_of_replicas(replica_ids: list[str]) -> Select[Any]:
    return select(slots.c.data).where(slots.c.replica_id.in_(replica_ids)).with_for_update()


# --- context ------------------------------------------------------------------------------------


def upsert_context(key: str, value: str, now: datetime) -> Insert:
    statement = pg_insert(context_entries).values(key=key, value=value, update_time=now)
    return statement.on_conflict_do_update(
        index_elements=[context_entries.c.key],
        set_={"value": statement.excluded.value, "update_time": statement.excluded.update_time},
    )


def context_by_key(key: str) -> Select[Any]:
    return select(*context_entries.c).where(context_entries.c.key == key)


def delete_context(key: str) -> Executable:
    return delete(context_entries).where(context_entries.c.key == key).returning(*context_entries.c)


def list_context(after_key: str | None, limit: int) -> Select[Any]:
    query = select(*context_entries.c).order_by(context_entries.c.key).limit(limit)
    if after_key is not None:
        query = query.where(context_entries.c.key > after_key)
    return query


# --- chains -------------------------------------------------------------------------------------

CHAIN_COLUMNS = (chains.c.data, chains.c.seq, chains.c.seq_no)


def insert_chain(row: dict[str, Any]) -> Insert:
    """Insert a new chain; RETURNING is empty when the id or the request id is taken."""
    return pg_insert(chains).values(**row).on_conflict_do_nothing().returning(*CHAIN_COLUMNS)


def chain_by_id(chain_id: str) -> Select[Any]:
    return select(*CHAIN_COLUMNS).where(chains.c.id == chain_id)


def chain_by_request_id(request_id: str) -> Select[Any]:
    return select(*CHAIN_COLUMNS).where(chains.c.request_id == request_id)


def cas_update_chain(chain_id: str, expected_seq: int, row: dict[str, Any]) -> Update:
    return (
        update(chains)
        .where(chains.c.id == chain_id, chains.c.seq == expected_seq)
        .values(**row)
        .returning(*CHAIN_COLUMNS)
    )


def list_chains(status: str | None, before_seq_no: int | None, limit: int) -> Select[Any]:
    query = select(*CHAIN_COLUMNS).order_by(chains.c.seq_no.desc()).limit(limit)
    if status is not None:
        query = query.where(chains.c.status == status)
    if before_seq_no is not None:
        query = query.where(chains.c.seq_no < before_seq_no)
    return query


# --- messages -----------------------------------------------------------------------------------

MESSAGE_COLUMNS = (
    slot_messages.c.id,
    slot_messages.c.from_slot_id,
    slot_messages.c.to_slot_id,
    slot_messages.c.content,
    slot_messages.c.create_time,
    slot_messages.c.seq_no,
)


def insert_messages() -> Insert:
    return slot_messages.insert()


def take_messages(slot_id: str) -> Executable:
    """Delete-returning: concurrent takers each get a message at most once."""
    return (
        delete(slot_messages)
        .where(slot_messages.c.to_slot_id == slot_id)
        .returning(*MESSAGE_COLUMNS)
    )


def peek_messages(slot_id: str) -> Select[Any]:
    return (
        select(*MESSAGE_COLUMNS)
        .where(slot_messages.c.to_slot_id == slot_id)
        .order_by(slot_messages.c.seq_no)
    )


def count_messages(slot_id: str) -> Select[Any]:
    return select(func.count()).where(slot_messages.c.to_slot_id == slot_id)


# --- remembered replies -------------------------------------------------------------------------


def lock_reply(key: str) -> Select[Any]:
    return (
        select(request_replies.c.fingerprint, request_replies.c.reply, request_replies.c.replica_id)
        .where(request_replies.c.key == key)
        .with_for_update()
    )


def insert_pending_reply(key: str, fingerprint: str, replica_id: str, now: datetime) -> Insert:
    statement = pg_insert(request_replies).values(
        key=key, fingerprint=fingerprint, reply=None, replica_id=replica_id, create_time=now
    )
    return statement.on_conflict_do_nothing(index_elements=[request_replies.c.key])


def take_over_reply(key: str, fingerprint: str, replica_id: str, now: datetime) -> Update:
    return (
        update(request_replies)
        .where(request_replies.c.key == key)
        .values(fingerprint=fingerprint, replica_id=replica_id, create_time=now)
    )


def finish_reply(key: str, reply: bytes, now: datetime) -> Update:
    return (
        update(request_replies)
        .where(request_replies.c.key == key)
        .values(reply=reply, create_time=now)
    )


def abandon_reply(key: str, replica_id: str) -> Executable:
    return delete(request_replies).where(
        request_replies.c.key == key,
        request_replies.c.replica_id == replica_id,
        request_replies.c.reply.is_(None),
    )


def forget_replies(before: datetime) -> Executable:
    return delete(request_replies).where(
        request_replies.c.create_time < before, request_replies.c.reply.is_not(None)
    )


# --- replicas -----------------------------------------------------------------------------------


def upsert_replica(replica_id: str, now: datetime) -> Insert:
    statement = pg_insert(replicas).values(
        id=replica_id, started_at=now, heartbeat_at=now, stopped=0
    )
    return statement.on_conflict_do_update(
        index_elements=[replicas.c.id], set_={"heartbeat_at": now, "stopped": 0}
    )


def heartbeat_replica(replica_id: str, now: datetime) -> Update:
    return (
        update(replicas)
        .where(replicas.c.id == replica_id, replicas.c.stopped == 0)
        .values(heartbeat_at=now)
        .returning(replicas.c.id)
    )


def stop_replica(replica_id: str) -> Update:
    return update(replicas).where(replicas.c.id == replica_id).values(stopped=1)


def dead_replicas(stale_before: datetime) -> Select[Any]:
    return select(replicas.c.id).where(
        or_(replicas.c.stopped == 1, replicas.c.heartbeat_at < stale_before)
    )


def live_replica_count(stale_before: datetime) -> Select[Any]:
    return select(func.count()).where(
        and_(replicas.c.stopped == 0, replicas.c.heartbeat_at >= stale_before)
    )
