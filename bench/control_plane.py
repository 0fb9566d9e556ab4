"""Issue G: control-plane throughput, SQL statements per task and submit latency, side by side.

    python -m bench.control_plane [--tasks 1000] [--slots 8] [--submitters 50] [--rounds 3]
        [--only rpc-floor,pool-memory,pool-postgres,store-memory,store-postgres,drain-postgres,
                bare,pgqueuer-1,pgqueuer-10[,store-postgres-bitmap]]
        [--drain-workers 32] [--claim-without-skip-locked] [--json FILE]

One embedded PostgreSQL (tests/support/postgres.py, restarted once with pg_stat_statements
preloaded) serves every contender, each in a fresh database; the contenders run one after the
other, round after round, in a rotating order:

- rpc-floor: the same server (memory store) answering two GetTask calls per task and nothing
  else, from the same submitters: what two unary gRPC calls per task cost in this process, the
  ceiling of any store behind SubmitTask + WaitTask.
- pool-memory / pool-postgres: the gRPC server in this process with the instant in-process
  FakeDriver (no CLI) and S slots. `--submitters` coroutines send N SubmitTask calls over gRPC
  (one task each, a request_id each, as the Python client does) and, for every task, a WaitTask
  until it is COMPLETED; tasks/s is N over the time from the first submit to the last completion.
- store-memory / store-postgres: the store alone, as the engine calls it per task, without gRPC
  or the engine: the submitters call submit_task, S workers (woken in-process, as in bare) call
  claim_task, append_events (one text delta) and finish_run_and_claim (result, slot and session
  turn, and the slot's next task when there is one, as a slot worker reports its run).
- drain-postgres: as store-postgres, but the N tasks are queued first (not timed) and
  `--drain-workers` workers (32) then drain the backlog, claiming all the time: the shape where
  a claim without SKIP LOCKED queues behind the claim holding the oldest row
  (--claim-without-skip-locked).
- store-postgres-bitmap (only when named in --only): store-postgres with PostgreSQL's planner
  defaults on the store's connections instead of queries.SESSION_SETUP (bitmap scans allowed),
  to see what the claims' plan in pending-index order is worth.
- bare: the floor of a Postgres job queue, per job one INSERT, one claim (a single
  `UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`) and one completion
  UPDATE, each its own transaction; S workers on a connection each, woken in-process; inserts
  from the same number of submitters over a 10-connection pool (the store's size).
- pgqueuer-B: pgqueuer (pip package; 1.6.0 measured), S QueueManagers on a connection each,
  dequeue batch size B, enqueued one job per call by the same submitters. Skipped when pgqueuer
  is not installed (`pip install pgqueuer`).

Per contender: tasks/s (median of the rounds), submit latency p50/p99 (all rounds), the CPU of
this process and of PostgreSQL per task, this process's peak RSS, PostgreSQL's PSS, how busy the
machine was (all cores, and what other processes used), and the SQL statements the database
executed per task, counted by pg_stat_statements on the server side (every top-level statement
execution, BEGIN/COMMIT and the pool's connection-reset statements included), with a breakdown
and what they cost the server per task: time executing and WAL written.

`--claim-without-skip-locked` runs the Postgres store with `SKIP LOCKED` taken out of its claims
(queries.CLAIM_TASK and FINISH_AND_CLAIM, patched in this process only), to see what the
claims' SKIP LOCKED is worth (compare with a run without it, made right before or after).

Run by hand (never by pytest); record the output in BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import psutil
from google.protobuf import duration_pb2

from claude_pool.v1 import pool_service_pb2, pool_service_pb2_grpc, task_pb2
from claude_pool_server.config import ServerConfig
from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.budget import Limits
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.ports import ClaudeDriver, NextClaim, PoolStore, RunReport
from claude_pool_server.domain.sessions import SessionTurn
from claude_pool_server.domain.slots import Slot
from claude_pool_server.domain.tasks import (
    PermissionMode,
    Task,
    TaskResult,
    TaskSpec,
    TaskState,
    TextDelta,
)
from claude_pool_server.driver.fake import FakeDriver, FakeReply
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.server import RunningServer, start_server
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.store.postgres import queries as q
from claude_pool_server.store.postgres.connection import asyncpg_dsn
from claude_pool_server.store.postgres.store import PostgresStore
from tests.support.postgres import Databases, OwnPostgres, own_postgres, with_database

CONTENDERS = (
    "rpc-floor", "pool-memory", "pool-postgres", "store-memory", "store-postgres",
    "drain-postgres", "bare", "pgqueuer-1", "pgqueuer-10",
)  # fmt: skip
OPT_IN_CONTENDERS = ("store-postgres-bitmap",)  # run only when named in --only
WARM_UP_TASKS = 20
SETTLE_SECONDS = 0.2  # after the last completion, before reading the statement counters


# --- measuring -----------------------------------------------------------------------------------


def pct(values: list[float], q_: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q_ * (len(ordered) - 1)))]


def tree_cpu_seconds(pid: int) -> float:
    """CPU of a process and its children, the ones that exited included (the postmaster reaps
    its backends, so their time lands in its children_* counters)."""
    root = psutil.Process(pid)
    times = root.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in root.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child_times = child.cpu_times()
            total += child_times.user + child_times.system
    return total


def tree_pss_bytes(pid: int) -> int:
    root = psutil.Process(pid)
    total = 0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += process.memory_full_info().pss
    return total


def busy_seconds() -> float:
    """CPU seconds all cores spent on anything but idling."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


