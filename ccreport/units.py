"""Every number a reader sees, as text: counts, percentages, durations, scores, changes, targets
and dates — for the documents, the chart labels and the terminal alike.

One function per unit decides how a value reads ("1,234", "96.1 %", "4.2 h", "12 min",
"4.0 / 5", "5 min 12 s"), "–" for a statistic over an empty set and "not in this export" for a
figure whose source fields the input lacks (the registry's `fields`). Number and unit are joined
by a no-break space so they never part at a line end (the console swaps it for a space).

Precision rules (issue 12):

* The same value reads the same everywhere: documents, charts and console call these functions.
* A value judged against a target is never shown equal to the target while it is above or below
  it: decimals are added (up to `MAX_DECIMALS`) until the shown value differs from the shown
  target — 94.96 against 95 reads "94.96 %", not "95.0 %". Past the limit the value is
  truncated towards itself (94.9999 reads "94.999 %"), so the shown value keeps its side.
  Values within floating-point noise of the target (`math.isclose`) are the target.
* A column of one table uses one precision: `fmt_column` formats a list with the widest number
  of decimals any of its values needs.

Light to import (no pandas or numpy): the registry is imported where it is read, because
importing `ccreport.metrics` loads the engine.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Callable, Iterable, Mapping, Sequence

NBSP = "\u00a0"
DASH = "\u2013"  # en dash: the "no value" mark
MINUS = "\u2212"
NOT_IN_EXPORT = "not in this export"

#: The most decimals the target rule adds: beyond this a difference is not worth a reader's time,
#: and the value is truncated towards its own side of the target instead.
MAX_DECIMALS = 3

#: Other names callers use for a unit: documents say "int", charts say "%".
UNIT_ALIASES = {"int": "count", "%": "pct"}


def is_missing(value: Any) -> bool:
    """None or NaN: a statistic over an empty set, shown as "–"."""
    return value is None or (isinstance(value, float) and math.isnan(value))


_missing = is_missing


def _unit(kind: str) -> str:
    return UNIT_ALIASES.get(kind, kind)


# --------------------------------------------------------------------------- precision


def _display(value: float, unit: str) -> float:
    """The number as the reader sees it: MTTA is stored in hours and read in minutes."""
    return value * 60 if unit == "minutes" else value


def _base_decimals(shown: float, unit: str) -> int:
    """Decimals a value gets without a target: one, fewer where the number is big enough."""
    if unit in ("count", "seconds"):
        return 0
    if unit == "hours":
        return 0 if abs(shown) >= 100 else 1
    if unit == "minutes":
        return 0 if abs(shown) >= 10 else 1
    return 1  # pct, score


def _exact_decimals(shown: float) -> int:
    """Fewest decimals (up to MAX_DECIMALS) that write `shown` exactly: how a target reads."""
    for d in range(MAX_DECIMALS + 1):
        if math.isclose(round(shown, d), shown, rel_tol=1e-12, abs_tol=1e-12):
            return d
    return MAX_DECIMALS


def _target_shown(target: float | None, unit: str) -> float | None:
    """The target as a reader sees it, in the value's display unit."""
    if _missing(target):
        return None
    t = _display(float(target), unit)
    return round(t, _exact_decimals(t))


def _same(a: float, b: float) -> bool:
    # Floating-point noise (95.00000000000001 from 100 * 19 / 20) is not a difference.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _reads_right(shown: float, d: int, t: float) -> bool:
    """Whether `shown` at `d` decimals differs from target `t` and stays on its side of it."""
    r = round(shown, d)
    return r != t and (r < t) == (shown < t)


def _needed(shown: float, unit: str, target: float | None) -> int:
    """Decimals `shown` needs: the unit's base, more while it would read as the target."""
    base = _base_decimals(shown, unit)
    t = _target_shown(target, unit)
    if unit in ("count", "seconds") or t is None or _same(shown, t):
        return base
    for d in range(base, MAX_DECIMALS + 1):
        if _reads_right(shown, d, t):
            return d
    return max(base, MAX_DECIMALS)


