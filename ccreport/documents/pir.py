"""The post-incident review (SPEC §5.2): one incident's facts and a reviewer's narrative -> a Document.

    build_pir(facts, narrative, branding, options) -> Document

Every figure comes from the facts the application layer gathered with
`ccreport.pir.facts.incident_facts` (which takes the SLA figures from `metrics.incident_sla`);
this module chooses what to show and words it; it loads, computes and writes nothing. Free text from the
narrative goes through `ccreport.pir.narrative` (Markdown, sanitised, then Document blocks); text
from the export (title, description, event text) is escaped. Without a narrative the review is
still produced from the data, and each section a reviewer has to write is marked "To complete"
(a todo Callout) with the questions the review meeting should answer.

Wording is blameless: sentences are about systems, stages and decisions, never people; the
timeline leaves out event authors.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import pandas as pd

from ..document import LifecycleChart, Marker, series
from ..document import (
    Block,
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
from ..pir.narrative import (
    Narrative,
    inline_markdown,
    markdown_blocks,
    plain_text,
    split_timeline,
    text_blocks,
)
from ..pir.facts import (
    ANY_UPDATE,
    COUNT_TOLERANCE,
    DURATION_FLOOR_HOURS,
    DURATION_TOLERANCE,
    PER_AUDIENCE,
    AudienceReview,
    FigureCheck,
    PirFacts,
    Stage,
    TimelineRow,
    merge_timeline,
    zone_label,
)
from . import common as c
from .branding import Branding
from .common import DASH, MINUS, NBSP, NOT_IN_EXPORT

TIMELINE_LIMIT = 120
GAP_LIMIT = 20

EVENT_WORDS = {
    "detected": "Detected", "logged": "Logged", "acknowledged": "Acknowledged",
    "prioritised": "Prioritised", "escalated": "Escalated", "update": "Update",
    "comms": "Communication", "workaround": "Workaround", "resolved": "Resolved",
    "closed": "Closed", "state": "State change",
}
ACTION_TYPE_WORDS = {"mitigate": "Mitigate", "prevent": "Prevent", "process": "Process", "other": "Other"}
ACTION_STATUS_WORDS = {"open": "Open", "in progress": "In progress", "done": "Done"}

@dataclass(frozen=True)
class PirOptions:
    """What the review needs besides the facts, the narrative and the branding.

    `date`: the publication date (default: today). `pause_states` and `sl_method` word the
    notes on the SLA clock and the contact-centre service level (from the config).
    `comms_rule` is the communication rule the facts were judged by ("per audience" or "any update").
    """

    date: dt.date | None = None
    pause_states: tuple[str, ...] = ()
    sl_method: str = "answered within threshold \u00f7 offered"
    comms_rule: str = PER_AUDIENCE
    #: What the facts were made from (ccreport.provenance.Provenance): the closing appendix.
    provenance: Any = None


# --------------------------------------------------------------------------- context


@dataclass
class _X:
    f: PirFacts
    n: Narrative | None
    options: PirOptions
    tz: str
    #: The narrative body's sections that belong to one of the review's own sections (impact,
    #: actions, problem record ...), by that section's key, and what is left of the body.
    parts: dict[str, list[Block]] = field(default_factory=dict)
    rest: list[Block] = field(default_factory=list)

    @functools.cached_property
    def hm(self) -> str:
        """Times of day as recorded: with seconds when any of the incident's times (or the
        narrative's timeline) has them, else to the minute; one format for the whole review."""
        stamps = [v for k, v in self.r.items() if k.endswith("_at") and isinstance(v, pd.Timestamp)]
        stamps += [e.at for e in self.f.events] + [r.at for r in self.f.timeline]
        return "%H:%M:%S" if any(t.second or t.microsecond for t in stamps) else "%H:%M"

    @property
    def r(self) -> Mapping[str, Any]:
        return self.f.record

    @property
    def iid(self) -> str:
        return self.f.incident_id

    @property
    def prio(self) -> str:
        return self.f.sla.priority

    def has(self, field: str) -> bool:
        return field in self.f.fields

    def when(self, ts: pd.Timestamp | None) -> str:
        """"19 Aug 2026 09:08 BST" in the configured timezone, the zone always shown."""
        if ts is None:
            return DASH
        local = ts.tz_convert(self.tz)
        return f"{local.day} {local:%b %Y} {local.strftime(self.hm)}{NBSP}{zone_label(ts, self.tz)}"

    def on(self, ts: pd.Timestamp | None) -> str:
        """"on 19 Aug 2026 at 09:08 BST", for sentences."""
        if ts is None:
            return "at an unrecorded time"
        local = ts.tz_convert(self.tz)
        return f"on {local.day} {local:%b %Y} at {local.strftime(self.hm)}{NBSP}{zone_label(ts, self.tz)}"

    def at(self, ts: pd.Timestamp | None) -> str:
        """"at 09:08 BST", or "on 20 Aug at 09:08 BST" when not the day of logging."""
        if ts is None:
            return "at an unrecorded time"
        local = ts.tz_convert(self.tz)
        opened = self.r.get("opened_at")
        if opened is not None and opened.tz_convert(self.tz).date() == local.date():
            return f"at {local.strftime(self.hm)}{NBSP}{zone_label(ts, self.tz)}"
        return f"on {local.day} {local:%b} at {local.strftime(self.hm)}{NBSP}{zone_label(ts, self.tz)}"

    def short(self, ts: pd.Timestamp | None) -> str:
        """"19 Aug 09:08 BST": the year only when it differs from the year of logging."""
        if ts is None:
            return DASH
        local = ts.tz_convert(self.tz)
        opened = self.r.get("opened_at")
        year = "" if opened is not None and opened.tz_convert(self.tz).year == local.year else f" {local.year}"
        return f"{local.day} {local:%b}{year} {local.strftime(self.hm)}{NBSP}{zone_label(ts, self.tz)}"

    def clock(self, ts: pd.Timestamp | None) -> str:
        """"09:08 BST" (with the date when it is not the day the incident was logged)."""
        if ts is None:
            return DASH
        local = ts.tz_convert(self.tz)
        opened = self.r.get("opened_at")
        same_day = opened is not None and opened.tz_convert(self.tz).date() == local.date()
        day = "" if same_day else f"{local.day} {local:%b} "
        return f"{day}{local.strftime(self.hm)}{NBSP}{zone_label(ts, self.tz)}"

    def value(self, field: str, kind: str = "text") -> str:
        v = self.r.get(field)
        if v is None:
            return NOT_IN_EXPORT if not self.has(field) else DASH
        if kind == "int":
            return c.fmt_int(v)
        if kind == "bool":
            return "Yes" if v else "No"
        return str(v)


def _words(hours: float) -> str:
    """A positive duration in words, to the whole minute: "4 min", "8 h 30 min", "3 days 2 h";
    "under 1 min" for less than a minute."""
    minutes = round(hours * 60)
    if minutes < 1:
        return f"under 1{NBSP}min"
    if minutes < 60:
        return f"{minutes}{NBSP}min"
    if minutes < 48 * 60:
        h, m = divmod(minutes, 60)
        return f"{h}{NBSP}h" + (f" {m}{NBSP}min" if m else "")
    d, h = divmod(round(hours), 24)
    return f"{d:,}{NBSP}days" + (f" {h}{NBSP}h" if h else "")


