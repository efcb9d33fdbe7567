"""`strategy-check`: gaps in a strategy against the 16 assessment points, as findings.

Each rule is a small generator registered with the point it costs. A finding names the YAML
path to fix (and its line when the strategy came from a file), the point and its title, and
says in plain words what is missing and what to add. `coverage()` turns the same findings
into the "criteria coverage" appendix: which sections meet each point.

An error is a gap an assessor would mark down; a warning is a weakness worth fixing. The CLI
exits 3 when any finding is an error (SPEC §7).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple

from ..schema import PRIORITIES
from . import prompts, substance
from .model import LIFECYCLE_STAGES, SECTION_TITLES, Strategy, key_path, load_document

FORMAT_VERSION = 1

#: The assessment points a strategy is judged against. Points 9-12 are worded here as what a
#: strategy must do; an assessor marks a strategy down when it fails them (MARKED_DOWN).
ASSESSMENT_POINTS: dict[int, str] = {
    1: "Incident categories and escalation paths clearly defined",
    2: "Procedures aligned with organisational goals",
    3: "Stakeholder communication plans and training requirements",
    4: "Testing and continuous-improvement mechanisms",
    5: "A full strategy with the rationale for each decision",
    6: "Realistic contact-centre scenarios (system outage, telephony failure, security breach, high call volumes)",
    7: "Links to recognised frameworks (ITIL, ISO 22301)",
    8: "Evidence of stakeholder consultation",
    9: "Incident management not confused with business-as-usual complaint handling",
    10: "Regulatory and legal requirements included",
    11: "Post-incident review and lessons learned",
    12: "Major incidents distinguished from minor issues",
    13: "The incident lifecycle: identification, logging, prioritisation, escalation, resolution, closure",
    14: "Incident data (frequency, resolution times, impact) used to improve service and reduce risk",
    15: "Incident management distinguished from problem management (restoring service vs root cause)",
    16: "Internal and external communication during incidents",
}

MARKED_DOWN = frozenset({9, 10, 11, 12})

#: The realistic scenarios point 6 looks for, and the words that show each one.
SCENARIOS: dict[str, re.Pattern[str]] = {
    "system outage": re.compile(
        r"system outage|outage|system failure|\bcrm\b|unavailable|network|\bwan\b|data centre|platform failure",
        re.I),
    "telephony failure": re.compile(
        r"telephony|\bphones?\b|\bsip\b|\bivr\b|\bacd\b|softphone|carrier|trunk|call routing|\b0800\b", re.I),
    "security breach": re.compile(
        r"security|breach|cyber|phishing|ransomware|malware|data loss|personal data|compromise", re.I),
    "high call volumes": re.compile(
        r"call volume|contact volume|high volume|surge|spike|(?:above|over) forecast|peak demand|contact demand",
        re.I),
}

#: Words that mark business-as-usual request handling rather than an incident (complaint
#: wording is `substance.COMPLAINT_WORDS`, an error of its own).
BUSINESS_AS_USUAL = substance.REQUEST_WORDS

#: Training audiences that cover every role.
ALL_ROLES = {"all roles", "all staff", "everyone", "all colleagues", "all employees"}


@dataclass(frozen=True)
class Finding:
    """One gap: how bad it is, where to fix it, the point it costs and what to do."""

    severity: str  # "error" or "warning"
    path: str  # YAML key path, e.g. categories[3].escalation_path ("" = the whole strategy)
    point: int
    message: str
    rule: str
    line: int | None = None

    @property
    def point_title(self) -> str:
        return ASSESSMENT_POINTS[self.point]

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "point": self.point,
            "point_title": self.point_title,
            "rule": self.rule,
            "path": self.path,
            "line": self.line,
            "message": self.message,
        }


#: A point's evidence as the check sees it (the assessor judges it; the check does not).
PRESENT, PRESENT_WITH_WARNINGS, MISSING = "Present", "Present with warnings", "Missing"


class CoverageRow(NamedTuple):
    point: int
    title: str
    sections: tuple[str, ...]  # section titles (SECTION_TITLES) that address the point
    met: bool  # at least one section addresses it and no error finding costs it
    #: PRESENT: a section addresses it and the check found nothing against it; PRESENT_WITH_WARNINGS:
    #: a section addresses it and only warnings were found; MISSING: no section, or an error.
    status: str = MISSING
    errors: int = 0
    warnings: int = 0


# --------------------------------------------------------------------------- rule registry

_Hit = tuple  # (severity, loc, message) or (severity, loc, message, point)


class _Rule(NamedTuple):
    id: str
    point: int
    func: Callable[[Strategy], Iterable[_Hit]]


RULES: list[_Rule] = []


def _rule(rule_id: str, point: int) -> Callable:
    def register(func: Callable[[Strategy], Iterable[_Hit]]) -> Callable:
        RULES.append(_Rule(rule_id, point, func))
        return func

    return register


def _error(loc: tuple, message: str) -> _Hit:
    return ("error", loc, message)


def _warning(loc: tuple, message: str) -> _Hit:
    return ("warning", loc, message)


def _used_priorities(s: Strategy) -> list[str]:
    used = {c.default_priority for c in s.categories if c.default_priority}
    if s.priority_matrix:
        used |= {p for row in s.priority_matrix for p in row}
    used |= set(s.priorities)
    return [p for p in PRIORITIES if p in used]


def _raci_roles(s: Strategy) -> list[str]:
    seen: dict[str, str] = {}
    for entry in s.raci:
        for role in entry.assignments:
            seen.setdefault(role.casefold(), role)
    return list(seen.values())


# ---- point 1: categories and escalation paths ----------------------------------------------


@_rule("no-categories", 1)
def _no_categories(s: Strategy) -> Iterator[_Hit]:
    if not s.categories:
        yield _error(("categories",), "No incident categories are defined. List the kinds of incident the "
                     "centre handles, each with a definition, default priority and escalation path.")


@_rule("category-definition", 1)
def _category_definition(s: Strategy) -> Iterator[_Hit]:
    for i, c in enumerate(s.categories):
        if not c.definition:
            yield _error(("categories", i, "definition"), f"The category {c.name!r} has no definition. Say "
                         "what counts as this kind of incident, so that two people would log it the same way.")


@_rule("category-escalation-path", 1)
def _category_escalation(s: Strategy) -> Iterator[_Hit]:
    for i, c in enumerate(s.categories):
        if not c.escalation_path:
            yield _error(("categories", i, "escalation_path"), f"The category {c.name!r} has no escalation path. "
                         "List the tiers or teams it passes through, in order (e.g. Service Desk, Telephony "
                         "Team, supplier).")


@_rule("category-detail", 1)
def _category_detail(s: Strategy) -> Iterator[_Hit]:
    for i, c in enumerate(s.categories):
        if not c.resolver_group:
            yield _warning(("categories", i, "resolver_group"), f"The category {c.name!r} names no resolver "
                           "group. Say which team restores service for it.")
        if not c.default_priority:
            yield _warning(("categories", i, "default_priority"), f"The category {c.name!r} has no default "
                           "priority (P1–P5). Give the priority it usually starts at.")


@_rule("impact-urgency", 1)
def _impact_urgency(s: Strategy) -> Iterator[_Hit]:
    for key in ("impact", "urgency"):
        levels = {lv.level for lv in getattr(s, key)}
        missing = [str(n) for n in (1, 2, 3) if n not in levels]
        if missing:
            yield _error((key,), f"{key.capitalize()} level{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} not described. Describe "
                         f"{key} levels 1 (highest) to 3, so that everyone prioritises the same way.")


@_rule("priority-matrix", 1)
def _priority_matrix(s: Strategy) -> Iterator[_Hit]:
    if s.priority_matrix is None:
        yield _error(("priority_matrix",), "There is no priority matrix. Add priority_matrix: 3 rows (impact "
                     "1-3) of 3 priorities (urgency 1-3), e.g. [[P1, P2, P3], [P2, P3, P4], [P3, P4, P5]].")


@_rule("priority-targets", 1)
def _priority_targets(s: Strategy) -> Iterator[_Hit]:
    for p in _used_priorities(s):
        target = s.priorities.get(p)
        if target is None:
            yield _error(("priorities", p), f"{p} is used but has no targets. Add its response, resolution "
                         "and update-cadence targets under priorities.")
            continue
        for key, word in (("respond", "response"), ("resolve", "resolution")):
            if getattr(target, key) is None:
                yield _error(("priorities", p, key), f"{p} has no {word} target. Add {key}: with a duration "
                             "such as 15m, 4h or 3d.")


@_rule("functional-escalation", 1)
def _functional(s: Strategy) -> Iterator[_Hit]:
    if not (s.escalation and s.escalation.functional):
        yield _error(("escalation", "functional"), "There are no functional escalation tiers. List each tier "
                     "(Tier 1 service desk, Tier 2 resolver teams, Tier 3 suppliers) with its team, scope and "
                     "the criteria for handing off to the next tier.")
        return
    for i, tier in enumerate(s.escalation.functional):
        if not tier.hand_off:
            yield _warning(("escalation", "functional", i, "hand_off"), f"Tier {tier.tier} ({tier.team}) has "
                           "no hand-off criteria. Say when an incident moves on from this tier.")


@_rule("hierarchical-escalation", 1)
def _hierarchical(s: Strategy) -> Iterator[_Hit]:
    steps = s.escalation.hierarchical if s.escalation else {}
    if not any(steps.values()):
        yield _error(("escalation", "hierarchical"), "There is no hierarchical escalation. For each priority, "
                     "say who is told after how long (e.g. P1: after 15m the Duty Manager, after 1h the Head "
                     "of Operations).")
        return
    for p in ("P1", "P2"):
        if p in _used_priorities(s) and not steps.get(p):
            yield _warning(("escalation", "hierarchical", p), f"{p} has no hierarchical escalation. Say which "
                           "managers are told, and after how long.")


@_rule("escalation-after-target", 1)
def _escalation_after_target(s: Strategy) -> Iterator[_Hit]:
    if not s.escalation:
        return
    for p, steps in s.escalation.hierarchical.items():
        target = s.priorities.get(p)
        if not target or not target.resolve:
            continue
        for j, step in enumerate(steps):
            if step.after.hours > target.resolve.hours:
                yield _error(("escalation", "hierarchical", p, j, "after"), f"{p} escalates to "
                             f"{', '.join(step.notify)} after {step.after}, later than its resolution target "
                             f"({target.resolve}). Escalate before the target is missed, not after.")


@_rule("roles-and-raci", 1)
def _roles_and_raci(s: Strategy) -> Iterator[_Hit]:
    if not s.roles:
        yield _error(("roles",), "No roles are defined. List the roles in incident management (e.g. Incident "
                     "Manager, Duty Manager, Service Desk Analyst) and their responsibilities.")
    if not s.raci:
        yield _error(("raci",), "There is no RACI. For each lifecycle activity, say who is Responsible, "
                     "Accountable, Consulted and Informed.")


@_rule("raci-one-accountable", 1)
def _raci_accountable(s: Strategy) -> Iterator[_Hit]:
    for i, entry in enumerate(s.raci):
        accountable = [role for role, letters in entry.assignments.items() if "A" in letters]
        if len(accountable) != 1:
            found = f"{len(accountable)} ({', '.join(accountable)})" if accountable else "none"
            yield _error(("raci", i, "assignments"), f"The activity {entry.activity!r} needs exactly one "
                         f"Accountable role (A); it has {found}. One person must own each activity.")
        if not any("R" in letters for letters in entry.assignments.values()):
            yield _warning(("raci", i, "assignments"), f"No role is Responsible (R) for {entry.activity!r}. "
                           "Say who does the work.")


# ---- point 2: goals and objectives ---------------------------------------------------------


@_rule("no-goals", 2)
def _no_goals(s: Strategy) -> Iterator[_Hit]:
    if not s.organisation.goals:
        yield _error(("organisation", "goals"), "The organisation has no goals. List its goals (id and text) "
                     "so that the objectives and procedures can show which goals they support.")


@_rule("no-objectives", 2)
def _no_objectives(s: Strategy) -> Iterator[_Hit]:
    if not s.objectives:
        yield _error(("objectives",), "There are no objectives. Add the strategy's objectives, each linked "
                     "to the goal ids it supports.")


@_rule("objective-goals", 2)
def _objective_goals(s: Strategy) -> Iterator[_Hit]:
    for i, objective in enumerate(s.objectives):
        if not objective.goals:
            name = objective.id or f"objective {i + 1}"
            yield _error(("objectives", i, "goals"), f"The objective {name!r} is not linked to a goal. Add "
                         "goals: with the id(s) of the organisational goal(s) it supports.")


@_rule("goal-unsupported", 2)
def _goal_unsupported(s: Strategy) -> Iterator[_Hit]:
    linked = {g for o in s.objectives for g in o.goals}
    if not s.objectives:
        return
    for i, goal in enumerate(s.organisation.goals):
        if goal.id not in linked:
            yield _warning(("organisation", "goals", i), f"No objective supports goal {goal.id} "
                           f"({goal.text!r}). Link an objective to it, or say why it is out of scope.")


# ---- point 3: communication plans and training ---------------------------------------------


@_rule("no-communication-plan", 3)
def _no_comms(s: Strategy) -> Iterator[_Hit]:
    if not (s.communication and s.communication.plan):
        yield _error(("communication", "plan"), "There is no communication plan. For each audience, give the "
                     "channel, the owner and how often they are updated at each priority.")


@_rule("no-training", 3)
def _no_training(s: Strategy) -> Iterator[_Hit]:
    if not s.training:
        yield _error(("training",), "There are no training requirements. For each role, give the topic, how "
                     "often, and the method (e-learning, workshop, shadowing, exercise).")


@_rule("role-training", 3)
def _role_training(s: Strategy) -> Iterator[_Hit]:
    audiences = {a.casefold() for t in s.training for a in t.audience}
    if not s.training or audiences & ALL_ROLES:
        return
    for role in _raci_roles(s):
        if role.casefold() not in audiences:
            yield _error(("training",), f"The role {role!r} has a part in the RACI but no training. Add a "
                         "training entry whose audience includes it.")


@_rule("training-detail", 3)
def _training_detail(s: Strategy) -> Iterator[_Hit]:
    for i, t in enumerate(s.training):
        for key, word in (("frequency", "how often it happens"), ("method", "how it is delivered")):
            if not getattr(t, key):
                yield _warning(("training", i, key), f"The training {t.topic!r} does not say {word}.")


# ---- point 4: testing and continuous improvement -------------------------------------------


@_rule("no-exercises", 4)
def _no_exercises(s: Strategy) -> Iterator[_Hit]:
    if not s.exercises:
        yield _error(("exercises",), "There is no testing or exercise programme. Add exercises (walkthrough, "
                     "tabletop, call tree, functional, simulation or full-scale) with a frequency and a first "
                     "date.")


@_rule("exercise-dated", 4)
def _exercise_dated(s: Strategy) -> Iterator[_Hit]:
    if s.exercises and not any(e.first_date for e in s.exercises):
        yield _error(("exercises",), "No exercise has a date, so there is no exercise calendar. Give each "
                     "exercise a first_date (YYYY-MM-DD) and a frequency.")


@_rule("exercise-schedule", 4)
def _exercise_schedule(s: Strategy) -> Iterator[_Hit]:
    if not any(e.first_date for e in s.exercises):
        return  # exercise-dated says it once
    for i, e in enumerate(s.exercises):
        if e.first_date is None:
            yield _warning(("exercises", i, "first_date"), f"The exercise {e.name!r} has no first date, so it "
                           "is missing from the calendar.")
        if e.frequency is None:
            yield _warning(("exercises", i, "frequency"), f"The exercise {e.name!r} has no frequency (e.g. "
                           "quarterly, yearly, once).")
        if e.type is None:
            yield _warning(("exercises", i, "type"), f"The exercise {e.name!r} has no type (walkthrough, "
                           "tabletop, call tree, functional, simulation or full-scale).")


@_rule("exercise-success-criteria", 4)
def _exercise_success(s: Strategy) -> Iterator[_Hit]:
    for i, e in enumerate(s.exercises):
        if not e.success_criteria:
            yield _warning(("exercises", i, "success_criteria"), f"The exercise {e.name!r} has no success "
                           "criteria. Say what result shows that the plan works.")


@_rule("no-continuous-improvement", 4)
def _no_improvement(s: Strategy) -> Iterator[_Hit]:
    if s.continuous_improvement is None:
        yield _error(("continuous_improvement",), "There is no continuous-improvement section. Add the "
                     "post-incident review deadline, the KPI review cadence and the lessons-learned register.")


# ---- point 5: a full strategy with rationale -----------------------------------------------


def _rationale_slots(s: Strategy) -> Iterator[tuple[tuple, str, str | None]]:
    """Every decision that should carry a rationale: (loc, what, rationale)."""
    for i, c in enumerate(s.categories):
        yield ("categories", i, "rationale"), f"the category {c.name!r}", c.rationale
    for p, target in s.priorities.items():
        yield ("priorities", p, "rationale"), f"the {p} targets", target.rationale
    if s.escalation:
        for p, steps in s.escalation.hierarchical.items():
            for j, step in enumerate(steps):
                yield (("escalation", "hierarchical", p, j, "rationale"),
                       f"the {p} escalation after {step.after}", step.rationale)
    for i, e in enumerate(s.exercises):
        yield ("exercises", i, "rationale"), f"the exercise {e.name!r}", e.rationale


@_rule("no-rationale", 5)
def _no_rationale(s: Strategy) -> Iterator[_Hit]:
    slots = list(_rationale_slots(s))
    if slots and not any(r for _, _, r in slots):
        yield _error((), "No decision carries a rationale. Add rationale: to categories, priority targets, "
                     "escalation steps and exercises, saying why each choice was made.")


@_rule("rationale", 5)
def _rationale(s: Strategy) -> Iterator[_Hit]:
    slots = list(_rationale_slots(s))
    if not any(r for _, _, r in slots):
        return  # no-rationale says it once
    for loc, what, rationale in slots:
        if not rationale:
            yield _warning(loc, f"No rationale for {what}. Say why this choice was made.")


@_rule("no-scope", 5)
def _no_scope(s: Strategy) -> Iterator[_Hit]:
    if not (s.scope and s.scope.in_):
        yield _error(("scope", "in"), "The scope is missing. Say what the strategy covers (sites, channels, "
                     "services) and, under out:, what it does not.")


@_rule("document-control", 5)
def _document_control(s: Strategy) -> Iterator[_Hit]:
    dc = s.document_control
    if dc is None:
        yield _warning(("document_control",), "There is no document control. Add version, owner, approver, "
                       "review_date and classification.")
        return
    for key in ("version", "owner", "approver", "review_date", "classification"):
        if getattr(dc, key) is None:
            yield _warning(("document_control", key), f"Document control has no {key.replace('_', ' ')}.")


@_rule("business-continuity", 5)
def _business_continuity(s: Strategy) -> Iterator[_Hit]:
    if not (s.business_continuity and s.business_continuity.services):
        yield _warning(("business_continuity", "services"), "There is no link to business continuity. List "
                       "the critical services with their RTO, RPO, MTPD and workaround.")


# ---- point 6: realistic scenarios ----------------------------------------------------------


def scenario_coverage(s: Strategy) -> dict[str, list[str]]:
    """For each realistic scenario, the sections ("categories", "exercises") that show it."""
    texts = {
        "categories": " | ".join(" ".join((c.name, c.definition or "", *c.examples)) for c in s.categories),
        "exercises": " | ".join(" ".join((e.name, e.scenario or "", *e.objectives)) for e in s.exercises),
    }
    return {name: [sec for sec, text in texts.items() if rx.search(text)] for name, rx in SCENARIOS.items()}


@_rule("scenarios", 6)
def _scenarios(s: Strategy) -> Iterator[_Hit]:
    cover = scenario_coverage(s)
    missing = [name for name, where in cover.items() if not where]
    if len(missing) == len(cover):
        yield _error(("categories",), "No realistic contact-centre scenario appears in the categories or "
                     "exercises. Cover a system outage, a telephony failure, a security breach and high call "
                     "volumes.")
        return
    for name in missing:
        yield _warning(("categories",), f"No category or exercise covers {name}, a realistic contact-centre "
                       "scenario. Add one, or an exercise that rehearses it.")


# ---- point 7: frameworks -------------------------------------------------------------------


@_rule("no-frameworks", 7)
def _no_frameworks(s: Strategy) -> Iterator[_Hit]:
    fw = s.frameworks
    if fw is None or not (fw.itil4 or fw.iso22301 or fw.other):
        yield _error(("frameworks",), "The strategy is not linked to any recognised framework. Map it to ITIL "
                     "4 practices (e.g. Incident management) and ISO 22301 clauses (e.g. 8.4).")
        return
    if not fw.itil4:
        yield _warning(("frameworks", "itil4"), "No ITIL 4 practice is referenced (e.g. Incident management, "
                       "Problem management, Service desk).")
    if not fw.iso22301:
        yield _warning(("frameworks", "iso22301"), "No ISO 22301 clause is referenced (e.g. 8.4 Business "
                       "continuity plans and procedures, 8.5 Exercise programme).")


# ---- point 8: consultation -----------------------------------------------------------------


@_rule("no-consultation", 8)
def _no_consultation(s: Strategy) -> Iterator[_Hit]:
    if not s.consultation:
        yield _error(("consultation",), "There is no record of stakeholder consultation. Record who was "
                     "consulted, their role, the date, the method, their feedback and the change it led to.")


@_rule("consultation-detail", 8)
def _consultation_detail(s: Strategy) -> Iterator[_Hit]:
    if not s.consultation:
        return
    for i, c in enumerate(s.consultation):
        for key in ("date", "feedback"):
            if getattr(c, key) is None:
                yield _warning(("consultation", i, key), f"The consultation with {c.who!r} has no {key}.")
    if not any(c.change_made for c in s.consultation):
        yield _warning(("consultation",), "No consultation records a change made. Show how feedback changed "
                       "the strategy (change_made:).")


# ---- point 9: business as usual ------------------------------------------------------------


def _is_complaint_type(name: str, definition: str) -> re.Match[str] | None:
    """Complaint wording in a category, unless it names a system or service failing: a
    "Complaints case-management system outage" is an incident, "Rude agent" is a complaint."""
    if substance.OUTAGE_WORDS.search(name):
        return None
    m = substance.COMPLAINT_WORDS.search(name)
    if m:
        return m
    m = substance.COMPLAINT_WORDS.search(definition)
    return m if m and not substance.OUTAGE_WORDS.search(definition) else None


@_rule("complaint-category", 9)
def _complaint_category(s: Strategy) -> Iterator[_Hit]:
    for i, c in enumerate(s.categories):
        m = _is_complaint_type(c.name, c.definition or "")
        if m:
            yield _error(("categories", i, "name"), f"The category {c.name!r} is a complaint type "
                         f"({m.group(0).lower()!r}: dissatisfaction with ordinary service), not an incident. An "
                         "incident is an unplanned interruption to, or loss of quality of, a service. Remove it, "
                         "handle it under the complaints procedure, and exclude complaints handling under "
                         "scope.out.")


@_rule("scope-complaints", 9)
def _scope_complaints(s: Strategy) -> Iterator[_Hit]:
    out = s.scope.out if s.scope else ()
    if not any(substance.COMPLAINT_WORDS.search(item) for item in out):
        yield _error(("scope", "out"), "The scope does not exclude complaints handling. Add to scope.out that "
                     "customer complaints are handled by the complaints procedure, even when an incident "
                     "caused them, so that incidents are not confused with business-as-usual complaints.")


@_rule("business-as-usual", 9)
def _business_as_usual(s: Strategy) -> Iterator[_Hit]:
    for i, c in enumerate(s.categories):
        if substance.OUTAGE_WORDS.search(c.name) or _is_complaint_type(c.name, c.definition or ""):
            continue  # a system failing is an incident; a complaint type is complaint-category's error
        for key in ("name", "definition"):
            text = getattr(c, key) or ""
            m = BUSINESS_AS_USUAL.search(text)
            if m:
                yield _warning(("categories", i, key), f"The category {c.name!r} looks like business-as-usual "
                               f"work ({m.group(0).lower()!r}), not an incident. Incidents are unplanned "
                               "interruptions to a service; handle requests and enquiries through their own "
                               "process and say so under scope.out.")
                break


# ---- point 10: regulatory and legal --------------------------------------------------------


@_rule("no-regulatory", 10)
def _no_regulatory(s: Strategy) -> Iterator[_Hit]:
    reg = s.regulatory
    applies = reg is not None and (reg.extra or any(
        (f := reg.flag(k)) is not None and f.applies for k in type(reg).model_fields if k != "extra"))
    if not applies:
        yield _error(("regulatory",), "No regulatory or legal requirement applies. Set the flags that apply "
                     "(e.g. uk_gdpr_art33: true, pci_dss_12_10: true, equality_act: true) or add extra: "
                     "requirements with obligation, deadline and owner.")


@_rule("breach-without-gdpr", 10)
def _breach_without_gdpr(s: Strategy) -> Iterator[_Hit]:
    if "categories" not in scenario_coverage(s)["security breach"]:
        return
    flag = s.regulatory.flag("uk_gdpr_art33") if s.regulatory else None
    if flag is None or not flag.applies:
        yield _warning(("regulatory", "uk_gdpr_art33"), "A category covers security or data breaches, but UK "
                       "GDPR Article 33 (72 hours to notify the ICO) is not set to apply. Set "
                       "uk_gdpr_art33: true, or say why it does not apply.")


@_rule("requirement-detail", 10)
def _requirement_detail(s: Strategy) -> Iterator[_Hit]:
    if s.regulatory is None:
        return
    for i, extra in enumerate(s.regulatory.extra):
        if extra.not_applicable:
            continue  # recorded as not applying: nothing to own
        for key in ("deadline", "owner"):
            if getattr(extra, key) is None:
                yield _warning(("regulatory", "extra", i, key), f"The requirement {(extra.obligation or '')[:50]!r} "
                               f"has no {key}.")


# ---- point 11: post-incident review --------------------------------------------------------


@_rule("pir-deadline", 11)
def _pir(s: Strategy) -> Iterator[_Hit]:
    ci = s.continuous_improvement
    if ci is None or not ci.pir_deadline:
        yield _error(("continuous_improvement", "pir_deadline"), "There is no post-incident review. Say which "
                     "incidents get one and the deadline (e.g. pir_deadline: 5 working days).")


@_rule("lessons-register", 11)
def _lessons(s: Strategy) -> Iterator[_Hit]:
    ci = s.continuous_improvement
    register = ci.lessons_learned_register if ci else None
    if register is None or not register.location:
        yield _error(("continuous_improvement", "lessons_learned_register"), "There is no lessons-learned "
                     "register. Say where lessons and actions are recorded (location) and who owns it.")
    elif not register.owner:
        yield _warning(("continuous_improvement", "lessons_learned_register", "owner"), "The lessons-learned "
                       "register has no owner.")


# ---- point 12: major vs minor --------------------------------------------------------------


@_rule("major-incidents", 12)
def _major(s: Strategy) -> Iterator[_Hit]:
    mi = s.major_incidents
    if mi is None or not mi.major_criteria:
        yield _error(("major_incidents", "major_criteria"), "There is no definition of a major incident. List "
                     "the criteria that make an incident major (e.g. a whole site or channel down, a data "
                     "breach, a P1 lasting over an hour).")
    if mi is None or not mi.minor_criteria:
        yield _error(("major_incidents", "minor_criteria"), "Minor incidents are not distinguished from major "
                     "ones. Say what stays a minor incident and is handled by the normal process.")
    if mi is None or not mi.declared_by:
        yield _error(("major_incidents", "declared_by"), "Nobody is named to declare a major incident. Say "
                     "which role(s) can declare one, in and out of hours.")


# ---- point 13: lifecycle -------------------------------------------------------------------


@_rule("lifecycle-procedure", 13)
def _lifecycle(s: Strategy) -> Iterator[_Hit]:
    for stage in LIFECYCLE_STAGES:
        procedure = s.procedures.stage(stage) if s.procedures else None
        if procedure is None:
            yield _error(("procedures", stage), f"There is no procedure for {stage}. Add procedures.{stage} "
                         "with its steps and owner.")
        elif not procedure.steps:
            yield _error(("procedures", stage, "steps"), f"The {stage} procedure has no steps. List what "
                         "happens, in order.")


# ---- point 14: incident data drives improvement --------------------------------------------


@_rule("kpi-review", 14)
def _kpi_review(s: Strategy) -> Iterator[_Hit]:
    ci = s.continuous_improvement
    if ci is None or not ci.kpi_review_cadence:
        yield _error(("continuous_improvement", "kpi_review_cadence"), "Incident data is not linked to "
                     "improvement: there is no KPI review cadence. Say how often incident frequency, "
                     "resolution times and impact are reviewed (e.g. monthly), and by whom.")
        return
    if not ci.kpis:
        yield _error(("continuous_improvement", "kpis"), "No KPIs are listed. Name the measures reviewed "
                       "(e.g. incidents by category, MTTR by priority, SLA attainment, customers affected).")
    if not ci.data_use:
        yield _error(("continuous_improvement", "data_use"), "The strategy does not say how incident data "
                       "is used to improve service and reduce risk (e.g. trends feed problem management and "
                       "the exercise programme).")


# ---- point 15: problem management ----------------------------------------------------------


@_rule("problem-handoff", 15)
def _problem(s: Strategy) -> Iterator[_Hit]:
    handoff = s.procedures.problem_management if s.procedures else None
    if handoff is None:
        yield _error(("procedures", "problem_management"), "There is no hand-off to problem management. "
                     "Incident management restores service; problem management finds the root cause. Say "
                     "when an incident is passed to problem management and how.")
        return
    if not handoff.criteria:
        yield _warning(("procedures", "problem_management", "criteria"), "The problem-management hand-off has "
                       "no criteria. Say which incidents raise a problem record (e.g. every major incident, "
                       "3 or more in a month with the same cause).")
    if not handoff.steps:
        yield _warning(("procedures", "problem_management", "steps"), "The problem-management hand-off has no "
                       "steps.")


# ---- point 16: internal and external communication -----------------------------------------


@_rule("internal-communication", 16)
def _internal(s: Strategy) -> Iterator[_Hit]:
    plan = s.communication.plan if s.communication else ()
    if not any(e.type == "internal" for e in plan):
        yield _error(("communication", "plan"), "There is no internal communication during incidents. Add an "
                     "entry with type: internal (e.g. advisers and team leaders, senior managers).")


@_rule("external-communication", 16)
def _external(s: Strategy) -> Iterator[_Hit]:
    plan = s.communication.plan if s.communication else ()
    if not any(e.type == "external" for e in plan):
        yield _error(("communication", "plan"), "There is no external communication during incidents. Add an "
                     "entry with type: external (e.g. customers via IVR message and website banner).")


@_rule("update-cadence", 16)
def _update_cadence(s: Strategy) -> Iterator[_Hit]:
    for p, target in s.priorities.items():
        if target.update_every is None:
            yield _error(("priorities", p, "update_every"), f"{p} has no update cadence. Say how often "
                         f"stakeholders are updated while a {p} incident is open (e.g. update_every: 30m).")


@_rule("message-templates", 16)
def _templates(s: Strategy) -> Iterator[_Hit]:
    if s.communication is None:
        return
    for key in ("initial", "update", "resolution"):
        if getattr(s.communication.templates, key) is None:
            yield _warning(("communication", "templates", key), f"There is no {key} message template.")
    if not s.communication.accessible_formats:
        yield _warning(("communication", "accessible_formats"), "No accessible formats are listed (e.g. plain "
                       "English, Relay UK, large print, screen-reader-friendly web page).")


# ---- substance (issue 16): criteria, goals, duties, rationale, resolution order, owners ----


@_rule("major-minor-distinct", 12)
def _major_minor_distinct(s: Strategy) -> Iterator[_Hit]:
    mi = s.major_incidents
    if mi is None or not (mi.major_criteria and mi.minor_criteria):
        return  # major-incidents says what is missing
    major = {substance.normalise(c) for c in mi.major_criteria}
    for j, crit in enumerate(mi.minor_criteria):
        if substance.normalise(crit) in major:
            yield _error(("major_incidents", "minor_criteria", j), f"The minor criterion {crit!r} is also a major "
                         "criterion, so the two cannot be told apart. Say what makes an incident major and what "
                         "keeps it minor, differently.")
    for key, word in (("major_criteria", "major"), ("minor_criteria", "minor")):
        criteria = getattr(mi, key)
        vague = [j for j, c in enumerate(criteria) if not substance.MEASURABLE_WORDS.search(c)]
        if len(vague) == len(criteria):
            yield _error(("major_incidents", key), f"No {word}-incident criterion can be measured (e.g. "
                         f"{criteria[0]!r}). Say how many customers or contacts, how long, which services or "
                         "sites, or what regulatory exposure makes an incident " + word + ".")
        else:
            for j in vague:
                yield _warning(("major_incidents", key, j), f"The {word} criterion {criteria[j]!r} cannot be "
                               "measured. Give a number, a duration, the services or sites, or the customers "
                               "affected.")


@_rule("goal-service", 2)
def _goal_service(s: Strategy) -> Iterator[_Hit]:
    # An organisation may have commercial goals too: one is an error when incident objectives
    # are linked to it, or when no goal at all is about the service.
    linked = {g for o in s.objectives for g in o.goals}
    none_about_service = not any(substance.SERVICE_WORDS.search(g.text) for g in s.organisation.goals)
    for i, goal in enumerate(s.organisation.goals):
        if substance.SERVICE_WORDS.search(goal.text):
            continue
        if not (none_about_service or goal.id in linked):
            yield _warning(("organisation", "goals", i, "text"), f"Goal {goal.id} ({goal.text!r}) is not about "
                           "the organisation's service; incident management does not serve it.")
        else:
            yield _error(("organisation", "goals", i, "text"), f"Goal {goal.id} ({goal.text!r}) is not about "
                         "the organisation's service to its customers, so incident management cannot support "
                         "it. State goals for the service (reaching customers, restoring service, protecting "
                         "data, meeting legal duties), and link objectives to them.")


@_rule("objective-rote", 2)
def _objective_rote(s: Strategy) -> Iterator[_Hit]:
    goals = {g.id for g in s.organisation.goals}
    if len(goals) < 2 or max(len(goals), len(s.objectives)) < 3 or not s.objectives:
        return
    if all(set(o.goals) >= goals for o in s.objectives):
        yield _error(("objectives",), "Every objective is linked to every goal, which shows no thought about "
                     "which goals each supports. Link each objective only to the goal(s) it really serves.")


def _flag_texts(s: Strategy) -> str:
    """The centre's own description of itself and its incidents: where duties are inferred from."""
    parts = [s.organisation.description or "", *s.organisation.channels]
    parts += [f"{c.name} {c.definition or ''} {' '.join(c.examples)}" for c in s.categories]
    if s.scope:
        parts += list(s.scope.in_)
    if s.business_continuity:
        parts += [f"{b.service} {b.workaround or ''}" for b in s.business_continuity.services]
    parts += [f"{e.scenario or ''}" for e in s.exercises]
    return " | ".join(parts)


