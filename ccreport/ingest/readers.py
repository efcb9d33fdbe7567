"""Readers: turn one export file into a table of strings with its original headers.

Every reader returns a `RawTable`: the original header names (repeats kept, as Jira writes
them), unique column keys for the frame, and every cell as text (or a datetime for typed
XLSX/Parquet cells). Type conversion is normalisation's job, so that "0123" keeps its zero and
"NA" is not silently missing.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import mmap
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import IngestError
from . import csvparse
from .csvparse import regular_file_size, unique_keys

__all__ = ["RawTable", "read", "read_csv", "regular_file_size", "unique_keys"]

#: XLSX files larger than this when unzipped are refused (zip-bomb guard). The sizes are the
#: ones the archive declares; Python's zipfile stops inflating a member at its declared size,
#: so a member that lies about its size cannot get past this either.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
#: ...and so are workbooks with more parts than any real export has.
MAX_XLSX_MEMBERS = 10_000
#: A part over MAX_XLSX_RATIO_FROM bytes unpacked may not deflate more than this many times
#: (real sheet XML: 5 to 30 times; a bomb of repeated bytes: about 1,000 times).
MAX_XLSX_RATIO = 200
MAX_XLSX_RATIO_FROM = 16 * 1024 * 1024
#: The smallest XML a sheet cell takes (`<c t="s"><v>0</v></c>` is 20 bytes), and the most
#: shared-string XML one cell can use (32,767 characters, XML-escaped and UTF-8).
_MIN_CELL_XML = 16
_MAX_CELL_TEXT_XML = 32_767 * 2


@dataclass
class RawTable:
    path: str
    headers: list[str]  # original header text, repeats kept
    frame: pd.DataFrame  # columns = unique keys (see unique_keys), values text or datetime
    #: Spreadsheet row number (header = row 1) of each frame row; None where unknown.
    row_numbers: pd.Series | None = None
    #: Container key of a JSON export ("incidents", "result" or None for a bare array).
    json_root: str | None = None
    #: What the reader had to repair to read the file (a NUL removed, bytes that are not
    #: UTF-8 replaced): (spreadsheet row or None, header, problem) for the first few cells...
    repairs: list[tuple[int | None, str, str]] = field(default_factory=list)
    #: ...and how many cells were repaired in all (each counts for `validate --strict`).
    repaired: int = 0

    def rows(self) -> pd.Series:
        """The spreadsheet row number of each frame row, as every message names it: the
        header is row 1, so the first data row is row 2 (XLSX keeps the sheet's own numbers,
        blank rows skipped; JSON numbers its records from 1)."""
        if self.row_numbers is not None:
            return self.row_numbers
        return pd.Series(np.arange(2, len(self.frame) + 2), index=self.frame.index)


def read(path: str | Path, sheet: str | None = None,
         dictionary: Callable[[list[str]], set[str]] | None = None,
         typed: Callable[[list[str]], set[str]] | None = None,
         markers: tuple[str, ...] = (), ahead: object = None) -> RawTable:
    """Read any supported export by its extension (content-sniffed for .txt and unknown).

    `dictionary(headers)` names the CSV columns to dictionary-encode while reading (low
    cardinality: category, priority, status ...): they arrive as pandas categoricals, so every
    later step works once per distinct value instead of once per row. `typed(headers)` names
    the CSV columns pyarrow may type itself while reading (timestamps, counts): a clean ISO or
    integer column is parsed by the multi-threaded reader, anything else arrives as text for
    the general parsers; `markers` are the missing markers for those typed columns.

    `ahead`: the token a read of this file was started ahead with (`csvparse.read_ahead`), when
    the caller started one: its table is used if the token and the file are unchanged.
    """
    p = Path(path)
    started = csvparse.claim(p, ahead, dictionary, typed, markers) if ahead is not None else None
    try:
        raw = _read(p, sheet, dictionary, typed, markers, started)
        started = None
        return raw
    finally:
        if started is not None:  # not a CSV after all, or a check failed first
            started.discard()


def _read(p: Path, sheet: str | None, dictionary: Callable[[list[str]], set[str]] | None,
          typed: Callable[[list[str]], set[str]] | None, markers: tuple[str, ...],
          ahead: csvparse.Ahead | None) -> RawTable:
    size = regular_file_size(p)
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
    return read_csv(p, dictionary, typed, markers, ahead=ahead)


# --- CSV -------------------------------------------------------------------------------------


#: Stand-ins while parsing: Unicode noncharacters (which no export holds) put where a NUL was
#: removed or a byte that is not text was replaced, so that the cells can be found and
#: reported once pyarrow has split the records (see _report_marks).
_NUL_MARK = "\ufdd0"
_BAD_MARK = "\ufdd1"
#: A file (not UTF-16) with NULs whose NULs and other control bytes (not tab, line feed,
#: carriage return, form feed, escape) exceed this share of its bytes is binary, not text.
BINARY_NUL_SHARE = 0.01
_BINARY_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def _mark_bad(err: UnicodeError) -> tuple[str, int]:
    return _BAD_MARK, err.end  # type: ignore[attr-defined]


codecs.register_error("ccreport-mark", _mark_bad)


def _decode(p: Path, data: bytes) -> tuple[str, str]:
    """(text, encoding) of a text file's bytes by the rules of _decode_marked, with removed
    NULs gone and replaced bytes as U+FFFD (for readers that do not report per cell)."""
    text, encoding = _decode_marked(p, data)
    return text.replace(_NUL_MARK, "").replace(_BAD_MARK, "\ufffd"), encoding


def _decode_marked(p: Path, data: bytes) -> tuple[str, str]:
    """Decode an export's bytes as (text, encoding), deciding the encoding from evidence:

    - a UTF-16 byte-order mark, or a NUL in every other byte (UTF-16 without a BOM): UTF-16;
    - NULs together with other control bytes in over BINARY_NUL_SHARE of the bytes
      otherwise: refused, a binary file (a few NULs in text are damage: removed, reported);
    - valid UTF-8 (BOM or not): UTF-8;
    - otherwise the bytes that are not UTF-8 are weighed against the valid multi-byte UTF-8
      sequences: a file with valid multi-byte sequences and no more bad bytes than those is
      UTF-8 with a few damaged bytes, and each bad byte sequence is replaced; a file without
      valid multi-byte sequences (or with more bad bytes than good ones) is Windows-1252, as
      Excel's "CSV" writes it (refused if it holds one of the five bytes cp1252 leaves undefined).

    NULs left in the text and replaced bytes become the _NUL_MARK and _BAD_MARK stand-ins.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16").replace("\x00", _NUL_MARK), "utf-16"
        except UnicodeDecodeError:
            raise IngestError(f"{p}: looks like UTF-16 but cannot be decoded; save it as UTF-8 CSV.") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    bomless = _utf16_without_bom(data)
    if bomless:
        try:
            return data.decode(bomless).replace("\x00", _NUL_MARK), bomless
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: treated as 8-bit text below
    nuls = data.count(b"\x00")
    # Binary files (a workbook or an archive renamed .csv) hold NULs and other control bytes
    # throughout; a damaged export holds a few NULs (or a zero-filled block) in text.
    controls = len(data) - len(data.translate(None, _BINARY_BYTES)) if nuls else 0
    if controls > max(8, BINARY_NUL_SHARE * len(data)):
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise IngestError(
            f"{p}: NUL bytes in a binary file ({controls / len(data):.0%} of its bytes are control "
            f"bytes, first NUL on line {line}); this is not a text CSV. Export it again as CSV (UTF-8)."
        )
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="ccreport-mark")
        bad = text.count(_BAD_MARK)
        multibyte = len(text) - len(text.encode("ascii", "ignore")) - bad
        encoding = "utf-8"
        if not multibyte or bad > multibyte:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError as err:  # one of the five bytes cp1252 leaves undefined
                line = data[: err.start].count(b"\n") + 1
                raise IngestError(f"{p}: line {line}: not UTF-8 or Windows-1252 text; save it as UTF-8 "
                                  "CSV and run again.") from None
    if nuls:
        text = text.replace("\x00", _NUL_MARK)
    return text, encoding


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


