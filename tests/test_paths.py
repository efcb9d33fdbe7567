"""Output paths (GitHub issue #8): names that come from the data (incident IDs, group names)
can never leave --out, hide a file, name a Windows device or overwrite another document, and
--out itself is created when missing and never escaped (not even through a symlink planted
where a document will be written). Each test names the protection it covers.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import pytest

from ccreport.batch import group_slug
from ccreport.document import Document, Paragraph, Section
from ccreport.render.files import safe_basename, unique_basename
from ccreport.render.output import write_document

from .util import GOOD, run_cli

WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])$", re.IGNORECASE)
HOSTILE_NAMES = [
    "../../etc/passwd", "/etc/passwd", "..\\..\\Windows\\win.ini", "C:\\temp\\x", "a\x00b", "CON",
    "con.txt", "NUL", "LPT1", "COM9.pdf", "x" * 300, "", ".hidden", "-rf", "~root", "INC 1/é", "\u202eevil",
]


def doc(text: str = "x") -> Document:
    return Document(kind="probe", title="Probe", period_label="October 2026", organisation="Org", author="Org",
                    date=dt.date(2026, 11, 3), blocks=[Section("Body", [Paragraph(text)])])


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_name_from_the_data_becomes_a_plain_file_name(name):
    """Protection: render/files.safe_basename (character set, no leading dot or dash, length,
    Windows device names) and unique_basename (a hash when cleaning changed the name)."""
    for out in (safe_basename(name), unique_basename(name), group_slug(name)):
        assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", out), out
        assert len(out) <= 100
        assert not WINDOWS_RESERVED.match(out.split(".")[0]), out
        assert "/" not in out and "\\" not in out and not out.startswith((".", "-"))


def test_documents_stay_inside_out_whatever_the_name(tmp_path):
    """Protection: write_document joins only a cleaned name to --out."""
    out = tmp_path / "out"
    for name in HOSTILE_NAMES:
        write_document(doc(), ["md", "html"], out, f"pir-{name}")
        write_document(doc(), ["md"], out, name)
    outside = {p for p in files_under(tmp_path) if p != out and out not in p.parents}
    assert outside == set()
    assert len(list(out.glob("*.md"))) == 2 * len(HOSTILE_NAMES)  # nothing overwrote anything


def test_names_that_clean_to_the_same_text_get_different_files(tmp_path):
    """Protection: unique_basename adds a hash of the original name whenever cleaning was
    lossy, so "INC/1" and "INC_1" (or two long IDs that differ after 100 characters) never
    overwrite each other; already-safe names keep their plain form."""
    names = ["pir-INC/1", "pir-INC_1", "pir-INC 1", "pir-INC:1", "pir-INC\x001",
             "pir-" + "9" * 200 + "a", "pir-" + "9" * 200 + "b", "CON", "con", "Con"]
    paths = [write_document(doc(f"marker {i}"), ["md"], tmp_path, n)[0] for i, n in enumerate(names)]
    assert len({p.name.lower() for p in paths}) == len(names)  # distinct even on a case-blind disk
    for i, path in enumerate(paths):
        assert f"marker {i}" in path.read_text(encoding="utf-8")
    assert paths[1].name == "pir-INC_1.md"  # a safe name is not decorated


def test_split_by_group_names_do_not_collide():
    """Protection: batch.group_slug (the same idea for --split-by group names and their .eml)."""
    groups = ["Leeds/1", "Leeds 1", "Leeds_1", "Leeds:1", "../Leeds_1"]
    assert len({group_slug(g).lower() for g in groups}) == len(groups)
    assert group_slug("Leeds_1") == "Leeds_1"


def test_out_is_created_and_nothing_is_written_outside_it(isolated):
    """Protection: write_document creates --out (parents too) and writes only inside it."""
    tmp_path = isolated
    before = files_under(tmp_path)
    out = tmp_path / "new" / "deeper" / "out"
    r = run_cli("monthly", GOOD, "--month", "2026-10", "--format", "md,html", "--out", out)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith(".")) == [
        "monthly-2026-10.html", "monthly-2026-10.md"]
    created = files_under(tmp_path) - before
    assert all(p == out or out in p.parents or p in out.parents for p in created), created


def test_a_symlink_planted_in_out_is_replaced_not_followed(tmp_path):
    """Protection: atomic_write renames a finished temp file over the target (os.replace),
    which replaces a symlink instead of writing through it; the same for the images folder."""
    out = tmp_path / "out"
    out.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("do not touch")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.png").write_bytes(b"keep")
    (out / "probe.md").symlink_to(precious)
    (out / "probe.html").symlink_to(precious)
    write_document(doc(), ["md", "html"], out, "probe")
    assert precious.read_text() == "do not touch"
    assert not (out / "probe.md").is_symlink() and not (out / "probe.html").is_symlink()
    assert "Probe" in (out / "probe.md").read_text(encoding="utf-8")
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.png"]


def test_out_that_is_a_file_is_a_usage_error(isolated):
    """Protection: the --out option only accepts a folder (click.Path(file_okay=False))."""
    not_a_dir = isolated / "report.pdf"
    not_a_dir.write_bytes(b"%PDF existing")
    r = run_cli("monthly", GOOD, "--month", "2026-10", "--format", "md", "--out", not_a_dir)
    assert r.returncode == 2 and "is a file" in r.stderr
    assert not_a_dir.read_bytes() == b"%PDF existing"
    assert "Traceback" not in r.stderr


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_out_through_a_symlinked_folder_writes_where_the_user_pointed(tmp_path):
    """A symlinked --out is the user's choice (e.g. a mounted share) and is honoured; only
    names inside it are ours to clean."""
    real = tmp_path / "share"
    real.mkdir()
    link = tmp_path / "out"
    link.symlink_to(real, target_is_directory=True)
    (path,) = write_document(doc(), ["md"], link, "../../escape")
    assert path.resolve().parent == real.resolve()
