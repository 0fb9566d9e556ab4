"""System prompt, message preamble and configuration resolution (task > slot > pool)."""

from __future__ import annotations

from datetime import UTC, datetime

from claude_pool_server.domain.context import ContextEntry
from claude_pool_server.domain.slots import SlotConfig
from claude_pool_server.domain.tasks import Effort, PermissionMode, TaskOverrides
from claude_pool_server.engine import prompts
from claude_pool_server.engine.resolution import resolve
from claude_pool_server.engine.settings import PoolSettings

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_identity_line_follows_the_seed() -> None:
    assert prompts.identity_line(SlotConfig()) == ""
    assert prompts.identity_line(SlotConfig(name="Ada")) == "You are Ada"
    assert prompts.identity_line(SlotConfig(role="coder")) == "You are a slot, a coder."
    assert (
        prompts.identity_line(SlotConfig(name="Ada", role="coder", description="Writes Go."))
        == "You are Ada, a coder. Writes Go."
    )


def test_system_prompt_joins_identity_prompt_and_context() -> None:
    assert prompts.build_system_prompt(SlotConfig(), None, []) is None
    text = prompts.build_system_prompt(
        SlotConfig(name="Ada"), "Be brief.", [ContextEntry("repo", "claude-pool", NOW)]
    )
    assert text == "You are Ada\nBe brief.\n\n\n## Shared Context\n- **repo**: claude-pool"


def test_message_preamble_lists_messages_before_the_prompt() -> None:
    assert prompts.message_preamble([]) == ""
    text = prompts.message_preamble([("slot-1", NOW, "hello"), ("slot-2", NOW, "bye")])
    assert text == (
        "## Messages received while idle\n\n"
        "**From slot-1** (03:04:05): hello\n\n**From slot-2** (03:04:05): bye\n\n---\n\n"
    )


def test_resolution_prefers_task_then_slot_then_pool_and_merges_tools() -> None:
    pool = PoolSettings(model="pool-model", allowed_tools=("Read",), max_turns=5, effort=Effort.LOW)
    slot = SlotConfig(model="slot-model", allowed_tools=("Grep",), max_turns=4)
    task = TaskOverrides(max_turns=3, allowed_tools=("Bash",), disallowed_tools=("Write",))
    resolved = resolve(pool, slot, task)
    assert resolved.model == "slot-model"
    assert resolved.max_turns == 3
    assert resolved.effort is Effort.LOW
    assert resolved.allowed_tools == ("Read", "Grep", "Bash")
    assert resolved.disallowed_tools == ("Write",)
    assert resolved.permission_mode is PermissionMode.PLAN
    assert resolve(pool, slot, TaskOverrides(model="task-model")).model == "task-model"
    assert resolve(pool, slot, TaskOverrides(timeout_seconds=7)).timeout_seconds == 7
