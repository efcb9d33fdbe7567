"""Unattended runs: --split-by reports per group, the output-folder lock, email dry runs.

Two tests need real processes: --split-by (its spawn pool starts its own workers) and the
lock (an flock held by this process must stop another one). The rest run in-process.
"""

from __future__ import annotations

import email
import email.policy
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from ccreport.errors import CcreportError
from ccreport.lock import output_lock

from .util import SAMPLE, Run, run_cli, run_process

pytestmark = pytest.mark.usefixtures("isolated")
CONFIG = str(SAMPLE / "ccreport.yaml")
INCIDENTS = str(SAMPLE / "incidents.csv")


def cli(*args, env=None) -> Run:
    """`ccreport --config sample_data/ccreport.yaml ARGS` in this process."""
    return run_cli("--config", CONFIG, *args, env=env)


def process(*args, cwd=None) -> Run:
    """The same as a separate `python -m ccreport.cli` process."""
    return run_process("--config", CONFIG, *args, cwd=cwd)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


@pytest.fixture(scope="module")
def split_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("split")
    r = process("monthly", INCIDENTS, "--month", "2026-10", "--split-by", "site", "--jobs", "2",
                "--format", "pdf", "--out", str(out), cwd=out)
    assert r.returncode == 0, r.stderr
    return out, r


def test_split_by_site_writes_one_correct_report_per_site(split_run, tmp_path):
    out, r = split_run
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "monthly-2026-10-Glasgow.pdf", "monthly-2026-10-Leeds.pdf", "monthly-2026-10.pdf"]
    # The progress bar is for terminals only: none in this pipe.
    assert "Rendering groups" not in r.stderr
    # Each site's headline figures are the metrics engine's for that site's incidents alone.
    import pandas as pd

    frame = pd.read_csv(INCIDENTS, dtype=str, keep_default_na=False)
    for site in ("Leeds", "Glasgow"):
        part = tmp_path / f"{site}.csv"
        frame[frame.site == site].to_csv(part, index=False)
        m = json.loads(cli("metrics", str(part), "--month", "2026-10", "--format", "json").stdout)
        text = pdf_text(out / f"monthly-2026-10-{site}.pdf")
        assert f"Monthly incident report: {site}" in text
        assert f"{m['totals']['opened']} incidents were opened and {m['totals']['resolved']} resolved" in text.replace("\n", " ")


def test_lock_refuses_a_second_run(tmp_path):
    with output_lock(tmp_path):
        with pytest.raises(CcreportError, match="another ccreport run .* is writing to this folder"):
            with output_lock(tmp_path):
                pass
        r = process("monthly", INCIDENTS, "--month", "2026-10", "--format", "md", "--out", str(tmp_path), cwd=tmp_path)
        assert r.returncode == 1 and "another ccreport run" in r.stderr
        assert sorted(p.name for p in tmp_path.iterdir()) == [".ccreport.lock"]  # nothing written
    # Released when the holder finishes: the next run goes ahead.
    with output_lock(tmp_path):
        pass


def test_email_dry_run_writes_eml_with_headline_figures(tmp_path):
    r = cli("monthly", INCIDENTS, "--month", "2026-10", "--format", "pdf", "--out", str(tmp_path),
            "--email-to", "ops@example.org", "--dry-run", env={"CCREPORT_SMTP_PASSWORD": "s3cret-pw"})
    assert r.returncode == 0, r.stderr
    eml = tmp_path / "monthly-2026-10.eml"
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert msg["To"] == "ops@example.org"
    body = msg.get_body(preferencelist=("plain",)).get_content()
    metrics = json.loads(cli("metrics", INCIDENTS, "--month", "2026-10", "--format", "json").stdout)
    assert f"{metrics['totals']['opened']:,}" in body
    attachment = next(msg.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == (tmp_path / "monthly-2026-10.pdf").read_bytes()
    assert "s3cret-pw" not in eml.read_text(errors="replace") + r.stdout + r.stderr


def test_rerun_overwrites_cleanly(tmp_path):
    for _ in range(2):
        r = cli("monthly", INCIDENTS, "--month", "2026-10", "--format", "md", "--out", str(tmp_path))
        assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".ccreport.lock", "monthly-2026-10.md", "monthly-2026-10_files"]


def test_narratives_folder_sets_the_pir_status_in_every_report(tmp_path):
    """SPEC §5.1 `--narratives DIR`: the major-incident table takes each review's status from its
    narrative (file stem = incident ID); a resolved incident without one has no review on file."""
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    (reviews / "INC0012815.md").write_text("---\nstatus: in review\nowner: Incident Manager\n---\n", encoding="utf-8")
    out = tmp_path / "out"
    r = cli("monthly", INCIDENTS, "--month", "2026-10", "--format", "md", "--out", str(out),
            "--narratives", str(reviews), "--split-by", "site")
    assert r.returncode == 0, r.stderr
    overview = (out / "monthly-2026-10.md").read_text(encoding="utf-8")
    row = next(line for line in overview.splitlines() if line.startswith("| INC0012815 |"))
    assert row.rstrip().endswith("| In Review |")
    other = next(line for line in overview.splitlines() if line.startswith("| INC0012947 |"))
    assert other.rstrip().endswith("| No review on file |")
    assert "PIR status is the status in each review's narrative." in overview
    # The per-group reports read the same narratives.
    groups = [p for p in out.glob("monthly-2026-10-*.md")]
    assert groups and any("| In Review |" in p.read_text(encoding="utf-8") for p in groups)
    assert "Wrote " in r.stderr


def test_narratives_must_be_a_folder(tmp_path):
    r = cli("monthly", INCIDENTS, "--month", "2026-10", "--format", "md", "--out", str(tmp_path),
            "--narratives", str(tmp_path / "missing"))
    assert r.returncode == 1 and "--narratives needs a folder" in r.stderr


def test_split_run_names_every_file_once(split_run):
    """The overview is written by a pool worker like the groups: the parent names each file
    it wrote once (a worker's own log goes nowhere)."""
    out, r = split_run
    wrote = [line for line in r.stderr.splitlines() if line.startswith("Wrote ")]
    assert sorted(Path(line.split(" ", 1)[1]).name for line in wrote) == sorted(p.name for p in out.glob("*.pdf"))


def test_split_in_one_process_names_every_file_once(tmp_path):
    r = cli("monthly", INCIDENTS, "--month", "2026-10", "--split-by", "site", "--jobs", "1",
            "--format", "md", "--out", str(tmp_path))
    assert r.returncode == 0, r.stderr
    wrote = [line for line in r.stderr.splitlines() if line.startswith("Wrote ")]
    assert len(wrote) == len(set(wrote)) == len(list(tmp_path.glob("*.md"))) == 3


@pytest.mark.parametrize("jobs,documents,want", [
    (1, 21, 1), (2, 21, 2), (8, 3, 3), (2, 1, 1), (4, 2, 2), (0, 5, 1),
])
def test_processes_only_where_two_documents_can_share_them(jobs, documents, want):
    from ccreport.batch import effective_workers

    assert effective_workers(jobs, documents) == want


def test_forkserver_preloads_only_modules_that_exist():
    """A misspelt preload would be skipped silently by multiprocessing, and every worker would
    import it again."""
    import importlib.util

    from ccreport.batch import PRELOAD

    missing = [name for name in PRELOAD if importlib.util.find_spec(name) is None]
    assert not missing
