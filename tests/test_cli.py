"""The command line: exit codes (SPEC §7), validate output, help with examples."""

from __future__ import annotations

import json
import subprocess
import sys

from .util import ROOT, write


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ccreport.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, timeout=120)


def test_validate_json_and_strict(tmp_path):
    p = write(tmp_path, "d.csv", "incident_id,opened_at,priority\nA,2026-01-01T10:00:00Z,P1\nA,2026-01-01T10:00:00Z,P1\n")
    r = run("validate", str(p), "--format", "json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["preset"] == "canonical" and out["data_quality"]["duplicates"] == 1
    assert out["data_quality"]["issues"][0]["row"] == 2
    r = run("validate", str(p), "--strict", cwd=tmp_path)
    assert r.returncode == 3 and "problem" in r.stderr


def test_errors_are_one_line_without_traceback(tmp_path):
    p = write(tmp_path, "bad.csv", "foo,bar\n1,2\n")
    r = run("validate", str(p), cwd=tmp_path)
    assert r.returncode == 1
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
    assert len(errors) == 1 and "Traceback" not in r.stderr
    assert "incident_id" in r.stderr and str(p) in r.stderr


def test_usage_error_exits_2(tmp_path):
    assert run("validate", cwd=tmp_path).returncode == 2
    assert run("validate", "x.csv", "--preset", "nope", cwd=tmp_path).returncode == 2


def test_bad_config_exits_1(tmp_path):
    (tmp_path / "ccreport.yaml").write_text("colour: red\n")
    p = write(tmp_path, "d.csv", "incident_id,opened_at\nA,2026-01-01T10:00:00Z\n")
    r = run("validate", str(p), cwd=tmp_path)
    assert r.returncode == 1 and "ccreport.yaml line 1: colour: unknown key" in r.stderr


def test_every_command_has_help_with_an_example_and_is_in_the_readme():
    from ccreport.cli import cli

    readme = (ROOT / "README.md").read_text()
    for name, cmd in cli.commands.items():
        assert cmd.help and "Example:" in cmd.help, name
        assert f"ccreport {name}" in readme, name
