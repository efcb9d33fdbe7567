"""Regenerate the bad-input corpus in this folder: `python tests/data/bad/make_corpus.py`.

Most cases are small text files written byte for byte here, so that what each file holds (a
BOM, a NUL byte, cp1252 bytes, a tab in YAML) is visible in one place rather than hidden in an
editor's rendering. Big or slow-to-build cases (a 1 MB field, 200,000 rows, a zip bomb) are not
committed: tests/test_bad_input.py generates them into tmp_path. expected.yaml says what each
file must do.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = "incident_id,title,category,priority,status,opened_at,resolved_at,reopen_count\n"
ROW1 = "INC001,Phones down,Telephony,P1,Resolved,2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
ROW2 = "INC002,CRM slow,CRM,P3,Closed,2026-10-06T10:00:00Z,2026-10-06T16:30:00Z,1\n"
GOOD = HEADER + ROW1 + ROW2

TEXT: dict[str, bytes] = {
    # A clean export: the control case, and the input the YAML cases run against.
    "good.csv": GOOD.encode(),
    "empty.csv": b"",
    "header_only.csv": HEADER.encode(),
    "missing_required_column.csv": (
        "incident_id,title,priority\nINC001,Phones down,P1\nINC002,CRM slow,P3\n").encode(),
    "unknown_columns_only.csv": b"colour,size,weight\nred,10,3\nblue,12,4\n",
    # European Excel writes semicolons: sniffed, read like commas.
    "semicolon_delimiter.csv": GOOD.replace(",", ";").encode(),
    # A delimiter ccreport does not sniff: the whole header is one column.
    "wrong_delimiter.csv": GOOD.replace(",", "~").encode(),
    "ragged_rows.csv": (HEADER + ROW1 + "INC002,CRM slow,CRM,P3,Closed,2026-10-06T10:00:00Z,2026-10-06T16:30:00Z,1,extra\n"
                        + "INC003,Email,Email,P4,New,2026-10-07T08:00:00Z,,0\n").encode(),
    "quoted_newlines.csv": (
        HEADER.replace("title", "title,description")
        + 'INC001,Phones down,"line one\nline two, with a comma\n""quoted""",Telephony,P1,Resolved,'
          "2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
        + 'INC002,CRM slow,"",CRM,P3,Closed,2026-10-06T10:00:00Z,2026-10-06T16:30:00Z,1\n').encode(),
    "nul_bytes.csv": (HEADER + ROW1).encode() + b"INC002,CRM\x00 slow,CRM,P3,Closed,2026-10-06T10:00:00Z,,1\n",
    # Control characters other than NUL are kept as data (renderers strip what XML cannot
    # hold); an escape sequence in a duplicated ID must not reach the terminal raw.
    "control_chars.csv": (
        HEADER
        + "INC\x1b[31m001,Bell\x07 and \x0bvertical tab \x7f,Tele\x01phony,P1,Resolved,"
          "2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
        + "INC\x1b[31m001,Again \u202eevil\u202c,CRM,P3,Closed,2026-10-06T10:00:00Z,2026-10-06T16:30:00Z,1\n"
        + ROW2.replace("INC002", "INC003")).encode(),
    # Excel's "Unicode Text": UTF-16LE with a BOM, tab-separated.
    "utf16_bom.txt": b"\xff\xfe" + GOOD.replace(",", "\t").replace("CRM slow", "CRM slow – £").encode("utf-16-le"),
    # The same without a BOM (some tools omit it): recognised by its NUL-every-other-byte shape.
    "utf16_no_bom.csv": GOOD.encode("utf-16-le"),
    "cp1252_pound.csv": (HEADER + ROW1.replace("Phones down", "Headset £25 refund – urgent")
                         + ROW2).encode("cp1252"),
    "utf8_bom.csv": b"\xef\xbb\xbf" + GOOD.encode(),
    # ISO with Z, ISO naive, ISO with offset, day-first numeric, Jira's month names: all valid.
    "mixed_date_formats.csv": (
        "incident_id,opened_at,resolved_at,priority\n"
        "INC001,2026-10-05T09:00:00Z,2026-10-05 11:00,P1\n"
        "INC002,2026-10-06T10:00:00+01:00,25/10/2026 16:30,P2\n"
        "INC003,07/10/2026 08:00,2026-10-07T09:00:00Z,P3\n"
        "INC004,25/Oct/26 10:17 PM,26/Oct/26 9:05 AM,P4\n").encode(),
    # Row 2 can only be day-first (13 > 12), row 3 only month-first: an error naming both rows.
    "dayfirst_contradiction.csv": (
        "incident_id,opened_at,priority\nINC001,13/01/2026 09:00,P1\nINC002,01/13/2026 10:00,P2\n"
        "INC003,05/01/2026 11:00,P3\n").encode(),
    # 1900-01-01 is Excel's zero date; 2100 a typo: both implausible for an incident.
    "dates_1900_2100.csv": (
        "incident_id,opened_at,resolved_at,priority\n"
        "INC001,1900-01-01 00:00,2026-10-05T11:00:00Z,P1\n"
        "INC002,2026-10-06T10:00:00Z,2100-01-01T00:00:00Z,P2\n"
        "INC003,2026-10-07T10:00:00Z,2026-10-07T12:00:00Z,P3\n").encode(),
    # Beyond what nanosecond timestamps hold (2262): a typo, not a crash.
    "year_5026.csv": (
        "incident_id,opened_at,resolved_at,priority\n"
        "INC001,5026-10-05T09:00:00Z,2026-10-05T11:00:00Z,P1\n"
        "INC002,2026-10-06T10:00:00Z,06/10/5026 16:30,P2\n"
        "INC003,2026-10-07T10:00:00Z,2026-10-07T12:00:00Z,P3\n").encode(),
    "resolved_before_opened.csv": (
        "incident_id,opened_at,resolved_at,status,priority\n"
        "INC001,2026-10-05T09:00:00Z,2026-10-05T08:00:00Z,Resolved,P1\n"
        "INC002,2026-10-06T10:00:00Z,2026-10-06T16:30:00Z,Resolved,P2\n").encode(),
    "duplicate_ids.csv": (GOOD + ROW1.replace("Phones down", "Phones down (updated)")).encode(),
    # Two opened_at columns ("Opened At" is the same field) that disagree on row 3, as in an
    # export joined from two sources; row 4 has only the second.
    "duplicate_column_names.csv": (
        "incident_id,opened_at,title,Opened At,priority\n"
        "INC001,2026-10-05T09:00:00Z,Phones down,2026-10-05T09:00:00Z,P1\n"
        "INC002,2026-10-06T10:00:00Z,CRM slow,2026-10-09T10:00:00Z,P2\n"
        "INC003,,Email,2026-10-07T08:00:00Z,P3\n").encode(),
    "numeric_columns_with_text.csv": (
        "incident_id,opened_at,priority,reopen_count,customers_affected,csat\n"
        "INC001,2026-10-05T09:00:00Z,P1,two,\"1,234\",4.5\n"
        "INC002,2026-10-06T10:00:00Z,P2,1,many,excellent\n").encode(),
    "negative_counts.csv": (
        "incident_id,opened_at,priority,reopen_count,reassignment_count\n"
        "INC001,2026-10-05T09:00:00Z,P1,-1,2\n"
        "INC002,2026-10-06T10:00:00Z,P2,0,-3\n").encode(),
    # JSON numbers beyond any count: 1e400 parses as infinity, 1e300 overflows Int64.
    "huge_numbers.json": (
        b'[{"incident_id": "INC001", "opened_at": "2026-10-05T09:00:00Z", "priority": "P1",'
        b' "reopen_count": 1e400, "customers_affected": 1e300, "csat": NaN},'
        b' {"incident_id": "INC002", "opened_at": "2026-10-06T10:00:00Z", "priority": "P2",'
        b' "reopen_count": 2, "customers_affected": "-inf", "csat": 4.5}]\n'),
    "not_a_list.json": b'{"count": 2, "generated": "2026-10-31"}\n',
    "scalar.json": b'"INC001"\n',
    # An object whose keys (quoted back in the error) hold a terminal escape sequence.
    "escape_in_keys.json": b'{"\\u001b]0;owned\\u0007title": 1, "\\u001b[2Jclear": 2}\n',
    # Deep enough to exhaust Python's recursion limit in json.loads.
    "deep_nesting.json": b"[" * 100_000 + b"]" * 100_000,
    "not_really.xlsx": GOOD.encode(),
    # --- YAML (run as --config or --mapping against good.csv) -------------------------------
    "alias_bomb.yaml": (
        'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
        "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
        "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
        "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n").encode(),
    "duplicate_keys.yaml": b"timezone: Europe/London\ndayfirst: true\ntimezone: UTC\n",
    # YAML 1.1 would read NO as false, 0123 as 83 and 1:30 as 90 (sexagesimal); the mapping
    # only works if all three stay the strings typed.
    "yaml11_scalars.yaml": (
        "columns:\n  incident_id: 0123\n  opened_at: 1:30\n  priority: NO\n"
        "priorities:\n  NO: P1\n  off: P2\n").encode(),
    "invalid_date.yaml": (
        "timezone: Europe/London\ncalendars:\n  office:\n    days: [mon, tue, wed, thu, fri]\n"
        "    holidays:\n      dates: [2026-12-25, 2026-13-45]\n").encode(),
    "tabs.yaml": b"timezone: Europe/London\norganisation:\n\tname: Northwind\n",
    "syntax_error.yaml": b"timezone: Europe/London\norganisation: {name: Northwind\ndayfirst: true\n",
    "deep_nesting.yaml": b"organisation: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "python_tag.yaml": b"timezone: !!python/object/apply:os.system ['echo pwned']\n",
}

