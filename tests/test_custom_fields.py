"""Custom fields (mapping `extra:`) as grouping dimensions, and `--where FIELD=VALUE`.

Each scenario export is written here with one planted story (one region slower, one client's
incidents all in one site ...); the figures are checked against a per-row count of the same
rows, never against the tool's own output.
"""

from __future__ import annotations

import re

import csv
import io
import json
from pathlib import Path

import pytest

from tests.util import run_cli

HEADERS = ["Ref", "Opened", "Resolved", "State", "Prio", "Cat", "Site", "Region", "Client Name"]

MAPPING = """\
columns:
  incident_id: Ref
  opened_at: Opened
  resolved_at: Resolved
  status: State
  priority: Prio
  category: Cat
  site: Site
extra:
  region: Region
  client: "Client Name"
"""

CONFIG = "timezone: Europe/London\ndayfirst: true\n"


def _rows() -> list[dict[str, str]]:
    """October 2026: North's incidents take 10 h to resolve, South's 1 h; a few have no region;
    client 'Acme & Sons' is every third incident; September has one of each region."""
    rows = []
    for i in range(30):
        region = ["North", "South", "North", ""][i % 4]
        hours = 10 if region == "North" else 1
        day = 1 + i % 28
        resolved = "" if i % 10 == 9 else f"{day:02d}/10/2026 {9 + hours:02d}:00"
        rows.append({
            "Ref": f"INC{i:04d}", "Opened": f"{day:02d}/10/2026 09:00", "Resolved": resolved,
            "State": "Open" if not resolved else "Resolved", "Prio": ["P2", "P3", "P4"][i % 3],
            "Cat": ["Network", "Email"][i % 2], "Site": ["Leeds", "Cardiff"][i % 2],
            "Region": region, "Client Name": "Acme & Sons" if i % 3 == 0 else "Beta Ltd",
        })
    for j, region in enumerate(["North", "South"]):
        rows.append({"Ref": f"SEP{j}", "Opened": "10/09/2026 09:00", "Resolved": "10/09/2026 12:00",
                     "State": "Closed", "Prio": "P3", "Cat": "Network", "Site": "Leeds", "Region": region,
                     "Client Name": "Beta Ltd"})
    return rows


@pytest.fixture
def export(tmp_path: Path) -> dict:
    rows = _rows()
    buf = io.StringIO()
    w = csv.DictWriter(buf, HEADERS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    (tmp_path / "inc.csv").write_text(buf.getvalue(), encoding="utf-8")
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "ccreport.yaml").write_text(CONFIG, encoding="utf-8")
    return {"dir": tmp_path, "rows": rows, "csv": tmp_path / "inc.csv", "map": tmp_path / "map.yaml",
            "cfg": tmp_path / "ccreport.yaml"}


def _cli(export: dict, *args: str):
    return run_cli("--config", export["cfg"], *args)


def _october(rows):
    return [r for r in rows if r["Opened"].endswith("/10/2026 09:00")]


def _metrics(export: dict, *extra: str) -> dict:
    r = _cli(export, "metrics", export["csv"], "--mapping", export["map"], "--month", "2026-10",
             "--format", "json", "--full", *extra)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_extra_fields_are_breakdowns_in_the_full_json(export):
    data = _metrics(export)
    oct_rows = _october(export["rows"])
    by_region = data["by_extra"]["region"]
    for label, value in (("North", "North"), ("South", "South"), ("Not recorded", "")):
        assert by_region[label]["opened"] == sum(r["Region"] == value for r in oct_rows)
        assert by_region[label]["resolved"] == sum(r["Region"] == value and bool(r["Resolved"]) for r in oct_rows)
    assert by_region["North"]["mttr_hours"] == pytest.approx(10.0)
    assert by_region["South"]["mttr_hours"] == pytest.approx(1.0)
    clients = data["by_extra"]["client"]
    assert clients["Acme & Sons"]["opened"] == sum(r["Client Name"] == "Acme & Sons" for r in oct_rows)
    # Custom fields are not canonical fields, and do not change the canonical breakdowns.
    assert "region" not in data["fields"]
    assert sum(g["opened"] for g in data["by_site"].values()) == len(oct_rows)


