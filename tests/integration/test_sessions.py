"""Conversations that belong to their caller (issue E), through the real CLI and the stub API,
which records every request the CLI sends: what a task's request holds is the ground truth."""

from __future__ import annotations

from typing import Any

import grpc
import pytest

from claude_pool import task_spec
from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool.v1 import task_pb2
from claude_pool_server.domain.sessions import SessionPolicy
from tests.conftest import PoolHarness, ServerFactory
from tests.support.stub_anthropic import RecordedRequest

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


def requests_of(pool: PoolHarness, task: task_pb2.Task) -> list[RecordedRequest]:
    return [r for r in pool.stub.messages_requests(task.result.session_id) if r.body]


def user_texts(request: RecordedRequest) -> list[str]:
    """The user turns the request carries, as the CLI sent them."""
    assert request.body is not None
    texts: list[str] = []
    for message in request.body["messages"]:
        if message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        text = " ".join(
            b.get("text", "") if isinstance(b, dict) else str(b)
            for b in blocks
            if not (isinstance(b, dict) and b.get("type") == "tool_result")
        )
        texts.append(text)
    return texts


def mentions(request: RecordedRequest, marker: str) -> bool:
    return marker in str(request.body)


async def test_a_failed_task_leaves_no_trace_in_the_next_ones(make_server: ServerFactory) -> None:
    """Round 2, finding 1: after a failed task every later task on its slot was sent the failed
    prompt too (and failed with it)."""
    pool = await make_server(slots=1)
    items = await pool.client.fan_out(["a ALPHA", "b BRAVO [[500]]", "c CHARLIE"])
    assert [i.task.state for i in items] == [
        task_pb2.TASK_STATE_COMPLETED,
        task_pb2.TASK_STATE_FAILED,
        task_pb2.TASK_STATE_COMPLETED,
    ]
    after = await pool.client.run("d DELTA")
    assert after.state == task_pb2.TASK_STATE_COMPLETED
    [request] = requests_of(pool, after)
    assert not mentions(request, "BRAVO") and not mentions(request, "ALPHA")
    assert len(user_texts(request)) == 1 and "DELTA" in user_texts(request)[0]


async def test_context_set_after_a_task_reaches_the_next_request(
    make_server: ServerFactory,
) -> None:
    """Finding 2: context set after any task had run never reached the model."""
    pool = await make_server(slots=1)
    await pool.client.run("warm the slot up")
    await pool.client.set_context("team", "blue-whales")
    task = await pool.client.run("what is the team")
    [request] = requests_of(pool, task)
    assert "- **team**: blue-whales" in str(request.body["system"])  # type: ignore[index]


