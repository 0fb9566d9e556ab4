"""One behaviour suite for every PoolStore: the in-memory store and PostgresStore must agree.

Every task change here goes through a lifecycle transition (domain/lifecycle.py), as in the
engine: the suite checks each is applied whole (task, events, money, slot, session) or not at all.
"""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.budget import BudgetState, Limits
from claude_pool_server.domain.chains import ChainProgress, ChainStatus, ChainStep
from claude_pool_server.domain.errors import (
    BudgetExhausted,
    IllegalState,
    InvalidArgument,
    QuotaExceeded,
    TaskNotFound,
)
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.ports import NextClaim, PoolStore, Renewal, RunReport
from claude_pool_server.domain.replies import StoredReply
from claude_pool_server.domain.sessions import SessionTurn
from claude_pool_server.domain.slots import Slot, SlotConfig, SlotState
from claude_pool_server.domain.tasks import (
    FailureKind,
    Finished,
    PermissionMode,
    StateChanged,
    Task,
    TaskFailure,
    TaskOverrides,
    TaskQuery,
    TaskResult,
    TaskSpec,
    TaskState,
    TextDelta,
    ToolUse,
    Usage,
)
from tests.conftest import eventually

pytestmark = pytest.mark.asyncio

_counter = iter(range(1_000_000))
NS = "default"
LEASE = 1.0  # the store fixture's lease


def new_task(
    prompt: str = "hello",
    *,
    request_id: str = "",
    tags: tuple[str, ...] = (),
    pinned: str = "",
    chain_id: str = "",
    reserved: int = 0,
    namespace: str = NS,
    continues: str = "",
) -> Task:
    number = next(_counter)
    spec = TaskSpec(
        prompt=prompt,
        overrides=TaskOverrides(
            model="m", permission_mode=PermissionMode.PLAN, allowed_tools=("Read",),
            json_schema={"type": "object"}, timeout_seconds=12.5, mcp_servers=("github",),
        ),
        tags=tags,
        slot_id=pinned,
    )  # fmt: skip
    return Task(
        id=f"task-{number:06d}",
        state=TaskState.PENDING,
        prompt=prompt,
        spec=spec,
        create_time=datetime.now(UTC),
        namespace=namespace,
        owner="alice",
        request_id=request_id,
        chain_id=chain_id,
        reserved_micros=reserved,
        continues=continues,
    )


async def submit(store: PoolStore, *tasks: Task, limits: Limits | None = None) -> list[Task]:
    return [await store.submit_task(lifecycle.submitted(t, limits or Limits())) for t in tasks]


async def claim(store: PoolStore, slot_id: str = "slot-0", replica: str = "r") -> Task | None:
    return (await store.claim_task(Slot(slot_id, replica_id=replica), replica, LEASE)).task


def ok(output: str = "done", cost: int = 42, session_id: str = "") -> TaskResult:
    return TaskResult(output=output, success=True, cost_micros=cost, session_id=session_id)


def failed(cost: int = 5) -> TaskResult:
    failure = TaskFailure(FailureKind.API_ERROR, "overloaded", api_error_status=529)
    return TaskResult(output="", success=False, cost_micros=cost, failure=failure)


async def finish(store: PoolStore, task: Task, result: TaskResult, **report: object) -> Task | None:
    return await store.finish_run(
        RunReport(task.id, task.attempt, result, task=task, **report)  # type: ignore[arg-type]
    )


# --- submitting -----------------------------------------------------------------------------------


async def test_a_submitted_task_reads_back_equal_with_its_first_event(store: PoolStore) -> None:
    task = new_task(tags=("a", "b"), chain_id="chain-1", continues="")
    [stored] = await submit(store, task)
    assert stored == dataclasses.replace(task, last_seq=1)
    assert await store.get_task(task.id) == stored
    assert await store.get_task("task-missing") is None
    [event] = await store.read_events(task.id, 0, 10)
    assert event.seq == 1 and event.payload == StateChanged(TaskState.PENDING)


async def test_one_request_id_stores_one_task_per_namespace(store: PoolStore) -> None:
    first = new_task("one", request_id="req-1", reserved=5)
    second = new_task("two", request_id="req-1", reserved=5)
    other_namespace = new_task("three", request_id="req-1", reserved=5, namespace="team-b")
    [a, b, c] = await submit(store, first, second, other_namespace)
    assert a.id == b.id == first.id and c.id == other_namespace.id
    assert await store.get_task(second.id) is None
    assert (await store.get_budget(None)).reserved_micros == 10
    assert (await store.get_budget(NS)).reserved_micros == 5


async def test_limits_refuse_a_submission_and_change_nothing(store: PoolStore) -> None:
    caps = Limits(pool_cap=1000, namespace_cap=500)
    await submit(store, new_task(reserved=400), limits=caps)
    refused = new_task(reserved=200)
    with pytest.raises(BudgetExhausted) as error:
        await submit(store, refused, limits=caps)
    assert error.value.cap == 500  # the namespace cap is the one that does not fit
    assert await store.get_task(refused.id) is None
    other = new_task(reserved=500, namespace="team-b")
    await submit(store, other, limits=caps)
    with pytest.raises(BudgetExhausted) as pool_error:
        await submit(store, new_task(reserved=200, namespace="team-c"), limits=caps)
    assert pool_error.value.cap == 1000
    assert await store.get_budget(None) == BudgetState(0, 900, 2)
    quota = Limits(max_unfinished=2)
    await submit(store, new_task(namespace="team-q"), new_task(namespace="team-q"), limits=quota)
    with pytest.raises(QuotaExceeded):
        await submit(store, new_task(namespace="team-q"), limits=quota)
    assert (await store.get_budget("team-q")).unfinished_tasks == 2


