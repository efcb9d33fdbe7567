"""The metrics engine: SPEC §4 figures over the canonical incident frame → the typed MetricSet.

Owns `compute()`: which figures go into which section (totals, by priority, the breakdowns,
the trend, the previous period) by running the registry (definitions.py) over the period sets
(prepared.py), and the assembly of the lists (lists.py, problems.py), the contact-centre section
(contacts.py), data quality and the echoed config. The rules that apply throughout:

- Period P = [start, end) in the configured timezone; an incident belongs to P by the instant
  of the relevant timestamp (opened_at for `opened`, resolved_at for `resolved`).
- Cancelled incidents (status Cancelled) are counted in `cancelled` (opened in P) and left out
  of every other figure, breakdown, trend, list and backlog.
- ttr = resolved_at − opened_at in calendar hours. A negative ttr is invalid: the incident still
  counts in `resolved`, but it is left out of every duration statistic and of the resolution
  SLA (ingest counts it in data quality). The same goes for a negative time to acknowledge and
  the response statistics.
- A statistic over an empty set is None (JSON null), never 0; so is any figure whose source
  field the input does not have at all (`IngestResult.fields`). Counts of incidents are ints
  and may be 0 — except where the count itself needs an absent field (no `resolved_at` → no
  `resolved`, `backlog_end`; no `status` → no `cancelled`; no `major` → no `major`).
- Percentiles use linear interpolation (numpy's default); nothing is rounded.

Implementation: the frame is turned once into numpy arrays (timestamps as int64 UTC
nanoseconds, grouping keys as integer category codes); a period's sets (opened, resolved,
cancelled, backlog) are row-position arrays found once, and each figure is a `numpy.bincount`
of the group codes of a set, so a million incidents take a fraction of a second. Loops only
run over groups (priorities, months, weeks) or over the few records of a list (major
incidents, problem candidates), never over incidents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Config
from ..ingest.result import IngestResult
from ..period import Period, month_starts, previous_period
from ..schema import DIMENSIONS, FIELDS, PRIORITIES
from .breaches import breaches, sla_agreement
from .contacts import contacts_section
from .coverage import Coverage, export_coverage
from .definitions import BY_KEY, Figures, keys
from .kernels import PRIORITY_LABELS, _count, small_int
from .lists import ageing, major_incidents, major_rows, mtbf_hours, weekly
from .model import Ageing, Baseline, MetricSet, Previous, Quality, QualityIssue, SlaTarget, TrendMonth, Week
from .prepared import (_Data, _prepare, _priority_keys, _sets, _Sets, backlog_mask, baseline_start, figures,
                       trend_last_month, window)
from .problems import known_problems, problem_candidates


def totals(d: _Data, p: Period) -> Figures:
    """The SPEC §4 `totals` object for period p."""
    return figures(d, _sets(d, p), d.zeros, 1, keys("totals"))[0]


def by_priority(d: _Data, p: Period) -> dict[str, Figures]:
    """`by_priority`: the totals figures per priority."""
    rows = figures(d, _sets(d, p), d.prio, len(PRIORITY_LABELS), keys("totals"))
    wanted = _priority_keys(d)
    return {label: rows[i] for i, label in enumerate(PRIORITY_LABELS) if label in wanted}


def _ordered(rows: list[Figures], labels: list[str], keep: np.ndarray) -> dict[str, Figures]:
    """Groups with an incident opened or resolved in P, largest `opened` first, then largest
    `resolved`, then by name."""
    order = sorted(
        (i for i in range(len(labels)) if keep[i]),
        key=lambda i: (-rows[i].opened, -(rows[i].resolved or 0), labels[i]),
    )
    return {labels[i]: rows[i] for i in order}


def by_dimension(d: _Data, p: Period, name: str) -> dict[str, Figures]:
    """A breakdown (the registry's "groups" figures) by a grouping field.

    Lists every value with an incident opened or resolved in P. Missing values are grouped as
    "Uncategorised" (category) or "Not recorded" (the others). A field the input does not
    have at all gives {} — except category, where SPEC §3.1 makes every incident
    Uncategorised. by_service adds mtbf_hours.
    """
    if name != "category" and not d.has(name) and (name in DIMENSIONS or name not in d.dims):
        return {}
    codes, labels = d.dims[name]
    k = len(labels)
    s = _sets(d, p)
    rows = figures(d, s, codes, k, keys("groups"))
    keep = (_count(codes, k, s.opened) + _count(codes, k, s.resolved)) > 0
    out = _ordered(rows, labels, keep)
    if name == "service":
        mtbf = mtbf_hours(d, p)
        for label, row in out.items():
            row.mtbf_hours = mtbf.get(label)
    return out


def trend(d: _Data, p: Period, months: int = 12) -> list[TrendMonth]:
    """`trend`: for each of the 12 calendar months ending with P's month (trend_last_month),
    the registry's trend figures: the flows (opened, resolved, mttr_hours, resolution_sla_pct)
    over that whole month, and backlog_end at the month's end. Months are local calendar
    months even when P is a custom range. The month is the group code of the same figure
    functions the totals use."""
    edges_ts = month_starts(trend_last_month(p), months, p.timezone)
    edges = np.array([t.value for t in edges_ts], dtype=np.int64)

    def month_of(ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(each row's month as a small int code, the rows not cancelled in the months): a
        code is only read at the rows of its set, so only those are looked up."""
        rows = np.flatnonzero(d.live & (ts >= edges[0]) & (ts < edges[-1]))
        idx = np.zeros(d.n, dtype=small_int(months))
        idx[rows] = np.searchsorted(edges, ts[rows], side="right") - 1
        return idx, rows

    opened_month, opened_rows = month_of(d.opened)
    resolved_month, resolved_rows = month_of(d.resolved)
    none = np.empty(0, dtype=np.int64)
    flows = tuple(k for k in keys("trend") if BY_KEY[k].population != "backlog")
    stocks = tuple(k for k in keys("trend") if BY_KEY[k].population == "backlog")
    sets = _Sets(opened=opened_rows, resolved=resolved_rows, cancelled=none, backlog=none)
    rows = figures(d, sets, {"opened": opened_month, "resolved": resolved_month}, months, flows)
    out = []
    for i in range(months):  # twelve months
        month = TrendMonth(month=f"{edges_ts[i]:%Y-%m}", **{k: getattr(rows[i], k) for k in flows})
        if stocks:  # the backlog at the month's end: a set of its own, not a partition
            at = _Sets(opened=none, resolved=none, cancelled=none,
                       backlog=np.flatnonzero(backlog_mask(d, int(edges[i + 1]))))
            f = figures(d, at, d.zeros, 1, stocks)[0]
            for k in stocks:
                setattr(month, k, getattr(f, k))
        out.append(month)
    return out


def _sla_echo(config: Config) -> dict[str, SlaTarget]:
    return {
        p: SlaTarget(respond_hours=t.respond, resolve_hours=t.resolve, calendar=t.calendar)
        for p in PRIORITIES
        if (t := config.sla.get(p)) is not None
    }


def _quality(ingest: IngestResult) -> Quality:
    """The SPEC §4 data_quality of the whole input, as ingest counted it."""
    q = ingest.quality.to_dict()
    issues = [QualityIssue(row=i.get("row"), field=i["field"], problem=i["problem"], file=i.get("file"))
              for i in q.pop("issues")]
    return Quality(**q, issues=issues)


def _median(values: np.ndarray) -> float | None:
    values = values[~np.isnan(values)]
    return float(np.median(values)) if len(values) else None


def baseline(d: _Data, p: Period, cov: Coverage, months: list[TrendMonth]) -> Baseline | None:
    """The covered part of the 12 months before P, pooled (model.Baseline). None when the
    export has no record before P's start."""
    if cov.first_record is None or cov.last_record is None:
        return None
    first = pd.Timestamp(cov.first_record).tz_convert(p.timezone)
    start = max(baseline_start(p), first)
    if start >= p.start:
        return None
    span = Period(start=start, end=p.start, timezone=p.timezone, label="baseline")
    day = pd.Timedelta(days=1)
    last = pd.Timestamp(cov.last_record).tz_convert(p.timezone)
    covered_to = min(p.end, (last + day).normalize()) if last < p.end else p.end
    period_days = max(0.0, (covered_to - max(p.start, first)) / day)
    touched = len(pd.period_range(start.tz_localize(None), (p.start - pd.Timedelta(1)).tz_localize(None), freq="M"))
    before = [t.backlog_end for t in months if t.covered and t.month < f"{p.first_day:%Y-%m}"
              and t.backlog_end is not None]
    rows = major_rows(d, span)
    out = Baseline(
        start=start.isoformat(), end=p.start.isoformat(), days=(p.start - start) / day, months=touched,
        period_days=period_days, totals=totals(d, span), by_priority=by_priority(d, span),
        **{f"by_{dim}": by_dimension(d, span, dim) for dim in DIMENSIONS},
        backlog_mean=float(np.mean(before)) if before else None,
        majors=int(len(rows)),
        major_customers_median=_median(d.customers[rows]) if d.has("customers_affected") else None,
        major_contacts_median=_median(d.contacts[rows]) if d.has("contacts_affected") else None,
        major_duration_median=_median(d.ttr[rows]) if d.has("resolved_at") else None,
    )
    return out


def _uncovered(ms: MetricSet) -> MetricSet:
    """P wholly outside the export's coverage: every figure None (counts too), no groups, no
    lists. The priorities stay listed so a table still has its rows ("–")."""
    ms.totals = Figures()
    ms.by_priority = {k: Figures() for k in ms.by_priority}
    for dim in DIMENSIONS:
        setattr(ms, f"by_{dim}", {})
    ms.by_extra = {name: {} for name in ms.by_extra}
    ms.weekly = [Week(w.week_start, None, None) for w in ms.weekly]
    if ms.ageing is not None:
        ms.ageing = Ageing(ms.ageing.buckets, {}, {b: None for b in ms.ageing.buckets})
    ms.major_incidents, ms.problem_candidates, ms.known_problems = [], [], []
    ms.baseline = None
    ms.breaches, ms.sla_agreement = [], None
    return ms


def compute(
    ingest: IngestResult,
    config: Config,
    period: Period,
    contacts: pd.DataFrame | None = None,
    coverage: Coverage | None = None,
    extended: bool = True,
) -> MetricSet:
    """Every figure for `period` (and the core figures for the period before it).

    `extended` False leaves out what only `--full` output and the documents read (the breach
    list, the baseline, the previous period's other breakdowns, problem candidates): the
    SPEC §4 object and the terminal table are the same without them, and faster.

    `contacts` is a frame from contacts.load_contacts (None: the `contacts` section is null).
    `coverage` is the whole export's (coverage.py); None: computed from `ingest` (a
    `--split-by` group passes the export's, so a group's quiet months are zeros, not gaps).
    A period or trend month wholly outside coverage has every figure None.
    """
    whole = getattr(ingest, "unscoped", None)  # --where: the export's records decide its coverage
    cov = coverage if coverage is not None else export_coverage(
        ingest.incidents if whole is None else whole, config.timezone)
    d = _prepare(ingest, config, window(period))
    prev = previous_period(period)
    prev_covered = cov.covers_period(prev)
    majors = major_incidents(d, period, config.report.review_working_days)
    months = trend(d, period)
    for month in months:
        if not cov.covers_month(month.month):
            for k in keys("trend"):
                setattr(month, k, None)
            month.covered = False
    ms = MetricSet(
        period=period,
        totals=totals(d, period),
        by_priority=by_priority(d, period),
        by_category=by_dimension(d, period, "category"),  # in the SPEC §4 core, before the trend
        trend=months,
        data_quality=_quality(ingest),
        fields=[f for f in FIELDS if f in d.fields],
        targets=config.targets.model_dump(),
        sla=_sla_echo(config),
        previous=Previous(
            period=prev,
            totals=totals(d, prev) if prev_covered else Figures(),
            by_priority={k: (v if prev_covered else Figures()) for k, v in by_priority(d, prev).items()},
            by_category=by_dimension(d, prev, "category") if prev_covered else {},
            covered=prev_covered,
            **{f"by_{dim}": by_dimension(d, prev, dim) if prev_covered and extended else {}
               for dim in DIMENSIONS if dim != "category"},
        ),
        **{f"by_{dim}": by_dimension(d, period, dim) for dim in DIMENSIONS if dim != "category"},
        by_extra={name: by_dimension(d, period, name) for name in getattr(ingest, "extras", ())},
        weekly=weekly(d, period),
        ageing=ageing(d, period),
        major_incidents=majors,
        problem_candidates=problem_candidates(d, period, config.problems) if extended else [],
        known_problems=known_problems(d, period) if extended else [],
        problem_rules=config.problems.model_dump(exclude={"in_body"}),
        breaches=breaches(d, period) if extended else [],
        sla_agreement=sla_agreement(d, period) if extended else None,
        contacts=None if contacts is None else contacts_section(contacts, majors, period, config),
        coverage=cov,
        baseline=baseline(d, period, cov, months) if extended else None,
    )
    return ms if ms.covered else _uncovered(ms)
