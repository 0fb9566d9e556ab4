"""The review gate on the InMemoryStore with the FakeDriver: PENDING_REVIEW, approve, reject with
feedback (a re-run in the same session), the rejection limit, wrong-state errors and the money
after each (the same paths run with the CLI in tests/integration/test_review.py)."""

from __future__ import annotations

import pytest

from claude_pool_server.api.status import code_for
from claude_pool_server.domain.budget import BudgetState
from claude_pool_server.domain.errors import (
    BudgetExhausted,
    IllegalState,
    InvalidArgument,
    PoolDraining,
    QuotaExceeded,
    TaskNotFound,
)
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.runs import RunRequest, SessionMode
from claude_pool_server.domain.tasks import (
    FailureKind,
    Finished,
    StateChanged,
    TaskOverrides,
    TaskSpec,
    TaskState,
)
from claude_pool_server.driver.fake import FakeReply
from tests.unit.engine_harness import ALICE, BOB, Harness, echo, eventually, running, slow

pytestmark = pytest.mark.asyncio

RESERVATION = 1_000_000
BUDGET = 10_000_000


async def money(h: Harness) -> tuple[int, int, int]:
    """(spent, reserved, unfinished) of the pool, after checking the namespace agrees."""
    pool = await h.store.get_budget(None)
    namespace = await h.store.get_budget(ALICE.namespace)
    assert namespace == pool  # one namespace in play
    return pool.spent_micros, pool.reserved_micros, pool.unfinished_tasks


def reviewed(prompt: str, max_rejections: int = 3) -> TaskSpec:
    return TaskSpec(prompt, review_required=True, max_rejections=max_rejections)


async def test_a_reviewed_task_waits_in_review_holding_its_place_until_approved() -> None:
    quota = NamespacePolicy(ALICE.namespace, max_concurrent_tasks=1)
    async with running(echo, slots=1, budget_micros=BUDGET, policies={ALICE.namespace: quota}) as h:
        task = await h.pool.submit(ALICE, reviewed("write a haiku"))
        assert await money(h) == (0, RESERVATION, 1)  # reserved at submission
        waiting = await h.wait_task(ALICE, task.id)
        assert waiting.state is TaskState.PENDING_REVIEW
        assert waiting.result is not None and waiting.result.output == "R[write a haiku]"
        # The run settled its reservation to its cost; the task still counts as unfinished.
        assert await money(h) == (100, 0, 1)
        with pytest.raises(QuotaExceeded):
            await h.pool.submit(ALICE, TaskSpec("one more"))

        approved = await h.pool.approve_task(ALICE, task.id)
        assert approved.state is TaskState.COMPLETED and approved.end_time is not None
        assert approved.result == waiting.result and approved.rejection_count == 0
        assert await money(h) == (100, 0, 0)
        events = await h.store.read_events(task.id, 0, 100)
        assert isinstance(events[-1].payload, Finished)
        assert events[-1].payload.task.state is TaskState.COMPLETED
        assert events[-2].payload == StateChanged(TaskState.COMPLETED, reason="approved")
        await h.pool.run(ALICE, TaskSpec("the quota is free again"))
        assert len(h.driver.requests) == 2


