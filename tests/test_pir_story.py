"""The post-incident review tells one consistent story (issue 20): one timeline merged from the
narrative and the recorded events, narrative figures reconciled with the measured ones,
sections a narrative repeats shown once with cross-references that point the right way, plain
wording, and a demo review written for the very incident it reviews.

Small scenario exports with one planted story each; the assertions read the built Document
(and the rendered Markdown or PDF), never this module's own sentence templates."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pandas as pd
import pypdf
import pytest

from ccreport import app
from ccreport.config import load_config
from ccreport.document import Callout, Paragraph, Section, Table
from ccreport.ingest import load, load_events
from ccreport.ingest.contacts import load_contacts
from ccreport.pir.facts import SAME_MOMENT, incident_facts
from ccreport.pir.narrative import load_narrative, loads_narrative
from ccreport.render.markdown import render_markdown as _render_markdown

from .util import SAMPLE

NOW = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.timezone.utc)
NBSP = "\u00a0"
EXAMPLE = Path(__file__).resolve().parents[1] / "ccreport" / "examples" / "pir-narrative.md"

CONFIG = """\
organisation: {name: Story Contact Centre}
timezone: Europe/London
sla:
  P1: {respond: 15m, resolve: 4h, update: 30m, calendar: 24x7}
"""
INCIDENTS = """\
incident_id,title,priority,status,major,opened_at,detected_at,acknowledged_at,resolved_at,closed_at,customers_affected,contacts_affected,problem_id
INC1,Payments line down,P1,Closed,true,2026-08-19T09:16:40+01:00,2026-08-19T09:11:58+01:00,2026-08-19T09:21:35+01:00,2026-08-19T12:16:40+01:00,2026-08-22T12:16:40+01:00,9800,6788,PRB1
"""
EVENTS = """\
incident_id,timestamp,type,text,author,audience
INC1,2026-08-19T09:11:58+01:00,detected,Alarm: payments line errors,Monitoring,
INC1,2026-08-19T09:16:40+01:00,logged,Logged from team leader reports,Service Desk,
INC1,2026-08-19T09:21:35+01:00,acknowledged,Acknowledged by Telephony,Telephony,
INC1,2026-08-19T09:21:35+01:00,state,In Progress,Telephony,
INC1,2026-08-19T10:00:00+01:00,update,Update 1,Incident Manager,internal
INC1,2026-08-19T10:00:40+01:00,comms,Customer update 1,Incident Manager,external
INC1,2026-08-19T11:05:10+01:00,workaround,Calls overflow to Glasgow,Telephony,
INC1,2026-08-19T12:16:40+01:00,resolved,Service restored,Telephony,
"""


def contacts_csv() -> str:
    """Half-hourly voice intervals on the incident's day: 100 offered and 10 abandoned each."""
    rows = ["interval_start,channel,offered,answered,abandoned,answered_in_sl,handle_seconds"]
    for k in range(16, 40):  # 08:00 to 19:30
        start = pd.Timestamp("2026-08-19", tz="Europe/London") + pd.Timedelta(minutes=30 * k)
        rows.append(f"{start.isoformat()},Voice,100,90,10,70,27000")
    return "\n".join(rows) + "\n"


NARRATIVE = """\
---
status: Reviewed
owner: Incident Manager
summary: >-
  The payments line was down for three hours. About {customers} customers were affected and
  {abandoned} calls were abandoned.
actions:
  - {{action: "Alert on payment line errors", owner: Telephony lead, due: 2026-09-30, type: mitigate}}
---

## What happened

| Time | Event |
|---|---|
| 08:50 | A configuration change was released to the payments line. |
| 09:12 | The alarm showed errors on the payments line. |
| 09:22 | The Telephony Team picked the incident up. |
| 10:01 | First internal and customer updates sent. |
| 11:04 | Overflow to Glasgow in place. |

The bridge chose the overflow before the cause was known.

## Impact

- The timeline above shows when callers were affected.

## Actions

- The overflow runbook is tracked with the problem record above.

## Problem record

The cause is tracked in problem PRB1, with the actions below.
"""


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    folder = tmp_path_factory.mktemp("story")
    (folder / "ccreport.yaml").write_text(CONFIG, encoding="utf-8")
    (folder / "incidents.csv").write_text(INCIDENTS, encoding="utf-8")
    (folder / "events.csv").write_text(EVENTS, encoding="utf-8")
    (folder / "contacts.csv").write_text(contacts_csv(), encoding="utf-8")
    config = load_config(folder / "ccreport.yaml")
    ingest = load([folder / "incidents.csv"], config)
    load_events(folder / "events.csv", config, ingest)
    contacts = load_contacts(folder / "contacts.csv", config)
    return config, ingest, contacts, folder


