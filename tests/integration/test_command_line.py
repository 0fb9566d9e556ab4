"""The `claude-pool` command against a live server process (real CLI, stub API), over mutual TLS
with injected faults (every mutating call's first attempt is refused once), as a user runs it.

The helpers here (`Pool`, `pool_server`, `claude_pool`, `start`) serve the other
test_command_line_* modules too.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pytest

from tests.support.live_server import LiveServer, free_port, live_server

pytestmark = pytest.mark.cli

BILLING = "billing"  # the namespace of the second token
CLI = [sys.executable, "-m", "claude_pool_server.cli"]


@dataclass
class Pool:
    """A live server and the tokens to call it with: `default` (every scope, namespace
    `default`) and `billing` (read and submit, namespace `billing`)."""

    server: LiveServer
    tokens: dict[str, str]

    @property
    def address(self) -> str:
        return self.server.address

    def tls_flags(self) -> list[str]:
        tls = self.server.tls
        assert tls is not None, "the harness runs mutual TLS by default"
        return [
            "--tls-ca", str(tls.ca), "--tls-cert", str(tls.client_cert),
            "--tls-key", str(tls.client_key),
        ]  # fmt: skip


@contextlib.contextmanager
def pool_server(directory: Path, slots: int = 2) -> Iterator[Pool]:
    """The harness's default live server (mutual TLS, injected faults) with two tokens."""
    tokens = {"default": secrets.token_hex(16), BILLING: secrets.token_hex(16)}
    tokens_file = directory / "tokens"
    tokens_file.write_text(
        f"{tokens['default']} read,submit,admin name=cli-user\n"
        f"{tokens[BILLING]} read,submit namespace={BILLING} name=biller\n"
    )
    with live_server(slots=slots, token="", extra_args=("--tokens-file", str(tokens_file))) as s:
        yield Pool(s, tokens)


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any CLAUDE_POOL_* setting of the developer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUDE_POOL_")}
    return {**env, **extra}


def command_for(
    pool: Pool | None, args: tuple[str, ...], token: str | None, tls: bool
) -> tuple[list[str], dict[str, str]]:
    env = clean_env()
    command = [*CLI, *args]
    if pool is not None:
        if token is not None:
            env["CLAUDE_POOL_TOKEN"] = pool.tokens[token]
        command += ["--server", pool.address, *(pool.tls_flags() if tls else [])]
    return command, env


