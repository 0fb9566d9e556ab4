"""`claude-pool mcp`: serve the pool's tools to an MCP client, on stdio (default) or HTTP.

`claude mcp add claude-pool -- claude-pool mcp --server HOST:PORT` adds it to Claude Code;
`claude-pool mcp --transport http --port 8765` serves http://127.0.0.1:8765/mcp (docs/mcp.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from claude_pool_server.cli.client_options import connection_flags, connection_from, env_default

DEFAULT_HTTP_PORT = 8765


def add_mcp_command(sub: Any) -> None:
    """Add the `mcp` subcommand to the `claude-pool` parser's subparsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "mcp",
        parents=[connection_flags()],
        help="serve the pool's tools to an MCP client (a Claude Code session), on stdio or HTTP",
        description="An MCP server that drives a claude-pool server over gRPC: one tool per pool "
        "operation (run, submit, result, fan_out, chain, ...), progress notifications while "
        "work runs, resources pool://status and pool://tasks/{task_id}/output.",
    )
    p.add_argument(
        "--transport",
        choices=["stdio", "http"],
        default="stdio",
        help="stdio (default: the client starts this command) or streamable HTTP",
    )
    p.add_argument("--host", default="127.0.0.1", help="HTTP: address to listen on (127.0.0.1)")
    p.add_argument(
        "--port", type=int, default=DEFAULT_HTTP_PORT, help=f"HTTP: port ({DEFAULT_HTTP_PORT})"
    )
    p.add_argument(
        "--http-token",
        default=env_default("CLAUDE_POOL_MCP_HTTP_TOKEN"),
        help="HTTP: require 'Authorization: Bearer <this>' from MCP clients "
        "(env CLAUDE_POOL_MCP_HTTP_TOKEN)",
    )
    p.set_defaults(func=cmd_mcp)


async def serve(args: argparse.Namespace) -> None:
    from claude_pool_server.mcp_bridge.server import build_server, serve_http, serve_stdio

    async with connection_from(args).client() as pool:
        server = build_server(pool)
        if args.transport == "http":
            if not args.http_token and args.host not in ("127.0.0.1", "localhost", "::1"):
                print(
                    f"claude-pool mcp: warning: listening on {args.host} without --http-token: "
                    "anyone who reaches the port can use the pool",
                    file=sys.stderr,
                )
            print(
                f"claude-pool mcp: streamable HTTP on http://{args.host}:{args.port}/mcp "
                f"for the pool at {args.server}",
                file=sys.stderr,
            )
            await serve_http(server, args.host, args.port, token=args.http_token)
        else:
            await serve_stdio(server)


def cmd_mcp(args: argparse.Namespace) -> int:
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        return 130
    return 0
