"""ccreport.units: how every number reads, and the precision rules of issue 12.

Examples pin the formats a reader knows ("96.1 %", "4.2 h", "12 min"); hypothesis checks the
rules over random values: a value next to its target never reads as the target (and keeps its
side of it), a formatted column has one number of decimals, and the console, the documents and
units give the same text for the same MTTA.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ccreport import units
from ccreport.units import DASH, NBSP, NOT_IN_EXPORT

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"

# --------------------------------------------------------------------------- examples


def test_formats_a_reader_knows():
    assert units.fmt_int(1234) == "1,234"
    assert units.fmt_int(None) == DASH
    assert units.fmt_pct(96.123) == f"96.1{NBSP}%"
    assert units.fmt_pct(float("nan")) == DASH
    assert units.fmt_hours(4.23) == f"4.2{NBSP}h"
    assert units.fmt_hours(1234.5) == f"1,234{NBSP}h"  # half to even, as Python rounds
    assert units.fmt_minutes(0.2) == f"12{NBSP}min"
    assert units.fmt_minutes(0.0917) == f"5.5{NBSP}min"  # the MTTA
    assert units.fmt_score(4.234) == f"4.2{NBSP}/{NBSP}5"
    assert units.fmt_seconds(312) == f"5{NBSP}min 12{NBSP}s"
    assert units.fmt_duration(0.5) == f"30{NBSP}min"
    assert units.fmt_duration(72) == f"3.0{NBSP}days"
    assert units.fmt_date("2026-11-03") == "3 November 2026"
    assert units.month_label("2026-10") == "October 2026" and units.short_month("2026-10") == "Oct 26"


def test_targets_read_with_the_decimals_they_have():
    assert units.fmt_target(95, "pct") == f"95{NBSP}%"
    assert units.fmt_target(99.5, "pct") == f"99.5{NBSP}%"
    assert units.fmt_target(99.95, "pct") == f"99.95{NBSP}%"  # was "100.0 %"
    assert units.fmt_target(12, "hours") == f"12{NBSP}h"
    assert units.fmt_target(0.25, "hours") == f"15{NBSP}min"
    assert units.fmt_target(2, "minutes") == f"2{NBSP}h"
    assert units.fmt_target(None, "pct") == DASH


def test_a_value_next_to_its_target_gets_the_decimals_that_keep_them_apart():
    assert units.fmt_pct(94.96, target=95) == f"94.96{NBSP}%"
    assert units.fmt_pct(95.04, target=95) == f"95.04{NBSP}%"
    assert units.fmt_hours(36.04, target=36) == f"36.04{NBSP}h"
    assert units.fmt_hours(136.4, target=136) == f"136.4{NBSP}h"
    assert units.fmt_minutes(0.2499, target=0.25) == f"14.99{NBSP}min"
    # Past MAX_DECIMALS the value is truncated towards its own side.
    assert units.fmt_pct(94.99999, target=95) == f"94.999{NBSP}%"
    assert units.fmt_pct(95.00001, target=95) == f"95.001{NBSP}%"
    # Far from the target, or on it (floating-point noise included), nothing changes.
    assert units.fmt_pct(93.84, target=95) == f"93.8{NBSP}%"
    assert units.fmt_pct(95.0, target=95) == f"95.0{NBSP}%"
    assert units.fmt_pct(100 * 0.95, target=95) == f"95.0{NBSP}%"
    # Rounding never crosses a target that has more decimals than the value.
    assert units.fmt_pct(99.94, target=99.93) == f"99.94{NBSP}%"


def test_figures_by_registry_key():
    assert units.fmt_figure("mtta_hours", 0.0917) == f"5.5{NBSP}min"
    assert units.fmt_figure("resolution_sla_pct", 94.96, targets={"resolution_sla_pct": 95}) == f"94.96{NBSP}%"
    assert units.fmt_figure("opened", 632) == "632"
    assert units.fmt_figure("csat_mean", 3.98) == f"4.0{NBSP}/{NBSP}5"


def test_not_in_this_export_reads_the_registry():
    assert units.fmt_metric(None, "minutes", "mtta_hours", ["incident_id", "opened_at"]) == NOT_IN_EXPORT
    assert units.fmt_metric(None, "minutes", "mtta_hours", ["acknowledged_at"]) == DASH
    assert units.fmt_metric(0.25, "minutes", "mtta_hours", []) == f"15{NBSP}min"
    assert units.fmt_figure("resolved", None, fields=["opened_at"]) == NOT_IN_EXPORT
    assert units.fmt_figure("resolved", None, fields=["closed_at"]) == DASH
    assert units.present("opened", []) and units.present("no_such_figure", [])
    from ccreport.metrics.definitions import METRICS

    for m in METRICS:
        if m.fields:
            assert not units.present(m.key, ["incident_id"]) and units.present(m.key, [m.fields[-1]])


def test_common_keeps_the_old_names():
    from ccreport.documents import common as c

    assert c.fmt_pct is units.fmt_pct and c.fmt_target is units.fmt_target and c.NBSP == NBSP
    assert not hasattr(c, "METRIC_FIELDS") and not hasattr(c, "fmt_num")


def test_units_is_light_to_import():
    code = "import sys, ccreport.units; assert not {'pandas', 'numpy'} & set(sys.modules), sorted(sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_chart_labels_read_as_the_text():
    from ccreport.render.charts import _fmt

    assert _fmt(93.8436, "%") == units.fmt_pct(93.8436)
    assert _fmt(123.4, "hours") == units.fmt_hours(123.4) == f"123{NBSP}h"
    assert _fmt(1234.0, "incidents") == "1,234"


# --------------------------------------------------------------------------- properties

_NUMBER = re.compile(r"^([\d,]+(?:\.\d+)?)\u00a0(%|h|min|/\u00a05)$")


def shown(text: str, unit: str) -> float:
    """The number a reader sees, in the unit's display unit (minutes for MTTA)."""
    m = _NUMBER.match(text)
    assert m, text
    x = float(m.group(1).replace(",", ""))
    if unit == "minutes" and m.group(2) == "h":
        x *= 60
    if unit == "hours" and m.group(2) == "min":
        x /= 60
    return x


