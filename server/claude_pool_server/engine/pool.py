"""Pool: the engine's entry point. The API layer calls one Pool method per RPC."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from claude_pool_server.domain.budget import BudgetChange, BudgetState
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.errors import (
    ContextNotFound,
    IllegalState,
    InvalidArgument,
    PoolDraining,
    SlotNotFound,
    TaskNotFound,
)
from claude_pool_server.domain.ids import new_id
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
from claude_pool_server.engine import validation
from claude_pool_server.engine.events import watch_events
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

    # lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Register this replica's slots and start their workers."""
        for index in range(self.settings.slots):
            config = (
                self.settings.slot_configs[index]
                if index < len(self.settings.slot_configs)
                else None
            )
            slot = Slot(f"slot-{index}", replica_id=self.replica_id)
            if config is not None:
                slot = dataclasses.replace(slot, config=config)
            await self.store.put_slot(slot)
            self._start_worker(slot.id)

    def _start_worker(self, slot_id: str) -> None:
        worker = SlotWorker(self, slot_id)
        self.workers[slot_id] = worker
        worker.start()

    async def shutdown(self, grace_seconds: float) -> None:
        """Refuse new work, let running tasks finish within the grace period, then stop them."""
        self.draining = True
        await self._stop_workers(grace_seconds)

    async def _stop_workers(self, grace_seconds: float) -> int:
        for worker in self.workers.values():
            await worker.stop()
        cancelled = 0
        deadline = time.monotonic() + grace_seconds
        while any(w.busy for w in self.workers.values()) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for worker in self.workers.values():
            if worker.busy and worker.current_task_id:
                await self.cancel_task(worker.current_task_id, reason="server shutting down")
                cancelled += 1
        for worker in self.workers.values():
            await worker.wait_idle()
        while any(w.busy for w in self.workers.values()):
            await asyncio.sleep(0.05)
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
            replicas=1,
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
