"""Untrusted text (incident titles, category names) is literal text in every format.

A title or category typed into the ITSM tool can hold markup or template syntax. It must come
out as the same characters in PDF, DOCX, HTML and Markdown: never as a tag, never evaluated
(`{{ 7*7 }}` must not become 49), never fetching a file.
"""

from __future__ import annotations

import copy
import datetime as dt
import html as html_lib
import json
import re
from pathlib import Path

import markdown as md_lib
import pypdf
import pytest
from docx import Document as open_docx

from ccreport.config import Config
from ccreport.document import (
    Callout,
    Chart,
    Column,
    Document,
    Figure,
    KeyFigure,
    KeyFigures,
    Paragraph,
    Section,
    Table,
    md_escape,
    series,
)
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import MonthlyOptions, build_monthly
from ccreport.metrics.model import MetricSet
from ccreport.render.output import write_document

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src="file:///etc/hostname">'
TEMPLATE = "{{ 7*7 }}"
PAYLOAD = f"{SCRIPT} {TEMPLATE}"


def squash(text: str) -> str:
    """Text without any whitespace: PDF extraction may break a table cell across lines."""
    return re.sub(r"\s+", "", text)


def docx_text(path: Path) -> str:
    word = open_docx(str(path))
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(str(path)).pages)


def md_as_html(path: Path) -> str:
    return md_lib.markdown(path.read_text(encoding="utf-8"), extensions=["tables"])


# --------------------------------------------------------------------------- every block type


@pytest.fixture(scope="module")
def every_block(tmp_path_factory) -> dict[str, Path]:
    """A small document with the payload in every kind of block, in every format."""
    chart = Chart("pareto", PAYLOAD, (IMG, "Other"), (series("Opened", [3, 1]),))
    doc = Document(
        kind="probe", title=PAYLOAD, subtitle=IMG, period_label=IMG, organisation=PAYLOAD, author=PAYLOAD,
        date=dt.date(2026, 1, 2), subject=PAYLOAD,
        blocks=[
            Section(PAYLOAD, [
                Paragraph(md_escape(PAYLOAD) + "\n\n- " + md_escape(IMG)),
                KeyFigures([KeyFigure(PAYLOAD, IMG, PAYLOAD, None, IMG)], caption=PAYLOAD),
                Table([Column(PAYLOAD), Column(IMG)], [[PAYLOAD, IMG]], caption=PAYLOAD, notes=[IMG]),
                Figure("fig-probe", chart, caption=PAYLOAD, alt=IMG),
                Callout("warning", md_escape(PAYLOAD), title=IMG),
            ]),
        ],
    )
    out = tmp_path_factory.mktemp("probe")
    paths = write_document(doc, ["html", "md", "docx", "pdf"], out, "probe")
    return {p.suffix.lstrip("."): p for p in paths}


def test_html_shows_the_payload_as_text(every_block):
    html = every_block["html"].read_text(encoding="utf-8")
    assert SCRIPT not in html and "<img src=\"file:" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=&#34;file:///etc/hostname&#34;&gt;" in html
    assert TEMPLATE in html
    visible = re.sub(r"<svg.*?</svg>", "", html, flags=re.S)  # chart coordinates are numbers
    assert "49" not in re.sub(r"<[^>]+>", "", visible)


def test_markdown_shows_the_payload_as_text(every_block):
    raw = every_block["md"].read_text(encoding="utf-8")
    assert SCRIPT not in raw and "<img" not in raw
    rendered = md_as_html(every_block["md"])
    assert "<script" not in rendered and '<img src="file' not in rendered
    assert html_lib.escape(SCRIPT, quote=False) in rendered
    assert TEMPLATE in rendered
    assert "49" not in raw


def test_docx_shows_the_payload_as_text(every_block):
    text = docx_text(every_block["docx"])
    assert PAYLOAD in text and IMG in text
    assert "49" not in text
    word = open_docx(str(every_block["docx"]))
    assert word.core_properties.title.startswith(PAYLOAD)


def test_pdf_shows_the_payload_as_text(every_block):
    text = squash(pdf_text(every_block["pdf"]))
    assert squash(PAYLOAD) in text
    assert squash(IMG) in text
    assert "49" not in text
    reader = pypdf.PdfReader(str(every_block["pdf"]))
    assert reader.metadata.title.startswith(PAYLOAD)
    hostname = Path("/etc/hostname")
    if hostname.exists() and hostname.read_text().strip():
        assert hostname.read_text().strip() not in pdf_text(every_block["pdf"])


# --------------------------------------------------------------------------- the monthly report


@pytest.fixture(scope="module")
def monthly(tmp_path_factory) -> dict[str, Path]:
    metrics = json.loads(FIXTURE.read_text(encoding="utf-8"))
    m = copy.deepcopy(metrics)
    m["major_incidents"][0]["title"] = f"Outage {PAYLOAD}"
    m["by_category"] = {IMG: m["by_category"].pop("Telephony"), **m["by_category"]}
    m["problem_candidates"][0]["signature"] = IMG
    m["data_quality"]["issues"][0]["problem"] = PAYLOAD
    doc = build_monthly(MetricSet.from_dict(m), Branding.from_config(Config(organisation={"name": "Org"})), MonthlyOptions(date=dt.date(2026, 11, 3)))
    out = tmp_path_factory.mktemp("monthly")
    paths = write_document(doc, ["html", "md", "docx", "pdf"], out, "monthly-2026-10")
    return {p.suffix.lstrip("."): p for p in paths}


@pytest.mark.parametrize("fmt", ["html", "md", "docx", "pdf"])
def test_monthly_titles_and_categories_are_literal(monthly, fmt):
    path = monthly[fmt]
    if fmt == "html":
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))
        raw = path.read_text(encoding="utf-8")
        assert SCRIPT not in raw and '<img src="file' not in raw
    elif fmt == "md":
        rendered = md_as_html(path)
        assert "<script" not in rendered and '<img src="file' not in rendered
        text = html_lib.unescape(re.sub(r"<[^>]+>", "", rendered))
    elif fmt == "docx":
        text = docx_text(path)
    else:
        text = pdf_text(path)
    flat = squash(text)
    assert squash(f"Outage {PAYLOAD}") in flat
    assert squash(IMG) in flat
    assert squash("Outage <script>alert(1)</script> 49") not in flat
