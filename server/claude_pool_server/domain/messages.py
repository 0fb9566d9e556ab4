"""Slot-to-slot messages: delivered before the recipient's next prompt, exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SlotMessage:
    id: str
    from_slot_id: str
    to_slot_id: str
    content: str
    create_time: datetime
