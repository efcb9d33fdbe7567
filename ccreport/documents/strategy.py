"""The incident-management strategy document (SPEC §5.3): strategy.yaml (+ incident data) -> Document.

The strategy's own tables come from `ccreport.strategy` (escalation matrix, communication
matrix, RACI, framework alignment, regulatory requirements, exercise calendar, criteria
coverage); the evidence figures come from `ccreport.metrics`, computed with the strategy's
own response and resolution targets as the SLA (`ccreport.strategy.evidence`). This module
chooses what to show and words it; it never loads data, computes a metric or writes a file.

Everything written in the YAML is untrusted text: it goes into table cells, headings and
captions as plain text, and into paragraphs only through `md_escape`, so every renderer
shows it literally.

    build_strategy(strategy, evidence, coverage, branding, options) -> Document
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from ..document import Chart, series
from ..document import Block, Callout, Column, Document, Figure, Paragraph, Rag, Section, Table, md_escape
from ..schema import PRIORITIES, UNCATEGORISED
from ..units import fmt_unit
from ..strategy import (
    ASSESSMENT_POINTS,
    LIFECYCLE_STAGES,
    SECTION_TITLES,
    CalendarEntry,
    Duration,
    Strategy,
    add_months,
    communication_matrix,
    escalation_matrix,
    exercise_calendar,
    framework_alignment,
    not_applicable,
    priority_for,
    raci_table,
    regulatory_requirements,
)
from ..strategy.prompts import LEARNER_SECTIONS, PROMPT, is_prompt
from . import common as c
from .branding import Branding
from .common import DASH, NBSP

if TYPE_CHECKING:
    from ..strategy import CoverageRow, Finding
    from ..strategy.evidence import Evidence

DEFAULT_TITLE = "Incident management strategy"
#: Months in the exercise calendar and in the evidence window.
MONTHS = 12
#: Colour for each priority in the matrix, carried with its word and symbol (Rag), never alone.
PRIORITY_RAG = {"P1": Rag.RED, "P2": Rag.AMBER, "P3": Rag.AMBER, "P4": Rag.GREEN, "P5": Rag.GREEN}
STAGE_TITLES = {
    "identification": "Identification",
    "logging": "Logging",
    "categorisation": "Categorisation",
    "prioritisation": "Prioritisation",
    "escalation": "Escalation",
    "resolution": "Resolution",
    "closure": "Closure",
}
EVIDENCE_TITLE = "Evidence from incident data"
COVERAGE_TITLE = "Criteria coverage"


# --------------------------------------------------------------------------- text helpers


_LINE_MARKER = re.compile(r"^(\s*)([-*+]|\d+[.)])(\s)")


def _e(text: Any) -> str:
    """Untrusted text for a Paragraph: one line, Markdown-literal (no list, no emphasis), durations in words;
    a prompt still to write reads as an italic gap ("*Not written yet: the scenario rehearsed*")."""
    flat = " ".join(str(text).split())
    if is_prompt(flat):
        what = flat[len(PROMPT):].strip()
        return "*" + md_escape(f"{CELL_GAP}: {what}" if what else CELL_GAP) + "*"
    flat = _durations_in_words(flat)
    return _LINE_MARKER.sub(lambda m: m.group(1) + "\\" + m.group(2) + m.group(3), md_escape(flat))


#: How a prompt still to write reads inside a table cell (a paragraph shows it as a "To write" box).
CELL_GAP = "Not written yet"


def _t(text: Any) -> str:
    """Untrusted text for a table cell, heading or caption (plain text): one line, durations in words,
    or "–"; a prompt still to write reads as a gap ("Not written yet: the team that resolves it")."""
    flat = " ".join(str(text).split()) if text is not None else ""
    if is_prompt(flat):
        what = flat[len(PROMPT):].strip()
        return f"{CELL_GAP}: {what}" if what else CELL_GAP
    return _durations_in_words(flat) or DASH


def _bullets(items: Iterable[Any]) -> str:
    return "\n".join(f"- {_e(i)}" for i in items)


def _steps(items: Sequence[Any]) -> Table:
    """Numbered steps as a table: the numbers are the same in every format."""
    return Table([Column("Step", numeric=True), Column("What happens")],
                 [[str(n), _t(i)] for n, i in enumerate(items, start=1)])


def _gap(text: str, title: str = "To write") -> Callout:
    """A field that still holds the skeleton's prompt: a visible gap, never shown as the writer's text."""
    what = text.strip()[len(PROMPT):].strip()
    return Callout("todo", _e(what[:1].upper() + what[1:]) if what else "Not written yet.", title=title)


def _why(text: str | None) -> list[Block]:
    """The rationale of a decision, where the strategy gives one."""
    if is_prompt(text):
        return [_gap(text, "To write: why")]  # type: ignore[arg-type]
    return [Paragraph(f"**Why:** {_e(text)}")] if text else []


def _todo(key: str, what: str) -> Callout:
    return Callout("todo", f"{what} This section is still to write.", title="Not written yet")


def _dur(d: Duration | None) -> str:
    """A duration in the unit its author wrote: "15 min", "4 h", "1 day"."""
    if d is None:
        return DASH
    if d.text.strip().lower().endswith("d") and d.hours >= 24:
        days = d.hours / 24
        n = f"{days:g}"
        return f"{n}{NBSP}day{'' if days == 1 else 's'}"
    return c.fmt_target(d.hours, "hours")


#: Config shorthand for a duration: "15m", "4h", "2d" (not "1.1m customers" or "£5m": millions).
_SHORT_DURATION = re.compile(
    r"(?<![£$€\d.,])\b(\d+(?:\.\d+)?)\s?(min|h|hr|d|m(?!\s+(?:customers?|contacts?|calls?|people|users?|"
    r"members?|households?|patients?|accounts?|records?|pounds?|euros?|dollars?|a year|per)\b))\b", re.I)
_DURATION_WORDS = {"m": "min", "min": "min", "h": "h", "hr": "h", "d": "day"}


def _durations_in_words(text: str) -> str:
    """Config shorthand in a free-text cell as a reader reads it: "within 15m then every 30m"
    -> "within 15 min then every 30 min"; "2d" -> "2 days"."""
    def word(m: re.Match) -> str:
        unit = _DURATION_WORDS[m.group(2).lower()]
        if unit == "day" and float(m.group(1)) != 1:
            unit = "days"
        return f"{m.group(1)}{NBSP}{unit}"

    return _SHORT_DURATION.sub(word, text)


def _names(items: Sequence[str]) -> str:
    return c.join_words([_t(i) for i in items]) if items else DASH


def _date(day: dt.date | None) -> str:
    return c.fmt_date(day) if day else DASH


# --------------------------------------------------------------------------- cover


def _document_control(s: Strategy) -> list[Block]:
    """Document control: shown on the cover (HTML/PDF) or straight after it (Word, Markdown)."""
    dc = s.document_control
    if dc is None:
        return [Callout("todo", "No document control yet: add `document_control:` (version, status, owner, "
                                "approver, review date) to the strategy file.", title="Document control")]
    rows = [
        ["Version", _t(dc.version)], ["Status", _t(dc.status)], ["Issued", _date(dc.issued)],
        ["Author", _t(dc.author)], ["Owner", _t(dc.owner)], ["Approved by", _t(dc.approver)],
        ["Next review", _date(dc.review_date)], ["Classification", _t(dc.classification)],
    ]
    blocks: list[Block] = [Table([Column("Item"), Column("Detail")], rows, caption="Document control")]
    if dc.history:
        blocks.append(Table(
            [Column("Version", nowrap=True), Column("Date", nowrap=True), Column("Author"), Column("Change")],
            [[_t(h.version), _date(h.date), _t(h.author), _t(h.change)] for h in dc.history],
            caption="Version history",
        ))
    return blocks


# --------------------------------------------------------------------------- sections


def _organisation(s: Strategy) -> Section:
    org = s.organisation
    sec = Section(SECTION_TITLES["organisation"])
    if org.description:
        sec.add(_gap(org.description) if is_prompt(org.description) else Paragraph(_e(org.description)))
    facts = []
    if org.sites:
        facts.append(f"**Sites:** {_e(_names(org.sites))}.")
    if org.channels:
        facts.append(f"**Channels:** {_e(_names(org.channels))}.")
    if facts:
        sec.add(Paragraph(" ".join(facts)))
    if org.goals:
        supported: dict[str, list[str]] = {g.id: [] for g in org.goals}
        for i, o in enumerate(s.objectives, start=1):
            for g in o.goals:
                supported.setdefault(g, []).append(o.id or f"Objective {i}")
        sec.add(Table(
            [Column("Goal", nowrap=True), Column("What the organisation wants"), Column("Objectives")],
            [[_t(g.id), _t(g.text), ", ".join(_t(x) for x in supported[g.id]) or "none yet"] for g in org.goals],
            caption="Organisational goals and the objectives that support them",
        ))
    else:
        sec.add(_todo("organisation.goals", "The organisation's goals are not listed, so the objectives "
                                            "cannot be linked to them."))
    return sec


def _scope(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["scope"])
    sec.add(Paragraph("An incident is an unplanned interruption to a service, or a fall in its quality. Incident "
                      "management restores normal service as quickly as possible; complaints, service requests "
                      "and root-cause work have their own processes.", generated=True))
    if s.scope is None or not (s.scope.in_ or s.scope.out):
        return sec.add(_todo("scope", "The scope is not defined."))
    if s.scope.in_:
        sec.add(Paragraph("**This strategy covers:**\n\n" + _bullets(s.scope.in_)))
    if s.scope.out:
        sec.add(Paragraph("**It does not cover** (and what handles it instead):\n\n" + _bullets(s.scope.out)))
    return sec


def _objectives(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["objectives"])
    if not s.objectives:
        return sec.add(_todo("objectives", "No objectives are set."))
    goals = {g.id: g.text for g in s.organisation.goals}
    sec.add(Table(
        [Column("Objective", nowrap=True), Column("What we will achieve"), Column("Goals", nowrap=True),
         Column("How it is measured")],
        [[_t(o.id or f"{i}"), _t(o.text), ", ".join(_t(g) for g in o.goals) or DASH, _t(o.measure)]
         for i, o in enumerate(s.objectives, start=1)],
        caption="Objectives, the goals they support and how each is measured",
        notes=["Goals: " + "; ".join(f"{_t(k)} {_t(v)}" for k, v in goals.items())] if goals else [],
    ))
    return sec


def _categories(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["categories"])
    if not s.categories:
        return sec.add(_todo("categories", "No incident categories are defined."))
    sec.add(Paragraph(
        f"Every incident is logged in one of {c.plural(len(s.categories), 'category', 'categories')}. The default "
        "priority is where an incident starts; the impact and urgency matrix (section "
        f"{_number_of('priorities')}) sets its actual priority.", generated=True))
    sec.add(Table(
        [Column("Category"), Column("Default priority", align="center"), Column("Resolver group"),
         Column("Escalation path")],
        [[_t(cat.name), cat.default_priority or DASH, _t(cat.resolver_group),
          " \u2192 ".join(" ".join(p.split()) for p in cat.escalation_path) or DASH] for cat in s.categories],
        caption="Incident categories: priority, resolver group and escalation path",
    ))
    for cat in s.categories:
        sub = Section(_t(cat.name))
        if is_prompt(cat.definition):
            sub.add(_gap(cat.definition, "To write: definition"))  # type: ignore[arg-type]
        else:
            sub.add(Paragraph(f"**Definition:** {_e(cat.definition)}" if cat.definition
                              else "**Definition:** not written yet."))
        if cat.examples:
            sub.add(Paragraph("**Examples:**\n\n" + _bullets(cat.examples)))
        sub.add(*_why(cat.rationale))
        sec.add(sub)
    return sec


#: Impact and urgency level tables: a one-digit level, a short name, the description.
LEVEL_WIDTHS = [8.0, 17.0, 75.0]


def _priorities(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["priorities"])
    sec.add(Paragraph("Priority is set from two judgements: **impact** (how much of the service and how many "
                      "customers are affected) and **urgency** (how quickly the effect grows or a deadline runs).",
                      generated=True))
    level_cols = [Column("Level", align="center"), Column("Name"), Column("What it means")]
    if s.impact:
        sec.add(Table(level_cols, [[str(lv.level), _t(lv.name), _t(lv.description)] for lv in s.impact],
                      caption="Impact levels", widths=LEVEL_WIDTHS))
    if s.urgency:
        sec.add(Table(level_cols, [[str(lv.level), _t(lv.name), _t(lv.description)] for lv in s.urgency],
                      caption="Urgency levels", widths=LEVEL_WIDTHS))
    if not (s.impact and s.urgency):
        sec.add(_todo("impact and urgency", "Impact and urgency levels 1 to 3 are not all described."))

    if s.priority_matrix is not None:
        imp = {lv.level: lv.name for lv in s.impact}
        urg = {lv.level: lv.name for lv in s.urgency}
        cols = [Column("Impact \u2193 / urgency \u2192")] + [
            Column(f"Urgency {u}" + (f" ({_t(urg[u])})" if urg.get(u) else ""), align="center") for u in (1, 2, 3)]
        rows, rags = [], []
        for i in (1, 2, 3):
            row = [f"Impact {i}" + (f" ({_t(imp[i])})" if imp.get(i) else "")]
            rag: list[Rag | None] = [None]
            for u in (1, 2, 3):
                p = priority_for(s, i, u) or DASH
                name = s.priorities[p].name if p in s.priorities else None
                row.append(f"{p} {_t(name)}" if name else p)
                rag.append(PRIORITY_RAG.get(p))
            rows.append(row)
            rags.append(rag)
        sec.add(Table(cols, rows, rag=rags, caption="Priority matrix: impact \u00d7 urgency",
                      widths=[28, 24, 24, 24],
                      notes=[f"Each cell names the priority; colour and symbol repeat it: {Rag.RED.symbol} red "
                             f"for P1, {Rag.AMBER.symbol} amber for P2 and P3, {Rag.GREEN.symbol} green for P4 "
                             "and P5."]))
    else:
        sec.add(_todo("priority_matrix", "There is no priority matrix."))

    if s.priorities:
        sec.add(Table(
            [Column("Priority", nowrap=True), Column("Name"), Column("Respond within", numeric=True),
             Column("Resolve within", numeric=True), Column("Update every", numeric=True), Column("Clock")],
            [[p, _t(t.name), _dur(t.respond), _dur(t.resolve), _dur(t.update_every), _t(t.description)]
             for p, t in s.priorities.items()],
            caption="Targets per priority: response, resolution and update cadence",
            notes=["Update every: how often stakeholders hear while the incident is open (the communication "
                   f"plan in section {_number_of('communication')} sets who hears it)."],
        ))
        sec.add(*_clocks(s))
        why = [f"- **{p}:** {_e(t.rationale)}" for p, t in s.priorities.items() if t.rationale]
        if why:
            sec.add(Paragraph("**Why these targets:**\n\n" + "\n".join(why)))
    else:
        sec.add(_todo("priorities", "No targets are set per priority."))
    return sec


def _major(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["major_incidents"])
    mi = s.major_incidents
    if mi is None:
        return sec.add(_todo("major_incidents", "Major incidents are not distinguished from minor ones."))
    if mi.major_criteria:
        sec.add(Paragraph("**An incident is major when any of these is true:**\n\n" + _bullets(mi.major_criteria)))
    if mi.minor_criteria:
        sec.add(Paragraph("**It stays a minor incident, handled by the normal process, when:**\n\n"
                          + _bullets(mi.minor_criteria)))
    who = []
    if mi.declared_by:
        who.append(f"**Who declares a major incident:** {_e(_names(mi.declared_by).replace(' and ', ' or '))}.")
    if mi.declaration and not is_prompt(mi.declaration):
        who.append(f"**How:** {_e(mi.declaration)}")
    if who:
        sec.add(Paragraph("\n\n".join(who)))
    if is_prompt(mi.declaration):
        sec.add(_gap(mi.declaration, "To write: how a major incident is declared"))  # type: ignore[arg-type]
    if mi.levels:
        sec.add(Table(
            [Column("Level"), Column("Declared when"), Column("Declared by"), Column("What changes")],
            [[_t(lv.name), "; ".join(_t(x) for x in lv.criteria) or DASH, _names([_t(x) for x in lv.declared_by]),
              _t(lv.response)] for lv in mi.levels],
            caption="Levels of major incident, least severe first",
            notes=["An incident is declared at the highest level whose criteria it meets, and moved up or down "
                   "as its effect changes."]))
    sec.add(*_why(mi.rationale))
    return sec


def _escalation(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["escalation"])
    esc = s.escalation
    if esc is None or not (esc.functional or esc.hierarchical):
        return sec.add(_todo("escalation", "Neither functional nor hierarchical escalation is defined."))
    sec.add(Paragraph("**Functional** escalation passes the incident to a team with more skill; **hierarchical** "
                      "escalation tells managers with more authority, at set times for each priority.",
                      generated=True))
    fn = Section("Functional escalation")
    if esc.functional:
        fn.add(Table(
            [Column("Tier", align="center"), Column("Team"), Column("Handles"), Column("Passes the incident on when")],
            [[_t(t.tier), _t(t.team), _t(t.scope), _t(t.hand_off)] for t in esc.functional],
            caption="Functional escalation tiers",
        ))
    else:
        fn.add(_todo("escalation.functional", "The functional tiers are not listed."))
    sec.add(fn)
    hi = Section("Hierarchical escalation")
    rows = escalation_matrix(s)
    if rows:
        hi.add(Table(
            [Column("Priority", nowrap=True), Column("After", numeric=True), Column("Who is told"),
             Column("How"), Column("Why")],
            [[r.priority, _dur(r.after), _names(r.notify), _t(r.method), _t(r.rationale)] for r in rows],
            caption="Hierarchical escalation matrix: who is told after how long, per priority",
            notes=["After: time since the incident was logged. Resolution targets: "
                   + "; ".join(f"{p} {_dur(t.resolve)}" for p, t in s.priorities.items() if t.resolve) + "."]
            if any(t.resolve for t in s.priorities.values()) else [],
        ))
    else:
        hi.add(_todo("escalation.hierarchical", "Nobody is named for hierarchical escalation."))
    sec.add(hi)
    sec.add(*_why(esc.rationale))
    return sec


def _abbreviations(names: Sequence[str]) -> list[str]:
    """Short, unique column headings for role names: "Service Desk Analyst" -> "SDA"."""
    out: list[str] = []
    for name in names:
        words = re.findall(r"[A-Za-z0-9]+", name)
        base = "".join(w[0].upper() for w in words if w.lower() not in ("of", "and", "the", "for")) or name[:3]
        if len(words) == 1:
            base = words[0][:4].capitalize()
        abbr, n = base[:5], 2
        while abbr in out:
            abbr, n = f"{base[:4]}{n}", n + 1
        out.append(abbr)
    return out


def _roles(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["roles"])
    if s.roles:
        sec.add(Table(
            [Column("Role"), Column("Held by"), Column("Responsibilities")],
            [[_t(r.name), _t(r.held_by), "; ".join(_t(x) for x in r.responsibilities) or DASH] for r in s.roles],
            caption="Roles",
        ))
    else:
        sec.add(_todo("roles", "No roles are described."))
    raci = raci_table(s)
    if raci.rows:
        abbr = _abbreviations(raci.roles)
        # No stage column: the procedures give each stage's owner, and the role columns need the width.
        cols = [Column("Activity")] + [Column(a, align="center") for a in abbr]
        role_share = min(9.0, 60.0 / max(1, len(abbr)))
        sec.add(Table(
            cols,
            [[_t(r.activity)] + [cell or "" for cell in r.cells] for r in raci.rows],
            caption="RACI: who is responsible, accountable, consulted and informed",
            # Fixed shape: each role column holds one or two letters; the activity takes the rest.
            widths=[100 - role_share * len(abbr)] + [role_share] * len(abbr),
            notes=["R responsible (does the work), A accountable (one per activity), C consulted, I informed.",
                   "Roles: " + "; ".join(f"{a} {_t(n)}" for a, n in zip(abbr, raci.roles)) + "."],
        ))
    else:
        sec.add(_todo("raci", "There is no RACI table."))
    return sec


def _procedures(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["procedures"])
    pr = s.procedures
    if pr is None:
        return sec.add(_todo("procedures", "No procedures are written for the lifecycle stages."))
    stages = [(st, pr.stage(st)) for st in LIFECYCLE_STAGES]
    sec.add(Paragraph("Each incident passes through the same stages, from identification to closure; the owner "
                      "of each stage makes sure its steps are followed.", generated=True))
    sec.add(Table(
        [Column("Stage"), Column("Owner"), Column("Target")],
        [[STAGE_TITLES[st], _t(p.owner) if p else "not written yet", _t(p.target) if p else DASH]
         for st, p in stages],
        caption="Lifecycle stages, owners and targets",
    ))
    for st, p in stages:
        sub = Section(STAGE_TITLES[st])
        if p is None:
            sub.add(_todo(f"procedures.{st}", f"The {st} stage has no procedure."))
        else:
            if p.steps:
                sub.add(_steps(p.steps))
            sub.add(*_why(p.rationale))
            if not p.steps and not p.rationale:
                sub.add(Paragraph(f"Owner: {_e(p.owner or 'not named')}."))
        sec.add(sub)
    pm = Section("Hand-off to problem management")
    pm.add(Paragraph("Incident management restores service; problem management finds and removes the root cause. "
                     "Looking for the root cause during an outage delays recovery, so it is handed over once "
                     "service is back.", generated=True))
    handoff = pr.problem_management
    if handoff is None:
        pm.add(_todo("procedures.problem_management", "The hand-off to problem management is not described."))
    else:
        if handoff.owner:
            pm.add(Paragraph(f"**Owner:** {_e(handoff.owner)}."))
        if handoff.criteria:
            pm.add(Paragraph("**A problem record is raised for:**\n\n" + _bullets(handoff.criteria)))
        if handoff.steps:
            pm.add(_steps(handoff.steps))
        pm.add(*_why(handoff.rationale))
    sec.add(pm)
    welfare = _welfare(s)
    if welfare is not None:
        sec.add(welfare)
    return sec


def _communication(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["communication"])
    rows = communication_matrix(s)
    if not rows:
        sec.add(_todo("communication.plan", "There is no communication plan."))
    else:
        internal = sum(r.type == "internal" for r in rows)
        sec.add(Paragraph(f"The plan names {c.plural(internal, 'internal audience')} and "
                          f"{c.plural(len(rows) - internal, 'external audience')}; for each, the channel, the "
                          "owner who sends the message and how often it is sent at each priority.", generated=True))
        sec.add(Table(
            [Column("Audience"), Column("Type"), Column("Channel"), Column("Owner")],
            [[_t(r.audience), r.type.capitalize(), _t(r.channel), _t(r.owner)] for r in rows],
            caption="Communication plan: audience, channel and owner",
        ))
        prios = [p for p in PRIORITIES if any(r.cadence.get(p) for r in rows)]
        if prios:
            sec.add(Table(
                [Column("Audience"), *[Column(p) for p in prios]],
                [[_t(r.audience), *[_durations_in_words(_t(r.cadence.get(p))) if r.cadence.get(p) else DASH
                                     for p in prios]]
                 for r in rows],
                caption="Communication plan: how often each audience is updated, per priority",
                notes=[f"{DASH}: no update planned for this audience at this priority. A duration alone (30{NBSP}min) "
                       "means an update that often while the incident is open."],
            ))
    comms = s.communication
    templates = comms.templates if comms else None
    texts = [(name, getattr(templates, key)) for key, name in
             (("initial", "First message"), ("update", "Update"), ("resolution", "Resolution message"))
             if templates is not None and getattr(templates, key)]
    sub = Section("Message templates")
    if texts:
        sub.add(Paragraph("Words in square brackets are filled in for each incident.", generated=True))
        for name, text in texts:
            sub.add(Callout("info", _e(text), title=name))
    else:
        sub.add(_todo("communication.templates", "There are no message templates."))
    sec.add(sub)
    if comms and comms.accessible_formats:
        sec.add(Section("Accessible communication").add(Paragraph(_bullets(comms.accessible_formats))))
    return sec


def _regulatory(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["regulatory"])
    reqs = regulatory_requirements(s)
    if s.regulatory is None:
        return sec.add(_todo("regulatory", "Regulatory and legal requirements are not listed."))
    if not reqs:
        sec.add(Paragraph("The strategy records that none of the built-in obligations applies and lists no "
                          "other requirement."))
        _not_applicable(s, sec)
        return sec
    sec.add(Table(
        [Column("Requirement"), Column("What must be done"), Column("Deadline"), Column("Owner")],
        [[_t(r.title), _t(r.obligation) + (f" Note: {_t(r.notes)}" if r.notes else ""), _t(r.deadline), _t(r.owner)]
         for r in reqs],
        caption="Regulatory and legal requirements during an incident",
    ))
    if any(r.key for r in reqs):
        sec.add(Paragraph("The wording of the built-in obligations is a starting point, not legal advice; the "
                          "owner of each checks it for the organisation.", generated=True))
    _not_applicable(s, sec)
    return sec


def _not_applicable(s: Strategy, sec: Section) -> None:
    rows = not_applicable(s)
    if rows:
        sec.add(Table([Column("Requirement considered"), Column("Why it does not apply here")],
                      [[_t(title), _t(why)] for title, why in rows],
                      caption="Requirements considered and recorded as not applying"))


def _continuity(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["business_continuity"])
    bc = s.business_continuity
    if bc is None or not (bc.plan or bc.services):
        return sec.add(_todo("business_continuity", "There is no link to business continuity."))
    who = _invoker(s)
    sec.add(Paragraph(f"When an incident threatens to last longer than a service can be without, {_e(who)} "
                      "invokes the business continuity plan" + (f": {_e(bc.plan)}." if bc.plan and not is_prompt(bc.plan)
                                                                else ".")))
    if is_prompt(bc.plan):
        sec.add(_gap(bc.plan, "To write: the business continuity plan"))  # type: ignore[arg-type]
    if bc.services:
        sec.add(Table(
            [Column("Service"), Column("RTO", numeric=True), Column("RPO", numeric=True),
             Column("MTPD", numeric=True), Column("Workaround")],
            [[_t(x.service), _dur(x.rto), _dur(x.rpo), _dur(x.mtpd), _t(x.workaround)] for x in bc.services],
            caption="Services with recovery objectives and workarounds",
            notes=["RTO: recovery time objective, how soon the service must be back. RPO: recovery point "
                   "objective, how much data may be lost. MTPD: maximum tolerable period of disruption."],
        ))
    if bc.failover:
        sub = Section("Partner-site failover and mutual aid")
        sub.add(Table(
            [Column("Work goes to"), Column("Type", nowrap=True), Column("Invoked when"), Column("Capacity"),
             Column("Notice", numeric=True), Column("Invoked by")],
            [[_t(f.to), f.type.capitalize(), _t(f.trigger), _t(f.capacity), _dur(f.notice),
              _names([_t(x) for x in f.invoked_by])] for f in bc.failover],
            caption="Where the work goes when a site or the centre cannot carry it",
            notes=["Notice: how long the receiving site or partner needs from the call to taking contacts."]))
        why = [f"- **{_e(f.to)}:** {_e(f.rationale)}" for f in bc.failover if f.rationale and not is_prompt(f.rationale)]
        if why:
            sub.add(Paragraph("**Why:**\n\n" + "\n".join(why)))
        sec.add(sub)
    return sec


def _invoker(s: Strategy) -> str:
    """Who invokes the business continuity plan, from the strategy's own answers: the role that
    invokes a failover, else a role whose responsibilities name continuity, else whoever declares
    a major incident; never a role name the strategy does not use."""
    bc = s.business_continuity
    for f in (bc.failover if bc else ()):
        names = [x for x in f.invoked_by if not is_prompt(x)]
        if names:
            return "the " + " or the ".join(" ".join(n.split()) for n in names)
    for r in s.roles:
        if not is_prompt(r.name) and any(re.search(r"continuity|\bBCP\b", x, re.I) for x in r.responsibilities):
            return "the " + " ".join(r.name.split())
    mi = s.major_incidents
    names = [x for x in (mi.declared_by if mi else ()) if not is_prompt(x)]
    if names:
        return "the " + " or the ".join(" ".join(n.split()) for n in names)
    return "the person leading the incident"


def _welfare(s: Strategy) -> Section | None:
    """Vulnerable customers or patients during an incident (the `welfare:` block)."""
    w = s.welfare
    if w is None:
        return None
    sec = Section("Vulnerable customers during an incident")
    rows = [["How they are identified", _t(w.how_identified)],
            ["What changes for them", "; ".join(_t(x) for x in w.what_changes) or DASH],
            ["Owner", _t(w.owner)]]
    sec.add(Table([Column("Question"), Column("This centre's answer")], rows,
                  caption="Vulnerable customers and welfare during an incident"))
    sec.add(*_why(w.rationale))
    return sec


def _month_axis(start: dt.date, end: dt.date) -> tuple[list[str], list[tuple[int, int]]]:
    """Month columns covering [start, end): labels ("Nov\\n2026", "Dec", "Jan\\n2027") and (year, month)."""
    months: list[tuple[int, int]] = []
    y, m = start.year, start.month
    last = end - dt.timedelta(days=1)
    while (y, m) <= (last.year, last.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    labels = [dt.date(y, m, 1).strftime("%b") + (f"\n{y}" if i == 0 or m == 1 else "")
              for i, (y, m) in enumerate(months)]
    return labels, months


def _position(day: dt.date, first: tuple[int, int]) -> float:
    """Where `day` sits on the month axis: whole months since `first`, plus the day's place in its month."""
    index = (day.year - first[0]) * 12 + day.month - first[1]
    return index + (day.day - 0.5) / _calendar.monthrange(day.year, day.month)[1]


