"""Configuration resolution: task > slot > pool; tool lists and MCP servers merge across layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from claude_pool_server.domain.slots import SlotConfig
from claude_pool_server.domain.tasks import Effort, PermissionMode, TaskOverrides
from claude_pool_server.engine.settings import PoolSettings


@dataclass(frozen=True)
class ResolvedConfig:
    model: str | None
    permission_mode: PermissionMode
    max_turns: int | None
    system_prompt: str | None
    allowed_tools: tuple[str, ...]
    disallowed_tools: tuple[str, ...]
    tools: tuple[str, ...]
    mcp_servers: dict[str, Any] = field(default_factory=dict)
    effort: Effort | None = None
    fallback_model: str | None = None
    json_schema: dict[str, Any] | None = None
    max_budget_micros: int | None = None
    timeout_seconds: float = 1800.0


T = TypeVar("T")


def _first(*values: T | None) -> T | None:
    for value in values:
        if value is not None:
            return value
    return None


def resolve(pool: PoolSettings, slot: SlotConfig, task: TaskOverrides) -> ResolvedConfig:
    return ResolvedConfig(
        model=_first(task.model, slot.model, pool.model),
        permission_mode=_first(task.permission_mode, slot.permission_mode, pool.permission_mode)
        or PermissionMode.PLAN,
        max_turns=_first(task.max_turns, slot.max_turns, pool.max_turns),
        system_prompt=_first(task.system_prompt, slot.system_prompt, pool.system_prompt),
        allowed_tools=pool.allowed_tools + slot.allowed_tools + task.allowed_tools,
        disallowed_tools=task.disallowed_tools,
        tools=task.tools,
        mcp_servers={name: pool.mcp_servers[name] for name in task.mcp_servers},
        effort=_first(task.effort, slot.effort, pool.effort),
        fallback_model=_first(task.fallback_model, pool.fallback_model),
        json_schema=task.json_schema,
        max_budget_micros=task.max_budget_micros,
        timeout_seconds=task.timeout_seconds or pool.task_timeout_seconds,
    )
