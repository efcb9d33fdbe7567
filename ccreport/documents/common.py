"""Wording and number formats shared by every document.

One place decides how a number reads: "1,234", "4.2 h", "96.1 %", "12 min", "–" for a
statistic over an empty set, "not in this export" for a figure whose source field the input
does not have. Number and unit are joined by a no-break space so they never part at a line end.
Tests format the fixture's figures with these same functions and look for them in every
output format.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Mapping

from ..document import Rag

NBSP = "\u00a0"
DASH = "\u2013"  # en dash: the "no value" mark
MINUS = "\u2212"
NOT_IN_EXPORT = "not in this export"

#: Canonical fields a metric needs; when the export lacks all of them the metric is
#: "not in this export" rather than "–".
METRIC_FIELDS: dict[str, tuple[str, ...]] = {
    "mtta_hours": ("acknowledged_at",),
    "response_sla_pct": ("acknowledged_at",),
    "mttr_hours": ("resolved_at", "closed_at"),
    "median_ttr_hours": ("resolved_at", "closed_at"),
    "p90_ttr_hours": ("resolved_at", "closed_at"),
    "resolution_sla_pct": ("resolved_at", "closed_at"),
    "reopen_rate_pct": ("reopen_count",),
    "escalation_rate_pct": ("escalated_at", "escalation_level"),
    "customers_affected": ("customers_affected",),
    "contacts_affected": ("contacts_affected",),
    "csat_mean": ("csat",),
    "mtbf_hours": ("resolved_at", "closed_at"),
}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# --------------------------------------------------------------------------- numbers


def fmt_int(value: Any) -> str:
    """1234 -> "1,234"; None -> "–"."""
    if _missing(value):
        return DASH
    return f"{round(value):,}"


def fmt_num(value: Any, decimals: int = 1) -> str:
    if _missing(value):
        return DASH
    return f"{value:,.{decimals}f}"


def fmt_pct(value: Any, decimals: int = 1) -> str:
    """96.123 -> "96.1 %"."""
    if _missing(value):
        return DASH
    return f"{value:,.{decimals}f}{NBSP}%"


def fmt_hours(value: Any) -> str:
    """4.23 -> "4.2 h"; 1234.5 -> "1,235 h"."""
    if _missing(value):
        return DASH
    if abs(value) >= 100:
        return f"{value:,.0f}{NBSP}h"
    return f"{value:,.1f}{NBSP}h"


def fmt_minutes(hours: Any) -> str:
    """A duration given in hours, shown in minutes (MTTA): 0.2 -> "12 min"."""
    if _missing(hours):
        return DASH
    minutes = hours * 60
    if abs(minutes) < 10:
        return f"{minutes:,.1f}{NBSP}min"
    return f"{minutes:,.0f}{NBSP}min"


def fmt_duration(hours: Any) -> str:
    """A single incident's duration in the unit a reader thinks in: min, h or days."""
    if _missing(hours):
        return DASH
    if hours < 1:
        return fmt_minutes(hours)
    if hours < 48:
        return fmt_hours(hours)
    return f"{hours / 24:,.1f}{NBSP}days"


def fmt_seconds(seconds: Any) -> str:
    """Average handle time: 312 -> "5 min 12 s"."""
    if _missing(seconds):
        return DASH
    s = round(seconds)
    return f"{s // 60}{NBSP}min {s % 60:02d}{NBSP}s" if s >= 60 else f"{s}{NBSP}s"


def fmt_score(value: Any) -> str:
    """CSAT on a 1-5 scale: 4.234 -> "4.2 / 5"."""
    if _missing(value):
        return DASH
    return f"{value:.1f}{NBSP}/{NBSP}5"


def fmt_target(value: Any, kind: str) -> str:
    """A target as people say it: 95 -> "95 %", 12.0 -> "12 h", 0.25 (hours) -> "15 min"."""
    if _missing(value):
        return DASH
    if kind == "pct":
        return fmt_pct(value, 0 if float(value).is_integer() else 1)
    if kind in ("hours", "minutes") and value < 1:
        return fmt_minutes(value)
    if kind in ("hours", "minutes"):
        return f"{value:,.0f}{NBSP}h" if float(value).is_integer() else fmt_hours(value)
    return FORMATTERS[kind](value)


