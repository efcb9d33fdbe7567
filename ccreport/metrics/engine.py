"""The metrics engine: SPEC §4 definitions over the canonical incident frame → MetricSet.

Every number a document shows is computed here, once. The rules that apply throughout:

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

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from .. import calendars
from ..config import Config
from ..ingest.result import IngestResult
from ..period import Period, month_starts, previous_period
from ..schema import FIELDS, PRIORITIES, UNCATEGORISED, UNKNOWN_PRIORITY

FORMAT_VERSION = 1
NS_PER_HOUR = 3_600_000_000_000
_BIG = np.iinfo(np.int64).max  # stands for a missing timestamp ("never")
_NAT = np.iinfo(np.int64).min

TOTAL_KEYS = (
    "opened", "resolved", "cancelled", "backlog_end", "major",
    "mtta_hours", "mttr_hours", "median_ttr_hours", "p90_ttr_hours",
    "resolution_sla_pct", "response_sla_pct", "reopen_rate_pct", "escalation_rate_pct",
    "customers_affected", "csat_mean",
)
GROUP_KEYS = ("opened", "resolved", "mttr_hours", "resolution_sla_pct")
TREND_KEYS = ("opened", "resolved", "mttr_hours", "resolution_sla_pct", "backlog_end")
AGE_BUCKETS = ("0-1d", "1-3d", "3-7d", "7-30d", ">30d")
#: Lower bounds (hours) of the ageing buckets after the first; each bucket includes its lower
#: bound: an incident exactly 24 h old is in 1-3d.
AGE_EDGES_HOURS = (24.0, 72.0, 168.0, 720.0)
PRIORITY_LABELS = (*PRIORITIES, UNKNOWN_PRIORITY)
#: Label for a missing service, site, channel or assignment group.
NOT_RECORDED = "Not recorded"
REPEAT_WINDOW_HOURS = 7 * 24.0
REASON_COUNT = "3 or more in the period"
REASON_REPEAT = "repeat within 7 days"


# --------------------------------------------------------------------------------------------
# Per-incident SLA


def _picker(subset: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    """Indexes full-length arrays by `subset` (all of them when None)."""
    return (lambda a: a) if subset is None else (lambda a: a[subset])


def _ns(values: pd.Series) -> np.ndarray:
    """A tz-aware datetime Series as int64 UTC nanoseconds (NaT → int64 minimum)."""
    return calendars._utc_ns(values)


def _priority_codes(priority: pd.Series) -> np.ndarray:
    """0..4 for P1..P5, 5 for Unknown, missing or anything else."""
    cat = priority if isinstance(priority.dtype, pd.CategoricalDtype) else priority.astype("category")
    # Map the column's own categories onto P1..P5/Unknown, then look the codes up.
    lookup = np.array(
        [PRIORITY_LABELS.index(str(c)) if str(c) in PRIORITY_LABELS else len(PRIORITIES)
         for c in cat.cat.categories] + [len(PRIORITIES)],
        dtype=np.int64,
    )
    return lookup[cat.cat.codes.to_numpy()]  # code −1 (missing) picks the last entry


def _is_cancelled(status: pd.Series) -> np.ndarray:
    cat = status if isinstance(status.dtype, pd.CategoricalDtype) else status.astype("category")
    flags = np.array([str(c) == "Cancelled" for c in cat.cat.categories] + [False], dtype=bool)
    return flags[cat.cat.codes.to_numpy()]


def _hours(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(b − a) in hours; NaN where either is missing."""
    out = (b - a) / NS_PER_HOUR
    out[(a == _NAT) | (b == _NAT)] = np.nan
    return out


def _pause_owner(incidents: pd.DataFrame, pauses: pd.DataFrame) -> np.ndarray:
    """Position in `incidents` of each pause's incident (−1 when unknown)."""
    if pauses.empty:
        return np.empty(0, dtype=np.int64)
    ids = pd.Index(incidents["incident_id"].astype("str"))
    wanted = pauses["incident_id"].astype("str")
    if not ids.is_unique:  # ingest guarantees unique ids; use the last row of each if not
        keep = ~ids.duplicated(keep="last")
        positions = np.flatnonzero(keep)
        found = pd.Index(ids[keep]).get_indexer(wanted)
        return np.where(found >= 0, positions[np.maximum(found, 0)], -1).astype(np.int64)
    return ids.get_indexer(wanted).astype(np.int64)


@dataclass
class _Sla:
    prio: np.ndarray
    cancelled: np.ndarray
    calendar: np.ndarray  # index into names
    names: list[str]
    ttr: np.ndarray
    tta: np.ndarray
    pause_res: np.ndarray
    pause_resp: np.ndarray
    resolve_clock: np.ndarray
    respond_clock: np.ndarray
    resolve_target: np.ndarray
    respond_target: np.ndarray
    res_has: np.ndarray  # a resolution result exists
    res_met: np.ndarray
    resp_has: np.ndarray
    resp_met: np.ndarray


