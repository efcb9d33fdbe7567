"""Deterministic sample data: a fictional UK contact centre's incidents, timelines and queues.

    python -m ccreport.sample OUTDIR [--end-month 2026-10] [--seed 7] [--incidents 3000]

Northwind Contact Centre has two sites (Leeds, Glasgow) and four channels (Voice, Chat, Email,
Social). For the 13 calendar months ending with ``--end-month`` (Europe/London) this writes:

- ``incidents.csv`` / ``.xlsx`` / ``.json``: the same incidents in the canonical schema (SPEC
  §3.1). CSV and JSON carry ISO 8601 times with the local offset; the workbook holds real
  Excel datetimes in naive local time.
- ``events.csv``: a timeline (SPEC §3.3) for every major incident.
- ``contacts.csv``: 30-minute contact-centre intervals, 08:00-20:00 Monday to Saturday.
- ``ccreport.yaml``: the config that goes with the data (SPEC §3.4).
- ``servicenow_incidents.csv`` and ``jira_incidents.csv``: slices of the same incidents as the
  real tools export them, for trying the presets.

How the incidents are made: a Poisson count per day (quieter weekends, a winter peak, slow
growth) with opening times peaking in office hours; each category has its own volume,
priority mix and lognormal time to resolve. P1/P2 work runs round the clock; P3-P5 work runs
in office hours (Mon-Fri 08:00-18:00, English bank holidays), so an incident logged on Friday
evening waits for Monday. On top come recurring clusters (the same fault 3-5 times in a month:
problem candidates) and a fixed list of major incidents, at least two in the last month,
whose windows also show in the contact-centre intervals as a service-level dip.

Determinism: one numpy Generator seeded by ``--seed``, no reads of the clock, sorted output,
fixed number formats, and the workbook's zip entries and document properties stamped with the
end of the period, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import zipfile
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .schema import FIELDS

TZ = "Europe/London"
MONTHS = 13
OPEN_H, CLOSE_H = 8, 18  # the resolver teams' office day (the config's `office` calendar)
AUTO_CLOSE = pd.Timedelta(days=3)  # ServiceNow-style auto-close after resolution
SITES = ("Leeds", "Glasgow")
CHANNELS = ("Chat", "Email", "Social", "Voice")  # sorted: output order
MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Incidents are logged mostly while the contact centre is open (08:00-20:00).
HOURLY = np.array([1, 1, 1, 1, 1, 1, 2, 5, 12, 16, 15, 13, 11, 12, 13, 12, 10, 8, 6, 5, 3, 2, 1, 1], float)
HOURLY /= HOURLY.sum()


class Category(NamedTuple):
    name: str
    service: str
    group: str
    weight: float  # share of ordinary incidents
    prio: tuple[float, float, float, float, float]  # P1..P5 mix
    median_h: float  # median hours to resolve a P3 (office hours for P3-P5)
    sigma: float  # lognormal spread: larger = longer tail
    channels: tuple[float, float, float, float]  # channel reported on (Chat, Email, Social, Voice)
    effect: tuple[float, float, float, float]  # how hard a major one hits each channel, 0..1
    subcategories: tuple[str, ...]
    titles: tuple[str, ...]
    causes: tuple[str, ...]
    fixes: tuple[str, ...]


CATS = (
    Category("Telephony outage", "Telephony platform", "Telephony Team", .09, (.006, .12, .45, .36, .064), 3.0, .9,
             (0, 0, 0, 1), (.1, .05, .05, 1), ("SIP trunk", "Softphone", "Call recording"),
             ("Inbound calls failing at {site}", "Softphone disconnects mid-call at {site}",
              "One-way audio on outbound calls", "Call recording not capturing calls"),
             ("Carrier SIP trunk failover did not trigger", "Softphone client update incompatible with headsets"),
             ("Failed over to the secondary trunk", "Rolled back the softphone client")),
    Category("CRM failure", "CRM", "CRM Support", .14, (.004, .10, .50, .34, .056), 5.0, 1.0,
             (.15, .1, .05, .7), (.5, .4, .3, .6), ("Performance", "Login", "Integration"),
             ("CRM slow to load customer records", "Agents unable to log in to CRM at {site}",
              "CRM case notes not saving", "Customer search returns no results"),
             ("Database index rebuild left queries unindexed", "Expired integration certificate"),
             ("Restarted the CRM application pool", "Renewed the integration certificate")),
    Category("Network", "Network", "Network Ops", .11, (.005, .10, .45, .38, .065), 4.0, 1.0,
             (.25, .1, .05, .6), (.6, .6, .4, .4), ("WAN", "LAN", "Wi-Fi", "VPN"),
             ("Packet loss on {site} WAN link", "Floor switch down on {site} second floor",
              "Home workers unable to connect to VPN", "Wi-Fi drops in {site} training room"),
             ("Faulty optic on the core switch", "ISP routing change"),
             ("Replaced the optic and restored the link", "Traffic moved to the backup circuit")),
    Category("IVR fault", "IVR", "Telephony Team", .08, (.004, .10, .46, .38, .056), 4.0, .9,
             (0, 0, 0, 1), (.05, 0, 0, .8), ("Routing", "Prompts", "Payments"),
             ("IVR routing callers to the wrong queue", "IVR prompt plays in the wrong language",
              "IVR card payments failing", "Callers stuck in IVR loop"),
             ("Routing table change published without testing", "Payment gateway timeout too short"),
             ("Reverted the routing table", "Raised the payment gateway timeout")),
    Category("Web chat", "Web chat", "Service Desk", .10, (.002, .07, .45, .40, .078), 3.5, .9,
             (.8, 0, .2, 0), (1, 0, .3, .2), ("Widget", "Routing", "Bot"),
             ("Chat widget not loading on website", "Chats not routed to {site} agents",
              "Chatbot hand-off to agents failing", "Chat transcripts not saved"),
             ("Website release removed the chat script", "Bot platform API limit reached"),
             ("Restored the chat script", "Raised the API limit with the vendor")),
    Category("Email gateway", "Email gateway", "Service Desk", .08, (.002, .06, .42, .43, .088), 5.0, 1.0,
             (0, 1, 0, 0), (0, 1, 0, .15), ("Inbound", "Outbound", "Spam filter"),
             ("Customer emails delayed in queue", "Outbound confirmation emails not sent",
              "Legitimate emails quarantined as spam", "Email attachments stripped"),
             ("Spam filter rule too aggressive", "Mail relay certificate expired"),
             ("Relaxed the filter rule and released mail", "Renewed the relay certificate")),
    Category("Workforce management system", "WFM", "Service Desk", .12, (0, .03, .37, .48, .12), 8.0, 1.0,
             (0, 0, 0, 1), (.3, .2, .2, .3), ("Scheduling", "Real-time adherence", "Forecasting"),
             ("WFM schedules not published for {site}", "Real-time adherence feed stalled",
              "Forecast import failed overnight", "Agents unable to swap shifts"),
             ("Interface job to the ACD failed", "Vendor hosting maintenance overran"),
             ("Re-ran the interface job", "Vendor completed maintenance")),
    Category("Security / data breach", "Security", "Security Operations", .03, (.01, .22, .47, .25, .05), 10.0, 1.2,
             (.1, .4, .1, .4), (.3, .2, .2, .3), ("Phishing", "Data disclosure", "Access"),
             ("Phishing email reported by {site} agents", "Customer letter sent to wrong address",
              "Leaver account still active", "Suspicious login to agent account"),
             ("Phishing campaign bypassed the mail filter", "Mail merge used an outdated address list"),
             ("Blocked the sender and reset affected passwords", "Recalled the letters and notified the DPO")),
    Category("Power / facilities", "Building", "Facilities", .05, (.004, .12, .40, .38, .096), 6.0, 1.0,
             (0, 0, 0, 1), (.6, .6, .4, .6), ("Power", "HVAC", "Access control"),
             ("Power failure on {site} floor 2", "Air conditioning failed at {site}",
              "Door access system down at {site}", "UPS alarm in {site} comms room"),
             ("UPS battery end of life", "Landlord maintenance isolated the wrong circuit"),
             ("Replaced the UPS batteries", "Restored the circuit")),
    Category("Third-party supplier", "Supplier services", "Supplier Management", .08, (.003, .08, .42, .40, .097),
             14.0, 1.1, (.1, .2, .1, .6), (0, 0, 0, .9), ("Carrier", "SaaS", "Outsourcer"),
             ("Carrier reports degraded service", "SMS provider delivery delays",
              "Outsourced overflow team unable to log in", "Address lookup service unavailable"),
             ("Supplier platform incident", "Supplier change not notified"),
             ("Supplier restored service", "Supplier rolled back their change")),
    Category("High call volume", "Telephony platform", "Service Desk", .12, (.002, .14, .52, .30, .038), 2.5, .7,
             (0, 0, 0, 1), (.3, .2, .2, 1), ("Demand", "Campaign"),
             ("Call volumes 30% above forecast", "Queue times over 10 minutes at {site}",
              "Unplanned marketing campaign driving calls", "Billing letters prompting calls"),
             ("Marketing campaign not shared with planning", "Billing run sent early"),
             ("Moved back-office staff to the phones", "Published an IVR message")),
)
CAT_INDEX = {c.name: i for i, c in enumerate(CATS)}

# Recurring faults (same category and service several times in a month): problem candidates.
RECURRING = (
    ("IVR fault", "IVR option 3 drops callers to voicemail"),
    ("CRM failure", "CRM screen-pop fails on inbound calls"),
    ("Web chat", "Chat transcripts not saving to CRM"),
    ("Email gateway", "Email attachments quarantined as suspicious"),
    ("Network", "Intermittent packet loss on Glasgow VPN"),
    ("Workforce management system", "Real-time adherence feed stalls every morning"),
    ("Telephony outage", "Softphone audio drops after 10 minutes"),
)

# Major incidents: (month offset from the first month, day, hour, category, priority, hours,
# customers affected, title). Offsets 12 are the last month: at least two land there.
MAJORS = (
    (0, 14, 9, "Telephony outage", 1, 3.4, 5200, "Inbound calls failing at Leeds: SIP trunk outage"),
    (1, 18, 10, "CRM failure", 1, 2.6, 3800, "CRM unavailable for all agents"),
    (2, 9, 13, "Power / facilities", 2, 4.1, 1500, "Power failure at Glasgow site"),
    (3, 12, 8, "IVR fault", 1, 1.8, 6100, "IVR routing all callers to the closed message"),
    (5, 17, 11, "Network", 1, 2.3, 4200, "WAN link failure between Leeds and the data centre"),
    (6, 21, 14, "Third-party supplier", 1, 5.2, 7400, "Carrier outage: 0800 numbers unreachable"),
    (7, 13, 10, "Web chat", 2, 3.0, 2100, "Web chat unavailable on website and app"),
    (8, 16, 15, "Security / data breach", 2, 6.0, 950, "Customer letters sent to the wrong addresses"),
    (9, 8, 9, "Workforce management system", 2, 4.2, 600, "WFM outage: schedules and adherence unavailable"),
    (10, 19, 9, "High call volume", 2, 7.0, 9800, "Call surge after billing error: queues over 40 minutes"),
    (11, 15, 10, "Email gateway", 2, 4.8, 2700, "Email gateway rejecting inbound customer email"),
    (12, 6, 9, "Telephony outage", 1, 2.7, 6300, "Softphone login failures for all agents"),
    (12, 20, 13, "CRM failure", 1, 3.3, 4100, "CRM search timeouts: agents unable to find customers"),
)
ON_HOLD_MAJOR = "Third-party supplier"  # its timeline waits on the carrier (an SLA pause)
COMMS_GAP_MAJOR = 11  # index into MAJORS whose timeline has a 50-minute silence

# Per priority: impact/urgency pairs allowed by the ServiceNow 3x3 matrix.
MATRIX_PAIRS = {1: ((1, 1),), 2: ((1, 2), (2, 1)), 3: ((2, 2), (2, 2), (1, 3), (3, 1)), 4: ((2, 3), (3, 2)), 5: ((3, 3),)}
SN_PRIORITY = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning")
SN_LEVEL = ("1 - High", "2 - Medium", "3 - Low")
SN_STATE = {"Cancelled": "Canceled"}
JIRA_PRIORITY = ("Highest", "High", "Medium", "Low", "Lowest")
JIRA_STATUS = {"New": "Open", "In Progress": "Work in progress", "On Hold": "Pending",
               "Resolved": "Resolved", "Closed": "Closed", "Cancelled": "Canceled"}
JIRA_IMPACT = ("Extensive / Widespread", "Significant / Large", "Moderate / Limited")
RESPOND_MIN = (15, 30, 240, 480, 960)  # the config's respond targets, for tool SLA verdicts
RESOLVE_H = (4, 8, 24, 40, 80)

CONFIG = """\
# ccreport settings for the Northwind Contact Centre sample data (SPEC §3.4).
organisation: {name: Northwind Contact Centre, primary_colour: "#1f4e79"}
timezone: Europe/London
calendars:
  office:
    days: [mon, tue, wed, thu, fri]
    hours: "08:00-18:00"
    holidays: {country: GB, subdivision: ENG}