@dataclass
class Usage:
    seconds: float = 0.0
    cpu_self: float = 0.0  # this process (client and server alike)
    cpu_postgres: float = 0.0
    cpu_machine: float = 0.0  # all cores, every process
    rss_peak: int = 0  # this process
    pss_postgres: int = 0
    load_before: float = 0.0
    load_after: float = 0.0

    @property
    def cpu_others(self) -> float:
        return max(0.0, self.cpu_machine - self.cpu_self - self.cpu_postgres)


class Meter:
    """Wall time, CPU (this process, PostgreSQL, the machine), peak RSS over a block."""

    def __init__(self, postgres_pid: int | None) -> None:
        self.postgres_pid = postgres_pid
        self.usage = Usage()
        self._me = psutil.Process()
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.usage.rss_peak = max(self.usage.rss_peak, self._me.memory_info().rss)

    def _cpu_self(self) -> float:
        times = self._me.cpu_times()
        return times.user + times.system

    def __enter__(self) -> Meter:
        self.usage.load_before = os.getloadavg()[0]
        self.usage.rss_peak = self._me.memory_info().rss
        self._pg0 = tree_cpu_seconds(self.postgres_pid) if self.postgres_pid else 0.0
        self._self0 = self._cpu_self()
        self._machine0 = busy_seconds()
        self._sampler.start()
        self._t0 = time.monotonic()
        return self

    def __exit__(self, *exc: object) -> None:
        usage = self.usage
        usage.seconds = time.monotonic() - self._t0
        usage.cpu_self = self._cpu_self() - self._self0
        usage.cpu_machine = busy_seconds() - self._machine0
        if self.postgres_pid:
            usage.cpu_postgres = tree_cpu_seconds(self.postgres_pid) - self._pg0
            usage.pss_postgres = tree_pss_bytes(self.postgres_pid)
        usage.load_after = os.getloadavg()[0]
        self._stop.set()
        self._sampler.join()


# --- PostgreSQL with pg_stat_statements ----------------------------------------------------------


def shape(text: str) -> str:
    """A statement with its parameters and constants blanked, as pg_stat_statements keeps it."""
    text = re.sub(r"'(?:[^']|'')*'", "?", text)
    text = re.sub(r"\$\d+|\b\d+\b", "?", text)
    return " ".join(text.split())


QUERY_NAMES = {
    shape(value): name
    for name, value in vars(q).items()
    if name.isupper() and isinstance(value, str) and len(value) > 20
}


def statement_label(text: str) -> str:
    """A statement's name in queries.py, else its first words."""
    flat = shape(text)
    if flat in QUERY_NAMES:
        return QUERY_NAMES[flat]
    return flat if len(flat) <= 60 else flat[:57] + "..."