# --- issue 13: encoding from evidence, NULs, crafted JSON and YAML ---------------------------
TEXT.update({
    # UTF-8 ("Télécom" twice) with one stray Windows-1252 apostrophe (0x92) in a title: UTF-8
    # with that byte replaced and reported, not a cp1252 file that splits the category in two.
    "utf8_stray_byte.csv": (HEADER + ROW1.replace("Telephony", "Télécom")).encode()
    + b"INC002,CRM\x92s slow,T\xc3\xa9l\xc3\xa9com,P3,Closed,2026-10-06T10:00:00Z,2026-10-06T16:30:00Z,1\n",
    # Really Windows-1252: accents that never form UTF-8 sequences, and no valid one.
    "cp1252_accents.csv": (HEADER + ROW1.replace("Telephony", "Télécom").replace("Phones down", "Réseau coupé – “urgent”")
                           + ROW2.replace("CRM,", "Télécom,")).encode("cp1252"),
    # A NUL inside a quoted field at spreadsheet row 3, which is line 5 of the file (row 2's
    # description spans three lines).
    "nul_in_quoted_field.csv": (
        HEADER.replace("title", "title,description")
        + 'INC001,Phones down,"line one\nline two\nline three",Telephony,P1,Resolved,'
          "2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n").encode()
    + b'INC002,CRM slow,"bad\x00 byte",CRM,P3,Closed,2026-10-06T10:00:00Z,,1\n'
    + b"INC003,Email,,Email,P4,New,2026-10-07T08:00:00Z,,0\n",
    # Blank lines between records (pyarrow skips them; a spreadsheet shows them as rows): the
    # unreadable date is in spreadsheet row 5.
    "blank_lines.csv": (b"incident_id,opened_at,priority\nINC001,2026-10-05T09:00:00Z,P1\n\n\r\n"
                        b"INC002,yesterday,P2\n\n"),
    # A binary file named .csv: NULs in a large share of its bytes.
    "binary_nuls.csv": b"incident_id,title\n" + b"\x00\x01\x02\x00\x00\x00\x10\x00" * 64,
    # A JSON list where one ID is expected.
    "list_as_id.json": (
        b'[{"incident_id": [1, 2], "opened_at": "2026-10-05T09:00:00Z", "priority": "P1"},'
        b' {"incident_id": "INC002", "opened_at": "2026-10-06T10:00:00Z", "priority": "P2"}]\n'),
    # Lone surrogates: escapes no UTF-8 text can hold (a valid pair and an escaped backslash
    # are left alone).
    "lone_surrogate.json": (
        b'[{"incident_id": "INC001", "title": "bad \\ud800 title", "opened_at": "2026-10-05T09:00:00Z", "priority": "P1"},'
        b' {"incident_id": "INC002", "title": "ok \\ud83d\\ude00 \\\\ud800", "opened_at": "2026-10-06T10:00:00Z",'
        b' "priority": "P2"}]\n'),
    # A YAML complex key: a list used as a key.
    "complex_key.yaml": b"timezone: UTC\n? [a, b]\n: 1\n",
})

