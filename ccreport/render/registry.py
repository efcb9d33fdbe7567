"""The output formats: one line per format, and the other spellings users type for them.

Each entry names the module that defines the format's `RENDERER` (a `renderer.Renderer`). The
module is imported on first use, so a Markdown-only run never loads python-docx, and one
without PDF never loads WeasyPrint. Adding a format is its module plus one line here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Iterable

from ..errors import RenderError

if TYPE_CHECKING:
    from .renderer import Renderer

#: `--format` value -> the module whose RENDERER writes it. The order is the order of the help text.
RENDERERS: dict[str, str] = {
    "pdf": "ccreport.render.pdf",
    "docx": "ccreport.render.docx",
    "html": "ccreport.render.html",
    "md": "ccreport.render.markdown",
}

#: Other names accepted for a format.
ALIASES: dict[str, str] = {"markdown": "md", "htm": "html", "word": "docx"}

FORMATS = tuple(RENDERERS)


def normalise_formats(formats: Iterable[str] | str) -> list[str]:
    """"pdf, .DOCX,markdown" -> ["pdf", "docx", "md"]: known names, aliases resolved, no repeats."""
    if isinstance(formats, str):
        formats = formats.split(",")
    out: list[str] = []
    for f in formats:
        f = f.strip().lower().lstrip(".")
        f = ALIASES.get(f, f)
        if not f:
            continue
        if f not in RENDERERS:
            raise RenderError(f"unknown format {f!r}: choose from {', '.join(FORMATS)}")
        if f not in out:
            out.append(f)
    if not out:
        raise RenderError(f"no output format given: choose from {', '.join(FORMATS)}")
    return out


def renderer(name: str) -> "Renderer":
    """The renderer of a format name from `normalise_formats`."""
    return importlib.import_module(RENDERERS[name]).RENDERER
