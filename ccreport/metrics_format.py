"""Plain-text renderings of a MetricSet for `ccreport metrics`: terminal tables and tidy CSV.

These lay out numbers the metrics engine computed; they never compute a figure. Null is "–" in
tables and an empty cell in CSV, never 0. Tables round for reading (one decimal); CSV keeps
every digit, like the JSON.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Callable

from .errors import UsageError, printable
from .metrics.definitions import keys
from .metrics.model import MetricSet

TOTAL_KEYS = keys("totals", core_only=True)
GROUP_KEYS = keys("groups")
TREND_KEYS = keys("trend")

DASH = "–"
CSV_VIEWS = ("totals", "priority", "category", "service", "site", "channel", "assignment_group", "trend")
#: Table rows shown per breakdown before "and N more".
MAX_ROWS = 15


# ---- numbers for reading ------------------------------------------------------------------

def _count(v: Any) -> str:
    return DASH if v is None else f"{int(v):,}"


def _hours(v: Any) -> str:
    return DASH if v is None else f"{v:,.1f} h"


def _minutes(v: Any) -> str:
    """MTTA reads best in minutes (SPEC style: minutes for MTTA, hours for MTTR)."""
    return DASH if v is None else f"{v * 60:,.0f} min"


def _pct(v: Any) -> str:
    return DASH if v is None else f"{v:.1f} %"


def _plain(v: Any) -> str:
    return DASH if v is None else f"{v:.2f}"


TOTAL_LABELS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "opened": ("Opened", _count),
    "resolved": ("Resolved", _count),
    "cancelled": ("Cancelled", _count),
    "backlog_end": ("Backlog at period end", _count),
    "major": ("Major incidents", _count),
    "mtta_hours": ("Mean time to acknowledge", _minutes),
    "mttr_hours": ("Mean time to resolve", _hours),
    "median_ttr_hours": ("Median time to resolve", _hours),
    "p90_ttr_hours": ("90th percentile time to resolve", _hours),
    "resolution_sla_pct": ("Resolution SLA met", _pct),
    "response_sla_pct": ("Response SLA met", _pct),
    "reopen_rate_pct": ("Reopen rate", _pct),
    "escalation_rate_pct": ("Escalation rate", _pct),
    "customers_affected": ("Customers affected", _count),
    "csat_mean": ("Mean CSAT (1-5)", _plain),
}
PRIORITY_COLUMNS = (
    ("opened", "Opened"), ("resolved", "Resolved"), ("backlog_end", "Backlog"),
    ("mtta_hours", "MTTA"), ("mttr_hours", "MTTR"), ("median_ttr_hours", "Median"),
    ("p90_ttr_hours", "P90"), ("resolution_sla_pct", "Res. SLA"), ("response_sla_pct", "Resp. SLA"),
)
GROUP_COLUMNS = (("opened", "Opened"), ("resolved", "Resolved"), ("mttr_hours", "MTTR"),
                 ("resolution_sla_pct", "Res. SLA"))
DQ_LABELS = (
    ("rows_read", "Rows read"), ("incidents", "Incidents"), ("rows_rejected", "Rows rejected"),
    ("duplicates", "Duplicates removed"), ("negative_durations", "Negative durations"),
    ("resolved_from_closed", "Resolved time taken from closed time"),
    ("unknown_priority", "Unknown priority"), ("dst_adjusted", "Times moved for a clock change"),
    ("unparsed_timestamps", "Unreadable timestamps"),
)


def _plain_view(metric_set: MetricSet) -> Any:
    """The set's JSON object as attributes (these renderings read plain dicts)."""
    from types import SimpleNamespace

    return SimpleNamespace(**{**metric_set.to_dict(full=True), "period": metric_set.period})


def _fmt(key: str, v: Any) -> str:
    return TOTAL_LABELS[key][1](v)


def _grid(header: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned first column, right-aligned numbers, two spaces between columns."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join([first, *rest]).rstrip()

    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in rows)]


def _pairs(items: list[tuple[str, str]]) -> list[str]:
    """Label/value lines with the values right-aligned."""
    lw = max(len(label) for label, _ in items)
    vw = max(len(value) for _, value in items)
    return [f"  {label.ljust(lw)}  {value.rjust(vw)}" for label, value in items]


