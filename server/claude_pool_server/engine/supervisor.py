"""The supervisor: gives ERRORED slots a fresh start, up to `max_restarts` times per slot.

A slot becomes ERRORED after repeated failed CLI starts (slot_worker). The restart clears its
session (the old one may be what breaks) and its failure count; its worker resumes claiming as
soon as the slot is IDLE again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING

from claude_pool_server.domain.slots import SlotState

if TYPE_CHECKING:
    from claude_pool_server.engine.pool import Pool

log = logging.getLogger(__name__)


async def restart_errored(pool: Pool) -> int:
    """Restart this replica's errored slots that have restarts left; returns how many."""
    restarted = 0
    for slot_id in list(pool.workers):
        slot = await pool.store.get_slot(slot_id)
        if slot is None or slot.state is not SlotState.ERRORED:
            continue
        if slot.restart_count >= pool.settings.max_restarts:
            continue
        await pool.store.put_slot(
            dataclasses.replace(
                slot,
                state=SlotState.IDLE,
                session_id="",
                current_task_id="",
                consecutive_failures=0,
                restart_count=slot.restart_count + 1,
            )
        )
        log.warning("supervisor restarted %s (restart %d)", slot_id, slot.restart_count + 1)
        restarted += 1
    if restarted:
        await pool.store.notifier.publish("tasks")
    return restarted


async def run(pool: Pool) -> None:
    """Check every `supervisor_interval_seconds` until the pool shuts down."""
    while True:
        await asyncio.sleep(pool.settings.supervisor_interval_seconds)
        try:
            await restart_errored(pool)
        except Exception:
            log.exception("supervisor check failed")
