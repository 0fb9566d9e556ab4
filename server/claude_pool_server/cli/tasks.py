"""Task commands: run, submit, result, watch, cancel, delete, list, approve, reject, fan-out."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import time
from typing import Any

from claude_pool import PoolClient, task_spec
from claude_pool.errors import FailedPreconditionError
from claude_pool.v1 import task_pb2
from claude_pool_server.cli.client_options import client_parser
from claude_pool_server.cli.output import (
    age,
    dollars,
    first_line,
    note,
    seconds,
    table,
    task_outcome,
    task_state,
    to_json,
    to_json_line,
    to_json_list,
)
from claude_pool_server.cli.progress import Board, Row
from claude_pool_server.config_error import ConfigError
from claude_pool_server.domain.tasks import PermissionMode

INTERRUPTED = 130  # what a shell reports for a command stopped by Ctrl-C (128 + SIGINT)
QUEUED_NOTICE_SECONDS = 1.0  # `run` says a task is queued only when it waits this long
STATES = [
    task_state(s) for s in task_pb2.TaskState.values() if s != task_pb2.TASK_STATE_UNSPECIFIED
]


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
    session = p.add_mutually_exclusive_group()
    session.add_argument(
        "--continue",
        dest="continue_from",
        default="",
        metavar="TASK_OR_SESSION",
        help="continue that conversation (a session id, or a task that ran in one)",
    )
    session.add_argument(
        "--fork",
        dest="fork_from",
        default="",
        metavar="TASK_OR_SESSION",
        help="start a new conversation as a copy of that one",
    )


def permission_mode(text: str) -> task_pb2.PermissionMode.ValueType:
    """A permission mode as the CLI spells it (`acceptEdits`), as the contract's enum value."""
    try:
        mode = PermissionMode(text)
    except ValueError:
        allowed = ", ".join(m.value for m in PermissionMode)
        raise ConfigError(f"unknown permission mode {text!r} (use one of {allowed})") from None
    return task_pb2.PermissionMode.Value(f"PERMISSION_MODE_{mode.name}")


def spec_from(args: argparse.Namespace, prompt: str | None = None) -> task_pb2.TaskSpec:
    text = prompt if prompt is not None else args.prompt
    if text == "-":
        text = sys.stdin.read()
    kw: dict[str, Any] = {}
    if args.permission_mode:
        kw["permission_mode"] = permission_mode(args.permission_mode)
    return task_spec(
        text,
        review_required=args.review,
        model=args.model,
        tags=args.tags,
        working_dir=args.working_dir,
        max_budget_usd=args.max_budget_usd,
        timeout=args.timeout,
        slot_id=args.slot,
        continue_from=args.continue_from,
        fork_from=args.fork_from,
        max_rejections=args.max_rejections,
        **kw,
    )


# run / watch ------------------------------------------------------------------------------------


class Announcer:
    """Says on stderr, in one line, which task `run` started and where: `task ID running on
    SLOT` once it runs, or `task ID queued` if it waits for a slot longer than a second."""

    def __init__(self) -> None:
        self.task_id = ""
        self.said_running = False
        self._queued: asyncio.TimerHandle | None = None

    def see(self, event: task_pb2.TaskEvent) -> None:
        first = not self.task_id
        self.task_id = event.task_id
        change = event.state_change if event.HasField("state_change") else None
        if self.said_running:
            return
        if change is not None and change.state == task_pb2.TASK_STATE_RUNNING:
            self.cancel()
            self.said_running = True
            note(f"task {self.task_id} running on {change.slot_id or 'a slot'}")
        elif first:
            loop = asyncio.get_running_loop()
            self._queued = loop.call_later(QUEUED_NOTICE_SECONDS, self._say_queued)

    def _say_queued(self) -> None:
        self._queued = None
        note(f"task {self.task_id} queued, waiting for a slot")

    def cancel(self) -> None:
        if self._queued is not None:
            self._queued.cancel()
            self._queued = None


