"""Timestamp text to UTC at column speed: each distinct value, or half of one, is read once.

A column of a million timestamps holds far fewer distinct values (an event log repeats the
same opening time on every update of an incident; minute-resolution times recur across
incidents), and far fewer distinct dates and times of day still. A long numeric-date column
is cut into its date and time halves (`_Split`): each distinct half is read once, by one
vectorised regular expression (Arrow's RE2 kernel) and integer arithmetic, into a day number
or a time of day, and the two are added per row. Other columns, and the rows of a long one
whose halves do not read (`_Whole`), are dictionary-encoded and each distinct value read:
numeric dates (`d/m/yyyy H:MM`, `dd-mm-yyyy HH:MM[:SS]`, `m/d/yy h:mm AM` ...) the same way,
ISO 8601 by pandas' ISO parser, month names by the pandas string accessor. Every row gets
exactly the value a per-row parse would give it; clock-change rules are applied by
`normalise.localise_rows`.

What reads as a date (SPEC §3.2):
- numeric `D/M/Y` or `M/D/Y` (separators `/ . -`; years of 4 digits, or 2 digits pivoting at
  69: 68 → 2068, 69 → 1969), optionally followed by ` H:MM`, ` H:MM:SS`, fractions of a second
  (dropped) and AM/PM; the order is the column's (`decide_dayfirst`);
- ISO 8601 with or without an offset (`Z`, `UTC`, `GMT`, `+01:00`, `+0100`);
- `3 March 2016 10:00`, `03-Mar-16 10:00`.
A date that does not exist (31 April, 29 February 2015) or a time that does not (25:10,
10:75; only 24:00 exactly is the end of the day) is unreadable and reported, never rolled
over into the next day.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Numeric dates: day and month in the column's order, then year, optional time.
NUMERIC = (
    r"^\s*(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})"
    r"(?:[ T]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<p>[AaPp][Mm])?)?\s*$"
)
ISO = (
    r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*"
    r"(Z|z|UTC|GMT|[+-]\d{2}:?\d{2})?\s*$"
)
TZ_SUFFIX = r"(?:Z|z|UTC|GMT|[+-]\d{2}:?\d{2})$"
MONTH_NAME = (
    r"^\s*(\d{1,2})[/ -]([A-Za-z]{3,9})[/ -](\d{4}|\d{2})"
    r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?\s*$"
)
MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}

_NULL = pa.scalar(None, pa.string())
_NAT_US = np.datetime64("NaT", "us")


#: Columns already read, by the identity of their Arrow text: {id: (weak reference, Reading)}.
#: The day-first evidence and the parse read the same columns in turn; Arrow arrays are
#: immutable, so the same live array object means the same text, and an entry goes when its
#: column does.
_SEEN: dict[int, tuple] = {}


def _forget(key: int):
    return lambda _ref: _SEEN.pop(key, None)


class Reading:
    """A text column read for timestamps, row by row: which rows hold a value (`present`),
    which prove a day-first or month-first order (`evidence`), and per order each row's naive
    wall-clock time and UTC time (`times`). Built by `reading`, which picks the whole-value
    or the split form."""

    present: np.ndarray

    def evidence(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(rows proving day-first, rows proving month-first), or None when no row holds a
        numeric date."""
        raise NotImplementedError

    def numeric(self) -> bool:
        """Whether any row holds a numeric date (so the column is not all ISO 8601)."""
        raise NotImplementedError

    def times(self, dayfirst: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """(naive, utc) per row as datetime64[us]: the wall-clock time of values without an
        offset, the UTC time of those with one (None when no row has one); NaT where a row
        is not that kind or cannot be read."""
        raise NotImplementedError

    def text(self, row: int) -> str:
        """The row's trimmed text."""
        raise NotImplementedError


class _Whole(Reading):
    """Each distinct value read once (`values`), spread back over the rows by `codes`."""

    def __init__(self, codes: np.ndarray, values: pa.Array):
        self.codes, self.values = codes, values
        self.present = codes >= 0
        self._parts: list = []

    def parts(self) -> dict[str, np.ndarray] | None:
        if not self._parts:
            self._parts.append(_numeric_parts(self.values) if len(self.values) else None)
        return self._parts[0]

    def evidence(self):
        p = self.parts()
        if p is None:
            return None
        has, a, b = p["matched"], p["a"], p["b"]
        return take(has & (a > 12) & (b <= 12), self.codes, False), take(has & (b > 12) & (a <= 12), self.codes, False)

    def numeric(self) -> bool:
        p = self.parts()
        return p is not None and bool(p["matched"].any())

    def times(self, dayfirst):
        naive, utc = parse_values(self.values, dayfirst, self.parts())
        nat = np.datetime64("NaT", "us")
        return take(naive, self.codes, nat), (take(utc, self.codes, nat) if (~np.isnat(utc)).any() else None)

    def text(self, row: int) -> str:
        return self.values[int(self.codes[row])].as_py()


def reading(raw: pd.Series) -> Reading:
    """The column read for timestamps (once per column: the evidence and the parse share it)."""
    from .arrowtext import to_arrow

    if isinstance(raw.dtype, pd.CategoricalDtype):  # its categories already are the distinct values
        outer = raw.cat.codes.to_numpy()
        inner = reading(pd.Series(raw.cat.categories.astype("str")))
        assert isinstance(inner, _Whole)
        return _Whole(np.append(inner.codes, -1)[outer], inner.values)  # code -1 picks the appended -1
    source = to_arrow(raw)
    seen = _SEEN.get(id(source))
    if seen is not None and seen[0]() is source:
        return seen[1]
    arr = source.combine_chunks() if isinstance(source, pa.ChunkedArray) else source
    found = _split(arr) if len(arr) >= _SPLIT_MIN else None
    if found is None:
        found = _whole(_blank_as_null(pc.utf8_trim_whitespace(arr)))
    _SEEN[id(source)] = (weakref.ref(source, _forget(id(source))), found)
    return found


def _whole(arr: pa.Array) -> _Whole:
    enc = pc.dictionary_encode(arr)
    return _Whole(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), enc.dictionary)


