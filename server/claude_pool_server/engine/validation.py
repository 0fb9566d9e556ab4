"""Input checks for task specs: limits, policy and working-directory confinement.

Each breach raises a domain error naming the field, so the client learns what to fix.
"""

from __future__ import annotations

import os
from pathlib import Path

from claude_pool_server.domain.errors import (
    InvalidArgument,
    PermissionModeDenied,
    WorkingDirOutsideRoots,
)
from claude_pool_server.domain.tasks import TaskOverrides, TaskSpec
from claude_pool_server.engine.settings import PoolSettings


def validate_spec(spec: TaskSpec, settings: PoolSettings, field_prefix: str = "task") -> None:
    prompt_field = f"{field_prefix}.prompt"
    if not spec.prompt.strip():
        raise InvalidArgument(prompt_field, "must not be empty")
    size = len(spec.prompt.encode())
    if size > settings.max_prompt_bytes:
        raise InvalidArgument(
            prompt_field,
            f"is {size} bytes; the limit is {settings.max_prompt_bytes} bytes",
        )
    if len(spec.tags) > settings.max_tags:
        raise InvalidArgument(
            f"{field_prefix}.tags", f"has {len(spec.tags)} tags; the limit is {settings.max_tags}"
        )
    for tag in spec.tags:
        if not tag or len(tag.encode()) > settings.max_tag_bytes:
            raise InvalidArgument(
                f"{field_prefix}.tags",
                f"each tag must be 1-{settings.max_tag_bytes} bytes (got {tag!r})",
            )
    if spec.max_rejections < 1:
        raise InvalidArgument(f"{field_prefix}.max_rejections", "must be at least 1")
    validate_overrides(spec.overrides, settings, f"{field_prefix}.overrides")


def validate_overrides(overrides: TaskOverrides, settings: PoolSettings, prefix: str) -> None:
    if overrides.max_turns is not None and overrides.max_turns < 1:
        raise InvalidArgument(f"{prefix}.max_turns", "must be at least 1")
    if overrides.max_budget_micros is not None and overrides.max_budget_micros <= 0:
        raise InvalidArgument(f"{prefix}.max_budget_micros", "must be positive (micro-dollars)")
    if overrides.timeout_seconds is not None and overrides.timeout_seconds <= 0:
        raise InvalidArgument(f"{prefix}.timeout", "must be positive")
    if overrides.permission_mode in settings.denied_permission_modes:
        assert overrides.permission_mode is not None
        raise PermissionModeDenied(overrides.permission_mode.value)
    for index, name in enumerate(overrides.mcp_servers):
        if name not in settings.mcp_servers:
            known = ", ".join(sorted(settings.mcp_servers)) or "none"
            raise InvalidArgument(
                f"{prefix}.mcp_servers[{index}]",
                f"{name!r} is not in the server's MCP catalogue (known: {known})",
            )


def resolve_working_dir(
    requested: str, settings: PoolSettings, field: str = "task.working_dir"
) -> str:
    """Return the real directory a task runs in, confined to the work roots.

    The check runs on the fully resolved path (symlinks followed, `..` collapsed), so neither a
    symlink nor a `..` can lead outside a root.
    """
    roots = [os.path.realpath(root) for root in settings.work_roots] or [os.path.realpath(".")]
    base = requested or settings.default_working_dir
    candidate = Path(base)
    if not candidate.is_absolute():
        candidate = Path(roots[0]) / candidate
    real = os.path.realpath(candidate)
    if not any(real == root or real.startswith(root.rstrip(os.sep) + os.sep) for root in roots):
        raise WorkingDirOutsideRoots(requested or base, roots)
    if not os.path.isdir(real):
        raise InvalidArgument(field, f"{requested!r} is not an existing directory")
    return real