async def interrupted(args: argparse.Namespace, pool: PoolClient, task_id: str) -> int:
    """Ctrl-C: the task goes on (say how to follow it), or with --cancel-on-interrupt stop it."""
    sys.stdout.write("\n")
    if not task_id:
        note("claude-pool: interrupted before the server named the task")
        return INTERRUPTED
    if args.cancel_on_interrupt:
        try:
            task = await pool.cancel(task_id)
        except FailedPreconditionError:  # the server saw the stream close and cancelled it
            task = await pool.get(task_id)
        note(f"claude-pool: interrupted; task {task.id} is {task_state(task.state)}")
    else:
        note(
            f"claude-pool: interrupted; task {task_id} goes on in the pool.\n"
            f"  follow it: claude-pool watch {task_id}\n"
            f"  stop it:   claude-pool cancel {task_id}"
        )
    return INTERRUPTED


async def run_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    spec = spec_from(args)
    if args.json:
        print(to_json(await pool.run(spec)))
        return 0
    announcer = Announcer()
    final: task_pb2.Task | None = None
    events = pool.stream(spec, cancel_on_disconnect=args.cancel_on_interrupt)
    try:
        async with contextlib.aclosing(events):
            async for event in events:
                announcer.see(event)
                if event.HasField("text_delta"):
                    sys.stdout.write(event.text_delta.text)
                    sys.stdout.flush()
                elif event.HasField("finished"):
                    final = event.finished.task
    except asyncio.CancelledError:  # Ctrl-C: asyncio.run cancels the command
        announcer.cancel()
        return await interrupted(args, pool, announcer.task_id)
    finally:
        announcer.cancel()
    sys.stdout.write("\n")
    return task_outcome(final) if final is not None else 1


async def watch_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    final: task_pb2.Task | None = None
    events = pool.watch(args.task_id, args.after_seq)
    try:
        async with contextlib.aclosing(events):
            async for event in events:
                if args.json:
                    print(to_json_line(event), flush=True)
                elif event.HasField("text_delta"):
                    sys.stdout.write(event.text_delta.text)
                    sys.stdout.flush()
                if event.HasField("finished"):
                    final = event.finished.task
    except asyncio.CancelledError:
        note(f"\nclaude-pool: stopped watching; task {args.task_id} goes on")
        return INTERRUPTED
    if args.json:
        return 0
    sys.stdout.write("\n")
    return task_outcome(final) if final is not None else 1


# one task ---------------------------------------------------------------------------------------


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
    return task_outcome(task)


async def cancel_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    task = await pool.cancel(args.task_id)
    print(to_json(task) if args.json else f"cancelled {task.id}")
    return 0


async def delete_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    await pool.delete_task(args.task_id)
    print(json.dumps({"deleted": args.task_id}) if args.json else f"deleted {args.task_id}")
    return 0


async def review_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    if args.command == "approve":
        task = await pool.approve(args.task_id)
    else:
        task = await pool.reject(args.task_id, args.feedback)
    print(to_json(task) if args.json else f"{task.id} {task_state(task.state)}")
    return 0


# many tasks -------------------------------------------------------------------------------------


async def list_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    """The newest tasks first: `--limit` of them, or every one with `--all` (page by page)."""
    limit = None if args.all else args.limit
    page_size = args.page_size or (min(limit, 500) if limit else 500)
    state = task_pb2.TASK_STATE_UNSPECIFIED
    if args.state:
        state = task_pb2.TaskState.Value(f"TASK_STATE_{args.state.upper()}")
    found: list[task_pb2.Task] = []
    tasks = pool.iter_tasks(
        state=state,
        slot_id=args.slot,
        tags=args.tags,
        chain_id=args.chain,
        session_id=args.session,
        page_size=page_size,
    )
    async with contextlib.aclosing(tasks):
        async for task in tasks:
            if limit is not None and len(found) >= limit:
                break
            found.append(task)
    if args.json:
        print(to_json_list(found))
        return 0
    now = time.time()
    table(
        ["ID", "STATE", "AGE", "COST (USD)", "PROMPT"],
        [
            [
                t.id,
                task_state(t.state),
                age(t.create_time, now),
                dollars(t.result.cost_micros) if t.HasField("result") else "-",
                first_line(t.prompt or t.spec.prompt),
            ]
            for t in found
        ],
    )
    return 0


