"""The metrics engine against a slow, obviously-correct reference on random incidents.

The reference below is plain Python over a list of dicts: one incident at a time, datetimes and
zoneinfo, the day-stepping business-hours reference from test_calendars, percentiles by the
textbook linear-interpolation formula. Hypothesis feeds both the same random incidents —
cancelled, open, zero-length and negative durations, missing values, On Hold pauses, times
around the October clock change and month ends — and every figure must agree.
"""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccreport.config import Config
from ccreport.ingest.result import IngestResult
from ccreport.metrics import AGE_BUCKETS, compute, keys
from ccreport.metrics.coverage import Coverage

EVERY_MONTH = Coverage("", "", "0000-01", "9999-12")

TOTAL_KEYS = keys("totals", core_only=True)
GROUP_KEYS = keys("groups")
from ccreport.period import month_period, range_period

from .test_calendars import ref_business_hours, ref_pause_hours

UTC = dt.timezone.utc
TZ = "Europe/London"
CONFIG = Config.model_validate(
    {
        "timezone": TZ,
        "calendars": {"office": {"holidays": {"country": "GB", "subdivision": "ENG"}}},
        "sla": {
            "P1": {"respond": "15m", "resolve": "4h"},
            "P2": {"respond": "30m", "resolve": "8h"},
            "P3": {"respond": "4h", "resolve": "24h", "calendar": "office"},
            "P4": {"resolve": "40h", "calendar": "office"},
        },
    }
)
PRIORITIES = ("P1", "P2", "P3", "P4", "P5")


