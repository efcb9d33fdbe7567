"""Business-hours arithmetic: worked examples, and the vectorised engine against a slow,
obviously-correct reference that steps through local days one at a time."""

from __future__ import annotations

import datetime as dt
import re
import functools
import zoneinfo

import holidays as holidays_pkg
import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccreport import calendars
from ccreport.config import Calendar, Holidays, load_config
from ccreport.errors import ConfigError

UTC = dt.timezone.utc
LONDON = "Europe/London"
OFFICE = Calendar(holidays=Holidays(country="GB", subdivision="ENG"))  # Mon-Fri 08:00-18:00
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


# ---- the reference: plain Python, one local day at a time ---------------------------------

@functools.lru_cache(maxsize=None)
def ref_holidays(cal: Calendar, first_year: int, last_year: int) -> frozenset[dt.date]:
    days = set(cal.holidays.dates)
    if cal.holidays.country:
        days |= set(holidays_pkg.country_holidays(
            cal.holidays.country, subdiv=cal.holidays.subdivision, years=range(first_year, last_year + 1)))
    return frozenset(days)


def ref_business_hours(start: dt.datetime | None, end: dt.datetime | None, cal: Calendar | None,
                       tz: str) -> float | None:
    """Working hours of [start, end) on cal (None = 24x7), signed, on the local wall clock."""
    if start is None or end is None:
        return None
    if cal is None:
        return (end - start).total_seconds() / 3600
    sign = 1.0
    if end < start:
        start, end, sign = end, start, -1.0
    zone = zoneinfo.ZoneInfo(tz)
    a = start.astimezone(zone).replace(tzinfo=None)
    b = end.astimezone(zone).replace(tzinfo=None)
    off = ref_holidays(cal, a.year, b.year)
    total = dt.timedelta(0)
    day = a.date()
    while day <= b.date():
        if WEEKDAYS[day.weekday()] in cal.days and day not in off:
            midnight = dt.datetime.combine(day, dt.time())
            w0 = midnight + dt.timedelta(minutes=cal.start_minute)
            w1 = midnight + dt.timedelta(minutes=cal.end_minute)
            lo, hi = max(a, w0), min(b, w1)
            if hi > lo:
                total += hi - lo
        day += dt.timedelta(days=1)
    return sign * total.total_seconds() / 3600


def ref_pause_hours(window: tuple[dt.datetime | None, dt.datetime | None],
                    pauses: list[tuple[dt.datetime | None, dt.datetime | None]],
                    cal: Calendar | None, tz: str) -> float | None:
    """Union of the pauses clipped to the window, measured on the calendar."""
    ws, we = window
    if ws is None:
        return None
    clipped = []
    for ps, pe in pauses:
        if ps is None:
            continue
        lo = max(ps, ws)
        hi = pe if pe is not None else we
        if hi is None:
            continue  # an open pause in an open window has no length yet
        if we is not None:
            hi = min(hi, we)
        if hi > lo:
            clipped.append((lo, hi))
    clipped.sort()
    merged: list[list[dt.datetime]] = []
    for lo, hi in clipped:
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return sum(ref_business_hours(lo, hi, cal, tz) or 0.0 for lo, hi in merged)


# ---- helpers ------------------------------------------------------------------------------

def ts(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), utc=True, format="ISO8601"), dtype="datetime64[ns, UTC]")


def bh(starts: list[str | None], ends: list[str | None], cal=OFFICE, tz=LONDON) -> list[float]:
    return calendars.business_hours(ts(*starts), ts(*ends), cal, tz).tolist()


# ---- worked examples ----------------------------------------------------------------------

def test_weekend_and_spring_clock_change():
    # Fri 27 Mar 2026 16:00 GMT → Mon 30 Mar 09:00 UTC (10:00 BST): Fri 2 h + Mon 2 h.
    assert bh(["2026-03-27T16:00:00Z"], ["2026-03-30T09:00:00Z"]) == [4.0]


def test_autumn_clock_change_keeps_a_ten_hour_day():
    # Fri 23 Oct 07:00 UTC (08:00 BST) → Mon 26 Oct 10:00 UTC (10:00 GMT): Fri 10 h + Mon 2 h.
    assert bh(["2026-10-23T07:00:00Z"], ["2026-10-26T10:00:00Z"]) == [12.0]


