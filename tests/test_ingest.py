"""Ingest: readers, presets, normalisation rules (SPEC §3), data quality and errors."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timezone

import numpy as np
import pandas as pd
import pytest

from ccreport.config import Config
from ccreport.errors import IngestError
from ccreport.ingest import load, load_events
from ccreport.ingest.normalise import priority_of_label

from .util import write

UTC = timezone.utc


def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s).tz_convert("UTC") if pd.Timestamp(s).tzinfo else pd.Timestamp(s, tz="UTC")


# --- priorities ------------------------------------------------------------------------------

@pytest.mark.parametrize("label,expected", [
    ("1", "P1"), ("P1", "P1"), ("1 - Critical", "P1"), ("Critical", "P1"), ("Highest", "P1"),
    ("Sev1", "P1"), ("SEV-1", "P1"), ("S1", "P1"), ("sev 2", "P2"),
    ("2", "P2"), ("High", "P2"), ("2 - High", "P2"),
    ("3", "P3"), ("Moderate", "P3"), ("Medium", "P3"), ("3 - Moderate", "P3"),
    ("4", "P4"), ("Low", "P4"), ("4 - Low", "P4"),
    ("5", "P5"), ("Planning", "P5"), ("Lowest", "P5"), ("5 - Planning", "P5"),
    ("bogus", None), ("6", None), ("", None),
])
def test_priority_labels(label, expected):
    assert priority_of_label(label, {}) == expected


def test_priority_matrix_map_and_unknown(tmp_path):
    p = write(tmp_path, "m.csv", "incident_id,opened_at,priority,impact,urgency\n"
              "A,2026-01-05T10:00:00Z,,1,1\nB,2026-01-05T10:00:00Z,,1,2\nC,2026-01-05T10:00:00Z,,2,1\n"
              "D,2026-01-05T10:00:00Z,,1,3\nE,2026-01-05T10:00:00Z,,2,2\nF,2026-01-05T10:00:00Z,,3,1\n"
              "G,2026-01-05T10:00:00Z,,2,3\nH,2026-01-05T10:00:00Z,,3,2\nI,2026-01-05T10:00:00Z,,3,3\n"
              "J,2026-01-05T10:00:00Z,Urgent,,\nK,2026-01-05T10:00:00Z,whatever,1,1\nL,2026-01-05T10:00:00Z,,,\n")
    cfg = Config(priority_map={"Urgent": "P1"})
    r = load([p], cfg)
    got = dict(zip(r.incidents.incident_id, r.incidents.priority.astype(str)))
    assert got == {"A": "P1", "B": "P2", "C": "P2", "D": "P3", "E": "P3", "F": "P3", "G": "P4",
                   "H": "P4", "I": "P5", "J": "P1", "K": "Unknown", "L": "Unknown"}
    assert r.quality.unknown_priority == 2
    assert {i.field for i in r.quality.issues} == {"priority"}


def test_custom_matrix(tmp_path):
    p = write(tmp_path, "m.csv", "incident_id,opened_at,impact,urgency\nA,2026-01-05T10:00:00Z,1,1\n")
    cfg = Config(priority_matrix=[["P2", "P2", "P3"], ["P2", "P3", "P4"], ["P3", "P4", "P5"]])
    assert load([p], cfg).incidents.priority.astype(str).tolist() == ["P2"]


# --- timestamps ------------------------------------------------------------------------------

def test_iso_offsets_are_exact(tmp_path):
    p = write(tmp_path, "t.csv", "incident_id,opened_at\nA,2026-10-03T09:15:00+01:00\nB,2026-10-03T09:15:00Z\n"
              "C,2026-10-03 09:15:00-05:00\n")
    r = load([p], Config(timezone="Europe/London"))
    assert r.incidents.opened_at.tolist() == [ts("2026-10-03T08:15Z"), ts("2026-10-03T09:15Z"), ts("2026-10-03T14:15Z")]


def test_naive_times_are_local_time_and_dst_is_counted(tmp_path):
    # 29 Mar 2026 01:30 does not exist in London (gap): shift forward to 02:00 BST = 01:00Z.
    # 25 Oct 2026 01:30 happens twice: take the first (BST) = 00:30Z.
    p = write(tmp_path, "t.csv", "incident_id,opened_at\nA,2026-03-29 01:30:00\nB,2026-10-25 01:30:00\n"
              "C,2026-07-01 12:00:00\nD,2026-12-01 12:00:00\n")
    r = load([p], Config(timezone="Europe/London"))
    assert r.incidents.opened_at.tolist() == [ts("2026-03-29T01:00Z"), ts("2026-10-25T00:30Z"),
                                              ts("2026-07-01T11:00Z"), ts("2026-12-01T12:00Z")]
    assert r.quality.dst_adjusted == 2


def test_dayfirst_from_evidence_per_column(tmp_path):
    p = write(tmp_path, "t.csv", "incident_id,opened_at,resolved_at\nA,13/02/2026 10:00,01/03/2026 10:00\n"
              "B,01/02/2026 10:00,02/02/2026 11:00\n")
    r = load([p], Config())
    assert r.incidents.opened_at.tolist() == [ts("2026-02-13T10:00Z"), ts("2026-02-01T10:00Z")]
    # resolved_at has no evidence of its own: it follows the file's day-first evidence.
    assert r.incidents.resolved_at.tolist() == [ts("2026-03-01T10:00Z"), ts("2026-02-02T11:00Z")]


def test_monthfirst_from_evidence(tmp_path):
    p = write(tmp_path, "t.csv", "incident_id,opened_at\nA,02/13/2026 10:00 PM\nB,02/01/2026 10:00 AM\n")
    r = load([p], Config())
    assert r.incidents.opened_at.tolist() == [ts("2026-02-13T22:00Z"), ts("2026-02-01T10:00Z")]


def test_contradictory_dayfirst_is_an_error_naming_rows(tmp_path):
    p = write(tmp_path, "t.csv", "incident_id,opened_at\nA,13/02/2026 10:00\nB,02/13/2026 10:00\n")
    with pytest.raises(IngestError, match=r"row 2.*row 3"):
        load([p], Config())


def test_configured_dayfirst_wins(tmp_path):
    p = write(tmp_path, "t.csv", "incident_id,opened_at\nA,01/02/2026 10:00\n")
    assert load([p], Config(dayfirst=False)).incidents.opened_at[0] == ts("2026-01-02T10:00Z")
    assert load([p], Config(dayfirst=True)).incidents.opened_at[0] == ts("2026-02-01T10:00Z")


def test_jira_dates(tmp_path):
    p = write(tmp_path, "t.csv", "incident_id,opened_at\nA,25/Feb/26 10:17 PM\nB,01/Mar/26 12:05 AM\n")
    assert load([p], Config()).incidents.opened_at.tolist() == [ts("2026-02-25T22:17Z"), ts("2026-03-01T00:05Z")]


def test_unreadable_and_impossible_dates_are_reported(tmp_path):
    p = write(tmp_path, "t.csv", "incident_id,opened_at,resolved_at\nA,2026-01-01T10:00:00Z,2026-13-45 10:00\n"
              "B,not a date,\nC,2026-01-01T10:00:00Z,yesterday\n")
    r = load([p], Config())
    assert list(r.incidents.incident_id) == ["A", "C"]
    assert r.quality.rows_rejected == 1
    assert r.quality.unparsed_timestamps == 3
    rows = {(i.row, i.field) for i in r.quality.issues}
    assert (3, "opened_at") in rows and (2, "resolved_at") in rows and (4, "resolved_at") in rows


# --- rules -----------------------------------------------------------------------------------

def test_duplicates_keep_last_row(tmp_path):
    p = write(tmp_path, "d.csv", "incident_id,opened_at,title\nA,2026-01-01T10:00:00Z,first\n"
              "B,2026-01-01T10:00:00Z,b\nA,2026-01-01T10:00:00Z,second\n")
    r = load([p], Config())
    assert r.quality.duplicates == 1
    assert r.incidents.set_index("incident_id").title["A"] == "second"


def test_duplicates_across_files_keep_the_later_file(tmp_path):
    a = write(tmp_path, "a.csv", "incident_id,opened_at,status\nA,2026-01-01T10:00:00Z,New\n")
    b = write(tmp_path, "b.csv", "incident_id,opened_at,status\nA,2026-01-01T10:00:00Z,Resolved\n")
    r = load([a, b], Config())
    assert r.incidents.status.astype(str).tolist() == ["Resolved"] and r.quality.duplicates == 1


def test_resolved_from_closed_and_negative_durations(tmp_path):
    p = write(tmp_path, "r.csv", "incident_id,opened_at,status,resolved_at,closed_at\n"
              "A,2026-01-01T10:00:00Z,Closed,,2026-01-02T10:00:00Z\n"
              "B,2026-01-01T10:00:00Z,Resolved,2025-12-31T10:00:00Z,\n"
              "C,2026-01-01T10:00:00Z,In Progress,,2026-01-02T10:00:00Z\n")
    r = load([p], Config())
    inc = r.incidents.set_index("incident_id")
    assert inc.resolved_at["A"] == ts("2026-01-02T10:00Z")
    assert pd.isna(inc.resolved_at["C"])  # not Resolved/Closed: not filled
    assert r.quality.resolved_from_closed == 1
    assert r.quality.negative_durations == 1


def test_missing_markers_and_uncategorised(tmp_path):
    p = write(tmp_path, "m.csv", "incident_id,opened_at,category,service,site,title\n"
              "A,2026-01-01T10:00:00Z,?,NULL,N/A,-\nB,2026-01-01T10:00:00Z,Network,CRM,Leeds,NA\n")
    inc = load([p], Config()).incidents.set_index("incident_id")
    assert inc.category["A"] == "Uncategorised" and pd.isna(inc.service["A"]) and pd.isna(inc.site["A"])
    assert pd.isna(inc.title["A"])
    assert inc.title["B"] == "NA"  # not a configured missing marker: the text the user typed


def test_leading_zeros_kept(tmp_path):
    p = write(tmp_path, "z.csv", "incident_id,opened_at,problem_id\n00123,2026-01-01T10:00:00Z,0099\n")
    inc = load([p], Config()).incidents
    assert inc.incident_id[0] == "00123" and inc.problem_id[0] == "0099"


def test_status_normalisation(tmp_path):
    p = write(tmp_path, "s.csv", "incident_id,opened_at,status\nA,2026-01-01T10:00:00Z,in progress\n"
              "B,2026-01-01T10:00:00Z,CANCELED\nC,2026-01-01T10:00:00Z,on hold\nD,2026-01-01T10:00:00Z,closed\n")
    assert load([p], Config()).incidents.status.astype(str).tolist() == ["In Progress", "Cancelled", "On Hold", "Closed"]


# --- formats ---------------------------------------------------------------------------------

def test_cp1252_and_semicolons(tmp_path):
    p = write(tmp_path, "c.csv", "incident_id;opened_at;title\nA;2026-01-01T10:00:00Z;Refund £20 failed\n", "cp1252")
    assert load([p], Config()).incidents.title[0] == "Refund £20 failed"


def test_bom_and_tabs(tmp_path):
    p = write(tmp_path, "b.csv", "\ufeffincident_id\topened_at\nA\t2026-01-01T10:00:00Z\n")
    assert load([p], Config()).incidents.incident_id.tolist() == ["A"]


def test_quoted_newlines(tmp_path):
    p = write(tmp_path, "q.csv", 'incident_id,opened_at,description\nA,2026-01-01T10:00:00Z,"line one\nline two"\n'
              "B,2026-01-01T10:00:00Z,x\n")
    inc = load([p], Config()).incidents
    assert inc.description[0] == "line one\nline two" and len(inc) == 2



@pytest.mark.parametrize("quoted", [True, False])
def test_large_file_across_read_blocks(tmp_path, quoted):
    """Over 4 MB (pyarrow reads in blocks of that size): quoted multi-line values that cross
    a block boundary stay whole; an unquoted file (fast chunker) keeps every row."""
    n = 40_000
    text = "x" * 80
    lines = ["incident_id,opened_at,description"]
    for i in range(n):
        value = f'"{text}\n{i}, second line"' if quoted else f"{text} {i}"
        lines.append(f"INC{i:06d},2026-01-01T10:00:00Z,{value}")
    p = write(tmp_path, "big.csv", "\n".join(lines) + "\n")
    assert p.stat().st_size > 4 << 20
    inc = load([p], Config()).incidents
    assert len(inc) == n
    assert inc.incident_id.iloc[-1] == f"INC{n - 1:06d}"
    expected = f"{text}\n{n - 1}, second line" if quoted else f"{text} {n - 1}"
    assert inc.description.iloc[-1] == expected

@pytest.mark.parametrize("quoted", [False, True])
def test_types_that_change_after_the_first_read_block(tmp_path, quoted):
    """The CSV is read block by block (about 1 MB), and pyarrow types a column from the first
    block; a column whose values change kind further down (a count that is 'abc', a time
    with fractions of a second) still reads as the whole column says, value by value."""
    n = 60_000
    q = '"' if quoted else ""
    lines = ["incident_id,opened_at,reopen_count,customers_affected"]
    for i in range(n):
        lines.append(f"{q}INC{i:06d}{q},2026-01-01T10:00:00Z,{i % 3},{i % 7}")
    lines.append("INCX,2026-01-02T10:00:00.250Z,abc,1.5")
    p = write(tmp_path, "late.csv", "\n".join(lines) + "\n")
    assert p.stat().st_size > 2 << 20  # a few blocks
    r = load([p], Config())
    inc = r.incidents
    assert len(inc) == n + 1
    assert inc.reopen_count.iloc[:n].tolist() == [i % 3 for i in range(n)]
    assert pd.isna(inc.reopen_count.iloc[-1])
    assert inc.customers_affected.iloc[n - 1] == (n - 1) % 7
    assert inc.opened_at.iloc[-1] == ts("2026-01-02T10:00:00.250Z")
    assert inc.opened_at.iloc[0] == ts("2026-01-01T10:00:00Z")
    assert any(i.row == n + 2 and i.field == "reopen_count" for i in r.quality.issues)


def test_json_variants(tmp_path):
    recs = [{"incident_id": "A", "opened_at": "2026-01-01T10:00:00Z", "customers_affected": 12}]
    for name, data in (("a.json", recs), ("b.json", {"incidents": recs})):
        p = tmp_path / name
        p.write_text(json.dumps(data))
        inc = load([p], Config()).incidents
        assert inc.incident_id.tolist() == ["A"] and inc.customers_affected[0] == 12


def test_xlsx_and_parquet(tmp_path):
    df = pd.DataFrame({"incident_id": ["A", "B"], "opened_at": [datetime(2026, 7, 1, 12, 0), datetime(2026, 12, 1, 12, 0)],
                       "reopen_count": [0, 2]})
    x = tmp_path / "i.xlsx"
    df.to_excel(x, index=False)
    r = load([x], Config(timezone="Europe/London"))
    assert r.incidents.opened_at.tolist() == [ts("2026-07-01T11:00Z"), ts("2026-12-01T12:00Z")]
    q = tmp_path / "i.parquet"
    df.assign(opened_at=pd.to_datetime(df.opened_at).dt.tz_localize("UTC")).to_parquet(q)
    r = load([q], Config(timezone="Europe/London"))
    assert r.incidents.opened_at.tolist() == [ts("2026-07-01T12:00Z"), ts("2026-12-01T12:00Z")]
    assert r.incidents.reopen_count.tolist() == [0, 2]


def test_parquet_with_bytes_that_are_not_utf8_is_refused(tmp_path):
    """Parquet readers trust the file's strings; a damaged one is an IngestError, not a crash
    wherever a value is first looked at (found by the reader fuzz test)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = pa.Array.from_buffers(pa.string(), 2, [None, pa.py_buffer(np.array([0, 4, 8], np.int32).tobytes()),
                                                 pa.py_buffer(b"INC1I\xc9C2")])
    q = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"incident_id": ids, "opened_at": ["2026-01-01T10:00:00Z"] * 2}), q)
    with pytest.raises(IngestError, match=r"bad\.parquet: damaged Parquet file .*UTF8"):
        load([q], Config())


