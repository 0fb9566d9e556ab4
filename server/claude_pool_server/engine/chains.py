"""Chains: run dependent steps in order, each step an ordinary pool task with the chain's id.

Per step (SEED-API.md §2.4): render `{previous_output}` and `{steps.NAME.VAR}`, run with
retries, then once with the recovery prompt (`{error}` = last error), extract `output_vars` from
JSON output. The first failed step fails the chain. Fixes over the seed: a failed step's cost is
counted, a cancel stops the running step at once (the chain ends CANCELLED, not FAILED), and the
progress is persisted so every replica can report and stream it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from claude_pool_server.domain.chains import (
    ChainIsolation,
    ChainOptions,
    ChainPage,
    ChainProgress,
    ChainResult,
    ChainStatus,
    ChainStep,
    StepResult,
)
from claude_pool_server.domain.errors import (
    ChainNotFound,
    IllegalState,
    InvalidArgument,
    PoolDraining,
    PoolError,
)
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.tasks import (
    Task,
    TaskQuery,
    TaskSpec,
    TaskState,
    TextDelta,
)
from claude_pool_server.engine import isolation, validation

if TYPE_CHECKING:
    from claude_pool_server.engine.pool import Pool

log = logging.getLogger(__name__)

PLACEHOLDER = re.compile(r"\{(previous_output|error|steps\.[^{}.]+\.[^{}]+)\}")
FENCED_JSON = re.compile(r"```(?:json)?\s*\n(.*?)```", re.DOTALL)
MAX_RETRIES = 10
PARTIAL_SAVE_INTERVAL = 0.25
CANCEL_SETTLE_SECONDS = 10.0


# --- rendering and variables ----------------------------------------------------------------------


def render(
    template: str, previous_output: str, variables: dict[str, str], error: str | None = None
) -> str:
    """Substitute placeholders in one pass, so substituted text is never expanded again.
    Unknown references stay as they are (as in the seed)."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "previous_output":
            return previous_output
        if name == "error":
            return error if error is not None else match.group(0)
        return variables.get(name.removeprefix("steps."), match.group(0))

    return PLACEHOLDER.sub(substitute, template)


def _parse_json(output: str, structured: Any) -> Any:
    if structured is not None:
        return structured
    candidates = [output.strip(), *(m.strip() for m in FENCED_JSON.findall(output))]
    for text in candidates:
        try:
            return json.loads(text)
        except ValueError:
            continue
    raise ValueError("output is not JSON")


def extract_vars(step: ChainStep, output: str, structured: Any = None) -> dict[str, str]:
    """`{"NAME.VAR": value}` for the step's output_vars; strings raw, other values as JSON text.
    A variable that cannot be extracted is logged and left out (its reference stays literal)."""
    if not step.output_vars:
        return {}
    try:
        data = _parse_json(output, structured)
    except ValueError:
        log.warning("step %s: output_vars given but the output is not JSON", step.name)
        return {}
    found: dict[str, str] = {}
    for var, path in step.output_vars.items():
        value = data
        try:
            for part in [p for p in path.split(".") if p]:
                value = value[int(part)] if isinstance(value, list) else value[part]
        except (KeyError, IndexError, ValueError, TypeError):
            log.warning("step %s: no value at %r for variable %s", step.name, path, var)
            continue
        found[f"{step.name}.{var}"] = value if isinstance(value, str) else json.dumps(value)
    return found


# --- validation -----------------------------------------------------------------------------------


def validate_steps(pool: Pool, steps: Sequence[ChainStep], field: str = "steps") -> list[ChainStep]:
    """Check the steps and name unnamed ones `step-<n>`; names must be unique."""
    settings = pool.settings
    if not steps:
        raise InvalidArgument(field, "needs at least one step")
    if len(steps) > settings.max_chain_steps:
        raise InvalidArgument(
            field, f"has {len(steps)} steps; the limit is {settings.max_chain_steps}"
        )
    named: list[ChainStep] = []
    seen: set[str] = set()
    for index, step in enumerate(steps):
        prefix = f"{field}[{index}]"
        name = step.name or f"step-{index + 1}"
        if name in seen:
            raise InvalidArgument(f"{prefix}.name", f"duplicate step name {name!r}")
        if "." in name or "{" in name or "}" in name:
            raise InvalidArgument(f"{prefix}.name", "must not contain '.', '{' or '}'")
        seen.add(name)
        validation.validate_spec(TaskSpec(step.prompt, step.overrides), settings, prefix)
        if step.failure_policy.retries > MAX_RETRIES:
            raise InvalidArgument(
                f"{prefix}.failure_policy.retries", f"must be at most {MAX_RETRIES}"
            )
        named.append(dataclasses.replace(step, name=name))
    return named


