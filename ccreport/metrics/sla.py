"""Per-incident SLA timing: each incident's durations, SLA clock and met / breached results.

Owns how an incident's SLA clock runs (its priority's calendar, pause time subtracted, the
targets of config `sla`) and `incident_sla`, the per-incident table the PIR reads. The period
figures (resolution_sla_pct, response_sla_pct) count the results computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import calendars
from ..config import Config
from ..ingest.result import IngestResult
from ..schema import PRIORITIES
from .kernels import _NAT, PRIORITY_LABELS, _hours, _is_cancelled, _ns, _picker, _priority_codes


#: Rows whose SLA clocks are computed at once (see _sla).
_CHUNK = 1 << 20


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
    resolve_targets: np.ndarray  # per priority code (PRIORITY_LABELS): hours, NaN = none
    respond_targets: np.ndarray
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
    ack = pick(_ns(inc["acknowledged_at"])) if has_ack else np.broadcast_to(np.int64(_NAT), (n,))
    prio = pick(_priority_codes(inc["priority"]))
    cancelled = pick(_is_cancelled(inc["status"]))

    resolve_target = np.full(len(PRIORITY_LABELS), np.nan)
    respond_target = np.full(len(PRIORITY_LABELS), np.nan)
    names = [calendars.TWENTY_FOUR_SEVEN]
    cal_of_prio = np.zeros(len(PRIORITY_LABELS), dtype=np.int8)
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
    # Without pauses every pause time is unknown: one read-only NaN seen n times, not 2n floats.
    pause_res = np.full(n, np.nan) if ingest.pauses_known else _nans(n)
    pause_resp = np.full(n, np.nan) if ingest.pauses_known else _nans(n)
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
        # In parts of _CHUNK rows: the clock positions and their working arrays (about 70
        # bytes a row) are then a part's, not the whole calendar's, at the run's high-water
        # mark. A row's working time is the difference of two positions on one clock, exact
        # integers whatever span the clock covers, so the parts give the same hours.
        for start in range(0, len(rows), _CHUNK):
            part = rows[start:start + _CHUNK]
            o, r, a = opened[part], resolved[part], ack[part]
            po, pr_, pa_ = calendars.clock_positions(cal, tz, o, r, a)
            resolve_clock[part] = calendars.hours_from_positions(po, pr_, o, r)
            respond_clock[part] = calendars.hours_from_positions(po, pa_, o, a)
            del o, r, a, po, pr_, pa_
        if ingest.pauses_known:
            o, r, a = opened[rows], resolved[rows], ack[rows]
            where = np.full(n, -1, dtype=np.int64)
            where[rows] = np.arange(len(rows))
            sub_owner = np.where(owner_all >= 0, where[np.maximum(owner_all, 0)], -1)
            pr = calendars.pause_hours_between(o, r, sub_owner, p_start, p_end, cal, tz)
            pa = calendars.pause_hours_between(o, a, sub_owner, p_start, p_end, cal, tz)
            pause_res[rows] = pr
            pause_resp[rows] = pa
            resolve_clock[rows] -= np.nan_to_num(pr)
            respond_clock[rows] -= np.nan_to_num(pa)

    # Per row through the priority: a row's target is its priority's (the tables are kept, the
    # per-row arrays are only made here and by incident_sla).
    res_target = resolve_target[prio]
    res_has = ~cancelled & (ttr >= 0) & ~np.isnan(res_target)  # NaN ttr compares False
    res_met = res_has & (resolve_clock <= res_target)
    del res_target
    resp_target = respond_target[prio]
    resp_has = ~cancelled & (tta >= 0) & ~np.isnan(resp_target)
    resp_met = resp_has & (respond_clock <= resp_target)
    del resp_target
    return _Sla(
        prio=prio, cancelled=cancelled, calendar=cal_idx, names=names, ttr=ttr, tta=tta,
        pause_res=pause_res, pause_resp=pause_resp, resolve_clock=resolve_clock,
        respond_clock=respond_clock, resolve_targets=resolve_target, respond_targets=respond_target,
        res_has=res_has, res_met=res_met, resp_has=resp_has, resp_met=resp_met,
    )


def _nans(n: int) -> np.ndarray:
    """n NaN floats as one read-only value broadcast (no memory per row); indexing it gives an
    ordinary array."""
    return np.broadcast_to(np.float64(np.nan), (n,))


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
            "pause_hours": np.array(s.pause_res),  # a column of its own, writable
            "response_pause_hours": np.array(s.pause_resp),
            "resolve_clock_hours": s.resolve_clock,
            "respond_clock_hours": s.respond_clock,
            "resolve_target_hours": s.resolve_targets[s.prio],
            "respond_target_hours": s.respond_targets[s.prio],
            "resolution_sla_met": _met(s.res_has, s.res_met),
            "response_sla_met": _met(s.resp_has, s.resp_met),
        },
        index=inc.index,
    )

