"""Wiring: the one place that chooses the store, the driver, its sandbox and the API gateway, and
builds the pool and the servicer."""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field

from claude_pool.v1 import pool_pb2
from claude_pool_server import __version__
from claude_pool_server.api import mappers
from claude_pool_server.api.servicer import PoolServicer
from claude_pool_server.config import ServerConfig, default_state_dir
from claude_pool_server.config_error import ConfigError
from claude_pool_server.domain.ports import ClaudeDriver, PoolStore
from claude_pool_server.domain.slots import SlotState
from claude_pool_server.domain.tasks import TaskState
from claude_pool_server.driver import process_tree
from claude_pool_server.driver.claude_cli import OWNER_ENV, ClaudeCliDriver, bundled_cli_path
from claude_pool_server.driver.processes import ProcessPool
from claude_pool_server.driver.sandbox import Sandbox, choose
from claude_pool_server.engine.pool import Pool
from claude_pool_server.gateway.prices import DEFAULT_PRICES, PriceTable
from claude_pool_server.gateway.server import ApiGateway, upstream_credentials
from claude_pool_server.observability.measured_store import measured
from claude_pool_server.observability.metrics import PoolMetrics, Snapshot, SnapshotRefresher
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.workspace.git import GitWorkspaces

log = logging.getLogger(__name__)

# The CLI retries API errors for ~3 minutes by default; the pool keeps runs short and visible.
CLI_ENV_DEFAULTS = {
    "CLAUDE_CODE_MAX_RETRIES": "2",
    "DISABLE_TELEMETRY": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}
# Providers the CLI signs its calls for itself: they cannot go through the gateway.
SELF_SIGNED_PROVIDERS = (
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
)


@dataclass
class App:
    config: ServerConfig
    store: PoolStore
    driver: ClaudeDriver
    pool: Pool
    servicer: PoolServicer
    gateway: ApiGateway | None = None
    metrics: PoolMetrics = field(default_factory=PoolMetrics)
    closing: list[ApiGateway] = field(default_factory=list)
    refresher: SnapshotRefresher | None = None

    async def start(self) -> None:
        """Open the store, start the gateway and the slots; `RunningServer.stop` undoes them."""
        await self.store.start()
        if self.gateway is not None:
            await self.gateway.start()
        await self.pool.start()
        self.refresher = SnapshotRefresher(self.metrics, self.snapshot)
        await self.refresher.refresh()
        self.refresher.start()

    async def snapshot(self) -> Snapshot:
        """The metrics' gauges: tasks by state, this replica's slots, warm processes, money."""
        settings = self.pool.settings
        tasks = await self.store.task_counts(None)
        budget: dict[str, tuple[int, int, int | None]] = {}
        pool_budget = await self.store.get_budget(None)
        budget[""] = (pool_budget.spent_micros, pool_budget.reserved_micros, settings.budget_micros)
        for namespace, policy in settings.policies.items():
            state = await self.store.get_budget(namespace)
            budget[namespace] = (state.spent_micros, state.reserved_micros, policy.budget_micros)
        slots: dict[str, int] = {state.value: 0 for state in SlotState}
        for worker in self.pool.slots.workers.values():
            slots[worker.slot.state.value] += 1
        return Snapshot(
            tasks={state.value: tasks.get(state, 0) for state in TaskState},
            slots=slots,
            warm_processes=self.driver.warm_processes(),
            budget=budget,
        )

    async def close(self) -> None:
        if self.refresher is not None:
            await self.refresher.stop()
        await asyncio.to_thread(self.metrics.close)
        await self.driver.close()
        if self.gateway is not None:
            await self.gateway.close()
        await self.store.close()


def state_dir_of(config: ServerConfig) -> str:
    return config.state_dir or default_state_dir()


async def build_store(config: ServerConfig) -> PoolStore:
    if config.store == "memory":
        return InMemoryStore(lease_seconds=config.pool.lease_seconds)
    if config.store == "postgres":
        from claude_pool_server.store.postgres.bootstrap import open_postgres_store

        return await open_postgres_store(
            config.database_url,
            state_dir_of(config),
            config.migrate,
            config.pool.lease_seconds,
        )
    raise ConfigError(f"unknown store {config.store!r}: use --store postgres or --store memory")


def cli_environment(config: ServerConfig) -> dict[str, str]:
    """What the CLI is told besides its options: defaults, then the operator's `cli_env`."""
    env = {k: v for k, v in CLI_ENV_DEFAULTS.items() if k not in os.environ}
    env.update(config.cli_env)
    return env