@_rule("regulatory-inferred", 10)
def _regulatory_inferred(s: Strategy) -> Iterator[_Hit]:
    from .model import REGULATORY_OBLIGATIONS

    text = _flag_texts(s)
    for key, pattern, why in substance.INFERRED_DUTIES:
        m = pattern.search(text)
        if not m:
            continue
        flag = s.regulatory.flag(key) if s.regulatory else None
        if flag is not None and (flag.applies or flag.not_applicable):
            continue
        extras = " ".join(f"{x.title or ''} {x.source or ''} {x.obligation or ''}" for x in s.regulatory.extra) \
            if s.regulatory else ""
        if substance.DUTY_IN_EXTRA[key].search(extras):
            continue  # written out as an extra requirement instead of the flag
        yield _error(("regulatory", key), f"{why[0].upper() + why[1:]} ({m.group(0)!r}), so "
                     f"{REGULATORY_OBLIGATIONS[key].title} applies, but regulatory.{key} is not set. Set "
                     f"{key}: true, or record why it does not apply: {key}: {{applies: false, not_applicable: "
                     "<the reason>}.")


def _decisions(s: Strategy) -> Iterator[tuple[tuple, str, str | None]]:
    """Every decision that carries (or should carry) a rationale, for coverage and repeats."""
    yield from _rationale_slots(s)
    if s.major_incidents:
        yield ("major_incidents", "rationale"), "the major-incident criteria", s.major_incidents.rationale
    if s.escalation and s.escalation.rationale:
        yield ("escalation", "rationale"), "the escalation", s.escalation.rationale
    if s.procedures:
        for key in type(s.procedures).model_fields:
            proc = getattr(s.procedures, key)
            if proc is not None and proc.rationale:
                yield ("procedures", key, "rationale"), f"the {key} procedure", proc.rationale
    for i, t in enumerate(s.training):
        if t.rationale:
            yield ("training", i, "rationale"), f"the training {t.topic!r}", t.rationale


