"""The strategy's evidence on its own clock (issue 16, item 6).

Small exports with one planted story each: P3 incidents on Saturdays, resolved after 8 hours,
meet a 4-hour target on an office calendar (Monday to Friday, where Saturday does not count) and
miss it on the strategy's own clock (Monday to Saturday 08:00-20:00). The document must report
the strategy's clock and its figures, say which clock it used, measure the strategy's own
objectives, show the trend, customers and CSAT (or say they are absent), and not recommend
rehearsing what the exercise programme already rehearses.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from ccreport import ingest as ingest_mod
from ccreport.config import Config, load_config
from ccreport.document import Paragraph, Section, Table
from ccreport.documents.strategy import EVIDENCE_TITLE, StrategyOptions, build_strategy
from ccreport.strategy import loads_strategy
from ccreport.strategy.evidence import infer_kpi, strategy_evidence

from .util import run_cli, write

HEADER = "incident_id,title,category,priority,status,major,opened_at,acknowledged_at,resolved_at{extra}\n"

STRATEGY = """\
organisation: {{name: Harbour Water Contact Centre, sites: [Hull]}}
document_control: {{issued: 2026-11-02, author: A. Writer}}
categories:
  - {{name: Billing system failure, default_priority: P3}}
  - {{name: Telephony outage, default_priority: P2}}
  - {{name: Leak line outage, default_priority: P2{leak_clock}}}
{clocks}priorities:
  P2: {{respond: 15m, resolve: 4h{p2_clock}}}
  P3: {{respond: 1h, resolve: 4h{p3_clock}}}
objectives:
  - id: O1
    text: Resolve P3 incidents within 4 hours in at least 90 % of cases.
  - id: O2
    text: Answer the phone quickly.
    kpi: {{metric: response_sla_pct, priority: P3, at_least: 80}}
  - id: O3
    text: Build a friendlier culture.
exercises:
  - name: Billing outage tabletop
    type: tabletop
    scenario: The billing system fails on the first working day of the month.
    frequency: quarterly
    first_date: 2026-12-01
"""
CLOCKS = """\
clocks:
  opening hours: {days: [mon, tue, wed, thu, fri, sat], hours: "08:00-20:00"}
"""


def strategy_text(*, clocks: bool = True, leak_clock: str | None = None) -> str:
    return STRATEGY.format(
        clocks=CLOCKS if clocks else "",
        p2_clock=", clock: 24x7" if clocks else "",
        p3_clock=", clock: opening hours" if clocks else "",
        leak_clock=f", clock: {leak_clock}" if leak_clock else "",
    )


def export(*, customers: bool = False) -> str:
    """4 weekday P3s resolved in 2 h, 4 Saturday P3s resolved in 8 h; 2 major P2s (billing, telephony)."""
    extra = ",customers_affected,csat" if customers else ""
    rows = []
    n = 0

    def add(cat, prio, major, day, start, hours, cust=None, csat=None):
        nonlocal n
        n += 1
        opened = dt.datetime.fromisoformat(f"2026-10-{day:02d}T{start}:00+00:00")
        ack = opened + dt.timedelta(minutes=10)
        res = opened + dt.timedelta(hours=hours)
        tail = f",{cust},{csat}" if customers else ""
        rows.append(f"INC{n:04d},Fault {n},{cat},{prio},Resolved,{str(major).lower()},"
                    f"{opened.isoformat()},{ack.isoformat()},{res.isoformat()}{tail}")

    for day in (5, 6, 7, 8):  # Monday to Thursday
        add("Billing system failure", "P3", False, day, "09:00", 2, 10, 4)
    for day in (3, 10, 17, 24):  # Saturdays
        add("Billing system failure", "P3", False, day, "10:00", 8, 20, 2)
    add("Billing system failure", "P2", True, 12, "09:00", 3, 500, 3)
    add("Billing system failure", "P2", True, 13, "09:00", 3, 700, 3)
    add("Telephony outage", "P2", True, 14, "09:00", 3, 300, 3)
    return HEADER.format(extra=extra) + "\n".join(rows) + "\n"


OFFICE_CONFIG = """\
timezone: UTC
calendars:
  office: {days: [mon, tue, wed, thu, fri], hours: "08:00-18:00"}
sla:
  P2: {respond: 15m, resolve: 4h, calendar: 24x7}
  P3: {respond: 1h, resolve: 4h, calendar: office}
