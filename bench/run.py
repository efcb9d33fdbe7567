"""Benchmarks as users measure them: whole processes, each paired with its comparison in the same run.

    python bench/run.py                      # 10k, 100k and 1M incidents (about 10 minutes)
    python bench/run.py --big                # also 5M (timed) and 10M (peak memory)
    python bench/run.py --sizes 10000 --only ingest-metrics --pairs 3   # quick

Prints a Markdown report and writes it to bench/results/latest.md (git-ignored). The report is a
list of named sections (SECTIONS); each is a function that returns Markdown lines.

Every figure is a whole process started the way a user starts it (`python -m ccreport.cli
...`, imports included), its wall clock taken around the process and its peak RSS from
bench/child.py (os.wait4: the rusage of exactly that child). Each comparison runs in rounds in the same run
(A B A B ...: ccreport, then the comparison, several times), after one untimed warm-up round,
so both sides see the same machine load; the report gives the median of the per-round ratios
and their spread (lowest–highest). The children get a bytecode cache (PYTHONPYCACHEPREFIX in
bench/data/, as an installed package has its .pyc files, even where PYTHONDONTWRITEBYTECODE is
set) and a holiday cache of their own (CCREPORT_CACHE_DIR), warmed by the warm-up round as a
user's first run warms theirs. Synthetic CSVs (bench/synth.py, fixed seed) are kept in
bench/data/ and reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
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
BIG_SIZES = (5_000_000,)
MEMORY_ONLY = (10_000_000,)
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
DOC_SIZE = 10_000  # the export the documents are rendered from
EVENT_LOG_INCIDENTS = 250_000  # about a million event rows


@dataclass
class Options:
    sizes: list[int]
    big: bool
    pairs: int


def csv_for(size: int, quoted: bool = False) -> Path:
    import synth

    name = f"incidents-{size}-quoted.csv" if quoted else f"incidents-{size}.csv"
    return synth.write(size, DATA / name, quoted=quoted)


def _config_file() -> Path:
    import yaml

    path = DATA / "ccreport.yaml"
    DATA.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(CONFIG)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)
    return path


# ---- whole processes ------------------------------------------------------------------------

@dataclass
class Run:
    wall: float
    rss_mb: float
    cpu: float


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(DATA / "pycache")
    env["CCREPORT_CACHE_DIR"] = str(DATA / "cache")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run(cmd: list[str]) -> Run:
    """One whole process, measured by bench/child.py (its wall clock, its own peak RSS and CPU
    time; see child.py for why not here)."""
    proc = subprocess.run([sys.executable, str(HERE / "child.py"), *cmd], capture_output=True,
                          env=_env(), cwd=ROOT)
    try:
        m = json.loads(proc.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        m = {"rc": proc.returncode}
    if proc.returncode != 0 or m["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd[1:6])} ... failed ({m['rc']}):\n{proc.stderr.decode()[-2000:]}")
    return Run(m["wall"], m["rss_mb"], m["cpu"])


def rounds(cmds: dict[str, list[str]], n: int) -> dict[str, list[Run]]:
    """Each command once untimed (warm-up), then n rounds of all of them in order."""
    for cmd in cmds.values():
        run(cmd)
    out: dict[str, list[Run]] = {k: [] for k in cmds}
    for _ in range(n):
        for k, cmd in cmds.items():
            out[k].append(run(cmd))
    return out


@dataclass
class Ratio:
    median: float
    lo: float
    hi: float

    def __str__(self) -> str:
        return f"{self.median:.2f}× ({self.lo:.2f}–{self.hi:.2f})"


def ratio(a: list[Run], b: list[Run]) -> Ratio:
    r = [x.wall / y.wall for x, y in zip(a, b)]
    return Ratio(statistics.median(r), min(r), max(r))


def med(runs: list[Run]) -> float:
    return statistics.median(r.wall for r in runs)


def peak(runs: list[Run]) -> float:
    return max(r.rss_mb for r in runs)


def ccreport(*args: str) -> list[str]:
    return [sys.executable, "-m", "ccreport.cli", "--quiet", "--config", str(_config_file()), *args]


def compare(*args: str) -> list[str]:
    return [sys.executable, str(HERE / "compare.py"), *args]


def metrics_cmd(path: Path, preset: str = "canonical") -> list[str]:
    return ccreport("metrics", str(path), "--preset", preset, "--month", MONTH, "--format", "json")


def validate_cmd(path: Path, preset: str = "canonical") -> list[str]:
    return ccreport("validate", str(path), "--preset", preset)


def have_polars() -> bool:
    import importlib.util

    return importlib.util.find_spec("polars") is not None


# ---- sections -----------------------------------------------------------------------------

def _s(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2f} s"


def _check(ok: bool | None) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def _mb(v: float) -> str:
    return f"{v:,.0f} MB"


#: Peak RSS of `ccreport metrics` by size, filled by the ingest-metrics section, read by memory.
RSS: dict[int, tuple[float, float | None]] = {}


def section_ingest_metrics(opts: Options) -> list[str]:
    polars = have_polars()
    lines = [
        "## Ingest + metrics, whole process",
        "",
        f"`ccreport metrics FILE --preset canonical --month {MONTH} --format json` (read, normalise, "
        "data quality, every SPEC figure with the 12-month trend, the previous month and every "
        "breakdown) against a DuckDB program and a polars program computing per month × priority "
        "counts, mean/median/P90 time to resolve and SLA attainment from the same CSV "
        "(bench/compare.py), each a whole process, in rounds "
        f"({opts.pairs} timed rounds after a warm-up). *quoted*: every value in double quotes, as "
        "ServiceNow and Excel write them. Ratios: median of the per-round ratios (lowest–highest).",
        "",
        "| incidents | file | ccreport | DuckDB | ccreport ÷ DuckDB | polars | ccreport ÷ polars "
        "| ccreport peak RSS | DuckDB peak RSS |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    if not polars:
        lines.insert(3, "polars is not installed here (`pip install polars`): its columns show n/a.")
    checks: list[str] = []
    runs = [(size, False) for size in opts.sizes]
    if TARGETS_AT in opts.sizes:
        runs.append((TARGETS_AT, True))
    if opts.big:
        runs += [(size, False) for size in BIG_SIZES]
    for size, quoted in runs:
        path = csv_for(size, quoted)
        n = opts.pairs if size <= TARGETS_AT else max(2, opts.pairs // 2)
        cmds = {"ours": metrics_cmd(path), "duck": compare("duckdb", str(path))}
        if polars:
            cmds["polars"] = compare("polars", str(path))
        r = rounds(cmds, n)
        vs_duck = ratio(r["ours"], r["duck"])
        vs_pl = ratio(r["ours"], r["polars"]) if polars else None
        if not quoted:
            RSS[size] = (peak(r["ours"]), peak(r["duck"]))
        lines.append(
            f"| {size:,} | {'quoted' if quoted else 'plain'} {path.stat().st_size / 1e6:,.0f} MB "
            f"| {_s(med(r['ours']))} | {_s(med(r['duck']))} | {vs_duck} "
            f"| {_s(med(r['polars'])) if polars else 'n/a'} | {vs_pl or 'n/a'} "
            f"| {_mb(peak(r['ours']))} | {_mb(peak(r['duck']))} |")
        what = " (quoted)" if quoted else ""
        if size == TARGETS_AT:
            checks.append(f"- {size:,}{what}: within 1.2× DuckDB (accepted 1.5×): {vs_duck.median:.2f}× — "
                          f"{'met' if vs_duck.median <= 1.2 else 'accepted' if vs_duck.median <= 1.5 else '**missed**'}")
        if size == min(opts.sizes) and size <= 10_000 and not quoted:
            checks.append(f"- {size:,}: within 2× DuckDB: {vs_duck.median:.2f}× — {_check(vs_duck.median <= 2)}")
    if checks:
        lines += ["", "Targets:", *checks]
    return lines


def section_startup(opts: Options) -> list[str]:
    """What a run costs before it reads anything: `validate` of a 10-row export."""
    import synth

    tiny = synth.write(10, DATA / "incidents-10.csv")
    r = rounds({"validate": validate_cmd(tiny), "python": [sys.executable, "-c", "pass"],
                "duck": compare("duckdb", str(tiny))}, opts.pairs)
    return [
        "## Start-up",
        "",
        "`ccreport validate` of a 10-row export against a bare `python -c pass` and the DuckDB "
        "program on the same file (whole processes, same rounds).",
        "",
        "| ccreport validate | bare interpreter | DuckDB program | validate ÷ DuckDB |",
        "|---:|---:|---:|---:|",
        f"| {_s(med(r['validate']))} | {_s(med(r['python']))} | {_s(med(r['duck']))} | {ratio(r['validate'], r['duck'])} |",
    ]


def section_memory(opts: Options) -> list[str]:
    sizes = sorted(set(opts.sizes) | (set(BIG_SIZES) if opts.big else set()))
    for size in sizes:
        if size not in RSS:
            r = rounds({"ours": metrics_cmd(csv_for(size)), "duck": compare("duckdb", str(csv_for(size)))}, 1)
            RSS[size] = (peak(r["ours"]), peak(r["duck"]))
    if opts.big:
        for size in MEMORY_ONLY:
            path = csv_for(size)
            RSS[size] = (run(metrics_cmd(path)).rss_mb, run(compare("duckdb", str(path))).rss_mb)
    lines = [
        "## Peak memory (`ccreport metrics`, whole process)",
        "",
        "| incidents | ccreport peak RSS | per million above the 10k run | DuckDB peak RSS |",
        "|---:|---:|---:|---:|",
    ]
    base = RSS.get(min(RSS)) if RSS else None
    slopes = {}
    for size in sorted(RSS):
        ours, duck = RSS[size]
        slope = ""
        if base is not None and size >= 1_000_000:
            slopes[size] = (ours - base[0]) / (size / 1e6)
            slope = f"{slopes[size]:,.0f} MB"
        lines.append(f"| {size:,} | {_mb(ours)} | {slope} | {_mb(duck) if duck else 'n/a'} |")
    if slopes:
        worst = max(slopes.values())
        lines += ["", f"Target: at most 300 MB per million incidents above the fixed start: "
                      f"{worst:,.0f} MB — {_check(worst <= 300)}"
                      + ("" if opts.big else " (1M only; `--big` measures 5M and 10M).")]
    return lines


#: A real ServiceNow event log (the UCI sample, ../shared/data), when present.
UCI_SAMPLE = ROOT.parent / "shared" / "data" / "servicenow" / "incident_event_log_sample.csv"
UCI_COPIES = 20
_UCI_TIMES = ("opened_at", "sys_created_at", "sys_updated_at", "resolved_at", "closed_at")


def uci_event_log(sample: Path = UCI_SAMPLE, copies: int = UCI_COPIES) -> Path | None:
    """The UCI sample repeated `copies` times (copy i: numbers `INC` -> `INC%02d` % i, every
    timestamp 17 * i days later, written `%d-%m-%Y %H:%M`, `?` kept), or None without it."""
    import csv

    if not sample.exists():
        return None
    path = DATA / f"uci-eventlog-{copies}x.csv"
    if path.exists() and path.stat().st_mtime >= sample.stat().st_mtime:
        return path
    with open(sample, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        records = list(reader)
    num = header.index("number")
    times = [header.index(c) for c in _UCI_TIMES if c in header]
    parsed = {}
    for rec in records:
        for i in times:
            if rec[i] != "?" and rec[i] not in parsed:
                parsed[rec[i]] = dt.datetime.strptime(rec[i], "%d-%m-%Y %H:%M")
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for i in range(copies):
            shift = dt.timedelta(days=17 * i)
            for rec in records:
                out = list(rec)
                out[num] = rec[num].replace("INC", f"INC{i:02d}", 1)
                for c in times:
                    if rec[c] != "?":
                        out[c] = (parsed[rec[c]] + shift).strftime("%d-%m-%Y %H:%M")
                writer.writerow(out)
    tmp.replace(path)
    return path


def section_dayfirst(opts: Options) -> list[str]:
    """Day-first exports against the same data in ISO 8601, ingest only (`validate`); and the
    real UCI-style event log against a plain csv-module program (bench/compare.py)."""
    import synth

    n = TARGETS_AT if TARGETS_AT in opts.sizes else max(opts.sizes)
    iso = csv_for(n)
    dayfirst = synth.write_dayfirst(n, DATA / f"incidents-{n}-dayfirst.csv")
    m = EVENT_LOG_INCIDENTS if n >= TARGETS_AT else max(1000, n // 4)
    log_iso = synth.write_event_log(m, DATA / f"eventlog-{m}.csv")
    log_df = synth.write_event_log(m, DATA / f"eventlog-{m}-dayfirst.csv", dayfirst=True)
    r1 = rounds({"df": validate_cmd(dayfirst), "iso": validate_cmd(iso)}, opts.pairs)
    r2 = rounds({"df": validate_cmd(log_df, "servicenow"), "iso": validate_cmd(log_iso, "servicenow")},
                opts.pairs)
    rows = sum(1 for _ in open(log_iso, "rb")) - 1
    a, b = ratio(r1["df"], r1["iso"]), ratio(r2["df"], r2["iso"])
    lines = [
        "## Day-first timestamps (ingest: `ccreport validate`, whole process)",
        "",
        f"The {n:,}-incident export with naive `dd/mm/yyyy HH:MM` times on the Europe/London clock "
        f"(no `dayfirst` setting: decided from the data), and a ServiceNow event log ({m:,} incidents, "
        f"{rows:,} rows, `d-m-yyyy H:MM` like the public UCI log), each against the same data in "
        "ISO 8601 with `Z`, in the same rounds.",
        "",
        "| export | day-first | ISO 8601 | day-first ÷ ISO |",
        "|---|---:|---:|---:|",
        f"| incidents, {n:,} | {_s(med(r1['df']))} | {_s(med(r1['iso']))} | {a} |",
        f"| event log, {rows:,} rows | {_s(med(r2['df']))} | {_s(med(r2['iso']))} | {b} |",
        "",
        f"Target: within 1.5× of the ISO export: incidents {a.median:.2f}× — {_check(a.median <= 1.5)}; "
        f"event log {b.median:.2f}× — {_check(b.median <= 1.5)}.",
    ]
    uci = uci_event_log()
    if uci is None:
        return [*lines, "", f"(UCI-style event log skipped: {UCI_SAMPLE} is not there.)"]
    r3 = rounds({"cc": validate_cmd(uci, "servicenow"), "py": compare("eventlog-csv", str(uci))}, opts.pairs)
    rows = sum(1 for _ in open(uci, "rb")) - 1
    c = ratio(r3["cc"], r3["py"])
    cpu = statistics.median(r.cpu for r in r3["cc"]), statistics.median(r.cpu for r in r3["py"])
    return [
        *lines,
        "",
        f"The real ServiceNow event log (the UCI sample repeated {UCI_COPIES} times with its dates "
        "moved: `dd-mm-yyyy HH:MM`, `?` for missing) against a plain-Python csv-module program "
        "computing the figures `validate` reports (bench/compare.py `eventlog-csv`), in the same rounds.",
        "",
        "| export | ccreport validate | csv-module script | ccreport ÷ script |",
        "|---|---:|---:|---:|",
        f"| UCI-style event log, {rows:,} rows: ccreport validate vs a csv-module script | "
        f"{_s(med(r3['cc']))} (CPU {cpu[0]:.2f} s) | {_s(med(r3['py']))} (CPU {cpu[1]:.2f} s) | {c} |",
        "",
        f"Target: at most the script's time: {c.median:.2f}× — {_check(c.median <= 1.0)}.",
    ]


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


def section_business_hours(opts: Options) -> list[str]:
    """A kernel benchmark, in this process (not a whole-process figure)."""
    import numpy as np
    import pandas as pd

    from ccreport import calendars
    from ccreport.config import Config

    config = Config.model_validate(CONFIG)
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
        "## Business hours (in-process kernel)",
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


def _pir_incident(path: Path) -> str:
    """A major incident opened in the benchmark month (the PIR's subject)."""
    import pyarrow.csv as pacsv

    t = pacsv.read_csv(path).to_pandas()
    major = t[t["major"] & (t["opened_at"].astype(str) >= f"{MONTH}-01")
              & t["resolved_at"].notna()].sort_values("opened_at")
    return str(major["incident_id"].iloc[0])


def _documents() -> dict[str, list[str]]:
    """name -> the ccreport arguments that write it (format appended by the caller)."""
    path = csv_for(DOC_SIZE)
    strategy = ROOT / "ccreport" / "examples" / "strategy.yaml"
    return {
        "monthly": ["monthly", str(path), "--preset", "canonical", "--month", MONTH],
        "PIR": ["pir", str(path), "--preset", "canonical", "--incident", _pir_incident(path)],
        "strategy": ["strategy", str(strategy), "--data", str(path), "--preset", "canonical", "--coverage"],
    }


def section_documents(opts: Options) -> list[str]:
    """Each document as PDF only, whole process, against WeasyPrint's own write_pdf of the same
    HTML (the HTML ccreport prints, written once by `--format html`) in its own process."""
    import tempfile

    lines = [
        "## Documents, whole process",
        "",
        f"`ccreport monthly|pir|strategy ... --format pdf` from the {DOC_SIZE:,}-incident export "
        "(ingest and metrics included; the strategy with `--data` and `--coverage`), against a "
        "process that only runs `weasyprint.HTML(filename=..., media_type='print').write_pdf()` "
        "on the HTML ccreport writes for the same document (bench/compare.py), as it is and "
        "with `pdf_tags=True` (the tagged PDF ccreport writes by default), in the same "
        f"rounds ({opts.pairs} after a warm-up). Below the table: the monthly report in all "
        "four formats against the PDF alone.",
        "",
        "| document | ccreport PDF (tagged) | WeasyPrint alone | ccreport ÷ WeasyPrint "
        "| WeasyPrint, tagged | ccreport ÷ tagged | pages |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    checks = []
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for name, args in _documents().items():
            html_dir, pdf_dir = out / f"{name}-html", out / f"{name}-pdf"
            run(ccreport(*args, "--format", "html", "--out", str(html_dir)))
            (html,) = list(html_dir.glob("*.html"))
            wp = compare("weasyprint", str(html), str(ROOT / "templates"), str(out / "wp.pdf"))
            r = rounds({"ours": ccreport(*args, "--format", "pdf", "--out", str(pdf_dir)),
                        "wp": wp, "wp_tagged": [*wp, "tagged"]}, opts.pairs)
            (pdf,) = list(pdf_dir.glob("*.pdf"))
            x, y = ratio(r["ours"], r["wp"]), ratio(r["ours"], r["wp_tagged"])
            lines.append(f"| {name} | {_s(med(r['ours']))} | {_s(med(r['wp']))} | {x} | "
                         f"{_s(med(r['wp_tagged']))} | {y} | {len(PdfReader(pdf).pages)} |")
            if name == "monthly":
                checks.append(f"- PDF-only monthly report within 1.5× of WeasyPrint: {x.median:.2f}× "
                              f"against the untagged `write_pdf`, {y.median:.2f}× against the tagged one — "
                              f"{_check(x.median <= 1.5)} / {_check(y.median <= 1.5)}")
        args = _documents()["monthly"]
        four = rounds({"all": ccreport(*args, "--format", "pdf,docx,html,md", "--out", str(out / "all")),
                       "pdf": ccreport(*args, "--format", "pdf", "--out", str(out / "pdf"))}, opts.pairs)
    lines += ["", f"The monthly report in all four formats: {_s(med(four['all']))} against "
                  f"{_s(med(four['pdf']))} for the PDF alone ({ratio(four['all'], four['pdf'])}).",
              "", "Targets:", *checks]
    return lines


#: k CPU-bound processes at once (pure Python, no I/O): how much two processes gain on this
#: machine at most, against which the split speed-up is read.
_SPIN = ("import subprocess, sys; k = int(sys.argv[1]); "
         "ps = [subprocess.Popen([sys.executable, '-c', 'sum(range(3 * 10**7))']) for _ in range(k)]; "
         "sys.exit(max(p.wait() for p in ps))")


def parallel_ceiling(pairs: int) -> Ratio:
    """Two processes' work over one process's, in the same wall time: 2 × (one alone) ÷ (two
    at once). 2.0 on two free cores; lower where the second vCPU is shared or throttled."""
    r = rounds({"1": [sys.executable, "-c", _SPIN, "1"], "2": [sys.executable, "-c", _SPIN, "2"]}, pairs)
    gains = [2 * a.wall / b.wall for a, b in zip(r["1"], r["2"])]
    return Ratio(statistics.median(gains), min(gains), max(gains))


def section_split(opts: Options) -> list[str]:
    """`monthly --split-by` with 1 and 2 jobs, whole process through the real CLI: 20 groups
    (service) and 2 groups (site, in an export with two sites)."""
    import tempfile

    import synth

    n = DOC_SIZE
    two = DATA / f"incidents-{n}-two-sites.csv"
    if not two.exists():
        import pyarrow.compute as pc
        import pyarrow.csv as pacsv

        t = pacsv.read_csv(csv_for(n))
        i = t.schema.get_field_index("site")
        sites = pc.if_else(pc.equal(pc.bit_wise_and(pc.cast(pc.utf8_length(t.column("title")), "int64"), 1), 0),
                           "Leeds", "Glasgow")
        synth._write_tables([t.set_column(i, "site", sites)], two, quoted=False)
    lines = ["## One report per group (`monthly --split-by`, PDF only, whole process)", "",
             "| groups | `--jobs 1` | `--jobs 2` | speed-up (jobs 1 ÷ jobs 2) |", "|---:|---:|---:|---:|"]
    checks = []
    with tempfile.TemporaryDirectory() as out:
        for groups, path, dim, k in ((20, csv_for(n), "service", max(1, opts.pairs // 2)), (2, two, "site", opts.pairs)):
            base = ["monthly", str(path), "--month", MONTH, "--preset", "canonical", "--format", "pdf",
                    "--split-by", dim]
            r = rounds({"1": ccreport(*base, "--jobs", "1", "--out", f"{out}/{dim}-1"),
                        "2": ccreport(*base, "--jobs", "2", "--out", f"{out}/{dim}-2")}, k)
            written = len(list(Path(f"{out}/{dim}-2").glob("*.pdf")))
            speed = ratio(r["1"], r["2"])
            lines.append(f"| {groups} ({written} PDFs with the overview) | {_s(med(r['1']))} | {_s(med(r['2']))} | {speed} |")
            if groups == 20:
                checks.append(f"- 20 groups, `--jobs 2` at least 1.8× faster: {speed.median:.2f}× — {_check(speed.median >= 1.8)}")
            else:
                checks.append(f"- 2 groups, `--jobs 2` never slower: {speed.median:.2f}× — {_check(speed.median >= 0.95)} "
                              "(0.95 allows for noise)")
    ceiling = parallel_ceiling(opts.pairs)
    return [*lines, "",
            f"This machine's ceiling for two processes in the same rounds: {ceiling} (two CPU-bound "
            "processes at once do this many times one process's work in the same wall time; 2.0 on "
            "two free cores). No `--jobs 2` run can beat it.",
            "", "Targets:", *checks]


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
    Section("ingest-metrics", section_ingest_metrics),
    Section("startup", section_startup),
    Section("memory", section_memory),
    Section("dayfirst", section_dayfirst),
    Section("documents", section_documents),
    Section("split", section_split),
    Section("business-hours", section_business_hours),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="comma-separated incident counts (default 10000,100000,1000000)")
    parser.add_argument("--big", action="store_true",
                        help="also 5M incidents (timed) and 10M (peak memory); the files take ~3 GB")
    parser.add_argument("--pairs", type=int, default=5, help="timed rounds per comparison (default 5)")
    parser.add_argument("--only", default=None, help="comma-separated section names to run: "
                        + ", ".join(s.name for s in SECTIONS))
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    opts = Options(sizes=sizes, big=args.big, pairs=max(1, args.pairs))
    only = None if args.only is None else set(args.only.split(","))
    import numpy
    import pandas

    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        import weasyprint
        wp = f" · WeasyPrint {weasyprint.__version__}"
    except Exception:
        wp = ""
    lines = [
        "# ccreport benchmarks",
        "",
        f"{dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC · {platform.node()} · {os.cpu_count()} CPUs "
        f"({cpu or platform.machine()}) · load average {os.getloadavg()[0]:.1f} at the start · "
        f"Python {platform.python_version()} · pandas {pandas.__version__} · numpy {numpy.__version__}{wp}",
    ]
    for section in SECTIONS:
        if only is not None and section.name not in only:
            continue
        t = time.perf_counter()
        lines += ["", *section.run(opts)]
        print(f"[{section.name}: {time.perf_counter() - t:.0f} s, load average "
              f"{os.getloadavg()[0]:.1f}]", file=sys.stderr)
        _save(lines + ["", "(incomplete: the run is still going)"])
    lines += ["", f"Load average at the end: {os.getloadavg()[0]:.1f}."]
    print(_save(lines))
    return 0


def _save(lines: list[str]) -> str:
    """Write the report so far (a long run leaves its finished sections if stopped)."""
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    sys.exit(main())
