"""Worked examples with hand-computed values for every SPEC §4 figure, the null rules, the
docs/metrics.md shape, and the table/CSV renderings.

The example month is October 2026 in Europe/London (BST, UTC+1, until 25 October; the period
is 745 hours long). SLA: P1 15m/4h and P2 30m/8h on 24x7; P3 4h/24h on the office calendar
(Mon-Fri 08:00-18:00, GB-ENG bank holidays); P4 and P5 have no targets. Times are UTC.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from ccreport.config import Config, Targets
from ccreport.ingest.quality import DataQuality
from ccreport.ingest.result import IngestResult
from ccreport.metrics.coverage import Coverage
from ccreport.metrics import AGE_BUCKETS, FORMAT_VERSION, compute, incident_sla, keys
from ccreport.console import format_csv, format_table
from ccreport.period import resolve_period

CONFIG = Config.model_validate(
    {
        "timezone": "Europe/London",
        "calendars": {"office": {"holidays": {"country": "GB", "subdivision": "ENG"}}},
        "sla": {
            "P1": {"respond": "15m", "resolve": "4h"},
            "P2": {"respond": "30m", "resolve": "8h"},
            "P3": {"respond": "4h", "resolve": "24h", "calendar": "office"},
        },
    }
)
OCTOBER = resolve_period(CONFIG, month="2026-10")
#: The SPEC §4 keys of totals and by_priority, and of a breakdown (docs/metrics.md).
TOTAL_KEYS = keys("totals", core_only=True)
GROUP_KEYS = keys("groups", core_only=True)
#: Extension figures of every breakdown (--full), tested on their own below.
GROUP_EXTENSIONS = ("resolution_sla_base", "resolution_sla_breaches")


def rec(incident_id: str, **fields) -> dict:
    base = {
        "incident_id": incident_id, "title": f"Incident {incident_id}", "category": None, "service": None,
        "site": None, "priority": "P3", "status": "Closed", "major": False, "opened_at": None,
        "acknowledged_at": None, "escalated_at": None, "resolved_at": None, "escalation_level": 0,
        "reopen_count": 0, "customers_affected": None, "csat": None, "problem_id": None,
    }
    base.update(fields)
    return base


RECORDS = [
    # A: P1 major, acknowledged in 10 min, resolved in 3 h: both SLAs met.
    rec("A", priority="P1", major=True, category="Network", service="Telephony", site="Leeds",
        opened_at="2026-10-01T10:00:00Z", acknowledged_at="2026-10-01T10:10:00Z",
        escalated_at="2026-10-01T10:30:00Z", escalation_level=1,
        resolved_at="2026-10-01T13:00:00Z", customers_affected=100, csat=4, problem_id="PRB1"),
    # B: P1, acknowledged in 20 min (> 15m), resolved in 6 h (> 4h): both breached; reopened.
    rec("B", priority="P1", status="Resolved", category="Network", service="Telephony", site="Glasgow",
        opened_at="2026-10-05T08:00:00Z", acknowledged_at="2026-10-05T08:20:00Z",
        resolved_at="2026-10-05T14:00:00Z", customers_affected=50, csat=2, reopen_count=1),
    # C: P3 opened Fri 17:00 BST, acknowledged Mon 08:30 BST (office clock 1.5 h), resolved Tue
    # 13:00 BST: ttr 92 h, office clock 1 + 10 + 5 = 16 h (met).
    rec("C", category="Software", service="CRM",
        opened_at="2026-10-02T16:00:00Z", acknowledged_at="2026-10-05T07:30:00Z",
        resolved_at="2026-10-06T12:00:00Z", csat=5),
    # D: P3 opened Wed 09:00 BST, resolved Fri 15:00 BST: ttr 54 h, office clock 9 + 10 + 7 = 26 h,
    # On Hold Wed 13:00 → Thu 13:00 BST (5 + 5 = 10 office hours) → SLA clock 16 h (met). Its
    # acknowledgement at Wed 14:30 BST is 5.5 office hours, 1.5 of them on hold → 4 h = target.
    rec("D", category="Software", service="CRM",
        opened_at="2026-10-07T08:00:00Z", acknowledged_at="2026-10-07T13:30:00Z",
        resolved_at="2026-10-09T14:00:00Z"),
    # E: P4 (no target), Saturday to Monday, 48 h; no service.
    rec("E", priority="P4", category="Hardware", opened_at="2026-10-10T10:00:00Z",
        resolved_at="2026-10-12T10:00:00Z"),
    # F: cancelled: counted in `cancelled` only.
    rec("F", priority="P2", status="Cancelled", category="Network", service="Telephony",
        opened_at="2026-10-11T10:00:00Z", customers_affected=5000, major=True),
    # G: P2 still open, acknowledged in 25 min (met), escalated; age at the end 11 d 14 h.
    rec("G", priority="P2", status="In Progress", category="Network", service="Telephony",
        opened_at="2026-10-20T10:00:00Z", acknowledged_at="2026-10-20T10:25:00Z",
        escalated_at="2026-10-20T11:00:00Z", customers_affected=200),
    # H: P3 opened in September, resolved 1 Oct 10:00 BST: ttr 263 h, office clock 8 days × 10 h
    # + 2 h = 82 h (breached). Its reopen count is unknown.
    rec("H", category="Hardware", service="CRM", opened_at="2026-09-20T10:00:00Z",
        resolved_at="2026-10-01T09:00:00Z", reopen_count=None, customers_affected=999),
    # I: P3 on hold since August: in the backlog, > 30 days old.
    rec("I", status="On Hold", category="Hardware", service="CRM", opened_at="2026-08-15T10:00:00Z"),
    # J: P2 resolved before it was opened (invalid): counts as resolved, in no duration figure.
    rec("J", priority="P2", status="Resolved", category="Software", service="Email",
        opened_at="2026-10-15T10:00:00Z", resolved_at="2026-10-15T09:00:00Z"),
    # K: P3 opened 4 h before the end of the month, escalation level 2; csat on an open incident.
    rec("K", status="New", category="Software", service="Email", opened_at="2026-10-31T20:00:00Z",
        escalation_level=2, csat=1),
    # L: P2 opened exactly 72 h before the end (3-7d bucket).
    rec("L", priority="P2", status="In Progress", category="Network", service="Telephony",
        opened_at="2026-10-29T00:00:00Z"),
    # M: P4 opened 48 h before the end (1-3d); no category.
    rec("M", priority="P4", status="New", opened_at="2026-10-30T00:00:00Z"),
]
PAUSES = pd.DataFrame({
    "incident_id": ["D"],
    "start": pd.to_datetime(["2026-10-07T12:00:00Z"], utc=True),
    "end": pd.to_datetime(["2026-10-08T12:00:00Z"], utc=True),
})


def example(**kwargs) -> IngestResult:
    kwargs.setdefault("pauses", PAUSES)
    kwargs.setdefault("pauses_known", True)
    return IngestResult.from_records(RECORDS, **kwargs)


@pytest.fixture(scope="module")
def ms():
    return compute(example(), CONFIG, OCTOBER)


@pytest.fixture(scope="module")
def full(ms):
    """The set's --full JSON object (the typed set read as the documents read it), without the
    breakdowns' extension figures (test_breach_counts_in_every_breakdown covers them)."""
    out = ms.to_dict(full=True)
    for section in (out, out["previous"]):
        for key in ("by_category", "by_service", "by_site", "by_channel", "by_assignment_group"):
            for figures in section[key].values():
                for name in GROUP_EXTENSIONS:
                    figures.pop(name)
    return out


