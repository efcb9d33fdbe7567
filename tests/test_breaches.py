"""The SLA breach list (issue 15 item 1): the JSON, the CSV and table, the monthly report's
section, and the agreement with the export's own SLA flag.

The scenario export plants one story per incident (a 24x7 incident across the night the
clocks go back, a business-hours incident with a pause over a weekend, one kept inside its
target by a holiday, a late acknowledgement, an incident opened the month before, and the ones
that must not be listed: still open, cancelled, no target, resolved after the month). The
breach list is checked against a per-minute walk written here, independent of ccreport's
calendar code, and against hand-computed hours.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from ccreport.config import load_config
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import BREACH_LIMIT, MonthlyOptions, build_monthly
from ccreport.document import Paragraph, Section, Table
from ccreport.ingest import load
from ccreport.metrics import compute, incident_sla
from ccreport.metrics.model import MetricSet
from ccreport.period import resolve_period

from .util import SAMPLE, run_cli, write

TZ = "Europe/London"
CONFIG = """\
timezone: Europe/London
calendars:
  office:
    days: [mon, tue, wed, thu, fri]
    hours: "09:00-17:00"
    holidays: {dates: [2026-10-22]}
sla:
  P1: {respond: 15m, resolve: 4h, calendar: 24x7}
  P2: {respond: 30m, resolve: 8h, calendar: 24x7}
  P3: {respond: 2h, resolve: 8h, calendar: office}
