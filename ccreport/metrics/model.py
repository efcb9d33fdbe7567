"""The typed metric set: what `compute()` returns and every document reads.

Plain dataclasses, the numbers and nothing else (no formatting, no wording). `to_dict()` is
the metrics JSON object of SPEC §4 (docs/metrics.md), `to_json()` its text as `ccreport metrics
--format json` prints it; `from_dict()` / `from_json()` read it back, so a document can be
built from a saved metrics file exactly as from a fresh computation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import pandas as pd

from ..period import Period
from .coverage import Coverage
from .definitions import Figures, keys

FORMAT_VERSION = 1
AGE_BUCKETS = ("0-1d", "1-3d", "3-7d", "7-30d", ">30d")
#: The trend's JSON key order (SPEC §4).
TREND_ORDER = keys("trend")


def figures_to_dict(f: Figures, scope: str, *, full: bool) -> dict[str, Any]:
    """The JSON object of one Figures in a scope ("totals", "groups", "service", "trend")."""
    if scope == "trend":
        return {k: getattr(f, k) for k in TREND_ORDER}
    names = keys("totals" if scope == "totals" else "groups", core_only=not full)
    if scope == "service":
        names = (*keys("groups"), *keys("service"))
    return {k: getattr(f, k) for k in names}


def figures_from_dict(d: dict[str, Any]) -> Figures:
    known = {f.name for f in fields(Figures)}
    return Figures(**{k: v for k, v in d.items() if k in known})


def _period_from_dict(d: dict[str, Any]) -> Period:
    start = pd.Timestamp(d["start"]).tz_convert(d["timezone"])
    end = pd.Timestamp(d["end"]).tz_convert(d["timezone"])
    return Period(start=start, end=end, timezone=d["timezone"], label=d.get("label") or "", month=d.get("month"))


def _groups(groups: dict[str, Figures], scope: str, full: bool = True) -> dict[str, dict[str, Any]]:
    return {name: figures_to_dict(f, scope, full=full) for name, f in groups.items()}


def _groups_from(d: dict[str, Any] | None) -> dict[str, Figures]:
    return {name: figures_from_dict(v) for name, v in (d or {}).items()}


def _trend_from(d: dict[str, Any]) -> "TrendMonth":
    known = {f.name for f in fields(TrendMonth)}
    month = TrendMonth(**{k: v for k, v in d.items() if k in known})
    if "covered" not in d:  # core JSON: a month with every figure null was not covered
        month.covered = any(d.get(k) is not None for k in TREND_ORDER)
    return month


def _quality_dict(q: "Quality") -> dict[str, Any]:
    out = asdict(q)
    out["issues"] = [{k: v for k, v in asdict(i).items() if k != "file" or v is not None} for i in q.issues]
    return out


def _quality_from(d: dict[str, Any]) -> "Quality":
    known = {f.name for f in fields(Quality)} - {"issues"}
    issues = [QualityIssue(row=i.get("row"), field=i.get("field", ""), problem=i.get("problem", ""),
                           file=i.get("file")) for i in d.get("issues") or []]
    return Quality(**{k: v for k, v in d.items() if k in known}, issues=issues)


@dataclass
class TrendMonth(Figures):
    """One month of the 12-month trend (TREND_ORDER figures). A month the export does not
    cover has every figure None and `covered` False."""

    month: str = ""
    covered: bool = True


@dataclass
class Week:
    week_start: str  # the Monday's date, YYYY-MM-DD
    opened: int | None
    resolved: int | None


@dataclass
class Ageing:
    """The backlog at P's end by age bucket, per priority and in total (None: no resolved_at)."""

    buckets: list[str]
    by_priority: dict[str, dict[str, int | None]]
    total: dict[str, int | None]


@dataclass
class MajorIncident:
    incident_id: str
    title: str | None
    priority: str
    category: str
    service: str | None
    site: str | None
    status: str | None
    opened_at: str | None  # ISO 8601 in the configured timezone
    resolved_at: str | None
    duration_hours: float | None
    customers_affected: int | None
    contacts_affected: int | None
    resolution_sla_met: bool | None
    problem_id: str | None
    #: The date its post-incident review is due: the resolution date plus the configured
    #: working days (None while open).
    review_due: str | None = None