def test_christmas_bank_holidays_and_substitute_day():
    # Thu 24 Dec 17:00 → Tue 29 Dec 08:00: 1 h; 25 Dec, the weekend and Mon 28 Dec
    # (Boxing Day substitute) are not worked.
    assert bh(["2026-12-24T17:00:00Z"], ["2026-12-29T08:00:00Z"]) == [1.0]


def test_scottish_holidays_differ():
    scotland = Calendar(holidays=Holidays(country="GB", subdivision="SCT"))
    # Mon 2 Jan 2023 is a bank holiday in both (New Year substitute); Tue 3 Jan only in Scotland.
    assert bh(["2023-01-03T08:00:00Z"], ["2023-01-03T18:00:00Z"]) == [10.0]
    assert bh(["2023-01-03T08:00:00Z"], ["2023-01-03T18:00:00Z"], cal=scotland) == [0.0]


def test_explicit_holiday_dates():
    cal = Calendar(holidays=Holidays(dates=(dt.date(2026, 12, 29),)))
    assert bh(["2026-12-29T09:00:00Z"], ["2026-12-30T09:00:00Z"], cal=cal) == [1.0]


def test_same_day_outside_hours_zero_length_negative_and_missing():
    got = bh(
        ["2026-10-07T06:00:00Z", "2026-10-07T19:00:00Z", "2026-10-07T10:00:00Z", "2026-10-07T12:00:00Z", None],
        ["2026-10-07T06:30:00Z", "2026-10-08T06:00:00Z", "2026-10-07T10:00:00Z", "2026-10-07T10:00:00Z", "2026-10-07T12:00:00Z"],
    )
    # 07:00-07:30 BST: before opening; 20:00 → 07:00 BST next day: none; zero; 13:00 → 11:00 BST: -2 h.
    assert got[:4] == [0.0, 0.0, 0.0, -2.0]
    assert np.isnan(got[4])


def test_24x7_is_elapsed_time_and_wall_clock_day_is_nominal():
    # 24x7 counts real hours: the night the clocks go back has 25 of them.
    assert bh(["2026-10-24T23:00:00Z"], ["2026-10-25T23:00:00Z"], cal="24x7") == [24.0]
    assert bh(["2026-10-25T00:00:00+01:00"], ["2026-10-26T00:00:00+00:00"], cal=None) == [25.0]
    # A calendar working 00:00-24:00 every day counts the wall clock: that day is 24 h.
    allday = Calendar(days=WEEKDAYS, hours="00:00-24:00")
    assert bh(["2026-10-25T00:00:00+01:00"], ["2026-10-26T00:00:00+00:00"], cal=allday) == [24.0]
    assert bh(["2026-03-29T00:00:00+00:00"], ["2026-03-30T00:00:00+01:00"], cal=allday) == [24.0]


def test_repeated_autumn_hour_never_counts_backwards():
    allday = Calendar(days=WEEKDAYS, hours="00:00-24:00")
    # 00:45 UTC is 01:45 BST; 01:15 UTC is 01:15 GMT: forwards in real time, backwards on the wall.
    assert bh(["2026-10-25T00:45:00Z"], ["2026-10-25T01:15:00Z"], cal=allday) == [0.0]


def test_calendar_without_working_days_counts_nothing():
    """The kernel's edge; the config refuses such a calendar when it loads (issue 13:
    tests/data/bad/calendar_no_days.yaml), so it is built without validation here."""
    never = Calendar.model_construct(days=())
    assert bh(["2026-10-05T08:00:00Z"], ["2026-10-20T08:00:00Z"], cal=never) == [0.0]


@pytest.mark.parametrize("holidays,says", [({"country": "XX"}, "'XX' is not known"),
                                            ({"country": "GB", "subdivision": "ZZ"}, "'GB'/'ZZ'")])
def test_unknown_holiday_country_is_a_config_error_when_the_config_loads(tmp_path, holidays, says):
    """Caught when ccreport.yaml is read (exit 1, SPEC §7), before any export is."""
    cfg = tmp_path / "ccreport.yaml"
    cfg.write_text(yaml.safe_dump({"calendars": {"office": {"holidays": holidays}}}))
    with pytest.raises(ConfigError, match=r"line \d+: calendars\.office\.holidays: .*" + re.escape(says)):
        load_config(cfg)


