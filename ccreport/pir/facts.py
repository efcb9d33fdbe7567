"""Per-incident facts for a post-incident review: one incident's figures, computed once, here.

    find_incident(ingest, incident_id) -> int                 row position, or IngestError
    major_incident_ids(ingest, period) -> list[str]            for `pir --all-major --month`
    incident_facts(ingest, config, incident_id, ...) -> PirFacts

The SLA figures come from `metrics.incident_sla` (run on this incident alone, which gives the
same numbers as on the whole export because every figure there is per incident). What the
metrics layer does not have and only a PIR needs is computed in this module, each in one named
function: the lifecycle stages and the time each took (`lifecycle_stages`), the wall-clock
moment an SLA clock reaches its target (`sla_deadline`), the communication gaps against the
update cadence (`comms_review`), regulatory deadlines (`regulatory_checks`) and overdue
actions (`action_statuses`). The document builder (documents/pir.py) only words them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from .. import calendars
from ..config import Config
from ..errors import IngestError
from ..ingest.result import IngestResult
from ..schema import NS_PER_HOUR
from .narrative import (
    YEARLESS,
    Action,
    Narrative,
    Regulatory,
    StatedFigure,
    TimelineEntry,
    split_timeline,
    stated_figures,
)

_NAT = np.iinfo(np.int64).min

#: Update cadence (hours) per priority when the config names none: P1 every 30 minutes, P2
#: every hour, P3 every 4 hours; P4 and P5 have no cadence.
DEFAULT_CADENCE_HOURS: dict[str, float] = {"P1": 0.5, "P2": 1.0, "P3": 4.0}

#: Lifecycle stages in order: (key, name, milestone event type, record field).
STAGES: tuple[tuple[str, str, str, str | None], ...] = (
    ("identification", "Identification", "detected", "detected_at"),
    ("logging", "Logging", "logged", "opened_at"),
    ("acknowledgement", "Acknowledgement", "acknowledged", "acknowledged_at"),
    ("prioritisation", "Prioritisation", "prioritised", None),
    ("escalation", "Escalation", "escalated", "escalated_at"),
    ("resolution", "Resolution", "resolved", "resolved_at"),
    ("closure", "Closure", "closed", "closed_at"),
)

UPDATE_TYPES = ("update", "comms")
AUDIENCES = ("internal", "external")
PER_AUDIENCE = "per audience"
ANY_UPDATE = "any update"
COMMS_RULES = (PER_AUDIENCE, ANY_UPDATE)


# --------------------------------------------------------------------------- finding incidents


def _ids(ingest: IngestResult) -> pd.Series:
    return ingest.incidents["incident_id"].astype("str")


def find_incident(ingest: IngestResult, incident_id: str) -> int:
    """The row position of `incident_id` in `ingest.incidents`.

    Surrounding spaces are ignored, and a unique case-insensitive match is accepted. An unknown
    ID raises IngestError (exit 1) naming the closest IDs in the input.
    """
    ids = _ids(ingest)
    wanted = str(incident_id).strip()
    hits = np.flatnonzero((ids == wanted).to_numpy())
    if len(hits):
        return int(hits[-1])
    folded = np.flatnonzero((ids.str.casefold() == wanted.casefold()).to_numpy())
    if len(folded) == 1:
        return int(folded[0])
    unique = pd.unique(ids.dropna())
    if len(unique) == 0:
        raise IngestError(f"incident {wanted!r} not found: the input has no incidents.")
    close = closest_ids(wanted, [str(u) for u in unique])
    hint = f" Closest IDs: {', '.join(close)}." if close else " Run `ccreport validate` to list what was read."
    n = len(unique)
    raise IngestError(f"incident {wanted!r} is not in the input ({n:,} incident{'' if n == 1 else 's'}).{hint}")


def closest_ids(wanted: str, ids: list[str], n: int = 3) -> list[str]:
    """The `n` IDs most like `wanted` (difflib ratio, case-insensitive; ties go to the longer
    shared prefix, so a dropped last digit finds its incident)."""
    by_upper: dict[str, str] = {}
    for i in ids:
        by_upper.setdefault(i.upper(), i)
    key = wanted.upper()
    shortlist = difflib.get_close_matches(key, list(by_upper), n=12, cutoff=0.5)

    def rank(c: str) -> tuple[float, int]:
        prefix = len(os.path.commonprefix([key, c]))
        return (round(difflib.SequenceMatcher(None, key, c).ratio(), 6), prefix)

    return [by_upper[c] for c in sorted(shortlist, key=rank, reverse=True)[:n]]


def major_incident_ids(ingest: IngestResult, period: Any) -> list[str]:
    """IDs of major incidents opened in [period.start, period.end), not cancelled, by opened_at.

    The same set as the `major` metric and the monthly report's major-incident list."""
    from ..metrics import major_incident_ids as major_ids

    # Which incidents are major is the metrics layer's decision; no SLA config is needed for it.
    return major_ids(ingest, Config(timezone=period.timezone), period)


