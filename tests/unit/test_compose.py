"""docker-compose.yml and Dockerfile: checked with a YAML parser (no Docker engine runs here)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_postgres_is_a_pinned_major_with_a_healthcheck_and_a_named_volume() -> None:
    services = compose()["services"]
    postgres = services["postgres"]
    assert re.fullmatch(r"postgres:\d+(\.\d+)?(-\w+)?", postgres["image"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    volume, _, path = postgres["volumes"][0].partition(":")
    assert volume in compose()["volumes"] and path == "/var/lib/postgresql/data"


def test_migrate_runs_once_after_postgres_is_healthy_and_the_server_after_it() -> None:
    services = compose()["services"]
    migrate, server = services["migrate"], services["server"]
    assert migrate["command"] == ["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert server["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert server["image"] == migrate["image"] and "build" in migrate
    url = migrate["environment"]["CLAUDE_POOL_DATABASE_URL"]
    assert url == server["environment"]["CLAUDE_POOL_DATABASE_URL"]
    assert url.startswith("postgresql://") and "@postgres:5432/" in url


def test_the_api_key_and_tokens_are_required_with_a_clear_message() -> None:
    environment = compose()["services"]["server"]["environment"]
    key = environment["ANTHROPIC_API_KEY"]
    assert re.fullmatch(r"\$\{ANTHROPIC_API_KEY:\?set ANTHROPIC_API_KEY .+\}", key)
    assert environment["CLAUDE_POOL_TOKENS"].startswith("${CLAUDE_POOL_TOKENS:?set ")


def test_the_server_healthcheck_is_a_grpc_health_check_that_compiles() -> None:
    check = compose()["services"]["server"]["healthcheck"]["test"]
    assert check[:3] == ["CMD", "python", "-c"]
    assert "HealthStub" in check[3]
    compile(check[3], "healthcheck", "exec")


def test_the_compose_commands_use_real_claude_pool_options() -> None:
    services = compose()["services"]
    for command in (services["migrate"]["command"], services["server"]["command"]):
        help_text = subprocess.run(
            [sys.executable, "-m", "claude_pool_server.cli", command[0], "--help"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        for option in (arg for arg in command[1:] if arg.startswith("--")):
            assert option in help_text, f"{command[0]} has no {option}"


def test_the_dockerfile_installs_the_package_the_readme_installs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    # the client package first: the server depends on it and it is not on an index yet
    assert re.search(r"^RUN pip install \./clients/python \. ", dockerfile, re.MULTILINE)
    assert 'ENTRYPOINT ["claude-pool"]' in dockerfile
    for path in ("pyproject.toml", "server", "clients/python"):
        assert re.search(rf"^COPY .*\b{re.escape(path)}\b", dockerfile, re.MULTILINE)
    assert "pip install -e clients/python -e ." in (ROOT / "README.md").read_text()
