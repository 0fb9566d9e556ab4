"""The Python client's wrapper methods over a fake stub (no server): one method per RPC, a UUID v4
request_id on every mutating call, resumable streams, paging helpers, and the sync facade."""

from __future__ import annotations

import asyncio
import importlib.util
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.protobuf.message import Message

from claude_pool import NotFoundError, PoolClient, SyncPoolClient, UnavailableError
from claude_pool.v1 import chain_pb2, pool_pb2, routing_pb2, session_pb2, task_pb2
from claude_pool.v1 import pool_service_pb2 as pb

SERVICE = pb.DESCRIPTOR.services_by_name["PoolService"]
CLIENT_DIR = Path(__file__).resolve().parents[2] / "clients" / "python"

# clients/CONFORMANCE.md §1: the RPCs whose request carries a request_id.
MUTATING = {
    "Run", "RunStream", "SubmitTask", "CancelTask", "DeleteTask", "ClaimTask", "ApproveTask",
    "RejectTask", "DeleteSession", "FanOut", "FanOutStream", "SubmitChain", "FanOutChains",
    "CancelChain", "Auto", "ExecuteRoute", "SetContext", "DeleteContext", "SendMessage",
    "BroadcastMessage", "ReadMessages", "ScaleUp", "ScaleDown", "SetTargetSlots", "Drain",
}  # fmt: skip


def rpc_error(code: grpc.StatusCode, details: str = "refused") -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details=details)


class FakeCall:
    """A server-streaming call: yields `items`, then raises `error` (if any), or ends."""

    def __init__(self, items: list[Message], error: grpc.aio.AioRpcError | None = None) -> None:
        self.items = items
        self.error = error
        self.cancelled = False

    async def _read(self) -> AsyncIterator[Message]:
        for item in self.items:
            await asyncio.sleep(0)
            yield item
        if self.error is not None:
            raise self.error

    def __aiter__(self) -> AsyncIterator[Message]:
        return self._read()

    def cancel(self) -> bool:
        self.cancelled = True
        return True


