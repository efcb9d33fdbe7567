"""DOCX renderer: a Document -> Word bytes with python-docx, styled by a reference document.

Like pandoc's `--reference-doc`, the styles come from `templates/word/reference.docx` or from
the user's `docx_template`; this module only picks styles by name ("Heading 1", "Caption",
"Report Table", ...). A style the user's template lacks is copied from the built-in reference
(without a typeface, so it takes the template's) so that nothing is silently dropped; of the
template only its styles, page setup, header and footer are kept. Built-in heading styles
make the navigation pane and the TOC field work; each heading carries a bookmark named from
its section anchor (`bookmark_name`), and the contents is a TOC field whose cached entries
hold the PDF's page numbers (`pages`, from `pdf.page_map`); header rows repeat
(`w:tblHeader`); charts are PNGs with alt text; the footer carries PAGE / NUMPAGES fields.
Every string passes through `xml_safe()` once, in `_t`.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from docx import Document as open_docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
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
from .renderer import FormatUnavailable
from .files import atomic_write_bytes
from .templates import templates_path

log = logging.getLogger("ccreport")

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

    from .charts import ChartImage
    from .options import RenderOptions

#: Tables with at most this many rows are kept on one page (longer ones repeat their header).
KEEP_TOGETHER_ROWS = 8
RAG_RGB = {Rag.GREEN: RGBColor(0x1E, 0x7B, 0x34), Rag.AMBER: RGBColor(0x9A, 0x5B, 0x00), Rag.RED: RGBColor(0xB3, 0x26, 0x1E)}
RAG_HEX = {Rag.GREEN: "1E7B34", Rag.AMBER: "9A5B00", Rag.RED: "B3261E", None: "D5D8DC"}
#: Light tints of the status colours for the background of a table cell with a status (the
#: priority matrix, SLA attainment): dark text stays readable (contrast above 12:1) and the
#: symbol and word still carry the status in greyscale.
RAG_TINT = {Rag.GREEN: "E3F1E6", Rag.AMBER: "FBEFD9", Rag.RED: "F8E0DE"}
#: The character style of a status word or symbol (its colour lives in the style).
STATUS_STYLE = {Rag.GREEN: "Status Green", Rag.AMBER: "Status Amber", Rag.RED: "Status Red"}
#: Levels of headings in the contents: the PDF's contents lists the first level only.
TOC_DEPTH = 1
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
        docx = open_docx(_as_document(template) if template is not None else str(ref))
    except Exception as err:  # python-docx raises assorted errors on a bad file
        raise RenderError(f"{template or ref}: not a Word .docx file ({type(err).__name__}: {err})") from None
    if template is not None:
        _drop_external_parts(docx)
        _clean_settings(docx)
        _import_missing_styles(docx, open_docx(str(ref)))
    body = docx.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):  # keep page setup; drop the template's content
            body.remove(child)
    if body.find(qn("w:sectPr")) is None:  # a template without page setup gets the reference's (A4)
        ref_sect = open_docx(str(ref)).element.body.find(qn("w:sectPr"))
        for link in ref_sect.findall(qn("w:headerReference")) + ref_sect.findall(qn("w:footerReference")):
            ref_sect.remove(link)
        body.append(copy.deepcopy(ref_sect))
    _drop_unused_parts(docx)
    if template is not None:
        _strip_notes(docx)
        _defuse_fields(docx)
        _check_part_sizes(docx, template)
    return docx


#: Field codes that fetch a file or URL, or run another program, when Word updates fields
#: (and this report asks Word to update fields on opening): removed from a template's headers
#: and footers, which are the only parts of the template the report keeps with content.
_UNSAFE_FIELDS = ("INCLUDETEXT", "INCLUDEPICTURE", "INCLUDE", "IMPORT", "LINK", "DDE", "DDEAUTO",
                  "DATABASE", "AUTOTEXT", "AUTOTEXTLIST", "GLOSSARY", "MACROBUTTON", "PRINT")


def _defuse_fields(docx: "DocxDocument") -> None:
    """A template's header or footer fields that would fetch or run something lose their code
    (Word then shows the cached text); alternative-format chunks (altChunk) are removed."""
    for rel in list(docx.part.rels.values()):
        if rel.is_external or not rel.reltype.endswith(("/header", "/footer")):
            continue
        root = rel.target_part.element
        for chunk in list(root.iter(qn("w:altChunk"))):
            chunk.getparent().remove(chunk)
        for simple in list(root.iter(qn("w:fldSimple"))):
            if _unsafe(simple.get(qn("w:instr"), "")):
                for child in list(simple):  # keep the result runs, drop the field
                    simple.addprevious(child)
                simple.getparent().remove(simple)
        stack: list[list] = []  # per open field: its instrText elements
        for el in list(root.iter(qn("w:fldChar"), qn("w:instrText"))):
            if el.tag == qn("w:instrText"):
                if stack:
                    stack[-1].append(el)
                continue
            kind = el.get(qn("w:fldCharType"))
            if kind == "begin":
                stack.append([])
            elif kind == "end" and stack:
                parts = stack.pop()
                if _unsafe("".join(p.text or "" for p in parts)):
                    for p in parts:
                        p.text = ""


def _unsafe(instruction: str) -> bool:
    word = re.match(r"\s*([A-Za-z]+)", instruction)
    return bool(word) and word.group(1).upper() in _UNSAFE_FIELDS


#: Main-part content types of a Word template (.dotx), a macro-enabled document or template
#: (.docm, .dotm): read as a plain document (the macros are not carried over).
_MAIN_TYPES = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)
_DOCUMENT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def _as_document(template: Path) -> "io.BytesIO | str":
    """The template as python-docx can open it: a .dotx/.docm/.dotm's main part is declared
    a document's (python-docx opens only .docx)."""
    import zipfile

    with zipfile.ZipFile(template) as z:
        types = z.read("[Content_Types].xml").decode("utf-8")
        if not any(t in types for t in _MAIN_TYPES):
            return str(template)
        for t in _MAIN_TYPES:
            types = types.replace(t, _DOCUMENT_MAIN)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for item in z.infolist():
                out.writestr(item.filename, types if item.filename == "[Content_Types].xml" else z.read(item))
    buf.seek(0)
    return buf


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