def test_xlsx_named_sheet(tmp_path):
    x = tmp_path / "s.xlsx"
    with pd.ExcelWriter(x) as w:
        pd.DataFrame({"notes": ["read me"]}).to_excel(w, sheet_name="Notes", index=False)
        pd.DataFrame({"incident_id": ["A"], "opened_at": ["2026-01-01T10:00:00Z"]}).to_excel(w, sheet_name="Incidents", index=False)
    assert load([x], Config(), sheet="Incidents").incidents.incident_id.tolist() == ["A"]
    with pytest.raises(IngestError, match="no sheet named 'Nope'.*Notes, Incidents"):
        load([x], Config(), sheet="Nope")


# --- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("content,match", [
    ("", "empty"),
    ("incident_id,opened_at\n", "header row but no incidents"),
    ("incident_id,opened_at\nA,2026-01-01T10:00:00Z,extra,more\n", r"row 2 has 4 fields but the header has 2"),
])
def test_bad_files(tmp_path, content, match):
    p = write(tmp_path, "bad.csv", content)
    with pytest.raises(IngestError, match=match):
        load([p], Config())


def test_missing_required_column_suggests(tmp_path):
    p = write(tmp_path, "bad.csv", "incident_id,opend_at,title\nA,2026-01-01,x\n")
    with pytest.raises(IngestError) as err:
        load([p], Config(), preset="canonical")
    msg = str(err.value)
    assert "'opened_at' not found" in msg and "opend_at, title" in msg and "Did you mean 'opend_at'" in msg


