"""The README's shell and Python blocks, run as a newcomer would, against a live server.

A fenced `bash` or `python` block runs unless the line before it is `<!-- not run: REASON -->`
(a block that starts a server, changes the user's configuration, or needs a tool the project does
not install). Each runs in a fresh directory with `CLAUDE_POOL_SERVER` and `CLAUDE_POOL_TOKEN`
pointing at one `claude-pool serve` process (tests/support/live_server.py: the real CLI against
the stub Messages API) and must exit 0: a command the README shows that fails is a bug in the
README or in the command.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.live_server import LiveServer, live_server

pytestmark = pytest.mark.cli

README = Path(__file__).resolve().parents[2] / "README.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
NOT_RUN = re.compile(r"<!-- not run: (.+?) -->\s*$")
BLOCK_TIMEOUT_SECONDS = 240


@dataclass(frozen=True)
class Block:
    language: str
    code: str
    line: int
    skipped_because: str

    def __str__(self) -> str:
        return f"README.md:{self.line} ({self.language})"


def blocks() -> list[Block]:
    text = README.read_text()
    found = []
    for match in FENCE.finditer(text):
        language, code = match.group(1), match.group(2)
        if language not in ("bash", "python"):
            continue
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        reason = NOT_RUN.match(before)
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(language, code, line, reason.group(1) if reason else ""))
    return found


def test_the_readme_has_runnable_blocks_and_says_why_others_are_not() -> None:
    found = blocks()
    run = [b for b in found if not b.skipped_because]
    assert {b.language for b in run} == {"bash", "python"}
    assert len(run) >= 3
    assert all(len(b.skipped_because) > 10 for b in found if b.skipped_because)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server(tls=False, faults=False) as live:
        yield live


@pytest.mark.parametrize("block", [b for b in blocks() if not b.skipped_because], ids=str)
def test_a_readme_block_runs(block: Block, server: LiveServer, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "CLAUDE_POOL_SERVER": server.address,
        "CLAUDE_POOL_TOKEN": server.token,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    if block.language == "bash":
        command = ["bash", "-euo", "pipefail", "-c", block.code]
    else:
        script = tmp_path / "readme_snippet.py"
        script.write_text(block.code)
        command = [sys.executable, str(script)]
    done = subprocess.run(
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=BLOCK_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, (
        f"{block} exited {done.returncode}\n--- stdout\n{done.stdout[-3000:]}\n"
        f"--- stderr\n{done.stderr[-3000:]}"
    )
    assert done.stdout.strip(), f"{block} printed nothing"
