"""Accessible PDF (issue 19, item 2), read back from the structure tree.

Every PDF is tagged: /MarkInfo, /StructTreeRoot, the document language; every /Figure has
an /Alt that is the document model's alt text for that chart; every /TH has a /Scope
(/Column in a header row, /Row for a row's own header cell) and the data cells name their
headers. pypdf reads the tree; pikepdf (qpdf), when installed, reads it again independently.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import Counter
from pathlib import Path

import pypdf
import pytest

from ccreport.config import Config
from ccreport.document import Chart, Column, Document, Figure, Paragraph, Section, Table, series
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import MonthlyOptions, build_monthly
from ccreport.metrics.model import MetricSet
from ccreport.render.options import RenderOptions
from ccreport.render.output import write_document

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"


def _obj(x):
    return x.get_object() if hasattr(x, "get_object") else x


def structure(reader: pypdf.PdfReader) -> list[dict]:
    """Every structure element of the tree, depth first, with its parent's and grandparent's
    types under the keys "_parent" and "_grandparent"."""
    root = _obj(reader.trailer["/Root"]["/StructTreeRoot"])
    out, stack = [], [(root, None, None)]
    while stack:
        node, parent, grand = stack.pop()
        node = _obj(node)
        if not isinstance(node, dict):
            continue
        s = node.get("/S")
        if s is not None:
            out.append({**node, "_parent": parent, "_grandparent": grand})
        kids = _obj(node.get("/K"))
        if kids is None:
            continue
        for kid in (kids if isinstance(kids, list) else [kids]):
            if not isinstance(kid, int):
                stack.append((kid, s, parent))
    return out


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    ms = MetricSet.from_dict(json.loads(FIXTURE.read_text(encoding="utf-8")))
    doc = build_monthly(ms, Branding.from_config(Config(organisation={"name": "Northwind Contact Centre"})),
                        MonthlyOptions(date=dt.date(2026, 11, 3)))
    (path,) = write_document(doc, ["pdf"], tmp_path_factory.mktemp("a11y"), "monthly-2026-10")
    reader = pypdf.PdfReader(str(path))
    return {"doc": doc, "path": path, "reader": reader, "tree": structure(reader)}


def test_the_default_pdf_is_tagged_with_its_language(monthly):
    root = monthly["reader"].trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert str(root["/Lang"]) == monthly["doc"].lang == "en-GB"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    kinds = Counter(e["/S"] for e in monthly["tree"])
    for tag in ("/H2", "/H3", "/P", "/Table", "/TH", "/TD", "/Figure", "/Caption", "/L", "/LI"):
        assert kinds[tag] > 0, tag


def test_every_figure_has_the_charts_alt_text(monthly):
    figures = [e for e in monthly["tree"] if e["/S"] == "/Figure"]
    alts = [" ".join(str(e.get("/Alt", "")).split()) for e in figures]
    expected = [" ".join(f.alt.split()) for f in monthly["doc"].figures()]
    assert len(expected) >= 4
    assert all(alts), "a /Figure without /Alt"
    assert sorted(alts) == sorted(expected)


def test_every_header_cell_has_a_scope(monthly):
    headers = [e for e in monthly["tree"] if e["/S"] == "/TH"]
    assert len(headers) > 50
    scopes = Counter(str(_obj(e["/A"]).get("/Scope")) for e in headers)
    assert set(scopes) == {"/Column", "/Row"}, scopes
    for e in headers:
        in_head = e["_grandparent"] == "/THead"
        assert str(_obj(e["/A"])["/Scope"]) == ("/Column" if in_head else "/Row")
    # Each data cell names its headers (its column's, and its row's where it has one).
    cells = [e for e in monthly["tree"] if e["/S"] == "/TD"]
    with_both = [c for c in cells if len(_obj(_obj(c["/A"]).get("/Headers", []))) >= 2]
    assert len(with_both) > len(cells) / 2


def _doc(blocks, lang="en-GB") -> Document:
    return Document("monthly", "Accessible", period_label="October 2026", organisation="O", author="O",
                    date=dt.date(2026, 11, 2), blocks=blocks, toc=False, lang=lang)


def test_a_first_column_of_names_heads_its_rows_and_one_of_numbers_does_not(tmp_path):
    named = Table([Column("Site"), Column("Opened", numeric=True)], [["Leeds", "4"], ["Glasgow", "7"]])
    numbered = Table([Column("Week", numeric=True), Column("Opened", numeric=True)], [["1", "4"], ["2", "7"]])
    (path, _html) = write_document(_doc([Section("Sites", [named]), Section("Weeks", [numbered])]), ["pdf", "html"],
                             tmp_path, "t")
    tree = structure(pypdf.PdfReader(str(path)))
    rows = [e for e in tree if e["/S"] == "/TH" and str(_obj(e["/A"])["/Scope"]) == "/Row"]
    assert len(rows) == 2  # Leeds and Glasgow; the week numbers stay data cells
    html = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert html.count('<th scope="row"') == 2 and html.count('<th scope="col"') == 4


def test_alt_text_is_escaped_and_kept_whole(tmp_path):
    alt = 'Bar chart of "calls" <script>alert(1)</script> & P1 > P2'
    fig = Figure("f1", Chart("trend", "Calls", ("A", "B"), (series("Calls", [1, 2]),)), "Calls", alt)
    (pdf, html) = write_document(_doc([Section("Chart", [fig])]), ["pdf", "html"], tmp_path, "t")
    tree = structure(pypdf.PdfReader(str(pdf)))
    assert [str(e["/Alt"]) for e in tree if e["/S"] == "/Figure"] == [alt]
    text = html.read_text(encoding="utf-8")
    assert "<script>" not in text and "&lt;script&gt;" in text


def test_language_follows_the_document(tmp_path):
    (path,) = write_document(_doc([Section("S", [Paragraph("Hello")])], lang="cy-GB"), ["pdf"], tmp_path, "t")
    assert str(pypdf.PdfReader(str(path)).trailer["/Root"]["/Lang"]) == "cy-GB"


def test_tagging_can_be_turned_off_for_callers_that_need_it(tmp_path):
    (path,) = write_document(_doc([Section("S", [Paragraph("Hello")])]), ["pdf"], tmp_path, "t",
                             RenderOptions(pdf_tags=False))
    assert "/StructTreeRoot" not in pypdf.PdfReader(str(path)).trailer["/Root"]


def test_pdf_ua_variant_gets_the_same_scopes_and_alt(tmp_path):
    fig = Figure("f1", Chart("trend", "Calls", ("A", "B"), (series("Calls", [1, 2]),)), "Calls", "Line of calls")
    table = Table([Column("Site"), Column("Opened", numeric=True)], [["Leeds", "4"]])
    (path,) = write_document(_doc([Section("S", [fig, table])]), ["pdf"], tmp_path, "ua",
                             RenderOptions(pdf_variant="pdf/ua-1", pdf_tags=False))
    tree = structure(pypdf.PdfReader(str(path)))
    assert [str(e["/Alt"]) for e in tree if e["/S"] == "/Figure"] == ["Line of calls"]
    assert sorted(str(_obj(e["/A"])["/Scope"]) for e in tree if e["/S"] == "/TH") == ["/Column", "/Column", "/Row"]


def test_pikepdf_reads_the_same_tree(monthly):
    pikepdf = pytest.importorskip("pikepdf")
    with pikepdf.open(monthly["path"]) as pdf:
        assert str(pdf.Root.Lang) == "en-GB" and bool(pdf.Root.MarkInfo.Marked)
        figures = headers = 0
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
                continue
            if not isinstance(node, pikepdf.Dictionary):
                continue
            s = node.get("/S")
            if s == pikepdf.Name.Figure:
                figures += 1
                assert len(str(node.get("/Alt", ""))) > 20
            elif s == pikepdf.Name.TH:
                headers += 1
                assert node.A.Scope in (pikepdf.Name.Column, pikepdf.Name.Row)
            if "/K" in node:
                stack.append(node.K)
        assert figures == len(list(monthly["doc"].figures())) and headers > 50