sla:
  P1: {respond: 15m, resolve: 4h, calendar: 24x7}
  P2: {respond: 30m, resolve: 8h, calendar: 24x7}
  P3: {respond: 4h, resolve: 24h, calendar: office}
  P4: {respond: 8h, resolve: 40h, calendar: office}
  P5: {respond: 16h, resolve: 80h, calendar: office}
pause_states: [On Hold]
targets: {resolution_sla_pct: 95, response_sla_pct: 95, mttr_hours: 12, reopen_rate_pct: 5}
"""


# --- time helpers (naive local time throughout; localised only when written) ---------------

def _hours(h: np.ndarray | float) -> pd.TimedeltaIndex:
    return pd.to_timedelta(np.asarray(h, float) * 3600, unit="s").round("s")


def _bank_holidays(start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    import holidays  # only the generator needs it at import time

    days = holidays.country_holidays("GB", subdiv="ENG", years=range(start.year, end.year + 2))
    return np.array(sorted(days), dtype="datetime64[D]")


def _next_office(ts: pd.Series, hol: np.ndarray) -> pd.Series:
    """ts itself when inside office hours, else the next office opening."""
    day = ts.dt.normalize().to_numpy().astype("datetime64[D]")
    hour = ts.dt.hour.to_numpy()
    inside = np.is_busday(day, holidays=hol) & (hour >= OPEN_H) & (hour < CLOSE_H)
    # After closing time the next candidate is tomorrow; before opening it is today.
    cand = day + (hour >= CLOSE_H).astype("timedelta64[D]")
    nxt = np.busday_offset(cand, 0, roll="forward", holidays=hol).astype("datetime64[s]")
    opening = pd.Series(pd.to_datetime(nxt) + pd.Timedelta(hours=OPEN_H), index=ts.index)
    return ts.where(inside, opening)


def _add_office_hours(start: pd.Series, hours: np.ndarray, hol: np.ndarray) -> pd.Series:
    """Clock time after working `hours` office hours from `start` (which is inside them)."""
    day_h = CLOSE_H - OPEN_H
    midnight = start.dt.normalize()
    left_today = ((midnight + pd.Timedelta(hours=CLOSE_H) - start) / pd.Timedelta(hours=1)).to_numpy()
    same_day = hours <= left_today
    rem = np.where(same_day, 0.0, hours - left_today)
    extra = np.where(same_day, 0, np.ceil(rem / day_h)).astype(int)
    into_last = rem - np.maximum(extra - 1, 0) * day_h
    last = np.busday_offset(midnight.to_numpy().astype("datetime64[D]"), extra, roll="forward", holidays=hol)
    other = pd.Series(pd.to_datetime(last.astype("datetime64[s]")), index=start.index)
    other = other + pd.Timedelta(hours=OPEN_H) + _hours(into_last)
    return (start + _hours(hours)).where(same_day, other)


def _local(ts: pd.Series) -> pd.Series:
    # DST: a wall time that does not exist moves forward; an ambiguous one is read as summer time.
    return ts.dt.tz_localize(TZ, ambiguous=np.ones(len(ts), bool), nonexistent="shift_forward")


def _iso(ts: pd.Series) -> pd.Series:
    """ISO 8601 with the local offset (+01:00), empty for missing."""
    s = _local(ts).dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    return (s.str.slice(0, -2) + ":" + s.str.slice(-2)).fillna("")


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row from a row-wise probability table (rows need not sum to 1)."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


# --- incidents --------------------------------------------------------------------------

def _period(end_month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    end = pd.Timestamp(f"{end_month}-01") + pd.DateOffset(months=1)
    return end - pd.DateOffset(months=MONTHS), end


def _ordinary(rng: np.random.Generator, n: int, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    days = pd.date_range(start, end, freq="D", inclusive="left")
    lam = np.array([1.0, 1.0, .98, .97, .93, .55, .35])[days.weekday]
    lam = lam * (1 + .12 * np.cos(2 * np.pi * (days.month.to_numpy() - 1) / 12))  # winter peak
    lam = lam * np.linspace(.92, 1.08, len(days))  # the centre grows over the year
    counts = rng.poisson(lam * n / lam.sum())
    day = np.repeat(np.arange(len(days)), counts)
    secs = rng.choice(24, size=day.size, p=HOURLY) * 3600 + rng.integers(0, 3600, day.size)
    cat = rng.choice(len(CATS), size=day.size, p=np.array([c.weight for c in CATS]) / sum(c.weight for c in CATS))
    prio = _pick(rng, np.array([CATS[c].prio for c in cat])) + 1
    variant = rng.integers(0, 4, day.size)
    site = rng.choice(SITES, size=day.size, p=[.6, .4])
    return pd.DataFrame({
        "opened": days[day] + pd.to_timedelta(secs, unit="s"), "cat": cat, "prio": prio, "site": site,
        "title": [CATS[c].titles[v].format(site=s) for c, v, s in zip(cat, variant, site)],
        "major": False, "problem": None, "hours": np.nan, "customers": np.nan,
    })


def _clusters(rng: np.random.Generator, per_month: int, start: pd.Timestamp) -> pd.DataFrame:
    rows = []
    for m in range(MONTHS):
        first = start + pd.DateOffset(months=m)
        picks = list(rng.choice(len(RECURRING), size=per_month, replace=False))
        if m == MONTHS - 1 and 0 not in picks:
            picks[0] = 0  # the chronic IVR fault is still recurring in the report month
        for k, r in enumerate(picks):
            cat_name, title = RECURRING[r]
            # Problems get raised a couple of months later, so recent clusters have no record.
            problem = f"PRB{40001 + m * 10 + k:07d}" if m < MONTHS - 2 else None
            when = first + pd.Timedelta(days=float(rng.uniform(0, 12)))
            for _ in range(int(rng.integers(3, 6))):
                when = when + pd.Timedelta(hours=float(rng.uniform(10, 140)))
                if when.hour < OPEN_H or when.hour >= 19:
                    when = when.normalize() + pd.Timedelta(hours=float(rng.uniform(8.5, 17)))
                rows.append((when.floor("s"), CAT_INDEX[cat_name], 3 if rng.random() < .7 else 4,
                             "Glasgow" if "Glasgow" in title else SITES[int(rng.integers(0, 2))], title, problem))
    df = pd.DataFrame(rows, columns=["opened", "cat", "prio", "site", "title", "problem"])
    return df.assign(major=False, hours=np.nan, customers=np.nan)


def _majors(rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
    rows = []
    for k, (m, day, hour, cat, prio, hours, customers, title) in enumerate(MAJORS):
        opened = (start + pd.DateOffset(months=m, days=day - 1, hours=hour)
                  + pd.Timedelta(seconds=int(rng.integers(0, 3600))))
        rows.append((opened, CAT_INDEX[cat], prio, "Glasgow" if "Glasgow" in title else "Leeds", title, True,
                     f"PRB{40500 + k:07d}", hours, customers))
    return pd.DataFrame(rows, columns=["opened", "cat", "prio", "site", "title", "major", "problem", "hours",
                                       "customers"])


def incidents(n: int = 3000, end_month: str = "2026-10", seed: int = 7) -> pd.DataFrame:
    """The sample incidents with naive local (Europe/London) times, sorted by opening."""
    rng = np.random.default_rng(seed)
    start, end = _period(end_month)
    hol = _bank_holidays(start, end)
    per_month = max(1, round(3 * n / 3000))
    clusters = _clusters(rng, per_month, start)
    majors = _majors(rng, start)
    base = _ordinary(rng, n - len(clusters) - len(majors), start, end)
    df = pd.concat([base, clusters, majors], ignore_index=True)
    df = df.sort_values("opened", kind="stable").reset_index(drop=True)
    df["opened"] = df["opened"].astype("datetime64[s]")
    k, prio, cat = len(df), df["prio"].to_numpy(), df["cat"].to_numpy()
    major = df["major"].to_numpy(bool)
    p = prio - 1
    office = prio >= 3  # P3-P5 are worked in office hours; P1/P2 round the clock

    pair = [MATRIX_PAIRS[q][i % len(MATRIX_PAIRS[q])] for q, i in zip(prio, rng.integers(0, 12, k))]
    # Resolution: lognormal per category, scaled by priority; majors take their scripted length.
    median = np.array([CATS[c].median_h for c in cat]) * np.array([.35, .55, 1, 1.5, 2.5])[p]
    work_h = np.minimum(np.exp(np.log(median) + np.array([CATS[c].sigma for c in cat]) * rng.standard_normal(k)), 400)
    work_h = np.where(major, df["hours"].to_numpy(), np.maximum(work_h, .1))
    work_start = _next_office(df["opened"], hol).where(office, df["opened"])
    resolved = _add_office_hours(work_start, work_h, hol).where(office, df["opened"] + _hours(work_h))
    ack_min = np.exp(np.log(np.array([4, 10, 35, 90, 240])[p]) + .8 * rng.standard_normal(k))
    ack_min = np.where(major, rng.uniform(3, 9, k), ack_min)
    ack = (work_start + _hours(ack_min / 60)).clip(upper=df["opened"] + (resolved - df["opened"]) / 2)
    detected = (df["opened"] - _hours(rng.uniform(1, 20, k) / 60)).where((prio <= 2) | (rng.random(k) < .25))
    esc = major | (rng.random(k) < np.array([1, .6, .15, .05, .02])[p])
    escalated = (ack + (resolved - ack) * np.where(major, .08, rng.uniform(.1, .6, k))).where(esc)
    level = np.where(major, 3, np.where(esc, 1 + (rng.random(k) < .3) + (prio <= 2), 0))
    reopen = (rng.random(k) < .04).astype(int) + (rng.random(k) < .005)
    customers = np.where(major, df["customers"].to_numpy(),
                         np.round(np.exp(np.log(np.array([3000, 600, 40, 6, 1])[p]) + .9 * rng.standard_normal(k))
                                  * (rng.random(k) < np.array([1, 1, .8, .5, .2])[p])))
    contacts = np.round(customers * rng.uniform(.25, .7, k))

    as_of = end  # the export was taken at the end of the last month
    cancelled = ~major & (rng.random(k) < .015)
    open_ = ~cancelled & (resolved >= as_of)
    closed = (resolved + AUTO_CLOSE).where(~open_)
    status = np.where(closed < as_of, "Closed", "Resolved")
    status = np.where(open_, np.where(ack >= as_of, "New", np.where(rng.random(k) < .25, "On Hold", "In Progress")),
                      status)
    status = np.where(cancelled, "Cancelled", status)
    closed = closed.where(closed < as_of)
    closed = closed.where(~cancelled, df["opened"] + _hours(rng.uniform(10, 120, k) / 60))
    done = np.isin(status, ("Resolved", "Closed"))
    resolved = resolved.where(done)
    ack = ack.where((ack < as_of) & (~cancelled | (ack < closed)))
    escalated = escalated.where(done | (escalated < as_of)).where(~cancelled)
    level = np.where(escalated.notna(), level, 0)
    with_cause = done & (major | df["problem"].notna().to_numpy() | (rng.random(k) < .35))
    ttr = ((resolved - df["opened"]) / pd.Timedelta(hours=1)).to_numpy()
    csat = np.clip(np.round(4.4 - .45 * np.log1p(np.nan_to_num(ttr) / 8) - .8 * major
                            + .9 * rng.standard_normal(k)), 1, 5)
    problem = df["problem"].where(~cancelled)
    random_problem = done & problem.isna().to_numpy() & (rng.random(k) < .02)
    problem = problem.where(~random_problem, [f"PRB{41000 + i:07d}" for i in range(k)])
    cause = [CATS[c].causes[i % 2] if w else None for c, i, w in zip(cat, rng.integers(0, 2, k), with_cause)]
    fix = [CATS[c].fixes[i % 2] if d else None for c, i, d in zip(cat, rng.integers(0, 2, k), done)]
    source = rng.choice(["a team leader", "monitoring", "an agent", "the supplier"], size=k, p=[.4, .3, .25, .05])
    scope = np.array(["All agents affected.", "Several teams affected.", "One team affected.",
                      "A single agent affected.", "No customer impact."])[p]
    description = [f"{t}. Reported by {s} at {site}. {sc}" for t, s, site, sc in zip(df["title"], source, df["site"], scope)]
    # One free-text field with quotes, a comma and markup, as agents really type them.
    description[k // 2] += ' Error shown: "Session expired, please <b>log in</b> again".'
    chan = _pick(rng, np.array([CATS[c].channels for c in cat]))

    out = pd.DataFrame({
        "incident_id": [f"INC{10001 + i:07d}" for i in range(k)],
        "title": df["title"], "description": description,
        "category": [CATS[c].name for c in cat],
        "subcategory": [CATS[c].subcategories[i % len(CATS[c].subcategories)] for c, i in zip(cat, rng.integers(0, 6, k))],
        "service": [CATS[c].service for c in cat], "channel": np.array(CHANNELS)[chan], "site": df["site"],
        "assignment_group": [CATS[c].group for c in cat], "priority": [f"P{q}" for q in prio],
        "impact": [a for a, _ in pair], "urgency": [u for _, u in pair], "status": status, "major": major,
        "opened_at": df["opened"], "detected_at": detected, "acknowledged_at": ack, "escalated_at": escalated,
        "resolved_at": resolved, "closed_at": closed, "escalation_level": level,
        "reassignment_count": rng.poisson(.3, k) + esc.astype(int), "reopen_count": np.where(done, reopen, 0),
        "customers_affected": customers.astype(int), "contacts_affected": contacts.astype(int),
        "csat": pd.Series(csat).where(done & (rng.random(k) < .4)),
        "root_cause": cause, "resolution_notes": fix, "problem_id": problem,
    })
    for col in ("detected_at", "acknowledged_at", "escalated_at", "resolved_at", "closed_at"):
        out[col] = out[col].dt.floor("s")
    return out[list(FIELDS)]


# --- writers ----------------------------------------------------------------------------

def _text_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Every canonical column as the exact text written to CSV ('' for missing)."""
    out = df.copy()
    for col in out.columns:
        if col.endswith("_at"):
            out[col] = _iso(out[col])
    out["major"] = np.where(df["major"], "true", "false")
    out["csat"] = df["csat"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    return out.fillna("").astype(str)


def _write_csv(path: Path, header: list[str], rows, quoting: int = csv.QUOTE_MINIMAL) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=quoting)
        writer.writerow(header)
        writer.writerows(rows)


