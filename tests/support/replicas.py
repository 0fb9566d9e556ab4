"""`claude-pool serve` processes sharing one database: the harness of the replica tests.

Each process is a real server (real CLI, the session's stub API) on its own port and HOME;
`kill()` is kill -9, so nothing of the process's shutdown path runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from claude_pool import PoolClient
from tests.support.live_server import free_port, wait_healthy
from tests.support.stub_anthropic import StubAnthropic

# Short periods so recovery tests finish quickly: a dead replica's task is re-queued within
# lease + heartbeat seconds.
FAST_RECOVERY = ("--heartbeat-seconds", "0.5", "--lease-seconds", "3")


@dataclass
class ServeProcess:
    address: str
    process: subprocess.Popen[bytes]
    log_path: str

    def client(self) -> PoolClient:
        return PoolClient(self.address)

    def kill(self) -> None:
        """kill -9: the replica vanishes without deregistering or finishing anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        with open(self.log_path, errors="replace") as file:
            return file.read()


def serve_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "claude_pool_server.cli", "serve", *args]


@contextlib.contextmanager
def serve_process(
    stub: StubAnthropic, database_url: str, *, slots: int = 1, extra_args: tuple[str, ...] = ()
) -> Iterator[ServeProcess]:
    with tempfile.TemporaryDirectory(prefix="claude-pool-replica-") as home:
        port = free_port()
        env = {**os.environ, **stub.env(), "HOME": home}
        env.pop("CLAUDE_POOL_TOKENS", None)
        log_path = os.path.join(home, "server.log")
        command = serve_command(
            "--port", str(port), "--slots", str(slots), "--min-slots", "0",
            "--state-dir", home, "--permission-mode", "default", "--grace", "5",
            "--database-url", database_url, *extra_args,
        )  # fmt: skip
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        running = ServeProcess(f"127.0.0.1:{port}", process, log_path)
        try:
            wait_healthy(running.address, 60, process, None)
            yield running
        except BaseException:
            sys.stderr.write(f"--- replica log ---\n{running.log()[-4000:]}\n")
            raise
        finally:
            running.stop()
