"""`metrics --by X` in table output (issue 19, item 7): the breakdown the user asked for, not
silently the default tables. Every group of the JSON breakdown is a row with its figures."""

from __future__ import annotations

import json

import pytest

from ccreport.schema import DIMENSIONS

from . import scenarios
from .util import run_cli


@pytest.fixture
def export(isolated):
    s = scenarios.ordinary(months=("2026-09", "2026-10"), per_area=5)
    scenarios.plant_breaches(s, area="Payments")
    return s.write(isolated)


def _run(export, *extra):
    path, config = export
    r = run_cli("--config", config, "metrics", path, "--month", "2026-10", *extra)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.mark.parametrize("by", [d for d in DIMENSIONS if d != "category"])
def test_each_breakdown_is_a_table_of_every_group(export, by):
    table = _run(export, "--by", by)
    data = json.loads(_run(export, "--format", "json", "--full"))
    groups = data[f"by_{by}"]
    assert groups, by
    rows = {line.strip().split("  ")[0]: line for line in table.splitlines() if line.startswith("  ")}
    for name, figures in groups.items():
        assert name in rows, (name, table)
        assert f" {figures['opened']} " in f"{rows[name]} ", (name, rows[name])
    assert table != _run(export), "--by was ignored"


def test_the_planted_breaches_show_in_the_service_table(export):
    table = _run(export, "--by", "service")
    row = next(line for line in table.splitlines() if line.strip().startswith("Payments"))
    others = [line for line in table.splitlines() if line.strip().startswith(("CRM ", "Telephony "))]
    pct = lambda line: float(line.split("%")[0].split()[-1])  # noqa: E731 - the resolution SLA column
    assert all(pct(row) < pct(o) for o in others), table


def test_trend_and_totals(export):
    trend = _run(export, "--by", "trend")
    data = json.loads(_run(export, "--format", "json"))
    for month in data["trend"]:
        assert any(line.strip().startswith(month["month"]) for line in trend.splitlines()), month["month"]
    totals = _run(export, "--by", "totals")
    assert "Opened" in totals and "By priority" not in totals