def _dur(hours: float | None) -> str:
    """A duration in words, to the whole minute, signed with a real minus when negative (a stage
    recorded before the last). One precision for every table of the review."""
    if hours is None:
        return DASH
    if abs(hours) < 1 / 7200:  # under half a second: none
        return f"0{NBSP}min"
    if hours < 0:
        return MINUS + _words(-hours)
    return _words(hours)


def _cal(name: str) -> str:
    """A calendar's name as readers write it: "24×7" for the round-the-clock calendar."""
    return "24\u00d77" if name.lower() in ("24x7", "24/7", "24\u00d77") else name


def _target(hours: float | None) -> str:
    return c.fmt_target(hours, "hours") if hours is not None else DASH


def _met_word(met: bool | None) -> tuple[str, Rag | None]:
    if met is None:
        return DASH, None
    return ("Met", Rag.GREEN) if met else ("Missed", Rag.RED)


def _todo(text: str, title: str = "") -> Callout:
    return Callout("todo", text, title=title)


def _bullets(items: Iterable[str]) -> Paragraph | None:
    lines = [inline_markdown(t) for t in items]
    lines = [f"- {t}" for t in lines if t]
    return Paragraph("\n".join(lines)) if lines else None


def _plural_be(n: int) -> str:
    return "was" if n == 1 else "were"


# --------------------------------------------------------------------------- summary


def _status_owner(x: _X) -> tuple[str, str]:
    if x.n is None:
        return "Draft", "To complete"
    owner = plain_text(x.n.owner) if x.n.owner else ""
    return x.n.status, owner or "To complete"


def _sla_sentence(x: _X) -> str:
    s = x.f.sla
    if x.r.get("resolved_at") is None:
        return "The incident is not resolved yet, so it has no resolution SLA result."
    text = f"Service was restored {x.on(x.r['resolved_at'])}, {_dur(s.ttr_hours)} after logging"
    if s.resolution_sla_met is None:
        return text + f"; no resolution target is set for {x.prio}."
    verb = "within" if s.resolution_sla_met else "outside"
    text += f", {verb} the {_target(s.resolve_target_hours)} {x.prio} resolution target"
    if s.resolve_clock_hours is not None and s.ttr_hours is not None and abs(s.resolve_clock_hours - s.ttr_hours) > 1e-6:
        text += f" (SLA clock {_dur(s.resolve_clock_hours)}"
        if s.pause_hours:
            text += f" after {_dur(s.pause_hours)} on hold"
        if s.calendar != "24x7":
            text += f", on the {_cal(s.calendar)} calendar"
        text += ")"
    elif not s.resolution_sla_met and s.resolve_target_hours is not None and s.resolve_clock_hours is not None:
        text += f" by {_dur(s.resolve_clock_hours - s.resolve_target_hours)}"
    return text + "."


def _fact_sentences(x: _X) -> list[str]:
    r, f = x.r, x.f
    out = []
    kind = f"{x.prio}, major incident" if r.get("major") else x.prio
    title = f": {md_escape(str(r['title']))}" if r.get("title") else ""
    s = f"{md_escape(x.iid)} ({kind}){title}. It was logged {x.on(r.get('opened_at'))}"
    detected = next((st for st in f.stages if st.key == "identification"), None)
    if detected and detected.at is not None and detected.since_logged_hours is not None and detected.since_logged_hours < 0:
        s += f", {_dur(-detected.since_logged_hours)} after it was detected"
    out.append(s + ".")
    out.append(_sla_sentence(x))
    cust, cont = r.get("customers_affected"), r.get("contacts_affected")
    if cust is not None or cont is not None:
        bits = []
        if cust is not None:
            bits.append(c.plural(cust, "customer"))
        if cont is not None:
            bits.append(c.plural(cont, "contact"))
        out.append(f"The incident record reports {c.join_words(bits)} affected.")
    cm = f.comms
    if cm.updates_total and cm.cadence_hours is not None and cm.met is not None:
        cad = _target(cm.cadence_hours)
        if cm.met:
            out.append(f"Updates kept the {cad} {x.prio} cadence ({cm.rule}).")
        else:
            worst = max((g for rv in cm.reviews for g in rv.gaps_over), key=lambda g: g.hours)
            who = "" if worst.audience == "any" else f"{worst.audience} "
            out.append(f"Updates did not keep the {cad} {x.prio} cadence ({cm.rule}): the longest "
                       f"{who}gap was {_dur(worst.hours)}.")
    if f.actions:
        open_n = sum(1 for a in f.actions if not a.action.done)
        overdue = sum(1 for a in f.actions if a.overdue)
        s = f"The review agreed {c.plural(len(f.actions), 'action')}; {open_n} {'is' if open_n == 1 else 'are'} still open"
        if overdue:
            s += f", {overdue} overdue"
        out.append(s + ".")
    if f.regulatory:
        missed = [g for g in f.regulatory if g.status == "missed"]
        if missed:
            out.append(f"{c.plural(len(missed), 'regulatory notification')} missed {'its' if len(missed) == 1 else 'their'} deadline.")
    return out


def _summary(x: _X) -> Section:
    s = x.f.sla
    status, owner = _status_owner(x)
    res_word, res_rag = _met_word(s.resolution_sla_met)
    resp_word, resp_rag = _met_word(s.response_sla_met)
    if s.resolution_sla_met is None and x.r.get("resolved_at") is None:
        res_word = "Open"
    figures = [
        KeyFigure("Duration (logging to resolution)",
                  _dur(s.ttr_hours) if x.r.get("resolved_at") is not None else "Not resolved",
                  note="calendar time"),
        KeyFigure("Customers affected", x.value("customers_affected", "int"), note="as reported in the incident record"),
        KeyFigure("Contacts affected", x.value("contacts_affected", "int"), note="as reported in the incident record"),
        KeyFigure("Resolution SLA", res_word, rag=res_rag,
                  note=f"target {_target(s.resolve_target_hours)}" if s.resolve_target_hours is not None else "no target"),
        KeyFigure("Response SLA", resp_word if x.has("acknowledged_at") else NOT_IN_EXPORT, rag=resp_rag,
                  note=f"target {_target(s.respond_target_hours)}" if s.respond_target_hours is not None else "no target"),
        KeyFigure("Review status", status, note=f"owner: {owner}"),
    ]
    if s.resolve_target_hours is None and s.respond_target_hours is None:
        caption = f"No SLA targets are set for priority {x.prio}."
    else:
        caption = (f"SLA results on the {x.prio} targets and calendar, less time on hold; "
                   f"{Rag.GREEN.symbol} met, {Rag.RED.symbol} missed.")
    sec = Section("Summary").add(
        KeyFigures(figures, caption=caption),
        Paragraph(f"**Review status:** {md_escape(status)}. **Review owner:** {md_escape(owner)}."),
        Paragraph("\n".join(f"- {t}" for t in _fact_sentences(x))),
    )
    if x.n is not None and (x.n.summary or x.parts.get("summary")):
        sec.add(Section("What happened, in brief").add(
            *(text_blocks(x.n.summary) if x.n.summary else []), *x.parts.get("summary", [])))
    else:
        sec.add(_todo("Write the summary in three to five sentences a director can read aloud: what "
                      "happened, who was affected and for how long, how service was restored, and the "
                      "main cause. Describe systems and decisions, not people.", "To complete: summary"))
    return sec


