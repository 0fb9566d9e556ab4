"""Server configuration: binding policy and token files."""

from __future__ import annotations

import pytest

from claude_pool_server.config import ConfigError, ServerConfig, parse_tokens


def test_without_tokens_only_loopback_is_allowed() -> None:
    ServerConfig(host="127.0.0.1").check_binding()
    ServerConfig(host="::1").check_binding()
    with pytest.raises(ConfigError, match="--insecure-no-auth"):
        ServerConfig(host="0.0.0.0").check_binding()
    ServerConfig(host="0.0.0.0", insecure_no_auth=True).check_binding()
    ServerConfig(host="0.0.0.0", tokens=parse_tokens("t", "x")).check_binding()


def test_token_file_scopes_are_checked() -> None:
    with pytest.raises(ConfigError, match="unknown scope 'root'"):
        parse_tokens("tok root", "tokens.txt")
