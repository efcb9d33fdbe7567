"""Timestamp text to UTC at column speed: each distinct value is parsed once.

A column of a million timestamps holds far fewer distinct values (an event log repeats the
same opening time on every update of an incident; minute-resolution times recur across
incidents), so the text is dictionary-encoded first and only the distinct values are read:
numeric dates (`d/m/yyyy H:MM`, `dd-mm-yyyy HH:MM[:SS]`, `m/d/yy h:mm AM` ...) by one
vectorised regular expression (Arrow's RE2 kernel) and integer arithmetic on their parts,
ISO 8601 by pandas' ISO parser, month names by the pandas string accessor. Clock-change rules
are applied to the distinct wall-clock times and the results spread back over the rows, so
every row gets exactly the value a per-row parse would give it.

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


#: Columns already read, by the identity of their Arrow text: {id: [weak reference, (codes,
#: values), numeric parts or None]}. The day-first evidence and the parse read the same
#: columns in turn; Arrow arrays are immutable, so the same live array object means the same
#: text, and an entry goes when its column does.
_SEEN: dict[int, list] = {}


def _forget(key: int):
    return lambda _ref: _SEEN.pop(key, None)


def distinct(raw: pd.Series) -> tuple[np.ndarray, pa.Array]:
    """(codes, values): the column's trimmed text as distinct values (an Arrow string array)
    and each row's index into them; -1 for missing and blank cells."""
    from .arrowtext import to_arrow

    if isinstance(raw.dtype, pd.CategoricalDtype):  # its categories already are the distinct values
        outer = raw.cat.codes.to_numpy()
        inner, values = distinct(pd.Series(raw.cat.categories.astype("str")))
        mapped = np.append(inner, -1)[outer]  # code -1 (missing) picks the appended -1
        return mapped, values
    source = to_arrow(raw)
    seen = _SEEN.get(id(source))
    if seen is not None and seen[0]() is source:
        return seen[1]
    arr = source.combine_chunks() if isinstance(source, pa.ChunkedArray) else source
    arr = _blank_as_null(pc.utf8_trim_whitespace(arr))
    split = _split_distinct(arr)
    if split is not None:
        result, parts = split
    else:
        enc = pc.dictionary_encode(arr)
        codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        result, parts = (codes, enc.dictionary), None
    _SEEN[id(source)] = [weakref.ref(source, _forget(id(source))), result, parts]
    return result


def _blank_as_null(arr: pa.Array) -> pa.Array:
    """The text with empty strings as missing: the same buffers under a new validity bitmap
    (an `if_else` would copy every string)."""
    keep = pc.fill_null(pc.greater(pc.binary_length(arr), 0), False)
    kind = type(arr)
    if arr.offset or keep.offset or kind not in (pa.StringArray, pa.LargeStringArray):
        return pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return kind.from_buffers(len(arr), arr.buffers()[1], arr.buffers()[2], keep.buffers()[1])


#: The two halves of a numeric date split at its first space: the date, and what follows
#: (the `[ T]+` before the time is that space and any further spaces or `T`). A trimmed value
#: `date + " " + rest` whose halves match these matches NUMERIC with the same groups.
_DATE_HALF = r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4}|\d{2})$"
_TIME_HALF = r"^[ T]*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?\s*(?P<p>[AaPp][Mm])?\s*$"


#: Columns shorter than this are encoded whole (the split costs more than it saves); so are
#: columns with more distinct halves than this share of their rows.
_SPLIT_MIN = 4096
_SPLIT_MAX_HALVES = 0.25
#: Pairs of halves are numbered through a table of all pairs when it has at most 4 entries
#: per row plus this many; else by sorting them.
_PAIR_TABLE_SLACK = 65536


