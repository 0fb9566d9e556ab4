"""The standard gRPC health check (`grpc.health.v1.Health/Check`), without its package.

HealthCheckRequest is `{string service = 1}` and HealthCheckResponse `{ServingStatus status = 1}`:
on the wire they are exactly the well-known StringValue and Int32Value, so those encode them and
the client needs no grpcio-health-checking dependency.
"""

from __future__ import annotations

import enum

import grpc
from google.protobuf import wrappers_pb2

CHECK = "/grpc.health.v1.Health/Check"


class HealthStatus(enum.IntEnum):
    """`grpc.health.v1.HealthCheckResponse.ServingStatus`."""

    UNKNOWN = 0
    SERVING = 1
    NOT_SERVING = 2
    SERVICE_UNKNOWN = 3

    @classmethod
    def of(cls, value: int) -> HealthStatus:
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


def check_method(
    channel: grpc.aio.Channel,
) -> grpc.aio.UnaryUnaryMultiCallable[wrappers_pb2.StringValue, wrappers_pb2.Int32Value]:
    return channel.unary_unary(
        CHECK,
        request_serializer=wrappers_pb2.StringValue.SerializeToString,
        response_deserializer=wrappers_pb2.Int32Value.FromString,
    )


def check_request(service: str = "") -> wrappers_pb2.StringValue:
    """A HealthCheckRequest for `service` ("" for the whole server)."""
    return wrappers_pb2.StringValue(value=service)
