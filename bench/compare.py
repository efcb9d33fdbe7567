"""The comparisons of `make bench`, each run as its own whole process like ccreport is:

    python bench/compare.py duckdb CSV       # DuckDB end to end from the CSV
    python bench/compare.py polars CSV       # the same figures with polars (skipped if absent)
    python bench/compare.py pyarrow CSV      # a bare pyarrow.csv.read_csv
    python bench/compare.py weasyprint HTML TEMPLATES PDF [tagged]   # WeasyPrint's own write_pdf of an HTML file
    python bench/compare.py eventlog-csv CSV # a ServiceNow event log with the csv module only

The DuckDB and polars programs compute, per month x priority: opened, mean / median / P90
time to resolve and 24x7 resolution-SLA attainment (cancelled excluded, negative durations
left out), in Europe/London months: the core of what `ccreport metrics` computes, with far
fewer figures, so the ratio is if anything kind to the comparison.

The eventlog-csv program is what a careful Python programmer writes without pandas: the csv
module, a dict of parsed timestamps (each distinct text parsed once by `datetime.strptime`),
and one pass per incident. It computes the figures `ccreport validate` reports for a
ServiceNow event log: rows, incidents (each number's latest row by update time, then
sys_mod_count), resolved times taken from the state history (the latest row has no
resolved_at: the last move into Resolved, kept while the incident ends Resolved or Closed and
the move came after its last reopen) and unreadable timestamps.
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGET_H = {"P1": 4, "P2": 8, "P3": 24, "P4": 40}


def duckdb_figures(path: str) -> int:
    import duckdb

    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/London'")
    query = f"""
        WITH t AS (
            SELECT priority, opened_at,
                   date_diff('second', opened_at, resolved_at) / 3600.0 AS ttr
            FROM read_csv('{path}', header = true)
            WHERE status <> 'Cancelled'
        )
        SELECT strftime(date_trunc('month', opened_at), '%Y-%m') AS month, priority,
               count(*) AS opened,
               avg(ttr) FILTER (WHERE ttr >= 0) AS mttr,
               median(ttr) FILTER (WHERE ttr >= 0) AS median_ttr,
               quantile_cont(ttr, 0.9) FILTER (WHERE ttr >= 0) AS p90_ttr,
               100.0 * count(*) FILTER (WHERE ttr >= 0 AND ttr <= CASE priority
                   WHEN 'P1' THEN 4 WHEN 'P2' THEN 8 WHEN 'P3' THEN 24 WHEN 'P4' THEN 40 END)
                 / nullif(count(*) FILTER (WHERE ttr >= 0 AND priority IN ('P1', 'P2', 'P3', 'P4')), 0)
                 AS sla_pct
        FROM t GROUP BY ALL ORDER BY ALL
    """
    return len(con.execute(query).fetchall())


def polars_figures(path: str) -> int:
    import polars as pl

    ts = pl.Datetime("us", "UTC")
    frame = (
        pl.scan_csv(path, schema_overrides={"opened_at": pl.String, "resolved_at": pl.String})
        .filter(pl.col("status") != "Cancelled")
        .with_columns(
            pl.col("opened_at").str.to_datetime(time_zone="UTC").cast(ts),
            pl.col("resolved_at").str.to_datetime(time_zone="UTC").cast(ts),
        )
        .with_columns(
            ((pl.col("resolved_at") - pl.col("opened_at")).dt.total_seconds() / 3600).alias("ttr"),
            pl.col("opened_at").dt.convert_time_zone("Europe/London").dt.strftime("%Y-%m").alias("month"),
            pl.col("priority").replace_strict(TARGET_H, default=None, return_dtype=pl.Float64).alias("target"),
        )
    )
    ok = pl.col("ttr") >= 0
    out = (
        frame.group_by("month", "priority")
        .agg(
            pl.len().alias("opened"),
            pl.col("ttr").filter(ok).mean().alias("mttr"),
            pl.col("ttr").filter(ok).median().alias("median_ttr"),
            pl.col("ttr").filter(ok).quantile(0.9, "linear").alias("p90_ttr"),
            (100.0 * (ok & (pl.col("ttr") <= pl.col("target"))).sum()
             / (ok & pl.col("target").is_not_null()).sum()).alias("sla_pct"),
        )
        .sort("month", "priority")
        .collect()
    )
    return out.height


def pyarrow_read(path: str) -> int:
    import pyarrow.csv as pacsv

    return pacsv.read_csv(path).num_rows


def weasyprint_pdf(html: str, templates: str, pdf: str, tagged: str = "") -> int:
    """`tagged`: with `pdf_tags=True`, the tagged PDF ccreport writes by default."""
    import weasyprint

    base = Path(templates).resolve().as_uri() + "/"
    options = {"pdf_tags": True} if tagged == "tagged" else {}
    weasyprint.HTML(filename=html, base_url=base, media_type="print").write_pdf(pdf, **options)
    return Path(pdf).stat().st_size


#: ServiceNow state labels as the servicenow preset reads them (unknown labels are skipped).
_SN_STATES = {
    "new": "New", "1": "New",
    "in progress": "In Progress", "active": "In Progress", "work in progress": "In Progress",
    "2": "In Progress", "assigned": "In Progress",
    "on hold": "On Hold", "3": "On Hold", "awaiting user info": "On Hold",
    "awaiting problem": "On Hold", "awaiting vendor": "On Hold", "awaiting evidence": "On Hold",
    "awaiting change": "On Hold", "awaiting caller": "On Hold", "pending": "On Hold",
    "resolved": "Resolved", "6": "Resolved",
    "closed": "Closed", "7": "Closed",
    "canceled": "Cancelled", "cancelled": "Cancelled", "8": "Cancelled",
}
_MISSING = {"", "?", "NULL", "N/A", "-"}


def eventlog_csv(path: str) -> str:
    import csv
    import datetime as dt

    parsed: dict[str, dt.datetime | None] = {}
    unreadable = 0

    def when(text: str) -> dt.datetime | None:
        nonlocal unreadable
        text = text.strip()
        if text in _MISSING:
            return None
        try:
            value = parsed[text]
        except KeyError:
            value = None
            for fmt in ("%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S"):
                try:
                    value = dt.datetime.strptime(text, fmt)
                    break
                except ValueError:
                    pass
            parsed[text] = value
        if value is None:
            unreadable += 1
        return value

    events: dict[str, list] = {}
    rows = 0
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        col = {h: i for i, h in enumerate(header)}
        num, state, seq, upd = col["number"], col["incident_state"], col["sys_mod_count"], col["sys_updated_at"]
        opened, resolved, closed = col["opened_at"], col["resolved_at"], col["closed_at"]
        for rec in reader:
            rows += 1
            t = when(rec[upd])
            o, r, c = when(rec[opened]), when(rec[resolved]), when(rec[closed])
            if t is None:
                continue
            count = int(rec[seq]) if rec[seq].strip().isdigit() else -1
            events.setdefault(rec[num].strip(), []).append(
                (t, count, _SN_STATES.get(rec[state].strip().lower()), o, r, c))
    from_history = 0
    resolved_hours = []
    for evs in events.values():
        evs.sort(key=lambda e: (e[0], e[1]))
        latest = evs[-1]
        res = latest[4]
        if res is None:
            prev = last_into = last_reopen = None
            for t, _, s, *_ in evs:
                if s is None:
                    continue
                if s == "Resolved" and prev != "Resolved":
                    last_into = t
                if prev in ("Resolved", "Closed") and s in ("New", "In Progress", "On Hold"):
                    last_reopen = t
                prev = s
            if (prev in ("Resolved", "Closed") and last_into is not None
                    and (last_reopen is None or last_into > last_reopen)):
                res = last_into
                from_history += 1
        if res is None:
            res = latest[5]
        if res is not None and latest[3] is not None:
            resolved_hours.append((res - latest[3]).total_seconds() / 3600)
    mean = sum(h for h in resolved_hours if h >= 0) / max(1, sum(1 for h in resolved_hours if h >= 0))
    return (f"rows {rows} incidents {len(events)} resolved_from_history {from_history} "
            f"unreadable {unreadable} mean_ttr_h {mean:.3f}")


def main(argv: list[str]) -> int:
    kind, *args = argv
    fn = {"duckdb": duckdb_figures, "polars": polars_figures, "pyarrow": pyarrow_read,
          "weasyprint": weasyprint_pdf, "eventlog-csv": eventlog_csv}[kind]
    print(fn(*args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
