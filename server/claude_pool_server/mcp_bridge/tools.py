"""The pool's user-facing operations as MCP tools, over a `PoolClient`.

Each tool is named after the operation it performs and describes itself to the model that calls
it: what it does, what it returns and which tool comes next. Results are JSON text (the output of
`run` comes first as plain text). A pool error becomes a tool error that names the gRPC code, the
reason (`TASK_NOT_FOUND`, `BUDGET_EXHAUSTED`, ...) and what to do about it. The long operations
(`run`, `result` with a wait, `fan_out`, `chain`, `chain_status` with a wait) send MCP progress
notifications while the work runs, when the client asked for them with a progress token, and stop
waiting after `wait_seconds`, handing back the ids to look the work up later: the pool goes on.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import json
import uuid
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Annotated, Any, Literal, ParamSpec, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from claude_pool import PoolClient, PoolError, chain_step, task_spec
from claude_pool.v1 import chain_pb2, pool_pb2, session_pb2, task_pb2

P = ParamSpec("P")
R = TypeVar("R")

McpContext = Context[Any, Any]

# google.rpc.Code names by number (a fan-out item's `error_code`).
_CODE_NAMES = (
    "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
    "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
    "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
)  # fmt: skip

PermissionModeName = Literal[
    "default", "acceptEdits", "bypassPermissions", "dontAsk", "plan", "auto"
]
PERMISSION_MODES: dict[str, task_pb2.PermissionMode.ValueType] = {
    "default": task_pb2.PERMISSION_MODE_DEFAULT,
    "acceptEdits": task_pb2.PERMISSION_MODE_ACCEPT_EDITS,
    "bypassPermissions": task_pb2.PERMISSION_MODE_BYPASS_PERMISSIONS,
    "dontAsk": task_pb2.PERMISSION_MODE_DONT_ASK,
    "plan": task_pb2.PERMISSION_MODE_PLAN,
    "auto": task_pb2.PERMISSION_MODE_AUTO,
}
TaskStateName = Literal["pending", "running", "pending_review", "completed", "failed", "cancelled"]

_SETTLED = frozenset(
    {
        task_pb2.TASK_STATE_PENDING_REVIEW,
        task_pb2.TASK_STATE_COMPLETED,
        task_pb2.TASK_STATE_FAILED,
        task_pb2.TASK_STATE_CANCELLED,
    }
)
_TERMINAL_CHAIN = frozenset(
    {
        chain_pb2.CHAIN_STATUS_COMPLETED,
        chain_pb2.CHAIN_STATUS_FAILED,
        chain_pb2.CHAIN_STATUS_CANCELLED,
    }
)
OUTPUT_SCAN_SECONDS = 5.0  # `output` reads a running task's events for at most this long

# --- errors ---------------------------------------------------------------------------------------

_ADVICE_BY_REASON = {
    "TASK_NOT_FOUND": "Check the task_id: list_tasks shows the tasks this pool lets you see.",
    "CHAIN_NOT_FOUND": "Check the chain_id (chain returns it).",
    "SLOT_NOT_FOUND": "Check the slot id: status lists the slots.",
    "CONTEXT_NOT_FOUND": "No entry has that key: context_list shows the keys there are.",
    "SESSION_NOT_FOUND": "Check continue_from/fork_from: give a session_id from sessions, or the "
    "task_id of a finished task.",
    "INVALID_ARGUMENT": "Fix the arguments named above and call again.",
    "BUDGET_EXHAUSTED": "The pool's budget cannot cover this work: set a lower max_budget_usd, "
    "wait for running tasks to finish (their unused reservation is released), or ask the pool's "
    "operator to raise the budget. status shows the spend and the budget.",
    "QUOTA_EXCEEDED": "You have as many unfinished tasks as your quota allows: wait for some to "
    "finish (result with wait_seconds) or cancel those you no longer need, then retry.",
    "RATE_LIMITED": "You are submitting too fast: wait {delay} and retry.",
    "POOL_DRAINING": "The pool is shutting down and takes no new work: try again later.",
    "ILLEGAL_STATE": "The task or chain is not in a state that allows this: result (or "
    "chain_status) shows its state.",
    "WORKING_DIR_OUTSIDE_ROOTS": "working_dir must lie inside one of the pool's work roots: "
    "leave it out for the pool's default.",
    "PERMISSION_MODE_DENIED": "The pool refuses that permission_mode: choose another one or "
    "leave it out.",
    "POLICY_DENIED": "The pool's policy for your namespace forbids this (a model, tool, MCP "
    "server or permission mode): change the option named above.",
    "UNAUTHENTICATED": "The token of `claude-pool mcp` is missing or unknown to the pool: restart "
    "it with --token (or CLAUDE_POOL_TOKEN) set to a valid token.",
    "SCOPE_DENIED": "The token of `claude-pool mcp` lacks the scope this needs: ask the pool's "
    "operator for a token with it.",
    "SESSION_TOO_LARGE": "That conversation is too long to continue: start a new one (leave out "
    "continue_from), passing what matters in the prompt.",
    "WAIT_TIMEOUT": "It is still running: call result again with wait_seconds.",
    "STORE_UNAVAILABLE": "The pool's database is unavailable for now: retry in a few seconds.",
    "SEQ_OUT_OF_RANGE": "The task has fewer events than that: read it from the start.",
}
_ADVICE_BY_CODE = {
    "UNAVAILABLE": "The pool server at {address} cannot be reached: check that it runs and that "
    "`claude-pool mcp --server` names it, then retry.",
    "DEADLINE_EXCEEDED": "The call took too long: retry, or use submit and then result.",
    "INVALID_ARGUMENT": "Fix the arguments and call again.",
    "NOT_FOUND": "Check the id.",
    "FAILED_PRECONDITION": "The target is not in a state that allows this: look it up first.",
    "RESOURCE_EXHAUSTED": "A limit of the pool is reached: wait for running work to finish, then "
    "retry.",
    "PERMISSION_DENIED": "The token of `claude-pool mcp` may not do this: ask the pool's operator.",
    "UNAUTHENTICATED": "Restart `claude-pool mcp` with a valid --token (or CLAUDE_POOL_TOKEN).",
    "UNIMPLEMENTED": "The pool server is older than this bridge and lacks this operation.",
    "INTERNAL": "A fault in the pool server: retry once, then report the message above.",
}


def describe_error(error: PoolError, address: str) -> str:
    """A pool error as a tool error's text: code, reason and message, then what to do."""
    reason = f" {error.reason}" if error.reason else ""
    lines = [f"Pool error {error.code.name}{reason}: {error.message}"]
    lines += [f"- {v.field}: {v.description}" for v in error.field_violations]
    advice = _ADVICE_BY_REASON.get(error.reason) or _ADVICE_BY_CODE.get(error.code.name, "")
    if advice:
        delay = f"{error.retry_delay:g} s" if error.retry_delay else "a moment"
        lines.append("What to do: " + advice.format(address=address, delay=delay))
    return "\n".join(lines)


