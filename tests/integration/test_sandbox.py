"""Tasks cannot take the host (issue F) and tool processes never outlive their server (issue G).

The real CLI runs a Bash tool the stub API asks for (`[[bash:CMD]]`, with bypassPermissions so
the CLI's own permission checks do not stop it): only the sandbox stands between the command and
the server's credentials, environment and files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from claude_pool.v1 import task_pb2
from claude_pool_server.driver import process_tree
from claude_pool_server.driver.sandbox import Bubblewrap
from tests.conftest import ServerFactory
from tests.support.live_server import live_server

pytestmark = [pytest.mark.cli]

needs_bwrap = pytest.mark.skipif(
    Bubblewrap.find() is None, reason="bubblewrap (bwrap) is not installed"
)


def bypass() -> task_pb2.TaskOverrides:
    return task_pb2.TaskOverrides(permission_mode=task_pb2.PERMISSION_MODE_BYPASS_PERMISSIONS)


async def run_tool(pool: object, command: str, **spec: object) -> str:
    client = pool.client  # type: ignore[attr-defined]
    task = await client.run(
        task_pb2.TaskSpec(prompt=f"run it [[bash:{command}]]", overrides=bypass(), **spec)
    )
    assert task.state == task_pb2.TASK_STATE_COMPLETED, task.result.failure.message
    output: str = task.result.output
    return output


@needs_bwrap
@pytest.mark.asyncio
async def test_a_tool_cannot_read_the_servers_credentials_or_environment(
    make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_POOL_TEST_SECRET", "server-only-secret")
    pool = await make_server(denied_permission_modes=frozenset(), server={"sandbox": "bwrap"})
    key = await run_tool(pool, "echo K=$ANTHROPIC_API_KEY")
    assert key.startswith("TOOL-RESULT[K=sk-pool-")  # the process's gateway key, not the real one
    assert "sk-stub" not in key
    secret = await run_tool(pool, "echo S=${CLAUDE_POOL_TEST_SECRET:-none}")
    assert secret == "TOOL-RESULT[S=none]"
    secret_file = Path(pool.server.app.config.state_dir) / "server-secret.txt"
    secret_file.write_text("the server's own file")
    peek = await run_tool(pool, f"cat {secret_file} >/dev/null 2>&1 && echo READ || echo DENIED")
    assert peek == "TOOL-RESULT[DENIED]"


@needs_bwrap
@pytest.mark.asyncio
async def test_a_tool_cannot_write_outside_its_working_directory(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    pool = await make_server(denied_permission_modes=frozenset(), server={"sandbox": "bwrap"})
    outside = tmp_path / "outside"
    outside.mkdir()
    other_task = pool.work_root.parent / "other-task"
    other_task.mkdir()
    (other_task / "notes.txt").write_text("another task's file")
    await run_tool(pool, f"echo pwned > {outside}/f; echo pwned > {other_task}/f; echo done")
    assert not (outside / "f").exists()
    assert not (other_task / "f").exists()
    peek = await run_tool(
        pool, f"cat {other_task}/notes.txt >/dev/null 2>&1 && echo READ || echo DENIED"
    )
    assert peek == "TOOL-RESULT[DENIED]"
    inside = await run_tool(pool, "echo fine > here.txt && cat here.txt")
    assert inside == "TOOL-RESULT[fine]"
    assert (pool.work_root / "here.txt").read_text() == "fine\n"


@pytest.mark.asyncio
async def test_without_a_sandbox_the_environment_is_still_scrubbed(
    make_server: ServerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_POOL_TEST_SECRET", "server-only-secret")
    pool = await make_server(denied_permission_modes=frozenset(), server={"sandbox": "none"})
    secret = await run_tool(pool, "echo S=${CLAUDE_POOL_TEST_SECRET:-none} K=$ANTHROPIC_API_KEY")
    assert secret.startswith("TOOL-RESULT[S=none K=sk-pool-")


def tool_processes(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        ours = marker.encode() in cmdline and b"sleep(" in cmdline
        if ours and process_tree.is_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def start_tool_and_kill_server(sandbox: str, marker: str) -> tuple[list[int], float]:
    """Start a server process, have it run a 60 s tool, SIGKILL the server; return the tool's
    pids as seen while the server ran and when the kill happened."""
    import asyncio

    from claude_pool import PoolClient

    options = ("--sandbox", sandbox, "--allow-bypass-permissions")
    with live_server(tls=False, faults=False, extra_args=options) as server:

        async def submit() -> None:
            async with PoolClient(server.address, token=server.token) as client:
                command = f'python3 -c "import time; time.sleep(60)" {marker}'
                await client.submit(
                    task_pb2.TaskSpec(prompt=f"[[bash:{command}]]", overrides=bypass())
                )

        asyncio.run(submit())
        deadline = time.monotonic() + 60
        while not tool_processes(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        pids = tool_processes(marker)
        assert pids, "the tool never started"
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        return pids, time.monotonic()


@needs_bwrap
def test_a_killed_servers_tools_die_with_it_in_the_sandbox() -> None:
    marker = f"marker-{os.getpid()}-bwrap"
    pids, killed_at = start_tool_and_kill_server("bwrap", marker)
    deadline = killed_at + 5
    while any(process_tree.is_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(process_tree.is_alive(p) for p in pids), "a tool outlived its server"


def test_a_restarting_server_reaps_the_tools_a_killed_one_left() -> None:
    marker = f"marker-{os.getpid()}-none"
    pids, _ = start_tool_and_kill_server("none", marker)
    try:
        survivors = [p for p in pids if process_tree.is_alive(p)]
        # without a sandbox the tool survives its server (the CLI runs it in its own session)
        assert survivors, "expected the unsandboxed tool to outlive a SIGKILLed server"
        with live_server(tls=False, faults=False, extra_args=("--sandbox", "none")):
            deadline = time.monotonic() + 5
            while any(process_tree.is_alive(p) for p in pids) and time.monotonic() < deadline:
                time.sleep(0.1)
            assert not any(process_tree.is_alive(p) for p in pids)
    finally:
        for pid in pids:
            process_tree.signal_quietly(pid, signal.SIGKILL)
        subprocess.run(["true"], check=False)
