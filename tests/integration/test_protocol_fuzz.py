"""A bounded protocol fuzzer over every RPC of PoolService (issue F).

One real server (real socket, real CLI against the stub Messages API), one caller holding every
scope. Every method of the generated descriptor, so a new RPC is fuzzed without a line here, gets

1. raw request bodies: random bytes, and targeted corruptions of the wire format (bad UTF-8 in
   each string field, wrong wire types, truncation, lengths past the end, overlong varints,
   unterminated groups, field number 0, Struct nesting past the parser's recursion limit, unknown
   fields, a valid body truncated or with a byte flipped);
2. messages built by hypothesis from the message descriptor (derandomized, seeded): all hostile
   values, a careful client's values with one hostile field anywhere, or all careful. Hostile:
   strings empty, blank, NUL, unicode, path and format tricks, real ids, at / one past / far past
   their limit (also past it in bytes but not in characters); ints negative, 0, extreme; enums
   with unknown values; NaN and infinities; lists and maps empty or one past their item limit;
   nested messages and Structs; out-of-range Durations and Timestamps;
3. a sweep: a careful request with one field at a time (at any depth up to five) set to each of a
   few canonical hostile values, so every field's check is reached whatever hypothesis draws;

and must answer each with a precise status (never INTERNAL, UNKNOWN, DATA_LOSS, UNAVAILABLE, ...),
a message, and the `google.rpc.ErrorInfo` the contract promises (INVALID_ARGUMENT also names the
field). A call that does not wait for work must answer within a deadline (a hang is a finding).
Afterwards health still says SERVING and a task completed before the fuzzing reads back identical,
event log and session included (no stored work corrupted). Drain, which stops the pool for good,
is fuzzed last; after it the server must still answer and the task still read back identical.

Bounded: both slots stay busy with two stalled tasks while the fuzzer runs, so what it gets
accepted stays PENDING (handlers run and map their answers; no CLI starts), routing calls are
refused (the server denies the PLAN mode they need), every call has a short deadline, and calls
that wait for work overlap. Deterministic: hypothesis only generates (no shrinking, no database)
from a fixed seed; raw corruptions come from a seeded `random.Random`. On failure every finding
is printed: method, input (truncated), status. For a longer run by hand:

    CLAUDE_POOL_FUZZ_SEED=2 CLAUDE_POOL_FUZZ_EXAMPLES=200 pytest -s tests/integration/test_protocol_fuzz.py

(`CLAUDE_POOL_FUZZ_TRACE=SubmitTask,FanOut` prints every call of those methods.)
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import functools
import os
import random
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any, Literal, cast

import grpc
import pytest
from google.protobuf import duration_pb2, message_factory, struct_pb2, text_format, timestamp_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from claude_pool.v1 import chain_pb2, pool_service_pb2_grpc, task_pb2
from claude_pool.v1 import pool_service_pb2 as pb
from claude_pool_server.api import limits
from claude_pool_server.config import parse_tokens
from claude_pool_server.domain.policy import NamespacePolicy
from claude_pool_server.domain.tasks import PermissionMode
from tests.conftest import ServerFactory, eventually

SERVICE = pb.DESCRIPTOR.services_by_name["PoolService"]
SEED = int(os.environ.get("CLAUDE_POOL_FUZZ_SEED", "1"))
EXAMPLES = int(os.environ.get("CLAUDE_POOL_FUZZ_EXAMPLES", "20"))  # messages per method
RANDOM_BODIES = max(2, EXAMPLES // 4)  # random byte strings per method (besides the targeted ones)
# Past this many seconds the remaining methods get only a few examples each (a slow machine must
# not make CI time out); a run by hand with more examples has no such limit unless asked.
BY_HAND = "CLAUDE_POOL_FUZZ_EXAMPLES" in os.environ
SOFT_BUDGET_SECONDS = float(os.environ.get("CLAUDE_POOL_FUZZ_BUDGET", "inf" if BY_HAND else "60"))

# Methods whose every call is printed (-s), e.g. CLAUDE_POOL_FUZZ_TRACE=SubmitTask,FanOut
TRACE = set(filter(None, os.environ.get("CLAUDE_POOL_FUZZ_TRACE", "").split(",")))

TIMEOUT_SECONDS = 120 + (10 * EXAMPLES if BY_HAND else 0)
pytestmark = [pytest.mark.asyncio, pytest.mark.cli, pytest.mark.timeout(TIMEOUT_SECONDS)]

TOKEN = "fuzz-token"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
CORRUPT = b"\xff\xff\xff"
BAD_CREDENTIALS = [
    ("no token", ()),
    ("unknown token", (("authorization", "Bearer not-a-token"),)),
    ("not a bearer", (("authorization", f"Basic {TOKEN}"),)),
    ("a huge token", (("authorization", "Bearer " + "t" * 6000),)),
]
CHANNEL_OPTIONS = [
    ("grpc.max_send_message_length", 64 * 1024 * 1024),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
]

# What a client's mistake may get back. Anything else (INTERNAL, UNKNOWN, DATA_LOSS, UNAVAILABLE,
# UNIMPLEMENTED, ...) is a finding.
Code = grpc.StatusCode
PRECISE = {
    Code.OK,
    Code.INVALID_ARGUMENT,
    Code.NOT_FOUND,
    Code.FAILED_PRECONDITION,
    Code.OUT_OF_RANGE,
    Code.RESOURCE_EXHAUSTED,
    Code.PERMISSION_DENIED,
    Code.UNAUTHENTICATED,
    Code.ALREADY_EXISTS,
}
# Methods that may legitimately keep working past a short deadline (they run or wait for work):
# for them DEADLINE_EXCEEDED is "still working"; for every other method it is a hang.
WAITING = {
    "Run",
    "RunStream",
    "WaitTask",
    "WatchTask",
    "WatchChain",
    "FanOut",
    "FanOutStream",
    "Route",
    "Auto",
    "ExecuteRoute",
    "Drain",
    "ScaleDown",
}
WAIT_DEADLINE = 1.0
HANG_DEADLINE = 8.0
# Drain stops the pool for good: fuzzed last, after the health and read-back checks.
LAST = ("Drain",)

# The two slots' tasks while the fuzzer runs: a delta every 2 s (the CLI gives up on a stream
# idle for long), for longer than the test may take. Drain, fuzzed last, cancels them.
BLOCK = f"[[slow:2]] [[chunks:{TIMEOUT_SECONDS // 2 + 10}]] blocking both slots"

# Enum values the server refuses by its policy (see the server below): never "benign".
DENIED_ENUM_VALUES = {
    "claude_pool.v1.PermissionMode": {
        task_pb2.PERMISSION_MODE_BYPASS_PERMISSIONS,
        task_pb2.PERMISSION_MODE_PLAN,
    }
}
MAX_DEPTH = 5  # nesting of generated messages (Struct is recursive)
SHOW = 400  # characters of an input shown in a finding


# --- findings -------------------------------------------------------------------------------------


@dataclasses.dataclass
class Finding:
    method: str
    source: str  # "raw length past the end", "message[12]", "sweep task.tags = a NUL item"
    request: str
    code: str
    details: str
    problem: str

    def __str__(self) -> str:
        return (
            f"{self.method} {self.source}: {self.problem}\n"
            f"    status  {self.code}: {self.details[:SHOW]!r}\n"
            f"    request {self.request[:SHOW]}"
        )


@dataclasses.dataclass
class Outcome:
    code: grpc.StatusCode
    details: str
    error: grpc.aio.AioRpcError | None = None
    response: bytes | None = None


def _identity(data: bytes) -> bytes:
    return data


def _error_info(error: grpc.aio.AioRpcError) -> tuple[error_details_pb2.ErrorInfo | None, str]:
    """The ErrorInfo of a status and the field its BadRequest names ("" when none)."""
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        return None, ""
    if status is None:
        return None, ""
    info: error_details_pb2.ErrorInfo | None = None
    field = ""
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            field = bad.field_violations[0].field if bad.field_violations else ""
    return info, field


def judge(method: MethodDescriptor, outcome: Outcome) -> str:
    """What is wrong with `outcome` as the answer to a client's (possibly bad) request; ""."""
    code = outcome.code
    if code is Code.DEADLINE_EXCEEDED:
        return "" if method.name in WAITING else "no answer within the deadline (a hang)"
    if code not in PRECISE:
        return f"status {code.name} for a client's input (must be precise)"
    if code is Code.OK:
        if outcome.response is not None:
            output = message_factory.GetMessageClass(method.output_type)()
            try:
                output.ParseFromString(outcome.response)
            except Exception as exc:  # noqa: BLE001 - any parse failure is the finding
                return f"OK with a response that does not parse ({exc})"
        return ""
    if not outcome.details.strip():
        return f"{code.name} without a message"
    assert outcome.error is not None
    if code is Code.RESOURCE_EXHAUSTED and "larger than max" in outcome.details:
        return ""  # gRPC's own message-size limit: no ErrorInfo, but precise
    info, field = _error_info(outcome.error)
    if info is None or info.domain != "claude-pool.dev" or not info.reason:
        return f"{code.name} without the contract's ErrorInfo (domain claude-pool.dev)"
    if code is Code.INVALID_ARGUMENT and not field:
        return "INVALID_ARGUMENT without a BadRequest naming the field"
    return ""


