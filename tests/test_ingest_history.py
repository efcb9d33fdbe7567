"""History (event-log) exports read right (issue 17, items 1-7): no crash on any history export,
support tiers, unknown states, Jira workflows, built-in priority words, ServiceNow resolution
from the state history, and the warning for absent time columns.

Each scenario plants one story in a small export; the assertions read the collapsed incidents,
the data-quality counts or the metrics JSON, never a sentence template of ours.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from datetime import datetime

import pandas as pd
import pytest

from ccreport.config import Config
from ccreport.errors import IngestError
from ccreport.ingest import load
from ccreport.ingest.normalise import tier_of_label

from .util import ROOT, SERVICENOW_LOG, run_cli, write

EXPORTS = ROOT / "tests" / "data" / "exports"


def ts(s: str) -> pd.Timestamp:
    t = pd.Timestamp(s)
    return t.tz_convert("UTC") if t.tzinfo else t.tz_localize("UTC")


def history(tmp_path, lines: list[str], mapping: str = "", name: str = "h.csv"):
    p = write(tmp_path, name, "\n".join(["Key,When,State,Tier,Prio", *lines]) + "\n")
    m = tmp_path / "map.yaml"
    m.write_text("columns: {incident_id: Key, event_time: When, state: State, level: Tier, priority: Prio}\n"
                 + mapping)
    return p, m


def metrics_json(*args) -> dict:
    r = run_cli("metrics", *args, "--format", "json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


# --- 1. no crash on any history export -------------------------------------------------------

CRASHERS = {
    # No incident ever reaches Resolved or Closed (the reported TypeError in _finish).
    "open_only": ["A,2026-01-05T09:00Z,New,L1,P2", "A,2026-01-05T10:00Z,In Progress,L1,P2",
                  "B,2026-01-06T09:00Z,New,L1,P3"],
    # Naive times (local in the configured timezone), still all open.
    "naive": ["A,2026-03-29 00:30,New,1,P2", "A,2026-03-29 01:30,In Progress,2,P2",
              "B,2026-03-30 09:00,On Hold,1,P3"],
    # One event per incident.
    "single_event": ["A,2026-01-05T09:00Z,New,1,P2", "B,2026-01-07T09:00Z,Resolved,1,P2"],
    # The mapped `state` column holds activities none of which is a known state.
    "activities": ["A,2026-01-05T09:00Z,Accepted,1,P2", "A,2026-01-05T10:00Z,Queued,1,P2",
                   "B,2026-01-06T09:00Z,Completed,2,P3"],
    # Every row with a time holds an unknown label, the others are rejected.
    "rejected_but_open": ["A,,New,1,P2", "A,2026-01-05T10:00Z,Triage,1,P2", "B,,Resolved,1,P3",
                          "B,2026-01-06T11:00Z,Triage,1,P3"],
}


@pytest.mark.parametrize("name", sorted(CRASHERS))
def test_no_history_export_crashes(tmp_path, name):
    p, m = history(tmp_path, CRASHERS[name])
    tz = ["--config", write(tmp_path, "c.yaml", "timezone: Europe/London\n")] if name == "naive" else []
    for command in (["validate", p, "--mapping", m], ["metrics", p, "--mapping", m, "--month", "2026-01"]):
        r = run_cli(*tz, *command)
        assert r.returncode == 0, r.stderr
        assert "internal error" not in r.stderr
    result = load([p], Config(timezone="Europe/London" if name == "naive" else "UTC"), mapping=m)
    inc = result.incidents.set_index("incident_id")
    assert set(inc.index) == {"A", "B"}
    if name != "single_event":
        # Nothing was resolved: no resolution time, and everything is in the backlog.
        assert inc.resolved_at.isna().all() and not inc.status.isin(["Resolved", "Closed"]).any()
    if name == "naive":  # 00:30 GMT, then 01:30 local falls in the spring-forward gap
        assert inc.opened_at["A"] == ts("2026-03-29T00:30Z")
        assert result.quality.dst_adjusted == 1


def test_open_only_history_is_all_backlog(tmp_path):
    p, m = history(tmp_path, CRASHERS["open_only"])
    totals = metrics_json(p, "--mapping", m, "--month", "2026-01")["totals"]
    assert totals["opened"] == 2 and totals["resolved"] == 0 and totals["backlog_end"] == 2
    assert totals["mttr_hours"] is None


def test_history_with_every_row_rejected_is_a_clear_error(tmp_path):
    p, m = history(tmp_path, ["A,,New,1,P2", "B,not a time,Resolved,1,P3"])
    r = run_cli("validate", p, "--mapping", m)
    assert r.returncode == 1 and "internal error" not in r.stderr
    assert str(p.name) in r.stderr and "no incident" in r.stderr
    with pytest.raises(IngestError):
        load([p], Config(), mapping=m)


# --- 2. support tiers ------------------------------------------------------------------------

@pytest.mark.parametrize("label,tier", [
    ("L1", 1), ("L2", 2), ("l3", 3), ("1st", 1), ("2nd line", 2), ("3rd Line Support", 3),
    ("Tier 2", 2), ("tier-3", 3), ("Level 1", 1), ("T2", 2), ("V5 3rd", 3), ("V13 2nd 3rd", 3),
    ("L2/L3", 3), ("Second line", 2), ("2", 2), ("3.0", 3),
    ("Service desk", None), ("V30", None), ("G97", None), ("Org line A2", None), ("", None),
])
def test_tier_labels(label, tier):
    assert tier_of_label(label, {}) == tier


def test_tier_levels_map_wins():
    assert tier_of_label("Service Desk", {"service desk": 1}) == 1
    assert tier_of_label("L2", {"l2": 4}) == 4


def test_escalation_is_a_rise_above_the_starting_tier(tmp_path):
    p, m = history(tmp_path, [
        # Starts at second line and stays there: not escalated (was counted as escalated).
        "A,2026-01-05T09:00Z,New,2nd line,P3", "A,2026-01-05T12:00Z,Resolved,2nd line,P3",
        # First to third line: two tiers risen, at the rise.
        "B,2026-01-06T09:00Z,New,L1,P3", "B,2026-01-06T09:30Z,In Progress,L1,P3",
        "B,2026-01-06T10:00Z,In Progress,L3,P3", "B,2026-01-06T15:00Z,Resolved,L3,P3",
        # Starts at 3, drops to 1, back to 3: never above its starting tier.
        "C,2026-01-07T09:00Z,New,Tier 3,P3", "C,2026-01-07T10:00Z,In Progress,Tier 1,P3",
        "C,2026-01-07T11:00Z,In Progress,Tier 3,P3",
        # Unreadable tier before a readable one: the first readable tier is the start.
        "D,2026-01-08T09:00Z,New,Dispatch,P3", "D,2026-01-08T09:10Z,In Progress,L1,P3",
        "D,2026-01-08T11:00Z,In Progress,L2/L3,P3",
        # No readable tier at all: unknown, not 0.
        "E,2026-01-09T09:00Z,New,Dispatch,P3", "E,2026-01-09T10:00Z,In Progress,Front office,P3",
    ])
    r = load([p], Config(), mapping=m)
    inc = r.incidents.set_index("incident_id")
    assert inc.escalation_level["A"] == 0 and pd.isna(inc.escalated_at["A"])
    assert inc.escalation_level["B"] == 2 and inc.escalated_at["B"] == ts("2026-01-06T10:00Z")
    assert inc.escalation_level["C"] == 0 and pd.isna(inc.escalated_at["C"])
    assert inc.escalation_level["D"] == 2 and inc.escalated_at["D"] == ts("2026-01-08T11:00Z")
    assert pd.isna(inc.escalation_level["E"]) and pd.isna(inc.escalated_at["E"])
    # Each unreadable label listed once with its count; counted as values not understood.
    tier_issues = [i for i in r.quality.issues if i.field == "level"]
    assert len(tier_issues) == 2
    dispatch = next(i for i in tier_issues if "Dispatch" in i.problem)
    assert re.search(r"\b2\b", dispatch.problem) and dispatch.row == 11  # 2 events, first at row 11
    assert r.quality.invalid_values == 3
    # 2 of 5 opened incidents escalated (B and D).
    totals = metrics_json(p, "--mapping", m, "--month", "2026-01")["totals"]
    assert totals["escalation_rate_pct"] == pytest.approx(40.0)


def test_numeric_tiers_one_two_three_are_not_all_escalated(tmp_path):
    lines = []
    for i in range(10):
        start = 1 + i % 3
        lines.append(f"I{i},2026-01-{5 + i:02d}T09:00Z,New,{start},P3")
        lines.append(f"I{i},2026-01-{5 + i:02d}T12:00Z,Resolved,{start + (1 if i < 2 else 0)},P3")
    p, m = history(tmp_path, lines)
    totals = metrics_json(p, "--mapping", m, "--month", "2026-01")["totals"]
    assert totals["escalation_rate_pct"] == pytest.approx(20.0)


def test_levels_map_in_mapping_file(tmp_path):
    p, m = history(tmp_path, ["A,2026-01-05T09:00Z,New,Service Desk,P3",
                              "A,2026-01-05T10:00Z,In Progress,Network Team,P3"],
                   mapping='levels: {"Service Desk": 1, "Network Team": 2}\n')
    r = load([p], Config(), mapping=m)
    assert r.incidents.escalation_level[0] == 1 and r.quality.invalid_values == 0


def test_levels_map_must_hold_tier_numbers(tmp_path):
    p, m = history(tmp_path, ["A,2026-01-05T09:00Z,New,Desk,P3"], mapping="levels: {Desk: first}\n")
    r = run_cli("validate", p, "--mapping", m)
    assert r.returncode == 1 and "levels" in r.stderr and "map.yaml" in r.stderr


# --- 3. unknown states -----------------------------------------------------------------------

def test_unknown_state_between_resolved_and_in_progress_keeps_the_reopen(tmp_path):
    p, m = history(tmp_path, [
        "A,2026-01-05T09:00Z,New,1,P3", "A,2026-01-05T10:00Z,Resolved,1,P3",
        "A,2026-01-05T11:00Z,Unmatched,1,P3", "A,2026-01-05T12:00Z,In Progress,1,P3",
        "A,2026-01-05T15:00Z,Resolved,1,P3",
        # Ends on an unknown label: the Resolved before it stays in force.
        "B,2026-01-06T09:00Z,New,1,P3", "B,2026-01-06T10:00Z,Resolved,1,P3",
        "B,2026-01-06T11:00Z,Unmatched,1,P3",
    ])
    r = load([p], Config(), mapping=m)
    inc = r.incidents.set_index("incident_id")
    assert inc.reopen_count["A"] == 1 and inc.resolved_at["A"] == ts("2026-01-05T15:00Z")
    assert inc.status["B"] == "Resolved" and inc.resolved_at["B"] == ts("2026-01-06T10:00Z")
    (issue,) = [i for i in r.quality.issues if "Unmatched" in i.problem]
    assert issue.row == 4 and "2" in issue.problem  # 2 events, first at row 4
    assert "inferred" not in issue.problem and "timestamps" not in issue.problem
    # The timeline still shows what the tool recorded.
    assert "Unmatched" in set(r.events.text)


def test_every_unknown_state_is_listed_with_count_and_first_row(tmp_path):
    labels = [f"Odd{i}" for i in range(8)]
    lines = ["A,2026-01-05T09:00Z,New,1,P3"]
    for i, label in enumerate(labels):
        for k in range(i + 1):
            lines.append(f"A,2026-01-05T{10 + i}:{k:02d}Z,{label},1,P3")
    p, m = history(tmp_path, lines)
    r = load([p], Config(), mapping=m)
    listed = {i.problem.split("'")[1]: i for i in r.quality.issues if i.field == "status"}
    assert set(listed) == set(labels)
    row = 3
    for i, label in enumerate(labels):
        assert listed[label].row == row and f"({i + 1} event" in listed[label].problem
        row += i + 1
    assert r.quality.invalid_values == sum(range(1, 9))


def test_unknown_state_does_not_end_a_pause(tmp_path):
    p, m = history(tmp_path, [
        "A,2026-01-05T09:00Z,New,1,P3", "A,2026-01-05T10:00Z,Waiting,1,P3",
        "A,2026-01-05T11:00Z,Comment added,1,P3", "A,2026-01-05T13:00Z,In Progress,1,P3",
        "A,2026-01-05T14:00Z,Resolved,1,P3",
    ], mapping="pause_states: [Waiting]\n")
    r = load([p], Config(), mapping=m)
    assert list(zip(r.pauses.start, r.pauses.end)) == [(ts("2026-01-05T10:00Z"), ts("2026-01-05T13:00Z"))]
    # "Waiting" is a pause state named by the mapping: not an unknown label.
    assert not [i for i in r.quality.issues if "Waiting" in i.problem]


def test_reopened_then_closed_takes_the_closure_not_the_first_fix(tmp_path):
    p, m = history(tmp_path, [
        "A,2026-01-05T09:00Z,New,1,P3", "A,2026-01-05T10:00Z,Resolved,1,P3",
        "A,2026-01-05T12:00Z,In Progress,1,P3", "A,2026-01-06T09:00Z,Closed,1,P3",
    ])
    r = load([p], Config(), mapping=m)
    assert r.incidents.resolved_at[0] == ts("2026-01-06T09:00Z") and r.incidents.reopen_count[0] == 1
    assert r.quality.resolved_from_closed == 1


# --- 4. Jira workflows -----------------------------------------------------------------------

def _jira_reference(path) -> dict:
    """Per-row reading of the Jira Cloud fixture with the csv module: resolved = Resolved, or
    Status Category Changed for a Done category; cancelled by status or resolution words."""
    cancel = {"won't do", "declined", "duplicate", "aborted", "cancelled", "canceled", "rejected"}
    out = {}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    head = rows[0]
    col = {h: head.index(h) for h in head}
    for r in rows[1:]:
        status, resolution = r[col["Status"]].lower(), r[col["Resolution"]].lower()
        cancelled = status in cancel or resolution in cancel
        done = r[col["Status Category"]] == "Done"
        when = r[col["Resolved"]] or (r[col["Status Category Changed"]] if done else "")
        out[r[col["Issue key"]]] = (cancelled, None if cancelled or not when else
                                    datetime.strptime(when, "%d/%b/%y %I:%M %p"))
    return out


def test_jira_done_without_resolved_takes_status_category_changed():
    path = EXPORTS / "jira_cloud.csv"
    r = load([path], Config())
    ref = _jira_reference(path)
    inc = r.incidents.set_index("incident_id")
    for key, (cancelled, resolved) in ref.items():
        assert (inc.status[key] == "Cancelled") == cancelled, key
        want = pd.NaT if resolved is None else pd.Timestamp(resolved, tz="UTC")
        assert (pd.isna(inc.resolved_at[key]) and pd.isna(want)) or inc.resolved_at[key] == want, key
    assert r.quality.resolved_from_status_category == 4
    totals = metrics_json(path, "--month", "2026-02")["totals"]
    resolved = [k for k, (c, t) in ref.items() if t is not None and not c]
    assert totals["resolved"] == len(resolved) == 5
    assert totals["cancelled"] == 3 and totals["backlog_end"] == 3
    dq = metrics_json(path, "--month", "2026-02")["data_quality"]
    assert dq["resolved_from_status_category"] == 4


def test_jira_states_only_mapping(tmp_path):
    m = write(tmp_path, "states.yaml", 'states: {"Peer Check": Resolved}\n')
    r = load([EXPORTS / "jira_cloud.csv"], Config(), mapping=m)
    assert r.preset == "jira"  # the detected preset's columns, the mapping's labels on top
    inc = r.incidents.set_index("incident_id")
    assert inc.status["OPS-11"] == "Resolved" and inc.status["OPS-2"] == "Resolved"


# --- 5. built-in priority words --------------------------------------------------------------

def test_builtin_priority_words_are_reported_once_per_label(tmp_path):
    lines = []
    for i in range(3):  # three incidents, two rows each, read through "Major"
        lines += [f"M{i},2026-01-05T09:0{i}Z,New,1,Major", f"M{i},2026-01-05T10:0{i}Z,Resolved,1,Major"]
    lines += ["H0,2026-01-06T09:00Z,New,1,High", "T0,2026-01-06T09:00Z,New,1,Trivial"]
    p, m = history(tmp_path, lines)
    r = load([p], Config(), mapping=m)
    words = [i for i in r.quality.issues if i.field == "priority"]
    major = [i for i in words if "'Major'" in i.problem]
    assert len(major) == 1 and "P2" in major[0].problem and "3" in major[0].problem
    assert "High" in major[0].problem  # merged with the export's own High: said so
    assert any("'Trivial'" in i.problem and "P5" in i.problem for i in words)
    assert not any("'High'" in i.problem.split(";")[0] for i in words)  # a core label: not reported
    # Overridden in the config: read as asked, no longer reported.
    r2 = load([p], Config(priority_map={"Major": "P1"}), mapping=m)
    assert not [i for i in r2.quality.issues if "'Major'" in i.problem]
    assert set(r2.incidents.set_index("incident_id").priority[["M0", "M1", "M2"]]) == {"P1"}


def test_volvo_major_impact_does_not_merge_silently():
    r = load([EXPORTS / "volvo_history.csv"], Config(), mapping=EXPORTS / "mappings" / "volvo_history.yaml")
    (major,) = [i for i in r.quality.issues if "'Major'" in i.problem]
    assert "P2" in major.problem and "High" in major.problem and "1 incident" in major.problem


# --- 6. ServiceNow resolution from the state history ------------------------------------------

SN_HEAD = "number,incident_state,sys_mod_count,sys_updated_at,opened_at,resolved_at,closed_at,priority,reopen_count"


def test_servicenow_resolution_from_history_is_counted(tmp_path):
    p = write(tmp_path, "sn.csv", "\n".join([
        SN_HEAD,
        "INC1,New,0,2026-01-05 09:00:00,2026-01-05 09:00:00,,,3 - Moderate,0",
        "INC1,Active,1,2026-01-05 09:30:00,2026-01-05 09:00:00,,,3 - Moderate,0",
        "INC1,Resolved,2,2026-01-05 12:00:00,2026-01-05 09:00:00,,,3 - Moderate,0",
        # The latest row has no resolved_at; the auto-close comes days later.
        "INC1,Closed,3,2026-01-10 12:00:00,2026-01-05 09:00:00,,2026-01-10 12:00:00,3 - Moderate,0",
        "INC2,New,0,2026-01-06 09:00:00,2026-01-06 09:00:00,,,3 - Moderate,0",
        "INC2,Resolved,1,2026-01-06 11:00:00,2026-01-06 09:00:00,2026-01-06 10:45:00,,3 - Moderate,0",
        "INC2,Closed,2,2026-01-11 11:00:00,2026-01-06 09:00:00,2026-01-06 10:45:00,2026-01-11 11:00:00,3 - Moderate,0",
    ]) + "\n")
    r = load([p], Config())
    inc = r.incidents.set_index("incident_id")
    assert inc.resolved_at["INC1"] == ts("2026-01-05T12:00Z")  # not the closure five days later
    assert inc.resolved_at["INC2"] == ts("2026-01-06T10:45Z")  # the record's own value wins
    assert r.quality.resolved_from_history == 1 and r.quality.resolved_from_closed == 0


@pytest.mark.skipif(not SERVICENOW_LOG.exists(), reason="shared ServiceNow data not present")
def test_servicenow_log_resolution_from_history_matches_per_row_reference():
    def when(v):
        return None if v in ("", "?") else datetime.strptime(v, "%d-%m-%Y %H:%M")

    events = defaultdict(list)
    with open(SERVICENOW_LOG, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            events[row["number"]].append(row)
    want, resolved = 0, {}
    for number, rows in events.items():
        rows.sort(key=lambda e: (when(e["sys_updated_at"]), int(e["sys_mod_count"])))
        last = rows[-1]
        res = when(last["resolved_at"])
        if res is None and last["incident_state"] in ("Resolved", "Closed"):
            moves = [when(e["sys_updated_at"]) for i, e in enumerate(rows)
                     if e["incident_state"] == "Resolved" and (i == 0 or rows[i - 1]["incident_state"] != "Resolved")]
            if moves:
                res, want = moves[-1], want + 1
        resolved[number] = res
    r = load([SERVICENOW_LOG], Config())
    assert r.quality.resolved_from_history == want > 0
    got = r.incidents.set_index("incident_id").resolved_at
    for number, res in resolved.items():
        assert (pd.isna(got[number]) and res is None) or got[number] == pd.Timestamp(res, tz="UTC"), number


# --- 7. absent columns -----------------------------------------------------------------------

def test_validate_warns_when_resolution_and_acknowledgement_columns_are_absent(tmp_path):
    p = write(tmp_path, "list.csv", "incident_id,opened_at,priority,status\n"
              "A,2026-01-05T09:00Z,P1,New\nB,2026-01-06T09:00Z,P2,Closed\n")
    r = run_cli("validate", p)
    assert r.returncode == 0
    lines = [x for x in r.stderr.splitlines() if "warning" in x]
    assert len(lines) == 2
    res = next(x for x in lines if "resolved_at" in x)
    assert "Mean time to resolve" in res and "Resolution SLA" in res
    ack = next(x for x in lines if "acknowledged_at" in x)
    assert "Mean time to acknowledge" in ack
    # ... and the JSON says null for them, counts included, as docs/metrics.md says.
    totals = metrics_json(p, "--month", "2026-01")["totals"]
    assert totals["opened"] == 2
    assert totals["resolved"] is None and totals["backlog_end"] is None and totals["mttr_hours"] is None
    assert totals["mtta_hours"] is None


def test_validate_does_not_warn_when_the_columns_exist(tmp_path):
    p = write(tmp_path, "list.csv", "incident_id,opened_at,acknowledged_at,resolved_at\n"
              "A,2026-01-05T09:00Z,,\n")
    r = run_cli("validate", p)
    assert r.returncode == 0 and "warning" not in r.stderr


# --- the reader of a document is not told about the tool -------------------------------------

def test_label_issues_name_no_tool_setting_but_validate_hints_at_them():
    path, mapping = EXPORTS / "volvo_history.csv", EXPORTS / "mappings" / "volvo_history.yaml"
    r = load([path], Config(), mapping=mapping)
    problems = [i.problem for i in r.quality.issues]
    assert len(problems) == 3  # Unmatched, Desk Q, Major
    for text in problems:  # data-quality issues are printed in every document's appendix
        assert not re.search(r"priority_map|mapping|config|ccreport|levels:|states:|--", text), text
    out = run_cli("validate", path, "--mapping", mapping)
    assert out.returncode == 0
    assert "priority_map" in out.stderr and "levels:" in out.stderr and "states:" in out.stderr


def test_ambiguous_dates_name_no_setting_in_the_issue_but_validate_says_which(tmp_path):
    # Every day is 12 or below: the order cannot be told from the data.
    p = write(tmp_path, "amb.csv", "incident_id,opened_at,resolved_at\n"
              "A,01/02/2026 09:00,03/02/2026 10:00\nB,05/06/2026 09:00,07/06/2026 10:00\n")
    r = load([p], Config())
    problems = [i.problem for i in r.quality.issues if "ambiguous" in i.problem]
    assert problems, [i.problem for i in r.quality.issues]
    for text in problems:  # printed in every document's data-quality appendix
        assert not re.search(r"dayfirst|config|ccreport", text), text
    out = run_cli("validate", p)
    assert out.returncode == 0 and "dayfirst" in out.stderr


def test_a_column_the_mapping_names_for_one_field_fills_no_other(tmp_path):
    # The canonical preset would also match the header "Impact" to the impact field: the
    # mapping's priority words must not become an empty numeric impact too.
    p = write(tmp_path, "inc.csv", "Ref,Opened,Resolved,Impact\n"
              "A1,2026-10-01T09:00Z,2026-10-01T10:00Z,High\nA2,2026-10-02T09:00Z,,Low\n")
    m = write(tmp_path, "map.yaml", "columns:\n  incident_id: Ref\n  opened_at: Opened\n"
              "  resolved_at: Resolved\n  priority: Impact\npriorities:\n  High: P2\n  Low: P4\n")
    data = metrics_json(p, "--mapping", m, "--month", "2026-10", "--full")
    assert "impact" not in data["fields"] and "priority" in data["fields"]
    assert data["by_priority"]["P2"]["opened"] == 1 and data["by_priority"]["P4"]["opened"] == 1


def test_pause_intervals_with_interleaved_incidents_end_at_each_incidents_next_change():
    # load_events passes state events sorted; a caller may not: the next change is always the
    # same incident's next one, never the next row.
    from ccreport.ingest.history import pause_intervals

    ids = pd.Series(["A", "B", "A", "B", "A"])
    times = pd.Series(pd.to_datetime(["2026-01-01 10:00", "2026-01-01 10:30", "2026-01-01 11:00",
                                      "2026-01-01 12:00", "2026-01-01 13:00"], utc=True))
    status = pd.Series(["On Hold", "On Hold", "In Progress", "In Progress", "Resolved"], dtype=object)
    got = pause_intervals(ids, times, status, status, ("On Hold",))
    assert list(zip(got["incident_id"], got["start"], got["end"])) == [
        ("A", ts("2026-01-01 10:00Z"), ts("2026-01-01 11:00Z")),
        ("B", ts("2026-01-01 10:30Z"), ts("2026-01-01 12:00Z")),
    ]


def test_collapse_sorts_events_by_time_then_sequence_with_missing_first(tmp_path):
    # The latest row is the last by event time, then by update count; an update count that
    # is missing sorts first, so the numbered row of the same minute is the later one.
    p = write(tmp_path, "sn.csv", "\n".join([
        "number,incident_state,sys_mod_count,sys_updated_at,opened_at,priority",
        "INC2,Active,1,2026-01-02 10:00:00,2026-01-02 09:00:00,3 - Moderate",
        "INC1,Resolved,2,2026-01-01 12:00:00,2026-01-01 09:00:00,3 - Moderate",
        "INC1,Closed,,2026-01-01 12:00:00,2026-01-01 09:00:00,3 - Moderate",
        "INC1,New,0,2026-01-01 09:00:00,2026-01-01 09:00:00,3 - Moderate",
        "INC2,New,0,2026-01-02 09:00:00,2026-01-02 09:00:00,3 - Moderate",
    ]) + "\n")
    inc = load([p], Config(), preset="servicenow").incidents.set_index("incident_id")
    assert list(inc.index) == ["INC1", "INC2"]
    assert inc.loc["INC1", "status"] == "Resolved" and inc.loc["INC2", "status"] == "In Progress"
