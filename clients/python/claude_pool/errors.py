"""Typed errors raised by PoolClient, carrying the gRPC code and the decoded google.rpc details."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str


@dataclass
class PoolError(Exception):
    """A call failed; `reason` and `metadata` come from the ErrorInfo detail (claude-pool.dev)."""

    code: grpc.StatusCode
    message: str
    reason: str = ""
    domain: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    field_violations: list[FieldViolation] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"


class InvalidArgumentError(PoolError):
    pass


class NotFoundError(PoolError):
    pass


class UnauthenticatedError(PoolError):
    pass


class PermissionDeniedError(PoolError):
    pass


class FailedPreconditionError(PoolError):
    pass


class BudgetExhaustedError(PoolError):
    """RESOURCE_EXHAUSTED: the pool budget cannot fit the work."""


class UnavailableError(PoolError):
    """The server cannot be reached (or is shutting down)."""


class UnimplementedError(PoolError):
    pass


_CLASSES: dict[grpc.StatusCode, type[PoolError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: BudgetExhaustedError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
}


def from_rpc_error(error: grpc.aio.AioRpcError) -> PoolError:
    code = error.code()
    cls = _CLASSES.get(code, PoolError)
    result = cls(code=code, message=error.details() or "")
    status = rpc_status.from_call(error)
    if status is None:
        return result
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            result.reason, result.domain, result.metadata = (
                info.reason,
                info.domain,
                dict(info.metadata),
            )
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            result.field_violations = [
                FieldViolation(v.field, v.description) for v in bad.field_violations
            ]
    return result
