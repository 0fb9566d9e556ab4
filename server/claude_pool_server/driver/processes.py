"""CLI processes, kept warm between tasks (on by default; `serve --no-warm-slots` turns it off).

Starting the CLI costs about half a second and half a CPU-second per task. A CLI in stream-json
input mode serves many prompts in one process in tens of milliseconds each (CLAUDE-CLI-NOTES.md
§6.5), and the user message `/clear` starts a new session inside it (§3.1), so one process serves
many new sessions. What is fixed when a process starts (system prompt with shared context,
model, tools, MCP servers, permission mode, working directory, and the namespace and principal
it serves) is its `key`; a task runs only on a process with its own key.

An idle process is either *clean* (its next prompt starts a new session) or *holding* the
session its last task ran in (a follow-up of that session continues there at once). After a
task, a process is cleared in the background when fewer than `spare` clean processes of its key
are waiting, so new sessions do not pay for `/clear` on their path; otherwise it keeps holding
its session for a follow-up. A new-session task with no clean process clears a holding one
(~50-150 ms) before it spawns a new one (~400 ms). A follow-up of a session no process holds is
resumed in a new process from the stored transcript. After any failure, cancel or timeout a
process is stopped (its conversation would carry the failed turn). At most `max_idle` processes
wait (least recently used ones stop first), and idle ones stop after `idle_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from claude_agent_sdk import ClaudeSDKClient, ResultMessage

from claude_pool_server.driver import process_tree, transcripts

log = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 300.0
DISCONNECT_SECONDS = 5.0
CLEAR_SECONDS = 30.0


@dataclass(eq=False)
class CliProcess:
    """One connected CLI process; its stderr goes to the run using it."""

    id: str
    key: str
    client: ClaudeSDKClient
    transport: Any
    directory: str  # the process's own folder: its home and CLI config live there
    config_dir: str
    gateway_key: str = ""
    session_id: str = ""  # the session it holds; "" when the next prompt starts a new one
    offset: int = 0  # how far the held session's file has been read (and stored)
    idle_since: float = field(default_factory=time.monotonic)
    stderr_sink: list[Callable[[str], None]] = field(default_factory=list)
    on_close: Callable[[CliProcess], None] = field(default=lambda p: None)
    closed: bool = False
    # a `/clear` running in the background: the process is clean once it is done
    clearing: asyncio.Task[None] | None = None
    # the CLI inside the started process (a sandbox), as (pid, start ticks), once found
    cli: tuple[int, int] | None = None

    def alive(self) -> bool:
        """False when the CLI died (killed, crashed): the process must not take a task. The
        started pid may be a sandbox around the CLI, so the CLI itself is looked for."""
        pid = getattr(self.transport, "pid", None)
        if self.closed or pid is None or not process_tree.is_alive(pid):
            return False
        executable = getattr(self.transport, "cli_path", None)
        if executable is None:
            return True
        if self.cli is not None:  # found before: one stat, not a walk of /proc per check
            return process_tree.same_process(*self.cli)
        found = process_tree.find(pid, executable)
        if found is None:
            return False
        self.cli = (found, process_tree.start_ticks(found))
        return True

    def send_stderr_to(self, target: Callable[[str], None]) -> None:
        if self.stderr_sink:
            self.stderr_sink[0] = target

    async def clear(self) -> None:
        """Start a new session in this process (`/clear`), dropping the held one's file."""
        held = self.session_id
        self.transport.new_turn()
        await self.client.query("/clear")
        async with asyncio.timeout(CLEAR_SECONDS):
            async for message in self.client.receive_response():
                if isinstance(message, ResultMessage):
                    break
        if held:
            transcripts.remove(self.config_dir, held)
        self.session_id = ""
        self.offset = 0

    async def close(self) -> None:
        """Stop the CLI with its tool processes (they run in sessions of their own, so the SDK's
        disconnect alone would leave them), then let the SDK clean up."""
        if self.closed:
            return
        self.closed = True
        pid = getattr(self.transport, "pid", None)
        child = getattr(self.transport, "_process", None)  # the SDK forgets it on disconnect
        if pid is not None and process_tree.is_alive(pid):
            await asyncio.to_thread(process_tree.terminate_tree, pid)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.disconnect(), DISCONNECT_SECONDS)
        if child is not None:  # the SDK leaves the child's stdout pipe open
            with contextlib.suppress(Exception):
                await asyncio.wait_for(child.aclose(), DISCONNECT_SECONDS)
        self.on_close(self)
        await asyncio.to_thread(shutil.rmtree, self.directory, True)