def review(story, text, contacts=True):
    config, ingest, cc, _ = story
    n = loads_narrative(text, "review.md")
    facts = incident_facts(ingest, config, "INC1", narrative=n, contacts=cc if contacts else None, now=NOW)
    doc = app.pir_document(ingest, config, "INC1", n, cc if contacts else None, now=NOW, date=dt.date(2026, 9, 1))
    return facts, doc


def render_markdown(doc) -> str:
    return _render_markdown(doc, None, "files")[0]


def tables(doc, prefix):
    return [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith(prefix)]


def text_of(blocks) -> str:
    out = []
    for b in blocks:
        if isinstance(b, (Paragraph, Callout)):
            out.append(b.text)
        elif isinstance(b, Table):
            out += [" ".join(r) for r in b.rows]
        elif isinstance(b, Section):
            out.append(b.title)
            out.append(text_of(b.children))
    return re.sub(r"\s+", " ", " ".join(out).replace(NBSP, " "))


def measured(story):
    config, ingest, cc, _ = story
    f = incident_facts(ingest, config, "INC1", contacts=cc, now=NOW)
    return f.contact_impact["during"]


# --------------------------------------------------------------------------- one timeline


def test_merged_timeline_has_one_entry_per_moment_and_agrees_with_the_events(story):
    facts, doc = review(story, NARRATIVE.format(customers="9,800", abandoned="60"))
    rows = facts.timeline
    events = facts.events
    # Every recorded event is in exactly one moment, and no moment is further than a minute wide.
    shown = [e for r in rows for e in r.events]
    assert sorted(shown, key=lambda e: (e.at, e.type)) == sorted(events, key=lambda e: (e.at, e.type))
    assert len(shown) == len(events) == 8
    for r in rows:
        assert all(abs(e.at - r.at) < SAME_MOMENT for e in r.events)
        if r.events:
            assert r.at == min(e.at for e in r.events)  # shown at the recorded time
    # Five narrative entries: four describe recorded moments (09:12~09:11:58, 09:22~09:21:35,
    # 10:01~10:00:00/10:00:40, 11:04~11:05:10 is 70 s away: not the same), one (08:50) is the narrative's alone.
    told = [r for r in rows if r.narrative]
    assert len(told) == 5
    assert [r.recorded for r in told] == [False, True, True, True, False]
    times = [r.at for r in rows]
    assert times == sorted(times) and len(set(times)) == len(times)
    # 08:50 narrative, 09:11:58, 09:16:40, 09:21:35 (+state), 10:00 (+10:00:40), 11:04 narrative,
    # 11:05:10, 12:16:40: eight moments.
    assert len(rows) == 8

    table = tables(doc, "Timeline of")[0]
    assert len(table.rows) == len(rows)
    by_time = {r[0].replace(NBSP, " "): r for r in table.rows}
    detected = by_time["19 Aug 09:11:58 BST"]
    assert "alarm showed errors" in detected[3] and "Alarm: payments line errors" not in detected[3]
    assert "19 Aug 08:50:00 BST" in by_time and "configuration change" in by_time["19 Aug 08:50:00 BST"][3]
    assert "Calls overflow to Glasgow" in by_time["19 Aug 11:05:10 BST"][3]
    # Times agree across the review: the lifecycle table shows the same recorded second.
    life = tables(doc, "Lifecycle stages of")[0]
    ident = next(r for r in life.rows if r[0] == "Identification")
    assert "09:11:58" in ident[1]
    # The narrative's own timeline table is not repeated anywhere else in the review.
    md = render_markdown(doc)
    assert md.count("configuration change was released") == 1
    assert md.count("The alarm showed errors") == 1
    assert "The bridge chose the overflow" in md  # the prose around the table stays


