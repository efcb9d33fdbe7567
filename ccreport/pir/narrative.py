"""The PIR narrative file: Markdown with YAML front matter (SPEC §3.3), read strictly, made safe.

    load_narrative(path) -> Narrative
    markdown_blocks(text) -> list[Block]     the Markdown body as Document blocks
    inline_markdown(text) -> str             one free-text field as Paragraph Markdown
    plain_text(text) -> str                  one free-text field as plain text (table cells)

The front matter is read with the project's strict YAML loader (safe, no aliases, no duplicate
keys, line numbers) and validated by a pydantic model that forbids unknown keys, so a typo is
an error naming the file, line and key: `pir.md line 7: actions[1].type: 'fix' is not one of
mitigate, prevent, process, other.`

Everything a reviewer types is untrusted. Free text (the body and every free-text field) goes
through two gates before it reaches a document:

1. Markdown -> HTML (Python-Markdown), then **nh3** with an explicit allow-list: text-level
   and structural tags only (no script, iframe, object, style, link, img, form...; the content
   of script/style/iframe/object/embed/noscript/template is dropped), `href` as the only
   attribute, URL schemes https and mailto only, relative URLs denied.
2. The sanitised HTML is converted into the Document model (Section, Paragraph, Table,
   Callout) — headings, paragraphs, bold/italic/code, lists, tables, quotes and https/mailto
   links survive; nothing else can. Every renderer then escapes that text its own way, so the
   HTML and PDF carry only the sanitised structure, and Word and Markdown get text with links.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Union

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from .. import yamlio
from ..document import Block, Callout, Column, Paragraph, Section, Table, md_escape
from ..errors import ConfigError

REVIEW_STATUSES = ("Draft", "In Review", "Reviewed", "Closed")
ACTION_TYPES = ("mitigate", "prevent", "process", "other")
ACTION_STATUSES = ("open", "in progress", "done")
#: Other words reviewers use for a finished action, read as "done" (case-insensitive).
ACTION_STATUS_ALIASES = {"closed": "done", "complete": "done", "completed": "done"}

# --------------------------------------------------------------------------- the model


def _one_of(value: Any, allowed: tuple[str, ...]) -> str:
    """Case- and space-insensitive match against `allowed`; the error lists the choices."""
    if isinstance(value, str):
        key = " ".join(value.replace("_", " ").split()).lower()
        for a in allowed:
            if a.lower() == key:
                return a
    shown = repr(value) if isinstance(value, str) else str(value)
    raise ValueError(f"{shown} is not one of {', '.join(allowed)}")


def _text_list(value: Any) -> Any:
    """A single string is a one-item list; None is an empty list."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Action(_Strict):
    action: str
    owner: str | None = None
    due: dt.date | None = None
    type: str | None = None
    status: str = "open"

    @field_validator("type", mode="before")
    @classmethod
    def _type(cls, v: Any) -> Any:
        return None if v is None else _one_of(v, ACTION_TYPES)

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        if isinstance(v, str) and v.strip().lower() in ACTION_STATUS_ALIASES:
            return ACTION_STATUS_ALIASES[v.strip().lower()]
        return "open" if v is None else _one_of(v, ACTION_STATUSES)

    @field_validator("due", mode="before")
    @classmethod
    def _due(cls, v: Any) -> Any:
        if v is None or isinstance(v, dt.date):
            return v
        try:
            return dt.date.fromisoformat(str(v).strip())
        except ValueError:
            raise ValueError(f"{v!r} is not a date like 2026-11-30") from None

    @property
    def done(self) -> bool:
        return self.status == "done"


FIRST_YEAR, LAST_YEAR = 1970, 2099
#: A notification deadline longer than a year is a typo (and 10^29 hours overflows).
MAX_DEADLINE_HOURS = 8760


def _datetime(v: Any) -> Any:
    if v is None or isinstance(v, dt.datetime):
        return v
    text = str(v).strip()
    try:
        if not re.match(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}", text):
            raise ValueError
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{v!r} is not a date and time like 2026-06-18T11:20:00+01:00") from None
    # The years ccreport reads (as for exports): year 9999 or 0001 would overflow the
    # timestamps the review computes with, a day's offset past them included.
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise ValueError(f"{v!r} is outside {FIRST_YEAR}-{LAST_YEAR}, the years ccreport reads")
    return when


