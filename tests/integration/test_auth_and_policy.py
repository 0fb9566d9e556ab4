"""Bearer tokens, scopes, loopback-only binding without auth, and working-dir confinement."""

from __future__ import annotations

import os

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claude_pool import PermissionDeniedError, PoolClient, UnauthenticatedError, task_spec
from claude_pool.v1 import task_pb2
from claude_pool_server.config import ServerConfig, parse_tokens
from tests.conftest import ServerFactory

pytestmark = pytest.mark.asyncio


async def test_rpcs_need_a_valid_token_but_health_does_not(make_server: ServerFactory) -> None:
    from claude_pool_server.driver.fake import FakeDriver

    pool = await make_server(driver=FakeDriver(), tokens="s3cret-token")
    assert (await pool.client.status()).total_slots == 2
    for token in (None, "wrong-token"):
        async with pool.client_with(token) as other:
            with pytest.raises(UnauthenticatedError) as error:
                await other.status()
            assert error.value.reason == "UNAUTHENTICATED"
            with pytest.raises(UnauthenticatedError):
                [e async for e in other.watch("task-x")]
    async with grpc.aio.insecure_channel(pool.server.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        response = await health.Check(health_pb2.HealthCheckRequest())
        assert response.status == health_pb2.HealthCheckResponse.SERVING


async def test_a_read_only_token_cannot_submit(
    make_server: ServerFactory, tmp_path: object
) -> None:
    from claude_pool_server.driver.fake import FakeDriver
    from claude_pool_server.server import start_server

    harness = await make_server(driver=FakeDriver())
    config = ServerConfig(
        host="127.0.0.1", port=0, tokens=parse_tokens("reader read\nwriter", "test"),
        pool=harness.server.app.config.pool,
    )  # fmt: skip
    server = await start_server(config, driver=FakeDriver())
    try:
        async with PoolClient(server.address, token="reader") as reader:
            assert (await reader.status()).total_slots == 2
            with pytest.raises(PermissionDeniedError) as error:
                await reader.submit("hi")
            assert error.value.reason == "SCOPE_DENIED"
        async with PoolClient(server.address, token="writer") as writer:
            assert (await writer.submit("hi")).id
    finally:
        await server.stop(grace_seconds=1)


async def test_working_dir_must_stay_inside_the_work_roots(make_server: ServerFactory) -> None:
    from claude_pool_server.driver.fake import FakeDriver

    pool = await make_server(driver=FakeDriver())
    inside = pool.work_root / "project"
    inside.mkdir()
    task = await pool.client.run(task_spec("ok", working_dir=str(inside)))
    assert task.state == task_pb2.TASK_STATE_COMPLETED
    outside = pool.work_root.parent / "elsewhere"
    outside.mkdir()
    escape = pool.work_root / "escape"
    os.symlink(outside, escape)
    for attempt in (str(outside), str(escape), str(pool.work_root / ".." / "elsewhere"), "/etc"):
        with pytest.raises(PermissionDeniedError) as error:
            await pool.client.submit(task_spec("nope", working_dir=attempt))
        assert error.value.reason == "WORKING_DIR_OUTSIDE_ROOTS"
