"""GitWorkspaces: the Workspaces port on git (SEED-API.md §5.5). For a chain, a worktree or a
local shared clone created for the chain and removed after it; for a slot (`--slot-worktrees`), a
worktree of its own per repository, on branch `claude-pool/<slot>`, kept between the slot's tasks
and across restarts.

Every directory lies under `<work root>/.claude-pool/`, so tasks run there pass the same
working-directory confinement as any other task. This is I/O (git processes, the filesystem),
so it lives outside the engine, behind the port.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
from dataclasses import dataclass

from claude_pool_server.domain.chains import ChainIsolation
from claude_pool_server.domain.errors import InvalidArgument, PoolError
from claude_pool_server.domain.workspaces import Isolated, work_root_of

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


async def create(
    kind: ChainIsolation, base: str, work_root: str, chain_id: str, reuse: bool = False
) -> Isolated:
    """Make the chain's copy; with `reuse` (a runner adopting the chain), keep one that exists."""
    top = await repo_top(base)
    isolated = _layout(kind, base, top, work_root, chain_id)
    if reuse and await asyncio.to_thread(os.path.isdir, isolated.root):
        return isolated
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


# --- per-slot worktrees --------------------------------------------------------------------------

SLOTS_FOLDER = os.path.join(".claude-pool", "slots")
_repo_locks: dict[str, asyncio.Lock] = {}  # git serializes worktree changes per repository


class SlotWorktreeFailed(PoolError):
    """The slot's worktree could not be made; the task fails with this message."""

    def __init__(self, slot_id: str, repo: str, detail: str) -> None:
        super().__init__(f"cannot prepare the worktree of {slot_id} for {repo}: {detail}")


def _realpaths_listed(listing: str) -> set[str]:
    return {
        os.path.realpath(line.removeprefix("worktree "))
        for line in listing.splitlines()
        if line.startswith("worktree ")
    }


async def _branch_exists(repo: str, branch: str) -> bool:
    try:
        await git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", cwd=repo)
    except GitError:
        return False
    return True


def _already_isolated(directory: str, work_roots: tuple[str, ...]) -> bool:
    """True inside `<work root>/.claude-pool/` (a chain's worktree or clone, a slot's worktree)."""
    own = os.path.join(work_root_of(work_roots, directory), ".claude-pool")
    return directory == own or directory.startswith(own + os.sep)


@dataclass(frozen=True)
class SlotWorktree:
    repo: str  # the repository's top directory
    root: str  # the slot's worktree of it
    branch: str
    working_dir: str  # where the task runs: the requested directory's place in the worktree

    @staticmethod
    def plan(directory: str, top: str, work_roots: tuple[str, ...], slot_id: str) -> SlotWorktree:
        top = os.path.realpath(top)
        name = f"{os.path.basename(top)}-{hashlib.sha256(top.encode()).hexdigest()[:8]}"
        root = os.path.join(work_root_of(work_roots, directory), SLOTS_FOLDER, slot_id, name)
        working_dir = os.path.normpath(os.path.join(root, os.path.relpath(directory, top)))
        return SlotWorktree(top, root, f"claude-pool/{slot_id}", working_dir)

    def present(self, listing: str) -> bool:
        return self.root in _realpaths_listed(listing) and os.path.isdir(self.root)


async def slot_working_dir(directory: str, work_roots: tuple[str, ...], slot_id: str) -> str:
    """Where `slot_id` runs a task asked to run in `directory`: the same place in the slot's own
    worktree of the repository holding `directory`, made on first use and reused after. The
    directory itself when it is in no git repository or already in an isolated copy."""
    directory = await asyncio.to_thread(os.path.realpath, directory)
    if _already_isolated(directory, work_roots):
        return directory
    try:
        top = await git("rev-parse", "--show-toplevel", cwd=directory)
    except (GitError, OSError):
        return directory  # not a repository: nothing to isolate
    tree = SlotWorktree.plan(directory, top, work_roots, slot_id)
    async with _repo_locks.setdefault(tree.repo, asyncio.Lock()):
        try:
            if not tree.present(await git("worktree", "list", "--porcelain", cwd=tree.repo)):
                await git("worktree", "prune", cwd=tree.repo)
                await asyncio.to_thread(_make_room, tree.root)
                if await _branch_exists(tree.repo, tree.branch):
                    # the slot's branch keeps what earlier worktrees committed: check it out again
                    await git("worktree", "add", tree.root, tree.branch, cwd=tree.repo)
                else:
                    await git(
                        "worktree", "add", "-b", tree.branch, tree.root, "HEAD", cwd=tree.repo
                    )
        except (GitError, OSError) as exc:
            raise SlotWorktreeFailed(slot_id, tree.repo, str(exc)) from exc
    return tree.working_dir


def _make_room(root: str) -> None:
    """Remove a stale directory git no longer knows as a worktree; create its parent."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.dirname(root), exist_ok=True)


def _slot_folders(work_roots: tuple[str, ...], slot_id: str) -> list[str]:
    folders = {os.path.join(os.path.realpath(r), SLOTS_FOLDER, slot_id) for r in work_roots}
    return [f for f in sorted(folders) if os.path.isdir(f)]


def _children(folder: str) -> list[str]:
    return [os.path.join(folder, name) for name in sorted(os.listdir(folder))]


async def remove_slot_worktrees(work_roots: tuple[str, ...], slot_id: str) -> None:
    """Remove `slot_id`'s worktrees (ScaleDown); the `claude-pool/<slot>` branches stay, with
    whatever the slot committed. Failures are logged, not raised."""
    for folder in await asyncio.to_thread(_slot_folders, work_roots, slot_id):
        for root in await asyncio.to_thread(_children, folder):
            try:
                common = await git(
                    "rev-parse", "--path-format=absolute", "--git-common-dir", cwd=root
                )
                repo = os.path.dirname(common)
                await git("worktree", "remove", "--force", root, cwd=repo)
                await git("worktree", "prune", cwd=repo)
            except (GitError, OSError) as exc:
                log.warning("removing worktree %s of %s: %s", root, slot_id, exc)
        await asyncio.to_thread(_remove_tree, folder)


class GitWorkspaces:
    """The Workspaces port (domain/ports.py) on git worktrees and clones."""

    async def repo_top(self, directory: str) -> str:
        return await repo_top(directory)

    async def isolate_chain(
        self, kind: ChainIsolation, base: str, work_root: str, chain_id: str, reuse: bool
    ) -> Isolated:
        try:
            return await create(kind, base, work_root, chain_id, reuse)
        except (GitError, OSError) as exc:
            raise IsolationFailed(str(exc)) from exc

    async def release_chain(self, isolated: Isolated) -> None:
        await remove(isolated)

    async def slot_working_dir(
        self, directory: str, work_roots: tuple[str, ...], slot_id: str
    ) -> str:
        return await slot_working_dir(directory, work_roots, slot_id)

    async def remove_slot_worktrees(self, work_roots: tuple[str, ...], slot_id: str) -> None:
        await remove_slot_worktrees(work_roots, slot_id)


class IsolationFailed(PoolError):
    """A chain's worktree or clone could not be made; the chain fails with this message."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
