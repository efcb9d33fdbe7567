"""Benchmarks: how fast ccreport reads and measures large exports, against plain pyarrow and DuckDB.

    python bench/run.py                      # 10k, 100k and 1M incidents
    python bench/run.py --sizes 10000        # quick

Prints a Markdown report and writes it to bench/results/latest.md (git-ignored). The report is a
list of named sections (SECTIONS); each is a function that returns Markdown lines, so other
stages (rendering, ...) add a section without touching the others.

Each measurement of a size runs in its own subprocess, so timings include nothing cached by an
earlier size and the peak RSS is that process's alone (os.wait4 returns the rusage of exactly
the child waited for; it is what getrusage(RUSAGE_CHILDREN) accumulates, per child).
Synthetic CSVs (bench/synth.py, fixed seed) are kept in bench/data/ and reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
#: The benchmark's config: the SPEC §3.4 example (office calendar for P3/P4, GB-ENG holidays).
CONFIG = {
    "timezone": "Europe/London",
    "calendars": {"office": {"days": ["mon", "tue", "wed", "thu", "fri"], "hours": "08:00-18:00",
                             "holidays": {"country": "GB", "subdivision": "ENG"}}},
    "sla": {
        "P1": {"respond": "15m", "resolve": "4h", "calendar": "24x7"},
        "P2": {"respond": "30m", "resolve": "8h", "calendar": "24x7"},
        "P3": {"respond": "4h", "resolve": "24h", "calendar": "office"},
        "P4": {"respond": "8h", "resolve": "40h", "calendar": "office"},
    },
}
MONTH = "2026-10"  # the last full month of the synthetic data
TARGETS_AT = 1_000_000


def csv_for(size: int, quoted: bool = False) -> Path:
    import synth

    name = f"incidents-{size}-quoted.csv" if quoted else f"incidents-{size}.csv"
    return synth.write(size, DATA / name, quoted=quoted)


# ---- workers (run in a subprocess; print one JSON line) ------------------------------------

def _config():
    from ccreport.config import Config

    return Config.model_validate(CONFIG)


def worker_read(path: str) -> dict:
    import pyarrow.csv as pacsv

    t = time.perf_counter()
    table = pacsv.read_csv(path)
    return {"read_s": time.perf_counter() - t, "rows": table.num_rows}


def worker_ccreport(path: str) -> dict:
    import synth
    from ccreport import metrics
    from ccreport.period import resolve_period

    config = _config()
    period = resolve_period(config, month=MONTH)
    out: dict = {"ingest_s": None, "ingest_note": ""}
    # ccreport.ingest imports its pipeline on first use; import it before the clock starts, so
    # the figure is ingest and not Python compiling modules (no .pyc cache here:
    # PYTHONDONTWRITEBYTECODE is set on these machines).
    try:
        import ccreport.ingest.pipeline  # noqa: F401
    except ImportError:
        pass
    t = time.perf_counter()
    try:
        from ccreport.ingest import load

        result = load([Path(path)], config, preset="canonical")
        out["ingest_s"] = time.perf_counter() - t
    except ImportError as err:
        out["ingest_note"] = f"ingest not importable ({err.name or err})"
        result = synth.read_canonical(path)
    except Exception as err:  # report, then measure the metrics on the stand-in reader
        out["ingest_note"] = f"ingest failed: {str(err).splitlines()[0][:80]}"
        result = synth.read_canonical(path)
    t = time.perf_counter()
    ms = metrics.compute(result, config, period)
    out["metrics_s"] = time.perf_counter() - t
    out["opened"] = ms.totals.opened
    return out


def worker_duckdb(path: str) -> dict:
    """End to end from the CSV: per month × priority, opened, mean/median/P90 time to resolve
    and 24x7 resolution-SLA attainment (cancelled excluded, negative durations left out)."""
    import duckdb

    t = time.perf_counter()
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
    rows = con.execute(query).fetchall()
    return {"duckdb_s": time.perf_counter() - t, "groups": len(rows)}


def worker_render(path: str) -> dict:
    """Monthly report rendering for one input size, split into its stages, with WeasyPrint's
    own render + write_pdf of the final HTML as the floor (measured in the same process)."""
    import tempfile

    import weasyprint

    from ccreport import metrics
    from ccreport.documents.monthly import build_monthly
    from ccreport.ingest import load
    from ccreport.period import resolve_period
    from ccreport.render.charts import draw_charts
    from ccreport.render.templates import templates_path
    from ccreport.render.docx import render_docx
    from ccreport.render.html import render_html
    from ccreport.render.markdown import render_markdown
    from ccreport.render.pdf import html_to_pdf

    config = _config()
    result = load([Path(path)], config, preset="canonical")
    data = metrics.compute(result, config, resolve_period(config, month=MONTH)).to_dict(full=True)
    out: dict = {}
    out["build_s"] = _timed(lambda: build_monthly(data, config))
    doc = build_monthly(data, config)
    t = time.perf_counter()
    svg = draw_charts(doc, svg=True, png=False)
    out["charts_svg_s"] = time.perf_counter() - t
    t = time.perf_counter()
    png = draw_charts(doc, svg=False, png=True)
    out["charts_png_s"] = time.perf_counter() - t
    t = time.perf_counter()
    html = render_html(doc, svg)
    out["html_s"] = time.perf_counter() - t
    t = time.perf_counter()
    pdf = html_to_pdf(html)
    out["pdf_s"] = time.perf_counter() - t
    import io

    from pypdf import PdfReader

    out["pdf_pages"] = len(PdfReader(io.BytesIO(pdf)).pages)
    base = str(templates_path()) + "/"
    t = time.perf_counter()
    rendered = weasyprint.HTML(string=html, base_url=base, media_type="print").render()
    out["wp_layout_s"] = time.perf_counter() - t
    t = time.perf_counter()
    rendered.write_pdf()
    out["wp_write_s"] = time.perf_counter() - t
    t = time.perf_counter()
    render_docx(doc, png)
    out["docx_s"] = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        render_markdown(doc, png, d)
        out["md_s"] = time.perf_counter() - t
    return out


WORKERS: dict[str, Callable[[str], dict]] = {
    "read": worker_read,
    "ccreport": worker_ccreport,
    "duckdb": worker_duckdb,
    "render": worker_render,
}


def run_worker(kind: str, path: Path) -> dict:
    """Run one worker in a fresh interpreter; its result plus its own peak RSS in MB."""
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--worker", kind, str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    stdout, stderr = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} worker failed for {path.name}:\n{stderr.strip()[-2000:]}")
    result = json.loads(stdout.strip().splitlines()[-1])
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1 if sys.platform == "darwin" else 1024
    result["rss_mb"] = usage.ru_maxrss * scale / 1e6
    return result


# ---- sections -----------------------------------------------------------------------------

def _s(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f} s"


def _x(ratio: float | None) -> str:
    return "n/a" if ratio is None else f"{ratio:.2f}×"


def _check(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def section_load_and_metrics(sizes: list[int]) -> list[str]:
    lines = [
        "## Load and metrics",
        "",
        "Per size, each column in a fresh process. *read*: `pyarrow.csv.read_csv` alone. *ingest*:"
        " `ccreport.ingest.load(..., preset='canonical')` (read + normalise + data quality). "
        f"*metrics*: `metrics.compute` for {MONTH} (12-month trend, previous month, every "
        "breakdown). *DuckDB*: end to end from the same CSV, per-month × priority counts, "
        "mean/median/P90 time to resolve and 24x7 SLA. *RSS*: peak resident memory of the "
        "ccreport process (ingest + metrics). The *quoted* row is the largest size again with "
        "every value in double quotes, as ServiceNow and Excel export (pyarrow must then track "
        "quotes across its read blocks).",
        "",
        "| incidents | CSV MB | read | ingest | ingest ÷ read | metrics | ingest + metrics | DuckDB "
        "| metrics ÷ DuckDB | (ingest + metrics) ÷ DuckDB | peak RSS |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes: set[str] = set()
    checks: list[str] = []
    runs = [(size, False) for size in sizes]
    if TARGETS_AT in sizes:
        runs.append((TARGETS_AT, True))
    for size, quoted in runs:
        path = csv_for(size, quoted)
        read = run_worker("read", path)
        ours = run_worker("ccreport", path)
        duck = run_worker("duckdb", path)
        if ours["ingest_note"]:
            notes.add(ours["ingest_note"])
        total = None if ours["ingest_s"] is None else ours["ingest_s"] + ours["metrics_s"]
        i_ratio = None if ours["ingest_s"] is None else ours["ingest_s"] / read["read_s"]
        m_ratio = ours["metrics_s"] / duck["duckdb_s"]
        t_ratio = None if total is None else total / duck["duckdb_s"]
        label = f"{size:,} quoted" if quoted else f"{size:,}"
        lines.append(
            f"| {label} | {path.stat().st_size / 1e6:,.0f} | {_s(read['read_s'])} | {_s(ours['ingest_s'])} "
            f"| {_x(i_ratio)} | {_s(ours['metrics_s'])} | {_s(total)} | {_s(duck['duckdb_s'])} | {m_ratio:.2f}× "
            f"| {_x(t_ratio)} | {ours['rss_mb']:,.0f} MB |"
        )
        if size == TARGETS_AT:
            what = " (quoted)" if quoted else ""
            checks += [
                f"- ingest ≤ 2.5× the bare pyarrow read{what}: {_x(i_ratio)} — "
                f"{_check(None if i_ratio is None else i_ratio <= 2.5)}",
                f"- metrics ≤ 2× DuckDB end to end{what}: {m_ratio:.2f}× — {_check(m_ratio <= 2)}",
                f"- ingest + metrics ≤ 1.5× DuckDB end to end{what}: {_x(t_ratio)} — "
                f"{_check(None if t_ratio is None else t_ratio <= 1.5)}",
                f"- peak RSS < 2 GB{what}: {ours['rss_mb']:,.0f} MB — {_check(ours['rss_mb'] < 2000)}",
            ]
    for note in sorted(notes):
        lines += ["", f"Note: {note}; ingest shows n/a and metrics ran on the benchmark's stand-in "
                      "reader (bench/synth.py `read_canonical`)."]
    if checks:
        lines += ["", f"Targets at {TARGETS_AT:,} incidents:", *checks]
    return lines


def _loop_business_hours(starts: list[dt.datetime], ends: list[dt.datetime], holidays: set[dt.date],
                         tz: str) -> list[float]:
    """The simple way: per row, step through the local days and add each day's overlap."""
    import zoneinfo

    zone = zoneinfo.ZoneInfo(tz)
    out = []
    for s, e in zip(starts, ends):
        a = s.astimezone(zone).replace(tzinfo=None)
        b = e.astimezone(zone).replace(tzinfo=None)
        total = 0.0
        day = a.date()
        while day <= b.date():
            if day.weekday() < 5 and day not in holidays:
                w0 = dt.datetime.combine(day, dt.time(8))
                w1 = dt.datetime.combine(day, dt.time(18))
                lo, hi = max(a, w0), min(b, w1)
                if hi > lo:
                    total += (hi - lo).total_seconds() / 3600
            day += dt.timedelta(days=1)
        out.append(total)
    return out


