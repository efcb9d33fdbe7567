"""The dispatch of Document blocks to a writer's method per block type (DOCX and Markdown)."""

from __future__ import annotations

from .. import document as d
from ..errors import RenderError

#: Block class -> the writer method that lays it out.
HANDLERS: dict[type, str] = {
    d.Section: "section", d.Paragraph: "paragraph", d.KeyFigures: "key_figures",
    d.Table: "table", d.Figure: "figure", d.Callout: "callout", d.PageBreak: "page_break",
}


class BlockWriter:
    """Base of a block-by-block writer: `block()` calls the method named for the block's type
    (section, paragraph, key_figures, table, figure, callout, page_break)."""

    format_name = ""

    def block(self, block: d.Block) -> None:
        handler = HANDLERS.get(type(block))
        if handler is None:
            raise RenderError(f"the {self.format_name} renderer has no handler for {type(block).__name__}")
        getattr(self, handler)(block)
