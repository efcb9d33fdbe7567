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
from dataclasses import dataclass
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
from ..pir.narrative import Narrative, inline_markdown, markdown_blocks, plain_text, text_blocks
from ..pir.facts import (
    ANY_UPDATE,
    PER_AUDIENCE,
    AudienceReview,
    PirFacts,
    Stage,
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
        return f"{local.day} {local:%b %Y %H:%M}{NBSP}{zone_label(ts, self.tz)}"

    def short(self, ts: pd.Timestamp | None) -> str:
        """"19 Aug 09:08 BST": the year only when it differs from the year of logging."""
        if ts is None:
            return DASH
        local = ts.tz_convert(self.tz)
        opened = self.r.get("opened_at")
        year = "" if opened is not None and opened.tz_convert(self.tz).year == local.year else f" {local.year}"
        return f"{local.day} {local:%b}{year} {local:%H:%M}{NBSP}{zone_label(ts, self.tz)}"

    def clock(self, ts: pd.Timestamp | None) -> str:
        """"09:08 BST" (with the date when it is not the day the incident was logged)."""
        if ts is None:
            return DASH
        local = ts.tz_convert(self.tz)
        opened = self.r.get("opened_at")
        same_day = opened is not None and opened.tz_convert(self.tz).date() == local.date()
        day = "" if same_day else f"{local.day} {local:%b} "
        return f"{day}{local:%H:%M}{NBSP}{zone_label(ts, self.tz)}"

    def value(self, field: str, kind: str = "text") -> str:
        v = self.r.get(field)
        if v is None:
            return NOT_IN_EXPORT if not self.has(field) else DASH
        if kind == "int":
            return c.fmt_int(v)
        if kind == "bool":
            return "Yes" if v else "No"
        return str(v)


def _dur(hours: float | None) -> str:
    """A duration, signed with a real minus when negative (a stage recorded before the last)."""
    if hours is None:
        return DASH
    if abs(hours) < 1 / 7200:  # under half a second: none
        return f"0{NBSP}min"
    if hours < 0:
        return MINUS + c.fmt_duration(-hours)
    return c.fmt_duration(hours)


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
    text = f"Service was restored at {x.when(x.r['resolved_at'])}, {_dur(s.ttr_hours)} after logging"
    if s.resolution_sla_met is None:
        return text + f"; {x.prio} has no resolution target in the config."
    verb = "within" if s.resolution_sla_met else "outside"
    text += f", {verb} the {_target(s.resolve_target_hours)} {x.prio} resolution target"
    if s.resolve_clock_hours is not None and s.ttr_hours is not None and abs(s.resolve_clock_hours - s.ttr_hours) > 1e-6:
        text += f" (SLA clock {_dur(s.resolve_clock_hours)}"
        if s.pause_hours:
            text += f" after {_dur(s.pause_hours)} on hold"
        if s.calendar != "24x7":
            text += f", on the {s.calendar} calendar"
        text += ")"
    elif not s.resolution_sla_met and s.resolve_target_hours is not None and s.resolve_clock_hours is not None:
        text += f" by {_dur(s.resolve_clock_hours - s.resolve_target_hours)}"
    return text + "."


def _fact_sentences(x: _X) -> list[str]:
    r, f = x.r, x.f
    out = []
    kind = f"{x.prio}, major incident" if r.get("major") else x.prio
    title = f": {md_escape(str(r['title']))}" if r.get("title") else ""
    s = f"{md_escape(x.iid)} ({kind}){title}. It was logged at {x.when(r.get('opened_at'))}"
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
        out.append(f"It affected {c.join_words(bits)}.")
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
        KeyFigure("Customers affected", x.value("customers_affected", "int"), note="from the incident record"),
        KeyFigure("Contacts affected", x.value("contacts_affected", "int"), note="from the incident record"),
        KeyFigure("Resolution SLA", res_word, rag=res_rag,
                  note=f"target {_target(s.resolve_target_hours)}" if s.resolve_target_hours is not None else "no target"),
        KeyFigure("Response SLA", resp_word if x.has("acknowledged_at") else NOT_IN_EXPORT, rag=resp_rag,
                  note=f"target {_target(s.respond_target_hours)}" if s.respond_target_hours is not None else "no target"),
        KeyFigure("Review status", status, note=f"owner: {owner}"),
    ]
    if s.resolve_target_hours is None and s.respond_target_hours is None:
        caption = f"The config has no SLA targets for priority {x.prio}."
    else:
        caption = (f"SLA results on the {x.prio} targets and calendar, less time on hold; "
                   f"{Rag.GREEN.symbol} met, {Rag.RED.symbol} missed.")
    sec = Section("Summary").add(
        KeyFigures(figures, caption=caption),
        Paragraph(f"**Review status:** {md_escape(status)}. **Review owner:** {md_escape(owner)}."),
        Paragraph("\n".join(f"- {t}" for t in _fact_sentences(x))),
    )
    if x.n is not None and x.n.summary:
        sec.add(Section("What happened, in brief").add(*text_blocks(x.n.summary)))
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
    rows.append(["SLA calendar", x.f.sla.calendar])
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
        return [label, "No target", f"{x.prio} has no target in the config"], [None, None, None]
    if met is None:
        return [label, "No result yet", f"target {_target(target)}"], [None, None, None]
    word, rag = _met_word(met)
    if met:
        verdict = f"Met: within the {_target(target)} target"
    elif clock is not None:
        verdict = f"Missed: {_dur(clock - target)} over the {_target(target)} target"
    else:
        verdict = f"Missed the {_target(target)} target"
    basis = f"{verdict}; SLA clock on the {s.calendar} calendar"
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
         if resolved is not None else f"logged at {x.when(r.get('opened_at'))}"])
    ident = next(st for st in f.stages if st.key == "identification")
    if ident.at is not None and resolved is not None:
        add(["Detection to resolution", _dur(f.detected_to_resolved_hours),
             f"detected at {x.clock(ident.at)}; customers may have been affected before detection"])
    add(["Customers affected", x.value("customers_affected", "int"), "from the incident record"])
    add(["Contacts affected", x.value("contacts_affected", "int"), "from the incident record"])
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
              notes=[f"SLA results use the {x.prio} targets from the config, on the priority's calendar, "
                     "less time in pause states: the same figures as the monthly report."]),
    )
    sec.add(_contact_impact(x))
    return sec


