"""Task event logs: batched writing of a run's output, and resumable reading (watch).

Output deltas are written in batches (every `flush_interval` or `max_batch` events), not one store
write per token; a watcher reads the durable log from its `after_seq` and then waits for more, so a
reconnecting watcher gets exactly what it missed, whichever replica it talks to.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from claude_pool_server.domain.errors import InvalidArgument, SeqOutOfRange, TaskNotFound
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.tasks import EventPayload, Finished, TaskEvent

READ_BATCH = 500


class EventBatcher:
    """Buffers one task's events and appends them to the store in order, in batches."""

    def __init__(
        self, store: PoolStore, task_id: str, flush_interval: float = 0.05, max_batch: int = 64
    ) -> None:
        self._store = store
        self._task_id = task_id
        self._flush_interval = flush_interval
        self._max_batch = max_batch
        self._buffer: list[EventPayload] = []
        self._timer: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self.discard = False  # set when the task ended elsewhere (e.g. cancelled): drop the rest

    async def add(self, payload: EventPayload) -> None:
        if self.discard:
            return
        self._buffer.append(payload)
        if len(self._buffer) >= self._max_batch:
            await self.flush()
        elif self._timer is None or self._timer.done():
            self._timer = asyncio.create_task(self._flush_later())

    async def _flush_later(self) -> None:
        await asyncio.sleep(self._flush_interval)
        # Shielded: `close()` cancels this timer, and cancelling a store write half-way (a
        # Postgres transaction) would drop the batch; close's own flush waits for it instead.
        await asyncio.shield(self.flush())

    async def flush(self) -> None:
        async with self._lock:
            batch, self._buffer = self._buffer, []
            if batch and not self.discard:
                await self._store.append_events(self._task_id, batch)

    async def close(self) -> None:
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._timer
        await self.flush()


async def watch_events(
    store: PoolStore, task_id: str, after_seq: int, poll_interval: float
) -> AsyncIterator[TaskEvent]:
    """Yield the task's events after `after_seq`, then the live tail, up to its Finished event."""
    if after_seq < 0:
        raise InvalidArgument("after_seq", "must not be negative")
    task = await store.get_task(task_id)
    if task is None:
        raise TaskNotFound(task_id)
    if after_seq > task.last_seq:
        raise SeqOutOfRange(task_id, after_seq, task.last_seq)
    topic = f"task:{task_id}"
    seq = after_seq
    while True:
        seen = store.notifier.version(topic)
        events = await store.read_events(task_id, seq, READ_BATCH)
        for event in events:
            yield event
            seq = event.seq
            if isinstance(event.payload, Finished):
                return
        if not events:
            await store.notifier.wait(topic, seen, poll_interval)
