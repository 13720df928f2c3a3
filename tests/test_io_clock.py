"""Times of day written as text, and dates joined to them: read, counted, never guessed."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo.io._clock
from geo.io._clock import date_with_clock, parse_clock


def _hours(seconds: np.ndarray) -> list[float | None]:
    return [None if np.isnan(s) else s / 3600 for s in seconds]


@pytest.mark.parametrize(
    ("text", "hours", "hourly"),
    [
        ("2130", 21.5, False),
        ("0930", 9.5, False),
        ("930", 9.5, False),
        ("0005", 5 / 60, False),
        ("21:30", 21.5, False),
        ("21:30:00", 21.5, False),
        ("21:30:15.250", 21.5 + 15 / 3600, False),
        (" 9:30 PM ", 21.5, False),
        ("9:30pm", 21.5, False),
        ("9.30 p.m.", 21.5, False),
        ("9 PM", 21.0, True),
        ("12 AM", 0.0, True),
        ("12:15 am", 0.25, False),
        ("12 pm", 12.0, True),
        ("21h30", 21.5, False),
        ("21 h 30", 21.5, False),
        ("21H", 21.0, True),
        ("21.30", 21.5, False),
        ("00:00", 0.0, False),
        ("24:00:00", 24.0, False),  # the midnight that ends the day
        ("2400", 24.0, False),
    ],
)
def test_clock_spellings(text: str, hours: float, hourly: bool) -> None:
    clock = parse_clock(pd.Series([text]))
    assert _hours(clock.seconds) == [pytest.approx(hours)]
    assert clock.hourly.tolist() == [hourly]
    assert not clock.failed.any() and not clock.ambiguous.any() and not clock.blank.any()


@pytest.mark.parametrize(
    "text", ["25:00", "21:60", "21:30:61", "13 PM", "0 AM", "2460", "24:30", "12345", "soon",
             "21:3", "9:30 XM", "2,130", "21.5"],
)
def test_impossible_or_unknown_clocks_fail(text: str) -> None:
    clock = parse_clock(pd.Series([text]))
    assert clock.failed.tolist() == [True]
    assert np.isnan(clock.seconds).all()


def test_bare_numbers_are_ambiguous_in_a_time_column_and_hours_in_an_hour_column() -> None:
    values = pd.Series(["5", "21", "0"])
    clock = parse_clock(values)
    assert clock.ambiguous.tolist() == [True, True, True]
    assert not clock.failed.any() and np.isnan(clock.seconds).all()
    hours = parse_clock(values, bare_hours=True)
    assert _hours(hours.seconds) == [5.0, 21.0, 0.0]
    assert not hours.ambiguous.any()


def test_blanks_and_null_tokens_are_blank_not_bad() -> None:
    clock = parse_clock(pd.Series(["", "  ", None, "(null)", "NULL", "-", np.nan]))
    assert clock.blank.all() and not clock.failed.any()


def test_numbers_from_a_geo_file_read_like_text() -> None:
    clock = parse_clock(pd.Series([2130.0, 930.0, np.nan]))
    assert _hours(clock.seconds) == [21.5, 9.5, None]
    assert clock.blank.tolist() == [False, False, True]


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 23), st.integers(0, 59))
def test_every_spelling_of_a_clock_reads_the_same(hour: int, minute: int) -> None:
    twelve = f"{(hour % 12) or 12}:{minute:02d} {'PM' if hour >= 12 else 'AM'}"
    spellings = [f"{hour:02d}{minute:02d}", f"{hour}:{minute:02d}", f"{hour:02d}:{minute:02d}:00",
                 twelve, f"{hour}h{minute:02d}", f"{hour}.{minute:02d}"]
    clock = parse_clock(pd.Series(spellings))
    assert (clock.seconds == hour * 3600 + minute * 60).all()


def test_date_and_time_join_with_day_precision_when_the_time_is_missing() -> None:
    dates = pd.Series(["03/05/2024", "03/05/2024", "03/05/2024", "03/05/2024", "03/05/2024",
                       "", "02/30/2024"])
    times = pd.Series(["21:30", "9 PM", "", "5", "soon", "21:30", "21:30"])
    joined = date_with_clock(dates, times, "%m/%d/%Y")
    day = pd.Timestamp("2024-03-05")
    assert joined.values.tolist()[:5] == [day + pd.Timedelta("21:30:00"),
                                          day + pd.Timedelta("21:00:00"), day, day, day]
    assert joined.values.iloc[5:].isna().all()  # no date, nothing to know
    assert joined.precision.tolist()[:5] == ["minute", "hour", "day", "day", "day"]
    assert joined.counts == {"unparseable_time": 1, "missing_time_of_day": 1,
                             "unparseable_time_of_day": 1, "ambiguous_time_of_day": 1}


def test_the_end_of_a_span_without_a_time_runs_to_the_end_of_the_day() -> None:
    joined = date_with_clock(pd.Series(["2024-03-05", "2024-03-05", "2024-02"]),
                             pd.Series(["", "24:00", ""]), end_of_day=True)
    assert joined.values.tolist() == [pd.Timestamp("2024-03-05 23:59"),
                                      pd.Timestamp("2024-03-06 00:00"),
                                      pd.Timestamp("2024-02-29 23:59")]
    assert joined.precision.tolist() == ["day", "minute", "month"]


def test_a_date_column_carrying_a_time_keeps_only_its_date() -> None:
    joined = date_with_clock(pd.Series(["2024-03-05T00:00:00.000", "2024-03-05 13:00"]),
                             pd.Series(["22:15", ""]))
    assert joined.values.tolist() == [pd.Timestamp("2024-03-05 22:15"),
                                      pd.Timestamp("2024-03-05")]
    assert joined.precision.tolist() == ["minute", "day"]


def test_docstring_examples_run() -> None:
    result = doctest.testmod(geo.io._clock)
    assert result.attempted > 0 and result.failed == 0
