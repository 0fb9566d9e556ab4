"""PoolClient: the async Python client for a claude-pool server (`SyncPoolClient`, in sync.py,
is the blocking facade over it).

One method per PoolService RPC. Unary methods take a keyword-only `deadline` (seconds for the
whole call, resends included; default: the client's `default_deadline`, `math.inf` for none);
mutating ones also take `request_id` (default: a fresh UUID v4, the same on every resend).
Streams are async generators; leave one early with `contextlib.aclosing` to drop it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import grpc

from claude_pool.calls import Caller, with_request_id
from claude_pool.connection import (
    DEFAULT_ADDRESS,
    Keepalive,
    Pem,
    channel_credentials,
    open_channel,
    options_from_env,
)
from claude_pool.errors import PoolError
from claude_pool.health import HealthStatus, check_method, check_request
from claude_pool.paging import items
from claude_pool.retry import RetryPolicy
from claude_pool.specs import chain_options, chain_step, duration, task_spec
from claude_pool.streams import follow
from claude_pool.v1 import (
    chain_pb2,
    pool_pb2,
    pool_service_pb2,
    pool_service_pb2_grpc,
    routing_pb2,
    session_pb2,
    task_pb2,
)

pb = pool_service_pb2

DEFAULT_KEEPALIVE = Keepalive()
DEFAULT_RETRY = RetryPolicy()
WAIT_SLICE = 600.0  # WaitTask waits at most 10 minutes per call; longer waits loop
WAIT_MARGIN = 30.0  # a long wait's RPC deadline: its own timeout plus this

TaskInput = str | task_pb2.TaskSpec
StepInput = chain_pb2.ChainStep | dict[str, Any]

_TERMINAL_CHAIN = frozenset(
    {
        chain_pb2.CHAIN_STATUS_COMPLETED,
        chain_pb2.CHAIN_STATUS_FAILED,
        chain_pb2.CHAIN_STATUS_CANCELLED,
    }
)


@dataclass
class _Position:
    """Where a task's (or chain's) stream stands: the id (a task's is unknown until RunStream's
    first event), the seq to resume after, and whether an item was delivered yet."""

    id: str
    seq: int
    delivered: bool = False

    def is_repeat(self, seq: int) -> bool:
        """An event a reopened stream sends again; the first one is taken as the server sends it."""
        return self.delivered and seq <= self.seq


def _steps(steps: Sequence[StepInput]) -> list[chain_pb2.ChainStep]:
    return [chain_step(**s) if isinstance(s, dict) else s for s in steps]


class PoolClient:
    """Async client. Use as `async with PoolClient("host:port", token=...) as pool:`.

    Connection options (all keyword-only):
    - `token`: sent as `authorization: Bearer <token>` on every PoolService call;
    - `tls`: False for plaintext, True for TLS; None (default): TLS when `ca_certificate` or a
      client certificate is given, else plaintext. With TLS and no CA, the system roots verify;
    - `ca_certificate`, `client_certificate`, `client_key`: PEM bytes, or a PEM file's path
      (str or Path); the certificate and key give mutual TLS. `tls_server_name` overrides the
      name checked against the server's certificate. `credentials`: ready-made
      grpc.ChannelCredentials instead of these;
    - `default_deadline`: seconds for every unary call that sets no `deadline` (default: none;
      streams never get one);
    - `interceptors`: grpc.aio client interceptors (metadata, logging, tracing); they see every
      attempt; `keepalive`: a Keepalive (None: gRPC's defaults); `channel_options`: raw gRPC
      channel arguments;
    - `channel`: a grpc.aio.Channel you built, used instead of the options above (the token is
      still sent; `close()` leaves your channel open);
    - `retry`: the resend policy (default: 4 attempts, 100/200/400 ms ±20 %, UNAVAILABLE and
      RATE_LIMITED only).

    Every mutating call carries a `request_id`, so a resend gets the first reply back instead of
    acting twice. Errors are raised as `claude_pool.PoolError` subclasses.
    """

    def __init__(
        self,
        address: str = DEFAULT_ADDRESS,
        *,
        token: str | None = None,
        credentials: grpc.ChannelCredentials | None = None,
        tls: bool | None = None,
        ca_certificate: Pem | None = None,
        client_certificate: Pem | None = None,
        client_key: Pem | None = None,
        tls_server_name: str | None = None,
        default_deadline: float | None = None,
        interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
        keepalive: Keepalive | None = DEFAULT_KEEPALIVE,
        channel_options: Sequence[tuple[str, Any]] = (),
        channel: grpc.aio.Channel | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
    ) -> None:
        self.address = address
        self._owns_channel = channel is None
        if channel is None:
            if credentials is None:
                credentials = channel_credentials(
                    tls=tls,
                    ca_certificate=ca_certificate,
                    client_certificate=client_certificate,
                    client_key=client_key,
                )
            channel = open_channel(
                address,
                credentials=credentials,
                tls_server_name=tls_server_name,
                keepalive=keepalive,
                options=channel_options,
                interceptors=interceptors,
            )
        self._channel = channel
        self._metadata: tuple[tuple[str, str], ...] = (
            (("authorization", f"Bearer {token}"),) if token else ()
        )
        self._caller = Caller(self._metadata, retry, default_deadline)
        self._retry = retry
        self.stub = pool_service_pb2_grpc.PoolServiceStub(channel)
        """The generated stub, for what the wrapper does not cover (no resends, no token)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> PoolClient:
        """A client configured from CLAUDE_POOL_ADDR (or CLAUDE_POOL_SERVER), CLAUDE_POOL_TOKEN,
        CLAUDE_POOL_CA, CLAUDE_POOL_CERT and CLAUDE_POOL_KEY; `options` override them."""
        return cls(**{**options_from_env(environ), **options})

    async def __aenter__(self) -> PoolClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the channel (unless it was passed in); open calls are cancelled."""
        if self._owns_channel:
            await self._channel.close()

    async def _call(self, method: Any, request: Any, *, timeout: float | None = None) -> Any:
        """Send a raw request through the client's policy (token, request_id, resends)."""
        return await self._caller.unary(method, request, deadline=timeout)

    @staticmethod
    def _spec(prompt_or_spec: TaskInput, **kw: Any) -> task_pb2.TaskSpec:
        if isinstance(prompt_or_spec, task_pb2.TaskSpec):
            return prompt_or_spec
        return task_spec(prompt_or_spec, **kw)

    # health ------------------------------------------------------------------------------------

    async def health(self, service: str = "", *, deadline: float | None = None) -> HealthStatus:
        """The standard gRPC health check (no token needed): SERVING when the server takes work."""
        check = check_method(self._channel)
        response = await self._caller.unary(
            check, check_request(service), deadline=deadline, metadata=()
        )
        return HealthStatus.of(response.value)

    # tasks -------------------------------------------------------------------------------------

    async def run(
        self,
        prompt: TaskInput,
        *,
        request_id: str | None = None,
        deadline: float | None = None,
        **kw: Any,
    ) -> task_pb2.Task:
        """Run a task and return it finished (a failed run is a Task in state FAILED). `prompt` is
        a prompt or a TaskSpec; other keyword arguments go to `task_spec`."""
        request = pb.RunRequest(task=self._spec(prompt, **kw), request_id=request_id or "")
        response = await self._caller.unary(self.stub.Run, request, deadline=deadline)
        return response.task

    async def stream(
        self,
        prompt: TaskInput,
        *,
        cancel_on_disconnect: bool = False,
        request_id: str | None = None,
        **kw: Any,
    ) -> AsyncGenerator[task_pb2.TaskEvent, None]:
        """Run a task and yield its events: state changes, text deltas, then `finished`. A stream
        that breaks is followed with WatchTask from the last seq: no gap, no duplicate."""
        request = with_request_id(
            pb.RunStreamRequest(
                task=self._spec(prompt, **kw),
                request_id=request_id or "",
                cancel_on_disconnect=cancel_on_disconnect,
            )
        )
        events = self._task_events(_Position("", 0), request)
        async with contextlib.aclosing(events):
            async for event in events:
                yield event

    async def submit(
        self,
        prompt: TaskInput,
        *,
        request_id: str | None = None,
        deadline: float | None = None,
        **kw: Any,
    ) -> task_pb2.Task:
        """Queue a task and return it at once (PENDING)."""
        request = pb.SubmitTaskRequest(task=self._spec(prompt, **kw), request_id=request_id or "")
        response = await self._caller.unary(self.stub.SubmitTask, request, deadline=deadline)
        return response.task

    async def get(self, task_id: str, *, deadline: float | None = None) -> task_pb2.Task:
        """Return a task (GetTask)."""
        request = pb.GetTaskRequest(task_id=task_id)
        response = await self._caller.unary(self.stub.GetTask, request, deadline=deadline)
        return response.task

    async def list_tasks(
        self, *, deadline: float | None = None, **filters: Any
    ) -> pb.ListTasksResponse:
        """One page of tasks, newest first; `filters` are ListTasksRequest fields (state,
        slot_id, tags, chain_id, session_id, page_size, page_token). See `iter_tasks`."""
        request = pb.ListTasksRequest(**filters)
        return await self._caller.unary(self.stub.ListTasks, request, deadline=deadline)

    async def iter_tasks(
        self,
        *,
        state: task_pb2.TaskState.ValueType = task_pb2.TASK_STATE_UNSPECIFIED,
        slot_id: str = "",
        tags: Sequence[str] = (),
        chain_id: str = "",
        session_id: str = "",
        page_size: int = 0,
        deadline: float | None = None,
    ) -> AsyncGenerator[task_pb2.Task, None]:
        """Every task matching the filters, newest first, across pages (`deadline` is per page)."""

        async def page(token: str) -> pb.ListTasksResponse:
            return await self.list_tasks(
                state=state,
                slot_id=slot_id,
                tags=list(tags),
                chain_id=chain_id,
                session_id=session_id,
                page_size=page_size,
                page_token=token,
                deadline=deadline,
            )

        async for task in items(page, lambda p: p.tasks):
            yield task

    async def wait(self, task_id: str, timeout: float = 600.0) -> task_pb2.Task:
        """Wait until the task settles (terminal or PENDING_REVIEW) or `timeout` seconds pass, and
        return it as it stands; a long wait is several WaitTask calls."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            remaining = min(max(0.001, end - loop.time()), WAIT_SLICE)
            request = pb.WaitTaskRequest(task_id=task_id, timeout=duration(remaining))
            response = await self._caller.unary(
                self.stub.WaitTask, request, deadline=remaining + WAIT_MARGIN
            )
            if response.done or loop.time() >= end:
                return response.task

    async def watch(
        self, task_id: str, after_seq: int = 0
    ) -> AsyncGenerator[task_pb2.TaskEvent, None]:
        """Yield the task's events after `after_seq` until `finished`, resuming a broken stream
        from the last seq delivered (no gap, no duplicate)."""
        events = self._task_events(_Position(task_id, after_seq), None)
        async with contextlib.aclosing(events):
            async for event in events:
                yield event

    async def _task_events(
        self, position: _Position, run: pb.RunStreamRequest | None
    ) -> AsyncGenerator[task_pb2.TaskEvent, None]:
        def open_call() -> grpc.aio.UnaryStreamCall[Any, Any]:
            if not position.id and run is not None:
                return self.stub.RunStream(run, metadata=self._metadata)
            request = pb.WatchTaskRequest(task_id=position.id, after_seq=position.seq)
            return self.stub.WatchTask(request, metadata=self._metadata)

        responses = follow(open_call, self._retry, is_last=lambda r: r.event.HasField("finished"))
        async with contextlib.aclosing(responses):
            async for response in responses:
                event: task_pb2.TaskEvent = response.event
                if position.is_repeat(event.seq):
                    continue  # already delivered before the stream was reopened
                position.id, position.seq, position.delivered = event.task_id, event.seq, True
                yield event

    async def cancel(
        self, task_id: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> task_pb2.Task:
        """Cancel a task; it ends CANCELLED. A terminal task is FAILED_PRECONDITION."""
        request = pb.CancelTaskRequest(task_id=task_id, request_id=request_id or "")
        response = await self._caller.unary(self.stub.CancelTask, request, deadline=deadline)
        return response.task

    async def delete_task(
        self, task_id: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> None:
        """Delete a settled (terminal) task and its events for good."""
        request = pb.DeleteTaskRequest(task_id=task_id, request_id=request_id or "")
        await self._caller.unary(self.stub.DeleteTask, request, deadline=deadline)

    async def claim(
        self, slot_id: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> task_pb2.Task | None:
        """Make an idle slot take the oldest pending task now; None when nothing was claimed."""
        request = pb.ClaimTaskRequest(slot_id=slot_id, request_id=request_id or "")
        response = await self._caller.unary(self.stub.ClaimTask, request, deadline=deadline)
        return response.task if response.HasField("task") else None

    # review gate -------------------------------------------------------------------------------

    async def approve(
        self, task_id: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> task_pb2.Task:
        """Approve a task in PENDING_REVIEW; it becomes COMPLETED."""
        request = pb.ApproveTaskRequest(task_id=task_id, request_id=request_id or "")
        response = await self._caller.unary(self.stub.ApproveTask, request, deadline=deadline)
        return response.task

    async def reject(
        self,
        task_id: str,
        feedback: str,
        *,
        request_id: str | None = None,
        deadline: float | None = None,
    ) -> task_pb2.Task:
        """Reject a task in PENDING_REVIEW: it runs again with the feedback, or fails at the
        rejection limit."""
        request = pb.RejectTaskRequest(
            task_id=task_id, feedback=feedback, request_id=request_id or ""
        )
        response = await self._caller.unary(self.stub.RejectTask, request, deadline=deadline)
        return response.task

    # sessions ----------------------------------------------------------------------------------

    async def get_session(
        self, session_id: str, *, deadline: float | None = None
    ) -> session_pb2.Session:
        """Return a session the caller owns."""
        request = pb.GetSessionRequest(session_id=session_id)
        response = await self._caller.unary(self.stub.GetSession, request, deadline=deadline)
        return response.session

    async def list_sessions(
        self, *, page_size: int = 0, page_token: str = "", deadline: float | None = None
    ) -> pb.ListSessionsResponse:
        """One page of the caller's sessions, most recently used first. See `iter_sessions`."""
        request = pb.ListSessionsRequest(page_size=page_size, page_token=page_token)
        return await self._caller.unary(self.stub.ListSessions, request, deadline=deadline)

    async def iter_sessions(
        self, *, page_size: int = 0, deadline: float | None = None
    ) -> AsyncGenerator[session_pb2.Session, None]:
        """Every session of the caller, most recently used first, across pages."""

        async def page(token: str) -> pb.ListSessionsResponse:
            return await self.list_sessions(
                page_size=page_size, page_token=token, deadline=deadline
            )

        async for session in items(page, lambda p: p.sessions):
            yield session

    async def delete_session(
        self, session_id: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> None:
        """Delete a session and its transcript; continuing it afterwards is NOT_FOUND."""
        request = pb.DeleteSessionRequest(session_id=session_id, request_id=request_id or "")
        await self._caller.unary(self.stub.DeleteSession, request, deadline=deadline)

    # fan-out -----------------------------------------------------------------------------------

    async def fan_out(
        self,
        tasks: Sequence[TaskInput],
        *,
        request_id: str | None = None,
        deadline: float | None = None,
        **kw: Any,
    ) -> list[pb.FanOutItem]:
        """Run tasks concurrently; one item per task, in input order, each with its own outcome
        (`item.task`, or `item.error_code`/`error_message` when it could not be submitted)."""
        request = pb.FanOutRequest(
            tasks=[self._spec(t, **kw) for t in tasks], request_id=request_id or ""
        )
        response = await self._caller.unary(self.stub.FanOut, request, deadline=deadline)
        return list(response.items)

    async def fan_out_stream(
        self, tasks: Sequence[TaskInput], *, request_id: str | None = None, **kw: Any
    ) -> AsyncGenerator[pb.FanOutItem, None]:
        """Like fan_out, but yields each item as soon as it finishes (`item.index` says which).
        Opening the stream is resent as a unary call is; a break after an item raises."""
        request = with_request_id(
            pb.FanOutStreamRequest(
                tasks=[self._spec(t, **kw) for t in tasks], request_id=request_id or ""
            )
        )

        def open_call() -> grpc.aio.UnaryStreamCall[Any, pb.FanOutStreamResponse]:
            return self.stub.FanOutStream(request, metadata=self._metadata)

        responses = follow(open_call, self._retry)  # not resumable: a break raises
        async with contextlib.aclosing(responses):
            async for response in responses:
                yield response.item

    # chains ------------------------------------------------------------------------------------

    async def submit_chain(
        self,
        steps: Sequence[StepInput],
        *,
        isolation: str = "none",
        tags: list[str] | None = None,
        working_dir: str = "",
        request_id: str | None = None,
        deadline: float | None = None,
    ) -> chain_pb2.ChainProgress:
        """Submit a chain and return its progress at once. Steps are ChainStep messages or dicts
        (see `chain_step`); isolation is "none", "worktree" or "clone"."""
        request = pb.SubmitChainRequest(
            steps=_steps(steps),
            options=chain_options(isolation, tags, working_dir),
            request_id=request_id or "",
        )
        response = await self._caller.unary(self.stub.SubmitChain, request, deadline=deadline)
        return response.chain

    async def fan_out_chains(
        self,
        chains: Sequence[Sequence[StepInput]],
        *,
        request_id: str | None = None,
        deadline: float | None = None,
        **options: Any,
    ) -> list[chain_pb2.ChainProgress]:
        """Submit several independent chains (`options`, as for chain_options, apply to each)."""
        request = pb.FanOutChainsRequest(
            chains=[
                pb.ChainSpec(steps=_steps(steps), options=chain_options(**options))
                for steps in chains
            ],
            request_id=request_id or "",
        )
        response = await self._caller.unary(self.stub.FanOutChains, request, deadline=deadline)
        return list(response.chains)

    async def get_chain(
        self, chain_id: str, *, deadline: float | None = None
    ) -> chain_pb2.ChainProgress:
        """Return a chain's progress (GetChainProgress)."""
        request = pb.GetChainProgressRequest(chain_id=chain_id)
        response = await self._caller.unary(self.stub.GetChainProgress, request, deadline=deadline)
        return response.chain

    async def list_chains(
        self, *, deadline: float | None = None, **filters: Any
    ) -> pb.ListChainProgressResponse:
        """One page of chains, newest first (ListChainProgress); `filters` are its request's
        fields (status, page_size, page_token). See `iter_chains`."""
        request = pb.ListChainProgressRequest(**filters)
        return await self._caller.unary(self.stub.ListChainProgress, request, deadline=deadline)

    async def iter_chains(
        self,
        *,
        status: chain_pb2.ChainStatus.ValueType = chain_pb2.CHAIN_STATUS_UNSPECIFIED,
        page_size: int = 0,
        deadline: float | None = None,
    ) -> AsyncGenerator[chain_pb2.ChainProgress, None]:
        """Every chain (with `status`, if set), newest first, across pages."""

        async def page(token: str) -> pb.ListChainProgressResponse:
            return await self.list_chains(
                status=status, page_size=page_size, page_token=token, deadline=deadline
            )

        async for chain in items(page, lambda p: p.chains):
            yield chain

    async def watch_chain(
        self, chain_id: str, after_seq: int = 0
    ) -> AsyncGenerator[chain_pb2.ChainProgress, None]:
        """Yield progress snapshots until the chain is terminal, resuming a broken stream from the
        last snapshot's seq."""
        # after_seq 0 asks for the current snapshot first, whatever its seq (0 for a chain that
        # never changed): only a reopened stream's repeats are dropped.
        position = _Position(chain_id, after_seq)

        def open_call() -> grpc.aio.UnaryStreamCall[Any, pb.WatchChainResponse]:
            request = pb.WatchChainRequest(chain_id=chain_id, after_seq=position.seq)
            return self.stub.WatchChain(request, metadata=self._metadata)

        # Read until the server ends the stream after a terminal snapshot: a chain can turn
        # terminal a snapshot before its final result is filled in.
        responses = follow(
            open_call, self._retry, may_end_after=lambda r: r.chain.status in _TERMINAL_CHAIN
        )
        async with contextlib.aclosing(responses):
            async for response in responses:
                if position.is_repeat(response.chain.seq):
                    continue  # already delivered before the stream was reopened
                position.seq, position.delivered = response.chain.seq, True
                yield response.chain

    async def wait_chain(self, chain_id: str) -> chain_pb2.ChainProgress:
        """Wait until the chain is terminal and return its final progress."""
        last = await self.get_chain(chain_id)
        async for progress in self.watch_chain(chain_id, after_seq=0):
            last = progress
        return last

    async def cancel_chain(
        self, chain_id: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> chain_pb2.ChainProgress:
        """Cancel a chain: the running step stops, the rest are skipped."""
        request = pb.CancelChainRequest(chain_id=chain_id, request_id=request_id or "")
        response = await self._caller.unary(self.stub.CancelChain, request, deadline=deadline)
        return response.chain

    # scaling -----------------------------------------------------------------------------------

    async def scale_up(
        self, count: int = 1, *, request_id: str | None = None, deadline: float | None = None
    ) -> int:
        """Add slots; returns the number of slots after scaling."""
        request = pb.ScaleUpRequest(count=count, request_id=request_id or "")
        response = await self._caller.unary(self.stub.ScaleUp, request, deadline=deadline)
        return response.total_slots

    async def scale_down(
        self,
        count: int = 1,
        *,
        busy_timeout: float | None = None,
        request_id: str | None = None,
        deadline: float | None = None,
    ) -> int:
        """Remove slots (idle and least-used first); a busy one gets `busy_timeout` seconds."""
        request = pb.ScaleDownRequest(count=count, request_id=request_id or "")
        if busy_timeout is not None:
            request.busy_timeout.CopyFrom(duration(busy_timeout))
        response = await self._caller.unary(self.stub.ScaleDown, request, deadline=deadline)
        return response.total_slots

    async def set_target_slots(
        self, target: int, *, request_id: str | None = None, deadline: float | None = None
    ) -> int:
        """Scale up or down to `target` slots; returns the number after scaling."""
        request = pb.SetTargetSlotsRequest(target=target, request_id=request_id or "")
        response = await self._caller.unary(self.stub.SetTargetSlots, request, deadline=deadline)
        return response.total_slots

    # routing -----------------------------------------------------------------------------------

    async def route(
        self,
        prompt: str,
        config: routing_pb2.AutoConfig | None = None,
        *,
        deadline: float | None = None,
    ) -> pb.RouteResponse:
        """Ask the router for a route (single, parallel or chain) without running it. The
        response has `route` and the routing call's `cost_micros`."""
        request = pb.RouteRequest(prompt=prompt, config=config)
        return await self._caller.unary(self.stub.Route, request, deadline=deadline)

    async def auto(
        self,
        prompt: str,
        config: routing_pb2.AutoConfig | None = None,
        *,
        request_id: str | None = None,
        deadline: float | None = None,
    ) -> routing_pb2.AutoResult:
        """Route the prompt and run the route; a failed routing call runs it as one task."""
        request = pb.AutoRequest(prompt=prompt, config=config, request_id=request_id or "")
        response = await self._caller.unary(self.stub.Auto, request, deadline=deadline)
        return response.result

    async def execute_route(
        self,
        route: routing_pb2.Route,
        *,
        request_id: str | None = None,
        deadline: float | None = None,
    ) -> routing_pb2.AutoResult:
        """Run a given route."""
        request = pb.ExecuteRouteRequest(route=route, request_id=request_id or "")
        response = await self._caller.unary(self.stub.ExecuteRoute, request, deadline=deadline)
        return response.result

    # metrics -----------------------------------------------------------------------------------

    async def session_metrics(
        self,
        *,
        start_time: datetime | None = None,
        end_time: datetime | None = None,
        tags: Sequence[str] = (),
        model: str = "",
        deadline: float | None = None,
    ) -> pool_pb2.SessionMetrics:
        """Aggregate the tasks submitted in [start_time, end_time) with any of `tags` (and
        answered by `model`); unset arguments do not filter (GetSessionMetrics)."""
        flt = pool_pb2.MetricsFilter(tags=list(tags), model=model)
        if start_time is not None:
            flt.start_time.FromDatetime(start_time)
        if end_time is not None:
            flt.end_time.FromDatetime(end_time)
        request = pb.GetSessionMetricsRequest(filter=flt)
        response = await self._caller.unary(self.stub.GetSessionMetrics, request, deadline=deadline)
        return response.metrics

    # messaging ---------------------------------------------------------------------------------

    async def send_message(
        self,
        to_slot_id: str,
        content: str,
        *,
        from_slot_id: str = "client",
        request_id: str | None = None,
        deadline: float | None = None,
    ) -> pool_pb2.SlotMessage:
        """Send a message to a slot; it is put before that slot's next prompt."""
        request = pb.SendMessageRequest(
            from_slot_id=from_slot_id,
            to_slot_id=to_slot_id,
            content=content,
            request_id=request_id or "",
        )
        response = await self._caller.unary(self.stub.SendMessage, request, deadline=deadline)
        return response.message

    async def broadcast_message(
        self,
        content: str,
        *,
        from_slot_id: str = "client",
        request_id: str | None = None,
        deadline: float | None = None,
    ) -> list[pool_pb2.SlotMessage]:
        """Send a message to every slot except the sender."""
        request = pb.BroadcastMessageRequest(
            from_slot_id=from_slot_id, content=content, request_id=request_id or ""
        )
        response = await self._caller.unary(self.stub.BroadcastMessage, request, deadline=deadline)
        return list(response.messages)

    async def read_messages(
        self, slot_id: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> list[pool_pb2.SlotMessage]:
        """Return and remove a slot's unread messages, oldest first."""
        request = pb.ReadMessagesRequest(slot_id=slot_id, request_id=request_id or "")
        response = await self._caller.unary(self.stub.ReadMessages, request, deadline=deadline)
        return list(response.messages)

    async def peek_messages(
        self, slot_id: str, *, deadline: float | None = None
    ) -> list[pool_pb2.SlotMessage]:
        """Return a slot's unread messages without removing them."""
        request = pb.PeekMessagesRequest(slot_id=slot_id)
        response = await self._caller.unary(self.stub.PeekMessages, request, deadline=deadline)
        return list(response.messages)

    async def count_messages(self, slot_id: str, *, deadline: float | None = None) -> int:
        """Count a slot's unread messages."""
        request = pb.CountMessagesRequest(slot_id=slot_id)
        response = await self._caller.unary(self.stub.CountMessages, request, deadline=deadline)
        return response.count

    # pool --------------------------------------------------------------------------------------

    async def status(self, *, deadline: float | None = None) -> pool_pb2.PoolStatus:
        """Counts of slots and tasks, spend and budget (GetStatus)."""
        request = pb.GetStatusRequest()
        response = await self._caller.unary(self.stub.GetStatus, request, deadline=deadline)
        return response.status

    async def config(self, *, deadline: float | None = None) -> pool_pb2.PoolConfig:
        """The effective pool configuration (GetConfig)."""
        request = pb.GetConfigRequest()
        response = await self._caller.unary(self.stub.GetConfig, request, deadline=deadline)
        return response.config

    async def find_slots(
        self,
        name: str = "",
        role: str = "",
        state: pool_pb2.SlotState.ValueType = pool_pb2.SLOT_STATE_UNSPECIFIED,
        *,
        deadline: float | None = None,
    ) -> list[pool_pb2.Slot]:
        """Slots matching every given filter (name, role, state)."""
        request = pb.FindSlotsRequest(name=name, role=role, state=state)
        response = await self._caller.unary(self.stub.FindSlots, request, deadline=deadline)
        return list(response.slots)

    async def drain(
        self, timeout: float = 300.0, *, request_id: str | None = None
    ) -> pool_pb2.DrainSummary:
        """Stop taking work, wait up to `timeout` seconds for running tasks, stop the slots."""
        request = pb.DrainRequest(timeout=duration(timeout), request_id=request_id or "")
        response = await self._caller.unary(
            self.stub.Drain, request, deadline=timeout + WAIT_MARGIN
        )
        return response.summary

    # shared context ----------------------------------------------------------------------------

    async def set_context(
        self, key: str, value: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> pool_pb2.ContextEntry:
        """Set a shared-context entry (injected into every task's system prompt)."""
        request = pb.SetContextRequest(key=key, value=value, request_id=request_id or "")
        response = await self._caller.unary(self.stub.SetContext, request, deadline=deadline)
        return response.entry

    async def get_context(self, key: str, *, deadline: float | None = None) -> str:
        """A shared-context entry's value (NOT_FOUND when there is none)."""
        request = pb.GetContextRequest(key=key)
        response = await self._caller.unary(self.stub.GetContext, request, deadline=deadline)
        return response.entry.value

    async def delete_context(
        self, key: str, *, request_id: str | None = None, deadline: float | None = None
    ) -> bool:
        """Delete a shared-context entry; True when it existed."""
        request = pb.DeleteContextRequest(key=key, request_id=request_id or "")
        response = await self._caller.unary(self.stub.DeleteContext, request, deadline=deadline)
        return response.deleted

    async def list_context_page(
        self, *, page_size: int = 0, page_token: str = "", deadline: float | None = None
    ) -> pb.ListContextResponse:
        """One page of shared-context entries, by key (ListContext). See `iter_context`."""
        request = pb.ListContextRequest(page_size=page_size, page_token=page_token)
        return await self._caller.unary(self.stub.ListContext, request, deadline=deadline)

    async def iter_context(
        self, *, page_size: int = 0, deadline: float | None = None
    ) -> AsyncGenerator[pool_pb2.ContextEntry, None]:
        """Every shared-context entry, by key, across pages."""

        async def page(token: str) -> pb.ListContextResponse:
            return await self.list_context_page(
                page_size=page_size, page_token=token, deadline=deadline
            )

        async for entry in items(page, lambda p: p.entries):
            yield entry

    async def list_context(self, *, deadline: float | None = None) -> dict[str, str]:
        """Every shared-context entry as {key: value}, across pages."""
        return {e.key: e.value async for e in self.iter_context(deadline=deadline)}


def __getattr__(name: str) -> Any:
    # SyncPoolClient lived here before it had its own module; keep `claude_pool.client` imports.
    if name == "SyncPoolClient":
        from claude_pool.sync import SyncPoolClient

        return SyncPoolClient
    raise AttributeError(name)


__all__ = [
    "PoolClient",
    "PoolError",
    "chain_options",
    "chain_step",
    "task_spec",
]
