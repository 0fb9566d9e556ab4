"""Budget bookkeeping values: what a lifecycle transition does to money and quotas.

All amounts are integer micro-dollars. Money is kept twice: once for the whole pool and once for
the task's namespace. A task reserves its envelope when it is submitted (both the pool cap and
the namespace cap must fit it), and settles to its real cost when it ends; the API gateway keeps
each run inside its envelope, so spent never passes a cap by more than one API call per running
task. Stores apply a `BudgetChange` atomically with the task change it belongs to, so no
reservation leaks and two replicas can never both spend the last dollar.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claude_pool_server.domain.callers import DEFAULT_NAMESPACE

MICROS_PER_USD = 1_000_000


@dataclass(frozen=True)
class Limits:
    """The caps a reservation and the quota a new unfinished task are checked against."""

    pool_cap: int | None = None
    namespace_cap: int | None = None
    max_unfinished: int | None = None  # the namespace's max_concurrent_tasks


@dataclass(frozen=True)
class BudgetChange:
    """`reserve` is checked against the caps and a positive `unfinished` against the quota
    (None = no limit); `release`, `spend` and a negative `unfinished` always apply."""

    namespace: str = DEFAULT_NAMESPACE
    reserve: int = 0
    release: int = 0
    spend: int = 0
    unfinished: int = 0  # +1: a task became pending/running/in review; -1: it settled
    limits: Limits = field(default_factory=Limits)

    @property
    def empty(self) -> bool:
        return not (self.reserve or self.release or self.spend or self.unfinished)


@dataclass(frozen=True)
class BudgetState:
    spent_micros: int = 0
    reserved_micros: int = 0
    unfinished_tasks: int = 0


def usd_to_micros(usd: float) -> int:
    """Convert dollars to micro-dollars, rounding to the nearest micro-dollar."""
    return round(usd * MICROS_PER_USD)
