"""`claude-pool serve` and `migrate` options: each one's help shows its default and its
environment variable (CLAUDE_POOL_<FLAG>), and each one really reads that variable."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys

import pytest

from claude_pool_server.cli.serve import ENV_RENAMES, add_migrate, add_serve, env_name

# what the client commands read: a server option must not share one
CLIENT_VARIABLES = {
    "CLAUDE_POOL_SERVER", "CLAUDE_POOL_TOKEN", "CLAUDE_POOL_TLS_CA", "CLAUDE_POOL_TLS_CERT",
    "CLAUDE_POOL_TLS_KEY",
}  # fmt: skip

HELP_ONLY = {"-h, --help"}  # argparse's own: the only option without a default and a variable


def help_entries(command: str) -> dict[str, str]:
    """The `options:` section of `claude-pool COMMAND --help`, as {invocation: help text}."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAUDE_POOL_")}
    text = subprocess.run(
        [sys.executable, "-m", "claude_pool_server.cli", command, "--help"],
        capture_output=True, text=True, check=True, timeout=60, env={**env, "COLUMNS": "100"},
    ).stdout  # fmt: skip
    section = text.split("\noptions:\n", 1)[1]
    entries: dict[str, str] = {}
    current = ""
    for line in section.splitlines():
        if found := re.match(r"^  (-\S.*?)(?:\s{2,}(.*))?$", line):
            current = found[1]
            entries[current] = found[2] or ""
        elif line.startswith("    ") and current:
            entries[current] += " " + line.strip()
    return entries


@pytest.mark.parametrize("command", ["serve", "migrate"])
def test_every_option_shows_its_default_and_environment_variable(command: str) -> None:
    entries = help_entries(command)
    assert len(entries) > (30 if command == "serve" else 2)
    for invocation, text in entries.items():
        if invocation in HELP_ONLY:
            continue
        flag = re.match(r"--[a-z-]+", invocation)
        assert flag, invocation
        shown = re.search(
            r"\(default ([^;]+); env (CLAUDE_POOL_[A-Z_]+)\)$", " ".join(text.split())
        )
        assert shown, f"{invocation}: {text!r} names no default and variable"
        plain = "CLAUDE_POOL_" + flag[0][2:].replace("-", "_").upper()
        expected = ENV_RENAMES.get(flag[0], plain)
        assert shown[2] == env_name(flag[0]) == expected
        assert expected not in CLIENT_VARIABLES, f"{flag[0]}: {expected} is a client variable"


def serve_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    add_serve(sub)
    add_migrate(sub)
    return parser


def sample(action: argparse.Action, default: object) -> tuple[str, object]:
    """A value for the action's variable that differs from its default, and what it parses to."""
    if isinstance(default, bool) or action.nargs == 0:
        return ("no", False) if default else ("yes", True)
    if action.choices:
        choice = next(c for c in action.choices if c != default)
        return str(choice), choice
    if isinstance(default, list) or action.default == []:
        return f"/from-env{os.pathsep}/also", ["/from-env", "/also"]
    text = "7" if action.type is not None else "from-env"
    return text, action.type(text) if callable(action.type) else text


def visible_actions() -> list[tuple[str, argparse.Action]]:
    parser = serve_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return [
        (command, action)
        for command in ("serve", "migrate")
        for action in sub.choices[command]._actions
        if action.option_strings and action.help not in (argparse.SUPPRESS, None)
        and not isinstance(action, argparse._HelpAction)
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("command", "action"), visible_actions(), ids=lambda v: getattr(v, "dest", v)
)
def test_every_option_reads_its_environment_variable(
    command: str, action: argparse.Action, monkeypatch: pytest.MonkeyPatch
) -> None:
    flag = next(s for s in action.option_strings if s.startswith("--"))
    variable = env_name(flag)
    for name in list(os.environ):
        if name.startswith("CLAUDE_POOL_"):
            monkeypatch.delenv(name)
    default = getattr(serve_parser().parse_args([command]), action.dest)
    text, expected = sample(action, default)
    monkeypatch.setenv(variable, text)
    assert getattr(serve_parser().parse_args([command]), action.dest) == expected, variable


def test_a_flag_on_the_command_line_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_POOL_SLOTS", "5")
    monkeypatch.setenv("CLAUDE_POOL_WARM_SLOTS", "off")
    monkeypatch.setenv("CLAUDE_POOL_WORK_ROOT", f"/a{os.pathsep}/b")
    args = serve_parser().parse_args(["serve", "--slots", "3", "--warm-slots", "--work-root", "/c"])
    assert (args.slots, args.warm_slots, args.work_root) == (3, True, ["/c"])
    assert serve_parser().parse_args(["serve"]).work_root == ["/a", "/b"]
