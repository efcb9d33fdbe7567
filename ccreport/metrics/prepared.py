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
    prio: np.ndarray  # 0..5 (P1..P5, Unknown), int8
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
    res_targets: np.ndarray  # per priority code (PRIORITY_LABELS): the target in hours, NaN: none
    resp_targets: np.ndarray
    res_pause: np.ndarray  # pause hours subtracted (NaN: pauses not known; then read-only)
    resp_pause: np.ndarray
    reopen_known: np.ndarray
    reopened: np.ndarray
    escalated: np.ndarray
    major: np.ndarray
    # The columns' values as floats (NaN when not recorded); a field the input lacks is one
    # read-only NaN (and False) broadcast, like the pause times without pauses.
    customers: np.ndarray  # float, NaN when not recorded
    customers_ok: np.ndarray
    csat: np.ndarray  # float, NaN when not recorded
    csat_ok: np.ndarray
    contacts: np.ndarray  # contacts_affected, float, NaN when not recorded
    contacts_ok: np.ndarray
    zeros: np.ndarray  # the one-group code array for totals (calloc'd: costs no page it is not read in)
    incidents: pd.DataFrame  # the whole frame
    frame_rows: np.ndarray | None  # position in `incidents` of each row here (None: all rows)
    #: Group codes (small ints, read-only: widen before arithmetic) and labels per dimension.
    dims: dict[str, tuple[np.ndarray, list[str]]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.fields

    def frame(self, name: str, rows: np.ndarray) -> pd.Series:
        """Column `name` of the incidents at these row positions."""
        return kernels.take_rows(self.incidents[name], rows if self.frame_rows is None else self.frame_rows[rows])

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
    # On the raw ticks, without copies that turn _NAT into _BIG: _NAT is below every bound.
    keep = (opened >= lo) & (opened < hi)  # opened in it
    keep |= (resolved >= lo) & (resolved < hi)  # resolved in it
    keep |= (opened != _NAT) & (opened < hi) & ((resolved == _NAT) | (resolved >= lo))  # open in it
    return keep


def _never(ts: np.ndarray, owned: bool) -> np.ndarray:
    """`ts` with a missing time (_NAT) as _BIG ("never"), in place when the array is `owned`
    (a copy of the frame's rows), else in a copy (the frame's own ticks are left alone)."""
    missing = ts == _NAT
    if not owned:
        return np.where(missing, _BIG, ts)
    ts[missing] = _BIG
    return ts


def _absent(n: int, value: float | bool) -> np.ndarray:
    """A column the input lacks: one read-only value broadcast over n rows (no memory per row)."""
    return np.broadcast_to(np.float64(value) if isinstance(value, float) else np.bool_(value), (n,))


def _prepare(ingest: IngestResult, config: Config, span: tuple[int, int] | None = None) -> _Data:
    """The arrays every figure is computed from. With `span` ([start, end) in UTC ns), only
    the incidents that can count in a figure over it are kept (a three-year export reported
    by month does not time every incident's SLA); every figure over the span is the same.

    Memory: this runs at the command's high-water mark (the frame is still held), so the arrays
    are as small as their values allow (int8 priorities and group codes, per-priority SLA
    targets, absent columns broadcast) and intermediate ones are dropped as soon as read."""
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
        del keep
    pick = _picker(subset)
    n = len(opened)
    s = _sla(ingest, config, opened, resolved, subset)

    def floats(name: str) -> tuple[np.ndarray, np.ndarray]:
        """(values, recorded) of a numeric column for the kept rows: float64 (NaN = missing)
        and its not-NaN mask. The rows are taken before the conversion, so no full-length
        float copy is made of a column that is only read; a column with no value at all (a
        field the input lacks) is _absent, NaN and False, without a float or a flag a row."""
        column = inc[name]
        if column.isna().all():
            return _absent(n, np.nan), _absent(n, False)
        values = column.array
        values = _float(values if subset is None else values[subset])
        return values, ~np.isnan(values)

    reopen, reopen_known = floats("reopen_count")
    escalated = np.zeros(n, dtype=bool)
    if "escalated_at" in fields:
        escalated |= pick(_ns(inc["escalated_at"])) != _NAT
    if "escalation_level" in fields:
        escalated |= floats("escalation_level")[0] > 0
    customers, customers_ok = floats("customers_affected")
    csat, csat_ok = floats("csat")
    contacts, contacts_ok = floats("contacts_affected")
    data = _Data(
        n=n,
        fields=fields,
        tz=config.timezone,
        opened=_never(opened, owned=subset is not None),
        resolved=_never(resolved, owned=subset is not None),
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
        res_targets=s.resolve_targets,
        resp_targets=s.respond_targets,
        res_pause=s.pause_res,
        resp_pause=s.pause_resp,
        reopen_known=reopen_known,
        reopened=reopen > 0,
        escalated=escalated,
        major=pick(inc["major"].to_numpy(dtype=bool, na_value=False)),
        customers=customers,
        customers_ok=customers_ok,
        csat=csat,
        csat_ok=csat_ok,
        contacts=contacts,
        contacts_ok=contacts_ok,
        zeros=np.zeros(n, dtype=np.int8),
        incidents=inc,
        frame_rows=subset,
    )
    del s, opened, resolved, reopen
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
