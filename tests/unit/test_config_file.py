"""The YAML config file: every section reaches the server's settings, and mistakes are named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from claude_pool_server.cli import build_parser, server_config
from claude_pool_server.config_error import ConfigError
from claude_pool_server.config_file import load_file_config, parse_file_config
from claude_pool_server.domain.tasks import PermissionMode
from claude_pool_server.gateway.prices import Price

EXAMPLE = """
slots:
  - {name: reviewer, role: review, model: claude-sonnet-4-5, max_turns: 3}
mcp_servers:
  github: {command: github-mcp, args: [--read-only], env: {GITHUB_TOKEN: t}}
  docs: {type: http, url: "http://127.0.0.1:9/mcp"}
namespaces:
  "*": {models: [claude-haiku-4-5], permission_modes: [plan]}
  billing:
    models: [claude-sonnet-4-5]
    mcp_servers: [github]
    budget_usd: 20
    max_concurrent_tasks: 4
    submits_per_second: 2.5
model_prices:
  claude-sonnet-4-5: {input: 2, output: 10}
"""


def test_every_section_reaches_the_servers_settings(tmp_path: Path) -> None:
    path = tmp_path / "pool.yaml"
    path.write_text(EXAMPLE)
    args = build_parser().parse_args(["serve", "--config", str(path), "--state-dir", str(tmp_path)])
    config = server_config(args)
    pool = config.pool
    assert [s.name for s in pool.slot_configs] == ["reviewer"]
    assert pool.slot_configs[0].max_turns == 3
    assert set(pool.mcp_servers) == {"github", "docs"}
    assert pool.mcp_servers["github"]["args"] == ["--read-only"]
    billing = pool.policy_for("billing")
    assert billing.models == ("claude-sonnet-4-5",) and billing.mcp_servers == ("github",)
    assert billing.budget_micros == 20_000_000 and billing.max_concurrent_tasks == 4
    assert billing.submits_per_second == 2.5
    other = pool.policy_for("team-x")  # not named: the "*" policy
    assert other.models == ("claude-haiku-4-5",)
    assert other.permission_modes == (PermissionMode.PLAN,)
    assert config.model_prices["claude-sonnet-4-5"] == Price(2.0, 10.0, 2.5, 0.2)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mcp_server: {}", "unknown key mcp_server (known: slots, mcp_servers"),
        ("namespaces: {billing: {model: [x]}}", "namespaces.billing: unknown key model"),
        ("namespaces: {billing: {mcp_servers: [github]}}", "github not in the mcp_servers"),
        ("namespaces: {'bad name!': {}}", "is not a namespace name"),
        ("namespaces: {billing: {budget_usd: lots}}", "budget_usd: expected a number"),
        ("namespaces: {billing: {max_concurrent_tasks: 1.5}}", "expected a whole number"),
        ("namespaces: {billing: {permission_modes: [yolo]}}", "unknown permission mode 'yolo'"),
        ("mcp_servers: {github: {args: [x]}}", "needs a `command` (stdio) or a `url`"),
        ("slots: [{name: a, colour: red}]", "slots[0]: unknown key colour"),
        ("slots: [{effort: extreme}]", "slots[0].effort: unknown effort 'extreme'"),
        ("model_prices: {m: {input: 1}}", "needs `input` and `output`"),
        ("- just a list", "expected a mapping, got list"),
    ],
)
def test_a_mistake_is_an_error_naming_it(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_file_config(yaml.safe_load(text), "pool.yaml")
    assert message in str(error.value)
    assert str(error.value).startswith("pool.yaml")


def test_an_unreadable_or_invalid_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_file_config(str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("slots: [unclosed")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        load_file_config(str(broken))
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_file_config(str(empty)).slots == ()
