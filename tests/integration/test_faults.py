"""Faults a shared pool must live through: its database stalls or restarts, a crash lands
between any two steps, a SIGTERM arrives under load, many expensive tasks race a small budget.

Each test runs real `claude-pool serve` processes (real CLI, the stub API). The database tests
stop and start a PostgreSQL server of their own, so the session's server is never disturbed.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator

import grpc
import pytest
import pytest_asyncio
from grpc_health.v1 import health_pb2, health_pb2_grpc

from claude_pool import PoolClient
from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool.v1 import task_pb2
from tests.conftest import eventually
from tests.support.postgres import OwnPostgres, own_postgres
from tests.support.replicas import FAST_RECOVERY, ServeProcess, serve_process
from tests.support.stub_anthropic import StubAnthropic

pytestmark = [pytest.mark.asyncio, pytest.mark.cli, pytest.mark.faults]

TERMINAL = {
    task_pb2.TASK_STATE_COMPLETED,
    task_pb2.TASK_STATE_FAILED,
    task_pb2.TASK_STATE_CANCELLED,
}
SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@pytest.fixture(scope="module")
def database() -> Iterator[OwnPostgres]:
    with own_postgres() as server:
        yield server


@pytest_asyncio.fixture
async def url(database: OwnPostgres) -> str:
    """A fresh database per test: no test inherits another's unfinished tasks."""
    return await database.fresh_database()


@pytest_asyncio.fixture
async def replica(
    database: OwnPostgres, url: str, stub: StubAnthropic, request: pytest.FixtureRequest
) -> AsyncIterator[ServeProcess]:
    failed_before = request.session.testsfailed
    with serve_process(stub, url, slots=2, extra_args=FAST_RECOVERY) as server:
        yield server
        if request.session.testsfailed > failed_before:
            print(f"--- replica log ---\n{server.log()[-8000:]}")
    # whatever a test left stopped is running again for the next one
    database.resume()


def health(server: ServeProcess) -> int:
    with grpc.insecure_channel(server.address) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=2
            )
        except grpc.RpcError:
            return -1
        return int(reply.status)


async def health_becomes(server: ServeProcess, wanted: int, within: float) -> None:
    async def check() -> bool:
        return await asyncio.to_thread(health, server) == wanted

    await eventually(check, within, interval=0.2)


async def status_code(client: PoolClient, deadline: float = 30) -> grpc.StatusCode:
    try:
        await client.stub.GetStatus(pb.GetStatusRequest(), timeout=deadline)
    except grpc.aio.AioRpcError as error:
        return error.code()
    return grpc.StatusCode.OK


async def all_settle(client: PoolClient, task_ids: list[str], within: float) -> list[task_pb2.Task]:
    done: dict[str, task_pb2.Task] = {}

    async def settled() -> bool:
        for task_id in task_ids:
            if task_id not in done:
                task = await client.get(task_id)
                if task.state in TERMINAL:
                    done[task_id] = task
        return len(done) == len(task_ids)

    await eventually(settled, within, interval=0.25)
    return [done[t] for t in task_ids]


async def test_a_database_paused_past_the_lease_is_survived_without_a_restart(
    database: OwnPostgres, replica: ServeProcess
) -> None:
    """Postgres stops answering for longer than the lease: health says NOT_SERVING and calls
    get UNAVAILABLE (retryable) meanwhile; afterwards the replica serves again by itself and
    the task that was running when the database stalled ends."""
    async with replica.client() as client:
        first = await client.run("[[reply:before the stall]]")
        assert first.state == task_pb2.TASK_STATE_COMPLETED
        running = await client.submit("[[reply:across the stall]] [[slow:0.4]] [[chunks:10]]")
        await eventually(lambda: _state_is(client, running.id, task_pb2.TASK_STATE_RUNNING), 30)
        database.pause()
        try:
            await health_becomes(replica, NOT_SERVING, within=15)
            started = time.monotonic()
            code = await status_code(client)
            assert code == grpc.StatusCode.UNAVAILABLE, code
            assert time.monotonic() - started < 2, "a replica that knows must answer at once"
            await asyncio.sleep(4)  # well past the 3 s lease
        finally:
            database.resume()
        await health_becomes(replica, SERVING, within=30)
        assert await status_code(client) == grpc.StatusCode.OK
        [across] = await all_settle(client, [running.id], within=60)
        assert across.state == task_pb2.TASK_STATE_COMPLETED, across.result.failure.message
        # the replica held on to its run: a stall is not a death, nothing ran twice
        assert across.attempt == 1
        after = await client.run("[[reply:after the stall]]", deadline=60)
        assert after.result.output == "after the stall"
        status = await client.status()
        assert status.running_tasks == 0 and status.pending_tasks == 0
    assert "Traceback" not in replica.log(), replica.log()[-3000:]