def distinct(raw: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """(codes, values): the column's trimmed text as distinct values (an Arrow string array)
    and each row's index into them; -1 for missing and blank cells."""
    from .arrowtext import to_arrow

    if isinstance(raw.dtype, pd.CategoricalDtype):
        r = reading(raw)
        return r.codes, r.values
    arr = to_arrow(raw)
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    r = _whole(_blank_as_null(pc.utf8_trim_whitespace(arr)))
    return r.codes, r.values


def _blank_as_null(arr: pa.Array) -> pa.Array:
    """The text with empty strings as missing: the same buffers under a new validity bitmap
    (an `if_else` would copy every string)."""
    keep = pc.fill_null(pc.greater(pc.binary_length(arr), 0), False)
    kind = type(arr)
    if arr.offset or keep.offset or kind not in (pa.StringArray, pa.LargeStringArray):
        return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return kind.from_buffers(len(arr), arr.buffers()[1], arr.buffers()[2], keep.buffers()[1])


#: The two halves of a numeric date split at a space: the date, and the space and what
#: follows (the `[ T]+` before the time is that space and any further spaces or `T`). A
#: trimmed value `date + rest` whose halves match these matches NUMERIC with the same groups;
#: a value split at a later space has a space in its date half, which then does not match.
_DATE_HALF = r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})$"
_TIME_HALF = r"^[ T]*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<p>[AaPp][Mm])?\s*$"


#: Columns shorter than this are read whole (the split costs more than it saves); so are
#: columns with more distinct halves than this share of their rows.
_SPLIT_MIN = 4096
_SPLIT_MAX_HALVES = 0.25
#: Kept for the tests' three-way comparison (the split reading no longer numbers pairs).
_PAIR_TABLE_SLACK = 65536
_US_PER_DAY = 86_400_000_000
#: Bytes that may be (or start) whitespace at the edge of a value: ASCII controls and space,
#: and any non-ASCII byte (a no-break space ...).
_EDGE = np.zeros(256, dtype=bool)
_EDGE[:33] = True
_EDGE[127:] = True
_NAT_I8 = np.iinfo(np.int64).min


