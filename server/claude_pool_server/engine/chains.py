"""Chains: run dependent steps in order, each step an ordinary task of the chain's namespace.

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
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from datetime import UTC, datetime
from typing import Any

from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.callers import Caller
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
    PoolError,
)
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.ports import PoolStore, Workspaces
from claude_pool_server.domain.tasks import (
    Task,
    TaskQuery,
    TaskSpec,
    TaskState,
    TextDelta,
)
from claude_pool_server.domain.workspaces import Isolated, work_root_of
from claude_pool_server.engine import validation
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.engine.tasks import TaskService

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


# --- the service ----------------------------------------------------------------------------------

UNFINISHED = (ChainStatus.PENDING, ChainStatus.RUNNING, ChainStatus.CANCELLED)
Spawn = Callable[[Coroutine[Any, Any, None], str], Any]


@dataclasses.dataclass
class _Position:
    """Where a runner starts: the beginning, or where a dead replica's runner stopped."""

    results: list[StepResult] = dataclasses.field(default_factory=list)
    previous_output: str = ""
    variables: dict[str, str] = dataclasses.field(default_factory=dict)
    inflight_task_id: str = ""  # the current step's task, still queued or running: wait for it
    adopted: bool = False


def owner_of(progress: ChainProgress) -> Caller:
    """Steps run as tasks of the chain's namespace and principal."""
    return Caller(progress.owner or "anonymous", progress.namespace)


