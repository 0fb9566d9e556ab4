"""Issue G: what a text delta's path costs on this machine when it comes after a quiet spell.

    python -m bench.idle_floor [--rounds 300] [--gap-ms 10]

`bench.latency` paces deltas 10 ms apart, so every step of a delta's path (a task switch in the
event loop, a round trip to PostgreSQL, a committed write) starts on an idle machine. This
measures those steps alone, after `--gap-ms` of sleep and again at once, interleaved, on the
embedded PostgreSQL of the tests: the floor under the latency bench's figures, which no change
to the pool can lower. Run by hand; record the output in BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import asyncpg

from bench.control_plane import BenchPostgres, pct
from claude_pool_server.domain import lifecycle
from claude_pool_server.domain.budget import Limits
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.slots import Slot
from claude_pool_server.domain.tasks import Task, TaskSpec, TaskState, TextDelta
from claude_pool_server.store.postgres.connection import asyncpg_dsn
from claude_pool_server.store.postgres.store import PostgresStore

Step = Callable[[], Awaitable[object]]


async def _noop() -> None:
    return None


async def _measure(steps: dict[str, Step], rounds: int, gap: float) -> dict[str, list[float]]:
    """Milliseconds per step, `rounds` times: once after `gap` of idle, then at once again."""
    times: dict[str, list[float]] = {}
    for _ in range(rounds):
        for name, step in steps.items():
            await asyncio.sleep(gap)
            for label in (f"after {gap * 1000:g} ms idle", "again at once"):
                start = time.perf_counter()
                await step()
                times.setdefault(f"{name}, {label}", []).append(
                    (time.perf_counter() - start) * 1000
                )
    return times


async def main(args: argparse.Namespace) -> None:
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}; load average: {os.getloadavg()}")
    async with BenchPostgres.running() as pg:
        url = await pg.fresh()
        store = PostgresStore(url)
        await store.start()
        connection = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await connection.execute("CREATE TABLE floor (id bigserial PRIMARY KEY, v int)")
            replica = "floor-replica"
            await store.register_replica(replica)
            slot = Slot((await store.allocate_slot_ids(replica, 1))[0], replica_id=replica)
            task = Task(
                id=new_id("task"), state=TaskState.PENDING, prompt="x", spec=TaskSpec("x"),
                create_time=datetime.now(UTC), namespace="default", owner="floor",
            )  # fmt: skip
            await store.submit_task(lifecycle.submitted(task, Limits()))
            claimed = (await store.claim_task(slot, replica, 60.0)).task
            assert claimed is not None
            delta = [TextDelta("x", attempt=claimed.attempt)]
            steps: dict[str, Step] = {
                "asyncio task switch": lambda: asyncio.create_task(_noop()),
                "SELECT 1, one connection": lambda: connection.fetchval("SELECT 1"),
                "INSERT committed, one connection": lambda: connection.execute(
                    "INSERT INTO floor (v) VALUES (1)"
                ),
                "append one delta, the store": lambda: store.append_events(claimed.id, delta),
            }
            times = await _measure(steps, args.rounds, args.gap_ms / 1000)
        finally:
            await connection.close()
            await store.close()
    print(f"{args.rounds} rounds, each step after an idle gap and again at once, interleaved")
    for name, values in times.items():
        print(
            f"  {name:56s} p50 {pct(values, 0.5):6.3f} ms  p90 {pct(values, 0.9):6.3f}"
            f"  p99 {pct(values, 0.99):6.3f}"
        )
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--gap-ms", type=float, default=10.0)
    asyncio.run(main(parser.parse_args()))
