"""Non-ISO timestamps read one distinct value at a time (ingest/dates.py) give exactly what a
per-value parse gives: the same instant, the same clock-change handling, the same data-quality
counts (per row, not per distinct value) and notes naming the first rows."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccreport.ingest import normalise
from ccreport.ingest.quality import DataQuality

TZ = "Europe/London"
_GRAMMAR = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?)?$")


def reference(text: str, dayfirst: bool = True, tz: str = TZ) -> pd.Timestamp | None:
    """One value, the slow way: Python's datetime for the calendar, pandas' scalar for the zone
    (a DST gap shifts forward, an overlap takes the first occurrence)."""
    m = _GRAMMAR.match(text.strip())
    if not m:
        return None
    a, b, y, hh, mm, ss, ampm = m.groups()
    day, month = (int(a), int(b)) if dayfirst else (int(b), int(a))
    year = int(y) if len(y) == 4 else (2000 + int(y) if int(y) < 69 else 1900 + int(y))
    hour, minute, second = int(hh or 0), int(mm or 0), int(ss or 0)
    if ampm:
        if ampm.lower() == "am" and hour > 12:
            return None
        if hour <= 12:
            hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    end_of_day = hour == 24 and minute == 0 and second == 0
    try:
        naive = datetime(year, month, day, 0 if end_of_day else hour, minute, second)
    except ValueError:
        return None
    if end_of_day:
        naive += timedelta(days=1)
    if not datetime(1970, 1, 1) <= naive < datetime(2100, 1, 1):
        return None
    return pd.Timestamp(naive).tz_localize(tz, ambiguous=True, nonexistent="shift_forward").tz_convert("UTC")


def parse(values: list[str | None], dayfirst: bool = True, tz: str = TZ) -> tuple[pd.Series, DataQuality]:
    q = DataQuality()
    out = normalise.parse_timestamps(pd.Series(values, dtype="str"), field="opened_at", tz=tz, dayfirst=dayfirst,
                                     quality=q, rows=pd.Series(range(2, 2 + len(values))), file="f.csv")
    return out, q


def _two(n: int) -> st.SearchStrategy[str]:
    return st.sampled_from([str(n), f"{n:02d}"])


@st.composite
def numeric_dates(draw) -> str:
    """Day-first-looking text, valid or not: days to 35, months to 14, hours to 30, minutes to
    99, two- and four-digit years, any separator, with or without seconds and AM/PM, in the
    DST weeks often enough to hit the gap and the overlap."""
    day = draw(st.integers(0, 35) | st.sampled_from([25, 26, 27, 28, 29, 30, 31]))
    month = draw(st.integers(0, 14) | st.sampled_from([3, 10]))
    year = draw(st.sampled_from(["2016", "2026", "1969", "2100", "16", "26", "70", "69", "68", "0099"])
                | st.integers(1960, 2110).map(str))
    sep = draw(st.sampled_from("/-."))
    text = f"{draw(_two(day))}{sep}{draw(_two(month))}{sep}{year}"
    kind = draw(st.sampled_from(["date", "hm", "hms", "ampm", "frac"]))
    hour = draw(st.integers(0, 30) | st.sampled_from([0, 1, 2, 12, 23, 24]))
    minute = draw(st.integers(0, 99) | st.sampled_from([0, 30, 59]))
    if kind == "hm":
        text += f" {draw(_two(hour))}:{minute:02d}"
    elif kind == "hms":
        text += f" {draw(_two(hour))}:{minute:02d}:{draw(st.integers(0, 75)):02d}"
    elif kind == "ampm":
        text += f" {hour}:{minute:02d} {draw(st.sampled_from(['AM', 'PM', 'am', 'pm']))}"
    elif kind == "frac":
        text += f" {hour}:{minute:02d}:{draw(st.integers(0, 59)):02d}.{draw(st.integers(0, 999))}"
    return text


@settings(max_examples=150, deadline=None)
@given(st.lists(numeric_dates(), min_size=1, max_size=40), st.booleans())
def test_distinct_value_parse_equals_the_per_value_parse(texts, dayfirst):
    # Every value twice, so the distinct-value path has repeats to spread back.
    values = texts + texts[::-1]
    out, q = parse(values, dayfirst)
    expected = [reference(t, dayfirst) for t in values]
    for text, got, want in zip(values, out, expected):
        if want is None:
            assert pd.isna(got), text
        else:
            assert got == want, text
    assert q.unparsed_timestamps == sum(e is None for e in expected)


def test_quality_counts_rows_and_names_the_first_rows():
    values = ["31/04/2026 10:00", "01/10/2026 09:00", "31/04/2026 10:00", "29/03/2026 01:30",
              "29/03/2026 01:30", "25/10/2026 01:30", "?", "31/04/2026 10:00"]
    out, q = parse(values)
    assert q.unparsed_timestamps == 4  # three 31 April and '?', each row counted
    assert q.dst_adjusted == 3  # two in the gap, one in the overlap
    notes = [(i.row, i.problem) for i in q.issues]
    gap = [r for r, p in notes if "DST gap" in p]
    assert gap == [5, 6]  # rows of the file: the values' own positions + 2
    unreadable = [r for r, p in notes if "cannot read" in p]
    assert unreadable == [2, 4, 8, 9]
    # A time in the gap moves forward to the first time that exists: 02:00 BST = 01:00 UTC.
    assert out[3] == pd.Timestamp("2026-03-29 01:00", tz="UTC")
    # The repeated hour takes the first occurrence (still BST): 01:30 BST = 00:30 UTC.
    assert out[5] == pd.Timestamp("2026-10-25 00:30", tz="UTC")


@pytest.mark.parametrize("text,expected", [
    ("29/2/2016 1:16", "2016-02-29 01:16"),  # the UCI event log's shape, winter: UTC
    ("29-02-2016 01:16", "2016-02-29 01:16"),
    ("1/7/2026 9:05", "2026-07-01 08:05"),  # summer time
    ("01.07.26 09:05:07", "2026-07-01 08:05:07"),
    ("1/7/2026 12:30 AM", "2026-06-30 23:30"),
    ("1/7/2026 24:00", "2026-07-01 23:00"),  # the end of 1 July
    ("29/2/2015 10:00", None),  # no such day
    ("1/7/2026 25:10", None),  # no such hour: not rolled into the next day
    ("1/7/2026 10:75", None),
    ("1/7/2026 13:30 AM", None),
    ("1/7/0099 10:00", None),  # year 99 (four digits), outside 1970–2099
])
def test_examples(text, expected):
    out, _ = parse([text])
    if expected is None:
        assert pd.isna(out[0])
    else:
        assert out[0] == pd.Timestamp(expected, tz="UTC")


def test_month_first_and_mixed_shapes_in_one_column():
    values = ["10/31/2026 9:00 PM", "2026-10-01T09:00:00Z", "2026-10-02 09:00", "3 March 2026 10:00",
              "03-Mar-26 10:00", "10/31/2026 9:00 PM"]
    out, q = parse(values, dayfirst=False)
    assert list(out) == [pd.Timestamp(t, tz="UTC") for t in (
        "2026-10-31 21:00", "2026-10-01 09:00", "2026-10-02 08:00", "2026-03-03 10:00",
        "2026-03-03 10:00", "2026-10-31 21:00")]
    assert q.unparsed_timestamps == 0


def test_day_first_evidence_counts_rows():
    col = pd.Series(["13/01/2026", "13/01/2026", "01/02/2026", None, "x"], dtype="str")
    ev = normalise.numeric_date_evidence(col, pd.Series(range(2, 7)))
    assert ev.count_dayfirst == 2 and ev.dayfirst_rows == [2, 3]
    assert ev.count_monthfirst == 0


# The split reading (`dates._split`: each value's date and time halves encoded and read
# apart, used on long columns) must give exactly what the whole-value reading gives.

@st.composite
def any_timestamp_text(draw) -> str | None:
    """Numeric dates plus everything else a column may hold next to them: ISO with and without
    an offset, month names, `T` or several spaces or a tab before the time, a time alone,
    stray words, blanks and missing cells."""
    kind = draw(st.sampled_from(["numeric"] * 6 + ["iso", "named", "joined", "odd", "blank", "none"]))
    if kind == "numeric":
        return draw(numeric_dates())
    if kind == "iso":
        return draw(st.sampled_from(["2026-03-29T01:30:00Z", "2026-10-25 01:30", "2026-07-01T09:00:00+01:00",
                                     "2026-02-30 10:00", "2026-07-01 10:00 UTC"]))
    if kind == "named":
        return draw(st.sampled_from(["3 March 2026 10:00", "03-Mar-26 10:00 PM", "31 April 2026", "1 Foo 2026"]))
    if kind == "joined":
        date = draw(numeric_dates()).split(" ")[0]
        glue = draw(st.sampled_from(["T", "  ", " T ", "\t", " \t", "T "]))
        return f"{date}{glue}{draw(st.integers(0, 25))}:{draw(st.integers(0, 61)):02d}"
    if kind == "odd":
        return draw(st.sampled_from(["10:00", "?", "13/01/2026 x", "1/2/2020 10:00 AM extra", " 1/2/2020 ",
                                     "1/2/2020 10 : 00", "01/02/2026 10:00:00.5 pm", "01/02/2026 AM"]))
    return "   " if kind == "blank" else None


def _both_ways(monkeypatch, values, dayfirst):
    from ccreport.ingest import dates

    results = []
    for split, table in ((False, True), (True, True), (True, False)):  # whole; split, pairs by table or sort
        monkeypatch.setattr(dates, "_SPLIT_MIN", 0 if split else 10**12)
        monkeypatch.setattr(dates, "_SPLIT_MAX_HALVES", float("inf"))
        monkeypatch.setattr(dates, "_PAIR_TABLE_SLACK", 65536 if table else -10**12)
        out, q = parse(values, dayfirst)
        ev = normalise.numeric_date_evidence(pd.Series(values, dtype="str"), pd.Series(range(2, 2 + len(values))))
        results.append((out, q, ev))
    return results


@settings(max_examples=150, deadline=None)
@given(st.lists(any_timestamp_text(), min_size=1, max_size=40), st.booleans())
def test_split_reading_equals_the_whole_value_reading(texts, dayfirst):
    with pytest.MonkeyPatch.context() as mp:
        (out0, q0, ev0), *others = _both_ways(mp, texts + texts[::-1], dayfirst)
    for out1, q1, ev1 in others:
        pd.testing.assert_series_equal(out0, out1)
        assert [(i.row, i.field, i.problem) for i in q0.issues] == [(i.row, i.field, i.problem) for i in q1.issues]
        assert (q0.unparsed_timestamps, q0.dst_adjusted) == (q1.unparsed_timestamps, q1.dst_adjusted)
        assert ev0 == ev1


@settings(max_examples=60, deadline=None)
@given(st.lists(numeric_dates(), min_size=1, max_size=40), st.booleans())
def test_split_reading_equals_the_per_value_parse(texts, dayfirst):
    from ccreport.ingest import dates

    values = texts + texts[::-1]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(dates, "_SPLIT_MIN", 0)
        mp.setattr(dates, "_SPLIT_MAX_HALVES", float("inf"))
        out, q = parse(values, dayfirst)
    expected = [reference(t, dayfirst) for t in values]
    for text, got, want in zip(values, out, expected):
        assert (pd.isna(got) if want is None else got == want), text
    assert q.unparsed_timestamps == sum(e is None for e in expected)


def test_a_long_column_takes_the_split_reading_and_reads_every_row():
    from ccreport.ingest import dates

    base = pd.Timestamp("2025-01-01 00:00")
    stamps = [base + pd.Timedelta(minutes=37 * i) for i in range(20000)]
    values = [t.strftime("%d/%m/%Y %H:%M") for t in stamps]
    values[5] = "31/04/2026 10:00"
    values[7] = "2026-07-01T09:00:00Z"
    values[9] = None
    col = pd.Series(values, dtype="str")
    read = dates.reading(col)
    assert isinstance(read, dates._Split)
    assert read is dates.reading(col)  # read once: the evidence and the parse share it
    assert list(read.rest_rows) == [7]  # only the ISO value is read whole; 31 April splits (and fails)
    assert read.present.sum() == len(values) - 1
    ev = normalise.numeric_date_evidence(col, pd.Series(range(2, 2 + len(values))))
    assert ev.count_dayfirst == sum(1 for v in values if v and v[2] == "/" and int(v[:2]) > 12)
    out, q = parse(values)
    want = pd.Series(stamps).dt.tz_localize(TZ, ambiguous=True, nonexistent="shift_forward").dt.tz_convert("UTC")
    for i in (0, 1, 1234, 19999):
        assert out[i] == want[i]
    assert pd.isna(out[5]) and pd.isna(out[9]) and out[7] == pd.Timestamp("2026-07-01 09:00", tz="UTC")
    assert q.unparsed_timestamps == 1


def test_a_column_with_numeric_dates_and_one_iso_value_is_still_read_whole():
    # The day-first evidence has seen numeric dates in the column, so the all-ISO cast is not
    # tried; the ISO value among them is read by the general parser all the same.
    values = ["13/01/2026 10:00", "2026-01-14T09:00:00Z", "14/01/2026 11:00"] * 2
    col = pd.Series(values, dtype="str")
    ev = normalise.numeric_date_evidence(col, pd.Series(range(2, 8)))
    assert ev.count_dayfirst == 4
    q = DataQuality()
    out = normalise.parse_timestamps(col, field="opened_at", tz=TZ, dayfirst=True, quality=q,
                                     rows=pd.Series(range(2, 8)), file="f.csv")
    assert list(out[:3]) == [pd.Timestamp(t, tz="UTC") for t in
                             ("2026-01-13 10:00", "2026-01-14 09:00", "2026-01-14 11:00")]
    assert q.unparsed_timestamps == 0
    iso = pd.Series(["2026-01-14T09:00:00Z"] * 3, dtype="str")
    normalise.numeric_date_evidence(iso, pd.Series(range(2, 5)))
    got = normalise.parse_timestamps(iso, field="opened_at", tz=TZ, dayfirst=True, quality=DataQuality(),
                                     rows=pd.Series(range(2, 5)), file="f.csv")
    assert (got == pd.Timestamp("2026-01-14 09:00", tz="UTC")).all()


def test_row_localisation_equals_the_distinct_value_rules():
    # One pass leaves the gap and overlap times unset; those go through localise_distinct.
    import numpy as np

    naive = pd.to_datetime(["2026-03-29 00:59", "2026-03-29 01:00", "2026-03-29 01:59", "2026-03-29 02:00",
                            "2026-10-25 00:59", "2026-10-25 01:00", "2026-10-25 01:59", "2026-10-25 02:00",
                            None, "2026-07-01 12:00"]).to_numpy(dtype="datetime64[ns]")
    utc, gap, overlap = normalise.localise_rows(naive, TZ)
    want, want_gap, want_overlap = normalise.localise_distinct(pd.DatetimeIndex(naive), TZ)
    assert (pd.DatetimeIndex(utc).tz_localize("UTC").equals(want.tz_convert("UTC")))
    assert gap.tolist() == list(want_gap) == [False, True, True, False, False, False, False, False, False, False]
    assert overlap.tolist() == list(want_overlap) == [False, False, False, False, False, True, True, False, False, False]
    assert np.isnat(utc[8])