def build_gateway(config: ServerConfig, env: dict[str, str]) -> ApiGateway | None:
    if not config.api_gateway:
        return None
    combined = {**os.environ, **env}
    provider = next((name for name in SELF_SIGNED_PROVIDERS if combined.get(name)), None)
    if provider:
        log.warning(
            "%s is set: the CLI signs its own calls, so they cannot go through the API gateway; "
            "budgets are then enforced per run after the fact (--max-budget-usd)",
            provider,
        )
        return None
    credentials = upstream_credentials(combined)
    if not credentials:
        log.warning(
            "no Anthropic credentials in the server's environment: set ANTHROPIC_API_KEY "
            "(or ANTHROPIC_AUTH_TOKEN); every task will fail with 'Not logged in'"
        )
    prices = PriceTable({**DEFAULT_PRICES, **config.model_prices})
    return ApiGateway(combined.get("ANTHROPIC_BASE_URL", ""), credentials, prices=prices)


def build_sandbox(config: ServerConfig, cli_path: str) -> Sandbox:
    try:
        sandbox = choose(config.sandbox, readable=[os.path.dirname(cli_path)])
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from exc
    if config.sandbox == "auto" and sandbox.name == "none":
        log.warning(
            "bubblewrap (bwrap) is not installed: tasks run unconfined, with the server's "
            "files in reach (install bubblewrap, or pass --sandbox none to silence this)"
        )
    return sandbox


def build_driver(
    config: ServerConfig, gateway: ApiGateway | None, env: dict[str, str]
) -> ClaudeCliDriver:
    cli_path = config.claude_path or bundled_cli_path()
    if cli_path is None or not os.access(cli_path, os.X_OK):
        raise ConfigError(
            f"claude CLI not found or not executable at {cli_path!r}: "
            "install claude-agent-sdk (it bundles one) or pass --claude-path"
        )
    processes = None
    if config.warm_slots:
        max_idle = config.pool.max_slots + config.spare_processes
        processes = ProcessPool(config.spare_processes, max_idle, config.warm_idle_seconds)
    state = state_dir_of(config)
    killed = process_tree.reap_orphans(
        OWNER_ENV, f"{os.getpid()}:{process_tree.start_ticks(os.getpid())}"
    )
    if killed:
        log.warning("stopped %d tool processes a killed server left running", len(killed))
    return ClaudeCliDriver(
        cli_path=cli_path,
        base_env=env,
        max_concurrent_spawns=config.max_concurrent_spawns,
        bare=config.bare,
        processes=processes,
        state_dir=state,
        sandbox=build_sandbox(config, cli_path),
        gateway=gateway,
    )


def config_view(
    config: ServerConfig, cli_version: str, sandbox: str, gateway: bool
) -> pool_pb2.PoolConfig:
    pool = config.pool
    view = pool_pb2.PoolConfig(
        model=pool.model or "",
        permission_mode=mappers.PERMISSION_MODES[pool.permission_mode],
        max_turns=pool.max_turns,
        system_prompt=pool.system_prompt,
        allowed_tools=pool.allowed_tools,
        effort=mappers.effort_out(pool.effort),
        fallback_model=pool.fallback_model or "",
        budget_micros=pool.budget_micros,
        default_task_reservation_micros=pool.default_task_reservation_micros,
        slots=pool.slots,
        min_slots=pool.min_slots,
        max_slots=pool.max_slots,
        task_timeout=mappers.duration(pool.task_timeout_seconds),
        idle_output_timeout=mappers.duration(pool.idle_output_timeout_seconds),
        max_restarts=pool.max_restarts,
        worktree_isolation=pool.worktree_isolation,
        work_roots=[os.path.realpath(r) for r in pool.work_roots],
        max_prompt_bytes=pool.max_prompt_bytes,
        max_fan_out=pool.max_fan_out,
        max_chain_steps=pool.max_chain_steps,
        denied_permission_modes=[
            mappers.PERMISSION_MODES[m]
            for m in sorted(pool.denied_permission_modes, key=lambda m: m.value)
        ],
        store=config.store,
        cli_version=cli_version,
        server_version=__version__,
        warm_slots=config.warm_slots,
        session_policy=pool.session_policy.value,
        sandbox=sandbox,
        api_gateway=gateway,
        max_session_bytes=pool.max_session_bytes,
        spare_processes=config.spare_processes,
    )
    if pool.retention_seconds is not None:
        view.retention.CopyFrom(mappers.duration(pool.retention_seconds))
    return view


async def build_app(
    config: ServerConfig, driver: ClaudeDriver | None = None, store: PoolStore | None = None
) -> App:
    metrics = PoolMetrics()
    store = measured(store or await build_store(config), metrics)
    gateway = None
    sandbox_name = "none"
    if driver is None:
        env = cli_environment(config)
        gateway = build_gateway(config, env)
        cli_driver = build_driver(config, gateway, env)
        sandbox_name = cli_driver.sandbox.name
        driver = cli_driver
    pool = Pool(config.pool, store, driver, GitWorkspaces())
    view = config_view(config, await driver.cli_version(), sandbox_name, gateway is not None)
    return App(config, store, driver, pool, PoolServicer(pool, view), gateway, metrics)
