"""Auto-routing: one CLI call classifies a prompt as single, parallel or chain (SEED-API §2.5, §4).

The routing call runs through the driver like any task, but outside the slots (it must not
resume or pollute a slot's session). It is recorded as a task tagged `routing`, so its cost is
reserved from and charged to the pool budget (the seed left it out) and shows in metrics.
The answer is read from the CLI's structured output (`--json-schema`) first, then with the seed's
parse fallbacks from the final text and from all text the model produced.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.chains import ChainOptions, ChainProgress, ChainStep
from claude_pool_server.domain.errors import FailedPrecondition, InvalidArgument
from claude_pool_server.domain.runs import RunOutcome
from claude_pool_server.domain.tasks import (
    PermissionMode,
    Task,
    TaskOverrides,
    TaskSpec,
)
from claude_pool_server.engine import validation
from claude_pool_server.engine.chains import ChainService
from claude_pool_server.engine.execution import Executor
from claude_pool_server.engine.fan_out import FanOut
from claude_pool_server.engine.tasks import TaskService

log = logging.getLogger(__name__)

ROUTING_TAG = "routing"
ROUTER_DISALLOWED_TOOLS = ("Bash", "Read", "Write", "Edit", "Glob", "Grep", "Agent")
ROUTER_MAX_TURNS = 2

ROUTING_PROMPT = """\
You are a work router. You ONLY classify tasks — you never execute them. The task to classify is \
provided in the user message inside <task> tags.

Do not read files, search code, run commands or use any tool other than the structured output.

You have exactly THREE options:
1. SINGLE: the work is one coherent unit.
2. PARALLEL: the work splits into clearly independent subtasks with no dependencies between them.
3. CHAIN: the work is a sequence of steps where later steps depend on earlier results.

Decision test: could two different people do the parts at the same time without talking to each \
other? Then PARALLEL. Does a later part need an earlier part's result? Then CHAIN. Otherwise, or \
if unsure, SINGLE. Splitting incorrectly is worse than not splitting at all.

Rules:
- Respond with ONLY a JSON object: no code fences, no prose.
- Do not do the work.
- If the task is too vague to decompose, use SINGLE with the prompt unchanged.
- If in doubt, use SINGLE.
- Parallel tasks must be truly independent.
- Chain steps should reference "{previous_output}" to use the previous step's result.
- Each prompt must be detailed and self-contained.
- Keep to 2-6 parallel tasks or chain steps.

Common mistakes to avoid:
- Splitting a small task that one worker does faster alone.
- Making "parallel" tasks that secretly depend on each other.
- Making a chain whose steps do not use each other's output.

