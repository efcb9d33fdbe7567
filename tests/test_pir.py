"""The post-incident review: figures equal the metrics layer's, in PDF and Word; timeline order;
unknown IDs; the real ServiceNow log; hostile narratives; "To complete"; regulatory deadlines;
safe file names. PDFs are rendered once per module."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zoneinfo
from pathlib import Path

import docx as python_docx
import pandas as pd
import pypdf
import pytest

from ccreport.config import Config, load_config
from ccreport.metrics.contacts import incident_contact_impact
from ccreport.document import Callout, Figure, Paragraph, Rag, Section, Table
from ccreport.documents import common as c
from ccreport import app
from ccreport.documents.branding import Branding
from ccreport.documents.pir import PirOptions, build_pir
from ccreport.errors import IngestError
from ccreport.ingest import IngestResult, load, load_events
from ccreport.ingest.contacts import load_contacts
from ccreport.metrics import incident_sla
from ccreport.pir.narrative import load_narrative, loads_narrative
from ccreport.period import month_period
from ccreport.pir.facts import (
    ANY_UPDATE,
    PER_AUDIENCE,
    find_incident,
    incident_facts,
    major_incident_ids,
    sla_deadline,
)

from .util import SAMPLE

DATA = Path(__file__).parent / "data" / "pir"
BIGGEST = "INC0012443"  # the sample's major incident with the most customers affected
NOW = dt.datetime(2026, 11, 3, 9, 0, tzinfo=dt.timezone.utc)
LONDON = zoneinfo.ZoneInfo("Europe/London")
NBSP = "\u00a0"


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace(NBSP, " ").replace("\u202f", " ")).strip()


def local(ts: pd.Timestamp) -> str:
    """The test's own formatting of a UTC instant, as recorded: "19 Aug 2026 09:08:49 BST"."""
    d = ts.to_pydatetime().astimezone(LONDON)
    return f"{d.day} {d:%b %Y %H:%M:%S} {d.tzname()}"


def words(hours: float, nbsp: bool = False) -> str:
    """The test's own duration in words, to the minute: "4 min", "8 h 30 min"."""
    m = round(hours * 60)
    text = f"{m} min" if m < 60 else f"{m // 60} h" + (f" {m % 60} min" if m % 60 else "")
    return text.replace(" min", f"{NBSP}min").replace(" h", f"{NBSP}h") if nbsp else text


def pir_doc(incident_id, ingest, config, narrative=None, contacts=None, *, now=None, date=None,
            comms_rule=PER_AUDIENCE):
    """Facts gathered and the review built, as `ccreport pir` does (through ccreport.app)."""
    return app.pir_document(ingest, config, incident_id, narrative, contacts, now=now, date=date,
                            comms_rule=comms_rule)


def write_pir(incident_id, ingest, config, formats, out, narrative=None, contacts=None, **kw):
    doc = pir_doc(incident_id, ingest, config, narrative, contacts, **kw)
    return app.write(doc, app.Output(formats, Path(out)), app.pir_basename(doc.period_label), config)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample():
    config = load_config(SAMPLE / "ccreport.yaml")
    ingest = load([SAMPLE / "incidents.csv"], config)
    load_events(SAMPLE / "events.csv", config, ingest)
    contacts = load_contacts(SAMPLE / "contacts.csv", config)
    return config, ingest, contacts


@pytest.fixture(scope="module")
def rendered(sample, tmp_path_factory):
    """The biggest sample major incident with a realistic narrative, in every format."""
    config, ingest, contacts = sample
    narrative = load_narrative(DATA / f"{BIGGEST}.md")
    out = tmp_path_factory.mktemp("pir")
    paths = write_pir(BIGGEST, ingest, config, "pdf,docx,html,md", out, narrative=narrative,
                       contacts=contacts, now=NOW, date=dt.date(2026, 11, 3))
    by_ext = {p.suffix: p for p in paths}
    reader = pypdf.PdfReader(io.BytesIO(by_ext[".pdf"].read_bytes()))
    pdf_text = norm(" ".join(p.extract_text() for p in reader.pages))
    word = python_docx.Document(str(by_ext[".docx"]))
    return {"paths": by_ext, "pdf": pdf_text, "reader": reader, "docx": word, "out": out,
            "html": by_ext[".html"].read_text(encoding="utf-8"), "md": by_ext[".md"].read_text(encoding="utf-8")}


