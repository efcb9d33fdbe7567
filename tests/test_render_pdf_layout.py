"""Print layout, read back from the PDFs page by page (issue 20, item 5): no heading is the
last thing on a page, no page is left nearly empty in the middle of a chapter, and the
running header names the chapter in force at the page's top.

The sample documents are the three the demo renders (monthly report, PIR, strategy) and the
PIR of the shipped example narrative; a
synthetic document of many sections of varied length (tables, charts, callouts, long tables,
sub-sections) lands headings at every height of a page. The checks themselves are shown to
fail on a PDF made to break each rule.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ccreport.document import Callout, Chart, Column, Document, Figure, Paragraph, Section, Table, series
from ccreport.render.output import write_document
from ccreport.render.pdf import html_to_pdf

from . import pdfpages
from .util import SAMPLE, run_cli

EXAMPLE_STRATEGY = SAMPLE.parent / "ccreport" / "examples" / "strategy.yaml"
EXAMPLE_NARRATIVE = SAMPLE.parent / "ccreport" / "examples" / "pir-narrative.md"


@pytest.fixture(scope="module")
def sample_pdfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample-pdfs")
    config = ["--config", SAMPLE / "ccreport.yaml"]
    data = [SAMPLE / "incidents.csv", "--events", SAMPLE / "events.csv"]
    runs = [
        [*config, "monthly", *data, "--contacts", SAMPLE / "contacts.csv", "--month", "2026-10"],
        [*config, "pir", *data, "--incident", "INC0012443", "--contacts", SAMPLE / "contacts.csv"],
        # The shipped example narrative and its incident: a review with every section written.
        [*config, "pir", *data, "--incident", "INC0010099", "--narrative", EXAMPLE_NARRATIVE],
        [*config, "strategy", EXAMPLE_STRATEGY, "--data", SAMPLE / "incidents.csv", "--coverage"],
    ]
    for args in runs:
        r = run_cli(*args, "--format", "pdf", "--out", out)
        assert r.returncode == 0, r.stderr
    pdfs = sorted(out.glob("*.pdf"))
    assert [p.name.split("-")[0] for p in pdfs] == ["monthly", "pir", "pir", "strategy"]
    return {p.name: pdfpages.read(p) for p in pdfs}


def test_no_heading_ends_a_page_in_the_sample_documents(sample_pdfs):
    for name, pages in sample_pdfs.items():
        assert sum(len(p.headings) for p in pages) >= 10, name  # the outline was read
        assert pdfpages.headings_ending_a_page(pages) == [], name


def test_no_nearly_empty_page_mid_chapter_in_the_sample_documents(sample_pdfs):
    for name, pages in sample_pdfs.items():
        assert pdfpages.near_empty_pages(pages) == [], name


def test_running_header_is_the_chapter_in_force_at_the_top(sample_pdfs):
    for name, pages in sample_pdfs.items():
        assert pdfpages.wrong_running_headers(pages) == [], name
    # Some page starts inside a chapter whose heading was on an earlier page, and one of
    # them has a later chapter heading further down: the case the header used to get wrong.
    mid = [p for pages in sample_pdfs.values() for p in pages[1:]
           if not p.starts_with_chapter() and any(h.level == 0 for h in p.headings)]
    assert mid, "no page shows the case"
    for page in mid:
        assert page.header_right() not in [h.title for h in page.headings if h.level == 0]


def _varied(seed: int) -> Document:
    words = ("the incident was resolved after the service desk restored the telephony "
             "platform and the supplier confirmed the fix").split()
    blocks = []
    for i in range(14):
        n = 5 + (i * 37 + seed * 11) % 60
        text = " ".join(words[(j + i) % len(words)] for j in range(n * 3)).capitalize() + "."
        children: list = [Paragraph(text)]
        kind = (i + seed) % 5
        if kind == 0:
            children.insert(0, Table([Column("Priority"), Column("Opened", numeric=True),
                                      Column("Resolved", numeric=True)],
                                     [[f"P{k}", str(k * 3), str(k * 2)] for k in range(1, 8)],
                                     caption="Incidents by priority"))
        elif kind == 1:
            children.append(Figure(f"f{i}", Chart("trend", "Incidents per month", tuple("JFMAMJ"),
                                                  (series("Opened", [1, 3, 2, 5, 4, 6]),)),
                                   "Incidents opened per month", "Line chart of incidents per month"))
        elif kind == 2:
            children.append(Section("What changed", [Paragraph(text)], level=2))
            children.append(Section("Every incident", [Table([Column("ID"), Column("Title")],
                                    [[f"INC{k:04d}", "Telephony outage"] for k in range(30)],
                                    caption="Incidents")], level=2))
        elif kind == 3:
            children.insert(0, Callout("info", text[:240]))
        blocks.append(Section(f"Chapter {i} of the report", children))
    return Document("monthly", "Varied", period_label="October 2026", organisation="O", author="O",
                    date=dt.date(2026, 11, 2), blocks=blocks)


@pytest.mark.parametrize("seed", [0, 3])
def test_headings_keep_with_what_follows_at_any_height(tmp_path, seed):
    (path,) = write_document(_varied(seed), ["pdf"], tmp_path, f"varied-{seed}")
    pages = pdfpages.read(path)
    assert len(pages) >= 5
    assert pdfpages.headings_ending_a_page(pages) == []
    assert pdfpages.near_empty_pages(pages) == []
    assert pdfpages.wrong_running_headers(pages) == []


def test_the_checks_find_what_they_look_for(tmp_path):
    """A PDF made to break each rule: a heading pushed to a page's end by a forced break, a
    page of two lines mid-chapter, and a first-assignment running header."""
    filler = "<p>" + "word " * 2400 + "</p>"
    html = ("<html lang='en-GB'><head><style>@page { size: A4; margin: 22mm 20mm 20mm 20mm;"
            " @top-right { content: string(chapter) } }"
            " h2 { bookmark-level: 1; string-set: chapter content() }</style></head><body>"
            f"<h2>Opening chapter</h2>{filler}<h2>Lonely heading</h2>"
            "<div style='break-before: page'><p>Body</p></div><h2>Second</h2><p>short</p>"
            "<div style='break-before: page'></div><p>Text before a chapter</p><h2>Third</h2><p>y</p></body></html>")
    path = tmp_path / "planted.pdf"
    path.write_bytes(html_to_pdf(html))
    pages = pdfpages.read(path)
    ending = pdfpages.headings_ending_a_page(pages)
    assert len(ending) == 1 and "Lonely heading" in ending[0]
    empty = pdfpages.near_empty_pages(pages)
    assert len(empty) == 1 and f"page {len(pages) - 1}" in empty[0]
    # The last page starts inside "Second" and shows "Third" further down: `string(chapter)`
    # (first assignment) names "Third", which the check reports.
    assert any("expected 'Second'" in w for w in pdfpages.wrong_running_headers(pages))
