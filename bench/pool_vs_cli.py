"""Makespan of N trivial tasks through the pool (S slots, over gRPC) vs the same N run directly
with the CLI at concurrency S, both against the stub Messages API. Prints the ratio pool/direct.

    python -m bench.pool_vs_cli [--tasks 24] [--slots 4] [--repeat 3]

Run by hand; record the output in BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time

from claude_pool import PoolClient
from claude_pool.v1 import task_pb2
from claude_pool_server.driver.claude_cli import bundled_cli_path
from tests.support.live_server import live_server
from tests.support.stub_anthropic import StubAnthropic


async def direct_cli(stub: StubAnthropic, tasks: int, concurrency: int) -> float:
    """`claude -p PROMPT --output-format stream-json --verbose`, S processes at a time."""
    cli = bundled_cli_path()
    assert cli is not None
    gate = asyncio.Semaphore(concurrency)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, **stub.env(), "HOME": home}

        async def one(i: int) -> None:
            async with gate:
                process = await asyncio.create_subprocess_exec(
                    cli, "-p", f"bench task {i} [[reply:ok]]", "--output-format", "stream-json",
                    "--verbose", "--permission-mode", "default",
                    stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.DEVNULL, env=env, cwd=home,
                )  # fmt: skip
                out, _ = await process.communicate()
                assert b'"is_error":false' in out, out[-300:]

        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(tasks)))
        return time.monotonic() - started


async def through_pool(address: str, token: str, tasks: int) -> float:
    async with PoolClient(address, token=token) as pool:
        await pool.run("warm up [[reply:ok]]")
        started = time.monotonic()
        submitted = await asyncio.gather(
            *(pool.submit(f"bench task {i} [[reply:ok]]") for i in range(tasks))
        )
        finished = await asyncio.gather(*(pool.wait(t.id, timeout=600) for t in submitted))
        elapsed = time.monotonic() - started
    assert all(t.state == task_pb2.TASK_STATE_COMPLETED for t in finished)
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=24)
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--store", choices=["memory", "postgres"], default="memory")
    parser.add_argument(
        "--warm-slots",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve with warm slots (the server's default) or --no-warm-slots (a process per task)",
    )
    args = parser.parse_args()
    pool_times, direct_times = [], []
    extra = ["--max-concurrent-spawns", str(args.slots), "--store", args.store]
    extra.append("--warm-slots" if args.warm_slots else "--no-warm-slots")
    with live_server(slots=args.slots, extra_args=tuple(extra)) as server:
        for _ in range(args.repeat):
            direct_times.append(await direct_cli(server.stub, args.tasks, args.slots))
            pool_times.append(await through_pool(server.address, server.token, args.tasks))
    pool_median = statistics.median(pool_times)
    direct_median = statistics.median(direct_times)
    print(
        f"tasks={args.tasks} slots={args.slots} repeat={args.repeat} store={args.store}"
        f" warm_slots={args.warm_slots}"
    )
    direct_runs = [round(t, 2) for t in direct_times]
    pool_runs = [round(t, 2) for t in pool_times]
    print(f"direct CLI makespan: median {direct_median:.2f}s  runs {direct_runs}")
    print(f"pool makespan:       median {pool_median:.2f}s  runs {pool_runs}")
    print(f"ratio pool/direct:   {pool_median / direct_median:.3f}")


if __name__ == "__main__":
    asyncio.run(main())
