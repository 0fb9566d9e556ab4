"""The supervisor: gives ERRORED slots a fresh start, up to `max_restarts` times per slot.

A slot becomes ERRORED after repeated failed CLI starts (slot_worker). The restart clears its
kept session (the old one may be what breaks) and its failure count; its worker resumes claiming
as soon as the slot is IDLE again.
"""

from __future__ import annotations

import asyncio
import logging

from claude_pool_server.domain.slots import SlotState
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.engine.slots import SlotRegistry

log = logging.getLogger(__name__)


class Supervisor:
    def __init__(self, slots: SlotRegistry, settings: PoolSettings) -> None:
        self.slots = slots
        self.settings = settings

    async def restart_errored(self) -> int:
        """Restart this replica's errored slots that have restarts left; returns how many."""
        restarted = 0
        for worker in list(self.slots.workers.values()):
            slot = worker.slot
            if slot.state is not SlotState.ERRORED:
                continue
            if slot.restart_count >= self.settings.max_restarts:
                continue
            await worker.set_state(
                SlotState.IDLE,
                session_id="",
                current_task_id="",
                consecutive_failures=0,
                restart_count=slot.restart_count + 1,
            )
            log.warning("supervisor restarted %s (restart %d)", slot.id, slot.restart_count + 1)
            restarted += 1
        if restarted:
            await self.slots.store.notifier.publish("tasks")
        return restarted

    async def run(self) -> None:
        """Check every `supervisor_interval_seconds` until the pool shuts down."""
        while True:
            await asyncio.sleep(self.settings.supervisor_interval_seconds)
            try:
                await self.restart_errored()
            except Exception:
                log.exception("supervisor check failed")