# --------------------------------------------------------------------------- details


def _details(x: _X) -> Section:
    r = x.r
    rows: list[list[str]] = [["Incident", x.iid]]

    def add(label: str, field: str, kind: str = "text") -> None:
        if x.has(field):
            rows.append([label, x.value(field, kind)])

    add("Title", "title")
    prio = x.prio
    if x.has("impact") or x.has("urgency"):
        prio += f" (impact {x.value('impact')}, urgency {x.value('urgency')})"
    rows.append(["Priority", prio])
    add("Major incident", "major", "bool")
    add("Status", "status")
    if x.has("category"):
        cat = x.value("category")
        if r.get("subcategory"):
            cat += f" / {r['subcategory']}"
        rows.append(["Category", cat])
    add("Service", "service")
    add("Channel", "channel")
    add("Site", "site")
    add("Assignment group", "assignment_group")
    add("Escalation level", "escalation_level", "int")
    add("Reassignments", "reassignment_count", "int")
    add("Times reopened", "reopen_count", "int")
    add("Problem record", "problem_id")
    rows.append(["SLA calendar", _cal(x.f.sla.calendar)])
    half = (len(rows) + 1) // 2
    left, right = rows[:half], rows[half:] + [["", ""]] * (2 * half - len(rows))
    paired = [a + b for a, b in zip(left, right)]
    sec = Section("Incident details").add(
        Table([Column("Field"), Column("Value"), Column("Field"), Column("Value")], paired,
              caption=f"Incident record {x.iid}",
              notes=["From the incident export. “–” means the record has no value; "
                     "“not in this export” means the export has no such field."]),
    )
    if r.get("description"):
        sec.add(Paragraph(f"**Description in the record:** {md_escape(' '.join(str(r['description']).split()))}"))
    if r.get("resolution_notes"):
        sec.add(Paragraph(f"**Resolution notes in the record:** {md_escape(' '.join(str(r['resolution_notes']).split()))}"))
    return sec


# --------------------------------------------------------------------------- impact


def _sla_row(x: _X, label: str, met: bool | None, clock: float | None, target: float | None,
             elapsed: float | None, pause: float | None, have: bool) -> tuple[list[str], list[Rag | None]]:
    s = x.f.sla
    if not have:
        return [label, NOT_IN_EXPORT, ""], [None, None, None]
    if target is None:
        return [label, "No target", f"no target is set for {x.prio}"], [None, None, None]
    if met is None:
        return [label, "No result yet", f"target {_target(target)}"], [None, None, None]
    word, rag = _met_word(met)
    if met:
        verdict = f"Met: within the {_target(target)} target"
    elif clock is not None:
        verdict = f"Missed: {_dur(clock - target)} over the {_target(target)} target"
    else:
        verdict = f"Missed the {_target(target)} target"
    basis = f"{verdict}; SLA clock on the {_cal(s.calendar)} calendar"
    if pause:
        basis += f", less {_dur(pause)} on hold"
    if elapsed is not None and clock is not None and abs(elapsed - clock) > 1e-6:
        basis += f" (elapsed {_dur(elapsed)})"
    return [label, _dur(clock), basis], [None, rag, None]


def _impact(x: _X) -> Section:
    s, r, f = x.f.sla, x.r, x.f
    rows: list[list[str]] = []
    rags: list[list[Rag | None]] = []

    def add(cells: list[str], rag: list[Rag | None] | None = None) -> None:
        rows.append(cells)
        rags.append(rag or [None, None, None])

    resolved = r.get("resolved_at")
    add(["Duration", _dur(s.ttr_hours) if resolved is not None else "Not resolved",
         f"logging ({x.clock(r.get('opened_at'))}) to resolution ({x.clock(resolved)})"
         if resolved is not None else f"logged {x.on(r.get('opened_at'))}"])
    ident = next(st for st in f.stages if st.key == "identification")
    if ident.at is not None and resolved is not None:
        add(["Detection to resolution", _dur(f.detected_to_resolved_hours),
             f"detected {x.at(ident.at)}; customers may have been affected before detection"])
    add(["Customers affected", x.value("customers_affected", "int"),
         "as reported in the incident record: customers whose service was affected"])
    measured = f.contact_impact is not None
    add(["Contacts affected", x.value("contacts_affected", "int"),
         "as reported in the incident record: contacts it attributes to the incident"
         + ("; the contacts offered below are measured from the contact-centre intervals" if measured else "")])
    cells, rag = _sla_row(x, "Response SLA", s.response_sla_met, s.respond_clock_hours, s.respond_target_hours,
                          s.tta_hours, s.response_pause_hours, x.has("acknowledged_at"))
    add(cells, rag)
    cells, rag = _sla_row(x, "Resolution SLA", s.resolution_sla_met, s.resolve_clock_hours, s.resolve_target_hours,
                          s.ttr_hours, s.pause_hours, True)
    add(cells, rag)
    if f.pauses_known and f.pauses:
        add(["Time on hold", _dur(s.pause_hours or 0.0),
             f"SLA clock stopped during {c.plural(len(f.pauses), 'on-hold period')} (see the timeline)"])
    elif f.pauses_known:
        add(["Time on hold", _dur(0.0), "the incident was never on hold"])
    else:
        add(["Time on hold", "not known", "this input has no state history, so nothing is subtracted"])
    sec = Section("Impact assessment").add(
        Table([Column("Measure"), Column("Value", numeric=True), Column("Basis")], rows, rag=rags,
              caption=f"Impact and SLA result, {x.iid}",
              notes=[f"SLA results use the {x.prio} targets, on the priority's calendar, "
                     "less time in pause states: the same figures as the monthly report."]),
    )
    sec.add(_contact_impact(x))
    sec.add(*_figure_checks(x))
    sec.add(*x.parts.get("impact", []))
    return sec


FIGURE_WORDS = {
    "customers_affected": "Customers affected",
    "contacts_offered": "Contacts offered",
    "contacts_abandoned": "Contacts abandoned or failed",
    "duration_hours": "Duration",
}
MEASURED_FROM = {
    "incident record": "incident record, as reported",
    "contact data": "contact-centre intervals during the incident, as measured",
    "incident times": "logging to resolution, as recorded",
}
MEASURED_IN = {
    "incident record": "in the incident record (as reported)",
    "contact data": "measured from the contact-centre intervals during the incident",
    "incident times": "from the recorded times of logging and resolution",
}
STATED_IN = {"front matter": "review narrative, impact figures", "summary": "review narrative, summary",
             "body": "review narrative, text"}


def _figure(kind: str, value: float | None) -> str:
    if value is None:
        return DASH
    return _dur(value) if kind == "duration_hours" else c.fmt_int(round(value))