class ChainService:
    def __init__(
        self,
        store: PoolStore,
        tasks: TaskService,
        settings: PoolSettings,
        workspaces: Workspaces,
        replica_id: str,
        spawn: Spawn,
    ) -> None:
        self.store = store
        self.tasks = tasks
        self.settings = settings
        self.workspaces = workspaces
        self.replica_id = replica_id
        self._spawn = spawn

    # validation ------------------------------------------------------------------------------

    def validate_steps(self, steps: Sequence[ChainStep], field: str = "steps") -> list[ChainStep]:
        """Check the steps and name unnamed ones `step-<n>`; names must be unique."""
        settings = self.settings
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

    async def _check(self, caller: Caller, steps: Sequence[ChainStep], options: ChainOptions,
                     field: str, options_field: str) -> list[ChainStep]:  # fmt: skip
        named = self.validate_steps(steps, field)
        validation.validate_spec(
            TaskSpec("x", tags=options.tags), self.settings, field_prefix=options_field
        )
        for index, step in enumerate(named):
            await self.tasks.validate(
                caller, TaskSpec(step.prompt, step.overrides), f"{field}[{index}]"
            )
        base = validation.resolve_working_dir(
            options.working_dir, self.settings, f"{options_field}.working_dir"
        )
        if options.isolation is not ChainIsolation.NONE:
            await self.workspaces.repo_top(base)
        return named

    # progress persistence --------------------------------------------------------------------

    async def get(self, caller: Caller, chain_id: str) -> ChainProgress:
        if not chain_id:
            raise InvalidArgument("chain_id", "is required")
        progress = await self.store.get_chain(chain_id)
        if progress is None or progress.namespace != caller.namespace:
            raise ChainNotFound(chain_id)
        return progress

    async def _current(self, chain_id: str) -> ChainProgress:
        progress = await self.store.get_chain(chain_id)
        if progress is None:
            raise ChainNotFound(chain_id)
        return progress

    async def _update(
        self, chain_id: str, change: Callable[[ChainProgress], ChainProgress]
    ) -> ChainProgress:
        """Apply `change` with compare-and-set. A cancel is sticky: nothing moves the chain out
        of CANCELLED, though the runner still records the steps' outcome and the final result."""
        while True:
            current = await self._current(chain_id)
            updated = change(current)
            if current.status is ChainStatus.CANCELLED:
                updated = dataclasses.replace(updated, status=ChainStatus.CANCELLED)
            stored = await self.store.put_chain(updated)
            if stored is not None:
                return stored

    # submission ------------------------------------------------------------------------------

    async def submit(
        self,
        caller: Caller,
        steps: Sequence[ChainStep],
        options: ChainOptions,
        request_id: str = "",
        *,
        rate_checked: bool = False,
    ) -> ChainProgress:
        self.tasks.check_accepting()
        named = await self._check(caller, steps, options, "steps", "options")
        if not rate_checked:
            self.tasks.check_rate(caller)
        return await self._store_and_start(caller, named, options, request_id)

    async def _store_and_start(
        self, caller: Caller, named: list[ChainStep], options: ChainOptions, request_id: str
    ) -> ChainProgress:
        base = validation.resolve_working_dir(options.working_dir, self.settings)
        progress = ChainProgress(
            chain_id=new_id("chain"),
            status=ChainStatus.PENDING,
            total_steps=len(named),
            create_time=datetime.now(UTC),
            steps=tuple(named),
            options=options,
            request_id=request_id,
            runner_replica_id=self.replica_id,
            namespace=caller.namespace,
            owner=caller.principal,
        )
        stored = await self.store.put_chain(progress)
        assert stored is not None
        if stored.chain_id == progress.chain_id:
            self._spawn(self._run(stored, base), f"chain:{stored.chain_id}")
        return stored

    async def fan_out(
        self,
        caller: Caller,
        specs: Sequence[tuple[Sequence[ChainStep], ChainOptions]],
        request_id: str = "",
    ) -> list[ChainProgress]:
        """Submit several independent chains. All are checked first, so bad input submits none."""
        if not specs:
            raise InvalidArgument("chains", "needs at least one chain")
        if len(specs) > self.settings.max_fan_out:
            raise InvalidArgument(
                "chains", f"has {len(specs)} chains; the limit is {self.settings.max_fan_out}"
            )
        self.tasks.check_accepting()
        checked = [
            await self._check(caller, steps, options, f"chains[{i}].steps", f"chains[{i}].options")
            for i, (steps, options) in enumerate(specs)
        ]
        self.tasks.check_rate(caller, len(specs))
        return [
            await self._store_and_start(
                caller, named, options, f"{request_id}/{i}" if request_id else ""
            )
            for i, (named, (_, options)) in enumerate(zip(checked, specs, strict=True))
        ]

    # running ---------------------------------------------------------------------------------

    async def _run(
        self, progress: ChainProgress, base: str, position: _Position | None = None
    ) -> None:
        chain_id = progress.chain_id
        options = progress.options
        position = position or _Position()
        isolated: Isolated | None = None
        try:
            workdir = base
            if options.isolation is not ChainIsolation.NONE:
                try:
                    isolated = await self.workspaces.isolate_chain(
                        options.isolation,
                        base,
                        work_root_of(self.settings.work_roots, base),
                        chain_id,
                        position.adopted,
                    )
                    workdir = isolated.working_dir
                except (PoolError, OSError) as exc:
                    message = getattr(exc, "message", str(exc))
                    await self._finish(chain_id, [], f"chain isolation failed: {message}", False)
                    return
            await self._steps(progress, workdir, position)
        except Exception:
            log.exception("chain %s crashed", chain_id)
            await self._finish(chain_id, None, "internal error running the chain", False)
        finally:
            if isolated is not None:
                await self.workspaces.release_chain(isolated)

    async def _steps(self, progress: ChainProgress, workdir: str, position: _Position) -> None:
        chain_id = progress.chain_id
        previous_output = position.previous_output
        variables = dict(position.variables)
        results = list(position.results)
        inflight = position.inflight_task_id
        for index, step in enumerate(progress.steps):
            if index < len(results):
                continue  # finished before this runner adopted the chain
            current = await self._current(chain_id)
            if current.status is ChainStatus.CANCELLED:
                await self._finish(chain_id, results, previous_output, False)
                return
            done = tuple(results)
            await self._update(
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
            result, structured = await self._run_step(
                progress, step, previous_output, variables, workdir, inflight
            )
            inflight = ""
            results.append(result)
            if not result.success:
                await self._finish(chain_id, results, result.output, False)
                return
            previous_output = result.output
            variables.update(extract_vars(step, result.output, structured))
        await self._finish(chain_id, results, previous_output, True)

    async def _run_step(
        self,
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
            task, error = await self._attempt(progress, step, prompt, workdir, inflight_task_id)
            inflight_task_id = ""
            cost += _cost(task)
            task_id = task.id if task else task_id
            if await self._cancelled(progress.chain_id, task):
                cancelled = StepResult(step.name, "cancelled", False, cost, attempt, False, task_id)
                return cancelled, None
            if task is not None and task.state is TaskState.COMPLETED and task.result is not None:
                output = task.result.output
                return (
                    StepResult(step.name, output, True, cost, attempt, False, task_id),
                    task.result.structured_output,
                )
            last_error = error
        if policy.recovery_prompt:
            prompt = render(policy.recovery_prompt, previous_output, variables, error=last_error)
            task, error = await self._attempt(progress, step, prompt, workdir)
            cost += _cost(task)
            task_id = task.id if task else task_id
            if await self._cancelled(progress.chain_id, task):
                return (
                    StepResult(step.name, "cancelled", False, cost, attempts, False, task_id),
                    None,
                )
            if task is not None and task.state is TaskState.COMPLETED and task.result is not None:
                return (
                    StepResult(step.name, task.result.output, True, cost, attempts, False, task_id),
                    task.result.structured_output,
                )
            last_error = error
        return StepResult(step.name, last_error, False, cost, policy.retries, False, task_id), None

    async def _cancelled(self, chain_id: str, task: Task | None) -> bool:
        if task is not None and task.state is TaskState.CANCELLED:
            return True
        return (await self._current(chain_id)).status is ChainStatus.CANCELLED

    async def _attempt(
        self,
        progress: ChainProgress,
        step: ChainStep,
        prompt: str,
        workdir: str,
        existing_task_id: str = "",
    ) -> tuple[Task | None, str]:
        """Run one attempt as a task (or follow `existing_task_id`, submitted by a runner that
        died), mirroring its output into the chain's partial output. Returns the settled task
        (None if it could not be submitted) and its error text."""
        caller = owner_of(progress)
        spec = TaskSpec(
            prompt=prompt, overrides=step.overrides, tags=progress.options.tags, working_dir=workdir
        )
        try:
            if existing_task_id:
                task = await self.tasks.get(caller, existing_task_id)
            else:
                task = await self.tasks.submit(
                    caller, spec, chain_id=progress.chain_id, rate_checked=True
                )
                # A cancel that came while this task was being submitted found no task to stop:
                # stop it here, before any slot runs it.
                if (await self._current(progress.chain_id)).status is ChainStatus.CANCELLED:
                    await self._cancel_task(task.id, f"chain {progress.chain_id} cancelled")
        except PoolError as exc:
            return None, exc.message
        partial: list[str] = []
        last_save = time.monotonic()
        async for event in self.tasks.watch(caller, task.id, 0):
            if isinstance(event.payload, TextDelta):
                partial.append(event.payload.text)
                if time.monotonic() - last_save >= PARTIAL_SAVE_INTERVAL:
                    last_save = time.monotonic()
                    await self._save_partial(progress.chain_id, "".join(partial))
        if partial:
            await self._save_partial(progress.chain_id, "".join(partial))
        settled = await self.tasks.get(caller, task.id)
        if settled.state is TaskState.PENDING_REVIEW:
            settled, _ = await self.tasks.wait(caller, task.id, float("inf"))
        error = ""
        if settled.state is not TaskState.COMPLETED:
            result = settled.result
            error = (
                (result.failure.message if result and result.failure else "")
                or (result.output if result else "")
                or f"step task ended {settled.state.value}"
            )
        return settled, error

    async def _save_partial(self, chain_id: str, text: str) -> None:
        await self._update(
            chain_id, lambda p: dataclasses.replace(p, current_step_partial_output=text)
        )

    async def _finish(
        self, chain_id: str, results: list[StepResult] | None, final_output: str, success: bool
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

        await self._update(chain_id, change)

    # adoption: a chain whose runner's replica stopped ----------------------------------------

    async def adopt_orphans(self) -> list[str]:
        """Take over the unfinished chains whose runner's replica stopped (crash, kill -9,
        restart) and run them on from their last completed step. Returns the adopted ids."""
        live = await self.store.live_replica_ids() | {self.replica_id}
        adopted: list[str] = []
        for status in UNFINISHED:
            token = ""
            while True:
                page = await self.store.list_chains(None, status, 100, token)
                for chain in page.chains:
                    orphan = chain.end_time is None and chain.runner_replica_id not in live
                    if orphan and await self._adopt(chain):
                        adopted.append(chain.chain_id)
                token = page.next_page_token
                if not token:
                    break
        return adopted

    async def _adopt(self, chain: ChainProgress) -> bool:
        """Compare-and-set the runner to this replica (only one replica wins), then resume."""
        stored = await self.store.put_chain(
            dataclasses.replace(chain, runner_replica_id=self.replica_id)
        )
        if stored is None:
            return False  # changed meanwhile (another replica adopted it, or it moved on)
        log.warning(
            "chain %s: adopted from stopped replica %s", chain.chain_id, chain.runner_replica_id
        )
        position = await self._position_of(stored)
        if stored.status is ChainStatus.CANCELLED:
            if position.inflight_task_id:
                await self._cancel_task(position.inflight_task_id, "chain cancelled")
            await self._finish(stored.chain_id, position.results, position.previous_output, False)
            return True
        try:
            base = validation.resolve_working_dir(stored.options.working_dir, self.settings)
        except PoolError as exc:
            message = f"the adopting replica cannot use the chain's working_dir: {exc.message}"
            await self._finish(stored.chain_id, position.results, message, False)
            return True
        self._spawn(self._run(stored, base, position), f"chain:{stored.chain_id}")
        return True

    async def _cancel_task(self, task_id: str, reason: str) -> None:
        now = datetime.now(UTC)
        with contextlib.suppress(PoolError):  # it may have finished meanwhile
            await self.store.transition(task_id, lambda t: lifecycle.cancelled(t, reason, now))

    async def _position_of(self, chain: ChainProgress) -> _Position:
        results = list(chain.completed_steps)
        variables: dict[str, str] = {}
        for step, result in zip(chain.steps, results, strict=False):
            structured = None
            if step.output_vars and result.task_id:
                task = await self.store.get_task(result.task_id)
                structured = task.result.structured_output if task and task.result else None
            variables.update(extract_vars(step, result.output, structured))
        unfinished = await self._unfinished_step_tasks(chain)
        inflight = unfinished[0].id if unfinished else await self._unrecorded_attempt(chain)
        previous = results[-1].output if results else ""
        return _Position(results, previous, variables, inflight, adopted=True)

    async def _unrecorded_attempt(self, chain: ChainProgress) -> str:
        """The current step's task that ended after its runner stopped (a graceful stop lets a
        running step finish), so the adopter takes its outcome instead of running it again. A
        step task cancelled by the stopping replica is not taken: the step runs again."""
        recorded = {r.task_id for r in chain.completed_steps}
        query = TaskQuery(namespace=chain.namespace, chain_id=chain.chain_id, page_size=1)
        newest = (await self.store.list_tasks(query)).tasks
        if not newest or newest[0].id in recorded:
            return ""
        ended = (TaskState.COMPLETED, TaskState.FAILED)
        return newest[0].id if newest[0].state in ended else ""

    async def _unfinished_step_tasks(self, chain: ChainProgress) -> list[Task]:
        """The chain's step tasks not yet settled, running ones first (one at a time)."""
        found: list[Task] = []
        for state in (TaskState.RUNNING, TaskState.PENDING, TaskState.PENDING_REVIEW):
            query = TaskQuery(
                namespace=chain.namespace, state=state, chain_id=chain.chain_id, page_size=100
            )
            found.extend((await self.store.list_tasks(query)).tasks)
        return found

    # queries and control ---------------------------------------------------------------------

    async def list(
        self, caller: Caller, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        if page_size < 0:
            raise InvalidArgument("page_size", "must not be negative")
        return await self.store.list_chains(
            caller.namespace, status, min(page_size or 50, 500), page_token
        )

    async def watch(
        self, caller: Caller, chain_id: str, after_seq: int
    ) -> AsyncIterator[ChainProgress]:
        """Yield each new snapshot (seq > after_seq) until the chain is terminal and finished.
        Fast changes may be coalesced: a watcher always gets the latest snapshot, not every one."""
        if after_seq < 0:
            raise InvalidArgument("after_seq", "must not be negative")
        topic = f"chain:{chain_id}"
        seq = after_seq
        while True:
            seen = self.store.notifier.version(topic)
            progress = await self.get(caller, chain_id)
            if progress.seq > seq:
                seq = progress.seq
                yield progress
            if progress.status.is_terminal and progress.end_time is not None:
                return
            await self.store.notifier.wait(topic, seen, self.settings.poll_interval_seconds)

    async def cancel(self, caller: Caller, chain_id: str) -> ChainProgress:
        """Mark the chain CANCELLED, stop its running step, and wait (briefly) for the runner to
        record the outcome."""
        progress = await self.get(caller, chain_id)
        if progress.status.is_terminal:
            raise IllegalState(chain_id, progress.status.value, "cancel", "pending or running")
        await self._update(chain_id, lambda p: dataclasses.replace(p, status=ChainStatus.CANCELLED))
        for task in await self._unfinished_step_tasks(progress):
            await self._cancel_task(task.id, f"chain {chain_id} cancelled")
        deadline = time.monotonic() + CANCEL_SETTLE_SECONDS
        topic = f"chain:{chain_id}"
        while True:
            seen = self.store.notifier.version(topic)
            progress = await self._current(chain_id)
            remaining = deadline - time.monotonic()
            if progress.end_time is not None or remaining <= 0:
                return progress
            await self.store.notifier.wait(topic, seen, min(remaining, 0.5))

    async def wait(self, caller: Caller, chain_id: str) -> ChainProgress:
        """Wait until the chain has finished (used by routing)."""
        async for _ in self.watch(caller, chain_id, 0):
            pass
        return await self.get(caller, chain_id)


def _cost(task: Task | None) -> int:
    return task.result.cost_micros if task is not None and task.result is not None else 0