async def invoke(
    channel: grpc.aio.Channel,
    method: MethodDescriptor,
    body: bytes,
    metadata: tuple[tuple[str, str], ...] = AUTH,
) -> Outcome:
    """Send `body` as-is; a stream counts as answered at its first message (then cancelled)."""
    path = f"/{SERVICE.full_name}/{method.name}"
    timeout = WAIT_DEADLINE if method.name in WAITING else HANG_DEADLINE
    try:
        if method.server_streaming:
            stream = channel.unary_stream(
                path, request_serializer=_identity, response_deserializer=_identity
            )(body, metadata=metadata, timeout=timeout)
            first: bytes | None = None
            try:
                async for item in stream:
                    first = item
                    break
            finally:
                stream.cancel()
            return Outcome(Code.OK, "", response=first)
        response = await channel.unary_unary(
            path, request_serializer=_identity, response_deserializer=_identity
        )(body, metadata=metadata, timeout=timeout)
        return Outcome(Code.OK, "", response=response)
    except grpc.aio.AioRpcError as error:
        return Outcome(error.code(), error.details() or "", error)


# --- structured messages (hypothesis) -------------------------------------------------------------


def defuse(text: str) -> str:
    """No stub directive (`[[slow:9]]`, `[[tool]]`, ...) can ride in on a fuzzed prompt."""
    return text.replace("[[", "[ [")


