"""The `claude-pool` command: `serve` runs the server, `migrate` applies the database schema, and
the other commands are gRPC clients of a running server.

One module per group of commands: serve.py (serve, migrate), tasks.py (run, submit, result,
watch, cancel, delete, list, approve, reject, fan-out), chains.py, sessions.py, pool.py (status,
config, slots, scale, drain, metrics), context.py, messages.py, routing.py (route, auto),
mcp.py (the MCP bridge, mcp_bridge/, on stdio or HTTP);
client_options.py holds the connection flags every client command takes, output.py and
progress.py how they print.

Exit codes: 0 done, 1 the task (or chain, or an item) did not complete, 2 a bad command line,
configuration or failed call (one line on stderr, no traceback), 130 interrupted (Ctrl-C), 141
stdout closed early (`claude-pool list | head -1`).
"""

from __future__ import annotations

import argparse
import os
import sys

from claude_pool_server import __version__
from claude_pool_server.cli.chains import add_chain_commands
from claude_pool_server.cli.client_options import connection_parser, run_client
from claude_pool_server.cli.context import add_context_commands
from claude_pool_server.cli.mcp import add_mcp_command
from claude_pool_server.cli.messages import add_message_commands
from claude_pool_server.cli.pool import add_pool_commands
from claude_pool_server.cli.routing import add_routing_commands
from claude_pool_server.cli.serve import add_migrate, add_serve, server_config
from claude_pool_server.cli.sessions import add_session_commands
from claude_pool_server.cli.tasks import INTERRUPTED, add_task_commands
from claude_pool_server.config_error import ConfigError

BROKEN_PIPE = 141  # what a shell reports for a command ended by SIGPIPE (128 + 13)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claude-pool",
        description=(__doc__ or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"claude-pool {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_serve(sub)
    add_migrate(sub)
    connection = connection_parser()
    add_task_commands(sub, connection)
    add_chain_commands(sub, connection)
    add_session_commands(sub, connection)
    add_pool_commands(sub, connection)
    add_context_commands(sub, connection)
    add_message_commands(sub, connection)
    add_routing_commands(sub, connection)
    add_mcp_command(sub)
    return parser


def quiet_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # stdout is no file (a test's capture): nothing will flush into a closed pipe


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = run_client(args, args.client) if hasattr(args, "client") else int(args.func(args))
        sys.stdout.flush()
        return code
    except ConfigError as exc:
        print(f"claude-pool: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly, as SIGPIPE would
        quiet_stdout()
        return BROKEN_PIPE
    except KeyboardInterrupt:
        return INTERRUPTED


__all__ = ["build_parser", "main", "server_config"]