@_rule("rationale-coverage", 5)
def _rationale_coverage(s: Strategy) -> Iterator[_Hit]:
    slots = list(_rationale_slots(s))
    given = sum(bool(r) and not prompts.is_prompt(r) for _, _, r in slots)
    if slots and given and given / len(slots) < substance.RATIONALE_COVERAGE:
        yield _error((), f"Only {given} of {len(slots)} decisions carry a rationale ({given / len(slots):.0%}; "
                     f"at least {substance.RATIONALE_COVERAGE:.0%} are needed). Say why each category, priority "
                     "target, escalation step and exercise was chosen.")


@_rule("rationale-why", 5)
def _rationale_why(s: Strategy) -> Iterator[_Hit]:
    seen: dict[str, str] = {}
    for loc, what, rationale in _decisions(s):
        if not rationale or prompts.is_prompt(rationale) or substance.is_placeholder(rationale):
            continue  # missing: rationale; a prompt: still-to-write; a placeholder: hollow-text
        norm = substance.normalise(rationale)
        if len(substance.words(rationale)) < substance.RATIONALE_MIN_WORDS or norm.startswith("because") and \
                len(substance.words(rationale)) < substance.RATIONALE_MIN_WORDS + 2:
            yield _error(loc, f"The rationale for {what} ({rationale!r}) does not say why. Give the reason for "
                         "this choice in this centre: the risk, the customers or the target it protects.")
        elif norm in seen:
            yield _error(loc, f"The rationale for {what} repeats the rationale for {seen[norm]} word for word. "
                         "Say why this particular choice was made.")
        else:
            seen[norm] = what


