"""Terminal output of `ccreport validate` and `ccreport metrics`: the data-quality report, the
metric tables and the tidy CSV.

These lay out numbers that ingest and the metrics engine produced; they never compute a figure.
Labels, units and columns come from the metrics registry (`metrics.definitions`); every number
in a table is formatted by `ccreport.units`, so MTTA reads "5.5 min" here as in the report, and
one column of a table has one precision. Null is "–" in tables and an empty cell in CSV, never 0.
CSV keeps every digit, like the JSON, and defuses spreadsheet formulas in names.
"""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from . import units
from .errors import UsageError, printable
from .metrics.definitions import BY_KEY, keys
from .schema import DIMENSIONS

if TYPE_CHECKING:  # the metric set's module is imported where it is read (`validate` needs none)
    from .metrics import model

DASH = units.DASH
CSV_VIEWS = ("totals", "priority", *DIMENSIONS, "trend", "breaches")


def breach_columns() -> tuple[str, ...]:
    """The columns of `--by breaches` (CSV) after the period: the breach list's JSON keys."""
    from .metrics.model import Breach

    return tuple(f.name for f in dataclasses.fields(Breach))


#: Free-text columns of the breach list (from the export: formulas are defused in CSV).
BREACH_TEXT = ("incident_id", "title", "priority", "category", "service", "assignment_group")
#: Table rows shown per breakdown before "and N more".
MAX_ROWS = 15
#: Columns of the by-priority and breakdown tables: registry keys with a header short enough
#: for a terminal (the long label is in the totals above them).
PRIORITY_COLUMNS = (
    ("opened", "Opened"), ("resolved", "Resolved"), ("backlog_end", "Backlog"),
    ("mtta_hours", "MTTA"), ("mttr_hours", "MTTR"), ("median_ttr_hours", "Median"),
    ("p90_ttr_hours", "P90"), ("resolution_sla_pct", "Res. SLA"), ("response_sla_pct", "Resp. SLA"),
)
GROUP_COLUMNS = (("opened", "Opened"), ("resolved", "Resolved"), ("mttr_hours", "MTTR"),
                 ("resolution_sla_pct", "Res. SLA"))
#: The data-quality counts, in the order both `validate` and `metrics` print them.
QUALITY_LABELS = (
    ("rows_read", "Rows read"), ("incidents", "Incidents"), ("rows_rejected", "Rows rejected"),
    ("duplicates", "Duplicates (last row kept)"), ("negative_durations", "Negative durations"),
    ("resolved_from_closed", "Resolved time taken from closed time"),
    ("unknown_priority", "Unknown priority"), ("dst_adjusted", "Times moved for a clock change"),
    ("unparsed_timestamps", "Unreadable timestamps"),
    ("resolved_from_history", "Resolved time taken from the state history"),
    ("resolved_from_status_category", "Resolved time taken from the status category change"),
    ("invalid_values", "Values not understood"),
)


def _plain(text: str) -> str:
    """units joins number and unit with a no-break space for typesetting; a terminal (and a
    grep over its output) wants an ordinary one."""
    return text.replace(units.NBSP, " ")


# ---- validate ------------------------------------------------------------------------------


#: Source columns whose absence empties core figures: (fields, what the export lacks).
_ABSENT_GROUPS = (
    (("resolved_at", "closed_at"), "no resolution or closure time column"),
    (("acknowledged_at",), "no acknowledgement time column"),
)


def absent_field_warnings(fields: frozenset[str]) -> list[str]:
    """One line per missing kind of time column (resolution, acknowledgement) naming the
    figures that will be empty (null, "not in this export"), from the metrics registry."""
    from .metrics.definitions import METRICS

    out = []
    for group, what in _ABSENT_GROUPS:
        if any(f in fields for f in group):
            continue
        labels = [m.label for m in METRICS if m.core and m.fields and set(m.fields) <= set(group)
                  and "totals" in m.scopes]
        if labels:
            out.append(f"the export has {what} ({' or '.join(group)}): {', '.join(labels)} "
                       "will be empty (null), not 0; map the column with --mapping if the export has it "
                       "under another name.")
    return out


#: For the person running `validate` (never in documents): how to act on label issues.
_LABEL_HINTS = (
    ("not a known state", "map unknown states in a mapping file's `states:` (a mapping may hold only `states:`)."),
    ("from its status category", "a mapping file's `states:` reads a workflow status otherwise."),
    ("names no support tier", "name support teams' tiers in the mapping file's `levels:` ({\"Service desk\": 1})."),
    ("dates are ambiguous", "set `dayfirst` in ccreport.yaml to say which order the export's dates use."),
    (" read as P", "set `priority_map` in the config (or a mapping's `priorities:`) to read a priority word otherwise."),
)


def label_hints(quality: Any) -> list[str]:
    """One hint per kind of label issue the data quality lists (validate prints them)."""
    problems = [i.problem for i in quality.issues]
    return [hint for needle, hint in _LABEL_HINTS if any(needle in p for p in problems)]


