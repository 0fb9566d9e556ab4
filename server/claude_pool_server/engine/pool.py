"""Pool: the engine's entry point. The API layer calls one Pool method per RPC."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from claude_pool_server.domain.budget import BudgetChange, BudgetState
from claude_pool_server.domain.chains import (
    ChainOptions,
    ChainPage,
    ChainProgress,
    ChainStatus,
    ChainStep,
)
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.errors import (
    ContextNotFound,
    IllegalState,
    InvalidArgument,
    PoolDraining,
    RequestIdReused,
    SlotNotFound,
    TaskNotFound,
)
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.ports import ClaudeDriver, PoolStore
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import (
    Finished,
    StateChanged,
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskSpec,
    TaskState,
)
from claude_pool_server.engine import (
    chains,
    messaging,
    metrics,
    review,
    routing,
    scaling,
    supervisor,
    validation,
)
from claude_pool_server.engine import fan_out as fanout
from claude_pool_server.engine.events import watch_events
from claude_pool_server.engine.fan_out import FanOutItem
from claude_pool_server.engine.replicas import ReplicaKeeper
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.engine.slot_worker import SlotWorker

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 500
CONTEXT_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./")


@dataclass(frozen=True)
class PoolStatus:
    total_slots: int
    idle_slots: int
    busy_slots: int
    errored_slots: int
    counts: dict[TaskState, int]
    budget: BudgetState
    budget_cap: int | None
    draining: bool
    replicas: int


@dataclass(frozen=True)
class DrainSummary:
    total_cost_micros: int
    total_tasks_completed: int
    tasks_cancelled: int


class Pool:
    def __init__(
        self,
        settings: PoolSettings,
        store: PoolStore,
        driver: ClaudeDriver,
        replica_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.driver = driver
        self.replica_id = replica_id or new_id("replica")
        self.draining = False
        self.workers: dict[str, SlotWorker] = {}
        self.replicas = ReplicaKeeper(self)
        self.background: set[asyncio.Task[None]] = set()  # chain runners, supervisor

    # lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Register this replica and its slots, and start their workers."""
        await self.replicas.start()
        slot_ids = await self.store.allocate_slot_ids(self.replica_id, self.settings.slots)
        for index, slot_id in enumerate(slot_ids):
            config = (
                self.settings.slot_configs[index]
                if index < len(self.settings.slot_configs)
                else None
            )
            slot = Slot(slot_id, replica_id=self.replica_id)
            if config is not None:
                slot = dataclasses.replace(slot, config=config)
            await self.store.put_slot(slot)
            self._start_worker(slot.id)
        self.spawn(supervisor.run(self), name="supervisor")

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run `work` in the background until it ends or the pool shuts down."""
        task = asyncio.create_task(work, name=name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    def _start_worker(self, slot_id: str) -> None:
        worker = SlotWorker(self, slot_id)
        self.workers[slot_id] = worker
        worker.start()

    async def shutdown(self, grace_seconds: float) -> None:
        """Refuse new work, let running tasks finish within the grace period, then stop them."""
        self.draining = True
        for task in list(self.background):
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self._stop_workers(grace_seconds)
        await self.replicas.stop()

    async def _stop_workers(self, grace_seconds: float) -> int:
        for worker in self.workers.values():
            await worker.stop()
        cancelled = 0
        all_idle = asyncio.gather(*(w.wait_idle() for w in self.workers.values()))
        try:
            await asyncio.wait_for(asyncio.shield(all_idle), grace_seconds)
        except TimeoutError:
            for worker in self.workers.values():
                if worker.busy and worker.current_task_id:
                    await self.cancel_task(worker.current_task_id, reason="server shutting down")
                    cancelled += 1
            await all_idle
        for slot_id in self.workers:
            slot = await self.store.get_slot(slot_id)
            if slot is not None:
                await self.store.put_slot(
                    dataclasses.replace(slot, state=SlotState.STOPPED, current_task_id="")
                )
        return cancelled

    # tasks -------------------------------------------------------------------------------------

    def _check_accepting(self) -> None:
        if self.draining:
            raise PoolDraining()

    def reservation_for(self, spec: TaskSpec) -> int:
        if self.settings.budget_micros is None:
            return 0
        return spec.overrides.max_budget_micros or self.settings.default_task_reservation_micros

    async def submit(self, spec: TaskSpec, request_id: str = "", chain_id: str = "") -> Task:
        self._check_accepting()
        validation.validate_spec(spec, self.settings)
        validation.resolve_working_dir(spec.working_dir, self.settings)
        if spec.slot_id and await self.store.get_slot(spec.slot_id) is None:
            raise SlotNotFound(spec.slot_id)
        reserve = self.reservation_for(spec)
        task = Task(
            id=new_id("task"),
            state=TaskState.PENDING,
            prompt=spec.prompt,
            spec=spec,
            create_time=datetime.now(UTC),
            reserved_micros=reserve,
            chain_id=chain_id,
            request_id=request_id,
        )
        stored = await self.store.insert_task(
            task, BudgetChange(reserve=reserve, cap=self.settings.budget_micros)
        )
        if stored.id == task.id:
            await self.store.append_events(task.id, [StateChanged(TaskState.PENDING)])
            await self.store.notifier.publish("tasks")
        elif stored.spec != spec or stored.chain_id != chain_id:
            raise RequestIdReused(request_id)
        return stored

    async def get_task(self, task_id: str) -> Task:
        task = await self.store.get_task(task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return task

    async def list_tasks(self, query: TaskQuery) -> TaskPage:
        if query.page_size < 0:
            raise InvalidArgument("page_size", "must not be negative")
        size = min(query.page_size or 50, MAX_PAGE_SIZE)
        return await self.store.list_tasks(dataclasses.replace(query, page_size=size))

    async def wait_task(self, task_id: str, timeout: float) -> tuple[Task, bool]:
        """Wait until the task settles; returns (task, settled)."""
        if timeout < 0:
            raise InvalidArgument("timeout", "must not be negative")
        deadline = time.monotonic() + timeout
        topic = f"task:{task_id}"
        while True:
            seen = self.store.notifier.version(topic)
            task = await self.get_task(task_id)
            if task.state.is_settled:
                return task, True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return task, False
            await self.store.notifier.wait(
                topic, seen, min(remaining, self.settings.poll_interval_seconds)
            )

    async def run(self, spec: TaskSpec, request_id: str = "") -> Task:
        task = await self.submit(spec, request_id)
        settled, _ = await self.wait_task(task.id, float("inf"))
        return settled

    def watch(self, task_id: str, after_seq: int) -> AsyncIterator[TaskEvent]:
        return watch_events(self.store, task_id, after_seq, self.settings.poll_interval_seconds)

    async def cancel_task(self, task_id: str, reason: str = "cancelled by client") -> Task:
        while True:
            task = await self.get_task(task_id)
            if task.state.is_terminal:
                raise IllegalState(
                    task_id, task.state.value, "cancel", "pending, running or pending_review"
                )
            running = task.state is TaskState.RUNNING
            # A running task keeps its reservation until its run reports the real cost.
            release = 0 if running else task.reserved_micros
            cancelled = dataclasses.replace(
                task,
                state=TaskState.CANCELLED,
                end_time=datetime.now(UTC),
                reserved_micros=task.reserved_micros - release,
            )
            stored = await self.store.update_task(cancelled, BudgetChange(release=release))
            if stored is not None:
                break
        await self.store.append_events(
            task_id, [StateChanged(TaskState.CANCELLED, reason=reason), Finished(stored)]
        )
        if running:
            worker = self.workers.get(task.slot_id)
            if worker is not None:
                await worker.stop_task(task_id)
            await self.store.notifier.publish(f"cancel:{task_id}")
        await self.task_settled(stored)
        return stored

    async def claim_task(self, slot_id: str) -> Task | None:
        self._check_accepting()
        if await self.store.get_slot(slot_id) is None:
            raise SlotNotFound(slot_id)
        worker = self.workers.get(slot_id)
        if worker is None:
            return None  # the slot belongs to another replica or is stopped
        return await worker.claim_now()

    async def task_settled(self, task: Task) -> None:
        """Hook for capabilities that follow tasks (chains, fan-out); nothing to do by default."""
        return None

    # review gate (engine/review.py) ------------------------------------------------------------

    async def approve_task(self, task_id: str) -> Task:
        return await review.approve(self, task_id)

    async def reject_task(self, task_id: str, feedback: str) -> Task:
        return await review.reject(self, task_id, feedback)

    # messaging (engine/messaging.py) -----------------------------------------------------------

    async def send_message(self, from_slot_id: str, to_slot_id: str, content: str) -> SlotMessage:
        return await messaging.send(self, from_slot_id, to_slot_id, content)

    async def broadcast_message(self, from_slot_id: str, content: str) -> list[SlotMessage]:
        return await messaging.broadcast(self, from_slot_id, content)

    async def read_messages(self, slot_id: str) -> list[SlotMessage]:
        return await messaging.read(self, slot_id)

    async def peek_messages(self, slot_id: str) -> list[SlotMessage]:
        return await messaging.peek(self, slot_id)

    async def count_messages(self, slot_id: str) -> int:
        return await messaging.count(self, slot_id)

    # fan-out (engine/fan_out.py) ---------------------------------------------------------------

    async def fan_out(self, specs: list[TaskSpec], request_id: str = "") -> list[FanOutItem]:
        return await fanout.fan_out(self, specs, request_id)

    def fan_out_stream(
        self, specs: list[TaskSpec], request_id: str = ""
    ) -> AsyncIterator[FanOutItem]:
        return fanout.fan_out_stream(self, specs, request_id)

    # chains (engine/chains.py) -----------------------------------------------------------------

    async def submit_chain(
        self, steps: Sequence[ChainStep], options: ChainOptions, request_id: str = ""
    ) -> ChainProgress:
        return await chains.submit(self, steps, options, request_id)

    async def fan_out_chains(
        self, specs: Sequence[tuple[Sequence[ChainStep], ChainOptions]], request_id: str = ""
    ) -> list[ChainProgress]:
        return await chains.fan_out_chains(self, specs, request_id)

    async def get_chain(self, chain_id: str) -> ChainProgress:
        return await chains.get_progress(self, chain_id)

    async def list_chains(
        self, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        return await chains.list_chains(self, status, page_size, page_token)

    def watch_chain(self, chain_id: str, after_seq: int) -> AsyncIterator[ChainProgress]:
        return chains.watch(self, chain_id, after_seq)

    async def cancel_chain(self, chain_id: str) -> ChainProgress:
        return await chains.cancel(self, chain_id)

    # scaling (engine/scaling.py) ---------------------------------------------------------------

    async def scale_up(self, count: int) -> int:
        return await scaling.scale_up(self, count)

    async def scale_down(
        self, count: int, busy_timeout: float = scaling.DEFAULT_BUSY_TIMEOUT
    ) -> int:
        return await scaling.scale_down(self, count, busy_timeout)

    async def set_target_slots(self, target: int) -> int:
        return await scaling.set_target(self, target)

    # routing (engine/routing.py) ---------------------------------------------------------------

    async def route(self, prompt: str, config: routing.AutoConfig) -> tuple[routing.Route, int]:
        return await routing.route(self, prompt, config)

    async def auto(self, prompt: str, config: routing.AutoConfig) -> routing.AutoResult:
        return await routing.auto(self, prompt, config)

    async def execute_route(self, route: routing.Route) -> routing.AutoResult:
        return await routing.execute(self, route)

    # metrics (engine/metrics.py) ---------------------------------------------------------------

    async def session_metrics(self, flt: metrics.MetricsFilter) -> metrics.SessionMetrics:
        return await metrics.session_metrics(self, flt)

    # slots and pool ----------------------------------------------------------------------------

    async def find_slots(
        self, name: str = "", role: str = "", state: SlotState | None = None
    ) -> list[Slot]:
        return [
            slot
            for slot in await self.store.list_slots()
            if (not name or slot.config.name == name)
            and (not role or slot.config.role == role)
            and (state is None or slot.state is state)
        ]

    async def status(self) -> PoolStatus:
        slots = [s for s in await self.store.list_slots() if s.state is not SlotState.STOPPED]
        return PoolStatus(
            total_slots=len(slots),
            idle_slots=sum(s.state is SlotState.IDLE for s in slots),
            busy_slots=sum(s.state is SlotState.BUSY for s in slots),
            errored_slots=sum(s.state is SlotState.ERRORED for s in slots),
            counts=await self.store.task_counts(),
            budget=await self.store.get_budget(),
            budget_cap=self.settings.budget_micros,
            draining=self.draining,
            replicas=await self.store.live_replicas(),
        )

    async def drain(self, timeout: float) -> DrainSummary:
        """Refuse new work, wait for running tasks (cancelling them after `timeout`), stop slots."""
        if timeout < 0:
            raise InvalidArgument("timeout", "must not be negative")
        self.draining = True
        cancelled = await self._stop_workers(timeout)
        slots = await self.store.list_slots()
        return DrainSummary(
            total_cost_micros=sum(s.cost_micros for s in slots),
            total_tasks_completed=sum(s.tasks_completed for s in slots),
            tasks_cancelled=cancelled,
        )

    # context -----------------------------------------------------------------------------------

    def _check_key(self, key: str) -> None:
        if not key or len(key.encode()) > 128 or not set(key) <= CONTEXT_KEY_CHARS:
            raise InvalidArgument(
                "key", "must be 1-128 characters of letters, digits, '_', '-', '.', '/'"
            )

    async def set_context(self, key: str, value: str) -> ContextEntry:
        self._check_key(key)
        if len(value.encode()) > self.settings.max_context_value_bytes:
            raise InvalidArgument(
                "value", f"is larger than {self.settings.max_context_value_bytes} bytes"
            )
        return await self.store.set_context(key, value)

    async def get_context(self, key: str) -> ContextEntry:
        self._check_key(key)
        entry = await self.store.get_context(key)
        if entry is None:
            raise ContextNotFound(key)
        return entry

    async def delete_context(self, key: str) -> ContextEntry | None:
        self._check_key(key)
        return await self.store.delete_context(key)

    async def list_context(self, page_size: int, page_token: str) -> ContextPage:
        if page_size < 0:
            raise InvalidArgument("page_size", "must not be negative")
        return await self.store.list_context(min(page_size or 100, 1000), page_token)

    async def all_context(self) -> list[ContextEntry]:
        entries: list[ContextEntry] = []
        token = ""
        while True:
            page = await self.store.list_context(1000, token)
            entries.extend(page.entries)
            token = page.next_page_token
            if not token:
                return entries
