"""Reporting periods: `--month YYYY-MM|previous|current` and `--from DATE --to DATE`.

A Period is [start, end) with both ends at local midnight in the configured timezone, so a
month is a calendar month on the local clock whatever its length in real hours (October in
Europe/London has 745 hours). Bad option values raise UsageError with a one-line message.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

import pandas as pd

from .config import Config
from .errors import UsageError

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The years ccreport reads (ingest treats times outside them as missing, normalise.EARLIEST
#: and LATEST): a period outside them could hold no incident, and near the ends of what a
#: pandas timestamp holds (1677-2262) the trend and baseline windows would overflow.
FIRST_DAY = dt.date(1970, 1, 1)
END_DAY = dt.date(2100, 1, 1)


@dataclass(frozen=True)
class Period:
    """[start, end) in `timezone`; `month` is "YYYY-MM" for a calendar month, else None."""

    start: pd.Timestamp
    end: pd.Timestamp
    timezone: str
    label: str
    month: str | None = None

    @property
    def start_ns(self) -> int:
        """Start as nanoseconds since the epoch (UTC), for comparisons with frame columns."""
        return int(self.start.value)

    @property
    def end_ns(self) -> int:
        return int(self.end.value)

    @property
    def hours(self) -> float:
        """Elapsed real hours in the period (a month with a DST change has 743 or 745)."""
        return (self.end - self.start) / pd.Timedelta(hours=1)

    @property
    def days(self) -> int:
        """Local days in the period (a range's length, as `previous_period` counts it)."""
        return (self.end.date() - self.start.date()).days

    @property
    def first_day(self) -> dt.date:
        return self.start.date()

    @property
    def last_day(self) -> dt.date:
        """The last local day inside the period (end is exclusive)."""
        return (self.end - pd.Timedelta(nanoseconds=1)).date()

    def to_dict(self, full: bool = False) -> dict:
        """The SPEC §4 `period` object; `full` adds label and month (docs/metrics.md)."""
        d: dict = {"start": self.start.isoformat(), "end": self.end.isoformat(), "timezone": self.timezone}
        if full:
            d["label"] = self.label
            d["month"] = self.month
        return d


def _midnight(day: dt.date, tz: str) -> pd.Timestamp:
    # Midnight exists in every IANA zone ccreport is likely to meet; where it does not (a few
    # zones once changed clocks at 00:00), shift forward like any other naive timestamp.
    return pd.Timestamp(day).tz_localize(tz, nonexistent="shift_forward", ambiguous=True)


def _month_start(year: int, month: int) -> dt.date:
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def month_period(year: int, month: int, tz: str) -> Period:
    """The calendar month year-month in timezone tz."""
    first = _month_start(year, month)
    nxt = _month_start(year, month + 1)
    return Period(
        start=_midnight(first, tz),
        end=_midnight(nxt, tz),
        timezone=tz,
        label=f"{first:%B %Y}",
        month=f"{first:%Y-%m}",
    )


def _range_label(first: dt.date, last: dt.date) -> str:
    """"1 July – 30 September 2026": the first day's year (and month) only where they differ
    from the last day's, as a reader writes a date range; one day is just that day."""
    end = f"{last.day} {last:%B %Y}"
    if first == last:
        return end
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{end}"
    start = f"{first.day} {first:%B}" if first.year == last.year else f"{first.day} {first:%B %Y}"
    return f"{start} – {end}"


def range_period(first: dt.date, end: dt.date, tz: str) -> Period:
    """Days [first, end) (end exclusive) in timezone tz; month is None."""
    return Period(
        start=_midnight(first, tz),
        end=_midnight(end, tz),
        timezone=tz,
        label=_range_label(first, end - dt.timedelta(days=1)),
        month=None,
    )


def _parse_date(option: str, value: str | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if _DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    raise UsageError(f"{option} {value}: not a date; use YYYY-MM-DD, e.g. 2026-10-01.")


def resolve_period(
    config: Config,
    month: str | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    today: dt.date | None = None,
) -> Period:
    """The period the user asked for, in the configured timezone.

    `month` is "YYYY-MM", "previous" or "current" (default "previous" when no range is given);
    `start`/`end` are the `--from`/`--to` dates, end exclusive, and need each other. `today`
    defaults to today's date in the configured timezone (so "previous" just after midnight on
    the 1st in London is already last month, whatever the machine's clock zone).
    """
    tz = config.timezone
    if (start is None) != (end is None):
        raise UsageError("--from and --to go together: give both dates (--to is exclusive).")
    if start is not None and end is not None:
        if month is not None:
            raise UsageError("use either --month or --from/--to, not both.")
        first = _parse_date("--from", start)
        stop = _parse_date("--to", end)
        if stop <= first:
            raise UsageError(f"--to {stop} must be after --from {first} (--to is exclusive).")
        if first < FIRST_DAY or stop > END_DAY:
            raise UsageError(f"--from {first} --to {stop}: the period must lie within 1970-01-01 to "
                             f"2100-01-01 (--to exclusive), the years ccreport reads.")
        return range_period(first, stop, tz)

    if today is None:
        today = dt.datetime.now(zoneinfo.ZoneInfo(tz)).date()
    choice = "previous" if month is None else str(month).strip()
    if choice.lower() == "previous":
        return month_period(today.year, today.month - 1, tz)
    if choice.lower() == "current":
        return month_period(today.year, today.month, tz)
    m = _MONTH.match(choice)
    if not m:
        raise UsageError(f"--month {month}: use YYYY-MM (e.g. 2026-10), previous or current.")
    if not FIRST_DAY.year <= int(m.group(1)) < END_DAY.year:
        raise UsageError(f"--month {month}: the month must lie within 1970-01 to 2099-12, the years ccreport reads.")
    return month_period(int(m.group(1)), int(m.group(2)), tz)


def previous_period(p: Period) -> Period:
    """The period before p: the previous month, or the span of equal length just before a range.

    A custom range's length is counted in local days, so the previous span of a 7-day range is
    the 7 local days before it even across a DST change.
    """
    if p.month is not None:
        year, month = int(p.month[:4]), int(p.month[5:])
        return month_period(year, month - 1, p.timezone)
    first = p.start.date() - dt.timedelta(days=p.days)
    return range_period(first, p.start.date(), p.timezone)


def month_starts(last_month: str, count: int, tz: str) -> list[pd.Timestamp]:
    """count + 1 local month boundaries: the starts of `count` months ending with last_month,
    then the start of the month after it (so consecutive pairs are the months)."""
    year, month = int(last_month[:4]), int(last_month[5:])
    return [
        _midnight(_month_start(year, month - count + 1 + i), tz) for i in range(count + 1)
    ]