def _sla(ingest: IngestResult, config: Config, opened: np.ndarray, resolved: np.ndarray,
         subset: np.ndarray | None = None) -> _Sla:
    """SLA timings of ingest.incidents, or of the rows at positions `subset` (`opened` and
    `resolved` are already those rows')."""
    inc = ingest.incidents
    pick = _picker(subset)
    n = len(opened)
    tz = config.timezone
    has_ack = "acknowledged_at" in ingest.fields
    ack = pick(_ns(inc["acknowledged_at"])) if has_ack else np.full(n, _NAT, dtype=np.int64)
    prio = pick(_priority_codes(inc["priority"]))
    cancelled = pick(_is_cancelled(inc["status"]))

    resolve_target = np.full(len(PRIORITY_LABELS), np.nan)
    respond_target = np.full(len(PRIORITY_LABELS), np.nan)
    names = [calendars.TWENTY_FOUR_SEVEN]
    cal_of_prio = np.zeros(len(PRIORITY_LABELS), dtype=np.int64)
    for i, p in enumerate(PRIORITIES):
        target = config.sla.get(p)
        if target is not None:
            resolve_target[i] = np.nan if target.resolve is None else target.resolve
            respond_target[i] = np.nan if target.respond is None else target.respond
            if target.calendar not in names:
                names.append(target.calendar)
            cal_of_prio[i] = names.index(target.calendar)
    cal_idx = cal_of_prio[prio]

    ttr = _hours(opened, resolved)
    tta = _hours(opened, ack)
    resolve_clock = np.full(n, np.nan)
    respond_clock = np.full(n, np.nan)
    pause_res = np.full(n, np.nan)
    pause_resp = np.full(n, np.nan)
    if ingest.pauses_known:
        owner_all = _pause_owner(inc, ingest.pauses)
        if subset is not None:  # positions in the frame → positions among the subset's rows
            among = np.full(len(inc) + 1, -1, dtype=np.int64)
            among[subset] = np.arange(len(subset))
            owner_all = among[owner_all]  # an unknown owner (−1) reads the last entry, −1
        p_start = _ns(ingest.pauses["start"])
        p_end = _ns(ingest.pauses["end"])

    for j, name in enumerate(names):  # one pass per SLA calendar (a handful)
        rows = np.flatnonzero(cal_idx == j)
        if len(rows) == 0:
            continue
        cal = None if name == calendars.TWENTY_FOUR_SEVEN else config.calendars[name]
        o, r, a = opened[rows], resolved[rows], ack[rows]
        po, pr_, pa_ = calendars.clock_positions(cal, tz, o, r, a)
        res_clock = calendars.hours_from_positions(po, pr_, o, r)
        resp_clock = calendars.hours_from_positions(po, pa_, o, a)
        if ingest.pauses_known:
            where = np.full(n, -1, dtype=np.int64)
            where[rows] = np.arange(len(rows))
            sub_owner = np.where(owner_all >= 0, where[np.maximum(owner_all, 0)], -1)
            pr = calendars.pause_hours_between(o, r, sub_owner, p_start, p_end, cal, tz)
            pa = calendars.pause_hours_between(o, a, sub_owner, p_start, p_end, cal, tz)
            pause_res[rows] = pr
            pause_resp[rows] = pa
            res_clock = res_clock - np.nan_to_num(pr)
            resp_clock = resp_clock - np.nan_to_num(pa)
        resolve_clock[rows] = res_clock
        respond_clock[rows] = resp_clock

    res_target = resolve_target[prio]
    resp_target = respond_target[prio]
    res_has = ~cancelled & (ttr >= 0) & ~np.isnan(res_target)  # NaN ttr compares False
    resp_has = ~cancelled & (tta >= 0) & ~np.isnan(resp_target)
    return _Sla(
        prio=prio, cancelled=cancelled, calendar=cal_idx, names=names, ttr=ttr, tta=tta,
        pause_res=pause_res, pause_resp=pause_resp, resolve_clock=resolve_clock,
        respond_clock=respond_clock, resolve_target=res_target, respond_target=resp_target,
        res_has=res_has, res_met=res_has & (resolve_clock <= res_target),
        resp_has=resp_has, resp_met=resp_has & (respond_clock <= resp_target),
    )


