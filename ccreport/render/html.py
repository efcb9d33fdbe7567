"""HTML renderer: a Document -> one self-contained HTML file (inline CSS, inline SVG charts).

Templates are Jinja2 with autoescape on everywhere. Lookup goes through a user folder first,
then the built-in templates, and `default:NAME` always means the built-in one, so a user's
`monthly.html` can `{% extends "default:monthly.html" %}` and override a single block
(datasette's scheme). Each block type has its own template in `blocks/`; `render_block`
dispatches on the block's type. `RENDERER.text()` is also what the PDF renderer prints.
"""

from __future__ import annotations

import base64
import mimetypes
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from markupsafe import Markup, escape

from .. import __version__
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
from ..errors import RenderError
from .files import atomic_write_bytes
from .templates import templates_path

if TYPE_CHECKING:
    from .charts import ChartImage
    from .options import RenderOptions

#: Block type -> template. Plain dispatch: one entry per block class.
BLOCK_TEMPLATES: dict[type, str] = {
    Section: "blocks/section.html",
    Paragraph: "blocks/paragraph.html",
    KeyFigures: "blocks/key_figures.html",
    Table: "blocks/table.html",
    Figure: "blocks/figure.html",
    Callout: "blocks/callout.html",
    PageBreak: "blocks/page_break.html",
}


def _finalize(value: Any) -> Any:
    """Every `{{ }}` output passes through here: strip XML-invalid characters."""
    if isinstance(value, Markup):
        return Markup(xml_safe(str(value)))
    if isinstance(value, str):
        return xml_safe(value)
    return value


def make_environment(templates_dir: str | Path | None = None) -> Environment:
    builtin = FileSystemLoader(str(templates_path()))
    loaders = []
    if templates_dir is not None:
        loaders.append(FileSystemLoader(str(templates_dir)))
    loaders.append(builtin)
    env = Environment(
        loader=ChoiceLoader([PrefixLoader({"default": builtin}, delimiter=":"), *loaders]),
        autoescape=True,  # every template, whatever its extension (print.css is included too)
        undefined=StrictUndefined,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["spans"] = spans_html
    env.filters["breakable"] = breakable
    env.filters["parts"] = parts_html
    return env


_LONG_WORD = re.compile(r"\S{25,}")


def breakable(text: str) -> Markup:
    """Escape text and allow line breaks inside very long words (URLs, IDs typed as titles).

    Cheaper for WeasyPrint's table layout than `overflow-wrap: anywhere`, which makes every
    character a break opportunity when column widths are computed.
    """
    out, pos = [], 0
    for m in _LONG_WORD.finditer(text):
        out.append(escape(text[pos : m.start()]))
        word = m.group(0)
        out.append(Markup("<wbr>").join(escape(word[i : i + 12]) for i in range(0, len(word), 12)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return Markup("").join(out)


def spans_html(spans: Iterable[Span]) -> Markup:
    out = []
    for s in spans:
        html = escape(xml_safe(s.text))
        if s.code:
            html = Markup("<code>%s</code>") % html
        if s.italic:
            html = Markup("<em>%s</em>") % html
        if s.bold:
            html = Markup("<strong>%s</strong>") % html
        if s.href:
            html = Markup('<a href="%s">%s</a>') % (s.href, html)
        out.append(html)
    return Markup("").join(out)


def parts_html(parts: Iterable[TextPart]) -> Markup:
    out = []
    for part in parts:
        if part.kind == "p":
            out.append(Markup("<p>%s</p>") % spans_html(part.items[0]))
        else:
            items = Markup("").join(Markup("<li>%s</li>") % spans_html(i) for i in part.items)
            out.append(Markup("<%s>%s</%s>") % (Markup(part.kind), items, Markup(part.kind)))
    return Markup("\n").join(out)


def _data_uri(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as err:
        raise RenderError(f"{path}: cannot read the logo ({err.strerror or err})") from None
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not mime.startswith("image/"):
        raise RenderError(f"{path}: the logo must be an image (PNG, JPEG or SVG)")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def render_html(
    doc: Document,
    assets: Mapping[str, "ChartImage"] | None = None,
    *,
    templates_dir: str | Path | None = None,
) -> str:
    """The whole document as one HTML string (the PDF renderer prints exactly this)."""
    env = make_environment(templates_dir)
    assets = assets or {}

    def render_block(block: Any) -> Markup:
        name = BLOCK_TEMPLATES.get(type(block))
        if name is None:
            raise RenderError(f"the HTML renderer has no template for {type(block).__name__}")
        return Markup(env.get_template(name).render(block=block, **ctx))

    def chart_svg(fig: Figure) -> Markup:
        image = assets.get(fig.id)
        # The SVG comes from our own matplotlib call (text escaped by its writer), not from input.
        return Markup(image.svg) if image is not None and image.svg else Markup("")

    ctx: dict[str, Any] = {
        "doc": doc,
        "version": __version__,
        "render_block": render_block,
        "chart_svg": chart_svg,
        "logo": _data_uri(doc.logo) if doc.logo else None,
        "published": f"{doc.date.day} {doc.date:%B %Y}",
    }
    try:
        try:
            template = env.get_template(f"{doc.kind}.html")
        except TemplateNotFound:
            template = env.get_template("base.html")
        return template.render(**ctx)
    except TemplateNotFound as err:
        raise RenderError(f"template {err.name!r} not found in {templates_dir or templates_path()}") from None
    except TemplateError as err:
        where = f"{err.filename}:{err.lineno}: " if getattr(err, "filename", None) else ""
        raise RenderError(f"{where}template error: {err.message}") from None


class HtmlRenderer:
    """Format "html": one self-contained file, charts inline as SVG."""

    name = "html"
    extension = ".html"
    charts = "svg"

    def __init__(self) -> None:
        # The last text built, so that HTML and PDF of one write_document call lay the
        # document out once. Keyed by the identity of the document and of the charts mapping
        # (write_document draws a new mapping per call) and by the options' value.
        self._last: tuple[Document, Mapping[str, Any], Any, str] | None = None
        self._lock = threading.Lock()

    def text(self, document: Document, charts: Mapping[str, "ChartImage"], options: "RenderOptions") -> str:
        with self._lock:
            last = self._last
        if last is not None and last[0] is document and last[1] is charts and last[2] == options:
            return last[3]
        text = render_html(document, charts, templates_dir=options.templates_dir)
        with self._lock:
            self._last = (document, charts, options, text)
        return text

    def render(self, document: Document, charts: Mapping[str, "ChartImage"], path: Path,
               options: "RenderOptions") -> None:
        atomic_write_bytes(path, self.text(document, charts, options).encode("utf-8"))


RENDERER = HtmlRenderer()