_FAILURE_ADVICE = {
    "budget_exhausted": "raise max_budget_usd, or split the work into smaller tasks",
    "timeout": "raise task_timeout_seconds, or split the work into smaller tasks",
    "idle_timeout": "the session printed nothing for too long: retry, or split the work",
    "max_turns": "raise max_turns, or ask for less in one task",
    "api_error": "the model's API failed: retry later",
    "rejected": "the result was rejected as often as allowed: submit a new task",
    "interrupted": "the pool stopped while it ran: run it again",
}


def _pool_errors(
    fn: Callable[P, Awaitable[R]],
) -> Callable[P, Awaitable[R]]:
    """Turn a PoolError raised by the tool into a ToolError the model can act on."""

    @functools.wraps(fn)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await fn(*args, **kwargs)
        except PoolError as exc:
            tools = args[0]
            address = tools.pool.address if isinstance(tools, PoolTools) else "?"
            raise ToolError(describe_error(exc, address)) from exc

    return call


# --- rendering ------------------------------------------------------------------------------------


def state_name(state: task_pb2.TaskState.ValueType) -> str:
    return task_pb2.TaskState.Name(state).removeprefix("TASK_STATE_").lower()


def chain_status_name(status: chain_pb2.ChainStatus.ValueType) -> str:
    return chain_pb2.ChainStatus.Name(status).removeprefix("CHAIN_STATUS_").lower()


def failure_kind(task: task_pb2.Task) -> str:
    kind = task_pb2.FailureKind.Name(task.result.failure.kind)
    return kind.removeprefix("FAILURE_KIND_").lower()


def _usd(micros: int) -> float:
    return micros / 1_000_000


def _clip(text: str, limit: int | None) -> str:
    return text if limit is None or len(text) <= limit else text[:limit] + " [...]"


def task_summary(task: task_pb2.Task, *, output_limit: int | None = None) -> dict[str, Any]:
    """What a model needs of a task: id, state, output, session, cost, failure."""
    summary: dict[str, Any] = {"task_id": task.id, "state": state_name(task.state)}
    if task.HasField("result"):
        summary["output"] = _clip(task.result.output, output_limit)
    session = task.session_id or task.result.session_id
    if session:
        summary["session_id"] = session
    if task.slot_id:
        summary["slot_id"] = task.slot_id
    if task.chain_id:
        summary["chain_id"] = task.chain_id
    if task.HasField("result"):
        summary["cost_usd"] = _usd(task.result.cost_micros)
    if task.state == task_pb2.TASK_STATE_FAILED:
        summary["failure"] = {"kind": failure_kind(task), "message": task.result.failure.message}
    if task.spec.tags:
        summary["tags"] = list(task.spec.tags)
    return summary


def chain_summary(chain: chain_pb2.ChainProgress) -> dict[str, Any]:
    terminal = chain.status in _TERMINAL_CHAIN
    steps = chain.result.steps if terminal and chain.result.steps else chain.completed_steps
    summary: dict[str, Any] = {
        "chain_id": chain.chain_id,
        "status": chain_status_name(chain.status),
        "total_steps": chain.total_steps,
        "steps": [
            {
                "name": step.name,
                "success": step.success,
                **({"skipped": True} if step.skipped else {}),
                "output": step.output,
                "task_id": step.task_id,
                "cost_usd": _usd(step.cost_micros),
            }
            for step in steps
        ],
    }
    if chain.HasField("current_step") and not terminal:
        summary["current_step"] = {"index": chain.current_step, "name": chain.current_step_name}
    if terminal:
        summary["final_output"] = chain.result.final_output
        summary["cost_usd"] = _usd(chain.result.total_cost_micros)
    return summary


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def json_result(value: Any, *, error: bool = False) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=_json(value))], is_error=error)