class Regulatory(_Strict):
    """One notification owed to a regulator: to `body`, within `deadline_hours` of awareness.

    Naive times are local time in the configured timezone (resolved when the PIR is built).
    `awareness_at` defaults to the incident's detected_at, else its opened_at."""

    body: str
    deadline_hours: float
    notified_at: dt.datetime | None = None
    awareness_at: dt.datetime | None = None

    @field_validator("deadline_hours", mode="before")
    @classmethod
    def _hours(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= MAX_DEADLINE_HOURS:
            raise ValueError(f"{v!r} is not a positive number of hours up to {MAX_DEADLINE_HOURS:,}, such as 72")
        return float(v)

    @field_validator("notified_at", "awareness_at", mode="before")
    @classmethod
    def _when(cls, v: Any) -> Any:
        return _datetime(v)


class Impact(_Strict):
    """Impact figures the review states (optional): compared with the measured ones."""

    customers_affected: float | None = None
    contacts_offered: float | None = None
    contacts_abandoned: float | None = None
    duration_hours: float | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _number(cls, v: Any) -> Any:
        if v is None:
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0 or v != v or v > 1e12:
            raise ValueError(f"{v!r} is not a number of zero or more, such as 5200")
        return float(v)


class _FrontMatter(_Strict):
    status: str = "Draft"
    owner: str | None = None
    summary: str | None = None
    root_cause: str | None = None
    contributing_factors: list[str] = []
    went_well: list[str] = []
    to_improve: list[str] = []
    lucky: list[str] = []
    actions: list[Action] = []
    lessons: list[str] = []
    #: None: not filled in; []: the review found no notification was due.
    regulatory: list[Regulatory] | None = None
    impact: Impact | None = None

    @field_validator("status", mode="before")
    @classmethod
    def _status(cls, v: Any) -> Any:
        return "Draft" if v is None else _one_of(v, REVIEW_STATUSES)

    @field_validator("contributing_factors", "went_well", "to_improve", "lucky", "lessons", mode="before")
    @classmethod
    def _lists(cls, v: Any) -> Any:
        return _text_list(v)

    @field_validator("actions", mode="before")
    @classmethod
    def _actions(cls, v: Any) -> Any:
        return [] if v is None else v


@dataclass(frozen=True)
class Narrative:
    """A reviewer's narrative: the front-matter fields plus the Markdown body (raw text)."""

    status: str = "Draft"
    owner: str | None = None
    summary: str | None = None
    root_cause: str | None = None
    contributing_factors: tuple[str, ...] = ()
    went_well: tuple[str, ...] = ()
    to_improve: tuple[str, ...] = ()
    lucky: tuple[str, ...] = ()
    actions: tuple[Action, ...] = ()
    lessons: tuple[str, ...] = ()
    regulatory: tuple[Regulatory, ...] | None = None
    impact: Impact | None = None
    body: str = ""
    path: Path | None = field(default=None, compare=False)


_FENCE = re.compile(r"^---[ \t]*$")


def split_front_matter(text: str, path: str = "<narrative>") -> tuple[str | None, str, int]:
    """(front-matter YAML or None, body, line number of the opening fence)."""
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not _FENCE.match(lines[i].rstrip("\r\n")):
        return None, text, 0
    for j in range(i + 1, len(lines)):
        if _FENCE.match(lines[j].rstrip("\r\n")):
            return "".join(lines[i + 1 : j]), "".join(lines[j + 1 :]), i + 1
    raise ConfigError(f"{path} line {i + 1}: the front matter opened with '---' is never closed; "
                      "end it with a line of '---'.")


def loads_narrative(text: str, path: str = "<narrative>") -> Narrative:
    """Parse narrative text (see load_narrative)."""
    front, body, fence_line = split_front_matter(text.lstrip("\ufeff"), path)
    data: dict[str, Any] = {}
    doc = None
    if front is not None:
        # Pad with blank lines so YAML line numbers are the file's line numbers.
        doc = yamlio.loads("\n" * fence_line + front, path)
        if doc.data is not None:
            if not isinstance(doc.data, dict):
                raise ConfigError(f"{path}: the front matter must be a mapping of keys "
                                  "(status, owner, summary, ...).")
            data = doc.data
    # The body is converted when rendering: check its bounds now, naming the file's line.
    check_markdown_bounds(body, path, first_line=text.count("\n") - body.count("\n") + 1)
    try:
        fm = _FrontMatter.model_validate(data)
    except ValidationError as err:
        assert doc is not None
        raise yamlio.pydantic_error(doc, err) from None
    return Narrative(
        status=fm.status, owner=fm.owner, summary=fm.summary, root_cause=fm.root_cause,
        contributing_factors=tuple(fm.contributing_factors), went_well=tuple(fm.went_well),
        to_improve=tuple(fm.to_improve), lucky=tuple(fm.lucky), actions=tuple(fm.actions),
        lessons=tuple(fm.lessons),
        regulatory=None if fm.regulatory is None else tuple(fm.regulatory),
        impact=fm.impact, body=body, path=Path(path),
    )


def load_narrative(path: str | Path) -> Narrative:
    """Read a PIR narrative: `---`-fenced YAML front matter, then a Markdown body.

    Keys: status (Draft, In Review, Reviewed, Closed), owner, summary, root_cause,
    contributing_factors, went_well, to_improve, lucky, lessons (lists), actions[] {action,
    owner, due, type: mitigate|prevent|process|other, status: open|in progress|done, with
    closed/complete/completed read as done},
    regulatory[] {body, deadline_hours, notified_at, awareness_at}, impact {customers_affected,
    contacts_offered, contacts_abandoned, duration_hours}. Every key is optional;
    unknown keys and wrong values raise ConfigError naming the file, line and key.
    """
    from ..yamlio import read_text

    text = read_text(path)
    return loads_narrative(text, str(path))


# --------------------------------------------------------------------------- sanitising

#: The only tags that survive sanitising (their text survives either way).
ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "i", "code",
    "pre", "blockquote", "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td",
    "span", "del", "s", "sub", "sup",
})
#: Tags removed together with everything inside them.
DROPPED_WITH_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "noscript", "template"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = frozenset({"https", "mailto"})
_SAFE_URL = re.compile(r"^(https://|mailto:)", re.IGNORECASE)