def discard_stderr(line: str) -> None:
    return None


class ProcessPool:
    """The idle processes, by key, handed to one run at a time."""

    def __init__(
        self, spare: int = 1, max_idle: int = 8, idle_seconds: float = DEFAULT_IDLE_SECONDS
    ) -> None:
        self.spare = spare
        self.max_idle = max_idle
        self.idle_seconds = idle_seconds
        self._idle: list[CliProcess] = []  # least recently used first
        self._live: set[CliProcess] = set()
        self._background: set[asyncio.Task[None]] = set()  # held, or the loop may drop them
        self._reaper: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._live)

    def adopt(self, process: CliProcess) -> None:
        """Count a newly started process as live."""
        self._live.add(process)
        process.on_close = self._live.discard

    def _take(self, match: Callable[[CliProcess], bool]) -> CliProcess | None:
        for process in reversed(self._idle):  # most recently used first
            if match(process):
                self._idle.remove(process)
                if process.alive():
                    return process
                self._close_later(process)
                return self._take(match)
        return None

    def take_holding(self, key: str, session_id: str) -> CliProcess | None:
        return self._take(
            lambda p: p.key == key and p.session_id == session_id and p.clearing is None
        )

    def take_clean(self, key: str) -> CliProcess | None:
        """A clean process of this key, or one being cleared (the caller awaits `clearing`:
        a `/clear` already under way is far cheaper than starting a process)."""
        clean = self._take(lambda p: p.key == key and not p.session_id and p.clearing is None)
        return clean or self._take(lambda p: p.key == key and p.clearing is not None)

    def take_holding_any(self, key: str) -> CliProcess | None:
        """A process of this key holding some session (to be cleared for a new one)."""
        return self._take(lambda p: p.key == key and bool(p.session_id) and p.clearing is None)

    def put_back(self, process: CliProcess) -> None:
        """Keep a process that finished a task cleanly; clear it in the background when too
        few clean ones of its key wait; stop the least recently used beyond `max_idle`."""
        process.idle_since = time.monotonic()
        process.send_stderr_to(discard_stderr)
        clean = sum(1 for p in self._idle if p.key == process.key and not p.session_id)
        if process.session_id and clean < self.spare:
            process.clearing = asyncio.create_task(self._clear(process), name="cli-clear")
        self._idle.append(process)
        while len(self._idle) > self.max_idle:
            self._close_later(self._idle.pop(0))
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap(), name="cli-process-reaper")

    async def _clear(self, process: CliProcess) -> None:
        try:
            await process.clear()
        except Exception as exc:  # noqa: BLE001 - a process that cannot clear is stopped
            log.warning("a CLI process failed to /clear (%s); stopping it", exc)
            if process in self._idle:
                self._idle.remove(process)
            await process.close()
        finally:
            process.clearing = None

    def give_back(self, process: CliProcess) -> None:
        """Return a process taken but not used, as it was (no clear, no counters)."""
        if not process.closed:
            self._idle.append(process)

    def discard(self, process: CliProcess) -> None:
        self._close_later(process)

    def _close_later(self, process: CliProcess) -> None:
        self._background_task(process.close(), "cli-close")

    def _background_task(self, work: Any, name: str) -> None:
        task = asyncio.create_task(work, name=name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _reap(self) -> None:
        while self._idle:
            await asyncio.sleep(min(self.idle_seconds, 30.0))
            now = time.monotonic()
            for process in list(self._idle):
                if now - process.idle_since >= self.idle_seconds:
                    self._idle.remove(process)
                    log.info("stopping an idle CLI process")
                    await process.close()

    async def close(self) -> None:
        """Stop every idle process (server shutdown)."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        idle, self._idle = list(self._idle), []
        clearing = [p.clearing for p in idle if p.clearing is not None]
        await asyncio.gather(*clearing, return_exceptions=True)
        await asyncio.gather(*(p.close() for p in idle), *self._background, return_exceptions=True)
