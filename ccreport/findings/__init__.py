"""The findings layer: what the period's figures say, ranked by impact (docs/findings.md).

Over a typed `MetricSet` (never the incidents): `find(metric_set, settings, ...)` returns the
`Finding`s, most impact first; `RULES` are the rules behind them, numbered without gaps. The
monthly report's executive summary and recommendations, and `metrics --format json --full`,
read them. Nothing here computes a figure: the metrics layer does; findings compare and word.
"""

from __future__ import annotations

from .detect import find, headlines
from .model import Finding, Subject
from .rules import BY_KIND, RULES, Rule

__all__ = ["BY_KIND", "RULES", "Finding", "Rule", "Subject", "find", "headlines"]
