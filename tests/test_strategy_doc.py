"""The incident-management strategy document (SPEC §5.3), rendered from the shipped example.

The example strategy is rendered once per module in every format, with the sample incident
data as evidence and the criteria-coverage appendix, and read back: PDF with pypdf, Word with
python-docx (heading styles and tables), HTML and Markdown as text. Figures are checked
against `ccreport.metrics` computed here independently, and calendar dates against
`exercise_calendar` and the exercises' own frequencies.
"""

from __future__ import annotations

import datetime as dt
import html as html_lib
import io
import logging
import re
from pathlib import Path

import markdown as md_lib
import pypdf
import pytest
from docx import Document as open_docx

from ccreport import app
from ccreport import ingest as ingest_mod
from ccreport.config import SlaTarget, load_config
from ccreport.document import Paragraph, Rag, Table
from ccreport.documents import common as c
from ccreport.documents.branding import Branding
from ccreport.documents.strategy import (
    DOCUMENT_ORDER,
    EVIDENCE_TITLE,
    LEARNER_TITLES,
    Coverage,
    StrategyOptions,
    build_strategy,
)
from ccreport.metrics import compute
from ccreport.period import range_period
from ccreport.strategy import (
    ASSESSMENT_POINTS,
    SECTION_TITLES,
    add_months,
    check,
    exercise_calendar,
    load_strategy,
    loads_strategy,
    priority_for,
)
from ccreport.strategy import coverage as coverage_rows
from ccreport.strategy.evidence import strategy_evidence

from .util import ROOT, SAMPLE

EXAMPLE = ROOT / "ccreport" / "examples" / "strategy.yaml"
INCIDENTS = SAMPLE / "incidents.csv"
TODAY = dt.date(2026, 11, 3)
BASENAME = "strategy-northwind-contact-centre"
MAIN = [LEARNER_TITLES[k.removeprefix("learner.")] if k.startswith("learner.") else SECTION_TITLES[k]
        for k in DOCUMENT_ORDER]


def n(key: str) -> int:
    """The number of a top-level section (the writer's own sections sit between the file's)."""
    return DOCUMENT_ORDER.index(key) + 1


HEADINGS = [f"{i} {t}" for i, t in enumerate(MAIN, start=1)] + [
    f"{len(MAIN) + 1} {EVIDENCE_TITLE}", "Appendix A: Criteria coverage"]
SCRIPT = "<script>alert(1)</script>"
TEMPLATE = "{{ 7*7 }}"
PAYLOAD = f"{SCRIPT} {TEMPLATE}"
#: The status symbols a renderer adds after a cell's text.
MARKS = re.compile(r"\s*[\u2714\u25b2\u2716]$")
IGNORED_WARNINGS = ("HarfBuzz",)


def build(strategy, config=None, evidence=None, coverage=False):
    """The pure builder: the coverage appendix from strategy-check run on the model."""
    cov = None
    if coverage:
        findings = check(strategy)
        cov = Coverage(coverage_rows(strategy, findings), findings)
    return build_strategy(strategy, evidence, cov, Branding.from_config(config), StrategyOptions(today=TODAY))


def write(doc, formats, out, basename, config=None):
    return app.write(doc, app.Output(formats, Path(out)), basename, config)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def config():
    return load_config(SAMPLE / "ccreport.yaml")


@pytest.fixture(scope="module")
def strategy():
    return load_strategy(EXAMPLE)


@pytest.fixture(scope="module")
def rendered(config, tmp_path_factory):
    """The example with evidence and coverage, in all four formats (once for the module)."""
    out = tmp_path_factory.mktemp("strategy")
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        paths = app.strategy(config, EXAMPLE, app.Output(["pdf", "docx", "html", "md"], out),
                             data_inputs=[INCIDENTS], coverage=True, today=TODAY)
    finally:
        logger.removeHandler(handler)
    by_ext = {p.suffix.lstrip("."): p for p in paths}
    reader = pypdf.PdfReader(io.BytesIO(by_ext["pdf"].read_bytes()))
    return {
        "paths": paths,
        "pdf_pages": [norm(p.extract_text()) for p in reader.pages],
        "pdf_reader": reader,
        "docx": open_docx(str(by_ext["docx"])),
        "html": by_ext["html"].read_text(encoding="utf-8"),
        "md": by_ext["md"].read_text(encoding="utf-8"),
        "warnings": handler.records,
    }