def _keep_url(tag: str, attr: str, value: str) -> str | None:
    # Belt and braces on top of url_schemes/url_relative: only absolute https/mailto hrefs.
    if attr == "href":
        return value if _SAFE_URL.match(value.strip()) else None
    return value


def sanitise_html(html: str) -> str:
    """nh3 with the allow-list above: no scripts, frames, objects, styles, links or images."""
    import nh3

    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_url,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel=None,
        strip_comments=True,
    )


#: Markdown nesting (quotes, lists, indentation) deeper than this is refused: Python-Markdown
#: recurses per level (10,000 nested list items exhaust the stack) and no report needs more.
MAX_MARKDOWN_DEPTH = 32
#: ...and so is a table row with more cells than any page can show.
MAX_TABLE_COLUMNS = 64
_MD_PREFIX = re.compile(r"(?:[ \t]*(?:>|[*+-](?=[ \t])|\d{1,9}[.)](?=[ \t])))*[ \t]*")
_MD_MARKER = re.compile(r">|[*+-]|\d{1,9}[.)]")


def check_markdown_bounds(text: str, where: str = "narrative Markdown", first_line: int = 1) -> None:
    """Refuse Markdown nested deeper than MAX_MARKDOWN_DEPTH or with a table row wider than
    MAX_TABLE_COLUMNS, with one line naming the file (`where`) and line, before the Markdown
    library sees it."""
    for n, line in enumerate(text.splitlines(), start=first_line):
        prefix = _MD_PREFIX.match(line).group(0)
        if len(prefix) > MAX_MARKDOWN_DEPTH:
            # One level per quote or list marker, and one per four columns of indentation.
            spaces = prefix.expandtabs(4)
            depth = len(_MD_MARKER.findall(prefix)) + (len(spaces) - len(spaces.lstrip(" "))) // 4
            if depth > MAX_MARKDOWN_DEPTH:
                raise ConfigError(f"{where} line {n}: quotes or lists nested {depth} levels deep, "
                                  f"over the limit of {MAX_MARKDOWN_DEPTH}; flatten it.")
        if line.count("|") - line.count("\\|") > MAX_TABLE_COLUMNS + 1:
            raise ConfigError(f"{where} line {n}: a table row with over {MAX_TABLE_COLUMNS} "
                              "columns; split the table.")


