"""Bearer tokens: scopes and the hash the server keeps instead of the token itself."""

from __future__ import annotations

import hashlib

SCOPES = ("read", "submit", "admin")


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
