"""The `claude-pool` command against a live server process (real CLI, stub API)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.support.live_server import LiveServer, free_port, live_server

pytestmark = pytest.mark.cli


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server(slots=2, tls=False, faults=False) as running:
        yield running


def claude_pool(
    server: LiveServer | None, *args: str, token: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    if server is not None and token:
        env["CLAUDE_POOL_TOKEN"] = server.token
    env.pop("CLAUDE_POOL_SERVER", None)
    command = [sys.executable, "-m", "claude_pool_server.cli", *args]
    if server is not None:
        command += ["--server", server.address]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def test_run_streams_text_to_stdout(server: LiveServer) -> None:
    done = claude_pool(server, "run", "[[reply:streamed words arrive]] [[chunks:3]]")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "streamed words arrive\n"


def test_run_prints_text_as_it_arrives(server: LiveServer) -> None:
    env = {**os.environ, "CLAUDE_POOL_TOKEN": server.token}
    command = [sys.executable, "-m", "claude_pool_server.cli", "run", "--server", server.address,
               "[[reply:first second]] [[chunks:2]] [[slow:1.5]]"]  # fmt: skip
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        started = time.monotonic()
        first = process.stdout.read(5)
        first_at = time.monotonic() - started
        rest = process.stdout.read()
        finished_at = time.monotonic() - started
        assert process.wait(60) == 0
    assert first + rest == "first second\n"
    assert finished_at - first_at > 1.0  # the first delta was shown before the second existed


def test_run_json_prints_the_task(server: LiveServer) -> None:
    done = claude_pool(server, "run", "--json", "[[reply:json out]]")
    assert done.returncode == 0, done.stderr
    task = json.loads(done.stdout)
    assert task["state"] == "TASK_STATE_COMPLETED"
    assert task["result"]["output"] == "json out"


def test_submit_result_watch_and_status(server: LiveServer) -> None:
    submitted = claude_pool(server, "submit", "[[reply:later]]")
    assert submitted.returncode == 0, submitted.stderr
    task_id = submitted.stdout.strip()
    assert task_id.startswith("task-")
    result = claude_pool(server, "result", task_id, "--wait")
    assert result.stdout.strip() == "later"
    watched = claude_pool(server, "watch", task_id)
    assert watched.stdout.strip() == "later"
    as_json = json.loads(claude_pool(server, "result", task_id, "--json").stdout)
    assert as_json["id"] == task_id
    status = json.loads(claude_pool(server, "status", "--json").stdout)
    assert status["totalSlots"] == 2
    assert "slots: 2" in claude_pool(server, "status").stdout


def test_cancel_and_context_commands(server: LiveServer) -> None:
    task_id = claude_pool(server, "submit", "[[slow:3]] [[chunks:5]]").stdout.strip()
    cancelled = claude_pool(server, "cancel", task_id)
    assert cancelled.returncode == 0 and task_id in cancelled.stdout
    assert json.loads(claude_pool(server, "result", task_id, "--json").stdout)["state"] == (
        "TASK_STATE_CANCELLED"
    )
    assert claude_pool(server, "context", "set", "lang", "Go").returncode == 0
    assert claude_pool(server, "context", "get", "lang").stdout.strip() == "Go"
    assert json.loads(claude_pool(server, "context", "list", "--json").stdout) == {"lang": "Go"}
    assert claude_pool(server, "context", "delete", "lang").stdout.strip() == "deleted"


def test_errors_are_one_line_with_a_nonzero_exit(server: LiveServer) -> None:
    missing = claude_pool(server, "result", "task-missing")
    assert missing.returncode != 0
    assert missing.stderr.strip() == "claude-pool: NOT_FOUND: task not found: 'task-missing'"
    refused = claude_pool(server, "status", token=False)
    assert refused.returncode != 0 and "UNAUTHENTICATED" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    env = {**os.environ, "CLAUDE_POOL_SERVER": f"127.0.0.1:{free_port()}"}
    unreachable = subprocess.run(
        [sys.executable, "-m", "claude_pool_server.cli", "status"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert unreachable.returncode != 0
    assert unreachable.stderr.startswith("claude-pool: cannot reach server at 127.0.0.1:")
    assert len(unreachable.stderr.strip().splitlines()) == 1


def test_serve_refuses_a_public_address_without_auth() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "claude_pool_server.cli", "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "CLAUDE_POOL_TOKENS": ""},
    )  # fmt: skip
    assert done.returncode == 2
    assert "without TLS" in done.stderr and "--tls-cert" in done.stderr
    assert "Traceback" not in done.stderr
    insecure = subprocess.run(
        [sys.executable, "-m", "claude_pool_server.cli", "serve", "--host", "0.0.0.0", "--port",
         "0", "--insecure"],
        capture_output=True, text=True, timeout=60, env={**os.environ, "CLAUDE_POOL_TOKENS": ""},
    )  # fmt: skip
    assert insecure.returncode == 2
    assert "--insecure-no-auth" in insecure.stderr and "Traceback" not in insecure.stderr


def test_sigterm_stops_the_server_cleanly() -> None:
    with live_server(slots=1, tls=False, faults=False) as running:
        env = {**os.environ, "CLAUDE_POOL_TOKEN": running.token}
        task = subprocess.run(
            [sys.executable, "-m", "claude_pool_server.cli", "submit", "--server", running.address,
             "[[reply:kept]] [[slow:0.4]] [[chunks:3]]"],
            env=env, capture_output=True, text=True, timeout=60,
        ).stdout.strip()  # fmt: skip
        time.sleep(0.5)
        running.process.terminate()
        assert running.process.wait(30) == 0
        with open(running.log_path) as log:
            text = log.read()
        assert "shutting down" in text and "stopped" in text and "Traceback" not in text
        assert task.startswith("task-")


def test_server_logs_carry_the_request_id(server: LiveServer) -> None:
    missing = claude_pool(server, "result", "task-logged")
    assert missing.returncode != 0
    with open(server.log_path) as log:
        lines = [line for line in log if "task-logged" in line]
    assert lines, "the failed call should be logged"
    assert re.search(r"\[[0-9a-f]{16}\] rpc /claude_pool.v1.PoolService/GetTask failed", lines[-1])
