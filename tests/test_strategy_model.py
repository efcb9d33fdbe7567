"""Strategy schema (SPEC §5.3): errors that name file, line and key in plain words; the
computed tables; the dated exercise calendar; and the docs example kept equal to the shipped one.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from ccreport.errors import ConfigError
from ccreport.scaffold import example_text
from ccreport.strategy import (
    ISO22301_CLAUSES,
    ITIL4_PRACTICES,
    REGULATORY_OBLIGATIONS,
    Strategy,
    add_months,
    communication_matrix,
    escalation_matrix,
    exercise_calendar,
    framework_alignment,
    load_strategy,
    loads_strategy,
    priority_for,
    raci_table,
    regulatory_requirements,
)
from ccreport.strategy.exercises import occurrences
from ccreport.strategy.model import Exercise

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = example_text("strategy.yaml")


@pytest.fixture(scope="module")
def strategy() -> Strategy:
    return loads_strategy(EXAMPLE)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `needle`."""
    hits = [i + 1 for i, line in enumerate(text.splitlines()) if needle in line]
    return hits[occurrence - 1]


def replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) >= 1, old
    return text.replace(old, new, 1)


# ---- schema errors: file, line, key, plain words -------------------------------------------


def test_example_loads(strategy):
    assert strategy.organisation.name == "Northwind Contact Centre"
    assert strategy.organisation.sites == ("Leeds", "Glasgow")
    assert strategy.priorities["P1"].respond.hours == 0.25
    assert str(strategy.priorities["P1"].update_every) == "30m"
    assert strategy.document_control.review_date == dt.date(2027, 10, 31)


def test_load_from_file(tmp_path):
    path = tmp_path / "strategy.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    assert load_strategy(path).categories[0].name == "Telephony outage"


def test_priority_out_of_range_names_line_and_key():
    text = replace_once(EXAMPLE, "default_priority: P2\n    resolver_group: Network Ops",
                        "default_priority: P6\n    resolver_group: Network Ops")
    with pytest.raises(ConfigError) as err:
        loads_strategy(text, "strategy.yaml")
    line = line_of(text, "default_priority: P6")
    assert str(err.value) == f"strategy.yaml line {line}: categories[3].default_priority: 'P6' is not one of P1–P5."


def test_unknown_key_suggests_the_right_one():
    text = replace_once(EXAMPLE, "    escalation_path: [Service Desk (Tier 1), CRM Support",
                        "    escalaton_path: [Service Desk (Tier 1), CRM Support")
    with pytest.raises(ConfigError) as err:
        loads_strategy(text)
    line = line_of(text, "escalaton_path")
    assert str(err.value).startswith(
        f"strategy.yaml line {line}: categories[2].escalaton_path: unknown key; did you mean 'escalation_path'?")


def test_unknown_top_level_key():
    with pytest.raises(ConfigError, match=r"line 1: categores: unknown key; did you mean 'categories'\?"):
        loads_strategy("categores: []\norganisation: {name: X}\n")


def test_bad_duration():
    text = replace_once(EXAMPLE, "    update_every: 1h\n", "    update_every: 1 hour\n")
    with pytest.raises(ConfigError) as err:
        loads_strategy(text)
    line = line_of(text, "update_every: 1 hour")
    assert str(err.value) == (f"strategy.yaml line {line}: priorities.P2.update_every: "
                              "'1 hour' is not a duration like 15m, 4h or 3d.")


def test_rto_longer_than_mtpd():
    text = replace_once(EXAMPLE, "{service: CRM, rto: 2h,", "{service: CRM, rto: 12h,")
    with pytest.raises(ConfigError) as err:
        loads_strategy(text)
    line = line_of(text, "{service: CRM, rto: 12h")
    assert str(err.value).startswith(f"strategy.yaml line {line}: business_continuity.services[1].rto: ")
    assert "(12h) is longer than the maximum tolerable period of disruption, mtpd (8h)" in str(err.value)


