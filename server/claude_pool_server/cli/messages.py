"""Slot-to-slot message commands: `message send|broadcast|read|peek|count`. A message is put
before the recipient slot's next prompt."""

from __future__ import annotations

import argparse
import json
from typing import Any

from claude_pool import PoolClient
from claude_pool_server.cli.client_options import client_parser
from claude_pool_server.cli.output import to_json


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


def add_message_commands(sub: Any, connection: argparse.ArgumentParser) -> None:
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
        p = client_parser(message, action, help_text, connection)
        for name in positionals:
            p.add_argument(name)
        p.add_argument("--from", dest="sender", default="cli", help="sender slot id or label")
        p.set_defaults(client=message_cmd)
