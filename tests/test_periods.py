"""Date ranges of nights (issue 15): known answers, presets, the query round trip, the CLI."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from geo.metrics import QUERY_KEYS, Atlas, Query
from geo.metrics._periods import (
    PRESETS,
    month_starts,
    nights_in,
    preset_range,
    previous_period,
    year_earlier,
)
from geo.sun import SunWindow
from geo.timewin import HourWindow
from tests.test_metrics import _incidents

LYON = (45.75, 4.85)


def test_a_range_of_exactly_the_friday_nights_of_march_counts_them() -> None:
    # a year of data; March 2025 has four Fridays (7, 14, 21, 28)
    rows = [("2025-01-01 23:00", *LYON, "theft", "police"),
            ("2025-12-31 23:00", *LYON, "theft", "police")]
    atlas = Atlas(_incidents(rows))
    march_fridays = Query(weekdays={4}, date_from=dt.date(2025, 3, 7),
                          date_to=dt.date(2025, 3, 28), k=0)
    assert atlas.nights(march_fridays) == 4
    assert atlas.nights(march_fridays.with_(weekdays=None)) == 22
    assert atlas.nights(Query(weekdays={4}, k=0)) == 52
    # a range beyond the data counts only the data's nights
    assert atlas.nights(Query(date_from=dt.date(2025, 12, 1), date_to=dt.date(2026, 1, 31))) == 31
    assert nights_in(dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2025, 3, 1),
                     dt.date(2025, 3, 31), {4}) == 4


def test_an_event_at_0230_on_1_april_belongs_to_the_night_of_31_march() -> None:
    rows = [("2025-04-01 02:30", *LYON, "violence", "police")] * 6
    rows += [("2025-04-01 22:30", *LYON, "violence", "police")] * 5
    atlas = Atlas(_incidents(rows))
    march = atlas.query(Query(date_to=dt.date(2025, 3, 31), k=0))
    april = atlas.query(Query(date_from=dt.date(2025, 4, 1), k=0))
    assert march.table["incidents"].sum() == 6
    assert april.table["incidents"].sum() == 5
    one_night = Query(date_from=dt.date(2025, 3, 31), date_to=dt.date(2025, 3, 31), k=0)
    result = atlas.query(one_night)
    assert result.table["incidents"].sum() == 6 and result.summary["nights"] == 1
    assert result.summary["first_night"] == "2025-03-31"
    assert result.summary["last_night"] == "2025-04-01"
    assert result.table["incidents_per_night"].sum() == 6


def test_a_date_range_leaves_untimed_rows_out_and_says_so() -> None:
    frame = _incidents([("2025-03-08 02:30", *LYON, "theft", "police")] * 7)
    frame.loc[:2, "time_precision"] = "month"
    atlas = Atlas(frame)
    dated = atlas.query(Query(date_from=dt.date(2025, 3, 1), k=0))
    assert dated.table["incidents"].sum() == 4
    assert dated.summary["rows_left_out_untimed"] == 3


def test_date_range_and_sun_window_round_trip_as_text() -> None:
    query = Query(date_from=dt.date(2025, 3, 1), date_to="2025-03-31", sun=SunWindow(2),
                  answered_from=dt.date(2025, 2, 1))
    params = query.to_params()
    assert params["from"] == "2025-03-01" and params["to"] == "2025-03-31"
    assert params["hours"] == "dusk+2" and params["answered_from"] == "2025-02-01"
    assert set(params) <= set(QUERY_KEYS)
    assert Query.from_params(params) == query
    assert Query.from_params({"hours": "dark"}).sun == SunWindow()
    assert Query.from_params({"hours": "22-4"}).hours == HourWindow(22, 4)
    with pytest.raises(ValueError, match="after"):
        Query(date_from=dt.date(2025, 4, 1), date_to=dt.date(2025, 3, 1))
    with pytest.raises(ValueError, match="not both"):
        Query(hours=HourWindow(22, 4), sun=SunWindow())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("last_28_days", ("2025-11-04", "2025-12-01")),
        ("last_3_months", ("2025-09-02", "2025-12-01")),
        ("last_12_months", ("2024-12-02", "2025-12-01")),
        ("winter", ("2025-12-01", "2026-02-28")),
        ("summer", ("2025-06-01", "2025-08-31")),
        ("autumn", ("2025-09-01", "2025-11-30")),
        ("last_season", ("2025-09-01", "2025-11-30")),
    ],
)
def test_presets_are_relative_to_the_last_night(name: str, expected: tuple[str, str]) -> None:
    start, end = preset_range(name, dt.date(2025, 12, 1))
    assert (start.isoformat(), end.isoformat()) == expected
    assert name in PRESETS


def test_previous_period_and_year_earlier() -> None:
    this = (dt.date(2025, 3, 4), dt.date(2025, 3, 31))
    assert previous_period(*this) == (dt.date(2025, 2, 4), dt.date(2025, 3, 3))
    assert year_earlier(dt.date(2024, 2, 29), dt.date(2024, 3, 31)) == (
        dt.date(2023, 2, 28), dt.date(2023, 3, 31))
    assert month_starts(dt.date(2024, 11, 15), dt.date(2025, 2, 1)) == [
        dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1), dt.date(2025, 2, 1)]


def test_answered_range_selects_survey_waves() -> None:
    rows = [("2025-03-08 23:30", *LYON, "theft", "police")] * 6
    answers = pd.DataFrame({
        "response_id": [f"r{i}" for i in range(12)],
        "lat": [LYON[0]] * 12, "lon": [LYON[1]] * 12,
        "answered_at": pd.to_datetime(["2025-03-01"] * 6 + ["2025-10-01"] * 6),
        "hour": pd.array([None] * 12, dtype="Int64"), "daypart": ["night"] * 12,
        "insecurity": [1.0] * 6 + [0.0] * 6, "weight": [1.0] * 12,
        "group": pd.array([None] * 12, dtype="string"),
    })
    atlas = Atlas(_incidents(rows), answers)
    spring = atlas.query(Query(answered_to=dt.date(2025, 6, 30), k=0, min_answers=1))
    autumn = atlas.query(Query(answered_from=dt.date(2025, 7, 1), k=0, min_answers=1))
    assert spring.table["perceived"].max() == 1.0
    assert autumn.table["perceived"].max() == 0.0
