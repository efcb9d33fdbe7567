"""The Document model, number formats and the output-file owner (render/files.py, render/output.py)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path

import pytest

from ccreport.document import (
    Callout,
    Chart,
    Column,
    Document,
    Figure,
    KeyFigure,
    KeyFigures,
    Paragraph,
    Rag,
    Section,
    Span,
    Table,
    md_escape,
    parse_inline,
    parse_text,
    series,
    xml_safe,
)

from ccreport.documents import common as c
from ccreport.errors import RenderError
from ccreport.render import files
from ccreport.render.files import safe_basename
from ccreport.render.output import write_document
from ccreport.render.pdf import PANGO_MESSAGE, PangoMissing
from ccreport.render.templates import templates_path

NBSP = "\u00a0"


def small_doc(**kwargs) -> Document:
    kwargs.setdefault("date", dt.date(2026, 1, 2))
    return Document(
        kind="test",
        title="Test report",
        period_label="January 2026",
        organisation="Org",
        author="Org",
        blocks=[
            Section("First", [Paragraph("Some **bold** text."), Section("Inner", [Paragraph("x")])]),
            Section("Second", [Table([Column("A"), Column("B", numeric=True)], [["a", "1"]], caption="Cap")]),
            Section("Defs", [Paragraph("y")], appendix=True),
        ],
        **kwargs,
    )


# --------------------------------------------------------------------------- model


def test_sections_are_numbered_and_appendices_lettered():
    doc = small_doc()
    headings = [s.heading for s in doc.sections()]
    assert headings == ["1 First", "1.1 Inner", "2 Second", "Appendix A: Defs"]
    assert [s.anchor for s in doc.sections()] == ["sec-1", "sec-1-1", "sec-2", "sec-a"]
    assert [s.level for s in doc.sections()] == [1, 2, 1, 1]
    assert [s.heading for s in doc.sections(1)] == ["1 First", "2 Second", "Appendix A: Defs"]


def test_figures_and_captioned_tables_are_numbered_in_order():
    chart = Chart("weekly", "t", ("a",), (series("Opened", [1]),))
    doc = Document("k", "T", blocks=[
        Section("S", [Table([Column("A")], [["x"]], caption="one"), Figure("f1", chart, "c", "alt"),
                      Table([Column("A")], [["x"]]), Table([Column("A")], [["y"]], caption="two"),
                      Figure("f2", chart, "c", "alt")]),
    ])
    tables = [b for b in doc.walk() if isinstance(b, Table)]
    assert [t.number for t in tables] == [1, 0, 2]
    assert [f.number for f in doc.figures()] == [1, 2]


def test_table_rows_must_match_columns():
    with pytest.raises(ValueError):
        Table([Column("A"), Column("B")], [["only one"]])


@pytest.mark.parametrize("widths", [[1], [1, 2, 3], [1, 0], [1, -2], [1, float("nan")], [1, float("inf")],
                                    [True, 1], [1, "2"]])
def test_table_widths_are_one_positive_share_per_column(widths):
    with pytest.raises(ValueError, match="widths"):
        Table([Column("A"), Column("B")], [["a", "b"]], widths=widths)


def test_table_widths_are_shares_of_the_whole():
    t = Table([Column("A"), Column("B"), Column("C")], [["a", "b", "c"]], widths=[2, 1, 1])
    assert t.width_percents() == [50.0, 25.0, 25.0]
    assert Table([Column("A")], [["a"]], widths=[0.3]).width_percents() == [100.0]
    assert Table([Column("A")], [["a"]]).width_percents() is None


def test_estimated_widths_follow_the_text():
    cols = [Column("Date", nowrap=True), Column("What"), Column("N", numeric=True)]
    long_text = "a long description of what happened " * 6
    t = Table(cols, [["12 September 2027", long_text, "7"], ["1 May 2027", "short", "1,234"]])
    shares = t.estimated_widths()
    assert abs(sum(shares) - 100) < 0.1
    assert shares[1] > shares[0] > shares[2]  # the long text takes the room; the one-line date keeps its own
    assert shares[0] >= len("12 September 2027")  # a line holds 100 characters: one per share at least
    # Short cells in a wide table share the room by their length (like the automatic layout).
    small = Table([Column("A"), Column("B")], [["xx", "xxxxxx"]]).estimated_widths()
    assert small[1] > small[0]
    # A long identifier in a wrapped column can break, so it does not starve the text beside it.
    ident = "business_continuity.failover[1].invoked_by[0],"
    findings = Table([Column("Where"), Column("What to do")],
                     [[f"{ident} line {i}", "Say what to do here in a sentence of plain words. " * 3]
                      for i in range(5)]).estimated_widths()
    assert findings[1] > 1.5 * findings[0]


def test_table_capped_says_how_many_were_left_off():
    rows = [[str(i)] for i in range(40)]
    t = Table.capped([Column("n", numeric=True)], rows, limit=15, noun="major incidents",
                     rag=[[Rag.RED]] * 40)
    assert len(t.rows) == 15 and len(t.rag) == 15
    assert t.more == "and 25 more major incidents"
    whole = Table.capped([Column("n")], rows[:3], limit=15)
    assert whole.more is None and len(whole.rows) == 3


def test_numeric_columns_align_right():
    assert Column("x", numeric=True).align == "right"
    assert Column("x").align == "left"


def test_rag_has_word_and_symbol_not_colour_only():
    assert {r.word for r in Rag} == {"Red", "Amber", "Green"}
    assert len({r.symbol for r in Rag}) == 3
    assert Rag.RED.label == "\u2716 Red"


def test_inline_markdown():
    spans = parse_inline("a **b** *c* _d_ snake_case `x*y` [e](https://example.org) [f](javascript:alert(1))")
    assert Span("b", bold=True) in spans
    assert Span("c", italic=True) in spans
    assert Span("d", italic=True) in spans
    assert any(s.text == " snake_case " for s in spans)
    assert Span("x*y", code=True) in spans
    assert Span("e", href="https://example.org") in spans
    f = [s for s in spans if s.text == "f"][0]
    assert f.href is None  # unsafe scheme: text only


def test_md_escape_keeps_untrusted_text_literal():
    payload = "<script>alert(1)</script> **x** _y_ `z` [l](http://e) {{ 7*7 }}"
    spans = parse_inline(md_escape(payload))
    assert "".join(s.text for s in spans) == payload
    assert not any(s.bold or s.italic or s.code or s.href for s in spans)


def test_parse_text_lists_and_paragraphs():
    parts = parse_text("First para\ncontinues.\n\n- one\n- two\n  more\n\n1. a\n2. b")
    assert [p.kind for p in parts] == ["p", "ul", "ol"]
    assert parts[0].items[0][0].text == "First para continues."
    assert [i[0].text for i in parts[1].items] == ["one", "two more"]


def test_xml_safe_strips_control_characters():
    assert xml_safe("a\x00b\x07c\x1fd\tok\n") == "abcd\tok\n"
    assert xml_safe("plain") == "plain"


# --------------------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "func,value,expected",
    [
        (c.fmt_int, 1234, "1,234"),
        (c.fmt_int, None, "\u2013"),
        (c.fmt_int, 0, "0"),
        (c.fmt_pct, 96.123, f"96.1{NBSP}%"),
        (c.fmt_pct, None, "\u2013"),
        (c.fmt_hours, 4.23, f"4.2{NBSP}h"),
        (c.fmt_hours, 1234.5, f"1,234{NBSP}h"),
        (c.fmt_minutes, 0.2, f"12{NBSP}min"),
        (c.fmt_minutes, 0.1416, f"8.5{NBSP}min"),
        (c.fmt_duration, 0.5, f"30{NBSP}min"),
        (c.fmt_duration, 5.36, f"5.4{NBSP}h"),
        (c.fmt_duration, 72, f"3.0{NBSP}days"),
        (c.fmt_seconds, 372.4, f"6{NBSP}min 12{NBSP}s"),
        (c.fmt_score, 3.987, f"4.0{NBSP}/{NBSP}5"),
    ],
)
def test_number_formats(func, value, expected):
    assert func(value) == expected


def test_not_in_this_export_only_when_the_field_is_absent():
    assert c.fmt_metric(None, "minutes", "mtta_hours", ["incident_id", "opened_at"]) == "not in this export"
    assert c.fmt_metric(None, "minutes", "mtta_hours", ["acknowledged_at"]) == "\u2013"
    assert c.fmt_metric(0.25, "minutes", "mtta_hours", []) == f"15{NBSP}min"


def test_changes():
    assert c.fmt_change(632, 581, "int") == f"+51 (+8.8{NBSP}%)"
    assert c.fmt_change(93.8, 95.4, "pct") == f"\u22121.6{NBSP}pp"
    assert c.fmt_change(5, 0, "int") == "+5"
    assert c.fmt_change(None, 3, "int") == "\u2013"
    assert c.change_words(112, 87) == f"up 28.7{NBSP}% from 87"


def test_targets_read_as_people_say_them():
    assert c.fmt_target(95, "pct") == f"95{NBSP}%"
    assert c.fmt_target(12.0, "hours") == f"12{NBSP}h"
    assert c.fmt_target(0.25, "hours") == f"15{NBSP}min"


@pytest.mark.parametrize(
    "value,target,higher,expected",
    [
        (96, 95, True, Rag.GREEN),
        (95, 95, True, Rag.GREEN),
        (86, 95, True, Rag.AMBER),
        (85.5, 95, True, Rag.AMBER),
        (85.4, 95, True, Rag.RED),
        (12, 12, False, Rag.GREEN),
        (13.2, 12, False, Rag.AMBER),
        (13.3, 12, False, Rag.RED),
        (None, 95, True, None),
        (90, None, True, None),
    ],
)
def test_rag_rule(value, target, higher, expected):
    assert c.rag_status(value, target, higher) == expected


# --------------------------------------------------------------------------- the output-file owner


@pytest.mark.parametrize(
    "name,expected",
    [
        ("monthly-2026-10", "monthly-2026-10"),
        ("../../etc/passwd", "etc_passwd"),
        ("...hidden", "hidden"),
        ("pir-INC 0001/é", "pir-INC_0001"),
        ("", "document"),
        ("x" * 300, "x" * 100),
    ],
)
def test_safe_basename(name, expected):
    out = safe_basename(name)
    assert out == expected
    assert not out.startswith(".") and len(out) <= 100


def test_templates_path_finds_the_built_ins():
    assert (templates_path() / "base.html").is_file()
    assert (templates_path() / "word" / "reference.docx").is_file()


def test_unknown_format_is_a_render_error(tmp_path):
    with pytest.raises(RenderError, match="unknown format 'odt'"):
        write_document(small_doc(), ["html", "odt"], tmp_path, "x")


def test_write_document_writes_each_format_and_logs(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="ccreport")
    paths = write_document(small_doc(), "html,md,docx", tmp_path / "new" / "dir", "test-2026-01")
    assert [p.name for p in paths] == ["test-2026-01.html", "test-2026-01.md", "test-2026-01.docx"]
    assert all(p.stat().st_size > 0 for p in paths)
    assert f"Wrote {paths[0]}" in caplog.text
    assert not [p for p in (tmp_path / "new" / "dir").iterdir() if p.name.startswith(".")]


def test_a_failing_renderer_leaves_no_half_written_file(tmp_path, monkeypatch):
    target = tmp_path / "test-x.docx"
    target.write_bytes(b"previous complete file")

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    from ccreport.render import docx as docx_mod

    monkeypatch.setattr(docx_mod, "render_docx", boom)
    with pytest.raises(RuntimeError):
        write_document(small_doc(), ["docx"], tmp_path, "test-x")
    assert target.read_bytes() == b"previous complete file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test-x.docx"]


def test_atomic_write_cleans_up_on_error(tmp_path):
    def half(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError("no space left")

    with pytest.raises(OSError):
        files.atomic_write(tmp_path / "a.pdf", half)
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_normal_permissions(tmp_path):
    (path,) = write_document(small_doc(), ["md"], tmp_path, "perm")
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_missing_pango_still_writes_the_other_formats(tmp_path, monkeypatch):
    from ccreport.render import pdf as pdf_mod

    def no_pango():
        raise PangoMissing()

    monkeypatch.setattr(pdf_mod, "_weasyprint", no_pango)
    with pytest.raises(RenderError) as err:
        write_document(small_doc(), ["pdf", "html", "md"], tmp_path, "t")
    assert str(err.value) == PANGO_MESSAGE
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["t.html", "t.md"]


def test_pango_import_error_becomes_the_one_line_message(monkeypatch):
    import builtins

    from ccreport.render import pdf as pdf_mod

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(RenderError, match=r"^PDF needs Pango \(Debian: libpango-1.0-0 libpangoft2-1.0-0\); other formats were written$"):
        pdf_mod._weasyprint()


def test_key_figures_and_callouts_are_blocks():
    kf = KeyFigures([KeyFigure("Opened", "632", "+51", Rag.GREEN, "target 1")])
    co = Callout("todo", "Do **this**.")
    assert kf.block_type == "key_figures" and co.default_title == "To complete"
    assert co.parts()[0].items[0][1] == Span("this", bold=True)
