"""HTML renderer: self-contained output, autoescape, user templates with a `default:` prefix."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from ccreport.config import Config
from ccreport.document import Chart, Column, Document, Paragraph, Section, Table, series
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import MonthlyOptions, build_monthly
from ccreport.metrics.model import MetricSet
from ccreport.errors import RenderError
from ccreport.render.charts import draw, draw_charts
from ccreport.render.html import render_html

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"


@pytest.fixture(scope="module")
def doc():
    metrics = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return build_monthly(MetricSet.from_dict(metrics), Branding.from_config(Config(organisation={"name": "Northwind Contact Centre"})), MonthlyOptions(date=dt.date(2026, 11, 3)))


@pytest.fixture(scope="module")
def assets(doc):
    return draw_charts(doc, svg=True, png=False)


@pytest.fixture(scope="module")
def html(doc, assets) -> str:
    return render_html(doc, assets)


def test_html_is_self_contained(html):
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and "@page" in html
    assert "<link" not in html
    assert not re.search(r"""(src|href)=["']?(https?:|file:|//)""", html)
    assert not re.search(r"url\((?!#)", html.split("</style>", 1)[1])  # only in-SVG references
    assert html.count("<svg ") == 6
    assert "<script" not in html


def test_html_metadata_for_pdf(html, doc):
    assert "<title>Monthly incident report, October 2026</title>" in html
    assert '<meta name="author" content="Northwind Contact Centre">' in html
    assert '<meta name="dcterms.created" content="2026-11-03">' in html
    assert '<html lang="en-GB">' in html


def test_ids_are_unique_across_inline_charts(html):
    ids = re.findall(r'\sid="([^"]+)"', html)
    duplicates = {i for i in ids if ids.count(i) > 1}
    assert not duplicates
    # every in-document reference points at an id that exists
    refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', html))
    assert refs <= set(ids)


def test_inline_svg_is_clean_and_deterministic(doc):
    fig = next(doc.figures())
    one = draw(fig.chart, svg=True, png=False, salt="s").svg
    two = draw(fig.chart, svg=True, png=False, salt="s").svg
    assert one == two
    assert "<?xml" not in one and "<!DOCTYPE" not in one and "<style" not in one
    assert "<metadata" not in one and 'style="' not in one
    assert not re.search(r"20\d\d-\d\d-\d\dT", one)  # no creation date


def test_charts_png_are_deterministic(doc):
    fig = next(doc.figures())
    a = draw(fig.chart, svg=False, png=True).png
    b = draw(fig.chart, svg=False, png=True).png
    assert a == b and a[:8] == b"\x89PNG\r\n\x1a\n"


def test_chart_text_with_dollar_signs_is_not_mathtext():
    chart = Chart("pareto", "Costs in $ and $x^2$", ("A $1 item", "B"), (series("Opened", [3, 1]),))
    svg = draw(chart, svg=True, png=False).svg
    assert "A $1 item" in svg and "$x^2$" in svg


def test_tables_mark_numeric_cells_and_repeat_header(html):
    assert '<thead>' in html
    assert re.search(r'<th scope="col" class="right num">Opened</th>', html)
    assert re.search(r'<td class="right num">632</td>', html)


def test_key_figures_carry_word_and_symbol(html):
    assert "\u25b2 Amber" in html and "\u2716 Red" in html and "\u2714 Green" in html


def _tiny_doc(title: str = "Tiny") -> Document:
    return Document("tiny", title, period_label="P", organisation="O", author="O", date=dt.date(2026, 1, 2),
                    blocks=[Section("S", [Paragraph("Hello"), Table([Column("A")], [["cell"]], caption="C")])])


def test_user_template_overrides_and_extends_default(tmp_path):
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "table.html").write_text(
        '<div class="house-table">{% include "default:blocks/table.html" %}</div>')
    (tmp_path / "tiny.html").write_text(
        '{% extends "default:base.html" %}{% block footer %}<p class="house">House {{ doc.title }}</p>{% endblock %}')
    html = render_html(_tiny_doc("A & B <c>"), {}, templates_dir=tmp_path)
    assert '<div class="house-table">' in html and "<table" in html
    assert '<p class="house">House A &amp; B &lt;c&gt;</p>' in html


def test_user_print_css_replaces_the_builtin(tmp_path):
    (tmp_path / "print.css").write_text("body { color: rebeccapurple; }")
    html = render_html(_tiny_doc(), {}, templates_dir=tmp_path)
    assert "rebeccapurple" in html and "@page" not in html


def test_template_errors_are_render_errors(tmp_path):
    (tmp_path / "tiny.html").write_text('{% extends "default:base.html" %}{% block footer %}{{ nope.x }}{% endblock %}')
    with pytest.raises(RenderError, match="template error"):
        render_html(_tiny_doc(), {}, templates_dir=tmp_path)
    (tmp_path / "tiny.html").write_text('{% extends "missing.html" %}')
    with pytest.raises(RenderError, match="'missing.html' not found"):
        render_html(_tiny_doc(), {}, templates_dir=tmp_path)


def test_control_characters_never_reach_the_html():
    html = render_html(_tiny_doc("Bad\x00title\x1b"), {})
    assert "\x00" not in html and "\x1b" not in html
    assert "<title>Badtitle, P</title>" in html


def test_long_words_in_cells_may_break():
    doc = Document("tiny", "T", date=dt.date(2026, 1, 2),
                   blocks=[Table([Column("A")], [["x" * 60]])])
    html = render_html(doc, {})
    assert "x" * 12 + "<wbr>" in html


def test_logo_is_embedded_as_a_data_uri(tmp_path):
    import base64

    png = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
    (tmp_path / "logo.png").write_bytes(png)
    doc = _tiny_doc()
    doc.logo = tmp_path / "logo.png"
    html = render_html(doc, {})
    assert 'src="data:image/png;base64,' in html and 'alt="O logo"' in html
    doc.logo = tmp_path / "missing.png"
    with pytest.raises(RenderError, match="cannot read the logo"):
        render_html(doc, {})


def _one_table_html(table: Table) -> str:
    doc = Document("t", "T", period_label="P", organisation="O", author="O", date=dt.date(2026, 1, 2), toc=False,
                   blocks=[Section("S", [table])])
    return render_html(doc, {})


def test_fixed_shape_table_gets_fixed_layout_and_column_widths():
    cols = [Column("Activity"), Column("SD", align="center"), Column("IM", align="center")]
    html = _one_table_html(Table(cols, [["Log", "R", "A"]], widths=[3, 1, 1], caption="RACI"))
    table = re.search(r"<table[^>]*>.*?</table>", html, re.S).group(0)
    assert re.search(r'<table class="[^"]*\bfixed\b', table)
    widths = [float(w) for w in re.findall(r'<col style="width:([\d.]+)%">', table)]
    assert widths == [60.0, 20.0, 20.0]
    # The colgroup comes after the caption and before the header, as HTML requires.
    assert table.index("</caption>") < table.index("<colgroup>") < table.index("<thead>")
    # The stylesheet lays such a table out from its columns, in print too.
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    assert re.search(r"table\.data\.fixed\s*\{[^}]*table-layout:\s*fixed", style)


def test_table_without_widths_keeps_automatic_layout():
    html = _one_table_html(Table([Column("A"), Column("B")], [["a", "b"]]))
    table = re.search(r"<table[^>]*>.*?</table>", html, re.S).group(0)
    assert "<colgroup" not in table and "fixed" not in table.split(">", 1)[0]