def _split_distinct(arr: pa.Array):
    """((codes, values), (numeric parts,)) read through the halves of each value, or None.

    A million near-unique `dd/mm/yyyy HH:MM` values hold a few hundred dates and at most 1440
    times: the halves are dictionary-encoded and regex-read as a few thousand short strings,
    each row's distinct value is the pair of its halves' codes, and the values' numeric parts
    are gathered from the halves' (values whose halves do not both read are given to NUMERIC
    itself, so every value's parts are exactly NUMERIC's)."""
    n = len(arr)
    if n < _SPLIT_MIN or arr.null_count == n:
        return None
    pieces = pc.split_pattern(arr, " ", max_splits=1)
    enc = pc.dictionary_encode(pieces.values)
    halves = enc.dictionary
    m = len(halves)
    if m > n * _SPLIT_MAX_HALVES:  # the halves barely repeat: encoding the values is cheaper
        return None
    offsets = pieces.offsets.to_numpy(zero_copy_only=False)
    half_codes = np.append(enc.indices.to_numpy(zero_copy_only=False), [m, m])  # m: no half
    start = offsets[:-1]
    first = half_codes[start]
    second = np.where(offsets[1:] - start == 2, half_codes[start + 1], m)
    valid = None
    if pieces.null_count:  # missing rows (no halves): pair (m, m), numbered, then set to -1
        valid = pieces.is_valid().to_numpy(zero_copy_only=False)
        first[~valid] = m
        second[~valid] = m
    # Each row's value is the pair (first half, second half): number the halves in use, then
    # the pairs in use, by marking a table of all pairs (no sort).
    used_first, used_second = np.zeros(m + 1, bool), np.zeros(m + 1, bool)
    used_first[first] = True
    used_second[second] = True
    first_rank, second_rank = np.cumsum(used_first) - 1, np.cumsum(used_second) - 1
    nt = int(second_rank[-1]) + 1
    pair = first_rank[first] * nt + second_rank[second]
    space = (int(first_rank[-1]) + 1) * nt
    if space <= 4 * n + _PAIR_TABLE_SLACK:
        mark = np.zeros(space, bool)
        mark[pair] = True
        number = np.cumsum(mark, dtype=np.int64) - 1
        codes = number[pair]
        rep = np.empty(int(number[-1]) + 1, np.int64)
        rep[codes] = np.arange(n)  # any row of a pair: all hold the same text
    else:  # too many pairs for a table
        _, rep, codes = np.unique(pair, return_index=True, return_inverse=True)
        codes = codes.reshape(-1)
    if valid is not None:
        keep = valid[rep]
        if not keep.all():
            renumber = np.cumsum(keep) - 1
            codes = np.where(valid, renumber[codes], -1)
            rep = rep[keep]
    date_of, time_of = first[rep], second[rep]
    # The values rebuilt from their halves (a gather from a few thousand short strings, where
    # taking them from the rows would read a million scattered ones).
    padded = pa.concat_arrays([halves, pa.nulls(1, halves.type)])
    values = pc.binary_join_element_wise(padded.take(date_of), padded.take(time_of), pa.scalar(" ", halves.type),
                                         null_handling="skip")
    return (codes, values), (_parts_from_halves(values, halves, date_of, time_of),)


def _parts_from_halves(values, halves, date_of, time_of):
    """NUMERIC's parts of `values`, the value k being halves[date_of[k]] + " " +
    halves[time_of[k]] (no time when time_of[k] == len(halves)). Parts other than `matched`
    mean nothing where `matched` is false."""
    d = pc.extract_regex(halves, _DATE_HALF)
    t = pc.extract_regex(halves, _TIME_HALF)
    d_ok = np.append(d.is_valid().to_numpy(zero_copy_only=False), False)
    t_ok = np.append(t.is_valid().to_numpy(zero_copy_only=False), True)  # no time half
    d = d.fill_null({"a": "", "b": "", "y": ""})
    t = t.fill_null({"H": "", "M": "", "S": "", "p": ""})
    ampm = pc.utf8_lower(t.field("p"))
    def table(values) -> np.ndarray:  # per half, small integers (years to 9999), one spare
        return np.append(values, 0).astype(np.int16)

    date_parts = {"a": _int(d, "a", 0), "b": _int(d, "b", 0), "y": _int(d, "y", 0),
                  "two_digit_year": pc.equal(pc.utf8_length(d.field("y")), 2).to_numpy(zero_copy_only=False)}
    time_parts = {"H": _int(t, "H", 0), "M": _int(t, "M", 0), "S": _int(t, "S", 0),
                  "am": pc.equal(ampm, "am").to_numpy(zero_copy_only=False),
                  "pm": pc.equal(ampm, "pm").to_numpy(zero_copy_only=False)}
    out = {"matched": d_ok[date_of] & t_ok[time_of]}
    for parts, of in ((date_parts, date_of), (time_parts, time_of)):
        for k, v in parts.items():
            out[k] = table(v)[of] if v.dtype != bool else np.append(v, False)[of]
    rest = np.flatnonzero(~out["matched"])
    if len(rest):  # anything else NUMERIC reads (`1/2/2020T10:00`, tabs ...) it reads itself
        other = _numeric_parts(values.take(pa.array(rest)))
        if other is not None:
            for k, v in other.items():
                out[k][rest] = v
    if not out["matched"].any():
        return None
    return out