class BenchPostgres:
    """An embedded server with pg_stat_statements, and fresh migrated databases on it."""

    def __init__(self, server: OwnPostgres) -> None:
        self.server = server
        self.url = server.url
        self.databases = Databases(server.url)
        self.pid = int(server.server.get_pid())

    @classmethod
    @contextlib.asynccontextmanager
    async def running(cls) -> AsyncIterator[BenchPostgres]:
        with own_postgres() as server:
            await cls._preload(server.url)
            server.stop()
            server.start()
            bench = cls(server)
            await bench._prepare()
            yield bench

    @staticmethod
    async def _preload(url: str) -> None:
        admin = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await admin.execute("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
            await admin.execute("ALTER SYSTEM SET pg_stat_statements.track_utility = on")
            await admin.execute("ALTER SYSTEM SET pg_stat_statements.max = 10000")
        finally:
            await admin.close()

    async def _prepare(self) -> None:
        await self.databases.prepare_template()
        admin = await self._admin()
        try:
            await admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        finally:
            await admin.close()

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(asyncpg_dsn(with_database(self.url, "postgres")))

    async def settings(self) -> dict[str, str]:
        admin = await self._admin()
        try:
            names = ("server_version", "fsync", "synchronous_commit", "shared_buffers")
            return {n: await admin.fetchval(f"SHOW {n}") for n in names}
        finally:
            await admin.close()

    async def reset_statements(self) -> None:
        admin = await self._admin()
        try:
            await admin.execute("SELECT pg_stat_statements_reset()")
        finally:
            await admin.close()

    async def statements(self, url: str) -> tuple[Counter[str], Counter[str]]:
        """Executions per statement in the database of `url` since the last reset, and what
        they cost the server in all: execution time (ms), WAL records and WAL bytes."""
        database = url.rsplit("/", 1)[-1].split("?")[0]
        admin = await self._admin()
        try:
            rows = await admin.fetch(
                "SELECT s.query, s.calls, s.total_exec_time, s.wal_records, s.wal_bytes "
                "FROM pg_stat_statements s "
                "JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1",
                database,
            )
        finally:
            await admin.close()
        counts: Counter[str] = Counter()
        costs: Counter[str] = Counter()
        for row in rows:
            counts[statement_label(row["query"])] += row["calls"]
            costs["exec_ms"] += row["total_exec_time"]
            costs["wal_records"] += row["wal_records"]
            costs["wal_bytes"] += int(row["wal_bytes"])
        return counts, costs

    async def fresh(self) -> str:
        return await self.databases.create()

    async def drop(self, url: str) -> None:
        await self.databases.drop(url)


# --- the workload ------------------------------------------------------------------------------


@dataclass
class Outcome:
    name: str
    tasks: int
    usage: Usage
    submit_latencies: list[float] = field(default_factory=list)
    statements: Counter[str] = field(default_factory=Counter)
    costs: Counter[str] = field(default_factory=Counter)  # BenchPostgres.statements

    @property
    def rate(self) -> float:
        return self.tasks / self.usage.seconds


async def submit_all(
    tasks: int, submitters: int, submit: Callable[[int], Awaitable[None]]
) -> list[float]:
    """`tasks` submissions from `submitters` concurrent loops; the latency of each."""
    latencies: list[float] = []
    numbers = iter(range(tasks))

    async def loop() -> None:
        for i in numbers:
            started = time.perf_counter()
            await submit(i)
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(loop() for _ in range(submitters)))
    return latencies


def quick_reply(_request: object) -> FakeReply:
    return FakeReply(chunks=("ok",), cost_micros=1)


async def start_pool(store: PoolStore, slots: int, work: Path, **settings: Any) -> RunningServer:
    pool = PoolSettings(
        slots=slots, max_slots=max(slots, 16), permission_mode=PermissionMode.DEFAULT,
        work_roots=(str(work),), default_working_dir=str(work), **settings,
    )  # fmt: skip
    config = ServerConfig(port=0, pool=pool, grace_seconds=2, state_dir=str(work / "state"))
    driver: ClaudeDriver = FakeDriver(reply=quick_reply)  # type: ignore[arg-type]
    return await start_server(config, driver=driver, store=store)


class Client:
    """The generated stub, as the Python client uses it (a request_id per submit)."""

    def __init__(self, address: str) -> None:
        self.channel = grpc.aio.insecure_channel(address)
        self.stub = pool_service_pb2_grpc.PoolServiceStub(self.channel)

    async def submit(self, prompt: str, **spec: Any) -> task_pb2.Task:
        request = pool_service_pb2.SubmitTaskRequest(
            task=task_pb2.TaskSpec(prompt=prompt, **spec), request_id=str(uuid.uuid4())
        )
        response = await self.stub.SubmitTask(request)
        return response.task

    async def get(self, task_id: str) -> task_pb2.Task:
        response = await self.stub.GetTask(pool_service_pb2.GetTaskRequest(task_id=task_id))
        return response.task

    async def wait(self, task_id: str) -> task_pb2.Task:
        while True:
            request = pool_service_pb2.WaitTaskRequest(
                task_id=task_id, timeout=duration_pb2.Duration(seconds=60)
            )
            response = await self.stub.WaitTask(request, timeout=70)
            if response.done:
                return response.task

    async def close(self) -> None:
        await self.channel.close()


