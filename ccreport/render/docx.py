"""DOCX renderer: a Document -> Word bytes with python-docx, styled by a reference document.

Like pandoc's `--reference-doc`, the styles come from `templates/word/reference.docx` or from
the user's `docx_template`; this module only picks styles by name ("Heading 1", "Caption",
"Report Table", ...). A style the user's template lacks is copied from the built-in reference
so that nothing is silently dropped. Built-in heading styles make the navigation pane and the
TOC field work; header rows repeat (`w:tblHeader`); charts are PNGs with alt text; the
footer carries PAGE / NUMPAGES fields. Every string passes through `xml_safe()` once, in `_t`.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from docx import Document as open_docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Emu, Pt, RGBColor
from docx.text.run import Run

from .. import __version__
from ..document import (
    Callout,
    Document,
    Figure,
    KeyFigures,
    PageBreak,
    Paragraph,
    Rag,
    Section,
    Span,
    Table,
    TextPart,
    xml_safe,
)
from ..errors import RenderError
from .blocks import BlockWriter
from .files import atomic_write_bytes
from .templates import templates_path

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

    from .charts import ChartImage
    from .options import RenderOptions

#: Tables with at most this many rows are kept on one page (longer ones repeat their header).
KEEP_TOGETHER_ROWS = 8
RAG_RGB = {Rag.GREEN: RGBColor(0x1E, 0x7B, 0x34), Rag.AMBER: RGBColor(0x9A, 0x5B, 0x00), Rag.RED: RGBColor(0xB3, 0x26, 0x1E)}
RAG_HEX = {Rag.GREEN: "1E7B34", Rag.AMBER: "9A5B00", Rag.RED: "B3261E", None: "D5D8DC"}
ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT, "center": WD_ALIGN_PARAGRAPH.CENTER}


def _t(text: object) -> str:
    """The one xml_safe pass: every string written to the document goes through here."""
    return xml_safe("" if text is None else str(text))


def reference_docx() -> Path:
    return templates_path() / "word" / "reference.docx"


# --------------------------------------------------------------------------- template


#: A --docx-template larger than this unpacked, or with more parts, is refused (zip-bomb guard,
#: from the sizes the archive declares, before python-docx inflates anything; Python's zipfile
#: stops inflating a member at its declared size, so a lying member cannot get past it).
MAX_TEMPLATE_UNCOMPRESSED = 64 * 1024 * 1024
MAX_TEMPLATE_PARTS = 1000


def _open(template: Path | None) -> "DocxDocument":
    ref = reference_docx()
    if template is not None:
        _check_template_archive(template)
    try:
        docx = open_docx(str(template or ref))
    except Exception as err:  # python-docx raises assorted errors on a bad file
        raise RenderError(f"{template or ref}: not a Word .docx file ({type(err).__name__}: {err})") from None
    if template is not None:
        _drop_external_parts(docx)
        _import_missing_styles(docx, open_docx(str(ref)))
    body = docx.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep page setup; drop the template's content
            body.remove(child)
    return docx


def _check_template_archive(template: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(template) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as err:
        raise RenderError(f"{template}: not a Word .docx file ({type(err).__name__}: {err})") from None
    if len(members) > MAX_TEMPLATE_PARTS:
        raise RenderError(f"{template}: the Word template holds {len(members):,} parts, over the "
                          f"{MAX_TEMPLATE_PARTS:,} limit.")
    total = sum(m.file_size for m in members)
    if total > MAX_TEMPLATE_UNCOMPRESSED:
        raise RenderError(f"{template}: the Word template unpacks to {total // (1 << 20)} MB, over the "
                          f"{MAX_TEMPLATE_UNCOMPRESSED // (1 << 20)} MB limit.")


def _drop_external_parts(docx: "DocxDocument") -> None:
    """Remove a user template's external relationships other than hyperlinks: an
    `attachedTemplate`, a linked image or frame would make Word fetch a URL (or a UNC path,
    leaking the reader's credentials) whenever the report is opened. The elements pointing
    at them lose the reference."""
    package = docx.part.package
    owners = [package, *package.iter_parts()]
    for owner in owners:
        rels = owner.rels
        dropped = {rid for rid, rel in rels.items() if rel.is_external and not rel.reltype.endswith("/hyperlink")}
        if not dropped:
            continue
        for rid in dropped:
            del rels[rid]
        element = getattr(owner, "element", None) if owner is not package else None
        if element is None:
            continue
        for el in list(element.iter()):
            for attr, value in list(el.attrib.items()):
                if value in dropped and attr.startswith("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"):
                    if el.tag == qn("w:attachedTemplate") and el.getparent() is not None:
                        el.getparent().remove(el)
                        break
                    del el.attrib[attr]


def _import_missing_styles(target: "DocxDocument", ref: "DocxDocument") -> None:
    have = {s.name for s in target.styles}
    for style in ref.styles:
        if style.name not in have:
            target.styles.element.append(copy.deepcopy(style.element))
    # List Bullet/Number copied from the reference point at numbering the target may lack;
    # Word then shows them as plain paragraphs, which is acceptable for a user template.


def _style(docx: "DocxDocument", name: str):
    try:
        return docx.styles[name]
    except KeyError:
        raise RenderError(f"the Word template has no style {name!r}") from None


# --------------------------------------------------------------------------- fields


def _field(paragraph, instr: str, placeholder: str = "1") -> None:
    """Append a complex field (PAGE, NUMPAGES, TOC ...) with a placeholder result."""
    def run_with(el):
        r = OxmlElement("w:r")
        r.append(el)
        paragraph._p.append(r)
        return r

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run_with(begin)
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    run_with(it)
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run(_t(placeholder))
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def bookmark_name(anchor: str) -> str:
    """A section anchor as a Word bookmark name: "sec-3-1" -> "_Ref_sec_3_1" (hidden, as Word's own
    cross-reference bookmarks are; letters, digits and underscores only, at most 40 characters)."""
    return ("_Ref_" + re.sub(r"[^A-Za-z0-9_]", "_", anchor))[:40]


def _bookmark(paragraph, anchor: str, number: int) -> None:
    """Wrap a paragraph's content in bookmark `number`, named after the section anchor."""
    p = paragraph._p
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(number))
    start.set(qn("w:name"), bookmark_name(anchor))
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(number))
    ppr = p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def _xref_runs(paragraph, parts: list[tuple[str, str | None]]):
    """Cross-reference parts in a table cell: each an internal link to the section's bookmark,
    followed by its page number as a PAGEREF field (Word fills it in when fields are updated).
    Returns the last run (the caller may make it bold)."""
    run = None
    for k, (text, anchor) in enumerate(parts):
        if k:
            paragraph.add_run("; ")
        if anchor is None:
            run = paragraph.add_run(_t(text))
            continue
        name = bookmark_name(anchor)
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), name)
        run = paragraph.add_run(_t(text))
        link.append(run._r)
        paragraph._p.append(link)
        paragraph.add_run(", page\u00a0")
        _field(paragraph, f"PAGEREF {name} \\h", placeholder="\u2013")
    return run


