"""A stub of the Anthropic Messages API, so the real ``claude`` CLI runs offline in tests.

There is no internet in CI, yet the pool must be tested against the real CLI (DESIGN.md §7).
`StubAnthropic` serves just enough of the API on 127.0.0.1 for the CLI to work: streaming
(SSE) and non-streaming ``POST /v1/messages``, plus harmless answers for every other path.
It runs its own asyncio loop in a daemon thread, so one instance serves sync tests, async
tests and many concurrent CLI processes alike, whatever event loop the test uses.

Usage::

    with StubAnthropic() as stub:
        options = ClaudeAgentOptions(env={**stub.env(), "HOME": tmp, ...}, ...)
        ...
        assert stub.messages_requests()[-1].body["system"]

Directives
----------
A test scripts the reply by writing directives into its prompt. Only the newest user turn
counts: the user message with human text that is nearest the end of ``messages`` (tool
results, which also travel as ``role: user``, are skipped; ``<system-reminder>`` and
slash-command wrapper blocks the CLI adds are ignored). Directives are removed from the
text before it is echoed.

=========================  ====================================================================
``[[reply:TEXT]]``         reply exactly TEXT (up to the first ``]]``)
``[[json:{...}]]``         reply with that literal JSON text (brackets matched, strings honoured)
``[[chunks:N]]``           stream the reply as exactly N ``text_delta`` events (empty ones if the
                           text is shorter than N)
``[[slow:S]]``             sleep S seconds (float) before each delta
``[[usage:IN:OUT]]``       report IN input and OUT output tokens (default 10 / 5)
``[[400]]`` ``[[401]]``    that HTTP status with an Anthropic error body, on every request
``[[429]]`` ``[[500]]``    (429 adds ``retry-after: 1``)
``[[529]]``
``[[fail:CODE:N:TAG]]``    CODE for the first N requests carrying TAG (counted per stub until
                           ``clear()``), then the normal reply
``[[hang:S]]``             read the request, send no byte for S seconds, close the connection
``[[stallmid:S]]``         send headers + ``message_start``, stall S seconds, close (streaming
                           only; a non-streaming request gets the normal reply)
``[[tool]]``               first call: a Bash ``tool_use`` running ``echo hi``; once a
                           ``tool_result`` follows the user turn: text
``[[sleeptool:S]]``        the same with Python ``time.sleep(S)``, then ``echo slept``
``[[toolloop]]``           always a Bash ``echo loop`` ``tool_use`` (drives ``max_turns``)
``[[bash:CMD]]``           first call: a Bash ``tool_use`` running CMD (up to the first ``]]``);
                           once its ``tool_result`` follows: ``TOOL-RESULT[...]`` text
``[[recall]]``             reply ``RECALL[<the conversation's previous assistant text>]`` (empty
                           brackets when the request carries no earlier turn): shows what the
                           CLI sent of the conversation so far
``[[mcp:TOOL:{ARGS}]]``    a ``tool_use`` of the tool named TOOL (an MCP tool is
                           ``mcp__<server>__<tool>``) with the JSON object ARGS as its input.
                           Several run in order, one per call: the Nth call after the user turn
                           issues the Nth. A string ``{{prev.KEY}}`` in ARGS is replaced by KEY
                           of the previous tool result (the first of its text blocks that is a
                           JSON object with KEY). Once every one has its ``tool_result``: text
                           ``MCP-RESULTS`` then a line ``[N] TOOL: <result text>`` per call
                           (``[N] TOOL (error): ...`` for an ``is_error`` result), in full
=========================  ====================================================================

Without a reply directive the text is ``FAKE-REPLY[<first 40 chars of the user text>]``;
after a tool round trip it is ``TOOL-RESULT[<first 40 chars of the tool output>]``, so a test
can see the tool really ran. Without ``[[chunks:N]]`` the text is split into 4-8 deltas.
A malformed directive (``[[slow:abc]]``) gets a 400 naming it, so mistakes surface at once.
The CLI's own side-calls (a session title, a conversation summary) quote the user's prompt;
they are recognised by their template wording and always get a quick normal reply, so a
quoted ``[[529]]`` or ``[[hang:S]]`` only ever hits the conversation itself.

Cost (measured with the bundled CLI 2.1.327)
--------------------------------------------
The CLI prices the reported tokens itself at list price. For ``claude-sonnet-4-5``:
$3 per million input and $15 per million output tokens, ``total_cost_usd = IN * 3e-6 +
OUT * 15e-6``: ``[[usage:1000000:0]]`` gives exactly 3.0, ``[[usage:0:1000000]]`` 15.0, the
default 10 / 5 tokens 0.000105 per API call. Without a ``model`` the CLI asks for
``claude-opus-5-5``, priced $4 / $20 per million (default usage: 0.00014).
``total_cost_usd`` is cumulative over a resumed session; a stream cut after
``message_start`` is still billed for its input tokens (and one output token).
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import re
import secrets
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

__all__ = [
    "DEFAULT_API_TIMEOUT_MS",
    "DEFAULT_INPUT_TOKENS",
    "DEFAULT_OUTPUT_TOKENS",
    "RecordedRequest",
    "StubAnthropic",
    "iter_text_deltas",
]

log = logging.getLogger(__name__)

DEFAULT_INPUT_TOKENS = 10
DEFAULT_OUTPUT_TOKENS = 5
DEFAULT_API_TIMEOUT_MS = 8000

_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    413: "Payload Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
    529: "Overloaded",
}
_ERROR_TYPES = {
    400: ("invalid_request_error", "Invalid request"),
    401: ("authentication_error", "invalid x-api-key"),
    403: (
        "permission_error",
        "Your API key does not have permission to use the resource",
    ),
    404: ("not_found_error", "Not found"),
    413: ("request_too_large", "Request exceeds the maximum allowed number of bytes"),
    429: ("rate_limit_error", "Number of request tokens has exceeded your rate limit"),
    500: ("api_error", "Internal server error"),
    529: ("overloaded_error", "Overloaded"),
}
_STATUS_DIRECTIVES = frozenset({"400", "401", "429", "500", "529"})
_KNOWN_DIRECTIVES = _STATUS_DIRECTIVES | {
    "reply",
    "json",
    "chunks",
    "slow",
    "usage",
    "fail",
    "hang",
    "stallmid",
    "tool",
    "sleeptool",
    "toolloop",
    "bash",
    "recall",
    "mcp",
}
# Blocks the CLI wraps around or adds to the user's own words.
_CLI_WRAPPERS = re.compile(
    r"<(system-reminder|local-command-caveat|command-name|command-message|command-args|"
    r"local-command-stdout|local-command-stderr)>.*?</\1>",
    re.DOTALL,
)
_DIRECTIVE_START = re.compile(r"\[\[([a-z0-9]+)")
_MCP_TOOL_NAME = re.compile(r"[A-Za-z0-9_-]+:")
_PREV_PLACEHOLDER = re.compile(r"\{\{prev\.([A-Za-z0-9_]+)\}\}")
# Wording of the CLI's side-call templates (title generation, conversation summaries).
_SIDE_CALL_MARKERS = (
    "<session>",
    "You are naming a coding session",
    "create a detailed summary of the conversation",
)


@dataclass(frozen=True)
class RecordedRequest:
    """One HTTP request as the stub received it, for assertions on what the CLI sent."""

    method: str
    path: str
    """The path without the query string (the CLI calls ``/v1/messages?beta=true``)."""
    headers: dict[str, str]
    """Header names in lower case; repeated headers joined with ``", "``."""
    body: dict[str, Any] | None
    """The decoded JSON body, or None when there was none or it was not a JSON object."""
    received_at: float
    """``time.monotonic()`` when the request was fully read."""
    query: str = ""

    @property
    def session_id(self) -> str | None:
        """The CLI session that sent this request (``X-Claude-Code-Session-Id``)."""
        return self.headers.get("x-claude-code-session-id")


class DirectiveError(ValueError):
    """A directive in the prompt is malformed; answered with a 400 so the test sees it."""


@dataclass
class Script:
    """What the newest user turn asks the stub to do."""

    text: str = ""
    after_tool: bool = False
    tool_output: str = ""
    reply: str | None = None
    chunks: int | None = None
    slow: float = 0.0
    input_tokens: int = DEFAULT_INPUT_TOKENS
    output_tokens: int = DEFAULT_OUTPUT_TOKENS
    status: int | None = None
    fail: tuple[int, int, str] | None = None
    hang: float | None = None
    stallmid: float | None = None
    tool_command: str | None = None
    tool_loop: bool = False
    recall: str | None = None
    mcp_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)


@dataclass(frozen=True)
class ToolResult:
    """A ``tool_result`` block of the conversation: its text blocks and whether it is an error."""

    texts: tuple[str, ...]
    is_error: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


def _match_brackets(text: str, start: int) -> int:
    """Index just past the JSON value that opens at ``start``, or -1 if it never closes."""
    closers = {"{": "}", "[": "]"}
    if start >= len(text) or text[start] not in closers:
        return -1
    stack: list[str] = []
    in_string = escaped = False
    for i in range(start, len(text)):
        ch = text[i]
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in closers:
            stack.append(closers[ch])
        elif ch in "}]":
            if not stack or stack.pop() != ch:
                return -1
            if not stack:
                return i + 1
    return -1


def split_directives(text: str) -> tuple[list[tuple[str, str]], str]:
    """Split ``text`` into its ``[[name:arg]]`` directives and the remaining prose.

    Unknown names are left in the prose, so ordinary ``[[`` in a prompt does no harm.
    """
    found: list[tuple[str, str]] = []
    kept: list[str] = []
    pos = 0
    while (start := text.find("[[", pos)) >= 0:
        match = _DIRECTIVE_START.match(text, start)
        name = match.group(1) if match else ""
        after = match.end() if match else start + 2
        end = -1
        arg = ""
        if name in _KNOWN_DIRECTIVES:
            if text.startswith("]]", after):
                end = after + 2
            elif text.startswith(":", after):
                if name == "json":
                    close = _match_brackets(text, after + 1)
                elif name == "mcp" and (tool := _MCP_TOOL_NAME.match(text, after + 1)):
                    close = _match_brackets(text, tool.end())
                else:
                    close = text.find("]]", after + 1)
                if close >= 0 and text.startswith("]]", close):
                    arg = text[after + 1 : close]
                    end = close + 2
        if end < 0:
            kept.append(text[pos : start + 2])
            pos = start + 2
            continue
        kept.append(text[pos:start])
        found.append((name, arg))
        pos = end
    kept.append(text[pos:])
    return found, "".join(kept)


def _block_text(block: Any) -> str:
    if isinstance(block, str):
        return block
    if isinstance(block, dict) and block.get("type") == "text":
        return str(block.get("text", ""))
    return ""


def _tool_result_text(block: dict[str, Any]) -> str:
    """The tool's output, without the ``<system-reminder>`` the CLI appends to it."""
    content = block.get("content")
    if isinstance(content, list):
        content = "".join(_block_text(part) for part in content)
    return _CLI_WRAPPERS.sub("", str(content or "")).strip()


def newest_user_turn(messages: list[Any]) -> tuple[str, bool, str]:
    """Return the newest human text, whether tool results came after it, and the last output.

    Resumed sessions resend every earlier turn and tool results also have ``role: user``,
    so the stub walks back from the end to the first user message without tool results.
    """
    after_tool = False
    tool_output = ""
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        if results:
            if not after_tool:
                tool_output = _tool_result_text(results[-1])
            after_tool = True
            continue
        text = _CLI_WRAPPERS.sub("", "\n".join(_block_text(b) for b in blocks)).strip()
        if text:
            return text, after_tool, tool_output
    return "", after_tool, tool_output


def tool_results_after_turn(messages: list[Any]) -> list[ToolResult]:
    """The ``tool_result`` blocks after the newest human turn, oldest first."""
    found: list[ToolResult] = []
    for message in reversed(messages):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        results = [b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_result"]
        if not results:
            if _CLI_WRAPPERS.sub("", "\n".join(_block_text(b) for b in blocks)).strip():
                break
            continue
        for block in reversed(results):
            parts = block.get("content")
            texts = (
                [_CLI_WRAPPERS.sub("", _block_text(p)).strip() for p in parts]
                if isinstance(parts, list)
                else [_tool_result_text(block)]
            )
            found.append(ToolResult(tuple(t for t in texts if t), bool(block.get("is_error"))))
    return found[::-1]


def _mcp_call(arg: str) -> tuple[str, dict[str, Any]]:
    tool, _, raw = arg.partition(":")
    try:
        arguments = json.loads(raw)
    except ValueError:
        arguments = None
    if not tool or not isinstance(arguments, dict):
        raise DirectiveError(f"[[mcp:{arg}]]: expected [[mcp:TOOL:{{JSON object}}]]")
    return tool, arguments


def _fill_placeholders(value: Any, previous: ToolResult | None) -> Any:
    """``value`` with each ``{{prev.KEY}}`` replaced by KEY of the previous tool result."""
    if isinstance(value, dict):
        return {k: _fill_placeholders(v, previous) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_placeholders(v, previous) for v in value]
    if not isinstance(value, str):
        return value

    def lookup(match: re.Match[str]) -> str:
        key = match.group(1)
        for text in previous.texts if previous is not None else ():
            with contextlib.suppress(ValueError):
                document = json.loads(text)
                if isinstance(document, dict) and key in document:
                    return str(document[key])
        raise DirectiveError(f"{{{{prev.{key}}}}}: no previous tool result has {key!r}")

    return _PREV_PLACEHOLDER.sub(lookup, value)


def previous_assistant_text(messages: list[Any]) -> str:
    """The text of the last assistant message before the newest human turn ("" if none)."""
    newest = None
    for index in range(len(messages) - 1, -1, -1):
        message = messages[index]
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        blocks = content if isinstance(content, list) else [content]
        if any(isinstance(b, dict) and b.get("type") == "tool_result" for b in blocks):
            continue
        if _CLI_WRAPPERS.sub("", "\n".join(_block_text(b) for b in blocks)).strip():
            newest = index
            break
    for message in reversed(messages[: newest or 0]):
        if isinstance(message, dict) and message.get("role") == "assistant":
            content = message.get("content")
            blocks = content if isinstance(content, list) else [content]
            text = "".join(_block_text(b) for b in blocks).strip()
            if text:
                return text
    return ""


def _number(name: str, value: str, kind: type[int | float]) -> Any:
    try:
        number = kind(value)
    except ValueError:
        raise DirectiveError(f"[[{name}:{value}]]: {value!r} is not a number") from None
    if number < 0:
        raise DirectiveError(f"[[{name}:{value}]]: must not be negative")
    return number


def parse_script(body: dict[str, Any]) -> Script:
    """Read the directives of the newest user turn of a Messages request body."""
    messages = body.get("messages")
    text, after_tool, tool_output = newest_user_turn(messages if isinstance(messages, list) else [])
    directives, prose = split_directives(text)
    script = Script(text=prose.strip(), after_tool=after_tool, tool_output=tool_output)
    for name, arg in directives:
        if name in _STATUS_DIRECTIVES:
            script.status = int(name)
        elif name in ("reply", "json"):
            script.reply = arg
        elif name == "chunks":
            script.chunks = _number(name, arg, int)
            if script.chunks == 0:
                raise DirectiveError("[[chunks:0]]: need at least one chunk")
        elif name == "slow":
            script.slow = _number(name, arg, float)
        elif name == "usage":
            parts = arg.split(":")
            if len(parts) != 2:
                raise DirectiveError(f"[[usage:{arg}]]: expected [[usage:IN:OUT]]")
            script.input_tokens = _number(name, parts[0], int)
            script.output_tokens = _number(name, parts[1], int)
        elif name == "fail":
            parts = arg.split(":", 2)
            if len(parts) != 3 or not parts[2]:
                raise DirectiveError(f"[[fail:{arg}]]: expected [[fail:CODE:N:TAG]]")
            script.fail = (
                _number(name, parts[0], int),
                _number(name, parts[1], int),
                parts[2],
            )
        elif name == "hang":
            script.hang = _number(name, arg, float)
        elif name == "stallmid":
            script.stallmid = _number(name, arg, float)
        elif name == "tool":
            script.tool_command = "echo hi"
        elif name == "sleeptool":
            # Not a bare `sleep N`: the CLI refuses long leading sleeps ("Blocked: sleep ...").
            seconds = _number(name, arg, float)
            script.tool_command = f"python3 -c 'import time; time.sleep({seconds:g})'; echo slept"
        elif name == "toolloop":
            script.tool_loop = True
        elif name == "bash":
            if not arg:
                raise DirectiveError("[[bash:CMD]]: give a command")
            script.tool_command = arg
        elif name == "recall":
            script.recall = previous_assistant_text(messages if isinstance(messages, list) else [])
        elif name == "mcp":
            script.mcp_calls.append(_mcp_call(arg))
    if script.mcp_calls:
        script.tool_results = tool_results_after_turn(
            messages if isinstance(messages, list) else []
        )
        done = len(script.tool_results)
        if done < len(script.mcp_calls):
            tool, arguments = script.mcp_calls[done]
            previous = script.tool_results[-1] if script.tool_results else None
            script.mcp_calls[done] = (tool, _fill_placeholders(arguments, previous))
    return script


def is_side_call(body: dict[str, Any]) -> bool:
    """Whether a request is the CLI's own housekeeping (a session title, ...), not the turn.

    Such calls quote the user's prompt, so they must not inherit a failure directive from
    it. They offer no tools; neither does a turn run with ``tools=[]``, so the known
    templates are recognised by their wording (``CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC``
    switches the title call off anyway).
    """
    if body.get("tools"):
        return False
    messages = body.get("messages")
    first = messages[0] if isinstance(messages, list) and messages else {}
    blob = json.dumps([body.get("system"), first], ensure_ascii=False)
    return any(marker in blob for marker in _SIDE_CALL_MARKERS)


def _wants_title(body: dict[str, Any]) -> bool:
    """Whether a side-call asks for ``{"title": ...}`` via structured output."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    schema = fmt.get("schema") if isinstance(fmt, dict) else None
    properties = schema.get("properties") if isinstance(schema, dict) else None
    return isinstance(properties, dict) and "title" in properties


def split_text(text: str, pieces: int | None) -> list[str]:
    """Cut ``text`` into ``pieces`` consecutive parts (4-8 by default) to exercise streaming."""
    if pieces is None:
        pieces = min(8, max(4, len(text) // 8), max(1, len(text)))
    size, extra = divmod(len(text), pieces)
    parts: list[str] = []
    pos = 0
    for i in range(pieces):
        step = size + (1 if i < extra else 0)
        parts.append(text[pos : pos + step])
        pos += step
    return parts


def _new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    """An error document shaped like the real API's."""
    kind, default = _ERROR_TYPES.get(status, ("api_error", "Error"))
    return {
        "type": "error",
        "error": {"type": kind, "message": message or default},
        "request_id": _new_id("req"),
    }


class _Request:
    """A parsed HTTP/1.1 request."""

    def __init__(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> None:
        self.method = method
        self.path, _, self.query = target.partition("?")
        self.headers = headers
        self.raw = raw

    def json_body(self) -> dict[str, Any] | None:
        raw = self.raw
        encoding = self.headers.get("content-encoding", "")
        with contextlib.suppress(OSError, zlib.error):
            if encoding == "gzip":
                raw = gzip.decompress(raw)
            elif encoding == "deflate":
                raw = zlib.decompress(raw)
        try:
            value = json.loads(raw) if raw else None
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    @property
    def keep_alive(self) -> bool:
        return self.headers.get("connection", "").lower() != "close"


class _Response:
    """Writes one HTTP/1.1 response; streamed bodies use chunked encoding to keep the socket."""

    def __init__(self, writer: asyncio.StreamWriter, keep_alive: bool) -> None:
        self.writer = writer
        self.keep_alive = keep_alive

    def _head(self, status: int, headers: dict[str, str]) -> None:
        lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}"]
        headers = {
            "date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()),
            "connection": "keep-alive" if self.keep_alive else "close",
            **headers,
        }
        lines += [f"{name}: {value}" for name, value in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    async def send(
        self,
        status: int,
        body: dict[str, Any] | None,
        headers: dict[str, str] | None = None,
        *,
        head_only: bool = False,
    ) -> None:
        data = b"" if body is None else _dumps(body)
        self._head(
            status,
            {
                "content-type": "application/json",
                "content-length": str(len(data)),
                "request-id": _new_id("req"),
                **(headers or {}),
            },
        )
        if not head_only:
            self.writer.write(data)
        await self.writer.drain()

    async def start_stream(self) -> None:
        self._head(
            200,
            {
                "content-type": "text/event-stream; charset=utf-8",
                "cache-control": "no-cache",
                "transfer-encoding": "chunked",
                "request-id": _new_id("req"),
            },
        )
        await self.writer.drain()

    async def event(self, name: str, data: dict[str, Any]) -> None:
        payload = b"event: " + name.encode() + b"\ndata: " + _dumps(data) + b"\n\n"
        self.writer.write(b"%x\r\n%s\r\n" % (len(payload), payload))
        await self.writer.drain()

    async def end_stream(self) -> None:
        self.writer.write(b"0\r\n\r\n")
        await self.writer.drain()


@dataclass
class _Block:
    """One content block of a scripted reply."""

    kind: str  # "text" or "tool_use"
    text: str = ""
    tool_input: dict[str, Any] = field(default_factory=dict)
    tool_id: str = ""
    tool_name: str = "Bash"


class StubAnthropic:
    """The stub server; start it, hand ``env()`` to the CLI, inspect ``requests`` afterwards."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._host = host
        self._port = port
        self._lock = threading.Condition()
        self._requests: list[RecordedRequest] = []
        self._fail_counts: dict[str, int] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        """Bind an ephemeral port and serve from a daemon thread with its own event loop."""
        if self._thread is not None:
            raise RuntimeError("StubAnthropic already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="stub-anthropic", daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), loop).result(timeout=10)
        return self

    def stop(self) -> None:
        """Close the listener and every open connection (hung ones too), then end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        with contextlib.suppress(TimeoutError):  # then the loop is stopped anyway
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
        self._loop = self._thread = self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("StubAnthropic is not running")
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    @property
    def url(self) -> str:
        return f"http://{self._host}:{self.port}"

    def env(self, **overrides: str) -> dict[str, str]:
        """Environment for a CLI run against this stub, tuned so failures end in seconds.

        Retries are off (one attempt per turn), a silent API times out after 8 s instead
        of 10 minutes, and a stream stalled after its headers is cut after 10 s (the CLI's
        minimum) without the non-streaming retry. Pass keyword arguments to override.
        """
        return {
            "ANTHROPIC_BASE_URL": self.url,
            "ANTHROPIC_API_KEY": "sk-stub",
            "DISABLE_TELEMETRY": "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "CLAUDE_CODE_MAX_RETRIES": "0",
            "API_TIMEOUT_MS": str(DEFAULT_API_TIMEOUT_MS),
            "CLAUDE_CODE_DISABLE_NONSTREAMING_FALLBACK": "1",
            "CLAUDE_BYTE_STREAM_IDLE_TIMEOUT_MS": "10000",
            "NO_PROXY": "127.0.0.1,localhost",
            **overrides,
        }

    # -- recorded requests ----------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def messages_requests(self, session_id: str | None = None) -> list[RecordedRequest]:
        """The ``POST /v1/messages`` requests, optionally of one CLI session only."""
        return [
            r
            for r in self.requests
            if r.method == "POST"
            and r.path == "/v1/messages"
            and (session_id is None or r.session_id == session_id)
        ]

    def clear(self) -> None:
        """Forget recorded requests and ``fail`` counters (between scenarios of one test)."""
        with self._lock:
            self._requests.clear()
            self._fail_counts.clear()

    def wait_for_requests(
        self, n: int, timeout: float = 10.0, *, messages_only: bool = True
    ) -> list[RecordedRequest]:
        """Block until ``n`` requests (by default ``POST /v1/messages`` only) have arrived.

        Blocking: from async code use ``await asyncio.to_thread(stub.wait_for_requests, n)``.
        """
        deadline = time.monotonic() + timeout

        def matching() -> list[RecordedRequest]:
            return self.messages_requests() if messages_only else list(self._requests)

        with self._lock:
            while len(found := matching()) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"saw {len(found)} of {n} requests within {timeout} s")
                self._lock.wait(left)
            return found

    def _record(self, request: _Request, body: dict[str, Any] | None) -> None:
        recorded = RecordedRequest(
            method=request.method,
            path=request.path,
            headers=dict(request.headers),
            body=body,
            received_at=time.monotonic(),
            query=request.query,
        )
        with self._lock:
            self._requests.append(recorded)
            self._lock.notify_all()

    def _should_fail(self, times: int, tag: str) -> bool:
        with self._lock:
            seen = self._fail_counts.get(tag, 0)
            self._fail_counts[tag] = seen + 1
        return seen < times

    # -- server ---------------------------------------------------------------------------

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._on_connection, self._host, self._port)

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _on_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while (request := await self._read_request(reader)) is not None:
                response = _Response(writer, request.keep_alive)
                keep = await self._dispatch(request, reader, response)
                if not (keep and request.keep_alive):
                    break
        except (
            ConnectionError,
            asyncio.IncompleteReadError,
            asyncio.LimitOverrunError,
        ):
            pass  # the client went away mid-request: nobody to answer
        except asyncio.CancelledError:
            # stop() cancels open connections. Python 3.11's streams callback calls
            # task.exception() on this task and would log a cancelled one as an error.
            pass
        except Exception:
            log.exception("stub Anthropic API failed on a request")
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    @staticmethod
    async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
        line = await reader.readline()
        while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between requests
            line = await reader.readline()
        if not line:
            return None
        method, target, *_version = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = raw.decode("latin-1").partition(":")
            key, value = name.strip().lower(), value.strip()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            while size := int((await reader.readline()).split(b";")[0].strip() or b"0", 16):
                parts.append(await reader.readexactly(size))
                await reader.readexactly(2)
            while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                pass  # trailers
            body = b"".join(parts)
        else:
            body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
        return _Request(method.upper(), target, headers, body)

    async def _dispatch(
        self, request: _Request, reader: asyncio.StreamReader, response: _Response
    ) -> bool:
        """Answer one request; return False when the connection must be closed afterwards."""
        body = request.json_body()
        self._record(request, body)
        path = request.path.rstrip("/")
        if request.method == "HEAD":
            await response.send(200, None, head_only=True)
        elif request.method == "POST" and path == "/v1/messages":
            return await self._messages(body or {}, reader, response)
        elif request.method == "POST" and path == "/v1/messages/count_tokens":
            tokens = max(1, len(request.raw) // 4)
            await response.send(200, {"input_tokens": tokens})
        elif request.method == "GET" and path == "/v1/models":
            models = [_model_info(m) for m in ("claude-sonnet-4-5", "claude-haiku-4-5")]
            page = {
                "data": models,
                "has_more": False,
                "first_id": None,
                "last_id": None,
            }
            await response.send(200, page)
        elif request.method == "GET" and path.startswith("/v1/models/"):
            await response.send(200, _model_info(path.rsplit("/", 1)[1]))
        elif request.method == "GET" and path in ("", "/health"):
            await response.send(200, {"ok": True})
        else:
            await response.send(404, error_body(404, f"stub: no route {request.method} {path}"))
        return True

    async def _messages(
        self, body: dict[str, Any], reader: asyncio.StreamReader, response: _Response
    ) -> bool:
        stream = bool(body.get("stream"))
        model = str(body.get("model") or "claude-sonnet-4-5")
        try:
            script = parse_script(body)
        except DirectiveError as exc:
            await response.send(400, error_body(400, f"stub: {exc}"))
            return True
        if is_side_call(body):
            title = json.dumps({"title": "Stub session"}) if _wants_title(body) else None
            script = Script(text=script.text, reply=title)
        status = script.status
        if script.fail and self._should_fail(script.fail[1], script.fail[2]):
            status = script.fail[0]
        if status is not None:
            retry = {"retry-after": "1"} if status == 429 else {}
            await response.send(status, error_body(status), retry)
            return True
        if script.hang is not None:
            await _idle(reader, script.hang)
            return False
        blocks = _reply_blocks(script)
        if not stream:
            await response.send(200, _message_json(model, blocks, script))
            return True
        await response.start_stream()
        message_id = _new_id("msg")
        start_usage = {
            "input_tokens": script.input_tokens,
            "output_tokens": min(1, script.output_tokens),
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        }
        message: dict[str, Any] = {
            "id": message_id,
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": start_usage,
        }
        await response.event("message_start", {"type": "message_start", "message": message})
        if script.stallmid is not None:
            await _idle(reader, script.stallmid)
            return False
        await response.event("ping", {"type": "ping"})
        for index, block in enumerate(blocks):
            await self._stream_block(response, index, block, script)
        stop_reason = "tool_use" if blocks[-1].kind == "tool_use" else "end_turn"
        await response.event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": script.output_tokens},
            },
        )
        await response.event("message_stop", {"type": "message_stop"})
        await response.end_stream()
        return True

    @staticmethod
    async def _stream_block(response: _Response, index: int, block: _Block, script: Script) -> None:
        if block.kind == "text":
            start: dict[str, Any] = {"type": "text", "text": ""}
            deltas = [
                {"type": "text_delta", "text": part}
                for part in split_text(block.text, script.chunks)
            ]
        else:
            start = {
                "type": "tool_use",
                "id": block.tool_id,
                "name": block.tool_name,
                "input": {},
            }
            deltas = [
                {"type": "input_json_delta", "partial_json": part}
                for part in split_text(json.dumps(block.tool_input), 3)
            ]
        await response.event(
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": start},
        )
        for delta in deltas:
            if script.slow:
                await asyncio.sleep(script.slow)
            await response.event(
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        await response.event("content_block_stop", {"type": "content_block_stop", "index": index})


async def _idle(reader: asyncio.StreamReader, seconds: float) -> None:
    """Send nothing for ``seconds``, or less if the client gives up and closes first."""
    with contextlib.suppress(asyncio.TimeoutError, ConnectionError):
        await asyncio.wait_for(_until_eof(reader), seconds)


async def _until_eof(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass


def _reply_blocks(script: Script) -> list[_Block]:
    if script.mcp_calls:
        return [_mcp_block(script)]
    tool_command = "echo loop" if script.tool_loop else script.tool_command
    if tool_command and (script.tool_loop or not script.after_tool):
        return [
            _Block(
                kind="tool_use",
                tool_input={"command": tool_command, "description": "Stub tool call"},
                tool_id=_new_id("toolu"),
            )
        ]
    if script.reply is not None:
        text = script.reply
    elif script.recall is not None:
        text = f"RECALL[{script.recall[:80]}]"
    elif script.after_tool:
        text = f"TOOL-RESULT[{script.tool_output[:40]}]"
    else:
        text = f"FAKE-REPLY[{script.text[:40]}]"
    return [_Block(kind="text", text=text)]


def _mcp_block(script: Script) -> _Block:
    """The next scripted MCP call, or the report of every result once all have one."""
    done = len(script.tool_results)
    if done < len(script.mcp_calls):
        tool, arguments = script.mcp_calls[done]
        return _Block(
            kind="tool_use", tool_input=arguments, tool_id=_new_id("toolu"), tool_name=tool
        )
    lines = ["MCP-RESULTS"]
    calls = zip(script.mcp_calls, script.tool_results, strict=False)
    for number, ((tool, _), result) in enumerate(calls, 1):
        lines.append(f"[{number}] {tool}{' (error)' if result.is_error else ''}: {result.text}")
    return _Block(kind="text", text="\n".join(lines))


def _message_json(model: str, blocks: list[_Block], script: Script) -> dict[str, Any]:
    content = [
        {"type": "text", "text": b.text}
        if b.kind == "text"
        else {
            "type": "tool_use",
            "id": b.tool_id,
            "name": b.tool_name,
            "input": b.tool_input,
        }
        for b in blocks
    ]
    return {
        "id": _new_id("msg"),
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if blocks[-1].kind == "tool_use" else "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": script.input_tokens,
            "output_tokens": script.output_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
        },
    }


def _model_info(model_id: str) -> dict[str, Any]:
    return {
        "type": "model",
        "id": model_id,
        "display_name": model_id,
        "created_at": "2025-01-01T00:00:00Z",
    }


def iter_text_deltas(events: list[dict[str, Any]]) -> Iterator[str]:
    """The ``text_delta`` texts of raw stream events, in order (a helper for assertions)."""
    for event in events:
        delta = event.get("delta") if event.get("type") == "content_block_delta" else None
        if isinstance(delta, dict) and delta.get("type") == "text_delta":
            yield str(delta.get("text", ""))
