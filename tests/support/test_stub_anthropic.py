"""Tests of the stub Anthropic API, first over plain HTTP, then with the real bundled CLI.

The CLI tests are the proof that the stub is good enough to stand in for the API in every
other test of the pool: each runs the real ``claude`` binary through ``claude_agent_sdk``.
Timings are logged (``--log-cli-level=INFO`` shows them) because they calibrate the pool's
own timeouts in tests.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import logging
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import claude_agent_sdk
import pytest
from claude_agent_sdk import (
    ClaudeAgentOptions,
    Message,
    ResultError,
    ResultMessage,
    StreamEvent,
    query,
)

from tests.support.stub_anthropic import (
    DEFAULT_API_TIMEOUT_MS,
    DEFAULT_INPUT_TOKENS,
    DEFAULT_OUTPUT_TOKENS,
    RecordedRequest,
    StubAnthropic,
    iter_text_deltas,
    newest_user_turn,
    parse_script,
    split_directives,
    split_text,
)

pytestmark = pytest.mark.timeout(60)
log = logging.getLogger(__name__)

SONNET_INPUT_USD_PER_TOKEN = 3e-6
SONNET_OUTPUT_USD_PER_TOKEN = 15e-6
DEFAULT_TURN_USD = (
    DEFAULT_INPUT_TOKENS * SONNET_INPUT_USD_PER_TOKEN
    + DEFAULT_OUTPUT_TOKENS * SONNET_OUTPUT_USD_PER_TOKEN
)
BUNDLED_CLI = Path(claude_agent_sdk.__file__).parent / "_bundled" / "claude"


@pytest.fixture(scope="module")
def stub() -> Iterator[StubAnthropic]:
    with StubAnthropic() as server:
        yield server


# -- directive parsing ----------------------------------------------------------------------


def test_split_directives_takes_reply_up_to_brackets_and_json_by_matching() -> None:
    found, prose = split_directives(
        'ask [[reply:two words]] and [[json:{"a": "]]", "b": [1, {"c": 2}]}]] [[nope]] end'
    )
    assert found == [
        ("reply", "two words"),
        ("json", '{"a": "]]", "b": [1, {"c": 2}]}'),
    ]
    assert prose == "ask  and  [[nope]] end"


def test_newest_user_turn_skips_tool_results_reminders_and_older_turns() -> None:
    messages = [
        {"role": "user", "content": "old [[529]]"},
        {"role": "assistant", "content": [{"type": "text", "text": "old reply"}]},
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "<system-reminder>\n[[401]]\n</system-reminder>",
                },
                {"type": "text", "text": "new [[tool]]"},
            ],
        },
        {"role": "system", "content": "# Environment"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t", "name": "Bash"}],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "t",
                    "content": "hi\n<system-reminder>x</system-reminder>",
                }
            ],
        },
    ]
    assert newest_user_turn(messages) == ("new [[tool]]", True, "hi")


def test_parse_script_rejects_a_malformed_directive() -> None:
    body = {"messages": [{"role": "user", "content": "x [[slow:soon]]"}]}
    with pytest.raises(ValueError, match="slow"):
        parse_script(body)


def test_split_text_defaults_to_four_to_eight_pieces_and_honours_n() -> None:
    text = "FAKE-REPLY[a fairly long prompt of forty characters..]"
    assert 4 <= len(split_text(text, None)) <= 8
    assert "".join(split_text(text, None)) == text
    assert split_text("abcdefg", 3) == ["abc", "de", "fg"]
    assert split_text("ab", 4) == ["a", "b", "", ""]


# -- HTTP behaviour ---------------------------------------------------------------------------


def _post(
    conn: http.client.HTTPConnection, prompt: str, *, stream: bool = True
) -> http.client.HTTPResponse:
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 100,
        "stream": stream,
        "tools": [{"name": "Bash"}],
        "messages": [{"role": "user", "content": [{"type": "text", "text": prompt}]}],
    }
    conn.request(
        "POST",
        "/v1/messages?beta=true",
        json.dumps(body),
        {"Content-Type": "application/json", "X-Claude-Code-Session-Id": "s-http"},
    )
    return conn.getresponse()


def _sse_events(raw: bytes) -> list[dict[str, Any]]:
    events = []
    for frame in raw.decode().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.splitlines() if ": " in line)
        if "data" in lines:
            event = json.loads(lines["data"])
            assert event["type"] == lines["event"]
            events.append(event)
    return events


Connect = Callable[[], http.client.HTTPConnection]


@pytest.fixture
def connect(stub: StubAnthropic) -> Iterator[Connect]:
    """Open client connections to the stub; all are closed after the test."""
    opened: list[http.client.HTTPConnection] = []

    def open_one() -> http.client.HTTPConnection:
        opened.append(http.client.HTTPConnection("127.0.0.1", stub.port, timeout=5))
        return opened[-1]

    yield open_one
    for conn in opened:
        conn.close()


def test_streams_sse_and_answers_json_on_one_kept_alive_connection(
    stub: StubAnthropic, connect: Connect
) -> None:
    conn = connect()
    response = _post(conn, "hello [[usage:7:3]] [[chunks:5]]")
    assert response.status == 200
    assert response.getheader("content-type", "").startswith("text/event-stream")
    assert response.getheader("request-id", "").startswith("req_")
    events = _sse_events(response.read())
    assert [e["type"] for e in events if e["type"] != "content_block_delta"] == [
        "message_start",
        "ping",
        "content_block_start",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[0]["message"]["usage"]["input_tokens"] == 7
    assert events[-2]["usage"] == {"output_tokens": 3}
    assert list(iter_text_deltas(events)) == split_text("FAKE-REPLY[hello]", 5)

    response = _post(conn, "again [[reply:plain json]]", stream=False)  # same socket
    assert response.status == 200
    message = json.loads(response.read())
    assert message["content"] == [{"type": "text", "text": "plain json"}]
    assert message["stop_reason"] == "end_turn"

    recorded = stub.messages_requests(session_id="s-http")
    assert recorded[-1].query == "beta=true"
    assert recorded[-1].headers["content-type"] == "application/json"


def test_other_paths_get_json_answers(connect: Connect) -> None:
    conn = connect()
    conn.request("HEAD", "/api/hello")
    head = conn.getresponse()
    head.read()
    conn.request("POST", "/v1/messages/count_tokens", json.dumps({"messages": []}))
    counted = json.loads(conn.getresponse().read())
    conn.request("GET", "/v1/models")
    models = json.loads(conn.getresponse().read())
    conn.request("GET", "/nowhere")
    missing = conn.getresponse()
    assert head.status == 200
    assert counted["input_tokens"] > 0
    assert models["data"][0]["type"] == "model"
    assert missing.status == 404
    assert json.loads(missing.read())["error"]["type"] == "not_found_error"


def test_error_directives_and_fail_counter(connect: Connect) -> None:
    conn = connect()
    response = _post(conn, "[[429]]")
    assert (response.status, response.getheader("retry-after")) == (429, "1")
    assert json.loads(response.read())["error"]["type"] == "rate_limit_error"
    statuses = []
    for _ in range(3):
        response = _post(conn, "[[fail:529:2:http-tag]]")
        response.read()
        statuses.append(response.status)
    assert statuses == [529, 529, 200]
    response = _post(conn, "[[chunks:zero]]")
    assert response.status == 400
    assert "chunks" in json.loads(response.read())["error"]["message"]


def test_hang_sends_nothing_and_stallmid_stops_after_message_start(
    connect: Connect,
) -> None:
    conn = connect()
    started = time.monotonic()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        _post(conn, "[[hang:0.3]]")
    assert time.monotonic() - started >= 0.3
    conn = connect()
    response = _post(conn, "[[stallmid:0.2]]")
    assert response.status == 200
    with pytest.raises(http.client.IncompleteRead) as caught:
        response.read()
    assert [e["type"] for e in _sse_events(caught.value.partial)] == ["message_start"]


def test_wait_for_requests_times_out_with_a_count(stub: StubAnthropic) -> None:
    with pytest.raises(TimeoutError, match="requests within"):
        stub.wait_for_requests(len(stub.messages_requests()) + 1, timeout=0.1)


def test_tool_directives_call_bash_then_report_the_result(connect: Connect) -> None:
    conn = connect()
    message = json.loads(_post(conn, "[[sleeptool:2]]", stream=False).read())
    assert message["stop_reason"] == "tool_use"
    (tool_use,) = message["content"]
    assert tool_use["input"]["command"] == "python3 -c 'import time; time.sleep(2)'; echo slept"
    follow_up = [
        {"role": "user", "content": "[[sleeptool:2]]"},
        {"role": "assistant", "content": message["content"]},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": tool_use["id"],
                    "content": "slept",
                }
            ],
        },
    ]
    body = {"model": "m", "stream": False, "tools": [{}], "messages": follow_up}
    conn.request("POST", "/v1/messages", json.dumps(body))
    reply = json.loads(conn.getresponse().read())
    assert reply["content"] == [{"type": "text", "text": "TOOL-RESULT[slept]"}]

    follow_up[0]["content"] = "[[toolloop]]"  # never stops calling tools
    conn.request("POST", "/v1/messages", json.dumps(body))
    assert json.loads(conn.getresponse().read())["stop_reason"] == "tool_use"


def test_serves_concurrent_streams_in_parallel(connect: Connect) -> None:
    def one(i: int) -> str:
        response = _post(connect(), f"[[reply:r{i}]] [[slow:0.2]] [[chunks:4]]")
        return "".join(iter_text_deltas(_sse_events(response.read())))

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(one, range(8)))

    assert replies == [f"r{i}" for i in range(8)]
    assert time.monotonic() - started < 0.8 * 4  # one stream takes 0.8 s


def test_side_calls_get_a_normal_reply_despite_quoted_directives(
    connect: Connect,
) -> None:
    title_schema = {"type": "object", "properties": {"title": {"type": "string"}}}
    body = {
        "model": "claude-sonnet-4-5",
        "stream": False,
        "tools": [],
        "system": [{"type": "text", "text": "You are naming a coding session ..."}],
        "output_config": {"format": {"type": "json_schema", "schema": title_schema}},
        "messages": [{"role": "user", "content": "<session>\nx [[529]]\n</session>"}],
    }
    conn = connect()
    conn.request("POST", "/v1/messages", json.dumps(body))
    response = conn.getresponse()

    assert response.status == 200
    (block,) = json.loads(response.read())["content"]
    assert json.loads(block["text"]) == {"title": "Stub session"}


def test_stop_closes_hung_connections_at_once() -> None:
    server = StubAnthropic().start()
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_post, conn, "[[hang:60]]")
        server.wait_for_requests(1, timeout=5)
        started = time.monotonic()
        server.stop()
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            pending.result(timeout=5)
    conn.close()
    assert time.monotonic() - started < 2
    server.stop()  # a second stop is harmless


# -- the real CLI -----------------------------------------------------------------------------


@dataclass
class Run:
    """What one ``query()`` produced."""

    messages: list[Message] = field(default_factory=list)
    error: ResultError | None = None
    elapsed: float = 0.0
    finished_at: float = 0.0

    @property
    def result(self) -> ResultMessage:
        results = [m for m in self.messages if isinstance(m, ResultMessage)]
        assert len(results) == 1, self.messages
        return results[0]

    @property
    def text_deltas(self) -> list[str]:
        events = [m.event for m in self.messages if isinstance(m, StreamEvent)]
        return list(iter_text_deltas(events))

    def after_first_request(self, stub: StubAnthropic) -> float:
        """Seconds from the run's first API request to its end.

        CLI start-up alone takes 0.4 s on an idle machine and many seconds on a busy one,
        so timeout behaviour is asserted on this span, not on ``elapsed``.
        """
        first = stub.messages_requests(session_id=self.result.session_id)[0]
        return self.finished_at - first.received_at


def _options(stub: StubAnthropic, home: Path, **overrides: Any) -> ClaudeAgentOptions:
    settings: dict[str, Any] = {
        "env": {
            **stub.env(),
            "HOME": str(home),
            "CLAUDE_CONFIG_DIR": str(home / "cfg"),
        },
        "cwd": home,
        "include_partial_messages": True,
        "permission_mode": "default",
        "system_prompt": "You are a test.",
        "model": "claude-sonnet-4-5",
    }
    return ClaudeAgentOptions(**{**settings, **overrides})


async def _run(stub: StubAnthropic, home: Path, prompt: str, **overrides: Any) -> Run:
    """Run the CLI once; keep the ResultError the SDK raises after an error result."""
    home.mkdir(parents=True, exist_ok=True)
    run = Run()
    started = time.monotonic()
    try:
        async for message in query(prompt=prompt, options=_options(stub, home, **overrides)):
            run.messages.append(message)
    except ResultError as exc:
        run.error = exc
    run.finished_at = time.monotonic()
    run.elapsed = run.finished_at - started
    log.info("%r took %.2f s", prompt, run.elapsed)
    return run


def _texts(request: RecordedRequest) -> list[str]:
    assert request.body is not None
    found = []
    for message in request.body["messages"]:
        content = message["content"]
        for block in content if isinstance(content, list) else [{"text": content}]:
            found.append(block.get("text", ""))
    return found


@pytest.mark.asyncio
async def test_cli_streams_default_reply_in_order(stub: StubAnthropic, tmp_path: Path) -> None:
    run = await _run(stub, tmp_path, "hello from the stub test")

    assert run.error is None
    assert len(run.text_deltas) >= 4
    assert run.result.result == "".join(run.text_deltas)
    assert run.result.result == "FAKE-REPLY[hello from the stub test]"
    assert run.result.is_error is False
    assert run.result.total_cost_usd == pytest.approx(DEFAULT_TURN_USD)
    (request,) = stub.messages_requests(session_id=run.result.session_id)
    assert request.headers["x-api-key"] == "sk-stub"


@pytest.mark.asyncio
async def test_cli_sends_our_system_prompt(stub: StubAnthropic, tmp_path: Path) -> None:
    run = await _run(stub, tmp_path, "system prompt check")

    (request,) = stub.messages_requests(session_id=run.result.session_id)
    assert request.body is not None
    system = request.body["system"]
    # A billing header block and the SDK's identity line come before our own text.
    assert system[-1]["text"] == "You are a test."
    assert any("Claude Agent SDK" in block["text"] for block in system)


@pytest.mark.asyncio
@pytest.mark.parametrize(("tokens_in", "tokens_out"), [(1_000_000, 0), (0, 1_000_000)])
async def test_cli_prices_usage(
    stub: StubAnthropic, tmp_path: Path, tokens_in: int, tokens_out: int
) -> None:
    run = await _run(stub, tmp_path, f"cost [[usage:{tokens_in}:{tokens_out}]]")

    expected = tokens_in * SONNET_INPUT_USD_PER_TOKEN + tokens_out * SONNET_OUTPUT_USD_PER_TOKEN
    assert run.result.total_cost_usd == pytest.approx(expected)


@pytest.mark.asyncio
@pytest.mark.parametrize(("status", "text"), [(529, "529 Overloaded"), (401, "Invalid API key")])
async def test_cli_reports_api_errors_at_once(
    stub: StubAnthropic, tmp_path: Path, status: int, text: str
) -> None:
    run = await _run(stub, tmp_path, f"fail [[{status}]]")

    assert run.result.is_error is True
    assert run.result.api_error_status == status
    assert text in (run.result.result or "")
    assert run.error is not None
    assert run.error.api_error_status == status
    # CLAUDE_CODE_MAX_RETRIES=0: one request, no back-off sleep.
    assert len(stub.messages_requests(session_id=run.result.session_id)) == 1
    assert run.after_first_request(stub) < 3
    assert run.elapsed < 10


@pytest.mark.asyncio
async def test_cli_resume_resends_the_first_turn(stub: StubAnthropic, tmp_path: Path) -> None:
    first = await _run(stub, tmp_path, "first message ALPHA [[reply:ALPHA-REPLY]]")
    session_id = first.result.session_id
    second = await _run(stub, tmp_path, "second message BETA", resume=session_id)

    assert second.result.session_id == session_id
    # Only the newest user turn counts: the old [[reply:...]] is not obeyed again.
    assert second.result.result == "FAKE-REPLY[second message BETA]"
    requests = stub.messages_requests(session_id=session_id)
    assert len(requests) == 2
    texts = _texts(requests[1])
    assert "first message ALPHA [[reply:ALPHA-REPLY]]" in texts
    assert "ALPHA-REPLY" in texts
    assert "second message BETA" in texts
    # total_cost_usd is cumulative over the session.
    assert second.result.total_cost_usd == pytest.approx(2 * DEFAULT_TURN_USD)


@pytest.mark.asyncio
async def test_cli_gives_up_on_silent_and_stalled_api(stub: StubAnthropic, tmp_path: Path) -> None:
    hang, stall = await asyncio.gather(
        _run(stub, tmp_path / "hang", "silent [[hang:30]]"),
        _run(stub, tmp_path / "stall", "stalled [[stallmid:30]]"),
    )

    assert hang.result.is_error is True
    assert hang.result.api_error_status is None
    assert "timed out" in (hang.result.result or "")
    timeout = DEFAULT_API_TIMEOUT_MS / 1000
    assert timeout <= hang.after_first_request(stub) < timeout + 4
    assert stall.result.is_error is True
    assert "Stream idle timeout" in (stall.result.result or "")
    assert 10 <= stall.after_first_request(stub) < 14  # CLAUDE_BYTE_STREAM_IDLE...
    log.info(
        "after the request: hang %.2f s, stall %.2f s",
        hang.after_first_request(stub),
        stall.after_first_request(stub),
    )


@pytest.mark.asyncio
async def test_cli_runs_a_tool_round_trip(stub: StubAnthropic, tmp_path: Path) -> None:
    run = await _run(stub, tmp_path, "use a tool [[tool]]")

    assert run.result.is_error is False
    assert run.result.result == "TOOL-RESULT[hi]"
    assert run.result.num_turns == 2
    assert len(stub.messages_requests(session_id=run.result.session_id)) == 2


@pytest.mark.asyncio
async def test_cli_runs_concurrently(stub: StubAnthropic, tmp_path: Path) -> None:
    # Four CLIs, not eight: start-up is CPU-bound (~0.4 CPU-s each), and eight on a busy
    # 2-core machine take 10-20 s. Eight parallel streams are covered over plain HTTP.
    runs = await asyncio.gather(
        *(
            _run(stub, tmp_path / str(i), f"[[reply:reply number {i}]] [[slow:0.05]]")
            for i in range(4)
        )
    )

    assert [r.result.result for r in runs] == [f"reply number {i}" for i in range(4)]


def test_cli_without_the_sdk(stub: StubAnthropic, tmp_path: Path) -> None:
    env = {
        **os.environ,
        **stub.env(),
        "HOME": str(tmp_path),
        "CLAUDE_CONFIG_DIR": str(tmp_path),
    }
    command = [str(BUNDLED_CLI), "-p", "hi", "--output-format", "stream-json"]
    completed = subprocess.run(
        [*command, "--verbose", "--model", "claude-sonnet-4-5"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert lines[-1]["type"] == "result"
    assert lines[-1]["result"] == "FAKE-REPLY[hi]"


def test_recall_replies_with_the_previous_assistant_text() -> None:
    def text(reply: str | None) -> str:
        return reply or ""

    first_turn = {"messages": [{"role": "user", "content": "hello [[recall]]"}]}
    assert parse_script(first_turn).recall == ""
    follow_up = {
        "messages": [
            {"role": "user", "content": "remember blue"},
            {"role": "assistant", "content": [{"type": "text", "text": "blue-42"}]},
            {"role": "user", "content": [{"type": "text", "text": "what was it? [[recall]]"}]},
        ]
    }
    assert text(parse_script(follow_up).recall) == "blue-42"


def test_bash_directive_runs_the_given_command() -> None:
    script = parse_script({"messages": [{"role": "user", "content": "[[bash:cat /etc/hostname]]"}]})
    assert script.tool_command == "cat /etc/hostname"
    with pytest.raises(ValueError, match="give a command"):
        parse_script({"messages": [{"role": "user", "content": "[[bash:]]"}]})


def test_mcp_directives_call_tools_in_order_then_report_every_result(connect: Connect) -> None:
    prompt = (
        'go [[mcp:mcp__pool__submit:{"prompt": "[[reply:x]]"}]] '
        '[[mcp:mcp__pool__result:{"task_id": "{{prev.task_id}}", "wait_seconds": 5}]]'
    )
    messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]

    def send() -> dict[str, Any]:
        body = {"model": "m", "stream": False, "tools": [{}], "messages": messages}
        conn = connect()
        conn.request("POST", "/v1/messages", json.dumps(body))
        reply: dict[str, Any] = json.loads(conn.getresponse().read())
        return reply

    def answer(tool_use: dict[str, Any], texts: list[str], is_error: bool = False) -> None:
        messages.append({"role": "assistant", "content": [tool_use]})
        content = [{"type": "text", "text": t} for t in texts]
        result = {"type": "tool_result", "tool_use_id": tool_use["id"], "content": content}
        messages.append({"role": "user", "content": [{**result, "is_error": is_error}]})

    first = send()
    assert first["stop_reason"] == "tool_use"
    (submit,) = first["content"]
    assert (submit["name"], submit["input"]) == ("mcp__pool__submit", {"prompt": "[[reply:x]]"})
    answer(submit, ['{"task_id": "task-7", "state": "pending"}'])

    (result,) = send()["content"]
    assert result["name"] == "mcp__pool__result"
    assert result["input"] == {"task_id": "task-7", "wait_seconds": 5}
    answer(result, ["Pool error NOT_FOUND TASK_NOT_FOUND: no"], is_error=True)

    final = send()
    assert final["stop_reason"] == "end_turn"
    assert final["content"][0]["text"] == (
        "MCP-RESULTS\n"
        '[1] mcp__pool__submit: {"task_id": "task-7", "state": "pending"}\n'
        "[2] mcp__pool__result (error): Pool error NOT_FOUND TASK_NOT_FOUND: no"
    )
    with pytest.raises(ValueError, match="expected"):
        parse_script({"messages": [{"role": "user", "content": "[[mcp:t:[1]]]"}]})
