"""The YAML config file (`serve --config FILE`): what flags cannot say well.

    slots:            # per-slot identity, first entry -> slot-0
      - {name: reviewer, role: review, model: claude-sonnet-4-5, system_prompt: "..."}
    mcp_servers:      # the MCP catalogue: tasks name these, never define their own
      github: {command: github-mcp, args: [--read-only], env: {GITHUB_TOKEN: "..."}}
    namespaces:       # what each namespace may ask for and spend; "*" for every other one
      "*": {models: [claude-sonnet-4-5], permission_modes: [default, plan]}
      billing: {mcp_servers: [github], budget_usd: 20, max_concurrent_tasks: 4,
                submits_per_second: 2}
    model_prices:     # USD per million tokens, for the API gateway's metering
      claude-sonnet-4-5: {input: 3, output: 15}

A key the server does not know is an error naming it (a misspelt `mcp_server:` must not be
silently ignored), as is a value of the wrong type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from claude_pool_server.config_error import ConfigError
from claude_pool_server.domain.budget import usd_to_micros
from claude_pool_server.domain.callers import valid_namespace
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.slots import SlotConfig
from claude_pool_server.domain.tasks import Effort, PermissionMode
from claude_pool_server.gateway.prices import Price

OTHER_NAMESPACES = "*"  # the `namespaces:` key whose policy applies to every namespace not named
TOP_LEVEL = ("slots", "mcp_servers", "namespaces", "model_prices")
SLOT_KEYS = (
    "name",
    "role",
    "description",
    "model",
    "permission_mode",
    "max_turns",
    "system_prompt",
    "allowed_tools",
    "effort",
)
POLICY_KEYS = (
    "models",
    "permission_modes",
    "tools",
    "mcp_servers",
    "budget_usd",
    "max_concurrent_tasks",
    "submits_per_second",
)
MCP_KEYS = ("type", "command", "args", "env", "url", "headers")
PRICE_KEYS = ("input", "output", "cache_write", "cache_read")


@dataclass(frozen=True)
class FileConfig:
    slots: tuple[SlotConfig, ...] = ()
    mcp_servers: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: dict[str, NamespacePolicy] = field(default_factory=dict)
    default_policy: NamespacePolicy = field(default_factory=NamespacePolicy)
    model_prices: dict[str, Price] = field(default_factory=dict)


def load_file_config(path: str | None) -> FileConfig:
    if not path:
        return FileConfig()
    try:
        data: Any = yaml.safe_load(Path(path).read_text())
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from exc
    return parse_file_config(data, path)


def parse_file_config(data: Any, where: str) -> FileConfig:
    if data is None:
        return FileConfig()
    top = _mapping(data, where, TOP_LEVEL)
    catalogue = _catalogue(top.get("mcp_servers"), f"{where}: mcp_servers")
    policies, default = _policies(top.get("namespaces"), f"{where}: namespaces", catalogue)
    return FileConfig(
        slots=_slots(top.get("slots"), f"{where}: slots"),
        mcp_servers=catalogue,
        policies=policies,
        default_policy=default,
        model_prices=_prices(top.get("model_prices"), f"{where}: model_prices"),
    )


def _mapping(value: Any, where: str, known: tuple[str, ...] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(value).__name__}")
    if known is not None:
        unknown = sorted(str(k) for k in value if k not in known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(unknown)} (known: {', '.join(known)})"
            )
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{where}: expected a list of names")
    return tuple(value)


def _number(value: Any, where: str, *, integer: bool = False) -> float:
    wrong = isinstance(value, bool) or not isinstance(value, int | float)
    if wrong or (integer and not isinstance(value, int)) or value < 0:
        kind = "a whole number" if integer else "a number"
        raise ConfigError(f"{where}: expected {kind} >= 0, got {value!r}")
    return float(value)


def _permission_mode(value: Any, where: str) -> PermissionMode:
    try:
        return PermissionMode(value)
    except ValueError:
        allowed = ", ".join(m.value for m in PermissionMode)
        raise ConfigError(f"{where}: unknown permission mode {value!r} (use {allowed})") from None


def _slots(value: Any, where: str) -> tuple[SlotConfig, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"{where}: expected a list of slots")
    configs = []
    for index, raw in enumerate(value):
        at = f"{where}[{index}]"
        entry = _mapping(raw, at, SLOT_KEYS)
        effort = entry.get("effort")
        try:
            effort_value = Effort(effort) if effort else None
        except ValueError:
            allowed = ", ".join(e.value for e in Effort)
            raise ConfigError(f"{at}.effort: unknown effort {effort!r} (use {allowed})") from None
        max_turns = entry.get("max_turns")
        configs.append(
            SlotConfig(
                name=str(entry.get("name", "")),
                role=str(entry.get("role", "")),
                description=str(entry.get("description", "")),
                model=entry.get("model"),
                permission_mode=_permission_mode(entry["permission_mode"], f"{at}.permission_mode")
                if entry.get("permission_mode")
                else None,
                max_turns=int(_number(max_turns, f"{at}.max_turns", integer=True))
                if max_turns is not None
                else None,
                system_prompt=entry.get("system_prompt"),
                allowed_tools=_strings(entry.get("allowed_tools"), f"{at}.allowed_tools"),
                effort=effort_value,
            )
        )
    return tuple(configs)


def _catalogue(value: Any, where: str) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    catalogue: dict[str, dict[str, Any]] = {}
    for name, raw in _mapping(value, where).items():
        at = f"{where}.{name}"
        entry = _mapping(raw, at, MCP_KEYS)
        if not entry.get("command") and not entry.get("url"):
            raise ConfigError(f"{at}: needs a `command` (stdio) or a `url` (http, sse)")
        catalogue[str(name)] = dict(entry)
    return catalogue


def _policy(raw: Any, where: str, namespace: str, catalogue: dict[str, Any]) -> NamespacePolicy:
    entry = _mapping(raw or {}, where, POLICY_KEYS)
    servers = _strings(entry.get("mcp_servers"), f"{where}.mcp_servers")
    missing = [s for s in servers if s not in catalogue]
    if missing:
        raise ConfigError(
            f"{where}.mcp_servers: {', '.join(missing)} not in the mcp_servers catalogue"
        )
    budget = entry.get("budget_usd")
    return NamespacePolicy(
        namespace=namespace,
        models=_strings(entry.get("models"), f"{where}.models"),
        permission_modes=tuple(
            _permission_mode(m, f"{where}.permission_modes")
            for m in _strings(entry.get("permission_modes"), f"{where}.permission_modes")
        ),
        tools=_strings(entry.get("tools"), f"{where}.tools"),
        mcp_servers=servers,
        budget_micros=usd_to_micros(_number(budget, f"{where}.budget_usd"))
        if budget is not None
        else None,
        max_concurrent_tasks=int(
            _number(
                entry.get("max_concurrent_tasks", 0), f"{where}.max_concurrent_tasks", integer=True
            )
        ),
        submits_per_second=_number(
            entry.get("submits_per_second", 0), f"{where}.submits_per_second"
        ),
    )


def _policies(
    value: Any, where: str, catalogue: dict[str, Any]
) -> tuple[dict[str, NamespacePolicy], NamespacePolicy]:
    if value is None:
        return {}, NamespacePolicy()
    policies: dict[str, NamespacePolicy] = {}
    default = NamespacePolicy()
    for name, raw in _mapping(value, where).items():
        namespace = str(name)
        if namespace == OTHER_NAMESPACES:
            default = _policy(raw, f"{where}.{namespace}", "", catalogue)
            continue
        if not valid_namespace(namespace):
            raise ConfigError(
                f'{where}: {namespace!r} is not a namespace name (or "{OTHER_NAMESPACES}" '
                "for every namespace not named)"
            )
        policies[namespace] = _policy(raw, f"{where}.{namespace}", namespace, catalogue)
    return policies, default


def _prices(value: Any, where: str) -> dict[str, Price]:
    if value is None:
        return {}
    prices: dict[str, Price] = {}
    for model, raw in _mapping(value, where).items():
        at = f"{where}.{model}"
        entry = _mapping(raw, at, PRICE_KEYS)
        if "input" not in entry or "output" not in entry:
            raise ConfigError(f"{at}: needs `input` and `output` (USD per million tokens)")
        base = Price.of(
            _number(entry["input"], f"{at}.input"), _number(entry["output"], f"{at}.output")
        )
        prices[str(model)] = Price(
            base.input,
            base.output,
            _number(entry.get("cache_write", base.cache_write), f"{at}.cache_write"),
            _number(entry.get("cache_read", base.cache_read), f"{at}.cache_read"),
        )
    return prices
