"""Contact-centre interval data: loading and validation, period and channel figures, and the
impact of an incident against the same-time baseline of previous weeks."""

from __future__ import annotations

import pandas as pd
import pytest

from ccreport.config import Config
from ccreport.ingest.contacts import load_contacts
from ccreport.metrics.contacts import (
    incident_contact_impact,
    period_contacts,
    sl_method,
    summarise,
)
from ccreport.errors import IngestError
from ccreport.ingest.result import IngestResult
from ccreport.metrics import compute
from ccreport.period import resolve_period

CONFIG = Config(timezone="Europe/London")
HEADER = "interval_start,channel,offered,answered,abandoned,answered_in_sl,handle_seconds\n"


def write(tmp_path, body: str, name: str = "contacts.csv"):
    p = tmp_path / name
    p.write_text(HEADER + body, encoding="utf-8")
    return p


def test_load_types_offsets_and_naive_local_times(tmp_path):
    p = write(tmp_path, (
        "2026-10-06T09:30:00+01:00,Voice,10,9,1,8,1800\n"
        "2026-10-06 09:00,Voice,20,18,2,15,3600.5\n"  # naive: London local time (BST)
        "2026-10-06T08:00:00Z,Chat,5,5,0,5,600\n"
    ))
    df = load_contacts(p, CONFIG)
    assert list(df.columns) == ["interval_start", "channel", "offered", "answered", "abandoned",
                                "answered_in_sl", "handle_seconds"]
    assert str(df["interval_start"].dtype) == "datetime64[ns, UTC]"
    assert df["interval_start"].dt.strftime("%H:%M").tolist() == ["08:00", "08:00", "08:30"]
    assert df["channel"].tolist() == ["Chat", "Voice", "Voice"]
    assert df["offered"].dtype == "int64" and df["handle_seconds"].dtype == "float64"
    assert df.attrs["interval"] == pd.Timedelta(minutes=30)


def test_semicolons_bom_and_header_case(tmp_path):
    p = tmp_path / "c.csv"
    p.write_bytes(("\ufeffInterval_Start;Channel;Offered;Answered;Abandoned;Answered_In_SL;Handle_Seconds\n"
                   "2026-10-06T09:00:00Z;Voice;1;1;0;1;60\n").encode("utf-8"))
    assert len(load_contacts(p, CONFIG)) == 1


def test_repeated_autumn_hour_in_local_time(tmp_path):
    p = write(tmp_path, (
        "2026-10-25 01:00,Voice,1,1,0,1,60\n"
        "2026-10-25 01:30,Voice,1,1,0,1,60\n"
        "2026-10-25 01:00,Voice,2,2,0,2,60\n"  # the second 01:00 (GMT)
        "2026-10-25 01:30,Voice,2,2,0,2,60\n"
    ))
    df = load_contacts(p, CONFIG)
    assert df["interval_start"].dt.strftime("%H:%M").tolist() == ["00:00", "00:30", "01:00", "01:30"]
    assert df["offered"].tolist() == [1, 1, 2, 2]


@pytest.mark.parametrize(
    "body, message",
    [
        ("2026-10-06T09:00:00Z,Voice,ten,9,1,8,1800\n", r"row 2, column offered: 'ten' is not a number"),
        ("2026-10-06T09:00:00Z,Voice,10,9,1,8,1800\n2026-10-06T09:30:00Z,Voice,10,,1,8,1800\n",
         "row 3, column answered: is empty"),
        ("2026-10-06T09:00:00Z,Voice,10,9,-1,8,1800\n", "column abandoned: -1 is negative"),
        ("2026-10-06T09:00:00Z,Voice,10.5,9,1,8,1800\n", "not a whole number"),
        ("2026-10-06T09:00:00Z,Voice,10,11,0,8,1800\n", "answered: 11 is more than offered"),
        ("2026-10-06T09:00:00Z,Voice,10,9,1,10,1800\n", "answered_in_sl: 10 is more than answered"),
        ("2026-10-06T09:00:00Z,,10,9,1,8,1800\n", "column channel: is empty"),
        ("yesterday,Voice,10,9,1,8,1800\n", "column interval_start: 'yesterday' is not a date-time"),
        ("2026-10-06T09:00:00Z,Voice,10,9,1,8,1800\n2026-10-06T10:00:00+01:00,Voice,1,1,0,1,1\n",
         "row 3, column interval_start: .* appears twice"),
    ],
)
def test_bad_rows_are_one_line_errors_naming_file_row_and_column(tmp_path, body, message):
    # Rows are spreadsheet rows, as in every ingest message: the header is row 1.
    p = write(tmp_path, body)
    with pytest.raises(IngestError, match=message) as info:
        load_contacts(p, CONFIG)
    assert str(p) in str(info.value) and "\n" not in str(info.value)


