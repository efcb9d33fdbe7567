"""Synthetic canonical incidents for benchmarks: reproducible, vectorised, ISO-Z timestamps.

    python bench/synth.py 100000 bench/data/incidents-100000.csv

The data look like a busy contact centre's ITSM export: two years of incidents with a weekday
daytime peak, priorities P1-P5 (few P1s), lognormal resolution times that grow with priority,
some still open, some cancelled, acknowledgement and escalation times, and the usual grouping
fields. The same seed always gives the same file.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

#: The data end here (UTC); the benchmark reports on the last full month before it.
END = np.datetime64("2026-11-01T00:00:00", "s")
SPAN_DAYS = 730
PRIORITY_P = np.array([0.02, 0.08, 0.45, 0.35, 0.10])
#: Median hours to resolve by priority (lognormal, sigma 1).
TTR_MEDIAN_H = np.array([2.5, 6.0, 20.0, 40.0, 90.0])
CATEGORIES = [f"Category {i:02d}" for i in range(30)]
SERVICES = [f"Service {i:02d}" for i in range(20)]
CHANNELS = ["Voice", "Email", "Chat", "Portal"]
SITES = ["Leeds", "Glasgow", "Cardiff", "Belfast", "Remote"]
GROUPS = [f"Resolver {i:02d}" for i in range(15)]


def _iso(ts: np.ndarray) -> pa.Array:
    """datetime64[s] → ISO 8601 strings with Z; NaT → null."""
    text = np.datetime_as_string(ts, unit="s")
    missing = np.isnat(ts)
    return pa.array(np.char.add(text, "Z"), mask=missing)


def generate(n: int, seed: int = 20261101) -> pa.Table:
    """n canonical incidents as an Arrow table of strings and numbers."""
    rng = np.random.default_rng(seed)
    # Opening times: uniform days, hours peaking in the working day.
    day = rng.integers(0, SPAN_DAYS, n)
    hour = np.clip(rng.normal(12.5, 3.5, n), 0, 23.999)
    opened = END - np.timedelta64(SPAN_DAYS, "D") + day.astype("timedelta64[D]") + (hour * 3600).astype("timedelta64[s]")
    prio = rng.choice(5, n, p=PRIORITY_P)
    ttr_h = TTR_MEDIAN_H[prio] * rng.lognormal(0.0, 1.0, n)
    resolved = opened + (ttr_h * 3600).astype("timedelta64[s]")
    status_draw = rng.random(n)
    cancelled = status_draw < 0.01
    still_open = (resolved >= END) | ((status_draw >= 0.01) & (status_draw < 0.03))
    resolved = np.where(still_open | cancelled, np.datetime64("NaT"), resolved)
    closed = np.where(np.isnat(resolved), np.datetime64("NaT"), resolved + np.timedelta64(3, "D"))
    closed = np.where(closed >= END, np.datetime64("NaT"), closed)
    status = np.where(cancelled, "Cancelled", np.where(still_open, "In Progress", np.where(np.isnat(closed), "Resolved", "Closed")))
    ack_h = rng.exponential(np.array([0.1, 0.3, 1.5, 4.0, 8.0])[prio])
    acknowledged = opened + (ack_h * 3600).astype("timedelta64[s]")
    acknowledged = np.where(rng.random(n) < 0.03, np.datetime64("NaT"), acknowledged)
    level = rng.choice(3, n, p=[0.75, 0.2, 0.05])
    escalated = np.where(level > 0, opened + (ack_h * 1.5 * 3600).astype("timedelta64[s]"), np.datetime64("NaT"))
    major = (prio == 0) & (rng.random(n) < 0.3)
    customers = np.where(prio <= 1, rng.integers(10, 5000, n), rng.integers(0, 20, n))
    csat = np.where(rng.random(n) < 0.3, rng.integers(1, 6, n).astype(float), np.nan)
    reopen = rng.choice(3, n, p=[0.95, 0.04, 0.01])
    ids = np.char.add("INC", np.char.zfill(np.arange(1, n + 1).astype(str), 8))
    pick = lambda names: pa.array(np.array(names)[rng.integers(0, len(names), n)])  # noqa: E731
    return pa.table(
        {
            "incident_id": pa.array(ids),
            "title": pa.array(np.char.add("Synthetic incident ", np.arange(n).astype(str))),
            "category": pick(CATEGORIES),
            "service": pick(SERVICES),
            "channel": pick(CHANNELS),
            "site": pick(SITES),
            "assignment_group": pick(GROUPS),
            "priority": pa.array(np.char.add("P", (prio + 1).astype(str))),
            "status": pa.array(status),
            "major": pa.array(major),
            "opened_at": _iso(opened),
            "acknowledged_at": _iso(acknowledged),
            "escalated_at": _iso(escalated),
            "resolved_at": _iso(resolved),
            "closed_at": _iso(closed),
            "escalation_level": pa.array(level),
            "reopen_count": pa.array(reopen),
            "customers_affected": pa.array(customers),
            "csat": pa.array(csat, mask=np.isnan(csat)),
        }
    )


#: Incidents generated at a time for the large files (memory stays bounded while writing).
CHUNK = 1_000_000
TIMESTAMP_COLUMNS = ("opened_at", "acknowledged_at", "escalated_at", "resolved_at", "closed_at")


def _chunks(n: int, seed: int):
    """The n incidents as tables of at most CHUNK rows: one table (the same file as before)
    up to CHUNK, else chunks with their own seeds and consecutive ids."""
    if n <= CHUNK:
        yield generate(n, seed)
        return
    done = 0
    while done < n:
        k = min(CHUNK, n - done)
        t = generate(k, seed + done)
        ids = np.char.add("INC", np.char.zfill(np.arange(done + 1, done + k + 1).astype(str), 9))
        yield t.set_column(0, "incident_id", pa.array(ids))
        done += k


def _write_tables(tables, path: Path, quoted: bool) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    opts = pacsv.WriteOptions(quoting_style="all_valid" if quoted else "none")
    writer = None
    try:
        for t in tables:
            if writer is None:
                writer = pacsv.CSVWriter(tmp, t.schema, write_options=opts)
            writer.write_table(t)
    finally:
        if writer is not None:
            writer.close()
    tmp.replace(path)
    return path


def write(n: int, path: str | Path, seed: int = 20261101, quoted: bool = False) -> Path:
    """Write n incidents to path as CSV (created once; reused when it already exists). With
    `quoted`, every value is in double quotes, as ServiceNow and Excel write them."""
    path = Path(path)
    if path.exists():
        return path
    return _write_tables(_chunks(n, seed), path, quoted)


def _local_text(iso: pa.ChunkedArray | pa.Array, tz: str, fmt: str) -> pa.Array:
    """ISO-Z strings -> naive local wall-clock text in `tz` with a strftime format."""
    import pandas as pd

    ts = pd.to_datetime(pd.Series(iso.to_pandas() if hasattr(iso, "to_pandas") else iso), utc=True, format="ISO8601")
    local = ts.dt.tz_convert(tz).dt.tz_localize(None)
    text = local.dt.strftime(fmt)
    return pa.array(text.where(local.notna(), None), type=pa.string())


def write_dayfirst(n: int, path: str | Path, tz: str = "Europe/London", seed: int = 20261101) -> Path:
    """The same n incidents with naive day-first timestamps, `dd/mm/yyyy HH:MM` on the local
    clock of `tz` (as an Excel export from a UK service desk writes them)."""
    path = Path(path)
    if path.exists():
        return path

    def tables():
        for t in _chunks(n, seed):
            for name in TIMESTAMP_COLUMNS:
                i = t.schema.get_field_index(name)
                t = t.set_column(i, name, _local_text(t.column(name), tz, "%d/%m/%Y %H:%M"))
            yield t
    return _write_tables(tables(), path, quoted=False)


EVENT_STATES = ("New", "Active", "Awaiting User Info", "Resolved", "Closed")


def event_log(n_incidents: int, seed: int = 20261102, dayfirst: bool = False,
              tz: str = "Europe/London") -> pa.Table:
    """A ServiceNow incident event log (one row per update, like the public UCI log): every
    incident moves New -> Active (-> Awaiting User Info -> Active) -> Resolved (-> Closed), each
    row repeating the incident's fields with its `sys_mod_count` and `sys_updated_at`.
    Timestamps are ISO-Z, or with `dayfirst` naive local `d-m-yyyy H:MM` (no zero padding)."""
    base = generate(n_incidents, seed)
    rng = np.random.default_rng(seed)
    def when(name: str) -> np.ndarray:
        return np.array([v[:-1] if v else "NaT" for v in base.column(name).to_pylist()], dtype="datetime64[s]")

    opened, resolved, closed = when("opened_at"), when("resolved_at"), when("closed_at")
    hold = rng.random(n_incidents) < 0.2
    has_res = ~np.isnat(resolved)
    has_clo = ~np.isnat(closed)
    # rows per incident: New, Active, [Hold, Active], [Resolved], [Closed]
    steps = 2 + 2 * hold + has_res + has_clo
    owner = np.repeat(np.arange(n_incidents), steps)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(steps) - steps, steps)
    o = opened[owner]
    end = np.where(has_res[owner], resolved[owner], o + np.timedelta64(3600, "s"))
    span = (end - o).astype("int64")
    state = np.empty(len(owner), dtype=object)
    when = np.empty(len(owner), dtype="datetime64[s]")
    h = hold[owner]
    # position within the incident's own sequence
    seq_hold = np.array(["New", "Active", "Awaiting User Info", "Active", "Resolved", "Closed"], dtype=object)
    seq_plain = np.array(["New", "Active", "Resolved", "Closed"], dtype=object)
    state = np.where(h, seq_hold[np.minimum(k, 5)], seq_plain[np.minimum(k, 3)])
    frac = np.where(h, np.array([0, 0.05, 0.3, 0.5, 1.0, 1.0])[np.minimum(k, 5)],
                    np.array([0, 0.05, 1.0, 1.0])[np.minimum(k, 3)])
    when = o + (span * frac).astype("timedelta64[s]")
    is_closed = state == "Closed"
    when = np.where(is_closed, closed[owner], when)
    take = pa.array(owner)
    cols = {
        "number": base.column("incident_id").take(take),
        "incident_state": pa.array(state.astype(str)),
        "sys_mod_count": pa.array(k),
        "sys_updated_at": _iso(when),
        "opened_at": base.column("opened_at").take(take),
        "resolved_at": base.column("resolved_at").take(take),
        "closed_at": base.column("closed_at").take(take),
        "priority": pa.array(np.array(["1 - Critical", "2 - High", "3 - Moderate", "4 - Low", "5 - Planning"])[
            np.array([int(p[1]) - 1 for p in base.column("priority").to_pylist()])[owner]]),
        "category": base.column("category").take(take),
        "assignment_group": base.column("assignment_group").take(take),
        "location": base.column("site").take(take),
        "contact_type": base.column("channel").take(take),
    }
    table = pa.table(cols)
    if dayfirst:
        for name in ("sys_updated_at", "opened_at", "resolved_at", "closed_at"):
            i = table.schema.get_field_index(name)
            text = _local_text(table.column(name), tz, "%d-%m-%Y %H:%M")
            # d-m-yyyy H:MM: drop the zero padding of day, month and hour
            import pyarrow.compute as pc

            text = pc.replace_substring_regex(text, r"^0?(\d+)-0?(\d+)-(\d{4}) 0?(\d+):", r"\1-\2-\3 \4:")
            table = table.set_column(i, name, text)
    return table


def write_event_log(n_incidents: int, path: str | Path, dayfirst: bool = False) -> Path:
    path = Path(path)
    if path.exists():
        return path
    return _write_tables([event_log(n_incidents, dayfirst=dayfirst)], path, quoted=False)


def read_canonical(path: str | Path):
    """A stand-in for ccreport.ingest for this file only (used when ingest is not importable):
    pyarrow reads the CSV, then the columns get the canonical dtypes. Not a general reader."""
    import pandas as pd

    from ccreport.ingest.frame import CATEGORY_COLUMNS, coerce
    from ccreport.ingest.quality import DataQuality
    from ccreport.ingest.result import IngestResult

    table = pacsv.read_csv(path)
    frame = table.to_pandas()
    for name in CATEGORY_COLUMNS:
        if name in frame:
            frame[name] = frame[name].astype("category")
    for name in ("opened_at", "acknowledged_at", "escalated_at", "resolved_at", "closed_at"):
        frame[name] = pd.to_datetime(frame[name], utc=True, format="ISO8601").dt.as_unit("ns")
    frame = coerce(frame)
    quality = DataQuality(rows_read=len(frame), incidents=len(frame))
    return IngestResult(incidents=frame, quality=quality, fields=frozenset(table.column_names))


if __name__ == "__main__":
    write(int(sys.argv[1]), sys.argv[2])
