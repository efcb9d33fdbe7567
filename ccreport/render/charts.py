"""Chart drawing: a document's chart specs (`ccreport.document.Chart`) drawn with matplotlib
into SVG text and PNG bytes.

A document builder decides what a chart shows and writes its title (the finding, FT/Economist
style); this module only draws. Everything happens inside an `rc_context` (matplotlib's
global state is restored afterwards) with the Agg backend, one palette made from the
organisation's primary colour plus muted greys, and deterministic SVG output (`svg.hashsalt`
per figure, no date in the metadata) so golden files are stable. matplotlib is imported only
when a chart is drawn.

Colour is never the only carrier of meaning: series are labelled directly at their ends,
targets are drawn as labelled dashed lines, and stacked parts differ in lightness, which
colour-blind readers and greyscale printers both see.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import os
import pickle
import re
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable

from ..document import Chart, xml_safe

if TYPE_CHECKING:
    from ..document import Document

#: Width of the A4 text column (210 mm - 2 × 22 mm margins) in inches.
TEXT_WIDTH_IN = 6.5
PNG_DPI = 150  # Word places charts at their drawn size (17 cm): 150 ppi prints cleanly; 200 cost twice the SVG

GREY = "#8a8f98"
LIGHT_GREY = "#d5d8dc"
INK = "#2b2f33"
MUTED_INK = "#5f6670"


@dataclass(frozen=True)
class ChartImage:
    """One drawn chart: SVG text for HTML and PDF, PNG bytes for Word and Markdown."""

    svg: str | None = None
    png: bytes | None = None


def _linear(c: float) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def lightness(colour: str) -> float:
    """CIE L* (0 black .. 100 white) of a "#rrggbb" colour: what a greyscale printer keeps,
    and what readers with any kind of colour blindness still see."""
    r, g, b = (_linear(int(colour[i : i + 2], 16)) for i in (1, 3, 5))
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return 116 * y ** (1 / 3) - 16 if y > 216 / 24389 else y * 24389 / 27


def _blend(colour: str, other: str, t: float) -> str:
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#%02x%02x%02x" % tuple(round(x + (y - x) * t) for x, y in zip(a, b))


def at_lightness(colour: str, target: float) -> str:
    """`colour` mixed with white (lighter) or black (darker) until its L* is `target`."""
    other = "#ffffff" if target > lightness(colour) else "#000000"
    lo, hi = 0.0, 1.0
    for _ in range(30):
        mid = (lo + hi) / 2
        if (lightness(_blend(colour, other, mid)) < target) == (other == "#ffffff"):
            lo = mid
        else:
            hi = mid
    return _blend(colour, other, (lo + hi) / 2)


#: The lightness range of a ramp (CIE L*): dark enough for white labels at one end, still
#: visible on white paper at the other.
RAMP_DARK, RAMP_LIGHT = 34.0, 88.0
#: Least L* difference between two colours a chart tells apart (series, ramp steps of up to
#: five priorities): 12 L* is several times what a reader can just tell apart.
MIN_CONTRAST = 12.0


def ramp(primary: str, n: int) -> list[str]:
    """n shades of the brand colour, darkest (most severe) first, evenly spaced in L* from
    the brand colour (or RAMP_DARK, if the brand is lighter) to RAMP_LIGHT: every pair differs
    in lightness, so priorities stay apart in greyscale and for colour-blind readers."""
    if n <= 1:
        return [primary][:n]
    dark = min(lightness(primary), RAMP_DARK)
    step = (RAMP_LIGHT - dark) / (n - 1)
    return [primary if k == 0 and lightness(primary) <= RAMP_DARK + 0.5 else at_lightness(primary, dark + k * step)
            for k in range(n)]


def second_colour(primary: str, grey: str = "#8a8f98") -> str:
    """The grey that sits beside the brand colour (resolved next to opened, met next to
    missed): the standard grey, or one moved in lightness when the brand is a mid tone."""
    lp = lightness(primary)
    if abs(lightness(grey) - lp) >= MIN_CONTRAST + 5:
        return grey
    return at_lightness(grey, lp + 30 if lp + 30 <= 82 else lp - 30)


#: Status colours for chart marks (bars): the hues of the tables' RAG marks and tiles
#: (print.css --green, --amber, --red), spread in lightness so that they stay apart in
#: greyscale and for colour-blind readers: Red L* 30, Green L* 50, Amber L* 70.
STATUS_FILL = {"Red": "#881d17", "Green": "#328746", "Amber": "#e0a030"}


@dataclass
class Palette:
    primary: str
    grey: str = GREY
    light: str = LIGHT_GREY
    ramp: list[str] = field(default_factory=list)

    @classmethod
    def from_primary(cls, primary: str, steps: int = 5) -> "Palette":
        # A lightness ramp of the brand colour: dark = most severe / oldest.
        return cls(primary=primary, grey=second_colour(primary), ramp=ramp(primary, steps))


def _rc(salt: str) -> dict:
    return {
        "svg.hashsalt": salt,
        "svg.fonttype": "none",  # text stays text: selectable in the PDF, small, font from CSS
        "text.parse_math": False,  # '$' in a category name is a dollar, not mathtext
        "text.usetex": False,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans"],
        "font.size": 7.5,
        "axes.titlesize": 9,
        "axes.labelsize": 7.5,
        "axes.edgecolor": LIGHT_GREY,
        "axes.labelcolor": MUTED_INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.spines.left": False,
        "axes.grid": True,
        "axes.grid.axis": "y",
        "axes.axisbelow": True,
        "grid.color": "#e6e8eb",
        "grid.linewidth": 0.6,
        "xtick.color": MUTED_INK,
        "ytick.color": MUTED_INK,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "ytick.left": False,
        "xtick.major.size": 0,
        "legend.frameon": False,
        "lines.linewidth": 1.8,
        "figure.dpi": 100,
        "savefig.dpi": PNG_DPI,
        "path.simplify": True,
    }


def _ok(v: float | None) -> bool:
    return v is not None and v == v  # excludes None and NaN


def _fmt(v: float, unit: str, target: float | None = None) -> str:
    # Value labels read as the same numbers in the text (units maps "%", and counts such as
    # "incidents"), kept apart from the chart's target line as the text keeps them.
    # Imported here: the drawing module loads only when a chart is drawn.
    from ..units import fmt_unit

    return fmt_unit(v, unit, target=target)


# --------------------------------------------------------------------------- drawing


#: The gid of a reference line (a target, an SLA marker): no label may sit across one.
REFERENCE = "reference"
#: Clear space between a label and a reference line it was moved off, in points.
LINE_GAP_PT = 2.5


def _reference_lines(ax) -> list[tuple[str, float, float, float]]:
    """(kind, at, start, end) in display pixels for each reference line of `ax`: "h" for a
    horizontal line at y = at from x = start to end, "v" for a vertical one."""
    renderer = ax.figure.canvas.get_renderer()
    out = []
    for line in ax.lines:
        if line.get_gid() != REFERENCE:
            continue
        bb = line.get_window_extent(renderer)
        if bb.width <= 2 and bb.height > 2:
            out.append(("v", (bb.x0 + bb.x1) / 2, bb.y0, bb.y1))
        elif bb.height <= 2 and bb.width > 2:
            out.append(("h", (bb.y0 + bb.y1) / 2, bb.x0, bb.x1))
    return out


def _shift(text, dx: float, dy: float) -> None:
    """Move a Text or an Annotation's text by (dx, dy) display pixels."""
    from matplotlib.text import Annotation

    fig = text.figure
    if isinstance(text, Annotation) and text.anncoords == "offset points":
        ox, oy = text.xyann
        text.xyann = (ox + dx * 72 / fig.dpi, oy + dy * 72 / fig.dpi)
        return
    transform = text.get_transform()
    px, py = transform.transform(text.get_position())
    text.set_position(transform.inverted().transform((px + dx, py + dy)))