#: The CSV the YAML 1.1 mapping reads: its headers are the strings 0123, 1:30 and NO.
TEXT["yaml11_mapped.csv"] = (
    "0123,1:30,NO\nINC001,2026-10-05T09:00:00Z,NO\nINC002,2026-10-06T10:00:00Z,off\n").encode()


def formulas_xlsx() -> bytes:
    """A workbook as Excel saves it: formulas with their cached values (openpyxl cannot write
    cached values, so they are added to the sheet XML afterwards)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Incidents"
    ws.append(["incident_id", "title", "priority", "opened_at", "reopen_count"])
    ws.append(["INC001", '=HYPERLINK("http://127.0.0.1:9/x","Phones down")', "P1", "2026-10-05T09:00:00Z", "=1+1"])
    ws.append(["INC002", "CRM slow", '=CONCAT("P","3")', "2026-10-06T10:00:00Z", 0])
    # A formula with no cached value (saved by a tool that does not calculate): read as empty.
    ws.append(["INC003", "=cmd|' /C calc'!A0", "P4", "2026-10-07T08:00:00Z", 1])
    buf = io.BytesIO()
    wb.save(buf)
    cached = {"B2": ("str", "Phones down"), "E2": ("n", "2"), "C3": ("str", "P3")}
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for ref, (kind, value) in cached.items():
                    text, n = re.subn(
                        rf'<c r="{ref}"([^>]*)><f>(.*?)</f><v\s*/?>(?:</v>)?</c>',
                        lambda m: f'<c r="{ref}" t="{kind}"><f>{m.group(2)}</f><v>{value}</v></c>',
                        text,
                    )
                    assert n == 1, (ref, text)
                data = text.encode()
            dst.writestr(item, data)
    return out.getvalue()


def xml_entities_xlsx() -> bytes:
    """A workbook whose sheet XML declares entities: an external one pointing at a local file
    (XXE) and a nested internal one (billion laughs). Neither may end up in the data."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["incident_id", "title", "priority", "opened_at"])
    ws.append(["INC001", "TITLE1", "P1", "2026-10-05T09:00:00Z"])
    ws.append(["INC002", "TITLE2", "P2", "2026-10-06T10:00:00Z"])
    buf = io.BytesIO()
    wb.save(buf)
    doctype = (
        '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">'
        '<!ENTITY l0 "lollollollollollollollollollol">'
        + "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
        + "]>"
    )
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                text = text.replace("<worksheet", doctype + "<worksheet", 1)
                text = text.replace("TITLE1", "&xxe;").replace("TITLE2", "&l9;")
                data = text.encode()
            dst.writestr(item, data)
    return out.getvalue()