def read_csv(p: Path, dictionary: Callable[[list[str]], set[str]] | None = None,
             typed: Callable[[list[str]], set[str]] | None = None, markers: tuple[str, ...] = (),
             *, noun: str = "incidents", allow_empty: bool = False,
             ahead: csvparse.Ahead | None = None) -> RawTable:
    """A CSV export, parsed by pyarrow straight from a read-only memory map of the file (no
    copy into Python bytes; UTF-16 and cp1252 files are re-encoded to UTF-8 first).

    Every other delimited input (--events, --contacts) is read here too, so that decoding,
    delimiter sniffing and row numbers are the same for all of them: `noun` names what the
    rows are in the messages about an empty file; `allow_empty` accepts a header row alone.
    `ahead`: the same first pass, already started (csvparse.read_ahead)."""
    data, start, parsed = (ahead.result() if ahead is not None
                           else csvparse.first_pass(p, dictionary, typed, markers, noun, allow_empty))
    try:
        if parsed is not None:  # UTF-8 (most files)
            return _to_raw(p, parsed, data, start)
        # UTF-16, NUL bytes, bytes that are not UTF-8: decoded by the rules of _decode_marked, and
        # whatever had to be removed or replaced is found per cell and reported.
        text, encoding = _decode_marked(p, data[:])
        encoded = text.encode("utf-8")
        return _report_marks(_to_raw(p, csvparse.parse(p, encoded, 0, dictionary, typed, markers, noun, allow_empty),
                                     encoded, 0), encoding)
    finally:
        csvparse.close_map(data)