def test_index_is_kept():
    s = ts("2026-10-05T08:00:00Z")
    s.index = [42]
    out = calendars.business_hours(s, ts("2026-10-05T10:00:00Z"), OFFICE, LONDON)
    assert out.index.tolist() == [42]


def test_pause_hours_union_clip_and_open_ends():
    windows_start = ts("2026-10-07T08:00:00Z", "2026-10-07T08:00:00Z", "2026-10-07T08:00:00Z", None)
    windows_end = ts("2026-10-09T14:00:00Z", "2026-10-07T20:00:00Z", None, "2026-10-07T20:00:00Z")
    owner = np.array([0, 0, 1, 2, 3])
    p_start = ts("2026-10-07T12:00:00Z", "2026-10-08T06:00:00Z", "2026-10-07T17:00:00Z",
                 "2026-10-07T09:00:00Z", "2026-10-07T09:00:00Z")
    p_end = ts("2026-10-08T12:00:00Z", "2026-10-08T10:00:00Z", None, "2026-10-07T10:00:00Z", "2026-10-07T10:00:00Z")
    got = calendars.pause_hours(windows_start, windows_end, owner, p_start, p_end, OFFICE, LONDON)
    # Window 0: the two pauses overlap; their union Wed 13:00 BST → Thu 13:00 BST is 5 h + 5 h.
    # Window 1: an open pause from 18:00 BST runs to the window end (21:00 BST): no working time.
    # Window 2: open window, closed pause 10:00-11:00 BST: 1 h. Window 3: no start: NaN.
    assert got[:3].tolist() == [10.0, 0.0, 1.0]
    assert np.isnan(got[3])


def test_union_pieces():
    owner = np.array([1, 0, 1, 1, 0])
    lo = np.array([10, 0, 12, 30, 5])
    hi = np.array([20, 4, 15, 40, 6])
    o, a, b = calendars.union_pieces(owner, lo, hi)
    lengths = np.bincount(o, weights=b - a)
    assert lengths.tolist() == [5.0, 20.0]


@pytest.mark.parametrize("tz", ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                                "America/Sao_Paulo", "Pacific/Apia", "UTC"])
def test_local_time_conversion_matches_pandas(tz):
    rng = np.random.default_rng(3)
    utc = rng.integers(-1_000_000_000, 3_000_000_000, 50_000).astype(np.int64) * 10**9
    utc[::101] = np.iinfo(np.int64).min
    expected = pd.DatetimeIndex(utc.view("datetime64[ns]")).tz_localize("UTC").tz_convert(tz).tz_localize(None).asi8
    assert np.array_equal(calendars._local_ns(utc, tz), expected)


# ---- the engine against the reference on random data ---------------------------------------

ANCHORS = [
    dt.datetime(2026, 3, 29, 1, tzinfo=UTC),  # spring forward (London)
    dt.datetime(2026, 10, 25, 1, tzinfo=UTC),  # fall back (London)
    dt.datetime(2026, 11, 1, 6, tzinfo=UTC),  # fall back (New York)
    dt.datetime(2025, 12, 25, 12, tzinfo=UTC),  # Christmas, Boxing Day, New Year
    dt.datetime(2026, 4, 3, 12, tzinfo=UTC),  # Good Friday, Easter Monday
    dt.datetime(2026, 5, 4, 12, tzinfo=UTC),  # early May bank holiday
    dt.datetime(2026, 8, 31, 12, tzinfo=UTC),  # summer bank holiday (England only)
    dt.datetime(2026, 10, 10, 12, tzinfo=UTC),  # an ordinary weekend
]
ZONES = ["Europe/London", "America/New_York", "UTC", "Australia/Lord_Howe"]


@st.composite
def intervals(draw) -> tuple[dt.datetime | None, dt.datetime | None]:
    anchor = draw(st.sampled_from(ANCHORS))
    start = anchor + dt.timedelta(seconds=draw(st.integers(-6 * 86_400, 6 * 86_400)))
    seconds = draw(st.one_of(st.just(0), st.integers(-3_600, 3_600), st.integers(-3 * 86_400, 25 * 86_400)))
    end = start + dt.timedelta(seconds=seconds)
    missing = draw(st.integers(0, 20))
    return (None if missing == 0 else start), (None if missing == 1 else end)