def test_breach_counts_in_every_breakdown(ms):
    """resolution_sla_breaches = the SLA base minus those within target, in the totals, each
    priority and every breakdown (what the findings' concentration of misses reads)."""
    groups = [ms.totals, *ms.by_priority.values()]
    for key in ("by_category", "by_service", "by_site"):
        groups += list(getattr(ms, key).values())
    checked = 0
    for f in groups:
        if f.resolution_sla_base:
            met = round(f.resolution_sla_base * f.resolution_sla_pct / 100)
            assert f.resolution_sla_breaches == f.resolution_sla_base - met
            checked += 1
        else:
            assert f.resolution_sla_breaches in (0, None)
    assert checked >= 5 and ms.totals.resolution_sla_breaches > 0


# ---- per-incident SLA ---------------------------------------------------------------------

def test_incident_sla():
    s = incident_sla(example(), CONFIG).set_index("incident_id")
    assert s.loc["C", "ttr_hours"] == 92.0
    assert s.loc["C", "resolve_clock_hours"] == 16.0
    assert s.loc["C", "respond_clock_hours"] == 1.5
    assert s.loc["C", "pause_hours"] == 0.0
    assert s.loc["D", "ttr_hours"] == 54.0
    assert s.loc["D", "pause_hours"] == 10.0
    assert s.loc["D", "resolve_clock_hours"] == 16.0
    assert s.loc["D", "response_pause_hours"] == 1.5
    assert s.loc["D", "respond_clock_hours"] == 4.0
    assert bool(s.loc["D", "response_sla_met"]) is True  # 4 h ≤ 4 h
    assert s.loc["H", "resolve_clock_hours"] == 82.0
    assert bool(s.loc["H", "resolution_sla_met"]) is False
    assert s.loc["A", "calendar"] == "24x7" and s.loc["C", "calendar"] == "office"
    assert s.loc["A", "resolve_target_hours"] == 4.0 and s.loc["A", "respond_target_hours"] == 0.25
    assert bool(s.loc["B", "response_sla_met"]) is False
    # No target (P4), open (G), negative (J), cancelled (F): no result.
    for i in ("E", "G", "J", "F", "I"):
        assert pd.isna(s.loc[i, "resolution_sla_met"]), i
    assert s.loc["J", "ttr_hours"] == -1.0
    assert str(s["resolution_sla_met"].dtype) == "boolean"
    assert incident_sla(example(), CONFIG).index.equals(example().incidents.index)


def test_without_known_pauses_nothing_is_subtracted():
    s = incident_sla(example(pauses_known=False), CONFIG).set_index("incident_id")
    assert np.isnan(s.loc["D", "pause_hours"])
    assert s.loc["D", "resolve_clock_hours"] == 26.0
    assert bool(s.loc["D", "resolution_sla_met"]) is False


# ---- totals: every SPEC §4 figure -----------------------------------------------------------

