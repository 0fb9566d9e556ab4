"""Submission rate limits per namespace: a token bucket per namespace on each replica.

The limit holds per replica (N replicas admit up to N times the rate in all); the concurrency
quota and the budget caps, which matter more, are enforced in the store across replicas.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from claude_pool_server.domain.errors import RateLimited


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}

    def take(self, namespace: str, per_second: float, count: int = 1) -> None:
        """Admit `count` submissions or raise RateLimited with the wait that would admit them.
        The burst is one second's worth (at least `count`)."""
        if per_second <= 0:
            return
        now = time.monotonic()
        burst = max(per_second, float(count))
        bucket = self._buckets.setdefault(namespace, _Bucket(burst, now))
        bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * per_second)
        bucket.updated = now
        if bucket.tokens >= count:
            bucket.tokens -= count
            return
        wait = (count - bucket.tokens) / per_second
        raise RateLimited(namespace, per_second, wait)