class _Split(Reading):
    """Each row as its date half and its time half (codes into `halves`); each distinct half
    read once into a day number or a time of day, the two added per row. Rows whose halves do
    not read as a numeric date's (ISO values, month names, a tab before the time ...) are
    read whole (`rest`, over the rows `rest_rows`)."""

    def __init__(self, arr, present, date_of, time_of, halves):
        self.arr, self.present, self.date_of, self.time_of = arr, present, date_of, time_of
        d = pc.extract_regex(halves, _DATE_HALF)
        t = pc.extract_regex(halves, _TIME_HALF)
        self.d_ok = d.is_valid().to_numpy(zero_copy_only=False)
        empty = pc.equal(pc.binary_length(halves), 0).to_numpy(zero_copy_only=False)  # no time
        self.t_ok = t.is_valid().to_numpy(zero_copy_only=False) | empty
        d = d.fill_null({"a": "", "b": "", "y": ""})
        t = t.fill_null({"H": "", "M": "", "S": "", "p": ""})
        self.a, self.b, self.y = _int(d, "a", 0), _int(d, "b", 0), _int(d, "y", 0)
        self.two_digit_year = pc.equal(pc.utf8_length(d.field("y")), 2).to_numpy(zero_copy_only=False)
        ampm = pc.utf8_lower(t.field("p"))
        secs, ok = _seconds(_int(t, "H", 0), _int(t, "M", 0), _int(t, "S", 0),
                            am=pc.equal(ampm, "am").to_numpy(zero_copy_only=False),
                            pm=pc.equal(ampm, "pm").to_numpy(zero_copy_only=False))
        self.time_us = np.where(self.t_ok & ok, secs * 1_000_000, _NAT_I8)
        self.matched = present & self.d_ok[date_of] & self.t_ok[time_of]
        self.rest_rows = np.flatnonzero(present & ~self.matched)
        self.rest = _whole(arr.take(pa.array(self.rest_rows))) if len(self.rest_rows) else None

    def evidence(self):
        rest = self.rest.evidence() if self.rest is not None else None
        if rest is None and not self.matched.any():
            return None
        a, b = self.a, self.b
        out = []
        for proof in ((a > 12) & (b <= 12), (b > 12) & (a <= 12)):
            rows = proof[self.date_of] & self.matched
            if rest is not None:
                rows[self.rest_rows] = rest[len(out)]
            out.append(rows)
        return out[0], out[1]

    def numeric(self) -> bool:
        return bool(self.matched.any()) or (self.rest is not None and self.rest.numeric())

    def times(self, dayfirst):
        day, month = (self.a, self.b) if dayfirst else (self.b, self.a)
        days, ok = _day_numbers(self.y, month, day, self.two_digit_year)
        day_us = np.where(self.d_ok & ok, days * _US_PER_DAY, _NAT_I8)
        d = day_us[self.date_of]
        t = self.time_us[self.time_of]
        good = self.matched & (d != _NAT_I8) & (t != _NAT_I8)
        naive = np.where(good, d + t, _NAT_I8).view("datetime64[us]")
        utc = None
        if self.rest is not None:
            rn, ru = self.rest.times(dayfirst)
            naive[self.rest_rows] = rn
            if ru is not None:
                utc = np.full(len(naive), np.datetime64("NaT", "us"))
                utc[self.rest_rows] = ru
        return naive, utc

    def text(self, row: int) -> str:
        return self.arr[row].as_py()


