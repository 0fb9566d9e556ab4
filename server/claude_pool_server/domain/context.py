"""Shared context: key/value entries injected into every task's system prompt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ContextEntry:
    key: str
    value: str
    update_time: datetime


@dataclass(frozen=True)
class ContextPage:
    entries: list[ContextEntry]
    next_page_token: str = ""
