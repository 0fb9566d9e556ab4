"""Slots: execution capacity that runs one task at a time (sessions are their own resource;
with the `slot` session policy a slot also keeps one session for its next task)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from claude_pool_server.domain.tasks import Effort, PermissionMode


class SlotState(enum.Enum):
    IDLE = "idle"
    BUSY = "busy"
    STOPPED = "stopped"
    ERRORED = "errored"


@dataclass(frozen=True)
class SlotConfig:
    """A slot's identity (name, role, description) and its configuration overrides."""

    name: str = ""
    role: str = ""
    description: str = ""
    model: str | None = None
    permission_mode: PermissionMode | None = None
    max_turns: int | None = None
    system_prompt: str | None = None
    allowed_tools: tuple[str, ...] = ()
    effort: Effort | None = None


@dataclass(frozen=True)
class Slot:
    id: str
    state: SlotState = SlotState.IDLE
    config: SlotConfig = field(default_factory=SlotConfig)
    current_task_id: str = ""
    current_namespace: str = ""  # the namespace of the task it runs (shown only to that one)
    session_id: str = ""  # the `slot` session policy: the session its next task continues
    tasks_completed: int = 0
    cost_micros: int = 0
    restart_count: int = 0
    worktree_path: str = ""
    replica_id: str = ""
    consecutive_failures: int = 0
