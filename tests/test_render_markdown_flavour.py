"""`--markdown-flavour gfm|commonmark` (issue 19, item 7): GitHub alerts and links to heading
anchors only in gfm; commonmark (for Confluence and other wikis) has plain blockquotes, a
plain contents list, and neither flavour writes raw HTML."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ccreport.document import Callout, Column, Document, Paragraph, Section, Table
from ccreport.render.markdown import render_markdown, slug
from ccreport.render.options import RenderOptions
from ccreport.render.output import write_document

from .util import GOOD, run_cli

RAW_HTML = re.compile(r"<[A-Za-z/!?]")


def _doc() -> Document:
    return Document("monthly", "Report <b>", period_label="October 2026", organisation="O & Co", author="O",
                    date=dt.date(2026, 11, 2), blocks=[
                        Section("Summary", [Paragraph("Calls <i>failed</i> for 2 hours."),
                                            Callout("warning", "Check the **supplier** fix."),
                                            Callout("info", "Figures are provisional.")]),
                        Section("Actions", [Section("Summary", [Paragraph("Repeated heading.")], level=2),
                                            Table([Column("Owner"), Column("Due", numeric=True)],
                                                  [["Service desk", "3"]])]),
                        Section("Summary", [Paragraph("A third one.")]),
                    ])


def _headings(text: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^#{1,6} (.+)$", text, re.M)]


def _github_anchors(headings: list[str]) -> list[str]:
    """GitHub's anchors for a page's headings, computed here from the rendered heading text."""
    seen: dict[str, int] = {}
    out = []
    for h in headings:
        base = slug(re.sub(r"\\(.)", r"\1", h))
        out.append(base if base not in seen else f"{base}-{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
    return out


def test_gfm_has_alerts_and_contents_links_that_reach_their_headings():
    text, _ = render_markdown(_doc(), {}, "x_files", "gfm")
    assert re.findall(r"^> \[!(\w+)\]$", text, re.M) == ["WARNING", "NOTE"]
    links = re.findall(r"^- \[(.+?)\]\(#([^)]+)\)$", text, re.M)
    assert [label for label, _ in links] == ["1 Summary", "2 Actions", "3 Summary"]
    anchors = _github_anchors(_headings(text))
    for label, target in links:
        assert target in anchors
        assert _headings(text)[anchors.index(target)] == label  # the link reaches its own heading
    assert not RAW_HTML.search(text)


def test_commonmark_has_plain_blockquotes_and_no_anchors():
    text, _ = render_markdown(_doc(), {}, "x_files", "commonmark")
    assert "[!" not in text and "](#" not in text
    assert not RAW_HTML.search(text)
    quotes = [line for line in text.splitlines() if line.startswith(">")]
    assert any("Warning" in q for q in quotes) and any("supplier" in q for q in quotes)
    assert any("Note" in q for q in quotes) and any("provisional" in q for q in quotes)
    # The contents still lists every chapter, as text.
    contents = text.split("## Contents", 1)[1].split("\n## ", 1)[0]
    assert [line[2:] for line in contents.strip().splitlines()] == ["1 Summary", "2 Actions", "3 Summary"]
    # The same content otherwise: tables, headings, paragraphs.
    gfm, _ = render_markdown(_doc(), {}, "x_files", "gfm")
    assert _headings(text) == _headings(gfm)
    assert "| Service desk | 3 |" in text and "| Service desk | 3 |" in gfm


def test_the_flavour_is_a_render_option():
    assert RenderOptions().markdown_flavour == "gfm"
    assert RenderOptions(markdown_flavour="CommonMark").markdown_flavour == "commonmark"
    with pytest.raises(ValueError, match="unknown Markdown flavour 'wiki'"):
        RenderOptions(markdown_flavour="wiki")


def test_write_document_passes_the_flavour_to_the_markdown(tmp_path):
    (path,) = write_document(_doc(), ["md"], tmp_path, "cm", RenderOptions(markdown_flavour="commonmark"))
    assert "[!" not in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("how", ["option", "environment"])
def test_the_document_commands_take_the_flavour(tmp_path, how):
    args = ["monthly", GOOD, "--month", "2026-10", "--format", "md", "--out", tmp_path]
    env = {}
    if how == "option":
        args += ["--markdown-flavour", "commonmark"]
    else:
        env["CCREPORT_MARKDOWN_FLAVOUR"] = "commonmark"
    r = run_cli(*args, env=env)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "monthly-2026-10.md").read_text(encoding="utf-8")
    assert "## Contents" in text and "](#" not in text and "[!" not in text
    r = run_cli("monthly", GOOD, "--month", "2026-10", "--format", "md", "--out", tmp_path / "g")
    assert r.returncode == 0, r.stderr
    assert "](#" in (tmp_path / "g" / "monthly-2026-10.md").read_text(encoding="utf-8")


def test_an_unknown_flavour_is_a_usage_error(tmp_path):
    r = run_cli("monthly", GOOD, "--month", "2026-10", "--format", "md", "--out", tmp_path,
                "--markdown-flavour", "wiki")
    assert r.returncode == 2 and "--markdown-flavour" in r.stderr and not any(tmp_path.iterdir())