def _calendar_figure(s: Strategy, entries: list[CalendarEntry], start: dt.date) -> Figure:
    end = add_months(start, MONTHS)
    labels, months = _month_axis(start, end)
    order = [e for e in s.exercises if any(x.exercise is e for x in entries)]
    rows = []
    for ex in order:
        rows.append(series(" ".join(ex.name.split()), [_position(x.date, months[0]) for x in entries if x.exercise is ex]))
    per_month = Counter((x.date.year, x.date.month) for x in entries)
    (by, bm), most = max(per_month.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
    busiest = [k for k, v in per_month.items() if v == most]
    title = f"{c.plural(len(entries), 'exercise date')} in the next {MONTHS} months"
    if len(busiest) == 1 and most > 1:
        title += f"; {dt.date(by, bm, 1):%B %Y} is the busiest, with {most}"
    alt = "Timeline of exercise dates. " + " ".join(
        f"{ex.name}: " + ", ".join(f"{x.date.day} {x.date:%b %Y}" for x in entries if x.exercise is ex) + "."
        for ex in order)
    return Figure(
        "fig-exercise-calendar",
        Chart("gantt", title, tuple(labels), tuple(rows), unit="dates",
              subtitle=f"One mark per exercise date, {c.fmt_date(start)} to {c.fmt_date(end - dt.timedelta(days=1))}",
              height_in=0.95 + 0.3 * len(rows)),
        caption=f"Exercise calendar for the {MONTHS} months from {c.fmt_date(start)} (dates in the table above).",
        alt=alt,
    )


def _exercises(s: Strategy, today: dt.date) -> Section:
    sec = Section(SECTION_TITLES["exercises"])
    if not s.exercises:
        return sec.add(_todo("exercises", "No tests or exercises are planned."))
    sec.add(Table(
        [Column("Exercise"), Column("Type"), Column("Frequency"), Column("First date", nowrap=True), Column("Owner")],
        [[_t(e.name), _t(e.type), _t(e.frequency), _date(e.first_date), _t(e.owner)] for e in s.exercises],
        caption="Exercise programme",
    ))
    entries = exercise_calendar(s, start=today, months=MONTHS)
    end = add_months(today, MONTHS) - dt.timedelta(days=1)
    cal = Section("Exercise calendar")
    if entries:
        cal.add(Paragraph(
            f"Every exercise date from {c.fmt_date(today)} to {c.fmt_date(end)}, counted from each exercise's first "
            "date at its frequency.", generated=True))
        cal.add(Table(
            [Column("Date", nowrap=True), Column("Exercise"), Column("Type"), Column("Owner")],
            [[c.fmt_date(x.date), _t(x.exercise.name), _t(x.exercise.type), _t(x.exercise.owner)] for x in entries],
            caption=f"Exercise calendar, {c.fmt_date(today)} to {c.fmt_date(end)}",
            widths=[20, 40, 15, 25],
        ))
        cal.add(_calendar_figure(s, entries, today))
    else:
        cal.add(Paragraph(f"No exercise falls between {c.fmt_date(today)} and {c.fmt_date(end)}."))
    undated = [e.name for e in s.exercises if e.first_date is None]
    if undated:
        cal.add(Callout("todo", f"Without a first date, {_e(_names(undated))} cannot be placed in the calendar: "
                                "add `first_date:` to each.", title="Undated exercises"))
    sec.add(cal)
    details = Section("Exercise details")
    for e in s.exercises:
        parts = []
        if e.scenario:
            parts.append(f"**Scenario:** {_e(e.scenario)}")
        if e.participants:
            parts.append(f"**Participants:** {_e(_names(e.participants))}.")
        if e.objectives:
            parts.append("**Objectives:**\n\n" + _bullets(e.objectives))
        if e.success_criteria:
            parts.append("**Success criteria:**\n\n" + _bullets(e.success_criteria))
        if e.rationale:
            parts.append(f"**Why:** {_e(e.rationale)}")
        details.add(Section(_t(e.name)).add(Paragraph("\n\n".join(parts) or "No details written yet.")))
    sec.add(details)
    return sec


def _training(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["training"])
    if not s.training:
        return sec.add(_todo("training", "No training requirements are listed."))
    sec.add(Table(
        [Column("Audience"), Column("Topic"), Column("Frequency"), Column("Method")],
        [[_names(t.audience), _t(t.topic), _t(t.frequency), _t(t.method)] for t in s.training],
        caption="Training requirements by role",
    ))
    why = [f"- **{_e(_names(t.audience))}:** {_e(t.rationale)}" for t in s.training if t.rationale]
    if why:
        sec.add(Paragraph("**Why:**\n\n" + "\n".join(why)))
    return sec


def _improvement(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["continuous_improvement"])
    ci = s.continuous_improvement
    if ci is None:
        return sec.add(_todo("continuous_improvement", "Continuous improvement is not described."))
    rows = []
    if ci.pir_deadline:
        rows.append(["Post-incident review due", _t(ci.pir_deadline) + " after resolution"])
    if ci.pir_required_for:
        rows.append(["Post-incident review required for", "; ".join(_t(x) for x in ci.pir_required_for)])
    if ci.kpi_review_cadence:
        rows.append(["Incident data reviewed", _t(ci.kpi_review_cadence)])
    reg = ci.lessons_learned_register
    if reg is not None:
        rows.append(["Lessons-learned register", "; ".join(x for x in (
            _t(reg.location) if reg.location else "",
            f"owner: {_t(reg.owner)}" if reg.owner else "",
            f"reviewed: {_t(reg.review_cadence)}" if reg.review_cadence else "") if x) or DASH])
    if rows:
        sec.add(Table([Column("Mechanism"), Column("How it works")], rows,
                      caption="Post-incident reviews, data reviews and lessons learned"))
    if ci.kpis:
        sec.add(Paragraph("**Measures reviewed:**\n\n" + _bullets(ci.kpis)))
    if ci.data_use:
        sec.add(Paragraph("**How incident data changes the service:**\n\n" + _bullets(ci.data_use)))
    return sec


def _consultation(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["consultation"])
    if not s.consultation:
        return sec.add(_todo("consultation", "There is no record of who was consulted."))
    sec.add(Table(
        [Column("Date", nowrap=True), Column("Who"), Column("Method"), Column("What they said"),
         Column("What changed")],
        [[_date(x.date), _t(x.who) + (f" ({_t(x.role)})" if x.role else ""), _t(x.method), _t(x.feedback),
          _t(x.change_made)] for x in s.consultation],
        caption="Stakeholder consultation record",
    ))
    return sec


def _frameworks(s: Strategy) -> Section:
    sec = Section(SECTION_TITLES["frameworks"])
    rows = framework_alignment(s)
    if not rows:
        return sec.add(_todo("frameworks", "No recognised framework is referenced."))
    sec.add(Table(
        [Column("Framework", nowrap=True), Column("Practice or clause"), Column("How this strategy applies it")],
        [[r.framework, _t(r.reference) + (f" {r.title}" if r.framework.startswith("ISO") else ""), _t(r.how)]
         for r in rows],
        caption="Alignment with ITIL 4 practices and ISO 22301:2019 clauses",
    ))
    return sec


# --------------------------------------------------------------------------- the writer's own sections


_PARAGRAPHS = re.compile(r"\n\s*\n")


def _learner(s: Strategy, key: str) -> Section:
    """One of the sections only the writer can write: their text, paragraph by paragraph, under
    a line saying whose words these are; a prompt or nothing is a visible gap."""
    title = LEARNER_TITLES[key]
    sec = Section(title)
    text = getattr(s.learner, key)
    if text is None:
        return sec.add(Callout("todo", f"{title} is not written yet. Only the author can write this section, in "
                                       "their own words, for this centre.", title="To write"))
    if is_prompt(text):
        return sec.add(_gap(text))
    author = s.document_control.author if s.document_control else None
    who = f"{_e(' '.join(author.split()))}, the author" if author and not is_prompt(author) else "the author"
    sec.add(Paragraph(f"*Written by {who}, in their own words.*"))
    sec.add(*(Paragraph(_e(p)) for p in _PARAGRAPHS.split(text.strip()) if p.strip()))
    return sec


# --------------------------------------------------------------------------- evidence


def _defined(s: Strategy) -> set[str]:
    return {cat.name.casefold() for cat in s.categories}


_DAY_NAMES = {"mon": "Monday", "tue": "Tuesday", "wed": "Wednesday", "thu": "Thursday", "fri": "Friday",
              "sat": "Saturday", "sun": "Sunday"}
_DAY_ORDER = list(_DAY_NAMES)


def _days_words(days: Sequence[str]) -> str:
    """("mon", ..., "sat") -> "Monday to Saturday"; ("mon", "wed") -> "Monday and Wednesday"."""
    idx = sorted(_DAY_ORDER.index(d) for d in days)
    if len(idx) == 7:
        return "every day"
    if len(idx) > 2 and idx == list(range(idx[0], idx[-1] + 1)):
        return f"{_DAY_NAMES[_DAY_ORDER[idx[0]]]} to {_DAY_NAMES[_DAY_ORDER[idx[-1]]]}"
    return c.join_words([_DAY_NAMES[_DAY_ORDER[i]] for i in idx])


def _calendar_words(cal: Any) -> str:
    """A clock (config.Calendar) in words: "Monday to Saturday, 08:00–20:00, not on public holidays (GB-ENG)"."""
    if cal is None:
        return "24 hours a day, every day"
    text = f"{_days_words(cal.days)}, {cal.hours.replace('-', chr(0x2013))}"
    hol = cal.holidays
    if hol.country:
        text += f", not on public holidays ({hol.country}{'-' + hol.subdivision if hol.subdivision else ''})"
    if hol.dates:
        text += f", nor on {c.plural(len(hol.dates), 'closure day')}"
    return text


def _clocks(s: Strategy) -> list[Block]:
    """The strategy's named clocks and which priorities and categories run on each."""
    if not s.clocks and not any(t.clock for t in s.priorities.values()) and not any(x.clock for x in s.categories):
        return []
    rows = []
    names = ["24x7", *s.clocks]
    for name in names:
        prios = [p for p, t in s.priorities.items() if t.clock and t.clock.casefold() == name.casefold()]
        cats = [x.name for x in s.categories if x.clock and x.clock.casefold() == name.casefold()]
        if name == "24x7" and not (prios or cats):
            continue
        cal = s.clocks.get(name)
        rows.append([_t(name), _calendar_words(cal), ", ".join(prios) or DASH, _names(cats) if cats else DASH])
    unset = [p for p, t in s.priorities.items() if not t.clock and (t.respond or t.resolve)]
    return [Table([Column("Clock"), Column("Runs"), Column("Priorities"), Column("Categories with their own clock")],
                  rows, caption="Clocks the targets run on",
                  notes=["A category with its own clock keeps it whatever its priority; every other incident runs on "
                         "its priority's clock."]
                  + ([f"{c.join_words(unset)} name{'s' if len(unset) == 1 else ''} no clock."] if unset else []))]


def _clock_sentence(ev: "Evidence") -> str:
    """Which clock the attainment figures ran on, per priority, and where each came from."""
    groups: dict[tuple[str, str], list[str]] = {}
    cals: dict[tuple[str, str], Any] = {}
    for p, use in ev.clocks.items():
        groups.setdefault((use.name, use.source), []).append(p)
        cals[(use.name, use.source)] = use.calendar
    parts = []
    for (name, source), prios in groups.items():
        who = c.join_words(prios)
        if source == "strategy":
            what = ("on the 24-hour clock" if cals[(name, source)] is None
                    else f"on this strategy's {_e(name)} clock ({_e(_calendar_words(cals[(name, source)]))})")
            parts.append(f"{who} {what}")
        elif source == "config":
            parts.append(f"{who} on the {_e(name)} calendar of the centre's reporting configuration "
                         f"({_e(_calendar_words(cals[(name, source)]))}), because this strategy names no clock "
                         f"for {'it' if len(prios) == 1 else 'them'}")
        else:
            parts.append(f"{who} on the 24-hour clock, because this strategy names no clock for "
                         f"{'it' if len(prios) == 1 else 'them'}")
    return "The clock: " + "; ".join(parts) + "." if parts else ""


_OBJECTIVE_UNITS = {"resolution_sla_pct": "pct", "response_sla_pct": "pct", "reopen_rate_pct": "pct",
                    "escalation_rate_pct": "pct", "mttr_hours": "hours", "mtta_hours": "hours", "csat_mean": "score"}
_OBJECTIVE_LABELS = {"resolution_sla_pct": "resolved within target", "response_sla_pct": "responded to within target",
                     "reopen_rate_pct": "reopen rate", "escalation_rate_pct": "escalation rate",
                     "mttr_hours": "mean time to resolve", "mtta_hours": "mean time to acknowledge",
                     "csat_mean": "mean CSAT"}


def _objective_results(ev: "Evidence", label: str) -> Section:
    sec = Section("This strategy's objectives")
    results = ev.objectives
    if not results:
        sec.add(Paragraph("No objective names a figure the incident data can measure (a share resolved or "
                          "responded to within target, a mean time, a reopen rate or a CSAT score), so none is "
                          "marked met or missed here; each is measured as its own row in the objectives table says."))
        return sec
    fields = ev.metrics.fields or None
    rows, rags = [], []
    for r in results:
        unit = _OBJECTIVE_UNITS[r.metric]
        bound = ("at least " if r.at_least else "at most ") + fmt_unit(r.bound, unit)
        figure = _OBJECTIVE_LABELS[r.metric] + (f", {r.priority}" if r.priority else "")
        value = c.fmt_metric(r.value, unit, r.metric, fields)
        status = {True: "Met", False: "Missed", None: "Not measurable"}[r.met]
        rows.append([_t(r.id), _t(r.text), figure, bound, value, status])
        rags.append([None] * 5 + [{True: Rag.GREEN, False: Rag.RED, None: None}[r.met]])
    sec.add(Table(
        [Column("Objective", nowrap=True), Column("What it says"), Column("Measured by"), Column("Target"),
         Column("Actual", numeric=True),
         Column("Status", nowrap=True)],
        rows, rag=rags, caption=f"Objectives with a measurable figure, {label}",
        notes=["Actual: over the whole window, on the clocks named above."]
              + (["Where an objective names no figure of its own, the figure is read from its wording."]
                 if any(r.inferred for r in results) else [])))
    missed = [r for r in results if r.met is False]
    met = [r for r in results if r.met is True]
    if missed:
        sec.add(Paragraph(
            f"{c.join_words([_e(r.id) for r in missed])} {'was' if len(missed) == 1 else 'were'} missed"
            + (f" and {c.join_words([_e(r.id) for r in met])} met" if met else "")
            + ". A missed objective is either out of reach with today's resources or a sign that the process "
              "needs to change; the review of this strategy decides which."))
    elif met:
        sec.add(Paragraph(f"Every objective with a measurable figure was met over {_e(label)}."))
    return sec


def _trend(ev: "Evidence", label: str) -> Section:
    sec = Section("Month by month")
    m = ev.metrics
    fields = m.fields or None
    months = [t for t in m.trend if t.covered]
    if not months:
        return sec.add(Paragraph(f"The data covers no whole month of {_e(label)}."))
    sec.add(Table(
        [Column("Month", nowrap=True), Column("Opened", numeric=True), Column("Resolved", numeric=True),
         Column("Resolution SLA", numeric=True), Column("MTTR", numeric=True)],
        [[c.month_label(t.month), c.fmt_int(t.opened), c.fmt_int(t.resolved),
          c.fmt_metric(t.resolution_sla_pct, "pct", "resolution_sla_pct", fields),
          c.fmt_metric(t.mttr_hours, "hours", "mttr_hours", fields)] for t in months],
        caption=f"Incidents month by month, {label}",
        notes=["Resolution SLA on this strategy's targets and clocks; MTTR in calendar hours."]))
    sla = [(t.month, t.resolution_sla_pct) for t in months if t.resolution_sla_pct is not None]
    if len(sla) >= 2:
        best = max(sla, key=lambda x: x[1])
        worst = min(sla, key=lambda x: x[1])
        if best[1] != worst[1]:
            sec.add(Paragraph(f"Resolution within target ranged from {c.fmt_pct(worst[1])} in "
                              f"{c.month_label(worst[0])} to {c.fmt_pct(best[1])} in {c.month_label(best[0])}."))
    return sec


def _customers(ev: "Evidence", label: str) -> Section:
    sec = Section("Customers affected and satisfaction after incidents")
    m = ev.metrics
    fields = set(m.fields or ())
    t = m.totals
    parts = []
    if "customers_affected" in fields and t.customers_affected is not None:
        mi = [x.customers_affected for x in m.major_incidents if x.customers_affected is not None]
        text = f"Incidents opened from {_e(label)} affected {c.fmt_int(t.customers_affected)} customers in all"
        if mi:
            text += f", {c.fmt_int(sum(mi))} of them in the {c.plural(len(m.major_incidents), 'major incident')}"
        parts.append(text + ".")
    else:
        parts.append("The incident data does not record how many customers each incident affected, so the "
                     "strategy's impact levels cannot be checked against it.")
    if "csat" in fields and t.csat_mean is not None:
        parts.append(f"Customers who rated the handling of a resolved incident gave it {c.fmt_score(t.csat_mean)} "
                     "on average.")
    else:
        parts.append("The incident data has no satisfaction score after incidents; the effect on CSAT needs "
                     "the contact centre's own survey results.")
    return sec.add(Paragraph(" ".join(parts)))


_GENERIC = {"outage", "failure", "incident", "incidents", "system", "systems", "service", "services", "down",
            "loss", "lost", "problem", "fault", "faults", "error", "errors", "unavailable", "degraded", "major",
            "minor", "other", "general", "issue", "issues"}


def _rehearsed_by(s: Strategy, category: str) -> list[Any]:
    """The exercises whose name or scenario names the category's own words (not "outage", "failure")."""
    def stems(text: str) -> set[str]:
        return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in re.findall(r"[a-z0-9]+", text.casefold())}

    words = {w for w in stems(category) if len(w) >= 3 and w not in _GENERIC}
    if not words:
        return []
    out = []
    for ex in s.exercises:
        text = stems(f"{ex.name} {ex.scenario or ''}")
        if words & text and len(words & text) * 2 >= len(words):
            out.append(ex)
    return out


