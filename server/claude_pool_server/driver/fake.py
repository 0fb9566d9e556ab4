"""FakeDriver: an in-process stand-in for the CLI, for fast engine unit tests and control-plane
benchmarks only. Every path it serves is also tested through the real CLI."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, field

from claude_pool_server.domain.runs import RunEvent, RunOutcome, RunRequest
from claude_pool_server.domain.tasks import FailureKind, TaskFailure, TextDelta


@dataclass(frozen=True)
class FakeReply:
    """What the fake run does: stream `chunks` with `delay` between them, then succeed or fail."""

    chunks: tuple[str, ...] = ("fake ", "reply")
    delay: float = 0.0
    cost_micros: int = 100
    success: bool = True
    failure_message: str = "fake failure"
    session_id: str = "fake-session"


def echo_reply(request: RunRequest) -> FakeReply:
    return FakeReply(chunks=("FAKE[", request.prompt[:40], "]"))


@dataclass
class FakeDriver:
    reply: Callable[[RunRequest], FakeReply] = echo_reply
    requests: list[RunRequest] = field(default_factory=list)

    def start(self, request: RunRequest) -> FakeRun:
        self.requests.append(request)
        return FakeRun(self.reply(request))

    async def cli_version(self) -> str:
        return "fake"

    async def forget_slot(self, slot_id: str) -> None:
        return None

    async def close(self) -> None:
        return None


class FakeRun:
    def __init__(self, reply: FakeReply) -> None:
        self._reply = reply
        self._stopped = asyncio.Event()

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
            yield RunOutcome(True, output, reply.cost_micros, 1, reply.session_id, "fake-model")
        else:
            yield RunOutcome(
                False,
                output,
                reply.cost_micros,
                1,
                reply.session_id,
                "fake-model",
                failure=TaskFailure(FailureKind.EXECUTION_ERROR, reply.failure_message),
            )
