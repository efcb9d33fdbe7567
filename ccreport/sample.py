"""Deterministic sample data: a fictional UK contact centre's incidents, timelines and queues.

    python -m ccreport.sample OUTDIR [--end-month 2026-10] [--seed 7] [--incidents 3000]

Northwind Contact Centre has two sites (Leeds, Glasgow) and four channels (Voice, Chat, Email,
Social). For the 13 calendar months ending with ``--end-month`` (Europe/London) this writes:

- ``incidents.csv`` / ``.xlsx`` / ``.json``: the same incidents in the canonical schema (SPEC
  §3.1). CSV and JSON carry ISO 8601 times with the local offset; the workbook holds real
  Excel datetimes in naive local time.
- ``events.csv``: a blameless timeline (SPEC §3.3) for every major incident.
- ``contacts.csv``: 30-minute contact-centre intervals, 08:00-20:00 Monday to Saturday.
- ``ccreport.yaml``: the config that goes with the data (SPEC §3.4).
- ``servicenow_incidents.csv`` and ``jira_incidents.csv``: slices of the same incidents as
  those tools export them, for trying the presets.

This is the demo's data generator, not the data path: its few loops over rows (`itertuples`,
a few thousand incidents and their timelines, each row building several text lines) run once
per `make sample` or `ccreport demo` and are kept readable rather than vectorised.
- ``reviews/<incident id>.md``: the post-incident review narrative of the major incident the
  demo reviews (the call surge of 19 August 2026, the one that affected most customers): the
  shipped example narrative, written for exactly that incident and its events. Written only
  when the data has that incident on that day (the default ``--end-month`` and ``--seed``).

How the incidents are made: a Poisson count per day (quieter weekends, a winter peak, slow
growth) with opening times peaking in the day; each category has its own volume, priority mix
and lognormal time to resolve. P1/P2 work runs round the clock; P3-P5 work runs in office hours
(Mon-Fri 08:00-18:00, English bank holidays), so a fault logged on Friday evening waits for
Monday. On top come recurring clusters (one fault 3-5 times within weeks: problem
candidates), a few incidents stuck open with suppliers, and a fixed list of major incidents,
at least two in the last month, whose windows show in contacts.csv as a service-level dip.

Determinism: one numpy Generator per seed, no reads of the clock, sorted output, fixed number
formats, and the workbook's zip entries and document properties stamped with the end of the
period, so the same arguments give byte-identical files.
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

from .schema import FIELDS, INT_FIELDS

#: The sample export's columns: every canonical field but the tool's own SLA verdict, which a
#: canonical export does not carry (ServiceNow's `made_sla` is in servicenow_incidents.csv), and
#: the configuration item, which the sample does not record (its ServiceNow export does, as cmdb_ci).
CANONICAL_COLUMNS = tuple(f for f in FIELDS if f not in ("tool_sla_met", "configuration_item"))

TZ = "Europe/London"
MONTHS = 13
OPEN_H, CLOSE_H = 8, 18  # the resolver teams' office day: the config's `office` calendar
AUTO_CLOSE = pd.Timedelta(days=3)  # resolved incidents close themselves after three days
SITES = ("Leeds", "Glasgow")
CHANNELS = ("Chat", "Email", "Social", "Voice")  # sorted, because that is the output order
MON = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
# Incidents are logged mostly while the contact centre is open (08:00-20:00).
HOURLY = np.array([1, 1, 1, 1, 1, 1, 2, 5, 12, 16, 15, 13, 11, 12, 13, 12, 10, 8, 6, 5, 3, 2, 1, 1], float)
HOURLY /= HOURLY.sum()


class Category(NamedTuple):
    name: str
    service: str
    group: str
    weight: float  # share of ordinary incidents
    prio: tuple[float, ...]  # P1..P5 mix; P1 is rare outside major incidents
    median_h: float  # median hours to resolve a P3 (office hours for P3-P5)
    sigma: float  # lognormal spread: larger means a longer tail
    channels: tuple[float, ...]  # channel the fault shows on (Chat, Email, Social, Voice)
    effect: tuple[float, ...]  # 0..1, how hard a major one hits each channel's queue
    subcategories: tuple[str, ...]
    titles: tuple[str, ...]
    causes: tuple[tuple[str, str], ...]  # (root cause, resolution notes)


CATS = (
    Category("Telephony outage", "Telephony platform", "Telephony Team", .09, (.006, .12, .45, .36, .064), 3, .9,
             (0, 0, 0, 1), (.1, .05, .05, 1), ("SIP trunk", "Softphone", "Call recording"),
             ("Inbound calls failing at {site}", "Softphone drops calls at {site}", "One-way audio on calls"),
             (("SIP trunk failover did not trigger", "Failed over to the spare trunk"),
              ("Softphone update broke headsets", "Rolled back the softphone"))),
    Category("CRM failure", "CRM", "CRM Support", .14, (.004, .10, .50, .34, .056), 5, 1.0,
             (.15, .1, .05, .7), (.5, .4, .3, .6), ("Performance", "Login", "Integration"),
             ("CRM slow to load customer records", "CRM logins failing at {site}", "Case notes not saving"),
             (("Index rebuild left queries unindexed", "Rebuilt the index"),
              ("Integration certificate expired", "Renewed the certificate"))),
    Category("Network", "Network", "Network Ops", .11, (.005, .10, .45, .38, .065), 4, 1.0,
             (.25, .1, .05, .6), (.6, .6, .4, .4), ("WAN", "LAN", "Wi-Fi", "VPN"),
             ("Packet loss on {site} WAN link", "Floor switch down at {site}", "Home workers unable to use VPN"),
             (("Faulty optic on the core switch", "Replaced the optic"),
              ("ISP routing change", "Moved traffic to the backup circuit"))),
    Category("IVR fault", "IVR", "Telephony Team", .08, (.004, .10, .46, .38, .056), 4, .9,
             (0, 0, 0, 1), (.05, 0, 0, .8), ("Routing", "Prompts", "Payments"),
             ("IVR routing to the wrong queue", "IVR prompt in the wrong language", "IVR card payments failing"),
             (("Routing change published untested", "Reverted the routing table"),
              ("Payment gateway timeout too short", "Raised the gateway timeout"))),
    Category("Web chat", "Web chat", "Service Desk", .10, (.002, .07, .45, .40, .078), 3.5, .9,
             (.8, 0, .2, 0), (1, 0, .3, .2), ("Widget", "Routing", "Bot"),
             ("Chat widget not loading", "Chats not routed to {site} agents", "Chatbot hand-off failing"),
             (("Website release removed the chat script", "Restored the chat script"),
              ("Bot platform API limit reached", "Vendor raised the API limit"))),
    Category("Email gateway", "Email gateway", "Service Desk", .08, (.002, .06, .42, .43, .088), 5, 1.0,
             (0, 1, 0, 0), (0, 1, 0, .15), ("Inbound", "Outbound", "Spam filter"),
             ("Customer emails delayed in queue", "Confirmation emails not sent", "Legitimate emails quarantined"),
             (("Spam filter rule too aggressive", "Relaxed the rule and released held mail"),
              ("Mail relay certificate expired", "Renewed the relay certificate"))),
    Category("Workforce management system", "WFM", "Service Desk", .12, (0, .03, .37, .48, .12), 8, 1.0,
             (0, 0, 0, 1), (.3, .2, .2, .3), ("Scheduling", "Real-time adherence", "Forecasting"),
             ("WFM schedules not published for {site}", "Adherence feed stalled", "Forecast import failed"),
             (("Interface job to the ACD failed", "Re-ran the interface job"),
              ("Vendor maintenance overran", "Vendor completed maintenance"))),
    Category("Security / data breach", "Security", "Security Operations", .03, (.01, .22, .47, .25, .05), 10, 1.2,
             (.1, .4, .1, .4), (.3, .2, .2, .3), ("Phishing", "Data disclosure", "Access"),
             ("Phishing email reported at {site}", "Letter sent to wrong address", "Leaver account active"),
             (("Phishing bypassed the mail filter", "Blocked the sender and reset passwords"),
              ("Mail merge used an old address list", "Recalled the letters; DPO informed"))),
    Category("Power / facilities", "Building", "Facilities", .05, (.004, .12, .40, .38, .096), 6, 1.0,
             (0, 0, 0, 1), (.6, .6, .4, .6), ("Power", "HVAC", "Access control"),
             ("Power failure on {site} floor 2", "Air conditioning fault at {site}", "Door access down"),
             (("UPS battery end of life", "Replaced the UPS batteries"),
              ("Landlord works isolated the wrong circuit", "Restored the circuit"))),
    Category("Third-party supplier", "Supplier services", "Supplier Management", .08, (.003, .08, .42, .40, .097),
             14, 1.1, (.1, .2, .1, .6), (0, 0, 0, .9), ("Carrier", "SaaS", "Outsourcer"),
             ("Carrier reports degraded service", "SMS provider delivery delays", "Address lookup unavailable"),
             (("Supplier platform incident", "Supplier restored service"),
              ("Supplier change not notified to us", "Supplier rolled back their change"))),
    Category("High call volume", "Telephony platform", "Service Desk", .12, (.002, .14, .52, .30, .038), 2.5, .7,
             (0, 0, 0, 1), (.3, .2, .2, 1), ("Demand", "Campaign"),
             ("Call volumes 30% above forecast", "Queues over 10 minutes at {site}", "Billing letters drive calls"),
             (("Campaign not shared with planning", "Moved back-office staff to the phones"),
              ("Billing run sent early", "Published an IVR message"))),
)
CAT_INDEX = {c.name: i for i, c in enumerate(CATS)}

# The same fault again and again within weeks: what problem management should pick up.
RECURRING = (
    ("IVR fault", "IVR option 3 drops callers to voicemail"),
    ("CRM failure", "CRM screen-pop fails on inbound calls"),
    ("Web chat", "Chat transcripts not saving to CRM"),
    ("Email gateway", "Email attachments quarantined as suspicious"),
    ("Network", "Intermittent packet loss on Glasgow VPN"),
    ("Workforce management system", "Real-time adherence feed stalls every morning"),
    ("Telephony outage", "Softphone audio drops after 10 minutes"),
)

# Major incidents: (month offset, day, hour, category, priority, hours, customers, title). The
# 4.4 h P1 and the 8.5 h P2 breach their resolve targets; the 4.6 h carrier outage meets its
# 4 h only once its On Hold time is paused off the clock.
MAJORS = (
    (0, 14, 9, "Telephony outage", 1, 4.4, 5200, "Inbound calls failing at Leeds: SIP trunk outage"),
    (1, 18, 10, "CRM failure", 1, 2.6, 3800, "CRM unavailable for all agents"),
    (2, 9, 13, "Power / facilities", 2, 4.1, 1500, "Power failure at Glasgow site"),
    (3, 12, 8, "IVR fault", 1, 1.8, 6100, "IVR routing all callers to the closed message"),
    (5, 17, 11, "Network", 1, 2.3, 4200, "WAN link failure between Leeds and the data centre"),
    (6, 21, 14, "Third-party supplier", 1, 4.6, 7400, "Carrier outage: 0800 numbers unreachable"),
    (7, 13, 10, "Web chat", 2, 3.0, 2100, "Web chat unavailable on website and app"),
    (8, 16, 15, "Security / data breach", 2, 6.0, 950, "Customer letters sent to the wrong addresses"),
    (9, 8, 9, "Workforce management system", 2, 4.2, 600, "WFM outage: schedules and adherence unavailable"),
    (10, 19, 9, "High call volume", 2, 8.5, 9800, "Call surge after billing error: queues over 40 minutes"),
    (11, 15, 10, "Email gateway", 2, 4.8, 2700, "Email gateway rejecting inbound customer email"),
    (12, 6, 9, "Telephony outage", 1, 2.7, 6300, "Softphone login failures for all agents"),
    (12, 20, 13, "CRM failure", 1, 3.3, 4100, "CRM search timeouts: agents unable to find customers"),
)
#: The major incident the shipped example narrative (ccreport/examples/pir-narrative.md) reviews:
#: index in MAJORS and the local day it was logged. The demo reviews the major incident that
#: affected most customers, which is this one.
REVIEWED_MAJOR, REVIEWED_DAY = 9, "2026-08-19"
ON_HOLD_MAJOR = "Third-party supplier"  # its timeline waits on the carrier: an SLA pause
COMMS_GAP_MAJOR = 11  # the major (index in MAJORS) whose updates fall silent for ~50 minutes

# impact/urgency pairs that give each priority in the ServiceNow 3x3 matrix (P3 mostly 2+2).
MATRIX_PAIRS = {1: ((1, 1),), 2: ((1, 2), (2, 1)), 3: ((2, 2), (2, 2), (1, 3), (3, 1)), 4: ((2, 3), (3, 2)),
                5: ((3, 3),)}
RESPOND_MIN = (15, 30, 240, 480, 960)  # the config's targets, for the tools' own SLA verdicts
RESOLVE_H = (4, 8, 24, 40, 80)
OFFICE_STRETCH = 2.4  # clock hours per office hour, roughly: enough for a tool's verdict column
SN_PRIORITY = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning")
SN_LEVEL = ("1 - High", "2 - Medium", "3 - Low")
JIRA_PRIORITY = ("Highest", "High", "Medium", "Low", "Lowest")
JIRA_STATUS = {"New": "Open", "In Progress": "Work in progress", "On Hold": "Pending", "Resolved": "Resolved",
               "Closed": "Closed", "Cancelled": "Canceled"}
JIRA_IMPACT = ("Extensive / Widespread", "Significant / Large", "Moderate / Limited")

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
  P1: {respond: 15m, resolve: 4h, update: 30m, calendar: 24x7}
  P2: {respond: 30m, resolve: 8h, update: 1h, calendar: 24x7}
  P3: {respond: 4h, resolve: 24h, update: 4h, calendar: office}
  P4: {respond: 8h, resolve: 40h, calendar: office}
  P5: {respond: 16h, resolve: 80h, calendar: office}
pause_states: [On Hold]
targets: {resolution_sla_pct: 95, response_sla_pct: 95, mttr_hours: 36, reopen_rate_pct: 5,
          service_level_pct: 80, abandonment_pct: 5, aht_seconds: 420}
# The contact centre's own goal: 80 % of contacts answered within 20 seconds.
contacts: {sl_threshold_seconds: 20}
# A local relay, so the demo's --dry-run needs no secrets; a real server would use starttls,
# a username and the password in $CCREPORT_SMTP_PASSWORD (see docs/scheduling.md).
email:
  host: localhost
  port: 25
  security: none
  from: incident-reports@northwind.example
  to: [ops-leads@northwind.example]
  groups:
    Leeds: [leeds-site-lead@northwind.example]
    Glasgow: [glasgow-site-lead@northwind.example]
"""


