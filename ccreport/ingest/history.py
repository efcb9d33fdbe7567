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

Everything is vectorised over the sorted event frame (groupby shift/min/max), no per-incident
Python.
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
    return canon.astype("str").str.lower().isin(wanted) | raw.astype("str").str.strip().str.lower().isin(wanted)


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
    """
    rows = rows[rows[EVENT_TIME].notna()] if rows[EVENT_TIME].notna().any() else rows
    order = rows.sort_values(["incident_id", EVENT_TIME, EVENT_SEQ], kind="stable", na_position="first")
    ids = order["incident_id"]
    key = ids.to_numpy()
    latest = order.groupby(key, sort=False).tail(1).set_index("incident_id", drop=False)
    index = latest.index
    t = order[EVENT_TIME].astype(TS_DTYPE)

    raw = order[RAW_STATE].astype("object")
    status = order["status"].astype("object")
    # A pause label the mapping does not name is On Hold for the sequence.
    paused = _is_pause(status, raw, pause_states)
    status = status.where(status.notna() | ~paused, "On Hold")
    known = status.notna().to_numpy()

    def per_incident(values: pd.Series, mask, how: str) -> pd.Series:
        mask = np.asarray(mask, dtype=bool)
        sel = values[mask]
        out = sel.groupby(key[mask]).agg(how) if len(sel) else pd.Series(dtype=values.dtype)
        return out.reindex(index)

    def at(mask, how: str) -> pd.Series:
        return per_incident(t, mask, how).astype(TS_DTYPE)

    # The state sequence over known labels only.
    ks, kid = status[known], key[known]
    prev = ks.groupby(kid, sort=False).shift(1)
    derived = pd.DataFrame(index=index)
    derived["opened_at"] = at(np.ones(len(order), dtype=bool), "min")
    ack = np.zeros(len(order), dtype=bool)
    ack[known] = ks.eq("In Progress").to_numpy()
    derived["acknowledged_at"] = at(ack, "min")
    into = {}
    for name, label in (("resolved_at", "Resolved"), ("closed_at", "Closed")):
        m = np.zeros(len(order), dtype=bool)
        m[known] = (ks.eq(label) & prev.ne(label)).to_numpy()
        into[name] = at(m, "max")
    reopened = np.zeros(len(order), dtype=bool)
    reopened[known] = (prev.isin(DONE_STATUSES) & ks.isin(OPEN_STATUSES)).to_numpy()
    derived["reopen_count"] = pd.Series(reopened, index=order.index).groupby(key).sum().reindex(index)
    last_reopen = at(reopened, "max")
    # The status in force at the end: that of the last known label.
    final = ks.groupby(kid, sort=False).last().reindex(index)
    final_done = final.isin(DONE_STATUSES).to_numpy()
    for name, value in into.items():
        # Only a move after the last reopen is the final resolution (reopened, then closed
        # straight away: resolved_at comes from closed_at, counted, not from the first fix).
        derived[name] = value.where(final_done & ~(value <= last_reopen).fillna(False).to_numpy(dtype=bool))
    if LEVEL in order.columns:
        level = pd.to_numeric(order[LEVEL], errors="coerce").astype("float64")
        start = level.groupby(key).transform("first")  # the first readable tier
        derived["escalated_at"] = at((level > start).to_numpy(), "min")
        top = level.groupby(key).max().reindex(index)
        first = level.groupby(key).first().reindex(index)
        derived["escalation_level"] = (top - first).clip(lower=0)

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
    prev_raw = raw.groupby(key, sort=False).shift(1)
    first_row = ~ids.duplicated(keep="first")
    changed = (first_row | (raw.fillna("") != prev_raw.fillna(""))).to_numpy()
    ch = order[changed]
    events = empty_events()
    if len(ch):
        events = pd.DataFrame({
            "incident_id": ch["incident_id"].astype("str").to_numpy(),
            "timestamp": t[changed].array,
            "type": "state",
            "text": ch[RAW_STATE].astype("str").where(ch[RAW_STATE].notna(), ch["status"].astype("str")).to_numpy(),
            "author": pd.NA,
            "audience": "internal",
        })
        events["timestamp"] = events["timestamp"].astype(TS_DTYPE)
    # Pauses: from changes of the known labels (an unknown label does not end a pause).
    kraw = raw[known]
    kprev = kraw.groupby(kid, sort=False).shift(1)
    kfirst = ~ids[known].duplicated(keep="first")
    kchanged = (kfirst | (kraw.fillna("") != kprev.fillna(""))).to_numpy()
    kc = order[known][kchanged]
    end_of = incidents["resolved_at"].fillna(incidents["closed_at"])
    pauses = pause_intervals(kc["incident_id"], t[known][kchanged], ks[kchanged], kraw[kchanged],
                             pause_states, end_of=end_of)
    return incidents.reset_index(drop=True), events, pauses


def pause_intervals(
    ids: pd.Series,
    times: pd.Series,
    status: pd.Series,
    raw: pd.Series,
    pause_states: tuple[str, ...],
    end_of: pd.Series | None = None,
) -> pd.DataFrame:
    """Intervals [t_i, t_{i+1}) where the i-th state change entered a pause state.

    `ids/times/...` are state-change events sorted by incident and time. A pause still open at
    the last event ends at the incident's resolution (`end_of`), or is dropped if unresolved.
    """
    if not len(ids):
        return empty_pauses()
    frame = pd.DataFrame({"incident_id": ids.astype("str").to_numpy(),
                          "start": times.astype(TS_DTYPE).array})
    frame["start"] = frame["start"].astype(TS_DTYPE)
    frame["end"] = frame.groupby("incident_id", sort=False)["start"].shift(-1)
    is_pause = _is_pause(status.reset_index(drop=True), raw.reset_index(drop=True), pause_states).to_numpy()
    out = frame[is_pause].copy()
    if end_of is not None and out["end"].isna().any():
        fill = out["incident_id"].map(end_of.groupby(level=0).last())
        out["end"] = out["end"].where(out["end"].notna(), fill)
    out = out[out["end"].notna() & (out["end"] > out["start"])]
    out["end"] = out["end"].astype(TS_DTYPE)
    return out.reset_index(drop=True)