def test_undecodable_bytes(tmp_path):
    p = tmp_path / "bin.csv"
    p.write_bytes(b"incident_id,opened_at\nA,\x81\x8d\x8f\x90\x9d\n")
    with pytest.raises(IngestError, match="not UTF-8 or Windows-1252"):
        load([p], Config())


def test_nul_bytes(tmp_path):
    # Issue 13: a stray NUL is removed and reported (tests/data/bad/nul_bytes.csv), not a refusal.
    p = tmp_path / "nul.csv"
    p.write_bytes(b"incident_id,opened_at\nA\x00,2026-01-01\n")
    result = load([p], Config())
    assert result.incidents.loc[0, "incident_id"] == "A" and result.quality.invalid_values == 1


def test_missing_file():
    with pytest.raises(IngestError, match="file not found"):
        load(["/no/such/file.csv"], Config())


# --- history exports -------------------------------------------------------------------------

def test_history_mapping_collapses_events(tmp_path):
    p = write(tmp_path, "h.csv", "\n".join([
        "Key,When,State,Tier,Summary",
        "X1,2026-01-05 09:00,New,1,Printer",
        "X1,2026-01-05 09:10,In Progress,1,Printer",
        "X1,2026-01-05 09:40,In Progress,2,Printer",
        "X1,2026-01-05 10:00,Waiting,2,Printer",
        "X1,2026-01-05 11:00,In Progress,2,Printer",
        "X1,2026-01-05 12:00,Resolved,2,Printer",
        "X1,2026-01-05 13:00,In Progress,2,Printer reopened",
        "X1,2026-01-05 14:00,Resolved,2,Printer reopened",
        "X1,2026-01-06 14:00,Closed,2,Printer reopened",
        "X2,2026-01-05 09:00,New,1,Other",
        "X2,2026-01-05 09:30,Resolved,1,Other",
        "X2,2026-01-05 10:00,In Progress,1,Other",
    ]) + "\n")
    m = tmp_path / "map.yaml"
    m.write_text("columns: {incident_id: Key, event_time: When, state: State, level: Tier, title: Summary}\n"
                 "states: {Waiting: On Hold}\n")
    r = load([p], Config(), mapping=m)
    inc = r.incidents.set_index("incident_id")
    assert inc.opened_at["X1"] == ts("2026-01-05T09:00Z")
    assert inc.acknowledged_at["X1"] == ts("2026-01-05T09:10Z")
    assert inc.escalated_at["X1"] == ts("2026-01-05T09:40Z")
    assert inc.resolved_at["X1"] == ts("2026-01-05T14:00Z")  # the final resolution
    assert inc.closed_at["X1"] == ts("2026-01-06T14:00Z")
    assert inc.reopen_count["X1"] == 1 and inc.title["X1"] == "Printer reopened"
    assert inc.status["X2"] == "In Progress" and pd.isna(inc.resolved_at["X2"]) and inc.reopen_count["X2"] == 1
    pauses = r.pauses[r.pauses.incident_id == "X1"]
    assert list(zip(pauses.start, pauses.end)) == [(ts("2026-01-05T10:00Z"), ts("2026-01-05T11:00Z"))]
    assert r.pauses_known
    states = r.events[(r.events.incident_id == "X1")]
    assert states.timestamp.is_monotonic_increasing and states.text.tolist()[0] == "New"