"""


@pytest.fixture
def files(tmp_path):
    return {
        "data": write(tmp_path, "incidents.csv", export()),
        "data_full": write(tmp_path, "incidents_full.csv", export(customers=True)),
        "config": write(tmp_path, "ccreport.yaml", OFFICE_CONFIG),
    }


def _evidence(text: str, data, config: Config):
    strategy = loads_strategy(text)
    result = ingest_mod.load([str(data)], config)
    ev = strategy_evidence(strategy, result, config)
    doc = build_strategy(strategy, ev, options=StrategyOptions(today=dt.date(2027, 6, 1)))
    (sec,) = [s for s in doc.sections(1) if s.title == EVIDENCE_TITLE]
    return ev, sec


def _text(sec: Section) -> str:
    out = []

    def walk(blocks):
        for b in blocks:
            if isinstance(b, Section):
                out.append(b.title)
                walk(b.children)
            elif isinstance(b, Paragraph):
                out.append(b.text)
            elif isinstance(b, Table):
                out.append(b.caption)
                out.extend(" | ".join(r) for r in b.rows)
                out.extend(b.notes)
    walk(sec.children)
    return re.sub(r"\s+", " ", " ".join(out).replace("\u00a0", " ").replace("\\", ""))


def _table(sec: Section, caption_start: str) -> Table:
    for b in _walk(sec):
        if isinstance(b, Table) and b.caption.startswith(caption_start):
            return b
    raise AssertionError(f"no table {caption_start!r}")


def _walk(sec: Section):
    for b in sec.children:
        yield b
        if isinstance(b, Section):
            yield from _walk(b)


def _p3_resolution(sec: Section) -> str:
    t = _table(sec, "Attainment")
    col = [c.header for c in t.columns].index("Resolution SLA")
    (row,) = [r for r in t.rows if r[0] == "P3"]
    return row[col].replace("\u00a0", " ")


def test_the_strategys_clock_not_the_office_calendar(files):
    config = load_config(files["config"])
    ev, sec = _evidence(strategy_text(), files["data"], config)
    # On the strategy's Mon-Sat 08-20 clock the Saturday P3s (8 h) miss 4 h: 4 of 8 met.
    assert ev.metrics.by_priority["P3"].resolution_sla_pct == pytest.approx(50.0)
    assert _p3_resolution(sec).startswith("50")
    text = _text(sec)
    assert "opening hours" in text and "Saturday" in text  # the clock is named and described
    assert "ccreport.yaml" not in text
    # The same data on the config's office calendar: Saturdays do not count, so all 8 are met.
    ev_office, sec_office = _evidence(strategy_text(clocks=False), files["data"], config)
    assert ev_office.metrics.by_priority["P3"].resolution_sla_pct == pytest.approx(100.0)
    assert _p3_resolution(sec_office).startswith("100")
    office = _text(sec_office)
    assert "office" in office and re.search(r"names no clock|no clock of its own|does not name", office)


def test_no_config_loaded_means_24x7_and_says_so(files):
    ev, sec = _evidence(strategy_text(clocks=False), files["data"], Config())
    assert {u.source for u in ev.clocks.values()} == {"default"}
    assert ev.metrics.by_priority["P3"].resolution_sla_pct == pytest.approx(50.0)  # 8 h > 4 h on any clock
    text = _text(sec)
    assert re.search(r"24.hour|24x7|around the clock", text)
    assert "ccreport.yaml" not in text and "configuration" not in text


def test_a_category_on_its_own_clock(files):
    text = strategy_text().replace("{name: Billing system failure, default_priority: P3}",
                                   "{name: Billing system failure, default_priority: P3, clock: 24x7}")
    ev, sec = _evidence(text, files["data"], load_config(files["config"]))
    own = ev.by_category_own_clock["Billing system failure"]
    # On 24x7 the 4 Saturday P3s (8 h) miss; the 4 weekday P3s (2 h) and the 2 billing P2s (3 h) meet.
    assert own.resolution_sla_pct == pytest.approx(60.0)
    t = _table(sec, "Incidents by category")
    (row,) = [r for r in t.rows if r[0] == "Billing system failure"]
    assert row[-1].replace("\u00a0", " ").startswith("60")
    assert any("own clock" in n for n in t.notes)


def test_objectives_met_or_missed_with_the_figures(files):
    ev, sec = _evidence(strategy_text(), files["data"], load_config(files["config"]))
    results = {r.id: r for r in ev.objectives}
    assert set(results) == {"O1", "O2"}  # O3 names nothing measurable
    assert results["O1"].met is False and results["O1"].value == pytest.approx(50.0)
    assert results["O2"].met is True and results["O2"].value == pytest.approx(100.0)
    t = _table(sec, "Objectives")
    rows = {r[0]: " ".join(r) for r in t.rows}
    assert "50" in rows["O1"] and "90" in rows["O1"]
    assert re.search(r"miss", rows["O1"], re.I) and re.search(r"\bmet\b", rows["O2"], re.I)


def test_kpis_read_from_the_wording():
    s = loads_strategy("""\
organisation: {name: X}
objectives:
  - {id: A, text: Restore P1 incidents within 4 hours in at least 95 % of cases.}
  - {id: B, text: Respond to P2 incidents within 30 minutes for 90 % of them.}
  - {id: C, text: Keep the reopen rate below 5 %.}
  - {id: D, text: Cut repeat incidents by 20 % a year.}
  - {id: E, text: Customers rate incident handling at a CSAT of at least 4.2.}
