"""ServerConfig: everything `claude-pool serve` is told, from flags, environment and a YAML file."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import yaml

from claude_pool_server.domain.slots import SlotConfig
from claude_pool_server.domain.tasks import Effort, PermissionMode
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.tokens import SCOPES, hash_token


class ConfigError(Exception):
    """A configuration problem, reported as one line before the server starts."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 50051
    tokens: dict[bytes, frozenset[str]] = field(default_factory=dict)
    insecure_no_auth: bool = False
    store: str = "memory"
    database_url: str = ""
    migrate: bool = False  # apply database migrations at start
    claude_path: str | None = None
    bare: bool = False
    # keep each slot's CLI process between tasks (driver/warm.py); idle ones stop after this
    warm_slots: bool = True
    warm_idle_seconds: float = 300.0
    cli_env: dict[str, str] = field(default_factory=dict)
    grace_seconds: float = 30.0
    pool: PoolSettings = field(default_factory=PoolSettings)

    def check_binding(self) -> None:
        """Without tokens the server listens on loopback only, unless told otherwise explicitly."""
        if self.tokens or self.insecure_no_auth:
            return
        host = self.host.strip("[]")
        if host == "localhost":
            return
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ConfigError(
                f"refusing to listen on {self.host} without auth: configure tokens "
                "(--tokens-file or CLAUDE_POOL_TOKENS) or pass --insecure-no-auth"
            )


def default_state_dir() -> str:
    return platformdirs.user_data_dir("claude-pool", appauthor=False)


def parse_tokens(text: str, source: str) -> dict[bytes, frozenset[str]]:
    """`TOKEN [scope,scope]` per line (`#` comments); no scopes means every scope."""
    tokens: dict[bytes, frozenset[str]] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        token, _, scope_text = line.partition(" ")
        scopes = frozenset(s.strip() for s in scope_text.split(",") if s.strip()) or frozenset(
            SCOPES
        )
        unknown = scopes - set(SCOPES)
        if unknown:
            raise ConfigError(
                f"{source}:{number}: unknown scope {sorted(unknown)[0]!r} "
                f"(scopes are {', '.join(SCOPES)})"
            )
        tokens[hash_token(token)] = scopes
    return tokens


def load_tokens(tokens_file: str | None, env_tokens: str | None) -> dict[bytes, frozenset[str]]:
    tokens: dict[bytes, frozenset[str]] = {}
    if tokens_file:
        try:
            tokens.update(parse_tokens(Path(tokens_file).read_text(), tokens_file))
        except OSError as exc:
            raise ConfigError(f"cannot read tokens file {tokens_file}: {exc.strerror}") from exc
    if env_tokens:
        for token in env_tokens.split(","):
            if token.strip():
                tokens[hash_token(token.strip())] = frozenset(SCOPES)
    return tokens


def permission_mode(value: str) -> PermissionMode:
    try:
        return PermissionMode(value)
    except ValueError:
        allowed = ", ".join(m.value for m in PermissionMode)
        raise ConfigError(f"unknown permission mode {value!r} (use one of {allowed})") from None


def slot_configs_from_file(path: str | None) -> tuple[SlotConfig, ...]:
    """Per-slot identity from the config file's `slots:` list (first entry → slot-0, ...)."""
    if not path:
        return ()
    try:
        data: Any = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from exc
    configs = []
    for index, entry in enumerate(data.get("slots") or []):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: slots[{index}] must be a mapping")
        configs.append(
            SlotConfig(
                name=str(entry.get("name", "")),
                role=str(entry.get("role", "")),
                description=str(entry.get("description", "")),
                model=entry.get("model"),
                permission_mode=permission_mode(entry["permission_mode"])
                if entry.get("permission_mode")
                else None,
                max_turns=entry.get("max_turns"),
                system_prompt=entry.get("system_prompt"),
                allowed_tools=tuple(entry.get("allowed_tools") or ()),
                effort=Effort(entry["effort"]) if entry.get("effort") else None,
            )
        )
    return tuple(configs)


def env_default(name: str, fallback: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else fallback