def docx_table(word, header: list[str]) -> list[list[str]]:
    """The body rows of the (first) Word table whose header row is `header`, status marks removed."""
    for table in word.tables:
        rows = [[MARKS.sub("", norm(cell.text)) for cell in row.cells] for row in table.rows]
        if rows and rows[0] == header:
            return rows[1:]
    raise AssertionError(f"no table with header {header}")


# --------------------------------------------------------------------------- structure


def test_files_are_named_after_the_organisation(rendered):
    assert sorted(p.name for p in rendered["paths"]) == sorted(
        f"{BASENAME}.{ext}" for ext in ("pdf", "docx", "html", "md"))


def test_every_section_is_in_the_pdf_with_a_bookmark(rendered):
    text = " ".join(rendered["pdf_pages"][2:])  # after the cover and the contents page
    for heading in HEADINGS:
        assert heading in text, heading
    top = [item.title for item in rendered["pdf_reader"].outline if not isinstance(item, list)]
    assert top == HEADINGS
    contents = rendered["pdf_pages"][1]
    for heading in HEADINGS:
        assert re.search(re.escape(heading) + r"[ .]+\d+", contents), heading


def test_every_section_is_a_word_heading(rendered):
    word = rendered["docx"]
    h1 = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert h1 == HEADINGS
    h2 = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    ev = len(MAIN) + 1
    for sub in (f"{n('escalation')}.1 Functional escalation", f"{n('escalation')}.2 Hierarchical escalation",
                f"{n('procedures')}.8 Hand-off to problem management", f"{n('communication')}.1 Message templates",
                f"{n('exercises')}.1 Exercise calendar", f"{ev}.3 Attainment against this strategy's targets",
                f"{ev}.4 This strategy's objectives", f"{ev}.5 Month by month",
                f"{ev}.6 Customers affected and satisfaction after incidents", f"{ev}.7 Where exercises should focus"):
        assert sub in h2, sub
    assert f"{n('categories')}.1 Telephony outage" in h2


def test_every_section_is_in_html_and_markdown(rendered):
    html_text = norm(html_lib.unescape(re.sub(r"<[^>]+>", " ", rendered["html"])))
    for heading in HEADINGS:
        assert heading in html_text
        assert f"## {heading}" in rendered["md"]


def test_document_control_is_on_the_cover(rendered):
    cover = rendered["pdf_pages"][0]
    for text in ("Incident management strategy", "Version 1.0 · Example", "Document control",
                 "Owner Head of Operations", "Approved by Operations Director", "Next review 31 October 2027",
                 "Classification Internal", "Version history"):
        assert text in cover, text
    assert "Contents" not in cover and "1 Executive summary" in rendered["pdf_pages"][1]
    meta = rendered["pdf_reader"].metadata
    assert meta.title == "Incident management strategy, Version 1.0 · Example"


def test_no_weasyprint_warnings(rendered):
    relevant = [r.getMessage() for r in rendered["warnings"]
                if not any(s in r.getMessage() for s in IGNORED_WARNINGS)]
    assert relevant == []


