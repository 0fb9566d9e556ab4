"""`serve` (run the server) and `migrate` (apply the database schema), and `server_config`, which
turns their flags into a ServerConfig. The server's own modules are imported only when one of
these runs, so that every client command starts without them.

Every option can also be set by an environment variable named after it, CLAUDE_POOL_<FLAG>
(`--max-slots` -> CLAUDE_POOL_MAX_SLOTS); a flag on the command line wins. `option` adds each one
and ends its help with `(default X; env CLAUDE_POOL_X)`. On/off switches read 1/0, true/false,
yes/no or on/off; a repeatable option (`--work-root`) reads a list separated by os.pathsep.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from claude_pool_server.config_error import ConfigError
from claude_pool_server.domain.tasks import Effort

if TYPE_CHECKING:
    from claude_pool_server.config import ServerConfig

DEFAULT_STORE = "postgres"  # embedded PostgreSQL unless --database-url is given
SWITCH_VALUES = {"1": True, "true": True, "yes": True, "on": True}
SWITCH_VALUES |= {"0": False, "false": False, "no": False, "off": False}


# The client commands read CLAUDE_POOL_TLS_CA/_CERT/_KEY for *their* certificate; the server's
# own take a SERVER_ prefix, so one shell can hold both.
ENV_RENAMES = {
    "--tls-cert": "CLAUDE_POOL_SERVER_TLS_CERT",
    "--tls-key": "CLAUDE_POOL_SERVER_TLS_KEY",
    "--tls-client-ca": "CLAUDE_POOL_SERVER_TLS_CLIENT_CA",
}


def env_name(flag: str) -> str:
    """`--max-slots` -> `CLAUDE_POOL_MAX_SLOTS`; server TLS files: CLAUDE_POOL_SERVER_TLS_*."""
    return ENV_RENAMES.get(flag) or "CLAUDE_POOL_" + flag.lstrip("-").replace("-", "_").upper()


def switch(text: str) -> bool:
    try:
        return SWITCH_VALUES[text.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not on or off (use 1/0, true/false, yes/no, on/off)"
        ) from None


class Switch(argparse.Action):
    """An on/off flag whose default may come from the environment as text (converted by its
    `type`, `switch`, when the parse ends); `negatable=True` adds `--no-<flag>`."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str,
        negatable: bool = False,
        **kw: Any,
    ) -> None:
        names = list(option_strings)
        if negatable:
            names += [f"--no-{name[2:]}" for name in option_strings if name.startswith("--")]
        super().__init__(names, dest, nargs=0, **kw)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, not (option_string or "").startswith("--no-"))

    def format_usage(self) -> str:
        return " | ".join(self.option_strings)