def keep_labels_off_lines(ax) -> int:
    """Move every label of `ax` that a reference line runs through off that line: above a
    horizontal line (value labels of bars and points), to the right of a vertical one (the
    lifecycle's stage labels) or, when there is no room there, to its left. Returns how many
    labels were moved. Labels are measured as drawn (the renderer's extents), so this holds
    for any text length, font or figure size."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    lines = _reference_lines(ax)
    if not lines:
        return 0
    gap = LINE_GAP_PT * fig.dpi / 72
    right_edge = ax.get_window_extent(renderer).x1 + 0.03 * fig.bbox.width
    moved = 0
    for text in list(ax.texts):
        if not text.get_visible() or not text.get_text().strip():
            continue
        # A label printed on its bar (white) moves along the bar, to the line's left.
        on_bar = text.get_color() in ("white", "#ffffff", (1, 1, 1, 1))
        for _ in range(len(lines) + 1):
            bb = text.get_window_extent(renderer)
            crossing = next(((k, v) for k, v, a, b in lines
                             if (k == "h" and bb.y0 - 0.5 < v < bb.y1 + 0.5 and bb.x1 > a and bb.x0 < b)
                             or (k == "v" and bb.x0 - 0.5 < v < bb.x1 + 0.5 and bb.y1 > a and bb.y0 < b)),
                            None)
            if crossing is None:
                break
            kind, v = crossing
            if kind == "h":
                _shift(text, 0, v + gap - bb.y0)
            elif not on_bar and v + gap + bb.width <= right_edge:
                _shift(text, v + gap - bb.x0, 0)
            else:
                _shift(text, v - gap - bb.x1, 0)
            moved += 1
    return moved


def _title(fig, ax, chart: Chart) -> None:
    # Left-aligned finding as the title, unit line below it (FT style), above the axes.
    fig.text(0.01, 0.985, xml_safe(chart.title), ha="left", va="top", fontsize=9,
             fontweight="bold", color=INK)
    if chart.subtitle:
        fig.text(0.01, 1 - 0.22 / chart.height_in, xml_safe(chart.subtitle), ha="left", va="top",
                 fontsize=7.5, color=MUTED_INK)


def _target_line(ax, chart: Chart) -> None:
    if chart.target is None:
        return
    ax.axhline(chart.target, color=INK, linewidth=0.9, linestyle=(0, (4, 2)), zorder=3, gid=REFERENCE)


def _target_label(chart: Chart) -> str:
    return xml_safe(chart.target_label or f"Target {_fmt(chart.target, chart.unit)}")


def _right_labels(ax, labels: list[tuple[float, str, str, bool]]) -> None:
    """Labels in the right margin at data heights, nudged apart so that none overlap.

    Each label is (y, text, colour, bold).
    """
    if not labels:
        return
    lo, hi = ax.get_ylim()
    gap = (hi - lo) * 0.075
    placed: list[float] = []
    for y, text, colour, bold in sorted(labels, key=lambda l: l[0]):
        y_at = max(y, placed[-1] + gap) if placed else y
        placed.append(y_at)
        ax.annotate(text, xy=(1, y), xycoords=("axes fraction", "data"),
                    xytext=(1.012, y_at), textcoords=("axes fraction", "data"),
                    ha="left", va="center", fontsize=7.5, color=colour,
                    fontweight="bold" if bold else "normal", annotation_clip=False)


def _lines(ax, chart: Chart, pal: Palette) -> None:
    """Trend lines (opened vs resolved, MTTR): brand colour first, grey second, labelled."""
    xs = list(range(len(chart.categories)))
    colours = [pal.primary, pal.grey, pal.light]
    styles = ["-", (0, (3, 1.5)), ":"]
    ends: list[tuple[float, str, str, bool]] = []
    values: list[float] = []
    for i, s in enumerate(chart.series):
        pts = [(x, v) for x, v in zip(xs, s.values) if _ok(v)]
        if not pts:
            continue
        px, py = zip(*pts)
        values.extend(py)
        c = colours[i % len(colours)]
        ax.plot(px, py, color=c, linestyle=styles[i % len(styles)], marker="o", markersize=2.5,
                solid_capstyle="round", zorder=4)
        ends.append((py[-1], f"{xml_safe(s.name)} {_fmt(py[-1], chart.unit, chart.target)}", c, True))
    if chart.target is not None:
        values.append(chart.target)
        ends.append((chart.target, _target_label(chart), INK, False))
    ax.set_xticks(xs, [xml_safe(c) for c in chart.categories])
    ax.set_xlim(-0.4, len(xs) - 0.6)
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    # Lines need no zero baseline (FT style) when the values sit far from zero.
    bottom = 0.0 if chart.kind == "mttr_trend" or lo <= 0.35 * hi else lo - (hi - lo) * 0.6
    bottom = max(bottom, 0.0)
    top = hi + (hi - bottom) * 0.12
    if top <= bottom:  # every value the same (one month of data): give the line room
        top = bottom + (abs(bottom) * 0.25 or 1.0)
        bottom = max(bottom - (top - bottom), 0.0)
    ax.set_ylim(bottom, top)
    _target_line(ax, chart)
    _right_labels(ax, ends)


def _grouped_bars(ax, chart: Chart, pal: Palette) -> None:
    """Weekly opened vs resolved: paired bars with value labels, names on the first pair."""
    xs = list(range(len(chart.categories)))
    k = len(chart.series)
    width = 0.8 / max(k, 1)
    colours = [pal.primary, pal.grey]
    top = 0.0
    for i, s in enumerate(chart.series):
        vals = [v if _ok(v) else 0 for v in s.values]
        top = max([top, *vals])
        offs = [x - 0.4 + width * (i + 0.5) for x in xs]
        bars = ax.bar(offs, vals, width * 0.92, color=colours[i % 2], zorder=3)
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in vals], padding=1.5, fontsize=6.5,
                     color=MUTED_INK)
    ax.set_xticks(xs, [xml_safe(c) for c in chart.categories])
    ax.set_ylim(0, top * 1.18 or 1)
    _key(ax.figure, [(s.name, colours[i % 2]) for i, s in enumerate(chart.series)])


def _sla_bars(ax, chart: Chart, pal: Palette) -> None:
    """SLA attainment per priority against the target, each bar in its status colour: the
    tables' RAG rule (met: Green; within a tenth of the target: Amber; else Red), so the chart
    and the tables beside it never disagree. The status symbol is on the label too."""
    from ..documents.common import rag_status

    s = chart.series[0]
    xs = list(range(len(chart.categories)))
    vals = [v if _ok(v) else 0.0 for v in s.values]
    status = [rag_status(v, chart.target) if _ok(v) and chart.target is not None else None for v in s.values]
    colours = [pal.light if not _ok(v) else (STATUS_FILL[r.word] if r else pal.primary)
               for v, r in zip(s.values, status)]
    bars = ax.bar(xs, vals, 0.6, color=colours, zorder=3)
    labels = [(_fmt(v, "%", chart.target) + (f" {r.symbol}" if r else "")) if _ok(v) else "no data"
              for v, r in zip(s.values, status)]
    ax.bar_label(bars, labels=labels, padding=2, fontsize=7, color=INK)
    ax.set_xticks(xs, [xml_safe(c) for c in chart.categories])
    ax.set_ylim(0, 112)
    _target_line(ax, chart)
    if chart.target is not None:
        _right_labels(ax, [(chart.target, _target_label(chart), INK, False)])
        shown = [r for r in dict.fromkeys(status) if r is not None]
        order = {"Green": 0, "Amber": 1, "Red": 2}
        _key(ax.figure, [(f"{r.symbol} {r.word}", STATUS_FILL[r.word])
                         for r in sorted(shown, key=lambda r: order[r.word])])


def _pareto(ax, chart: Chart, pal: Palette) -> None:
    """Categories as horizontal bars, largest on top; cumulative share as a text column."""
    counts = chart.series[0]
    n = len(chart.categories)
    ys = list(range(n))[::-1]
    vals = [v if _ok(v) else 0 for v in counts.values]
    colours = [pal.grey if c == "Other" else pal.primary for c in chart.categories]
    bars = ax.barh(ys, vals, 0.66, color=colours, zorder=3)
    ax.bar_label(bars, labels=[f"{v:,.0f}" for v in vals], padding=2, fontsize=7, color=INK)
    ax.set_yticks(ys, [_clip(xml_safe(c), 40) for c in chart.categories])
    ax.set_xlim(0, (max(vals) if vals else 1) * 1.12 or 1)
    ax.set_ylim(-0.6, n - 0.4)
    _horizontal(ax)
    if len(chart.series) > 1:
        cum = chart.series[1]
        ax.annotate(xml_safe(cum.name), xy=(1, n - 0.4), xycoords=("axes fraction", "data"),
                    xytext=(1.005, n - 0.1), textcoords=("axes fraction", "data"), ha="left",
                    va="bottom", fontsize=6.5, color=MUTED_INK, annotation_clip=False)
        for y, v in zip(ys, cum.values):
            if _ok(v):
                ax.annotate(f"{v:.0f}\u00a0%", xy=(1, y), xycoords=("axes fraction", "data"),
                            xytext=(1.005, y), textcoords=("axes fraction", "data"), ha="left",
                            va="center", fontsize=7, color=MUTED_INK, annotation_clip=False)


def _horizontal(ax) -> None:
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e6e8eb", linewidth=0.6)
    ax.spines["bottom"].set_visible(False)
    ax.tick_params(axis="x", labelsize=6.5, bottom=False)
    ax.tick_params(axis="y", left=False, labelsize=7, colors=INK)


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "\u2026"


def _key(fig, items: list[tuple[str, str]]) -> None:
    """A one-line key on the subtitle line, right-aligned: a coloured square, a space, the
    name; a wider gap before the next entry. Widths are measured, not guessed from the number
    of characters, so "■ Opened   ■ Resolved" is spaced the same whatever the names."""
    renderer = fig.canvas.get_renderer()
    width = fig.bbox.width
    x = 0.99
    y = 1 - 0.22 / (fig.get_figheight() or 1)
    for name, colour in reversed(items):
        label = fig.text(x, y, xml_safe(name), ha="right", va="top", fontsize=7, color=INK)
        x -= label.get_window_extent(renderer).width / width + 3.5 / 72 * fig.dpi / width
        mark = fig.text(x, y, "\u25a0", ha="right", va="top", fontsize=8.5, color=colour)
        x -= mark.get_window_extent(renderer).width / width + 10 / 72 * fig.dpi / width


def _ageing(ax, chart: Chart, pal: Palette) -> None:
    """Backlog by age bucket (rows), stacked by priority (darkest = P1), totals at bar ends."""
    buckets = list(chart.categories)
    ys = list(range(len(buckets)))[::-1]  # first bucket on top
    left = [0.0] * len(buckets)
    ramp = _priority_ramp(pal.primary, len(chart.series))
    biggest = max((sum(col) for col in _columns(chart)), default=0) or 1
    for i, s in enumerate(chart.series):
        vals = [v if _ok(v) else 0 for v in s.values]
        ax.barh(ys, vals, 0.62, left=left, color=ramp[i], edgecolor="white", linewidth=0.6, zorder=3)
        for y, l, v in zip(ys, left, vals):
            if v >= 1 and v >= 0.05 * biggest:
                ax.text(l + v / 2, y, f"{v:,.0f}", ha="center", va="center", fontsize=6.5,
                        color="white" if _dark(ramp[i]) else INK, zorder=4)
        left = [l + v for l, v in zip(left, vals)]
    for y, total in zip(ys, left):
        ax.text(total, y, f"  {total:,.0f}", ha="left", va="center", fontsize=7, color=INK,
                fontweight="bold")
    ax.set_yticks(ys, [xml_safe(b) for b in buckets])
    ax.set_xlim(0, (max(left) if left else 1) * 1.1 or 1)
    _horizontal(ax)
    _key(ax.figure, [(s.name, ramp[i]) for i, s in enumerate(chart.series)])


def _priority_ramp(primary: str, n: int) -> list[str]:
    """Brand colour for P1, lighter for each lower priority, in even steps of lightness."""
    return ramp(primary, n) if n > 1 else [primary]


def _dark(colour: str) -> bool:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b < 150


def _unit_ticks(ax, unit: str) -> None:
    """Axis unit on the tick labels ("75 %", "20 h"); counts are named in the subtitle."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=unit not in ("%", "hours")))
    suffix = {"%": "\u00a0%", "hours": "\u00a0h"}.get(unit, "")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}{suffix}"))