#: Settings of a user template that must not reach the report: a locked or tracked document,
#: a mail merge (Word would run its data-source query on open), the template's variables,
#: and "update styles from the attached template".
_UNWANTED_SETTINGS = ("w:attachedTemplate", "w:documentProtection", "w:writeProtection", "w:mailMerge",
                      "w:trackRevisions", "w:docVars", "w:linkStyles", "w:attachedSchema")
#: Parts of the main document that are in use without a reference from document.xml.
_IMPLICIT_PARTS = ("/styles", "/stylesWithEffects", "/settings", "/webSettings", "/fontTable", "/theme",
                   "/numbering", "/footnotes", "/endnotes")
#: A part of a user template kept in the report (a header logo, an embedded font) may not be
#: larger than this: the report would carry it on every copy.
MAX_TEMPLATE_PART = 8 * 1024 * 1024
_R_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _clean_settings(docx: "DocxDocument") -> None:
    settings = docx.settings.element
    for tag in _UNWANTED_SETTINGS:
        for el in settings.findall(qn(tag)):
            settings.remove(el)


def _drop_unused_parts(docx: "DocxDocument") -> None:
    """Keep only what the report uses: the styles, settings, theme, fonts, numbering, notes
    and the headers and footers its page setup names. The template's thumbnail (a picture of
    its first page), app.xml statistics and custom properties, glossary (building blocks),
    macros, comments, custom XML and the images of its body are not carried over."""
    package = docx.part.package
    for rid, rel in list(package.rels.items()):
        if not rel.reltype.endswith(("/officeDocument", "/core-properties")):
            del package.rels[rid]
    part = docx.part
    used = {v for el in part.element.iter() for k, v in el.attrib.items() if k.startswith(_R_NS)}
    for rid, rel in list(part.rels.items()):
        if rid not in used and not rel.reltype.endswith(_IMPLICIT_PARTS):
            del part.rels[rid]
    core = docx.core_properties
    for name in ("identifier", "content_status", "version", "category", "description"):
        if hasattr(core, name):
            setattr(core, name, "")
    for el in list(core._element):
        if el.tag.endswith("}lastPrinted"):
            core._element.remove(el)


