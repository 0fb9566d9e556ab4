"""Session metrics: aggregates of task outcomes, spend and timings over a filter.

Spend counts every run that cost money, failed ones included; the timing and turn figures are
over completed tasks only (a failed run's duration says little about the work).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime

from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.errors import InvalidArgument
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.tasks import Task, TaskQuery, TaskState

PAGE = 500


@dataclass(frozen=True)
class MetricsFilter:
    """Unset fields do not filter. Times compare with the task's submission time."""

    start_time: datetime | None = None
    end_time: datetime | None = None
    tags: tuple[str, ...] = ()
    model: str = ""


@dataclass(frozen=True)
class ModelMetrics:
    model: str
    tasks: int
    spend_micros: int
    avg_elapsed_seconds: float


@dataclass(frozen=True)
class SessionMetrics:
    counts: dict[TaskState, int]
    total_tasks: int = 0
    total_spend_micros: int = 0
    avg_cost_micros: int = 0
    max_cost_micros: int = 0
    avg_elapsed_seconds: float = 0.0
    median_elapsed_seconds: float = 0.0
    min_elapsed_seconds: float = 0.0
    max_elapsed_seconds: float = 0.0
    avg_turns: float = 0.0
    models: list[ModelMetrics] = field(default_factory=list)
    first_task_time: datetime | None = None


async def _matching(store: PoolStore, caller: Caller, flt: MetricsFilter) -> list[Task]:
    tasks: list[Task] = []
    token = ""
    while True:
        page = await store.list_tasks(
            TaskQuery(namespace=caller.namespace, tags=flt.tags, page_size=PAGE, page_token=token)
        )
        tasks.extend(
            t
            for t in page.tasks
            if (flt.start_time is None or t.create_time >= flt.start_time)
            and (flt.end_time is None or t.create_time < flt.end_time)
            and (not flt.model or (t.result is not None and t.result.model == flt.model))
        )
        token = page.next_page_token
        if not token:
            return tasks


async def session_metrics(store: PoolStore, caller: Caller, flt: MetricsFilter) -> SessionMetrics:
    """Aggregates over the caller's namespace's tasks that match the filter."""
    if flt.start_time and flt.end_time and flt.end_time <= flt.start_time:
        raise InvalidArgument("filter.end_time", "must be after filter.start_time")
    tasks = await _matching(store, caller, flt)
    counts = dict.fromkeys(TaskState, 0)
    for task in tasks:
        counts[task.state] += 1
    costs = [t.result.cost_micros for t in tasks if t.result is not None]
    completed = [t for t in tasks if t.state is TaskState.COMPLETED and t.result is not None]
    done_costs = [t.result.cost_micros for t in completed if t.result is not None]
    elapsed = [t.result.elapsed_seconds for t in completed if t.result is not None]
    turns = [t.result.turns for t in completed if t.result is not None]
    by_model: dict[str, list[Task]] = {}
    for task in tasks:
        if task.result is not None and task.result.model:
            by_model.setdefault(task.result.model, []).append(task)
    models = [
        ModelMetrics(
            model=name,
            tasks=len(group),
            spend_micros=sum(t.result.cost_micros for t in group if t.result),
            avg_elapsed_seconds=statistics.fmean(
                t.result.elapsed_seconds for t in group if t.result
            ),
        )
        for name, group in sorted(by_model.items())
    ]
    return SessionMetrics(
        counts=counts,
        total_tasks=len(tasks),
        total_spend_micros=sum(costs),
        avg_cost_micros=round(statistics.fmean(done_costs)) if done_costs else 0,
        max_cost_micros=max(costs, default=0),
        avg_elapsed_seconds=statistics.fmean(elapsed) if elapsed else 0.0,
        median_elapsed_seconds=statistics.median(elapsed) if elapsed else 0.0,
        min_elapsed_seconds=min(elapsed, default=0.0),
        max_elapsed_seconds=max(elapsed, default=0.0),
        avg_turns=statistics.fmean(turns) if turns else 0.0,
        models=models,
        first_task_time=min((t.create_time for t in tasks), default=None),
    )
