"""What a namespace may ask for and spend: set by the server per namespace, never by a request.

Empty lists mean "any" for models and tools; MCP servers must always be named in the policy
(and exist in the server's catalogue), because an MCP server is a program the server runs.
"""

from __future__ import annotations

from dataclasses import dataclass

from claude_pool_server.domain.tasks import PermissionMode


@dataclass(frozen=True)
class NamespacePolicy:
    namespace: str = ""  # "" for the default policy of namespaces not configured by name
    models: tuple[str, ...] = ()
    permission_modes: tuple[PermissionMode, ...] = ()
    tools: tuple[str, ...] = ()
    mcp_servers: tuple[str, ...] = ()
    budget_micros: int | None = None
    max_concurrent_tasks: int = 0  # 0: no limit
    submits_per_second: float = 0.0  # 0: no limit

    def named(self, namespace: str) -> NamespacePolicy:
        from dataclasses import replace

        return replace(self, namespace=namespace)
