"""Scaling: add or remove this replica's slots within `min_slots..max_slots`.

Scale-down removes idle and least-used slots first (the seed removed the most-used ones); a busy
slot gets `busy_timeout` to finish its task, after which the task is cancelled. A removed slot
stays in the store as STOPPED, so its counters remain visible.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from claude_pool_server.domain.errors import InvalidArgument, PoolDraining, ScalingBounds
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.engine.slots import SlotRegistry

DEFAULT_BUSY_TIMEOUT = 30.0


def _number(slot_id: str) -> int:
    suffix = slot_id.rpartition("-")[2]
    return int(suffix) if suffix.isdigit() else -1


class Scaler:
    def __init__(
        self, slots: SlotRegistry, settings: PoolSettings, draining: Callable[[], bool]
    ) -> None:
        self.slots = slots
        self.settings = settings
        self._draining = draining
        self._lock = asyncio.Lock()  # one scaling operation at a time: bounds hold

    def _check_bounds(self, requested: int) -> None:
        if not self.settings.min_slots <= requested <= self.settings.max_slots:
            raise ScalingBounds(requested, self.settings.min_slots, self.settings.max_slots)

    async def scale_up(self, count: int) -> int:
        if count < 1:
            raise InvalidArgument("count", "must be at least 1")
        async with self._lock:
            return await self._add(count)

    async def _add(self, count: int) -> int:
        if self._draining():
            raise PoolDraining()
        self._check_bounds(len(self.slots) + count)
        await self.slots.add(count)
        return len(self.slots)

    async def scale_down(self, count: int, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> int:
        if count < 1:
            raise InvalidArgument("count", "must be at least 1")
        if busy_timeout < 0:
            raise InvalidArgument("busy_timeout", "must not be negative")
        async with self._lock:
            return await self._remove(count, busy_timeout)

    async def _remove(self, count: int, busy_timeout: float) -> int:
        self._check_bounds(len(self.slots) - count)
        workers = sorted(
            self.slots.workers.values(),
            key=lambda w: (w.busy, w.slot.tasks_completed, _number(w.slot_id)),
        )
        victims = [w.slot_id for w in workers[:count]]
        await asyncio.gather(*(self.slots.retire(v, busy_timeout) for v in victims))
        return len(self.slots)

    async def set_target(self, target: int, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> int:
        self._check_bounds(target)
        async with self._lock:
            current = len(self.slots)
            if target > current:
                return await self._add(target - current)
            if target < current:
                return await self._remove(current - target, busy_timeout)
            return current
