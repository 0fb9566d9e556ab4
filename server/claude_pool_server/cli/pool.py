"""Pool commands: status, config, slots, scale, drain, metrics.

`status` and `metrics` show spend the same way, from the same field: the `spent:` line is
PoolStatus.spent_micros (what the budget counts, for the caller's namespace), printed by one
function. `metrics` adds what the matched tasks cost (SessionMetrics.total_spend_micros), which
differs when filtered or once tasks were deleted.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Iterator
from typing import Any

from google.protobuf import duration_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from claude_pool import PoolClient
from claude_pool.v1 import pool_pb2
from claude_pool_server.cli.client_options import client_parser
from claude_pool_server.cli.output import (
    dollars,
    enum_name,
    fields,
    seconds,
    span,
    table,
    to_json,
    to_json_list,
    usd,
)

DEFAULT_NAMESPACE = "default"
SLOT_STATES = [
    enum_name(s, pool_pb2.SlotState, "SLOT_STATE_")
    for s in pool_pb2.SlotState.values()
    if s != pool_pb2.SLOT_STATE_UNSPECIFIED
]


def spend_line(status: pool_pb2.PoolStatus) -> str:
    """The one spend figure, as `status` and `metrics` both print it."""
    budget = usd(status.budget_micros) if status.HasField("budget_micros") else "no cap"
    draining = " (draining)" if status.draining else ""
    return (
        f"spent: {usd(status.spent_micros)}, reserved {usd(status.reserved_micros)}, "
        f"budget {budget}{draining}"
    )


async def status_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    status = await pool.status()
    if args.json:
        print(to_json(status))
        return 0
    if status.namespace and status.namespace != DEFAULT_NAMESPACE:
        print(f"namespace: {status.namespace}")
    replicas = f", {status.replicas} replicas" if status.replicas > 1 else ""
    print(
        f"slots: {status.total_slots} ({status.idle_slots} idle, {status.busy_slots} busy, "
        f"{status.errored_slots} errored){replicas}, {status.warm_processes} warm processes\n"
        f"tasks: {status.pending_tasks} pending, {status.running_tasks} running, "
        f"{status.pending_review_tasks} in review, {status.completed_tasks} completed, "
        f"{status.failed_tasks} failed, {status.cancelled_tasks} cancelled\n"
        f"{spend_line(status)}"
    )
    return 0


async def metrics_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    result, status = await asyncio.gather(
        pool.session_metrics(tags=args.tags, model=args.model or ""), pool.status()
    )
    if args.json:
        print(to_json(result))
        return 0
    print(
        f"tasks: {result.total_tasks} ({result.completed_tasks} completed, "
        f"{result.failed_tasks} failed, {result.cancelled_tasks} cancelled, "
        f"{result.running_tasks} running, {result.pending_tasks} pending, "
        f"{result.pending_review_tasks} in review)\n"
        f"{spend_line(status)}\n"
        f"cost of these tasks: {usd(result.total_spend_micros)} "
        f"(avg {usd(result.avg_cost_micros)} per completed task, "
        f"max {usd(result.max_cost_micros)})\n"
        f"elapsed: avg {span(seconds(result.avg_elapsed))}, "
        f"median {span(seconds(result.median_elapsed))}; avg turns {result.avg_turns:.1f}"
    )
    for model in result.models:
        print(f"  {model.model}: {model.tasks} tasks, {usd(model.spend_micros)}")
    return 0


def enum_text(enum: Any, value: int) -> str:
    """An enum value by name, without the enum's prefix: `accept_edits` (`enum`: the field's
    EnumDescriptor)."""
    if value == 0:
        return "unset"
    prefix = enum.values[0].name.removesuffix("UNSPECIFIED")
    known = enum.values_by_number.get(value)
    return known.name.removeprefix(prefix).lower() if known is not None else str(value)


def readable(message: Message, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every field of a config message as (name, text): money in USD, durations in seconds,
    enums by name, lists joined, unset optional fields as `unset`."""
    for field in message.DESCRIPTOR.fields:
        name, value = prefix + field.name, getattr(message, field.name)
        is_enum = field.type == FieldDescriptor.TYPE_ENUM
        if field.is_repeated:
            shown = [enum_text(field.enum_type, v) if is_enum else str(v) for v in value]
            yield name, ", ".join(shown) or "-"
        elif field.has_presence and not message.HasField(field.name):
            yield name.removesuffix("_micros"), "unset"
        elif isinstance(value, duration_pb2.Duration):
            yield name, span(seconds(value))
        elif isinstance(value, Message):
            yield from readable(value, f"{name}.")
        elif is_enum:
            yield name, enum_text(field.enum_type, value)
        elif field.name.endswith("_micros"):
            yield name.removesuffix("_micros"), usd(value)
        elif isinstance(value, bool):
            yield name, "yes" if value else "no"
        else:
            yield name, str(value) if value != "" else "-"


async def config_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    config = await pool.config()
    if args.json:
        print(to_json(config))
        return 0
    fields(readable(config))
    return 0


async def slots_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    state = pool_pb2.SLOT_STATE_UNSPECIFIED
    if args.state:
        state = pool_pb2.SlotState.Value(f"SLOT_STATE_{args.state.upper()}")
    slots = await pool.find_slots(name=args.name, role=args.role, state=state)
    if args.json:
        print(to_json_list(slots))
        return 0
    table(
        ["ID", "STATE", "TASK", "DONE", "COST (USD)", "NAME"],
        [
            [
                s.id,
                enum_name(s.state, pool_pb2.SlotState, "SLOT_STATE_"),
                s.current_task_id or "-",
                str(s.tasks_completed),
                dollars(s.cost_micros),
                s.config.name or "-",
            ]
            for s in slots
        ],
    )
    return 0


async def scale_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    total = await pool.set_target_slots(args.target)
    print(json.dumps({"total_slots": total}) if args.json else f"{total} slots")
    return 0


async def drain_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    summary = await pool.drain(args.timeout)
    if args.json:
        print(to_json(summary))
        return 0
    print(
        f"drained: {summary.total_tasks_completed} tasks completed, "
        f"{summary.tasks_cancelled} cancelled at the timeout; "
        f"total cost {usd(summary.total_cost_micros)}"
    )
    return 0


def add_pool_commands(sub: Any, connection: argparse.ArgumentParser) -> None:
    p = client_parser(sub, "status", "show the pool's status", connection)
    p.set_defaults(client=status_cmd)

    p = client_parser(sub, "config", "show the server's effective configuration", connection)
    p.set_defaults(client=config_cmd)

    p = client_parser(sub, "slots", "list the slots: state, current task, tasks done", connection)
    p.add_argument("--name", default="", help="slots with this name")
    p.add_argument("--role", default="", help="slots with this role")
    p.add_argument("--state", choices=SLOT_STATES, default=None)
    p.set_defaults(client=slots_cmd)

    p = client_parser(sub, "scale", "set the number of slots (within min/max)", connection)
    p.add_argument("target", type=int)
    p.set_defaults(client=scale_cmd)

    p = client_parser(
        sub, "drain", "stop taking work, let running tasks finish, stop the slots", connection
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to wait for running tasks before cancelling them (default 300)",
    )
    p.set_defaults(client=drain_cmd)

    p = client_parser(sub, "metrics", "aggregate task outcomes, spend and timings", connection)
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p.add_argument("--model", default=None)
    p.set_defaults(client=metrics_cmd)
