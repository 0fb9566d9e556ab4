"""Chains on the InMemoryStore with the FakeDriver: order, failure, retries, cancel, adoption,
watch, isolation, fan-out and namespaces (the same paths run with the CLI in
tests/integration/test_chains.py)."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from claude_pool_server.domain.chains import (
    ChainIsolation,
    ChainOptions,
    ChainProgress,
    ChainStatus,
    ChainStep,
    StepFailurePolicy,
    StepResult,
)
from claude_pool_server.domain.errors import ChainNotFound, IllegalState, InvalidArgument
from claude_pool_server.domain.lifecycle import Change
from claude_pool_server.domain.runs import RunRequest
from claude_pool_server.domain.tasks import TaskState
from claude_pool_server.domain.workspaces import Isolated
from claude_pool_server.driver.fake import FakeReply
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.workspace.git import GitWorkspaces
from tests.unit.engine_harness import ALICE, BOB, Reply, echo, eventually, running, slow

pytestmark = pytest.mark.asyncio


def failing_for(marker: str, cost: int = 7) -> Reply:
    def reply(request: RunRequest) -> FakeReply:
        if marker in request.prompt:
            return FakeReply(success=False, failure_message=f"boom: {marker}", cost_micros=cost)
        return echo(request)

    return reply


async def test_steps_run_in_order_and_each_sees_the_previous_output_and_variables() -> None:
    def reply(request: RunRequest) -> FakeReply:
        if request.prompt == "plan it":
            return FakeReply(chunks=('{"lang": "rust", "files": {"n": 3}}',), cost_micros=10)
        return FakeReply(chunks=(f"R[{request.prompt}]",), cost_micros=20)

    async with running(reply, slots=2) as h:
        steps = [
            ChainStep("plan", "plan it", output_vars={"lang": "lang", "count": "files.n"}),
            ChainStep("build", "in {steps.plan.lang} x{steps.plan.count} {steps.plan.nope}"),
            ChainStep("", "saw {previous_output}"),
        ]
        chain = await h.pool.submit_chain(ALICE, steps, ChainOptions(tags=("chain-test",)))
        assert chain.total_steps == 3 and chain.status is ChainStatus.PENDING
        done = await h.wait_chain(ALICE, chain.chain_id)

        assert done.status is ChainStatus.COMPLETED and done.end_time is not None
        built = "in rust x3 {steps.plan.nope}"  # an unknown reference stays literal
        assert h.prompts() == ["plan it", built, f"saw R[{built}]"]
        result = done.result
        assert result is not None and result.success
        assert [s.name for s in result.steps] == ["plan", "build", "step-3"]
        assert result.final_output == f"R[saw R[{built}]]"
        assert result.total_cost_micros == 10 + 20 + 20
        tasks = await h.chain_tasks(ALICE, chain.chain_id)
        assert [t.id for t in tasks] == [s.task_id for s in result.steps]
        assert all(t.spec.tags == ("chain-test",) and t.owner == "alice" for t in tasks)
        for before, after in itertools.pairwise(tasks):
            assert before.end_time is not None and after.start_time is not None
            assert after.start_time >= before.end_time  # two free slots, still one at a time


async def test_a_failed_step_fails_the_chain_says_which_and_why_and_later_steps_never_run() -> None:
    async with running(failing_for("second"), slots=2) as h:
        steps = [ChainStep("", "first"), ChainStep("", "second {previous_output}")]
        steps.append(ChainStep("", "third never runs"))
        chain = await h.pool.submit_chain(ALICE, steps, ChainOptions())
        done = await h.wait_chain(ALICE, chain.chain_id)

        assert done.status is ChainStatus.FAILED and done.end_time is not None
        result = done.result
        assert result is not None and not result.success
        first, failed, skipped = result.steps
        assert (first.name, first.success, first.output) == ("step-1", True, "R[first]")
        assert (failed.name, failed.success, failed.skipped) == ("step-2", False, False)
        assert failed.output == "boom: second" and failed.cost_micros == 7
        assert skipped.skipped and not skipped.task_id and skipped.name == "step-3"
        assert result.final_output == "boom: second"
        assert result.total_cost_micros == 100 + 7
        assert not any("third" in p for p in h.prompts())
        tasks = await h.chain_tasks(ALICE, chain.chain_id)
        assert [t.state for t in tasks] == [TaskState.COMPLETED, TaskState.FAILED]


async def test_a_step_is_retried_per_its_policy_then_recovered_with_the_error() -> None:
    attempts: Counter[str] = Counter()

    def reply(request: RunRequest) -> FakeReply:
        attempts[request.prompt] += 1
        if request.prompt.startswith("flaky") and attempts[request.prompt] <= 2:
            return FakeReply(success=False, failure_message="API Error: 529", cost_micros=5)
        if request.prompt.startswith("broken"):
            return FakeReply(success=False, failure_message="always broken", cost_micros=5)
        return echo(request)

    async with running(reply, slots=1) as h:
        flaky = ChainStep("flaky", "flaky one", failure_policy=StepFailurePolicy(retries=2))
        recovered = ChainStep(
            "recovered",
            "broken two",
            failure_policy=StepFailurePolicy(retries=1, recovery_prompt="recover from: {error}"),
        )
        chain = await h.pool.submit_chain(ALICE, [flaky, recovered], ChainOptions())
        done = await h.wait_chain(ALICE, chain.chain_id)
        assert done.status is ChainStatus.COMPLETED
        assert done.result is not None
        first, second = done.result.steps
        assert first.success and first.retries_used == 2 and first.cost_micros == 5 + 5 + 100
        assert second.success and second.retries_used == 2
        assert second.output == "R[recover from: always broken]"
        assert h.prompts() == ["flaky one"] * 3 + ["broken two"] * 2 + [
            "recover from: always broken"
        ]
        tasks = await h.chain_tasks(ALICE, chain.chain_id)
        assert len(tasks) == 6
        assert second.task_id == tasks[-1].id
        assert done.result.total_cost_micros == sum(t.result.cost_micros for t in tasks if t.result)

        # Out of retries and no recovery prompt: the step fails after 1 + retries attempts.
        exhausted = ChainStep("x", "broken again", failure_policy=StepFailurePolicy(retries=1))
        chain = await h.pool.submit_chain(
            ALICE, [exhausted, ChainStep("y", "next")], ChainOptions()
        )
        done = await h.wait_chain(ALICE, chain.chain_id)
        assert done.status is ChainStatus.FAILED and done.result is not None
        assert done.result.steps[0].retries_used == 1
        assert done.result.steps[0].output == "always broken"
        assert attempts["broken again"] == 2 and attempts["next"] == 0


async def test_cancel_mid_step_cancels_the_running_task_and_no_later_step_starts() -> None:
    def reply(request: RunRequest) -> FakeReply:
        return slow() if request.prompt == "long" else echo(request)

    async with running(reply, slots=2, budget_micros=10_000_000) as h:
        steps = [ChainStep("long", "long"), ChainStep("after", "after {previous_output}")]
        chain = await h.pool.submit_chain(ALICE, steps, ChainOptions())

        async def step_running() -> bool:
            tasks = await h.chain_tasks(ALICE, chain.chain_id)
            return bool(tasks) and tasks[0].state is TaskState.RUNNING

        await eventually(step_running)
        cancelled = await asyncio.wait_for(h.pool.cancel_chain(ALICE, chain.chain_id), 2)

        assert cancelled.status is ChainStatus.CANCELLED and cancelled.end_time is not None
        result = cancelled.result
        assert result is not None and not result.success
        assert [(s.name, s.skipped) for s in result.steps] == [("long", False), ("after", True)]
        task = await h.pool.get_task(ALICE, result.steps[0].task_id)
        assert task.state is TaskState.CANCELLED
        assert h.prompts() == ["long"]
        assert len(await h.chain_tasks(ALICE, chain.chain_id)) == 1

        async def settled() -> bool:  # the stopped run reports its cost; nothing stays reserved
            return (await h.store.get_budget(None)).reserved_micros == 0

        await eventually(settled)
        assert (await h.pool.get_chain(ALICE, chain.chain_id)).status is ChainStatus.CANCELLED
        with pytest.raises(IllegalState):
            await h.pool.cancel_chain(ALICE, chain.chain_id)


async def test_a_cancel_while_the_next_step_is_being_submitted_never_runs_that_step() -> None:
    """The cancel lands between the runner's "still running?" check and its submit of the next
    step (a store round trip: Postgres yields there). That step must not run."""
    async with running(echo, slots=2) as h:
        gate = asyncio.Event()
        at_gate = asyncio.Event()
        submit = h.store.submit_task

        async def slow_submit(change: Change) -> object:
            if change.task.prompt.startswith("second"):
                at_gate.set()
                await gate.wait()
            return await submit(change)

        h.store.submit_task = slow_submit  # type: ignore[assignment,method-assign]
        steps = [ChainStep("first", "first"), ChainStep("second", "second {previous_output}")]
        chain = await h.pool.submit_chain(ALICE, steps, ChainOptions())
        await asyncio.wait_for(at_gate.wait(), 2)
        cancelling = asyncio.create_task(h.pool.cancel_chain(ALICE, chain.chain_id))

        async def marked() -> bool:
            current = await h.store.get_chain(chain.chain_id)
            return current is not None and current.status is ChainStatus.CANCELLED

        await eventually(marked)
        gate.set()
        cancelled = await asyncio.wait_for(cancelling, 2)

        assert cancelled.status is ChainStatus.CANCELLED and cancelled.end_time is not None
        assert h.prompts() == ["first"]
        tasks = await h.chain_tasks(ALICE, chain.chain_id)
        assert all(t.start_time is None for t in tasks[1:])
        assert [t.state for t in tasks[1:]] in ([], [TaskState.CANCELLED])
        assert cancelled.result is not None
        assert [s.success for s in cancelled.result.steps] == [True, False]


def _orphan(
    chain_id: str, status: ChainStatus, steps: tuple[ChainStep, ...], done: int
) -> ChainProgress:
    outputs = ['{"x": "42"}', "second output"]
    return ChainProgress(
        chain_id=chain_id,
        status=status,
        total_steps=len(steps),
        create_time=datetime.now(UTC),
        steps=steps,
        current_step=done,
        completed_steps=tuple(
            StepResult(s.name, outputs[i], True, 100) for i, s in enumerate(steps[:done])
        ),
        runner_replica_id="replica-that-died",
        namespace=ALICE.namespace,
        owner=ALICE.principal,
    )


async def test_an_orphan_chain_is_adopted_once_and_runs_on_from_its_last_step() -> None:
    store = InMemoryStore()
    steps = (
        ChainStep("plan", "plan it", output_vars={"answer": "x"}),
        ChainStep("apply", "apply {steps.plan.answer} after {previous_output}"),
    )
    assert await store.put_chain(_orphan("chain-orphan", ChainStatus.RUNNING, steps, 1))
    cancelled_steps = (ChainStep("a", "one"), ChainStep("b", "two"))
    gone = _orphan("chain-cancelled", ChainStatus.CANCELLED, cancelled_steps, 1)
    assert await store.put_chain(gone)

    async with running(echo, store=store, slots=1) as h:
        adopted = await h.pool.chains.adopt_orphans()
        assert sorted(adopted) == ["chain-cancelled", "chain-orphan"]
        assert await h.pool.chains.adopt_orphans() == []  # this replica runs them now

        done = await h.wait_chain(ALICE, "chain-orphan")
        assert done.status is ChainStatus.COMPLETED
        assert done.runner_replica_id == h.pool.replica_id
        assert done.result is not None
        assert done.result.final_output == 'R[apply 42 after {"x": "42"}]'
        assert [s.name for s in done.result.steps] == ["plan", "apply"]
        assert h.prompts() == ['apply 42 after {"x": "42"}']  # the finished step is not re-run

        stopped = await h.wait_chain(ALICE, "chain-cancelled")
        assert stopped.status is ChainStatus.CANCELLED and stopped.end_time is not None
        assert stopped.result is not None
        assert [s.skipped for s in stopped.result.steps] == [False, True]
        assert not await h.chain_tasks(ALICE, "chain-cancelled")


async def test_a_chain_whose_replica_stopped_mid_step_is_adopted_and_each_step_runs_once() -> None:
    """Replica A stops gracefully while step 2 runs: its slot finishes the step within the grace
    period, but A's runner is gone. Of replicas B and C exactly one adopts the chain, takes step
    2's result instead of running it again, runs step 3 and finishes the chain once."""

    def reply(request: RunRequest) -> FakeReply:
        if request.prompt.startswith("second"):
            return FakeReply(chunks=("s", "e", "c"), delay=0.05)
        return echo(request)

    store = InMemoryStore()
    finishes: list[ChainProgress] = []
    put_chain = store.put_chain

    async def recording(progress: ChainProgress) -> ChainProgress | None:
        stored = await put_chain(progress)
        if stored is not None and stored.end_time is not None:
            finishes.append(stored)
        return stored

    store.put_chain = recording  # type: ignore[method-assign]
    async with running(reply, store=store, replica_id="replica-a", slots=1, grace=3.0) as a:
        steps = [ChainStep("first", "first"), ChainStep("second", "second {previous_output}")]
        steps.append(ChainStep("third", "third {previous_output}"))
        chain = await a.pool.submit_chain(ALICE, steps, ChainOptions())

        async def second_running() -> bool:
            tasks = await a.chain_tasks(ALICE, chain.chain_id)
            return len(tasks) == 2 and tasks[1].state is TaskState.RUNNING

        await eventually(second_running)
    # A has stopped: its runner was cancelled, its slot finished step 2 within the grace.
    tasks = await a.chain_tasks(ALICE, chain.chain_id)
    assert [t.state for t in tasks] == [TaskState.COMPLETED, TaskState.COMPLETED]
    orphan = await store.get_chain(chain.chain_id)
    assert orphan is not None and orphan.status is ChainStatus.RUNNING and not finishes

    async with (
        running(reply, store=store, replica_id="replica-b", slots=1) as b,
        running(reply, store=store, replica_id="replica-c", slots=1) as c,
    ):
        adopters = await asyncio.gather(
            b.pool.chains.adopt_orphans(), c.pool.chains.adopt_orphans()
        )
        assert sorted(adopters) == [[], [chain.chain_id]]
        done = await b.wait_chain(ALICE, chain.chain_id)

        assert done.status is ChainStatus.COMPLETED, done
        assert done.result is not None
        assert done.result.final_output == "R[third sec]"
        assert [s.task_id for s in done.result.steps[:2]] == [t.id for t in tasks]
        everything = a.prompts() + b.prompts() + c.prompts()
        assert everything == ["first", "second R[first]", "third sec"]
        assert len(await b.chain_tasks(ALICE, chain.chain_id)) == 3
        assert len(finishes) == 1 and finishes[0].status is ChainStatus.COMPLETED


