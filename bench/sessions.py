"""Sessions (issue E): what a follow-up costs, and what a waiting CLI process holds.

    python -m bench.sessions [--follow-ups 20] [--spares 0,2,4]

1. follow-up latency: a task, then `continue_from` it; submit -> first text delta of the
   follow-up, median and p90, (a) on the warm process that holds the session (the pool prefers
   it) and (b) when it must be resumed from the stored transcript (another process: the holder is
   busy with a slow task), next to (c) a new session on a warm process, interleaved;
2. memory: the resident set (RSS, and PSS where /proc has it) of each idle CLI process a server
   keeps with `--spare-processes N`, for the N given, to choose the default.

Real bundled CLI against the stub API, in-process server, memory store. Run by hand; record the
output in BENCHMARKS.md with the command line and the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from claude_pool import PoolClient, task_spec
from claude_pool_server.config import ServerConfig
from claude_pool_server.domain.tasks import PermissionMode
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.server import RunningServer, start_server
from tests.conftest import cli_processes
from tests.support.stub_anthropic import StubAnthropic


async def start(stub: StubAnthropic, work: Path, slots: int, spares: int) -> RunningServer:
    home = work / "home"
    home.mkdir(exist_ok=True)
    settings = PoolSettings(
        slots=slots, permission_mode=PermissionMode.DEFAULT, work_roots=(str(work),),
        default_working_dir=str(work),
    )  # fmt: skip
    config = ServerConfig(
        port=0, pool=settings, grace_seconds=2, cli_env={**stub.env(), "HOME": str(home)},
        state_dir=str(work / "state"), spare_processes=spares,
    )  # fmt: skip
    return await start_server(config)


async def first_delta(client: PoolClient, spec: object) -> float:
    started = time.perf_counter()
    task = await client.submit(spec)  # type: ignore[arg-type]
    async for event in client.watch(task.id):
        if event.HasField("text_delta"):
            elapsed = time.perf_counter() - started
            await client.wait(task.id, 60)
            return elapsed
    raise AssertionError("no text came")


async def follow_ups(stub: StubAnthropic, work: Path, rounds: int) -> dict[str, list[float]]:
    server = await start(stub, work, slots=2, spares=0)
    found: dict[str, list[float]] = {"warm holder": [], "resumed": [], "new session": []}
    try:
        async with PoolClient(server.address) as client:
            for i in range(3):  # start both processes
                await client.run(f"warm up {i}")
            for i in range(rounds):
                first = await client.run(f"remember {i} [[reply:noted {i}]]")
                follow = task_spec("what was it? [[recall]] [[chunks:2]]", continue_from=first.id)
                found["warm holder"].append(await first_delta(client, follow))
                found["new session"].append(await first_delta(client, f"new {i} [[chunks:2]]"))
                # occupy the holder, so the follow-up must resume the transcript elsewhere
                other = await client.run(f"another {i} [[reply:kept {i}]]")
                busy = await client.submit(
                    task_spec("busy [[slow:0.3]] [[chunks:6]]", continue_from=other.id)
                )
                follow = task_spec("and it? [[recall]] [[chunks:2]]", continue_from=first.id)
                found["resumed"].append(await first_delta(client, follow))
                await client.wait(busy.id, 60)
    finally:
        await server.stop(grace_seconds=2)
    return found


def memory_of(pids: list[int]) -> tuple[float, float]:
    """Mean RSS and PSS (MiB) of the processes and their children (bwrap wraps the CLI)."""
    rss: list[float] = []
    pss: list[float] = []
    for pid in pids:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        fields = {
            line.split(":")[0]: int(line.split()[1])
            for line in rollup.splitlines()[1:]
            if line.split()[-1] == "kB"
        }
        rss.append(fields.get("Rss", 0) / 1024)
        pss.append(fields.get("Pss", 0) / 1024)
    return (statistics.mean(rss) if rss else 0.0, statistics.mean(pss) if pss else 0.0)


async def waiting_memory(stub: StubAnthropic, work: Path, spares: int) -> tuple[int, float, float]:
    before = set(cli_processes())
    server = await start(stub, work, slots=1, spares=spares)
    try:
        async with PoolClient(server.address) as client:
            await client.run("warm up")
            await asyncio.sleep(3)  # spares start in the background
            pids = [p for p in cli_processes() if p not in before]
            rss, pss = memory_of(pids)
            return len(pids), rss, pss
    finally:
        await server.stop(grace_seconds=2)


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return f"median {statistics.median(values) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms"


async def main(rounds: int, spares: list[int]) -> None:
    with StubAnthropic() as stub, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        found = await follow_ups(stub, work, rounds)
        print(f"submit -> first text delta, {rounds} rounds, interleaved:")
        for name, values in found.items():
            print(f"  {name:12s} {summary(values)}")
        print("idle CLI processes (one slot + N spares), each:")
        for count in spares:
            processes, rss, pss = await waiting_memory(stub, work, count)
            print(f"  spares={count}: {processes} processes, RSS {rss:.0f} MiB, PSS {pss:.0f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--follow-ups", type=int, default=20)
    parser.add_argument("--spares", default="0,2,4")
    args = parser.parse_args()
    asyncio.run(main(args.follow_ups, [int(n) for n in args.spares.split(",")]))