def _focus(s: Strategy, ev: "Evidence", label: str, issued: dt.date) -> Section:
    focus = Section("Where exercises should focus")
    majors = ev.major_by_category
    fields = ev.metrics.fields or None
    defined = _defined(s)
    if not majors:
        if fields is not None and "major" not in fields:
            return focus.add(Paragraph(f"The major-incident flag is {c.NOT_IN_EXPORT}; the categories with the most "
                                       "incidents are the best guide to exercise scenarios (table above)."))
        return focus.add(Paragraph(f"No major incident was opened in {_e(label)}; the categories with the most "
                                   "incidents are the best guide to exercise scenarios (table above)."))
    top = list(majors.items())[:5]
    entries = exercise_calendar(s, start=issued, months=MONTHS)
    rehearsed = {name: _rehearsed_by(s, name) for name, _ in top}

    def by(name: str) -> str:
        exs = rehearsed[name]
        return "; ".join(_t(e.name) for e in exs) if exs else "Not rehearsed"

    focus.add(Table(
        [Column("Category"), Column("Major incidents", numeric=True), Column("In strategy", align="center"),
         Column("Rehearsed by")],
        [[_t(name), c.fmt_int(n), "Yes" if name.casefold() in defined else "No", by(name)] for name, n in top],
        caption=f"Categories with the most major incidents, {label}",
        more=f"and {len(majors) - len(top)} more categories" if len(majors) > len(top) else None,
    ))
    most = max(majors.values())
    leaders = [name for name, n in majors.items() if n == most]
    covered = [n for n in leaders if rehearsed.get(n)]
    open_ = [n for n in leaders if not rehearsed.get(n)]
    text = (f"{_e(c.join_words(leaders))} had the most major incidents ({c.fmt_int(most)}"
            f"{'' if len(leaders) == 1 else ' each'}).")
    for name in covered:
        dates = [x.date for x in entries if x.exercise in rehearsed[name]]
        when = f", next on {c.fmt_date(min(dates))}" if dates else ""
        text += (f" The exercise programme already rehearses {_e(name)} "
                 f"({_e(c.join_words([' '.join(e.name.split()) for e in rehearsed[name]]))}{when}).")
    if open_:
        text += (f" No exercise yet rehearses {_e(c.join_words(open_))}: "
                 f"{'it is' if len(open_) == 1 else 'they are'} the scenario{'' if len(open_) == 1 else 's'} "
                 "to add to the programme first.")
    else:
        others = [name for name, _ in top if not rehearsed[name]]
        if others:
            text += (f" Of the other categories with major incidents, {_e(c.join_words(others))} "
                     f"{'is' if len(others) == 1 else 'are'} not rehearsed yet: add "
                     f"{'it' if len(others) == 1 else 'them'} to the programme next.")
    return focus.add(Paragraph(text))


