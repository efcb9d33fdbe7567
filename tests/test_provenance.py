"""Provenance (issue 19, item 1): every document closes with what it was made from, and
`metrics --format json --full` has a `provenance` object; the hashes are the files' own, the
recorded command reproduces the figures, secrets are never recorded, and --no-provenance
leaves the appendix out."""

from __future__ import annotations

import hashlib
import json
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ccreport.provenance import REDACTED, Request, command_from_context, pin_period

from . import scenarios
from .util import run_cli


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def scenario(isolated: Path) -> tuple[Path, Path]:
    """A small export with one major incident planted, and its config, in an empty folder."""
    s = scenarios.ordinary(months=("2026-08", "2026-09", "2026-10"), per_area=6)
    scenarios.plant_major(s)
    return s.write(isolated)


def metrics_full(*args: str | Path, env=None) -> dict:
    r = run_cli(*args, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_metrics_json_records_inputs_config_settings_versions_and_period(scenario):
    export, config = scenario
    events = export.parent / "events.csv"
    events.write_text("incident_id,timestamp,type,text\nINC100001,2026-10-02T10:00:00Z,update,Started\n"
                      "INC100001,2026-10-02T11:00:00Z,update,Better\n", encoding="utf-8")
    data = metrics_full("--config", config, "metrics", export, "--events", events, "--month", "2026-10",
                        "--format", "json", "--full")
    prov = data["provenance"]
    by_role = {f["role"]: f for f in prov["inputs"]}
    assert by_role["incidents"]["sha256"] == sha256(export)
    assert by_role["incidents"]["size"] == export.stat().st_size
    assert by_role["incidents"]["rows"] == len(export.read_text(encoding="utf-8").splitlines()) - 1
    assert by_role["events"]["sha256"] == sha256(events) and by_role["events"]["rows"] == 2
    assert prov["config"]["sha256"] == sha256(config)
    assert prov["settings"]["timezone"] == "Europe/London"
    assert prov["settings"]["sla"]["P1"]["resolve"] == 4.0
    assert prov["settings"]["pause_states"] == ["On Hold"]
    import pandas
    import pyarrow
    from importlib import metadata

    assert prov["versions"]["pandas"] == pandas.__version__
    assert prov["versions"]["pyarrow"] == pyarrow.__version__
    assert prov["versions"]["weasyprint"] == metadata.version("weasyprint")
    assert prov["period"]["label"] == "October 2026" and prov["period"]["start"].startswith("2026-10-01")
    assert prov["run_at"].endswith("Z")
    # The core JSON (SPEC §4) is unchanged: no provenance without --full.
    core = metrics_full("--config", config, "metrics", export, "--month", "2026-10", "--format", "json")
    assert "provenance" not in core


def _rerun(command: str, cwd: Path) -> dict:
    """Run a recorded command line (VAR=value assignments first) in `cwd`."""
    words = shlex.split(command)
    env = {}
    while words and "=" in words[0] and words[0] != "ccreport":
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    assert words[0] == "ccreport"
    return metrics_full(*words[1:], env=env)


def test_the_recorded_command_reproduces_the_figures(scenario, monkeypatch):
    """The month came from the environment and the config was found in the working folder:
    the recorded command names both, so the re-run gives the same figures and the same
    provenance (except the time of the run)."""
    export, config = scenario
    first = metrics_full("metrics", export.name, "--format", "json", "--full",
                         env={"CCREPORT_MONTH": "2026-09", "CCREPORT_TIMEZONE": "Europe/Paris"})
    command = first["provenance"]["command"]
    assert "--month 2026-09" in command and "--config ccreport.yaml" in command
    assert first["provenance"]["settings"]["timezone"] == "Europe/Paris"
    # Elsewhere, without the variables: the command alone reproduces the run.
    again = _rerun(command, export.parent)
    assert again["provenance"].pop("run_at") and first["provenance"].pop("run_at")
    assert again == first
    assert again["totals"]["opened"] > 0


def test_a_relative_month_is_written_out():
    class P:
        month = "2026-10"

    assert pin_period(("ccreport", "monthly", "x.csv", "--month", "previous"), P()) == \
        ("ccreport", "monthly", "x.csv", "--month", "2026-10")
    assert pin_period(("ccreport", "monthly", "x.csv"), P())[-2:] == ("--month", "2026-10")
    assert pin_period(("ccreport", "monthly", "--from", "2026-10-01", "--to", "2026-10-15"), P()) == \
        ("ccreport", "monthly", "--from", "2026-10-01", "--to", "2026-10-15")


def test_secrets_are_left_out_of_the_command_line(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    seen = {}

    @click.command()
    @click.argument("files", nargs=-1)
    @click.option("--smtp-password", envvar="X_SMTP_PASSWORD")
    @click.option("--api-token")
    @click.option("--url")
    @click.option("--strict/--no-strict", default=False)
    def cmd(files, smtp_password, api_token, url, strict):
        seen["words"] = command_from_context(click.get_current_context(), None, env={})

    r = CliRunner().invoke(cmd, ["a.csv", "--api-token", "tok-123", "--url", "https://bob:hunter2@example.org/x",
                                 "--no-strict", "--", "-odd.csv"], env={"X_SMTP_PASSWORD": "s3cret"})
    assert r.exit_code == 0, r.output
    line = " ".join(seen["words"])
    assert "s3cret" not in line and "tok-123" not in line and "hunter2" not in line
    assert "--smtp-password" not in line  # from the environment: not recorded at all
    assert f"--api-token {REDACTED}" in line and f"https://{REDACTED}@example.org/x" in line
    assert "--no-strict" in line
    assert seen["words"][-3:] == ("--", "a.csv", "-odd.csv")  # a file named like an option stays a file


def test_smtp_password_from_the_environment_never_reaches_a_document(scenario):
    export, config = scenario
    with config.open("a", encoding="utf-8") as fh:
        fh.write("email: {from: reports@example.org, username: bob}\n")
    r = run_cli("--config", config, "monthly", export, "--month", "2026-10", "--format", "md", "--out", "out",
                "--email-to", "ops@example.org", "--dry-run", env={"CCREPORT_SMTP_PASSWORD": "pa55-Word!"})
    assert r.returncode == 0, r.stderr
    text = (export.parent / "out" / "monthly-2026-10.md").read_text(encoding="utf-8")
    assert "pa55-Word" not in text
    assert sha256(export) in text


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(str(path)).pages)


def test_every_document_ends_with_its_provenance_and_no_provenance_leaves_it_out(scenario):
    export, config = scenario
    narrative = export.parent / "review.md"
    narrative.write_text("---\nstatus: draft\nowner: Service owner\n---\n\nWhat happened.\n", encoding="utf-8")
    major = next(line.split(",")[0] for line in export.read_text(encoding="utf-8").splitlines()
                 if "outage for all agents" in line and "2026-10" in line)
    runs = {
        "monthly": ["monthly", export, "--month", "2026-10"],
        "pir": ["pir", export, "--incident", major, "--narrative", narrative],
        "strategy": ["strategy", Path(__file__).resolve().parents[1] / "ccreport" / "examples" / "strategy.yaml"],
    }
    for name, args in runs.items():
        for flag in ([], ["--no-provenance"]):
            out = export.parent / f"out-{name}{'-none' if flag else ''}"
            r = run_cli("--config", config, *args, "--format", "pdf,docx", "--out", out, *flag)
            assert r.returncode == 0, r.stderr
            pdf = next(out.glob("*.pdf"))
            text = _pdf_text(pdf)
            import docx

            docx_text = "\n".join(p.text for p in docx.Document(str(next(out.glob("*.docx")))).paragraphs)
            if flag:
                assert sha256(config) not in text and "Provenance" not in docx_text, name
                continue
            # The last section is the provenance appendix (its heading is the last heading).
            last = text[text.rindex("Appendix"):]
            assert "Provenance" in last.split("\n")[0], name
            assert sha256(config) in text.replace("\n", ""), name
            if name != "strategy":
                assert sha256(export) in text.replace("\n", ""), name
            if name == "pir":
                assert sha256(narrative) in text.replace("\n", "")
            assert "Provenance" in docx_text


def test_split_reports_carry_the_runs_provenance(scenario):
    export, config = scenario
    r = run_cli("--config", config, "monthly", export, "--month", "2026-10", "--format", "md", "--out", "out",
                "--split-by", "site")
    assert r.returncode == 0, r.stderr
    files = sorted((export.parent / "out").glob("*.md"))
    assert len(files) == 1 + len(scenarios.SITES)
    for f in files:
        assert sha256(export) in f.read_text(encoding="utf-8"), f.name


def test_untrusted_file_names_are_literal_in_the_appendix(isolated):
    """A file name with Markdown and HTML in it is shown as it is, never obeyed."""
    s = scenarios.ordinary(months=("2026-10",), per_area=3)
    export, config = s.write(isolated)
    odd = isolated / "*x*_<b>[l](https:e.org) `c`.csv"
    export.rename(odd)
    r = run_cli("--config", config, "monthly", odd.name, "--month", "2026-10", "--format", "html,md", "--out", "out")
    assert r.returncode == 0, r.stderr
    html = next((isolated / "out").glob("*.html")).read_text(encoding="utf-8")
    assert "<b>[l]" not in html and "&lt;b&gt;" in html
    assert "href=\"https:e.org\"" not in html and "<code>c</code>" not in html


def test_request_defaults_record_nothing_secret():
    assert Request().enabled and Request().command == ()


def test_source_date_epoch_makes_the_json_byte_for_byte_reproducible(scenario):
    export, config = scenario
    args = ("--config", config, "metrics", export, "--month", "2026-10", "--format", "json", "--full")
    env = {"SOURCE_DATE_EPOCH": "1793520000"}
    first, second = run_cli(*args, env=env), run_cli(*args, env=env)
    assert first.returncode == 0 and first.stdout == second.stdout
    assert json.loads(first.stdout)["provenance"]["run_at"] == "2026-11-01T08:00:00Z"
