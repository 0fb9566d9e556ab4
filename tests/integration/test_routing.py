"""Auto-routing: the routing call (structured output, fallbacks, hints), normalisation, running
the route, falling back to a single task, and the routing cost counted against the budget."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import grpc
import pytest

from claude_pool import PoolError
from claude_pool.v1 import chain_pb2, routing_pb2
from claude_pool_server import cli
from tests.conftest import ServerFactory
from tests.integration.test_review import last_user_text


def decision(route: dict[str, Any]) -> str:
    return f"[[json:{json.dumps(route)}]]"


pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


def routing_requests(stub: Any) -> list[Any]:
    return [
        r
        for r in stub.messages_requests()
        if "You are a work router" in json.dumps(r.body.get("system", ""))
    ]


async def test_route_classifies_normalises_and_counts_the_cost(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1)
    prompt = decision({"route": "parallel", "prompts": [" write docs ", "", "write tests"]})
    config = routing_pb2.AutoConfig(
        hints=routing_pb2.AutoHint(
            max_parallel=3,
            prefer=routing_pb2.ROUTE_PREFERENCE_PARALLEL,
            domain="a python library",
            decomposition_hints=["docs", "tests"],
        )
    )
    response = await pool.client.route(prompt + " ROUTE-ONE", config)
    assert list(response.route.parallel.prompts) == ["write docs", "write tests"]
    assert response.cost_micros > 0
    sent = [r for r in routing_requests(pool.stub) if "ROUTE-ONE" in last_user_text(r.body)]
    assert sent, "the routing call should reach the API"
    assert last_user_text(sent[0].body).startswith("<task>")
    system = json.dumps(sent[0].body["system"])
    assert "## Constraints" in system
    assert "- Maximum parallel tasks: 3" in system
    assert "- Preferred route: parallel" in system
    assert "- Suggested decomposition boundaries: docs, tests" in system
    # The routing call is charged to the pool and shows as a task tagged "routing".
    status = await pool.client.status()
    assert status.spent_micros == response.cost_micros
    assert status.reserved_micros == 0
    routed = (await pool.client.list_tasks(tags=["routing"])).tasks
    assert len(routed) == 1 and routed[0].result.cost_micros == response.cost_micros


async def test_a_one_step_chain_becomes_single_and_garbage_is_an_error(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    one_step = decision(
        {"route": "chain", "steps": [{"name": "a", "prompt": "only"}, {"prompt": " "}]}
    )
    response = await pool.client.route(one_step)
    assert response.route.single.prompt == "only"
    with pytest.raises(PoolError) as err:
        await pool.client.route("no decision here")
    assert err.value.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "routing" in err.value.message


async def test_auto_runs_a_parallel_route(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2)
    prompt = decision({"route": "parallel", "prompts": ["alpha job", "beta job"]})
    result = await pool.client.auto(prompt)
    assert not result.fell_back
    assert len(result.parallel) == 2
    assert result.output == "[0] FAKE-REPLY[alpha job]\n[1] FAKE-REPLY[beta job]"
    parts = sum(t.result.cost_micros for t in result.parallel)
    assert result.routing_cost_micros > 0
    assert result.cost_micros == parts + result.routing_cost_micros


async def test_auto_runs_a_chain_route(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2)
    prompt = decision(
        {
            "route": "chain",
            "steps": [
                {"name": "s1", "prompt": "first thing"},
                {"name": "s2", "prompt": "then {previous_output}"},
            ],
        }
    )
    result = await pool.client.auto(prompt)
    assert result.chain.status == chain_pb2.CHAIN_STATUS_COMPLETED
    assert result.output == "FAKE-REPLY[then FAKE-REPLY[first thing]]"
    assert result.cost_micros == result.chain.result.total_cost_micros + result.routing_cost_micros


async def test_auto_falls_back_to_a_single_task_when_routing_fails(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    result = await pool.client.auto("just do this plainly")
    assert result.fell_back
    assert result.route.single.prompt == "just do this plainly"
    assert result.single.result.output == "FAKE-REPLY[just do this plainly]"
    assert result.routing_cost_micros > 0
    assert result.cost_micros == result.single.result.cost_micros + result.routing_cost_micros


async def test_execute_route_runs_a_given_route_and_rejects_an_empty_one(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=1)
    route = routing_pb2.Route(single=routing_pb2.SingleRoute(prompt="[[reply:direct]]"))
    result = await pool.client.execute_route(route)
    assert result.output == "direct" and result.routing_cost_micros == 0
    for empty in (
        routing_pb2.Route(),
        routing_pb2.Route(parallel=routing_pb2.ParallelRoute(prompts=[" ", ""])),
    ):
        with pytest.raises(PoolError) as err:
            await pool.client.execute_route(empty)
        assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_routing_refused_when_the_budget_cannot_cover_it(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1, budget_micros=500_000)  # below one task's reservation
    with pytest.raises(PoolError) as err:
        await pool.client.route(decision({"route": "single", "prompt": "x"}))
    assert err.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED


async def test_cli_route_and_auto(
    make_server: ServerFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = await make_server(slots=2)
    server = ["--server", pool.server.address]
    prompt = decision({"route": "parallel", "prompts": ["one part", "other part"]})
    assert await asyncio.to_thread(cli.main, ["route", *server, "--max-parallel", "2", prompt]) == 0
    assert capsys.readouterr().out.strip() == "parallel:\n  [0] one part\n  [1] other part"
    assert await asyncio.to_thread(cli.main, ["auto", *server, prompt]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == "[0] FAKE-REPLY[one part]\n[1] FAKE-REPLY[other part]"
    assert "parallel" in out.err
