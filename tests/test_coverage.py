"""Export coverage (SPEC §4 "Coverage", issue 14 items 4 and 5).

An export covers the months from its first record to its last (opened, resolved or closed). A
period or trend month wholly outside that is not covered: every figure null, counts too,
marked so in `--full` output; documents say "no data" and never compare against it; a
document for a period the export does not cover at all fails with exit 1 unless
`--allow-empty` (SPEC §7). Each test writes a small synthetic export in tmp_path and runs the
real CLI in-process (tests/util.py `run_cli`).
"""

from __future__ import annotations

import json
from pathlib import Path

from .util import run_cli

HEADER = "incident_id,title,category,service,priority,status,major,opened_at,resolved_at,closed_at\n"


def export(tmp_path: Path, rows: list[tuple], name: str = "export.csv") -> Path:
    """A canonical CSV: (id, category, priority, opened, resolved or "") per incident."""
    lines = [HEADER]
    for iid, cat, prio, opened, resolved in rows:
        status = "Resolved" if resolved else "In Progress"
        lines.append(f"{iid},Incident {iid},{cat},Svc {cat},{prio},{status},false,{opened},{resolved},\n")
    path = tmp_path / name
    path.write_text("".join(lines), encoding="utf-8")
    return path


def one_month(tmp_path: Path, month: str = "2026-10", n: int = 6, last_day: int = 28) -> Path:
    """n incidents, all opened and resolved in one month (the last one on `last_day`)."""
    rows = []
    for i in range(n):
        day = 2 + i * (last_day - 2) // max(n - 1, 1)
        rows.append((f"INC{i:03d}", "CRM" if i % 2 else "Telephony", "P1" if i == 0 else "P3",
                     f"{month}-{day:02d}T09:00:00Z", f"{month}-{day:02d}T15:00:00Z"))
    return export(tmp_path, rows)


