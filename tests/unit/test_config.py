"""Server configuration: the binding policy (TLS, auth) and the tokens file."""

from __future__ import annotations

import pytest

from claude_pool_server.config import ServerConfig, parse_tokens
from claude_pool_server.config_error import ConfigError
from claude_pool_server.domain.callers import Caller


def test_loopback_needs_neither_tls_nor_tokens() -> None:
    ServerConfig(host="127.0.0.1").check_binding()
    ServerConfig(host="::1").check_binding()
    ServerConfig(host="localhost").check_binding()


def test_a_network_address_needs_tls_unless_insecure() -> None:
    tokens = parse_tokens("t", "x")
    with pytest.raises(ConfigError, match="without TLS"):
        ServerConfig(host="0.0.0.0", credentials=tokens).check_binding()
    ServerConfig(host="0.0.0.0", credentials=tokens, insecure=True).check_binding()
    ServerConfig(host="0.0.0.0", credentials=tokens, tls_cert="c", tls_key="k").check_binding()


def test_a_network_address_needs_auth_unless_explicitly_open() -> None:
    with pytest.raises(ConfigError, match="--insecure-no-auth"):
        ServerConfig(host="0.0.0.0", insecure=True).check_binding()
    ServerConfig(host="0.0.0.0", insecure=True, insecure_no_auth=True).check_binding()
    mtls = ServerConfig(host="10.0.0.1", tls_cert="c", tls_key="k", tls_client_ca="ca")
    mtls.check_binding()  # client certificates prove who calls


def test_tls_options_go_together() -> None:
    with pytest.raises(ConfigError, match="go together"):
        ServerConfig(tls_cert="c").check_binding()
    with pytest.raises(ConfigError, match="mTLS is TLS"):
        ServerConfig(tls_client_ca="ca").check_binding()


def test_token_file_scopes_are_checked() -> None:
    with pytest.raises(ConfigError, match="unknown scope 'root'"):
        parse_tokens("tok root", "tokens.txt")


def test_token_lines_name_a_principal_in_a_namespace() -> None:
    credentials = parse_tokens(
        "# comment\n"
        "plain-token\n"
        "reader-token read namespace=team-a name=dashboard\n"
        "cert:billing-service submit namespace=billing\n",
        "tokens.txt",
    )
    plain = credentials.by_token("plain-token")
    assert plain is not None and plain.namespace == "default"
    assert plain.principal.startswith("token-") and "plain" not in plain.principal
    assert plain.scopes == frozenset({"read", "submit", "admin"})
    assert credentials.by_token("reader-token") == Caller(
        "dashboard", "team-a", frozenset({"read"})
    )
    assert credentials.by_certificate("billing-service") == Caller(
        "billing-service", "billing", frozenset({"submit"})
    )
    assert credentials.by_token("nope") is None


def test_bad_token_lines_name_the_line() -> None:
    with pytest.raises(ConfigError, match=r"tokens\.txt:2: unknown option 'team'"):
        parse_tokens("ok\nbad team=x", "tokens.txt")
    with pytest.raises(ConfigError, match="namespace 'Bad'"):
        parse_tokens("tok read namespace=Bad", "tokens.txt")
