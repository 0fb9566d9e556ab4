"""A run: one CLI invocation for one attempt of a task, as the engine asks for it and sees it."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
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


class SessionMode(enum.Enum):
    NEW = "new"  # a fresh conversation
    CONTINUE = "continue"  # the next turn of `session_id`
    FORK = "fork"  # a new conversation that starts as a copy of `session_id`


async def _no_transcript() -> list[bytes]:
    return []


@dataclass(frozen=True)
class SessionPlan:
    mode: SessionMode = SessionMode.NEW
    session_id: str = ""
    # the stored transcript chunks, read only when no warm process holds the session
    load_transcript: Callable[[], Awaitable[list[bytes]]] = field(
        default=_no_transcript, compare=False, repr=False
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
    # resolved from the server's MCP catalogue by name: name -> server definition
    mcp_servers: dict[str, Any] = field(default_factory=dict)
    effort: Effort | None = None
    fallback_model: str | None = None
    json_schema: dict[str, Any] | None = None
    # the most this run may spend (the API gateway refuses calls past it); None: no limit
    budget_micros: int | None = None
    session: SessionPlan = field(default_factory=SessionPlan)
    timeout_seconds: float = 1800.0
    idle_timeout_seconds: float = 600.0
    # who the run belongs to: a warm process never serves two namespaces or two principals
    namespace: str = "default"
    owner: str = ""
    task_id: str = ""
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
    # the session's new transcript lines, compressed; set on a successful run only
    transcript: bytes | None = None


RunEvent = TextDelta | ToolUse | RunOutcome