def blank_rows_xlsx() -> bytes:
    """Blank rows between incidents (people tidy spreadsheets): issues must still name the
    sheet row a reader sees in Excel."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["incident_id", "title", "priority", "opened_at"])
    ws.append(["INC001", "Phones down", "P1", "2026-10-05T09:00:00Z"])
    ws.append([None, None, None, None])
    ws.append([None, "   ", None, None])
    ws.append(["INC002", "CRM slow", "P2", "yesterday"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def truncated_parquet() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"incident_id": ["INC001", "INC002"], "opened_at": ["2026-10-05T09:00:00Z"] * 2})
    buf = io.BytesIO()
    pq.write_table(table, buf)
    data = buf.getvalue()
    return data[: len(data) * 2 // 3]  # cut off mid-file: no footer


def _small_workbook() -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["incident_id", "title", "priority", "opened_at"])
    ws.append(["INC001", "Phones down", "P1", "2026-10-05T09:00:00Z"])
    ws.append(["INC002", "CRM slow", "P2", "2026-10-06T10:00:00Z"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _replace_part(workbook: bytes, name: str, edit) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item.filename, edit(data) if item.filename == name else data)
    return out.getvalue()


def shared_strings_workbook(extra: bytes = b"") -> bytes:
    """The small workbook with its text in a shared-string table, as Excel writes it
    (openpyxl writes inline strings), followed by `extra` <si> entries no cell uses."""
    src = zipfile.ZipFile(io.BytesIO(_small_workbook()))
    sheet = src.read("xl/worksheets/sheet1.xml").decode()
    strings: list[str] = []

    def shared(m: re.Match) -> str:
        strings.append(m.group(2))
        return f'<c r="{m.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'
    sheet = re.sub(r'<c r="(\w+)" t="inlineStr"><is><t>(.*?)</t></is></c>', shared, sheet)
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sst = (f'<sst xmlns="{ns}" count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
           + b"".join(f"<si><t>{t}</t></si>".encode() for t in strings) + extra + b"</sst>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                    b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Type="http://schemas.openxmlformats.org/'
                                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" '
                                    b'Id="rId99"/></Relationships>')
            dst.writestr(item.filename, data)
        dst.writestr("xl/sharedStrings.xml", sst)
    return out.getvalue()


def shared_strings_bomb_xlsx() -> bytes:
    """Two incidents and a shared-string table of 1.5 million unused strings (40 MB unpacked,
    a few KB packed): openpyxl would parse every one before reading a cell."""
    return shared_strings_workbook(b"<si><t>lol lol lol</t></si>" * 1_500_000)


def deflate_bomb_xlsx() -> bytes:
    """A sheet padded with 32 MB of whitespace between its elements (valid XML) that deflates
    about 1,000 times."""
    def edit(data: bytes) -> bytes:
        return data.replace(b"<sheetData>", b"<sheetData>" + b" " * (32 << 20), 1)
    return _replace_part(_small_workbook(), "xl/worksheets/sheet1.xml", edit)


def _parquet(table, metadata: dict | None) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(metadata), buf)
    return buf.getvalue()


def _incidents_table():
    import pyarrow as pa

    return pa.table({"incident_id": ["INC001", "INC002"], "title": ["Phones down", "CRM slow"],
                     "priority": ["P1", "P2"], "opened_at": ["2026-10-05T09:00:00Z", "2026-10-06T10:00:00Z"]})


def pandas_metadata_rename_parquet() -> bytes:
    """`pandas` schema metadata that would rename incident_id to title (and title away)."""
    import json

    cols = [{"name": new, "field_name": old, "pandas_type": "unicode", "numpy_type": "object", "metadata": None}
            for old, new in (("incident_id", "title"), ("title", "x"), ("priority", "priority"),
                             ("opened_at", "opened_at"))]
    meta = {"index_columns": [], "column_indexes": [], "columns": cols, "pandas_version": "2.2.0"}
    return _parquet(_incidents_table(), {b"pandas": json.dumps(meta).encode()})


def pandas_metadata_crash_parquet() -> bytes:
    """`pandas` schema metadata that crashes pandas' reconstruction of the frame."""
    meta = b'{"index_columns": [{"kind": "range", "start": 0, "stop": 1e99, "step": 0}], "columns": 5}'
    return _parquet(_incidents_table(), {b"pandas": meta})


