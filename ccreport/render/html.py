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
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateNotFound,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
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
from ..errors import CcreportError, RenderError
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


class _ConfinedLoader(FileSystemLoader):
    """A FileSystemLoader that will not read through a link out of its folder: a template
    folder holding `passwd.html -> /etc/passwd` cannot `{% include %}` that file."""

    def get_source(self, environment: Any, template: str) -> Any:
        source, filename, uptodate = super().get_source(environment, template)
        real = Path(filename).resolve()
        roots = [Path(p).resolve() for p in self.searchpath]
        if not any(real.is_relative_to(root) for root in roots):
            raise SecurityError(f"template {template!r} is a link to {real}, outside the template folder")
        return source, filename, uptodate


#: The most characters or items one `*` in a template may make, and the most bits one `**`.
TEMPLATE_MAX_ITEMS = 1_000_000
TEMPLATE_MAX_BITS = 1_000_000


class _TemplateSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus a bound on the two operators that turn a short template
    into gigabytes or hours: `'x' * 10**10` and `9 ** 9 ** 9`."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > TEMPLATE_MAX_ITEMS:
                    raise SecurityError(f"a template may not make a string or list of more than "
                                        f"{TEMPLATE_MAX_ITEMS:,} items with *")
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and abs(right) * max(abs(left), 2).bit_length() > TEMPLATE_MAX_BITS:
            raise SecurityError(f"a template may not compute numbers of more than {TEMPLATE_MAX_BITS:,} bits with **")
        return super().call_binop(context, operator, left, right)


def make_environment(templates_dir: str | Path | None = None) -> ImmutableSandboxedEnvironment:
    """The Jinja2 environment for the built-in templates and a user's `--templates` folder.

    Template folders are shared between teams, so templates are untrusted code: they run in
    Jinja2's sandbox, which refuses `_`-prefixed and internal attributes (`__class__`,
    `__globals__`, `__init__` ... the way to `os` and `open`), unsafe callables and huge
    `range()`s. The immutable variant also refuses to modify lists, dicts and sets, so a
    template cannot change the Document the other formats are written from; `_TemplateSandbox`
    bounds `*` and `**`. ImmutableSandboxedEnvironment rather than SandboxedEnvironment: no
    built-in template mutates anything, and the Document is shared by every format.
    """
    builtin = _ConfinedLoader(str(templates_path()))
    loaders = []
    if templates_dir is not None:
        loaders.append(_ConfinedLoader(str(templates_dir)))
    loaders.append(builtin)
    env = _TemplateSandbox(
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


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def svg_with_title(svg: str, alt: str) -> str:
    """The chart's SVG with the Figure's alt text as its first child `<title>` (escaped).

    The PDF's structure tree takes a Figure's `/Alt` from the SVG's `<title>` (an HTML
    `aria-label` around it does not reach WeasyPrint's tagging); in a browser it is the
    tooltip. A chart with no alt text gets its title-less SVG back.
    """
    alt = " ".join(xml_safe(alt or "").split())
    m = _SVG_OPEN.search(svg)
    if not alt or m is None:
        return svg
    return f"{svg[:m.end()]}<title>{escape(alt)}</title>{svg[m.end():]}"


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
        if image is None or not image.svg:
            return Markup("")
        return Markup(svg_with_title(image.svg, fig.alt))

    ctx: dict[str, Any] = {
        "doc": doc,
        "version": __version__,
        "render_block": render_block,
        "chart_svg": chart_svg,
        "logo": _data_uri(doc.logo) if doc.logo else None,
        "published": f"{doc.date.day} {doc.date:%B %Y}",
    }
    failure: BaseException
    try:
        try:
            template = env.get_template(f"{doc.kind}.html")
        except TemplateNotFound:
            template = env.get_template("base.html")
        return template.render(**ctx)
    except TemplateNotFound as err:
        raise RenderError(f"template {err.name!r} not found in {templates_dir or templates_path()}") from None
    except TemplateError as err:  # the sandbox's SecurityError is one of these
        failure, problem = err, f"template error: {err.message}"
    except CcreportError:
        raise
    except Exception as err:
        # A template can also raise plain Python errors ({{ 1 / 0 }}, a recursive macro, the
        # sandbox's "range too big"); when the failing frame is a template, that is the
        # template's fault, reported like any template error. Otherwise it is ours: re-raised.
        if _template_location(err) is None:
            raise
        failure, problem = err, f"template error: {type(err).__name__}: {err}"
    # Raised outside the except blocks: one line, no chained traceback.
    problem = " ".join(problem.split())
    raise RenderError(f"{_template_location(failure) or ''}{problem}")


def _template_location(err: BaseException | None) -> str | None:
    """"<template file>:<line>: " of the innermost template frame of `err`, else None.

    Jinja2 rewrites tracebacks so that template code shows as frames of the template file;
    a TemplateSyntaxError carries the location itself.
    """
    if err is None:
        return None
    filename, lineno = getattr(err, "filename", None), getattr(err, "lineno", None)
    if filename:
        return f"{filename}:{lineno}: " if lineno else f"{filename}: "
    where = None
    for frame in traceback.extract_tb(err.__traceback__):
        if not frame.filename.endswith(".py") and frame.filename not in ("<template>", "<string>"):
            where = f"{frame.filename}:{frame.lineno}: "
    return where


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

    def prepare(self, document: Document, charts: Mapping[str, "ChartImage"], options: "RenderOptions") -> None:
        """Lay the document out before any format is written, so a template error (a user
        template folder is untrusted) fails with nothing written."""
        self.text(document, charts, options)

    def render(self, document: Document, charts: Mapping[str, "ChartImage"], path: Path,
               options: "RenderOptions") -> None:
        atomic_write_bytes(path, self.text(document, charts, options).encode("utf-8"))


RENDERER = HtmlRenderer()