# --------------------------------------------------------------------------- the facts


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    #: When the stage was reached (UTC), None when neither the record nor the timeline has it.
    at: pd.Timestamp | None
    #: "record" (the incident's own field) or "timeline" (the first event of that type).
    source: str | None
    #: Time from the previous recorded stage to this one (hours; negative if recorded earlier).
    took_hours: float | None
    #: The stage measured from: the previous stage with a time.
    took_from: str | None
    #: at − opened_at, hours (negative for a detection before logging).
    since_logged_hours: float | None


@dataclass(frozen=True)
class SlaFacts:
    """The incident's row of metrics.incident_sla, plus when each target fell due."""

    priority: str
    calendar: str
    ttr_hours: float | None
    tta_hours: float | None
    pause_hours: float | None
    response_pause_hours: float | None
    resolve_clock_hours: float | None
    respond_clock_hours: float | None
    resolve_target_hours: float | None
    respond_target_hours: float | None
    resolution_sla_met: bool | None
    response_sla_met: bool | None
    #: The moment (UTC) each SLA clock reached its target (calendar and pauses applied).
    respond_deadline: pd.Timestamp | None = None
    resolve_deadline: pd.Timestamp | None = None


@dataclass(frozen=True)
class TimelineEvent:
    at: pd.Timestamp
    type: str
    text: str
    audience: str | None
    #: "start" (enters a pause: SLA clock stops), "end" (leaves it), "continue" (one pause
    #: state to another), or None.
    pause: str | None = None


@dataclass(frozen=True)
class Pause:
    start: pd.Timestamp
    end: pd.Timestamp | None
    #: Elapsed hours of this interval (the SLA pause is on the priority's calendar: SlaFacts).
    hours: float | None
    #: The state the incident was in, when the timeline has it ("Awaiting Vendor").
    state: str | None = None


@dataclass(frozen=True)
class Gap:
    audience: str
    start: pd.Timestamp
    end: pd.Timestamp
    hours: float
    #: What opens and closes the gap: "logging", "update", "resolution".
    start_kind: str
    end_kind: str


@dataclass(frozen=True)
class AudienceReview:
    audience: str
    updates: int
    first_after_hours: float | None
    longest_gap_hours: float | None
    gaps_over: tuple[Gap, ...]
    #: Every gap within the cadence (None when there is no cadence or no window).
    met: bool | None


@dataclass(frozen=True)
class CommsReview:
    cadence_hours: float | None
    #: "config", "default" or "given" (an explicit argument).
    cadence_source: str | None
    window_start: pd.Timestamp | None
    window_end: pd.Timestamp | None
    #: "resolution" or "last event" (still open).
    window_end_kind: str | None
    #: Internal and external, each on its own (an update with no audience counts for both).
    audiences: tuple[AudienceReview, ...]
    #: Every update together, whatever its audience.
    any: AudienceReview
    #: "per audience" (each audience must hear within the cadence) or "any update".
    rule: str
    updates_total: int
    updates_after_window: int
    unlabelled_updates: int

    @property
    def reviews(self) -> tuple[AudienceReview, ...]:
        """The reviews the rule judges by."""
        return self.audiences if self.rule == PER_AUDIENCE else (self.any,)

    @property
    def met(self) -> bool | None:
        """True when every judged gap is within the cadence; None without cadence or window."""
        verdicts = [r.met for r in self.reviews]
        if any(v is None for v in verdicts):
            return None
        return all(verdicts)


@dataclass(frozen=True)
class RegulatoryCheck:
    body: str
    deadline_hours: float
    awareness_at: pd.Timestamp | None
    #: "narrative", "detected_at" or "opened_at".
    awareness_source: str
    deadline_at: pd.Timestamp | None
    notified_at: pd.Timestamp | None
    #: "met", "missed" (late, or not notified and the deadline has passed), "due" (not yet).
    status: str
    #: Hours from awareness to notification (None when not notified).
    took_hours: float | None
    #: met: hours to spare; missed: hours late (to notification, or to `now`); due: hours left.
    margin_hours: float | None