def test_objective_linked_to_unknown_goal():
    text = replace_once(EXAMPLE, "    goals: [G3]\n", "    goals: [G3, G7]\n")
    with pytest.raises(ConfigError) as err:
        loads_strategy(text)
    line = line_of(text, "goals: [G3, G7]")
    assert str(err.value) == (f"strategy.yaml line {line}: objectives[3].goals[1]: 'G7' is not a goal id "
                              "under organisation.goals (known: G1, G2, G3, G4).")


@pytest.mark.parametrize("snippet,match", [
    ("exercises:\n  - {name: e, type: drill}\n",
     r"line 3: exercises\[0\]\.type: 'drill' is not an exercise type; use one of walkthrough, tabletop"),
    ("exercises:\n  - {name: e, frequency: sometimes}\n",
     r"exercises\[0\]\.frequency: 'sometimes' is not a frequency; use monthly, quarterly"),
    ("exercises:\n  - {name: e, first_date: 2027-02-30}\n",
     r"exercises\[0\]\.first_date: '2027-02-30' is not a date; write it as YYYY-MM-DD"),
    ("raci:\n  - {activity: x, assignments: {Bob: X}}\n",
     r"raci\[0\]\.assignments\.Bob: 'X' is not R, A, C or I"),
    ("roles: [{name: Alice}]\nraci:\n  - {activity: x, assignments: {Bob: A}}\n",
     r"line 4: raci\[0\]\.assignments\.Bob: 'Bob' is not a role under roles \(known: Alice\)"),
    ("frameworks: {iso22301: ['8.9']}\n", r"frameworks\.iso22301\[0\]\.clause: '8\.9' is not an ISO 22301:2019 clause"),
    ("frameworks: {itil4: [Incident managment]}\n", r"'Incident managment' is not an ITIL 4 practice; did you mean "
                                                    r"'Incident management'\?"),
    ("priority_matrix: [[P1, P2], [P2]]\n", r"priority_matrix: the priority matrix needs 3 rows"),
    ("impact:\n  - {level: 4, description: x}\n", r"impact\[0\]\.level: 4 is not a level; levels are 1, 2 or 3"),
    ("impact:\n  - {level: 1, description: x}\n  - {level: 1, description: y}\n", r"impact: level 1 is defined twice"),
    ("communication:\n  plan:\n    - {audience: a, type: public}\n",
     r"communication\.plan\[0\]\.type: 'public' is neither internal nor external"),
    ("categories:\n  - name: ''\n", r"categories\[0\]\.name: must not be empty"),
    ("categories: {name: x}\n", r"categories: expected a list \(one '- item' per line\), found a mapping"),
    ("categories:\n  - {definition: x}\n", r"line 3: categories\[0\]\.name: required key is missing"),
    ("continuous_improvement: {pir_deadline: next week}\n", r"'next week' is not a deadline like '5 working days'"),
    ("regulatory: {uk_gdpr_art33: yes}\n", r"regulatory\.uk_gdpr_art33: 'yes' is not true or false"),
    ("regulatory: {gdpr: true}\n", r"regulatory\.gdpr: unknown key; the keys here are uk_gdpr_art33"),
    ("priorities:\n  P1: {respond: 4h, resolve: 1h}\n",
     r"priorities\.P1\.respond: the response target \(4h\) is longer than the resolution target \(1h\)"),
    ("priorities:\n  P7: {respond: 4h}\n", r"line 3: priorities\.P7: 'P7' is not one of P1–P5"),
    ("escalation:\n  hierarchical:\n    P1:\n      - {after: 15m}\n",
     r"line 5: escalation\.hierarchical\.P1\[0\]\.notify: required key is missing"),
    ("document_control: {version: 1.0, review_date: soon}\n", r"document_control\.review_date: 'soon' is not a date"),
    ("organisation: {name: Y}\n", r"duplicate key 'organisation'"),
    # a misspelt required key is reported as the misspelling, not as a missing key
    ("categories:\n  - nme: A\n    definition: x\n", r"line 3: categories\[0\]\.nme: unknown key; did you mean 'name'\?$"),
])
def test_schema_errors_in_plain_words(snippet, match):
    with pytest.raises(ConfigError, match=match):
        loads_strategy("organisation: {name: X}\n" + snippet)