async def test_watch_chain_yields_snapshots_in_seq_order_to_the_end() -> None:
    def reply(request: RunRequest) -> FakeReply:
        return FakeReply(chunks=("a", "b", "c"), delay=0.01)

    async with running(reply, slots=1) as h:
        steps = [ChainStep("", f"step {i}") for i in range(3)]
        chain = await h.pool.submit_chain(ALICE, steps, ChainOptions())

        async def collect(after_seq: int) -> list[ChainProgress]:
            return [p async for p in h.pool.watch_chain(ALICE, chain.chain_id, after_seq)]

        seen = await asyncio.wait_for(collect(0), 3)
        seqs = [p.seq for p in seen]
        assert seqs == sorted(set(seqs)) and seqs[0] >= 1
        assert seen[-1].status is ChainStatus.COMPLETED and seen[-1].end_time is not None
        assert seen[-1].seq == (await h.pool.get_chain(ALICE, chain.chain_id)).seq
        running_steps = [p.current_step for p in seen if p.current_step is not None]
        assert running_steps == sorted(running_steps) and set(running_steps) == {0, 1, 2}
        # resuming from an earlier seq of a finished chain yields its latest snapshot; from the
        # last one, nothing
        resumed = await asyncio.wait_for(collect(seqs[1]), 3)
        assert [p.seq for p in resumed] == [seqs[-1]]
        assert await asyncio.wait_for(collect(seqs[-1]), 3) == []
        with pytest.raises(InvalidArgument):
            await collect(-1)


