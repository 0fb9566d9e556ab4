"""Tasks: what a client asks to run, the record the pool keeps, and the events of a run.

Every task lives in the namespace of the caller that submitted it (domain/callers.py) and, once
its run starts, in a session (domain/sessions.py): a new one, or the one it continues.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class TaskState(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    PENDING_REVIEW = "pending_review"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES

    @property
    def is_settled(self) -> bool:
        """True when the task produces no more output until someone acts (terminal or review)."""
        return self in TERMINAL_STATES or self is TaskState.PENDING_REVIEW


TERMINAL_STATES = frozenset({TaskState.COMPLETED, TaskState.FAILED, TaskState.CANCELLED})
# counted against a namespace's `max_concurrent_tasks`
UNFINISHED_STATES = frozenset({TaskState.PENDING, TaskState.RUNNING, TaskState.PENDING_REVIEW})


class PermissionMode(enum.Enum):
    """The CLI's `--permission-mode` values, spelled as the CLI spells them."""

    DEFAULT = "default"
    ACCEPT_EDITS = "acceptEdits"
    BYPASS_PERMISSIONS = "bypassPermissions"
    DONT_ASK = "dontAsk"
    PLAN = "plan"
    AUTO = "auto"


class Effort(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    MAX = "max"


class FailureKind(enum.Enum):
    API_ERROR = "api_error"
    MAX_TURNS = "max_turns"
    BUDGET_EXHAUSTED = "budget_exhausted"
    TIMEOUT = "timeout"
    IDLE_TIMEOUT = "idle_timeout"
    PROCESS_ERROR = "process_error"
    EXECUTION_ERROR = "execution_error"
    REJECTED = "rejected"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class TaskOverrides:
    """Per-task configuration; `None` / empty means "not set at this layer"."""

    model: str | None = None
    permission_mode: PermissionMode | None = None
    max_turns: int | None = None
    system_prompt: str | None = None
    allowed_tools: tuple[str, ...] = ()
    disallowed_tools: tuple[str, ...] = ()
    tools: tuple[str, ...] = ()
    mcp_servers: tuple[str, ...] = ()  # names from the server's catalogue
    effort: Effort | None = None
    fallback_model: str | None = None
    json_schema: dict[str, Any] | None = None
    max_budget_micros: int | None = None
    timeout_seconds: float | None = None


@dataclass(frozen=True)
class TaskSpec:
    """What a client chose: the prompt and how to run it."""

    prompt: str
    overrides: TaskOverrides = field(default_factory=TaskOverrides)
    tags: tuple[str, ...] = ()
    working_dir: str = ""
    review_required: bool = False
    max_rejections: int = 3
    slot_id: str = ""
    # a session id or a task id, as the client gave it (resolved into Task.continues/forks)
    continue_from: str = ""
    fork_from: str = ""
    # the W3C `traceparent` of the call that submitted it, so its run joins the caller's trace;
    # not part of what the client asked for (a retry carries a new one and is the same request)
    trace_parent: str = field(default="", compare=False)


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0


@dataclass(frozen=True)
class TaskFailure:
    kind: FailureKind
    message: str
    error_subtype: str = ""
    terminal_reason: str = ""
    api_error_status: int = 0
    exit_code: int | None = None
    stderr_tail: str = ""
    failed_command: str = ""
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskResult:
    output: str
    success: bool
    cost_micros: int = 0
    turns: int = 0
    session_id: str = ""
    model: str = ""
    elapsed_seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)
    failure: TaskFailure | None = None
    structured_output: Any = None


@dataclass(frozen=True)
class Task:
    """The pool's record of a task. Immutable: every change makes a new value with `replace`.

    `version` increases with every stored change; `attempt` counts runs and fences a late result
    from an abandoned run. Every change goes through one lifecycle transition
    (domain/lifecycle.py), which stores apply atomically with its events.
    """

    id: str
    state: TaskState
    prompt: str
    spec: TaskSpec
    create_time: datetime
    namespace: str = "default"
    owner: str = ""  # the principal that submitted it
    # the session this task continues or forks from (resolved at submission), and the one it
    # runs in (known at submission for a continuation, once the run starts otherwise)
    continues: str = ""
    forks: str = ""
    session_id: str = ""
    slot_id: str = ""
    result: TaskResult | None = None
    rejection_count: int = 0
    reserved_micros: int = 0
    attempt: int = 0
    chain_id: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    last_seq: int = 0
    request_id: str = ""
    replica_id: str = ""
    version: int = 0


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateChanged:
    state: TaskState
    slot_id: str = ""
    reason: str = ""


@dataclass(frozen=True)
class TextDelta:
    text: str
    attempt: int = 1


@dataclass(frozen=True)
class ToolUse:
    name: str
    input_json: str


@dataclass(frozen=True)
class Finished:
    """The task settled (terminal or PENDING_REVIEW); watchers stop after this event."""

    task: Task


EventPayload = StateChanged | TextDelta | ToolUse | Finished


@dataclass(frozen=True)
class TaskEvent:
    task_id: str
    seq: int
    time: datetime
    payload: EventPayload


@dataclass(frozen=True)
class TaskQuery:
    """Filters for listing one namespace's tasks; all given filters must match (tags: any)."""

    namespace: str = "default"
    state: TaskState | None = None
    slot_id: str = ""
    tags: tuple[str, ...] = ()
    chain_id: str = ""
    session_id: str = ""
    page_size: int = 50
    page_token: str = ""


@dataclass(frozen=True)
class TaskPage:
    tasks: list[Task]
    next_page_token: str = ""
