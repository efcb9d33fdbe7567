"""Property-based and fuzz tests of ingest and metrics (GitHub issue #8).

- Generated exports (random column order, delimiters and formats, missing-value markers, time
  formats and time zones) must either load or fail with a CcreportError, and when they load,
  nothing is lost: every input row is an incident, or is listed in data quality (rejected or
  a duplicate), and the counts add up. Metrics over them are sane: counts >= 0, SLA
  percentages within 0-100.
- The CSV reader is fuzzed with arbitrary and mutated bytes: an IngestError or a table, never
  another exception (protection: the readers' error handling; see the hardening in
  ccreport/ingest/readers.py).

Kept under a minute: modest max_examples, no deadline, and no shrink phase (a failure shows
the generated input as found; set CCREPORT_FUZZ_SHRINK=1 to shrink it, and
CCREPORT_FUZZ_EXAMPLES=N to run longer locally).
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import zoneinfo
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ccreport.config import Config
from ccreport.errors import CcreportError, IngestError
from ccreport.ingest import load
from ccreport.ingest.readers import read
from ccreport.metrics import compute
from ccreport.period import resolve_period

PHASES = [Phase.explicit, Phase.reuse, Phase.generate, Phase.target] + (
    [Phase.shrink] if os.environ.get("CCREPORT_FUZZ_SHRINK") else [])
SCALE = int(os.environ.get("CCREPORT_FUZZ_EXAMPLES", "1"))


def fast(max_examples: int) -> settings:
    return settings(max_examples=max_examples * SCALE, deadline=None, phases=PHASES, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])

TIMEZONES = ["UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
MISSING = ["", "NULL", "N/A", "?", "-", "  "]
OPTIONAL = ["title", "category", "priority", "status", "resolved_at", "acknowledged_at", "reopen_count", "major"]

SLA = {"P1": {"respond": "15m", "resolve": "4h"}, "P2": {"respond": "30m", "resolve": "8h"},
       "P3": {"respond": "4h", "resolve": "24h"}}


# --------------------------------------------------------------------------- generated exports


instants = st.datetimes(min_value=datetime(2026, 8, 1), max_value=datetime(2026, 11, 30)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=timezone.utc))


def _time_text(when: datetime | None, style: str, tz: str) -> str | None:
    """One timestamp as an export would write it (None: the value is missing)."""
    if when is None:
        return None
    local = when.astimezone(zoneinfo.ZoneInfo(tz))
    return {
        "iso_z": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "iso_offset": local.isoformat(),
        "iso_naive": local.strftime("%Y-%m-%d %H:%M:%S"),
        "dayfirst": local.strftime("%d/%m/%Y %H:%M"),
        "jira": local.strftime("%d/%b/%y %I:%M %p"),
    }[style]


incident = st.fixed_dictionaries({
    "id": st.one_of(st.from_regex(r"INC[0-9]{1,3}", fullmatch=True), st.sampled_from(MISSING)),
    "opened": st.one_of(instants, st.none(), st.just("garbage")),
    "ttr_minutes": st.one_of(st.none(), st.integers(-120, 60 * 24 * 10)),
    "ack_minutes": st.one_of(st.none(), st.integers(0, 600)),
    # Any text but NUL, which makes a CSV an error by design (tests/data/bad/nul_bytes.csv).
    "title": st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=25),
    "category": st.sampled_from(["Telephony", "CRM", "=SUM(A1)", "مركز", "", "NULL"]),
    "priority": st.sampled_from(["P1", "P2", "P3", "1 - Critical", "High", "Sev3", "bogus", "", "N/A"]),
    "status": st.sampled_from(["New", "In Progress", "On Hold", "Resolved", "Closed", "Cancelled", "weird", ""]),
    "reopen_count": st.sampled_from(["0", "1", "2", "-1", "two", "", "1,000", "1e400", "inf", "2.5"]),
    "major": st.sampled_from(["true", "false", "yes", "maybe", ""]),
})

export = st.fixed_dictionaries({
    "incidents": st.lists(incident, min_size=1, max_size=15),
    "columns": st.permutations(OPTIONAL).flatmap(lambda cols: st.integers(0, len(cols)).map(lambda n: cols[:n])),
    "order_seed": st.randoms(use_true_random=False),
    "format": st.sampled_from(["csv", "csv;", "tsv", "json", "json_wrapped", "cp1252"]),
    "time_style": st.sampled_from(["iso_z", "iso_offset", "iso_naive", "dayfirst", "jira"]),
    "timezone": st.sampled_from(TIMEZONES),
    "missing": st.sampled_from(MISSING),
})


def _records(spec) -> list[dict[str, str | None]]:
    tz, style = spec["timezone"], spec["time_style"]
    out = []
    for inc in spec["incidents"]:
        opened = inc["opened"]
        opened_text = opened if isinstance(opened, str) else _time_text(opened, style, tz)
        real = opened if isinstance(opened, datetime) else None
        resolved = real + timedelta(minutes=inc["ttr_minutes"]) if real and inc["ttr_minutes"] is not None else None
        acked = real + timedelta(minutes=inc["ack_minutes"]) if real and inc["ack_minutes"] is not None else None
        rec = {
            "incident_id": inc["id"], "opened_at": opened_text, "title": inc["title"],
            "category": inc["category"], "priority": inc["priority"], "status": inc["status"],
            "resolved_at": _time_text(resolved, style, tz), "acknowledged_at": _time_text(acked, style, tz),
            "reopen_count": inc["reopen_count"], "major": inc["major"],
        }
        out.append({k: v for k, v in rec.items() if k in ("incident_id", "opened_at", *spec["columns"])})
    return out


def _write(spec, folder: Path) -> Path:
    records = _records(spec)
    columns = ["incident_id", "opened_at", *spec["columns"]]
    spec["order_seed"].shuffle(columns)
    fmt, missing = spec["format"], spec["missing"]
    if fmt.startswith("json"):
        rows = [{c: r.get(c) for c in columns} for r in records]
        path = folder / "export.json"
        path.write_text(json.dumps({"incidents": rows} if fmt == "json_wrapped" else rows), encoding="utf-8")
        return path
    buf = io.StringIO()
    delimiter = {"csv;": ";", "tsv": "\t"}.get(fmt, ",")
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(columns)
    for r in records:
        w.writerow([missing if r.get(c) is None else r[c] for c in columns])
    path = folder / ("export.tsv" if fmt == "tsv" else "export.csv")
    if fmt == "cp1252":
        path.write_bytes(buf.getvalue().encode("cp1252", errors="replace"))
    else:
        path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


@fast(60)
@given(export)
def test_generated_exports_lose_nothing(spec):
    config = Config(timezone=spec["timezone"], sla=SLA)
    with tempfile.TemporaryDirectory() as d:
        path = _write(spec, Path(d))
        try:
            result = load([path], config)
        except CcreportError as err:
            # The only acceptable failures: nothing readable, or contradictory day-first dates.
            assert "no incident could be read" in str(err) or "day-first" in str(err), str(err)
            return
        except Exception as err:  # pragma: no cover - the property under test
            pytest.fail(f"{type(err).__name__}: {err}")
    q = result.quality
    frame = result.incidents
    n = len(spec["incidents"])
    # Counted: every row read is an incident, a rejected row or a duplicate.
    assert q.rows_read == n
    assert q.incidents == len(frame)
    assert q.rows_read == q.incidents + q.rows_rejected + q.duplicates
    assert frame["opened_at"].notna().all() and frame["incident_id"].notna().all()
    assert frame["incident_id"].is_unique
    assert not (frame["reopen_count"].dropna() < 0).any()  # no count wraps round to negative
    # Listed: a row that is not an incident has an issue naming its row (small inputs: every
    # issue is listed, nothing is summarised).
    ids = set(frame["incident_id"])
    listed = {i.row for i in q.issues}
    first = 1 if spec["format"].startswith("json") else 2  # JSON: record numbers; CSV: sheet rows
    for row_no, inc in enumerate(spec["incidents"], start=first):
        cleaned = inc["id"].strip()
        if cleaned in ids and row_no not in listed:
            continue
        assert row_no in listed, (row_no, inc, [vars(i) for i in q.issues])
    # Metrics are sane whatever the data.
    metrics = compute(result, config, resolve_period(config, month="2026-10")).to_dict(full=True)
    totals = metrics["totals"]
    for key in ("opened", "resolved", "cancelled", "backlog_end", "major"):
        assert totals[key] is None or totals[key] >= 0, (key, totals[key])
    for scope in [totals, *metrics["by_priority"].values(), *metrics["by_category"].values()]:
        for key in ("resolution_sla_pct", "response_sla_pct", "reopen_rate_pct", "escalation_rate_pct"):
            v = scope.get(key)
            assert v is None or 0 <= v <= 100, (key, v)
        for key in ("mtta_hours", "mttr_hours", "median_ttr_hours", "p90_ttr_hours"):
            v = scope.get(key)
            assert v is None or v >= 0, (key, v)


# --------------------------------------------------------------------------- CSV reader fuzz

SEED_CSV = (
    b"incident_id,title,priority,status,opened_at,resolved_at,reopen_count\r\n"
    b'INC1,"Phones, down",P1,Resolved,2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\r\n'
    b'INC2,"multi\nline ""q""",P3,Closed,05/10/2026 10:00,06/10/2026 10:00,1\r\n'
)


