"""SlotWorker: one slot's loop. It claims the oldest pending task, runs it on the CLI, streams the
output to the event log, and records the outcome (fenced by the task's version and attempt)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from claude_pool_server.domain.budget import MICROS_PER_USD, BudgetChange
from claude_pool_server.domain.errors import PoolError
from claude_pool_server.domain.ports import CliRun
from claude_pool_server.domain.runs import RunOutcome, RunRequest
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import (
    FailureKind,
    Finished,
    StateChanged,
    Task,
    TaskFailure,
    TaskResult,
    TaskState,
    TextDelta,
)
from claude_pool_server.engine import isolation, prompts, resolution, validation
from claude_pool_server.engine.events import EventBatcher

if TYPE_CHECKING:
    from claude_pool_server.engine.pool import Pool

log = logging.getLogger(__name__)


class SlotWorker:
    def __init__(self, pool: Pool, slot_id: str) -> None:
        self.pool = pool
        self.slot_id = slot_id
        self.busy = False
        self.current_task_id = ""
        self._run: CliRun | None = None
        self._batcher: EventBatcher | None = None
        self._claim_lock = asyncio.Lock()
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._executions: set[asyncio.Task[None]] = set()

    # lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop(), name=f"slot-worker:{self.slot_id}")

    async def stop(self) -> None:
        """Stop claiming; a running task keeps running (drain waits for it)."""
        self._stopping = True
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task

    async def wait_idle(self) -> None:
        while self._executions:
            await asyncio.gather(*list(self._executions), return_exceptions=True)

    async def _loop(self) -> None:
        notifier = self.pool.store.notifier
        while not self._stopping:
            seen = notifier.version("tasks")
            try:
                task = await self._claim()
            except Exception:
                log.exception("claim failed on %s", self.slot_id)
                task = None
            if task is not None:
                # Shielded: stopping the loop must not kill a running task; drain waits for it.
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(self._spawn_execution(task))
                continue
            await notifier.wait("tasks", seen, self.pool.settings.poll_interval_seconds)

    # claiming ----------------------------------------------------------------------------------

    async def _claim(self) -> Task | None:
        async with self._claim_lock:
            if self.busy or self._stopping or self.pool.draining:
                return None
            slot = await self.pool.store.get_slot(self.slot_id)
            if slot is None or slot.state is not SlotState.IDLE:
                return None
            task = await self.pool.store.claim_task(self.slot_id, self.pool.replica_id)
            if task is not None:
                self.busy = True
                self.current_task_id = task.id
                await self.pool.store.put_slot(
                    dataclasses.replace(slot, state=SlotState.BUSY, current_task_id=task.id)
                )
            return task

    async def claim_now(self) -> Task | None:
        """ClaimTask: take the oldest pending task now and run it in the background."""
        task = await self._claim()
        if task is not None:
            self._spawn_execution(task)
        return task

    def _spawn_execution(self, task: Task) -> asyncio.Task[None]:
        execution = asyncio.create_task(self._execute(task), name=f"task:{task.id}")
        self._executions.add(execution)
        execution.add_done_callback(self._executions.discard)
        return execution

    # cancelling --------------------------------------------------------------------------------

    async def stop_task(self, task_id: str) -> None:
        """Stop the CLI run of `task_id` if this worker is running it."""
        if self.current_task_id == task_id:
            if self._batcher is not None:
                self._batcher.discard = True
            if self._run is not None:
                await self._run.stop()

    async def _watch_cancel(self, task: Task, run: CliRun) -> None:
        """Stop the run when the task is cancelled through another replica (or missed locally)."""
        store = self.pool.store
        topic = f"cancel:{task.id}"
        while True:
            seen = store.notifier.version(topic)
            current = await store.get_task(task.id)
            if (
                current is None
                or current.state is not TaskState.RUNNING
                or (current.attempt != task.attempt)
            ):
                if self._batcher is not None:
                    self._batcher.discard = True
                await run.stop()
                return
            await store.notifier.wait(topic, seen, self.pool.settings.poll_interval_seconds)

    # running -----------------------------------------------------------------------------------

    async def _execute(self, task: Task) -> None:
        store = self.pool.store
        self.busy = True
        self.current_task_id = task.id
        try:
            await store.append_events(
                task.id, [StateChanged(TaskState.RUNNING, slot_id=self.slot_id)]
            )
            slot = await store.get_slot(self.slot_id) or Slot(self.slot_id)
            try:
                request = await self._build_request(task, slot)
            except PoolError as exc:
                outcome = RunOutcome(
                    False, "", failure=TaskFailure(FailureKind.EXECUTION_ERROR, exc.message)
                )
            else:
                outcome = await self._run_cli(task, request)
            await self._record(task, outcome)
            await self._update_slot(outcome)
        except Exception:
            log.exception("task %s crashed on %s", task.id, self.slot_id)
            await self._record(
                task,
                RunOutcome(
                    False,
                    "",
                    failure=TaskFailure(FailureKind.PROCESS_ERROR, "internal error running task"),
                ),
            )
            await self._update_slot(None)
        finally:
            self._run = None
            self._batcher = None
            self.current_task_id = ""
            self.busy = False
            await store.notifier.publish("tasks")

    async def _build_request(self, task: Task, slot: Slot) -> RunRequest:
        pool = self.pool
        settings = pool.settings
        resolved = resolution.resolve(settings, slot.config, task.spec.overrides)
        context = await pool.all_context()
        messages = await pool.store.take_messages(self.slot_id)
        preamble = prompts.message_preamble(
            [(m.from_slot_id, m.create_time, m.content) for m in messages]
        )
        cwd = validation.resolve_working_dir(task.spec.working_dir, settings)
        if settings.worktree_isolation:
            cwd = await isolation.slot_working_dir(cwd, settings.work_roots, self.slot_id)
        env = {}
        if settings.state_dir:
            config_dir = os.path.join(settings.state_dir, "slots", self.slot_id, "claude-config")
            os.makedirs(config_dir, exist_ok=True)
            env["CLAUDE_CONFIG_DIR"] = config_dir
        budget = resolved.max_budget_micros
        return RunRequest(
            prompt=preamble + task.prompt,
            cwd=cwd,
            system_prompt=prompts.build_system_prompt(slot.config, resolved.system_prompt, context),
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
            max_budget_usd=budget / MICROS_PER_USD if budget else None,
            resume_session_id=slot.session_id,
            env=env,
            timeout_seconds=resolved.timeout_seconds,
            idle_timeout_seconds=settings.idle_output_timeout_seconds,
            slot_id=self.slot_id,
        )

    async def _run_cli(self, task: Task, request: RunRequest) -> RunOutcome:
        run = self.pool.driver.start(request)
        self._run = run
        batcher = EventBatcher(self.pool.store, task.id)
        self._batcher = batcher
        watcher = asyncio.create_task(self._watch_cancel(task, run))
        outcome: RunOutcome | None = None
        try:
            async with contextlib.aclosing(run.events()) as events:
                async for event in events:
                    if isinstance(event, RunOutcome):
                        outcome = event
                        break
                    if isinstance(event, TextDelta):
                        event = TextDelta(event.text, attempt=task.attempt)
                    await batcher.add(event)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await batcher.close()
        assert outcome is not None
        return outcome

    async def _record(self, task: Task, outcome: RunOutcome) -> None:
        """Write the outcome, unless the task moved on (cancelled, or re-queued by recovery)."""
        store = self.pool.store
        result = _result_of(outcome)
        now = datetime.now(UTC)
        while True:
            current = await store.get_task(task.id)
            if current is None or current.attempt != task.attempt:
                return  # fenced: this attempt no longer owns the task
            budget = BudgetChange(spend=result.cost_micros, release=current.reserved_micros)
            if current.state is TaskState.RUNNING:
                if result.success:
                    state = (
                        TaskState.PENDING_REVIEW
                        if current.spec.review_required
                        else TaskState.COMPLETED
                    )
                else:
                    state = TaskState.FAILED
                updated = dataclasses.replace(
                    current, state=state, result=result, end_time=now, reserved_micros=0
                )
                stored = await store.update_task(updated, budget)
                if stored is None:
                    continue
                await store.append_events(
                    task.id, [StateChanged(state, slot_id=self.slot_id), Finished(stored)]
                )
                await self.pool.task_settled(stored)
                return
            if current.state is TaskState.CANCELLED and current.result is None:
                # Cancelled while running: keep it cancelled, but account for what the run cost.
                cancelled = dataclasses.replace(current, result=result, reserved_micros=0)
                if await store.update_task(cancelled, budget) is None:
                    continue
            return

    async def _update_slot(self, outcome: RunOutcome | None) -> None:
        store = self.pool.store
        slot = await store.get_slot(self.slot_id)
        if slot is None:
            return
        state = SlotState.IDLE if slot.state is SlotState.BUSY else slot.state
        changes: dict[str, object] = {"state": state, "current_task_id": ""}
        if outcome is not None:
            changes["cost_micros"] = slot.cost_micros + outcome.cost_micros
            failure = outcome.failure
            if outcome.success:
                changes["tasks_completed"] = slot.tasks_completed + 1
            if outcome.session_id:
                changes["session_id"] = outcome.session_id
            if failure is not None and any("No conversation found" in e for e in failure.errors):
                changes["session_id"] = ""  # the session is gone: start a fresh one next time
            if (
                failure is not None
                and failure.kind is FailureKind.PROCESS_ERROR
                and not (outcome.cancelled)
            ):
                failures = slot.consecutive_failures + 1
                changes["consecutive_failures"] = failures
                if failures >= self.pool.settings.max_consecutive_start_failures:
                    changes["state"] = SlotState.ERRORED
                    log.error("slot %s errored after %d failed CLI starts", slot.id, failures)
            else:
                changes["consecutive_failures"] = 0
        await store.put_slot(dataclasses.replace(slot, **changes))  # type: ignore[arg-type]


def _result_of(outcome: RunOutcome) -> TaskResult:
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
