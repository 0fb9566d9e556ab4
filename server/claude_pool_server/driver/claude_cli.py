"""ClaudeCliDriver: runs prompts on the real `claude` CLI through the official claude-agent-sdk.

Why the SDK: it bundles the CLI (so `pip install` gives a working one), builds the argument list
(never a shell string) and parses the CLI's typed messages. What the pool adds on top, from
measurements of the real CLI (CLAUDE-CLI-NOTES.md):

- every run goes to a CLI process in stream-json mode, kept warm between tasks
  (driver/processes.py), started in a sandbox (driver/sandbox.py) with its own home and config
  directory, its calls going through the API gateway (gateway/server.py) when there is one;
- a session is new, continued or forked (SessionPlan); a session no warm process holds is
  written back from its stored transcript and resumed (driver/transcripts.py);
- the model is passed on every run (a resumed session would otherwise keep its own);
- the outcome is judged by the `result` line (`is_error`, `terminal_reason`, `api_error_status`),
  never by the exit code; no result line is a failure;
- a run's cost is its own share (`model_usage_since_last_result`), never the session's running
  total; a run that reported none costs what the gateway metered (0 without calls);
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
import secrets
import signal
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from claude_agent_sdk import (
    AssistantMessage,
    ClaudeAgentOptions,
    ClaudeSDKClient,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    ToolUseBlock,
)
from claude_agent_sdk._errors import CLINotFoundError
from claude_agent_sdk._internal.transport.subprocess_cli import SubprocessCLITransport

from claude_pool_server.domain.budget import usd_to_micros
from claude_pool_server.domain.runs import (
    RunEvent,
    RunOutcome,
    RunRequest,
    SessionMode,
    SessionPlan,
)
from claude_pool_server.domain.tasks import (
    FailureKind,
    PermissionMode,
    TaskFailure,
    TextDelta,
    ToolUse,
    Usage,
)
from claude_pool_server.driver import process_tree, transcripts
from claude_pool_server.driver.processes import CliProcess, ProcessPool, discard_stderr
from claude_pool_server.driver.sandbox import NoSandbox, Sandbox
from claude_pool_server.gateway.server import ApiGateway, Envelope

log = logging.getLogger(__name__)

STOP_GRACE_SECONDS = 1.0
STDERR_TAIL_BYTES = 8192
# Every CLI process carries this, so its tools do too: a restarting server finds and stops what
# a killed predecessor left (process_tree.reap_orphans).
OWNER_ENV = "CLAUDE_POOL_OWNER"


def bundled_cli_path() -> str | None:
    """The CLI shipped inside the claude-agent-sdk wheel, if present."""
    import claude_agent_sdk

    path = os.path.join(os.path.dirname(claude_agent_sdk.__file__), "_bundled", "claude")
    return path if os.path.exists(path) else None


async def _no_input() -> AsyncIterator[dict[str, Any]]:
    """The process's input stream: prompts are written by `ClaudeSDKClient.query` instead."""
    return
    yield {}  # pragma: no cover - makes this an async generator


class _TrackedTransport(SubprocessCLITransport):
    """The SDK's transport, plus what the pool needs: the sandbox around the command, the pid,
    activity times, and the raw result line (the SDK's ResultMessage drops
    `model_usage_since_last_result`, the per-run cost)."""

    def __init__(
        self,
        prompt: str | AsyncIterable[dict[str, Any]],
        options: ClaudeAgentOptions,
        sandbox: Sandbox,
        writable: list[str],
        provider_env: bool,
    ) -> None:
        super().__init__(prompt=prompt, options=options)
        self.pid: int | None = None
        self.last_activity = time.monotonic()
        self.raw_result: dict[str, Any] | None = None
        self.first_line = asyncio.Event()
        self._sandbox = sandbox
        self._writable = writable
        self._provider_env = provider_env

    def _build_command(self) -> list[str]:
        command = super()._build_command()
        return self._sandbox.wrap(
            command,
            cwd=str(self._options.cwd),
            writable=self._writable,
            keep_env=set(self._options.env),
            provider_env=self._provider_env,
        )

    @property
    def cli_path(self) -> str | None:
        """The CLI executable this transport starts (inside its sandbox)."""
        return self._cli_path

    def new_turn(self) -> None:
        """The process starts another prompt: forget the last one's result and activity."""
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