def markdown_html(text: str) -> str:
    """Markdown (tables allowed) -> sanitised HTML."""
    import markdown

    check_markdown_bounds(text or "")
    html = markdown.markdown(text or "", extensions=["tables", "sane_lists"], output_format="html")
    return sanitise_html(html)


# --------------------------------------------------------------------------- HTML -> blocks


@dataclass
class _Node:
    tag: str
    href: str | None = None
    children: list[Union["_Node", str]] = field(default_factory=list)


_VOID = {"br", "hr"}


class _TreeBuilder(HTMLParser):
    """A small DOM of the (already sanitised, so well-known) tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = _Node(tag, href=dict(attrs).get("href") if tag == "a" else None)
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(_Node(tag))

    def handle_endtag(self, tag: str) -> None:
        for k in range(len(self.stack) - 1, 0, -1):
            if self.stack[k].tag == tag:
                del self.stack[k:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def _tree(html: str) -> _Node:
    b = _TreeBuilder()
    b.feed(html)
    b.close()
    return b.root


_WS = re.compile(r"\s+")
_INLINE = {"strong", "b", "em", "i", "code", "a", "span", "br", "del", "s", "sub", "sup"}
_BLOCK = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "hr"}


def _text(node: _Node | str) -> str:
    """Plain text of a node, whitespace collapsed."""
    if isinstance(node, str):
        return node
    if node.tag == "br":
        return " "
    return "".join(_text(c) for c in node.children)


def _plain(node: _Node | str) -> str:
    return _WS.sub(" ", _text(node)).strip()


def _inline(nodes: list[_Node | str]) -> str:
    """Inline nodes -> the Paragraph Markdown subset (text escaped, emphasis and links kept)."""
    out: list[str] = []
    for n in nodes:
        if isinstance(n, str):
            out.append(md_escape(_WS.sub(" ", n)))
            continue
        if n.tag in ("ul", "ol", "table", "pre", "blockquote") or n.tag.startswith("h"):
            out.append(" " + md_escape(_plain(n)) + " ")
        elif n.tag == "br":
            out.append(" ")
        elif n.tag == "code":
            code = _WS.sub(" ", _text(n))
            out.append(f"`{code}`" if code.strip() and "`" not in code else md_escape(code))
        elif n.tag in ("strong", "b", "em", "i"):
            inner = _inline(n.children)
            mark = "**" if n.tag in ("strong", "b") else "*"
            # Emphasis markers hug the text: leading/trailing spaces stay outside.
            stripped = inner.strip()
            if stripped:
                lead = inner[: len(inner) - len(inner.lstrip())]
                trail = inner[len(inner.rstrip()):]
                out.append(f"{lead}{mark}{stripped}{mark}{trail}")
            else:
                out.append(inner)
        elif n.tag == "a":
            label = md_escape(_plain(n))
            href = (n.href or "").strip()
            if href and _SAFE_URL.match(href) and label:
                url = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
                out.append(f"[{label}]({url})")
            else:
                out.append(label)
        else:  # span, del, sub, sup, p inside li ...: their content
            out.append(_inline(n.children))
    return "".join(out)


def _one_line(md: str) -> str:
    """Collapse to one line; a line that would read as a list item stays a paragraph."""
    md = _WS.sub(" ", md).strip()
    if re.match(r"^[-*+] ", md):
        md = "\\" + md
    m = re.match(r"^(\d+)([.)]) ", md)
    if m:
        md = f"{m.group(1)}\\{m.group(2)}{md[m.end() - 1:]}"
    return md


def _list_items(node: _Node) -> list[str]:
    """A list's items as one-line Markdown; nested lists are flattened into the same list."""
    items: list[str] = []
    for li in node.children:
        if isinstance(li, str):
            if li.strip():
                items.append(_one_line(_inline([li])))
            continue
        if li.tag != "li":
            if li.tag in ("ul", "ol"):
                items += _list_items(li)
            continue
        own = [c for c in li.children if not (isinstance(c, _Node) and c.tag in ("ul", "ol"))]
        text = _one_line(_inline(own))
        if text:
            items.append(text)
        for c in li.children:
            if isinstance(c, _Node) and c.tag in ("ul", "ol"):
                items += _list_items(c)
    return items


