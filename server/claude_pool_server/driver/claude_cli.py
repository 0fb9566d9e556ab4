"""ClaudeCliDriver: runs one prompt on the real `claude` CLI through the official claude-agent-sdk.

Why the SDK: it bundles the CLI (so `pip install` gives a working one), builds the argument list
(never a shell string) and parses the CLI's typed messages. What the pool adds on top, from
measurements of the real CLI (CLAUDE-CLI-NOTES.md):

- the outcome is judged by the `result` line (`is_error`, `terminal_reason`, `api_error_status`),
  never by the exit code; no result line is a failure;
- a task's cost is this run's share (`model_usage_since_last_result`), because `total_cost_usd`
  is cumulative over a resumed session;
- a wall-clock deadline and an idle-output watchdog, because a silent API holds a run for minutes;
- stop = SIGKILL to the tool processes + SIGTERM to the CLI, SIGKILL after a grace period;
- concurrent process *starts* are capped (spawning is CPU-bound), not concurrent runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from typing import Any

from claude_agent_sdk import (
    AssistantMessage,
    ClaudeAgentOptions,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    ToolUseBlock,
    query,
)
from claude_agent_sdk._errors import CLINotFoundError
from claude_agent_sdk._internal.transport.subprocess_cli import SubprocessCLITransport

from claude_pool_server.domain.budget import usd_to_micros
from claude_pool_server.domain.runs import RunEvent, RunOutcome, RunRequest
from claude_pool_server.domain.tasks import (
    FailureKind,
    PermissionMode,
    TaskFailure,
    TextDelta,
    ToolUse,
    Usage,
)
from claude_pool_server.driver import process_tree
from claude_pool_server.driver.warm import WarmProcess, WarmProcesses, reusable

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 1.0
STDERR_TAIL_BYTES = 8192


def bundled_cli_path() -> str | None:
    """The CLI shipped inside the claude-agent-sdk wheel, if present."""
    import claude_agent_sdk

    path = os.path.join(os.path.dirname(claude_agent_sdk.__file__), "_bundled", "claude")
    return path if os.path.exists(path) else None


class _TrackedTransport(SubprocessCLITransport):
    """The SDK's transport, plus what the pool needs: the pid, activity times and the raw result.

    The SDK parses the result line into ResultMessage but drops `model_usage_since_last_result`,
    the per-run cost; we keep the raw line.
    """

    def __init__(
        self, prompt: str | AsyncIterable[dict[str, Any]], options: ClaudeAgentOptions
    ) -> None:
        super().__init__(prompt=prompt, options=options)
        self.pid: int | None = None
        self.last_activity = time.monotonic()
        self.raw_result: dict[str, Any] | None = None
        self.first_line = asyncio.Event()

    def new_turn(self) -> None:
        """A warm process starts another task: forget the last one's result and activity."""
        self.last_activity = time.monotonic()
        self.raw_result = None
        self.first_line.clear()

    async def connect(self) -> None:
        await super().connect()
        process = self._process  # the SDK keeps the child private; we need its pid to stop it
        self.pid = process.pid if process is not None else None

    def read_messages(self) -> AsyncIterator[dict[str, Any]]:
        return self._tracked(super().read_messages())

    async def _tracked(self, inner: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
        async for data in inner:
            self.last_activity = time.monotonic()
            self.first_line.set()
            if data.get("type") == "result":
                self.raw_result = data
            yield data


class ClaudeCliRun:
    """One CLI process. `events()` yields text deltas and tool uses, then exactly one RunOutcome."""

    def __init__(self, driver: ClaudeCliDriver, request: RunRequest) -> None:
        self._driver = driver
        self._request = request
        self._queue: asyncio.Queue[RunEvent] = asyncio.Queue()
        self._transport: _TrackedTransport | None = None
        self._stop_reason: FailureKind | None = None
        self._cancelled = False
        self._stderr: deque[str] = deque(maxlen=200)
        self._started = time.monotonic()
        self._consumer: asyncio.Task[None] | None = None

    async def events(self) -> AsyncGenerator[RunEvent, None]:
        self._consumer = asyncio.create_task(self._consume())
        watchdog = asyncio.create_task(self._watchdog())
        finished = False
        try:
            while True:
                event = await self._queue.get()
                if isinstance(event, RunOutcome):
                    finished = True  # the consumer put this last: it is done with the process
                yield event
                if finished:
                    return
        finally:
            watchdog.cancel()
            if not finished:  # the caller stopped reading early: do not leave a CLI behind
                await self._kill()
                self._consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._consumer

    async def stop(self) -> None:
        self._cancelled = True
        await self._kill()

    async def _kill(self) -> None:
        transport = self._transport
        pid = transport.pid if transport is not None else None
        if pid is None:
            if self._consumer is not None and not self._consumer.done():
                self._consumer.cancel()
            return
        await asyncio.to_thread(process_tree.terminate_tree, pid)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline and process_tree.is_alive(pid):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        if process_tree.is_alive(pid):
            await asyncio.to_thread(process_tree.terminate_tree, pid)
            process_tree.signal_quietly(pid, __import__("signal").SIGKILL)

    async def _watchdog(self) -> None:
        request = self._request
        while True:
            await asyncio.sleep(0.25)
            now = time.monotonic()
            if now - self._started > request.timeout_seconds:
                self._stop_reason = FailureKind.TIMEOUT
            elif (
                self._transport is not None
                and self._transport.first_line.is_set()
                and now - self._transport.last_activity > request.idle_timeout_seconds
            ):
                self._stop_reason = FailureKind.IDLE_TIMEOUT
            if self._stop_reason is not None:
                log.warning(
                    "stopping CLI run: %s", self._stop_reason.value, extra={"cwd": request.cwd}
                )
                await self._kill()
                return

    def _options(self) -> ClaudeAgentOptions:
        request = self._request
        system_prompt: Any
        if request.system_prompt is None:
            # No configured prompt: keep Claude Code's own (the SDK would otherwise send "").
            system_prompt = {"type": "preset", "preset": "claude_code"}
        else:
            system_prompt = request.system_prompt
        env = dict(self._driver.base_env)
        env.update(request.env)
        if request.permission_mode is PermissionMode.BYPASS_PERMISSIONS and os.geteuid() == 0:
            env.setdefault("IS_SANDBOX", "1")  # the CLI refuses bypass as root without it
        options = ClaudeAgentOptions(
            cli_path=self._driver.cli_path,
            cwd=request.cwd,
            env=env,
            system_prompt=system_prompt,
            model=request.model,
            fallback_model=request.fallback_model,
            permission_mode=request.permission_mode.value if request.permission_mode else None,
            max_turns=request.max_turns,
            max_budget_usd=request.max_budget_usd,
            allowed_tools=list(request.allowed_tools),
            disallowed_tools=list(request.disallowed_tools),
            tools=list(request.tools) if request.tools else None,
            mcp_servers=dict(request.mcp_servers),
            effort=request.effort.value if request.effort else None,
            resume=request.resume_session_id or None,
            include_partial_messages=True,
            stderr=self._stderr.append,
            extra_args={"bare": None} if self._driver.bare else {},
        )
        if request.json_schema is not None:
            options.output_format = {"type": "json_schema", "schema": request.json_schema}
        return options

    async def _consume(self) -> None:
        outcome: RunOutcome
        model = ""
        process_error: BaseException | None = None
        result: ResultMessage | None = None
        gate = self._driver.spawn_gate
        gate_held = False
        warm: WarmProcess | None = None
        try:
            stream: AsyncIterator[Any]
            if self._driver.warm is not None and reusable(self._request):
                warm = await self._warm_process()
                self._transport = warm.transport
                warm.send_stderr_to(self._stderr.append)
                await warm.client.query(self._request.prompt)
                stream = warm.client.receive_response()
            else:
                if self._driver.warm is not None:
                    self._driver.warm.drop(self._request.slot_id)
                await gate.acquire()
                gate_held = True
                options = self._options()
                self._transport = _TrackedTransport(self._request.prompt, options)
                stream = query(
                    prompt=self._request.prompt, options=options, transport=self._transport
                )
            async for message in stream:
                if gate_held:
                    gate.release()
                    gate_held = False
                if isinstance(message, StreamEvent):
                    text = _text_delta(message)
                    if text:
                        self._queue.put_nowait(TextDelta(text))
                elif isinstance(message, AssistantMessage) and message.parent_tool_use_id is None:
                    for block in message.content:
                        if isinstance(block, ToolUseBlock):
                            self._queue.put_nowait(
                                ToolUse(block.name, json.dumps(block.input, sort_keys=True))
                            )
                elif isinstance(message, SystemMessage) and message.subtype == "init":
                    model = str(message.data.get("model", ""))
                elif isinstance(message, ResultMessage):
                    result = message
        except asyncio.CancelledError:
            process_error = None
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome, never lost
            process_error = exc
        finally:
            if gate_held:
                gate.release()
        outcome = self._outcome(result, model, process_error)
        if warm is not None:
            await self._release_warm(warm, outcome)
        self._queue.put_nowait(outcome)

    async def _warm_process(self) -> WarmProcess:
        """The slot's idle process if it fits this run, else a new one (a spawn, so gated)."""
        warm = self._driver.warm
        assert warm is not None
        process = warm.take(self._request)
        if process is not None:
            process.transport.new_turn()
            return process
        async with self._driver.spawn_gate:
            return await warm.start(self._request, self._options(), _TrackedTransport)

    async def _release_warm(self, process: WarmProcess, outcome: RunOutcome) -> None:
        """Keep the process for the slot's next task only after a clean success."""
        warm = self._driver.warm
        clean = outcome.success and not self._cancelled and self._stop_reason is None
        if warm is not None and clean and outcome.session_id:
            warm.put_back(self._request.slot_id, process, outcome.session_id)
        else:
            await process.close()

    def _outcome(
        self, result: ResultMessage | None, model: str, error: BaseException | None
    ) -> RunOutcome:
        elapsed = time.monotonic() - self._started
        raw = self._transport.raw_result if self._transport is not None else None
        stderr_tail = "\n".join(self._stderr)[-STDERR_TAIL_BYTES:]
        command = self._command_line()
        if result is not None and raw is not None:
            cost = _run_cost_micros(raw, result)
            usage = _usage(result.usage or {})
            model = _model_of(raw) or model
            output = result.result or ""
            if not result.is_error:
                return RunOutcome(
                    success=True,
                    output=output,
                    cost_micros=cost,
                    turns=result.num_turns,
                    session_id=result.session_id,
                    model=model,
                    elapsed_seconds=elapsed,
                    usage=usage,
                    structured_output=result.structured_output,
                )
            errors = tuple(result.errors or ())
            failure = TaskFailure(
                kind=_classify(result),
                message=output or "; ".join(errors) or f"CLI reported {result.subtype}",
                error_subtype=result.subtype,
                terminal_reason=result.terminal_reason or "",
                api_error_status=result.api_error_status or 0,
                exit_code=getattr(error, "exit_code", None),
                stderr_tail=stderr_tail,
                failed_command=command,
                errors=errors,
            )
            return RunOutcome(
                success=False,
                output=output,
                cost_micros=cost,
                turns=result.num_turns,
                session_id=result.session_id,
                model=model,
                elapsed_seconds=elapsed,
                usage=usage,
                failure=failure,
                cancelled=self._cancelled,
            )
        # No result line: the process was stopped, crashed or never started.
        if self._cancelled:
            kind, message = FailureKind.EXECUTION_ERROR, "cancelled"
        elif self._stop_reason is FailureKind.TIMEOUT:
            kind = FailureKind.TIMEOUT
            message = f"task exceeded its timeout of {self._request.timeout_seconds:g}s"
        elif self._stop_reason is FailureKind.IDLE_TIMEOUT:
            kind = FailureKind.IDLE_TIMEOUT
            idle = self._request.idle_timeout_seconds
            message = f"the CLI printed nothing for {idle:g}s and was stopped"
        elif isinstance(error, CLINotFoundError):
            kind, message = FailureKind.PROCESS_ERROR, str(error)
        else:
            kind = FailureKind.PROCESS_ERROR
            message = f"the CLI exited without a result: {error}" if error else "no result"
        exit_code = getattr(error, "exit_code", None)
        return RunOutcome(
            success=False,
            output="",
            elapsed_seconds=elapsed,
            model=model,
            failure=TaskFailure(
                kind=kind,
                message=message,
                exit_code=exit_code if isinstance(exit_code, int) else None,
                stderr_tail=stderr_tail,
                failed_command=command,
            ),
            cancelled=self._cancelled,
        )

    def _command_line(self) -> str:
        transport = self._transport
        if transport is None:
            return ""
        with contextlib.suppress(Exception):
            return " ".join(transport._build_command())
        return ""


class ClaudeCliDriver:
    """Starts CLI runs. `base_env` is added to every run's environment (before the run's own)."""

    def __init__(
        self,
        cli_path: str | None = None,
        base_env: dict[str, str] | None = None,
        max_concurrent_spawns: int = 4,
        bare: bool = False,
        warm: WarmProcesses | None = None,
    ) -> None:
        self.cli_path = cli_path or bundled_cli_path()
        self.warm = warm  # None: a fresh process per run
        self.base_env = dict(base_env or {})
        self.bare = bare
        self._max_spawns = max_concurrent_spawns
        self._gate: asyncio.Semaphore | None = None

    @property
    def spawn_gate(self) -> asyncio.Semaphore:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self._max_spawns)
        return self._gate

    def start(self, request: RunRequest) -> ClaudeCliRun:
        return ClaudeCliRun(self, request)

    async def forget_slot(self, slot_id: str) -> None:
        if self.warm is not None:
            self.warm.drop(slot_id)

    async def close(self) -> None:
        """Stop the warm processes kept for idle slots."""
        if self.warm is not None:
            await self.warm.close()

    async def cli_version(self) -> str:
        if not self.cli_path:
            return "unknown"
        try:
            process = await asyncio.create_subprocess_exec(
                self.cli_path,
                "--version",
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
            out, _ = await asyncio.wait_for(process.communicate(), 30)
        except (OSError, TimeoutError):
            return "unknown"
        return out.decode(errors="replace").strip() or "unknown"


def _text_delta(message: StreamEvent) -> str:
    if message.parent_tool_use_id is not None:
        return ""
    event = message.event
    if event.get("type") != "content_block_delta":
        return ""
    delta = event.get("delta") or {}
    if delta.get("type") != "text_delta":
        return ""
    return str(delta.get("text", ""))


def _run_cost_micros(raw: dict[str, Any], result: ResultMessage) -> int:
    """This run's cost: the per-turn model usage, not the session's cumulative total."""
    since_last = raw.get("model_usage_since_last_result")
    if isinstance(since_last, dict) and since_last:
        return sum(
            usd_to_micros(float(entry.get("costUSD", 0.0)))
            for entry in since_last.values()
            if isinstance(entry, dict)
        )
    return usd_to_micros(result.total_cost_usd or 0.0)


def _model_of(raw: dict[str, Any]) -> str:
    usage = raw.get("model_usage_since_last_result") or raw.get("modelUsage") or {}
    return next(iter(usage), "") if isinstance(usage, dict) else ""


def _usage(raw: dict[str, Any]) -> Usage:
    def count(key: str) -> int:
        value = raw.get(key)
        return int(value) if isinstance(value, int | float) else 0

    return Usage(
        input_tokens=count("input_tokens"),
        output_tokens=count("output_tokens"),
        cache_read_input_tokens=count("cache_read_input_tokens"),
        cache_creation_input_tokens=count("cache_creation_input_tokens"),
    )


def _classify(result: ResultMessage) -> FailureKind:
    if result.terminal_reason == "api_error" or result.api_error_status:
        return FailureKind.API_ERROR
    if result.subtype == "error_max_turns" or result.terminal_reason == "max_turns":
        return FailureKind.MAX_TURNS
    if result.subtype == "error_max_budget_usd" or result.terminal_reason == "budget_exhausted":
        return FailureKind.BUDGET_EXHAUSTED
    return FailureKind.EXECUTION_ERROR
