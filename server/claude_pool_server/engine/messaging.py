"""Slot-to-slot messaging: durable inboxes in the store, drained into the recipient's next prompt.

Inboxes are per namespace: a message sent by a caller reaches only the next task of the caller's
own namespace that the slot runs (a slot serves many namespaces, and a message is text put
before a prompt, so one namespace must never steer another's tasks). Unlike the seed, the
recipient must exist (a typo would otherwise swallow the message), and a broadcast reaches every
other slot that is not stopped. The Executor delivers a slot's unread messages exactly once.
"""

from __future__ import annotations

from datetime import UTC, datetime

from claude_pool_server.domain.callers import Caller
from claude_pool_server.domain.errors import InvalidArgument, SlotNotFound
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.ports import PoolStore
from claude_pool_server.domain.slots import SlotState
from claude_pool_server.engine.settings import PoolSettings


class MessageService:
    def __init__(self, store: PoolStore, settings: PoolSettings) -> None:
        self.store = store
        self.settings = settings

    def _check_content(self, content: str) -> None:
        if not content.strip():
            raise InvalidArgument("content", "must not be empty")
        size = len(content.encode())
        if size > self.settings.max_message_bytes:
            raise InvalidArgument(
                "content", f"is {size} bytes; the limit is {self.settings.max_message_bytes} bytes"
            )

    async def _require_slot(self, slot_id: str, field: str) -> None:
        if not slot_id:
            raise InvalidArgument(field, "is required")
        if await self.store.get_slot(slot_id) is None:
            raise SlotNotFound(slot_id)

    async def _delivered(self, caller: Caller, slot_ids: list[str]) -> None:
        for slot_id in slot_ids:
            await self.store.notifier.publish(f"inbox:{caller.namespace}:{slot_id}")

    async def send(
        self, caller: Caller, from_slot_id: str, to_slot_id: str, content: str
    ) -> SlotMessage:
        if not from_slot_id:
            raise InvalidArgument("from_slot_id", "is required (a slot id or a label)")
        self._check_content(content)
        await self._require_slot(to_slot_id, "to_slot_id")
        message = SlotMessage(new_id("msg"), from_slot_id, to_slot_id, content, datetime.now(UTC))
        await self.store.add_messages(caller.namespace, [message])
        await self._delivered(caller, [to_slot_id])
        return message

    async def broadcast(self, caller: Caller, from_slot_id: str, content: str) -> list[SlotMessage]:
        if not from_slot_id:
            raise InvalidArgument("from_slot_id", "is required (a slot id or a label)")
        self._check_content(content)
        now = datetime.now(UTC)
        messages = [
            SlotMessage(new_id("msg"), from_slot_id, slot.id, content, now)
            for slot in await self.store.list_slots()
            if slot.id != from_slot_id and slot.state is not SlotState.STOPPED
        ]
        await self.store.add_messages(caller.namespace, messages)
        await self._delivered(caller, [m.to_slot_id for m in messages])
        return messages

    async def read(self, caller: Caller, slot_id: str) -> list[SlotMessage]:
        await self._require_slot(slot_id, "slot_id")
        return await self.store.take_messages(caller.namespace, slot_id)

    async def peek(self, caller: Caller, slot_id: str) -> list[SlotMessage]:
        await self._require_slot(slot_id, "slot_id")
        return await self.store.peek_messages(caller.namespace, slot_id)

    async def count(self, caller: Caller, slot_id: str) -> int:
        await self._require_slot(slot_id, "slot_id")
        return await self.store.count_messages(caller.namespace, slot_id)