def test_times_are_one_precision_in_every_table(story):
    _, doc = review(story, NARRATIVE.format(customers="9,800", abandoned="60"))
    md = render_markdown(doc)
    clock = re.findall(r"\b\d{2}:\d{2}(?::\d{2})?(?=\s?(?:BST|GMT))", md.replace(NBSP, " "))
    assert clock and all(len(t) == 8 for t in clock), sorted(set(t for t in clock if len(t) != 8))


# --------------------------------------------------------------------------- figures


def test_a_conflicting_narrative_figure_is_shown_beside_the_measured_one(story, tmp_path):
    during = measured(story)
    assert during["abandoned"] == 70  # 7 intervals (09:00-12:00) overlap the window, 10 abandoned each
    # The narrative says 5,200 customers (the record reports 9,800) and 2,266 abandoned (70 measured).
    facts, doc = review(story, NARRATIVE.format(customers="5,200", abandoned="2,266"))
    checks = {c.kind: c for c in facts.figure_checks}
    assert checks["customers_affected"].differs and checks["customers_affected"].measured == 9800
    assert checks["contacts_abandoned"].differs and checks["contacts_abandoned"].measured == 70
    warning = [b for b in doc.walk() if isinstance(b, Callout) and b.kind == "warning"]
    assert warning and "5,200" in warning[0].text and "9,800" in warning[0].text
    # Rendered, both figures are on the page with where each comes from.
    config, ingest, cc, _ = story
    paths = app.write(doc, app.Output("pdf", tmp_path), "pir", config)
    pdf = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(paths[0].read_bytes())).pages))
    for figure in ("5,200", "9,800", "2,266", "70"):
        assert figure in pdf, figure
    assert "incident record" in pdf and "narrative" in pdf.lower()


def test_figures_that_agree_raise_nothing_and_front_matter_figures_count(story):
    facts, doc = review(story, NARRATIVE.format(customers="9,800", abandoned="about 70"))
    assert facts.figure_checks and not any(c.differs for c in facts.figure_checks)
    assert not [b for b in doc.walk() if isinstance(b, Callout) and b.kind == "warning"]
    text = NARRATIVE.format(customers="9,800", abandoned="70").replace(
        "status: Reviewed", "status: Reviewed\nimpact: {contacts_offered: 1000, duration_hours: 3}")
    facts, _ = review(story, text)
    checks = {c.kind: c for c in facts.figure_checks}
    assert checks["contacts_offered"].differs and checks["contacts_offered"].measured == 700
    assert checks["duration_hours"].differs is False


def test_each_impact_figure_says_what_it_counts(story):
    _, doc = review(story, NARRATIVE.format(customers="9,800", abandoned="70"))
    impact = tables(doc, "Impact and SLA result")[0]
    rows = {r[0]: r for r in impact.rows}
    assert "reported" in rows["Customers affected"][2] and "reported" in rows["Contacts affected"][2]
    assert "measured" in rows["Contacts affected"][2]  # points at the measured contacts offered


# --------------------------------------------------------------------------- once, and the right way


def test_sections_the_narrative_repeats_are_shown_once_and_references_point_the_right_way(story):
    _, doc = review(story, NARRATIVE.format(customers="9,800", abandoned="70"))
    tops = [b for b in doc.blocks if isinstance(b, Section)]
    titles = [s.title for s in tops]
    assert len(titles) == len(set(titles))
    every = [s.title for s in doc.walk() if isinstance(s, Section)]
    assert every.count("Problem record") == 1 and every.count("Actions") == 1 and every.count("Impact") == 0
    narrative = next(s for s in tops if s.title == "Review narrative")
    assert "PRB1" not in text_of(narrative.children)
    order = {t: i for i, t in enumerate(titles)}
    problem = text_of(next(s for s in tops if s.title == "Problem record").children)
    assert "tracked in problem PRB1" in problem
    # Actions come before the problem record: "actions below" must now read "above".
    assert order["Actions"] < order["Problem record"] and re.search(r"actions\s+above", problem)
    impact = text_of(next(s for s in tops if s.title == "Impact assessment").children)
    assert order["Impact assessment"] < order["Detailed timeline"] and re.search(r"timeline\s+below", impact, re.I)
    actions = text_of(next(s for s in tops if s.title == "Actions").children)
    assert re.search(r"problem record\s+below", actions) and "To complete" not in actions