def _split(arr: pa.Array, trimmed: bool = False) -> _Split | None:
    """The column read through the halves of its values, or None where that does not pay: no
    space in its first value, or halves that barely repeat.

    A million near-unique `dd/mm/yyyy HH:MM` values hold a few hundred dates and at most 1440
    times. Each value is cut at a space found from the raw bytes (the first value's space
    tried at the same place in every row, then the first space of the rows where that is no
    space), the two pieces of every row are one dictionary encoding of views into the same
    text buffer (no string is copied), and only the few thousand distinct halves are read."""
    n = len(arr)
    if arr.null_count == n or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return None
    bufs = arr.buffers()
    if bufs[2] is None or bufs[2].size == 0:
        return None
    off_type = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    off = np.frombuffer(bufs[1], off_type)[arr.offset:arr.offset + n + 1].astype(np.int64)
    data = np.frombuffer(bufs[2], np.uint8)
    start, end = off[:-1], off[1:]
    present = end > start
    if arr.null_count:
        present &= arr.is_valid().to_numpy(zero_copy_only=False)
    if not present.any():
        return None
    # Whitespace (or a byte that may start a non-ASCII space) at either end of a value: trim
    # the column first, as the whole reading does. Values of digits pass untouched.
    top = len(data) - 1
    if not trimmed and (present & (_EDGE[data[np.minimum(start, top)]] | _EDGE[data[np.clip(end - 1, 0, top)]])).any():
        return _split(_blank_as_null(pc.utf8_trim_whitespace(arr)), trimmed=True)
    first = int(np.argmax(present))
    spaces = np.flatnonzero(data[start[first]:end[first]] == 32)
    if not len(spaces):
        return None  # no time half (a date-only column repeats its values anyway)
    cut = end.copy()  # no space: the whole value is the date half, the time half empty
    todo = present.copy()
    k = int(spaces[0])
    for shift in (0, -1, 1, -2, 2):  # the place of the first value's space, then near it
        if k + shift < 1 or not todo.any():
            continue
        pos = start + (k + shift)
        hit = todo & (pos < end) & (data[np.minimum(pos, top)] == 32)
        cut = np.where(hit, pos, cut)
        todo &= ~hit
    if todo.any():  # anywhere else: the first space of the value, if it has one
        at = np.flatnonzero(data == 32)
        rows = np.flatnonzero(todo)
        j = np.searchsorted(at, start[rows])
        pos = at[np.minimum(j, len(at) - 1)] if len(at) else end[rows]
        cut[rows] = np.where((j < len(at)) & (pos < end[rows]), pos, end[rows])
    cut[~present] = start[~present]
    pieces_off = np.empty(2 * n + 1, off_type)
    pieces_off[0:-1:2] = start
    pieces_off[1::2] = cut
    pieces_off[-1] = end[-1]
    pieces = pa.Array.from_buffers(arr.type, 2 * n, [None, pa.py_buffer(pieces_off), bufs[2]])
    enc = pc.dictionary_encode(pieces)
    halves = enc.dictionary
    if len(halves) > n * _SPLIT_MAX_HALVES:  # the halves barely repeat: encoding the values is cheaper
        return None
    codes = enc.indices.to_numpy(zero_copy_only=False)
    return _Split(arr, present, codes[0::2], codes[1::2], halves)


def holds_numeric(raw: pd.Series) -> bool:
    """Whether the column is already known (read for the day-first evidence) to hold a
    numeric date, and so is not all ISO 8601."""
    source = getattr(raw.array, "_pa_array", None)  # as `reading` keyed it (no conversion)
    if source is None:
        return False
    seen = _SEEN.get(id(source))
    if seen is None or seen[0]() is not source:
        return False
    return seen[1].numeric()


def take(values: np.ndarray, codes: np.ndarray, missing) -> np.ndarray:
    """Each row's value from the distinct values' (codes -1 get `missing`)."""
    return np.append(values, np.array([missing], dtype=values.dtype))[codes]


def _int(parts: pa.StructArray, name: str, default: int) -> np.ndarray:
    """One regex group as int64; an empty group (not present) is `default`."""
    f = parts.field(name)
    f = pc.if_else(pc.equal(f, ""), _NULL, f)
    return pc.cast(f, pa.int64()).fill_null(default).to_numpy(zero_copy_only=False)


