"""The gRPC server: PoolService + health + reflection, auth and observability interceptors, and a
graceful shutdown (health NOT_SERVING → refuse new work → running tasks finish within the grace
period → CLI processes stopped)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from claude_pool.v1 import pool_service_pb2, pool_service_pb2_grpc
from claude_pool_server.api.audit import AuditLog
from claude_pool_server.api.edge import Authenticator, EdgeInterceptor
from claude_pool_server.api.faults import FaultInjector
from claude_pool_server.api.tls import ReloadingCertificates
from claude_pool_server.app import App, build_app
from claude_pool_server.config import ServerConfig
from claude_pool_server.config_error import ConfigError
from claude_pool_server.domain.ports import ClaudeDriver, PoolStore
from claude_pool_server.observability import tracing

log = logging.getLogger(__name__)

SERVICE_NAME = pool_service_pb2.DESCRIPTOR.services_by_name["PoolService"].full_name
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

SERVER_OPTIONS = [
    ("grpc.so_reuseport", 0),  # a second server on the same port must fail, not share it
    ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ("grpc.keepalive_time_ms", 30_000),
    ("grpc.keepalive_timeout_ms", 10_000),
    ("grpc.http2.min_ping_interval_without_data_ms", 10_000),
    ("grpc.keepalive_permit_without_calls", 1),
]


@dataclass
class RunningServer:
    app: App
    server: grpc.aio.Server
    health: health.aio.HealthServicer
    port: int
    certificates: ReloadingCertificates | None = None
    metrics_port: int | None = None

    @property
    def address(self) -> str:
        return f"{self.app.config.host}:{self.port}"

    async def stop(self, grace_seconds: float | None = None) -> None:
        """Stop within `grace + 5` seconds whatever happens (a store that hangs included):
        running tasks finish or are cancelled within the grace, then CLI processes are
        stopped, open RPCs (watch streams) get a short grace, and the store closes."""
        grace = self.app.config.grace_seconds if grace_seconds is None else grace_seconds
        await self.health.enter_graceful_shutdown()
        self.app.pool.draining = True
        try:
            async with asyncio.timeout(grace + 2.0):
                await self.app.pool.shutdown(grace)
        except TimeoutError:
            log.warning("shutdown: running tasks did not stop within the grace; stopping them")
        try:
            async with asyncio.timeout(2.5):
                await self.app.driver.close()  # warm CLI processes (and tools) stop here
                await self.server.stop(grace=min(grace, 1.0))
        except TimeoutError:
            log.warning("shutdown: CLI processes or RPCs were slow to stop")
        with contextlib.suppress(TimeoutError, Exception):
            async with asyncio.timeout(1.0):
                await self.app.close()


async def start_server(
    config: ServerConfig, driver: ClaudeDriver | None = None, store: PoolStore | None = None
) -> RunningServer:
    config.check_binding()
    certificates = (
        ReloadingCertificates(config.tls_cert, config.tls_key, config.tls_client_ca)
        if config.tls
        else None
    )
    app = await build_app(config, driver=driver, store=store)
    edge = EdgeInterceptor(
        Authenticator(config.credentials, config.mutual_tls),
        AuditLog(config.audit_prompts),
        FaultInjector() if config.inject_faults else None,
        store_problem=app.pool.replicas.store_problem,
        observe=app.metrics.rpc,
    )
    interceptors = [*tracing.server_interceptors(), edge]
    server = grpc.aio.server(interceptors=interceptors, options=SERVER_OPTIONS)
    pool_service_pb2_grpc.add_PoolServiceServicer_to_server(app.servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        [SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME], server
    )
    address = f"{config.host}:{config.port}"
    try:
        if certificates is not None:
            port = server.add_secure_port(address, certificates.credentials())
        else:
            port = server.add_insecure_port(address)
    except RuntimeError as exc:
        raise ConfigError(f"cannot listen on {config.host}:{config.port}: {exc}") from exc
    await app.start()
    await server.start()
    await report_health(health_servicer, True)
    updates: set[asyncio.Task[None]] = set()

    def health_changed(healthy: bool) -> None:
        # Health tells the truth: NOT_SERVING while the store is away or a slot worker is stuck.
        app.metrics.snapshot.healthy = healthy
        update = asyncio.get_running_loop().create_task(report_health(health_servicer, healthy))
        updates.add(update)
        update.add_done_callback(updates.discard)

    app.pool.replicas.on_health_change = health_changed
    running = RunningServer(app, server, health_servicer, port, certificates)
    if config.metrics_port is not None:
        running.metrics_port = app.metrics.serve(config.metrics_port, config.metrics_host)
        log.info("metrics on http://%s:%d/metrics", config.metrics_host, running.metrics_port)
    return running


async def report_health(servicer: health.aio.HealthServicer, healthy: bool) -> None:
    status = (
        health_pb2.HealthCheckResponse.SERVING
        if healthy
        else health_pb2.HealthCheckResponse.NOT_SERVING
    )
    for name in ("", SERVICE_NAME):
        await servicer.set(name, status)


async def serve(config: ServerConfig) -> None:
    """Run until SIGTERM or SIGINT, then shut down gracefully."""
    provider = tracing.configure(config.otlp_endpoint)
    running = await start_server(config)
    log.info(
        "claude-pool listening on %s (%d slots, store %s, auth %s, %s)",
        running.address,
        config.pool.slots,
        config.store,
        "on" if config.credentials or config.mutual_tls else "off",
        ("mTLS" if config.mutual_tls else "TLS") if config.tls else "plaintext",
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if running.certificates is not None:
        loop.add_signal_handler(signal.SIGHUP, running.certificates.reload)
    await stop.wait()
    log.info("shutting down: finishing running tasks (grace %.0fs)", config.grace_seconds)
    await running.stop()
    if provider is not None:
        await asyncio.to_thread(provider.shutdown)  # flush the last spans
    log.info("stopped")
