"""What an operator scrapes and traces: the Prometheus endpoint and OpenTelemetry spans."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from claude_pool import NotFoundError
from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool.v1 import task_pb2
from tests.conftest import ServerFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name` over the samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))


async def test_the_metrics_endpoint_counts_tasks_rpcs_store_calls_and_money(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=2, model="claude-sonnet-4-5", server={"metrics_port": 0})
    port = pool.server.metrics_port
    assert port
    done = await pool.client.run("[[reply:counted]] [[usage:1000:0]]")  # $0.003
    failed = await pool.client.run("[[500]]")
    assert failed.state == task_pb2.TASK_STATE_FAILED
    with pytest.raises(NotFoundError):
        await pool.client.get("task-missing")
    app = pool.server.app
    assert app.refresher is not None
    await app.refresher.refresh()
    samples = scrape(port)

    assert value(samples, "claude_pool_tasks_submitted_total") == 2
    assert value(samples, "claude_pool_tasks_finished_total", state="completed") == 1
    assert (
        value(samples, "claude_pool_tasks_finished_total", state="failed", failure="api_error") == 1
    )
    assert value(samples, "claude_pool_rpc_requests_total", method="Run", code="OK") == 2
    assert value(samples, "claude_pool_rpc_requests_total", method="GetTask", code="NOT_FOUND") == 1
    assert value(samples, "claude_pool_queue_wait_seconds_count") == 2
    assert value(samples, "claude_pool_run_duration_seconds_count", state="completed") == 1
    assert value(samples, "claude_pool_time_to_first_output_seconds_count") >= 1
    assert value(samples, "claude_pool_store_duration_seconds_count", operation="claim_task") >= 2
    assert value(samples, "claude_pool_spent_micros_total") == done.result.cost_micros == 3_000
    # the gauges, from the snapshot
    assert value(samples, "claude_pool_tasks", state="completed") == 1
    assert value(samples, "claude_pool_tasks", state="failed") == 1
    assert value(samples, "claude_pool_slots", state="idle") == 2
    assert value(samples, "claude_pool_healthy") == 1
    status = await pool.client.status()
    assert value(samples, "claude_pool_budget_spent_micros", namespace="") == status.spent_micros
    assert value(samples, "claude_pool_warm_processes") == status.warm_processes


@pytest.fixture(scope="module")
def spans() -> Iterator[InMemorySpanExporter]:
    """An SDK tracer provider for this process (as `--otlp-endpoint` installs one)."""
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.clear()


async def test_a_task_joins_the_trace_of_the_call_that_submitted_it(
    make_server: ServerFactory, spans: InMemorySpanExporter
) -> None:
    pool = await make_server(slots=1)
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = f"00-{trace_id}-00f067aa0ba902b7-01"
    request = pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="[[reply:traced]]"))
    submitted = await pool.client.stub.SubmitTask(request, metadata=(("traceparent", traceparent),))
    done = await pool.client.wait(submitted.task.id, timeout=60)
    assert done.result.output == "traced"

    def of_trace(name: str) -> list[ReadableSpan]:
        return [
            s for s in spans.get_finished_spans()
            if s.name == name and format(s.context.trace_id, "032x") == trace_id
        ]  # fmt: skip

    [rpc] = [s for s in spans.get_finished_spans() if s.name.endswith("/SubmitTask")]
    assert format(rpc.context.trace_id, "032x") == trace_id
    assert rpc.kind == trace.SpanKind.SERVER
    [queued] = of_trace("task.queue_wait")
    [run] = of_trace("task.run")
    assert run.attributes is not None and run.attributes["claude_pool.task_id"] == done.id
    assert run.attributes["claude_pool.state"] == "completed"
    assert any(e.name == "first output" for e in run.events)
    assert queued.end_time is not None and run.start_time is not None
    assert queued.end_time <= run.start_time + 1_000_000  # the wait ends where the run starts
    store_spans = [s for s in of_trace("store.submit_task")]
    assert store_spans and store_spans[0].parent is not None
    assert store_spans[0].parent.span_id == rpc.context.span_id


async def test_a_retry_in_a_new_span_is_still_the_same_request(
    make_server: ServerFactory, spans: InMemorySpanExporter
) -> None:
    """A client's retry carries a new `traceparent`; the trace is not part of the request."""
    pool = await make_server(slots=1)
    request = pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt="[[reply:once]]"), request_id="r")
    replies = []
    for span_id in ("00f067aa0ba902b7", "00f067aa0ba902b8"):
        traceparent = f"00-4bf92f3577b34da6a3ce929d0e0e4737-{span_id}-01"
        replies.append(
            await pool.client.stub.SubmitTask(request, metadata=(("traceparent", traceparent),))
        )
    assert replies[0].task.id == replies[1].task.id


async def test_an_rpc_of_a_bad_request_is_counted_with_its_code(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1, server={"metrics_port": 0})
    with pytest.raises(grpc.aio.AioRpcError):
        await pool.client.stub.GetTask(pb.GetTaskRequest(task_id="bad\x00id"))
    assert pool.server.metrics_port
    samples = scrape(pool.server.metrics_port)
    assert (
        value(samples, "claude_pool_rpc_requests_total", method="GetTask", code="INVALID_ARGUMENT")
        == 1
    )