# --- progress -------------------------------------------------------------------------------------


class _Progress:
    """MCP progress notifications for one tool call (a no-op unless the client sent a progress
    token): `progress` must grow with every notification, so `step()` counts them."""

    def __init__(self, ctx: McpContext) -> None:
        self.ctx = ctx
        self.value = 0.0

    async def step(self, message: str) -> None:
        self.value += 1
        await self.ctx.report_progress(self.value, None, message[:200])

    async def at(self, value: float, total: float, message: str) -> None:
        if value > self.value:
            self.value = value
            await self.ctx.report_progress(value, total, message[:200])


class _TaskFollower:
    """Reads a task's events, reporting each as progress, until the task finishes or waits for
    review."""

    def __init__(self, progress: _Progress, task_id: str) -> None:
        self.progress = progress
        self.task_id = task_id

    async def follow(
        self, events: AsyncGenerator[task_pb2.TaskEvent, None]
    ) -> task_pb2.Task | None:
        """The finished task, or None when it stopped at review (or the stream ended early)."""
        async with contextlib.aclosing(events):
            async for event in events:
                kind = event.WhichOneof("kind")
                if kind == "text_delta":
                    await self.progress.step(event.text_delta.text)
                elif kind == "tool_use":
                    await self.progress.step(f"tool {event.tool_use.name}")
                elif kind == "state_change":
                    change = event.state_change
                    where = f" on {change.slot_id}" if change.slot_id else ""
                    await self.progress.step(f"{self.task_id} {state_name(change.state)}{where}")
                    if change.state == task_pb2.TASK_STATE_PENDING_REVIEW:
                        return None
                elif kind == "finished":
                    return event.finished.task
        return None


# --- arguments ------------------------------------------------------------------------------------

Prompt = Annotated[
    str,
    Field(
        min_length=1,
        description="The prompt for the Claude Code session that does the work. It sees only "
        "this prompt (and the pool's shared context), not your conversation: say everything "
        "it needs.",
    ),
]
ContinueFrom = Annotated[
    str | None,
    Field(
        description="Continue an earlier conversation: its session_id, or the task_id of a "
        "finished task that ran in it. Leave out to start a new conversation."
    ),
]
ForkFrom = Annotated[
    str | None,
    Field(
        description="Start a new conversation as a copy of this one (a session_id or task_id); "
        "the original is left as it is. Not with continue_from."
    ),
]
Model = Annotated[
    str | None,
    Field(description="Model for the task, e.g. claude-sonnet-4-5 (default: the pool's)."),
]
PermissionModeArg = Annotated[
    PermissionModeName | None,
    Field(description="Permission mode of the task's session (default: the pool's)."),
]
MaxTurns = Annotated[int | None, Field(ge=1, description="Limit on the task's agent turns.")]
SystemPrompt = Annotated[
    str | None, Field(description="System prompt for the task (replaces the pool's).")
]
AllowedTools = Annotated[
    list[str] | None,
    Field(description='Tools the task may use without asking, e.g. ["Read", "Bash(git *)"].'),
]
MaxBudget = Annotated[
    float | None, Field(gt=0, description="Spending cap in USD for the task (each task).")
]
TaskTimeout = Annotated[
    float | None,
    Field(gt=0, description="The task's own time limit in seconds (default: the pool's)."),
]
WorkingDir = Annotated[
    str | None,
    Field(description="Directory the task works in; must be inside the pool's work roots."),
]
Tags = Annotated[
    list[str] | None, Field(description="Labels to find the work by later (list_tasks tag).")
]
ReviewRequired = Annotated[
    bool,
    Field(description="Hold the finished result in pending_review until you approve or reject it."),
]
SlotId = Annotated[str | None, Field(description="Run on this slot only (status lists them).")]
TaskId = Annotated[str, Field(min_length=1, description="The task's id (task-...).")]
ChainId = Annotated[str, Field(min_length=1, description="The chain's id (chain returns it).")]


def _wait_seconds(minimum: float, what: str) -> Any:
    return Field(ge=minimum, le=3600, description=what)


class ChainStepArgs(BaseModel):
    """One step of a chain."""

    prompt: str = Field(
        min_length=1,
        description="The step's prompt. {previous_output} is replaced by the previous step's "
        "output, {steps.NAME.VAR} by a variable an earlier step extracted with output_vars.",
    )
    name: str = Field(default="", description="The step's name (default: step-N).")
    retries: int = Field(default=0, ge=0, le=10, description="Reruns when the step fails.")
    recovery_prompt: str | None = Field(
        default=None,
        description="Run once more with this prompt after the retries fail ({error} is the "
        "last error).",
    )
    output_vars: dict[str, str] | None = Field(
        default=None,
        description="Variables to extract from the step's JSON output: {VAR: JSON path}.",
    )
    model: str | None = Field(default=None, description="Model for this step.")

    def to_step(self) -> chain_pb2.ChainStep:
        overrides: dict[str, Any] = {"model": self.model} if self.model else {}
        return chain_step(
            self.prompt,
            self.name,
            retries=self.retries,
            recovery_prompt=self.recovery_prompt,
            output_vars=self.output_vars,
            **overrides,
        )


