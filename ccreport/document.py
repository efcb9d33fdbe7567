"""The format-neutral document tree that every renderer lays out.

A builder in `ccreport.documents` turns metrics into a `Document`: sections, paragraphs, key
figures, tables of already-formatted strings, figures and callouts. A figure holds a chart
*specification* (`Chart`: what to draw, as plain data); `ccreport.render.charts` draws it with
matplotlib. Renderers
(`ccreport.render`) dispatch on the block type and only lay out what they are given; they
never compute or format a number. Because every format is built from the same tree, the
PDF, Word, HTML and Markdown outputs cannot disagree.

Text in `Paragraph` and `Callout` is a small Markdown subset (bold, italics, links, bullet
and numbered lists), parsed once here into spans so that each renderer escapes plain text
its own way. Text from an export (titles, category names) goes into a paragraph through
`md_escape()`; table cells, labels and captions are always plain text.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Iterator, Literal, Sequence, Union

# --------------------------------------------------------------------------- text safety

# XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates and U+FFFE/FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    """Remove the characters XML 1.0 (and so Word, SVG and PDF metadata) cannot hold."""
    return _XML_INVALID.sub("", text) if _XML_INVALID.search(text) else text


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|<>#~!])")


def md_escape(text: str) -> str:
    """Escape untrusted text so that it is literal inside Paragraph/Callout Markdown."""
    return _MD_SPECIAL.sub(r"\\\1", text)


# --------------------------------------------------------------------------- RAG status


class Rag(enum.Enum):
    """Red/Amber/Green status: always shown with a word and a symbol, never colour alone."""

    GREEN = "Green"
    AMBER = "Amber"
    RED = "Red"

    @property
    def word(self) -> str:
        return self.value

    @property
    def symbol(self) -> str:
        # Distinct shapes, so the status survives a greyscale printer and colour blindness.
        return {"Green": "\u2714", "Amber": "\u25b2", "Red": "\u2716"}[self.value]

    @property
    def label(self) -> str:
        return f"{self.symbol} {self.word}"

    @property
    def css(self) -> str:
        return self.value.lower()


# --------------------------------------------------------------------------- inline Markdown


@dataclass(frozen=True)
class Span:
    """A run of plain text with its emphasis, or a link (href set)."""

    text: str
    bold: bool = False
    italic: bool = False
    href: str | None = None
    #: `code`: shown in a monospace font, never parsed further.
    code: bool = False


@dataclass(frozen=True)
class TextPart:
    """One paragraph or list parsed from Paragraph text."""

    kind: Literal["p", "ul", "ol"]
    #: For "p": one item (the paragraph's spans); for lists: one item per list entry.
    items: tuple[tuple[Span, ...], ...]


_ANCHOR = re.compile(r"^sec-[a-z0-9]+(?:-[a-z0-9]+)*$")
_SAFE_HREF = re.compile(r"^(https?://|mailto:|#)", re.IGNORECASE)
_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\(([^)\s]+)\)")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_inline(text: str) -> tuple[Span, ...]:
    """Parse `**bold**`, `*italic*`/`_italic_`, `` `code` `` and `[text](url)`.

    Backslash escapes are literal.

    Links to anything but http(s), mailto and in-document anchors become plain text.
    """
    spans: list[Span] = []
    buf: list[str] = []
    bold = italic = False
    i, n = 0, len(text)

    def flush(href: str | None = None, link_text: str | None = None) -> None:
        if buf:
            spans.append(Span("".join(buf), bold, italic))
            buf.clear()
        if link_text is not None:
            if href is not None and _SAFE_HREF.match(href):
                spans.append(Span(link_text, bold, italic, href))
            else:
                spans.append(Span(link_text, bold, italic))

    while i < n:
        c = text[i]
        if c == "\\" and i + 1 < n:
            buf.append(text[i + 1])
            i += 2
        elif c == "`" and (end := text.find("`", i + 1)) > i:
            flush()
            spans.append(Span(text[i + 1 : end], bold, italic, code=True))
            i = end + 1
        elif text.startswith("**", i):
            flush()
            bold = not bold
            i += 2
        elif c in "*_" and (c == "*" or _is_word_boundary(text, i)):
            flush()
            italic = not italic
            i += 1
        elif c == "[" and (m := _LINK.match(text, i)):
            flush(m.group(2), _unescape(m.group(1)))
            i = m.end()
        else:
            buf.append(c)
            i += 1
    flush()
    return tuple(s for s in spans if s.text)


def _is_word_boundary(text: str, i: int) -> bool:
    """`_` toggles italics only at a word edge, so snake_case stays literal."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return not (before.isalnum() and after.isalnum())