async def test_a_task_system_prompt_reaches_the_model_on_a_slot_that_ran_before(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    await pool.client.run("first")
    task = await pool.client.run(task_spec("second", system_prompt="Answer as a pirate."))
    [request] = requests_of(pool, task)
    assert "Answer as a pirate." in str(request.body["system"])  # type: ignore[index]


async def test_a_model_override_does_not_stick_to_the_slot(make_server: ServerFactory) -> None:
    """Finding 3: after a task with model X, later tasks on the slot still answered as X."""
    pool = await make_server(slots=1, model="claude-sonnet-4-5")
    first = await pool.client.run(task_spec("with an override", model="claude-haiku-4-5"))
    second = await pool.client.run("without one")
    assert requests_of(pool, first)[-1].body["model"] == "claude-haiku-4-5"  # type: ignore[index]
    assert requests_of(pool, second)[-1].body["model"] == "claude-sonnet-4-5"  # type: ignore[index]


async def test_a_failed_run_after_successes_costs_nothing(make_server: ServerFactory) -> None:
    """Finding 4: a failed run was charged the session's running total."""
    pool = await make_server(slots=1, model="claude-sonnet-4-5")
    first = await pool.client.run("one [[usage:100:50]]")
    turns = [first]
    for _ in range(2):
        turns.append(
            await pool.client.run(task_spec("more [[usage:100:50]]", continue_from=turns[-1].id))
        )
    assert all(t.result.cost_micros == 1_050 for t in turns)
    failed = await pool.client.run(task_spec("then [[500]]", continue_from=turns[-1].id))
    assert failed.state == task_pb2.TASK_STATE_FAILED
    assert failed.result.cost_micros == 0
    status = await pool.client.status()
    assert status.spent_micros == 3 * 1_050


async def test_a_task_sees_another_only_when_it_continues_it(make_server: ServerFactory) -> None:
    """Finding 5: task B's request carried task A's prompt and answer."""
    pool = await make_server(slots=1)
    a = await pool.client.run("my secret is KIWI-7 [[reply:noted KIWI-7]]")
    b = await pool.client.run("unrelated question")
    [request] = requests_of(pool, b)
    assert not mentions(request, "KIWI-7")
    follow_up = await pool.client.run(task_spec("what was it? [[recall]]", continue_from=a.id))
    assert follow_up.result.output == "RECALL[noted KIWI-7]"
    assert follow_up.session_id == a.session_id
    by_session = await pool.client.run(
        task_spec("and again? [[recall]]", continue_from=a.session_id)
    )
    assert by_session.result.output == "RECALL[RECALL[noted KIWI-7]]"


async def test_requests_stay_small_when_each_task_has_its_own_session(
    make_server: ServerFactory,
) -> None:
    """Finding 7: a slot resuming one session for 64 tasks sent 484 messages per request."""
    pool = await make_server(slots=1)
    last = None
    for index in range(12):
        last = await pool.client.run(f"short task {index}")
    assert last is not None
    [request] = requests_of(pool, last)
    assert len(request.body["messages"]) <= 2  # type: ignore[index]


async def test_a_fork_starts_from_a_copy_and_leaves_the_original(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    base = await pool.client.run("base [[reply:base answer]]")
    fork = await pool.client.run(task_spec("forked [[recall]]", fork_from=base.id))
    assert fork.result.output == "RECALL[base answer]"
    assert fork.session_id != base.session_id
    original = await pool.client.run(task_spec("original [[recall]]", continue_from=base.id))
    assert original.result.output == "RECALL[base answer]"  # the fork's turn is not in it
    session = await pool.client.stub.GetSession(pb.GetSessionRequest(session_id=fork.session_id))
    assert session.session.forked_from == base.session_id


async def expect_code(call: Any, code: grpc.StatusCode, reason: str = "") -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() is code, caught.value.details()
    if reason:
        assert reason in str(caught.value.trailing_metadata())


async def test_unknown_deleted_and_conflicting_sessions_are_refused(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    stub = pool.client.stub
    task = await pool.client.run("to be deleted")

    def submit(**spec: Any) -> Any:
        return stub.SubmitTask(pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="x", **spec)))

    await expect_code(submit(continue_from="no-such-session"), grpc.StatusCode.NOT_FOUND)
    await expect_code(submit(continue_from="task-no-such-task"), grpc.StatusCode.NOT_FOUND)
    await expect_code(
        submit(continue_from=task.id, fork_from=task.session_id), grpc.StatusCode.INVALID_ARGUMENT
    )
    listed = await stub.ListSessions(pb.ListSessionsRequest())
    assert task.session_id in [s.id for s in listed.sessions]
    await stub.DeleteSession(pb.DeleteSessionRequest(session_id=task.session_id))
    await expect_code(submit(continue_from=task.session_id), grpc.StatusCode.NOT_FOUND)
    await expect_code(submit(continue_from=task.id), grpc.StatusCode.NOT_FOUND)
    await expect_code(
        stub.GetSession(pb.GetSessionRequest(session_id=task.session_id)),
        grpc.StatusCode.NOT_FOUND,
    )
    running = await pool.client.submit("[[slow:1]] [[chunks:3]] still running")
    await expect_code(submit(continue_from=running.id), grpc.StatusCode.FAILED_PRECONDITION)


async def test_the_slot_policy_keeps_a_slot_session_and_ends_it_on_failure(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, session_policy=SessionPolicy.SLOT)
    first = await pool.client.run("first FOXTROT [[reply:one]]")
    second = await pool.client.run("second [[recall]]")
    assert second.session_id == first.session_id and second.result.output == "RECALL[one]"
    failed = await pool.client.run("third GOLF [[500]]")
    assert failed.state == task_pb2.TASK_STATE_FAILED
    after = await pool.client.run("after the failure [[recall]]")
    assert after.session_id != first.session_id and after.result.output == "RECALL[]"
    [request] = requests_of(pool, after)
    assert not mentions(request, "GOLF") and not mentions(request, "FOXTROT")
    await pool.client.set_context("style", "terse")  # fixed at a session's start: a new one
    changed = await pool.client.run("with new context [[recall]]")
    assert changed.session_id != after.session_id and changed.result.output == "RECALL[]"
    assert "style" in str(requests_of(pool, changed)[-1].body["system"])  # type: ignore[index]
