"""FakeDriver: an in-process stand-in for the CLI, for fast engine unit tests and control-plane
benchmarks only. Every path it serves is also tested through the real CLI.

It keeps conversations like the CLI does, so session behaviour can be unit tested: a new run gets
a new session id, a continued one keeps its id and sees the earlier prompts, a fork gets a new
id that starts with the parent's history.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field

from claude_pool_server.domain.runs import RunEvent, RunOutcome, RunRequest, SessionMode
from claude_pool_server.domain.tasks import FailureKind, TaskFailure, TextDelta


@dataclass(frozen=True)
class FakeReply:
    """What the fake run does: stream `chunks` with `delay` between them, then succeed or fail."""

    chunks: tuple[str, ...] = ("fake ", "reply")
    delay: float = 0.0
    cost_micros: int = 100
    success: bool = True
    failure_message: str = "fake failure"


def echo_reply(request: RunRequest) -> FakeReply:
    return FakeReply(chunks=("FAKE[", request.prompt[:40], "]"))


@dataclass
class FakeDriver:
    reply: Callable[[RunRequest], FakeReply] = echo_reply
    requests: list[RunRequest] = field(default_factory=list)
    # session id -> the prompts it holds (only successful turns are kept, as with the CLI)
    histories: dict[str, list[str]] = field(default_factory=dict)
    # per run, in start order: the prompts of its conversation before its own
    seen: list[list[str]] = field(default_factory=list)

    def start(self, request: RunRequest) -> FakeRun:
        self.requests.append(request)
        plan = request.session
        if plan.mode is SessionMode.CONTINUE:
            session_id = plan.session_id
            history = list(self.histories.get(plan.session_id, []))
        else:
            session_id = str(uuid.uuid4())
            forked = plan.mode is SessionMode.FORK
            history = list(self.histories.get(plan.session_id, [])) if forked else []
        return FakeRun(self, self.reply(request), session_id, history, request.prompt)

    async def cli_version(self) -> str:
        return "fake"

    def warm_processes(self) -> int:
        return 0

    async def close(self) -> None:
        return None


class FakeRun:
    def __init__(
        self, driver: FakeDriver, reply: FakeReply, session_id: str, history: list[str], prompt: str
    ) -> None:
        self._driver = driver
        self._reply = reply
        self._session_id = session_id
        self._history = history
        self._prompt = prompt
        self._stopped = asyncio.Event()
        driver.seen.append(list(history))

    async def stop(self) -> None:
        self._stopped.set()

    async def events(self) -> AsyncGenerator[RunEvent, None]:
        reply = self._reply
        for chunk in reply.chunks:
            if reply.delay:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopped.wait(), reply.delay)
            if self._stopped.is_set():
                yield RunOutcome(
                    success=False,
                    output="",
                    failure=TaskFailure(FailureKind.EXECUTION_ERROR, "cancelled"),
                    cancelled=True,
                )
                return
            yield TextDelta(chunk)
        output = "".join(reply.chunks)
        if reply.success:
            self._driver.histories[self._session_id] = [*self._history, self._prompt]
            yield RunOutcome(
                True,
                output,
                reply.cost_micros,
                1,
                self._session_id,
                "fake-model",
                transcript=f"turn:{self._prompt[:20]}".encode(),
            )
        else:
            yield RunOutcome(
                False,
                output,
                reply.cost_micros,
                1,
                self._session_id,
                "fake-model",
                failure=TaskFailure(FailureKind.EXECUTION_ERROR, reply.failure_message),
            )
