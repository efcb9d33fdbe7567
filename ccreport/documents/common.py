"""Wording shared by every document: the RAG rule, plurals, lists of words, nested look-ups.

Numbers are not formatted here: `ccreport.units` owns every number a reader sees. Its names are
re-exported below so that `from . import common as c; c.fmt_pct(...)` keeps working in the
document builders until they import from `ccreport.units` directly.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..document import Rag
from ..units import (  # noqa: F401  (re-exported for documents/*.py)
    DASH, FORMATTERS, MINUS, NBSP, NOT_IN_EXPORT, change_words, fmt_change, fmt_date, fmt_datetime,
    fmt_duration, fmt_hours, fmt_int, fmt_metric, fmt_minutes, fmt_pct, fmt_score, fmt_seconds,
    fmt_target, join_words, month_label, plural, present, short_month,
)
from ..units import is_missing as _missing

# --------------------------------------------------------------------------- RAG

#: The RAG rule, written once so the appendix and the code cannot disagree.
RAG_RULE = (
    "Green: the figure meets its target. Amber: it misses the target by no more than 10 % of "
    "the target (for example, 85.5 % or better against a 95 % SLA target, or up to 13.2 h "
    "against a 12 h MTTR target). Red: it misses by more than that. Figures without a target "
    "have no status."
)


def rag_status(value: Any, target: Any, higher_is_better: bool = True) -> Rag | None:
    """Green meets the target, Amber within 10 % of it, Red worse; None without a target."""
    if _missing(value) or _missing(target):
        return None
    if higher_is_better:
        if value >= target:
            return Rag.GREEN
        return Rag.AMBER if value >= target * 0.9 else Rag.RED
    if value <= target:
        return Rag.GREEN
    return Rag.AMBER if value <= target * 1.1 else Rag.RED


# --------------------------------------------------------------------------- words


def get(mapping: Mapping | None, *keys: str, default: Any = None) -> Any:
    """Nested lookup that tolerates missing levels: get(m, "previous", "totals", "opened")."""
    cur: Any = mapping
    for k in keys:
        if not isinstance(cur, Mapping) or k not in cur:
            return default
        cur = cur[k]
    return default if cur is None else cur