def _columns(chart: Chart) -> list[list[float]]:
    cols = []
    for j in range(len(chart.categories)):
        cols.append([s.values[j] or 0 for s in chart.series if j < len(s.values)])
    return cols


def _gantt(ax, chart: Chart, pal: Palette) -> None:
    """A dated calendar, Gantt style: one row per series (an exercise), a mark on each date.

    `categories` are the month columns, left to right; each series' values are positions
    along them in month units (2.5 = the middle of the third month). Rows are named on the
    left (wrapped to two lines) and each row's number of dates is written at its right end.
    """
    import textwrap

    months = max(len(chart.categories), 1)
    rows = len(chart.series)
    names = ["\n".join(textwrap.wrap(xml_safe(s.name), 34, max_lines=2, placeholder="\u2026")) for s in chart.series]
    longest = max((len(line) for n in names for line in n.split("\n")), default=4)
    pos = ax.get_position()
    left = min(0.36, 0.02 + 0.0088 * longest)
    ax.set_position((left, pos.y0, 0.92 - left, pos.height))  # room for names and counts
    ys = list(range(rows))[::-1]  # first series on top
    for m in range(months):
        if m % 2:
            ax.axvspan(m, m + 1, color="#f3f4f6", linewidth=0, zorder=0)
    for y, s, name in zip(ys, chart.series, names):
        xs = [v for v in s.values if _ok(v)]
        ax.plot([0, months], [y, y], color=LIGHT_GREY, linewidth=0.8, zorder=2)
        ax.scatter(xs, [y] * len(xs), marker="D", s=20, color=pal.primary, linewidths=0, zorder=4)
        ax.annotate(name, xy=(0, y), xycoords=("axes fraction", "data"), xytext=(-0.01, y),
                    textcoords=("axes fraction", "data"), ha="right", va="center", fontsize=7,
                    color=INK, linespacing=1.05, annotation_clip=False)
        count = f"{len(xs)} date{'' if len(xs) == 1 else 's'}"
        ax.annotate(count, xy=(1, y), xycoords=("axes fraction", "data"), xytext=(1.01, y),
                    textcoords=("axes fraction", "data"), ha="left", va="center", fontsize=7,
                    color=MUTED_INK, annotation_clip=False)
    ax.set_xticks([m + 0.5 for m in range(len(chart.categories))], [xml_safe(c) for c in chart.categories])
    ax.tick_params(axis="x", labelsize=6.5, bottom=False)
    ax.set_xlim(0, months)
    ax.set_ylim(-0.6, rows - 0.4)
    ax.yaxis.set_visible(False)  # the rows are named by the annotations; no value axis
    ax.grid(False)


