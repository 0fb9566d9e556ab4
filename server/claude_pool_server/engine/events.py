"""Task event logs: writing a run's output as it comes, and resumable reading (watch).

A run's output events are written without a timer: the first event after a quiet spell goes to
the store at once, and while one write is in flight the events that arrive meanwhile wait and go
together in the next write. So a lone delta reaches watchers in one store round trip, and a fast
stream is batched exactly as much as the store is slow. A watcher reads the durable log from its
`after_seq` and then waits for more, so a reconnecting watcher gets exactly what it missed,
whichever replica it talks to.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from claude_pool_server.domain.errors import InvalidArgument, PoolError, SeqOutOfRange, TaskNotFound
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.tasks import EventPayload, Finished, TaskEvent

log = logging.getLogger(__name__)

READ_BATCH = 500
MAX_WRITE = 256


class EventBatcher:
    """Appends one running task's events to the store in order: at once when idle, batched
    while a write is in flight."""

    def __init__(self, store: PoolStore, task_id: str) -> None:
        self._store = store
        self._task_id = task_id
        self._buffer: list[EventPayload] = []
        self._writer: asyncio.Task[None] | None = None
        self.discard = False  # set when the task ended elsewhere (e.g. cancelled): drop the rest

    def add(self, payload: EventPayload) -> None:
        if self.discard:
            return
        self._buffer.append(payload)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name=f"events:{self._task_id}")

    async def _drain(self) -> None:
        while self._buffer and not self.discard:
            batch, self._buffer = self._buffer[:MAX_WRITE], self._buffer[MAX_WRITE:]
            try:
                # Not shielded (a task more, a turn of the event loop on each delta's way): the
                # writer is never cancelled, `close` waits for it under a shield of its own.
                await self._store.append_events(self._task_id, batch)
            except PoolError as exc:
                log.warning("task %s: %d output events not stored: %s", self._task_id,
                            len(batch), exc.message)  # fmt: skip

    async def close(self) -> None:
        """Wait until everything added so far is written."""
        while self._writer is not None and not self._writer.done():
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(self._writer)
        if self._buffer and not self.discard:
            self._writer = asyncio.create_task(self._drain())
            await self._writer


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
        if len(events) < READ_BATCH and store.notifier.version(topic) == seen:
            # all that was notified before the read is read (PoolStore.read_events): wait
            await store.notifier.wait(topic, seen, poll_interval)