async def run_pool(
    name: str, store: PoolStore, args: argparse.Namespace, work: Path, pg: BenchPostgres | None
) -> Outcome:
    server = await start_pool(store, args.slots, work)
    client = Client(server.address)
    try:
        warm = await asyncio.gather(*(client.submit(f"warm {i}") for i in range(WARM_UP_TASKS)))
        for task in warm:
            await client.wait(task.id)
        known = warm[0].id
        if pg is not None:
            await pg.reset_statements()
        waits: list[asyncio.Task[task_pb2.Task]] = []

        async def submit(i: int) -> None:
            if name == "rpc-floor":  # two trivial calls per task, nothing queued or run
                await client.get(known)
                waits.append(asyncio.create_task(client.get(known)))
                return
            submitted = await client.submit(f"t{i}")
            waits.append(asyncio.create_task(client.wait(submitted.id)))

        with Meter(pg.pid if pg else None) as meter:
            latencies = await submit_all(args.tasks, args.submitters, submit)
            finished = await asyncio.gather(*waits)
        assert all(t.state == task_pb2.TASK_STATE_COMPLETED for t in finished)
        statements: Counter[str] = Counter()
        costs: Counter[str] = Counter()
        if pg is not None and isinstance(store, PostgresStore):
            await asyncio.sleep(SETTLE_SECONDS)
            statements, costs = await pg.statements(store.database_url)
        return Outcome(name, args.tasks, meter.usage, latencies, statements, costs)
    finally:
        await client.close()
        await server.stop(grace_seconds=2)


async def run_store(
    name: str, store: PoolStore, args: argparse.Namespace, pg: BenchPostgres | None
) -> Outcome:
    replica = "bench-replica"
    drain = name.startswith("drain-")
    workers = args.drain_workers if drain else args.slots
    await store.start()
    await store.register_replica(replica)
    await store.heartbeat(replica, 20.0, [])  # as the engine does every few seconds
    slots = [Slot(i, replica_id=replica) for i in await store.allocate_slot_ids(replica, workers)]
    available = asyncio.Semaphore(0)
    done = asyncio.Event()
    completed = 0

    async def work(slot: Slot, jobs: int) -> None:
        nonlocal completed
        task: Task | None = None
        while True:
            if task is None:
                await available.acquire()
                task = (await store.claim_task(slot, replica, 20.0)).task
                if task is None:  # its row is still being inserted or claimed: look again
                    available.release()
                    await asyncio.sleep(0.001)
                    continue
            await store.append_events(task.id, [TextDelta("ok", attempt=task.attempt)])
            session = str(uuid.uuid4())
            result = TaskResult(output="ok", success=True, cost_micros=1, session_id=session)
            turn = SessionTurn(session, b"turn", "fake-model", start_key="k", slot_id=slot.id)
            report = RunReport(task.id, task.attempt, result, slot, turn, task)
            # as a slot worker does: the report takes the slot's next task when there is one
            _, task = await store.finish_run_and_claim(report, NextClaim(replica, 20.0))
            if task is not None:
                await available.acquire()  # the submission it came from
            completed += 1
            if completed == jobs:
                done.set()

    async def submit(i: int) -> None:
        task = Task(
            id=new_id("task"), state=TaskState.PENDING, prompt=f"t{i}",
            spec=TaskSpec(prompt=f"t{i}"), create_time=datetime.now(UTC), namespace="default",
            owner="bench", request_id=str(uuid.uuid4()),
        )  # fmt: skip
        await store.submit_task(lifecycle.submitted(task, Limits()))
        available.release()

    try:
        for i in range(WARM_UP_TASKS):
            await submit(i)
        warm = [asyncio.create_task(work(s, WARM_UP_TASKS)) for s in slots]
        await done.wait()
        for worker in warm:
            worker.cancel()
        await asyncio.gather(*warm, return_exceptions=True)
        done.clear()
        completed = 0
        if pg is not None:
            await pg.reset_statements()
        if drain:
            latencies = await submit_all(args.tasks, args.submitters, submit)
            await asyncio.sleep(SETTLE_SECONDS)
            if pg is not None:
                await pg.reset_statements()
        with Meter(pg.pid if pg else None) as meter:
            consumers = [asyncio.create_task(work(s, args.tasks)) for s in slots]
            if not drain:
                latencies = await submit_all(args.tasks, args.submitters, submit)
            await done.wait()
        for consumer in consumers:
            consumer.cancel()
        await asyncio.gather(*consumers, return_exceptions=True)
        statements: Counter[str] = Counter()
        costs: Counter[str] = Counter()
        if pg is not None and isinstance(store, PostgresStore):
            await asyncio.sleep(SETTLE_SECONDS)
            statements, costs = await pg.statements(store.database_url)
        return Outcome(name, args.tasks, meter.usage, latencies, statements, costs)
    finally:
        await store.close()


