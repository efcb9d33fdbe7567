"""The strategy's evidence: what 12 months of incident data say, measured against the strategy's
own response and resolution targets (SPEC §5.3).

The figures are computed here, by `ccreport.metrics.compute` over a config whose SLA targets are
the strategy's (the clock, calendars and attainment targets stay the config's); the strategy
document (`documents/strategy.py`) only words them.

    strategy_evidence(strategy, ingest, config, end=None) -> Evidence
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..metrics.model import MetricSet
from ..schema import UNCATEGORISED
from . import add_months

if TYPE_CHECKING:
    from ..config import Config
    from ..ingest.result import IngestResult
    from .model import Strategy

#: Months in the evidence window.
MONTHS = 12


@dataclass
class Evidence:
    """The evidence figures: the metric set over the window, its label, and the metrics' own
    list of major incidents counted by category (most first)."""

    label: str  # "November 2025 to October 2026"
    metrics: MetricSet
    major_by_category: dict[str, int]


def strategy_config(strategy: "Strategy", config: "Config") -> "Config":
    """The config with its SLA replaced by the strategy's targets (the clock stays the config's)."""
    from ..config import SlaTarget

    sla = {}
    for p, t in strategy.priorities.items():
        if t.respond is None and t.resolve is None:
            continue
        own = config.sla.get(p)
        sla[p] = SlaTarget(respond=t.respond.hours if t.respond else None,
                           resolve=t.resolve.hours if t.resolve else None,
                           calendar=own.calendar if own is not None else "24x7")
    return config.model_copy(update={"sla": sla})


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
    ms = compute(ingest, strategy_config(strategy, config), period)
    majors = Counter(mi.category or UNCATEGORISED for mi in ms.major_incidents)
    return Evidence(
        label=f"{first_month:%B %Y} to {last:%B %Y}",
        metrics=ms,
        major_by_category=dict(sorted(majors.items(), key=lambda kv: (-kv[1], kv[0]))),
    )