def test_empty_sections_are_empty_not_errors():
    s = loads_strategy("organisation: {name: X, goals: }\nscope:\npriorities:\ncategories:\n"
                       "communication: {templates: , plan: [{audience: a, type: internal, cadence: }]}\n"
                       "escalation: {hierarchical: , functional: }\nraci: [{activity: a, assignments: }]\n"
                       "document_control: {version: '', owner: '  '}\n")
    assert s.priorities == {} and s.categories == () and s.scope is None
    assert s.communication.plan[0].cadence == {} and s.communication.templates.update is None
    assert s.escalation.hierarchical == {} and s.raci[0].assignments == {}
    assert s.document_control.version is None and s.document_control.owner is None


def test_more_problems_are_counted():
    with pytest.raises(ConfigError, match=r"line 2: categores: unknown key.*\(1 more problem in this file\)\.$"):
        loads_strategy("organisation: {name: X}\ncategores: []\nscope: {inn: []}\n")


def test_not_a_mapping():
    with pytest.raises(ConfigError, match="a strategy must be a mapping of sections"):
        loads_strategy("- a\n- b\n")


@pytest.mark.parametrize("text,match", [
    ("organisation: !!python/object/apply:os.system ['echo hi']\n", "could not determine a constructor"),
    ("a: &x {name: X}\norganisation: *x\n", "anchors and aliases"),
])
def test_yaml_is_safe(text, match):
    with pytest.raises(ConfigError, match=match):
        loads_strategy(text)


def test_friendly_values():
    s = loads_strategy(
        "organisation: {name: X, goals: [{id: G1, text: a}]}\n"
        "objectives: [{text: t, goals: G1}]\n"        # one goal as text, not a list
        "categories: [{name: A, default_priority: p2, examples: one}]\n"
        "document_control: {version: 1.0}\n"          # a number where text is expected
        "exercises: [{name: e, type: Call_Tree, frequency: every 6 weeks}, {name: f, type: full scale}]\n"
        "raci: [{activity: x, stage: Logging, assignments: {Bob: a/r}}]\n"
        "frameworks: {iso22301: [8.4, 'ISO 22301 8.5', '10.2'], itil4: [incident management]}\n"
        "regulatory: {uk_gdpr_art33: true, ofcom: false, equality_act: {owner: CX lead}}\n"
    )
    assert s.objectives[0].goals == ("G1",)
    assert s.categories[0].default_priority == "P2" and s.categories[0].examples == ("one",)
    assert s.document_control.version == "1.0"
    assert s.exercises[0].type == "call tree" and s.exercises[1].type == "full-scale"
    assert (s.exercises[0].frequency.unit, s.exercises[0].frequency.every) == ("weeks", 6)
    assert s.raci[0].assignments == {"Bob": "R/A"} and s.raci[0].stage == "logging"
    assert [r.clause for r in s.frameworks.iso22301] == ["8.4", "8.5", "10.2"]
    assert s.frameworks.itil4[0].practice == "Incident management"
    assert [r.key for r in regulatory_requirements(s)] == ["uk_gdpr_art33", "equality_act"]


# ---- computed tables -----------------------------------------------------------------------


def test_escalation_matrix(strategy):
    rows = escalation_matrix(strategy)
    assert [r.priority for r in rows] == ["P1"] * 4 + ["P2"] * 3 + ["P3"] * 2 + ["P4", "P5"]
    p1 = [(str(r.after), r.notify) for r in rows if r.priority == "P1"]
    assert p1[0] == ("15m", ("Duty Manager",)) and p1[1] == ("30m", ("Head of Operations",))
    assert all(r.after.hours <= r.resolve.hours for r in rows)
    assert rows[0].rationale and rows[0].method == "Phone call"


def test_escalation_matrix_sorts_by_elapsed_time():
    s = loads_strategy("organisation: {name: X}\nescalation:\n  hierarchical:\n"
                       "    P2: [{after: 2h, notify: B}, {after: 30m, notify: [A, C]}]\n")
    assert [(str(r.after), r.notify, r.resolve) for r in escalation_matrix(s)] == [
        ("30m", ("A", "C"), None), ("2h", ("B",), None)]


