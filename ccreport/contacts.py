"""Contact-centre interval data (`--contacts`): loading, and service level, abandonment and AHT
for a period, per channel, and during an incident against a same-time baseline.

Definitions (used by every document):
- service level % = 100 × answered_in_sl ÷ offered (config `contacts.sl_denominator: offered`,
  the default: an abandoned contact counts against service level) or ÷ answered
  (`sl_denominator: answered`: abandoned contacts are left out);
- abandonment % = 100 × abandoned ÷ offered;
- AHT seconds = handle_seconds ÷ answered.
Ratios are pooled (sums first, then one division), so busy intervals weigh more than quiet
ones. A ratio with a zero denominator, or a window with no interval rows at all, is null.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from .config import Config
from .errors import IngestError

COLUMNS = ("interval_start", "channel", "offered", "answered", "abandoned", "answered_in_sl", "handle_seconds")
COUNT_COLUMNS = ("offered", "answered", "abandoned", "answered_in_sl")
SUMMARY_KEYS = ("offered", "answered", "abandoned", "service_level_pct", "abandonment_pct", "aht_seconds")
_OFFSET = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
_DEFAULT_INTERVAL = pd.Timedelta(minutes=15)


def _fail(path: Path, row: int | None, column: str | None, problem: str) -> IngestError:
    where = f"{path}"
    if row is not None:
        where += f": row {row}"
    if column is not None:
        where += f", column {column}" if row is not None else f": column {column}"
    return IngestError(f"{where}: {problem}")


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def load_contacts(path: str | Path, config: Config) -> pd.DataFrame:
    """Read and validate a contacts CSV (SPEC §3.3) into a typed frame.

    Returns columns interval_start (datetime64[ns, UTC]), channel (category), offered,
    answered, abandoned, answered_in_sl (int64) and handle_seconds (float64), sorted by
    interval_start then channel; `attrs["interval"]` holds the interval length (the most
    common gap between consecutive intervals of a channel; 15 minutes if it cannot be told).

    interval_start is ISO 8601 with an offset (exact) or naive local time in the configured
    timezone; a naive time in the autumn repeated hour is the first occurrence the first time it
    appears for a channel and the second occurrence the second time; one in the spring gap is
    shifted forward. Every problem is an IngestError naming the file, the 1-based data row
    (header excluded) and the column.
    """
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: contacts file not found.")
    text = _read_text(path)
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        raw = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise _fail(path, None, None, f"not a readable CSV ({str(err).splitlines()[0]}).") from None
    raw.columns = [str(c).strip().lower().replace(" ", "_") for c in raw.columns]
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise _fail(path, None, None, f"missing column(s) {', '.join(missing)}; a contacts CSV needs "
                    f"{', '.join(COLUMNS)}.")
    rows = np.arange(1, len(raw) + 1)
    out: dict[str, pd.Series] = {}

    for col in (*COUNT_COLUMNS, "handle_seconds"):
        cell = raw[col].str.strip()
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
        if col in COUNT_COLUMNS:
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

    channel = raw["channel"].str.strip()
    bad = (channel == "").to_numpy()
    if bad.any():
        raise _fail(path, int(rows[np.flatnonzero(bad)[0]]), "channel", "is empty.")

    out["interval_start"] = _parse_starts(raw["interval_start"].str.strip(), channel, config, path, rows)
    frame = pd.DataFrame(
        {
            "interval_start": out["interval_start"],
            "channel": channel.astype("category"),
            **{c: out[c] for c in COUNT_COLUMNS},
            "handle_seconds": out["handle_seconds"],
        }
    )
    dup = frame.duplicated(["interval_start", "channel"], keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise _fail(path, int(rows[i]), "interval_start",
                    f"the interval {raw['interval_start'].iloc[i]} for channel {channel.iloc[i]!r} appears twice.")
    frame = frame.sort_values(["interval_start", "channel"], kind="stable").reset_index(drop=True)
    frame.attrs["interval"] = _infer_interval(frame)
    return frame


def _parse_starts(cell: pd.Series, channel: pd.Series, config: Config, path: Path, rows: np.ndarray) -> pd.Series:
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
        # In the repeated autumn hour, the first row of a channel at a given wall time is the
        # first (summer-time) occurrence, the next one the second.
        first_seen = (
            pd.DataFrame({"c": channel[naive].to_numpy(), "t": local.to_numpy()})
            .groupby(["c", "t"], sort=False, dropna=False).cumcount().to_numpy() == 0
        )
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


def _infer_interval(frame: pd.DataFrame) -> pd.Timedelta:
    if len(frame) < 2:
        return _DEFAULT_INTERVAL
    gaps = frame.groupby("channel", observed=True)["interval_start"].diff().dropna()
    gaps = gaps[gaps > pd.Timedelta(0)]
    if gaps.empty:
        return _DEFAULT_INTERVAL
    return pd.Timedelta(gaps.mode().min())


def interval_length(contacts: pd.DataFrame) -> pd.Timedelta:
    """The frame's interval length (from load_contacts, else inferred from the data)."""
    value = contacts.attrs.get("interval")
    return pd.Timedelta(value) if value is not None else _infer_interval(contacts)


