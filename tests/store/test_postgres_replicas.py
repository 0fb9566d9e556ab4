"""PostgresStore across replicas: two store instances on one database, as two servers have."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import pytest
import pytest_asyncio

from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.budget import Limits
from claude_pool_server.domain.errors import BudgetExhausted
from claude_pool_server.domain.tasks import TextDelta
from claude_pool_server.store.postgres import queries as q
from claude_pool_server.store.postgres.connection import asyncpg_dsn
from claude_pool_server.store.postgres.store import PostgresStore
from tests.conftest import eventually
from tests.store.test_conformance import claim, new_task, submit

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def two_stores(database_url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    a, b = PostgresStore(database_url), PostgresStore(database_url)
    await a.start()
    await b.start()
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


async def test_two_replicas_never_both_spend_the_last_dollar(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    async def admit(store: PostgresStore, i: int) -> bool:
        try:
            await submit(
                store, new_task(f"t{i}", reserved=100_000), limits=Limits(pool_cap=1_000_000)
            )
        except BudgetExhausted:
            return False
        return True

    admitted = await asyncio.gather(*(admit(two_stores[i % 2], i) for i in range(60)))
    assert sum(admitted) == 10
    assert (await two_stores[0].get_budget(None)).reserved_micros == 1_000_000


async def test_events_appended_on_one_replica_wake_a_watcher_on_the_other(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = two_stores
    [task] = await submit(a, new_task())
    topic = f"task:{task.id}"
    seen = b.notifier.version(topic)
    waiter = asyncio.create_task(b.notifier.wait(topic, seen, 30))
    await a.append_events(task.id, [TextDelta("hello")])
    assert await asyncio.wait_for(waiter, 5) > seen  # long before the 30 s poll
    [event] = await b.read_events(task.id, task.last_seq, 10)
    assert event.payload == TextDelta("hello")


async def test_a_replica_alone_sends_no_notify_until_another_registers(
    two_stores: tuple[PostgresStore, PostgresStore], database_url: str
) -> None:
    """A replica alone wakes only its own waiters (no NOTIFY statement per write); the moment a
    second replica registers, its writes reach the newcomer's waiters again, before any
    heartbeat of its own could have told it."""
    a, b = two_stores
    await a.register_replica("replica-a")
    assert await a.heartbeat("replica-a", 30.0, [])
    assert a.notifier.alone
    heard: list[str] = []
    listener = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await listener.add_listener(q.NOTIFY_CHANNEL, lambda *args: heard.append(args[-1]))
        [task] = await submit(a, new_task())
        await a.append_events(task.id, [TextDelta("alone")])
        await asyncio.sleep(0.5)
        # nothing sent for the task (its announcement as it registered may still arrive)
        assert [p for p in heard if "replica:" not in p] == []
        await b.register_replica("replica-b")  # announces itself

        async def a_not_alone() -> bool:
            return not a.notifier.alone

        await eventually(a_not_alone, within=5)
        topic = f"task:{task.id}"
        seen = b.notifier.version(topic)
        waiter = asyncio.create_task(b.notifier.wait(topic, seen, 30))
        await a.append_events(task.id, [TextDelta("together")])
        assert await asyncio.wait_for(waiter, 5) > seen  # long before the 30 s poll

        async def notified() -> bool:
            return any(payload.endswith(topic) for payload in heard)

        await eventually(notified, within=5)
    finally:
        await listener.close()


async def test_publish_reaches_idle_slots_of_every_replica(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    a, b = two_stores
    seen = b.notifier.version("tasks")
    waiter = asyncio.create_task(b.notifier.wait("tasks", seen, 30))
    await a.notifier.publish("tasks")
    assert await asyncio.wait_for(waiter, 5) > seen


async def test_claims_from_two_replicas_take_each_task_once(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    tasks = await submit(two_stores[0], *(new_task(f"t{i}") for i in range(20)))
    claims = await asyncio.gather(
        *(claim(two_stores[i % 2], f"slot-{i}", f"replica-{i % 2}") for i in range(30))
    )
    assert sorted(t.id for t in claims if t) == sorted(t.id for t in tasks)


async def test_events_written_by_two_replicas_read_back_without_a_gap(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    """A replica answers reads from the output it appended itself, never skipping another's."""
    a, b = two_stores
    [task] = await submit(a, new_task())
    await a.append_events(task.id, [TextDelta("one")])
    await b.append_events(task.id, [TextDelta("two")])
    await a.append_events(task.id, [TextDelta("three")])
    for store in (a, b):
        seq, read = task.last_seq, []
        while batch := await store.read_events(task.id, seq, 10):
            read += [e.payload for e in batch]
            seq = batch[-1].seq
        assert read == [TextDelta("one"), TextDelta("two"), TextDelta("three")]


async def read_once(store: PostgresStore, task_id: str, after_seq: int) -> list[object]:
    return [e.payload for e in await store.read_events(task_id, after_seq, 100)]


async def test_one_read_misses_nothing_another_replica_was_notified_of(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    """A watcher waits after a short read instead of reading again (engine/events.py), so a
    replica answering from the output it wrote must not hide what another replica wrote."""
    a, b = two_stores
    [task] = await submit(a, new_task())
    await a.append_events(task.id, [TextDelta("one")])
    topic = f"task:{task.id}"
    seen = a.notifier.version(topic)
    await b.append_events(task.id, [TextDelta("two")])
    await asyncio.wait_for(a.notifier.wait(topic, seen, 30), 5)  # b's NOTIFY reached a
    assert await read_once(a, task.id, task.last_seq) == [TextDelta("one"), TextDelta("two")]


async def test_one_read_misses_nothing_the_replica_wrote_by_another_statement(
    two_stores: tuple[PostgresStore, PostgresStore],
) -> None:
    a, _ = two_stores
    [task] = await submit(a, new_task())
    running = await claim(a, replica="r")
    assert running is not None and running.id == task.id
    await a.append_events(task.id, [TextDelta("one")])
    now = datetime.now(UTC)
    cancelled = await a.transition(task.id, lambda t: lifecycle.cancelled(t, "stop", now))
    read = await read_once(a, task.id, running.last_seq)
    assert read[0] == TextDelta("one") and len(read) == cancelled.last_seq - running.last_seq
