"""ApiGateway: the pool's own front for the Anthropic Messages API, on 127.0.0.1.

Every CLI process gets `ANTHROPIC_BASE_URL` pointing here and a key of its own that is worthless
anywhere else; the real credentials stay in the server. For each call the gateway:

1. finds the process by its key, and the run (task) the process is serving now;
2. admits the call only while that run's spend is below its envelope (the task's reservation),
   answering 402 otherwise, which the CLI reports at once without retrying;
3. forwards it upstream with the real credentials and streams the answer back untouched;
4. meters the call's usage from the response as it passes, and charges the run.

So a run can pass its envelope by at most the one call that crossed it, the pool's spend stays
within its cap by at most one call per running task, and no task's tools ever see the API key.
Bedrock, Vertex and other providers the CLI signs for itself are not routed through it (the
server then passes the CLI its own credentials and enforces budgets after the fact): see
docs/adr/0007-api-gateway.md.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import socket
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from claude_pool_server.gateway.metering import CallUsage, SseMeter, json_usage
from claude_pool_server.gateway.prices import PriceTable

log = logging.getLogger(__name__)

DEFAULT_UPSTREAM = "https://api.anthropic.com"
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
    }
)
CREDENTIAL_HEADERS = frozenset({"x-api-key", "authorization"})


@dataclass
class Envelope:
    """The run a process's calls are charged to, and what it may spend."""

    task_id: str
    limit_micros: int | None = None
    spent_micros: int = 0
    calls: int = 0
    refused: bool = False  # a call was refused because the envelope was spent


@dataclass
class _Process:
    envelope: Envelope | None = None
    history: list[Envelope] = field(default_factory=list)


def upstream_credentials(env: dict[str, str]) -> dict[str, str]:
    """The headers that carry the server's own credentials, from the CLI environment it would
    otherwise have passed on (an API key, or a bearer token for gateways and logins)."""
    if env.get("ANTHROPIC_API_KEY"):
        return {"x-api-key": env["ANTHROPIC_API_KEY"]}
    token = env.get("ANTHROPIC_AUTH_TOKEN") or env.get("CLAUDE_CODE_OAUTH_TOKEN")
    if token:
        return {"authorization": f"Bearer {token}"}
    return {}


NO_CREDENTIALS = (
    "claude-pool: the server has no Anthropic credentials; set ANTHROPIC_API_KEY (or "
    "ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_OAUTH_TOKEN) in the environment of `claude-pool serve` "
    "and restart it"
)


class ApiGateway:
    def __init__(
        self,
        upstream_url: str,
        credentials: dict[str, str],
        prices: PriceTable | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.upstream_url = (upstream_url or DEFAULT_UPSTREAM).rstrip("/")
        self.credentials = credentials
        self.prices = prices or PriceTable()
        self.host = host
        self.port = 0
        self._processes: dict[str, _Process] = {}
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((self.host, 0))  # bound here, so the port is known before serving
        self.port = sock.getsockname()[1]
        site = web.SockSite(self._runner, sock)
        await site.start()
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=30),
            auto_decompress=True,
        )
        log.info("API gateway on %s, forwarding to %s", self.url, self.upstream_url)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # processes and their runs ------------------------------------------------------------------

    def issue_key(self) -> str:
        """A key for one CLI process: its calls are known by it, and it opens nothing else."""
        key = "sk-pool-" + secrets.token_urlsafe(24)
        self._processes[key] = _Process()
        return key

    def revoke_key(self, key: str) -> None:
        self._processes.pop(key, None)

    def assign(self, key: str, envelope: Envelope) -> None:
        """The process starts serving a run: its calls are charged to `envelope`."""
        process = self._processes.setdefault(key, _Process())
        process.envelope = envelope

    def release(self, key: str) -> Envelope | None:
        """The run ended: calls of the idle process are refused until the next `assign`."""
        process = self._processes.get(key)
        if process is None:
            return None
        envelope, process.envelope = process.envelope, None
        return envelope

    # serving calls -----------------------------------------------------------------------------

    @staticmethod
    def _key_of(request: web.Request) -> str:
        key = request.headers.get("x-api-key", "")
        if not key:
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            key = token if scheme.lower() == "bearer" else ""
        return key

    @staticmethod
    def _error(status: int, kind: str, message: str) -> web.Response:
        body = {"type": "error", "error": {"type": kind, "message": message}}
        return web.json_response(body, status=status)

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        process = self._processes.get(self._key_of(request))
        if process is None:
            return self._error(401, "authentication_error", "claude-pool: unknown process key")
        metered = request.method == "POST" and request.path.rstrip("/") == "/v1/messages"
        if not self.credentials:
            return self._error(401, "authentication_error", NO_CREDENTIALS)
        envelope = process.envelope
        if metered:
            if envelope is None:
                return self._error(
                    402, "permission_error", "claude-pool: no task is running on this process"
                )
            if envelope.limit_micros is not None and envelope.spent_micros >= envelope.limit_micros:
                envelope.refused = True
                return self._error(
                    402,
                    "budget_exhausted",
                    f"claude-pool: the task's budget is spent ({envelope.spent_micros} of "
                    f"{envelope.limit_micros} micro-dollars)",
                )
        body = await request.read()
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() not in HOP_BY_HOP and k.lower() not in CREDENTIAL_HEADERS
            and k.lower() != "accept-encoding"
        }  # fmt: skip
        headers.update(self.credentials)
        assert self._session is not None, "start() first"
        url = self.upstream_url + request.path_qs
        try:
            upstream = await self._session.request(request.method, url, data=body, headers=headers)
        except aiohttp.ClientError as exc:
            log.warning("API gateway: upstream %s unreachable: %s", self.upstream_url, exc)
            message = f"claude-pool gateway: upstream unreachable ({exc})"
            return self._error(503, "api_error", message)
        usage = CallUsage()
        try:
            response = web.StreamResponse(
                status=upstream.status,
                headers={k: v for k, v in upstream.headers.items() if k.lower() not in HOP_BY_HOP},
            )
            await response.prepare(request)
            streaming = "text/event-stream" in upstream.headers.get("content-type", "")
            meter = SseMeter() if metered and streaming else None
            collected: list[bytes] = []
            with contextlib.suppress(ConnectionResetError, aiohttp.ClientError):
                async for chunk in upstream.content.iter_any():
                    if meter is not None:
                        meter.feed(chunk)
                    elif metered:
                        collected.append(chunk)
                    await response.write(chunk)
            if meter is not None:
                usage = meter.usage
            elif metered and upstream.status == 200:
                usage = json_usage(b"".join(collected))
            with contextlib.suppress(ConnectionResetError):
                await response.write_eof()
            return response
        finally:
            upstream.release()
            if metered and envelope is not None:
                cost = self.prices.cost_micros(
                    usage.model,
                    usage.input_tokens,
                    usage.output_tokens,
                    usage.cache_write_tokens,
                    usage.cache_read_tokens,
                )
                envelope.spent_micros += cost
                envelope.calls += 1