@_rule("restore-before-root-cause", 15)
def _restore_first(s: Strategy) -> Iterator[_Hit]:
    proc = s.procedures.resolution if s.procedures else None
    if proc is None or not proc.steps:
        return  # lifecycle-procedure says it is missing
    restore = next((j for j, st in enumerate(proc.steps) if substance.RESTORE_WORDS.search(st)), None)
    cause = next((j for j, st in enumerate(proc.steps)
                  if substance.ROOT_CAUSE_WORDS.search(st) and not substance.RESTORE_WORDS.search(st)), None)
    if restore is None:
        yield _error(("procedures", "resolution", "steps"), "The resolution procedure never says that service is "
                     "restored (a fix or a workaround). Incident management restores service first; the root "
                     "cause is for problem management.")
    elif cause is not None and cause < restore:
        yield _error(("procedures", "resolution", "steps", cause), f"The resolution procedure looks for the root "
                     f"cause (step {cause + 1}) before it restores service (step {restore + 1}). Restore service "
                     "first, with a workaround if need be, and hand root-cause work to problem management.")


def _owners(s: Strategy) -> Iterator[tuple[tuple, str]]:
    """Every role or team the strategy names as owning or doing something (not the built-in defaults)."""
    if s.procedures:
        for key in type(s.procedures).model_fields:
            proc = getattr(s.procedures, key)
            if proc is not None and proc.owner:
                yield ("procedures", key, "owner"), proc.owner
    if s.communication:
        for i, e in enumerate(s.communication.plan):
            if e.owner:
                yield ("communication", "plan", i, "owner"), e.owner
    if s.regulatory:
        for key in type(s.regulatory).model_fields:
            if key == "extra":
                continue
            flag = s.regulatory.flag(key)
            if flag is not None and flag.applies and flag.owner:
                yield ("regulatory", key, "owner"), flag.owner
        for i, x in enumerate(s.regulatory.extra):
            if x.owner:
                yield ("regulatory", "extra", i, "owner"), x.owner
    for i, e in enumerate(s.exercises):
        if e.owner:
            yield ("exercises", i, "owner"), e.owner
    if s.major_incidents:
        for i, who in enumerate(s.major_incidents.declared_by):
            yield ("major_incidents", "declared_by", i), who
        for i, level in enumerate(s.major_incidents.levels):
            for j, who in enumerate(level.declared_by):
                yield ("major_incidents", "levels", i, "declared_by", j), who
    if s.welfare and s.welfare.owner:
        yield ("welfare", "owner"), s.welfare.owner
    if s.business_continuity:
        for i, f in enumerate(s.business_continuity.failover):
            for j, who in enumerate(f.invoked_by):
                yield ("business_continuity", "failover", i, "invoked_by", j), who
    ci = s.continuous_improvement
    if ci and ci.lessons_learned_register and ci.lessons_learned_register.owner:
        yield ("continuous_improvement", "lessons_learned_register", "owner"), ci.lessons_learned_register.owner


