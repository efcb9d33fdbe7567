"""Reporting periods: --month, --from/--to, the previous period, and one-line usage errors."""

from __future__ import annotations

import datetime as dt

import pytest

from ccreport.config import Config
from ccreport.errors import UsageError
from ccreport.period import month_period, month_starts, previous_period, range_period, resolve_period

LONDON = Config(timezone="Europe/London")


def test_month_in_the_configured_timezone():
    p = resolve_period(LONDON, month="2026-10")
    assert p.start.isoformat() == "2026-10-01T00:00:00+01:00"
    assert p.end.isoformat() == "2026-11-01T00:00:00+00:00"
    assert (p.label, p.month, p.timezone) == ("October 2026", "2026-10", "Europe/London")
    assert p.hours == 745.0  # the clocks go back once in October
    assert p.last_day == dt.date(2026, 10, 31)
    assert p.to_dict() == {"start": "2026-10-01T00:00:00+01:00", "end": "2026-11-01T00:00:00+00:00",
                           "timezone": "Europe/London"}
    assert p.to_dict(full=True)["label"] == "October 2026"


def test_previous_is_the_default_and_wraps_the_year():
    assert resolve_period(LONDON, today=dt.date(2026, 11, 1)).month == "2026-10"
    assert resolve_period(LONDON, month="previous", today=dt.date(2027, 1, 15)).month == "2026-12"
    assert resolve_period(LONDON, month="PREVIOUS", today=dt.date(2027, 1, 15)).month == "2026-12"
    assert resolve_period(LONDON, month="current", today=dt.date(2027, 1, 15)).month == "2027-01"


def test_custom_range_is_end_exclusive():
    p = resolve_period(LONDON, start="2026-10-01", end="2026-10-15")
    assert p.start.isoformat() == "2026-10-01T00:00:00+01:00"
    assert p.end.isoformat() == "2026-10-15T00:00:00+01:00"
    assert p.month is None
    assert p.label == "1–14 October 2026" and p.days == 14
    assert resolve_period(LONDON, start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 2)).label == "1 October 2026"


def test_range_labels_name_each_year_and_month_once():
    def label(a, b):
        return range_period(dt.date.fromisoformat(a), dt.date.fromisoformat(b), "Europe/London").label

    assert label("2026-07-01", "2026-10-01") == "1 July – 30 September 2026"
    assert label("2026-12-01", "2027-02-01") == "1 December 2026 – 31 January 2027"
    assert label("2026-10-05", "2026-10-06") == "5 October 2026"


def test_previous_period():
    assert previous_period(month_period(2026, 1, "UTC")).month == "2025-12"
    p = previous_period(range_period(dt.date(2026, 10, 20), dt.date(2026, 10, 27), "Europe/London"))
    # Seven local days before, whatever the clock change in between.
    assert (p.start.date(), p.end.date(), p.month) == (dt.date(2026, 10, 13), dt.date(2026, 10, 20), None)
    assert p.start.isoformat() == "2026-10-13T00:00:00+01:00"
    # A quarter's previous period is the 92 days before it, not the previous quarter.
    q = previous_period(range_period(dt.date(2026, 7, 1), dt.date(2026, 10, 1), "Europe/London"))
    assert (q.first_day, q.last_day, q.days, q.label) == (dt.date(2026, 3, 31), dt.date(2026, 6, 30), 92,
                                                          "31 March – 30 June 2026")


def test_month_starts():
    edges = month_starts("2026-10", 12, "Europe/London")
    assert len(edges) == 13
    assert edges[0].isoformat() == "2025-11-01T00:00:00+00:00"
    assert edges[-1].isoformat() == "2026-11-01T00:00:00+00:00"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"month": "2026-13"}, "--month 2026-13"),
        ({"month": "Oct"}, "use YYYY-MM"),
        ({"start": "2026-10-01"}, "go together"),
        ({"end": "2026-10-01"}, "go together"),
        ({"start": "2026-10-05", "end": "2026-10-05"}, "must be after"),
        ({"start": "2026-02-30", "end": "2026-03-05"}, "--from 2026-02-30"),
        ({"start": "01/10/2026", "end": "2026-10-05"}, "YYYY-MM-DD"),
        ({"month": "2026-10", "start": "2026-10-01", "end": "2026-10-05"}, "not both"),
    ],
)
def test_bad_values_are_one_line_usage_errors(kwargs, message):
    with pytest.raises(UsageError, match=message) as info:
        resolve_period(LONDON, today=dt.date(2026, 11, 1), **kwargs)
    assert "\n" not in str(info.value)
    assert info.value.exit_code == 2