async def test_concurrent_submitters_never_overspend_the_cap(store: PoolStore) -> None:
    async def attempt(i: int) -> bool:
        try:
            await submit(store, new_task(f"t{i}", reserved=100), limits=Limits(pool_cap=1000))
        except BudgetExhausted:
            return False
        return True

    admitted = await asyncio.gather(*(attempt(i) for i in range(40)))
    assert sum(admitted) == 10
    assert (await store.get_budget(None)).reserved_micros == 1000


async def test_money_of_many_tasks_adds_up_to_whole_numbers(store: PoolStore) -> None:
    """Many tasks (the Postgres store spreads their money over several rows) settle exactly:
    every reservation released, every spend counted, in plain integers."""
    caps = Limits(pool_cap=10_000, namespace_cap=10_000)
    tasks = await submit(store, *(new_task(f"t{i}", reserved=100) for i in range(24)), limits=caps)
    cancelled = tasks[:4]
    for task in cancelled:
        await store.transition(task.id, lambda t: lifecycle.cancelled(t, "test", datetime.now(UTC)))
    assert await store.get_budget(None) == BudgetState(0, 2000, 20)
    for _ in tasks[4:]:
        running = await claim(store)
        assert running is not None
        assert await finish(store, running, ok(cost=7)) is not None
    for namespace in (None, NS):
        budget = await store.get_budget(namespace)
        assert budget == BudgetState(140, 0, 0)
        assert all(type(value) is int for value in dataclasses.astuple(budget))


# --- claiming -------------------------------------------------------------------------------------


async def test_a_claim_says_whether_other_tasks_were_pending(store: PoolStore) -> None:
    """The hint a slot worker passes its turn on by: a false no would leave a task waiting."""
    await submit(store, new_task("first"), new_task("second"))

    def slot(name: str) -> Slot:
        return Slot(name, replica_id="r")

    first = await store.claim_task(slot("slot-0"), "r", LEASE)
    assert first.task is not None and first.task.prompt == "first" and first.more
    second = await store.claim_task(slot("slot-1"), "r", LEASE)
    assert second.task is not None and second.task.prompt == "second" and not second.more
    nothing = await store.claim_task(slot("slot-2"), "r", LEASE)
    assert nothing.task is None and not nothing.more


async def test_claim_takes_the_oldest_pending_task_and_marks_its_slot(store: PoolStore) -> None:
    old, new = await submit(store, new_task("old"), new_task("new"))
    claimed = await claim(store, "slot-0", "replica-a")
    assert claimed is not None and claimed.id == old.id
    assert claimed.state is TaskState.RUNNING
    assert (claimed.slot_id, claimed.replica_id, claimed.attempt) == ("slot-0", "replica-a", 1)
    assert claimed.version == old.version + 1 and claimed.last_seq == 2
    assert claimed.start_time is not None
    slot = await store.get_slot("slot-0")
    assert slot is not None and slot.state is SlotState.BUSY
    assert (slot.current_task_id, slot.current_namespace) == (old.id, NS)
    events = await store.read_events(old.id, 1, 10)
    assert [e.payload for e in events] == [StateChanged(TaskState.RUNNING, slot_id="slot-0")]
    again = await claim(store, "slot-1", "replica-a")
    assert again is not None and again.id == new.id
    assert await claim(store, "slot-2", "replica-a") is None
    assert await store.get_slot("slot-2") is None  # nothing claimed, nothing written


async def test_a_pinned_task_is_claimed_only_by_its_slot(store: PoolStore) -> None:
    [pinned] = await submit(store, new_task(pinned="slot-1"))
    assert await claim(store, "slot-0") is None
    claimed = await claim(store, "slot-1")
    assert claimed is not None and claimed.id == pinned.id


async def test_concurrent_claims_take_each_task_exactly_once(store: PoolStore) -> None:
    tasks = await submit(store, *(new_task(f"t{i}") for i in range(12)))
    claims = await asyncio.gather(*(claim(store, f"slot-{i}") for i in range(20)))
    claimed = [t.id for t in claims if t is not None]
    assert sorted(claimed) == sorted(t.id for t in tasks)


async def test_turns_of_one_session_are_claimed_one_at_a_time(store: PoolStore) -> None:
    first, second, other = await submit(
        store, new_task(continues="sess-1"), new_task(continues="sess-1"), new_task()
    )
    running = await claim(store, "slot-0")
    assert running is not None and running.id == first.id and running.session_id == "sess-1"
    # the second turn of sess-1 waits; the unrelated task behind it is claimed
    next_up = await claim(store, "slot-1")
    assert next_up is not None and next_up.id == other.id
    assert await claim(store, "slot-2") is None
    await finish(store, running, ok(session_id="sess-1"))
    after = await claim(store, "slot-2")
    assert after is not None and after.id == second.id


async def test_concurrent_claims_never_run_one_session_twice(store: PoolStore) -> None:
    await submit(store, *(new_task(f"turn {i}", continues="sess-x") for i in range(6)))
    claims = await asyncio.gather(*(claim(store, f"slot-{i}") for i in range(6)))
    assert len([t for t in claims if t is not None]) == 1


