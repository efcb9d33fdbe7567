"""PDF renderer: real bytes read back with pypdf (the monthly PDF is rendered once per module)."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from pathlib import Path

import pypdf
import pytest

from ccreport.config import Config
from ccreport.document import Column, Document, Paragraph, Section, Table
from ccreport.documents import common as c
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import MonthlyOptions, build_monthly
from ccreport.metrics.model import MetricSet
from ccreport.errors import RenderError
from ccreport.render.options import RenderOptions
from ccreport.render.output import write_document
from ccreport.render.templates import templates_path
from ccreport.render.pdf import html_to_pdf, make_url_fetcher

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"
SECTIONS = [
    "1 Executive summary", "2 Volume and trends", "3 Performance by priority", "4 SLA breaches",
    "5 Categories and services", "6 Major incidents", "7 Backlog and ageing", "8 Customer impact",
    "9 Problem candidates", "10 Recommendations", "Appendix A: Definitions and rules", "Appendix B: Data quality",
]
#: Environment notices WeasyPrint logs that say nothing about our documents.
IGNORED_WARNINGS = ("HarfBuzz",)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


def norm(text: str) -> str:
    """Page text with no-break spaces as spaces and runs of whitespace collapsed."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.fixture(scope="module")
def metrics():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def rendered(metrics, tmp_path_factory):
    doc = build_monthly(MetricSet.from_dict(metrics), Branding.from_config(Config(organisation={"name": "Northwind Contact Centre"})), MonthlyOptions(date=dt.date(2026, 11, 3)))
    out = tmp_path_factory.mktemp("pdf")
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        (path,) = write_document(doc, ["pdf"], out, "monthly-2026-10")
    finally:
        logger.removeHandler(handler)
    data = path.read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [norm(p.extract_text()) for p in reader.pages]
    return {"path": path, "data": data, "reader": reader, "pages": pages, "warnings": handler.records}


def test_pdf_bytes_and_metadata(rendered):
    assert rendered["data"].startswith(b"%PDF-")
    meta = rendered["reader"].metadata
    assert meta.title == "Monthly incident report, October 2026"
    assert meta.author == "Northwind Contact Centre"
    assert meta.subject == "Incident management performance, October 2026"
    assert meta["/CreationDate"].startswith("D:20261103")


def test_no_weasyprint_warnings(rendered):
    relevant = [r.getMessage() for r in rendered["warnings"]
                if not any(s in r.getMessage() for s in IGNORED_WARNINGS)]
    assert relevant == []


def test_bookmarks_follow_the_headings(rendered):
    outline = rendered["reader"].outline
    top = [item.title for item in outline if not isinstance(item, list)]
    assert top == SECTIONS
    nested = [i.title for sub in outline if isinstance(sub, list) for i in sub if not isinstance(i, list)]
    assert "8.1 Contact-centre performance during incidents" in nested
    assert "A.1 Metric definitions" in nested


def test_page_x_of_y_on_every_page(rendered):
    pages = rendered["pages"]
    n = len(pages)
    assert 6 <= n <= 14
    for i, text in enumerate(pages, start=1):
        assert f"Page {i} of {n}" in text


def test_cover_contents_with_page_numbers_and_summary_on_page_2(rendered):
    cover, second = rendered["pages"][0], rendered["pages"][1]
    assert "Monthly incident report" in cover and "October 2026" in cover
    assert re.search(r"1 Executive summary[ .]+2\b", cover)
    assert re.search(r"Appendix B: Data quality[ .]+\d+", cover)
    assert "1 Executive summary" in second


def test_running_header_is_not_on_the_cover(rendered):
    cover, second = rendered["pages"][0], rendered["pages"][1]
    assert "Monthly incident report — October 2026" in second
    assert "Monthly incident report — October 2026" not in cover


def test_headline_figures_and_headings_are_in_the_text(rendered, metrics):
    text = " ".join(rendered["pages"])
    t = metrics["totals"]
    for value in (c.fmt_int(t["opened"]), c.fmt_int(t["resolved"]), c.fmt_hours(t["mttr_hours"]),
                  c.fmt_pct(t["resolution_sla_pct"]), c.fmt_pct(t["response_sla_pct"]), c.fmt_int(t["backlog_end"])):
        assert norm(value) in text
    for heading in SECTIONS:
        assert heading in text
    # The summary's leading finding (the major incident's 12,400 customers) reads back too.
    summary = rendered["pages"][1] + rendered["pages"][2]
    assert "INC0104211" in summary and "12,400" in summary
    assert "and 9 more issues" in text


def test_table_header_repeats_on_the_next_page(metrics, tmp_path):
    rows = [[f"INC{i:05d}", f"Row {i}", str(i)] for i in range(120)]
    doc = Document("t", "Long", period_label="P", organisation="O", author="O", date=dt.date(2026, 1, 2), toc=False,
                   blocks=[Section("S", [Table([Column("ID"), Column("Title"), Column("N", numeric=True)], rows,
                                                caption="Long table")])])
    data = html_to_pdf(_html(doc))
    reader = pypdf.PdfReader(io.BytesIO(data))
    texts = [norm(p.extract_text()) for p in reader.pages]
    with_rows = [t for t in texts if "INC000" in t]
    assert len(with_rows) >= 3
    assert all("ID Title N" in t for t in with_rows)