def _table(node: _Node) -> Table | None:
    rows: list[tuple[bool, list[str]]] = []

    def walk(n: _Node) -> None:
        for c in n.children:
            if isinstance(c, _Node):
                if c.tag == "tr":
                    cells = [x for x in c.children if isinstance(x, _Node) and x.tag in ("td", "th")]
                    head = bool(cells) and all(x.tag == "th" for x in cells)
                    rows.append((head, [_plain(x) for x in cells]))
                else:
                    walk(c)

    walk(node)
    if not rows:
        return None
    width = max(len(r) for _, r in rows) or 1
    if rows[0][0]:
        header, body = rows[0][1], rows[1:]
    else:
        header, body = [""] * width, rows
    header = header + [""] * (width - len(header))
    data = [cells + [""] * (width - len(cells)) for _, cells in body]
    return Table([Column(h) for h in header], data)


def _blocks(nodes: list[_Node | str], quote_ok: bool = True) -> list[tuple[int, Any]]:
    """Block-level walk: (heading level or 0, block or heading title) in document order."""
    out: list[tuple[int, Any]] = []
    pending: list[_Node | str] = []

    def flush() -> None:
        if pending:
            md = _one_line(_inline(pending))
            if md:
                out.append((0, Paragraph(md)))
            pending.clear()

    for n in nodes:
        if isinstance(n, str) or n.tag in _INLINE:
            pending.append(n)
            continue
        flush()
        tag = n.tag
        if tag == "p":
            md = _one_line(_inline(n.children))
            if md:
                out.append((0, Paragraph(md)))
        elif len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            title = _plain(n)
            if title:
                out.append((int(tag[1]), title))
        elif tag in ("ul", "ol"):
            items = _list_items(n)
            if items:
                lines = [f"- {t}" if tag == "ul" else f"{k}. {t}" for k, t in enumerate(items, 1)]
                out.append((0, Paragraph("\n".join(lines))))
        elif tag == "table":
            t = _table(n)
            if t is not None:
                out.append((0, t))
        elif tag == "blockquote":
            inner = [b for lvl, b in _blocks(n.children, quote_ok=False) if lvl == 0]
            text = "\n\n".join(b.text for b in inner if isinstance(b, Paragraph))
            if text:
                out.append((0, Callout("info", text, title="Quote") if quote_ok else Paragraph(text)))
        elif tag == "pre":
            lines = [ln for ln in _text(n).splitlines() if ln.strip()]
            if lines:
                out.append((0, Paragraph("\n\n".join(
                    f"`{ln}`" if "`" not in ln else md_escape(ln) for ln in lines))))
        elif tag == "hr":
            continue
        else:  # li or td outside their parents, or any other container: its content
            out += _blocks(n.children, quote_ok)
    flush()
    return out


def markdown_blocks(text: str) -> list[Block]:
    """Markdown (raw HTML sanitised) -> Document blocks; headings become nested Sections.

    The shallowest heading level in the text becomes a sub-section of wherever the caller puts
    the blocks; deeper headings nest under it.
    """
    items = _blocks(_tree(markdown_html(text)).children)
    levels = sorted({lvl for lvl, _ in items if lvl})
    rank = {lvl: i + 1 for i, lvl in enumerate(levels)}
    top: list[Block] = []
    stack: list[tuple[int, Section]] = []
    for lvl, item in items:
        if lvl:
            r = rank[lvl]
            while stack and stack[-1][0] >= r:
                stack.pop()
            sec = Section(item)
            (stack[-1][1].children if stack else top).append(sec)
            stack.append((r, sec))
        else:
            (stack[-1][1].children if stack else top).append(item)
    return top


_LIST_MARK = re.compile(r"^(?:- |\d+\. )")