def format_quality(result: Any) -> str:
    """The data-quality report of `ccreport validate` for an IngestResult (whole input)."""
    q = result.quality
    rows = [("Preset", result.preset)]
    rows += [(label, units.fmt_int(getattr(q, key))) for key, label in QUALITY_LABELS if hasattr(q, key)]
    width = max(len(k) for k, _ in rows)
    lines = ["Data quality", "=" * 12] + [f"{k:<{width}}  {v:>10}" for k, v in rows]
    if q.issues:
        lines += ["", "Issues"]
        for i in q.issues[:50]:
            where = f"{Path(i.file).name} " if i.file else ""
            row = f"row {i.row}" if i.row is not None else "-"
            lines.append(f"  {where}{row:<10} {i.field:<18} {i.problem}")
        if len(q.issues) > 50:
            lines.append(f"  ... and {len(q.issues) - 50} more (use --format json for all)")
    return "\n".join(lines)


# ---- metrics: tables -----------------------------------------------------------------------


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


def _table(first: str, names: list[str], groups: Sequence[model.Figures],
           columns: Sequence[tuple[str, str]], targets: dict[str, Any]) -> list[str]:
    """One row per group, one column per figure; each column formatted with one precision."""
    cols = [[_plain(s) for s in units.fmt_figure_column(k, [getattr(g, k) for g in groups], targets=targets)]
            for k, _ in columns]
    rows = [[name, *(col[i] for col in cols)] for i, name in enumerate(names)]
    return ["  " + s for s in _grid([first, *(h for _, h in columns)], rows)]


def _breakdown(title: str, groups: dict[str, model.Figures], name: str, targets: dict[str, Any]) -> list[str]:
    out = [title]
    if not groups:
        return out + ["  (none in this period, or not in this export)"]
    items = list(groups.items())[:MAX_ROWS]
    # Group names come from the export: control characters are shown escaped, not obeyed.
    out += _table(name, [printable(label) for label, _ in items], [g for _, g in items], GROUP_COLUMNS, targets)
    if len(groups) > MAX_ROWS:
        out.append(f"  and {len(groups) - MAX_ROWS} more (see --format csv)")
    return out


def format_table(metric_set: model.MetricSet) -> str:
    """Readable terminal tables: totals, by priority, by category, data quality."""
    ms = metric_set
    p = ms.period
    targets = ms.targets
    lines = [
        f"Incident metrics: {p.label} ({p.first_day:%Y-%m-%d} to {p.last_day:%Y-%m-%d}, {p.timezone})",
        "",
        "Totals",
    ]
    lines += _pairs([(BY_KEY[k].label, _plain(units.fmt_figure(k, getattr(ms.totals, k), targets=targets)))
                     for k in keys("totals")])

    lines += ["", "By priority"]
    lines += _table("Priority", list(ms.by_priority), list(ms.by_priority.values()), PRIORITY_COLUMNS, targets)
    lines += ["", *_breakdown("By category", ms.by_category, "Category", targets)]

    dq = ms.data_quality
    lines += ["", "Data quality (whole input)"]
    lines += _pairs([(label, units.fmt_int(getattr(dq, key))) for key, label in QUALITY_LABELS if hasattr(dq, key)])
    issues = dq.issues
    for issue in issues[:10]:
        row = "" if issue.row is None else f"row {issue.row}: "
        lines.append(f"  - {row}{issue.field}: {issue.problem}")
    if len(issues) > 10:
        lines.append(f"  and {len(issues) - 10} more issues (see --format json)")
    lines += ["", "Times: MTTA in minutes, durations in hours; – = none in the period or not in this export."]
    return "\n".join(lines) + "\n"


#: Extra columns of `--by service` (the service-only figures).
SERVICE_COLUMNS = (("mtbf_hours", "MTBF"),)
TREND_COLUMNS = (("opened", "Opened"), ("resolved", "Resolved"), ("backlog_end", "Backlog"),
                 ("mttr_hours", "MTTR"), ("resolution_sla_pct", "Res. SLA"))


def format_by_table(metric_set: model.MetricSet, by: str) -> str:
    """`metrics --by X` as a terminal table: the totals, then every group of the breakdown
    (`by` a dimension: largest first, as the JSON orders them), the 13-month trend (`trend`) or
    the totals alone (`totals`); `priority` is `format_table`."""
    if by == "priority":
        return format_table(metric_set)
    if by not in CSV_VIEWS or by == "breaches":
        raise UsageError(f"--by {by}: choose one of {', '.join(v for v in CSV_VIEWS if v != 'breaches')}.")
    ms = metric_set
    p = ms.period
    targets = ms.targets
    lines = [f"Incident metrics: {p.label} ({p.first_day:%Y-%m-%d} to {p.last_day:%Y-%m-%d}, {p.timezone})",
             "", "Totals"]
    lines += _pairs([(BY_KEY[k].label, _plain(units.fmt_figure(k, getattr(ms.totals, k), targets=targets)))
                     for k in keys("totals")])
    if by == "trend":
        lines += ["", "Trend (13 months)"]
        months = list(ms.trend)
        cols = [[_plain(v) for v in units.fmt_figure_column(k, [getattr(t, k) for t in months], targets=targets)]
                for k, _ in TREND_COLUMNS]
        rows = [[t.month, *(col[i] for col in cols)] for i, t in enumerate(months)]
        lines += ["  " + s for s in _grid(["Month", *(h for _, h in TREND_COLUMNS)], rows)]
    elif by != "totals":
        title = by.replace("_", " ")
        groups = ms.breakdown(by)
        lines += ["", f"By {title}"]
        if not groups:
            lines.append("  (none in this period, or not in this export)")
        else:
            columns = GROUP_COLUMNS + (SERVICE_COLUMNS if by == "service" else ())
            # Group names come from the export: control characters are shown escaped, not obeyed.
            lines += _table(title.capitalize(), [printable(name) for name in groups], list(groups.values()),
                            columns, targets)
    lines += ["", "Times: durations in hours; – = none in the period or not in this export."]
    return "\n".join(lines) + "\n"