def test_priority_matrix_is_a_coloured_grid_with_words(strategy, config):
    doc = build(strategy, config)
    (matrix,) = [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Priority matrix")]
    assert len(matrix.rows) == 3 and len(matrix.columns) == 4
    for i, row in enumerate(matrix.rows, start=1):
        for u in (1, 2, 3):
            prio = priority_for(strategy, i, u)
            assert row[u].startswith(prio)  # the priority is written in the cell...
            assert isinstance(matrix.cell_rag(i - 1, u), Rag)  # ...and coloured
    assert matrix.cell_rag(0, 1) is Rag.RED and matrix.cell_rag(2, 3) is Rag.GREEN


def test_raci_and_communication_matrix_are_complete(rendered, strategy):
    word = rendered["docx"]
    raci = [t for t in word.tables if norm(t.rows[0].cells[0].text) == "Activity"]
    assert len(raci) == 1
    assert len(raci[0].rows) == 1 + len(strategy.raci)
    cadence = docx_table(word, ["Audience", "P1", "P2", "P3", "P4", "P5"])
    assert [r[0] for r in cadence][:2] == ["Advisers and team leaders",
                                           "Senior leadership (Head of Operations, Operations Director, Managing Director)"]
    assert cadence[0][1:] == ["30 min", "1 h", "4 h", "at resolution", "at resolution"]


# --------------------------------------------------------------------------- exercise calendar


def test_calendar_dates_follow_the_frequencies(rendered, strategy):
    entries = exercise_calendar(strategy, start=TODAY)
    rows = docx_table(rendered["docx"], ["Date", "Exercise", "Type", "Owner"])
    assert [(r[0], r[1]) for r in rows] == [(c.fmt_date(e.date), e.exercise.name) for e in entries]
    # Independently: each exercise recurs from its first date at its own frequency.
    end = add_months(TODAY, 12)
    for ex in strategy.exercises:
        step = ex.frequency.every
        expected = [d for k in range(0, 40) if TODAY <= (d := add_months(ex.first_date, k * step)) < end]
        assert [e.date for e in entries if e.exercise is ex] == expected, ex.name
    assert ("9 January 2027", "Out-of-hours call tree") in [(r[0], r[1]) for r in rows]
    assert ("20 April 2027", "Telephony failover to Glasgow") in [(r[0], r[1]) for r in rows]
    pdf = " ".join(rendered["pdf_pages"])
    assert "24 August 2027 Major incident tabletop - CRM outage at month-end peak" in pdf


def test_calendar_chart_has_a_mark_per_date(strategy, config):
    doc = build(strategy, config)
    (fig,) = [f for f in doc.figures() if f.id == "fig-exercise-calendar"]
    entries = exercise_calendar(strategy, start=TODAY)
    assert fig.chart.kind == "gantt"
    assert sum(len(s.values) for s in fig.chart.series) == len(entries)
    call_tree = next(s for s in fig.chart.series if s.name == "Out-of-hours call tree")
    assert len(call_tree.values) == 10 and all(0 <= v < len(fig.chart.categories) for v in call_tree.values)
    assert fig.alt and "9 Jan 2027" in fig.alt


# --------------------------------------------------------------------------- evidence


@pytest.fixture(scope="module")
def expected_metrics(strategy, config):
    """The metrics layer over Nov 2025 - Oct 2026 with the strategy's targets as the SLA, each on the
    clock the strategy names for its priority (not the config's calendars)."""
    result = ingest_mod.load([str(INCIDENTS)], config)
    assert {p: t.clock for p, t in strategy.priorities.items()} == {
        "P1": "24x7", "P2": "24x7", "P3": "opening hours", "P4": "opening hours", "P5": "opening hours"}
    sla = {p: SlaTarget(respond=t.respond.hours, resolve=t.resolve.hours,
                        calendar="24x7" if t.clock == "24x7" else "own")
           for p, t in strategy.priorities.items()}
    cfg = config.model_copy(update={"sla": sla, "calendars": {"own": strategy.clocks["opening hours"]}})
    period = range_period(dt.date(2025, 11, 1), dt.date(2026, 11, 1), config.timezone)
    return {"metrics": compute(result, cfg, period).to_dict(full=True), "ingest": result}


def test_evidence_figures_equal_the_metrics_layer(rendered, expected_metrics):
    m = expected_metrics["metrics"]
    word = rendered["docx"]
    rows = docx_table(word, ["Category", "In strategy", "Opened", "Resolved", "MTTR", "Resolution SLA"])
    assert rows == [[name, "Yes", c.fmt_int(v["opened"]), c.fmt_int(v["resolved"]), norm(c.fmt_hours(v["mttr_hours"])),
                     norm(c.fmt_pct(v["resolution_sla_pct"]))] for name, v in m["by_category"].items()]
    att = docx_table(word, ["Priority", "Clock", "Respond within", "Resolve within", "Opened", "Resolved",
                            "Response SLA", "Resolution SLA", "MTTR"])
    assert [r[0] for r in att] == ["P1", "P2", "P3", "P4", "P5"]
    assert [r[1] for r in att] == ["24x7", "24x7", "opening hours", "opening hours", "opening hours"]
    for row in att:
        v = m["by_priority"][row[0]]
        assert row[4:] == [c.fmt_int(v["opened"]), c.fmt_int(v["resolved"]), norm(c.fmt_pct(v["response_sla_pct"])),
                           norm(c.fmt_pct(v["resolution_sla_pct"])), norm(c.fmt_hours(v["mttr_hours"]))]
    pdf = " ".join(rendered["pdf_pages"])
    assert f"What {c.fmt_int(m['totals']['opened'])} incidents opened from November 2025 to October 2026" in pdf
    p1 = m["by_priority"]["P1"]["resolution_sla_pct"]
    assert norm(c.fmt_pct(p1)) in pdf


def test_exercise_focus_is_the_categories_with_most_major_incidents(rendered, expected_metrics):
    majors = expected_metrics["metrics"]["major_incidents"]
    counts: dict[str, int] = {}
    for mi in majors:
        counts[mi["category"]] = counts.get(mi["category"], 0) + 1
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    rows = docx_table(rendered["docx"], ["Category", "Major incidents", "In strategy", "Rehearsed by"])
    assert [(r[0], r[1]) for r in rows[:-1]] == [(k, str(v)) for k, v in top]
    assert rows[-1][0] == f"and {len(counts) - len(top)} more categories"
    leader = top[0][0]
    assert f"{leader} had the most major incidents" in " ".join(rendered["pdf_pages"])


def test_categories_missing_from_the_strategy_are_listed(strategy, config, expected_metrics):
    smaller = strategy.model_copy(update={"categories": tuple(
        cat for cat in strategy.categories if cat.name not in ("Power / facilities", "Network"))})
    ev = strategy_evidence(smaller, expected_metrics["ingest"], config)
    assert ev.label == "November 2025 to October 2026"
    doc = build(smaller, config, evidence=ev)
    (gaps,) = [s for s in doc.sections() if s.title == "Categories the strategy does not define"]
    text = " ".join(b.text for b in gaps.children if isinstance(b, Paragraph))
    by_cat = expected_metrics["metrics"]["by_category"]
    assert "2 categories in the data are not defined" in text
    assert f"Network ({c.fmt_int(by_cat['Network']['opened'])})" in text
    assert f"Power / facilities ({c.fmt_int(by_cat['Power / facilities']['opened'])})" in text


# --------------------------------------------------------------------------- coverage


def test_coverage_appendix_lists_all_16_points(rendered):
    rows = docx_table(rendered["docx"], ["Point", "Criterion", "Evidence", "Where it is", "Check found",
                                         "Assessor's judgement"])
    assert [int(r[0]) for r in rows] == list(range(1, 17))
    assert [r[1] for r in rows] == list(ASSESSMENT_POINTS.values())
    # the example passes every check but one: it is the example, not the writer's own (point 5)
    assert [r[0] for r in rows if r[2] == "Missing"] == ["5"]
    assert {r[2] for r in rows} <= {"Present", "Present with warnings", "Missing"}
    assert all(r[5] == "" for r in rows)  # the assessor's column is left for the assessor
    # Each section named carries its page: a PAGEREF field in Word (filled in when fields update).
    assert re.fullmatch(rf"{n('consultation')} Stakeholder consultation, page \S+", rows[7][3])
    pdf = " ".join(rendered["pdf_pages"])
    assert "Appendix A: Criteria coverage" in pdf and "1 missing" in pdf
    # The share of the example's own text is shown (the example is all example).
    assert re.search(r"\d+\s?% of the strategy's text fields read as the shipped", pdf)
    # No sentence in the appendix marks the tool's own work.
    appendix = pdf[pdf.rindex("Appendix A: Criteria coverage"):]
    assert "found no gaps" not in appendix and " met, " not in appendix


def test_coverage_says_not_met_and_lists_findings(strategy, config):
    gappy = strategy.model_copy(update={"consultation": (), "frameworks": None})
    doc = build(gappy, config, coverage=True)
    (appendix,) = [s for s in doc.sections(1) if s.appendix]
    table = next(b for b in appendix.children if isinstance(b, Table))
    status = {int(r[0]): r[2] for r in table.rows}
    assert len(status) == 16 and status[8] == "Missing" and status[7] == "Missing"
    assert status[1] in ("Present", "Present with warnings")
    findings = [b for b in appendix.children if isinstance(b, Table) and b.caption == "Findings of the automated check"]
    assert findings and any(r[1] == "8" for r in findings[0].rows)
    # The sections themselves say what to add.
    (consult,) = [s for s in doc.sections(1) if s.title == "Stakeholder consultation"]
    assert any(getattr(b, "kind", "") == "todo" for b in consult.children)


# --------------------------------------------------------------------------- untrusted text


@pytest.fixture(scope="module")
def hostile(config, tmp_path_factory):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "  - name: Telephony outage\n", f'  - name: "{PAYLOAD}"\n', 1)
    assert PAYLOAD in text
    s = loads_strategy(text)
    doc = build(s, config, coverage=True)
    out = tmp_path_factory.mktemp("hostile")
    paths = write(doc, ["html", "docx", "md"], out, "strategy-hostile", config)
    return {p.suffix.lstrip("."): p for p in paths}