def section_business_hours(sizes: list[int]) -> list[str]:
    import numpy as np
    import pandas as pd

    from ccreport import calendars

    config = _config()
    cal = config.calendars["office"]
    n = 100_000
    rng = np.random.default_rng(7)
    base = np.datetime64("2025-01-01T00:00:00", "s").astype("datetime64[ns]").view("i8")
    start = base + rng.integers(0, 700 * 86_400, n) * 1_000_000_000
    end = start + (rng.exponential(30 * 3600, n) * 1e9).astype(np.int64)
    s = pd.Series(pd.to_datetime(start, utc=True))
    e = pd.Series(pd.to_datetime(end, utc=True))
    calendars.business_hours(s, e, cal, config.timezone)  # warm the holiday cache
    best = min(
        _timed(lambda: calendars.business_hours(s, e, cal, config.timezone)) for _ in range(10)
    )
    fast = calendars.business_hours(s, e, cal, config.timezone).to_numpy()
    holidays = {d.astype(object) for d in calendars.holiday_dates(cal, 2024, 2028)}
    py_s = s.dt.to_pydatetime().tolist()
    py_e = e.dt.to_pydatetime().tolist()
    t = time.perf_counter()
    slow = np.array(_loop_business_hours(py_s, py_e, holidays, config.timezone))
    loop_s = time.perf_counter() - t
    diff = float(np.max(np.abs(fast - slow)))
    speedup = loop_s / best
    return [
        "## Business hours",
        "",
        f"{n:,} intervals (mean 30 h) on the office calendar (Mon–Fri 08:00–18:00, GB-ENG bank "
        "holidays, Europe/London).",
        "",
        "| method | time | rows/s |",
        "|---|---:|---:|",
        f"| vectorised (`calendars.business_hours`, best of 10) | {best:.3f} s | {n / best:,.0f} |",
        f"| per-row loop over days | {loop_s:.2f} s | {n / loop_s:,.0f} |",
        "",
        f"Speed-up {speedup:,.0f}× (target ≥ 100×: {_check(speedup >= 100)}); largest difference "
        f"between the two: {diff:.2e} h.",
    ]


