"""The monthly report builder: every SPEC §5.1 section, worded from the typed metric set.

The builder is pure: these tests build from the fixture's metrics JSON (read back with
MetricSet.from_dict) and assert on the Document tree; only the tests of `ccreport.app` write files.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest

import pandas as pd

from ccreport import app
from ccreport.config import Config
from ccreport.document import Callout, Figure, KeyFigures, Paragraph, Rag, Section, Table
from ccreport.documents import common as c
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import NO_REVIEW, RULES, MonthlyOptions, build_monthly, email_summary
from ccreport.metrics.model import MetricSet
from ccreport.period import Period

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"
NBSP = "\u00a0"

SECTIONS = [
    "1 Executive summary",
    "2 Volume and trends",
    "3 Performance by priority",
    "4 SLA breaches",
    "5 Categories and services",
    "6 Major incidents",
    "7 Backlog and ageing",
    "8 Customer impact",
    "9 Problem candidates",
    "10 Recommendations",
    "Appendix A: Definitions and rules",
    "Appendix B: Data quality",
]


@pytest.fixture
def metrics() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture
def config() -> Config:
    return Config(organisation={"name": "Northwind Contact Centre"})


def build(metrics, config=None, statuses=None):
    """The report from a metrics JSON object (mutated copies of the fixture included)."""
    return build_monthly(MetricSet.from_dict(metrics), Branding.from_config(config or Config()),
                         MonthlyOptions(date=dt.date(2026, 11, 3), pir_statuses=statuses))


def render(metrics, config, formats, out):
    """Build and write through the application layer, as `ccreport monthly` does."""
    ms = MetricSet.from_dict(metrics)
    doc, _ = app.monthly_document(ms, config, date=dt.date(2026, 11, 3))
    return app.write(doc, app.output(config, formats, out), f"monthly-{app.period_slug(ms.period)}", config)


def texts(doc) -> str:
    """Every string the document will show, joined (for 'does it say X' checks)."""
    out = []
    for b in doc.walk():
        if isinstance(b, Section):
            out.append(b.heading)
        elif isinstance(b, Paragraph):
            out.append("".join(s.text for p in b.parts() for item in p.items for s in item))
        elif isinstance(b, Callout):
            out.append("".join(s.text for p in b.parts() for item in p.items for s in item))
        elif isinstance(b, KeyFigures):
            out += [f"{f.label} {f.value} {f.change} {f.note}" for f in b.figures]
        elif isinstance(b, Table):
            out += [b.caption, *b.notes, b.more or ""]
            out += [" | ".join(r) for r in b.rows]
        elif isinstance(b, Figure):
            out += [b.chart.title, b.caption, b.alt]
    return "\n".join(out)


def summary_sentences(doc) -> list[str]:
    section = doc.blocks[0]
    para = [b for b in section.children if isinstance(b, Paragraph)][0]
    return ["".join(s.text for s in item) for item in para.parts()[0].items]


def test_every_section_of_spec_5_1(metrics, config):
    doc = build(metrics, config)
    assert [s.heading for s in doc.sections(1)] == SECTIONS
    assert doc.title == "Monthly incident report" and doc.period_label == "October 2026"
    assert doc.organisation == "Northwind Contact Centre"


def test_key_figures_use_the_shared_formats_and_rag(metrics):
    doc = build(metrics)
    kf = [b for b in doc.walk() if isinstance(b, KeyFigures)][0]
    t, p = metrics["totals"], metrics["previous"]["totals"]
    by_label = {f.label: f for f in kf.figures}
    assert by_label["Incidents opened"].value == c.fmt_int(t["opened"])
    assert by_label["Incidents opened"].change.startswith(c.fmt_change(t["opened"], p["opened"], "int"))
    assert by_label["Mean time to resolve"].value == c.fmt_hours(t["mttr_hours"])
    assert by_label["Resolution SLA"].value == c.fmt_pct(t["resolution_sla_pct"])
    assert by_label["Response SLA"].value == c.fmt_pct(t["response_sla_pct"])
    assert by_label["Backlog at month end"].value == c.fmt_int(t["backlog_end"])
    # 93.8 % against 95 %: within 10 % -> Amber; MTTR 19.5 h against 12 h -> Red; 96.8 % -> Green.
    assert by_label["Resolution SLA"].rag is Rag.AMBER
    assert by_label["Mean time to resolve"].rag is Rag.RED
    assert by_label["Response SLA"].rag is Rag.GREEN
    assert by_label["Incidents opened"].rag is None
    assert len(kf.figures) == 6


def test_summary_leads_with_the_findings_then_the_months_facts(metrics):
    """SPEC §5.1: the executive summary leads with the findings that have most impact, each
    with its figure and count, then the month's facts (3 to 6 points)."""
    points = summary_sentences(build(metrics))
    assert 3 <= len(points) <= 6
    # The biggest story first: INC0104211 affected 12,400 customers, far above the usual major incident.
    assert "INC0104211" in points[0] and "12,400" in points[0]
    # One P1 of six missed its target: said with its count, not as a bare 83.3 %.
    p1 = [p for p in points if "P1" in p]
    assert p1 and re.search(r"\b1\b.*\b6\b", p1[0])
    # The month's volume with its change closes the summary.
    assert points[-1].startswith("632 incidents were opened and 607 resolved in October 2026")
    assert f"up 8.8{NBSP}% from 581" in points[-1]