class Repeated(argparse.Action):
    """A repeatable option whose first use on the command line replaces the environment's list."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        current = getattr(namespace, self.dest)
        kept = [] if current is self.default else list(current)
        setattr(namespace, self.dest, [*kept, values])


def checked(kind: Callable[[str], Any], flag: str) -> Callable[[str], Any]:
    """`kind` (int, float, a choice check) with an error that names the variable too."""

    def convert(text: str) -> Any:
        try:
            return kind(text)
        except (ValueError, argparse.ArgumentTypeError) as exc:
            raise argparse.ArgumentTypeError(
                f"invalid value {text!r} (from {flag} or {env_name(flag)}): {exc}"
            ) from None

    convert.__name__ = getattr(kind, "__name__", "value")
    return convert


def one_of(choices: Sequence[str]) -> Callable[[str], str]:
    def choose(text: str) -> str:
        if text not in choices:
            raise ValueError(f"choose from {', '.join(choices)}")
        return text

    return choose


def option(
    p: argparse.ArgumentParser,
    flag: str,
    help: str,
    *,
    default: Any = None,
    shown: str | None = None,
    kind: Callable[[str], Any] | None = None,
    choices: Sequence[str] | None = None,
    on_off: bool = False,
    negatable: bool = False,
    repeated: bool = False,
    **kw: Any,
) -> None:
    """Add a serve/migrate option read from CLAUDE_POOL_<FLAG> when the flag is not given; its
    help ends with `(default <shown or default>; env CLAUDE_POOL_<FLAG>)`."""
    env = env_name(flag)
    raw = os.environ.get(env) or None
    if shown is None:
        shown = ("on" if default else "off") if on_off else str(default)
    text = f"{help} (default {shown}; env {env})".replace("%", "%%")
    if on_off:
        start = raw if raw is not None else default  # text is converted when the parse ends
        p.add_argument(
            flag,
            action=Switch,
            negatable=negatable,
            type=checked(switch, flag),
            default=start,
            help=text,
            **kw,
        )
    elif repeated:
        start = raw.split(os.pathsep) if raw is not None else default
        p.add_argument(flag, action=Repeated, default=start, help=text, **kw)
    else:
        convert = one_of(choices) if choices is not None else kind
        if convert is not None:
            kw["type"] = checked(convert, flag)
        p.add_argument(
            flag, choices=choices, default=raw if raw is not None else default, help=text, **kw
        )


def add_serve(sub: Any) -> None:
    p = sub.add_parser(
        "serve",
        help="run the claude-pool gRPC server",
        description="Run the claude-pool gRPC server. Every option can also be set by the "
        "environment variable named after it; a flag on the command line wins.",
    )
    option(p, "--host", "address to listen on", default="127.0.0.1")
    option(p, "--port", "port to listen on", default=50051, kind=int)
    option(p, "--slots", "slots this server runs", default=2, kind=int)
    option(p, "--min-slots", "fewest slots scaling leaves", default=1, kind=int)
    option(p, "--max-slots", "most slots scaling makes", default=16, kind=int)
    option(p, "--model", "default model", shown="the CLI's")
    option(p, "--fallback-model", "model to use when the default is overloaded", shown="none")
    option(
        p,
        "--effort",
        "default reasoning effort",
        shown="the CLI's",
        choices=[e.value for e in Effort],
    )
    option(p, "--system-prompt", "default system prompt", shown="none")
    option(p, "--max-turns", "default turn limit per task", shown="no limit", kind=int)
    option(p, "--budget-usd", "pool budget cap in USD", shown="no cap", kind=float)
    option(
        p,
        "--task-reservation-usd",
        "budget reserved per task that sets no max budget",
        default=1.0,
        kind=float,
    )
    option(p, "--permission-mode", "default permission mode", default="plan")
    option(p, "--allow-bypass-permissions", "let tasks ask for bypassPermissions", on_off=True)
    option(p, "--allowed-tools", "comma-separated tools for every task", default="", shown="none")
    option(p, "--claude-path", "the claude CLI to run", shown="the bundled one")
    option(p, "--bare", "run the CLI with --bare", on_off=True)
    option(
        p,
        "--store",
        "where tasks live",
        shown=f"{DEFAULT_STORE}: an embedded one unless --database-url is set",
        choices=["postgres", "memory"],
    )
    add_database_options(p)
    option(p, "--migrate", "apply database migrations at start", on_off=True)
    option(p, "--heartbeat-seconds", "replica heartbeat", default=5.0, kind=float)
    option(
        p,
        "--lease-seconds",
        "a running task whose replica stops heartbeating is re-queued after this",
        default=20.0,
        kind=float,
    )
    option(p, "--max-attempts", "runs per task across replicas", default=3, kind=int)
    option(
        p,
        "--tokens-file",
        "file of bearer tokens and client certificate subjects, one per line; "
        "CLAUDE_POOL_TOKENS adds comma-separated tokens",
        shown="none",
    )
    option(
        p, "--insecure-no-auth", "allow callers without a token on a public address", on_off=True
    )
    option(p, "--tls-cert", "server certificate (PEM); turns TLS on", default="", shown="none")
    option(p, "--tls-key", "server private key (PEM)", default="", shown="none")
    option(
        p,
        "--tls-client-ca",
        "CA that client certificates must be signed by; turns mutual TLS on",
        default="",
        shown="none",
    )
    option(p, "--insecure", "allow plaintext on a public address", on_off=True)
    option(p, "--audit-prompts", "put prompt text in the audit log", on_off=True)
    p.add_argument("--inject-faults", action="store_true", help=argparse.SUPPRESS)  # tests only
    option(
        p,
        "--work-root",
        f"directory tasks may run in (repeatable; the variable takes a {os.pathsep!r}-separated "
        "list)",
        default=[],
        shown="the current directory",
        repeated=True,
    )
    option(p, "--config", "YAML config file (slots, MCP servers, namespaces, prices)", shown="none")
    option(p, "--task-timeout", "seconds a task may run", default=1800.0, kind=float)
    option(p, "--idle-timeout", "seconds a task may print nothing", default=600.0, kind=float)
    option(p, "--grace", "shutdown grace period in seconds", default=30.0, kind=float)
    option(p, "--max-concurrent-spawns", "CLI processes started at once", default=4, kind=int)
    option(
        p,
        "--warm-slots",
        "keep each slot's CLI process for its next task (~200 MB per slot)",
        default=True,
        on_off=True,
        negatable=True,
    )
    option(
        p,
        "--warm-idle-seconds",
        "stop a warm slot's process after this long idle",
        default=300.0,
        kind=float,
    )
    option(
        p,
        "--spare-processes",
        "started CLI processes kept clean for new sessions, per set of options",
        default=1,
        kind=int,
    )
    option(
        p,
        "--session-policy",
        "task: each task its own session unless it continues one; "
        "slot: a slot keeps one session for its next task",
        default="task",
        choices=["task", "slot"],
    )
    option(
        p,
        "--sandbox",
        "confine each task's CLI and tools (auto: bubblewrap when installed)",
        default="auto",
        choices=["auto", "bwrap", "none"],
    )
    option(
        p,
        "--api-gateway",
        "send the CLI's API calls through the pool (per-call budget, no key in tasks)",
        default=True,
        on_off=True,
        negatable=True,
    )
    option(
        p,
        "--retention-hours",
        "delete settled tasks (and their output) this long after they end",
        shown="keep them",
        kind=float,
    )
    option(
        p,
        "--slot-worktrees",
        "run each slot in its own git worktree (branch claude-pool/<slot>) of the task's repo",
        on_off=True,
    )
    option(p, "--log-level", "log level", default="INFO")
    option(p, "--log-format", "log format", default="text", choices=["text", "json"])
    option(
        p,
        "--metrics-port",
        "serve Prometheus metrics at http://METRICS_HOST:PORT/metrics (0: any free port)",
        default=None,
        shown="off",
        kind=int,
    )
    option(p, "--metrics-host", "address the metrics endpoint listens on", default="127.0.0.1")
    option(
        p,
        "--otlp-endpoint",
        "send OpenTelemetry traces over OTLP/gRPC to this endpoint, e.g. http://127.0.0.1:4317 "
        "(also read from OTEL_EXPORTER_OTLP_ENDPOINT)",
        default="",
        shown="off",
    )
    p.set_defaults(func=cmd_serve)


def add_database_options(p: argparse.ArgumentParser) -> None:
    option(
        p,
        "--database-url",
        "PostgreSQL URL",
        default="",
        shown="an embedded PostgreSQL in the state dir",
    )
    option(
        p,
        "--state-dir",
        "where the embedded database and CLI homes live",
        shown="the user's data directory, e.g. ~/.local/share/claude-pool",
    )


def add_migrate(sub: Any) -> None:
    p = sub.add_parser("migrate", help="apply the database migrations (then exit)")
    add_database_options(p)
    p.set_defaults(func=cmd_migrate)


def cmd_migrate(args: argparse.Namespace) -> int:
    from claude_pool_server.config import default_state_dir
    from claude_pool_server.store.postgres.bootstrap import migrate_database

    print(asyncio.run(migrate_database(args.database_url, args.state_dir or default_state_dir())))
    return 0


def server_config(args: argparse.Namespace) -> ServerConfig:
    from claude_pool_server.config import (
        ServerConfig,
        default_state_dir,
        env_default,
        load_tokens,
        permission_mode,
    )
    from claude_pool_server.config_file import load_file_config
    from claude_pool_server.domain.budget import usd_to_micros
    from claude_pool_server.domain.sessions import SessionPolicy
    from claude_pool_server.domain.tasks import PermissionMode
    from claude_pool_server.engine.settings import PoolSettings

    if args.slots < 0:
        raise ConfigError("--slots must not be negative")
    denied = frozenset() if args.allow_bypass_permissions else {PermissionMode.BYPASS_PERMISSIONS}
    state_dir = args.state_dir or default_state_dir()
    file = load_file_config(args.config)
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
        slot_configs=file.slots,
        mcp_servers=file.mcp_servers,
        policies=file.policies,
        default_policy=file.default_policy,
        budget_micros=usd_to_micros(args.budget_usd) if args.budget_usd is not None else None,
        default_task_reservation_micros=usd_to_micros(args.task_reservation_usd),
        task_timeout_seconds=args.task_timeout,
        idle_output_timeout_seconds=args.idle_timeout,
        work_roots=tuple(args.work_root) or (os.getcwd(),),
        default_working_dir=(args.work_root or [os.getcwd()])[0],
        denied_permission_modes=frozenset(denied),
        worktree_isolation=args.slot_worktrees,
        session_policy=SessionPolicy(args.session_policy),
        retention_seconds=args.retention_hours * 3600 if args.retention_hours else None,
        heartbeat_seconds=args.heartbeat_seconds,
        lease_seconds=args.lease_seconds,
        max_attempts=args.max_attempts,
    )
    return ServerConfig(
        host=args.host,
        port=args.port,
        credentials=load_tokens(args.tokens_file, env_default("CLAUDE_POOL_TOKENS")),
        tls_cert=args.tls_cert or "",
        tls_key=args.tls_key or "",
        tls_client_ca=args.tls_client_ca or "",
        insecure=args.insecure,
        audit_prompts=args.audit_prompts,
        inject_faults=args.inject_faults,
        insecure_no_auth=args.insecure_no_auth,
        store=args.store or ("postgres" if args.database_url else DEFAULT_STORE),
        database_url=args.database_url,
        migrate=args.migrate,
        claude_path=args.claude_path,
        bare=args.bare,
        warm_slots=args.warm_slots,
        warm_idle_seconds=args.warm_idle_seconds,
        grace_seconds=args.grace,
        state_dir=state_dir,
        sandbox=args.sandbox,
        api_gateway=args.api_gateway,
        metrics_port=args.metrics_port,
        metrics_host=args.metrics_host,
        otlp_endpoint=args.otlp_endpoint or os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT", ""),
        spare_processes=args.spare_processes,
        max_concurrent_spawns=args.max_concurrent_spawns,
        model_prices=file.model_prices,
        pool=pool,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from claude_pool_server import log_setup
    from claude_pool_server.server import serve

    log_setup.configure(args.log_level, args.log_format)
    config = server_config(args)
    asyncio.run(serve(config))
    return 0
