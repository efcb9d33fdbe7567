"""The lists and per-record sections of a metric set: weekly volume, backlog ageing, major
incidents and the per-service MTBF (problem candidates are problems.py's).

Owns which incidents each list holds and in what order (`major_rows` decides the major
incidents of a period for the metrics, the monthly report and `pir --all-major`). Counts reuse
the figure functions of definitions.py (the weeks are the group codes), so a week's `opened`
is the same definition as the month's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Config
from ..ingest.result import IngestResult
from ..period import Period
from .kernels import NS_PER_HOUR, PRIORITY_LABELS, _where, small_int
from .model import AGE_BUCKETS, Ageing, MajorIncident, Week
from .prepared import _Data, _prepare, _priority_keys, _sets, figures

#: Lower bounds (hours) of the ageing buckets after the first; each bucket includes its lower
#: bound: an incident exactly 24 h old is in 1-3d.
AGE_EDGES_HOURS = (24.0, 72.0, 168.0, 720.0)


def mtbf_hours(d: _Data, p: Period) -> dict[str, float | None]:
    """mtbf_hours per service: (hours in P − outage hours of its P1/P2 incidents) ÷ their count.

    "Its P1/P2 incidents" are the service's P1 and P2 incidents opened in P (not cancelled).
    Each one's outage is [opened_at, resolved_at) clipped to P — an unresolved incident runs to
    the end of P, one with a negative duration has none — and the outages are summed, as SPEC
    §4 says ("summed outage hours"), even where two overlap: overlapping P1/P2 outages of one
    service can make the figure small or negative, which is itself a signal worth showing.
    Hours in P are real elapsed hours (a month with a clock change has 743 or 745). A service
    with no P1/P2 incident in P has no failures to divide by: null.
    """
    codes, labels = d.dims["service"]
    rows = _where(_sets(d, p).opened, d.prio <= 1)
    count = np.bincount(codes[rows], minlength=len(labels))
    lo = d.opened[rows]
    hi = np.minimum(d.resolved[rows], p.end_ns)
    ok = hi > lo
    outage = np.bincount(codes[rows][ok], weights=(hi[ok] - lo[ok]) / NS_PER_HOUR, minlength=len(labels))
    return {
        labels[i]: (p.hours - float(outage[i])) / int(count[i]) if count[i] else None
        for i in range(len(labels))
    }



def weekly(d: _Data, p: Period) -> list[Week]:
    """`weekly`: Monday-started local weeks overlapping P; opened and resolved counts clipped to
    P (an incident opened before P's first day is not counted even if its week started before
    P). `week_start` is the Monday's date, which may be before P's first day."""
    first_monday = p.first_day - pd.Timedelta(days=p.first_day.weekday())
    starts: list[pd.Timestamp] = []
    day = pd.Timestamp(first_monday)
    while day.date() <= p.last_day:  # one step per week
        starts.append(day)
        day = day + pd.Timedelta(days=7)
    edges = [p.start_ns] + [
        t.tz_localize(p.timezone, nonexistent="shift_forward", ambiguous=True).value for t in starts[1:]
    ] + [p.end_ns]
    edges_a = np.array(edges, dtype=np.int64)
    k = len(starts)
    sets = _sets(d, p)
    # The week of each row of P's opened and resolved sets is its group code.
    week_opened = np.zeros(d.n, dtype=small_int(k))
    week_opened[sets.opened] = np.searchsorted(edges_a, d.opened[sets.opened], side="right") - 1
    week_resolved = np.zeros(d.n, dtype=small_int(k))
    week_resolved[sets.resolved] = np.searchsorted(edges_a, d.resolved[sets.resolved], side="right") - 1
    weeks = figures(d, sets, {"opened": week_opened, "resolved": week_resolved}, k, ("opened", "resolved"))
    return [Week(week_start=f"{starts[i]:%Y-%m-%d}", opened=f.opened, resolved=f.resolved)
            for i, f in enumerate(weeks)]


def ageing(d: _Data, p: Period) -> Ageing:
    """`ageing`: the backlog_end incidents (including those opened in P) by age at P's end,
    end − opened_at in calendar hours, in buckets 0-1d, 1-3d, 3-7d, 7-30d, >30d (each bucket
    includes its lower bound: exactly 1 day old is 1-3d), by priority and in total. Without
    resolved_at in the input every figure is null. For a period that has not ended yet
    (--month current) the ages are still measured at the period's end."""
    keys = _priority_keys(d)
    if not d.has("resolved_at"):
        empty = {b: None for b in AGE_BUCKETS}
        return Ageing(buckets=list(AGE_BUCKETS), by_priority={k: dict(empty) for k in keys}, total=dict(empty))
    m = _sets(d, p).backlog
    age = (p.end_ns - d.opened[m]) / NS_PER_HOUR
    bucket = np.searchsorted(np.array(AGE_EDGES_HOURS), age, side="right")
    nb = len(AGE_BUCKETS)
    grid = np.bincount(d.prio[m] * nb + bucket, minlength=len(PRIORITY_LABELS) * nb).reshape(-1, nb)
    by_p = {
        label: {b: int(grid[i, j]) for j, b in enumerate(AGE_BUCKETS)}
        for i, label in enumerate(PRIORITY_LABELS)
        if label in keys
    }
    total = grid.sum(axis=0)
    return Ageing(buckets=list(AGE_BUCKETS), by_priority=by_p,
                  total={b: int(total[j]) for j, b in enumerate(AGE_BUCKETS)})


