"""Issue B figure: how long after kill -9 of a replica its running task runs again elsewhere.

    python -m bench.redispatch [--runs 3] [--fast]

Two `claude-pool serve` processes on one PostgreSQL (real CLI, stub API). A slow task starts on
one of them; that replica is killed with SIGKILL; the time until the task is running again (its
attempt 2, claimed by the other replica) is measured. Default periods (heartbeat 5 s, lease
20 s), or with `--fast` the ones the tests use (heartbeat 0.5 s, lease 3 s).

PostgreSQL: CLAUDE_POOL_TEST_DATABASE_URL, else an embedded server (as the tests do).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from claude_pool.v1 import task_pb2
from tests.support.postgres import Databases, postgres_server
from tests.support.replicas import FAST_RECOVERY, serve_process
from tests.support.stub_anthropic import StubAnthropic


async def one_run(stub: StubAnthropic, database_url: str, extra: tuple[str, ...]) -> float:
    with (
        serve_process(stub, database_url, extra_args=extra) as a,
        serve_process(stub, database_url, extra_args=extra) as b,
    ):
        async with a.client() as on_a, b.client() as on_b:
            task = await on_a.submit("[[reply:done]] [[chunks:60]] [[slow:1]]")
            # polling a remote server: there is no local event to wait on
            while (await on_a.get(task.id)).state != task_pb2.TASK_STATE_RUNNING:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            owner = (await on_a.get(task.id)).slot_id
            victim, survivor = (a, on_b) if owner == "slot-0" else (b, on_a)
            victim.kill()
            killed_at = time.monotonic()
            while True:
                current = await survivor.get(task.id)
                if current.attempt == 2 and current.state == task_pb2.TASK_STATE_RUNNING:
                    return time.monotonic() - killed_at
                await asyncio.sleep(0.05)


async def main(args: argparse.Namespace) -> None:
    extra = FAST_RECOVERY if args.fast else ()
    times = []
    with postgres_server() as server_url, StubAnthropic() as stub:
        databases = Databases(server_url)
        await databases.prepare_template()
        for _ in range(args.runs):
            url = await databases.create()
            times.append(await one_run(stub, url, extra))
            await databases.drop(url)
    label = (
        "fast (heartbeat 0.5 s, lease 3 s)" if args.fast else "default (heartbeat 5 s, lease 20 s)"
    )
    print(f"periods: {label}")
    print(f"re-dispatch after kill -9: median {statistics.median(times):.1f}s  runs "
          f"{[round(t, 1) for t in times]}")  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fast", action="store_true")
    asyncio.run(main(parser.parse_args()))
