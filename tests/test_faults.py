"""Faults an unattended run meets (GitHub issue #8): a read-only or full disk, no Pango, a PDF
render that is interrupted or never ends. Each is run through the real command line
(`main()` in-process): the job must exit non-zero with one clear line, and --out must hold
no half-written file (a previous complete document stays as it was). Each test names the
protection it covers.
"""

from __future__ import annotations

import builtins
import errno
import os
import threading
from pathlib import Path

import pytest

from ccreport.errors import RenderError
from ccreport.render.pdf import PANGO_MESSAGE

from .util import GOOD, run_cli

OLD = b"previous complete report"


pytestmark = pytest.mark.usefixtures("isolated")


def monthly(out: Path, formats: str) -> tuple[int, str]:
    """`ccreport monthly good.csv --month 2026-10 --format FORMATS --out OUT`: (exit, stderr)."""
    r = run_cli("monthly", GOOD, "--month", "2026-10", "--format", formats, "--out", out)
    return r.returncode, r.stderr


def one_error_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.startswith("ccreport: ")
             and not ln.startswith("ccreport: warning")]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def leftovers(out: Path) -> list[str]:
    """Temp files or folders a failed write could leave (atomic_write names them .NAME.*.tmp)."""
    return sorted(p.name for p in out.rglob("*") if p.name.endswith(".tmp") or ".tmp" in p.name)


# --------------------------------------------------------------------------- disk


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_out_is_one_clear_line(tmp_path):
    """Protection: output_lock / write_document turn the OSError into a CcreportError."""
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        code, err = monthly(out, "md")
    finally:
        out.chmod(0o755)
    assert code == 1
    assert "Permission denied" in one_error_line(err) and str(out) in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize("code_, words", [(errno.EACCES, "Permission denied"), (errno.EROFS, "Read-only file system")])
def test_unwritable_out_is_one_clear_line(tmp_path, monkeypatch, code_, words):
    """The same as root would meet it on a read-only mount: creating the temp file fails.
    Protection: write_document's OSError -> RenderError naming the file."""
    from ccreport.render import files

    def refuse(*args, **kwargs):
        raise OSError(code_, os.strerror(code_))

    monkeypatch.setattr(files.tempfile, "mkstemp", refuse)
    monkeypatch.setattr(files.tempfile, "mkdtemp", refuse)
    out = tmp_path / "out"
    code, err = monthly(out, "md,html")
    assert code == 1
    line = one_error_line(err)
    assert words in line and "monthly-2026-10" in line
    assert [p.name for p in out.iterdir() if not p.name.startswith(".ccreport")] == []


def test_disk_full_mid_write_keeps_the_previous_report(tmp_path, monkeypatch):
    """Half the bytes reach the disk, then ENOSPC. Protection: atomic_write (temp file beside
    the target, removed on error; the target is replaced only by a complete file)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "monthly-2026-10.html").write_bytes(OLD)
    real = Path.write_bytes

    def half_then_full(self, data):
        if self.parent == out and self.name.startswith("."):
            real(self, bytes(data)[: len(data) // 2])
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", half_then_full)
    code, err = monthly(out, "html")
    assert code == 1
    assert "No space left on device" in one_error_line(err)
    assert (out / "monthly-2026-10.html").read_bytes() == OLD
    assert leftovers(out) == []


# --------------------------------------------------------------------------- PDF


def test_missing_pango_fails_pdf_only(tmp_path, monkeypatch):
    """WeasyPrint's import fails as it does without Pango (OSError from cffi). Protection:
    render/pdf._weasyprint -> PangoMissing, and write_document writing the other formats
    before raising it; the CLI exits 1 with the one-line message."""
    real_import = builtins.__import__

    def no_pango(name, *args, **kwargs):
        if name == "weasyprint" or name.startswith("weasyprint."):
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    out = tmp_path / "out"
    code, err = monthly(out, "pdf,docx,html,md")
    assert code == 1
    assert one_error_line(err) == f"ccreport: error: {PANGO_MESSAGE}"
    written = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    assert written == ["monthly-2026-10.docx", "monthly-2026-10.html", "monthly-2026-10.md"]


@pytest.mark.parametrize("fault, exit_code, words", [
    (KeyboardInterrupt, 130, "interrupted"),
    (RuntimeError("layout exploded"), 1, "PDF rendering failed: RuntimeError: layout exploded"),
    (MemoryError, 1, None),
])
def test_interrupted_pdf_leaves_no_partial_file(tmp_path, monkeypatch, fault, exit_code, words):
    """An exception injected inside WeasyPrint's write_pdf (it runs in the render thread).
    Protection: the PDF bytes are complete before atomic_write starts, the render thread
    hands the exception back to the caller, and the previous PDF is untouched."""
    import weasyprint

    def boom(self, *args, **kwargs):
        raise fault

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", boom)
    monkeypatch.setattr(weasyprint.document.Document, "write_pdf", boom)  # after HTML.render()
    out = tmp_path / "out"
    out.mkdir()
    (out / "monthly-2026-10.pdf").write_bytes(OLD)
    code, err = monthly(out, "pdf")
    assert code == exit_code
    if words:
        assert words in err
    assert (out / "monthly-2026-10.pdf").read_bytes() == OLD
    assert leftovers(out) == []


def test_a_pdf_that_never_finishes_is_stopped(tmp_path, monkeypatch):
    """Protection: render/pdf._within (wall-clock limit, CCREPORT_PDF_TIMEOUT seconds)."""
    import time

    import weasyprint

    release = threading.Event()

    def hang(self, *args, **kwargs):
        release.wait(60)  # a pathological layout; released at the end of the test
        return b"%PDF-1.7 late"

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", hang)
    monkeypatch.setattr(weasyprint.document.Document, "write_pdf", hang)  # after HTML.render()
    monkeypatch.setenv("CCREPORT_PDF_TIMEOUT", "0.5")
    out = tmp_path / "out"
    start = time.monotonic()
    try:
        code, err = monthly(out, "pdf,md")
    finally:
        release.set()
    assert time.monotonic() - start < 20
    assert code == 1
    assert "did not finish within 0.5 s" in one_error_line(err)
    assert not (out / "monthly-2026-10.pdf").exists() and leftovers(out) == []
    # Wait for the abandoned render to end, so it cannot hold the PDF lock for later tests.
    for t in threading.enumerate():
        if t.name == "ccreport-pdf":
            t.join(10)


def test_pdf_time_limit_setting():
    from ccreport.render.pdf import PDF_TIMEOUT, pdf_timeout

    assert pdf_timeout() == PDF_TIMEOUT == 300.0
    assert pdf_timeout(2) == 2.0
    os.environ["CCREPORT_PDF_TIMEOUT"] = "45"
    try:
        assert pdf_timeout() == 45.0
        for bad in ("soon", "0", "-1"):
            os.environ["CCREPORT_PDF_TIMEOUT"] = bad
            with pytest.raises(RenderError, match="CCREPORT_PDF_TIMEOUT|more than 0"):
                pdf_timeout()
    finally:
        del os.environ["CCREPORT_PDF_TIMEOUT"]
