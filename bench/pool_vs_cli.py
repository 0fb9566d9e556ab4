"""Makespan of N trivial tasks through the pool (S slots, over gRPC) vs the same N run by the CLI
at concurrency S, against the stub Messages API, round after round, the contenders interleaved.

    python -m bench.pool_vs_cli [--tasks 24] [--slots 4] [--repeat 4] [--no-warm-slots]
        [--stores memory,postgres]

Contenders, each round in this order:

- direct: `claude -p PROMPT --output-format stream-json --verbose`, one process per task, S at
  a time (what a script without the pool does);
- stream-json: the fair peer of warm slots: S long-lived CLI processes started in round 1
  (`claude -p --input-format stream-json --output-format stream-json --verbose`), each fed its
  share of the prompts on stdin one after another, a result line ending each (one process per
  slot, as the pool's warm processes). They keep their conversation growing, where the pool
  starts each task in a new session (`/clear`, run in the background between tasks);
- pool-memory / pool-postgres: a `claude-pool serve` process per store (both up for the whole
  run; the Postgres one on a fresh database of the tests' embedded server), N SubmitTask then
  N WaitTask over gRPC (plaintext, no injected faults). Warm slots unless --no-warm-slots.

Round 1 starts processes (the peer's, the pool's warm ones) and is reported on its own; the
steady state is the median of the other rounds. Per contender: makespan, CPU per task of the
contender's processes (the CLIs; a server with its CLIs and sandbox; the stub API, which runs in
this process, is not counted), the peak of their summed RSS, and the machine's busy cores.
Targets: pool/direct ≤ 1.05 (issue A); pool-postgres ≤ 1.1 x pool-memory (issue G).
Run by hand (never by pytest); record the output in BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import psutil

from bench.control_plane import busy_seconds, tree_cpu_seconds
from claude_pool import PoolClient
from claude_pool.v1 import task_pb2
from claude_pool_server.driver.claude_cli import bundled_cli_path
from tests.support.live_server import LiveServer, live_server
from tests.support.postgres import Databases, postgres_server
from tests.support.stub_anthropic import StubAnthropic


@dataclass
class Batch:
    seconds: float
    cpu: float  # CPU seconds of the contender's processes
    rss_peak: int  # peak of their summed RSS
    busy: float  # machine CPU seconds, every process


@dataclass
class Contender:
    name: str
    batches: list[Batch] = field(default_factory=list)


class RssPeak:
    """Samples the summed RSS of `pids()` every 100 ms in a thread; keeps the peak."""

    def __init__(self, pids: Callable[[], list[int]]) -> None:
        self._pids = pids
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while True:
            total = 0
            for pid in self._pids():
                with contextlib.suppress(psutil.Error):
                    total += psutil.Process(pid).memory_info().rss
            self.peak = max(self.peak, total)
            if self._stop.wait(0.1):
                return

    def __enter__(self) -> RssPeak:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def tree(pid: int) -> list[int]:
    with contextlib.suppress(psutil.Error):
        return [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]
    return []


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def direct_cli(stub: StubAnthropic, tasks: int, concurrency: int, home: str) -> Batch:
    """`claude -p PROMPT --output-format stream-json --verbose`, S processes at a time."""
    cli = bundled_cli_path()
    assert cli is not None
    gate = asyncio.Semaphore(concurrency)
    env = {**os.environ, **stub.env(), "HOME": home}
    live: set[int] = set()

    async def one(i: int) -> None:
        async with gate:
            process = await asyncio.create_subprocess_exec(
                cli, "-p", f"bench task {i} [[reply:ok]]", "--output-format", "stream-json",
                "--verbose", "--permission-mode", "default",
                stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL, env=env, cwd=home,
            )  # fmt: skip
            live.add(process.pid)
            out, _ = await process.communicate()
            live.discard(process.pid)
            assert b'"is_error":false' in out, out[-300:]

    cpu0, busy0 = children_cpu(), busy_seconds()
    with RssPeak(lambda: [p for pid in list(live) for p in tree(pid)]) as rss:
        started = time.monotonic()
        await asyncio.gather(*(one(i) for i in range(tasks)))
        seconds = time.monotonic() - started
    return Batch(seconds, children_cpu() - cpu0, rss.peak, busy_seconds() - busy0)


class StreamJsonPeer:
    """S CLI processes in stream-json input mode, each fed prompts one after another."""

    def __init__(self, stub: StubAnthropic, slots: int, home: str) -> None:
        self.stub = stub
        self.slots = slots
        self.home = home
        self.processes: list[asyncio.subprocess.Process] = []
        self.cpu_seen = 0.0  # CPU of processes that are gone, and of the live ones so far

    async def start(self) -> None:
        cli = bundled_cli_path()
        assert cli is not None
        env = {**os.environ, **self.stub.env(), "HOME": self.home}
        command = [
            cli, "-p", "--input-format", "stream-json", "--output-format", "stream-json",
            "--verbose", "--permission-mode", "default",
        ]  # fmt: skip
        for _ in range(self.slots):
            process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
                env=env,
                cwd=self.home,
                limit=16 * 2**20,
            )
            self.processes.append(process)

    def pids(self) -> list[int]:
        return [p for process in self.processes for p in tree(process.pid)]

    def cpu(self) -> float:
        total = 0.0
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                total += tree_cpu_seconds(process.pid)
        return total

    @staticmethod
    async def ask(process: asyncio.subprocess.Process, prompt: str) -> None:
        assert process.stdin is not None and process.stdout is not None
        message = {"type": "user", "message": {"role": "user", "content": prompt}}
        process.stdin.write((json.dumps(message) + "\n").encode())
        await process.stdin.drain()
        while True:
            line = await process.stdout.readline()
            if not line:
                raise RuntimeError("a stream-json CLI process exited")
            if b'"result"' in line and json.loads(line).get("type") == "result":
                assert b'"is_error":false' in line, line[-300:]
                return

    async def batch(self, tasks: int) -> Batch:
        prompts = iter(range(tasks))

        async def slot(process: asyncio.subprocess.Process) -> None:
            for i in prompts:
                await self.ask(process, f"bench task {i} [[reply:ok]]")

        busy0 = busy_seconds()
        cpu0 = self.cpu() if self.processes else 0.0
        with RssPeak(self.pids) as rss:
            started = time.monotonic()
            if not self.processes:
                await self.start()
            await asyncio.gather(*(slot(p) for p in self.processes))
            seconds = time.monotonic() - started
        return Batch(seconds, self.cpu() - cpu0, rss.peak, busy_seconds() - busy0)

    async def close(self) -> None:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.close()
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            await process.wait()


async def through_pool(server: LiveServer, tasks: int) -> Batch:
    pid = server.process.pid
    cpu0, busy0 = tree_cpu_seconds(pid), busy_seconds()
    async with PoolClient(server.address, token=server.token) as pool:
        with RssPeak(lambda: tree(pid)) as rss:
            started = time.monotonic()
            submitted = await asyncio.gather(
                *(pool.submit(f"bench task {i} [[reply:ok]]") for i in range(tasks))
            )
            finished = await asyncio.gather(*(pool.wait(t.id, timeout=600) for t in submitted))
            seconds = time.monotonic() - started
    assert all(t.state == task_pb2.TASK_STATE_COMPLETED for t in finished), finished
    return Batch(seconds, tree_cpu_seconds(pid) - cpu0, rss.peak, busy_seconds() - busy0)


@contextlib.contextmanager
def pool_servers(args: argparse.Namespace) -> Iterator[dict[str, LiveServer]]:
    extra = ["--max-concurrent-spawns", str(args.slots)]
    extra.append("--warm-slots" if args.warm_slots else "--no-warm-slots")
    stores = args.stores.split(",")
    with contextlib.ExitStack() as stack:
        servers: dict[str, LiveServer] = {}
        if "memory" in stores:
            servers["pool-memory"] = stack.enter_context(
                live_server(args.slots, (*extra, "--store", "memory"), tls=False, faults=False)
            )
        if "postgres" in stores:
            server_url = stack.enter_context(postgres_server())
            databases = Databases(server_url)
            asyncio.run(databases.prepare_template())
            url = asyncio.run(databases.create())
            options = (*extra, "--store", "postgres", "--database-url", url)
            servers["pool-postgres"] = stack.enter_context(
                live_server(args.slots, options, tls=False, faults=False)
            )
        yield servers


def summary(contender: Contender, tasks: int) -> str:
    first, rest = contender.batches[0], contender.batches[1:] or contender.batches
    median = statistics.median(b.seconds for b in rest)
    cpu = sum(b.cpu for b in rest) / (len(rest) * tasks) * 1000
    rss = max(b.rss_peak for b in rest) / 2**20
    busy = sum(b.busy for b in rest) / sum(b.seconds for b in rest)
    runs = [round(b.seconds, 2) for b in contender.batches]
    return (
        f"{contender.name:14s} first {first.seconds:6.2f} s   steady median {median:6.2f} s"
        f"   cpu/task {cpu:7.1f} ms   peak rss {rss:6.0f} MiB   busy {busy:4.2f} cores"
        f"   runs {runs}"
    )


async def measure(args: argparse.Namespace, servers: dict[str, LiveServer]) -> None:
    stub = next(iter(servers.values())).stub
    contenders = {n: Contender(n) for n in ("direct", "stream-json", *servers)}
    with tempfile.TemporaryDirectory() as direct_home, tempfile.TemporaryDirectory() as peer_home:
        peer = StreamJsonPeer(stub, args.slots, peer_home)
        try:
            for round_ in range(args.repeat):
                batch = await direct_cli(stub, args.tasks, args.slots, direct_home)
                contenders["direct"].batches.append(batch)
                contenders["stream-json"].batches.append(await peer.batch(args.tasks))
                for name, server in servers.items():
                    contenders[name].batches.append(await through_pool(server, args.tasks))
                line = "  ".join(f"{n} {c.batches[-1].seconds:.2f}" for n, c in contenders.items())
                print(f"round {round_ + 1}: {line}   load {os.getloadavg()[0]:.2f}", flush=True)
        finally:
            await peer.close()
    print(
        f"\ntasks={args.tasks} slots={args.slots} repeat={args.repeat} "
        f"warm_slots={args.warm_slots}; {psutil.cpu_count()} cores; "
        f"load average {os.getloadavg()}"
    )
    for contender in contenders.values():
        print(summary(contender, args.tasks))

    def steady(name: str) -> float:
        batches = contenders[name].batches
        return statistics.median(b.seconds for b in (batches[1:] or batches))

    for name in servers:
        print(
            f"{name}: ratio to direct {steady(name) / steady('direct'):.3f},"
            f" to stream-json {steady(name) / steady('stream-json'):.3f}"
        )
    if "pool-memory" in servers and "pool-postgres" in servers:
        ratio = steady("pool-postgres") / steady("pool-memory")
        print(f"pool-postgres / pool-memory: {ratio:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tasks", type=int, default=24)
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=4)
    parser.add_argument("--stores", default="memory,postgres")
    parser.add_argument(
        "--warm-slots",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="serve with warm slots (the server's default) or --no-warm-slots (a process per task)",
    )
    args = parser.parse_args()
    print(f"date: {time.strftime('%Y-%m-%d %H:%M:%S %z')}; load average: {os.getloadavg()}")
    with pool_servers(args) as servers:
        asyncio.run(measure(args, servers))


if __name__ == "__main__":
    main()