TRICKY_STRINGS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\n",
    "\t\r\n ",
    "é",
    "\u202e\u0646",
    "\ufeff",
    "😀😀😀",
    "\U0010ffff",
    "..",
    "../../../../etc/passwd",
    "/",
    "/etc",
    "~",
    "%s%n%x",
    "{previous_output}",
    "{steps.a.b}",
    "{error}",
    "${HOME}",
    "$(id)",
    "--help",
    "-p",
    "null",
    "task-",
    "slot-0",
    "slot--1",
    "slot-99999999999999999999",
    "Bash(rm -rf /)",
    "*",
]
INTS = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}


class MessageStrategies:
    """Hypothesis strategies for any message type of the contract, from its descriptor.

    Two kinds of values: hostile (empty, NUL, unicode, path tricks, extreme ints, unknown enum
    values, ...) and benign (what a careful client sends: real ids, small positive numbers, known
    enum values). A request is one of: all hostile (it fails at its first bad field); benign with
    one hostile field anywhere within three levels (so each field's check is reached past every
    other); or all benign (so the handler runs to the end and its answer is mapped back). A hostile
    string or list may also be oversized: at, one past or far past its limit, in bytes or in bytes
    but not characters, or one item past its item limit. Only that one field can be big, so no
    nesting multiplies a request's size.
    """

    def __init__(self, known: list[str], benign: dict[str, list[str]]) -> None:
        self.known = known  # ids and names of real objects, so some calls get past NOT_FOUND
        self.benign_strings = benign  # field name -> values a careful client would send
        self._cache: dict[tuple[str, int, bool], st.SearchStrategy[Message]] = {}

    # scalars -----------------------------------------------------------------------------------

    def hostile_string(self, name: str) -> st.SearchStrategy[str]:
        limit = limits.STRING_LIMITS.get(name, limits.DEFAULT_STRING_BYTES)
        known = st.sampled_from(self.known)
        text = st.text(alphabet=st.characters(codec="utf-8"), max_size=24).map(defuse)
        small = [st.sampled_from(TRICKY_STRINGS), known, text, known, text]
        if limit <= 512:  # short fields: the limit itself is cheap to reach anywhere
            small.append(st.sampled_from([limit, limit + 1]).map(lambda n: "x" * n))
        return st.one_of(small)

    def scalar(self, field: FieldDescriptor, hostile: bool) -> st.SearchStrategy[Any]:
        kind = field.type
        if kind == FieldDescriptor.TYPE_STRING:
            if hostile:
                return self.hostile_string(field.name)
            return st.sampled_from(self.benign_strings.get(field.name, ["fuzz", "hello there"]))
        if kind == FieldDescriptor.TYPE_BYTES:
            return st.binary(max_size=32) if hostile else st.just(b"fuzz")
        if kind == FieldDescriptor.TYPE_BOOL:
            return st.booleans()
        if kind == FieldDescriptor.TYPE_ENUM:
            assert field.enum_type is not None
            numbers = [v.number for v in field.enum_type.values]
            if not hostile:
                refused = DENIED_ENUM_VALUES.get(field.enum_type.full_name, set())
                return st.sampled_from([n for n in numbers if n and n not in refused] or numbers)
            unknown = [max(numbers) + 1, 99, -1, 2**31 - 1, -(2**31)]
            return st.sampled_from(numbers + unknown)
        if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
            if not hostile:
                return st.sampled_from([0.5, 1.0, 2.0])
            width: Literal[32, 64] = 64 if kind == FieldDescriptor.TYPE_DOUBLE else 32
            return st.one_of(
                st.sampled_from([0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1e308]),
                st.floats(width=width),
            )
        low, high = INTS[kind]
        if not hostile:
            return st.integers(min_value=1, max_value=3)
        edges = {low, high, 0, 1, 2, 3, 7, 64, 1025, 2**31 - 1, -1, -7, -(2**31)}
        return st.one_of(
            st.sampled_from(sorted(v for v in edges if low <= v <= high)),
            st.integers(min_value=low, max_value=high),
        )

    # fields and messages -----------------------------------------------------------------------

    def value(self, field: FieldDescriptor, depth: int, hostile: bool) -> st.SearchStrategy[Any]:
        """A value for one (non-repeated) field, or for one item of a repeated field."""
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            assert field.message_type is not None
            return self.message(field.message_type, depth + 1, hostile)
        return self.scalar(field, hostile)

    def repeated(self, field: FieldDescriptor, depth: int, hostile: bool) -> st.SearchStrategy[Any]:
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            key = self.scalar(entry.fields_by_name["key"], hostile)
            value = self.value(entry.fields_by_name["value"], depth, hostile)
            return st.dictionaries(key, value, min_size=0 if hostile else 1, max_size=3)
        if hostile:
            return st.lists(self.value(field, depth, hostile), max_size=3)
        return st.lists(self.value(field, depth, hostile), min_size=1, max_size=2)

    def field(self, field: FieldDescriptor, depth: int, hostile: bool) -> st.SearchStrategy[Any]:
        if field.is_repeated:
            return self.repeated(field, depth, hostile)
        return self.value(field, depth, hostile)

    def message(
        self, descriptor: Descriptor, depth: int = 0, hostile: bool = True
    ) -> st.SearchStrategy[Message]:
        key = (descriptor.full_name, depth, hostile)
        if key not in self._cache:
            fields: dict[str, st.SearchStrategy[Any]] = {}
            if depth < MAX_DEPTH:
                fields = {f.name: self.field(f, depth, hostile) for f in descriptor.fields}
            # hostile: any fields may be missing; benign: all are set (one member of a oneof)
            required = {
                name: strategy
                for name, strategy in fields.items()
                if not hostile and descriptor.fields_by_name[name].containing_oneof is None
            }
            optional = {name: s for name, s in fields.items() if name not in required}
            cls = message_factory.GetMessageClass(descriptor)
            self._cache[key] = st.fixed_dictionaries(required, optional=optional).map(
                lambda values: build(cls, values)
            )
        return self._cache[key]

    def careful(self, descriptor: Descriptor, depth: int = 0) -> Message:
        """The one request a careful client would send first: every field set to its first
        benign value (a list or map with one item, the first member of a oneof)."""
        message = message_factory.GetMessageClass(descriptor)()
        if depth >= MAX_DEPTH:
            return message
        values: dict[str, Any] = {}
        for field in descriptor.fields:
            oneof = field.containing_oneof
            if oneof is not None and field is not oneof.fields[0]:
                continue
            entry = field.message_type
            if entry is not None and entry.GetOptions().map_entry:
                key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
                values[field.name] = {
                    self._first(key_field, depth): self._first(value_field, depth)
                }
            elif field.is_repeated:
                values[field.name] = [self._first(field, depth)]
            else:
                values[field.name] = self._first(field, depth)
        return build(type(message), values, into=message)

    def _first(self, field: FieldDescriptor, depth: int) -> Any:
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            assert field.message_type is not None
            return self.careful(field.message_type, depth + 1)
        if field.type == FieldDescriptor.TYPE_STRING:
            return self.benign_strings.get(field.name, ["fuzz"])[0]
        if field.type == FieldDescriptor.TYPE_ENUM:
            assert field.enum_type is not None
            refused = DENIED_ENUM_VALUES.get(field.enum_type.full_name, set())
            usable = [v.number for v in field.enum_type.values if v.number not in refused]
            return next((n for n in usable if n), 0)
        if field.type == FieldDescriptor.TYPE_BYTES:
            return b"fuzz"
        if field.type == FieldDescriptor.TYPE_BOOL:
            return False
        return 1

    def hostile_field(self, field: FieldDescriptor) -> st.SearchStrategy[Any]:
        """A hostile value for one field, oversized variants included."""
        if field.is_repeated:
            limit = limits.LIST_LIMITS.get(field.name, limits.DEFAULT_LIST_ITEMS)
            return st.one_of(self.repeated(field, 1, True), st.just(Oversized(limit + 1)))
        if field.type == FieldDescriptor.TYPE_STRING:
            limit = limits.STRING_LIMITS.get(field.name, limits.DEFAULT_STRING_BYTES)
            big = [
                "x" * limit,  # exactly at the limit: fine as far as the edge goes
                "x" * (limit + 1),
                "é" * (limit // 2 + 1),  # within the limit in characters, past it in bytes
                "y" * max(limits.LONG_TEXT_BYTES + 1, 1024 * 1024),  # far past any limit
            ]
            return st.one_of(self.hostile_string(field.name), st.sampled_from(big))
        hostile = self.value(field, 1, True)
        if field.message_type is not None and field.message_type.full_name in WKT_VALUES:
            makers = [make for _, make in WKT_VALUES[field.message_type.full_name]]
            return st.one_of(hostile, st.sampled_from(makers).map(lambda make: make()))
        return hostile

    def request(self, descriptor: Descriptor) -> st.SearchStrategy[Message]:
        benign = self.message(descriptor, hostile=False)
        paths = list(field_paths(descriptor))
        if not paths:
            return benign
        one_bad = st.tuples(
            benign,
            st.sampled_from(paths).flatmap(
                lambda path: st.tuples(st.just(path), self.hostile_field(path[-1]))
            ),
        ).map(lambda pair: place(pair[0], *pair[1]))
        return st.one_of(benign, one_bad, self.message(descriptor), one_bad)


@dataclasses.dataclass(frozen=True)
class Oversized:
    """Stands for a list or map of `items` harmless items (built in place, not drawn)."""

    items: int


def field_paths(
    descriptor: Descriptor, levels: int = 3, prefix: tuple[FieldDescriptor, ...] = ()
) -> Iterator[tuple[FieldDescriptor, ...]]:
    """Every field within `levels` levels of `descriptor`, as a path of fields (not into map
    entries, nor into the recursive Struct types)."""
    for field in descriptor.fields:
        path = (*prefix, field)
        yield path
        target = field.message_type
        if (
            target is not None
            and levels > 1
            and not target.GetOptions().map_entry
            and target.full_name not in limits.STRUCT_TYPES
        ):
            yield from field_paths(target, levels - 1, path)


def struct_of(value: Any) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update({"n": value})
    return struct


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"n": value}
    return value


