"""Build templates/word/reference.docx: the Word styles the DOCX renderer uses.

Run it after changing a style (the .docx is committed, so users need not run it):

    .venv/bin/python templates/word/make_reference.py

Like pandoc's reference.docx, the file's content is ignored; only its styles, page setup,
and theme matter. python-docx silently ignores a style missing from the starting document,
so every style name the renderer uses is defined here (see STYLES_USED; the DOCX tests
check the list against the file). A user's --docx-template wins for every style it defines;
the renderer copies any style it lacks from this file.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
OUT = HERE / "reference.docx"

#: The PDF's typeface (templates/print.css), so that both formats look alike. DejaVu Sans ships
#: with LibreOffice and most Linux systems; on Windows and macOS without it, Word substitutes
#: from the font table below (altName Verdana, which shares its wide, open design, then the
#: "swiss" family and the PANOSE class of a humanist sans).
FONT = "DejaVu Sans"
MONO = "DejaVu Sans Mono"
#: (name, substitute Word uses when the font is not installed, family, PANOSE-1, pitch)
FONT_TABLE = (
    (FONT, "Verdana", "swiss", "020B0603030804020204", "variable"),
    (MONO, "Consolas", "modern", "020B0609030804020204", "fixed"),
)
LANG = "en-GB"
INK = RGBColor(0x1D, 0x23, 0x29)
MUTED = RGBColor(0x5F, 0x66, 0x70)
BRAND = RGBColor(0x1F, 0x4E, 0x79)

#: Every style the renderer asks for by name.
STYLES_USED = (
    "Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption",
    "List Bullet", "List Number", "TOC Heading", "Header", "Footer",
    "Cover Meta", "Table Text", "Table Heading", "Table Note", "Key Figure Label",
    "Key Figure Value", "Key Figure Change", "Callout", "Callout Title",
    "Hyperlink", "Verbatim Char", "Report Table", "Key Figures Table",
    "Table Caption", "Caption Label", "Figure", "Table More", "Key Figure Words",
    "Status Green", "Status Amber", "Status Red", "TOC 1", "TOC 2", "TOC 3",
)


def _drop_theme_fonts(style) -> None:
    rpr = style.element.find(qn("w:rPr"))
    if rpr is None:
        return
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is not None:
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)


def _para(styles, name, *, base="Normal", size=None, bold=None, italic=None, colour=None,
          before=None, after=None, keep_next=None, font=None, line=None, align=None):
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
        style.quick_style = True
    f = style.font
    _drop_theme_fonts(style)
    if font or name == "Normal":
        f.name = font or FONT
    else:  # every other style inherits the typeface from Normal (and the document defaults)
        rpr = style.element.find(qn("w:rPr"))
        if rpr is not None:
            for fonts in rpr.findall(qn("w:rFonts")):
                rpr.remove(fonts)
    if size is not None:
        f.size = Pt(size)
    if bold is not None:
        f.bold = bold
    if italic is not None:
        f.italic = italic
    if colour is not None:
        f.color.rgb = colour
    pf = style.paragraph_format
    if before is not None:
        pf.space_before = Pt(before)
    if after is not None:
        pf.space_after = Pt(after)
    if keep_next is not None:
        pf.keep_with_next = keep_next
    if line is not None:
        pf.line_spacing = line
    if align is not None:
        pf.alignment = align
    return style


def _char(styles, name, *, font=None, colour=None, underline=None, size=None, bold=None):
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        style.quick_style = True
    if bold is not None:
        style.font.bold = bold
    if font:
        style.font.name = font
    if colour is not None:
        style.font.color.rgb = colour
    if underline is not None:
        style.font.underline = underline
    if size is not None:
        style.font.size = Pt(size)
    return style


def _set_lang(rpr, lang: str) -> None:
    """w:lang in its schema place (after w:sz/w:u..., before w:eastAsianLayout)."""
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    el = parse_xml(f'<w:lang {nsdecls("w")} w:val="{lang}" w:eastAsia="{lang}" w:bidi="ar-SA"/>')
    later = [rpr.find(qn(t)) for t in ("w:eastAsianLayout", "w:specVanish", "w:oMath")]
    later = [e for e in later if e is not None]
    if later:
        later[0].addprevious(el)
    else:
        rpr.append(el)


def _font_table(doc) -> None:
    """Replace the default template's font table by the fonts the styles name, each with the
    substitute Word should use where it is not installed."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    part = doc.part.part_related_by(RT.FONT_TABLE)
    fonts = "".join(
        f'<w:font w:name="{name}"><w:altName w:val="{alt}"/><w:panose1 w:val="{panose}"/>'
        f'<w:charset w:val="00"/><w:family w:val="{family}"/><w:pitch w:val="{pitch}"/></w:font>'
        for name, alt, family, panose, pitch in FONT_TABLE
    )
    part._blob = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f'<w:fonts {nsdecls("w")}>{fonts}</w:fonts>'
    ).encode("utf-8")


RULE = "D5D8DC"
DARK = "1D2329"

