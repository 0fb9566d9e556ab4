"""Run a command against a live claude-pool server: the harness of the client conformance tests.

    python -m tests.support.live_server -- bash clients/go/ci.sh

starts the stub Anthropic API and a real `claude-pool serve` process (real bundled CLI, 2 slots,
in-memory store, a bearer token, mutual TLS with certificates made for the run, and
`--inject-faults`, which refuses the first attempt of every mutating call so that clients must
resend it with the same request_id), runs the command with the CLAUDE_POOL_TEST_* variables set
(clients/CONFORMANCE.md), stops both, and exits with the command's exit code.
`--plaintext` drops TLS and `--no-faults` the injected faults, for debugging a client.
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
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.support.certificates import TlsFiles, make_tls_files
from tests.support.stub_anthropic import StubAnthropic

CLIENT_NAME = "conformance-client"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def channel_for(address: str, tls: TlsFiles | None) -> grpc.Channel:
    if tls is None:
        return grpc.insecure_channel(address)
    root, key, chain = tls.client_pair()
    credentials = grpc.ssl_channel_credentials(root, key, chain)
    return grpc.secure_channel(address, credentials)


def wait_healthy(
    address: str, timeout: float, process: subprocess.Popen[bytes], tls: TlsFiles | None
) -> None:
    deadline = time.monotonic() + timeout
    with channel_for(address, tls) as channel:
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
    tls: TlsFiles | None

    def env(self) -> dict[str, str]:
        """The CLAUDE_POOL_TEST_* variables a conformance test reads."""
        env = {"CLAUDE_POOL_TEST_ADDR": self.address, "CLAUDE_POOL_TEST_TOKEN": self.token}
        if self.tls is not None:
            env.update(
                CLAUDE_POOL_TEST_TLS_CA=str(self.tls.ca),
                CLAUDE_POOL_TEST_TLS_CERT=str(self.tls.client_cert),
                CLAUDE_POOL_TEST_TLS_KEY=str(self.tls.client_key),
            )
        return env


@contextlib.contextmanager
def live_server(
    slots: int = 2,
    extra_args: tuple[str, ...] = (),
    token: str | None = None,
    tls: bool = True,
    faults: bool = True,
) -> Iterator[LiveServer]:
    token = token if token is not None else secrets.token_hex(16)
    with StubAnthropic() as stub, tempfile.TemporaryDirectory(prefix="claude-pool-live-") as tmp:
        port = free_port()
        env = {**os.environ, **stub.env(), "HOME": tmp}
        tls_files = make_tls_files(Path(tmp) / "tls", CLIENT_NAME) if tls else None
        command = [
            sys.executable, "-m", "claude_pool_server.cli", "serve",
            "--port", str(port), "--slots", str(slots), "--state-dir", tmp, "--store", "memory",
            "--permission-mode", "default", "--grace", "5", *extra_args,
        ]  # fmt: skip
        if token:
            tokens_file = Path(tmp) / "tokens"
            tokens_file.write_text(f"{token} read,submit,admin name=conformance\n")
            command += ["--tokens-file", str(tokens_file)]
        if tls_files is not None:
            command += [
                "--tls-cert", str(tls_files.server_cert), "--tls-key", str(tls_files.server_key),
                "--tls-client-ca", str(tls_files.ca),
            ]  # fmt: skip
        if faults:
            command.append("--inject-faults")
        log_path = os.path.join(tmp, "server.log")
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        address = f"127.0.0.1:{port}"
        try:
            wait_healthy(address, 60, process, tls_files)
            yield LiveServer(address, token, stub, process, log_path, tls_files)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--plaintext", action="store_true", help="no TLS (debugging only)")
    parser.add_argument("--no-faults", action="store_true", help="no injected UNAVAILABLE")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    with live_server(slots=args.slots, tls=not args.plaintext, faults=not args.no_faults) as server:
        env = {**os.environ, **server.env()}
        mode = "plaintext" if server.tls is None else "mTLS"
        print(f"live server at {server.address} ({mode}); running: {' '.join(command)}", flush=True)
        code = subprocess.call(command, env=env)
        if code != 0:
            with open(server.log_path, errors="replace") as log:
                tail = log.read()[-4000:]
            print(f"--- server log (tail) ---\n{tail}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
