"""Shared fixtures: the stub Anthropic API, and a real server on a real socket with the real CLI."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from claude_pool import PoolClient
from claude_pool_server.config import ServerConfig, load_tokens
from claude_pool_server.domain.ports import ClaudeDriver, PoolStore
from claude_pool_server.domain.tasks import PermissionMode
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.server import RunningServer, start_server
from tests.support.stub_anthropic import StubAnthropic

pytest_plugins = ["tests.support.postgres"]


@pytest.fixture(scope="session")
def stub() -> Iterator[StubAnthropic]:
    with StubAnthropic() as server:
        yield server


async def eventually(
    check: Callable[[], Awaitable[bool]], within: float = 20.0, interval: float = 0.05
) -> None:
    """Wait until `check()` is true; fail with a clear message after `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {within}s")


@dataclasses.dataclass
class PoolHarness:
    server: RunningServer
    client: PoolClient
    stub: StubAnthropic
    work_root: Path

    def client_with(self, token: str | None) -> PoolClient:
        return PoolClient(self.server.address, token=token)


ServerFactory = Callable[..., Awaitable[PoolHarness]]


@pytest_asyncio.fixture
async def make_server(stub: StubAnthropic, tmp_path: Path) -> AsyncIterator[ServerFactory]:
    """Start a server (real gRPC socket, real CLI against the stub unless a driver is given)."""
    started: list[PoolHarness] = []

    async def factory(
        *,
        driver: ClaudeDriver | None = None,
        tokens: str | None = None,
        cli_env: dict[str, str] | None = None,
        warm_slots: bool = True,
        store: PoolStore | None = None,
        server: dict[str, Any] | None = None,
        **settings: Any,
    ) -> PoolHarness:
        work_root = tmp_path / "work"
        work_root.mkdir(exist_ok=True)
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        pool = PoolSettings(
            **{
                "slots": 2,
                "permission_mode": PermissionMode.DEFAULT,
                "work_roots": (str(work_root),),
                "default_working_dir": str(work_root),
                "poll_interval_seconds": 0.5,
                **settings,
            }
        )
        options: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": 0,
            "credentials": load_tokens(None, tokens),
            "cli_env": {**stub.env(), "HOME": str(home), **(cli_env or {})},
            "grace_seconds": 5,
            "warm_slots": warm_slots,
            "state_dir": str(tmp_path / "state"),
            "pool": pool,
            **(server or {}),
        }
        config = ServerConfig(**options)
        server = await start_server(config, driver=driver, store=store)
        token = tokens.split(",")[0] if tokens else None
        harness = PoolHarness(server, PoolClient(server.address, token=token), stub, work_root)
        started.append(harness)
        return harness

    yield factory
    for harness in started:
        await harness.client.close()
        await harness.server.stop(grace_seconds=2)


def cli_processes() -> list[int]:
    """PIDs of live bundled-CLI processes started by this test run."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if cmdline and cmdline[0].endswith(b"claude") and stat.rsplit(")", 1)[1].split()[0] != "Z":
            found.append(int(entry.name))
    return found


def pid_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
