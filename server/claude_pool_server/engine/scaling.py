"""Scaling: add or remove this replica's slots within `min_slots..max_slots`.

Scale-down removes idle and least-used slots first (the seed removed the most-used ones); a busy
slot gets `busy_timeout` to finish its task, after which the task is cancelled. A removed slot
stays in the store as STOPPED, so its counters remain visible.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import weakref
from typing import TYPE_CHECKING

from claude_pool_server.domain.errors import (
    InvalidArgument,
    PoolDraining,
    PoolError,
    ScalingBounds,
)
from claude_pool_server.domain.slots import Slot, SlotState
from claude_pool_server.engine import isolation

if TYPE_CHECKING:
    from claude_pool_server.engine.pool import Pool

DEFAULT_BUSY_TIMEOUT = 30.0

_locks: weakref.WeakKeyDictionary[Pool, asyncio.Lock] = weakref.WeakKeyDictionary()


def _lock(pool: Pool) -> asyncio.Lock:
    """One scaling operation at a time per pool, so two calls cannot pass the bounds together."""
    return _locks.setdefault(pool, asyncio.Lock())


def _check_bounds(pool: Pool, requested: int) -> None:
    settings = pool.settings
    if not settings.min_slots <= requested <= settings.max_slots:
        raise ScalingBounds(requested, settings.min_slots, settings.max_slots)


def _number(slot_id: str) -> int:
    suffix = slot_id.rpartition("-")[2]
    return int(suffix) if suffix.isdigit() else -1


async def scale_up(pool: Pool, count: int) -> int:
    if count < 1:
        raise InvalidArgument("count", "must be at least 1")
    async with _lock(pool):
        return await _add(pool, count)


async def _add(pool: Pool, count: int) -> int:
    if pool.draining:
        raise PoolDraining()
    current = len(pool.workers)
    _check_bounds(pool, current + count)
    # Allocated atomically in the store, so two replicas scaling at once never share an id.
    slot_ids = await pool.store.allocate_slot_ids(pool.replica_id, count)
    configs = pool.settings.slot_configs
    for position, slot_id in enumerate(slot_ids, start=current):
        if position < len(configs):
            slot = Slot(slot_id, replica_id=pool.replica_id, config=configs[position])
            await pool.store.put_slot(slot)
        pool._start_worker(slot_id)
    await pool.store.notifier.publish("tasks")
    return len(pool.workers)


async def scale_down(pool: Pool, count: int, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> int:
    if count < 1:
        raise InvalidArgument("count", "must be at least 1")
    if busy_timeout < 0:
        raise InvalidArgument("busy_timeout", "must not be negative")
    async with _lock(pool):
        return await _remove(pool, count, busy_timeout)


async def _remove(pool: Pool, count: int, busy_timeout: float) -> int:
    _check_bounds(pool, len(pool.workers) - count)
    slots = [s for s in await pool.store.list_slots() if s.id in pool.workers]
    slots.sort(key=lambda s: (pool.workers[s.id].busy, s.tasks_completed, _number(s.id)))
    victims = [s.id for s in slots[:count]]
    for slot_id in victims:
        await pool.workers[slot_id].stop()  # no new claims from here on
    await asyncio.gather(*(_retire(pool, slot_id, busy_timeout) for slot_id in victims))
    return len(pool.workers)


async def _retire(pool: Pool, slot_id: str, busy_timeout: float) -> None:
    worker = pool.workers[slot_id]
    deadline = time.monotonic() + busy_timeout
    while worker.busy and worker.current_task_id:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            with contextlib.suppress(PoolError):  # it may have finished meanwhile
                await pool.cancel_task(worker.current_task_id, reason=f"{slot_id} scaled down")
            break
        await pool.wait_task(worker.current_task_id, remaining)
    await worker.wait_idle()
    slot = await pool.store.get_slot(slot_id)
    if slot is not None:
        await pool.store.put_slot(
            dataclasses.replace(slot, state=SlotState.STOPPED, current_task_id="")
        )
    del pool.workers[slot_id]
    await pool.driver.forget_slot(slot_id)
    if pool.settings.worktree_isolation:
        await isolation.remove_slot_worktrees(pool.settings.work_roots, slot_id)


async def set_target(pool: Pool, target: int, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> int:
    _check_bounds(pool, target)
    async with _lock(pool):
        current = len(pool.workers)
        if target > current:
            return await _add(pool, target - current)
        if target < current:
            return await _remove(pool, current - target, busy_timeout)
        return current