def test_totals(ms):
    assert ms.totals.opened == 10 and ms.totals.contacts_affected is None  # no contacts_affected here
    t = ms.to_dict()["totals"]
    assert list(t) == list(TOTAL_KEYS)
    assert t["opened"] == 10  # A B C D E G J K L M
    assert t["resolved"] == 7  # A B C D E H J
    assert t["cancelled"] == 1  # F
    assert t["backlog_end"] == 5  # G I K L M
    assert t["major"] == 1  # A (F is cancelled)
    # ttr over resolved, J excluded: 3, 6, 48, 54, 92, 263.
    assert t["mttr_hours"] == pytest.approx(466 / 6)
    assert t["median_ttr_hours"] == 51.0
    assert t["p90_ttr_hours"] == pytest.approx(92 + 0.5 * (263 - 92))
    # tta over opened with acknowledged_at: 10 min, 20 min, 63.5 h, 5.5 h, 25 min.
    assert t["mtta_hours"] == pytest.approx((10 / 60 + 20 / 60 + 63.5 + 5.5 + 25 / 60) / 5)
    # A met, B breached, C met, D met (after the pause), H breached; E has no target; J invalid.
    assert t["resolution_sla_pct"] == pytest.approx(60.0)
    # A met, B breached, C met, D met (exactly 4 h), G met.
    assert t["response_sla_pct"] == pytest.approx(80.0)
    # B reopened; H's count unknown: 1 of the 6 known.
    assert t["reopen_rate_pct"] == pytest.approx(100 / 6)
    # A (level 1, escalated_at), G (escalated_at), K (level 2) of 10 opened.
    assert t["escalation_rate_pct"] == pytest.approx(30.0)
    assert t["customers_affected"] == 350  # A 100 + B 50 + G 200 (F cancelled, H not opened in P)
    assert t["csat_mean"] == pytest.approx(11 / 3)  # A 4, B 2, C 5 (K is not resolved)


def test_by_priority(ms):
    bp = ms.to_dict()["by_priority"]
    assert list(bp) == ["P1", "P2", "P3", "P4", "P5"]  # no Unknown in the input
    assert all(list(v) == list(TOTAL_KEYS) for v in bp.values())
    assert bp["P1"] == {
        "opened": 2, "resolved": 2, "cancelled": 0, "backlog_end": 0, "major": 1,
        "mtta_hours": pytest.approx(0.25), "mttr_hours": 4.5, "median_ttr_hours": 4.5,
        "p90_ttr_hours": pytest.approx(5.7), "resolution_sla_pct": 50.0, "response_sla_pct": 50.0,
        "reopen_rate_pct": 50.0, "escalation_rate_pct": 50.0, "customers_affected": 150, "csat_mean": 3.0,
    }
    assert bp["P2"] == {
        "opened": 3, "resolved": 1, "cancelled": 1, "backlog_end": 2, "major": 0,
        "mtta_hours": pytest.approx(25 / 60), "mttr_hours": None, "median_ttr_hours": None,
        "p90_ttr_hours": None, "resolution_sla_pct": None, "response_sla_pct": 100.0,
        "reopen_rate_pct": 0.0, "escalation_rate_pct": pytest.approx(100 / 3), "customers_affected": 200,
        "csat_mean": None,
    }
    assert bp["P3"] == {
        "opened": 3, "resolved": 3, "cancelled": 0, "backlog_end": 2, "major": 0,
        "mtta_hours": pytest.approx(34.5), "mttr_hours": pytest.approx(409 / 3), "median_ttr_hours": 92.0,
        "p90_ttr_hours": pytest.approx(92 + 0.8 * (263 - 92)), "resolution_sla_pct": pytest.approx(200 / 3),
        "response_sla_pct": 100.0, "reopen_rate_pct": 0.0, "escalation_rate_pct": pytest.approx(100 / 3),
        "customers_affected": None, "csat_mean": 5.0,
    }
    assert bp["P4"] == {
        "opened": 2, "resolved": 1, "cancelled": 0, "backlog_end": 1, "major": 0,
        "mtta_hours": None, "mttr_hours": 48.0, "median_ttr_hours": 48.0, "p90_ttr_hours": 48.0,
        "resolution_sla_pct": None, "response_sla_pct": None, "reopen_rate_pct": 0.0,
        "escalation_rate_pct": 0.0, "customers_affected": None, "csat_mean": None,
    }
    assert bp["P5"] == {k: (0 if k in ("opened", "resolved", "cancelled", "backlog_end", "major") else None)
                        for k in TOTAL_KEYS}


def test_by_category(ms, full):
    assert ms.by_category["Software"].opened == 4
    assert full["by_category"] == {
        "Software": {"opened": 4, "resolved": 3, "mttr_hours": 73.0, "resolution_sla_pct": 100.0},
        "Network": {"opened": 4, "resolved": 2, "mttr_hours": 4.5, "resolution_sla_pct": 50.0},
        "Hardware": {"opened": 1, "resolved": 2, "mttr_hours": 155.5, "resolution_sla_pct": 0.0},
        "Uncategorised": {"opened": 1, "resolved": 0, "mttr_hours": None, "resolution_sla_pct": None},
    }
    assert list(full["by_category"]) == ["Software", "Network", "Hardware", "Uncategorised"]


