"""Issue B figures: the Postgres store next to the in-memory one, and a bare SKIP LOCKED loop.

    python -m bench.postgres_store [--tasks 400] [--slots 8] [--latency-runs 20]

1. control plane: N tasks submitted over gRPC and run by S slots with the in-process FakeDriver
   (no CLI), tasks/s, memory vs Postgres; next to a bare `SELECT ... FOR UPDATE SKIP LOCKED`
   claim-and-complete loop with S workers on the same Postgres (the ceiling), as a ratio.
2. submit -> CLI spawn: real CLI against the stub API, one idle slot; the time from SubmitTask
   returning to the RUNNING state event on a watch stream, p50/p95, memory vs Postgres.

PostgreSQL: CLAUDE_POOL_TEST_DATABASE_URL, else an embedded server (as the tests do).
Run by hand; record the output in BENCHMARKS.md with the command line and the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import asyncpg

from claude_pool import PoolClient
from claude_pool.v1 import task_pb2
from claude_pool_server.config import ServerConfig
from claude_pool_server.domain.ports import ClaudeDriver, PoolStore
from claude_pool_server.domain.tasks import PermissionMode
from claude_pool_server.driver.fake import FakeDriver, FakeReply
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.server import start_server
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.store.postgres.connection import asyncpg_dsn
from claude_pool_server.store.postgres.store import PostgresStore
from tests.support.postgres import Databases, postgres_server
from tests.support.stub_anthropic import StubAnthropic


def quick_reply(_request: object) -> FakeReply:
    return FakeReply(chunks=("ok",), cost_micros=1)


async def pool_throughput(store: PoolStore, tasks: int, slots: int, work: Path) -> float:
    settings = PoolSettings(
        slots=slots, max_slots=max(slots, 16), permission_mode=PermissionMode.DEFAULT,
        work_roots=(str(work),), default_working_dir=str(work), state_dir=str(work / "state"),
    )  # fmt: skip
    config = ServerConfig(port=0, pool=settings, grace_seconds=2)
    driver: ClaudeDriver = FakeDriver(reply=quick_reply)  # type: ignore[arg-type]
    server = await start_server(config, driver=driver, store=store)
    try:
        async with PoolClient(server.address) as client:
            started = time.monotonic()
            submitted = await asyncio.gather(*(client.submit(f"t{i}") for i in range(tasks)))
            await asyncio.gather(*(client.wait(t.id, 600) for t in submitted))
            return tasks / (time.monotonic() - started)
    finally:
        await server.stop(grace_seconds=2)


async def bare_skip_locked(url: str, tasks: int, workers: int) -> float:
    """The ceiling: insert N rows, then S workers claim (SKIP LOCKED) and complete them."""
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=workers, max_size=workers)
    try:
        await pool.execute(
            "CREATE TABLE bench_jobs (id bigserial PRIMARY KEY, state text NOT NULL)"
        )
        started = time.monotonic()
        await pool.executemany("INSERT INTO bench_jobs (state) VALUES ($1)", [("pending",)] * tasks)

        async def worker() -> None:
            while True:
                async with pool.acquire() as conn, conn.transaction():
                    job = await conn.fetchval(
                        "SELECT id FROM bench_jobs WHERE state = 'pending' ORDER BY id "
                        "LIMIT 1 FOR UPDATE SKIP LOCKED"
                    )
                    if job is None:
                        return
                    await conn.execute("UPDATE bench_jobs SET state = 'running' WHERE id = $1", job)
                async with pool.acquire() as conn:
                    await conn.execute("UPDATE bench_jobs SET state = 'done' WHERE id = $1", job)

        await asyncio.gather(*(worker() for _ in range(workers)))
        return tasks / (time.monotonic() - started)
    finally:
        await pool.close()


async def spawn_latency(
    store: PoolStore, stub: StubAnthropic, runs: int, work: Path
) -> list[float]:
    home = work / "home"
    home.mkdir(exist_ok=True)
    settings = PoolSettings(
        slots=1, permission_mode=PermissionMode.DEFAULT, work_roots=(str(work),),
        default_working_dir=str(work), state_dir=str(work / "state"),
    )  # fmt: skip
    config = ServerConfig(
        port=0, pool=settings, grace_seconds=2, cli_env={**stub.env(), "HOME": str(home)}
    )
    server = await start_server(config, store=store)
    latencies = []
    try:
        async with PoolClient(server.address) as client:
            for i in range(runs):
                task = await client.submit(f"latency {i} [[reply:ok]]")
                submitted = time.monotonic()
                async for event in client.watch(task.id):
                    if event.HasField("state_change") and (
                        event.state_change.state == task_pb2.TASK_STATE_RUNNING
                    ):
                        latencies.append(time.monotonic() - submitted)
                        break
                await client.wait(task.id)
    finally:
        await server.stop(grace_seconds=2)
    return latencies


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(args: argparse.Namespace) -> None:
    with postgres_server() as server_url:
        databases = Databases(server_url)
        await databases.prepare_template()
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            memory_rate = await pool_throughput(InMemoryStore(), args.tasks, args.slots, work)
            url = await databases.create()
            pg_rate = await pool_throughput(PostgresStore(url), args.tasks, args.slots, work)
            bare_rate = await bare_skip_locked(url, args.tasks, args.slots)
            print(f"control plane, {args.tasks} tasks, {args.slots} slots, FakeDriver over gRPC:")
            print(f"  memory store    {memory_rate:8.1f} tasks/s")
            print(f"  postgres store  {pg_rate:8.1f} tasks/s")
            print(f"  bare SKIP LOCKED claim+complete loop: {bare_rate:8.1f} jobs/s")
            print(f"  postgres store / bare loop = {pg_rate / bare_rate:.3f}")
            if args.latency_runs:
                with StubAnthropic() as stub:
                    mem = await spawn_latency(InMemoryStore(), stub, args.latency_runs, work)
                    url2 = await databases.create()
                    pg = await spawn_latency(PostgresStore(url2), stub, args.latency_runs, work)
                print(f"submit -> RUNNING (CLI spawn), idle slot, {args.latency_runs} runs:")
                for name, values in (("memory", mem), ("postgres", pg)):
                    print(
                        f"  {name:8s} p50 {statistics.median(values) * 1000:6.1f} ms"
                        f"  p95 {pct(values, 0.95) * 1000:6.1f} ms"
                    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=400)
    parser.add_argument("--slots", type=int, default=8)
    parser.add_argument("--latency-runs", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
