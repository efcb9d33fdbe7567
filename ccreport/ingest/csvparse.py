"""The first stage of reading a CSV export, which needs pyarrow and nothing heavier: open the
file as a read-only memory map, sniff its delimiter and header row, and parse it into an Arrow
table (`first_pass`). `readers.read_csv` turns that table into the frame of text pandas works
on.

Because this stage does not import pandas (nor anything of ccreport's that does), it can start
before pandas is imported: `read_ahead` runs it in a thread for a command's first export while
the main thread imports pandas and the rest of the pipeline (pyarrow parses with the GIL
released, on the other core), and `readers.read` takes the table it made (`claim`) when the
arguments it would have read the file with are the same and the file has not changed since.
"""

from __future__ import annotations

import contextlib
import csv
import io
import mmap
import os
import re
import stat
import threading
import zoneinfo  # noqa: F401  (imported for pyarrow: see below)
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.csv as pacsv

# pyarrow looks up a time zone through `zoneinfo`, importing it at the first tz-aware value.
# If that first import happens in the read-ahead thread while the main thread is importing
# pandas (which imports zoneinfo too), the import can fail. pyarrow then reports "The zoneinfo
# module or pytz package must be installed", and the command ends in an internal error (seen
# once in `metrics` as a process). So zoneinfo is imported here, in the main thread, before
# any read starts.

from ..errors import IngestError

# The csv module refuses fields over 128 KiB by default; a 1 MB description is data, not an
# error (the header and the slow ragged-row path read with it).
csv.field_size_limit(2**31 - 1)

_DELIMITERS = ",;\t|"
#: A header line longer than this is not an export's header row.
MAX_HEADER_BYTES = 1 << 20
#: A CSV record (one incident) longer than this is refused; pyarrow's blocks grow up to it.
MAX_RECORD_BYTES = 1 << 28

#: The streaming read's block: the parse's transient buffers are about one block per column
#: being converted, so the peak is the table plus a few blocks rather than about 2.5 times the
#: table (the whole-file reader parses every block before converting). 1 MiB measured no
#: slower than 4 MiB at 1M rows, and 256 KiB no leaner.
STREAM_BLOCK = 1 << 20
#: The whole-file reader's first block (the fallback below).
WHOLE_BLOCK = 1 << 22


_DICT = pa.dictionary(pa.int32(), pa.string())


def unique_keys(headers: list[str]) -> list[str]:
    """Unique frame column keys for possibly repeated headers: 'Comment', 'Comment__2', ..."""
    seen: dict[str, int] = {}
    keys = []
    for h in headers:
        n = seen.get(h, 0) + 1
        seen[h] = n
        keys.append(h if n == 1 else f"{h}__{n}")
    return keys


