"""How client commands print: proto JSON, money, states, ages, tables and task outcomes.

Results go to stdout, everything about them (ids, progress, outcomes, errors) to stderr, so a
command's stdout can be piped. Every amount of money is printed by `usd`/`dollars`: micro-dollars
with all six decimals, so two commands showing the same field show the same text.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from google.protobuf import duration_pb2, json_format, timestamp_pb2
from google.protobuf.message import Message

from claude_pool.v1 import chain_pb2, task_pb2


def to_json(message: Message) -> str:
    return json_format.MessageToJson(message, indent=2)


def to_json_line(message: Message) -> str:
    return json_format.MessageToJson(message, indent=None)


def to_json_list(messages: Iterable[Message]) -> str:
    return json.dumps([json_format.MessageToDict(m) for m in messages], indent=2)


def dollars(micros: int) -> str:
    """An amount in USD without the unit (for table columns headed `COST (USD)`)."""
    return f"{micros / 1e6:.6f}"


def usd(micros: int) -> str:
    return f"{dollars(micros)} USD"


def task_state(state: task_pb2.TaskState.ValueType) -> str:
    return task_pb2.TaskState.Name(state).removeprefix("TASK_STATE_").lower()


def chain_status(status: chain_pb2.ChainStatus.ValueType) -> str:
    return chain_pb2.ChainStatus.Name(status).removeprefix("CHAIN_STATUS_").lower()


def enum_name(value: int, enum: Any, prefix: str) -> str:
    """`PERMISSION_MODE_ACCEPT_EDITS` -> `accept_edits`; the zero value reads `unset`."""
    return "unset" if value == 0 else str(enum.Name(value)).removeprefix(prefix).lower()


def seconds(value: duration_pb2.Duration) -> float:
    return float(value.ToNanoseconds()) / 1e9


def span(total: float) -> str:
    """A short duration: 850ms, 12.3s, 4m05s, 2h10m, 3d04h."""
    if total < 1:
        return f"{total * 1000:.0f}ms"
    if total < 60:
        return f"{total:.1f}s"
    whole = int(total)
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    if whole < 86400:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 86400}d{whole % 86400 // 3600:02d}h"


def when(stamp: timestamp_pb2.Timestamp) -> float | None:
    """A timestamp as seconds since the epoch; None when unset."""
    if not stamp.seconds and not stamp.nanos:
        return None
    return stamp.seconds + stamp.nanos / 1e9


def age(stamp: timestamp_pb2.Timestamp, now: float | None = None) -> str:
    """How long ago a timestamp was ("-" when unset)."""
    then = when(stamp)
    if then is None:
        return "-"
    return span(max(0.0, (time.time() if now is None else now) - then))


def first_line(text: str, width: int = 60) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= width else line[: width - 1] + "…"


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Aligned columns on stdout; the last column is not padded (it may be long)."""
    rows = [list(r) for r in rows]
    widths = [max(len(str(row[i])) for row in [list(headers), *rows]) for i in range(len(headers))]
    for row in [list(headers), *rows]:
        cells = [str(c).ljust(w) for c, w in zip(row[:-1], widths, strict=False)]
        print("  ".join([*cells, str(row[-1])]).rstrip())


def fields(pairs: Iterable[tuple[str, str]]) -> None:
    """`name: value` lines on stdout, names aligned."""
    pairs = list(pairs)
    width = max((len(name) for name, _ in pairs), default=0)
    for name, value in pairs:
        print(f"{name + ':':<{width + 1}} {value}")


def note(text: str) -> None:
    """A line about the result (not the result itself): stderr."""
    print(text, file=sys.stderr, flush=True)


def task_outcome(task: task_pb2.Task) -> int:
    """Say on stderr how a task ended unless it completed; the command's exit code."""
    if task.state == task_pb2.TASK_STATE_FAILED:
        failure = task.result.failure
        kind = enum_name(failure.kind, task_pb2.FailureKind, "FAILURE_KIND_")
        note(f"task {task.id} failed ({kind}): {failure.message}")
        return 1
    if task.state != task_pb2.TASK_STATE_COMPLETED:
        note(f"task {task.id} is {task_state(task.state)}")
        return 0 if task.state == task_pb2.TASK_STATE_PENDING_REVIEW else 1
    return 0
