"""claude-pool server: a gRPC service that runs prompts on a pool of Claude Code CLI slots."""

from __future__ import annotations

__version__ = "0.1.0"
