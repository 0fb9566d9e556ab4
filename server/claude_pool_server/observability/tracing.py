"""OpenTelemetry traces: off unless an OTLP endpoint is configured (or a test installs a
tracer provider). When on, every RPC gets a server span (the official gRPC instrumentation,
which also continues a client's `traceparent`), every store call a child span, and every task
a queue-wait and a run span in the trace of the call that submitted it."""

from __future__ import annotations

from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from claude_pool_server import __version__


def configure(endpoint: str) -> TracerProvider | None:
    """Export spans over OTLP/gRPC to `endpoint` (e.g. http://127.0.0.1:4317)."""
    if not endpoint:
        return None
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    resource = Resource.create({"service.name": "claude-pool", "service.version": __version__})
    provider = TracerProvider(resource=resource)
    insecure = endpoint.startswith("http://")
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint, insecure=insecure)))
    trace.set_tracer_provider(provider)
    return provider


def enabled() -> bool:
    return isinstance(trace.get_tracer_provider(), TracerProvider)


def server_interceptors() -> list[Any]:
    """The gRPC instrumentation's interceptor when tracing is on (it goes first: the edge and
    the handler run inside the RPC's span)."""
    if not enabled():
        return []
    from opentelemetry.instrumentation.grpc import aio_server_interceptor

    return [aio_server_interceptor()]  # type: ignore[no-untyped-call]


def current_traceparent() -> str:
    """The W3C `traceparent` of the current span ("" when there is none)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")
