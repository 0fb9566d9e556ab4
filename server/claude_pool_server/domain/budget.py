"""Budget bookkeeping values: what a store change does to the pool's spent and reserved money.

All amounts are integer micro-dollars. Stores apply a `BudgetChange` atomically with the task
change it belongs to, so spent + reserved never exceeds the cap and no reservation leaks.
"""

from __future__ import annotations

from dataclasses import dataclass

MICROS_PER_USD = 1_000_000


@dataclass(frozen=True)
class BudgetChange:
    """`reserve` is checked against `cap` (None = no cap); `release` and `spend` always apply."""

    reserve: int = 0
    release: int = 0
    spend: int = 0
    cap: int | None = None


@dataclass(frozen=True)
class BudgetState:
    spent_micros: int = 0
    reserved_micros: int = 0


def usd_to_micros(usd: float) -> int:
    """Convert dollars to micro-dollars, rounding to the nearest micro-dollar."""
    return round(usd * MICROS_PER_USD)
