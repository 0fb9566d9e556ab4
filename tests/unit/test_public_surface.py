"""The Python client's public surface is deliberate; changing it must be a conscious edit."""

from __future__ import annotations

import claude_pool


def test_public_names_are_locked() -> None:
    assert claude_pool.__all__ == [
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
