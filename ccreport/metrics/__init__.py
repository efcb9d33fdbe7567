"""The metrics layer: SPEC §4 figures over the canonical incident frame → a typed MetricSet.

`definitions` is the registry (one entry per figure), `model` the typed set, `engine` the
computation. Import from here: `from ccreport.metrics import compute, MetricSet`.
"""

from __future__ import annotations

from .definitions import BY_KEY, METRICS, Figures, Metric
from .engine import (  # noqa: F401  (the engine's names, until documents read the typed set)
    AGE_BUCKETS, GROUP_KEYS, NOT_RECORDED, TOTAL_KEYS, TREND_KEYS, MetricSet, compute, incident_sla,
)
from .model import FORMAT_VERSION

__all__ = ["BY_KEY", "FORMAT_VERSION", "METRICS", "Figures", "Metric", "MetricSet", "compute", "incident_sla"]
