"""Hostile content (GitHub issue #8): an export full of markup, URLs, template syntax, formulas,
control characters, right-to-left text and endless words, through ingest, metrics and the
monthly report in every format, and through `ccreport metrics --format csv`.

Nothing may run, load or leak: no tag from the data survives as a tag, no template syntax is
evaluated, WeasyPrint fetches nothing but ccreport's own templates (a loopback HTTP server
started here sees no request, no local file is embedded), spreadsheet formulas are defused
in CSV, and Word gets valid XML. Each test names the protection it covers; the monthly report
is rendered once for the module.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import markdown as md_lib
import pypdf
import pytest
from docx import Document as open_docx
from lxml import etree
from lxml import html as lxml_html

from ccreport.cli import main
from ccreport.config import Config
from ccreport.ingest import load
from ccreport.metrics import compute
from ccreport.period import resolve_period

from .util import ROOT

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Emoji have no glyph in the chart font; matplotlib says so, which is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
SECRET = "CCREPORT-SECRET-5e1d"


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        _Recorder.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { color: red }")

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def server():
    """A loopback HTTP server that records every request; the payloads point at it."""
    _Recorder.hits = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], _Recorder.hits
    httpd.shutdown()
    httpd.server_close()


def payloads(port: int, secret_uri: str) -> dict[str, str]:
    """At most 15 (the monthly report's table limit), so that every one is shown."""
    base = f"http://127.0.0.1:{port}"
    return {
        "script": "<script>alert(1)</script>",
        "style": f"<style>body{{background:url({secret_uri})}}</style>",
        "css": f"x{{background:url(file:///etc/hostname)}} @import url({base}/import.css);",
        "tags": (f'<link rel="stylesheet" href="{base}/link.css"><a rel="attachment" href="{secret_uri}">s</a>'
                 f'<object data="{secret_uri}"></object><iframe src="{base}/frame"></iframe><img src="{base}/i.png">'),
        "jinja": "{{ 7*7 }} {% for x in range(3) %}LOOP{% endfor %} {{ config.__class__ }}",
        "markdown": f"[click]({base}/md) ![i]({secret_uri}) **bold** # heading",
        "hyperlink": f'=HYPERLINK("{base}/f","x")',
        "plus": "+cmd|' /C calc'!A0",
        "minus": "-2+3",
        "at": "@SUM(A1:A2)",
        "ctrl": "Bell\x07 V\x0bT ESC\x1b[31mred\x01 DEL\x7f",
        "rtl": "مركز الاتصال \u202eevil\u202c",
        "emoji": "Phones 🔥📞 down",
        "long": "W" * 3000,
    }


@pytest.fixture(scope="module")
def hostile(server, tmp_path_factory):
    """The hostile export, ingested, computed and rendered in every format (once)."""
    port, hits = server
    tmp = tmp_path_factory.mktemp("hostile")
    secret = tmp / "secret.txt"
    secret.write_text(SECRET)
    values = payloads(port, secret.as_uri())
    export = tmp / "hostile.csv"
    with export.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["incident_id", "title", "category", "service", "site", "assignment_group", "priority",
                    "status", "major", "opened_at", "acknowledged_at", "resolved_at"])
        for n, (kind, v) in enumerate(values.items(), start=1):
            w.writerow([f"INC{n:03d}", f"{kind}: {v}", v, v, v, v, "P1" if n % 2 else "P3", "Resolved",
                        "true", f"2026-10-{n:02d}T09:00:00Z",
                        f"2026-10-{n:02d}T09:10:00Z", f"2026-10-{n:02d}T12:00:00Z"])
    config = Config(organisation={"name": "Org <b>bold</b>"})
    result = load([export], config)
    metrics = compute(result, config, resolve_period(config, month="2026-10")).to_dict(full=True)

    from ccreport import app
    from ccreport.metrics.model import MetricSet
    from ccreport.render import pdf

    fetched: list[str] = []
    real = pdf.make_url_fetcher

    def spying(roots):
        fetcher = real(roots)
        inner = fetcher.fetch

        def fetch(url, headers=None):
            fetched.append(url)
            return inner(url, headers)

        fetcher.fetch = fetch
        return fetcher

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pdf, "make_url_fetcher", spying)
        doc, _ = app.monthly_document(MetricSet.from_dict(metrics), config)
        paths = app.write(doc, app.output(config, ["pdf", "docx", "html", "md"], tmp / "out"), "monthly-2026-10", config)
    return {
        "values": values, "export": export, "files": {p.suffix.lstrip("."): p for p in paths},
        "fetched": fetched, "hits": hits, "secret": secret, "out": tmp / "out",
    }


