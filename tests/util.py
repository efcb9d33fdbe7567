"""Paths and small helpers shared by the tests, among them the two ways to run the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SERVICENOW_LOG = SHARED / "data" / "servicenow" / "incident_event_log_sample.csv"
SAMPLE = ROOT / "sample_data"
GOOD = ROOT / "tests" / "data" / "bad" / "good.csv"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@dataclass(frozen=True)
class Run:
    """What a `ccreport` run left: its exit code and what it printed."""

    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path, env: Mapping[str, str | None] | None = None, input: str | None = None) -> Run:
    """`ccreport ARGS` in this process: `ccreport.cli.main`, the function the installed script
    calls, so the SPEC §7 exit codes and the one-line error messages are the real ones.

    Click's CliRunner supplies the isolation (its own stdin/stdout/stderr and `env` on top of
    os.environ, None removing a variable); logging reaches the captured stderr because the
    CLI's handler looks up sys.stderr when it writes. The working folder is the caller's
    (use the `isolated` fixture for an empty one).
    """
    from ccreport.cli import main

    code: int | str | None = None
    with CliRunner().isolation(input=input, env=env) as (out, err, _mixed):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            code = exc.code
        else:  # main() always exits: returning means the entry point itself is broken
            raise AssertionError("ccreport.cli.main returned without sys.exit")
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8", "replace")
    return Run(int(code or 0), stdout, stderr)


def run_process(*args: str | Path, cwd: Path | None = None, env: Mapping[str, str] | None = None,
                     timeout: float = 300) -> Run:
    """`python -m ccreport.cli ARGS` as a real process (for what only a process shows: the
    entry point, signals, stdout encodings, the spawn pool of --split-by, flock between
    processes). The environment is this one's (CCREPORT_* already cleared by conftest) plus `env`."""
    r = subprocess.run([sys.executable, "-m", "ccreport.cli", *map(str, args)], capture_output=True, text=True,
                       cwd=cwd or ROOT, timeout=timeout, env={**os.environ, **(env or {})})
    return Run(r.returncode, r.stdout, r.stderr)
