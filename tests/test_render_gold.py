"""Golden-file tests for the HTML and Markdown renderers (coverage.py goldtest style).

The fixture report is rendered, scrubbed of what legitimately changes (version, dates, the
bodies of matplotlib's SVG charts, which have their own determinism test) and compared with
tests/gold/. On a difference the actual output is written to tests/gold/actual/ (git-ignored)
and a diff is printed. To accept a change on purpose:

    CCREPORT_UPDATE_GOLD=1 .venv/bin/pytest tests/test_render_gold.py

See tests/gold/README.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
from pathlib import Path

import pytest

from ccreport.documents.branding import Branding
from ccreport.documents.monthly import MonthlyOptions, build_monthly
from ccreport.metrics.model import MetricSet
from ccreport.render.charts import draw_charts
from ccreport.render.html import render_html
from ccreport.render.markdown import render_markdown

HERE = Path(__file__).parent
GOLD = HERE / "gold"
ACTUAL = GOLD / "actual"
FIXTURE = HERE / "fixtures" / "metrics_full.json"

SCRUBS = [
    (re.compile(r"<svg\b.*?</svg>", re.DOTALL), "<svg><!-- chart --></svg>"),
    (re.compile(r"ccreport \d+\.\d+[\w.+-]*"), "ccreport VERSION"),
    (re.compile(r'(name="dcterms\.created" content=")[^"]*'), r"\1DATE"),
    (re.compile(r"Published \d{1,2} [A-Z][a-z]+ \d{4}"), "Published DATE"),
]


def scrub(text: str) -> str:
    for pattern, replacement in SCRUBS:
        text = pattern.sub(replacement, text)
    return text


def compare(actual: str, name: str) -> None:
    """Compare scrubbed `actual` with tests/gold/<name>; rewrite it when asked to."""
    actual = scrub(actual)
    gold = GOLD / name
    if os.environ.get("CCREPORT_UPDATE_GOLD") == "1":
        gold.write_text(actual, encoding="utf-8")
        return
    expected = gold.read_text(encoding="utf-8") if gold.exists() else ""
    if actual != expected:
        ACTUAL.mkdir(exist_ok=True)
        (ACTUAL / name).write_text(actual, encoding="utf-8")
        diff = "".join(list(difflib.unified_diff(
            expected.splitlines(True), actual.splitlines(True), f"gold/{name}", f"gold/actual/{name}"))[:120])
        pytest.fail(f"{name} differs from its golden copy (actual output in tests/gold/actual/{name}).\n"
                    f"If the change is intended: CCREPORT_UPDATE_GOLD=1 pytest tests/test_render_gold.py\n{diff}")


@pytest.fixture(scope="module")
def doc():
    ms = MetricSet.from_dict(json.loads(FIXTURE.read_text(encoding="utf-8")))
    return build_monthly(ms, Branding(organisation="Northwind Contact Centre"), MonthlyOptions(date=dt.date(2026, 11, 3)))


def test_monthly_html_gold(doc):
    compare(render_html(doc, draw_charts(doc, svg=True, png=False)), "monthly.html")


def test_monthly_markdown_gold(doc):
    text, images = render_markdown(doc, draw_charts(doc, svg=False, png=True), "monthly-2026-10_files")
    assert len(images) == 6
    compare(text, "monthly.md")


def test_scrubs():
    assert scrub('<meta name="generator" content="ccreport 0.1.0">') == '<meta name="generator" content="ccreport VERSION">'
    assert scrub("Published 3 November 2026") == "Published DATE"
    assert scrub('<svg viewBox="0 0 1 1"><path d="M 0 0"/></svg>') == "<svg><!-- chart --></svg>"