async def keep_session(_connection: asyncpg.Connection) -> None:
    """No reset query on release (as PostgresStore does): a producer leaves nothing to undo."""


BARE_SCHEMA = """
CREATE TABLE bench_jobs (id bigserial PRIMARY KEY, state text NOT NULL DEFAULT 'pending',
                         payload jsonb NOT NULL);
CREATE INDEX bench_jobs_pending ON bench_jobs (id) WHERE state = 'pending';
"""
BARE_INSERT = "INSERT INTO bench_jobs (payload) VALUES ($1)"
BARE_CLAIM = """
UPDATE bench_jobs SET state = 'running'
WHERE id = (SELECT id FROM bench_jobs WHERE state = 'pending' ORDER BY id LIMIT 1
            FOR UPDATE SKIP LOCKED)
RETURNING id
"""
BARE_COMPLETE = "UPDATE bench_jobs SET state = 'done' WHERE id = $1"


async def run_bare(args: argparse.Namespace, pg: BenchPostgres, url: str) -> Outcome:
    dsn = asyncpg_dsn(url)
    setup = await asyncpg.connect(dsn)
    await setup.execute(BARE_SCHEMA)
    await setup.close()
    producers = await asyncpg.create_pool(dsn, min_size=10, max_size=10, reset=keep_session)
    workers = [await asyncpg.connect(dsn) for _ in range(args.slots)]
    available = asyncio.Semaphore(0)
    done = asyncio.Event()
    completed = 0
    try:

        async def work(conn: asyncpg.Connection, jobs: int) -> None:
            nonlocal completed
            while True:
                await available.acquire()
                job = await conn.fetchval(BARE_CLAIM)
                if job is None:  # its row is still being inserted or claimed: look again
                    available.release()
                    await asyncio.sleep(0.001)
                    continue
                await conn.execute(BARE_COMPLETE, job)
                completed += 1
                if completed == jobs:
                    done.set()

        async def submit(_i: int) -> None:
            await producers.execute(BARE_INSERT, '{"prompt": "t"}')
            available.release()

        for conn in workers:  # warm the prepared statements
            await conn.execute(BARE_COMPLETE, 0)
        await pg.reset_statements()
        consumers = [asyncio.create_task(work(c, args.tasks)) for c in workers]
        with Meter(pg.pid) as meter:
            latencies = await submit_all(args.tasks, args.submitters, submit)
            await done.wait()
        for consumer in consumers:
            consumer.cancel()
        await asyncio.gather(*consumers, return_exceptions=True)
        await asyncio.sleep(SETTLE_SECONDS)
        statements, costs = await pg.statements(url)
        return Outcome("bare", args.tasks, meter.usage, latencies, statements, costs)
    finally:
        for conn in workers:
            await conn.close()
        await producers.close()


