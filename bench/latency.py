"""Issue G: text delta -> remote watcher latency, on one replica and across two replicas.

    python -m bench.latency [--tasks 10] [--deltas 100] [--interval-ms 10]

A bench-local driver (no CLI) emits a run's text deltas at known times: `--deltas` per task,
one every `--interval-ms`, each stamped with time.perf_counter() as it is handed to the engine.
A WatchTask client receives them over gRPC and stamps each on arrival; the latency is the
difference (one process, one clock). Three set-ups run side by side, their tasks interleaved:

- memory, one replica: the in-memory store, the watcher on the replica running the task;
- postgres, one replica: the Postgres store, the watcher on the replica running the task (the
  delta is written to the event log, the local waiter is woken, reads it back, sends it);
- postgres, two replicas: two servers on one database, the task pinned to a slot of replica A,
  the watcher on replica B (A writes the delta, B hears NOTIFY on its LISTEN connection and
  reads it back).

The watcher runs in a process of its own (`--watchers process`, as a remote client would: it
does not share the server's event loop and GIL; the arrival stamp is time.perf_counter() there,
CLOCK_MONOTONIC, one clock for the whole machine), in the bench's own process (`in-process`, the
set-up of the first measurements: the client's gRPC work runs on the server's loop), or both,
interleaved (`both`, the default). The embedded PostgreSQL is the tests'
(tests/support/postgres.py: CLAUDE_POOL_TEST_DATABASE_URL, else embedded).
Targets (issue G): p99 < 5 ms on one replica, p99 < 25 ms across two.
Run by hand (never by pytest); record the output in BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import psutil

from bench.control_plane import BenchPostgres, Meter, pct
from claude_pool.v1 import pool_service_pb2, pool_service_pb2_grpc, task_pb2
from claude_pool_server.config import ServerConfig
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.runs import RunEvent, RunOutcome, RunRequest
from claude_pool_server.domain.tasks import PermissionMode, TextDelta
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.server import RunningServer, start_server
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.store.postgres.store import PostgresStore


@dataclass
class PacedDriver:
    """Emits `deltas` text deltas `interval` apart once the bench says go, then succeeds."""

    deltas: int
    interval: float
    sent: dict[tuple[str, int], float] = field(default_factory=dict)
    go: dict[str, asyncio.Event] = field(default_factory=dict)

    def start(self, request: RunRequest) -> PacedRun:
        return PacedRun(self, request.task_id)

    def gate(self, task_id: str) -> asyncio.Event:
        return self.go.setdefault(task_id, asyncio.Event())

    async def cli_version(self) -> str:
        return "paced"

    def warm_processes(self) -> int:
        return 0

    async def close(self) -> None:
        return None


class PacedRun:
    def __init__(self, driver: PacedDriver, task_id: str) -> None:
        self._driver = driver
        self._task_id = task_id
        self._stopped = False

    async def stop(self) -> None:
        self._stopped = True

    async def events(self) -> AsyncGenerator[RunEvent, None]:
        driver = self._driver
        await driver.gate(self._task_id).wait()
        started = time.perf_counter()
        for i in range(driver.deltas):
            if self._stopped:
                break
            delay = started + i * driver.interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            driver.sent[(self._task_id, i)] = time.perf_counter()
            yield TextDelta(f"{i}")
        yield RunOutcome(True, "done", 1, 1, str(uuid.uuid4()), "paced", transcript=b"t")


@dataclass
class Setup:
    name: str
    run_on: RunningServer  # the replica that runs the tasks
    watch_on: RunningServer  # the replica the watcher talks to
    driver: PacedDriver
    slot_id: str
    watcher: WatcherProcess | None = None  # None: the watcher runs in this process
    latencies: list[float] = field(default_factory=list)


class WatcherProcess:
    """A watcher client in a process of its own (`--serve-watcher`): JSON lines on its stdin ask
    it to submit and watch one task; it says "go" when the task runs (the bench then lets the
    driver start) and sends back each delta's arrival time."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    async def start(cls) -> WatcherProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.latency", "--serve-watcher",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(process)

    async def one_task(self, setup: Setup) -> None:
        assert self._process.stdin is not None and self._process.stdout is not None
        request = {"run_on": setup.run_on.address, "watch_on": setup.watch_on.address,
                   "slot_id": setup.slot_id}  # fmt: skip
        self._process.stdin.write(json.dumps(request).encode() + b"\n")
        await self._process.stdin.drain()
        while True:
            line = await self._process.stdout.readline()
            if not line:
                raise RuntimeError("the watcher process ended")
            message = json.loads(line)
            if "go" in message:
                setup.driver.gate(message["go"]).set()
                continue
            for index, received in message["received"]:
                setup.latencies.append(received - setup.driver.sent[(message["done"], index)])
            return

    async def close(self) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        await self._process.wait()


async def start_replica(store: PoolStore, driver: PacedDriver, work: Path) -> RunningServer:
    settings = PoolSettings(
        slots=1, permission_mode=PermissionMode.DEFAULT, work_roots=(str(work),),
        default_working_dir=str(work),
    )  # fmt: skip
    config = ServerConfig(port=0, pool=settings, grace_seconds=2, state_dir=str(work / "state"))
    return await start_server(config, driver=driver, store=store)