def metrics(path: Path, month: str, *extra: str) -> dict:
    r = run_cli("metrics", path, "--month", month, "--format", "json", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# ---- the metrics layer ------------------------------------------------------------------------


def test_coverage_is_from_the_first_to_the_last_record(tmp_path, isolated):
    path = export(tmp_path, [("A", "CRM", "P3", "2026-09-10T09:00:00Z", "2026-09-10T10:00:00Z"),
                             ("B", "CRM", "P3", "2026-10-30T09:00:00Z", "2026-11-02T10:00:00Z")])
    full = metrics(path, "2026-10", "--full")
    # The resolution on 2 November is the last record: November is covered.
    assert full["coverage"] == {"first_record": "2026-09-10T09:00:00+00:00",
                                "last_record": "2026-11-02T10:00:00+00:00",
                                "first_month": "2026-09", "last_month": "2026-11", "covered": True}
    assert full["previous"]["covered"] is True
    assert [t["month"] for t in full["trend"] if t["covered"]] == ["2026-09", "2026-10"]
    assert metrics(path, "2026-11", "--full")["coverage"]["covered"] is True
    assert metrics(path, "2026-12", "--full")["coverage"]["covered"] is False


def test_an_uncovered_month_has_every_figure_null_counts_too(tmp_path, isolated):
    path = one_month(tmp_path)
    core = metrics(path, "2026-10")
    assert "coverage" not in core and all("covered" not in t for t in core["trend"])
    before = [t for t in core["trend"] if t["month"] < "2026-10"]
    assert len(before) == 11
    assert all(t[k] is None for t in before for k in t if k != "month")
    assert core["trend"][-1]["opened"] == 6  # the covered month keeps its counts
    # The previous month is outside coverage: every figure null, no categories.
    full = metrics(path, "2026-10", "--full")
    prev = full["previous"]
    assert prev["covered"] is False and prev["by_category"] == {}
    assert all(v is None for v in prev["totals"].values())
    assert all(v is None for p in prev["by_priority"].values() for v in p.values())
    # A period after the export ends: every figure of the period null too.
    after = metrics(path, "2026-11", "--full")
    assert after["coverage"]["covered"] is False
    assert all(v is None for v in after["totals"].values())
    assert after["by_category"] == {} and after["major_incidents"] == []
    assert after["trend"][-1] == {"month": "2026-11", "opened": None, "resolved": None, "mttr_hours": None,
                                  "resolution_sla_pct": None, "backlog_end": None, "covered": False}


def test_core_json_reads_back_with_its_coverage_marks(tmp_path, isolated):
    from ccreport.metrics import MetricSet

    path = one_month(tmp_path)
    ms = MetricSet.from_json(json.dumps(metrics(path, "2026-10")))
    assert [t.covered for t in ms.trend] == [False] * 11 + [True]
    full = MetricSet.from_json(json.dumps(metrics(path, "2026-10", "--full")))
    assert full.coverage.first_month == "2026-10" and full.covered and not full.previous.covered


# ---- the monthly report never compares against a month without data -----------------------------

import re

import pytest

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def monthly_md(path: Path, month: str, out: Path, *extra: str) -> str:
    r = run_cli("monthly", path, "--month", month, "--format", "md", "--out", out, *extra)
    assert r.returncode == 0, r.stderr
    return (out / f"monthly-{month}.md").read_text(encoding="utf-8")


def month_name(ym: str) -> str:
    return MONTHS[int(ym[5:]) - 1]


def comparisons_against_uncovered(md: str, uncovered: list[str], covered_months: int,
                                  prev_uncovered: bool) -> list[str]:
    """Lines that compare with, or count over, a month the export does not cover: a comparison
    naming an uncovered month (without saying "no data"), a superlative over more months than
    have data, and, when the previous month is uncovered, "up from 0" or "(0 at the end of"."""
    bad = []
    names = {month_name(m) for m in uncovered}
    for line in md.splitlines():
        if line.startswith("!["):  # alt text lists every month, saying "no data" for the gaps
            continue
        for name in names:
            if re.search(rf"(vs|against|from|than|end of) {name}\b", line) and "no data" not in line:
                bad.append(line)
        for n in re.findall(r"(?:most|fewest) in (\d+) months", line):
            if int(n) > covered_months:
                bad.append(line)
        if prev_uncovered and (re.search(r"(up|down)( [\d.]+.%)? from 0\b", line) or "(0 at the end of" in line):
            bad.append(line)
    return bad


def test_the_first_month_of_an_export_compares_with_nothing(tmp_path, isolated):
    path = one_month(tmp_path, n=12)
    md = monthly_md(path, "2026-10", tmp_path / "out")
    summary = md.split("## 2 ")[0]
    assert "vs September" not in md and "+12" not in summary
    assert not re.search(r"(most|fewest) in \d+ months", md)
    assert "up from 0" not in md and "(0 at the end of September" not in md
    assert "the export has no data for September 2026" in summary
    assert "| CRM | 6 | no data | – |" in md  # the category table says so, with no change
    assert "Sep 26 no data" in md  # the trend chart's alt text: a gap, not a zero
    assert comparisons_against_uncovered(md, [f"2026-{m:02d}" for m in range(1, 10)], 1, True) == []


@pytest.mark.parametrize("first,report,months", [
    ("2026-03", "2026-04", 2), ("2026-05", "2026-05", 1), ("2026-01", "2026-03", 3), ("2026-02", "2026-05", 4)])
def test_no_sentence_compares_against_a_month_outside_coverage(tmp_path, isolated, first, report, months):
    """Several small exports, each starting in a different month and reported on a later one:
    nothing in the report compares against (or ranks over) a month before the first record."""
    import random

    rng = random.Random(f"{first}{report}")
    rows, y, m = [], int(first[:4]), int(first[5:])
    for k in range(months):
        ym = f"{y}-{m + k:02d}"
        for i in range(rng.randint(3, 9)):
            day = rng.randint(1, 27)
            resolved = f"{ym}-{day + 1:02d}T10:00:00Z" if rng.random() < 0.8 else ""
            rows.append((f"I{k}{i}", rng.choice(["CRM", "Telephony", "WFM"]), rng.choice(["P2", "P3", "P4"]),
                         f"{ym}-{day:02d}T09:00:00Z", resolved))
    path = export(tmp_path, rows)
    md = monthly_md(path, report, tmp_path / "out")
    trend = [f"{y - 1}-{mm:02d}" for mm in range(int(report[5:]) + 1, 13)] + \
        [f"{y}-{mm:02d}" for mm in range(1, int(report[5:]) + 1)]
    uncovered = [t for t in trend if t < first]
    prev = trend[-2]  # the month before the report's
    assert comparisons_against_uncovered(md, uncovered, len(trend) - len(uncovered), prev < first) == []
    if first == report:
        assert "is the first month of the export" in md


# ---- no report from missing data (SPEC §7) --------------------------------------------------------


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.name != ".ccreport.lock") \
        if folder.exists() else []


@pytest.mark.parametrize("command", [
    ("monthly", "--format", "md"),
    ("monthly", "--format", "md", "--email-to", "ops@example.org", "--dry-run"),
    ("monthly", "--format", "md", "--split-by", "category"),
    ("pir", "--all-major", "--format", "md"),
])
def test_a_period_after_the_export_fails_and_writes_nothing(tmp_path, isolated, command):
    path = one_month(tmp_path, last_day=31)
    out = tmp_path / "out"
    r = run_cli(command[0], path, "--month", "2026-11", *command[1:], "--out", out)
    assert r.returncode == 1, r.stderr
    error = [line for line in r.stderr.splitlines() if "error" in line]
    assert error == ["ccreport: error: the export ends on 31 Oct 2026 (it covers 2 Oct 2026 to 31 Oct 2026); "
                     "November 2026 has no data. Export again, or pass --allow-empty."]
    assert files_in(out) == [] and not list(isolated.glob("*.eml"))


