"""Slot-to-slot messages: stored durably, delivered before the recipient's next prompt, once."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from claude_pool import PoolError, task_spec
from claude_pool_server import cli
from tests.conftest import ServerFactory
from tests.integration.test_review import prompts_sent

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_a_message_reaches_the_next_prompt_exactly_once(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2)
    sent = await pool.client.send_message("slot-1", "the API moved to v2", from_slot_id="slot-0")
    assert sent.id.startswith("msg-")
    assert await pool.client.count_messages("slot-1") == 1
    peeked = await pool.client.peek_messages("slot-1")
    assert [m.content for m in peeked] == ["the API moved to v2"]

    await pool.client.run(task_spec("first task MSG-ONE", slot_id="slot-1"))
    await pool.client.run(task_spec("second task MSG-TWO", slot_id="slot-1"))
    first = [p for p in prompts_sent(pool.stub) if "MSG-ONE" in p]
    second = [p for p in prompts_sent(pool.stub) if "MSG-TWO" in p]
    assert first and first[-1].startswith("## Messages received while idle\n\n**From slot-0**")
    assert "the API moved to v2" in first[-1]
    assert second and "the API moved to v2" not in second[-1]
    assert await pool.client.count_messages("slot-1") == 0


async def test_broadcast_reaches_every_other_slot_and_read_drains(
    make_server: ServerFactory,
) -> None:
    pool = await make_server(slots=3)
    messages = await pool.client.broadcast_message("standup in 5", from_slot_id="slot-0")
    assert sorted(m.to_slot_id for m in messages) == ["slot-1", "slot-2"]
    assert await pool.client.count_messages("slot-0") == 0
    read = await pool.client.read_messages("slot-2")
    assert [(m.from_slot_id, m.content) for m in read] == [("slot-0", "standup in 5")]
    assert await pool.client.read_messages("slot-2") == []


async def test_messaging_errors_are_precise(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1)
    with pytest.raises(PoolError) as err:
        await pool.client.send_message("slot-9", "hello")
    assert err.value.code == grpc.StatusCode.NOT_FOUND
    with pytest.raises(PoolError) as err:
        await pool.client.send_message("slot-0", "")
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
    with pytest.raises(PoolError) as err:
        await pool.client.count_messages("slot-9")
    assert err.value.code == grpc.StatusCode.NOT_FOUND


async def test_cli_message_commands(
    make_server: ServerFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    pool = await make_server(slots=2)
    server = ["--server", pool.server.address]
    code = await asyncio.to_thread(
        cli.main, ["message", "send", *server, "--from", "slot-0", "slot-1", "hi there"]
    )
    assert code == 0
    assert capsys.readouterr().out.strip().endswith("-> slot-1")
    assert await asyncio.to_thread(cli.main, ["message", "count", *server, "slot-1"]) == 0
    assert capsys.readouterr().out.strip() == "1"
    assert await asyncio.to_thread(cli.main, ["message", "read", *server, "slot-1"]) == 0
    assert capsys.readouterr().out.strip() == "slot-0: hi there"