def _evidence(s: Strategy, ev: "Evidence", issued: dt.date) -> Section:
    sec = Section(EVIDENCE_TITLE)
    m = ev.metrics
    label = ev.label
    totals = m.totals
    by_cat = m.by_category
    fields = m.fields or None
    defined = _defined(s)
    sec.add(Paragraph(
        f"What {c.plural(totals.opened or 0, 'incident')} opened from {_e(label)} say about this strategy "
        f"(the {MONTHS} full months up to the newest incident in the data). The figures come from the same "
        "metrics as the monthly incident report, measured against this strategy's own targets and on its own "
        "clocks. " + (_clock_sentence(ev) or "This strategy sets no response or resolution target yet, so no "
                      "share within target is measured.")))

    own = {k.casefold(): v for k, v in ev.by_category_own_clock.items()}
    vol = Section("Volume and time to resolve by category")
    if by_cat:
        def sla_cell(name: str, v: Any) -> str:
            key = name.casefold()
            if key in own:
                return c.fmt_metric(own[key].resolution_sla_pct, "pct", "resolution_sla_pct", fields) + "*"
            return c.fmt_metric(v.resolution_sla_pct, "pct", "resolution_sla_pct", fields)

        vol.add(Table.capped(
            [Column("Category"), Column("In strategy", align="center"), Column("Opened", numeric=True),
             Column("Resolved", numeric=True), Column("MTTR", numeric=True), Column("Resolution SLA", numeric=True)],
            [[_t(name), "Yes" if name.casefold() in defined else "No", c.fmt_int(v.opened),
              c.fmt_int(v.resolved), c.fmt_metric(v.mttr_hours, "hours", "mttr_hours", fields), sla_cell(name, v)]
             for name, v in by_cat.items()],
            limit=20, noun="categories", caption=f"Incidents by category, {label}",
            notes=["Largest first by incidents opened. MTTR: mean time to resolve, in calendar hours. Resolution "
                   "SLA: the share resolved within this strategy's resolution target for the priority."]
                  + (["*: on the category's own clock (" + "; ".join(
                      f"{_t(k)} {_t(u.name)}" for k, u in ev.category_clocks.items()
                      if k.casefold() in own) + ")."] if any(k in own for k in (n.casefold() for n in by_cat))
                     else []),
        ))
    else:
        vol.add(Paragraph(f"No incident was opened or resolved in {_e(label)}."))
    sec.add(vol)

    gaps = Section("Categories the strategy does not define")
    missing = [(name, v) for name, v in by_cat.items() if name.casefold() not in defined and name != UNCATEGORISED]
    if missing:
        n = sum(v.opened or 0 for _, v in missing)
        gaps.add(Paragraph(
            f"{c.plural(len(missing), 'category', 'categories')} in the data {'is' if len(missing) == 1 else 'are'} "
            f"not defined in section {_number_of('categories')}, covering {c.plural(n, 'incident')} opened: "
            + ", ".join(f"{_e(name)} ({c.fmt_int(v.opened)})" for name, v in missing)
            + ". Define each (or map it to an existing category) so that it has a priority, a resolver group and "
              "an escalation path."))
    else:
        gaps.add(Paragraph("Every category in the data is defined by this strategy."))
    unc = by_cat.get(UNCATEGORISED)
    if unc is not None and unc.opened:
        gaps.add(Paragraph(f"{c.plural(unc.opened, 'incident')} opened had no category recorded."))
    sec.add(gaps)

    att = Section("Attainment against this strategy's targets")
    by_p = m.by_priority
    res_goal = m.targets.get("resolution_sla_pct") if ev.config_loaded else None
    resp_goal = m.targets.get("response_sla_pct") if ev.config_loaded else None
    prios = [p for p in PRIORITIES if p in s.priorities]
    if prios:
        rows, rags = [], []
        for p in prios:
            v = by_p.get(p)
            opened, resolved = (v.opened, v.resolved) if v is not None else (None, None)
            resp, res, mttr = ((v.response_sla_pct, v.resolution_sla_pct, v.mttr_hours) if v is not None
                               else (None, None, None))
            use = ev.clocks.get(p)
            rows.append([p, _t(use.name) if use else DASH, _dur(s.priorities[p].respond),
                         _dur(s.priorities[p].resolve), c.fmt_int(opened), c.fmt_int(resolved),
                         c.fmt_metric(resp, "pct", "response_sla_pct", fields),
                         c.fmt_metric(res, "pct", "resolution_sla_pct", fields),
                         c.fmt_metric(mttr, "hours", "mttr_hours", fields)])
            rags.append([None] * 6 + [c.rag_status(resp, resp_goal), c.rag_status(res, res_goal), None])
        notes = ["Response and resolution SLA: the share of incidents acknowledged / resolved within this strategy's "
                 "targets for their priority, counting time only while the priority's clock runs."]
        if res_goal is not None or resp_goal is not None:
            notes.append(f"Status against the centre's attainment targets: response "
                         f"{c.fmt_target(resp_goal, 'pct')}, resolution {c.fmt_target(res_goal, 'pct')} "
                         f"({Rag.GREEN.label} meets it, {Rag.AMBER.label} within 10 % of it, {Rag.RED.label} further off).")
        att.add(Table(
            [Column("Priority", nowrap=True), Column("Clock"), Column("Respond within", numeric=True),
             Column("Resolve within", numeric=True), Column("Opened", numeric=True),
             Column("Resolved", numeric=True), Column("Response SLA", numeric=True),
             Column("Resolution SLA", numeric=True), Column("MTTR", numeric=True)],
            rows, rag=rags, caption=f"Attainment against this strategy's targets, {label}", notes=notes,
        ))
        attained = [(p, by_p[p].resolution_sla_pct if p in by_p else None) for p in prios]
        below = [(p, v) for p, v in attained if v is not None and res_goal is not None and v < res_goal]
        if below:
            att.add(Paragraph(
                f"{c.join_words([f'{p} ({c.fmt_pct(v)})' for p, v in below])} "
                f"{'falls' if len(below) == 1 else 'fall'} short of the {c.fmt_target(res_goal, 'pct')} resolution "
                "target: either the targets are too tight for the current resources, or resolution needs to be faster. "
                "Review both at the next review of this strategy."))
        elif res_goal is not None and any(v is not None for _, v in attained):
            att.add(Paragraph(f"Every priority met the {c.fmt_target(res_goal, 'pct')} resolution target over "
                              f"the last {MONTHS} months."))
    else:
        att.add(_todo("priorities", "Without targets per priority there is nothing to measure attainment against."))
    sec.add(att)
    sec.add(_objective_results(ev, label))
    sec.add(_trend(ev, label))
    sec.add(_customers(ev, label))
    sec.add(_focus(s, ev, label, issued))
    return sec


