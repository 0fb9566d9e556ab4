"""The pool's Prometheus metrics, on a registry of their own, served by `--metrics-port`.

Names start with `claude_pool_`; durations are seconds, money is micro-dollars (1e-6 USD) as in
the API. Counters and histograms are observed as things happen; the gauges (tasks by state,
slots, warm processes, spend) come from a snapshot refreshed every few seconds, so a scrape
never waits on the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

# the runs of a pool take from under a second (warm processes) to many minutes
RUN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
REFRESH_SECONDS = 5.0


@dataclasses.dataclass
class Snapshot:
    """The gauges' values as of the last refresh."""

    tasks: dict[str, int] = dataclasses.field(default_factory=dict)  # state -> count (all)
    slots: dict[str, int] = dataclasses.field(default_factory=dict)  # state -> count (this replica)
    warm_processes: int = 0
    healthy: bool = True
    budget: dict[str, tuple[int, int, int | None]] = dataclasses.field(default_factory=dict)
    # namespace ("" = the whole pool) -> (spent, reserved, cap or None)


class PoolMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.rpc_requests = Counter(
            "claude_pool_rpc_requests", "RPCs answered, by method and status code",
            ["method", "code"], registry=r,
        )  # fmt: skip
        self.rpc_seconds = Histogram(
            "claude_pool_rpc_duration_seconds", "Time to answer an RPC (streams: their length)",
            ["method"], buckets=FAST_BUCKETS, registry=r,
        )  # fmt: skip
        self.tasks_submitted = Counter(
            "claude_pool_tasks_submitted", "Tasks submitted through this replica",
            ["namespace"], registry=r,
        )  # fmt: skip
        self.tasks_finished = Counter(
            "claude_pool_tasks_finished",
            "Runs reported by this replica, by the task's state after it and the failure kind",
            ["namespace", "state", "failure"], registry=r,
        )  # fmt: skip
        self.queue_wait = Histogram(
            "claude_pool_queue_wait_seconds", "From submit (or re-queue) to claim",
            ["namespace"], buckets=RUN_BUCKETS, registry=r,
        )  # fmt: skip
        self.run_seconds = Histogram(
            "claude_pool_run_duration_seconds", "From claim to the run's report",
            ["namespace", "state"], buckets=RUN_BUCKETS, registry=r,
        )  # fmt: skip
        self.first_output = Histogram(
            "claude_pool_time_to_first_output_seconds", "From claim to the first text delta",
            ["namespace"], buckets=RUN_BUCKETS, registry=r,
        )  # fmt: skip
        self.spent = Counter(
            "claude_pool_spent_micros", "Money runs reported by this replica cost (micro-USD)",
            ["namespace"], registry=r,
        )  # fmt: skip
        self.store_seconds = Histogram(
            "claude_pool_store_duration_seconds", "Time of one store call, by operation",
            ["operation"], buckets=FAST_BUCKETS, registry=r,
        )  # fmt: skip
        self.store_errors = Counter(
            "claude_pool_store_errors", "Store calls that failed, by operation and error",
            ["operation", "error"], registry=r,
        )  # fmt: skip
        self.snapshot = Snapshot()
        self._http: WSGIServer | None = None
        self.registry.register(_SnapshotCollector(self))

    def serve(self, port: int, host: str = "127.0.0.1") -> int:
        """Serve /metrics on `port` (0: any free one) in a thread; returns the port."""
        self._http, _thread = start_http_server(port, addr=host, registry=self.registry)
        return int(self._http.server_address[1])

    def close(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    def rpc(self, method: str, code: str, seconds: float) -> None:
        self.rpc_requests.labels(method, code).inc()
        self.rpc_seconds.labels(method).observe(seconds)


class _SnapshotCollector(Collector):
    def __init__(self, metrics: PoolMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterable[Metric]:
        snap = self._metrics.snapshot
        tasks = GaugeMetricFamily("claude_pool_tasks", "Tasks by state", labels=["state"])
        for state, count in sorted(snap.tasks.items()):
            tasks.add_metric([state], count)
        yield tasks
        slots = GaugeMetricFamily(
            "claude_pool_slots", "This replica's slots by state", labels=["state"]
        )
        for state, count in sorted(snap.slots.items()):
            slots.add_metric([state], count)
        yield slots
        yield GaugeMetricFamily(
            "claude_pool_warm_processes", "CLI processes kept running between tasks",
            value=snap.warm_processes,
        )  # fmt: skip
        yield GaugeMetricFamily(
            "claude_pool_healthy", "1 while this replica serves (health SERVING), else 0",
            value=1 if snap.healthy else 0,
        )  # fmt: skip
        spent = GaugeMetricFamily(
            "claude_pool_budget_spent_micros", "Money spent (micro-USD); namespace \"\" = pool",
            labels=["namespace"],
        )  # fmt: skip
        reserved = GaugeMetricFamily(
            "claude_pool_budget_reserved_micros", "Money reserved by unfinished tasks",
            labels=["namespace"],
        )  # fmt: skip
        cap = GaugeMetricFamily(
            "claude_pool_budget_cap_micros", "The budget cap, where there is one",
            labels=["namespace"],
        )  # fmt: skip
        for namespace, (spent_micros, reserved_micros, cap_micros) in sorted(snap.budget.items()):
            spent.add_metric([namespace], spent_micros)
            reserved.add_metric([namespace], reserved_micros)
            if cap_micros is not None:
                cap.add_metric([namespace], cap_micros)
        yield spent
        yield reserved
        yield cap


class SnapshotRefresher:
    """Refreshes `metrics.snapshot` every few seconds from `read()`. A read that does not come
    back (a stalled database) is waited for, never stacked: the gauges keep their last values,
    and `claude_pool_healthy` (set directly on health changes) tells why."""

    def __init__(
        self,
        metrics: PoolMetrics,
        read: Callable[[], Coroutine[Any, Any, Snapshot]],
        interval: float = REFRESH_SECONDS,
    ) -> None:
        self._metrics = metrics
        self._read = read
        self._interval = interval
        self._task: asyncio.Task[None] | None = None
        self._reading: asyncio.Task[Snapshot] | None = None

    async def refresh(self) -> None:
        if self._reading is None or self._reading.done():
            self._reading = asyncio.create_task(self._read(), name="metrics-read")
        done, _ = await asyncio.wait({self._reading}, timeout=self._interval)
        if done:
            healthy = self._metrics.snapshot.healthy
            self._metrics.snapshot = dataclasses.replace(self._reading.result(), healthy=healthy)

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="metrics-snapshot")

    async def _loop(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception as exc:  # noqa: BLE001 - metrics must never take the server down
                log.debug("metrics snapshot failed: %r", exc)
            await asyncio.sleep(self._interval)

    async def stop(self) -> None:
        for task in (self._task, self._reading):
            if task is not None:
                task.cancel()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