def _report_marks(raw: RawTable, encoding: str) -> RawTable:
    """Put the final text where _decode_marked left stand-ins (a NUL is removed, a bad byte becomes
    U+FFFD) and list the cells concerned in `raw.repairs` (spreadsheet row, header), counted
    in `raw.repaired`. Arrow kernels per column; Python only for the few cells listed."""
    name = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}.get(encoding, encoding)
    bad = ("lone UTF-16 surrogate escape(s) (\\ud800-\\udfff) replaced by U+FFFD" if encoding == "json"
           else f"byte(s) that are not {name} text replaced by U+FFFD")
    marks = {_NUL_MARK: ("NUL byte(s) removed", ""), _BAD_MARK: (bad, "\ufffd")}
    header_row = None if encoding == "json" else 1
    numbers = raw.row_numbers
    headers = []
    for h in raw.headers:
        for mark, (what, repl) in marks.items():
            if mark in h:
                raw.repaired += 1
                raw.repairs.append((header_row, h.replace(_NUL_MARK, "").replace(_BAD_MARK, "\ufffd"),
                                    f"{'key' if encoding == 'json' else 'header'}: {h.count(mark)} {what}"))
                h = h.replace(mark, repl)
        headers.append(h)
    frame = raw.frame
    for h, key in zip(headers, list(frame.columns)):
        col = frame[key]
        if isinstance(col.dtype, pd.CategoricalDtype):
            cats = pd.Series(col.cat.categories.astype("str"))
            if not cats.str.contains(f"[{_NUL_MARK}{_BAD_MARK}]", regex=True).any():
                continue
            col = col.astype("str").where(col.notna(), None)
            categorical = True
        elif isinstance(col.dtype, pd.StringDtype):
            categorical = False
        else:
            continue  # typed by pyarrow (numbers, timestamps): no stand-in survives typing
        arr = pa.array(col.tolist(), type=pa.string()) if categorical else _arrow_text(col)
        changed = False
        for mark, (what, repl) in marks.items():
            counts = pc.count_substring(arr, mark)
            hit = pc.fill_null(pc.greater(counts, 0), False)
            n = pc.sum(hit).as_py() or 0
            if not n:
                continue
            changed = True
            raw.repaired += n
            positions = pc.indices_nonzero(hit).to_pylist()[:5]
            for i in positions:
                row = int(numbers.iloc[i]) if numbers is not None else i + 2
                raw.repairs.append((row, h, f"{counts[i].as_py()} {what}"))
            if n > len(positions):
                raw.repairs.append((None, h, f"{n - len(positions)} more values with {what}"))
            arr = pc.replace_substring(arr, mark, repl)
        if changed:
            text = pd.Series(pd.array(arr, dtype="str"), index=frame.index)
            frame[key] = text.astype("category") if categorical else text
    if headers != raw.headers:
        raw.headers = headers
        frame.columns = unique_keys([h or f"column_{i + 1}" for i, h in enumerate(headers)])
    return raw


