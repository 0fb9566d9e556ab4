"""Typed errors raised by PoolClient, carrying the gRPC code and the decoded google.rpc details.

Every failed call raises one `PoolError` (a subclass chosen by the gRPC code, and for
RESOURCE_EXHAUSTED by the reason) with: the code, the message, the `ErrorInfo` reason both as
sent (`reason`, a string such as "TASK_NOT_FOUND") and as the contract's enum (`error_reason`,
`ErrorReason.ERROR_REASON_UNSPECIFIED` for a reason this client version does not know), the
`ErrorInfo` domain and metadata, the `BadRequest` field violations and the `RetryInfo` delay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.protobuf.message import DecodeError
from google.rpc import error_details_pb2, status_pb2

from claude_pool.v1 import errors_pb2

ErrorReason = errors_pb2.ErrorReason
"""The contract's reasons (`ErrorReason.ERROR_REASON_TASK_NOT_FOUND`, ...): the generated enum."""

DOMAIN = "claude-pool.dev"
_PREFIX = "ERROR_REASON_"
_DETAILS_KEY = "grpc-status-details-bin"  # the trailer holding a google.rpc.Status


def parse_reason(reason: str) -> errors_pb2.ErrorReason.ValueType:
    """The enum value of an `ErrorInfo.reason` ("TASK_NOT_FOUND"); UNSPECIFIED when unknown."""
    if not reason:
        return ErrorReason.ERROR_REASON_UNSPECIFIED
    try:
        return ErrorReason.Value(_PREFIX + reason)
    except ValueError:
        return ErrorReason.ERROR_REASON_UNSPECIFIED


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


@dataclass
class PoolError(Exception):
    """A call failed. `reason`, `domain` and `metadata` come from the ErrorInfo detail
    (domain claude-pool.dev); `error_reason` is `reason` as the ErrorReason enum; `retry_delay`
    is the RetryInfo delay in seconds, when the server sent one."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    domain: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    field_violations: list[FieldViolation] = field(default_factory=list)
    error_reason: errors_pb2.ErrorReason.ValueType = ErrorReason.ERROR_REASON_UNSPECIFIED
    retry_delay: float | None = None

    def __str__(self) -> str:
        reason = f" [{self.reason}]" if self.reason else ""
        return f"{self.code.name}{reason}: {self.message}"


class InvalidArgumentError(PoolError):
    """INVALID_ARGUMENT: `field_violations` names the fields."""


class NotFoundError(PoolError):
    """NOT_FOUND: also what another namespace's ids answer."""


class UnauthenticatedError(PoolError):
    """UNAUTHENTICATED: no token, or one the server does not know."""


class PermissionDeniedError(PoolError):
    """PERMISSION_DENIED: a missing scope, or the namespace's policy."""


class FailedPreconditionError(PoolError):
    """FAILED_PRECONDITION: the target is in the wrong state (ILLEGAL_STATE, POOL_DRAINING...)."""


class ResourceExhaustedError(PoolError):
    """RESOURCE_EXHAUSTED: budget, quota or rate limit (see the subclasses)."""


class BudgetExhaustedError(ResourceExhaustedError):
    """RESOURCE_EXHAUSTED `BUDGET_EXHAUSTED`: the pool budget cannot fit the work."""


class QuotaExceededError(ResourceExhaustedError):
    """RESOURCE_EXHAUSTED `QUOTA_EXCEEDED`: the namespace has its quota of unfinished tasks."""


class RateLimitedError(ResourceExhaustedError):
    """RESOURCE_EXHAUSTED `RATE_LIMITED`: submitting too fast; `retry_delay` says when to resend."""


class OutOfRangeError(PoolError):
    """OUT_OF_RANGE: e.g. a WatchTask `after_seq` beyond the task's log."""


class DeadlineExceededError(PoolError):
    """DEADLINE_EXCEEDED: the call's deadline passed."""


class UnavailableError(PoolError):
    """UNAVAILABLE: the server cannot be reached, is restarting, or refused for now; raised
    after the client's own resends."""


class UnimplementedError(PoolError):
    """UNIMPLEMENTED: the server does not offer this method (an older server)."""


class InternalError(PoolError):
    """INTERNAL: a server bug; never resent."""


_CLASSES: dict[grpc.StatusCode, type[PoolError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
    grpc.StatusCode.INTERNAL: InternalError,
}
_EXHAUSTED: dict[str, type[PoolError]] = {
    "BUDGET_EXHAUSTED": BudgetExhaustedError,
    "QUOTA_EXCEEDED": QuotaExceededError,
    "RATE_LIMITED": RateLimitedError,
}


def make_error(
    code: grpc.StatusCode, message: str, details: status_pb2.Status | None = None
) -> PoolError:
    """The typed error for a status code, message and (optional) google.rpc.Status details."""
    info = error_details_pb2.ErrorInfo()
    violations: list[FieldViolation] = []
    retry_delay: float | None = None
    for detail in details.details if details is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            detail.Unpack(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations += [FieldViolation(v.field, v.description) for v in bad.field_violations]
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retry_delay = retry.retry_delay.ToNanoseconds() / 1e9
    cls = _CLASSES.get(code, PoolError)
    if cls is ResourceExhaustedError:
        cls = _EXHAUSTED.get(info.reason, ResourceExhaustedError)
    return cls(
        code=code,
        message=message,
        reason=info.reason,
        domain=info.domain,
        metadata=dict(info.metadata),
        field_violations=violations,
        error_reason=parse_reason(info.reason),
        retry_delay=retry_delay,
    )


def status_details(error: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    """The google.rpc.Status in the call's trailers, if it has one for the call's code (a Status
    for another code is not this error's: a proxy's, say, and ignored)."""
    for key, value in error.trailing_metadata() or ():
        if key == _DETAILS_KEY and isinstance(value, bytes):
            try:
                status = status_pb2.Status.FromString(value)
            except DecodeError:
                return None
            return status if status.code == error.code().value[0] else None
    return None


def from_rpc_error(error: grpc.aio.AioRpcError) -> PoolError:
    """The typed error for a failed gRPC call (the details are read from its trailers)."""
    return make_error(error.code(), error.details() or "", status_details(error))