def test_by_service_and_mtbf(ms, full):
    assert list(ms.by_service) == ["Telephony", "CRM", "Email", "Not recorded"]
    assert ms.by_service["Telephony"].mtbf_hours == pytest.approx((745 - 359) / 4)
    tel = full["by_service"]["Telephony"]
    assert (tel["opened"], tel["resolved"], tel["mttr_hours"], tel["resolution_sla_pct"]) == (4, 2, 4.5, 50.0)
    # P1/P2 opened in October: A 3 h, B 6 h, G open to the end (278 h), L open to the end (72 h,
    # inside G's outage; SPEC §4 sums outage hours, so it counts again): (745 − 359) ÷ 4.
    assert tel["mtbf_hours"] == pytest.approx((745 - 359) / 4)
    assert full["by_service"]["CRM"] == {"opened": 2, "resolved": 3, "mttr_hours": pytest.approx(409 / 3),
                                    "resolution_sla_pct": pytest.approx(200 / 3), "mtbf_hours": None}
    assert ms.by_service["Email"].mttr_hours is None  # J is invalid
    assert ms.by_service["Not recorded"].opened == 2  # E and M


def test_other_breakdowns(ms, full):
    assert full["by_site"] == {
        "Leeds": {"opened": 1, "resolved": 1, "mttr_hours": 3.0, "resolution_sla_pct": 100.0},
        "Glasgow": {"opened": 1, "resolved": 1, "mttr_hours": 6.0, "resolution_sla_pct": 0.0},
        "Not recorded": {"opened": 8, "resolved": 5, "mttr_hours": pytest.approx((92 + 54 + 48 + 263) / 4),
                         "resolution_sla_pct": pytest.approx(200 / 3)},
    }
    assert list(ms.by_site) == ["Not recorded", "Glasgow", "Leeds"]  # ties: by name
    # Fields the input does not have at all: no breakdown.
    assert ms.by_channel == {} and ms.by_assignment_group == {}


def test_trend(ms, full):
    assert [t.month for t in ms.trend] == [f"{y}-{m:02d}" for y, m in
                                              [(2025, 11), (2025, 12)] + [(2026, i) for i in range(1, 11)]]
    by_month = {t["month"]: t for t in full["trend"]}
    assert by_month["2026-08"] == {"month": "2026-08", "opened": 1, "resolved": 0, "mttr_hours": None,
                                   "resolution_sla_pct": None, "backlog_end": 1, "covered": True}
    assert by_month["2026-09"] == {"month": "2026-09", "opened": 1, "resolved": 0, "mttr_hours": None,
                                   "resolution_sla_pct": None, "backlog_end": 2, "covered": True}
    assert by_month["2026-10"] == {"month": "2026-10", "opened": 10, "resolved": 7,
                                   "mttr_hours": pytest.approx(466 / 6), "resolution_sla_pct": pytest.approx(60.0),
                                   "backlog_end": 5, "covered": True}
    # Before the export's first record (SPEC §4 Coverage): not covered, every figure null.
    assert by_month["2025-11"]["opened"] is None and by_month["2025-11"]["mttr_hours"] is None
    assert by_month["2025-11"]["covered"] is False


def test_weekly(ms, full):
    assert ms.weekly[0].week_start == "2026-09-28"
    assert full["weekly"] == [
        {"week_start": "2026-09-28", "opened": 2, "resolved": 2},  # A C / A H
        {"week_start": "2026-10-05", "opened": 3, "resolved": 3},  # B D E / B C D
        {"week_start": "2026-10-12", "opened": 1, "resolved": 2},  # J / E J
        {"week_start": "2026-10-19", "opened": 1, "resolved": 0},  # G
        {"week_start": "2026-10-26", "opened": 3, "resolved": 0},  # K L M
    ]


def test_ageing(ms):
    zero = dict.fromkeys(AGE_BUCKETS, 0)
    assert ms.ageing.buckets == list(AGE_BUCKETS)
    assert ms.ageing.by_priority == {
        "P1": zero,
        "P2": {**zero, "3-7d": 1, "7-30d": 1},  # L exactly 72 h, G
        "P3": {**zero, "0-1d": 1, ">30d": 1},  # K, I
        "P4": {**zero, "1-3d": 1},  # M exactly 48 h
        "P5": zero,
    }
    assert ms.ageing.total == {"0-1d": 1, "1-3d": 1, "3-7d": 1, "7-30d": 1, ">30d": 1}


def test_major_incidents(ms, full):
    assert [m.incident_id for m in ms.major_incidents] == ["A"]
    assert full["major_incidents"] == [{
        "incident_id": "A", "title": "Incident A", "priority": "P1", "category": "Network",
        "service": "Telephony", "site": "Leeds", "status": "Closed",
        "opened_at": "2026-10-01T11:00:00+01:00", "resolved_at": "2026-10-01T14:00:00+01:00",
        "duration_hours": 3.0, "customers_affected": 100, "contacts_affected": None,
        "resolution_sla_met": True, "problem_id": "PRB1",
        "review_due": "2026-10-08",  # 1 October + 5 working days
    }]


def test_problem_candidates(ms, full):
    """Four Network/Telephony incidents over four weeks with different titles, and a Software/CRM
    pair five days apart, are ordinary: no candidate (the rule and its scenarios are in
    test_problems.py). A, linked to PRB1, is a known problem instead."""
    assert ms.problem_candidates == [] and full["problem_candidates"] == []
    assert full["known_problems"] == [
        {"problem_id": "PRB1", "count": 1, "incident_ids": ["A"], "service": "Telephony", "category": "Network",
         "title": "Incident A"},
    ]
    assert full["problem_rules"] == {"min_count": 3, "window_days": 7, "repeat_days": 7,
                                     "title_similarity": 0.75, "significance": 0.001}


