"""Executor: the one way a claimed task runs on the CLI, for slot workers and routing alike.

It builds the run request (configuration task > slot > pool, the namespace's shared context in
the system prompt, the slot's messages before the prompt, the working directory confined to the
work roots, the session plan, the budget envelope), streams the run's output to the event log,
stops the run when the task is cancelled or the run was fenced (another replica owns the task
now), and reports the end as one store call: task, events, money, slot and session turn
together (`finish_run`), and, when the worker may go on, the slot's next task claimed in the same
call (`finish_run_and_claim`).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from claude_pool_server.domain.context import ContextEntry
from claude_pool_server.domain.errors import PoolError, StoreUnavailable
from claude_pool_server.domain.ports import (
    ClaudeDriver,
    CliRun,
    NextClaim,
    PoolStore,
    RunReport,
    Workspaces,
)
from claude_pool_server.domain.runs import RunOutcome, RunRequest, SessionMode
from claude_pool_server.domain.sessions import SessionTurn
from claude_pool_server.domain.slots import Slot, SlotConfig
from claude_pool_server.domain.tasks import (
    FailureKind,
    Task,
    TaskFailure,
    TaskResult,
    TaskState,
    TextDelta,
)
from claude_pool_server.engine import prompts, resolution, validation
from claude_pool_server.engine.events import EventBatcher
from claude_pool_server.engine.sessions import SessionService
from claude_pool_server.engine.settings import PoolSettings

log = logging.getLogger(__name__)

# A slot's inbox is read when a message notification says it changed, and at least this often
# (a notification lost across replicas only delays a message, never loses it).
INBOX_CHECK_SECONDS = 10.0
# a run's report waits out a store outage, retrying with this backoff
REPORT_RETRY_FIRST_SECONDS = 0.2
REPORT_RETRY_MAX_SECONDS = 2.0


def result_of(outcome: RunOutcome) -> TaskResult:
    return TaskResult(
        output=outcome.output,
        success=outcome.success,
        cost_micros=outcome.cost_micros,
        turns=outcome.turns,
        session_id=outcome.session_id,
        model=outcome.model,
        elapsed_seconds=outcome.elapsed_seconds,
        usage=outcome.usage,
        failure=outcome.failure,
        structured_output=outcome.structured_output,
    )


def start_key(request: RunRequest) -> str:
    """What is fixed when a session starts, as a short comparable key (the slot policy)."""
    fixed = repr(
        (
            request.system_prompt,
            request.model,
            request.permission_mode,
            request.allowed_tools,
            request.disallowed_tools,
            request.tools,
            sorted(request.mcp_servers),
            request.cwd,
            request.namespace,
            request.owner,
        )
    )
    return hashlib.sha256(fixed.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Execution:
    """What one run ended as, for the slot worker's bookkeeping."""

    task: Task | None  # the task as stored afterwards; None when the report was stale
    outcome: RunOutcome
    session_id: str  # the session the run used ("" when none was kept)
    next_task: Task | None = None  # claimed for the same slot with the report (claim_next)


class ContextCache:
    """Each namespace's shared context, re-read only after a SetContext/DeleteContext."""

    def __init__(self, store: PoolStore) -> None:
        self._store = store
        self._cache: dict[str, tuple[int, list[ContextEntry]]] = {}

    async def entries(self, namespace: str) -> list[ContextEntry]:
        topic = f"context:{namespace}"
        version = self._store.notifier.version(topic)
        cached = self._cache.get(namespace)
        if cached is not None and cached[0] == version:
            return cached[1]
        entries: list[ContextEntry] = []
        token = ""
        while True:
            page = await self._store.list_context(namespace, 1000, token)
            entries.extend(page.entries)
            token = page.next_page_token
            if not token:
                break
        self._cache[namespace] = (version, entries)
        return entries