# ---- the reference ----------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    """The q-th quantile by linear interpolation between closest ranks."""
    v = sorted(values)
    pos = q * (len(v) - 1)
    lo = math.floor(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def ratio(num: int, den: int) -> float | None:
    return 100.0 * num / den if den else None


def hours(a: dt.datetime | None, b: dt.datetime | None) -> float | None:
    return None if a is None or b is None else (b - a).total_seconds() / 3600


def sla_results(r: dict, pauses: list[tuple]) -> tuple[bool | None, bool | None]:
    """(resolution met, response met) for one incident, None when there is no result."""
    if r["status"] == "Cancelled":
        return None, None
    target = CONFIG.sla.get(r["priority"])
    if target is None:
        return None, None
    cal = None if target.calendar == "24x7" else CONFIG.calendars[target.calendar]
    res = resp = None
    ttr = hours(r["opened_at"], r["resolved_at"])
    if target.resolve is not None and ttr is not None and ttr >= 0:
        clock = ref_business_hours(r["opened_at"], r["resolved_at"], cal, TZ)
        clock -= ref_pause_hours((r["opened_at"], r["resolved_at"]), pauses, cal, TZ)
        res = clock <= target.resolve
    tta = hours(r["opened_at"], r["acknowledged_at"])
    if target.respond is not None and tta is not None and tta >= 0:
        clock = ref_business_hours(r["opened_at"], r["acknowledged_at"], cal, TZ)
        clock -= ref_pause_hours((r["opened_at"], r["acknowledged_at"]), pauses, cal, TZ)
        resp = clock <= target.respond
    return res, resp


def within(t: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
    return t is not None and start <= t < end


def ref_stats(rows: list[dict], start: dt.datetime, end: dt.datetime) -> dict:
    """Every totals figure over the incidents in `rows` for [start, end)."""
    live = [r for r in rows if r["status"] != "Cancelled"]
    opened = [r for r in live if within(r["opened_at"], start, end)]
    resolved = [r for r in live if within(r["resolved_at"], start, end)]
    ttr = [h for r in resolved if (h := hours(r["opened_at"], r["resolved_at"])) is not None and h >= 0]
    tta = [h for r in opened if (h := hours(r["opened_at"], r["acknowledged_at"])) is not None and h >= 0]
    res = [r["_sla"][0] for r in resolved if r["_sla"][0] is not None]
    resp = [r["_sla"][1] for r in opened if r["_sla"][1] is not None]
    reopen_known = [r for r in resolved if r["reopen_count"] is not None]
    customers = [r["customers_affected"] for r in opened if r["customers_affected"] is not None]
    csat = [r["csat"] for r in resolved if r["csat"] is not None]
    return {
        "opened": len(opened),
        "resolved": len(resolved),
        "cancelled": sum(1 for r in rows if r["status"] == "Cancelled" and within(r["opened_at"], start, end)),
        "backlog_end": sum(1 for r in live if r["opened_at"] < end and (r["resolved_at"] is None or r["resolved_at"] >= end)),
        "major": sum(1 for r in opened if r["major"]),
        "mtta_hours": mean(tta),
        "mttr_hours": mean(ttr),
        "median_ttr_hours": pct(ttr, 0.5) if ttr else None,
        "p90_ttr_hours": pct(ttr, 0.9) if ttr else None,
        "resolution_sla_pct": ratio(sum(res), len(res)),
        "response_sla_pct": ratio(sum(resp), len(resp)),
        "reopen_rate_pct": ratio(sum(1 for r in reopen_known if r["reopen_count"] > 0), len(reopen_known)),
        "escalation_rate_pct": ratio(sum(1 for r in opened if r["escalated_at"] is not None
                                         or (r["escalation_level"] or 0) > 0), len(opened)),
        "customers_affected": sum(customers) if customers else None,
        "csat_mean": mean(csat),
        # Extensions (--full): the SLA bases and the misses in them.
        "resolution_sla_base": len(res),
        "resolution_sla_breaches": len(res) - sum(res),
    }


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=zoneinfo.ZoneInfo(TZ))


def reference(rows: list[dict], pauses: dict[str, list[tuple]], start: dt.datetime, end: dt.datetime,
              last_month: str) -> dict:
    for r in rows:
        r["_sla"] = sla_results(r, pauses.get(r["incident_id"], []))
    out: dict = {"totals": ref_stats(rows, start, end), "by_priority": {}, "by_category": {}}
    labels = list(PRIORITIES) + (["Unknown"] if any(r["priority"] not in PRIORITIES for r in rows) else [])
    for p in labels:
        out["by_priority"][p] = ref_stats([r for r in rows if (r["priority"] if r["priority"] in PRIORITIES else "Unknown") == p], start, end)
    names = sorted({r["category"] or "Uncategorised" for r in rows})
    cats = {}
    for name in names:
        s = ref_stats([r for r in rows if (r["category"] or "Uncategorised") == name], start, end)
        if s["opened"] or s["resolved"]:
            cats[name] = {k: s[k] for k in GROUP_KEYS}
    out["by_category"] = dict(sorted(cats.items(), key=lambda kv: (-kv[1]["opened"], -kv[1]["resolved"], kv[0])))
    year, month = int(last_month[:4]), int(last_month[5:])
    trend = []
    for i in range(12):
        m = month - 11 + i
        y, m = year + (m - 1) // 12, (m - 1) % 12 + 1
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        s = ref_stats(rows, local_midnight(dt.date(y, m, 1)), local_midnight(dt.date(ny, nm, 1)))
        trend.append({"month": f"{y}-{m:02d}", **{k: s[k] for k in ("opened", "resolved", "mttr_hours",
                                                                    "resolution_sla_pct", "backlog_end")}})
    out["trend"] = trend
    ages = dict.fromkeys(AGE_BUCKETS, 0)
    for r in rows:
        if r["status"] != "Cancelled" and r["opened_at"] < end and (r["resolved_at"] is None or r["resolved_at"] >= end):
            age = (end - r["opened_at"]).total_seconds() / 3600
            bucket = "0-1d" if age < 24 else "1-3d" if age < 72 else "3-7d" if age < 168 else "7-30d" if age < 720 else ">30d"
            ages[bucket] += 1
    out["ageing_total"] = ages
    return out


# ---- random incidents ---------------------------------------------------------------------------

ANCHORS = [dt.datetime(2026, 10, 1, 0, tzinfo=UTC), dt.datetime(2026, 10, 25, 1, tzinfo=UTC),
           dt.datetime(2026, 11, 1, 0, tzinfo=UTC), dt.datetime(2026, 10, 12, 12, tzinfo=UTC),
           dt.datetime(2026, 3, 29, 1, tzinfo=UTC), dt.datetime(2026, 6, 15, 12, tzinfo=UTC)]
STATUSES = ["New", "In Progress", "On Hold", "Resolved", "Closed", "Cancelled"]


@st.composite
def incidents(draw, i: int) -> dict:
    opened = draw(st.sampled_from(ANCHORS)) + dt.timedelta(minutes=draw(st.integers(-40 * 1440, 10 * 1440)))

    def maybe_after(lo: int, hi: int) -> dt.datetime | None:
        if draw(st.integers(0, 4)) == 0:
            return None
        return opened + dt.timedelta(minutes=draw(st.one_of(st.just(0), st.integers(lo, hi))))

    return {
        "incident_id": f"INC{i:04d}",
        "priority": draw(st.sampled_from([*PRIORITIES, "Unknown"])),
        "status": draw(st.sampled_from(STATUSES)),
        "category": draw(st.sampled_from([None, "Network", "Software", "Hardware"])),
        "major": draw(st.booleans()),
        "opened_at": opened,
        "acknowledged_at": maybe_after(-60, 3 * 1440),
        "resolved_at": maybe_after(-600, 40 * 1440),
        "escalated_at": maybe_after(0, 1440) if draw(st.booleans()) else None,
        "escalation_level": draw(st.one_of(st.none(), st.integers(0, 2))),
        "reopen_count": draw(st.one_of(st.none(), st.integers(0, 2))),
        "customers_affected": draw(st.one_of(st.none(), st.integers(0, 500))),
        "csat": draw(st.one_of(st.none(), st.integers(1, 5).map(float))),
    }


@st.composite
def datasets(draw) -> tuple[list[dict], dict[str, list[tuple]]]:
    n = draw(st.integers(0, 35))
    rows = [draw(incidents(i)) for i in range(n)]
    pauses: dict[str, list[tuple]] = {}
    for r in rows:
        for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
            start = r["opened_at"] + dt.timedelta(minutes=draw(st.integers(-600, 5 * 1440)))
            end = None if draw(st.integers(0, 6)) == 0 else start + dt.timedelta(minutes=draw(st.integers(0, 3 * 1440)))
            pauses.setdefault(r["incident_id"], []).append((start, end))
    return rows, pauses


PERIODS = [month_period(2026, 10, TZ), month_period(2026, 3, TZ),
           range_period(dt.date(2026, 10, 20), dt.date(2026, 11, 3), TZ)]


def to_ingest(rows: list[dict], pauses: dict[str, list[tuple]]) -> IngestResult:
    def iso(v):
        return v.isoformat() if isinstance(v, dt.datetime) else v

    records = [{k: iso(v) for k, v in r.items() if not k.startswith("_")} for r in rows]
    flat = [(i, s, e) for i, ps in pauses.items() for s, e in ps]
    frame = pd.DataFrame({
        "incident_id": pd.Series([i for i, _, _ in flat], dtype="str"),
        "start": pd.Series(pd.to_datetime([s for _, s, _ in flat], utc=True), dtype="datetime64[ns, UTC]"),
        "end": pd.Series(pd.to_datetime([e for _, _, e in flat], utc=True), dtype="datetime64[ns, UTC]"),
    })
    fields = frozenset(k for r in records for k in r) or frozenset({"incident_id", "opened_at"})
    return IngestResult.from_records(records, pauses=frame, pauses_known=True, fields=fields | {
        "incident_id", "priority", "status", "category", "major", "opened_at", "acknowledged_at", "resolved_at",
        "escalated_at", "escalation_level", "reopen_count", "customers_affected", "csat"})


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(b, str):
        return a == b
    return a == pytest.approx(b, rel=1e-9, abs=1e-9)


def assert_same(got: dict, want: dict, where: str) -> None:
    assert list(got) == list(want), where
    for key in want:
        assert close(got[key], want[key]), f"{where}.{key}: engine {got[key]!r} != reference {want[key]!r}"


@settings(max_examples=70, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(datasets(), st.sampled_from(PERIODS))
def test_engine_matches_reference(data, period):
    rows, pauses = data
    # Every month covered: the figures against the reference (coverage: test_coverage.py).
    ms = compute(to_ingest(rows, pauses), CONFIG, period, coverage=EVERY_MONTH)
    out = ms.to_dict(full=True)
    last_month = period.month or f"{period.last_day:%Y-%m}"
    ref = reference(rows, pauses, period.start.to_pydatetime(), period.end.to_pydatetime(), last_month)
    core = ms.to_dict()
    assert_same(core["totals"], {k: ref["totals"][k] for k in core["totals"]}, "totals")
    for k in ("resolution_sla_base", "resolution_sla_breaches"):
        assert out["totals"][k] == ref["totals"][k], k
    assert list(ms.by_priority) == list(ref["by_priority"])
    for p, want in ref["by_priority"].items():
        assert_same(core["by_priority"][p], {k: want[k] for k in core["by_priority"][p]}, f"by_priority.{p}")
    assert list(ms.by_category) == list(ref["by_category"])
    for name, want in ref["by_category"].items():
        assert_same(out["by_category"][name], want, f"by_category.{name}")
    assert len(ms.trend) == 12
    for got, want in zip(core["trend"], ref["trend"]):
        assert_same(got, want, f"trend.{want['month']}")
    assert ms.ageing.total == ref["ageing_total"]
    assert sum(w.opened for w in ms.weekly) == ref["totals"]["opened"]
    assert sum(w.resolved for w in ms.weekly) == ref["totals"]["resolved"]
    assert set(TOTAL_KEYS) == set(core["totals"])
