"""PDF renderer: the HTML renderer's text printed by WeasyPrint, nothing more.

Everything about the page (A4, cover, running header, "Page X of Y", table-of-contents page
numbers, bookmarks) is print CSS in the templates. This module adds only a locked-down URL
fetcher — it serves files under the template folders and refuses every other URL (other
files, http, ftp...) — and turns a missing Pango into a one-line RenderError (`PangoMissing`,
a `FormatUnavailable`: the other formats are still written).

Every PDF is tagged (WeasyPrint's `pdf_tags`): headings, paragraphs, lists, tables and figures
are in the structure tree, the document language is the HTML's `lang`, and each chart's
`<title>` (the document model's alt text, put there by the HTML renderer) becomes the
Figure's `/Alt`. WeasyPrint links data cells to their header cells but does not write a
header cell's scope; `_add_header_scopes` (a WeasyPrint finisher) gives every `/TH` its
`/Scope`: `/Column` in a header row, `/Row` for a row's own header cell.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from ..errors import RenderError
from .files import atomic_write_bytes
from .html import RENDERER as HTML
from .renderer import FormatUnavailable
from .templates import templates_path

if TYPE_CHECKING:
    from ..document import Document
    from .charts import ChartImage
    from .options import RenderOptions

log = logging.getLogger("ccreport")

PANGO_MESSAGE = "PDF needs Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0); other formats were written"


class PangoMissing(FormatUnavailable):
    """WeasyPrint could not load Pango: the PDF is skipped, the other formats are written."""

    def __init__(self, message: str = PANGO_MESSAGE) -> None:
        super().__init__(message)


def _weasyprint():
    """Import WeasyPrint; a missing Pango shows up as OSError (or ImportError) here."""
    try:
        import weasyprint
        from weasyprint import urls  # noqa: F401  (URLFetcher lives here since 68)
    except (OSError, ImportError) as err:
        log.debug("weasyprint import failed: %s", err)
        raise PangoMissing() from None
    return weasyprint


def make_url_fetcher(roots: Iterable[str | Path]):
    """A WeasyPrint URLFetcher that serves `data:` URLs and files under `roots` only."""
    weasyprint = _weasyprint()
    allowed = [Path(r).resolve() for r in roots if r]

    class SafeFetcher(weasyprint.urls.URLFetcher):
        """Refuses every URL that is not a data: URL or a file inside the template folders."""

        roots = allowed

        def fetch(self, url, headers=None):  # noqa: D401 - WeasyPrint's signature
            scheme = urlsplit(url).scheme.lower()
            if scheme == "data":
                return super().fetch(url, headers)
            if scheme == "file":
                path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
                if any(path.is_relative_to(root) for root in self.roots) and path.is_file():
                    return weasyprint.urls.URLFetcherResponse(
                        path.as_uri(), path.read_bytes(), {"Content-Type": _content_type(path)}
                    )
            raise ValueError(f"ccreport does not fetch {url[:200]!r}: only files in the template folders")

    return SafeFetcher(allowed_protocols=("data", "file"), allow_redirects=False, timeout=1)


#: Wall-clock limit for printing one PDF, in seconds; CCREPORT_PDF_TIMEOUT overrides it. A
#: scheduled job must end even when some input makes WeasyPrint's layout pathological.
PDF_TIMEOUT = 300.0
#: One PDF at a time per process: a render abandoned at its time limit keeps running until it
#: finishes, and WeasyPrint is not meant to print two documents at once in one process.
_PDF_LOCK = threading.Lock()


def pdf_timeout(value: float | None = None) -> float:
    """The limit to use: `value`, else $CCREPORT_PDF_TIMEOUT, else PDF_TIMEOUT."""
    raw = value if value is not None else os.environ.get("CCREPORT_PDF_TIMEOUT") or PDF_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        raise RenderError(f"CCREPORT_PDF_TIMEOUT={raw!r} is not a number of seconds") from None
    if not seconds > 0:
        raise RenderError(f"the PDF time limit must be more than 0 seconds, not {raw!r}")
    return seconds


def _within(seconds: float, work: Callable[[], bytes]) -> bytes:
    """Run `work` in a daemon thread and wait at most `seconds` for it.

    A thread cannot be killed, so on timeout it is abandoned (a daemon thread does not keep
    the process alive) and the caller gets a RenderError; the CLI then exits 1 with nothing
    written. Exceptions from `work` are re-raised here, in the caller's thread.
    """
    outcome: dict[str, object] = {}

    def run() -> None:
        with _PDF_LOCK:
            try:
                outcome["pdf"] = work()
            except BaseException as err:  # noqa: BLE001 - handed to the caller's thread
                outcome["error"] = err

    worker = threading.Thread(target=run, name="ccreport-pdf", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise RenderError(
            f"PDF rendering did not finish within {seconds:g} s and was stopped; "
            "shorten the input or raise CCREPORT_PDF_TIMEOUT (seconds)"
        )
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["pdf"]  # type: ignore[return-value]


def _add_header_scopes(document, pdf) -> None:
    """WeasyPrint finisher: `/Scope` on every header cell of the structure tree.

    A `/TH` whose row is in a `/THead` heads its column; any other `/TH` (the first cell of a
    body or total row, from `<th scope="row">`) heads its row. Screen readers use the scope to
    announce "Priority P1, Resolved within SLA: 96%" instead of a bare number.
    """
    import pydyf

    by_number = {obj.number: obj for obj in pdf.objects if isinstance(obj, pydyf.Dictionary)}

    def parent(obj):
        ref = obj.get("P")
        if not isinstance(ref, bytes):
            return None
        try:
            return by_number.get(int(ref.split()[0]))
        except (ValueError, IndexError):
            return None

    for obj in by_number.values():
        if obj.get("Type") != "/StructElem" or obj.get("S") != "/TH":
            continue
        row = parent(obj)
        group = parent(row) if row is not None else None
        scope = "/Column" if group is not None and group.get("S") == "/THead" else "/Row"
        attributes = obj.get("A")
        if not isinstance(attributes, pydyf.Dictionary):
            attributes = obj["A"] = pydyf.Dictionary({"O": "/Table"})
        attributes["Scope"] = scope


def _content_type(path: Path) -> str:
    import mimetypes

    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def html_to_pdf(
    html: str,
    *,
    templates_dir: str | Path | None = None,
    pdf_variant: str | None = None,
    timeout: float | None = None,
    tagged: bool = True,
) -> bytes:
    """Print an HTML string to PDF bytes with WeasyPrint, within `timeout` seconds (default
    `pdf_timeout()`): a RenderError says so when the limit is reached. `tagged` (the default)
    writes the structure tree screen readers and reflow need; a variant that requires it
    (PDF/UA, PDF/A level a) is always tagged."""
    weasyprint = _weasyprint()
    builtin = templates_path()
    roots = [builtin] + ([Path(templates_dir)] if templates_dir else [])
    fetcher = make_url_fetcher(roots)
    options = _pdf_options(pdf_variant, tagged)
    # base_url: relative URLs in a user's template resolve inside their folder (or ours).
    base = Path(templates_dir or builtin).resolve().as_uri() + "/"
    try:
        return _within(
            pdf_timeout(timeout),
            # The finisher gives each header cell its /Scope (WeasyPrint writes none); it finds
            # no header cell in an untagged PDF.
            lambda: _layout(weasyprint, html, base, fetcher, options).write_pdf(finisher=_add_header_scopes,
                                                                                **options),
        )
    except (RenderError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as err:  # WeasyPrint raises assorted errors on bad CSS/HTML
        raise RenderError(f"PDF rendering failed: {type(err).__name__}: {err}") from err


def _pdf_options(pdf_variant: str | None, tagged: bool = True) -> dict:
    """WeasyPrint's options for layout and for writing (the same for both). Variants that
    require tags (pdf/ua-*, pdf/a-*a) turn them on whatever `tagged` says."""
    options: dict = {"pdf_tags": True} if tagged else {}
    if pdf_variant:
        from weasyprint.pdf import VARIANTS

        if pdf_variant not in VARIANTS:
            raise RenderError(f"unknown PDF variant {pdf_variant!r}: choose from {', '.join(sorted(VARIANTS))}")
        options["pdf_variant"] = pdf_variant
    return options


#: The last layout (WeasyPrint's paginated document) and what it was made from, so that the
#: DOCX renderer's page numbers and the PDF of one write_document call cost one layout.
_LAST_LAYOUT: list = []


def _layout(weasyprint, html: str, base: str, fetcher, options: dict):
    key = (base, tuple(sorted(options.items())), tuple(map(str, fetcher.roots)))
    if _LAST_LAYOUT and _LAST_LAYOUT[0] is html and _LAST_LAYOUT[1] == key:
        return _LAST_LAYOUT[2]
    document = weasyprint.HTML(string=html, base_url=base, url_fetcher=fetcher, media_type="print").render(**options)
    _LAST_LAYOUT[:] = [html, key, document]
    return document


def forget_layout() -> None:
    """Drop the kept layout (write_document calls this when its formats are written)."""
    _LAST_LAYOUT.clear()


def html_page_map(
    html: str,
    *,
    templates_dir: str | Path | None = None,
    pdf_variant: str | None = None,
    timeout: float | None = None,
    tagged: bool = True,
) -> dict[str, int]:
    """The page (1 = the cover, as the PDF counts) on which each element id of `html` starts
    when printed: the PDF's own page numbers, for the DOCX contents. Shares its layout with
    `html_to_pdf` of the same text."""
    weasyprint = _weasyprint()
    builtin = templates_path()
    roots = [builtin] + ([Path(templates_dir)] if templates_dir else [])
    fetcher = make_url_fetcher(roots)
    options = _pdf_options(pdf_variant, tagged)
    base = Path(templates_dir or builtin).resolve().as_uri() + "/"

    def pages() -> dict[str, int]:
        found: dict[str, int] = {}
        for number, page in enumerate(_layout(weasyprint, html, base, fetcher, options).pages, start=1):
            for anchor in page.anchors:
                found.setdefault(anchor, number)
        return found

    try:
        return _within(pdf_timeout(timeout), pages)  # type: ignore[arg-type]
    except (RenderError, MemoryError, KeyboardInterrupt):
        raise
    except Exception as err:  # WeasyPrint raises assorted errors on bad CSS/HTML
        raise RenderError(f"PDF layout failed: {type(err).__name__}: {err}") from err


class PdfRenderer:
    """Format "pdf": the HTML renderer's text (built once when HTML is written too), printed."""

    name = "pdf"
    extension = ".pdf"
    charts = "svg"

    @staticmethod
    def warm() -> None:
        """Import WeasyPrint now (while the charts are drawn); a missing Pango is said later."""
        try:
            _weasyprint()
        except PangoMissing:
            pass

    def prepare(self, document: "Document", charts: Mapping[str, "ChartImage"], options: "RenderOptions") -> None:
        HTML.prepare(document, charts, options)

    def page_map(self, document: "Document", charts: Mapping[str, "ChartImage"],
                 options: "RenderOptions") -> dict[str, int]:
        """Anchor -> page number in this document's PDF (laid out once for PDF and DOCX)."""
        return html_page_map(HTML.text(document, charts, options), templates_dir=options.templates_dir,
                             pdf_variant=options.pdf_variant, tagged=options.pdf_tags)

    @staticmethod
    def forget_layout() -> None:
        forget_layout()

    def render(self, document: "Document", charts: Mapping[str, "ChartImage"], path: Path,
               options: "RenderOptions") -> None:
        data = html_to_pdf(HTML.text(document, charts, options), templates_dir=options.templates_dir,
                           pdf_variant=options.pdf_variant, tagged=options.pdf_tags)
        atomic_write_bytes(path, data)


RENDERER = PdfRenderer()