def _iso(ts: pd.Series, tz: str) -> list[str | None]:
    local = ts.dt.tz_convert(tz)
    return [None if pd.isna(t) else t.isoformat() for t in local]


def _text_col(d: _Data, name: str, rows: np.ndarray) -> list[str | None]:
    """A text column's values for the given rows (None when missing or not in the input)."""
    if not d.has(name):
        return [None] * len(rows)
    col = d.frame(name, rows)
    return [None if pd.isna(v) else str(v) for v in col.tolist()]


def _int_col(d: _Data, name: str, rows: np.ndarray) -> list[int | None]:
    """An integer column's values for the given rows (None when missing or not in the input)."""
    if not d.has(name):
        return [None] * len(rows)
    col = d.frame(name, rows)
    return [None if pd.isna(v) else int(v) for v in col.tolist()]


def major_rows(d: _Data, p: Period) -> np.ndarray:
    """The major incidents of P: opened in P (so not cancelled) with major = true, in order of
    opened_at (row positions; none without a major flag in the input)."""
    if not d.has("major"):
        return np.empty(0, dtype=np.int64)
    rows = _where(_sets(d, p).opened, d.major)
    return rows[np.argsort(d.opened[rows], kind="stable")]


def major_incident_ids(ingest: IngestResult, config: Config, period: Period) -> list[str]:
    """IDs of the major incidents of `period` (the `major` figure's set), by opened_at."""
    if "major" not in ingest.fields:
        return []
    d = _prepare(ingest, config, (period.start_ns, period.end_ns))
    rows = major_rows(d, period)
    return d.frame("incident_id", rows).astype("str").tolist()


def review_due_dates(resolved: pd.Series, tz: str, working_days: int) -> list[str | None]:
    """The date a review is due: the local resolution date plus `working_days` working days
    (Monday to Friday; a weekend resolution counts from the Monday). Also the PIR register's
    (ccreport.pir.register) for reviews of incidents from earlier periods."""
    local = resolved.dt.tz_convert(tz)
    out: list[str | None] = [None] * len(local)
    done = local.notna().to_numpy()
    if done.any():
        days = local[done].dt.date.to_numpy().astype("datetime64[D]")
        due = np.busday_offset(days, working_days, roll="forward")
        for i, v in zip(np.flatnonzero(done), due.astype(str)):  # a handful: majors, reviews on file
            out[i] = str(v)
    return out


def major_incidents(d: _Data, p: Period, review_working_days: int = 5) -> list[MajorIncident]:
    """`major_incidents`: major_rows as records.

    duration_hours is the ttr (null while open or when negative); times are ISO 8601 in the
    configured timezone; resolution_sla_met is true/false/null as in incident_sla."""
    rows = major_rows(d, p)
    if len(rows) == 0:
        return []
    ttr = d.ttr[rows]
    prio = [PRIORITY_LABELS[c] for c in d.prio[rows]]
    text = {name: _text_col(d, name, rows) for name in ("title", "service", "site", "status", "problem_id")}
    numbers = {name: _int_col(d, name, rows) for name in ("customers_affected", "contacts_affected")}
    cat_codes, cat_labels = d.dims["category"]
    opened_iso = _iso(d.frame("opened_at", rows), d.tz)
    resolved_iso = _iso(d.frame("resolved_at", rows), d.tz)
    due = (review_due_dates(d.frame("resolved_at", rows), d.tz, review_working_days)
           if d.has("resolved_at") else [None] * len(rows))
    ids = d.frame("incident_id", rows).tolist()
    out = []
    for j in range(len(rows)):  # the month's major incidents (a handful), to build records
        out.append(
            MajorIncident(
                incident_id=str(ids[j]),
                title=text["title"][j],
                priority=prio[j],
                category=cat_labels[cat_codes[rows[j]]],
                service=text["service"][j],
                site=text["site"][j],
                status=text["status"][j],
                opened_at=opened_iso[j],
                resolved_at=resolved_iso[j],
                duration_hours=None if np.isnan(ttr[j]) else float(ttr[j]),
                customers_affected=numbers["customers_affected"][j],
                contacts_affected=numbers["contacts_affected"][j],
                resolution_sla_met=bool(d.res_met[rows[j]]) if d.res_has[rows[j]] else None,
                problem_id=text["problem_id"][j],
                review_due=due[j],
            )
        )
    return out
