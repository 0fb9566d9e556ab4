"""The Grafana dashboard uses only metrics the server exports (a renamed metric breaks it)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from claude_pool_server.observability.metrics import PoolMetrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "claude-pool.json"
SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")


def exported_names() -> set[str]:
    names = set()
    for family in PoolMetrics().registry.collect():
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in SUFFIXES)
    return names


def test_every_panel_queries_metrics_the_server_exports() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    exported = exported_names()
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bclaude_pool_\w+", target["expr"])
    }
    assert used, "the dashboard queries nothing"
    assert used <= exported, f"not exported: {sorted(used - exported)}"
    assert len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
