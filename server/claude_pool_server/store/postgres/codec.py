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
from collections.abc import Callable
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
    kind = type(value)
    encoder = _ENCODERS.get(kind)
    if encoder is None:
        encoder = _ENCODERS[kind] = _encoder_for(kind)
    return encoder(value)


def from_json(cls: Any, data: Any) -> Any:
    """Rebuild a value of type `cls` from `to_json` output."""
    if data is None:
        return None
    return _decoder_for(cls)(data)


# Every task transition encodes and decodes whole task documents, so the reflection (fields,
# type hints, isinstance chains) is done once per type and kept: an encoder per runtime type, a
# decoder per declared type.
Codec = Callable[[Any], Any]
_ENCODERS: dict[type[Any], Codec] = {}


def _same(value: Any) -> Any:
    return value


def _encoder_for(kind: type[Any]) -> Codec:
    if dataclasses.is_dataclass(kind):
        names = tuple(f.name for f in dataclasses.fields(kind))
        return lambda value: {name: to_json(getattr(value, name)) for name in names}
    if issubclass(kind, enum.Enum):
        return lambda value: value.value
    if issubclass(kind, datetime):
        return lambda value: value.isoformat()
    if issubclass(kind, tuple | list):
        return lambda value: [to_json(v) for v in value]
    if issubclass(kind, dict):
        return lambda value: {str(k): to_json(v) for k, v in value.items()}
    return _same


@functools.cache
def _decoder_for(cls: Any) -> Codec:
    origin = typing.get_origin(cls)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(cls) if a is not type(None)]
        if len(options) != 1:
            return _same
        inner = options[0]
        return lambda data: from_json(inner, data)
    if origin is tuple:
        item = typing.get_args(cls)[0]
        return lambda data: tuple(from_json(item, v) for v in data)
    if origin is list:
        item = typing.get_args(cls)[0]
        return lambda data: [from_json(item, v) for v in data]
    if cls is Any or origin is dict or cls is dict:
        return _same
    if isinstance(cls, type) and dataclasses.is_dataclass(cls):
        hints = typing.get_type_hints(cls)
        known = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
        return lambda data: cls(
            **{k: from_json(known[k], v) for k, v in data.items() if k in known}
        )
    if isinstance(cls, type) and issubclass(cls, enum.Enum):
        return cls
    if cls is datetime:
        return datetime.fromisoformat
    if cls is float:
        return lambda data: float(data) if isinstance(data, int) else data
    return _same


def payload_to_json(payload: EventPayload) -> dict[str, Any]:
    return {"type": type(payload).__name__, "data": to_json(payload)}


def payload_from_json(data: dict[str, Any]) -> EventPayload:
    payload: EventPayload = from_json(PAYLOAD_TYPES[data["type"]], data["data"])
    return payload