REPORT_TABLE = f"""
<w:style {nsdecls('w')} w:type="table" w:customStyle="1" w:styleId="ReportTable">
  <w:name w:val="Report Table"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:qFormat/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:rPr><w:sz w:val="17"/><w:szCs w:val="17"/></w:rPr>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="nil"/>
      <w:left w:val="nil"/>
      <w:bottom w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
      <w:right w:val="nil"/>
      <w:insideH w:val="single" w:sz="4" w:space="0" w:color="{RULE}"/>
      <w:insideV w:val="nil"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="45" w:type="dxa"/>
      <w:left w:w="0" w:type="dxa"/>
      <w:bottom w:w="45" w:type="dxa"/>
      <w:right w:w="113" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tblStylePr w:type="firstRow">
    <w:pPr><w:keepNext/></w:pPr>
    <w:rPr><w:b/><w:bCs/><w:color w:val="5F6670"/><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr>
    <w:tblPr/>
    <w:tcPr>
      <w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" w:color="{DARK}"/></w:tcBorders>
      <w:vAlign w:val="bottom"/>
    </w:tcPr>
  </w:tblStylePr>
  <w:tblStylePr w:type="lastRow">
    <w:rPr><w:b/><w:bCs/></w:rPr>
    <w:tblPr/>
    <w:tcPr>
      <w:tcBorders>
        <w:top w:val="single" w:sz="8" w:space="0" w:color="{DARK}"/>
        <w:bottom w:val="nil"/>
      </w:tcBorders>
    </w:tcPr>
  </w:tblStylePr>
</w:style>
"""

KEY_FIGURES_TABLE = f"""
<w:style {nsdecls('w')} w:type="table" w:customStyle="1" w:styleId="KeyFiguresTable">
  <w:name w:val="Key Figures Table"/>
  <w:basedOn w:val="TableNormal"/>
  <w:uiPriority w:val="59"/>
  <w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr>
  <w:tblPr>
    <w:tblBorders>
      <w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="nil"/><w:right w:val="nil"/>
      <w:insideH w:val="nil"/>
      <w:insideV w:val="single" w:sz="36" w:space="0" w:color="FFFFFF"/>
    </w:tblBorders>
    <w:tblCellMar>
      <w:top w:w="100" w:type="dxa"/><w:left w:w="140" w:type="dxa"/>
      <w:bottom w:w="100" w:type="dxa"/><w:right w:w="140" w:type="dxa"/>
    </w:tblCellMar>
  </w:tblPr>
  <w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="F3F4F6"/></w:tcPr>
</w:style>
"""