def n_decimals(text: str) -> int:
    m = _NUMBER.match(text)
    assert m, text
    return len(m.group(1).partition(".")[2])


#: Targets as a config writes them (up to two decimals), in the unit's display unit; MTTA
#: targets under an hour (so that both read in minutes).
TARGETS = {
    "pct": st.integers(0, 10_000).map(lambda n: n / 100),
    "hours": st.integers(100, 100_000).map(lambda n: n / 100),
    "score": st.integers(100, 500).map(lambda n: n / 100),
    "minutes": st.integers(1, 5_999).map(lambda n: n / 100),
}
#: Display value -> stored value (MTTA is stored in hours).
STORED = {"minutes": lambda m: m / 60}


@st.composite
def value_and_target(draw):
    unit = draw(st.sampled_from(sorted(TARGETS)))
    t = draw(TARGETS[unit])
    # Values near the target are the interesting ones; some far away too.
    offset = draw(st.one_of(st.floats(-0.1, 0.1), st.floats(-50, 50)))
    v = max(t + offset, 0.0)
    return unit, v, t


@settings(max_examples=1500, deadline=None)
@given(value_and_target())
def test_a_value_never_reads_as_its_target_unless_it_is(args):
    unit, v, t = args
    assume(not units._same(v, t))
    to_stored = STORED.get(unit, lambda x: x)
    value_text = units.fmt_unit(to_stored(v), unit, target=to_stored(t))
    target_text = units.fmt_target(to_stored(t), unit)
    sv, st_ = shown(value_text, unit), shown(target_text, unit)
    assert sv != pytest.approx(st_, abs=1e-9), (value_text, target_text)
    assert (sv < st_) == (v < t), (value_text, target_text)  # and it keeps its side
    assert n_decimals(value_text) <= units.MAX_DECIMALS


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["pct", "hours", "minutes", "score"]),
       st.lists(st.one_of(st.none(), st.floats(0, 2000)), min_size=1, max_size=12),
       st.one_of(st.none(), st.integers(0, 10_000).map(lambda n: n / 100)))
def test_a_column_has_one_precision(unit, values, target):
    texts = units.fmt_column(values, unit, target=target)
    assert len(texts) == len(values)
    assert [t == DASH for t in texts] == [v is None for v in values]
    counts = {n_decimals(t) for t in texts if t != DASH}
    assert len(counts) <= 1, texts
    if counts:
        assert counts == {units.column_decimals(values, unit, target)}
    # The column rule keeps the target rule: no value reads as the target it is not.
    if target is not None:
        t_shown = shown(units.fmt_target(target, unit), unit) if unit != "minutes" else None
        for v, text in zip(values, texts):
            if v is not None and t_shown is not None and not units._same(v, target):
                assert shown(text, unit) != pytest.approx(t_shown, abs=1e-9), (v, text)


@settings(max_examples=100, deadline=None)
@given(st.one_of(st.none(), st.floats(0, 500)))
def test_console_documents_and_units_format_mtta_alike(hours):
    """The same MTTA reads the same in the terminal table and in the documents."""
    from ccreport.console import format_table
    from ccreport.documents import common as c

    ms = _fixture_set()
    ms.totals.mtta_hours = hours
    line = next(ln for ln in format_table(ms).splitlines() if "Mean time to acknowledge" in ln)
    expected = c.fmt_minutes(hours)
    assert expected == units.fmt_figure("mtta_hours", hours)
    assert line.endswith(" " + expected.replace(NBSP, " "))


def _fixture_set():
    from ccreport.metrics.model import MetricSet

    return MetricSet.from_dict(json.loads(FIXTURE.read_text(encoding="utf-8")))


def test_the_monthly_report_and_the_console_show_the_fixtures_mtta_alike():
    """On the golden fixture: the report's by-priority MTTA cells are units' text, and the
    console's totals line is the same text."""
    import datetime as dt

    from ccreport.console import format_table
    from ccreport.document import Table
    from ccreport.documents.branding import Branding
    from ccreport.documents.monthly import MonthlyOptions, build_monthly
    from ccreport.metrics.model import MetricSet

    metrics = json.loads(FIXTURE.read_text(encoding="utf-8"))
    doc = build_monthly(MetricSet.from_dict(metrics), Branding(), MonthlyOptions(date=dt.date(2026, 11, 3)))
    table = next(b for b in doc.walk() if isinstance(b, Table) and any(col.header == "MTTA" for col in b.columns))
    at = [col.header for col in table.columns].index("MTTA")
    cells = {row[0]: row[at] for row in table.rows}
    shown = [p for p in cells if p != "All"]
    column = units.fmt_figure_column("mtta_hours", [metrics["by_priority"][p]["mtta_hours"] for p in shown]
                                     + [metrics["totals"]["mtta_hours"]], targets=metrics["targets"])
    assert [cells[p] for p in shown] + [cells["All"]] == column
    text = format_table(_fixture_set())
    mtta = units.fmt_figure("mtta_hours", metrics["totals"]["mtta_hours"]).replace(NBSP, " ")
    assert f"Mean time to acknowledge  {mtta}" in re.sub(r" {2,}", "  ", text)