def claude_pool(
    pool: Pool | None, *args: str, token: str | None = "default", tls: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `claude-pool ARGS --server ... --tls-ca ... --tls-cert ... --tls-key ...` to the end."""
    command, env = command_for(pool, args, token, tls)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


class Running:
    """A `claude-pool` process whose stdout and stderr lines are collected as they come (with
    the time each arrived), so a test can wait for a line within a bound and compare times."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: dict[str, list[tuple[float, str]]] = {"out": [], "err": []}
        self._changed = threading.Condition()
        assert self.process.stdout is not None and self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(name, pipe), daemon=True)
            for name, pipe in (("out", self.process.stdout), ("err", self.process.stderr))
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, name: str, pipe: IO[str]) -> None:
        for line in pipe:
            with self._changed:
                self.lines[name].append((time.monotonic(), line.rstrip("\n")))
                self._changed.notify_all()

    def text(self, name: str) -> str:
        with self._changed:
            return "\n".join(line for _, line in self.lines[name])

    def wait_for(self, name: str, pattern: str, within: float = 60.0) -> re.Match[str]:
        """The first line of stdout ("out") or stderr ("err") matching `pattern`."""
        deadline = time.monotonic() + within
        with self._changed:
            while True:
                for _, line in self.lines[name]:
                    if found := re.search(pattern, line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or (self.process.poll() is not None and not self._reading()):
                    raise AssertionError(
                        f"no {name} line matching {pattern!r} within {within}s; "
                        f"stdout: {self.text('out')!r}; stderr: {self.text('err')!r}"
                    )
                self._changed.wait(min(left, 0.2))

    def first_time(self, name: str, pattern: str) -> float:
        """When the first line matching `pattern` arrived."""
        for at, line in self.lines[name]:
            if re.search(pattern, line):
                return at
        raise AssertionError(f"no {name} line matches {pattern!r}: {self.text(name)!r}")

    def _reading(self) -> bool:
        return any(reader.is_alive() for reader in self._readers)

    def finish(self, within: float = 60.0) -> int:
        code = self.process.wait(within)
        for reader in self._readers:
            reader.join(within)
        return code

    def __enter__(self) -> Running:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.finish()
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


def start(pool: Pool, *args: str, token: str | None = "default") -> Running:
    command, env = command_for(pool, args, token, True)
    return Running(command, env)


def wait_until_running(pool: Pool, task_id: str, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        task = json.loads(claude_pool(pool, "result", task_id, "--json").stdout)
        if task["state"] == "TASK_STATE_RUNNING":
            return
    raise AssertionError(f"{task_id} did not start within {within}s")


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    with pool_server(tmp_path_factory.mktemp("cli")) as running:
        yield running


# running tasks -----------------------------------------------------------------------------------


def test_run_names_the_task_on_stderr_then_streams_text_to_stdout(pool: Pool) -> None:
    done = claude_pool(pool, "run", "[[reply:streamed words arrive]] [[chunks:3]]")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "streamed words arrive\n"
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and re.fullmatch(r"task task-[0-9a-f]+ running on slot-\d", lines[0])


def test_run_prints_text_as_it_arrives(pool: Pool) -> None:
    with start(pool, "run", "[[reply:first second]] [[chunks:2]] [[slow:1.5]]") as running:
        running.wait_for("err", r"^task task-\S+ running on ")
        assert running.finish() == 0
    assert running.text("out") == "first second"
    command, env = command_for(pool, ("run", "[[reply:one two]] [[chunks:2]] [[slow:1.5]]"),
                               "default", True)  # fmt: skip
    with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) as process:
        assert process.stdout is not None
        started = time.monotonic()
        first = process.stdout.read(4)
        first_at = time.monotonic() - started
        rest = process.stdout.read()
        finished_at = time.monotonic() - started
        assert process.wait(60) == 0
    assert first + rest == "one two\n"
    assert finished_at - first_at > 1.0  # the first delta was shown before the second existed


def test_run_json_prints_the_task(pool: Pool) -> None:
    done = claude_pool(pool, "run", "--json", "[[reply:json out]]")
    assert done.returncode == 0, done.stderr
    task = json.loads(done.stdout)
    assert task["state"] == "TASK_STATE_COMPLETED"
    assert task["result"]["output"] == "json out"


def test_submit_result_watch_and_status(pool: Pool) -> None:
    submitted = claude_pool(pool, "submit", "[[reply:later]]")
    assert submitted.returncode == 0, submitted.stderr
    task_id = submitted.stdout.strip()
    assert task_id.startswith("task-")
    result = claude_pool(pool, "result", task_id, "--wait")
    assert result.stdout.strip() == "later"
    watched = claude_pool(pool, "watch", task_id)
    assert watched.stdout.strip() == "later"
    as_json = json.loads(claude_pool(pool, "result", task_id, "--json").stdout)
    assert as_json["id"] == task_id
    status = json.loads(claude_pool(pool, "status", "--json").stdout)
    assert status["totalSlots"] == 2
    assert "slots: 2" in claude_pool(pool, "status").stdout


def test_cancel_and_context_commands(pool: Pool) -> None:
    task_id = claude_pool(pool, "submit", "[[slow:3]] [[chunks:5]]").stdout.strip()
    cancelled = claude_pool(pool, "cancel", task_id)
    assert cancelled.returncode == 0 and task_id in cancelled.stdout
    assert json.loads(claude_pool(pool, "result", task_id, "--json").stdout)["state"] == (
        "TASK_STATE_CANCELLED"
    )
    assert claude_pool(pool, "context", "set", "lang", "Go").returncode == 0
    assert claude_pool(pool, "context", "get", "lang").stdout.strip() == "Go"
    assert json.loads(claude_pool(pool, "context", "list", "--json").stdout) == {"lang": "Go"}
    assert claude_pool(pool, "context", "delete", "lang").stdout.strip() == "deleted"


def test_ctrl_c_leaves_the_task_running_and_says_how_to_follow_it(pool: Pool) -> None:
    with start(pool, "run", "[[reply:kept going]] [[chunks:4]] [[slow:0.5]]") as running:
        task_id = running.wait_for("err", r"^task (task-[0-9a-f]+) running on ")[1]
        running.process.send_signal(signal.SIGINT)
        assert running.finish() == 130
    err = running.text("err")
    assert f"task {task_id} goes on" in err and f"claude-pool watch {task_id}" in err
    assert "Traceback" not in err
    finished = json.loads(claude_pool(pool, "result", task_id, "--wait", "--json").stdout)
    assert finished["state"] == "TASK_STATE_COMPLETED"
    assert finished["result"]["output"] == "kept going"


def test_ctrl_c_with_cancel_on_interrupt_cancels_the_task(pool: Pool) -> None:
    prompt = "[[reply:never all]] [[chunks:10]] [[slow:1]]"
    with start(pool, "run", "--cancel-on-interrupt", prompt) as running:
        task_id = running.wait_for("err", r"^task (task-[0-9a-f]+) running on ")[1]
        running.process.send_signal(signal.SIGINT)
        assert running.finish() == 130
    assert f"task {task_id} is cancelled" in running.text("err")
    assert "Traceback" not in running.text("err")
    state = json.loads(claude_pool(pool, "result", task_id, "--json").stdout)["state"]
    assert state == "TASK_STATE_CANCELLED"


def test_list_filters_pages_and_prints_a_table_or_json(pool: Pool) -> None:
    tag = f"list-{secrets.token_hex(4)}"
    ids = [
        claude_pool(
            pool, "submit", "--tag", tag, f"[[reply:r{i}]] line one\nline two"
        ).stdout.strip()
        for i in range(5)
    ]
    for task_id in ids:
        claude_pool(pool, "result", task_id, "--wait")
    listed = json.loads(claude_pool(pool, "list", "--tag", tag, "--all", "--page-size", "2",
                                    "--json").stdout)  # fmt: skip
    assert [t["id"] for t in listed] == ids[::-1]  # every page, newest first
    limited = claude_pool(pool, "list", "--tag", tag, "--limit", "3", "--page-size", "2")
    rows = limited.stdout.splitlines()
    assert rows[0].split() == ["ID", "STATE", "AGE", "COST", "(USD)", "PROMPT"]
    assert [r.split()[0] for r in rows[1:]] == ids[:1:-1]
    cells = rows[1].split()
    assert cells[1] == "completed" and re.fullmatch(r"\d+(\.\d)?m?s", cells[2])
    assert re.fullmatch(r"\d\.\d{6}", cells[3]) and rows[1].endswith("line one")
    slot = listed[0]["slotId"]
    on_slot = json.loads(claude_pool(pool, "list", "--tag", tag, "--slot", slot, "--all",
                                     "--json").stdout)  # fmt: skip
    assert on_slot and all(t["slotId"] == slot for t in on_slot)
    assert {t["id"] for t in on_slot} < set(ids) or len(on_slot) == len(ids)
    none = json.loads(claude_pool(pool, "list", "--tag", tag, "--state", "failed", "--json").stdout)
    assert none == []
    session = listed[0]["sessionId"]
    of_session = json.loads(claude_pool(pool, "list", "--session", session, "--json").stdout)
    assert [t["id"] for t in of_session] == [listed[0]["id"]]


def test_delete_removes_a_finished_task(pool: Pool) -> None:
    task_id = claude_pool(pool, "submit", "[[reply:gone soon]]").stdout.strip()
    claude_pool(pool, "result", task_id, "--wait")
    deleted = claude_pool(pool, "delete", task_id)
    assert deleted.returncode == 0 and deleted.stdout == f"deleted {task_id}\n"
    assert claude_pool(pool, "result", task_id).stderr.startswith("claude-pool: NOT_FOUND ")


def test_run_continues_or_forks_a_conversation_and_sessions_show_it(pool: Pool) -> None:
    first = claude_pool(pool, "run", "[[reply:remember the walrus]]")
    task_id = re.match(r"task (task-\S+) ", first.stderr)[1]  # type: ignore[index]
    forked = claude_pool(pool, "submit", "--fork", task_id, "[[recall]]").stdout.strip()
    fork = json.loads(claude_pool(pool, "result", forked, "--wait", "--json").stdout)
    assert fork["result"]["output"] == "RECALL[remember the walrus]"
    again = claude_pool(pool, "run", "--continue", task_id, "[[recall]]")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "RECALL[remember the walrus]\n"
    session = json.loads(claude_pool(pool, "result", task_id, "--json").stdout)["sessionId"]
    assert fork["sessionId"] != session
    listed = json.loads(claude_pool(pool, "sessions", "list", "--json").stdout)
    mine = next(s for s in listed if s["id"] == session)
    assert mine["turns"] == "2"
    assert next(s for s in listed if s["id"] == fork["sessionId"])["forkedFrom"] == session
    table = claude_pool(pool, "sessions", "list").stdout
    assert re.search(rf"^{session}\s+2\s+\d\.\d{{6}}\s", table, re.MULTILINE)
    shown = claude_pool(pool, "sessions", "show", session).stdout
    assert re.search(r"^turns:\s+2$", shown, re.MULTILINE)
    assert re.search(rf"^first task:\s+{task_id}$", shown, re.MULTILINE)
    assert claude_pool(pool, "sessions", "delete", session).stdout == f"deleted {session}\n"
    gone = claude_pool(pool, "run", "--continue", session, "more")
    assert gone.returncode == 2 and gone.stderr.startswith("claude-pool: NOT_FOUND ")
    both = claude_pool(pool, "run", "--continue", task_id, "--fork", task_id, "x")
    assert both.returncode == 2 and "not allowed with argument" in both.stderr


# the pool ----------------------------------------------------------------------------------------


def test_status_and_metrics_show_one_spend_figure_cancelled_tasks_and_the_namespace(
    pool: Pool,
) -> None:
    """In the fresh `billing` namespace: two completed tasks, one cancelled."""
    for reply in ("one", "two"):
        assert claude_pool(pool, "run", f"[[reply:{reply}]]", token=BILLING).returncode == 0
    slow = claude_pool(pool, "submit", "[[slow:3]] [[chunks:5]]", token=BILLING).stdout.strip()
    assert claude_pool(pool, "cancel", slow, token=BILLING).returncode == 0
    claude_pool(pool, "result", slow, "--wait", token=BILLING)
    status = claude_pool(pool, "status", token=BILLING).stdout.splitlines()
    metrics = claude_pool(pool, "metrics", token=BILLING).stdout.splitlines()
    as_json = json.loads(claude_pool(pool, "status", "--json", token=BILLING).stdout)
    assert status[0] == f"namespace: {BILLING}"
    assert "2 completed, 0 failed, 1 cancelled" in status[2]
    spent = [line for line in status if line.startswith("spent: ")]
    assert spent == [line for line in metrics if line.startswith("spent: ")]
    assert spent[0].startswith(f"spent: {int(as_json['spentMicros']) / 1e6:.6f} USD,")
    assert int(as_json["spentMicros"]) > 0
    default = claude_pool(pool, "status").stdout
    assert "namespace:" not in default and "cancelled" in default


def test_slots_and_config(pool: Pool) -> None:
    task_id = claude_pool(pool, "submit", "[[slow:2]] [[chunks:10]]").stdout.strip()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        slots = json.loads(claude_pool(pool, "slots", "--json").stdout)
        if any(s.get("currentTaskId") == task_id for s in slots):
            break
    else:
        raise AssertionError(f"no slot ran {task_id} within 60s")
    table = claude_pool(pool, "slots").stdout.splitlines()
    assert table[0].split() == ["ID", "STATE", "TASK", "DONE", "COST", "(USD)", "NAME"]
    busy = next(line.split() for line in table if task_id in line)
    assert busy[0].startswith("slot-") and busy[1] == "busy" and busy[2] == task_id
    assert len(table) == 3  # a header and two slots
    claude_pool(pool, "cancel", task_id)
    config = dict(
        line.split(":", 1) for line in claude_pool(pool, "config").stdout.splitlines()
    )  # fmt: skip
    config = {name: value.strip() for name, value in config.items()}
    assert config["slots"] == "2" and config["store"] == "memory"
    assert config["permission_mode"] == "default"
    assert config["default_task_reservation"] == "1.000000 USD"
    assert config["denied_permission_modes"] == "bypass_permissions"
    assert json.loads(claude_pool(pool, "config", "--json").stdout)["slots"] == 2


# connecting, and failing ---------------------------------------------------------------------------


def test_tls_settings_come_from_the_environment(pool: Pool) -> None:
    tls = pool.server.tls
    assert tls is not None
    env = clean_env(
        CLAUDE_POOL_SERVER=pool.address,
        CLAUDE_POOL_TOKEN=pool.tokens["default"],
        CLAUDE_POOL_TLS_CA=str(tls.ca),
        CLAUDE_POOL_TLS_CERT=str(tls.client_cert),
        CLAUDE_POOL_TLS_KEY=str(tls.client_key),
    )
    done = subprocess.run([*CLI, "status"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("slots: 2 ")


def test_errors_are_one_line_with_code_and_reason_and_exit_2(pool: Pool) -> None:
    missing = claude_pool(pool, "result", "task-missing")
    assert missing.returncode == 2
    assert (
        missing.stderr == "claude-pool: NOT_FOUND TASK_NOT_FOUND: task not found: 'task-missing'\n"
    )
    busy = claude_pool(pool, "submit", "[[slow:2]] [[chunks:10]]").stdout.strip()
    refused = claude_pool(pool, "delete", busy)
    assert refused.returncode == 2
    assert refused.stderr.startswith("claude-pool: FAILED_PRECONDITION ILLEGAL_STATE: ")
    claude_pool(pool, "cancel", busy)
    anonymous = claude_pool(pool, "status", token=None)
    assert anonymous.returncode == 2
    assert anonymous.stderr.startswith("claude-pool: UNAUTHENTICATED: client certificate ")
    for failed in (missing, refused, anonymous):
        assert len(failed.stderr.splitlines()) == 1 and "Traceback" not in failed.stderr


def test_an_unreachable_server_is_named_with_its_tls_setting(pool: Pool) -> None:
    plaintext = claude_pool(pool, "status", tls=False)  # the server wants TLS
    assert plaintext.returncode == 2
    assert plaintext.stderr.startswith(
        f"claude-pool: UNAVAILABLE: cannot reach the server at {pool.address} (TLS off): "
    )
    tls = pool.server.tls
    assert tls is not None
    port = free_port()
    nobody = subprocess.run(
        [*CLI, "status", "--server", f"127.0.0.1:{port}", "--tls-ca", str(tls.ca)],
        env=clean_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert nobody.returncode == 2
    assert nobody.stderr.startswith(
        f"claude-pool: UNAVAILABLE: cannot reach the server at 127.0.0.1:{port} "
        f"(TLS on, CA {tls.ca}): "
    )
    half = claude_pool(pool, "status", "--tls-cert", str(tls.client_cert), tls=False)
    assert half.returncode == 2
    assert (
        half.stderr == "claude-pool: --tls-cert and --tls-key go together: give both or neither\n"
    )
    for failed in (plaintext, nobody, half):
        assert len(failed.stderr.splitlines()) == 1 and "Traceback" not in failed.stderr


def test_a_closed_stdout_ends_the_command_quietly(pool: Pool) -> None:
    """`claude-pool status | head -0`: the reader is gone before the first write."""
    command, env = command_for(pool, ("status",), "default", True)
    with subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        err = process.stderr.read().decode()
        assert process.wait(60) == 141  # as if ended by SIGPIPE
    assert err == ""
    piped = subprocess.run(
        f"{' '.join(command)} | head -1", shell=True, env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert piped.stdout.startswith("slots: 2 ") and piped.stderr == ""


# serving -----------------------------------------------------------------------------------------


def test_serve_refuses_a_public_address_without_auth() -> None:
    done = subprocess.run(
        [*CLI, "serve", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True, text=True, timeout=60, env=clean_env(),
    )  # fmt: skip
    assert done.returncode == 2
    assert "without TLS" in done.stderr and "--tls-cert" in done.stderr
    assert "Traceback" not in done.stderr
    insecure = subprocess.run(
        [*CLI, "serve", "--host", "0.0.0.0", "--port", "0", "--insecure"],
        capture_output=True, text=True, timeout=60, env=clean_env(),
    )  # fmt: skip
    assert insecure.returncode == 2
    assert "--insecure-no-auth" in insecure.stderr and "Traceback" not in insecure.stderr


def test_serve_reads_its_options_from_the_environment() -> None:
    done = subprocess.run(
        [*CLI, "serve", "--port", "0"],
        capture_output=True, text=True, timeout=60,
        env=clean_env(CLAUDE_POOL_HOST="0.0.0.0", CLAUDE_POOL_INSECURE="yes"),
    )  # fmt: skip
    assert done.returncode == 2  # --insecure came from the environment: now auth is missing
    assert "--insecure-no-auth" in done.stderr and "without TLS" not in done.stderr
    bad = subprocess.run(
        [*CLI, "serve"], capture_output=True, text=True, timeout=60,
        env=clean_env(CLAUDE_POOL_SLOTS="two"),
    )  # fmt: skip
    assert bad.returncode == 2
    assert "--slots or CLAUDE_POOL_SLOTS" in bad.stderr and "Traceback" not in bad.stderr


def test_sigterm_stops_the_server_cleanly(tmp_path: Path) -> None:
    with pool_server(tmp_path, slots=1) as running:
        task = claude_pool(running, "submit", "[[reply:kept]] [[slow:0.4]] [[chunks:3]]")
        assert task.stdout.startswith("task-"), task.stderr
        running.server.process.terminate()
        assert running.server.process.wait(30) == 0
        text = Path(running.server.log_path).read_text()
        assert "shutting down" in text and "stopped" in text and "Traceback" not in text


def test_drain_waits_then_cancels_and_the_pool_refuses_new_work(tmp_path: Path) -> None:
    with pool_server(tmp_path, slots=1) as running:
        slow = claude_pool(running, "submit", "[[slow:2]] [[chunks:10]]").stdout.strip()
        wait_until_running(running, slow)
        drained = claude_pool(running, "drain", "--timeout", "1")
        assert drained.returncode == 0, drained.stderr
        assert re.match(r"drained: \d+ tasks completed, 1 cancelled at the timeout", drained.stdout)
        state = json.loads(claude_pool(running, "result", slow, "--json").stdout)["state"]
        assert state == "TASK_STATE_CANCELLED"
        assert "(draining)" in claude_pool(running, "status").stdout
        refused = claude_pool(running, "submit", "[[reply:late]]")
        assert refused.returncode == 2
        assert refused.stderr.startswith("claude-pool: FAILED_PRECONDITION POOL_DRAINING: ")


def test_server_logs_carry_the_request_id(pool: Pool) -> None:
    missing = claude_pool(pool, "result", "task-logged")
    assert missing.returncode != 0
    with open(pool.server.log_path) as log:
        lines = [line for line in log if "task-logged" in line]
    assert lines, "the failed call should be logged"
    assert re.search(r"\[[0-9a-f]{16}\] rpc /claude_pool.v1.PoolService/GetTask failed", lines[-1])