def regular_file_size(p: Path) -> int:
    """The size of `p`, which must be a regular file: a missing file, a folder, a FIFO (which
    would block the read until a writer comes, possibly forever), a socket or a device
    (/dev/zero never ends, /dev/null would be called empty) is one line naming it."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise IngestError(f"{p}: file not found.") from None
    except OSError as err:
        raise IngestError(f"{p}: cannot read ({err.strerror}).") from None
    except ValueError:  # a NUL in the name
        raise IngestError(f"{p!r}: not a valid file name.") from None
    if stat.S_ISDIR(st.st_mode):
        raise IngestError(f"{p}: is a folder; name the export file itself.")
    if not stat.S_ISREG(st.st_mode):
        kind = "a pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) else "a device"
        raise IngestError(f"{p}: is {kind}, not a regular file; save the export to a file and name that.")
    return st.st_size


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


class _NotUtf8(Exception):
    pass


@dataclass
class Parsed:
    """A CSV export parsed by pyarrow: its header text (repeats kept), the unique column keys,
    the table (text, dictionary-encoded text, ISO timestamps in nanoseconds, integers) and what
    the pandas stage needs to number the rows."""

    headers: list[str]
    keys: list[str]
    table: pa.Table
    delimiter: str
    blank_lines: bool
    #: What the parse was asked for (read_choices): another read with the same choices gets
    #: the same table.
    choices: tuple[dict[str, pa.DataType], list[str]] | None = None


def read_choices(headers: list[str], keys: list[str], dictionary: Callable[[list[str]], set[str]] | None,
                 typed: Callable[[list[str]], set[str]] | None, markers: tuple[str, ...]
                 ) -> tuple[dict[str, pa.DataType], list[str]]:
    """(column types, null values) of the parse: the text and dictionary-encoded columns, which
    leaves the rest for pyarrow to type (`typed`: ISO timestamps, integers), and the missing
    markers of those typed columns."""
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
    return types, sorted(set(markers) | {""})


def parse(p: Path, data: mmap.mmap | bytes, start: int,
          dictionary: Callable[[list[str]], set[str]] | None = None,
          typed: Callable[[list[str]], set[str]] | None = None, markers: tuple[str, ...] = (),
          noun: str = "incidents", allow_empty: bool = False) -> Parsed:
    """Parse UTF-8 CSV bytes (from offset `start`) with pyarrow (fast, multi-threaded)."""
    # The sample for sniffing holds the whole header line (up to MAX_HEADER_BYTES) and 64 KiB
    # of records after it.
    header_end = data.find(b"\n", start, start + MAX_HEADER_BYTES)
    if header_end == -1 and len(data) - start > MAX_HEADER_BYTES:
        raise IngestError(
            f"{p}: the first line is over {MAX_HEADER_BYTES // 1024} KB long with no line break; "
            "the first line must be a header row naming the columns (is this a CSV export?)."
        )
    try:
        # pyarrow skips the header line without checking it: a bad byte there must take the
        # path that replaces and reports it, like one in any other row.
        data[start:header_end if header_end != -1 else len(data)].decode("utf-8")
    except UnicodeDecodeError:
        raise _NotUtf8() from None
    sample = data[start:max(start + 65536, header_end + 65536)].decode("utf-8", errors="replace")
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
    choices = read_choices(headers, keys, dictionary, typed, markers)
    types, null_values = choices
    # A value can only span lines inside quotes. With no quote after the header line, pyarrow
    # may cut the file into blocks at any newline (its fast chunker); otherwise it must track
    # quotes across blocks.
    body_start = data.find(b"\n", start)
    quoted = body_start == -1 or data.find(b'"', body_start) != -1
    buffer = pa.py_buffer(data)
    blank_lines = has_blank_lines(data, start)
    split = _split_point(data, body_start + 1, data_end(data, start), quoted) if body_start != -1 else None
    if isinstance(data, mmap.mmap):
        # The scans above touched every page of the map, which counts in this process's
        # resident memory as long as it is mapped: drop them (they stay in the page cache),
        # and let pyarrow read the file itself, so the peak is the table and not the table
        # plus the whole file.
        with contextlib.suppress(OSError, ValueError, AttributeError):
            data.madvise(mmap.MADV_DONTNEED)

    def source() -> pa.NativeFile:
        if isinstance(data, mmap.mmap):
            f = pa.OSFile(str(p))
            f.seek(start)
            return f
        return pa.BufferReader(buffer.slice(start) if start else buffer)

    options = {
        "parse_options": pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=quoted),
        "convert_options": pacsv.ConvertOptions(
            column_types=types,
            null_values=null_values,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }

    def read_options(block: int) -> pacsv.ReadOptions:
        return pacsv.ReadOptions(column_names=keys, skip_rows=1, block_size=block)

    def part(begin: int, end: int | None) -> pa.NativeFile:
        if isinstance(data, mmap.mmap):
            if end is None:
                f = pa.OSFile(str(p))
                f.seek(begin)
                return f
            return pa.PythonFile(_Range(p, begin, end), mode="r")
        return pa.BufferReader(buffer.slice(begin, None if end is None else end - begin))

    table = _stream_halves(part, start, split, keys, options) if split is not None else None
    block = STREAM_BLOCK
    if table is None:
        table, block = _stream_csv(source, read_options, options)
    try:
        while table is None:
            try:
                with source() as src:
                    table = pacsv.read_csv(src, read_options=read_options(block), **options)
            except pa.ArrowInvalid as err:
                # One record longer than a block (a long description): read again with blocks
                # big enough to hold it, up to MAX_RECORD_BYTES.
                if "straddl" not in str(err) or block >= MAX_RECORD_BYTES:
                    raise
                block = min(block * 4, MAX_RECORD_BYTES)
    except pa.ArrowInvalid as err:
        if "UTF8" in str(err) or "utf8" in str(err).lower():
            raise _NotUtf8() from None
        if "Expected" in str(err) and "columns" in str(err):
            # A ragged row: find its spreadsheet row number on the slow path (errors only).
            text = data[start:].decode("utf-8", errors="replace")
            raise IngestError(_ragged_message(p, text, delimiter, len(keys))) from None
        if "straddl" in str(err):
            raise IngestError(f"{p}: a record is over {MAX_RECORD_BYTES // (1 << 20)} MB long; "
                              "check the quoting (an unclosed quote joins every later row into one).") from None
        raise IngestError(f"{p}: cannot parse as CSV ({str(err).splitlines()[0]}).") from None
    finally:
        del buffer  # the table owns copies of every value; the map can be unmapped
    if table.num_rows == 0 and not allow_empty:
        raise IngestError(f"{p}: has a header row but no {noun}; export with data rows.")
    # Handed over in a list, so that no reference here keeps each column that is cast (the
    # seconds of a timestamp column beside its nanoseconds) alive to the end.
    held = [table]
    del table
    table = _untype_odd_columns(held)
    return Parsed(headers, keys, table, delimiter, blank_lines, choices)


def _stream_csv(source: Callable[[], pa.NativeFile], read_options: Callable[[int], pacsv.ReadOptions],
                options: dict) -> tuple[pa.Table | None, int]:
    """(table, block) read block by block with pyarrow's streaming reader, or (None, block)
    when only the whole-file reader gives the answer, starting with that block size.

    The streaming reader fixes the type of each inferred column (timestamps, counts) from its
    first block, where the whole-file reader widens it to fit every block (a count column with
    one 'abc' far down is text): so any error, a later block that does not fit the first
    block's types among them, is left to the whole-file reader, which reads the file again and
    gives today's table or today's error. So do files without records (the column types of a
    header alone). A successful stream has the whole-file reader's types: both infer from a
    first block and the whole-file reader only widens a type when a later block does not fit."""
    block = STREAM_BLOCK
    while True:
        try:
            with source() as src:
                reader = pacsv.open_csv(src, read_options=read_options(block), **options)
                table = reader.read_all()  # the GIL released while it parses
        except pa.ArrowInvalid as err:
            if "straddl" in str(err) and block < MAX_RECORD_BYTES:
                block = min(block * 4, MAX_RECORD_BYTES)
                continue
            return None, max(block, WHOLE_BLOCK)
        if table.num_rows == 0:
            return None, max(block, WHOLE_BLOCK)
        return table, block


#: Files with more bytes of records than this are parsed in two halves at once (_stream_halves).
SPLIT_FROM = 16 << 20


def _split_point(data: mmap.mmap | bytes, body: int, end: int, quoted: bool) -> int | None:
    """A record boundary near the middle of the records [body, end): the offset just after the
    first line break past the middle, or None for a small file, one processor, or a file with
    a quote character after its header. In such a file a line break may be inside a quoted
    value, and counting quotes does not tell: pyarrow takes a quote inside an unquoted value
    (`12" monitor`) as text, and it reads a quoted value left open at the end of the first half
    without an error, so a wrong split could pass unnoticed."""
    if quoted or end - body < SPLIT_FROM or len(os.sched_getaffinity(0)) < 2:
        return None
    nl = data.find(b"\n", body + (end - body) // 2, end)
    return nl + 1 if nl != -1 and nl + 1 < end else None


class _Range:
    """Bytes [begin, end) of a file as a stream for pyarrow (`pa.PythonFile`), so that the first
    half of a split read stops at the split. Each read lands in a buffer of Arrow's own memory
    pool, like the blocks pyarrow reads from a file itself (Python bytes of a block's size come
    from the C heap, where two threads' worth stay held after the parse)."""

    def __init__(self, p: Path, begin: int, end: int) -> None:
        self._f = open(p, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._f.seek(begin)
        self._left = end - begin
        self.closed = False

    def read(self, n: int = -1) -> pa.Buffer:
        n = self._left if n is None or n < 0 else min(n, self._left)
        buf = pa.allocate_buffer(n)
        view = memoryview(buf).cast("B")
        got = 0
        while got < n:
            k = self._f.readinto(view[got:])
            if not k:
                break
            got += k
        self._left -= got
        return buf if got == n else buf.slice(0, got)

    def tell(self) -> int:
        return self._f.tell()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True
        self._f.close()


def _stream_halves(part: Callable[[int, int | None], pa.NativeFile], start: int, split: int, keys: list[str],
                   options: dict) -> pa.Table | None:
    """The records of a large file as one table, parsed in two halves at once (each a streaming
    read in its own thread), or None when the single stream is to decide (any error).

    The second half is read with the column types the first half inferred from its first
    block, which is exactly what the single stream does with every later block: the halves
    give the single stream's table, or fail where it would fail."""
    first_options = pacsv.ReadOptions(column_names=keys, skip_rows=1, block_size=STREAM_BLOCK)
    try:
        with part(start, split) as src:
            reader = pacsv.open_csv(src, read_options=first_options, **options)
            schema = reader.schema
            convert = options["convert_options"]
            second_convert = pacsv.ConvertOptions(
                column_types={f.name: f.type for f in schema}, null_values=convert.null_values,
                strings_can_be_null=convert.strings_can_be_null,
                quoted_strings_can_be_null=convert.quoted_strings_can_be_null)
            out: dict[str, object] = {}

            def second() -> None:
                try:
                    with part(split, None) as src2:
                        out["table"] = pacsv.open_csv(
                            src2, read_options=pacsv.ReadOptions(column_names=keys, block_size=STREAM_BLOCK),
                            parse_options=options["parse_options"], convert_options=second_convert).read_all()
                except pa.ArrowInvalid as err:
                    out["error"] = err

            helper = threading.Thread(target=second, name="ccreport-read-half", daemon=False)
            helper.start()
            try:
                head = reader.read_all()
            finally:
                helper.join()
    except pa.ArrowInvalid:
        return None
    tail = out.get("table")
    if not isinstance(tail, pa.Table) or head.num_rows == 0:
        return None
    try:
        return pa.concat_tables([head, tail])
    except pa.ArrowInvalid:
        return None


def data_end(data: mmap.mmap | bytes, start: int) -> int:
    end = len(data)
    while end > start and data[end - 1:end] in (b"\n", b"\r"):
        end -= 1  # blank lines at the very end shift nothing
    return end


def has_blank_lines(data: mmap.mmap | bytes, start: int) -> bool:
    """Whether a blank line separates records (the file's own end aside)."""
    # One regex pass (about 4x faster than two bytes.find passes for the two-byte needles).
    return _BLANK_LINE.search(data, start, data_end(data, start)) is not None


_BLANK_LINE = re.compile(rb"\n\r?\n")


def _untype_odd_columns(held: list[pa.Table]) -> pa.Table:
    """Keep only the inferred types the normalisers expect (timestamps, integers, floats);
    anything else pyarrow guessed (dates, times, booleans) goes back to text. The table comes
    in a list it is taken from: each replaced column is freed as the next one is made."""
    table = held.pop()
    for i, column in enumerate(table.schema):
        t = column.type
        if pa.types.is_timestamp(t) and t.unit != "ns":
            # Nanoseconds, as pandas works in, while still in Arrow (one cheap pass); a year
            # past 2262 stays in seconds for the range check to set aside, not overflow.
            try:
                table = table.set_column(i, column.name, table.column(i).cast(pa.timestamp("ns", t.tz)))
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
        table = table.set_column(i, column.name, col)
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




# --- the first pass and the read ahead -------------------------------------------------------


def open_map(p: Path) -> mmap.mmap:
    """A read-only memory map of the whole file (no copy into Python bytes)."""
    try:
        with p.open("rb") as f:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError) as err:
        raise IngestError(f"{p}: cannot read ({getattr(err, 'strerror', None) or err}).") from None


def close_map(data: mmap.mmap | bytes) -> None:
    # mmap refuses to close while pyarrow still holds a view of it (then the collector unmaps
    # it later); the parsed table owns copies of its values.
    if isinstance(data, mmap.mmap):
        with contextlib.suppress(BufferError):
            data.close()


def first_pass(p: Path, dictionary: Callable[[list[str]], set[str]] | None = None,
               typed: Callable[[list[str]], set[str]] | None = None, markers: tuple[str, ...] = (),
               noun: str = "incidents", allow_empty: bool = False) -> tuple[mmap.mmap, int, Parsed | None]:
    """(map, start, parsed) for a UTF-8 file; (map, 0, None) when the file must be decoded first
    (UTF-16, NUL bytes, bytes that are not UTF-8: `readers.read_csv` does that). The map is the
    caller's to close; on an error it is closed here."""
    data = open_map(p)
    try:
        if data[:2] not in (b"\xff\xfe", b"\xfe\xff") and data.find(b"\x00") == -1:
            start = 3 if data[:3] == b"\xef\xbb\xbf" else 0
            try:
                return data, start, parse(p, data, start, dictionary, typed, markers, noun, allow_empty)
            except _NotUtf8:
                pass
        return data, 0, None
    except BaseException:
        close_map(data)
        raise


def _identity(p: Path) -> tuple[int, ...] | None:
    try:
        st = p.stat()
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns) if stat.S_ISREG(st.st_mode) else None