@st.composite
def business_calendars(draw) -> Calendar:
    days = draw(st.lists(st.sampled_from(WEEKDAYS), unique=True, min_size=1, max_size=7))
    start = draw(st.integers(0, 47)) * 30
    end = draw(st.integers(start // 30 + 1, 48)) * 30
    country = draw(st.sampled_from([None, "GB"]))
    subdivision = draw(st.sampled_from(["ENG", "SCT", None])) if country else None
    dates = tuple(draw(st.lists(st.sampled_from(
        [dt.date(2026, 10, 26), dt.date(2026, 3, 30), dt.date(2025, 12, 29), dt.date(2026, 5, 6)]),
        unique=True, max_size=2)))
    hours = f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"
    return Calendar(days=tuple(days), hours=hours,
                    holidays=Holidays(country=country, subdivision=subdivision, dates=dates))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(intervals(), min_size=1, max_size=25), st.one_of(st.none(), business_calendars()),
       st.sampled_from(ZONES))
def test_business_hours_match_the_reference(pairs, cal, tz):
    starts = ts(*[None if s is None else s.isoformat() for s, _ in pairs])
    ends = ts(*[None if e is None else e.isoformat() for _, e in pairs])
    got = calendars.business_hours(starts, ends, cal, tz).tolist()
    for (s, e), value in zip(pairs, got):
        expected = ref_business_hours(s, e, cal, tz)
        if expected is None:
            assert np.isnan(value)
        else:
            assert value == pytest.approx(expected, abs=1e-9), (s, e, cal, tz)


@st.composite
def pause_cases(draw):
    n = draw(st.integers(1, 6))
    windows = [draw(intervals()) for _ in range(n)]
    pauses = []
    for i, (ws, we) in enumerate(windows):
        base = ws or ANCHORS[0]
        for _ in range(draw(st.integers(0, 3))):
            start = base + dt.timedelta(seconds=draw(st.integers(-86_400, 4 * 86_400)))
            length = draw(st.integers(0, 3 * 86_400))
            end = None if draw(st.integers(0, 8)) == 0 else start + dt.timedelta(seconds=length)
            pauses.append((i, start, end))
    return windows, pauses


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pause_cases(), st.one_of(st.none(), business_calendars()), st.sampled_from(ZONES))
def test_pause_hours_match_the_reference(case, cal, tz):
    windows, pauses = case

    def iso(v: dt.datetime | None) -> str | None:
        return None if v is None else v.isoformat()

    got = calendars.pause_hours(
        ts(*[iso(s) for s, _ in windows]), ts(*[iso(e) for _, e in windows]),
        np.array([o for o, _, _ in pauses], dtype=np.int64),
        ts(*[iso(s) for _, s, _ in pauses]), ts(*[iso(e) for _, _, e in pauses]), cal, tz,
    )
    for i, window in enumerate(windows):
        mine = [(s, e) for o, s, e in pauses if o == i]
        expected = ref_pause_hours(window, mine, cal, tz)
        if expected is None:
            assert np.isnan(got[i])
        else:
            assert got[i] == pytest.approx(expected, abs=1e-9)


def test_blocks_do_not_change_results(monkeypatch):
    rng = np.random.default_rng(11)
    n = 5_000
    start = np.datetime64("2025-12-20T00:00:00", "ns").view("i8") + rng.integers(0, 120 * 86_400, n) * 10**9
    end = start + rng.integers(-86_400, 20 * 86_400, n) * 10**9
    start[::37] = np.iinfo(np.int64).min
    whole = calendars.hours_between(start, end, OFFICE, LONDON)
    monkeypatch.setattr(calendars, "_BLOCK", 64)
    blocked = calendars.hours_between(start, end, OFFICE, LONDON)
    assert np.array_equal(whole, blocked, equal_nan=True)
    expected = pd.DatetimeIndex(end.view("datetime64[ns]")).tz_localize("UTC").tz_convert(LONDON).tz_localize(None).asi8
    assert np.array_equal(calendars._local_ns(end, LONDON), expected)