def squash(text: str) -> str:
    """Text without whitespace (PDF extraction breaks table cells across lines)."""
    return re.sub(r"[\s\x00]+", "", text)


def pdf_streams(data: bytes) -> bytes:
    """Every decompressed stream of a PDF, concatenated (where an embedded file would be)."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    numbers = {num for objects in reader.xref.values() for num in objects} | set(reader.xref_objStm)
    out = []
    for num in sorted(numbers):
        try:
            obj = reader.get_object(num)
        except Exception:  # noqa: BLE001 - free or missing object numbers
            continue
        if isinstance(obj, pypdf.generic.StreamObject):
            try:
                out.append(obj.get_data())
            except Exception:  # noqa: BLE001 - image filters pypdf does not decode
                out.append(obj._data)
    return b"\n".join(out)


# --------------------------------------------------------------------------- HTML


def test_html_holds_no_tag_url_or_template_output_from_the_data(hostile):
    """Protection: Jinja2 autoescape (render/html.make_environment) and `breakable`."""
    raw = hostile["files"]["html"].read_text(encoding="utf-8")
    for tag in ("<script", "<iframe", "<object", "<link", "<img", "<a rel", "<b>"):
        assert tag not in raw.lower(), tag
    assert raw.count("<style>") == 1  # the report's own stylesheet, nothing from the data
    # No element has an attribute pointing outside the document.
    tree = lxml_html.fromstring(raw.encode("utf-8"))
    for el in tree.iter():
        for name, value in el.attrib.items():
            if name.split("}")[-1] in ("href", "src", "data", "action", "poster", "srcset"):
                assert value.startswith(("#", "data:")), (el.tag, name, value)
        if el.tag == "style":
            assert "url(" not in (el.text or "")
    assert "127.0.0.1" in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw  # shown as text
    visible = html_lib.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<svg.*?</svg>", "", raw, flags=re.S)))
    assert "{{ 7*7 }}" in visible and "{% for x in range(3) %}LOOP{% endfor %}" in visible
    assert "LOOPLOOP" not in visible and "<class" not in visible


def test_long_words_break_and_other_scripts_survive_in_html(hostile):
    """Protection: render/html.breakable (a <wbr> every 12 characters of a long word)."""
    raw = hostile["files"]["html"].read_text(encoding="utf-8")
    body = lxml_html.fromstring(raw.encode("utf-8")).find("body")
    for el in body.iter():
        if el.tag == "svg" or any(a.tag == "svg" for a in el.iterancestors()):
            continue  # chart labels are shortened by the chart code
        for text in (el.text, el.tail):
            assert "W" * 13 not in (text or ""), el.tag
    assert "WWWWWWWWWWWW<wbr>WWWWWWWWWWWW" in raw
    assert "مركز الاتصال" in raw and "🔥📞" in raw


# --------------------------------------------------------------------------- Markdown


def test_markdown_renders_the_payloads_as_text(hostile):
    """Protection: render/markdown.escape (`<` as &lt;, link/emphasis syntax backslashed)."""
    text = hostile["files"]["md"].read_text(encoding="utf-8")
    rendered = md_lib.markdown(text, extensions=["tables"])
    for tag in ("<script", "<iframe", "<object", "<link", "<style"):
        assert tag not in rendered.lower(), tag
    # Only our own chart images; no link or image from the data.
    assert not re.search(r'<a href="(?!#)', rendered)
    assert all(src.startswith("monthly-2026-10_files/") for src in re.findall(r'<img[^>]*src="([^"]*)"', rendered))
    assert "{{ 7*7 }}" in html_lib.unescape(rendered) and "LOOPLOOP" not in rendered
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text)


# --------------------------------------------------------------------------- DOCX


def test_docx_is_valid_xml_with_the_payloads_as_text(hostile):
    """Protection: render/docx._t, the one xml_safe() pass over every string (python-docx
    refuses control characters, so without it the render fails)."""
    path = hostile["files"]["docx"]
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(z.read(name))  # strict XML 1.0 parse
                assert not re.search(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]", z.read(name)), name
        rels = b"".join(z.read(n) for n in z.namelist() if n.endswith(".rels"))
    assert b"127.0.0.1" not in rels and b"file:" not in rels and b'TargetMode="External"' not in rels
    word = open_docx(str(path))
    parts = [p.text for p in word.paragraphs]
    for table in word.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    text = "\n".join(parts)
    assert "<script>alert(1)</script>" in text
    assert "{{ 7*7 }}" in text and "مركز الاتصال" in text
    assert "Bell V" in text  # the control characters are dropped, the words kept


# --------------------------------------------------------------------------- PDF


def test_pdf_fetched_nothing_outside_the_templates(hostile):
    """Protection: render/pdf.make_url_fetcher, and autoescape keeping the payloads text."""
    from ccreport.render.templates import templates_path

    root = templates_path().resolve().as_uri()
    assert all(u.startswith(("data:", root)) for u in hostile["fetched"]), hostile["fetched"]
    assert hostile["hits"] == []
    data = hostile["files"]["pdf"].read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert reader.attachments == {}
    assert SECRET.encode() not in pdf_streams(data)
    text = squash("".join(p.extract_text() for p in reader.pages))
    assert squash("<script>alert(1)</script>") in text
    assert squash("{{ 7*7 }}") in text and "LOOPLOOP" not in text
    # Endless words wrap instead of widening the page: every page is A4.
    for page in reader.pages:
        assert round(float(page.mediabox.width)) == 595 and round(float(page.mediabox.height)) == 842


def test_the_fetcher_refuses_every_url_a_template_could_name(server, tmp_path):
    """Protection: render/pdf.make_url_fetcher. Even HTML that is not escaped (a user's own
    template) cannot make WeasyPrint read a local file or call the network. The control run
    with WeasyPrint's own fetcher shows the same HTML would have leaked."""
    import weasyprint

    from ccreport.render.pdf import html_to_pdf

    port, hits = server
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    uri, base = secret.as_uri(), f"http://127.0.0.1:{port}"
    page = f"""<html><head>
<link rel="stylesheet" href="{base}/link.css">
<link rel="attachment" href="{uri}" title="leak">
<style>@import url({base}/import.css);
body {{ background: url({uri}) }}
@font-face {{ font-family: X; src: url({base}/font.woff) }} p {{ font-family: X }}</style>
</head><body><p>Hello</p>
<a rel="attachment" href="{uri}">file</a> <a rel="attachment" href="{base}/attach.bin">remote</a>
<img src="{base}/img.png"> <img src="{uri}"> <object data="{uri}"></object>
<embed src="{base}/embed"> <iframe src="{base}/frame"></iframe>
<svg width="10" height="10"><image href="{base}/svg.png" width="10" height="10"/></svg>
</body></html>"""
    hits.clear()
    data = html_to_pdf(page)
    assert hits == []
    assert pypdf.PdfReader(io.BytesIO(data)).attachments == {}
    assert SECRET.encode() not in pdf_streams(data)
    # Control: the same page with WeasyPrint's default fetcher calls out and embeds the file.
    leaked = weasyprint.HTML(string=page, base_url=tmp_path.as_uri() + "/").write_pdf()
    assert hits, "control run made no request: the loopback server is not reachable"
    assert pypdf.PdfReader(io.BytesIO(leaked)).attachments
    assert SECRET.encode() in pdf_streams(leaked)  # and pdf_streams() would have seen it


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("by", ["category", "service", "site", "assignment_group"])
def test_metrics_csv_defuses_formulas(hostile, by, capsys, monkeypatch, tmp_path):
    """Protection: console._text (a leading ' before = + - @ tab CR) and QUOTE_ALL."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exc:
        main(["metrics", str(hostile["export"]), "--month", "2026-10", "--format", "csv", "--by", by])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    lines = out.rstrip("\n").split("\n")  # not splitlines(): \x0b in the data is not a line end
    # Every field quoted: each record starts and ends with a quote (the data has no newlines).
    assert lines and all(ln.startswith('"') and ln.endswith('"') for ln in lines)
    rows = list(csv.reader(io.StringIO(out)))
    names = [r[2] for r in rows[1:]]
    assert not [n for n in names if n.startswith(FORMULA_START)]
    values = hostile["values"]
    for kind in ("hyperlink", "plus", "minus", "at"):
        assert "'" + values[kind] in names, (kind, names)


def test_csv_defuses_a_leading_tab_or_carriage_return():
    """Protection: console._text. Ingest trims whitespace, so the CLI never sees a
    leading tab; format_csv must still defuse one from any other source."""
    from ccreport.console import format_csv

    config = Config()
    result = load([ROOT / "sample_data" / "incidents.csv"], config)
    ms = compute(result, config, resolve_period(config, month="2026-10"))
    row = next(iter(ms.by_category.values()))
    ms.by_category = {"\t=1+1": row, "\r=2+2": row, "safe name": row, "-5": row, "@x": row}
    names = [r[2] for r in csv.reader(io.StringIO(format_csv(ms, by="category")))][1:]
    assert names == ["'\t=1+1", "'\r=2+2", "safe name", "'-5", "'@x"]


# --------------------------------------------------------------------------- templates


SAFE_MARKUP = {
    # file: {snippet on the line: why it is safe}
    "ccreport/render/html.py": {
        "Markup(xml_safe(str(value)))": "finalize: removing characters from Markup adds no markup",
        'Markup("<wbr>")': "breakable: joins escape()d pieces of one word",
        'Markup("")': "joins of escaped pieces",
        'Markup("\\n")': "joins of escaped pieces",
        'Markup("<code>%s</code>")': "Markup % escapes its argument",
        'Markup("<em>%s</em>")': "Markup % escapes its argument",
        'Markup("<strong>%s</strong>")': "Markup % escapes its argument",
        "Markup('<a href=\"%s\">%s</a>')": "href escaped by %, and only http(s)/mailto/# (document._SAFE_HREF)",
        'Markup("<p>%s</p>")': "Markup % escapes its argument",
        'Markup("<li>%s</li>")': "Markup % escapes its argument",
        'Markup("<%s>%s</%s>")': "part.kind is 'ul' or 'ol' from our own parser",
        "Markup(env.get_template(name).render(": "output of an autoescaped template",
        "Markup(svg_with_title(image.svg, fig.alt))": "matplotlib's SVG plus a <title> whose alt text is escape()d",
    },
}


def test_every_template_is_autoescaped_and_every_markup_is_justified():
    """Protection: autoescape=True for every template (any extension, and strings), no
    `|safe` or `{% autoescape false %}` in a template, and every Markup() in the code on the
    list above with its reason. A new one fails here until it is justified."""
    from ccreport.render.html import make_environment

    env = make_environment()
    assert env.autoescape is True
    assert env.from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".css", ".txt", ".j2", ".xml", ".md"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"\|\s*safe\b", text), path
            assert "autoescape false" not in text.replace("  ", " "), path
    unexplained = []
    for path in sorted((ROOT / "ccreport").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        allowed = SAFE_MARKUP.get(rel, {})
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "import" in line or not re.search(r"\bMarkup\(|\|\s*safe\b|autoescape\s*=\s*False", line):
                continue
            if not any(snippet in line for snippet in allowed):
                unexplained.append(f"{rel}:{n}: {line.strip()}")
    assert not unexplained, "Markup()/|safe without a reason in tests/test_hostile.py SAFE_MARKUP:\n" + "\n".join(unexplained)
