"""What an output format is: the `Renderer` protocol that `write_document` drives.

A renderer has a name (the `--format` value), a file extension, the chart image format it
embeds ("svg", "png", or None for a format without pictures), and `render()`, which writes one
Document to `path` through `ccreport.render.files` (atomically). The charts arrive already
drawn, keyed by figure id, so each image format is drawn once however many formats use it.

A format that cannot be written on this machine (PDF without Pango) raises
`FormatUnavailable`: the other formats are still written and the error is raised at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Mapping, Protocol

from ..errors import RenderError

if TYPE_CHECKING:
    from ..document import Document
    from .charts import ChartImage
    from .options import RenderOptions

ChartFormat = Literal["svg", "png"]


class Renderer(Protocol):
    name: str
    #: With the dot: ".pdf".
    extension: str
    charts: ChartFormat | None

    def render(self, document: "Document", charts: Mapping[str, "ChartImage"], path: Path,
               options: "RenderOptions") -> None: ...

# A renderer may also define `prepare(document, charts, options)`: work that can fail on the
# document's content (laying out user templates) done before any format is written.


class FormatUnavailable(RenderError):
    """This format cannot be written here (a system library is missing); the others can."""
