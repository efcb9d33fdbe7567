"""History (event-log) exports: collapse one row per change into one row per incident.

SPEC §3.1: opened_at = first event; acknowledged_at = first event in In Progress; resolved_at /
closed_at = last move into Resolved / Closed (kept only when the incident's final status is
Resolved or Closed and the move came after its last reopen: an incident reopened and still open
has no resolution, one reopened and then closed takes closed_at); reopen_count = moves
from Resolved/Closed back to an open state; time in pause states becomes pause intervals.

State labels the mapping does not know (and that are no pause state) are skipped for the
sequence: the state in force before them continues, so `Resolved -> Unmatched -> In Progress`
is still a reopen, and an unknown last label leaves the incident in the state before it.

Support tiers (LEVEL, already read as numbers by normalise.tier_of_label; NA when unreadable):
the incident's starting tier is its first readable one; escalated_at = the first event above
it; escalation_level = the highest tier reached minus the starting tier (the tiers risen, 0
when it never rose, null when no tier was readable).

The ServiceNow preset (keep_record_times) keeps the record's own opened_at, resolved_at,
closed_at and reopen_count from its latest row and takes from the state sequence what those
lack: acknowledgement, pauses, and a missing resolved_at (the last move into Resolved while the
incident is still Resolved or Closed), counted as `resolved_from_history`; only where the
sequence has none either does the pipeline fall back to closed_at (`resolved_from_closed`).

Everything is vectorised over the sorted event rows (numpy reductions over each incident's run
of rows, shifts within runs), no per-incident Python.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import DATETIME_FIELDS, DONE_STATUSES, OPEN_STATUSES
from .frame import TS_DTYPE, empty_events, empty_pauses
from .quality import DataQuality

#: Helper columns the pipeline adds to mapped rows of an event log.
EVENT_TIME = "_event_time"
EVENT_SEQ = "_event_seq"
RAW_STATE = "_raw_state"
LEVEL = "_level"


def _is_pause(canon: pd.Series, raw: pd.Series, pause_states: tuple[str, ...]) -> pd.Series:
    wanted = {s.strip().lower() for s in pause_states}
    hit = (_per_label(canon, lambda c: c.astype("str").str.lower().isin(wanted))
           | _per_label(raw, lambda c: c.astype("str").str.strip().str.lower().isin(wanted)))
    return pd.Series(hit, index=canon.index)


def _per_label(col: pd.Series, test) -> np.ndarray:
    """`test` (Series -> bool Series) per row, run once per distinct label (a missing cell is
    tested as itself, through the column's first missing cell)."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    table = np.asarray(test(pd.Series(uniques, dtype=col.dtype)), dtype=bool)
    missing = codes < 0
    na = bool(test(col[missing].iloc[:1]).iloc[0]) if missing.any() else False
    return np.append(table, na)[codes]


_NAT = np.iinfo(np.int64).min
_NEVER = np.iinfo(np.int64).max


def collapse(
    rows: pd.DataFrame,
    pause_states: tuple[str, ...],
    keep_record_times: bool,
    quality: DataQuality | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(incidents, events, pauses) from normalised event rows.

    `rows` has canonical columns plus EVENT_TIME (UTC), EVENT_SEQ (float, may be NA),
    RAW_STATE (the tool's label) and optionally LEVEL (the support tier as a number, NA when
    unreadable); `status` is the canonical status of each event's state, NA when the label is
    unknown. An unknown label that is no pause state is skipped for the sequence: the state
    in force before it continues (it still appears in the timeline events).

    Sorted by incident, each incident's events are one run of rows: every per-incident figure
    is a reduction over the runs (numpy `reduceat`), every "previous event" a shift by one row
    within a run.
    """
    rows = rows[rows[EVENT_TIME].notna()] if rows[EVENT_TIME].notna().any() else rows
    # The sort order (incident, event time, sequence; missing first, ties in row order) from
    # integer keys: the incidents' ranks in text order, the times' and sequence numbers'
    # values. Columns are taken in that order as needed (the incidents take only their
    # latest rows).
    rank, _ = pd.factorize(rows["incident_id"], sort=True, use_na_sentinel=False)
    when = rows[EVENT_TIME].astype(TS_DTYPE).array.asi8  # NaT is the smallest: first
    seq = pd.to_numeric(rows[EVENT_SEQ], errors="coerce").astype("float64").to_numpy()
    seq_known = ~np.isnan(seq)
    perm = np.lexsort((np.where(seq_known, seq, 0.0), seq_known, when, rank))

    def col(name: str) -> pd.Series:
        return rows[name].iloc[perm]

    ids = col("incident_id")
    n = len(perm)
    group = rank[perm]
    new = np.ones(n, dtype=bool)
    new[1:] = group[1:] != group[:-1]  # the first event of each incident
    starts = np.flatnonzero(new)
    runs = np.cumsum(new) - 1  # each row's incident, 0 ... in sorted order
    last = np.append(starts[1:], n) - 1 if n else np.array([], dtype=np.int64)
    latest = rows.iloc[perm[last]].set_index("incident_id", drop=False)
    index = latest.index
    t = col(EVENT_TIME).astype(TS_DTYPE)
    ti = t.array.asi8

    raw = col(RAW_STATE)
    status = col("status")
    # A pause label the mapping does not name is On Hold for the sequence.
    paused = _is_pause(status, raw, pause_states).to_numpy()
    scode, labels = pd.factorize(status, use_na_sentinel=True)
    labels = list(labels)
    fill = (scode < 0) & paused
    if fill.any():
        if "On Hold" not in labels:
            labels.append("On Hold")
        scode[fill] = labels.index("On Hold")
    known = scode >= 0
    status = pd.Series(np.append(np.array(labels, dtype=object), np.nan)[scode], index=status.index, dtype=object)

    def codes_of(*names: str) -> list[int]:
        return [labels.index(x) for x in names if x in labels]

    def at(mask, how: str) -> pd.Series:
        """The first ("min") or last ("max") event time of each incident among `mask`."""
        mask = np.asarray(mask, dtype=bool) & (ti != _NAT)
        if not n:
            return pd.Series(pd.NaT, index=index, dtype=TS_DTYPE)
        if how == "min":
            got = np.minimum.reduceat(np.where(mask, ti, _NEVER), starts)
            got[got == _NEVER] = _NAT
        else:
            got = np.maximum.reduceat(np.where(mask, ti, _NAT), starts)
        return pd.Series(pd.DatetimeIndex(got.view("datetime64[ns]")).tz_localize("UTC"), index=index)

    # The state sequence over known labels only: each known event's previous known event of
    # the same incident (-1: none).
    kp = np.flatnonzero(known)
    kc, kg = scode[kp], runs[kp]
    prev = np.full(len(kp), -1)
    if len(kp) > 1:
        same = kg[1:] == kg[:-1]
        prev[1:] = np.where(same, kc[:-1], -1)

    def known_rows(flags: np.ndarray) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        out[kp] = flags
        return out

    derived = pd.DataFrame(index=index)
    derived["opened_at"] = at(np.ones(n, dtype=bool), "min")
    derived["acknowledged_at"] = at(known_rows(np.isin(kc, codes_of("In Progress"))), "min")
    into = {}
    for name, label in (("resolved_at", "Resolved"), ("closed_at", "Closed")):
        c = codes_of(label)
        into[name] = at(known_rows(np.isin(kc, c) & ~np.isin(prev, c)), "max")
    reopened = known_rows(np.isin(prev, codes_of(*DONE_STATUSES)) & np.isin(kc, codes_of(*OPEN_STATUSES)))
    derived["reopen_count"] = pd.Series(np.add.reduceat(reopened.astype(np.int64), starts) if n else [],
                                        index=index, dtype=np.int64)
    last_reopen = at(reopened, "max")
    # The status in force at the end: that of the last known label.
    last_known = np.maximum.reduceat(np.where(known, np.arange(n), -1), starts) if n else np.array([], int)
    final_values = np.append(status.to_numpy(), np.nan)[last_known]  # -1: the appended NaN
    final = pd.Series(final_values, index=index, dtype=object)
    final_done = final.isin(DONE_STATUSES).to_numpy()
    for name, value in into.items():
        # Only a move after the last reopen is the final resolution (reopened, then closed
        # straight away: resolved_at comes from closed_at, counted, not from the first fix).
        derived[name] = value.where(final_done & ~(value <= last_reopen).fillna(False).to_numpy(dtype=bool))
    if LEVEL in rows.columns:
        level = pd.to_numeric(col(LEVEL), errors="coerce").astype("float64").to_numpy()
        readable = ~np.isnan(level)
        first_at = np.minimum.reduceat(np.where(readable, np.arange(n), n), starts) if n else np.array([], int)
        first = np.append(level, np.nan)[first_at]  # the first readable tier (n: none)
        derived["escalated_at"] = at(level > first[runs], "min")
        top = np.fmax.reduceat(level, starts) if n else np.array([], float)
        derived["escalation_level"] = (pd.Series(top, index=index) - pd.Series(first, index=index)).clip(lower=0)

    incidents = latest.copy()
    incidents["status"] = final.to_numpy()
    for col in derived.columns:
        have = incidents[col] if col in incidents else pd.Series(pd.NA, index=index)
        if keep_record_times and col in ("opened_at", "resolved_at", "closed_at", "reopen_count"):
            # The record's own value wins; the sequence fills only what it lacks.
            fill = have.isna() & derived[col].notna()
            if col == "resolved_at" and quality is not None:
                quality.resolved_from_history += int(fill.sum())
            incidents[col] = have.where(~fill, derived[col])
        elif col in ("acknowledged_at", "escalated_at"):
            incidents[col] = have.where(have.notna(), derived[col])
        else:
            incidents[col] = derived[col]
        if col in DATETIME_FIELDS:
            incidents[col] = incidents[col].astype(TS_DTYPE)

    # Events: one "state" event per change of the tool's state label (unknown ones included:
    # they are what the tool recorded).
    rcode, rlabels = pd.factorize(raw, use_na_sentinel=True)
    if "" in list(rlabels):  # a blank label is the same as none
        rcode[rcode == list(rlabels).index("")] = -1
    changed = new.copy()
    changed[1:] |= rcode[1:] != rcode[:-1]
    ch = rows[["incident_id", RAW_STATE, "status"]].iloc[perm[changed]]
    events = empty_events()
    if len(ch):
        events = pd.DataFrame({
            "incident_id": ch["incident_id"].astype("str").array,
            "timestamp": t[changed].array,
            "type": "state",
            "text": ch[RAW_STATE].astype("str").where(ch[RAW_STATE].notna(), ch["status"].astype("str")).array,
            "author": pd.NA,
            "audience": "internal",
        })
        events["timestamp"] = events["timestamp"].astype(TS_DTYPE)
    # Pauses: from changes of the known labels (an unknown label does not end a pause).
    kr = rcode[kp]
    kchanged = np.ones(len(kp), dtype=bool)
    kchanged[1:] = (kg[1:] != kg[:-1]) | (kr[1:] != kr[:-1])
    sel = kp[kchanged]
    end_of = incidents["resolved_at"].fillna(incidents["closed_at"])
    pauses = pause_intervals(ids.iloc[sel], t.iloc[sel], status.iloc[sel], raw.astype("object").iloc[sel],
                             pause_states, end_of=end_of, runs=runs[sel])
    return incidents.reset_index(drop=True), events, pauses


def pause_intervals(
    ids: pd.Series,
    times: pd.Series,
    status: pd.Series,
    raw: pd.Series,
    pause_states: tuple[str, ...],
    end_of: pd.Series | None = None,
    runs: np.ndarray | None = None,
) -> pd.DataFrame:
    """Intervals [t_i, t_{i+1}) where the i-th state change entered a pause state.

    `ids/times/...` are state-change events sorted by incident and time. A pause still open at
    the last event ends at the incident's resolution (`end_of`), or is dropped if unresolved.
    `runs`, when given, numbers the incidents (equal for the rows of one incident).
    """
    if not len(ids):
        return empty_pauses()
    start = times.astype(TS_DTYPE).array.asi8
    group = runs if runs is not None else pd.factorize(ids.astype("str"), use_na_sentinel=False)[0]
    # The next state change of the same incident (its events in their order).
    by = np.argsort(group, kind="stable")
    g, s = group[by], start[by]
    nxt = np.full(len(s), _NAT)
    same = g[1:] == g[:-1]
    nxt[:-1] = np.where(same, s[1:], _NAT)
    end = np.empty_like(nxt)
    end[by] = nxt
    is_pause = _is_pause(status.reset_index(drop=True), raw.reset_index(drop=True), pause_states).to_numpy()
    pick = np.flatnonzero(is_pause)
    out = pd.DataFrame({"incident_id": ids.iloc[pick].astype("str").to_numpy(),
                        "start": pd.DatetimeIndex(start[pick].view("datetime64[ns]")).tz_localize("UTC"),
                        "end": pd.DatetimeIndex(end[pick].view("datetime64[ns]")).tz_localize("UTC")})
    if end_of is not None and out["end"].isna().any():
        fill = out["incident_id"].map(end_of.groupby(level=0).last())
        out["end"] = out["end"].where(out["end"].notna(), fill)
    out = out[out["end"].notna() & (out["end"] > out["start"])]
    out["end"] = out["end"].astype(TS_DTYPE)
    return out.reset_index(drop=True)