def _figure_checks(x: _X) -> list[Block]:
    """The narrative's impact figures beside the measured ones, with their sources."""
    checks: list[FigureCheck] = x.f.figure_checks
    if not checks:
        return []
    rows, rags = [], []
    for ch in checks:
        if ch.differs is None:
            result, rag = "Not measured for this review", None
        elif ch.differs:
            result, rag = f"Differs by {_figure(ch.kind, abs(ch.stated - (ch.measured or 0)))}", Rag.AMBER
        else:
            result, rag = "Agrees", Rag.GREEN
        rows.append([FIGURE_WORDS[ch.kind], f"{_figure(ch.kind, ch.stated)} ({STATED_IN[ch.where]})",
                     _figure(ch.kind, ch.measured) + (f" ({MEASURED_FROM[ch.source]})" if ch.source else ""), result])
        rags.append([None, None, None, rag])
    out: list[Block] = []
    differ = [ch for ch in checks if ch.differs]
    if differ:
        lines = []
        for ch in differ:
            said = f"“{md_escape(ch.quote)}”" if ch.quote else md_escape(_figure(ch.kind, ch.stated))
            lines.append(f"- {FIGURE_WORDS[ch.kind]}: {said} in the narrative, against "
                         f"{md_escape(_figure(ch.kind, ch.measured))} {MEASURED_IN[ch.source or '']}.")
        out.append(Callout("warning", "\n".join(lines) + "\n\nBoth figures are shown. They may count different "
                           "things (customers are not contacts, and a caller may try several times); the review "
                           "should say which figure it stands by.", title="Figures that differ"))
    out.append(Table(
        [Column("Figure"), Column("Stated"), Column("Measured"), Column("Result", nowrap=True)], rows, rag=rags,
        caption="Impact figures in the review narrative against the measured figures",
        notes=[f"A count agrees when it is within {COUNT_TOLERANCE * 100:g}{NBSP}% of the measured figure, a "
               f"duration when within {DURATION_TOLERANCE * 100:g}{NBSP}% or {_dur(DURATION_FLOOR_HOURS)} of it."],
    ))
    return out


def _contact_impact(x: _X) -> Block:
    f = x.f
    if f.contact_impact is None:
        if f.contact_note:
            return Paragraph(f"Contact-centre figures are not shown: {f.contact_note}.")
        return Paragraph("Contact-centre service level, abandonment and handle time during the incident are "
                         "not shown: no contact-centre interval data was given for this review.")
    d, b = f.contact_impact.get("during") or {}, f.contact_impact.get("baseline") or {}
    weeks = f.contact_impact.get("baseline_weeks") or 0
    rows = [
        ["Contacts offered", c.fmt_int(d.get("offered")), c.fmt_int(b.get("offered")),
         c.fmt_change(d.get("offered"), b.get("offered"), "int")],
        ["Service level", c.fmt_pct(d.get("service_level_pct")), c.fmt_pct(b.get("service_level_pct")),
         c.fmt_change(d.get("service_level_pct"), b.get("service_level_pct"), "pct")],
        ["Abandonment", c.fmt_pct(d.get("abandonment_pct")), c.fmt_pct(b.get("abandonment_pct")),
         c.fmt_change(d.get("abandonment_pct"), b.get("abandonment_pct"), "pct")],
        ["Average handle time", c.fmt_seconds(d.get("aht_seconds")), c.fmt_seconds(b.get("aht_seconds")),
         _seconds_change(d.get("aht_seconds"), b.get("aht_seconds"))],
    ]
    start, end = f.contact_window or (None, None)
    return Table(
        [Column("Measure"), Column("During", numeric=True), Column("Baseline", numeric=True), Column("Change", numeric=True)],
        rows, caption="Contact-centre service during the incident against its baseline",
        notes=[f"As measured from the contact-centre interval data: contacts offered to the queues, answered "
               f"and abandoned. During: the intervals overlapping {x.when(start)} to {x.clock(end)}, all channels. "
               f"Baseline: the same weekday and times in the previous {c.plural(weeks, 'week')} with data "
               "(offered is the average per week). Service level = "
               f"{x.options.sl_method}; change in percentage points (pp)."],
    )


def _seconds_change(now: Any, base: Any) -> str:
    if now is None or base is None:
        return DASH
    diff = round(now - base)
    text = c.fmt_seconds(abs(diff))
    return ("+" if diff > 0 else MINUS if diff < 0 else "") + text


# --------------------------------------------------------------------------- lifecycle


def _stage_result(x: _X, st: Stage) -> tuple[str, str, Rag | None]:
    """(target, result, rag) for the acknowledgement and resolution rows."""
    s = x.f.sla
    if st.key == "acknowledgement" and s.respond_target_hours is not None:
        word, rag = _met_word(s.response_sla_met)
        if s.response_sla_met is not None and s.tta_hours is not None and s.respond_clock_hours is not None \
                and abs(s.tta_hours - s.respond_clock_hours) > 1e-6:
            word += f" (clock {_dur(s.respond_clock_hours)})"
        return f"respond {_target(s.respond_target_hours)}", word, rag
    if st.key == "resolution" and s.resolve_target_hours is not None:
        word, rag = _met_word(s.resolution_sla_met)
        if s.resolution_sla_met is not None and s.ttr_hours is not None and s.resolve_clock_hours is not None \
                and abs(s.ttr_hours - s.resolve_clock_hours) > 1e-6:
            word += f" (clock {_dur(s.resolve_clock_hours)})"
        return f"resolve {_target(s.resolve_target_hours)}", word, rag
    return "", "", None


def _lifecycle(x: _X) -> Section:
    f, s = x.f, x.f.sla
    cols = [Column("Stage"), Column(f"Reached ({x.tz})", nowrap=True), Column("Took", numeric=True),
            Column("Since logged", numeric=True), Column("SLA target", nowrap=True), Column("Result", nowrap=True)]
    rows, rags = [], []
    from_timeline = False
    for st in f.stages:
        target, result, rag = _stage_result(x, st)
        when = "not recorded" if st.at is None else x.when(st.at)
        if st.source == "timeline":
            when += NBSP + "\u2020"
            from_timeline = True
        rows.append([st.name, when, _dur(st.took_hours),
                     _dur(st.since_logged_hours), target, result])
        rags.append([None] * 5 + [rag])
    notes = ["Stages: identification = detected, logging = opened, then acknowledged, prioritised, escalated, "
             "resolved and closed. Took: the time from the previous stage that has a time. Since logged: from "
             "logging, where the SLA clocks start (a minus sign means before logging)."]
    if from_timeline:
        notes.append("\u2020 From the timeline events: the incident record has no such field.")
    if s.pause_hours:
        notes.append(f"The SLA clocks stop while the incident is on hold ({_dur(s.pause_hours)} before resolution), "
                     "so the result compares the clock, not the elapsed time, with the target.")
    sec = Section("Lifecycle timings").add(
        Table(cols, rows, rag=rags, caption=f"Lifecycle stages of {x.iid}", notes=notes),
    )
    fig = _lifecycle_figure(x)
    if fig is not None:
        sec.add(fig)
    missing = [st.name.lower() for st in f.stages if st.at is None]
    if missing:
        sec.add(Paragraph(f"Not recorded: {c.join_words(missing)}. Record these times in the incident record or "
                          "its timeline of events to complete the table."))
    return sec


