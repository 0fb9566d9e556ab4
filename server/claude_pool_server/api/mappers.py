"""Proto ⇄ domain mapping. The only module that knows both shapes."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf import duration_pb2, json_format, struct_pb2, timestamp_pb2

from claude_pool.v1 import (
    chain_pb2,
    pool_pb2,
    pool_service_pb2,
    routing_pb2,
    session_pb2,
    task_pb2,
)
from claude_pool_server.api import status
from claude_pool_server.domain.chains import (
    ChainIsolation,
    ChainOptions,
    ChainProgress,
    ChainStatus,
    ChainStep,
    StepFailurePolicy,
    StepResult,
)
from claude_pool_server.domain.context import ContextEntry
from claude_pool_server.domain.errors import InvalidArgument
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.sessions import Session
from claude_pool_server.domain.slots import Slot, SlotConfig, SlotState
from claude_pool_server.domain.tasks import (
    Effort,
    FailureKind,
    Finished,
    PermissionMode,
    StateChanged,
    Task,
    TaskEvent,
    TaskFailure,
    TaskOverrides,
    TaskResult,
    TaskSpec,
    TaskState,
    TextDelta,
    ToolUse,
)
from claude_pool_server.engine.fan_out import FanOutItem
from claude_pool_server.engine.metrics import MetricsFilter, SessionMetrics
from claude_pool_server.engine.routing import AutoConfig, AutoHint, AutoResult, Route
from claude_pool_server.observability import tracing

TASK_STATES = {
    TaskState.PENDING: task_pb2.TASK_STATE_PENDING,
    TaskState.RUNNING: task_pb2.TASK_STATE_RUNNING,
    TaskState.PENDING_REVIEW: task_pb2.TASK_STATE_PENDING_REVIEW,
    TaskState.COMPLETED: task_pb2.TASK_STATE_COMPLETED,
    TaskState.FAILED: task_pb2.TASK_STATE_FAILED,
    TaskState.CANCELLED: task_pb2.TASK_STATE_CANCELLED,
}
TASK_STATES_FROM_PROTO = {v: k for k, v in TASK_STATES.items()}

PERMISSION_MODES = {
    PermissionMode.DEFAULT: task_pb2.PERMISSION_MODE_DEFAULT,
    PermissionMode.ACCEPT_EDITS: task_pb2.PERMISSION_MODE_ACCEPT_EDITS,
    PermissionMode.BYPASS_PERMISSIONS: task_pb2.PERMISSION_MODE_BYPASS_PERMISSIONS,
    PermissionMode.DONT_ASK: task_pb2.PERMISSION_MODE_DONT_ASK,
    PermissionMode.PLAN: task_pb2.PERMISSION_MODE_PLAN,
    PermissionMode.AUTO: task_pb2.PERMISSION_MODE_AUTO,
}
PERMISSION_MODES_FROM_PROTO = {v: k for k, v in PERMISSION_MODES.items()}

EFFORTS = {
    Effort.LOW: task_pb2.EFFORT_LOW,
    Effort.MEDIUM: task_pb2.EFFORT_MEDIUM,
    Effort.HIGH: task_pb2.EFFORT_HIGH,
    Effort.MAX: task_pb2.EFFORT_MAX,
}
EFFORTS_FROM_PROTO = {v: k for k, v in EFFORTS.items()}

FAILURE_KINDS = {
    FailureKind.API_ERROR: task_pb2.FAILURE_KIND_API_ERROR,
    FailureKind.MAX_TURNS: task_pb2.FAILURE_KIND_MAX_TURNS,
    FailureKind.BUDGET_EXHAUSTED: task_pb2.FAILURE_KIND_BUDGET_EXHAUSTED,
    FailureKind.TIMEOUT: task_pb2.FAILURE_KIND_TIMEOUT,
    FailureKind.IDLE_TIMEOUT: task_pb2.FAILURE_KIND_IDLE_TIMEOUT,
    FailureKind.PROCESS_ERROR: task_pb2.FAILURE_KIND_PROCESS_ERROR,
    FailureKind.EXECUTION_ERROR: task_pb2.FAILURE_KIND_EXECUTION_ERROR,
    FailureKind.REJECTED: task_pb2.FAILURE_KIND_REJECTED,
    FailureKind.INTERRUPTED: task_pb2.FAILURE_KIND_INTERRUPTED,
}

SLOT_STATES = {
    SlotState.IDLE: pool_pb2.SLOT_STATE_IDLE,
    SlotState.BUSY: pool_pb2.SLOT_STATE_BUSY,
    SlotState.STOPPED: pool_pb2.SLOT_STATE_STOPPED,
    SlotState.ERRORED: pool_pb2.SLOT_STATE_ERRORED,
}
SLOT_STATES_FROM_PROTO = {v: k for k, v in SLOT_STATES.items()}


def _enum_in(value: int, table: Mapping[Any, Any], field: str) -> Any:
    if value == 0:
        return None
    if value not in table:
        raise InvalidArgument(field, f"unknown enum value {value}")
    return table[value]


# --- time -----------------------------------------------------------------------------------------


def timestamp(value: datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def duration(seconds: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromNanoseconds(int(seconds * 1e9))
    return value


# The ranges google/protobuf/duration.proto and timestamp.proto define; a value outside them is
# not a Duration or Timestamp at all (and would overflow when mapped back out).
MAX_DURATION_SECONDS = 315_576_000_000  # 10,000 years
MIN_TIMESTAMP_SECONDS = -62_135_596_800  # 0001-01-01T00:00:00Z
MAX_TIMESTAMP_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z
MAX_NANOS = 999_999_999


def seconds_in(message: duration_pb2.Duration, field: str) -> float:
    whole, nanos = message.seconds, message.nanos
    if abs(whole) > MAX_DURATION_SECONDS:
        raise InvalidArgument(
            field, f"seconds {whole} is out of range (at most {MAX_DURATION_SECONDS} either way)"
        )
    if abs(nanos) > MAX_NANOS:
        raise InvalidArgument(
            field, f"nanos {nanos} is out of range (at most {MAX_NANOS} either way)"
        )
    if whole and nanos and (whole < 0) != (nanos < 0):
        raise InvalidArgument(field, f"nanos {nanos} must have the sign of seconds {whole}")
    seconds = whole + nanos / 1e9
    if seconds < 0:
        raise InvalidArgument(field, "must not be negative")
    return seconds


def timestamp_in(message: timestamp_pb2.Timestamp, field: str) -> datetime:
    if not MIN_TIMESTAMP_SECONDS <= message.seconds <= MAX_TIMESTAMP_SECONDS:
        raise InvalidArgument(
            field,
            f"seconds {message.seconds} is out of range: a timestamp lies within "
            f"0001-01-01..9999-12-31 ({MIN_TIMESTAMP_SECONDS}..{MAX_TIMESTAMP_SECONDS})",
        )
    if not 0 <= message.nanos <= MAX_NANOS:
        raise InvalidArgument(field, f"nanos {message.nanos} must be within 0..{MAX_NANOS}")
    return message.ToDatetime(tzinfo=UTC)


# --- requests -------------------------------------------------------------------------------------


def json_in(message: struct_pb2.Struct, field: str) -> dict[str, Any]:
    try:
        value: dict[str, Any] = json_format.MessageToDict(message)
    except ValueError as exc:  # a NaN or Infinity number_value: JSON has no such number
        raise InvalidArgument(field, f"is not valid JSON: {exc}") from exc
    return value


def overrides_in(message: task_pb2.TaskOverrides, field: str) -> TaskOverrides:
    return TaskOverrides(
        model=message.model if message.HasField("model") else None,
        permission_mode=_enum_in(
            message.permission_mode, PERMISSION_MODES_FROM_PROTO, f"{field}.permission_mode"
        ),
        max_turns=message.max_turns if message.HasField("max_turns") else None,
        system_prompt=message.system_prompt if message.HasField("system_prompt") else None,
        allowed_tools=tuple(message.allowed_tools),
        disallowed_tools=tuple(message.disallowed_tools),
        tools=tuple(message.tools),
        mcp_servers=tuple(message.mcp_servers),
        effort=_enum_in(message.effort, EFFORTS_FROM_PROTO, f"{field}.effort"),
        fallback_model=message.fallback_model if message.HasField("fallback_model") else None,
        json_schema=json_in(message.json_schema, f"{field}.json_schema")
        if message.HasField("json_schema")
        else None,
        max_budget_micros=message.max_budget_micros
        if message.HasField("max_budget_micros")
        else None,
        timeout_seconds=seconds_in(message.timeout, f"{field}.timeout")
        if message.HasField("timeout")
        else None,
    )


def spec_in(message: task_pb2.TaskSpec, field: str = "task") -> TaskSpec:
    return TaskSpec(
        prompt=message.prompt,
        overrides=overrides_in(message.overrides, f"{field}.overrides"),
        tags=tuple(message.tags),
        working_dir=message.working_dir,
        review_required=message.review_required,
        max_rejections=message.max_rejections if message.HasField("max_rejections") else 3,
        slot_id=message.slot_id,
        continue_from=message.continue_from,
        fork_from=message.fork_from,
        trace_parent=tracing.current_traceparent(),
    )


def task_state_in(value: int, field: str) -> TaskState | None:
    state: TaskState | None = _enum_in(value, TASK_STATES_FROM_PROTO, field)
    return state


def slot_state_in(value: int, field: str) -> SlotState | None:
    state: SlotState | None = _enum_in(value, SLOT_STATES_FROM_PROTO, field)
    return state


# --- responses ------------------------------------------------------------------------------------


def permission_mode_out(mode: PermissionMode | None) -> task_pb2.PermissionMode.ValueType:
    return PERMISSION_MODES[mode] if mode else task_pb2.PERMISSION_MODE_UNSPECIFIED


def effort_out(effort: Effort | None) -> task_pb2.Effort.ValueType:
    return EFFORTS[effort] if effort else task_pb2.EFFORT_UNSPECIFIED


def overrides_out(overrides: TaskOverrides) -> task_pb2.TaskOverrides:
    message = task_pb2.TaskOverrides(
        model=overrides.model,
        permission_mode=permission_mode_out(overrides.permission_mode),
        max_turns=overrides.max_turns,
        system_prompt=overrides.system_prompt,
        allowed_tools=overrides.allowed_tools,
        disallowed_tools=overrides.disallowed_tools,
        tools=overrides.tools,
        effort=effort_out(overrides.effort),
        fallback_model=overrides.fallback_model,
        max_budget_micros=overrides.max_budget_micros,
    )
    message.mcp_servers.extend(overrides.mcp_servers)
    if overrides.json_schema is not None:
        message.json_schema.update(overrides.json_schema)
    if overrides.timeout_seconds is not None:
        message.timeout.CopyFrom(duration(overrides.timeout_seconds))
    return message


def spec_out(spec: TaskSpec) -> task_pb2.TaskSpec:
    return task_pb2.TaskSpec(
        prompt=spec.prompt,
        overrides=overrides_out(spec.overrides),
        tags=spec.tags,
        working_dir=spec.working_dir,
        review_required=spec.review_required,
        max_rejections=spec.max_rejections,
        slot_id=spec.slot_id,
        continue_from=spec.continue_from,
        fork_from=spec.fork_from,
    )


def failure_out(failure: TaskFailure) -> task_pb2.TaskFailure:
    return task_pb2.TaskFailure(
        kind=FAILURE_KINDS[failure.kind],
        message=failure.message,
        error_subtype=failure.error_subtype,
        terminal_reason=failure.terminal_reason,
        api_error_status=failure.api_error_status,
        exit_code=failure.exit_code,
        stderr_tail=failure.stderr_tail,
        failed_command=failure.failed_command,
        errors=failure.errors,
    )


def result_out(result: TaskResult) -> task_pb2.TaskResult:
    message = task_pb2.TaskResult(
        output=result.output,
        success=result.success,
        cost_micros=result.cost_micros,
        turns=result.turns,
        session_id=result.session_id,
        model=result.model,
        elapsed=duration(result.elapsed_seconds),
        usage=task_pb2.Usage(
            input_tokens=result.usage.input_tokens,
            output_tokens=result.usage.output_tokens,
            cache_read_input_tokens=result.usage.cache_read_input_tokens,
            cache_creation_input_tokens=result.usage.cache_creation_input_tokens,
        ),
        failure=failure_out(result.failure) if result.failure else None,
    )
    if result.structured_output is not None:
        message.structured_output.CopyFrom(_value(result.structured_output))
    return message


def _value(data: Any) -> struct_pb2.Value:
    value = struct_pb2.Value()
    json_format.ParseDict(data, value)
    return value


def task_out(task: Task) -> task_pb2.Task:
    return task_pb2.Task(
        id=task.id,
        state=TASK_STATES[task.state],
        prompt=task.prompt,
        spec=spec_out(task.spec),
        slot_id=task.slot_id,
        result=result_out(task.result) if task.result else None,
        rejection_count=task.rejection_count,
        reserved_micros=task.reserved_micros,
        attempt=task.attempt,
        chain_id=task.chain_id,
        create_time=timestamp(task.create_time),
        start_time=timestamp(task.start_time),
        end_time=timestamp(task.end_time),
        last_seq=task.last_seq,
        session_id=task.session_id,
    )


def event_out(event: TaskEvent) -> task_pb2.TaskEvent:
    message = task_pb2.TaskEvent(task_id=event.task_id, seq=event.seq, time=timestamp(event.time))
    payload = event.payload
    if isinstance(payload, StateChanged):
        message.state_change.CopyFrom(
            task_pb2.TaskStateChange(
                state=TASK_STATES[payload.state], slot_id=payload.slot_id, reason=payload.reason
            )
        )
    elif isinstance(payload, TextDelta):
        message.text_delta.CopyFrom(task_pb2.TextDelta(text=payload.text, attempt=payload.attempt))
    elif isinstance(payload, ToolUse):
        message.tool_use.CopyFrom(
            task_pb2.ToolUse(name=payload.name, input_json=payload.input_json)
        )
    elif isinstance(payload, Finished):
        message.finished.CopyFrom(task_pb2.TaskFinished(task=task_out(payload.task)))
    return message


def slot_out(slot: Slot) -> pool_pb2.Slot:
    return pool_pb2.Slot(
        id=slot.id,
        state=SLOT_STATES[slot.state],
        config=slot_config_out(slot.config),
        current_task_id=slot.current_task_id,
        session_id=slot.session_id,
        tasks_completed=slot.tasks_completed,
        cost_micros=slot.cost_micros,
        restart_count=slot.restart_count,
        worktree_path=slot.worktree_path,
        replica_id=slot.replica_id,
        consecutive_failures=slot.consecutive_failures,
    )


def slot_config_out(config: SlotConfig) -> pool_pb2.SlotConfig:
    return pool_pb2.SlotConfig(
        name=config.name,
        role=config.role,
        description=config.description,
        model=config.model,
        permission_mode=permission_mode_out(config.permission_mode),
        max_turns=config.max_turns,
        system_prompt=config.system_prompt,
        allowed_tools=config.allowed_tools,
        effort=effort_out(config.effort),
    )


def context_out(entry: ContextEntry) -> pool_pb2.ContextEntry:
    return pool_pb2.ContextEntry(
        key=entry.key, value=entry.value, update_time=timestamp(entry.update_time)
    )


def message_out(message: SlotMessage) -> pool_pb2.SlotMessage:
    return pool_pb2.SlotMessage(
        id=message.id,
        from_slot_id=message.from_slot_id,
        to_slot_id=message.to_slot_id,
        content=message.content,
        create_time=timestamp(message.create_time),
    )


# --- fan-out --------------------------------------------------------------------------------------


def fan_out_item_out(item: FanOutItem) -> pool_service_pb2.FanOutItem:
    message = pool_service_pb2.FanOutItem(index=item.index)
    if item.task is not None:
        message.task.CopyFrom(task_out(item.task))
    if item.error is not None:
        message.error_code = status.code_for(item.error).value[0]
        message.error_message = item.error.message
    return message


# --- chains ---------------------------------------------------------------------------------------

CHAIN_STATUSES = {
    ChainStatus.PENDING: chain_pb2.CHAIN_STATUS_PENDING,
    ChainStatus.RUNNING: chain_pb2.CHAIN_STATUS_RUNNING,
    ChainStatus.COMPLETED: chain_pb2.CHAIN_STATUS_COMPLETED,
    ChainStatus.FAILED: chain_pb2.CHAIN_STATUS_FAILED,
    ChainStatus.CANCELLED: chain_pb2.CHAIN_STATUS_CANCELLED,
}
CHAIN_STATUSES_FROM_PROTO = {v: k for k, v in CHAIN_STATUSES.items()}

CHAIN_ISOLATIONS_FROM_PROTO = {
    chain_pb2.CHAIN_ISOLATION_NONE: ChainIsolation.NONE,
    chain_pb2.CHAIN_ISOLATION_WORKTREE: ChainIsolation.WORKTREE,
    chain_pb2.CHAIN_ISOLATION_CLONE: ChainIsolation.CLONE,
}


def chain_step_in(message: chain_pb2.ChainStep, field: str) -> ChainStep:
    policy = message.failure_policy
    return ChainStep(
        name=message.name,
        prompt=message.prompt,
        overrides=overrides_in(message.overrides, f"{field}.overrides"),
        failure_policy=StepFailurePolicy(
            retries=policy.retries,
            recovery_prompt=policy.recovery_prompt if policy.HasField("recovery_prompt") else None,
        ),
        output_vars=dict(message.output_vars),
    )


def chain_steps_in(steps: Any, field: str = "steps") -> list[ChainStep]:
    return [chain_step_in(step, f"{field}[{i}]") for i, step in enumerate(steps)]


def chain_options_in(message: chain_pb2.ChainOptions, field: str = "options") -> ChainOptions:
    isolation = _enum_in(message.isolation, CHAIN_ISOLATIONS_FROM_PROTO, f"{field}.isolation")
    return ChainOptions(
        tags=tuple(message.tags),
        isolation=isolation or ChainIsolation.NONE,
        working_dir=message.working_dir,
    )


def chain_status_in(value: int, field: str) -> ChainStatus | None:
    status: ChainStatus | None = _enum_in(value, CHAIN_STATUSES_FROM_PROTO, field)
    return status


def step_result_out(step: StepResult) -> chain_pb2.StepResult:
    return chain_pb2.StepResult(
        name=step.name,
        output=step.output,
        success=step.success,
        cost_micros=step.cost_micros,
        retries_used=step.retries_used,
        skipped=step.skipped,
        task_id=step.task_id,
    )


def chain_out(progress: ChainProgress) -> chain_pb2.ChainProgress:
    result = progress.result
    return chain_pb2.ChainProgress(
        chain_id=progress.chain_id,
        status=CHAIN_STATUSES[progress.status],
        total_steps=progress.total_steps,
        current_step=progress.current_step,
        current_step_name=progress.current_step_name,
        current_step_partial_output=progress.current_step_partial_output,
        current_step_start_time=timestamp(progress.current_step_start_time),
        completed_steps=[step_result_out(s) for s in progress.completed_steps],
        result=chain_pb2.ChainResult(
            steps=[step_result_out(s) for s in result.steps],
            final_output=result.final_output,
            total_cost_micros=result.total_cost_micros,
            success=result.success,
        )
        if result is not None
        else None,
        tags=progress.options.tags,
        create_time=timestamp(progress.create_time),
        end_time=timestamp(progress.end_time),
        seq=progress.seq,
    )


# --- metrics --------------------------------------------------------------------------------------


def metrics_filter_in(message: pool_pb2.MetricsFilter, field: str = "filter") -> MetricsFilter:
    start, end = message.start_time, message.end_time
    return MetricsFilter(
        start_time=timestamp_in(start, f"{field}.start_time")
        if message.HasField("start_time")
        else None,
        end_time=timestamp_in(end, f"{field}.end_time") if message.HasField("end_time") else None,
        tags=tuple(message.tags),
        model=message.model,
    )


def session_metrics_out(metrics: SessionMetrics) -> pool_pb2.SessionMetrics:
    counts = metrics.counts
    return pool_pb2.SessionMetrics(
        total_tasks=metrics.total_tasks,
        completed_tasks=counts[TaskState.COMPLETED],
        failed_tasks=counts[TaskState.FAILED],
        cancelled_tasks=counts[TaskState.CANCELLED],
        running_tasks=counts[TaskState.RUNNING],
        pending_tasks=counts[TaskState.PENDING],
        pending_review_tasks=counts[TaskState.PENDING_REVIEW],
        total_spend_micros=metrics.total_spend_micros,
        avg_cost_micros=metrics.avg_cost_micros,
        max_cost_micros=metrics.max_cost_micros,
        avg_elapsed=duration(metrics.avg_elapsed_seconds),
        median_elapsed=duration(metrics.median_elapsed_seconds),
        min_elapsed=duration(metrics.min_elapsed_seconds),
        max_elapsed=duration(metrics.max_elapsed_seconds),
        avg_turns=metrics.avg_turns,
        models=[
            pool_pb2.ModelMetrics(
                model=m.model,
                tasks=m.tasks,
                spend_micros=m.spend_micros,
                avg_elapsed=duration(m.avg_elapsed_seconds),
            )
            for m in metrics.models
        ],
        first_task_time=timestamp(metrics.first_task_time),
    )


# --- routing --------------------------------------------------------------------------------------

ROUTE_PREFERENCES = {
    routing_pb2.ROUTE_PREFERENCE_SINGLE: "single",
    routing_pb2.ROUTE_PREFERENCE_PARALLEL: "parallel",
    routing_pb2.ROUTE_PREFERENCE_CHAIN: "chain",
}


def auto_config_in(message: routing_pb2.AutoConfig, field: str = "config") -> AutoConfig:
    hints = message.hints
    prefer = _enum_in(hints.prefer, ROUTE_PREFERENCES, f"{field}.hints.prefer")
    return AutoConfig(
        custom_prompt=message.custom_prompt if message.HasField("custom_prompt") else None,
        hints=AutoHint(
            max_parallel=hints.max_parallel if hints.HasField("max_parallel") else None,
            max_chain_steps=hints.max_chain_steps if hints.HasField("max_chain_steps") else None,
            prefer=prefer or "",
            domain=hints.domain,
            decomposition_hints=tuple(hints.decomposition_hints),
        ),
        overrides=overrides_in(message.overrides, f"{field}.overrides"),
    )


def route_in(message: routing_pb2.Route, field: str = "route") -> Route:
    kind = message.WhichOneof("route")
    if kind == "single":
        return Route("single", prompt=message.single.prompt)
    if kind == "parallel":
        return Route("parallel", prompts=tuple(message.parallel.prompts))
    if kind == "chain":
        return Route("chain", steps=tuple((s.name, s.prompt) for s in message.chain.steps))
    raise InvalidArgument(field, "must be single, parallel or chain")


def route_out(route: Route) -> routing_pb2.Route:
    if route.kind == "single":
        return routing_pb2.Route(single=routing_pb2.SingleRoute(prompt=route.prompt))
    if route.kind == "parallel":
        return routing_pb2.Route(parallel=routing_pb2.ParallelRoute(prompts=route.prompts))
    return routing_pb2.Route(
        chain=routing_pb2.ChainRoute(
            steps=[routing_pb2.AutoStep(name=n, prompt=p) for n, p in route.steps]
        )
    )


def auto_result_out(result: AutoResult) -> routing_pb2.AutoResult:
    return routing_pb2.AutoResult(
        route=route_out(result.route),
        output=result.output,
        cost_micros=result.cost_micros,
        routing_cost_micros=result.routing_cost_micros,
        fell_back=result.fell_back,
        single=task_out(result.single) if result.single else None,
        parallel=[task_out(t) for t in result.parallel],
        chain=chain_out(result.chain) if result.chain else None,
    )


# --- sessions and policy --------------------------------------------------------------------------


def session_out(session: Session) -> session_pb2.Session:
    return session_pb2.Session(
        id=session.id,
        owner=session.owner,
        create_time=timestamp(session.create_time),
        update_time=timestamp(session.update_time),
        forked_from=session.forked_from,
        first_task_id=session.first_task_id,
        last_task_id=session.last_task_id,
        turns=session.turns,
        cost_micros=session.cost_micros,
        model=session.model,
        transcript_bytes=session.transcript_bytes,
        slot_id=session.slot_id,
    )


def policy_out(policy: NamespacePolicy, catalogue: Mapping[str, Any]) -> pool_pb2.NamespacePolicy:
    return pool_pb2.NamespacePolicy(
        namespace=policy.namespace,
        models=policy.models,
        permission_modes=[PERMISSION_MODES[m] for m in policy.permission_modes],
        tools=policy.tools,
        mcp_servers=[name for name in policy.mcp_servers if name in catalogue],
        budget_micros=policy.budget_micros,
        max_concurrent_tasks=policy.max_concurrent_tasks,
        submits_per_second=policy.submits_per_second,
    )
