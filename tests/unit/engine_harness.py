"""A Pool on the InMemoryStore with the FakeDriver, for the fast engine unit tests.

`running(reply, **settings)` starts a pool whose driver answers every run with `reply(request)`
and shuts it down afterwards; `eventually` waits for a condition with a bound (never a sleep as
an assertion).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.chains import ChainProgress
from claude_pool_server.domain.ports import Workspaces
from claude_pool_server.domain.runs import RunRequest
from claude_pool_server.domain.tasks import Task, TaskQuery
from claude_pool_server.driver.fake import FakeDriver, FakeReply
from claude_pool_server.engine.pool import Pool
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.store.memory import InMemoryStore
from claude_pool_server.workspace.git import GitWorkspaces

ALICE = Caller("alice", "team-a")
BOB = Caller("bob", "team-b")

Reply = Callable[[RunRequest], FakeReply]


def echo(request: RunRequest) -> FakeReply:
    """`R[<the whole prompt>]`, costing 100 micro-dollars."""
    return FakeReply(chunks=(f"R[{request.prompt}]",), cost_micros=100)


def slow(chunks: int = 100, delay: float = 0.05, cost_micros: int = 100) -> FakeReply:
    """A run of `chunks * delay` seconds that stops at once when it is stopped."""
    return FakeReply(chunks=("x",) * chunks, delay=delay, cost_micros=cost_micros)


def settings(**overrides: object) -> PoolSettings:
    # The heartbeat is far off: a test calls recovery and adoption itself when it wants them.
    base = PoolSettings(poll_interval_seconds=0.05, slots=2, heartbeat_seconds=60.0)
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


@dataclass
class Harness:
    pool: Pool
    driver: FakeDriver
    store: InMemoryStore

    def prompts(self) -> list[str]:
        """The prompts the driver was asked to run, in start order."""
        return [r.prompt for r in self.driver.requests]

    async def chain_tasks(self, caller: Caller, chain_id: str) -> list[Task]:
        """The chain's step tasks, oldest first."""
        page = await self.pool.list_tasks(caller, TaskQuery(chain_id=chain_id, page_size=500))
        return list(reversed(page.tasks))

    async def wait_chain(self, caller: Caller, chain_id: str, within: float = 3.0) -> ChainProgress:
        return await asyncio.wait_for(self.pool.chains.wait(caller, chain_id), within)

    async def wait_task(self, caller: Caller, task_id: str, within: float = 3.0) -> Task:
        task, settled = await self.pool.wait_task(caller, task_id, within)
        assert settled, f"task {task_id} did not settle within {within}s: {task.state}"
        return task


@contextlib.asynccontextmanager
async def running(
    reply: Reply = echo,
    *,
    store: InMemoryStore | None = None,
    replica_id: str | None = None,
    workspaces: Workspaces | None = None,
    grace: float = 0.2,
    **overrides: object,
) -> AsyncIterator[Harness]:
    driver = FakeDriver(reply=reply)
    store = store or InMemoryStore()
    pool = Pool(settings(**overrides), store, driver, workspaces or GitWorkspaces(), replica_id)
    await pool.start()
    try:
        yield Harness(pool, driver, store)
    finally:
        await pool.shutdown(grace)


async def eventually(check: Callable[[], Awaitable[bool]], within: float = 3.0) -> None:
    """Wait until `check()` is true; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(0.005)
