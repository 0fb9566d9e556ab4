"""clients/COVERAGE.md is true: a row for every RPC, and every method it names exists."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from claude_pool import PoolClient, SyncPoolClient
from claude_pool.v1 import pool_service_pb2

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = ROOT / "clients"
LANGUAGES = ("Python", "Python sync", "TypeScript", "Go", "Java", "Rust")


def sources(*patterns: str) -> str:
    return "\n".join(
        path.read_text()
        for pattern in patterns
        for path in sorted(CLIENTS.glob(pattern))
        if "/gen/" not in str(path) and "/generated/" not in str(path)
    )


def defined_in(text: str, pattern: str) -> Callable[[str], bool]:
    return lambda name: (
        re.search(pattern.format(name=re.escape(name)), text, re.MULTILINE) is not None
    )


def finders() -> dict[str, Callable[[str], bool]]:
    typescript = sources("typescript/src/client.ts")
    go = sources("go/*.go")
    java = sources("java/src/main/java/dev/claudepool/client/PoolClient.java")
    rust = sources("rust/src/*.rs", "rust/src/rpc/*.rs")
    return {
        "Python": lambda name: callable(getattr(PoolClient, name, None)),
        "Python sync": lambda name: callable(getattr(SyncPoolClient, name, None)),
        "TypeScript": defined_in(typescript, r"^\s+(?:async\s+)?\*?\s*{name}\s*[(<]"),
        "Go": defined_in(go, r"^func \(c \*PoolClient\) {name}\("),
        "Java": defined_in(java, r"^\s+public\s[^=;(]*\s{name}\("),
        "Rust": defined_in(rust, r"^\s*pub (?:async )?fn {name}\b"),
    }


def tables() -> list[dict[str, list[str]]]:
    """Each markdown table of COVERAGE.md as {rpc: [cell per language]}."""
    found: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] | None = None
    for line in (CLIENTS / "COVERAGE.md").read_text().splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if cells[0] == "RPC":
            assert tuple(cells[1:]) == LANGUAGES, cells
            current = {}
            found.append(current)
        elif current is not None and not set(cells[0]) <= {"-"}:
            current[cells[0]] = [c.strip("`") for c in cells[1:]]
    return found


def test_every_rpc_of_the_contract_has_a_row() -> None:
    service = pool_service_pb2.DESCRIPTOR.services_by_name["PoolService"]
    rpcs = {method.name for method in service.methods}
    methods = tables()[0]
    assert set(methods) == rpcs, f"missing: {rpcs - set(methods)}, unknown: {set(methods) - rpcs}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_method_named_exists_in_that_client(language: str) -> None:
    exists = finders()[language]
    column = LANGUAGES.index(language)
    missing = [
        f"{rpc}: {cells[column]}"
        for table in tables()
        for rpc, cells in table.items()
        if not cells[column] or not exists(cells[column])
    ]
    assert not missing, f"{language} lacks {missing}"