def test_hostile_category_name_is_literal_in_html(hostile):
    page = hostile["html"].read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in page
    assert page.count("&lt;script&gt;") >= 2  # the heading and the summary table
    assert ">49<" not in page


def test_hostile_category_name_is_literal_in_docx(hostile):
    word = open_docx(str(hostile["docx"]))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert f"{n('categories')}.1 {PAYLOAD}" in headings
    cells = [cell.text for t in word.tables for row in t.rows for cell in row.cells]
    assert PAYLOAD in cells


def test_hostile_category_name_is_literal_in_markdown(hostile):
    text = hostile["md"].read_text(encoding="utf-8")
    html = md_lib.markdown(text, extensions=["tables"])
    assert "<script" not in html.lower()
    plain = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
    assert PAYLOAD in plain
    assert f"## 4.1 {PAYLOAD}" not in text  # escaped, not raw


# --------------------------------------------------------------------------- a strategy with gaps


def test_a_minimal_strategy_builds_with_sections_to_complete(tmp_path):
    from ccreport.config import Config
    from ccreport.ingest.result import IngestResult

    s = loads_strategy("organisation: {name: Small Centre}\n"
                       "exercises:\n  - {name: Drill, frequency: monthly}\n"
                       "priorities:\n  P1: {respond: 15m, resolve: 4h}\n")
    data = IngestResult.from_records([
        {"incident_id": "A1", "opened_at": "2026-03-04T10:00:00Z", "resolved_at": "2026-03-04T12:00:00Z",
         "priority": "P1", "category": "Phones"},
        {"incident_id": "A2", "opened_at": "2026-05-04T10:00:00Z", "priority": "P2"},
    ])
    ev = strategy_evidence(s, data, Config())
    assert ev.label == "June 2025 to May 2026"
    assert strategy_evidence(s, data, Config(), end="2026-03").label == "April 2025 to March 2026"
    doc = build(s, Config(), evidence=ev, coverage=True)
    assert [sec.heading for sec in doc.sections(1)] == HEADINGS
    todo = [b for b in doc.walk() if getattr(b, "kind", None) == "todo"]
    assert len(todo) >= 15  # every missing section says what to add
    paths = write(doc, ["html", "md"], tmp_path, "strategy-small-centre")
    md = paths[1].read_text(encoding="utf-8")
    assert "Phones (1)" in md and "not in this export" in md  # undefined category; no acknowledgements
    assert "Without a first date, Drill cannot be placed in the calendar" in md