pause_states: [On Hold]
targets: {resolution_sla_pct: 95}
"""
TARGETS = {"P1": (0.25, 4.0, False), "P2": (0.5, 8.0, False), "P3": (2.0, 8.0, True)}  # respond, resolve, office
HOLIDAYS = {dt.date(2026, 10, 22)}
HYPERLINK = '=HYPERLINK("http://evil.example","click")'

HEADER = "incident_id,title,category,service,assignment_group,priority,status,opened_at,acknowledged_at,resolved_at"
ROWS = [
    # 24x7 across the night BST ends: 6 real hours (the wall clock shows 5), 2 h over.
    ("INC1001", "Calls failing overnight", "Telephony", "Telephony", "Telephony Team", "P1", "Resolved",
     "2026-10-24T23:00:00+01:00", "2026-10-24T23:10:00+01:00", "2026-10-25T04:00:00+00:00"),
    # Office hours Fri 16:00 to Tue 10:30, on hold Mon 09:30-10:30: 1 + (8 - 1) + 1.5 = 9.5 h.
    ("INC1002", HYPERLINK, "CRM", "CRM", "CRM Support", "P3", "Resolved",
     "2026-10-23T16:00:00+01:00", "2026-10-23T16:20:00+01:00", "2026-10-27T10:30:00+00:00"),
    # Wed 15:00 to Fri 12:00 with Thursday a holiday: 2 + 0 + 3 = 5 h, within 8 h (13 h without it).
    ("INC1003", "Kept inside by a holiday", "CRM", "CRM", "CRM Support", "P3", "Resolved",
     "2026-10-21T15:00:00+01:00", "2026-10-21T15:30:00+01:00", "2026-10-23T12:00:00+01:00"),
    # Acknowledged after 3.75 office hours against 2 h: a response breach, 1.75 h over.
    ("INC1004", "Slow pickup", "Workforce", "WFM", "Service Desk", "P3", "Resolved",
     "2026-10-19T09:00:00+01:00", "2026-10-19T12:45:00+01:00", "2026-10-19T15:00:00+01:00"),
    # 40 minutes to acknowledge a P1 (15 min target), resolved well inside 4 h.
    ("INC1005", "Late acknowledgement", "Telephony", "Telephony", "Telephony Team", "P1", "Resolved",
     "2026-10-05T10:00:00+01:00", "2026-10-05T10:40:00+01:00", "2026-10-05T12:00:00+01:00"),
    # Opened in September, resolved in October: three office days, 24 h against 8 h.
    ("INC1006", "Opened in September", "Network", "WAN", "Network Ops", "P3", "Resolved",
     "2026-09-30T09:00:00+01:00", "2026-09-30T09:05:00+01:00", "2026-10-02T17:00:00+01:00"),
    # Not breaches: still open, cancelled, no target for P5, resolved after October.
    ("INC1007", "Still open", "Network", "WAN", "Network Ops", "P3", "In Progress",
     "2026-10-28T09:00:00+00:00", "2026-10-28T09:10:00+00:00", ""),
    ("INC1008", "Cancelled", "Telephony", "Telephony", "Telephony Team", "P1", "Cancelled",
     "2026-10-06T10:00:00+01:00", "2026-10-06T12:00:00+01:00", "2026-10-07T10:00:00+01:00"),
    ("INC1009", "No target", "Facilities", "Building", "Facilities", "P5", "Resolved",
     "2026-10-07T09:00:00+01:00", "2026-10-09T09:00:00+01:00", "2026-10-20T09:00:00+01:00"),
    ("INC1010", "Resolved after the month", "Network", "WAN", "Network Ops", "P2", "Resolved",
     "2026-10-30T20:00:00+00:00", "2026-10-30T20:05:00+00:00", "2026-11-02T10:00:00+00:00"),
]
EVENTS = """\
incident_id,timestamp,type,text,author,audience
INC1002,2026-10-23T16:00:00+01:00,logged,Logged,Service Desk,internal
INC1002,2026-10-26T09:30:00+00:00,state,On Hold,Service Desk,internal
INC1002,2026-10-26T10:30:00+00:00,state,In Progress,Service Desk,internal
"""
#: What a reader of the scenario expects, worked out by hand: id -> (kind, clock, over, paused).
BY_HAND = {
    "INC1006": ("resolution", 24.0, 16.0, 0.0),
    "INC1001": ("resolution", 6.0, 2.0, 0.0),
    "INC1004": ("response", 3.75, 1.75, 0.0),
    "INC1002": ("resolution", 9.5, 1.5, 1.0),
    "INC1005": ("response", 40 / 60, 25 / 60, 0.0),
}


def _csv_text() -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER.split(","))
    w.writerows(ROWS)
    return buf.getvalue()


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("breaches")
    return {"export": write(d, "incidents.csv", _csv_text()), "events": write(d, "events.csv", EVENTS),
            "config": write(d, "ccreport.yaml", CONFIG), "dir": d}


def _metrics_json(s: dict[str, Path], *extra: str) -> dict:
    run = run_cli("--config", s["config"], "metrics", s["export"], "--events", s["events"], "--month", "2026-10",
                  "--format", "json", "--full", *extra)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


# ---- an independent reference: walk every minute ------------------------------------------


def _ts(text: str) -> pd.Timestamp | None:
    return pd.Timestamp(text).tz_convert("UTC") if text else None


def _pauses() -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
    """On Hold from its state event to the next state event (the events file above)."""
    rows = list(csv.DictReader(io.StringIO(EVENTS)))
    out: dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]] = {}
    for a, b in zip(rows, rows[1:]):
        if a["type"] == "state" and a["text"] == "On Hold" and a["incident_id"] == b["incident_id"]:
            out.setdefault(a["incident_id"], []).append((_ts(a["timestamp"]), _ts(b["timestamp"])))
    return out


def walk(start: pd.Timestamp, end: pd.Timestamp, office: bool,
         pauses: list[tuple[pd.Timestamp, pd.Timestamp]]) -> tuple[float, float]:
    """(clock hours, paused hours) from start to end, one minute at a time: a minute counts when
    it is a working minute of the calendar in local time (09:00-17:00 Monday to Friday, not a
    holiday) or always on 24x7; a counted minute inside a pause is paused instead."""
    clock = paused = 0
    t = start
    while t < end:
        local = t.tz_convert(TZ)
        minute = local.hour * 60 + local.minute
        working = not office or (local.weekday() < 5 and local.date() not in HOLIDAYS and 540 <= minute < 1020)
        if working:
            if any(a <= t < b for a, b in pauses):
                paused += 1
            else:
                clock += 1
        t += pd.Timedelta(minutes=1)
    return clock / 60, paused / 60


def reference_breaches() -> dict[tuple[str, str], tuple[float, float, float]]:
    """(id, kind) -> (target, clock, paused) of every breach of October 2026, per incident."""
    start, end = pd.Timestamp("2026-10-01", tz=TZ), pd.Timestamp("2026-11-01", tz=TZ)
    pauses = _pauses()
    out = {}
    for row in ROWS:
        iid, prio, status = row[0], row[5], row[6]
        opened, ack, resolved = _ts(row[7]), _ts(row[8]), _ts(row[9])
        if status == "Cancelled" or prio not in TARGETS:
            continue
        respond, resolve, office = TARGETS[prio]
        if resolved is not None and start <= resolved < end:
            clock, paused = walk(opened, resolved, office, pauses.get(iid, []))
            if clock > resolve:
                out[(iid, "resolution")] = (resolve, clock, paused)
        if ack is not None and start <= opened < end:
            clock, paused = walk(opened, ack, office, pauses.get(iid, []))
            if clock > respond:
                out[(iid, "response")] = (respond, clock, paused)
    return out


# ---- the JSON ------------------------------------------------------------------------------


def test_every_breach_listed_none_extra_and_the_clock_equals_a_minute_walk(scenario):
    found = _metrics_json(scenario)["breaches"]
    expected = reference_breaches()
    assert {(b["incident_id"], b["kind"]) for b in found} == set(expected)
    for b in found:
        target, clock, paused = expected[(b["incident_id"], b["kind"])]
        assert b["target_hours"] == pytest.approx(target, abs=1e-9)
        assert b["sla_hours"] == pytest.approx(clock, abs=1e-6)
        assert b["over_hours"] == pytest.approx(clock - target, abs=1e-6)
        assert b["paused_hours"] == pytest.approx(paused, abs=1e-6)


def test_breaches_match_the_hand_worked_story_most_time_over_first(scenario):
    found = _metrics_json(scenario)["breaches"]
    assert [b["incident_id"] for b in found] == list(BY_HAND)  # most time over target first
    for b in found:
        kind, clock, over, paused = BY_HAND[b["incident_id"]]
        assert (b["kind"], b["sla_hours"], b["over_hours"], b["paused_hours"]) == pytest.approx(
            (kind, clock, over, paused), abs=1e-6)
    dst = next(b for b in found if b["incident_id"] == "INC1001")
    assert {k: dst[k] for k in ("title", "priority", "category", "service", "assignment_group")} == {
        "title": "Calls failing overnight", "priority": "P1", "category": "Telephony", "service": "Telephony",
        "assignment_group": "Telephony Team"}


def test_the_breach_count_is_the_percentages_base_minus_met(scenario):
    data = _metrics_json(scenario)
    for scope, figures in [("totals", data["totals"]), *data["by_priority"].items()]:
        for kind in ("resolution", "response"):
            base, pct = figures[f"{kind}_sla_base"], figures[f"{kind}_sla_pct"]
            listed = sum(1 for b in data["breaches"] if b["kind"] == kind and scope in ("totals", b["priority"]))
            assert listed == (base - round(pct * base / 100) if base else 0), (scope, kind)


@pytest.fixture(scope="module")
def sample_metrics() -> MetricSet:
    config = load_config(SAMPLE / "ccreport.yaml")
    result = load([SAMPLE / "incidents.csv"], config)
    from ccreport.ingest import load_events

    load_events(SAMPLE / "events.csv", config, result)
    return compute(result, config, resolve_period(config, month="2026-10"))


def test_on_the_sample_data_resolution_and_response_breaches_are_base_minus_met(sample_metrics):
    ms = sample_metrics
    assert ms.breaches, "the sample month has breaches"
    for scope, f in [("totals", ms.totals), *ms.by_priority.items()]:
        for kind, base, pct in (("resolution", f.resolution_sla_base, f.resolution_sla_pct),
                                ("response", f.response_sla_base, f.response_sla_pct)):
            listed = sum(1 for b in ms.breaches if b.kind == kind and scope in ("totals", b.priority))
            assert listed == (base - round(pct * base / 100) if base else 0), (scope, kind)
    overs = [b.over_hours for b in ms.breaches]
    assert overs == sorted(overs, reverse=True) and min(overs) > 0
    assert all(b.over_hours == pytest.approx(b.sla_hours - b.target_hours) for b in ms.breaches)


def test_the_list_survives_the_json_round_trip(sample_metrics):
    back = MetricSet.from_json(sample_metrics.to_json(full=True))
    assert back.breaches == sample_metrics.breaches
    assert "breaches" not in sample_metrics.to_dict(full=False)  # SPEC §4 core JSON unchanged


def test_without_pause_events_paused_hours_is_null_and_nothing_is_subtracted(scenario):
    found = _metrics_json_no_events(scenario)
    b = next(b for b in found if b["incident_id"] == "INC1002")
    assert b["paused_hours"] is None and b["sla_hours"] == pytest.approx(10.5, abs=1e-6)


def _metrics_json_no_events(s: dict[str, Path]) -> list[dict]:
    run = run_cli("--config", s["config"], "metrics", s["export"], "--month", "2026-10", "--format", "json", "--full")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)["breaches"]


# ---- CSV and table ---------------------------------------------------------------------------


def test_csv_by_breaches_prints_the_same_rows_formula_safe(scenario):
    data = _metrics_json(scenario)
    run = run_cli("--config", scenario["config"], "metrics", scenario["export"], "--events", scenario["events"],
                  "--month", "2026-10", "--format", "csv", "--by", "breaches")
    assert run.returncode == 0, run.stderr
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert [(r["incident_id"], r["kind"]) for r in rows] == [(b["incident_id"], b["kind"]) for b in data["breaches"]]
    for r, b in zip(rows, data["breaches"]):
        assert float(r["sla_hours"]) == b["sla_hours"] and float(r["over_hours"]) == b["over_hours"]
    link = next(r for r in rows if r["incident_id"] == "INC1002")
    assert link["title"] == "'" + HYPERLINK  # a spreadsheet shows it as text, never runs it
    assert not any(cell.startswith(("=", "+", "@")) for r in rows for cell in r.values())


def test_table_by_breaches_lists_them_and_says_so_when_there_are_none(scenario):
    run = run_cli("--config", scenario["config"], "metrics", scenario["export"], "--events", scenario["events"],
                  "--month", "2026-10", "--by", "breaches")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    for iid in BY_HAND:
        assert any(line.strip().startswith(iid) for line in lines), iid
    assert "3 missed the resolution target, 2 the response target" in run.stdout
    quiet = run_cli("--config", scenario["config"], "metrics", scenario["export"], "--month", "2026-09",
                    "--by", "breaches")  # INC1006 was opened in September and acknowledged in time
    assert quiet.returncode == 0, quiet.stderr
    assert "No incident missed" in quiet.stdout


# ---- the monthly report ------------------------------------------------------------------------


def _section(doc, heading: str) -> Section:
    return next(s for s in doc.sections(1) if s.heading.endswith(heading))


def test_report_section_leads_with_the_counts_and_lists_groups_and_categories(scenario):
    config = load_config(scenario["config"])
    result = load([scenario["export"]], config)
    from ccreport.ingest import load_events

    load_events(scenario["events"], config, result)
    ms = compute(result, config, resolve_period(config, month="2026-10"))
    doc = build_monthly(ms, Branding.from_config(config), MonthlyOptions(date=dt.date(2026, 11, 3)))
    sec = _section(doc, "SLA breaches")
    lead = next(b for b in sec.children if isinstance(b, Paragraph)).text
    assert "3 incidents" in lead and "resolution" in lead and "2" in lead and "response" in lead
    tables = [b for b in sec.children if isinstance(b, Table)]
    top, by_group, by_category = tables
    assert [r[0] for r in top.rows] == list(BY_HAND)
    group_counts = {r[0]: r[-1] for r in by_group.rows}
    assert group_counts == {"Telephony Team": "2", "CRM Support": "1", "Service Desk": "1", "Network Ops": "1"}
    assert {r[0]: r[-1] for r in by_category.rows} == {"Telephony": "2", "CRM": "1", "Workforce": "1", "Network": "1"}


def _fixture() -> dict:
    return json.loads((Path(__file__).parent / "fixtures" / "metrics_full.json").read_text(encoding="utf-8"))


def test_many_breaches_are_capped_with_and_n_more():
    data = _fixture()
    one = data["breaches"][0]
    data["breaches"] = [{**one, "incident_id": f"INC9{i:04d}", "over_hours": 100.0 - i} for i in range(25)]
    doc = build_monthly(MetricSet.from_dict(data), Branding(), MonthlyOptions(date=dt.date(2026, 11, 3)))
    top = next(b for b in _section(doc, "SLA breaches").children if isinstance(b, Table))
    assert len(top.rows) == BREACH_LIMIT and top.more == f"and {25 - BREACH_LIMIT} more breaches"


def test_no_breaches_is_one_sentence():
    data = _fixture()
    data["breaches"] = []
    doc = build_monthly(MetricSet.from_dict(data), Branding(), MonthlyOptions(date=dt.date(2026, 11, 3)))
    sec = _section(doc, "SLA breaches")
    assert len(sec.children) == 1 and isinstance(sec.children[0], Paragraph)
    assert "No incident" in sec.children[0].text and "missed" in sec.children[0].text


@pytest.fixture(scope="module")
def rendered(scenario) -> Path:
    out = scenario["dir"] / "out"
    run = run_cli("--config", scenario["config"], "monthly", scenario["export"], "--events", scenario["events"],
                  "--month", "2026-10", "--format", "md,pdf,docx", "--out", out)
    assert run.returncode == 0, run.stderr
    return out


def test_the_breach_ids_are_in_markdown_pdf_and_docx(rendered):
    from docx import Document as open_docx
    from pypdf import PdfReader

    md = (rendered / "monthly-2026-10.md").read_text(encoding="utf-8")
    pdf = "\n".join(p.extract_text() for p in PdfReader(rendered / "monthly-2026-10.pdf").pages)
    docx = open_docx(str(rendered / "monthly-2026-10.docx"))
    cells = {c.text for t in docx.tables for row in t.rows for c in row.cells}
    assert "SLA breaches" in md and "SLA breaches" in pdf
    for iid in BY_HAND:
        assert iid in md and iid in pdf and iid in cells, iid
    for absent in ("INC1003", "INC1007", "INC1008", "INC1009", "INC1010"):
        assert absent not in md.split("SLA breaches")[1].split("\n## ")[0], absent
    # The title that is a spreadsheet formula is shown as text (Markdown escapes it, no link).
    assert "HYPERLINK" in md and "](http" not in md


# ---- the export's own SLA flag ---------------------------------------------------------------------


SERVICENOW = SAMPLE / "servicenow_incidents.csv"


def test_made_sla_agreement_on_the_servicenow_sample():
    config = load_config(SAMPLE / "ccreport.yaml")
    result = load([SERVICENOW], config, preset="servicenow")
    assert "tool_sla_met" in result.fields
    ms = compute(result, config, resolve_period(config, month="2026-10"))
    # Independently: the export's made_sla against each incident's own result (incident_sla).
    raw = {r["number"]: r["made_sla"].strip().lower() for r in csv.DictReader(SERVICENOW.open(encoding="utf-8"))}
    sla = incident_sla(result, config)
    resolved = result.incidents["resolved_at"].dt.tz_convert(TZ)
    inside = (resolved >= pd.Timestamp("2026-10-01", tz=TZ)) & (resolved < pd.Timestamp("2026-11-01", tz=TZ))
    compared = agree = 0
    for iid, met, keep in zip(result.incidents["incident_id"], sla["resolution_sla_met"], inside):
        flag = raw.get(str(iid))
        if keep and not pd.isna(met) and flag in ("true", "false"):
            compared += 1
            agree += (flag == "true") == bool(met)
    assert compared > 40 and 0 < agree < compared  # the sample disagrees on a few
    assert (ms.sla_agreement.compared, ms.sla_agreement.agree) == (compared, agree)

    doc = build_monthly(ms, Branding.from_config(config), MonthlyOptions(date=dt.date(2026, 11, 3)))
    quality = "\n".join(b.text for b in _section(doc, "Data quality").children if isinstance(b, Paragraph))
    assert f"{agree} of {compared}" in quality
    # The export has no acknowledgement times: the section does not claim no response breaches.
    lead = next(b for b in _section(doc, "SLA breaches").children if isinstance(b, Paragraph)).text
    assert "not in this export" in lead and "none missed the response" not in lead


def test_no_flag_no_agreement_sentence(sample_metrics):
    assert sample_metrics.sla_agreement is None
    doc = build_monthly(sample_metrics, Branding(), MonthlyOptions(date=dt.date(2026, 11, 3)))
    quality = "\n".join(b.text for b in _section(doc, "Data quality").children if isinstance(b, Paragraph))
    assert "verdict" not in quality


def test_a_period_the_export_does_not_cover_has_no_breaches_and_no_agreement():
    from ccreport.metrics.coverage import Coverage

    config = load_config(SAMPLE / "ccreport.yaml")
    result = load([SERVICENOW], config, preset="servicenow")
    period = resolve_period(config, month="2026-10")
    assert compute(result, config, period).breaches  # covered: the three breaches of the sample
    ms = compute(result, config, period, coverage=Coverage("", "", "2027-01", "2027-12"))
    assert not ms.covered and ms.breaches == [] and ms.sla_agreement is None
