"""strategy-check: one case per rule. Each case removes or breaks one element of the shipped
example (whose only finding is that it declares itself the example) and expects the matching finding: rule, assessment
point, YAML path and severity. Plus coverage(), the text and JSON formats and line numbers.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

import pytest

from ccreport.scaffold import example_text
from ccreport.strategy import ASSESSMENT_POINTS, Strategy, format_findings, has_errors
from ccreport.strategy import check as check_all
from ccreport.strategy import coverage as coverage_all
from ccreport.strategy.check import MARKED_DOWN, RULES
from ccreport.yamlio import loads

EXAMPLE = example_text("strategy.yaml")
BASE: dict[str, Any] = loads(EXAMPLE, "strategy.yaml").data


def check(strategy: Any) -> list:
    """Every finding but the one that says the example is the example (tested below and in
    test_strategy_substance.py): the cases here each break one other part of it."""
    return [f for f in check_all(strategy) if f.rule != "example-copied"]


def coverage(strategy: Strategy) -> list:
    return coverage_all(strategy, check(strategy))


def mutate(change: Callable[[dict], Any]) -> Strategy:
    data = copy.deepcopy(BASE)
    change(data)
    return Strategy.model_validate(data)


def category(data: dict, name: str) -> dict:
    return next(c for c in data["categories"] if c["name"] == name)


def drop_rationale(data: dict) -> None:
    for c in data["categories"]:
        c.pop("rationale", None)
    for p in data["priorities"].values():
        p.pop("rationale", None)
    for steps in data["escalation"]["hierarchical"].values():
        for step in steps:
            step.pop("rationale", None)
    for e in data["exercises"]:
        e.pop("rationale", None)


def no_scenarios(data: dict) -> None:
    data["categories"] = [{"name": "Printer fault", "definition": "Printers at a site do not print.",
                           "default_priority": "P4", "resolver_group": "Facilities",
                           "escalation_path": ["Service Desk"], "rationale": "Low impact."}]
    data["exercises"] = [{"name": "Printer walkthrough", "type": "walkthrough", "frequency": "yearly",
                          "first_date": "2027-01-01", "success_criteria": ["Done"], "rationale": "Cheap."}]


def no_high_volume(data: dict) -> None:
    data["categories"] = [c for c in data["categories"] if c["name"] != "High call volume"]
    data["exercises"] = [e for e in data["exercises"] if "Surge" not in e["name"]]
    data["exercises"][1]["scenario"] = "The CRM is unavailable for all advisers on the last working day of the month."


def set_flags_false(data: dict) -> None:
    data["regulatory"] = {k: False for k, v in data["regulatory"].items() if k != "extra"}


def only(kind: str) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        data["communication"]["plan"] = [e for e in data["communication"]["plan"] if e["type"] == kind]
    return change


# (case id, change, rule, point, path, severity, text the message must contain)
CASES: list[tuple[str, Callable[[dict], Any], str, int, str, str, str]] = [
    # 1 categories and escalation paths
    ("no categories", lambda d: d.update(categories=[]), "no-categories", 1, "categories", "error", "No incident categories"),
    ("category without definition", lambda d: d["categories"][2].pop("definition"),
     "category-definition", 1, "categories[2].definition", "error", "'CRM failure' has no definition"),
    ("category without escalation path", lambda d: d["categories"][3].pop("escalation_path"),
     "category-escalation-path", 1, "categories[3].escalation_path", "error", "'Network' has no escalation path"),
    ("category with empty escalation path", lambda d: d["categories"][0].update(escalation_path=[]),
     "category-escalation-path", 1, "categories[0].escalation_path", "error", "no escalation path"),
    ("category without resolver", lambda d: d["categories"][0].pop("resolver_group"),
     "category-detail", 1, "categories[0].resolver_group", "warning", "names no resolver group"),
    ("category without default priority", lambda d: d["categories"][1].pop("default_priority"),
     "category-detail", 1, "categories[1].default_priority", "warning", "no default priority"),
    ("urgency level missing", lambda d: d.update(urgency=d["urgency"][:2]),
     "impact-urgency", 1, "urgency", "error", "Urgency level 3 is not described"),
    ("no priority matrix", lambda d: d.pop("priority_matrix"), "priority-matrix", 1, "priority_matrix", "error",
     "no priority matrix"),
    ("priority used without targets", lambda d: d["priorities"].pop("P4"),
     "priority-targets", 1, "priorities.P4", "error", "P4 is used but has no targets"),
    ("priority without resolution target", lambda d: d["priorities"]["P2"].pop("resolve"),
     "priority-targets", 1, "priorities.P2.resolve", "error", "P2 has no resolution target"),
    ("no functional escalation", lambda d: d["escalation"].pop("functional"),
     "functional-escalation", 1, "escalation.functional", "error", "no functional escalation tiers"),
    ("tier without hand-off", lambda d: d["escalation"]["functional"][1].pop("hand_off"),
     "functional-escalation", 1, "escalation.functional[1].hand_off", "warning", "no hand-off criteria"),
    ("no hierarchical escalation", lambda d: d["escalation"].update(hierarchical={}),
     "hierarchical-escalation", 1, "escalation.hierarchical", "error", "no hierarchical escalation"),
    ("P2 without hierarchical escalation", lambda d: d["escalation"]["hierarchical"].pop("P2"),
     "hierarchical-escalation", 1, "escalation.hierarchical.P2", "warning", "P2 has no hierarchical escalation"),
    ("escalation after the resolution target", lambda d: d["escalation"]["hierarchical"]["P1"][3].update(after="5h"),
     "escalation-after-target", 1, "escalation.hierarchical.P1[3].after", "error",
     "after 5h, later than its resolution target (4h)"),
    ("no roles", lambda d: d.update(roles=[]), "roles-and-raci", 1, "roles", "error", "No roles are defined"),
    ("no RACI", lambda d: d.update(raci=[]), "roles-and-raci", 1, "raci", "error", "There is no RACI"),
    ("RACI with two A", lambda d: d["raci"][1]["assignments"].update({"Service Desk Analyst": "A"}),
     "raci-one-accountable", 1, "raci[1].assignments", "error",
     "exactly one Accountable role (A); it has 2 (Service Desk Analyst, Service Desk Manager)"),
    ("RACI with no A", lambda d: d["raci"][2]["assignments"].update({"Service Desk Manager": "C"}),
     "raci-one-accountable", 1, "raci[2].assignments", "error", "it has none"),
    ("RACI with no R", lambda d: d["raci"][1]["assignments"].update({"Service Desk Analyst": "C"}),
     "raci-one-accountable", 1, "raci[1].assignments", "warning", "No role is Responsible (R)"),
    # 2 goals and objectives
    ("no goals", lambda d: (d["organisation"].update(goals=[]), [o.update(goals=[]) for o in d["objectives"]]),
     "no-goals", 2, "organisation.goals", "error", "no goals"),
    ("no objectives", lambda d: d.update(objectives=[]), "no-objectives", 2, "objectives", "error", "no objectives"),
    ("objective not linked", lambda d: d["objectives"][4].update(goals=[]),
     "objective-goals", 2, "objectives[4].goals", "error", "'O5' is not linked to a goal"),
    ("goal no objective supports",
     lambda d: (d["objectives"][1].update(goals=["G1"]), d["objectives"][2].update(goals=["G2"])),
     "goal-unsupported", 2, "organisation.goals[3]", "warning", "No objective supports goal G4"),
    # 3 communication plans and training
    ("no communication plan", lambda d: d["communication"].update(plan=[]),
     "no-communication-plan", 3, "communication.plan", "error", "no communication plan"),
    ("no training", lambda d: d.update(training=[]), "no-training", 3, "training", "error",
     "no training requirements"),
    ("RACI role without training", lambda d: d["training"].pop(5),
     "role-training", 3, "training", "error", "'Problem Manager' has a part in the RACI but no training"),
    ("training without method", lambda d: d["training"][0].pop("method"),
     "training-detail", 3, "training[0].method", "warning", "does not say how it is delivered"),
    # 4 testing and continuous improvement
    ("no exercises", lambda d: d.update(exercises=[]), "no-exercises", 4, "exercises", "error",
     "no testing or exercise programme"),
    ("no exercise with a date", lambda d: [e.pop("first_date") for e in d["exercises"]],
     "exercise-dated", 4, "exercises", "error", "No exercise has a date"),
    ("exercise without first date", lambda d: d["exercises"][2].pop("first_date"),
     "exercise-schedule", 4, "exercises[2].first_date", "warning", "missing from the calendar"),
    ("exercise without frequency", lambda d: d["exercises"][1].pop("frequency"),
     "exercise-schedule", 4, "exercises[1].frequency", "warning", "has no frequency"),
    ("exercise without type", lambda d: d["exercises"][0].pop("type"),
     "exercise-schedule", 4, "exercises[0].type", "warning", "has no type"),
    ("exercise without success criteria", lambda d: d["exercises"][3].pop("success_criteria"),
     "exercise-success-criteria", 4, "exercises[3].success_criteria", "warning", "no success criteria"),
    ("no continuous improvement", lambda d: d.pop("continuous_improvement"),
     "no-continuous-improvement", 4, "continuous_improvement", "error", "no continuous-improvement section"),
    # 5 full strategy and rationale
    ("no rationale anywhere", drop_rationale, "no-rationale", 5, "", "error", "No decision carries a rationale"),
    ("category without rationale", lambda d: d["categories"][4].pop("rationale"),
     "rationale", 5, "categories[4].rationale", "warning", "No rationale for the category 'Web chat'"),
    ("target without rationale", lambda d: d["priorities"]["P2"].pop("rationale"),
     "rationale", 5, "priorities.P2.rationale", "warning", "No rationale for the P2 targets"),
    ("escalation step without rationale", lambda d: d["escalation"]["hierarchical"]["P1"][0].pop("rationale"),
     "rationale", 5, "escalation.hierarchical.P1[0].rationale", "warning", "the P1 escalation after 15m"),
    ("exercise without rationale", lambda d: d["exercises"][3].pop("rationale"),
     "rationale", 5, "exercises[3].rationale", "warning", "No rationale for the exercise"),
    ("no scope", lambda d: d.pop("scope"), "no-scope", 5, "scope.in", "error", "The scope is missing"),
    ("no document control", lambda d: d.pop("document_control"),
     "document-control", 5, "document_control", "warning", "no document control"),
    ("no approver", lambda d: d["document_control"].pop("approver"),
     "document-control", 5, "document_control.approver", "warning", "no approver"),
    ("no business continuity", lambda d: d.pop("business_continuity"),
     "business-continuity", 5, "business_continuity.services", "warning", "no link to business continuity"),
    # 6 realistic scenarios
    ("no realistic scenario", no_scenarios, "scenarios", 6, "categories", "error",
     "No realistic contact-centre scenario"),
    ("no high call volumes", no_high_volume, "scenarios", 6, "categories", "warning", "covers high call volumes"),
    # 7 frameworks
    ("no frameworks", lambda d: d.pop("frameworks"), "no-frameworks", 7, "frameworks", "error",
     "not linked to any recognised framework"),
    ("no ITIL", lambda d: d["frameworks"].pop("itil4"), "no-frameworks", 7, "frameworks.itil4", "warning",
     "No ITIL 4 practice"),
    ("no ISO 22301", lambda d: d["frameworks"].pop("iso22301"), "no-frameworks", 7, "frameworks.iso22301",
     "warning", "No ISO 22301 clause"),
    # 8 consultation
    ("no consultation", lambda d: d.update(consultation=[]), "no-consultation", 8, "consultation", "error",
     "no record of stakeholder consultation"),
    ("consultation without date", lambda d: d["consultation"][0].pop("date"),
     "consultation-detail", 8, "consultation[0].date", "warning", "has no date"),
    ("consultation changed nothing", lambda d: [c.pop("change_made") for c in d["consultation"]],
     "consultation-detail", 8, "consultation", "warning", "No consultation records a change made"),
    # 9 business as usual
    ("complaint category", lambda d: d["categories"].append(
        {"name": "Customer complaint", "definition": "A customer is unhappy with the service.",
         "default_priority": "P4", "resolver_group": "Complaints Team", "escalation_path": ["Team Leader"],
         "rationale": "x"}),
     "complaint-category", 9, "categories[11].name", "error", "is a complaint type ('complain'"),
    ("billing query definition", lambda d: d["categories"][5].update(
        definition="Customers send a billing query that is not answered."),
     "business-as-usual", 9, "categories[5].definition", "warning", "'billing query'"),
    ("refund request name", lambda d: d["categories"][6].update(name="Refund request backlog"),
     "business-as-usual", 9, "categories[6].name", "warning", "'refund request'"),
    # 10 regulatory
    ("no regulatory section", lambda d: d.pop("regulatory"), "no-regulatory", 10, "regulatory", "error",
     "No regulatory or legal requirement applies"),
    ("every flag false", set_flags_false, "no-regulatory", 10, "regulatory", "error", "No regulatory"),
    ("breach category without Art. 33", lambda d: d["regulatory"].update(uk_gdpr_art33=False),
     "breach-without-gdpr", 10, "regulatory.uk_gdpr_art33", "warning", "72 hours to notify the ICO"),
    ("extra requirement without owner", lambda d: d["regulatory"]["extra"][0].pop("owner"),
     "requirement-detail", 10, "regulatory.extra[0].owner", "warning", "has no owner"),
    # 11 post-incident review
    ("no PIR deadline", lambda d: d["continuous_improvement"].pop("pir_deadline"),
     "pir-deadline", 11, "continuous_improvement.pir_deadline", "error", "no post-incident review"),
    ("no lessons register", lambda d: d["continuous_improvement"].pop("lessons_learned_register"),
     "lessons-register", 11, "continuous_improvement.lessons_learned_register", "error", "no lessons-learned"),
    ("register without owner", lambda d: d["continuous_improvement"]["lessons_learned_register"].pop("owner"),
     "lessons-register", 11, "continuous_improvement.lessons_learned_register.owner", "warning", "no owner"),
    # 12 major vs minor
    ("no major criteria", lambda d: d["major_incidents"].pop("major_criteria"),
     "major-incidents", 12, "major_incidents.major_criteria", "error", "no definition of a major incident"),
    ("no minor criteria", lambda d: d["major_incidents"].pop("minor_criteria"),
     "major-incidents", 12, "major_incidents.minor_criteria", "error", "Minor incidents are not distinguished"),
    ("nobody declares", lambda d: d["major_incidents"].pop("declared_by"),
     "major-incidents", 12, "major_incidents.declared_by", "error", "Nobody is named to declare"),
    # 13 lifecycle
    ("no escalation procedure", lambda d: d["procedures"].pop("escalation"),
     "lifecycle-procedure", 13, "procedures.escalation", "error", "no procedure for escalation"),
    ("closure without steps", lambda d: d["procedures"]["closure"].update(steps=[]),
     "lifecycle-procedure", 13, "procedures.closure.steps", "error", "The closure procedure has no steps"),
    # 14 data drives improvement
    ("no KPI review", lambda d: d["continuous_improvement"].pop("kpi_review_cadence"),
     "kpi-review", 14, "continuous_improvement.kpi_review_cadence", "error", "no KPI review cadence"),
    ("no KPIs", lambda d: d["continuous_improvement"].pop("kpis"),
     "kpi-review", 14, "continuous_improvement.kpis", "error", "No KPIs are listed"),
    ("no data use", lambda d: d["continuous_improvement"].pop("data_use"),
     "kpi-review", 14, "continuous_improvement.data_use", "error", "how incident data is used"),
    # 15 problem management
    ("no problem hand-off", lambda d: d["procedures"].pop("problem_management"),
     "problem-handoff", 15, "procedures.problem_management", "error", "no hand-off to problem management"),
    ("hand-off without criteria", lambda d: d["procedures"]["problem_management"].pop("criteria"),
     "problem-handoff", 15, "procedures.problem_management.criteria", "warning", "has no criteria"),
    # 16 communication during incidents
    ("no internal communication", only("external"), "internal-communication", 16, "communication.plan", "error",
     "no internal communication"),
    ("no external communication", only("internal"), "external-communication", 16, "communication.plan", "error",
     "no external communication"),
    ("priority without update cadence", lambda d: d["priorities"]["P3"].pop("update_every"),
     "update-cadence", 16, "priorities.P3.update_every", "error", "P3 has no update cadence"),
    ("no update template", lambda d: d["communication"]["templates"].pop("update"),
     "message-templates", 16, "communication.templates.update", "warning", "no update message template"),
    ("no accessible formats", lambda d: d["communication"].pop("accessible_formats"),
     "message-templates", 16, "communication.accessible_formats", "warning", "No accessible formats"),
    # issue 16 item 7: schema gaps a real strategy hits
    ("no welfare plan where the Equality Act applies", lambda d: d.pop("welfare"),
     "welfare", 10, "welfare", "warning", "no plan for vulnerable customers"),
    ("welfare without an owner", lambda d: d["welfare"].pop("owner"),
     "welfare", 10, "welfare.owner", "warning", "the role that owns"),
    ("two sites and no failover", lambda d: d["business_continuity"].pop("failover"),
     "failover", 6, "business_continuity.failover", "warning", "2 sites"),
    ("failover without capacity", lambda d: d["business_continuity"]["failover"][0].pop("capacity"),
     "failover", 6, "business_continuity.failover[0]", "warning", "capacity"),
    ("major-incident level nobody declares",
     lambda d: d["major_incidents"].update(levels=[{"name": "Critical incident", "criteria": ["A site is closed"]}]),
     "major-levels", 12, "major_incidents.levels[0].declared_by", "warning", "who declares it"),
    ("major-incident levels with the same criteria",
     lambda d: d["major_incidents"].update(levels=[
         {"name": "Critical", "criteria": ["A site is closed"], "declared_by": ["Duty Manager"]},
         {"name": "Major", "criteria": ["A site is closed"], "declared_by": ["Head of Operations"]}]),
     "major-levels", 12, "major_incidents.levels[1].criteria", "warning", "same criteria"),
    ("priority without a clock", lambda d: d["priorities"]["P4"].pop("clock"),
     "clocks", 1, "priorities.P4.clock", "warning", "does not name the clock"),
    ("sector pack's regulator missing", lambda d: d["regulatory"]["extra"].pop(1),
     "sector-regulators", 10, "regulatory.extra", "error", "Consumer law"),
]


def test_example_only_says_it_is_the_example():
    [finding] = check_all(Strategy.model_validate(BASE))
    assert (finding.rule, finding.path, finding.severity) == ("example-copied", "document_control.status", "error")


@pytest.mark.parametrize("change,rule,point,path,severity,text", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rule(change, rule, point, path, severity, text):
    findings = check(mutate(change))
    match = [f for f in findings if (f.rule, f.point, f.path, f.severity) == (rule, point, path, severity)]
    assert match, f"expected {severity} {rule} at {path!r}; got {[(f.rule, f.path) for f in findings]}"
    assert any(text in f.message for f in match), [f.message for f in match]
    assert match[0].point_title == ASSESSMENT_POINTS[point]
    assert has_errors(findings) == any(f.severity == "error" for f in findings)


def test_every_rule_and_every_point_has_a_case():
    from .test_strategy_substance import SUBSTANCE_RULES  # the issue 16 rules are tested there

    assert {c[2] for c in CASES} | SUBSTANCE_RULES == {r.id for r in RULES}
    assert {c[3] for c in CASES} == set(ASSESSMENT_POINTS) == set(range(1, 17))
    assert {r.point for r in RULES} == set(range(1, 17))


def test_findings_from_a_file_carry_lines(tmp_path):
    text = EXAMPLE.replace("{after: 2h, notify: Managing Director", "{after: 5h, notify: Managing Director", 1)
    path = tmp_path / "strategy.yaml"
    path.write_text(text, encoding="utf-8")
    findings = check(path)
    [f] = [f for f in findings if f.rule == "escalation-after-target"]
    expected = next(i + 1 for i, line in enumerate(text.splitlines()) if "after: 5h, notify: Managing" in line)
    assert (f.path, f.line) == ("escalation.hierarchical.P1[3].after", expected)
    out = format_findings(findings, source=str(path))
    assert f"{path} line {expected}: error: escalation.hierarchical.P1[3].after: P1 escalates to " in out
    assert "[point 1: Incident categories and escalation paths clearly defined]" in out


def test_missing_key_points_at_its_parent_line(tmp_path):
    text = EXAMPLE.replace("    update_every: 4h\n", "", 1)
    path = tmp_path / "strategy.yaml"
    path.write_text(text, encoding="utf-8")
    [f] = check(path)
    p3_line = next(i + 1 for i, line in enumerate(text.splitlines()) if line == "  P3:")
    assert (f.rule, f.path, f.line) == ("update-cadence", "priorities.P3.update_every", p3_line)


def test_order_is_by_point_then_errors_first():
    findings = check(mutate(lambda d: (d.pop("frameworks"), d["categories"][0].pop("rationale"),
                                       d["communication"].update(plan=[]))))
    keys = [(f.point, f.severity != "error") for f in findings]
    assert keys == sorted(keys)


def test_text_format_summary():
    findings = check(mutate(lambda d: (d.pop("frameworks"), d["categories"][0].pop("rationale"))))
    out = format_findings(findings)
    assert out.splitlines()[-1] == "1 error and 1 warning; points with errors: 7."
    assert format_findings([]) == "No gaps found against the 16 assessment points.\n"


def test_json_format():
    findings = check(mutate(lambda d: d["categories"][3].pop("escalation_path")))
    doc = json.loads(format_findings(findings, fmt="json", source="strategy.yaml"))
    assert doc["format_version"] == 1 and doc["errors"] == 1 and doc["warnings"] == 0
    assert doc["findings"] == [{
        "severity": "error", "point": 1, "point_title": ASSESSMENT_POINTS[1],
        "rule": "category-escalation-path", "path": "categories[3].escalation_path", "line": None,
        "message": findings[0].message,
    }]
    with pytest.raises(ValueError):
        format_findings(findings, fmt="xml")


def test_coverage_of_the_example():
    rows = coverage(Strategy.model_validate(BASE))
    assert [r.point for r in rows] == list(range(1, 17))
    assert all(r.met and r.sections for r in rows)
    assert rows[0].sections == ("Incident categories", "Impact, urgency and priority", "Escalation",
                                "Roles and responsibilities")
    point, title, sections, met = rows[14][:4]
    assert (point, met, sections) == (15, True, ("Procedures",))
    assert MARKED_DOWN == {9, 10, 11, 12}


def test_coverage_follows_the_findings():
    s = mutate(lambda d: (d.pop("frameworks"), d["procedures"].pop("problem_management"),
                          d["categories"][0].pop("rationale")))
    rows = {r.point: r for r in coverage(s)}
    assert not rows[7].met and rows[7].sections == ()
    assert not rows[15].met
    assert rows[5].met  # a warning does not cost the point
    assert all(rows[p].met for p in rows if p not in (7, 15))


def test_coverage_of_an_empty_strategy():
    rows = coverage(Strategy.model_validate({"organisation": {"name": "X"}}))
    assert not any(r.met for r in rows)


def test_docs_list_every_rule():
    from pathlib import Path

    docs = (Path(__file__).resolve().parent.parent / "docs" / "strategy.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.point} |" in docs, rule.id
