"""Fault injection for the client conformance harness (`serve --inject-faults`, never in
production): the first attempt of every mutating call with a given `request_id` is refused
UNAVAILABLE, so a client passes only if it resends the call, with the same id, by itself."""

from __future__ import annotations

from collections import OrderedDict

from claude_pool_server.domain.errors import Unavailable

REMEMBERED = 100_000


class InjectedUnavailable(Unavailable):
    reason = "INJECTED_FAULT"

    def __init__(self, method: str) -> None:
        super().__init__(
            f"{method}: refused once on purpose (the server runs with --inject-faults); "
            "resend with the same request_id",
            {"method": method},
        )


class FaultInjector:
    def __init__(self) -> None:
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()

    def maybe_refuse(self, method: str, request_id: str) -> None:
        if not request_id:
            return
        key = (method, request_id)
        if key in self._seen:
            return
        self._seen[key] = None
        if len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)
        raise InjectedUnavailable(method)