def _met(has: np.ndarray, met: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(met.copy(), ~has)


def incident_sla(ingest: IngestResult, config: Config) -> pd.DataFrame:
    """Per-incident timings and SLA results, indexed like `ingest.incidents`.

    Columns (float hours, NaN where not applicable):
    - incident_id; priority (P1..P5/Unknown); calendar: the SLA calendar of the priority
      ("24x7" when the priority has no SLA entry).
    - ttr_hours, tta_hours: resolved_at − opened_at and acknowledged_at − opened_at, calendar
      hours (negative values kept here; the aggregate figures leave them out).
    - pause_hours / response_pause_hours: clock time in pause states inside [opened_at,
      resolved_at] / [opened_at, acknowledged_at] on that calendar (for an incident not yet
      resolved / acknowledged, the closed pauses recorded so far); overlapping pauses count
      once; NaN when pauses are not known for this input (`ingest.pauses_known` False — then
      nothing is subtracted).
    - resolve_clock_hours / respond_clock_hours: the SLA clock — the window's time on the
      calendar minus its pause time.
    - resolve_target_hours / respond_target_hours: the priority's targets (NaN if none).
    - resolution_sla_met / response_sla_met (boolean, NA when not applicable): clock ≤ target;
      NA when the priority has no target, the incident is not resolved / acknowledged (or the
      input has no acknowledgement times), the duration is negative, or it was cancelled.
      An open incident has no result yet, even if its clock has already passed the target.
    """
    inc = ingest.incidents
    s = _sla(ingest, config, _ns(inc["opened_at"]), _ns(inc["resolved_at"]))
    return pd.DataFrame(
        {
            "incident_id": inc["incident_id"],
            "priority": pd.Categorical.from_codes(s.prio, categories=list(PRIORITY_LABELS)),
            "calendar": pd.Categorical.from_codes(s.calendar, categories=s.names),
            "ttr_hours": s.ttr,
            "tta_hours": s.tta,
            "pause_hours": s.pause_res,
            "response_pause_hours": s.pause_resp,
            "resolve_clock_hours": s.resolve_clock,
            "respond_clock_hours": s.respond_clock,
            "resolve_target_hours": s.resolve_target,
            "respond_target_hours": s.respond_target,
            "resolution_sla_met": _met(s.res_has, s.res_met),
            "response_sla_met": _met(s.resp_has, s.resp_met),
        },
        index=inc.index,
    )


# --------------------------------------------------------------------------------------------
# The prepared frame: numpy arrays every figure is computed from


@dataclass
class _Data:
    n: int
    fields: frozenset[str]
    tz: str
    opened: np.ndarray  # int64 UTC ns; missing → _BIG (never in any period)
    resolved: np.ndarray  # int64 UTC ns; missing → _BIG (never resolved)
    live: np.ndarray  # not cancelled
    cancelled: np.ndarray
    prio: np.ndarray  # 0..5 (P1..P5, Unknown)
    has_unknown_priority: bool
    ttr: np.ndarray  # hours (NaN when not resolved)
    ttr_ok: np.ndarray  # resolved with ttr >= 0
    tta: np.ndarray
    tta_ok: np.ndarray  # acknowledged with tta >= 0
    res_has: np.ndarray  # has a resolution SLA result (target, resolved, ttr >= 0)
    res_met: np.ndarray
    resp_has: np.ndarray
    resp_met: np.ndarray
    reopen_known: np.ndarray
    reopened: np.ndarray
    escalated: np.ndarray
    major: np.ndarray
    customers: np.ndarray  # float, NaN when not recorded
    customers_ok: np.ndarray
    csat: np.ndarray  # float, NaN when not recorded
    csat_ok: np.ndarray
    zeros: np.ndarray  # the one-group code array for totals
    incidents: pd.DataFrame  # the whole frame
    frame_rows: np.ndarray | None  # position in `incidents` of each row here (None: all rows)
    dims: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.fields

    def frame(self, name: str, rows: np.ndarray) -> pd.Series:
        """Column `name` of the incidents at these row positions."""
        return self.incidents[name].iloc[rows if self.frame_rows is None else self.frame_rows[rows]]


def _dim_codes(values: pd.Series, na_label: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes and labels of a grouping column; missing values get `na_label`."""
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    codes = cat.cat.codes.to_numpy().astype(np.int64)
    labels = [str(c) for c in cat.cat.categories]
    if (codes < 0).any():
        if na_label in labels:
            na = labels.index(na_label)
        else:
            labels.append(na_label)
            na = len(labels) - 1
        codes = np.where(codes < 0, na, codes)
    return codes, labels


def _float(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)


def window(period: Period, months: int = 12) -> tuple[int, int]:
    """[start, end) in UTC ns covering every instant `compute` looks at for `period`: the
    trend's months, the period and the one before it."""
    edges = month_starts(trend_last_month(period), months, period.timezone)
    prev = previous_period(period)
    return (min(edges[0].value, prev.start_ns, period.start_ns),
            max(edges[-1].value, period.end_ns))


def _relevant(opened: np.ndarray, resolved: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Incidents that can count in a figure over [lo, hi): opened or resolved in it, or open
    (in a backlog) at some instant of it. A missing time (_NAT) is "never"."""
    o = np.where(opened == _NAT, _BIG, opened)
    r = np.where(resolved == _NAT, _BIG, resolved)
    return ((o < hi) & (r >= lo)) | ((o >= lo) & (o < hi)) | ((r >= lo) & (r < hi))


def _prepare(ingest: IngestResult, config: Config, span: tuple[int, int] | None = None) -> _Data:
    """The arrays every figure is computed from. With `span` ([start, end) in UTC ns), only
    the incidents that can count in a figure over it are kept (a three-year export reported
    by month does not time every incident's SLA); every figure over the span is the same."""
    inc = ingest.incidents
    fields = frozenset(ingest.fields)
    opened = _ns(inc["opened_at"])
    resolved = _ns(inc["resolved_at"])
    # "Unknown" is listed when the input has an Unknown priority, not just the span.
    has_unknown_priority = bool((_priority_codes(inc["priority"]) == len(PRIORITIES)).any())
    subset = None
    if span is not None:
        keep = _relevant(opened, resolved, *span)
        if not keep.all():
            subset = np.flatnonzero(keep)
            opened, resolved = opened[subset], resolved[subset]
    pick = _picker(subset)
    n = len(opened)
    s = _sla(ingest, config, opened, resolved, subset)
    reopen = pick(_float(inc["reopen_count"]))
    escalated = np.zeros(n, dtype=bool)
    if "escalated_at" in fields:
        escalated |= pick(_ns(inc["escalated_at"])) != _NAT
    if "escalation_level" in fields:
        escalated |= pick(_float(inc["escalation_level"])) > 0
    customers = pick(_float(inc["customers_affected"]))
    csat = pick(_float(inc["csat"]))
    data = _Data(
        n=n,
        fields=fields,
        tz=config.timezone,
        opened=np.where(opened == _NAT, _BIG, opened),
        resolved=np.where(resolved == _NAT, _BIG, resolved),
        live=~s.cancelled,
        cancelled=s.cancelled,
        prio=s.prio,
        has_unknown_priority=has_unknown_priority,
        ttr=s.ttr,
        ttr_ok=s.ttr >= 0,
        tta=s.tta,
        tta_ok=s.tta >= 0,
        res_has=s.res_has,
        res_met=s.res_met,
        resp_has=s.resp_has,
        resp_met=s.resp_met,
        reopen_known=~np.isnan(reopen),
        reopened=reopen > 0,
        escalated=escalated,
        major=pick(inc["major"].to_numpy(dtype=bool, na_value=False)),
        customers=customers,
        customers_ok=~np.isnan(customers),
        csat=csat,
        csat_ok=~np.isnan(csat),
        zeros=np.zeros(n, dtype=np.int64),
        incidents=inc,
        frame_rows=subset,
    )
    for name in ("category", "service", "site", "channel", "assignment_group"):
        codes, labels = _dim_codes(inc[name], UNCATEGORISED if name == "category" else NOT_RECORDED)
        data.dims[name] = (pick(codes), labels)
    return data


# --------------------------------------------------------------------------------------------
# Row sets and small helpers. A set is an int array of row positions; per-group figures are
# bincounts over the codes of the rows in the set, so only the rows of a period are touched.


@dataclass(frozen=True)
class _Sets:
    opened: np.ndarray  # not cancelled, opened_at in P
    resolved: np.ndarray  # not cancelled, resolved_at in P
    cancelled: np.ndarray  # cancelled, opened_at in P
    backlog: np.ndarray  # backlog at P's end


def _in(ts: np.ndarray, start: int, end: int) -> np.ndarray:
    return (ts >= start) & (ts < end)


def opened_mask(d: _Data, p: Period) -> np.ndarray:
    """opened: incidents (not cancelled) with opened_at in P."""
    return d.live & _in(d.opened, p.start_ns, p.end_ns)


def resolved_mask(d: _Data, p: Period) -> np.ndarray:
    """resolved: incidents (not cancelled) with resolved_at in P (negative ttr included)."""
    return d.live & _in(d.resolved, p.start_ns, p.end_ns)


def cancelled_mask(d: _Data, p: Period) -> np.ndarray:
    """cancelled: cancelled incidents with opened_at in P."""
    return d.cancelled & _in(d.opened, p.start_ns, p.end_ns)


def backlog_mask(d: _Data, at_ns: int) -> np.ndarray:
    """backlog at t: opened_at < t and (resolved_at missing or ≥ t), not cancelled.

    No lower bound on opened_at: an incident opened years ago and never resolved is in every
    later backlog.
    """
    return d.live & (d.opened < at_ns) & (d.resolved >= at_ns)


def _sets(d: _Data, p: Period) -> _Sets:
    key = (p.start_ns, p.end_ns)
    if key not in d.cache:
        d.cache[key] = _Sets(
            opened=np.flatnonzero(opened_mask(d, p)),
            resolved=np.flatnonzero(resolved_mask(d, p)),
            cancelled=np.flatnonzero(cancelled_mask(d, p)),
            backlog=np.flatnonzero(backlog_mask(d, p.end_ns)),
        )
    return d.cache[key]


def _where(rows: np.ndarray, cond: np.ndarray) -> np.ndarray:
    """The rows of a set for which a full-length condition holds."""
    return rows[cond[rows]]


def _count(codes: np.ndarray, k: int, rows: np.ndarray) -> np.ndarray:
    return np.bincount(codes[rows], minlength=k)


def _total(codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.bincount(codes[rows], weights=values[rows], minlength=k)


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    """num ÷ den × scale, None over an empty set."""
    return None if den <= 0 else scale * float(num) / float(den)


def _mean(codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray) -> list[float | None]:
    return [_ratio(s, c) for s, c in zip(_total(codes, k, rows, values), _count(codes, k, rows))]


def _pct(codes: np.ndarray, k: int, rows: np.ndarray, hit: np.ndarray) -> list[float | None]:
    """100 × rows where `hit` ÷ rows, per group."""
    return [_ratio(a, b, 100.0) for a, b in zip(_count(codes, k, _where(rows, hit)), _count(codes, k, rows))]


def _ints(values: np.ndarray) -> list[int]:
    return [int(v) for v in values]


# --------------------------------------------------------------------------------------------
# SPEC §4 definitions, one function each. `codes`/`k` give the grouping (all zeros and k=1 for
# totals); `rows` is the set the definition is over; each returns one value per group.


def opened_count(d: _Data, codes: np.ndarray, k: int, opened: np.ndarray) -> list[int]:
    """opened: incidents with opened_at in P (not cancelled)."""
    return _ints(_count(codes, k, opened))


def resolved_count(d: _Data, codes: np.ndarray, k: int, resolved: np.ndarray) -> list[int | None]:
    """resolved: incidents with resolved_at in P (not cancelled); null without resolved_at."""
    return _ints(_count(codes, k, resolved)) if d.has("resolved_at") else [None] * k


def cancelled_count(d: _Data, codes: np.ndarray, k: int, cancelled: np.ndarray) -> list[int | None]:
    """cancelled: cancelled incidents with opened_at in P; null without a status field."""
    return _ints(_count(codes, k, cancelled)) if d.has("status") else [None] * k


def backlog_count(d: _Data, codes: np.ndarray, k: int, backlog: np.ndarray) -> list[int | None]:
    """backlog_end: opened_at < end and (resolved_at missing or ≥ end); null without
    resolved_at (every incident would look open)."""
    return _ints(_count(codes, k, backlog)) if d.has("resolved_at") else [None] * k


def major_count(d: _Data, codes: np.ndarray, k: int, opened: np.ndarray) -> list[int | None]:
    """major: opened in P with major = true (null without a major flag in the input)."""
    if not d.has("major"):
        return [None] * k
    return _ints(_count(codes, k, _where(opened, d.major)))


def mtta_hours(d: _Data, codes: np.ndarray, k: int, opened: np.ndarray) -> list[float | None]:
    """mtta_hours: mean acknowledged_at − opened_at over opened with acknowledged_at (a
    negative time to acknowledge is invalid and left out)."""
    if not d.has("acknowledged_at"):
        return [None] * k
    return _mean(codes, k, _where(opened, d.tta_ok), d.tta)


def mttr_hours(d: _Data, codes: np.ndarray, k: int, resolved: np.ndarray) -> list[float | None]:
    """mttr_hours: mean ttr over resolved (ttr ≥ 0)."""
    if not d.has("resolved_at"):
        return [None] * k
    return _mean(codes, k, _where(resolved, d.ttr_ok), d.ttr)


def ttr_quantiles(d: _Data, codes: np.ndarray, k: int, resolved: np.ndarray) -> tuple[list, list]:
    """median_ttr_hours and p90_ttr_hours over resolved (ttr ≥ 0), linear interpolation."""
    if not d.has("resolved_at"):
        return [None] * k, [None] * k
    rows = _where(resolved, d.ttr_ok)
    values, groups = d.ttr[rows], codes[rows]
    order = np.lexsort((values, groups))
    values, groups = values[order], groups[order]
    bounds = np.searchsorted(groups, np.arange(k + 1))
    med: list[float | None] = [None] * k
    p90: list[float | None] = [None] * k
    for g in np.flatnonzero(np.diff(bounds)):  # groups with values: a handful of priorities
        v = values[bounds[g]:bounds[g + 1]]
        med[g] = float(np.percentile(v, 50))
        p90[g] = float(np.percentile(v, 90))
    return med, p90


def resolution_sla_pct(d: _Data, codes: np.ndarray, k: int, resolved: np.ndarray) -> list[float | None]:
    """resolution_sla_pct: 100 × resolved in P whose SLA clock ≤ the `resolve` target ÷ resolved
    in P whose priority has a `resolve` target (negative ttr left out of both)."""
    if not d.has("resolved_at"):
        return [None] * k
    return _pct(codes, k, _where(resolved, d.res_has), d.res_met)


def response_sla_pct(d: _Data, codes: np.ndarray, k: int, opened: np.ndarray) -> list[float | None]:
    """response_sla_pct: the same for acknowledged_at against `respond`, over opened in P with
    acknowledged_at whose priority has a `respond` target."""
    if not d.has("acknowledged_at"):
        return [None] * k
    return _pct(codes, k, _where(opened, d.resp_has), d.resp_met)


def reopen_rate_pct(d: _Data, codes: np.ndarray, k: int, resolved: np.ndarray) -> list[float | None]:
    """reopen_rate_pct: 100 × resolved with reopen_count > 0 ÷ resolved (those whose
    reopen_count is recorded; a blank count is unknown, not 0)."""
    if not (d.has("reopen_count") and d.has("resolved_at")):
        return [None] * k
    return _pct(codes, k, _where(resolved, d.reopen_known), d.reopened)


def escalation_rate_pct(d: _Data, codes: np.ndarray, k: int, opened: np.ndarray) -> list[float | None]:
    """escalation_rate_pct: 100 × opened with escalated_at or escalation_level > 0 ÷ opened
    (whichever of the two fields the input has; null with neither)."""
    if not (d.has("escalated_at") or d.has("escalation_level")):
        return [None] * k
    return _pct(codes, k, opened, d.escalated)


def customers_affected(d: _Data, codes: np.ndarray, k: int, opened: np.ndarray) -> list[int | None]:
    """customers_affected: sum over opened of the recorded figures (null when no opened
    incident has one)."""
    if not d.has("customers_affected"):
        return [None] * k
    rows = _where(opened, d.customers_ok)
    sums, counts = _total(codes, k, rows, d.customers), _count(codes, k, rows)
    return [int(round(s)) if c else None for s, c in zip(sums, counts)]


def csat_mean(d: _Data, codes: np.ndarray, k: int, resolved: np.ndarray) -> list[float | None]:
    """csat_mean: mean csat over resolved with csat."""
    if not (d.has("csat") and d.has("resolved_at")):
        return [None] * k
    return _mean(codes, k, _where(resolved, d.csat_ok), d.csat)


#: Each per-group figure: the SPEC §4 function that computes it and the set it runs over.
_STAT_FUNCTIONS: dict[str, tuple[Callable, str]] = {
    "opened": (opened_count, "opened"),
    "resolved": (resolved_count, "resolved"),
    "cancelled": (cancelled_count, "cancelled"),
    "backlog_end": (backlog_count, "backlog"),
    "major": (major_count, "opened"),
    "mtta_hours": (mtta_hours, "opened"),
    "mttr_hours": (mttr_hours, "resolved"),
    "resolution_sla_pct": (resolution_sla_pct, "resolved"),
    "response_sla_pct": (response_sla_pct, "opened"),
    "reopen_rate_pct": (reopen_rate_pct, "resolved"),
    "escalation_rate_pct": (escalation_rate_pct, "opened"),
    "customers_affected": (customers_affected, "opened"),
    "csat_mean": (csat_mean, "resolved"),
}


def _stats(d: _Data, p: Period, codes: np.ndarray, k: int, keys: tuple[str, ...]) -> list[dict]:
    """The figures named in `keys` for each of k groups over period p."""
    s = _sets(d, p)
    cols: dict[str, list] = {}
    for key in keys:
        if key in _STAT_FUNCTIONS:
            func, subset = _STAT_FUNCTIONS[key]
            cols[key] = func(d, codes, k, getattr(s, subset))
    if "median_ttr_hours" in keys or "p90_ttr_hours" in keys:
        # One sort gives both quantiles.
        cols["median_ttr_hours"], cols["p90_ttr_hours"] = ttr_quantiles(d, codes, k, s.resolved)
    return [{key: cols[key][g] for key in keys} for g in range(k)]


def totals(d: _Data, p: Period) -> dict:
    """The SPEC §4 `totals` object for period p."""
    return _stats(d, p, d.zeros, 1, TOTAL_KEYS)[0]


def _priority_keys(d: _Data) -> list[str]:
    """P1–P5 always; Unknown only when the input has an Unknown (or missing) priority."""
    return list(PRIORITIES) + ([UNKNOWN_PRIORITY] if d.has_unknown_priority else [])


def by_priority(d: _Data, p: Period) -> dict[str, dict]:
    """`by_priority`: the totals keys per priority."""
    rows = _stats(d, p, d.prio, len(PRIORITY_LABELS), TOTAL_KEYS)
    keys = _priority_keys(d)
    return {label: rows[i] for i, label in enumerate(PRIORITY_LABELS) if label in keys}


def _ordered(rows: list[dict], labels: list[str], keep: np.ndarray) -> dict[str, dict]:
    """Groups with an incident opened or resolved in P, largest `opened` first, then largest
    `resolved`, then by name."""
    order = sorted(
        (i for i in range(len(labels)) if keep[i]),
        key=lambda i: (-rows[i]["opened"], -(rows[i]["resolved"] or 0), labels[i]),
    )
    return {labels[i]: rows[i] for i in order}


def by_dimension(d: _Data, p: Period, name: str) -> dict[str, dict]:
    """A breakdown (opened, resolved, mttr_hours, resolution_sla_pct) by a grouping field.

    Lists every value with an incident opened or resolved in P. Missing values are grouped as
    "Uncategorised" (category) or "Not recorded" (the others). A field the input does not
    have at all gives {} — except category, where SPEC §3.1 makes every incident
    Uncategorised. by_service adds mtbf_hours.
    """
    if name != "category" and not d.has(name):
        return {}
    codes, labels = d.dims[name]
    k = len(labels)
    s = _sets(d, p)
    rows = _stats(d, p, codes, k, GROUP_KEYS)
    keep = (_count(codes, k, s.opened) + _count(codes, k, s.resolved)) > 0
    out = _ordered(rows, labels, keep)
    if name == "service":
        mtbf = mtbf_hours(d, p)
        for label, row in out.items():
            row["mtbf_hours"] = mtbf.get(label)
    return out


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


# --------------------------------------------------------------------------------------------
# Trend, weekly volume, ageing, lists


def trend_last_month(p: Period) -> str:
    """The last month of the trend: P's month, or for a custom range the month holding P's
    last day."""
    return p.month or f"{p.last_day:%Y-%m}"


def trend(d: _Data, p: Period, months: int = 12) -> list[dict]:
    """`trend`: for each of the 12 calendar months ending with P's month (trend_last_month),
    opened, resolved, mttr_hours and resolution_sla_pct over that whole month, and backlog_end
    at the month's end. Months are local calendar months even when P is a custom range."""
    edges_ts = month_starts(trend_last_month(p), months, p.timezone)
    edges = np.array([t.value for t in edges_ts], dtype=np.int64)

    def bins(ts: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        idx = np.searchsorted(edges, ts, side="right") - 1
        inside = mask & (idx >= 0) & (idx < months)
        return idx, inside

    oi, om = bins(d.opened, d.live)
    ri, rm = bins(d.resolved, d.live)
    has_res = d.has("resolved_at")
    opened = np.bincount(oi[om], minlength=months)
    resolved = np.bincount(ri[rm], minlength=months)
    rows = np.flatnonzero(rm & d.ttr_ok)
    ttr_sum = np.bincount(ri[rows], weights=d.ttr[rows], minlength=months)
    ttr_n = np.bincount(ri[rows], minlength=months)
    rows = np.flatnonzero(rm & d.res_has)
    sla_den = np.bincount(ri[rows], minlength=months)
    sla_num = np.bincount(ri[rows], weights=d.res_met[rows], minlength=months)
    # Backlog at each month end: live incidents opened before t and not resolved before t.
    opened_live = d.opened[d.live]
    resolved_live = d.resolved[d.live]
    out = []
    for i in range(months):  # twelve months
        out.append(
            {
                "month": f"{edges_ts[i]:%Y-%m}",
                "opened": int(opened[i]),
                "resolved": int(resolved[i]) if has_res else None,
                "mttr_hours": _ratio(ttr_sum[i], ttr_n[i]) if has_res else None,
                "resolution_sla_pct": _ratio(sla_num[i], sla_den[i], 100.0) if has_res else None,
                "backlog_end": int(np.count_nonzero((opened_live < edges[i + 1]) & (resolved_live >= edges[i + 1])))
                if has_res else None,
            }
        )
    return out


def weekly(d: _Data, p: Period) -> list[dict]:
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
    opened = np.bincount(np.searchsorted(edges_a, d.opened[sets.opened], side="right") - 1, minlength=k)
    resolved = np.bincount(np.searchsorted(edges_a, d.resolved[sets.resolved], side="right") - 1, minlength=k)
    has_res = d.has("resolved_at")
    return [
        {"week_start": f"{starts[i]:%Y-%m-%d}", "opened": int(opened[i]),
         "resolved": int(resolved[i]) if has_res else None}
        for i in range(k)
    ]


def ageing(d: _Data, p: Period) -> dict:
    """`ageing`: the backlog_end incidents (including those opened in P) by age at P's end,
    end − opened_at in calendar hours, in buckets 0-1d, 1-3d, 3-7d, 7-30d, >30d (each bucket
    includes its lower bound: exactly 1 day old is 1-3d), by priority and in total. Without
    resolved_at in the input every figure is null. For a period that has not ended yet
    (--month current) the ages are still measured at the period's end."""
    keys = _priority_keys(d)
    if not d.has("resolved_at"):
        empty = {b: None for b in AGE_BUCKETS}
        return {"buckets": list(AGE_BUCKETS), "by_priority": {k: dict(empty) for k in keys}, "total": dict(empty)}
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
    return {"buckets": list(AGE_BUCKETS), "by_priority": by_p, "total": {b: int(total[j]) for j, b in enumerate(AGE_BUCKETS)}}


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


def major_incidents(d: _Data, p: Period) -> list[dict]:
    """`major_incidents`: opened in P with major = true, in order of opened_at.

    duration_hours is the ttr (null while open or when negative); times are ISO 8601 in the
    configured timezone; resolution_sla_met is true/false/null as in incident_sla."""
    if not d.has("major"):
        return []
    rows = _where(_sets(d, p).opened, d.major)
    rows = rows[np.argsort(d.opened[rows], kind="stable")]
    ttr = d.ttr[rows]
    prio = [PRIORITY_LABELS[c] for c in d.prio[rows]]
    text = {name: _text_col(d, name, rows) for name in ("title", "service", "site", "status", "problem_id")}
    numbers = {name: _int_col(d, name, rows) for name in ("customers_affected", "contacts_affected")}
    cat_codes, cat_labels = d.dims["category"]
    opened_iso = _iso(d.frame("opened_at", rows), d.tz)
    resolved_iso = _iso(d.frame("resolved_at", rows), d.tz)
    ids = d.frame("incident_id", rows).tolist()
    out = []
    for j in range(len(rows)):  # the month's major incidents (a handful), to build records
        out.append(
            {
                "incident_id": str(ids[j]),
                "title": text["title"][j],
                "priority": prio[j],
                "category": cat_labels[cat_codes[rows[j]]],
                "service": text["service"][j],
                "site": text["site"][j],
                "status": text["status"][j],
                "opened_at": opened_iso[j],
                "resolved_at": resolved_iso[j],
                "duration_hours": None if np.isnan(ttr[j]) else float(ttr[j]),
                "customers_affected": numbers["customers_affected"][j],
                "contacts_affected": numbers["contacts_affected"][j],
                "resolution_sla_met": bool(d.res_met[rows[j]]) if d.res_has[rows[j]] else None,
                "problem_id": text["problem_id"][j],
            }
        )
    return out


def problem_candidates(d: _Data, p: Period) -> list[dict]:
    """`problem_candidates`: groups of incidents opened in P with the same category and service
    — 3 or more in the period ("3 or more in the period"), or exactly two opened within 7 days
    (168 h, inclusive) of each other ("repeat within 7 days"). Missing values group as
    Uncategorised / Not recorded (without a service field, by category alone). Largest count
    first, then category and service; incident_ids in order of opened_at."""
    rows = _sets(d, p).opened
    if len(rows) < 2:
        return []
    cat_codes, cat_labels = d.dims["category"]
    svc_codes, svc_labels = d.dims["service"]
    has_service = d.has("service")
    cc = cat_codes[rows]
    sc = svc_codes[rows] if has_service else np.zeros(len(rows), dtype=np.int64)
    opened = d.opened[rows]
    order = np.lexsort((opened, sc, cc))
    rows, cc, sc, opened = rows[order], cc[order], sc[order], opened[order]
    new_group = np.ones(len(rows), dtype=bool)
    new_group[1:] = (cc[1:] != cc[:-1]) | (sc[1:] != sc[:-1])
    group = np.cumsum(new_group) - 1
    sizes = np.bincount(group)
    gap = np.full(len(rows), np.inf)
    gap[1:] = np.where(new_group[1:], np.inf, (opened[1:] - opened[:-1]) / NS_PER_HOUR)
    has_repeat = np.zeros(len(sizes), dtype=bool)
    has_repeat[group[gap <= REPEAT_WINDOW_HOURS]] = True
    chosen = np.flatnonzero((sizes >= 3) | ((sizes == 2) & has_repeat))
    if len(chosen) == 0:
        return []
    starts = np.flatnonzero(new_group)
    chosen_rows = np.concatenate([rows[starts[g]:starts[g] + sizes[g]] for g in chosen])
    id_of = dict(zip(chosen_rows.tolist(), d.frame("incident_id", chosen_rows).astype(str).tolist()))
    out = []
    for g in chosen:  # the candidate groups (few), to build records
        lo = starts[g]
        members = rows[lo:lo + sizes[g]]
        out.append(
            {
                "category": cat_labels[cc[lo]],
                "service": svc_labels[sc[lo]] if has_service else None,
                "count": int(sizes[g]),
                "incident_ids": [id_of[r] for r in members.tolist()],
                "reason": REASON_COUNT if sizes[g] >= 3 else REASON_REPEAT,
            }
        )
    out.sort(key=lambda c: (-c["count"], c["category"], c["service"] or ""))
    return out


# --------------------------------------------------------------------------------------------
# The result


@dataclass
class MetricSet:
    """The numbers for one period, nothing else. `to_dict()` is docs/metrics.md."""

    period: Period
    totals: dict
    by_priority: dict[str, dict]
    by_category: dict[str, dict]
    trend: list[dict]
    data_quality: dict
    fields: list[str] = field(default_factory=list)
    targets: dict = field(default_factory=dict)
    sla: dict = field(default_factory=dict)
    previous: dict | None = None  # {"period": Period, "totals", "by_priority", "by_category"}
    by_service: dict[str, dict] = field(default_factory=dict)
    by_site: dict[str, dict] = field(default_factory=dict)
    by_channel: dict[str, dict] = field(default_factory=dict)
    by_assignment_group: dict[str, dict] = field(default_factory=dict)
    weekly: list[dict] = field(default_factory=list)
    ageing: dict = field(default_factory=dict)
    major_incidents: list[dict] = field(default_factory=list)
    problem_candidates: list[dict] = field(default_factory=list)
    contacts: dict | None = None

    def to_dict(self, full: bool = False) -> dict:
        """The metrics JSON object: SPEC §4 plus format_version; `full` adds the extensions."""
        out: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "period": self.period.to_dict(full=full),
            "totals": self.totals,
            "by_priority": self.by_priority,
            "by_category": self.by_category,
            "trend": self.trend,
            "data_quality": self.data_quality,
        }
        if not full:
            return out
        prev = None
        if self.previous is not None:
            prev = {
                "period": self.previous["period"].to_dict(full=True),
                "totals": self.previous["totals"],
                "by_priority": self.previous["by_priority"],
                "by_category": self.previous["by_category"],
            }
        out.update(
            {
                "fields": self.fields,
                "targets": self.targets,
                "sla": self.sla,
                "previous": prev,
                "by_service": self.by_service,
                "by_site": self.by_site,
                "by_channel": self.by_channel,
                "by_assignment_group": self.by_assignment_group,
                "weekly": self.weekly,
                "ageing": self.ageing,
                "major_incidents": self.major_incidents,
                "problem_candidates": self.problem_candidates,
                "contacts": self.contacts,
            }
        )
        return out


def _sla_echo(config: Config) -> dict:
    return {
        p: {"respond_hours": t.respond, "resolve_hours": t.resolve, "calendar": t.calendar}
        for p in PRIORITIES
        if (t := config.sla.get(p)) is not None
    }


def _contacts(contacts: pd.DataFrame, majors: list[dict], p: Period, config: Config) -> dict:
    from ..contacts import incident_contact_impact, period_contacts

    out = period_contacts(contacts, p.start, p.end, config)
    incidents = []
    for m in majors:  # the month's major incidents (a handful)
        start = pd.Timestamp(m["opened_at"])
        # An unresolved major incident is measured to the end of the period.
        end = pd.Timestamp(m["resolved_at"]) if m["resolved_at"] else p.end
        if end <= start:  # resolved before it was opened: no window to measure
            continue
        impact = incident_contact_impact(contacts, start, end, config)
        incidents.append(
            {
                "incident_id": m["incident_id"],
                "start": start.isoformat(),
                "end": end.tz_convert(p.timezone).isoformat(),
                "during": impact["during"],
                "baseline": impact["baseline"],
            }
        )
    out["incidents"] = incidents
    return out


def compute(
    ingest: IngestResult,
    config: Config,
    period: Period,
    contacts: pd.DataFrame | None = None,
) -> MetricSet:
    """Every figure for `period` (and the core figures for the period before it).

    `contacts` is a frame from contacts.load_contacts (None: the `contacts` section is null).
    """
    d = _prepare(ingest, config, window(period))
    prev = previous_period(period)
    majors = major_incidents(d, period)
    return MetricSet(
        period=period,
        totals=totals(d, period),
        by_priority=by_priority(d, period),
        by_category=by_dimension(d, period, "category"),
        trend=trend(d, period),
        data_quality=ingest.quality.to_dict(),
        fields=[f for f in FIELDS if f in d.fields],
        targets=config.targets.model_dump(),
        sla=_sla_echo(config),
        previous={
            "period": prev,
            "totals": totals(d, prev),
            "by_priority": by_priority(d, prev),
            "by_category": by_dimension(d, prev, "category"),
        },
        by_service=by_dimension(d, period, "service"),
        by_site=by_dimension(d, period, "site"),
        by_channel=by_dimension(d, period, "channel"),
        by_assignment_group=by_dimension(d, period, "assignment_group"),
        weekly=weekly(d, period),
        ageing=ageing(d, period),
        major_incidents=majors,
        problem_candidates=problem_candidates(d, period),
        contacts=None if contacts is None else _contacts(contacts, majors, period, config),
    )