# --------------------------------------------------------------------------- coverage


def _number_of(key: str) -> str:
    """The section number a key gets in this document (sections are always in DOCUMENT_ORDER)."""
    return str(DOCUMENT_ORDER.index(key) + 1)


#: The top-level sections of the strategy file, in order (document control sits on the cover).
MAIN_KEYS = [k for k in SECTION_TITLES if k != "document_control"]
#: The writer's own sections (the `learner:` block): key -> title.
LEARNER_TITLES = {key: title for key, title, _words in LEARNER_SECTIONS}
#: Where each of the writer's sections goes: before the section named (None: at the end). The
#: executive summary opens the document; context and risk follows the organisation; the worked
#: scenario follows the procedures; the KPI impact leads into continuous improvement; the
#: reflection closes it.
LEARNER_PLACES = {"executive_summary": "organisation", "context_and_risk": "scope",
                  "worked_scenario": "communication", "kpi_impact": "continuous_improvement", "reflection": None}


def _document_order() -> list[str]:
    order = list(MAIN_KEYS)
    for key, before in LEARNER_PLACES.items():
        order.insert(order.index(before) if before else len(order), "learner." + key)
    return order


#: Every top-level section in document order: strategy keys and "learner.<key>" for the writer's own.
DOCUMENT_ORDER = _document_order()


