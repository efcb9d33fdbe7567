"""The bad-input corpus (GitHub issue #8): every file in tests/data/bad/ through the real CLI.

One table-driven test: tests/data/bad/expected.yaml says, per file, the exit code, the words
the one-line message must contain, the data-quality counts and issues, and spot values read
back through the library. The CLI runs in-process through `main()` (the same code path as the
`ccreport` script, without paying the imports once per case); two cases also run as a real
`python -m ccreport.cli` subprocess.

Every case also checks the invariants an unattended job relies on: an error is exactly one
`ccreport: error:` line with no traceback, and nothing from the input reaches the terminal as
a raw control character (protection: errors.printable in DataQuality.add and cli.main).
The protection behind each case is named in its `guard:` in expected.yaml.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from ccreport.config import Config
from ccreport.ingest import load
from ccreport.ingest.readers import MAX_XLSX_UNCOMPRESSED

from .util import ROOT, run_cli, run_process

BAD = ROOT / "tests" / "data" / "bad"
# No ccreport.yaml in the working folder, no CCREPORT_* variable (conftest) decides a case.
pytestmark = pytest.mark.usefixtures("isolated")
EXPECTED: dict[str, dict] = yaml.safe_load((BAD / "expected.yaml").read_text(encoding="utf-8"))
NOT_CASES = {"expected.yaml", "make_corpus.py", "__pycache__"}
_RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
GOOD_ROW = "{i},Incident {i},Telephony,P3,Resolved,2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
HEADER = "incident_id,title,category,priority,status,opened_at,resolved_at,reopen_count\n"


# --------------------------------------------------------------------------- generated cases


def _big_field(path: Path) -> None:
    # Protection: pyarrow's parser (no field limit) with block_size above 1 MB; and the
    # header sniffing reads only the first 64 KiB.
    big = "x" * (1 << 20)
    path.write_text(
        "incident_id,title,description,priority,opened_at\n"
        f"INC001,Phones down,{big},P1,2026-10-05T09:00:00Z\n"
        "INC002,CRM slow,,P3,2026-10-06T10:00:00Z\n", encoding="utf-8")


def _big_field_ragged(path: Path) -> None:
    # Protection: readers raises csv.field_size_limit, which the slow path that finds the
    # ragged row's number needs (the stdlib refuses fields over 128 KiB).
    big = "x" * (1 << 20)
    path.write_text(
        HEADER.replace("title", "title,description")
        + f"INC001,Phones down,{big},Telephony,P1,Resolved,2026-10-05T09:00:00Z,,0\n"
        + "INC002,CRM slow,,CRM,P3,Closed,2026-10-06T10:00:00Z,,1,EXTRA\n", encoding="utf-8")


def _large(path: Path, last: str) -> None:
    body = "".join(GOOD_ROW.format(i=f"INC{i:06d}") for i in range(199_999))
    path.write_text(HEADER + body + last, encoding="utf-8")


def _large_ragged_last_row(path: Path) -> None:
    # Protection: csvparse._ragged_message finds the row number after pyarrow refuses the file.
    _large(path, "INC999999,Broken,CRM,P3,Closed,2026-10-06T10:00:00Z,,1,EXTRA\n")


def _large_bad_date_last_row(path: Path) -> None:
    # Protection: normalise.parse_timestamps lists unreadable values with their row numbers.
    _large(path, "INC999999,Broken,CRM,P3,Closed,not a date,,1\n")


def _zip_bomb(path: Path) -> None:
    # Protection: readers.MAX_XLSX_UNCOMPRESSED, checked from the declared sizes before
    # openpyxl inflates anything. 528 MB of zeros deflate to about 2.4 MB.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 24)
            for _ in range(MAX_XLSX_UNCOMPRESSED // len(chunk) + 1):
                member.write(chunk)


def _long_record(path: Path) -> None:
    # Protection: csvparse.parse retries with a larger block when a record straddles two.
    path.write_text(
        "incident_id,title,description,priority,opened_at\n"
        "INC001,Phones down,short,P1,2026-10-05T09:00:00Z\n"
        f'INC002,CRM slow,"{"y" * (6 << 20)}",P3,2026-10-06T10:00:00Z\n'
        "INC003,Email,,P4,2026-10-07T08:00:00Z\n", encoding="utf-8")


def _long_header(path: Path) -> None:
    # Protection: csvparse.parse's sample holds the whole header line (up to 1 MB).
    extra = ",".join(f"custom_field_{i:04d}_" + "z" * 80 for i in range(1000))
    blanks = "," * 1000
    path.write_text(f"incident_id,title,priority,opened_at,{extra}\n"
                    f"INC001,Phones down,P1,2026-10-05T09:00:00Z{blanks}\n"
                    f"INC002,CRM slow,P3,2026-10-06T10:00:00Z{blanks}\n", encoding="utf-8")


def _no_line_break(path: Path) -> None:
    path.write_text("incident_id," + "x" * (2 << 20), encoding="utf-8")


GENERATED = {
    "long_record.csv": _long_record,
    "long_header.csv": _long_header,
    "no_line_break.csv": _no_line_break,
    "big_field.csv": _big_field,
    "big_field_ragged.csv": _big_field_ragged,
    "large_ragged_last_row.csv": _large_ragged_last_row,
    "large_bad_date_last_row.csv": _large_bad_date_last_row,
    "zip_bomb.xlsx": _zip_bomb,
}


# --------------------------------------------------------------------------- helpers


def case_path(name: str, tmp_path: Path) -> Path:
    if EXPECTED[name].get("generated"):
        path = tmp_path / name
        GENERATED[name](path)
        return path
    return BAD / name


def argv_for(name: str, path: Path) -> list[str]:
    run = EXPECTED[name].get("run") or ["validate", "{file}", "--format", "json", "--strict"]
    return [a.format(file=path, good=BAD / "good.csv", dir=BAD) for a in run]


def check_value(got, want, where) -> None:
    if want is None:
        assert got is None or pd.isna(got), where
    elif isinstance(want, str) and re.match(r"^\d{4}-\d\d-\d\dT", want):
        assert got == pd.Timestamp(want), where
    elif isinstance(want, (int, float)) and not isinstance(want, bool):
        assert got == want, where
    else:
        assert str(got) == want, where


# --------------------------------------------------------------------------- the tests


def test_every_file_has_an_expectation():
    files = {p.name for p in BAD.iterdir()} - NOT_CASES
    committed = {n for n, c in EXPECTED.items() if not c.get("generated")}
    assert files == committed
    assert {n for n, c in EXPECTED.items() if c.get("generated")} == set(GENERATED)
    assert all(c.get("why") and c.get("guard") for c in EXPECTED.values())


def test_the_text_files_match_their_generator():
    """The committed bytes are the ones make_corpus.py describes (no editor re-encoding)."""
    sys.path.insert(0, str(BAD))
    try:
        import make_corpus
    finally:
        sys.path.remove(str(BAD))
    for name, data in make_corpus.TEXT.items():
        assert (BAD / name).read_bytes() == data, name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_input(name, tmp_path):
    case = EXPECTED[name]
    path = case_path(name, tmp_path)
    r = run_cli(*argv_for(name, path))
    code, out, err = r.returncode, r.stdout, r.stderr

    assert code == case["exit"], (code, err[-2000:])
    # Nothing from the input reaches the terminal as a raw control character.
    assert not _RAW_CONTROL.search(out + err), repr((out + err)[:500])
    assert "Traceback" not in err and "internal error" not in err
    if code:
        errors = [ln for ln in err.splitlines() if ln.startswith("ccreport: error:")]
        assert len(errors) == 1, err
        assert len(errors[0]) < 700, errors[0][:800]  # one readable line, even for a 1 MB field
        for word in case.get("says", []):
            assert word in errors[0], (word, errors[0])
    if "quality" in case or "issues" in case:
        dq = json.loads(out)["data_quality"]
        for key, value in (case.get("quality") or {}).items():
            assert dq[key] == value, (key, dq[key], value)
        for want in case.get("issues", []):
            assert any(i["row"] == want["row"] and i["field"] == want["field"] and want["says"] in i["problem"]
                       for i in dq["issues"]), (want, dq["issues"][:10])
    if "spot" in case:
        opts = case.get("load") or {}
        source = BAD / opts["input"] if "input" in opts else path
        mapping = BAD / opts["mapping"] if "mapping" in opts else None
        inc = load([source], Config(), mapping=mapping).incidents.set_index("incident_id")
        for incident_id, fields in case["spot"].items():
            row = inc.loc[str(incident_id)]
            for field, want in fields.items():
                if field.endswith(".len"):
                    assert len(row[field[:-4]]) == want, (incident_id, field)
                else:
                    check_value(row[field], want, (incident_id, field, row[field]))


@pytest.mark.parametrize("name", ["nul_bytes.csv", "cp1252_pound.csv"])
def test_the_installed_entry_point_behaves_the_same(name, tmp_path):
    """`python -m ccreport.cli validate FILE` in a real process: same exit code, one line."""
    case = EXPECTED[name]
    r = run_process(*argv_for(name, BAD / name), cwd=tmp_path, timeout=120)
    assert r.returncode == case["exit"], r.stderr
    if r.returncode:
        (line,) = [ln for ln in r.stderr.splitlines() if ln.startswith("ccreport: error:")]
        assert all(word in line for word in case["says"])
    else:
        assert json.loads(r.stdout)["data_quality"]["incidents"] == case["quality"]["incidents"]


def test_xml_entities_leak_nothing():
    """Protection: the stdlib expat parser openpyxl uses for sheets resolves no external
    entity and caps entity expansion; readers.read_xlsx turns its error into one line."""
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    r = run_cli("validate", BAD / "xml_entities.xlsx")
    code, out, err = r.returncode, r.stdout, r.stderr
    assert code == 1
    if hostname:
        assert hostname not in out + err
    assert "lollol" not in out + err
