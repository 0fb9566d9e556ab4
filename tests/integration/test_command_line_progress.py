"""Progress of `fan-out` and `chain` on stderr: plain lines as items change state when stderr is
a pipe, a live table when it is a terminal; results on stdout either way."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import secrets
import struct
import subprocess
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_command_line import (
    Pool,
    claude_pool,
    command_for,
    pool_server,
    start,
)

pytestmark = pytest.mark.cli


@pytest.fixture(scope="module")
def pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pool]:
    with pool_server(tmp_path_factory.mktemp("cli-progress")) as running:
        yield running


def test_fan_out_shows_every_item_queued_at_once_then_each_as_it_ends(pool: Pool) -> None:
    slow = "[[reply:slow one]] [[chunks:3]] [[slow:0.5]]"
    with start(pool, "fan-out", "[[reply:quick]]", slow) as running:
        running.wait_for("err", r"^\[0\] \[\[reply:quick\]\]: queued$")
        running.wait_for("err", r"^\[1\] \[\[reply:slow one\]\] .*: queued$")
        running.wait_for("err", r"^\[1\] .*: completed \(\d.*, \d\.\d{6} USD\); task-[0-9a-f]+$")
        assert running.finish() == 0
    queued = max(running.first_time("err", rf"^\[{i}\] .*: queued$") for i in (0, 1))
    first_result = min(t for t, _ in running.lines["out"])
    assert queued < first_result  # the items were shown before any had a result
    assert sorted(running.text("out").splitlines()) == ["[0] quick", "[1] slow one"]
    assert running.first_time("err", r"^\[0\].*completed") < running.first_time(
        "err", r"^\[1\].*completed"
    )


def test_chain_shows_each_step_and_a_retry_as_it_happens(pool: Pool, tmp_path: Path) -> None:
    tag = f"FLAKY-{secrets.token_hex(4)}"
    chain = tmp_path / "chain.yaml"
    chain.write_text(
        "steps:\n"
        "  - name: first\n"
        "    prompt: '[[reply:one]]'\n"
        "  - name: flaky\n"
        "    retries: 1\n"
        f"    prompt: '[[fail:403:1:{tag}]] [[reply:two]] [[chunks:4]] [[slow:0.5]]'\n"
    )
    with start(pool, "chain", str(chain)) as running:
        retry = running.wait_for(
            "err", r"^\[2/2\] flaky: running \(.*\); retry 1; attempt 1 failed: (.*)$"
        )
        assert running.finish() == 0
    assert "API Error: 403" in retry[1]  # the first attempt's failure, shown during the second
    assert running.text("out") == "two"
    order = [
        r"^chain chain-[0-9a-f]+: 2 steps$",
        r"^\[1/2\] first: pending$",
        r"^\[1/2\] first: running",
        r"^\[1/2\] first: ok \(.*\d\.\d{6} USD\)$",
        r"^\[2/2\] flaky: running \([^;]*\)$",
        r"^\[2/2\] flaky: running .*; retry 1; attempt 1 failed: ",
        r"^\[2/2\] flaky: ok \(.*\d\.\d{6} USD\); 1 retry$",
        r"^chain chain-[0-9a-f]+ completed \(cost \d\.\d{6} USD\)$",
    ]
    times = [running.first_time("err", pattern) for pattern in order]
    assert times == sorted(times), running.text("err")


def test_a_detached_chain_can_be_shown_and_followed(pool: Pool, tmp_path: Path) -> None:
    chain = tmp_path / "chain.json"
    chain.write_text(
        json.dumps(
            [
                {"name": "plan", "prompt": "[[reply:planned]]"},
                {"name": "build", "prompt": "[[reply:built]] [[chunks:4]] [[slow:0.5]]"},
            ]
        )
    )
    detached = claude_pool(pool, "chain", "--detach", str(chain))
    chain_id = detached.stdout.strip()
    assert detached.returncode == 0 and re.fullmatch(r"chain-[0-9a-f]+", chain_id)
    with start(pool, "chain", "watch", chain_id) as watching:
        watching.wait_for("err", r"^\[2/2\] build: running")
        shown = claude_pool(pool, "chain", "status", chain_id).stdout.splitlines()
        assert re.fullmatch(rf"chain {chain_id} running \(cost \d\.\d{{6}} USD\)", shown[0])
        assert re.fullmatch(r"  \[1/2\] plan: ok \(\d\.\d{6} USD\)", shown[1])
        assert re.fullmatch(r"  \[2/2\] build: running \(.*\)", shown[2])
        assert watching.finish() == 0
    assert watching.text("out") == "built"
    assert re.search(rf"^chain {chain_id} completed ", watching.text("err"), re.MULTILINE)
    done = claude_pool(pool, "chain", "status", chain_id).stdout.splitlines()
    assert done[0].startswith(f"chain {chain_id} completed (cost ")
    assert done[2].startswith("  [2/2] build: ok (") and done[-1] == "built"
    assert json.loads(claude_pool(pool, "chain", "status", chain_id, "--json").stdout)[
        "status"
    ] == ("CHAIN_STATUS_COMPLETED")
    wrong = claude_pool(pool, "chain", "watch")  # one word: a file named "watch"
    assert wrong.returncode == 2 and wrong.stderr.startswith("claude-pool: cannot read chain file")


def test_progress_on_a_terminal_is_a_live_table(pool: Pool) -> None:
    command, env = command_for(pool, ("fan-out", "[[reply:alpha]]", "[[reply:beta]]"), "default",
                               True)  # fmt: skip
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    with subprocess.Popen(
        command, env={**env, "TERM": "xterm"}, stdout=subprocess.PIPE, stderr=follower
    ) as process:
        os.close(follower)
        screen = b""
        with contextlib.suppress(OSError):  # EIO once the process closed the terminal
            while chunk := os.read(leader, 4096):
                screen += chunk
        out = process.stdout.read() if process.stdout else b""
        assert process.wait(60) == 0
    os.close(leader)
    raw = screen.decode(errors="replace")
    assert "\x1b[" in raw  # redrawn in place, not printed line by line
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)
    assert re.search(r"\[0\]\s+\[\[reply:alpha\]\]\s+completed\s", text)
    assert ": queued" not in text  # no plain lines on a terminal
    assert sorted(out.decode().splitlines()) == ["[0] alpha", "[1] beta"]
