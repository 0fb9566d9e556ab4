"""The `claude-pool` command: `serve` runs the server; the other commands are gRPC clients."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from claude_pool import PoolClient, PoolError
from claude_pool.v1 import task_pb2
from google.protobuf import json_format
from google.protobuf.message import Message

from claude_pool_server import __version__
from claude_pool_server.api import mappers
from claude_pool_server.config import (
    ConfigError,
    ServerConfig,
    default_state_dir,
    env_default,
    load_tokens,
    permission_mode,
    slot_configs_from_file,
)
from claude_pool_server.domain.budget import usd_to_micros
from claude_pool_server.domain.tasks import Effort, PermissionMode
from claude_pool_server.engine.settings import PoolSettings

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
    p.add_argument("--store", choices=["memory"], default="memory")
    p.add_argument("--tokens-file", default=env_default("CLAUDE_POOL_TOKENS_FILE"))
    p.add_argument("--insecure-no-auth", action="store_true")
    p.add_argument(
        "--work-root",
        action="append",
        default=[],
        help="directory tasks may run in (repeatable; default: the current directory)",
    )
    p.add_argument("--state-dir", default=env_default("CLAUDE_POOL_STATE_DIR"))
    p.add_argument("--config", default=env_default("CLAUDE_POOL_CONFIG"), help="YAML config file")
    p.add_argument("--task-timeout", type=float, default=1800.0, help="seconds (default 1800)")
    p.add_argument("--idle-timeout", type=float, default=600.0, help="seconds without CLI output")
    p.add_argument("--grace", type=float, default=30.0, help="shutdown grace period in seconds")
    p.add_argument("--max-concurrent-spawns", type=int, default=4)
    p.add_argument("--log-level", default=env_default("CLAUDE_POOL_LOG_LEVEL", "INFO"))
    p.set_defaults(func=cmd_serve)


def server_config(args: argparse.Namespace) -> ServerConfig:
    if args.slots < 0:
        raise ConfigError("--slots must not be negative")
    denied = frozenset() if args.allow_bypass_permissions else {PermissionMode.BYPASS_PERMISSIONS}
    state_dir = args.state_dir or default_state_dir()
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
        slot_configs=slot_configs_from_file(args.config),
        budget_micros=usd_to_micros(args.budget_usd) if args.budget_usd is not None else None,
        default_task_reservation_micros=usd_to_micros(args.task_reservation_usd),
        task_timeout_seconds=args.task_timeout,
        idle_output_timeout_seconds=args.idle_timeout,
        work_roots=tuple(args.work_root) or (os.getcwd(),),
        default_working_dir=(args.work_root or [os.getcwd()])[0],
        denied_permission_modes=frozenset(denied),
        state_dir=state_dir,
        max_concurrent_spawns=args.max_concurrent_spawns,
    )
    return ServerConfig(
        host=args.host,
        port=args.port,
        tokens=load_tokens(args.tokens_file, env_default("CLAUDE_POOL_TOKENS")),
        insecure_no_auth=args.insecure_no_auth,
        store=args.store,
        claude_path=args.claude_path,
        bare=args.bare,
        grace_seconds=args.grace,
        pool=pool,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from claude_pool_server.server import serve

    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
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


def spec_from(args: argparse.Namespace) -> task_pb2.TaskSpec:
    from claude_pool import task_spec

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    kw: dict[str, Any] = {}
    if args.permission_mode:
        mode = permission_mode(args.permission_mode)
        kw["permission_mode"] = mappers.PERMISSION_MODES[mode]
    return task_spec(
        prompt,
        model=args.model,
        tags=args.tags,
        working_dir=args.working_dir,
        max_budget_usd=args.max_budget_usd,
        timeout=args.timeout,
        slot_id=args.slot,
        **kw,
    )


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
    task = await pool.wait(args.task_id, args.timeout) if args.wait else await pool.get(args.task_id)
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
        print(json.dumps({"deleted": deleted}) if args.json else ("deleted" if deleted else "absent"))
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

    p = client_parser(sub, "status", "show the pool's status")
    p.set_defaults(client=status_cmd)

    context = sub.add_parser("context", help="manage shared context").add_subparsers(
        dest="action", required=True
    )
    for action, help_text, positionals in (
        ("set", "set a key", ("key", "value")),
        ("get", "print a key's value", ("key",)),
        ("delete", "delete a key", ("key",)),
        ("list", "list every key", ()),
    ):
        p = client_parser(context, action, help_text)
        for name in positionals:
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
            print(f"claude-pool: cannot reach server at {args.server}: {exc.message}", file=sys.stderr)
        else:
            print(f"claude-pool: {exc.code.name}: {exc.message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="claude-pool", description=__doc__)
    parser.add_argument("--version", action="version", version=f"claude-pool {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_serve(sub)
    add_client_commands(sub)
    args = parser.parse_args(argv)
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