async def test_task_counts_by_namespace(store: PoolStore) -> None:
    await submit(store, new_task(), new_task(), new_task(namespace="team-b"))
    await claim(store)
    counts = await store.task_counts(NS)
    assert (counts[TaskState.PENDING], counts[TaskState.RUNNING]) == (1, 1)
    assert (await store.task_counts(None))[TaskState.PENDING] == 2
    assert set(counts) == set(TaskState)


# --- finishing a run ------------------------------------------------------------------------------


async def finish_and_claim(
    store: PoolStore, task: Task, result: TaskResult, slot: Slot
) -> tuple[Task | None, Task | None]:
    report = RunReport(task.id, task.attempt, result, slot, task=task)
    return await store.finish_run_and_claim(report, NextClaim("r", LEASE))


async def test_a_run_end_can_claim_the_slots_next_task_in_the_same_call(store: PoolStore) -> None:
    first, second, third = await submit(
        store, new_task("one", reserved=100), new_task("two"), new_task("three")
    )
    running = await claim(store, "slot-5")
    assert running is not None and running.id == first.id
    idle = Slot("slot-5", replica_id="r", tasks_completed=1, cost_micros=42)
    done, claimed = await finish_and_claim(store, running, ok(), idle)
    assert done is not None and done.state is TaskState.COMPLETED
    assert await store.get_task(first.id) == done
    assert claimed is not None and claimed.id == second.id  # the oldest pending one
    assert (claimed.state, claimed.slot_id, claimed.attempt) == (TaskState.RUNNING, "slot-5", 1)
    assert await store.get_task(second.id) == claimed
    [event] = await store.read_events(second.id, 1, 10)
    assert event.payload == StateChanged(TaskState.RUNNING, slot_id="slot-5")
    slot = await store.get_slot("slot-5")
    assert slot is not None and (slot.state, slot.current_task_id) == (SlotState.BUSY, second.id)
    assert slot.tasks_completed == 1  # the run's counters, written once with the claim
    assert await store.get_budget(None) == BudgetState(42, 0, 2)
    # the last one: nothing left to claim, the slot is written idle
    done_two, running_three = await finish_and_claim(store, claimed, ok(), idle)
    assert done_two is not None
    assert running_three is not None and running_three.id == third.id
    done_three, nothing = await finish_and_claim(store, running_three, ok(), idle)
    assert done_three is not None and nothing is None
    assert await store.get_slot("slot-5") == idle


async def test_a_stale_or_cancelled_run_end_claims_nothing(store: PoolStore) -> None:
    first, second = await submit(store, new_task("one", reserved=100), new_task("two"))
    running = await claim(store, "slot-6")
    assert running is not None
    await store.transition(first.id, lambda t: lifecycle.cancelled(t, "test", datetime.now(UTC)))
    idle = Slot("slot-6", replica_id="r")
    recorded, claimed = await finish_and_claim(store, running, ok(cost=9), idle)
    assert recorded is not None and recorded.state is TaskState.CANCELLED
    assert claimed is None
    assert (await store.get_task(second.id)) == second  # still pending, untouched
    stale = dataclasses.replace(running, attempt=running.attempt + 1)
    assert await finish_and_claim(store, stale, ok(), idle) == (None, None)


async def test_a_run_end_settles_task_events_money_slot_and_session_at_once(
    store: PoolStore,
) -> None:
    [task] = await submit(store, new_task(reserved=300), limits=Limits(pool_cap=10_000))
    running = await claim(store, "slot-3")
    assert running is not None
    await store.append_events(task.id, [TextDelta("do", attempt=1), TextDelta("ne", attempt=1)])
    idle = Slot("slot-3", replica_id="r", tasks_completed=1, cost_micros=42)
    turn = SessionTurn("sess-42", b"\x00chunk-1", model="m", start_key="k")
    done = await finish(store, running, ok(session_id="sess-42"), slot=idle, session=turn)
    assert done is not None and done.state is TaskState.COMPLETED
    assert (done.reserved_micros, done.session_id, done.last_seq) == (0, "sess-42", 6)
    assert done.result is not None and done.result.cost_micros == 42
    events = await store.read_events(task.id, 4, 10)
    assert [type(e.payload) for e in events] == [StateChanged, Finished]
    finished_event = events[1].payload
    assert isinstance(finished_event, Finished) and finished_event.task == done
    assert await store.get_task(task.id) == done
    assert await store.get_budget(None) == BudgetState(42, 0, 0)
    assert await store.get_slot("slot-3") == idle
    session = await store.get_session("sess-42")
    assert session is not None
    assert (session.namespace, session.owner, session.turns, session.cost_micros) == (
        NS, "alice", 1, 42
    )  # fmt: skip
    assert (session.first_task_id, session.last_task_id, session.transcript_bytes) == (
        task.id, task.id, len(b"\x00chunk-1")
    )  # fmt: skip
    assert await store.load_transcript("sess-42") == [b"\x00chunk-1"]


async def test_a_second_turn_appends_to_its_session(store: PoolStore) -> None:
    await submit(store, new_task())
    first = await claim(store)
    assert first is not None
    turn = SessionTurn("sess-2", b"one")
    await finish(store, first, ok(session_id="sess-2", cost=10), session=turn)
    [follow_up] = await submit(store, new_task(continues="sess-2"))
    second = await claim(store)
    assert second is not None and second.id == follow_up.id
    await finish(
        store, second, ok(session_id="sess-2", cost=5), session=SessionTurn("sess-2", b"two")
    )
    session = await store.get_session("sess-2")
    assert session is not None and (session.turns, session.cost_micros) == (2, 15)
    assert session.last_task_id == follow_up.id and session.first_task_id == first.id
    assert await store.load_transcript("sess-2") == [b"one", b"two"]