def test_missing_columns_and_missing_file(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("interval_start,channel,offered\n2026-10-06T09:00:00Z,Voice,1\n", encoding="utf-8")
    with pytest.raises(IngestError, match="missing column.*answered, abandoned, answered_in_sl, handle_seconds"):
        load_contacts(p, CONFIG)
    with pytest.raises(IngestError, match="not found"):
        load_contacts(tmp_path / "nope.csv", CONFIG)


def test_summary_definitions_and_nulls():
    sums = {"offered": 200.0, "answered": 180.0, "abandoned": 20.0, "answered_in_sl": 144.0,
            "handle_seconds": 54_000.0}
    s = summarise(sums, CONFIG)
    assert s == {"offered": 200, "answered": 180, "abandoned": 20, "service_level_pct": 72.0,
                 "abandonment_pct": 10.0, "aht_seconds": 300.0}
    by_answered = Config(timezone="Europe/London", contacts={"sl_denominator": "answered"})
    assert summarise(sums, by_answered)["service_level_pct"] == 80.0
    assert sl_method(CONFIG) == "answered within threshold ÷ offered"
    assert sl_method(by_answered) == "answered within threshold ÷ answered"
    zero = summarise(dict.fromkeys(sums, 0.0), CONFIG)
    assert zero["offered"] == 0 and zero["service_level_pct"] is None and zero["aht_seconds"] is None
    assert summarise(None, CONFIG) == dict.fromkeys(s, None)


def intervals(tmp_path, rows: list[tuple[str, str, int, int, int, int, float]]):
    body = "".join(",".join(str(v) for v in r) + "\n" for r in rows)
    return load_contacts(write(tmp_path, body), CONFIG)


def test_period_and_channel_figures(tmp_path):
    df = intervals(tmp_path, [
        ("2026-09-30T23:30:00Z", "Voice", 100, 100, 0, 100, 100),  # 1 Oct 00:30 BST: inside October
        ("2026-10-06T08:00:00Z", "Voice", 10, 8, 2, 6, 2400),
        ("2026-10-06T08:00:00Z", "Chat", 30, 30, 0, 27, 9000),
        ("2026-11-01T00:00:00Z", "Voice", 50, 50, 0, 50, 50),  # November
    ])
    out = period_contacts(df, *_october(), CONFIG)
    assert out["sl_method"] == "answered within threshold ÷ offered"
    assert out["period"] == {"offered": 140, "answered": 138, "abandoned": 2,
                             "service_level_pct": pytest.approx(100 * 133 / 140),
                             "abandonment_pct": pytest.approx(100 * 2 / 140),
                             "aht_seconds": pytest.approx(11_500 / 138)}
    assert list(out["by_channel"]) == ["Voice", "Chat"]  # largest offered first
    assert out["by_channel"]["Chat"]["service_level_pct"] == 90.0


def _october():
    p = resolve_period(CONFIG, month="2026-10")
    return p.start, p.end


def test_incident_window_and_baseline(tmp_path):
    rows = []
    # Tuesday 6 Oct 2026 (BST) and the four Tuesdays before it, 30-minute intervals 09:00-11:00.
    for week, (offered, in_sl) in enumerate([(40, 10), (20, 18), (20, 16), (24, 18), (16, 12)]):
        day = pd.Timestamp("2026-10-06") - pd.Timedelta(weeks=week)
        for slot in ("09:00", "09:30", "10:00", "10:30"):
            rows.append((f"{day:%Y-%m-%d}T{slot}:00+01:00", "Voice", offered, offered - 2, 2, in_sl, 600 * (offered - 2)))
    df = intervals(tmp_path, rows)
    # 09:10 → 10:05 overlaps the 09:00, 09:30 and 10:00 intervals.
    out = incident_contact_impact(df, pd.Timestamp("2026-10-06T09:10:00+01:00"),
                                  pd.Timestamp("2026-10-06T10:05:00+01:00"), CONFIG)
    assert out["baseline_weeks"] == 4
    assert out["during"] == {"offered": 120, "answered": 114, "abandoned": 6,
                             "service_level_pct": 25.0, "abandonment_pct": 5.0, "aht_seconds": 600.0}
    # Baseline: 3 intervals in each of 4 weeks; offered (20 + 20 + 24 + 16) × 3 / 4 per week.
    b = out["baseline"]
    assert b["offered"] == 60.0 and b["answered"] == 54.0 and b["abandoned"] == 6.0
    assert b["service_level_pct"] == pytest.approx(100 * (18 + 16 + 18 + 12) * 3 / 240)
    assert b["abandonment_pct"] == pytest.approx(10.0) and b["aht_seconds"] == 600.0


def test_baseline_skips_weeks_without_data_and_keeps_local_time_across_dst(tmp_path):
    # Incident on Tue 27 Oct 2026 09:00 GMT; baseline Tuesdays are in BST (08:00 UTC).
    rows = [("2026-10-27T09:00:00+00:00", "Voice", 10, 10, 0, 5, 100),
            ("2026-10-20T09:00:00+01:00", "Voice", 20, 20, 0, 20, 200),
            ("2026-10-13T09:00:00+01:00", "Voice", 40, 40, 0, 20, 400),
            ("2026-10-20T10:00:00+01:00", "Voice", 999, 999, 0, 0, 1)]  # another time of day
    df = intervals(tmp_path, rows)
    out = incident_contact_impact(df, pd.Timestamp("2026-10-27T09:00:00Z"), pd.Timestamp("2026-10-27T09:30:00Z"), CONFIG)
    assert out["baseline_weeks"] == 2
    assert out["baseline"]["offered"] == 30.0
    assert out["baseline"]["service_level_pct"] == pytest.approx(100 * 40 / 60)
    empty = incident_contact_impact(df, pd.Timestamp("2025-01-07T09:00:00Z"), pd.Timestamp("2025-01-07T10:00:00Z"), CONFIG)
    assert empty["during"]["offered"] is None and empty["baseline"]["offered"] is None


def test_compute_with_contacts(tmp_path):
    df = intervals(tmp_path, [("2026-10-01T10:00:00Z", "Voice", 10, 9, 1, 5, 900),
                              ("2026-09-24T10:00:00Z", "Voice", 10, 10, 0, 10, 1000)])
    ingest = IngestResult.from_records([
        {"incident_id": "A", "priority": "P1", "major": True, "status": "Resolved",
         "opened_at": "2026-10-01T10:00:00Z", "resolved_at": "2026-10-01T11:00:00Z"},
        {"incident_id": "B", "priority": "P1", "major": True, "status": "In Progress",
         "opened_at": "2026-10-31T22:00:00Z"},
    ])
    ms = compute(ingest, CONFIG, resolve_period(CONFIG, month="2026-10"), contacts=df)
    c = ms.to_dict(full=True)["contacts"]
    assert c["period"]["offered"] == 10
    first = c["incidents"][0]
    assert (first["incident_id"], first["start"], first["end"]) == ("A", "2026-10-01T11:00:00+01:00",
                                                                    "2026-10-01T12:00:00+01:00")
    assert first["during"]["service_level_pct"] == 50.0 and first["baseline"]["service_level_pct"] == 100.0
    assert list(first) == ["incident_id", "start", "end", "during", "baseline"]
    # An unresolved major incident is measured to the end of the period.
    assert c["incidents"][1]["end"] == "2026-11-01T00:00:00+00:00"
    assert c["incidents"][1]["during"]["offered"] is None
    assert compute(ingest, CONFIG, resolve_period(CONFIG, month="2026-10")).contacts is None
