"""The incident-management strategy model (SPEC §5.3): the strict schema of `strategy.yaml`,
the built-in reference lists it can point at, and the computed tables the document shows.

The schema checks shape, types, values and cross-references (an objective linked to a goal
that does not exist, RTO longer than MTPD); it does not judge completeness. Almost every
section is optional here so that `strategy-check` (`check.py`) can report a missing part as
a gap against the assessment criteria instead of refusing the file.

Everything is a plain, frozen pydantic object; the tables the renderer needs
(`escalation_matrix`, `communication_matrix`, `raci_table`, `framework_alignment`,
`regulatory_requirements`) are functions over it, so the document builder never reaches
into the schema's corners and nothing here formats for one output.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NamedTuple

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .. import yamlio
from ..config import Calendar, parse_duration
from ..errors import ConfigError
from ..schema import PRIORITIES

#: The lifecycle stages a strategy needs a procedure for, in order.
LIFECYCLE_STAGES = (
    "identification",
    "logging",
    "categorisation",
    "prioritisation",
    "escalation",
    "resolution",
    "closure",
)

#: Section keys in document order and the titles every output uses for them.
SECTION_TITLES: dict[str, str] = {
    "organisation": "Organisation and goals",
    "document_control": "Document control",
    "scope": "Scope",
    "objectives": "Objectives",
    "categories": "Incident categories",
    "priorities": "Impact, urgency and priority",
    "major_incidents": "Major and minor incidents",
    "escalation": "Escalation",
    "roles": "Roles and responsibilities",
    "procedures": "Procedures",
    "communication": "Communication plan",
    "regulatory": "Regulatory and legal requirements",
    "business_continuity": "Business continuity",
    "exercises": "Testing and exercises",
    "training": "Training",
    "continuous_improvement": "Continuous improvement",
    "consultation": "Stakeholder consultation",
    "frameworks": "Framework alignment",
}

EXERCISE_TYPES = ("walkthrough", "tabletop", "call tree", "functional", "simulation", "full-scale")

# --------------------------------------------------------------------------- reference lists

#: ISO 22301:2019 clause numbers and titles (clauses 4-10 with their sub-clauses).
ISO22301_CLAUSES: dict[str, str] = {
    "4": "Context of the organization",
    "4.1": "Understanding the organization and its context",
    "4.2": "Understanding the needs and expectations of interested parties",
    "4.2.1": "Interested parties: general",
    "4.2.2": "Legal and regulatory requirements",
    "4.3": "Determining the scope of the business continuity management system",
    "4.3.1": "Scope: general",
    "4.3.2": "Scope of the business continuity management system",
    "4.4": "Business continuity management system",
    "5": "Leadership",
    "5.1": "Leadership and commitment",
    "5.2": "Policy",
    "5.2.1": "Establishing the business continuity policy",
    "5.2.2": "Communicating the business continuity policy",
    "5.3": "Roles, responsibilities and authorities",
    "6": "Planning",
    "6.1": "Actions to address risks and opportunities",
    "6.1.1": "Determining risks and opportunities",
    "6.1.2": "Addressing risks and opportunities",
    "6.2": "Business continuity objectives and planning to achieve them",
    "6.2.1": "Establishing business continuity objectives",
    "6.2.2": "Determining business continuity objectives",
    "6.3": "Planning changes to the business continuity management system",
    "7": "Support",
    "7.1": "Resources",
    "7.2": "Competence",
    "7.3": "Awareness",
    "7.4": "Communication",
    "7.5": "Documented information",
    "7.5.1": "Documented information: general",
    "7.5.2": "Creating and updating documented information",
    "7.5.3": "Control of documented information",
    "8": "Operation",
    "8.1": "Operational planning and control",
    "8.2": "Business impact analysis and risk assessment",
    "8.2.1": "Business impact analysis and risk assessment: general",
    "8.2.2": "Business impact analysis",
    "8.2.3": "Risk assessment",
    "8.3": "Business continuity strategies and solutions",
    "8.3.1": "Strategies and solutions: general",
    "8.3.2": "Identification of strategies and solutions",
    "8.3.3": "Selection of strategies and solutions",
    "8.3.4": "Resource requirements",
    "8.3.5": "Implementation of solutions",
    "8.4": "Business continuity plans and procedures",
    "8.4.1": "Plans and procedures: general",
    "8.4.2": "Response structure",
    "8.4.3": "Warning and communication",
    "8.4.4": "Business continuity plans",
    "8.4.5": "Recovery",
    "8.5": "Exercise programme",
    "8.6": "Evaluation of business continuity documentation and capabilities",
    "9": "Performance evaluation",
    "9.1": "Monitoring, measurement, analysis and evaluation",
    "9.2": "Internal audit",
    "9.2.1": "Internal audit: general",
    "9.2.2": "Audit programme(s)",
    "9.3": "Management review",
    "9.3.1": "Management review: general",
    "9.3.2": "Management review input",
    "9.3.3": "Management review outputs",
    "10": "Improvement",
    "10.1": "Nonconformity and corrective action",
    "10.2": "Continual improvement",
}

_GENERAL = "General management practice"
_SERVICE = "Service management practice"
_TECHNICAL = "Technical management practice"
#: The 34 ITIL 4 management practices and their group.
ITIL4_PRACTICES: dict[str, str] = {
    "Architecture management": _GENERAL,
    "Continual improvement": _GENERAL,
    "Information security management": _GENERAL,
    "Knowledge management": _GENERAL,
    "Measurement and reporting": _GENERAL,
    "Organizational change management": _GENERAL,
    "Portfolio management": _GENERAL,
    "Project management": _GENERAL,
    "Relationship management": _GENERAL,
    "Risk management": _GENERAL,
    "Service financial management": _GENERAL,
    "Strategy management": _GENERAL,
    "Supplier management": _GENERAL,
    "Workforce and talent management": _GENERAL,
    "Availability management": _SERVICE,
    "Business analysis": _SERVICE,
    "Capacity and performance management": _SERVICE,
    "Change enablement": _SERVICE,
    "Incident management": _SERVICE,
    "IT asset management": _SERVICE,
    "Monitoring and event management": _SERVICE,
    "Problem management": _SERVICE,
    "Release management": _SERVICE,
    "Service catalogue management": _SERVICE,
    "Service configuration management": _SERVICE,
    "Service continuity management": _SERVICE,
    "Service design": _SERVICE,
    "Service desk": _SERVICE,
    "Service level management": _SERVICE,
    "Service request management": _SERVICE,
    "Service validation and testing": _SERVICE,
    "Deployment management": _TECHNICAL,
    "Infrastructure and platform management": _TECHNICAL,
    "Software development and management": _TECHNICAL,
}


@dataclass(frozen=True)
class Obligation:
    """A built-in regulatory obligation that a `regulatory:` flag switches on."""

    title: str
    obligation: str
    deadline: str
    owner: str


#: Regulatory flags and what each one means. A flag's obligation, deadline and owner can be
#: overridden in the YAML; the wording here is a starting point, not legal advice.
REGULATORY_OBLIGATIONS: dict[str, Obligation] = {
    "uk_gdpr_art33": Obligation(
        "UK GDPR Article 33: notify the ICO of a personal data breach",
        "Report a personal data breach to the Information Commissioner's Office (ICO) unless it "
        "is unlikely to result in a risk to people's rights and freedoms. Record every breach "
        "(facts, effects, action taken) in the breach log, whether reported or not.",
        "Without undue delay and, where feasible, within 72 hours of becoming aware of the breach",
        "Data Protection Officer",
    ),
    "uk_gdpr_art34": Obligation(
        "UK GDPR Article 34: tell the people affected by a personal data breach",
        "When a breach is likely to result in a high risk to people's rights and freedoms, tell "
        "them in clear and plain language what happened, the likely consequences, what is being "
        "done and who to contact.",
        "Without undue delay",
        "Data Protection Officer",
    ),
    "pecr_reg5a": Obligation(
        "PECR regulation 5A: personal data breach at a communications provider",
        "If the organisation provides a public electronic communications service, notify the ICO "
        "of every personal data breach, and tell subscribers or users when the breach is likely "
        "to harm their personal data or privacy.",
        "Within 24 hours of detecting the breach (initial notification)",
        "Data Protection Officer",
    ),
    "pci_dss_12_10": Obligation(
        "PCI DSS v4.0 Requirement 12.10: respond to suspected card-data compromise",
        "Activate the incident response plan as soon as a security incident that could affect "
        "cardholder data is suspected or confirmed: contain it, preserve evidence and notify the "
        "acquiring bank and card brands as their rules require. Test the plan at least once "
        "every 12 months.",
        "Immediately on suspicion; acquirer and card-brand notification within the timescales "
        "their rules set",
        "Information Security Manager",
    ),
    "fca_operational_resilience": Obligation(
        "FCA operational resilience (SYSC 15A) and Principle 11",
        "Keep each important business service within its impact tolerance during severe but "
        "plausible disruption, and tell the FCA about a material operational incident "
        "(Principle 11 and SUP 15.3).",
        "Notify the FCA promptly; restore important business services within their impact "
        "tolerances",
        "Chief Operating Officer",
    ),
    "ofcom": Obligation(
        "Ofcom: persistent misuse (outbound calling) and security compromises",
        "For outbound calling, keep to Ofcom's persistent-misuse policy: no more than 3 % of live "
        "calls abandoned per campaign in any 24 hours, an information message on every abandoned "
        "call and a caller line identity that can be called back; stop a dialler campaign that "
        "breaches it. A communications provider also reports security compromises with a "
        "significant effect to Ofcom (Communications Act 2003, s.105K).",
        "Stop a breaching campaign at once; report security compromises without undue delay",
        "Head of Operations",
    ),
    "equality_act": Obligation(
        "Equality Act 2010: reasonable adjustments during an incident",
        "Keep the service accessible to disabled customers while a channel is down: offer "
        "alternative channels (for example Relay UK, email or BSL video relay) and publish "
        "incident messages in accessible formats.",
        "For the whole incident, from the first customer message",
        "Customer Experience Manager",
    ),
    "nis_regulations": Obligation(
        "NIS Regulations 2018: incident notification",
        "If the organisation provides, or supports, an essential service covered by the Network "
        "and Information Systems Regulations 2018, notify the competent authority of any "
        "incident with a significant impact on the continuity of that service.",
        "Without undue delay and no later than 72 hours after becoming aware of the incident",
        "Information Security Manager",
    ),
}

# --------------------------------------------------------------------------- value types


@dataclass(frozen=True)
class Duration:
    """A duration as written (`15m`) and in hours (0.25); `str()` gives the text back."""

    text: str
    hours: float

    def __str__(self) -> str:
        return self.text


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if value is None or isinstance(value, (bool, list, dict)):
        raise ValueError("expected a duration like 15m, 4h or 3d")
    hours = parse_duration(value)  # ValueError: "'15x' is not a duration like 15m, 4h or 3d"
    if hours < 0:
        raise ValueError(f"{value!r} is negative; a duration is 0 or more")
    text = value.strip() if isinstance(value, str) else f"{value:g}h"
    return Duration(text, hours)


DurationValue = Annotated[Duration, PlainValidator(_duration), PlainSerializer(str, return_type=str)]


@dataclass(frozen=True)
class Frequency:
    """How often an exercise recurs: every `every` weeks or months, or once."""

    text: str
    unit: str  # "weeks", "months" or "once"
    every: int

    def __str__(self) -> str:
        return self.text


_FREQUENCY_WORDS = {
    "weekly": ("weeks", 1),
    "fortnightly": ("weeks", 2),
    "monthly": ("months", 1),
    "bi-monthly": ("months", 2),
    "bimonthly": ("months", 2),
    "quarterly": ("months", 3),
    "half-yearly": ("months", 6),
    "half yearly": ("months", 6),
    "six-monthly": ("months", 6),
    "six monthly": ("months", 6),
    "yearly": ("months", 12),
    "annually": ("months", 12),
    "annual": ("months", 12),
    "once": ("once", 0),
}
_EVERY = re.compile(r"^every\s+(\d+)\s+(week|month|year)s?$")


def _frequency(value: Any) -> Frequency:
    if isinstance(value, Frequency):
        return value
    text = str(value).strip() if isinstance(value, (str, int)) else None
    if text is not None:
        key = text.lower()
        if key in _FREQUENCY_WORDS:
            unit, every = _FREQUENCY_WORDS[key]
            return Frequency(text, unit, every)
        m = _EVERY.match(key)
        if m and int(m.group(1)) > 0:
            n, unit = int(m.group(1)), m.group(2)
            return Frequency(text, "months", n * 12) if unit == "year" else Frequency(text, unit + "s", n)
    raise ValueError(
        f"{value!r} is not a frequency; use monthly, quarterly, half-yearly, yearly, once, "
        "or 'every N weeks' / 'every N months'"
    )


FrequencyValue = Annotated[Frequency, PlainValidator(_frequency), PlainSerializer(str, return_type=str)]


def _blank_to_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _as_list(value: Any) -> Any:
    """None is an empty list and a single text is a list of one: kind to hand-written YAML."""
    if value is None:
        return ()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return (value,)
    return value


def _none_to_empty(value: Any) -> Any:
    return () if value is None else value


def _none_to_dict(value: Any) -> Any:
    return {} if value is None else value


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Text = Annotated[Name | None, BeforeValidator(_blank_to_none)]
TextList = Annotated[tuple[Name, ...], BeforeValidator(_as_list)]


def _priority(value: Any) -> str:
    text = str(value).strip().upper() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if text.isdigit():
        text = "P" + text
    if text not in PRIORITIES:
        raise ValueError(f"{value!r} is not one of P1–P5")
    return text


Priority = Annotated[str, PlainValidator(_priority)]


def _exercise_type(value: Any) -> str:
    key = re.sub(r"[\s_-]+", " ", str(value).strip().lower()) if isinstance(value, str) else None
    for name in EXERCISE_TYPES:
        if key == name.replace("-", " "):
            return name
    raise ValueError(f"{value!r} is not an exercise type; use one of {', '.join(EXERCISE_TYPES)}")


def _comms_type(value: Any) -> str:
    key = str(value).strip().lower() if isinstance(value, str) else None
    if key not in ("internal", "external"):
        raise ValueError(f"{value!r} is neither internal nor external")
    return key


_RACI_ORDER = "RACI"


def _raci(value: Any) -> str:
    letters = re.sub(r"[\s/,+&-]", "", str(value)).upper() if isinstance(value, str) else ""
    if not letters or any(c not in _RACI_ORDER for c in letters) or len(set(letters)) != len(letters):
        raise ValueError(f"{value!r} is not R, A, C or I (or a combination such as R/A)")
    return "/".join(c for c in _RACI_ORDER if c in letters)


def _level(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value not in (1, 2, 3):
        raise ValueError(f"{value!r} is not a level; levels are 1, 2 or 3 (1 = highest)")
    return value


_PIR_DEADLINE = re.compile(r"^\d+\s+(?:(?:working|business|calendar)\s+)?(?:days?|hours?)$", re.I)


def _pir_deadline(value: Any) -> Any:
    value = _blank_to_none(value)
    if value is None:
        return None
    text = str(value).strip()
    if _PIR_DEADLINE.match(text):
        return text
    try:
        parse_duration(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a deadline like '5 working days', '3 days' or '72h'") from None
    return text


def _ref_error(message: str, *loc: Any) -> PydanticCustomError:
    """A model-level error that points at a key below the model (see `schema_error`)."""
    return PydanticCustomError("strategy_ref", "{message}", {"message": message, "loc": loc})


# --------------------------------------------------------------------------- the schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True, populate_by_name=True)


class Goal(_Strict):
    id: Name
    text: Name


class Organisation(_Strict):
    name: Name
    #: The sector pack the centre belongs to (health, energy, financial, retail, public, telecoms,
    #: general): its regulators are expected under `regulatory` (strategy-check).
    sector: Text = None
    description: Text = None
    sites: TextList = ()
    channels: TextList = ()
    goals: Annotated[tuple[Goal, ...], BeforeValidator(_none_to_empty)] = ()

    @model_validator(mode="after")
    def _unique_goals(self) -> Organisation:
        seen: dict[str, int] = {}
        for i, goal in enumerate(self.goals):
            if goal.id in seen:
                raise _ref_error(f"goal id {goal.id!r} is used twice (also goals[{seen[goal.id]}])", "goals", i, "id")
            seen[goal.id] = i
        return self


class Revision(_Strict):
    version: Name
    date: dt.date | None = None
    author: Text = None
    change: Text = None


class DocumentControl(_Strict):
    title: Text = None
    version: Text = None
    status: Text = None
    issued: dt.date | None = None
    author: Text = None
    owner: Text = None
    approver: Text = None
    review_date: dt.date | None = None
    classification: Text = None
    history: Annotated[tuple[Revision, ...], BeforeValidator(_none_to_empty)] = ()


class Scope(_Strict):
    in_: TextList = Field(default=(), alias="in")
    out: TextList = ()


#: The figures an objective can be measured by (metrics registry keys) and whether higher is better.
OBJECTIVE_METRICS: dict[str, bool] = {
    "resolution_sla_pct": True, "response_sla_pct": True, "mttr_hours": False, "mtta_hours": False,
    "reopen_rate_pct": False, "escalation_rate_pct": False, "csat_mean": True,
}


def _objective_metric(value: Any) -> str:
    key = str(value).strip().lower() if value is not None else ""
    if key not in OBJECTIVE_METRICS:
        raise ValueError(f"{value!r} is not a measurable figure; use one of {', '.join(OBJECTIVE_METRICS)}")
    return key


class ObjectiveKpi(_Strict):
    """The figure an objective is measured by, so the evidence can say met or missed."""

    metric: Annotated[str, PlainValidator(_objective_metric)]
    priority: Priority | None = None
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> ObjectiveKpi:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one of at_least or at_most")
        return self


class Objective(_Strict):
    id: Text = None
    text: Name
    goals: TextList = ()
    measure: Text = None
    kpi: ObjectiveKpi | None = None


class Category(_Strict):
    name: Name
    definition: Text = None
    examples: TextList = ()
    default_priority: Priority | None = None
    resolver_group: Text = None
    escalation_path: TextList = ()
    #: The clock this category's targets run on, when it differs from its priority's: a name
    #: under `clocks`, or "24x7".
    clock: Text = None
    rationale: Text = None


class Level(_Strict):
    level: Annotated[int, PlainValidator(_level)]
    name: Text = None
    description: Name


def _unique_levels(levels: tuple[Level, ...]) -> tuple[Level, ...]:
    seen: set[int] = set()
    for level in levels:
        if level.level in seen:
            raise ValueError(f"level {level.level} is defined twice")
        seen.add(level.level)
    return tuple(sorted(levels, key=lambda lv: lv.level))


class PriorityTarget(_Strict):
    name: Text = None
    description: Text = None
    respond: DurationValue | None = None
    resolve: DurationValue | None = None
    update_every: DurationValue | None = None
    #: The clock the targets run on: a name under `clocks`, or "24x7".
    clock: Text = None
    rationale: Text = None

    @model_validator(mode="after")
    def _respond_before_resolve(self) -> PriorityTarget:
        if self.respond and self.resolve and self.respond.hours > self.resolve.hours:
            raise _ref_error(
                f"the response target ({self.respond}) is longer than the resolution target "
                f"({self.resolve}); a response comes first",
                "respond",
            )
        return self


class IncidentLevel(_Strict):
    """One level of a tiered scheme (e.g. NHS EPRR: business continuity, critical, major incident)."""

    name: Name
    criteria: TextList = ()
    declared_by: TextList = ()
    response: Text = None


class MajorIncidents(_Strict):
    major_criteria: TextList = ()
    minor_criteria: TextList = ()
    declared_by: TextList = ()
    declaration: Text = None
    #: Several levels of major incident, least severe first (optional).
    levels: Annotated[tuple[IncidentLevel, ...], BeforeValidator(_none_to_empty)] = ()
    rationale: Text = None


class FunctionalTier(_Strict):
    tier: Name
    team: Name
    scope: Text = None
    hand_off: Text = None


class EscalationStep(_Strict):
    after: DurationValue
    notify: Annotated[tuple[Name, ...], BeforeValidator(_as_list), Field(min_length=1)]
    method: Text = None
    rationale: Text = None


class Escalation(_Strict):
    functional: Annotated[tuple[FunctionalTier, ...], BeforeValidator(_none_to_empty)] = ()
    hierarchical: Annotated[
        dict[Priority, Annotated[tuple[EscalationStep, ...], BeforeValidator(_none_to_empty)]],
        BeforeValidator(_none_to_dict),
    ] = {}
    rationale: Text = None


class Role(_Strict):
    name: Name
    held_by: Text = None
    responsibilities: TextList = ()


class RaciEntry(_Strict):
    activity: Name
    stage: Text = None
    assignments: Annotated[dict[Name, Annotated[str, PlainValidator(_raci)]], BeforeValidator(_none_to_dict)] = {}

    @field_validator("stage")
    @classmethod
    def _stage(cls, v: str | None) -> str | None:
        v = v.lower() if v else v
        if v is not None and v not in (*LIFECYCLE_STAGES, "major incident", "communication", "regulatory",
                                       "problem management", "post-incident review"):
            raise ValueError(
                f"{v!r} is not a lifecycle stage; use one of {', '.join(LIFECYCLE_STAGES)} "
                "(or major incident, communication, regulatory, problem management, post-incident review)"
            )
        return v


class Procedure(_Strict):
    owner: Text = None
    target: Text = None
    steps: TextList = ()
    rationale: Text = None


class ProblemHandoff(_Strict):
    owner: Text = None
    criteria: TextList = ()
    steps: TextList = ()
    rationale: Text = None


class Procedures(_Strict):
    identification: Procedure | None = None
    logging: Procedure | None = None
    categorisation: Procedure | None = None
    prioritisation: Procedure | None = None
    escalation: Procedure | None = None
    resolution: Procedure | None = None
    closure: Procedure | None = None
    problem_management: ProblemHandoff | None = None

    def stage(self, name: str) -> Procedure | None:
        return getattr(self, name)


class CommsEntry(_Strict):
    audience: Name
    type: Annotated[str, PlainValidator(_comms_type)]
    channel: Text = None
    owner: Text = None
    cadence: Annotated[dict[Priority, Name], BeforeValidator(_none_to_dict)] = {}


class MessageTemplates(_Strict):
    initial: Text = None
    update: Text = None
    resolution: Text = None


class Communication(_Strict):
    plan: Annotated[tuple[CommsEntry, ...], BeforeValidator(_none_to_empty)] = ()
    templates: Annotated[MessageTemplates, BeforeValidator(_none_to_dict)] = MessageTemplates()
    accessible_formats: TextList = ()


def _flag(value: Any) -> Any:
    if isinstance(value, bool):
        return {"applies": value}
    if value is None:
        return {"applies": False}
    if not isinstance(value, dict):
        raise ValueError(
            f"{value!r} is not true or false; write true, false, or a mapping "
            "(applies, obligation, deadline, owner, notes) to change the built-in wording"
        )
    return value


class RegulatoryFlag(_Strict):
    applies: bool = True
    obligation: Text = None
    deadline: Text = None
    owner: Text = None
    notes: Text = None
    not_applicable: Text = None  # why the duty does not apply here (issue 16); then applies defaults to false

    @model_validator(mode="before")
    @classmethod
    def _not_applicable_is_false(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("not_applicable") and "applies" not in data:
            return {**data, "applies": False}
        return data


Flag = Annotated[RegulatoryFlag | None, BeforeValidator(_flag)]


class ExtraRequirement(_Strict):
    title: Text = None
    source: Text = None
    obligation: Text = None
    deadline: Text = None
    owner: Text = None
    #: Why this requirement does not apply here (it is then listed as considered, not as a duty).
    not_applicable: Text = None

    @model_validator(mode="after")
    def _obligation_unless_not_applicable(self) -> ExtraRequirement:
        if self.obligation is None and self.not_applicable is None:
            raise _ref_error("say what the requirement obliges the centre to do (obligation:), or why it does not "
                             "apply here (not_applicable:)", "obligation")
        return self


class Regulatory(_Strict):
    uk_gdpr_art33: Flag = None
    uk_gdpr_art34: Flag = None
    pecr_reg5a: Flag = None
    pci_dss_12_10: Flag = None
    fca_operational_resilience: Flag = None
    ofcom: Flag = None
    equality_act: Flag = None
    nis_regulations: Flag = None
    extra: Annotated[tuple[ExtraRequirement, ...], BeforeValidator(_none_to_empty)] = ()

    def flag(self, key: str) -> RegulatoryFlag | None:
        return getattr(self, key)


class ContinuityService(_Strict):
    service: Name
    rto: DurationValue | None = None
    rpo: DurationValue | None = None
    mtpd: DurationValue | None = None
    workaround: Text = None

    @model_validator(mode="after")
    def _rto_within_mtpd(self) -> ContinuityService:
        if self.rto and self.mtpd and self.rto.hours > self.mtpd.hours:
            raise _ref_error(
                f"the recovery time objective ({self.rto}) is longer than the maximum tolerable "
                f"period of disruption, mtpd ({self.mtpd}); RTO must be no more than MTPD",
                "rto",
            )
        return self


def _failover_type(value: Any) -> str:
    text = " ".join(str(value).lower().replace("-", " ").split()) if value is not None else ""
    if text in ("partner site", "site", "own site"):
        return "partner site"
    if text in ("mutual aid", "partner organisation", "partner organization"):
        return "mutual aid"
    raise ValueError(f"{value!r} is not a failover type; use 'partner site' or 'mutual aid'")


class Failover(_Strict):
    """Where the work goes when a site is lost: a partner site of the centre, or mutual aid from another
    organisation."""

    to: Name
    type: Annotated[str, PlainValidator(_failover_type)] = "partner site"
    trigger: Text = None
    capacity: Text = None
    notice: DurationValue | None = None
    invoked_by: TextList = ()
    rationale: Text = None


class BusinessContinuity(_Strict):
    plan: Text = None
    services: Annotated[tuple[ContinuityService, ...], BeforeValidator(_none_to_empty)] = ()
    failover: Annotated[tuple[Failover, ...], BeforeValidator(_none_to_empty)] = ()


class Welfare(_Strict):
    """Vulnerable customers or patients during an incident: how they are found, what changes, who owns it."""

    how_identified: Text = None
    what_changes: TextList = ()
    owner: Text = None
    rationale: Text = None


class Exercise(_Strict):
    name: Name
    type: Annotated[str, PlainValidator(_exercise_type)] | None = None
    scenario: Text = None
    frequency: FrequencyValue | None = None
    first_date: dt.date | None = None
    owner: Text = None
    participants: TextList = ()
    objectives: TextList = ()
    success_criteria: TextList = ()
    rationale: Text = None


class Training(_Strict):
    audience: Annotated[tuple[Name, ...], BeforeValidator(_as_list), Field(min_length=1)]
    topic: Name
    frequency: Text = None
    method: Text = None
    rationale: Text = None


class LessonsRegister(_Strict):
    location: Text = None
    owner: Text = None
    review_cadence: Text = None


class ContinuousImprovement(_Strict):
    pir_deadline: Annotated[str | None, BeforeValidator(_pir_deadline)] = None
    pir_required_for: TextList = ()
    kpi_review_cadence: Text = None
    kpis: TextList = ()
    data_use: TextList = ()
    lessons_learned_register: LessonsRegister | None = None


class Consultation(_Strict):
    who: Name
    role: Text = None
    date: dt.date | None = None
    method: Text = None
    feedback: Text = None
    change_made: Text = None


def _practice(value: Any) -> str:
    if isinstance(value, str):
        key = value.strip().lower().replace("organisational", "organizational")
        key = key.replace("catalog management", "catalogue management")
        for name in ITIL4_PRACTICES:
            if name.lower() == key:
                return name
        near = difflib.get_close_matches(value.strip().capitalize(), list(ITIL4_PRACTICES), n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else "; see the list in docs/strategy.md (`ccreport docs strategy`)"
        raise ValueError(f"{value!r} is not an ITIL 4 practice{hint}")
    raise ValueError("expected the name of an ITIL 4 practice, such as Incident management")


def _clause(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError("expected an ISO 22301 clause number, such as 8.4")
    text = str(value).strip()
    text = re.sub(r"^(?:iso\s*22301(?::2019)?\s*)?(?:clause\s*)?", "", text, flags=re.I).strip()
    if text in ISO22301_CLAUSES:
        return text
    top = text.split(".")[0]
    siblings = [c for c in ISO22301_CLAUSES if c.split(".")[0] == top and "." in c]
    hint = f" (clause {top} has {siblings[0]} to {siblings[-1]})" if siblings else " (clauses run from 4 to 10.2)"
    raise ValueError(f"{value!r} is not an ISO 22301:2019 clause{hint}")


class ItilRef(_Strict):
    practice: Annotated[str, PlainValidator(_practice)]
    how: Text = None


class IsoRef(_Strict):
    clause: Annotated[str, PlainValidator(_clause)]
    how: Text = None

    @property
    def title(self) -> str:
        return ISO22301_CLAUSES[self.clause]


class OtherRef(_Strict):
    framework: Name
    reference: Text = None
    how: Text = None


def _refs(key: str) -> Any:
    def convert(value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, list):
            return [{key: v} if isinstance(v, (str, int, float)) and not isinstance(v, bool) else v for v in value]
        return value

    return BeforeValidator(convert)


class Frameworks(_Strict):
    itil4: Annotated[tuple[ItilRef, ...], _refs("practice")] = ()
    iso22301: Annotated[tuple[IsoRef, ...], _refs("clause")] = ()
    other: Annotated[tuple[OtherRef, ...], BeforeValidator(_none_to_empty)] = ()


def _matrix(value: Any) -> Any:
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 3 and all(isinstance(r, list) and len(r) == 3 for r in value)):
        raise ValueError(
            "the priority matrix needs 3 rows (impact 1-3), each of 3 priorities (urgency 1-3), "
            "e.g. [[P1, P2, P3], [P2, P3, P4], [P3, P4, P5]]"
        )
    return value


class Learner(_Strict):
    """The sections only the writer can write (strategy/prompts.py LEARNER_SECTIONS)."""

    executive_summary: Text = None
    context_and_risk: Text = None
    worked_scenario: Text = None
    kpi_impact: Text = None
    reflection: Text = None


class Strategy(_Strict):
    """An incident-management strategy as written in `strategy.yaml`."""

    organisation: Organisation
    document_control: DocumentControl | None = None
    scope: Scope | None = None
    objectives: Annotated[tuple[Objective, ...], BeforeValidator(_none_to_empty)] = ()
    categories: Annotated[tuple[Category, ...], BeforeValidator(_none_to_empty)] = ()
    impact: Annotated[tuple[Level, ...], BeforeValidator(_none_to_empty)] = ()
    urgency: Annotated[tuple[Level, ...], BeforeValidator(_none_to_empty)] = ()
    priority_matrix: Annotated[tuple[tuple[Priority, Priority, Priority], ...] | None, BeforeValidator(_matrix)] = None
    priorities: Annotated[dict[Priority, PriorityTarget], BeforeValidator(_none_to_dict)] = {}
    major_incidents: MajorIncidents | None = None
    escalation: Escalation | None = None
    roles: Annotated[tuple[Role, ...], BeforeValidator(_none_to_empty)] = ()
    raci: Annotated[tuple[RaciEntry, ...], BeforeValidator(_none_to_empty)] = ()
    procedures: Procedures | None = None
    communication: Communication | None = None
    regulatory: Regulatory | None = None
    business_continuity: BusinessContinuity | None = None
    #: Named clocks (opening hours) the priorities' and categories' targets run on; "24x7" is built in.
    clocks: Annotated[dict[Name, Calendar], BeforeValidator(_none_to_dict)] = {}
    welfare: Welfare | None = None
    exercises: Annotated[tuple[Exercise, ...], BeforeValidator(_none_to_empty)] = ()
    training: Annotated[tuple[Training, ...], BeforeValidator(_none_to_empty)] = ()
    continuous_improvement: ContinuousImprovement | None = None
    consultation: Annotated[tuple[Consultation, ...], BeforeValidator(_none_to_empty)] = ()
    frameworks: Frameworks | None = None
    learner: Learner = Learner()

    @field_validator("impact", "urgency")
    @classmethod
    def _levels(cls, v: tuple[Level, ...]) -> tuple[Level, ...]:
        return _unique_levels(v)

    @field_validator("priorities")
    @classmethod
    def _priority_order(cls, v: dict[str, PriorityTarget]) -> dict[str, PriorityTarget]:
        return {p: v[p] for p in PRIORITIES if p in v}

    @model_validator(mode="after")
    def _cross_references(self) -> Strategy:
        goal_ids = [g.id for g in self.organisation.goals]
        for i, objective in enumerate(self.objectives):
            for j, goal in enumerate(objective.goals):
                if goal not in goal_ids:
                    known = ", ".join(goal_ids) if goal_ids else "none yet; add them under organisation.goals"
                    raise _ref_error(f"{goal!r} is not a goal id under organisation.goals (known: {known})",
                                     "objectives", i, "goals", j)
        names: dict[str, int] = {}
        for i, category in enumerate(self.categories):
            key = category.name.casefold()
            if key in names:
                raise _ref_error(f"the category {category.name!r} is listed twice (also categories[{names[key]}])",
                                 "categories", i, "name")
            names[key] = i
        clocks = {name.casefold() for name in self.clocks}
        for name in self.clocks:
            if name.casefold() == "24x7":
                raise _ref_error("'24x7' is built in; give this clock another name", "clocks", name)
        for where, owner in [(("priorities", p, "clock"), t.clock) for p, t in self.priorities.items()] + \
                [(("categories", i, "clock"), c.clock) for i, c in enumerate(self.categories)]:
            if owner is not None and owner.casefold() != "24x7" and owner.casefold() not in clocks:
                known = ", ".join(["24x7", *self.clocks])
                raise _ref_error(f"{owner!r} is not a clock under clocks (known: {known})", *where)
        role_names = {r.name.casefold() for r in self.roles}
        if role_names:
            for i, entry in enumerate(self.raci):
                for role in entry.assignments:
                    if role.casefold() not in role_names:
                        known = ", ".join(r.name for r in self.roles)
                        raise _ref_error(f"{role!r} is not a role under roles (known: {known})",
                                         "raci", i, "assignments", role)
        return self


# --------------------------------------------------------------------------- loading


def key_path(loc: tuple) -> str:
    """('categories', 2, 'name') -> 'categories[2].name' (list positions count from 0)."""
    out = ""
    for part in loc:
        if part == "[key]":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _model_at(loc: tuple) -> type[BaseModel] | None:
    """The schema model that holds the last key of `loc` (for 'did you mean' hints)."""

    def inner(tp: Any) -> type[BaseModel] | None:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return tp
        for arg in typing.get_args(tp):
            found = inner(arg)
            if found is not None:
                return found
        return None

    model: type[BaseModel] | None = Strategy
    for part in loc:
        if model is None:
            return None
        if isinstance(part, str):
            fields = {f.alias or n: f for n, f in model.model_fields.items()}
            if part in fields:
                model = inner(fields[part].annotation) or inner(fields[part].metadata)
    return model


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping of keys"
    return type(value).__name__


def _message(error: dict[str, Any], loc: tuple) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "strategy_ref":
        return error["ctx"]["message"]
    if kind == "extra_forbidden":
        model = _model_at(loc[:-1])
        known = [f.alias or n for n, f in model.model_fields.items()] if model else []
        near = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        if near:
            return f"unknown key; did you mean {near[0]!r}?"
        return "unknown key" + (f"; the keys here are {', '.join(known)}" if known else "; see docs/strategy.md (`ccreport docs strategy`)")
    if kind == "missing":
        return "required key is missing"
    if kind in ("string_type",):
        return f"expected text, found {_kind(value)}"
    if kind in ("string_too_short", "too_short") and isinstance(value, str):
        return "must not be empty"
    if kind == "too_short":
        return "needs at least one entry"
    if kind in ("list_type", "tuple_type"):
        return f"expected a list (one '- item' per line), found {_kind(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys (key: value lines), found {_kind(value)}"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-03-31"
    if kind.startswith("bool"):
        return f"expected true or false, found {value!r}"
    if kind.startswith("int"):
        return f"{value!r} is not a whole number"
    if kind.startswith("float"):
        return f"{value!r} is not a number"
    if kind == "too_long":
        return "has too many entries"
    return str(error["msg"]).removeprefix("Value error, ")


def schema_error(doc: yamlio.YamlDoc, err: ValidationError) -> ConfigError:
    """A ValidationError as one line: file, line, key path and a message a learner can act on.

    The problem reported is the first one in the file (by line); the rest are counted.
    """
    problems = []
    for error in err.errors():
        loc = tuple(error["loc"])
        ctx = error.get("ctx") or {}
        if error["type"] == "strategy_ref":
            loc = loc + tuple(ctx.get("loc", ()))
        loc = tuple(p for p in loc if p != "[key]")
        problems.append((doc.line_of(loc) or 0, loc, error))
    # A required key that is "missing" next to an unknown key is usually that key misspelt:
    # report the misspelling (with its suggestion) and not the missing key as well.
    misspelt_in = {p[1][:-1] for p in problems if p[2]["type"] == "extra_forbidden"}
    problems = [p for p in problems if not (p[2]["type"] == "missing" and p[1][:-1] in misspelt_in)]
    problems.sort(key=lambda p: p[0] or 10**9)
    line, loc, first = problems[0]
    where = f"{doc.path} line {line}" if line else doc.path
    key = key_path(loc)
    more = len(problems) - 1
    tail = f" ({more} more problem{'s' if more > 1 else ''} in this file)" if more else ""
    message = _message(first, loc)
    end = "" if message.endswith(("?", ".")) and not tail else "."
    return ConfigError(f"{where}: {key + ': ' if key else ''}{message}{tail}{end}")


def validate(doc: yamlio.YamlDoc) -> Strategy:
    """Validate a parsed YAML document as a strategy; ConfigError names file, line and key."""
    if not isinstance(doc.data, dict):
        raise ConfigError(
            f"{doc.path}: a strategy must be a mapping of sections (organisation:, categories:, ...); "
            "run `ccreport init` for a complete example."
        )
    try:
        return Strategy.model_validate(doc.data)
    except ValidationError as err:
        raise schema_error(doc, err) from None


def load_document(path: str | Path) -> tuple[Strategy, yamlio.YamlDoc]:
    """Read `strategy.yaml`; the YamlDoc is kept for line numbers in findings."""
    doc = yamlio.load(path)
    return validate(doc), doc


def load_strategy(path: str | Path) -> Strategy:
    """Read and validate `strategy.yaml` (safe, strict YAML); raise ConfigError on any problem."""
    return load_document(path)[0]


def loads_strategy(text: str, path: str = "strategy.yaml") -> Strategy:
    """Validate strategy YAML given as text (tests, editors)."""
    return validate(yamlio.loads(text, path))


# --------------------------------------------------------------------------- computed tables


def clock_of(strategy: Strategy, name: str | None) -> "Calendar | None":
    """The named clock (case-insensitive); None for "24x7" or no name."""
    if name is None or name.casefold() == "24x7":
        return None
    return next((c for n, c in strategy.clocks.items() if n.casefold() == name.casefold()), None)


def priority_for(strategy: Strategy, impact: int, urgency: int) -> str | None:
    """The priority the matrix gives an impact and urgency (1-3), or None without a matrix."""
    if strategy.priority_matrix is None:
        return None
    return strategy.priority_matrix[impact - 1][urgency - 1]


class EscalationRow(NamedTuple):
    """One hierarchical escalation step: after `after` at `priority`, tell `notify`."""

    priority: str
    after: Duration
    notify: tuple[str, ...]
    method: str | None
    rationale: str | None
    resolve: Duration | None  # the priority's resolution target, for comparison


def escalation_matrix(strategy: Strategy) -> list[EscalationRow]:
    """Hierarchical escalation as rows: priority order, then elapsed time."""
    rows: list[EscalationRow] = []
    hierarchical = strategy.escalation.hierarchical if strategy.escalation else {}
    for priority in PRIORITIES:
        target = strategy.priorities.get(priority)
        steps = sorted(hierarchical.get(priority, ()), key=lambda s: s.after.hours)
        for step in steps:
            rows.append(EscalationRow(priority, step.after, step.notify, step.method, step.rationale,
                                      target.resolve if target else None))
    return rows


class CommsRow(NamedTuple):
    """One communication-plan entry with its cadence for every priority (None: not told)."""

    audience: str
    type: str
    channel: str | None
    owner: str | None
    cadence: dict[str, str | None]


def communication_matrix(strategy: Strategy) -> list[CommsRow]:
    """The communication plan as rows, internal audiences first, then external (YAML order within)."""
    plan = strategy.communication.plan if strategy.communication else ()
    ordered = [e for e in plan if e.type == "internal"] + [e for e in plan if e.type == "external"]
    return [
        CommsRow(e.audience, e.type, e.channel, e.owner, {p: e.cadence.get(p) for p in PRIORITIES})
        for e in ordered
    ]


class RaciRow(NamedTuple):
    activity: str
    stage: str | None
    cells: tuple[str, ...]  # one per RaciTable.roles; "" where the role has no part


class RaciTable(NamedTuple):
    roles: tuple[str, ...]
    rows: tuple[RaciRow, ...]


def raci_table(strategy: Strategy) -> RaciTable:
    """The RACI as a grid: roles in the order of `roles:` (then any others), one row per activity."""
    used: dict[str, str] = {}  # casefolded -> display name
    for entry in strategy.raci:
        for role in entry.assignments:
            used.setdefault(role.casefold(), role)
    order = [r.name for r in strategy.roles if r.name.casefold() in used]
    order += [name for key, name in used.items() if key not in {r.casefold() for r in order}]
    rows = []
    for entry in strategy.raci:
        by_role = {role.casefold(): letters for role, letters in entry.assignments.items()}
        rows.append(RaciRow(entry.activity, entry.stage, tuple(by_role.get(r.casefold(), "") for r in order)))
    return RaciTable(tuple(order), tuple(rows))


class AlignmentRow(NamedTuple):
    framework: str  # "ITIL 4", "ISO 22301:2019" or the framework named under `other`
    reference: str  # practice name or clause number
    title: str  # practice group or clause title ("" for other frameworks)
    how: str | None


def framework_alignment(strategy: Strategy) -> list[AlignmentRow]:
    """Framework references with their built-in titles: ITIL 4, then ISO 22301, then others."""
    fw = strategy.frameworks
    if fw is None:
        return []
    rows = [AlignmentRow("ITIL 4", r.practice, ITIL4_PRACTICES[r.practice], r.how) for r in fw.itil4]
    rows += [AlignmentRow("ISO 22301:2019", r.clause, r.title, r.how) for r in fw.iso22301]
    rows += [AlignmentRow(r.framework, r.reference or "", "", r.how) for r in fw.other]
    return rows


class Requirement(NamedTuple):
    key: str | None  # the flag, or None for an extra requirement
    title: str
    obligation: str
    deadline: str | None
    owner: str | None
    notes: str | None


def not_applicable(strategy: Strategy) -> list[tuple[str, str]]:
    """The duties the strategy records as not applying here, with its reason: (title, reason)."""
    reg = strategy.regulatory
    if reg is None:
        return []
    out = []
    for key, builtin in REGULATORY_OBLIGATIONS.items():
        flag = reg.flag(key)
        reason = (flag.not_applicable or flag.notes) if flag is not None and not flag.applies else None
        if reason:
            out.append((builtin.title, reason))
    out += [(x.title or x.source or "Additional requirement", x.not_applicable) for x in reg.extra if x.not_applicable]
    return out


def regulatory_requirements(strategy: Strategy) -> list[Requirement]:
    """The obligations that apply: each flag set to apply, expanded with its overrides, then extras."""
    reg = strategy.regulatory
    if reg is None:
        return []
    out = []
    for key, builtin in REGULATORY_OBLIGATIONS.items():
        flag = reg.flag(key)
        if flag is None or not flag.applies:
            continue
        # The built-in owner is only a suggestion: it is shown when the strategy has that role.
        roles = {r.name.casefold() for r in strategy.roles}
        owner = flag.owner or (builtin.owner if builtin.owner.casefold() in roles else None)
        out.append(Requirement(key, builtin.title, flag.obligation or builtin.obligation,
                               flag.deadline or builtin.deadline, owner, flag.notes))
    for extra in reg.extra:
        if extra.not_applicable:
            continue
        out.append(Requirement(None, extra.title or extra.source or "Additional requirement", extra.obligation or "",
                               extra.deadline, extra.owner, extra.source if extra.title else None))
    return out
