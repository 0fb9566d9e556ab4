"""Sessions: conversations with Claude, owned by the principal that started them.

A session is the CLI's transcript (its session file), kept in the store as compressed chunks, one
per successful turn, so any slot on any replica can continue it after a restart. Only
successful turns are kept: a failed, cancelled or timed-out run leaves the session as it was, so
a failure never poisons later turns (the CLI would merge the unanswered prompt into the next
one). The session id is the CLI's own session UUID.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class SessionPolicy(enum.Enum):
    """How tasks get conversations (serve --session-policy)."""

    TASK = "task"  # each task starts its own session unless it continues or forks one
    SLOT = "slot"  # a slot keeps one session for its next task (the original Pool's rule)


@dataclass(frozen=True)
class Session:
    id: str
    namespace: str
    owner: str
    create_time: datetime
    update_time: datetime
    forked_from: str = ""
    first_task_id: str = ""
    last_task_id: str = ""
    turns: int = 0
    cost_micros: int = 0
    model: str = ""
    transcript_bytes: int = 0
    # the slot policy: the slot that keeps it, and what was fixed when it started
    slot_id: str = ""
    start_key: str = ""


@dataclass(frozen=True)
class SessionTurn:
    """What a successful run adds to its session; stored with the task's finish, atomically."""

    session_id: str
    transcript: bytes  # the run's new transcript lines, compressed (driver/transcripts.py)
    model: str = ""
    forked_from: str = ""  # set on the first turn of a fork
    start_key: str = ""
    slot_id: str = ""  # the slot policy: the slot that keeps it for its next task


@dataclass(frozen=True)
class SessionPage:
    sessions: list[Session]
    next_page_token: str = ""