def format_breaches_table(metric_set: model.MetricSet) -> str:
    """`metrics --by breaches` as a terminal table: the first MAX_ROWS breaches (most time over
    target first), with every time in hours on the SLA clock."""
    ms = metric_set
    p = ms.period
    found = ms.breaches
    lines = [f"SLA breaches: {p.label} ({p.first_day:%Y-%m-%d} to {p.last_day:%Y-%m-%d}, {p.timezone})", ""]
    if not found:
        why = ("The export has no data for this period." if not ms.covered else
               "No incident missed its resolution or response target in this period.")
        return "\n".join(lines + [why]) + "\n"
    n_res = sum(1 for b in found if b.kind == "resolution")
    lines.append(f"{units.fmt_int(n_res)} missed the resolution target, "
                 f"{units.fmt_int(len(found) - n_res)} the response target.")
    shown = found[:MAX_ROWS]
    hours = {k: [_plain(v) for v in units.fmt_column([getattr(b, k) for b in shown], "hours")]
             for k in ("target_hours", "sla_hours", "over_hours")}

    def text(v: str | None, width: int) -> str:  # from the export: escapes, not control codes
        v = printable(" ".join((v or DASH).split()))
        return v if len(v) <= width else v[: width - 1] + "\u2026"

    rows = [[text(b.incident_id, 20), b.priority, b.kind, hours["target_hours"][i], hours["sla_hours"][i],
             hours["over_hours"][i], text(b.assignment_group, 24), text(b.title, 40)]
            for i, b in enumerate(shown)]
    header = ["Incident", "Priority", "Kind", "Target", "Clock", "Over by", "Group", "Title"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    numeric = (3, 4, 5)  # the hours right-aligned, the words left-aligned

    def line(cells: list[str]) -> str:
        return "  " + "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                                for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    lines += ["", line(header), "  " + "  ".join("-" * w for w in widths), *(line(r) for r in rows)]
    if len(found) > MAX_ROWS:
        lines.append(f"  and {len(found) - MAX_ROWS} more (see --format csv --by breaches)")
    lines += ["", "Clock: hours on the priority's SLA calendar, minus paused time."]
    return "\n".join(lines) + "\n"


# ---- metrics: tidy CSV ---------------------------------------------------------------------

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
        return repr(v)  # every digit, as in the JSON
    return str(v)


def format_csv(metric_set: model.MetricSet, by: str = "priority") -> str:
    """Tidy CSV of one view: one row per group (or month), one column per figure (registry
    keys, in JSON order), every field quoted; period_start and period_end first so several
    months can be stacked. Nulls are empty cells; numbers keep every digit."""
    if by not in CSV_VIEWS and by not in metric_set.by_extra:
        raise UsageError(f"--by {by}: choose one of {', '.join((*CSV_VIEWS, *metric_set.by_extra))}.")
    ms = metric_set
    head = ["period_start", "period_end"]
    period = [ms.period.start.isoformat(), ms.period.end.isoformat()]
    total_keys = keys("totals")  # the SPEC §4 figures, then the extensions (contacts affected ...)
    rows: list[list[str]]
    if by == "totals":
        header = head + list(total_keys)
        rows = [period + [_cell(getattr(ms.totals, k)) for k in total_keys]]
    elif by == "priority":
        header = head + ["priority", *total_keys]
        rows = [period + [p] + [_cell(getattr(g, k)) for k in total_keys] for p, g in ms.by_priority.items()]
    elif by == "trend":
        from .metrics.model import TREND_ORDER

        header = head + ["month", *TREND_ORDER]
        rows = [period + [t.month] + [_cell(getattr(t, k)) for k in TREND_ORDER] for t in ms.trend]
    elif by == "breaches":
        header = head + list(breach_columns())
        rows = [period + [_text(v) if k in BREACH_TEXT and v is not None else _cell(v)
                          for k, v in vars(b).items()] for b in ms.breaches]
    else:
        groups = ms.breakdown(by)
        names = keys("groups") + (keys("service") if by == "service" else ())
        header = head + [by, *names]
        rows = [period + [_text(name)] + [_cell(getattr(g, k)) for k in names] for name, g in groups.items()]
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()