# --------------------------------------------------------------------------- wording


def test_reader_text_has_no_tool_options_raw_keys_or_config_syntax(story):
    config, ingest, _, _ = story
    for narrative in (None, loads_narrative(NARRATIVE.format(customers="9,800", abandoned="70"))):
        for cc in (None, story[2]):
            md = render_markdown(app.pir_document(ingest, config, "INC1", narrative, cc, now=NOW)).replace(NBSP, " ")
            for bad in ("--events", "--contacts", "--narrative", "the config", "24x7", "pause_states", "Note:"):
                assert bad not in md, bad
            assert not re.search(r"\bttr\b", md)
            assert not re.search(r"\b\d+(?:\.\d+)?[mh]\b", md)  # "30m", "4h"
            assert not re.search(r"\bat \d{1,2} [A-Z][a-z]{2} \d{4}", md)  # "at 19 Aug 2026 09:27"
            assert not re.search(r"\d\.\d\s?min", md)  # "0.6 min"
            assert "24×7" in md


# --------------------------------------------------------------------------- the demo's review


def test_the_demo_reviews_the_incident_its_narrative_is_written_for():
    config = load_config(SAMPLE / "ccreport.yaml")
    data = app.demo_load(config, SAMPLE)
    incidents = data.result.incidents
    majors = incidents[incidents["major"].fillna(False).astype(bool)]
    reviewed = majors.sort_values("customers_affected", ascending=False).iloc[0]["incident_id"]
    path = SAMPLE / "reviews" / f"{reviewed}.md"
    assert path.is_file()
    assert path.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")  # the shipped example
    story = load_narrative(path)
    cc = app.contacts(config, str(SAMPLE / "contacts.csv"))
    facts = incident_facts(data.result, config, reviewed, narrative=story, contacts=cc)
    doc = app.pir_document(data.result, config, reviewed, story, cc)
    # Complete: nothing left to complete, an owner and a status, actions with owners and dates.
    assert not [b for b in doc.walk() if isinstance(b, Callout) and b.kind == "todo"]
    assert story.owner and story.status in ("Reviewed", "Closed") and story.lessons and story.root_cause
    assert story.actions and all(a.owner and a.due for a in story.actions)
    # Coherent: every figure it states agrees with the measured one, and each of its timeline
    # entries at a recorded stage lands on that stage's recorded moment.
    assert facts.figure_checks and all(c.differs is False for c in facts.figure_checks)
    rec = facts.record
    stages = [rec[k] for k in ("detected_at", "opened_at", "acknowledged_at", "resolved_at")]
    for at in stages:
        row = next(r for r in facts.timeline if any(e.at == at for e in r.events))
        assert row.narrative, at
    # The problem record it names is the incident's.
    assert str(rec["problem_id"]) in story.body


def test_the_demo_writes_the_finished_review_and_the_blank_draft(monkeypatch, tmp_path):
    config = load_config(SAMPLE / "ccreport.yaml")
    data = app.demo_load(config, SAMPLE)
    app.demo_metrics(data)
    written = {}
    monkeypatch.setattr(app, "write", lambda doc, settings, basename, config: written.setdefault(basename, doc))
    app.demo_documents(data, tmp_path)
    finished, draft = written["pir-INC0012443"], written["pir-INC0012443-draft"]
    todo = [lambda d: [b for b in d.walk() if isinstance(b, Callout) and b.kind == "todo"]][0]
    assert not todo(finished) and len(todo(draft)) >= 5
    assert "Reviewed" in finished.subject and "Draft" in draft.subject


