"""`claude-pool mcp`: the pool's tools over MCP (issue J), against a real server, real CLI slots and
the stub API.

First the tools through an MCP client session of the SDK, in process (in-memory transport, with
JSON-RPC framing); then the HTTP transport of the real command; last the real thing: the bundled
`claude` CLI as the coordinator, started with `--mcp-config` to run `claude-pool mcp` over stdio,
scripted by the stub (`[[mcp:TOOL:ARGS]]`) to call the pool's tools, while the pool runs the work
on its own slots through the same stub.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import Client
from mcp.client._memory import InMemoryTransport
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent, TextResourceContents

from claude_pool import PoolClient
from claude_pool.v1 import task_pb2
from claude_pool_server.config import parse_tokens
from claude_pool_server.driver.claude_cli import bundled_cli_path
from claude_pool_server.mcp_bridge.server import build_server
from tests.conftest import PoolHarness, ServerFactory, eventually
from tests.support.certificates import make_tls_files

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]

TOKEN = "mcp-bridge-token"
EXPECTED_TOOLS = {
    "run", "submit", "result", "output", "cancel", "fan_out", "chain", "chain_status",
    "cancel_chain", "approve", "reject", "list_tasks", "sessions", "context_set", "context_get",
    "context_list", "context_delete", "send_message", "read_messages", "status",
}  # fmt: skip


@contextlib.asynccontextmanager
async def mcp_session(pool: PoolHarness) -> AsyncIterator[Client]:
    """An MCP client session of the SDK with the bridge, over in-memory JSON-RPC streams."""
    async with (
        PoolClient(pool.server.address, token=TOKEN) as client,
        Client(InMemoryTransport(build_server(client))) as session,
    ):
        yield session


def texts(result: CallToolResult) -> list[str]:
    return [block.text for block in result.content if isinstance(block, TextContent)]


def payload(result: CallToolResult, block: int = -1) -> Any:
    return json.loads(texts(result)[block])


class Progress:
    """A progress callback that keeps every notification."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, float | None, str | None]] = []

    async def __call__(self, progress: float, total: float | None, message: str | None) -> None:
        self.seen.append((progress, total, message))

    @property
    def values(self) -> list[float]:
        return [value for value, _, _ in self.seen]

    @property
    def messages(self) -> list[str]:
        return [message or "" for _, _, message in self.seen]


# --- the tools, in process ------------------------------------------------------------------------


