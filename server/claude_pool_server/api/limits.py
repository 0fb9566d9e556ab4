"""Every field checked at the edge, before the engine sees a request.

Each string has a byte limit (stated in the proto comments) and may not hold NUL bytes; each list
has an item limit; an integer that is added up downstream (a task's budget) has a ceiling. The
engine still applies its own configurable limits (a prompt's `max_prompt_bytes`, a fan-out's
width); these are the hard ceilings that keep a 1 MB model name or a NUL in an id from ever
reaching the store or the CLI's argument list. A breach is INVALID_ARGUMENT naming the field,
e.g. `task.overrides.allowed_tools[3]`.
"""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from claude_pool_server.domain.errors import InvalidArgument

KIB = 1024
DEFAULT_STRING_BYTES = 4 * KIB
DEFAULT_LIST_ITEMS = 1024
# Text that is a prompt or a document; the engine's configured limits are stricter.
LONG_TEXT_BYTES = 4 * 1024 * KIB
# A JSON schema or structured value, measured as serialized protobuf.
STRUCT_BYTES = 64 * KIB

# field name -> byte limit, for fields of that name in any message of the contract
STRING_LIMITS: dict[str, int] = {
    "prompt": LONG_TEXT_BYTES,
    "recovery_prompt": LONG_TEXT_BYTES,
    "custom_prompt": 64 * KIB,
    "system_prompt": 64 * KIB,
    "feedback": 64 * KIB,
    "value": 64 * KIB,  # context values (the engine's max_context_value_bytes is stricter)
    "content": 64 * KIB,  # messages (the engine's max_message_bytes is stricter)
    "prompts": LONG_TEXT_BYTES,  # ParallelRoute items
    "working_dir": 4 * KIB,
    "request_id": 128,
    "model": 128,
    "fallback_model": 128,
    "task_id": 128,
    "chain_id": 128,
    "session_id": 128,
    "slot_id": 128,
    "to_slot_id": 128,
    "from_slot_id": 128,
    "continue_from": 128,
    "fork_from": 128,
    "key": 128,
    "name": 128,
    "role": 128,
    "domain": 128,
    "tags": 128,
    "allowed_tools": 128,
    "disallowed_tools": 128,
    "tools": 128,
    "mcp_servers": 128,
    "page_token": 512,
    "decomposition_hints": 4 * KIB,
}
# field name -> item limit, for repeated fields of that name
LIST_LIMITS: dict[str, int] = {
    "tags": 32,
    "allowed_tools": 64,
    "disallowed_tools": 64,
    "tools": 64,
    "mcp_servers": 32,
    "tasks": 1024,  # FanOut (the engine's max_fan_out is stricter)
    "steps": 256,
    "chains": 1024,
    "prompts": 256,
    "decomposition_hints": 32,
    "output_vars": 32,
}
# field name -> the largest value accepted, for integers that are added up downstream (a task's
# budget is reserved into per-namespace and pool sums, which must stay within int64)
INT_LIMITS: dict[str, int] = {
    "max_budget_micros": 1_000_000_000_000,  # 1,000,000 USD for one task
}
INT_TYPES = frozenset(
    {
        FieldDescriptor.TYPE_INT32,
        FieldDescriptor.TYPE_INT64,
        FieldDescriptor.TYPE_UINT32,
        FieldDescriptor.TYPE_UINT64,
        FieldDescriptor.TYPE_SINT32,
        FieldDescriptor.TYPE_SINT64,
        FieldDescriptor.TYPE_FIXED32,
        FieldDescriptor.TYPE_FIXED64,
        FieldDescriptor.TYPE_SFIXED32,
        FieldDescriptor.TYPE_SFIXED64,
    }
)
STRUCT_TYPES = frozenset(
    {"google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue"}
)


def check_request(message: Message) -> None:
    """Raise InvalidArgument for the first field that breaks a limit or holds a NUL byte."""
    _check_message(message, "")


def _path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _check_message(message: Message, prefix: str) -> None:
    for field, value in message.ListFields():
        path = _path(prefix, field.name)
        if field.message_type is not None and field.message_type.full_name in STRUCT_TYPES:
            size = sum(v.ByteSize() for v in value) if field.is_repeated else value.ByteSize()
            if size > STRUCT_BYTES:
                raise InvalidArgument(path, f"is {size} bytes; the limit is {STRUCT_BYTES} bytes")
            continue
        if field.is_repeated:
            limit = LIST_LIMITS.get(field.name, DEFAULT_LIST_ITEMS)
            if len(value) > limit:
                raise InvalidArgument(path, f"has {len(value)} items; the limit is {limit}")
            if field.message_type is not None and field.message_type.GetOptions().map_entry:
                _check_map(field, value, path)
            elif field.type == FieldDescriptor.TYPE_STRING:
                for index, item in enumerate(value):
                    _check_string(field.name, item, f"{path}[{index}]")
            elif field.type == FieldDescriptor.TYPE_MESSAGE:
                for index, item in enumerate(value):
                    _check_message(item, f"{path}[{index}]")
        elif field.type == FieldDescriptor.TYPE_STRING:
            _check_string(field.name, value, path)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            _check_message(value, path)
        elif field.type in INT_TYPES and field.name in INT_LIMITS:
            ceiling = INT_LIMITS[field.name]
            if value > ceiling:
                raise InvalidArgument(path, f"is {value}; the limit is {ceiling}")


def _check_map(field: FieldDescriptor, value: object, path: str) -> None:
    entry_type = field.message_type
    assert entry_type is not None  # map fields are messages of their entry type
    value_field = entry_type.fields_by_name["value"]
    for key in value:  # type: ignore[attr-defined]
        item = value[key]  # type: ignore[index]
        _check_string("key", str(key), f"{path}[{key!r}]")
        if value_field.type == FieldDescriptor.TYPE_STRING:
            _check_string("value", item, f"{path}[{key!r}]")
        elif value_field.type == FieldDescriptor.TYPE_MESSAGE:
            _check_message(item, f"{path}[{key!r}]")


def _check_string(name: str, text: str, path: str) -> None:
    if "\x00" in text:
        raise InvalidArgument(path, "must not contain NUL bytes")
    limit = STRING_LIMITS.get(name, DEFAULT_STRING_BYTES)
    if len(text) > limit or len(text.encode()) > limit:
        raise InvalidArgument(path, f"is {len(text.encode())} bytes; the limit is {limit} bytes")