def sl_method(config: Config) -> str:
    """How service level is computed, in words, for the output's `sl_method`."""
    return f"answered within threshold ÷ {config.contacts.sl_denominator}"


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return None if den <= 0 else scale * float(num) / float(den)


def summarise(sums: dict[str, float] | None, config: Config, weeks: int = 1) -> dict:
    """The six summary keys from pooled sums; counts are divided by `weeks` (a baseline's
    average week); None sums (no interval rows) → every key null."""
    if sums is None:
        return {k: None for k in SUMMARY_KEYS}
    offered, answered = sums["offered"], sums["answered"]
    sl_den = offered if config.contacts.sl_denominator == "offered" else answered

    def count(v: float) -> int | float:
        return int(v) if weeks == 1 else float(v) / weeks

    return {
        "offered": count(offered),
        "answered": count(answered),
        "abandoned": count(sums["abandoned"]),
        "service_level_pct": _ratio(sums["answered_in_sl"], sl_den, 100.0),
        "abandonment_pct": _ratio(sums["abandoned"], offered, 100.0),
        "aht_seconds": _ratio(sums["handle_seconds"], answered),
    }


def _sums(frame: pd.DataFrame) -> dict[str, float] | None:
    if frame.empty:
        return None
    return {c: float(frame[c].sum()) for c in (*COUNT_COLUMNS, "handle_seconds")}


def _ns(ts: pd.Timestamp) -> int:
    return int(pd.Timestamp(ts).tz_convert("UTC").value) if pd.Timestamp(ts).tzinfo else int(pd.Timestamp(ts).value)


def _window_mask(contacts: pd.DataFrame, start_ns: int, end_ns: int, length: pd.Timedelta) -> np.ndarray:
    """Intervals that overlap [start, end): interval_start < end and interval end > start."""
    t = contacts["interval_start"].to_numpy(dtype="datetime64[ns]").view("i8")
    return (t < end_ns) & (t + int(length.value) > start_ns)


def period_contacts(contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, config: Config) -> dict:
    """The `contacts` object of the metrics JSON for intervals starting in [start, end)."""
    t = contacts["interval_start"].to_numpy(dtype="datetime64[ns]").view("i8")
    inside = contacts[(t >= _ns(start)) & (t < _ns(end))]
    by_channel: dict[str, dict] = {}
    if not inside.empty:
        sums = inside.groupby("channel", observed=True)[[*COUNT_COLUMNS, "handle_seconds"]].sum()
        sums = sums.sort_values("offered", ascending=False, kind="stable")
        for name, row in sums.to_dict("index").items():  # one entry per channel (a handful)
            by_channel[str(name)] = summarise({k: float(v) for k, v in row.items()}, config)
    return {
        "sl_method": sl_method(config),
        "period": summarise(_sums(inside), config),
        "by_channel": by_channel,
    }


def incident_contact_impact(contacts: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, config: Config) -> dict:
    """Service level, abandonment and AHT during [start, end) and in the baseline.

    `during` pools the intervals overlapping the window (all channels). The baseline is the same
    local weekday and wall-clock times in each of the previous `config.contacts.baseline_weeks`
    weeks (a window shifted by whole weeks on the local clock, so a DST change in between keeps
    09:00 at 09:00); weeks with no interval rows in that window are skipped; counts are the
    average per week that had data, ratios are pooled over those weeks. A window with no interval
    rows gives nulls. Returns {"during": {...}, "baseline": {...}, "baseline_weeks": n used}.
    """
    length = interval_length(contacts)
    tz = config.timezone
    start = pd.Timestamp(start)
    end = pd.Timestamp(end)
    during = contacts[_window_mask(contacts, _ns(start), _ns(end), length)]
    local_start = start.tz_convert(tz).tz_localize(None)
    local_end = end.tz_convert(tz).tz_localize(None)
    pooled: dict[str, float] | None = None
    weeks = 0
    for k in range(1, config.contacts.baseline_weeks + 1):  # a handful of weeks
        shift = pd.Timedelta(weeks=k)
        s = (local_start - shift).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        e = (local_end - shift).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        week = _sums(contacts[_window_mask(contacts, _ns(s), _ns(e), length)])
        if week is None:
            continue
        weeks += 1
        pooled = week if pooled is None else {c: pooled[c] + week[c] for c in pooled}
    return {
        "during": summarise(_sums(during), config),
        "baseline": summarise(pooled, config, weeks=max(weeks, 1)),
        "baseline_weeks": weeks,
    }
