"""Stopping a CLI process together with its tool processes.

The CLI starts every Bash tool in a session of its own (setsid), so killing the CLI's process
group leaves tools running (CLAUDE-CLI-NOTES.md §5). We walk /proc for the CLI's descendants while
they are still its descendants, then SIGTERM the CLI and SIGKILL the rest.
"""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path


def _parent_map() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text()
            # the command name is in parentheses and may contain spaces: split after the last ')'
            fields = stat[stat.rindex(")") + 2 :].split()
            parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> list[int]:
    """Every live descendant of `pid` (children first is not guaranteed)."""
    children: dict[int, list[int]] = {}
    for child, parent in _parent_map().items():
        children.setdefault(parent, []).append(child)
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def signal_quietly(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def find(pid: int, executable: str) -> int | None:
    """`pid`, or the first of its descendants, that is a live process of `executable`.

    A walk of /proc (every process's stat): a few milliseconds to tens of them, so callers keep
    what it found (see `same_process`) instead of walking again."""
    target = os.path.realpath(executable)
    for candidate in (pid, *descendants(pid)):
        with contextlib.suppress(OSError):
            if os.path.realpath(f"/proc/{candidate}/exe") == target and is_alive(candidate):
                return candidate
    return None


def same_process(pid: int, ticks: int) -> bool:
    """Whether the process found earlier as (`pid`, its `start_ticks`) is still alive (a reused
    pid has other start ticks)."""
    return is_alive(pid) and start_ticks(pid) == ticks


def start_ticks(pid: int) -> int:
    """When the process started (clock ticks since boot): with the pid, names one process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return int(stat[stat.rindex(")") + 2 :].split()[19])
    except (OSError, ValueError, IndexError):
        return 0


def _owner_of(pid: int, variable: bytes) -> str | None:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return None
    for entry in environ.split(b"\0"):
        if entry.startswith(variable + b"="):
            return entry.split(b"=", 1)[1].decode(errors="replace")
    return None


def reap_orphans(variable: str, own_owner: str) -> list[int]:
    """SIGKILL the processes a dead server left: every process whose environment names, in
    `variable`, an owner (`pid:start ticks`) that is neither this server nor still running.

    The CLI starts its tools in sessions of their own, so a server killed by SIGKILL (without a
    sandbox to take them down) leaves them running, reparented to init; they still carry the
    owner variable the server gave their CLI. Returns the pids signalled.
    """
    killed: list[int] = []
    name = variable.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        owner = _owner_of(pid, name)
        if owner is None or owner == own_owner:
            continue
        owner_pid, _, ticks = owner.partition(":")
        server_alive = owner_pid.isdigit() and is_alive(int(owner_pid))
        if server_alive and str(start_ticks(int(owner_pid))) == ticks:
            continue  # its server is alive: not an orphan
        signal_quietly(pid, signal.SIGKILL)
        killed.append(pid)
    return killed


def terminate_tree(pid: int) -> list[int]:
    """SIGKILL the descendants and SIGTERM the CLI itself; returns the descendants signalled."""
    tree = descendants(pid)
    for child in tree:
        signal_quietly(child, signal.SIGKILL)
    signal_quietly(pid, signal.SIGTERM)
    return tree
