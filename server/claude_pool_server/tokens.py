"""Credentials the server accepts: bearer tokens (kept only as hashes) and client-certificate
subjects, each naming a principal with scopes in a namespace (the tokens file, README Security)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from claude_pool_server.domain.callers import SCOPES, Caller

CERT_PREFIX = "cert:"


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def default_name(token: str) -> str:
    """A stable name for a token line without `name=`, that reveals nothing of the token."""
    return "token-" + hashlib.sha256(token.encode()).hexdigest()[:8]


@dataclass(frozen=True)
class Credentials:
    """Token digests and certificate subjects, each mapped to the caller it authenticates."""

    tokens: tuple[tuple[bytes, Caller], ...] = ()
    certificates: tuple[tuple[str, Caller], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tokens or self.certificates)

    def by_token(self, token: str) -> Caller | None:
        digest = hash_token(token)
        found: Caller | None = None
        for known, caller in self.tokens:  # compare every entry: constant time in the match
            if hmac.compare_digest(known, digest):
                found = caller
        return found

    def by_certificate(self, subject: str) -> Caller | None:
        return next((c for s, c in self.certificates if s == subject), None)

    def merged(self, other: Credentials) -> Credentials:
        return Credentials(self.tokens + other.tokens, self.certificates + other.certificates)


__all__ = ["CERT_PREFIX", "SCOPES", "Credentials", "default_name", "hash_token"]
