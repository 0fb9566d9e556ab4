"""The Python client's connection options: plaintext or TLS (system roots, a custom CA, mutual
TLS), keepalive, the environment variables the quickstarts use, and a caller's own channel."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from claude_pool import Keepalive, PoolClient, SyncPoolClient
from claude_pool.connection import channel_credentials, options_from_env, read_pem

PEM = b"-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n"


def credentials(**kw: object) -> grpc.ChannelCredentials | None:
    options: dict[str, object] = {
        "tls": None,
        "ca_certificate": None,
        "client_certificate": None,
        "client_key": None,
        **kw,
    }
    return channel_credentials(**options)  # type: ignore[arg-type]


def test_plaintext_unless_tls_is_asked_for_or_implied() -> None:
    assert credentials() is None
    assert credentials(tls=False) is None
    assert credentials(ca_certificate="") is None  # an unset variable
    assert isinstance(credentials(tls=True), grpc.ChannelCredentials)  # the system roots
    assert isinstance(credentials(ca_certificate=PEM), grpc.ChannelCredentials)
    mutual = credentials(ca_certificate=PEM, client_certificate=PEM, client_key=PEM)
    assert isinstance(mutual, grpc.ChannelCredentials)


def test_contradictory_tls_options_are_refused() -> None:
    with pytest.raises(ValueError, match="tls=False"):
        credentials(tls=False, ca_certificate=PEM)
    with pytest.raises(ValueError, match="go together"):
        credentials(client_certificate=PEM)


def test_pem_is_bytes_or_a_file(tmp_path: Path) -> None:
    path = tmp_path / "ca.pem"
    path.write_bytes(PEM)
    assert read_pem(PEM) == PEM
    assert read_pem(path) == PEM
    assert read_pem(str(path)) == PEM
    assert read_pem(None) is None


def test_keepalive_becomes_channel_arguments() -> None:
    assert dict(Keepalive(time=20, timeout=5, permit_without_calls=True).options()) == {
        "grpc.keepalive_time_ms": 20_000,
        "grpc.keepalive_timeout_ms": 5_000,
        "grpc.keepalive_permit_without_calls": 1,
    }


def test_the_environment_names_the_server_token_and_certificates() -> None:
    env = {
        "CLAUDE_POOL_ADDR": "pool:443",
        "CLAUDE_POOL_SERVER": "ignored:1",
        "CLAUDE_POOL_TOKEN": "t",
        "CLAUDE_POOL_CA": "/ca.pem",
        "CLAUDE_POOL_CERT": "/c.pem",
        "CLAUDE_POOL_KEY": "",
    }
    assert options_from_env(env) == {
        "address": "pool:443",
        "token": "t",
        "ca_certificate": "/ca.pem",
        "client_certificate": "/c.pem",
    }
    assert options_from_env({"CLAUDE_POOL_SERVER": "host:1"}) == {"address": "host:1"}
    assert options_from_env({}) == {}
    # the `claude-pool` command's names work too
    command = {
        "CLAUDE_POOL_TLS_CA": "/a",
        "CLAUDE_POOL_TLS_CERT": "/b",
        "CLAUDE_POOL_TLS_KEY": "/k",
    }
    assert options_from_env(command) == {
        "ca_certificate": "/a",
        "client_certificate": "/b",
        "client_key": "/k",
    }


@pytest.mark.asyncio
async def test_from_env_and_an_own_channel() -> None:
    pool = PoolClient.from_env({"CLAUDE_POOL_SERVER": "127.0.0.1:9"}, default_deadline=1.0)
    assert pool.address == "127.0.0.1:9"
    await pool.close()

    channel = grpc.aio.insecure_channel("127.0.0.1:9")
    borrowed = PoolClient(channel=channel, token="t")
    await borrowed.close()  # leaves the caller's channel open
    assert channel.get_state() != grpc.ChannelConnectivity.SHUTDOWN
    await channel.close()


def test_the_sync_client_takes_a_channel_factory() -> None:
    made: list[grpc.aio.Channel] = []

    def factory() -> grpc.aio.Channel:
        made.append(grpc.aio.insecure_channel("127.0.0.1:9"))
        return made[-1]

    with pytest.raises(TypeError, match="channel_factory"):
        SyncPoolClient(channel=made)
    with SyncPoolClient.from_env(
        {"CLAUDE_POOL_ADDR": "127.0.0.1:9"}, channel_factory=factory
    ) as pool:
        assert pool.address == "127.0.0.1:9"
    assert len(made) == 1