def numeric_parts(values: pa.Array) -> dict[str, np.ndarray] | None:
    """The parts of the values that are numeric dates (`matched` says which), or None when
    none is. `a`, `b`: the first two numbers (day and month in the column's order)."""
    return _numeric_parts(values)


def _numeric_parts(values: pa.Array) -> dict[str, np.ndarray] | None:
    parts = pc.extract_regex(values, NUMERIC)
    matched = parts.is_valid().to_numpy(zero_copy_only=False)
    if not matched.any():
        return None
    parts = parts.fill_null({"a": "", "b": "", "y": "", "H": "", "M": "", "S": "", "p": ""})
    year_text = parts.field("y")
    ampm = pc.utf8_lower(parts.field("p"))
    return {
        "matched": matched,
        "a": _int(parts, "a", 0),
        "b": _int(parts, "b", 0),
        "y": _int(parts, "y", 0),
        "two_digit_year": pc.equal(pc.utf8_length(year_text), 2).to_numpy(zero_copy_only=False),
        "H": _int(parts, "H", 0),
        "M": _int(parts, "M", 0),
        "S": _int(parts, "S", 0),
        "am": pc.equal(ampm, "am").to_numpy(zero_copy_only=False),
        "pm": pc.equal(ampm, "pm").to_numpy(zero_copy_only=False),
    }


