"""History (event-log) exports: collapse one row per change into one row per incident.

SPEC §3.1: opened_at = first event; acknowledged_at = first event in In Progress; escalated_at =
first rise in level; resolved_at / closed_at = last move into Resolved / Closed (kept only when
the incident's final status is Resolved or Closed: an incident reopened and still open has no
resolution); reopen_count = moves from Resolved/Closed back to an open state; time in pause
states becomes pause intervals. The ServiceNow preset keeps the record's own opened_at,
resolved_at, closed_at and reopen_count from its latest row and takes only acknowledgement and
pauses from the state sequence.

Everything is vectorised over the sorted event frame (groupby shift/min/max), no per-incident
Python.
"""

from __future__ import annotations

import pandas as pd

from ..schema import DONE_STATUSES, OPEN_STATUSES
from .frame import TS_DTYPE, empty_events, empty_pauses

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
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(incidents, events, pauses) from normalised event rows.

    `rows` has canonical columns plus EVENT_TIME (UTC), EVENT_SEQ (float, may be NA),
    RAW_STATE (the tool's label) and optionally LEVEL; `status` is the canonical status of
    each event's state.
    """
    rows = rows[rows[EVENT_TIME].notna()] if rows[EVENT_TIME].notna().any() else rows
    order = rows.sort_values(["incident_id", EVENT_TIME, EVENT_SEQ], kind="stable", na_position="first")
    ids = order["incident_id"]
    g = order.groupby(ids, sort=False)
    latest = g.tail(1).set_index("incident_id", drop=False)

    status = order["status"].astype("object")
    prev_status = status.groupby(ids.to_numpy(), sort=False).shift(1)
    raw = order[RAW_STATE].astype("object")
    prev_raw = raw.groupby(ids.to_numpy(), sort=False).shift(1)
    first_row = ~ids.duplicated(keep="first")
    changed = first_row | (raw.fillna("") != prev_raw.fillna(""))
    t = order[EVENT_TIME]

    def per_incident(mask: pd.Series, how: str) -> pd.Series:
        sel = t[mask]
        return sel.groupby(ids[mask].to_numpy()).agg(how)

    derived = pd.DataFrame(index=latest.index)
    derived["opened_at"] = per_incident(pd.Series(True, index=order.index), "min")
    derived["acknowledged_at"] = per_incident(status.eq("In Progress"), "min")
    into_resolved = status.eq("Resolved") & prev_status.ne("Resolved")
    into_closed = status.eq("Closed") & prev_status.ne("Closed")
    derived["resolved_at"] = per_incident(into_resolved, "max")
    derived["closed_at"] = per_incident(into_closed, "max")
    reopened = prev_status.isin(DONE_STATUSES) & status.isin(OPEN_STATUSES)
    derived["reopen_count"] = reopened.groupby(ids.to_numpy()).sum()
    if LEVEL in order.columns and order[LEVEL].notna().any():
        level = pd.to_numeric(order[LEVEL], errors="coerce")
        prev_level = level.groupby(ids.to_numpy(), sort=False).shift(1)
        derived["escalated_at"] = per_incident((level > prev_level).fillna(False), "min")
        derived["escalation_level"] = level.groupby(ids.to_numpy()).max()

    final_done = latest["status"].astype("object").isin(DONE_STATUSES)
    for col in ("resolved_at", "closed_at"):
        derived[col] = derived[col].where(final_done.reindex(derived.index).fillna(False).to_numpy())

    incidents = latest.copy()
    for col in derived.columns:
        if keep_record_times and col in ("opened_at", "resolved_at", "closed_at", "reopen_count"):
            # The record's own value wins; the sequence fills only what it lacks.
            incidents[col] = incidents[col].where(incidents[col].notna(), derived[col].reindex(incidents.index))
        elif col == "acknowledged_at" or col == "escalated_at":
            incidents[col] = incidents[col].where(incidents[col].notna(), derived[col].reindex(incidents.index))
        else:
            incidents[col] = derived[col].reindex(incidents.index).array

    # Events: one "state" event per change of the tool's state label.
    ch = order[changed]
    events = empty_events()
    if len(ch):
        events = pd.DataFrame({
            "incident_id": ch["incident_id"].astype("str").to_numpy(),
            "timestamp": ch[EVENT_TIME].astype(TS_DTYPE).array,
            "type": "state",
            "text": ch[RAW_STATE].astype("str").where(ch[RAW_STATE].notna(), ch["status"].astype("str")).to_numpy(),
            "author": pd.NA,
            "audience": "internal",
        })
        events["timestamp"] = events["timestamp"].astype(TS_DTYPE)
    pauses = pause_intervals(
        ch["incident_id"], ch[EVENT_TIME], ch["status"], ch[RAW_STATE], pause_states,
        end_of=incidents.set_index("incident_id")["resolved_at"].fillna(
            incidents.set_index("incident_id")["closed_at"]),
    )
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
