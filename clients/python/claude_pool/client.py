"""PoolClient: the async Python client for a claude-pool server, and a sync facade over it."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

import grpc
from google.protobuf import duration_pb2

from claude_pool.errors import PoolError, from_rpc_error
from claude_pool.v1 import pool_pb2, pool_service_pb2, pool_service_pb2_grpc, task_pb2

T = TypeVar("T")
pb = pool_service_pb2

DEFAULT_ADDRESS = "127.0.0.1:50051"
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
]
RESUMABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.INTERNAL})


def _duration(seconds: float) -> duration_pb2.Duration:
    value = duration_pb2.Duration()
    value.FromNanoseconds(int(seconds * 1e9))
    return value


def task_spec(
    prompt: str,
    *,
    model: str | None = None,
    tags: list[str] | None = None,
    working_dir: str = "",
    max_budget_usd: float | None = None,
    timeout: float | None = None,
    review_required: bool = False,
    slot_id: str = "",
    **overrides: Any,
) -> task_pb2.TaskSpec:
    """Build a TaskSpec; extra keyword arguments are TaskOverrides fields."""
    spec = task_pb2.TaskSpec(
        prompt=prompt,
        tags=tags or [],
        working_dir=working_dir,
        review_required=review_required,
        slot_id=slot_id,
        overrides=task_pb2.TaskOverrides(model=model, **overrides),
    )
    if max_budget_usd is not None:
        spec.overrides.max_budget_micros = int(round(max_budget_usd * 1_000_000))
    if timeout is not None:
        spec.overrides.timeout.CopyFrom(_duration(timeout))
    return spec


class PoolClient:
    """Async client. Use as `async with PoolClient("host:port", token=...) as pool:`.

    Every mutating call sends a fresh `request_id` unless one is given, so a retried call never
    runs the same work twice. Errors are raised as `claude_pool.PoolError` subclasses.
    """

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        *,
        token: str | None = None,
        credentials: grpc.ChannelCredentials | None = None,
    ) -> None:
        self.address = address
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ()
        )
        if credentials is not None:
            self._channel = grpc.aio.secure_channel(address, credentials, options=CHANNEL_OPTIONS)
        else:
            self._channel = grpc.aio.insecure_channel(address, options=CHANNEL_OPTIONS)
        self.stub = pool_service_pb2_grpc.PoolServiceStub(self._channel)

    async def __aenter__(self) -> PoolClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._channel.close()

    async def _call(self, method: Callable[..., Awaitable[T]], request: Any, **kw: Any) -> T:
        try:
            return await method(request, metadata=self._metadata, **kw)
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc) from None

    @staticmethod
    def _spec(prompt_or_spec: str | task_pb2.TaskSpec, **kw: Any) -> task_pb2.TaskSpec:
        if isinstance(prompt_or_spec, task_pb2.TaskSpec):
            return prompt_or_spec
        return task_spec(prompt_or_spec, **kw)

    # tasks -------------------------------------------------------------------------------------

    async def run(self, prompt: str | task_pb2.TaskSpec, **kw: Any) -> task_pb2.Task:
        """Run a task and return it finished (a failed run is a Task in state FAILED)."""
        request = pb.RunRequest(task=self._spec(prompt, **kw), request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.Run, request)
        return response.task

    async def stream(
        self, prompt: str | task_pb2.TaskSpec, *, cancel_on_disconnect: bool = False, **kw: Any
    ) -> AsyncIterator[task_pb2.TaskEvent]:
        """Run a task and yield its events: state changes, text deltas, then `finished`."""
        request = pb.RunStreamRequest(
            task=self._spec(prompt, **kw),
            request_id=uuid.uuid4().hex,
            cancel_on_disconnect=cancel_on_disconnect,
        )
        call = self.stub.RunStream(request, metadata=self._metadata)
        task_id = ""
        last_seq = 0
        try:
            async for response in call:
                task_id, last_seq = response.event.task_id, response.event.seq
                yield response.event
            return
        except grpc.aio.AioRpcError as exc:
            if not task_id or exc.code() not in RESUMABLE:
                raise from_rpc_error(exc) from None
        finally:
            call.cancel()
        # The stream broke after the task started: carry on from the log.
        async for event in self.watch(task_id, after_seq=last_seq):
            yield event

    async def submit(self, prompt: str | task_pb2.TaskSpec, **kw: Any) -> task_pb2.Task:
        request = pb.SubmitTaskRequest(task=self._spec(prompt, **kw), request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.SubmitTask, request)
        return response.task

    async def get(self, task_id: str) -> task_pb2.Task:
        response = await self._call(self.stub.GetTask, pb.GetTaskRequest(task_id=task_id))
        return response.task

    async def list(self, **filters: Any) -> pb.ListTasksResponse:
        return await self._call(self.stub.ListTasks, pb.ListTasksRequest(**filters))

    async def wait(self, task_id: str, timeout: float = 600.0) -> task_pb2.Task:
        """Wait until the task settles (terminal or pending review), polling in long waits."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = max(0.0, deadline - loop.time())
            request = pb.WaitTaskRequest(task_id=task_id, timeout=_duration(min(remaining, 600)))
            response = await self._call(self.stub.WaitTask, request, timeout=remaining + 30)
            if response.done or loop.time() >= deadline:
                return response.task

    async def watch(self, task_id: str, after_seq: int = 0) -> AsyncIterator[task_pb2.TaskEvent]:
        """Yield the task's events after `after_seq` until `finished`, resuming on a dropped
        connection from the last seen seq (no gap, no duplicate)."""
        seq = after_seq
        attempts = 0
        while True:
            call = self.stub.WatchTask(
                pb.WatchTaskRequest(task_id=task_id, after_seq=seq), metadata=self._metadata
            )
            try:
                async for response in call:
                    attempts = 0
                    seq = response.event.seq
                    yield response.event
                    if response.event.HasField("finished"):
                        return
                return
            except grpc.aio.AioRpcError as exc:
                attempts += 1
                if exc.code() not in RESUMABLE or attempts > 5:
                    raise from_rpc_error(exc) from None
                await asyncio.sleep(min(0.2 * 2**attempts, 5.0))
            finally:
                call.cancel()

    async def cancel(self, task_id: str) -> task_pb2.Task:
        request = pb.CancelTaskRequest(task_id=task_id, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.CancelTask, request)
        return response.task

    async def claim(self, slot_id: str) -> task_pb2.Task | None:
        response = await self._call(self.stub.ClaimTask, pb.ClaimTaskRequest(slot_id=slot_id))
        return response.task if response.HasField("task") else None

    # pool --------------------------------------------------------------------------------------

    async def status(self) -> pool_pb2.PoolStatus:
        response = await self._call(self.stub.GetStatus, pb.GetStatusRequest())
        return response.status

    async def config(self) -> pool_pb2.PoolConfig:
        response = await self._call(self.stub.GetConfig, pb.GetConfigRequest())
        return response.config

    async def find_slots(self, name: str = "", role: str = "", state: int = 0) -> list[pool_pb2.Slot]:
        request = pb.FindSlotsRequest(name=name, role=role, state=state)  # type: ignore[arg-type]
        response = await self._call(self.stub.FindSlots, request)
        return list(response.slots)

    async def drain(self, timeout: float = 300.0) -> pool_pb2.DrainSummary:
        request = pb.DrainRequest(timeout=_duration(timeout), request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.Drain, request, timeout=timeout + 30)
        return response.summary

    # context -----------------------------------------------------------------------------------

    async def set_context(self, key: str, value: str) -> pool_pb2.ContextEntry:
        request = pb.SetContextRequest(key=key, value=value, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.SetContext, request)
        return response.entry

    async def get_context(self, key: str) -> str:
        response = await self._call(self.stub.GetContext, pb.GetContextRequest(key=key))
        return response.entry.value

    async def delete_context(self, key: str) -> bool:
        request = pb.DeleteContextRequest(key=key, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.DeleteContext, request)
        return response.deleted

    async def list_context(self) -> dict[str, str]:
        entries: dict[str, str] = {}
        token = ""
        while True:
            response = await self._call(
                self.stub.ListContext, pb.ListContextRequest(page_token=token)
            )
            entries.update((e.key, e.value) for e in response.entries)
            token = response.next_page_token
            if not token:
                return entries