@dataclass
class ProblemCandidate:
    """Recurring incidents that share a service and a signature (metrics/problems.py)."""

    service: str | None  # None: the export has no service field
    signature_kind: str  # "configuration_item" | "title" | "subcategory"
    signature: str  # the shared CI/subcategory as recorded, or the most common original title
    category: str  # the most common category of its incidents
    count: int  # incidents in the cluster
    incident_ids: list[str]  # by opened_at
    first_opened: str | None  # ISO 8601 in the configured timezone
    last_opened: str | None
    span_hours: float | None  # last_opened - first_opened
    reason: str  # "cluster" (min_count within window_days) | "repeat" (after resolution)
    expected: float  # incidents the signature's own rate predicts over that span
    customers_affected: int | None  # sum over members (None without the field)
    top_priority: str  # highest priority among members (P1 highest)
    impact: float  # the ranking score: count, then priority, then customers


_CANDIDATE_KEYS = frozenset(ProblemCandidate.__dataclass_fields__)


@dataclass
class KnownProblem:
    """Incidents opened in P already linked to one problem record."""

    problem_id: str
    count: int
    incident_ids: list[str]  # by opened_at
    service: str | None  # the most common service of its incidents
    category: str  # the most common category
    title: str | None  # a representative (the most common) title


@dataclass
class Breach:
    """One missed SLA target (breaches.py): an incident resolved in P over its resolution
    target, or opened in P and acknowledged over its response target. Hours on the
    priority's SLA calendar; `sla_hours` is the clock (calendar time minus pauses) that
    resolution_sla_pct / response_sla_pct judged; `paused_hours` is None when the export
    does not say when incidents were paused."""

    incident_id: str
    title: str | None
    priority: str
    category: str
    service: str | None
    assignment_group: str | None
    kind: str  # "resolution" or "response"
    target_hours: float
    sla_hours: float
    over_hours: float  # sla_hours - target_hours (> 0)
    paused_hours: float | None


@dataclass
class SlaAgreement:
    """How often the export's own SLA flag (tool_sla_met, ServiceNow `made_sla`) agrees with
    the resolution SLA result, over the incidents resolved in P that have both."""

    compared: int
    agree: int

    @property
    def agree_pct(self) -> float | None:
        """100 × agree ÷ compared (None when nothing could be compared)."""
        return 100.0 * self.agree / self.compared if self.compared else None


@dataclass
class ContactFigures:
    offered: int | None = None
    answered: int | None = None
    abandoned: int | None = None
    service_level_pct: float | None = None
    abandonment_pct: float | None = None
    aht_seconds: float | None = None


@dataclass
class IncidentContacts:
    incident_id: str
    start: str
    end: str
    during: ContactFigures
    baseline: ContactFigures


@dataclass
class Contacts:
    sl_method: str
    period: ContactFigures
    by_channel: dict[str, ContactFigures]
    incidents: list[IncidentContacts]
    #: The service-level threshold (config contacts.sl_threshold_seconds): "80 % in 20 s".
    sl_threshold_seconds: int | None = None
    #: The site the figures are restricted to (a `--split-by site` report over contact data
    #: with a site column); None: the whole centre's figures.
    site: str | None = None
    #: The period per site and per queue, when the contact data has such a column.
    by_site: dict[str, ContactFigures] = field(default_factory=dict)
    by_queue: dict[str, ContactFigures] = field(default_factory=dict)


@dataclass
class SlaTarget:
    respond_hours: float | None
    resolve_hours: float | None
    calendar: str


@dataclass
class QualityIssue:
    row: int | None
    field: str
    problem: str
    file: str | None = None


@dataclass
class Quality:
    """The SPEC §4 `data_quality` object (whole input), as ingest reported it."""

    rows_read: int = 0
    incidents: int = 0
    rows_rejected: int = 0
    duplicates: int = 0
    negative_durations: int = 0
    resolved_from_closed: int = 0
    unknown_priority: int = 0
    dst_adjusted: int = 0
    unparsed_timestamps: int = 0
    resolved_from_history: int = 0
    resolved_from_status_category: int = 0
    issues: list[QualityIssue] = field(default_factory=list)