async def test_reject_reruns_on_the_original_prompt_with_the_feedback_in_the_same_session() -> None:
    async with running(echo, slots=1, budget_micros=BUDGET) as h:
        task = await h.pool.submit(ALICE, reviewed("write a haiku"))
        first = await h.wait_task(ALICE, task.id)

        rejected = await h.pool.reject_task(ALICE, task.id, "fewer syllables")
        assert rejected.state is TaskState.PENDING and rejected.rejection_count == 1
        assert rejected.result is None
        assert rejected.reserved_micros == RESERVATION  # a fresh reservation for the re-run
        assert (await money(h))[1:] in ((RESERVATION, 1), (0, 1))  # (the re-run may be done)
        rerun = await h.wait_task(ALICE, task.id)
        assert rerun.state is TaskState.PENDING_REVIEW
        assert rerun.prompt == (
            "write a haiku\n\n--- Rejection feedback (attempt 1/3) ---\nfewer syllables"
        )

        await h.pool.reject_task(ALICE, task.id, "more nature")
        again = await h.wait_task(ALICE, task.id)
        expected = "write a haiku\n\n--- Rejection feedback (attempt 2/3) ---\nmore nature"
        assert again.prompt == expected  # the ORIGINAL prompt plus only the latest feedback
        assert [r.prompt for r in h.driver.requests] == [
            "write a haiku",
            rerun.prompt,
            expected,
        ]
        # Each re-run continues the rejected run's session: the model sees its earlier answer.
        sessions = [r.session for r in h.driver.requests]
        assert sessions[0].mode is SessionMode.NEW
        assert [s.mode for s in sessions[1:]] == [SessionMode.CONTINUE] * 2
        assert {s.session_id for s in sessions[1:]} == {first.session_id}
        assert h.driver.seen[2] == ["write a haiku", rerun.prompt]
        assert await money(h) == (300, 0, 1)

        approved = await h.pool.approve_task(ALICE, task.id)
        assert approved.state is TaskState.COMPLETED and approved.rejection_count == 2
        assert await money(h) == (300, 0, 0)


async def test_max_rejections_fails_the_task_as_rejected_with_the_last_feedback() -> None:
    async with running(echo, slots=1, budget_micros=BUDGET) as h:
        task = await h.pool.submit(ALICE, reviewed("draft a title", max_rejections=2))
        await h.wait_task(ALICE, task.id)
        await h.pool.reject_task(ALICE, task.id, "too long")
        last = await h.wait_task(ALICE, task.id)

        failed = await h.pool.reject_task(ALICE, task.id, "still too long")
        assert failed.state is TaskState.FAILED and failed.rejection_count == 2
        assert failed.end_time is not None and failed.result is not None
        assert failed.result.failure is not None
        assert failed.result.failure.kind is FailureKind.REJECTED
        assert failed.result.failure.message == (
            "task rejected 2 times (max: 2). Last feedback: still too long"
        )
        assert last.result is not None and failed.result.output == last.result.output
        assert len(h.driver.requests) == 2  # no third run
        assert await money(h) == (200, 0, 0)
        events = await h.store.read_events(task.id, 0, 100)
        assert isinstance(events[-1].payload, Finished)
        assert events[-2].payload == StateChanged(
            TaskState.FAILED, reason="rejected: still too long"
        )


async def test_approve_or_reject_in_the_wrong_state_is_illegal_and_changes_nothing() -> None:
    def reply(request: RunRequest) -> FakeReply:
        return slow() if request.prompt == "still running" else echo(request)

    async with running(reply, slots=1, budget_micros=BUDGET) as h:
        plain = await h.pool.run(ALICE, TaskSpec("no review here"))
        with pytest.raises(IllegalState) as approving:
            await h.pool.approve_task(ALICE, plain.id)
        with pytest.raises(IllegalState) as rejecting:
            await h.pool.reject_task(ALICE, plain.id, "nope")
        for error in (approving, rejecting):
            assert code_for(error.value).name == "FAILED_PRECONDITION"
            assert error.value.metadata["state"] == "completed"
            assert error.value.metadata["expected_state"] == "pending_review"

        running_task = await h.pool.submit(ALICE, reviewed("still running"))

        async def started() -> bool:
            task = await h.pool.get_task(ALICE, running_task.id)
            return task.state is TaskState.RUNNING

        await eventually(started)
        queued = await h.pool.submit(ALICE, reviewed("queued behind it"))
        for task_id, state in ((running_task.id, "running"), (queued.id, "pending")):
            with pytest.raises(IllegalState) as error:
                await h.pool.approve_task(ALICE, task_id)
            assert error.value.metadata["state"] == state
            with pytest.raises(IllegalState):
                await h.pool.reject_task(ALICE, task_id, "too early")
        await h.pool.cancel_task(ALICE, running_task.id)
        review = await h.wait_task(ALICE, queued.id)
        assert review.state is TaskState.PENDING_REVIEW

        with pytest.raises(TaskNotFound):  # another namespace's task does not exist for it
            await h.pool.approve_task(BOB, review.id)
        with pytest.raises(TaskNotFound):
            await h.pool.reject_task(BOB, review.id, "x")
        with pytest.raises(TaskNotFound):
            await h.pool.approve_task(ALICE, "task-doesnotexist")
        with pytest.raises(InvalidArgument) as invalid:
            await h.pool.reject_task(ALICE, review.id, "  ")
        assert invalid.value.field == "feedback"
        unchanged = await h.pool.get_task(ALICE, review.id)
        assert unchanged.state is TaskState.PENDING_REVIEW and unchanged.rejection_count == 0
        assert unchanged.version == review.version

        await h.pool.approve_task(ALICE, review.id)
        with pytest.raises(IllegalState):
            await h.pool.approve_task(ALICE, review.id)
        with pytest.raises(IllegalState):
            await h.pool.reject_task(ALICE, review.id, "too late")

        async def settled() -> bool:
            # two runs cost 100 each, the stopped one reported 0; nothing stays held
            return await money(h) == (200, 0, 0)

        await eventually(settled)


