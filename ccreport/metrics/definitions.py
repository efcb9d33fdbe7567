"""The metrics registry: one definition per SPEC §4 figure, and the typed `Figures` they fill.

Each figure is one field of `Figures`, declared with `metric(...)`: its key (the field name),
label, unit, the population it runs over, the canonical fields it needs, its direction, its
target key, the definition text shown in the report's appendix, and the function that computes
it. Everything else reads this one list: the engine (which functions to run over which set),
the trend, the terminal table and the CSV (labels, units, columns), the appendix of
definitions, the "not in this export" rule (`fields`) and the validation of `targets`.

Adding a figure derived from existing fields is one `metric(...)` field here, plus the
document that shows it (docs/architecture.md, "Add a metric").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Literal

#: How a value reads: a count, a percentage, hours, minutes (stored in hours), a 1-5 score.
Unit = Literal["count", "pct", "hours", "minutes", "score", "seconds"]
#: The set of incidents a figure runs over (SPEC §4): opened in P, resolved in P, cancelled
#: and opened in P, in the backlog at P's end; "services" for per-service figures.
Population = Literal["opened", "resolved", "cancelled", "backlog", "services"]
#: Where the figure appears: "totals" (totals and by_priority), "groups" (the breakdowns by
#: category, service, site, channel, assignment group), "trend" (the monthly trend).
Scope = Literal["totals", "groups", "trend", "service"]


@dataclass(frozen=True)
class Metric:
    """What one figure is. `func(d, codes, k, rows)` returns one value per group."""

    key: str
    label: str
    unit: Unit
    population: Population
    #: Canonical fields the figure needs; when the export has none of them the figure is
    #: "not in this export" rather than "–". Empty: always available.
    fields: tuple[str, ...] = ()
    #: True: higher is better; False: lower is better; None: neither (a volume).
    higher_is_better: bool | None = None
    #: The `targets:` key in the config that this figure is judged against (None: no target).
    target: str | None = None
    #: The definition shown in the report's appendix (plain English, for the reader).
    definition: str = ""
    #: Term under which the appendix lists the definition (several figures may share one;
    #: only the first figure of a term carries the text).
    term: str = ""
    #: Which objects carry the figure (see Scope).
    scopes: tuple[Scope, ...] = ("totals",)
    #: In the SPEC §4 JSON object (False: an extension, printed only with --full).
    core: bool = True
    #: Computes the figure; None for figures computed together with another (the quantiles).
    func: Callable[..., list[Any]] | None = None


def metric(**kwargs: Any) -> Any:
    """A `Figures` field carrying its Metric definition (the key is the field's name)."""
    return dataclasses.field(default=None, metadata={"metric": kwargs})


@dataclass
class Figures:
    """The figures of one set of incidents: the period's totals, one priority, one group
    (category, service ...) or one trend month. A figure a scope does not carry is None.

    Field order is the JSON key order of SPEC §4.
    """

    opened: int | None = metric(
        label="Opened", unit="count", population="opened", scopes=("totals", "groups", "trend"),
        term="Opened", definition="Incidents logged in the month (cancelled ones are counted separately).")
    resolved: int | None = metric(
        label="Resolved", unit="count", population="resolved", fields=("resolved_at", "closed_at"),
        scopes=("totals", "groups", "trend"),
        term="Resolved", definition="Incidents resolved in the month, whenever they were logged.")
    cancelled: int | None = metric(
        label="Cancelled", unit="count", population="cancelled", fields=("status",))
    backlog_end: int | None = metric(
        label="Backlog at period end", unit="count", population="backlog", fields=("resolved_at", "closed_at"),
        higher_is_better=False, scopes=("totals", "trend"),
        term="Backlog", definition="Incidents logged before the end of the month and not resolved by then.")
    major: int | None = metric(label="Major incidents", unit="count", population="opened", fields=("major",))
    mtta_hours: float | None = metric(
        label="Mean time to acknowledge", unit="minutes", population="opened", fields=("acknowledged_at",),
        higher_is_better=False, target="mtta_hours")
    mttr_hours: float | None = metric(
        label="Mean time to resolve", unit="hours", population="resolved", fields=("resolved_at", "closed_at"),
        higher_is_better=False, target="mttr_hours", scopes=("totals", "groups", "trend"))
    median_ttr_hours: float | None = metric(
        label="Median time to resolve", unit="hours", population="resolved", fields=("resolved_at", "closed_at"),
        higher_is_better=False)
    p90_ttr_hours: float | None = metric(
        label="90th percentile time to resolve", unit="hours", population="resolved",
        fields=("resolved_at", "closed_at"), higher_is_better=False)
    resolution_sla_pct: float | None = metric(
        label="Resolution SLA met", unit="pct", population="resolved", fields=("resolved_at", "closed_at"),
        higher_is_better=True, target="resolution_sla_pct", scopes=("totals", "groups", "trend"))
    response_sla_pct: float | None = metric(
        label="Response SLA met", unit="pct", population="opened", fields=("acknowledged_at",),
        higher_is_better=True, target="response_sla_pct")
    reopen_rate_pct: float | None = metric(
        label="Reopen rate", unit="pct", population="resolved", fields=("reopen_count",),
        higher_is_better=False, target="reopen_rate_pct")
    escalation_rate_pct: float | None = metric(
        label="Escalation rate", unit="pct", population="opened", fields=("escalated_at", "escalation_level"),
        higher_is_better=False, target="escalation_rate_pct")
    customers_affected: int | None = metric(
        label="Customers affected", unit="count", population="opened", fields=("customers_affected",),
        higher_is_better=False)
    csat_mean: float | None = metric(
        label="Mean CSAT (1-5)", unit="score", population="resolved", fields=("csat",),
        higher_is_better=True, target="csat_mean")
    contacts_affected: int | None = metric(
        label="Contacts affected", unit="count", population="opened", fields=("contacts_affected",),
        higher_is_better=False, core=False)
    mtbf_hours: float | None = metric(
        label="Mean time between failures", unit="hours", population="services",
        fields=("resolved_at", "closed_at"), higher_is_better=True, scopes=("service",), core=False)


def _build() -> tuple[Metric, ...]:
    return tuple(Metric(key=f.name, **f.metadata["metric"]) for f in dataclasses.fields(Figures))


#: Every figure, in JSON order.
METRICS: tuple[Metric, ...] = _build()
BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


def keys(scope: Scope, *, core_only: bool = False) -> tuple[str, ...]:
    """The keys of the figures a scope carries, in JSON order."""
    return tuple(m.key for m in METRICS if scope in m.scopes and (m.core or not core_only))


def target_keys() -> tuple[str, ...]:
    """Every `targets:` key the config may set (validated against this list)."""
    return tuple(m.target for m in METRICS if m.target)
