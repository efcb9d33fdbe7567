"""The findings layer and what the monthly report says with it (issue 14, items 1 and 2).

Each story test builds an ordinary synthetic export (tests/scenarios.py), plants one story in
its last month, runs the real CLI, and reads the report as a head of operations would: the
executive summary's first three points must name the story's subject with its figure (any
wording), the recommendations must give it an owner and a review date, and the ordinary
export must tell no story. Figures are taken from the metrics JSON of the same run, never
from the sentence templates.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from ccreport import units
from ccreport.findings import RULES
from ccreport.findings.detect import poisson_sf

from . import scenarios as S
from .util import run_cli

#: Kinds that claim something unusual happened: none may fire on an ordinary month.
STORY_KINDS = {"breach_concentration", "volume_rise", "ttr_rise", "major_impact", "customer_impact",
               "backlog_growth", "backlog_ageing", "recurring_problem"}


def _run(s: S.Scenario, folder: Path, *extra: str, config: str = "") -> tuple[dict, str]:
    """(full metrics JSON, monthly Markdown) for the scenario's last month."""
    csv, cfg = s.write(folder, config)
    r = run_cli("--config", cfg, "metrics", csv, "--month", s.last, "--format", "json", "--full")
    assert r.returncode == 0, r.stderr
    out = folder / "out"
    r2 = run_cli("--config", cfg, "monthly", csv, "--month", s.last, "--format", "md", "--out", out, *extra)
    assert r2.returncode == 0, r2.stderr
    return json.loads(r.stdout), (out / f"monthly-{s.last}.md").read_text(encoding="utf-8")


def _section(md: str, title: str) -> str:
    m = re.search(rf"^## \d+ {re.escape(title)}\n(.*?)(?=^## )", md, re.S | re.M)
    assert m, f"no section {title!r}"
    return m.group(1)


def summary_points(md: str) -> list[str]:
    """The executive summary's bullet points, Markdown escapes removed."""
    body = _section(md, "Executive summary")
    return [re.sub(r"\\(.)", r"\1", line[2:]) for line in body.splitlines() if line.startswith("- ")]


def recommendation_rows(md: str) -> list[list[str]]:
    body = _section(md, "Recommendations")
    rows = [[c.strip() for c in line.strip().strip("|").split("|")] for line in body.splitlines()
            if line.startswith("| ") and not line.startswith("| No.") and not line.startswith("| ---")]
    return [[re.sub(r"\\(.)", r"\1", c) for c in row] for row in rows]


def _names_with_figure(points: list[str], name: str, figures: list[str]) -> bool:
    return any(name in p and any(f in p for f in figures) for p in points)


# --------------------------------------------------------------------------- ordinary months


def test_an_ordinary_month_tells_no_story(tmp_path, isolated):
    m, md = _run(S.ordinary(), tmp_path)
    kinds = {f["kind"] for f in m["findings"]}
    assert not kinds & STORY_KINDS, [f["statement"] for f in m["findings"] if f["kind"] in STORY_KINDS]
    points = summary_points(md)
    assert 3 <= len(points) <= 6
    # The summary says first that nothing stood out (in any wording), and no later point claims
    # an area far from its usual level or a recurring fault.
    assert re.search(r"\b(no|nothing|none)\b", points[0].lower()), points
    assert not any("usual" in p.lower() or "recur" in p.lower() for p in points[1:]), points


@pytest.mark.parametrize("seed", [11, 23, 41])
def test_other_ordinary_exports_tell_no_story_either(tmp_path, isolated, seed):
    m, _ = _run(S.ordinary(seed=seed), tmp_path)
    assert not {f["kind"] for f in m["findings"]} & STORY_KINDS, [f["statement"] for f in m["findings"]]


# --------------------------------------------------------------------------- planted stories


def test_sla_breaches_concentrated_in_one_category_lead_the_summary(tmp_path, isolated):
    s = S.ordinary()
    S.plant_breaches(s, "Third-party supplier")
    m, md = _run(s, tmp_path, config="findings:\n  owners:\n    category: {Third-party supplier: Supplier manager}\n")
    cat = m["by_category"]["Third-party supplier"]
    figures = [units.fmt_pct(cat["resolution_sla_pct"]).replace("\u00a0", " "),
               f"{cat['resolution_sla_breaches']:,}"]
    points = [p.replace("\u00a0", " ") for p in summary_points(md)[:3]]
    assert _names_with_figure(points, "Third-party supplier", figures), points
    # The recommendation names the configured owner and a review date.
    rows = [r for r in recommendation_rows(md) if "Third-party supplier" in r[1] + r[2]]
    assert rows and rows[0][3] == "Supplier manager" and re.search(r"\d{4}", rows[0][4])