FORMATTERS = {
    "int": fmt_int,
    "pct": fmt_pct,
    "hours": fmt_hours,
    "minutes": fmt_minutes,
    "seconds": fmt_seconds,
    "score": fmt_score,
    "duration": fmt_duration,
}


def present(metric: str, fields: Iterable[str] | None) -> bool:
    """Whether the export has a source field for `metric` (True when we cannot tell)."""
    if fields is None:
        return True
    needs = METRIC_FIELDS.get(metric)
    if not needs:
        return True
    have = set(fields)
    return any(f in have for f in needs)


def fmt_metric(value: Any, kind: str, metric: str, fields: Iterable[str] | None) -> str:
    """Format a metric, saying "not in this export" when its source field is absent."""
    if _missing(value) and not present(metric, fields):
        return NOT_IN_EXPORT
    return FORMATTERS[kind](value)


# --------------------------------------------------------------------------- changes


def _signed(value: float, text: str) -> str:
    if value > 0:
        return "+" + text
    if value < 0:
        return MINUS + text
    return text


def fmt_change(current: Any, previous: Any, kind: str) -> str:
    """Month-on-month change as text: "+46 (+8.1 %)", "−2.3 pp", "+1.4 h", or "–"."""
    if _missing(current) or _missing(previous):
        return DASH
    diff = current - previous
    if kind == "int":
        text = f"{abs(round(diff)):,}"
        if previous:
            rel = 100 * diff / previous
            return f"{_signed(round(diff), text)} ({_signed(round(rel, 1), f'{abs(rel):.1f}{NBSP}%')})"
        return _signed(round(diff), text)
    if kind == "pct":
        return _signed(round(diff, 1), f"{abs(diff):.1f}{NBSP}pp")
    if kind == "hours":
        return _signed(round(diff, 1), f"{abs(diff):.1f}{NBSP}h")
    if kind == "minutes":
        return _signed(round(diff * 60), f"{abs(diff * 60):.0f}{NBSP}min")
    if kind == "score":
        return _signed(round(diff, 1), f"{abs(diff):.1f}")
    raise ValueError(kind)


def change_words(current: Any, previous: Any, noun: str = "") -> str:
    """"up 8.1 % from 566", "down from 120", "unchanged" — for sentences."""
    if _missing(current) or _missing(previous):
        return ""
    if current == previous:
        return "unchanged from the previous month"
    direction = "up" if current > previous else "down"
    if previous:
        rel = abs(100 * (current - previous) / previous)
        return f"{direction} {rel:.1f}{NBSP}% from {fmt_int(previous)}{noun}"
    return f"{direction} from {fmt_int(previous)}{noun}"


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


# --------------------------------------------------------------------------- dates and lists


def fmt_date(value: dt.date | dt.datetime | str | None) -> str:
    """"3 November 2026"."""
    if value is None:
        return DASH
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{value.day} {value:%B %Y}"


def fmt_datetime(value: str | dt.datetime | None) -> str:
    """ISO timestamp (already in the configured timezone) -> "3 Oct 2026 14:05"."""
    if value is None or value == "":
        return DASH
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{value.day} {value:%b %Y %H:%M}"


def month_label(month: str) -> str:
    """"2026-10" -> "October 2026"."""
    d = dt.date.fromisoformat(month + "-01")
    return f"{d:%B %Y}"


def short_month(month: str) -> str:
    """"2026-10" -> "Oct 26"."""
    d = dt.date.fromisoformat(month + "-01")
    return f"{d:%b %y}"


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """plural(1, "incident") -> "1 incident"; plural(3, "incident") -> "3 incidents"."""
    return f"{fmt_int(n)} {word if n == 1 else (plural_word or word + 's')}"


def join_words(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def get(mapping: Mapping | None, *keys: str, default: Any = None) -> Any:
    """Nested lookup that tolerates missing levels: get(m, "previous", "totals", "opened")."""
    cur: Any = mapping
    for k in keys:
        if not isinstance(cur, Mapping) or k not in cur:
            return default
        cur = cur[k]
    return default if cur is None else cur
