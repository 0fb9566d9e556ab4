"""Routing commands: `route PROMPT` (how the router would split it; runs nothing) and
`auto PROMPT` (route it and run the route)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from claude_pool import PoolClient
from claude_pool.v1 import routing_pb2
from claude_pool_server.cli.client_options import client_parser
from claude_pool_server.cli.output import note, to_json, usd


def auto_config_from(args: argparse.Namespace) -> routing_pb2.AutoConfig:
    hints = routing_pb2.AutoHint(domain=args.domain or "", decomposition_hints=args.hint or [])
    if args.max_parallel is not None:
        hints.max_parallel = args.max_parallel
    if args.max_chain_steps is not None:
        hints.max_chain_steps = args.max_chain_steps
    if args.prefer:
        hints.prefer = routing_pb2.RoutePreference.Value(f"ROUTE_PREFERENCE_{args.prefer.upper()}")
    config = routing_pb2.AutoConfig(hints=hints)
    if args.custom_prompt:
        config.custom_prompt = args.custom_prompt
    return config


def describe_route(route: routing_pb2.Route) -> str:
    kind = route.WhichOneof("route")
    if kind == "single":
        return f"single: {route.single.prompt}"
    if kind == "parallel":
        prompts = route.parallel.prompts
        return "parallel:\n" + "\n".join(f"  [{i}] {p}" for i, p in enumerate(prompts))
    return "chain:\n" + "\n".join(f"  {s.name}: {s.prompt}" for s in route.chain.steps)


async def route_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if args.command == "route":
        response = await pool.route(prompt, auto_config_from(args))
        print(to_json(response) if args.json else describe_route(response.route))
        return 0
    result = await pool.auto(prompt, auto_config_from(args))
    if args.json:
        print(to_json(result))
        return 0
    fell_back = " (routing failed; ran as one task)" if result.fell_back else ""
    note(describe_route(result.route).splitlines()[0].split(":")[0] + fell_back)
    print(result.output)
    note(f"cost {usd(result.cost_micros)}")
    return 0


def add_routing_commands(sub: Any, connection: argparse.ArgumentParser) -> None:
    for name, help_text in (
        ("route", "ask the router how it would split a prompt (runs nothing)"),
        ("auto", "route a prompt and run the route"),
    ):
        p = client_parser(sub, name, help_text, connection)
        p.add_argument("prompt", help="the prompt ('-' reads it from stdin)")
        p.add_argument("--max-parallel", type=int, default=None)
        p.add_argument("--max-chain-steps", type=int, default=None)
        p.add_argument("--prefer", choices=["single", "parallel", "chain"], default=None)
        p.add_argument("--domain", default=None)
        p.add_argument("--hint", action="append", default=[], help="a decomposition boundary")
        p.add_argument("--custom-prompt", default=None, help="replace the routing prompt")
        p.set_defaults(client=route_cmd)