class SyncPoolClient:
    """Blocking facade: the same methods as PoolClient, run on a private event loop thread."""

    def __init__(self, address: str = DEFAULT_ADDRESS, **kw: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._client: PoolClient = self._submit(self._make(address, kw))

    @staticmethod
    async def _make(address: str, kw: dict[str, Any]) -> PoolClient:
        return PoolClient(address, **kw)

    def _submit(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result()

    def __enter__(self) -> SyncPoolClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._submit(self._client.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def _iterate(self, agen: AsyncIterator[T]) -> Iterator[T]:
        while True:
            try:
                yield self._submit(agen.__anext__())  # type: ignore[arg-type]
            except StopAsyncIteration:
                return

    def run(self, prompt: str | task_pb2.TaskSpec, **kw: Any) -> task_pb2.Task:
        return self._submit(self._client.run(prompt, **kw))

    def stream(self, prompt: str | task_pb2.TaskSpec, **kw: Any) -> Iterator[task_pb2.TaskEvent]:
        return self._iterate(self._client.stream(prompt, **kw))

    def submit(self, prompt: str | task_pb2.TaskSpec, **kw: Any) -> task_pb2.Task:
        return self._submit(self._client.submit(prompt, **kw))

    def get(self, task_id: str) -> task_pb2.Task:
        return self._submit(self._client.get(task_id))

    def wait(self, task_id: str, timeout: float = 600.0) -> task_pb2.Task:
        return self._submit(self._client.wait(task_id, timeout))

    def watch(self, task_id: str, after_seq: int = 0) -> Iterator[task_pb2.TaskEvent]:
        return self._iterate(self._client.watch(task_id, after_seq))

    def cancel(self, task_id: str) -> task_pb2.Task:
        return self._submit(self._client.cancel(task_id))

    def status(self) -> pool_pb2.PoolStatus:
        return self._submit(self._client.status())

    def set_context(self, key: str, value: str) -> pool_pb2.ContextEntry:
        return self._submit(self._client.set_context(key, value))

    def get_context(self, key: str) -> str:
        return self._submit(self._client.get_context(key))

    def delete_context(self, key: str) -> bool:
        return self._submit(self._client.delete_context(key))

    def list_context(self) -> dict[str, str]:
        return self._submit(self._client.list_context())


__all__ = ["PoolClient", "PoolError", "SyncPoolClient", "task_spec"]
