"""SlotRegistry: this replica's slots and their workers (start, stop, add, retire, restart).

Slots are capacity: each runs one task at a time. Their ids are allocated in the store so that
two replicas never share one; a replica that finds itself declared dead (it could not heartbeat
for longer than the lease) re-registers and takes fresh ids (`restart_all`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.errors import PoolError
from claude_pool_server.domain.lifecycle import Change
from claude_pool_server.domain.ports import PoolStore, Workspaces
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import Task
from claude_pool_server.engine.execution import Executor
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.engine.slot_worker import SlotWorker

log = logging.getLogger(__name__)


class SlotRegistry:
    def __init__(
        self,
        store: PoolStore,
        executor: Executor,
        settings: PoolSettings,
        workspaces: Workspaces,
        replica_id: str,
        draining: Callable[[], bool],
    ) -> None:
        self.store = store
        self.executor = executor
        self.settings = settings
        self.workspaces = workspaces
        self.replica_id = replica_id
        self._draining = draining
        self.workers: dict[str, SlotWorker] = {}

    def __len__(self) -> int:
        return len(self.workers)

    async def add(self, count: int) -> list[str]:
        """Allocate `count` slot ids (atomically across replicas) and start their workers."""
        slot_ids = await self.store.allocate_slot_ids(self.replica_id, count)
        configs = self.settings.slot_configs
        for position, slot_id in enumerate(slot_ids, start=len(self.workers)):
            slot = Slot(slot_id, replica_id=self.replica_id)
            if position < len(configs):
                slot = dataclasses.replace(slot, config=configs[position])
            await self.store.put_slot(slot)
            worker = SlotWorker(
                slot, self.executor, self.store, self.settings, self.replica_id, self._draining
            )
            self.workers[slot_id] = worker
            worker.start()
        await self.store.notifier.publish("tasks")
        return slot_ids

    async def cancel_task(self, task_id: str, reason: str) -> None:
        """Cancel a task the pool itself gives up on (shutdown, scale-down), any namespace."""
        now = datetime.now(UTC)
        with contextlib.suppress(PoolError):  # it may have finished meanwhile
            await self.store.transition(task_id, lambda t: lifecycle.cancelled(t, reason, now))

    async def stop_all(self, grace_seconds: float) -> int:
        """Stop claiming, let running tasks finish within the grace period, then cancel them;
        mark the slots STOPPED. Returns how many tasks were cancelled."""
        for worker in self.workers.values():
            await worker.stop()
        cancelled = 0
        all_idle = asyncio.gather(*(w.wait_idle() for w in self.workers.values()))
        try:
            await asyncio.wait_for(asyncio.shield(all_idle), grace_seconds)
        except TimeoutError:
            for worker in self.workers.values():
                if worker.busy and worker.current_task_id:
                    await self.cancel_task(worker.current_task_id, "server shutting down")
                    await self.executor.stop(worker.current_task_id)
                    cancelled += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(all_idle, 10.0)
        for worker in self.workers.values():
            with contextlib.suppress(PoolError):
                await worker.set_state(SlotState.STOPPED, current_task_id="")
        return cancelled

    async def retire(self, slot_id: str, busy_timeout: float) -> None:
        """Take one slot out (scale-down): its task gets `busy_timeout` to finish, then is
        cancelled; the slot stays in the store as STOPPED; its worktrees go."""
        worker = self.workers[slot_id]
        await worker.stop()
        deadline = time.monotonic() + busy_timeout
        while worker.busy and worker.current_task_id:
            if time.monotonic() >= deadline:
                await self.cancel_task(worker.current_task_id, f"{slot_id} scaled down")
                break
            await asyncio.sleep(min(0.1, max(0.0, deadline - time.monotonic())))
        await worker.wait_idle()
        await worker.set_state(SlotState.STOPPED, current_task_id="")
        del self.workers[slot_id]
        if self.settings.worktree_isolation:
            await self.workspaces.remove_slot_worktrees(self.settings.work_roots, slot_id)

    async def restart_all(self) -> None:
        """This replica was declared dead while it could not reach the store: its tasks were
        re-queued elsewhere (their runs here are fenced and stopped) and its slot ids may be
        reused. Register again and start over with fresh slots."""
        count = len(self.workers)
        now = datetime.now(UTC)
        for worker in list(self.workers.values()):
            await worker.stop()
            if worker.current_task_id:
                await self._give_back(worker.current_task_id, worker.current_attempt, now)
                await self.executor.stop(worker.current_task_id)
        for worker in list(self.workers.values()):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(worker.wait_idle(), 10.0)
        self.workers.clear()
        await self.store.register_replica(self.replica_id)
        await self.add(count)
        log.warning("replica %s re-registered with %d fresh slots", self.replica_id, count)

    async def _give_back(self, task_id: str, attempt: int, now: datetime) -> None:
        max_attempts = self.settings.max_attempts

        def give_back(task: Task) -> Change:
            return lifecycle.given_back(task, self.replica_id, attempt, max_attempts, now)

        with contextlib.suppress(PoolError):  # already re-queued elsewhere, or finished
            await self.store.transition(task_id, give_back)

    def stalled(self, now: float, limit: float) -> list[str]:
        """Workers whose loop has not turned for `limit` seconds while idle, or died."""
        return [
            w.slot_id
            for w in self.workers.values()
            if not w.alive() or (not w.busy and now - w.last_tick > limit)
        ]
