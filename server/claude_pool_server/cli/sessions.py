"""Session commands: `sessions list`, `sessions show ID`, `sessions delete ID`. A session is a
conversation a task can continue (`run --continue`) or fork (`run --fork`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from typing import Any

from claude_pool import PoolClient
from claude_pool.v1 import session_pb2
from claude_pool_server.cli.client_options import client_parser
from claude_pool_server.cli.output import age, dollars, fields, table, to_json, to_json_list, usd


async def list_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    limit = None if args.all else args.limit
    found: list[session_pb2.Session] = []
    sessions = pool.iter_sessions(page_size=min(limit, 500) if limit else 500)
    async with contextlib.aclosing(sessions):
        async for session in sessions:
            if limit is not None and len(found) >= limit:
                break
            found.append(session)
    if args.json:
        print(to_json_list(found))
        return 0
    now = time.time()
    table(
        ["ID", "TURNS", "COST (USD)", "USED", "MODEL", "LAST TASK"],
        [
            [
                s.id,
                str(s.turns),
                dollars(s.cost_micros),
                age(s.update_time, now),
                s.model or "-",
                s.last_task_id,
            ]
            for s in found
        ],
    )
    return 0


async def show_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    session = await pool.get_session(args.session_id)
    if args.json:
        print(to_json(session))
        return 0
    fields(
        [
            ("id", session.id),
            ("owner", session.owner),
            ("turns", str(session.turns)),
            ("cost", usd(session.cost_micros)),
            ("model", session.model or "-"),
            ("created", f"{age(session.create_time)} ago"),
            ("last used", f"{age(session.update_time)} ago"),
            ("first task", session.first_task_id),
            ("last task", session.last_task_id),
            ("forked from", session.forked_from or "-"),
            ("transcript", f"{session.transcript_bytes} bytes"),
            ("slot", session.slot_id or "-"),
        ]
    )
    return 0


async def delete_cmd(args: argparse.Namespace, pool: PoolClient) -> int:
    await pool.delete_session(args.session_id)
    print(json.dumps({"deleted": args.session_id}) if args.json else f"deleted {args.session_id}")
    return 0


def add_session_commands(sub: Any, connection: argparse.ArgumentParser) -> None:
    sessions = sub.add_parser(
        "sessions", help="list, show or delete your conversations (sessions)"
    ).add_subparsers(dest="action", required=True)
    p = client_parser(sessions, "list", "your sessions, most recently used first", connection)
    p.add_argument("--limit", type=int, default=20, help="show this many (default 20)")
    p.add_argument("--all", action="store_true", help="show every session")
    p.set_defaults(client=list_cmd)
    p = client_parser(sessions, "show", "one session", connection)
    p.add_argument("session_id")
    p.set_defaults(client=show_cmd)
    p = client_parser(sessions, "delete", "delete a session and its transcript", connection)
    p.add_argument("session_id")
    p.set_defaults(client=delete_cmd)
