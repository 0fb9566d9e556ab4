"""--slot-worktrees: each slot works in its own git worktree of the task's repository."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from claude_pool import task_spec
from claude_pool.v1 import task_pb2
from claude_pool_server import cli
from tests.conftest import ServerFactory
from tests.integration.test_chains import _git_repo

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout


def worktrees(repo: Path) -> list[str]:
    return [
        line.removeprefix("worktree ")
        for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    ]


def requests_mentioning(stub: object, text: str) -> int:
    bodies = [json.dumps(r.body) for r in stub.messages_requests()]  # type: ignore[attr-defined]
    return sum(text in body for body in bodies)


async def test_each_slot_runs_in_its_own_worktree_kept_between_tasks(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=2, worktree_isolation=True)
    _git_repo(pool.work_root)
    (pool.work_root / "sub").mkdir()
    for slot in ("slot-0", "slot-1", "slot-0"):
        task = await pool.client.run(task_spec(f"hello from {slot}", slot_id=slot))
        assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result

    slots_dir = pool.work_root.resolve() / ".claude-pool" / "slots"
    (tree0,) = (slots_dir / "slot-0").iterdir()
    (tree1,) = (slots_dir / "slot-1").iterdir()
    assert sorted(worktrees(pool.work_root)) == sorted(
        [str(pool.work_root.resolve()), str(tree0), str(tree1)]
    )
    assert git(tree0, "branch", "--show-current").strip() == "claude-pool/slot-0"
    assert (tree0 / "README").read_text() == "hello\n"
    # the CLI really ran there: Claude Code tells the model its working directory
    assert requests_mentioning(pool.stub, str(tree0)) >= 2
    assert requests_mentioning(pool.stub, str(tree1)) >= 1


async def test_a_slot_keeps_its_branch_commits_when_its_worktree_is_made_again(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, worktree_isolation=True)
    _git_repo(pool.work_root)
    await pool.client.run(task_spec("first", slot_id="slot-0"))
    (tree,) = (pool.work_root.resolve() / ".claude-pool" / "slots" / "slot-0").iterdir()
    (tree / "notes.txt").write_text("slot work\n")
    env = ["-c", "user.name=t", "-c", "user.email=t@t"]
    git(tree, "add", "notes.txt")
    git(tree, *env, "commit", "-qm", "slot work")
    shutil.rmtree(tree)  # lost, e.g. a cleaned temp dir

    task = await pool.client.run(task_spec("second", slot_id="slot-0"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result
    assert (tree / "notes.txt").read_text() == "slot work\n"


async def test_scaling_down_removes_the_worktree_and_keeps_the_branch(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=2, worktree_isolation=True)
    _git_repo(pool.work_root)
    for slot in ("slot-0", "slot-0", "slot-1"):  # slot-1 is the least used, so it goes
        await pool.client.run(task_spec("work", slot_id=slot))
    folder = pool.work_root.resolve() / ".claude-pool" / "slots" / "slot-1"
    assert folder.is_dir()
    await pool.client.scale_down(1)
    assert not folder.exists()
    assert str(folder) not in " ".join(worktrees(pool.work_root))
    assert "claude-pool/slot-1" in git(pool.work_root, "branch", "--list", "claude-pool/*")


async def test_outside_a_repository_tasks_run_in_place(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1, worktree_isolation=True)
    task = await pool.client.run(task_spec("no repo here"))
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result
    assert not (pool.work_root / ".claude-pool").exists()


async def test_the_serve_flag_turns_slot_worktrees_on() -> None:
    parser = cli.build_parser()
    on = cli.server_config(parser.parse_args(["serve", "--store", "memory", "--slot-worktrees"]))
    off = cli.server_config(parser.parse_args(["serve", "--store", "memory"]))
    assert on.pool.worktree_isolation and not off.pool.worktree_isolation
