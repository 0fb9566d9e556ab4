"""One behaviour suite for every PoolStore: the in-memory store and PostgresStore must agree."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import pytest

from claude_pool_server.domain.budget import BudgetChange, BudgetState
from claude_pool_server.domain.chains import ChainProgress, ChainStatus, ChainStep
from claude_pool_server.domain.errors import BudgetExhausted, InvalidArgument
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.replies import StoredReply
from claude_pool_server.domain.slots import Slot, SlotConfig, SlotState
from claude_pool_server.domain.tasks import (
    FailureKind,
    Finished,
    PermissionMode,
    StateChanged,
    Task,
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


def new_task(
    prompt: str = "hello",
    *,
    request_id: str = "",
    tags: tuple[str, ...] = (),
    pinned: str = "",
    chain_id: str = "",
    reserved: int = 0,
) -> Task:
    number = next(_counter)
    spec = TaskSpec(
        prompt=prompt,
        overrides=TaskOverrides(
            model="m", permission_mode=PermissionMode.PLAN, allowed_tools=("Read",),
            json_schema={"type": "object"}, timeout_seconds=12.5,
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
        request_id=request_id,
        chain_id=chain_id,
        reserved_micros=reserved,
    )


async def insert(store: PoolStore, *tasks: Task) -> list[Task]:
    return [await store.insert_task(t, BudgetChange()) for t in tasks]


# --- tasks ----------------------------------------------------------------------------------------


async def test_a_stored_task_reads_back_equal(store: PoolStore) -> None:
    task = new_task(tags=("a", "b"), chain_id="chain-1")
    await insert(store, task)
    assert await store.get_task(task.id) == task
    assert await store.get_task("task-missing") is None


async def test_the_same_request_id_stores_one_task_and_reserves_once(store: PoolStore) -> None:
    first = new_task("one", request_id="req-1")
    second = new_task("two", request_id="req-1")
    stored_first = await store.insert_task(first, BudgetChange(reserve=5))
    stored_second = await store.insert_task(second, BudgetChange(reserve=5))
    assert stored_first.id == stored_second.id == first.id
    assert await store.get_task(second.id) is None
    assert (await store.get_budget()).reserved_micros == 5


async def test_update_is_compare_and_set_on_version(store: PoolStore) -> None:
    [task] = await insert(store, new_task())
    running = dataclasses.replace(task, state=TaskState.RUNNING)
    stored = await store.update_task(running)
    assert stored is not None and stored.version == task.version + 1
    assert stored.state is TaskState.RUNNING
    assert await store.update_task(dataclasses.replace(task, state=TaskState.FAILED)) is None
    current = await store.get_task(task.id)
    assert current is not None and current.state is TaskState.RUNNING


async def test_a_result_round_trips(store: PoolStore) -> None:
    [task] = await insert(store, new_task())
    result = TaskResult(
        output="done", success=True, cost_micros=42, turns=2, session_id="s",
        elapsed_seconds=1.5, usage=Usage(1, 2, 3, 4), structured_output={"k": [1, 2]},
    )  # fmt: skip
    done = dataclasses.replace(
        task, state=TaskState.COMPLETED, result=result, end_time=datetime.now(UTC)
    )
    stored = await store.update_task(done)
    assert stored is not None
    assert await store.get_task(task.id) == stored
    assert stored.result == result


async def test_claim_takes_the_oldest_pending_task_and_bumps_attempt(store: PoolStore) -> None:
    old, new = await insert(store, new_task("old"), new_task("new"))
    claimed = await store.claim_task("slot-0", "replica-a")
    assert claimed is not None and claimed.id == old.id
    assert claimed.state is TaskState.RUNNING
    assert (claimed.slot_id, claimed.replica_id, claimed.attempt) == ("slot-0", "replica-a", 1)
    assert claimed.version == old.version + 1
    assert claimed.start_time is not None
    again = await store.claim_task("slot-1", "replica-a")
    assert again is not None and again.id == new.id
    assert await store.claim_task("slot-2", "replica-a") is None


async def test_a_pinned_task_is_claimed_only_by_its_slot(store: PoolStore) -> None:
    [pinned] = await insert(store, new_task(pinned="slot-1"))
    assert await store.claim_task("slot-0", "r") is None
    claimed = await store.claim_task("slot-1", "r")
    assert claimed is not None and claimed.id == pinned.id


async def test_concurrent_claims_take_each_task_exactly_once(store: PoolStore) -> None:
    tasks = await insert(store, *(new_task(f"t{i}") for i in range(12)))
    claims = await asyncio.gather(*(store.claim_task(f"slot-{i}", "r") for i in range(20)))
    claimed = [t.id for t in claims if t is not None]
    assert sorted(claimed) == sorted(t.id for t in tasks)


async def test_task_counts_count_every_state(store: PoolStore) -> None:
    await insert(store, new_task(), new_task(), new_task())
    await store.claim_task("slot-0", "r")
    counts = await store.task_counts()
    assert counts[TaskState.PENDING] == 2
    assert counts[TaskState.RUNNING] == 1
    assert counts[TaskState.COMPLETED] == 0
    assert set(counts) == set(TaskState)


async def test_list_is_newest_first_with_opaque_page_tokens(store: PoolStore) -> None:
    tasks = await insert(store, *(new_task(f"t{i}") for i in range(5)))
    seen: list[str] = []
    token = ""
    while True:
        page = await store.list_tasks(TaskQuery(page_size=2, page_token=token))
        seen.extend(t.id for t in page.tasks)
        token = page.next_page_token
        if not token:
            break
    assert seen == [t.id for t in reversed(tasks)]


async def test_list_filters_by_state_tag_slot_and_chain(store: PoolStore) -> None:
    a, b, c = await insert(
        store, new_task(tags=("x",)), new_task(tags=("y", "z"), chain_id="ch"), new_task()
    )
    claimed = await store.claim_task("slot-5", "r")
    assert claimed is not None and claimed.id == a.id

    async def ids(query: TaskQuery) -> list[str]:
        return [t.id for t in (await store.list_tasks(query)).tasks]

    assert await ids(TaskQuery(state=TaskState.PENDING)) == [c.id, b.id]
    assert await ids(TaskQuery(tags=("z", "q"))) == [b.id]
    assert await ids(TaskQuery(slot_id="slot-5")) == [a.id]
    assert await ids(TaskQuery(chain_id="ch")) == [b.id]


async def test_a_page_token_the_store_did_not_issue_is_invalid(store: PoolStore) -> None:
    with pytest.raises(InvalidArgument):
        await store.list_tasks(TaskQuery(page_token="not-a-token"))
    with pytest.raises(InvalidArgument):
        await store.list_context(10, "bm90LWEtdG9rZW4=")


# --- budget ---------------------------------------------------------------------------------------


async def test_budget_reserve_release_spend(store: PoolStore) -> None:
    [task] = await insert(store, new_task())
    assert await store.get_budget() == BudgetState()
    await store.update_task(dataclasses.replace(task), BudgetChange(reserve=100, cap=1000))
    assert await store.get_budget() == BudgetState(spent_micros=0, reserved_micros=100)
    current = await store.get_task(task.id)
    assert current is not None
    await store.update_task(current, BudgetChange(release=100, spend=30))
    assert await store.get_budget() == BudgetState(spent_micros=30, reserved_micros=0)


async def test_a_reservation_over_the_cap_changes_nothing(store: PoolStore) -> None:
    await store.insert_task(new_task(), BudgetChange(reserve=800, cap=1000))
    refused = new_task()
    with pytest.raises(BudgetExhausted):
        await store.insert_task(refused, BudgetChange(reserve=300, cap=1000))
    assert await store.get_task(refused.id) is None
    assert await store.get_budget() == BudgetState(spent_micros=0, reserved_micros=800)
    [task] = (await store.list_tasks(TaskQuery())).tasks
    with pytest.raises(BudgetExhausted):
        await store.update_task(
            dataclasses.replace(task, state=TaskState.RUNNING), BudgetChange(reserve=300, cap=1000)
        )
    unchanged = await store.get_task(task.id)
    assert unchanged is not None and unchanged.state is TaskState.PENDING


async def test_concurrent_submitters_never_overspend_the_cap(store: PoolStore) -> None:
    async def submit(i: int) -> bool:
        try:
            await store.insert_task(new_task(f"t{i}"), BudgetChange(reserve=100, cap=1000))
        except BudgetExhausted:
            return False
        return True

    admitted = await asyncio.gather(*(submit(i) for i in range(40)))
    assert sum(admitted) == 10
    assert (await store.get_budget()).reserved_micros == 1000


# --- events ---------------------------------------------------------------------------------------


async def test_events_get_consecutive_seq_and_read_after_seq(store: PoolStore) -> None:
    [task] = await insert(store, new_task())
    first = await store.append_events(task.id, [StateChanged(TaskState.PENDING)])
    second = await store.append_events(
        task.id, [TextDelta("hel", attempt=1), TextDelta("lo", attempt=1), ToolUse("Bash", "{}")]
    )
    assert [e.seq for e in first + second] == [1, 2, 3, 4]
    read = await store.read_events(task.id, 1, 2)
    assert [e.payload for e in read] == [TextDelta("hel", attempt=1), TextDelta("lo", attempt=1)]
    stored = await store.get_task(task.id)
    assert stored is not None and stored.last_seq == 4
    assert stored.version == task.version  # appending events is not a task change


async def test_finished_events_carry_the_settled_task(store: PoolStore) -> None:
    [task] = await insert(store, new_task())
    done = await store.update_task(dataclasses.replace(task, state=TaskState.COMPLETED))
    assert done is not None
    await store.append_events(task.id, [Finished(done)])
    [event] = await store.read_events(task.id, 0, 10)
    assert isinstance(event.payload, Finished)
    assert event.payload.task == done


async def test_concurrent_appends_keep_seq_gapless(store: PoolStore) -> None:
    [task] = await insert(store, new_task())
    await asyncio.gather(
        *(store.append_events(task.id, [TextDelta(f"{i}a"), TextDelta(f"{i}b")]) for i in range(10))
    )
    events = await store.read_events(task.id, 0, 100)
    assert [e.seq for e in events] == list(range(1, 21))


async def test_append_wakes_waiters_on_the_task_topic(store: PoolStore) -> None:
    [task] = await insert(store, new_task())
    topic = f"task:{task.id}"
    seen = store.notifier.version(topic)
    waiter = asyncio.create_task(store.notifier.wait(topic, seen, 10))
    await store.append_events(task.id, [TextDelta("x")])
    assert await asyncio.wait_for(waiter, 5) > seen


async def test_update_keeps_last_seq_written_by_appends(store: PoolStore) -> None:
    [task] = await insert(store, new_task())
    await store.append_events(task.id, [TextDelta("x"), TextDelta("y")])
    stale_copy = task  # last_seq 0 in memory
    stored = await store.update_task(dataclasses.replace(stale_copy, state=TaskState.RUNNING))
    assert stored is not None and stored.last_seq == 2


# --- slots ----------------------------------------------------------------------------------------


async def test_slots_put_get_list_delete(store: PoolStore) -> None:
    config = SlotConfig(name="reviewer", role="review", permission_mode=PermissionMode.PLAN)
    for index in (10, 2, 1):
        await store.put_slot(Slot(f"slot-{index}", config=config, replica_id="r"))
    busy = Slot("slot-2", state=SlotState.BUSY, config=config, current_task_id="t", replica_id="r")
    await store.put_slot(busy)
    assert await store.get_slot("slot-2") == busy
    assert [s.id for s in await store.list_slots()] == ["slot-1", "slot-2", "slot-10"]
    assert await store.delete_slot("slot-10") is True
    assert await store.delete_slot("slot-10") is False
    assert await store.get_slot("slot-10") is None


# --- context --------------------------------------------------------------------------------------


async def test_context_set_get_delete_and_page(store: PoolStore) -> None:
    for key in ("c", "a", "b"):
        await store.set_context(key, f"value-{key}")
    updated = await store.set_context("a", "new")
    entry = await store.get_context("a")
    assert entry is not None and entry.value == "new" and entry.key == "a"
    assert entry.update_time >= updated.update_time.replace(microsecond=0)
    first = await store.list_context(2, "")
    assert [e.key for e in first.entries] == ["a", "b"] and first.next_page_token
    second = await store.list_context(2, first.next_page_token)
    assert [e.key for e in second.entries] == ["c"] and second.next_page_token == ""
    deleted = await store.delete_context("b")
    assert deleted is not None and deleted.value == "value-b"
    assert await store.delete_context("b") is None
    assert await store.get_context("b") is None


# --- messages -------------------------------------------------------------------------------------


def message(number: int, to: str = "slot-1") -> SlotMessage:
    return SlotMessage(f"msg-{number}", "slot-0", to, f"hello {number}", datetime.now(UTC))


async def test_messages_are_taken_oldest_first_exactly_once(store: PoolStore) -> None:
    await store.add_messages([message(1), message(2)])
    await store.add_messages([message(3), message(4, to="slot-2")])
    assert await store.count_messages("slot-1") == 3
    assert [m.id for m in await store.peek_messages("slot-1")] == ["msg-1", "msg-2", "msg-3"]
    takes = await asyncio.gather(*(store.take_messages("slot-1") for _ in range(5)))
    taken = [m.id for batch in takes for m in batch]
    assert sorted(taken) == ["msg-1", "msg-2", "msg-3"]
    assert next(b for b in takes if b)[0].content == "hello 1"
    assert await store.count_messages("slot-1") == 0
    assert [m.id for m in await store.take_messages("slot-2")] == ["msg-4"]


# --- chains ---------------------------------------------------------------------------------------


def new_chain(chain_id: str, request_id: str = "") -> ChainProgress:
    steps = (ChainStep("plan", "make a plan"), ChainStep("do", "do {{plan}}"))
    return ChainProgress(
        chain_id, ChainStatus.PENDING, 2, datetime.now(UTC), steps=steps, request_id=request_id
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


async def test_a_chain_request_id_returns_the_earlier_chain(store: PoolStore) -> None:
    first = await store.put_chain(new_chain("chain-a", request_id="req"))
    second = await store.put_chain(new_chain("chain-b", request_id="req"))
    assert first is not None and second is not None and second.chain_id == "chain-a"
    assert await store.get_chain("chain-b") is None


async def test_chains_list_newest_first_by_status_with_pages(store: PoolStore) -> None:
    for index in range(3):
        await store.put_chain(new_chain(f"chain-{index}"))
    first = await store.get_chain("chain-1")
    assert first is not None
    await store.put_chain(dataclasses.replace(first, status=ChainStatus.RUNNING))
    page = await store.list_chains(None, 2, "")
    assert [c.chain_id for c in page.chains] == ["chain-2", "chain-1"] and page.next_page_token
    rest = await store.list_chains(None, 2, page.next_page_token)
    assert [c.chain_id for c in rest.chains] == ["chain-0"] and not rest.next_page_token
    running = await store.list_chains(ChainStatus.RUNNING, 10, "")
    assert [c.chain_id for c in running.chains] == ["chain-1"]


# --- replicas and recovery (the store fixture uses a 1 s lease) -----------------------------------


async def test_slot_ids_do_not_collide_between_live_replicas(store: PoolStore) -> None:
    await store.register_replica("replica-a")
    await store.register_replica("replica-b")
    a = await store.allocate_slot_ids("replica-a", 2)
    b = await store.allocate_slot_ids("replica-b", 2)
    assert a == ["slot-0", "slot-1"] and b == ["slot-2", "slot-3"]
    assert await store.live_replicas() == 2
    await store.deregister_replica("replica-a")
    assert await store.live_replicas() == 1
    await store.register_replica("replica-c")
    assert await store.allocate_slot_ids("replica-c", 3) == ["slot-0", "slot-1", "slot-4"]


async def test_a_dead_replicas_task_is_requeued_and_its_slots_stopped(store: PoolStore) -> None:
    await store.register_replica("dead")
    await store.register_replica("alive")
    [slot_id] = await store.allocate_slot_ids("dead", 1)
    [task] = await insert(store, new_task())
    claimed = await store.claim_task(slot_id, "dead")
    assert claimed is not None and claimed.attempt == 1
    changed: list[Task] = []

    async def recovered() -> bool:
        await store.heartbeat("alive")
        changed.extend(await store.recover(max_attempts=3))
        return bool(changed)

    await eventually(recovered, 10)
    [requeued] = changed
    assert requeued.id == task.id and requeued.state is TaskState.PENDING
    assert requeued.attempt == 1 and requeued.version == claimed.version + 1
    slot = await store.get_slot(slot_id)
    assert slot is not None and slot.state is SlotState.STOPPED
    assert await store.live_replicas() == 1
    again = await store.claim_task("slot-9", "alive")
    assert again is not None and again.attempt == 2  # the dead run's attempt is fenced off


async def test_heartbeats_keep_a_running_task_leased(store: PoolStore) -> None:
    await store.register_replica("alive")
    await insert(store, new_task())
    claimed = await store.claim_task("slot-0", "alive")
    assert claimed is not None
    for _ in range(4):  # 2 s, twice the lease
        await store.heartbeat("alive")
        assert await store.recover(max_attempts=3) == []
        await asyncio.sleep(0.5)  # time passing is the behaviour under test
    current = await store.get_task(claimed.id)
    assert current is not None and current.state is TaskState.RUNNING


async def test_out_of_attempts_fails_interrupted_and_releases_budget(store: PoolStore) -> None:
    await store.register_replica("dead")
    task = new_task(reserved=300)
    await store.insert_task(task, BudgetChange(reserve=300))
    assert await store.claim_task("slot-0", "dead") is not None
    changed: list[Task] = []

    async def recovered() -> bool:
        changed.extend(await store.recover(max_attempts=1))
        return bool(changed)

    await eventually(recovered, 10)
    [failed] = changed
    assert failed.state is TaskState.FAILED
    assert failed.result is not None and failed.result.failure is not None
    assert failed.result.failure.kind is FailureKind.INTERRUPTED
    assert await store.get_budget() == BudgetState(spent_micros=0, reserved_micros=0)
    assert await store.get_task(task.id) == failed


async def test_allocation_skips_own_active_slots_and_reuses_stopped_ones(store: PoolStore) -> None:
    await store.register_replica("replica-a")
    assert await store.allocate_slot_ids("replica-a", 2) == ["slot-0", "slot-1"]
    assert await store.allocate_slot_ids("replica-a", 1) == ["slot-2"]
    slot = await store.get_slot("slot-0")
    assert slot is not None
    await store.put_slot(dataclasses.replace(slot, state=SlotState.STOPPED))
    assert await store.allocate_slot_ids("replica-a", 2) == ["slot-0", "slot-3"]


async def test_a_task_cancelled_on_a_dead_replica_gets_its_reservation_back(
    store: PoolStore,
) -> None:
    await store.register_replica("dead")
    await store.insert_task(new_task(reserved=500), BudgetChange(reserve=500))
    claimed = await store.claim_task("slot-0", "dead")
    assert claimed is not None
    cancelled = await store.update_task(dataclasses.replace(claimed, state=TaskState.CANCELLED))
    assert cancelled is not None and cancelled.reserved_micros == 500  # the run reports its cost
    changed: list[Task] = []

    async def recovered() -> bool:
        changed.extend(await store.recover(max_attempts=3))
        return bool(changed)

    await eventually(recovered, 10)
    [released] = changed
    assert released.state is TaskState.CANCELLED and released.reserved_micros == 0
    assert await store.get_budget() == BudgetState(spent_micros=0, reserved_micros=0)
    assert await store.recover(max_attempts=3) == []


# remembered replies ----------------------------------------------------------------------------


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


async def test_a_running_call_no_slot_ran_fails_when_its_replica_dies(store: PoolStore) -> None:
    """A routing call is inserted RUNNING by its replica; it must never go back to PENDING,
    where a slot would run the routing prompt as ordinary work."""
    await store.register_replica("dead")
    routing = dataclasses.replace(
        new_task(reserved=200), state=TaskState.RUNNING, replica_id="dead", attempt=1
    )
    await store.insert_task(routing, BudgetChange(reserve=200))
    changed: list[Task] = []

    async def recovered() -> bool:
        changed.extend(await store.recover(max_attempts=3))
        return bool(changed)

    await eventually(recovered, 10)
    [failed] = changed
    assert failed.state is TaskState.FAILED
    assert failed.result is not None and failed.result.failure is not None
    assert failed.result.failure.kind is FailureKind.INTERRUPTED
    assert await store.get_budget() == BudgetState(spent_micros=0, reserved_micros=0)
    assert await store.claim_task("slot-0", "alive") is None
