"""Chain commands: `chain FILE` (submit a chain, then follow it), `chain watch ID` (follow one,
e.g. started with --detach), `chain status ID` (show it once) and `chain-cancel ID`.

Following shows each step's state, elapsed time and cost, and its retries as they happen.
ChainProgress carries no attempt count for the running step, so a follower also lists the
chain's tasks every half second: every attempt of a step is a task of the chain, created after
the step started.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from typing import Any

from claude_pool import PoolClient, PoolError, chain_step
from claude_pool.v1 import chain_pb2, task_pb2
from claude_pool_server.cli.client_options import client_parser
from claude_pool_server.cli.output import (
    chain_status,
    first_line,
    note,
    to_json,
    to_json_line,
    usd,
    when,
)
from claude_pool_server.cli.progress import Board, Row
from claude_pool_server.cli.tasks import INTERRUPTED
from claude_pool_server.config_error import ConfigError

ATTEMPT_POLL_SECONDS = 0.5
USAGE = "chain FILE | chain watch CHAIN_ID | chain status CHAIN_ID"
TERMINAL = (
    chain_pb2.CHAIN_STATUS_COMPLETED,
    chain_pb2.CHAIN_STATUS_FAILED,
    chain_pb2.CHAIN_STATUS_CANCELLED,
)


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


def step_state(result: chain_pb2.StepResult) -> str:
    return "skipped" if result.skipped else "ok" if result.success else "failed"


def retries(count: int) -> str:
    return f"{count} {'retry' if count == 1 else 'retries'}" if count else ""


class Steps:
    """The board's rows for a chain's steps, brought up to date from progress snapshots and from
    the attempts (tasks) of the running step."""

    def __init__(self, total: int, names: list[str]) -> None:
        self.rows = [
            Row(f"[{i + 1}/{total}]", names[i] if i < len(names) else "", state="pending")
            for i in range(total)
        ]
        self.board: Board | None = None
        self.running: tuple[int, float] | None = None  # (step index, start time)

    def update(self, index: int, **changes: Any) -> None:
        if self.board is not None:
            self.board.update(index, **changes)
        else:
            for name, value in changes.items():
                setattr(self.rows[index], name, value)

    def see(self, progress: chain_pb2.ChainProgress) -> None:
        now = time.time()
        terminal = progress.status in TERMINAL
        results = progress.result.steps if terminal else progress.completed_steps
        for i, result in enumerate(results):
            row = self.rows[i]
            state = step_state(result)
            if progress.status == chain_pb2.CHAIN_STATUS_CANCELLED and state == "failed":
                state = "cancelled"
            if row.state == state:
                continue
            detail = retries(result.retries_used) or ("" if result.success else row.detail)
            if not result.success and not result.skipped:
                detail = "; ".join(d for d in (detail, first_line(result.output, 80)) if d)
            self.update(
                i,
                label=result.name or row.label,
                state=state,
                cost_micros=None if result.skipped else result.cost_micros,
                until=now if row.since is not None else None,
                detail=detail,
            )
        self.running = None
        if progress.HasField("current_step") and not terminal:
            i = progress.current_step
            since = when(progress.current_step_start_time) or now
            self.running = (i, since)
            if self.rows[i].state != "running":
                self.update(
                    i,
                    label=progress.current_step_name or self.rows[i].label,
                    state="running",
                    since=since,
                )

    def attempts(self, tasks: list[task_pb2.Task]) -> None:
        """Show the running step's retries: its attempts are the chain's tasks created since the
        step started."""
        if self.running is None:
            return
        index, since = self.running
        mine = sorted(
            (t for t in tasks if (when(t.create_time) or 0.0) >= since),
            key=lambda t: t.create_time.ToNanoseconds(),
        )
        parts = [f"retry {len(mine) - 1}"] if len(mine) > 1 else []
        failed = [n for n, t in enumerate(mine, 1) if t.state == task_pb2.TASK_STATE_FAILED]
        if failed:
            message = mine[failed[-1] - 1].result.failure.message
            parts.append(f"attempt {failed[-1]} failed: {first_line(message, 80)}")
        if self.rows[index].state == "running":
            self.update(index, detail="; ".join(parts))


async def poll_attempts(pool: PoolClient, chain_id: str, steps: Steps) -> None:
    while True:
        await asyncio.sleep(ATTEMPT_POLL_SECONDS)
        if steps.running is None:
            continue
        try:
            tasks = [t async for t in pool.iter_tasks(chain_id=chain_id, page_size=500)]
        except PoolError:
            continue  # only decoration: the chain's own stream reports real trouble
        steps.attempts(tasks)


def exit_code(progress: chain_pb2.ChainProgress) -> int:
    return 0 if progress.status == chain_pb2.CHAIN_STATUS_COMPLETED else 1


async def follow(
    args: argparse.Namespace,
    pool: PoolClient,
    chain: chain_pb2.ChainProgress,
    names: list[str] | None = None,
) -> int:
    """Follow a chain to its end: progress on stderr, the final output on stdout."""
    final = chain
    snapshots = pool.watch_chain(chain.chain_id)
    if args.json:
        async with contextlib.aclosing(snapshots):
            async for final in snapshots:
                print(to_json_line(final), flush=True)
        return exit_code(final)
    steps = Steps(chain.total_steps, names or [])
    steps.see(chain)
    poller: asyncio.Task[None] | None = None
    try:
        with Board(steps.rows) as board:
            steps.board = board
            poller = asyncio.create_task(poll_attempts(pool, chain.chain_id, steps))
            async with contextlib.aclosing(snapshots):
                async for final in snapshots:
                    steps.see(final)
    except asyncio.CancelledError:  # Ctrl-C: the chain goes on
        note(
            f"claude-pool: interrupted; chain {chain.chain_id} goes on.\n"
            f"  follow it: claude-pool chain watch {chain.chain_id}\n"
            f"  stop it:   claude-pool chain-cancel {chain.chain_id}"
        )
        return INTERRUPTED
    finally:
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
    print(final.result.final_output)
    note(
        f"chain {final.chain_id} {chain_status(final.status)} "
        f"(cost {usd(final.result.total_cost_micros)})"
    )
    return exit_code(final)


async def status(args: argparse.Namespace, pool: PoolClient, chain_id: str) -> int:
    """A chain as it stands: a summary line and a line per step; its output once it is over."""
    progress = await pool.get_chain(chain_id)
    if args.json:
        print(to_json(progress))
        return 0
    steps = Steps(progress.total_steps, [])
    steps.see(progress)
    if progress.status in TERMINAL:
        cost = progress.result.total_cost_micros
    else:
        cost = sum(s.cost_micros for s in progress.completed_steps)
    print(f"chain {progress.chain_id} {chain_status(progress.status)} (cost {usd(cost)})")
    now = time.time()
    for row in steps.rows:
        print(f"  {row.line(now)}")
    if progress.status in TERMINAL:
        print(progress.result.final_output)
    return 0


async def chain_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    target: list[str] = args.target
    if len(target) == 2 and target[0] in ("watch", "status"):
        if target[0] == "status":
            return await status(args, pool, target[1])
        return await follow(args, pool, await pool.get_chain(target[1]))
    if len(target) != 1:
        raise ConfigError(f"usage: claude-pool {USAGE}")
    data = load_chain_file(target[0])
    try:
        steps = [chain_step(**step) for step in data["steps"]]
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"bad step in {target[0]}: {exc}") from exc
    chain = await pool.submit_chain(
        steps,
        isolation=args.isolation or data.get("isolation", "none"),
        tags=args.tags or data.get("tags"),
        working_dir=args.working_dir or data.get("working_dir", ""),
    )
    if args.detach:
        print(to_json(chain) if args.json else chain.chain_id)
        return 0
    if not args.json:
        note(f"chain {chain.chain_id}: {chain.total_steps} steps")
    return await follow(args, pool, chain, [s.name for s in steps])


async def chain_cancel_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    chain = await pool.cancel_chain(args.chain_id)
    print(to_json(chain) if args.json else f"cancelled {chain.chain_id}")
    return 0


def add_chain_commands(sub: Any, connection: argparse.ArgumentParser) -> None:
    p = client_parser(
        sub,
        "chain",
        "run a chain of steps from a JSON/YAML file, showing progress; or follow (watch) or show "
        "(status) a chain by id",
        connection,
    )
    p.add_argument("target", nargs="+", metavar="FILE | watch ID | status ID", help=USAGE)
    p.add_argument("--isolation", choices=["none", "worktree", "clone"], default=None)
    p.add_argument("--tag", action="append", default=[], dest="tags")
    p.add_argument("--working-dir", default="")
    p.add_argument("--detach", action="store_true", help="print the chain id and return")
    p.set_defaults(client=chain_cmd)

    p = client_parser(sub, "chain-cancel", "cancel a chain", connection)
    p.add_argument("chain_id")
    p.set_defaults(client=chain_cancel_cmd)
