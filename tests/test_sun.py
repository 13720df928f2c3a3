"""Windows that follow the dark (geo.sun): dusk known answers, the (night, hour) table, queries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from astral import Observer
from astral.sun import dusk

from geo.metrics import Atlas, Query
from geo.metrics._when import clock_cover
from geo.sun import SunWindow, dusk_dawn, monthly_dusk_dawn, night_hours
from tests.test_metrics import _incidents

LYON = (45.75, 4.85)
PARIS_TZ = "Europe/Paris"


@pytest.mark.parametrize(
    ("day", "expected"),
    [(dt.date(2025, 6, 21), dt.time(22, 12)), (dt.date(2025, 12, 21), dt.time(17, 33))],
)
def test_dusk_at_the_sample_city_within_a_minute_of_astral(day: dt.date, expected) -> None:
    start, _ = dusk_dawn(day, *LYON, PARIS_TZ)
    own = dusk(Observer(*LYON), day, tzinfo=ZoneInfo(PARIS_TZ)).replace(tzinfo=None)
    assert abs((start - own).total_seconds()) < 60
    wall = dt.datetime.combine(day, expected)
    assert abs((start - wall).total_seconds()) < 60  # the published civil dusk, to the minute


def test_dark_hours_follow_the_season() -> None:
    winter = night_hours(SunWindow(), dt.date(2025, 12, 21), dt.date(2025, 12, 21), *LYON,
                         PARIS_TZ).table[0]
    summer = night_hours(SunWindow(), dt.date(2025, 6, 21), dt.date(2025, 6, 21), *LYON,
                         PARIS_TZ).table[0]
    # dusk 17:33 -> 18:00 is the first dark hour; dawn 07:44 -> 07:00-07:59 is still dark
    assert np.flatnonzero(winter).tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 18, 19, 20, 21, 22, 23]
    assert np.flatnonzero(summer).tolist() == [0, 1, 2, 3, 4, 22, 23]
    two = night_hours(SunWindow(2), dt.date(2025, 12, 21), dt.date(2025, 12, 21), *LYON,
                      PARIS_TZ).table[0]
    assert np.flatnonzero(two).tolist() == [18, 19]
    assert str(clock_cover(night_hours(SunWindow(2), dt.date(2025, 1, 1), dt.date(2025, 12, 31),
                                       *LYON, PARIS_TZ))) == "18-0"  # venues, answers
    assert len(monthly_dusk_dawn(2025, *LYON, PARIS_TZ)) == 12


def test_a_dark_window_counts_an_event_at_19h_in_december_not_in_june() -> None:
    rows = [("2025-12-21 19:00", *LYON, "theft", "police")] * 5
    rows += [("2025-06-21 19:00", *LYON, "theft", "police")] * 7
    atlas = Atlas(_incidents(rows), metadata={"centre": list(LYON), "timezone": PARIS_TZ})
    dark = atlas.query(Query(sun=SunWindow(), k=0))
    assert dark.table["incidents"].sum() == 5
    assert atlas.query(Query(k=0)).table["incidents"].sum() == 12


def test_sun_window_parse() -> None:
    assert SunWindow.parse("dusk+2") == SunWindow(2) and SunWindow.parse("DARK") == SunWindow()
    for bad in ("night", "dusk+0", "dusk+13", "22-4"):
        with pytest.raises(ValueError):
            SunWindow.parse(bad)