def test_previous_period(ms, full):
    prev = ms.previous
    assert prev.period.month == "2026-09"
    assert prev.totals.opened == 1  # H
    assert prev.totals.resolved == 0
    assert prev.totals.backlog_end == 2  # H and I at 1 October
    assert full["previous"]["by_category"] == {"Hardware": {"opened": 1, "resolved": 0, "mttr_hours": None,
                                                "resolution_sla_pct": None}}


# ---- the JSON contract ----------------------------------------------------------------------

SPEC_KEYS = ["format_version", "period", "totals", "by_priority", "by_category", "trend", "data_quality"]
FULL_KEYS = SPEC_KEYS + ["fields", "targets", "sla", "previous", "by_service", "by_site", "by_channel",
                         "by_assignment_group", "by_extra", "weekly", "ageing", "major_incidents", "problem_candidates",
                         "known_problems", "problem_rules", "breaches", "sla_agreement", "contacts", "coverage",
                         "baseline"]


def test_to_dict_shapes(ms):
    d = ms.to_dict()
    assert list(d) == SPEC_KEYS
    assert d["format_version"] == FORMAT_VERSION == 1
    assert d["period"] == {"start": "2026-10-01T00:00:00+01:00", "end": "2026-11-01T00:00:00+00:00",
                           "timezone": "Europe/London"}
    assert all(list(v) == list(GROUP_KEYS) for v in d["by_category"].values())
    assert len(d["trend"]) == 12
    assert list(d["data_quality"]) == ["rows_read", "incidents", "rows_rejected", "duplicates",
                                       "negative_durations", "resolved_from_closed", "unknown_priority",
                                       "dst_adjusted", "unparsed_timestamps", "resolved_from_history",
                                       "resolved_from_status_category", "issues"]
    full = ms.to_dict(full=True)
    assert list(full) == FULL_KEYS
    assert full["period"]["label"] == "October 2026" and full["period"]["month"] == "2026-10"
    assert full["sla"] == {"P1": {"respond_hours": 0.25, "resolve_hours": 4.0, "calendar": "24x7"},
                           "P2": {"respond_hours": 0.5, "resolve_hours": 8.0, "calendar": "24x7"},
                           "P3": {"respond_hours": 4.0, "resolve_hours": 24.0, "calendar": "office"}}
    # No built-in targets: the echo is null until the config sets one, then that value.
    assert full["targets"]["resolution_sla_pct"] is None
    with_target = CONFIG.model_copy(update={"targets": Targets(resolution_sla_pct=95)})
    assert compute(example(), with_target, OCTOBER).to_dict(full=True)["targets"]["resolution_sla_pct"] == 95.0
    assert list(full["previous"]) == ["period", "totals", "by_priority", "by_category", "by_service", "by_site",
                                      "by_channel", "by_assignment_group", "covered"]
    assert full["coverage"] == {"first_record": "2026-08-15T11:00:00+01:00",
                                "last_record": "2026-10-31T20:00:00+00:00", "first_month": "2026-08",
                                "last_month": "2026-10", "covered": True}
    assert full["previous"]["period"]["month"] == "2026-09"
    assert "acknowledged_at" in full["fields"] and "channel" not in full["fields"]
    assert full["contacts"] is None
    # Plain JSON: no NaN, no numpy types.
    text = json.dumps(full, allow_nan=False)
    assert json.loads(text)["totals"]["opened"] == 10
    assert type(d["totals"]["opened"]) is int and type(d["totals"]["mttr_hours"]) is float


def test_data_quality_is_passed_through():
    q = DataQuality(rows_read=20, incidents=13, duplicates=7, negative_durations=1)
    q.add(4, "resolved_at", "before opened_at")
    d = compute(example(quality=q), CONFIG, OCTOBER).to_dict()["data_quality"]
    assert (d["rows_read"], d["duplicates"], d["negative_durations"]) == (20, 7, 1)
    assert d["issues"] == [{"row": 4, "field": "resolved_at", "problem": "before opened_at"}]


# ---- null rules -------------------------------------------------------------------------------

COUNTS = ("opened", "resolved", "cancelled", "backlog_end", "major")
#: A coverage that covers every month: the figures of a quiet month inside an export.
EVERY_MONTH = Coverage("", "", "0000-01", "9999-12")


def test_empty_input_counts_zero_statistics_null():
    empty = IngestResult.from_records([], fields=frozenset({"incident_id", "opened_at", "resolved_at", "status",
                                                             "major", "acknowledged_at", "csat"}))
    # An export without records covers no month (SPEC §4 Coverage): every figure null, counts too.
    ms = compute(empty, CONFIG, OCTOBER)
    assert not ms.covered and ms.coverage == Coverage()
    assert all(getattr(ms.totals, k) is None for k in TOTAL_KEYS)
    assert [t.opened for t in ms.trend] == [None] * 12 and not any(t.covered for t in ms.trend)
    # Within coverage, counts over an empty set are 0 and statistics null.
    ms = compute(empty, CONFIG, OCTOBER, coverage=EVERY_MONTH)
    assert all(getattr(ms.totals, k) == 0 for k in COUNTS)
    assert all(getattr(ms.totals, k) is None for k in TOTAL_KEYS if k not in COUNTS)
    assert list(ms.by_priority) == ["P1", "P2", "P3", "P4", "P5"]
    assert ms.by_category == {} and ms.major_incidents == [] and ms.problem_candidates == [] == ms.known_problems
    assert [t.opened for t in ms.trend] == [0] * 12
    json.dumps(ms.to_dict(full=True), allow_nan=False)