def _known_owners(s: Strategy) -> list[str]:
    names = [r.name for r in s.roles] + [r.held_by for r in s.roles if r.held_by]
    names += [c.resolver_group for c in s.categories if c.resolver_group]
    if s.escalation:
        names += [t.team for t in s.escalation.functional]
    return [n.casefold() for n in names]


@_rule("owner-role", 1)
def _owner_role(s: Strategy) -> Iterator[_Hit]:
    if not s.roles:
        return  # roles-and-raci says it
    known = _known_owners(s)
    for loc, owner in _owners(s):
        name = owner.casefold().strip()
        name = re.sub(r"\s+(?:rota|on call|lead)$", "", name)
        if prompts.is_prompt(owner) or any(name in k or k in name for k in known):
            continue
        yield _error(loc, f"{owner!r} is named as an owner but is not a role under roles (nor a resolver team). "
                     "Add the role, with its responsibilities, or name one of the roles.")


# ---- schema gaps a real strategy hits (issue 16 item 7) ------------------------------------

#: Words in the centre's own description that show it serves people who need more care in an incident.
_VULNERABLE = re.compile(r"vulnerab|\bpatients?\b|safeguard|elderly|older (?:people|customers)|disabilit|carer|"
                         r"priority services register|\bPSR\b|medical(?:ly)? dependen|life[- ]support", re.I)


