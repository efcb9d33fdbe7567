"""The read ahead (ingest/plan.start_reading, ingest/csvparse.read_ahead): the first export's
parse starts in a thread before pandas is imported, and what the pipeline gets from it is what
it would have read itself — the same frame, the same messages — or, when anything differs,
the file read again."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from ccreport import app
from ccreport.config import Config
from ccreport.errors import IngestError
from ccreport.ingest import csvparse, load

from .util import GOOD, write

HEADER = "incident_id,opened_at,resolved_at,priority,status,category\n"


def _rows(n: int, category: str = "Telephony") -> str:
    return "".join(f"INC{i:05d},2026-10-{1 + i % 28:02d}T09:00:00Z,2026-10-{1 + i % 28:02d}T13:30:00Z,"
                   f"P{1 + i % 4},Resolved,{category}\n" for i in range(n))


@pytest.fixture
def claims(monkeypatch):
    """Every claim the readers make: (file, whether a read ahead was handed over)."""
    seen: list[tuple[str, bool]] = []
    real = csvparse.claim

    def spy(p, token, *args):
        got = real(p, token, *args)
        seen.append((p.name, got is not None))
        return got

    monkeypatch.setattr(csvparse, "claim", spy)
    return seen


def test_the_pipeline_takes_the_table_read_ahead_and_it_is_the_table_it_reads_itself(tmp_path, claims):
    p = write(tmp_path, "a.csv", HEADER + _rows(500))
    config = Config()
    ahead = app.load(config, app.Inputs((str(p),), "canonical"))
    assert claims == [("a.csv", True)]
    assert csvparse._AHEAD == {}  # nothing left running or held
    direct = load([p], config, preset="canonical")
    pd.testing.assert_frame_equal(ahead.incidents, direct.incidents)
    assert ahead.quality.to_dict() == direct.quality.to_dict()


def test_a_read_ahead_with_other_arguments_is_thrown_away_and_the_file_read_again(tmp_path, claims):
    p = write(tmp_path, "a.csv", HEADER + _rows(50).replace(",P1,", ",n/a,"))
    from ccreport.ingest.plan import start_reading

    start_reading([str(p)], Config(), "canonical", None)  # the default missing markers
    assert str(p) in csvparse._AHEAD
    config = Config(missing_values=("n/a",))  # the pipeline reads with others
    got = load([p], config, preset="canonical")
    assert claims == [("a.csv", False)]
    assert csvparse._AHEAD == {}
    pd.testing.assert_frame_equal(got.incidents, load([p], config, preset="canonical").incidents)


def test_a_read_ahead_started_with_another_preset_is_used_when_it_parsed_the_file_the_same_way(tmp_path, claims):
    # Started before the configuration was loaded, a read uses the command line's preset
    # ('auto' when none is given); the configuration's preset may differ and still read this
    # header row with the same column types: then the table is the one the pipeline would read.
    p = write(tmp_path, "a.csv", HEADER + _rows(50))
    from ccreport.ingest.plan import start_reading

    start_reading([str(p)], Config(), "auto", None)
    got = load([p], Config(), preset="canonical")
    assert claims == [("a.csv", True)]
    pd.testing.assert_frame_equal(got.incidents, load([p], Config(), preset="canonical").incidents)


def test_a_file_changed_after_the_read_ahead_started_is_read_as_it_is_now(tmp_path, claims):
    p = write(tmp_path, "a.csv", HEADER + _rows(40, "Telephony"))
    config = Config()
    from ccreport.ingest.plan import start_reading

    start_reading([str(p)], config, "canonical", None)
    csvparse._AHEAD[str(p)].join()  # the old content fully read
    p.write_text(HEADER + _rows(60, "Billing"))
    os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 10**9))
    got = load([p], config, preset="canonical")
    assert claims == [("a.csv", False)]
    assert len(got.incidents) == 60
    assert set(got.incidents["category"].astype(str)) == {"Billing"}


@pytest.mark.parametrize("text,message", [
    (HEADER + "INC1,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,P1,Resolved,A,extra\n", r"row 2 has 7 fields"),
    (HEADER, r"has a header row but no incidents"),
])
def test_a_file_the_read_ahead_refuses_gives_the_message_reading_it_gives(tmp_path, claims, text, message):
    p = write(tmp_path, "bad.csv", text)
    config = Config()
    with pytest.raises(IngestError, match=message) as direct:
        load([p], config, preset="canonical")
    with pytest.raises(IngestError, match=message) as ahead:
        app.load(config, app.Inputs((str(p),), "canonical"))
    assert str(ahead.value) == str(direct.value)
    assert claims[-1] == ("bad.csv", True)
    assert csvparse._AHEAD == {}


def test_a_file_that_is_not_utf8_is_read_ahead_up_to_the_decoding_and_read_the_same(tmp_path, claims):
    p = tmp_path / "cp1252.csv"
    p.write_bytes((HEADER + "INC1,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,P1,Resolved,Caf\xe9\n").encode("cp1252"))
    config = Config()
    got = app.load(config, app.Inputs((str(p),), "canonical"))
    assert claims == [("cp1252.csv", True)]
    assert got.incidents["category"].astype(str).tolist() == ["Café"]


def test_only_the_first_export_is_read_ahead(tmp_path, claims):
    a = write(tmp_path, "a.csv", HEADER + _rows(10))
    b = write(tmp_path, "b.csv", HEADER + _rows(10).replace("INC", "B"))
    got = app.load(Config(), app.Inputs((str(a), str(b)), "canonical"))
    assert claims == [("a.csv", True), ("b.csv", False)]
    assert len(got.incidents) == 20


def test_the_read_ahead_imports_no_pandas():
    code = ("import sys\n"
            "from pathlib import Path\n"
            "from ccreport.config import Config\n"
            "from ccreport.ingest import csvparse\n"
            "from ccreport.ingest.plan import start_reading\n"
            f"start_reading([{str(GOOD)!r}], Config(), 'auto', None)\n"
            f"out = csvparse.claim(Path({str(GOOD)!r}), ('auto', None, tuple(Config().missing_values))).result()\n"
            "assert out[2].table.num_rows > 0\n"
            "print('pandas' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


# --- a large file parsed in two halves at once ---------------------------------------------------


def _first_pass(p, monkeypatch, split: bool):
    from ccreport.ingest import plan

    monkeypatch.setattr(csvparse, "SPLIT_FROM", 1 if split else 1 << 62)
    monkeypatch.setattr(csvparse.os, "sched_getaffinity", lambda pid: {0, 1})
    data, start, parsed = csvparse.first_pass(
        p, lambda h: plan.headers_for(h, "canonical", None, plan.DICTIONARY_FIELDS),
        lambda h: plan.headers_for(h, "canonical", None, plan.TYPED_FIELDS), tuple(Config().missing_values))
    csvparse.close_map(data)
    return parsed.table


def _same(a, b) -> None:
    import pyarrow as pa

    assert a.schema == b.schema
    for i in range(a.num_columns):
        x, y = a.column(i), b.column(i)
        if pa.types.is_dictionary(x.type):
            x, y = x.cast(pa.string()), y.cast(pa.string())
        assert x.equals(y), a.schema.field(i).name


@pytest.fixture
def halves(monkeypatch):
    """Each split read: (the split offset, whether the halves gave the table)."""
    seen: list[tuple[int, bool]] = []
    real = csvparse._stream_halves

    def spy(*args):
        out = real(*args)
        seen.append((args[2], out is not None))
        return out

    monkeypatch.setattr(csvparse, "_stream_halves", spy)
    return seen


def test_the_two_halves_give_the_table_of_one_stream(tmp_path, monkeypatch, halves):
    p = write(tmp_path, "a.csv", HEADER + _rows(3000))
    whole = _first_pass(p, monkeypatch, split=True)
    assert len(halves) == 1 and halves[0][1] and 0 < halves[0][0] < p.stat().st_size
    _same(whole, _first_pass(p, monkeypatch, split=False))
    assert whole.num_rows == 3000


def test_a_file_with_quotes_is_read_as_one_stream(tmp_path, monkeypatch, halves):
    # A line break may be inside a quoted value, and pyarrow reads a quoted value left open at
    # the end of a first half without an error: quoted files are never split.
    rows = "".join(f'INC{i:05d},"Line one ""{i}""\nline two",2026-10-01T09:00:00Z,P2,Resolved\n' for i in range(3000))
    p = write(tmp_path, "q.csv", "incident_id,title,opened_at,priority,status\n" + rows)
    table = _first_pass(p, monkeypatch, split=True)
    assert halves == []
    assert table.num_rows == 3000
    assert table.column("title").to_pylist()[1500] == 'Line one "1500"\nline two'


def test_a_second_half_that_does_not_fit_the_first_halfs_types_is_read_as_the_single_stream_reads_it(
        tmp_path, monkeypatch, halves):
    # A count column that turns to text in the last row: the single stream cannot keep its
    # first block's integer type, so the whole-file reader types the column as text; so must
    # the halves.
    text = "incident_id,opened_at,priority,status,reopen_count\n" + "".join(
        f"INC{i:05d},2026-10-01T09:00:00Z,P2,Resolved,{i % 3}\n" for i in range(3000)) + "INC99999,2026-10-01T09:00:00Z,P2,Resolved,two\n"
    p = write(tmp_path, "t.csv", text)
    split = _first_pass(p, monkeypatch, split=True)
    assert halves == [(halves[0][0], False)]
    assert split.schema.field("reopen_count").type == "string"
    _same(split, _first_pass(p, monkeypatch, split=False))


def test_the_command_line_starts_the_parse_before_the_config_and_keeps_it_when_the_config_agrees(tmp_path, claims):
    from .util import run_cli

    p = write(tmp_path, "a.csv", HEADER + _rows(30))
    cfg = write(tmp_path, "c.yaml", "timezone: Europe/London\n")
    out = run_cli("--config", cfg, "validate", p, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert claims == [("a.csv", True)]
    import json

    assert json.loads(out.stdout)["data_quality"]["incidents"] == 30


def test_a_config_with_other_missing_markers_makes_the_pipeline_read_the_file_again(tmp_path, claims):
    from .util import run_cli

    text = "incident_id,opened_at,priority,status,reopen_count\n" + "".join(
        f"INC{i},2026-10-01T09:00:00Z,P2,Resolved,{'unknown' if i == 3 else i % 2}\n" for i in range(30))
    p = write(tmp_path, "a.csv", text)
    cfg = write(tmp_path, "c.yaml", "missing_values: ['unknown']\n")
    out = run_cli("--config", cfg, "validate", p, "--format", "json")
    assert out.returncode == 0, out.stderr
    assert claims == [("a.csv", False)]
    # 'unknown' is a missing marker here: nothing is reported for it (with the default
    # markers it is "not a number").
    import json

    assert json.loads(out.stdout)["data_quality"]["issues"] == []
    plain = run_cli("validate", p, "--format", "json")
    assert [i["field"] for i in json.loads(plain.stdout)["data_quality"]["issues"]] == ["reopen_count"]


def test_a_command_that_fails_before_reading_leaves_no_read_behind(tmp_path):
    from .util import run_cli

    p = write(tmp_path, "a.csv", HEADER + _rows(30))
    cfg = write(tmp_path, "c.yaml", "timezone: Mars/Olympus\n")
    out = run_cli("--config", cfg, "validate", p)
    assert out.returncode != 0 and "timezone" in out.stderr
    assert csvparse._AHEAD == {}


def test_the_table_converted_column_by_column_is_the_frame_pyarrow_converts_at_once():
    import pyarrow as pa

    from ccreport.ingest import readers

    def table():
        return pa.table({
            "id": pa.array(["a", "b", None]),
            "cat": pa.array(["x", "y", "x"]).dictionary_encode(),
            "at": pa.array([1, None, 3], pa.timestamp("ns", "UTC")),
            "n": pa.array([1, None, 2], pa.int64()),
            "f": pa.array([0.5, None, 2.0]),
        })

    whole = table().to_pandas(types_mapper=readers._PANDAS_TYPES.get, split_blocks=True)
    held = [table()]
    got = readers._to_pandas(held)
    assert held == []
    pd.testing.assert_frame_equal(got, whole, check_exact=True)
    assert list(got.dtypes.astype(str)) == ["string", "category", "datetime64[ns, UTC]", "Int64", "Float64"]


def test_zoneinfo_is_imported_before_any_read_ahead_thread_starts():
    # pyarrow imports zoneinfo at its first tz-aware value; done first in the read-ahead
    # thread while the main thread imports pandas, that import failed once ("The zoneinfo
    # module or pytz package must be installed", an internal error of `metrics`).
    import subprocess
    import sys

    code = "import sys; import ccreport.ingest.csvparse; print('zoneinfo' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False"]