def _breakdown(title: str, groups: dict[str, dict], name: str) -> list[str]:
    out = [title]
    if not groups:
        return out + ["  (none in this period, or not in this export)"]
    items = list(groups.items())
    # Group names come from the export: control characters are shown escaped, not obeyed.
    rows = [[printable(label), *(_fmt(k, g.get(k)) for k, _ in GROUP_COLUMNS)] for label, g in items[:MAX_ROWS]]
    out += ["  " + s for s in _grid([name, *(h for _, h in GROUP_COLUMNS)], rows)]
    if len(items) > MAX_ROWS:
        out.append(f"  and {len(items) - MAX_ROWS} more (see --format csv)")
    return out


def format_table(metric_set: MetricSet) -> str:
    """Readable terminal tables: totals, by priority, by category, data quality."""
    ms = _plain_view(metric_set)
    p = ms.period
    last = p.last_day
    lines = [
        f"Incident metrics: {p.label} ({p.first_day:%Y-%m-%d} to {last:%Y-%m-%d}, {p.timezone})",
        "",
        "Totals",
    ]
    lines += _pairs([(TOTAL_LABELS[k][0], _fmt(k, ms.totals.get(k))) for k in TOTAL_KEYS])

    lines += ["", "By priority"]
    prow = [[prio, *(_fmt(k, g.get(k)) for k, _ in PRIORITY_COLUMNS)] for prio, g in ms.by_priority.items()]
    lines += ["  " + s for s in _grid(["Priority", *(h for _, h in PRIORITY_COLUMNS)], prow)]
    lines += ["", *_breakdown("By category", ms.by_category, "Category")]

    dq = ms.data_quality
    lines += ["", "Data quality (whole input)"]
    lines += _pairs([(label, _count(dq.get(key))) for key, label in DQ_LABELS if key in dq])
    issues = dq.get("issues") or []
    for issue in issues[:10]:
        row = "" if issue.get("row") is None else f"row {issue['row']}: "
        lines.append(f"  - {row}{issue.get('field')}: {issue.get('problem')}")
    if len(issues) > 10:
        lines.append(f"  and {len(issues) - 10} more issues (see --format json)")
    lines += ["", "Times: MTTA in minutes, durations in hours; – = none in the period or not in this export."]
    return "\n".join(lines) + "\n"


# ---- tidy CSV -----------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(v: str) -> str:
    """Group names come from the export (untrusted): a leading =, +, -, @ would make a
    spreadsheet run a formula, so such a name gets a leading apostrophe."""
    return "'" + v if v.startswith(_FORMULA_START) else v


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def format_csv(metric_set: MetricSet, by: str = "priority") -> str:
    """Tidy CSV of one view: one row per group (or month), one column per figure, every field
    quoted; period_start and period_end first so several months can be stacked. Nulls are
    empty cells; numbers keep every digit."""
    ms = _plain_view(metric_set)
    if by not in CSV_VIEWS:
        raise UsageError(f"--by {by}: choose one of {', '.join(CSV_VIEWS)}.")
    head = ["period_start", "period_end"]
    period = [ms.period.start.isoformat(), ms.period.end.isoformat()]
    rows: list[list[str]]
    if by == "totals":
        header = head + list(TOTAL_KEYS)
        rows = [period + [_cell(ms.totals.get(k)) for k in TOTAL_KEYS]]
    elif by == "priority":
        header = head + ["priority", *TOTAL_KEYS]
        rows = [period + [p] + [_cell(g.get(k)) for k in TOTAL_KEYS] for p, g in ms.by_priority.items()]
    elif by == "trend":
        header = head + ["month", *TREND_KEYS]
        rows = [period + [t["month"]] + [_cell(t.get(k)) for k in TREND_KEYS] for t in ms.trend]
    else:
        groups: dict[str, dict] = getattr(ms, f"by_{by}")
        keys = list(GROUP_KEYS) + (["mtbf_hours"] if by == "service" else [])
        header = head + [by, *keys]
        rows = [period + [_text(name)] + [_cell(g.get(k)) for k in keys] for name, g in groups.items()]
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()