@dataclass
class Previous:
    """The figures of the period before P (equal length: the previous month). Not `covered`:
    every figure None, no groups (never compare against it)."""

    period: Period
    totals: Figures
    by_priority: dict[str, Figures]
    by_category: dict[str, Figures]
    covered: bool = True
    by_service: dict[str, Figures] = field(default_factory=dict)
    by_site: dict[str, Figures] = field(default_factory=dict)
    by_channel: dict[str, Figures] = field(default_factory=dict)
    by_assignment_group: dict[str, Figures] = field(default_factory=dict)

    def breakdown(self, dimension: str) -> dict[str, Figures]:
        return getattr(self, f"by_{dimension}")


@dataclass
class Baseline:
    """The yardstick for "far off its own baseline": the part of the 12 months before P that
    the export covers, pooled (counts are totals over the span, not monthly means).

    `days` is the span's length and `period_days` the part of P the export covers, so a
    count's expected value for P is count × period_days / days. None on MetricSet when the
    export has no data before P. The major-incident medians are over the majors opened in the
    span that record the figure (None when none do).
    """

    start: str  # ISO 8601, configured timezone
    end: str
    days: float
    months: int  # calendar months the span touches
    period_days: float
    totals: Figures
    by_priority: dict[str, Figures] = field(default_factory=dict)
    by_category: dict[str, Figures] = field(default_factory=dict)
    by_service: dict[str, Figures] = field(default_factory=dict)
    by_site: dict[str, Figures] = field(default_factory=dict)
    by_channel: dict[str, Figures] = field(default_factory=dict)
    by_assignment_group: dict[str, Figures] = field(default_factory=dict)
    #: Month-end backlog over the span's covered trend months (mean; None without any).
    backlog_mean: float | None = None
    majors: int = 0
    major_customers_median: float | None = None
    major_contacts_median: float | None = None
    major_duration_median: float | None = None

    def breakdown(self, dimension: str) -> dict[str, Figures]:
        return getattr(self, f"by_{dimension}")

    def scale(self) -> float:
        """The factor from a count over the span to its expected value over P."""
        return self.period_days / self.days if self.days > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: getattr(self, k) for k in ("start", "end", "days", "months", "period_days")}
        out["totals"] = figures_to_dict(self.totals, "totals", full=True)
        out["by_priority"] = {k: figures_to_dict(v, "totals", full=True) for k, v in self.by_priority.items()}
        for dim in ("category", "service", "site", "channel", "assignment_group"):
            out[f"by_{dim}"] = _groups(self.breakdown(dim), "groups")
        for k in ("backlog_mean", "majors", "major_customers_median", "major_contacts_median",
                  "major_duration_median"):
            out[k] = getattr(self, k)
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Baseline":
        groups = {f"by_{dim}": _groups_from(d.get(f"by_{dim}"))
                  for dim in ("priority", "category", "service", "site", "channel", "assignment_group")}
        return cls(**{k: v for k, v in d.items() if not k.startswith("by_") and k != "totals"},
                   totals=figures_from_dict(d.get("totals") or {}), **groups)