def _lifecycle_figure(x: _X) -> Figure | None:
    f, s = x.f, x.f.sla
    stages = f.stages
    if not any(st.since_logged_hours is not None for st in stages):
        return None
    starts: list[float | None] = []
    ends: list[float | None] = []
    labels: list[str] = []
    prev_end: float | None = None
    for st in stages:
        end = st.since_logged_hours
        ends.append(end)
        starts.append(prev_end if (end is not None and prev_end is not None) else end)
        if end is None:
            labels.append("not recorded")
        elif st.took_hours is None:
            labels.append(f"{_dur(-end)} before logging" if end < 0 else "")
        else:
            labels.append(_dur(st.took_hours))
        if end is not None:
            prev_end = end
    opened = x.r.get("opened_at")
    markers = []
    marker_at: list[float] = []
    for label, deadline, target in (("Response target", s.respond_deadline, s.respond_target_hours),
                                    ("Resolution target", s.resolve_deadline, s.resolve_target_hours)):
        if deadline is not None and opened is not None and target is not None:
            at = (deadline - opened) / pd.Timedelta(hours=1)
            markers.append(Marker(at, f"{label} {_target(target)}"))
            marker_at.append(at)
    # The axis ends a little after resolution (or the last target); closure days later runs off it.
    core = [e for st, e in zip(stages, ends) if e is not None and st.key != "closure"] + marker_at
    x_max = None
    if core:
        top = max(core) * 1.12 or 1.0
        closure = ends[-1]
        if closure is None or closure <= top * 1.25:
            top = max(top, (closure or 0) * 1.08)
        else:
            x_max = top
    overlays = []
    for p in f.pauses:
        if p.end is None or opened is None:
            continue
        a = (p.start - opened) / pd.Timedelta(hours=1)
        b = (p.end - opened) / pd.Timedelta(hours=1)
        row = next((i for i, st in enumerate(stages) if st.key == "resolution"), len(stages) - 2)
        for i, (s0, e0) in enumerate(zip(starts, ends)):
            if s0 is not None and e0 is not None and s0 <= a < e0:
                row = i
                break
        overlays.append((row, a, b, "on hold"))
    if s.ttr_hours is None:
        title = f"{x.iid} is not resolved yet"
    elif s.resolution_sla_met is None:
        title = f"Resolved {_dur(s.ttr_hours)} after logging"
    else:
        title = f"Resolved {_dur(s.ttr_hours)} after logging"
        if s.resolve_clock_hours is not None and abs(s.resolve_clock_hours - s.ttr_hours) > 1e-6:
            title += f"; SLA clock {_dur(s.resolve_clock_hours)}"
        side = "within" if s.resolution_sla_met else "beyond"
        title += f", {side} the {_target(s.resolve_target_hours)} {x.prio} target"
    names = [st.name for st in stages]
    chart = LifecycleChart(
        "lifecycle", title, tuple(names), (series("Start", starts), series("End", ends)),
        unit="hours", subtitle="Time since the incident was logged; each bar is the time a stage took",
        height_in=0.95 + 0.3 * len(names), bar_labels=tuple(labels), markers=tuple(markers),
        overlays=tuple(overlays), x_max=x_max,
    )
    parts = [f"{n}: {'not recorded' if e is None else _dur(e) + ' since logging'}" for n, e in zip(names, ends)]
    alt = "Timeline chart of the incident's lifecycle stages. " + "; ".join(parts) + "."
    if markers:
        alt += " " + "; ".join(f"{m.label} falls {_dur(m.at)} after logging" for m in markers) + "."
    caption = "Lifecycle stages against the SLA targets (dashed lines: when each SLA clock reached its target)."
    if f.pauses:
        caption += " Hatched: on hold."
    if x_max is not None:
        caption += " Closure came later, off the right edge (arrow)."
    return Figure("fig-lifecycle", chart, caption=caption, alt=alt)


# --------------------------------------------------------------------------- timeline


def _event_details(x: _X, e) -> str:
    text = " ".join(e.text.split())
    if e.type == "state":
        text = f"State: {text}" if text else "State changed"
        if e.pause == "start":
            text += " (on hold: SLA clock stops)"
        elif e.pause == "continue":
            text += " (still on hold)"
        elif e.pause == "end":
            text += " (SLA clock restarts)"
    return text or DASH


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?" else text + "."


def _row_details(x: _X, row: TimelineRow) -> str:
    """The narrative's words for the moment, else the events' own; the SLA-clock notes of its
    state changes either way."""
    if row.narrative:
        parts = [_sentence(t) for t in row.texts]
    else:
        parts = [_sentence(_event_details(x, e)) if len(row.events) > 1 else _event_details(x, e) for e in row.events]
    if row.narrative:
        for e in row.events:
            if e.type == "state" and e.pause:
                parts.append(_sentence(_event_details(x, e)))
    return " ".join(p for p in parts if p and p != DASH) or DASH


def _row_kinds(row: TimelineRow) -> str:
    if not row.events:
        return "Narrative"
    words: list[str] = []
    for e in row.events:
        w = EVENT_WORDS.get(e.type, e.type.title())
        if w not in words:
            words.append(w)
    return ", ".join([words[0]] + [w.lower() for w in words[1:]])


def _timeline(x: _X) -> Section:
    f = x.f
    sec = Section("Detailed timeline")
    rows_in: list[TimelineRow] = f.timeline or merge_timeline(f.events, [], x.r.get("opened_at"), x.tz)
    if not rows_in:
        return sec.add(_todo(
            f"No timeline events were found for {md_escape(x.iid)}. Add the incident's history from the ITSM "
            "tool (each event's time, kind and text: detected, logged, acknowledged, prioritised, escalated, "
            "updates, workaround, resolved, closed), or write the timeline into the review narrative as a table "
            "with a Time column.", "To complete: timeline"))
    opened = x.r.get("opened_at")
    rows, rags = [], []
    for row in rows_in:
        since = None if opened is None else (row.at - opened) / pd.Timedelta(hours=1)
        audiences: list[str] = []
        for e in row.events:
            if e.type in ("update", "comms") and e.audience and e.audience.capitalize() not in audiences:
                audiences.append(e.audience.capitalize())
        rows.append([x.short(row.at), _dur(since), _row_kinds(row), _row_details(x, row), ", ".join(audiences)])
        rags.append([None] * 5)
    states = sum(1 for e in f.events if e.type == "state")
    told = sum(1 for r in rows_in if r.narrative)
    only_told = sum(1 for r in rows_in if not r.recorded)
    intro = (f"{c.plural(len(rows_in), 'moment')} in time order, from {c.plural(len(f.events), 'recorded event')}"
             + (f" (including {c.plural(states, 'state change')} from the incident's history)" if states else "")
             + (f" and the review narrative's timeline" if told else "")
             + f". Times are in {x.tz} with the zone shown"
             + (f", in {opened.tz_convert(x.tz).year} unless a year is given" if opened is not None else "")
             + ("; times are shown as recorded, to the second" if x.hm.endswith("%S") else "")
             + ".")
    sec.add(Paragraph(intro))
    notes = []
    if told:
        notes.append("Where the review narrative describes a recorded moment (within a minute of it), the "
                     "narrative's words are shown at the recorded time"
                     + (f"; rows marked Narrative ({only_told}) come from the narrative alone, at the time it gives"
                        if only_told else "") + ".")
    notes.append("Events recorded less than a minute apart are one moment. Event authors are left out: the review "
                 "is about systems and decisions, not people.")
    sec.add(Table.capped(
        [Column("Time", nowrap=True), Column("Since logged", numeric=True), Column("Event"), Column("Details"),
         Column("Audience")],
        rows, limit=TIMELINE_LIMIT, noun="moments", caption=f"Timeline of {x.iid}", notes=notes,
    ))
    sec.add(*x.parts.get("timeline", []))
    if f.pauses:
        prow = []
        for p in f.pauses:
            prow.append([x.short(p.start), x.short(p.end) if p.end is not None else "still on hold",
                         _dur(p.hours), p.state or DASH])
        total = f.sla.pause_hours
        sec.add(Table(
            [Column("On hold from", nowrap=True), Column("Until", nowrap=True), Column("Elapsed", numeric=True),
             Column("State")],
            prow, caption=f"On-hold periods of {x.iid}",
            notes=[f"The SLA clock stops while the incident is in {c.join_words(list(x.options.pause_states) or ['a pause state'])}, "
                   "after the tool's own states are normalised (ServiceNow's “Awaiting …” states are On Hold). "
                   f"SLA clock time on hold before resolution: {_dur(total)}"
                   + (f" on the {_cal(f.sla.calendar)} calendar" if f.sla.calendar != "24x7" else "") + "."],
        ))
    elif f.pauses_known:
        sec.add(Paragraph("The incident was never on hold: the SLA clock ran throughout."))
    return sec


