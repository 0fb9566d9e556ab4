"""The Python client's typed errors: code, reason (string and enum, unknown ones included),
ErrorInfo metadata, BadRequest field violations and the RetryInfo delay."""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from claude_pool import (
    BudgetExhaustedError,
    ErrorReason,
    FieldViolation,
    InternalError,
    InvalidArgumentError,
    NotFoundError,
    PoolError,
    QuotaExceededError,
    RateLimitedError,
    ResourceExhaustedError,
    UnavailableError,
)
from claude_pool.errors import from_rpc_error, make_error, parse_reason


def packed(message: object) -> any_pb2.Any:
    value = any_pb2.Any()
    value.Pack(message)  # type: ignore[arg-type]
    return value


def status(code: int, *details: object) -> status_pb2.Status:
    return status_pb2.Status(code=code, message="m", details=[packed(d) for d in details])


def info(reason: str, **metadata: str) -> error_details_pb2.ErrorInfo:
    return error_details_pb2.ErrorInfo(reason=reason, domain="claude-pool.dev", metadata=metadata)


def test_reasons_parse_to_the_enum_with_an_unknown_fallback() -> None:
    assert parse_reason("TASK_NOT_FOUND") == ErrorReason.ERROR_REASON_TASK_NOT_FOUND
    assert parse_reason("SESSION_NOT_FOUND") == ErrorReason.ERROR_REASON_SESSION_NOT_FOUND
    assert parse_reason("SOMETHING_NEWER") == ErrorReason.ERROR_REASON_UNSPECIFIED
    assert parse_reason("") == ErrorReason.ERROR_REASON_UNSPECIFIED


def test_error_info_and_field_violations_are_decoded() -> None:
    bad = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="task.prompt", description="empty")
        ]
    )
    details = status(code_pb2.INVALID_ARGUMENT, info("INVALID_ARGUMENT", field="x"), bad)
    error = make_error(grpc.StatusCode.INVALID_ARGUMENT, "bad", details)
    assert isinstance(error, InvalidArgumentError)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.message == "bad"
    assert (error.reason, error.domain, error.metadata) == (
        "INVALID_ARGUMENT",
        "claude-pool.dev",
        {"field": "x"},
    )
    assert error.error_reason == ErrorReason.ERROR_REASON_INVALID_ARGUMENT
    assert error.field_violations == [FieldViolation("task.prompt", "empty")]
    assert error.retry_delay is None
    assert str(error) == "INVALID_ARGUMENT [INVALID_ARGUMENT]: bad"


def test_an_unknown_reason_keeps_its_string() -> None:
    details = status(code_pb2.NOT_FOUND, info("WIDGET_NOT_FOUND", widget="w"))
    error = make_error(grpc.StatusCode.NOT_FOUND, "gone", details)
    assert isinstance(error, NotFoundError)
    assert error.reason == "WIDGET_NOT_FOUND"
    assert error.error_reason == ErrorReason.ERROR_REASON_UNSPECIFIED
    assert error.metadata == {"widget": "w"}


def test_resource_exhausted_is_split_by_reason_and_carries_the_retry_delay() -> None:
    retry = error_details_pb2.RetryInfo(
        retry_delay=duration_pb2.Duration(seconds=1, nanos=5 * 10**8)
    )
    exhausted = grpc.StatusCode.RESOURCE_EXHAUSTED
    limited = make_error(exhausted, "slow down", status(8, info("RATE_LIMITED"), retry))
    assert isinstance(limited, RateLimitedError)
    assert isinstance(limited, ResourceExhaustedError)
    assert limited.retry_delay == 1.5
    assert isinstance(
        make_error(exhausted, "", status(8, info("BUDGET_EXHAUSTED"))), BudgetExhaustedError
    )
    assert isinstance(
        make_error(exhausted, "", status(8, info("QUOTA_EXCEEDED"))), QuotaExceededError
    )
    other = make_error(exhausted, "", None)
    assert type(other) is ResourceExhaustedError


def test_codes_pick_their_class() -> None:
    assert isinstance(make_error(grpc.StatusCode.UNAVAILABLE, ""), UnavailableError)
    assert isinstance(make_error(grpc.StatusCode.INTERNAL, ""), InternalError)
    unknown = make_error(grpc.StatusCode.UNKNOWN, "?")
    assert type(unknown) is PoolError
    assert (unknown.reason, unknown.metadata, unknown.field_violations) == ("", {}, [])


def test_a_grpc_error_is_read_from_its_trailers() -> None:
    details = status(code_pb2.NOT_FOUND, info("TASK_NOT_FOUND", task_id="task-1"))
    trailers = grpc.aio.Metadata(("grpc-status-details-bin", details.SerializeToString()))
    rpc_error = grpc.aio.AioRpcError(
        grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(), trailers, details="no task"
    )
    error = from_rpc_error(rpc_error)
    assert isinstance(error, NotFoundError)
    assert error.message == "no task"
    assert error.error_reason == ErrorReason.ERROR_REASON_TASK_NOT_FOUND
    assert error.metadata == {"task_id": "task-1"}


def test_trailers_that_contradict_the_status_are_ignored() -> None:
    details = status(code_pb2.INTERNAL, info("TASK_NOT_FOUND"))
    trailers = grpc.aio.Metadata(("grpc-status-details-bin", details.SerializeToString()))
    rpc_error = grpc.aio.AioRpcError(
        grpc.StatusCode.NOT_FOUND, grpc.aio.Metadata(), trailers, details="no task"
    )
    error = from_rpc_error(rpc_error)
    assert isinstance(error, NotFoundError)
    assert error.reason == ""
