"""The output folder is writable by others: the lock, the temporary files of killed runs and
the Markdown images folder must not let a planted link, FIFO or file turn ccreport's writes
against anything outside `--out` (issue 13, items 1 and 7)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccreport.errors import CcreportError
from ccreport.lock import LOCK_NAME, output_lock, remove_stale_temporaries
from ccreport.render.files import atomic_write_dir

from .util import SAMPLE

INCIDENTS = str(SAMPLE / "incidents.csv")
CONFIG = str(SAMPLE / "ccreport.yaml")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccreport.cli", "--config", CONFIG, *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside --out that a planted link points at; it must never change."""
    p = tmp_path / "victim.conf"
    p.write_text("root:x:0:0:precious\n")
    os.utime(p, (1_000_000_000, 1_000_000_000))
    return p


def unchanged(p: Path) -> bool:
    return p.read_text() == "root:x:0:0:precious\n" and p.stat().st_mtime == 1_000_000_000


# --------------------------------------------------------------------------- the lock file


def test_lock_symlink_to_a_file_is_refused_and_the_file_untouched(tmp_path, victim):
    """Protection: lock._open_lock_file opens with O_NOFOLLOW."""
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).symlink_to(victim)
    with pytest.raises(CcreportError, match=r"the lock file is a symbolic link"):
        with output_lock(out):
            pass
    assert unchanged(victim)


def test_lock_dangling_symlink_creates_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "created-by-root"
    (out / LOCK_NAME).symlink_to(target)
    with pytest.raises(CcreportError, match="symbolic link"):
        with output_lock(out):
            pass
    assert not target.exists()


@pytest.mark.parametrize("kind", ["fifo", "dir", "hardlink"])
def test_lock_path_that_is_not_a_regular_file_of_its_own_is_refused(tmp_path, victim, kind):
    """Protection: lock._open_lock_file's fstat (regular file, one link); O_NONBLOCK so a FIFO
    cannot hang the open."""
    out = tmp_path / "out"
    out.mkdir()
    lock = out / LOCK_NAME
    if kind == "fifo":
        os.mkfifo(lock)
        words = "is not a regular file"
    elif kind == "dir":
        lock.mkdir()
        words = "cannot use the output folder|is not a regular file"
    else:
        os.link(victim, lock)
        words = "hard links"
    start = time.monotonic()
    with pytest.raises(CcreportError, match=words):
        with output_lock(out):
            pass
    assert time.monotonic() - start < 5
    assert unchanged(victim)


def test_cli_with_a_planted_lock_link_is_one_line_exit_1(tmp_path, victim):
    out = tmp_path / "out"
    out.mkdir()
    (out / LOCK_NAME).symlink_to(victim)
    r = cli("monthly", INCIDENTS, "--month", "2026-10", "--format", "md", "--out", str(out))
    assert r.returncode == 1, r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: ")]
    assert len(errors) == 1 and errors[0].startswith("ccreport: error: ") and "symbolic link" in errors[0]
    assert "Traceback" not in r.stderr
    assert unchanged(victim)
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # nothing was written


def test_a_normal_lock_still_works_and_records_the_pid(tmp_path):
    with output_lock(tmp_path):
        assert (tmp_path / LOCK_NAME).read_text() == str(os.getpid())
    with output_lock(tmp_path):
        pass


# --------------------------------------------------------------------------- stale temporaries


def test_stale_temporaries_of_killed_runs_are_removed_under_the_lock(tmp_path, victim):
    """Protection: output_lock calls remove_stale_temporaries once the lock is held; only
    ccreport's own temp names go, and links among them are removed, not followed."""
    out = tmp_path / "out"
    out.mkdir()
    (out / ".monthly-2026-10.pdf.k2j4_x9a.tmp").write_bytes(b"%PDF half")
    (out / ".monthly-2026-10_files.ab12cd34.tmp").mkdir()
    (out / ".monthly-2026-10_files.ab12cd34.tmp" / "chart-1.png").write_bytes(b"png")
    (out / ".link.zzzzzzzz.tmp").symlink_to(victim)
    outside = tmp_path / "outside_dir"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    (out / ".dirlink.yyyyyyyy.tmp").symlink_to(outside)
    # A folder moved aside whose replacement exists: removed. One whose replacement is
    # missing (killed between the two renames): put back.
    (out / "monthly-2026-10_files").mkdir()
    (out / ".monthly-2026-10_files.old").mkdir()
    (out / ".pir-INC1_files.old").mkdir()
    (out / ".pir-INC1_files.old" / "chart-1.png").write_bytes(b"png")
    keep = ["notes.tmp", ".hidden.tmp", ".x.TOOLONG12.tmp", "report.pdf", ".profile.old"]
    for name in keep:
        (out / name).write_text("user file")

    with output_lock(out):
        names = sorted(p.name for p in out.iterdir())
    assert names == sorted([LOCK_NAME, "monthly-2026-10_files", "pir-INC1_files", *keep])
    assert (out / "pir-INC1_files" / "chart-1.png").read_bytes() == b"png"
    assert unchanged(victim)
    assert (outside / "keep.txt").read_text() == "keep"


def test_sweep_is_harmless_on_a_clean_or_missing_folder(tmp_path):
    assert remove_stale_temporaries(tmp_path) == []
    assert remove_stale_temporaries(tmp_path / "missing") == []


# --------------------------------------------------------------------------- <name>_files


@pytest.mark.parametrize("kind", ["dir", "dangling", "file"])
def test_a_planted_files_symlink_is_replaced_not_followed(tmp_path, kind):
    """Protection: render.files.atomic_write_dir renames whatever is there aside (lexists) and
    removes links with unlink, never rmtree through them: every later run still works."""
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "target"
    if kind == "dir":
        target.mkdir()
        (target / "precious.txt").write_text("precious")
    elif kind == "file":
        target.write_text("precious")
    (out / "monthly-2026-10_files").symlink_to(target)
    for run in range(3):
        atomic_write_dir(out / "monthly-2026-10_files", {"chart-1.png": b"png%d" % run})
        files = out / "monthly-2026-10_files"
        assert files.is_dir() and not files.is_symlink()
        assert (files / "chart-1.png").read_bytes() == b"png%d" % run
        assert sorted(p.name for p in out.iterdir()) == ["monthly-2026-10_files"]
    if kind == "dir":
        assert sorted(p.name for p in target.iterdir()) == ["precious.txt"]
    elif kind == "file":
        assert target.read_text() == "precious"
    else:
        assert not target.exists()


def test_a_planted_old_symlink_does_not_break_markdown_runs(tmp_path):
    """The `.<name>_files.old` left as a link by the old code made every later run fail."""
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    (target / "precious.txt").write_text("precious")
    (out / "monthly-2026-10_files").mkdir()
    (out / ".monthly-2026-10_files.old").symlink_to(target)
    atomic_write_dir(out / "monthly-2026-10_files", {"chart-1.png": b"png"})
    assert sorted(p.name for p in out.iterdir()) == ["monthly-2026-10_files"]
    assert (target / "precious.txt").read_text() == "precious"


def test_markdown_cli_runs_with_a_planted_files_link(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "target"
    target.mkdir()
    (target / "precious.txt").write_text("precious")
    (out / "monthly-2026-10_files").symlink_to(target)
    for _ in range(2):
        r = cli("monthly", INCIDENTS, "--month", "2026-10", "--format", "md", "--out", str(out))
        assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME, "monthly-2026-10.md", "monthly-2026-10_files"]
    assert not (out / "monthly-2026-10_files").is_symlink()
    assert sorted(p.name for p in target.iterdir()) == ["precious.txt"]
