"""Markdown renderer: GitHub-flavoured text with charts as PNG files beside it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import markdown as md_lib
import pytest

from ccreport.config import Config
from ccreport.document import Callout, Column, Document, Paragraph, Section, Table
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import MonthlyOptions, build_monthly
from ccreport.metrics.model import MetricSet
from ccreport.render.charts import draw_charts
from ccreport.render.output import write_document
from ccreport.render.markdown import escape, render_markdown, slug

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"


@pytest.fixture(scope="module")
def doc():
    metrics = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return build_monthly(MetricSet.from_dict(metrics), Branding.from_config(Config(organisation={"name": "Northwind Contact Centre"})), MonthlyOptions(date=dt.date(2026, 11, 3)))


@pytest.fixture(scope="module")
def rendered(doc):
    return render_markdown(doc, draw_charts(doc, svg=False, png=True), "monthly-2026-10_files")


def to_html(text: str) -> str:
    return md_lib.markdown(text, extensions=["tables"])


@pytest.mark.parametrize(
    "raw",
    [
        "<script>alert(1)</script>",
        'a | b * c _ d ` e [f](g) \\ h',
        "# not a heading",
        "- not a list",
        "1. not a list",
        "> not a quote",
        "&lt; stays &lt;",
        "{{ 7*7 }}",
    ],
)
def test_escape_round_trips_through_a_markdown_renderer(raw):
    html = to_html(escape(raw))
    from html import unescape

    inner = html.removeprefix("<p>").removesuffix("</p>")
    assert unescape(inner) == raw
    assert "<script" not in html and "<h1" not in html and "<li" not in html and "<blockquote" not in html


def test_headings_and_contents(rendered):
    text, _ = rendered
    assert text.startswith("# Monthly incident report\n")
    assert "## 1 Executive summary\n" in text
    assert "## Appendix B: Data quality\n" in text
    assert "### 8.1 Contact-centre performance during incidents\n" in text
    assert "- [1 Executive summary](#1-executive-summary)" in text
    assert slug("Appendix A: Definitions and rules") == "appendix-a-definitions-and-rules"


def test_tables_are_gfm_with_right_aligned_numbers(rendered):
    text, _ = rendered
    assert "| Priority | Opened | Resolved | MTTA | MTTR | Median | P90 | Response SLA | Resolution SLA |" in text
    assert "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |" in text
    html = to_html(text)
    assert html.count("<table>") >= 10


def test_charts_are_png_files_beside_the_markdown(doc, tmp_path):
    paths = write_document(doc, ["md"], tmp_path, "monthly-2026-10")
    text = paths[0].read_text(encoding="utf-8")
    files = sorted(p.name for p in (tmp_path / "monthly-2026-10_files").iterdir())
    assert files == ["fig-ageing.png", "fig-mttr.png", "fig-pareto.png", "fig-sla.png", "fig-trend.png", "fig-weekly.png"]
    for name in files:
        assert f"](monthly-2026-10_files/{name})" in text
    # writing again replaces the folder as a whole
    write_document(doc, ["md"], tmp_path, "monthly-2026-10")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["monthly-2026-10.md", "monthly-2026-10_files"]


def test_callouts_are_github_alerts():
    doc = Document("t", "T", date=dt.date(2026, 1, 2), blocks=[
        Callout("todo", "Run `ccreport pir`.\n\n- one\n- two"),
    ])
    text, _ = render_markdown(doc, {}, "x")
    assert "> [!IMPORTANT]\n> **To complete**\n>\n> Run `ccreport pir`.\n>\n> - one\n> - two\n" in text


def test_table_more_and_notes():
    t = Table.capped([Column("ID"), Column("n", numeric=True)], [[f"I{i}", str(i)] for i in range(20)],
                     limit=15, noun="incidents", notes=["A note | with pipe"], caption="Cap")
    doc = Document("t", "T", date=dt.date(2026, 1, 2), blocks=[Section("S", [t, Paragraph("after")])])
    text, _ = render_markdown(doc, {}, "x")
    assert "*and 5 more incidents*" in text
    assert "A note \\| with pipe" in text
    assert "**Table 1.** Cap" in text