def _column_starts(table: Table) -> tuple[float, float]:
    """The x of the first and the second column's cell text in the printed table."""

    doc = Document("t", "W", period_label="P", organisation="O", author="O", date=dt.date(2026, 1, 2), toc=False,
                   blocks=[Section("S", [table])])
    reader = pypdf.PdfReader(io.BytesIO(html_to_pdf(_html(doc))))
    xs: dict[str, float] = {}

    def visit(text, cm, tm, font, size):
        for word in ("LEFTCELL", "RIGHTCELL"):
            if word in text:
                xs.setdefault(word, tm[4] * cm[0] + tm[5] * cm[2] + cm[4])

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    return xs["LEFTCELL"], xs["RIGHTCELL"]


def test_fixed_table_widths_set_the_printed_columns():
    cols = [Column("A"), Column("B")]
    rows = [["LEFTCELL", "RIGHTCELL"]]
    # Automatic layout shares the width by content (two like cells: about half each); widths [3, 1]
    # give the first column three quarters.
    auto_left, auto_right = _column_starts(Table(cols, rows))
    left, right = _column_starts(Table(cols, rows, widths=[3, 1]))
    assert left == pytest.approx(auto_left, abs=1)
    text_width = 170 * 72 / 25.4  # A4 less the print CSS's 20 mm side margins
    assert right - left == pytest.approx(0.75 * text_width, abs=0.05 * text_width)
    assert (right - left) - (auto_right - auto_left) > 0.15 * text_width


def _html(doc, templates_dir=None):
    from ccreport.render.html import render_html

    return render_html(doc, {}, templates_dir=templates_dir)


def _tiny() -> Document:
    return Document("tiny", "Tiny", period_label="P", organisation="O", author="O", date=dt.date(2026, 1, 2),
                    blocks=[Section("S", [Paragraph("Hello")])])


def test_pdf_variant_ua(tmp_path):
    (path,) = write_document(_tiny(), ["pdf"], tmp_path, "ua", RenderOptions(pdf_variant="pdf/ua-1"))
    reader = pypdf.PdfReader(str(path))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and "/MarkInfo" in root


def test_unknown_pdf_variant():
    with pytest.raises(RenderError, match="unknown PDF variant 'pdf/z'"):
        html_to_pdf(_html(_tiny()), pdf_variant="pdf/z")


# --------------------------------------------------------------------------- the URL fetcher


def test_fetcher_serves_template_files_only(tmp_path):
    (tmp_path / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    fetcher = make_url_fetcher([tmp_path])
    ok = fetcher.fetch((tmp_path / "logo.svg").as_uri())
    assert ok.read().startswith(b"<svg")
    data = fetcher.fetch("data:text/plain;base64,aGk=")
    assert data.read() == b"hi"
    for url in ("file:///etc/hostname", "file:///etc/passwd", "http://127.0.0.1:9/x.png", "https://example.org/a.css",
                "ftp://example.org/f", (tmp_path / ".." / ".." / "etc" / "hostname").as_uri()):
        with pytest.raises(ValueError, match="does not fetch"):
            fetcher.fetch(url)


def test_fetcher_follows_no_symlink_out_of_the_folder(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("s3cret")
    inside = tmp_path / "templates"
    inside.mkdir()
    (inside / "link.txt").symlink_to(secret)
    with pytest.raises(ValueError):
        make_url_fetcher([inside]).fetch((inside / "link.txt").as_uri())


def test_builtin_templates_are_served(tmp_path):
    fetcher = make_url_fetcher([templates_path()])
    assert b"@page" in fetcher.fetch((templates_path() / "print.css").as_uri()).read()


def test_a_template_cannot_pull_local_files_into_the_pdf(tmp_path):
    secret = tmp_path / "secret.txt"
    marker = "CCREPORT-SECRET-7f3a"
    secret.write_text(marker)
    user = tmp_path / "templates"
    user.mkdir()
    (user / "tiny.html").write_text(
        '{% extends "default:base.html" %}{% block head %}'
        f'<link rel="attachment" href="{secret.as_uri()}" title="leak">'
        '<link rel="attachment" href="file:///etc/hostname" title="host">'
        '<link rel="stylesheet" href="file:///etc/hostname">'
        '{% endblock %}{% block footer %}<img src="file:///etc/hostname" alt="h">'
        f'<object data="{secret.as_uri()}"></object>{{% endblock %}}'
    )
    html = _html(_tiny(), templates_dir=user)
    data = html_to_pdf(html, templates_dir=user)
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.attachments == {}
    text = " ".join(p.extract_text() for p in reader.pages)
    assert marker not in text
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else None
    if hostname:
        assert hostname not in text
    # Control: WeasyPrint's own fetcher would have embedded the file, so the test has teeth.
    import weasyprint

    leaked = pypdf.PdfReader(io.BytesIO(weasyprint.HTML(string=html, base_url=user.as_uri() + "/").write_pdf()))
    assert "leak" in str(leaked.attachments) or leaked.attachments