def test_a_quiet_month_is_null_not_zero():
    ms = compute(example(), CONFIG, resolve_period(CONFIG, month="2026-06"), coverage=EVERY_MONTH)
    assert ms.totals.opened == 0 and ms.totals.mttr_hours is None
    assert ms.totals.escalation_rate_pct is None and ms.totals.customers_affected is None
    assert ms.totals.backlog_end == 0


def drop(*names: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k not in names} for r in RECORDS]


def test_absent_fields_are_null():
    ms = compute(IngestResult.from_records(drop("acknowledged_at", "customers_affected", "csat", "reopen_count",
                                                "escalated_at", "escalation_level", "major")), CONFIG, OCTOBER)
    for key in ("mtta_hours", "response_sla_pct", "customers_affected", "csat_mean", "reopen_rate_pct",
                "escalation_rate_pct", "major"):
        assert getattr(ms.totals, key) is None, key
        assert getattr(ms.by_priority["P1"], key) is None, key
    assert ms.major_incidents == []
    assert ms.totals.opened == 10 and ms.totals.mttr_hours == pytest.approx(466 / 6)


def test_escalation_from_either_field():
    only_level = compute(IngestResult.from_records(drop("escalated_at")), CONFIG, OCTOBER)
    assert only_level.totals.escalation_rate_pct == pytest.approx(20.0)  # A and K
    only_time = compute(IngestResult.from_records(drop("escalation_level")), CONFIG, OCTOBER)
    assert only_time.totals.escalation_rate_pct == pytest.approx(20.0)  # A and G


def test_without_resolved_at_resolution_figures_are_null():
    ms = compute(IngestResult.from_records(drop("resolved_at")), CONFIG, OCTOBER)
    for key in ("resolved", "backlog_end", "mttr_hours", "median_ttr_hours", "p90_ttr_hours",
                "resolution_sla_pct", "reopen_rate_pct", "csat_mean"):
        assert getattr(ms.totals, key) is None, key
    assert ms.totals.opened == 10
    assert ms.trend[-1].resolved is None and ms.trend[-1].backlog_end is None
    assert ms.ageing.total == dict.fromkeys(AGE_BUCKETS, None)


def test_without_status_cancelled_is_null():
    ms = compute(IngestResult.from_records(drop("status")), CONFIG, OCTOBER)
    assert ms.totals.cancelled is None
    assert ms.totals.opened == 11  # F is no longer known to be cancelled


def test_no_sla_config_means_null_attainment():
    ms = compute(example(), Config(timezone="Europe/London"), OCTOBER)
    assert ms.totals.resolution_sla_pct is None and ms.totals.response_sla_pct is None
    assert ms.totals.mttr_hours == pytest.approx(466 / 6)


def test_unknown_priority_row_appears_only_when_present():
    records = RECORDS + [rec("U", priority="Unknown", opened_at="2026-10-03T10:00:00Z",
                             resolved_at="2026-10-03T12:00:00Z")]
    ms = compute(IngestResult.from_records(records), CONFIG, OCTOBER)
    assert list(ms.by_priority) == ["P1", "P2", "P3", "P4", "P5", "Unknown"]
    assert ms.by_priority["Unknown"].opened == 1 and ms.by_priority["Unknown"].mttr_hours == 2.0
    assert ms.by_priority["Unknown"].resolution_sla_pct is None
    assert list(ms.ageing.by_priority) == ["P1", "P2", "P3", "P4", "P5", "Unknown"]


def test_custom_range_trend_ends_with_the_month_of_its_last_day():
    p = resolve_period(CONFIG, start="2026-09-25", end="2026-10-08")
    ms = compute(example(), CONFIG, p)
    assert ms.trend[-1].month == "2026-10"
    assert ms.period.month is None
    assert ms.totals.opened == 4  # A C B D
    assert ms.previous.period.start.isoformat() == "2026-09-12T00:00:00+01:00"
    assert ms.weekly[0].week_start == "2026-09-21"


# ---- renderings -------------------------------------------------------------------------------

def test_format_table(ms):
    text = format_table(ms)
    assert "October 2026" in text
    assert "Mean time to resolve" in text and "77.7 h" in text
    assert "Resolution SLA met" in text and "60.0 %" in text
    assert "Mean time to acknowledge" in text and "839 min" in text
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip().startswith("P")}
    assert "–" in lines["P5"]  # nulls are dashes, never 0.0
    assert "Software" in text and "Data quality" in text


def test_format_csv(ms):
    import csv
    import io

    rows = list(csv.reader(io.StringIO(format_csv(ms, by="priority"))))
    assert rows[0][:3] == ["period_start", "period_end", "priority"]
    # The SPEC §4 figures in their JSON order, then the extensions (--full figures).
    assert rows[0][3:3 + len(TOTAL_KEYS)] == list(TOTAL_KEYS) and rows[0][3:] == list(keys("totals"))
    p2 = dict(zip(rows[0], rows[2]))
    assert p2["priority"] == "P2" and p2["opened"] == "3" and p2["mttr_hours"] == ""
    assert format_csv(ms, by="priority").splitlines()[1].startswith('"2026-10-01T00:00:00+01:00",')
    service = list(csv.DictReader(io.StringIO(format_csv(ms, by="service"))))
    assert service[0]["service"] == "Telephony" and float(service[0]["mtbf_hours"]) == (745 - 359) / 4
    trend = list(csv.DictReader(io.StringIO(format_csv(ms, by="trend"))))
    assert len(trend) == 12 and trend[-1]["month"] == "2026-10"
    totals = list(csv.DictReader(io.StringIO(format_csv(ms, by="totals"))))
    assert len(totals) == 1 and float(totals[0]["mttr_hours"]) == 466 / 6
    assert len(list(csv.reader(io.StringIO(format_csv(ms, by="channel"))))) == 1  # header only


