"""Callers: who is asking. A principal (a named token or a client certificate's subject) acting
in a namespace, with scopes. Everything a caller owns (tasks, sessions, chains, context,
messages, spend) is keyed by the namespace; anything in another namespace is NOT_FOUND to it.
"""

from __future__ import annotations

from dataclasses import dataclass

SCOPES = ("read", "submit", "admin")
DEFAULT_NAMESPACE = "default"
NAMESPACE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_.")


@dataclass(frozen=True)
class Caller:
    principal: str
    namespace: str = DEFAULT_NAMESPACE
    scopes: frozenset[str] = frozenset(SCOPES)

    @property
    def is_admin(self) -> bool:
        return "admin" in self.scopes


# No tokens configured (loopback development): one caller, every scope, the default namespace.
ANONYMOUS = Caller("anonymous")
# The pool acting for itself (recovery, chain adoption): it sees every namespace's records only
# through explicit namespace arguments, never through this caller.
SYSTEM = Caller("system")


def valid_namespace(name: str) -> bool:
    return 0 < len(name) <= 64 and set(name) <= NAMESPACE_CHARS