async def test_a_database_restart_mid_run_leaves_nothing_stuck_and_no_internal_error(
    database: OwnPostgres, replica: ServeProcess
) -> None:
    """Postgres is shut down hard (every connection cut) with tasks running and pending, and
    started again: no call sees INTERNAL, and every task ends with no slot left busy."""
    async with replica.client() as client:
        submitted = [
            await client.submit(f"[[reply:task {i}]] [[slow:0.2]] [[chunks:6]]") for i in range(6)
        ]
        await eventually(
            lambda: _state_is(client, submitted[0].id, task_pb2.TASK_STATE_RUNNING), 30
        )
        await asyncio.to_thread(database.stop)
        codes: list[grpc.StatusCode] = []
        try:
            for _ in range(5):
                codes.append(await status_code(client, deadline=20))
                await asyncio.sleep(0.5)
        finally:
            await asyncio.to_thread(database.start)
        assert grpc.StatusCode.INTERNAL not in codes and grpc.StatusCode.UNKNOWN not in codes
        assert grpc.StatusCode.UNAVAILABLE in codes, codes
        await health_becomes(replica, SERVING, within=30)
        tasks = await all_settle(client, [t.id for t in submitted], within=120)
        outputs = sorted(t.result.output for t in tasks)
        assert outputs == [f"task {i}" for i in range(6)], [
            (t.state, t.result.failure.message) for t in tasks
        ]

        async def slots_idle() -> bool:
            status = await client.status()
            return status.running_tasks == 0 and status.busy_slots == 0

        await eventually(slots_idle, 30)
    assert " crashed" not in replica.log(), replica.log()[-3000:]


async def _state_is(client: PoolClient, task_id: str, state: int) -> bool:
    return (await client.get(task_id)).state == state


async def test_sigterm_under_load_exits_within_grace_plus_five_seconds(
    url: str, stub: StubAnthropic
) -> None:
    grace = 3
    with serve_process(
        stub, url, slots=2, extra_args=(*FAST_RECOVERY, "--grace", str(grace))
    ) as server:
        async with server.client() as client:
            for i in range(30):
                await client.submit(f"[[reply:load {i}]] [[slow:1]] [[chunks:20]]")
            watchers = [asyncio.create_task(_drain_watch(client, i)) for i in range(20)]
            await asyncio.sleep(2)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(_wait_exit, server.process, grace + 15)
            took = time.monotonic() - started
            for watcher in watchers:
                watcher.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
        assert code is not None, "the server did not exit"
        assert took <= grace + 5, f"exit took {took:.1f}s with --grace {grace}"


async def _drain_watch(client: PoolClient, index: int) -> None:
    page = await client.list_tasks(page_size=50)
    task = page.tasks[index % len(page.tasks)]
    async for _event in client.watch(task.id):
        pass


def _wait_exit(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        return None


async def test_a_replica_killed_at_any_moment_leaves_no_watcher_hanging(
    url: str, stub: StubAnthropic
) -> None:
    """SIGKILL lands between whatever steps were in flight; every state change was stored with
    its events or not at all, so another replica finishes every task and every watcher ends."""
    seeds = [0.3, 0.9, 1.7]
    with serve_process(stub, url, slots=2, extra_args=FAST_RECOVERY) as survivor:
        async with survivor.client() as client:
            for delay in seeds:
                with serve_process(stub, url, slots=3, extra_args=FAST_RECOVERY) as victim:
                    async with victim.client() as victim_client:
                        ids = [
                            (
                                await victim_client.submit(
                                    f"[[reply:k{i}]] [[chunks:8]] [[slow:0.05]]"
                                )
                            ).id
                            for i in range(8)
                        ]
                        await asyncio.sleep(delay)
                        victim.kill()
                watchers = [asyncio.create_task(_finished_by_watch(client, i)) for i in ids]
                done = await asyncio.wait_for(asyncio.gather(*watchers), 90)
                assert all(state in TERMINAL for state in done)
                tasks = await all_settle(client, ids, within=10)
                assert {t.state for t in tasks} == {task_pb2.TASK_STATE_COMPLETED}


async def _finished_by_watch(client: PoolClient, task_id: str) -> int:
    """Watch a task to its end; return the state its Finished event carries."""
    async for event in client.watch(task_id):
        if event.HasField("finished"):
            return int(event.finished.task.state)
    raise AssertionError(f"the watch of {task_id} ended without a finished event")
