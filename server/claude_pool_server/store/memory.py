"""InMemoryStore: the PoolStore for throwaway use and fast tests. Nothing survives a restart.

Every method runs without awaiting in between reads and writes, so on one event loop each is
atomic, which is the same guarantee PostgresStore gives with transactions.
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime

from claude_pool_server.domain.budget import BudgetChange, BudgetState
from claude_pool_server.domain.context import ContextEntry, ContextPage
from claude_pool_server.domain.errors import BudgetExhausted, InvalidArgument
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.slots import Slot
from claude_pool_server.domain.tasks import (
    EventPayload,
    Task,
    TaskEvent,
    TaskPage,
    TaskQuery,
    TaskState,
)
from claude_pool_server.store.local_notifier import LocalNotifier


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_offset(token: str, field: str = "page_token") -> int:
    """Page tokens are opaque to clients; a token we did not issue is INVALID_ARGUMENT."""
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        kind, _, number = text.partition(":")
        if kind != "o":
            raise ValueError(text)
        offset = int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidArgument(field, "not a page token this server issued") from exc
    if offset < 0:
        raise InvalidArgument(field, "not a page token this server issued")
    return offset


class InMemoryStore:
    def __init__(self) -> None:
        self.notifier = LocalNotifier()
        self._tasks: dict[str, Task] = {}
        self._order: list[str] = []  # submission order, oldest first
        self._request_ids: dict[str, str] = {}
        self._events: dict[str, list[TaskEvent]] = {}
        self._slots: dict[str, Slot] = {}
        self._context: dict[str, ContextEntry] = {}
        self._budget = BudgetState()
        self._inboxes: dict[str, list[SlotMessage]] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    # budget ------------------------------------------------------------------------------------

    def _apply_budget(self, change: BudgetChange | None) -> None:
        if change is None:
            return
        spent = self._budget.spent_micros + change.spend
        reserved = max(0, self._budget.reserved_micros - change.release)
        if change.reserve and change.cap is not None and spent + reserved + change.reserve > change.cap:
            raise BudgetExhausted(spent, reserved, change.cap, change.reserve)
        self._budget = BudgetState(spent_micros=spent, reserved_micros=reserved + change.reserve)

    async def get_budget(self) -> BudgetState:
        return self._budget

    # tasks -------------------------------------------------------------------------------------

    async def insert_task(self, task: Task, budget: BudgetChange) -> Task:
        if task.request_id and task.request_id in self._request_ids:
            return self._tasks[self._request_ids[task.request_id]]
        self._apply_budget(budget)
        self._tasks[task.id] = task
        self._order.append(task.id)
        self._events[task.id] = []
        if task.request_id:
            self._request_ids[task.request_id] = task.id
        return task

    async def get_task(self, task_id: str) -> Task | None:
        return self._tasks.get(task_id)

    async def list_tasks(self, query: TaskQuery) -> TaskPage:
        offset = decode_offset(query.page_token)
        matching = [
            task
            for task in (self._tasks[i] for i in reversed(self._order))
            if (query.state is None or task.state is query.state)
            and (not query.slot_id or task.slot_id == query.slot_id)
            and (not query.chain_id or task.chain_id == query.chain_id)
            and (not query.tags or set(query.tags) & set(task.spec.tags))
        ]
        page = matching[offset : offset + query.page_size]
        more = offset + query.page_size < len(matching)
        return TaskPage(page, encode_offset(offset + query.page_size) if more else "")

    async def update_task(self, task: Task, budget: BudgetChange | None = None) -> Task | None:
        current = self._tasks.get(task.id)
        if current is None or current.version != task.version:
            return None
        self._apply_budget(budget)
        stored = dataclasses.replace(task, version=task.version + 1, last_seq=current.last_seq)
        self._tasks[task.id] = stored
        return stored

    async def claim_task(self, slot_id: str, replica_id: str) -> Task | None:
        for task_id in self._order:
            task = self._tasks[task_id]
            if task.state is not TaskState.PENDING:
                continue
            if task.spec.slot_id and task.spec.slot_id != slot_id:
                continue
            claimed = dataclasses.replace(
                task,
                state=TaskState.RUNNING,
                slot_id=slot_id,
                replica_id=replica_id,
                attempt=task.attempt + 1,
                start_time=datetime.now(UTC),
                version=task.version + 1,
            )
            self._tasks[task_id] = claimed
            return claimed
        return None

    async def task_counts(self) -> dict[TaskState, int]:
        counts = dict.fromkeys(TaskState, 0)
        for task in self._tasks.values():
            counts[task.state] += 1
        return counts

    # events ------------------------------------------------------------------------------------

    async def append_events(self, task_id: str, payloads: list[EventPayload]) -> list[TaskEvent]:
        log = self._events.setdefault(task_id, [])
        now = datetime.now(UTC)
        start = len(log)
        new = [TaskEvent(task_id, start + i + 1, now, p) for i, p in enumerate(payloads)]
        log.extend(new)
        task = self._tasks.get(task_id)
        if task is not None:
            self._tasks[task_id] = dataclasses.replace(task, last_seq=len(log))
        await self.notifier.publish(f"task:{task_id}")
        return new

    async def read_events(self, task_id: str, after_seq: int, limit: int) -> list[TaskEvent]:
        return self._events.get(task_id, [])[after_seq : after_seq + limit]

    # slots -------------------------------------------------------------------------------------

    async def put_slot(self, slot: Slot) -> None:
        self._slots[slot.id] = slot

    async def get_slot(self, slot_id: str) -> Slot | None:
        return self._slots.get(slot_id)

    async def list_slots(self) -> list[Slot]:
        return sorted(self._slots.values(), key=lambda s: slot_sort_key(s.id))

    async def delete_slot(self, slot_id: str) -> bool:
        return self._slots.pop(slot_id, None) is not None

    # context -----------------------------------------------------------------------------------

    async def set_context(self, key: str, value: str) -> ContextEntry:
        entry = ContextEntry(key, value, datetime.now(UTC))
        self._context[key] = entry
        return entry

    async def get_context(self, key: str) -> ContextEntry | None:
        return self._context.get(key)

    async def delete_context(self, key: str) -> ContextEntry | None:
        return self._context.pop(key, None)

    async def list_context(self, page_size: int, page_token: str) -> ContextPage:
        offset = decode_offset(page_token)
        entries = [self._context[k] for k in sorted(self._context)]
        page = entries[offset : offset + page_size]
        more = offset + page_size < len(entries)
        return ContextPage(page, encode_offset(offset + page_size) if more else "")

    # messages ----------------------------------------------------------------------------------

    async def add_messages(self, messages: list[SlotMessage]) -> None:
        for message in messages:
            self._inboxes.setdefault(message.to_slot_id, []).append(message)

    async def take_messages(self, slot_id: str) -> list[SlotMessage]:
        return self._inboxes.pop(slot_id, [])

    async def peek_messages(self, slot_id: str) -> list[SlotMessage]:
        return list(self._inboxes.get(slot_id, []))

    async def count_messages(self, slot_id: str) -> int:
        return len(self._inboxes.get(slot_id, []))


def slot_sort_key(slot_id: str) -> tuple[int, str]:
    """Order `slot-2` before `slot-10`."""
    prefix, _, number = slot_id.rpartition("-")
    return (int(number), prefix) if number.isdigit() else (1 << 30, slot_id)
