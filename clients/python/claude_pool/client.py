"""PoolClient: the async Python client for a claude-pool server, and a sync facade over it."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

import grpc
from google.protobuf import duration_pb2

from claude_pool.errors import PoolError, from_rpc_error
from claude_pool.v1 import (
    chain_pb2,
    pool_pb2,
    pool_service_pb2,
    pool_service_pb2_grpc,
    routing_pb2,
    task_pb2,
)

T = TypeVar("T")
pb = pool_service_pb2

DEFAULT_ADDRESS = "127.0.0.1:50051"
# gRPC retries a call that failed UNAVAILABLE (a replica restarting, a connection reset) with
# the same request. That is safe for every method: reads are reads, and every mutating call
# carries a request_id whose retry the server answers with the first reply.
RETRY_SERVICE_CONFIG = json.dumps(
    {
        "methodConfig": [
            {
                "name": [{"service": "claude_pool.v1.PoolService"}],
                "retryPolicy": {
                    "maxAttempts": 4,
                    "initialBackoff": "0.2s",
                    "maxBackoff": "2s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ]
    }
)
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 16 * 1024 * 1024),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.enable_retries", 1),
    ("grpc.service_config", RETRY_SERVICE_CONFIG),
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
        spec.overrides.max_budget_micros = round(max_budget_usd * 1_000_000)
    if timeout is not None:
        spec.overrides.timeout.CopyFrom(_duration(timeout))
    return spec


def chain_step(
    prompt: str,
    name: str = "",
    *,
    retries: int = 0,
    recovery_prompt: str | None = None,
    output_vars: dict[str, str] | None = None,
    **overrides: Any,
) -> chain_pb2.ChainStep:
    """Build a ChainStep; extra keyword arguments are TaskOverrides fields (e.g. model)."""
    policy = chain_pb2.StepFailurePolicy(retries=retries)
    if recovery_prompt is not None:
        policy.recovery_prompt = recovery_prompt
    return chain_pb2.ChainStep(
        name=name,
        prompt=prompt,
        overrides=task_pb2.TaskOverrides(**overrides),
        failure_policy=policy,
        output_vars=output_vars or {},
    )


def chain_options(
    isolation: str = "none", tags: list[str] | None = None, working_dir: str = ""
) -> chain_pb2.ChainOptions:
    value = chain_pb2.ChainIsolation.Value(f"CHAIN_ISOLATION_{isolation.upper()}")
    return chain_pb2.ChainOptions(tags=tags or [], isolation=value, working_dir=working_dir)


class PoolClient:
    """Async client. Use as `async with PoolClient("host:port", token=...) as pool:`.

    Every mutating call carries a fresh `request_id`; resending that same request (say, after a
    lost connection) gets the first reply back instead of acting twice. Errors are raised as
    `claude_pool.PoolError` subclasses.
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

    async def list_tasks(self, **filters: Any) -> pb.ListTasksResponse:
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

    # review gate -------------------------------------------------------------------------------

    async def approve(self, task_id: str) -> task_pb2.Task:
        """Approve a task in PENDING_REVIEW; it becomes COMPLETED."""
        request = pb.ApproveTaskRequest(task_id=task_id, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.ApproveTask, request)
        return response.task

    async def reject(self, task_id: str, feedback: str) -> task_pb2.Task:
        """Reject a task in PENDING_REVIEW: it runs again with the feedback, or fails at the
        rejection limit."""
        request = pb.RejectTaskRequest(
            task_id=task_id, feedback=feedback, request_id=uuid.uuid4().hex
        )
        response = await self._call(self.stub.RejectTask, request)
        return response.task

    # fan-out -----------------------------------------------------------------------------------

    async def fan_out(
        self, tasks: Sequence[str | task_pb2.TaskSpec], **kw: Any
    ) -> list[pb.FanOutItem]:
        """Run tasks concurrently; one item per task, in input order, each with its own outcome
        (`item.task`, or `item.error_code`/`error_message` when it could not be submitted)."""
        request = pb.FanOutRequest(
            tasks=[self._spec(t, **kw) for t in tasks], request_id=uuid.uuid4().hex
        )
        response = await self._call(self.stub.FanOut, request)
        return list(response.items)

    async def fan_out_stream(
        self, tasks: Sequence[str | task_pb2.TaskSpec], **kw: Any
    ) -> AsyncIterator[pb.FanOutItem]:
        """Like fan_out, but yields each item as soon as it finishes (`item.index` says which)."""
        request = pb.FanOutStreamRequest(
            tasks=[self._spec(t, **kw) for t in tasks], request_id=uuid.uuid4().hex
        )
        call = self.stub.FanOutStream(request, metadata=self._metadata)
        try:
            async for response in call:
                yield response.item
        except grpc.aio.AioRpcError as exc:
            raise from_rpc_error(exc) from None
        finally:
            call.cancel()

    # chains ------------------------------------------------------------------------------------

    async def submit_chain(
        self,
        steps: Sequence[chain_pb2.ChainStep | dict[str, Any]],
        *,
        isolation: str = "none",
        tags: list[str] | None = None,
        working_dir: str = "",
    ) -> chain_pb2.ChainProgress:
        """Submit a chain and return its progress at once. Steps are ChainStep messages or dicts
        (see `chain_step`); isolation is "none", "worktree" or "clone"."""
        request = pb.SubmitChainRequest(
            steps=[chain_step(**s) if isinstance(s, dict) else s for s in steps],
            options=chain_options(isolation, tags, working_dir),
            request_id=uuid.uuid4().hex,
        )
        response = await self._call(self.stub.SubmitChain, request)
        return response.chain

    async def fan_out_chains(
        self, chains: Sequence[Sequence[chain_pb2.ChainStep | dict[str, Any]]], **options: Any
    ) -> list[chain_pb2.ChainProgress]:
        """Submit several independent chains (same options for each)."""
        request = pb.FanOutChainsRequest(
            chains=[
                pb.ChainSpec(
                    steps=[chain_step(**s) if isinstance(s, dict) else s for s in steps],
                    options=chain_options(**options),
                )
                for steps in chains
            ],
            request_id=uuid.uuid4().hex,
        )
        response = await self._call(self.stub.FanOutChains, request)
        return list(response.chains)

    async def get_chain(self, chain_id: str) -> chain_pb2.ChainProgress:
        request = pb.GetChainProgressRequest(chain_id=chain_id)
        response = await self._call(self.stub.GetChainProgress, request)
        return response.chain

    async def list_chains(self, **filters: Any) -> pb.ListChainProgressResponse:
        request = pb.ListChainProgressRequest(**filters)
        return await self._call(self.stub.ListChainProgress, request)

    async def watch_chain(
        self, chain_id: str, after_seq: int = 0
    ) -> AsyncIterator[chain_pb2.ChainProgress]:
        """Yield progress snapshots until the chain is terminal; resumes on a dropped connection."""
        seq = after_seq
        attempts = 0
        while True:
            call = self.stub.WatchChain(
                pb.WatchChainRequest(chain_id=chain_id, after_seq=seq), metadata=self._metadata
            )
            try:
                async for response in call:
                    attempts = 0
                    seq = response.chain.seq
                    yield response.chain
                return
            except grpc.aio.AioRpcError as exc:
                attempts += 1
                if exc.code() not in RESUMABLE or attempts > 5:
                    raise from_rpc_error(exc) from None
                await asyncio.sleep(min(0.2 * 2**attempts, 5.0))
            finally:
                call.cancel()

    async def wait_chain(self, chain_id: str) -> chain_pb2.ChainProgress:
        """Wait until the chain is terminal and return its final progress."""
        last = await self.get_chain(chain_id)
        async for progress in self.watch_chain(chain_id, after_seq=0):
            last = progress
        return last

    async def cancel_chain(self, chain_id: str) -> chain_pb2.ChainProgress:
        request = pb.CancelChainRequest(chain_id=chain_id, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.CancelChain, request)
        return response.chain

    # scaling -----------------------------------------------------------------------------------

    async def scale_up(self, count: int = 1) -> int:
        """Add slots; returns the number of slots after scaling."""
        request = pb.ScaleUpRequest(count=count, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.ScaleUp, request)
        return response.total_slots

    async def scale_down(self, count: int = 1, *, busy_timeout: float | None = None) -> int:
        """Remove slots (idle and least-used first); a busy one gets `busy_timeout` seconds."""
        request = pb.ScaleDownRequest(count=count, request_id=uuid.uuid4().hex)
        if busy_timeout is not None:
            request.busy_timeout.CopyFrom(_duration(busy_timeout))
        response = await self._call(self.stub.ScaleDown, request)
        return response.total_slots

    async def set_target_slots(self, target: int) -> int:
        request = pb.SetTargetSlotsRequest(target=target, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.SetTargetSlots, request)
        return response.total_slots

    # routing -----------------------------------------------------------------------------------

    async def route(
        self, prompt: str, config: routing_pb2.AutoConfig | None = None
    ) -> pb.RouteResponse:
        """Ask the router for a route (single, parallel or chain) without running it. The
        response has `route` and the routing call's `cost_micros`."""
        request = pb.RouteRequest(prompt=prompt, config=config)
        return await self._call(self.stub.Route, request)

    async def auto(
        self, prompt: str, config: routing_pb2.AutoConfig | None = None
    ) -> routing_pb2.AutoResult:
        """Route the prompt and run the route; a failed routing call runs it as one task."""
        request = pb.AutoRequest(prompt=prompt, config=config, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.Auto, request)
        return response.result

    async def execute_route(self, route: routing_pb2.Route) -> routing_pb2.AutoResult:
        request = pb.ExecuteRouteRequest(route=route, request_id=uuid.uuid4().hex)
        response = await self._call(self.stub.ExecuteRoute, request)
        return response.result

    # metrics -----------------------------------------------------------------------------------

    async def session_metrics(
        self,
        *,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        tags: Sequence[str] = (),
        model: str = "",
    ) -> pool_pb2.SessionMetrics:
        """Aggregate the tasks submitted in [start_time, end_time) with any of `tags` (and
        answered by `model`); unset arguments do not filter."""
        flt = pool_pb2.MetricsFilter(tags=list(tags), model=model)
        if start_time is not None:
            flt.start_time.FromDatetime(start_time)
        if end_time is not None:
            flt.end_time.FromDatetime(end_time)
        request = pb.GetSessionMetricsRequest(filter=flt)
        response = await self._call(self.stub.GetSessionMetrics, request)
        return response.metrics

    # messaging ---------------------------------------------------------------------------------

    async def send_message(
        self, to_slot_id: str, content: str, *, from_slot_id: str = "client"
    ) -> pool_pb2.SlotMessage:
        """Send a message to a slot; it is put before that slot's next prompt."""
        request = pb.SendMessageRequest(
            from_slot_id=from_slot_id,
            to_slot_id=to_slot_id,
            content=content,
            request_id=uuid.uuid4().hex,
        )
        response = await self._call(self.stub.SendMessage, request)
        return response.message

    async def broadcast_message(
        self, content: str, *, from_slot_id: str = "client"
    ) -> list[pool_pb2.SlotMessage]:
        """Send a message to every slot except the sender."""
        request = pb.BroadcastMessageRequest(
            from_slot_id=from_slot_id, content=content, request_id=uuid.uuid4().hex
        )
        response = await self._call(self.stub.BroadcastMessage, request)
        return list(response.messages)

    async def read_messages(self, slot_id: str) -> list[pool_pb2.SlotMessage]:
        """Return and remove a slot's unread messages, oldest first."""
        response = await self._call(self.stub.ReadMessages, pb.ReadMessagesRequest(slot_id=slot_id))
        return list(response.messages)

    async def peek_messages(self, slot_id: str) -> list[pool_pb2.SlotMessage]:
        response = await self._call(self.stub.PeekMessages, pb.PeekMessagesRequest(slot_id=slot_id))
        return list(response.messages)

    async def count_messages(self, slot_id: str) -> int:
        request = pb.CountMessagesRequest(slot_id=slot_id)
        response = await self._call(self.stub.CountMessages, request)
        return response.count

    # pool --------------------------------------------------------------------------------------

    async def status(self) -> pool_pb2.PoolStatus:
        response = await self._call(self.stub.GetStatus, pb.GetStatusRequest())
        return response.status

    async def config(self) -> pool_pb2.PoolConfig:
        response = await self._call(self.stub.GetConfig, pb.GetConfigRequest())
        return response.config

    async def find_slots(
        self, name: str = "", role: str = "", state: int = 0
    ) -> list[pool_pb2.Slot]:
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


__all__ = [
    "PoolClient",
    "PoolError",
    "SyncPoolClient",
    "chain_options",
    "chain_step",
    "task_spec",
]