SEED_JSON = json.dumps({"incidents": [
    {"incident_id": "INC1", "title": "Phones", "priority": {"summary": "P1"}, "opened_at": "2026-10-05T09:00:00Z",
     "tags": ["a", "b"], "reopen_count": 1.0},
    {"incident_id": 2, "title": None, "opened_at": "05/10/2026 10:00", "major": True}]}).encode()


def _seed_workbook() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["incident_id", "title", "opened_at", "reopen_count"])
    ws.append(["INC1", "Phones", datetime(2026, 10, 5, 9, 0), 1])
    ws.append(["INC2", "=1+1", "2026-10-06T10:00:00Z", None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _seed_parquet() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"incident_id": ["INC1", "INC2"], "opened_at": [datetime(2026, 10, 5, 9, 0)] * 2,
                             "reopen_count": [1, None]}), buf)
    return buf.getvalue()


@st.composite
def mutated(draw, seed: bytes = SEED_CSV) -> bytes:
    """The seed file with random byte edits (insert, delete, replace, splice)."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "splice"]))
        at = draw(st.integers(0, len(data)))
        if op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 10))]
        elif op == "replace" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        else:
            data[at:at] = draw(st.sampled_from([b'"', b",", b"\r", b"\n", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf",
                                                b";", b"\t", b"\xa3", b"PK\x03\x04", b"PAR1"]))
    return bytes(data)


@fast(150)
@given(st.one_of(st.binary(max_size=600), mutated()))
def test_csv_reader_fuzz(data):
    """Any bytes: the reader returns a table or raises IngestError; load() then returns a
    result or raises a CcreportError. Nothing else escapes."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "fuzz.csv"
        path.write_bytes(data)
        try:
            raw = read(path)
        except IngestError as err:
            assert str(err).startswith(str(path)) and "\n" not in str(err)
            return
        assert len(raw.headers) >= 1 and len(raw.frame) >= 1
        try:
            result = load([path], Config())
        except CcreportError:
            return
        q = result.quality
        assert q.rows_read == q.incidents + q.rows_rejected + q.duplicates


@pytest.mark.parametrize("suffix,seed,examples", [
    (".json", SEED_JSON, 60), (".xlsx", None, 40), (".parquet", None, 40),
])
def test_other_readers_fuzz(suffix, seed, examples):
    """Mutated JSON, XLSX and Parquet files: an IngestError or a table, nothing else."""
    seed = seed or (_seed_workbook() if suffix == ".xlsx" else _seed_parquet())

    @fast(examples)
    @given(mutated(seed))
    def check(data):
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / f"fuzz{suffix}"
            path.write_bytes(data)
            try:
                load([path], Config())
            except CcreportError as err:
                assert "\n" not in str(err)

    check()
