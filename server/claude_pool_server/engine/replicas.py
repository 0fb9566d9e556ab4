"""ReplicaKeeper: this process's liveness and health, and recovery of what dead replicas left.

Every `heartbeat_seconds` it heartbeats (renewing the leases of the tasks this replica really
runs, so a task it claimed but lost track of expires and is re-queued like a dead replica's),
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
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from claude_pool_server.domain.errors import StoreUnavailable
from claude_pool_server.domain.ports import PoolStore, Renewal
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
        running: Callable[[], Collection[str]],
    ) -> None:
        self.store = store
        self._running = running
        self.settings = settings
        self.replica_id = replica_id
        self.slots = slots
        self.chains = chains
        self._draining = draining
        self._task: asyncio.Task[None] | None = None
        self._beating: asyncio.Task[None] | None = None
        self._answered_at: float | None = None  # when the current beat's heartbeat came back
        self.store_reachable = True
        self._store_detail = ""
        self.problem = ""  # why the replica is unhealthy ("" when healthy)
        self.on_health_change: Callable[[bool], None] = lambda healthy: None

    @property
    def healthy(self) -> bool:
        return not self.problem

    def store_problem(self) -> str:
        """Why the store cannot be reached, as the last heartbeat found ("" when it can)."""
        return "" if self.store_reachable else self._store_detail

    async def start(self) -> None:
        await self.store.register_replica(self.replica_id)
        # a first beat now rather than after heartbeat_seconds: the store learns at once
        # whether other replicas share the database (alone, it sends no NOTIFY)
        await self.store.heartbeat(self.replica_id, self.settings.lease_seconds, ())
        self._task = asyncio.create_task(self._loop(), name="replica-keeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._beating is not None:
            self._beating.cancel()  # not awaited: it may be stuck on a database that is away
        leaving = asyncio.create_task(self.store.deregister_replica(self.replica_id))
        done, _ = await asyncio.wait({leaving}, timeout=5.0)
        if done:
            with contextlib.suppress(Exception):
                leaving.result()
        else:
            leaving.cancel()

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
        """One heartbeat: liveness, recovery, adoption, retention, health.

        The work runs on a task of its own that is never cancelled: a call to a database that
        stopped answering may not return even when cancelled (asyncpg's cancel request waits on
        the same server), so the keeper waits for it with a timeout, judges the store away when
        it runs out, and looks again at the next beat instead of stacking another call.
        """
        limit = self.settings.heartbeat_seconds * 2
        if self._beating is None or self._beating.done():
            self._answered_at = None
            self._beating = asyncio.create_task(self._beat_once(), name="replica-beat")
        beating = self._beating
        done, _ = await asyncio.wait({beating}, timeout=limit)
        try:
            if not done and self._answered_recently():
                # the database answered the heartbeat; recovery or retention is still busy
                # (a database catching up after a stall): not a reason to say it is away
                return
            if not done:
                raise TimeoutError
            beating.result()
        except (StoreUnavailable, TimeoutError) as exc:  # keep the slots, try again next beat
            detail = f"no answer within {limit:g}s" if isinstance(exc, TimeoutError) else exc.detail
            self._store_detail = detail
            self.store_reachable = False
            self._set_problem(f"cannot reach the store ({detail})")
            return
        except Exception as exc:  # a bug must not stop the heartbeat loop
            log.error("replica %s: heartbeat failed", self.replica_id, exc_info=exc)
            self._set_problem(f"heartbeat failed ({type(exc).__name__})")
            return
        stalled = self.slots.stalled(time.monotonic(), STALL_SECONDS)
        self._set_problem(f"slot workers stuck: {', '.join(stalled)}" if stalled else "")

    async def _beat_once(self) -> None:
        alive = await self.store.heartbeat(
            self.replica_id, self.settings.lease_seconds, tuple(self._running())
        )
        self._answered_at = time.monotonic()
        self.store_reachable = True
        if not alive and not self._draining():
            log.warning("replica %s was declared dead while away; starting over", self.replica_id)
            await self.slots.restart_all()
        await self.recover_once()
        await self._retain()

    def _answered_recently(self) -> bool:
        """The current beat's heartbeat came back less than a lease ago. Longer, and a beat
        stuck in recovery is a database that stopped answering after the heartbeat (a stall
        that began mid-beat): health must say so, not wait for that beat for ever."""
        answered = self._answered_at
        return answered is not None and time.monotonic() - answered < self.settings.lease_seconds

    async def recover_once(self) -> list[Task]:
        renewal = Renewal(self.replica_id, self.settings.lease_seconds, tuple(self._running()))
        changed = await self.store.recover(self.settings.max_attempts, renewal)
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