def _serves_vulnerable(s: Strategy) -> str | None:
    """Why the strategy's own answers make welfare relevant, or None."""
    if (s.organisation.sector or "").strip().lower() in ("health", "nhs", "healthcare"):
        return "the centre is in the health sector"
    flag = s.regulatory.flag("equality_act") if s.regulatory else None
    if flag is not None and flag.applies:
        return "the Equality Act duty applies"
    text = " ".join([s.organisation.description or "", *(s.scope.in_ if s.scope else ()),
                     *(c.name for c in s.categories)])
    m = _VULNERABLE.search("" if prompts.is_prompt(s.organisation.description) else text)
    return f"the strategy mentions {m.group(0)!r}" if m else None


@_rule("welfare", 10)
def _welfare(s: Strategy) -> Iterator[_Hit]:
    why = _serves_vulnerable(s)
    w = s.welfare
    if w is None:
        if why:
            yield _warning(("welfare",), f"{why[0].upper() + why[1:]}, but there is no plan for vulnerable customers "
                           "or patients during an incident. Add welfare: with how_identified (how they are found), "
                           "what_changes (what is done differently for them) and owner (the role).")
        return
    for key, what in (("how_identified", "how vulnerable customers or patients are identified during an incident"),
                      ("owner", "the role that owns their welfare during an incident")):
        if not getattr(w, key):
            yield _warning(("welfare", key), f"The welfare plan does not say {what}. Add {key}:.")
    if not w.what_changes:
        yield _warning(("welfare", "what_changes"), "The welfare plan does not say what changes for vulnerable "
                       "customers or patients during an incident. Add what_changes: as a list.")


