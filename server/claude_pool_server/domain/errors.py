"""Domain errors: what the engine reports when a request cannot be served.

Every error a client can cause is a subclass of `PoolError` with a stable `reason` (the ErrorInfo
reason on the wire) and `metadata` (the dynamic values). `api/status.py` maps each class to one
gRPC code; nothing else in the server decides codes.

    PoolError
    ├── InvalidArgument          bad input; names the field          → INVALID_ARGUMENT
    │   └── RequestIdReused
    ├── NotFound                 also for another namespace's ids    → NOT_FOUND
    │   ├── TaskNotFound, SlotNotFound, ChainNotFound, ContextNotFound, SessionNotFound
    ├── PermissionDenied                                             → PERMISSION_DENIED
    │   ├── WorkingDirOutsideRoots, PermissionModeDenied, PolicyDenied
    ├── FailedPrecondition                                           → FAILED_PRECONDITION
    │   ├── IllegalState, PoolDraining, ScalingBounds, SessionTooLarge
    ├── ResourceExhausted                                            → RESOURCE_EXHAUSTED
    │   ├── BudgetExhausted, QuotaExceeded, RateLimited (+ RetryInfo)
    ├── Unavailable              retry with the same request_id      → UNAVAILABLE
    │   └── StoreUnavailable
    ├── SeqOutOfRange                                                → OUT_OF_RANGE
    └── NotImplementedCapability                                     → UNIMPLEMENTED
"""

from __future__ import annotations

from collections.abc import Mapping


class PoolError(Exception):
    """Base of every error a client can cause or observe."""

    reason = "UNSPECIFIED"

    def __init__(self, message: str, metadata: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = {k: str(v) for k, v in (metadata or {}).items()}


class InvalidArgument(PoolError):
    """A request field is missing, malformed or beyond a limit."""

    reason = "INVALID_ARGUMENT"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", {"field": field})
        self.field = field
        self.description = message


class NotFound(PoolError):
    """The named object does not exist."""


class TaskNotFound(NotFound):
    reason = "TASK_NOT_FOUND"

    def __init__(self, task_id: str) -> None:
        super().__init__(f"task not found: {task_id!r}", {"task_id": task_id})


class SlotNotFound(NotFound):
    reason = "SLOT_NOT_FOUND"

    def __init__(self, slot_id: str) -> None:
        super().__init__(f"slot not found: {slot_id!r}", {"slot_id": slot_id})


class ChainNotFound(NotFound):
    reason = "CHAIN_NOT_FOUND"

    def __init__(self, chain_id: str) -> None:
        super().__init__(f"chain not found: {chain_id!r}", {"chain_id": chain_id})


class ContextNotFound(NotFound):
    reason = "CONTEXT_NOT_FOUND"

    def __init__(self, key: str) -> None:
        super().__init__(f"context key not found: {key!r}", {"key": key})


class SessionNotFound(NotFound):
    reason = "SESSION_NOT_FOUND"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"session not found: {session_id!r}", {"session_id": session_id})


class PermissionDenied(PoolError):
    """The server's policy forbids what was asked."""


class WorkingDirOutsideRoots(PermissionDenied):
    reason = "WORKING_DIR_OUTSIDE_ROOTS"

    def __init__(self, working_dir: str, roots: list[str]) -> None:
        super().__init__(
            f"working_dir {working_dir!r} is outside the server's work roots "
            f"({', '.join(roots)}); pick a directory under one of them",
            {"working_dir": working_dir, "work_roots": ",".join(roots)},
        )


class PermissionModeDenied(PermissionDenied):
    reason = "PERMISSION_MODE_DENIED"

    def __init__(self, mode: str) -> None:
        super().__init__(
            f"permission mode {mode!r} is not allowed by this server's policy",
            {"permission_mode": mode},
        )


class PolicyDenied(PermissionDenied):
    """The namespace's policy does not allow what a field asks for."""

    reason = "POLICY_DENIED"

    def __init__(self, field: str, value: str, namespace: str, allowed: list[str]) -> None:
        choices = ", ".join(allowed) if allowed else "none"
        super().__init__(
            f"{field}: {value!r} is not allowed for namespace {namespace!r} (allowed: {choices})",
            {"field": field, "value": value, "namespace": namespace},
        )
        self.field = field


