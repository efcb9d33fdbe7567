"""`RenderOptions`: the format options of one `write_document` call, as one value.

The user's templates folder (HTML and print CSS), their Word reference document and the PDF
variant travel together from the CLI and the config to the renderers that read them; a new
format option is one more field here. Standard library only, so any layer can build one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


#: The Markdown dialects the Markdown renderer writes.
MARKDOWN_FLAVOURS = ("gfm", "commonmark")


@dataclass(frozen=True)
class RenderOptions:
    #: A folder of templates searched before the built-in ones (HTML, PDF).
    templates_dir: Path | None = None
    #: A Word document whose styles the DOCX uses (DOCX).
    docx_template: Path | None = None
    #: A WeasyPrint PDF variant such as "pdf/ua-1" (PDF).
    pdf_variant: str | None = None
    #: Write the PDF's structure tree (tagged PDF: headings, tables, figures with alt text).
    pdf_tags: bool = True
    #: Markdown dialect (Markdown): "gfm" (GitHub: alert callouts, links to heading anchors)
    #: or "commonmark" (plain blockquotes, no anchors: for Confluence and other wikis).
    markdown_flavour: str = "gfm"

    def __post_init__(self) -> None:
        # Accept str paths from callers; an empty value means "not given", as on the CLI.
        for name in ("templates_dir", "docx_template"):
            value = getattr(self, name)
            object.__setattr__(self, name, Path(value) if value else None)
        object.__setattr__(self, "pdf_variant", self.pdf_variant or None)
        flavour = (self.markdown_flavour or "gfm").strip().lower()
        if flavour not in MARKDOWN_FLAVOURS:
            raise ValueError(f"unknown Markdown flavour {self.markdown_flavour!r}: "
                             f"choose from {', '.join(MARKDOWN_FLAVOURS)}")
        object.__setattr__(self, "markdown_flavour", flavour)