def _coverage(s: Strategy, rows: "list[CoverageRow]", findings: "list[Finding]", share: float = 0.0) -> Section:
    from ..strategy.check import MISSING, PRESENT, PRESENT_WITH_WARNINGS

    sec = Section(COVERAGE_TITLE, appendix=True)
    where = {SECTION_TITLES[k]: f"{_number_of(k)} {SECTION_TITLES[k]}" for k in MAIN_KEYS}
    where.update({t: f"{_number_of('learner.' + k)} {t}" for k, t in LEARNER_TITLES.items()})
    where[SECTION_TITLES["document_control"]] = "Cover: document control"
    counts = {st: sum(r.status == st for r in rows) for st in (PRESENT, PRESENT_WITH_WARNINGS, MISSING)}
    sec.add(Paragraph(
        f"Where this strategy gives evidence for each of the {len(ASSESSMENT_POINTS)} assessment points: "
        f"{counts[PRESENT]} present, {counts[PRESENT_WITH_WARNINGS]} present with warnings, "
        f"{counts[MISSING]} missing. Evidence is present when at least one section addresses the point and "
        "the automated check found no error against it; it is missing when no section does, or an error "
        "stands against it. Whether the evidence meets the criterion is the assessor's judgement, recorded "
        "in the last column."))
    if share:
        sec.add(Paragraph(f"{share * 100:.0f}{NBSP}% of the strategy's text fields read as the shipped "
                          "worked example's text rather than the writer's own."))

    def found(r: "CoverageRow") -> str:
        parts = ([c.plural(r.errors, "error")] if r.errors else []) + \
                ([c.plural(r.warnings, "warning")] if r.warnings else [])
        return ", ".join(parts) or DASH

    anchor = {SECTION_TITLES[k]: "sec-" + _number_of(k) for k in MAIN_KEYS}
    anchor.update({t: "sec-" + _number_of("learner." + k) for k, t in LEARNER_TITLES.items()})

    def places(r: "CoverageRow") -> tuple[str, str | None]:
        """The cell naming the sections, and its references (one anchor per section, "-" for none)."""
        if not r.sections:
            return "No section yet", None
        names = [_t(where.get(t, t)).replace("; ", ", ") for t in r.sections]
        return "; ".join(names), " ".join(anchor.get(t, "-") for t in r.sections)

    cells = [places(r) for r in rows]
    evidence = 24 if any(r.status == PRESENT_WITH_WARNINGS for r in rows) else 12
    sec.add(Table(
        [Column("Point", numeric=True), Column("Criterion"), Column("Evidence", nowrap=True),
         Column("Where it is"), Column("Check found"), Column("Assessor's judgement")],
        [[str(r.point), r.title, r.status, cell[0], found(r), ""] for r, cell in zip(rows, cells)],
        refs=[[None, None, None, cell[1], None, None] for cell in cells],
        rag=[[None, None, Rag.GREEN if r.status == PRESENT else Rag.AMBER if r.status == PRESENT_WITH_WARNINGS
              else Rag.RED, None, None, None] for r in rows],
        caption="Assessment points and where the evidence is",
        # Fixed shape; the evidence column (one line) is wide enough for its longest word in use.
        widths=[7, 26, evidence, 45 - evidence, 10, 12],
    ))
    if findings:
        errors = sum(f.severity == "error" for f in findings)
        sec.add(Paragraph(f"The automated check of the strategy found {c.plural(errors, 'error')} and "
                          f"{c.plural(len(findings) - errors, 'warning')}:"))
        sec.add(Table(
            [Column("Severity", nowrap=True), Column("Point", numeric=True), Column("Where"), Column("What to do")],
            [[f.severity.capitalize(), str(f.point),
              (f.path or "whole strategy") + (f", line {f.line}" if f.line else ""), f.message] for f in findings],
            rag=[[Rag.RED if f.severity == "error" else Rag.AMBER, None, None, None] for f in findings],
            caption="Findings of the automated check",
        ))
    else:
        sec.add(Paragraph("The automated check raised no error or warning. It checks structure and wording, "
                          "not the quality of the reasoning, which is the assessor's judgement."))
    return sec