def section_render(sizes: list[int]) -> list[str]:
    """Monthly report rendering time by stage for the smallest and largest size: it must not
    grow with the number of incidents (tables are aggregated or capped)."""
    picked = sorted({min(sizes), max(sizes)})
    rows = {n: run_worker("render", csv_for(n)) for n in picked}
    lines = ["## Rendering the monthly report", "",
             "| incidents | build | charts (SVG) | charts (PNG) | HTML | PDF stage | WeasyPrint layout + write | PDF ÷ WeasyPrint | DOCX | Markdown | pages |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n, r in rows.items():
        floor = r["wp_layout_s"] + r["wp_write_s"]
        lines.append(
            f"| {n:,} | {_s(r['build_s'])} | {_s(r['charts_svg_s'])} | {_s(r['charts_png_s'])} | {_s(r['html_s'])} | "
            f"{_s(r['pdf_s'])} | {_s(r['wp_layout_s'])} + {_s(r['wp_write_s'])} | {r['pdf_s'] / floor:.2f}× | "
            f"{_s(r['docx_s'])} | {_s(r['md_s'])} | {r['pdf_pages']} |")
    if len(rows) == 2:
        small, large = (rows[n] for n in picked)
        def total(r):
            return r["build_s"] + r["charts_svg_s"] + r["charts_png_s"] + r["html_s"] + r["pdf_s"] + r["docx_s"] + r["md_s"]
        growth = total(large) / total(small) - 1
        lines += ["", f"Rendering all four formats: {total(small):.2f} s at {picked[0]:,} incidents, "
                  f"{total(large):.2f} s at {picked[1]:,} ({growth:+.0%}; target within ±10 %) "
                  f"{_check(abs(growth) <= 0.10)}."]
    lines += ["", "Targets: the PDF stage within 1.5× WeasyPrint's own layout + write of the same HTML; "
              "DOCX under 1 s. Charts are drawn once per run and shared by the formats."]
    return lines


def section_split(sizes: list[int]) -> list[str]:
    """`monthly --split-by service` (20 services in the synthetic data, plus the overview)
    with 1 and 2 jobs, wall clock through the real CLI."""
    import tempfile

    n = min(sizes)
    path = csv_for(n)
    cfg = Path(tempfile.mkdtemp()) / "ccreport.yaml"
    import yaml

    cfg.write_text(yaml.safe_dump(CONFIG))
    lines = ["## One report per group (`--split-by service`, PDF only)", "",
             "| incidents | groups | jobs | wall clock |", "|---:|---:|---:|---:|"]
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "ccreport.cli", "--quiet", "--config", str(cfg), "monthly",
                            str(path), "--month", MONTH, "--preset", "canonical", "--format", "pdf",
                            "--split-by", "service", "--jobs", str(jobs), "--out", out],
                           check=True, cwd=ROOT)
            wall = time.perf_counter() - t
            groups = len(list(Path(out).glob("*.pdf"))) - 1  # less the overview
        lines.append(f"| {n:,} | {groups} | {jobs} | {wall:.1f} s |")
    return lines


def _timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


@dataclass(frozen=True)
class Section:
    name: str
    run: Callable[[list[int]], list[str]]


#: The report, in order. Add a Section to extend it.
SECTIONS: list[Section] = [
    Section("load-and-metrics", section_load_and_metrics),
    Section("business-hours", section_business_hours),
    Section("render", section_render),
    Section("split", section_split),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="comma-separated incident counts (default 10000,100000,1000000)")
    parser.add_argument("--only", default=None, help="comma-separated section names to run")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, path = args.worker
        print(json.dumps(WORKERS[kind](path)))
        return 0
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    only = None if args.only is None else set(args.only.split(","))
    import numpy
    import pandas

    lines = [
        "# ccreport benchmarks",
        "",
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC · Python {platform.python_version()} · "
        f"pandas {pandas.__version__} · numpy {numpy.__version__} · {os.cpu_count()} CPUs · "
        f"{platform.machine()}",
    ]
    for section in SECTIONS:
        if only is not None and section.name not in only:
            continue
        lines += ["", *section.run(sizes)]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