def _write_json(path: Path, df: pd.DataFrame, text: pd.DataFrame) -> None:
    records = []
    for rec, raw in zip(text.to_dict("records"), df.to_dict("records")):
        for key, value in rec.items():
            if value == "":
                rec[key] = None
            elif key in ("impact", "urgency", "escalation_level", "reassignment_count", "reopen_count",
                         "customers_affected", "contacts_affected"):
                rec[key] = int(value)
        rec["major"] = bool(raw["major"])
        rec["csat"] = None if pd.isna(raw["csat"]) else float(raw["csat"])
        records.append(json.dumps(rec, ensure_ascii=False))
    path.write_text('{"incidents": [\n' + ",\n".join(records) + "\n]}\n", encoding="utf-8")


def _write_xlsx(path: Path, df: pd.DataFrame, stamp: pd.Timestamp) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Incidents")
    ws.append(list(df.columns))
    for row in df.itertuples(index=False):
        ws.append([None if pd.isna(v) else v.to_pydatetime() if isinstance(v, pd.Timestamp)
                   else v.item() if isinstance(v, np.generic) else v for v in row])
    wb.save(path)
    _freeze_zip(path, stamp)


def _freeze_zip(path: Path, stamp: pd.Timestamp) -> None:
    """Rewrite an OOXML zip with fixed entry dates and document dates (openpyxl uses now())."""
    iso = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as src:
        items = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + iso.encode(), data)
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


