"""The canonical incident frame: its dtypes, an empty frame, and coercion of plain records.

Dtypes (every column of schema.FIELDS is always present, all-NA when the source lacks it):
- incident_id, title, description, subcategory, root_cause, resolution_notes, problem_id: str
- category, service, channel, site, assignment_group, priority, status: category
- impact, urgency, escalation_level, reassignment_count, reopen_count, customers_affected,
  contacts_affected: Int64;  csat: Float64;  major: boolean
- opened_at ... closed_at: datetime64[ns, UTC]
"""

from __future__ import annotations

import mmap

from typing import Any, Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from ..schema import (
    BOOL_FIELDS,
    DATETIME_FIELDS,
    DIMENSIONS,
    EVENT_FIELDS,
    FIELDS,
    FLOAT_FIELDS,
    INT_FIELDS,
)

CATEGORY_COLUMNS = (*DIMENSIONS, "priority", "status")
TS_DTYPE = "datetime64[ns, UTC]"


def dtype_of(name: str) -> Any:
    if name in DATETIME_FIELDS:
        return TS_DTYPE
    if name in INT_FIELDS:
        return "Int64"
    if name in FLOAT_FIELDS:
        return "Float64"
    if name in BOOL_FIELDS:
        return "boolean"
    if name in CATEGORY_COLUMNS:
        return "category"
    return "str"


#: Rows in the one Arrow array of missing texts that every absent text column repeats.
_NULL_CHUNK = 1 << 16


def _null_text(n: int) -> pa.ChunkedArray:
    """n missing texts as the Arrow data of a "str" column (large_string, what pandas keeps):
    one small all-null array repeated as the chunks, so the column costs one chunk's buffers
    (about 1 MB) and not n offsets."""
    chunk = pa.nulls(min(n, _NULL_CHUNK), pa.large_string())
    whole, rest = divmod(n, _NULL_CHUNK)
    chunks = [chunk] * whole + ([chunk.slice(0, rest)] if rest else [])
    return pa.chunked_array(chunks, type=pa.large_string())


def _fresh_zeros(n: int, dtype: str) -> np.ndarray:
    """n zeros that take no memory until written: a large array is an anonymous memory map of
    its own (np.zeros is calloc, and glibc hands out freed heap memory it must clear first,
    which at 1M rows made each absent count column cost its 8 MB)."""
    nbytes = n * np.dtype(dtype).itemsize
    if nbytes < 1 << 20:
        return np.zeros(n, dtype=dtype)
    return np.frombuffer(mmap.mmap(-1, nbytes), dtype=dtype)


def _all_na(name: str, n: int, null_text: pa.ChunkedArray | None = None) -> pd.Series:
    """An all-missing column of the canonical dtype, built without per-cell conversion.

    `null_text` (from _null_text(n)) lets several absent text columns share one immutable Arrow
    array: each column is its own pandas array over it, and writing into one replaces that
    column's Arrow data, never the shared buffers."""
    kind = dtype_of(name)
    if kind == TS_DTYPE:
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")).dt.tz_localize("UTC")
    if kind in ("Int64", "Float64", "boolean"):
        # Fresh zero pages are only paged in where written, and the Series wraps the arrays
        # without copying them (copy=False): the column costs its mask, one byte a row.
        array = {"Int64": pd.arrays.IntegerArray, "Float64": pd.arrays.FloatingArray,
                 "boolean": pd.arrays.BooleanArray}[kind]
        values = _fresh_zeros(n, {"Int64": "int64", "Float64": "float64", "boolean": "bool"}[kind])
        return pd.Series(array(values, np.ones(n, dtype=bool)), copy=False)
    if kind == "category":
        return pd.Series(pd.Categorical.from_codes(np.full(n, -1), categories=pd.Index([], dtype="str")))
    return pd.Series(pd.array(null_text if null_text is not None else _null_text(n), dtype="str"))


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Return a frame with exactly the canonical columns, in order, with canonical dtypes.

    Missing columns are added as all-NA. Values must already be normalised (timestamps as
    datetimes or ISO strings with offsets, priorities as P1..P5/Unknown, statuses canonical).
    """
    out = {}
    n = len(df)
    null_text = None  # shared by the absent text columns (often six of them)
    for name in FIELDS:
        if name not in df.columns:
            if dtype_of(name) == "str" and null_text is None:
                null_text = _null_text(n)
            out[name] = _all_na(name, n, null_text)
            continue
        col = df[name].reset_index(drop=True)
        kind = dtype_of(name)
        if kind == TS_DTYPE:
            if not isinstance(col.dtype, pd.DatetimeTZDtype):
                col = pd.to_datetime(col, utc=True, format="ISO8601")
            out[name] = col.dt.tz_convert("UTC").astype(TS_DTYPE)
        elif kind == "str":
            out[name] = col if isinstance(col.dtype, pd.StringDtype) else col.astype("str").where(col.notna(), None)
        elif kind == "Int64":
            if col.dtype != "Int64":
                col = pd.to_numeric(col, errors="coerce").astype("Float64").round().astype("Int64")
            out[name] = col
        elif kind == "Float64":
            if col.dtype == "Float64":
                out[name] = col
            elif col.dtype == "Int64":  # whole numbers typed by the reader: no parse, one cast
                out[name] = col.astype("Float64")
            else:
                out[name] = pd.to_numeric(col, errors="coerce").astype("Float64")
        elif kind == "category":
            out[name] = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
        else:
            out[name] = col if col.dtype == kind else col.astype(kind)
    return pd.DataFrame(out, index=pd.RangeIndex(n), copy=False)  # the columns are new or the caller's to give


def from_records(records: Iterable[dict]) -> pd.DataFrame:
    """A canonical frame from plain dicts (tests and fixtures): keys are canonical field names."""
    return coerce(pd.DataFrame(list(records)))


def empty_events() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "incident_id": pd.Series([], dtype="str"),
            "timestamp": pd.Series([], dtype=TS_DTYPE),
            "type": pd.Series([], dtype="str"),
            "text": pd.Series([], dtype="str"),
            "author": pd.Series([], dtype="str"),
            "audience": pd.Series([], dtype="str"),
        },
        columns=list(EVENT_FIELDS),
    )


def empty_pauses() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "incident_id": pd.Series([], dtype="str"),
            "start": pd.Series([], dtype=TS_DTYPE),
            "end": pd.Series([], dtype=TS_DTYPE),
        }
    )
