"""ConfigError: a configuration problem, reported as one line before the server starts.

Its own module so that adapters (the Postgres bootstrap, TLS loading) can raise it without
depending on the whole configuration (which depends on the engine's settings).
"""

from __future__ import annotations


class ConfigError(Exception):
    """A configuration problem, reported as one line before the server starts."""