def events(inc: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A blameless timeline (roles, not people) for every major incident."""
    rows: list[tuple] = []
    m = pd.Timedelta(minutes=1)
    for k, r in enumerate(inc[inc["major"]].itertuples()):
        grp, cadence = r.assignment_group, (30 if r.priority == "P1" else 60)
        add = lambda t, typ, text, who, aud="": rows.append((r.incident_id, t, typ, text, who, aud))  # noqa: E731
        add(r.detected_at, "detected", f"Monitoring alert: {r.title.lower()}", "Service Desk")
        add(r.opened_at, "logged", "Incident logged from team leader reports", "Service Desk")
        add(r.opened_at, "state", "New", "Service Desk")
        add(r.acknowledged_at, "acknowledged", f"Acknowledged by {grp}", grp)
        add(r.acknowledged_at, "state", "In Progress", grp)
        add(r.acknowledged_at + 2 * m, "prioritised", f"Priority {r.priority}; major incident declared",
            "Incident Manager")
        add(r.escalated_at, "escalated", "Bridge opened; third-line and supplier engaged", "Incident Manager")
        t = r.escalated_at + 5 * m
        add(t, "comms", "Recorded IVR message and website banner published", "Incident Manager", "external")
        span = r.resolved_at - t
        n = int(min(9, span / (cadence * m * .8)))
        step = max(cadence * .8, span / (n + 1) / m)
        for i in range(1, n + 1):
            gap = 50 if (k == COMMS_GAP_MAJOR and i == 2) else step * rng.uniform(.85, 1.0)
            if t + gap * m >= r.resolved_at - 5 * m:
                break
            t = t + gap * m
            if i % 2:
                add(t, "update", f"Update {i}: engineers investigating; impact unchanged", "Incident Manager",
                    "internal")
            else:
                add(t, "comms", f"Customer update {i // 2}: we are still working to restore service",
                    "Incident Manager", "external")
        mid = r.opened_at + (r.resolved_at - r.opened_at) * .55
        add(mid.floor("min"), "workaround", "Workaround in place: calls overflow to the other site", grp)
        if r.category == ON_HOLD_MAJOR:
            add((r.opened_at + (r.resolved_at - r.opened_at) * .3).floor("min"), "state", "On Hold",
                "Supplier Management")
            add(mid.floor("min") - 5 * m, "state", "In Progress", "Supplier Management")
        add(r.resolved_at, "resolved", "Service restored; monitoring confirms normal call flow", grp)
        add(r.resolved_at, "state", "Resolved", grp)
        add(r.resolved_at + 10 * m, "comms", "Resolution notice sent; banner removed", "Incident Manager",
            "external")
        if pd.notna(r.closed_at):
            add(r.closed_at, "closed", "Closed after 72 hours without recurrence", "Service Desk")
            add(r.closed_at, "state", "Closed", "Service Desk")
    ev = pd.DataFrame(rows, columns=["incident_id", "timestamp", "type", "text", "author", "audience"])
    return ev.sort_values(["incident_id", "timestamp"], kind="stable").reset_index(drop=True)


def contacts(inc: pd.DataFrame, end_month: str, rng: np.random.Generator) -> pd.DataFrame:
    """Half-hourly queue statistics, with a visible dip while each major incident is open."""
    start, end = _period(end_month)
    days = pd.date_range(start, end, freq="D", inclusive="left")
    shut = (days.weekday == 6) | ((days.month == 12) & np.isin(days.day, (25, 26))) | ((days.month == 1) & (days.day == 1))
    days = days[~shut]
    slots = np.arange(24) * 30  # minutes after 08:00
    t = (days.values[:, None] + np.timedelta64(OPEN_H, "h") + slots.astype("timedelta64[m]")).ravel()
    hour = OPEN_H + np.tile(slots, len(days)) / 60
    wk = np.repeat(np.array([1.15, 1.05, 1.0, .98, .95, .6])[days.weekday], 24)
    season = np.repeat(1 + .12 * np.cos(2 * np.pi * (days.month.to_numpy() - 1) / 12), 24)
    grow = np.linspace(0, 1, len(t))
    # Channel shapes: voice peaks mid-morning, chat and social in the evening, email flat.
    shape = {"Voice": np.exp(-((hour - 10.5) / 3) ** 2) + .6 * np.exp(-((hour - 15) / 2.5) ** 2),
             "Chat": .6 + .4 * np.exp(-((hour - 17) / 3) ** 2), "Email": np.full(len(t), .8),
             "Social": .5 + .5 * np.exp(-((hour - 18.5) / 2.5) ** 2)}
    peak = {"Chat": 45 * (1 + .3 * grow), "Email": 35 * np.ones(len(t)), "Social": 8 * (1 + .5 * grow),
            "Voice": 140 * (1 - .1 * grow)}
    base = {"Chat": (.03, .86, 520), "Email": (0, .92, 430), "Social": (.02, .80, 290), "Voice": (.05, .82, 370)}
    ts = pd.Series(pd.to_datetime(t))
    frames = []
    for c, chan in enumerate(CHANNELS):
        sev = np.zeros(len(t))
        for r in inc[inc["major"]].itertuples():
            hit = (ts + pd.Timedelta(minutes=30) > r.opened_at) & (ts < r.resolved_at)
            sev = np.maximum(sev, hit.to_numpy() * CATS[CAT_INDEX[r.category]].effect[c])
        abandon, sl, aht = base[chan]
        lam = peak[chan] * shape[chan] * wk * season * (1 + .3 * sev)
        offered = rng.poisson(lam)
        ab_rate = np.clip(abandon + .01 * rng.standard_normal(len(t)) + .3 * sev, 0, .9)
        abandoned = rng.binomial(offered, ab_rate)
        answered = offered - abandoned
        sl_rate = np.clip((sl + .04 * rng.standard_normal(len(t)) - .05 * lam / peak[chan]) * (1 - .6 * sev), .02, .99)
        aht_s = aht * np.exp(.08 * rng.standard_normal(len(t))) * (1 + .5 * sev)
        frames.append(pd.DataFrame({"interval_start": ts, "channel": chan, "offered": offered, "answered": answered,
                                    "abandoned": abandoned, "answered_in_sl": rng.binomial(answered, sl_rate),
                                    "handle_seconds": np.round(answered * aht_s).astype(int)}))
    out = pd.concat(frames).sort_values(["interval_start", "channel"], kind="stable")
    out["interval_start"] = _iso(out["interval_start"])
    return out


def _s(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _naive(ts) -> str:
    return "" if pd.isna(ts) else ts.strftime("%Y-%m-%d %H:%M:%S")


def _servicenow(inc: pd.DataFrame, rng: np.random.Generator) -> tuple[list[str], list[list[str]]]:
    """A ServiceNow list export (field names, display values, instance local time)."""
    header = ["number", "short_description", "description", "opened_at", "sys_created_on", "priority", "impact",
              "urgency", "incident_state", "state", "category", "subcategory", "cmdb_ci", "business_service",
              "location", "contact_type", "assignment_group", "assigned_to", "made_sla", "reopen_count",
              "reassignment_count", "resolved_at", "closed_at", "close_code", "close_notes", "problem_id",
              "caller_id", "sys_updated_on"]
    rows = []
    for r in inc.itertuples():
        p = int(r.priority[1]) - 1
        state = SN_STATE.get(r.status, r.status)
        ttr = (r.resolved_at - r.opened_at) / pd.Timedelta(hours=1) if pd.notna(r.resolved_at) else None
        made = ttr is None or ttr <= RESOLVE_H[p] * (1 if p < 2 else 2.4)  # rough office-hours allowance
        last = max(x for x in (r.opened_at, r.acknowledged_at, r.resolved_at, r.closed_at) if pd.notna(x))
        code = ("" if pd.isna(r.resolved_at) else
                rng.choice(["Solved (Permanently)", "Solved (Work Around)", "Not Solved (Not Reproducible)"],
                           p=[.8, .15, .05]))
        rows.append([r.incident_id, r.title, r.description, _naive(r.opened_at),
                     _naive(r.opened_at + pd.Timedelta(seconds=int(rng.integers(2, 40)))), SN_PRIORITY[p],
                     SN_LEVEL[r.impact - 1], SN_LEVEL[r.urgency - 1], state, state, r.category, r.subcategory,
                     f"{r.service.upper().replace(' ', '-')[:12]}-{r.site[:3].upper()}-0{1 + int(rng.integers(0, 3))}",
                     r.service, r.site, rng.choice(["Phone", "Self-service", "Email", "Monitoring"], p=[.55, .2, .1, .15]),
                     r.assignment_group, f"{r.assignment_group} Analyst {1 + int(rng.integers(0, 6))}",
                     "true" if made else "false", str(r.reopen_count), str(r.reassignment_count),
                     _naive(r.resolved_at), _naive(r.closed_at), code, _s(r.resolution_notes), _s(r.problem_id),
                     f"{r.site} Team Leader {1 + int(rng.integers(0, 9))}",
                     _naive(last + pd.Timedelta(seconds=int(rng.integers(5, 600))))])
    return header, rows


def _jira_date(ts) -> str:
    if pd.isna(ts):
        return ""
    return f"{ts.day:02d}/{MON[ts.month - 1]}/{ts.year % 100:02d} {ts.hour % 12 or 12}:{ts.minute:02d} " \
           f"{'AM' if ts.hour < 12 else 'PM'}"


def _jira_sla(minutes: float) -> str:
    """Remaining SLA time as Jira's CSV shows it: negative once breached."""
    h, m = divmod(int(round(abs(minutes))), 60)
    return ("-" if minutes < 0 else "") + (f"{h}h {m}m" if h else f"{m}m")


def _jira(inc: pd.DataFrame, as_of: pd.Timestamp, rng: np.random.Generator) -> tuple[list[str], list[list[str]]]:
    """A Jira Service Management CSV export: repeated column names, `25/Feb/26 10:17 PM` dates."""
    header = ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name", "Priority",
              "Resolution", "Assignee", "Reporter", "Creator", "Created", "Updated", "Last Viewed", "Resolved",
              "Components", "Description", "Watchers", "Watchers", "Custom field (Category)",
              "Custom field (Category)", "Custom field (Time to first response)", "Custom field (Time to resolution)",
              "Custom field (Request Type)", "Custom field (Impact)", "Custom field (Urgency)", "Comment", "Comment"]
    rows = []
    for i, r in enumerate(inc.itertuples()):
        p = int(r.priority[1]) - 1
        agent, reporter = f"Service Desk Agent {1 + i % 5}", f"{r.site} Team Leader {1 + i % 7}"
        acct = lambda: f"557058:{rng.integers(0, 16 ** 8):08x}-{rng.integers(0, 16 ** 4):04x}"  # noqa: E731
        end = r.resolved_at if pd.notna(r.resolved_at) else as_of
        updated = max(x for x in (r.opened_at, r.acknowledged_at, r.resolved_at, r.closed_at) if pd.notna(x))
        first = "" if pd.isna(r.acknowledged_at) else _jira_sla(
            RESPOND_MIN[p] - (r.acknowledged_at - r.opened_at) / pd.Timedelta(minutes=1))
        resolution = "" if r.status == "Cancelled" else _jira_sla(
            RESOLVE_H[p] * 60 * (1 if p < 2 else 2.4) - (end - r.opened_at) / pd.Timedelta(minutes=1))
        desc = r.description if i else f"{r.description}\n\nSteps taken so far:\n* Checked the status page\n* Restarted the client"
        c1 = "" if pd.isna(r.acknowledged_at) else f"{_jira_date(r.acknowledged_at)};{acct()};Investigating, thanks for reporting"
        c2 = "" if pd.isna(r.resolved_at) else f"{_jira_date(r.resolved_at)};{acct()};{_s(r.resolution_notes) or 'Resolved'}"
        rows.append([r.title, f"NCC-{1201 + i}", str(10850 + i * 3), "Incident", JIRA_STATUS[r.status], "NCC",
                     "Northwind Service Desk", JIRA_PRIORITY[p],
                     {"Cancelled": "Won't Do", "Resolved": "Done", "Closed": "Done"}.get(r.status, ""),
                     agent, reporter, reporter, _jira_date(r.opened_at), _jira_date(updated),
                     _jira_date(updated + pd.Timedelta(minutes=int(rng.integers(1, 300)))) if i % 3 else "",
                     _jira_date(r.resolved_at), r.service, desc, agent, reporter if i % 2 else "", r.category,
                     r.subcategory, first, resolution, "Report a system problem", JIRA_IMPACT[r.impact - 1],
                     ("High", "Medium", "Low")[r.urgency - 1], c1, c2])
    return header, rows


