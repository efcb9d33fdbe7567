"""`write_document`: one Document written in each requested format into the output folder.

It creates the folder, makes the base name safe, draws each chart image format the requested
renderers need once (in the drawing helper, when the command started one, while the renderers
import their libraries: a renderer's optional `warm()`), and asks each renderer (from the registry) to write
`<out>/<name><extension>`; renderers write through `files.atomic_write`, which logs
"Wrote <path>". When a format is unavailable on this machine (PDF without Pango), the other
formats are still written and that error is raised at the end. An OSError while writing
becomes a RenderError naming the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from ..errors import RenderError
from .charts import start_drawing
from .files import unique_basename
from .options import RenderOptions
from .registry import normalise_formats, renderer
from .renderer import FormatUnavailable

if TYPE_CHECKING:
    from ..document import Document


def write_document(
    doc: "Document",
    formats: Iterable[str] | str,
    out_dir: str | Path,
    basename: str,
    options: RenderOptions | None = None,
) -> list[Path]:
    """Write `doc` in each format to `out_dir/<basename>.<ext>`; return the paths written."""
    renderers = [renderer(f) for f in normalise_formats(formats)]
    options = options or RenderOptions()
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise RenderError(f"{out}: cannot create the output folder ({err.strerror or err})") from None
    name = unique_basename(basename)
    if options.templates_dir is not None and not options.templates_dir.is_dir():
        raise RenderError(f"{options.templates_dir}: the templates folder does not exist")

    needed = {r.charts for r in renderers}
    # A renderer that takes its page numbers from the print layout (DOCX) needs the SVG
    # charts the PDF is laid out with, whatever else is written.
    layout = any(getattr(r, "uses_print_layout", False) for r in renderers)
    drawn = start_drawing(doc, svg="svg" in needed or layout, png="png" in needed)
    for r in renderers:  # while a helper draws the charts (charts.drawing_ahead): WeasyPrint's import
        warm = getattr(r, "warm", None)
        if warm is not None:
            warm()
    charts = drawn()
    for r in renderers:  # what can fail on the content fails before anything is written
        prepare = getattr(r, "prepare", None)
        if prepare is not None:
            prepare(doc, charts, options)
    written: list[Path] = []
    unavailable: FormatUnavailable | None = None
    for r in renderers:
        target = out / f"{name}{r.extension}"
        try:
            r.render(doc, charts, target, options)
        except FormatUnavailable as err:
            unavailable = err
            continue
        except RenderError:
            raise
        except OSError as err:
            raise RenderError(f"{target}: cannot write ({err.strerror or err})") from None
        written.append(target)
    if layout or any(r.name == "pdf" for r in renderers):
        renderer("pdf").forget_layout()  # the print layout kept for this call's formats
    if unavailable is not None:
        raise unavailable
    return written