class Ahead(threading.Thread):
    """`first_pass` of one file in a thread; `result()` gives what it returned or raises what
    it raised, in the calling thread."""

    def __init__(self, p: Path, token: object, args: tuple) -> None:
        # Not a daemon: a command that fails before it claims the table waits for the parse to
        # end rather than having the interpreter shut down under pyarrow.
        super().__init__(name="ccreport-read-ahead", daemon=False)
        self.p, self.token, self.args = p, token, args
        self.identity = _identity(p)
        self._out: tuple | None = None
        self._err: BaseException | None = None

    def run(self) -> None:
        try:
            self._out = first_pass(self.p, *self.args)
        except BaseException as err:  # noqa: BLE001 - handed to the claiming thread as it is
            self._err = err

    def result(self) -> tuple[mmap.mmap, int, Parsed | None]:
        self.join()
        if self._err is not None:
            err, self._err = self._err, None
            raise err
        out, self._out = self._out, None
        return out  # type: ignore[return-value]

    def parsed(self) -> Parsed | None:
        """The finished parse, if it ended with one (no error, not a file to decode first)."""
        return self._out[2] if self._out is not None else None

    def discard(self) -> None:
        self.join()
        if self._out is not None:
            close_map(self._out[0])
        self._out = self._err = None


_AHEAD: dict[str, Ahead] = {}