def generate(outdir: str | Path, end_month: str = "2026-10", seed: int = 7, incidents_n: int = 3000) -> list[Path]:
    """Write every sample file into `outdir` and return their paths."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    start, end = _period(end_month)
    inc = incidents(incidents_n, end_month, seed)
    rng = np.random.default_rng([seed, 1])  # a second stream: the other files don't shift incidents
    text = _text_columns(inc)
    _write_csv(out / "incidents.csv", list(text.columns), text.itertuples(index=False))
    _write_json(out / "incidents.json", inc, text)
    _write_xlsx(out / "incidents.xlsx", inc, end)
    ev = events(inc, rng)
    ev["timestamp"] = _iso(ev["timestamp"])
    _write_csv(out / "events.csv", list(ev.columns), ev.itertuples(index=False))
    cc = contacts(inc, end_month, rng)
    _write_csv(out / "contacts.csv", list(cc.columns), cc.itertuples(index=False))
    (out / "ccreport.yaml").write_text(CONFIG, encoding="utf-8")
    last = inc[inc["opened_at"] >= end - pd.DateOffset(months=1)]
    _write_csv(out / "servicenow_incidents.csv", *_servicenow(last.head(60), rng), quoting=csv.QUOTE_ALL)
    desk = last[last["assignment_group"] == "Service Desk"].tail(40)
    _write_csv(out / "jira_incidents.csv", *_jira(desk, end, rng))
    names = ["incidents.csv", "incidents.json", "incidents.xlsx", "events.csv", "contacts.csv", "ccreport.yaml",
             "servicenow_incidents.csv", "jira_incidents.csv"]
    return [out / name for name in names]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ccreport.sample", description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--end-month", default="2026-10", help="last month of the 13 (YYYY-MM)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--incidents", type=int, default=3000, help="about how many incidents")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.end_month):
        parser.error(f"--end-month {args.end_month!r}: expected YYYY-MM")
    for path in generate(args.outdir, args.end_month, args.seed, args.incidents):
        print(f"Wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
