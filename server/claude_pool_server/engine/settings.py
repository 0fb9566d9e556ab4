"""PoolSettings: the engine's configuration (pool-level defaults, limits and policy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.sessions import SessionPolicy
from claude_pool_server.domain.slots import SlotConfig
from claude_pool_server.domain.tasks import Effort, PermissionMode


@dataclass(frozen=True)
class PoolSettings:
    # pool-layer defaults for every task
    model: str | None = None
    permission_mode: PermissionMode = PermissionMode.PLAN
    max_turns: int | None = None
    system_prompt: str | None = None
    allowed_tools: tuple[str, ...] = ()
    # the MCP server catalogue: tasks choose servers from it by name (never define one)
    mcp_servers: dict[str, Any] = field(default_factory=dict)
    effort: Effort | None = None
    fallback_model: str | None = None
    # slots
    slots: int = 2
    slot_configs: tuple[SlotConfig, ...] = ()
    min_slots: int = 1
    max_slots: int = 16
    max_restarts: int = 3
    max_consecutive_start_failures: int = 3
    supervisor_interval_seconds: float = 10.0  # how often errored slots are restarted
    # each slot works in its own git worktree of the task's repository (--slot-worktrees)
    worktree_isolation: bool = False
    # conversations: each task its own session ("task") or one session per slot ("slot")
    session_policy: SessionPolicy = SessionPolicy.TASK
    # a stored transcript larger than this (compressed bytes) cannot be continued
    max_session_bytes: int = 8 * 1024 * 1024
    # money (micro-dollars)
    budget_micros: int | None = None
    default_task_reservation_micros: int = 1_000_000
    # time
    task_timeout_seconds: float = 1800.0
    idle_output_timeout_seconds: float = 600.0
    poll_interval_seconds: float = 1.0
    # replicas: a running task's lease is renewed every heartbeat; an expired lease is
    # re-queued by a live replica (re-dispatch < lease + heartbeat), at most max_attempts runs
    heartbeat_seconds: float = 5.0
    lease_seconds: float = 20.0
    max_attempts: int = 3
    # settled tasks (and their events) older than this are deleted; None keeps them for ever
    retention_seconds: float | None = None
    # limits and policy
    work_roots: tuple[str, ...] = ()
    default_working_dir: str = "."
    max_prompt_bytes: int = 256 * 1024
    max_tags: int = 32
    max_tag_bytes: int = 128
    max_fan_out: int = 64
    max_chain_steps: int = 32
    max_context_value_bytes: int = 64 * 1024
    max_message_bytes: int = 64 * 1024
    denied_permission_modes: frozenset[PermissionMode] = frozenset(
        {PermissionMode.BYPASS_PERMISSIONS}
    )
    # what each namespace may do and spend; `default_policy` covers namespaces not named here
    policies: dict[str, NamespacePolicy] = field(default_factory=dict)
    default_policy: NamespacePolicy = field(default_factory=NamespacePolicy)

    def policy_for(self, namespace: str) -> NamespacePolicy:
        return self.policies.get(namespace) or self.default_policy.named(namespace)