def _strip_notes(docx: "DocxDocument") -> None:
    """Footnotes and endnotes of the template's body (the separators, ids -1 and 0, stay)."""
    for rel in docx.part.rels.values():
        if rel.is_external or not rel.reltype.endswith(("/footnotes", "/endnotes")):
            continue
        target = rel.target_part
        element = getattr(target, "element", None)
        root = element if element is not None else parse_xml(target.blob)
        for note in list(root):
            try:
                note_id = int(note.get(qn("w:id"), "0"))
            except ValueError:
                note_id = 1
            if note_id > 0:
                root.remove(note)
        if element is None:
            from lxml import etree

            target._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _check_part_sizes(docx: "DocxDocument", template: Path) -> None:
    for part in docx.part.package.iter_parts():
        if getattr(part, "element", None) is not None:
            continue  # XML parts python-docx parsed: styles, settings, headers (sizes bounded by the archive check)
        size = len(part.blob or b"")
        if size > MAX_TEMPLATE_PART:
            raise RenderError(f"{template}: the Word template's part {part.partname} is {size // (1 << 20)} MB, over "
                              f"the {MAX_TEMPLATE_PART // (1 << 20)} MB a report may carry; use a smaller image or font")


def _import_missing_styles(target: "DocxDocument", ref: "DocxDocument") -> None:
    """Copy every style the template lacks from the reference, so that nothing is dropped,
    in the template's typeface: the copies name no font, and their base, next and linked
    styles (and list numbering) are re-pointed at the template's own."""
    styles = target.styles.element
    have = {(s.name or "").lower() for s in target.styles}
    ids = {el.get(qn("w:styleId")) for el in styles.findall(qn("w:style"))}
    ref_names = {s.style_id: s.name for s in ref.styles}
    imported = []
    for style in ref.styles:
        if (style.name or "").lower() in have:
            continue
        el = copy.deepcopy(style.element)
        sid = el.get(qn("w:styleId"))
        while sid in ids:  # the template uses this id for a style of another name
            sid = "Ccr" + sid
        el.set(qn("w:styleId"), sid)
        ids.add(sid)
        kind = el.get(qn("w:type"))
        if any(e.get(qn("w:type")) == kind and e.get(qn("w:default")) in ("1", "true")
               for e in styles.findall(qn("w:style"))):
            el.attrib.pop(qn("w:default"), None)  # the template's default style stays the default
        for rpr in el.iter(qn("w:rPr")):
            for fonts in rpr.findall(qn("w:rFonts")):
                if style.name != "Verbatim Char":  # code keeps a monospaced face
                    rpr.remove(fonts)
        styles.append(el)
        imported.append(el)
    by_name = {(s.name or "").lower(): s.style_id for s in target.styles}
    default_table = next((s.style_id for s in target.styles
                          if s.type == WD_STYLE_TYPE.TABLE and s.element.get(qn("w:default")) in ("1", "true")), None)
    for el in imported:
        for tag in ("w:basedOn", "w:next", "w:link"):
            for ref_el in el.findall(qn(tag)):
                name = ref_names.get(ref_el.get(qn("w:val")))
                new = by_name.get(name.lower()) if name else None
                if new is None and tag == "w:basedOn" and el.get(qn("w:type")) == "table":
                    new = default_table
                if new is None:
                    el.remove(ref_el)
                else:
                    ref_el.set(qn("w:val"), new)
        num_pr = el.find(qn("w:pPr") + "/" + qn("w:numPr"))
        if num_pr is not None:
            _import_numbering(target, ref, num_pr, el.get(qn("w:styleId")))


def _import_numbering(target: "DocxDocument", ref: "DocxDocument", num_pr, style_id: str) -> None:
    """Give an imported list style (List Bullet, List Number) its own copy of the reference's
    list definition in the template's numbering part."""
    num_id_el = num_pr.find(qn("w:numId"))
    if num_id_el is None:
        return
    try:
        ref_numbering = ref.part.numbering_part.element
        num = ref_numbering.num_having_numId(int(num_id_el.get(qn("w:val"))))
    except (KeyError, ValueError, NotImplementedError):
        num_pr.getparent().remove(num_pr)
        return
    abstract_id = num.find(qn("w:abstractNumId")).get(qn("w:val"))
    abstract = next((a for a in ref_numbering.findall(qn("w:abstractNum"))
                     if a.get(qn("w:abstractNumId")) == abstract_id), None)
    numbering = target.part.numbering_part.element
    if abstract is None:
        num_pr.getparent().remove(num_pr)
        return
    existing = [int(a.get(qn("w:abstractNumId"))) for a in numbering.findall(qn("w:abstractNum"))
                if (a.get(qn("w:abstractNumId")) or "").isdigit()]
    new_abstract = copy.deepcopy(abstract)
    new_id = max(existing, default=-1) + 1
    new_abstract.set(qn("w:abstractNumId"), str(new_id))
    for tag in ("w:nsid", "w:numStyleLink", "w:styleLink"):
        for el in new_abstract.findall(qn(tag)):
            new_abstract.remove(el)
    for p_style in new_abstract.iter(qn("w:pStyle")):
        p_style.set(qn("w:val"), style_id)
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(new_abstract)
    else:
        numbering.append(new_abstract)
    num_id_el.set(qn("w:val"), str(numbering.add_num(new_id).numId))


