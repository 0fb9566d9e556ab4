"""How a PoolClient reaches the server: the gRPC channel its options describe.

TLS is off (plaintext, for loopback development), on with the system roots, or on with a custom
CA; a client certificate and key add mutual TLS. The token is not part of the channel: it is sent
as call metadata on every PoolService call (and not on the health check).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

DEFAULT_ADDRESS = "127.0.0.1:50051"
MAX_MESSAGE_BYTES = 16 * 1024 * 1024

Pem = bytes | str | os.PathLike[str]
"""PEM data as bytes, or the path of a PEM file (str or Path)."""


@dataclass(frozen=True)
class Keepalive:
    """HTTP/2 keepalive: a PING after `time` seconds without activity, the connection dropped
    when no answer comes within `timeout`; `permit_without_calls` pings an idle connection too."""

    time: float = 30.0
    timeout: float = 10.0
    permit_without_calls: bool = False

    def options(self) -> list[tuple[str, Any]]:
        return [
            ("grpc.keepalive_time_ms", int(self.time * 1000)),
            ("grpc.keepalive_timeout_ms", int(self.timeout * 1000)),
            ("grpc.keepalive_permit_without_calls", int(self.permit_without_calls)),
        ]


def read_pem(value: Pem | None) -> bytes | None:
    """Bytes as they are; a str or Path names a file to read."""
    if value is None or isinstance(value, bytes):
        return value
    return Path(value).read_bytes()


def channel_credentials(
    *,
    tls: bool | None,
    ca_certificate: Pem | None,
    client_certificate: Pem | None,
    client_key: Pem | None,
) -> grpc.ChannelCredentials | None:
    """TLS credentials, or None for plaintext. `tls=None` means TLS exactly when a CA or a
    client certificate is given. Empty strings count as not given (unset variables)."""
    ca_certificate, client_certificate, client_key = (
        None if value == "" else value for value in (ca_certificate, client_certificate, client_key)
    )
    if (client_certificate is None) != (client_key is None):
        raise ValueError("client_certificate and client_key go together")
    wants_tls = ca_certificate is not None or client_certificate is not None
    if tls is None:
        tls = wants_tls
    if not tls:
        if wants_tls:
            raise ValueError("a CA or client certificate was given with tls=False")
        return None
    return grpc.ssl_channel_credentials(
        root_certificates=read_pem(ca_certificate),
        private_key=read_pem(client_key),
        certificate_chain=read_pem(client_certificate),
    )


def open_channel(
    address: str,
    *,
    credentials: grpc.ChannelCredentials | None,
    tls_server_name: str | None = None,
    keepalive: Keepalive | None = None,
    options: Sequence[tuple[str, Any]] = (),
    interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
) -> grpc.aio.Channel:
    """A grpc.aio channel to `address`; `options` (raw gRPC channel arguments) come last and so
    override the ones set here."""
    merged: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        *(keepalive.options() if keepalive is not None else []),
    ]
    if tls_server_name:
        merged.append(("grpc.ssl_target_name_override", tls_server_name))
    merged += options
    if credentials is None:
        return grpc.aio.insecure_channel(address, options=merged, interceptors=interceptors)
    return grpc.aio.secure_channel(address, credentials, options=merged, interceptors=interceptors)


def options_from_env(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """PoolClient options from the environment, as every client's quickstart names them:
    CLAUDE_POOL_ADDR (else CLAUDE_POOL_SERVER, the `claude-pool` command's), CLAUDE_POOL_TOKEN,
    CLAUDE_POOL_CA (a CA PEM file), CLAUDE_POOL_CERT and CLAUDE_POOL_KEY (a client certificate
    and key, for mutual TLS), each also under the `claude-pool` command's name
    (CLAUDE_POOL_TLS_CA, _TLS_CERT, _TLS_KEY). Unset or empty variables are left out."""
    env = os.environ if environ is None else environ
    found: dict[str, Any] = {}
    address = env.get("CLAUDE_POOL_ADDR") or env.get("CLAUDE_POOL_SERVER")
    if address:
        found["address"] = address
    for variables, option in (
        (("CLAUDE_POOL_TOKEN",), "token"),
        (("CLAUDE_POOL_CA", "CLAUDE_POOL_TLS_CA"), "ca_certificate"),
        (("CLAUDE_POOL_CERT", "CLAUDE_POOL_TLS_CERT"), "client_certificate"),
        (("CLAUDE_POOL_KEY", "CLAUDE_POOL_TLS_KEY"), "client_key"),
    ):
        value = next((env[v] for v in variables if env.get(v)), None)
        if value:
            found[option] = value
    return found