def sla_row(ingest, config, incident_id):
    """The incident's row of metrics.incident_sla over the WHOLE export."""
    table = incident_sla(ingest, config)
    return table[table["incident_id"] == incident_id].iloc[0]


def docx_table(word, first_header: str, containing: str = "") -> list[list[str]]:
    """The first Word table whose header starts with `first_header` (and has a row `containing`)."""
    for t in word.tables:
        rows = [[norm(cell.text) for cell in row.cells] for row in t.rows]
        if rows and rows[0] and rows[0][0] == first_header and (not containing or any(r[0] == containing for r in rows)):
            return rows
    raise AssertionError(f"no Word table starts with {first_header!r}")


# --------------------------------------------------------------------------- figures in PDF and Word


def test_lifecycle_and_impact_equal_incident_sla_in_pdf_and_docx(sample, rendered):
    config, ingest, contacts = sample
    row = sla_row(ingest, config, BIGGEST)
    rec = ingest.incidents[ingest.incidents["incident_id"] == BIGGEST].iloc[0]
    ack, ttr = words(row["tta_hours"]), words(row["ttr_hours"])
    assert (ack, ttr) == ("4 min", "8 h 30 min")  # the sample's known values (3 min 45 s, 8.5 h)
    assert bool(row["resolution_sla_met"]) is False and bool(row["response_sla_met"]) is True

    # Lifecycle table: stage times are the record's, durations are incident_sla's.
    expect = {
        "Identification": [local(rec["detected_at"])],
        "Logging": [local(rec["opened_at"]), "0 min"],
        "Acknowledgement": [local(rec["acknowledged_at"]), norm(ack), norm(ack), "Met"],
        "Escalation": [local(rec["escalated_at"])],
        "Resolution": [local(rec["resolved_at"]), norm(ttr), "Missed"],
        "Closure": [local(rec["closed_at"])],
    }
    table = docx_table(rendered["docx"], "Stage")
    cells = {r[0]: r for r in table[1:]}
    for stage, wanted in expect.items():
        for w in wanted:
            assert any(w == x or x.startswith(w + " ") or x.startswith(w) for x in cells[stage]), (stage, w, cells[stage])
    pdf = rendered["pdf"]
    assert (f"Acknowledgement {local(rec['acknowledged_at'])} {norm(ack)} {norm(ack)} respond 30 min Met") in pdf
    assert f"Resolution {local(rec['resolved_at'])}" in pdf and f"{norm(ttr)} resolve 8 h Missed" in pdf

    # Impact table: customers, contacts and the SLA clocks.
    impact = {r[0]: r for r in docx_table(rendered["docx"], "Measure")[1:]}
    assert impact["Customers affected"][1] == f"{int(rec['customers_affected']):,}" == "9,800"
    assert impact["Contacts affected"][1] == f"{int(rec['contacts_affected']):,}"
    assert impact["Resolution SLA"][1].startswith(words(row["resolve_clock_hours"]))
    assert impact["Response SLA"][1].startswith(words(row["respond_clock_hours"]))
    assert impact["Resolution SLA"][2].startswith("Missed") and impact["Response SLA"][2].startswith("Met")
    assert "Customers affected 9,800" in pdf and f"Resolution SLA {norm(ttr)}" in pdf

    # Contact-centre KPIs during the incident against the baseline, from incident_contact_impact.
    kpi = incident_contact_impact(contacts, rec["opened_at"], rec["resolved_at"], config)
    d, b = kpi["during"], kpi["baseline"]
    line = f"Service level {norm(c.fmt_pct(d['service_level_pct']))} {norm(c.fmt_pct(b['service_level_pct']))}"
    assert line in pdf
    assert f"Abandonment {norm(c.fmt_pct(d['abandonment_pct']))} {norm(c.fmt_pct(b['abandonment_pct']))}" in pdf
    assert f"Average handle time {norm(c.fmt_seconds(d['aht_seconds']))} {norm(c.fmt_seconds(b['aht_seconds']))}" in pdf
    docx_kpi = {r[0]: r for r in docx_table(rendered["docx"], "Measure", "Service level")}
    assert docx_kpi["Service level"][1:3] == [norm(c.fmt_pct(d["service_level_pct"])), norm(c.fmt_pct(b["service_level_pct"]))]


