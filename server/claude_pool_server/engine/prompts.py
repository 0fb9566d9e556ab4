"""What the CLI is told: the system prompt (identity, configured prompt, shared context) and the
message preamble put before a slot's next prompt (SEED-API.md §5.2, §2.7)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from claude_pool_server.domain.context import ContextEntry
from claude_pool_server.domain.slots import SlotConfig


def identity_line(slot: SlotConfig) -> str:
    """`You are NAME, a ROLE. DESCRIPTION`, or "" for an anonymous slot."""
    if not (slot.name or slot.role or slot.description):
        return ""
    line = f"You are {slot.name or 'a slot'}"
    if slot.role:
        line += f", a {slot.role}"
    if slot.description:
        line += f". {slot.description}"
    elif slot.role:
        line += "."
    return line


def build_system_prompt(
    slot: SlotConfig, configured_prompt: str | None, context: Sequence[ContextEntry]
) -> str | None:
    """Join identity, configured prompt and shared context; None when all are empty.

    It replaces Claude Code's own system prompt (`--system-prompt`), as the seed does, so a pool
    operator controls exactly what every slot is told.
    """
    parts = [p for p in (identity_line(slot), configured_prompt or "") if p]
    if context:
        lines = "\n".join(f"- **{entry.key}**: {entry.value}" for entry in context)
        parts.append(f"\n\n## Shared Context\n{lines}")
    return "\n".join(parts) if parts else None


def message_preamble(messages: Sequence[tuple[str, datetime, str]]) -> str:
    """Messages (sender, time, content) received while idle, to put before the prompt."""
    if not messages:
        return ""
    body = "".join(
        f"**From {sender}** ({sent.strftime('%H:%M:%S')}): {content}\n\n"
        for sender, sent, content in messages
    )
    return f"## Messages received while idle\n\n{body}---\n\n"