@dataclass
class MetricSet:
    """The numbers for one period, nothing else."""

    period: Period
    totals: Figures
    by_priority: dict[str, Figures]
    by_category: dict[str, Figures]
    trend: list[TrendMonth]
    data_quality: Quality
    fields: list[str] = field(default_factory=list)
    targets: dict[str, float | None] = field(default_factory=dict)
    sla: dict[str, SlaTarget] = field(default_factory=dict)
    previous: Previous | None = None
    by_service: dict[str, Figures] = field(default_factory=dict)
    by_site: dict[str, Figures] = field(default_factory=dict)
    by_channel: dict[str, Figures] = field(default_factory=dict)
    by_assignment_group: dict[str, Figures] = field(default_factory=dict)
    #: Breakdowns by the custom fields of the mapping file (`extra:`): {field: {value: Figures}}.
    by_extra: dict[str, dict[str, Figures]] = field(default_factory=dict)
    weekly: list[Week] = field(default_factory=list)
    ageing: Ageing | None = None
    major_incidents: list[MajorIncident] = field(default_factory=list)
    problem_candidates: list[ProblemCandidate] = field(default_factory=list)
    known_problems: list[KnownProblem] = field(default_factory=list)
    #: The problem-candidate rule's settings (config `problems`), echoed for the wording.
    problem_rules: dict[str, float] = field(default_factory=dict)
    #: Missed SLA targets, most time over target first (breaches.py).
    breaches: list[Breach] = field(default_factory=list)
    #: None: the export has no SLA flag of its own.
    sla_agreement: SlaAgreement | None = None
    contacts: Contacts | None = None
    #: The export's first and last record (None: unknown, e.g. read from core JSON).
    coverage: Coverage | None = None
    #: The covered part of the 12 months before P (None: no data before P).
    baseline: Baseline | None = None

    @property
    def covered(self) -> bool:
        """Whether P overlaps the export's coverage (unknown coverage counts as covered)."""
        return self.coverage is None or self.coverage.covers_period(self.period)

    def breakdown(self, dimension: str) -> dict[str, Figures]:
        """The breakdown by one of schema.DIMENSIONS or a custom field (`by_extra`)."""
        if dimension in self.by_extra:
            return self.by_extra[dimension]
        return getattr(self, f"by_{dimension}")

    def has(self, name: str) -> bool:
        """Whether the export had canonical field `name`."""
        return name in self.fields

    # The JSON object and its text -----------------------------------------------------------

    def to_dict(self, full: bool = False) -> dict[str, Any]:
        """The metrics JSON object: SPEC §4 plus format_version; `full` adds the extensions."""
        out: dict[str, Any] = {
            "format_version": FORMAT_VERSION,
            "period": self.period.to_dict(full=full),
            "totals": figures_to_dict(self.totals, "totals", full=full),
            "by_priority": {k: figures_to_dict(v, "totals", full=full) for k, v in self.by_priority.items()},
            "by_category": _groups(self.by_category, "groups", full),
            "trend": [{"month": t.month, **figures_to_dict(t, "trend", full=full),
                       **({"covered": t.covered} if full else {})} for t in self.trend],
            "data_quality": _quality_dict(self.data_quality),
        }
        if not full:
            return out
        prev = None
        if self.previous is not None:
            prev = {
                "period": self.previous.period.to_dict(full=True),
                "totals": figures_to_dict(self.previous.totals, "totals", full=True),
                "by_priority": {k: figures_to_dict(v, "totals", full=True)
                                for k, v in self.previous.by_priority.items()},
                "by_category": _groups(self.previous.by_category, "groups"),
                **{f"by_{dim}": _groups(self.previous.breakdown(dim), "groups")
                   for dim in ("service", "site", "channel", "assignment_group")},
                "covered": self.previous.covered,
            }
        out.update(
            {
                "fields": list(self.fields),
                "targets": dict(self.targets),
                "sla": {k: asdict(v) for k, v in self.sla.items()},
                "previous": prev,
                "by_service": _groups(self.by_service, "service"),
                "by_site": _groups(self.by_site, "groups"),
                "by_channel": _groups(self.by_channel, "groups"),
                "by_assignment_group": _groups(self.by_assignment_group, "groups"),
                "by_extra": {name: _groups(groups, "groups") for name, groups in self.by_extra.items()},
                "weekly": [asdict(w) for w in self.weekly],
                "ageing": {} if self.ageing is None else asdict(self.ageing),
                "major_incidents": [asdict(m) for m in self.major_incidents],
                "problem_candidates": [asdict(p) for p in self.problem_candidates],
                "known_problems": [asdict(k) for k in self.known_problems],
                "problem_rules": dict(self.problem_rules),
                "breaches": [dict(vars(b)) for b in self.breaches],  # flat records: no deep copy
                "sla_agreement": None if self.sla_agreement is None else asdict(self.sla_agreement),
                "contacts": None if self.contacts is None else asdict(self.contacts),
                "coverage": None if self.coverage is None else {**self.coverage.to_dict(),
                                                                "covered": self.covered},
                "baseline": None if self.baseline is None else self.baseline.to_dict(),
            }
        )
        return out

    def to_json(self, full: bool = False) -> str:
        """Exactly what `ccreport metrics --format json [--full]` prints (without the newline)."""
        return json.dumps(self.to_dict(full=full), indent=2, default=str, allow_nan=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "MetricSet":
        """Read a metrics JSON object (full or core) back into a MetricSet."""
        prev = data.get("previous")
        ageing = data.get("ageing")
        contacts = data.get("contacts")
        cov = data.get("coverage")
        return cls(
            coverage=None if not cov else Coverage(**{k: v for k, v in cov.items() if k != "covered"}),
            period=_period_from_dict(data["period"]),
            totals=figures_from_dict(data.get("totals") or {}),
            by_priority=_groups_from(data.get("by_priority")),
            by_category=_groups_from(data.get("by_category")),
            trend=[_trend_from(t) for t in data.get("trend") or []],
            data_quality=_quality_from(data.get("data_quality") or {}),
            fields=list(data.get("fields") or []),
            targets=dict(data.get("targets") or {}),
            sla={k: SlaTarget(**v) for k, v in (data.get("sla") or {}).items()},
            previous=None if not prev else Previous(
                period=_period_from_dict(prev["period"]),
                totals=figures_from_dict(prev.get("totals") or {}),
                by_priority=_groups_from(prev.get("by_priority")),
                by_category=_groups_from(prev.get("by_category")),
                covered=bool(prev.get("covered", True)),
                **{f"by_{dim}": _groups_from(prev.get(f"by_{dim}"))
                   for dim in ("service", "site", "channel", "assignment_group")},
            ),
            baseline=Baseline.from_dict(data["baseline"]) if data.get("baseline") else None,
            by_service=_groups_from(data.get("by_service")),
            by_site=_groups_from(data.get("by_site")),
            by_channel=_groups_from(data.get("by_channel")),
            by_assignment_group=_groups_from(data.get("by_assignment_group")),
            by_extra={name: _groups_from(groups) for name, groups in (data.get("by_extra") or {}).items()},
            weekly=[Week(**w) for w in data.get("weekly") or []],
            ageing=Ageing(**ageing) if ageing else None,
            major_incidents=[MajorIncident(**m) for m in data.get("major_incidents") or []],
            # A list in the shape before issue 14 (category/service/reason only) has no
            # signature to show: it is left out rather than read wrongly.
            problem_candidates=[ProblemCandidate(**{k: v for k, v in p.items() if k in _CANDIDATE_KEYS})
                                for p in data.get("problem_candidates") or [] if "signature_kind" in p],
            known_problems=[KnownProblem(**k) for k in data.get("known_problems") or []],
            problem_rules=dict(data.get("problem_rules") or {}),
            breaches=[Breach(**b) for b in data.get("breaches") or []],
            sla_agreement=SlaAgreement(**data["sla_agreement"]) if data.get("sla_agreement") else None,
            contacts=None if not contacts else Contacts(
                sl_method=contacts.get("sl_method", ""),
                period=ContactFigures(**(contacts.get("period") or {})),
                by_channel={k: ContactFigures(**v) for k, v in (contacts.get("by_channel") or {}).items()},
                incidents=[
                    IncidentContacts(i["incident_id"], i["start"], i["end"],
                                     ContactFigures(**(i.get("during") or {})),
                                     ContactFigures(**(i.get("baseline") or {})))
                    for i in contacts.get("incidents") or []
                ],
                sl_threshold_seconds=contacts.get("sl_threshold_seconds"),
                site=contacts.get("site"),
                by_site={k: ContactFigures(**v) for k, v in (contacts.get("by_site") or {}).items()},
                by_queue={k: ContactFigures(**v) for k, v in (contacts.get("by_queue") or {}).items()},
            ),
        )

    @classmethod
    def from_json(cls, text: str) -> "MetricSet":
        return cls.from_dict(json.loads(text))
