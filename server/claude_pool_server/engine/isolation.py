"""Git isolation for chains: a worktree or a local shared clone, created for one chain and removed
after it (SEED-API.md §5.5).

The directory lies under `<work root>/.claude-pool/` so step tasks pass the same working-directory
confinement as any other task.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
from dataclasses import dataclass

from claude_pool_server.domain.chains import ChainIsolation
from claude_pool_server.domain.errors import InvalidArgument

log = logging.getLogger(__name__)


class GitError(Exception):
    pass


async def git(*args: str, cwd: str) -> str:
    process = await asyncio.create_subprocess_exec(
        "git",
        *args,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    if process.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {err.decode(errors='replace').strip()}")
    return out.decode().strip()


async def repo_top(directory: str) -> str:
    """The top of the git work tree containing `directory`; INVALID_ARGUMENT when there is none."""
    try:
        return await git("rev-parse", "--show-toplevel", cwd=directory)
    except (GitError, OSError) as exc:
        raise InvalidArgument(
            "options.isolation", f"{directory!r} is not inside a git repository ({exc})"
        ) from exc


@dataclass(frozen=True)
class Isolated:
    """Where the steps run, and what to remove afterwards."""

    working_dir: str
    root: str
    branch: str = ""
    repo: str = ""


def _layout(kind: ChainIsolation, base: str, top: str, work_root: str, chain_id: str) -> Isolated:
    """Where the isolated copy goes, and the directory in it that corresponds to `base`."""
    top = os.path.realpath(top)
    folder = "worktrees" if kind is ChainIsolation.WORKTREE else "clones"
    root = os.path.join(work_root, ".claude-pool", folder, chain_id)
    os.makedirs(os.path.dirname(root), exist_ok=True)
    working_dir = os.path.normpath(os.path.join(root, os.path.relpath(base, top)))
    if kind is ChainIsolation.WORKTREE:
        return Isolated(working_dir, root, f"claude-pool/chain/{chain_id}", top)
    return Isolated(working_dir, root, repo=top)


async def create(kind: ChainIsolation, base: str, work_root: str, chain_id: str) -> Isolated:
    top = await repo_top(base)
    isolated = _layout(kind, base, top, work_root, chain_id)
    if isolated.branch:
        await git(
            "worktree", "add", "-b", isolated.branch, isolated.root, "HEAD", cwd=isolated.repo
        )
    else:
        await git(
            "clone",
            "--local",
            "--shared",
            "--quiet",
            isolated.repo,
            isolated.root,
            cwd=isolated.repo,
        )
    return isolated


def _remove_tree(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


async def remove(isolated: Isolated) -> None:
    """Remove the worktree (and its branch) or the clone; failures are logged, not raised."""
    if isolated.branch:
        try:
            await git("worktree", "remove", "--force", isolated.root, cwd=isolated.repo)
            await git("branch", "-D", isolated.branch, cwd=isolated.repo)
        except (GitError, OSError) as exc:
            log.warning("removing chain worktree %s: %s", isolated.root, exc)
    await asyncio.to_thread(_remove_tree, isolated.root)
    if isolated.branch:
        try:
            await git("worktree", "prune", cwd=isolated.repo)
        except (GitError, OSError) as exc:
            log.warning("pruning worktrees of %s: %s", isolated.repo, exc)
