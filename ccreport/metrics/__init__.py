"""The metrics layer: SPEC §4 figures over the canonical incident frame → a typed MetricSet.

Rooms: `definitions` (the registry: one entry per figure, with the function computing it),
`model` (the typed set and its JSON), `kernels` (numpy reductions), `sla` (per-incident SLA
timing), `prepared` (the frame as arrays, the period sets, the registry runner), `lists`
(weekly, ageing, major incidents, problem candidates, MTBF), `contacts` (contact-centre KPIs),
`engine` (`compute`). Import from here: `from ccreport.metrics import compute, MetricSet`.

Only the registry is imported eagerly: `ccreport.config` reads `target_keys()` from it and
must not pull in numpy or pandas; everything else loads on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from .definitions import BY_KEY, METRICS, Figures, Metric, keys, target_keys

#: Public name → the module of this package that owns it (loaded on first use).
_LAZY = {
    "compute": "engine",
    "MetricSet": "model",
    "FORMAT_VERSION": "model",
    "AGE_BUCKETS": "model",
    "incident_sla": "sla",
    "major_incident_ids": "lists",
    "NOT_RECORDED": "kernels",
    "window": "prepared",
}

__all__ = ["AGE_BUCKETS", "BY_KEY", "FORMAT_VERSION", "METRICS", "NOT_RECORDED", "Figures", "Metric",
           "MetricSet", "compute", "incident_sla", "keys", "major_incident_ids", "target_keys"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value
