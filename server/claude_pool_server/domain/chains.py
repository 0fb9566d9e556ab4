"""Chains: dependent steps run one after another, each as an ordinary task carrying `chain_id`.

`ChainProgress` is the chain's persisted record; every change stores a new snapshot whose `seq`
is one higher, which is both the compare-and-set token and what WatchChain resumes from.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from claude_pool_server.domain.tasks import TaskOverrides


class ChainStatus(enum.Enum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (ChainStatus.COMPLETED, ChainStatus.FAILED, ChainStatus.CANCELLED)


class ChainIsolation(enum.Enum):
    NONE = "none"
    WORKTREE = "worktree"
    CLONE = "clone"


@dataclass(frozen=True)
class StepFailurePolicy:
    retries: int = 0
    recovery_prompt: str | None = None


@dataclass(frozen=True)
class ChainStep:
    name: str
    prompt: str
    overrides: TaskOverrides = field(default_factory=TaskOverrides)
    failure_policy: StepFailurePolicy = field(default_factory=StepFailurePolicy)
    output_vars: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ChainOptions:
    tags: tuple[str, ...] = ()
    isolation: ChainIsolation = ChainIsolation.NONE
    working_dir: str = ""


@dataclass(frozen=True)
class StepResult:
    name: str
    output: str = ""
    success: bool = False
    cost_micros: int = 0
    retries_used: int = 0
    skipped: bool = False
    task_id: str = ""


@dataclass(frozen=True)
class ChainResult:
    steps: tuple[StepResult, ...]
    final_output: str
    total_cost_micros: int
    success: bool


@dataclass(frozen=True)
class ChainProgress:
    chain_id: str
    status: ChainStatus
    total_steps: int
    create_time: datetime
    steps: tuple[ChainStep, ...] = ()
    options: ChainOptions = field(default_factory=ChainOptions)
    current_step: int | None = None
    current_step_name: str = ""
    current_step_partial_output: str = ""
    current_step_start_time: datetime | None = None
    completed_steps: tuple[StepResult, ...] = ()
    result: ChainResult | None = None
    end_time: datetime | None = None
    request_id: str = ""
    # the replica whose runner drives the chain; another adopts it when that one dies
    runner_replica_id: str = ""
    # who submitted it: its steps run as tasks of this namespace and principal
    namespace: str = "default"
    owner: str = ""
    seq: int = 0


@dataclass(frozen=True)
class ChainPage:
    chains: list[ChainProgress]
    next_page_token: str = ""