#: The grey of standard text (the CSS --muted).
MUTED = RGBColor(0x5F, 0x66, 0x70)


def _generated(writer: "_Writer", b: Paragraph) -> None:
    """Standard text the tool wrote: a small label, then the text in grey, apart from the author's words."""
    label = writer.par("Normal")
    label.paragraph_format.keep_with_next = True
    label.paragraph_format.space_after = Pt(0)
    r = label.add_run(_t(b.label.upper()))
    r.font.size = Pt(7)
    r.font.color.rgb = MUTED
    body = writer.docx.element.body
    before = len(body)
    writer.parts(b.parts())
    added = len(body) - before
    paragraphs = [e for e in body if e.tag == qn("w:p")][-added:] if added else []
    for p in paragraphs:
        for run in p.iter(qn("w:r")):
            Run(run, None).font.color.rgb = MUTED


def _update_fields_on_open(docx: "DocxDocument") -> None:
    settings = docx.settings.element
    if settings.find(qn("w:updateFields")) is None:
        el = OxmlElement("w:updateFields")
        el.set(qn("w:val"), "true")
        settings.append(el)


# --------------------------------------------------------------------------- writer


class _Writer(BlockWriter):
    format_name = "DOCX"

    def __init__(self, docx: "DocxDocument", doc: Document, assets: Mapping[str, "ChartImage"]):
        self.docx = docx
        self.doc = doc
        self.assets = assets
        self.body_width = self._text_width()
        self._ids: dict[str, str] = {}

    # ---- styles: looked up by name once, then set by id (python-docx's name lookup scans
    # every style on each call, which dominated the render time)

    def sid(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = _style(self.docx, name).style_id
        return self._ids[name]

    def par(self, style: str, text: str | None = None, container=None):
        p = (container if container is not None else self.docx).add_paragraph()
        self.restyle(p, style)
        if text:
            p.add_run(_t(text))
        return p

    def restyle(self, paragraph, style: str) -> None:
        paragraph._p.get_or_add_pPr().style = self.sid(style)

    def run_style(self, run, style: str) -> None:
        run._r.get_or_add_rPr().style = self.sid(style)

    def table_style(self, table, style: str) -> None:
        table._tbl.tblPr.style = self.sid(style)

    def _text_width(self):
        s = self.docx.sections[-1]
        try:
            return s.page_width - s.left_margin - s.right_margin
        except TypeError:
            return Cm(17)

    # ---- inline text

    def spans(self, paragraph, spans: Iterable[Span]) -> None:
        for s in spans:
            if s.href and s.href.lower().startswith(("http://", "https://", "mailto:")):
                self._hyperlink(paragraph, s)
                continue
            run = paragraph.add_run(_t(s.text))
            run.bold = s.bold or None
            run.italic = s.italic or None
            if s.code:
                self.run_style(run, "Verbatim Char")

    def _hyperlink(self, paragraph, s: Span) -> None:
        r_id = paragraph.part.relate_to(s.href, RT.HYPERLINK, is_external=True)
        link = OxmlElement("w:hyperlink")
        link.set(qn("r:id"), r_id)
        run = paragraph.add_run(_t(s.text))
        self.run_style(run, "Hyperlink")
        run.bold = s.bold or None
        run.italic = s.italic or None
        link.append(run._r)  # move the run inside the hyperlink element
        paragraph._p.append(link)

    def parts(self, parts: Iterable[TextPart], style: str = "Normal") -> None:
        for part in parts:
            if part.kind == "p":
                self.spans(self.par(style), part.items[0])
            else:
                list_style = "List Bullet" if part.kind == "ul" else "List Number"
                for item in part.items:
                    self.spans(self.par(list_style), item)

    # ---- blocks (plain dispatch on the block type)

    def section(self, s: Section) -> None:
        level = min(s.level, 3)
        p = self.par(f"Heading {level}", s.heading)
        if s.anchor:
            self.bookmarks = getattr(self, "bookmarks", 0) + 1
            _bookmark(p, s.anchor, self.bookmarks)
        if s.appendix and s.level == 1:
            p.paragraph_format.page_break_before = True
        for child in s.children:
            self.block(child)

    def paragraph(self, b: Paragraph) -> None:
        if b.generated:
            _generated(self, b)
            return
        self.parts(b.parts())

    def callout(self, b: Callout) -> None:
        self.par("Callout Title", b.default_title)
        self.parts(b.parts(), style="Callout")

    def page_break(self, _b: PageBreak) -> None:
        self.docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def figure(self, b: Figure) -> None:
        image = self.assets.get(b.id)
        if image is not None and image.png:
            p = self.par("Normal")
            p.paragraph_format.keep_with_next = True
            p.paragraph_format.space_after = Pt(2)
            shape = p.add_run().add_picture(io.BytesIO(image.png), width=min(self.body_width, Cm(17)))
            doc_pr = shape._inline.docPr
            doc_pr.set("descr", _t(b.alt))
            doc_pr.set("title", _t(b.chart.title))
            doc_pr.set("name", _t(f"Figure {b.number}"))
        cap = self.par("Caption")
        cap.paragraph_format.space_before = Pt(2)
        cap.paragraph_format.space_after = Pt(10)
        cap.add_run(_t(f"Figure {b.number}. ")).bold = True
        cap.add_run(_t(b.caption))

    def key_figures(self, b: KeyFigures) -> None:
        per_row = 3
        figs = b.figures
        rows = (len(figs) + per_row - 1) // per_row
        table = self.docx.add_table(rows=rows, cols=per_row)
        self.table_style(table, "Key Figures Table")
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        for i, f in enumerate(figs):
            cell = table.cell(i // per_row, i % per_row)
            cell.width = Cm(5.6)
            p = cell.paragraphs[0]
            self.restyle(p, "Key Figure Label")
            p.add_run(_t(f.label))
            value = self.docx_par(cell, "Key Figure Value", f.value)
            if len(f.value) > 10:  # words ("not in this export"), not a figure: smaller
                for run in value.runs:
                    run.font.size = Pt(11)
            self.docx_par(cell, "Key Figure Change", f.change or " ")
            status = self.par("Key Figure Change", container=cell)
            if f.rag is not None:
                r = status.add_run(_t(f.rag.label + ("  " if f.note else "")))
                r.bold = True
                r.font.color.rgb = RAG_RGB[f.rag]
            elif not f.note:
                status.add_run(_t("No target"))
            if f.note:
                status.add_run(_t(f.note))
            _cell_top_border(cell, RAG_HEX[f.rag])
        for row in table.rows:
            _cant_split(row)
        if b.caption:
            self.par("Table Note", b.caption)

    def docx_par(self, cell, style: str, text: str):
        return self.par(style, text or " ", container=cell)

    def table(self, b: Table) -> None:
        if b.caption:
            cap = self.par("Caption")
            cap.paragraph_format.keep_with_next = True
            cap.add_run(_t(f"Table {b.number}. ")).bold = True
            cap.add_run(_t(b.caption))
        ncols = len(b.columns)
        nrows = 1 + len(b.rows) + (1 if b.more else 0)
        table = self.docx.add_table(rows=nrows, cols=ncols)
        self.table_style(table, "Report Table")
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        _table_look(table, last_row=b.total_row and not b.more)
        widths = _column_widths(b, self.body_width)
        header = table.rows[0]
        _repeat_header(header)
        for j, col in enumerate(b.columns):
            cell = header.cells[j]
            p = cell.paragraphs[0]
            self.restyle(p, "Table Heading")
            p.alignment = ALIGN[col.align]
            p.add_run(_t(col.header))
        for i, row in enumerate(b.rows, start=1):
            tr = table.rows[i]
            _cant_split(tr)
            cells = tr.cells
            for j, text in enumerate(row):
                p = cells[j].paragraphs[0]
                self.restyle(p, "Table Text")
                p.alignment = ALIGN[b.columns[j].align]
                xrefs = b.cell_refs(i - 1, j)
                run = _xref_runs(p, xrefs) if xrefs[0][1] is not None else p.add_run(_t(text))
                if b.total_row and i == len(b.rows):
                    run.bold = True
                rag = b.cell_rag(i - 1, j)
                if rag is not None:
                    mark = p.add_run(_t(f" {rag.symbol}"))
                    mark.font.color.rgb = RAG_RGB[rag]
                    mark.font.size = Pt(7.5)
        if b.more:
            tr = table.rows[-1]
            _cant_split(tr)
            merged = tr.cells[0].merge(tr.cells[-1]) if ncols > 1 else tr.cells[0]
            p = merged.paragraphs[0]
            self.restyle(p, "Table Text")
            run = p.add_run(_t(b.more))
            run.italic = True
        _fixed_widths(table, widths)
        if len(b.rows) <= KEEP_TOGETHER_ROWS:
            _keep_together(table)
        for note in b.notes:
            self.par("Table Note", note)
        if not b.notes:
            spacer = self.par("Table Note")
            spacer.paragraph_format.space_after = Pt(4)

    # ---- whole document

    def cover(self) -> None:
        d, docx = self.doc, self.docx
        if d.logo is not None:
            try:
                docx.add_paragraph().add_run().add_picture(str(d.logo), height=Cm(1.5))
            except Exception as err:  # unsupported image type (e.g. SVG): say so, keep going
                raise RenderError(f"{d.logo}: the logo cannot be placed in Word ({type(err).__name__}); use PNG or JPEG") from None
        self.par("Cover Meta", d.organisation)
        self.par("Title", d.title)
        if d.period_label:
            self.par("Subtitle", d.period_label)
        if d.subject:
            self.par("Cover Meta", d.subject)
        self.par("Cover Meta", f"Published {d.date.day} {d.date:%B %Y}")
        if d.toc and any(True for _ in d.sections(1)):
            self.par("TOC Heading", "Contents")
            p = self.par("Normal")
            entries = "\n".join(s.heading for s in d.sections(1))
            _field(p, 'TOC \\o "1-2" \\h \\z \\u', entries or "Update this field to see the contents.")
            _update_fields_on_open(docx)
        docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def header_footer(self) -> None:
        d = self.doc
        for section in self.docx.sections:
            section.different_first_page_header_footer = True
            width = section.page_width - section.left_margin - section.right_margin
            header = section.header
            if not header.is_linked_to_previous and _has_text(header):
                continue  # a user template's own header wins
            hp = header.paragraphs[0]
            self.restyle(hp, "Header")
            hp.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
            hp.add_run(_t(f"{d.title} \u2014 {d.period_label}" if d.period_label else d.title))
            for footer in (section.footer, section.first_page_footer):
                if _has_text(footer):
                    continue
                fp = footer.paragraphs[0]
                self.restyle(fp, "Footer")
                fp.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)
                fp.add_run(_t(d.organisation) + "\t" + "Page ")
                _field(fp, "PAGE", "1")
                fp.add_run(" of ")
                _field(fp, "NUMPAGES", "1")

    def core_properties(self) -> None:
        d = self.doc
        cp = self.docx.core_properties
        cp.title = _t(d.full_title)[:255]
        cp.author = _t(d.author)[:255]
        cp.subject = _t(d.subject)[:255]
        cp.keywords = _t(", ".join(d.keywords))[:255]
        cp.comments = _t(f"Generated by ccreport {__version__}")
        cp.last_modified_by = _t(d.author)[:255]
        cp.category = _t(d.kind)
        created = dt.datetime.combine(d.date, dt.time(0, 0), tzinfo=dt.timezone.utc)
        cp.created = created
        cp.modified = created
        cp.revision = 1
        cp.language = d.lang

    def write(self) -> None:
        if self.doc.primary_colour and not self._user_template:
            self._brand()
        self.cover()
        for block in self.doc.blocks:
            self.block(block)
        self.header_footer()
        self.core_properties()

    _user_template = False

    def _brand(self) -> None:
        """With the built-in reference only: headings and title take the organisation's colour."""
        rgb = RGBColor.from_string(self.doc.primary_colour.lstrip("#").upper())
        for name in ("Title", "Heading 1"):
            self.docx.styles[name].font.color.rgb = rgb


def _has_text(part) -> bool:
    return any(p.text.strip() for p in part.paragraphs)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)
    _cant_split(row)