def test_facts_on_one_incident_equal_incident_sla_on_the_whole_export(sample):
    config, ingest, _ = sample
    for iid in ("INC0012443", "INC0011584", "INC0012815"):  # INC0011584 was on hold
        row = sla_row(ingest, config, iid)
        s = incident_facts(ingest, config, iid, now=NOW).sla
        for key in ("ttr_hours", "tta_hours", "pause_hours", "resolve_clock_hours", "respond_clock_hours",
                    "resolve_target_hours", "respond_target_hours"):
            assert getattr(s, key) == pytest.approx(float(row[key])), (iid, key)
        assert s.resolution_sla_met == bool(row["resolution_sla_met"])


def test_pdf_has_title_bookmarks_page_numbers_and_a_vector_chart(rendered):
    reader = rendered["reader"]
    assert reader.metadata.title == f"Post-incident review, {BIGGEST}"
    assert reader.metadata.author == "Incident Manager"
    assert "Review status: In Review" in reader.metadata.subject
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert "4 Lifecycle timings" in outline and "9 Communication review" in outline
    assert f"Page 1 of {len(reader.pages)}" in rendered["pdf"]
    assert "Resolved 8 h 30 min after logging, beyond the 8 h P2 target" in rendered["pdf"]  # the chart's title (SVG text)
    assert "<svg" in rendered["html"] and f"Response target 30{NBSP}min" in rendered["html"]


def test_review_status_and_owner_on_the_cover_and_summary(rendered):
    pdf, md = rendered["pdf"], rendered["md"]
    first_page = norm(rendered["reader"].pages[0].extract_text())
    assert "Review status: In Review; owner: Incident Manager" in first_page
    assert "Review status In Review owner: Incident Manager" in pdf  # the summary tile
    assert "**Review status:** In Review. **Review owner:** Incident Manager." in md
    word = rendered["docx"]
    assert any("Review status: In Review" in p.text for p in word.paragraphs[:8])


def test_narrative_sections_and_overdue_actions(rendered):
    md, pdf = rendered["md"], rendered["pdf"]
    for heading in ("Root cause", "Contributing factors", "What went well", "What to improve",
                    "Where we got lucky", "Lessons learned", "Review narrative", "Problem record"):
        assert heading in pdf
    assert "PRB0040509" in pdf
    assert "To complete" not in md  # a complete narrative leaves nothing to complete
    # Action 3 was due 16 Oct 2026 and is open on 3 Nov 2026: overdue, in words and a symbol.
    assert f"Open, overdue by 18 days {Rag.RED.symbol}" in norm(md)
    assert "Done ✔" in pdf
    assert "ICO (UK GDPR Art. 33): within 72 h" in pdf and f"Met: notified after {words(28 + 25 / 60)}" in pdf  # 11:40 to 16:05 the next day


# --------------------------------------------------------------------------- timeline


