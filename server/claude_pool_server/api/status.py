"""The one error table: domain errors → gRPC status code + google.rpc details.

Every error carries an ErrorInfo (domain `claude-pool.dev`, reason, metadata); bad input adds a
BadRequest naming the field. Anything that is not a PoolError is INTERNAL, logged once by the
interceptor with its request id, and its text is not sent to the client.
"""

from __future__ import annotations

import asyncio

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from claude_pool_server.domain import errors

ERROR_DOMAIN = "claude-pool.dev"

CODES: list[tuple[type[errors.PoolError], grpc.StatusCode]] = [
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
    (errors.PermissionDenied, grpc.StatusCode.PERMISSION_DENIED),
    (errors.FailedPrecondition, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.Unavailable, grpc.StatusCode.UNAVAILABLE),
    (errors.SeqOutOfRange, grpc.StatusCode.OUT_OF_RANGE),
    (errors.NotImplementedCapability, grpc.StatusCode.UNIMPLEMENTED),
]


def code_for(error: errors.PoolError) -> grpc.StatusCode:
    for cls, code in CODES:
        if isinstance(error, cls):
            return code
    return grpc.StatusCode.INTERNAL


def _packed(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def build_status(
    code: grpc.StatusCode, message: str, reason: str, metadata: dict[str, str]
) -> grpc.Status:
    details = [
        _packed(error_details_pb2.ErrorInfo(reason=reason, domain=ERROR_DOMAIN, metadata=metadata))
    ]
    return _to_status(status_pb2.Status(code=code.value[0], message=message, details=details))


def _to_status(status: status_pb2.Status) -> grpc.Status:
    converted: grpc.Status = rpc_status.to_status(status)
    return converted


def status_for(error: errors.PoolError) -> grpc.Status:
    code = code_for(error)
    details = [
        _packed(
            error_details_pb2.ErrorInfo(
                reason=error.reason, domain=ERROR_DOMAIN, metadata=error.metadata
            )
        )
    ]
    if isinstance(error, errors.InvalidArgument):
        details.append(
            _packed(
                error_details_pb2.BadRequest(
                    field_violations=[
                        error_details_pb2.BadRequest.FieldViolation(
                            field=error.field, description=error.description
                        )
                    ]
                )
            )
        )
    if isinstance(error, errors.ResourceExhausted) and error.retry_after_seconds is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(error.retry_after_seconds * 1e9))
        details.append(_packed(error_details_pb2.RetryInfo(retry_delay=delay)))
    return _to_status(status_pb2.Status(code=code.value[0], message=error.message, details=details))


def code_name(exc: BaseException) -> str:
    """The status code name a call ends with when `exc` escapes its handler (for the audit)."""
    if isinstance(exc, errors.PoolError):
        return code_for(exc).name
    if isinstance(exc, asyncio.CancelledError):
        return "CANCELLED"
    return "INTERNAL"


def internal_status(request_id: str) -> grpc.Status:
    return build_status(
        grpc.StatusCode.INTERNAL,
        f"internal error (request id {request_id}); the server log has the details",
        "INTERNAL",
        {"request_id": request_id},
    )


assert code_pb2.OK == 0  # google.rpc codes and grpc codes share numbering
