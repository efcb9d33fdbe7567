"""Contact-centre interval data (`--contacts`, SPEC §3.3): reading and validating the CSV.

    load_contacts(path, config) -> DataFrame      one row per interval and channel
    infer_interval(frame) -> Timedelta            the interval length the rows show

The file is read by the incident readers (`readers.read_csv`), so its decoding (UTF-8 with or
without BOM, UTF-16, Windows-1252), delimiter sniffing and row numbers are those of every other
input: a message names the file, the spreadsheet row (the header is row 1, the first data row
is row 2) and the column. The figures computed from the frame (service level, abandonment,
AHT) belong to the metrics layer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Config
from ..errors import IngestError
from ..schema import CONTACT_COUNT_FIELDS, CONTACT_FIELDS, CONTACT_GROUP_FIELDS, NOT_RECORDED
from . import readers

_OFFSET = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
_DEFAULT_INTERVAL = pd.Timedelta(minutes=15)
#: The largest count or handle time an interval may hold (as pipeline.MAX_COUNT for incidents).
MAX_VALUE = 10**12


def _fail(path: Path, row: int | None, column: str | None, problem: str) -> IngestError:
    where = f"{path}"
    if row is not None:
        where += f": row {row}"
    if column is not None:
        where += f", column {column}" if row is not None else f": column {column}"
    return IngestError(f"{where}: {problem}")


def _column_name(header: str) -> str:
    """A header as the contacts columns are named: 'Answered In SL' == 'answered_in_sl'."""
    return header.strip().lower().replace(" ", "_")


def load_contacts(path: str | Path, config: Config) -> pd.DataFrame:
    """Read and validate a contacts CSV (SPEC §3.3) into a typed frame.

    Returns columns interval_start (datetime64[ns, UTC]), channel (category), site and queue
    (category, only when the file has such a column; an empty cell is "Not recorded"), offered,
    answered, abandoned, answered_in_sl (int64) and handle_seconds (float64), sorted by
    interval_start, channel, site, queue; `attrs["interval"]` holds the interval length (the
    most common gap between consecutive intervals of a channel, site and queue; 15 minutes if
    it cannot be told). A row is one interval of one channel (of one site and queue).

    interval_start is ISO 8601 with an offset (exact) or naive local time in the configured
    timezone; a naive time in the autumn repeated hour is the first occurrence the first time it
    appears for a channel and the second occurrence the second time; one in the spring gap is
    shifted forward. Every problem is an IngestError naming the file, the spreadsheet row
    (header = row 1) and the column. A header row without data gives an empty frame.
    """
    path = Path(path)
    if not path.exists():
        raise IngestError(f"{path}: contacts file not found.")
    if readers.regular_file_size(path) == 0:
        raise _fail(path, None, None, "the file is empty; a contacts CSV needs a header row naming "
                    f"{', '.join(CONTACT_FIELDS)}.")
    table = readers.read_csv(path, noun="contact intervals", allow_empty=True)
    if table.repairs:  # interval data has no quality report: a damaged cell is an error
        row, header, problem = table.repairs[0]
        raise _fail(path, row, header, f"{problem}; fix the file or export it again.")
    key_of: dict[str, str] = {}
    for header, key in zip(table.headers, table.frame.columns):
        key_of.setdefault(_column_name(header), key)  # a repeated header: the first one counts
    missing = [c for c in CONTACT_FIELDS if c not in key_of]
    if missing:
        raise _fail(path, None, None, f"missing column(s) {', '.join(missing)}; a contacts CSV needs "
                    f"{', '.join(CONTACT_FIELDS)}.")
    groups = [c for c in CONTACT_GROUP_FIELDS if c in key_of]
    # Plain text columns (as every validation below expects), trimmed.
    raw = pd.DataFrame({c: table.frame[key_of[c]].astype("str").str.strip() for c in (*CONTACT_FIELDS, *groups)})
    rows = table.rows().to_numpy()
    out: dict[str, pd.Series] = {}

    for col in (*CONTACT_COUNT_FIELDS, "handle_seconds"):
        cell = raw[col]
        num = pd.to_numeric(cell, errors="coerce")
        bad = num.isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            value = cell.iloc[i]
            problem = "is empty; give a number (0 for none)." if value == "" else f"{value!r} is not a number."
            raise _fail(path, int(rows[i]), col, problem)
        values = num.to_numpy(dtype=np.float64)
        bad = values < 0
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(path, int(rows[i]), col, f"{cell.iloc[i]} is negative.")
        # 1e30 or inf would wrap round in int64 (and show as a negative count): no interval
        # holds a trillion contacts or seconds.
        bad = ~(values <= MAX_VALUE)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(path, int(rows[i]), col, f"{cell.iloc[i][:40]} is too large (more than 10^12).")
        if col in CONTACT_COUNT_FIELDS:
            bad = values != np.floor(values)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                raise _fail(path, int(rows[i]), col, f"{cell.iloc[i]} is not a whole number of contacts.")
            out[col] = pd.Series(values.astype(np.int64), index=raw.index)
        else:
            out[col] = pd.Series(values, index=raw.index)

    for small, big in (("answered", "offered"), ("abandoned", "offered"), ("answered_in_sl", "answered")):
        bad = (out[small] > out[big]).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail(path, int(rows[i]), small, f"{out[small].iloc[i]} is more than {big} ({out[big].iloc[i]}).")

    channel = raw["channel"]
    bad = (channel == "").to_numpy()
    if bad.any():
        raise _fail(path, int(rows[np.flatnonzero(bad)[0]]), "channel", "is empty.")

    # A site or queue left empty is "Not recorded", as an incident without a site is.
    where = {c: raw[c].mask(raw[c] == "", NOT_RECORDED) for c in groups}
    keys = pd.DataFrame({"channel": channel, **where})
    out["interval_start"] = _parse_starts(raw["interval_start"], keys, config, path, rows)
    frame = pd.DataFrame(
        {
            "interval_start": out["interval_start"],
            "channel": channel.astype("category"),
            **{c: where[c].astype("category") for c in groups},
            **{c: out[c] for c in CONTACT_COUNT_FIELDS},
            "handle_seconds": out["handle_seconds"],
        }
    )
    key = ["interval_start", "channel", *groups]
    dup = frame.duplicated(key, keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        of = " ".join(f"{c} {where[c].iloc[i]!r}" for c in groups)
        raise _fail(path, int(rows[i]), "interval_start",
                    f"the interval {raw['interval_start'].iloc[i]} for channel {channel.iloc[i]!r}"
                    f"{' ' + of if of else ''} appears twice.")
    frame = frame.sort_values(key, kind="stable").reset_index(drop=True)
    frame.attrs["interval"] = infer_interval(frame)
    return frame


def _parse_starts(cell: pd.Series, keys: pd.DataFrame, config: Config, path: Path, rows: np.ndarray) -> pd.Series:
    """interval_start as UTC; `keys` (channel, and site and queue when present) tell which rows
    are one series of intervals, for the repeated autumn hour."""
    has_offset = cell.str.contains(_OFFSET, regex=True).to_numpy()
    result = pd.Series(pd.NaT, index=cell.index, dtype="datetime64[ns, UTC]")
    if has_offset.any():
        parsed = pd.to_datetime(cell[has_offset], format="ISO8601", utc=True, errors="coerce")
        result[has_offset] = parsed.dt.as_unit("ns")
    naive = ~has_offset
    if naive.any():
        local = pd.to_datetime(cell[naive], format="ISO8601", errors="coerce")
        if isinstance(local.dtype, pd.DatetimeTZDtype):  # pragma: no cover - guarded by the regex
            local = local.dt.tz_localize(None)
        # In the repeated autumn hour, the first row of a channel (site, queue) at a given wall
        # time is the first (summer-time) occurrence, the next one the second.
        series = keys[naive].reset_index(drop=True).assign(_t=local.to_numpy())
        first_seen = series.groupby([*keys.columns, "_t"], sort=False, dropna=False).cumcount().to_numpy() == 0
        try:
            aware = local.dt.tz_localize(config.timezone, ambiguous=first_seen, nonexistent="shift_forward")
        except (ValueError, TypeError) as err:  # pragma: no cover - defensive
            raise _fail(path, None, "interval_start", f"cannot place local times in {config.timezone}: {err}")
        result[naive] = aware.dt.tz_convert("UTC").dt.as_unit("ns")
    bad = result.isna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        value = cell.iloc[i]
        problem = "is empty." if value == "" else f"{value!r} is not a date-time like 2026-10-01T08:00:00+01:00."
        raise _fail(path, int(rows[i]), "interval_start", problem)
    return result


def infer_interval(frame: pd.DataFrame) -> pd.Timedelta:
    """The interval length of a contacts frame: the most common gap between consecutive
    intervals of a channel, site and queue (15 minutes when the rows cannot tell)."""
    if len(frame) < 2:
        return _DEFAULT_INTERVAL
    keys = ["channel", *(c for c in CONTACT_GROUP_FIELDS if c in frame.columns)]
    gaps = frame.groupby(keys, observed=True)["interval_start"].diff().dropna()
    gaps = gaps[gaps > pd.Timedelta(0)]
    if gaps.empty:
        return _DEFAULT_INTERVAL
    return pd.Timedelta(gaps.mode().min())


def interval_length(contacts: pd.DataFrame) -> pd.Timedelta:
    """The frame's interval length (from load_contacts, else inferred from the data)."""
    value = contacts.attrs.get("interval")
    return pd.Timedelta(value) if value is not None else infer_interval(contacts)
