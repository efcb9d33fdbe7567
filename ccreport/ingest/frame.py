"""The canonical incident frame: its dtypes, an empty frame, and coercion of plain records.

Dtypes (every column of schema.FIELDS is always present, all-NA when the source lacks it):
- incident_id, title, description, subcategory, root_cause, resolution_notes, problem_id: str
- category, service, channel, site, assignment_group, priority, status: category
- impact, urgency, escalation_level, reassignment_count, reopen_count, customers_affected,
  contacts_affected: Int64;  csat: Float64;  major: boolean
- opened_at ... closed_at: datetime64[ns, UTC]
"""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from ..schema import (
    BOOL_FIELDS,
    DATETIME_FIELDS,
    EVENT_FIELDS,
    FIELDS,
    FLOAT_FIELDS,
    INT_FIELDS,
)

CATEGORY_COLUMNS = ("category", "service", "channel", "site", "assignment_group", "priority", "status")
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


def coerce(df: pd.DataFrame) -> pd.DataFrame:
    """Return a frame with exactly the canonical columns, in order, with canonical dtypes.

    Missing columns are added as all-NA. Values must already be normalised (timestamps as
    datetimes or ISO strings with offsets, priorities as P1..P5/Unknown, statuses canonical).
    """
    out = {}
    n = len(df)
    for name in FIELDS:
        col = df[name] if name in df.columns else pd.Series([pd.NA] * n, index=df.index, dtype=object)
        kind = dtype_of(name)
        if kind == TS_DTYPE:
            if not isinstance(col.dtype, pd.DatetimeTZDtype):
                col = pd.to_datetime(col, utc=True, format="ISO8601")
            out[name] = col.dt.tz_convert("UTC").astype(TS_DTYPE)
        elif kind == "str":
            out[name] = col.astype("str").where(col.notna(), None) if n else col.astype("str")
        elif kind == "Int64":
            out[name] = pd.to_numeric(col, errors="coerce").astype("Float64").round().astype("Int64")
        elif kind == "Float64":
            out[name] = pd.to_numeric(col, errors="coerce").astype("Float64")
        else:
            out[name] = col.astype(kind)
    frame = pd.DataFrame(out, index=pd.RangeIndex(n))
    return frame


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