class Executor:
    def __init__(
        self,
        store: PoolStore,
        driver: ClaudeDriver,
        settings: PoolSettings,
        sessions: SessionService,
        workspaces: Workspaces,
    ) -> None:
        self.store = store
        self.driver = driver
        self.settings = settings
        self.sessions = sessions
        self.workspaces = workspaces
        self.context = ContextCache(store)
        self._inbox_checked: dict[tuple[str, str], tuple[int, float]] = {}
        self._runs: dict[str, CliRun] = {}
        # tasks this replica is executing, from claim to stored report: the only leases its
        # heartbeat renews (a claim whose reply was lost is in no one's hands and expires)
        self.in_flight: set[str] = set()

    # building the request --------------------------------------------------------------------

    async def _messages(self, namespace: str, slot_id: str) -> str:
        topic = f"inbox:{namespace}:{slot_id}"
        version = self.store.notifier.version(topic)
        seen = self._inbox_checked.get((namespace, slot_id))
        now = time.monotonic()
        if seen is not None and seen[0] == version and now - seen[1] < INBOX_CHECK_SECONDS:
            return ""
        messages = await self.store.take_messages(namespace, slot_id)
        self._inbox_checked[(namespace, slot_id)] = (version, now)
        return prompts.message_preamble(
            [(m.from_slot_id, m.create_time, m.content) for m in messages]
        )

    async def build_request(self, task: Task, slot: Slot | None) -> RunRequest:
        settings = self.settings
        config = slot.config if slot is not None else SlotConfig()
        resolved = resolution.resolve(settings, config, task.spec.overrides)
        context = await self.context.entries(task.namespace)
        preamble = await self._messages(task.namespace, slot.id) if slot is not None else ""
        cwd = validation.resolve_working_dir(task.spec.working_dir, settings)
        if settings.worktree_isolation and slot is not None:
            cwd = await self.workspaces.slot_working_dir(cwd, settings.work_roots, slot.id)
        request = RunRequest(
            prompt=preamble + task.prompt,
            cwd=cwd,
            system_prompt=prompts.build_system_prompt(config, resolved.system_prompt, context),
            model=resolved.model,
            permission_mode=resolved.permission_mode,
            max_turns=resolved.max_turns,
            allowed_tools=resolved.allowed_tools,
            disallowed_tools=resolved.disallowed_tools,
            tools=resolved.tools,
            mcp_servers=resolved.mcp_servers,
            effort=resolved.effort,
            fallback_model=resolved.fallback_model,
            json_schema=resolved.json_schema,
            budget_micros=task.reserved_micros or None,
            timeout_seconds=resolved.timeout_seconds,
            idle_timeout_seconds=settings.idle_output_timeout_seconds,
            namespace=task.namespace,
            owner=task.owner,
            task_id=task.id,
            slot_id=slot.id if slot is not None else "",
        )
        # A continued session keeps the model it runs on unless the task names another; a new
        # one gets the resolved model (no slot's earlier session can lend it one any more).
        plan = await self.sessions.plan(task, slot, start_key(request))
        return replace(request, session=plan)

    # running ---------------------------------------------------------------------------------

    async def execute(
        self,
        task: Task,
        slot: Slot | None,
        slot_after: Callable[[RunOutcome], Slot | None] = lambda outcome: None,
        on_text: Callable[[str], None] | None = None,
        claim_next: Callable[[Slot], NextClaim | None] = lambda slot: None,
    ) -> Execution:
        """Run a claimed task to its end and report it; never raises for a failed run. When
        `claim_next(slot after the run)` says so, the report also claims the slot's next task
        (Execution.next_task), in the same store call."""
        self.in_flight.add(task.id)
        try:
            return await self._execute(task, slot, slot_after, on_text, claim_next)
        finally:
            self.in_flight.discard(task.id)

    async def _execute(
        self,
        task: Task,
        slot: Slot | None,
        slot_after: Callable[[RunOutcome], Slot | None],
        on_text: Callable[[str], None] | None,
        claim_next: Callable[[Slot], NextClaim | None],
    ) -> Execution:
        key = ""
        request: RunRequest | None = None
        try:
            request = await self.build_request(task, slot)
            key = start_key(request)
        except PoolError as exc:
            outcome = RunOutcome(
                False, "", failure=TaskFailure(FailureKind.EXECUTION_ERROR, exc.message)
            )
        except Exception:
            log.exception("task %s: building its run failed", task.id)
            outcome = RunOutcome(
                False,
                "",
                failure=TaskFailure(FailureKind.PROCESS_ERROR, "internal error preparing the run"),
            )
        if request is not None:
            try:
                outcome = await self._run(task, request, on_text)
            except Exception:
                # A driver that raises instead of ending with an outcome still gets its task a
                # report: otherwise the task would stay RUNNING, its lease renewed, for good.
                log.exception("task %s: its run raised", task.id)
                outcome = RunOutcome(
                    False,
                    "",
                    failure=TaskFailure(
                        FailureKind.PROCESS_ERROR, "internal error running the task"
                    ),
                )
        turn = None
        # a run no slot makes (a routing call) keeps no session: nobody continues it
        keep = slot is not None and request is not None
        if keep and request is not None and outcome.success and outcome.transcript is not None:
            forked = request.session.session_id if request.session.mode is SessionMode.FORK else ""
            turn = SessionTurn(
                session_id=outcome.session_id,
                transcript=outcome.transcript,
                model=outcome.model,
                forked_from=forked,
                start_key=key,
                slot_id=slot.id if slot is not None else "",
            )
        after = slot_after(outcome)
        report = RunReport(task.id, task.attempt, result_of(outcome), after, turn, task)
        claim = claim_next(after) if after is not None else None
        next_task = None
        if claim is not None:
            stored, next_task = await self._report_and_claim(report, claim)
        else:
            stored = await self._report(report)
        return Execution(stored, outcome, turn.session_id if turn else "", next_task)

    async def _report_and_claim(
        self, report: RunReport, claim: NextClaim
    ) -> tuple[Task | None, Task | None]:
        """The report with the slot's next claim; a store outage falls back to the report alone
        (which waits the outage out), and the slot's loop claims afterwards."""
        try:
            return await self.store.finish_run_and_claim(report, claim)
        except StoreUnavailable as exc:
            log.warning("task %s: report waits for the store: %s", report.task_id, exc.message)
            return await self._report(report), None

    async def _report(self, report: RunReport) -> Task | None:
        """Store a run's report, waiting out a store outage: a finished run's result and cost
        are never dropped for want of the database (a report that comes too late, after the
        task's lease expired and it was re-queued, is refused by its attempt number)."""
        delay = REPORT_RETRY_FIRST_SECONDS
        while True:
            try:
                return await self.store.finish_run(report)
            except StoreUnavailable as exc:
                log.warning("task %s: report waits for the store: %s", report.task_id, exc.message)
                await asyncio.sleep(delay)
                delay = min(delay * 2, REPORT_RETRY_MAX_SECONDS)

    async def _run(
        self, task: Task, request: RunRequest, on_text: Callable[[str], None] | None
    ) -> RunOutcome:
        run = self.driver.start(request)
        self._runs[task.id] = run
        batcher = EventBatcher(self.store, task.id)
        watcher = asyncio.create_task(self._stop_when_moved(task, run, batcher))
        outcome: RunOutcome | None = None
        try:
            async with contextlib.aclosing(run.events()) as events:
                async for event in events:
                    if isinstance(event, RunOutcome):
                        outcome = event
                        break
                    if isinstance(event, TextDelta):
                        event = TextDelta(event.text, attempt=task.attempt)
                        if on_text is not None:
                            on_text(event.text)
                    batcher.add(event)
        finally:
            self._runs.pop(task.id, None)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await batcher.close()
        assert outcome is not None, "a run always ends with an outcome"
        return outcome

    async def _stop_when_moved(self, task: Task, run: CliRun, batcher: EventBatcher) -> None:
        """Stop the run when the task is cancelled (here or on another replica) or when this
        attempt no longer owns it (re-queued after a lost lease and claimed elsewhere)."""
        topic = f"cancel:{task.id}"
        notifier = self.store.notifier
        while True:
            seen = notifier.version(topic)
            try:
                current = await self.store.get_task(task.id)
            except PoolError:
                current = task  # the store is away: keep running, look again later
            if (
                current is None
                or current.state is not TaskState.RUNNING
                or current.attempt != task.attempt
            ):
                batcher.discard = True
                await run.stop()
                return
            await notifier.wait(topic, seen, self.settings.poll_interval_seconds)

    async def stop(self, task_id: str) -> bool:
        """Stop the local run of `task_id`, if there is one (shutdown)."""
        run = self._runs.get(task_id)
        if run is None:
            return False
        await run.stop()
        return True
