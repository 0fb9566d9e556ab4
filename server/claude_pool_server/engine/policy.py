"""Checking a task against its namespace's policy and limits (domain/policy.py).

Each refusal names the field that asked for too much, so a client learns what to change:
PERMISSION_DENIED (`POLICY_DENIED`) for a model, permission mode, tool or MCP server the
namespace may not use; the limits (caps, quota) travel to the store with the reservation.
"""

from __future__ import annotations

from claude_pool_server.domain.budget import Limits
from claude_pool_server.domain.errors import PermissionModeDenied, PolicyDenied
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.tasks import TaskOverrides
from claude_pool_server.engine.settings import PoolSettings


def check_overrides(
    overrides: TaskOverrides, policy: NamespacePolicy, settings: PoolSettings, prefix: str
) -> None:
    namespace = policy.namespace
    for field, model in (("model", overrides.model), ("fallback_model", overrides.fallback_model)):
        if model is not None and policy.models and model not in policy.models:
            raise PolicyDenied(f"{prefix}.{field}", model, namespace, list(policy.models))
    mode = overrides.permission_mode
    if mode is not None:
        if mode in settings.denied_permission_modes:
            raise PermissionModeDenied(mode.value)
        if policy.permission_modes and mode not in policy.permission_modes:
            allowed = [m.value for m in policy.permission_modes]
            raise PolicyDenied(f"{prefix}.permission_mode", mode.value, namespace, allowed)
    if policy.tools:
        for field, tools in (
            ("allowed_tools", overrides.allowed_tools),
            ("tools", overrides.tools),
        ):
            for index, tool in enumerate(tools):
                if _tool_name(tool) not in policy.tools:
                    raise PolicyDenied(
                        f"{prefix}.{field}[{index}]", tool, namespace, list(policy.tools)
                    )
    for index, name in enumerate(overrides.mcp_servers):
        allowed = [s for s in policy.mcp_servers if s in settings.mcp_servers]
        if name not in allowed:
            raise PolicyDenied(f"{prefix}.mcp_servers[{index}]", name, namespace, allowed)


def _tool_name(tool: str) -> str:
    """`Bash(git log:*)` names the tool `Bash`."""
    return tool.split("(", 1)[0].strip()


def limits_for(policy: NamespacePolicy, settings: PoolSettings) -> Limits:
    return Limits(
        pool_cap=settings.budget_micros,
        namespace_cap=policy.budget_micros,
        max_unfinished=policy.max_concurrent_tasks or None,
    )
