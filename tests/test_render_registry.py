"""The renderer registry and `write_document`'s loop over it: formats, options, charts drawn once."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from ccreport.document import Chart, Document, Figure, Paragraph, Section, series
from ccreport.errors import RenderError
from ccreport.render.options import RenderOptions
from ccreport.render.output import write_document
from ccreport.render.registry import ALIASES, FORMATS, RENDERERS, normalise_formats, renderer

ROOT = Path(__file__).resolve().parent.parent


def doc(figures: int = 0) -> Document:
    chart = Chart("trend", "Opened rose", ("Sep", "Oct"), (series("Opened", [1, 2]),), unit="incidents")
    blocks = [Paragraph("Hello.")] + [Figure(f"f{i}", chart, "Caption", "Alt") for i in range(figures)]
    return Document(kind="test", title="Registry", blocks=[Section("One", blocks)])


@pytest.mark.parametrize("name", FORMATS)
def test_each_entry_is_a_renderer_of_its_name(name):
    r = renderer(name)
    assert r.name == name
    assert r.extension.startswith(".") and r.extension[1:].isalnum()
    assert r.charts in ("svg", "png", None)
    assert callable(r.render)


def test_aliases_and_normalising():
    assert set(ALIASES.values()) <= set(RENDERERS)
    assert normalise_formats(" PDF, .docx,markdown,md,htm ") == ["pdf", "docx", "md", "html"]
    with pytest.raises(RenderError, match="no output format given"):
        normalise_formats(" , ")


def test_render_options_take_str_paths_and_empty_values():
    o = RenderOptions(templates_dir="t", docx_template="", pdf_variant="")
    assert o == RenderOptions(templates_dir=Path("t"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.pdf_variant = "pdf/ua-1"  # type: ignore[misc]


def test_a_new_format_is_one_module_and_one_registry_line(tmp_path, monkeypatch):
    """The recipe of docs/architecture.md: a module with RENDERER, and its line in RENDERERS."""
    from ccreport.render.files import atomic_write_bytes

    seen = {}

    class TextRenderer:
        name, extension, charts = "txt", ".txt", None

        def render(self, document, charts, path, options):
            seen["charts"] = charts
            atomic_write_bytes(path, document.title.encode())

    module = types.ModuleType("ccreport_test_txt")
    module.RENDERER = TextRenderer()
    monkeypatch.setitem(sys.modules, module.__name__, module)
    monkeypatch.setitem(RENDERERS, "txt", module.__name__)
    (path,) = write_document(doc(figures=1), "txt", tmp_path, "r")
    assert path.read_text() == "Registry" and path.name == "r.txt"
    assert seen["charts"] == {}  # a format without pictures: nothing was drawn


def test_each_chart_format_is_drawn_once_for_all_formats(tmp_path, monkeypatch):
    from ccreport.render import charts

    calls = []
    real = charts.draw_all

    def counting(figures, primary, *, svg, png):
        calls.append((svg, png))
        return real(figures, primary, svg=svg, png=png)

    monkeypatch.setattr(charts, "draw_all", counting)
    write_document(doc(figures=2), ["html", "md", "docx"], tmp_path, "r")
    assert calls == [(True, True)]


def test_html_is_laid_out_once_when_pdf_is_written_too(tmp_path, monkeypatch):
    from ccreport.render import html, pdf

    texts = []
    real = html.render_html

    def counting(*args, **kwargs):
        texts.append(1)
        return real(*args, **kwargs)

    printed = []
    monkeypatch.setattr(html, "render_html", counting)
    monkeypatch.setattr(pdf, "html_to_pdf", lambda text, **kw: printed.append((text, kw)) or b"%PDF-1.7 stub")
    options = RenderOptions(pdf_variant="pdf/ua-1")
    html_path, pdf_path = write_document(doc(), ["html", "pdf"], tmp_path, "r", options)
    assert len(texts) == 1
    assert printed == [(html_path.read_text(encoding="utf-8"),
                        {"templates_dir": None, "pdf_variant": "pdf/ua-1", "tagged": True})]
    write_document(doc(), ["pdf", "html"], tmp_path, "r", options)
    assert len(texts) == 2  # a new call lays the document out again


def test_options_reach_the_renderers(tmp_path):
    with pytest.raises(RenderError, match="the Word template does not exist"):
        write_document(doc(), ["docx"], tmp_path, "r", RenderOptions(docx_template=tmp_path / "none.docx"))
    with pytest.raises(RenderError, match="the templates folder does not exist"):
        write_document(doc(), ["html"], tmp_path, "r", RenderOptions(templates_dir=tmp_path / "none"))


def test_a_markdown_run_loads_no_other_format():
    """The registry imports a format's module on first use: no python-docx, WeasyPrint or
    matplotlib for a Markdown file without charts."""
    code = (
        "import sys, tempfile\n"
        "from ccreport.document import Document, Paragraph\n"
        "from ccreport.render.output import write_document\n"
        "write_document(Document(kind='t', title='T', blocks=[Paragraph('x')]), 'md', tempfile.mkdtemp(), 't')\n"
        "print(sorted(m for m in ('docx', 'weasyprint', 'matplotlib', 'jinja2') if m in sys.modules))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "[]"
