"""PoolService handlers: map the request, call one engine method with the caller, map the result.

Handlers do not catch errors: domain errors reach the error table through the edge interceptor,
which has already authenticated the caller (`current_caller()`), checked its scope and every
field. Mutating calls that the engine does not deduplicate itself are `@replayed`: a retry with
the same `request_id` gets the first reply (Run, SubmitTask, FanOut and chains dedupe in the
store, per namespace).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc

from claude_pool.v1 import pool_pb2, pool_service_pb2, pool_service_pb2_grpc
from claude_pool_server.api import mappers
from claude_pool_server.api.replay import replayed
from claude_pool_server.api.request_context import current_caller
from claude_pool_server.domain.errors import InvalidArgument
from claude_pool_server.domain.tasks import TaskQuery, TaskState
from claude_pool_server.engine.pool import Pool
from claude_pool_server.engine.replay import ReplyCache

Context = grpc.aio.ServicerContext[Any, Any]
pb = pool_service_pb2

MAX_WAIT_SECONDS = 600.0
DEFAULT_DRAIN_SECONDS = 300.0
DEFAULT_BUSY_TIMEOUT_SECONDS = 30.0


def _required(value: str, field: str) -> str:
    if not value:
        raise InvalidArgument(field, "is required")
    return value


class PoolServicer(pool_service_pb2_grpc.PoolServiceServicer):
    def __init__(self, pool: Pool, config_view: pool_pb2.PoolConfig) -> None:
        self.pool = pool
        self.config_view = config_view
        self.replies = ReplyCache(pool.store, pool.replica_id)

    # tasks -------------------------------------------------------------------------------------

    async def Run(self, request: pb.RunRequest, context: Context) -> pb.RunResponse:
        task = await self.pool.run(
            current_caller(), mappers.spec_in(request.task), request.request_id
        )
        return pb.RunResponse(task=mappers.task_out(task))

    async def RunStream(
        self, request: pb.RunStreamRequest, context: Context
    ) -> AsyncIterator[pb.RunStreamResponse]:
        caller = current_caller()
        task = await self.pool.submit(caller, mappers.spec_in(request.task), request.request_id)
        finished = False
        try:
            async for event in self.pool.watch(caller, task.id, 0):
                yield pb.RunStreamResponse(event=mappers.event_out(event))
            finished = True
        finally:
            if request.cancel_on_disconnect and not finished:
                current = await self.pool.get_task(caller, task.id)
                if not current.state.is_terminal:
                    await self.pool.cancel_task(caller, task.id, "client dropped the stream")

    async def SubmitTask(
        self, request: pb.SubmitTaskRequest, context: Context
    ) -> pb.SubmitTaskResponse:
        task = await self.pool.submit(
            current_caller(), mappers.spec_in(request.task), request.request_id
        )
        return pb.SubmitTaskResponse(task=mappers.task_out(task))

    async def GetTask(self, request: pb.GetTaskRequest, context: Context) -> pb.GetTaskResponse:
        task = await self.pool.get_task(current_caller(), _required(request.task_id, "task_id"))
        return pb.GetTaskResponse(task=mappers.task_out(task))

    async def ListTasks(
        self, request: pb.ListTasksRequest, context: Context
    ) -> pb.ListTasksResponse:
        page = await self.pool.list_tasks(
            current_caller(),
            TaskQuery(
                state=mappers.task_state_in(request.state, "state"),
                slot_id=request.slot_id,
                tags=tuple(request.tags),
                chain_id=request.chain_id,
                session_id=request.session_id,
                page_size=request.page_size,
                page_token=request.page_token,
            ),
        )
        return pb.ListTasksResponse(
            tasks=[mappers.task_out(t) for t in page.tasks], next_page_token=page.next_page_token
        )

    async def WaitTask(self, request: pb.WaitTaskRequest, context: Context) -> pb.WaitTaskResponse:
        timeout = MAX_WAIT_SECONDS
        if request.HasField("timeout"):
            timeout = min(mappers.seconds_in(request.timeout, "timeout"), MAX_WAIT_SECONDS)
        remaining = context.time_remaining()
        if remaining is not None:
            timeout = min(timeout, max(0.0, remaining - 0.05))
        task, done = await self.pool.wait_task(
            current_caller(), _required(request.task_id, "task_id"), timeout
        )
        return pb.WaitTaskResponse(task=mappers.task_out(task), done=done)

    async def WatchTask(
        self, request: pb.WatchTaskRequest, context: Context
    ) -> AsyncIterator[pb.WatchTaskResponse]:
        task_id = _required(request.task_id, "task_id")
        async for event in self.pool.watch(current_caller(), task_id, request.after_seq):
            yield pb.WatchTaskResponse(event=mappers.event_out(event))

    @replayed(pb.CancelTaskResponse)
    async def CancelTask(
        self, request: pb.CancelTaskRequest, context: Context
    ) -> pb.CancelTaskResponse:
        task = await self.pool.cancel_task(current_caller(), _required(request.task_id, "task_id"))
        return pb.CancelTaskResponse(task=mappers.task_out(task))

    @replayed(pb.DeleteTaskResponse)
    async def DeleteTask(
        self, request: pb.DeleteTaskRequest, context: Context
    ) -> pb.DeleteTaskResponse:
        await self.pool.delete_task(current_caller(), _required(request.task_id, "task_id"))
        return pb.DeleteTaskResponse()

    @replayed(pb.ClaimTaskResponse)
    async def ClaimTask(
        self, request: pb.ClaimTaskRequest, context: Context
    ) -> pb.ClaimTaskResponse:
        task = await self.pool.claim_task(_required(request.slot_id, "slot_id"))
        return pb.ClaimTaskResponse(task=mappers.task_out(task) if task else None)

    @replayed(pb.ApproveTaskResponse)
    async def ApproveTask(
        self, request: pb.ApproveTaskRequest, context: Context
    ) -> pb.ApproveTaskResponse:
        task = await self.pool.approve_task(current_caller(), _required(request.task_id, "task_id"))
        return pb.ApproveTaskResponse(task=mappers.task_out(task))

    @replayed(pb.RejectTaskResponse)
    async def RejectTask(
        self, request: pb.RejectTaskRequest, context: Context
    ) -> pb.RejectTaskResponse:
        task = await self.pool.reject_task(
            current_caller(), _required(request.task_id, "task_id"), request.feedback
        )
        return pb.RejectTaskResponse(task=mappers.task_out(task))

    # sessions ----------------------------------------------------------------------------------

    async def GetSession(
        self, request: pb.GetSessionRequest, context: Context
    ) -> pb.GetSessionResponse:
        session = await self.pool.get_session(current_caller(), request.session_id)
        return pb.GetSessionResponse(session=mappers.session_out(session))

    async def ListSessions(
        self, request: pb.ListSessionsRequest, context: Context
    ) -> pb.ListSessionsResponse:
        page = await self.pool.list_sessions(
            current_caller(), request.page_size, request.page_token
        )
        return pb.ListSessionsResponse(
            sessions=[mappers.session_out(s) for s in page.sessions],
            next_page_token=page.next_page_token,
        )

    @replayed(pb.DeleteSessionResponse)
    async def DeleteSession(
        self, request: pb.DeleteSessionRequest, context: Context
    ) -> pb.DeleteSessionResponse:
        await self.pool.delete_session(current_caller(), request.session_id)
        return pb.DeleteSessionResponse()

    # fan-out -----------------------------------------------------------------------------------

    async def FanOut(self, request: pb.FanOutRequest, context: Context) -> pb.FanOutResponse:
        specs = [mappers.spec_in(t, f"tasks[{i}]") for i, t in enumerate(request.tasks)]
        items = await self.pool.fan_out(current_caller(), specs, request.request_id)
        return pb.FanOutResponse(items=[mappers.fan_out_item_out(item) for item in items])

    async def FanOutStream(
        self, request: pb.FanOutStreamRequest, context: Context
    ) -> AsyncIterator[pb.FanOutStreamResponse]:
        specs = [mappers.spec_in(t, f"tasks[{i}]") for i, t in enumerate(request.tasks)]
        async for item in self.pool.fan_out_stream(current_caller(), specs, request.request_id):
            yield pb.FanOutStreamResponse(item=mappers.fan_out_item_out(item))

    # chains ------------------------------------------------------------------------------------

    async def SubmitChain(
        self, request: pb.SubmitChainRequest, context: Context
    ) -> pb.SubmitChainResponse:
        chain = await self.pool.submit_chain(
            current_caller(),
            mappers.chain_steps_in(request.steps),
            mappers.chain_options_in(request.options),
            request.request_id,
        )
        return pb.SubmitChainResponse(chain=mappers.chain_out(chain))

    async def FanOutChains(
        self, request: pb.FanOutChainsRequest, context: Context
    ) -> pb.FanOutChainsResponse:
        chains = await self.pool.fan_out_chains(
            current_caller(),
            [
                (
                    mappers.chain_steps_in(spec.steps, f"chains[{i}].steps"),
                    mappers.chain_options_in(spec.options, f"chains[{i}].options"),
                )
                for i, spec in enumerate(request.chains)
            ],
            request.request_id,
        )
        return pb.FanOutChainsResponse(chains=[mappers.chain_out(c) for c in chains])

    async def GetChainProgress(
        self, request: pb.GetChainProgressRequest, context: Context
    ) -> pb.GetChainProgressResponse:
        chain = await self.pool.get_chain(current_caller(), request.chain_id)
        return pb.GetChainProgressResponse(chain=mappers.chain_out(chain))

    async def ListChainProgress(
        self, request: pb.ListChainProgressRequest, context: Context
    ) -> pb.ListChainProgressResponse:
        page = await self.pool.list_chains(
            current_caller(),
            mappers.chain_status_in(request.status, "status"),
            request.page_size,
            request.page_token,
        )
        return pb.ListChainProgressResponse(
            chains=[mappers.chain_out(c) for c in page.chains],
            next_page_token=page.next_page_token,
        )

    async def WatchChain(
        self, request: pb.WatchChainRequest, context: Context
    ) -> AsyncIterator[pb.WatchChainResponse]:
        chain_id = _required(request.chain_id, "chain_id")
        async for chain in self.pool.watch_chain(current_caller(), chain_id, request.after_seq):
            yield pb.WatchChainResponse(chain=mappers.chain_out(chain))

    @replayed(pb.CancelChainResponse)
    async def CancelChain(
        self, request: pb.CancelChainRequest, context: Context
    ) -> pb.CancelChainResponse:
        chain = await self.pool.cancel_chain(
            current_caller(), _required(request.chain_id, "chain_id")
        )
        return pb.CancelChainResponse(chain=mappers.chain_out(chain))

    # routing -----------------------------------------------------------------------------------

    async def Route(self, request: pb.RouteRequest, context: Context) -> pb.RouteResponse:
        route, cost = await self.pool.route(
            current_caller(),
            _required(request.prompt, "prompt"),
            mappers.auto_config_in(request.config),
        )
        return pb.RouteResponse(route=mappers.route_out(route), cost_micros=cost)

    @replayed(pb.AutoResponse)
    async def Auto(self, request: pb.AutoRequest, context: Context) -> pb.AutoResponse:
        result = await self.pool.auto(
            current_caller(),
            _required(request.prompt, "prompt"),
            mappers.auto_config_in(request.config),
        )
        return pb.AutoResponse(result=mappers.auto_result_out(result))

    @replayed(pb.ExecuteRouteResponse)
    async def ExecuteRoute(
        self, request: pb.ExecuteRouteRequest, context: Context
    ) -> pb.ExecuteRouteResponse:
        result = await self.pool.execute_route(current_caller(), mappers.route_in(request.route))
        return pb.ExecuteRouteResponse(result=mappers.auto_result_out(result))

    # context -----------------------------------------------------------------------------------

    @replayed(pb.SetContextResponse)
    async def SetContext(
        self, request: pb.SetContextRequest, context: Context
    ) -> pb.SetContextResponse:
        entry = await self.pool.set_context(current_caller(), request.key, request.value)
        return pb.SetContextResponse(entry=mappers.context_out(entry))

    async def GetContext(
        self, request: pb.GetContextRequest, context: Context
    ) -> pb.GetContextResponse:
        entry = await self.pool.get_context(current_caller(), request.key)
        return pb.GetContextResponse(entry=mappers.context_out(entry))

    @replayed(pb.DeleteContextResponse)
    async def DeleteContext(
        self, request: pb.DeleteContextRequest, context: Context
    ) -> pb.DeleteContextResponse:
        removed = await self.pool.delete_context(current_caller(), request.key)
        return pb.DeleteContextResponse(
            deleted=removed is not None, previous_value=removed.value if removed else ""
        )

    async def ListContext(
        self, request: pb.ListContextRequest, context: Context
    ) -> pb.ListContextResponse:
        page = await self.pool.list_context(current_caller(), request.page_size, request.page_token)
        return pb.ListContextResponse(
            entries=[mappers.context_out(e) for e in page.entries],
            next_page_token=page.next_page_token,
        )

    # messaging ---------------------------------------------------------------------------------

    @replayed(pb.SendMessageResponse)
    async def SendMessage(
        self, request: pb.SendMessageRequest, context: Context
    ) -> pb.SendMessageResponse:
        message = await self.pool.send_message(
            current_caller(), request.from_slot_id, request.to_slot_id, request.content
        )
        return pb.SendMessageResponse(message=mappers.message_out(message))

    @replayed(pb.BroadcastMessageResponse)
    async def BroadcastMessage(
        self, request: pb.BroadcastMessageRequest, context: Context
    ) -> pb.BroadcastMessageResponse:
        messages = await self.pool.broadcast_message(
            current_caller(), request.from_slot_id, request.content
        )
        return pb.BroadcastMessageResponse(messages=[mappers.message_out(m) for m in messages])

    @replayed(pb.ReadMessagesResponse)
    async def ReadMessages(
        self, request: pb.ReadMessagesRequest, context: Context
    ) -> pb.ReadMessagesResponse:
        messages = await self.pool.read_messages(current_caller(), request.slot_id)
        return pb.ReadMessagesResponse(messages=[mappers.message_out(m) for m in messages])

    async def PeekMessages(
        self, request: pb.PeekMessagesRequest, context: Context
    ) -> pb.PeekMessagesResponse:
        messages = await self.pool.peek_messages(current_caller(), request.slot_id)
        return pb.PeekMessagesResponse(messages=[mappers.message_out(m) for m in messages])

    async def CountMessages(
        self, request: pb.CountMessagesRequest, context: Context
    ) -> pb.CountMessagesResponse:
        count = await self.pool.count_messages(current_caller(), request.slot_id)
        return pb.CountMessagesResponse(count=count)

    # slots and pool ----------------------------------------------------------------------------

    async def FindSlots(
        self, request: pb.FindSlotsRequest, context: Context
    ) -> pb.FindSlotsResponse:
        slots = await self.pool.find_slots(
            current_caller(),
            request.name,
            request.role,
            mappers.slot_state_in(request.state, "state"),
        )
        return pb.FindSlotsResponse(slots=[mappers.slot_out(s) for s in slots])

    @replayed(pb.ScaleUpResponse)
    async def ScaleUp(self, request: pb.ScaleUpRequest, context: Context) -> pb.ScaleUpResponse:
        return pb.ScaleUpResponse(total_slots=await self.pool.scale_up(request.count))

    @replayed(pb.ScaleDownResponse)
    async def ScaleDown(
        self, request: pb.ScaleDownRequest, context: Context
    ) -> pb.ScaleDownResponse:
        busy_timeout = DEFAULT_BUSY_TIMEOUT_SECONDS
        if request.HasField("busy_timeout"):
            busy_timeout = mappers.seconds_in(request.busy_timeout, "busy_timeout")
        total = await self.pool.scale_down(request.count, busy_timeout)
        return pb.ScaleDownResponse(total_slots=total)

    @replayed(pb.SetTargetSlotsResponse)
    async def SetTargetSlots(
        self, request: pb.SetTargetSlotsRequest, context: Context
    ) -> pb.SetTargetSlotsResponse:
        total = await self.pool.set_target_slots(request.target)
        return pb.SetTargetSlotsResponse(total_slots=total)

    async def GetStatus(
        self, request: pb.GetStatusRequest, context: Context
    ) -> pb.GetStatusResponse:
        status = await self.pool.status(current_caller())
        return pb.GetStatusResponse(
            status=pool_pb2.PoolStatus(
                total_slots=status.total_slots,
                idle_slots=status.idle_slots,
                busy_slots=status.busy_slots,
                errored_slots=status.errored_slots,
                running_tasks=status.counts[TaskState.RUNNING],
                pending_tasks=status.counts[TaskState.PENDING],
                pending_review_tasks=status.counts[TaskState.PENDING_REVIEW],
                completed_tasks=status.counts[TaskState.COMPLETED],
                failed_tasks=status.counts[TaskState.FAILED],
                cancelled_tasks=status.counts[TaskState.CANCELLED],
                spent_micros=status.budget.spent_micros,
                reserved_micros=status.budget.reserved_micros,
                budget_micros=status.budget_cap,
                draining=status.draining,
                replicas=status.replicas,
                namespace=status.namespace,
                warm_processes=status.warm_processes,
            )
        )

    async def GetConfig(
        self, request: pb.GetConfigRequest, context: Context
    ) -> pb.GetConfigResponse:
        view = pool_pb2.PoolConfig()
        view.CopyFrom(self.config_view)
        policy = self.pool.policy(current_caller())
        view.policy.CopyFrom(mappers.policy_out(policy, self.pool.settings.mcp_servers))
        return pb.GetConfigResponse(config=view)

    async def Drain(self, request: pb.DrainRequest, context: Context) -> pb.DrainResponse:
        timeout = DEFAULT_DRAIN_SECONDS
        if request.HasField("timeout"):
            timeout = mappers.seconds_in(request.timeout, "timeout")
        summary = await self.pool.drain(timeout)
        return pb.DrainResponse(
            summary=pool_pb2.DrainSummary(
                total_cost_micros=summary.total_cost_micros,
                total_tasks_completed=summary.total_tasks_completed,
                tasks_cancelled=summary.tasks_cancelled,
            )
        )

    async def GetSessionMetrics(
        self, request: pb.GetSessionMetricsRequest, context: Context
    ) -> pb.GetSessionMetricsResponse:
        result = await self.pool.session_metrics(
            current_caller(), mappers.metrics_filter_in(request.filter)
        )
        return pb.GetSessionMetricsResponse(metrics=mappers.session_metrics_out(result))