def _number(shown: float, decimals: int, t: float | None) -> str:
    """`shown` with `decimals`, thousands separated; never rounded onto (or across) a target."""
    if t is not None and not _same(shown, t) and not _reads_right(shown, decimals, t):
        # Rounding would land on the target or cross it: truncate towards the value's own side
        # instead (floor below the target, ceiling above), which cannot reach the target.
        scale = 10 ** decimals
        shown = (math.floor(shown * scale) if shown < t else math.ceil(shown * scale)) / scale
    return f"{shown:,.{decimals}f}"


def decimals(value: Any, unit: str, target: Any = None) -> int:
    """How many decimals `value` is shown with in `unit` (next to `target`, if given)."""
    u = _unit(unit)
    if _missing(value):
        return 0
    return _needed(_display(float(value), u), u, target)


def column_decimals(values: Iterable[Any], unit: str, target: Any = None) -> int:
    """The one precision for a column: the widest any of its values needs."""
    return max((decimals(v, unit, target) for v in values if not _missing(v)), default=0)


# --------------------------------------------------------------------------- one value


def fmt_int(value: Any) -> str:
    """1234 -> "1,234"; None -> "–"."""
    if _missing(value):
        return DASH
    return f"{round(value):,}"


def _fmt(value: Any, unit: str, decimals_: int | None, target: Any, suffix: str) -> str:
    if _missing(value):
        return DASH
    shown = _display(float(value), unit)
    d = _needed(shown, unit, target) if decimals_ is None else decimals_
    return _number(shown, d, _target_shown(target, unit)) + suffix


def fmt_pct(value: Any, decimals: int | None = None, *, target: Any = None) -> str:
    """96.123 -> "96.1 %"; 94.96 next to a 95 target -> "94.96 %"."""
    return _fmt(value, "pct", decimals, target, f"{NBSP}%")


def fmt_hours(value: Any, decimals: int | None = None, *, target: Any = None) -> str:
    """4.23 -> "4.2 h"; 1234.5 -> "1,235 h"; 36.04 next to a 36 h target -> "36.04 h"."""
    return _fmt(value, "hours", decimals, target, f"{NBSP}h")


def fmt_minutes(hours: Any, decimals: int | None = None, *, target: Any = None) -> str:
    """A duration given in hours, shown in minutes (MTTA): 0.2 -> "12 min"; 0.0917 -> "5.5 min".
    `target` is in hours too."""
    return _fmt(hours, "minutes", decimals, target, f"{NBSP}min")


def fmt_score(value: Any, decimals: int | None = None, *, target: Any = None) -> str:
    """CSAT on a 1-5 scale: 4.234 -> "4.2 / 5"."""
    return _fmt(value, "score", decimals, target, f"{NBSP}/{NBSP}5")


def fmt_seconds(seconds: Any) -> str:
    """Average handle time: 312 -> "5 min 12 s"."""
    if _missing(seconds):
        return DASH
    s = round(seconds)
    return f"{s // 60}{NBSP}min {s % 60:02d}{NBSP}s" if s >= 60 else f"{s}{NBSP}s"


def fmt_duration(hours: Any) -> str:
    """A single incident's duration in the unit a reader thinks in: min, h or days."""
    if _missing(hours):
        return DASH
    if hours < 1:
        return fmt_minutes(hours)
    if hours < 48:
        return fmt_hours(hours)
    return f"{hours / 24:,.1f}{NBSP}days"


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "int": fmt_int,
    "count": fmt_int,
    "pct": fmt_pct,
    "hours": fmt_hours,
    "minutes": fmt_minutes,
    "seconds": fmt_seconds,
    "score": fmt_score,
    "duration": fmt_duration,
}
_WITH_PRECISION = {"pct": fmt_pct, "hours": fmt_hours, "minutes": fmt_minutes, "score": fmt_score}


def fmt_unit(value: Any, unit: str, *, decimals: int | None = None, target: Any = None) -> str:
    """A value in a registry unit (count, pct, hours, minutes, score, seconds; also "int",
    "duration" and a chart's "%"). Any other unit (a chart's "incidents") reads as a count."""
    u = _unit(unit)
    if u in _WITH_PRECISION:
        return _WITH_PRECISION[u](value, decimals, target=target)
    return FORMATTERS.get(u, fmt_int)(value)


