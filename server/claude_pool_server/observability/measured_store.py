"""MeasuredStore: a PoolStore that times every call and reads task metrics and spans off them.

Every task transition is one store call (domain/lifecycle.py), so the store is where a task's
life can be observed without the engine knowing: a submit, a claim (the queue wait ends, the
run starts), the first text delta, the run's report (its outcome, duration and cost). Each
call also gets a span, a child of whatever span is current (the RPC's, under tracing).

The trace a task belongs to is the caller's: the API layer keeps the `traceparent` of the
submitting call in the task's spec, so the queue-wait and run spans join the client's trace
on whichever replica runs the task.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from opentelemetry import propagate, trace
from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from claude_pool_server.domain.lifecycle import Change
from claude_pool_server.domain.ports import Claim, NextClaim, Notifier, PoolStore, RunReport
from claude_pool_server.domain.tasks import EventPayload, Task, TaskEvent, TaskState, TextDelta
from claude_pool_server.observability.metrics import PoolMetrics

tracer = trace.get_tracer("claude_pool_server")


def _ns(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000_000)


def task_context(task: Task) -> Any:
    """The OpenTelemetry context of the call that submitted `task` (empty when none)."""
    parent = task.spec.trace_parent
    return propagate.extract({"traceparent": parent}) if parent else None


@dataclass
class _Run:
    started: float  # monotonic
    span: Span
    namespace: str
    output_seen: bool = False


class MeasuredStore:
    def __init__(self, store: PoolStore, metrics: PoolMetrics) -> None:
        self._store = store
        self._metrics = metrics
        self._runs: dict[tuple[str, int], _Run] = {}  # (task id, attempt) -> its run

    @property
    def notifier(self) -> Notifier:
        return self._store.notifier

    @property
    def inner(self) -> PoolStore:
        return self._store

    def __getattr__(self, name: str) -> Any:
        """Any other store method, timed; wrapped once, then found without this hook."""
        attribute = getattr(self._store, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute
        timed = self._timed(name, attribute)
        setattr(self, name, timed)
        return timed

    def _timed(
        self, name: str, method: Callable[..., Coroutine[Any, Any, Any]]
    ) -> Callable[..., Coroutine[Any, Any, Any]]:
        histogram = self._metrics.store_seconds.labels(name)

        @functools.wraps(method)
        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            with tracer.start_as_current_span(f"store.{name}", kind=trace.SpanKind.CLIENT):
                try:
                    return await method(*args, **kwargs)
                except Exception as exc:
                    self._metrics.store_errors.labels(name, type(exc).__name__).inc()
                    raise
                finally:
                    histogram.observe(time.perf_counter() - started)

        return timed

    # the calls that carry a task's life -----------------------------------------------------

    async def submit_task(self, change: Change) -> Task:
        task: Task = await self._timed("submit_task", self._store.submit_task)(change)
        self._metrics.tasks_submitted.labels(task.namespace).inc()
        return task

    async def claim_task(self, *args: Any, **kwargs: Any) -> Claim:
        claim: Claim = await self._timed("claim_task", self._store.claim_task)(*args, **kwargs)
        if claim.task is not None:
            self._started(claim.task)
        return claim

    async def claim_task_by_id(self, *args: Any, **kwargs: Any) -> Task:
        task: Task = await self._timed("claim_task_by_id", self._store.claim_task_by_id)(
            *args, **kwargs
        )
        self._started(task)
        return task

    async def append_events(self, task_id: str, payloads: list[EventPayload]) -> list[TaskEvent]:
        events: list[TaskEvent] = await self._timed("append_events", self._store.append_events)(
            task_id, payloads
        )
        if events and any(isinstance(p, TextDelta) for p in payloads):
            for (running_id, _attempt), run in self._runs.items():
                if running_id == task_id and not run.output_seen:
                    run.output_seen = True
                    elapsed = time.monotonic() - run.started
                    self._metrics.first_output.labels(run.namespace).observe(elapsed)
                    run.span.add_event("first output")
        return events

    async def finish_run(self, report: RunReport) -> Task | None:
        stored: Task | None = await self._timed("finish_run", self._store.finish_run)(report)
        self._finished(report, stored)
        return stored

    async def finish_run_and_claim(
        self, report: RunReport, claim: NextClaim
    ) -> tuple[Task | None, Task | None]:
        timed = self._timed("finish_run_and_claim", self._store.finish_run_and_claim)
        stored, claimed = cast(tuple[Task | None, Task | None], await timed(report, claim))
        self._finished(report, stored)
        if claimed is not None:
            self._started(claimed)
        return stored, claimed

    def _finished(self, report: RunReport, stored: Task | None) -> None:
        key = (report.task_id, report.attempt)
        run = self._runs.pop(key, None)
        namespace = report.task.namespace if report.task is not None else ""
        state = stored.state if stored is not None else None
        result = report.result
        failure = result.failure.kind.value if result.failure is not None else ""
        label = state.value if state is not None else "stale"
        self._metrics.tasks_finished.labels(namespace, label, failure).inc()
        if stored is not None:
            self._metrics.spent.labels(namespace).inc(result.cost_micros)
        if run is not None:
            span = run.span
            elapsed = time.monotonic() - run.started
            self._metrics.run_seconds.labels(namespace, label).observe(elapsed)
            span.set_attribute("claude_pool.state", label)
            span.set_attribute("claude_pool.cost_micros", result.cost_micros)
            if state is TaskState.FAILED:
                span.set_status(Status(StatusCode.ERROR, failure or "failed"))
            span.end()

    def _started(self, task: Task) -> None:
        now = datetime.now(UTC)
        waited = (now - task.create_time).total_seconds()
        self._metrics.queue_wait.labels(task.namespace).observe(max(0.0, waited))
        context = task_context(task)
        attributes: dict[str, AttributeValue] = {
            "claude_pool.task_id": task.id,
            "claude_pool.namespace": task.namespace,
            "claude_pool.attempt": task.attempt,
            "claude_pool.slot_id": task.slot_id,
        }
        queued = tracer.start_span(
            "task.queue_wait", context=context, start_time=_ns(task.create_time),
            attributes=attributes,
        )  # fmt: skip
        queued.end(end_time=_ns(now))
        run = tracer.start_span("task.run", context=context, attributes=attributes)
        self._runs[(task.id, task.attempt)] = _Run(time.monotonic(), run, task.namespace)


def measured(store: PoolStore, metrics: PoolMetrics) -> PoolStore:
    """`store`, timed and observed; it still satisfies the PoolStore protocol."""
    return cast(PoolStore, MeasuredStore(store, metrics))
