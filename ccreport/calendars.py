"""Business-hours arithmetic, vectorised: how much of [start, end) falls in working time.

A business calendar (config `calendars`) works `hours` (e.g. 08:00-18:00) on `days`, except on
holidays (the `holidays` package for a country/subdivision, plus explicit dates). Working time
is measured on the local wall clock of the configured timezone, so a working day is always its
nominal length: on the day the clocks change, 08:00-18:00 is still 10 hours. "24x7" is plain
elapsed time.

The vectorised method: count the working days in [first day, last day] with
`numpy.busday_count`, multiply by the working-day length, then take off the part of the first
day before `start` and the part of the last day after `end` (each clipped to the working
window). No per-row Python; tests check it against a day-by-day reference.

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


def _local_ns(values: pd.Series, tz: TzLike) -> np.ndarray:
    """Local wall-clock time as int64 nanoseconds (NaT stays NaT's int64 minimum)."""
    local = values.dt.tz_convert(tz).dt.tz_localize(None)
    return local.to_numpy(dtype="datetime64[ns]").view("i8")


def _utc_ns(values: pd.Series) -> np.ndarray:
    return values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view("i8")


def _as_ts(values: pd.Series | pd.Index) -> pd.Series:
    s = pd.Series(values) if not isinstance(values, pd.Series) else values
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        s = pd.to_datetime(s, utc=True)
    return s


def _working_ns(a: np.ndarray, b: np.ndarray, calendar: Calendar) -> np.ndarray:
    """Working nanoseconds in [a, b) for local wall-clock int64 ns with a <= b (no NaT)."""
    out = np.zeros(len(a), dtype=np.int64)
    if len(a) == 0:
        return out
    day_a = a.astype("datetime64[ns]").astype("datetime64[D]")
    day_b = b.astype("datetime64[ns]").astype("datetime64[D]")
    first_year = int(day_a.min().astype(object).year)
    last_year = int(day_b.max().astype(object).year)
    cal = busday_calendar(calendar, first_year, last_year)
    if cal is None:
        return out
    s_ns = calendar.start_minute * NS_PER_MINUTE
    e_ns = calendar.end_minute * NS_PER_MINUTE
    # Working days in [day_a, day_b], then the pieces of the first and last day outside [a, b).
    days = np.busday_count(day_a, day_b + np.timedelta64(1, "D"), busdaycal=cal).astype(np.int64)
    tod_a = a - day_a.astype("datetime64[ns]").view("i8")
    tod_b = b - day_b.astype("datetime64[ns]").view("i8")
    before = np.where(np.is_busday(day_a, busdaycal=cal), np.clip(tod_a, s_ns, e_ns) - s_ns, 0)
    after = np.where(np.is_busday(day_b, busdaycal=cal), e_ns - np.clip(tod_b, s_ns, e_ns), 0)
    # A wall-clock stretch that runs backwards (the repeated autumn hour) measures 0, not < 0.
    return np.maximum(days * (e_ns - s_ns) - before - after, 0)


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
    su = _utc_ns(start)
    eu = _utc_ns(end)
    missing = np.isnat(su.view("datetime64[ns]")) | np.isnat(eu.view("datetime64[ns]"))
    if calendar is None or (isinstance(calendar, str) and calendar == TWENTY_FOUR_SEVEN):
        hours = (eu - su) / NS_PER_HOUR
    elif isinstance(calendar, Calendar):
        sl = _local_ns(start, tz)
        el = _local_ns(end, tz)
        ok = ~missing
        forward = eu >= su
        lo = np.where(forward, sl, el)[ok]
        hi = np.where(forward, el, sl)[ok]
        ns = np.zeros(len(su), dtype=np.int64)
        ns[ok] = _working_ns(lo, hi, calendar)
        hours = np.where(forward, ns, -ns) / NS_PER_HOUR
    else:
        raise TypeError(f"calendar must be a Calendar or '24x7', not {calendar!r}")
    hours = np.where(missing, np.nan, hours).astype(np.float64)
    return pd.Series(hours, index=start.index, dtype="float64")


def clock_hours(start: pd.Series, end: pd.Series, calendar: CalendarLike, tz: TzLike) -> pd.Series:
    """Alias of business_hours that reads better for 24x7 clocks."""
    return business_hours(start, end, calendar, tz)


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
    pause belongs to; `pause_start`/`pause_end` its interval (UTC). Each pause is clipped to its
    window (a pause with no end runs to the window end; a window with no end does not clip);
    overlapping pauses of one window are counted once; the clock is `calendar` (working time
    only for a business calendar). A window with NaT start gets NaN; otherwise windows without
    pauses get 0.
    """
    n = len(window_start)
    total = np.zeros(n, dtype=np.float64)
    ws_all = _utc_ns(_as_ts(window_start))
    total[np.isnat(ws_all.view("datetime64[ns]"))] = np.nan
    owner = np.asarray(owner, dtype=np.int64)
    keep = owner >= 0
    if not keep.any():
        return total
    owner = owner[keep]
    ps = _utc_ns(_as_ts(pause_start))[keep]
    pe = _utc_ns(_as_ts(pause_end))[keep]
    ws = ws_all[owner]
    we = _utc_ns(_as_ts(window_end))[owner]
    nat = np.iinfo(np.int64).min
    big = np.iinfo(np.int64).max
    we_open = np.where(we == nat, big, we)
    pe_open = np.where(pe == nat, big, pe)
    lo = np.maximum(np.where(ps == nat, big, ps), ws)
    hi = np.minimum(pe_open, we_open)
    valid = (ws != nat) & (hi > lo) & (hi != big)
    if not valid.any():
        return total
    owner, lo, hi = union_pieces(owner[valid], lo[valid], hi[valid])
    if len(owner):
        hours = business_hours(
            pd.Series(pd.to_datetime(lo, utc=True)), pd.Series(pd.to_datetime(hi, utc=True)), calendar, tz
        ).to_numpy()
        total += np.bincount(owner, weights=hours, minlength=n)
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
