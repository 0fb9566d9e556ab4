"""Remembered replies: what makes a retried mutating call with the same `request_id` safe.

The first call with a `(method, request_id)` claims the key (a pending entry naming its
replica), acts, and stores its reply with a fingerprint of the request; a retry with the same
request, on any replica, waits while the entry is pending and then gets that reply instead of
acting again. A different request under the same id is a client bug (REQUEST_ID_REUSED). A call
that fails gives the key up, so a retry after an error runs again; a pending entry whose replica
died is taken over by the next retry.
"""

from __future__ import annotations

from dataclasses import dataclass

# How long a reply is kept for replay; a retry later than this acts again.
REPLY_RETENTION_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class StoredReply:
    fingerprint: str  # sha256 of the request without its request_id
    reply: bytes | None  # the serialized response; None while the first call is still acting
    replica_id: str = ""  # the replica acting (pending) or that acted