def inline_markdown(text: str) -> str:
    """One free-text field (a list item, an owner) -> one line of Paragraph Markdown."""
    items = _blocks(_tree(markdown_html(text)).children)
    parts: list[str] = []
    for lvl, b in items:
        if lvl:
            parts.append(md_escape(b))
        elif isinstance(b, Paragraph):
            parts.append(" ".join(_LIST_MARK.sub("", line) for line in b.text.splitlines() if line.strip()))
        elif isinstance(b, Callout):
            parts.append(_WS.sub(" ", b.text))
        elif isinstance(b, Table):
            parts.append(md_escape("; ".join(" ".join(r) for r in b.rows)))
    return _one_line(" ".join(p for p in parts if p))


def text_blocks(text: str) -> list[Block]:
    """A multi-paragraph free-text field (summary, root cause) -> blocks without headings."""
    out: list[Block] = []

    def flat(blocks: list[Block]) -> None:
        for b in blocks:
            if isinstance(b, Section):  # a heading inside a field reads as a bold line
                out.append(Paragraph(f"**{md_escape(b.title)}**"))
                flat(b.children)
            else:
                out.append(b)

    flat(markdown_blocks(text))
    return out


def plain_text(text: str) -> str:
    """One free-text field as plain text (for table cells): tags removed, links as their text."""
    return _plain(_tree(markdown_html(text)))


# --------------------------------------------------------------------------- timeline and figures

#: A body table is the narrative's timeline when its first column is headed one of these.
TIME_HEADINGS = ("time", "when", "at", "time (local)", "local time", "date and time", "date/time")
_ZONE = r"(?:\s*(?:BST|GMT|UTC|Z|CET|CEST|IST))?"
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                        "nov", "dec"), start=1)}
_ISO_CLOCK = re.compile(r"^(?:(\d{4})-(\d{2})-(\d{2})[ T])?(\d{1,2}):(\d{2})(?::(\d{2}))?" + _ZONE + r"$", re.I)
_DAY_CLOCK = re.compile(r"^(\d{1,2}) ([A-Za-z]{3})[a-z]*(?: (\d{4}))?,? (\d{1,2}):(\d{2})(?::(\d{2}))?" + _ZONE + r"$")


#: The year of a narrative date written without one ("19 Aug 09:12"): the incident's year.
YEARLESS = 4


@dataclass(frozen=True)
class TimelineEntry:
    """One row of the narrative's own timeline: a wall-clock time (local, in the configured
    timezone), with its date when the narrative gives one, and what happened (plain text)."""

    time: dt.time
    text: str
    date: dt.date | None = None
    #: The narrative wrote seconds (09:12:30), not only minutes.
    seconds: bool = False


def parse_clock(text: str) -> tuple[dt.date | None, dt.time, bool] | None:
    """"09:12", "09:12:30", "2026-08-19 09:12", "19 Aug 09:12", "19 Aug 2026 09:12 BST" ->
    (date or None, time, seconds given); None when the cell is not a time."""
    t = " ".join(text.replace("\u00a0", " ").split())
    m = _ISO_CLOCK.match(t)
    try:
        if m:
            y, mo, d, hh, mm, ss = m.groups()
            day = dt.date(int(y), int(mo), int(d)) if y else None
        else:
            m = _DAY_CLOCK.match(t)
            if not m or m.group(2).lower()[:3] not in _MONTHS:
                return None
            d, mon, y, hh, mm, ss = m.groups()
            # Without a year: YEARLESS (a leap year, so 29 Feb parses), read as the incident's year.
            day = dt.date(int(y) if y else YEARLESS, _MONTHS[mon.lower()[:3]], int(d))
        return day, dt.time(int(hh), int(mm), int(ss or 0)), ss is not None
    except ValueError:
        return None


def _is_timeline(table: Table) -> bool:
    if not table.columns or len(table.columns) < 2:
        return False
    head = " ".join(table.columns[0].header.split()).lower()
    cells = [r[0] for r in table.rows if r and r[0].strip()]
    return head in TIME_HEADINGS and bool(cells) and all(parse_clock(c) is not None for c in cells)


