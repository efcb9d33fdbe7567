"""Business-hours arithmetic, vectorised: how much of [start, end) falls in working time.

A business calendar (config `calendars`) works `hours` (e.g. 08:00-18:00) on `days`, except on
holidays (the `holidays` package for a country/subdivision, for the years the data span, plus
explicit dates). Working time is measured on the local wall clock of the configured timezone,
so a working day is always its nominal length: on the day the clocks change, 08:00-18:00 is
still 10 hours. "24x7" is plain elapsed (real) time.

The vectorised method: a timestamp's *clock position* is the working time from a fixed day d0
to it — `numpy.busday_count(d0, day)` working days (a lookup table built once over the days the
data span, with the calendar's weekmask and holidays) times the working-day length, plus the
part of its own day's working window before it (time of day clipped to the window, if the day
is a working day). The working time of [start, end) is position(end) − position(start): the
first day is clipped at start, the last day at end, and the days between count whole. Local
time comes from a table of the zone's UTC offsets (exact to the second, checked against pandas),
and the arrays are processed in blocks of 16k rows so temporaries stay small. No per-row
Python; tests check it against a day-by-day reference.

Durations are signed like elapsed time: when end < start the result is minus the working time
of [end, start). A stretch that runs backwards on the wall clock although forwards in real time
(inside the repeated hour of an autumn clock change) counts 0.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import numpy as np
import pandas as pd

from .config import Calendar
from .errors import ConfigError
from .schema import NS_PER_DAY, NS_PER_HOUR, NS_PER_MINUTE

TWENTY_FOUR_SEVEN = "24x7"
_NAT = np.iinfo(np.int64).min

CalendarLike = Calendar | str | None
TzLike = str | zoneinfo.ZoneInfo | dt.tzinfo


@functools.lru_cache(maxsize=64)
def _holiday_days(country: str | None, subdivision: str | None, dates: tuple[dt.date, ...],
                  first_year: int, last_year: int) -> np.ndarray:
    days: set[dt.date] = set(dates)
    if country:
        from .holidaycache import holiday_days

        try:
            found = holiday_days(country, subdivision, first_year, last_year)
        except NotImplementedError:
            raise ConfigError(
                f"calendars: holidays country {country!r} is not known to the holidays package "
                "(use an ISO code such as GB)."
            ) from None
        except Exception as err:  # the package raises plain exceptions for bad subdivisions
            raise ConfigError(
                f"calendars: holidays {country!r}/{subdivision!r}: {err}".splitlines()[0]
            ) from None
        days.update(found)
    return np.array(sorted(days), dtype="datetime64[D]")


def holiday_dates(calendar: Calendar, first_year: int, last_year: int) -> np.ndarray:
    """The calendar's holidays from first_year to last_year inclusive, as datetime64[D]."""
    h = calendar.holidays
    return _holiday_days(h.country, h.subdivision, tuple(h.dates), first_year, last_year)


def busday_calendar(calendar: Calendar, first_year: int, last_year: int) -> np.busdaycalendar | None:
    """numpy's business-day calendar for the years given; None when no weekday is worked."""
    if "1" not in calendar.weekmask:
        return None
    return np.busdaycalendar(
        weekmask=calendar.weekmask, holidays=holiday_dates(calendar, first_year, last_year)
    )


_STEP_NS = 6 * NS_PER_HOUR  # grid for finding clock changes: no zone changes twice in 6 h
#: Rows per block in the array loops: 16384 int64 values are 128 KB, so a block's temporaries
#: stay in cache and are reused from the allocator instead of being fresh, page-faulting memory
#: (measured: whole-array temporaries made a million rows 50 % slower, 2k-row blocks too).
_BLOCK = 16384


def _pandas_local(utc_ns: np.ndarray, tz: TzLike) -> np.ndarray:
    idx = pd.DatetimeIndex(utc_ns.view("datetime64[ns]")).tz_localize("UTC")
    return idx.tz_convert(tz).tz_localize(None).asi8