_DRAW = {
    "gantt": _gantt,
    "trend": _lines,
    "mttr_trend": _lines,
    "weekly": _grouped_bars,
    "sla_by_priority": _sla_bars,
    "pareto": _pareto,
    "ageing": _ageing,
}


def _writable_dir(path: str) -> bool:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:
        return False
    return os.access(path, os.W_OK)


def _matplotlib_config_dir() -> None:
    """Before matplotlib is first imported: when its config or cache folder cannot be written
    (HOME read-only or missing, as for some service accounts), give it a private temporary
    folder, removed at exit. Otherwise matplotlib prints a warning about it on every run,
    which --quiet must not show, and a cron job would mail."""
    if "matplotlib" in sys.modules or os.environ.get("MPLCONFIGDIR"):
        return
    home = os.path.expanduser("~")
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache")
    if all(_writable_dir(os.path.join(d, "matplotlib")) for d in (config, cache)):
        return
    folder = tempfile.mkdtemp(prefix="ccreport-matplotlib-")
    atexit.register(shutil.rmtree, folder, True)
    os.environ["MPLCONFIGDIR"] = folder


@contextlib.contextmanager
def drawn(chart: Chart, primary: str = "#1f4e79", salt: str = "ccreport"):
    """The matplotlib Figure of one chart, drawn and laid out, inside the rc context it was
    drawn with (text extents depend on it); cleared afterwards. `draw` saves it; tests look
    at where its marks and labels are."""
    _matplotlib_config_dir()
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    pal = Palette.from_primary(primary)
    with matplotlib.rc_context(_rc(salt)):
        # A bare Figure on an Agg canvas: no pyplot, no global figure registry, no GUI backend.
        fig = MplFigure(figsize=(TEXT_WIDTH_IN, chart.height_in))
        FigureCanvasAgg(fig)
        try:
            # Title block height is fixed in inches, so every chart's title sits the same way.
            head = (0.50 if chart.subtitle else 0.34) / chart.height_in
            top = 1 - head
            bottom = 0.32 / chart.height_in
            horizontal = chart.kind in ("pareto", "ageing")
            if horizontal:
                longest = max((len(_clip(c, 40)) for c in chart.categories), default=4)
                left = min(0.40, 0.025 + 0.0092 * longest)
                bottom = 0.08 / chart.height_in
            else:
                left = 0.075
            right = {"trend": 0.85, "mttr_trend": 0.85, "sla_by_priority": 0.88, "pareto": 0.87}.get(chart.kind, 0.98)
            ax = fig.add_axes((left, bottom, right - left, top - bottom))
            _DRAW[chart.kind](ax, chart, pal)
            if horizontal:
                # Every bar carries its value, so the value axis is noise (Tufte's data-ink).
                ax.xaxis.set_visible(False)
                ax.grid(False)
            else:
                _unit_ticks(ax, chart.unit)
            _title(fig, ax, chart)
            keep_labels_off_lines(ax)
            yield fig
        finally:
            fig.clear()


