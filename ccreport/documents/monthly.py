"""The monthly incident report (SPEC §5.1): a typed MetricSet -> a Document.

This module chooses which figures to show and words them; it never loads, computes, writes or
sends anything (the application layer, ccreport.app, does those). The only arithmetic here is
comparison for wording: month-on-month changes, RAG status against targets, which rule fired,
and shares for a chart title.

    build_monthly(metric_set, branding, options) -> Document
    email_summary(metric_set, branding, options) -> dict   (the email body's headline figures)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..document import Chart, series
from ..document import (
    Callout,
    Column,
    Document,
    Figure,
    KeyFigure,
    KeyFigures,
    Paragraph,
    Rag,
    Section,
    Table,
    md_escape,
)
from ..config import FindingsSettings
from ..findings import RULES, Finding, find, headlines
from ..metrics.definitions import CONTACT_BY_KEY, Figures, glossary
from ..metrics.model import Breach, ContactFigures, MajorIncident, MetricSet
from ..pir.narrative import plain_text
from ..pir.register import ActionItem, Register
from ..schema import NOT_RECORDED
from .. import units
from . import common as c
from .branding import Branding
from .common import DASH, NBSP, NOT_IN_EXPORT

TABLE_LIMIT = 15
PRIORITY_ROWS = ("P1", "P2", "P3", "P4", "P5", "Unknown")
BUCKET_LABELS = {"0-1d": "0–1 day", "1-3d": "1–3 days", "3-7d": "3–7 days", "7-30d": "7–30 days", ">30d": "Over 30 days"}
#: The PIR status of a resolved major incident with no review narrative on file.
NO_REVIEW = "No review on file"
OPEN_REVIEW = "Open: PIR after resolution"
#: What the report shows for a month the export does not cover (SPEC §4 Coverage).
NO_DATA = "no data"


@dataclass(frozen=True)
class MonthlyOptions:
    """What the monthly report needs besides the figures and the branding.

    `pir_statuses`: incident_id -> the status of its review narrative (from `--narratives DIR`);
    None when no narratives were given. `group`: (dimension, group) for a `--split-by` report.
    `date`: the publication date (default: today). `register`: the PIR action register (every
    review and action on file, ccreport.pir.register); None: no actions section.
    """

    date: dt.date | None = None
    pir_statuses: Mapping[str, str] | None = None
    group: tuple[str, str] | None = None
    #: A percentage over fewer incidents than this is shown with its count ("0 of 1").
    min_base: int = 5
    #: The findings (ccreport.findings.find over the same metric set); None: found here.
    findings: tuple[Finding, ...] | None = None
    findings_settings: FindingsSettings | None = None
    #: Problem candidates shown in the body; the rest go to their appendix.
    problems_in_body: int = 5
    register: Register | None = None
    #: What the figures were made from (ccreport.provenance.Provenance): the closing
    #: appendix; None leaves it out (--no-provenance).
    provenance: Any = None


# --------------------------------------------------------------------------- context


@dataclass
class _Ctx:
    """The metric set plus what every section needs to word it."""

    m: MetricSet
    options: MonthlyOptions
    label: str  # "October 2026", "1 July – 30 September 2026"
    prev_label: str  # "September 2026", "the previous 92 days (31 March – 30 June 2026)"
    month_word: str  # "October" (or the label for a custom period)
    prev_word: str  # "September" (or "Previous 92 days" for a custom period: a column header)
    findings: list[Finding]
    settings: FindingsSettings
    #: "September", "the previous 92 days": what a change is against, after "vs".
    versus: str = "previous"
    #: "month", "period": the span the report covers, in "at month end".
    span: str = "month"

    @property
    def trend_word(self) -> str:
        """The trend's last month as a chart title names it: "October" in a month's report;
        "September 2026" in a --from/--to report (the last month the period touches, not the period)."""
        if self.m.period.month or not self.m.trend:
            return self.month_word
        return c.month_label(self.m.trend[-1].month)

    @property
    def end_of(self) -> str:
        """"the end of October 2026"; a --from/--to period ends with its last day ("the end of
        30 September 2026": "the end of 1 July – 30 September 2026" reads wrong)."""
        p = self.m.period
        return f"the end of {self.label}" if p.month else f"the end of {c.fmt_date(p.last_day)}"

    @property
    def prev_end_of(self) -> str:
        p = self.m.previous.period if self.m.previous is not None else None
        if p is None or p.month:
            return f"the end of {self.prev_label}"
        return f"the end of {c.fmt_date(p.last_day)}"

    @property
    def totals(self) -> Figures:
        return self.m.totals

    @property
    def prev(self) -> Figures:
        """The previous period's totals; every figure None when there is no previous period."""
        return self.m.previous.totals if self.m.previous is not None else Figures()

    @property
    def fields(self) -> list[str]:
        return self.m.fields

    def has(self, field: str) -> bool:
        return not self.m.fields or field in self.m.fields

    def present(self, metric: str) -> bool:
        return c.present(metric, self.m.fields or None)

    def fmt(self, value: Any, kind: str, metric: str) -> str:
        """A figure as the report shows it: kept apart from its target (never "36.0 h" beside
        a 36 h target it misses), "not in this export" when the export lacks its field."""
        return c.fmt_metric(value, kind, metric, self.m.fields or None,
                            target=units.figure_target(metric, self.m.targets))

    def target(self, key: str) -> float | None:
        v = self.m.targets.get(key)
        return None if v is None else float(v)

    @property
    def prev_covered(self) -> bool:
        """Whether there is a previous period inside the export's coverage to compare with."""
        return self.m.previous is not None and self.m.previous.covered

    def covered_trend(self) -> list[Any]:
        """The trend months the export covers (never compare against the others)."""
        return [t for t in self.m.trend if t.covered]

    def old_backlog(self) -> int | None:
        """Open incidents older than 30 days at the period's end."""
        return self.m.ageing.total.get(">30d") if self.m.ageing is not None else None


def _context(ms: MetricSet, options: MonthlyOptions) -> _Ctx:
    period = ms.period
    label = period.label or _label_from_period(period)
    prev_period = ms.previous.period if ms.previous is not None else None
    prev_label = (prev_period.label or _label_from_period(prev_period)) if prev_period is not None else ""
    month_word = dt.date.fromisoformat(period.month + "-01").strftime("%B") if period.month else label
    prev_month = prev_period.month if prev_period is not None else None
    if prev_month:
        prev_word = versus = dt.date.fromisoformat(prev_month + "-01").strftime("%B")
    elif prev_period is not None:
        # A --from/--to period compares with the span of the same length just before it
        # (period.previous_period), so say so: "vs previous" alone leaves the reader guessing.
        days = c.plural(prev_period.days, "day")
        prev_word, versus = f"Previous {days}", f"the previous {days}"
        prev_label = f"the previous {days} ({prev_label})" if prev_label else f"the previous {days}"
    else:
        prev_word, versus = "Previous", "previous"
    prev_label = prev_label or "the previous period"
    settings = options.findings_settings or FindingsSettings()
    found = list(options.findings) if options.findings is not None else \
        find(ms, settings, min_base=options.min_base, pir_statuses=options.pir_statuses)
    return _Ctx(ms, options, label, prev_label, month_word, prev_word, found, settings, versus=versus,
                span="month" if period.month else "period")


def _label_from_period(period: Any) -> str:
    if period.month:
        return c.month_label(period.month)
    start = period.start.date()
    end = period.end.date() - dt.timedelta(days=1)
    return f"{c.fmt_date(start)} to {c.fmt_date(end)}"


def _short(text: Any, limit: int = 70) -> str:
    text = "" if text is None else " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


# --------------------------------------------------------------------------- executive summary


def _key_figures(x: _Ctx) -> KeyFigures:
    t, p = x.totals, x.prev
    specs = [
        # label, Figures field, kind, target key, higher is better
        ("Incidents opened", "opened", "int", None, True),
        ("Incidents resolved", "resolved", "int", None, True),
        ("Mean time to resolve", "mttr_hours", "hours", "mttr_hours", False),
        ("Resolution SLA", "resolution_sla_pct", "pct", "resolution_sla_pct", True),
        ("Response SLA", "response_sla_pct", "pct", "response_sla_pct", True),
        (f"Backlog at {x.span} end", "backlog_end", "int", None, False),
    ]
    figures = []
    for label, key, kind, tkey, higher in specs:
        value = getattr(t, key)
        target = x.target(tkey) if tkey else None
        change = c.fmt_change(value, getattr(p, key), kind)
        # Without a configured target a figure has no status and no note: every renderer then
        # says "No target" (there are no built-in targets to colour it against).
        note = f"target {c.fmt_target(target, kind)}" if target is not None else ""
        figures.append(
            KeyFigure(
                label=label,
                value=x.fmt(value, kind, key),
                change="" if change == DASH else f"{change} vs {x.versus}",
                rag=c.rag_status(value, target, higher),
                note=note,
            )
        )
    versus = (f"Change is against {x.prev_label}." if x.prev_covered or x.m.previous is None else
              f"No change is shown: the export has no data for {x.prev_label}.")
    judged = [tkey for *_, tkey, _ in specs if tkey and x.target(tkey) is not None]
    status = (f" Status against target: {Rag.GREEN.label} meets it, {Rag.AMBER.label} within 10{NBSP}%, "
              f"{Rag.RED.label} further off (see Appendix A)." if judged else
              " No target is set for these figures, so none has a status.")
    return KeyFigures(figures, caption=versus + status)


def _of_base(x: _Ctx, pct: float | None, base: int | None, before: str = " (", after: str = ")") -> str:
    """" (0 of 1)" after a percentage over a base below `min_base` (its count matters more
    than the share); "" otherwise. The count is exact: pct = 100 × met ÷ base."""
    if pct is None or base is None or base >= x.options.min_base:
        return ""
    return f"{before}{c.fmt_int(round(pct * base / 100))} of {c.fmt_int(base)}{after}"


def _sla_phrase(value: float, target: float | None) -> str:
    if target is None:
        return ""
    met = "meeting" if value >= target else "below"
    return f", {met} the {c.fmt_target(target, 'pct')} target"


def _context_sentences(x: _Ctx) -> dict[str, str]:
    """The month's plain facts (volume, SLA, time to resolve, major incidents, backlog), by topic:
    the summary adds them after its findings when fewer than three findings stand out."""
    t, p = x.totals, x.prev
    out: dict[str, str] = {}

    opened, resolved = t.opened, t.resolved
    if not opened and not resolved:
        s = f"No incidents were opened or resolved in {x.label}"
    else:
        s = f"{c.plural(opened or 0, 'incident')} {'was' if opened == 1 else 'were'} opened and {c.fmt_int(resolved)} resolved in {x.label}"
    words = c.change_words(opened, p.opened)
    if words:
        s += f"; openings were {words} in {x.prev_label}"
    out["volume"] = s + "."

    sla, target = t.resolution_sla_pct, x.target("resolution_sla_pct")
    if sla is not None:
        out["resolution_sla_pct"] = (f"Resolution SLA attainment was {c.fmt_pct(sla, target=target)}"
                                     f"{_of_base(x, sla, t.resolution_sla_base)}{_sla_phrase(sla, target)}.")
    elif not x.present("resolution_sla_pct"):
        out["resolution_sla_pct"] = f"Resolution SLA attainment is {NOT_IN_EXPORT}."

    mttr, mt = t.mttr_hours, x.target("mttr_hours")
    if mttr is not None:
        s = f"Mean time to resolve was {c.fmt_hours(mttr, target=mt)} (median {c.fmt_hours(t.median_ttr_hours)})"
        if mt is not None:
            s += f", {'within' if mttr <= mt else 'above'} the {c.fmt_target(mt, 'hours')} target"
        out["mttr_hours"] = s + "."

    majors = x.m.major_incidents
    if not majors:
        out["majors"] = f"There were no major incidents in {x.label}."
    else:
        s = f"There {'was' if len(majors) == 1 else 'were'} {c.plural(len(majors), 'major incident')}"
        timed = [mi for mi in majors if mi.duration_hours is not None]
        if timed:
            longest = max(timed, key=lambda mi: mi.duration_hours)
            who = (f"{md_escape(str(longest.incident_id))} "
                   f"({md_escape(_short(longest.title, 60))})")
            how_long = c.fmt_duration(longest.duration_hours)
            s += f"; {who} lasted {how_long}" if len(majors) == 1 else f"; the longest, {who}, lasted {how_long}"
        still_open = len(majors) - len([mi for mi in majors if mi.resolved_at])
        if still_open:
            s += f"; {still_open} {'is' if still_open == 1 else 'are'} still open"
        out["majors"] = s + "."

    backlog = t.backlog_end
    if backlog is not None:
        s = f"The backlog was {c.fmt_int(backlog)} at {x.span} end"
        words = c.change_words(backlog, p.backlog_end)
        if words:
            s += f", {words}"
        old = x.old_backlog()
        if old:
            s += f"; {c.plural(old, 'incident')} {'was' if old == 1 else 'were'} older than 30 days"
        out["backlog"] = s + "."
    return out


#: Which context sentence a finding of each kind already tells.
_TOLD_BY = {"major_impact": "majors", "backlog_growth": "backlog", "backlog_ageing": "backlog",
            "volume_rise": "volume"}
#: Fewer findings than this, and the summary adds the month's plain facts after them.
MIN_POINTS = 3
MAX_POINTS = 6


def _summary_points(x: _Ctx) -> list[str]:
    """The executive summary's points: the findings with most impact first (each with its
    figure and count), then the month's plain facts, 3 to 6 points in all."""
    lead = headlines(x.findings, x.settings.in_summary)
    points = [md_escape(f.statement) for f in lead]
    told = {_TOLD_BY.get(f.kind) for f in lead}
    told |= {f.subject.name for f in lead if f.kind == "target_missed"}
    facts = _context_sentences(x)
    if not lead and (x.totals.opened or x.totals.resolved):
        points.append(f"No single area stood out in {x.label}: no concentration of SLA misses, no recurring "
                      "fault, and no area far from its usual volume or time to resolve.")
    order = ["volume", "resolution_sla_pct", "majors", "mttr_hours", "backlog"]
    # The month's volume and SLA close the summary while there is room (at least one fact).
    wanted = MAX_POINTS if not lead else max(MIN_POINTS, len(points) + 2)
    for topic in order:
        if len(points) >= min(wanted, MAX_POINTS):
            break
        if topic in facts and topic not in told:
            points.append(facts[topic])
    return points[:MAX_POINTS]


def _coverage_callout(x: _Ctx) -> Callout | None:
    """What the reader must know first about the data (SPEC §4 Coverage): none for the period
    (with --allow-empty), or data only up to a day inside it."""
    cov = x.m.coverage
    if cov is None:
        return None
    if not x.m.covered:
        if cov.last_record is None:
            why = "the export has no dated records"
        elif x.m.period.start >= dt.datetime.fromisoformat(cov.last_record):
            why = f"the export ends on {c.fmt_date(cov.last_record)}"
        else:
            why = f"the export starts on {c.fmt_date(cov.first_record)}"
        return Callout("warning", f"There is no data for {x.label}: {why}. This report shows no figures for "
                                  "the period and compares nothing; export the incidents again to report on it.",
                       title="No data")
    if cov.ends_inside(x.m.period):
        return Callout("info", f"Data up to {c.fmt_date(cov.last_record)}: the export ends before {x.label} "
                               "does, so the figures cover only the days up to then.", title="Partial period")
    return None


def _executive_summary(x: _Ctx) -> Section:
    note = _coverage_callout(x)
    if not x.m.covered:  # nothing to summarise or compare
        return Section("Executive summary").add(note)
    points = _summary_points(x)
    return Section("Executive summary").add(
        *([note] if note is not None else []),
        _key_figures(x),
        Paragraph("\n".join(f"- {s}" for s in points)),
    )


# --------------------------------------------------------------------------- volume


def _gaps(trend: list[Any], values: list[Any]) -> list[Any]:
    """A trend's values with NO_DATA for the months the export does not cover (for alt text)."""
    return [v if t.covered else NO_DATA for t, v in zip(trend, values)]


def _or_text(fmt: Callable[[Any], str]) -> Callable[[Any], str]:
    return lambda v: v if isinstance(v, str) else fmt(v)


def _alt_series(kind: str, cats: list[str], named: list[tuple[str, list[Any]]], fmt: Callable[[Any], str]) -> str:
    parts = [f"{name}: " + ", ".join(f"{cat} {fmt(v)}" for cat, v in zip(cats, vals)) for name, vals in named]
    return f"{kind}. " + ". ".join(parts) + "."


def _volume(x: _Ctx) -> Section:
    sec = Section("Volume and trends")
    trend = x.m.trend
    if trend:
        months = [c.short_month(r.month) for r in trend]
        opened = [r.opened for r in trend]
        resolved = [r.resolved for r in trend]
        more_in = sum(1 for o, r in zip(opened, resolved) if o is not None and r is not None and o > r)
        last = opened[-1]
        # Superlatives and counts of months only over the months with data (SPEC §4 Coverage).
        earlier = [t.opened for t in x.covered_trend() if t is not trend[-1] and t.opened is not None]
        n = len(x.covered_trend())
        if n < 3:
            earlier = []  # "the most in 2 months" says nothing
        if last is not None and earlier and last > max(earlier):
            title = f"{c.fmt_int(last)} incidents opened in {x.trend_word}, the most in {n} months"
        elif last is not None and earlier and last < min(earlier):
            title = f"{c.fmt_int(last)} incidents opened in {x.trend_word}, the fewest in {n} months"
        elif more_in:
            title = f"More incidents opened than resolved in {more_in} of the last {n} months"
        else:
            title = f"Incidents opened and resolved over the last {n} months"
        chart = Chart(
            "trend", title, tuple(months),
            (series("Opened", opened), series("Resolved", resolved)),
            unit="incidents", subtitle="Incidents per month",
        )
        span = f"last {n} months" if n == len(trend) else f"{n} {'month' if n == 1 else 'months'} with data"
        gaps = ("" if n == len(trend) else
                f" The export has no data for {c.plural(len(trend) - n, 'earlier month')}; the chart shows them as a gap."
                if trend[-1].covered else "")
        sec.add(
            Paragraph(
                (f"The export has no data for {x.label}; the chart shows the months it covers and the gap."
                 if not x.m.covered else
                 f"{x.trend_word} is the first month of the export: there is no earlier month to compare "
                 "with." if n == 1 and trend[-1].covered else
                 f"Over the {span} more incidents were opened than resolved in "
                 f"{more_in} {'month' if more_in == 1 else 'months'}; a backlog grows in those months."
                 if more_in else
                 f"In none of the {span} were more incidents opened than resolved." if n else
                 "The export has no data for these months.") + gaps
            ),
            Figure(
                "fig-trend", chart,
                caption=f"Incidents opened and resolved per month, {months[0]} to {months[-1]}.",
                alt=_alt_series("Line chart of incidents per month", months,
                                [("Opened", _gaps(trend, opened)), ("Resolved", _gaps(trend, resolved))],
                                _or_text(c.fmt_int)),
            ),
        )
    weekly = x.m.weekly if x.m.covered else []
    if weekly:
        weeks = [f"w/c {c.fmt_date(w.week_start)[:-5]}" for w in weekly]
        opened = [w.opened for w in weekly]
        busiest = max(range(len(weekly)), key=lambda i: opened[i] or 0)
        chart = Chart(
            "weekly",
            f"Busiest week began {c.fmt_date(weekly[busiest].week_start)[:-5]}: {c.fmt_int(opened[busiest])} opened",
            tuple(weeks),
            (series("Opened", opened), series("Resolved", [w.resolved for w in weekly])),
            unit="incidents", subtitle="Incidents per week (weeks start on Monday)",
        )
        sec.add(
            Figure(
                "fig-weekly", chart,
                caption=(f"Incidents opened and resolved per week in {x.label}. The first and last "
                         f"weeks count only the days inside the {x.span}."),
                alt=_alt_series("Bar chart of incidents per week", weeks,
                                [("Opened", opened), ("Resolved", [w.resolved for w in weekly])],
                                c.fmt_int),
            )
        )
    if not trend and not weekly:
        sec.add(Paragraph("No trend data is available for this period."))
    return sec


# --------------------------------------------------------------------------- priorities


def _sla_target_note(x: _Ctx) -> str:
    sla = x.m.sla
    parts = []
    for prio in ("P1", "P2", "P3", "P4", "P5"):
        t = sla.get(prio)
        if t is None:
            continue
        bits = []
        if t.respond_hours is not None:
            bits.append(f"respond {c.fmt_target(t.respond_hours, 'hours')}")
        if t.resolve_hours is not None:
            bits.append(f"resolve {c.fmt_target(t.resolve_hours, 'hours')}")
        cal = t.calendar
        if cal and cal != "24x7":
            bits.append(f"{cal} hours")
        parts.append(f"{prio} " + ", ".join(bits))
    return ("SLA targets: " + "; ".join(parts) + ".") if parts else ""


def _priorities(x: _Ctx) -> Section:
    by_p = x.m.by_priority
    ack = x.present("mtta_hours")
    target = x.target("resolution_sla_pct")
    rtarget = x.target("response_sla_pct")
    cols = [Column("Priority"), Column("Opened", numeric=True), Column("Resolved", numeric=True)]
    if ack:
        cols.append(Column("MTTA", numeric=True))
    cols += [Column("MTTR", numeric=True), Column("Median", numeric=True), Column("P90", numeric=True)]
    if ack:
        cols.append(Column("Response SLA", numeric=True))
    cols.append(Column("Resolution SLA", numeric=True))

    names = [p for p in PRIORITY_ROWS if p in by_p and (p != "Unknown" or by_p[p] != Figures())]
    shown = [by_p[p] for p in names] + [x.totals]
    keys = ["opened", "resolved", *(["mtta_hours"] if ack else []), "mttr_hours", "median_ttr_hours",
            "p90_ttr_hours", *(["response_sla_pct"] if ack else []), "resolution_sla_pct"]
    # One precision per column (units), each value kept apart from its target.
    columns = [units.fmt_figure_column(k, [getattr(v, k) for v in shown], targets=x.m.targets) for k in keys]
    rows = [[name, *(col[i] for col in columns)] for i, name in enumerate([*names, "All"])]
    goals = {"response_sla_pct": rtarget, "resolution_sla_pct": target}
    rags: list[list[Rag | None]] = [
        [None] + [c.rag_status(getattr(v, k), goals[k]) if k in goals else None for k in keys] for v in shown
    ]
    notes = ["MTTA in minutes; MTTR, median and P90 time to resolve in hours."]
    if not ack:
        notes.append(f"MTTA and response SLA are {NOT_IN_EXPORT} (it has no acknowledgement times).")
    tnote = _sla_target_note(x)
    if tnote:
        notes.append(tnote + " “–” means no incidents to measure, or no SLA target for that priority.")
    if target is not None:
        notes.append(f"Status ({Rag.GREEN.symbol} {Rag.AMBER.symbol} {Rag.RED.symbol}) is against the "
                     f"{c.fmt_target(target, 'pct')} target; see Appendix A.")
    elif rtarget is None:
        notes.append("No SLA attainment target is set, so no status is shown.")
    sec = Section("Performance by priority")
    sec.add(Table(cols, rows, caption=f"Performance by priority, {x.label}", notes=notes, rag=rags, total_row=True))
    sec.add(*_resolution_quality(x, names, shown))

    prios = [p for p in ("P1", "P2", "P3", "P4", "P5")
             if p in by_p and p in x.m.sla and x.m.sla[p].resolve_hours is not None] \
        or [p for p in ("P1", "P2", "P3", "P4") if p in by_p]
    values = [by_p[p].resolution_sla_pct for p in prios]
    if prios and any(v is not None for v in values):
        below = [(p, v) for p, v in zip(prios, values) if v is not None and target is not None and v < target]
        if target is None:
            title = "Resolution SLA attainment by priority"
        elif not below:
            title = f"Every priority met the {c.fmt_target(target, 'pct')} resolution target"
        else:
            worst = min(below, key=lambda pv: pv[1])
            title = (f"{worst[0]} resolution SLA lowest at {c.fmt_pct(worst[1], target=target)}, "
                     f"against a {c.fmt_target(target, 'pct')} target")
        sec.add(Figure(
            "fig-sla", Chart("sla_by_priority", title, tuple(prios), (series("Resolution SLA", values),),
                             unit="%", target=target,
                             target_label=f"Target {c.fmt_target(target, 'pct')}" if target is not None else "",
                             subtitle="Incidents resolved within the SLA target; status as in the tables"),
            caption=f"Resolution SLA attainment by priority, {x.label}.",
            alt=_alt_series("Bar chart of resolution SLA attainment by priority", prios,
                            [("Attainment", values)], c.fmt_pct)
                + (f" Target {c.fmt_target(target, 'pct')}." if target is not None else ""),
        ))

    trend = x.m.trend
    mttr = [r.mttr_hours for r in trend]
    if trend and any(v is not None for v in mttr):
        months = [c.short_month(r.month) for r in trend]
        mt = x.target("mttr_hours")
        last = mttr[-1]
        if last is None:
            title = "Mean time to resolve over 12 months"
        else:
            prev = next((v for v in reversed(mttr[:-1]) if v is not None), None)
            verb = "rose" if prev is not None and last > prev else "fell" if prev is not None and last < prev else "was"
            title = f"MTTR {verb} to {c.fmt_hours(last, target=mt)} in {x.trend_word}"
            if mt is not None:
                title += f", {'within' if last <= mt else 'above'} the {c.fmt_target(mt, 'hours')} target"
        sec.add(Figure(
            "fig-mttr", Chart("mttr_trend", title, tuple(months), (series("MTTR", mttr),), unit="hours",
                              target=mt, target_label=f"Target {c.fmt_target(mt, 'hours')}" if mt is not None else "",
                              subtitle="Mean time to resolve per month"),
            caption=f"Mean time to resolve per month, {months[0]} to {months[-1]}.",
            alt=_alt_series("Line chart of mean time to resolve per month", months,
                            [("MTTR", _gaps(trend, mttr))], _or_text(c.fmt_hours)),
        ))
    return sec


#: The quality-of-resolution figures: (Figures field, name, the incidents it is a share of, verb).
QUALITY = (("reopen_rate_pct", "Reopen rate", "resolved", "reopened at least once"),
           ("escalation_rate_pct", "Escalation rate", "opened", "escalated"))


def _resolution_quality(x: _Ctx, names: list[str], shown: list[Figures]) -> list[Any]:
    """The reopen and escalation rates (computed for every priority, shown here): a sentence
    with the period's figures and their change, and a column per rate for each priority.
    A rate whose field the export lacks is named "not in this export" and has no column."""
    t, p = x.totals, x.prev
    there = [q for q in QUALITY if x.present(q[0])]
    if not there:
        return [Paragraph(f"Reopen and escalation rates are {NOT_IN_EXPORT} (it has no reopen count "
                          "or escalation fields).")]
    said = []
    for key, name, base, verb in there:
        value, target = getattr(t, key), x.target(key)
        if value is None:
            said.append(f"The {name.lower()} cannot be measured: no incidents were {base} in {x.label}.")
            continue
        s = f"{c.fmt_pct(value, target=target)} of the incidents {base} in {x.label} were {verb}"
        prev = getattr(p, key) if x.prev_covered else None
        if prev is not None:
            s += f" ({c.fmt_pct(prev, target=target)} in {x.prev_label})"
        if target is not None:
            s += f", {'within' if value <= target else 'above'} the {c.fmt_target(target, 'pct')} target"
        said.append(s[0].upper() + s[1:] + ".")
    missing = [q[1].lower() for q in QUALITY if q not in there]
    if missing:
        said.append(f"The {missing[0]} is {NOT_IN_EXPORT}.")
    keys = [q[0] for q in there]
    columns = [units.fmt_figure_column(k, [getattr(v, k) for v in shown], targets=x.m.targets) for k in keys]
    rows = [[name, *(col[i] for col in columns)] for i, name in enumerate([*names, "All"])]
    # Lower is better for both rates; a status only against a configured target.
    rags = [[None, *(c.rag_status(getattr(v, k), x.target(k), False) for k in keys)] for v in shown]
    notes = [" ".join(f"{name}: share of the incidents {base} in the {x.span} that were {verb}."
                      for _, name, base, verb in there)]
    judged = [f"{c.fmt_target(x.target(k), 'pct')} {name.lower()}" for k, name, *_ in there if x.target(k) is not None]
    if judged:
        notes.append(f"Status is against the {c.join_words(judged)} {'target' if len(judged) == 1 else 'targets'}; "
                     "see Appendix A.")
    return [Paragraph(" ".join(said)),
            Table([Column("Priority"), *(Column(q[1], numeric=True) for q in there)], rows,
                  caption=f"Reopened and escalated incidents by priority, {x.label}", notes=notes, rag=rags,
                  total_row=True)]


# --------------------------------------------------------------------------- SLA breaches

#: Breaches listed in the body (the full list is in the metrics CSV and JSON).
BREACH_LIMIT = 10
#: Groups listed in each breach count table.
BREACH_GROUP_LIMIT = 10


def _breach_counts(breaches: list[Breach], attr: str) -> list[list[str]]:
    """Rows (name, resolution, response, total) counting the listed breaches per value of
    `attr`, most breaches first, then by name."""
    counts: dict[str, list[int]] = {}
    for b in breaches:  # the period's breach list, already computed: counting for wording
        name = getattr(b, attr) or NOT_RECORDED
        counts.setdefault(name, [0, 0])[0 if b.kind == "resolution" else 1] += 1
    order = sorted(counts.items(), key=lambda kv: (-sum(kv[1]), kv[0]))
    return [[name, c.fmt_int(res), c.fmt_int(resp), c.fmt_int(res + resp)] for name, (res, resp) in order]


def _breaches(x: _Ctx) -> Section:
    """The incidents that missed their SLA target, most time over target first, and where
    they are (assignment group, category)."""
    sec = Section("SLA breaches")
    found = x.m.breaches
    n_res = sum(1 for b in found if b.kind == "resolution")
    n_resp = len(found) - n_res
    if not found:
        if not x.m.sla:
            return sec.add(Paragraph("No priority has an SLA target, so no incident can miss one."))
        if not x.present("response_sla_pct"):
            return sec.add(Paragraph(f"No incident resolved in {x.label} missed its resolution target "
                                     f"(response times are {NOT_IN_EXPORT})."))
        return sec.add(Paragraph(f"No incident resolved in {x.label} missed its resolution target, "
                                 f"and none opened in it missed its response target."))

    def their(n: int) -> str:
        return "its" if n == 1 else "their"

    def none_of(kind: str, metric: str) -> str:  # the other kind: none, or not measurable
        return (f"; none missed the {kind} target." if x.present(metric) else
                f". {kind.capitalize()} times are {NOT_IN_EXPORT}.")

    if n_res and n_resp:
        lead = (f"{c.plural(n_res, 'incident')} missed {their(n_res)} resolution target and "
                f"{c.fmt_int(n_resp)} {their(n_resp)} response target in {x.label}.")
    elif n_res:
        lead = (f"{c.plural(n_res, 'incident')} missed {their(n_res)} resolution target in {x.label}"
                + none_of("response", "response_sla_pct"))
    else:
        lead = (f"{c.plural(n_resp, 'incident')} missed {their(n_resp)} response target in {x.label}"
                + none_of("resolution", "resolution_sla_pct"))
    by_group = _breach_counts(found, "assignment_group")
    if x.has("assignment_group") and by_group and (len(by_group) == 1 or by_group[0][3] != by_group[1][3]) \
            and by_group[0][0] != NOT_RECORDED and len(found) > 1:
        lead += f" {md_escape(by_group[0][0])} had the most: {by_group[0][3]} of {c.fmt_int(len(found))}."
    sec.add(Paragraph(lead + " The clock is the time on the priority's SLA calendar, less any time "
                             "the incident was paused."))

    cols = [Column("ID", nowrap=True), Column("Title"), Column("Priority", align="center"), Column("Kind"),
            Column("Target", numeric=True), Column("Clock", numeric=True), Column("Over by", numeric=True),
            Column("Group")]
    def clock(hours: float, target: float) -> str:
        """A row's times in its target's unit (minutes under an hour), kept apart from it."""
        if target < 1:
            return units.fmt_minutes(hours, 0, target=target)
        return units.fmt_hours(hours, 1, target=target)  # one precision down the column

    rows = [[str(b.incident_id), _short(b.title, 60) or DASH, str(b.priority), b.kind.capitalize(),
             c.fmt_target(b.target_hours, "hours"), clock(b.sla_hours, b.target_hours),
             clock(b.over_hours, b.target_hours), str(b.assignment_group or DASH)]
            for b in found[:BREACH_LIMIT]]  # a big month has thousands: format only those shown
    more = len(found) - BREACH_LIMIT
    sec.add(Table(cols, rows, more=f"and {more:,} more breaches" if more > 0 else None,
                  caption=f"SLA breaches with the most time over target, {x.label}",
                  notes=["Resolution: logged to resolved, for incidents resolved in the period. "
                         "Response: logged to acknowledged, for incidents opened in the period."]))
    counts = [Column("Resolution", numeric=True), Column("Response", numeric=True), Column("Total", numeric=True)]
    if x.has("assignment_group"):
        sec.add(Table.capped([Column("Assignment group"), *counts], by_group, limit=BREACH_GROUP_LIMIT,
                             noun="groups", caption=f"SLA breaches by assignment group, {x.label}"))
    sec.add(Table.capped([Column("Category"), *counts], _breach_counts(found, "category"),
                         limit=BREACH_GROUP_LIMIT, noun="categories", caption=f"SLA breaches by category, {x.label}"))
    return sec


def _sla_agreement(x: _Ctx) -> Paragraph | None:
    """The data-quality sentence on the export's own SLA flag (None: the export has none)."""
    a = x.m.sla_agreement
    if a is None:
        return None
    flag = ("The export carries the ITSM tool's own SLA verdict for each incident (ServiceNow: "
            "made_sla), which may judge a different SLA (ServiceNow's covers the task's whole SLA).")
    if not a.compared:
        return Paragraph(f"{flag} No incident resolved in {x.label} has both that verdict and a "
                         "resolution SLA result to compare.")
    return Paragraph(f"{flag} This report's resolution SLA result and the tool's verdict agree on "
                     f"{c.fmt_int(a.agree)} of {c.fmt_int(a.compared)} incidents resolved in {x.label} "
                     f"({c.fmt_pct(a.agree_pct)}).")


# --------------------------------------------------------------------------- categories


def _categories(x: _Ctx) -> Section:
    sec = Section("Categories and services")
    by_cat = x.m.by_category
    prev_cat = x.m.previous.by_category if x.m.previous is not None else {}
    target = x.target("resolution_sla_pct")
    if by_cat:
        names = list(by_cat)
        counts = [by_cat[n].opened or 0 for n in names]
        total = sum(counts)
        top = names[:10]
        top_counts = counts[:10]
        if len(names) > 10:
            top = top + ["Other"]
            top_counts = top_counts + [sum(counts[10:])]
        cum, run = [], 0
        for v in top_counts:
            run += v
            cum.append(100 * run / total if total else None)
        n3 = min(3, len(names))
        share3 = 100 * sum(counts[:n3]) / total if total else 0
        words = {1: "One category", 2: "Two categories", 3: "Three categories"}[n3] if n3 else ""
        title = (f"{words} account{'s' if n3 == 1 else ''} for {share3:.0f}{NBSP}% of incidents opened"
                 if total else "Incidents opened by category")
        sec.add(Figure(
            "fig-pareto",
            Chart("pareto", title, tuple(top), (series("Opened", top_counts), series("Cumulative share", cum)),
                  unit="incidents", subtitle="Incidents opened by category, largest first, with the cumulative share",
                  height_in=0.75 + 0.2 * len(top)),
            caption=f"Incidents opened by category (Pareto), {x.label}.",
            alt=_alt_series("Pareto chart of incidents opened by category", top, [("Opened", top_counts)], c.fmt_int),
        ))
        cols = [Column("Category"), Column("Opened", numeric=True), Column(x.prev_word, numeric=True),
                Column("Change", numeric=True), Column("Resolved", numeric=True), Column("MTTR", numeric=True),
                Column("Resolution SLA", numeric=True)]
        rows, rags = [], []
        for n in names:
            v = by_cat[n]
            pv = prev_cat.get(n)
            # A category absent last period had none opened then (0), unless there was no previous period.
            prev_opened = pv.opened if pv is not None else (0 if prev_cat else None)
            if not x.prev_covered:  # no data for the previous month: nothing to compare with
                prev_opened = None
            rows.append([n, c.fmt_int(v.opened), c.fmt_int(prev_opened) if x.prev_covered else NO_DATA,
                         c.fmt_change(v.opened, prev_opened, "int"), c.fmt_int(v.resolved),
                         c.fmt_hours(v.mttr_hours), c.fmt_pct(v.resolution_sla_pct)])
            rags.append([None] * 6 + [c.rag_status(v.resolution_sla_pct, target)])
        sec.add(Table.capped(cols, rows, limit=TABLE_LIMIT, noun="categories", rag=rags,
                             caption=f"Incidents by category, {x.label}"
                                     + (f", against {x.prev_label}" if x.prev_covered else ""),
                             notes=["Largest first by incidents opened. Change is in incidents opened."]))
    elif not x.has("category"):
        sec.add(Paragraph(f"Category is {NOT_IN_EXPORT}."))
    else:
        sec.add(Paragraph(f"No incidents were opened or resolved in {x.label}."))

    by_service = x.m.by_service
    if by_service:
        cols = [Column("Service"), Column("Opened", numeric=True), Column("Resolved", numeric=True),
                Column("MTTR", numeric=True), Column("Resolution SLA", numeric=True), Column("MTBF", numeric=True)]
        rows, rags = [], []
        for n, v in by_service.items():
            rows.append([n, c.fmt_int(v.opened), c.fmt_int(v.resolved), c.fmt_hours(v.mttr_hours),
                         c.fmt_pct(v.resolution_sla_pct), c.fmt_hours(v.mtbf_hours)])
            rags.append([None] * 4 + [c.rag_status(v.resolution_sla_pct, target), None])
        sec.add(Table.capped(cols, rows, limit=TABLE_LIMIT, noun="services", rag=rags,
                             caption=f"Incidents by service, {x.label}",
                             notes=[f"MTBF: mean time between P1 and P2 failures in the {x.span}, in hours; "
                                    "“–” when the service had no P1 or P2 incident."]))
    elif not x.has("service"):
        sec.add(Paragraph(f"Service is {NOT_IN_EXPORT}, so there is no breakdown by service or MTBF."))
    breakdowns = _breakdowns(x)
    if breakdowns is not None:
        sec.add(breakdowns)
    return sec


#: The breakdowns shown when the export has more than one value of them: (dimension, header, noun).
BREAKDOWNS = (("site", "Site", "sites"), ("channel", "Channel", "channels"),
              ("assignment_group", "Assignment group", "groups"))
BREAKDOWN_KEYS = ("opened", "resolved", "mttr_hours", "resolution_sla_pct")


def _breakdowns(x: _Ctx) -> Section | None:
    """A compact table per site, channel and assignment group (the metric set's breakdowns),
    each only when the export has more than one value of it: one value says nothing the
    totals do not (a --split-by site report has one site)."""
    shown = [(dim, header, noun, x.m.breakdown(dim)) for dim, header, noun in BREAKDOWNS
             if len(x.m.breakdown(dim)) > 1]
    if not shown:
        return None
    target = x.target("resolution_sla_pct")
    sub = Section("Sites, channels and assignment groups")
    for dim, header, noun, groups in shown:
        names = list(groups)[:TABLE_LIMIT]  # largest first (the engine's order): format only those shown
        values = [groups[n] for n in names]
        columns = [units.fmt_figure_column(k, [getattr(v, k) for v in values], targets=x.m.targets)
                   for k in BREAKDOWN_KEYS]
        rows = [[name, *(col[i] for col in columns)] for i, name in enumerate(names)]
        rags = [[None] * 4 + [c.rag_status(v.resolution_sla_pct, target)] for v in values]
        more = len(groups) - len(names)
        sub.add(Table([Column(header), Column("Opened", numeric=True), Column("Resolved", numeric=True),
                       Column("MTTR", numeric=True), Column("Resolution SLA", numeric=True)],
                      rows, rag=rags, more=f"and {more:,} more {noun}" if more > 0 else None,
                      caption=f"Incidents by {header.lower()}, {x.label}"))
    return sub


# --------------------------------------------------------------------------- major incidents


def _pir_status(x: _Ctx, mi: MajorIncident) -> str:
    """The review's status from its narrative when one was given; otherwise what is known:
    a resolved incident has no review on file, an open one is reviewed after resolution."""
    statuses = x.options.pir_statuses
    if statuses is not None and mi.incident_id in statuses:
        return str(statuses[mi.incident_id])
    return NO_REVIEW if mi.resolved_at else OPEN_REVIEW


def _majors(x: _Ctx) -> Section:
    sec = Section("Major incidents")
    majors = x.m.major_incidents
    if not majors:
        if not x.has("major"):
            return sec.add(Paragraph(f"The major-incident flag is {NOT_IN_EXPORT}."))
        return sec.add(Paragraph(f"No major incidents were opened in {x.label}."))
    cols = [Column("ID", nowrap=True), Column("Title"), Column("Priority", align="center"), Column("Duration", numeric=True),
            Column("Customers", numeric=True), Column("Contacts", numeric=True), Column("SLA met", align="center"),
            Column("PIR status")]
    rows, rags = [], []
    fields = x.fields or None
    for mi in majors:
        met = mi.resolution_sla_met
        duration = c.fmt_duration(mi.duration_hours) if mi.resolved_at else "Ongoing"
        rows.append([
            str(mi.incident_id or DASH), _short(mi.title, 90) or DASH, str(mi.priority or DASH),
            duration, c.fmt_metric(mi.customers_affected, "int", "customers_affected", fields),
            c.fmt_metric(mi.contacts_affected, "int", "contacts_affected", fields),
            "Yes" if met is True else "No" if met is False else DASH, _pir_status(x, mi),
        ])
        rags.append([None] * 6 + [Rag.GREEN if met is True else Rag.RED if met is False else None, None])
    n = len(majors)
    sec.add(Paragraph(
        f"{c.plural(n, 'major incident')} {'was' if n == 1 else 'were'} opened in {x.label}. "
        "Each needs a blameless post-incident review (PIR) once it is resolved."
    ))
    notes = ["Duration is from logging to resolution. SLA met is against the priority's resolution target."]
    if x.options.pir_statuses is None:
        notes.append("PIR status: no review records were supplied with this report, so a review's "
                     "status is shown only as due or not yet due.")
    else:
        notes.append("PIR status is the status in each review's narrative.")
    sec.add(Table.capped(cols, rows, limit=TABLE_LIMIT, noun="major incidents", rag=rags,
                         caption=f"Major incidents opened in {x.label}", notes=notes))
    due = [mi for mi in majors if _pir_status(x, mi) == NO_REVIEW]
    if due:
        sec.add(Callout("todo", f"{c.plural(len(due), 'PIR')} {'is' if len(due) == 1 else 'are'} due. "
                                 f"The incident manager drafts {'it' if len(due) == 1 else 'each review'} and records its status."))
    return sec


# --------------------------------------------------------------------------- PIR actions

#: Outstanding actions and overdue reviews listed (the rest are counted).
ACTION_LIMIT = 15


def _action_row(a: ActionItem, last_day: dt.date) -> tuple[list[str], list[Rag | None]]:
    status = a.status.capitalize()
    if a.overdue and a.due is not None:  # on the period's last day, as the PIR counts it on a day
        status = f"{status}, overdue by {c.plural((last_day - a.due).days, 'day')}"
    row = [str(a.incident_id), plain_text(a.action) or DASH, plain_text(a.owner) if a.owner else "To assign",
           c.fmt_date(a.due) if a.due else "To set", a.type.capitalize() if a.type else DASH, status]
    return row, [None] * 5 + [Rag.RED if a.overdue else None]


def _actions(x: _Ctx) -> Section:
    """The PIR action register: the actions not done across every review on file, overdue
    first, and the reviews overdue at the period's end."""
    sec = Section("Post-incident review actions")
    reg = x.options.register
    assert reg is not None
    on_file = [r for r in reg.reviews if r.on_file]
    actions = reg.actions
    outstanding = sorted(reg.open_actions, key=lambda a: (not a.overdue, a.due or dt.date.max, a.incident_id))
    overdue = [a for a in outstanding if a.overdue]
    when = c.fmt_date(reg.last_day)
    if not on_file:
        lead = f"No post-incident review is on record at the end of {x.label}, so there are no actions to follow up."
    elif not actions:
        lead = f"The {c.plural(len(on_file), 'post-incident review')} on record list no actions."
    else:
        lead = (f"The {c.plural(len(on_file), 'post-incident review')} on record list "
                f"{c.plural(len(actions), 'action')}: {c.fmt_int(len(actions) - len(outstanding))} done and "
                f"{c.fmt_int(len(outstanding))} not done")
        lead += (f"; {c.fmt_int(len(overdue))} {'was' if len(overdue) == 1 else 'were'} past "
                 f"{'its' if len(overdue) == 1 else 'their'} due date on {when}." if overdue else
                 f"; none was past its due date on {when}.")
    sec.add(Paragraph(lead))
    if outstanding:
        rows, rags = zip(*(_action_row(a, reg.last_day) for a in outstanding))
        sec.add(Table.capped(
            [Column("Incident", nowrap=True), Column("Action"), Column("Owner"), Column("Due", nowrap=True),
             Column("Type"), Column("Status")], list(rows), limit=ACTION_LIMIT, noun="actions", rag=list(rags),
            caption=f"Post-incident review actions not done at the end of {x.label}",
            notes=["Overdue first, then by due date. An action is overdue when it is not done by its due date."]))
    late = sorted(reg.overdue_reviews, key=lambda r: (r.due or dt.date.max, r.incident_id))
    if not late:
        sec.add(Paragraph(f"No post-incident review was overdue at the end of {x.label}."))
        return sec
    n = len(late)
    sec.add(Paragraph(f"{c.plural(n, 'post-incident review')} {'was' if n == 1 else 'were'} overdue at the end of {x.label}: "
                      "not Reviewed or Closed by the due date, a set number of working days after the incident "
                      "was resolved."))
    rows = [[str(r.incident_id), r.status or NO_REVIEW, plain_text(r.owner) if r.owner else DASH,
             c.fmt_date(r.due)] for r in late]
    sec.add(Table.capped([Column("Incident", nowrap=True), Column("Review status"), Column("Owner"),
                          Column("Due", nowrap=True)], rows,
                         limit=ACTION_LIMIT, noun="reviews", caption=f"Overdue post-incident reviews, {x.label}"))
    return sec


# --------------------------------------------------------------------------- backlog


def _backlog(x: _Ctx) -> Section:
    sec = Section("Backlog and ageing")
    ageing = x.m.ageing
    buckets = (ageing.buckets if ageing is not None else None) or list(BUCKET_LABELS)
    backlog = x.totals.backlog_end
    prev_backlog = x.prev.backlog_end
    text = f"{c.plural(backlog or 0, 'incident')} {'was' if backlog == 1 else 'were'} open at {x.end_of}"
    if prev_backlog is not None:
        text += f" ({c.fmt_int(prev_backlog)} at {x.prev_end_of})"
    old = x.old_backlog()
    text += "." + (f" {c.plural(old, 'incident')} {'was' if old == 1 else 'were'} older than 30 days." if old else "")
    sec.add(Paragraph(text))
    by_p = ageing.by_priority if ageing is not None else {}
    if not by_p:
        return sec
    cols = [Column("Priority")] + [Column(BUCKET_LABELS.get(b, b), numeric=True) for b in buckets] + [Column("Total", numeric=True)]
    rows = []
    for prio in PRIORITY_ROWS:
        if prio in by_p:
            prio_total = x.m.by_priority[prio].backlog_end if prio in x.m.by_priority else None
            rows.append([prio] + [c.fmt_int(by_p[prio].get(b)) for b in buckets] + [c.fmt_int(prio_total)])
    total = ageing.total if ageing is not None else {}
    rows.append(["All"] + [c.fmt_int(total.get(b)) for b in buckets] + [c.fmt_int(backlog)])
    sec.add(Table(cols, rows, caption=f"Open incidents at {x.end_of} by age and priority",
                  notes=[f"Age is from logging to the end of the {x.span}."], total_row=True))
    prios = [p for p in PRIORITY_ROWS if p in by_p]
    if backlog:
        title = (f"{c.plural(old, 'open incident')} {'is' if old == 1 else 'are'} older than 30 days"
                 if old else "No open incident is older than 30 days")
        labels = [BUCKET_LABELS.get(b, b) for b in buckets]
        sec.add(Figure(
            "fig-ageing",
            Chart("ageing", title, tuple(labels),
                  tuple(series(p, [by_p[p].get(b) for b in buckets]) for p in prios),
                  unit="open incidents", subtitle=f"Open incidents at {x.span} end, by age and priority",
                  height_in=0.75 + 0.24 * len(buckets)),
            caption=f"Backlog at {x.end_of} by age and priority.",
            alt=_alt_series("Stacked bar chart of open incidents by age", labels,
                            [(p, [by_p[p].get(b) for b in buckets]) for p in prios], c.fmt_int),
        ))
    return sec


# --------------------------------------------------------------------------- customer impact


def _impact(x: _Ctx) -> Section:
    sec = Section("Customer impact")
    t, p = x.totals, x.prev
    # SPEC §5.1: customers and contacts affected. Contacts affected reads "not in this export"
    # when the export has no contacts_affected field.
    rows = [
        ["Customers affected", x.fmt(t.customers_affected, "int", "customers_affected"),
         x.fmt(p.customers_affected, "int", "customers_affected"),
         c.fmt_change(t.customers_affected, p.customers_affected, "int")],
        ["Contacts affected", x.fmt(t.contacts_affected, "int", "contacts_affected"),
         x.fmt(p.contacts_affected, "int", "contacts_affected"),
         c.fmt_change(t.contacts_affected, p.contacts_affected, "int")],
        ["Post-incident CSAT", x.fmt(t.csat_mean, "score", "csat_mean"),
         x.fmt(p.csat_mean, "score", "csat_mean"),
         c.fmt_change(t.csat_mean, p.csat_mean, "score")],
    ]
    cols = [Column("Measure"), Column(x.month_word if x.month_word != x.label else "This period", numeric=True),
            Column(x.prev_word, numeric=True), Column("Change", numeric=True)]
    notes = ["Customers affected: summed over incidents opened in the month. CSAT: mean score (1–5) "
             "from post-incident surveys of resolved incidents."]
    if not x.prev_covered:
        for row in rows:
            row[2] = NO_DATA
    sec.add(Table(cols, rows, caption=f"Customer impact, {x.label}", notes=notes))

    contacts = x.m.contacts
    sub = Section("Contact-centre performance during incidents")
    if contacts is None:
        sub.add(Paragraph(
            "Contact-centre interval data was not supplied for this report, so service level, abandonment "
            "and average handle time during incidents are not compared with a baseline."
        ))
        return sec.add(sub)

    goals = _contact_goals(x)
    scope, scope_note = _contact_scope(x)
    kpis = ("service_level_pct", "abandonment_pct", "aht_seconds")

    def kpi_cells(k: ContactFigures) -> list[str]:
        return [c.fmt_pct(k.service_level_pct, target=goals["service_level_pct"]),
                c.fmt_pct(k.abandonment_pct, target=goals["abandonment_pct"]), c.fmt_seconds(k.aht_seconds)]

    def kpi_rags(k: ContactFigures) -> list[Rag | None]:
        return [c.rag_status(getattr(k, key), goals[key], CONTACT_BY_KEY[key].higher_is_better) for key in kpis]

    def kpi_row(name: str, k: ContactFigures) -> list[str]:
        return [name, c.fmt_int(k.offered), c.fmt_int(k.answered), c.fmt_int(k.abandoned), *kpi_cells(k)]

    threshold = contacts.sl_threshold_seconds
    if scope_note:
        sub.add(Paragraph(scope_note))
    summary = _contact_target_sentence(x, contacts.period, goals, threshold)
    if summary:
        sub.add(Paragraph(summary))
    cols = [Column("Channel"), Column("Offered", numeric=True), Column("Answered", numeric=True),
            Column("Abandoned", numeric=True),
            Column(_goal_header("Service level", "service_level_pct", goals, threshold), numeric=True),
            Column(_goal_header("Abandonment", "abandonment_pct", goals, threshold), numeric=True),
            Column(_goal_header("AHT", "aht_seconds", goals, threshold), numeric=True)]
    shown = [*contacts.by_channel.items(), ("All channels", contacts.period)]
    rows = [kpi_row(ch, k) for ch, k in shown]
    has_goal = any(v is not None for v in goals.values())
    rags = [[None] * 4 + kpi_rags(k) for _, k in shown] if has_goal else None
    notes = [f"Service level = {contacts.sl_method or 'answered within threshold ÷ offered'}. "
             "AHT: average handle time."]
    goal_note = _contact_goal_note(goals, threshold)
    if goal_note:
        notes.append(goal_note)
    where = f", {scope}" if scope else ""
    sub.add(Table(cols, rows, caption=f"Contact-centre performance{where}, {x.label}", total_row=True,
                  notes=notes, rag=rags))
    incidents = contacts.incidents
    if incidents:
        cols = [Column("Incident", nowrap=True),
                Column(_goal_header("SL during", "service_level_pct", goals, threshold), numeric=True),
                Column("SL baseline", numeric=True), Column("Change", numeric=True),
                Column(_goal_header("Abandoned during", "abandonment_pct", goals, threshold), numeric=True),
                Column("Abandoned baseline", numeric=True),
                Column(_goal_header("AHT during", "aht_seconds", goals, threshold), numeric=True),
                Column("AHT baseline", numeric=True)]
        rows, rags = [], []
        for inc in incidents:
            d, b = inc.during, inc.baseline
            sl, ab, aht = kpi_cells(d)
            rows.append([str(inc.incident_id), sl, c.fmt_pct(b.service_level_pct, target=goals["service_level_pct"]),
                         c.fmt_change(d.service_level_pct, b.service_level_pct, "pct"),
                         ab, c.fmt_pct(b.abandonment_pct, target=goals["abandonment_pct"]),
                         aht, c.fmt_seconds(b.aht_seconds)])
            r_sl, r_ab, r_aht = kpi_rags(d)
            rags.append([None, r_sl, None, None, r_ab, None, r_aht, None])
        notes = ["Baseline: the same weekday and time of day in the previous four weeks. "
                 "SL: service level; change in percentage points (pp)."]
        if goal_note:
            notes.append(_contact_goal_note(goals, threshold, of=" of the figures during each incident"))
        sub.add(Table.capped(cols, rows, limit=TABLE_LIMIT, noun="incidents", rag=rags,
                             caption="Service level, abandonment and handle time during major incidents against "
                                     f"baseline{' (' + scope + ')' if scope else ''}",
                             notes=notes))
    return sec.add(sub)


def _contact_goals(x: _Ctx) -> dict[str, float | None]:
    """The configured contact-centre targets (None: no target, no status)."""
    return {m.key: x.target(m.target) if m.target else None for m in CONTACT_BY_KEY.values()}


def _contact_goal(key: str, goals: Mapping[str, float | None], threshold: int | None) -> str:
    """A contact-centre target as people say it: "80 % in 20 s", "5 %", "6 min 00 s"."""
    m = CONTACT_BY_KEY[key]
    text = c.fmt_target(goals[key], m.unit)
    if key == "service_level_pct" and threshold is not None:
        text += f" in {threshold}{NBSP}s"
    return text


def _goal_header(name: str, key: str, goals: Mapping[str, float | None], threshold: int | None) -> str:
    """A column header with its target beside it ("Service level (target 80 % in 20 s)")."""
    if goals.get(key) is None:
        return name
    return f"{name} (target {_contact_goal(key, goals, threshold)})"


def _contact_goal_note(goals: Mapping[str, float | None], threshold: int | None, of: str = "") -> str:
    """What the status is against ("" without a contact-centre target); `of`: whose figures."""
    parts = []
    if goals["service_level_pct"] is not None:
        answered = f" answered within {threshold}{NBSP}s" if threshold is not None else ""
        parts.append(f"service level {c.fmt_target(goals['service_level_pct'], 'pct')} or more{answered}")
    if goals["abandonment_pct"] is not None:
        parts.append(f"abandonment {_contact_goal('abandonment_pct', goals, threshold)} or less")
    if goals["aht_seconds"] is not None:
        parts.append(f"AHT {_contact_goal('aht_seconds', goals, threshold)} or less")
    if not parts:
        return ""
    return (f"Status ({Rag.GREEN.symbol} {Rag.AMBER.symbol} {Rag.RED.symbol}){of} is against the contact-centre "
            f"targets: {c.join_words(parts)}; see Appendix A.")


def _contact_target_sentence(x: _Ctx, k: ContactFigures, goals: Mapping[str, float | None],
                             threshold: int | None) -> str:
    """The period's contact figures against their targets, with their status in words."""
    said = []
    for key, words in (("service_level_pct", "service level"), ("abandonment_pct", "abandonment"),
                       ("aht_seconds", "average handle time")):
        goal, value = goals[key], getattr(k, key)
        rag = c.rag_status(value, goal, CONTACT_BY_KEY[key].higher_is_better)
        if rag is None:
            continue
        shown = c.fmt_seconds(value) if key == "aht_seconds" else c.fmt_pct(value, target=goal)
        said.append(f"{words} was {shown} against a target of {_contact_goal(key, goals, threshold)} ({rag.label})")
    if not said:
        return ""
    return f"In {md_escape(x.label)}, " + c.join_words(said) + "."


def _contact_scope(x: _Ctx) -> tuple[str, str]:
    """Whose contact figures a report shows: ("", "") for the centre's own report; for a
    `--split-by` report the site's own, or the whole centre's said so (a caption part and a
    sentence), never passed off as the group's."""
    contacts = x.m.contacts
    if x.options.group is None or contacts is None:
        return "", ""
    dimension, group = x.options.group
    if contacts.site is not None:
        site = md_escape(contacts.site)
        if contacts.period.offered is None:
            return contacts.site, (f"The contact data has no intervals for the {site} site in "
                                   f"{md_escape(x.label)}, so its contact figures are not known.")
        return contacts.site, f"Contact figures of the {site} site only."
    what = dimension.replace("_", " ")
    why = "the contact data has no site column" if dimension == "site" else \
        f"contact data is not broken down by {what}"
    return "whole centre", (f"**Whole centre:** the contact figures below are the whole contact centre's, not "
                            f"{md_escape(group)}'s own ({why}).")


# --------------------------------------------------------------------------- problems


#: How many incident IDs a problem row lists before "and N more".
PROBLEM_IDS_SHOWN = 6
_SHARED = {"configuration_item": "Configuration item", "subcategory": "Subcategory"}


def _problem_rule(x: _Ctx) -> str:
    """The candidate rule in plain words, with the thresholds the metrics used."""
    r = x.m.problem_rules
    n, w, rep = int(r.get("min_count", 3)), int(r.get("window_days", 7)), int(r.get("repeat_days", 7))
    repeat = f", or a new one within {c.plural(rep, 'day')} of the last fix" if rep else ""
    return (f"Incidents on one service that share a configuration item, a subcategory or a near-identical "
            f"title are a problem candidate when they recur far more often than their own rate over the last "
            f"12 months predicts: at least {n} within {c.plural(w, 'day')}{repeat}. A candidate may include "
            f"incidents opened up to {c.plural(w, 'day')} before {x.month_word if x.m.period.month else 'the period'}.")


def _problem_rows(x: _Ctx, cands: list) -> list[list[str]]:
    rep = int(x.m.problem_rules.get("repeat_days", 7))
    rows = []
    for cand in cands:
        if cand.signature_kind == "title":
            shared = f"Title like “{md_escape(_short(cand.signature, 60))}”"
        else:
            shared = f"{_SHARED.get(cand.signature_kind, 'Signature')} {md_escape(_short(cand.signature, 60))}"
        span = c.fmt_duration(cand.span_hours)
        over = (f"each within {c.plural(rep, 'day')} of the last fix, over {span}" if cand.reason == "repeat"
                else f"within {span}")
        ids = [md_escape(str(i)) for i in cand.incident_ids]
        shown = ", ".join(ids[:PROBLEM_IDS_SHOWN]) + (
            f" and {len(ids) - PROBLEM_IDS_SHOWN} more" if len(ids) > PROBLEM_IDS_SHOWN else "")
        rows.append([md_escape(str(cand.service or DASH)), shared, c.fmt_int(cand.count), over, shown])
    return rows


_PROBLEM_COLS = (("Service", False), ("Shared", False), ("Incidents", True), ("Over", False), ("Incident IDs", False))


def _problem_table(rows: list[list[str]], caption: str) -> Table:
    return Table([Column(name, numeric=num) for name, num in _PROBLEM_COLS], rows, caption=caption)


def _problems(x: _Ctx, appendix: str = "") -> Section:
    """The body's problem candidates (at most options.problems_in_body; `appendix` names the
    appendix holding the rest) and the known problems."""
    sec = Section("Problem candidates")
    cands = x.m.problem_candidates
    limit = max(x.options.problems_in_body, 0)
    if not cands:
        sec.add(Paragraph(f"No incidents recurred more often than their usual rate in {x.label}. "
                          + _problem_rule(x)))
    else:
        sec.add(Paragraph(_problem_rule(x)))
        body = cands[:limit]
        if body:
            table = _problem_table(_problem_rows(x, body), f"Problem candidates, {x.label}")
            if len(cands) > limit:
                table.more = f"and {len(cands) - limit} more in {appendix or 'the appendix'}"
            sec.add(table)
        else:
            sec.add(Paragraph(f"{c.plural(len(cands), 'candidate')} {'is' if len(cands) == 1 else 'are'} "
                              f"listed in {appendix or 'the appendix'}."))
    known = x.m.known_problems
    if known:
        cols = [Column("Problem record", nowrap=True), Column("Incidents", numeric=True), Column("Service"),
                Column("Category"), Column("Example title"), Column("Incident IDs")]
        rows = []
        for k in known:
            ids = [md_escape(str(i)) for i in k.incident_ids]
            shown = ", ".join(ids[:PROBLEM_IDS_SHOWN]) + (
                f" and {len(ids) - PROBLEM_IDS_SHOWN} more" if len(ids) > PROBLEM_IDS_SHOWN else "")
            rows.append([md_escape(str(k.problem_id)), c.fmt_int(k.count), md_escape(str(k.service or DASH)),
                         md_escape(str(k.category or DASH)), md_escape(_short(k.title, 60)) or DASH, shown])
        sec.add(Table.capped(cols, rows, limit=TABLE_LIMIT, noun="problem records",
                             caption="Known problems: incidents linked to an existing problem record",
                             notes=[f"Incidents opened in {x.label} that are already linked to a problem "
                                    "record; they are not counted as candidates."]))
    return sec


def _appendix_problems(x: _Ctx) -> Section | None:
    """The candidates after the first options.problems_in_body (None when all fit the body)."""
    rest = x.m.problem_candidates[max(x.options.problems_in_body, 0):]
    if not rest:
        return None
    return Section("Further problem candidates", appendix=True).add(
        Paragraph(_problem_rule(x)),
        _problem_table(_problem_rows(x, rest), f"Further problem candidates, {x.label}"),
    )


# --------------------------------------------------------------------------- recommendations

#: The most recommendations the section lists (the rest are counted).
MAX_RECOMMENDATIONS = 10


def _recommendations(x: _Ctx) -> Section:
    """Ranked actions, each from a finding that cites its figures, with an owner role and a
    review date. The rule behind each is named only in the appendix."""
    sec = Section("Recommendations")
    found = x.findings
    if not found:
        return sec.add(Paragraph(
            f"No action stands out from the figures of {x.label}: no target was missed, and no area's SLA "
            "misses, volume, time to resolve or backlog was far from its usual level."))
    sec.add(Paragraph("Most impact first. Each action comes with the figures behind it, the role that owns it "
                      "and the date to review progress."))
    shown = found[:MAX_RECOMMENDATIONS]
    rows = [[str(i), f.action, f.statement, f.owner, c.fmt_date(f.review_by, short=True)]
            for i, f in enumerate(shown, start=1)]
    more = len(found) - len(shown)
    notes = [f"{c.plural(more, 'further finding')} with less impact {'is' if more == 1 else 'are'} listed with "
             "the rules in the appendix."] if more else []
    sec.add(Table([Column("No.", numeric=True), Column("Action"), Column("Why"), Column("Owner"),
                   Column("Review by", nowrap=True)], rows,
                  caption=f"Recommendations, {x.label}", notes=notes))
    return sec


# --------------------------------------------------------------------------- appendices

#: What the appendix adds to the registry's definitions: how the report shows a missing figure.
NO_VALUE_TERMS = (
    ("“–” and “not in this export”", "“–” means there was nothing to measure (for example, no incidents "
                                     "resolved). “Not in this export” means the export has no such field."),
)

DQ_LABELS = (
    ("rows_read", "Rows read"),
    ("incidents", "Incidents after collapsing history and duplicates"),
    ("rows_rejected", "Rows rejected"),
    ("duplicates", "Duplicate rows (last kept)"),
    ("negative_durations", "Resolved before logged (excluded from durations)"),
    ("resolved_from_closed", "Resolution time taken from closure time"),
    ("resolved_from_history", "Resolution time taken from the state history"),
    ("resolved_from_status_category", "Resolution time taken from the status category change"),
    ("unknown_priority", "Unknown priority"),
    ("dst_adjusted", "Local times adjusted for a clock change"),
    ("unparsed_timestamps", "Unreadable timestamps"),
)


def _appendix_definitions(x: _Ctx) -> Section:
    defs = Section("Metric definitions").add(
        Table([Column("Term"), Column("Definition")], [[a, b] for a, b in (*glossary(), *NO_VALUE_TERMS)],
              caption="Metric definitions (every format uses the same figures)"),
    )
    rag = Section("Status (RAG) rule").add(Paragraph(c.RAG_RULE + " The symbol and word always accompany the colour."))
    return Section("Definitions and rules", appendix=True).add(defs, rag, _appendix_rules(x))


def _appendix_rules(x: _Ctx) -> Section:
    """The rules behind the findings, numbered without gaps, and which of this report's
    recommendations each produced."""
    made: dict[int, list[str]] = {}
    for i, f in enumerate(x.findings, start=1):
        made.setdefault(f.rule, []).append(str(i) if i <= MAX_RECOMMENDATIONS else f"({i})")
    rows = [[str(r.number), r.name, r.when, r.owner, ", ".join(made.get(r.number, [])) or DASH] for r in RULES]
    sec = Section("Rules behind the findings").add(
        Paragraph("The executive summary and the recommendations come from these rules, applied to the month's "
                  "figures, the previous month and the same area's own level over the previous 12 months. An "
                  "owner named in the recommendations for a particular area replaces the rule's usual owner."),
        Table([Column("Rule", numeric=True), Column("Finding"), Column("Fires when"), Column("Usual owner"),
               Column("Recommendations", nowrap=True)], rows, caption="Rules behind the findings",
              notes=["Recommendations in brackets have less impact than the ten listed."]
              if len(x.findings) > MAX_RECOMMENDATIONS else []),
    )
    extra = x.findings[MAX_RECOMMENDATIONS:]
    if extra:
        sec.add(Table([Column("No.", numeric=True), Column("Finding"), Column("Owner"), Column("Review by", nowrap=True)],
                      [[str(i), f.statement, f.owner, c.fmt_date(f.review_by, short=True)]
                       for i, f in enumerate(extra, start=MAX_RECOMMENDATIONS + 1)],
                      caption="Further findings, less impact"))
    return sec


def _appendix_quality(x: _Ctx) -> Section:
    sec = Section("Data quality", appendix=True)
    dq = x.m.data_quality
    sec.add(Paragraph("Counts are over the whole input, after history rows and duplicates are collapsed, "
                      "whatever each incident's status or period."))
    rows = [[label, c.fmt_int(getattr(dq, key))] for key, label in DQ_LABELS]
    sec.add(Table([Column("Check"), Column("Count", numeric=True)], rows, caption="Data-quality counts"))
    agreement = _sla_agreement(x)
    if agreement is not None:
        sec.add(agreement)
    issues = dq.issues
    if issues:
        irows = [[c.fmt_int(i.row) if i.row is not None else DASH, str(i.field or DASH),
                  str(i.problem or "")] for i in issues]
        sec.add(Table.capped([Column("Row", numeric=True), Column("Field"), Column("Problem")], irows,
                             limit=TABLE_LIMIT, noun="issues", caption="First data-quality issues"))
    else:
        sec.add(Paragraph("No individual issues were recorded."))
    return sec


# --------------------------------------------------------------------------- entry points


def _title(ms: MetricSet) -> str:
    """"Monthly incident report" for a calendar month, "Incident report" for any other period."""
    return "Monthly incident report" if ms.period.month else "Incident report"


def build_monthly(ms: MetricSet, branding: Branding | None = None,
                  options: MonthlyOptions | None = None) -> Document:
    """The monthly report Document from a typed metric set (docs/metrics.md)."""
    options = options or MonthlyOptions()
    branding = branding or Branding()
    x = _context(ms, options)
    # A period the export does not cover (--allow-empty): the callout, the trend (its gap) and
    # the appendices; no section that would word missing data as zeros.
    more = _appendix_problems(x) if ms.covered else None
    appendices = [_appendix_definitions(x), *([more] if more is not None else []), _appendix_quality(x)]
    # Appendices are lettered in order (Document numbering): name the one the body points to.
    more_in = f"Appendix {chr(ord('A') + appendices.index(more))}" if more is not None else ""
    blocks = [_executive_summary(x), _volume(x), *appendices] \
        if not ms.covered else [
        _executive_summary(x),
        _volume(x),
        _priorities(x),
        _breaches(x),
        _categories(x),
        _majors(x),
        *([_actions(x)] if options.register is not None else []),
        _backlog(x),
        _impact(x),
        _problems(x, more_in),
        _recommendations(x),
        *appendices,
    ]
    if options.provenance is not None:
        blocks.append(c.provenance_section(options.provenance))
    # A --from/--to period is not a month: its report is titled for its period (the cover and
    # the PDF title add the label: "Incident report, 1 July – 30 September 2026").
    title = _title(ms)
    subject = f"Incident management performance, {x.label}"
    if options.group is not None:
        dimension, group = options.group
        title = f"{title}: {group}"
        subject = f"Incident management performance, {dimension.replace('_', ' ')} {group}, {x.label}"
    return Document(
        kind="monthly",
        title=title,
        subtitle=branding.organisation,
        period_label=x.label,
        organisation=branding.organisation,
        author=branding.organisation,
        date=options.date or dt.date.today(),
        blocks=blocks,
        subject=subject,
        keywords=["incident management", "monthly report" if ms.period.month else "incident report", x.label],
        primary_colour=branding.primary_colour,
        logo=branding.logo,
    )


def email_summary(ms: MetricSet, branding: Branding | None = None,
                  options: MonthlyOptions | None = None) -> dict[str, Any]:
    """The headline figures for an email body, as the report's own key-figure tiles word them
    (delivery never formats or computes a number)."""
    options = options or MonthlyOptions()
    branding = branding or Branding()
    x = _context(ms, options)
    tiles = _key_figures(x).figures
    title = f"{branding.organisation}: {_title(ms).lower()}, {x.label}"
    if options.group is not None:
        dimension, group = options.group
        title += f" ({dimension.replace('_', ' ')}: {group})"
    return {
        "title": title,
        "period": x.label,
        # The findings the summary leads with, as plain text (the email escapes them).
        "points": [f.statement for f in headlines(x.findings, 3)],
        "figures": [
            {"label": t.label, "value": t.value, "change": t.change,
             "status": t.rag.value if t.rag is not None and hasattr(t.rag, "value") else (str(t.rag) if t.rag else "")}
            for t in tiles
        ],
    }
