"""Readers: turn one export file into a table of strings with its original headers.

Every reader returns a `RawTable`: the original header names (repeats kept, as Jira writes
them), unique column keys for the frame, and every cell as text (or a datetime for typed
XLSX/Parquet cells). Type conversion is normalisation's job, so that "0123" keeps its zero and
"NA" is not silently missing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import mmap
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..errors import IngestError

#: XLSX files larger than this when unzipped are refused (zip-bomb guard). The sizes are the
#: ones the archive declares; Python's zipfile stops inflating a member at its declared size,
#: so a member that lies about its size cannot get past this either.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
#: ...and so are workbooks with more parts than any real export has.
MAX_XLSX_MEMBERS = 10_000
_DELIMITERS = ",;\t|"

# The csv module refuses fields over 128 KiB by default; a 1 MB description is data, not an
# error (the header and the slow ragged-row path read with it).
csv.field_size_limit(2**31 - 1)


@dataclass
class RawTable:
    path: str
    headers: list[str]  # original header text, repeats kept
    frame: pd.DataFrame  # columns = unique keys (see unique_keys), values text or datetime
    #: Spreadsheet row number (header = row 1) of each frame row; None where unknown.
    row_numbers: pd.Series | None = None
    #: Container key of a JSON export ("incidents", "result" or None for a bare array).
    json_root: str | None = None

    def rows(self) -> pd.Series:
        """The spreadsheet row number of each frame row, as every message names it: the
        header is row 1, so the first data row is row 2 (XLSX keeps the sheet's own numbers,
        blank rows skipped; JSON numbers its records from 1)."""
        if self.row_numbers is not None:
            return self.row_numbers
        return pd.Series(np.arange(2, len(self.frame) + 2), index=self.frame.index)


def unique_keys(headers: list[str]) -> list[str]:
    """Unique frame column keys for possibly repeated headers: 'Comment', 'Comment__2', ..."""
    seen: dict[str, int] = {}
    keys = []
    for h in headers:
        n = seen.get(h, 0) + 1
        seen[h] = n
        keys.append(h if n == 1 else f"{h}__{n}")
    return keys


def read(path: str | Path, sheet: str | None = None,
         dictionary: Callable[[list[str]], set[str]] | None = None,
         typed: Callable[[list[str]], set[str]] | None = None,
         markers: tuple[str, ...] = ()) -> RawTable:
    """Read any supported export by its extension (content-sniffed for .txt and unknown).

    `dictionary(headers)` names the CSV columns to dictionary-encode while reading (low
    cardinality: category, priority, status ...): they arrive as pandas categoricals, so every
    later step works once per distinct value instead of once per row. `typed(headers)` names
    the CSV columns pyarrow may type itself while reading (timestamps, counts): a clean ISO or
    integer column is parsed by the multi-threaded reader, anything else arrives as text for
    the general parsers; `markers` are the missing markers for those typed columns.
    """
    p = Path(path)
    if not p.exists():
        raise IngestError(f"{p}: file not found.")
    if p.is_dir():
        raise IngestError(f"{p}: is a folder; name the export file itself.")
    try:
        size = p.stat().st_size
    except OSError as err:
        raise IngestError(f"{p}: cannot read ({err.strerror}).") from None
    if size == 0:
        raise IngestError(f"{p}: the file is empty; export the incidents again.")
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(p, sheet)
    if suffix == ".xls":
        raise IngestError(f"{p}: old .xls workbooks are not supported; save it as .xlsx or CSV.")
    if suffix == ".json":
        return read_json(p)
    if suffix in (".parquet", ".pq"):
        return read_parquet(p)
    try:
        with p.open("rb") as f:
            head = f.read(8)
    except OSError as err:
        raise IngestError(f"{p}: cannot read ({err.strerror or err}).") from None
    if head.startswith(b"PK\x03\x04"):
        return read_xlsx(p, sheet)
    if head.startswith(b"PAR1"):
        return read_parquet(p)
    return read_csv(p, dictionary, typed, markers)


# --- CSV -------------------------------------------------------------------------------------


def _decode(p: Path, data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise IngestError(f"{p}: looks like UTF-16 but cannot be decoded; save it as UTF-8 CSV.") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    bomless = _utf16_without_bom(data)
    if bomless:
        try:
            return data.decode(bomless), bomless
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: the NUL-byte error below says what to do
    if b"\x00" in data:
        row = data[: data.index(b"\x00")].count(b"\n") + 1
        raise IngestError(
            f"{p}: contains NUL bytes (first on line {row}); this is not a text CSV. "
            "Export it again as CSV (UTF-8)."
        )
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as err:
        utf8_err = err
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        line = data[: utf8_err.start].count(b"\n") + 1
        raise IngestError(
            f"{p}: line {line}: not UTF-8 or Windows-1252 text; save it as UTF-8 CSV and run again."
        ) from None


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' for text that is plainly UTF-16 without a byte-order mark
    (mostly-ASCII text: a NUL in every other byte and never in the others), else None."""
    sample = data[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    sample = sample[: len(sample) // 2 * 2]
    even, odd = sample[0::2], sample[1::2]
    if even.count(0) == 0 and odd.count(0) >= 0.9 * len(odd):
        return "utf-16-le"
    if odd.count(0) == 0 and even.count(0) >= 0.9 * len(even):
        return "utf-16-be"
    return None


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: csv.Sniffer first, then the most common candidate
    in the header line that also appears consistently in the next lines."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        pass
    lines = [ln for ln in sample.splitlines()[:20] if ln.strip()]
    if not lines:
        return ","
    counts = {d: lines[0].count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_csv(p: Path, dictionary: Callable[[list[str]], set[str]] | None = None,
             typed: Callable[[list[str]], set[str]] | None = None, markers: tuple[str, ...] = (),
             *, noun: str = "incidents", allow_empty: bool = False) -> RawTable:
    """A CSV export, parsed by pyarrow straight from a read-only memory map of the file (no
    copy into Python bytes; UTF-16 and cp1252 files are re-encoded to UTF-8 first).

    Every other delimited input (--events, --contacts) is read here too, so that decoding,
    delimiter sniffing and row numbers are the same for all of them: `noun` names what the
    rows are in the messages about an empty file; `allow_empty` accepts a header row alone."""
    try:
        with p.open("rb") as f:
            data: mmap.mmap | bytes = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as err:
        raise IngestError(f"{p}: cannot read ({getattr(err, 'strerror', None) or err}).") from None
    mapped = data
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff") or data.find(b"\x00") != -1:
            text, _ = _decode(p, data[:])  # UTF-16, or a clear NUL-byte error
            data = text.encode("utf-8")
        start = 3 if data[:3] == b"\xef\xbb\xbf" else 0
        try:
            return _parse_csv(p, data, start, dictionary, typed, markers, noun, allow_empty)
        except _NotUtf8:
            text, _ = _decode(p, data[start:])  # cp1252 as Excel writes it, or a clear error
            return _parse_csv(p, text.encode("utf-8"), 0, dictionary, typed, markers, noun, allow_empty)
    finally:
        # mmap refuses to close while pyarrow still holds a view of it (then the collector
        # unmaps it later); the parsed table owns copies of its values.
        with contextlib.suppress(BufferError):
            mapped.close()


class _NotUtf8(Exception):
    pass


def _parse_csv(p: Path, data: mmap.mmap | bytes, start: int,
               dictionary: Callable[[list[str]], set[str]] | None = None,
               typed: Callable[[list[str]], set[str]] | None = None, markers: tuple[str, ...] = (),
               noun: str = "incidents", allow_empty: bool = False) -> RawTable:
    """Parse UTF-8 CSV bytes (from offset `start`) with pyarrow (fast, multi-threaded)."""
    sample = data[start:start + 65536].decode("utf-8", errors="replace")
    if not sample.strip():
        raise IngestError(f"{p}: the file is empty; export the {noun} again.")
    delimiter = sniff_delimiter(sample)
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
    try:
        headers = next(reader)
    except (StopIteration, csv.Error) as err:
        raise IngestError(f"{p}: cannot read the header row ({err}).") from None
    headers = [h.strip() for h in headers]
    while headers and headers[-1] == "":  # a trailing delimiter on the header line
        headers.pop()
    if not any(headers):
        raise IngestError(f"{p}: the header row is empty; the first line must name the columns.")
    keys = unique_keys([h or f"column_{i + 1}" for i, h in enumerate(headers)])
    # Headers that repeat (exactly, or as presets match them: 'opened_at' and 'Opened At')
    # are coalesced and cross-checked later, which needs them as text: never encode or type them.
    norm = [re.sub(r"[^a-z0-9]+", "", h.lower()) for h in headers]
    single = {h for h, n in zip(headers, norm) if norm.count(n) == 1}
    encode = dictionary(headers) if dictionary else set()
    encode = {h for h in encode if h in single}
    infer = typed(headers) if typed else set()
    infer = {h for h in infer if h in single and h not in encode}
    # Columns left out of column_types are typed by pyarrow: ISO timestamps and integers only
    # (its timestamp_parsers default is ISO 8601); a column with anything else stays text.
    types = {k: (_DICT if h in encode else pa.string()) for h, k in zip(headers, keys) if h not in infer}
    # A value can only span lines inside quotes. With no quote after the header line, pyarrow
    # may cut the file into blocks at any newline (its fast chunker); otherwise it must track
    # quotes across blocks.
    body_start = data.find(b"\n", start)
    quoted = body_start == -1 or data.find(b'"', body_start) != -1
    buffer = pa.py_buffer(data)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(buffer.slice(start) if start else buffer),
            read_options=pacsv.ReadOptions(column_names=keys, skip_rows=1, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                null_values=sorted(set(markers) | {""}),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        if "UTF8" in str(err) or "utf8" in str(err).lower():
            raise _NotUtf8() from None
        if "Expected" in str(err) and "columns" in str(err):
            # A ragged row: find its spreadsheet row number on the slow path (errors only).
            text = data[start:].decode("utf-8", errors="replace")
            raise IngestError(_ragged_message(p, text, delimiter, len(keys))) from None
        raise IngestError(f"{p}: cannot parse as CSV ({str(err).splitlines()[0]}).") from None
    finally:
        del buffer  # the table owns copies of every value; the map can be unmapped
    if table.num_rows == 0 and not allow_empty:
        raise IngestError(f"{p}: has a header row but no {noun}; export with data rows.")
    table = _untype_odd_columns(table)
    frame = table.to_pandas(types_mapper=_PANDAS_TYPES.get)
    return RawTable(str(p), headers, frame, row_numbers=None)


#: Text stays Arrow-backed; typed numbers arrive nullable (a count column with blanks is Int64
#: with missing values, not float64 with NaN to be rounded back).
_PANDAS_TYPES = {pa.string(): pd.StringDtype("pyarrow"), pa.int64(): pd.Int64Dtype(),
                 pa.float64(): pd.Float64Dtype()}


def _untype_odd_columns(table: pa.Table) -> pa.Table:
    """Keep only the inferred types the normalisers expect (timestamps, integers, floats);
    anything else pyarrow guessed (dates, times, booleans) goes back to text."""
    for i, field in enumerate(table.schema):
        t = field.type
        if pa.types.is_timestamp(t) and t.unit != "ns":
            # Nanoseconds, as pandas works in, while still in Arrow (one cheap pass); a year
            # past 2262 stays in seconds for the range check to set aside, not overflow.
            try:
                table = table.set_column(i, field.name, table.column(i).cast(pa.timestamp("ns", t.tz)))
            except pa.ArrowInvalid:
                pass
            continue
        if (pa.types.is_string(t) or pa.types.is_dictionary(t) or pa.types.is_timestamp(t)
                or pa.types.is_integer(t) or pa.types.is_floating(t)):
            continue
        if pa.types.is_binary(t) or pa.types.is_large_binary(t):
            raise _NotUtf8()  # pyarrow types text that is not UTF-8 as binary: try cp1252
        if pa.types.is_null(t):
            col = pa.nulls(table.num_rows, pa.string())
        else:
            col = table.column(i).cast(pa.string())
        table = table.set_column(i, field.name, col)
    return table


def _ragged_message(p: Path, text: str, delimiter: str, expected: int) -> str:
    """Find the spreadsheet row of the first ragged record (slow path, errors only)."""
    bad = []
    try:
        for i, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
            if i == 0 or not row:
                continue
            if len(row) != expected:
                bad.append((i + 1, len(row)))
    except csv.Error:
        pass  # quoting the stdlib reader cannot follow either: say what we know
    if not bad:
        return f"{p}: a row has a different number of fields than the header; check the delimiter and quoting."
    more = f" ({len(bad) - 1} more such rows)" if len(bad) > 1 else ""
    row, width = bad[0]
    return (f"{p}: row {row} has {width} fields but the header has {expected}{more}; "
            "check the delimiter and quoting of that row.")


_DICT = pa.dictionary(pa.int32(), pa.string())


# --- XLSX ------------------------------------------------------------------------------------


def read_xlsx(p: Path, sheet: str | None) -> RawTable:
    try:
        with zipfile.ZipFile(p) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise IngestError(f"{p}: not a valid .xlsx workbook (damaged or another format).") from None
    if len(members) > MAX_XLSX_MEMBERS:
        raise IngestError(
            f"{p}: the workbook holds {len(members):,} parts, over the {MAX_XLSX_MEMBERS:,} limit; "
            "export it as CSV instead."
        )
    total = sum(i.file_size for i in members)
    if total > MAX_XLSX_UNCOMPRESSED:
        raise IngestError(
            f"{p}: the workbook unpacks to {total // (1 << 20)} MB, over the "
            f"{MAX_XLSX_UNCOMPRESSED // (1 << 20)} MB limit; export it as CSV instead."
        )
    import openpyxl

    try:
        wb = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for damaged files
        raise IngestError(f"{p}: cannot open the workbook ({err}).") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise IngestError(
                    f"{p}: no sheet named {sheet!r}; the sheets are {', '.join(wb.sheetnames)}."
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        # Formulas are never evaluated: data_only=True gives the value Excel saved with the
        # file; a formula saved without one (by a tool that does not calculate) reads as empty.
        rows = ws.iter_rows(values_only=True)
        headers_raw = next(rows, None)
        if headers_raw is None or not any(h is not None and str(h).strip() for h in headers_raw):
            raise IngestError(f"{p}: sheet {ws.title!r} is empty; the first row must name the columns.")
        headers = [("" if h is None else str(h)).strip() for h in headers_raw]
        while headers and headers[-1] == "":
            headers.pop()
        width = len(headers)
        records = []
        numbers = []  # the sheet row of each record (blank rows are skipped, not renumbered)
        for sheet_row, r in enumerate(rows, start=2):
            r = list(r[:width]) + [None] * (width - len(r))
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in r):
                continue
            records.append(r)
            numbers.append(sheet_row)
    except IngestError:
        raise
    except Exception as err:  # damaged or hostile sheet XML surfaces while iterating
        raise IngestError(f"{p}: cannot read the workbook ({type(err).__name__}: {str(err)[:200]}).") from None
    finally:
        wb.close()
    if not records:
        raise IngestError(f"{p}: sheet {ws.title!r} has a header row but no incidents.")
    keys = unique_keys([h or f"column_{i + 1}" for i, h in enumerate(headers)])
    frame = pd.DataFrame.from_records(records, columns=keys)
    # Text cells stay text; numbers become their text (no float '.0' for whole numbers);
    # datetimes stay datetimes (naive local time, as Excel stores them).
    for k in keys:
        col = frame[k]
        if pd.api.types.is_datetime64_any_dtype(col):
            continue
        frame[k] = _cells_to_text(col)
    return RawTable(str(p), headers, frame, row_numbers=pd.Series(numbers, index=frame.index))


def _cells_to_text(col: pd.Series) -> pd.Series:
    """Object column of Excel cell values -> strings, keeping datetimes as pandas Timestamps."""
    import datetime as dt

    types = col.map(type)
    if (types == dt.datetime).any():
        is_dt = types == dt.datetime
        if is_dt.all() or (is_dt | col.isna()).all():
            return pd.to_datetime(col)
    # Per cell, because openpyxl hands over Python objects of mixed types; XLSX exports are
    # bounded in size by the zip guard above.
    out = col.map(
        lambda v: ""
        if v is None or (isinstance(v, float) and v != v)
        else (str(int(v)) if isinstance(v, float) and v.is_integer() else
              v.isoformat(sep=" ") if isinstance(v, (dt.datetime, dt.date, dt.time)) else str(v))
    )
    return out.astype("str")


# --- JSON ------------------------------------------------------------------------------------


def read_json(p: Path) -> RawTable:
    try:
        data = json.loads(p.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise IngestError(f"{p}: not UTF-8 text; save the JSON as UTF-8.") from None
    except json.JSONDecodeError as err:
        raise IngestError(f"{p}: line {err.lineno}: invalid JSON ({err.msg}).") from None
    except RecursionError:
        raise IngestError(f"{p}: the JSON is nested too deeply to be an incident export.") from None
    except ValueError as err:  # e.g. an integer with more digits than Python converts
        raise IngestError(f"{p}: invalid JSON ({str(err)[:200]}).") from None
    except OSError as err:
        raise IngestError(f"{p}: cannot read ({err.strerror or err}).") from None
    root = None
    if isinstance(data, dict):
        for key in ("incidents", "result", "records", "data", "issues"):
            if isinstance(data.get(key), list):
                root = key
                data = data[key]
                break
        else:
            raise IngestError(
                f"{p}: the JSON must be an array of incident records or {{\"incidents\": [...]}}; "
                f"found an object with keys {', '.join(list(data)[:8])}."
            )
    if not isinstance(data, list):
        raise IngestError(f"{p}: the JSON must be an array of incident records, not a {type(data).__name__}.")
    if not data:
        raise IngestError(f"{p}: the JSON holds no incidents.")
    bad = next((i for i, r in enumerate(data) if not isinstance(r, dict)), None)
    if bad is not None:
        raise IngestError(f"{p}: record {bad + 1} is not an object; each incident must be a JSON object.")
    frame = pd.json_normalize(data, sep=".")
    # Lists (e.g. PagerDuty acknowledgements) stay as Python objects; presets pick from them.
    headers = [str(c) for c in frame.columns]
    for c in frame.columns:
        col = frame[c]
        if col.map(lambda v: isinstance(v, (list, dict))).any():
            continue
        frame[c] = col.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else
                           (str(int(v)) if isinstance(v, float) and v.is_integer() else
                            ("true" if v is True else "false" if v is False else str(v)))).astype("str")
    frame.columns = unique_keys(headers)
    numbers = pd.Series(range(1, len(frame) + 1), index=frame.index)
    return RawTable(str(p), headers, frame, row_numbers=numbers, json_root=root)


# --- Parquet ---------------------------------------------------------------------------------


def read_parquet(p: Path) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(p)
    except (pa.ArrowException, OSError, ValueError) as err:
        why = str(err).splitlines()[0] if str(err) else type(err).__name__
        why = why.split("': ", 1)[-1] if why.startswith("Could not open Parquet input source") else why
        raise IngestError(f"{p}: not a readable Parquet file ({why[:200]}).") from None
    if table.num_rows == 0:
        raise IngestError(f"{p}: the Parquet file holds no incidents.")
    try:
        # Parquet readers trust the file's strings; a damaged file can hold bytes that are not
        # UTF-8, which would only fail later, wherever a value is first looked at.
        table.validate(full=True)
    except pa.ArrowInvalid as err:
        raise IngestError(f"{p}: damaged Parquet file ({str(err).splitlines()[0][:200]}).") from None
    try:
        frame = table.to_pandas()
    except (pa.ArrowException, ValueError, TypeError) as err:
        raise IngestError(f"{p}: cannot convert the Parquet columns ({str(err).splitlines()[0][:200]}).") from None
    headers = [str(c) for c in frame.columns]
    for c in frame.columns:
        col = frame[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            continue
        if pd.api.types.is_bool_dtype(col):
            frame[c] = col.map({True: "true", False: "false"}).fillna("").astype("str")
        elif pd.api.types.is_integer_dtype(col):
            frame[c] = col.astype("Int64").astype("str").fillna("")
        elif pd.api.types.is_float_dtype(col):
            frame[c] = col.map(lambda v: "" if pd.isna(v) else (str(int(v)) if float(v).is_integer() else repr(float(v)))).astype("str")
        else:
            frame[c] = col.astype("str").fillna("")
    frame.columns = unique_keys(headers)
    return RawTable(str(p), headers, frame, row_numbers=None)