def test_update_cadences_read_as_words_not_config_shorthand(strategy, config):
    """Issue 16, item 8: "within 15m then every 30m" in the file reads "within 15 min then every
    30 min" in the document (and "2d" as "2 days")."""
    doc = build(strategy, config)
    table = next(b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith("Communication plan: how often"))
    cells = " ".join(" ".join(r) for r in table.rows)
    assert re.search(r"\b\d+m\b", cells) is None, cells
    assert "30\u00a0min" in cells


# --------------------------------------------------------------------------- cross-references and standard text
# (issue 16, items 5 and 8)

XREF = re.compile(r"(\d+) ([A-Z][^;,]*?), page (\d+)")


def _coverage_pdf_text(rendered) -> str:
    pages = rendered["pdf_pages"]
    start = next(i for i, p in enumerate(pages) if "Assessment points and where the evidence is" in p)
    return " ".join(pages[start:start + 2])


def test_coverage_page_numbers_are_the_pages_of_the_sections(rendered):
    reader = rendered["pdf_reader"]
    # Where each top-level heading really is, from the PDF's own outline.
    page_of = {}
    for item in reader.outline:
        if not isinstance(item, list):
            page_of[item.title] = reader.get_destination_page_number(item) + 1
    refs = XREF.findall(_coverage_pdf_text(rendered))
    assert len(refs) >= 16
    checked = 0
    for number, title, page in refs:
        heading = f"{number} {title}"
        if heading in page_of:
            assert int(page) == page_of[heading], heading
            checked += 1
    assert checked >= 10