# --- progress persistence -------------------------------------------------------------------------


async def get_progress(pool: Pool, chain_id: str) -> ChainProgress:
    if not chain_id:
        raise InvalidArgument("chain_id", "is required")
    progress = await pool.store.get_chain(chain_id)
    if progress is None:
        raise ChainNotFound(chain_id)
    return progress


async def _update(
    pool: Pool, chain_id: str, change: Callable[[ChainProgress], ChainProgress]
) -> ChainProgress:
    """Apply `change` with compare-and-set. A cancel is sticky: nothing moves the chain out of
    CANCELLED, though the runner still records the steps' outcome and the final result."""
    while True:
        current = await get_progress(pool, chain_id)
        updated = change(current)
        if current.status is ChainStatus.CANCELLED:
            updated = dataclasses.replace(updated, status=ChainStatus.CANCELLED)
        stored = await pool.store.put_chain(updated)
        if stored is not None:
            return stored


# --- submission -----------------------------------------------------------------------------------


async def submit(
    pool: Pool, steps: Sequence[ChainStep], options: ChainOptions, request_id: str = ""
) -> ChainProgress:
    if pool.draining:
        raise PoolDraining()
    named = validate_steps(pool, steps)
    _check_tags(pool, options)
    base = validation.resolve_working_dir(options.working_dir, pool.settings)
    if options.isolation is not ChainIsolation.NONE:
        await isolation.repo_top(base)
    progress = ChainProgress(
        chain_id=new_id("chain"),
        status=ChainStatus.PENDING,
        total_steps=len(named),
        create_time=datetime.now(UTC),
        steps=tuple(named),
        options=options,
        request_id=request_id,
        runner_replica_id=pool.replica_id,
    )
    stored = await pool.store.put_chain(progress)
    assert stored is not None
    if stored.chain_id == progress.chain_id:
        pool.spawn(_run(pool, stored, base), name=f"chain:{stored.chain_id}")
    return stored


async def fan_out_chains(
    pool: Pool, specs: Sequence[tuple[Sequence[ChainStep], ChainOptions]], request_id: str = ""
) -> list[ChainProgress]:
    """Submit several independent chains. All are checked first, so bad input submits none."""
    if not specs:
        raise InvalidArgument("chains", "needs at least one chain")
    if len(specs) > pool.settings.max_fan_out:
        raise InvalidArgument(
            "chains", f"has {len(specs)} chains; the limit is {pool.settings.max_fan_out}"
        )
    for index, (steps, options) in enumerate(specs):
        validate_steps(pool, steps, f"chains[{index}].steps")
        _check_tags(pool, options)
    return [
        await submit(pool, steps, options, f"{request_id}/{i}" if request_id else "")
        for i, (steps, options) in enumerate(specs)
    ]


def _check_tags(pool: Pool, options: ChainOptions) -> None:
    validation.validate_spec(
        TaskSpec("x", tags=options.tags), pool.settings, field_prefix="options"
    )


# --- running --------------------------------------------------------------------------------------


@dataclasses.dataclass
class _Position:
    """Where a runner starts: the beginning, or where a dead replica's runner stopped."""

    results: list[StepResult] = dataclasses.field(default_factory=list)
    previous_output: str = ""
    variables: dict[str, str] = dataclasses.field(default_factory=dict)
    inflight_task_id: str = ""  # the current step's task, still queued or running: wait for it
    adopted: bool = False


