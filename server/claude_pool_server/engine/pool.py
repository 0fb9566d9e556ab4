"""Pool: the engine's wiring and its face to the API layer, one method per RPC.

Each capability is a service with explicit collaborators (the store, the settings, the task
service, the executor), built here and nowhere else; the methods below only pass the caller
on. The layers, top to bottom (an import-linter contract keeps them):

    pool
    routing · replicas
    chains · fan_out · scaling · supervisor
    slots
    slot_worker
    execution
    tasks · review · sessions · messaging · context · metrics
    policy · quotas · events · prompts · resolution · validation · settings
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass, replace
from typing import Any

from claude_pool_server.domain.budget import BudgetState
from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.chains import ChainOptions, ChainPage, ChainProgress, ChainStatus
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.errors import InvalidArgument, SlotNotFound
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.ports import ClaudeDriver, PoolStore, Workspaces
from claude_pool_server.domain.sessions import Session, SessionPage
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.domain.tasks import (
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskSpec,
    TaskState,
)
from claude_pool_server.engine.chains import ChainService
from claude_pool_server.engine.context import ContextService
from claude_pool_server.engine.execution import Executor
from claude_pool_server.engine.fan_out import FanOut, FanOutItem
from claude_pool_server.engine.messaging import MessageService
from claude_pool_server.engine.metrics import MetricsFilter, SessionMetrics, session_metrics
from claude_pool_server.engine.replicas import ReplicaKeeper
from claude_pool_server.engine.review import ReviewGate
from claude_pool_server.engine.routing import AutoConfig, AutoResult, Route, RoutingService
from claude_pool_server.engine.scaling import DEFAULT_BUSY_TIMEOUT, Scaler
from claude_pool_server.engine.sessions import SessionService
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.engine.slots import SlotRegistry
from claude_pool_server.engine.supervisor import Supervisor
from claude_pool_server.engine.tasks import TaskService

log = logging.getLogger(__name__)


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
    namespace: str
    warm_processes: int


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
        workspaces: Workspaces,
        replica_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.driver = driver
        self.replica_id = replica_id or new_id("replica")
        self.draining = False
        self.background: set[asyncio.Task[None]] = set()  # chain runners, supervisor

        def draining() -> bool:
            return self.draining

        self.sessions = SessionService(store, settings)
        self.tasks = TaskService(store, settings, self.sessions, draining)
        self.executor = Executor(store, driver, settings, self.sessions, workspaces)
        self.slots = SlotRegistry(
            store, self.executor, settings, workspaces, self.replica_id, draining
        )
        self.review = ReviewGate(self.tasks)
        self.fan = FanOut(self.tasks)
        self.chains = ChainService(
            store, self.tasks, settings, workspaces, self.replica_id, self.spawn
        )
        self.routing = RoutingService(
            self.tasks, self.executor, self.fan, self.chains, self.replica_id
        )
        self.messages = MessageService(store, settings)
        self.context = ContextService(store, settings)
        self.scaler = Scaler(self.slots, settings, draining)
        self.supervisor = Supervisor(self.slots, settings)
        self.replicas = ReplicaKeeper(
            store,
            settings,
            self.replica_id,
            self.slots,
            self.chains,
            draining,
            running=lambda: self.executor.in_flight,
        )

    # lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Register this replica and its slots, and start their workers."""
        await self.replicas.start()
        await self.slots.add(self.settings.slots)
        self.spawn(self.supervisor.run(), "supervisor")

    def spawn(self, work: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        """Run `work` in the background until it ends or the pool shuts down."""
        task = asyncio.create_task(work, name=name)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    @property
    def workers(self) -> dict[str, Any]:
        return self.slots.workers

    @property
    def healthy(self) -> bool:
        return self.replicas.healthy and not self.draining

    async def shutdown(self, grace_seconds: float) -> None:
        """Refuse new work, let running tasks finish within the grace period, then stop them."""
        self.draining = True
        for task in list(self.background):
            task.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self.background, return_exceptions=True), 5.0)
        await self.slots.stop_all(grace_seconds)
        await self.replicas.stop()

    # tasks -------------------------------------------------------------------------------------

    async def submit(self, caller: Caller, spec: TaskSpec, request_id: str = "") -> Task:
        return await self.tasks.submit(caller, spec, request_id)

    async def get_task(self, caller: Caller, task_id: str) -> Task:
        return await self.tasks.get(caller, task_id)

    async def list_tasks(self, caller: Caller, query: TaskQuery) -> TaskPage:
        return await self.tasks.list(caller, query)

    async def wait_task(self, caller: Caller, task_id: str, timeout: float) -> tuple[Task, bool]:
        return await self.tasks.wait(caller, task_id, timeout)

    async def run(self, caller: Caller, spec: TaskSpec, request_id: str = "") -> Task:
        task = await self.tasks.submit(caller, spec, request_id)
        settled, _ = await self.tasks.wait(caller, task.id, float("inf"))
        return settled

    def watch(self, caller: Caller, task_id: str, after_seq: int) -> AsyncIterator[TaskEvent]:
        return self.tasks.watch(caller, task_id, after_seq)

    async def cancel_task(
        self, caller: Caller, task_id: str, reason: str = "cancelled by client"
    ) -> Task:
        return await self.tasks.cancel(caller, task_id, reason)

    async def delete_task(self, caller: Caller, task_id: str) -> None:
        await self.tasks.delete(caller, task_id)

    async def claim_task(self, slot_id: str) -> Task | None:
        self.tasks.check_accepting()
        if await self.store.get_slot(slot_id) is None:
            raise SlotNotFound(slot_id)
        worker = self.slots.workers.get(slot_id)
        if worker is None:
            return None  # the slot belongs to another replica or is stopped
        return await worker.claim_now()

    async def approve_task(self, caller: Caller, task_id: str) -> Task:
        return await self.review.approve(caller, task_id)

    async def reject_task(self, caller: Caller, task_id: str, feedback: str) -> Task:
        return await self.review.reject(caller, task_id, feedback)

    # sessions ----------------------------------------------------------------------------------

    async def get_session(self, caller: Caller, session_id: str) -> Session:
        return await self.sessions.get(caller, session_id)

    async def list_sessions(self, caller: Caller, page_size: int, page_token: str) -> SessionPage:
        return await self.sessions.list(caller, page_size, page_token)

    async def delete_session(self, caller: Caller, session_id: str) -> None:
        await self.sessions.delete(caller, session_id)

    # fan-out and chains ------------------------------------------------------------------------

    async def fan_out(
        self, caller: Caller, specs: list[TaskSpec], request_id: str = ""
    ) -> list[FanOutItem]:
        return await self.fan.run(caller, specs, request_id)

    def fan_out_stream(
        self, caller: Caller, specs: list[TaskSpec], request_id: str = ""
    ) -> AsyncIterator[FanOutItem]:
        return self.fan.stream(caller, specs, request_id)

    async def submit_chain(
        self, caller: Caller, steps: Sequence[Any], options: ChainOptions, request_id: str = ""
    ) -> ChainProgress:
        return await self.chains.submit(caller, steps, options, request_id)

    async def fan_out_chains(
        self,
        caller: Caller,
        specs: Sequence[tuple[Sequence[Any], ChainOptions]],
        request_id: str = "",
    ) -> list[ChainProgress]:
        return await self.chains.fan_out(caller, specs, request_id)

    async def get_chain(self, caller: Caller, chain_id: str) -> ChainProgress:
        return await self.chains.get(caller, chain_id)

    async def list_chains(
        self, caller: Caller, status: ChainStatus | None, page_size: int, page_token: str
    ) -> ChainPage:
        return await self.chains.list(caller, status, page_size, page_token)

    def watch_chain(
        self, caller: Caller, chain_id: str, after_seq: int
    ) -> AsyncIterator[ChainProgress]:
        return self.chains.watch(caller, chain_id, after_seq)

    async def cancel_chain(self, caller: Caller, chain_id: str) -> ChainProgress:
        return await self.chains.cancel(caller, chain_id)

    # routing -----------------------------------------------------------------------------------

    async def route(self, caller: Caller, prompt: str, config: AutoConfig) -> tuple[Route, int]:
        return await self.routing.route(caller, prompt, config)

    async def auto(self, caller: Caller, prompt: str, config: AutoConfig) -> AutoResult:
        return await self.routing.auto(caller, prompt, config)

    async def execute_route(self, caller: Caller, route: Route) -> AutoResult:
        return await self.routing.execute(caller, route)

    # context and messages ----------------------------------------------------------------------

    async def set_context(self, caller: Caller, key: str, value: str) -> ContextEntry:
        return await self.context.set(caller, key, value)

    async def get_context(self, caller: Caller, key: str) -> ContextEntry:
        return await self.context.get(caller, key)

    async def delete_context(self, caller: Caller, key: str) -> ContextEntry | None:
        return await self.context.delete(caller, key)

    async def list_context(self, caller: Caller, page_size: int, page_token: str) -> ContextPage:
        return await self.context.list(caller, page_size, page_token)

    async def send_message(
        self, caller: Caller, from_slot_id: str, to_slot_id: str, content: str
    ) -> SlotMessage:
        return await self.messages.send(caller, from_slot_id, to_slot_id, content)

    async def broadcast_message(
        self, caller: Caller, from_slot_id: str, content: str
    ) -> list[SlotMessage]:
        return await self.messages.broadcast(caller, from_slot_id, content)

    async def read_messages(self, caller: Caller, slot_id: str) -> list[SlotMessage]:
        return await self.messages.read(caller, slot_id)

    async def peek_messages(self, caller: Caller, slot_id: str) -> list[SlotMessage]:
        return await self.messages.peek(caller, slot_id)

    async def count_messages(self, caller: Caller, slot_id: str) -> int:
        return await self.messages.count(caller, slot_id)

    # metrics -----------------------------------------------------------------------------------

    async def session_metrics(self, caller: Caller, flt: MetricsFilter) -> SessionMetrics:
        return await session_metrics(self.store, caller, flt)

    # slots and the pool ------------------------------------------------------------------------

    async def scale_up(self, count: int) -> int:
        return await self.scaler.scale_up(count)

    async def scale_down(self, count: int, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> int:
        return await self.scaler.scale_down(count, busy_timeout)

    async def set_target_slots(self, target: int) -> int:
        return await self.scaler.set_target(target)

    async def find_slots(
        self, caller: Caller, name: str = "", role: str = "", state: SlotState | None = None
    ) -> list[Slot]:
        """Slots are the pool's, visible to every caller; what they run is shown only to the
        caller whose namespace it belongs to."""
        found: list[Slot] = []
        for slot in await self.store.list_slots():
            if name and slot.config.name != name:
                continue
            if role and slot.config.role != role:
                continue
            if state is not None and slot.state is not state:
                continue
            found.append(await self._visible(caller, slot))
        return found

    async def _visible(self, caller: Caller, slot: Slot) -> Slot:
        if slot.current_task_id and slot.current_namespace != caller.namespace:
            slot = replace(slot, current_task_id="", current_namespace="")
        if slot.session_id:
            session = await self.store.get_session(slot.session_id)
            mine = (
                session is not None
                and session.namespace == caller.namespace
                and session.owner == caller.principal
            )
            if not mine:
                slot = replace(slot, session_id="")
        return slot

    def policy(self, caller: Caller) -> NamespacePolicy:
        return self.settings.policy_for(caller.namespace)

    async def status(self, caller: Caller) -> PoolStatus:
        slots = [s for s in await self.store.list_slots() if s.state is not SlotState.STOPPED]
        policy = self.settings.policy_for(caller.namespace)
        return PoolStatus(
            total_slots=len(slots),
            idle_slots=sum(s.state is SlotState.IDLE for s in slots),
            busy_slots=sum(s.state is SlotState.BUSY for s in slots),
            errored_slots=sum(s.state is SlotState.ERRORED for s in slots),
            counts=await self.store.task_counts(caller.namespace),
            budget=await self.store.get_budget(caller.namespace),
            budget_cap=policy.budget_micros
            if policy.budget_micros is not None
            else self.settings.budget_micros,
            draining=self.draining,
            replicas=len(await self.store.live_replica_ids()),
            namespace=caller.namespace,
            warm_processes=self.driver.warm_processes(),
        )

    async def drain(self, timeout: float) -> DrainSummary:
        """Refuse new work, wait for running tasks (cancelling them after `timeout`), stop slots."""
        if timeout < 0:
            raise InvalidArgument("timeout", "must not be negative")
        self.draining = True
        cancelled = await self.slots.stop_all(timeout)
        slots = [s for s in await self.store.list_slots() if s.replica_id == self.replica_id]
        return DrainSummary(
            total_cost_micros=sum(s.cost_micros for s in slots),
            total_tasks_completed=sum(s.tasks_completed for s in slots),
            tasks_cancelled=cancelled,
        )
