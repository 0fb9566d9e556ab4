"""Which failed attempts are resent, and after how long (clients/CONFORMANCE.md §1).

Only what is safe: UNAVAILABLE (a replica restarting, a dropped connection; reads are safe by
nature and mutating calls by their `request_id`), and RESOURCE_EXHAUSTED `RATE_LIMITED` carrying a
RetryInfo, after the delay the server asked for. Never INTERNAL, DEADLINE_EXCEEDED, UNKNOWN or any
other RESOURCE_EXHAUSTED (budget, quota): resending those cannot succeed or is not known to be safe.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import grpc

from claude_pool.errors import PoolError


@dataclass(frozen=True)
class RetryPolicy:
    """`max_attempts` attempts in all (the first included); before attempt n+1 wait
    `initial_backoff * multiplier**(n-1)`, ±`jitter` (a fraction), at most `max_backoff`
    seconds. `RetryPolicy(max_attempts=1)` turns resending off."""

    max_attempts: int = 4
    initial_backoff: float = 0.1
    multiplier: float = 2.0
    max_backoff: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def backoff(self, failed_attempts: int, rng: random.Random | None = None) -> float:
        """The wait after `failed_attempts` attempts failed (1 after the first)."""
        base = self.initial_backoff * self.multiplier ** max(0, failed_attempts - 1)
        spread = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return min(base * spread, self.max_backoff)

    def delay(
        self, error: PoolError, failed_attempts: int, rng: random.Random | None = None
    ) -> float | None:
        """How long to wait before resending after `error`, or None when it must not be resent
        (not retryable, or the attempts are used up)."""
        if failed_attempts >= self.max_attempts:
            return None
        if error.code == grpc.StatusCode.UNAVAILABLE:
            return self.backoff(failed_attempts, rng)
        if (
            error.code == grpc.StatusCode.RESOURCE_EXHAUSTED
            and error.reason == "RATE_LIMITED"
            and error.retry_delay is not None
        ):
            return max(0.0, error.retry_delay)
        return None