_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+(.*)$")


def parse_text(text: str) -> tuple[TextPart, ...]:
    """Split Markdown text into paragraphs (blank-line separated) and lists."""
    parts: list[TextPart] = []
    para: list[str] = []
    items: list[str] = []
    list_kind: str | None = None

    def end_para() -> None:
        if para:
            parts.append(TextPart("p", (parse_inline(" ".join(para)),)))
            para.clear()

    def end_list() -> None:
        nonlocal list_kind
        if items:
            parts.append(TextPart(list_kind, tuple(parse_inline(t) for t in items)))  # type: ignore[arg-type]
            items.clear()
        list_kind = None

    for line in text.splitlines():
        if not line.strip():
            end_para()
            end_list()
            continue
        bullet, numbered = _BULLET.match(line), _NUMBERED.match(line)
        if bullet or numbered:
            kind = "ul" if bullet else "ol"
            end_para()
            if list_kind != kind:
                end_list()
                list_kind = kind
            items.append((bullet or numbered).group(1))  # type: ignore[union-attr]
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()  # continuation of a list item
        else:
            end_list()
            para.append(line.strip())
    end_para()
    end_list()
    return tuple(parts)


# --------------------------------------------------------------------------- chart specifications
# What a chart shows is decided by the document builder (its title states the finding); how it
# looks is decided by ccreport.render.charts. The spec is plain data, so renderers and tests can
# treat it as a value.

ChartKind = Literal["trend", "weekly", "sla_by_priority", "mttr_trend", "pareto", "ageing", "lifecycle", "gantt"]


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


def series(name: str, values: Sequence[float | None]) -> Series:
    return Series(name, tuple(None if v is None else float(v) for v in values))


@dataclass(frozen=True)
class Chart:
    """What to draw: plain data only, so renderers and tests can treat it as a value."""

    kind: ChartKind
    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    #: Axis unit shown on the value axis, e.g. "incidents", "%", "hours".
    unit: str = ""
    target: float | None = None
    target_label: str = ""
    subtitle: str = ""
    height_in: float = 2.6


@dataclass(frozen=True)
class Marker:
    """A labelled vertical mark on a lifecycle chart, e.g. an SLA target (x in hours)."""

    at: float
    label: str


@dataclass(frozen=True)
class LifecycleChart(Chart):
    """Kind "lifecycle": one horizontal bar per stage on an hours axis, SLA targets marked.

    `categories` are the stage names, top to bottom; `series[0]` the bar starts and
    `series[1]` the bar ends, in hours since the incident was logged (None: not recorded);
    `bar_labels` the text at each bar's end (already formatted by the document builder);
    `markers` the dashed vertical lines (the priority's SLA targets); `overlays` hatched
    stretches on a bar, (row, start, end, label), e.g. time on hold; `x_max` clips the axis:
    a longer bar runs off the right edge with an arrow and keeps its label.
    """

    bar_labels: tuple[str, ...] = ()
    markers: tuple[Marker, ...] = ()
    overlays: tuple[tuple[int, float, float, str], ...] = ()
    x_max: float | None = None


# --------------------------------------------------------------------------- blocks


#: The label every renderer puts on a block the tool wrote (standard explanation), so that a
#: reader can tell it from the author's own words.
GENERATED_LABEL = "Standard text"