# Hostile values for a whole well-known message (a field of that type, at any depth).
WKT_VALUES: dict[str, list[tuple[str, Callable[[], Message]]]] = {
    "google.protobuf.Duration": [
        ("max seconds", lambda: duration_pb2.Duration(seconds=2**63 - 1)),
        ("past 10000 years", lambda: duration_pb2.Duration(seconds=315_576_000_001)),
        ("negative", lambda: duration_pb2.Duration(seconds=-1)),
        ("nanos past a second", lambda: duration_pb2.Duration(nanos=10**9)),
        ("signs disagree", lambda: duration_pb2.Duration(seconds=1, nanos=-1)),
    ],
    "google.protobuf.Timestamp": [
        ("min seconds", lambda: timestamp_pb2.Timestamp(seconds=-(2**63))),
        ("max seconds", lambda: timestamp_pb2.Timestamp(seconds=2**63 - 1)),
        ("negative nanos", lambda: timestamp_pb2.Timestamp(seconds=1, nanos=-1)),
    ],
    "google.protobuf.Struct": [
        ("NaN", lambda: struct_of(float("nan"))),
        ("Infinity", lambda: struct_of(float("inf"))),
        ("NUL text", lambda: struct_of("a\x00b")),
        ("30 deep", lambda: struct_of(nested(30))),
    ],
}


