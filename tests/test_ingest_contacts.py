"""The contacts loader reads through the incident readers: the same decodings, delimiters and
spreadsheet row numbers as every other input (issue 12)."""

from __future__ import annotations

import pytest

from ccreport.config import Config
from ccreport.errors import IngestError
from ccreport.ingest import load_contacts as package_load_contacts
from ccreport.ingest.contacts import load_contacts

CONFIG = Config(timezone="Europe/London")
HEADER = "interval_start,channel,offered,answered,abandoned,answered_in_sl,handle_seconds\n"
ROW = "2026-10-06T09:00:00Z,Caf\u00e9 line,10,9,1,8,1800\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_every_encoding_the_incident_readers_accept(tmp_path, encoding):
    p = tmp_path / "c.csv"
    p.write_bytes((HEADER + ROW).encode(encoding))
    df = load_contacts(p, CONFIG)
    assert df["channel"].tolist() == ["Caf\u00e9 line"]
    assert df["offered"].tolist() == [10]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_sniffed_delimiters_and_spaced_headers(tmp_path, delimiter):
    header = "Interval Start,Channel,Offered,Answered,Abandoned,Answered In SL,Handle Seconds\n"
    p = tmp_path / "c.csv"
    p.write_text((header + ROW).replace(",", delimiter), encoding="utf-8")
    assert len(load_contacts(p, CONFIG)) == 1


def test_rows_are_spreadsheet_rows_as_in_ingest(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + ROW + ROW.replace("09:00", "09:15").replace(",10,", ",x,"), encoding="utf-8")
    with pytest.raises(IngestError, match=r"c\.csv: row 3, column offered: 'x' is not a number"):
        load_contacts(p, CONFIG)


def test_a_ragged_row_names_its_row(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + ROW + "2026-10-06T09:15:00Z,Voice,10\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"row 3 has 3 fields but the header has 7"):
        load_contacts(p, CONFIG)


def test_empty_file_and_header_only(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match=r"empty\.csv: the file is empty; a contacts CSV needs"):
        load_contacts(empty, CONFIG)
    blank = tmp_path / "blank.csv"
    blank.write_text("\n\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"blank\.csv: the file is empty; export the contact intervals"):
        load_contacts(blank, CONFIG)
    header_only = tmp_path / "header.csv"
    header_only.write_text(HEADER, encoding="utf-8")
    df = load_contacts(header_only, CONFIG)  # as before: no intervals, an empty frame
    assert df.empty and list(df.columns)[:2] == ["interval_start", "channel"]


def test_the_package_re_exports_the_loader(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text(HEADER + ROW, encoding="utf-8")
    assert len(package_load_contacts(p, CONFIG)) == 1