def year_minus_34000_parquet() -> bytes:
    """Typed timestamps (seconds) in year -34,000: valid Parquet, not an incident time."""
    import pyarrow as pa

    minus_34000 = -1_135_103_587_200  # -34000-01-01T00:00:00 in seconds since 1970
    oct5 = 1_791_190_800  # 2026-10-05T09:00:00
    t = _incidents_table().drop_columns(["opened_at"])
    t = t.append_column("opened_at", pa.array([minus_34000, oct5 + 86400], pa.timestamp("s", "UTC")))
    t = t.append_column("resolved_at", pa.array([oct5, minus_34000], pa.timestamp("s", "UTC")))
    return _parquet(t, None)


def binary_not_utf8_parquet() -> bytes:
    """A binary (not string) title column holding a byte that is not UTF-8."""
    import pyarrow as pa

    t = _incidents_table().drop_columns(["title"])
    t = t.append_column("title", pa.array([b"Phones \xff down", b"CRM slow"], pa.binary()))
    return _parquet(t, None)


# --- issue 13, items 8 and 9: values that would crash or corrupt figures ---------------------
TEXT.update({
    # No working day: every SLA clock would stay at zero and every SLA be 100 % met.
    "calendar_no_days.yaml": (
        "timezone: Europe/London\ncalendars:\n  office:\n    days: []\n    hours: \"08:00-18:00\"\n"
        "sla:\n  P3: {respond: 4h, resolve: 24h, calendar: office}\n").encode(),
    # 10^9 weeks of contact baseline reach past what a timestamp holds (was an internal error).
    "baseline_weeks_huge.yaml": b"timezone: Europe/London\ncontacts:\n  baseline_weeks: 1000000000\n",
    # One incident four times: plain, with a zero-width space, a BOM and a left-to-right mark
    # (copied from a web page or chat); and a category with a word joiner.
    "invisible_ids.csv": (
        "incident_id,title,category,priority,status,opened_at,resolved_at,reopen_count\n"
        "INC001,Phones down,Telephony,P1,Resolved,2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
        "INC001\u200b,Phones down,Telephony,P1,Resolved,2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
        "\ufeffINC001,Phones down,Telephony,P1,Resolved,2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
        "INC001\u200e,Phones down,Tele\u2060phony,P1,Resolved,2026-10-05T09:00:00Z,2026-10-05T11:00:00Z,0\n"
        "INC002,CRM slow,CRM\u200f,P3,Closed,2026-10-06T10:00:00Z,2026-10-06T16:30:00Z,1\n").encode(),
    # --events with a state typo ("In Progres" would end the On Hold pause unseen) and an ID
    # with a zero-width space (which would attach the update to no incident).
    "events_state_typo.csv": (
        "incident_id,timestamp,type,text,author,audience\n"
        "INC001,2026-10-05T09:10:00Z,state,On Hold,Service Desk,\n"
        "INC001,2026-10-05T09:40:00Z,state,In Progres,Service Desk,\n"
        "INC001\u200b,2026-10-05T09:50:00Z,update,Engineer on site,Service Desk,customers\n"
        "INC002,2026-10-06T11:00:00Z,state,In Progres,CRM Team,\n"
        "INC002,2026-10-06T12:00:00Z,state,on hold,CRM Team,\n").encode(),
    # A count beyond int64 (it showed wrapped round, negative) after a blank line: the error
    # names the spreadsheet row (header = row 1, the blank line is row 3).
    "contacts_huge_count.csv": (
        "interval_start,channel,offered,answered,abandoned,answered_in_sl,handle_seconds\n"
        "2026-10-05T09:00:00Z,Voice,120,110,10,90,30000\n\n"
        "2026-10-05T09:15:00Z,Voice,99999999999999999999,110,10,90,30000\n").encode(),
})


BINARY = {"formulas.xlsx": formulas_xlsx, "xml_entities.xlsx": xml_entities_xlsx,
          "blank_rows.xlsx": blank_rows_xlsx,
          "truncated.parquet": truncated_parquet,
          "shared_strings_bomb.xlsx": shared_strings_bomb_xlsx, "deflate_bomb.xlsx": deflate_bomb_xlsx,
          "pandas_metadata_rename.parquet": pandas_metadata_rename_parquet,
          "pandas_metadata_crash.parquet": pandas_metadata_crash_parquet,
          "year_minus_34000.parquet": year_minus_34000_parquet,
          "binary_not_utf8.parquet": binary_not_utf8_parquet}


def main() -> None:
    for name, data in TEXT.items():
        (HERE / name).write_bytes(data)
    for name, make in BINARY.items():
        (HERE / name).write_bytes(make())
    print(f"wrote {len(TEXT) + len(BINARY)} files to {HERE}")


if __name__ == "__main__":
    main()
