"""Routing on the InMemoryStore with the FakeDriver: the router's JSON decides the route, bad
router output falls back, the routing call is charged and runs pinned outside the slots (the
same paths run with the CLI in tests/integration/test_routing.py)."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest

from claude_pool_server.api.status import code_for
from claude_pool_server.domain.chains import ChainStatus
from claude_pool_server.domain.errors import BudgetExhausted, InvalidArgument
from claude_pool_server.domain.ports import Claim
from claude_pool_server.domain.runs import RunRequest, SessionMode
from claude_pool_server.domain.slots import Slot
from claude_pool_server.domain.tasks import (
    PermissionMode,
    Task,
    TaskQuery,
    TaskSpec,
    TaskState,
)
from claude_pool_server.driver.fake import FakeReply
from claude_pool_server.engine.routing import (
    ROUTE_SCHEMA,
    ROUTER_DISALLOWED_TOOLS,
    ROUTING_PIN,
    ROUTING_PROMPT,
    ROUTING_TAG,
    AutoConfig,
    AutoHint,
    Route,
    RoutingFailed,
)
from tests.unit.engine_harness import ALICE, BOB, Harness, Reply, echo, eventually, running, slow

pytestmark = pytest.mark.asyncio

ROUTER_COST = 40


def is_router(request: RunRequest) -> bool:
    return "You are a work router" in (request.system_prompt or "")


def router(decision: object, success: bool = True) -> Reply:
    """The router answers `decision` (a JSON value, or text as it is); every task echoes."""
    text = decision if isinstance(decision, str) else json.dumps(decision)

    def reply(request: RunRequest) -> FakeReply:
        if is_router(request):
            return FakeReply(chunks=(text,), cost_micros=ROUTER_COST, success=success)
        return echo(request)

    return reply


def work(h: Harness) -> list[str]:
    """The prompts run as work (not routing calls), in start order."""
    return [r.prompt for r in h.driver.requests if not is_router(r)]


async def routing_tasks(h: Harness) -> list[Task]:
    page = await h.pool.list_tasks(ALICE, TaskQuery(tags=(ROUTING_TAG,)))
    return page.tasks


DECISIONS = [
    pytest.param(
        {"route": "single", "prompt": " do it "},
        Route("single", prompt="do it"),
        ["do it"],
        "R[do it]",
        id="single",
    ),
    pytest.param(
        {"route": "parallel", "prompts": [" write docs ", "", "write tests"]},
        Route("parallel", prompts=("write docs", "write tests")),
        ["write docs", "write tests"],
        "[0] R[write docs]\n[1] R[write tests]",
        id="parallel",
    ),
    pytest.param(
        {
            "route": "chain",
            "steps": [{"name": "s1", "prompt": "x"}, {"prompt": "y {previous_output}"}],
        },
        Route("chain", steps=(("s1", "x"), ("step-2", "y {previous_output}"))),
        ["x", "y R[x]"],
        "R[y R[x]]",
        id="chain",
    ),
    pytest.param(
        {"route": "parallel", "prompts": ["only one", " "]},
        Route("single", prompt="only one"),
        ["only one"],
        "R[only one]",
        id="one-item-parallel-is-single",
    ),
    pytest.param(
        {"route": "chain", "steps": [{"name": "a", "prompt": "just a"}, {"prompt": " "}]},
        Route("single", prompt="just a"),
        ["just a"],
        "R[just a]",
        id="one-step-chain-is-single",
    ),
]


@pytest.mark.parametrize(("decision", "route", "runs", "output"), DECISIONS)
async def test_the_routers_json_decides_single_parallel_or_chain(
    decision: dict[str, Any], route: Route, runs: list[str], output: str
) -> None:
    async with running(router(decision), slots=2) as h:
        hints = AutoHint(max_parallel=3, prefer="parallel", decomposition_hints=("docs", "tests"))
        chosen, cost = await h.pool.route(ALICE, "the work", AutoConfig(hints=hints))
        assert (chosen, cost) == (route, ROUTER_COST)
        assert work(h) == []  # route() only classifies
        call = h.driver.requests[0]
        assert call.prompt == "<task>the work</task>"
        assert call.system_prompt is not None and call.system_prompt.startswith(ROUTING_PROMPT)
        assert "- Maximum parallel tasks: 3" in call.system_prompt
        assert "- Suggested decomposition boundaries: docs, tests" in call.system_prompt
        assert call.json_schema == ROUTE_SCHEMA and call.permission_mode is PermissionMode.PLAN
        assert call.disallowed_tools == ROUTER_DISALLOWED_TOOLS and call.max_turns == 2

        result = await asyncio.wait_for(h.pool.auto(ALICE, "the work", AutoConfig()), 3)
        assert result.route == route and not result.fell_back
        assert sorted(work(h)) == sorted(runs)
        if route.kind == "chain":
            assert work(h) == runs  # in order
            assert result.chain is not None and result.chain.status is ChainStatus.COMPLETED
        assert result.output == output
        assert result.routing_cost_micros == ROUTER_COST
        assert result.cost_micros == ROUTER_COST + 100 * len(runs)


@pytest.mark.parametrize(
    "text",
    [
        'Here you go:\n```json\n{"route": "single", "prompt": "fenced"}\n```\nDone.',
        'Sure.\n```\n{"route": "single", "prompt": "fenced"}\n```',
        'I think {"route": "single", "prompt": "fenced"} is right.',
    ],
    ids=["json-fence", "plain-fence", "prose"],
)
async def test_a_decision_wrapped_in_prose_or_fences_is_still_read(text: str) -> None:
    async with running(router(text), slots=1) as h:
        assert await h.pool.route(ALICE, "x", AutoConfig()) == (
            Route("single", prompt="fenced"),
            ROUTER_COST,
        )


MALFORMED = [
    pytest.param(router("no decision here"), id="no-json"),
    pytest.param(router({"route": "parallel"}), id="route-without-its-fields"),
    pytest.param(router({"route": "parallel", "prompts": [" ", ""]}), id="only-empty-prompts"),
    pytest.param(router({"route": "dance", "prompt": "x"}), id="unknown-route"),
    pytest.param(router({"route": "single", "prompt": "x"}, success=False), id="router-failed"),
]


@pytest.mark.parametrize("reply", MALFORMED)
async def test_malformed_router_output_falls_back_to_one_task_and_says_so(
    reply: Reply, caplog: pytest.LogCaptureFixture
) -> None:
    async with running(reply, slots=1) as h:
        with pytest.raises(RoutingFailed) as error:
            await h.pool.route(ALICE, "just do this plainly", AutoConfig())
        assert code_for(error.value).name == "FAILED_PRECONDITION"
        assert error.value.reason == "ROUTING_FAILED" and error.value.message

        with caplog.at_level(logging.WARNING, logger="claude_pool_server.engine.routing"):
            result = await asyncio.wait_for(
                h.pool.auto(ALICE, "just do this plainly", AutoConfig()), 3
            )
        assert result.fell_back
        assert "fell back to a single task" in caplog.text
        assert result.route == Route("single", prompt="just do this plainly")
        assert work(h) == ["just do this plainly"]
        assert result.single is not None and result.single.state is TaskState.COMPLETED
        assert result.output == "R[just do this plainly]"
        assert result.routing_cost_micros == ROUTER_COST  # a failed routing call still costs
        assert result.cost_micros == ROUTER_COST + 100


async def test_router_step_names_the_chain_cannot_take_are_made_valid() -> None:
    """Step names only label a routed chain; a router's "1. Plan" (a '.') or a repeated name
    must not turn a good decision into an INVALID_ARGUMENT the caller never caused."""
    decision = {
        "route": "chain",
        "steps": [
            {"name": "1. Plan {it}", "prompt": "plan"},
            {"name": "1. Plan {it}", "prompt": "do {previous_output}"},
        ],
    }
    async with running(router(decision), slots=1) as h:
        result = await asyncio.wait_for(h.pool.auto(ALICE, "work", AutoConfig()), 3)
        assert not result.fell_back
        assert result.chain is not None and result.chain.result is not None
        assert [s.name for s in result.chain.result.steps] == ["1- Plan -it-", "step-2"]
        assert result.output == "R[do R[plan]]"
        # a route the caller gives is not rewritten: bad names stay their error
        with pytest.raises(InvalidArgument):
            await h.pool.execute_route(ALICE, Route("chain", steps=(("a.b", "x"), ("c", "y"))))


async def test_the_routing_call_is_charged_to_the_budget_and_recorded_as_a_task() -> None:
    decision = {"route": "single", "prompt": "x"}
    async with running(router(decision), slots=1, budget_micros=10_000_000) as h:
        _, cost = await h.pool.route(ALICE, "classify me", AutoConfig())
        assert cost == ROUTER_COST
        for scope in (None, ALICE.namespace):
            budget = await h.store.get_budget(scope)
            assert (budget.spent_micros, budget.reserved_micros) == (ROUTER_COST, 0)
            assert budget.unfinished_tasks == 0
        [task] = await routing_tasks(h)
        assert task.state is TaskState.COMPLETED and task.owner == ALICE.principal
        assert task.result is not None and task.result.cost_micros == ROUTER_COST
        assert (await h.pool.list_tasks(BOB, TaskQuery(tags=(ROUTING_TAG,)))).tasks == []

    # a routing call is reserved like any task: refused when the cap cannot cover it
    async with running(router(decision), slots=1, budget_micros=500_000) as h:
        with pytest.raises(BudgetExhausted):
            await h.pool.route(ALICE, "classify me", AutoConfig())
        assert h.driver.requests == []


async def test_execute_route_runs_exactly_the_route_and_no_routing_call() -> None:
    async with running(echo, slots=2) as h:
        single = await h.pool.execute_route(ALICE, Route("single", prompt=" direct "))
        assert single.output == "R[direct]" and single.routing_cost_micros == 0
        assert single.cost_micros == 100 and not single.fell_back

        parallel = await h.pool.execute_route(ALICE, Route("parallel", prompts=("p1", "p2")))
        assert [t.prompt for t in parallel.parallel] == ["p1", "p2"]
        assert parallel.output == "[0] R[p1]\n[1] R[p2]" and parallel.cost_micros == 200

        chain = await h.pool.execute_route(
            ALICE, Route("chain", steps=(("a", "c1"), ("b", "c2 {previous_output}")))
        )
        assert chain.chain is not None and chain.output == "R[c2 R[c1]]"
        assert chain.cost_micros == 200

        assert work(h)[:1] == ["direct"] and sorted(work(h)[1:3]) == ["p1", "p2"]
        assert work(h)[3:] == ["c1", "c2 R[c1]"]
        assert not any(is_router(r) for r in h.driver.requests)
        assert await routing_tasks(h) == []
        for empty in (Route("parallel", prompts=(" ", "")), Route("single"), Route("nope")):
            with pytest.raises(InvalidArgument):
                await h.pool.execute_route(ALICE, empty)
        assert len(h.driver.requests) == 5


async def test_a_routing_call_is_pinned_out_of_the_slots_and_runs_while_they_are_busy() -> None:
    def reply(request: RunRequest) -> FakeReply:
        if is_router(request):
            return FakeReply(chunks=('{"route": "single", "prompt": "x"}',), cost_micros=1)
        return slow()

    async with running(reply, slots=1) as h:
        claimed_by_slots: list[Task] = []
        claim = h.store.claim_task

        async def recording(slot: Slot, replica_id: str, lease_seconds: float) -> Claim:
            taken = await claim(slot, replica_id, lease_seconds)
            if taken.task is not None:
                claimed_by_slots.append(taken.task)
            return taken

        h.store.claim_task = recording  # type: ignore[method-assign]
        busy = await h.pool.submit(ALICE, TaskSpec("occupy the only slot"))

        async def occupied() -> bool:
            return (await h.pool.get_task(ALICE, busy.id)).state is TaskState.RUNNING

        await eventually(occupied)
        routes = await asyncio.wait_for(
            asyncio.gather(*(h.pool.route(ALICE, f"q{i}", AutoConfig()) for i in range(3))), 2
        )
        assert [r for r, _ in routes] == [Route("single", prompt="x")] * 3

        tasks = await routing_tasks(h)
        assert len(tasks) == 3
        for task in tasks:
            assert task.spec.slot_id == ROUTING_PIN and task.slot_id == ""
            assert task.state is TaskState.COMPLETED
        assert [t.id for t in claimed_by_slots] == [busy.id]
        calls = [r for r in h.driver.requests if is_router(r)]
        assert all(r.slot_id == "" and r.session.mode is SessionMode.NEW for r in calls)
        # no slot keeps the routing call's session, and the busy slot still runs its task
        [slot] = await h.store.list_slots()
        assert slot.current_task_id == busy.id and slot.tasks_completed == 0
        assert (await h.pool.list_sessions(ALICE, 10, "")).sessions == []
        await h.pool.cancel_task(ALICE, busy.id)