async def test_tools_and_resources_are_listed_with_schemas_and_descriptions(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(tokens=TOKEN)
    async with mcp_session(pool) as mcp:
        tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
        resources = [str(r.uri) for r in (await mcp.list_resources()).resources]
        templates = [
            t.uri_template for t in (await mcp.list_resource_templates()).resource_templates
        ]
    assert set(tools) == EXPECTED_TOOLS
    for tool in tools.values():
        assert tool.description and len(tool.description) > 40, tool.name
        assert tool.input_schema["type"] == "object"
    run = tools["run"].input_schema
    assert run["required"] == ["prompt"]
    assert {"prompt", "continue_from", "model", "wait_seconds"} <= set(run["properties"])
    assert "description" in run["properties"]["prompt"]
    assert tools["result"].input_schema["required"] == ["task_id"]
    chain = tools["chain"].input_schema
    assert chain["$defs"]["ChainStepArgs"]["required"] == ["prompt"]
    assert tools["status"].annotations is not None and tools["status"].annotations.read_only_hint
    assert resources == ["pool://status"]
    assert templates == ["pool://tasks/{task_id}/output"]


async def test_run_returns_the_output_and_reports_progress_while_it_runs(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(tokens=TOKEN)
    progress = Progress()
    async with mcp_session(pool) as mcp:
        done = await mcp.call_tool(
            "run",
            {"prompt": "[[reply:one two three four]] [[chunks:4]]"},
            progress_callback=progress,
        )
    assert not done.is_error, texts(done)
    assert texts(done)[0] == "one two three four"
    meta = payload(done)
    assert meta["state"] == "completed" and meta["session_id"] and meta["cost_usd"] > 0
    task = await pool.client.get(meta["task_id"])
    assert task.result.output == "one two three four"
    deltas = [m for m in progress.messages if not m.startswith(meta["task_id"])]
    assert "".join(deltas) == "one two three four" and len(deltas) == 4
    assert progress.messages[0] == f"{meta['task_id']} pending"
    assert progress.messages[-1].startswith(f"{meta['task_id']} completed")
    assert progress.values == sorted(set(progress.values))  # strictly increasing


async def test_pool_errors_come_back_as_tool_errors_with_the_reason_and_what_to_do(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(tokens=TOKEN, budget_micros=50_000)
    async with mcp_session(pool) as mcp:
        unknown = await mcp.call_tool("result", {"task_id": "task-nope"})
        no_key = await mcp.call_tool("context_get", {"key": "absent"})
        no_chain = await mcp.call_tool("chain_status", {"chain_id": "chain-nope"})
        too_dear = await mcp.call_tool("run", {"prompt": "hi", "max_budget_usd": 1.0})
        bad_args = await mcp.call_tool("run", {"prompt": ""})
        failed = await mcp.call_tool("run", {"prompt": "[[400]]", "max_budget_usd": 0.01})
    assert unknown.is_error
    assert "NOT_FOUND TASK_NOT_FOUND" in texts(unknown)[0]
    assert "What to do: Check the task_id" in texts(unknown)[0]
    assert no_key.is_error and "CONTEXT_NOT_FOUND" in texts(no_key)[0]
    assert no_chain.is_error and "CHAIN_NOT_FOUND" in texts(no_chain)[0]
    assert too_dear.is_error
    assert "RESOURCE_EXHAUSTED BUDGET_EXHAUSTED" in texts(too_dear)[0]
    assert "lower max_budget_usd" in texts(too_dear)[0]
    assert bad_args.is_error and "prompt" in texts(bad_args)[0]
    assert failed.is_error
    assert "failed (api_error)" in texts(failed)[0] and "What to do" in texts(failed)[0]


async def test_submit_then_result_output_and_the_slow_path_of_run(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(tokens=TOKEN)
    async with mcp_session(pool) as mcp:
        submitted = payload(await mcp.call_tool("submit", {"prompt": "[[reply:later on]]"}))
        assert submitted["state"] == "pending" and submitted["task_id"].startswith("task-")
        progress = Progress()
        waited = await mcp.call_tool(
            "result",
            {"task_id": submitted["task_id"], "wait_seconds": 60},
            progress_callback=progress,
        )
        assert payload(waited)["state"] == "completed"
        assert payload(waited)["output"] == "later on"
        assert progress.seen, "no progress while result waited"

        slow = "[[reply:slowly written words]] [[chunks:4]] [[slow:0.4]]"
        running = payload(await mcp.call_tool("run", {"prompt": slow, "wait_seconds": 1}))
        assert running["state"] in ("pending", "running") and "result" in running["note"]
        task_id = running["task_id"]

        async def partial() -> bool:
            so_far = await mcp.call_tool("output", {"task_id": task_id})
            text, meta = texts(so_far)
            return not meta.endswith('"complete": true}') and text.startswith("slowly")

        await eventually(partial, within=20)
        finished = await mcp.call_tool("result", {"task_id": task_id, "wait_seconds": 60})
        assert payload(finished)["output"] == "slowly written words"
        whole = await mcp.call_tool("output", {"task_id": task_id})
        assert texts(whole)[0] == "slowly written words"
        assert json.loads(texts(whole)[1])["complete"] is True
        resource = await mcp.read_resource(f"pool://tasks/{task_id}/output")
        status = await mcp.read_resource("pool://status")
    (content,) = resource.contents
    assert isinstance(content, TextResourceContents) and content.text == "slowly written words"
    (status_json,) = status.contents
    assert isinstance(status_json, TextResourceContents)
    assert json.loads(status_json.text)["tasks"]["completed"] == 2


async def test_fan_out_and_chain_report_progress_as_items_and_steps_finish(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(tokens=TOKEN)
    fan_progress, chain_progress = Progress(), Progress()
    async with mcp_session(pool) as mcp:
        fanned = payload(
            await mcp.call_tool(
                "fan_out",
                {"prompts": ["[[reply:first]]", "[[reply:second]]"], "tags": ["batch-a"]},
                progress_callback=fan_progress,
            )
        )
        chained = await mcp.call_tool(
            "chain",
            {
                "steps": [
                    {"name": "draft", "prompt": "[[reply:DRAFT]]"},
                    {"name": "polish", "prompt": "polish {previous_output}"},
                ]
            },
            progress_callback=chain_progress,
        )
        detached = payload(
            await mcp.call_tool("fan_out", {"prompts": ["[[reply:third]]"], "wait": False})
        )
        later = payload(
            await mcp.call_tool(
                "result", {"task_id": detached["items"][0]["task_id"], "wait_seconds": 60}
            )
        )
    assert [item["output"] for item in fanned["items"]] == ["first", "second"]
    assert [item["index"] for item in fanned["items"]] == [0, 1]
    assert (fanned["finished"], fanned["total"]) == (2, 2)
    assert [(value, total) for value, total, _ in fan_progress.seen] == [(1, 2), (2, 2)]
    assert not chained.is_error
    chain = payload(chained)
    assert chain["status"] == "completed"
    assert [s["output"] for s in chain["steps"]] == ["DRAFT", "FAKE-REPLY[polish DRAFT]"]
    assert chain["final_output"] == "FAKE-REPLY[polish DRAFT]"
    assert chain_progress.values == sorted(set(chain_progress.values))
    assert chain_progress.seen[-1][:2] == (2, 2)
    assert any("step 2/2 polish" in m for m in chain_progress.messages)
    assert later["output"] == "third"
    tagged = await pool.client.list_tasks(tags=["batch-a"])
    assert sorted(t.result.output for t in tagged.tasks) == ["first", "second"]


async def test_conversations_review_context_messages_and_status(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(tokens=TOKEN)
    async with mcp_session(pool) as mcp:
        first = payload(await mcp.call_tool("run", {"prompt": "[[reply:blue-42]]"}))
        again = await mcp.call_tool(
            "run", {"prompt": "what was it? [[recall]]", "continue_from": first["session_id"]}
        )
        assert texts(again)[0] == "RECALL[blue-42]"
        assert payload(again)["session_id"] == first["session_id"]
        sessions = payload(await mcp.call_tool("sessions", {}))["sessions"]
        assert first["session_id"] in [s["session_id"] for s in sessions]

        held = payload(
            await mcp.call_tool("run", {"prompt": "[[reply:v1]]", "review_required": True})
        )
        assert held["state"] == "pending_review" and held["output"] == "v1"
        approved = payload(await mcp.call_tool("approve", {"task_id": held["task_id"]}))
        assert approved["state"] == "completed"
        again_approve = await mcp.call_tool("approve", {"task_id": held["task_id"]})
        assert again_approve.is_error and "ILLEGAL_STATE" in texts(again_approve)[0]

        await mcp.call_tool("context_set", {"key": "style", "value": "terse"})
        assert payload(await mcp.call_tool("context_get", {"key": "style"}))["value"] == "terse"
        assert payload(await mcp.call_tool("context_list", {})) == {"style": "terse"}
        deleted = payload(await mcp.call_tool("context_delete", {"key": "style"}))
        assert deleted["deleted"] is True

        sent = payload(
            await mcp.call_tool("send_message", {"to_slot_id": "slot-1", "content": "hi"})
        )
        assert sent["sent"][0]["to"] == "slot-1"
        peeked = payload(await mcp.call_tool("read_messages", {"slot_id": "slot-1", "peek": True}))
        read = payload(await mcp.call_tool("read_messages", {"slot_id": "slot-1"}))
        assert peeked == read and read["messages"][0]["content"] == "hi"
        assert payload(await mcp.call_tool("read_messages", {"slot_id": "slot-1"})) == {
            "messages": []
        }

        status = payload(await mcp.call_tool("status", {}))
        listed = payload(await mcp.call_tool("list_tasks", {"state": "completed", "limit": 2}))
    assert status["slots"]["total"] == 2
    assert {s["slot_id"] for s in status["slots"]["list"]} == {"slot-0", "slot-1"}
    assert status["tasks"]["completed"] == 3 and status["spent_usd"] > 0
    assert len(listed["tasks"]) == 2 and listed["next_page_token"]


# --- the command, over streamable HTTP ------------------------------------------------------------


def claude_pool_command() -> list[str]:
    """`claude-pool` as installed next to this Python (else the module)."""
    script = Path(sys.executable).parent / "claude-pool"
    return [str(script)] if script.exists() else [sys.executable, "-m", "claude_pool_server.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_the_command_serves_streamable_http_behind_a_bearer_token(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(tokens=TOKEN)
    port = free_port()
    command = [*claude_pool_command(), "mcp", "--server", pool.server.address,
               "--transport", "http", "--port", str(port), "--http-token", "http-secret"]  # fmt: skip
    env = {**os.environ, "CLAUDE_POOL_TOKEN": TOKEN}
    process = await asyncio.create_subprocess_exec(
        *command, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}/mcp"
    try:

        async def listening() -> bool:
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return True
            return False

        await eventually(listening, within=20)

        def unauthorised() -> int:
            request = urllib.request.Request(url, data=b"{}", method="POST")
            try:
                urllib.request.urlopen(request, timeout=5)
            except urllib.error.HTTPError as exc:
                return exc.code
            return 200

        assert await asyncio.to_thread(unauthorised) == 401
        headers = {"Authorization": "Bearer http-secret"}
        async with (
            httpx2.AsyncClient(headers=headers) as http,
            Client(streamable_http_client(url, http_client=http)) as mcp,
        ):
            names = {tool.name for tool in (await mcp.list_tools()).tools}
            status = await mcp.call_tool("status", {})
    finally:
        process.terminate()
        await process.wait()
    assert names == EXPECTED_TOOLS
    assert payload(status)["slots"]["total"] == 2


async def test_the_command_reaches_a_mutual_tls_pool_over_stdio_with_the_tls_options(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    files = make_tls_files(tmp_path / "tls", "mcp-client")
    pool = await make_server(
        server={
            "credentials": parse_tokens("cert:mcp-client read,submit,admin", "tokens"),
            "tls_cert": str(files.server_cert),
            "tls_key": str(files.server_key),
            "tls_client_ca": str(files.ca),
        }
    )
    command, *args = claude_pool_command()
    bridge = StdioServerParameters(
        command=command,
        args=[*args, "mcp", "--server", f"localhost:{pool.server.port}"],
        env={
            "CLAUDE_POOL_TLS_CA": str(files.ca),
            "CLAUDE_POOL_TLS_CERT": str(files.client_cert),
            "CLAUDE_POOL_TLS_KEY": str(files.client_key),
        },
    )
    async with Client(bridge) as mcp:
        status = await mcp.call_tool("status", {})
    assert not status.is_error, texts(status)
    assert payload(status)["slots"]["total"] == 2
    async with (  # plaintext to a TLS port: the pool cannot be reached, and the error says so
        PoolClient(pool.server.address) as plaintext,
        Client(InMemoryTransport(build_server(plaintext))) as mcp,
    ):
        refused = await mcp.call_tool("status", {})
    assert refused.is_error
    assert "Pool error UNAVAILABLE" in texts(refused)[0]
    assert f"The pool server at {pool.server.address} cannot be reached" in texts(refused)[0]


# --- the real thing: the claude CLI as the coordinator --------------------------------------------

COORDINATOR_SCRIPT = " ".join(
    [
        "Use the pool.",
        '[[mcp:mcp__pool__submit:{"prompt": "[[reply:ALPHA-DONE]]", "tags": ["coord"]}]]',
        '[[mcp:mcp__pool__result:{"task_id": "{{prev.task_id}}", "wait_seconds": 60}]]',
        '[[mcp:mcp__pool__fan_out:{"prompts": ["[[reply:FAN-ONE]]", "[[reply:FAN-TWO]]"],'
        ' "tags": ["coord"]}]]',
        '[[mcp:mcp__pool__chain:{"steps": [{"name": "draft", "prompt": "[[reply:STEP-ONE]]"},'
        ' {"name": "polish", "prompt": "polish {previous_output}"}], "tags": ["coord"]}]]',
        '[[mcp:mcp__pool__result:{"task_id": "task-nope"}]]',
    ]
)


async def test_a_claude_coordinator_drives_the_pool_through_claude_pool_mcp(
    make_server: ServerFactory, tmp_path: Path
) -> None:
    cli = bundled_cli_path()
    if cli is None:
        pytest.skip("claude_agent_sdk ships no bundled CLI")
    pool = await make_server(tokens=TOKEN)
    config = {
        "mcpServers": {
            "pool": {
                "type": "stdio",
                "command": claude_pool_command()[0],
                "args": [*claude_pool_command()[1:], "mcp", "--server", pool.server.address],
                "env": {"CLAUDE_POOL_TOKEN": TOKEN},
            }
        }
    }
    config_file = tmp_path / "mcp.json"
    config_file.write_text(json.dumps(config))
    home = tmp_path / "coordinator-home"
    home.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CLAUDE_POOL_", "ANTHROPIC_"))},
        **pool.stub.env(),
        "HOME": str(home),
        "ENABLE_TOOL_SEARCH": "false",  # list the MCP tools directly, not behind ToolSearch
    }
    command = [cli, "-p", COORDINATOR_SCRIPT, "--output-format", "json",
               "--mcp-config", str(config_file), "--strict-mcp-config",
               "--allowedTools", "mcp__pool", "--model", "claude-sonnet-4-5"]  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        *command, env=env, cwd=tmp_path, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, stderr.decode()[-2000:]
    outcome = json.loads(stdout)
    report = outcome["result"]
    print(report)  # the coordinator test's transcript: every call's result as the CLI got it

    # The coordinator saw the pool's tools as mcp__pool__<tool>.
    first = next(r for r in pool.stub.messages_requests() if "Use the pool." in json.dumps(r.body))
    offered = {tool["name"] for tool in (first.body or {}).get("tools", [])}
    assert {f"mcp__pool__{name}" for name in EXPECTED_TOOLS} <= offered

    # What the coordinator received, call by call.
    lines = report.splitlines()
    assert lines[0] == "MCP-RESULTS"
    submitted = json.loads(lines[1].split(": ", 1)[1])
    assert lines[1].startswith("[1] mcp__pool__submit: ") and submitted["state"] == "pending"
    result = json.loads(lines[2].split(": ", 1)[1])
    assert lines[2].startswith("[2] mcp__pool__result: ")
    assert (result["task_id"], result["state"], result["output"]) == (
        submitted["task_id"], "completed", "ALPHA-DONE",
    )  # fmt: skip
    fanned = json.loads(lines[3].split(": ", 1)[1])
    assert [item["output"] for item in fanned["items"]] == ["FAN-ONE", "FAN-TWO"]
    chain = json.loads(lines[4].split(": ", 1)[1])
    assert lines[4].startswith("[4] mcp__pool__chain: ") and chain["status"] == "completed"
    assert chain["final_output"] == "FAKE-REPLY[polish STEP-ONE]"
    assert lines[5].startswith("[5] mcp__pool__result (error): ")
    assert "TASK_NOT_FOUND" in lines[5]

    # What the pool ran: the five tasks, on its own slots, with their outputs.
    tasks = (await pool.client.list_tasks(tags=["coord"])).tasks
    assert all(t.state == task_pb2.TASK_STATE_COMPLETED for t in tasks)
    assert sorted(t.result.output for t in tasks) == sorted(
        ["ALPHA-DONE", "FAN-ONE", "FAN-TWO", "STEP-ONE", "FAKE-REPLY[polish STEP-ONE]"]
    )
    assert all(t.slot_id.startswith("slot-") for t in tasks)
