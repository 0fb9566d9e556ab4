"""Idle slots waiting for a turn, on the Postgres store (the engine with the FakeDriver).

On Postgres a run's report and the claim of the slot's next task are one statement, whose
snapshot still sees the finished task running: a continuation of its session is not claimable
there. The report must then give another idle slot a turn; nothing else would wake it before
its poll (set far off here, so a missed wake-up shows as order, not as a slow test).
"""

from __future__ import annotations

import pytest

from claude_pool_server.domain.runs import RunRequest
from claude_pool_server.domain.tasks import TaskSpec, TaskState
from claude_pool_server.driver.fake import FakeReply
from claude_pool_server.store.postgres.store import PostgresStore
from tests.unit.engine_harness import ALICE, eventually, running

pytestmark = pytest.mark.asyncio

SECONDS = {"first": 0.5, "pinned": 2.0}


def reply(request: RunRequest) -> FakeReply:
    seconds = SECONDS.get(request.prompt, 0.0)
    return FakeReply(chunks=("x",) * 10, delay=seconds / 10, cost_micros=1)


async def test_a_continuation_freed_by_a_report_that_claimed_another_task_runs_at_once(
    database_url: str,
) -> None:
    store = PostgresStore(database_url)
    await store.start()
    try:
        await _scenario(store)
    finally:
        await store.close()


async def _scenario(store: PostgresStore) -> None:
    async with running(reply, store=store, slots=2, poll_interval_seconds=60.0) as h:  # type: ignore[arg-type]
        slot_a, _ = sorted(h.pool.slots.workers)
        base = await h.wait_task(ALICE, (await h.pool.submit(ALICE, TaskSpec("base"))).id)
        session = base.session_id
        first = await h.pool.submit(ALICE, TaskSpec("first", slot_id=slot_a, continue_from=session))

        async def first_runs() -> bool:
            return (await h.pool.get_task(ALICE, first.id)).state is TaskState.RUNNING

        await eventually(first_runs)
        # blocked while `first` holds its session: the idle slot's turn finds nothing
        follow_up = await h.pool.submit(ALICE, TaskSpec("follow-up", continue_from=session))
        # only slot A may take it: A's report of `first` claims it, not the follow-up
        pinned = await h.pool.submit(ALICE, TaskSpec("pinned", slot_id=slot_a))
        done = await h.wait_task(ALICE, follow_up.id, within=10.0)
        assert done.state is TaskState.COMPLETED
        after = await h.pool.get_task(ALICE, pinned.id)
        # the idle slot ran the follow-up while A ran the pinned task, not after it
        assert after.state is TaskState.RUNNING, after.state
        assert done.slot_id != slot_a
        await h.wait_task(ALICE, pinned.id, within=10.0)