def test_mapping_errors_name_key_and_file(tmp_path):
    p = write(tmp_path, "h.csv", "Key,When\nA,2026-01-01\n")
    m = tmp_path / "map.yaml"
    m.write_text("columns:\n  incident_id: Key\n  opened: When\n")
    with pytest.raises(Exception, match=r"map.yaml line 3.*'opened' is not a canonical field"):
        load([p], Config(), mapping=m)
    m.write_text("columns: {incident_id: Key, opened_at: Missing}\n")
    with pytest.raises(IngestError, match="names column 'Missing'"):
        load([p], Config(), mapping=m)


def test_events_file_adds_pauses(tmp_path):
    inc = write(tmp_path, "i.csv", "incident_id,opened_at,status,resolved_at\nA,2026-01-05T09:00:00Z,Resolved,2026-01-05T15:00:00Z\n")
    ev = write(tmp_path, "e.csv", "incident_id,timestamp,type,text,author,audience\n"
               "A,2026-01-05T09:00:00Z,logged,Logged,Service Desk,internal\n"
               "A,2026-01-05T10:00:00Z,state,On Hold,Service Desk,internal\n"
               "A,2026-01-05T12:00:00Z,state,In Progress,Service Desk,internal\n"
               "A,2026-01-05T13:00:00Z,comms,Customers told,Incident Manager,external\n")
    cfg = Config()
    r = load([inc], cfg)
    load_events(ev, cfg, r)
    assert r.pauses_known and len(r.events) == 4
    assert list(zip(r.pauses.start, r.pauses.end)) == [(ts("2026-01-05T10:00Z"), ts("2026-01-05T12:00Z"))]
    bad = write(tmp_path, "bad.csv", "incident_id,timestamp,type,text\nA,2026-01-05T09:00:00Z,party,x\n")
    with pytest.raises(IngestError, match="row 2: type 'party'"):
        load_events(bad, cfg)