def test_csv_neutralises_formulas_in_names():
    records = [rec("Z", category="=HYPERLINK(\"x\")", opened_at="2026-10-03T10:00:00Z")]
    ms = compute(IngestResult.from_records(records), CONFIG, OCTOBER)
    assert "'=HYPERLINK" in format_csv(ms, by="category")


def test_format_csv_rejects_unknown_view(ms):
    from ccreport.errors import UsageError

    with pytest.raises(UsageError, match="--by colour"):
        format_csv(ms, by="colour")


def test_figures_are_the_same_when_only_the_reports_span_is_prepared(monkeypatch):
    """compute() skips incidents that cannot count over the trend + period + previous period;
    every figure must equal the one computed over all incidents (edge cases included: open for
    years, resolved before opened into the span, opened after it, cancelled, no opened_at)."""
    from ccreport import metrics
    from ccreport.metrics import engine, kernels, prepared

    rng = np.random.default_rng(7)
    n = 3000
    opened = pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 4 * 365 * 24, n), unit="h")
    ttr = pd.to_timedelta(rng.integers(-48, 24 * 60, n), unit="h")
    resolved = (opened + ttr).where(rng.random(n) > 0.15)
    records = [
        {"incident_id": f"INC{i:05d}", "opened_at": opened[i].isoformat(),
         "resolved_at": None if pd.isna(resolved[i]) else resolved[i].isoformat(),
         "acknowledged_at": (opened[i] + pd.Timedelta(minutes=int(rng.integers(1, 600)))).isoformat(),
         "priority": f"P{rng.integers(1, 6)}" if rng.random() > 0.02 else "Unknown",
         "status": rng.choice(["New", "In Progress", "Resolved", "Closed", "Cancelled"]),
         "category": rng.choice(["Network", "Software", None]), "service": rng.choice(["Web", "Phone"]),
         "major": bool(rng.random() < 0.05), "reopen_count": int(rng.integers(0, 2)),
         "customers_affected": int(rng.integers(0, 50)), "csat": float(rng.integers(1, 6))}
        for i in range(n)
    ]
    config = Config.model_validate({"calendars": {"office": {}}, "sla": {
        "P1": {"respond": "15m", "resolve": "4h"}, "P3": {"resolve": "24h", "calendar": "office"}}})
    result = IngestResult.from_records(records, fields=frozenset(records[0]))
    for month in ("2025-03", "2026-10"):
        period = resolve_period(config, month=month)
        lo, hi = prepared.window(period)
        assert prepared._relevant(kernels._ns(result.incidents["opened_at"]),
                                  kernels._ns(result.incidents["resolved_at"]), lo, hi).mean() < 0.7
        spanned = metrics.compute(result, config, period).to_dict(full=True)
        with monkeypatch.context() as m:
            m.setattr(engine, "window", lambda p: None)
            everything = metrics.compute(result, config, period).to_dict(full=True)
        assert json.dumps(spanned, sort_keys=True, default=str) == json.dumps(everything, sort_keys=True, default=str)