@dataclass
class Paragraph:
    """Markdown-subset text: bold, italics, links, bullet and numbered lists.

    `generated`: standard explanatory text written by the tool, not the author; every renderer
    shows it muted and labelled `GENERATED_LABEL`.
    """

    block_type: ClassVar[str] = "paragraph"
    text: str
    generated: bool = False

    @property
    def label(self) -> str:
        """The label a renderer shows above the text: `GENERATED_LABEL` for generated text, else ""."""
        return GENERATED_LABEL if self.generated else ""

    def parts(self) -> tuple[TextPart, ...]:
        return parse_text(self.text)


@dataclass
class KeyFigure:
    """One headline tile: the label, the value as text, its change, and its status."""

    label: str
    value: str
    change: str = ""
    rag: Rag | None = None
    #: Short context under the value, e.g. "target 95 %".
    note: str = ""


@dataclass
class KeyFigures:
    block_type: ClassVar[str] = "key_figures"
    figures: list[KeyFigure]
    caption: str = ""


Align = Literal["left", "right", "center"]


@dataclass
class Column:
    header: str
    align: Align = "left"
    numeric: bool = False
    #: Keep cells on one line (identifiers); numeric columns never wrap anyway.
    nowrap: bool = False

    def __post_init__(self) -> None:
        if self.numeric and self.align == "left":
            self.align = "right"  # numbers line up on the right, whatever the caller forgot