def fmt_target(value: Any, kind: str) -> str:
    """A target as people say it, with the decimals it has: 95 -> "95 %", 99.5 -> "99.5 %",
    12.0 -> "12 h", 0.25 (hours) -> "15 min"."""
    if _missing(value):
        return DASH
    u = _unit(kind)
    if u in ("hours", "minutes") and value < 1:
        u = "minutes"
    elif u == "minutes":
        u = "hours"  # an MTTA target of an hour or more is said in hours
    if u not in _WITH_PRECISION:
        return FORMATTERS[u](value)
    return fmt_unit(value, u, decimals=_exact_decimals(_display(float(value), u)))


# --------------------------------------------------------------------------- columns


def fmt_column(values: Sequence[Any], unit: str, *, target: Any = None) -> list[str]:
    """A table column: every value with one number of decimals, the widest any value needs
    (so that none reads as `target` while it is not). Nulls are "–"."""
    u = _unit(unit)
    if u not in _WITH_PRECISION:
        return [fmt_unit(v, u) for v in values]
    d = column_decimals(values, u, target)
    return [_WITH_PRECISION[u](v, d, target=target) for v in values]


# --------------------------------------------------------------------------- registry figures


def present(metric: str, fields: Iterable[str] | None) -> bool:
    """Whether the export has a source field for figure `metric` (True when we cannot tell)."""
    if fields is None:
        return True
    from .metrics.definitions import BY_KEY  # here, not at the top: ccreport.metrics loads pandas

    m = BY_KEY.get(metric)
    if m is None or not m.fields:
        return True
    have = set(fields)
    return any(f in have for f in m.fields)


def fmt_metric(value: Any, kind: str, metric: str, fields: Iterable[str] | None, *, target: Any = None) -> str:
    """Format a figure in `kind`, saying "not in this export" when its source field is absent."""
    if _missing(value) and not present(metric, fields):
        return NOT_IN_EXPORT
    return fmt_unit(value, kind, target=target)


def figure_target(key: str, targets: Mapping[str, Any] | None) -> Any:
    """The target figure `key` is judged against, from a `targets` mapping (None: none)."""
    from .metrics.definitions import BY_KEY

    m = BY_KEY[key]
    return None if not targets or not m.target else targets.get(m.target)


def fmt_figure(key: str, value: Any, *, fields: Iterable[str] | None = None,
               targets: Mapping[str, Any] | None = None, decimals: int | None = None) -> str:
    """A figure by its registry key, in the definition's unit: fmt_figure("mtta_hours", 0.0917)
    -> "5.5 min". With `targets` (the config's `targets:`) the value is kept apart from its
    target; with `fields` (the export's canonical fields) a missing source reads
    "not in this export"."""
    from .metrics.definitions import BY_KEY

    if _missing(value) and not present(key, fields):
        return NOT_IN_EXPORT
    return fmt_unit(value, BY_KEY[key].unit, decimals=decimals, target=figure_target(key, targets))


def fmt_figure_column(key: str, values: Sequence[Any], *, fields: Iterable[str] | None = None,
                      targets: Mapping[str, Any] | None = None) -> list[str]:
    """A table column of one figure (e.g. MTTR per priority) with one precision."""
    from .metrics.definitions import BY_KEY

    if not present(key, fields):
        return [NOT_IN_EXPORT if _missing(v) else fmt_figure(key, v) for v in values]
    return fmt_column(values, BY_KEY[key].unit, target=figure_target(key, targets))


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
    kind = "int" if kind == "count" else kind
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


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """plural(1, "incident") -> "1 incident"; plural(3, "incident") -> "3 incidents"."""
    return f"{fmt_int(n)} {word if n == 1 else (plural_word or word + 's')}"


def join_words(items: Sequence[str]) -> str:
    """["a", "b", "c"] -> "a, b and c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def fmt_ratio(value: float) -> str:
    """How many times as much: "2.4 times", "12 times" (whole numbers from 9.5 up)."""
    if value >= 9.5:
        return f"{round(value):,} times"
    return f"{value:.1f} times"


# --------------------------------------------------------------------------- dates


def fmt_date(value: dt.date | dt.datetime | str | None, short: bool = False) -> str:
    """"3 November 2026"; `short`: "3 Nov 2026" (for narrow table columns)."""
    if value is None:
        return DASH
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return f"{value.day} {value:{'%b %Y' if short else '%B %Y'}}"


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
