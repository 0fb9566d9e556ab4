"""Run a command against a live claude-pool server: the harness of the client conformance tests.

    python -m tests.support.live_server -- bash clients/go/ci.sh

starts the stub Anthropic API and a real `claude-pool serve` process (real bundled CLI, 2 slots,
in-memory store, a bearer token), runs the command with CLAUDE_POOL_TEST_ADDR and
CLAUDE_POOL_TEST_TOKEN set, stops both, and exits with the command's exit code.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.support.stub_anthropic import StubAnthropic


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_healthy(address: str, timeout: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"claude-pool serve exited with {process.returncode}")
            with contextlib.suppress(grpc.RpcError):
                response = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if response.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            time.sleep(0.1)
    raise TimeoutError(f"server at {address} not healthy after {timeout}s")


@dataclass
class LiveServer:
    address: str
    token: str
    stub: StubAnthropic
    process: subprocess.Popen[bytes]
    log_path: str


@contextlib.contextmanager
def live_server(
    slots: int = 2, extra_args: tuple[str, ...] = (), token: str | None = None
) -> Iterator[LiveServer]:
    token = token if token is not None else secrets.token_hex(16)
    with StubAnthropic() as stub, tempfile.TemporaryDirectory(prefix="claude-pool-live-") as tmp:
        port = free_port()
        env = {**os.environ, **stub.env(), "HOME": tmp}
        if token:
            env["CLAUDE_POOL_TOKENS"] = token
        log_path = os.path.join(tmp, "server.log")
        command = [
            sys.executable, "-m", "claude_pool_server.cli", "serve",
            "--port", str(port), "--slots", str(slots), "--state-dir", tmp,
            "--permission-mode", "default", "--grace", "5", *extra_args,
        ]  # fmt: skip
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        address = f"127.0.0.1:{port}"
        try:
            wait_healthy(address, 60, process)
            yield LiveServer(address, token, stub, process, log_path)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    with live_server(slots=args.slots) as server:
        env = {
            **os.environ,
            "CLAUDE_POOL_TEST_ADDR": server.address,
            "CLAUDE_POOL_TEST_TOKEN": server.token,
        }
        print(f"live server at {server.address}; running: {' '.join(command)}", flush=True)
        code = subprocess.call(command, env=env)
        if code != 0:
            with open(server.log_path, errors="replace") as log:
                tail = log.read()[-4000:]
            print(f"--- server log (tail) ---\n{tail}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
