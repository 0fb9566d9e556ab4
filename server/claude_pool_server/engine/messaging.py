"""Slot-to-slot messaging: durable inboxes in the store, drained into the recipient's next prompt.

Unlike the seed, the recipient must exist (a typo would otherwise swallow the message), and a
broadcast reaches every other slot that is not stopped. The slot worker delivers a slot's unread
messages exactly once, as a preamble before its next prompt (engine/prompts.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from claude_pool_server.domain.errors import InvalidArgument, SlotNotFound
from claude_pool_server.domain.ids import new_id
from claude_pool_server.domain.messages import SlotMessage
from claude_pool_server.domain.slots import SlotState

if TYPE_CHECKING:
    from claude_pool_server.engine.pool import Pool


def _check_content(pool: Pool, content: str) -> None:
    if not content.strip():
        raise InvalidArgument("content", "must not be empty")
    size = len(content.encode())
    if size > pool.settings.max_message_bytes:
        raise InvalidArgument(
            "content", f"is {size} bytes; the limit is {pool.settings.max_message_bytes} bytes"
        )


def _check_sender(from_slot_id: str) -> None:
    if not from_slot_id:
        raise InvalidArgument("from_slot_id", "is required (a slot id or a label)")


async def _require_slot(pool: Pool, slot_id: str, field: str) -> None:
    if not slot_id:
        raise InvalidArgument(field, "is required")
    if await pool.store.get_slot(slot_id) is None:
        raise SlotNotFound(slot_id)


async def send(pool: Pool, from_slot_id: str, to_slot_id: str, content: str) -> SlotMessage:
    _check_sender(from_slot_id)
    _check_content(pool, content)
    await _require_slot(pool, to_slot_id, "to_slot_id")
    message = SlotMessage(new_id("msg"), from_slot_id, to_slot_id, content, datetime.now(UTC))
    await pool.store.add_messages([message])
    return message


async def broadcast(pool: Pool, from_slot_id: str, content: str) -> list[SlotMessage]:
    _check_sender(from_slot_id)
    _check_content(pool, content)
    now = datetime.now(UTC)
    messages = [
        SlotMessage(new_id("msg"), from_slot_id, slot.id, content, now)
        for slot in await pool.store.list_slots()
        if slot.id != from_slot_id and slot.state is not SlotState.STOPPED
    ]
    await pool.store.add_messages(messages)
    return messages


async def read(pool: Pool, slot_id: str) -> list[SlotMessage]:
    await _require_slot(pool, slot_id, "slot_id")
    return await pool.store.take_messages(slot_id)


async def peek(pool: Pool, slot_id: str) -> list[SlotMessage]:
    await _require_slot(pool, slot_id, "slot_id")
    return await pool.store.peek_messages(slot_id)


async def count(pool: Pool, slot_id: str) -> int:
    await _require_slot(pool, slot_id, "slot_id")
    return await pool.store.count_messages(slot_id)
