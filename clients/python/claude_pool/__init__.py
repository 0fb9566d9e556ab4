"""Python client for claude-pool: `from claude_pool import PoolClient`."""

from __future__ import annotations

from claude_pool.client import PoolClient, SyncPoolClient, task_spec
from claude_pool.errors import (
    BudgetExhaustedError,
    FailedPreconditionError,
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    PoolError,
    UnauthenticatedError,
    UnavailableError,
    UnimplementedError,
)

__all__ = [
    "BudgetExhaustedError",
    "FailedPreconditionError",
    "FieldViolation",
    "InvalidArgumentError",
    "NotFoundError",
    "PermissionDeniedError",
    "PoolClient",
    "PoolError",
    "SyncPoolClient",
    "UnauthenticatedError",
    "UnavailableError",
    "UnimplementedError",
    "task_spec",
]