# --- the real ServiceNow event log -----------------------------------------------------------

def test_real_servicenow_event_log(servicenow_log):
    r = load([servicenow_log], Config())
    assert r.preset == "servicenow"
    assert r.quality.rows_read == 5998 and len(r.incidents) == 890 and r.incidents.incident_id.is_unique
    # The reference: each incident's latest row by (sys_updated_at, sys_mod_count), read by hand.
    with servicenow_log.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    def key(r):
        return (datetime.strptime(r["sys_updated_at"], "%d-%m-%Y %H:%M"), int(r["sys_mod_count"]))
    latest = {}
    for row in rows:
        if row["number"] not in latest or key(row) >= key(latest[row["number"]]):
            latest[row["number"]] = row
    inc = r.incidents.set_index("incident_id")
    for number in ("INC0000045", "INC0000047", "INC0000070"):
        want = latest[number]
        # Day-first dates without seconds, naive = UTC by default.
        assert inc.opened_at[number] == pd.Timestamp(datetime.strptime(want["opened_at"], "%d-%m-%Y %H:%M"), tz="UTC")
        assert inc.reopen_count[number] == int(want["reopen_count"])
    # "?" is missing: most rows have cmdb_ci "?", so most incidents have no service.
    assert inc.service.isna().mean() > 0.9 and not inc.service.astype(str).eq("?").any()
    assert (inc.priority.astype(str) == "P3").sum() > 500
    # On-hold intervals come from the Awaiting ... states in the sequence.
    assert len(r.pauses) > 100
    awaiting = {row["number"] for row in rows if row["incident_state"].startswith("Awaiting")}
    assert set(r.pauses.incident_id) <= awaiting and len(set(r.pauses.incident_id)) > 0.8 * len(awaiting)
    assert (r.pauses.end > r.pauses.start).all()