def test_coverage_links_in_html_markdown_and_word(rendered):
    html = rendered["html"]
    links = re.findall(r'<a class="xref" href="#(sec-[a-z0-9-]+)">', html)
    assert len(links) >= 16
    for anchor in set(links):
        assert f'id="{anchor}"' in html, anchor
    md = rendered["md"]
    md_links = re.findall(r"\[(\d+ [^\]]+)\]\(#([a-z0-9-]+)\)", md[md.index("Appendix A: Criteria coverage"):])
    assert len(md_links) >= 16
    headings = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", md, re.M)}
    assert all(slug in headings for _text, slug in md_links)
    # Word: a bookmark on every top-level heading, and PAGEREF fields to those bookmarks in the table.
    body = rendered["docx"].element.body
    from docx.oxml.ns import qn

    marks = {b.get(qn("w:name")) for b in body.iter(qn("w:bookmarkStart"))}
    fields = [t.text for t in body.iter(qn("w:instrText")) if "PAGEREF" in (t.text or "")]
    assert len(fields) >= 16
    targets = {f.split()[1] for f in fields}
    assert targets <= marks


def test_standard_text_is_labelled_and_the_writers_is_not(rendered):
    boiler = "An incident is an unplanned interruption to a service"
    own = "Northwind Contact Centre handles customer service"  # the organisation's own description
    # PDF: the label sits right before the standard text, not before the writer's.
    pdf = " ".join(rendered["pdf_pages"])
    assert re.search(r"standard text\s+" + re.escape(boiler), pdf, re.I)
    assert not re.search(r"standard text\s+" + re.escape(own), pdf, re.I)
    # HTML: the standard text is in a block marked generated; the writer's is not.
    html = rendered["html"]
    i = html.index(boiler)
    assert 'class="text generated"' in html[html.rindex("<div", 0, i) - 1:i]
    j = html.index(own)
    assert "generated" not in html[html.rindex("<div", 0, j):j]
    # Markdown: a labelled quote.
    md = rendered["md"]
    k = md.index(boiler)
    assert md[max(0, k - 40):k].count("Standard text") == 1 and md[k - 2:k] == "> "
    # Word: a label paragraph before it, and the text in grey; the writer's text is not grey.
    paras = rendered["docx"].paragraphs
    idx = next(n for n, p in enumerate(paras) if p.text.startswith(boiler))
    assert paras[idx - 1].text.lower() == "standard text"
    assert all(r.font.color.rgb is not None for r in paras[idx].runs)
    mine = next(p for p in paras if p.text.startswith(own))
    assert all(r.font.color.rgb is None for r in mine.runs)


def test_new_sections_render(rendered, strategy):
    word = rendered["docx"]
    failover = docx_table(word, ["Work goes to", "Type", "Invoked when", "Capacity", "Notice", "Invoked by"])
    assert [r[0] for r in failover] == [f.to for f in strategy.business_continuity.failover]
    assert [r[4] for r in failover] == ["30 min", "4 h"]
    welfare = docx_table(word, ["Question", "This centre's answer"])
    assert any(strategy.welfare.owner in r[1] for r in welfare)
    clocks = docx_table(word, ["Clock", "Runs", "Priorities", "Categories with their own clock"])
    assert ["opening hours", "P3, P4, P5"] == [clocks[-1][0], clocks[-1][2]]
    assert "Saturday" in clocks[-1][1] and "20:00" in clocks[-1][1]


def _doc_text(doc) -> str:
    out = []
    for b in doc.walk():
        if isinstance(b, Paragraph):
            out.append(b.text)
        elif isinstance(b, Table):
            out += [b.caption, *b.notes, *(" ".join(r) for r in b.rows)]
        elif hasattr(b, "title"):
            out.append(getattr(b, "title") or "")
        if hasattr(b, "text") and not isinstance(b, Paragraph):
            out.append(b.text)
    return " ".join(out)


def test_no_built_in_role_name_in_generated_sentences(config):
    # The same strategy with its roles renamed: no sentence may still name the old roles.
    text = EXAMPLE.read_text(encoding="utf-8")
    for old, new in (("Duty Manager", "Shift Lead"), ("Incident Manager", "Incident Coordinator"),
                     ("Information Security Manager", "Security Lead"), ("Data Protection Officer", "Privacy Lead")):
        text = text.replace(old, new)
    text = text.replace("  failover:", "  failover_unused:", 1)
    text = text[:text.index("  failover_unused:")] + text[text.index("\nwelfare:"):]
    s = loads_strategy(text)
    doc = build(s, config)
    words = _doc_text(doc)
    for old in ("Duty Manager", "Incident Manager", "Information Security Manager", "Data Protection Officer",
                "Customer Experience Manager", "Chief Operating Officer"):
        assert old not in words, old
    (bc,) = [sec for sec in doc.sections(1) if sec.title == SECTION_TITLES["business_continuity"]]
    first = next(b for b in bc.children if isinstance(b, Paragraph))
    assert "Shift Lead" in first.text  # who declares a major incident invokes the plan


