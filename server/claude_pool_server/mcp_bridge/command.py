"""`claude-pool mcp`: serve the pool's tools to an MCP client, on stdio (default) or HTTP.

`claude mcp add claude-pool -- claude-pool mcp --server HOST:PORT` adds it to Claude Code;
`claude-pool mcp --transport http --port 8765` serves http://127.0.0.1:8765/mcp (docs/mcp.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from claude_pool import PoolClient

DEFAULT_SERVER = "127.0.0.1:50051"
DEFAULT_HTTP_PORT = 8765


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name) or default


def add_mcp_command(sub: Any) -> None:
    """Add the `mcp` subcommand to the `claude-pool` parser's subparsers."""
    p: argparse.ArgumentParser = sub.add_parser(
        "mcp",
        help="serve the pool's tools to an MCP client (a Claude Code session), on stdio or HTTP",
        description="An MCP server that drives a claude-pool server over gRPC: one tool per pool "
        "operation (run, submit, result, fan_out, chain, ...), progress notifications while "
        "work runs, resources pool://status and pool://tasks/{task_id}/output.",
    )
    p.add_argument(
        "--server",
        default=_env("CLAUDE_POOL_SERVER", DEFAULT_SERVER),
        help=f"the pool's HOST:PORT (env CLAUDE_POOL_SERVER, default {DEFAULT_SERVER})",
    )
    p.add_argument(
        "--token", default=_env("CLAUDE_POOL_TOKEN"), help="bearer token (env CLAUDE_POOL_TOKEN)"
    )
    p.add_argument(
        "--tls-ca",
        default=_env("CLAUDE_POOL_TLS_CA"),
        metavar="FILE",
        help="CA certificate (PEM) that signed the server's: turns TLS on (env CLAUDE_POOL_TLS_CA)",
    )
    p.add_argument(
        "--tls-cert",
        default=_env("CLAUDE_POOL_TLS_CERT"),
        metavar="FILE",
        help="client certificate (PEM) for mutual TLS, with --tls-key (env CLAUDE_POOL_TLS_CERT)",
    )
    p.add_argument(
        "--tls-key",
        default=_env("CLAUDE_POOL_TLS_KEY"),
        metavar="FILE",
        help="client key (PEM) for mutual TLS (env CLAUDE_POOL_TLS_KEY)",
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
        default=_env("CLAUDE_POOL_MCP_HTTP_TOKEN"),
        help="HTTP: require 'Authorization: Bearer <this>' from MCP clients "
        "(env CLAUDE_POOL_MCP_HTTP_TOKEN)",
    )
    p.set_defaults(func=cmd_mcp)


def _pem(path: str | None, flag: str) -> bytes | None:
    if not path:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise SystemExit(f"claude-pool mcp: cannot read {flag} {path}: {exc}") from exc


def pool_client(args: argparse.Namespace) -> PoolClient:
    """The PoolClient the options describe (TLS when a CA or a client certificate is given)."""
    if bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("claude-pool mcp: --tls-cert and --tls-key go together")
    return PoolClient(
        args.server,
        token=args.token or None,
        ca_certificate=_pem(args.tls_ca, "--tls-ca"),
        client_certificate=_pem(args.tls_cert, "--tls-cert"),
        client_key=_pem(args.tls_key, "--tls-key"),
    )


async def serve(args: argparse.Namespace) -> None:
    from claude_pool_server.mcp_bridge.server import build_server, serve_http, serve_stdio

    async with pool_client(args) as pool:
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