def draw(chart: Chart, primary: str = "#1f4e79", *, svg: bool = True, png: bool = True,
         salt: str = "ccreport") -> ChartImage:
    """Draw one chart; return SVG text (no XML prolog) and/or PNG bytes."""
    svg_text = png_bytes = None
    with drawn(chart, primary, salt) as fig:
        if svg:
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
            svg_text = _clean_svg(buf.getvalue())
        if png:
            bbuf = io.BytesIO()
            fig.savefig(bbuf, format="png", dpi=PNG_DPI,
                        metadata={"Software": None}, pil_kwargs={"optimize": False})
            png_bytes = bbuf.getvalue()
    return ChartImage(svg=svg_text, png=png_bytes)


_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)
_SVG_SIZE = re.compile(r'(<svg[^>]*?) width="[^"]*" height="[^"]*"')
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_GLOBAL_STYLE = re.compile(r"\s*<style[^>]*>.*?</style>", re.DOTALL)
_EMPTY_DEFS = re.compile(r"\s*<defs>\s*</defs>")
_GROUP_ID = re.compile(r'<g id="[^"]*"')
_STYLE_ATTR = re.compile(r' style="([^"]*)"')


def _presentation_attributes(m: re.Match) -> str:
    out = []
    for decl in m.group(1).split(";"):
        if ":" in decl:
            name, value = decl.split(":", 1)
            out.append(f' {name.strip()}="{value.strip()}"')
    return "".join(out)


