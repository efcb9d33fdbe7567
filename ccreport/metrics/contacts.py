"""Contact-centre KPIs (`--contacts`): service level, abandonment and AHT for a period, per
channel, and during an incident against a same-time baseline; and the `contacts` section of a
metric set.

Definitions (used by every document):
- service level % = 100 × answered_in_sl ÷ offered (config `contacts.sl_denominator: offered`,
  the default: an abandoned contact counts against service level) or ÷ answered
  (`sl_denominator: answered`: abandoned contacts are left out);
- abandonment % = 100 × abandoned ÷ offered;
- AHT seconds = handle_seconds ÷ answered.
Ratios are pooled (sums first, then one division), so busy intervals weigh more than quiet
ones. A ratio with a zero denominator, or a window with no interval rows at all, is null.

Reading the interval CSV into a frame is the loader's job (`load_contacts`), not this module's.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import Config
from ..ingest.contacts import interval_length
from ..schema import CONTACT_COUNT_FIELDS as COUNT_COLUMNS
from ..period import Period
from .model import ContactFigures, Contacts, IncidentContacts, MajorIncident

SUMMARY_KEYS = ("offered", "answered", "abandoned", "service_level_pct", "abandonment_pct", "aht_seconds")


def sl_method(config: Config) -> str:
    """How service level is computed, in words, for the output's `sl_method`."""
    return f"answered within threshold ÷ {config.contacts.sl_denominator}"


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return None if den <= 0 else scale * float(num) / float(den)


def summarise(sums: dict[str, float] | None, config: Config, weeks: int = 1) -> dict:
    """The six summary keys from pooled sums; counts are divided by `weeks` (a baseline's
    average week); None sums (no interval rows) → every key null."""
    if sums is None:
        return {k: None for k in SUMMARY_KEYS}
    offered, answered = sums["offered"], sums["answered"]
    sl_den = offered if config.contacts.sl_denominator == "offered" else answered

    def count(v: float) -> int | float:
        return int(v) if weeks == 1 else float(v) / weeks

    return {
        "offered": count(offered),
        "answered": count(answered),
        "abandoned": count(sums["abandoned"]),
        "service_level_pct": _ratio(sums["answered_in_sl"], sl_den, 100.0),
        "abandonment_pct": _ratio(sums["abandoned"], offered, 100.0),
        "aht_seconds": _ratio(sums["handle_seconds"], answered),
    }


def _sums(frame: pd.DataFrame) -> dict[str, float] | None:
    if frame.empty:
        return None
    return {c: float(frame[c].sum()) for c in (*COUNT_COLUMNS, "handle_seconds")}


def _ns(ts: pd.Timestamp) -> int:
    return int(pd.Timestamp(ts).tz_convert("UTC").value) if pd.Timestamp(ts).tzinfo else int(pd.Timestamp(ts).value)


def _window_mask(contacts: pd.DataFrame, start_ns: int, end_ns: int, length: pd.Timedelta) -> np.ndarray:
    """Intervals that overlap [start, end): interval_start < end and interval end > start."""
    t = contacts["interval_start"].to_numpy(dtype="datetime64[ns]").view("i8")
    return (t < end_ns) & (t + int(length.value) > start_ns)


def _by(inside: pd.DataFrame, column: str, config: Config) -> dict[str, dict]:
    """The summary per value of `column` (channel, site, queue), most offered first; {} when
    the frame has no such column or no rows."""
    out: dict[str, dict] = {}
    if inside.empty or column not in inside.columns:
        return out
    sums = inside.groupby(column, observed=True)[[*COUNT_COLUMNS, "handle_seconds"]].sum()
    sums = sums.sort_values("offered", ascending=False, kind="stable")
    for name, row in sums.to_dict("index").items():  # one entry per channel, site or queue (a handful)
        out[str(name)] = summarise({k: float(v) for k, v in row.items()}, config)
    return out


def period_contacts(contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, config: Config) -> dict:
    """The `contacts` object of the metrics JSON for intervals starting in [start, end)."""
    t = contacts["interval_start"].to_numpy(dtype="datetime64[ns]").view("i8")
    inside = contacts[(t >= _ns(start)) & (t < _ns(end))]
    return {
        "sl_method": sl_method(config),
        "period": summarise(_sums(inside), config),
        "by_channel": _by(inside, "channel", config),
        "by_site": _by(inside, "site", config),
        "by_queue": _by(inside, "queue", config),
    }


def incident_contact_impact(contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, config: Config) -> dict:
    """Service level, abandonment and AHT during [start, end) and in the baseline.

    `during` pools the intervals overlapping the window (all channels). The baseline is the same
    local weekday and wall-clock times in each of the previous `config.contacts.baseline_weeks`
    weeks (a window shifted by whole weeks on the local clock, so a DST change in between keeps
    09:00 at 09:00); weeks with no interval rows in that window are skipped; counts are the
    average per week that had data, ratios are pooled over those weeks. A window with no interval
    rows gives nulls. Returns {"during": {...}, "baseline": {...}, "baseline_weeks": n used}.
    """
    length = interval_length(contacts)
    tz = config.timezone
    start = pd.Timestamp(start)
    end = pd.Timestamp(end)
    during = contacts[_window_mask(contacts, _ns(start), _ns(end), length)]
    local_start = start.tz_convert(tz).tz_localize(None)
    local_end = end.tz_convert(tz).tz_localize(None)
    pooled: dict[str, float] | None = None
    weeks = 0
    for k in range(1, config.contacts.baseline_weeks + 1):  # a handful of weeks
        shift = pd.Timedelta(weeks=k)
        s = (local_start - shift).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        e = (local_end - shift).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        week = _sums(contacts[_window_mask(contacts, _ns(s), _ns(e), length)])
        if week is None:
            continue
        weeks += 1
        pooled = week if pooled is None else {c: pooled[c] + week[c] for c in pooled}
    return {
        "during": summarise(_sums(during), config),
        "baseline": summarise(pooled, config, weeks=max(weeks, 1)),
        "baseline_weeks": weeks,
    }


def contacts_section(contacts: pd.DataFrame, majors: list[MajorIncident], p: Period, config: Config) -> Contacts:
    """The metric set's `contacts`: the period, its channels (sites, queues), and each major
    incident's window (opened to resolved, or to the end of P while unresolved) against its
    baseline. `contacts.attrs["site"]` (batch.group_contacts) names the site the frame is restricted to."""
    out = period_contacts(contacts, p.start, p.end, config)
    incidents = []
    for m in majors:  # the month's major incidents (a handful)
        start = pd.Timestamp(m.opened_at)
        # An unresolved major incident is measured to the end of the period.
        end = pd.Timestamp(m.resolved_at) if m.resolved_at else p.end
        if end <= start:  # resolved before it was opened: no window to measure
            continue
        impact = incident_contact_impact(contacts, start, end, config)
        incidents.append(
            IncidentContacts(
                incident_id=m.incident_id,
                start=start.isoformat(),
                end=end.tz_convert(p.timezone).isoformat(),
                during=ContactFigures(**impact["during"]),
                baseline=ContactFigures(**impact["baseline"]),
            )
        )
    return Contacts(
        sl_method=out["sl_method"],
        period=ContactFigures(**out["period"]),
        by_channel={name: ContactFigures(**v) for name, v in out["by_channel"].items()},
        incidents=incidents,
        sl_threshold_seconds=config.contacts.sl_threshold_seconds,
        site=contacts.attrs.get("site"),
        by_site={name: ContactFigures(**v) for name, v in out["by_site"].items()},
        by_queue={name: ContactFigures(**v) for name, v in out["by_queue"].items()},
    )
