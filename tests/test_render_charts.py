"""Chart drawing as a reader sees it (issue 20, item 5): no reference line (a target, an
SLA marker) runs through a label, the key is spaced by measured widths, every pair of colours
a chart tells apart differs in lightness (greyscale printers, colour-blind readers), and the
SLA chart's bars take the status colours the tables use for the same figures."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ccreport.document import Chart, LifecycleChart, Marker, series
from ccreport.documents.common import rag_status
from ccreport.render import charts
from ccreport.render.charts import MIN_CONTRAST, STATUS_FILL, drawn, lightness, ramp, second_colour

ROOT = Path(__file__).resolve().parent.parent


def _crossings(fig) -> list[str]:
    """Labels of the chart's axes that a reference line runs through."""
    renderer = fig.canvas.get_renderer()
    found = []
    for ax in fig.axes:
        lines = charts._reference_lines(ax)
        assert lines, "the chart has no reference line to test against"
        for text in ax.texts:
            if not text.get_text().strip():
                continue
            bb = text.get_window_extent(renderer)
            for kind, at, start, end in lines:
                if kind == "v" and bb.x0 < at < bb.x1 and bb.y1 > start and bb.y0 < end:
                    found.append(f"{text.get_text()!r} crossed by the line at x={at:.0f}")
                if kind == "h" and bb.y0 < at < bb.y1 and bb.x1 > start and bb.x0 < end:
                    found.append(f"{text.get_text()!r} crossed by the line at y={at:.0f}")
    return found


def _lifecycle(marker_at: float, ends: list[float]) -> LifecycleChart:
    names = tuple(f"Stage {i}" for i in range(len(ends)))
    starts = [0.0, *ends[:-1]]
    labels = tuple(f"{(e - s) * 60:.0f} min since the stage before" for s, e in zip(starts, ends))
    return LifecycleChart("lifecycle", "Stages", names, (series("start", starts), series("end", ends)),
                          bar_labels=labels, markers=(Marker(marker_at, "Response target"),
                                                      Marker(8.0, "Resolution target 8 h")),
                          height_in=2.4)


@pytest.mark.parametrize("marker_at", [0.25, 0.5, 1.0, 2.0])
def test_no_sla_marker_runs_through_a_stage_label(marker_at):
    chart = _lifecycle(marker_at, [0.1, 0.2, 0.35, 0.6, 1.1, 7.9, 8.6])
    with drawn(chart) as fig:
        assert _crossings(fig) == []
        # Every stage label is still drawn inside the figure.
        renderer = fig.canvas.get_renderer()
        for text in fig.axes[0].texts:
            bb = text.get_window_extent(renderer)
            assert bb.x0 >= 0 and bb.x1 <= fig.bbox.width + 1, text.get_text()


def test_without_the_fix_the_lifecycle_case_does_cross(monkeypatch):
    """The planted case really puts a marker through labels when nothing moves them."""
    monkeypatch.setattr(charts, "keep_labels_off_lines", lambda ax: 0)
    with drawn(_lifecycle(0.5, [0.1, 0.2, 0.35, 0.6, 1.1, 7.9, 8.6])) as fig:
        assert _crossings(fig)


@pytest.mark.parametrize("values", [[94.9, 92.9, 100.0, 84.6], [95.2, 94.6, 96.0, 60.0]])
def test_target_line_runs_through_no_bar_label(values):
    chart = Chart("sla_by_priority", "SLA", ("P1", "P2", "P3", "P4"), (series("Resolution SLA", values),),
                  unit="%", target=95.0, target_label="Target 95 %")
    with drawn(chart) as fig:
        assert _crossings(fig) == []


def test_sla_bars_take_the_tables_status_colours():
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle

    values = [100.0, 84.6, 94.9, 60.0]
    chart = Chart("sla_by_priority", "SLA", ("P1", "P2", "P3", "P4"), (series("Resolution SLA", values),),
                  unit="%", target=95.0)
    with drawn(chart) as fig:
        ax = fig.axes[0]
        bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_height() > 0]
        colours = [to_hex(b.get_facecolor()) for b in sorted(bars, key=lambda b: b.get_x())]
        labels = [t.get_text() for t in ax.texts]
    expected = [rag_status(v, 95.0) for v in values]
    assert colours == [STATUS_FILL[r.word] for r in expected]
    # The status symbol is on each bar's label too: colour is not the only carrier.
    value_labels = [t for t in labels if "%" in t and "Target" not in t]
    assert len(value_labels) == len(values)
    for r in expected:
        assert sum(r.symbol in t for t in value_labels) == expected.count(r)


@pytest.mark.parametrize("primary", ["#1f4e79", "#00a19a", "#f0a000", "#8a8f98", "#111111", "#c8102e", "#e0e0ff"])
def test_every_pair_of_colours_differs_in_lightness(primary):
    for n in range(2, 6):
        shades = ramp(primary, n)
        assert len(shades) == len(set(shades)) == n
        for a, b in itertools.combinations(shades, 2):
            assert abs(lightness(a) - lightness(b)) >= MIN_CONTRAST, (primary, n, a, b)
    assert abs(lightness(second_colour(primary)) - lightness(primary)) >= MIN_CONTRAST
    for a, b in itertools.combinations(STATUS_FILL.values(), 2):
        assert abs(lightness(a) - lightness(b)) >= MIN_CONTRAST


def test_the_brand_colour_leads_the_ramp_when_it_is_dark():
    assert ramp("#1f4e79", 4)[0] == "#1f4e79"
    assert lightness(ramp("#f0a000", 4)[0]) < 40  # a light brand is darkened for P1