def test_sla_clocks_timed_in_parts_are_the_same(monkeypatch):
    """_sla times the rows of a calendar in parts (_CHUNK rows, each part on a clock over its
    own span): every clock, result and figure equals the one timed in one go (office hours,
    bank holidays, clock changes, missing and negative times, an event log's pauses)."""
    from ccreport import metrics
    from ccreport.metrics import sla

    rng = np.random.default_rng(11)
    n = 2000
    opened = pd.Timestamp("2025-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 2 * 365 * 24 * 60, n), unit="min")
    resolved = (opened + pd.to_timedelta(rng.integers(-600, 30 * 24 * 60, n), unit="min")).where(rng.random(n) > 0.1)
    acked = (opened + pd.to_timedelta(rng.integers(0, 3 * 24 * 60, n), unit="min")).where(rng.random(n) > 0.2)
    records = [{"incident_id": f"INC{i:05d}", "opened_at": opened[i].isoformat(),
                "resolved_at": None if pd.isna(resolved[i]) else resolved[i].isoformat(),
                "acknowledged_at": None if pd.isna(acked[i]) else acked[i].isoformat(),
                "priority": f"P{rng.integers(1, 6)}", "status": rng.choice(["Resolved", "Closed", "New"])}
               for i in range(n)]
    result = IngestResult.from_records(records, fields=frozenset(records[0]))
    pauses = result.incidents[["incident_id", "opened_at"]].iloc[::7]
    result.pauses = pd.DataFrame({"incident_id": pauses["incident_id"].to_numpy(), "start": pauses["opened_at"].to_numpy(),
                                  "end": (pauses["opened_at"] + pd.Timedelta(hours=5)).to_numpy()})
    for known in (False, True):
        result.pauses_known = known
        whole = metrics.incident_sla(result, CONFIG)
        ms = compute(result, CONFIG, OCTOBER).to_dict(full=True)
        with monkeypatch.context() as m:
            m.setattr(sla, "_CHUNK", 37)
            pd.testing.assert_frame_equal(metrics.incident_sla(result, CONFIG), whole)
            assert compute(result, CONFIG, OCTOBER).to_dict(full=True) == ms


def test_relevant_rows_match_the_sentinel_reference():
    """_relevant compares the raw ticks (no copies with _NAT turned into _BIG); the same rows
    as the reference that makes "never" explicit first, missing times and edges included."""
    from ccreport.metrics import kernels, prepared

    rng = np.random.default_rng(3)
    lo, hi = 1_000, 2_000
    opened = rng.choice([kernels._NAT, 0, 999, 1_000, 1_500, 1_999, 2_000, 3_000], 5000)
    resolved = rng.choice([kernels._NAT, 0, 999, 1_000, 1_500, 1_999, 2_000, 3_000], 5000)
    o = np.where(opened == kernels._NAT, kernels._BIG, opened)
    r = np.where(resolved == kernels._NAT, kernels._BIG, resolved)
    reference = ((o < hi) & (r >= lo)) | ((o >= lo) & (o < hi)) | ((r >= lo) & (r < hi))
    assert np.array_equal(prepared._relevant(opened, resolved, lo, hi), reference)


@pytest.mark.parametrize("chunks", [1, 3, 7])
def test_take_rows_is_iloc_without_joining_chunks(chunks):
    """kernels.take_rows gives what .iloc gives (values, dtype, index, order, repeats, missing
    values), over a text column of several Arrow chunks taken chunk by chunk."""
    import pyarrow as pa

    from ccreport.metrics.kernels import take_rows

    values = [None if i % 11 == 0 else f"title {i}" for i in range(70)]
    size = -(-len(values) // chunks)
    arrow = pa.chunked_array([pa.array(values[i:i + size], pa.large_string()) for i in range(0, len(values), size)])
    column = pd.Series(pd.array(arrow, dtype="str"), index=pd.RangeIndex(100, 170), name="title")
    assert column.array._pa_array.num_chunks == chunks
    for rows in ([], [5], [69, 0, 33, 33, 11, 12], list(range(69, -1, -3))):
        rows = np.array(rows, dtype=np.int64)
        got, want = take_rows(column, rows), column.iloc[rows]
        assert got.dtype == want.dtype and got.name == want.name
        pd.testing.assert_series_equal(got, want)


def test_contacts_affected_sums_like_customers_affected():
    """contacts_affected is a figure (issue 12): the sum over opened in P of the recorded values,
    in totals and by_priority of --full output only (not a SPEC §4 core key)."""
    records = [{**r, "contacts_affected": n} for r, n in zip(RECORDS, [10, 5, None, None, None, 900, 20,
                                                                         7, None, None, None, None, None])]
    ms = compute(IngestResult.from_records(records), CONFIG, OCTOBER)
    assert ms.totals.contacts_affected == 35  # A 10 + B 5 + G 20 (F cancelled, H not opened in P)
    assert ms.by_priority["P1"].contacts_affected == 15 and ms.by_priority["P3"].contacts_affected is None
    assert "contacts_affected" not in ms.to_dict()["totals"]
    full = ms.to_dict(full=True)
    assert full["totals"]["contacts_affected"] == 35 and full["by_priority"]["P2"]["contacts_affected"] == 20
    assert full["previous"]["totals"]["contacts_affected"] == 7  # H, opened in September
    assert "contacts_affected" not in full["by_category"]["Network"]


def test_json_round_trip(ms):
    """A saved metrics file reads back into the same set."""
    from ccreport.metrics import MetricSet

    text = ms.to_json(full=True)
    assert MetricSet.from_json(text).to_json(full=True) == text


def test_trend_and_weekly_use_the_registry_functions(ms):
    """The trend's month and the week are group codes of the same figure functions: the month
    of P in the trend equals P's totals; the weeks add up to P's totals."""
    last = ms.trend[-1]
    assert (last.opened, last.resolved, last.mttr_hours, last.resolution_sla_pct, last.backlog_end) == (
        ms.totals.opened, ms.totals.resolved, ms.totals.mttr_hours, ms.totals.resolution_sla_pct,
        ms.totals.backlog_end)
    assert sum(w.opened for w in ms.weekly) == ms.totals.opened
    assert sum(w.resolved for w in ms.weekly) == ms.totals.resolved


def test_prepared_values_follow_the_kept_rows():
    """_Data.values(name): a column of the frame aligned with the prepared rows, also when the
    span keeps only some incidents (what a figure over an existing field reads)."""
    from ccreport.metrics.prepared import _prepare, window

    records = [rec("OLD", opened_at="2020-01-01T10:00:00Z", resolved_at="2020-01-02T10:00:00Z", reassignment_count=7),
               rec("NEW", opened_at="2026-10-03T10:00:00Z", resolved_at="2026-10-03T12:00:00Z", reassignment_count=2),
               rec("BLANK", opened_at="2026-10-04T10:00:00Z")]
    result = IngestResult.from_records(records)
    d = _prepare(result, CONFIG, window(OCTOBER))
    assert d.n == 2  # the 2020 incident cannot count in any figure of the report's span
    values = d.values("reassignment_count")
    assert values[0] == 2 and np.isnan(values[1])
    assert d.values("reassignment_count") is values  # computed once
