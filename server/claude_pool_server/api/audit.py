"""The audit log: one structured line per mutating call (who, what, when, outcome).

Written to the `claude_pool_server.audit` logger, in the server's log stream (`--log-format json`
gives one JSON object per line). Prompt text and other free text stay out unless the server runs
with `--audit-prompts`: the log names the call's targets (task, chain, session, slot ids, the
idempotency key), not its content.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from google.protobuf.message import Message

from claude_pool_server.domain.callers import Caller

log = logging.getLogger("claude_pool_server.audit")

TARGET_FIELDS = ("task_id", "chain_id", "session_id", "slot_id", "to_slot_id", "key")
TEXT_FIELDS = ("prompt", "feedback", "content", "value")


def _targets(request: Message) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for field, value in request.ListFields():
        if field.name in TARGET_FIELDS and isinstance(value, str):
            found[field.name] = value
        elif field.name == "task" and isinstance(value, Message):
            spec = {f.name: v for f, v in value.ListFields()}
            for name in ("continue_from", "fork_from", "slot_id"):
                if spec.get(name):
                    found[name] = spec[name]
        elif field.name in ("tasks", "steps", "chains"):
            found[f"{field.name}_count"] = len(value)
    return found


def _texts(request: Message) -> dict[str, str]:
    texts: dict[str, str] = {}
    for field, value in request.ListFields():
        if field.name in TEXT_FIELDS and isinstance(value, str):
            texts[field.name] = value
        elif field.name == "task" and isinstance(value, Message):
            texts.update(_texts(value))
    return texts


class AuditLog:
    def __init__(self, include_prompts: bool = False) -> None:
        self.include_prompts = include_prompts

    def record(
        self,
        method: str,
        caller: Caller | None,
        request: Any,
        outcome: str,
        request_id: str,
    ) -> None:
        entry: dict[str, Any] = {
            "audit": method,
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "principal": caller.principal if caller else "-",
            "namespace": caller.namespace if caller else "-",
            "outcome": outcome,
            "request_id": request_id,
        }
        if isinstance(request, Message):
            idempotency_key = getattr(request, "request_id", "")
            if idempotency_key:
                entry["idempotency_key"] = idempotency_key
            entry.update(_targets(request))
            if self.include_prompts:
                entry.update(_texts(request))
        log.info(json.dumps(entry, sort_keys=True), extra={"audit_entry": entry})