def _set_language(docx: "DocxDocument", lang: str) -> None:
    """The document's language (en-GB) for spelling, hyphenation and screen readers: the
    document defaults, every style that names a language, and the theme's font language."""
    styles = docx.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is None:
        defaults = OxmlElement("w:docDefaults")
        styles.insert(0, defaults)
    rpr_default = defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = OxmlElement("w:rPrDefault")
        defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        rpr_default.append(rpr)
    _lang(rpr, lang)
    for style_rpr in styles.iter(qn("w:rPr")):
        if style_rpr is not rpr and style_rpr.find(qn("w:lang")) is not None:
            _lang(style_rpr, lang)
    settings = docx.settings.element
    theme = settings.find(qn("w:themeFontLang"))
    if theme is None:
        theme = OxmlElement("w:themeFontLang")
        _insert_before(settings, theme, ("w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
                                         "w:doNotAutoCompressPictures", "w:shapeDefaults", "w:decimalSymbol",
                                         "w:listSeparator"))
    theme.set(qn("w:val"), lang)
    theme.attrib.pop(qn("w:eastAsia"), None)



def _insert_before(parent, el, later: tuple[str, ...]) -> None:
    """Put `el` into `parent` before the first of the `later` children present (the schema's
    fixed order of children), else at the end."""
    following = [x for x in (parent.find(qn(t)) for t in later) if x is not None]
    if following:
        following[0].addprevious(el)
    else:
        parent.append(el)

def _lang(rpr, lang: str) -> None:
    for extra in rpr.findall(qn("w:lang"))[1:]:
        rpr.remove(extra)
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        _insert_before(rpr, el, ("w:eastAsianLayout", "w:specVanish", "w:oMath"))
    el.set(qn("w:val"), lang)
    el.set(qn("w:eastAsia"), lang)


def _style(docx: "DocxDocument", name: str):
    """A style by name; Word's names are case-insensitive ("toc 1" is "TOC 1")."""
    try:
        return docx.styles[name]
    except KeyError:
        for style in docx.styles:
            if (style.name or "").lower() == name.lower():
                return style
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


#: Settings elements that come after w:updateFields in the schema's fixed order.
_AFTER_UPDATE_FIELDS = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids",
                        "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
                        "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade",
                        "w:captions", "w:readModeInkLockDown", "w:smartTagType", "w:shapeDefaults",
                        "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator")


def _xref_runs(paragraph, parts: list[tuple[str, str | None]], page_of):
    """Cross-reference parts in a table cell: each an internal link to the section's bookmark,
    followed by its page number as a PAGEREF field whose cached result is the PDF's page
    (`page_of(anchor)`; Word refreshes it when fields are updated).
    Returns the last run (the caller may make it bold)."""
    run = None
    for k, (text, anchor) in enumerate(parts):
        if k:
            paragraph.add_run("; ")
        if anchor is None:
            run = paragraph.add_run(_t(text))
            continue
        link = OxmlElement("w:hyperlink")
        link.set(qn("w:anchor"), bookmark_name(anchor))
        run = paragraph.add_run(_t(text))
        link.append(run._r)
        paragraph._p.append(link)
        paragraph.add_run(", page\u00a0")
        for el in pageref(anchor, page_of(anchor) or "\u2013"):
            paragraph._p.append(el)
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
        # In its schema place: Word rejects a settings part out of order.
        _insert_before(settings, el, _AFTER_UPDATE_FIELDS)


