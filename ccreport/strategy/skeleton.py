"""The strategy skeleton the guided `ccreport init` writes: the centre's facts filled in from its
answers and its sector pack, every judgement left as a prompt for the writer.

A sector pack (`ccreport/sectors/<name>.yaml`, shipped in the wheel) holds what is true of a
sector rather than of a centre: typical incident categories (name, example, suggested default
priority), regulators and their duties, the duty to vulnerable customers or patients, and the
built-in regulatory flags (model.REGULATORY_OBLIGATIONS) that apply. The skeleton takes facts
from the answers (name, seats, sites, channels, hours, systems, suppliers, regulators) and
the pack; definitions, rationale, criteria, scenarios, consultation and the learner's sections
are `prompts.prompt(...)` strings, which `strategy-check` reports as still to write and the
document shows as gaps. Durations, dates and the priority matrix cannot hold a prompt, so the
skeleton leaves them out with a comment showing the form.

    Answers.from_mapping(data) -> Answers;  skeleton_text(answers) -> YAML text
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from .. import yamlio
from ..errors import ConfigError
from .model import LIFECYCLE_STAGES, REGULATORY_OBLIGATIONS
from .prompts import LEARNER_SECTIONS, prompt

#: The sector packs, in the order the guided init offers them.
SECTORS = ("health", "energy", "financial", "retail", "public", "telecoms", "general")

#: The keys of an answers file (and of the guided questions), with what each one means.
ANSWER_KEYS: dict[str, str] = {
    "name": "the organisation or centre's name",
    "sector": f"one of {', '.join(SECTORS)}",
    "seats": "how many agent seats (a whole number)",
    "sites": "the sites (a list)",
    "channels": "the contact channels (a list)",
    "hours": "the opening hours, e.g. Mon-Fri 08:00-18:00",
    "card_payments": "whether the centre takes card payments (true or false)",
    "vulnerable_customers": "whether it serves vulnerable customers or patients (true or false)",
    "systems": "the key systems (a list)",
    "suppliers": "the key suppliers (a list)",
    "regulators": "regulators beyond the sector pack's (a list)",
}


@dataclass(frozen=True)
class Category:
    name: str
    example: str
    default_priority: str


@dataclass(frozen=True)
class Duty:
    title: str
    source: str
    obligation: str
    deadline: str | None = None
    #: How a strategy names this duty (a regular expression, case-insensitive); strategy-check
    #: looks for it in the regulatory section. Default: the title up to its first ":" or "(".
    match: str | None = None
    #: Built-in regulatory flags that carry the same duty (set, or recorded not applicable).
    covered_by: tuple[str, ...] = ()
    #: False: the duty applies only where its title says (the check warns instead of failing).
    required: bool = True

    def pattern(self) -> "re.Pattern[str]":
        if self.match:
            return re.compile(self.match, re.I)
        head = re.split(r"[:(]", self.title, maxsplit=1)[0].strip()
        return re.compile(re.escape(head), re.I)


@dataclass(frozen=True)
class SectorPack:
    """One sector's facts: categories, regulators and duties, the flags that apply."""

    key: str
    title: str
    people: str
    categories: tuple[Category, ...]
    regulators: tuple[Duty, ...]
    vulnerable: tuple[Duty, ...]
    flags: tuple[str, ...]
    card_flags: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    #: Levels of major incident the sector declares, least severe first (e.g. NHS EPRR).
    levels: tuple[str, ...] = ()


def _duties(items: Any) -> tuple[Duty, ...]:
    return tuple(Duty(d["title"], d["source"], " ".join(d["obligation"].split()), d.get("deadline"),
                      d.get("match"), tuple(d.get("covered_by") or ()), bool(d.get("required", True)))
                 for d in items or ())


@lru_cache(maxsize=None)
def sector_pack(key: str) -> SectorPack:
    """The shipped pack for a sector key (see SECTORS); ConfigError for an unknown one."""
    key = sector_key(key)
    text = resources.files("ccreport.sectors").joinpath(f"{key}.yaml").read_text(encoding="utf-8")
    data = yamlio.loads(text, f"ccreport/sectors/{key}.yaml").data
    flags = tuple(data.get("regulatory_flags") or ())
    card = tuple(data.get("card_flags") or ())
    unknown = [f for f in flags + card if f not in REGULATORY_OBLIGATIONS]
    if unknown:  # a packaging mistake, caught by the tests
        raise ConfigError(f"ccreport/sectors/{key}.yaml: unknown regulatory flag(s) {', '.join(unknown)}.")
    return SectorPack(
        key=key, title=data["title"], people=data.get("people", "customers"),
        categories=tuple(Category(c["name"], c["example"], c["default_priority"]) for c in data["categories"]),
        regulators=_duties(data.get("regulators")), vulnerable=_duties(data.get("vulnerable")),
        flags=flags, card_flags=card, aliases=tuple(data.get("aliases") or ()),
        levels=tuple(data.get("levels") or ()),
    )


