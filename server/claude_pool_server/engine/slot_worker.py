"""SlotWorker: one slot's loop. It claims the oldest claimable task, has the Executor run it, and
keeps the slot's record, which it writes only together with a claim or a run's report (one store
call each), never in between.

A worker that cannot reach the store keeps its slot and tries again after a poll interval; its
`last_tick` lets the replica tell a live loop from a stuck one (health).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable

from claude_pool_server.domain.errors import PoolError
from claude_pool_server.domain.ports import TASKS_TOPIC, NextClaim, PoolStore, slot_topic
from claude_pool_server.domain.runs import RunOutcome
from claude_pool_server.domain.sessions import SessionPolicy
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import FailureKind, Task
from claude_pool_server.engine.execution import Executor
from claude_pool_server.engine.settings import PoolSettings

log = logging.getLogger(__name__)


class SlotWorker:
    def __init__(
        self,
        slot: Slot,
        executor: Executor,
        store: PoolStore,
        settings: PoolSettings,
        replica_id: str,
        draining: Callable[[], bool],
    ) -> None:
        self.slot = slot
        self.executor = executor
        self.store = store
        self.settings = settings
        self.replica_id = replica_id
        self._draining = draining
        self.busy = False
        self.current_task_id = ""
        self.current_attempt = 0
        self.last_tick = time.monotonic()
        self._claim_lock = asyncio.Lock()
        self._more = False  # the last claim's hint that other tasks were pending
        self._stopping = False
        self._loop_task: asyncio.Task[None] | None = None
        self._executions: set[asyncio.Task[None]] = set()

    @property
    def slot_id(self) -> str:
        return self.slot.id

    # lifecycle ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop(), name=f"slot-worker:{self.slot_id}")

    def alive(self) -> bool:
        return self._loop_task is not None and not self._loop_task.done()

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

    async def set_state(self, state: SlotState, **changes: object) -> None:
        """Write the slot in a new state (scaling, the supervisor)."""
        self.slot = dataclasses.replace(self.slot, state=state, **changes)  # type: ignore[arg-type]
        await self.store.put_slot(self.slot)

    async def _loop(self) -> None:
        """Claim, run, repeat; when nothing was claimable, wait for a turn (LocalNotifier): a
        change of the pending tasks wakes one idle worker, not all of them to race for it, and a
        worker whose claim found a task passes the turn on when the claim says more may be
        pending (one notification can stand for many tasks). A task pinned to this slot wakes
        it directly; the poll interval bounds any missed wake-up."""
        notifier = self.store.notifier
        own_topic = slot_topic(self.slot_id)
        poll = self.settings.poll_interval_seconds
        turn = False
        while not self._stopping:
            self.last_tick = time.monotonic()
            seen, own_seen = notifier.version(TASKS_TOPIC), notifier.version(own_topic)
            if not self._may_claim():
                if turn:  # a turn this worker cannot use is the next idle worker's
                    notifier.pass_turn(TASKS_TOPIC)
                turn = False
                await notifier.wait(TASKS_TOPIC, seen, poll)
                continue
            try:
                task = await self._claim()
            except PoolError as exc:
                log.warning("claim failed on %s: %s", self.slot_id, exc.message)
                task = None
            except Exception:
                log.exception("claim failed on %s", self.slot_id)
                task = None
            if task is not None:
                if self._more:  # other tasks may wait: the next idle worker looks too
                    notifier.pass_turn(TASKS_TOPIC)
                turn = False
                # Shielded: stopping the loop must not kill a running task; drain waits for it.
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.shield(self._spawn_execution(task))
                continue
            turn = await notifier.wait_turn(TASKS_TOPIC, seen, own_topic, own_seen, poll)

    # claiming ----------------------------------------------------------------------------------

    def _may_claim(self) -> bool:
        return (
            not (self.busy or self._stopping or self._draining())
            and self.slot.state is SlotState.IDLE
        )

    async def _claim(self) -> Task | None:
        async with self._claim_lock:
            if not self._may_claim():
                return None
            claim = await self.store.claim_task(
                self.slot, self.replica_id, self.settings.lease_seconds
            )
            self._more = claim.more
            if claim.task is not None:
                self._took(claim.task)
            return claim.task

    def _took(self, task: Task) -> None:
        """The slot holds `task` now (the store wrote it BUSY with it)."""
        self.busy = True
        self.current_task_id = task.id
        self.current_attempt = task.attempt
        self.slot = dataclasses.replace(
            self.slot,
            state=SlotState.BUSY,
            current_task_id=task.id,
            current_namespace=task.namespace,
        )

    def _next_claim(self, slot_after: Slot) -> NextClaim | None:
        """Whether the report of a run takes the slot's next task in the same store call."""
        if self._stopping or self._draining() or slot_after.state is not SlotState.IDLE:
            return None
        return NextClaim(self.replica_id, self.settings.lease_seconds)

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

    # running -----------------------------------------------------------------------------------

    async def _execute(self, task: Task) -> None:
        """Run `task` (already taken by `_took`), and then each task its report claimed, until a
        report claims none."""
        running: Task | None = task
        try:
            while running is not None:
                claimed = None
                try:
                    execution = await self.executor.execute(
                        running, self.slot, self._slot_after, claim_next=self._next_claim
                    )
                    claimed = execution.next_task
                except Exception:
                    log.exception("task %s: its report failed on %s", running.id, self.slot_id)
                    self.slot = self._slot_after(None)
                if claimed is not None:
                    self._took(claimed)
                running = claimed
        finally:
            # no publish of its own: the store's report wakes a worker for whatever it made
            # claimable, and a worker whose loop ran this claims again as the loop goes on
            self.current_task_id = ""
            self.busy = False

    def _slot_after(self, outcome: RunOutcome | None) -> Slot:
        """The slot's record after a run: idle again, its counters, and with the `slot`
        session policy the session its next task continues (none after a failure)."""
        slot = self.slot
        state = SlotState.IDLE if slot.state is SlotState.BUSY else slot.state
        changes: dict[str, object] = {
            "state": state,
            "current_task_id": "",
            "current_namespace": "",
        }
        if outcome is not None:
            changes["cost_micros"] = slot.cost_micros + outcome.cost_micros
            if outcome.success:
                changes["tasks_completed"] = slot.tasks_completed + 1
            if self.settings.session_policy is SessionPolicy.SLOT:
                changes["session_id"] = outcome.session_id if outcome.success else ""
            failure = outcome.failure
            if failure is not None and failure.kind is FailureKind.PROCESS_ERROR:
                if not outcome.cancelled:
                    failures = slot.consecutive_failures + 1
                    changes["consecutive_failures"] = failures
                    if failures >= self.settings.max_consecutive_start_failures:
                        changes["state"] = SlotState.ERRORED
                        log.error("slot %s errored after %d failed CLI starts", slot.id, failures)
            else:
                changes["consecutive_failures"] = 0
        self.slot = dataclasses.replace(slot, **changes)  # type: ignore[arg-type]
        return self.slot
