"""The comparisons of `make bench`, each run as its own whole process like ccreport is:

    python bench/compare.py duckdb CSV       # DuckDB end to end from the CSV
    python bench/compare.py polars CSV       # the same figures with polars (skipped if absent)
    python bench/compare.py pyarrow CSV      # a bare pyarrow.csv.read_csv
    python bench/compare.py weasyprint HTML TEMPLATES PDF [tagged]   # WeasyPrint's own write_pdf of an HTML file

The DuckDB and polars programs compute, per month x priority: opened, mean / median / P90
time to resolve and 24x7 resolution-SLA attainment (cancelled excluded, negative durations
left out), in Europe/London months: the core of what `ccreport metrics` computes, with far
fewer figures, so the ratio is if anything kind to the comparison.
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


def main(argv: list[str]) -> int:
    kind, *args = argv
    fn = {"duckdb": duckdb_figures, "polars": polars_figures, "pyarrow": pyarrow_read,
          "weasyprint": weasyprint_pdf}[kind]
    print(fn(*args))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