def test_servicenow_rest_times_are_utc(tmp_path):
    # The Table API returns stored values in UTC, whatever the configured display timezone.
    p = tmp_path / "rest.json"
    p.write_text(json.dumps({"result": [{"number": "INC1", "opened_at": "2026-07-01 09:00:00",
                                         "incident_state": "7", "priority": "3", "short_description": "x",
                                         "sys_created_on": "2026-07-01 09:00:00"}]}))
    r = load([p], Config(timezone="Europe/London"))
    assert r.preset == "servicenow" and r.incidents.opened_at[0] == ts("2026-07-01T09:00Z")
    assert r.incidents.status[0] == "Closed" and r.incidents.priority[0] == "P3"


def test_absent_columns_read_as_missing_and_take_writes(tmp_path):
    """Canonical columns the export lacks are cheap stand-ins (one value broadcast, one small
    Arrow chunk repeated), yet read as n missing values of the canonical dtype, and a write
    into one changes that column only."""
    from ccreport.ingest.frame import _NULL_CHUNK, coerce

    n = 2 * _NULL_CHUNK + 5  # the repeated text chunk, twice, and a shorter last one (counts: their own zero pages)
    inc = coerce(pd.DataFrame({"incident_id": [f"INC{i}" for i in range(n)]}))
    assert str(inc.impact.dtype) == "Int64" and str(inc.csat.dtype) == "Float64"
    assert str(inc.tool_sla_met.dtype) == "boolean" and str(inc.description.dtype) == "str"
    for name in ("impact", "urgency", "csat", "tool_sla_met", "description", "root_cause"):
        assert len(inc[name]) == n and inc[name].isna().all(), name
    assert inc.impact.iloc[[0, n - 1]].isna().all() and inc.description.iloc[n - 1] is pd.NA or pd.isna(inc.description.iloc[n - 1])
    inc.loc[3, "impact"] = 2
    inc.loc[n - 1, "description"] = "text"
    assert inc.impact.iloc[3] == 2 and inc.impact.isna().sum() == n - 1
    assert inc.urgency.isna().all() and inc.root_cause.isna().all()
    assert inc.description.iloc[n - 1] == "text" and inc.description.isna().sum() == n - 1
    assert inc.impact.array._data.base is not inc.urgency.array._data.base  # each its own zeros


