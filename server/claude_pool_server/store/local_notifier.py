"""In-process Notifier: a version counter per topic and one asyncio.Condition."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict


class LocalNotifier:
    """Topic versions for waiters in this process. Postgres feeds NOTIFY messages into one too."""

    def __init__(self) -> None:
        self._versions: defaultdict[str, int] = defaultdict(int)
        self._condition: asyncio.Condition | None = None

    def _cond(self) -> asyncio.Condition:
        if self._condition is None:
            self._condition = asyncio.Condition()
        return self._condition

    def version(self, topic: str) -> int:
        return self._versions[topic]

    async def publish(self, topic: str) -> None:
        self.bump(topic)
        cond = self._cond()
        async with cond:
            cond.notify_all()

    def bump(self, topic: str) -> None:
        self._versions[topic] += 1

    def topics(self) -> list[str]:
        """Topics seen so far (PostgresNotifier wakes them all after a lost connection)."""
        return list(self._versions)

    async def wait(self, topic: str, seen_version: int, timeout: float) -> int:
        cond = self._cond()
        async with cond:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    cond.wait_for(lambda: self._versions[topic] > seen_version), timeout
                )
        return self._versions[topic]