def build(path: Path = OUT) -> Path:
    doc = Document()
    styles = doc.styles

    # Document defaults: the body font everywhere, including table cells and lists.
    rpr_default = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = rpr_default.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attr), FONT)
    _set_lang(rpr_default, LANG)
    for style in styles:  # no theme typefaces (Calibri, Cambria) in the styles we do not set
        _drop_theme_fonts(style)
        rpr = style.element.find(qn("w:rPr"))
        fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
        if fonts is not None and not fonts.attrib:
            rpr.remove(fonts)
    for style in styles:  # the default template's styles say en-US here and there
        rpr = style.element.find(qn("w:rPr"))
        if rpr is not None and rpr.find(qn("w:lang")) is not None:
            _set_lang(rpr, LANG)
    settings = doc.settings.element
    for old in settings.findall(qn("w:themeFontLang")):
        settings.remove(old)
    theme_lang = parse_xml(f'<w:themeFontLang {nsdecls("w")} w:val="{LANG}"/>')
    anchor = next((settings.find(qn(t)) for t in ("w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
                   "w:shapeDefaults", "w:decimalSymbol") if settings.find(qn(t)) is not None), None)
    if anchor is not None:
        anchor.addprevious(theme_lang)
    else:
        settings.append(theme_lang)
    _font_table(doc)

    _para(styles, "Normal", size=9.5, colour=INK, after=5, line=1.15)
    _para(styles, "Title", size=28, bold=True, colour=BRAND, before=120, after=4)
    title = styles["Title"]
    ppr = title.element.get_or_add_pPr()
    for border in ppr.findall(qn("w:pBdr")):  # the default template draws a rule under Title
        ppr.remove(border)
    _para(styles, "Subtitle", size=16, italic=False, colour=INK, after=12)
    _para(styles, "Heading 1", size=15, bold=True, colour=BRAND, before=18, after=6, keep_next=True)
    _para(styles, "Heading 2", size=11.5, bold=True, colour=INK, before=12, after=4, keep_next=True)
    _para(styles, "Heading 3", size=10, bold=True, colour=INK, before=10, after=3, keep_next=True)
    _para(styles, "Caption", size=8, bold=False, colour=MUTED, before=2, after=10)
    # A table's caption sits above it and keeps with it; a figure's sits below its picture,
    # whose paragraph ("Figure") keeps with the caption.
    _para(styles, "Table Caption", base="Caption", size=8, colour=MUTED, before=8, after=4, keep_next=True)
    _para(styles, "Figure", size=9.5, after=2, keep_next=True)
    for level in (1, 2, 3):
        _para(styles, f"TOC {level}", size=9.5, colour=INK, before=3 if level == 1 else 0, after=3,
              line=1.0)
        styles[f"TOC {level}"].paragraph_format.left_indent = Cm(0.6 * (level - 1))
        # Word's own name for its built-in contents styles, so a TOC update uses these.
        styles[f"TOC {level}"].element.find(qn("w:name")).set(qn("w:val"), f"toc {level}")
    _para(styles, "List Bullet", size=9.5, after=2)
    _para(styles, "List Number", size=9.5, after=2)
    _para(styles, "TOC Heading", base="Heading 1", size=11, bold=True, colour=INK, before=24, after=6)
    for name in ("Header", "Footer"):
        style = _para(styles, name, size=7.5, colour=MUTED, after=0)
        ppr = style.element.get_or_add_pPr()
        for tabs in ppr.findall(qn("w:tabs")):  # Letter-page centre/right tabs from the default
            ppr.remove(tabs)
        style.paragraph_format.tab_stops.add_tab_stop(Cm(17.0), WD_TAB_ALIGNMENT.RIGHT)
    _para(styles, "Cover Meta", size=10, colour=MUTED, after=2)
    _para(styles, "Table Text", size=8.5, after=0, line=1.0)
    _para(styles, "Table Heading", size=8, bold=True, colour=MUTED, after=0, line=1.0, keep_next=True)
    _para(styles, "Table Note", size=7.5, colour=MUTED, before=2, after=2, line=1.0)
    _para(styles, "Key Figure Label", size=8, colour=MUTED, after=0, line=1.0)
    _para(styles, "Key Figure Value", size=17, bold=True, colour=INK, after=0, line=1.0)
    # A value in words ("not in this export") rather than a figure: smaller.
    _para(styles, "Key Figure Words", base="Key Figure Value", size=11, bold=True, colour=INK, after=0, line=1.0)
    _para(styles, "Table More", base="Table Text", size=8.5, italic=True, colour=MUTED, after=0, line=1.0)
    _para(styles, "Key Figure Change", size=8, colour=INK, after=0, line=1.0)
    callout = _para(styles, "Callout", size=9.5, before=4, after=4)
    _para(styles, "Callout Title", base="Callout", size=9.5, bold=True, after=0, keep_next=True)
    ppr = callout.element.get_or_add_pPr()
    ppr.append(parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:left w:val="single" w:sz="18" w:space="8" w:color="1F4E79"/></w:pBdr>'
    ))
    ppr.append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="F3F4F6"/>'))
    callout.paragraph_format.left_indent = Cm(0.3)
    _char(styles, "Hyperlink", colour=BRAND, underline=True)
    _char(styles, "Verbatim Char", font=MONO, size=9)
    _char(styles, "Caption Label", bold=True)
    for name, colour in (("Status Green", "1E7B34"), ("Status Amber", "9A5B00"), ("Status Red", "B3261E")):
        _char(styles, name, colour=RGBColor.from_string(colour), bold=True)

    for xml in (REPORT_TABLE, KEY_FIGURES_TABLE):
        el = parse_xml(xml)
        name = el.find(qn("w:name")).get(qn("w:val"))
        for existing in list(styles.element.findall(qn("w:style"))):
            n = existing.find(qn("w:name"))
            if n is not None and n.get(qn("w:val")) == name:
                styles.element.remove(existing)
        styles.element.append(el)

    # Page setup: A4, 2 cm side margins (a 17 cm text column), room for header and footer.
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.2), Cm(2.0)
    section.header_distance = section.footer_distance = Cm(1.0)

    # The content is ignored by the renderer; say so for anyone who opens the file.
    doc.add_paragraph("ccreport reference document", style="Title")
    doc.add_paragraph(
        "Only the styles in this file are used. Edit them in Word and pass the file as "
        "--docx-template (or docx_template in ccreport.yaml) to impose a house style.",
        style="Normal",
    ).alignment = WD_ALIGN_PARAGRAPH.LEFT
    for name in STYLES_USED:
        name = name.lower() if name[:4] == "TOC " and name[4:].isdigit() else name
        kind = styles[name].type
        if kind == WD_STYLE_TYPE.PARAGRAPH:
            doc.add_paragraph(f"{name} style", style=name)

    # No thumbnail of python-docx's own default document, no app.xml statistics of it.
    package = doc.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith(("/thumbnail", "/extended-properties")):
            del package.rels[rid]

    cp = doc.core_properties
    cp.language = LANG
    cp.title = "ccreport reference document"
    cp.author = "ccreport"
    cp.last_modified_by = "ccreport"
    cp.comments = "Styles for the ccreport DOCX renderer"
    cp.created = cp.modified = dt.datetime(2026, 1, 1)
    cp.revision = 1
    doc.save(path)
    return path


if __name__ == "__main__":
    out = build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT)
    print(f"Wrote {out}")