def sweep_values(field: FieldDescriptor) -> Iterator[tuple[str, Any]]:
    """A few canonical hostile values for one field (or, repeated, for its whole list)."""
    kind = field.type
    if field.is_repeated:
        limit = limits.LIST_LIMITS.get(field.name, limits.DEFAULT_LIST_ITEMS)
        yield f"{limit + 1} items", Oversized(limit + 1)
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            yield "NUL key", {"a\x00": plain(entry.fields_by_name["value"])}
        elif kind == FieldDescriptor.TYPE_STRING:
            yield "an empty item", [""]
            yield "a NUL item", ["a\x00b"]
        elif kind == FieldDescriptor.TYPE_ENUM:
            yield "an unknown enum item", [99]
        return
    if kind == FieldDescriptor.TYPE_STRING:
        limit = limits.STRING_LIMITS.get(field.name, limits.DEFAULT_STRING_BYTES)
        yield "NUL", "a\x00b"
        yield "blank", " \t\n"
        yield "one byte past the limit", "x" * (limit + 1)
        yield "past the limit in bytes only", "é" * (limit // 2 + 1)
    elif kind == FieldDescriptor.TYPE_ENUM:
        yield "unknown value", 99
        yield "negative value", -1
    elif kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        yield "NaN", float("nan")
        yield "-Infinity", float("-inf")
    elif kind in INTS:
        low, high = INTS[kind]
        yield "max", high
        if low < 0:
            yield "min", low
            yield "-1", -1
    elif field.message_type is not None:
        for label, make in WKT_VALUES.get(field.message_type.full_name, []):
            yield label, make()


def sweep(base: Message) -> Iterator[tuple[str, Message]]:
    """`base` with one field at a time, at any depth up to five, set to a canonical hostile
    value: every field's check is reached at least once, whatever hypothesis draws."""
    for path in field_paths(cast(Descriptor, base.DESCRIPTOR), levels=5):
        name = ".".join(f.name for f in path)
        for label, value in sweep_values(path[-1]):
            yield f"{name} = {label}", place(base, path, value)


def place(message: Message, path: tuple[FieldDescriptor, ...], value: Any) -> Message:
    """A copy of `message` with the field at the end of `path` set to `value`."""
    message = type(message).FromString(message.SerializeToString())  # never alter a drawn value
    holder = message
    for step in path[:-1]:
        child = getattr(holder, step.name)
        if step.is_repeated:
            holder = child[0] if len(child) else child.add()
        else:
            child.SetInParent()
            holder = child
    field = path[-1]
    holder.ClearField(field.name)
    if isinstance(value, Oversized):
        target = getattr(holder, field.name)
        entry = field.message_type
        if entry is not None and entry.GetOptions().map_entry:
            value_field = entry.fields_by_name["value"]
            for i in range(value.items):
                if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                    target[f"k{i}"].SetInParent()
                else:
                    target[f"k{i}"] = plain(value_field)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            for _ in range(value.items):
                target.add()
        else:
            target.extend([plain(field)] * value.items)
        return message
    build(type(holder), {field.name: value}, into=holder)
    return message


def plain(field: FieldDescriptor) -> Any:
    """A harmless valid item, to make a list one past its limit."""
    if field.type == FieldDescriptor.TYPE_STRING:
        return "t"
    if field.type == FieldDescriptor.TYPE_BYTES:
        return b"t"
    return 0 if field.type == FieldDescriptor.TYPE_ENUM else field.default_value


def build(
    cls: Callable[[], Message], values: dict[str, Any], into: Message | None = None
) -> Message:
    """A message of `cls` (or `into`, changed in place) with the fields in `values` set."""
    message = cls() if into is None else into
    for name, value in values.items():
        field = message.DESCRIPTOR.fields_by_name[name]
        target = getattr(message, name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            for key, item in value.items():
                if value_field.type == FieldDescriptor.TYPE_MESSAGE:
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif field.is_repeated:
            target.extend(value)
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            target.SetInParent()  # an empty sub-message is still "set"
            target.MergeFrom(value)
        else:
            setattr(message, name, value)
    return message


def generate(strategy: st.SearchStrategy[Message], count: int, salt: str) -> list[Message]:
    """`count` examples of `strategy`, the same ones on every run with the same seed."""
    found: list[Message] = []

    @seed(SEED * 1_000_003 + zlib.crc32(salt.encode()))
    @settings(
        derandomize=True,
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(message: Message) -> None:
        found.append(message)

    collect()
    return found


# --- raw bodies -----------------------------------------------------------------------------------


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag(number: int, wire_type: int) -> bytes:
    return varint((number << 3) | wire_type)


def delimited(number: int, payload: bytes) -> bytes:
    return tag(number, 2) + varint(len(payload)) + payload


def struct_path(descriptor: Descriptor, seen: frozenset[str] = frozenset()) -> list[int] | None:
    """Field numbers leading from `descriptor` to a google.protobuf.Struct, if any."""
    for field in descriptor.fields:
        target = field.message_type
        if target is None or target.full_name in seen or target.GetOptions().map_entry:
            continue
        if target.full_name == "google.protobuf.Struct":
            return [field.number]
        rest = struct_path(target, seen | {descriptor.full_name})
        if rest is not None:
            return [field.number, *rest]
    return None


def nested_struct(depth: int) -> bytes:
    """A Struct nesting `depth` Structs: {"a": {"a": ...}} (Struct.fields=1, entry value=2,
    Value.struct_value=5)."""
    body = b""
    for _ in range(depth):
        value = delimited(5, body)
        entry = delimited(1, b"a") + delimited(2, value)
        body = delimited(1, entry)
    return body


BAD_UTF8 = [
    ("invalid byte", b"ok\xff"),
    ("overlong NUL", b"a\xc0\x80"),
    ("encoded surrogate", b"\xed\xa0\x80"),
    ("truncated sequence", b"\xe2\x82"),
]


def raw_bodies(
    descriptor: Descriptor, examples: list[Message], rng: random.Random
) -> Iterator[tuple[str, bytes]]:
    """Corrupt and odd request bodies for one request type, each with a label."""
    yield "empty body", b""
    for field in descriptor.fields:
        n = field.number
        if field.type == FieldDescriptor.TYPE_STRING:
            label, bad = rng.choice(BAD_UTF8)
            yield f"{field.name}: bad UTF-8 ({label})", delimited(n, bad)
        if field.type in (FieldDescriptor.TYPE_STRING, FieldDescriptor.TYPE_MESSAGE):
            yield f"{field.name}: a varint where a length is due", tag(n, 0) + varint(2**64 - 1)
            yield f"{field.name}: length past the end", tag(n, 2) + varint(1000) + b"ab"
        else:
            yield f"{field.name}: bytes where a number is due", delimited(n, b"abc")
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            yield f"{field.name}: sub-message of junk", delimited(n, b"\xff\xff\xff\xff")
    yield "overlong varint", tag(1, 0) + b"\xff" * 10 + b"\x01"
    path = struct_path(descriptor)
    if path is not None:
        for depth in (60, 150):
            body = nested_struct(depth)
            for number in reversed(path):
                body = delimited(number, body)
            yield f"Struct nested {depth} deep", body
    yield "field number 0", b"\x00\x01"
    yield "unterminated group", tag(7, 3) + b"\x08\x01"
    yield "stray end-group", tag(7, 4)
    yield "unknown field 536870911", delimited(2**29 - 1, b"x" * 64)
    yield "negative length", tag(1, 2) + varint(-1)
    for index, example in enumerate(examples[:3]):
        body = example.SerializeToString()
        if len(body) > 1:
            yield f"message[{index}] truncated", body[: len(body) // 2]
            flipped = bytearray(body)
            flipped[rng.randrange(len(flipped))] ^= 0xFF
            yield f"message[{index}] one byte flipped", bytes(flipped)
    for index in range(RANDOM_BODIES):
        size = rng.choice([1, 2, 3, 8, 33, 257])
        yield f"random bytes #{index}", rng.randbytes(size)


def show_body(body: bytes) -> str:
    return repr(body[:SHOW]) + (f"... ({len(body)} bytes)" if len(body) > SHOW else "")


def show_message(message: Message) -> str:
    text = text_format.MessageToString(message, as_one_line=True, as_utf8=True)
    size = message.ByteSize()
    return (text[:SHOW] + f"... ({size} bytes serialized)") if len(text) > SHOW else text


# --- the test -------------------------------------------------------------------------------------


def ordered_methods() -> list[MethodDescriptor]:
    methods = [m for m in SERVICE.methods if m.name not in LAST]
    return methods + [m for m in SERVICE.methods if m.name in LAST]


async def health_status(channel: grpc.aio.Channel) -> str:
    checks = health_pb2_grpc.HealthStub(channel)
    reply = await checks.Check(health_pb2.HealthCheckRequest(), timeout=5)
    return str(health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status))


async def snapshot(stub: Any, task_id: str) -> list[Message]:
    """The task, its whole event log and its session, as the API shows them."""
    task = (await stub.GetTask(pb.GetTaskRequest(task_id=task_id), metadata=AUTH, timeout=5)).task
    events = [
        reply.event
        async for reply in stub.WatchTask(
            pb.WatchTaskRequest(task_id=task_id), metadata=AUTH, timeout=5
        )
    ]
    session = await stub.GetSession(
        pb.GetSessionRequest(session_id=task.session_id), metadata=AUTH, timeout=5
    )
    return [task, *events, session.session]


async def fuzz_method(
    channel: grpc.aio.Channel,
    method: MethodDescriptor,
    inputs: list[tuple[str, str, bytes]],
    on_outcome: Callable[[str, str, Outcome], None],
) -> None:
    """Send every input, in order; a method that may wait for work (up to its deadline) has
    several calls in flight at once, so the waits overlap."""
    if method.name not in WAITING:
        for source, shown, body in inputs:
            on_outcome(source, shown, await invoke(channel, method, body))
        return
    lanes = asyncio.Semaphore(16)

    async def one(body: bytes) -> Outcome:
        async with lanes:
            return await invoke(channel, method, body)

    outcomes = await asyncio.gather(*(one(body) for _, _, body in inputs))
    for (source, shown, _), outcome in zip(inputs, outcomes, strict=True):
        on_outcome(source, shown, outcome)


async def test_every_rpc_survives_protocol_fuzzing(make_server: ServerFactory) -> None:
    started = time.monotonic()
    harness = await make_server(
        server={"credentials": parse_tokens(f"{TOKEN} read,submit,admin name=fuzzer", "tokens")},
        slots=2,
        min_slots=2,
        max_slots=2,  # ScaleUp/ScaleDown/SetTargetSlots can neither start nor stop a slot
        # A routing call always asks for PLAN: refused at submission, Route and Auto start no CLI.
        denied_permission_modes=frozenset({PermissionMode.BYPASS_PERMISSIONS, PermissionMode.PLAN}),
        mcp_servers={"docs": {"command": "/usr/bin/true"}},
        default_policy=NamespacePolicy(mcp_servers=("docs",)),
        max_fan_out=8,
        max_chain_steps=4,
    )
    findings: list[Finding] = []
    counts: collections.Counter[str] = collections.Counter()
    codes: dict[str, collections.Counter[str]] = {}
    seconds: dict[str, float] = {}
    async with grpc.aio.insecure_channel(
        harness.server.address, options=CHANNEL_OPTIONS
    ) as channel:
        stub: Any = pool_service_pb2_grpc.PoolServiceStub(channel)

        # What the fuzzer must not damage, and real objects for it to aim at.
        kept, target = [
            reply.task
            for reply in await asyncio.gather(
                stub.Run(pb.RunRequest(task=task_pb2.TaskSpec(prompt="kept safe")), metadata=AUTH),
                stub.Run(pb.RunRequest(task=task_pb2.TaskSpec(prompt="fuzz me")), metadata=AUTH),
            )
        ]
        assert kept.state == target.state == task_pb2.TASK_STATE_COMPLETED, (kept, target)
        # Both slots stay busy on a stalled stub reply while the fuzzer runs, so every task it gets
        # accepted stays PENDING: the handlers run and map their answers, but no CLI starts.
        blockers = [
            (
                await stub.SubmitTask(
                    pb.SubmitTaskRequest(task=task_pb2.TaskSpec(prompt=BLOCK)), metadata=AUTH
                )
            ).task
            for _ in range(2)
        ]

        async def blocking() -> bool:
            states = [
                (await stub.GetTask(pb.GetTaskRequest(task_id=b.id), metadata=AUTH)).task.state
                for b in blockers
            ]
            return states == [task_pb2.TASK_STATE_RUNNING] * 2

        await eventually(blocking, within=30)
        chain = await stub.SubmitChain(
            pb.SubmitChainRequest(steps=[chain_pb2.ChainStep(name="a", prompt="x")]), metadata=AUTH
        )
        await stub.SetContext(pb.SetContextRequest(key="fuzz-key", value="v"), metadata=AUTH)
        await stub.SendMessage(
            pb.SendMessageRequest(from_slot_id="fuzzer", to_slot_id="slot-1", content="hi"),
            metadata=AUTH,
        )
        before = await snapshot(stub, kept.id)
        setup_seconds = time.monotonic() - started
        work_root = str(harness.work_root)
        ids = {
            "task_id": [target.id],
            "session_id": [target.session_id],
            "chain_id": [chain.chain.chain_id],
            "slot_id": ["slot-0", "slot-1"],
            "to_slot_id": ["slot-0", "slot-1"],
            "from_slot_id": ["fuzzer", "slot-0"],
            "continue_from": ["", target.id, target.session_id],
            "fork_from": ["", target.session_id],
            "key": ["fuzz-key", "k.1/b-c_d"],
            "working_dir": [work_root],
        }
        benign = {
            **ids,
            "prompt": ["fuzz", "again: {previous_output}"],
            "recovery_prompt": ["fix it: {error}"],
            "model": ["claude-sonnet-4-5"],
            "fallback_model": ["claude-haiku-4-5"],
            "mcp_servers": ["docs"],
            "allowed_tools": ["Read", "Bash(git log:*)"],
            "tools": ["Read"],
            "disallowed_tools": ["Write"],
            "request_id": [""],  # reused ids are REQUEST_ID_REUSED: hostile values reuse them
            "page_token": [""],
            "name": ["a", "b"],
        }
        known = sorted({v for values in ids.values() for v in values if v} | {"../elsewhere"})
        strategies = MessageStrategies(known, benign)

        def record(
            method: str, source: str, shown: str, outcome: Outcome, expect: Code | None = None
        ) -> None:
            counts[source.split(" ")[0].split("[")[0]] += 1
            counts["waited"] += outcome.code is Code.DEADLINE_EXCEEDED
            codes.setdefault(method, collections.Counter())[outcome.code.name] += 1
            problem = judge(SERVICE.methods_by_name[method], outcome)
            if not problem and expect is not None and outcome.code is not expect:
                problem = f"expected {expect.name}"
            if method in TRACE:
                print(
                    f"{method} {source}: {outcome.code.name} {outcome.details[:200]!r} <- {shown}"
                )
            if problem:
                findings.append(
                    Finding(method, source, shown, outcome.code.name, outcome.details, problem)
                )

        for method in ordered_methods():
            if method.name in LAST:
                assert await health_status(channel) == "SERVING"
                assert await snapshot(stub, kept.id) == before, "stored work changed"
                if not await blocking():
                    now = [
                        (await stub.GetTask(pb.GetTaskRequest(task_id=b.id), metadata=AUTH)).task
                        for b in blockers
                    ]
                    raise AssertionError(f"a blocker stopped: fuzzed tasks may have run: {now}")
            over_budget = time.monotonic() - started > SOFT_BUDGET_SECONDS
            count = min(EXAMPLES, 4) if over_budget else EXAMPLES
            examples = generate(strategies.request(method.input_type), count, method.name)
            rng = random.Random(f"{SEED}:{method.name}")
            inputs = [
                (f"raw {label}", show_body(body), body)
                for label, body in raw_bodies(method.input_type, examples, rng)
            ]
            inputs += [
                (f"message[{i}]", show_message(m), m.SerializeToString())
                for i, m in enumerate(examples)
            ]
            base = strategies.careful(method.input_type)
            inputs += [
                (f"sweep {label}", show_message(m), m.SerializeToString())
                for label, m in sweep(base)
            ]
            began = time.monotonic()
            await fuzz_method(channel, method, inputs, functools.partial(record, method.name))
            # Without valid credentials a corrupt body is never even parsed.
            for label, credentials in BAD_CREDENTIALS:
                outcome = await invoke(channel, method, CORRUPT, credentials)
                record(
                    method.name, f"auth {label}", show_body(CORRUPT), outcome, Code.UNAUTHENTICATED
                )
            seconds[method.name] = time.monotonic() - began

        # Drained: the pool takes no new work, but it still answers, and nothing stored changed.
        # (Health may say NOT_SERVING once the drained slots' workers are gone.)
        assert await health_status(channel) in {"SERVING", "NOT_SERVING"}
        assert await snapshot(stub, kept.id) == before, "stored work changed (after Drain)"

    elapsed = time.monotonic() - started
    summary = (
        f"protocol fuzz: seed {SEED}, {len(SERVICE.methods)} methods, {counts['raw']} raw bodies, "
        f"{counts['message']} hypothesis messages, {counts['sweep']} one-field sweeps, "
        f"{counts['auth']} without credentials "
        f"({counts['waited']} still working at their deadline), {elapsed:.1f}s "
        f"({setup_seconds:.1f}s of it setting up)"
    )
    print(summary)
    for name, seen in codes.items():
        statuses = ", ".join(f"{code} {n}" for code, n in seen.most_common())
        print(f"  {name:18} {seconds.get(name, 0):5.1f}s  {statuses}")
    if findings:
        report = "\n".join(str(f) for f in findings[:40])
        more = f"\n... and {len(findings) - 40} more" if len(findings) > 40 else ""
        pytest.fail(
            f"{len(findings)} findings ({summary}); reproduce with "
            f"CLAUDE_POOL_FUZZ_SEED={SEED} CLAUDE_POOL_FUZZ_EXAMPLES={EXAMPLES}\n{report}{more}"
        )