def _contact_impact(x: _X) -> Block:
    f = x.f
    if f.contact_impact is None:
        if f.contact_note:
            return Paragraph(f"Contact-centre figures are not shown: {f.contact_note}.")
        return Paragraph("Contact-centre service level, abandonment and handle time during the incident "
                         "are compared with a baseline when the review is run with `--contacts`.")
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
        notes=[f"During: the intervals overlapping {x.when(start)} to {x.clock(end)}, all channels. "
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
        sec.add(Paragraph(f"Not recorded: {c.join_words(missing)}. Add the times to the export or to the "
                          "`--events` file (types detected, prioritised, escalated ...) to complete the table."))
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


def _timeline(x: _X) -> Section:
    f = x.f
    sec = Section("Detailed timeline")
    if not f.events:
        return sec.add(_todo(
            f"No timeline events were found for {md_escape(x.iid)}. Give them with `--events FILE` (columns "
            "incident_id, timestamp, type, text, author, audience; type one of detected, logged, acknowledged, "
            "prioritised, escalated, update, comms, workaround, resolved, closed, state), or export the "
            "incident's history from the ITSM tool.", "To complete: timeline"))
    opened = x.r.get("opened_at")
    rows, rags = [], []
    for e in f.events:
        since = None if opened is None else (e.at - opened) / pd.Timedelta(hours=1)
        rows.append([x.short(e.at), _dur(since), EVENT_WORDS.get(e.type, e.type.title()),
                     _event_details(x, e), (e.audience or "").capitalize() if e.type in ("update", "comms") else ""])
        rags.append([None] * 5)
    states = sum(1 for e in f.events if e.type == "state")
    intro = (f"{c.plural(len(f.events), 'event')} in time order"
             + (f", including {c.plural(states, 'state change')} from the incident's history" if states else "")
             + f". Times are in {x.tz} with the zone shown"
             + (f", in {x.r['opened_at'].tz_convert(x.tz).year} unless a year is given" if x.r.get("opened_at") is not None else "")
             + ".")
    sec.add(Paragraph(intro))
    sec.add(Table.capped(
        [Column("Time", nowrap=True), Column("Since logged", numeric=True), Column("Event"), Column("Details"),
         Column("Audience")],
        rows, limit=TIMELINE_LIMIT, noun="events", caption=f"Timeline of {x.iid}",
        notes=["Event authors are left out: the review is about systems and decisions, not people."],
    ))
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
            notes=[f"The SLA clock stops in the states the config's pause_states names ({', '.join(x.options.pause_states)}), "
                   "after the tool's own states are normalised (ServiceNow's “Awaiting …” states are On Hold). "
                   f"SLA clock time on hold before resolution: {_dur(total)}"
                   + (f" on the {f.sla.calendar} calendar" if f.sla.calendar != "24x7" else "") + "."],
        ))
    elif f.pauses_known:
        sec.add(Paragraph("The incident was never on hold: the SLA clock ran throughout."))
    return sec


# --------------------------------------------------------------------------- narrative sections


def _body(x: _X) -> Section | None:
    if x.n is None or not x.n.body.strip():
        return None
    blocks = markdown_blocks(x.n.body)
    if not blocks:
        return None
    return Section("Review narrative").add(*blocks)


def _root_cause(x: _X) -> Section:
    sec = Section("Root cause and contributing factors")
    rc = Section("Root cause")
    if x.n is not None and x.n.root_cause:
        rc.add(*text_blocks(x.n.root_cause))
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
        source = {"config": "from the config", "default": "the default for " + x.prio,
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
            "No internal or external updates are recorded for this incident. Add them to the `--events` file "
            "(type update or comms, audience internal or external), or describe here who was told what, when, "
            "and through which channel, and whether that matched the communication plan."))

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
            "under `regulatory:` in the narrative, or write `regulatory: []` when none was due."))
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
        ["Duration", "Resolution time minus logging time, in calendar hours (ttr in the metrics)."],
        ["SLA clock", f"Time on the priority's calendar ({x.f.sla.calendar} for {x.prio}) from logging to "
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
    org_name = branding.organisation
    status, owner = _status_owner(x)
    title = " ".join(str(x.r.get("title") or "").split())
    blocks: list[Block] = [
        _summary(x), _details(x), _impact(x), _lifecycle(x), _timeline(x),
    ]
    body = _body(x)
    if body is not None:
        blocks.append(body)
    blocks += [
        _root_cause(x), _well_improve(x), _comms(x), _actions(x),
        _list_section("Where we got lucky", narrative.lucky if narrative else None,
                      "Near misses: what could have made this incident worse, and what stopped it? Luck is "
                      "not a control; say what would make the good outcome deliberate."),
        _list_section("Lessons learned", narrative.lessons if narrative else None,
                      "What does the organisation now know that it did not before? Write lessons others "
                      "can apply to other services."),
        _problem(x), _regulatory(x), _appendix(x),
    ]
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