def sector_key(value: str) -> str:
    """A sector as answered ("Health", "energy and utilities", "NHS") -> its pack key."""
    text = " ".join(str(value).lower().replace("_", " ").split())
    if text in SECTORS:
        return text
    for key in SECTORS:
        if text.startswith(key):
            return key
        data = yamlio.loads(resources.files("ccreport.sectors").joinpath(f"{key}.yaml").read_text(encoding="utf-8"),
                            key).data
        if text in [a.lower() for a in data.get("aliases") or ()] or text == data["title"].lower():
            return key
    raise ConfigError(f"sector {value!r} has no sector pack; choose one of {', '.join(SECTORS)}.")


def _list(value: Any, key: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        # A typed answer "Leeds, Glasgow" is a list of two.
        return tuple(p.strip() for p in value.split(",") if p.strip())
    if isinstance(value, (list, tuple)):
        return tuple(" ".join(str(v).split()) for v in value if str(v).strip())
    raise ConfigError(f"answers: {key}: expected a list, found {type(value).__name__}.")


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in ("y", "yes", "true", "1"):
        return True
    if text in ("n", "no", "false", "0", ""):
        return False
    raise ConfigError(f"answers: {key}: expected yes or no, found {value!r}.")


@dataclass(frozen=True)
class Answers:
    """What the guided init asked about the centre (or the answers file said)."""

    name: str
    sector: str
    seats: int | None = None
    sites: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    hours: str | None = None
    card_payments: bool = False
    vulnerable_customers: bool = False
    systems: tuple[str, ...] = ()
    suppliers: tuple[str, ...] = ()
    regulators: tuple[str, ...] = field(default=())

    @classmethod
    def from_mapping(cls, data: dict[str, Any], where: str = "answers") -> Answers:
        """Validate answers (an answers file's mapping, or the options and prompts combined)."""
        unknown = sorted(set(data) - set(ANSWER_KEYS))
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; the keys are "
                              f"{', '.join(ANSWER_KEYS)}.")
        name = " ".join(str(data.get("name") or "").split())
        if not name:
            raise ConfigError(f"{where}: name: the organisation's name is required.")
        if not data.get("sector"):
            raise ConfigError(f"{where}: sector: required; one of {', '.join(SECTORS)}.")
        seats = data.get("seats")
        if seats in (None, ""):
            seats = None
        else:
            try:
                seats = int(seats)
            except (TypeError, ValueError):
                raise ConfigError(f"{where}: seats: {seats!r} is not a whole number.") from None
            if seats < 1:
                raise ConfigError(f"{where}: seats: {seats} is not a number of seats (1 or more).")
        hours = " ".join(str(data.get("hours") or "").split()) or None
        return cls(
            name=name, sector=sector_key(data["sector"]), seats=seats,
            sites=_list(data.get("sites"), "sites"), channels=_list(data.get("channels"), "channels"), hours=hours,
            card_payments=_bool(data.get("card_payments"), "card_payments"),
            vulnerable_customers=_bool(data.get("vulnerable_customers"), "vulnerable_customers"),
            systems=_list(data.get("systems"), "systems"), suppliers=_list(data.get("suppliers"), "suppliers"),
            regulators=_list(data.get("regulators"), "regulators"),
        )


def load_answers(path: str) -> dict[str, Any]:
    """An answers file (YAML mapping with ANSWER_KEYS) as a mapping; ConfigError names the file."""
    doc = yamlio.load(path)
    if not isinstance(doc.data, dict):
        raise ConfigError(f"{path}: an answers file is a mapping of {', '.join(ANSWER_KEYS)}.")
    return doc.data


# --------------------------------------------------------------------------- the skeleton


