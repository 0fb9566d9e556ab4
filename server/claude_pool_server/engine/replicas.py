"""ReplicaKeeper: this process's liveness, and recovery of the work of replicas that died.

Every `heartbeat_seconds` it heartbeats (renewing the leases of the tasks this replica runs)
and asks the store to recover expired leases: a re-queued task is announced so idle slots on
every replica claim it, a task out of attempts settles as FAILED (interrupted), and a chain
whose runner's replica stopped is adopted and run on from its last step. The loop runs
on its own task, independent of slot work, so a busy slot cannot starve it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from claude_pool_server.domain.tasks import Finished, StateChanged, Task, TaskState
from claude_pool_server.engine import chains

if TYPE_CHECKING:
    from claude_pool_server.engine.pool import Pool

log = logging.getLogger(__name__)


class ReplicaKeeper:
    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.pool.store.register_replica(self.pool.replica_id)
        self._task = asyncio.create_task(self._loop(), name="replica-keeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.pool.store.deregister_replica(self.pool.replica_id)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.pool.settings.heartbeat_seconds)
            try:
                await self.pool.store.heartbeat(self.pool.replica_id)
                await self.recover_once()
            except Exception:  # the database may be briefly away; try at the next beat
                log.warning("heartbeat or recovery failed; retrying", exc_info=True)

    async def recover_once(self) -> list[Task]:
        changed = await self.pool.store.recover(self.pool.settings.max_attempts)
        for task in changed:
            await self._announce(task)
        if not self.pool.draining:
            await chains.adopt_orphans(self.pool)
        return changed

    async def _announce(self, task: Task) -> None:
        store = self.pool.store
        if task.state is TaskState.PENDING:
            log.warning("task %s re-queued after attempt %d", task.id, task.attempt)
            reason = f"re-queued after attempt {task.attempt}: its replica stopped"
            await store.append_events(task.id, [StateChanged(TaskState.PENDING, reason=reason)])
            await store.notifier.publish("tasks")
            return
        if task.state is TaskState.CANCELLED:
            log.info("task %s: released the reservation its stopped replica held", task.id)
            return  # already settled and announced when it was cancelled
        log.warning("task %s failed: its replica stopped and it is out of attempts", task.id)
        reason = task.result.failure.message if task.result and task.result.failure else ""
        await store.append_events(
            task.id, [StateChanged(task.state, reason=reason), Finished(task)]
        )
        await self.pool.task_settled(task)