def test_clean_keeps_the_raw_buffers_of_text_that_needs_no_trimming():
    """arrowtext.clean: a column with nothing to trim or blank is the raw column's own Arrow
    buffers (no second copy of every ID held beside the raw one); one with something to trim
    is trimmed, markers and blanks missing."""
    import pyarrow as pa

    from ccreport.ingest import arrowtext

    raw = pd.Series(pd.array(pa.chunked_array([pa.array(["INC1", "INC2", None], pa.large_string())]), dtype="str"))
    out = arrowtext.clean(raw, {"?"})
    assert out.tolist()[:2] == ["INC1", "INC2"] and pd.isna(out.iloc[2])
    buffer = out.array._pa_array.chunk(0).buffers()[2]
    assert buffer.address == raw.array._pa_array.chunk(0).buffers()[2].address
    padded = pd.Series(["INC1 ", " INC2", "?", "  ", None], dtype="str")
    got = arrowtext.clean(padded, {"?"})
    assert got.tolist()[:2] == ["INC1", "INC2"] and got.iloc[2:].isna().all()
    # Chunk by chunk: a chunk with nothing to trim keeps its buffers beside one that is trimmed.
    mixed = pd.Series(pd.array(pa.chunked_array([pa.array(["A", "B"], pa.large_string()),
                                                 pa.array([" C", "D "], pa.large_string())]), dtype="str"))
    got = arrowtext.clean(mixed, {"?"})
    assert got.tolist() == ["A", "B", "C", "D"]
    kept, source = got.array._pa_array.chunk(0), mixed.array._pa_array.chunk(0)
    assert kept.buffers()[2].address == source.buffers()[2].address


def test_text_columns_are_compacted_into_one_array_with_the_same_values():
    """pipeline._compact_text: a text column of many reader chunks becomes one contiguous
    Arrow array with the same values and dtype; absent text columns (the shared stand-in of
    no values) and other columns are left as they are."""
    import pyarrow as pa

    from ccreport.ingest.frame import _NULL_CHUNK, coerce
    from ccreport.ingest.pipeline import _compact_text

    n = _NULL_CHUNK + 7
    ids = [f"INC{i}" for i in range(n)]
    chunks = [pa.array(ids[i:i + 1000], pa.large_string()) for i in range(0, n, 1000)]
    frame = coerce(pd.DataFrame({"incident_id": pd.array(pa.chunked_array(chunks), dtype="str"),
                                 "opened_at": pd.Timestamp("2026-10-01", tz="UTC")}))
    stand_in = frame["description"].array._pa_array
    before = frame.copy()
    _compact_text(frame)
    assert frame["incident_id"].array._pa_array.num_chunks == 1
    assert frame["description"].array._pa_array.num_chunks == stand_in.num_chunks
    pd.testing.assert_frame_equal(frame, before)
