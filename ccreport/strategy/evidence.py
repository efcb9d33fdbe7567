"""The strategy's evidence: what 12 months of incident data say, measured on the strategy's own
clock: its response and resolution targets per priority, and the clocks (service hours) they run
on (SPEC §5.3).

The figures are computed here, by `ccreport.metrics.compute` over a config whose SLA targets and
calendars are the strategy's; the strategy document (`documents/strategy.py`) only words them.
Which clock each priority ran on, and where it came from, is recorded (`ClockUse`) so that the
document can say so: the strategy's own clock, the config's calendar (only when a config file
was loaded and the strategy names no clock), or 24×7 for want of either.

    strategy_evidence(strategy, ingest, config, end=None) -> Evidence
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ..metrics.model import Figures, MetricSet
from ..schema import UNCATEGORISED
from . import add_months
from .model import OBJECTIVE_METRICS, clock_of

if TYPE_CHECKING:
    from ..config import Calendar, Config
    from ..ingest.result import IngestResult
    from .model import Objective, Strategy

#: Months in the evidence window.
MONTHS = 12
#: Prefix of the calendars the strategy adds to the config (kept apart from the config's own names).
_PREFIX = "strategy: "
TWENTY_FOUR_SEVEN = "24x7"


@dataclass(frozen=True)
class ClockUse:
    """The clock one priority's (or category's) targets were measured on."""

    name: str  # the strategy's clock name, the config calendar's name, or "24x7"
    #: "strategy": the strategy names it; "config": the loaded ccreport.yaml's calendar for the
    #: priority; "default": neither names one, so 24x7.
    source: Literal["strategy", "config", "default"]
    calendar: "Calendar | None" = None  # None: 24x7


@dataclass(frozen=True)
class ObjectiveResult:
    """One objective measured: the figure, its bound and the value over the window."""

    id: str
    text: str
    metric: str
    priority: str | None
    bound: float
    at_least: bool
    value: float | None  # None: not measurable from this export
    #: True when the KPI was read from the objective's wording rather than its `kpi:` key.
    inferred: bool = False

    @property
    def met(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.bound if self.at_least else self.value <= self.bound


@dataclass
class Evidence:
    """The evidence figures: the metric set over the window (measured on the strategy's clocks),
    its label, the metrics' own list of major incidents counted by category (most first), the clock
    used per priority, categories measured on a clock of their own, and the objectives measured."""

    label: str  # "November 2025 to October 2026"
    metrics: MetricSet
    major_by_category: dict[str, int]
    clocks: dict[str, ClockUse] = field(default_factory=dict)
    #: Categories with their own clock: the category's figures measured on that clock.
    category_clocks: dict[str, ClockUse] = field(default_factory=dict)
    by_category_own_clock: dict[str, Figures] = field(default_factory=dict)
    objectives: list[ObjectiveResult] = field(default_factory=list)
    #: True when a config file was loaded (its calendars may be used; its name may be said).
    config_loaded: bool = False


def _config_loaded(config: "Config") -> bool:
    return config.base_dir is not None


def priority_clocks(strategy: "Strategy", config: "Config") -> dict[str, ClockUse]:
    """The clock each priority with a target runs on: the strategy's, else a loaded config's, else 24x7."""
    out: dict[str, ClockUse] = {}
    loaded = _config_loaded(config)
    for p, t in strategy.priorities.items():
        if t.respond is None and t.resolve is None:
            continue
        if t.clock is not None:
            out[p] = ClockUse(TWENTY_FOUR_SEVEN if t.clock.casefold() == "24x7" else t.clock, "strategy",
                              clock_of(strategy, t.clock))
            continue
        own = config.sla.get(p)
        if loaded and own is not None and own.calendar != TWENTY_FOUR_SEVEN:
            out[p] = ClockUse(own.calendar, "config", config.calendars.get(own.calendar))
        else:
            out[p] = ClockUse(TWENTY_FOUR_SEVEN, "default")
    return out


def _calendar_key(use: ClockUse) -> str:
    if use.calendar is None:
        return TWENTY_FOUR_SEVEN
    return use.name if use.source == "config" else _PREFIX + use.name


def strategy_config(strategy: "Strategy", config: "Config",
                    clocks: dict[str, ClockUse] | None = None) -> "Config":
    """The config with its SLA replaced by the strategy's targets, each on the clock `clocks` gives it
    (by default `priority_clocks`)."""
    from ..config import SlaTarget

    clocks = priority_clocks(strategy, config) if clocks is None else clocks
    calendars = dict(config.calendars)
    sla = {}
    for p, use in clocks.items():
        t = strategy.priorities[p]
        key = _calendar_key(use)
        if use.calendar is not None:
            calendars[key] = use.calendar
        sla[p] = SlaTarget(respond=t.respond.hours if t.respond else None,
                           resolve=t.resolve.hours if t.resolve else None, calendar=key)
    return config.model_copy(update={"sla": sla, "calendars": calendars})


# --------------------------------------------------------------------------- objectives

_PCT = re.compile(r"(\d+(?:\.\d+)?)\s?%")
_PRIORITY = re.compile(r"\b(P[1-5])\b")
_RESPONSE = re.compile(r"\b(respond|response|acknowledg)", re.I)
_RESOLUTION = re.compile(r"\b(restor|resolv|resolution|fix)", re.I)
_AT_MOST = re.compile(r"\b(no more than|at most|below|under|fewer than|less than)\b", re.I)
_REOPEN = re.compile(r"\breopen", re.I)
_CSAT = re.compile(r"\b(csat|satisfaction)\b[^.]*?\b(\d(?:\.\d+)?)\b(?!\s?%)", re.I)


_WITHIN = re.compile(r"\bwithin\s+(\d+(?:\.\d+)?)\s*(minutes?|mins?|hours?|hrs?|h|days?|working days?)\b", re.I)
_INCIDENT = re.compile(r"\b(incidents?|P[1-5]|restor\w*|outages?)\b", re.I)


def _stated_hours(text: str) -> float | None:
    m = _WITHIN.search(text)
    if not m:
        return None
    n, unit = float(m.group(1)), m.group(2).lower()
    return n / 60 if unit.startswith("min") else n * 24 if unit.startswith(("day", "working")) else n


def infer_kpi(objective: "Objective", strategy: "Strategy | None" = None) -> tuple[str, str | None, float, bool] | None:
    """(metric, priority, bound, at_least) read from an objective's wording, or None.

    Only plain, measurable forms are read: "resolve/restore P1 ... in at least 95 % of cases",
    "respond to P2 ... 90 %", "reopen rate below 5 %", "CSAT of at least 4.2"; anything else
    needs a `kpi:` key. An SLA objective must be about incidents (a priority, "incident",
    "restore", "outage"), and when it states a time limit that differs from the strategy's own
    target for the priority, it is not read (the figure would measure something else).
    """
    text = f"{objective.text} {objective.measure or ''}"
    prio = _PRIORITY.search(text)
    priority = prio.group(1) if prio else None
    pct = _PCT.search(objective.text) or _PCT.search(text)
    if pct is not None:
        value = float(pct.group(1))
        if _REOPEN.search(text):
            return "reopen_rate_pct", priority, value, False
        if re.search(r"\b(cut|reduce|fewer|down)\b", objective.text, re.I):
            return None  # a change over time, not a level this window can show
        at_least = not _AT_MOST.search(text[: text.find(pct.group(0))] if pct.group(0) in text else text)
        if not _INCIDENT.search(text):
            return None  # "resolve 90 % of complaints": not the incident SLA
        if _RESPONSE.search(objective.text) and not _RESOLUTION.search(objective.text):
            metric, key = "response_sla_pct", "respond"
        elif _RESOLUTION.search(objective.text):
            metric, key = "resolution_sla_pct", "resolve"
        else:
            return None
        # The SLA figure measures the strategy's own target: an objective with another time limit
        # ("within 2 hours" against a 4-hour target) is not what the figure shows.
        stated = _stated_hours(objective.text)
        target = strategy.priorities.get(priority) if strategy is not None and priority else None
        own = getattr(target, key, None) if target is not None else None
        if stated is not None and own is not None and abs(stated - own.hours) > 1e-9:
            return None
        return metric, priority, value, at_least
    m = _CSAT.search(text)
    if m and 1 <= float(m.group(2)) <= 5:
        return "csat_mean", priority, float(m.group(2)), not _AT_MOST.search(text)
    return None


def _measure_objectives(strategy: "Strategy", ms: MetricSet) -> list[ObjectiveResult]:
    out = []
    for i, o in enumerate(strategy.objectives, start=1):
        if o.kpi is not None:
            metric, priority = o.kpi.metric, o.kpi.priority
            at_least = o.kpi.at_least is not None
            bound = o.kpi.at_least if at_least else o.kpi.at_most
            inferred = False
        else:
            found = infer_kpi(o, strategy)
            if found is None:
                continue
            metric, priority, bound, at_least = found
            inferred = True
        figures = ms.by_priority.get(priority) if priority else ms.totals
        value = getattr(figures, metric, None) if figures is not None else None
        out.append(ObjectiveResult(o.id or str(i), o.text, metric, priority, float(bound), at_least,  # type: ignore[arg-type]
                                   value, inferred))
    return out


assert all(k in Figures.__dataclass_fields__ for k in OBJECTIVE_METRICS)


# --------------------------------------------------------------------------- the evidence


def strategy_evidence(strategy: "Strategy", ingest: "IngestResult", config: "Config",
                      end: dt.date | str | None = None) -> Evidence:
    """The evidence over the 12 full months ending with the month of `end`.

    `end` defaults to the newest incident's opening time (in the configured timezone).
    """
    import pandas as pd

    from ..metrics import compute
    from ..period import range_period

    if end is None:
        newest = ingest.incidents["opened_at"].max()
        if pd.isna(newest):
            from ..errors import IngestError

            raise IngestError("the incident data has no opening times, so there are no 12 months to report on")
        last = pd.Timestamp(newest).tz_convert(config.timezone).date()
    elif isinstance(end, str):
        last = dt.date.fromisoformat(end + "-01" if len(end) == 7 else end)
    else:
        last = end
    first_month = add_months(dt.date(last.year, last.month, 1), -(MONTHS - 1))
    stop = add_months(dt.date(last.year, last.month, 1), 1)
    period = range_period(first_month, stop, config.timezone)
    clocks = priority_clocks(strategy, config)
    ms = compute(ingest, strategy_config(strategy, config, clocks), period)
    majors = Counter(mi.category or UNCATEGORISED for mi in ms.major_incidents)

    # Categories on a clock of their own: their figures again, every priority on that clock.
    category_clocks: dict[str, ClockUse] = {}
    own: dict[str, Figures] = {}
    by_clock: dict[str, list[str]] = {}
    for cat in strategy.categories:
        if cat.clock is None:
            continue
        name = TWENTY_FOUR_SEVEN if cat.clock.casefold() == "24x7" else cat.clock
        category_clocks[cat.name] = ClockUse(name, "strategy", clock_of(strategy, cat.clock))
        by_clock.setdefault(name, []).append(cat.name)
    for name, cats in by_clock.items():
        use = category_clocks[cats[0]]
        if all(c == use for c in clocks.values()):
            cms = ms  # every priority already runs on this clock
        else:
            cms = compute(ingest, strategy_config(strategy, config, {p: use for p in clocks}), period)
        folded = {k.casefold(): v for k, v in cms.by_category.items()}
        for cat in cats:
            if cat.casefold() in folded:
                own[cat] = folded[cat.casefold()]
    return Evidence(
        label=f"{first_month:%B %Y} to {last:%B %Y}",
        metrics=ms,
        major_by_category=dict(sorted(majors.items(), key=lambda kv: (-kv[1], kv[0]))),
        clocks=clocks,
        category_clocks=category_clocks,
        by_category_own_clock=own,
        objectives=_measure_objectives(strategy, ms),
        config_loaded=_config_loaded(config),
    )
