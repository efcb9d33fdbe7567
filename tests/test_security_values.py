"""Issue 13, items 8 and 9 where a corpus file does not fit: the command line's own streams,
periods and config values at the edges, and values that would silently corrupt figures.

Guards: cli._tolerant_streams and cli._exit_stdout_failed (stdout in any encoding, on a full
device, into a closed pipe), period.resolve_period (years ccreport reads), the config models'
bounds, the narrative model's bounds, and the ingest checks named in each test.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .util import GOOD, ROOT, run_cli, write

pytestmark = pytest.mark.usefixtures("isolated")
SAMPLE = ROOT / "sample_data"
NON_LATIN1 = ("incident_id,title,category,priority,status,opened_at\n"
              "INC1,Téléphone 电话,Télécom 电话,P1,Open,2026-10-05T09:00:00Z\n")


def _process(*args: str, stdout, env: dict[str, str] | None = None, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ccreport.cli", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120, cwd=cwd,
                          env={**os.environ, **(env or {})})


def _no_crash(stderr: str) -> None:
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr


# --------------------------------------------------------------------------- item 8: stdout


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_output_the_terminal_cannot_encode_is_escaped_not_a_crash(encoding, tmp_path):
    """Protection: cli._tolerant_streams (stdout/stderr errors="backslashreplace"). With an
    ASCII stream Click itself switches to UTF-8; latin-1 it keeps, so the escapes show."""
    data = write(tmp_path, "nl.csv", NON_LATIN1)
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", "metrics", str(data), "--month", "2026-10",
                        "--by", "category"], capture_output=True, timeout=120, cwd=tmp_path,
                       env={**os.environ, "PYTHONIOENCODING": encoding})
    out, err = r.stdout.decode("latin-1"), r.stderr.decode("latin-1")
    _no_crash(err)
    assert r.returncode == 0, err
    if encoding == "latin-1":
        assert "T\xe9l\xe9com \\u7535\\u8bdd" in out and "\\u2013" in out


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["metrics", "{good}", "--month", "2026-10"],
                                  ["validate", "{sample}", "--format", "json"], ["--help"]])
def test_stdout_on_a_full_device_is_one_line_exit_1(args, tmp_path):
    """Protection: cli._stdout_is_broken / _exit_stdout_failed (ENOSPC while printing)."""
    argv = [a.format(good=GOOD, sample=SAMPLE / "incidents.csv") for a in args]
    with open("/dev/full", "w") as full:
        r = _process(*argv, stdout=full, cwd=tmp_path)
    _no_crash(r.stderr)
    assert r.returncode == 1
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
    assert errors == ["ccreport: error: cannot write to standard output (No space left on device)."]


@pytest.mark.parametrize("args", [["metrics", "{sample}", "--month", "2025-10", "--by", "category"],
                                  ["--version"]])
def test_a_closed_pipe_exits_quietly(args, tmp_path):
    """Protection: Click's EPIPE handling inside a command, cli._exit_stdout_failed for the
    final flush: no traceback, no message, exit 1 (`ccreport metrics ... | head`)."""
    argv = [a.format(sample=SAMPLE / "incidents.csv") for a in args]
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        r = _process(*argv, stdout=write_end, cwd=tmp_path)
    finally:
        os.close(write_end)
    _no_crash(r.stderr)
    assert "Exception ignored" not in r.stderr and "error" not in r.stderr, r.stderr
    assert r.returncode == 1


# --------------------------------------------------------------------------- item 8: periods


@pytest.mark.parametrize("period", [
    ["--month", "9999-12"], ["--month", "2262-04"], ["--month", "1677-09"], ["--month", "0001-01"],
    ["--month", "1969-12"], ["--month", "2100-01"],
    ["--from", "0001-01-01", "--to", "9999-12-31"], ["--from", "1677-09-21", "--to", "2262-04-11"],
    ["--from", "2262-04-10", "--to", "2262-04-12"], ["--from", "1969-12-31", "--to", "1970-01-02"],
])
def test_a_period_outside_the_years_ccreport_reads_is_a_usage_error(period):
    """Protection: period.resolve_period (FIRST_DAY, END_DAY); was an internal error
    (OutOfBoundsDatetime, "year 10000 is out of range") at the edges of pandas timestamps."""
    r = run_cli("metrics", GOOD, *period)
    _no_crash(r.stderr)
    assert r.returncode == 2, r.stderr
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
    assert period[1] in line and "1970" in line


@pytest.mark.parametrize("period", [["--month", "1970-01"], ["--month", "2099-12"],
                                    ["--from", "1970-01-01", "--to", "2100-01-01"]])
def test_the_first_and_last_periods_ccreport_reads_work(period):
    r = run_cli("metrics", GOOD, *period, "--format", "json")
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------------------- item 8: narratives


@pytest.mark.parametrize("front, says", [
    ("regulatory:\n  - body: FCA\n    deadline_hours: 72\n    notified_at: 9999-12-31T23:59:00\n",
     "line 5: regulatory[0].notified_at: '9999-12-31T23:59:00' is outside 1970-2099"),
    ("regulatory:\n  - body: FCA\n    deadline_hours: 72\n    awareness_at: 9999-12-31T23:59:00+14:00\n",
     "line 5: regulatory[0].awareness_at"),
    ("regulatory:\n  - body: FCA\n    deadline_hours: 72\n    notified_at: 0001-01-01T00:00:00\n",
     "is outside 1970-2099"),
    ("regulatory:\n  - body: FCA\n    deadline_hours: 99999999999999999999999999999\n",
     "line 4: regulatory[0].deadline_hours: 99999999999999999999999999999 is not a positive number of hours up to 8,760"),
    ("regulatory:\n  - body: FCA\n    deadline_hours: 1000000000000\n", "up to 8,760"),
])
def test_narrative_dates_and_numbers_beyond_timestamps_are_one_line_errors(front, says, tmp_path):
    """Protection: pir.narrative._datetime (1970-2099) and Regulatory._hours (at most 8,760);
    each was an internal error (OutOfBoundsDatetime, OutOfBoundsTimedelta) in the PIR."""
    narrative = write(tmp_path, "pir.md", f"---\n{front}---\nBody\n")
    r = run_cli("pir", GOOD, "--incident", "INC001", "--narrative", narrative, "--out", tmp_path / "out",
                "--format", "md")
    _no_crash(r.stderr)
    assert r.returncode == 1, r.stderr
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
    assert "pir.md" in line and says in line, line


def test_narrative_dates_at_the_last_year_read_work(tmp_path):
    narrative = write(tmp_path, "pir.md", "---\nregulatory:\n  - body: FCA\n    deadline_hours: 8760\n"
                      "    awareness_at: 2099-12-31T23:59:00\n    notified_at: 2099-12-31T23:59:00-12:00\n"
                      "actions:\n  - action: x\n    due: 9999-12-31\n---\nBody\n")
    r = run_cli("pir", GOOD, "--incident", "INC001", "--narrative", narrative, "--out", tmp_path / "out",
                "--format", "md")
    assert r.returncode == 0, r.stderr


# --------------------------------------------------------------------------- item 9: not files


@pytest.mark.parametrize("option", [None, "--events", "--contacts"])
def test_a_fifo_input_is_refused_as_not_a_regular_file_without_hanging(option, tmp_path):
    """Protection: readers.regular_file_size (read, and load_contacts); a FIFO was read as
    "the file is empty" or could block until a writer came."""
    fifo = tmp_path / "export.csv"
    os.mkfifo(fifo)
    args = ["validate", str(fifo)] if option is None else \
        ["metrics" if option == "--contacts" else "validate", str(GOOD), option, str(fifo)]
    r = _process(*args, stdout=subprocess.PIPE, cwd=tmp_path)  # a hang fails on the timeout
    _no_crash(r.stderr)
    assert r.returncode == 1
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
    assert "export.csv: is a pipe (FIFO), not a regular file" in line


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
@pytest.mark.parametrize("option", [None, "--events", "--contacts"])
def test_a_device_input_is_refused_as_not_a_regular_file(device, option):
    if not Path(device).exists():
        pytest.skip(f"no {device}")
    args = ["validate", device] if option is None else \
        ["metrics" if option == "--contacts" else "validate", GOOD, option, device]
    r = run_cli(*args)
    _no_crash(r.stderr)
    assert r.returncode == 1
    assert f"{device}: is a device, not a regular file" in r.stderr
    assert "empty" not in r.stderr


# --------------------------------------------------------------------------- item 9: --quiet


@pytest.mark.parametrize("quiet", [True, False])
def test_quiet_prints_nothing_when_home_is_not_writable(quiet, tmp_path):
    """Protection: charts._matplotlib_config_dir (a private MPLCONFIGDIR when the default
    folders cannot be written) and cli.THIRD_PARTY_LOGGERS (matplotlib's own warnings go
    through ccreport's handler, silenced by --quiet). HOME=/dev/null: no folder can be made
    under it, even as root."""
    env = {"HOME": "/dev/null"}
    clean = {k: v for k, v in os.environ.items() if k not in ("MPLCONFIGDIR", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")}
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", *(["--quiet"] if quiet else []),
                        "--config", str(SAMPLE / "ccreport.yaml"),
                        "monthly", str(SAMPLE / "incidents.csv"), "--month", "2025-10", "--out", str(tmp_path / "out"),
                        "--format", "md"], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                       env={**clean, **env})
    assert r.returncode == 0, r.stderr
    assert "matplotlib" not in r.stderr.lower()  # without --quiet too: nothing to warn about
    if quiet:
        assert r.stderr == "" and r.stdout == ""
    assert (tmp_path / "out" / "monthly-2025-10.md").is_file()


def test_library_warnings_follow_the_run_level():
    import logging

    from ccreport.cli import THIRD_PARTY_LOGGERS

    run_cli("--quiet", "validate", GOOD)
    assert all(logging.getLogger(n).getEffectiveLevel() == logging.ERROR for n in THIRD_PARTY_LOGGERS)
    assert all(not logging.getLogger(n).propagate for n in THIRD_PARTY_LOGGERS)
    run_cli("validate", GOOD)
    assert all(logging.getLogger(n).getEffectiveLevel() == logging.WARNING for n in THIRD_PARTY_LOGGERS)


# --------------------------------------------------------------------------- item 8: nesting


@pytest.mark.parametrize("depth", [50, 300, 330, 1000, 100_000])
@pytest.mark.parametrize("kind", ["narrative", "strategy"])
def test_deeply_nested_narrative_and_strategy_yaml_is_one_line(kind, depth, tmp_path):
    """Protection: yamlio.loads (RecursionError while composing is "nested too deeply"), the
    pydantic models (a nested value where text is wanted). At every depth, including the
    ones just below and above where PyYAML runs out of stack: one line, exit 1."""
    nested = "[" * depth + "]" * depth
    if kind == "narrative":
        path = write(tmp_path, "pir.md", f"---\nsummary: {nested}\nlessons: {nested}\n---\nBody\n")
        args = ["pir", GOOD, "--incident", "INC001", "--narrative", path, "--out", tmp_path / "out", "--format", "md"]
    else:
        path = write(tmp_path, "strategy.yaml", f"organisation:\n  name: {nested}\n")
        args = ["strategy-check", path]
    r = run_cli(*args)
    _no_crash(r.stderr)
    assert r.returncode == 1, r.stderr
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
    assert path.name in line


# --------------------------------------------------------------------------- item 9: calendars


@pytest.mark.parametrize("calendar, says", [
    ("{days: []}", "calendars.office.days: a calendar needs at least one working day"),
    ("{hours: ''}", "calendars.office.hours: '' is not a range like 08:00-18:00"),
    ("{hours: '09:00-09:00'}", "the end must be after the start"),
])
def test_a_calendar_with_no_working_time_is_refused_when_the_config_loads(calendar, says, tmp_path):
    """Protection: config.Calendar._days and _hours. A calendar without working minutes
    would stop every SLA clock on it, so every SLA would be 100 % met."""
    cfg = write(tmp_path, "ccreport.yaml", f"calendars:\n  office: {calendar}\n"
                "sla:\n  P1: {respond: 15m, resolve: 4h, calendar: office}\n")
    r = run_cli("--config", cfg, "metrics", GOOD, "--month", "2026-10")
    assert r.returncode == 1, r.stderr
    (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
    assert "ccreport.yaml line 2" in line and says in line, line
