"""The sandbox's cost per CLI process: `claude --version` started bare, as `--sandbox none` starts
it (env scrub + parent-death signal) and inside bubblewrap, interleaved.

    python -m bench.sandbox [--runs 30]

A process start is where the sandbox costs anything (a warm process then serves many tasks
unchanged), so this is the per-process figure; run by hand, record in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time

from claude_pool_server.driver.claude_cli import bundled_cli_path
from claude_pool_server.driver.sandbox import Bubblewrap, NoSandbox


def timed(command: list[str], cwd: str) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def main(runs: int) -> None:
    cli = bundled_cli_path()
    assert cli is not None, "claude-agent-sdk bundles the CLI"
    bwrap = Bubblewrap.find()
    with tempfile.TemporaryDirectory() as work:
        ways: dict[str, list[str]] = {
            "bare": [cli, "--version"],
            "none": NoSandbox().wrap(
                [cli, "--version"], cwd=work, writable=[work], keep_env=set(), provider_env=True
            ),
        }
        if bwrap:
            sandbox = Bubblewrap(bwrap, readable=[cli.rsplit("/", 1)[0]])
            ways["bwrap"] = sandbox.wrap(
                [cli, "--version"], cwd=work, writable=[work], keep_env=set(), provider_env=False
            )
        times: dict[str, list[float]] = {name: [] for name in ways}
        for command in ways.values():
            timed(command, work)  # warm the page cache
        for _ in range(runs):
            for name, command in ways.items():
                times[name].append(timed(command, work))
    print(f"{runs} starts each of `claude --version`, interleaved")
    print("| way | median ms | p90 ms |")
    print("|---|---|---|")
    for name, values in times.items():
        p90 = sorted(values)[int(0.9 * len(values))]
        print(f"| {name} | {statistics.median(values) * 1000:.1f} | {p90 * 1000:.1f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    main(parser.parse_args().runs)