@pytest.mark.parametrize("names", [("Opened", "Resolved"), ("P1", "P2", "P3", "P4", "P5"),
                                   ("Incidents opened this week", "Resolved")])
def test_key_entries_are_evenly_spaced(names):
    chart = Chart("weekly", "Weekly", ("w1", "w2"), tuple(series(n, [3, 4]) for n in names))
    with drawn(chart) as fig:
        renderer = fig.canvas.get_renderer()
        key = [t for t in fig.texts if t.get_text() in (*names, "\u25a0")]
        boxes = sorted((b.x0, b.x1, t.get_text()) for t in key for b in [t.get_window_extent(renderer)])
    assert len(boxes) == 2 * len(names)
    pt = fig.dpi / 72
    for (x0, x1, text), (nx0, _nx1, ntext) in zip(boxes, boxes[1:]):
        gap = nx0 - x1
        if text == "\u25a0":  # square, then its name: a space, not touching
            assert ntext in names and 2 * pt <= gap <= 6 * pt, (text, ntext, gap)
        else:  # a name, then the next entry's square: clearly wider
            assert ntext == "\u25a0" and gap >= 7 * pt, (text, ntext, gap)


# --------------------------------------------------------------------------- drawing ahead

_AHEAD = r'''
import os, sys
from ccreport.document import Chart, Document, Figure, Section, series
from ccreport.render import charts

trend = Chart("trend", "Opened rose", ("Aug", "Sep", "Oct"), (series("Opened", [3, 1, 2]),), unit="incidents",
              target=2.5)
bars = Chart("sla_by_priority", "P1 missed", ("P1", "P2"), (series("Resolved in SLA", [81.0, 97.5]),), unit="%",
             target=95.0)
doc = Document(kind="test", title="Ahead", blocks=[Section("One", [Figure("a", trend, "A", "Alt a"),
                                                                   Figure("b", bars, "B", "Alt b")])])
kill = sys.argv[1] == "kill"
charts._a_processor_is_free = lambda: True  # whatever the machine's load is now
with charts.drawing_ahead():
    helper = charts._HELPER
    assert helper is not None, "no helper was forked"
    if kill:
        os.kill(helper.pid, 9)
        os.waitpid(helper.pid, 0)
    ahead = charts.draw_charts(doc, svg=True, png=True)
assert charts._HELPER is None
in_parent = "matplotlib" in sys.modules
try:
    os.kill(helper.pid, 0)
    gone = False
except ProcessLookupError:
    gone = True
here = charts.draw_charts(doc, svg=True, png=True)
print(in_parent, gone, ahead == here, sorted(ahead), all(c.svg and c.png for c in ahead.values()))
'''

_FORKS = sys.platform.startswith("linux") and len(getattr(os, "sched_getaffinity", lambda _: ())(0)) > 1


@pytest.mark.skipif(not _FORKS, reason="the helper is forked only on Linux with a second processor")
@pytest.mark.parametrize("mode, drawn_here", [
    ("draw", "False"),  # matplotlib never imported here: the helper drew them
    ("kill", "True"),   # the helper died: drawn here instead
])
def test_charts_drawn_ahead_are_the_ones_drawn_here_and_the_helper_is_reaped(mode, drawn_here):
    out = subprocess.run([sys.executable, "-c", _AHEAD, mode], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    # (matplotlib in this process, helper gone, same bytes as drawn here)
    assert out.stdout.split("[")[0].split() == [drawn_here, "True", "True"]
    assert "['a', 'b'] True" in out.stdout


_UNUSED = '''
import os, signal
from ccreport.render import charts

statuses = []
wait = os.waitpid
os.waitpid = lambda pid, flags: statuses.append(wait(pid, flags)[1]) or (pid, statuses[-1])
charts._a_processor_is_free = lambda: True
with charts.drawing_ahead():
    assert charts._HELPER is not None, "no helper was forked"
(status,) = statuses
print(os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL)
'''


@pytest.mark.skipif(not _FORKS, reason="the helper is forked only on Linux with a second processor")
def test_a_helper_never_asked_is_stopped_without_waiting_for_its_imports():
    # A command that fails before its first chart (bad input, exit 2) must not wait for the
    # helper to finish importing matplotlib: the helper is killed, not asked to stop.
    out = subprocess.run([sys.executable, "-c", _UNUSED], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["True"]


def test_no_helper_once_this_process_has_another_thread():
    import threading

    release = threading.Event()
    t = threading.Thread(target=release.wait, daemon=True)
    t.start()
    try:
        with charts.drawing_ahead():
            assert charts._HELPER is None
    finally:
        release.set()
        t.join()


def test_no_helper_when_no_processor_is_free(monkeypatch):
    monkeypatch.setattr(charts, "_procs_running", lambda: 64)
    with charts.drawing_ahead():
        assert charts._HELPER is None


def test_the_load_average_decides_where_the_runnable_count_cannot_be_read(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    monkeypatch.setattr(charts, "_procs_running", lambda: None)
    monkeypatch.setattr(os, "getloadavg", lambda: (64.0, 64.0, 64.0))
    assert not charts._a_processor_is_free()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert charts._a_processor_is_free()


def test_the_runnable_count_is_read_from_the_kernel():
    if not Path("/proc/stat").exists():
        pytest.skip("no /proc/stat here")
    assert charts._procs_running() >= 1  # this test is running