def _join(items: tuple[str, ...]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _description(a: Answers, pack: SectorPack) -> str:
    kind = pack.title.lower()
    parts = [f"{a.name} is {'an' if kind[:1] in 'aeiou' else 'a'} {kind} contact centre"]
    if a.seats:
        parts.append(f" of {a.seats} seats")
    if a.sites:
        parts.append(f" at {_join(a.sites)}")
    text = "".join(parts) + "."
    if a.channels:
        text += f" Customers reach it by {_join(tuple(c.lower() for c in a.channels))}."
    if a.hours:
        text += f" Opening hours: {a.hours}."
    if a.systems:
        text += f" Key systems: {_join(a.systems)}."
    if a.suppliers:
        text += f" Key suppliers: {_join(a.suppliers)}."
    if a.card_payments:
        text += " It takes card payments."
    if a.vulnerable_customers:
        text += f" It serves {pack.people}."
    return text


def _regulatory(a: Answers, pack: SectorPack) -> dict[str, Any]:
    flags = list(pack.flags) + (list(pack.card_flags or ("pci_dss_12_10",)) if a.card_payments else [])
    if a.vulnerable_customers:
        flags.append("equality_act")
    out: dict[str, Any] = {key: True for key in REGULATORY_OBLIGATIONS if key in flags}
    extra: list[dict[str, Any]] = []
    duties = pack.regulators + (pack.vulnerable if a.vulnerable_customers else ())
    for d in duties:
        item = {"title": d.title, "source": d.source, "obligation": d.obligation}
        if d.deadline:
            item["deadline"] = d.deadline
        item["owner"] = prompt("the role that owns this duty in this centre")
        extra.append(item)
    for regulator in a.regulators:
        extra.append({"title": regulator, "source": regulator,
                      "obligation": prompt(f"what {regulator} requires of this centre during an incident"),
                      "deadline": prompt("the deadline it sets"),
                      "owner": prompt("the role that owns this duty")})
    if extra:
        out["extra"] = extra
    return out


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_OPENING = re.compile(r"^\s*([a-z]{3})[a-z]*\s*(?:-|–|to)\s*([a-z]{3})[a-z]*,?\s+(\d{1,2}[:.]?\d{2})\s*(?:-|–|to)\s*"
                      r"(\d{1,2}[:.]?\d{2})\s*$", re.I)


def opening_clock(hours: str | None) -> dict[str, Any] | None:
    """An answer like "Mon-Sat 08:00-20:00" as a clock (days, hours); None when it does not read so."""
    m = _OPENING.match(hours or "")
    if not m:
        return None
    first, last = m.group(1).lower(), m.group(2).lower()
    if first not in _DAYS or last not in _DAYS or _DAYS.index(first) > _DAYS.index(last):
        return None

    def hhmm(t: str) -> str:
        digits = t.replace(":", "").replace(".", "")
        return f"{int(digits[:-2]):02d}:{digits[-2:]}"

    start, end = hhmm(m.group(3)), hhmm(m.group(4))
    if not start < end:
        return None
    return {"days": list(_DAYS[_DAYS.index(first):_DAYS.index(last) + 1]), "hours": f"{start}-{end}"}


def skeleton(a: Answers) -> dict[str, Any]:
    """The skeleton strategy as a mapping (section key -> content), in strategy.yaml order."""
    pack = sector_pack(a.sector)
    channels = a.channels or ("voice",)
    s: dict[str, Any] = {}
    s["organisation"] = {
        "name": a.name,
        "sector": pack.key,
        "description": _description(a, pack),
        "sites": list(a.sites),
        "channels": list(a.channels),
        "goals": [{"id": "G1", "text": prompt("a goal of the organisation that incident management serves "
                                               "(its service to customers, not sales)")},
                  {"id": "G2", "text": prompt("another goal, or delete this one")}],
    }
    s["document_control"] = {
        "title": "Incident management strategy", "version": "0.1", "status": "Draft",
        "author": prompt("your name"), "owner": prompt("the role that owns this strategy"),
        "approver": prompt("the role that approves it"), "classification": "Internal",
    }
    s["scope"] = {
        "in": [f"Incidents affecting the {_join(tuple(c.lower() for c in channels))} "
               f"channel{'s' if len(channels) > 1 else ''}"]
        + ([f"Incidents affecting {system}" for system in a.systems])
        + [prompt("what else this strategy covers")],
        "out": [prompt("what is out of scope (complaints, service requests, root-cause work...) and what "
                       "handles each instead")],
    }
    s["objectives"] = [
        {"id": "O1", "text": prompt("a measurable objective for incident management here"), "goals": ["G1"],
         "measure": prompt("how it is measured and the target")},
        {"id": "O2", "text": prompt("another objective, linked only to the goals it serves"), "goals": ["G2"],
         "measure": prompt("how it is measured and the target")},
    ]
    s["categories"] = [
        {"name": c.name,
         "definition": prompt(f"what counts as {c.name!r} in this centre"),
         "examples": [c.example],
         "default_priority": c.default_priority,
         "resolver_group": prompt("the team that resolves it"),
         "rationale": prompt(f"why {c.name!r} starts at {c.default_priority} here (or change it)")}
        for c in pack.categories
    ]
    levels = ("High", "Medium", "Low")
    s["impact"] = [{"level": i, "name": n, "description": prompt(f"what {n.lower()} impact means here "
                                                                 "(customers, sites, services affected)")}
                   for i, n in enumerate(levels, start=1)]
    s["urgency"] = [{"level": i, "name": n, "description": prompt(f"what {n.lower()} urgency means here "
                                                                  "(how fast the effect grows)")}
                    for i, n in enumerate(levels, start=1)]
    names = {"P1": "Critical", "P2": "High", "P3": "Medium", "P4": "Low"}
    clock = opening_clock(a.hours)
    if clock is not None:
        s["clocks"] = {"opening hours": clock}
    always = bool(re.search(r"24\s*[x/×]\s*7|24 hours", a.hours or "", re.I))
    s["priorities"] = {p: {"name": n,
                           "description": prompt(("why this priority runs on its clock" if clock or always
                                                  else "the clock this priority runs on")
                                                 + (f" (the centre is open {a.hours})" if a.hours else "")),
                           **({"clock": "24x7" if p in ("P1", "P2") or always else "opening hours"}
                              if clock or always else {}),
                           "rationale": prompt(f"why these {p} targets suit this centre")}
                       for p, n in names.items()}
    s["major_incidents"] = {
        "major_criteria": [prompt("a measurable test for a major incident (customers, duration, services or "
                                  "sites, regulatory exposure)")],
        "minor_criteria": [prompt("a measurable test for a minor incident, different from the major ones")],
        "declared_by": [prompt("the role that declares a major incident")],
        "declaration": prompt("how a major incident is declared and who is told"),
        "rationale": prompt("why these criteria fit this centre"),
    }
    if pack.levels:
        s["major_incidents"]["levels"] = [
            {"name": name, "criteria": [prompt(f"when this centre declares a {name.lower()}")],
             "declared_by": [prompt(f"the role that declares a {name.lower()}")],
             "response": prompt(f"what changes once a {name.lower()} is declared")}
            for name in pack.levels]
    functional = [{"tier": "1", "team": prompt("the first-line team"), "scope": prompt("what it handles"),
                   "hand_off": prompt("when it passes the incident on")}]
    functional += [{"tier": "Supplier", "team": supplier, "scope": prompt(f"what {supplier} resolves"),
                    "hand_off": prompt(f"when and how an incident goes to {supplier}")} for supplier in a.suppliers]
    s["escalation"] = {"functional": functional, "rationale": prompt("why escalation works this way here")}
    s["roles"] = [{"name": prompt("a role in incident management"), "held_by": prompt("who holds it"),
                   "responsibilities": [prompt("what the role does")]}]
    s["procedures"] = {stage: {"owner": prompt(f"the role that owns {stage}"),
                               "steps": [prompt(f"the first step of {stage}")],
                               "rationale": prompt(f"why {stage} works this way")} for stage in LIFECYCLE_STAGES}
    s["procedures"]["problem_management"] = {
        "owner": prompt("the role that owns problem management"),
        "criteria": [prompt("when an incident is handed to problem management")],
        "steps": [prompt("the first step of the hand-off")],
        "rationale": prompt("why root-cause work is handed over after service is restored"),
    }
    s["communication"] = {
        "plan": [{"audience": prompt("an internal audience"), "type": "internal",
                  "channel": prompt("how they are told"), "owner": prompt("who tells them")},
                 {"audience": prompt("an external audience (customers, regulators, partners)"), "type": "external",
                  "channel": prompt("how they are told"), "owner": prompt("who tells them")}],
        "templates": {"initial": prompt("the first message when an incident starts"),
                      "update": prompt("the update message"),
                      "resolution": prompt("the message when service is restored")},
    }
    if a.vulnerable_customers:
        s["communication"]["accessible_formats"] = [
            prompt(f"how {pack.people} hear about the incident and reach the centre while a channel is down")]
    s["regulatory"] = _regulatory(a, pack)
    s["business_continuity"] = {
        "plan": prompt("where the business continuity plan is and how it is invoked"),
        "services": [{"service": system, "workaround": prompt(f"how the centre works while {system} is down")}
                     for system in a.systems]
        or [{"service": prompt("a service the centre cannot do without"),
             "workaround": prompt("how the centre works while it is down")}],
    }
    if len(a.sites) > 1:
        s["business_continuity"]["failover"] = [
            {"to": site_b, "type": "partner site",
             "trigger": prompt(f"when work moves from {site_a} to {site_b}"),
             "capacity": prompt(f"how much of {site_a}'s work {site_b} can take"),
             "invoked_by": [prompt("the role that invokes the failover")]}
            for site_a, site_b in zip(a.sites, a.sites[1:] + a.sites[:1])]
    if a.vulnerable_customers or pack.key == "health":
        s["welfare"] = {"how_identified": prompt(f"how {pack.people} at risk are identified during an incident"),
                        "what_changes": [prompt(f"what the centre does differently for them")],
                        "owner": prompt("the role that owns their welfare during an incident"),
                        "rationale": prompt("why this protects them")}
    s["exercises"] = [{"name": "Major incident tabletop", "scenario": prompt("the scenario rehearsed, from "
                                                                             "this centre's risks"),
                       "participants": [prompt("who takes part")],
                       "objectives": [prompt("what the exercise tests")],
                       "success_criteria": [prompt("how you know it worked")],
                       "rationale": prompt("why this exercise, at this frequency")}]
    s["training"] = [{"audience": [prompt("who is trained")], "topic": prompt("what they learn"),
                      "frequency": prompt("how often"), "rationale": prompt("why they need it")}]
    s["continuous_improvement"] = {
        "pir_required_for": [prompt("which incidents get a post-incident review")],
        "kpi_review_cadence": prompt("how often the incident KPIs are reviewed, and by whom"),
        "kpis": [prompt("a KPI reviewed (e.g. resolution within target, repeat incidents)")],
        "data_use": [prompt("how the incident data changes the service")],
    }
    s["consultation"] = [{"who": prompt("who you consulted"), "role": prompt("their role"),
                          "method": prompt("how"), "feedback": prompt("what they said"),
                          "change_made": prompt("what changed in this strategy as a result")}]
    s["frameworks"] = {"itil4": [{"practice": "Incident management",
                                  "how": prompt("how this strategy applies the practice")}],
                       "iso22301": [{"clause": "8.4", "how": prompt("how this strategy applies the clause")}]}
    s["learner"] = {key: prompt(_LEARNER_GUIDE[key].format(name=a.name, words=words))
                    for key, _title, words in LEARNER_SECTIONS}
    return s


#: What each learner section asks for (at least {words} words, in the writer's own words).
_LEARNER_GUIDE = {
    "executive_summary": "in at least {words} words, what this strategy sets out for {name} and why",
    "context_and_risk": "in at least {words} words, {name}'s context and the incident risks it faces",
    "worked_scenario": "in at least {words} words, one incident traced from detection to its post-incident review",
    "kpi_impact": "in at least {words} words, how incidents affect AHT, FCR, service level and CSAT at {name}",
    "reflection": "in at least {words} words, what you learned writing this strategy and what you would change",
}

_HEADERS = {
    "organisation": "The facts come from your answers; write the goals.",
    "categories": "Suggested from the sector pack: keep, change or delete each, and add your own.",
    "priorities": ("Add respond, resolve and update_every to each priority (e.g. respond: 15m, resolve: 4h), and a\n"
                   "# priority_matrix (impact 1-3 by urgency 1-3), e.g. [[P1, P2, P3], [P2, P3, P4], [P3, P4, P5]]."),
    "escalation": "Add hierarchical escalation: for each priority, after: 30m, notify: [a role].",
    "regulatory": "From the sector pack and your answers: keep what applies; a duty that does not apply can be\n"
                  "# recorded with applies: false and notes saying why.",
    "business_continuity": "Add rto, rpo and mtpd (e.g. 4h) to each service, and notice (e.g. 30m) to each failover.",
    "clocks": "The clocks the targets run on, from your opening hours; P1 and P2 run around the clock (24x7).",
    "welfare": "Vulnerable customers or patients during an incident: how they are found, what changes, who owns it.",
    "exercises": "Add type, frequency and first_date (YYYY-MM-DD) to each exercise.",
    "continuous_improvement": "Add pir_deadline (e.g. 5 working days).",
    "learner": "Sections only you can write, in your own words.",
}


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:  # every value written out in full
        return True


def skeleton_text(a: Answers) -> str:
    """The skeleton as strategy.yaml text, with a comment above each section saying what to do."""
    lines = [f"# Incident management strategy for {a.name}: a skeleton to write.",
             "# Every value starting \"To write:\" is yours to replace with your own words; the facts come from",
             f"# your answers and the {sector_pack(a.sector).title.lower()} sector pack.", ""]
    for key, value in skeleton(a).items():
        if key in _HEADERS:
            lines.append(f"# {_HEADERS[key]}")
        lines.append(yaml.dump({key: value}, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100,
                               default_flow_style=False).rstrip())
        lines.append("")
    return "\n".join(lines)