@dataclass(frozen=True)
class ActionStatus:
    action: Action
    overdue: bool
    days_overdue: int | None


@dataclass
class PirFacts:
    incident_id: str
    timezone: str
    #: The incident's canonical fields as Python values (timestamps as UTC pd.Timestamp).
    record: dict[str, Any]
    fields: frozenset[str]
    sla: SlaFacts
    stages: list[Stage]
    events: list[TimelineEvent]
    pauses: list[Pause]
    pauses_known: bool
    comms: CommsReview
    #: incident_contact_impact(...) over [contact_window], or None without contacts.
    contact_impact: dict | None = None
    contact_window: tuple[pd.Timestamp, pd.Timestamp] | None = None
    #: Why there is no contact impact although contacts were given (e.g. "still open").
    contact_note: str | None = None
    regulatory: list[RegulatoryCheck] | None = None
    actions: list[ActionStatus] = field(default_factory=list)
    now: pd.Timestamp | None = None
    #: The one timeline of the review: recorded events and the narrative's own timeline
    #: entries merged by moment (`merge_timeline`).
    timeline: list["TimelineRow"] = field(default_factory=list)
    #: The impact figures the narrative states, each against the measured one (`check_figures`).
    figure_checks: list["FigureCheck"] = field(default_factory=list)

    def stage(self, key: str) -> Stage:
        return next(s for s in self.stages if s.key == key)

    @property
    def detected_to_resolved_hours(self) -> float | None:
        """Identification to resolution (elapsed hours): the outage as monitoring saw it."""
        return _hours(self.stage("identification").at, self.stage("resolution").at)


# --------------------------------------------------------------------------- helpers


