"""The `claude-pool` command: `serve` runs the server; the other commands are gRPC clients."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from claude_pool import PoolClient, PoolError
from claude_pool.v1 import chain_pb2, routing_pb2, task_pb2
from claude_pool_server import __version__, log_setup
from claude_pool_server.api import mappers
from claude_pool_server.config import (
    ServerConfig,
    default_state_dir,
    env_default,
    load_tokens,
    permission_mode,
)
from claude_pool_server.config_error import ConfigError
from claude_pool_server.config_file import load_file_config
from claude_pool_server.domain.budget import usd_to_micros
from claude_pool_server.domain.sessions import SessionPolicy
from claude_pool_server.domain.tasks import Effort, PermissionMode
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.mcp_bridge.command import add_mcp_command

DEFAULT_SERVER = "127.0.0.1:50051"


# --- serve ----------------------------------------------------------------------------------------


def add_serve(sub: Any) -> None:
    p = sub.add_parser("serve", help="run the claude-pool gRPC server")
    p.add_argument("--host", default=env_default("CLAUDE_POOL_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(env_default("CLAUDE_POOL_PORT", "50051") or 0))
    p.add_argument("--slots", type=int, default=2, help="slots this server runs (default 2)")
    p.add_argument("--min-slots", type=int, default=1)
    p.add_argument("--max-slots", type=int, default=16)
    p.add_argument("--model", default=None, help="default model (default: the CLI's)")
    p.add_argument("--fallback-model", default=None)
    p.add_argument("--effort", choices=[e.value for e in Effort], default=None)
    p.add_argument("--system-prompt", default=None)
    p.add_argument("--max-turns", type=int, default=None)
    p.add_argument("--budget-usd", type=float, default=None, help="pool budget cap in USD")
    p.add_argument(
        "--task-reservation-usd",
        type=float,
        default=1.0,
        help="budget reserved per task that sets no max budget (default 1.0)",
    )
    p.add_argument("--permission-mode", default="plan", help="default permission mode (plan)")
    p.add_argument(
        "--allow-bypass-permissions",
        action="store_true",
        help="let tasks ask for bypassPermissions (refused by default)",
    )
    p.add_argument("--allowed-tools", default="", help="comma-separated tools for every task")
    p.add_argument("--claude-path", default=env_default("CLAUDE_POOL_CLAUDE_PATH"))
    p.add_argument("--bare", action="store_true", help="run the CLI with --bare")
    p.add_argument(
        "--store",
        choices=["postgres", "memory"],
        default=env_default("CLAUDE_POOL_STORE"),
        help=f"where tasks live (default {DEFAULT_STORE}; postgres when --database-url is set)",
    )
    add_database_options(p)
    p.add_argument("--migrate", action="store_true", help="apply database migrations at start")
    p.add_argument("--heartbeat-seconds", type=float, default=5.0, help="replica heartbeat (5)")
    p.add_argument(
        "--lease-seconds",
        type=float,
        default=20.0,
        help="a running task whose replica stops heartbeating is re-queued after this (20)",
    )
    p.add_argument("--max-attempts", type=int, default=3, help="runs per task across replicas (3)")
    p.add_argument("--tokens-file", default=env_default("CLAUDE_POOL_TOKENS_FILE"))
    p.add_argument("--insecure-no-auth", action="store_true")
    p.add_argument("--tls-cert", default=env_default("CLAUDE_POOL_TLS_CERT", ""))
    p.add_argument("--tls-key", default=env_default("CLAUDE_POOL_TLS_KEY", ""))
    p.add_argument("--tls-client-ca", default=env_default("CLAUDE_POOL_TLS_CLIENT_CA", ""))
    p.add_argument("--insecure", action="store_true")
    p.add_argument("--audit-prompts", action="store_true")
    p.add_argument("--inject-faults", action="store_true", help=argparse.SUPPRESS)
    p.add_argument(
        "--work-root",
        action="append",
        default=[],
        help="directory tasks may run in (repeatable; default: the current directory)",
    )
    p.add_argument("--config", default=env_default("CLAUDE_POOL_CONFIG"), help="YAML config file")
    p.add_argument("--task-timeout", type=float, default=1800.0, help="seconds (default 1800)")
    p.add_argument("--idle-timeout", type=float, default=600.0, help="seconds without CLI output")
    p.add_argument("--grace", type=float, default=30.0, help="shutdown grace period in seconds")
    p.add_argument("--max-concurrent-spawns", type=int, default=4)
    p.add_argument(
        "--warm-slots",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="keep each slot's CLI process for its next task (default; ~200 MB per slot)",
    )
    p.add_argument(
        "--warm-idle-seconds",
        type=float,
        default=300.0,
        help="stop a warm slot's process after this long idle (300)",
    )
    p.add_argument(
        "--spare-processes",
        type=int,
        default=1,
        help="started CLI processes kept clean for new sessions, per set of options (1)",
    )
    p.add_argument(
        "--session-policy",
        choices=["task", "slot"],
        default="task",
        help="task: each task its own session unless it continues one (default); "
        "slot: a slot keeps one session for its next task",
    )
    p.add_argument(
        "--sandbox",
        choices=["auto", "bwrap", "none"],
        default=env_default("CLAUDE_POOL_SANDBOX", "auto"),
        help="confine each task's CLI and tools (auto: bubblewrap when installed)",
    )
    p.add_argument(
        "--api-gateway",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send the CLI's API calls through the pool (per-call budget, no key in tasks)",
    )
    p.add_argument(
        "--retention-hours",
        type=float,
        default=None,
        help="delete settled tasks (and their output) this long after they end (default: keep)",
    )
    p.add_argument(
        "--slot-worktrees",
        action="store_true",
        help="run each slot in its own git worktree (branch claude-pool/<slot>) of the task's repo",
    )
    p.add_argument("--log-level", default=env_default("CLAUDE_POOL_LOG_LEVEL", "INFO"))
    p.add_argument("--log-format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_serve)


DEFAULT_STORE = "postgres"  # embedded PostgreSQL unless --database-url is given


def add_database_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database-url",
        default=env_default("CLAUDE_POOL_DATABASE_URL", ""),
        help="PostgreSQL URL (default: an embedded PostgreSQL in the state dir)",
    )
    p.add_argument("--state-dir", default=env_default("CLAUDE_POOL_STATE_DIR"))


def add_migrate(sub: Any) -> None:
    p = sub.add_parser("migrate", help="apply the database migrations (then exit)")
    add_database_options(p)
    p.set_defaults(func=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    from claude_pool_server.store.postgres.bootstrap import migrate_database

    print(asyncio.run(migrate_database(args.database_url, args.state_dir or default_state_dir())))
    return 0


def server_config(args: argparse.Namespace) -> ServerConfig:
    if args.slots < 0:
        raise ConfigError("--slots must not be negative")
    denied = frozenset() if args.allow_bypass_permissions else {PermissionMode.BYPASS_PERMISSIONS}
    state_dir = args.state_dir or default_state_dir()
    file = load_file_config(args.config)
    pool = PoolSettings(
        model=args.model,
        fallback_model=args.fallback_model,
        effort=Effort(args.effort) if args.effort else None,
        system_prompt=args.system_prompt,
        max_turns=args.max_turns,
        permission_mode=permission_mode(args.permission_mode),
        allowed_tools=tuple(t.strip() for t in args.allowed_tools.split(",") if t.strip()),
        slots=args.slots,
        min_slots=args.min_slots,
        max_slots=args.max_slots,
        slot_configs=file.slots,
        mcp_servers=file.mcp_servers,
        policies=file.policies,
        default_policy=file.default_policy,
        budget_micros=usd_to_micros(args.budget_usd) if args.budget_usd is not None else None,
        default_task_reservation_micros=usd_to_micros(args.task_reservation_usd),
        task_timeout_seconds=args.task_timeout,
        idle_output_timeout_seconds=args.idle_timeout,
        work_roots=tuple(args.work_root) or (os.getcwd(),),
        default_working_dir=(args.work_root or [os.getcwd()])[0],
        denied_permission_modes=frozenset(denied),
        worktree_isolation=args.slot_worktrees,
        session_policy=SessionPolicy(args.session_policy),
        retention_seconds=args.retention_hours * 3600 if args.retention_hours else None,
        heartbeat_seconds=args.heartbeat_seconds,
        lease_seconds=args.lease_seconds,
        max_attempts=args.max_attempts,
    )
    return ServerConfig(
        host=args.host,
        port=args.port,
        credentials=load_tokens(args.tokens_file, env_default("CLAUDE_POOL_TOKENS")),
        tls_cert=args.tls_cert or "",
        tls_key=args.tls_key or "",
        tls_client_ca=args.tls_client_ca or "",
        insecure=args.insecure,
        audit_prompts=args.audit_prompts,
        inject_faults=args.inject_faults,
        insecure_no_auth=args.insecure_no_auth,
        store=args.store or ("postgres" if args.database_url else DEFAULT_STORE),
        database_url=args.database_url,
        migrate=args.migrate,
        claude_path=args.claude_path,
        bare=args.bare,
        warm_slots=args.warm_slots,
        warm_idle_seconds=args.warm_idle_seconds,
        grace_seconds=args.grace,
        state_dir=state_dir,
        sandbox=args.sandbox,
        api_gateway=args.api_gateway,
        spare_processes=args.spare_processes,
        max_concurrent_spawns=args.max_concurrent_spawns,
        model_prices=file.model_prices,
        pool=pool,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from claude_pool_server.server import serve

    log_setup.configure(args.log_level, args.log_format)
    config = server_config(args)
    asyncio.run(serve(config))
    return 0


# --- client commands ------------------------------------------------------------------------------


def to_json(message: Message) -> str:
    return json_format.MessageToJson(message, indent=2)


def client_parser(sub: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    p.add_argument(
        "--server",
        default=env_default("CLAUDE_POOL_SERVER", DEFAULT_SERVER),
        help="HOST:PORT (env CLAUDE_POOL_SERVER, default 127.0.0.1:50051)",
    )
    p.add_argument("--token", default=env_default("CLAUDE_POOL_TOKEN"), help="bearer token")
    p.add_argument("--json", action="store_true", help="print proto JSON")
    return p


def add_task_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("prompt", help="the prompt ('-' reads it from stdin)")
    p.add_argument("--model", default=None)
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p.add_argument("--working-dir", default="")
    p.add_argument("--max-budget-usd", type=float, default=None)
    p.add_argument("--timeout", type=float, default=None, help="seconds")
    p.add_argument("--permission-mode", default=None)
    p.add_argument("--slot", default="", help="run on this slot only")
    p.add_argument("--review", action="store_true", help="hold the result for approve/reject")
    p.add_argument("--max-rejections", type=int, default=None, help="with --review (default 3)")


def spec_from(args: argparse.Namespace) -> task_pb2.TaskSpec:
    from claude_pool import task_spec

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    kw: dict[str, Any] = {}
    if args.permission_mode:
        mode = permission_mode(args.permission_mode)
        kw["permission_mode"] = mappers.PERMISSION_MODES[mode]
    spec = task_spec(
        prompt,
        review_required=args.review,
        model=args.model,
        tags=args.tags,
        working_dir=args.working_dir,
        max_budget_usd=args.max_budget_usd,
        timeout=args.timeout,
        slot_id=args.slot,
        **kw,
    )
    if args.max_rejections is not None:
        spec.max_rejections = args.max_rejections
    return spec


def print_task_outcome(task: task_pb2.Task) -> int:
    state = task_pb2.TaskState.Name(task.state).removeprefix("TASK_STATE_").lower()
    if task.state == task_pb2.TASK_STATE_FAILED:
        failure = task.result.failure
        kind = task_pb2.FailureKind.Name(failure.kind).removeprefix("FAILURE_KIND_").lower()
        print(f"task {task.id} failed ({kind}): {failure.message}", file=sys.stderr)
        return 1
    if task.state != task_pb2.TASK_STATE_COMPLETED:
        print(f"task {task.id} is {state}", file=sys.stderr)
        return 0 if task.state == task_pb2.TASK_STATE_PENDING_REVIEW else 1
    return 0


async def run_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    spec = spec_from(args)
    if args.json:
        print(to_json(await pool.run(spec)))
        return 0
    final: task_pb2.Task | None = None
    async for event in pool.stream(spec):
        if event.HasField("text_delta"):
            sys.stdout.write(event.text_delta.text)
            sys.stdout.flush()
        elif event.HasField("finished"):
            final = event.finished.task
    sys.stdout.write("\n")
    return print_task_outcome(final) if final is not None else 1


async def submit_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    task = await pool.submit(spec_from(args))
    print(to_json(task) if args.json else task.id)
    return 0


async def result_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    task = (
        await pool.wait(args.task_id, args.timeout) if args.wait else await pool.get(args.task_id)
    )
    if args.json:
        print(to_json(task))
        return 0
    if task.HasField("result"):
        print(task.result.output)
    return print_task_outcome(task)


async def watch_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    final: task_pb2.Task | None = None
    async for event in pool.watch(args.task_id, args.after_seq):
        if args.json:
            print(json_format.MessageToJson(event, indent=None))
        elif event.HasField("text_delta"):
            sys.stdout.write(event.text_delta.text)
            sys.stdout.flush()
        if event.HasField("finished"):
            final = event.finished.task
    if args.json:
        return 0
    sys.stdout.write("\n")
    return print_task_outcome(final) if final is not None else 1


async def cancel_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    task = await pool.cancel(args.task_id)
    print(to_json(task) if args.json else f"cancelled {task.id}")
    return 0


async def fan_out_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    """Print each result as it finishes (`[i] output`); exit 1 if any item did not complete."""
    specs = []
    for prompt in [args.prompt, *args.prompts]:
        args.prompt = prompt
        specs.append(spec_from(args))
    ok = True
    async for item in pool.fan_out_stream(specs):
        if args.json:
            print(json_format.MessageToJson(item, indent=None))
        elif item.HasField("task"):
            state = task_pb2.TaskState.Name(item.task.state).removeprefix("TASK_STATE_").lower()
            text = item.task.result.output.strip()
            if item.task.state != task_pb2.TASK_STATE_COMPLETED:
                text = f"({state}) {item.task.result.failure.message or text}"
            print(f"[{item.index}] {text}")
        else:
            print(f"[{item.index}] (not submitted) {item.error_message}")
        ok = ok and item.HasField("task") and item.task.state == task_pb2.TASK_STATE_COMPLETED
    return 0 if ok else 1


def load_chain_file(path: str) -> dict[str, Any]:
    """A chain file is JSON or YAML: a list of steps, or {steps: [...], isolation, tags,
    working_dir}. A step is {name, prompt, retries, recovery_prompt, output_vars, model, ...}."""
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)  # YAML is a superset of JSON
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read chain file {path}: {exc}") from exc
    if isinstance(data, list):
        data = {"steps": data}
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise ConfigError(f"chain file {path} must hold a list of steps or a 'steps' list")
    return data


async def chain_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    from claude_pool.client import chain_step

    data = load_chain_file(args.file)
    try:
        steps = [chain_step(**step) for step in data["steps"]]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad step in {args.file}: {exc}") from exc
    chain = await pool.submit_chain(
        steps,
        isolation=args.isolation or data.get("isolation", "none"),
        tags=args.tags or data.get("tags"),
        working_dir=args.working_dir or data.get("working_dir", ""),
    )
    if args.detach:
        print(to_json(chain) if args.json else chain.chain_id)
        return 0
    print(f"chain {chain.chain_id}: {chain.total_steps} steps", file=sys.stderr)
    final = chain
    step, shown, finished = -1, 0, 0
    async for progress in pool.watch_chain(chain.chain_id):
        final = progress
        if args.json:
            print(json_format.MessageToJson(progress, indent=None))
            continue
        for result in progress.completed_steps[finished:]:
            mark = "ok" if result.success else "FAILED"
            cost = result.cost_micros / 1e6
            print(f"\n[{result.name}] {mark} (cost {cost:.6f} USD)", file=sys.stderr)
        finished = len(progress.completed_steps)
        if progress.HasField("current_step") and progress.current_step != step:
            step, shown = progress.current_step, 0
            name = progress.current_step_name
            print(f"[{step + 1}/{progress.total_steps}] {name}", file=sys.stderr)
        partial = progress.current_step_partial_output
        if len(partial) > shown:
            sys.stderr.write(partial[shown:])
            sys.stderr.flush()
            shown = len(partial)
    if args.json:
        return 0 if final.status == chain_pb2.CHAIN_STATUS_COMPLETED else 1
    status = chain_pb2.ChainStatus.Name(final.status).removeprefix("CHAIN_STATUS_").lower()
    print(final.result.final_output)
    cost = final.result.total_cost_micros / 1e6
    print(f"chain {final.chain_id} {status} (cost {cost:.6f} USD)", file=sys.stderr)
    return 0 if final.status == chain_pb2.CHAIN_STATUS_COMPLETED else 1


async def chain_cancel_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    chain = await pool.cancel_chain(args.chain_id)
    print(to_json(chain) if args.json else f"cancelled {chain.chain_id}")
    return 0


async def scale_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    total = await pool.set_target_slots(args.target)
    print(json.dumps({"total_slots": total}) if args.json else f"{total} slots")
    return 0


async def metrics_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    result = await pool.session_metrics(tags=args.tags, model=args.model or "")
    if args.json:
        print(to_json(result))
        return 0
    print(
        f"tasks: {result.total_tasks} ({result.completed_tasks} completed, "
        f"{result.failed_tasks} failed, {result.cancelled_tasks} cancelled, "
        f"{result.running_tasks} running, {result.pending_tasks} pending)\n"
        f"spend: {result.total_spend_micros / 1e6:.6f} USD "
        f"(avg {result.avg_cost_micros / 1e6:.6f}, max {result.max_cost_micros / 1e6:.6f})\n"
        f"elapsed: avg {result.avg_elapsed.ToNanoseconds() / 1e9:.2f}s, "
        f"median {result.median_elapsed.ToNanoseconds() / 1e9:.2f}s; "
        f"avg turns {result.avg_turns:.1f}"
    )
    for model in result.models:
        print(f"  {model.model}: {model.tasks} tasks, {model.spend_micros / 1e6:.6f} USD")
    return 0


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
    note = " (routing failed; ran as one task)" if result.fell_back else ""
    print(describe_route(result.route).splitlines()[0].split(":")[0] + note, file=sys.stderr)
    print(result.output)
    print(f"cost {result.cost_micros / 1e6:.6f} USD", file=sys.stderr)
    return 0


async def review_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    if args.command == "approve":
        task = await pool.approve(args.task_id)
    else:
        task = await pool.reject(args.task_id, args.feedback)
    state = task_pb2.TaskState.Name(task.state).removeprefix("TASK_STATE_").lower()
    print(to_json(task) if args.json else f"{task.id} {state}")
    return 0


async def message_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    if args.action == "send":
        sent = [await pool.send_message(args.to_slot, args.content, from_slot_id=args.sender)]
    elif args.action == "broadcast":
        sent = await pool.broadcast_message(args.content, from_slot_id=args.sender)
    elif args.action == "count":
        count = await pool.count_messages(args.slot_id)
        print(json.dumps({"count": count}) if args.json else count)
        return 0
    else:
        read = pool.read_messages if args.action == "read" else pool.peek_messages
        for message in await read(args.slot_id):
            print(to_json(message) if args.json else f"{message.from_slot_id}: {message.content}")
        return 0
    for message in sent:
        print(to_json(message) if args.json else f"{message.id} -> {message.to_slot_id}")
    return 0


async def status_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    status = await pool.status()
    if args.json:
        print(to_json(status))
        return 0
    budget = (
        f"{status.budget_micros / 1e6:.4f} USD" if status.HasField("budget_micros") else "no cap"
    )
    print(
        f"slots: {status.total_slots} ({status.idle_slots} idle, {status.busy_slots} busy, "
        f"{status.errored_slots} errored)\n"
        f"tasks: {status.pending_tasks} pending, {status.running_tasks} running, "
        f"{status.pending_review_tasks} in review, {status.completed_tasks} completed, "
        f"{status.failed_tasks} failed\n"
        f"spent: {status.spent_micros / 1e6:.6f} USD, reserved {status.reserved_micros / 1e6:.6f}"
        f" USD, budget {budget}{' (draining)' if status.draining else ''}"
    )
    return 0


async def context_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    if args.action == "set":
        entry = await pool.set_context(args.key, args.value)
        print(to_json(entry) if args.json else f"set {entry.key}")
    elif args.action == "get":
        value = await pool.get_context(args.key)
        print(json.dumps({"key": args.key, "value": value}) if args.json else value)
    elif args.action == "delete":
        deleted = await pool.delete_context(args.key)
        print(
            json.dumps({"deleted": deleted}) if args.json else ("deleted" if deleted else "absent")
        )
    else:
        entries = await pool.list_context()
        if args.json:
            print(json.dumps(entries, indent=2))
        else:
            for key, value in entries.items():
                print(f"{key}\t{value}")
    return 0


def add_client_commands(sub: Any) -> None:
    p = client_parser(sub, "run", "run a prompt and stream its output")
    add_task_options(p)
    p.set_defaults(client=run_cmd)

    p = client_parser(sub, "submit", "queue a prompt and print its task id")
    add_task_options(p)
    p.set_defaults(client=submit_cmd)

    p = client_parser(sub, "result", "show a task's result")
    p.add_argument("task_id")
    p.add_argument("--wait", action="store_true", help="wait until it finishes")
    p.add_argument("--timeout", type=float, default=600.0)
    p.set_defaults(client=result_cmd)

    p = client_parser(sub, "watch", "stream a task's output")
    p.add_argument("task_id")
    p.add_argument("--after-seq", type=int, default=0)
    p.set_defaults(client=watch_cmd)

    p = client_parser(sub, "cancel", "cancel a task")
    p.add_argument("task_id")
    p.set_defaults(client=cancel_cmd)

    p = client_parser(sub, "fan-out", "run prompts in parallel; print each result as it finishes")
    add_task_options(p)
    p.add_argument("prompts", nargs="*", help="more prompts")
    p.set_defaults(client=fan_out_cmd)

    p = client_parser(sub, "chain", "run a chain of steps from a JSON/YAML file, showing progress")
    p.add_argument("file", help="the chain file (a list of steps, or {steps: [...], ...})")
    p.add_argument("--isolation", choices=["none", "worktree", "clone"], default=None)
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p.add_argument("--working-dir", default="")
    p.add_argument("--detach", action="store_true", help="print the chain id and return")
    p.set_defaults(client=chain_cmd)

    p = client_parser(sub, "chain-cancel", "cancel a chain")
    p.add_argument("chain_id")
    p.set_defaults(client=chain_cancel_cmd)

    p = client_parser(sub, "scale", "set the number of slots (within min/max)")
    p.add_argument("target", type=int)
    p.set_defaults(client=scale_cmd)

    p = client_parser(sub, "metrics", "aggregate task outcomes, spend and timings")
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p.add_argument("--model", default=None)
    p.set_defaults(client=metrics_cmd)

    for name, help_text in (
        ("route", "ask the router how it would split a prompt (runs nothing)"),
        ("auto", "route a prompt and run the route"),
    ):
        p = client_parser(sub, name, help_text)
        p.add_argument("prompt", help="the prompt ('-' reads it from stdin)")
        p.add_argument("--max-parallel", type=int, default=None)
        p.add_argument("--max-chain-steps", type=int, default=None)
        p.add_argument("--prefer", choices=["single", "parallel", "chain"], default=None)
        p.add_argument("--domain", default=None)
        p.add_argument("--hint", action="append", default=[], help="a decomposition boundary")
        p.add_argument("--custom-prompt", default=None, help="replace the routing prompt")
        p.set_defaults(client=route_cmd)

    p = client_parser(sub, "approve", "approve a task waiting for review")
    p.add_argument("task_id")
    p.set_defaults(client=review_cmd)

    p = client_parser(sub, "reject", "reject a task waiting for review; it runs again")
    p.add_argument("task_id")
    p.add_argument("feedback", help="what to fix (appended to the original prompt)")
    p.set_defaults(client=review_cmd)

    p = client_parser(sub, "status", "show the pool's status")
    p.set_defaults(client=status_cmd)

    message = sub.add_parser("message", help="slot-to-slot messages").add_subparsers(
        dest="action", required=True
    )
    for action, help_text, positionals in (
        ("send", "send a message to a slot", ("to_slot", "content")),
        ("broadcast", "send a message to every other slot", ("content",)),
        ("read", "print and remove a slot's unread messages", ("slot_id",)),
        ("peek", "print a slot's unread messages", ("slot_id",)),
        ("count", "count a slot's unread messages", ("slot_id",)),
    ):
        p = client_parser(message, action, help_text)
        for name in positionals:
            p.add_argument(name)
        p.add_argument("--from", dest="sender", default="cli", help="sender slot id or label")
        p.set_defaults(client=message_cmd)

    context = sub.add_parser("context", help="manage shared context").add_subparsers(
        dest="action", required=True
    )
    context_actions: tuple[tuple[str, str, tuple[str, ...]], ...] = (
        ("set", "set a key", ("key", "value")),
        ("get", "print a key's value", ("key",)),
        ("delete", "delete a key", ("key",)),
        ("list", "list every key", ()),
    )
    for context_action, context_help, arguments in context_actions:
        p = client_parser(context, context_action, context_help)
        for name in arguments:
            p.add_argument(name)
        p.set_defaults(client=context_cmd)


def run_client(
    args: argparse.Namespace, command: Callable[[argparse.Namespace, PoolClient], Awaitable[int]]
) -> int:
    async def go() -> int:
        async with PoolClient(args.server, token=args.token) as pool:
            return await command(args, pool)

    try:
        return asyncio.run(go())
    except PoolError as exc:
        if exc.code.name == "UNAVAILABLE":
            print(
                f"claude-pool: cannot reach server at {args.server}: {exc.message}", file=sys.stderr
            )
        else:
            print(f"claude-pool: {exc.code.name}: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="claude-pool", description=__doc__)
    parser.add_argument("--version", action="version", version=f"claude-pool {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve(sub)
    add_migrate(sub)
    add_client_commands(sub)
    add_mcp_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if hasattr(args, "client"):
            return run_client(args, args.client)
        result: int = args.func(args)
        return result
    except ConfigError as exc:
        print(f"claude-pool: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
