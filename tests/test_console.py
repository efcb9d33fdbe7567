"""ccreport.console: the terminal output of `validate` and `metrics` and the tidy CSV.

The CSV is checked against a plain reference writer over the metrics JSON object (every digit,
every field quoted, formulas defused) and against a set read back from JSON; the table against
the registry (labels) and units (numbers, one precision per column, targets kept apart).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ccreport import units
from ccreport.config import load_config
from ccreport.console import CSV_VIEWS, PRIORITY_COLUMNS, format_csv, format_quality, format_table
from ccreport.ingest import load
from ccreport.metrics import compute
from ccreport.metrics.definitions import BY_KEY, keys
from ccreport.metrics.model import TREND_ORDER, MetricSet
from ccreport.period import resolve_period

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data"


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE / "ccreport.yaml")
    result = load([SAMPLE / "incidents.csv"], config)
    return result, compute(result, config, resolve_period(config, month="2026-10"))


def reference_csv(d: dict, by: str) -> str:
    """The CSV of one view written straight from the metrics JSON object (the old writer)."""
    def cell(v):
        return "" if v is None else ("true" if v is True else "false" if v is False else repr(v) if isinstance(v, float) else str(v))

    def name(s: str) -> str:
        return "'" + s if s[:1] in ("=", "+", "-", "@", "\t", "\r") else s

    period = [d["period"]["start"], d["period"]["end"]]
    total = keys("totals")  # the SPEC figures, then the extensions
    if by == "totals":
        rows = [["period_start", "period_end", *total], period + [cell(d["totals"][k]) for k in total]]
    elif by == "priority":
        rows = [["period_start", "period_end", "priority", *total]]
        rows += [period + [p] + [cell(g[k]) for k in total] for p, g in d["by_priority"].items()]
    elif by == "trend":
        rows = [["period_start", "period_end", "month", *TREND_ORDER]]
        rows += [period + [t["month"]] + [cell(t[k]) for k in TREND_ORDER] for t in d["trend"]]
    elif by == "breaches":  # the JSON keys of the breach list, text defused as group names are
        cols = ["incident_id", "title", "priority", "category", "service", "assignment_group", "kind",
                "target_hours", "sla_hours", "over_hours", "paused_hours"]
        rows = [["period_start", "period_end", *cols]]
        rows += [period + [name(b[k]) if isinstance(b[k], str) else cell(b[k]) for k in cols] for b in d["breaches"]]
    else:
        cols = [*keys("groups"), *(["mtbf_hours"] if by == "service" else [])]
        rows = [["period_start", "period_end", by, *cols]]
        rows += [period + [name(n)] + [cell(g[k]) for k in cols] for n, g in d[f"by_{by}"].items()]
    return "".join(",".join('"' + c.replace('"', '""') + '"' for c in r) + "\n" for r in rows)


@pytest.mark.parametrize("by", CSV_VIEWS)
def test_csv_keeps_every_digit_and_matches_the_reference(sample, by):
    _, ms = sample
    text = format_csv(ms, by=by)
    assert text == reference_csv(ms.to_dict(full=True), by)
    # A set read back from its JSON (a saved metrics file) gives the same bytes.
    assert format_csv(MetricSet.from_json(ms.to_json(full=True)), by=by) == text


def test_table_labels_come_from_the_registry(sample):
    _, ms = sample
    text = format_table(ms)
    for k in keys("totals", core_only=True):
        assert re.search(rf"^  {re.escape(BY_KEY[k].label)}  ", text, re.M), k
    header = next(ln for ln in text.splitlines() if ln.strip().startswith("Priority"))
    assert header.split() == ["Priority", *" ".join(h for _, h in PRIORITY_COLUMNS).split()]
    assert units.NBSP not in text


def test_table_numbers_are_units_text(sample):
    _, ms = sample
    t = ms
    text = format_table(t)
    for k in keys("totals", core_only=True):
        want = units.fmt_figure(k, getattr(t.totals, k), targets=t.targets).replace(units.NBSP, " ")
        line = next(ln for ln in text.splitlines() if ln.startswith(f"  {BY_KEY[k].label}  "))
        assert line.endswith(" " + want), (line, want)


def test_each_table_column_has_one_precision(sample):
    _, ms = sample
    lines = format_table(ms).splitlines()
    at = next(i for i, ln in enumerate(lines) if ln.strip().startswith("Priority"))
    end = lines.index("", at)
    rows = [ln.split("  ")[1:] for ln in lines[at + 2:end]]
    cells = [[c.strip() for c in r if c.strip()] for r in rows]
    for j in range(1, len(cells[0])):
        column = [r[j] for r in cells if r[j] != units.DASH]
        decimals = {len(re.match(r"[\d,]+(?:\.(\d+))?", c).group(1) or "") for c in column}
        assert len(decimals) <= 1, (PRIORITY_COLUMNS[j - 1], column)


def test_a_total_next_to_its_target_is_not_shown_as_the_target(sample):
    """sample_data's October MTTR is 36.03 h against a 36 h target: not "36.0 h"."""
    _, ms = sample
    t = ms
    assert t.targets["mttr_hours"] == 36 and 36 < t.totals.mttr_hours < 36.05
    line = next(ln for ln in format_table(t).splitlines() if "Mean time to resolve" in ln)
    assert line.endswith(" 36.03 h")
    t.totals.resolution_sla_pct = 94.96
    assert "94.96 %" in format_table(t)


def test_the_table_reads_the_typed_set(sample):
    _, ms = sample
    assert format_table(MetricSet.from_json(ms.to_json(full=True))) == format_table(ms)


def test_format_quality(sample):
    result, _ = sample
    text = format_quality(result)
    q = result.quality
    assert text.startswith("Data quality\n============\n")
    assert re.search(rf"^Preset +{re.escape(result.preset)}$", text, re.M)
    assert re.search(rf"^Rows read +{q.rows_read:,}$", text, re.M)
    assert re.search(rf"^Values not understood +{q.invalid_values:,}$", text, re.M)
    assert re.search(r"^Duplicates \(last row kept\) +\d", text, re.M)