async def _run(
    pool: Pool, progress: ChainProgress, base: str, position: _Position | None = None
) -> None:
    chain_id = progress.chain_id
    options = progress.options
    position = position or _Position()
    isolated: isolation.Isolated | None = None
    try:
        workdir = base
        if options.isolation is not ChainIsolation.NONE:
            try:
                isolated = await isolation.create(
                    options.isolation,
                    base,
                    isolation.work_root_of(pool.settings.work_roots, base),
                    chain_id,
                    reuse=position.adopted,
                )
                workdir = isolated.working_dir
            except (isolation.GitError, PoolError, OSError) as exc:
                message = getattr(exc, "message", str(exc))
                await _finish(pool, chain_id, [], f"chain isolation failed: {message}", False)
                return
        await _steps(pool, progress, workdir, position)
    except Exception:
        log.exception("chain %s crashed", chain_id)
        await _finish(pool, chain_id, None, "internal error running the chain", False)
    finally:
        if isolated is not None:
            await isolation.remove(isolated)


async def _steps(pool: Pool, progress: ChainProgress, workdir: str, position: _Position) -> None:
    chain_id = progress.chain_id
    previous_output = position.previous_output
    variables = dict(position.variables)
    results = list(position.results)
    inflight = position.inflight_task_id
    for index, step in enumerate(progress.steps):
        if index < len(results):
            continue  # finished before this runner adopted the chain
        current = await get_progress(pool, chain_id)
        if current.status is ChainStatus.CANCELLED:
            await _finish(pool, chain_id, results, previous_output, False)
            return
        done = tuple(results)
        await _update(
            pool,
            chain_id,
            lambda p, i=index, s=step, d=done: dataclasses.replace(  # type: ignore[misc]
                p,
                status=ChainStatus.RUNNING,
                current_step=i,
                current_step_name=s.name,
                current_step_partial_output="",
                current_step_start_time=datetime.now(UTC),
                completed_steps=d,
            ),
        )
        result, structured = await _run_step(
            pool, progress, step, previous_output, variables, workdir, inflight
        )
        inflight = ""
        results.append(result)
        if not result.success:
            await _finish(pool, chain_id, results, result.output, False)
            return
        previous_output = result.output
        variables.update(extract_vars(step, result.output, structured))
    await _finish(pool, chain_id, results, previous_output, True)


async def _run_step(
    pool: Pool,
    progress: ChainProgress,
    step: ChainStep,
    previous_output: str,
    variables: dict[str, str],
    workdir: str,
    inflight_task_id: str = "",
) -> tuple[StepResult, Any]:
    policy = step.failure_policy
    cost = 0
    last_error = ""
    task_id = ""
    attempts = 1 + policy.retries
    for attempt in range(attempts):
        prompt = render(step.prompt, previous_output, variables)
        task, error = await _attempt(pool, progress, step, prompt, workdir, inflight_task_id)
        inflight_task_id = ""
        cost += _cost(task)
        task_id = task.id if task else task_id
        if await _cancelled(pool, progress.chain_id, task):
            return StepResult(step.name, "cancelled", False, cost, attempt, False, task_id), None
        if task is not None and task.state is TaskState.COMPLETED and task.result is not None:
            output = task.result.output
            return (
                StepResult(step.name, output, True, cost, attempt, False, task_id),
                task.result.structured_output,
            )
        last_error = error
    if policy.recovery_prompt:
        prompt = render(policy.recovery_prompt, previous_output, variables, error=last_error)
        task, error = await _attempt(pool, progress, step, prompt, workdir)
        cost += _cost(task)
        task_id = task.id if task else task_id
        if await _cancelled(pool, progress.chain_id, task):
            return StepResult(step.name, "cancelled", False, cost, attempts, False, task_id), None
        if task is not None and task.state is TaskState.COMPLETED and task.result is not None:
            return (
                StepResult(step.name, task.result.output, True, cost, attempts, False, task_id),
                task.result.structured_output,
            )
        last_error = error
    return StepResult(step.name, last_error, False, cost, policy.retries, False, task_id), None


def _cost(task: Task | None) -> int:
    return task.result.cost_micros if task is not None and task.result is not None else 0


async def _cancelled(pool: Pool, chain_id: str, task: Task | None) -> bool:
    if task is not None and task.state is TaskState.CANCELLED:
        return True
    return (await get_progress(pool, chain_id)).status is ChainStatus.CANCELLED


