"""Builders for the messages a caller fills in most: TaskSpec, ChainStep, ChainOptions."""

from __future__ import annotations

from typing import Any

from google.protobuf import duration_pb2

from claude_pool.v1 import chain_pb2, task_pb2


def duration(seconds: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromNanoseconds(int(seconds * 1e9))
    return value


def task_spec(
    prompt: str,
    *,
    model: str | None = None,
    tags: list[str] | None = None,
    working_dir: str = "",
    max_budget_usd: float | None = None,
    timeout: float | None = None,
    review_required: bool = False,
    slot_id: str = "",
    continue_from: str = "",
    fork_from: str = "",
    max_rejections: int | None = None,
    **overrides: Any,
) -> task_pb2.TaskSpec:
    """Build a TaskSpec; extra keyword arguments are TaskOverrides fields (`permission_mode`,
    `max_turns`, `system_prompt`, `allowed_tools`, ...).

    `continue_from` (a session id, or the id of a settled task that ran in one) continues that
    conversation; `fork_from` starts a new session as a copy of one. Setting both is refused.
    """
    spec = task_pb2.TaskSpec(
        prompt=prompt,
        tags=tags or [],
        working_dir=working_dir,
        review_required=review_required,
        slot_id=slot_id,
        continue_from=continue_from,
        fork_from=fork_from,
        overrides=task_pb2.TaskOverrides(model=model, **overrides),
    )
    if max_budget_usd is not None:
        spec.overrides.max_budget_micros = round(max_budget_usd * 1_000_000)
    if timeout is not None:
        spec.overrides.timeout.CopyFrom(duration(timeout))
    if max_rejections is not None:
        spec.max_rejections = max_rejections
    return spec


def chain_step(
    prompt: str,
    name: str = "",
    *,
    retries: int = 0,
    recovery_prompt: str | None = None,
    output_vars: dict[str, str] | None = None,
    **overrides: Any,
) -> chain_pb2.ChainStep:
    """Build a ChainStep; extra keyword arguments are TaskOverrides fields (e.g. model)."""
    policy = chain_pb2.StepFailurePolicy(retries=retries)
    if recovery_prompt is not None:
        policy.recovery_prompt = recovery_prompt
    return chain_pb2.ChainStep(
        name=name,
        prompt=prompt,
        overrides=task_pb2.TaskOverrides(**overrides),
        failure_policy=policy,
        output_vars=output_vars or {},
    )


def chain_options(
    isolation: str = "none", tags: list[str] | None = None, working_dir: str = ""
) -> chain_pb2.ChainOptions:
    """Build ChainOptions; isolation is "none", "worktree" or "clone"."""
    value = chain_pb2.ChainIsolation.Value(f"CHAIN_ISOLATION_{isolation.upper()}")
    return chain_pb2.ChainOptions(tags=tags or [], isolation=value, working_dir=working_dir)