async def test_a_failed_run_keeps_no_session_turn(store: PoolStore) -> None:
    await submit(store, new_task(continues="sess-f"))
    running = await claim(store)
    assert running is not None
    done = await finish(store, running, failed(cost=7), session=SessionTurn("sess-f", b"x"))
    assert done is not None and done.state is TaskState.FAILED
    assert await store.get_session("sess-f") is None
    assert (await store.get_budget(None)).spent_micros == 7


async def test_a_review_run_ends_pending_review_and_stays_unfinished(store: PoolStore) -> None:
    task = new_task()
    task = dataclasses.replace(task, spec=dataclasses.replace(task.spec, review_required=True))
    await submit(store, task)
    running = await claim(store)
    assert running is not None
    done = await finish(store, running, ok())
    assert done is not None and done.state is TaskState.PENDING_REVIEW
    assert (await store.get_budget(NS)).unfinished_tasks == 1


async def test_a_stale_run_report_changes_no_task_but_frees_its_slot(store: PoolStore) -> None:
    await store.register_replica("dead")
    await submit(store, new_task())
    stale = await claim(store, "slot-0", "dead")
    assert stale is not None
    changed: list[Task] = []

    async def recovered() -> bool:
        changed.extend(await store.recover(max_attempts=3))
        return bool(changed)

    await eventually(recovered, 10)
    current = await claim(store, "slot-1", "alive")
    assert current is not None and current.attempt == 2
    idle = Slot("slot-0", replica_id="dead")
    assert await finish(store, stale, ok(), slot=idle) is None  # attempt 1 is fenced off
    assert await store.get_task(current.id) == current
    assert await store.get_slot("slot-0") == idle


async def test_a_run_cancelled_meanwhile_records_its_cost_and_releases(store: PoolStore) -> None:
    await submit(store, new_task(reserved=500), limits=Limits(pool_cap=10_000))
    running = await claim(store)
    assert running is not None
    now = datetime.now(UTC)
    cancelled = await store.transition(running.id, lambda t: lifecycle.cancelled(t, "stop", now))
    assert cancelled.state is TaskState.CANCELLED and cancelled.reserved_micros == 500
    assert await store.get_budget(None) == BudgetState(0, 500, 0)
    recorded = await finish(store, running, failed(cost=9), session=SessionTurn("s", b"x"))
    assert recorded is not None and recorded.state is TaskState.CANCELLED
    assert recorded.result is not None and recorded.reserved_micros == 0
    assert await store.get_budget(None) == BudgetState(9, 0, 0)
    assert await store.get_session("s") is None
    events = await store.read_events(running.id, 0, 20)
    assert sum(isinstance(e.payload, Finished) for e in events) == 1  # from the cancel only


# --- other transitions ----------------------------------------------------------------------------


async def test_cancel_releases_a_pending_tasks_reservation(store: PoolStore) -> None:
    [task] = await submit(store, new_task(reserved=300), limits=Limits(pool_cap=1000))
    now = datetime.now(UTC)
    cancelled = await store.transition(task.id, lambda t: lifecycle.cancelled(t, "no", now))
    assert cancelled.state is TaskState.CANCELLED and cancelled.version == task.version + 1
    assert await store.get_budget(None) == BudgetState(0, 0, 0)
    events = await store.read_events(task.id, 1, 10)
    assert [type(e.payload) for e in events] == [StateChanged, Finished]
    assert [e.seq for e in events] == [2, 3] and cancelled.last_seq == 3
    with pytest.raises(IllegalState):
        await store.transition(task.id, lambda t: lifecycle.cancelled(t, "again", now))
    with pytest.raises(TaskNotFound):
        await store.transition("task-missing", lambda t: lifecycle.cancelled(t, "x", now))


async def test_a_refused_transition_changes_nothing(store: PoolStore) -> None:
    [task] = await submit(store, new_task())

    def refuse(current: Task) -> lifecycle.Change:
        raise TaskNotFound(current.id)

    with pytest.raises(TaskNotFound):
        await store.transition(task.id, refuse)
    assert await store.get_task(task.id) == task


async def test_reject_queues_again_with_a_fresh_reservation_within_the_cap(
    store: PoolStore,
) -> None:
    task = new_task(reserved=400)
    task = dataclasses.replace(task, spec=dataclasses.replace(task.spec, review_required=True))
    caps = Limits(pool_cap=1000)
    await submit(store, task, limits=caps)
    running = await claim(store)
    assert running is not None
    await finish(
        store, running, ok(cost=100, session_id="sess-r"), session=SessionTurn("sess-r", b"a")
    )
    now = datetime.now(UTC)
    requeued = await store.transition(
        task.id, lambda t: lifecycle.rejected(t, "again", 400, caps, now)
    )
    assert requeued.state is TaskState.PENDING and requeued.continues == "sess-r"
    assert await store.get_budget(None) == BudgetState(100, 400, 1)
    rerun = await claim(store)
    assert rerun is not None and rerun.id == task.id and rerun.attempt == 2
    await finish(store, rerun, ok(cost=50, session_id="sess-r"))
    with pytest.raises(BudgetExhausted):
        await store.transition(task.id, lambda t: lifecycle.rejected(t, "more", 900, caps, now))
    current = await store.get_task(task.id)
    assert current is not None and current.state is TaskState.PENDING_REVIEW