def _clean_svg(svg: str) -> str:
    """Make matplotlib's SVG fit to sit inline in HTML, several per page.

    - no XML declaration or DOCTYPE; no RDF metadata;
    - size from CSS (the text column); the viewBox keeps the aspect ratio;
    - no global `<style>` rule (inline, `*{...}` would restyle the whole HTML page): its two
      declarations become inherited attributes on the root element;
    - no `id` on groups (`figure_1`, `axes_1`... would repeat in every chart); the ids that
      are referenced (clip paths, markers) are hashed with the per-figure salt, so unique;
    - `style="..."` becomes SVG presentation attributes, which HTML CSS engines leave alone.
    """
    svg = _PROLOG.sub("", svg, count=1)
    svg = _SVG_SIZE.sub(r"\1", svg, count=1)
    svg = _METADATA.sub("", svg, count=1)
    svg = _GLOBAL_STYLE.sub("", svg, count=1)
    svg = _EMPTY_DEFS.sub("", svg)
    svg = _GROUP_ID.sub("<g", svg)
    svg = _STYLE_ATTR.sub(_presentation_attributes, svg)
    svg = svg.replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" focusable="false" aria-hidden="true" ', 1)
    return svg.strip()


def draw_all(figures: Iterable[tuple[str, Chart]], primary: str, *, svg: bool, png: bool) -> dict[str, ChartImage]:
    """Draw every chart once, keyed by figure id. The salt is the id, so SVG ids never clash."""
    return {fid: draw(chart, primary, svg=svg, png=png, salt=f"ccreport-{fid}") for fid, chart in figures}


def draw_charts(doc: "Document", *, svg: bool, png: bool) -> dict[str, ChartImage]:
    """Draw every figure of the document once, in each image format asked for."""
    return start_drawing(doc, svg=svg, png=png)()


def start_drawing(doc: "Document", *, svg: bool, png: bool) -> Callable[[], dict[str, ChartImage]]:
    """Start drawing every figure of the document; the function returned gives the charts.

    Inside `drawing_ahead` the helper process draws them while the caller goes on (the PDF
    renderer imports WeasyPrint meanwhile); otherwise they are drawn here, when the function
    is called. Should the helper fail in any way, they are drawn here: the same charts, and
    the same error if drawing one fails."""
    figures = [(f.id, f.chart) for f in doc.figures()]
    if not figures or not (svg or png):
        return dict
    request = (figures, doc.primary_colour, svg, png)
    pending = _HELPER.send(request) if _HELPER is not None else None

    def result() -> dict[str, ChartImage]:
        drawn = pending() if pending is not None else None
        return drawn if drawn is not None else draw_all(figures, doc.primary_colour, svg=svg, png=png)

    return result


# --------------------------------------------------------------------------- drawing ahead
# matplotlib takes longer to import than a 10k-incident export takes to read and compute, and
# drawing a report's charts about as long again. A command that writes documents forks a
# helper process when it starts (`drawing_ahead`): the helper imports matplotlib while this
# process reads the export, then draws each document's charts while this process imports
# WeasyPrint. The helper is forked only while this process has no other thread (before
# pyarrow starts its pool: see batch.py for why a fork after that is not safe) and only when
# a processor is free to run it (on a saturated machine it would cost more than it hides);
# it never touches the export, and it writes nothing.