@_rule("failover", 6)
def _failover(s: Strategy) -> Iterator[_Hit]:
    bc = s.business_continuity
    sites = [x for x in s.organisation.sites if not prompts.is_prompt(x)]
    failover = bc.failover if bc else ()
    if len(sites) > 1 and not failover:
        yield _warning(("business_continuity", "failover"), f"The centre has {len(sites)} sites but the strategy "
                       "does not say where the work goes when one is lost. Add business_continuity.failover: with "
                       "to, trigger, capacity, notice and invoked_by for each partner site (or mutual-aid partner).")
    for i, f in enumerate(failover):
        missing = [k for k in ("trigger", "capacity", "notice") if getattr(f, k) is None]
        if not f.invoked_by:
            missing.append("invoked_by")
        if missing:
            yield _warning(("business_continuity", "failover", i), f"The failover to {f.to!r} does not say "
                           f"{', '.join(missing)}: when it is invoked, how much work it takes, how much notice it "
                           "needs and who invokes it.")


@_rule("major-levels", 12)
def _major_levels(s: Strategy) -> Iterator[_Hit]:
    levels = s.major_incidents.levels if s.major_incidents else ()
    seen: dict[str, int] = {}
    for i, lv in enumerate(levels):
        if not lv.criteria:
            yield _warning(("major_incidents", "levels", i, "criteria"), f"The level {lv.name!r} has no criteria: "
                           "say when an incident is declared at this level (customers, duration, services or sites, "
                           "regulatory exposure).")
        if not lv.declared_by:
            yield _warning(("major_incidents", "levels", i, "declared_by"), f"The level {lv.name!r} does not say "
                           "who declares it. Add declared_by: with a role.")
        key = " | ".join(sorted(c.casefold() for c in lv.criteria))
        if key and key in seen:
            yield _warning(("major_incidents", "levels", i, "criteria"), f"The level {lv.name!r} has the same "
                           f"criteria as {levels[seen[key]].name!r}; levels must differ in what triggers them.")
        seen.setdefault(key, i)


@_rule("clocks", 1)
def _clock_named(s: Strategy) -> Iterator[_Hit]:
    hours = re.compile(r"opening hours|business hours|working hours|office hours|\b\d{1,2}:\d{2}\b", re.I)
    for p, t in s.priorities.items():
        if t.clock or not (t.respond or t.resolve):
            continue
        if s.clocks or (t.description and not prompts.is_prompt(t.description) and hours.search(t.description)):
            names = ", ".join(["24x7", *s.clocks])
            yield _warning(("priorities", p, "clock"), f"{p} does not name the clock its targets run on, so they "
                           f"are measured around the clock. Add clock: ({names}), defining opening hours under "
                           "clocks: (days, hours) if needed.")


@_rule("sector-regulators", 10)
def _sector_regulators(s: Strategy) -> Iterator[_Hit]:
    from .skeleton import SECTORS, sector_key, sector_pack
    from ..errors import ConfigError

    sector = s.organisation.sector
    if not sector or prompts.is_prompt(sector):
        return
    try:
        pack = sector_pack(sector_key(sector))
    except ConfigError:
        yield _warning(("organisation", "sector"), f"{sector!r} is not a sector with a pack ({', '.join(SECTORS)}), "
                       "so its regulators cannot be checked.")
        return
    reg = s.regulatory
    text = ""
    if reg is not None:
        parts = [f"{x.title or ''} {x.source or ''} {x.obligation or ''} {x.not_applicable or ''}" for x in reg.extra]
        for key in type(reg).model_fields:
            flag = reg.flag(key) if key != "extra" else None
            if flag is not None:
                parts.append(f"{flag.obligation or ''} {flag.notes or ''} {flag.not_applicable or ''}")
        text = " | ".join(parts)
    for duty in pack.regulators:
        if duty.pattern().search(text):
            continue
        if reg is not None and any((f := reg.flag(k)) is not None and (f.applies or f.not_applicable)
                                   for k in duty.covered_by):
            continue
        hit = _error if duty.required else _warning
        yield hit(("regulatory", "extra"), f"The centre is in the {pack.title.lower()} sector, whose pack lists "
                  f"{duty.title!r} ({duty.source}), but the regulatory section does not mention it. Add it under "
                  "regulatory.extra (title, obligation, deadline, owner), or record why it does not apply here "
                  "with not_applicable: <the reason>.")


# ---- learner sections, prompts, hollow and copied text (issue 16 items 2 and 4) ----------

#: The assessment point a section's hollow text costs.
SECTION_POINTS: dict[str, int] = {
    "organisation": 2, "objectives": 2, "categories": 1, "impact": 1, "urgency": 1, "priorities": 1,
    "major_incidents": 12, "escalation": 1, "roles": 1, "raci": 1, "procedures": 13, "communication": 16,
    "regulatory": 10, "business_continuity": 5, "exercises": 4, "training": 3, "continuous_improvement": 14,
    "consultation": 8, "frameworks": 7, "scope": 9, "document_control": 5, "learner": 5,
    "welfare": 10, "clocks": 1,
}


def _point_of(loc: tuple) -> int:
    return SECTION_POINTS.get(str(loc[0]), 5) if loc else 5


@_rule("learner-section", 5)
def _learner_section(s: Strategy) -> Iterator[_Hit]:
    for key, title, minimum in prompts.LEARNER_SECTIONS:
        text = getattr(s.learner, key)
        if prompts.is_prompt(text):
            continue  # still-to-write says it
        n = len(substance.words(text or ""))
        if not text:
            yield _error(("learner", key), f"The section {title!r} is missing. Write learner.{key} yourself, "
                         f"for this centre: at least {minimum} words.")
        elif n < minimum:
            yield _error(("learner", key), f"The section {title!r} has {n} words; it needs at least {minimum} "
                         "to do its job. Say more, specifically about this centre.")


@_rule("still-to-write", 5)
def _still_to_write(s: Strategy) -> Iterator[_Hit]:
    for loc, text in substance.text_fields(s):
        if prompts.is_prompt(text):
            yield ("error", loc, f"Still to write: {text.strip()[len(prompts.PROMPT):].strip()!r}. Replace "
                   "the prompt with your own text.", _point_of(loc))


@_rule("hollow-text", 5)
def _hollow_text(s: Strategy) -> Iterator[_Hit]:
    seen: dict[str, list[tuple]] = {}
    for loc, text in substance.text_fields(s):
        if prompts.is_prompt(text) or "cadence" in loc:
            continue  # a cadence may say n/a: the audience is not told at that priority
        point = _point_of(loc)
        name = substance.field_name(loc)
        if substance.is_placeholder(text):
            yield ("error", loc, f"{text.strip()!r} is a placeholder, not content. Write what this field "
                   "says for your centre.", point)
            continue
        n = len(substance.words(text))
        if name in substance.SENTENCE_FIELDS and n == 1 and name != "rationale":
            yield ("error", loc, f"{text.strip()!r} is one word where a sentence is needed. Say it in full.",
                   point)
        if name in substance.REPEAT_FIELDS and n >= 3:
            seen.setdefault(substance.normalise(text), []).append(loc)
    for norm, locs in seen.items():
        if len(locs) >= 3:
            for loc in locs[1:]:
                yield ("error", loc, f"The same text appears in {len(locs)} entries (first at "
                       f"{key_path(locs[0])}). Write each entry for what it describes.", _point_of(loc))


