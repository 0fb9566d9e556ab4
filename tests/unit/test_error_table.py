"""Every domain error maps to one gRPC code with an ErrorInfo; bad input names its field."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2

from claude_pool_server.api.status import status_for
from claude_pool_server.domain import errors


def details(status: grpc.Status) -> status_pb2.Status:
    trailer = dict(status.trailing_metadata)["grpc-status-details-bin"]
    return status_pb2.Status.FromString(trailer)


def test_each_error_class_has_its_code() -> None:
    cases = [
        (
            errors.InvalidArgument("task.prompt", "must not be empty"),
            grpc.StatusCode.INVALID_ARGUMENT,
        ),
        (errors.TaskNotFound("t"), grpc.StatusCode.NOT_FOUND),
        (errors.WorkingDirOutsideRoots("/x", ["/r"]), grpc.StatusCode.PERMISSION_DENIED),
        (
            errors.IllegalState("t", "completed", "cancel", "pending"),
            grpc.StatusCode.FAILED_PRECONDITION,
        ),
        (errors.PoolDraining(), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.BudgetExhausted(1, 2, 3, 4), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (errors.SeqOutOfRange("t", 9, 3), grpc.StatusCode.OUT_OF_RANGE),
        (errors.NotImplementedCapability("chains"), grpc.StatusCode.UNIMPLEMENTED),
    ]
    for error, code in cases:
        status = status_for(error)
        assert status.code == code
        decoded = details(status)
        info = error_details_pb2.ErrorInfo()
        decoded.details[0].Unpack(info)
        assert info.reason == error.reason and info.domain == "claude-pool.dev"


def test_bad_request_names_the_field() -> None:
    decoded = details(status_for(errors.InvalidArgument("task.tags", "too many")))
    bad = error_details_pb2.BadRequest()
    decoded.details[1].Unpack(bad)
    assert bad.field_violations[0].field == "task.tags"
    assert bad.field_violations[0].description == "too many"
