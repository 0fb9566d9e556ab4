"""Per-call context the edge sets and the rest of the call reads: request id and caller."""

from __future__ import annotations

import contextvars

from claude_pool_server.domain.callers import ANONYMOUS, Caller

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
caller_var: contextvars.ContextVar[Caller] = contextvars.ContextVar("caller", default=ANONYMOUS)


def current_caller() -> Caller:
    return caller_var.get()