@_rule("example-copied", 5)
def _example_copied(s: Strategy) -> Iterator[_Hit]:
    if substance.is_example(s):
        yield _error(("document_control", "status"), "This is the shipped worked example (status: Example), not "
                     "a strategy for a centre. Write it for your centre, and use the example only to see what "
                     "a complete strategy looks like.")
        return
    copied, total = substance.copied_fields(s)
    if not copied:
        return
    share = len(copied) / total
    if share > substance.COPY_SHARE:
        first = ", ".join(key_path(loc) for loc in copied[:4])
        yield _error((), f"{share:.0%} of the text ({len(copied)} of {total} fields, e.g. {first}) is the "
                     "shipped example's. Write it for your centre: its own services, risks, people and reasons.")
        return  # one finding, not one per field, when almost everything is copied
    for loc in copied:
        yield ("warning", loc, "This text is unchanged from the shipped example. Write it for your centre.",
               _point_of(loc))


# --------------------------------------------------------------------------- running


def check(strategy_or_path: Strategy | str | Path) -> list[Finding]:
    """All findings for a strategy (or a strategy file), by assessment point, errors first.

    A file is read with `load_strategy`'s rules: a schema error raises ConfigError (exit 1)
    rather than becoming a finding. Findings from a file carry line numbers.
    """
    doc = None
    if isinstance(strategy_or_path, (str, Path)):
        strategy, doc = load_document(strategy_or_path)
    else:
        strategy = strategy_or_path
    findings = []
    for order, rule in enumerate(RULES):
        for hit in rule.func(strategy):
            severity, loc, message = hit[:3]
            point = hit[3] if len(hit) > 3 else rule.point  # hollow text costs its section's point
            findings.append((point, severity != "error", order, Finding(
                severity, key_path(loc), point, message, rule.id, doc.line_of(loc) if doc and loc else None)))
    findings.sort(key=lambda f: f[:3])
    return [f[3] for f in findings]


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def _summary(findings: list[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    if not findings:
        return "No gaps found against the 16 assessment points."
    points = sorted({f.point for f in findings if f.severity == "error"})
    tail = f"; points with errors: {', '.join(map(str, points))}" if points else ""
    return (f"{errors} error{'s' if errors != 1 else ''} and {warnings} warning{'s' if warnings != 1 else ''}"
            f"{tail}.")


def format_findings(findings: list[Finding], fmt: str = "text", source: str | None = None) -> str:
    """Findings as lint-style text lines (one per finding, then a summary) or as JSON."""
    if fmt == "json":
        return json.dumps({
            "format_version": FORMAT_VERSION,
            "source": source,
            "errors": sum(f.severity == "error" for f in findings),
            "warnings": sum(f.severity == "warning" for f in findings),
            "findings": [f.to_dict() for f in findings],
        }, indent=2, ensure_ascii=False) + "\n"
    if fmt != "text":
        raise ValueError(f"unknown format {fmt!r}; use text or json")
    lines = []
    for f in findings:
        where = source or "strategy"
        where += f" line {f.line}" if f.line else ""
        lines.append(f"{where}: {f.severity}: {f.path or '(whole strategy)'}: {f.message} "
                     f"[point {f.point}: {f.point_title}]")
    lines.append(_summary(findings))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- coverage

#: For each point, the sections that can address it and when a section counts as doing so.
_COVERAGE: dict[int, list[tuple[str, Callable[[Strategy], bool]]]] = {
    1: [("categories", lambda s: bool(s.categories)),
        ("priorities", lambda s: bool(s.priorities)),
        ("escalation", lambda s: bool(s.escalation and (s.escalation.functional or s.escalation.hierarchical))),
        ("roles", lambda s: bool(s.raci))],
    2: [("organisation", lambda s: bool(s.organisation.goals)),
        ("objectives", lambda s: any(o.goals for o in s.objectives))],
    3: [("communication", lambda s: bool(s.communication and s.communication.plan)),
        ("training", lambda s: bool(s.training))],
    4: [("exercises", lambda s: any(e.first_date for e in s.exercises)),
        ("continuous_improvement", lambda s: s.continuous_improvement is not None)],
    5: [(key, lambda s, key=key: _has_rationale(s, key))
        for key in ("categories", "priorities", "major_incidents", "escalation", "procedures", "exercises",
                    "training")],
    6: [("categories", lambda s: any("categories" in w for w in scenario_coverage(s).values())),
        ("exercises", lambda s: any("exercises" in w for w in scenario_coverage(s).values()))],
    7: [("frameworks", lambda s: bool(s.frameworks and (s.frameworks.itil4 or s.frameworks.iso22301
                                                        or s.frameworks.other)))],
    8: [("consultation", lambda s: bool(s.consultation))],
    9: [("scope", lambda s: bool(s.scope and s.scope.out)),
        ("categories", lambda s: bool(s.categories) and not any(
            _is_complaint_type(c.name, c.definition or "") for c in s.categories))],
    10: [("regulatory", lambda s: s.regulatory is not None)],
    11: [("continuous_improvement", lambda s: bool(s.continuous_improvement and (
        s.continuous_improvement.pir_deadline or s.continuous_improvement.lessons_learned_register)))],
    12: [("major_incidents", lambda s: bool(s.major_incidents and s.major_incidents.major_criteria))],
    13: [("procedures", lambda s: bool(s.procedures and any(s.procedures.stage(st) for st in LIFECYCLE_STAGES))),
         ("roles", lambda s: any(e.stage in LIFECYCLE_STAGES for e in s.raci))],
    14: [("continuous_improvement", lambda s: bool(s.continuous_improvement and (
        s.continuous_improvement.kpi_review_cadence or s.continuous_improvement.kpis)))],
    15: [("procedures", lambda s: bool(s.procedures and s.procedures.problem_management))],
    16: [("communication", lambda s: bool(s.communication and s.communication.plan)),
         ("priorities", lambda s: any(t.update_every for t in s.priorities.values()))],
}


def _has_rationale(s: Strategy, key: str) -> bool:
    value = getattr(s, key)
    if key == "priorities":
        return any(t.rationale for t in value.values())
    if key == "escalation":
        return bool(value and (value.rationale or any(st.rationale for steps in value.hierarchical.values()
                                                      for st in steps)))
    if key == "procedures":
        return bool(value and any(getattr(value, f) and getattr(value, f).rationale
                                  for f in type(value).model_fields))
    if key == "major_incidents":
        return bool(value and value.rationale)
    return any(item.rationale for item in value)


def coverage(strategy: Strategy, findings: list[Finding] | None = None) -> list[CoverageRow]:
    """One row per assessment point: the section titles that address it, and whether it is met."""
    findings = check(strategy) if findings is None else findings
    rows = []
    for point, title in ASSESSMENT_POINTS.items():
        sections = tuple(SECTION_TITLES[key] for key, test in _COVERAGE[point] if test(strategy))
        errors = sum(f.point == point and f.severity == "error" for f in findings)
        warnings = sum(f.point == point and f.severity != "error" for f in findings)
        met = bool(sections) and not errors
        status = MISSING if not met else PRESENT_WITH_WARNINGS if warnings else PRESENT
        rows.append(CoverageRow(point, title, sections, met, status, errors, warnings))
    return rows