# --------------------------------------------------------------------------- narrative sections


#: Body headings that name one of the review's own sections (lower case, spaces collapsed):
#: their content is shown in that section, once, not repeated in "Review narrative".
SECTION_HEADINGS: dict[str, tuple[str, ...]] = {
    "summary": ("summary", "executive summary", "what happened, in brief"),
    "impact": ("impact", "customer impact", "business impact", "impact assessment"),
    "timeline": ("timeline", "detailed timeline"),
    "root_cause": ("root cause", "root cause analysis", "cause", "root cause and contributing factors"),
    "comms": ("communication", "communications", "communication review"),
    "actions": ("actions", "action items", "follow-up actions", "follow up actions", "agreed actions"),
    "lucky": ("where we got lucky", "near misses", "lucky"),
    "lessons": ("lessons", "lessons learned", "lessons learnt"),
    "problem": ("problem record", "problem", "problem management", "link to the problem record"),
    "regulatory": ("regulatory", "regulatory notifications"),
}
_HEADING_KEY = {h: k for k, hs in SECTION_HEADINGS.items() for h in hs}


def split_body(n: Narrative | None) -> tuple[dict[str, list[Block]], list[Block]]:
    """The narrative body's blocks: (content of the top-level sections named like one of the
    review's own sections, by key; everything else). The body's timeline table is taken out
    (it is merged into the detailed timeline)."""
    if n is None or not n.body.strip():
        return {}, []
    _, blocks = split_timeline(markdown_blocks(n.body))
    parts: dict[str, list[Block]] = {}
    rest: list[Block] = []
    for b in blocks:
        key = _HEADING_KEY.get(" ".join(b.title.split()).lower().rstrip(":")) if isinstance(b, Section) else None
        if key is not None:
            parts.setdefault(key, []).extend(b.children)
        else:
            rest.append(b)
    return parts, rest


def _body(x: _X) -> Section | None:
    if not x.rest:
        return None
    return Section("Review narrative").add(*x.rest)


#: Names readers use for the review's sections in cross-references ("the actions below").
_REF_NAMES = {
    "impact": "impact|impact assessment", "timeline": "timeline|detailed timeline",
    "root_cause": "root cause", "comms": "communication review", "actions": "actions|action items",
    "lucky": "near misses", "lessons": "lessons|lessons learned", "problem": "problem record",
    "regulatory": "regulatory notifications",
}
_REF = re.compile(r"\b(" + "|".join(f"(?P<{k}>{v})" for k, v in _REF_NAMES.items()) + r")(\s+)(above|below)\b",
                  re.IGNORECASE)


def fix_references(sections: list[Block], keys: list[str | None]) -> None:
    """Make "the actions above/below" point the way the named section really lies from the
    paragraph that says it (the narrative was written for another order)."""
    where = {k: i for i, k in enumerate(keys) if k}

    def fix(text: str, here: int) -> str:
        def one(m: re.Match) -> str:
            key = next(k for k in _REF_NAMES if m.group(k))
            there = where.get(key)
            if there is None or there == here:
                return m.group(0)
            word = "above" if there < here else "below"
            if m.group(m.lastindex).isupper():
                word = word.upper()
            elif m.group(m.lastindex)[0].isupper():
                word = word.capitalize()
            return m.group(1) + m.group(m.lastindex - 1) + word
        return _REF.sub(one, text)

    def walk(blocks: list[Block], here: int) -> None:
        for b in blocks:
            if isinstance(b, Paragraph):
                b.text = fix(b.text, here)
            elif isinstance(b, Callout):
                b.text = fix(b.text, here)
            elif isinstance(b, Section):
                walk(b.children, here)

    for i, sec in enumerate(sections):
        if isinstance(sec, Section):
            walk(sec.children, i)


def _with_parts(x: _X, key: str, sec: Section) -> Section:
    """The narrative body's own text for this section, after the section's content; the "to
    complete" prompt goes when the narrative has written the section."""
    extra = x.parts.get(key)
    if extra:
        sec.children = [b for b in sec.children if not (isinstance(b, Callout) and b.kind == "todo")]
        sec.add(*extra)
    return sec


def _root_cause(x: _X) -> Section:
    sec = Section("Root cause and contributing factors")
    rc = Section("Root cause")
    if x.n is not None and (x.n.root_cause or x.parts.get("root_cause")):
        rc.add(*(text_blocks(x.n.root_cause) if x.n.root_cause else []), *x.parts.get("root_cause", []))
    else:
        if x.r.get("root_cause"):
            rc.add(Paragraph(f"**In the incident record:** {md_escape(' '.join(str(x.r['root_cause']).split()))}"))
        rc.add(_todo("State the root cause the review agreed: the condition in the system or process that "
                     "made the incident possible, and how it was confirmed. Ask “why?” until the answer is "
                     "something the organisation can change."))
    cf = Section("Contributing factors")
    para = _bullets(x.n.contributing_factors) if x.n is not None else None
    cf.add(para if para is not None else _todo(
        "List the conditions that made the incident more likely, longer or wider: monitoring, change "
        "practice, runbooks, capacity, tooling, timing."))
    return sec.add(rc, cf)


def _list_section(title: str, items: Iterable[str] | None, prompt: str) -> Section:
    para = _bullets(items or ())
    return Section(title).add(para if para is not None else _todo(prompt))