def build_spec(
    prompt: str,
    *,
    continue_from: str | None = None,
    fork_from: str | None = None,
    model: str | None = None,
    permission_mode: str | None = None,
    max_turns: int | None = None,
    system_prompt: str | None = None,
    allowed_tools: list[str] | None = None,
    max_budget_usd: float | None = None,
    task_timeout_seconds: float | None = None,
    working_dir: str | None = None,
    tags: list[str] | None = None,
    review_required: bool = False,
    slot_id: str | None = None,
) -> task_pb2.TaskSpec:
    overrides: dict[str, Any] = {}
    if permission_mode:
        overrides["permission_mode"] = PERMISSION_MODES[permission_mode]
    if max_turns is not None:
        overrides["max_turns"] = max_turns
    if system_prompt is not None:
        overrides["system_prompt"] = system_prompt
    if allowed_tools:
        overrides["allowed_tools"] = allowed_tools
    return task_spec(
        prompt,
        model=model or None,
        tags=list(tags or []),
        working_dir=working_dir or "",
        max_budget_usd=max_budget_usd,
        timeout=task_timeout_seconds,
        review_required=review_required,
        slot_id=slot_id or "",
        continue_from=continue_from or "",
        fork_from=fork_from or "",
        **overrides,
    )


def _still_running(task: task_pb2.Task, waited: float) -> dict[str, Any]:
    summary = task_summary(task)
    summary["note"] = (
        f"Not finished after {waited:g} s; it goes on in the pool. Call result with this task_id "
        "and wait_seconds to wait for it, output for its text so far, or cancel to stop it."
    )
    return summary


# --- the tools ------------------------------------------------------------------------------------


