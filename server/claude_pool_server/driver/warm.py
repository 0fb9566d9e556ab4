"""Warm slots (on by default; `serve --no-warm-slots` turns them off): one live CLI process per
slot, reused for its next task.

Starting the CLI costs about half a second per task (process start, the SDK's initialize
handshake, the session resume). A CLI in stream-json input mode serves many prompts in one
process, continuing the same session, in tens of milliseconds each (CLAUDE-CLI-NOTES §6.5), and
a slot already runs its tasks as one continuing session, so its process can stay.

A process is reused only when nothing that was fixed at its start differs: the same resolved
options (cwd, model, prompt, tools, ...), the session the slot expects to resume, and no
per-process limit that would accumulate across tasks (`max_budget_usd` and `max_turns` are
counted per process by the CLI, so tasks with either always get a fresh process). After any
failure, cancel or timeout the process is stopped, never reused. Idle processes are stopped
after `idle_seconds` and when the server stops. Each costs about 200 MB of memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient

from claude_pool_server.domain.runs import RunRequest
from claude_pool_server.driver import process_tree

log = logging.getLogger(__name__)

DEFAULT_IDLE_SECONDS = 300.0
DISCONNECT_SECONDS = 5.0


def fixed_at_start(request: RunRequest) -> str:
    """What a process cannot change once started, as a comparable key."""
    return repr(
        dataclasses.replace(
            request,
            prompt="",
            resume_session_id="",
            timeout_seconds=0.0,
            idle_timeout_seconds=0.0,
        )
    )


def reusable(request: RunRequest) -> bool:
    return bool(request.slot_id) and request.max_budget_usd is None and request.max_turns is None


async def _no_input() -> AsyncIterator[dict[str, Any]]:
    """The process's input stream: prompts are written by `ClaudeSDKClient.query` instead."""
    return
    yield {}  # pragma: no cover - makes this an async generator


class WarmProcess:
    """One connected CLI process of a slot; its stderr goes to the run using it."""

    def __init__(
        self,
        key: str,
        session_id: str,
        client: ClaudeSDKClient,
        transport: Any,
        stderr_sink: list[Callable[[str], None]],
    ) -> None:
        self.key = key
        self.session_id = session_id
        self.client = client
        self.transport = transport
        self.idle_since = time.monotonic()
        self._stderr_sink = stderr_sink

    def alive(self) -> bool:
        """False when the idle process died (killed, crashed): it must not take a task."""
        pid = getattr(self.transport, "pid", None)
        return pid is not None and process_tree.is_alive(pid)

    def send_stderr_to(self, target: Callable[[str], None]) -> None:
        self._stderr_sink[0] = target

    async def close(self) -> None:
        """Stop the CLI with its tool processes (they run in sessions of their own, so the SDK's
        disconnect alone would leave them), then let the SDK clean up."""
        pid = getattr(self.transport, "pid", None)
        if pid is not None and process_tree.is_alive(pid):
            await asyncio.to_thread(process_tree.terminate_tree, pid)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.client.disconnect(), DISCONNECT_SECONDS)


def _discard(line: str) -> None:
    return None


class WarmProcesses:
    """The idle warm process of each slot, handed to one run at a time."""

    def __init__(self, idle_seconds: float = DEFAULT_IDLE_SECONDS) -> None:
        self.idle_seconds = idle_seconds
        self._idle: dict[str, WarmProcess] = {}  # slot id -> its idle process
        self._reaper: asyncio.Task[None] | None = None
        self._closing: set[asyncio.Task[None]] = set()  # held, or the loop may drop them

    def take(self, request: RunRequest) -> WarmProcess | None:
        """The slot's idle process if it fits `request`; a misfit is stopped in the background."""
        process = self._idle.pop(request.slot_id, None)
        if process is None:
            return None
        fits = process.key == fixed_at_start(request)
        if fits and process.session_id == request.resume_session_id and process.alive():
            return process
        self._close_later(process)
        return None

    def drop(self, slot_id: str) -> None:
        """The slot runs a task on a fresh process: its idle one would hold a stale session."""
        process = self._idle.pop(slot_id, None)
        if process is not None:
            self._close_later(process)

    async def start(
        self,
        request: RunRequest,
        options: ClaudeAgentOptions,
        make_transport: Callable[[Any, ClaudeAgentOptions], Any],
    ) -> WarmProcess:
        """Start and connect a process for `request` (its prompt is sent by the caller)."""
        sink: list[Callable[[str], None]] = [_discard]
        options = dataclasses.replace(options, stderr=lambda line: sink[0](line))
        transport = make_transport(_no_input(), options)
        client = ClaudeSDKClient(options, transport=transport)
        await client.connect()
        return WarmProcess(
            fixed_at_start(request), request.resume_session_id, client, transport, sink
        )

    def put_back(self, slot_id: str, process: WarmProcess, session_id: str) -> None:
        """Keep a process that finished a task cleanly for the slot's next task."""
        process.session_id = session_id
        process.idle_since = time.monotonic()
        process.send_stderr_to(_discard)
        previous = self._idle.pop(slot_id, None)
        if previous is not None:
            self._close_later(previous)
        self._idle[slot_id] = process
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.create_task(self._reap(), name="warm-slot-reaper")

    def _close_later(self, process: WarmProcess) -> None:
        task = asyncio.create_task(process.close(), name="warm-slot-close")
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def _reap(self) -> None:
        while self._idle:
            await asyncio.sleep(min(self.idle_seconds, 30.0))
            now = time.monotonic()
            for slot_id, process in list(self._idle.items()):
                if now - process.idle_since >= self.idle_seconds:
                    del self._idle[slot_id]
                    log.info("stopping the idle warm CLI of %s", slot_id)
                    await process.close()

    async def close(self) -> None:
        """Stop every idle process (server shutdown)."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        idle, self._idle = list(self._idle.values()), {}
        await asyncio.gather(*(p.close() for p in idle), *self._closing, return_exceptions=True)