def _arrow_text(col: pd.Series) -> pa.Array | pa.ChunkedArray:
    arr = getattr(col.array, "_pa_array", None)
    if arr is not None and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr
    return pa.array(col.astype("str").where(col.notna(), None).tolist(), type=pa.string())


def _to_raw(p: Path, parsed: csvparse.Parsed, data: mmap.mmap | bytes, start: int) -> RawTable:
    """The pandas stage of a CSV read: the Arrow table as a frame of text (and typed columns)."""
    held = [parsed.table]
    parsed.table = None
    frame = _to_pandas(held)
    release_memory()  # the parse buffers, before the pandas stages allocate their own
    rows = _blank_line_rows(data, start, parsed.delimiter, frame.index) if parsed.blank_lines else None
    return RawTable(str(p), parsed.headers, frame, row_numbers=rows)




def _to_pandas(held: list[pa.Table]) -> pd.DataFrame:
    """The table as a frame, one column at a time: each Arrow column is dropped from the table
    as it is converted and its memory handed back (Arrow's pool keeps what is freed for reuse,
    so converting the whole table at once, even with `self_destruct`, held most of the table
    beside the frame: at 1M rows the peak was 107 MB higher and the conversion 2.8 times as
    long). Text stays in Arrow (zero-copy); one block per column (`split_blocks`), so nothing
    is consolidated into a second copy. The table comes in a list it is taken from, so that no
    other reference keeps its converted columns."""
    table = held.pop()
    columns: dict[str, pd.Series] = {}
    names = table.column_names
    for key in names:
        one = pa.table([table.column(0)], names=[key])
        table = table.remove_column(0)
        columns[key] = one.to_pandas(types_mapper=_PANDAS_TYPES.get, self_destruct=True, split_blocks=True)[key]
        del one
        release_memory()
    if not names:
        return pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    return pd.DataFrame(columns, copy=False)


def release_memory() -> None:
    """Hand the memory Arrow's allocator keeps for reuse (freed parse buffers, columns already
    converted) back to the system, so it is not held beside what pandas allocates next."""
    with contextlib.suppress(Exception):
        pa.default_memory_pool().release_unused()


def _blank_line_rows(data: mmap.mmap | bytes, start: int, delimiter: str, index: pd.Index) -> pd.Series | None:
    """Spreadsheet row numbers (header = row 1) when blank lines between records shift them:
    pyarrow skips blank lines, a spreadsheet shows them as rows. None (row = record + 1) for
    files without blank lines, which is nearly all (_has_blank_lines, checked first); the slow
    csv pass runs only for the rest."""
    end = csvparse.data_end(data, start)
    if not csvparse.has_blank_lines(data, start):
        return None
    text = data[start:end].decode("utf-8", errors="replace")
    try:
        rows = [i + 1 for i, rec in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
                if i and rec]
    except csv.Error:
        return None
    return pd.Series(rows, index=index) if len(rows) == len(index) else None