async def run_pgqueuer(
    args: argparse.Namespace, pg: BenchPostgres, url: str, batch: int
) -> Outcome | None:
    try:
        from pgqueuer import AsyncpgDriver, AsyncpgPoolDriver, Queries, QueueManager
    except ImportError:
        return None
    dsn = asyncpg_dsn(url)
    setup = await asyncpg.connect(dsn)
    await Queries(AsyncpgDriver(setup)).install()
    await setup.close()
    done = asyncio.Event()
    completed = 0
    managers = []
    connections = []
    for _ in range(args.slots):
        conn = await asyncpg.connect(dsn)
        connections.append(conn)
        manager = QueueManager(Queries(AsyncpgDriver(conn)))

        @manager.entrypoint("bench")
        async def job(_job: object) -> None:
            nonlocal completed
            completed += 1
            if completed == args.tasks:
                done.set()

        managers.append(manager)
    producers = await asyncpg.create_pool(dsn, min_size=10, max_size=10, reset=keep_session)
    enqueue = Queries(AsyncpgPoolDriver(producers))
    running = [
        asyncio.create_task(m.run(batch_size=batch, dequeue_timeout=timedelta(seconds=30)))
        for m in managers
    ]
    try:
        await asyncio.sleep(1.0)  # every manager LISTENs
        await pg.reset_statements()

        async def submit(_i: int) -> None:
            await enqueue.enqueue("bench", b"t")

        with Meter(pg.pid) as meter:
            latencies = await submit_all(args.tasks, args.submitters, submit)
            await done.wait()
            for manager in managers:  # completions are logged when the managers stop
                manager.shutdown.set()
            await asyncio.gather(*running)
        statements, costs = await pg.statements(url)
        return Outcome(f"pgqueuer-{batch}", args.tasks, meter.usage, latencies, statements, costs)
    finally:
        for manager in managers:
            manager.shutdown.set()
        await asyncio.gather(*running, return_exceptions=True)
        await producers.close()
        for conn in connections:
            if not conn.is_closed():
                await conn.close()


async def run_with_default_planner(
    name: str, store: PostgresStore, args: argparse.Namespace, pg: BenchPostgres
) -> Outcome:
    """store-postgres with PostgreSQL's planner defaults (bitmap scans allowed), in place of
    the store's SESSION_SETUP for this run only."""
    setup = q.SESSION_SETUP
    q.SESSION_SETUP = "SET enable_bitmapscan = on"
    try:
        return await run_store(name, store, args, pg)
    finally:
        q.SESSION_SETUP = setup


async def run_one(
    name: str, args: argparse.Namespace, pg: BenchPostgres, work: Path
) -> Outcome | None:
    if name in ("pool-memory", "rpc-floor"):
        return await run_pool(name, InMemoryStore(), args, work, None)
    if name == "store-memory":
        return await run_store(name, InMemoryStore(), args, None)
    url = await pg.fresh()
    try:
        if name == "pool-postgres":
            return await run_pool(name, PostgresStore(url), args, work, pg)
        if name in ("store-postgres", "drain-postgres"):
            return await run_store(name, PostgresStore(url), args, pg)
        if name == "store-postgres-bitmap":
            return await run_with_default_planner(name, PostgresStore(url), args, pg)
        if name == "bare":
            return await run_bare(args, pg, url)
        if name.startswith("pgqueuer-"):
            return await run_pgqueuer(args, pg, url, int(name.split("-")[1]))
        raise ValueError(name)
    finally:
        await pg.drop(url)


# --- reporting ---------------------------------------------------------------------------------


def mib(value: float) -> str:
    return f"{value / 2**20:.0f}"


