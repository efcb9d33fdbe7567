"""Markdown renderer: a Document -> Markdown, charts as PNG files beside it.

Two flavours (`RenderOptions.markdown_flavour`). "gfm", the default: GitHub-flavoured
Markdown, callouts as GitHub alerts (`> [!NOTE]`) and a contents list that links to GitHub's
heading anchors. "commonmark": what pastes cleanly into Confluence and other wikis, whose
importers know neither alerts nor GitHub's anchors: callouts are plain blockquotes with a
bold title, the contents list is plain text. Neither writes raw HTML. Tables are pipe tables
in both (the one extension every wiki importer and CommonMark renderer with tables reads).

Plain text from the Document is escaped so that it stays literal: `<` becomes `&lt;` (no raw
HTML ever reaches a Markdown viewer), and `|`, `*`, `_`, backticks, `[`, `]` and backslashes
are backslash-escaped. Images are referenced relative to the .md file, in `<basename>_files/`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from ..document import (
    Callout,
    Document,
    Figure,
    KeyFigures,
    PageBreak,
    Paragraph,
    Section,
    Span,
    Table,
    TextPart,
    xml_safe,
)
from .blocks import BlockWriter
from .files import atomic_write_bytes, atomic_write_dir

if TYPE_CHECKING:
    from .charts import ChartImage
    from .options import RenderOptions

_ESCAPE = re.compile(r"([\\`*_\[\]|])")
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_LINE_START = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|>|[+-](?=\s)|\d+[.)](?=\s))")
ALERTS = {"info": "NOTE", "warning": "WARNING", "todo": "IMPORTANT"}


def escape(text: str) -> str:
    """Make any text literal in GitHub-flavoured Markdown (one line)."""
    text = re.sub(r"\s+", " ", xml_safe(str(text)))
    text = _ESCAPE.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    # A line that would start a heading, quote or list stays a plain line.
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1]
                           if m.group(2)[0].isdigit() else m.group(1) + "\\" + m.group(2), text)


def _code(text: str) -> str:
    ticks = max((len(m) for m in re.findall(r"`+", text)), default=0) + 1
    fence = "`" * ticks
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{xml_safe(text)}{pad}{fence}"


def spans_md(spans: Iterable[Span]) -> str:
    out = []
    for s in spans:
        text = _code(s.text) if s.code else escape(s.text)
        if not text.strip():
            out.append(text)
            continue
        if s.italic:
            text = f"*{text}*"
        if s.bold:
            text = f"**{text}**"
        if s.href:
            url = s.href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
            text = f"[{text}]({url})"
        out.append(text)
    return "".join(out)


def parts_md(parts: Iterable[TextPart], prefix: str = "") -> list[str]:
    lines: list[str] = []
    for part in parts:
        if part.kind == "p":
            lines.append(prefix + spans_md(part.items[0]))
        else:
            for n, item in enumerate(part.items, start=1):
                marker = "-" if part.kind == "ul" else f"{n}."
                lines.append(f"{prefix}{marker} {spans_md(item)}")
        lines.append(prefix.rstrip())
    return lines


def slug(heading: str) -> str:
    """GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def slugs(headings: Iterable[str]) -> list[str]:
    """GitHub's anchors for a document's headings in order: a repeated heading's anchor gets
    "-1", "-2"... as GitHub numbers them."""
    seen: dict[str, int] = {}
    out = []
    for heading in headings:
        base = slug(heading)
        n = seen.get(base, 0)
        out.append(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return out


def _cell(text: str) -> str:
    return escape(text.strip()) or " "


class _Writer(BlockWriter):
    format_name = "Markdown"

    def __init__(self, doc: Document, assets: Mapping[str, "ChartImage"], files_dir: str,
                 flavour: str = "gfm"):
        self.doc = doc
        self.gfm = flavour == "gfm"
        self.assets = assets
        self.files_dir = files_dir
        self.lines: list[str] = []
        self.images: dict[str, bytes] = {}

    def out(self, *lines: str) -> None:
        self.lines.extend(lines)

    def section(self, s: Section) -> None:
        self.out("#" * min(s.level + 1, 6) + " " + escape(s.heading), "")
        for child in s.children:
            self.block(child)

    def paragraph(self, b: Paragraph) -> None:
        if b.generated:  # standard text: a labelled quote, apart from the author's words
            body = parts_md(b.parts(), prefix="> ")
            while body and not body[-1].strip(" >"):
                body.pop()
            self.out(f"> *{escape(b.label)}*", ">", *body, "")
            return
        self.out(*parts_md(b.parts()))

    def _xref(self, b: Table, r: int, c: int) -> str | None:
        """A cross-referenced cell as links to the sections' headings; None without references."""
        parts = b.cell_refs(r, c)
        if parts[0][1] is None:
            return None
        if not hasattr(self, "_anchors"):
            self._anchors = {s.anchor: slug(s.heading) for s in self.doc.sections()}
        return "; ".join(f"[{_cell(text)}](#{self._anchors[a]})" if a in self._anchors else _cell(text)
                         for text, a in parts)

    def callout(self, b: Callout) -> None:
        if self.gfm:
            self.out(f"> [!{ALERTS[b.kind]}]")
        self.out(f"> **{escape(b.default_title)}**", ">")
        body = parts_md(b.parts(), prefix="> ")
        while body and not body[-1].strip(" >"):
            body.pop()
        self.out(*body, "")

    def page_break(self, _b: PageBreak) -> None:
        pass  # Markdown has no pages

    def key_figures(self, b: KeyFigures) -> None:
        self.out("| Measure | Value | Change | Status |", "| --- | ---: | ---: | --- |")
        for f in b.figures:
            status = f.rag.label if f.rag else ("" if f.note else "No target")
            if f.note:
                status = f"{status} ({f.note})" if status else f.note
            self.out(f"| {_cell(f.label)} | **{_cell(f.value)}** | {_cell(f.change)} | {_cell(status)} |")
        self.out("")
        if b.caption:
            self.out(escape(b.caption), "")

    def table(self, b: Table) -> None:
        if b.caption:
            self.out(f"**Table {b.number}.** {escape(b.caption)}", "")
        self.out("| " + " | ".join(_cell(c.header) for c in b.columns) + " |")
        rule = {"left": "---", "right": "---:", "center": ":---:"}
        self.out("| " + " | ".join(rule[c.align] for c in b.columns) + " |")
        last = len(b.rows) - 1
        for i, row in enumerate(b.rows):
            cells = []
            for j, text in enumerate(row):
                cell = self._xref(b, i, j) or _cell(text)
                rag = b.cell_rag(i, j)
                if rag is not None:
                    cell += f" {rag.symbol}"
                if b.total_row and i == last and text:
                    cell = f"**{cell}**"
                cells.append(cell)
            self.out("| " + " | ".join(cells) + " |")
        self.out("")
        if b.more:
            self.out(f"*{escape(b.more)}*", "")
        for note in b.notes:
            self.out(escape(note), "")

    def figure(self, b: Figure) -> None:
        image = self.assets.get(b.id)
        if image is not None and image.png:
            name = f"{b.id}.png"
            self.images[name] = image.png
            alt = escape(b.alt)
            self.out(f"![{alt}]({self.files_dir}/{name})", "")
        self.out(f"*Figure {b.number}. {escape(b.caption)}*", "")

    def write(self) -> str:
        d = self.doc
        self.out(f"# {escape(d.title.strip())}", "")
        meta = " · ".join(escape(x) for x in (d.period_label, d.organisation) if x)
        if meta:
            self.out(f"**{meta}**", "")
        sub = [escape(d.subject)] if d.subject else []
        sub.append(escape(f"Published {d.date.day} {d.date:%B %Y}"))
        self.out(" · ".join(sub), "")
        if d.toc and any(True for _ in d.sections(1)):
            self.out("## Contents", "")
            # GitHub numbers repeated headings across the whole page, so anchors come from
            # every heading in order (the title and "Contents" included).
            everything = [d.title.strip(), "Contents", *(s.heading for s in d.sections())]
            anchors = dict(zip((id(s) for s in d.sections()), slugs(everything)[2:]))
            for s in d.sections(1):
                if self.gfm:
                    self.out(f"- [{escape(s.heading)}](#{anchors[id(s)]})")
                else:
                    self.out(f"- {escape(s.heading)}")
            self.out("")
        for block in d.blocks:
            self.block(block)
        text = "\n".join(self.lines)
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        return text


def render_markdown(doc: Document, assets: Mapping[str, "ChartImage"] | None, files_dir: str,
                    flavour: str = "gfm") -> tuple[str, dict[str, bytes]]:
    """Markdown text plus the image files ({name: PNG bytes}) to write into `files_dir`."""
    w = _Writer(doc, assets or {}, files_dir, flavour)
    return w.write(), w.images


class MarkdownRenderer:
    """Format "md": `<name>.md`, its charts as PNG files in the folder `<name>_files/` beside it."""

    name = "md"
    extension = ".md"
    charts = "png"

    def render(self, document: Document, charts: Mapping[str, "ChartImage"], path: Path,
               options: "RenderOptions") -> None:
        files_dir = f"{path.stem}_files"
        text, images = render_markdown(document, charts, files_dir, options.markdown_flavour)
        if images:
            atomic_write_dir(path.with_name(files_dir), images)
        atomic_write_bytes(path, text.encode("utf-8"))


RENDERER = MarkdownRenderer()