def bookmark_name(anchor: str) -> str:
    """The Word bookmark of a section anchor ("sec-2-1" -> "_sec_2_1"): letters, digits and
    underscores only, at most 40 characters; the leading underscore hides it from Word's
    bookmark list, as Word does for its own _Toc bookmarks."""
    return ("_" + re.sub(r"[^A-Za-z0-9_]", "_", anchor))[:40]


def _bookmark(paragraph, name: str, bookmark_id: int) -> None:
    """Wrap the paragraph's runs in a bookmark named `name`."""
    start = OxmlElement("w:bookmarkStart")
    start.set(qn("w:id"), str(bookmark_id))
    start.set(qn("w:name"), name)
    end = OxmlElement("w:bookmarkEnd")
    end.set(qn("w:id"), str(bookmark_id))
    p = paragraph._p
    ppr = p.pPr
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def _fld_char(kind: str, *, dirty: bool = False):
    r = OxmlElement("w:r")
    fc = OxmlElement("w:fldChar")
    fc.set(qn("w:fldCharType"), kind)
    if dirty:
        fc.set(qn("w:dirty"), "true")
    r.append(fc)
    return r


def _instr(text: str):
    r = OxmlElement("w:r")
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {text} "
    r.append(it)
    return r


def _text_run(text: str, style_id: str | None = None):
    r = OxmlElement("w:r")
    if style_id:
        rpr = OxmlElement("w:rPr")
        rs = OxmlElement("w:rStyle")
        rs.set(qn("w:val"), style_id)
        rpr.append(rs)
        r.append(rpr)
    t = OxmlElement("w:t")
    t.set(qn("xml:space"), "preserve")
    t.text = _t(text)
    r.append(t)
    return r


def _tab_run():
    r = OxmlElement("w:r")
    r.append(OxmlElement("w:tab"))
    return r


def pageref(anchor: str, page: str = "") -> list:
    """The runs of a `PAGEREF <bookmark> \\h` field whose cached result is `page` (what Word,
    LibreOffice and previews show before any update)."""
    return [_fld_char("begin"), _instr(f"PAGEREF {bookmark_name(anchor)} \\h"), _fld_char("separate"),
            _text_run(page or " "), _fld_char("end")]


# --------------------------------------------------------------------------- writer


