"""The one owner of output files: every document format is written through `write_document`.

It creates the folder, sanitises the base name, draws the charts once for all formats, writes
each format to a temporary file in the target folder and renames it into place (so a reader
or a mail job never sees a half-written file, whatever goes wrong), and logs "Wrote <path>".
When PDF fails only because Pango is missing, the other formats are still written and the
RenderError is raised at the end.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from ..errors import RenderError

if TYPE_CHECKING:
    from ..charts import ChartImage
    from ..document import Document

log = logging.getLogger("ccreport")

FORMATS = ("pdf", "docx", "html", "md")
_ALIASES = {"markdown": "md", "htm": "html", "word": "docx"}
EXTENSIONS = {"pdf": ".pdf", "docx": ".docx", "html": ".html", "md": ".md"}

PANGO_MESSAGE = "PDF needs Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0); other formats were written"


class BlockWriter:
    """Dispatch of Document blocks to the writer method for each block type (section,
    paragraph, key_figures, table, figure, callout, page_break); DOCX and Markdown share it."""

    format_name = ""

    def block(self, block) -> None:
        from .. import document as d

        handler = {
            d.Section: "section", d.Paragraph: "paragraph", d.KeyFigures: "key_figures",
            d.Table: "table", d.Figure: "figure", d.Callout: "callout", d.PageBreak: "page_break",
        }.get(type(block))
        if handler is None:
            raise RenderError(f"the {self.format_name} renderer has no handler for {type(block).__name__}")
        getattr(self, handler)(block)


class PangoMissing(RenderError):
    """WeasyPrint could not load Pango: the PDF is skipped, the other formats are written."""

    def __init__(self, message: str = PANGO_MESSAGE) -> None:
        super().__init__(message)


# --------------------------------------------------------------------------- templates


def templates_path() -> Path:
    """The built-in templates: `ccreport/_templates` in a wheel, the repo's `templates/` in a checkout."""
    pkg = Path(__file__).resolve().parent.parent
    for candidate in (pkg / "_templates", pkg.parent / "templates"):
        if (candidate / "base.html").is_file():
            return candidate
    raise RenderError(f"the built-in templates are missing (looked in {pkg / '_templates'} and {pkg.parent / 'templates'}); reinstall ccreport")


# --------------------------------------------------------------------------- names


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


#: Device names Windows reserves whatever the extension ("CON.pdf" is still the console).
_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$", re.IGNORECASE)


def safe_basename(name: str, max_len: int = 100) -> str:
    """`<kind>-<period or id>` reduced to [A-Za-z0-9._-], no leading dots, at most 100 chars."""
    cleaned = _UNSAFE.sub("_", name).lstrip("._-")  # no hidden files, no option-like names
    cleaned = cleaned[:max_len].rstrip("._-") or "document"
    if _RESERVED.match(cleaned.split(".")[0]):
        cleaned = ("_" + cleaned)[:max_len].rstrip("._-")
    return cleaned


def unique_basename(name: str, max_len: int = 100) -> str:
    """`safe_basename`, plus a short hash of the original whenever cleaning changed it, so two
    different names ("INC/1" and "INC_1", or two long IDs that differ only after 100
    characters) never become the same file. Names that are already safe stay as they are."""
    safe = safe_basename(name, max_len)
    if safe == name:
        return safe
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{safe_basename(name, max_len - 9)}-{digest}"