async def test_delete_and_purge_remove_settled_tasks_only(store: PoolStore) -> None:
    pending, done = await submit(store, new_task(), new_task())
    now = datetime.now(UTC)
    await store.transition(done.id, lambda t: lifecycle.cancelled(t, "x", now))
    assert await store.delete_task(pending.id) is False
    assert await store.delete_task(done.id) is True
    assert await store.get_task(done.id) is None
    assert await store.read_events(done.id, 0, 10) == []
    assert await store.delete_task(done.id) is False
    [old] = await submit(store, new_task())
    await store.transition(old.id, lambda t: lifecycle.cancelled(t, "x", now))
    assert await store.purge_tasks(now - timedelta(minutes=1)) == 0
    assert await store.purge_tasks(datetime.now(UTC) + timedelta(seconds=1)) == 1
    assert await store.get_task(old.id) is None
    assert await store.get_task(pending.id) is not None


# --- listing --------------------------------------------------------------------------------------


async def test_list_is_newest_first_per_namespace_with_opaque_page_tokens(
    store: PoolStore,
) -> None:
    tasks = await submit(store, *(new_task(f"t{i}") for i in range(5)))
    await submit(store, new_task(namespace="team-b"))
    seen: list[str] = []
    token = ""
    while True:
        page = await store.list_tasks(TaskQuery(page_size=2, page_token=token))
        seen.extend(t.id for t in page.tasks)
        token = page.next_page_token
        if not token:
            break
    assert seen == [t.id for t in reversed(tasks)]


async def test_list_filters_by_state_tag_slot_chain_and_session(store: PoolStore) -> None:
    a, b, c = await submit(
        store,
        new_task(tags=("x",)),
        new_task(tags=("y", "z"), chain_id="ch", continues="sess-9"),
        new_task(),
    )
    claimed = await claim(store, "slot-5")
    assert claimed is not None and claimed.id == a.id

    async def ids(**filters: object) -> list[str]:
        query = TaskQuery(**filters)  # type: ignore[arg-type]
        return [t.id for t in (await store.list_tasks(query)).tasks]

    assert await ids(state=TaskState.PENDING) == [c.id, b.id]
    assert await ids(tags=("z", "q")) == [b.id]
    assert await ids(slot_id="slot-5") == [a.id]
    assert await ids(chain_id="ch") == [b.id]
    assert await ids(namespace="team-b") == []


async def test_a_page_token_the_store_did_not_issue_is_invalid(store: PoolStore) -> None:
    with pytest.raises(InvalidArgument):
        await store.list_tasks(TaskQuery(page_token="not-a-token"))
    with pytest.raises(InvalidArgument):
        await store.list_context(NS, 10, "bm90LWEtdG9rZW4=")


# --- events ---------------------------------------------------------------------------------------


async def test_events_get_consecutive_seq_and_read_after_seq(store: PoolStore) -> None:
    [task] = await submit(store, new_task())
    first = await store.append_events(task.id, [TextDelta("hel", attempt=1)])
    second = await store.append_events(task.id, [TextDelta("lo", attempt=1), ToolUse("Bash", "{}")])
    assert [e.seq for e in first + second] == [2, 3, 4]
    read = await store.read_events(task.id, 1, 2)
    assert [e.payload for e in read] == [TextDelta("hel", attempt=1), TextDelta("lo", attempt=1)]
    stored = await store.get_task(task.id)
    assert stored is not None and stored.last_seq == 4
    assert stored.version == task.version  # appending output is not a task change


async def test_concurrent_appends_keep_seq_gapless(store: PoolStore) -> None:
    [task] = await submit(store, new_task())
    await asyncio.gather(
        *(store.append_events(task.id, [TextDelta(f"{i}a"), TextDelta(f"{i}b")]) for i in range(10))
    )
    events = await store.read_events(task.id, 0, 100)
    assert [e.seq for e in events] == list(range(1, 22))


async def test_a_result_round_trips(store: PoolStore) -> None:
    await submit(store, new_task())
    running = await claim(store)
    assert running is not None
    result = TaskResult(
        output="done", success=True, cost_micros=42, turns=2, session_id="s",
        elapsed_seconds=1.5, usage=Usage(1, 2, 3, 4), structured_output={"k": [1, 2]},
    )  # fmt: skip
    done = await finish(store, running, result)
    assert done is not None and done.result == result
    assert await store.get_task(running.id) == done


async def test_changes_wake_waiters_on_their_topics(store: PoolStore) -> None:
    [task] = await submit(store, new_task())
    topic = f"task:{task.id}"
    seen = store.notifier.version(topic)
    waiter = asyncio.create_task(store.notifier.wait(topic, seen, 10))
    await store.append_events(task.id, [TextDelta("x")])
    assert await asyncio.wait_for(waiter, 5) > seen
    running = await claim(store)
    assert running is not None
    cancel_topic = f"cancel:{task.id}"
    seen = store.notifier.version(cancel_topic)
    now = datetime.now(UTC)
    await store.transition(task.id, lambda t: lifecycle.cancelled(t, "stop", now))
    assert store.notifier.version(cancel_topic) > seen


