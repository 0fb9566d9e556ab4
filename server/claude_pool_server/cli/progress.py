"""Progress of several items at once (fan-out items, chain steps), on stderr.

On a terminal it is a live table (rich), one row per item with its state, elapsed time and cost,
redrawn as time passes. Anywhere else (a pipe, a file, a test) it is one plain line per change,
printed as the change happens, so a log shows each item queued, running, retried and finished.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TextIO

from claude_pool_server.cli.output import span, usd

STYLES = {
    "completed": "green",
    "ok": "green",
    "running": "cyan",
    "failed": "red",
    "cancelled": "yellow",
    "skipped": "dim",
}


@dataclass
class Row:
    tag: str  # "[0]" for a fan-out item, "[2/3]" for a chain step
    label: str
    state: str = "queued"
    since: float | None = None  # wall time its current run started; elapsed counts from it
    until: float | None = None  # wall time it ended (elapsed stops)
    elapsed: float | None = None  # a known run time (the task's own), shown as it is
    cost_micros: int | None = None
    detail: str = ""  # retries, the failure of an attempt

    def seconds(self, now: float) -> float | None:
        if self.elapsed is not None:
            return self.elapsed
        if self.since is None:
            return None
        return max(0.0, (self.until or now) - self.since)

    def figures(self, now: float) -> list[str]:
        taken = self.seconds(now)
        found = [span(taken)] if taken is not None else []
        if self.cost_micros is not None:
            found.append(usd(self.cost_micros))
        return found

    def line(self, now: float) -> str:
        figures = self.figures(now)
        extra = f" ({', '.join(figures)})" if figures else ""
        detail = f"; {self.detail}" if self.detail else ""
        label = f" {self.label}" if self.label else ""
        return f"{self.tag}{label}: {self.state}{extra}{detail}"


class Board:
    """A row per item; `update` changes a row, and in plain mode prints it when its label, state
    or detail changed."""

    def __init__(self, rows: list[Row], *, stream: TextIO | None = None, live: bool | None = None):
        self.rows = rows
        self.stream = stream if stream is not None else sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self._display: Any = None

    def __enter__(self) -> Board:
        if self.live:
            self._start_live()
        else:
            for row in self.rows:
                self._print(row)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._display is not None:
            self._display.stop()
            self._display = None

    def add(self, row: Row) -> int:
        self.rows.append(row)
        if not self.live:
            self._print(row)
        return len(self.rows) - 1

    def update(self, index: int, **changes: Any) -> None:
        row = self.rows[index]
        before = (row.label, row.state, row.detail)
        for name, value in changes.items():
            setattr(row, name, value)
        if not self.live and (row.label, row.state, row.detail) != before:
            self._print(row)

    def _print(self, row: Row) -> None:
        print(row.line(time.time()), file=self.stream, flush=True)

    def _start_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        console = Console(file=self.stream)
        self._display = Live(
            console=console,
            get_renderable=self._render,
            refresh_per_second=4,
            # results printed to a terminal stdout go above the live rows instead of through them
            redirect_stdout=sys.stdout.isatty(),
            redirect_stderr=False,
        )
        self._display.start()

    def _render(self) -> Any:
        from rich.table import Table
        from rich.text import Text

        now = time.time()
        grid = Table.grid(padding=(0, 2))
        for row in self.rows:
            taken = row.seconds(now)
            grid.add_row(
                Text(row.tag, style="bold"),
                Text(row.label),
                Text(row.state, style=STYLES.get(row.state.split(" ")[0], "")),
                Text(span(taken) if taken is not None else ""),
                Text(usd(row.cost_micros) if row.cost_micros is not None else ""),
                Text(row.detail, style="dim"),
            )
        return grid