def normalise_formats(formats: Iterable[str] | str) -> list[str]:
    if isinstance(formats, str):
        formats = formats.split(",")
    out: list[str] = []
    for f in formats:
        f = _ALIASES.get(f.strip().lower().lstrip("."), f.strip().lower().lstrip("."))
        if not f:
            continue
        if f not in FORMATS:
            raise RenderError(f"unknown format {f!r}: choose from {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    if not out:
        raise RenderError(f"no output format given: choose from {', '.join(FORMATS)}")
    return out


# --------------------------------------------------------------------------- atomic writes


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call write(tmp) for a temp file beside `path`, then rename it into place.

    On any exception the temp file is removed and `path` is left as it was.
    """
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        _default_mode(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("Wrote %s", path)
    return path


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_dir(path: Path, files: dict[str, bytes]) -> Path:
    """Write a folder of files (Markdown's images) beside `path`, replacing it as a whole.

    Whatever is at `path` (a folder, a file, or a symlink someone planted, dangling or not) is
    renamed aside and replaced, never followed: a link's target is not touched.
    """
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    old: Path | None = None
    try:
        for name, data in files.items():
            (tmp / name).write_bytes(data)
            _default_mode(tmp / name)
        os.chmod(tmp, 0o777 & ~_umask())
        if os.path.lexists(path):
            old = path.with_name(f".{path.name}.old")
            if os.path.lexists(old):
                _remove_entry(old)
            os.replace(path, old)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and os.path.lexists(old) and not os.path.lexists(path):
            os.replace(old, path)
        raise
    if old is not None:
        try:
            _remove_entry(old)
        except OSError:
            pass  # the new folder is in place; the next run's lock sweeps what is left
    return path


def _remove_entry(p: Path) -> None:
    """Remove a folder tree, or a file or symlink itself (shutil.rmtree refuses a symlink, and
    following one would delete what it points at)."""
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    else:
        p.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _default_mode(p: Path) -> None:
    # mkstemp creates 0600; a report should get the usual permissions of a new file.
    os.chmod(p, 0o666 & ~_umask())


# --------------------------------------------------------------------------- the writer


def draw_charts(doc: "Document", *, svg: bool, png: bool) -> dict[str, "ChartImage"]:
    """Draw every figure of the document once, for every format that needs it."""
    figures = [(f.id, f.chart) for f in doc.figures()]
    if not figures or not (svg or png):
        return {}
    from ..charts import draw_all

    return draw_all(figures, doc.primary_colour, svg=svg, png=png)


def write_document(
    doc: "Document",
    formats: Iterable[str] | str,
    out_dir: str | Path,
    basename: str,
    config: Any = None,
    templates_dir: str | Path | None = None,
    docx_template: str | Path | None = None,
    pdf_variant: str | None = None,
) -> list[Path]:
    """Write `doc` in each format to `out_dir/<basename>.<ext>`; return the paths written."""
    fmts = normalise_formats(formats)
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RenderError(f"{out}: cannot create the output folder ({err.strerror or err})") from None
    name = unique_basename(basename)
    templates_dir = Path(templates_dir) if templates_dir else None
    if templates_dir is not None and not templates_dir.is_dir():
        raise RenderError(f"{templates_dir}: the templates folder does not exist")

    assets = draw_charts(doc, svg=bool({"html", "pdf"} & set(fmts)), png=bool({"docx", "md"} & set(fmts)))
    written: list[Path] = []
    pango_error: PangoMissing | None = None
    html_text: str | None = None

    def html() -> str:
        nonlocal html_text
        if html_text is None:
            from .html import render_html

            html_text = render_html(doc, assets, templates_dir=templates_dir)
        return html_text

    if {"html", "pdf"} & set(fmts):
        html()  # a template error (user templates) fails before any format is written
    for fmt in fmts:
        target = out / f"{name}{EXTENSIONS[fmt]}"
        try:
            if fmt == "html":
                written.append(atomic_write_bytes(target, html().encode("utf-8")))
            elif fmt == "pdf":
                from .pdf import html_to_pdf

                data = html_to_pdf(html(), templates_dir=templates_dir, pdf_variant=pdf_variant)
                written.append(atomic_write_bytes(target, data))
            elif fmt == "docx":
                from .docx import render_docx

                data = render_docx(doc, assets, template=Path(docx_template) if docx_template else None)
                written.append(atomic_write_bytes(target, data))
            elif fmt == "md":
                from .markdown import render_markdown

                files_dir = f"{name}_files"
                text, images = render_markdown(doc, assets, files_dir)
                if images:
                    atomic_write_dir(out / files_dir, images)
                written.append(atomic_write_bytes(target, text.encode("utf-8")))
        except PangoMissing as err:
            pango_error = err
        except RenderError:
            raise
        except OSError as err:
            raise RenderError(f"{target}: cannot write ({err.strerror or err})") from None
    if pango_error is not None:
        raise pango_error
    return written
