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
first day is clipped at start, the last day at end, and the days between count whole. No
per-row Python; tests check it against a day-by-day reference.

Durations are signed like elapsed time: when end < start the result is minus the working time
of [end, start). A stretch that runs backwards on the wall clock although forwards in real time
(inside the repeated hour of an autumn clock change) counts 0.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from typing import Union

import numpy as np
import pandas as pd

from .config import Calendar
from .errors import ConfigError

TWENTY_FOUR_SEVEN = "24x7"
NS_PER_HOUR = 3_600_000_000_000
NS_PER_MINUTE = 60_000_000_000
NS_PER_DAY = 86_400_000_000_000
_NAT = np.iinfo(np.int64).min

CalendarLike = Union[Calendar, str, None]
TzLike = Union[str, zoneinfo.ZoneInfo, dt.tzinfo]


@functools.lru_cache(maxsize=64)
def _holiday_days(country: str | None, subdivision: str | None, dates: tuple[dt.date, ...],
                  first_year: int, last_year: int) -> np.ndarray:
    days: set[dt.date] = set(dates)
    if country:
        import holidays

        try:
            found = holidays.country_holidays(
                country, subdiv=subdivision, years=range(first_year, last_year + 1)
            )
        except NotImplementedError:
            raise ConfigError(
                f"calendars: holidays country {country!r} is not known to the holidays package "
                "(use an ISO code such as GB)."
            ) from None
        except Exception as err:  # the package raises plain exceptions for bad subdivisions
            raise ConfigError(
                f"calendars: holidays {country!r}/{subdivision!r}: {err}".splitlines()[0]
            ) from None
        days.update(found.keys())
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


_STEP_NS = 6 * 3_600_000_000_000  # grid for finding clock changes: no zone changes twice in 6 h


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


def _local_ns(utc_ns: np.ndarray, tz: TzLike) -> np.ndarray:
    """UTC int64 nanoseconds → local wall-clock int64 nanoseconds (NaT stays NaT).

    Looks each instant's UTC offset up among the zone's clock changes in the data's range
    (numpy searchsorted), which is several times faster than a per-value tz conversion; tests
    check it against pandas' own conversion.
    """
    utc_ns = np.asarray(utc_ns, dtype=np.int64)
    missing = utc_ns == _NAT
    if missing.all():
        return utc_ns.copy()
    big = np.iinfo(np.int64).max
    lo = int(np.where(missing, big, utc_ns).min()) // _STEP_NS
    hi = int(utc_ns.max()) // _STEP_NS
    step_offset, change_at, after = _offset_table(str(tz), lo, hi)
    if change_at is None:  # one offset throughout (UTC, or no clock change in the range)
        return np.where(missing, _NAT, utc_ns + step_offset[0])
    any_missing = bool(missing.any())
    step = (np.where(missing, lo * _STEP_NS, utc_ns) if any_missing else utc_ns) // _STEP_NS - lo
    local = utc_ns + np.where(utc_ns >= change_at[step], after[step], step_offset[step])
    if any_missing:
        local[missing] = _NAT
    return local


@functools.lru_cache(maxsize=32)
def _offset_table(tz_key: str, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """Per 6-hour step from lo to hi: the offset at the step's start, the instant of a clock
    change inside the step (int64 max when none) and the offset after it."""
    times, offsets = _transitions(tz_key, lo, hi)
    starts = np.arange(lo, hi + 1, dtype=np.int64) * _STEP_NS
    step_offset = offsets[np.searchsorted(times, starts, side="right") - 1]
    if len(times) == 1:
        return step_offset, None, step_offset
    change_at = np.full(len(starts), np.iinfo(np.int64).max, dtype=np.int64)
    after = step_offset.copy()
    inner = times[1:]
    where = inner // _STEP_NS - lo
    change_at[where] = inner
    after[where] = offsets[1:]
    return step_offset, change_at, after


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
    local = [_local_ns(a, tz) for a in arrays]
    big = np.iinfo(np.int64).max
    known = [(int(np.where(a == _NAT, big, a).min()), int(a.max())) for a in local if (a != _NAT).any()]
    if not known:
        return [np.full(len(a), _NAT, dtype=np.int64) for a in arrays]
    lo = min(k[0] for k in known) // NS_PER_DAY
    hi = max(k[1] for k in known) // NS_PER_DAY
    d0 = np.datetime64(lo, "D")
    table_days = d0 + np.arange(hi - lo + 1)
    first_year = int(table_days[0].astype(object).year)
    last_year = int(table_days[-1].astype(object).year)
    cal = busday_calendar(calendar, first_year, last_year)
    if cal is None:  # no working weekday at all: every position is 0
        return [np.where(a == _NAT, _NAT, 0) for a in arrays]
    s_ns = calendar.start_minute * NS_PER_MINUTE
    e_ns = calendar.end_minute * NS_PER_MINUTE
    # Per day of the table: working time before the day (working days from d0 × day length),
    # and where the day's window closes (at its opening time when the day does not work, so
    # clipping to it gives 0).
    base = np.busday_count(d0, table_days, busdaycal=cal).astype(np.int64) * (e_ns - s_ns)
    close = np.where(np.is_busday(table_days, busdaycal=cal), e_ns, s_ns)
    out = []
    for a in local:  # the few arrays passed in, not rows
        missing = a == _NAT
        any_missing = bool(missing.any())
        since = (np.where(missing, lo * NS_PER_DAY, a) if any_missing else a) - lo * NS_PER_DAY
        day = since // NS_PER_DAY  # (np.divmod is ten times slower on int64)
        tod = since - day * NS_PER_DAY
        pos = base[day] + np.minimum(np.maximum(tod, s_ns), close[day]) - s_ns
        if any_missing:
            pos[missing] = _NAT
        out.append(pos)
    return out


def hours_from_positions(pos_start: np.ndarray, pos_end: np.ndarray, su: np.ndarray, eu: np.ndarray) -> np.ndarray:
    """Signed working hours from clock positions; `su`/`eu` (UTC ns) give the real-time order.

    Forward in real time never counts below 0 (the repeated autumn hour can run backwards on
    the wall clock), backward never above 0. NaT in any input → NaN.
    """
    missing = (pos_start == _NAT) | (pos_end == _NAT) | (su == _NAT) | (eu == _NAT)
    diff = pos_end - pos_start
    diff = np.where(eu >= su, np.maximum(diff, 0), np.minimum(diff, 0))
    hours = diff / NS_PER_HOUR
    hours[missing] = np.nan
    return hours


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
    return pd.Series(hours, index=start.index, dtype="float64")


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