async def _attempt(
    pool: Pool,
    progress: ChainProgress,
    step: ChainStep,
    prompt: str,
    workdir: str,
    existing_task_id: str = "",
) -> tuple[Task | None, str]:
    """Run one attempt as a task (or follow `existing_task_id`, submitted by a runner that
    died), mirroring its output into the chain's partial output. Returns the settled task
    (None if it could not be submitted) and its error text."""
    spec = TaskSpec(
        prompt=prompt, overrides=step.overrides, tags=progress.options.tags, working_dir=workdir
    )
    try:
        if existing_task_id:
            task = await pool.get_task(existing_task_id)
        else:
            task = await pool.submit(spec, chain_id=progress.chain_id)
    except PoolError as exc:
        return None, exc.message
    partial: list[str] = []
    last_save = time.monotonic()
    async for event in pool.watch(task.id, 0):
        if isinstance(event.payload, TextDelta):
            partial.append(event.payload.text)
            if time.monotonic() - last_save >= PARTIAL_SAVE_INTERVAL:
                last_save = time.monotonic()
                await _save_partial(pool, progress.chain_id, "".join(partial))
    if partial:
        await _save_partial(pool, progress.chain_id, "".join(partial))
    settled = await pool.get_task(task.id)
    if settled.state is TaskState.PENDING_REVIEW:
        settled, _ = await pool.wait_task(task.id, float("inf"))
    error = ""
    if settled.state is not TaskState.COMPLETED:
        result = settled.result
        error = (
            (result.failure.message if result and result.failure else "")
            or (result.output if result else "")
            or f"step task ended {settled.state.value}"
        )
    return settled, error


async def _save_partial(pool: Pool, chain_id: str, text: str) -> None:
    await _update(
        pool, chain_id, lambda p: dataclasses.replace(p, current_step_partial_output=text)
    )


async def _finish(
    pool: Pool, chain_id: str, results: list[StepResult] | None, final_output: str, success: bool
) -> None:
    def change(p: ChainProgress) -> ChainProgress:
        done = list(p.completed_steps if results is None else results)
        skipped = [StepResult(s.name, skipped=True) for s in p.steps[len(done) :]]
        steps = tuple(done + skipped)
        status = ChainStatus.COMPLETED if success else ChainStatus.FAILED
        return dataclasses.replace(
            p,
            status=status,
            current_step=None,
            current_step_name="",
            current_step_partial_output="",
            current_step_start_time=None,
            completed_steps=tuple(done),
            result=ChainResult(steps, final_output, sum(s.cost_micros for s in steps), success),
            end_time=datetime.now(UTC),
        )

    await _update(pool, chain_id, change)


# --- adoption: a chain whose runner's replica stopped --------------------------------------------

UNFINISHED = (ChainStatus.PENDING, ChainStatus.RUNNING, ChainStatus.CANCELLED)


async def adopt_orphans(pool: Pool) -> list[str]:
    """Take over the unfinished chains whose runner's replica stopped (crash, kill -9, restart)
    and run them on from their last completed step. Returns the adopted chain ids."""
    live = await pool.store.live_replica_ids() | {pool.replica_id}
    adopted: list[str] = []
    for status in UNFINISHED:
        token = ""
        while True:
            page = await pool.store.list_chains(status, 100, token)
            for chain in page.chains:
                orphan = chain.end_time is None and chain.runner_replica_id not in live
                if orphan and await _adopt(pool, chain):
                    adopted.append(chain.chain_id)
            token = page.next_page_token
            if not token:
                break
    return adopted


async def _adopt(pool: Pool, chain: ChainProgress) -> bool:
    """Compare-and-set the runner to this replica (only one replica wins), then resume."""
    stored = await pool.store.put_chain(
        dataclasses.replace(chain, runner_replica_id=pool.replica_id)
    )
    if stored is None:
        return False  # changed meanwhile (another replica adopted it, or it moved on)
    log.warning(
        "chain %s: adopted from stopped replica %s", chain.chain_id, chain.runner_replica_id
    )
    position = await _position_of(pool, stored)
    if stored.status is ChainStatus.CANCELLED:
        if position.inflight_task_id:
            with contextlib.suppress(PoolError):
                await pool.cancel_task(position.inflight_task_id, reason="chain cancelled")
        await _finish(pool, stored.chain_id, position.results, position.previous_output, False)
        return True
    try:
        base = validation.resolve_working_dir(stored.options.working_dir, pool.settings)
    except PoolError as exc:
        message = f"the adopting replica cannot use the chain's working_dir: {exc.message}"
        await _finish(pool, stored.chain_id, position.results, message, False)
        return True
    pool.spawn(_run(pool, stored, base, position), name=f"chain:{stored.chain_id}")
    return True


