"""Identifier generation: `task-<hex>`, `chain-<hex>`, `msg-<hex>`.

Random rather than time-based (the seed used nanoseconds): ids stay unique across replicas.
"""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"