def holds_numeric(raw: pd.Series) -> bool:
    """Whether the column is already known (read for the day-first evidence) to hold a
    numeric date, and so is not all ISO 8601."""
    source = getattr(raw.array, "_pa_array", None)  # as `distinct` keyed it (no conversion)
    if source is None:
        return False
    seen = _SEEN.get(id(source))
    if seen is None or seen[0]() is not source or seen[2] is None or seen[2][0] is None:
        return False
    return bool(seen[2][0]["matched"].any())


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
    seen = next((e for e in _SEEN.values() if e[1][1] is values), None)
    if seen is not None and seen[2] is not None:
        return seen[2][0]
    found = _numeric_parts(values)
    if seen is not None:
        seen[2] = (found,)
    return found


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


def assemble(year, month, day, hour, minute, second, *, two_digit_year=None, am=None, pm=None,
             valid=None) -> np.ndarray:
    """Naive datetime64[us] from integer parts; NaT where the date or time does not exist.

    Two-digit years pivot at 69 (68 → 2068, 69 → 1969). With AM/PM, 12 AM is midnight and
    12 PM noon; an hour above 12 is taken as already on the 24-hour clock with PM and is
    unreadable with AM. Microseconds hold any four-digit year; `fit_range` then decides what
    is plausible."""
    year = np.asarray(year, dtype=np.int64)
    month, day = np.asarray(month, dtype=np.int64), np.asarray(day, dtype=np.int64)
    hour, minute, second = (np.asarray(x, dtype=np.int64) for x in (hour, minute, second))
    ok = np.ones(len(year), bool) if valid is None else np.asarray(valid, bool).copy()
    if two_digit_year is not None:
        year = np.where(two_digit_year, np.where(year < 69, 2000 + year, 1900 + year), year)
    if am is not None or pm is not None:
        am = np.zeros(len(year), bool) if am is None else np.asarray(am, bool)
        pm = np.zeros(len(year), bool) if pm is None else np.asarray(pm, bool)
        twelve = am | pm
        ok &= ~(am & (hour > 12))
        hour = np.where(twelve & (hour <= 12), hour % 12 + np.where(pm, 12, 0), hour)
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    ok &= (minute <= 59) & (second <= 59) & ((hour <= 23) | ((hour == 24) & (minute == 0) & (second == 0)))
    out = np.full(len(year), _NAT_US)
    if not ok.any():
        return out
    y, mo, d = year[ok], month[ok], day[ok]
    months = ((y - 1970) * 12 + (mo - 1)).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (d - 1).astype("timedelta64[D]")
    real = days.astype("datetime64[M]") == months  # 31 April rolls into May: not a date
    secs = (hour[ok] * 3600 + minute[ok] * 60 + second[ok]).astype("timedelta64[s]")
    stamp = days.astype("datetime64[us]") + secs.astype("timedelta64[us]")
    out[ok] = np.where(real, stamp, _NAT_US)
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


def parse_values(values: pa.Array, dayfirst: bool) -> tuple[np.ndarray, np.ndarray]:
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
    numeric = numeric_parts(values)
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
