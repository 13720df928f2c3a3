"""geo.timewin: windows on the 24-h circle, night dates, weekdays and aoristic spreading."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.timewin import (
    ALL_DAY,
    TIMING_CLASSES,
    HourWindow,
    aoristic_hours,
    format_weekdays,
    how_mask,
    night_features,
    parse_weekdays,
    timing_class,
)

FRIDAY = "2026-05-15"  # a Friday
SATURDAY = "2026-05-16"


def _t(*values: str | None) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values), format="ISO8601"))


# --- hour windows -------------------------------------------------------------------------------


def test_22_4_holds_2300_and_0359_not_0400() -> None:
    w = HourWindow.parse("22-4")
    assert w == HourWindow(22, 4)
    assert w.contains(23) and w.contains(3 + 59 / 60) and not w.contains(4)
    assert w.contains(22) and not w.contains(21.99)
    times = _t(f"{FRIDAY} 23:00", f"{SATURDAY} 03:59", f"{SATURDAY} 04:00", None)
    assert w.contains(times).tolist() == [True, True, False, False]
    assert w.contains(pd.Timestamp(f"{SATURDAY} 03:59"))
    assert w.hours == (22, 23, 0, 1, 2, 3) and w.n_hours == 6


def test_contains_treats_missing_and_out_of_range_as_outside() -> None:
    w = HourWindow(22, 4)
    hours = pd.Series([23, None, -1, 24, 2], dtype="Int64")
    assert w.contains(hours).tolist() == [True, False, False, False, True]
    assert w.contains(np.array([np.nan, 22.5])).tolist() == [False, True]


def test_whole_day_window() -> None:
    for w in (HourWindow(0, 0), HourWindow(6, 6), HourWindow(0, 24), HourWindow.parse("all")):
        assert w.is_whole_day and w.n_hours == 24
        assert w.contains(np.arange(24)).all()
        with pytest.raises(ValueError, match="no complement"):
            w.complement()
    assert HourWindow(6, 6).hours[:2] == (6, 7)
    assert ALL_DAY.label == "00:00–24:00"


def test_labels_and_text_round_trip() -> None:
    w = HourWindow(22, 4)
    assert str(w) == "22-4" and w.label == "22:00–04:00"
    assert HourWindow(18, 24) == HourWindow(18, 0) and HourWindow(18, 0).label == "18:00–24:00"
    for text in ("22:00-04:00", "22–4", " 22 - 4 "):
        assert HourWindow.parse(text) == w
    with pytest.raises(ValueError, match="not an hour window"):
        HourWindow.parse("late")


@pytest.mark.parametrize("bad", [(25, 1), (-1, 3), (1, 25)])
def test_out_of_range_hours_are_refused(bad: tuple[int, int]) -> None:
    with pytest.raises(ValueError):
        HourWindow(*bad)


@pytest.mark.parametrize("bad", [(True, 3), (1.5, 3), ("22", 4)])
def test_non_integer_hours_are_refused(bad: tuple[object, object]) -> None:
    with pytest.raises(TypeError):
        HourWindow(*bad)  # type: ignore[arg-type]


hours_st = st.integers(0, 23)


@given(hours_st, hours_st)
def test_window_and_complement_partition_the_day(start: int, end: int) -> None:
    w = HourWindow(start, end)
    if w.is_whole_day:
        assert set(w.hours) == set(range(24))
        return
    c = w.complement()
    day = np.arange(24)
    assert (w.contains(day) ^ c.contains(day)).all()  # each hour in exactly one
    assert sorted(w.hours + c.hours) == list(range(24))
    assert w.hours[0] == start and c.hours[0] == end and c.complement() == w
    assert not w.overlaps(c)


@given(hours_st, hours_st)
def test_parse_reads_back_str(start: int, end: int) -> None:
    w = HourWindow(start, end)
    assert HourWindow.parse(str(w)) == w
    assert len(w.hours) == w.n_hours == int(w.hour_table().sum())


def test_overlaps() -> None:
    night = HourWindow(22, 6)
    assert night.overlaps(HourWindow(5, 7)) and not night.overlaps(HourWindow(6, 22))


# --- weekdays -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("fri,sat", {4, 5}),
        ("ven,sam", {4, 5}),
        ("Vendredi; Samedi", {4, 5}),
        ("mon-thu", {0, 1, 2, 3}),
        ("lun-jeu", {0, 1, 2, 3}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sun", {6}),
        ("all", set(range(7))),
    ],
)
def test_parse_weekdays(text: str, days: set[int]) -> None:
    assert parse_weekdays(text) == frozenset(days)


def test_parse_weekdays_from_iterables_and_errors() -> None:
    assert parse_weekdays([4, "sat"]) == frozenset({4, 5})
    for bad in ("friyay", "", "mon-tue-wed"):
        with pytest.raises(ValueError):
            parse_weekdays(bad)
    with pytest.raises(ValueError):
        parse_weekdays([7])


@given(st.sets(st.integers(0, 6), min_size=1))
def test_weekday_text_round_trip(days: set[int]) -> None:
    assert parse_weekdays(format_weekdays(days)) == frozenset(days)


# --- nights -------------------------------------------------------------------------------------


def test_saturday_0230_belongs_to_friday_night() -> None:
    f = night_features(_t(f"{SATURDAY} 02:30"))
    row = f.iloc[0]
    assert row["night_date"] == pd.Timestamp(FRIDAY)
    assert row["night_weekday"] == 4 and row["hour"] == 2 and row["how"] == 4 * 24 + 2


def test_day_boundary_edges() -> None:
    times = _t(f"{SATURDAY} 05:59", f"{SATURDAY} 06:00", f"{SATURDAY} 23:30", None)
    f = night_features(times)
    assert f["night_weekday"].tolist() == [4, 5, 5, -1]
    assert f["hour"].tolist() == [5, 6, 23, -1]
    assert f["night_date"].isna().tolist() == [False, False, False, True]
    assert f.dtypes.to_dict() == {
        "hour": np.int8,
        "night_date": np.dtype("datetime64[ns]"),
        "night_weekday": np.int8,
        "how": np.int16,
    }
    calendar = night_features(times, day_boundary=0)
    assert calendar["night_weekday"].tolist() == [5, 5, 5, -1]
    with pytest.raises(ValueError):
        night_features(times, day_boundary=24)


def test_night_features_keeps_index_and_reads_tz_aware_wall_clock() -> None:
    times = _t(f"{SATURDAY} 02:30").dt.tz_localize("Europe/Paris")
    times.index = [42]
    f = night_features(times)
    assert f.index.tolist() == [42] and f.loc[42, "hour"] == 2 and f.loc[42, "night_weekday"] == 4


def test_how_mask_friday_and_saturday_nights() -> None:
    table = how_mask(HourWindow(22, 4), parse_weekdays("fri,sat"))
    assert table.shape == (168,) and table.sum() == 12
    assert table[4 * 24 + 23] and table[5 * 24 + 2] and not table[6 * 24 + 2]
    assert how_mask().all() and not how_mask(HourWindow(22, 4), set()).any()
    with pytest.raises(ValueError):
        how_mask(None, {7})


# --- aoristic spreading -------------------------------------------------------------------------


def test_22_to_02_counts_a_quarter_in_each_of_four_hours() -> None:
    out = aoristic_hours(_t(f"{FRIDAY} 22:00"), _t(f"{SATURDAY} 02:00"))
    assert (out["how"] % 24).tolist() == [22, 23, 0, 1]
    assert out["weight"].tolist() == [0.25] * 4
    assert (out["how"] // 24 == 4).all()  # all four hours on Friday night
    assert out["row"].tolist() == [0] * 4


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("22:30", "23:00", [22]),  # ends exactly on the hour: 23 not touched
        ("22:30", "23:01", [22, 23]),
        ("22:30", "22:30", [22]),  # from == to
        ("22:30", None, [22]),  # no end
        ("22:30", "21:00", [22]),  # end before start: the start's hour
    ],
)
def test_hours_touched(start: str, end: str | None, hours: list[int]) -> None:
    out = aoristic_hours(_t(f"{FRIDAY} {start}"), _t(end and f"{FRIDAY} {end}"))
    assert (out["how"] % 24).tolist() == hours
    assert math.fsum(out["weight"]) == 1.0


def test_span_straddling_the_day_boundary_splits_over_two_nights() -> None:
    out = aoristic_hours(_t(f"{SATURDAY} 05:00"), _t(f"{SATURDAY} 07:00"))
    assert out["how"].tolist() == [4 * 24 + 5, 5 * 24 + 6]
    assert out["night_date"].tolist() == [pd.Timestamp(FRIDAY), pd.Timestamp(SATURDAY)]
    assert out["weight"].tolist() == [0.5, 0.5]


def test_untimed_events_keep_one_line_without_hour() -> None:
    start = _t(f"{FRIDAY} 22:00", f"{FRIDAY} 00:00", "2026-05-01", None, f"{FRIDAY} 20:00")
    end = _t(None, None, None, None, "2026-05-17 20:00")  # 48 h: over the 24 h cap
    precision = pd.Series(["minute", "day", "month", "minute", "hour"])
    out = aoristic_hours(start, end, precision)
    assert out["how"].tolist() == [4 * 24 + 22, -1, -1, -1, -1]
    assert out["weight"].tolist() == [1.0] * 5 and out["night_date"].isna().sum() == 4
    classes = timing_class(start, end, precision)
    assert classes.tolist() == ["timed", "day", "month", "unknown", "span_over_cap"]
    assert list(classes.cat.categories) == list(TIMING_CLASSES)
    wide = aoristic_hours(start, end, precision, span_cap_hours=48)
    assert (wide["row"] == 4).sum() == 48


def test_span_cap_must_be_positive() -> None:
    with pytest.raises(ValueError):
        aoristic_hours(_t(f"{FRIDAY} 22:00"), span_cap_hours=0)


spans = st.tuples(
    st.integers(0, 60 * 24 * 14),  # minutes into a fortnight
    st.one_of(st.none(), st.integers(0, 60 * 30)),  # span length in minutes, up to 30 h
    st.sampled_from(["minute", "hour", "day", "month", "unknown"]),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(spans, min_size=1, max_size=40), st.integers(0, 23))
def test_weights_of_each_event_sum_to_exactly_one(
    events: list[tuple[int, int | None, str]], boundary: int
) -> None:
    base = pd.Timestamp("2026-03-23")  # crosses the DST change (wall clock throughout)
    start = pd.Series([base + pd.Timedelta(minutes=m) for m, _, _ in events])
    end = pd.Series(
        [pd.NaT if d is None else base + pd.Timedelta(minutes=m + d) for m, d, _ in events],
        dtype="datetime64[ns]",
    )
    precision = pd.Series([p for _, _, p in events])
    out = aoristic_hours(start, end, precision, day_boundary=boundary)
    assert sorted(set(out["row"])) == list(range(len(events)))
    for _, weights in out.groupby("row")["weight"]:
        assert math.fsum(weights) == 1.0  # exact sum of the shares, not just close
    assert out["how"].between(-1, 167).all()
    for row, (m, d, p) in enumerate(events):
        lines = out[out["row"] == row]
        if p not in ("minute", "hour") or (d is not None and d > 24 * 60):
            assert lines["how"].tolist() == [-1]
        elif d:
            first, last = m // 60, (m + d - 1) // 60
            assert len(lines) == last - first + 1
            assert ((lines["how"] % 24).to_numpy() == np.arange(first, last + 1) % 24).all()
        else:
            assert len(lines) == 1
