"""The dated exercise calendar: each exercise's frequency and first date, rolled forward into
a window (12 months from today unless told otherwise). Not to be confused with the SLA
business-hours calendars of ccreport/calendars.py.

Occurrences are counted from the first date, never from the previous occurrence, so a
month-end date comes back after a short month: 31 Jan, 28 Feb (29 in a leap year), 31 Mar.
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from typing import NamedTuple

from .model import Exercise, Strategy


class CalendarEntry(NamedTuple):
    date: dt.date
    exercise: Exercise


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months, clamped to the last day of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


def occurrences(exercise: Exercise, start: dt.date, end: dt.date) -> list[dt.date]:
    """The dates in [start, end) on which `exercise` falls (none without a first date)."""
    first = exercise.first_date
    if first is None or first >= end:
        return []
    freq = exercise.frequency
    if freq is None or freq.unit == "once":
        return [first] if first >= start else []
    if freq.unit == "weeks":
        step = dt.timedelta(weeks=freq.every)
        k = max(0, (start - first) // step)  # jump close to the window, then walk
        out = []
        while (day := first + k * step) < end:
            if day >= start:
                out.append(day)
            k += 1
        return out
    # months: jump to just before the window (one step early, as clamping can pull a date back)
    gap = (start.year - first.year) * 12 + start.month - first.month
    k = max(0, gap // freq.every - 1)
    out = []
    while (day := add_months(first, k * freq.every)) < end:
        if day >= start:
            out.append(day)
        k += 1
    return out


def exercise_calendar(strategy: Strategy, start: dt.date | None = None, months: int = 12) -> list[CalendarEntry]:
    """Every exercise date in [start, start + months), in date order (YAML order on ties).

    `start` defaults to today. An exercise without a first date is left out (strategy-check
    reports it); a first date before the window is rolled forward by its frequency.
    """
    start = start or dt.date.today()
    end = add_months(start, months)
    entries = [
        (day, i, exercise)
        for i, exercise in enumerate(strategy.exercises)
        for day in occurrences(exercise, start, end)
    ]
    entries.sort(key=lambda e: (e[0], e[1]))
    return [CalendarEntry(day, exercise) for day, _, exercise in entries]