@functools.lru_cache(maxsize=32)
def _transitions(tz_key: str, first_step: int, last_step: int) -> tuple[np.ndarray, np.ndarray]:
    """UTC instants where the zone's offset changes between two grid steps, and the offset
    (ns) from each instant on; the first entry holds the offset before any change.

    The offset is sampled every 6 hours; a step whose ends differ holds one change, located to
    the minute and then to the second (tzdata changes happen on whole seconds), so the result
    is exact for every instant in the range.
    """
    grid = np.arange(first_step, last_step + 2, dtype=np.int64) * _STEP_NS
    offset = _pandas_local(grid, tz_key) - grid
    times = [np.iinfo(np.int64).min]
    offsets = [int(offset[0])]
    for i in np.flatnonzero(np.diff(offset)):  # a couple of clock changes a year
        minutes = grid[i] + np.arange(0, _STEP_NS // NS_PER_MINUTE + 1, dtype=np.int64) * NS_PER_MINUTE
        m_off = _pandas_local(minutes, tz_key) - minutes
        j = int(np.flatnonzero(m_off != m_off[0])[0])
        seconds = minutes[j - 1] + np.arange(0, 61, dtype=np.int64) * 1_000_000_000
        s_off = _pandas_local(seconds, tz_key) - seconds
        k = int(np.flatnonzero(s_off != s_off[0])[0])
        times.append(int(seconds[k]))
        offsets.append(int(s_off[k]))
    return np.array(times, dtype=np.int64), np.array(offsets, dtype=np.int64)


@functools.lru_cache(maxsize=32)
def _offset_table(tz_key: str, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per 6-hour step from lo to hi: the offset at the step's start, whether a clock change
    falls inside the step, its instant (int64 max when none) and the offset after it."""
    times, offsets = _transitions(tz_key, lo, hi)
    starts = np.arange(lo, hi + 1, dtype=np.int64) * _STEP_NS
    step_offset = offsets[np.searchsorted(times, starts, side="right") - 1]
    change_at = np.full(len(starts), np.iinfo(np.int64).max, dtype=np.int64)
    after = step_offset.copy()
    where = times[1:] // _STEP_NS - lo
    inside = where < len(starts)  # a change exactly at the end of the range affects nothing in it
    change_at[where[inside]] = times[1:][inside]
    after[where[inside]] = offsets[1:][inside]
    return step_offset, change_at != np.iinfo(np.int64).max, change_at, after


class _Offsets:
    """UTC → local wall-clock conversion for instants in [lo_ns, hi_ns], by table lookup.

    Each instant's UTC offset is the offset at the start of its 6-hour step, fixed up for the
    few instants after a clock change inside their step: a few array operations instead of a
    per-value time-zone conversion. Tests check it against pandas' own conversion.
    """

    def __init__(self, tz: TzLike, lo_ns: int, hi_ns: int) -> None:
        self.lo = lo_ns // _STEP_NS
        self.step_offset, self.has_change, self.change_at, self.after = _offset_table(
            str(tz), self.lo, hi_ns // _STEP_NS
        )

    def local(self, utc: np.ndarray) -> np.ndarray:
        """Local int64 ns of a block of UTC int64 ns (no NaT; all inside the range)."""
        step = utc // _STEP_NS
        step -= self.lo
        local = np.take(self.step_offset, step)
        rows = np.flatnonzero(np.take(self.has_change, step))
        if len(rows):
            later = rows[utc[rows] >= self.change_at[step[rows]]]
            local[later] = self.after[step[later]]
        local += utc
        return local


def _span(*arrays: np.ndarray) -> tuple[int, int] | None:
    """(min, max) of the non-NaT values of the arrays, None when there are none."""
    found = [(int(np.where(a == _NAT, a.max(), a).min()), int(a.max())) for a in arrays if len(a) and a.max() != _NAT]
    if not found:
        return None
    return min(f[0] for f in found), max(f[1] for f in found)


def _blockwise(fn, utc: np.ndarray, fill: int) -> np.ndarray:
    """fn over blocks of utc with NaT replaced by `fill`; NaT restored in the result."""
    missing = utc == _NAT
    any_missing = bool(missing.any())
    source = np.where(missing, fill, utc) if any_missing else utc
    out = np.empty(len(utc), dtype=np.int64)
    for i in range(0, len(utc), _BLOCK):  # blocks of rows, not rows
        out[i:i + _BLOCK] = fn(source[i:i + _BLOCK])
    if any_missing:
        out[missing] = _NAT
    return out


def _local_ns(utc_ns: np.ndarray, tz: TzLike) -> np.ndarray:
    """UTC int64 nanoseconds → local wall-clock int64 nanoseconds (NaT stays NaT)."""
    utc_ns = np.asarray(utc_ns, dtype=np.int64)
    span = _span(utc_ns)
    if span is None:
        return utc_ns.copy()
    return _blockwise(_Offsets(tz, *span).local, utc_ns, span[0])


def _utc_ns(values: pd.Series) -> np.ndarray:
    """A datetime Series (tz-aware; naive counts as UTC) as int64 UTC nanoseconds."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.array.as_unit("ns").asi8
    return values.to_numpy(dtype="datetime64[ns]").view("i8")


def _as_ts(values: pd.Series | pd.Index) -> pd.Series:
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, utc=True, format="ISO8601")
    return s


def _is_24x7(calendar: CalendarLike) -> bool:
    if calendar is None or (isinstance(calendar, str) and calendar == TWENTY_FOUR_SEVEN):
        return True
    if isinstance(calendar, Calendar):
        return False
    raise TypeError(f"calendar must be a Calendar or '24x7', not {calendar!r}")


class _Clock:
    """A business calendar's clock for UTC instants in [lo_ns, hi_ns].

    Tables over the local days of the range: the working time before each day (working days
    from the first day, counted with numpy.busday_count and the calendar's weekmask and holidays,
    times the working-day length) and the time each day's window closes (its opening time on a
    day that does not work, so clipping to it gives 0).
    """

    def __init__(self, calendar: Calendar, tz: TzLike, lo_ns: int, hi_ns: int) -> None:
        self.offsets = _Offsets(tz, lo_ns, hi_ns)
        # Local days: UTC offsets are under a day, so one day either side covers them.
        self.first_day = lo_ns // NS_PER_DAY - 1
        days = np.datetime64(self.first_day, "D") + np.arange(hi_ns // NS_PER_DAY + 1 - self.first_day + 1)
        cal = busday_calendar(calendar, int(days[0].astype(object).year), int(days[-1].astype(object).year))
        self.open = calendar.start_minute * NS_PER_MINUTE
        length = calendar.end_minute * NS_PER_MINUTE - self.open
        if cal is None:  # no working weekday at all
            self.before = np.zeros(len(days), dtype=np.int64)
            self.close = np.full(len(days), self.open, dtype=np.int64)
        else:
            self.before = np.busday_count(days[0], days, busdaycal=cal).astype(np.int64) * length
            self.close = np.where(np.is_busday(days, busdaycal=cal), self.open + length, self.open)

    def _block(self, utc: np.ndarray) -> np.ndarray:
        pos = self.offsets.local(utc)
        pos -= self.first_day * NS_PER_DAY
        day = pos // NS_PER_DAY  # (np.divmod is ten times slower on int64)
        np.remainder(pos, NS_PER_DAY, out=pos)  # time of day
        np.maximum(pos, self.open, out=pos)
        buf = np.take(self.close, day)
        np.minimum(pos, buf, out=pos)
        pos -= self.open
        np.take(self.before, day, out=buf)
        pos += buf
        return pos

    def positions(self, utc: np.ndarray, fill: int) -> np.ndarray:
        return _blockwise(self._block, utc, fill)


def clock_positions(calendar: CalendarLike, tz: TzLike, *utc_ns: np.ndarray) -> list[np.ndarray]:
    """Clock positions (int64 ns) of int64 UTC-nanosecond arrays on one calendar.

    Positions of the arrays passed together are comparable: the working time between two
    instants is the difference of their positions (see hours_from_positions). On 24x7 the
    position is the instant itself. NaT (int64 minimum) stays NaT.
    """
    arrays = [np.asarray(a, dtype=np.int64) for a in utc_ns]
    if _is_24x7(calendar):
        return arrays
    assert isinstance(calendar, Calendar)
    span = _span(*arrays)
    if span is None:
        return [a.copy() for a in arrays]
    clock = _Clock(calendar, tz, *span)
    return [clock.positions(a, span[0]) for a in arrays]


def hours_from_positions(pos_start: np.ndarray, pos_end: np.ndarray, su: np.ndarray, eu: np.ndarray) -> np.ndarray:
    """Signed working hours from clock positions; `su`/`eu` (UTC ns) give the real-time order.

    Forward in real time never counts below 0 (the repeated autumn hour can run backwards on
    the wall clock), backward never above 0. A NaT position (clock_positions keeps the inputs'
    NaT) → NaN.
    """
    out = np.empty(len(pos_start), dtype=np.float64)
    for i in range(0, len(out), _BLOCK):  # blocks of rows, not rows
        block = slice(i, i + _BLOCK)
        ps, pe = pos_start[block], pos_end[block]
        diff = pe - ps
        backward = eu[block] < su[block]
        np.maximum(diff, 0, out=diff, where=~backward)
        np.minimum(diff, 0, out=diff, where=backward)
        hours = out[block]
        np.divide(diff, NS_PER_HOUR, out=hours)
        hours[(ps == _NAT) | (pe == _NAT)] = np.nan
    return out


def hours_between(su: np.ndarray, eu: np.ndarray, calendar: CalendarLike, tz: TzLike) -> np.ndarray:
    """business_hours on int64 UTC nanosecond arrays (NaT = int64 minimum) → float64 hours."""
    su = np.asarray(su, dtype=np.int64)
    eu = np.asarray(eu, dtype=np.int64)
    ps, pe = clock_positions(calendar, tz, su, eu)
    return hours_from_positions(ps, pe, su, eu)


def business_hours(start: pd.Series, end: pd.Series, calendar: CalendarLike, tz: TzLike) -> pd.Series:
    """Working hours of each [start, end) on `calendar` in timezone `tz`, as float hours.

    `start` and `end` are tz-aware datetime Series of equal length (aligned by position).
    `calendar` is a Calendar, or "24x7"/None for plain elapsed hours. NaT in either → NaN.
    end < start gives minus the working hours of [end, start). Returns a float64 Series with
    the index of `start`.
    """
    start = _as_ts(start)
    end = _as_ts(end)
    if len(start) != len(end):
        raise ValueError("start and end must have the same length")
    hours = hours_between(_utc_ns(start), _utc_ns(end), calendar, tz)
    return pd.Series(hours, index=start.index, dtype="float64", copy=False)


def pause_hours(
    window_start: pd.Series,
    window_end: pd.Series,
    owner: np.ndarray,
    pause_start: pd.Series,
    pause_end: pd.Series,
    calendar: CalendarLike,
    tz: TzLike,
) -> np.ndarray:
    """Clock hours of pause intervals inside each window, per window, as a float array.

    `window_start`/`window_end` (length n) are each incident's clock window, e.g.
    [opened_at, resolved_at]; `owner` (one per pause) is the position 0..n-1 of the window the
    pause belongs to (−1: none); `pause_start`/`pause_end` its interval. Each pause is clipped
    to its window (a pause with no end runs to the window end; a window with no end does not
    clip, and an open pause in an open window is not counted); overlapping pauses of one window
    are counted once; the clock is `calendar` (working time only, for a business calendar). A
    window with NaT start gets NaN; otherwise a window without pauses gets 0.
    """
    return pause_hours_between(
        _utc_ns(_as_ts(window_start)), _utc_ns(_as_ts(window_end)), owner,
        _utc_ns(_as_ts(pause_start)), _utc_ns(_as_ts(pause_end)), calendar, tz,
    )


def pause_hours_between(ws_all: np.ndarray, we_all: np.ndarray, owner: np.ndarray, ps: np.ndarray,
                        pe: np.ndarray, calendar: CalendarLike, tz: TzLike) -> np.ndarray:
    """pause_hours on int64 UTC nanosecond arrays (NaT = int64 minimum)."""
    n = len(ws_all)
    total = np.zeros(n, dtype=np.float64)
    total[ws_all == _NAT] = np.nan
    owner = np.asarray(owner, dtype=np.int64)
    keep = owner >= 0
    if not keep.any():
        return total
    owner, ps, pe = owner[keep], np.asarray(ps)[keep], np.asarray(pe)[keep]
    ws = ws_all[owner]
    we = we_all[owner]
    big = np.iinfo(np.int64).max
    lo = np.maximum(np.where(ps == _NAT, big, ps), ws)
    hi = np.minimum(np.where(pe == _NAT, big, pe), np.where(we == _NAT, big, we))
    valid = (ws != _NAT) & (hi > lo) & (hi != big)
    owner, lo, hi = union_pieces(owner[valid], lo[valid], hi[valid])
    if len(owner):
        total += np.bincount(owner, weights=hours_between(lo, hi, calendar, tz), minlength=n)
    return total


def union_pieces(owner: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Disjoint pieces covering the union of intervals [lo, hi) per owner (int64 arrays).

    Sort by (owner, lo); each interval contributes only what lies beyond the latest end seen so
    far for its owner (the standard sweep, vectorised with a grouped running maximum). The
    pieces are returned sorted by owner; their lengths sum to the length of the union.
    """
    if len(owner) == 0:
        return owner, lo, hi
    order = np.lexsort((lo, owner))
    owner, lo, hi = owner[order], lo[order], hi[order]
    run_max = pd.Series(hi).groupby(owner).cummax().to_numpy()
    prev_max = np.empty_like(run_max)
    prev_max[1:] = run_max[:-1]
    first = np.ones(len(owner), dtype=bool)
    first[1:] = owner[1:] != owner[:-1]
    lo = np.where(first, lo, np.maximum(lo, prev_max))
    useful = hi > lo
    return owner[useful], lo[useful], hi[useful]