def fixed_key(request: RunRequest, flag_budget: bool) -> str:
    """What a process cannot change once started, as a comparable key."""
    fixed = replace(
        request,
        prompt="",
        session=SessionPlan(),
        timeout_seconds=0.0,
        idle_timeout_seconds=0.0,
        task_id="",
        slot_id="",
        budget_micros=request.budget_micros if flag_budget else None,
    )
    return repr((fixed.cwd, fixed.namespace, fixed.owner, repr(fixed)))


@dataclass
class _Turn:
    """The process a run uses, and where its session file starts (to read only what the run
    adds). `reusable`: whether the process may serve another run afterwards."""

    process: CliProcess
    offset: int
    spawned: bool
    reusable: bool = True


class ClaudeCliRun:
    """One run. `events()` yields text deltas and tool uses, then exactly one RunOutcome."""

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
            process_tree.signal_quietly(pid, signal.SIGKILL)

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
                log.warning("stopping CLI run: %s", self._stop_reason.value)
                await self._kill()
                return

    async def _consume(self) -> None:
        driver = self._driver
        model = ""
        process_error: BaseException | None = None
        result: ResultMessage | None = None
        turn: _Turn | None = None
        envelope: Envelope | None = None
        try:
            turn = await driver.acquire(self._request)
            if self._cancelled or self._stop_reason is not None:
                raise asyncio.CancelledError  # stopped while waiting for a process
            process = turn.process
            self._transport = process.transport
            process.transport.new_turn()
            process.send_stderr_to(self._stderr.append)
            if driver.gateway is not None and process.gateway_key:
                envelope = Envelope(self._request.task_id, self._request.budget_micros)
                driver.gateway.assign(process.gateway_key, envelope)
            await process.client.query(self._request.prompt)
            async for message in process.client.receive_response():
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
        if turn is not None and driver.gateway is not None and turn.process.gateway_key:
            envelope = driver.gateway.release(turn.process.gateway_key) or envelope
        outcome = self._outcome(result, model, process_error, envelope)
        if turn is not None:
            outcome = await driver.release(turn, outcome, self._clean(outcome))
        self._queue.put_nowait(outcome)

    def _clean(self, outcome: RunOutcome) -> bool:
        return outcome.success and not self._cancelled and self._stop_reason is None

    def _outcome(
        self,
        result: ResultMessage | None,
        model: str,
        error: BaseException | None,
        envelope: Envelope | None,
    ) -> RunOutcome:
        elapsed = time.monotonic() - self._started
        raw = self._transport.raw_result if self._transport is not None else None
        stderr_tail = "\n".join(self._stderr)[-STDERR_TAIL_BYTES:]
        command = self._command_line()
        metered = envelope.spent_micros if envelope is not None else 0
        if result is not None and raw is not None:
            cost = _run_cost_micros(raw, metered)
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
            kind = _classify(result)
            message = output or "; ".join(errors) or f"CLI reported {result.subtype}"
            if envelope is not None and envelope.refused:
                kind = FailureKind.BUDGET_EXHAUSTED
                message = (
                    f"the task's budget is spent: {envelope.spent_micros} of "
                    f"{envelope.limit_micros} micro-dollars (the next API call was refused)"
                )
            failure = TaskFailure(
                kind=kind,
                message=message,
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
            cost_micros=metered,
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
            return " ".join(SubprocessCLITransport._build_command(transport))
        return ""


class ClaudeCliDriver:
    """Starts CLI runs. `base_env` is added to every process's environment (before its own)."""

    def __init__(
        self,
        cli_path: str | None = None,
        base_env: dict[str, str] | None = None,
        max_concurrent_spawns: int = 4,
        bare: bool = False,
        processes: ProcessPool | None = None,
        state_dir: str = "",
        sandbox: Sandbox | None = None,
        gateway: ApiGateway | None = None,
    ) -> None:
        self.cli_path = cli_path or bundled_cli_path()
        self.processes = processes  # None: a fresh process per run
        self.base_env = dict(base_env or {})
        self.bare = bare
        self.state_dir = state_dir or os.path.join(os.getcwd(), ".claude-pool-state")
        self.sandbox = sandbox or NoSandbox()
        self.gateway = gateway
        self._max_spawns = max_concurrent_spawns
        self._gate: asyncio.Semaphore | None = None
        self._owner = f"{os.getpid()}:{process_tree.start_ticks(os.getpid())}"
        self._live_unpooled: set[CliProcess] = set()

    @property
    def spawn_gate(self) -> asyncio.Semaphore:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self._max_spawns)
        return self._gate

    def start(self, request: RunRequest) -> ClaudeCliRun:
        return ClaudeCliRun(self, request)

    def warm_processes(self) -> int:
        return len(self.processes) if self.processes is not None else len(self._live_unpooled)

    async def close(self) -> None:
        """Stop the warm processes; the gateway is stopped by its owner (the app)."""
        if self.processes is not None:
            await self.processes.close()
        await asyncio.gather(*(p.close() for p in list(self._live_unpooled)))

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

    # processes ---------------------------------------------------------------------------------

    def _flag_budget(self) -> bool:
        """Without the gateway a budget can only be the CLI's own `--max-budget-usd`, which the
        CLI counts per process: such runs get a process of their own."""
        return self.gateway is None

    async def acquire(self, request: RunRequest) -> _Turn:
        """A process for this run: one holding its session, a clean one, a cleared one, or a
        new one (see driver/processes.py)."""
        key = fixed_key(request, self._flag_budget())
        pool = self.processes
        plan = request.session
        reusable = pool is not None and not (self._flag_budget() and request.budget_micros)
        if pool is not None and reusable:
            if plan.mode is SessionMode.CONTINUE:
                held = pool.take_holding(key, plan.session_id)
                if held is not None:
                    return _Turn(held, held.offset, spawned=False)
            elif plan.mode is SessionMode.NEW:
                clean = pool.take_clean(key)
                if clean is not None and clean.clearing is not None:
                    try:
                        await asyncio.shield(clean.clearing)
                    except asyncio.CancelledError:
                        pool.give_back(clean)  # cancelled while waiting: it stays the pool's
                        raise
                    except Exception:  # noqa: BLE001 - the clear failed: the process is closed
                        clean = None
                if clean is not None and clean.alive() and not clean.session_id:
                    return _Turn(clean, 0, spawned=False)
                holding = pool.take_holding_any(key)
                if holding is not None:
                    try:
                        await holding.clear()
                        return _Turn(holding, 0, spawned=False)
                    except asyncio.CancelledError:
                        pool.discard(holding)  # half cleared: not fit to keep
                        raise
                    except Exception as exc:  # noqa: BLE001 - start a new one instead
                        log.warning("a CLI process failed to /clear (%s)", exc)
                        await holding.close()
        turn = await self._spawn(request, key)
        turn.reusable = reusable
        return turn

    async def release(self, turn: _Turn, outcome: RunOutcome, clean: bool) -> RunOutcome:
        """Read the session's new lines after a success; keep the process only after a clean
        success (its conversation would otherwise carry a failed turn)."""
        process = turn.process
        if outcome.success and outcome.session_id:
            try:
                chunk, offset = await asyncio.to_thread(
                    transcripts.read_turn, process.config_dir, outcome.session_id, turn.offset
                )
            except OSError as exc:
                log.warning("session %s: transcript unreadable: %s", outcome.session_id, exc)
                chunk, offset = b"", turn.offset
            outcome = replace(outcome, transcript=chunk)
            process.session_id, process.offset = outcome.session_id, offset
        if clean and turn.reusable and self.processes is not None and process.alive():
            self.processes.put_back(process)
        else:
            process.send_stderr_to(discard_stderr)
            await process.close()
        return outcome

    async def _spawn(self, request: RunRequest, key: str) -> _Turn:
        """Start and connect a process for `request`; a continued or forked session is written
        back from its stored transcript first and resumed."""
        plan = request.session
        if not self.cli_path or not os.access(self.cli_path, os.X_OK):
            raise CLINotFoundError(f"Claude Code not found at: {self.cli_path}")
        process_id = secrets.token_hex(6)
        directory = os.path.join(self.state_dir, "processes", process_id)
        home = os.path.join(directory, "home")
        config_dir = os.path.join(home, ".claude")
        await asyncio.to_thread(os.makedirs, config_dir, exist_ok=True)
        offset = 0
        if plan.mode is not SessionMode.NEW:
            chunks = await plan.load_transcript()
            size = await asyncio.to_thread(
                transcripts.materialize, config_dir, request.cwd, plan.session_id, chunks
            )
            offset = size if plan.mode is SessionMode.CONTINUE else 0
        gateway_key = self.gateway.issue_key() if self.gateway is not None else ""
        options = self._options(request, home, config_dir, gateway_key)
        sink: list[Any] = [discard_stderr]
        options = replace(options, stderr=lambda line: sink[0](line))
        transport = _TrackedTransport(
            _no_input(),
            options,
            self.sandbox,
            writable=[directory],
            provider_env=self.gateway is None,
        )
        client = ClaudeSDKClient(options, transport=transport)
        async with self.spawn_gate:
            try:
                await client.connect()
            except BaseException:
                if self.gateway is not None:
                    self.gateway.revoke_key(gateway_key)
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.disconnect(), 5)
                raise
        process = CliProcess(
            id=process_id,
            key=key,
            client=client,
            transport=transport,
            directory=directory,
            config_dir=config_dir,
            gateway_key=gateway_key,
            session_id=plan.session_id if plan.mode is SessionMode.CONTINUE else "",
            offset=offset,
            stderr_sink=sink,
        )
        gateway = self.gateway
        if self.processes is not None:
            self.processes.adopt(process)
            adopted_close = process.on_close

            def closed(p: CliProcess) -> None:
                adopted_close(p)
                if gateway is not None:
                    gateway.revoke_key(gateway_key)

            process.on_close = closed
        else:
            self._live_unpooled.add(process)

            def dropped(p: CliProcess) -> None:
                self._live_unpooled.discard(p)
                if gateway is not None:
                    gateway.revoke_key(gateway_key)

            process.on_close = dropped
        return _Turn(process, offset, spawned=True)

    def _options(
        self, request: RunRequest, home: str, config_dir: str, gateway_key: str
    ) -> ClaudeAgentOptions:
        system_prompt: Any
        if request.system_prompt is None:
            # No configured prompt: keep Claude Code's own (the SDK would otherwise send "").
            system_prompt = {"type": "preset", "preset": "claude_code"}
        else:
            system_prompt = request.system_prompt
        env = dict(self.base_env)
        env.update(HOME=home, CLAUDE_CONFIG_DIR=config_dir, **{OWNER_ENV: self._owner})
        if self.gateway is not None:
            for name in ("ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN"):
                env.pop(name, None)
            env.update(ANTHROPIC_BASE_URL=self.gateway.url, ANTHROPIC_API_KEY=gateway_key)
        if request.permission_mode is PermissionMode.BYPASS_PERMISSIONS and os.geteuid() == 0:
            env.setdefault("IS_SANDBOX", "1")  # the CLI refuses bypass as root without it
        if request.mcp_servers:
            env.setdefault("ENABLE_TOOL_SEARCH", "false")  # list MCP tools directly
        plan = request.session
        budget = request.budget_micros if self._flag_budget() else None
        options = ClaudeAgentOptions(
            cli_path=self.cli_path,
            cwd=request.cwd,
            env=env,
            system_prompt=system_prompt,
            model=request.model,
            fallback_model=request.fallback_model,
            permission_mode=request.permission_mode.value if request.permission_mode else None,
            max_turns=request.max_turns,
            max_budget_usd=budget / 1_000_000 if budget else None,
            allowed_tools=list(request.allowed_tools),
            disallowed_tools=list(request.disallowed_tools),
            tools=list(request.tools) if request.tools else None,
            mcp_servers=dict(request.mcp_servers),
            effort=request.effort.value if request.effort else None,
            resume=plan.session_id if plan.mode is not SessionMode.NEW else None,
            fork_session=plan.mode is SessionMode.FORK,
            include_partial_messages=True,
            extra_args={"bare": None} if self.bare else {},
        )
        if request.json_schema is not None:
            options.output_format = {"type": "json_schema", "schema": request.json_schema}
        return options


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


def _run_cost_micros(raw: dict[str, Any], metered: int) -> int:
    """This run's cost: the CLI's per-turn model usage; never the session's running total
    (`total_cost_usd` also counts earlier turns). Without a per-turn figure: what the gateway
    metered, which is 0 for a run that made no successful call."""
    since_last = raw.get("model_usage_since_last_result")
    if isinstance(since_last, dict) and since_last:
        return sum(
            usd_to_micros(float(entry.get("costUSD", 0.0)))
            for entry in since_last.values()
            if isinstance(entry, dict)
        )
    return metered


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
