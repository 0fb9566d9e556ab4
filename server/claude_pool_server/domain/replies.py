"""Remembered replies: what makes a retried mutating call with the same `request_id` safe.

The first successful reply to `(method, request_id)` is stored with a fingerprint of the request;
a retry with the same request gets that reply back instead of acting again, and a different
request under the same id is a client bug (REQUEST_ID_REUSED). Failed calls are not remembered,
so a retry after an error runs again.
"""

from __future__ import annotations

from dataclasses import dataclass

# How long a reply is kept for replay; a retry later than this acts again.
REPLY_RETENTION_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class StoredReply:
    fingerprint: str  # sha256 of the request without its request_id
    reply: bytes  # the serialized response message
