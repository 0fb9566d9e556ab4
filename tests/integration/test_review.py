"""The review gate: PENDING_REVIEW, approve, reject with feedback (re-run), the rejection limit."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import grpc
import pytest

from claude_pool import PoolError, task_spec
from claude_pool.v1 import task_pb2
from claude_pool_server import cli
from tests.conftest import ServerFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


def last_user_text(body: dict[str, Any] | None) -> str:
    """The newest user text the CLI sent to the API."""
    assert body is not None
    for message in reversed(body["messages"]):
        if message["role"] != "user":
            continue
        content = message["content"]
        if isinstance(content, str):
            return content
        texts = [b["text"] for b in content if b.get("type") == "text"]
        texts = [t for t in texts if not t.startswith("<system-reminder>")]
        if texts:
            return "\n".join(texts)
    return ""


def prompts_sent(stub: Any) -> list[str]:
    return [last_user_text(r.body) for r in stub.messages_requests()]


async def test_reject_reruns_with_feedback_on_the_original_prompt_then_approve(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    task = await pool.client.submit(task_spec("write a haiku REV-ONE", review_required=True))
    reviewed = await pool.client.wait(task.id, 60)
    assert reviewed.state == task_pb2.TASK_STATE_PENDING_REVIEW
    assert reviewed.result.output  # the output is readable while in review

    rejected = await pool.client.reject(task.id, "fewer syllables")
    assert rejected.state == task_pb2.TASK_STATE_PENDING
    assert rejected.rejection_count == 1
    rerun = await pool.client.wait(task.id, 60)
    assert rerun.state == task_pb2.TASK_STATE_PENDING_REVIEW

    rejected = await pool.client.reject(task.id, "more nature")
    rerun = await pool.client.wait(task.id, 60)
    assert rerun.state == task_pb2.TASK_STATE_PENDING_REVIEW
    # The second run's prompt is the ORIGINAL prompt plus only the latest feedback.
    expected = "write a haiku REV-ONE\n\n--- Rejection feedback (attempt 2/3) ---\nmore nature"
    assert rerun.prompt == expected
    sent = [p for p in prompts_sent(pool.stub) if "REV-ONE" in p]
    assert any(p.endswith(expected) for p in sent)
    assert not any("fewer syllables" in p and "more nature" in p for p in sent)

    approved = await pool.client.approve(task.id)
    assert approved.state == task_pb2.TASK_STATE_COMPLETED
    with pytest.raises(PoolError) as err:
        await pool.client.approve(task.id)
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION


async def test_max_rejections_fails_the_task_with_the_last_feedback(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    spec = task_spec("draft a title REV-TWO", review_required=True)
    spec.max_rejections = 2
    task = await pool.client.submit(spec)
    await pool.client.wait(task.id, 60)
    await pool.client.reject(task.id, "too long")
    await pool.client.wait(task.id, 60)
    failed = await pool.client.reject(task.id, "still too long")
    assert failed.state == task_pb2.TASK_STATE_FAILED
    assert failed.rejection_count == 2
    assert failed.result.failure.kind == task_pb2.FAILURE_KIND_REJECTED
    assert failed.result.failure.message == (
        "task rejected 2 times (max: 2). Last feedback: still too long"
    )
    status = await pool.client.status()
    assert status.reserved_micros == 0


async def test_review_errors_are_precise(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1)
    plain = await pool.client.run("no review here")
    with pytest.raises(PoolError) as err:
        await pool.client.reject(plain.id, "nope")
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION
    with pytest.raises(PoolError) as err:
        await pool.client.approve("task-doesnotexist")
    assert err.value.code == grpc.StatusCode.NOT_FOUND
    task = await pool.client.submit(task_spec("x", review_required=True))
    await pool.client.wait(task.id, 60)
    with pytest.raises(PoolError) as err:
        await pool.client.reject(task.id, "  ")
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_rejection_needs_budget_for_the_rerun(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1, budget_micros=1_500_000)
    task = await pool.client.submit(
        task_spec("budgeted REV-THREE", review_required=True, max_budget_usd=1.0)
    )
    await pool.client.wait(task.id, 60)
    blocker = await pool.client.submit(task_spec("[[slow:2]] hold", max_budget_usd=1.0))
    with pytest.raises(PoolError) as err:
        await pool.client.reject(task.id, "again")
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert (await pool.client.get(task.id)).state == task_pb2.TASK_STATE_PENDING_REVIEW
    await pool.client.wait(blocker.id, 60)


async def test_claim_task_honours_the_review_gate(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1)
    # Stop slot-0's own claiming loop so the task can only start through ClaimTask.
    worker = pool.server.app.pool.workers["slot-0"]
    assert worker._loop_task is not None
    worker._loop_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await worker._loop_task
    task = await pool.client.submit(task_spec("claimed REV-FOUR", review_required=True))
    claimed = await pool.client.claim("slot-0")
    assert claimed is not None and claimed.id == task.id
    done = await pool.client.wait(task.id, 60)
    assert done.state == task_pb2.TASK_STATE_PENDING_REVIEW


async def test_cli_submit_review_approve_and_reject(
    make_server: ServerFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = await make_server(slots=1)
    server = ["--server", pool.server.address]
    code = await asyncio.to_thread(cli.main, ["submit", *server, "--review", "cli REV-FIVE"])
    assert code == 0
    task_id = capsys.readouterr().out.strip()
    await pool.client.wait(task_id, 60)
    assert await asyncio.to_thread(cli.main, ["reject", *server, task_id, "shorter"]) == 0
    assert capsys.readouterr().out.strip() == f"{task_id} pending"
    await pool.client.wait(task_id, 60)
    assert await asyncio.to_thread(cli.main, ["approve", *server, task_id]) == 0
    assert capsys.readouterr().out.strip() == f"{task_id} completed"