# --- sessions -------------------------------------------------------------------------------------


async def test_sessions_list_per_owner_newest_first_and_delete_for_good(store: PoolStore) -> None:
    for index in range(3):
        await submit(store, new_task(f"s{index}"))
        running = await claim(store)
        assert running is not None
        sid = f"sess-l{index}"
        await finish(store, running, ok(session_id=sid), session=SessionTurn(sid, b"t"))
        await asyncio.sleep(0.01)
    page = await store.list_sessions(NS, "alice", 2, "")
    assert [s.id for s in page.sessions] == ["sess-l2", "sess-l1"] and page.next_page_token
    rest = await store.list_sessions(NS, "alice", 2, page.next_page_token)
    assert [s.id for s in rest.sessions] == ["sess-l0"] and not rest.next_page_token
    assert (await store.list_sessions(NS, "bob", 10, "")).sessions == []
    assert await store.delete_session("sess-l1") is True
    assert await store.get_session("sess-l1") is None
    assert await store.load_transcript("sess-l1") == []
    assert await store.delete_session("sess-l1") is False


# --- slots, context, messages ---------------------------------------------------------------------


async def test_slots_put_get_list(store: PoolStore) -> None:
    config = SlotConfig(name="reviewer", role="review", permission_mode=PermissionMode.PLAN)
    for index in (10, 2, 1):
        await store.put_slot(Slot(f"slot-{index}", config=config, replica_id="r"))
    busy = Slot("slot-2", state=SlotState.BUSY, config=config, current_task_id="t", replica_id="r")
    await store.put_slot(busy)
    assert await store.get_slot("slot-2") == busy
    assert [s.id for s in await store.list_slots()] == ["slot-1", "slot-2", "slot-10"]


async def test_context_is_per_namespace_with_pages(store: PoolStore) -> None:
    for key in ("c", "a", "b"):
        await store.set_context(NS, key, f"value-{key}")
    await store.set_context("team-b", "a", "b's value")
    updated = await store.set_context(NS, "a", "new")
    entry = await store.get_context(NS, "a")
    assert entry is not None and entry.value == "new" and entry.key == "a"
    assert entry.update_time >= updated.update_time.replace(microsecond=0)
    first = await store.list_context(NS, 2, "")
    assert [e.key for e in first.entries] == ["a", "b"] and first.next_page_token
    second = await store.list_context(NS, 2, first.next_page_token)
    assert [e.key for e in second.entries] == ["c"] and second.next_page_token == ""
    other = await store.get_context("team-b", "a")
    assert other is not None and other.value == "b's value"
    deleted = await store.delete_context(NS, "b")
    assert deleted is not None and deleted.value == "value-b"
    assert await store.delete_context(NS, "b") is None


def message(number: int, to: str = "slot-1") -> SlotMessage:
    return SlotMessage(f"msg-{number}", "slot-0", to, f"hello {number}", datetime.now(UTC))


async def test_messages_are_per_namespace_and_taken_exactly_once(store: PoolStore) -> None:
    await store.add_messages(NS, [message(1), message(2)])
    await store.add_messages(NS, [message(3), message(4, to="slot-2")])
    await store.add_messages("team-b", [message(5)])
    assert await store.count_messages(NS, "slot-1") == 3
    assert [m.id for m in await store.peek_messages(NS, "slot-1")] == ["msg-1", "msg-2", "msg-3"]
    takes = await asyncio.gather(*(store.take_messages(NS, "slot-1") for _ in range(5)))
    taken = [m.id for batch in takes for m in batch]
    assert sorted(taken) == ["msg-1", "msg-2", "msg-3"]
    assert next(b for b in takes if b)[0].content == "hello 1"
    assert await store.count_messages(NS, "slot-1") == 0
    assert [m.id for m in await store.take_messages("team-b", "slot-1")] == ["msg-5"]


# --- chains ---------------------------------------------------------------------------------------


def new_chain(chain_id: str, request_id: str = "", namespace: str = NS) -> ChainProgress:
    steps = (ChainStep("plan", "make a plan"), ChainStep("do", "do {{plan}}"))
    return ChainProgress(
        chain_id,
        ChainStatus.PENDING,
        2,
        datetime.now(UTC),
        steps=steps,
        request_id=request_id,
        namespace=namespace,
        owner="alice",
    )


async def test_chains_are_compare_and_set_on_seq(store: PoolStore) -> None:
    stored = await store.put_chain(new_chain("chain-1"))
    assert stored is not None and stored.seq == 1
    assert await store.put_chain(new_chain("chain-1")) is None  # the id is taken
    running = dataclasses.replace(stored, status=ChainStatus.RUNNING, current_step=0)
    again = await store.put_chain(running)
    assert again is not None and again.seq == 2
    assert await store.put_chain(running) is None  # stale seq
    assert await store.get_chain("chain-1") == again
    assert await store.get_chain("chain-missing") is None


async def test_a_chain_request_id_returns_the_earlier_chain_in_its_namespace(
    store: PoolStore,
) -> None:
    first = await store.put_chain(new_chain("chain-a", request_id="req"))
    second = await store.put_chain(new_chain("chain-b", request_id="req"))
    other = await store.put_chain(new_chain("chain-c", request_id="req", namespace="team-b"))
    assert first is not None and second is not None and second.chain_id == "chain-a"
    assert other is not None and other.chain_id == "chain-c"
    assert await store.get_chain("chain-b") is None