class PoolTools:
    """The tool functions over one PoolClient; `register` adds them to an MCPServer."""

    def __init__(self, pool: PoolClient) -> None:
        self.pool = pool

    # tasks -------------------------------------------------------------------------------------

    @_pool_errors
    async def run(
        self,
        ctx: McpContext,
        prompt: Prompt,
        continue_from: ContinueFrom = None,
        fork_from: ForkFrom = None,
        model: Model = None,
        permission_mode: PermissionModeArg = None,
        max_turns: MaxTurns = None,
        system_prompt: SystemPrompt = None,
        allowed_tools: AllowedTools = None,
        max_budget_usd: MaxBudget = None,
        task_timeout_seconds: TaskTimeout = None,
        working_dir: WorkingDir = None,
        tags: Tags = None,
        review_required: ReviewRequired = False,
        slot_id: SlotId = None,
        wait_seconds: Annotated[
            float,
            _wait_seconds(
                1,
                "How long to wait for the answer. If the task is not done by then you get its "
                "task_id back and it goes on running (then use result).",
            ),
        ] = 600,
    ) -> CallToolResult:
        """Run a prompt on a free slot of the pool (a separate Claude Code session) and return
        its output once it finishes. The first part of the result is the output; the second is
        JSON with task_id, session_id and cost_usd: pass the session_id as continue_from to
        continue that conversation later. Sends progress notifications (the text as it is
        written) while it runs. For several independent prompts use fan_out; for a job that
        should not block you, submit."""
        spec = build_spec(
            prompt,
            continue_from=continue_from,
            fork_from=fork_from,
            model=model,
            permission_mode=permission_mode,
            max_turns=max_turns,
            system_prompt=system_prompt,
            allowed_tools=allowed_tools,
            max_budget_usd=max_budget_usd,
            task_timeout_seconds=task_timeout_seconds,
            working_dir=working_dir,
            tags=tags,
            review_required=review_required,
            slot_id=slot_id,
        )
        # Submit, then follow (what RunStream does on the server): the id is known at once, so
        # a wait that ends before the first event can still hand it back.
        submitted = await self.pool.submit(spec)
        follower = _TaskFollower(_Progress(ctx), submitted.id)
        try:
            async with asyncio.timeout(wait_seconds):
                task = await follower.follow(self.pool.watch(submitted.id))
        except TimeoutError:
            task = None
        if task is None:
            task = await self.pool.get(submitted.id)
        return self._outcome(task, wait_seconds)

    def _outcome(self, task: task_pb2.Task, waited: float) -> CallToolResult:
        """A settled task as `run` returns it: the output, then its ids; a failure is an error."""
        if task.state not in _SETTLED:  # the wait ended first
            return json_result(_still_running(task, waited))
        summary = task_summary(task)
        output = summary.pop("output", "")
        if task.state == task_pb2.TASK_STATE_PENDING_REVIEW:
            summary["output"] = output
            summary["note"] = "Waiting for your review: approve it, or reject it with feedback."
            return json_result(summary)
        if task.state == task_pb2.TASK_STATE_COMPLETED:
            return CallToolResult(
                content=[
                    TextContent(type="text", text=output),
                    TextContent(type="text", text=_json(summary)),
                ]
            )
        if task.state == task_pb2.TASK_STATE_CANCELLED:
            raise ToolError(f"Task {task.id} was cancelled before it finished. {_json(summary)}")
        kind = failure_kind(task)
        advice = _FAILURE_ADVICE.get(kind, "see the message; retry if it looks transient")
        message = task.result.failure.message or "no message"
        raise ToolError(
            f"Task {task.id} failed ({kind}): {message}\nWhat to do: {advice}.\n{_json(summary)}"
        )

    @_pool_errors
    async def submit(
        self,
        prompt: Prompt,
        continue_from: ContinueFrom = None,
        fork_from: ForkFrom = None,
        model: Model = None,
        permission_mode: PermissionModeArg = None,
        max_turns: MaxTurns = None,
        system_prompt: SystemPrompt = None,
        allowed_tools: AllowedTools = None,
        max_budget_usd: MaxBudget = None,
        task_timeout_seconds: TaskTimeout = None,
        working_dir: WorkingDir = None,
        tags: Tags = None,
        review_required: ReviewRequired = False,
        slot_id: SlotId = None,
    ) -> CallToolResult:
        """Queue a prompt on the pool and return at once with its task_id (JSON), without
        waiting: the task runs on the next free slot while you do other things. Get its output
        with result (wait_seconds to wait for it), its text so far with output, stop it with
        cancel."""
        spec = build_spec(
            prompt,
            continue_from=continue_from,
            fork_from=fork_from,
            model=model,
            permission_mode=permission_mode,
            max_turns=max_turns,
            system_prompt=system_prompt,
            allowed_tools=allowed_tools,
            max_budget_usd=max_budget_usd,
            task_timeout_seconds=task_timeout_seconds,
            working_dir=working_dir,
            tags=tags,
            review_required=review_required,
            slot_id=slot_id,
        )
        task = await self.pool.submit(spec)
        summary = task_summary(task)
        summary["next"] = "result with this task_id (and wait_seconds to wait for it)"
        return json_result(summary)

    @_pool_errors
    async def result(
        self,
        ctx: McpContext,
        task_id: TaskId,
        wait_seconds: Annotated[
            float,
            _wait_seconds(
                0,
                "Wait up to this long for the task to finish (0: answer at once, as it stands).",
            ),
        ] = 0,
    ) -> CallToolResult:
        """A task's state and, once it has finished, its output, session_id, cost and any
        failure (JSON). With wait_seconds it first waits for the task to finish (or to reach
        pending_review), sending progress notifications meanwhile. state is one of pending,
        running, pending_review, completed, failed, cancelled."""
        task = await self.pool.get(task_id)
        if wait_seconds > 0 and task.state not in _SETTLED:
            follower = _TaskFollower(_Progress(ctx), task_id)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_seconds):
                    await follower.follow(self.pool.watch(task_id, task.last_seq))
            task = await self.pool.get(task_id)
        summary = task_summary(task)
        if task.state not in _SETTLED:
            summary["note"] = (
                f"Still {summary['state']}: call result again with wait_seconds, or output for "
                "the text so far."
            )
        elif task.state == task_pb2.TASK_STATE_PENDING_REVIEW:
            summary["note"] = "Waiting for your review: approve it, or reject it with feedback."
        return json_result(summary)

    @_pool_errors
    async def output(self, task_id: TaskId) -> CallToolResult:
        """The text a task has written so far (all of it once it has finished), without waiting
        for it. The first part is the text; the second is JSON with the task's state and whether
        the text is complete."""
        task = await self.pool.get(task_id)
        text, complete = await self.text_so_far(task)
        meta = {"task_id": task.id, "state": state_name(task.state), "complete": complete}
        return CallToolResult(
            content=[
                TextContent(type="text", text=text or "(no output yet)"),
                TextContent(type="text", text=_json(meta)),
            ]
        )

    async def text_so_far(self, task: task_pb2.Task) -> tuple[str, bool]:
        """A task's output: the result's once settled, else the text deltas of its latest
        attempt among the events logged when `task` was read."""
        if task.state in _SETTLED:
            return task.result.output, True
        if task.last_seq == 0:
            return "", False
        parts: list[str] = []
        attempt: int | None = None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(OUTPUT_SCAN_SECONDS):
                events = self.pool.watch(task.id, 0)
                async with contextlib.aclosing(events):
                    async for event in events:
                        if event.HasField("text_delta"):
                            if attempt is not None and event.text_delta.attempt != attempt:
                                parts.clear()  # a retried run starts its text again
                            attempt = event.text_delta.attempt
                            parts.append(event.text_delta.text)
                        if event.seq >= task.last_seq or event.HasField("finished"):
                            break
        return "".join(parts), False

    @_pool_errors
    async def cancel(self, task_id: TaskId) -> CallToolResult:
        """Cancel a pending or running task; it ends cancelled (JSON of the task). A task that
        already finished cannot be cancelled (ILLEGAL_STATE)."""
        return json_result(task_summary(await self.pool.cancel(task_id)))

    @_pool_errors
    async def approve(self, task_id: TaskId) -> CallToolResult:
        """Approve a task waiting in pending_review (submitted with review_required): it becomes
        completed with the output it has."""
        return json_result(task_summary(await self.pool.approve(task_id)))

    @_pool_errors
    async def reject(
        self,
        task_id: TaskId,
        feedback: Annotated[
            str,
            Field(min_length=1, description="What to fix; it is added to the original prompt."),
        ],
    ) -> CallToolResult:
        """Reject a task waiting in pending_review: it runs again with your feedback (or fails
        once it has been rejected as often as allowed). Wait for the new result with result."""
        return json_result(task_summary(await self.pool.reject(task_id, feedback)))

    @_pool_errors
    async def list_tasks(
        self,
        state: Annotated[TaskStateName | None, Field(description="Only tasks in this state.")] = (
            None
        ),
        tag: Annotated[str | None, Field(description="Only tasks with this tag.")] = None,
        chain_id: Annotated[str | None, Field(description="Only this chain's tasks.")] = None,
        session_id: Annotated[
            str | None, Field(description="Only tasks of this conversation.")
        ] = None,
        limit: Annotated[int, Field(ge=1, le=100, description="At most this many.")] = 20,
        page_token: Annotated[
            str | None, Field(description="next_page_token of the previous page.")
        ] = None,
    ) -> CallToolResult:
        """The pool's tasks, newest first (JSON; outputs cut to 300 characters: result gives
        one whole). next_page_token, when present, fetches the next page."""
        filters: dict[str, Any] = {"page_size": limit, "page_token": page_token or ""}
        if state:
            filters["state"] = task_pb2.TaskState.Value(f"TASK_STATE_{state.upper()}")
        if tag:
            filters["tags"] = [tag]
        if chain_id:
            filters["chain_id"] = chain_id
        if session_id:
            filters["session_id"] = session_id
        page = await self.pool.list_tasks(**filters)
        listing: dict[str, Any] = {"tasks": [task_summary(t, output_limit=300) for t in page.tasks]}
        if page.next_page_token:
            listing["next_page_token"] = page.next_page_token
        return json_result(listing)

    # fan-out and chains ------------------------------------------------------------------------

    @_pool_errors
    async def fan_out(
        self,
        ctx: McpContext,
        prompts: Annotated[
            list[str],
            Field(
                min_length=1,
                description="The prompts, one task each; they run at the same time on "
                "separate slots (beyond the free slots they queue).",
            ),
        ],
        model: Model = None,
        permission_mode: PermissionModeArg = None,
        max_turns: MaxTurns = None,
        system_prompt: SystemPrompt = None,
        allowed_tools: AllowedTools = None,
        max_budget_usd: MaxBudget = None,
        task_timeout_seconds: TaskTimeout = None,
        working_dir: WorkingDir = None,
        tags: Tags = None,
        wait: Annotated[
            bool,
            Field(description="Wait for the results (false: return the task_ids at once)."),
        ] = True,
        wait_seconds: Annotated[
            float,
            _wait_seconds(
                1,
                "How long to wait for all of them; those not done by then are returned with "
                "their task_id and go on running.",
            ),
        ] = 600,
    ) -> CallToolResult:
        """Run several independent prompts in parallel, each as its own task, and return every
        item's outcome in input order (JSON: index, task_id, state, output or error). One
        failing item does not fail the others. Sends a progress notification as each item
        finishes. For steps that build on each other use chain."""
        batch = f"mcp-fan-out:{uuid.uuid4().hex[:12]}"
        specs = [
            build_spec(
                prompt,
                model=model,
                permission_mode=permission_mode,
                max_turns=max_turns,
                system_prompt=system_prompt,
                allowed_tools=allowed_tools,
                max_budget_usd=max_budget_usd,
                task_timeout_seconds=task_timeout_seconds,
                working_dir=working_dir,
                tags=[*(tags or []), batch, f"{batch}:{index}"],
            )
            for index, prompt in enumerate(prompts)
        ]
        total = len(specs)
        items: list[dict[str, Any]] = [{"index": i} for i in range(total)]
        done: set[int] = set()
        if not wait:
            for index, spec in enumerate(specs):
                try:
                    items[index].update(task_summary(await self.pool.submit(spec)))
                except PoolError as exc:
                    items[index].update(state="not_submitted", error=str(exc))
            return json_result({"fan_out": batch, "total": total, "items": items})
        progress = _Progress(ctx)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_seconds):
                stream = self.pool.fan_out_stream(specs)
                async with contextlib.aclosing(stream):
                    async for item in stream:
                        done.add(item.index)
                        entry = items[item.index]
                        if item.HasField("task"):
                            entry.update(task_summary(item.task))
                        else:
                            code = _CODE_NAMES[item.error_code] if item.error_code < 17 else "?"
                            entry.update(
                                state="not_submitted", error=f"{code}: {item.error_message}"
                            )
                        message = f"item {item.index} {entry['state']} ({len(done)}/{total})"
                        await progress.at(len(done), total, message)
        if len(done) < total:
            await self._fill_unfinished(batch, items, done)
        return json_result(
            {"fan_out": batch, "finished": len(done), "total": total, "items": items}
        )

    async def _fill_unfinished(
        self, batch: str, items: list[dict[str, Any]], done: set[int]
    ) -> None:
        """Ids and states of the items that were still running when the wait ended."""
        page = await self.pool.list_tasks(tags=[batch], page_size=len(items))
        for task in page.tasks:
            for tag in task.spec.tags:
                position = tag.removeprefix(f"{batch}:")
                if position != tag and position.isdigit() and int(position) not in done:
                    items[int(position)].update(task_summary(task))
        for index, entry in enumerate(items):
            if index not in done:
                entry["note"] = "Not finished when the wait ended: use result with its task_id."

    @_pool_errors
    async def chain(
        self,
        ctx: McpContext,
        steps: Annotated[
            list[ChainStepArgs],
            Field(min_length=1, description="The steps, run one after another in this order."),
        ],
        isolation: Annotated[
            Literal["none", "worktree", "clone"],
            Field(
                description="none: steps share working_dir; worktree/clone: the chain works in "
                "its own git worktree or clone of it."
            ),
        ] = "none",
        working_dir: WorkingDir = None,
        tags: Tags = None,
        wait: Annotated[
            bool, Field(description="Wait for the chain (false: return its chain_id at once).")
        ] = True,
        wait_seconds: Annotated[
            float,
            _wait_seconds(
                1,
                "How long to wait; a chain not done by then goes on (then use chain_status).",
            ),
        ] = 600,
    ) -> CallToolResult:
        """Run steps in sequence, each step a task that can use the previous step's output
        ({previous_output} in its prompt). Returns JSON with chain_id, status, each step's
        output and the final_output. Sends a progress notification as each step starts and
        finishes. A failed chain is returned as an error with the steps so far."""
        chain = await self.pool.submit_chain(
            [step.to_step() for step in steps],
            isolation=isolation,
            tags=tags,
            working_dir=working_dir or "",
        )
        if not wait:
            summary = chain_summary(chain)
            summary["next"] = "chain_status with this chain_id (and wait_seconds to wait)"
            return json_result(summary)
        return await self._follow_chain(ctx, chain, wait_seconds)

    async def _follow_chain(
        self, ctx: McpContext, chain: chain_pb2.ChainProgress, wait_seconds: float
    ) -> CallToolResult:
        progress = _Progress(ctx)
        last = chain
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait_seconds):
                snapshots = self.pool.watch_chain(chain.chain_id)
                async with contextlib.aclosing(snapshots):
                    async for snapshot in snapshots:
                        last = snapshot
                        await self._chain_progress(progress, snapshot)
        summary = chain_summary(last)
        if last.status not in _TERMINAL_CHAIN:
            summary["note"] = (
                f"Not finished after {wait_seconds:g} s; it goes on in the pool. Call "
                "chain_status with this chain_id and wait_seconds to wait for it."
            )
        return json_result(summary, error=last.status == chain_pb2.CHAIN_STATUS_FAILED)

    @staticmethod
    async def _chain_progress(progress: _Progress, snapshot: chain_pb2.ChainProgress) -> None:
        finished = len(snapshot.completed_steps)
        total = snapshot.total_steps
        if snapshot.status in _TERMINAL_CHAIN:
            status = chain_status_name(snapshot.status)
            await progress.at(total, total, f"chain {snapshot.chain_id} {status}")
        elif snapshot.HasField("current_step"):
            step = snapshot.current_step
            name = snapshot.current_step_name
            await progress.at(step + 0.5, total, f"step {step + 1}/{total} {name} running")
        elif finished:
            await progress.at(finished, total, f"{finished}/{total} steps done")

    @_pool_errors
    async def chain_status(
        self,
        ctx: McpContext,
        chain_id: ChainId,
        wait_seconds: Annotated[
            float,
            _wait_seconds(0, "Wait up to this long for the chain to finish (0: at once)."),
        ] = 0,
    ) -> CallToolResult:
        """A chain's status (pending, running, completed, failed, cancelled), its current step
        and every finished step's output (JSON). With wait_seconds it waits for the chain to
        finish first, sending progress notifications."""
        chain = await self.pool.get_chain(chain_id)
        if wait_seconds > 0 and chain.status not in _TERMINAL_CHAIN:
            return await self._follow_chain(ctx, chain, wait_seconds)
        return json_result(chain_summary(chain))

    @_pool_errors
    async def cancel_chain(self, chain_id: ChainId) -> CallToolResult:
        """Cancel a chain: its running step stops and the remaining steps are skipped."""
        return json_result(chain_summary(await self.pool.cancel_chain(chain_id)))

    # conversations -----------------------------------------------------------------------------

    @_pool_errors
    async def sessions(
        self,
        limit: Annotated[int, Field(ge=1, le=100, description="At most this many.")] = 20,
        page_token: Annotated[
            str | None, Field(description="next_page_token of the previous page.")
        ] = None,
    ) -> CallToolResult:
        """The conversations (sessions) tasks ran in, most recently used first (JSON). Pass a
        session_id as continue_from to run or submit to continue one, or as fork_from to branch
        off a copy."""
        page = await self.pool.list_sessions(page_size=limit, page_token=page_token or "")
        listing: dict[str, Any] = {"sessions": [_session(s) for s in page.sessions]}
        if page.next_page_token:
            listing["next_page_token"] = page.next_page_token
        return json_result(listing)

    # shared context ----------------------------------------------------------------------------

    @_pool_errors
    async def context_set(
        self,
        key: Annotated[str, Field(min_length=1, description="The entry's key.")],
        value: Annotated[str, Field(description="The text every task will see under the key.")],
    ) -> CallToolResult:
        """Set a shared-context entry: it is added to the system prompt of every task started
        from now on (not to continued conversations)."""
        entry = await self.pool.set_context(key, value)
        return json_result({"key": entry.key, "value": entry.value})

    @_pool_errors
    async def context_get(
        self, key: Annotated[str, Field(min_length=1, description="The entry's key.")]
    ) -> CallToolResult:
        """A shared-context entry's value (CONTEXT_NOT_FOUND when there is none)."""
        return json_result({"key": key, "value": await self.pool.get_context(key)})

    @_pool_errors
    async def context_list(self) -> CallToolResult:
        """Every shared-context entry, as {key: value} JSON."""
        return json_result(await self.pool.list_context())

    @_pool_errors
    async def context_delete(
        self, key: Annotated[str, Field(min_length=1, description="The entry's key.")]
    ) -> CallToolResult:
        """Delete a shared-context entry; deleted is false when there was none."""
        return json_result({"key": key, "deleted": await self.pool.delete_context(key)})

    # messages ----------------------------------------------------------------------------------

    @_pool_errors
    async def send_message(
        self,
        to_slot_id: Annotated[
            str, Field(min_length=1, description="The slot to tell (status lists them).")
        ],
        content: Annotated[str, Field(min_length=1, description="The message.")],
        from_slot_id: Annotated[
            str, Field(min_length=1, description="Who it is from, as the slot will read it.")
        ] = "coordinator",
    ) -> CallToolResult:
        """Send a message to a slot: it is put before that slot's next prompt. Leave
        to_slot_id as "*" to send it to every slot."""
        if to_slot_id == "*":
            sent = await self.pool.broadcast_message(content, from_slot_id=from_slot_id)
        else:
            sent = [await self.pool.send_message(to_slot_id, content, from_slot_id=from_slot_id)]
        return json_result({"sent": [_message(m) for m in sent]})

    @_pool_errors
    async def read_messages(
        self,
        slot_id: Annotated[
            str, Field(min_length=1, description="Whose unread messages to read.")
        ] = "coordinator",
        peek: Annotated[
            bool, Field(description="Leave them unread (default: they are removed).")
        ] = False,
    ) -> CallToolResult:
        """A slot's unread messages, oldest first (by default the ones sent to "coordinator":
        yours). They are removed unless peek is true."""
        read = self.pool.peek_messages if peek else self.pool.read_messages
        return json_result({"messages": [_message(m) for m in await read(slot_id)]})

    # pool --------------------------------------------------------------------------------------

    @_pool_errors
    async def status(self) -> CallToolResult:
        """The pool at a glance (JSON): slots (idle, busy; their ids, roles and current
        tasks), task counts by state, spend and budget in USD, and whether it is draining."""
        return json_result(await self.status_report())

    async def status_report(self) -> dict[str, Any]:
        status = await self.pool.status()
        slots = await self.pool.find_slots()
        return {
            "slots": {
                "total": status.total_slots,
                "idle": status.idle_slots,
                "busy": status.busy_slots,
                "errored": status.errored_slots,
                "list": [_slot(s) for s in slots],
            },
            "tasks": {
                "pending": status.pending_tasks,
                "running": status.running_tasks,
                "pending_review": status.pending_review_tasks,
                "completed": status.completed_tasks,
                "failed": status.failed_tasks,
                "cancelled": status.cancelled_tasks,
            },
            "spent_usd": _usd(status.spent_micros),
            "reserved_usd": _usd(status.reserved_micros),
            "budget_usd": _usd(status.budget_micros) if status.HasField("budget_micros") else None,
            "draining": status.draining,
        }

    # registration ------------------------------------------------------------------------------

    def register(self, server: MCPServer[Any]) -> None:
        """Add every tool to `server`, named after its pool operation."""
        read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)
        starts_work = ToolAnnotations(
            read_only_hint=False, destructive_hint=False, idempotent_hint=False
        )
        changes = ToolAnnotations(read_only_hint=False, destructive_hint=False)
        stops = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True)
        tools: list[tuple[Callable[..., Awaitable[CallToolResult]], ToolAnnotations]] = [
            (self.run, starts_work),
            (self.submit, starts_work),
            (self.result, read_only),
            (self.output, read_only),
            (self.cancel, stops),
            (self.fan_out, starts_work),
            (self.chain, starts_work),
            (self.chain_status, read_only),
            (self.cancel_chain, stops),
            (self.approve, changes),
            (self.reject, starts_work),
            (self.list_tasks, read_only),
            (self.sessions, read_only),
            (self.context_set, changes),
            (self.context_get, read_only),
            (self.context_list, read_only),
            (self.context_delete, stops),
            (self.send_message, changes),
            (self.read_messages, changes),
            (self.status, read_only),
        ]
        for fn, hints in tools:
            description = inspect.cleandoc(fn.__doc__ or "")
            server.add_tool(fn, description=description, annotations=hints, structured_output=False)


def _session(session: session_pb2.Session) -> dict[str, Any]:
    return {
        "session_id": session.id,
        "last_task_id": session.last_task_id,
        "turns": session.turns,
        "cost_usd": _usd(session.cost_micros),
        "model": session.model,
        **({"forked_from": session.forked_from} if session.forked_from else {}),
        "updated": session.update_time.ToJsonString() if session.HasField("update_time") else "",
    }


def _message(message: pool_pb2.SlotMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "from": message.from_slot_id,
        "to": message.to_slot_id,
        "content": message.content,
    }


def _slot(slot: pool_pb2.Slot) -> dict[str, Any]:
    described: dict[str, Any] = {
        "slot_id": slot.id,
        "state": pool_pb2.SlotState.Name(slot.state).removeprefix("SLOT_STATE_").lower(),
    }
    if slot.config.name:
        described["name"] = slot.config.name
    if slot.config.role:
        described["role"] = slot.config.role
    if slot.current_task_id:
        described["current_task_id"] = slot.current_task_id
    return described
