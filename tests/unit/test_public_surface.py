"""The Python client's public surface is deliberate; changing it must be a conscious edit."""

from __future__ import annotations

import inspect

import claude_pool
from claude_pool import PoolClient, SyncPoolClient


def test_public_names_are_locked() -> None:
    assert claude_pool.__all__ == [
        "BudgetExhaustedError",
        "DeadlineExceededError",
        "ErrorReason",
        "FailedPreconditionError",
        "FieldViolation",
        "HealthStatus",
        "InternalError",
        "InvalidArgumentError",
        "Keepalive",
        "NotFoundError",
        "OutOfRangeError",
        "PermissionDeniedError",
        "PoolClient",
        "PoolError",
        "QuotaExceededError",
        "RateLimitedError",
        "ResourceExhaustedError",
        "RetryPolicy",
        "SyncPoolClient",
        "UnauthenticatedError",
        "UnavailableError",
        "UnimplementedError",
        "chain_options",
        "chain_step",
        "task_spec",
    ]


def test_pool_client_methods_are_locked() -> None:
    methods = sorted(
        name
        for name, member in inspect.getmembers(PoolClient, callable)
        if not name.startswith("_")
    )
    assert methods == [
        "approve",
        "auto",
        "broadcast_message",
        "cancel",
        "cancel_chain",
        "claim",
        "close",
        "config",
        "count_messages",
        "delete_context",
        "delete_session",
        "delete_task",
        "drain",
        "execute_route",
        "fan_out",
        "fan_out_chains",
        "fan_out_stream",
        "find_slots",
        "from_env",
        "get",
        "get_chain",
        "get_context",
        "get_session",
        "health",
        "iter_chains",
        "iter_context",
        "iter_sessions",
        "iter_tasks",
        "list_chains",
        "list_context",
        "list_context_page",
        "list_sessions",
        "list_tasks",
        "peek_messages",
        "read_messages",
        "reject",
        "route",
        "run",
        "scale_down",
        "scale_up",
        "send_message",
        "session_metrics",
        "set_context",
        "set_target_slots",
        "status",
        "stream",
        "submit",
        "submit_chain",
        "wait",
        "wait_chain",
        "watch",
        "watch_chain",
    ]


def test_the_sync_client_offers_the_same_methods() -> None:
    def public(cls: type) -> set[str]:
        return {n for n, m in inspect.getmembers(cls, callable) if not n.startswith("_")}

    assert public(SyncPoolClient) == public(PoolClient)