Output format:
<examples>
<example>{"route": "single", "prompt": "the full task prompt"}</example>
<example>{"route": "parallel", "prompts": ["task 1", "task 2", "task 3"]}</example>
<example>{"route": "chain", "steps": [{"name": "step-1", "prompt": "first step"}, \
{"name": "step-2", "prompt": "use {previous_output} to do the next thing"}]}</example>
</examples>
"""

ROUTE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "route": {"type": "string", "enum": ["single", "parallel", "chain"]},
        "prompt": {"type": "string"},
        "prompts": {"type": "array", "items": {"type": "string"}},
        "steps": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "prompt": {"type": "string"}},
                "required": ["prompt"],
            },
        },
    },
    "required": ["route"],
}


class RoutingFailed(FailedPrecondition):
    """The router did not produce a usable decision (Auto falls back to a single task)."""

    reason = "ROUTING_FAILED"


# --- values ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AutoHint:
    max_parallel: int | None = None
    max_chain_steps: int | None = None
    prefer: str = ""  # "single" | "parallel" | "chain" | ""
    domain: str = ""
    decomposition_hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class AutoConfig:
    custom_prompt: str | None = None
    hints: AutoHint = field(default_factory=AutoHint)
    overrides: TaskOverrides = field(default_factory=TaskOverrides)


@dataclass(frozen=True)
class Route:
    """kind "single" uses `prompt`, "parallel" `prompts`, "chain" `steps` as (name, prompt)."""

    kind: str
    prompt: str = ""
    prompts: tuple[str, ...] = ()
    steps: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AutoResult:
    route: Route
    output: str
    cost_micros: int
    routing_cost_micros: int = 0
    fell_back: bool = False
    single: Task | None = None
    parallel: tuple[Task, ...] = ()
    chain: ChainProgress | None = None


# --- prompt and parsing ---------------------------------------------------------------------------


def render_hints(hints: AutoHint) -> str:
    lines = []
    if hints.max_parallel is not None:
        lines.append(f"- Maximum parallel tasks: {hints.max_parallel}")
    if hints.max_chain_steps is not None:
        lines.append(f"- Maximum chain steps: {hints.max_chain_steps}")
    if hints.prefer:
        lines.append(
            f"- Preferred route: {hints.prefer} "
            "(but choose differently if the task clearly warrants it)"
        )
    if hints.domain:
        lines.append(f"- Domain: {hints.domain}")
    if hints.decomposition_hints:
        lines.append(
            f"- Suggested decomposition boundaries: {', '.join(hints.decomposition_hints)}"
        )
    return "\n\n## Constraints\n\n" + "\n".join(lines) if lines else ""


def _route_from(data: Any) -> Route:
    if not isinstance(data, dict) or not isinstance(data.get("route"), str):
        raise ValueError("not a routing decision")
    kind = data["route"].strip().lower()
    if kind == "single" and isinstance(data.get("prompt"), str):
        return Route("single", prompt=data["prompt"])
    if kind == "parallel" and isinstance(data.get("prompts"), list):
        return Route("parallel", prompts=tuple(str(p) for p in data["prompts"]))
    if kind == "chain" and isinstance(data.get("steps"), list):
        steps = []
        taken: set[str] = set()
        for index, step in enumerate(data["steps"]):
            if not isinstance(step, dict) or not isinstance(step.get("prompt"), str):
                raise ValueError("a chain step has no prompt")
            steps.append((_step_name(step.get("name"), index, taken), step["prompt"]))
        return Route("chain", steps=tuple(steps))
    raise ValueError(f"route {kind!r} lacks its fields")


def _step_name(raw: object, index: int, taken: set[str]) -> str:
    """A router's step name as a name a chain takes: names only label routed steps, so '.', '{'
    and '}' (kept for `{steps.NAME.VAR}`) become '-', and a missing or repeated one `step-<n>`."""
    name = re.sub(r"[.{}]", "-", str(raw or "")).strip()
    number = index + 1
    while not name or name in taken:
        name, number = f"step-{number}", number + 1
    taken.add(name)
    return name


def _brace_match(text: str) -> str | None:
    """From the `{` before the first `"route"`, the text up to its matching `}` (as the seed:
    braces only, strings not special-cased)."""
    at = text.find('"route"')
    start = text.rfind("{", 0, at) if at >= 0 else -1
    if start < 0:
        return None
    depth = 0
    for index in range(start, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    return None


def extract_json_route(text: str) -> Route:
    """The seed's fallbacks: whole text, a ```json block, a ``` block, brace matching."""
    candidates = [text.strip()]
    candidates += re.findall(r"```json\s*(.*?)```", text, re.DOTALL)
    candidates += re.findall(r"```\n(.*?)```", text, re.DOTALL)
    matched = _brace_match(text)
    if matched is not None:
        candidates.append(matched)
    for candidate in candidates:
        try:
            return _route_from(json.loads(candidate))
        except ValueError:
            continue
    raise RoutingFailed("no valid JSON routing decision found in text")


def parse_outcome(outcome: RunOutcome, all_text: str) -> Route:
    if not outcome.success:
        failure = outcome.failure
        subtype = failure.error_subtype if failure else ""
        if subtype and subtype != "success":
            raise RoutingFailed(f"routing LLM returned {subtype!r} instead of a routing decision")
        raise RoutingFailed(f"routing call failed: {failure.message if failure else 'unknown'}")
    if outcome.structured_output is not None:
        try:
            return _route_from(outcome.structured_output)
        except ValueError:
            log.warning("structured routing output is not a route; trying the text")
    for text in (outcome.output, all_text):
        try:
            return extract_json_route(text)
        except RoutingFailed:
            continue
    raise RoutingFailed("could not parse routing decision from LLM output")


def normalize(route: Route, field: str = "route") -> Route:
    """Trim prompts; drop empty ones; a one-item parallel or chain becomes single."""
    if route.kind == "single":
        prompt = route.prompt.strip()
        if not prompt:
            raise InvalidArgument(field, "auto-route produced an empty prompt")
        return Route("single", prompt=prompt)
    if route.kind == "parallel":
        prompts = tuple(p.strip() for p in route.prompts if p.strip())
        if not prompts:
            raise InvalidArgument(field, "auto-route produced parallel with no prompts")
        return (
            Route("single", prompt=prompts[0])
            if len(prompts) == 1
            else Route("parallel", prompts=prompts)
        )
    if route.kind == "chain":
        steps = tuple((n.strip(), p.strip()) for n, p in route.steps if p.strip())
        if not steps:
            raise InvalidArgument(field, "auto-route produced chain with no steps")
        return (
            Route("single", prompt=steps[0][1]) if len(steps) == 1 else Route("chain", steps=steps)
        )
    raise InvalidArgument(field, "must be single, parallel or chain")


# --- the service ----------------------------------------------------------------------------------

# Pinned to no slot: slot workers never claim a routing call; the Executor runs it here at once.
ROUTING_PIN = "(routing)"


class RoutingService:
    def __init__(
        self,
        tasks: TaskService,
        executor: Executor,
        fan_out: FanOut,
        chains: ChainService,
        replica_id: str,
    ) -> None:
        self.tasks = tasks
        self.executor = executor
        self.fan_out = fan_out
        self.chains = chains
        self.replica_id = replica_id

    async def _classify(
        self, caller: Caller, prompt: str, config: AutoConfig
    ) -> tuple[Route | None, int, str]:
        """Run the routing call: (normalised route or None, its cost, why it failed)."""
        self.tasks.check_accepting()
        settings = self.tasks.settings
        validation.validate_spec(TaskSpec(prompt), settings, field_prefix="")
        validation.validate_overrides(config.overrides, settings, "config.overrides")
        outcome, text = await self._routing_call(caller, prompt, config)
        try:
            return normalize(parse_outcome(outcome, text)), outcome.cost_micros, ""
        except (RoutingFailed, InvalidArgument) as exc:
            return None, outcome.cost_micros, exc.message

    async def route(self, caller: Caller, prompt: str, config: AutoConfig) -> tuple[Route, int]:
        """Classify `prompt` without running it; returns the route and the call's cost."""
        chosen, cost, error = await self._classify(caller, prompt, config)
        if chosen is None:
            raise RoutingFailed(error)
        return chosen, cost

    async def _routing_call(
        self, caller: Caller, prompt: str, config: AutoConfig
    ) -> tuple[RunOutcome, str]:
        """One task, tagged `routing`, run through the same Executor as every task (so it is
        reserved, charged, leased and recorded like one), but at once and by no slot."""
        system = (config.custom_prompt or ROUTING_PROMPT) + render_hints(config.hints)
        overrides = dataclasses.replace(
            config.overrides,
            system_prompt=system,
            permission_mode=PermissionMode.PLAN,
            disallowed_tools=ROUTER_DISALLOWED_TOOLS,
            max_turns=ROUTER_MAX_TURNS,
            json_schema=ROUTE_SCHEMA,
        )
        spec = TaskSpec(
            f"<task>{prompt}</task>", overrides=overrides, tags=(ROUTING_TAG,), slot_id=ROUTING_PIN
        )
        task = await self.tasks.submit(caller, spec, internal=True)
        running = await self.tasks.store.claim_task_by_id(
            task.id, self.replica_id, self.tasks.settings.lease_seconds
        )
        texts: list[str] = []
        execution = await self.executor.execute(running, None, on_text=texts.append)
        return execution.outcome, "".join(texts)

    # executing a route -------------------------------------------------------------------------

    async def execute(
        self, caller: Caller, chosen: Route, routing_cost: int = 0, fell_back: bool = False
    ) -> AutoResult:
        chosen = normalize(chosen)
        if chosen.kind == "single":
            submitted = await self.tasks.submit(caller, TaskSpec(chosen.prompt))
            task, _ = await self.tasks.wait(caller, submitted.id, float("inf"))
            cost = task.result.cost_micros if task.result else 0
            output = task.result.output if task.result else ""
            return AutoResult(
                chosen, output, cost + routing_cost, routing_cost, fell_back, single=task
            )
        if chosen.kind == "parallel":
            items = await self.fan_out.run(caller, [TaskSpec(p) for p in chosen.prompts])
            for item in items:
                if item.error is not None:
                    raise item.error
            tasks = tuple(item.task for item in items if item.task is not None)
            output = "\n".join(
                f"[{i}] {(t.result.output if t.result else '').strip()}"
                for i, t in enumerate(tasks)
            )
            cost = sum(t.result.cost_micros for t in tasks if t.result)
            return AutoResult(
                chosen, output, cost + routing_cost, routing_cost, fell_back, parallel=tasks
            )
        steps = [ChainStep(name, prompt) for name, prompt in chosen.steps]
        progress = await self.chains.submit(caller, steps, ChainOptions())
        final = await self.chains.wait(caller, progress.chain_id)
        result = final.result
        output = result.final_output if result else ""
        cost = result.total_cost_micros if result else 0
        return AutoResult(chosen, output, cost + routing_cost, routing_cost, fell_back, chain=final)

    async def auto(self, caller: Caller, prompt: str, config: AutoConfig) -> AutoResult:
        """Route, then run the route; if routing fails, run the prompt as one task."""
        chosen, cost, error = await self._classify(caller, prompt, config)
        if chosen is None:
            log.warning("auto-routing fell back to a single task: %s", error)
            return await self.execute(caller, Route("single", prompt=prompt), cost, fell_back=True)
        return await self.execute(caller, chosen, cost)
