"""Slot ids across replicas: `slot-N`, the lowest numbers no live replica's active slot uses."""

from __future__ import annotations


def slot_number(slot_id: str) -> int | None:
    prefix, _, number = slot_id.rpartition("-")
    return int(number) if prefix == "slot" and number.isdigit() else None


def free_slot_ids(taken: set[str], count: int) -> list[str]:
    """The lowest `count` ids `slot-N` not in `taken`."""
    ids: list[str] = []
    number = 0
    while len(ids) < count:
        candidate = f"slot-{number}"
        if candidate not in taken:
            ids.append(candidate)
        number += 1
    return ids