async def submit_and_watch(
    run_on: str, watch_on: str, slot_id: str, go: Callable[[str], None]
) -> tuple[str, list[tuple[int, float]]]:
    """Submit a paced task on `run_on`, watch it on `watch_on`, call `go(task id)` when it runs;
    the arrival time of each text delta, by its index."""
    received: list[tuple[int, float]] = []
    async with (
        grpc.aio.insecure_channel(run_on) as run_channel,
        grpc.aio.insecure_channel(watch_on) as watch_channel,
    ):
        run_stub = pool_service_pb2_grpc.PoolServiceStub(run_channel)
        watch_stub = pool_service_pb2_grpc.PoolServiceStub(watch_channel)
        request = pool_service_pb2.SubmitTaskRequest(
            task=task_pb2.TaskSpec(prompt="paced", slot_id=slot_id), request_id=str(uuid.uuid4())
        )
        task = (await run_stub.SubmitTask(request)).task
        stream = watch_stub.WatchTask(pool_service_pb2.WatchTaskRequest(task_id=task.id))
        async for response in stream:
            event = response.event
            arrived = time.perf_counter()
            if event.HasField("state_change") and (
                event.state_change.state == task_pb2.TASK_STATE_RUNNING
            ):
                go(task.id)
            elif event.HasField("text_delta"):
                received.append((int(event.text_delta.text), arrived))
            elif event.HasField("finished"):
                break
    return task.id, received


async def one_task(setup: Setup) -> None:
    if setup.watcher is not None:
        await setup.watcher.one_task(setup)
        return
    task_id, received = await submit_and_watch(
        setup.run_on.address,
        setup.watch_on.address,
        setup.slot_id,
        lambda task_id: setup.driver.gate(task_id).set(),
    )
    for index, arrived in received:
        setup.latencies.append(arrived - setup.driver.sent[(task_id, index)])


async def serve_watcher() -> None:
    """The watcher process: one task per line on stdin, until stdin closes."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)

    def say(message: dict[str, object]) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    while line := await reader.readline():
        request = json.loads(line)
        task_id, received = await submit_and_watch(
            request["run_on"], request["watch_on"], request["slot_id"],
            lambda task_id: say({"go": task_id}),
        )  # fmt: skip
        say({"done": task_id, "received": received})


async def main(args: argparse.Namespace) -> None:
    interval = args.interval_ms / 1000
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}; load average: {os.getloadavg()}")
    async with (
        BenchPostgres.running() as pg,
        contextlib.AsyncExitStack() as stack,
    ):
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))

        async def replica(store: PoolStore) -> tuple[RunningServer, PacedDriver]:
            driver = PacedDriver(args.deltas, interval)
            server = await start_replica(store, driver, work)
            stack.push_async_callback(server.stop, 2)
            return server, driver

        def slot_of(server: RunningServer) -> str:
            return next(iter(server.app.pool.slots.workers))

        memory, memory_driver = await replica(InMemoryStore())
        one_url = await pg.fresh()
        pg_one, pg_one_driver = await replica(PostgresStore(one_url))
        two_url = await pg.fresh()
        pg_a, pg_a_driver = await replica(PostgresStore(two_url))
        pg_b, _ = await replica(PostgresStore(two_url))
        watcher = await WatcherProcess.start()
        stack.push_async_callback(watcher.close)
        setups = []
        for where, process in (("own process", watcher), ("in-process", None)):
            if args.watchers not in ("both", "process" if process else "in-process"):
                continue
            setups += [
                Setup(f"memory, one replica, watcher {where}", memory, memory, memory_driver,
                      slot_of(memory), process),
                Setup(f"postgres, one replica, watcher {where}", pg_one, pg_one, pg_one_driver,
                      slot_of(pg_one), process),
                Setup(f"postgres, two replicas, watcher {where}", pg_a, pg_b, pg_a_driver,
                      slot_of(pg_a), process),
            ]  # fmt: skip
        for setup in setups:  # warm up: prepared statements, codecs, LISTEN
            await one_task(setup)
            setup.latencies.clear()
        await pg.reset_statements()
        with Meter(pg.pid) as meter:
            for _ in range(args.tasks):
                for setup in setups:
                    await one_task(setup)
        statements = {url: await pg.statements(url) for url in (one_url, two_url)}
    usage = meter.usage
    print(
        f"text delta -> watcher, {args.tasks} tasks x {args.deltas} deltas every "
        f"{args.interval_ms} ms per set-up, interleaved; {psutil.cpu_count()} cores, machine busy "
        f"{usage.cpu_machine / usage.seconds:.2f} cores: this process "
        f"{usage.cpu_self / usage.seconds:.2f}, PostgreSQL "
        f"{usage.cpu_postgres / usage.seconds:.2f}, other processes "
        f"{usage.cpu_others / usage.seconds:.2f}; peak RSS "
        f"{usage.rss_peak / 2**20:.0f} MiB"
    )
    for setup in setups:
        values = [x * 1000 for x in setup.latencies]
        print(
            f"  {setup.name:48s} n={len(values):5d}  p50 {statistics.median(values):6.2f} ms"
            f"  p90 {pct(values, 0.9):6.2f}  p99 {pct(values, 0.99):6.2f}"
            f"  max {max(values):7.2f} ms"
        )
    deltas = args.tasks * args.deltas * (2 if args.watchers == "both" else 1)
    for name, url in (("postgres, one replica", one_url), ("postgres, two replicas", two_url)):
        counts = statements[url]
        top = ", ".join(f"{k} {v / deltas:.2f}" for k, v in counts.most_common(4))
        print(f"  statements per delta, {name}: {sum(counts.values()) / deltas:.2f} ({top})")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tasks", type=int, default=10)
    parser.add_argument("--deltas", type=int, default=100)
    parser.add_argument("--interval-ms", type=float, default=10.0)
    parser.add_argument("--watchers", choices=("both", "process", "in-process"), default="both")
    parser.add_argument("--serve-watcher", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    asyncio.run(serve_watcher() if arguments.serve_watcher else main(arguments))
