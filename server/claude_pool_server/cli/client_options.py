"""How a client command reaches the server: the connection flags every client command takes, the
PoolClient they make, and the one-line report of a failed call.

    --server HOST:PORT   env CLAUDE_POOL_SERVER (default 127.0.0.1:50051)
    --token TOKEN        env CLAUDE_POOL_TOKEN
    --tls-ca FILE        env CLAUDE_POOL_TLS_CA: TLS, the server's certificate checked against it
    --tls                TLS with the system's roots (implied by --tls-ca and --tls-cert)
    --tls-cert FILE      env CLAUDE_POOL_TLS_CERT, with --tls-key (env CLAUDE_POOL_TLS_KEY):
                         a client certificate, for a server that wants mutual TLS

A failed call is one line on stderr, `claude-pool: <CODE> <REASON>: <message>`, and exit 2.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_pool import PoolClient, PoolError
from claude_pool_server.config_error import ConfigError

DEFAULT_SERVER = "127.0.0.1:50051"

ClientCommand = Callable[[argparse.Namespace, PoolClient], Awaitable[int]]


def env_default(name: str, fallback: str | None = None) -> str | None:
    """The variable's value; `fallback` when it is unset or empty."""
    return os.environ.get(name) or fallback


def connection_flags() -> argparse.ArgumentParser:
    """The flags that say how to reach the server (a parent parser; defaults read from the
    environment when the parser is built): every client command's, and `mcp`'s."""
    p = argparse.ArgumentParser(add_help=False)
    group = p.add_argument_group("connection")
    group.add_argument(
        "--server",
        default=env_default("CLAUDE_POOL_SERVER", DEFAULT_SERVER),
        metavar="HOST:PORT",
        help=f"the server (default {DEFAULT_SERVER}; env CLAUDE_POOL_SERVER)",
    )
    group.add_argument(
        "--token",
        default=env_default("CLAUDE_POOL_TOKEN"),
        help="bearer token (env CLAUDE_POOL_TOKEN)",
    )
    group.add_argument(
        "--tls", action="store_true", help="use TLS, trusting the system's root certificates"
    )
    group.add_argument(
        "--tls-ca",
        default=env_default("CLAUDE_POOL_TLS_CA"),
        metavar="FILE",
        help="use TLS, trusting this CA certificate (PEM; env CLAUDE_POOL_TLS_CA)",
    )
    group.add_argument(
        "--tls-cert",
        default=env_default("CLAUDE_POOL_TLS_CERT"),
        metavar="FILE",
        help="client certificate for mutual TLS (PEM; env CLAUDE_POOL_TLS_CERT)",
    )
    group.add_argument(
        "--tls-key",
        default=env_default("CLAUDE_POOL_TLS_KEY"),
        metavar="FILE",
        help="its private key (PEM; env CLAUDE_POOL_TLS_KEY)",
    )
    return p


def connection_parser() -> argparse.ArgumentParser:
    """The flags every client command takes: the connection's, and `--json`."""
    p = argparse.ArgumentParser(add_help=False, parents=[connection_flags()])
    p.add_argument("--json", action="store_true", help="print proto JSON")
    return p


def client_parser(
    sub: Any, name: str, help_text: str, connection: argparse.ArgumentParser
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=help_text, description=help_text, parents=[connection]
    )
    return parser


@dataclass(frozen=True)
class Connection:
    address: str
    token: str | None
    tls: bool
    ca: bytes | None = None
    certificate: bytes | None = None
    key: bytes | None = None
    described: str = "TLS off"

    def client(self) -> PoolClient:
        return PoolClient(
            self.address,
            token=self.token,
            tls=self.tls,
            ca_certificate=self.ca,
            client_certificate=self.certificate,
            client_key=self.key,
        )


def read_pem(flag: str, path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {flag} {path}: {exc.strerror}") from exc


def connection_from(args: argparse.Namespace) -> Connection:
    if bool(args.tls_cert) != bool(args.tls_key):
        raise ConfigError("--tls-cert and --tls-key go together: give both or neither")
    ca = read_pem("--tls-ca", args.tls_ca) if args.tls_ca else None
    certificate = read_pem("--tls-cert", args.tls_cert) if args.tls_cert else None
    key = read_pem("--tls-key", args.tls_key) if args.tls_key else None
    tls = bool(args.tls or ca or certificate)
    if not tls:
        return Connection(args.server, args.token, False)
    described = "TLS on, " + (f"CA {args.tls_ca}" if ca else "system roots")
    if certificate:
        described += f", client certificate {args.tls_cert}"
    return Connection(args.server, args.token, True, ca, certificate, key, described)


def one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", " ", text.strip())


def describe_error(exc: PoolError, connection: Connection) -> str:
    """`claude-pool: <CODE> <REASON>: <message>`; an UNAVAILABLE the server did not send (no
    reason) means it was not reached: say where, and whether TLS was on."""
    reason = exc.reason if exc.reason != exc.code.name else ""  # UNAUTHENTICATED says it twice
    head = exc.code.name + (f" {reason}" if reason else "")
    message = one_line(exc.message)
    if exc.code.name == "UNAVAILABLE" and not exc.reason:
        message = (
            f"cannot reach the server at {connection.address} ({connection.described}): {message}"
        )
    return f"claude-pool: {head}: {message}"


def run_client(args: argparse.Namespace, command: ClientCommand) -> int:
    """Run one client command; a failed call is one line on stderr and exit 2."""
    connection = connection_from(args)

    async def go() -> int:
        async with connection.client() as pool:
            return await command(args, pool)

    try:
        return asyncio.run(go())
    except PoolError as exc:
        print(describe_error(exc, connection), file=sys.stderr)
        return 2
