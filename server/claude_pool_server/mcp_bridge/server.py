"""The MCP server of `claude-pool mcp`: the pool's tools and resources, on stdio or streamable HTTP.

Resources: `pool://status` (the pool at a glance, JSON) and `pool://tasks/{task_id}/output` (a
task's text so far, all of it once it has finished).
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from starlette.types import ASGIApp, Receive, Scope, Send

from claude_pool import NotFoundError, PoolClient, PoolError
from claude_pool_server import __version__
from claude_pool_server.mcp_bridge.tools import PoolTools, describe_error

log = logging.getLogger(__name__)

NAME = "claude-pool"
INSTRUCTIONS = """\
This server drives a claude-pool: a pool of Claude Code sessions ("slots") that run prompts as
tasks, in parallel, each in its own session. Hand work to it that can run on its own:
- run: one prompt, wait for its output (progress while it runs);
- submit, then result (wait_seconds) or output: work that should not block you;
- fan_out: independent prompts in parallel; chain: steps that build on each other;
- continue_from on run/submit continues an earlier task's conversation (sessions lists them).
A task sees only its prompt and the shared context (context_set), not this conversation: write
self-contained prompts. status shows the slots, the queue and the spend."""


def build_server(pool: PoolClient, *, name: str = NAME) -> MCPServer[Any]:
    """An MCPServer whose tools and resources act on the pool through `pool`."""
    server: MCPServer[Any] = MCPServer(
        name, instructions=INSTRUCTIONS, version=__version__, log_level="WARNING"
    )
    tools = PoolTools(pool)
    tools.register(server)

    @server.resource(
        "pool://status",
        name="pool-status",
        title="Pool status",
        description="The pool at a glance: slots, task counts by state, spend and budget.",
        mime_type="application/json",
    )
    async def pool_status() -> str:
        try:
            return json.dumps(await tools.status_report())
        except PoolError as exc:
            raise ResourceError(describe_error(exc, pool.address)) from exc

    @server.resource(
        "pool://tasks/{task_id}/output",
        name="task-output",
        title="Task output",
        description="A task's output: the text so far while it runs, all of it once finished.",
        mime_type="text/plain",
    )
    async def task_output(task_id: str) -> str:
        try:
            text, _ = await tools.text_so_far(await pool.get(task_id))
        except NotFoundError as exc:
            raise ResourceNotFoundError(describe_error(exc, pool.address)) from exc
        except PoolError as exc:
            raise ResourceError(describe_error(exc, pool.address)) from exc
        return text

    return server


class BearerTokenGate:
    """ASGI middleware for the HTTP transport: every request must carry
    `Authorization: Bearer <token>`, else 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = b'{"error": "missing or wrong bearer token"}'
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"www-authenticate", b"Bearer"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def serve_stdio(server: MCPServer[Any]) -> None:
    await server.run_stdio_async()


async def serve_http(
    server: MCPServer[Any], host: str, port: int, *, token: str | None = None
) -> None:
    """Streamable HTTP at http://HOST:PORT/mcp (with `token`, only for requests bearing it)."""
    import uvicorn

    app: ASGIApp = server.streamable_http_app(host=host)
    if token:
        app = BearerTokenGate(app, token)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve()