class _Writer(BlockWriter):
    format_name = "DOCX"

    def __init__(self, docx: "DocxDocument", doc: Document, assets: Mapping[str, "ChartImage"],
                 pages: Mapping[str, int] | None = None):
        self.docx = docx
        self.doc = doc
        self.assets = assets
        self.pages = pages or {}
        self.body_width = self._text_width()
        self._ids: dict[str, str] = {}
        self._bookmarks = 0

    def page_of(self, anchor: str) -> str:
        """The page the PDF prints `anchor` on, as text ("" when not laid out): the cached
        result of a PAGEREF or contents entry, which Word refreshes on update."""
        page = self.pages.get(anchor)
        return str(page) if page else ""

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
            if s.href and s.href.startswith("#") and len(s.href) > 1:  # a cross-reference to a section
                self._hyperlink(paragraph, s, anchor=bookmark_name(s.href[1:]))
                continue
            run = paragraph.add_run(_t(s.text))
            run.bold = s.bold or None
            run.italic = s.italic or None
            if s.code:
                self.run_style(run, "Verbatim Char")

    def _hyperlink(self, paragraph, s: Span, anchor: str | None = None) -> None:
        link = OxmlElement("w:hyperlink")
        if anchor is not None:  # to a bookmark in this document
            link.set(qn("w:anchor"), anchor)
        else:
            link.set(qn("r:id"), paragraph.part.relate_to(s.href, RT.HYPERLINK, is_external=True))
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
        # Whatever the template's heading styles say, a heading is never left alone at the
        # foot of a page.
        p.paragraph_format.keep_with_next = True
        if s.anchor:
            self._bookmarks += 1
            _bookmark(p, bookmark_name(s.anchor), self._bookmarks)
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
            p = self.par("Figure")  # keeps with its caption
            shape = p.add_run().add_picture(io.BytesIO(image.png), width=min(self.body_width, Cm(17)))
            doc_pr = shape._inline.docPr
            doc_pr.set("descr", _t(b.alt))
            doc_pr.set("title", _t(b.chart.title))
            doc_pr.set("name", _t(f"Figure {b.number}"))
        cap = self.par("Caption")
        self.run_style(cap.add_run(_t(f"Figure {b.number}. ")), "Caption Label")
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
            # A value in words ("not in this export") rather than a figure is set smaller.
            self.docx_par(cell, "Key Figure Words" if len(f.value) > 10 else "Key Figure Value", f.value)
            self.docx_par(cell, "Key Figure Change", f.change or " ")
            status = self.par("Key Figure Change", container=cell)
            if f.rag is not None:
                self.run_style(status.add_run(_t(f.rag.label)), STATUS_STYLE[f.rag])
                if f.note:
                    status.add_run("  ")
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
            cap = self.par("Table Caption")  # keeps with the table
            self.run_style(cap.add_run(_t(f"Table {b.number}. ")), "Caption Label")
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
                run = _xref_runs(p, xrefs, self.page_of) if xrefs[0][1] is not None else p.add_run(_t(text))
                rag = b.cell_rag(i - 1, j)
                if rag is not None:  # the status is a word-bearing symbol and a tint, never colour alone
                    self.run_style(p.add_run(_t(f" {rag.symbol}")), STATUS_STYLE[rag])
                    _shade(cells[j], RAG_TINT[rag])
        if b.more:
            tr = table.rows[-1]
            _cant_split(tr)
            merged = tr.cells[0].merge(tr.cells[-1]) if ncols > 1 else tr.cells[0]
            p = merged.paragraphs[0]
            self.restyle(p, "Table More")
            p.add_run(_t(b.more))
        _fixed_widths(table, widths)
        if len(b.rows) <= KEEP_TOGETHER_ROWS:
            _keep_together(table)
        for note in b.notes:
            self.par("Table Note", note)
        if not b.notes:
            self.par("Table Note")  # an empty note: space between a table and what follows

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
        if d.toc and any(True for _ in d.sections(TOC_DEPTH)):
            self.par("TOC Heading", "Contents").paragraph_format.keep_with_next = True
            self.contents()
            _update_fields_on_open(docx)
        docx.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def contents(self) -> None:
        """A TOC field whose cached result is the contents itself: one paragraph per entry
        (TOC 1, TOC 2 ...), linked to the heading's bookmark, with the page the PDF prints the
        section on (a PAGEREF field), so that the page numbers show before any update and in
        viewers that never update fields. Word refreshes the whole field on opening."""
        sections = list(self.doc.sections(TOC_DEPTH))
        width = self.body_width
        paragraphs = []
        for s in sections:
            p = self.par(f"TOC {min(s.level, 3)}")
            p.paragraph_format.tab_stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
            link = OxmlElement("w:hyperlink")
            link.set(qn("w:anchor"), bookmark_name(s.anchor))
            link.set(qn("w:history"), "1")
            link.append(_text_run(s.heading))
            page = self.page_of(s.anchor)
            if page:
                link.append(_tab_run())
                for r in pageref(s.anchor, page):
                    link.append(r)
            p._p.append(link)
            paragraphs.append(p)
        first, last = paragraphs[0]._p, paragraphs[-1]._p
        ppr = first.pPr
        begin = [_fld_char("begin", dirty=not self.pages), _instr(f'TOC \\o "1-{TOC_DEPTH}" \\h \\z \\u'),
                 _fld_char("separate")]
        for r in reversed(begin):
            ppr.addnext(r)
        last.append(_fld_char("end"))

    def header_footer(self) -> None:
        """The running header (title and period) and the footer (organisation, "Page X of Y")
        on every page but the cover, which keeps the footer. A template's own header or
        footer is kept; ours is added to it when it has no text (a header) or no page number
        (a footer), so that no template loses the page numbers or the running title."""
        d = self.doc
        even_odd = self.docx.settings.odd_and_even_pages_header_footer
        for section in self.docx.sections:
            section.different_first_page_header_footer = True
            width = section.page_width - section.left_margin - section.right_margin
            kinds = [(section.header, section.footer)]
            if even_odd:
                kinds.append((section.even_page_header, section.even_page_footer))
            for header, footer in kinds:
                if not _has_text(header):
                    hp = _free_paragraph(header)
                    self.restyle(hp, "Header")
                    _right_tab_only(hp, self.docx.styles["Header"], width)
                    hp.add_run(_t(f"{d.title} \u2014 {d.period_label}" if d.period_label else d.title))
                if not (_has_page_field(header) or _has_page_field(footer)):
                    self._page_footer(footer, width)
            first_header, first_footer = section.first_page_header, section.first_page_footer
            if not (_has_page_field(first_header) or _has_page_field(first_footer)):
                self._page_footer(first_footer, width)

    def _page_footer(self, footer, width) -> None:
        fp = _free_paragraph(footer)
        self.restyle(fp, "Footer")
        _right_tab_only(fp, self.docx.styles["Footer"], width)
        fp.add_run(_t(self.doc.organisation) + "\t" + "Page ")
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
        _set_language(self.docx, d.lang)

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
    """Whether a header or footer shows any text (a logo alone does not count)."""
    if part.is_linked_to_previous:
        return False
    return any(p.text.strip() for p in part.paragraphs) or any(
        p.text.strip() for t in part.tables for row in t.rows for c in row.cells for p in c.paragraphs)


