"""ServerConfig: everything `claude-pool serve` is told, from flags, environment and a YAML file."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

from claude_pool_server.config_error import ConfigError
from claude_pool_server.domain.callers import (
    DEFAULT_NAMESPACE,
    SCOPES,
    Caller,
    valid_namespace,
)
from claude_pool_server.domain.tasks import PermissionMode
from claude_pool_server.engine.settings import PoolSettings
from claude_pool_server.gateway.prices import Price
from claude_pool_server.tokens import CERT_PREFIX, Credentials, default_name, hash_token


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 50051
    credentials: Credentials = field(default_factory=Credentials)
    insecure_no_auth: bool = False
    # TLS: a certificate and key turn it on; a client CA makes client certificates mandatory
    tls_cert: str = ""
    tls_key: str = ""
    tls_client_ca: str = ""
    insecure: bool = False  # plaintext on a non-loopback address
    # test harness only: refuse the first attempt of every mutating call (per request_id)
    inject_faults: bool = False
    # the audit log (one line per mutating call) carries prompt text only when asked
    audit_prompts: bool = False
    store: str = "memory"
    database_url: str = ""
    migrate: bool = False  # apply database migrations at start
    claude_path: str | None = None
    bare: bool = False
    # keep each slot's CLI process between tasks (driver/warm.py); idle ones stop after this
    warm_slots: bool = True
    warm_idle_seconds: float = 300.0
    cli_env: dict[str, str] = field(default_factory=dict)
    grace_seconds: float = 30.0
    # where the embedded database, CLI processes' homes and transcripts in flight live
    state_dir: str = ""
    # how a task's CLI is confined: "auto" (bubblewrap when installed), "bwrap" or "none"
    sandbox: str = "auto"
    # the CLI's API calls go through the pool's gateway (budget per call, no key in tasks)
    api_gateway: bool = True
    # started CLI processes kept clean for new sessions, per set of start options
    spare_processes: int = 1
    # concurrent CLI process starts (spawning is CPU-bound; slots are not)
    max_concurrent_spawns: int = 4
    # observability: Prometheus /metrics on this port (None: off), traces to an OTLP endpoint
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    otlp_endpoint: str = ""
    # the config file's `model_prices:` (on top of the built-in list prices) for the gateway
    model_prices: dict[str, Price] = field(default_factory=dict)
    pool: PoolSettings = field(default_factory=PoolSettings)

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert or self.tls_key)

    @property
    def mutual_tls(self) -> bool:
        return bool(self.tls_client_ca)

    def check_binding(self) -> None:
        """A non-loopback listener needs TLS (unless --insecure) and callers who prove who they
        are (tokens or client certificates; unless --insecure-no-auth)."""
        if bool(self.tls_cert) != bool(self.tls_key):
            raise ConfigError("--tls-cert and --tls-key go together: give both or neither")
        if self.tls_client_ca and not self.tls:
            raise ConfigError("--tls-client-ca needs --tls-cert and --tls-key (mTLS is TLS)")
        if is_loopback(self.host):
            return
        if not self.tls and not self.insecure:
            raise ConfigError(
                f"refusing to listen on {self.host} without TLS: tokens and prompts would cross "
                "the network in clear text; give --tls-cert and --tls-key, or pass --insecure"
            )
        if not (self.credentials or self.mutual_tls or self.insecure_no_auth):
            raise ConfigError(
                f"refusing to listen on {self.host} without auth: configure tokens "
                "(--tokens-file or CLAUDE_POOL_TOKENS), client certificates (--tls-client-ca) "
                "or pass --insecure-no-auth"
            )


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_state_dir() -> str:
    return platformdirs.user_data_dir("claude-pool", appauthor=False)


def parse_tokens(text: str, source: str) -> Credentials:
    """One credential per line: `TOKEN [SCOPES] [namespace=NS] [name=NAME]` (`#` comments).

    SCOPES is a comma-separated subset of read, submit, admin (none: every scope). A TOKEN of
    the form `cert:SUBJECT` names a client certificate's subject (its common name) instead of a
    bearer token. Without `name=` a token's principal is `token-<hash prefix>`, a certificate's
    is its subject; without `namespace=` it is `default`.
    """
    tokens: list[tuple[bytes, Caller]] = []
    certificates: list[tuple[str, Caller]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        where = f"{source}:{number}"
        secret, rest = words[0], words[1:]
        scope_words = [w for w in rest if "=" not in w]
        options = dict(w.split("=", 1) for w in rest if "=" in w)
        unknown_options = set(options) - {"namespace", "name"}
        if unknown_options:
            raise ConfigError(
                f"{where}: unknown option {sorted(unknown_options)[0]!r} "
                "(options are namespace=NS and name=NAME)"
            )
        if len(scope_words) > 1:
            raise ConfigError(f"{where}: scopes are one comma-separated word, e.g. read,submit")
        scopes = frozenset(
            s.strip() for s in (scope_words[0] if scope_words else "").split(",") if s.strip()
        ) or frozenset(SCOPES)
        unknown = scopes - set(SCOPES)
        if unknown:
            raise ConfigError(
                f"{where}: unknown scope {sorted(unknown)[0]!r} (scopes are {', '.join(SCOPES)})"
            )
        namespace = options.get("namespace", DEFAULT_NAMESPACE)
        if not valid_namespace(namespace):
            raise ConfigError(
                f"{where}: namespace {namespace!r} must be 1-64 characters of a-z, 0-9, - _ ."
            )
        if secret.startswith(CERT_PREFIX):
            subject = secret[len(CERT_PREFIX) :]
            if not subject:
                raise ConfigError(f"{where}: cert: needs a subject, e.g. cert:billing-service")
            caller = Caller(options.get("name", subject), namespace, scopes)
            certificates.append((subject, caller))
        else:
            caller = Caller(options.get("name", default_name(secret)), namespace, scopes)
            tokens.append((hash_token(secret), caller))
    return Credentials(tuple(tokens), tuple(certificates))


def load_tokens(tokens_file: str | None, env_tokens: str | None) -> Credentials:
    credentials = Credentials()
    if tokens_file:
        try:
            credentials = parse_tokens(Path(tokens_file).read_text(), tokens_file)
        except OSError as exc:
            raise ConfigError(f"cannot read tokens file {tokens_file}: {exc.strerror}") from exc
    if env_tokens:
        env = [t.strip() for t in env_tokens.split(",") if t.strip()]
        credentials = credentials.merged(
            Credentials(tuple((hash_token(t), Caller(default_name(t))) for t in env))
        )
    return credentials


def permission_mode(value: str) -> PermissionMode:
    try:
        return PermissionMode(value)
    except ValueError:
        allowed = ", ".join(m.value for m in PermissionMode)
        raise ConfigError(f"unknown permission mode {value!r} (use one of {allowed})") from None


def env_default(name: str, fallback: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else fallback