def _py(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_convert("UTC") if value.tzinfo else value.tz_localize("UTC")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _hours(a: pd.Timestamp | None, b: pd.Timestamp | None) -> float | None:
    if a is None or b is None:
        return None
    return (b - a) / pd.Timedelta(hours=1)


def _float(v: Any) -> float | None:
    v = _py(v)
    return None if v is None else float(v)


def _bool(v: Any) -> bool | None:
    v = _py(v)
    return None if v is None else bool(v)


def _subset(ingest: IngestResult, pos: int) -> IngestResult:
    """This incident alone: its row, its events and its pauses."""
    inc = ingest.incidents.iloc[[pos]].reset_index(drop=True)
    iid = str(inc["incident_id"].iloc[0])
    ev = ingest.events[ingest.events["incident_id"].astype("str") == iid]
    pa = ingest.pauses[ingest.pauses["incident_id"].astype("str") == iid] if len(ingest.pauses) else ingest.pauses
    return IngestResult(incidents=inc, events=ev.reset_index(drop=True), pauses=pa.reset_index(drop=True),
                        quality=ingest.quality, preset=ingest.preset, fields=ingest.fields,
                        pauses_known=ingest.pauses_known)


def localise(value: dt.datetime | None, tz: str) -> pd.Timestamp | None:
    """A datetime from the narrative as UTC: naive values are local time in `tz`."""
    if value is None:
        return None
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        ts = ts.tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
    return ts.tz_convert("UTC")


# --------------------------------------------------------------------------- SLA


def _calendar(config: Config, name: str) -> Any:
    return None if name == calendars.TWENTY_FOUR_SEVEN else config.calendars.get(name)


def _clock_hours(start_ns: int, ends_ns: np.ndarray, cal: Any, tz: str,
                 p_start: np.ndarray, p_end: np.ndarray) -> np.ndarray:
    """SLA clock hours of [start, end) for each end: calendar hours minus pause hours."""
    n = len(ends_ns)
    starts = np.full(n, start_ns, dtype=np.int64)
    hours = calendars.hours_between(starts, ends_ns, cal, tz)
    k = len(p_start)
    if k:
        owner = np.repeat(np.arange(n, dtype=np.int64), k)
        paused = calendars.pause_hours_between(starts, ends_ns, owner, np.tile(p_start, n),
                                               np.tile(p_end, n), cal, tz)
        hours = hours - np.nan_to_num(paused)
    return hours


def sla_deadline(start: pd.Timestamp | None, target_hours: float | None, calendar: Any, tz: str,
                 pauses: pd.DataFrame | None = None) -> pd.Timestamp | None:
    """The instant (UTC) the SLA clock started at `start` reaches `target_hours`.

    The clock runs on `calendar` (None or "24x7": elapsed time; a Calendar: its working hours)
    and stops during `pauses` (columns start, end; UTC) — the same clock as
    metrics.incident_sla. Found by three rounds of a 512-point grid over a bracket (to well
    under a second); None when the target is unknown or the clock never gets there (a pause
    with no end).
    """
    if start is None or target_hours is None or np.isnan(target_hours):
        return None
    if isinstance(calendar, str):
        calendar = None if calendar == calendars.TWENTY_FOUR_SEVEN else calendar
    s = int(start.value)
    if pauses is not None and len(pauses):
        p_start = calendars._utc_ns(pauses["start"])
        p_end = calendars._utc_ns(pauses["end"])
    else:
        p_start = p_end = np.empty(0, dtype=np.int64)
    if calendar is None and not len(p_start):
        return start + pd.Timedelta(hours=target_hours)
    target_ns = int(target_hours * NS_PER_HOUR)
    # Bracket: double the span until the clock passes the target (at most ~4 years).
    span = max(target_ns, NS_PER_HOUR)
    for _ in range(16):
        if _clock_hours(s, np.array([s + span], dtype=np.int64), calendar, tz, p_start, p_end)[0] >= target_hours:
            break
        span *= 2
    else:
        return None
    lo, hi = s, s + span
    for _ in range(4):
        grid = np.linspace(lo, hi, 513).astype(np.int64)
        clock = _clock_hours(s, grid, calendar, tz, p_start, p_end)
        k = int(np.argmax(clock >= target_hours - 1e-9))
        if k == 0:
            return pd.Timestamp(int(grid[0]), tz="UTC")
        lo, hi = int(grid[k - 1]), int(grid[k])
        if hi - lo <= 1_000_000_000:  # a second is plenty for a document
            break
    return pd.Timestamp(hi, tz="UTC").round("s")


def _sla_facts(row: pd.Series, record: Mapping[str, Any], config: Config, pauses: pd.DataFrame,
               pauses_known: bool) -> SlaFacts:
    calendar = str(row["calendar"])
    cal = _calendar(config, calendar)
    opened = record.get("opened_at")
    p = pauses if pauses_known else None
    respond_target = _float(row["respond_target_hours"])
    resolve_target = _float(row["resolve_target_hours"])
    return SlaFacts(
        priority=str(row["priority"]),
        calendar=calendar,
        ttr_hours=_float(row["ttr_hours"]),
        tta_hours=_float(row["tta_hours"]),
        pause_hours=_float(row["pause_hours"]),
        response_pause_hours=_float(row["response_pause_hours"]),
        resolve_clock_hours=_float(row["resolve_clock_hours"]),
        respond_clock_hours=_float(row["respond_clock_hours"]),
        resolve_target_hours=resolve_target,
        respond_target_hours=respond_target,
        resolution_sla_met=_bool(row["resolution_sla_met"]),
        response_sla_met=_bool(row["response_sla_met"]),
        respond_deadline=sla_deadline(opened, respond_target, cal, config.timezone, p),
        resolve_deadline=sla_deadline(opened, resolve_target, cal, config.timezone, p),
    )


# --------------------------------------------------------------------------- lifecycle


def lifecycle_stages(record: Mapping[str, Any], events: list[TimelineEvent]) -> list[Stage]:
    """Identification, logging, acknowledgement, prioritisation, escalation, resolution, closure.

    Each stage's time is the incident's own field (detected_at, opened_at, ...) or, where the
    record lacks it (prioritisation always), the first timeline event of that type. `took` is
    the time from the previous stage that has a time; `since logged` is from opened_at.
    """
    first: dict[str, pd.Timestamp] = {}
    for e in events:
        first.setdefault(e.type, e.at)
    opened = record.get("opened_at")
    out: list[Stage] = []
    prev: tuple[str, pd.Timestamp] | None = None
    for key, name, etype, fld in STAGES:
        at = record.get(fld) if fld else None
        source = "record" if at is not None else None
        if at is None and etype in first:
            at, source = first[etype], "timeline"
        took = took_from = None
        if at is not None and prev is not None:
            took, took_from = _hours(prev[1], at), prev[0]
        out.append(Stage(key, name, at, source, took, took_from, _hours(opened, at)))
        if at is not None:
            prev = (name, at)
    return out


# --------------------------------------------------------------------------- timeline


def _timeline(events: pd.DataFrame, pauses: pd.DataFrame) -> tuple[list[TimelineEvent], list[Pause]]:
    ev = events.sort_values("timestamp", kind="stable")
    starts = set(pauses["start"].tolist()) if len(pauses) else set()
    ends = set(pauses["end"].dropna().tolist()) if len(pauses) else set()
    out: list[TimelineEvent] = []
    state_at: dict[pd.Timestamp, str] = {}
    for ts, typ, text, aud in zip(ev["timestamp"].tolist(), ev["type"].astype("str").tolist(),
                                  ev["text"].tolist(), ev["audience"].tolist()):  # one incident's events
        ts = _py(ts)
        if ts is None:
            continue
        text = "" if _py(text) is None else str(text)
        pause = None
        if typ == "state":
            if ts in starts:
                pause = "continue" if ts in ends else "start"
                state_at.setdefault(ts, text)
            elif ts in ends:
                pause = "end"
        out.append(TimelineEvent(ts, typ, text, None if _py(aud) is None else str(aud), pause))
    plist = []
    for s, e in zip(pauses["start"].tolist(), pauses["end"].tolist()) if len(pauses) else []:
        s, e = _py(s), _py(e)
        plist.append(Pause(s, e, _hours(s, e), state_at.get(s)))
    plist.sort(key=lambda p: p.start)
    return out, plist


# --------------------------------------------------------------------------- one timeline

#: Times closer than this are one moment (a narrative's "09:12" and an event at 09:11:58).
SAME_MOMENT = pd.Timedelta(minutes=1)


@dataclass(frozen=True)
class TimelineRow:
    """One moment of the merged timeline. `at` is the earliest recorded event's time in the
    moment (as recorded), else the narrative's time; `texts` are the narrative's words when it
    describes the moment, else the events' own text; `events` are every recorded event of it."""

    at: pd.Timestamp
    events: tuple[TimelineEvent, ...]
    texts: tuple[str, ...]
    #: The narrative describes this moment (its text is the one shown).
    narrative: bool = False

    @property
    def recorded(self) -> bool:
        return bool(self.events)


def _entry_times(entries: list[TimelineEntry], opened: pd.Timestamp | None, tz: str) -> list[pd.Timestamp]:
    """Each narrative entry's instant: its own date, else the day of logging (the next day when
    an undated time runs backwards, as a timeline past midnight does), local time in `tz`."""
    base = (opened.tz_convert(tz).date() if opened is not None else dt.date(2000, 1, 1))
    out: list[pd.Timestamp] = []
    day, last = base, None
    for e in entries:
        if e.date is not None:
            day = e.date
            if e.date.year == YEARLESS:
                try:
                    day = e.date.replace(year=base.year)
                except ValueError:  # 29 Feb in a year without one
                    day = base
            local = dt.datetime.combine(day, e.time)
        else:
            local = dt.datetime.combine(day, e.time)
            if last is not None and local < last:
                day = day + dt.timedelta(days=1)
                local = dt.datetime.combine(day, e.time)
        last = local
        out.append(pd.Timestamp(local).tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC"))
    return out


def _moments(items: list[tuple[pd.Timestamp, Any]]) -> list[list[tuple[pd.Timestamp, Any]]]:
    """Time-sorted items grouped into moments: less than SAME_MOMENT after a moment's first item."""
    groups: list[list[tuple[pd.Timestamp, Any]]] = []
    for item in sorted(items, key=lambda t: t[0]):
        if groups and item[0] - groups[-1][0][0] < SAME_MOMENT:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def merge_timeline(events: list[TimelineEvent], entries: list[TimelineEntry], opened: pd.Timestamp | None,
                   tz: str) -> list[TimelineRow]:
    """Recorded events and the narrative's timeline entries as one list of moments in time order.

    Recorded events less than SAME_MOMENT after the first event of a moment belong to it; a
    narrative entry less than SAME_MOMENT from one of a moment's events describes that moment
    (the nearest, when two are that close), and its text is shown instead of the events' text.
    The other narrative entries are moments of their own, at the time the narrative gives."""
    ev_groups = _moments([(e.at, e) for e in events])
    told: dict[int, list[TimelineEntry]] = {}
    alone: list[tuple[pd.Timestamp, Any]] = []
    for at, entry in zip(_entry_times(entries, opened, tz), entries):
        best, gap = None, None
        for k, g in enumerate(ev_groups):
            d = min(abs(e.at - at) for _, e in g)
            if d < SAME_MOMENT and (gap is None or d < gap):
                best, gap = k, d
        if best is None:
            alone.append((at, entry))
        else:
            told.setdefault(best, []).append(entry)
    rows: list[TimelineRow] = []
    for k, g in enumerate(ev_groups):
        evs = tuple(e for _, e in g)
        notes = told.get(k)
        if notes:
            rows.append(TimelineRow(evs[0].at, evs, tuple(n.text for n in notes if n.text), narrative=True))
        else:
            rows.append(TimelineRow(evs[0].at, evs, tuple(e.text for e in evs)))
    for g in _moments(alone):
        rows.append(TimelineRow(g[0][0], (), tuple(n.text for _, n in g if n.text), narrative=True))
    rows.sort(key=lambda r: r.at)
    return rows


# --------------------------------------------------------------------------- stated figures

#: A stated count differs from the measured one when it is more than this share away from it
#: (narratives round: "about 5,200"); a duration when more than this share and 15 minutes away.
COUNT_TOLERANCE = 0.10
DURATION_TOLERANCE = 0.10
DURATION_FLOOR_HOURS = 0.25


@dataclass(frozen=True)
class FigureCheck:
    """One impact figure the narrative states against the measured figure of the same kind."""

    kind: str
    stated: float
    where: str
    quote: str
    #: The measured figure and its source ("incident record", "contact data", "incident times");
    #: None when nothing of that kind is measured for this incident.
    measured: float | None
    source: str | None
    differs: bool | None


def check_figures(stated: Iterable[StatedFigure], record: Mapping[str, Any], ttr_hours: float | None,
                  contact_impact: Mapping[str, Any] | None) -> list[FigureCheck]:
    """Each stated figure against its measured counterpart: customers affected against the
    incident record (as reported), contacts offered and abandoned against the contact-centre
    intervals during the incident (as measured), the duration against logging to resolution."""
    during = (contact_impact or {}).get("during") or {}
    measured: dict[str, tuple[float | None, str | None]] = {
        "customers_affected": (_float(record.get("customers_affected")), "incident record"),
        "contacts_offered": (_float(during.get("offered")), "contact data"),
        "contacts_abandoned": (_float(during.get("abandoned")), "contact data"),
        "duration_hours": (ttr_hours, "incident times"),
    }
    out = []
    for f in stated:
        value, source = measured.get(f.kind, (None, None))
        if value is None:
            out.append(FigureCheck(f.kind, f.value, f.where, f.quote, None, None, None))
            continue
        gap = abs(f.value - value)
        if f.kind == "duration_hours":
            differs = gap > max(DURATION_TOLERANCE * value, DURATION_FLOOR_HOURS)
        else:
            differs = gap > max(COUNT_TOLERANCE * value, 1.0)
        out.append(FigureCheck(f.kind, f.value, f.where, f.quote, value, source, differs))
    return out


# --------------------------------------------------------------------------- communication


def update_cadence(config: Config, priority: str, cadence: Mapping[str, float] | None = None) -> tuple[float | None, str | None]:
    """(hours, source) of the update cadence for `priority`.

    An explicit mapping wins; then the config (an `update` duration under `sla.<P>`, or an
    `update_cadence` mapping, when the config model has them); then DEFAULT_CADENCE_HOURS."""
    if cadence is not None and priority in cadence:
        return float(cadence[priority]), "given"
    target = config.sla.get(priority) if priority in config.sla else None
    value = getattr(target, "update", None) if target is not None else None
    if value is None:
        mapping = getattr(config, "update_cadence", None) or {}
        value = mapping.get(priority) if isinstance(mapping, Mapping) else None
    if value is not None:
        from ..config import parse_duration

        return parse_duration(value), "config"
    if priority in DEFAULT_CADENCE_HOURS:
        return DEFAULT_CADENCE_HOURS[priority], "default"
    return None, None


def _audience(value: str | None) -> str | None:
    """internal / external, or None (no audience recorded: it counts for both)."""
    if value is None:
        return None
    v = value.strip().lower()
    if v.startswith("ext") or v in ("customer", "customers", "public"):
        return "external"
    if v.startswith("int") or v in ("staff", "stakeholders"):
        return "internal"
    return None


def comms_review(events: list[TimelineEvent], start: pd.Timestamp | None, end: pd.Timestamp | None,
                 end_kind: str | None, cadence_hours: float | None, cadence_source: str | None,
                 rule: str = PER_AUDIENCE) -> CommsReview:
    """Updates (events of type update or comms) against the cadence.

    Rule "per audience" (the default): each audience — internal and external — must hear at
    least once every cadence from logging (`start`) until resolution (`end`); an update with
    no audience counts for both. Rule "any update": any update restarts the clock for everyone.
    A gap is the time from logging to the first update, between consecutive updates, and from
    the last update to resolution; a gap longer than the cadence breaks the rule. Both views
    are computed; `rule` says which one judges.
    """
    if rule not in COMMS_RULES:
        raise ValueError(f"comms rule {rule!r}: choose from {', '.join(COMMS_RULES)}")
    updates = [e for e in events if e.type in UPDATE_TYPES]
    after = [e for e in updates if end is not None and e.at > end]
    unlabelled = sum(1 for e in updates if _audience(e.audience) is None)
    audiences: list[AudienceReview] = []

    def gaps_of(times: list[pd.Timestamp], who: str) -> list[Gap]:
        if start is None or end is None:
            return []
        inside = sorted(max(t, start) for t in times if t <= end)
        points = [(start, "logging"), *((t, "update") for t in inside), (end, end_kind or "resolution")]
        return [Gap(who, a, b, _hours(a, b) or 0.0, ka, kb)
                for (a, ka), (b, kb) in zip(points, points[1:])]

    def review(who: str, times: list[pd.Timestamp]) -> AudienceReview:
        gaps = gaps_of(times, who)
        in_window = [t for t in times if end is None or t <= end]
        first = _hours(start, min(in_window)) if in_window and start is not None else None
        longest = max((g.hours for g in gaps), default=None)
        over = tuple(g for g in gaps if cadence_hours is not None and g.hours > cadence_hours + 1e-9)
        met = None if cadence_hours is None or not gaps else not over
        return AudienceReview(who, len(times), first, longest, over, met)

    for who in AUDIENCES:
        audiences.append(review(who, [e.at for e in updates if _audience(e.audience) in (who, None)]))
    return CommsReview(
        cadence_hours=cadence_hours, cadence_source=cadence_source,
        window_start=start, window_end=end, window_end_kind=end_kind,
        audiences=tuple(audiences), any=review("any", [e.at for e in updates]), rule=rule,
        updates_total=len(updates), updates_after_window=len(after), unlabelled_updates=unlabelled,
    )


# --------------------------------------------------------------------------- narrative checks


def regulatory_checks(items: Iterable[Regulatory], record: Mapping[str, Any], tz: str,
                      now: pd.Timestamp) -> list[RegulatoryCheck]:
    """Each notification against its deadline: awareness + deadline_hours (elapsed hours).

    Awareness is the narrative's awareness_at, else the incident's detected_at, else opened_at.
    """
    out = []
    for r in items:
        if r.awareness_at is not None:
            aware, source = localise(r.awareness_at, tz), "narrative"
        elif record.get("detected_at") is not None:
            aware, source = record["detected_at"], "detected_at"
        else:
            aware, source = record.get("opened_at"), "opened_at"
        deadline = None if aware is None else aware + pd.Timedelta(hours=r.deadline_hours)
        notified = localise(r.notified_at, tz)
        took = _hours(aware, notified)
        if deadline is None:
            status, margin = ("met", None) if notified is not None else ("due", None)
        elif notified is not None:
            status = "met" if notified <= deadline else "missed"
            margin = abs(_hours(notified, deadline) or 0.0)
        elif now > deadline:
            status, margin = "missed", _hours(deadline, now)
        else:
            status, margin = "due", _hours(now, deadline)
        out.append(RegulatoryCheck(r.body, r.deadline_hours, aware, source, deadline, notified,
                                   status, took, margin))
    return out


def action_statuses(actions: Iterable[Action], today: dt.date) -> list[ActionStatus]:
    """Actions in the narrative's order; an action not done whose due date has passed is overdue."""
    out = []
    for a in actions:
        overdue = not a.done and a.due is not None and a.due < today
        out.append(ActionStatus(a, overdue, (today - a.due).days if overdue and a.due else None))
    return out


# --------------------------------------------------------------------------- entry point


def incident_facts(
    ingest: IngestResult,
    config: Config,
    incident_id: str,
    *,
    narrative: Narrative | None = None,
    contacts: pd.DataFrame | None = None,
    now: dt.datetime | pd.Timestamp | None = None,
    cadence: Mapping[str, float] | None = None,
    comms_rule: str = PER_AUDIENCE,
) -> PirFacts:
    """Everything a PIR shows about one incident, computed once."""
    from ..metrics import incident_sla

    pos = find_incident(ingest, incident_id)
    sub = _subset(ingest, pos)
    row_in = sub.incidents.iloc[0]
    record = {name: _py(row_in[name]) for name in sub.incidents.columns}
    for name, value in list(record.items()):
        if name not in ingest.fields and name != "incident_id":
            record[name] = None  # all-NA columns the export did not have
    iid = str(record["incident_id"])
    tz = config.timezone
    now_ts = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if now_ts.tzinfo is None:
        now_ts = now_ts.tz_localize(tz)
    now_ts = now_ts.tz_convert("UTC")

    sla_row = incident_sla(sub, config).iloc[0]
    events, pauses = _timeline(sub.events, sub.pauses)
    sla = _sla_facts(sla_row, record, config, sub.pauses, sub.pauses_known)
    stages = lifecycle_stages(record, events)

    priority = str(sla_row["priority"])
    hours, source = update_cadence(config, priority, cadence)
    resolved = record.get("resolved_at")
    if resolved is not None:
        end, end_kind = resolved, "resolution"
    elif events:
        end, end_kind = max(e.at for e in events), "last event"
    else:
        end, end_kind = None, None
    comms = comms_review(events, record.get("opened_at"), end, end_kind, hours, source, comms_rule)

    facts = PirFacts(
        incident_id=iid, timezone=tz, record=record, fields=frozenset(ingest.fields), sla=sla,
        stages=stages, events=events, pauses=pauses, pauses_known=sub.pauses_known, comms=comms,
        now=now_ts,
    )
    if contacts is not None:
        opened = record.get("opened_at")
        if opened is None or resolved is None:
            facts.contact_note = "the incident is not resolved, so there is no window to measure yet"
        elif resolved <= opened:
            facts.contact_note = "the incident was resolved before it was logged, so there is no window to measure"
        else:
            from ..metrics.contacts import incident_contact_impact

            facts.contact_window = (opened, resolved)
            facts.contact_impact = incident_contact_impact(contacts, opened, resolved, config)
    if narrative is not None:
        if narrative.regulatory is not None:
            facts.regulatory = regulatory_checks(narrative.regulatory, record, tz, now_ts)
        today = now_ts.tz_convert(tz).date()
        facts.actions = action_statuses(narrative.actions, today)
    entries: list[TimelineEntry] = []
    if narrative is not None and narrative.body.strip():
        from .narrative import markdown_blocks

        entries, _ = split_timeline(markdown_blocks(narrative.body))
    facts.timeline = merge_timeline(events, entries, record.get("opened_at"), tz)
    if narrative is not None:
        facts.figure_checks = check_figures(stated_figures(narrative), record, sla.ttr_hours, facts.contact_impact)
    return facts


def zone_label(ts: pd.Timestamp, tz: str) -> str:
    """The zone's abbreviation at that instant ("BST", "GMT", "UTC"), or its UTC offset."""
    local = ts.tz_convert(tz)
    name = local.tzname() or ""
    if name and name[0] not in "+-":
        return name
    off = local.utcoffset() or dt.timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


__all__ = [
    "PirFacts", "Stage", "SlaFacts", "TimelineEvent", "Pause", "Gap", "AudienceReview",
    "CommsReview", "RegulatoryCheck", "ActionStatus", "find_incident", "major_incident_ids",
    "incident_facts", "sla_deadline", "lifecycle_stages", "comms_review", "regulatory_checks",
    "action_statuses", "update_cadence", "localise", "zone_label", "DEFAULT_CADENCE_HOURS",
    "PER_AUDIENCE", "ANY_UPDATE", "COMMS_RULES", "closest_ids", "TimelineRow", "merge_timeline",
    "FigureCheck", "check_figures", "SAME_MOMENT",
]