async def _position_of(pool: Pool, chain: ChainProgress) -> _Position:
    results = list(chain.completed_steps)
    variables: dict[str, str] = {}
    for step, result in zip(chain.steps, results, strict=False):
        structured = None
        if step.output_vars and result.task_id:
            task = await pool.store.get_task(result.task_id)
            structured = task.result.structured_output if task and task.result else None
        variables.update(extract_vars(step, result.output, structured))
    unfinished = await _unfinished_step_tasks(pool, chain.chain_id)
    inflight = unfinished[0].id if unfinished else ""
    previous = results[-1].output if results else ""
    return _Position(results, previous, variables, inflight, adopted=True)


async def _unfinished_step_tasks(pool: Pool, chain_id: str) -> list[Task]:
    """The chain's step tasks not yet settled, running ones first (a chain has one at a time)."""
    found: list[Task] = []
    for state in (TaskState.RUNNING, TaskState.PENDING, TaskState.PENDING_REVIEW):
        page = await pool.store.list_tasks(TaskQuery(state=state, chain_id=chain_id, page_size=100))
        found.extend(page.tasks)
    return found


# --- queries and control --------------------------------------------------------------------------


async def list_chains(
    pool: Pool, status: ChainStatus | None, page_size: int, page_token: str
) -> ChainPage:
    if page_size < 0:
        raise InvalidArgument("page_size", "must not be negative")
    return await pool.store.list_chains(status, min(page_size or 50, 500), page_token)


async def watch(pool: Pool, chain_id: str, after_seq: int) -> AsyncIterator[ChainProgress]:
    """Yield each new snapshot (seq > after_seq) until the chain is terminal and finished.
    Fast changes may be coalesced: a watcher always gets the latest snapshot, not every one."""
    if after_seq < 0:
        raise InvalidArgument("after_seq", "must not be negative")
    topic = f"chain:{chain_id}"
    seq = after_seq
    while True:
        seen = pool.store.notifier.version(topic)
        progress = await get_progress(pool, chain_id)
        if progress.seq > seq:
            seq = progress.seq
            yield progress
        if progress.status.is_terminal and progress.end_time is not None:
            return
        await pool.store.notifier.wait(topic, seen, pool.settings.poll_interval_seconds)


async def cancel(pool: Pool, chain_id: str) -> ChainProgress:
    """Mark the chain CANCELLED, stop its running step, and wait (briefly) for the runner to
    record the outcome."""
    progress = await get_progress(pool, chain_id)
    if progress.status.is_terminal:
        raise IllegalState(chain_id, progress.status.value, "cancel", "pending or running")
    await _update(pool, chain_id, lambda p: dataclasses.replace(p, status=ChainStatus.CANCELLED))
    for task in await _unfinished_step_tasks(pool, chain_id):
        try:
            await pool.cancel_task(task.id, reason=f"chain {chain_id} cancelled")
        except IllegalState:
            continue  # it finished meanwhile
    deadline = time.monotonic() + CANCEL_SETTLE_SECONDS
    topic = f"chain:{chain_id}"
    while True:
        seen = pool.store.notifier.version(topic)
        progress = await get_progress(pool, chain_id)
        remaining = deadline - time.monotonic()
        if progress.end_time is not None or remaining <= 0:
            return progress
        await pool.store.notifier.wait(topic, seen, min(remaining, 0.5))


async def wait_chain(pool: Pool, chain_id: str) -> ChainProgress:
    """Wait until the chain has finished (used by routing)."""
    async for _ in watch(pool, chain_id, 0):
        pass
    return await get_progress(pool, chain_id)


__all__ = ["cancel", "get_progress", "list_chains", "submit", "wait_chain", "watch"]