def read_ahead(p: Path, token: object, dictionary: Callable[[list[str]], set[str]],
               typed: Callable[[list[str]], set[str]], markers: tuple[str, ...]) -> None:
    """Start `first_pass(p, dictionary, typed, markers)` in a thread, unless one is running for
    `p`. `token` stands for everything those arguments depend on (the preset, the mapping, the
    markers); see `claim`."""
    key = str(p)
    if key in _AHEAD or _identity(p) is None:
        return
    ahead = _AHEAD[key] = Ahead(p, token, (dictionary, typed, markers))
    ahead.start()


def claim(p: Path, token: object, dictionary: Callable[[list[str]], set[str]] | None = None,
          typed: Callable[[list[str]], set[str]] | None = None, markers: tuple[str, ...] = ()) -> Ahead | None:
    """The read started ahead for `p` (its `result()` to be taken) if it is the read these
    arguments would make, else None: started with an equal token, or parsed with the column
    types and null values these arguments give for its header row (a read started before the
    configuration was loaded, with the command line's preset, usually is). A read ahead of
    a file that has changed since, or with other choices, is thrown away (after it ends, so two
    tables are never held)."""
    ahead = _AHEAD.pop(str(p), None)
    if ahead is None:
        return None
    if ahead.identity != _identity(p):
        ahead.discard()
        return None
    if ahead.token == token:
        return ahead
    ahead.join()
    parsed = ahead.parsed()
    if parsed is None or parsed.choices != read_choices(parsed.headers, parsed.keys, dictionary, typed, markers):
        ahead.discard()
        return None
    return ahead


def forget(paths: list[str | Path]) -> None:
    """Throw away the reads started ahead for these files and not claimed (the command failed
    before reading them): nothing is left running or held once a command's load is over."""
    for p in paths:
        ahead = _AHEAD.pop(str(Path(p)), None)
        if ahead is not None:
            ahead.discard()