def _well_improve(x: _X) -> Section:
    n = x.n
    return Section("What went well and what to improve").add(
        _list_section("What went well", n.went_well if n else None,
                      "What helped: detection, decisions, workarounds, communication, teamwork across "
                      "groups? Name practices worth keeping."),
        _list_section("What to improve", n.to_improve if n else None,
                      "What slowed detection, diagnosis or recovery, or made communication harder? Phrase "
                      "each point as a change to a system or process."),
    )


# --------------------------------------------------------------------------- communication


def _comms(x: _X) -> Section:
    cm = x.f.comms
    sec = Section("Communication review")
    if cm.cadence_hours is None:
        rule = (f"{x.prio} has no update cadence (the defaults are P1 every 30 minutes, P2 every hour, P3 every "
                "4 hours), so updates are listed but not judged.")
    else:
        source = {"config": f"as set for {x.prio}", "default": f"the usual cadence for {x.prio}",
                  "given": "as given for this review"}.get(cm.cadence_source or "", "")
        if cm.rule == PER_AUDIENCE:
            rule = (f"Rule: per audience. Internal and external updates are each expected at least every "
                    f"{_target(cm.cadence_hours)} ({source}) from logging until "
                    f"{'resolution' if cm.window_end_kind == 'resolution' else 'the last recorded event'}; "
                    "an update with no audience counts for both. A gap longer than the cadence is listed below. "
                    "The row “Any audience” counts every update together, for context.")
        else:
            rule = (f"Rule: any update. An update to any audience is expected at least every "
                    f"{_target(cm.cadence_hours)} ({source}) from logging until "
                    f"{'resolution' if cm.window_end_kind == 'resolution' else 'the last recorded event'}. "
                    "A gap longer than the cadence is listed below.")
    sec.add(Paragraph(rule))
    if not cm.updates_total:
        return sec.add(_todo(
            "No internal or external updates are recorded for this incident. Record them with the incident's "
            "timeline (each update's time and audience, internal or external), or describe here who was told "
            "what, when, and through which channel, and whether that matched the communication plan."))

    def row(rv: AudienceReview, judged: bool) -> tuple[list[str], list[Rag | None]]:
        name = {"internal": "Internal", "external": "External", "any": "Any audience"}[rv.audience]
        if judged:
            word, rag = _met_word(rv.met)
            word = {"Met": "Within cadence", "Missed": "Gaps over cadence"}.get(word, word)
        else:
            word, rag = "For context", None
        return ([name, c.fmt_int(rv.updates), _dur(rv.first_after_hours), _dur(rv.longest_gap_hours),
                 c.fmt_int(len(rv.gaps_over)) if cm.cadence_hours is not None else DASH, word],
                [None] * 5 + [rag])

    rows, rags = [], []
    judged = set(id(r) for r in cm.reviews)
    for rv in (*cm.audiences, cm.any):
        cells, rag = row(rv, id(rv) in judged)
        rows.append(cells)
        rags.append(rag)
    notes = []
    if cm.window_start is not None and cm.window_end is not None:
        notes.append(f"Window: logging ({x.clock(cm.window_start)}) to "
                     f"{'resolution' if cm.window_end_kind == 'resolution' else 'the last event'} "
                     f"({x.clock(cm.window_end)}).")
    if cm.updates_after_window:
        notes.append(f"{c.plural(cm.updates_after_window, 'update')} after resolution (for example the "
                     f"resolution notice) {'is' if cm.updates_after_window == 1 else 'are'} not counted in the gaps.")
    if cm.unlabelled_updates:
        notes.append(f"{c.plural(cm.unlabelled_updates, 'update')} had no audience and count for both.")
    sec.add(Table(
        [Column("Audience"), Column("Updates", numeric=True), Column("First after logging", numeric=True),
         Column("Longest gap", numeric=True), Column("Gaps over cadence", numeric=True), Column("Result")],
        rows, rag=rags, caption=f"Updates against the {x.prio} cadence" if cm.cadence_hours else "Updates",
        notes=notes,
    ))
    gaps = sorted((g for rv in cm.reviews for g in rv.gaps_over), key=lambda g: (g.start, g.audience))
    if gaps:
        kinds = {"logging": "logging", "update": "update", "resolution": "resolution", "last event": "last event"}
        grows = [[x.clock(g.start) + f" ({kinds.get(g.start_kind, g.start_kind)})",
                  x.clock(g.end) + f" ({kinds.get(g.end_kind, g.end_kind)})",
                  g.audience.capitalize() if g.audience != "any" else "Any",
                  _dur(g.hours), _dur(g.hours - (cm.cadence_hours or 0))] for g in gaps]
        sec.add(Table.capped(
            [Column("From", nowrap=True), Column("To", nowrap=True), Column("Audience"), Column("Gap", numeric=True),
             Column("Over cadence by", numeric=True)],
            grows, limit=GAP_LIMIT, noun="gaps", rag=[[None] * 3 + [Rag.RED, None] for _ in grows],
            caption=f"Gaps longer than the {_target(cm.cadence_hours)} cadence",
        ))
        sec.add(Paragraph(f"{c.plural(len(gaps), 'gap')} {_plural_be(len(gaps))} longer than the cadence. The "
                          "review should establish what made updates harder to send at those times (bridge "
                          "workload, unclear ownership of communications, no reminder) rather than who sent them."))
    elif cm.met:
        sec.add(Paragraph("Every gap was within the cadence."))
    return sec


# --------------------------------------------------------------------------- actions and the rest


def _actions(x: _X) -> Section:
    sec = Section("Actions")
    if x.n is None or not x.f.actions:
        return sec.add(_todo(
            "Agree actions that change systems or processes, each with an owner (a role), a due date, a type "
            "(mitigate: reduce the impact next time; prevent: stop it recurring; process: how we work; other) "
            "and a status (open, in progress, done)."))
    rows, rags = [], []
    for k, st in enumerate(x.f.actions, start=1):
        a = st.action
        status = ACTION_STATUS_WORDS.get(a.status, a.status)
        rag = Rag.GREEN if a.done else None
        if st.overdue:
            status = f"{status}, overdue by {c.plural(st.days_overdue or 0, 'day')}"
            rag = Rag.RED
        rows.append([str(k), plain_text(a.action) or DASH, ACTION_TYPE_WORDS.get(a.type or "", DASH),
                     plain_text(a.owner) if a.owner else "To assign",
                     f"{a.due.day} {a.due:%b %Y}" if a.due else "To set", status])
        rags.append([None] * 5 + [rag])
    done = sum(1 for s in x.f.actions if s.action.done)
    overdue = sum(1 for s in x.f.actions if s.overdue)
    today = x.f.now.tz_convert(x.tz).date() if x.f.now is not None else dt.date.today()
    summary = f"{c.plural(len(rows), 'action')}: {done} done, {len(rows) - done} not done"
    summary += f"; {overdue} overdue on {c.fmt_date(today)}." if overdue else f"; none overdue on {c.fmt_date(today)}."
    sec.add(Paragraph(summary))
    sec.add(Table([Column("#", numeric=True), Column("Action"), Column("Type"), Column("Owner"),
                   Column("Due", nowrap=True), Column("Status")], rows, rag=rags,
                  caption=f"Actions from the review of {x.iid}",
                  notes=["Types: mitigate (reduce the impact next time), prevent (stop it recurring), "
                         "process (how we work), other. Overdue: not done and past its due date "
                         f"({Rag.RED.symbol})."]))
    return sec