def test_timeline_is_in_time_order_whatever_the_input_order(sample):
    config, ingest, _ = sample
    shuffled = IngestResult(
        incidents=ingest.incidents, events=ingest.events.iloc[::-1].reset_index(drop=True),
        pauses=ingest.pauses, quality=ingest.quality, preset=ingest.preset, fields=ingest.fields,
        pauses_known=ingest.pauses_known)
    facts = incident_facts(shuffled, config, "INC0011584", now=NOW)
    times = [e.at for e in facts.events]
    assert times == sorted(times) and len(times) == int((ingest.events["incident_id"] == "INC0011584").sum())
    doc = pir_doc("INC0011584", shuffled, config, now=NOW)
    table = next(b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Timeline of"))
    shown = [r[0] for r in table.rows]
    # One row per moment (events under a minute apart are one), each at its first event's time, as recorded.
    moments = [t for k, t in enumerate(times) if k == 0 or t - times[k - 1] >= pd.Timedelta(minutes=1)]
    assert shown == [f"{t.tz_convert('Europe/London').day} {t.tz_convert('Europe/London'):%b %H:%M:%S}{NBSP}"
                     f"{t.tz_convert('Europe/London').tzname()}" for t in moments]
    # The on-hold period is visible: the state change that starts it and the one that ends it.
    details = [r[3] for r in table.rows]
    assert "State: On Hold (on hold: SLA clock stops)" in details
    assert "State: In Progress (SLA clock restarts)" in details
    assert any(isinstance(b, Table) and b.caption.startswith("On-hold periods") for b in doc.walk())


def test_comms_gap_is_highlighted_and_the_rule_is_stated(sample):
    config, ingest, _ = sample
    # INC0012815 has the deliberate gap: the bridge went quiet for two update steps.
    facts = incident_facts(ingest, config, "INC0012815", now=NOW)
    external = next(r for r in facts.comms.audiences if r.audience == "external")
    assert facts.comms.cadence_hours == 0.5 and facts.comms.cadence_source == "config"  # sample_data sets sla.P1.update: 30m
    assert external.longest_gap_hours > 1.5 and external.met is False
    any_rule = incident_facts(ingest, config, "INC0012815", now=NOW, comms_rule=ANY_UPDATE).comms
    assert any_rule.met is False and any_rule.any.longest_gap_hours == pytest.approx(0.75)
    assert incident_facts(ingest, config, BIGGEST, now=NOW, comms_rule=ANY_UPDATE).comms.met is True
    doc = pir_doc("INC0012815", ingest, config, now=NOW)
    texts = [b.text for b in doc.walk() if isinstance(b, Paragraph)]
    assert any(t.startswith("Rule: per audience.") for t in texts)
    gaps = next(b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Gaps longer than"))
    assert any(r[2] == "External" and r[3] == words(external.longest_gap_hours, nbsp=True) for r in gaps.rows)
    assert all(rag[3] is Rag.RED for rag in gaps.rag)
    doc_any = pir_doc("INC0012815", ingest, config, now=NOW, comms_rule=ANY_UPDATE)
    assert any(b.text.startswith("Rule: any update.") for b in doc_any.walk() if isinstance(b, Paragraph))


# --------------------------------------------------------------------------- finding incidents


def test_unknown_incident_names_the_closest_ids(sample):
    config, ingest, _ = sample
    with pytest.raises(IngestError) as err:
        find_incident(ingest, "INC00128150")
    assert err.value.exit_code == 1
    assert "INC00128150" in str(err.value) and "INC0012815" in str(err.value)
    with pytest.raises(IngestError, match="Closest IDs: .*INC0012815"):
        pir_doc("INC00128150", ingest, config)
    # Surrounding spaces and a unique case-insensitive match are accepted.
    assert find_incident(ingest, " inc0012815 ") == find_incident(ingest, "INC0012815")


def test_major_incident_ids_for_a_month(sample):
    config, ingest, _ = sample
    assert major_incident_ids(ingest, month_period(2026, 10, config.timezone)) == ["INC0012815", "INC0012947"]
    assert major_incident_ids(ingest, month_period(2026, 2, config.timezone)) == []


# --------------------------------------------------------------------------- the real ServiceNow log


def test_pir_from_the_real_servicenow_event_log(servicenow_log, tmp_path):
    config = Config(sla={"P2": {"respond": "30m", "resolve": "8h"}, "P3": {"respond": "4h", "resolve": "24h"}})
    ingest = load([servicenow_log], config)
    ev = ingest.events
    awaiting = ev[(ev["type"] == "state") & ev["text"].astype("str").str.startswith("Awaiting")]
    with_hold = sorted(set(awaiting["incident_id"]) & set(ingest.pauses["incident_id"]))
    iid = with_hold[0]
    doc = pir_doc(iid, ingest, config, now=dt.datetime(2017, 1, 1))
    timeline = next(b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Timeline of"))
    own = ev[ev["incident_id"] == iid]
    assert len(timeline.rows) == len(own) and all(r[2] == "State change" for r in timeline.rows)
    details = [r[3] for r in timeline.rows]
    assert any(d.startswith("State: Awaiting") and "(on hold: SLA clock stops)" in d for d in details)
    holds = next(b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("On-hold periods"))
    assert len(holds.rows) == int((ingest.pauses["incident_id"] == iid).sum())
    row = sla_row(ingest, config, iid)
    impact = next(b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Impact and SLA"))
    on_hold = next(r for r in impact.rows if r[0] == "Time on hold")
    assert on_hold[1].replace(NBSP, " ") == words(row["pause_hours"]) and row["pause_hours"] > 0
    (md,) = write_pir(iid, ingest, config, "md", tmp_path, now=dt.datetime(2017, 1, 1))
    text = md.read_text(encoding="utf-8")
    assert "Awaiting" in text and "not in this export" in text  # ServiceNow has no customers_affected
    assert (tmp_path / f"pir-{iid}_files" / "fig-lifecycle.png").is_file()


# --------------------------------------------------------------------------- hostile narratives

FORBIDDEN = ("<script", "<iframe", "<object", "<embed", "<form", "<input", "<link", "<style>body",
             "onerror", "onclick", "onload", "etc/hostname", "etc/passwd", "data:text/html")


@pytest.fixture(scope="module")
def hostile(sample, tmp_path_factory):
    config, ingest, _ = sample
    narrative = load_narrative(DATA / "hostile.md")
    out = tmp_path_factory.mktemp("hostile")
    paths = write_pir("INC0012815", ingest, config, "pdf,docx,html,md", out, narrative=narrative, now=NOW)
    return {p.suffix: p for p in paths}


def test_hostile_html_keeps_only_safe_markup(hostile):
    html = hostile[".html"].read_text(encoding="utf-8")
    body = html[html.index("<main>"):]
    low = body.lower()
    for bad in FORBIDDEN:
        assert bad not in low, bad
    assert "javascript" not in low and "alert(" not in low
    assert "<img" not in html.lower()  # no logo configured, and no image from the narrative
    hrefs = re.findall(r'href="([^"]*)"', body)
    assert all(h.startswith(("https://", "mailto:", "#")) for h in hrefs), hrefs
    assert "https://runbooks.example.org/tls" in hrefs and "mailto:ops@example.org" in hrefs
    assert "<strong>Bold</strong>" in body  # allowed markup survives
    assert "Renewal reminders went to a retired mailbox." in body and "Expiry dates belong in monitoring." in body


def test_hostile_pdf_has_no_scripts_links_or_images(hostile):
    data = hostile[".pdf"].read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = norm(" ".join(p.extract_text() for p in reader.pages)).lower()
    for bad in ("alert(", "javascript", "etc/hostname", "<script", "<iframe"):
        assert bad not in text, bad
    uris = [a.get_object()["/A"]["/URI"] for p in reader.pages for a in (p.get("/Annots") or [])
            if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]]
    assert uris and all(u.startswith(("https://", "mailto:")) for u in uris), uris
    assert b"/JavaScript" not in data and b"/JS" not in data and b"/Subtype /Image" not in data


def test_hostile_docx_and_markdown_are_text_only(hostile):
    with zipfile.ZipFile(hostile[".docx"]) as z:
        xml = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith((".xml", ".rels")))
    low = xml.lower()
    for bad in ("javascript", "alert(", "etc/hostname", "etc/passwd", "script&gt;", "iframe"):
        assert bad not in low, bad
    targets = re.findall(r'Target="([^"]*)"\s+TargetMode="External"', xml)
    assert targets and all(t.startswith(("https://", "mailto:")) for t in targets), targets
    media = [n for n in zipfile.ZipFile(hostile[".docx"]).namelist() if n.startswith("word/media/")]
    assert len(media) == 1  # the lifecycle chart only
    md = hostile[".md"].read_text(encoding="utf-8").lower()
    for bad in ("javascript", "alert(", "etc/hostname", "<script", "<iframe", "<img"):
        assert bad not in md, bad
    assert "runbooks.example.org" in md


# --------------------------------------------------------------------------- without a narrative


def test_without_a_narrative_each_section_to_write_is_marked_to_complete(sample, tmp_path):
    config, ingest, _ = sample
    doc = pir_doc(BIGGEST, ingest, config, now=NOW)
    todo_in: set[str] = set()

    def walk(sec: Section, path: list[str]) -> None:
        for child in sec.children:
            if isinstance(child, Section):
                walk(child, path + [child.title])
            elif isinstance(child, Callout) and child.kind == "todo":
                todo_in.update(path)

    for s in doc.blocks:
        if isinstance(s, Section):
            walk(s, [s.title])
    for title in ("Summary", "Root cause", "Contributing factors", "What went well", "What to improve",
                  "Actions", "Where we got lucky", "Lessons learned", "Regulatory notifications"):
        assert title in todo_in, title
    # The data sections are there all the same.
    assert any(isinstance(b, Figure) for b in doc.walk())
    assert "Draft" in doc.subject and "owner: To complete" in doc.subject
    (md, html) = write_pir(BIGGEST, ingest, config, "md,html", tmp_path, now=NOW)
    assert md.read_text(encoding="utf-8").count("To complete") >= 9
    assert html.read_text(encoding="utf-8").count("callout-todo") >= 9


# --------------------------------------------------------------------------- regulatory deadlines


def test_a_missed_regulatory_deadline_is_shown_as_missed_in_words(sample, tmp_path):
    config, ingest, _ = sample
    narrative = loads_narrative(
        "---\n"
        "status: reviewed\n"
        "owner: Incident Manager\n"
        "regulatory:\n"
        "  - {body: ICO (UK GDPR Art. 33), deadline_hours: 72, notified_at: 2026-10-10T09:00:00}\n"
        "  - {body: Ofcom, deadline_hours: 24}\n"
        "  - {body: FCA, deadline_hours: 2400, notified_at: 2026-10-07T09:00:00Z}\n"
        "  - {body: Payment scheme, deadline_hours: 2400}\n"
        "---\n", "late.md")
    assert narrative.status == "Reviewed"
    facts = incident_facts(ingest, config, "INC0012815", narrative=narrative, now=NOW)
    ico, ofcom, fca, scheme = facts.regulatory
    # Awareness defaults to detection: 6 Oct 2026 08:14:17 UTC; naive notified_at is London time (BST).
    assert ico.awareness_at == pd.Timestamp("2026-10-06 08:14:17", tz="UTC") and ico.awareness_source == "detected_at"
    assert ico.notified_at == pd.Timestamp("2026-10-10 08:00:00", tz="UTC")
    assert (ico.status, ofcom.status, fca.status, scheme.status) == ("missed", "missed", "met", "due")
    assert ico.margin_hours == pytest.approx(23 + 45 / 60 + 43 / 3600)  # hours late
    doc = pir_doc("INC0012815", ingest, config, narrative, now=NOW)
    table = next(b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Regulatory"))
    results = [r[-1] for r in table.rows]
    assert results[0].startswith("Missed: notified") and results[1].startswith("Missed: not notified")
    assert results[2].startswith("Met") and results[3].startswith("Due")
    assert [g[-1] for g in table.rag] == [Rag.RED, Rag.RED, Rag.GREEN, Rag.AMBER]
    warning = next(b for b in doc.walk() if isinstance(b, Callout) and b.kind == "warning")
    assert warning.default_title == "Missed deadline" and "2 regulatory deadlines missed" in warning.text
    (md,) = write_pir("INC0012815", ingest, config, "md", tmp_path, narrative=narrative, now=NOW)
    text = norm(md.read_text(encoding="utf-8"))
    assert f"Missed: notified {words(ico.margin_hours)} after the deadline" in text and Rag.RED.symbol in text


def test_no_notification_due_is_not_a_gap(sample):
    config, ingest, _ = sample
    doc = pir_doc("INC0012815", ingest, config, loads_narrative("---\nregulatory: []\n---\n"), now=NOW)
    sec = next(s for s in doc.sections() if s.title == "Regulatory notifications")
    assert [type(b) for b in sec.children] == [Paragraph]
    assert "no regulatory notification was due" in sec.children[0].text


# --------------------------------------------------------------------------- SLA deadline


def test_sla_deadline_on_a_business_calendar_with_a_pause():
    config = Config(timezone="Europe/London", calendars={"office": {"hours": "08:00-18:00"}},
                    sla={"P3": {"respond": "4h", "resolve": "24h", "calendar": "office"}})
    cal = config.calendars["office"]
    opened = pd.Timestamp("2026-10-02 16:00", tz="Europe/London").tz_convert("UTC")  # a Friday
    # 2 working hours on Friday, then Monday from 08:00: the 4 h clock reaches 4 h at 10:00.
    assert sla_deadline(opened, 4.0, cal, config.timezone) == pd.Timestamp("2026-10-05 10:00", tz="Europe/London")
    pauses = pd.DataFrame({"start": [pd.Timestamp("2026-10-05 08:30", tz="Europe/London")],
                           "end": [pd.Timestamp("2026-10-05 09:00", tz="Europe/London")]})
    assert sla_deadline(opened, 4.0, cal, config.timezone, pauses) == pd.Timestamp("2026-10-05 10:30", tz="Europe/London")
    assert sla_deadline(opened, 4.0, "24x7", config.timezone) == opened + pd.Timedelta(hours=4)


# --------------------------------------------------------------------------- file names


HOSTILE_IDS = ["../../x", "..\\..\\x", "CON", "a/b", "a:b", "A" * 300, "A" * 299 + "B", ".hidden", "INC 1"]


def test_file_names_from_hostile_ids_stay_inside_and_do_not_collide(tmp_path):
    names = [app.pir_basename(i) for i in HOSTILE_IDS]
    assert len(set(names)) == len(names)
    for name in names:
        assert name.startswith("pir-") and len(name) <= 100
        assert re.fullmatch(r"[A-Za-z0-9._-]+", name) and ".." not in name.split("-", 1)[0]
    assert app.pir_basename("CON") == "pir-CON" and app.pir_basename("INC0012443") == "pir-INC0012443"

    opened = pd.Timestamp("2026-10-01 09:00", tz="UTC")
    records = [{"incident_id": i, "opened_at": opened + pd.Timedelta(hours=k), "priority": "P2",
                "resolved_at": opened + pd.Timedelta(hours=k + 3)} for k, i in enumerate(HOSTILE_IDS)]
    ingest = IngestResult.from_records(records)
    out = tmp_path / "out"
    written = []
    for i in HOSTILE_IDS:
        written += write_pir(i, ingest, Config(), "md,html", out, now=NOW)
    assert len(written) == 2 * len(HOSTILE_IDS) == len(set(written))
    for p in written:
        assert p.resolve().parent == out.resolve()
    assert sorted(p.name for p in out.iterdir() if p.suffix in (".md", ".html")) == sorted(p.name for p in written)
    assert not (tmp_path / "x.md").exists() and not (tmp_path.parent / "x.md").exists()


# --------------------------------------------------------------------------- the pure builder


def test_build_pir_is_a_pure_function_of_facts_narrative_branding_and_options(sample):
    """The builder takes gathered facts: no ingest result, no config, no files."""
    config, ingest, _ = sample
    facts = incident_facts(ingest, config, BIGGEST, now=NOW)
    options = PirOptions(date=dt.date(2026, 11, 3), pause_states=("On Hold",), sl_method="answered within 20 s")
    doc = build_pir(facts, None, Branding("Northwind", None, "#123456"), options)
    assert (doc.organisation, doc.primary_colour, doc.date) == ("Northwind", "#123456", dt.date(2026, 11, 3))
    assert doc.period_label == BIGGEST and doc == build_pir(facts, None, Branding("Northwind", None, "#123456"), options)
    # The same document as the application layer builds from the config.
    assert pir_doc(BIGGEST, ingest, config, now=NOW, date=dt.date(2026, 11, 3)) == build_pir(
        facts, None, Branding.from_config(config),
        PirOptions(date=dt.date(2026, 11, 3), pause_states=tuple(config.pause_states),
                   sl_method=app._sl_method(config)))
