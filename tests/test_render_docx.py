"""DOCX renderer: read the file back with python-docx and check what Word will see."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.shared import RGBColor

from ccreport.config import Config
from ccreport.document import Column, Document, Paragraph, Section, Table
from ccreport.documents import common as c
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import MonthlyOptions, build_monthly
from ccreport.metrics.model import MetricSet
from ccreport.errors import RenderError
from ccreport.render.charts import draw_charts
from ccreport.render.templates import templates_path
from ccreport.render.docx import render_docx

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"
SECTIONS = [
    "1 Executive summary", "2 Volume and trends", "3 Performance by priority", "4 SLA breaches",
    "5 Categories and services", "6 Major incidents", "7 Backlog and ageing", "8 Customer impact",
    "9 Problem candidates", "10 Recommendations", "Appendix A: Definitions and rules", "Appendix B: Data quality",
]


@pytest.fixture(scope="module")
def metrics():
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def doc(metrics):
    return build_monthly(MetricSet.from_dict(metrics), Branding.from_config(Config(organisation={"name": "Northwind Contact Centre"})), MonthlyOptions(date=dt.date(2026, 11, 3)))


@pytest.fixture(scope="module")
def assets(doc):
    return draw_charts(doc, svg=False, png=True)


@pytest.fixture(scope="module")
def word(doc, assets):
    return open_docx(io.BytesIO(render_docx(doc, assets)))


def all_text(word) -> str:
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            for cell in row.cells:
                parts.extend(p.text for p in cell.paragraphs)
    return "\n".join(parts)


def test_headings_use_builtin_heading_styles(word):
    h1 = [p.text for p in word.paragraphs if p.style.name == "Heading 1"]
    assert h1 == SECTIONS
    h2 = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert "8.1 Contact-centre performance during incidents" in h2 and "A.1 Metric definitions" in h2
    assert word.paragraphs[1].style.name == "Title" or any(p.style.name == "Title" for p in word.paragraphs[:4])


def test_headline_figures_match_the_shared_formats(word, metrics):
    text = all_text(word)
    t = metrics["totals"]
    for value in (c.fmt_int(t["opened"]), c.fmt_int(t["resolved"]), c.fmt_hours(t["mttr_hours"]),
                  c.fmt_pct(t["resolution_sla_pct"]), c.fmt_pct(t["response_sla_pct"]), c.fmt_int(t["backlog_end"])):
        assert value in text
    # The summary's leading finding: the major incident's customers, with its figure.
    assert "INC0104211" in text and "12,400" in text
    assert "\u25b2 Amber" in text and "\u2716 Red" in text


def test_every_table_repeats_its_header_row(word):
    data_tables = [t for t in word.tables if t.style.name == "Report Table"]
    assert len(data_tables) >= 12
    for table in data_tables:
        tr_pr = table.rows[0]._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr.find(qn("w:cantSplit")) is not None for row in table.rows[1:])


def test_charts_are_pictures_with_alt_text(word, doc):
    shapes = word.inline_shapes
    assert len(shapes) == 6
    alts = [s._inline.docPr.get("descr") for s in shapes]
    assert alts == [f.alt for f in doc.figures()]


def test_core_properties(word):
    cp = word.core_properties
    assert cp.title == "Monthly incident report, October 2026"
    assert cp.author == "Northwind Contact Centre"
    assert cp.subject == "Incident management performance, October 2026"
    assert cp.created == dt.datetime(2026, 11, 3, 0, 0, tzinfo=dt.timezone.utc)
    assert "python-docx" not in (cp.comments or "") + (cp.last_modified_by or "")


def test_page_numbers_and_toc_fields(word):
    footer_xml = word.sections[0].footer._element.xml
    assert " PAGE " in footer_xml and " NUMPAGES " in footer_xml
    body_xml = word.element.body.xml
    assert 'TOC \\o "1-1"' in body_xml  # the PDF's contents lists one level
    assert word.settings.element.find(qn("w:updateFields")) is not None


def test_page_is_a4(word):
    s = word.sections[0]
    assert abs(s.page_width.cm - 21.0) < 0.01 and abs(s.page_height.cm - 29.7) < 0.01


def test_brand_colour_from_config(metrics):
    doc = build_monthly(MetricSet.from_dict(metrics), Branding.from_config(Config(organisation={"name": "X", "primary_colour": "#aa3300"})), MonthlyOptions(date=dt.date(2026, 11, 3)))
    word = open_docx(io.BytesIO(render_docx(doc, {})))
    assert word.styles["Heading 1"].font.color.rgb == RGBColor(0xAA, 0x33, 0x00)


def test_reference_docx_defines_every_style_the_renderer_uses(word):
    sys.path.insert(0, str(templates_path() / "word"))
    sys.dont_write_bytecode, saved = True, sys.dont_write_bytecode  # keep templates/ clean
    try:
        from make_reference import STYLES_USED
    finally:
        sys.path.pop(0)
        sys.dont_write_bytecode = saved
    ref = open_docx(str(templates_path() / "word" / "reference.docx"))
    assert {n.lower() for n in STYLES_USED} <= {s.name.lower() for s in ref.styles}  # Word: "toc 1" is "TOC 1"
    # Every style the rendered report refers to is defined in the reference document.
    import re

    xml = word.element.body.xml + "".join(s.footer._element.xml + s.header._element.xml for s in word.sections)
    used = set(re.findall(r'<w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', xml))
    defined = {s.style_id for s in ref.styles}
    assert used and used <= defined, used - defined


def test_user_docx_template_styles_win_and_missing_ones_are_imported(tmp_path):
    user = open_docx()  # python-docx's default: has Heading 1, lacks "Report Table" and "Table Text"
    user.styles["Heading 1"].font.color.rgb = RGBColor(0x12, 0x34, 0x56)
    user.add_paragraph("template content that must not appear")
    path = tmp_path / "house.docx"
    user.save(path)
    doc = Document("t", "T", period_label="P", organisation="O", author="O", date=dt.date(2026, 1, 2),
                   blocks=[Section("S", [Paragraph("Body"), Table([Column("A")], [["x"]], caption="C")])])
    word = open_docx(io.BytesIO(render_docx(doc, {}, template=path)))
    assert word.styles["Heading 1"].font.color.rgb == RGBColor(0x12, 0x34, 0x56)
    assert "Report Table" in {s.name for s in word.styles}
    assert "template content" not in all_text(word)
    assert [p.text for p in word.paragraphs if p.style.name == "Heading 1"] == ["1 S"]


def test_bad_template_is_a_render_error(tmp_path):
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip")
    with pytest.raises(RenderError, match="not a Word .docx file"):
        render_docx(Document("t", "T", date=dt.date(2026, 1, 2)), {}, template=bad)
    with pytest.raises(RenderError, match="does not exist"):
        render_docx(Document("t", "T", date=dt.date(2026, 1, 2)), {}, template=tmp_path / "missing.docx")


def test_control_characters_are_stripped():
    doc = Document("t", "Bad\x00\x1btitle", organisation="O\x07rg", date=dt.date(2026, 1, 2),
                   blocks=[Section("S\x0c", [Paragraph("p\x01q"), Table([Column("A\x02")], [["c\x03d"]])])])
    word = open_docx(io.BytesIO(render_docx(doc, {})))
    text = all_text(word)
    assert "Badtitle" in text and "pq" in text and "cd" in text
    assert word.core_properties.title == "Badtitle"


def test_column_widths_never_break_a_word_or_an_identifier(doc):
    """Measured with the real DejaVu Sans metrics (the reference typeface): every column is
    wide enough for its longest word (the header's in bold) and nowrap columns for whole cells."""
    pil = pytest.importorskip("PIL.ImageFont")
    from ccreport.render.docx import _column_widths
    from docx.shared import Cm

    fonts = Path("/usr/share/fonts/truetype/dejavu")
    if not (fonts / "DejaVuSans.ttf").is_file():
        pytest.skip("DejaVu Sans not installed")
    regular = pil.truetype(str(fonts / "DejaVuSans.ttf"), 850)  # 8.5 pt x 100
    bold = pil.truetype(str(fonts / "DejaVuSans-Bold.ttf"), 800)  # 8 pt x 100
    margin = 113 / 20  # the Report Table's right cell margin, in points
    checked = 0
    for table in (b for b in doc.walk() if isinstance(b, Table)):
        widths = _column_widths(table, Cm(17))
        assert abs(sum(widths) - Cm(17)) < Cm(0.05)
        for j, (col, width) in enumerate(zip(table.columns, widths)):
            room = width.pt - margin
            words = [w for w in col.header.split()]
            assert all(bold.getlength(w) / 100 <= room for w in words), (table.caption, col.header, width.pt)
            for row in table.rows:
                pieces = [row[j]] if (col.nowrap or col.numeric) else row[j].split()
                for piece in pieces:
                    assert regular.getlength(piece) / 100 <= room, (table.caption, col.header, piece, width.pt)
            checked += 1
    assert checked > 50
