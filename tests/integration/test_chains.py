"""Chains: substitution, output_vars, retries and recovery, failure, cancel, isolation, watch."""

from __future__ import annotations

import asyncio
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from claude_pool import PoolError
from claude_pool.client import chain_step
from claude_pool.v1 import chain_pb2, task_pb2
from claude_pool_server import cli
from claude_pool_server.domain.chains import ChainProgress, ChainStatus, ChainStep, StepResult
from claude_pool_server.store.memory import InMemoryStore
from tests.conftest import ServerFactory, eventually

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_previous_output_and_step_variables_flow_between_steps(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=2)
    chain = await pool.client.submit_chain(
        [
            {
                "name": "plan",
                "prompt": '[[json:{"lang": "rust", "files": {"n": 3}}]]',
                "output_vars": {"lang": "lang", "count": "files.n", "all": "."},
            },
            {
                "name": "build",
                "prompt": "in {steps.plan.lang} x{steps.plan.count} {steps.plan.nope}",
            },
            {"name": "echo", "prompt": "saw {previous_output}"},
        ],
        tags=["chain-test"],
    )
    assert chain.chain_id.startswith("chain-")
    assert chain.total_steps == 3
    done = await pool.client.wait_chain(chain.chain_id)
    assert done.status == chain_pb2.CHAIN_STATUS_COMPLETED
    steps = done.result.steps
    assert steps[1].output == "FAKE-REPLY[in rust x3 {steps.plan.nope}]"
    assert done.result.final_output.startswith("FAKE-REPLY[saw FAKE-REPLY[in rust x3")
    assert done.result.success
    assert done.result.total_cost_micros == sum(s.cost_micros for s in steps) > 0
    tasks = (await pool.client.list_tasks(chain_id=chain.chain_id)).tasks
    assert len(tasks) == 3
    assert all(t.spec.tags == ["chain-test"] for t in tasks)
    assert {t.id for t in tasks} == {s.task_id for s in steps}


async def test_retries_then_recovery_with_the_error(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1)
    chain = await pool.client.submit_chain(
        [
            chain_step(
                "[[fail:529:2:CHAIN-RETRY]] flaky",
                "flaky",
                retries=1,
                recovery_prompt="recover from: {error}",
            )
        ]
    )
    done = await pool.client.wait_chain(chain.chain_id)
    assert done.status == chain_pb2.CHAIN_STATUS_COMPLETED, done
    step = done.result.steps[0]
    assert step.success
    assert step.retries_used == 2
    tasks = (await pool.client.list_tasks(chain_id=chain.chain_id)).tasks
    assert len(tasks) == 3  # two failed attempts, then the recovery run
    recovery = next(t for t in tasks if t.id == step.task_id)
    assert recovery.prompt.startswith("recover from: API Error: 529")
    assert step.cost_micros == sum(t.result.cost_micros for t in tasks)


