"""The metrics registry: one definition per SPEC §4 figure, and the typed `Figures` they fill.

Each figure is one field of `Figures`, declared with `metric(...)`: its key (the field name),
label, unit, the population it runs over, the canonical fields it needs, its direction, its
target key, the definition text shown in the report's appendix, and the function that computes
it. Everything else reads this one list: the engine (which functions to run over which set),
the trend, the terminal table and the CSV (labels, units, columns), the appendix of
definitions, the "not in this export" rule (`fields`) and the validation of `targets`.

Adding a figure derived from existing fields is one `metric(...)` field here, plus the
document that shows it (docs/architecture.md, "Add a metric").

This module imports neither numpy nor pandas (`ccreport.config` validates `targets:` against
`target_keys()` at import): the figure functions get their numpy kernels from the prepared
frame they are given (prepared._Data, which wraps metrics/kernels.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Callable, Literal

#: How a value reads: a count, a percentage, hours, minutes (stored in hours), a 1-5 score.
Unit = Literal["count", "pct", "hours", "minutes", "score", "seconds"]
#: The set of incidents a figure runs over (SPEC §4): opened in P, resolved in P, cancelled
#: and opened in P, in the backlog at P's end; "services" for per-service figures; "contacts"
#: for the contact-centre figures (interval data, CONTACT_METRICS).
Population = Literal["opened", "resolved", "cancelled", "backlog", "services", "contacts"]
#: Where the figure appears: "totals" (totals and by_priority), "groups" (the breakdowns by
#: category, service, site, channel, assignment group), "trend" (the monthly trend).
Scope = Literal["totals", "groups", "trend", "service"]


@dataclass(frozen=True)
class Metric:
    """What one figure is. `func(d, codes, k, rows)` returns one value per group (a figure
    computed together with others returns a dict of key → values for all of them)."""

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
    #: Computes the figure; None for a figure computed together with an earlier one (the 90th
    #: percentile, with the median) or by its own list function (mtbf_hours, lists.py).
    func: Callable[..., list[Any]] | None = None


def metric(**kwargs: Any) -> Any:
    """A `Figures` field carrying its Metric definition (the key is the field's name)."""
    return dataclasses.field(default=None, metadata={"metric": kwargs})


# --------------------------------------------------------------------------------------------
# The figure functions, one per SPEC §4 definition. `d` is the prepared frame (prepared._Data,
# which also provides the numpy kernels, so this module imports no numpy); `codes`/`k` give the
# grouping (all zeros and k=1 for totals, priorities, a breakdown's values, trend months,
# weeks); `rows` is the set of the figure's population. Each returns one value per group.


def _none(k: int) -> list[None]:
    return [None] * k


def _opened(d: Any, codes: Any, k: int, opened: Any) -> list[int]:
    """opened: incidents with opened_at in P (not cancelled)."""
    return d.counts(codes, k, opened)


def _resolved(d: Any, codes: Any, k: int, resolved: Any) -> list[int | None]:
    """resolved: incidents with resolved_at in P (not cancelled); null without resolved_at."""
    return d.counts(codes, k, resolved) if d.has("resolved_at") else _none(k)


def _cancelled(d: Any, codes: Any, k: int, cancelled: Any) -> list[int | None]:
    """cancelled: cancelled incidents with opened_at in P; null without a status field."""
    return d.counts(codes, k, cancelled) if d.has("status") else _none(k)


def _backlog(d: Any, codes: Any, k: int, backlog: Any) -> list[int | None]:
    """backlog_end: opened_at < end and (resolved_at missing or ≥ end); null without
    resolved_at (every incident would look open)."""
    return d.counts(codes, k, backlog) if d.has("resolved_at") else _none(k)


def _major(d: Any, codes: Any, k: int, opened: Any) -> list[int | None]:
    """major: opened in P with major = true (null without a major flag in the input)."""
    if not d.has("major"):
        return _none(k)
    return d.counts(codes, k, d.where(opened, d.major))


def _mtta(d: Any, codes: Any, k: int, opened: Any) -> list[float | None]:
    """mtta_hours: mean acknowledged_at − opened_at over opened with acknowledged_at (a
    negative time to acknowledge is invalid and left out)."""
    if not d.has("acknowledged_at"):
        return _none(k)
    return d.means(codes, k, d.where(opened, d.tta_ok), d.tta)


def _mttr(d: Any, codes: Any, k: int, resolved: Any) -> list[float | None]:
    """mttr_hours: mean ttr over resolved (ttr ≥ 0)."""
    if not d.has("resolved_at"):
        return _none(k)
    return d.means(codes, k, d.where(resolved, d.ttr_ok), d.ttr)


def _ttr_quantiles(d: Any, codes: Any, k: int, resolved: Any) -> dict[str, list[float | None]]:
    """median_ttr_hours and p90_ttr_hours over resolved (ttr ≥ 0), linear interpolation (one
    sort gives both)."""
    if not d.has("resolved_at"):
        return {"median_ttr_hours": _none(k), "p90_ttr_hours": _none(k)}
    med, p90 = d.percentiles(codes, k, d.where(resolved, d.ttr_ok), d.ttr, (50, 90))
    return {"median_ttr_hours": med, "p90_ttr_hours": p90}


def _resolution_sla(d: Any, codes: Any, k: int, resolved: Any) -> list[float | None]:
    """resolution_sla_pct: 100 × resolved in P whose SLA clock ≤ the `resolve` target ÷ resolved
    in P whose priority has a `resolve` target (negative ttr left out of both)."""
    if not d.has("resolved_at"):
        return _none(k)
    return d.pcts(codes, k, d.where(resolved, d.res_has), d.res_met)


def _response_sla(d: Any, codes: Any, k: int, opened: Any) -> list[float | None]:
    """response_sla_pct: the same for acknowledged_at against `respond`, over opened in P with
    acknowledged_at whose priority has a `respond` target."""
    if not d.has("acknowledged_at"):
        return _none(k)
    return d.pcts(codes, k, d.where(opened, d.resp_has), d.resp_met)


def _resolution_sla_base(d: Any, codes: Any, k: int, resolved: Any) -> list[int | None]:
    """resolution_sla_base: the denominator of resolution_sla_pct (resolved in P with a
    resolution SLA result), so a document can give a small base's count ("0 of 1")."""
    if not d.has("resolved_at"):
        return _none(k)
    return d.counts(codes, k, d.where(resolved, d.res_has))


def _resolution_breaches(d: Any, codes: Any, k: int, resolved: Any) -> list[int | None]:
    """resolution_sla_breaches: resolved in P with a resolution SLA result that missed it (the
    base minus those within target), so a finding can say where the misses are."""
    if not d.has("resolved_at"):
        return _none(k)
    return d.counts(codes, k, d.where(d.where(resolved, d.res_has), ~d.res_met))


def _response_breaches(d: Any, codes: Any, k: int, opened: Any) -> list[int | None]:
    """response_sla_breaches: the same for the response target."""
    if not d.has("acknowledged_at"):
        return _none(k)
    return d.counts(codes, k, d.where(d.where(opened, d.resp_has), ~d.resp_met))


def _response_sla_base(d: Any, codes: Any, k: int, opened: Any) -> list[int | None]:
    """response_sla_base: the denominator of response_sla_pct."""
    if not d.has("acknowledged_at"):
        return _none(k)
    return d.counts(codes, k, d.where(opened, d.resp_has))


def _reopen_rate(d: Any, codes: Any, k: int, resolved: Any) -> list[float | None]:
    """reopen_rate_pct: 100 × resolved with reopen_count > 0 ÷ resolved (those whose
    reopen_count is recorded; a blank count is unknown, not 0)."""
    if not (d.has("reopen_count") and d.has("resolved_at")):
        return _none(k)
    return d.pcts(codes, k, d.where(resolved, d.reopen_known), d.reopened)


def _escalation_rate(d: Any, codes: Any, k: int, opened: Any) -> list[float | None]:
    """escalation_rate_pct: 100 × opened with escalated_at or escalation_level > 0 ÷ opened
    (whichever of the two fields the input has; null with neither)."""
    if not (d.has("escalated_at") or d.has("escalation_level")):
        return _none(k)
    return d.pcts(codes, k, opened, d.escalated)


def _customers(d: Any, codes: Any, k: int, opened: Any) -> list[int | None]:
    """customers_affected: sum over opened of the recorded figures (null when no opened
    incident has one)."""
    if not d.has("customers_affected"):
        return _none(k)
    return d.int_sums(codes, k, d.where(opened, d.customers_ok), d.customers)


def _contacts(d: Any, codes: Any, k: int, opened: Any) -> list[int | None]:
    """contacts_affected: the same as customers_affected, for contacts_affected."""
    if not d.has("contacts_affected"):
        return _none(k)
    return d.int_sums(codes, k, d.where(opened, d.contacts_ok), d.contacts)


def _csat(d: Any, codes: Any, k: int, resolved: Any) -> list[float | None]:
    """csat_mean: mean csat over resolved with csat."""
    if not (d.has("csat") and d.has("resolved_at")):
        return _none(k)
    return d.means(codes, k, d.where(resolved, d.csat_ok), d.csat)



@dataclass
class Figures:
    """The figures of one set of incidents: the period's totals, one priority, one group
    (category, service ...) or one trend month. A figure a scope does not carry is None.

    Field order is the JSON key order of SPEC §4.
    """

    opened: int | None = metric(
        label="Opened", unit="count", population="opened", func=_opened, scopes=("totals", "groups", "trend"),
        term="Opened", definition="Incidents logged in the month.")
    resolved: int | None = metric(
        label="Resolved", unit="count", population="resolved", fields=("resolved_at", "closed_at"), func=_resolved,
        scopes=("totals", "groups", "trend"),
        term="Resolved", definition="Incidents resolved in the month, whenever they were logged.")
    cancelled: int | None = metric(
        label="Cancelled", unit="count", population="cancelled", fields=("status",), func=_cancelled,
        term="Cancelled", definition="Cancelled incidents logged in the month; they are left out of every other figure.")
    backlog_end: int | None = metric(
        label="Backlog at period end", unit="count", population="backlog", fields=("resolved_at", "closed_at"),
        higher_is_better=False, scopes=("totals", "trend"), func=_backlog,
        term="Backlog", definition="Incidents logged before the end of the month and not resolved by then.")
    major: int | None = metric(label="Major incidents", unit="count", population="opened", fields=("major",), func=_major,
        term="Major incident", definition="An incident flagged as major in the export, logged in the month.")
    mtta_hours: float | None = metric(
        label="Mean time to acknowledge", unit="minutes", population="opened", fields=("acknowledged_at",),
        higher_is_better=False, target="mtta_hours", func=_mtta,
        term="MTTA", definition="Mean time from logging to acknowledgement, over incidents logged in the month that were "
                                "acknowledged. Shown in minutes.")
    mttr_hours: float | None = metric(
        label="Mean time to resolve", unit="hours", population="resolved", fields=("resolved_at", "closed_at"),
        higher_is_better=False, target="mttr_hours", scopes=("totals", "groups", "trend"), func=_mttr,
        term="MTTR, median, P90",
        definition="Time to resolve runs from logging to resolution, in calendar hours (a resolution before "
                   "logging is an error: it is left out of every duration and counted under data quality). "
                   "MTTR, median and P90 are its mean, median and 90th percentile over incidents resolved in "
                   "the month. P90: nine in ten were resolved faster.")
    median_ttr_hours: float | None = metric(
        label="Median time to resolve", unit="hours", population="resolved", fields=("resolved_at", "closed_at"),
        higher_is_better=False, func=_ttr_quantiles)
    p90_ttr_hours: float | None = metric(
        label="90th percentile time to resolve", unit="hours", population="resolved",
        fields=("resolved_at", "closed_at"), higher_is_better=False)
    resolution_sla_pct: float | None = metric(
        label="Resolution SLA met", unit="pct", population="resolved", fields=("resolved_at", "closed_at"),
        higher_is_better=True, target="resolution_sla_pct", scopes=("totals", "groups", "trend"), func=_resolution_sla,
        term="Resolution SLA attainment",
        definition="The share of incidents resolved in the month, among priorities with a resolution target, "
                   "whose SLA clock stayed within the target. The clock runs on the priority's calendar (24×7 "
                   "or business hours) and stops while an incident is on hold, when the export records that.")
    response_sla_pct: float | None = metric(
        label="Response SLA met", unit="pct", population="opened", fields=("acknowledged_at",),
        higher_is_better=True, target="response_sla_pct", func=_response_sla,
        term="Response SLA attainment",
        definition="The same for acknowledgement against the response target, over incidents logged in the "
                   "month that were acknowledged.")
    reopen_rate_pct: float | None = metric(
        label="Reopen rate", unit="pct", population="resolved", fields=("reopen_count",),
        higher_is_better=False, target="reopen_rate_pct", func=_reopen_rate,
        term="Reopen rate", definition="The share of resolved incidents that were reopened at least once.")
    escalation_rate_pct: float | None = metric(
        label="Escalation rate", unit="pct", population="opened", fields=("escalated_at", "escalation_level"),
        higher_is_better=False, target="escalation_rate_pct", func=_escalation_rate,
        term="Escalation rate", definition="The share of incidents logged in the month that were escalated.")
    customers_affected: int | None = metric(
        label="Customers affected", unit="count", population="opened", fields=("customers_affected",),
        higher_is_better=False, func=_customers,
        term="Customers affected", definition="The sum of customers affected over incidents logged in the month.")
    csat_mean: float | None = metric(
        label="Mean CSAT (1-5)", unit="score", population="resolved", fields=("csat",),
        higher_is_better=True, target="csat_mean", func=_csat,
        term="CSAT", definition="The mean post-incident satisfaction score (1–5) over resolved incidents with a score.")
    contacts_affected: int | None = metric(
        label="Contacts affected", unit="count", population="opened", fields=("contacts_affected",),
        higher_is_better=False, core=False, func=_contacts,
        term="Contacts affected",
        definition="The sum of contacts affected (calls, chats and emails the incident caused, as the export "
                   "records them) over incidents logged in the month.")
    resolution_sla_base: int | None = metric(
        label="Resolution SLA base", unit="count", population="resolved", fields=("resolved_at", "closed_at"),
        scopes=("totals", "groups"), core=False, func=_resolution_sla_base)
    resolution_sla_breaches: int | None = metric(
        label="Resolution SLA breaches", unit="count", population="resolved", fields=("resolved_at", "closed_at"),
        higher_is_better=False, scopes=("totals", "groups"), core=False, func=_resolution_breaches,
        term="SLA breach",
        definition="An incident whose SLA clock ran past its priority's target: for resolution, an incident "
                   "resolved in the month; for response, one logged in the month and acknowledged late.")
    response_sla_base: int | None = metric(
        label="Response SLA base", unit="count", population="opened", fields=("acknowledged_at",),
        core=False, func=_response_sla_base)
    response_sla_breaches: int | None = metric(
        label="Response SLA breaches", unit="count", population="opened", fields=("acknowledged_at",),
        higher_is_better=False, core=False, func=_response_breaches)
    mtbf_hours: float | None = metric(
        label="Mean time between failures", unit="hours", population="services",
        fields=("resolved_at", "closed_at"), higher_is_better=True, scopes=("service",), core=False,
        term="MTBF", definition="Per service: hours in the month minus the outage hours of its P1 and P2 incidents, "
                                "divided by the number of those incidents.")


def _build() -> tuple[Metric, ...]:
    return tuple(Metric(key=f.name, **f.metadata["metric"]) for f in dataclasses.fields(Figures))


#: Every figure, in JSON order.
METRICS: tuple[Metric, ...] = _build()
BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


def keys(scope: Scope, *, core_only: bool = False) -> tuple[str, ...]:
    """The keys of the figures a scope carries, in JSON order (registry order; in the trend a
    month's flows come first, then the backlog at its end)."""
    chosen = [m for m in METRICS if scope in m.scopes and (m.core or not core_only)]
    if scope == "trend":
        chosen.sort(key=lambda m: m.population == "backlog")  # stable: the rest keep their order
    return tuple(m.key for m in chosen)


def glossary() -> tuple[tuple[str, str], ...]:
    """(term, definition) of every figure that carries one, in registry order: the report's
    appendix of definitions."""
    return tuple((m.term, m.definition) for m in METRICS if m.term and m.definition)


#: The contact-centre figures (`--contacts`, computed by metrics/contacts.py from interval data,
#: not from incidents, so they are not `Figures` fields): what they are and the `targets:` key
#: each is judged against. Service level's threshold in seconds is `contacts.sl_threshold_seconds`.
CONTACT_METRICS: tuple[Metric, ...] = (
    Metric(key="service_level_pct", label="Service level", unit="pct", population="contacts",
           higher_is_better=True, target="service_level_pct", scopes=(),
           term="Service level",
           definition="The share of contacts offered (or answered, as configured) that were answered within "
                      "the service-level threshold, pooled over the period's intervals."),
    Metric(key="abandonment_pct", label="Abandonment", unit="pct", population="contacts",
           higher_is_better=False, target="abandonment_pct", scopes=(),
           term="Abandonment", definition="The share of contacts offered that were abandoned before an answer."),
    Metric(key="aht_seconds", label="Average handle time", unit="seconds", population="contacts",
           higher_is_better=False, target="aht_seconds", scopes=(),
           term="AHT", definition="Average handle time: handle seconds divided by contacts answered."),
)
CONTACT_BY_KEY: dict[str, Metric] = {m.key: m for m in CONTACT_METRICS}


def target_keys() -> tuple[str, ...]:
    """Every `targets:` key the config may set (validated against this list): the incident
    figures' in registry order, then the contact-centre figures'."""
    return tuple(m.target for m in (*METRICS, *CONTACT_METRICS) if m.target)


def contact_target_keys() -> tuple[str, ...]:
    """The `targets:` keys of the contact-centre figures (percentages and seconds)."""
    return tuple(m.target for m in CONTACT_METRICS if m.target)