def _has_page_field(part) -> bool:
    """Whether a header or footer prints the page number (a PAGE field, complex or simple)."""
    if part.is_linked_to_previous:
        return False
    el = part._element
    instr = [t.text or "" for t in el.iter(qn("w:instrText"))]
    instr += [f.get(qn("w:instr"), "") for f in el.iter(qn("w:fldSimple"))]
    return any(re.match(r"\s*PAGE\b", i) for i in instr)


def _right_tab_only(paragraph, style, width) -> None:
    """One right-aligned tab at the text column's right edge: the tabs a style (a template's
    Header/Footer, often a centre tab and a right tab for another page size) would put first
    are cleared on this paragraph."""
    stops = paragraph.paragraph_format.tab_stops
    seen = set()
    while style is not None:
        for tab in style.paragraph_format.tab_stops:
            if tab.position not in seen and abs(tab.position - width) > Pt(1):
                stops.add_tab_stop(tab.position, WD_TAB_ALIGNMENT.CLEAR)
            seen.add(tab.position)
        style = style.base_style
    stops.add_tab_stop(width, WD_TAB_ALIGNMENT.RIGHT)


def _free_paragraph(part):
    """The part's paragraph to write into: its only paragraph when that is empty, else a new one."""
    paragraphs = part.paragraphs
    if len(paragraphs) == 1 and not paragraphs[0].text.strip() and not paragraphs[0]._p.xpath(".//w:drawing"):
        return paragraphs[0]
    return part.add_paragraph()


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    for old in tc_pr.findall(qn("w:shd")):
        tc_pr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    # Schema order of tcPr: ... tcBorders, shd, noWrap, tcMar, textDirection, tcFitText, vAlign, hideMark
    _insert_before(tc_pr, shd, ("w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText", "w:vAlign",
                                "w:hideMark"))


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


#: Advance widths in em of DejaVu Sans (the reference typeface) by kind of character, for
#: estimating column widths: digits are wider than in Arial, so identifiers and figures
#: measured by a flat count of characters wrapped.
_EM_DIGIT, _EM_UPPER, _EM_LOWER, _EM_SPACE, _EM_NARROW, _EM_OTHER = 0.636, 0.70, 0.60, 0.318, 0.32, 0.62
_NARROW = set(".,:;'!|()[]ijlrtf-")
_BODY_PT, _HEAD_PT, _BOLD = 8.5, 8.0, 1.10
_PAD = Pt(8)  # the cell's right margin (5.7 pt) and a little air


def _width_pt(text: str, size: float = _BODY_PT, bold: bool = False) -> float:
    """Estimated printed width of `text` in points (8 % to spare)."""
    em = 0.0
    for ch in text:
        if ch.isdigit():
            em += _EM_DIGIT
        elif ch == " ":
            em += _EM_SPACE
        elif ch in _NARROW:
            em += _EM_NARROW
        elif ch.isupper():
            em += _EM_UPPER
        elif ch.islower():
            em += _EM_LOWER
        else:
            em += _EM_OTHER
    return em * size * (_BOLD if bold else 1.0) * 1.08