def _single_threaded() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1  # native threads (pyarrow's) included
    except OSError:
        return False


def _a_processor_is_free() -> bool:
    """A second processor this process may use, and a whole processor idle now: on a busy
    machine the helper would only add its own start (numpy imported twice, the fork) to the
    same work. "Now" is the kernel's count of runnable threads at this moment (`procs_running`
    in /proc/stat, this process included); the 1-minute load average, which lags by a minute,
    stands in where that count cannot be read."""
    cpus = len(os.sched_getaffinity(0))
    if cpus < 2:
        return False
    running = _procs_running()
    if running is None:
        return os.getloadavg()[0] <= cpus - 1
    return running <= cpus - 1


def _procs_running() -> int | None:
    try:
        with open("/proc/stat", "rb") as f:
            for line in f:
                if line.startswith(b"procs_running "):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _can_fork() -> bool:
    return sys.platform.startswith("linux") and hasattr(os, "fork") and _a_processor_is_free() and _single_threaded()


def _preload() -> None:
    """What drawing imports, imported once in the helper before the first request."""
    import matplotlib.ticker  # noqa: F401
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401
    from matplotlib.text import Annotation  # noqa: F401

    from .. import units  # noqa: F401
    from ..documents import common  # noqa: F401


def _serve(conn) -> None:
    """The helper's life: draw each request (figures, primary, svg, png) and send back
    ("ok", charts) or ("error", text); stop at None or when the parent's end closes. It leaves
    with os._exit: the parent's atexit handlers and buffers are not its own."""
    code = 0
    try:
        _preload()
        while True:
            try:
                request = conn.recv()
            except EOFError:
                break
            if request is None:
                break
            figures, primary, svg, png = request
            try:
                reply: tuple = ("ok", draw_all(figures, primary, svg=svg, png=png))
            except Exception as err:  # noqa: BLE001 - the parent draws again and raises it
                reply = ("error", f"{type(err).__name__}: {err}")
            conn.send(reply)
    except BaseException:  # noqa: BLE001 - Ctrl-C, a broken pipe: nothing to tell anyone
        code = 1
    finally:
        os._exit(code)


class _Helper:
    """The parent's end of a drawing helper: a forked process and a pipe to it."""

    def __init__(self, pid: int, conn) -> None:
        self.pid = pid
        self.conn = conn
        self.waiting = False
        self.broken = False
        self.used = False

    @classmethod
    def start(cls) -> "_Helper | None":
        from multiprocessing import Pipe

        _matplotlib_config_dir()  # here: the folder (and its removal at exit) is this process's
        ours, theirs = Pipe()
        try:
            pid = os.fork()
        except OSError:
            return None
        if pid == 0:  # pragma: no cover - the helper (coverage does not follow a fork)
            ours.close()
            _serve(theirs)
        theirs.close()
        return cls(pid, ours)

    def send(self, request: tuple) -> Callable[[], dict[str, ChartImage] | None] | None:
        """Ask for a document's charts; the function returned waits for them (None: the helper
        failed, draw them here)."""
        if self.broken or self.waiting:
            return None
        try:
            self.conn.send(request)
        except (OSError, ValueError, pickle.PicklingError, TypeError, AttributeError):
            self.broken = True
            return None
        self.waiting = True
        self.used = True

        def receive() -> dict[str, ChartImage] | None:
            if not self.waiting:
                return None
            self.waiting = False
            try:
                status, value = self.conn.recv()
            except (OSError, EOFError, ValueError, pickle.UnpicklingError, TypeError, AttributeError):
                self.broken = True
                return None
            return value if status == "ok" else None

        return receive

    def close(self) -> None:
        """Stop the helper and wait for it (its CPU time is then this process's children's)."""
        if self.waiting or self.broken or not self.used:
            # Mid-request, or never asked (the command failed or wrote no chart): it need not
            # finish importing matplotlib first.
            with contextlib.suppress(OSError):
                os.kill(self.pid, signal.SIGKILL)
        else:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
        self.conn.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


_HELPER: _Helper | None = None


@contextlib.contextmanager
def drawing_ahead():
    """Inside the block, `start_drawing` hands the charts to a helper process forked now
    (when this process may fork: Linux, a second processor, no other thread yet); it imports
    matplotlib at once. Stopped when the block ends. Nested blocks share the outer helper."""
    global _HELPER
    if _HELPER is not None or not _can_fork():
        yield
        return
    helper = _Helper.start()
    _HELPER = helper
    try:
        yield
    finally:
        _HELPER = None
        if helper is not None:
            helper.close()


# --------------------------------------------------------------------------- lifecycle timeline
# Kind "lifecycle" (the post-incident review's timeline, `LifecycleChart`) is drawn by
# `_lifecycle` below and registered in _DRAW.


_LIFECYCLE_STEPS = (1 / 12, 1 / 6, 0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 24.0, 48.0, 96.0, 168.0)


def _hours_tick(v: float, step: float) -> str:
    if step < 1:
        return f"{v * 60:,.0f}\u00a0min" if abs(v) < 1 or v * 60 % 60 else f"{v:,.0f}\u00a0h"
    return f"{v:,.0f}\u00a0h"