# --------------------------------------------------------------------------- entry points


@dataclass
class Coverage:
    """The criteria-coverage appendix: the coverage rows and the strategy-check findings they come from."""

    rows: "list[CoverageRow]"
    findings: "list[Finding]" = field(default_factory=list)
    #: The share (0-1) of the text fields that are the shipped example's (strategy.substance).
    example_share: float = 0.0


@dataclass(frozen=True)
class StrategyOptions:
    """`today`: the build date; the cover's date and the first day of the exercise calendar when the
    strategy has no `document_control.issued` date."""

    today: dt.date | None = None
    #: What the document and its evidence were made from (ccreport.provenance.Provenance).
    provenance: Any = None


def build_strategy(
    strategy: Strategy,
    evidence: "Evidence | None" = None,
    coverage: Coverage | None = None,
    branding: Branding | None = None,
    options: StrategyOptions | None = None,
) -> Document:
    """The strategy Document; `evidence` from `strategy.evidence.strategy_evidence` adds the
    evidence section, `coverage` the criteria-coverage appendix."""
    s = strategy
    options = options or StrategyOptions()
    branding = branding or Branding()
    today = options.today or dt.date.today()
    dc = s.document_control
    # The exercise calendar (and the document's date) run from the strategy's own issue date, so the
    # same file renders the same calendar whatever the day; a draft without one starts today.
    issued = dc.issued if dc is not None and dc.issued is not None else today
    builders = {
        "organisation": _organisation, "scope": _scope, "objectives": _objectives, "categories": _categories,
        "priorities": _priorities, "major_incidents": _major, "escalation": _escalation, "roles": _roles,
        "procedures": _procedures, "communication": _communication, "regulatory": _regulatory,
        "business_continuity": _continuity, "exercises": lambda st: _exercises(st, issued),
        "training": _training, "continuous_improvement": _improvement, "consultation": _consultation,
        "frameworks": _frameworks,
    }
    blocks: list[Block] = list(_document_control(s))
    blocks += [_learner(s, key.removeprefix("learner.")) if key.startswith("learner.") else builders[key](s)
               for key in DOCUMENT_ORDER]
    if evidence is not None:
        blocks.append(_evidence(s, evidence, issued))
    if coverage is not None:
        blocks.append(_coverage(s, coverage.rows, coverage.findings, coverage.example_share))
    # Every table has a fixed shape once its text is known: lay each out from shares estimated
    # here (cheap) instead of having the PDF engine measure every cell (about 1,000 of them).
    # (Sections only: the cover's document-control tables sit in a narrower box; the provenance
    # appendix, shared with the other documents, keeps the automatic layout.)
    for blk in Document("strategy", "", blocks=[b for b in blocks if isinstance(b, Section)]).walk():
        if isinstance(blk, Table) and blk.widths is None and blk.rows:
            blk.widths = blk.estimated_widths()
    if options is not None and options.provenance is not None:
        blocks.append(c.provenance_section(options.provenance))

    name = " ".join(s.organisation.name.split())
    label = " \u00b7 ".join(x for x in (
        f"Version {' '.join(dc.version.split())}" if dc and dc.version else "",
        " ".join(dc.status.split()) if dc and dc.status else "") if x)
    subject_bits = [f"How {name} identifies, prioritises, escalates, resolves and learns from incidents"]
    if dc and dc.owner and not is_prompt(dc.owner):  # a skeleton's prompt is not an owner
        subject_bits.append(f"owner: {' '.join(dc.owner.split())}")
    if dc and dc.review_date:
        subject_bits.append(f"next review {c.fmt_date(dc.review_date)}")
    return Document(
        kind="strategy",
        title=" ".join(dc.title.split()) if dc and dc.title else DEFAULT_TITLE,
        subtitle=name,
        period_label=label,
        organisation=name,
        author=" ".join(dc.author.split()) if dc and dc.author and not is_prompt(dc.author) else name,
        date=issued,
        blocks=blocks,
        subject="; ".join(subject_bits),
        keywords=["incident management", "strategy", name],
        primary_colour=branding.primary_colour,
        logo=branding.logo,
    )