def _problem(x: _X) -> Section:
    sec = Section("Problem record")
    pid = x.r.get("problem_id")
    if pid and x.parts.get("problem"):
        return sec.add(Paragraph(f"Linked problem record: **{md_escape(str(pid))}**."))
    if pid:
        return sec.add(Paragraph(f"This incident is linked to problem record **{md_escape(str(pid))}**. Root-cause "
                                 "work and preventive actions that outlive this review belong there."))
    lead = ("The export has no problem-record field. " if not x.has("problem_id")
            else "No problem record is linked to this incident. ")
    return sec.add(_todo(lead + "Raise a problem record if the root cause is not yet removed, link it here, or "
                                "record why none is needed."))


def _regulatory(x: _X) -> Section:
    sec = Section("Regulatory notifications")
    checks = x.f.regulatory
    if checks is None:
        return sec.add(_todo(
            "Record each notification owed to a regulator, with its deadline and when it was made — for "
            "example the ICO within 72 hours of becoming aware of a personal data breach (UK GDPR Art. 33) — "
            "or record that the review found none was due."))
    if not checks:
        return sec.add(Paragraph("The review found that no regulatory notification was due."))
    rows, rags = [], []
    missed = []
    for g in checks:
        if g.status == "met":
            result = f"Met: notified after {_dur(g.took_hours)}" + (f", {_dur(g.margin_hours)} to spare" if g.margin_hours is not None else "")
            rag = Rag.GREEN
        elif g.status == "missed":
            if g.notified_at is not None:
                result = f"Missed: notified {_dur(g.margin_hours)} after the deadline"
            else:
                result = f"Missed: not notified; the deadline passed {_dur(g.margin_hours)} ago"
            rag = Rag.RED
            missed.append(g)
        else:
            result = f"Due: not notified yet; {_dur(g.margin_hours)} left"
            rag = Rag.AMBER
        aware = x.short(g.awareness_at) + {"narrative": "", "detected_at": " (detected)", "opened_at": " (logged)"}[g.awareness_source]
        rows.append([f"{plain_text(g.body) or DASH}: within {g.deadline_hours:g}{NBSP}h", aware, x.short(g.deadline_at),
                     x.short(g.notified_at) if g.notified_at is not None else "Not notified", result])
        rags.append([None] * 4 + [rag])
    if missed:
        names = c.join_words([plain_text(g.body) for g in missed])
        sec.add(Callout("warning", f"{c.plural(len(missed), 'regulatory deadline')} missed: {md_escape(names)}. "
                                   "Record why, and what changes so the next notification is on time.",
                        title="Missed deadline"))
    sec.add(Table(
        [Column("Body and deadline"), Column("Aware", nowrap=True), Column("Due by", nowrap=True),
         Column("Notified", nowrap=True), Column("Result")],
        rows, rag=rags, caption="Regulatory notifications against their deadlines",
        notes=["Due by = awareness + the deadline, in elapsed hours. Awareness is the time the narrative gives, "
               "else when the incident was detected, else when it was logged. "
               f"Status: {Rag.GREEN.symbol} met, {Rag.RED.symbol} missed, {Rag.AMBER.symbol} due."],
    ))
    return sec


def _appendix(x: _X) -> Section:
    rows = [
        ["Duration", "Resolution time minus logging time, in elapsed time (the same figure as time to "
                     "resolve in the monthly report)."],
        ["SLA clock", f"Time on the priority's calendar ({_cal(x.f.sla.calendar)} for {x.prio}) from logging to "
                      "acknowledgement (response) or resolution, less time in pause states. Met when the clock "
                      "is within the target."],
        ["Stage took", "Time from the previous lifecycle stage that has a time to this one."],
        ["SLA target line", "The moment the SLA clock reached the target: logging plus the target on a 24×7 "
                            "calendar without holds; later when the incident was on hold or the calendar has "
                            "working hours only."],
        ["Update gap", "Time from logging to the first update, between updates, and from the last update to "
                       "resolution, for the audience the rule names."],
        ["Regulatory deadline", "Awareness plus the deadline hours; missed when the notification came later, or "
                                "did not come and the deadline has passed."],
        ["Blameless review", "The review describes systems, signals and decisions, and names roles, not people; "
                             "its aim is to change what made the incident possible."],
    ]
    return Section("How this review is measured", appendix=True).add(
        Table([Column("Term"), Column("Meaning")], rows, caption="Definitions used in this review"))


# --------------------------------------------------------------------------- entry points


def build_pir(
    facts: PirFacts,
    narrative: Narrative | None = None,
    branding: Branding | None = None,
    options: PirOptions | None = None,
) -> Document:
    """The PIR Document for one incident's facts (from `pir.facts.incident_facts`) and narrative."""
    options = options or PirOptions()
    branding = branding or Branding()
    x = _X(facts, narrative, options, facts.timezone)
    x.parts, x.rest = split_body(narrative)
    org_name = branding.organisation
    status, owner = _status_owner(x)
    title = " ".join(str(x.r.get("title") or "").split())
    keyed: list[tuple[str | None, Section | None]] = [
        ("summary", _summary(x)), (None, _details(x)), ("impact", _impact(x)), (None, _lifecycle(x)),
        ("timeline", _timeline(x)), (None, _body(x)), ("root_cause", _root_cause(x)), (None, _well_improve(x)),
        ("comms", _with_parts(x, "comms", _comms(x))), ("actions", _with_parts(x, "actions", _actions(x))),
        ("lucky", _with_parts(x, "lucky", _list_section(
            "Where we got lucky", narrative.lucky if narrative else None,
            "Near misses: what could have made this incident worse, and what stopped it? Luck is "
            "not a control; say what would make the good outcome deliberate."))),
        ("lessons", _with_parts(x, "lessons", _list_section(
            "Lessons learned", narrative.lessons if narrative else None,
            "What does the organisation now know that it did not before? Write lessons others "
            "can apply to other services."))),
        ("problem", _with_parts(x, "problem", _problem(x))),
        ("regulatory", _with_parts(x, "regulatory", _regulatory(x))), (None, _appendix(x)),
    ]
    keyed = [(k, b) for k, b in keyed if b is not None]
    blocks: list[Block] = [b for _, b in keyed]
    fix_references(blocks, [k for k, _ in keyed])
    if options.provenance is not None:
        blocks.append(c.provenance_section(options.provenance))
    subject = (f"{title}. " if title else "") + f"Review status: {status}; owner: {owner}."
    return Document(
        kind="pir",
        title="Post-incident review",
        period_label=facts.incident_id,
        organisation=org_name,
        author=owner if owner != "To complete" else org_name,
        date=options.date or dt.date.today(),
        blocks=blocks,
        subject=subject,
        keywords=["post-incident review", facts.incident_id, facts.sla.priority],
        primary_colour=branding.primary_colour,
        logo=branding.logo,
    )


__all__ = ["build_pir", "PirOptions", "PER_AUDIENCE", "ANY_UPDATE"]