def _lifecycle(ax, chart: Chart, pal: Palette) -> None:
    """Stages as bars from the previous milestone to this one; SLA targets as dashed lines."""
    import math

    from matplotlib.ticker import FixedLocator, FuncFormatter

    n = len(chart.categories)
    ys = list(range(n))[::-1]  # first stage on top
    starts = chart.series[0].values if chart.series else ()
    ends = chart.series[1].values if len(chart.series) > 1 else ()
    labels = getattr(chart, "bar_labels", ()) or ()
    markers = getattr(chart, "markers", ()) or ()
    overlays = getattr(chart, "overlays", ()) or ()
    known = [v for v in (*starts, *ends) if _ok(v)] + [m.at for m in markers]
    lo = min([0.0, *known])
    hi = getattr(chart, "x_max", None) or (max([*known, 1e-9]) * 1.08)
    span = hi - lo or 1.0
    pad = span * 0.015
    lo -= pad

    # Labels take room in the left margin: move the axes so the stage names fit.
    box = ax.get_position()
    longest = max((len(c) for c in chart.categories), default=8)
    left = min(0.30, 0.03 + 0.0105 * longest)
    ax.set_position((left, box.y0, 0.97 - left, box.height))

    for i, y in enumerate(ys):
        ax.annotate(xml_safe(chart.categories[i]), xy=(0, y), xycoords=("axes fraction", "data"),
                    xytext=(-6, 0), textcoords="offset points", ha="right", va="center",
                    fontsize=7.5, color=INK, annotation_clip=False)
        s = starts[i] if i < len(starts) else None
        e = ends[i] if i < len(ends) else None
        text = xml_safe(labels[i]) if i < len(labels) and labels[i] else ""
        if not _ok(e):
            ax.text(max(lo, 0) + pad, y, text or "not recorded", ha="left", va="center",
                    fontsize=7, color=MUTED_INK, style="italic", zorder=5,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4})
            continue
        s = s if _ok(s) else e
        clipped = e > hi
        right = min(e, hi)
        if abs(right - s) < span * 0.004:  # a point in time, not a stretch: a diamond
            ax.plot([right], [y], marker="D", markersize=4.5, color=pal.primary, zorder=4)
        else:
            ax.barh([y], [right - s], 0.56, left=[s], color=pal.primary if not clipped else pal.grey,
                    zorder=3)
        if clipped:
            ax.annotate("\u25b6", xy=(hi, y), xytext=(1, 0), textcoords="offset points",
                        ha="left", va="center", fontsize=6.5, color=pal.grey, annotation_clip=False)
        if text:
            room_right = (hi - right) > span * (0.012 * len(text) + 0.02)
            if room_right and not clipped:
                ax.text(right + pad * 0.8, y, text, ha="left", va="center", fontsize=7, color=INK, zorder=5,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4})
            else:
                ax.text(right - pad * 0.8, y, text, ha="right", va="center", fontsize=7,
                        color="white" if not clipped and _dark(pal.primary) else INK,
                        fontweight="bold" if not clipped else "normal", zorder=5)

    for row, a, b, label in overlays:
        if not (_ok(a) and _ok(b)) or row >= n:
            continue
        y = ys[row]
        a, b = max(a, lo), min(b, hi)
        if b <= a:
            continue
        ax.barh([y], [b - a], 0.56, left=[a], color="white", edgecolor=pal.primary, hatch="////",
                linewidth=0.6, zorder=4)
        if label:
            ax.text((a + b) / 2, y + 0.42, xml_safe(label), ha="center", va="bottom", fontsize=6.5,
                    color=MUTED_INK, zorder=5)

    top = n - 0.35
    placed: list[float] = []
    for m in sorted(markers, key=lambda m: m.at):
        if not (lo <= m.at <= hi):
            continue
        ax.axvline(m.at, color=INK, linewidth=0.9, linestyle=(0, (4, 2)), zorder=2, gid=REFERENCE)
        # Stagger labels that would collide with the previous one.
        level = 0
        if placed and m.at - placed[-1] < span * 0.28:
            level = (len(placed)) % 2
        placed.append(m.at)
        near_right = m.at > hi - span * 0.3
        ax.text(m.at + (-pad if near_right else pad) * 0.6, top + 0.05 + level * 0.55, xml_safe(m.label),
                ha="right" if near_right else "left", va="bottom", fontsize=6.8, color=INK,
                zorder=5, bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})

    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.6, n + 0.55)
    step = next((s for s in _LIFECYCLE_STEPS if span / s <= 8), _LIFECYCLE_STEPS[-1])
    first = step * math.ceil(lo / step)
    ticks = [first + k * step for k in range(int((hi - first) / step) + 1)]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: _hours_tick(v, step)))
    ax.tick_params(axis="x", labelsize=6.5, colors=MUTED_INK, bottom=False)
    ax.grid(axis="x", color="#e6e8eb", linewidth=0.6)
    ax.grid(axis="y", visible=False)
    ax.spines["bottom"].set_color(LIGHT_GREY)
    # Stage names are drawn as text above; the value axis of draw() is the y axis here.
    ax.yaxis.set_visible(False)


_DRAW["lifecycle"] = _lifecycle