def test_metrics_csv_by_a_custom_field(export):
    r = _cli(export, "metrics", export["csv"], "--mapping", export["map"], "--month", "2026-10",
             "--format", "csv", "--by", "client")
    assert r.returncode == 0, r.stderr
    table = list(csv.DictReader(io.StringIO(r.stdout)))
    assert {row["client"] for row in table} == {"Acme & Sons", "Beta Ltd"}
    oct_rows = _october(export["rows"])
    for row in table:
        assert int(row["opened"]) == sum(r["Client Name"] == row["client"] for r in oct_rows)


def test_by_an_unknown_view_is_a_usage_error_naming_the_custom_fields(export):
    r = _cli(export, "metrics", export["csv"], "--mapping", export["map"], "--format", "csv", "--by", "regoin")
    assert r.returncode == 2
    assert "region" in r.stderr and "client" in r.stderr and "site" in r.stderr


@pytest.mark.parametrize("where,keep", [
    (["region=North"], lambda r: r["Region"] == "North"),
    (["region= north "], lambda r: r["Region"] == "North"),  # case and spaces do not matter
    (["region=North", "region=South"], lambda r: r["Region"] in ("North", "South")),  # one field: either
    (["region=North", "site=Leeds"], lambda r: r["Region"] == "North" and r["Site"] == "Leeds"),  # both
    (["region=Not recorded"], lambda r: r["Region"] == ""),
    (["client=acme & sons", "priority=P4"], lambda r: r["Client Name"] == "Acme & Sons" and r["Prio"] == "P4"),
    (["category=Email"], lambda r: r["Cat"] == "Email"),
])
def test_where_keeps_only_the_matching_incidents(export, where, keep):
    args = [a for w in where for a in ("--where", w)]
    data = _metrics(export, *args)
    oct_rows = [r for r in _october(export["rows"]) if keep(r)]
    assert data["totals"]["opened"] == len(oct_rows)
    assert data["totals"]["resolved"] == sum(bool(r["Resolved"]) for r in oct_rows)
    assert data["totals"]["backlog_end"] == sum(not r["Resolved"] for r in oct_rows)
    # The trend is the subset's too, and a month the export covers stays covered.
    sept = next(t for t in data["trend"] if t["month"] == "2026-09")
    assert sept["opened"] == sum(1 for r in export["rows"] if r["Ref"].startswith("SEP") and keep(r))


def test_where_an_incident_subset_keeps_the_export_coverage(export):
    # Only South: September has its one South incident; August is before the export and stays
    # uncovered, whatever the subset.
    data = _metrics(export, "--where", "region=South")
    months = {t["month"]: t for t in data["trend"]}
    assert months["2026-09"]["covered"] is True and months["2026-09"]["opened"] == 1
    assert months["2026-08"]["covered"] is False


@pytest.mark.parametrize("where,needle", [
    ("colour=red", ["colour", "region", "client", "site", "priority"]),  # unknown field: the choices
    ("region=Nrth", ["Nrth", "North", "South"]),  # a value no incident has: the values found
    ("service=Email", ["service"]),  # a canonical field the export does not have
])
def test_where_mistakes_are_usage_errors(export, tmp_path, where, needle):
    out = tmp_path / "out"
    r = _cli(export, "monthly", export["csv"], "--mapping", export["map"], "--month", "2026-10",
             "--where", where, "--format", "md", "--out", out)
    assert r.returncode == 2, r.stderr
    assert len(r.stderr.strip().splitlines()) <= 3
    for word in needle:
        assert word in r.stderr
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]  # nothing written


def test_where_without_equals_is_a_usage_error(export):
    r = _cli(export, "metrics", export["csv"], "--mapping", export["map"], "--where", "region")
    assert r.returncode == 2
    assert "FIELD=VALUE" in r.stderr


