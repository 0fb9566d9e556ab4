"""Issue B/G figures: dispatch and first-output latency with the real CLI, memory vs Postgres.

    python -m bench.postgres_store [--runs 20]

One slot, the real bundled CLI against the stub API, a task at a time, watched over gRPC from
the moment SubmitTask returns. Four set-ups, their runs interleaved: {memory, postgres} store x
{warm, cold} slots. Per run:

- submit -> RUNNING: until the RUNNING state event arrives on the watch stream. This is dispatch
  (the idle slot's claim, the event written, the watcher woken and sent it): the RUNNING event is
  written when the task is claimed, before any CLI process is asked for anything, so no CLI spawn
  is in this figure, warm or cold.
- submit -> first text: until the first text delta arrives. Warm: dispatch plus one turn on the
  slot's running CLI process (stream-json input). Cold (`warm_slots=False`, a process per task):
  dispatch plus the CLI's start (process, SDK initialize handshake) and its first API turn.
- submit -> finished: until the `finished` event.

The first run of each set-up (a warm slot's process start) is left out. The control-plane
throughput that this bench printed before issue G is now bench.control_plane (statements per
task, a bare SKIP LOCKED loop and pgqueuer next to it).

PostgreSQL: CLAUDE_POOL_TEST_DATABASE_URL, else an embedded server (as the tests do).
Run by hand (never by pytest); record the output in BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.control_plane import Meter, pct
from claude_pool import PoolClient
from claude_pool.v1 import task_pb2
from claude_pool_server.config import ServerConfig
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.tasks import PermissionMode
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.server import RunningServer, start_server
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.store.postgres.store import PostgresStore
from tests.support.postgres import Databases, postgres_server
from tests.support.stub_anthropic import StubAnthropic


@dataclass
class Setup:
    name: str
    server: RunningServer
    running: list[float] = field(default_factory=list)
    first_text: list[float] = field(default_factory=list)
    finished: list[float] = field(default_factory=list)


async def start(store: PoolStore, stub: StubAnthropic, work: Path, warm: bool) -> RunningServer:
    home = work / f"home-{id(store)}"
    home.mkdir()
    settings = PoolSettings(
        slots=1, permission_mode=PermissionMode.DEFAULT, work_roots=(str(work),),
        default_working_dir=str(work),
    )  # fmt: skip
    config = ServerConfig(
        port=0, pool=settings, grace_seconds=2, warm_slots=warm, state_dir=str(home / "state"),
        cli_env={**stub.env(), "HOME": str(home)},
    )  # fmt: skip
    return await start_server(config, store=store)


async def one_run(setup: Setup, i: int, keep: bool) -> None:
    async with PoolClient(setup.server.address) as client:
        task = await client.submit(f"latency {i} [[reply:ok]]")
        submitted = time.monotonic()
        running = first_text = None
        async for event in client.watch(task.id):
            now = time.monotonic() - submitted
            if event.HasField("state_change") and (
                event.state_change.state == task_pb2.TASK_STATE_RUNNING
            ):
                running = now
            elif event.HasField("text_delta") and first_text is None:
                first_text = now
            elif event.HasField("finished"):
                assert event.finished.task.state == task_pb2.TASK_STATE_COMPLETED, event
                if keep and running is not None and first_text is not None:
                    setup.running.append(running)
                    setup.first_text.append(first_text)
                    setup.finished.append(now)
                return


def line(name: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"{name} p50 {statistics.median(ms):7.1f}  p95 {pct(ms, 0.95):7.1f}  max {max(ms):7.1f} ms"
    )


async def main(args: argparse.Namespace) -> None:
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}; load average: {os.getloadavg()}")
    with (
        postgres_server() as server_url,
        StubAnthropic() as stub,
        tempfile.TemporaryDirectory() as tmp,
    ):
        databases = Databases(server_url)
        await databases.prepare_template()
        work = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            setups: list[Setup] = []
            for warm in (True, False):
                for name in ("memory", "postgres"):
                    store: PoolStore = (
                        InMemoryStore()
                        if name == "memory"
                        else PostgresStore(await databases.create())
                    )
                    server = await start(store, stub, work, warm)
                    stack.push_async_callback(server.stop, 2)
                    setups.append(Setup(f"{name}, {'warm' if warm else 'cold'}", server))
            with Meter(None) as meter:
                for i in range(args.runs + 1):
                    for setup in setups:
                        await one_run(setup, i, keep=i > 0)
        usage = meter.usage
        print(
            f"one slot, real CLI, stub API, {args.runs} runs per set-up (after one warm-up), "
            f"interleaved; machine busy {usage.cpu_machine / usage.seconds:.2f} cores, of which "
            f"this process (servers, client, stub) {usage.cpu_self / usage.seconds:.2f}"
        )
        for setup in setups:
            print(f"{setup.name}:")
            print("  " + line("submit -> RUNNING (dispatch, no spawn)", setup.running))
            print("  " + line("submit -> first text                 ", setup.first_text))
            print("  " + line("submit -> finished                   ", setup.finished))
        print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args()))
