"""SIGTERM (systemd, cron's `timeout`) cleans up like Ctrl-C: temporary files removed, the
lock released, exit 143 with "ccreport: terminated." (issue 13, item 7). Real child processes,
real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ccreport.lock import LOCK_NAME, output_lock

from .util import SAMPLE

CONFIG = str(SAMPLE / "ccreport.yaml")
INCIDENTS = str(SAMPLE / "incidents.csv")
MONTHLY = ["--config", CONFIG, "monthly", INCIDENTS, "--month", "2026-10", "--format", "pdf,docx,html,md"]

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX signals")

#: A child that runs the real CLI with one change: each document's temporary file is written
#: half, then the writer waits, so the parent can send SIGTERM while a temporary file exists.
SLOW_WRITER = """
import sys, time
from pathlib import Path
from ccreport.render import files as base

def slow(path, data):
    def write(tmp):
        tmp.write_bytes(data[: len(data) // 2])
        Path(sys.argv[1]).write_text(str(tmp))
        time.sleep(120)
        tmp.write_bytes(data)
    return base.atomic_write(path, write)

from ccreport.render import docx, html, markdown, pdf

for module in (base, docx, html, markdown, pdf):  # each renderer holds its own reference
    module.atomic_write_bytes = slow
from ccreport.cli import main
main(sys.argv[2:])
"""


def wait_for(condition, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for the child")


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.rglob("*") if ".tmp" in p.name or p.name.endswith(".old"))


def test_sigterm_while_a_temporary_file_is_written_removes_it_exit_143(tmp_path):
    """Protection: cli._on_sigterm raises cli.Terminated (a KeyboardInterrupt), so
    render.files.atomic_write's cleanup runs; main() maps it to 143."""
    out, marker = tmp_path / "out", tmp_path / "writing"
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(marker), *MONTHLY, "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(marker.exists)
        tmp = Path(marker.read_text())
        assert tmp.exists() and tmp.parent == out and tmp.name.endswith(".tmp")
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 143, err
    assert err.rstrip().endswith("ccreport: terminated.")
    assert "Traceback" not in err
    assert not tmp.exists()
    assert leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]  # no partial document
    with output_lock(out):  # released
        pass


def test_sigterm_during_a_real_monthly_run_leaves_no_partial_output(tmp_path):
    out = tmp_path / "out"
    child = subprocess.Popen([sys.executable, "-m", "ccreport.cli", *MONTHLY, "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lock = out / LOCK_NAME
        wait_for(lambda: lock.exists() and lock.read_text() == str(child.pid))
        time.sleep(1.0)  # charts and the PDF are being drawn now
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    if child.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert child.returncode == 143, err
    assert err.rstrip().endswith("ccreport: terminated.") and "Traceback" not in err
    assert leftovers(out) == []
    for doc in out.iterdir():  # whatever is there is complete: renamed into place whole
        if doc.suffix == ".pdf":
            assert doc.read_bytes().rstrip().endswith(b"%%EOF")
    # The next run works and leaves the folder clean.
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", *MONTHLY[:-1], "md", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert leftovers(out) == []


def test_sigkilled_runs_leave_temporaries_that_the_next_run_removes(tmp_path):
    """SIGKILL cannot be handled: the temporary file stays, and the next run's lock sweeps it
    (lock.remove_stale_temporaries)."""
    out, marker = tmp_path / "out", tmp_path / "writing"
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(marker), *MONTHLY[:-1], "md",
                              "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(marker.exists)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        child.kill()
    assert leftovers(out) != []
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", *MONTHLY[:-1], "md", "--out", str(out)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert leftovers(out) == []
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME, "monthly-2026-10.md", "monthly-2026-10_files"]


def test_ctrl_c_is_still_130(tmp_path):
    out, marker = tmp_path / "out", tmp_path / "writing"
    child = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(marker), *MONTHLY[:-1], "md",
                              "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(marker.exists)
        child.send_signal(signal.SIGINT)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 130
    assert err.rstrip().endswith("ccreport: interrupted.")
    assert leftovers(out) == []
