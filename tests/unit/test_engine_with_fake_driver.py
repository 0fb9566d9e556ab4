"""Engine behaviour with the in-process FakeDriver (fast; each path is also tested with the CLI)."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.errors import (
    BudgetExhausted,
    InvalidArgument,
    QuotaExceeded,
    RateLimited,
    SessionNotFound,
    TaskNotFound,
)
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.ports import Claim, NextClaim, Renewal, RunReport
from claude_pool_server.domain.runs import SessionMode
from claude_pool_server.domain.sessions import SessionPolicy
from claude_pool_server.domain.slots import Slot
from claude_pool_server.domain.tasks import (
    Task,
    TaskOverrides,
    TaskQuery,
    TaskSpec,
    TaskState,
    TextDelta,
)
from claude_pool_server.driver.fake import FakeDriver, FakeReply
from claude_pool_server.engine.pool import Pool
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.workspace.git import GitWorkspaces
from tests.unit.engine_harness import Harness, eventually, running, slow

pytestmark = pytest.mark.asyncio

ALICE = Caller("alice", "team-a")
BOB = Caller("bob", "team-b")
ALICE_TWIN = Caller("alice-2", "team-a")  # same namespace, another principal


def settings(**overrides: object) -> PoolSettings:
    base = PoolSettings(poll_interval_seconds=0.05, slots=2)
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


async def started(pool_settings: PoolSettings, driver: FakeDriver) -> Pool:
    pool = Pool(pool_settings, InMemoryStore(), driver, GitWorkspaces())
    await pool.start()
    return pool


async def test_spent_plus_reserved_never_exceeds_the_cap_under_concurrent_submits() -> None:
    driver = FakeDriver(reply=lambda r: FakeReply(chunks=("x",), delay=0.01, cost_micros=30))
    pool = await started(
        settings(budget_micros=1_000, default_task_reservation_micros=100, slots=4), driver
    )
    store = pool.store
    violations: list[tuple[int, int]] = []

    async def watch_budget() -> None:
        while True:
            budget = await store.get_budget(None)
            if budget.spent_micros + budget.reserved_micros > 1_000:
                violations.append((budget.spent_micros, budget.reserved_micros))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(watch_budget())

    async def submit(i: int) -> bool:
        try:
            await pool.run(ALICE, TaskSpec(prompt=f"p{i}"))
            return True
        except BudgetExhausted:
            return False

    accepted = await asyncio.gather(*(submit(i) for i in range(60)))
    watcher.cancel()
    budget = await store.get_budget(None)
    assert not violations
    assert budget.reserved_micros == 0
    assert budget.spent_micros == 30 * sum(accepted)
    assert sum(accepted) >= 10  # settlement to real cost frees room for more work
    await pool.shutdown(1)


async def test_a_task_reservation_above_the_cap_is_refused_with_the_numbers() -> None:
    pool = await started(settings(budget_micros=500), FakeDriver())
    with pytest.raises(BudgetExhausted) as error:
        await pool.submit(ALICE, TaskSpec("big", overrides=TaskOverrides(max_budget_micros=600)))
    assert (error.value.spent, error.value.reserved, error.value.cap) == (0, 0, 500)
    assert error.value.requested == 600
    await pool.shutdown(1)


async def test_output_is_written_in_batches_not_one_store_write_per_delta() -> None:
    chunks = tuple(f"c{i} " for i in range(200))
    pool = await started(settings(slots=1), FakeDriver(reply=lambda r: FakeReply(chunks=chunks)))
    store = pool.store
    writes: list[int] = []
    original = store.append_events

    async def counting(task_id: str, payloads: list) -> list:  # type: ignore[type-arg]
        writes.append(len(payloads))
        return await original(task_id, payloads)

    store.append_events = counting  # type: ignore[method-assign]
    task = await pool.run(ALICE, TaskSpec("many deltas"))
    assert task.state is TaskState.COMPLETED
    events = await store.read_events(task.id, 0, 1000)
    deltas = [e.payload.text for e in events if isinstance(e.payload, TextDelta)]
    assert "".join(deltas) == "".join(chunks)
    assert len(writes) < 20  # 200 deltas, a handful of appends
    await pool.shutdown(1)


async def test_a_lone_delta_is_written_at_once_not_after_a_timer() -> None:
    """Deltas 20 ms apart each go out alone: no batching timer holds the first one back."""
    driver = FakeDriver(reply=lambda r: FakeReply(chunks=("a", "b", "c"), delay=0.02))
    pool = await started(settings(slots=1), driver)
    writes: list[list[str]] = []
    original = pool.store.append_events

    async def recording(task_id: str, payloads: list) -> list:  # type: ignore[type-arg]
        writes.append([p.text for p in payloads if isinstance(p, TextDelta)])
        return await original(task_id, payloads)

    pool.store.append_events = recording  # type: ignore[method-assign]
    task = await pool.run(ALICE, TaskSpec("stream"))
    assert task.state is TaskState.COMPLETED
    assert [w for w in writes if w] == [["a"], ["b"], ["c"]]
    await pool.shutdown(1)


async def test_a_failed_run_ends_failed_and_releases_its_reservation() -> None:
    driver = FakeDriver(reply=lambda r: FakeReply(success=False, cost_micros=7))
    pool = await started(
        settings(budget_micros=10_000, default_task_reservation_micros=1_000), driver
    )
    task = await pool.run(ALICE, TaskSpec("fails"))
    assert task.state is TaskState.FAILED
    assert task.result is not None and task.result.cost_micros == 7
    budget = await pool.store.get_budget(None)
    assert (budget.spent_micros, budget.reserved_micros) == (7, 0)
    await pool.shutdown(1)


async def test_a_driver_that_raises_ends_its_task_failed_and_frees_the_slot() -> None:
    def broken(request: object) -> FakeReply:
        raise RuntimeError("driver bug")

    pool = await started(
        settings(budget_micros=10_000, default_task_reservation_micros=1_000, slots=1),
        FakeDriver(reply=broken),
    )
    task = await asyncio.wait_for(pool.run(ALICE, TaskSpec("boom")), 5)
    assert task.state is TaskState.FAILED
    assert task.result is not None and task.result.failure is not None
    assert "internal error" in task.result.failure.message
    budget = await pool.store.get_budget(None)
    assert budget.reserved_micros == 0
    (slot,) = await pool.store.list_slots()
    assert slot.current_task_id == ""
    await pool.shutdown(1)


async def test_tasks_pinned_to_a_slot_run_there() -> None:
    pool = await started(settings(slots=3), FakeDriver())
    task = await pool.run(ALICE, TaskSpec("pinned", slot_id="slot-2"))
    assert task.slot_id == "slot-2"
    await pool.shutdown(1)


# --- namespaces -----------------------------------------------------------------------------------


async def test_another_namespace_sees_nothing_and_can_change_nothing() -> None:
    pool = await started(settings(), FakeDriver())
    task = await pool.run(ALICE, TaskSpec("alice's secret"))
    with pytest.raises(TaskNotFound):
        await pool.get_task(BOB, task.id)
    with pytest.raises(TaskNotFound):
        await pool.cancel_task(BOB, task.id)
    with pytest.raises(TaskNotFound):
        await pool.delete_task(BOB, task.id)
    assert (await pool.list_tasks(BOB, TaskQuery())).tasks == []
    assert [t.id for t in (await pool.list_tasks(ALICE, TaskQuery())).tasks] == [task.id]
    status = await pool.status(BOB)
    assert status.counts[TaskState.COMPLETED] == 0 and status.budget.spent_micros == 0
    await pool.shutdown(1)


async def test_the_namespace_quota_and_rate_limit_refuse_with_resource_exhausted() -> None:
    policy = NamespacePolicy("team-a", max_concurrent_tasks=2, submits_per_second=0)
    slow = FakeDriver(reply=lambda r: FakeReply(chunks=("x",), delay=0.5))
    pool = await started(settings(policies={"team-a": policy}, slots=1), slow)
    await pool.submit(ALICE, TaskSpec("one"))
    await pool.submit(ALICE, TaskSpec("two"))
    with pytest.raises(QuotaExceeded):
        await pool.submit(ALICE, TaskSpec("three"))
    await pool.submit(BOB, TaskSpec("another namespace is not counted"))
    await pool.shutdown(1)

    limited = NamespacePolicy("team-a", submits_per_second=2)
    pool = await started(settings(policies={"team-a": limited}), FakeDriver())
    await pool.submit(ALICE, TaskSpec("a"))
    await pool.submit(ALICE, TaskSpec("b"))
    with pytest.raises(RateLimited) as error:
        await pool.submit(ALICE, TaskSpec("c"))
    assert error.value.retry_after_seconds is not None and error.value.retry_after_seconds > 0
    await pool.shutdown(1)


# --- sessions -------------------------------------------------------------------------------------


async def test_each_task_starts_its_own_session_unless_it_continues_one() -> None:
    driver = FakeDriver()
    pool = await started(settings(slots=1), driver)
    first = await pool.run(ALICE, TaskSpec("my secret is 42"))
    unrelated = await pool.run(ALICE, TaskSpec("unrelated"))
    follow_up = await pool.run(ALICE, TaskSpec("what was it?", continue_from=first.id))
    assert first.session_id and unrelated.session_id and follow_up.session_id
    assert unrelated.session_id != first.session_id
    assert follow_up.session_id == first.session_id
    assert driver.seen == [[], [], ["my secret is 42"]]
    session = await pool.get_session(ALICE, first.session_id)
    assert (session.turns, session.first_task_id, session.last_task_id) == (
        2,
        first.id,
        follow_up.id,
    )
    await pool.shutdown(1)


async def test_a_failed_turn_is_not_kept_in_the_session() -> None:
    fail_next = {"on": False}

    def reply(request: object) -> FakeReply:
        return FakeReply(success=not fail_next["on"])

    driver = FakeDriver(reply=reply)  # type: ignore[arg-type]
    pool = await started(settings(slots=1), driver)
    first = await pool.run(ALICE, TaskSpec("first"))
    fail_next["on"] = True
    failed = await pool.run(ALICE, TaskSpec("this one fails", continue_from=first.session_id))
    assert failed.state is TaskState.FAILED
    fail_next["on"] = False
    await pool.run(ALICE, TaskSpec("third", continue_from=first.session_id))
    assert driver.seen[-1] == ["first"]  # not ["first", "this one fails"]
    session = await pool.get_session(ALICE, first.session_id)
    assert session.turns == 2
    await pool.shutdown(1)


async def test_sessions_belong_to_their_principal() -> None:
    pool = await started(settings(), FakeDriver())
    mine = await pool.run(ALICE, TaskSpec("mine"))
    for other in (BOB, ALICE_TWIN):
        with pytest.raises(SessionNotFound):
            await pool.get_session(other, mine.session_id)
        with pytest.raises((SessionNotFound, TaskNotFound)):
            await pool.submit(other, TaskSpec("peek", continue_from=mine.session_id))
        assert (await pool.list_sessions(other, 10, "")).sessions == []
    assert [s.id for s in (await pool.list_sessions(ALICE, 10, "")).sessions] == [mine.session_id]
    await pool.delete_session(ALICE, mine.session_id)
    with pytest.raises(SessionNotFound):
        await pool.submit(ALICE, TaskSpec("again", continue_from=mine.session_id))
    with pytest.raises(SessionNotFound):
        await pool.submit(ALICE, TaskSpec("again", continue_from=mine.id))
    await pool.shutdown(1)


async def test_continue_and_fork_together_is_invalid_and_fork_copies() -> None:
    driver = FakeDriver()
    pool = await started(settings(slots=1), driver)
    base = await pool.run(ALICE, TaskSpec("base"))
    with pytest.raises(InvalidArgument) as error:
        await pool.submit(ALICE, TaskSpec("both", continue_from=base.id, fork_from=base.session_id))
    assert error.value.field == "task.fork_from"
    fork = await pool.run(ALICE, TaskSpec("forked", fork_from=base.id))
    assert fork.session_id != base.session_id
    assert driver.requests[-1].session.mode is SessionMode.FORK
    assert driver.seen[-1] == ["base"]
    assert (await pool.get_session(ALICE, fork.session_id)).forked_from == base.session_id
    assert (await pool.get_session(ALICE, base.session_id)).turns == 1
    await pool.shutdown(1)


async def test_turns_of_one_session_run_one_at_a_time_in_order() -> None:
    driver = FakeDriver(reply=lambda r: FakeReply(chunks=("x",), delay=0.1))
    pool = await started(settings(slots=3), driver)
    base = await pool.run(ALICE, TaskSpec("base"))
    turns = [
        await pool.submit(ALICE, TaskSpec(f"turn {i}", continue_from=base.session_id))
        for i in range(3)
    ]
    done = [(await pool.wait_task(ALICE, t.id, 10))[0] for t in turns]
    starts = [t.start_time for t in done]
    ends = [t.end_time for t in done]
    assert all(s is not None for s in starts) and all(e is not None for e in ends)
    for previous_end, next_start in zip(ends, starts[1:], strict=False):
        assert previous_end is not None and next_start is not None
        assert next_start >= previous_end  # one writer per session
    assert driver.seen[-1] == ["base", "turn 0", "turn 1"]
    await pool.shutdown(1)


async def test_the_slot_policy_keeps_one_session_per_slot_and_ends_it_on_failure() -> None:
    fail = {"on": False}
    driver = FakeDriver(reply=lambda r: FakeReply(success=not fail["on"]))
    pool = await started(settings(slots=1, session_policy=SessionPolicy.SLOT), driver)
    first = await pool.run(ALICE, TaskSpec("one"))
    second = await pool.run(ALICE, TaskSpec("two"))
    assert second.session_id == first.session_id
    other = await pool.run(BOB, TaskSpec("bob's task starts its own"))
    assert other.session_id != first.session_id
    assert driver.seen[-1] == []
    fail["on"] = True
    await pool.run(BOB, TaskSpec("fails"))
    fail["on"] = False
    after = await pool.run(BOB, TaskSpec("after the failure"))
    assert after.session_id not in (first.session_id, other.session_id)
    assert driver.seen[-1] == []
    changed = await pool.run(ALICE, TaskSpec("a model change", overrides=TaskOverrides(model="m2")))
    assert changed.session_id != first.session_id
    await pool.shutdown(1)


class SlowRecoveryStore(InMemoryStore):
    """A fake of a database catching up after a stall: it answers the heartbeat at once, but
    recovery takes longer than a heartbeat is allowed."""

    async def recover(self, max_attempts: int, renewal: Renewal | None = None) -> list[Task]:
        await asyncio.sleep(0.6)
        return await super().recover(max_attempts, renewal)


async def test_a_slow_recovery_after_an_answered_heartbeat_is_not_a_lost_database() -> None:
    """Health must tell the truth both ways: the database answered, so the replica stays
    SERVING and answers calls while a slow recovery finishes (it used to flip to UNAVAILABLE
    right after a stall ended, when the backlog made recovery slow)."""
    async with running(store=SlowRecoveryStore(), heartbeat_seconds=0.1) as h:
        replicas = h.pool.replicas
        for _ in range(4):  # each beat waits 0.2 s for a recovery that needs 0.6 s
            await replicas.beat()
            assert replicas.healthy, replicas.problem
            assert replicas.store_problem() == ""


class StuckRecoveryStore(InMemoryStore):
    """A fake of a database that stopped answering right after it answered the heartbeat."""

    async def recover(self, max_attempts: int, renewal: Renewal | None = None) -> list[Task]:
        await asyncio.Event().wait()
        return []


async def test_a_database_that_stops_answering_during_recovery_is_unhealthy_within_a_lease() -> (
    None
):
    """The other way round: a heartbeat that answered does not cover a recovery that never
    ends (a stall that began mid-beat kept the replica SERVING for as long as it lasted)."""
    async with running(store=StuckRecoveryStore(), heartbeat_seconds=0.05, lease_seconds=0.5) as h:
        replicas = h.pool.replicas
        await replicas.beat()
        assert replicas.healthy  # answered a moment ago
        await asyncio.sleep(0.5)
        await replicas.beat()
        assert not replicas.healthy and "cannot reach the store" in replicas.problem
        h.pool.replicas._beating.cancel()  # type: ignore[union-attr]


class CountingStore(InMemoryStore):
    """A fake that counts how the slots take their tasks."""

    def __init__(self) -> None:
        super().__init__()
        self.claims: list[str] = []  # "claim" (a store call of its own) or "with report"
        self.attempts = 0  # claim_task calls, whether they took a task or not

    async def claim_task(self, slot: Slot, replica_id: str, lease_seconds: float) -> Claim:
        self.attempts += 1
        claim = await super().claim_task(slot, replica_id, lease_seconds)
        if claim.task is not None:
            self.claims.append("claim")
        return claim

    async def finish_run_and_claim(
        self, report: RunReport, claim: NextClaim
    ) -> tuple[Task | None, Task | None]:
        stored, claimed = await InMemoryStore.finish_run_and_claim(self, report, claim)
        if claimed is not None:
            self.claims[-1] = "with report"  # the inner claim_task counted it as "claim"
        return stored, claimed


async def test_a_busy_slot_takes_its_next_task_with_the_report_of_its_run() -> None:
    """A backlog on one slot: after the first claim, each next task comes with the report of
    the run before it (one store call, not two), in submission order."""
    store = CountingStore()
    async with running(lambda r: slow(chunks=2, delay=0.02), store=store, slots=1) as h:
        tasks = [await h.pool.submit(ALICE, TaskSpec(f"t{i}")) for i in range(4)]
        for task in tasks:
            assert (await h.wait_task(ALICE, task.id)).state is TaskState.COMPLETED
        assert h.prompts() == [f"t{i}" for i in range(4)]
        assert store.claims == ["claim", "with report", "with report", "with report"]
        assert h.pool.slots.workers  # one slot, idle again
        assert not any(w.busy for w in h.pool.slots.workers.values())


async def test_a_draining_pool_takes_no_next_task_with_a_report() -> None:
    store = CountingStore()
    async with running(lambda r: slow(chunks=10, delay=0.02), store=store, slots=1) as h:
        first = await h.pool.submit(ALICE, TaskSpec("first"))
        waiting = await h.pool.submit(ALICE, TaskSpec("waiting"))

        async def first_runs() -> bool:
            return (await store.get_task(first.id)).state is TaskState.RUNNING  # type: ignore[union-attr]

        await eventually(first_runs)
        await h.pool.drain(timeout=5)
        assert (await store.get_task(first.id)).state is TaskState.COMPLETED  # type: ignore[union-attr]
        assert (await store.get_task(waiting.id)).state is TaskState.PENDING  # type: ignore[union-attr]
        assert store.claims == ["claim"]


# No poll to fall back on in the next tests: a missed wake-up fails them by their time bound.
NO_POLL = 60.0


async def test_a_submission_wakes_one_idle_slot_not_every_one() -> None:
    """With 8 idle slots a task costs three claims, whatever the number of slots: the one that
    takes it (which passes its turn on only if more was pending), the claim its report makes,
    and the worker's own look afterwards for what the finish freed (a continuation of its
    session). Waking every idle slot made each of them claim, at each submission and finish."""
    store = CountingStore()
    async with running(store=store, slots=8, poll_interval_seconds=NO_POLL) as h:
        await eventually(lambda: _all_parked(h, 8))
        store.attempts = 0
        for i in range(5):
            task = await h.pool.submit(ALICE, TaskSpec(f"t{i}"))
            assert (await h.wait_task(ALICE, task.id)).state is TaskState.COMPLETED
            await eventually(lambda: _all_parked(h, 8))
        assert store.attempts <= 3 * 5, store.attempts


async def test_a_burst_starts_on_every_idle_slot_and_a_pinned_task_wakes_its_slot() -> None:
    store = CountingStore()
    async with running(
        lambda r: slow(chunks=20, delay=0.05), store=store, slots=4, poll_interval_seconds=NO_POLL
    ) as h:
        await eventually(lambda: _all_parked(h, 4))
        burst = [await h.pool.submit(ALICE, TaskSpec(f"b{i}")) for i in range(4)]

        async def all_running() -> bool:
            tasks = [await store.get_task(t.id) for t in burst]
            return all(t is not None and t.state is TaskState.RUNNING for t in tasks)

        await eventually(all_running, within=1.0)  # each claim passed the turn on
        for task in burst:
            await h.wait_task(ALICE, task.id, within=5.0)
        await eventually(lambda: _all_parked(h, 4))
        last_slot = sorted(h.pool.slots.workers)[-1]
        pinned = await h.pool.submit(ALICE, TaskSpec("pinned", slot_id=last_slot))
        done = await h.wait_task(ALICE, pinned.id, within=3.0)
        assert done.state is TaskState.COMPLETED and done.slot_id == last_slot


async def test_one_notification_for_many_tasks_starts_them_all() -> None:
    """Another replica's NOTIFYs come batched: one wake-up for several new tasks. The slot that
    takes the turn passes it on with each task it finds, so every idle slot starts one."""
    async with running(
        lambda r: slow(chunks=20, delay=0.05), slots=4, poll_interval_seconds=NO_POLL
    ) as h:
        await eventually(lambda: _all_parked(h, 4))
        notifier = h.store.notifier
        publish = notifier.publish

        async def elsewhere(topic: str) -> None:
            return None  # as if submitted on another replica: no wake-up here yet

        notifier.publish = elsewhere  # type: ignore[method-assign]
        tasks = [await h.pool.submit(ALICE, TaskSpec(f"r{i}")) for i in range(4)]
        notifier.publish = publish  # type: ignore[method-assign]
        notifier.bump("tasks")  # the one notification for all four

        async def all_running() -> bool:
            states = [(await h.store.get_task(t.id)) for t in tasks]
            return all(t is not None and t.state is TaskState.RUNNING for t in states)

        await eventually(all_running, within=1.0)


async def _all_parked(h: Harness, workers: int) -> bool:
    """Every slot worker idle and waiting (nothing left to claim)."""
    return h.store.notifier.waiting() >= workers and not any(
        w.busy for w in h.pool.slots.workers.values()
    )