def test_summary_when_targets_are_met(metrics):
    m = copy.deepcopy(metrics)
    m["totals"].update(resolution_sla_pct=97.25, resolution_sla_breaches=17)
    for v in m["by_priority"].values():
        if v["resolution_sla_pct"] is not None:
            v.update(resolution_sla_pct=99.0, resolution_sla_breaches=0)
    points = summary_sentences(build(m))
    assert not any("resolution target" in p or "Resolution SLA" in p for p in points), points


def test_priority_table_formats_and_flags(metrics):
    doc = build(metrics)
    table = [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Performance by priority")][0]
    headers = [col.header for col in table.columns]
    assert headers == ["Priority", "Opened", "Resolved", "MTTA", "MTTR", "Median", "P90", "Response SLA", "Resolution SLA"]
    p2 = table.rows[1]
    bp = metrics["by_priority"]["P2"]
    assert p2 == ["P2", "42", "40", c.fmt_minutes(bp["mtta_hours"], 1), c.fmt_hours(bp["mttr_hours"]),
                  c.fmt_hours(bp["median_ttr_hours"]), c.fmt_hours(bp["p90_ttr_hours"]),
                  c.fmt_pct(bp["response_sla_pct"]), c.fmt_pct(bp["resolution_sla_pct"])]
    # One precision per column: P1's 8.5 min gives every MTTA cell one decimal.
    mtta = [row[3] for row in table.rows]
    assert all(v.split("\u00a0")[0].split(".")[-1].isdigit() and "." in v for v in mtta), mtta
    assert table.rag[1][-1] is Rag.RED
    p5 = table.rows[4]
    assert p5[-1] == "\u2013"  # P5 has no resolution target: an empty-set statistic shows "–"
    assert table.rows[-1][0] == "All" and table.total_row


def test_a_field_the_export_lacks_says_not_in_this_export(metrics):
    m = copy.deepcopy(metrics)
    m["fields"] = [f for f in m["fields"] if f not in ("acknowledged_at", "csat")]
    for scope in (m["totals"], m["previous"]["totals"], *m["by_priority"].values()):
        scope["mtta_hours"] = scope["response_sla_pct"] = scope["csat_mean"] = None
    doc = build(m)
    kf = [b for b in doc.walk() if isinstance(b, KeyFigures)][0]
    assert {f.label: f.value for f in kf.figures}["Response SLA"] == "not in this export"
    table = [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Performance by priority")][0]
    assert "MTTA" not in [col.header for col in table.columns]
    assert any("MTTA and response SLA are not in this export" in n for n in table.notes)
    impact = [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Customer impact")][0]
    assert impact.rows[-1][1] == "not in this export"


def test_no_major_incidents(metrics):
    m = copy.deepcopy(metrics)
    m["major_incidents"] = []
    m["contacts"] = None
    doc = build(m)
    text = texts(doc)
    assert "No major incidents were opened in October 2026." in text
    assert not any("Major incident" in p for p in summary_sentences(doc))
    assert not [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Major incidents")]


def test_forty_major_incidents_are_capped(metrics):
    m = copy.deepcopy(metrics)
    base = m["major_incidents"][0]
    m["major_incidents"] = [dict(base, incident_id=f"INC{i:05d}") for i in range(40)]
    doc = build(m)
    table = [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Major incidents")][0]
    assert len(table.rows) == 15
    assert table.more == "and 25 more major incidents"
    assert table.rows[0][-1] == NO_REVIEW


def test_major_incident_rows(metrics):
    doc = build(metrics)
    table = [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Major incidents")][0]
    assert [col.header for col in table.columns] == [
        "ID", "Title", "Priority", "Duration", "Customers", "Contacts", "SLA met", "PIR status"]
    first, last = table.rows[0], table.rows[-1]
    assert first[:4] == ["INC0104211", "Inbound telephony outage: calls failing at the SBC", "P1", f"3.6{NBSP}h"]
    assert first[4:] == ["12,400", "3,870", "Yes", NO_REVIEW]
    assert last[3] == "Ongoing" and last[6] == "\u2013" and last[7] == "Open: PIR after resolution"


def recommendations(doc) -> Table:
    return [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Recommendations")][0]


def test_recommendations_are_ranked_actions_with_figures_owners_and_dates(metrics):
    doc = build(metrics)
    table = recommendations(doc)
    assert [c.header for c in table.columns] == ["No.", "Action", "Why", "Owner", "Review by"]
    assert [r[0] for r in table.rows] == [str(i) for i in range(1, len(table.rows) + 1)]
    for no, action, why, owner, review in table.rows:
        assert action and owner and re.search(r"\d", why) and re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} 2026", review)
    # Most impact first: the major incident's review, then the P1 miss.
    assert "INC0104211" in table.rows[0][1]
    # The rule behind each is named only in the appendix, numbered without gaps.
    text = texts(doc)
    assert "Rule R" not in text
    rules = [b for b in doc.walk() if isinstance(b, Table) and b.caption == "Rules behind the findings"][0]
    assert [r[0] for r in rules.rows] == [str(i) for i in range(1, len(RULES) + 1)]
    for rule in RULES:  # every rule is written down in the appendix
        assert rule.when in text


def test_recommendations_when_nothing_fires(metrics):
    m = copy.deepcopy(metrics)
    m["totals"].update(resolution_sla_pct=99, response_sla_pct=99, mttr_hours=5, reopen_rate_pct=1, backlog_end=80,
                       resolution_sla_breaches=6)
    for v in m["by_priority"].values():
        v.update(resolution_sla_pct=99, resolution_sla_breaches=0)
    m["ageing"]["total"][">30d"] = 0
    m["major_incidents"] = [mi for mi in m["major_incidents"] if not mi["resolved_at"]]
    m["baseline"] = None
    m["problem_candidates"] = []
    m["contacts"] = None
    m["by_category"] = dict(list(m["by_category"].items())[1:])
    for dim in ("category", "service", "site", "channel", "assignment_group"):
        for v in m[f"by_{dim}"].values():
            v.update(resolution_sla_pct=99, resolution_sla_breaches=0)
    for k in ("rows_rejected", "unknown_priority", "unparsed_timestamps"):
        m["data_quality"][k] = 0
    text = texts(build(m))
    assert "No action stands out from the figures of October 2026" in text


def test_appendix_definitions_rag_rule_and_data_quality(metrics):
    doc = build(metrics)
    text = texts(doc)
    assert c.RAG_RULE in text
    assert "Resolution SLA attainment" in text
    issues = [b for b in doc.walk() if isinstance(b, Table) and b.caption == "First data-quality issues"][0]
    assert len(issues.rows) == 15 and issues.more == "and 9 more issues"


def test_customer_impact_with_and_without_contacts(metrics):
    doc = build(metrics)
    text = texts(doc)
    assert "Service level, abandonment and handle time during major incidents against baseline" in text
    assert f"INC0104211 | 38.2{NBSP}% | 81.3{NBSP}% | \u221243.1{NBSP}pp" in text
    m = copy.deepcopy(metrics)
    m["contacts"] = None
    assert "Contact-centre interval data was not supplied" in texts(build(m))
    assert "--contacts" not in texts(build(m))


def test_charts_state_their_finding(metrics):
    doc = build(metrics)
    titles = {f.id: f.chart.title for f in doc.figures()}
    assert set(titles) == {"fig-trend", "fig-weekly", "fig-sla", "fig-mttr", "fig-pareto", "fig-ageing"}
    assert titles["fig-trend"] == "632 incidents opened in October, the most in 12 months"
    assert titles["fig-sla"] == f"P2 resolution SLA lowest at 81.0{NBSP}%, against a 95{NBSP}% target"
    assert titles["fig-mttr"] == f"MTTR rose to 19.5{NBSP}h in October, above the 12{NBSP}h target"
    assert titles["fig-pareto"] == f"Three categories account for 49{NBSP}% of incidents opened"
    assert titles["fig-ageing"] == "10 open incidents are older than 30 days"
    assert all(f.alt and f.caption for f in doc.figures())


def test_untrusted_text_is_escaped_in_paragraphs(metrics):
    m = copy.deepcopy(metrics)
    m["major_incidents"][1]["title"] = "**not bold** [link](http://evil) `x`"
    point = [p for p in summary_sentences(build(m)) if "INC0104530" in p][0]
    assert "(**not bold** [link](http://evil) `x`)" in point


def test_the_build_is_deterministic(metrics):
    assert build(metrics) == build(metrics)


def test_period_slug(metrics):
    assert app.period_slug(MetricSet.from_dict(metrics).period) == "2026-10"
    tz = "Europe/London"
    custom = Period(pd.Timestamp("2026-10-01", tz=tz), pd.Timestamp("2026-10-16", tz=tz), tz, "1 to 15 October 2026")
    assert app.period_slug(custom) == "2026-10-01_2026-10-15"


def test_render_monthly_writes_monthly_yyyy_mm(metrics, config, tmp_path):
    paths = render(metrics, config, ["md", "html", "docx"], tmp_path)
    assert [p.name for p in paths] == ["monthly-2026-10.md", "monthly-2026-10.html", "monthly-2026-10.docx"]
    assert (tmp_path / "monthly-2026-10_files" / "fig-trend.png").is_file()


def test_render_monthly_uses_config_template_folders(metrics, tmp_path):
    user = tmp_path / "mytemplates"
    user.mkdir()
    (user / "monthly.html").write_text('{% extends "default:monthly.html" %}{% block extra_css %}.x{}{% endblock %}'
                                       '{% block footer %}<p>HOUSE FOOTER</p>{% endblock %}')
    config = Config(templates="mytemplates", base_dir=str(tmp_path))
    (path,) = render(metrics, config, ["html"], tmp_path / "out")
    assert "HOUSE FOOTER" in path.read_text(encoding="utf-8")


def empty_metrics() -> dict:
    """A month with no incidents, from an export with only incident_id and opened_at."""
    counts = ("opened", "resolved", "cancelled", "backlog_end", "major")
    stats = ("mtta_hours", "mttr_hours", "median_ttr_hours", "p90_ttr_hours", "resolution_sla_pct",
             "response_sla_pct", "reopen_rate_pct", "escalation_rate_pct", "customers_affected", "csat_mean")

    def scope():
        return {**{k: 0 for k in counts}, **{k: None for k in stats}}

    return {
        "format_version": 1,
        "period": {"start": "2026-10-01T00:00:00+01:00", "end": "2026-11-01T00:00:00+00:00",
                   "timezone": "Europe/London", "label": "October 2026", "month": "2026-10"},
        "totals": scope(), "by_priority": {p: scope() for p in ("P1", "P2", "P3", "P4", "P5")},
        "by_category": {},
        "trend": [{"month": f"2026-{i:02d}", "opened": 0, "resolved": 0, "mttr_hours": None,
                   "resolution_sla_pct": None, "backlog_end": 0} for i in range(1, 11)],
        "data_quality": {"rows_read": 0, "incidents": 0, "rows_rejected": 0, "duplicates": 0,
                         "negative_durations": 0, "resolved_from_closed": 0, "unknown_priority": 0, "issues": []},
        "fields": ["incident_id", "opened_at"], "targets": {"resolution_sla_pct": 95}, "sla": {},
        "previous": None, "by_service": {}, "weekly": [{"week_start": "2026-09-28", "opened": 0, "resolved": 0}],
        "ageing": {"buckets": ["0-1d", "1-3d", "3-7d", "7-30d", ">30d"], "by_priority": {}, "total": {}},
        "major_incidents": [], "problem_candidates": [], "contacts": None,
    }


def test_an_empty_month_builds_and_says_so(tmp_path):
    m = empty_metrics()
    doc = build(m)
    sentences = summary_sentences(doc)
    assert sentences[0] == "No incidents were opened or resolved in October 2026."
    assert "Resolution SLA attainment is not in this export." in sentences
    text = texts(doc)
    assert "the most in 10 months" not in text and "In none of the last 10 months" in text
    assert "The major-incident flag is not in this export." in text
    paths = render(m, Config(), ["md", "docx", "html"], tmp_path)
    assert len(paths) == 3


# --------------------------------------------------------------------------- drift fixes (issue 12)


def impact_rows(doc) -> dict[str, list[str]]:
    table = [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Customer impact")][0]
    return {row[0]: row for row in table.rows}


def test_contacts_affected_reaches_the_customer_impact_table(metrics):
    """SPEC §5.1: customers and contacts affected, from totals.contacts_affected."""
    m = copy.deepcopy(metrics)
    m["totals"]["contacts_affected"] = 9535
    m["previous"]["totals"]["contacts_affected"] = 4000
    row = impact_rows(build(m))["Contacts affected"]
    assert row == ["Contacts affected", "9,535", "4,000", c.fmt_change(9535, 4000, "int")]


def test_contacts_affected_not_in_this_export(metrics):
    assert impact_rows(build(metrics))["Contacts affected"][1:3] == ["9,480", "3,120"]
    m = copy.deepcopy(metrics)
    m["totals"]["contacts_affected"] = m["previous"]["totals"]["contacts_affected"] = None
    # With the field but no value (nothing to sum): the no-value mark, not "not in this export".
    assert impact_rows(build(m))["Contacts affected"][1] == "\u2013"
    m["fields"] = [f for f in m["fields"] if f != "contacts_affected"]
    row = impact_rows(build(m))["Contacts affected"]
    assert row[1] == row[2] == "not in this export"


def major_table(doc) -> Table:
    return [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Major incidents")][0]


def test_pir_status_comes_from_the_narratives(metrics):
    statuses = {"INC0104211": "Reviewed", "INC0105622": "Draft"}
    doc = build(metrics, statuses=statuses)
    table = major_table(doc)
    by_id = {row[0]: row[-1] for row in table.rows}
    assert by_id == {"INC0104211": "Reviewed", "INC0104530": NO_REVIEW, "INC0105017": NO_REVIEW,
                     "INC0105622": "Draft"}
    assert any("status in each review's narrative" in n for n in table.notes)
    # A review on file is not overdue: only the two without one are named, as overdue.
    overdue = [r for r in recommendations(doc).rows if "overdue" in r[2]]
    assert overdue and "INC0104530" in overdue[0][2] and "INC0105017" in overdue[0][2]
    assert "INC0104211" not in overdue[0][2]


def test_pir_status_without_narratives_is_never_invented(metrics):
    table = major_table(build(metrics))
    assert {row[-1] for row in table.rows} == {NO_REVIEW, "Open: PIR after resolution"}
    assert any("no review records were supplied" in n for n in table.notes)
    # Reader-facing text never names the tool's options or commands.
    assert "--" not in texts(build(metrics)).replace("\u2013", "")


def test_pir_statuses_are_read_from_a_folder_of_narratives(tmp_path):
    (tmp_path / "INC0104211.md").write_text("---\nstatus: Reviewed\n---\n", encoding="utf-8")
    (tmp_path / "pir-INC0105622.md").write_text("---\nstatus: In Review\n---\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a narrative", encoding="utf-8")
    assert app.pir_statuses(tmp_path) == {"INC0104211": "Reviewed", "INC0105622": "In Review"}
    assert app.pir_statuses(None) is None


def test_email_summary_words_the_key_figures(metrics):
    ms = MetricSet.from_dict(metrics)
    summary = email_summary(ms, Branding("Northwind"), MonthlyOptions(group=("site", "Leeds")))
    assert summary["title"] == "Northwind: monthly incident report, October 2026 (site: Leeds)"
    assert summary["figures"][0] == {"label": "Incidents opened", "value": "632",
                                     "change": f"{c.fmt_change(632, 581, 'int')} vs September", "status": ""}
    doc = build_monthly(ms, Branding("Northwind"), MonthlyOptions(group=("assignment_group", "Service Desk")))
    assert doc.title == "Monthly incident report: Service Desk"
    assert doc.subject == "Incident management performance, assignment group Service Desk, October 2026"


def test_branding_is_resolved_once_from_the_config(tmp_path):
    config = Config(organisation={"name": "Northwind", "logo": "logo.png", "primary_colour": "#123456"},
                    base_dir=str(tmp_path))
    b = Branding.from_config(config)
    assert b == Branding("Northwind", tmp_path / "logo.png", "#123456")
    assert Branding.from_config(Config()) == Branding()


def test_the_appendix_defines_every_figure_of_the_registry(metrics):
    """The definitions appendix is the registry's glossary: every figure that has a term is
    defined with the registry's own words, in the registry's order."""
    from ccreport.metrics.definitions import METRICS

    doc = build(metrics)
    table = next(b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Metric definitions"))
    rows = [tuple(r) for r in table.rows]
    defined = [(m.term, m.definition) for m in METRICS if m.term]
    assert rows[:len(defined)] == defined
    assert {"MTTA", "Contacts affected", "MTBF"} <= {t for t, _ in rows}
