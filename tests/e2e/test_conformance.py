"""The client conformance scenario (clients/CONFORMANCE.md §3, steps 1-14) in Python.

Against the harness's server when CLAUDE_POOL_TEST_ADDR is set (`python -m tests.support.live_server
-- ...`: mutual TLS, a bearer token, the first attempt of every mutating call refused UNAVAILABLE),
else against a server of its own started the same way, so `pytest` alone runs it. Every call goes
through the wrapper methods over mutual TLS with the token unless a step says otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from claude_pool import (
    ErrorReason,
    HealthStatus,
    InvalidArgumentError,
    NotFoundError,
    PoolClient,
    PoolError,
    UnauthenticatedError,
    UnavailableError,
)
from claude_pool.v1 import chain_pb2, task_pb2
from tests.support.live_server import live_server

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]

DOMAIN = "claude-pool.dev"


@dataclass(frozen=True)
class Target:
    """Where the server is and how to reach it: TLS files are paths (None for plaintext)."""

    address: str
    token: str
    ca: str | None
    cert: str | None
    key: str | None

    def client(self, **options: Any) -> PoolClient:
        """A client over mutual TLS with the token; `options` change that."""
        base: dict[str, Any] = {
            "token": self.token,
            "ca_certificate": self.ca,
            "client_certificate": self.cert,
            "client_key": self.key,
        }
        return PoolClient(self.address, **{**base, **options})


@pytest.fixture(scope="module")
def target() -> Iterator[Target]:
    env = os.environ
    if env.get("CLAUDE_POOL_TEST_ADDR"):
        yield Target(
            env["CLAUDE_POOL_TEST_ADDR"],
            env.get("CLAUDE_POOL_TEST_TOKEN", ""),
            env.get("CLAUDE_POOL_TEST_TLS_CA") or None,
            env.get("CLAUDE_POOL_TEST_TLS_CERT") or None,
            env.get("CLAUDE_POOL_TEST_TLS_KEY") or None,
        )
        return
    with live_server() as server:
        tls = server.tls
        yield Target(
            server.address,
            server.token,
            str(tls.ca) if tls else None,
            str(tls.client_cert) if tls else None,
            str(tls.client_key) if tls else None,
        )


async def test_01_health_needs_no_token(target: Target) -> None:
    async with target.client(token=None) as anonymous:
        assert await anonymous.health() == HealthStatus.SERVING


async def test_02_a_certificate_without_a_token_is_unauthenticated(target: Target) -> None:
    async with target.client(token=None) as no_token:
        with pytest.raises(UnauthenticatedError) as refused:
            await no_token.status()
        assert refused.value.code == grpc.StatusCode.UNAUTHENTICATED
    async with target.client() as pool:
        assert (await pool.status()).total_slots >= 1


async def test_03_run_is_resent_and_completes(target: Target) -> None:
    async with target.client() as pool:
        task = await pool.run("conformance run [[reply:hello from the pool]]")
    assert task.state == task_pb2.TASK_STATE_COMPLETED
    assert task.result.output == "hello from the pool"
    assert task.result.success


async def test_04_run_stream_yields_ordered_deltas_then_finished(target: Target) -> None:
    async with target.client() as pool:
        events = [
            e
            async for e in pool.stream(
                "conformance stream [[reply:one two three four]] [[chunks:4]]"
            )
        ]
    kinds = [e.WhichOneof("kind") for e in events]
    assert kinds[-1] == "finished"
    deltas = [e.text_delta.text for e in events if e.HasField("text_delta")]
    assert len(deltas) >= 2
    assert "finished" not in kinds[:-1]
    seqs = [e.seq for e in events]
    assert all(a < b for a, b in itertools.pairwise(seqs))
    final = events[-1].finished.task
    assert "".join(deltas) == final.result.output == "one two three four"


async def test_05_a_dropped_watch_resumes_from_its_last_seq(target: Target) -> None:
    async with target.client() as pool:
        task = await pool.submit(
            "conformance watch [[reply:a b c d e f]] [[chunks:6]] [[slow:0.3]]"
        )
        first: list[task_pb2.TaskEvent] = []
        async with contextlib.aclosing(pool.watch(task.id, after_seq=0)) as stream:
            async for event in stream:
                first.append(event)
                if event.HasField("text_delta"):
                    break  # drop the stream here: aclosing cancels it at once
        assert first and first[-1].HasField("text_delta")
        rest = [e async for e in pool.watch(task.id, after_seq=first[-1].seq)]
    both = first + rest
    assert both[-1].HasField("finished")
    assert [e.seq for e in both] == list(range(1, len(both) + 1))
    assert "".join(e.text_delta.text for e in both if e.HasField("text_delta")) == "a b c d e f"


async def test_06_cancel_a_running_task(target: Target) -> None:
    async with target.client() as pool:
        task = await pool.submit("conformance cancel [[slow:5]] [[chunks:10]]")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while (await pool.get(task.id)).state != task_pb2.TASK_STATE_RUNNING:
            assert loop.time() < deadline, "the task did not start running within 30 s"
            await asyncio.sleep(0.1)
        await pool.cancel(task.id)
        done = await pool.wait(task.id, timeout=30)
    assert done.state == task_pb2.TASK_STATE_CANCELLED


async def test_07_errors_carry_their_reason(target: Target) -> None:
    async with target.client() as pool:
        with pytest.raises(NotFoundError) as missing:
            await pool.get("task-does-not-exist")
    error = missing.value
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.error_reason == ErrorReason.ERROR_REASON_TASK_NOT_FOUND
    assert (error.reason, error.domain) == ("TASK_NOT_FOUND", DOMAIN)


async def test_08_bad_input_names_the_field(target: Target) -> None:
    async with target.client() as pool:
        with pytest.raises(InvalidArgumentError) as empty:
            await pool.submit("")
        with pytest.raises(InvalidArgumentError) as nul:
            await pool.get("task-\u0000")
    assert empty.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "task.prompt" in [v.field for v in empty.value.field_violations]
    assert nul.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "task_id" in [v.field for v in nul.value.field_violations]


async def test_09_fan_out_in_order_and_as_a_stream(target: Target) -> None:
    async with target.client() as pool:
        items = await pool.fan_out(["[[reply:x]]", "[[reply:y]]"])
        streamed = [i async for i in pool.fan_out_stream(["[[reply:x]]", "[[reply:y]]"])]
    assert [i.index for i in items] == [0, 1]
    assert [i.task.state for i in items] == [task_pb2.TASK_STATE_COMPLETED] * 2
    assert [i.task.result.output for i in items] == ["x", "y"]
    assert sorted(i.index for i in streamed) == [0, 1]
    assert all(i.task.state == task_pb2.TASK_STATE_COMPLETED for i in streamed)
    assert {i.index: i.task.result.output for i in streamed} == {0: "x", 1: "y"}


async def test_10_chain_progress_and_substitution(target: Target) -> None:
    async with target.client() as pool:
        chain = await pool.submit_chain(
            [
                {"name": "first", "prompt": "[[reply:first]]"},
                {"name": "second", "prompt": "use {previous_output}"},
            ]
        )
        snapshots = [p async for p in pool.watch_chain(chain.chain_id, after_seq=0)]
        final = snapshots[-1]
        second = await pool.get(final.result.steps[1].task_id)
        listed = [c.chain_id async for c in pool.iter_chains(page_size=2)]
    seqs = [p.seq for p in snapshots]
    assert all(a < b for a, b in itertools.pairwise(seqs))
    assert chain_pb2.CHAIN_STATUS_RUNNING in [p.status for p in snapshots]
    assert final.status == chain_pb2.CHAIN_STATUS_COMPLETED
    assert [s.success for s in final.result.steps] == [True, True]
    assert second.prompt == "use first"
    assert chain.chain_id in listed


async def test_11_sessions_continue_list_and_delete(target: Target) -> None:
    async with target.client() as pool:
        a = await pool.run("[[reply:blue-42]]")
        assert a.state == task_pb2.TASK_STATE_COMPLETED
        follow_up = await pool.run("what was it? [[recall]]", continue_from=a.id)
        assert follow_up.result.output == "RECALL[blue-42]"
        assert follow_up.result.session_id == a.result.session_id
        fresh = await pool.run("unrelated [[recall]]")
        assert fresh.result.output == "RECALL[]"
        session_id = a.result.session_id
        session = await pool.get_session(session_id)
        assert session.turns == 2
        assert session_id in [s.id async for s in pool.iter_sessions(page_size=2)]
        await pool.delete_session(session_id)
        with pytest.raises(NotFoundError) as gone:
            await pool.get_session(session_id)
        assert gone.value.error_reason == ErrorReason.ERROR_REASON_SESSION_NOT_FOUND
        with pytest.raises(NotFoundError) as cannot_continue:
            await pool.run("and now? [[recall]]", continue_from=session_id)
        assert cannot_continue.value.error_reason == ErrorReason.ERROR_REASON_SESSION_NOT_FOUND
        with pytest.raises(InvalidArgumentError):
            await pool.submit("both [[recall]]", continue_from=a.id, fork_from=a.id)


async def test_12_context_messages_slots_metrics_config_and_paging(target: Target) -> None:
    async with target.client() as pool:
        await pool.set_context("conformance.key", "v")
        assert await pool.get_context("conformance.key") == "v"
        entries = {e.key: e.value async for e in pool.iter_context(page_size=1)}
        assert entries.get("conformance.key") == "v"
        assert await pool.delete_context("conformance.key") is True

        slots = await pool.find_slots()
        assert slots
        slot_id = slots[0].id
        await pool.send_message(slot_id, "hello slot", from_slot_id="conformance")
        assert await pool.count_messages(slot_id) >= 1
        assert "hello slot" in [m.content for m in await pool.peek_messages(slot_id)]
        assert "hello slot" in [m.content for m in await pool.read_messages(slot_id)]
        assert await pool.read_messages(slot_id) == []

        assert (await pool.config()).server_version
        assert (await pool.session_metrics()).total_tasks >= 1
        ids = [t.id async for t in pool.iter_tasks(page_size=2)]
    assert len(ids) > 2
    assert len(ids) == len(set(ids))


async def test_13_tls_is_required_and_mutual(target: Target) -> None:
    if target.ca is None:
        pytest.fail("the server under test has no TLS (the harness was run with --plaintext)")
    async with target.client(
        tls=False, ca_certificate=None, client_certificate=None, client_key=None
    ) as plaintext:
        with pytest.raises(UnavailableError):
            await plaintext.status(deadline=10)
    async with target.client(client_certificate=None, client_key=None) as no_certificate:
        with pytest.raises(PoolError) as refused:
            await no_certificate.status(deadline=10)
    assert refused.value.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAUTHENTICATED)


async def test_14_review_gate_and_delete(target: Target) -> None:
    async with target.client() as pool:
        task = await pool.submit("[[reply:draft]]", review_required=True)
        assert (await pool.wait(task.id, 60)).state == task_pb2.TASK_STATE_PENDING_REVIEW
        rejected = await pool.reject(task.id, "again")
        assert rejected.state in (task_pb2.TASK_STATE_PENDING, task_pb2.TASK_STATE_RUNNING)
        assert (await pool.wait(task.id, 60)).state == task_pb2.TASK_STATE_PENDING_REVIEW
        approved = await pool.approve(task.id)
        assert approved.state == task_pb2.TASK_STATE_COMPLETED
        await pool.delete_task(task.id)
        with pytest.raises(NotFoundError):
            await pool.get(task.id)