async def test_chains_list_newest_first_by_namespace_and_status(store: PoolStore) -> None:
    for index in range(3):
        await store.put_chain(new_chain(f"chain-{index}"))
    await store.put_chain(new_chain("chain-other", namespace="team-b"))
    first = await store.get_chain("chain-1")
    assert first is not None
    await store.put_chain(dataclasses.replace(first, status=ChainStatus.RUNNING))
    page = await store.list_chains(NS, None, 2, "")
    assert [c.chain_id for c in page.chains] == ["chain-2", "chain-1"] and page.next_page_token
    rest = await store.list_chains(NS, None, 2, page.next_page_token)
    assert [c.chain_id for c in rest.chains] == ["chain-0"] and not rest.next_page_token
    running = await store.list_chains(NS, ChainStatus.RUNNING, 10, "")
    assert [c.chain_id for c in running.chains] == ["chain-1"]
    everywhere = await store.list_chains(None, None, 10, "")
    assert len(everywhere.chains) == 4


# --- replicas and recovery (the store fixture uses a 1 s lease) -----------------------------------


async def test_slot_ids_do_not_collide_between_live_replicas(store: PoolStore) -> None:
    await store.register_replica("replica-a")
    await store.register_replica("replica-b")
    a = await store.allocate_slot_ids("replica-a", 2)
    b = await store.allocate_slot_ids("replica-b", 2)
    assert a == ["slot-0", "slot-1"] and b == ["slot-2", "slot-3"]
    assert len(await store.live_replica_ids()) == 2
    await store.deregister_replica("replica-a")
    assert await store.live_replica_ids() == {"replica-b"}
    await store.register_replica("replica-c")
    assert await store.allocate_slot_ids("replica-c", 3) == ["slot-0", "slot-1", "slot-4"]


async def test_a_dead_replicas_task_is_requeued_and_its_slots_stopped(store: PoolStore) -> None:
    await store.register_replica("dead")
    await store.register_replica("alive")
    [slot_id] = await store.allocate_slot_ids("dead", 1)
    [task] = await submit(store, new_task())
    claimed = await claim(store, slot_id, "dead")
    assert claimed is not None and claimed.attempt == 1
    changed: list[Task] = []

    async def recovered() -> bool:
        await store.heartbeat("alive", LEASE, ())
        changed.extend(await store.recover(max_attempts=3))
        return bool(changed)

    await eventually(recovered, 10)
    [requeued] = changed
    assert requeued.id == task.id and requeued.state is TaskState.PENDING
    assert requeued.attempt == 1 and requeued.version == claimed.version + 1
    events = await store.read_events(task.id, claimed.last_seq, 10)
    assert [e.payload.state for e in events if isinstance(e.payload, StateChanged)] == [
        TaskState.PENDING
    ]
    slot = await store.get_slot(slot_id)
    assert slot is not None and slot.state is SlotState.STOPPED
    assert await store.live_replica_ids() == {"alive"}
    assert (
        await store.heartbeat("dead", LEASE, ()) is False
    )  # declared dead: it must register again
    again = await claim(store, "slot-9", "alive")
    assert again is not None and again.attempt == 2  # the dead run's attempt is fenced off


async def test_heartbeats_keep_a_running_task_leased(store: PoolStore) -> None:
    await store.register_replica("alive")
    await submit(store, new_task())
    claimed = await claim(store, "slot-0", "alive")
    assert claimed is not None
    for _ in range(4):  # 2 s, twice the lease
        assert await store.heartbeat("alive", LEASE, [claimed.id]) is True
        assert await store.recover(max_attempts=3) == []
        await asyncio.sleep(0.5)  # time passing is the behaviour under test
    current = await store.get_task(claimed.id)
    assert current is not None and current.state is TaskState.RUNNING


async def test_a_recovery_held_up_past_the_lease_does_not_find_its_own_replica_dead(
    store: PoolStore,
) -> None:
    """A replica's recovery that a stalled database held up past the lease renews the replica
    first (one transaction), so it re-queues neither its own running task nor itself."""
    await store.register_replica("stalled")
    await submit(store, new_task())
    running = await claim(store, "slot-0", "stalled")
    assert running is not None
    await asyncio.sleep(LEASE * 1.5)  # the lease ran out while the database stood still
    renewal = Renewal("stalled", LEASE, [running.id])
    assert await store.recover(max_attempts=3, renewal=renewal) == []
    current = await store.get_task(running.id)
    assert current is not None and current.state is TaskState.RUNNING
    assert await store.heartbeat("stalled", LEASE, [running.id]) is True


async def test_a_live_replicas_task_it_does_not_run_is_requeued(store: PoolStore) -> None:
    """A claim whose reply was lost (the connection dropped after the commit) leaves a task
    RUNNING on a live replica that never runs it: its heartbeat does not renew that lease."""
    await store.register_replica("alive")
    await submit(store, new_task())
    await submit(store, new_task())
    lost = await claim(store, "slot-0", "alive")
    kept = await claim(store, "slot-1", "alive")
    assert lost is not None and kept is not None
    changed: list[Task] = []

    async def recovered() -> bool:
        assert await store.heartbeat("alive", LEASE, [kept.id]) is True
        changed.extend(await store.recover(max_attempts=3))
        return bool(changed)

    await eventually(recovered, 10)
    assert [(t.id, t.state) for t in changed] == [(lost.id, TaskState.PENDING)]
    current = await store.get_task(kept.id)
    assert current is not None and current.state is TaskState.RUNNING