def test_communication_matrix(strategy):
    rows = communication_matrix(strategy)
    assert [r.type for r in rows] == ["internal"] * 3 + ["external"] * 3
    assert rows[0].audience == "Advisers and team leaders" and rows[0].cadence["P1"] == "30m"
    assert rows[1].cadence["P4"] is None  # senior leadership is not told about P4s
    assert set(rows[0].cadence) == {"P1", "P2", "P3", "P4", "P5"}


def test_raci_table(strategy):
    table = raci_table(strategy)
    assert table.roles[0] == "Service Desk Analyst" and len(table.roles) == 10
    row = table.rows[7]
    assert row.activity == "Assess a breach and notify the ICO"
    cells = dict(zip(table.roles, row.cells))
    assert cells["Data Protection Officer"] == "R/A" and cells["Team Leader"] == ""
    assert all(len(r.cells) == len(table.roles) for r in table.rows)


def test_framework_alignment(strategy):
    rows = framework_alignment(strategy)
    iso = {r.reference: r.title for r in rows if r.framework == "ISO 22301:2019"}
    assert iso["8.4.3"] == "Warning and communication" and iso["8.5"] == "Exercise programme"
    itil = [r for r in rows if r.framework == "ITIL 4"]
    assert itil[0].reference == "Incident management" and itil[0].title == "Service management practice"


def test_reference_lists_are_complete():
    assert len(ITIL4_PRACTICES) == 34
    assert {"4", "5", "6", "7", "8", "9", "10", "8.4", "8.5", "10.2"} <= set(ISO22301_CLAUSES)
    assert {"uk_gdpr_art33", "uk_gdpr_art34", "pci_dss_12_10", "fca_operational_resilience", "ofcom",
            "equality_act"} <= set(REGULATORY_OBLIGATIONS)


def test_regulatory_requirements_expand_flags_with_overrides(strategy):
    reqs = {r.key: r for r in regulatory_requirements(strategy)}
    assert set(reqs) == {"uk_gdpr_art33", "uk_gdpr_art34", "pci_dss_12_10", "ofcom", "equality_act", None}
    assert "72 hours" in reqs["uk_gdpr_art33"].deadline and reqs["uk_gdpr_art33"].owner == "Data Protection Officer"
    assert reqs["pci_dss_12_10"].owner == "Information Security Manager"  # built-in owner kept
    assert reqs["ofcom"].owner == "Resource Planning Manager"  # overridden
    assert reqs["ofcom"].obligation.startswith("Outbound appointment-reminder calls")
    extras = [r for r in regulatory_requirements(strategy) if r.key is None]
    assert extras[0].deadline == "Within 48 hours of discovery"


def test_priority_for(strategy):
    assert priority_for(strategy, 1, 1) == "P1" and priority_for(strategy, 3, 3) == "P5"
    assert priority_for(strategy, 2, 1) == "P2"


# ---- the exercise calendar -----------------------------------------------------------------


def _strategy_with(*exercises: str) -> Strategy:
    return loads_strategy("organisation: {name: X}\nexercises:\n" + "".join(f"  - {e}\n" for e in exercises))


def test_add_months_clamps_to_month_end():
    jan31 = dt.date(2027, 1, 31)
    assert [add_months(jan31, n) for n in range(4)] == [
        dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30)]
    assert add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_monthly_month_end_comes_back_after_february():
    s = _strategy_with("{name: Call tree, frequency: monthly, first_date: 2027-01-31}")
    got = [e.date for e in exercise_calendar(s, dt.date(2027, 1, 1), months=4)]
    assert got == [dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30)]


def test_first_date_before_the_window_rolls_forward():
    s = _strategy_with("{name: Failover, frequency: quarterly, first_date: 2025-02-15}")
    got = [e.date for e in exercise_calendar(s, dt.date(2026, 11, 23))]
    # 2026-11-15 is before the window; the window ends (exclusive) on 2027-11-23
    assert got == [dt.date(2027, 2, 15), dt.date(2027, 5, 15), dt.date(2027, 8, 15), dt.date(2027, 11, 15)]