def test_a_major_incident_with_ten_times_the_usual_customers_leads_the_summary(tmp_path, isolated):
    s = S.ordinary()
    iid = S.plant_major(s, customers=22000)
    m, md = _run(s, tmp_path)
    points = summary_points(md)
    assert any(iid in p and "22,000" in p for p in points[:3]), points
    top = m["findings"][0]
    assert top["kind"] == "major_impact" and top["subject"]["name"] == iid
    assert top["evidence"]["customers_ratio"] > 5
    rows = [r for r in recommendation_rows(md) if iid in r[1]]
    assert rows and rows[0][3]  # an owner


def test_a_category_far_above_its_usual_volume_leads_the_summary(tmp_path, isolated):
    s = S.ordinary()
    S.plant_volume(s, "Payments", extra=70)
    m, md = _run(s, tmp_path)
    opened = m["by_category"]["Payments"]["opened"]
    assert _names_with_figure(summary_points(md)[:3], "Payments", [f"{opened:,}"]), summary_points(md)
    f = next(f for f in m["findings"] if f["kind"] == "volume_rise")
    assert f["evidence"]["baseline"] < opened / 2


def test_a_growing_ageing_backlog_leads_the_summary(tmp_path, isolated):
    s = S.ordinary()
    S.plant_backlog(s)
    m, md = _run(s, tmp_path)
    backlog = m["totals"]["backlog_end"]
    points = summary_points(md)[:3]
    assert any("backlog" in p.lower() and f"{backlog:,}" in p for p in points), points


def test_customer_impact_far_above_the_baseline_is_in_the_summary(tmp_path, isolated):
    s = S.ordinary()
    last = s.in_last() & ~s.frame["major"]  # across the board, not one major incident
    s.frame.loc[last, "customers_affected"] = s.frame.loc[last, "customers_affected"] * 5
    m, md = _run(s, tmp_path)
    customers = m["totals"]["customers_affected"]
    points = summary_points(md)[:3]
    assert any(f"{customers:,}" in p and "customer" in p for p in points), points


def test_an_area_resolving_far_slower_than_usual_is_named_with_its_time(tmp_path, isolated):
    s = S.ordinary()
    rows = s.in_last() & (s.frame["category"] == "Network") & (s.frame["priority"] == "P4")
    f = s.frame
    f.loc[rows, "resolved_at"] = f.loc[rows, "opened_at"] + (f.loc[rows, "resolved_at"] - f.loc[rows, "opened_at"]) * 3
    m, md = _run(s, tmp_path)
    net = m["by_category"]["Network"]
    figures = [units.fmt_hours(net["mttr_hours"]).replace("\u00a0", " "),
               units.fmt_pct(net["resolution_sla_pct"]).replace("\u00a0", " ")]
    points = [p.replace("\u00a0", " ") for p in summary_points(md)[:3]]
    assert _names_with_figure(points, "Network", figures), points


def test_overdue_reviews_lead_the_summary_when_review_records_are_given(tmp_path, isolated):
    s = S.ordinary()
    majors = s.frame[s.in_last() & s.frame["major"]]
    early = majors.sort_values("resolved_at").iloc[0]
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    (reviews / f"{early['incident_id']}.md").write_text("---\nstatus: Draft\nowner: Incident Manager\n---\n",
                                                        encoding="utf-8")
    m, md = _run(s, tmp_path, "--narratives", reviews)
    points = summary_points(md)
    assert any(early["incident_id"] in p and "overdue" in p.lower() for p in points[:3]), points


# --------------------------------------------------------------------------- honesty and wording


def test_the_first_month_of_an_export_claims_nothing_about_usual_levels(tmp_path, isolated):
    s = S.ordinary(months=("2026-10",))
    S.plant_breaches(s)
    m, md = _run(s, tmp_path)
    assert m["baseline"] is None
    assert not {"volume_rise", "ttr_rise", "customer_impact", "backlog_growth"} & {f["kind"] for f in m["findings"]}
    text = " ".join(summary_points(md) + [c for r in recommendation_rows(md) for c in r]).lower()
    assert "usual" not in text and "previous 12 months" not in text and "september" not in text


