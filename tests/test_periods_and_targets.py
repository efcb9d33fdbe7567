"""Issue 15, items 5-7: a report shows what is computed (reopen and escalation rates, the
site, channel and resolver-group breakdowns when there is more than one of them), a
`--from/--to` period is titled, named and compared as the period it is, and a figure is
judged only against a target the user set.

The quarter and the no-target config run the CLI on small synthetic exports (tests/scenarios.py)
and read the Markdown and the PDF back; the other checks build from the fixture's metric set.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from ccreport.config import Config, load_config
from ccreport.document import KeyFigures, Rag, Section, Table
from ccreport.documents.branding import Branding
from ccreport.documents.monthly import MonthlyOptions, build_monthly, email_summary
from ccreport.metrics.model import MetricSet
from ccreport.scaffold import init

from . import scenarios as S
from .util import run_cli

FIXTURE = Path(__file__).parent / "fixtures" / "metrics_full.json"
#: April to September 2026: the third quarter and the 92 days before it (31 March - 30 June).
MONTHS = ("2026-03", "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09")
QUARTER = ("--from", "2026-07-01", "--to", "2026-10-01")
RAG_WORDS = re.compile(r"\b(Green|Amber|Red)\b|[\u2714\u25b2\u2716]")


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def section(md: str, title: str) -> str:
    m = re.search(rf"^## \d+ {re.escape(title)}\n(.*?)(?=^## )", md, re.S | re.M)
    assert m, f"no section {title!r}"
    return m.group(1)


@pytest.fixture(scope="module")
def quarter(tmp_path_factory) -> Path:
    """A quarter's report (Markdown and PDF) of an ordinary export, with the scenario's targets."""
    folder = tmp_path_factory.mktemp("quarter")
    csv, cfg = S.ordinary(months=MONTHS, per_area=6).write(folder)
    out = folder / "out"
    r = run_cli("--config", cfg, "monthly", csv, *QUARTER, "--format", "md,pdf", "--out", out)
    assert r.returncode == 0, r.stderr
    return out


def test_a_quarter_report_is_named_after_its_dates(quarter):
    names = sorted(p.name for p in quarter.iterdir() if p.is_file())
    assert "report-2026-07-01_2026-09-30.md" in names and "report-2026-07-01_2026-09-30.pdf" in names
    assert not [n for n in names if n.startswith("monthly-")], names


def test_a_quarter_report_is_titled_for_its_period(quarter):
    md = (quarter / "report-2026-07-01_2026-09-30.md").read_text(encoding="utf-8")
    title = md.splitlines()[0]
    assert "Incident report" in title and "Monthly" not in title, title
    assert "1 July – 30 September 2026" in md.split("\n## ")[0]
    pdf = pdf_text(quarter / "report-2026-07-01_2026-09-30.pdf")
    assert "Incident report" in pdf and "1 July – 30 September 2026" in pdf
    assert "Monthly incident report" not in pdf
    meta = PdfReader(quarter / "report-2026-07-01_2026-09-30.pdf").metadata
    assert "Incident report" in meta.title and "30 September 2026" in meta.title


def test_a_quarter_compares_with_the_92_days_before_it_and_says_so(quarter):
    md = (quarter / "report-2026-07-01_2026-09-30.md").read_text(encoding="utf-8")
    summary = section(md, "Executive summary")
    # The change is against the same length just before, named with its dates: not "vs Previous".
    assert re.search(r"previous 92 days \(31 March – 30 June 2026\)", summary), summary
    assert "vs Previous" not in md and "vs previous\n" not in md
    assert re.search(r"vs the previous 92 days", summary)
    # Period-end wording, never "month end", in a report that is not a month.
    assert "month end" not in md
    assert "Backlog at period end" in summary
    backlog = section(md, "Backlog and ageing")
    assert "open at the end of 30 September 2026 (" in backlog and "at the end of 30 June 2026" in backlog
    assert "at the end of 1 July" not in md
    categories = section(md, "Categories and services")
    assert "Previous 92 days" in categories  # the comparison column is labelled as such
    pdf = pdf_text(quarter / "report-2026-07-01_2026-09-30.pdf")
    assert re.search(r"previous\s+92\s+days", pdf)


def test_a_month_keeps_its_monthly_title_and_name(tmp_path, isolated):
    csv, cfg = S.ordinary(months=MONTHS, per_area=4).write(tmp_path)
    r = run_cli("--config", cfg, "monthly", csv, "--month", "2026-09", "--format", "md", "--out", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "o" / "monthly-2026-09.md").read_text(encoding="utf-8")
    assert md.splitlines()[0].startswith("# Monthly incident report")
    assert "vs August" in section(md, "Executive summary")


# --------------------------------------------------------------------------- targets


def test_a_config_without_targets_renders_no_status(tmp_path, isolated):
    csv, cfg = S.ordinary(months=MONTHS, per_area=4).write(tmp_path)
    text = cfg.read_text(encoding="utf-8")
    cfg.write_text("\n".join(ln for ln in text.splitlines() if not ln.startswith("targets:")) + "\n",
                   encoding="utf-8")
    assert load_config(cfg, env={}).targets.model_dump() == dict.fromkeys(Config().targets.model_dump())
    r = run_cli("--config", cfg, "monthly", csv, "--month", "2026-09", "--format", "md", "--out", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    md = (tmp_path / "o" / "monthly-2026-09.md").read_text(encoding="utf-8")
    summary = section(md, "Executive summary")
    tiles = summary.split("\n\n- ")[0]  # the key figures, before the summary's points
    assert not RAG_WORDS.search(tiles), tiles
    for tile in ("Mean time to resolve", "Resolution SLA", "Response SLA"):
        row = next(ln for ln in tiles.splitlines() if ln.startswith(f"| {tile} |"))
        assert row.rstrip(" |").endswith("No target"), row
    priorities = section(md, "Performance by priority")
    assert not RAG_WORDS.search(priorities), priorities
    assert "Target" not in priorities  # no target line on the charts, none in their alt text
    # The findings never call a figure a missed target when no target was set.
    r = run_cli("--config", cfg, "metrics", csv, "--month", "2026-09", "--format", "json", "--full")
    found = json.loads(r.stdout)
    assert all(v is None for v in found["targets"].values())
    assert not [f for f in found["findings"] if f["kind"] == "target_missed"]


@pytest.fixture
def metrics() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def build(m: dict):
    return build_monthly(MetricSet.from_dict(m), Branding.from_config(Config()),
                         MonthlyOptions(date=dt.date(2026, 11, 3)))


def tables(doc, prefix: str) -> list[Table]:
    return [b for b in doc.walk() if isinstance(b, Table) and b.caption.startswith(prefix)]


def test_a_figure_without_a_target_says_no_target_and_has_no_status(metrics):
    m = copy.deepcopy(metrics)
    m["targets"] = dict.fromkeys(m["targets"])
    doc = build(m)
    kf = [b for b in doc.walk() if isinstance(b, KeyFigures)][0]
    by_label = {f.label: f for f in kf.figures}
    for label in ("Mean time to resolve", "Resolution SLA", "Response SLA"):
        # No status and no "target …" note: the renderers then say "No target".
        assert by_label[label].rag is None and by_label[label].note == "", label
    assert not RAG_WORDS.search(kf.caption)
    for t in tables(doc, "Performance by priority") + tables(doc, "Incidents by"):
        assert not any(r for row in (t.rag or []) for r in row), t.caption
    charts = [b.chart for b in doc.walk() if getattr(b, "chart", None) is not None]
    assert all(getattr(ch, "target", None) is None for ch in charts)
    # With the fixture's own targets the same tiles carry a status and their target.
    kf = [b for b in build(metrics).walk() if isinstance(b, KeyFigures)][0]
    assert {f.label: f.rag for f in kf.figures}["Mean time to resolve"] is Rag.RED
    assert email_summary(MetricSet.from_dict(m))["figures"][2]["status"] == ""


def test_init_writes_targets_and_the_sample_keeps_its_own(tmp_path):
    init(tmp_path)
    targets = load_config(tmp_path / "ccreport.yaml", env={}).targets
    assert targets.resolution_sla_pct and targets.response_sla_pct and targets.mttr_hours
    sample = load_config(Path(__file__).parents[1] / "sample_data" / "ccreport.yaml", env={}).targets
    assert (sample.resolution_sla_pct, sample.mttr_hours) == (95, 36)


# --------------------------------------------------------------------------- what is computed


def test_reopen_and_escalation_rates_are_shown(metrics):
    doc = build(metrics)
    t = tables(doc, "Reopened and escalated")
    assert t, "no reopen/escalation table"
    table = t[0]
    assert [c.header for c in table.columns] == ["Priority", "Reopen rate", "Escalation rate"]
    rows = {r[0]: r for r in table.rows}
    # The metric set's own figures: 3.13 % reopened and 15.06 % escalated over the month.
    assert rows["All"][1].startswith("3.1") and rows["All"][2].startswith("15.1")
    assert rows["P2"][1].startswith("2.5") and rows["P1"][2].startswith("100.0")
    # Against the 5 % reopen target: a status; no escalation target: none.
    assert table.rag[-1][1] is Rag.GREEN and table.rag[-1][2] is None


def test_a_rate_the_export_lacks_is_not_in_this_export(metrics):
    m = copy.deepcopy(metrics)
    m["fields"] = [f for f in m["fields"] if f != "reopen_count"]
    for scope in (m["totals"], m["previous"]["totals"], *m["by_priority"].values()):
        scope["reopen_rate_pct"] = None
    doc = build(m)
    table = tables(doc, "Reopened and escalated")[0]
    assert [c.header for c in table.columns] == ["Priority", "Escalation rate"]
    sec = [s for s in doc.walk() if isinstance(s, Section) and s.heading.endswith("Performance by priority")][0]
    words = " ".join("".join(x.text for p in b.parts() for item in p.items for x in item)
                     for b in sec.children if hasattr(b, "parts"))
    assert "reopen rate is not in this export" in words.lower()


def test_breakdowns_are_shown_only_with_more_than_one_value(metrics):
    doc = build(metrics)
    for prefix, names in (("Incidents by site", {"Leeds", "Glasgow", "Cardiff"}),
                          ("Incidents by channel", {"Phone", "Portal", "Email", "Monitoring"}),
                          ("Incidents by assignment group", {"Service Desk", "WFM Support"})):
        t = tables(doc, prefix)
        assert t, prefix
        assert names <= {r[0] for r in t[0].rows}
    leeds = {r[0]: r for r in tables(doc, "Incidents by site")[0].rows}["Leeds"]
    assert leeds[1:3] == [f"{metrics['by_site']['Leeds']['opened']:,}", f"{metrics['by_site']['Leeds']['resolved']:,}"]
    # One site (a --split-by site report) and no channel field: no table for either.
    m = copy.deepcopy(metrics)
    m["by_site"] = {"Leeds": m["by_site"]["Leeds"]}
    m["by_channel"] = {}
    doc = build(m)
    assert not tables(doc, "Incidents by site") and not tables(doc, "Incidents by channel")
    assert tables(doc, "Incidents by assignment group")
    # None with more than one value: no sub-section at all.
    m["by_assignment_group"] = {}
    headings = [s.heading for s in build(m).walk() if isinstance(s, Section)]
    assert not [h for h in headings if "Sites" in h]


def test_many_groups_are_capped(metrics):
    m = copy.deepcopy(metrics)
    base = next(iter(m["by_assignment_group"].values()))
    m["by_assignment_group"] = {f"Group {i:02d}": base for i in range(40)}
    table = tables(build(m), "Incidents by assignment group")[0]
    assert len(table.rows) == 15 and table.more == "and 25 more groups"
