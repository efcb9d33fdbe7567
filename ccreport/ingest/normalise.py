"""Normalisation of raw text values to canonical ones (SPEC §3.2).

All functions are vectorised over a column: label-to-value rules run once per *distinct*
label (a handful), then map over the column; timestamps are parsed by pyarrow's ISO cast or,
one distinct value at a time, by `dates` (regex extraction of their parts), never by guessing
a format from the first value.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import IngestError
from ..schema import STATUSES, UNKNOWN_PRIORITY
from .frame import TS_DTYPE
from .quality import DataQuality

def label_results(col: pd.Series, rule) -> tuple[np.ndarray, list]:
    """(codes, results): `rule(label)` once per distinct label, and each row's index into
    `results`; missing cells get the last entry, `rule("")`. A million rows of a handful of
    priorities or states cost a handful of rule calls (a categorical column is not even hashed)."""
    if isinstance(col.dtype, pd.CategoricalDtype):  # its codes already number the labels
        codes, uniques = col.cat.codes.to_numpy(), col.cat.categories
    else:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
    results = [rule("" if pd.isna(u) else str(u)) for u in uniques] + [rule("")]
    return np.where(codes < 0, len(results) - 1, codes), results


def map_labels(col: pd.Series, rule) -> pd.Series:
    """Apply `rule(label) -> value|None` once per distinct label and spread the results by code."""
    codes, results = label_results(col, rule)
    return pd.Series(np.array(results, dtype=object)[codes], index=col.index, dtype=object)


def categorical_labels(col: pd.Series, rule) -> pd.Series:
    """`map_labels` as a categorical column (categories: the distinct results, sorted); None
    results are missing. A result may be a category no row has: `compact` drops those."""
    codes, results = label_results(col, rule)
    categories = pd.Index(sorted({r for r in results if r is not None}), dtype="str")
    remap = np.array([-1 if r is None else categories.get_loc(r) for r in results], dtype=np.int64)
    return pd.Series(pd.Categorical.from_codes(remap[codes], categories=categories), index=col.index)


def compact(col: pd.Series) -> pd.Series:
    """A categorical with only the categories some row uses, sorted (as astype("category")
    makes them); one counting pass over the codes."""
    codes = col.cat.codes.to_numpy()
    cats = col.cat.categories
    used = np.bincount(codes[codes >= 0], minlength=len(cats)) > 0 if len(codes) else np.zeros(len(cats), bool)
    keep = pd.Index(sorted(cats[used]), dtype=cats.dtype)
    remap = np.append(keep.get_indexer(cats), -1)
    return pd.Series(pd.Categorical.from_codes(remap[codes], categories=keep), index=col.index)


# --- priorities ------------------------------------------------------------------------------

_PRIORITY_WORDS = {
    "critical": "P1", "highest": "P1", "blocker": "P1",
    "high": "P2", "major": "P2",
    "moderate": "P3", "medium": "P3",
    "low": "P4", "minor": "P4",
    "planning": "P5", "lowest": "P5", "trivial": "P5",
}
#: Words beyond SPEC §3.2's core list (Jira's Blocker/Major/Minor/Trivial, Zendesk's and
#: Freshservice's Urgent/Normal): each label read through one is reported in data quality,
#: so that a source whose scale differs (Volvo's top impact is "Major") can override it with
#: `priority_map`.
REPORTED_PRIORITY_WORDS = {"blocker": "P1", "major": "P2", "minor": "P4", "trivial": "P5",
                           "urgent": "P1", "normal": "P3"}
_PRIORITY_PATTERNS = (
    re.compile(r"^p?([1-5])$"),  # 1, P1
    re.compile(r"^([1-5])\s*-\s*[a-z ]+$"),  # 1 - Critical
    re.compile(r"^sev(?:erity)?[\s_-]*([1-5])$"),  # Sev1, SEV-1, Severity 1
    re.compile(r"^s([1-5])$"),  # S1
    re.compile(r"^p([1-5])\s*[-:]\s*[a-z ]+$"),  # P1 - Critical
)


def priority_of_label(label: str, extra: dict[str, str]) -> str | None:
    """P1..P5 for one label by the SPEC rules, or None."""
    key = label.strip().lower()
    if not key:
        return None
    if key in extra:
        return extra[key]
    for pat in _PRIORITY_PATTERNS:
        m = pat.match(key)
        if m:
            return f"P{m.group(1)}"
    return _PRIORITY_WORDS.get(key)


def normalise_priority(
    raw: pd.Series,
    impact: pd.Series | None,
    urgency: pd.Series | None,
    matrix: tuple[tuple[str, ...], ...],
    extra: dict[str, str],
) -> pd.Series:
    """Canonical priority: label rules, then the impact × urgency matrix, else Unknown.
    `impact` or `urgency` None: the export has no such column (no row can use the matrix)."""
    extra = {k.strip().lower(): v for k, v in extra.items()}
    out = categorical_labels(raw, lambda u: priority_of_label(u, extra))
    need = out.isna() & raw.isna()
    if impact is not None and urgency is not None and need.any():
        i = pd.to_numeric(impact, errors="coerce")
        u = pd.to_numeric(urgency, errors="coerce")
        ok = need & i.between(1, 3) & u.between(1, 3)
        if ok.any():
            grid = np.array(matrix, dtype=object)
            fill = grid[i[ok].astype(int).to_numpy() - 1, u[ok].astype(int).to_numpy() - 1]
            out = out.cat.add_categories(sorted(set(fill) - set(out.cat.categories)))
            out[ok] = fill
    if out.isna().any():
        if UNKNOWN_PRIORITY not in out.cat.categories:
            out = out.cat.add_categories([UNKNOWN_PRIORITY])
        out = out.fillna(UNKNOWN_PRIORITY)
    return compact(out)


_ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
_TIER_ORDINAL = re.compile(r"(?<![a-z0-9])(\d{1,2})\s*(?:st|nd|rd|th)\b")
_TIER_PREFIXED = re.compile(r"(?<![a-z])(?:l|t|tier|level|lvl|line|lev)[\s._-]*(\d{1,2})(?!\d)")
_TIER_WORD = re.compile(r"\b(first|second|third|fourth|fifth)\b")


def tier_of_label(label: str, levels: dict[str, int]) -> int | None:
    """The support tier a label names (SPEC §3.1): a `levels:` entry, a plain number, an
    ordinal (`2nd line`, `V5 3rd`: the ordinal wins over other digits), a prefixed number
    (`L2`, `Tier 3`, `Level 1`) or an ordinal word (`Second line`); several (`L2/L3`) give
    the highest. None when the label names no tier."""
    key = label.strip().lower()
    if not key:
        return None
    if key in levels:
        return int(levels[key])
    if re.fullmatch(r"\d{1,2}(?:\.0+)?", key):
        return int(float(key))
    for pattern in (_TIER_ORDINAL, _TIER_PREFIXED):
        found = [int(n) for n in pattern.findall(key)]
        if found:
            return max(found)
    words = _TIER_WORD.findall(key)
    return max(_ORDINAL_WORDS[w] for w in words) if words else None


def normalise_tier(raw: pd.Series, levels: dict[str, int]) -> tuple[pd.Series, pd.Series]:
    """(tiers as Float64, mask of present labels that name no tier)."""
    levels = {str(k).strip().lower(): v for k, v in levels.items()}
    codes, results = label_results(raw.astype("object").where(raw.notna(), None), lambda u: tier_of_label(u, levels))
    tiers = np.array([np.nan if r is None else float(r) for r in results])[codes]
    bad = np.isnan(tiers) & raw.notna().to_numpy()
    return pd.Series(tiers, index=raw.index).astype("Float64"), pd.Series(bad, index=raw.index)


def normalise_level(raw: pd.Series, levels: dict[str, int]) -> pd.Series:
    """Impact/urgency 1..3 from numbers or labels ('1 - High', 'High')."""
    def rule(label: str) -> float:
        key = label.strip().lower()
        if key in levels:
            return levels[key]
        m = re.match(r"^([1-3])(\s*-.*)?$", key)
        return int(m.group(1)) if m else np.nan

    return map_labels(raw, rule).astype("Float64").astype("Int64")


# --- statuses --------------------------------------------------------------------------------

_CANONICAL_STATUS = {s.lower(): s for s in STATUSES}
_CANONICAL_STATUS.update({"canceled": "Cancelled", "in-progress": "In Progress",
                          "inprogress": "In Progress", "onhold": "On Hold", "on-hold": "On Hold"})


def normalise_status(raw: pd.Series, states: dict[str, str]) -> pd.Series:
    """Canonical status (categorical), or NA when the label is missing or unknown."""
    return categorical_labels(raw, lambda u: states.get(u.strip().lower()) or _CANONICAL_STATUS.get(u.strip().lower()))


# --- booleans and numbers --------------------------------------------------------------------

_TRUE = {"true", "yes", "y", "1", "t", "x", "major"}
_FALSE = {"false", "no", "n", "0", "f", ""}


def normalise_bool(raw: pd.Series, any_text_true: bool = False) -> tuple[pd.Series, pd.Series]:
    """(boolean Series, mask of unrecognised values). With any_text_true, any non-empty,
    non-false text is True (Freshservice 'Major incident type' holds a type name)."""
    def rule(label: str) -> tuple[bool | None, bool]:  # (value, unrecognised)
        key = label.strip().lower()
        if key in _TRUE:
            return True, False
        if key in _FALSE:
            return (False if key else None), False
        return (True, False) if any_text_true else (None, True)

    codes, results = label_results(raw, rule)
    value = np.array([bool(v) for v, _ in results])[codes]
    missing = np.array([v is None for v, _ in results])[codes]
    bad = np.array([b for _, b in results])[codes]
    return (pd.Series(pd.arrays.BooleanArray(value, missing), index=raw.index),
            pd.Series(bad, index=raw.index))


def normalise_number(raw: pd.Series, markers: set[str] = frozenset()) -> tuple[pd.Series, pd.Series]:
    """(Float64 or Int64 Series, mask of values that were text, not numbers); missing markers
    are NA."""
    if isinstance(raw.dtype, (pd.Int64Dtype, pd.Float64Dtype)):  # typed while reading
        return raw, pd.Series(False, index=raw.index)
    if pd.api.types.is_numeric_dtype(raw):
        return raw.astype("Float64"), pd.Series(False, index=raw.index)
    from .arrowtext import to_float

    return to_float(raw, markers)


# --- timestamps ------------------------------------------------------------------------------

@dataclass
class DayFirstEvidence:
    """Rows (spreadsheet numbers) that prove each reading of a numeric date column."""

    dayfirst_rows: list[int]
    monthfirst_rows: list[int]
    count_dayfirst: int
    count_monthfirst: int


def numeric_date_evidence(raw: pd.Series, rows: pd.Series) -> DayFirstEvidence | None:
    """For a column of dd/mm vs mm/dd dates, which rows prove which order (None if the column
    holds no such dates). Each distinct value (or half of one) is examined once."""
    from . import dates

    found = dates.reading(raw).evidence()
    if found is None:
        return None
    day_first, month_first = found
    return DayFirstEvidence(
        rows.iloc[np.flatnonzero(day_first)[:3]].tolist(), rows.iloc[np.flatnonzero(month_first)[:3]].tolist(),
        int(day_first.sum()), int(month_first.sum()),
    )


#: Incident times outside [EARLIEST, LATEST) are typing or export errors, not history: Excel's
#: zero date is 1899-12-30/1900-01-00, and no ITSM tool logged an incident before 1970. Values
#: are checked before they are stored as nanosecond timestamps, which end in 2262: year 5026
#: is a data-quality issue, not an OutOfBoundsDatetime crash.
EARLIEST = pd.Timestamp("1970-01-01", tz="UTC")
LATEST = pd.Timestamp("2100-01-01", tz="UTC")


def fit_range(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(values with those outside [EARLIEST, LATEST) as NaT, {index: the value} of those
    outside). Works at any datetime resolution, aware (UTC bounds) or naive (wall clock)."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        # On the int64 ticks at the column's own resolution (an aware column holds UTC ticks,
        # a naive one wall-clock ticks, so the bounds are the same numbers): one numpy pass
        # instead of pandas comparisons of a million timestamps.
        unit = values.dt.unit
        ticks = values.array.asi8
        lo, hi = (np.datetime64(t.tz_localize(None).to_datetime64(), unit).astype(np.int64) for t in (EARLIEST, LATEST))
        bad_ticks = ((ticks < lo) | (ticks >= hi)) & (ticks != np.iinfo(np.int64).min)  # NaT is not "outside"
        bad = pd.Series(bad_ticks, index=values.index)
    else:
        aware = isinstance(values.dtype, pd.DatetimeTZDtype)
        lo, hi = (EARLIEST, LATEST) if aware else (EARLIEST.tz_localize(None), LATEST.tz_localize(None))
        bad = ((values < lo) | (values >= hi)).fillna(False).astype(bool)
    if not bad.any():
        return values, values.iloc[:0]
    return values.mask(bad), values[bad]


def report_outside(outside: pd.Series, quality: DataQuality | None, field: str,
                   rows: pd.Series | None, file: str | None) -> None:
    """Count and list values `fit_range` set aside (as unreadable timestamps)."""
    n = len(outside)
    if not n or quality is None:
        return
    quality.unparsed_timestamps += n
    for i, v in list(outside.items())[:5]:
        # From the components: strftime refuses years outside 1–9999 (year -34,000 is valid
        # in a seconds-resolution Parquet or XLSX column).
        when = f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}"
        quality.add(int(rows[i]) if rows is not None else None, field,
                    f"{when} is outside 1970–2099; treated as missing", file)
    if n > 5:
        quality.add(None, field, f"{n - 5} more values outside 1970–2099 were treated as missing", file)


def localise_distinct(naive: pd.DatetimeIndex, tz: zoneinfo.ZoneInfo | str
                     ) -> tuple[pd.DatetimeIndex, np.ndarray, np.ndarray]:
    """(UTC times, in DST gap, in DST overlap) for naive wall-clock times: a gap shifts
    forward, an overlap takes the first occurrence (SPEC §3.2)."""
    key = str(tz)
    none = np.zeros(len(naive), dtype=bool)
    if key == "UTC":
        return naive.tz_localize("UTC"), none, none
    first = np.ones(len(naive), dtype=bool)  # True = DST side = the first occurrence
    out = naive.tz_localize(key, ambiguous=first, nonexistent="shift_forward")
    present = ~naive.isna()
    if not present.any():
        return out, none, none
    gap = naive.tz_localize(key, ambiguous=first, nonexistent="NaT").isna() & present
    overlap = naive.tz_localize(key, ambiguous="NaT", nonexistent="shift_forward").isna() & present
    return out, np.asarray(gap), np.asarray(overlap)


def localise_rows(naive: np.ndarray, tz: zoneinfo.ZoneInfo | str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(UTC datetime64[ns], in DST gap, in DST overlap) per row of naive datetime64[ns], as
    `localise_distinct` gives them: one pass that leaves the gap and overlap times unset, then
    `localise_distinct` for those few alone."""
    none = np.zeros(len(naive), dtype=bool)
    if str(tz) == "UTC":
        return naive, none, none
    got = pd.DatetimeIndex(naive).tz_localize(str(tz), ambiguous="NaT", nonexistent="NaT")
    out = got.asi8.copy()
    odd = (out == np.iinfo(np.int64).min) & ~np.isnat(naive)
    gap, overlap = none, none.copy()
    if odd.any():
        utc, g, o = localise_distinct(pd.DatetimeIndex(naive[odd]), tz)
        out[odd] = utc.asi8
        gap = none.copy()
        gap[odd], overlap[odd] = g, o
    return out.view("datetime64[ns]"), gap, overlap