def test_narrative_times_are_read_on_the_incident_day_and_across_midnight():
    from ccreport.pir.facts import TimelineEvent, merge_timeline
    from ccreport.pir.narrative import TimelineEntry, parse_clock

    assert parse_clock("09:12")[1:] == (dt.time(9, 12), False)
    assert parse_clock("09:12:30 BST")[1:] == (dt.time(9, 12, 30), True)
    assert parse_clock("2026-08-19 09:12")[0] == dt.date(2026, 8, 19)
    assert parse_clock("19 Aug 2026 09:12")[0] == dt.date(2026, 8, 19)
    for bad in ("Morning", "25:00", "09:61", "32 Aug 09:00", ""):
        assert parse_clock(bad) is None, bad
    opened = pd.Timestamp("2026-08-19 22:30", tz="Europe/London").tz_convert("UTC")
    late = pd.Timestamp("2026-08-20 00:40:20", tz="Europe/London").tz_convert("UTC")
    events = [TimelineEvent(opened, "logged", "Logged", None), TimelineEvent(late, "resolved", "Restored", None)]
    entries = [TimelineEntry(dt.time(23, 50), "Cause found."), TimelineEntry(dt.time(0, 40), "Service back."),
               TimelineEntry(dt.time(8, 0), "Review held.", dt.date(4, 8, 21))]
    rows = merge_timeline(events, entries, opened, "Europe/London")
    assert [r.at.tz_convert("Europe/London").strftime("%d %H:%M:%S") for r in rows] == [
        "19 22:30:00", "19 23:50:00", "20 00:40:20", "21 08:00:00"]
    assert rows[2].texts == ("Service back.",) and rows[2].events == (events[1],)


@pytest.mark.parametrize("seed", range(20))
def test_every_event_lands_in_one_moment_whatever_the_times(seed):
    import numpy as np

    from ccreport.pir.facts import TimelineEvent, merge_timeline
    from ccreport.pir.narrative import TimelineEntry

    rng = np.random.default_rng(seed)
    opened = pd.Timestamp("2026-08-19 09:00", tz="UTC")
    events = [TimelineEvent(opened + pd.Timedelta(seconds=int(s)), "update", f"e{k}", None)
              for k, s in enumerate(sorted(rng.integers(0, 3600, 15)))]
    entries = [TimelineEntry((opened + pd.Timedelta(seconds=int(s))).time().replace(microsecond=0), f"n{k}")
               for k, s in enumerate(sorted(rng.integers(0, 3600, 8)))]
    rows = merge_timeline(events, entries, opened, "UTC")
    assert sorted(e.text for r in rows for e in r.events) == sorted(e.text for e in events)
    assert sum(1 for r in rows for t in r.texts if t.startswith("n")) == len(entries)
    assert [r.at for r in rows] == sorted(r.at for r in rows)
    for r in rows:
        assert all(e.at - r.at < SAME_MOMENT for e in r.events)


def test_times_recorded_to_the_minute_are_shown_to_the_minute(tmp_path):
    strip = lambda text: re.sub(r"(T\d{2}:\d{2}):\d{2}", r"\1:00", text)  # noqa: E731
    (tmp_path / "ccreport.yaml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "incidents.csv").write_text(strip(INCIDENTS), encoding="utf-8")
    (tmp_path / "events.csv").write_text(strip(EVENTS), encoding="utf-8")
    config = load_config(tmp_path / "ccreport.yaml")
    ingest = load([tmp_path / "incidents.csv"], config)
    load_events(tmp_path / "events.csv", config, ingest)
    doc = app.pir_document(ingest, config, "INC1", None, None, now=NOW)
    md = render_markdown(doc).replace(NBSP, " ")
    clock = re.findall(r"\b\d{2}:\d{2}(?::\d{2})?(?=\s?(?:BST|GMT))", md)
    assert clock and all(len(t) == 5 for t in clock)
    # A narrative that gives seconds makes the whole review show seconds.
    n = loads_narrative("---\nowner: IM\n---\n\n| Time | Event |\n|---|---|\n| 09:40:30 | Bridge opened. |\n")
    md = render_markdown(app.pir_document(ingest, config, "INC1", n, None, now=NOW)).replace(NBSP, " ")
    clock = re.findall(r"\b\d{2}:\d{2}(?::\d{2})?(?=\s?(?:BST|GMT))", md)
    assert "09:40:30" in clock and all(len(t) == 8 for t in clock)
