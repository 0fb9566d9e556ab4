"""PostgresNotifier: topic versions fed by LISTEN/NOTIFY, so every replica's waiters wake.

Publishing bumps the local version at once and queues a pg_notify (topic as payload, one
channel); a dedicated listening connection bumps versions for notifications from any replica.
The engine's waits all time out to a short poll, so a notification lost while the listener
reconnects (or by a crash between a write's commit and its NOTIFY) only delays work; after a
reconnect every known topic is bumped so waiters re-read at once.

Why the NOTIFYs are not sent inside the writes' statements: PostgreSQL serialises the commits of
all notifying transactions on one lock, held until the commit record is flushed, so a NOTIFY
inside a write makes every such write wait for the others' WAL flushes in turn (measured: the
store's throughput was bound by it). A transaction that only notifies writes no WAL and holds
the lock for microseconds; one statement sends every topic queued meanwhile, on the listening
connection (no pool checkout, nothing queued ahead of it).

A replica alone on its database sends no NOTIFY at all (its own waiters are woken in-process):
the store tells the notifier after each heartbeat how many other replicas are live, and any
notification from another sender (a new replica announces itself when it registers) ends that
at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from claude_pool_server.store.local_notifier import LocalNotifier
from claude_pool_server.store.postgres import queries as q

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 1.0
CONNECT_TIMEOUT_SECONDS = 10.0
# While LISTEN is connected, notifications are reliable, so waiters poll less often: a waiter's
# re-read is a query, and hundreds of waiters polling every second crowd out the slots' work.
LISTENING_POLL_SECONDS = 5.0
SEND_TIMEOUT_SECONDS = 5.0
# how long after the last notification from another replica this one may count itself alone
ALONE_AFTER_QUIET_SECONDS = 10.0


class PostgresNotifier:
    def __init__(
        self,
        dsn: str,
        send: Callable[[list[str]], Awaitable[None]],
        before_foreign: Callable[[str | None], None] = lambda topic: None,
    ) -> None:
        self._send = send  # runs pg_notify with each payload on the store's pool
        # told a topic another replica wrote to (None: any, after a reconnect) before its
        # waiters wake, so that what the store keeps in memory never hides that write
        self._before_foreign = before_foreign
        self._dsn = dsn
        self._local = LocalNotifier()
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._connected = False
        self._sender = secrets.token_hex(4)  # our own notifications were already applied
        self._outbox: list[str] = []  # payloads waiting for the next NOTIFY statement
        self._flusher: asyncio.Task[None] | None = None
        self._connection: asyncpg.Connection | None = None  # the listening one, when up
        self._alone = False  # no other live replica: nobody to notify
        self._foreign_at = -math.inf  # monotonic time of the last notification from another

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen_forever(), name="pg-listen")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), 10)

    async def close(self) -> None:
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._flusher), 2)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def version(self, topic: str) -> int:
        return self._local.version(topic)

    def wake_local(self, topic: str) -> None:
        """Wake this replica's waiters now (send_later reaches the others)."""
        self._local.bump(topic)

    def payload(self, topic: str) -> str:
        """The NOTIFY payload for `topic`: `<sender> <topic>`."""
        return f"{self._sender} {topic}"

    @property
    def listening(self) -> bool:
        return self._connected

    @property
    def alone(self) -> bool:
        """No other replica to notify (as the last heartbeat saw it, and none heard since)."""
        return self._alone

    def other_replicas(self, live: int) -> None:
        """The last heartbeat saw `live` other live replicas."""
        quiet = time.monotonic() - self._foreign_at >= ALONE_AFTER_QUIET_SECONDS
        self._alone = live == 0 and quiet

    async def publish(self, topic: str) -> None:
        """Wake `topic`'s waiters here and, once the NOTIFY is sent, on every replica."""
        self._local.bump(topic)
        self.send_later(topic)
        if self._flusher is not None:
            await asyncio.shield(self._flusher)

    def announce(self, replica_id: str) -> None:
        """Tell the other replicas this one is here (a replica alone stops being so)."""
        self._alone = False
        self.send_later(f"replica:{replica_id}")

    def send_later(self, *topics: str) -> None:
        """Tell the other replicas about `topics` (after the write that changed them committed):
        queued, and sent with whatever else is queued in one statement, at once if none is in
        flight. Nothing is sent while this replica is alone."""
        if self._alone:
            return
        self._outbox.extend(self.payload(topic) for topic in topics)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush(), name="pg-notify")

    async def _flush(self) -> None:
        while self._outbox:
            batch = list(dict.fromkeys(self._outbox))
            self._outbox.clear()
            try:
                connection = self._connection
                if connection is not None and not connection.is_closed():
                    await connection.execute(q.NOTIFY_ALL, batch, timeout=SEND_TIMEOUT_SECONDS)
                else:
                    await self._send(batch)
            except Exception as exc:  # noqa: BLE001 - the waiters' poll covers a lost NOTIFY
                log.debug("NOTIFY of %d topics failed (%r); waiters will poll", len(batch), exc)

    async def wait(self, topic: str, seen_version: int, timeout: float) -> int:
        if self._connected:
            timeout = max(timeout, LISTENING_POLL_SECONDS)
        return await self._local.wait(topic, seen_version, timeout)

    async def wait_turn(
        self, topic: str, seen_version: int, own_topic: str, own_seen: int, timeout: float
    ) -> bool:
        if self._connected:
            timeout = max(timeout, LISTENING_POLL_SECONDS)
        return await self._local.wait_turn(topic, seen_version, own_topic, own_seen, timeout)

    def pass_turn(self, topic: str) -> None:
        self._local.pass_turn(topic)

    def _on_notify(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        sender, _, topic = str(payload).partition(" ")
        if sender == self._sender:
            return
        self._foreign_at = time.monotonic()
        self._alone = False
        self._before_foreign(topic)
        self._local.bump(topic)

    async def _listen_forever(self) -> None:
        while True:
            connection = None
            try:
                connection = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT_SECONDS)
                await connection.add_listener(q.NOTIFY_CHANNEL, self._on_notify)
                if self._listening.is_set():
                    await self._wake_everyone()  # we may have missed notifications
                self._listening.set()
                self._connected = True
                self._connection = connection
                await self._until_closed(connection)
                log.warning("LISTEN connection closed; polling until it is back")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the listener must outlive every outage
                log.warning("LISTEN connection lost (%r); polling until it is back", exc)
            finally:
                self._connected = False
                self._connection = None
                if connection is not None and not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(connection.close(), 2)
            await asyncio.sleep(RECONNECT_SECONDS)

    @staticmethod
    async def _until_closed(connection: asyncpg.Connection) -> None:
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _conn: lost.set())
        await lost.wait()

    async def _wake_everyone(self) -> None:
        self._before_foreign(None)
        for topic in self._local.topics():
            self._local.bump(topic)