def test_month_end_before_the_window():
    s = _strategy_with("{name: Review, frequency: monthly, first_date: 2026-08-31}")
    got = [e.date for e in exercise_calendar(s, dt.date(2026, 11, 23), months=3)]
    assert got == [dt.date(2026, 11, 30), dt.date(2026, 12, 31), dt.date(2027, 1, 31)]


def test_every_n_weeks_and_once_and_yearly():
    s = _strategy_with(
        "{name: Six-weekly, frequency: every 6 weeks, first_date: 2026-01-05}",
        "{name: One-off, frequency: once, first_date: 2027-03-03}",
        "{name: Too early, frequency: once, first_date: 2026-01-03}",
        "{name: Yearly, frequency: yearly, first_date: 2024-02-29}",
        "{name: Undated, frequency: monthly}",
        "{name: Later, frequency: monthly, first_date: 2028-01-01}",
    )
    cal = exercise_calendar(s, dt.date(2026, 11, 23))
    by_name: dict[str, list[dt.date]] = {}
    for entry in cal:
        by_name.setdefault(entry.exercise.name, []).append(entry.date)
    # 2026-01-05 + 7 × 42 days = 2026-10-26 (before the window); the next is 2026-12-07
    assert by_name["Six-weekly"][:3] == [dt.date(2026, 12, 7), dt.date(2027, 1, 18), dt.date(2027, 3, 1)]
    assert len(by_name["Six-weekly"]) == 9
    assert by_name["One-off"] == [dt.date(2027, 3, 3)]
    assert by_name["Yearly"] == [dt.date(2027, 2, 28)]  # 29 Feb clamps in a common year
    assert "Too early" not in by_name and "Undated" not in by_name and "Later" not in by_name
    assert [e.date for e in cal] == sorted(e.date for e in cal)


def test_same_day_keeps_yaml_order():
    s = _strategy_with("{name: B, frequency: monthly, first_date: 2027-01-10}",
                       "{name: A, frequency: monthly, first_date: 2027-01-10}")
    cal = exercise_calendar(s, dt.date(2027, 1, 1), months=1)
    assert [(e.date, e.exercise.name) for e in cal] == [(dt.date(2027, 1, 10), "B"), (dt.date(2027, 1, 10), "A")]


def test_default_window_starts_today(strategy):
    today = dt.date.today()
    cal = exercise_calendar(strategy)
    assert cal and all(today <= e.date < add_months(today, 12) for e in cal)


@pytest.mark.parametrize("freq", ["monthly", "every 2 months", "quarterly", "half-yearly", "yearly",
                                  "weekly", "every 3 weeks"])
@pytest.mark.parametrize("first", ["2023-01-31", "2024-02-29", "2026-05-30", "2027-12-31"])
def test_calendar_matches_a_plain_walk_from_the_first_date(freq, first):
    """The jump to the window gives the same dates as counting every occurrence from the start."""
    exercise = Exercise.model_validate({"name": "x", "frequency": freq, "first_date": first})
    start, end = dt.date(2026, 11, 23), dt.date(2027, 11, 23)
    expected, k = [], 0
    while True:
        f = exercise.frequency
        day = (exercise.first_date + dt.timedelta(weeks=k * f.every) if f.unit == "weeks"
               else add_months(exercise.first_date, k * f.every))
        if day >= end:
            break
        if day >= start:
            expected.append(day)
        k += 1
    assert occurrences(exercise, start, end) == expected


# ---- docs ----------------------------------------------------------------------------------


def test_docs_carry_the_shipped_example_verbatim():
    docs = (ROOT / "docs" / "strategy.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", docs, flags=re.S)
    assert EXAMPLE in blocks, "docs/strategy.md's full example differs from ccreport/examples/strategy.yaml"


def test_docs_name_every_top_level_section():
    docs = (ROOT / "docs" / "strategy.md").read_text(encoding="utf-8")
    for field in Strategy.model_fields:
        assert f"`{field}`" in docs, field
