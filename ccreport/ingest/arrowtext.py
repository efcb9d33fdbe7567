"""Column-wide text operations on Arrow arrays: trimming, missing markers, numbers.

pandas 3 stores text as Arrow strings; pyarrow.compute kernels work on them without a copy and
are one to two orders of magnitude faster than the pandas string accessor for these steps
(measured on a 1M-row export).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_NULL = pa.scalar(None, pa.string())


def to_arrow(col: pd.Series) -> pa.ChunkedArray | pa.Array:
    """The column as an Arrow string array (no copy for Arrow-backed str columns)."""
    arr = getattr(col.array, "_pa_array", None)
    if arr is not None and pa.types.is_string(arr.type) or arr is not None and pa.types.is_large_string(arr.type):
        return arr
    values = col.astype("str").where(col.notna(), None)
    return pa.array(values.tolist(), type=pa.string())


def from_arrow(arr: pa.ChunkedArray | pa.Array, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(arr, dtype="str"), index=index)


def clean(col: pd.Series, markers: set[str]) -> pd.Series:
    """Trim whitespace; empty cells and missing markers ('?', 'NULL', ...) become missing.

    A categorical column (dictionary-encoded at read) is cleaned through its categories only:
    a million rows of eleven categories cost eleven string operations.
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        return _clean_categorical(col, markers)
    arr = _trim(to_arrow(col))
    lengths = pc.binary_length(arr)
    wanted = markers | {""}
    # A value longer (in UTF-8 bytes) than every marker cannot be one: a column of IDs or
    # titles has no value that short, and the lengths are read from the offsets alone, much
    # cheaper than the set lookup of every value.
    short = pc.less_equal(lengths, max(len(m.encode("utf-8", "surrogatepass")) for m in wanted))
    if pc.any(short).as_py():
        hit = pc.is_in(arr, value_set=pa.array(sorted(wanted), type=pa.string()))
        if pc.any(hit).as_py():
            arr = pc.if_else(hit, _NULL, arr)
    return from_arrow(arr, col.index)


def _trim(text: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """utf8_trim_whitespace chunk by chunk, keeping each chunk that has nothing to trim as it
    is (trimming only shortens, so the same total length means nothing was trimmed): a column
    of IDs or titles keeps the reader's buffers, and at most one chunk's copy is made at a
    time, instead of a second copy of the whole column held beside the raw one."""
    if isinstance(text, pa.Array):
        return _trim(pa.chunked_array([text], type=text.type)).chunk(0) if len(text) else pc.utf8_trim_whitespace(text)
    chunks = []
    for chunk in text.chunks:
        trimmed = pc.utf8_trim_whitespace(chunk)
        same = pc.sum(pc.binary_length(trimmed)).as_py() == pc.sum(pc.binary_length(chunk)).as_py()
        chunks.append(chunk if same else trimmed)
    return pa.chunked_array(chunks, type=text.type)


def to_float(col: pd.Series, markers: set[str] = frozenset()) -> tuple[pd.Series, pd.Series]:
    """(Float64 values, mask of cells that were text rather than numbers); empty cells and
    missing markers are NA. Thousands separators (1,234) are accepted."""
    arr = pc.utf8_trim_whitespace(to_arrow(col))
    values = pa.array(sorted(set(markers) | {""}), type=pa.string())
    arr = pc.if_else(pc.is_in(arr, value_set=values), _NULL, arr)
    arr = pc.replace_substring(arr, ",", "")
    try:
        values = pc.cast(arr, pa.float64())
        out = pd.Series(pd.array(values, dtype="Float64"), index=col.index)
        return out, pd.Series(False, index=col.index)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        text = from_arrow(arr, col.index)
        num = pd.to_numeric(text, errors="coerce").astype("Float64")
        return num, num.isna() & text.notna()


def _clean_categorical(col: pd.Series, markers: set[str]) -> pd.Series:
    cats = pd.Series(col.cat.categories.astype("str"))
    cleaned = clean(cats, markers)
    if cleaned.notna().all() and cleaned.equals(cats):
        return col  # nothing to trim or blank (most exports)
    # Categories that clean to the same text (" Leeds" and "Leeds") merge; markers become NA.
    new_cats = pd.Index(pd.unique(cleaned.dropna()), dtype="str")
    remap = np.append(new_cats.get_indexer(cleaned.fillna("\x00missing")), -1).astype(np.int64)
    codes = remap[col.cat.codes.to_numpy()]  # code -1 (missing) maps through the appended -1
    return pd.Series(pd.Categorical.from_codes(codes, categories=new_cats), index=col.index)


#: Characters that show as nothing but make two labels differ ("INC1" and "INC1" + U+200B):
#: zero-width space, word joiner and invisible operators, BOM / zero-width no-break space,
#: soft hyphen, and the direction marks, embeddings, overrides and isolates.
INVISIBLE = "\u200b\u200e\u200f\u2060-\u2064\ufeff\u00ad\u202a-\u202e\u2066-\u2069"
#: IDs also lose the zero-width (non-)joiners, which only shape letters in running text.
INVISIBLE_IN_IDS = INVISIBLE + "\u200c\u200d"


def strip_invisible(col: pd.Series, chars: str = INVISIBLE) -> tuple[pd.Series, pd.Series]:
    """(column without `chars`, re-trimmed, empty as missing; mask of the cells it changed).

    A categorical column is cleaned through its categories (labels that become equal merge).
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = pd.Series(col.cat.categories.astype("str"))
        clean_cats, changed_cats = strip_invisible(cats, chars)
        if not changed_cats.any():
            return col, pd.Series(False, index=col.index)
        codes = col.cat.codes.to_numpy()
        changed = np.append(changed_cats.to_numpy(dtype=bool), False)[codes]
        new_cats = pd.Index(pd.unique(clean_cats.dropna()), dtype="str")
        remap = np.append(new_cats.get_indexer(clean_cats.fillna("\x00missing")), -1).astype(np.int64)
        return (pd.Series(pd.Categorical.from_codes(remap[codes], categories=new_cats), index=col.index),
                pd.Series(changed, index=col.index))
    if col.dtype == object and col.map(lambda v: isinstance(v, (list, dict))).any():
        return col, pd.Series(False, index=col.index)  # nested JSON: reported as such elsewhere
    arr = to_arrow(col)
    if not any(c.isascii() for c in chars.replace("-", "")) and pc.all(pc.string_is_ascii(arr)).as_py() is not False:
        # The invisible characters are all outside ASCII: a column of ASCII text (IDs, most
        # labels) has none, and this check is 10-40x faster than the regex over a million values.
        return col, pd.Series(False, index=col.index)
    pattern = f"[{chars}]"
    hit = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
    if not pc.any(hit).as_py():
        return col, pd.Series(False, index=col.index)
    out = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, pattern, ""))
    out = pc.if_else(pc.equal(out, ""), _NULL, out)
    return from_arrow(out, col.index), pd.Series(np.asarray(hit), index=col.index)
