"""GetSessionMetrics: counts by state, spend, timings and per-model breakdown over a filter."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest

from claude_pool import PoolError, task_spec
from tests.conftest import ServerFactory

pytestmark = [pytest.mark.asyncio, pytest.mark.cli]


async def test_metrics_aggregate_outcomes_spend_and_timings(make_server: ServerFactory) -> None:
    pool = await make_server(slots=2)
    on0 = {"slot_id": "slot-0"}
    ok1 = await pool.client.run(
        task_spec("[[reply:a]]", tags=["m"], model="claude-sonnet-4-5", **on0)
    )
    ok2 = await pool.client.run(task_spec("[[reply:b]] [[usage:1000:100]]", tags=["m"], **on0))
    # The failing run gets a slot of its own: its session is never resumed.
    failed = await pool.client.run(
        task_spec("[[toolloop]]", tags=["m"], max_turns=1, slot_id="slot-1")
    )
    await pool.client.run(task_spec("[[reply:other]]", tags=["other"], **on0))

    result = await pool.client.session_metrics(tags=["m"])
    assert result.total_tasks == 3
    assert result.completed_tasks == 2 and result.failed_tasks == 1
    costs = [ok1.result.cost_micros, ok2.result.cost_micros, failed.result.cost_micros]
    assert result.total_spend_micros == sum(costs)
    assert result.max_cost_micros == max(costs)
    assert result.avg_cost_micros == round((costs[0] + costs[1]) / 2)
    elapsed = sorted(t.result.elapsed.ToNanoseconds() for t in (ok1, ok2))
    assert result.min_elapsed.ToNanoseconds() == pytest.approx(elapsed[0], abs=1000)
    assert result.max_elapsed.ToNanoseconds() == pytest.approx(elapsed[1], abs=1000)
    assert result.avg_turns >= 1
    models = {m.model: m for m in result.models}
    assert ok1.result.model == "claude-sonnet-4-5"
    assert sum(m.tasks for m in result.models) == 3
    assert sum(m.spend_micros for m in result.models) == sum(costs)

    only_sonnet = await pool.client.session_metrics(tags=["m"], model="claude-sonnet-4-5")
    assert only_sonnet.total_tasks == models["claude-sonnet-4-5"].tasks >= 1
    future = await pool.client.session_metrics(start_time=datetime(2100, 1, 1, tzinfo=UTC))
    assert future.total_tasks == 0
    everything = await pool.client.session_metrics()
    assert everything.total_tasks == 4
    assert everything.first_task_time.ToDatetime(tzinfo=UTC) == ok1.create_time.ToDatetime(
        tzinfo=UTC
    )


async def test_metrics_reject_an_empty_window(make_server: ServerFactory) -> None:
    pool = await make_server(slots=1)
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(PoolError) as err:
        await pool.client.session_metrics(start_time=moment, end_time=moment)
    assert err.value.code == grpc.StatusCode.INVALID_ARGUMENT