def test_calendar_runs_from_the_issue_date_not_the_render_day(strategy, config):
    issued = strategy.document_control.issued
    a = build_strategy(strategy, options=StrategyOptions(today=dt.date(2027, 5, 20)))
    b = build_strategy(strategy, options=StrategyOptions(today=dt.date(2026, 11, 3)))

    def calendar(doc):
        return next(t for t in doc.walk() if isinstance(t, Table) and t.caption.startswith("Exercise calendar"))

    assert calendar(a).rows == calendar(b).rows
    assert calendar(a).caption == f"Exercise calendar, {c.fmt_date(issued)} to {c.fmt_date(add_months(issued, 12) - dt.timedelta(days=1))}"
    assert a.date == issued


def test_durations_are_in_words_everywhere(config):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "pir_deadline: 5 working days", "pir_deadline: 5 working days", 1).replace(
        "method: Phone call,", "method: Phone call within 15m,", 1)
    doc = build(loads_strategy(text), config)
    words = _doc_text(doc).replace("\\", "")
    assert not re.search(r"\b\d+(?:\.\d+)?(m|h|d)\b", words), re.findall(r"\S*\b\d+(?:m|h|d)\b\S*", words)


def test_not_applicable_duties_are_rendered(config):
    text = EXAMPLE.read_text(encoding="utf-8").replace(
        "  pecr_reg5a: false            # Northwind is not a communications provider",
        "  pecr_reg5a: {not_applicable: Northwind is a retailer and provides no public communications service}", 1)
    doc = build(loads_strategy(text), config)
    table = next(t for t in doc.walk() if isinstance(t, Table) and "not applying" in t.caption)
    assert any("PECR" in r[0] and "provides no public communications service" in r[1] for r in table.rows)


def test_prompts_in_table_cells_read_as_gaps(config):
    from ccreport.strategy.skeleton import Answers, skeleton_text

    answers = Answers.from_mapping({"name": "Fenland Energy", "sector": "energy", "sites": ["Ely", "March"],
                                    "hours": "Mon-Fri 08:00-18:00", "systems": ["SAP IS-U"]})
    doc = build(loads_strategy(skeleton_text(answers)), config)
    cells = [cell for t in doc.walk() if isinstance(t, Table) for row in t.rows for cell in row]
    assert cells and not any(cell.lower().startswith("to write") for cell in cells)
    assert sum("not written yet" in cell.lower() for cell in cells) >= 5


def test_fixed_shape_tables_have_fixed_layout(strategy, config, rendered):
    """The matrices, level tables, exercise calendar and coverage appendix have one width per column;
    their HTML lays them out from those widths."""
    doc = build(strategy, config, coverage=True)
    by_caption = {t.caption: t for t in doc.walk() if isinstance(t, Table)}
    fixed = [cap for cap, t in by_caption.items() if t.widths is not None]
    for start in ("Impact levels", "Urgency levels", "Priority matrix", "RACI", "Exercise calendar",
                  "Assessment points"):
        assert any(cap.startswith(start) for cap in fixed), start
    raci = next(t for cap, t in by_caption.items() if cap.startswith("RACI"))
    shares = raci.width_percents()
    assert len(shares) == len(raci.columns) and abs(sum(shares) - 100) < 0.1
    assert shares[0] >= 35  # the activity column keeps room for its text whatever the number of roles
    # Every other table of the body has shares estimated from its text: none is laid out by measuring.
    sections = [blk for blk in doc.blocks if type(blk).__name__ == "Section"]
    body = [t for t in type(doc)("strategy", "", blocks=sections).walk() if isinstance(t, Table) and t.rows]
    assert body and all(t.widths is not None and len(t.widths) == len(t.columns) for t in body)
    assert rendered["html"].count('<table class="data fixed">') >= len(body)
    raci_html = re.search(r"RACI: who is responsible.*?</colgroup>", rendered["html"], re.S).group(0)
    assert raci_html.count("<col ") == len(raci.columns)