def test_recommendations_are_ranked_numbered_and_name_no_rule(tmp_path, isolated):
    s = S.ordinary()
    S.plant_breaches(s)
    S.plant_major(s)
    m, md = _run(s, tmp_path)
    rows = recommendation_rows(md)
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    impacts = [f["impact"] for f in m["findings"]]
    assert impacts == sorted(impacts, reverse=True)
    body = _section(md, "Recommendations")
    assert not re.search(r"\bRule\b|\bR\d+\b", body)
    assert all(r[3] and re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", r[4]) for r in rows)
    # The rules are named in the appendix, numbered without gaps.
    appendix = md[md.index("Rules behind the findings"):]
    numbers = [int(n) for n in re.findall(r"^\| (\d+) \|", appendix, re.M)][:len(RULES)]
    assert numbers == list(range(1, len(RULES) + 1))
    # No tool instructions or config in reader-facing text (the provenance appendix records the
    # command line and the config file: that is its purpose).
    body = re.split(r"(?m)^#+ Appendix [A-Z]: Provenance", md)[0]
    assert "Provenance" in md and body != md
    assert not re.search(r"ccreport|\.ya?ml|--\w", body.replace("ccreport.", ""), re.I)


def test_findings_are_in_the_full_json_with_their_evidence(tmp_path, isolated):
    s = S.ordinary()
    S.plant_breaches(s)
    m, _ = _run(s, tmp_path)
    f = next(f for f in m["findings"] if f["kind"] == "breach_concentration")
    assert set(f) >= {"rule", "kind", "subject", "statement", "action", "owner", "review_by", "impact", "base",
                      "evidence"}
    ev = f["evidence"]
    cat = m["by_category"][f["subject"]["name"]]
    assert ev["count"] == cat["resolution_sla_breaches"] and ev["base"] == cat["resolution_sla_base"]
    assert math.isclose(ev["share_pct"], 100 * ev["count"] / m["totals"]["resolution_sla_breaches"])
    # Core JSON (SPEC §4) is unchanged: no findings, no breach counts in by_category.
    csv = tmp_path / "incidents.csv"
    r = run_cli("--config", tmp_path / "ccreport.yaml", "metrics", csv, "--month", s.last, "--format", "json")
    core = json.loads(r.stdout)
    assert "findings" not in core and set(core["by_category"]["CRM"]) == {"opened", "resolved", "mttr_hours",
                                                                         "resolution_sla_pct"}


def test_the_summary_story_is_in_the_pdf_too(tmp_path, isolated):
    from pypdf import PdfReader

    s = S.ordinary()
    S.plant_breaches(s)
    csv, cfg = s.write(tmp_path)
    r = run_cli("--config", cfg, "monthly", csv, "--month", s.last, "--format", "pdf", "--out", tmp_path / "o")
    assert r.returncode == 0, r.stderr
    text = " ".join(p.extract_text() for p in PdfReader(tmp_path / "o" / f"monthly-{s.last}.pdf").pages[:3])
    assert "Third-party supplier" in " ".join(text.split())


def test_poisson_tail_matches_the_sum_of_the_distribution():
    for lam in (0.3, 2.0, 9.5):
        for k in (0, 1, 3, 8):
            direct = 1 - sum(math.exp(-lam) * lam ** i / math.factorial(i) for i in range(k))
            assert math.isclose(poisson_sf(k, lam), direct, rel_tol=1e-9, abs_tol=1e-12)
    assert poisson_sf(5, 0) == 0.0 and poisson_sf(0, 3) == 1.0


def test_the_email_body_leads_with_the_same_story(tmp_path, isolated):
    """The scheduled email says in brief what the summary leads with, escaped as plain text."""
    import email
    import email.policy

    s = S.ordinary()
    iid = S.plant_major(s, customers=22000)
    csv, cfg = s.write(tmp_path, "email: {from: reports@example.org}\n")
    out = tmp_path / "o"
    r = run_cli("--config", cfg, "monthly", csv, "--month", s.last, "--format", "md", "--out", out,
                "--email-to", "ops@example.org", "--dry-run")
    assert r.returncode == 0, r.stderr
    (eml,) = out.glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content()
    brief = text.split("In brief", 1)[1].split("\n\n", 1)[0]
    assert iid in brief and "22,000" in brief
    html = msg.get_body(("html",)).get_content()
    assert "<li>" in html and iid in html
