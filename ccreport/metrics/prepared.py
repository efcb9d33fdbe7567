"""The prepared frame: the incidents as numpy arrays, the period sets, and the registry runner.

Owns `_prepare` (the canonical frame turned once into the arrays every figure reads: times as
int64 UTC nanoseconds, SLA results, flags, group codes), the window of incidents a report can
look at, the SPEC §4 sets of a period (opened, resolved, cancelled, backlog: row positions found
once per period) and `figures()`, which runs the registry's functions (definitions.py) over
sets and a grouping. A figure's meaning lives in definitions.py, not here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..config import Config
from ..ingest.result import IngestResult
from ..period import Period, month_starts, previous_period
from ..schema import DIMENSIONS, PRIORITIES, UNCATEGORISED, UNKNOWN_PRIORITY
from . import kernels
from .definitions import BY_KEY, Figures
from ..schema import NOT_RECORDED
from .kernels import _BIG, _NAT, _dim_codes, _float, _ns, _picker, _priority_codes
from .sla import _sla


@dataclass
class _Data:
    """The incidents a report can look at, as arrays of equal length (one entry per row)."""

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
    # The clocks behind those results (sla.py), for the breach list: hours, NaN where none.
    res_clock: np.ndarray  # resolution SLA clock: calendar time minus pauses
    resp_clock: np.ndarray
    res_target: np.ndarray  # the priority's target (NaN: none)
    resp_target: np.ndarray
    res_pause: np.ndarray  # pause hours subtracted (NaN: pauses not known)
    resp_pause: np.ndarray
    reopen_known: np.ndarray
    reopened: np.ndarray
    escalated: np.ndarray
    major: np.ndarray
    customers: np.ndarray  # float, NaN when not recorded
    customers_ok: np.ndarray
    csat: np.ndarray  # float, NaN when not recorded
    csat_ok: np.ndarray
    contacts: np.ndarray  # contacts_affected, float, NaN when not recorded
    contacts_ok: np.ndarray
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

    def values(self, name: str) -> np.ndarray:
        """A numeric canonical column as floats over the prepared rows (NaN where not recorded),
        computed once: what a figure over a column of the frame reads."""
        key = ("values", name)
        if key not in self.cache:
            column = kernels._float(self.incidents[name])
            self.cache[key] = column if self.frame_rows is None else column[self.frame_rows]
        return self.cache[key]


    # The kernels the figure functions of definitions.py call (so that module needs no numpy).

    def where(self, rows: np.ndarray, cond: np.ndarray) -> np.ndarray:
        return kernels._where(rows, cond)

    def counts(self, codes: np.ndarray, k: int, rows: np.ndarray) -> list[int]:
        return kernels.counts(codes, k, rows)

    def means(self, codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray) -> list[float | None]:
        return kernels.means(codes, k, rows, values)

    def pcts(self, codes: np.ndarray, k: int, rows: np.ndarray, hit: np.ndarray) -> list[float | None]:
        return kernels.pcts(codes, k, rows, hit)

    def int_sums(self, codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray) -> list[int | None]:
        return kernels.int_sums(codes, k, rows, values)

    def percentiles(self, codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray,
                    qs: tuple[float, ...]) -> list[list[float | None]]:
        return kernels.percentiles(codes, k, rows, values, qs)


def trend_last_month(p: Period) -> str:
    """The last month of the trend: P's month, or for a custom range the month holding P's
    last day."""
    return p.month or f"{p.last_day:%Y-%m}"


def baseline_start(period: Period, months: int = 12) -> pd.Timestamp:
    """The start of the baseline span: `months` calendar months before P's start (local)."""
    start = period.start
    return (start.tz_localize(None) - pd.DateOffset(months=months)).tz_localize(
        period.timezone, ambiguous=False, nonexistent="shift_forward")


def window(period: Period, months: int = 12) -> tuple[int, int]:
    """[start, end) in UTC ns covering every instant `compute` looks at for `period`: the
    trend's months, the period, the one before it and the 12-month baseline before it."""
    edges = month_starts(trend_last_month(period), months, period.timezone)
    prev = previous_period(period)
    return (min(edges[0].value, prev.start_ns, period.start_ns, baseline_start(period, months).value),
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

    def floats(name: str) -> np.ndarray:
        """The column's values for the kept rows as float64 (NaN = missing): the rows are
        taken before the conversion, so no full-length float copy is made of a column that
        is only read."""
        values = inc[name].array
        return _float(values if subset is None else values[subset])

    reopen = floats("reopen_count")
    escalated = np.zeros(n, dtype=bool)
    if "escalated_at" in fields:
        escalated |= pick(_ns(inc["escalated_at"])) != _NAT
    if "escalation_level" in fields:
        escalated |= floats("escalation_level") > 0
    customers = floats("customers_affected")
    csat = floats("csat")
    contacts = floats("contacts_affected")
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
        res_clock=s.resolve_clock,
        resp_clock=s.respond_clock,
        res_target=s.resolve_target,
        resp_target=s.respond_target,
        res_pause=s.pause_res,
        resp_pause=s.pause_resp,
        reopen_known=~np.isnan(reopen),
        reopened=reopen > 0,
        escalated=escalated,
        major=pick(inc["major"].to_numpy(dtype=bool, na_value=False)),
        customers=customers,
        customers_ok=~np.isnan(customers),
        csat=csat,
        csat_ok=~np.isnan(csat),
        contacts=contacts,
        contacts_ok=~np.isnan(contacts),
        zeros=np.zeros(n, dtype=np.int64),
        incidents=inc,
        frame_rows=subset,
    )
    for name in DIMENSIONS:
        codes, labels = _dim_codes(inc[name], UNCATEGORISED if name == "category" else NOT_RECORDED)
        data.dims[name] = (pick(codes), labels)
    for name in getattr(ingest, "extras", ()):  # custom fields from the mapping (`extra:`)
        if name in inc:
            codes, labels = _dim_codes(inc[name], NOT_RECORDED)
            data.dims[name] = (pick(codes), labels)
    return data


# --------------------------------------------------------------------------------------------
# Row sets. A set is an int array of row positions; per-group figures are bincounts over the
# codes of the rows in the set, so only the rows of a period are touched.


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



def _priority_keys(d: _Data) -> list[str]:
    """P1–P5 always; Unknown only when the input has an Unknown (or missing) priority."""
    return list(PRIORITIES) + ([UNKNOWN_PRIORITY] if d.has_unknown_priority else [])


# --------------------------------------------------------------------------------------------
# The registry runner


def figures(d: _Data, sets: _Sets, codes: np.ndarray | Mapping[str, np.ndarray], k: int,
            keys: tuple[str, ...]) -> list[Figures]:
    """The figures named in `keys` (registry keys) for each of k groups over `sets`.

    Each figure's function (definitions.py) runs over the set of its population; `codes` gives
    each row's group, one array for every population or one per population (the trend groups
    opened incidents by the month of opened_at and resolved ones by the month of resolved_at).
    """
    cols: dict[str, list[Any]] = {}
    for key in keys:
        if key in cols:  # computed together with an earlier figure (the quantiles)
            continue
        m = BY_KEY[key]
        if m.func is None:
            raise ValueError(f"{key}: computed together with another figure, which must come first")
        group = codes[m.population] if isinstance(codes, Mapping) else codes
        out = m.func(d, group, k, getattr(sets, m.population))
        if isinstance(out, dict):
            cols.update(out)
        else:
            cols[key] = out
    return [Figures(**{key: cols[key][g] for key in keys}) for g in range(k)]