def _day_numbers(year, month, day, two_digit_year=None) -> tuple[np.ndarray, np.ndarray]:
    """(days since 1970-01-01, whether the date exists) from integer parts. Two-digit years
    pivot at 69 (68 → 2068, 69 → 1969); 31 April is no date (never rolled into May)."""
    year = np.asarray(year, dtype=np.int64)
    month, day = np.asarray(month, dtype=np.int64), np.asarray(day, dtype=np.int64)
    if two_digit_year is not None:
        year = np.where(two_digit_year, np.where(year < 69, 2000 + year, 1900 + year), year)
    ok = (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    months = ((year - 1970) * 12 + (np.where(ok, month, 1) - 1)).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (np.where(ok, day, 1) - 1).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == months
    return days.astype(np.int64), ok


def _seconds(hour, minute, second, am=None, pm=None) -> tuple[np.ndarray, np.ndarray]:
    """(seconds after midnight, whether the time exists) from integer parts. With AM/PM, 12 AM
    is midnight and 12 PM noon; an hour above 12 is taken as already on the 24-hour clock with
    PM and is unreadable with AM. Only 24:00 exactly is the end of the day."""
    hour, minute, second = (np.asarray(x, dtype=np.int64) for x in (hour, minute, second))
    ok = np.ones(len(hour), bool)
    if am is not None or pm is not None:
        am = np.zeros(len(hour), bool) if am is None else np.asarray(am, bool)
        pm = np.zeros(len(hour), bool) if pm is None else np.asarray(pm, bool)
        twelve = am | pm
        ok &= ~(am & (hour > 12))
        hour = np.where(twelve & (hour <= 12), hour % 12 + np.where(pm, 12, 0), hour)
    ok &= (minute <= 59) & (second <= 59) & ((hour <= 23) | ((hour == 24) & (minute == 0) & (second == 0)))
    return hour * 3600 + minute * 60 + second, ok


def assemble(year, month, day, hour, minute, second, *, two_digit_year=None, am=None, pm=None,
             valid=None) -> np.ndarray:
    """Naive datetime64[us] from integer parts; NaT where the date or time does not exist
    (`_day_numbers`, `_seconds`). Microseconds hold any four-digit year; `fit_range` then
    decides what is plausible."""
    days, ok = _day_numbers(year, month, day, two_digit_year)
    secs, time_ok = _seconds(hour, minute, second, am, pm)
    ok &= time_ok
    if valid is not None:
        ok &= np.asarray(valid, bool)
    out = np.full(len(days), _NAT_US)
    out[ok] = (days[ok] * _US_PER_DAY + secs[ok] * 1_000_000).view("datetime64[us]")
    return out


def parse_numeric(values: pa.Array, dayfirst: bool) -> np.ndarray:
    """Numeric dates among `values` as naive datetime64[us] (NaT where not one or impossible)."""
    return _from_parts(numeric_parts(values), len(values), dayfirst)


def _from_parts(p: dict | None, n: int, dayfirst: bool) -> np.ndarray:
    if p is None:
        return np.full(n, _NAT_US)
    day, month = (p["a"], p["b"]) if dayfirst else (p["b"], p["a"])
    return assemble(p["y"], month, day, p["H"], p["M"], p["S"], two_digit_year=p["two_digit_year"],
                    am=p["am"], pm=p["pm"], valid=p["matched"])


def parse_month_names(text: pd.Series) -> np.ndarray:
    """`3 March 2016 10:00`-style values as naive datetime64[us] (NaT elsewhere)."""
    named = text.str.extract(MONTH_NAME)
    month = named[1].str.lower().str[:3].map(MONTHS)
    hit = (named[0].notna() & month.notna()).to_numpy(dtype=bool)
    out = np.full(len(text), _NAT_US)
    if not hit.any():
        return out
    g = named[hit]
    num = [pd.to_numeric(g[i], errors="coerce").fillna(0).astype("int64").to_numpy() for i in (0, 2, 3, 4, 5)]
    ampm = g[6].str.lower()
    out[hit] = assemble(num[1], month[hit].astype("int64").to_numpy(), num[0], num[2], num[3], num[4],
                        two_digit_year=(g[2].str.len() == 2).to_numpy(dtype=bool),
                        am=(ampm == "am").to_numpy(dtype=bool, na_value=False),
                        pm=(ampm == "pm").to_numpy(dtype=bool, na_value=False))
    return out


def parse_values(values: pa.Array, dayfirst: bool, numeric: dict | None | bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(naive, utc) for distinct text values: wall-clock datetime64[us] of the values without
    an offset, and UTC datetime64[us] of those with one; NaT where a value is not that kind
    or cannot be read."""
    n = len(values)
    naive = np.full(n, _NAT_US)
    utc = np.full(n, _NAT_US)
    if not n:
        return naive, utc
    # A numeric date never reads as ISO (four digits then `-` cannot start `d/m/y`): the
    # numeric values, already read, need no ISO test.
    numeric = numeric_parts(values) if numeric is True else numeric  # the parts, if already read
    iso = np.zeros(n, bool)
    maybe = np.ones(n, bool) if numeric is None else ~numeric["matched"]
    if maybe.all():
        iso = pc.match_substring_regex(values, ISO).fill_null(False).to_numpy(zero_copy_only=False)
    elif maybe.any():
        idx = np.flatnonzero(maybe)
        iso[idx] = pc.match_substring_regex(values.take(pa.array(idx)), ISO).fill_null(False).to_numpy(
            zero_copy_only=False)
    if iso.any():
        aware = iso & pc.match_substring_regex(values, TZ_SUFFIX).fill_null(False).to_numpy(zero_copy_only=False)
        text = pd.Series(values.to_pylist(), dtype=object)
        if aware.any():
            vals = text[aware].str.replace(r"\s*(UTC|GMT)$", "Z", regex=True)
            got = pd.to_datetime(vals, format="ISO8601", utc=True, errors="coerce")
            utc[aware] = got.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")
        plain = iso & ~aware
        if plain.any():
            got = pd.to_datetime(text[plain], format="ISO8601", errors="coerce")
            naive[plain] = got.to_numpy(dtype="datetime64[us]")
    rest = ~iso
    if rest.any():
        idx = np.flatnonzero(rest)
        got = _from_parts(numeric, n, dayfirst)[idx]
        naive[idx] = got
        left = idx[np.isnat(got)]
        if len(left):
            text = pd.Series(values.take(pa.array(left)).to_pylist(), dtype=object)
            naive[left] = parse_month_names(text)
    return naive, utc