def report_clock_changes(gap: np.ndarray, overlap: np.ndarray, naive: pd.Series, quality: DataQuality | None,
                         field: str, rows: pd.Series | None, file: str | None) -> None:
    """Count the rows a clock change moved (row masks) and list the first five."""
    adjusted = gap | overlap
    n = int(adjusted.sum())
    if not n or quality is None:
        return
    quality.dst_adjusted += n
    for p in np.flatnonzero(adjusted)[:5]:
        i = naive.index[p]
        why = "falls in the DST gap; shifted forward" if gap[p] else "is ambiguous (DST overlap); took the first occurrence"
        quality.add(int(rows[i]) if rows is not None else None, field, f"local time {naive.iloc[p]} {why}", file)


def localise(naive: pd.Series, tz: zoneinfo.ZoneInfo | str, quality: DataQuality | None,
             field: str = "", rows: pd.Series | None = None, file: str | None = None) -> pd.Series:
    """Naive local wall-clock times -> UTC. A DST gap shifts forward; an overlap takes the first
    occurrence; both are counted in data quality (SPEC §3.2). The rules run once per distinct
    time (a busy export repeats its minutes)."""
    if str(tz) == "UTC":
        return naive.dt.tz_localize("UTC").astype(TS_DTYPE)
    codes, uniques = pd.factorize(naive.astype("datetime64[ns]"), use_na_sentinel=True)
    utc, gap, overlap = localise_distinct(pd.DatetimeIndex(uniques), tz)
    from .dates import take

    values = take(utc.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]"), codes, np.datetime64("NaT", "ns"))
    report_clock_changes(take(gap, codes, False), take(overlap, codes, False), naive, quality, field, rows, file)
    return pd.Series(values, index=naive.index).dt.tz_localize("UTC").astype(TS_DTYPE)