async def test_a_failed_step_fails_the_chain_skips_the_rest_and_keeps_its_cost(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    chain = await pool.client.submit_chain(
        [
            {"prompt": "[[reply:one]]"},
            chain_step("[[toolloop]]", max_turns=1),
            {"prompt": "never runs"},
        ]
    )
    done = await pool.client.wait_chain(chain.chain_id)
    assert done.status == chain_pb2.CHAIN_STATUS_FAILED
    names = [s.name for s in done.result.steps]
    assert names == ["step-1", "step-2", "step-3"]
    failed = done.result.steps[1]
    assert not failed.success and failed.cost_micros > 0
    assert failed.output  # the error text
    assert done.result.steps[2].skipped
    assert done.result.final_output == failed.output
    assert done.result.total_cost_micros == sum(s.cost_micros for s in done.result.steps)


async def test_cancel_stops_the_running_step_and_skips_the_rest(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    chain = await pool.client.submit_chain(
        [
            {"name": "long", "prompt": "[[reply:abcdefghijklmnopqrst]] [[chunks:20]] [[slow:1]]"},
            {"name": "after", "prompt": "never"},
        ]
    )
    seqs = []
    async for progress in pool.client.watch_chain(chain.chain_id):
        seqs.append(progress.seq)
        if progress.current_step_partial_output:
            assert progress.current_step_name == "long"
            break
    cancelled = await pool.client.cancel_chain(chain.chain_id)
    assert cancelled.status == chain_pb2.CHAIN_STATUS_CANCELLED
    final = await pool.client.wait_chain(chain.chain_id)
    assert final.status == chain_pb2.CHAIN_STATUS_CANCELLED
    assert final.end_time.seconds > 0
    assert [s.skipped for s in final.result.steps] == [False, True]
    assert not final.result.success
    task = await pool.client.get(final.result.steps[0].task_id)
    assert task.state == task_pb2.TASK_STATE_CANCELLED
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    with pytest.raises(PoolError) as err:
        await pool.client.cancel_chain(chain.chain_id)
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION


def _git_repo(path: Path) -> None:
    env = {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(["git", "init", "-q", str(path)], check=True, env=env)
    (path / "README").write_text("hello\n")
    subprocess.run(["git", "-C", str(path), "add", "README"], check=True, env=env)
    subprocess.run(["git", "-C", str(path), "commit", "-qm", "init"], check=True, env=env)


@pytest.mark.parametrize("isolation", ["worktree", "clone"])
async def test_isolation_creates_a_directory_for_the_chain_and_removes_it(
    make_server: ServerFactory, isolation: str
) -> None:
    pool = await make_server(slots=1)
    _git_repo(pool.work_root)
    chain = await pool.client.submit_chain(
        [{"prompt": "[[reply:isolated]] [[chunks:3]] [[slow:0.3]]"}], isolation=isolation
    )

    async def step_started() -> bool:
        tasks = (await pool.client.list_tasks(chain_id=chain.chain_id)).tasks
        return bool(tasks) and tasks[0].state == task_pb2.TASK_STATE_RUNNING

    await eventually(step_started)
    task = (await pool.client.list_tasks(chain_id=chain.chain_id)).tasks[0]
    workdir = Path(task.spec.working_dir)
    assert chain.chain_id in str(workdir)
    assert (workdir / "README").read_text() == "hello\n"
    done = await pool.client.wait_chain(chain.chain_id)
    assert done.status == chain_pb2.CHAIN_STATUS_COMPLETED

    def branches() -> str:
        return subprocess.run(
            ["git", "-C", str(pool.work_root), "branch", "--list", "claude-pool/*"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()

    async def removed() -> bool:
        return not workdir.exists() and await asyncio.to_thread(branches) == ""

    await eventually(removed)


async def test_chain_input_errors_are_precise(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1, max_chain_steps=2)
    cases = [
        [],
        [{"prompt": "a"}, {"prompt": "b"}, {"prompt": "c"}],
        [{"name": "x", "prompt": "a"}, {"name": "x", "prompt": "b"}],
        [{"prompt": ""}],
    ]
    for steps in cases:
        with pytest.raises(PoolError) as err:
            await pool.client.submit_chain(steps)  # type: ignore[arg-type]
        assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(PoolError) as err:
        await pool.client.submit_chain([{"prompt": "a"}], isolation="worktree")
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT  # the work root is no git repo
    with pytest.raises(PoolError) as err:
        await pool.client.get_chain("chain-nope")
    assert err.value.code == grpc.StatusCode.NOT_FOUND


async def test_fan_out_chains_and_list(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2)
    chains = await pool.client.fan_out_chains(
        [[{"prompt": "[[reply:a1]]"}], [{"prompt": "[[reply:b1]]"}, {"prompt": "[[reply:b2]]"}]]
    )
    assert [c.total_steps for c in chains] == [1, 2]
    finals = [await pool.client.wait_chain(c.chain_id) for c in chains]
    assert [f.result.final_output for f in finals] == ["a1", "b2"]
    listed = await pool.client.list_chains(status=chain_pb2.CHAIN_STATUS_COMPLETED)
    assert [c.chain_id for c in listed.chains] == [chains[1].chain_id, chains[0].chain_id]


async def test_cli_chain_runs_a_yaml_file(
    make_server: ServerFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = await make_server(slots=1)
    chain_file = tmp_path / "chain.yaml"
    chain_file.write_text(
        "steps:\n"
        "  - name: first\n"
        "    prompt: '[[reply:one]]'\n"
        "  - name: second\n"
        "    prompt: 'then {previous_output} [[reply:two-done]]'\n"
    )
    code = await asyncio.to_thread(
        cli.main, ["chain", "--server", pool.server.address, str(chain_file)]
    )
    out = capsys.readouterr()
    assert code == 0
    assert out.out.strip() == "two-done"
    assert "[1/2] first" in out.err and "[2/2] second" in out.err
    assert "completed" in out.err
    json_file = tmp_path / "chain.json"
    json_file.write_text(json.dumps([{"prompt": "[[reply:j]]"}]))
    code = await asyncio.to_thread(
        cli.main, ["chain", "--server", pool.server.address, "--detach", str(json_file)]
    )
    assert code == 0
    assert capsys.readouterr().out.strip().startswith("chain-")


async def test_a_chain_whose_runner_replica_stopped_is_adopted_and_runs_on(
    make_server: ServerFactory,
) -> None:
    """The store holds a chain whose runner's replica is gone after step one: a server on that
    store adopts it within a heartbeat and runs the rest, with the earlier step's variables."""
    store = InMemoryStore()
    steps = (
        ChainStep("plan", "plan it", output_vars={"answer": "x"}),
        ChainStep("apply", "[[reply:applied {steps.plan.answer} after {previous_output}]]"),
    )
    orphan = ChainProgress(
        chain_id="chain-orphan",
        status=ChainStatus.RUNNING,
        total_steps=2,
        create_time=datetime.now(UTC),
        steps=steps,
        current_step=1,
        completed_steps=(StepResult("plan", '{"x": "42"}', True, 100),),
        runner_replica_id="replica-that-died",
    )
    assert await store.put_chain(orphan) is not None
    pool = await make_server(slots=1, store=store, heartbeat_seconds=0.2)
    done = await asyncio.wait_for(pool.client.wait_chain("chain-orphan"), 30)
    assert done.status == chain_pb2.CHAIN_STATUS_COMPLETED
    assert done.result.final_output == 'applied 42 after {"x": "42"}'
    assert [s.name for s in done.result.steps] == ["plan", "apply"]
    tasks = (await pool.client.list_tasks(chain_id="chain-orphan")).tasks
    assert len(tasks) == 1, "the finished step is not run again"


async def test_a_cancelled_orphan_chain_is_finished_as_cancelled(
    make_server: ServerFactory,
) -> None:
    store = InMemoryStore()
    orphan = ChainProgress(
        chain_id="chain-cancelled-orphan",
        status=ChainStatus.CANCELLED,
        total_steps=2,
        create_time=datetime.now(UTC),
        steps=(ChainStep("a", "one"), ChainStep("b", "two")),
        completed_steps=(StepResult("a", "first", True),),
        runner_replica_id="replica-that-died",
    )
    assert await store.put_chain(orphan) is not None
    pool = await make_server(slots=1, store=store, heartbeat_seconds=0.2)
    done = await asyncio.wait_for(pool.client.wait_chain("chain-cancelled-orphan"), 30)
    assert done.status == chain_pb2.CHAIN_STATUS_CANCELLED
    assert [s.skipped for s in done.result.steps] == [False, True]
    assert not (await pool.client.list_tasks(chain_id="chain-cancelled-orphan")).tasks
