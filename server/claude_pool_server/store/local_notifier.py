"""In-process Notifier: a version counter per topic and one future per waiter.

Why futures and not an `asyncio.Condition`: `asyncio.wait_for(cond.wait_for(...))` on Python 3.11
can swallow a cancel or leave the condition's lock held when a timeout and a cancel meet (seen
under load: `RuntimeError: Lock is not acquired`, then every slot blocked for good while health
said SERVING). A waiter here owns one future and waits on it under `asyncio.timeout`; publishing
resolves the futures of that topic without taking any lock, so a cancelled waiter can break
nothing but itself (tests/unit/test_notifier_cancel_storm.py).
"""

from __future__ import annotations

import asyncio
import math
from collections import OrderedDict, defaultdict
from typing import Any


class LocalNotifier:
    """Topic versions for waiters in this process. Postgres feeds NOTIFY messages into one too.

    Two kinds of waiter: `wait` is woken by every change of its topic; `wait_turn` is one of a
    queue, and each change wakes only the first (idle slot workers: a submission wakes one of
    them, not all of them each trying a claim that at most one can win)."""

    def __init__(self) -> None:
        self._versions: defaultdict[str, int] = defaultdict(int)
        self._waiters: dict[str, set[asyncio.Future[Any]]] = {}
        # turn-waiters by topic, longest parked first; the future's result says "a turn"
        self._turns: dict[str, OrderedDict[asyncio.Future[bool], None]] = {}

    def version(self, topic: str) -> int:
        return self._versions[topic]

    async def publish(self, topic: str) -> None:
        self.bump(topic)

    def bump(self, topic: str) -> None:
        """Advance `topic` and wake its waiters (synchronous: safe from any callback)."""
        self._versions[topic] += 1
        for waiter in self._waiters.pop(topic, ()):
            if not waiter.done():
                waiter.set_result(None)
        self.pass_turn(topic)

    def pass_turn(self, topic: str) -> None:
        turns = self._turns.get(topic)
        while turns:
            waiter, _ = turns.popitem(last=False)
            if not waiter.done():
                waiter.set_result(True)
                return

    def topics(self) -> list[str]:
        """Topics seen so far (PostgresNotifier wakes them all after a lost connection)."""
        return list(self._versions)

    def waiting(self) -> int:
        """How many waiters are parked (for tests and metrics)."""
        return sum(len(w) for w in self._waiters.values()) + sum(
            len(t) for t in self._turns.values()
        )

    async def wait(self, topic: str, seen_version: int, timeout: float) -> int:
        if self._versions[topic] > seen_version or timeout <= 0:
            return self._versions[topic]
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(topic, set()).add(waiter)
        try:
            async with asyncio.timeout(None if math.isinf(timeout) else timeout):
                await waiter
        except TimeoutError:
            pass
        finally:
            parked = self._waiters.get(topic)
            if parked is not None:
                parked.discard(waiter)
                if not parked:
                    del self._waiters[topic]
        return self._versions[topic]

    async def wait_turn(
        self, topic: str, seen_version: int, own_topic: str, own_seen: int, timeout: float
    ) -> bool:
        if (
            self._versions[topic] > seen_version
            or self._versions[own_topic] > own_seen
            or timeout <= 0
        ):
            return False
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._turns.setdefault(topic, OrderedDict())[waiter] = None
        self._waiters.setdefault(own_topic, set()).add(waiter)  # woken with None: not a turn
        try:
            async with asyncio.timeout(None if math.isinf(timeout) else timeout):
                await waiter
        except TimeoutError:
            pass  # a turn given as the time ran out is still taken, below
        except asyncio.CancelledError:
            if _given_turn(waiter):  # given a turn, cancelled before it woke: the next one's
                self.pass_turn(topic)
            raise
        finally:
            turns = self._turns.get(topic)
            if turns is not None:
                turns.pop(waiter, None)
                if not turns:
                    del self._turns[topic]
            parked = self._waiters.get(own_topic)
            if parked is not None:
                parked.discard(waiter)
                if not parked:
                    del self._waiters[own_topic]
        return _given_turn(waiter)


def _given_turn(waiter: asyncio.Future[bool]) -> bool:
    return waiter.done() and not waiter.cancelled() and bool(waiter.result())