def test_a_restricted_monthly_report_says_whose_it_is(export, tmp_path):
    out = tmp_path / "out"
    r = _cli(export, "monthly", export["csv"], "--mapping", export["map"], "--month", "2026-10",
             "--where", "region=north", "--format", "md,docx", "--out", out)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    assert names == ["monthly-2026-10-North.docx", "monthly-2026-10-North.md"]
    md = (out / "monthly-2026-10-North.md").read_text(encoding="utf-8")
    first_heading = next(line for line in md.splitlines() if line.startswith("# "))
    assert "North" in first_heading
    # The provenance appendix records the command line (its purpose); the report itself does not.
    body = re.split(r"(?m)^#+ Appendix [A-Z]: Provenance", md)[0]
    assert body != md and "--where" in md
    assert "--where" not in body and "where" not in first_heading.lower()
    from docx import Document

    doc = Document(str(out / "monthly-2026-10-North.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "North" in text
    assert "South" not in text  # the other region's incidents are not in this report


def test_split_by_a_custom_field(export, tmp_path):
    out = tmp_path / "out"
    r = _cli(export, "monthly", export["csv"], "--mapping", export["map"], "--month", "2026-10",
             "--split-by", "region", "--format", "md", "--out", out)
    assert r.returncode == 0, r.stderr
    names = {p.name for p in out.iterdir() if p.suffix == ".md"}
    assert "monthly-2026-10.md" in names
    assert any("North" in n for n in names) and any("South" in n for n in names)
    assert any("Not_recorded" in n or "Not recorded" in n for n in names)
    north = next(out / n for n in names if "North" in n)
    assert "North" in north.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize("extra,words", [
    ("  priority: Prio\n", ["priority", "canonical"]),
    ("  Region Name: Region\n", ["Region Name", "lower-case"]),
    ("  trend: Region\n", ["trend", "reserved"]),
    ("  region: [Region, Site]\n", ["region", "one source column"]),
])
def test_bad_custom_field_names_fail_with_the_line(export, extra, words):
    export["map"].write_text(MAPPING.split("extra:")[0] + "extra:\n" + extra, encoding="utf-8")
    r = _cli(export, "validate", export["csv"], "--mapping", export["map"])
    assert r.returncode == 1, r.stderr
    assert "map.yaml" in r.stderr and "line 10" in r.stderr
    for word in words:
        assert word in r.stderr


def test_a_custom_field_naming_a_missing_column(export):
    export["map"].write_text(MAPPING.replace('client: "Client Name"', "client: Customer"), encoding="utf-8")
    r = _cli(export, "validate", export["csv"], "--mapping", export["map"])
    assert r.returncode == 1
    assert "Customer" in r.stderr and "client" in r.stderr and "inc.csv" in r.stderr


def test_an_unknown_column_key_points_to_extra(export):
    export["map"].write_text(MAPPING.replace("  site: Site\n", "  site: Site\n  region: Region\n"), encoding="utf-8")
    r = _cli(export, "validate", export["csv"], "--mapping", export["map"])
    assert r.returncode == 1
    assert "extra:" in r.stderr


def test_history_export_keeps_the_latest_value_of_a_custom_field(tmp_path):
    """An event log: the incident's latest row decides its region (it moved North → South)."""
    (tmp_path / "log.csv").write_text(
        "Case,When,Activity,Region\n"
        "C1,01/10/2026 09:00,Open,North\n"
        "C1,01/10/2026 10:00,In Progress,North\n"
        "C1,01/10/2026 12:00,Resolved,South\n"
        "C2,02/10/2026 09:00,Open,North\n"
        "C2,02/10/2026 11:00,Resolved,North\n", encoding="utf-8")
    (tmp_path / "map.yaml").write_text(
        "columns: {incident_id: Case, event_time: When, state: Activity}\n"
        "states: {open: New}\nextra: {region: Region}\n", encoding="utf-8")
    (tmp_path / "ccreport.yaml").write_text(CONFIG, encoding="utf-8")
    r = run_cli("--config", tmp_path / "ccreport.yaml", "metrics", tmp_path / "log.csv", "--mapping",
                tmp_path / "map.yaml", "--month", "2026-10", "--format", "json", "--full")
    assert r.returncode == 0, r.stderr
    by_region = json.loads(r.stdout)["by_extra"]["region"]
    assert by_region["South"]["opened"] == 1 and by_region["North"]["opened"] == 1
    assert by_region["South"]["mttr_hours"] == pytest.approx(3.0)
