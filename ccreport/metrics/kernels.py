"""The metrics layer's numpy kernels: column → array conversions and per-group reductions.

Owns the array representation every figure is computed from (timestamps as int64 UTC
nanoseconds with sentinels for "missing", priorities and grouping fields as integer codes) and
the small reductions over a row set (`count`, `mean`, `pct`, ... : one `numpy.bincount` of the
group codes of the set's rows). Nothing here knows what a figure means; `definitions` does.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from .. import calendars
from ..schema import NS_PER_HOUR, PRIORITIES, UNKNOWN_PRIORITY

_BIG = np.iinfo(np.int64).max  # stands for a missing timestamp ("never")
_NAT = np.iinfo(np.int64).min
PRIORITY_LABELS = (*PRIORITIES, UNKNOWN_PRIORITY)


# ---- columns → arrays ---------------------------------------------------------------------

def small_int(k: int) -> type[np.signedinteger]:
    """The smallest signed integer type holding the codes 0..k (a byte a row for a dozen
    groups): codes only index, gather and bincount, none is multiplied."""
    for t in (np.int8, np.int16, np.int32):
        if k < np.iinfo(t).max:
            return t
    return np.int64


def _picker(subset: np.ndarray | None) -> Callable[[np.ndarray], np.ndarray]:
    """Indexes full-length arrays by `subset` (all of them when None)."""
    return (lambda a: a) if subset is None else (lambda a: a[subset])


def _ns(values: pd.Series) -> np.ndarray:
    """A tz-aware datetime Series as int64 UTC nanoseconds (NaT → int64 minimum).

    A column already at nanoseconds (the canonical frame's) gives a read-only view of its own
    ticks, not a copy (DatetimeArray.as_unit copies even to its own unit): 8 bytes a row
    fewer for each time column read, at the run's high-water mark."""
    if isinstance(values.dtype, pd.DatetimeTZDtype) and values.dt.unit == "ns":
        ticks = values.array.asi8.view()
        ticks.flags.writeable = False
        return ticks
    return calendars._utc_ns(values)


def _priority_codes(priority: pd.Series) -> np.ndarray:
    """0..4 for P1..P5, 5 for Unknown, missing or anything else (int8)."""
    cat = priority if isinstance(priority.dtype, pd.CategoricalDtype) else priority.astype("category")
    # Map the column's own categories onto P1..P5/Unknown, then look the codes up.
    lookup = np.array(
        [PRIORITY_LABELS.index(str(c)) if str(c) in PRIORITY_LABELS else len(PRIORITIES)
         for c in cat.cat.categories] + [len(PRIORITIES)],
        dtype=np.int8,  # six codes: a byte a row, not eight
    )
    return lookup[cat.cat.codes.to_numpy()]  # code −1 (missing) picks the last entry


def _is_cancelled(status: pd.Series) -> np.ndarray:
    cat = status if isinstance(status.dtype, pd.CategoricalDtype) else status.astype("category")
    flags = np.array([str(c) == "Cancelled" for c in cat.cat.categories] + [False], dtype=bool)
    return flags[cat.cat.codes.to_numpy()]


def _hours(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(b − a) in hours; NaN where either is missing."""
    out = (b - a) / NS_PER_HOUR
    out[(a == _NAT) | (b == _NAT)] = np.nan
    return out


def _dim_codes(values: pd.Series, na_label: str) -> tuple[np.ndarray, list[str]]:
    """Integer codes and labels of a grouping column; missing values get `na_label`.

    The codes keep the categorical's own small integer type (int8 below 128 labels), and are
    the column's own codes when no value is missing: read-only to the caller, and widened
    (`.astype(np.int64)`) before any arithmetic that could pass the type's range."""
    cat = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    codes = cat.cat.codes.to_numpy()
    labels = [str(c) for c in cat.cat.categories]
    if (codes < 0).any():
        if na_label in labels:
            na = labels.index(na_label)
        else:
            labels.append(na_label)
            na = len(labels) - 1
        codes = np.where(codes < 0, np.array(na, dtype=small_int(len(labels))), codes)
    return codes, labels


def take_rows(column: pd.Series, positions: np.ndarray) -> pd.Series:
    """`column.iloc[positions]` (non-negative positions), without joining the chunks of an
    Arrow-backed column: pyarrow's take over a chunked text column first concatenates every
    chunk (a copy of the whole column, 30 bytes a row for titles) to pick a few rows. Each
    chunk gives its own rows here, and only those are put together."""
    arr = getattr(column.array, "_pa_array", None)
    if arr is None or arr.num_chunks < 2 or len(positions) == 0:
        return column.iloc[positions]
    import pyarrow as pa

    starts = np.cumsum([0] + [len(c) for c in arr.chunks])
    order = np.argsort(positions, kind="stable")
    ordered = positions[order]
    chunk = np.searchsorted(starts, ordered, side="right") - 1
    bounds = np.searchsorted(chunk, np.arange(arr.num_chunks + 1))
    pieces = [arr.chunk(c).take(pa.array(ordered[bounds[c]:bounds[c + 1]] - starts[c]))
              for c in np.flatnonzero(np.diff(bounds))]
    taken = pa.concat_arrays(pieces)  # the rows asked for, in position order
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    values = pd.array(pa.chunked_array([taken.take(pa.array(back))], type=arr.type), dtype=column.dtype)
    return pd.Series(values, index=column.index[positions], name=column.name)


def _float(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
        return values.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)


# ---- reductions over a row set ----------------------------------------------------------------
# A set is an int array of row positions; `codes` (full length) gives each row's group and `k`
# the number of groups (all zeros and k = 1 for totals). Each returns one value per group.

def _where(rows: np.ndarray, cond: np.ndarray) -> np.ndarray:
    """The rows of a set for which a full-length condition holds."""
    return rows[cond[rows]]


def _count(codes: np.ndarray, k: int, rows: np.ndarray) -> np.ndarray:
    if k == 1:  # one group (totals): every row of the set is in it, no codes to gather
        return np.array([len(rows)], dtype=np.int64)
    return np.bincount(codes[rows], minlength=k)


def _total(codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.bincount(codes[rows], weights=values[rows], minlength=k)


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    """num ÷ den × scale, None over an empty set."""
    return None if den <= 0 else scale * float(num) / float(den)


def _ints(values: np.ndarray) -> list[int]:
    return [int(v) for v in values]


def counts(codes: np.ndarray, k: int, rows: np.ndarray) -> list[int]:
    """How many rows of the set fall in each group."""
    return _ints(_count(codes, k, rows))


def means(codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray) -> list[float | None]:
    """Mean of `values` over the set's rows, per group (None for an empty group)."""
    return [_ratio(s, c) for s, c in zip(_total(codes, k, rows, values), _count(codes, k, rows))]


def pcts(codes: np.ndarray, k: int, rows: np.ndarray, hit: np.ndarray) -> list[float | None]:
    """100 × rows where `hit` ÷ rows, per group."""
    return [_ratio(a, b, 100.0) for a, b in zip(_count(codes, k, _where(rows, hit)), _count(codes, k, rows))]


def int_sums(codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray) -> list[int | None]:
    """Sum of `values` over the set's rows, rounded to an int, per group (None when empty)."""
    sums, n = _total(codes, k, rows, values), _count(codes, k, rows)
    return [int(round(s)) if c else None for s, c in zip(sums, n)]


def percentiles(codes: np.ndarray, k: int, rows: np.ndarray, values: np.ndarray,
                qs: tuple[float, ...]) -> list[list[float | None]]:
    """For each q in `qs`, the q-th percentile (linear interpolation) per group; one sort."""
    v, groups = values[rows], codes[rows]
    order = np.lexsort((v, groups))
    v, groups = v[order], groups[order]
    bounds = np.searchsorted(groups, np.arange(k + 1))
    out: list[list[float | None]] = [[None] * k for _ in qs]
    for g in np.flatnonzero(np.diff(bounds)):  # groups with values: a handful of priorities
        part = v[bounds[g]:bounds[g + 1]]
        for i, q in enumerate(qs):
            out[i][g] = float(np.percentile(part, q))
    return out