# --- time helpers: naive local time throughout, localised only when written ------------

def _hours(h) -> pd.TimedeltaIndex:
    return pd.to_timedelta(np.asarray(h, float) * 3600, unit="s").round("s")


def _period(end_month: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    end = pd.Timestamp(f"{end_month}-01") + pd.DateOffset(months=1)
    return end - pd.DateOffset(months=MONTHS), end


def _bank_holidays(start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    import holidays

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
    return ts.where(inside, pd.Series(pd.to_datetime(nxt) + pd.Timedelta(hours=OPEN_H), index=ts.index))


def _add_office_hours(start: pd.Series, hours: np.ndarray, hol: np.ndarray) -> pd.Series:
    """Clock time after working `hours` office hours from `start` (itself inside office hours)."""
    day_h = CLOSE_H - OPEN_H
    midnight = start.dt.normalize()
    left_today = ((midnight + pd.Timedelta(hours=CLOSE_H) - start) / pd.Timedelta(hours=1)).to_numpy()
    same_day = hours <= left_today
    rem = np.where(same_day, 0.0, hours - left_today)
    extra = np.where(same_day, 0, np.ceil(rem / day_h)).astype(int)  # further working days needed
    last = np.busday_offset(midnight.to_numpy().astype("datetime64[D]"), extra, roll="forward", holidays=hol)
    other = pd.Series(pd.to_datetime(last.astype("datetime64[s]")), index=start.index)
    other = other + pd.Timedelta(hours=OPEN_H) + _hours(rem - np.maximum(extra - 1, 0) * day_h)
    return (start + _hours(hours)).where(same_day, other)


def _iso(ts: pd.Series) -> pd.Series:
    """ISO 8601 with the local offset (+01:00), '' for missing."""
    # A wall time in the spring-forward gap moves forward; one in the autumn overlap is summer time.
    local = ts.dt.tz_localize(TZ, ambiguous=np.ones(len(ts), bool), nonexistent="shift_forward")
    wall = local.dt.tz_localize(None)
    offset = ((wall - local.dt.tz_convert("UTC").dt.tz_localize(None)) / pd.Timedelta(minutes=1)).fillna(0)
    # Series.dt.strftime is slow on pandas 3; numpy formats the wall time, a lookup the offset.
    signs = {m: f"{'-' if m < 0 else '+'}{abs(int(m)) // 60:02d}:{abs(int(m)) % 60:02d}" for m in offset.unique()}
    text = np.datetime_as_string(wall.to_numpy().astype("datetime64[s]"), unit="s") + offset.map(signs).to_numpy()
    return pd.Series(np.where(ts.isna().to_numpy(), "", text), index=ts.index)


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row from a row-wise probability table."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random(len(probs))[:, None] > cum).sum(axis=1), probs.shape[1] - 1)


# --- incidents --------------------------------------------------------------------------

def _ordinary(rng: np.random.Generator, n: int, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    days = pd.date_range(start, end, freq="D", inclusive="left")
    lam = np.array([1.0, 1.0, .98, .97, .93, .55, .35])[days.day_of_week]
    lam = lam * (1 + .12 * np.cos(2 * np.pi * (days.month.to_numpy() - 1) / 12))  # winter peak
    lam = lam * np.linspace(.92, 1.08, len(days))  # the centre grows over the year
    day = np.repeat(np.arange(len(days)), rng.poisson(lam * n / lam.sum()))
    secs = rng.choice(24, size=day.size, p=HOURLY) * 3600 + rng.integers(0, 3600, day.size)
    weights = np.array([c.weight for c in CATS])
    cat = rng.choice(len(CATS), size=day.size, p=weights / weights.sum())
    prio = _pick(rng, np.array([CATS[c].prio for c in cat])) + 1
    site = rng.choice(SITES, size=day.size, p=[.6, .4])
    titles = [CATS[c].titles[v].format(site=s) for c, v, s in zip(cat, rng.integers(0, 3, day.size), site)]
    return pd.DataFrame({"opened": days[day] + pd.to_timedelta(secs, unit="s"), "cat": cat, "prio": prio,
                         "site": site, "title": titles, "major": False, "problem": None, "hours": np.nan,
                         "customers": np.nan})


def _clusters(rng: np.random.Generator, per_month: int, start: pd.Timestamp) -> pd.DataFrame:
    rows = []
    for m in range(MONTHS):
        picks = list(rng.choice(len(RECURRING), size=per_month, replace=False))
        if m == MONTHS - 1 and 0 not in picks:
            picks[0] = 0  # the chronic IVR fault is still recurring in the report month
        for k, r in enumerate(picks):
            cat_name, title = RECURRING[r]
            # Problem records get raised a couple of months later, so recent clusters have none.
            problem = f"PRB{40001 + m * 10 + k:07d}" if m < MONTHS - 2 else None
            site = "Glasgow" if "Glasgow" in title else SITES[int(rng.integers(0, 2))]
            when = start + pd.DateOffset(months=m) + pd.Timedelta(days=float(rng.uniform(0, 6)))
            for _ in range(int(rng.integers(3, 6))):  # 3-5 repeats, 10-96 hours apart
                when = when + pd.Timedelta(hours=float(rng.uniform(10, 96)))
                if not OPEN_H <= when.hour < 19:
                    when = when.normalize() + pd.Timedelta(hours=float(rng.uniform(8.5, 17)))
                rows.append((when.floor("s"), CAT_INDEX[cat_name], 3 if rng.random() < .7 else 4, site, title,
                             problem))
    df = pd.DataFrame(rows, columns=["opened", "cat", "prio", "site", "title", "problem"])
    return df.assign(major=False, hours=np.nan, customers=np.nan)


def _majors(rng: np.random.Generator, start: pd.Timestamp) -> pd.DataFrame:
    rows = [(start + pd.DateOffset(months=m, days=day - 1, hours=hour, seconds=int(rng.integers(3600))),
             CAT_INDEX[cat], prio, "Glasgow" if "Glasgow" in title else "Leeds", title, True,
             f"PRB{40500 + k:07d}", hours, customers)
            for k, (m, day, hour, cat, prio, hours, customers, title) in enumerate(MAJORS)]
    return pd.DataFrame(rows, columns=["opened", "cat", "prio", "site", "title", "major", "problem", "hours",
                                       "customers"])


def incidents(n: int = 3000, end_month: str = "2026-10", seed: int = 7) -> pd.DataFrame:
    """The sample incidents in the canonical columns, naive local times, sorted by opening."""
    rng = np.random.default_rng(seed)
    start, end = _period(end_month)
    hol = _bank_holidays(start, end)
    clusters = _clusters(rng, max(1, round(3 * n / 3000)), start)
    majors = _majors(rng, start)
    df = pd.concat([_ordinary(rng, n - len(clusters) - len(majors), start, end), clusters, majors],
                   ignore_index=True).sort_values("opened", kind="stable").reset_index(drop=True)
    opened = df["opened"].astype("datetime64[s]")
    k, prio, cat, major = len(df), df["prio"].to_numpy(), df["cat"].to_numpy(), df["major"].to_numpy(bool)
    p, office = prio - 1, prio >= 3  # P3-P5 are worked in office hours; P1/P2 round the clock

    # Resolution: lognormal per category scaled by priority; majors take their scripted length;
    # a few recent low-priority ones wait on a supplier and are still open at the export.
    median = np.array([CATS[c].median_h for c in cat]) * np.array([.35, .55, 1, 1.5, 2.5])[p]
    work_h = np.exp(np.log(median) + np.array([CATS[c].sigma for c in cat]) * rng.standard_normal(k))
    stuck = (prio >= 4) & (opened >= end - pd.Timedelta(days=90)).to_numpy() & (rng.random(k) < .03)
    work_h = np.where(major, df["hours"], np.where(stuck, 2000, np.clip(work_h, .1, 400)))
    work_start = _next_office(opened, hol).where(office, opened)
    resolved = _add_office_hours(work_start, work_h, hol).where(office, opened + _hours(work_h))
    ack_min = np.where(major, rng.uniform(3, 9, k),
                       np.exp(np.log(np.array([4, 10, 35, 90, 240])[p]) + .8 * rng.standard_normal(k)))
    ack = (work_start + _hours(ack_min / 60)).clip(upper=work_start + (resolved - work_start) / 2)
    detected = (opened - _hours(rng.uniform(1, 20, k) / 60)).where((prio <= 2) | (rng.random(k) < .25))
    esc = major | (rng.random(k) < np.array([1, .6, .15, .05, .02])[p])
    escalated = (ack + (resolved - ack) * np.where(major, .08, rng.uniform(.1, .6, k))).where(esc)
    level = np.where(major, 3, 1 + (rng.random(k) < .3) + (prio <= 2))
    reopen = (rng.random(k) < .04).astype(int) + (rng.random(k) < .005)
    typical = np.exp(np.log(np.array([3000, 600, 40, 6, 1])[p]) + .9 * rng.standard_normal(k))
    some = rng.random(k) < np.array([1, 1, .8, .5, .2])[p]  # low priorities often touch no customer
    customers = np.where(major, df["customers"], np.round(typical * some))
    pairs = [MATRIX_PAIRS[q][i % len(MATRIX_PAIRS[q])] for q, i in zip(prio, rng.integers(0, 12, k))]

    # Status as of the export, taken at the end of the last month.
    cancelled = ~major & (rng.random(k) < .015)
    open_ = ~cancelled & (resolved >= end)
    closed = (resolved + AUTO_CLOSE).where(~open_)
    status = np.where(closed < end, "Closed", "Resolved")
    waiting = np.where(stuck | (rng.random(k) < .2), "On Hold", "In Progress")
    status = np.where(cancelled, "Cancelled", np.where(open_, np.where(ack >= end, "New", waiting), status))
    closed = closed.where(closed < end).where(~cancelled, opened + _hours(rng.uniform(10, 120, k) / 60))
    done = np.isin(status, ("Resolved", "Closed"))
    resolved = resolved.where(done)
    ack = ack.where((ack < end) & (~cancelled | (ack < closed)))
    escalated = escalated.where((done | (escalated < end)) & ~cancelled)
    ttr = ((resolved - opened) / pd.Timedelta(hours=1)).fillna(0).to_numpy()
    csat = np.clip(np.round(4.4 - .45 * np.log1p(ttr / 8) - .8 * major + .9 * rng.standard_normal(k)), 1, 5)
    problem = df["problem"].where(~cancelled)
    extra_problem = done & problem.isna().to_numpy() & (rng.random(k) < .02)
    problem = problem.where(~extra_problem, pd.Series([f"PRB{41000 + i:07d}" for i in range(k)]))
    with_cause = done & (major | problem.notna().to_numpy() | (rng.random(k) < .35))
    cause = [CATS[c].causes[i] for c, i in zip(cat, rng.integers(0, 2, k))]
    source = rng.choice(["a team leader", "monitoring", "an agent", "the supplier"], size=k, p=[.4, .3, .25, .05])
    scope = np.array(["All agents affected.", "Several teams affected.", "One team affected.",
                      "A single agent affected.", "No customer impact."])[p]
    description = [f"{t}. Reported by {s} at {site}. {sc}" for t, s, site, sc in zip(df["title"], source,
                                                                                       df["site"], scope)]
    # Free text is typed by anyone: one carries quotes, a comma and markup.
    description[k // 2] += ' Error shown: "Session expired, please <b>log in</b> again".'

    out = pd.DataFrame({
        "incident_id": [f"INC{10001 + i:07d}" for i in range(k)], "title": df["title"], "description": description,
        "category": [CATS[c].name for c in cat],
        "subcategory": [CATS[c].subcategories[i % len(CATS[c].subcategories)]
                        for c, i in zip(cat, rng.integers(0, 6, k))],
        "service": [CATS[c].service for c in cat],
        "channel": np.array(CHANNELS)[_pick(rng, np.array([CATS[c].channels for c in cat]))],
        "site": df["site"], "assignment_group": [CATS[c].group for c in cat], "priority": [f"P{q}" for q in prio],
        "impact": [a for a, _ in pairs], "urgency": [u for _, u in pairs],
        "status": status, "major": major, "opened_at": opened, "detected_at": detected, "acknowledged_at": ack,
        "escalated_at": escalated, "resolved_at": resolved, "closed_at": closed,
        "escalation_level": np.where(escalated.notna(), level, 0),
        "reassignment_count": rng.poisson(.3, k) + esc, "reopen_count": np.where(done, reopen, 0),
        "customers_affected": customers.astype(int),
        "contacts_affected": np.round(customers * rng.uniform(.25, .7, k)).astype(int),
        "csat": pd.Series(csat).where(done & (rng.random(k) < .4)),
        "root_cause": [c[0] if w else None for c, w in zip(cause, with_cause)],
        "resolution_notes": [c[1] if d else None for c, d in zip(cause, done)], "problem_id": problem,
    })
    for col in ("detected_at", "acknowledged_at", "escalated_at", "resolved_at", "closed_at"):
        out[col] = out[col].dt.floor("s")
    return out[list(CANONICAL_COLUMNS)]


def events(inc: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A blameless timeline (roles, not people) for every major incident: 10-25 events each."""
    rows: list[tuple] = []
    minute = pd.Timedelta(minutes=1)
    # Per-row on purpose: the sample generator, not the data path (a few thousand rows, once).
    for k, r in enumerate(inc[inc["major"]].itertuples()):
        grp, cadence, im = r.assignment_group, (30 if r.priority == "P1" else 60), "Incident Manager"

        def add(t, kind, text, who, audience=""):
            rows.append((r.incident_id, t, kind, text, who, audience))

        add(r.detected_at, "detected", f"Monitoring alert: {r.title}", "Service Desk")
        add(r.opened_at, "logged", "Incident logged from team leader reports", "Service Desk")
        add(r.acknowledged_at, "acknowledged", f"Acknowledged by {grp}", grp)
        add(r.acknowledged_at, "state", "In Progress", grp)
        add(r.acknowledged_at + 2 * minute, "prioritised", f"Priority {r.priority}; major incident declared", im)
        add(r.escalated_at, "escalated", "Bridge opened; third-line and supplier engaged", im)
        t0 = r.escalated_at + 5 * minute
        add(t0, "comms", "Recorded IVR message and website banner published", im, "external")
        # Updates alternate internal/external, evenly spaced within the priority's cadence.
        n = min(10, int(np.ceil((r.resolved_at - t0) / (cadence * .8 * minute))) - 1)
        step = (r.resolved_at - t0) / (n + 1)
        for i in range(1, n + 1):
            if k == COMMS_GAP_MAJOR and i == 2:
                continue  # the bridge went quiet: a gap of two steps, longer than the cadence
            t = (t0 + i * step + float(rng.uniform(-1, 1)) * minute).floor("min")
            if i % 2:
                add(t, "update", f"Update {(i + 1) // 2}: engineers investigating", im, "internal")
            else:
                add(t, "comms", "Customer update: we are still working to restore service", im, "external")
        mid = (r.opened_at + (r.resolved_at - r.opened_at) * .55).floor("min")
        add(mid, "workaround", "Workaround in place: calls overflow to the other site", grp)
        if r.category == ON_HOLD_MAJOR:
            add((r.opened_at + (r.resolved_at - r.opened_at) * .3).floor("min"), "state", "On Hold",
                "Supplier Management")
            add(mid - 5 * minute, "state", "In Progress", "Supplier Management")
        add(r.resolved_at, "resolved", "Service restored; monitoring confirms normal contact flow", grp)
        add(r.resolved_at, "state", "Resolved", grp)
        add(r.resolved_at + 2 * minute, "comms", "Resolution notice sent; banner removed", im, "external")
        if pd.notna(r.closed_at):
            add(r.closed_at, "closed", "Closed after 72 hours without recurrence", "Service Desk")
            add(r.closed_at, "state", "Closed", "Service Desk")
    ev = pd.DataFrame(rows, columns=["incident_id", "timestamp", "type", "text", "author", "audience"])
    return ev.sort_values(["incident_id", "timestamp"], kind="stable").reset_index(drop=True)


def contacts(inc: pd.DataFrame, end_month: str, rng: np.random.Generator) -> pd.DataFrame:
    """Half-hourly queue statistics, with a visible dip while each major incident is open."""
    start, end = _period(end_month)
    days = pd.date_range(start, end, freq="D", inclusive="left")
    shut = ((days.day_of_week == 6) | ((days.month == 12) & np.isin(days.day, (25, 26)))
            | ((days.month == 1) & (days.day == 1)))
    days = days[~shut]
    slots = np.arange(24) * 30  # minutes after 08:00, the last interval starting 19:30
    ts = pd.Series((days.values[:, None] + np.timedelta64(OPEN_H, "h") + slots.astype("timedelta64[m]")).ravel())
    size, hour = len(ts), OPEN_H + np.tile(slots, len(days)) / 60
    wk = np.repeat(np.array([1.15, 1.05, 1.0, .98, .95, .6])[days.day_of_week], 24)
    season = np.repeat(1 + .12 * np.cos(2 * np.pi * (days.month.to_numpy() - 1) / 12), 24)
    grow = np.linspace(0, 1, size)  # customers drift from the phone to chat and social
    # (peak contacts per interval, shape over the day, abandon rate, service level, AHT seconds)
    spec = {"Chat": (45 * (1 + .3 * grow), .6 + .4 * np.exp(-((hour - 17) / 3) ** 2), .03, .90, 520),
            "Email": (35, np.full(size, .8), 0, .95, 430),
            "Social": (8 * (1 + .5 * grow), .5 + .5 * np.exp(-((hour - 18.5) / 2.5) ** 2), .02, .85, 290),
            "Voice": (140 * (1 - .1 * grow),
                      np.exp(-((hour - 10.5) / 3) ** 2) + .6 * np.exp(-((hour - 15) / 2.5) ** 2), .05, .88, 370)}
    majors = inc[inc["major"]]
    frames = []
    for c, chan in enumerate(CHANNELS):
        sev = np.zeros(size)
        # Per-row on purpose: the sample generator, not the data path (a few thousand rows, once).
        for r in majors.itertuples():
            hit = ((ts + pd.Timedelta(minutes=30) > r.opened_at) & (ts < r.resolved_at)).to_numpy()
            sev = np.maximum(sev, hit * CATS[CAT_INDEX[r.category]].effect[c])
        peak, shape, abandon, sl, aht = spec[chan]
        lam = peak * shape * wk * season * (1 + .3 * sev)  # customers retry while it is broken
        offered = rng.poisson(lam)
        abandoned = rng.binomial(offered, np.clip(abandon + .01 * rng.standard_normal(size) + .3 * sev, 0, .9))
        answered = offered - abandoned
        sl_rate = (sl + .04 * rng.standard_normal(size) - .05 * lam / peak) * (1 - .6 * sev)
        aht_s = aht * np.exp(.08 * rng.standard_normal(size)) * (1 + .5 * sev)
        frames.append(pd.DataFrame({"interval_start": ts, "channel": chan, "offered": offered,
                                    "answered": answered, "abandoned": abandoned,
                                    "answered_in_sl": rng.binomial(answered, np.clip(sl_rate, .02, .99)),
                                    "handle_seconds": np.round(answered * aht_s).astype(int)}))
    out = pd.concat(frames).sort_values(["interval_start", "channel"], kind="stable")
    return out.assign(interval_start=_iso(out["interval_start"]))


# --- tool-format slices -------------------------------------------------------------------

def _s(value) -> str:
    return "" if value is None or pd.isna(value) else str(value)


def _naive(ts) -> str:
    return "" if pd.isna(ts) else ts.strftime("%Y-%m-%d %H:%M:%S")


def _last_update(r) -> pd.Timestamp:
    return max(x for x in (r.opened_at, r.acknowledged_at, r.resolved_at, r.closed_at) if pd.notna(x))


def _servicenow(inc: pd.DataFrame, rng: np.random.Generator) -> tuple[list[str], list[list[str]]]:
    """A ServiceNow list export with field names: display values, naive instance-local times."""
    header = ("number,short_description,description,opened_at,sys_created_on,priority,impact,urgency,"
              "incident_state,state,category,subcategory,cmdb_ci,business_service,location,contact_type,"
              "assignment_group,assigned_to,made_sla,reopen_count,reassignment_count,resolved_at,closed_at,"
              "close_code,close_notes,problem_id,caller_id,sys_updated_on").split(",")
    rows = []
    # Per-row on purpose: the sample generator, not the data path (a few thousand rows, once).
    for r in inc.itertuples():
        p = int(r.priority[1]) - 1
        state = "Canceled" if r.status == "Cancelled" else r.status  # ServiceNow's spelling
        hours = (r.resolved_at - r.opened_at) / pd.Timedelta(hours=1) if pd.notna(r.resolved_at) else 0
        made = hours <= RESOLVE_H[p] * (1 if p < 2 else OFFICE_STRETCH)
        code = "" if pd.isna(r.resolved_at) else rng.choice(
            ["Solved (Permanently)", "Solved (Work Around)", "Not Solved (Not Reproducible)"], p=[.8, .15, .05])
        ci = f"{r.service.upper().replace(' ', '-')[:12]}-{r.site[:3].upper()}-0{rng.integers(1, 4)}"
        contact = rng.choice(["Phone", "Self-service", "Email", "Monitoring"], p=[.55, .2, .1, .15])
        rows.append([r.incident_id, r.title, r.description, _naive(r.opened_at),
                     _naive(r.opened_at + pd.Timedelta(seconds=int(rng.integers(2, 40)))), SN_PRIORITY[p],
                     SN_LEVEL[r.impact - 1], SN_LEVEL[r.urgency - 1], state, state, r.category, r.subcategory, ci,
                     r.service, r.site, contact, r.assignment_group,
                     f"{r.assignment_group} Analyst {rng.integers(1, 7)}",
                     "true" if made else "false", str(r.reopen_count), str(r.reassignment_count),
                     _naive(r.resolved_at), _naive(r.closed_at), code, _s(r.resolution_notes), _s(r.problem_id),
                     f"{r.site} Team Leader {rng.integers(1, 10)}",
                     _naive(_last_update(r) + pd.Timedelta(seconds=int(rng.integers(5, 600))))])
    return header, rows


def _jira_date(ts) -> str:
    if pd.isna(ts):
        return ""
    ampm = "AM" if ts.hour < 12 else "PM"
    return f"{ts.day:02d}/{MON[ts.month - 1]}/{ts.year % 100:02d} {ts.hour % 12 or 12}:{ts.minute:02d} {ampm}"


def _jira_sla(minutes: float) -> str:
    """Time left on an SLA as Jira's CSV shows it: negative once breached."""
    h, m = divmod(int(round(abs(minutes))), 60)
    return ("-" if minutes < 0 else "") + (f"{h}h {m}m" if h else f"{m}m")


def _jira(inc: pd.DataFrame, as_of: pd.Timestamp, rng: np.random.Generator) -> tuple[list[str], list[list[str]]]:
    """A Jira Service Management CSV export: repeated column names, `25/Feb/26 10:17 PM` dates."""
    header = ("Summary,Issue key,Issue id,Issue Type,Status,Project key,Project name,Priority,Resolution,"
              "Assignee,Reporter,Creator,Created,Updated,Last Viewed,Resolved,Components,Description,Watchers,"
              "Watchers,Custom field (Category),Custom field (Category),Custom field (Time to first response),"
              "Custom field (Time to resolution),Custom field (Request Type),Custom field (Impact),"
              "Custom field (Urgency),Comment,Comment").split(",")
    rows = []
    # Per-row on purpose: the sample generator, not the data path (a few thousand rows, once).
    for i, r in enumerate(inc.itertuples()):
        p = int(r.priority[1]) - 1
        agent, reporter = f"Service Desk Agent {1 + i % 5}", f"{r.site} Team Leader {1 + i % 7}"
        updated = _last_update(r)
        stretch = 1 if p < 2 else OFFICE_STRETCH
        first = "" if pd.isna(r.acknowledged_at) else _jira_sla(
            RESPOND_MIN[p] * stretch - (r.acknowledged_at - r.opened_at) / pd.Timedelta(minutes=1))
        until = r.resolved_at if pd.notna(r.resolved_at) else as_of
        resolution = "" if r.status == "Cancelled" else _jira_sla(
            RESOLVE_H[p] * 60 * stretch - (until - r.opened_at) / pd.Timedelta(minutes=1))
        desc = r.description if i else f"{r.description}\n\nChecked so far:\n* Status page\n* Restarted the client"
        said = ((r.acknowledged_at, "Investigating, thanks for reporting"),
                (r.resolved_at, _s(r.resolution_notes) or "Resolved"))
        comments = [f"{_jira_date(t)};557058:{rng.integers(16 ** 8):08x}-{rng.integers(16 ** 4):04x};{text}"
                    if pd.notna(t) else "" for t, text in said]
        rows.append([r.title, f"NCC-{1201 + i}", str(10850 + 3 * i), "Incident", JIRA_STATUS[r.status], "NCC",
                     "Northwind Service Desk", JIRA_PRIORITY[p],
                     {"Cancelled": "Won't Do", "Resolved": "Done", "Closed": "Done"}.get(r.status, ""),
                     agent, reporter, reporter, _jira_date(r.opened_at), _jira_date(updated),
                     _jira_date(updated + pd.Timedelta(minutes=int(rng.integers(1, 300)))) if i % 3 else "",
                     _jira_date(r.resolved_at), r.service, desc, agent, reporter if i % 2 else "", r.category,
                     r.subcategory, first, resolution, "Report a system problem", JIRA_IMPACT[r.impact - 1],
                     ("High", "Medium", "Low")[r.urgency - 1], *comments])
    return header, rows


# --- files --------------------------------------------------------------------------------

def _write_csv(path: Path, header: list[str], rows, quoting: int = csv.QUOTE_MINIMAL) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n", quoting=quoting)
        writer.writerow(header)
        writer.writerows(rows)


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """Every canonical column as the exact text written to CSV ('' for missing)."""
    out = df.assign(**{c: _iso(df[c]) for c in df.columns if c.endswith("_at")})
    out["major"] = np.where(df["major"], "true", "false")
    out["csat"] = [f"{v:.0f}" if pd.notna(v) else "" for v in df["csat"]]  # survey scores are whole numbers
    return out.fillna("").astype(str)


def _write_json(path: Path, df: pd.DataFrame, text: pd.DataFrame) -> None:
    records = []
    for rec, major, csat in zip(text.to_dict("records"), df["major"], df["csat"]):
        rec = {k: (None if v == "" else int(v) if k in INT_FIELDS else v) for k, v in rec.items()}
        rec.update(major=bool(major), csat=None if pd.isna(csat) else float(csat))
        records.append(json.dumps(rec, ensure_ascii=False))
    path.write_text('{"incidents": [\n' + ",\n".join(records) + "\n]}\n", encoding="utf-8")


def _write_xlsx(path: Path, df: pd.DataFrame, stamp: pd.Timestamp) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Incidents")
    ws.append(list(df.columns))
    # Per-row on purpose: the sample generator, not the data path (a few thousand rows, once).
    for row in df.itertuples(index=False):
        ws.append([None if pd.isna(v) else v.to_pydatetime() if isinstance(v, pd.Timestamp)
                   else v.item() if isinstance(v, np.generic) else v for v in row])
    wb.save(path)
    # openpyxl stamps the zip entries and docProps with now(): pin both for reproducible bytes.
    with zipfile.ZipFile(path) as src:
        items = [(i.filename, src.read(i.filename)) for i in src.infolist()]
    with zipfile.ZipFile(path, "w") as dst:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode(), data)
            dst.writestr(zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6]), data, zipfile.ZIP_DEFLATED)


def generate(outdir: str | Path, end_month: str = "2026-10", seed: int = 7, incidents_n: int = 3000) -> list[Path]:
    """Write every sample file into `outdir` and return their paths."""
    out = Path(outdir)
    out.mkdir(parents=True, exist_ok=True)
    end = _period(end_month)[1]
    inc = incidents(incidents_n, end_month, seed)
    rng = np.random.default_rng([seed, 1])  # its own stream, so these files never shift the incidents
    text = _as_text(inc)
    written = [out / name for name in ("incidents.csv", "incidents.json", "incidents.xlsx", "events.csv",
                                       "contacts.csv", "ccreport.yaml", "servicenow_incidents.csv",
                                       "jira_incidents.csv")]
    _write_csv(written[0], list(text.columns), text.itertuples(index=False))
    _write_json(written[1], inc, text)
    _write_xlsx(written[2], inc, end)
    ev = events(inc, rng)
    _write_csv(written[3], list(ev.columns), ev.assign(timestamp=_iso(ev["timestamp"])).itertuples(index=False))
    cc = contacts(inc, end_month, rng)
    _write_csv(written[4], list(cc.columns), cc.itertuples(index=False))
    written[5].write_text(CONFIG, encoding="utf-8")
    last = inc[inc["opened_at"] >= end - pd.DateOffset(months=1)]
    # ServiceNow quotes every cell; Jira only where needed.
    spread = np.zeros(len(last), bool)
    spread[np.linspace(0, len(last) - 1, 58).astype(int)] = True  # the month's states, and its majors
    _write_csv(written[6], *_servicenow(last[spread | last["major"].to_numpy()], rng), quoting=csv.QUOTE_ALL)
    _write_csv(written[7], *_jira(last[last["assignment_group"] == "Service Desk"].tail(40), end, rng))
    review = _review(inc, out)
    return written + ([review] if review is not None else [])


def _review(inc: pd.DataFrame, out: Path) -> Path | None:
    """reviews/<id>.md: the example narrative, for the incident it was written for (when present)."""
    majors = inc[inc["major"]]
    title = MAJORS[REVIEWED_MAJOR][7]
    match = majors[(majors["title"] == title) & (majors["opened_at"].dt.strftime("%Y-%m-%d") == REVIEWED_DAY)]
    if len(match) != 1:
        return None
    text = (Path(__file__).resolve().parent / "examples" / "pir-narrative.md").read_text(encoding="utf-8")
    path = out / "reviews" / f"{match.iloc[0]['incident_id']}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ccreport.sample", description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--end-month", default="2026-10", help="the last of the 13 months, YYYY-MM")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--incidents", type=int, default=3000, help="about how many incidents (minimum 100)")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", args.end_month):
        parser.error(f"--end-month {args.end_month!r}: expected YYYY-MM")
    if args.incidents < 100:
        parser.error("--incidents: at least 100, so the major incidents and clusters fit")
    for path in generate(args.outdir, args.end_month, args.seed, args.incidents):
        print(f"Wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
