"""`claude-pool mcp`: an MCP server that lets an MCP client (a coordinator Claude session) drive a
pool over gRPC. It is a client of the pool like any other: it speaks only through the Python
client `claude_pool.PoolClient`, never to the engine.

- `tools.py`: one tool per user-facing pool operation, with the schemas and descriptions a model
  reads, progress notifications for the long ones and pool errors turned into tool errors;
- `server.py`: the MCPServer with those tools and the resources, on stdio or streamable HTTP;
- `command.py`: the `mcp` subcommand of `claude-pool`.
"""

from __future__ import annotations