class FakeStub:
    """Every PoolService method. Records (rpc, request); a unary call answers the next scripted
    answer for its RPC (a response or an AioRpcError), else an empty response; a stream call
    answers the next scripted FakeCall."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.answers: dict[str, list[Any]] = defaultdict(list)
        self.streams: dict[str, list[FakeCall]] = defaultdict(list)

    def sent(self, rpc: str) -> list[Any]:
        return [request for name, request in self.calls if name == rpc]

    def __getattr__(self, rpc: str) -> Callable[..., Any]:
        method = SERVICE.methods_by_name[rpc]
        response_type = getattr(pb, method.output_type.name)

        def record(request: Message) -> None:
            copy = type(request)()
            copy.CopyFrom(request)
            self.calls.append((rpc, copy))

        if method.server_streaming:

            def open_stream(request: Message, **_: Any) -> FakeCall:
                record(request)
                return self.streams[rpc].pop(0) if self.streams[rpc] else FakeCall([])

            return open_stream

        async def unary(request: Message, **_: Any) -> Any:
            record(request)
            answer = self.answers[rpc].pop(0) if self.answers[rpc] else response_type()
            if isinstance(answer, Exception):
                raise answer
            return answer

        return unary


@pytest_asyncio.fixture
async def client() -> AsyncIterator[tuple[PoolClient, FakeStub]]:
    pool = PoolClient("127.0.0.1:1")
    stub = FakeStub()
    pool.stub = stub  # type: ignore[assignment]
    try:
        yield pool, stub
    finally:
        await pool.close()


def event(seq: int, *, finished: bool = False, text: str = "") -> task_pb2.TaskEvent:
    value = task_pb2.TaskEvent(task_id="task-1", seq=seq)
    if finished:
        value.finished.task.id = "task-1"
    else:
        value.text_delta.text = text or f"t{seq}"
    return value


def watched(*events: task_pb2.TaskEvent) -> list[Message]:
    return [pb.WatchTaskResponse(event=e) for e in events]


async def drain(stream: AsyncIterator[Any]) -> list[Any]:
    return [item async for item in stream]


# Every PoolService RPC and a call of the wrapper method that sends it.
WRAPPERS: dict[str, Callable[[PoolClient], Awaitable[Any]]] = {
    "Run": lambda c: c.run("p"),
    "RunStream": lambda c: drain(c.stream("p")),
    "SubmitTask": lambda c: c.submit("p"),
    "GetTask": lambda c: c.get("task-1"),
    "ListTasks": lambda c: c.list_tasks(),
    "WaitTask": lambda c: c.wait("task-1", 1),
    "WatchTask": lambda c: drain(c.watch("task-1")),
    "CancelTask": lambda c: c.cancel("task-1"),
    "DeleteTask": lambda c: c.delete_task("task-1"),
    "ClaimTask": lambda c: c.claim("slot-0"),
    "ApproveTask": lambda c: c.approve("task-1"),
    "RejectTask": lambda c: c.reject("task-1", "again"),
    "GetSession": lambda c: c.get_session("s"),
    "ListSessions": lambda c: c.list_sessions(),
    "DeleteSession": lambda c: c.delete_session("s"),
    "FanOut": lambda c: c.fan_out(["p"]),
    "FanOutStream": lambda c: drain(c.fan_out_stream(["p"])),
    "SubmitChain": lambda c: c.submit_chain([{"prompt": "p"}]),
    "FanOutChains": lambda c: c.fan_out_chains([[{"prompt": "p"}]]),
    "GetChainProgress": lambda c: c.get_chain("chain-1"),
    "ListChainProgress": lambda c: c.list_chains(),
    "WatchChain": lambda c: drain(c.watch_chain("chain-1")),
    "CancelChain": lambda c: c.cancel_chain("chain-1"),
    "Route": lambda c: c.route("p"),
    "Auto": lambda c: c.auto("p"),
    "ExecuteRoute": lambda c: c.execute_route(routing_pb2.Route()),
    "SetContext": lambda c: c.set_context("k", "v"),
    "GetContext": lambda c: c.get_context("k"),
    "DeleteContext": lambda c: c.delete_context("k"),
    "ListContext": lambda c: c.list_context_page(),
    "SendMessage": lambda c: c.send_message("slot-0", "hi"),
    "BroadcastMessage": lambda c: c.broadcast_message("hi"),
    "ReadMessages": lambda c: c.read_messages("slot-0"),
    "PeekMessages": lambda c: c.peek_messages("slot-0"),
    "CountMessages": lambda c: c.count_messages("slot-0"),
    "FindSlots": lambda c: c.find_slots(),
    "ScaleUp": lambda c: c.scale_up(),
    "ScaleDown": lambda c: c.scale_down(busy_timeout=1),
    "SetTargetSlots": lambda c: c.set_target_slots(2),
    "GetStatus": lambda c: c.status(),
    "GetConfig": lambda c: c.config(),
    "Drain": lambda c: c.drain(1),
    "GetSessionMetrics": lambda c: c.session_metrics(tags=["a"]),
}


def test_every_rpc_has_a_wrapper() -> None:
    assert sorted(WRAPPERS) == sorted(m.name for m in SERVICE.methods)
    assert len(WRAPPERS) == 43
    assert set(WRAPPERS) >= MUTATING


@pytest.mark.asyncio
@pytest.mark.parametrize("rpc", sorted(WRAPPERS))
async def test_each_wrapper_sends_its_rpc_and_a_request_id_when_mutating(
    rpc: str, client: tuple[PoolClient, FakeStub]
) -> None:
    pool, stub = client
    if rpc == "WaitTask":
        stub.answers[rpc].append(pb.WaitTaskResponse(done=True))
    if rpc == "WatchChain":
        finished = chain_pb2.ChainProgress(seq=1, status=chain_pb2.CHAIN_STATUS_COMPLETED)
        stub.streams[rpc].append(FakeCall([pb.WatchChainResponse(chain=finished)]))
    if rpc in ("RunStream", "WatchTask"):
        response = pb.RunStreamResponse if rpc == "RunStream" else pb.WatchTaskResponse
        stub.streams[rpc].append(FakeCall([response(event=event(1, finished=True))]))
    await WRAPPERS[rpc](pool)
    assert [name for name, _ in stub.calls] == [rpc]
    request = stub.calls[0][1]
    if rpc not in MUTATING:
        assert "request_id" not in request.DESCRIPTOR.fields_by_name
        return
    assert uuid.UUID(request.request_id).version == 4


@pytest.mark.asyncio
async def test_a_given_request_id_is_sent(client: tuple[PoolClient, FakeStub]) -> None:
    pool, stub = client
    await pool.submit("p", request_id="rid-1")
    await pool.cancel("task-1", request_id="rid-2")
    await drain(pool.fan_out_stream(["p"], request_id="rid-3"))
    assert [r.request_id for _, r in stub.calls] == ["rid-1", "rid-2", "rid-3"]


@pytest.mark.asyncio
async def test_task_spec_options_reach_the_request(client: tuple[PoolClient, FakeStub]) -> None:
    pool, stub = client
    await pool.submit(
        "p", continue_from="task-0", model="m", review_required=True, max_rejections=2
    )
    await pool.run("p", fork_from="sess-1", max_budget_usd=0.5, timeout=3)
    submitted, ran = stub.sent("SubmitTask")[0].task, stub.sent("Run")[0].task
    assert (submitted.continue_from, submitted.overrides.model) == ("task-0", "m")
    assert submitted.review_required and submitted.max_rejections == 2
    assert ran.fork_from == "sess-1"
    assert ran.overrides.max_budget_micros == 500_000
    assert ran.overrides.timeout.seconds == 3


@pytest.mark.asyncio
async def test_watch_resumes_after_its_last_seq(client: tuple[PoolClient, FakeStub]) -> None:
    pool, stub = client
    stub.streams["WatchTask"] += [
        FakeCall(watched(event(1), event(2)), rpc_error(grpc.StatusCode.UNAVAILABLE)),
        FakeCall(watched(event(2), event(3), event(4, finished=True))),  # 2 again: dropped
    ]
    events = await drain(pool.watch("task-1"))
    assert [e.seq for e in events] == [1, 2, 3, 4]
    assert [r.after_seq for r in stub.sent("WatchTask")] == [0, 2]


@pytest.mark.asyncio
async def test_a_watch_that_ends_before_finished_is_reopened(
    client: tuple[PoolClient, FakeStub],
) -> None:
    pool, stub = client
    stub.streams["WatchTask"] += [
        FakeCall(watched(event(3))),
        FakeCall(watched(event(4, finished=True))),
    ]
    events = await drain(pool.watch("task-1", after_seq=2))
    assert [e.seq for e in events] == [3, 4]
    assert [r.after_seq for r in stub.sent("WatchTask")] == [2, 3]


@pytest.mark.asyncio
async def test_a_broken_watch_gets_four_attempts(client: tuple[PoolClient, FakeStub]) -> None:
    pool, stub = client
    broken = rpc_error(grpc.StatusCode.UNAVAILABLE)
    stub.streams["WatchTask"] += [FakeCall(watched(event(1)), broken)]
    stub.streams["WatchTask"] += [FakeCall([], broken) for _ in range(5)]
    seen: list[int] = []
    with pytest.raises(UnavailableError):
        async for e in pool.watch("task-1"):
            seen.append(e.seq)
    assert seen == [1]
    assert len(stub.sent("WatchTask")) == 4


@pytest.mark.asyncio
async def test_a_watch_is_not_reopened_after_other_errors(
    client: tuple[PoolClient, FakeStub],
) -> None:
    pool, stub = client
    stub.streams["WatchTask"] += [FakeCall([], rpc_error(grpc.StatusCode.NOT_FOUND, "no task"))]
    with pytest.raises(NotFoundError):
        await drain(pool.watch("task-1"))
    stub.streams["WatchTask"] += [FakeCall(watched(event(1)), rpc_error(grpc.StatusCode.INTERNAL))]
    with pytest.raises(Exception) as internal:
        await drain(pool.watch("task-1"))
    assert getattr(internal.value, "code", None) == grpc.StatusCode.INTERNAL
    assert len(stub.sent("WatchTask")) == 2


@pytest.mark.asyncio
async def test_run_stream_is_resent_then_followed_with_watch(
    client: tuple[PoolClient, FakeStub],
) -> None:
    pool, stub = client
    unavailable = rpc_error(grpc.StatusCode.UNAVAILABLE)
    stub.streams["RunStream"] += [
        FakeCall([], unavailable),  # the opening is refused: RunStream again, same request_id
        FakeCall([pb.RunStreamResponse(event=event(1))], unavailable),  # breaks after event 1
    ]
    stub.streams["WatchTask"] += [FakeCall(watched(event(2), event(3, finished=True)))]
    events = await drain(pool.stream("p", cancel_on_disconnect=True))
    assert [e.seq for e in events] == [1, 2, 3]
    runs = stub.sent("RunStream")
    assert len(runs) == 2 and runs[0].request_id == runs[1].request_id != ""
    assert runs[0].cancel_on_disconnect
    assert [(r.task_id, r.after_seq) for r in stub.sent("WatchTask")] == [("task-1", 1)]


@pytest.mark.asyncio
async def test_leaving_a_stream_early_cancels_the_call(client: tuple[PoolClient, FakeStub]) -> None:
    pool, stub = client
    call = FakeCall(watched(event(1), event(2), event(3, finished=True)))
    stub.streams["WatchTask"].append(call)
    stream = pool.watch("task-1")
    assert (await anext(stream)).seq == 1
    await stream.aclose()
    assert call.cancelled


@pytest.mark.asyncio
async def test_fan_out_stream_resends_its_opening_but_not_a_break(
    client: tuple[PoolClient, FakeStub],
) -> None:
    pool, stub = client
    item = pb.FanOutStreamResponse(item=pb.FanOutItem(index=1))
    stub.streams["FanOutStream"] += [
        FakeCall([], rpc_error(grpc.StatusCode.UNAVAILABLE)),
        FakeCall([item, item]),
    ]
    assert [i.index for i in await drain(pool.fan_out_stream(["a", "b"]))] == [1, 1]
    ids = {r.request_id for r in stub.sent("FanOutStream")}
    assert len(ids) == 1
    stub.streams["FanOutStream"] += [FakeCall([item], rpc_error(grpc.StatusCode.UNAVAILABLE))]
    with pytest.raises(UnavailableError):
        await drain(pool.fan_out_stream(["a", "b"]))
    assert len(stub.sent("FanOutStream")) == 3


@pytest.mark.asyncio
async def test_watch_chain_resumes_from_the_last_snapshot(
    client: tuple[PoolClient, FakeStub],
) -> None:
    pool, stub = client
    running, done = chain_pb2.CHAIN_STATUS_RUNNING, chain_pb2.CHAIN_STATUS_COMPLETED

    def snapshot(seq: int, status: chain_pb2.ChainStatus.ValueType) -> pb.WatchChainResponse:
        return pb.WatchChainResponse(chain=chain_pb2.ChainProgress(seq=seq, status=status))

    stub.streams["WatchChain"] += [
        FakeCall([snapshot(1, running)], rpc_error(grpc.StatusCode.UNAVAILABLE)),
        FakeCall([snapshot(3, running), snapshot(4, done)]),
    ]
    assert [p.seq for p in await drain(pool.watch_chain("chain-1"))] == [1, 3, 4]
    assert [r.after_seq for r in stub.sent("WatchChain")] == [0, 1]


@pytest.mark.asyncio
async def test_watch_chain_reads_until_the_server_ends_the_stream(
    client: tuple[PoolClient, FakeStub],
) -> None:
    pool, stub = client
    cancelled = chain_pb2.CHAIN_STATUS_CANCELLED
    bare = chain_pb2.ChainProgress(seq=1, status=cancelled)
    final = chain_pb2.ChainProgress(seq=2, status=cancelled)
    final.result.steps.add(skipped=True)
    running = chain_pb2.ChainProgress(seq=1, status=chain_pb2.CHAIN_STATUS_RUNNING)
    stub.streams["WatchChain"] += [
        FakeCall([pb.WatchChainResponse(chain=bare), pb.WatchChainResponse(chain=final)]),
        FakeCall([pb.WatchChainResponse(chain=running)]),  # ends while running: a break
        FakeCall([]),
        FakeCall([pb.WatchChainResponse(chain=final)]),
    ]
    assert [p.seq for p in await drain(pool.watch_chain("chain-1"))] == [1, 2]
    assert (await pool.wait_chain("chain-2")).result.steps[0].skipped
    assert [r.after_seq for r in stub.sent("WatchChain")] == [0, 0, 1, 1]


@pytest.mark.asyncio
async def test_paging_helpers_follow_next_page_token(client: tuple[PoolClient, FakeStub]) -> None:
    pool, stub = client
    stub.answers["ListTasks"] += [
        pb.ListTasksResponse(
            tasks=[task_pb2.Task(id="a"), task_pb2.Task(id="b")], next_page_token="p2"
        ),
        pb.ListTasksResponse(tasks=[task_pb2.Task(id="c")], next_page_token="p3"),
        pb.ListTasksResponse(),
    ]
    ids = [t.id async for t in pool.iter_tasks(page_size=2, tags=["x"], session_id="s")]
    assert ids == ["a", "b", "c"]
    sent = stub.sent("ListTasks")
    assert [r.page_token for r in sent] == ["", "p2", "p3"]
    assert all(r.page_size == 2 and list(r.tags) == ["x"] and r.session_id == "s" for r in sent)

    stub.answers["ListSessions"] += [
        pb.ListSessionsResponse(sessions=[session_pb2.Session(id="s1")], next_page_token="n"),
        pb.ListSessionsResponse(sessions=[session_pb2.Session(id="s2")]),
    ]
    assert [s.id async for s in pool.iter_sessions(page_size=1)] == ["s1", "s2"]

    stub.answers["ListChainProgress"] += [
        pb.ListChainProgressResponse(
            chains=[chain_pb2.ChainProgress(chain_id="c1")], next_page_token="n"
        ),
        pb.ListChainProgressResponse(chains=[chain_pb2.ChainProgress(chain_id="c2")]),
    ]
    completed = chain_pb2.CHAIN_STATUS_COMPLETED
    assert [c.chain_id async for c in pool.iter_chains(status=completed)] == ["c1", "c2"]
    assert all(r.status == completed for r in stub.sent("ListChainProgress"))

    entry = pool_pb2.ContextEntry
    stub.answers["ListContext"] += [
        pb.ListContextResponse(entries=[entry(key="a", value="1")], next_page_token="n"),
        pb.ListContextResponse(entries=[entry(key="b", value="2")]),
        pb.ListContextResponse(entries=[entry(key="a", value="1")], next_page_token="n"),
        pb.ListContextResponse(entries=[entry(key="b", value="2")]),
    ]
    assert [e.key async for e in pool.iter_context(page_size=1)] == ["a", "b"]
    assert await pool.list_context() == {"a": "1", "b": "2"}


@pytest.mark.asyncio
async def test_wait_loops_until_done(client: tuple[PoolClient, FakeStub]) -> None:
    pool, stub = client
    stub.answers["WaitTask"] += [
        pb.WaitTaskResponse(done=False),
        pb.WaitTaskResponse(done=True, task=task_pb2.Task(id="task-1")),
    ]
    assert (await pool.wait("task-1", timeout=60)).id == "task-1"
    assert len(stub.sent("WaitTask")) == 2


@pytest.fixture
def sync_client() -> Iterator[tuple[SyncPoolClient, FakeStub]]:
    with SyncPoolClient("127.0.0.1:1") as pool:
        stub = FakeStub()
        pool._client.stub = stub  # type: ignore[assignment]
        yield pool, stub


def test_the_sync_client_blocks_and_iterates(sync_client: tuple[SyncPoolClient, FakeStub]) -> None:
    pool, stub = sync_client
    stub.answers["SubmitTask"].append(pb.SubmitTaskResponse(task=task_pb2.Task(id="task-9")))
    assert pool.submit("p").id == "task-9"
    call = FakeCall(watched(event(1), event(2), event(3, finished=True)))
    stub.streams["WatchTask"].append(call)
    for e in pool.watch("task-9"):
        assert e.seq == 1
        break
    assert call.cancelled, "leaving the loop early closes the stream"
    stub.answers["GetTask"].append(rpc_error(grpc.StatusCode.NOT_FOUND, "no task"))
    with pytest.raises(NotFoundError):
        pool.get("task-x")


def test_the_generated_sync_client_is_up_to_date() -> None:
    spec = importlib.util.spec_from_file_location(
        "generate_sync", CLIENT_DIR / "tools" / "generate_sync.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = (CLIENT_DIR / "claude_pool" / "sync.py").read_text(encoding="utf-8")
    assert module.generate() == expected, "run python clients/python/tools/generate_sync.py"