async def test_out_of_attempts_fails_interrupted_and_releases_budget(store: PoolStore) -> None:
    await store.register_replica("dead")
    await submit(store, new_task(reserved=300), limits=Limits(pool_cap=1000))
    assert await claim(store, "slot-0", "dead") is not None
    changed: list[Task] = []

    async def recovered() -> bool:
        changed.extend(await store.recover(max_attempts=1))
        return bool(changed)

    await eventually(recovered, 10)
    [failed_task] = changed
    assert failed_task.state is TaskState.FAILED
    assert failed_task.result is not None and failed_task.result.failure is not None
    assert failed_task.result.failure.kind is FailureKind.INTERRUPTED
    assert await store.get_budget(None) == BudgetState(0, 0, 0)
    assert await store.get_task(failed_task.id) == failed_task
    events = await store.read_events(failed_task.id, 0, 20)
    assert isinstance(events[-1].payload, Finished)  # watchers learn it ended


async def test_a_task_cancelled_on_a_dead_replica_gets_its_reservation_back(
    store: PoolStore,
) -> None:
    await store.register_replica("dead")
    await submit(store, new_task(reserved=500), limits=Limits(pool_cap=1000))
    claimed = await claim(store, "slot-0", "dead")
    assert claimed is not None
    now = datetime.now(UTC)
    cancelled = await store.transition(claimed.id, lambda t: lifecycle.cancelled(t, "x", now))
    assert cancelled.reserved_micros == 500  # the run reports its cost
    changed: list[Task] = []

    async def recovered() -> bool:
        changed.extend(await store.recover(max_attempts=3))
        return bool(changed)

    await eventually(recovered, 10)
    [released] = changed
    assert released.state is TaskState.CANCELLED and released.reserved_micros == 0
    assert await store.get_budget(None) == BudgetState(0, 0, 0)
    assert await store.recover(max_attempts=3) == []


async def test_a_running_call_no_slot_ran_fails_when_its_replica_dies(store: PoolStore) -> None:
    """A routing call is claimed by id, by no slot; it must never go back to PENDING, where a
    slot would run the routing prompt as ordinary work."""
    await store.register_replica("dead")
    [routing] = await submit(store, new_task(reserved=200, pinned="(routing)"))
    running = await store.claim_task_by_id(routing.id, "dead", LEASE)
    assert running.state is TaskState.RUNNING and running.slot_id == ""
    changed: list[Task] = []

    async def recovered() -> bool:
        changed.extend(await store.recover(max_attempts=3))
        return bool(changed)

    await eventually(recovered, 10)
    [failed_task] = changed
    assert failed_task.state is TaskState.FAILED
    assert failed_task.result is not None and failed_task.result.failure is not None
    assert failed_task.result.failure.kind is FailureKind.INTERRUPTED
    assert await claim(store, "slot-0", "alive") is None


# --- remembered replies ---------------------------------------------------------------------------


async def test_the_first_claim_owns_a_reply_and_later_ones_see_it(store: PoolStore) -> None:
    live = {"replica-a", "replica-b"}
    assert await store.claim_reply("SendMessage:r1", "fp-a", "replica-a", live) is None
    pending = await store.claim_reply("SendMessage:r1", "fp-a", "replica-b", live)
    assert pending == StoredReply("fp-a", None, "replica-a")
    await store.finish_reply("SendMessage:r1", b"\x00first reply", 3600)
    done = await store.claim_reply("SendMessage:r1", "fp-b", "replica-b", live)
    assert done == StoredReply("fp-a", b"\x00first reply", "replica-a")
    assert await store.claim_reply("SendMessage:r2", "fp-a", "replica-b", live) is None


async def test_an_abandoned_or_orphaned_claim_can_be_taken_again(store: PoolStore) -> None:
    live = {"replica-a", "replica-b"}
    assert await store.claim_reply("ScaleUp:r1", "fp", "replica-a", live) is None
    await store.abandon_reply("ScaleUp:r1", "replica-b")  # not b's to drop
    assert await store.claim_reply("ScaleUp:r1", "fp", "replica-b", live) is not None
    await store.abandon_reply("ScaleUp:r1", "replica-a")  # a's call failed
    assert await store.claim_reply("ScaleUp:r1", "fp", "replica-b", live) is None
    # replica-b dies while acting: a live replica takes the claim over
    assert await store.claim_reply("ScaleUp:r1", "fp", "replica-a", {"replica-a"}) is None
    await store.finish_reply("ScaleUp:r1", b"done", 3600)
    assert await store.claim_reply("ScaleUp:r1", "fp", "replica-b", live) == StoredReply(
        "fp", b"done", "replica-a"
    )


async def test_replies_older_than_the_retention_are_forgotten(store: PoolStore) -> None:
    live = {"r"}
    assert await store.claim_reply("ScaleUp:old", "fp", "r", live) is None
    await store.finish_reply("ScaleUp:old", b"old", 3600)
    await asyncio.sleep(0.05)
    assert await store.claim_reply("ScaleUp:new", "fp", "r", live) is None
    await store.finish_reply("ScaleUp:new", b"new", 0.01)
    assert await store.claim_reply("ScaleUp:old", "fp", "r", live) is None  # forgotten: acts again
    kept = await store.claim_reply("ScaleUp:new", "fp", "r", live)
    assert kept is not None and kept.reply == b"new"