def _column_widths(b: Table, total) -> list:
    """Column widths like a browser's auto table layout, from estimated text widths.

    Every column first gets its natural width (its longest cell on one line). If they all
    fit, the spare width is shared in proportion. If not, numbers and identifiers keep their
    natural width and the text columns share what is left, never narrower than their longest
    word (the header's included).
    """
    natural: list[int] = []
    floor: list[int] = []
    fixed: list[bool] = []
    for j, col in enumerate(b.columns):
        mark = _width_pt(" \u2714")
        cells = [_width_pt(r[j]) + (mark if b.cell_rag(i, j) else 0) for i, r in enumerate(b.rows)] or [0.0]
        head_words = col.header.split() or [""]
        header = _width_pt(col.header, _HEAD_PT, True) if len(col.header) <= 14 else \
            max(_width_pt(w, _HEAD_PT, True) for w in head_words)
        is_fixed = col.numeric or col.nowrap or col.align == "center"
        longest = max(cells) if is_fixed else min(max(cells), _width_pt("x" * 70))
        natural.append(Pt(max(longest, header, 10)) + _PAD)
        words = [_width_pt(w) for r in b.rows for w in r[j].split()] or [0.0]
        head_word = max(_width_pt(w, _HEAD_PT, True) for w in head_words)
        floor.append(Pt(max(max(words), head_word, 20)) + _PAD)
        fixed.append(is_fixed)
    if sum(natural) <= total:
        scale = total / sum(natural)
        return [Emu(int(w * scale)) for w in natural]
    hard = [n if f else fl for n, fl, f in zip(natural, floor, fixed)]  # no identifier or word broken
    if sum(hard) <= total:
        rest = total - sum(n for n, f in zip(natural, fixed) if f)
        text_natural = sum(w for w, f in zip(natural, fixed) if not f) or 1
        widths = [n if f else max(fl, int(rest * n / text_natural)) for n, fl, f in zip(natural, floor, fixed)]
        return _fit(widths, hard, total)
    if sum(floor) <= total:  # identifiers and figures may wrap at spaces, words still whole
        return _fit(hard, floor, total)
    scale = total / sum(floor)
    return [Emu(int(w * scale)) for w in floor]


def _fit(widths: list, floors: list, total) -> list:
    """Narrow the columns wider than their floor, each in proportion to its slack, until the
    widths add up to `total` (which the floors fit in)."""
    excess = sum(widths) - total
    slack = [max(w - f, 0) for w, f in zip(widths, floors)]
    if excess > 0 and sum(slack):
        widths = [w - s * excess / sum(slack) for w, s in zip(widths, slack)]
    elif excess < 0:
        widths = [w * total / sum(widths) for w in widths]
    return [Emu(int(w)) for w in widths]


def render_docx(doc: Document, assets: Mapping[str, "ChartImage"] | None = None, *, template: Path | None = None,
                pages: Mapping[str, int] | None = None) -> bytes:
    """The document as .docx bytes. `pages` (section anchor -> page, from the PDF's layout)
    gives the contents its page numbers before Word updates the fields."""
    if template is not None and not Path(template).is_file():
        raise RenderError(f"{template}: the Word template does not exist")
    docx = _open(Path(template) if template else None)
    writer = _Writer(docx, doc, assets or {}, pages)
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
    #: The contents' page numbers come from the PDF's layout of the same document.
    uses_print_layout = True

    @staticmethod
    def warm() -> None:
        """Import what the contents' page numbers need (the PDF renderer's WeasyPrint) now."""
        from .registry import renderer

        renderer("pdf").warm()

    def prepare(self, document: Document, charts: Mapping[str, "ChartImage"], options: "RenderOptions") -> None:
        """Check the user's Word template before any format is written (no partial output)."""
        template = options.docx_template
        if template is not None:
            if not Path(template).is_file():
                raise RenderError(f"{template}: the Word template does not exist")
            _open(Path(template))

    def render(self, document: Document, charts: Mapping[str, "ChartImage"], path: Path,
               options: "RenderOptions") -> None:
        atomic_write_bytes(path, render_docx(document, charts, template=options.docx_template,
                                             pages=self.page_map(document, charts, options)))

    @staticmethod
    def page_map(document: Document, charts: Mapping[str, "ChartImage"], options: "RenderOptions") -> dict[str, int]:
        """Section anchor -> page in the PDF of this document (shared with the PDF when both
        are written); empty, with the contents left for Word to fill, when the PDF cannot be
        laid out here (no Pango) or the layout fails."""
        if not document.toc:
            return {}
        from .registry import renderer  # through the registry: renderers do not import renderers

        try:
            return renderer("pdf").page_map(document, charts, options)
        except (FormatUnavailable, RenderError) as err:
            log.warning("Word contents without page numbers (Word fills them in on opening): %s", err)
            return {}


RENDERER = DocxRenderer()