def test_a_period_before_the_export_fails_naming_its_start(tmp_path, isolated):
    r = run_cli("monthly", one_month(tmp_path), "--month", "2026-09", "--format", "md", "--out", tmp_path / "out")
    assert r.returncode == 1
    assert "the export starts on 2 Oct 2026" in r.stderr and "September 2026 has no data" in r.stderr
    assert files_in(tmp_path / "out") == []


def test_allow_empty_writes_a_report_that_says_there_is_no_data(tmp_path, isolated):
    out = tmp_path / "out"
    r = run_cli("monthly", one_month(tmp_path, last_day=31), "--month", "2026-11", "--format", "md", "--out", out,
                "--allow-empty")
    assert r.returncode == 0, r.stderr
    assert "November 2026 has no data" in r.stderr  # still a warning
    md = (out / "monthly-2026-11.md").read_text(encoding="utf-8")
    summary = md.split("## 1 Executive summary")[1].split("## 2 ")[0]
    assert "There is no data for November 2026: the export ends on 31 October 2026" in summary
    assert "| Incidents opened |" not in md and "0 incidents" not in md and "down" not in summary
    assert not re.search(r"(most|fewest) in \d+ months", md) and "vs October" not in md
    assert "Major incidents" not in md  # no section words missing data as "none"
    # pir --all-major with --allow-empty: a warning, no review (there are no major incidents).
    r = run_cli("pir", one_month(tmp_path, last_day=31), "--all-major", "--month", "2026-11", "--format", "md",
                "--out", tmp_path / "pir", "--allow-empty")
    assert r.returncode == 0 and "no data" in r.stderr and files_in(tmp_path / "pir") == []


def test_an_export_ending_inside_the_period_warns_and_says_so(tmp_path, isolated):
    path = one_month(tmp_path, month="2026-11", last_day=20)
    out = tmp_path / "out"
    r = run_cli("monthly", path, "--month", "2026-11", "--format", "md", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "warning: the export ends on 20 Nov 2026, inside November 2026" in r.stderr
    md = (out / "monthly-2026-11.md").read_text(encoding="utf-8")
    assert "Data up to 20 November 2026" in md.split("## 2 ")[0]
    # A period the export runs to its last day has no such note.
    full = one_month(tmp_path, month="2026-11", last_day=30)
    r = run_cli("monthly", full, "--month", "2026-11", "--format", "md", "--out", tmp_path / "out2")
    assert "warning" not in r.stderr
    assert "Data up to" not in (tmp_path / "out2" / "monthly-2026-11.md").read_text(encoding="utf-8")


# ---- a percentage over a small base shows its count ----------------------------------------------

CONFIG = """\
sla:
  P1: {respond: 15m, resolve: 4h, calendar: 24x7}
  P3: {respond: 4h, resolve: 24h, calendar: 24x7}
targets: {resolution_sla_pct: 95}
"""


def test_a_percentage_over_a_small_base_is_shown_with_its_count(tmp_path, isolated):
    config = tmp_path / "ccreport.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    rows = [("P1X", "Telephony", "P1", "2026-10-05T09:00:00Z", "2026-10-05T19:00:00Z")]  # 10 h: breached
    rows += [(f"P3{i}", "CRM", "P3", f"2026-10-{6 + i:02d}T09:00:00Z", f"2026-10-{6 + i:02d}T10:00:00Z")
             for i in range(9)]
    path = export(tmp_path, rows)
    r = run_cli("--config", config, "monthly", path, "--month", "2026-10", "--format", "md", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "out" / "monthly-2026-10.md").read_text(encoding="utf-8")
    summary = md.split("## 2 ")[0].replace("\u00a0", " ")
    # The one P1 incident that missed its target is told as a count, never as "P1 (0.0 %)".
    p1 = [line for line in summary.splitlines() if line.startswith("- ") and "P1" in line]
    assert p1 and re.search(r"\b(only|one|0 of 1|1 of 1)\b", p1[0]) and "0.0 %" not in p1[0]
    # The minimum is configurable: report.min_base (the SLA sentence, without a target to miss).
    config.write_text(CONFIG.replace("resolution_sla_pct: 95", "resolution_sla_pct: null")
                      + "report: {min_base: 20}\n", encoding="utf-8")
    r = run_cli("--config", config, "monthly", path, "--month", "2026-10", "--format", "md", "--out", tmp_path / "out")
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "out" / "monthly-2026-10.md").read_text(encoding="utf-8")
    assert "Resolution SLA attainment was 90.0 % (9 of 10)" in md
