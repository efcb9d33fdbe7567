"""Word output with a corporate --docx-template, its language and typeface, status shading,
keep-with-next, and the contents' page numbers (cached from the PDF's own layout).

Templates are built here with python-docx, the way a house style arrives: other fonts, no
footer, body content, an attached template on a server, track changes on.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from docx import Document as open_docx
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Pt, RGBColor

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
    Table,
    series,
)
from ccreport.render.docx import bookmark_name, render_docx
from ccreport.render.templates import templates_path

ATTACHED_TEMPLATE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PNG = (  # a 1x1 PNG
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)


def sample_doc(**kw) -> Document:
    body = [
        Section("Summary", [
            Paragraph("Service held up. **Two** majors.\n\n- first point\n- second point"),
            KeyFigures([KeyFigure("Opened", "1,234", "+5 %", Rag.GREEN, "target 95 %"),
                        KeyFigure("Contacts", "not in this export")]),
            Callout("warning", "Check the *export*."),
            Section("Detail", [
                Table([Column("Priority"), Column("Met", numeric=True)],
                      [["P1", "91.0 %"], ["P2", "97.0 %"], ["Total", "95.0 %"]],
                      caption="Attainment", notes=["A note."], total_row=True,
                      rag=[[None, Rag.RED], [None, Rag.GREEN], [None, None]]),
            ]),
        ]),
        Section("Trends", [Paragraph("More text.")]),
        Section("Rules", [Paragraph("Definitions.")], appendix=True),
    ]
    args = dict(kind="monthly", title="Monthly incident report", period_label="October 2026",
                organisation="Northwind", author="Northwind", date=dt.date(2026, 11, 3), blocks=body)
    args.update(kw)
    return Document(**args)


# --------------------------------------------------------------------------- helpers


def style_chain(word, style_id: str):
    """The w:style elements from `style_id` up its basedOn chain."""
    by_id = {el.get(qn("w:styleId")): el for el in word.styles.element.findall(qn("w:style"))}
    seen = []
    el = by_id.get(style_id)
    while el is not None and el not in seen:
        seen.append(el)
        based = el.find(qn("w:basedOn"))
        el = by_id.get(based.get(qn("w:val"))) if based is not None else None
    return seen


def effective_font(word, paragraph_el, run_el=None) -> str | None:
    """The typeface Word shows for a run: run style, paragraph style chain, defaults
    (theme fonts resolved to their name 'theme:<attr>' so a test can see them)."""
    def from_rpr(rpr):
        if rpr is None:
            return None
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            return None
        if fonts.get(qn("w:ascii")):
            return fonts.get(qn("w:ascii"))
        if fonts.get(qn("w:asciiTheme")):
            return "theme:" + fonts.get(qn("w:asciiTheme"))
        return None

    if run_el is not None:
        rpr = run_el.find(qn("w:rPr"))
        direct = from_rpr(rpr)
        if direct:
            return direct
        rstyle = rpr.find(qn("w:rStyle")) if rpr is not None else None
        if rstyle is not None:
            for el in style_chain(word, rstyle.get(qn("w:val"))):
                f = from_rpr(el.find(qn("w:rPr")))
                if f:
                    return f
    ppr = paragraph_el.find(qn("w:pPr"))
    pstyle = ppr.find(qn("w:pStyle")) if ppr is not None else None
    sid = pstyle.get(qn("w:val")) if pstyle is not None else "Normal"
    for el in style_chain(word, sid):
        f = from_rpr(el.find(qn("w:rPr")))
        if f:
            return f
    return from_rpr(word.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr"))


def page_fields(part) -> list[str]:
    el = part._element
    return [t.text.strip() for t in el.iter(qn("w:instrText")) if t.text and t.text.strip()] + \
        [f.get(qn("w:instr")).strip() for f in el.iter(qn("w:fldSimple"))]


def house_template(tmp_path: Path, *, footer_text: str | None = None, footer_page: bool = False,
                   header_text: str | None = None) -> Path:
    """A corporate template: Georgia body, Garamond headings, no footer (unless asked), body
    text, a big picture in the body, an attached template on a server, protection, tracking."""
    t = open_docx()
    rpr = t.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    fonts = rpr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), "Georgia")
    t.styles["Normal"].font.name = "Georgia"
    for name in ("Heading 1", "Heading 2", "Title"):
        t.styles[name].font.name = "Garamond"
        t.styles[name].font.color.rgb = RGBColor(0x12, 0x34, 0x56)
    t.styles["Heading 1"].paragraph_format.keep_with_next = False  # a careless house style
    t.add_paragraph("Template body text that must not appear", style="Heading 1")
    t.add_paragraph("Secret template paragraph")
    big = io.BytesIO(PNG + b"\x00" * 300_000)  # trailing bytes: a big part, still a valid PNG
    t.add_picture(big)
    section = t.sections[0]
    if footer_text is not None:
        p = section.footer.paragraphs[0]
        p.text = footer_text
        if footer_page:
            fld = parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>')
            p._p.append(fld)
    if header_text is not None:
        section.header.paragraphs[0].text = header_text
    settings = t.settings.element
    rid = t.part._settings_part.relate_to("file://server/share/corp.dotm", ATTACHED_TEMPLATE, is_external=True)
    att = OxmlElement("w:attachedTemplate")
    att.set(qn("r:id"), rid)
    settings.append(att)
    for tag in ("w:trackRevisions", "w:documentProtection"):
        el = OxmlElement(tag)
        if tag == "w:documentProtection":
            el.set(qn("w:edit"), "readOnly")
            el.set(qn("w:enforcement"), "1")
        settings.append(el)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "en-US")
    rpr.append(lang)
    path = tmp_path / "house.docx"
    t.save(path)
    return path


def render_with(template: Path, doc: Document | None = None):
    data = render_docx(doc or sample_doc(), {}, template=template)
    return open_docx(io.BytesIO(data)), data


# --------------------------------------------------------------------------- corporate template


def test_house_template_gives_its_fonts_everywhere_and_keeps_page_numbers(tmp_path):
    path = house_template(tmp_path)
    word, data = render_with(path)
    house = open_docx(str(path))
    house_names = {st.name for st in house.styles}
    body = word.element.body
    # Page numbers and the running header are added when the template has none.
    section = word.sections[0]
    assert any(f.startswith("PAGE") for f in page_fields(section.footer))
    assert any(f.startswith("NUMPAGES") for f in page_fields(section.footer))
    assert any(f.startswith("PAGE") for f in page_fields(section.first_page_footer))  # the cover too
    assert "Monthly incident report" in section.header.paragraphs[0].text
    # The template's Header/Footer styles carry Letter-size centre and right tabs: cleared, so
    # "Page X of Y" sits at the right edge of the text column.
    width = section.page_width - section.left_margin - section.right_margin
    for part in (section.header, section.footer):
        p = next(p for p in part.paragraphs if p.text.strip())
        tabs = {}
        for el in reversed(style_chain(word, p.style.style_id)):
            for tab in el.iter(qn("w:tab")):
                tabs[int(tab.get(qn("w:pos")))] = tab.get(qn("w:val"))
        for tab in p._p.iter(qn("w:tab")):
            if tab.getparent().tag == qn("w:tabs"):
                tabs[int(tab.get(qn("w:pos")))] = tab.get(qn("w:val"))
        live = {pos: val for pos, val in tabs.items() if val != "clear"}
        assert list(live.values()) == ["right"] and abs(list(live)[0] - width // 635) <= 20, live
    # No run sets a font of its own; every paragraph (tables, notes, key figures, captions,
    # callouts) shows the template's typefaces: Garamond headings, Georgia for the rest.
    assert not body.xpath(".//w:r/w:rPr/w:rFonts")
    seen = {}
    for p in body.iter(qn("w:p")):
        for r in p.iter(qn("w:r")):
            if r.find(qn("w:t")) is None:
                continue
            ppr = p.find(qn("w:pPr"))
            sid = ppr.find(qn("w:pStyle")).get(qn("w:val")) if ppr is not None and ppr.find(qn("w:pStyle")) is not None else "Normal"
            seen[sid] = effective_font(word, p, r)
    names = {}
    for sid, font in seen.items():
        name = next(st.name for st in word.styles if st.style_id == sid)
        names[name] = font
        if name in house_names:  # the template's own style, as the template shows it
            expected = effective_font(house, house.add_paragraph(style=name)._p)
        else:  # a style ccreport adds takes the template's body typeface
            expected = "Georgia"
        assert font == expected, (name, font, expected)
    assert names["Heading 1"] == names["Heading 2"] == "Garamond"
    assert {"Table Text", "Table Heading", "Table Note", "Key Figure Value", "Key Figure Label", "Callout",
            "Table Caption", "Heading 1", "Heading 2", "Cover Meta"} <= set(names)
    # The template's own style definitions win over the reference's.
    assert word.styles["Heading 1"].font.color.rgb == RGBColor(0x12, 0x34, 0x56)
    assert "Arial" not in data.decode("latin-1")


def test_nothing_of_the_template_body_or_its_links_is_carried_over(tmp_path):
    word, data = render_with(house_template(tmp_path))
    text = "\n".join(p.text for p in word.paragraphs)
    assert "Template body" not in text and "Secret template" not in text
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        media = [n for n in names if n.startswith("word/media/")]
        assert media == []  # the body's picture went with the body
        assert not any("thumbnail" in n for n in names)
        rels = "".join(z.read(n).decode("utf-8") for n in names if n.endswith(".rels"))
    assert "server/share" not in rels and 'TargetMode="External"' not in rels
    settings = word.settings.element
    for tag in ("w:attachedTemplate", "w:trackRevisions", "w:documentProtection"):
        assert settings.find(qn(tag)) is None, tag


def test_template_footer_text_is_kept_and_page_numbers_added(tmp_path):
    word, _ = render_with(house_template(tmp_path, footer_text="Confidential", header_text="ACME plc"))
    footer = word.sections[0].footer
    assert "Confidential" in "\n".join(p.text for p in footer.paragraphs)
    assert any(f.startswith("PAGE") for f in page_fields(footer))
    header = "\n".join(p.text for p in word.sections[0].header.paragraphs)
    assert header.strip() == "ACME plc"  # a header with text is the template's own


def test_template_page_numbers_are_not_doubled(tmp_path):
    word, _ = render_with(house_template(tmp_path, footer_text="Page ", footer_page=True))
    footer = word.sections[0].footer
    assert [f for f in page_fields(footer) if re.match(r"PAGE\b", f)] == ["PAGE"]


def test_lists_in_a_template_without_list_styles_still_number(tmp_path):
    t = open_docx()
    styles = t.styles.element
    for el in styles.findall(qn("w:style")):
        name = el.find(qn("w:name")).get(qn("w:val"))
        if name in ("List Bullet", "List Number"):
            styles.remove(el)
    path = tmp_path / "bare.docx"
    t.save(path)
    word, _ = render_with(path)
    bullets = [p for p in word.paragraphs if p.style.name == "List Bullet"]
    assert [p.text for p in bullets] == ["first point", "second point"]
    num_id = word.styles["List Bullet"].element.find(f"{W}pPr/{W}numPr/{W}numId").get(qn("w:val"))
    numbering = word.part.numbering_part.element
    num = numbering.num_having_numId(int(num_id))
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = numbering.xpath(f'w:abstractNum[@w:abstractNumId="{abstract_id}"]')[0]
    lvl0 = next(lvl for lvl in abstract.findall(qn("w:lvl")) if lvl.get(qn("w:ilvl")) == "0")
    assert lvl0.find(qn("w:numFmt")).get(qn("w:val")) == "bullet"


def test_headings_keep_with_next_even_when_the_template_says_not(tmp_path):
    word, _ = render_with(house_template(tmp_path))
    heads = [p for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert heads and all(p.paragraph_format.keep_with_next for p in heads)


def test_oversized_kept_part_is_refused(tmp_path):
    from ccreport.errors import RenderError
    from ccreport.render import docx as docx_mod

    t = open_docx()
    t.sections[0].header.paragraphs[0].add_run().add_picture(io.BytesIO(PNG + b"\x00" * 50_000))
    path = tmp_path / "logo.docx"
    t.save(path)
    saved = docx_mod.MAX_TEMPLATE_PART
    docx_mod.MAX_TEMPLATE_PART = 20_000
    try:
        with pytest.raises(RenderError, match="logo.docx.*over"):
            render_docx(sample_doc(), {}, template=path)
    finally:
        docx_mod.MAX_TEMPLATE_PART = saved


# --------------------------------------------------------------------------- language, typeface


def test_language_is_en_gb_everywhere_even_from_an_en_us_template(tmp_path):
    for template in (None, house_template(tmp_path)):
        data = render_docx(sample_doc(), {}, template=template)
        word = open_docx(io.BytesIO(data))
        defaults = word.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
        assert defaults.get(qn("w:val")) == "en-GB"
        assert "en-US" not in word.styles.element.xml
        assert word.settings.element.find(qn("w:themeFontLang")).get(qn("w:val")) == "en-GB"
        assert word.core_properties.language == "en-GB"


def test_reference_typeface_is_the_pdfs_with_a_fallback():
    css = (templates_path() / "print.css").read_text(encoding="utf-8")
    family = re.search(r"html\s*\{[^}]*font-family:\s*\"([^\"]+)\"", css).group(1)
    word = open_docx(io.BytesIO(render_docx(sample_doc(), {})))
    defaults = word.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(qn("w:ascii")) == family
    assert word.styles["Normal"].font.name == family
    body = word.element.body
    for p in body.iter(qn("w:p")):
        for r in p.iter(qn("w:r")):
            if r.find(qn("w:t")) is not None and r.find(f"{W}rPr/{W}rStyle") is None:
                assert effective_font(word, p, r) == family
    with zipfile.ZipFile(io.BytesIO(render_docx(sample_doc(), {}))) as z:
        table = z.read("word/fontTable.xml").decode("utf-8")
    entry = re.search(rf'<w:font w:name="{family}">(.*?)</w:font>', table, re.S).group(1)
    assert "altName" in entry and 'w:family w:val="swiss"' in entry


# --------------------------------------------------------------------------- status shading


def test_status_cells_are_tinted_and_keep_their_symbol():
    word = open_docx(io.BytesIO(render_docx(sample_doc(), {})))
    table = next(t for t in word.tables if t.style.name == "Report Table")
    fills = []
    for row in table.rows[1:]:
        cell = row.cells[1]
        shd = cell._tc.find(f"{W}tcPr/{W}shd")
        fills.append(shd.get(qn("w:fill")) if shd is not None else None)
    red, green, none = fills
    assert red and green and red != green and none is None
    assert table.rows[1].cells[0]._tc.find(f"{W}tcPr/{W}shd") is None
    assert Rag.RED.symbol in table.rows[1].cells[1].text and Rag.GREEN.symbol in table.rows[2].cells[1].text
    # Light tints: dark text stays readable on them.
    for fill in (red, green):
        r, g, b = (int(fill[i:i + 2], 16) for i in (0, 2, 4))
        assert min(r, g, b) > 0xC0


def test_strategy_priority_matrix_cells_are_shaded():
    from ccreport.config import Config
    from ccreport.documents.branding import Branding
    from ccreport.documents.strategy import StrategyOptions, build_strategy
    from ccreport.strategy.model import load_strategy

    example = Path(__file__).resolve().parents[1] / "ccreport" / "examples" / "strategy.yaml"
    doc = build_strategy(load_strategy(example), None, None, Branding.from_config(Config()), StrategyOptions())
    word = open_docx(io.BytesIO(render_docx(doc, {})))
    matrix = next(t for t in word.tables if len(t.columns) == 4 and t.rows[0].cells[0].text.startswith("Impact")
                  and t.rows[0].cells[1].text.startswith("Urgency"))
    for row in matrix.rows[1:]:
        for cell in row.cells[1:]:
            shd = cell._tc.find(f"{W}tcPr/{W}shd")
            assert shd is not None, cell.text
            assert any(sym in cell.text for sym in (Rag.RED.symbol, Rag.AMBER.symbol, Rag.GREEN.symbol))


# --------------------------------------------------------------------------- keep with next


def test_captions_keep_with_their_table_and_pictures_with_their_caption():
    doc = sample_doc()
    chart = Chart(kind="trend", title="Opened", categories=("a", "b"), series=(series("Opened", [1, 2]),))
    doc.blocks[1].children.append(Figure("f1", chart, "Opened per day", "Bars"))
    doc.number_sections()

    class Img:
        png = PNG
        svg = ""

    word = open_docx(io.BytesIO(render_docx(doc, {"f1": Img()})))

    def keeps(p):
        for el in style_chain(word, p.style.style_id):
            k = el.find(f"{W}pPr/{W}keepNext")
            if k is not None:
                return k.get(qn("w:val"), "true") not in ("0", "false")
        return bool(p.paragraph_format.keep_with_next)

    caps = [p for p in word.paragraphs if p.style.name == "Table Caption"]
    assert caps and all(keeps(p) for p in caps)
    pics = [p for p in word.paragraphs if p._p.xpath(".//w:drawing")]
    assert pics and all(keeps(p) for p in pics)
    after = word.paragraphs[[p._p for p in word.paragraphs].index(pics[0]._p) + 1]
    assert after.style.name == "Caption" and after.text.startswith("Figure 1")


# --------------------------------------------------------------------------- contents


def toc_entries(word):
    """(heading text, cached page) per contents paragraph."""
    out = []
    for p in word.paragraphs:
        if not p.style.name.lower().startswith("toc ") or p.style.name == "TOC Heading":
            continue
        link = p._p.find(qn("w:hyperlink"))
        texts = [t.text for t in link.iter(qn("w:t"))]
        out.append((texts[0], texts[1] if len(texts) > 1 else "", link.get(qn("w:anchor"))))
    return out


def test_contents_without_a_layout_lists_level_one_and_links_to_bookmarks():
    doc = sample_doc()
    word = open_docx(io.BytesIO(render_docx(doc, {})))
    entries = toc_entries(word)
    assert [e[0] for e in entries] == [s.heading for s in doc.sections(1)]
    assert all(page == "" for _, page, _ in entries)
    bookmarks = {b.get(qn("w:name")) for b in word.element.body.iter(qn("w:bookmarkStart"))}
    assert {a for _, _, a in entries} <= bookmarks
    assert {bookmark_name(s.anchor) for s in doc.sections()} <= bookmarks
    assert word.settings.element.find(qn("w:updateFields")) is not None


def test_contents_pages_are_the_pdfs(tmp_path):
    pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    from ccreport.render import pdf as pdf_mod
    from ccreport.render.output import write_document

    # Long enough sections that they start on different pages.
    filler = "\n\n".join(["Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 12] * 14)
    doc = sample_doc()
    doc.blocks[1].children.append(Paragraph(filler))
    doc.blocks[0].children.append(Paragraph(filler))
    layouts = []
    real = pdf_mod._layout

    def counting(*args, **kwargs):
        before = list(pdf_mod._LAST_LAYOUT)
        result = real(*args, **kwargs)
        if not before or before[2] is not result:
            layouts.append(result)
        return result

    pdf_mod._layout = counting
    try:
        paths = write_document(doc, ["docx", "pdf"], tmp_path, "m")
    finally:
        pdf_mod._layout = real
    assert len(layouts) == 1  # one layout for both formats
    word = open_docx(str(next(p for p in paths if p.suffix == ".docx")))
    entries = toc_entries(word)
    reader = pypdf.PdfReader(str(next(p for p in paths if p.suffix == ".pdf")))
    texts = [page.extract_text() for page in reader.pages]
    pages = []
    for heading, page, _ in entries:
        assert page.isdigit(), heading
        # The heading's own page in the PDF (after the cover and contents pages).
        found = next(i + 1 for i, t in enumerate(texts) if i > 0 and heading in t.splitlines())
        assert int(page) == found, heading
        pages.append(int(page))
    assert pages == sorted(pages) and len(set(pages)) > 2
    # The PDF's contents prints the same numbers.
    contents = next(t for t in texts if "Contents" in t.splitlines())
    for heading, page, _ in entries:
        assert re.search(re.escape(heading) + r"[ .]*" + page + r"\b", contents), heading
    # A DOCX written alone gets the same numbers.
    alone = write_document(doc, ["docx"], tmp_path / "alone", "m")
    assert toc_entries(open_docx(str(alone[0]))) == entries


def test_a_dotx_or_dotm_template_is_accepted_and_the_report_is_a_plain_docx(tmp_path):
    plain = tmp_path / "plain.docx"
    t = open_docx()
    t.styles["Heading 1"].font.color.rgb = RGBColor(0x65, 0x43, 0x21)
    t.save(plain)
    for suffix, kind in ((".dotx", "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"),
                         (".dotm", "application/vnd.ms-word.template.macroEnabledTemplate.main+xml")):
        path = tmp_path / f"corp{suffix}"
        with zipfile.ZipFile(plain) as z, zipfile.ZipFile(path, "w") as out:
            for item in z.infolist():
                data = z.read(item)
                if item.filename == "[Content_Types].xml":
                    data = data.replace(b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                                        kind.encode())
                out.writestr(item, data)
            out.writestr("word/vbaProject.bin", b"macro" * 100)
        data = render_docx(sample_doc(), {}, template=path)
        word = open_docx(io.BytesIO(data))
        assert word.styles["Heading 1"].font.color.rgb == RGBColor(0x65, 0x43, 0x21)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            types = z.read("[Content_Types].xml").decode()
            assert "document.main+xml" in types and "template" not in types.lower() and "macroEnabled" not in types
            assert not any("vba" in n.lower() for n in z.namelist())


def test_a_bad_template_stops_the_run_before_any_format_is_written(tmp_path):
    from ccreport.errors import RenderError
    from ccreport.render.output import write_document
    from ccreport.render.options import RenderOptions

    bad = tmp_path / "corp.docx"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    out = tmp_path / "out"
    with pytest.raises(RenderError, match="corp.docx"):
        write_document(sample_doc(), ["md", "html", "docx"], out, "m", RenderOptions(docx_template=bad))
    assert not out.exists() or not any(out.iterdir())


# --------------------------------------------------------------------------- printed pages


def _soffice():
    import shutil

    return shutil.which("soffice") or shutil.which("libreoffice")


def _heading_story(n: int = 40) -> Document:
    """Sections of varied length, so that some heading would fall at a page foot."""
    sentence = "The queue grew while the platform was down and callers were asked to wait. "
    blocks = []
    for i in range(n):
        length = 2 + (i * 7) % 11
        blocks.append(Section(f"Part {i}", [Paragraph(sentence * length),
                                            Section(f"Detail {i}", [Paragraph(sentence * (1 + i % 4))])]))
    return Document(kind="monthly", title="Keep test", organisation="O", author="O", date=dt.date(2026, 1, 2),
                    blocks=blocks, toc=False)  # no contents, whose entries repeat the headings


def headings_at_page_foot(docx_bytes: bytes, tmp_path: Path) -> tuple[list[str], int]:
    """Convert with LibreOffice and read the PDF back: headings that end a page."""
    import subprocess

    pypdf = pytest.importorskip("pypdf")
    src = tmp_path / "k.docx"
    src.write_bytes(docx_bytes)
    subprocess.run([_soffice(), "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(src)],
                   check=True, capture_output=True, timeout=240)
    reader = pypdf.PdfReader(str(tmp_path / "k.pdf"))
    word = open_docx(io.BytesIO(docx_bytes))
    heads = {p.text.strip() for p in word.paragraphs if p.style.name.startswith("Heading")}
    bad = []
    for page in reader.pages:
        lines = [ln.strip() for ln in page.extract_text().splitlines() if ln.strip()]
        lines = [ln for ln in lines if not re.search(r"Page \d+ of \d+", ln)]
        if lines and lines[-1] in heads:
            bad.append(lines[-1])
    return bad, len(reader.pages)


@pytest.mark.skipif(_soffice() is None, reason="LibreOffice is not installed")
def test_no_heading_ends_a_printed_page(tmp_path, monkeypatch):
    doc = _heading_story()
    bad, pages = headings_at_page_foot(render_docx(doc, {}), tmp_path)
    assert pages > 5 and bad == []
    # The same story with keep-with-next switched off does strand headings: the check can fail.
    from ccreport.render import docx as docx_mod

    plain = tmp_path / "plain"
    plain.mkdir()
    ref = plain / "ref.docx"
    t = open_docx(str(docx_mod.reference_docx()))
    for name in ("Heading 1", "Heading 2"):
        t.styles[name].paragraph_format.keep_with_next = False
    t.save(ref)
    monkeypatch.setattr(docx_mod, "reference_docx", lambda: ref)
    real_section = docx_mod._Writer.section

    def loose(self, s):
        real_section(self, s)
        for p in self.docx.paragraphs:
            if p.style.name.startswith("Heading"):
                p.paragraph_format.keep_with_next = False

    monkeypatch.setattr(docx_mod._Writer, "section", loose)
    stranded, _ = headings_at_page_foot(render_docx(doc, {}), plain)
    assert stranded


def test_a_link_to_a_section_is_an_internal_hyperlink_to_its_bookmark():
    doc = sample_doc()
    doc.blocks[1].children.append(Paragraph("See [the rules](#sec-a) and [the detail](#sec-1-1)."))
    doc.number_sections()
    word = open_docx(io.BytesIO(render_docx(doc, {})))
    bookmarks = {b.get(qn("w:name")) for b in word.element.body.iter(qn("w:bookmarkStart"))}
    links = [(h.get(qn("w:anchor")), "".join(t.text for t in h.iter(qn("w:t"))))
             for p in word.paragraphs if p.text.startswith("See ") for h in p._p.iter(qn("w:hyperlink"))]
    assert links == [(bookmark_name("sec-a"), "the rules"), (bookmark_name("sec-1-1"), "the detail")]
    assert {a for a, _ in links} <= bookmarks


def test_a_bare_template_without_page_setup_defaults_or_normal_style(tmp_path):
    t = open_docx()
    body = t.element.body
    for child in list(body):
        body.remove(child)
    styles = t.styles.element
    styles.remove(styles.find(qn("w:docDefaults")))
    for el in styles.findall(qn("w:style")):
        if el.get(qn("w:styleId")) in ("Normal", "Caption", "Title"):
            styles.remove(el)
    path = tmp_path / "bare.docx"
    t.save(path)
    word, _ = render_with(path)
    section = word.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.01  # the reference's A4
    assert any(f.startswith("PAGE") for f in page_fields(section.footer))
    assert [p.text for p in word.paragraphs if p.style.name == "Title"] == ["Monthly incident report"]
    assert word.styles.element.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang").get(qn("w:val")) == "en-GB"


def test_template_header_fields_that_fetch_or_run_are_defused(tmp_path):
    t = open_docx()
    header = t.sections[0].header.paragraphs[0]
    header.text = "ACME plc "
    header._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr=\' INCLUDEPICTURE "http://evil.example/x.png" \\d \'>'
        '<w:r><w:t>logo</w:t></w:r></w:fldSimple>'))
    # A complex field whose code is split over runs, as Word writes long codes.
    for xml in ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>',
                '<w:r><w:instrText xml:space="preserve"> DDE</w:instrText></w:r>',
                '<w:r><w:instrText xml:space="preserve">AUTO cmd "/c calc" </w:instrText></w:r>',
                '<w:r><w:fldChar w:fldCharType="separate"/></w:r>', '<w:r><w:t>x</w:t></w:r>',
                '<w:r><w:fldChar w:fldCharType="end"/></w:r>'):
        header._p.append(parse_xml(xml.replace("<w:r>", f'<w:r {nsdecls("w")}>', 1)))
    path = tmp_path / "fields.docx"
    t.save(path)
    word, data = render_with(path)
    xml = word.sections[0].header._element.xml
    assert "ACME plc" in "".join(p.text for p in word.sections[0].header.paragraphs)
    assert "evil.example" not in xml and "INCLUDEPICTURE" not in xml
    assert "DDE" not in xml and "calc" not in xml
    assert any(f.startswith("PAGE") for f in page_fields(word.sections[0].footer))