#: Text stays Arrow-backed; typed numbers arrive nullable (a count column with blanks is Int64
#: with missing values, not float64 with NaN to be rounded back).
_PANDAS_TYPES = {pa.string(): pd.StringDtype("pyarrow"), pa.int64(): pd.Int64Dtype(),
                 pa.float64(): pd.Float64Dtype()}


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
    _check_expansion(p, members)
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


def _check_expansion(p: Path, members: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook whose parts expand far beyond their size, from the declared sizes:
    openpyxl parses the whole shared-string table up front (a 418 KB file of a few million
    strings took 70 s and 1 GB for two incidents), so the table may not hold more text than
    the sheets' cells can use (a cell references at most one string of at most 32,767
    characters), and no large part may deflate more than MAX_XLSX_RATIO times."""
    cells = sum(i.file_size for i in members
                if i.filename.lower().startswith("xl/worksheets/")) // _MIN_CELL_XML
    allowed = max(1 << 20, cells * _MAX_CELL_TEXT_XML)
    for i in members:
        if i.filename.lower() == "xl/sharedstrings.xml" and i.file_size > allowed:
            raise IngestError(
                f"{p}: the workbook's shared strings unpack to {i.file_size // (1 << 20)} MB, far more "
                f"than its sheets' cells can use (at most {allowed // (1 << 20)} MB); not a plain "
                "export. Export it again or as CSV."
            )
    for i in members:
        if i.file_size > MAX_XLSX_RATIO_FROM and i.file_size > MAX_XLSX_RATIO * max(i.compress_size, 1):
            raise IngestError(
                f"{p}: the workbook part {i.filename[:80]!r} expands {i.file_size // max(i.compress_size, 1):,} "
                f"times (over the {MAX_XLSX_RATIO}-fold limit); not a plain export. Export it as CSV instead."
            )


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


_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_surrogates(v: object) -> object:
    """A JSON value with lone surrogates (`"\\ud800"`, which no UTF-8 text can hold) marked
    for _report_marks; valid pairs were already joined by the parser."""
    if isinstance(v, str):
        return _SURROGATE.sub(_BAD_MARK, v)
    if isinstance(v, list):
        return [_no_surrogates(x) for x in v]
    return v


def read_json(p: Path) -> RawTable:
    try:
        text = p.read_bytes().decode("utf-8-sig")
        # Only text with a \uD8xx-\uDFxx escape can hold a lone surrogate: the others parse
        # without a hook.
        hook = (lambda pairs: {_no_surrogates(k): _no_surrogates(v) for k, v in pairs}) \
            if re.search(r"\\u[dD][89a-fA-F]", text) else None
        data = json.loads(text, object_pairs_hook=hook)
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
    raw = RawTable(str(p), headers, frame, row_numbers=numbers, json_root=root)
    return _report_marks(raw, "json") if hook is not None else raw


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
    table, marked = _binary_as_text(table)
    try:
        # The schema's `pandas` metadata is ignored: it is the writer's say, not data, and a
        # crafted one renames columns, invents an index or crashes the conversion.
        frame = table.replace_schema_metadata(None).to_pandas()
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
    raw = RawTable(str(p), headers, frame, row_numbers=None)
    return _report_marks(raw, "utf-8") if marked else raw


def _binary_as_text(table: pa.Table) -> tuple[pa.Table, bool]:
    """Binary Parquet columns as UTF-8 text; bytes that are not UTF-8 are marked for
    _report_marks (replaced and listed) instead of failing wherever a value is first used."""
    marked = False
    for i, f in enumerate(table.schema):
        t = f.type
        if not (pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)):
            continue
        try:
            col = table.column(i).cast(pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            # Per value, only for a binary column holding bytes that are not UTF-8.
            col = pa.array([None if v is None else v.decode("utf-8", errors="ccreport-mark")
                            for v in table.column(i).to_pylist()], pa.string())
            marked = True
        table = table.set_column(i, f.name, col)
    return table, marked
