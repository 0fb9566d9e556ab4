"""A run: one CLI invocation for one attempt of a task, as the engine asks for it and sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from claude_pool_server.domain.tasks import (
    Effort,
    PermissionMode,
    TaskFailure,
    TextDelta,
    ToolUse,
    Usage,
)


@dataclass(frozen=True)
class RunRequest:
    """Everything the driver needs, already resolved (task > slot > pool)."""

    prompt: str
    cwd: str
    system_prompt: str | None = None
    model: str | None = None
    permission_mode: PermissionMode | None = None
    max_turns: int | None = None
    allowed_tools: tuple[str, ...] = ()
    disallowed_tools: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    mcp_servers: dict[str, Any] = field(default_factory=dict)
    effort: Effort | None = None
    fallback_model: str | None = None
    json_schema: dict[str, Any] | None = None
    max_budget_usd: float | None = None
    resume_session_id: str = ""
    env: dict[str, str] = field(default_factory=dict)
    timeout_seconds: float = 1800.0
    idle_timeout_seconds: float = 600.0
    # the slot running it: a driver may keep that slot's process for its next run
    slot_id: str = ""


@dataclass(frozen=True)
class RunOutcome:
    """How a run ended. `failure` is set exactly when `success` is false."""

    success: bool
    output: str
    cost_micros: int = 0
    turns: int = 0
    session_id: str = ""
    model: str = ""
    elapsed_seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)
    failure: TaskFailure | None = None
    structured_output: Any = None
    cancelled: bool = False


RunEvent = TextDelta | ToolUse | RunOutcome