@dataclass
class Table:
    """Rows of already-formatted strings. Use `Table.capped()` for long lists."""

    block_type: ClassVar[str] = "table"
    columns: list[Column]
    rows: list[list[str]]
    caption: str = ""
    notes: list[str] = field(default_factory=list)
    #: "and 25 more major incidents" when rows were left off; None when the table is whole.
    more: str | None = None
    #: Optional per-cell status, the same shape as rows (None where a cell has no status).
    rag: list[list[Rag | None]] | None = None
    #: The last row is a total (rendered bold, above a rule).
    total_row: bool = False
    #: Set by Document numbering when the table has a caption: "Table 3".
    number: int = 0
    #: Optional cross-references, the same shape as rows: per cell the anchor of the section it
    #: points at (`Section.anchor`, "sec-3-1"), or None. A cell that names several sections
    #: separates them with "; " in its text and gives one anchor each, separated by spaces, in
    #: the same order ("-" for a part that points nowhere). Renderers link each part and add its
    #: page number where they have pages.
    refs: list[list[str | None]] | None = None
    #: Optional column widths as shares of the table's width, one positive number per column
    #: (any scale: [2, 1, 1] and [50, 25, 25] are the same). A table with widths has a fixed
    #: shape: HTML/PDF lay it out with `table-layout: fixed` instead of measuring every cell,
    #: which is much cheaper for large tables. DOCX and Markdown ignore it.
    widths: list[float] | None = None

    def __post_init__(self) -> None:
        width = len(self.columns)
        if self.widths is not None:
            if len(self.widths) != width:
                raise ValueError(f"widths has {len(self.widths)} entries, expected one per column ({width})")
            for i, w in enumerate(self.widths):
                if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w <= 0:
                    raise ValueError(f"widths[{i}]: {w!r} is not a positive number")
        for row in self.rows:
            if len(row) != width:
                raise ValueError(f"table row has {len(row)} cells, expected {width}: {row!r}")
        if self.rag is not None and len(self.rag) != len(self.rows):
            raise ValueError("rag must have one entry per row")
        if self.refs is not None:
            if len(self.refs) != len(self.rows):
                raise ValueError("refs must have one entry per row")
            for r, (row, refs) in enumerate(zip(self.rows, self.refs)):
                for c, ref in enumerate(refs):
                    if ref is None:
                        continue
                    if c >= width or not all(a == "-" or _ANCHOR.match(a) for a in ref.split(" ")):
                        raise ValueError(f"refs[{r}][{c}]: {ref!r} is not a section anchor like sec-3-1")
                    if len(ref.split(" ")) != len(row[c].split("; ")):
                        raise ValueError(f"refs[{r}][{c}]: one anchor per '; '-separated part of {row[c]!r}")

    @classmethod
    def capped(
        cls,
        columns: list[Column],
        rows: list[list[str]],
        *,
        limit: int = 15,
        noun: str = "rows",
        rag: list[list[Rag | None]] | None = None,
        **kwargs,
    ) -> "Table":
        """Keep the first `limit` rows and say how many were left off."""
        more = None
        if len(rows) > limit:
            more = f"and {len(rows) - limit:,} more {noun}"
            rows = rows[:limit]
            rag = rag[:limit] if rag is not None else None
            if kwargs.get("refs") is not None:
                kwargs["refs"] = kwargs["refs"][:limit]
        return cls(columns, rows, more=more, rag=rag, **kwargs)

    def estimated_widths(self, line: int = 100) -> list[float]:
        """Column shares from the cells' text, the way CSS's automatic table layout shares a
        full-width table (each column between its longest word and its whole text, the room
        above the minimum shared by what each column could still use), counted in characters
        on a line of `line` characters. Lets a large table be laid out fixed without measuring
        every cell in the renderer. Columns that keep one line (numeric, nowrap) get their
        whole text as minimum, with a margin for wide letters."""
        mins, maxs = [], []
        for i, col in enumerate(self.columns):
            cells = [row[i] for row in self.rows]
            if self.more is not None and i == 0:
                cells = cells or [""]
            one_line = col.numeric or col.nowrap
            marks = 2 if self.rag is not None and any(r[i] is not None for r in self.rag if i < len(r)) else 0
            # The HTML renderer lets a wrapped cell break a word of 25 characters or more every 12.
            longest_word = max((len(w) if one_line or len(w) < 25 else 12
                                for t in cells + [col.header] for w in t.split()), default=1)
            longest_text = max((len(t) for t in cells), default=0)
            lo = max(longest_word, longest_text * 1.25 if one_line else 0) + marks + 1.5
            hi = max(lo, longest_text + marks + 1.5, len(col.header) + 1.5)
            mins.append(lo)
            maxs.append(hi)
        if sum(maxs) <= line:
            widths = maxs
        elif sum(mins) >= line:
            widths = mins
        else:
            room = (line - sum(mins)) / (sum(maxs) - sum(mins))
            widths = [lo + (hi - lo) * room for lo, hi in zip(mins, maxs)]
        total = sum(widths)
        return [round(100.0 * w / total, 2) for w in widths]

    def width_percents(self) -> list[float] | None:
        """The widths as percentages of the table's width (summing to 100), or None."""
        if self.widths is None:
            return None
        total = float(sum(self.widths))
        return [round(100.0 * w / total, 2) for w in self.widths]

    def cell_refs(self, r: int, c: int) -> list[tuple[str, str | None]]:
        """The cell as (text, anchor) parts: one part with None when the cell has no reference."""
        text = self.rows[r][c]
        ref = self.refs[r][c] if self.refs is not None and c < len(self.refs[r]) else None
        if ref is None:
            return [(text, None)]
        return [(t, None if a == "-" else a) for t, a in zip(text.split("; "), ref.split(" "))]

    def cell_rag(self, r: int, c: int) -> Rag | None:
        if self.rag is None:
            return None
        row = self.rag[r]
        return row[c] if c < len(row) else None


@dataclass
class Figure:
    """A chart (a `Chart` spec, drawn by ccreport.render.charts), its caption and alt text."""

    block_type: ClassVar[str] = "figure"
    id: str
    chart: Chart
    caption: str
    alt: str
    #: Set by Document numbering: "Figure 2".
    number: int = 0


