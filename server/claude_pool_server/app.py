"""Wiring: the one place that chooses the store and driver and builds the pool and servicer."""

from __future__ import annotations

import os
from dataclasses import dataclass

from claude_pool.v1 import pool_pb2
from claude_pool_server import __version__
from claude_pool_server.api import mappers
from claude_pool_server.api.servicer import PoolServicer
from claude_pool_server.config import ConfigError, ServerConfig, default_state_dir
from claude_pool_server.domain.ports import ClaudeDriver, PoolStore
from claude_pool_server.driver.claude_cli import ClaudeCliDriver
from claude_pool_server.driver.warm import WarmProcesses
from claude_pool_server.engine.pool import Pool
from claude_pool_server.store.memory import InMemoryStore

# The CLI retries API errors for ~3 minutes by default; the pool keeps runs short and visible.
CLI_ENV_DEFAULTS = {
    "CLAUDE_CODE_MAX_RETRIES": "2",
    "DISABLE_TELEMETRY": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
}


@dataclass
class App:
    config: ServerConfig
    store: PoolStore
    driver: ClaudeDriver
    pool: Pool
    servicer: PoolServicer

    async def start(self) -> None:
        """Open the store and start the slots; `RunningServer.stop` undoes both, in order."""
        await self.store.start()
        await self.pool.start()


async def build_store(config: ServerConfig) -> PoolStore:
    if config.store == "memory":
        return InMemoryStore(lease_seconds=config.pool.lease_seconds)
    if config.store == "postgres":
        from claude_pool_server.store.postgres.bootstrap import open_postgres_store

        return await open_postgres_store(
            config.database_url,
            config.pool.state_dir or default_state_dir(),
            config.migrate,
            config.pool.lease_seconds,
        )
    raise ConfigError(f"unknown store {config.store!r}: use --store postgres or --store memory")


def build_driver(config: ServerConfig) -> ClaudeDriver:
    base_env = {k: v for k, v in CLI_ENV_DEFAULTS.items() if k not in os.environ}
    base_env.update(config.cli_env)
    driver = ClaudeCliDriver(
        cli_path=config.claude_path,
        base_env=base_env,
        max_concurrent_spawns=config.pool.max_concurrent_spawns,
        bare=config.bare,
        warm=WarmProcesses(config.warm_idle_seconds) if config.warm_slots else None,
    )
    if driver.cli_path is None or not os.access(driver.cli_path, os.X_OK):
        raise ConfigError(
            f"claude CLI not found or not executable at {driver.cli_path!r}: "
            "install claude-agent-sdk (it bundles one) or pass --claude-path"
        )
    return driver


def config_view(config: ServerConfig, cli_version: str) -> pool_pb2.PoolConfig:
    pool = config.pool
    return pool_pb2.PoolConfig(
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
    )


async def build_app(
    config: ServerConfig, driver: ClaudeDriver | None = None, store: PoolStore | None = None
) -> App:
    store = store or await build_store(config)
    driver = driver or build_driver(config)
    pool = Pool(config.pool, store, driver)
    servicer = PoolServicer(pool, config_view(config, await driver.cli_version()))
    return App(config, store, driver, pool, servicer)
