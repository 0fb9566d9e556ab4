"""The client conformance scenario (clients/CONFORMANCE.md) in Python, against a live server.

Uses CLAUDE_POOL_TEST_ADDR / CLAUDE_POOL_TEST_TOKEN when the harness set them, else starts a
server process of its own, so `pytest` alone runs it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claude_pool import InvalidArgumentError, NotFoundError, PoolClient, UnauthenticatedError
from claude_pool.v1 import chain_pb2, task_pb2
from tests.support.live_server import live_server

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


@pytest.fixture(scope="module")
def target() -> Iterator[tuple[str, str]]:
    if os.environ.get("CLAUDE_POOL_TEST_ADDR"):
        yield os.environ["CLAUDE_POOL_TEST_ADDR"], os.environ.get("CLAUDE_POOL_TEST_TOKEN", "")
        return
    with live_server() as server:
        yield server.address, server.token


async def test_conformance_scenario(target: tuple[str, str]) -> None:
    address, token = target
    # 1. health, without a token
    async with grpc.aio.insecure_channel(address) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest())
        assert health.status == health_pb2.HealthCheckResponse.SERVING
    # 2. auth
    async with PoolClient(address) as anonymous:
        with pytest.raises(UnauthenticatedError):
            await anonymous.status()
    async with PoolClient(address, token=token) as pool:
        assert (await pool.status()).total_slots >= 1
        # 3. run
        task = await pool.run("conformance run [[reply:hello from the pool]]")
        assert task.state == task_pb2.TASK_STATE_COMPLETED
        assert task.result.success and task.result.output == "hello from the pool"
        # 4. run stream
        events = [
            e
            async for e in pool.stream(
                "conformance stream [[reply:one two three four]] [[chunks:4]]"
            )
        ]
        deltas = [e for e in events if e.HasField("text_delta")]
        assert len(deltas) >= 2 and events[-1].HasField("finished")
        seqs = [e.seq for e in events]
        assert seqs == sorted(set(seqs))
        assert "".join(d.text_delta.text for d in deltas) == events[-1].finished.task.result.output
        assert events[-1].finished.task.result.output == "one two three four"
        # 5. submit + watch + drop + resume
        submitted = await pool.submit(
            "conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]"
        )
        first = []
        async for event in pool.watch(submitted.id):
            first.append(event)
            if event.HasField("text_delta"):
                break
        rest = [e async for e in pool.watch(submitted.id, after_seq=first[-1].seq)]
        both = first + rest
        assert [e.seq for e in both] == list(range(1, len(both) + 1))
        assert "".join(e.text_delta.text for e in both if e.HasField("text_delta")) == "a b c d e f"
        # 6. cancel
        slow = await pool.submit("conformance cancel [[slow:5]] [[chunks:10]]")
        for _ in range(300):
            if (await pool.get(slow.id)).state == task_pb2.TASK_STATE_RUNNING:
                break
            await asyncio.sleep(0.1)
        await pool.cancel(slow.id)
        assert (await pool.wait(slow.id, timeout=30)).state == task_pb2.TASK_STATE_CANCELLED
        # 7. error details
        with pytest.raises(NotFoundError) as missing:
            await pool.get("task-does-not-exist")
        assert (missing.value.reason, missing.value.domain) == ("TASK_NOT_FOUND", "claude-pool.dev")
        # 8. bad input
        with pytest.raises(InvalidArgumentError) as bad:
            await pool.submit("")
        assert bad.value.field_violations[0].field == "task.prompt"


async def test_conformance_orchestration(target: tuple[str, str]) -> None:
    address, token = target
    async with PoolClient(address, token=token) as pool:
        # 9. fan-out, in input order
        items = await pool.fan_out(["[[reply:x]]", "[[reply:y]]"])
        assert [i.index for i in items] == [0, 1]
        assert [i.task.state for i in items] == [task_pb2.TASK_STATE_COMPLETED] * 2
        assert [i.task.result.output for i in items] == ["x", "y"]
        # 10. chain with live progress
        chain = await pool.submit_chain(
            [
                {"name": "first", "prompt": "[[reply:first]]"},
                {"name": "second", "prompt": "use {previous_output}"},
            ]
        )
        snapshots = [p async for p in pool.watch_chain(chain.chain_id)]
        seqs = [p.seq for p in snapshots]
        assert seqs == sorted(set(seqs))
        assert chain_pb2.CHAIN_STATUS_RUNNING in [p.status for p in snapshots]
        final = snapshots[-1]
        assert final.status == chain_pb2.CHAIN_STATUS_COMPLETED
        assert [s.success for s in final.result.steps] == [True, True]
        second = await pool.get(final.result.steps[1].task_id)
        assert second.prompt == "use first"
