"""Python client for claude-pool: `from claude_pool import PoolClient` (async) or
`SyncPoolClient` (blocking). The generated messages are in `claude_pool.v1`."""

from __future__ import annotations

from claude_pool.client import PoolClient
from claude_pool.connection import Keepalive
from claude_pool.errors import (
    BudgetExhaustedError,
    DeadlineExceededError,
    ErrorReason,
    FailedPreconditionError,
    FieldViolation,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
    PermissionDeniedError,
    PoolError,
    QuotaExceededError,
    RateLimitedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)
from claude_pool.health import HealthStatus
from claude_pool.retry import RetryPolicy
from claude_pool.specs import chain_options, chain_step, task_spec
from claude_pool.sync import SyncPoolClient

__version__ = "0.2.0"

__all__ = [
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