async def test_a_rejection_needs_budget_for_the_rerun_and_fails_cleanly_without_it() -> None:
    def reply(request: RunRequest) -> FakeReply:
        return slow() if request.prompt == "blocker" else echo(request)

    envelope = TaskOverrides(max_budget_micros=1_000_000)
    async with running(reply, slots=2, budget_micros=1_500_000) as h:
        task = await h.pool.submit(
            ALICE, TaskSpec("budgeted", overrides=envelope, review_required=True)
        )
        await h.wait_task(ALICE, task.id)
        blocker = await h.pool.submit(ALICE, TaskSpec("blocker", overrides=envelope))
        assert await money(h) == (100, 1_000_000, 2)

        with pytest.raises(BudgetExhausted) as error:
            await h.pool.reject_task(ALICE, task.id, "again")
        assert (error.value.spent, error.value.reserved, error.value.requested) == (
            100,
            1_000_000,
            1_000_000,
        )
        unchanged = await h.pool.get_task(ALICE, task.id)
        assert unchanged.state is TaskState.PENDING_REVIEW and unchanged.rejection_count == 0
        assert await money(h) == (100, 1_000_000, 2)

        await h.pool.cancel_task(ALICE, blocker.id)

        async def freed() -> bool:
            return (await money(h))[1] == 0

        await eventually(freed)
        rejected = await h.pool.reject_task(ALICE, task.id, "again")
        assert rejected.state is TaskState.PENDING and rejected.reserved_micros == 1_000_000
        assert (await h.wait_task(ALICE, task.id)).state is TaskState.PENDING_REVIEW
        assert await money(h) == (200, 0, 1)  # the stopped blocker reported no cost


async def test_while_draining_a_rerun_is_refused_but_approve_and_a_final_reject_are_not() -> None:
    async with running(echo, slots=2, budget_micros=BUDGET) as h:
        last_chance = await h.pool.submit(ALICE, reviewed("one try", max_rejections=1))
        more = await h.pool.submit(ALICE, reviewed("many tries"))
        for task in (last_chance, more):
            assert (await h.wait_task(ALICE, task.id)).state is TaskState.PENDING_REVIEW
        await h.pool.drain(1)

        with pytest.raises(PoolDraining):
            await h.pool.reject_task(ALICE, more.id, "again")  # a re-run is new work
        assert (await h.pool.get_task(ALICE, more.id)).state is TaskState.PENDING_REVIEW
        failed = await h.pool.reject_task(ALICE, last_chance.id, "no")
        assert failed.state is TaskState.FAILED
        approved = await h.pool.approve_task(ALICE, more.id)
        assert approved.state is TaskState.COMPLETED
        budget = await h.store.get_budget(None)
        assert budget == BudgetState(spent_micros=200, reserved_micros=0, unfinished_tasks=0)