""")
    got = {o.id: infer_kpi(o) for o in s.objectives}
    assert got["A"] == ("resolution_sla_pct", "P1", 95.0, True)
    assert got["B"] == ("response_sla_pct", "P2", 90.0, True)
    assert got["C"] == ("reopen_rate_pct", None, 5.0, False)
    assert got["D"] is None  # a change over time, not a level
    assert got["E"] == ("csat_mean", None, 4.2, True)
    # Not the incident SLA, or not the strategy's own target: left for a `kpi:` key.
    s2 = loads_strategy("""\
organisation: {name: X}
priorities: {P1: {respond: 15m, resolve: 4h}}
objectives:
  - {id: A, text: Resolve 90 % of complaints within 8 weeks.}
  - {id: B, text: Restore P1 incidents within 2 hours in 95 % of cases.}
  - {id: C, text: Restore P1 incidents within 4 hours in 95 % of cases.}
""")
    got = {o.id: infer_kpi(o, s2) for o in s2.objectives}
    assert got == {"A": None, "B": None, "C": ("resolution_sla_pct", "P1", 95.0, True)}


def test_trend_customers_and_csat(files):
    _ev, sec = _evidence(strategy_text(), files["data_full"], load_config(files["config"]))
    text = _text(sec)
    trend = _table(sec, "Incidents month by month")
    assert [r[0] for r in trend.rows][-1] == "October 2026" and trend.rows[-1][1] == "11"
    assert "1,620" in text  # 4*10 + 4*20 + 500 + 700 + 300 customers
    assert "1,500" in text  # of them in the 3 major incidents
    assert "3.0" in text  # mean CSAT (4*4 + 4*2 + 3*3) / 11


def test_absent_customers_and_csat_are_said_plainly(files):
    _ev, sec = _evidence(strategy_text(), files["data"], load_config(files["config"]))
    (sub,) = [b for b in _walk(sec) if isinstance(b, Section) and "ustomers" in b.title]
    words = " ".join(b.text for b in sub.children if isinstance(b, Paragraph)).lower()
    assert re.search(r"(does not|doesn't|no) .*(record|customers)", words)
    assert re.search(r"(no|not) .*(satisfaction|csat)", words)


def test_exercise_focus_does_not_repeat_the_programme(files):
    _ev, sec = _evidence(strategy_text(), files["data"], load_config(files["config"]))
    (focus,) = [b for b in _walk(sec) if isinstance(b, Section) and "exercise" in b.title.lower()]
    t = next(b for b in focus.children if isinstance(b, Table))
    by = {r[0]: r[-1] for r in t.rows}
    assert by["Billing system failure"] == "Billing outage tabletop"
    words = " ".join(b.text for b in focus.children if isinstance(b, Paragraph))
    sentences = re.split(r"(?<=[.!?])\s+", words)
    # The billing scenario is already rehearsed: no sentence asks for it to be added or rehearsed first.
    asks = [x for x in sentences if re.search(r"\b(add|first|should rehearse)\b", x, re.I)]
    assert asks and all("Billing system failure" not in x for x in asks)
    assert any("Telephony outage" in x for x in asks)  # the one not rehearsed yet
    assert "Billing outage tabletop" in words


def test_cli_without_config_never_names_the_config(files, tmp_path):
    strat = write(tmp_path, "strategy.yaml", strategy_text(clocks=False))
    out = tmp_path / "out"
    r = run_cli("strategy", strat, "--data", files["data"], "--format", "md", "--out", out, "--preset", "canonical")
    assert r.returncode == 0, r.stderr
    md = next(out.glob("*.md")).read_text(encoding="utf-8")
    assert "ccreport.yaml" not in md
    assert re.search(r"24.hour|24x7", md)


def test_the_evidence_reads_the_export_through_the_configs_mapping(files, tmp_path):
    # An export with its own column names, readable only through the config's mapping file.
    text = export().replace("incident_id", "Ref", 1).replace("opened_at", "Logged", 1)
    data = write(tmp_path, "own.csv", text)
    write(tmp_path, "map.yaml", "columns:\n  incident_id: Ref\n  opened_at: Logged\n")
    cfg = write(tmp_path, "cfg.yaml", OFFICE_CONFIG + "mapping: map.yaml\n")
    strat = write(tmp_path, "strategy.yaml", strategy_text())
    out = tmp_path / "out"
    r = run_cli("--config", cfg, "strategy", strat, "--data", data, "--format", "md", "--out", out)
    assert r.returncode == 0, r.stderr
    md = next(out.glob("*.md")).read_text(encoding="utf-8")
    _, expected = _evidence(strategy_text(), files["data"], load_config(files["config"]))
    # The same attainment as from the canonical export (8 P3s read, not a failed load).
    assert _p3_resolution(expected) in md.replace("\u00a0", " ")