_ISO_START = re.compile(r"\d{4}-\d")


def parse_iso_fast(raw: pd.Series, tz, quality: DataQuality | None, field: str = "",
                   rows: pd.Series | None = None, file: str | None = None,
                   markers: set[str] = frozenset()) -> pd.Series | None:
    """All-ISO-8601 columns via pyarrow's cast (~14x pandas' parser); None if any value is not
    plain ISO 8601 (then the general parser decides)."""
    from .arrowtext import to_arrow

    if pd.api.types.is_datetime64_any_dtype(raw):  # typed cells (XLSX, Parquet)
        return _typed(raw, tz, quality, field, rows, file)
    missing = pa.array(sorted(set(markers) | {""}), type=pa.string())
    # The first value decides; found among the first rows, it spares a day-first column the
    # trimming and marker test of every row below.
    text = to_arrow(raw)
    head = pc.utf8_trim_whitespace(text.slice(0, 64))
    head = head.filter(pc.invert(pc.fill_null(pc.is_in(head, value_set=missing), True))).drop_null()
    if len(head) and not _ISO_START.match(head[0].as_py()):
        return None
    arr = pc.utf8_trim_whitespace(text)
    arr = pc.if_else(pc.is_in(arr, value_set=missing), pa.scalar(None, pa.string()), arr)
    if arr.null_count == len(arr):
        return pd.Series(pd.NaT, index=raw.index, dtype=TS_DTYPE)
    first = arr[pc.index(pc.is_valid(arr), True).as_py()].as_py()
    if not _ISO_START.match(first):  # the cast would fail (after reading up to that value)
        return None
    try:
        aware = pd.Series(pc.cast(arr, pa.timestamp("ns", tz="UTC")).to_pandas(), index=raw.index)
        return drop_implausible(aware, field=field, quality=quality, rows=rows, file=file).astype(TS_DTYPE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    try:
        naive = pd.Series(pc.cast(arr, pa.timestamp("ns")).to_pandas(), index=raw.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    naive = drop_implausible(naive, field=field, quality=quality, rows=rows, file=file)
    return localise(naive, tz, quality, field, rows, file)


def _typed(raw: pd.Series, tz, quality: DataQuality | None, field: str, rows: pd.Series | None,
           file: str | None) -> pd.Series:
    """Datetime cells -> UTC, implausible ones (at any resolution) set aside and reported."""
    raw, outside = fit_range(raw)
    report_outside(outside, quality, field, rows, file)
    if isinstance(raw.dtype, pd.DatetimeTZDtype):
        return raw.dt.tz_convert("UTC").astype(TS_DTYPE)
    return localise(raw.astype("datetime64[ns]"), tz, quality, field, rows, file)


def parse_timestamps(
    raw: pd.Series,
    *,
    field: str,
    tz: zoneinfo.ZoneInfo | str,
    dayfirst: bool,
    quality: DataQuality,
    rows: pd.Series,
    file: str,
) -> pd.Series:
    """Parse one column to UTC datetimes. Unparseable values become NaT and are reported.

    All-ISO columns take pyarrow's cast; any other column is read one distinct value at a time
    (`dates`): numeric day-first or month-first dates, ISO with or without an offset, month
    names, mixed in one column if need be."""
    if pd.api.types.is_datetime64_any_dtype(raw):
        return _typed(raw, tz, quality, field, rows, file)
    from . import dates

    # A column the day-first evidence found numeric dates in cannot be all ISO 8601.
    fast = None if dates.holds_numeric(raw) else parse_iso_fast(raw, tz, quality, field, rows, file)
    if fast is not None:
        return fast

    read = dates.reading(raw)
    naive, utc = read.times(dayfirst)
    # Parsed, but not a plausible incident time: set aside (wall clock or UTC, as read).
    lo, hi = (np.datetime64(t.tz_localize(None).to_datetime64(), "us") for t in (EARLIEST, LATEST))
    outside = (naive < lo) | (naive >= hi)  # NaT compares false
    out_utc = None if utc is None else (utc < lo) | (utc >= hi)
    if out_utc is not None:
        outside |= out_utc
    as_read = None
    if outside.any():
        where = np.flatnonzero(outside)
        as_read = naive[where] if utc is None else np.where(np.isnat(utc[where]), naive[where], utc[where])
        as_read = pd.Series(as_read, index=raw.index[where])
        naive = np.where(outside, np.datetime64("NaT", "us"), naive)
    local, gap, overlap = localise_rows(naive.astype("datetime64[ns]"), tz)
    value = local
    if utc is not None:
        utc = np.where(out_utc, np.datetime64("NaT", "us"), utc)
        value = np.where(np.isnat(utc), local, utc.astype("datetime64[ns]"))
    out = pd.Series(value, index=raw.index).dt.tz_localize("UTC").astype(TS_DTYPE)

    report_clock_changes(gap, overlap, pd.Series(naive, index=raw.index), quality, field, rows, file)
    if as_read is not None:
        report_outside(as_read, quality, field, rows, file)
    failed = read.present & np.isnat(value) & ~outside
    n = int(failed.sum())
    if n:
        quality.unparsed_timestamps += n
        for p in np.flatnonzero(failed)[:5]:
            text = read.text(int(p))
            quality.add(int(rows[raw.index[p]]), field, f"cannot read {text[:40]!r} as a date and time", file)
        if n > 5:
            quality.add(None, field, f"{n - 5} more values could not be read as dates", file)
    return out


def drop_implausible(ts: pd.Series, *, field: str, quality: DataQuality | None, rows: pd.Series | None,
                     file: str | None) -> pd.Series:
    """Times before 1970 or from 2100 on become missing, counted as unreadable and listed."""
    ts, bad = fit_range(ts)
    report_outside(bad, quality, field, rows, file)
    return ts


def decide_dayfirst(
    evidence: dict[str, DayFirstEvidence], configured: bool | None, path: str, quality: DataQuality
) -> dict[str, bool]:
    """Per column: config if set; else the column's own evidence; else the file's; else day-first.

    Contradictory evidence within one column is an error naming rows (SPEC §3.2).
    """
    decided: dict[str, bool] = {}
    for col, ev in evidence.items():
        if ev.count_dayfirst and ev.count_monthfirst:
            raise IngestError(
                f"{path}: column {col!r} mixes day-first (row {ev.dayfirst_rows[0]}) and "
                f"month-first (row {ev.monthfirst_rows[0]}) dates; fix those rows or set "
                "`dayfirst` in ccreport.yaml."
            )
    if configured is not None:
        return {col: configured for col in evidence}
    file_votes = {True: 0, False: 0}
    for col, ev in evidence.items():
        if ev.count_dayfirst:
            decided[col] = True
            file_votes[True] += 1
        elif ev.count_monthfirst:
            decided[col] = False
            file_votes[False] += 1
    if file_votes[True] and file_votes[False]:
        cols = [c for c, v in decided.items() if v], [c for c, v in decided.items() if not v]
        raise IngestError(
            f"{path}: columns {cols[0][0]!r} (day-first) and {cols[1][0]!r} (month-first) "
            "disagree; set `dayfirst` in ccreport.yaml."
        )
    fallback = file_votes[False] == 0
    for col in evidence:
        if col not in decided:
            decided[col] = fallback
            if not file_votes[True] and not file_votes[False]:
                quality.add(None, col, "dates are ambiguous (no day above 12); read as day-first",
                            path)
    return decided
