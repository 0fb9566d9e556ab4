"""Reading a Messages API response's usage while it streams through the gateway.

Streamed responses (SSE) report usage in `message_start` (input and cache tokens, one output
token) and `message_delta` (the output tokens so far, cumulative); a plain JSON response has it
in its `usage`. A response cut off mid-stream is still billed for what was reported by then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass
class CallUsage:
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_tokens: int = 0
    cache_read_tokens: int = 0

    def add_usage(self, usage: dict[str, Any], *, cumulative_output: bool) -> None:
        def count(key: str) -> int:
            value = usage.get(key)
            return int(value) if isinstance(value, int | float) else 0

        if "input_tokens" in usage:
            self.input_tokens = max(self.input_tokens, count("input_tokens"))
        if "cache_creation_input_tokens" in usage:
            self.cache_write_tokens = max(
                self.cache_write_tokens, count("cache_creation_input_tokens")
            )
        if "cache_read_input_tokens" in usage:
            self.cache_read_tokens = max(self.cache_read_tokens, count("cache_read_input_tokens"))
        if "output_tokens" in usage:
            output = count("output_tokens")
            self.output_tokens = output if cumulative_output else self.output_tokens + output


class SseMeter:
    """Feed it the response bytes as they pass; it keeps the call's usage."""

    def __init__(self) -> None:
        self.usage = CallUsage()
        self._pending = b""

    def feed(self, chunk: bytes) -> None:
        self._pending += chunk
        while b"\n" in self._pending:
            line, self._pending = self._pending.split(b"\n", 1)
            if line.startswith(b"data:"):
                self._event(line[5:].strip())

    def _event(self, data: bytes) -> None:
        try:
            event = json.loads(data)
        except ValueError:
            return
        if not isinstance(event, dict):
            return
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            self.usage.model = str(message.get("model") or self.usage.model)
            self.usage.add_usage(message.get("usage") or {}, cumulative_output=True)
        elif kind == "message_delta":
            self.usage.add_usage(event.get("usage") or {}, cumulative_output=True)


def json_usage(body: bytes) -> CallUsage:
    usage = CallUsage()
    try:
        document = json.loads(body)
    except ValueError:
        return usage
    if isinstance(document, dict):
        usage.model = str(document.get("model") or "")
        usage.add_usage(document.get("usage") or {}, cumulative_output=True)
    return usage
