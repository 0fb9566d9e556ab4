"""Where a warm pool's CPU goes per task: the server process vs its CLI processes.

    python -m bench.cpu_per_task [--tasks 24] [--slots 4] [--rounds 3] [-- SERVE OPTIONS...]

Starts `claude-pool serve` (memory store, warm slots, the stub Messages API) with any extra serve
options after `--` (e.g. `--session-policy slot`, `--sandbox none`, `--no-api-gateway`), runs one
warm-up batch of N trivial tasks, then R timed batches, each N SubmitTask calls and a WaitTask per
task. Per batch: its makespan and the CPU per task of the server process and of its children (the
CLI processes and their sandboxes; a child that exits during the batch is not counted).
Run by hand (never by pytest); record the output in BENCHMARKS.md with the command line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time

import psutil

from claude_pool import PoolClient
from tests.support.stub_anthropic import StubAnthropic


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cpu_seconds(server: psutil.Process) -> tuple[float, float]:
    own = sum(server.cpu_times()[:2])
    children = 0.0
    for child in server.children(recursive=True):
        with contextlib.suppress(psutil.Error):  # it exited meanwhile
            children += sum(child.cpu_times()[:2])
    return own, children


def start_server(command: list[str], env: dict[str, str], tmp: str) -> subprocess.Popen[bytes]:
    with open(os.path.join(tmp, "server.log"), "wb") as log:
        return subprocess.Popen(command, env=env, cwd=tmp, stdout=log, stderr=log)


async def run(args: argparse.Namespace, serve_options: list[str]) -> None:
    with StubAnthropic() as stub, tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        command = [
            sys.executable, "-m", "claude_pool_server.cli", "serve", "--port", str(port),
            "--slots", str(args.slots), "--store", "memory", "--state-dir", tmp,
            "--permission-mode", "default", "--work-root", tmp, *serve_options,
        ]  # fmt: skip
        env = {**os.environ, **stub.env(), "HOME": tmp}
        server = start_server(command, env, tmp)
        client = PoolClient(f"127.0.0.1:{port}")
        try:
            for _ in range(300):
                try:
                    await client.status()
                    break
                except Exception:  # noqa: BLE001 - not up yet
                    await asyncio.sleep(0.2)

            async def batch() -> None:
                ids = [
                    (await client.submit(f"[[reply:t{i}]] task {i}")).id for i in range(args.tasks)
                ]
                for task_id in ids:
                    await client.wait(task_id, timeout=300)

            await batch()  # warm-up: starts the processes
            process = psutil.Process(server.pid)
            print(f"serve options: {' '.join(serve_options) or '(defaults)'}")
            for number in range(1, args.rounds + 1):
                own0, children0 = cpu_seconds(process)
                started = time.perf_counter()
                await batch()
                elapsed = time.perf_counter() - started
                own1, children1 = cpu_seconds(process)
                print(
                    f"  batch {number}: {elapsed:.2f} s for {args.tasks} tasks; CPU per task: "
                    f"server {(own1 - own0) / args.tasks * 1000:.0f} ms, "
                    f"CLI processes {(children1 - children0) / args.tasks * 1000:.0f} ms"
                )
            print(f"  load average at the end: {os.getloadavg()}")
        finally:
            await client.close()
            server.terminate()
            server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--tasks", type=int, default=24)
    parser.add_argument("--slots", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    argv = sys.argv[1:]
    serve_options = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    asyncio.run(run(args, serve_options))


if __name__ == "__main__":
    main()