def _cant_split(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:cantSplit")) is None:
        el = OxmlElement("w:cantSplit")
        el.set(qn("w:val"), "true")
        tr_pr.insert(0, el)


def _table_look(table, *, last_row: bool) -> None:
    tbl_pr = table._tbl.tblPr
    look = tbl_pr.find(qn("w:tblLook"))
    if look is None:
        look = OxmlElement("w:tblLook")
        tbl_pr.append(look)
    look.set(qn("w:val"), "0420" if last_row else "0400")
    look.set(qn("w:firstRow"), "1")
    look.set(qn("w:lastRow"), "1" if last_row else "0")
    look.set(qn("w:firstColumn"), "0")
    look.set(qn("w:lastColumn"), "0")
    look.set(qn("w:noHBand"), "1")
    look.set(qn("w:noVBand"), "1")


def _fixed_widths(table, widths: list) -> None:
    """Fixed layout with explicit grid widths: Word and LibreOffice then agree on columns."""
    table.autofit = False
    tbl = table._tbl
    grid = tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths):
        col.set(qn("w:w"), str(w.twips))
    for row in table.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = w
    tbl_w = tbl.tblPr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl.tblPr.append(tbl_w)
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(sum(w.twips for w in widths)))


def _keep_together(table) -> None:
    """Short tables stay on one page: every row but the last keeps with the next."""
    rows = table.rows
    for row in rows[:-1]:
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True


