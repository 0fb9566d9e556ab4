"""ReplicaKeeper: this process's liveness and health, and recovery of what dead replicas left.

Every `heartbeat_seconds` it heartbeats (renewing the leases of the tasks this replica runs),
recovers expired leases (a re-queued task is claimed by any idle slot, a task out of attempts
fails INTERRUPTED), adopts chains whose runner's replica stopped, and applies retention.

Health tells the truth: the replica is unhealthy while it cannot reach the store, and while a
slot worker's loop is stuck or dead. It does not stop its slots when the store is away: it keeps
trying, and is healthy again as soon as a heartbeat succeeds. A replica that finds it was
declared dead meanwhile (its heartbeat came back refused, its tasks re-queued elsewhere)
re-registers with fresh slots instead of stopping for good. The loop runs on its own task,
independent of slot work, so a busy slot cannot starve it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.tasks import Task
from claude_pool_server.engine.chains import ChainService
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.engine.slots import SlotRegistry

log = logging.getLogger(__name__)

# a slot worker whose loop has not turned for this long (while idle) is stuck
STALL_SECONDS = 30.0


class ReplicaKeeper:
    def __init__(
        self,
        store: PoolStore,
        settings: PoolSettings,
        replica_id: str,
        slots: SlotRegistry,
        chains: ChainService,
        draining: Callable[[], bool],
    ) -> None:
        self.store = store
        self.settings = settings
        self.replica_id = replica_id
        self.slots = slots
        self.chains = chains
        self._draining = draining
        self._task: asyncio.Task[None] | None = None
        self.store_reachable = True
        self.problem = ""  # why the replica is unhealthy ("" when healthy)
        self.on_health_change: Callable[[bool], None] = lambda healthy: None

    @property
    def healthy(self) -> bool:
        return not self.problem

    async def start(self) -> None:
        await self.store.register_replica(self.replica_id)
        self._task = asyncio.create_task(self._loop(), name="replica-keeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.store.deregister_replica(self.replica_id), 5.0)

    def _set_problem(self, problem: str) -> None:
        if problem != self.problem:
            if problem:
                log.warning("replica %s unhealthy: %s", self.replica_id, problem)
            else:
                log.info("replica %s healthy again", self.replica_id)
            self.problem = problem
            self.on_health_change(not problem)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.heartbeat_seconds)
            await self.beat()

    async def beat(self) -> None:
        """One heartbeat: liveness, recovery, adoption, retention, health."""
        try:
            alive = await asyncio.wait_for(
                self.store.heartbeat(self.replica_id, self.settings.lease_seconds),
                self.settings.heartbeat_seconds * 2,
            )
            self.store_reachable = True
            if not alive and not self._draining():
                log.warning(
                    "replica %s was declared dead while away; starting over", self.replica_id
                )
                await self.slots.restart_all()
            await self.recover_once()
            await self._retain()
        except Exception as exc:  # noqa: BLE001 - the store may be away: keep the slots, retry
            self.store_reachable = False
            self._set_problem(f"cannot reach the store ({type(exc).__name__}: {exc})")
            return
        stalled = self.slots.stalled(time.monotonic(), STALL_SECONDS)
        self._set_problem(f"slot workers stuck: {', '.join(stalled)}" if stalled else "")

    async def recover_once(self) -> list[Task]:
        changed = await self.store.recover(self.settings.max_attempts)
        for task in changed:
            log.warning("task %s: its replica stopped; now %s", task.id, task.state.value)
        if not self._draining():
            await self.chains.adopt_orphans()
        return changed

    async def _retain(self) -> None:
        retention = self.settings.retention_seconds
        if retention is None:
            return
        purged = await self.store.purge_tasks(datetime.now(UTC) - timedelta(seconds=retention))
        if purged:
            log.info("retention: deleted %d settled tasks", purged)
