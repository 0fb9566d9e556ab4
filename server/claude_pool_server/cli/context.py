"""Shared-context commands: `context set KEY VALUE`, `get KEY`, `delete KEY`, `list`. Every
entry is put into every task's system prompt."""

from __future__ import annotations

import argparse
import json
from typing import Any

from claude_pool import PoolClient
from claude_pool_server.cli.client_options import client_parser
from claude_pool_server.cli.output import to_json


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


def add_context_commands(sub: Any, connection: argparse.ArgumentParser) -> None:
    context = sub.add_parser("context", help="manage shared context").add_subparsers(
        dest="action", required=True
    )
    actions: tuple[tuple[str, str, tuple[str, ...]], ...] = (
        ("set", "set a key", ("key", "value")),
        ("get", "print a key's value", ("key",)),
        ("delete", "delete a key", ("key",)),
        ("list", "list every key", ()),
    )
    for action, help_text, arguments in actions:
        p = client_parser(context, action, help_text, connection)
        for name in arguments:
            p.add_argument(name)
        p.set_defaults(client=context_cmd)
