"""Reading a printed PDF back page by page, for the print-layout tests.

pypdf gives each text run with its position (`visitor_text`) and each bookmark (the headings,
WeasyPrint's `bookmark-level`) with its page and top. From those: which page a heading ends
(nothing of the body below it), how much of a page's body is used, and what the running
header says. The body is the A4 page less the print CSS's margins (22 mm top, 20 mm bottom).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pypdf

MM = 72 / 25.4
TOP_MARGIN, BOTTOM_MARGIN = 22 * MM, 20 * MM


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " ")).strip()


@dataclass
class Heading:
    level: int  # 0: a chapter (h2), 1: a section (h3) ...
    title: str
    top: float  # PDF points from the page's bottom


@dataclass
class Page:
    number: int
    body_top: float
    body_bottom: float
    body: list[tuple[float, float, str]] = field(default_factory=list)  # (y, x, text)
    header: list[tuple[float, str]] = field(default_factory=list)  # (x, text) in the top margin
    headings: list[Heading] = field(default_factory=list)

    @property
    def used(self) -> float:
        """Share of the body's height from its top down to the lowest line of text."""
        if not self.body:
            return 0.0
        return (self.body_top - min(y for y, _, _ in self.body)) / (self.body_top - self.body_bottom)

    def text_below(self, top: float) -> str:
        return norm(" ".join(t for y, _, t in sorted(self.body, key=lambda f: (-f[0], f[1])) if y < top - 1))

    def starts_with_chapter(self) -> bool:
        """A chapter heading with no text of the body above it."""
        return any(h.level == 0 and not any(y > h.top for y, _, _ in self.body) for h in self.headings)

    def header_right(self) -> str:
        """The running header's right-hand box (the chapter)."""
        return norm(" ".join(t for x, t in sorted(self.header) if x > 250))


def read(path: str | Path) -> list[Page]:
    reader = pypdf.PdfReader(str(path))
    headings: dict[int, list[Heading]] = {}

    def walk(items, level=0):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                headings.setdefault(reader.get_destination_page_number(item), []).append(
                    Heading(level, norm(item.title), float(item.top)))

    walk(reader.outline)
    pages = []
    for i, pdf_page in enumerate(reader.pages):
        height = float(pdf_page.mediabox.height)
        page = Page(i + 1, height - TOP_MARGIN, BOTTOM_MARGIN, headings=headings.get(i, []))

        def visit(text, cm, tm, font, size, page=page):
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            if page.body_bottom + 1 < y < page.body_top - 1:
                page.body.append((y, x, text))
            elif y >= page.body_top - 1:
                page.header.append((x, text))

        pdf_page.extract_text(visitor_text=visit)
        pages.append(page)
    return pages


def headings_ending_a_page(pages: list[Page]) -> list[str]:
    """Every heading with nothing of the body after it on its page."""
    found = []
    for page in pages:
        for h in page.headings:
            below = page.text_below(h.top)
            rest = below.replace(h.title, "", 1) if h.title in below else below
            if not rest.strip():
                found.append(f"page {page.number}: {h.title!r} is the last thing on the page")
    return found


def near_empty_pages(pages: list[Page], share: float = 0.25) -> list[str]:
    """Pages (other than the cover and the last) with less than `share` of the body used,
    unless the next page starts a chapter (a chapter's last page may be short)."""
    found = []
    for page, following in zip(pages[1:], pages[2:]):
        if page.used < share and not following.starts_with_chapter():
            found.append(f"page {page.number}: {page.used:.0%} of the page used, mid-chapter")
    return found


def wrong_running_headers(pages: list[Page]) -> list[str]:
    """The right-hand running header must name the chapter in force at the page's top: the
    chapter that starts at the top of this page, else the last one started before it."""
    found, current = [], None
    for page in pages:
        chapters = [h for h in page.headings if h.level == 0]
        expected = chapters[0].title if page.starts_with_chapter() else current
        if page.number > 1 and expected and page.header_right() != expected:
            found.append(f"page {page.number}: header {page.header_right()!r}, expected {expected!r}")
        if chapters:
            current = chapters[-1].title
    return found