def report(outcomes: dict[str, list[Outcome]], args: argparse.Namespace) -> dict[str, Any]:
    summary: dict[str, Any] = {}
    print(
        f"\ncontrol plane: {args.tasks} tasks, {args.slots} slots, {args.submitters} submitters, "
        f"{args.rounds} rounds (median tasks/s; CPU ms per task: this process / PostgreSQL; "
        f"machine busy: cores in use, and of them other processes)"
    )
    header = (
        f"{'contender':21s} {'tasks/s':>8s} {'rounds':>24s} {'cpu self':>9s} {'cpu pg':>7s}"
        f" {'busy':>5s} {'other':>5s} {'rss MiB':>8s} {'pg PSS':>7s} {'stmts':>6s}"
        f" {'submit p50/p99 ms':>18s}"
    )
    print(header)
    for name, runs in outcomes.items():
        if not runs:
            continue
        rates = [r.rate for r in runs]
        tasks = sum(r.tasks for r in runs)
        seconds = sum(r.usage.seconds for r in runs)
        cpu_self = sum(r.usage.cpu_self for r in runs) / tasks * 1000
        cpu_pg = sum(r.usage.cpu_postgres for r in runs) / tasks * 1000
        busy = sum(r.usage.cpu_machine for r in runs) / seconds
        others = sum(r.usage.cpu_others for r in runs) / seconds
        rss = max(r.usage.rss_peak for r in runs)
        pss = max(r.usage.pss_postgres for r in runs)
        statements: Counter[str] = Counter()
        for run in runs:
            statements.update(run.statements)
        per_task = sum(statements.values()) / tasks if statements else float("nan")
        latencies = [x for r in runs for x in r.submit_latencies]
        p50, p99 = pct(latencies, 0.5) * 1000, pct(latencies, 0.99) * 1000
        rounds = " ".join(f"{x:.0f}" for x in rates)
        print(
            f"{name:21s} {statistics.median(rates):8.1f} {rounds:>24s} {cpu_self:9.2f}"
            f" {cpu_pg:7.2f} {busy:5.2f} {others:5.2f} {mib(rss):>8s} {mib(pss):>7s}"
            f" {per_task:6.2f} {p50:8.1f} / {p99:7.1f}"
        )
        summary[name] = {
            "tasks_per_second": statistics.median(rates),
            "rounds": rates,
            "cpu_ms_per_task_self": cpu_self,
            "cpu_ms_per_task_postgres": cpu_pg,
            "machine_busy_cores": busy,
            "other_processes_cores": others,
            "rss_peak_mib": rss / 2**20,
            "postgres_pss_mib": pss / 2**20,
            "statements_per_task": per_task,
            "submit_p50_ms": p50,
            "submit_p99_ms": p99,
            "statements": {k: v / tasks for k, v in statements.most_common()},
            "usage": [asdict(r.usage) for r in runs],
        }
    for name, runs in outcomes.items():
        statements = Counter()
        costs: Counter[str] = Counter()
        for run in runs:
            statements.update(run.statements)
            costs.update(run.costs)
        if not statements:
            continue
        tasks = sum(r.tasks for r in runs)
        total = sum(statements.values())
        print(
            f"\nstatements per task, {name} (pg_stat_statements, {total / tasks:.2f} in all;"
            f" per task {costs['exec_ms'] / tasks:.2f} ms executing,"
            f" {costs['wal_records'] / tasks:.1f} WAL records,"
            f" {costs['wal_bytes'] / tasks / 1024:.2f} KiB of WAL):"
        )
        summary.setdefault(name, {})["postgres_per_task"] = {k: v / tasks for k, v in costs.items()}
        for label, count in statements.most_common():
            if count / tasks >= 0.005:
                print(f"  {count / tasks:7.3f}  {label}")
    return summary


async def main(args: argparse.Namespace) -> dict[str, Any]:
    if args.claim_without_skip_locked:
        for name in ("CLAIM_TASK", "FINISH_AND_CLAIM"):  # every claim the store makes
            original = getattr(q, name)
            patched = original.replace("FOR UPDATE SKIP LOCKED", "FOR UPDATE")
            assert patched != original
            setattr(q, name, patched)
            QUERY_NAMES[shape(patched)] = f"{name} (without SKIP LOCKED)"
    names = [n for n in CONTENDERS + OPT_IN_CONTENDERS if n in args.only.split(",")]
    async with BenchPostgres.running() as pg:
        print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}; load average: {os.getloadavg()}")
        print(f"postgres: {await pg.settings()}; {psutil.cpu_count()} cores")
        outcomes: dict[str, list[Outcome]] = {n: [] for n in names}
        with tempfile.TemporaryDirectory() as tmp:
            for round_ in range(args.rounds):
                order = names[round_ % len(names) :] + names[: round_ % len(names)]
                for name in order:
                    outcome = await run_one(name, args, pg, Path(tmp))
                    if outcome is None:
                        print(f"  round {round_ + 1}: {name} skipped (pgqueuer is not installed)")
                        continue
                    outcomes[name].append(outcome)
                    print(
                        f"  round {round_ + 1}: {name:21s} {outcome.rate:8.1f} tasks/s"
                        f"  ({outcome.usage.seconds:.2f} s, load {outcome.usage.load_after:.2f})",
                        flush=True,
                    )
    summary = report(outcomes, args)
    print(f"\nload average at the end: {os.getloadavg()}")
    return summary


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--submitters", type=int, default=50)
    parser.add_argument("--drain-workers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default=",".join(CONTENDERS))
    parser.add_argument("--claim-without-skip-locked", action="store_true")
    parser.add_argument("--json", default="")
    arguments = parser.parse_args()
    figures = asyncio.run(main(arguments))
    if arguments.json:
        Path(arguments.json).write_text(json.dumps(figures, indent=1))