@dataclass
class Callout:
    block_type: ClassVar[str] = "callout"
    kind: Literal["info", "warning", "todo"]
    text: str
    title: str = ""

    def parts(self) -> tuple[TextPart, ...]:
        return parse_text(self.text)

    @property
    def default_title(self) -> str:
        return self.title or {"info": "Note", "warning": "Warning", "todo": "To complete"}[self.kind]


@dataclass
class PageBreak:
    block_type: ClassVar[str] = "page_break"


@dataclass
class Section:
    """A numbered heading and its content. Appendix sections are lettered (A, B, ...)."""

    block_type: ClassVar[str] = "section"
    title: str
    children: list["Block"] = field(default_factory=list)
    level: int = 1
    appendix: bool = False
    #: Set by Document numbering: "2", "2.1", "A", "A.1".
    number: str = ""
    #: Set by Document numbering: a stable anchor for links and the table of contents.
    anchor: str = ""

    @property
    def heading(self) -> str:
        if not self.number:
            return self.title
        return f"Appendix {self.number}: {self.title}" if self.appendix and self.level == 1 else f"{self.number} {self.title}"

    def add(self, *blocks: "Block") -> "Section":
        self.children.extend(blocks)
        return self


Block = Union[Section, Paragraph, KeyFigures, Table, Figure, Callout, PageBreak]


# --------------------------------------------------------------------------- the document


@dataclass
class Document:
    kind: str
    title: str
    subtitle: str = ""
    period_label: str = ""
    organisation: str = ""
    author: str = ""
    date: dt.date = field(default_factory=dt.date.today)
    blocks: list[Block] = field(default_factory=list)
    #: One-line description, used as the PDF subject and DOCX subject.
    subject: str = ""
    keywords: list[str] = field(default_factory=list)
    primary_colour: str = "#1f4e79"
    logo: Path | None = None
    #: Show a table of contents after the cover.
    toc: bool = True
    lang: str = "en-GB"

    def __post_init__(self) -> None:
        self.number_sections()

    def number_sections(self) -> None:
        """Number sections 1, 1.1, ... and appendices A, A.1, ...; give each an anchor.

        Figures and captioned tables are numbered in document order as well, so every
        format prints the same "Figure 2" and "Table 3".
        """
        counters = {"main": 0, "appendix": 0}
        for block in self.blocks:
            if isinstance(block, Section):
                key = "appendix" if block.appendix else "main"
                counters[key] += 1
                n = counters[key]
                number = chr(ord("A") + n - 1) if block.appendix else str(n)
                _number(block, number, 1)
        figures = tables = 0
        for block in self.walk():
            if isinstance(block, Figure):
                figures += 1
                block.number = figures
            elif isinstance(block, Table) and block.caption:
                tables += 1
                block.number = tables

    def walk(self) -> Iterator[Block]:
        """Every block, depth first, in document order."""

        def walk(blocks: list[Block]) -> Iterator[Block]:
            for b in blocks:
                yield b
                if isinstance(b, Section):
                    yield from walk(b.children)

        return walk(self.blocks)

    def sections(self, max_level: int = 9) -> Iterator[Section]:
        """Every section in document order, down to `max_level`."""

        def walk(blocks: list[Block]) -> Iterator[Section]:
            for b in blocks:
                if isinstance(b, Section) and b.level <= max_level:
                    yield b
                    yield from walk(b.children)

        return walk(self.blocks)

    def figures(self) -> Iterator[Figure]:
        return (b for b in self.walk() if isinstance(b, Figure))

    @property
    def full_title(self) -> str:
        """The title as a person writes it in a file's properties: "Monthly incident report,
        Glasgow, October 2026" (the cover's "title: group" read as a list, not colon upon colon)."""
        title = self.title.replace(": ", ", ")
        return f"{title}, {self.period_label}" if self.period_label else title


def _number(section: Section, number: str, level: int) -> None:
    section.level = level
    section.number = number
    section.anchor = "sec-" + number.replace(".", "-").lower()
    sub = 0
    for child in section.children:
        if isinstance(child, Section):
            sub += 1
            _number(child, f"{number}.{sub}", level + 1)