class RecordingWorkspaces(GitWorkspaces):
    """Isolation without git: a directory per chain, recorded when made and released."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self.released: list[str] = []

    async def repo_top(self, directory: str) -> str:
        return directory

    async def isolate_chain(
        self, kind: ChainIsolation, base: str, work_root: str, chain_id: str, reuse: bool
    ) -> Isolated:
        folder = Path(work_root) / ".isolated" / chain_id
        folder.mkdir(parents=True)
        self.made.append(chain_id)
        return Isolated(str(folder), str(folder))

    async def release_chain(self, isolated: Isolated) -> None:
        self.released.append(os.path.basename(isolated.root))


async def test_isolation_none_runs_in_the_working_dir_and_worktree_in_its_own(
    tmp_path: Path,
) -> None:
    work = tmp_path / "work"
    (work / "repo").mkdir(parents=True)
    spaces = RecordingWorkspaces()
    async with running(echo, slots=1, work_roots=(str(work),), workspaces=spaces) as h:
        steps = [ChainStep("", "one"), ChainStep("", "two")]
        plain = await h.pool.submit_chain(ALICE, steps, ChainOptions(working_dir="repo"))
        assert (await h.wait_chain(ALICE, plain.chain_id)).status is ChainStatus.COMPLETED
        assert [r.cwd for r in h.driver.requests] == [str((work / "repo").resolve())] * 2
        assert spaces.made == [] and spaces.released == []

        isolated = ChainOptions(working_dir="repo", isolation=ChainIsolation.WORKTREE)
        chain = await h.pool.submit_chain(ALICE, steps, isolated)
        assert (await h.wait_chain(ALICE, chain.chain_id)).status is ChainStatus.COMPLETED
        isolated_dir = str((work / ".isolated" / chain.chain_id).resolve())
        assert [r.cwd for r in h.driver.requests[2:]] == [isolated_dir] * 2
        assert spaces.made == spaces.released == [chain.chain_id]


async def test_fan_out_chains_run_independently_and_bad_input_submits_none() -> None:
    async with running(failing_for("b1"), slots=2) as h:
        specs = [
            ([ChainStep("", "a1"), ChainStep("", "a2 {previous_output}")], ChainOptions()),
            ([ChainStep("", "b1"), ChainStep("", "b2")], ChainOptions()),
            ([ChainStep("", "c1")], ChainOptions()),
        ]
        chains = await h.pool.fan_out_chains(ALICE, specs)
        assert [c.total_steps for c in chains] == [2, 2, 1]
        finals = [await h.wait_chain(ALICE, c.chain_id) for c in chains]
        assert [f.status for f in finals] == [
            ChainStatus.COMPLETED,
            ChainStatus.FAILED,
            ChainStatus.COMPLETED,
        ]
        assert [f.result.final_output for f in finals if f.result] == [
            "R[a2 R[a1]]",
            "boom: b1",
            "R[c1]",
        ]
        assert "b2" not in h.prompts()
        listed = await h.pool.list_chains(ALICE, ChainStatus.COMPLETED, 10, "")
        assert [c.chain_id for c in listed.chains] == [chains[2].chain_id, chains[0].chain_id]

        bad = [([ChainStep("", "fine")], ChainOptions()), ([], ChainOptions())]
        with pytest.raises(InvalidArgument) as error:
            await h.pool.fan_out_chains(ALICE, bad)
        assert error.value.field == "chains[1].steps"
        assert len((await h.pool.list_chains(ALICE, None, 10, "")).chains) == 3


async def test_another_namespace_cannot_see_watch_or_cancel_a_chain() -> None:
    async with running(lambda r: slow(), slots=1) as h:
        chain = await h.pool.submit_chain(ALICE, [ChainStep("", "mine")], ChainOptions())
        with pytest.raises(ChainNotFound):
            await h.pool.get_chain(BOB, chain.chain_id)
        with pytest.raises(ChainNotFound):
            await h.pool.cancel_chain(BOB, chain.chain_id)
        with pytest.raises(ChainNotFound):
            async for _ in h.pool.watch_chain(BOB, chain.chain_id, 0):
                pass
        assert (await h.pool.list_chains(BOB, None, 10, "")).chains == []
        assert not await h.chain_tasks(BOB, chain.chain_id)
        assert (await h.pool.get_chain(ALICE, chain.chain_id)).status is not ChainStatus.CANCELLED
        assert [c.chain_id for c in (await h.pool.list_chains(ALICE, None, 10, "")).chains] == [
            chain.chain_id
        ]
        assert (await h.pool.cancel_chain(ALICE, chain.chain_id)).status is ChainStatus.CANCELLED
