"""JSON codec for the domain dataclasses stored in JSONB columns (tasks, slots, events).

Generic over the type hints of frozen dataclasses, so a field added to a domain value is stored
without touching this module; values written before the field existed decode to its default.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from datetime import datetime
from typing import Any, Union

from claude_pool_server.domain import tasks as task_types
from claude_pool_server.domain.tasks import EventPayload

PAYLOAD_TYPES: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (
        task_types.StateChanged,
        task_types.TextDelta,
        task_types.ToolUse,
        task_types.Finished,
    )
}


def to_json(value: Any) -> Any:
    """A JSON-compatible rendering of a domain value (dataclasses become dicts)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


@functools.cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_json(cls: Any, data: Any) -> Any:
    """Rebuild a value of type `cls` from `to_json` output."""
    if data is None:
        return None
    origin = typing.get_origin(cls)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(cls) if a is not type(None)]
        return from_json(options[0], data) if len(options) == 1 else data
    if origin is tuple:
        item = typing.get_args(cls)[0]
        return tuple(from_json(item, v) for v in data)
    if origin is list:
        item = typing.get_args(cls)[0]
        return [from_json(item, v) for v in data]
    if cls is Any or origin is dict or cls is dict:
        return data
    if isinstance(cls, type) and dataclasses.is_dataclass(cls):
        hints = _hints(cls)
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: from_json(hints[k], v) for k, v in data.items() if k in known})
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return cls(data)
    if cls is datetime:
        return datetime.fromisoformat(data)
    if cls is float and isinstance(data, int):
        return float(data)
    return data


def payload_to_json(payload: EventPayload) -> dict[str, Any]:
    return {"type": type(payload).__name__, "data": to_json(payload)}


def payload_from_json(data: dict[str, Any]) -> EventPayload:
    payload: EventPayload = from_json(PAYLOAD_TYPES[data["type"]], data["data"])
    return payload