def _cell_top_border(cell, colour: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    tc_pr.append(parse_xml(
        f'<w:tcBorders {nsdecls("w")}><w:top w:val="single" w:sz="24" w:space="0" w:color="{colour}"/></w:tcBorders>'
    ))


#: Average advance of a table character at 8.5 pt, in EMU (about 5 pt), plus cell padding.
_CHAR = Pt(5.0)
_PAD = Pt(7)


def _column_widths(b: Table, total) -> list:
    """Column widths like a browser's auto table layout, computed from character counts.

    Every column first gets its natural width (its longest cell on one line). If they all
    fit, the spare width is shared in proportion. If not, numbers and identifiers keep their
    natural width and the text columns share what is left, never narrower than their longest
    word.
    """
    natural: list[int] = []
    floor: list[int] = []
    fixed: list[bool] = []
    for j, col in enumerate(b.columns):
        cells = [len(r[j]) + (2 if b.cell_rag(i, j) else 0) for i, r in enumerate(b.rows)] or [0]
        header = len(col.header) if len(col.header) <= 14 else max(len(w) for w in col.header.split())
        is_fixed = col.numeric or col.nowrap or col.align == "center"
        longest = max(cells) if is_fixed else min(max(cells), 70)
        natural.append(max(longest, header, 2) * _CHAR + _PAD)
        words = [len(w) for r in b.rows for w in r[j].split()] or [0]
        floor.append(max(max(words), 4) * _CHAR + _PAD)
        fixed.append(is_fixed)
    if sum(natural) <= total:
        scale = total / sum(natural)
        return [Emu(int(w * scale)) for w in natural]
    fixed_need = sum(w for w, f in zip(natural, fixed) if f)
    text_floor = sum(w for w, f in zip(floor, fixed) if not f)
    if fixed_need + text_floor > total:  # even the numbers must squeeze: scale everything
        scale = total / (fixed_need + text_floor)
        return [Emu(int((n if f else fl) * scale)) for n, fl, f in zip(natural, floor, fixed)]
    rest = total - fixed_need
    text_natural = sum(w for w, f in zip(natural, fixed) if not f)
    widths = [n if f else max(fl, int(rest * n / text_natural)) for n, fl, f in zip(natural, floor, fixed)]
    scale = total / sum(widths)
    return [Emu(int(w * scale)) for w in widths]


def render_docx(doc: Document, assets: Mapping[str, "ChartImage"] | None = None, *, template: Path | None = None) -> bytes:
    """The document as .docx bytes."""
    if template is not None and not Path(template).is_file():
        raise RenderError(f"{template}: the Word template does not exist")
    docx = _open(Path(template) if template else None)
    writer = _Writer(docx, doc, assets or {})
    writer._user_template = template is not None
    writer.write()
    buf = io.BytesIO()
    docx.save(buf)
    return buf.getvalue()


class DocxRenderer:
    """Format "docx": a Word file in the reference document's (or the user's template's) styles."""

    name = "docx"
    extension = ".docx"
    charts = "png"

    def render(self, document: Document, charts: Mapping[str, "ChartImage"], path: Path,
               options: "RenderOptions") -> None:
        atomic_write_bytes(path, render_docx(document, charts, template=options.docx_template))


RENDERER = DocxRenderer()