class FailedPrecondition(PoolError):
    """The request is valid but the system is not in a state to serve it."""


class IllegalState(FailedPrecondition):
    reason = "ILLEGAL_STATE"

    def __init__(self, task_id: str, state: str, action: str, expected: str) -> None:
        super().__init__(
            f"cannot {action} task {task_id!r}: it is {state}, expected {expected}",
            {"task_id": task_id, "state": state, "expected_state": expected},
        )


class PoolDraining(FailedPrecondition):
    reason = "POOL_DRAINING"

    def __init__(self) -> None:
        super().__init__("the pool is draining or shutting down and accepts no new work")


class ScalingBounds(FailedPrecondition):
    reason = "SCALING_BOUNDS"

    def __init__(self, requested: int, min_slots: int, max_slots: int) -> None:
        super().__init__(
            f"cannot scale to {requested} slots: the bounds are {min_slots}..{max_slots}",
            {"requested": requested, "min_slots": min_slots, "max_slots": max_slots},
        )


class SessionTooLarge(FailedPrecondition):
    reason = "SESSION_TOO_LARGE"

    def __init__(self, session_id: str, size: int, limit: int) -> None:
        super().__init__(
            f"session {session_id!r} holds {size} bytes of transcript, more than the server "
            f"continues ({limit}); fork_from it with a summary prompt, or start a new session",
            {"session_id": session_id, "transcript_bytes": size, "limit": limit},
        )


class ResourceExhausted(PoolError):
    """A limit on money, concurrency or rate refuses the request for now."""

    retry_after_seconds: float | None = None


class QuotaExceeded(ResourceExhausted):
    reason = "QUOTA_EXCEEDED"

    def __init__(self, namespace: str, limit: int) -> None:
        super().__init__(
            f"namespace {namespace!r} already has {limit} unfinished tasks, its quota; "
            "wait for some to finish",
            {"namespace": namespace, "limit": limit},
        )


class RateLimited(ResourceExhausted):
    reason = "RATE_LIMITED"

    def __init__(self, namespace: str, per_second: float, retry_after: float) -> None:
        super().__init__(
            f"namespace {namespace!r} submits faster than its limit of {per_second:g} per "
            f"second; retry in {retry_after:.2f}s",
            {"namespace": namespace, "per_second": f"{per_second:g}"},
        )
        self.retry_after_seconds = retry_after


class Unavailable(PoolError):
    """The server cannot serve this right now; a retry with the same request_id is safe."""


class StoreUnavailable(Unavailable):
    reason = "STORE_UNAVAILABLE"

    def __init__(self, detail: str) -> None:
        super().__init__(
            f"the server cannot reach its database ({detail}); retry with the same request_id",
        )
        self.detail = detail


class BudgetExhausted(ResourceExhausted):
    """Reserving a task's budget would take spent + reserved past the pool cap."""

    reason = "BUDGET_EXHAUSTED"

    def __init__(self, spent: int, reserved: int, cap: int, requested: int) -> None:
        super().__init__(
            f"pool budget exhausted: spent {spent} + reserved {reserved} + requested {requested} "
            f"micro-dollars would exceed the cap of {cap}",
            {
                "spent_micros": spent,
                "reserved_micros": reserved,
                "budget_micros": cap,
                "requested_micros": requested,
            },
        )
        self.spent = spent
        self.reserved = reserved
        self.cap = cap
        self.requested = requested


class RequestIdReused(InvalidArgument):
    """A request_id came back with a different request: a client bug, not a retry."""

    reason = "REQUEST_ID_REUSED"

    def __init__(self, request_id: str) -> None:
        super().__init__(
            "request_id",
            f"{request_id!r} was already used for a different request; use a new id per request",
        )


class SeqOutOfRange(PoolError):
    reason = "SEQ_OUT_OF_RANGE"

    def __init__(self, task_id: str, after_seq: int, last_seq: int) -> None:
        super().__init__(
            f"after_seq {after_seq} is beyond the last event ({last_seq}) of task {task_id!r}",
            {"task_id": task_id, "after_seq": after_seq, "last_seq": last_seq},
        )


class NotImplementedCapability(PoolError):
    reason = "NOT_IMPLEMENTED"

    def __init__(self, capability: str) -> None:
        super().__init__(
            f"{capability} is not implemented by this server yet", {"capability": capability}
        )