async def fan_out_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    """Print each result as it finishes (`[i] output`, stdout); progress on stderr from the start
    (every item queued at once); exit 1 if any item did not complete."""
    prompts = [args.prompt, *args.prompts]
    specs = [spec_from(args, prompt) for prompt in prompts]
    ok = True
    items = pool.fan_out_stream(specs)
    if args.json:
        async with contextlib.aclosing(items):
            async for item in items:
                print(to_json_line(item), flush=True)
                ok = ok and item.task.state == task_pb2.TASK_STATE_COMPLETED
        return 0 if ok else 1
    rows = [Row(f"[{i}]", first_line(p, 40)) for i, p in enumerate(prompts)]
    with Board(rows) as board:
        async with contextlib.aclosing(items):
            async for item in items:
                if item.HasField("task"):
                    task = item.task
                    text = task.result.output.strip()
                    if task.state != task_pb2.TASK_STATE_COMPLETED:
                        text = f"({task_state(task.state)}) {task.result.failure.message or text}"
                    board.update(
                        item.index,
                        state=task_state(task.state),
                        elapsed=seconds(task.result.elapsed) if task.HasField("result") else None,
                        cost_micros=task.result.cost_micros,
                        detail=task.id,
                    )
                else:
                    text = f"(not submitted) {item.error_message}"
                    board.update(item.index, state="not submitted")
                print(f"[{item.index}] {text}", flush=True)
                ok = ok and item.task.state == task_pb2.TASK_STATE_COMPLETED
    return 0 if ok else 1


def add_task_commands(sub: Any, connection: argparse.ArgumentParser) -> None:
    p = client_parser(sub, "run", "run a prompt and stream its output", connection)
    add_task_options(p)
    p.add_argument(
        "--cancel-on-interrupt",
        action="store_true",
        help="on Ctrl-C cancel the task (default: it goes on, and watch follows it)",
    )
    p.set_defaults(client=run_cmd)

    p = client_parser(sub, "submit", "queue a prompt and print its task id", connection)
    add_task_options(p)
    p.set_defaults(client=submit_cmd)

    p = client_parser(sub, "result", "show a task's result", connection)
    p.add_argument("task_id")
    p.add_argument("--wait", action="store_true", help="wait until it finishes")
    p.add_argument("--timeout", type=float, default=600.0)
    p.set_defaults(client=result_cmd)

    p = client_parser(sub, "watch", "stream a task's output", connection)
    p.add_argument("task_id")
    p.add_argument("--after-seq", type=int, default=0)
    p.set_defaults(client=watch_cmd)

    p = client_parser(sub, "cancel", "cancel a task", connection)
    p.add_argument("task_id")
    p.set_defaults(client=cancel_cmd)

    p = client_parser(sub, "delete", "delete a finished task and its output for good", connection)
    p.add_argument("task_id")
    p.set_defaults(client=delete_cmd)

    p = client_parser(sub, "list", "list tasks, newest first", connection)
    p.add_argument("--state", choices=STATES, default=None)
    p.add_argument("--tag", action="append", default=[], dest="tags", help="any of these tags")
    p.add_argument("--session", default="", help="tasks of this session")
    p.add_argument("--chain", default="", help="steps of this chain")
    p.add_argument("--slot", default="", help="tasks on this slot")
    p.add_argument("--limit", type=int, default=20, help="show this many (default 20)")
    p.add_argument("--all", action="store_true", help="show every matching task")
    p.add_argument("--page-size", type=int, default=0, help="tasks per request (max 500)")
    p.set_defaults(client=list_cmd)

    p = client_parser(
        sub, "fan-out", "run prompts in parallel; print each result as it finishes", connection
    )
    add_task_options(p)
    p.add_argument("prompts", nargs="*", help="more prompts")
    p.set_defaults(client=fan_out_cmd)

    p = client_parser(sub, "approve", "approve a task waiting for review", connection)
    p.add_argument("task_id")
    p.set_defaults(client=review_cmd)

    p = client_parser(sub, "reject", "reject a task waiting for review; it runs again", connection)
    p.add_argument("task_id")
    p.add_argument("feedback", help="what to fix (appended to the original prompt)")
    p.set_defaults(client=review_cmd)