def split_timeline(blocks: list[Block]) -> tuple[list[TimelineEntry], list[Block]]:
    """The narrative's timeline tables (first column headed Time, every cell a time) taken out
    of `blocks`: (their entries in table order, the blocks without them). A section left
    empty by taking its table out is dropped."""
    entries: list[TimelineEntry] = []

    def walk(items: list[Block]) -> list[Block]:
        out: list[Block] = []
        for b in items:
            if isinstance(b, Table) and _is_timeline(b):
                for row in b.rows:
                    if not row or not row[0].strip():
                        continue
                    day, clock, secs = parse_clock(row[0])  # type: ignore[misc]
                    text = ". ".join(c.strip().rstrip(".") for c in row[1:] if c.strip())
                    entries.append(TimelineEntry(clock, text + "." if text else "", day, secs))
                continue
            if isinstance(b, Section):
                kids = walk(b.children)
                if not kids:
                    continue
                b = Section(b.title, kids, level=b.level, appendix=b.appendix)
            out.append(b)
        return out

    rest = walk(list(blocks))
    return entries, rest


#: What a stated figure counts, in the order the review lists them.
FIGURE_KINDS = ("customers_affected", "contacts_offered", "contacts_abandoned", "duration_hours")

_NUM = r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(k|thousand)\b)?"
_FIGURE_PATTERNS = (
    ("customers_affected", re.compile(_NUM + r"\s+(?:customers|callers|customer accounts)\b", re.I)),
    ("contacts_offered", re.compile(
        _NUM + r"\s+(?:calls|contacts|chats)\s+(?:were\s+|had\s+been\s+)?(?:offered|received|made|came\s+in|arrived)\b",
        re.I)),
    ("contacts_abandoned", re.compile(
        _NUM + r"\s+(?:calls|contacts|chats)\s+(?:were\s+|had\s+)?(?:abandoned|failed|dropped|lost|went\s+unanswered)\b",
        re.I)),
    ("duration_hours", re.compile(
        r"\blasted\s+(?:about\s+|around\s+|nearly\s+|almost\s+|over\s+)?(\d+(?:\.\d+)?)\s*(hours?|hrs?|h|minutes?|mins?)\b"
        r"(?:\s+(?:and\s+)?(\d+)\s*(?:minutes?|mins?)\b)?", re.I)),
)


@dataclass(frozen=True)
class StatedFigure:
    """An impact figure the narrative states: what it counts, the value, the words it was
    stated in (plain text) and where ("front matter", "summary", "body")."""

    kind: str
    value: float
    quote: str
    where: str


def _figures_in(text: str, where: str) -> list[StatedFigure]:
    out: list[StatedFigure] = []
    plain = _plain(_tree(markdown_html(text)))
    for kind, pattern in _FIGURE_PATTERNS:
        for m in pattern.finditer(plain):
            if kind == "duration_hours":
                n, unit, extra = float(m.group(1)), m.group(2).lower(), m.group(3)
                hours = n if unit.startswith("h") else n / 60
                if extra and unit.startswith("h"):
                    hours += int(extra) / 60
                value = hours
            else:
                value = float(m.group(1).replace(",", ""))
                if m.group(2):
                    value *= 1000
            out.append(StatedFigure(kind, value, m.group(0), where))
    return out


def stated_figures(narrative: "Narrative") -> list[StatedFigure]:
    """The impact figures a narrative states: its `impact:` front matter, then figures found in
    its summary and body ("about 5,200 customers", "2,266 calls failed", "lasted 4 hours").
    One figure per kind and value; the front matter's figure for a kind replaces the text's."""
    found: list[StatedFigure] = []
    if narrative.impact is not None:
        for kind in FIGURE_KINDS:
            v = getattr(narrative.impact, kind)
            if v is not None:
                found.append(StatedFigure(kind, v, "", "front matter"))
    given = {f.kind for f in found}
    if narrative.summary:
        found += [f for f in _figures_in(narrative.summary, "summary") if f.kind not in given]
    if narrative.body.strip():
        found += [f for f in _figures_in(narrative.body, "body") if f.kind not in given]
    seen: set[tuple[str, float]] = set()
    out = []
    for f in found:
        if (f.kind, f.value) not in seen:
            seen.add((f.kind, f.value))
            out.append(f)
    return out
