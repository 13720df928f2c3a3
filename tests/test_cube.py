"""geo.cube: incident and perception cubes, roll-up, fast codes, Parquet storage and the cache."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import h3
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.columns import CATEGORIES, DAYPARTS
from geo.cube import (
    NO_NIGHT,
    UNTIMED_REASONS,
    UNTIMED_SLOT,
    IncidentCube,
    NightHours,
    PerceptionCube,
    build_incident_cube,
    build_perception_cube,
    cached_cube,
    cube_key,
    day_number,
    load_cube,
    rollup,
    save_cube,
)
from geo.errors import FileFormatError
from geo.index import cells_of, parents_of
from geo.privacy import KEY_MODULUS, record_keys, salt_fingerprint
from geo.sample import generate_city
from geo.timewin import HourWindow, how_mask, parse_weekdays

PARIS = (48.8566, 2.3522)


def incidents_frame(rows: list[dict]) -> pd.DataFrame:
    """A canonical incidents table from a few dicts (defaults fill the rest)."""
    base = {
        "occurred_to": None,
        "time_precision": "minute",
        "lat": PARIS[0],
        "lon": PARIS[1],
        "category": "theft",
        "source": "police",
    }
    frame = pd.DataFrame([{**base, **r} for r in rows])
    frame.insert(0, "incident_id", [f"i{k}" for k in range(len(frame))])
    frame["occurred_from"] = pd.to_datetime(frame["occurred_from"], format="ISO8601")
    frame["occurred_to"] = pd.to_datetime(frame["occurred_to"], format="ISO8601")
    frame["category_raw"] = frame["category"]
    return frame[
        [
            "incident_id",
            "occurred_from",
            "occurred_to",
            "time_precision",
            "lat",
            "lon",
            "category",
            "category_raw",
            "source",
        ]
    ]


@pytest.fixture
def incidents() -> pd.DataFrame:
    return incidents_frame(
        [
            {"occurred_from": "2026-05-16 02:30"},  # Saturday: Friday night
            {
                "occurred_from": "2026-05-15 22:00",
                "occurred_to": "2026-05-16 02:00",
                "category": "violence",
                "source": "app",
                "lat": 48.8600,
            },
            {"occurred_from": "2026-05-01 00:00", "time_precision": "month"},
            {"occurred_from": None, "time_precision": "unknown", "category": "drugs"},
            {
                "occurred_from": "2026-05-20 20:00",
                "occurred_to": "2026-05-23 20:00",  # 72 h: over the cap
                "source": "neighbourhood watch",
            },
            {"occurred_from": "2026-05-16 05:00", "occurred_to": "2026-05-16 07:00"},
        ]
    )


def test_incident_cube_layout_and_known_answers(incidents: pd.DataFrame) -> None:
    cube = build_incident_cube(incidents)
    table = cube.table
    assert list(table.columns) == ["cell", "how", "category", "source", "night", "count", "key"]
    assert table["cell"].dtype == np.uint64 and table["how"].dtype == np.int16
    assert table["night"].dtype == np.int32
    assert table["count"].dtype == np.float64 and table["key"].dtype == np.int64
    assert list(table["category"].cat.categories) == list(CATEGORIES)
    assert list(table["source"].cat.categories) == ["police", "app", "neighbourhood watch"]
    assert table["count"].sum() == pytest.approx(len(incidents))
    paris = int(cells_of([PARIS[0]], [PARIS[1]], 10)[0])
    saturday_0230 = table[(table["cell"] == paris) & (table["how"] == 4 * 24 + 2)]
    assert saturday_0230["count"].tolist() == [1.0]  # Friday night, 02:00
    assert saturday_0230["night"].tolist() == [day_number(dt.date(2026, 5, 15))]
    assert (table.loc[table["how"] == -1, "night"] == NO_NIGHT).all()
    violence = table[table["category"] == "violence"]
    assert sorted((violence["how"] % 24).tolist()) == [0, 1, 22, 23]
    assert violence["count"].tolist() == [0.25] * 4
    # a spread event adds its whole key to every hour it touches (keys stay integers)
    assert violence["key"].tolist() == record_keys(["i1"]).tolist() * 4
    assert table["key"].sum() == (record_keys(incidents["incident_id"]) * [1, 4, 1, 1, 1, 2]).sum()
    assert cube.untimed_by_precision == {"day": 0, "month": 1, "unknown": 1, "span_over_cap": 1}
    assert set(cube.untimed_by_precision) == set(UNTIMED_REASONS) and cube.untimed == 3
    assert table.loc[table["how"] == -1, "count"].sum() == 3
    assert (cube.first_night, cube.last_night) == (dt.date(2026, 5, 15), dt.date(2026, 5, 16))
    assert cube.nights_per_weekday() == {0: 0, 1: 0, 2: 0, 3: 0, 4: 1, 5: 1, 6: 0}
    assert cube.rows == 6 and cube.resolution == 10 and cube.day_boundary == 6
    assert cube.settings == {"resolution": 10, "day_boundary": 6, "span_cap_hours": 24,
                             "key_salt_id": salt_fingerprint(None)}


def test_cube_is_sorted_and_deterministic(incidents: pd.DataFrame) -> None:
    cube = build_incident_cube(incidents)
    shuffled = incidents.sample(frac=1, random_state=3).reset_index(drop=True)
    again = build_incident_cube(shuffled)
    pd.testing.assert_frame_equal(cube.table, again.table)
    order = cube.table.assign(
        category=cube.table["category"].cat.codes, source=cube.table["source"].cat.codes
    )
    keys = list(zip(*(order[c] for c in IncidentCube.KEY_COLUMNS), strict=True))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)


def test_day_boundary_and_cap_settings_change_the_cube(incidents: pd.DataFrame) -> None:
    calendar = build_incident_cube(incidents, day_boundary=0)
    assert (calendar.table["how"] == 5 * 24 + 2).any()  # Saturday 02:30 now on Saturday
    wide = build_incident_cube(incidents, span_cap_hours=72)
    assert wide.untimed_by_precision["span_over_cap"] == 0
    assert wide.table["count"].sum() == pytest.approx(len(incidents))


def test_incident_cube_refuses_contract_breaches(incidents: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="category outside"):
        build_incident_cube(incidents.assign(category="mugging"))
    with pytest.raises(ValueError, match="lack columns"):
        build_incident_cube(incidents.drop(columns="source"))


def test_nights_per_weekday_counts_each_weekday_in_the_span() -> None:
    table = pd.DataFrame(columns=list(IncidentCube.KEY_COLUMNS + IncidentCube.MEASURES))
    cube = IncidentCube(table, 10, 6, dt.date(2025, 1, 1), dt.date(2025, 12, 31), {}, 0)
    counts = cube.nights_per_weekday()
    assert sum(counts.values()) == 365 and counts[2] == 53  # 2025 starts on a Wednesday
    assert IncidentCube(table, 10, 6, None, None, {}, 0).nights_per_weekday()[4] == 0


# --- roll-up ------------------------------------------------------------------------------------

incident_rows = st.fixed_dictionaries(
    {
        "lat": st.floats(48.83, 48.88),
        "lon": st.floats(2.30, 2.40),
        "start": st.integers(0, 60 * 24 * 10),
        "span": st.one_of(st.none(), st.integers(0, 60 * 30)),
        "time_precision": st.sampled_from(["minute", "hour", "day", "unknown"]),
        "category": st.sampled_from(CATEGORIES),
        "source": st.sampled_from(["police", "app"]),
    }
)


def _frame_from(rows: list[dict]) -> pd.DataFrame:
    base = pd.Timestamp("2026-01-01")
    return incidents_frame(
        [
            {
                "occurred_from": base + pd.Timedelta(minutes=r["start"]),
                "occurred_to": None
                if r["span"] is None
                else base + pd.Timedelta(minutes=r["start"] + r["span"]),
                **{k: r[k] for k in ("lat", "lon", "time_precision", "category", "source")},
            }
            for r in rows
        ]
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(incident_rows, min_size=1, max_size=50))
def test_rollup_conserves_total_and_per_category_counts(rows: list[dict]) -> None:
    frame = _frame_from(rows)
    cube = build_incident_cube(frame, resolution=10)
    expected = frame["category"].value_counts().reindex(list(CATEGORIES), fill_value=0)
    for res in (9, 8, 7):
        up = rollup(cube, res)
        assert up.resolution == res and up.rows == cube.rows
        assert up.untimed_by_precision == cube.untimed_by_precision
        assert up.table["count"].sum() == pytest.approx(len(frame))
        per_cat = up.table.groupby("category", observed=False)["count"].sum()
        np.testing.assert_allclose(per_cat.to_numpy(), expected.to_numpy())
        per_how = up.table.groupby("how")["count"].sum()
        np.testing.assert_allclose(per_how, cube.table.groupby("how")["count"].sum())
        # key sums roll up exactly, as integers: a parent's cell key is its children's
        keys = up.table.groupby("how")["key"].sum()
        assert keys.equals(cube.table.groupby("how")["key"].sum())
        assert set(up.table["cell"]) == set(parents_of(cube.table["cell"].to_numpy(), res))


def test_rollup_edges(incidents: pd.DataFrame) -> None:
    cube = build_incident_cube(incidents, resolution=9)
    assert rollup(cube, 9) is cube
    with pytest.raises(ValueError, match="cannot roll"):
        rollup(cube, 10)
    up = rollup(cube, 7)
    assert isinstance(up, IncidentCube) and up.first_night == cube.first_night
    assert up.table["category"].dtype == cube.table["category"].dtype


# --- fast codes ---------------------------------------------------------------------------------


def test_codes_agree_with_pandas_and_are_cached(incidents: pd.DataFrame) -> None:
    cube = build_incident_cube(incidents)
    codes = cube.codes(9)
    assert cube.codes(9) is codes and cube.codes() is cube.codes(10)
    assert not codes.count.flags.writeable
    window, days = HourWindow(22, 4), parse_weekdays("fri,sat")
    mask = codes.mask(window, days, ["theft", "violence"], ["police", "app"])
    got = dict(zip(codes.cells.tolist(), codes.per_cell(mask).tolist(), strict=True))
    table = rollup(cube, 9).table
    keep = (
        table["how"].ge(0)
        & window.contains(table["how"] % 24)
        & (table["how"] // 24).isin(days)
        & table["category"].isin(["theft", "violence"])
    )
    expected = table[keep].groupby("cell")["count"].sum()
    assert {c: v for c, v in got.items() if v} == pytest.approx(expected.to_dict())
    assert codes.per_cell().sum() == pytest.approx(len(incidents))  # all times: untimed too
    counts, keys = codes.per_cell_source(mask)
    assert counts.shape == keys.shape == (codes.cells.size, len(codes.sources))
    np.testing.assert_allclose(counts.sum(axis=1), codes.per_cell(mask))
    key_sums = table[keep].groupby("cell")["key"].sum() % KEY_MODULUS
    got_keys = dict(zip(codes.cells.tolist(), keys.sum(axis=1) % KEY_MODULUS, strict=True))
    assert {c: got_keys[c] for c in key_sums.index} == key_sums.to_dict()


def test_untimed_rows_only_count_without_time_filters(incidents: pd.DataFrame) -> None:
    codes = build_incident_cube(incidents).codes()
    untimed = codes.how == UNTIMED_SLOT
    assert codes.mask()[untimed].all()
    assert not codes.mask(HourWindow(22, 4))[untimed].any()
    assert not codes.mask(weekdays={4})[untimed].any()
    assert codes.mask(ALL := HourWindow(0, 0), range(7))[untimed].all() and ALL.is_whole_day
    with pytest.raises(ValueError, match="unknown categories"):
        codes.mask(categories=["mugging"])
    with pytest.raises(ValueError, match="cannot refine"):
        build_incident_cube(incidents, resolution=8).codes(9)


# --- perceptions --------------------------------------------------------------------------------


@pytest.fixture
def perceptions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3", "r4", "r5"],
            "lat": [PARIS[0]] * 4 + [48.87],
            "lon": [PARIS[1]] * 4 + [2.33],
            "answered_at": pd.to_datetime(["2026-05-01"] * 5),
            "hour": pd.array([23, 23, None, None, 2], dtype="Int64"),
            "daypart": ["night", "night", "night", "day", "night"],
            "insecurity": [1.0, 0.5, 0.25, 0.0, 0.75],
            "weight": [1.0, 3.0, 2.0, 1.0, 1.0],
            "group": pd.array(["women", "women", None, "men", "women"], dtype="string"),
        }
    )


def test_perception_cube_moments(perceptions: pd.DataFrame) -> None:
    cube = build_perception_cube(perceptions)
    table = cube.table
    assert list(table.columns) == [
        "cell",
        "hour",
        "daypart",
        "group",
        "answered",
        "n",
        "sw",
        "sw2",
        "swx",
        "swx2",
        "key",
    ]
    assert table["hour"].dtype == np.int8 and table["n"].dtype == np.int64
    assert list(table["daypart"].cat.categories) == list(DAYPARTS)
    assert list(table["group"].cat.categories) == ["men", "women", "unknown"]
    paris = int(cells_of([PARIS[0]], [PARIS[1]], 10)[0])
    late = table[(table["cell"] == paris) & (table["hour"] == 23)].iloc[0]
    assert (late["n"], late["sw"], late["sw2"], late["swx"], late["swx2"]) == (
        2,
        4.0,
        10.0,
        2.5,
        1.75,
    )
    assert late["swx"] / late["sw"] == np.average([1.0, 0.5], weights=[1.0, 3.0])
    unknown = table[table["group"] == "unknown"].iloc[0]
    assert unknown["hour"] == -1 and unknown["daypart"] == "night"
    assert table["n"].sum() == 5 and cube.rows == 5
    assert table["key"].sum() == record_keys(perceptions["response_id"]).sum()
    assert build_perception_cube(perceptions, key_salt="other").table["key"].sum() != (
        table["key"].sum())


def test_perception_rollup_conserves_moments(perceptions: pd.DataFrame) -> None:
    cube = build_perception_cube(perceptions)
    up = rollup(cube, 7)
    assert isinstance(up, PerceptionCube) and up.resolution == 7
    assert set(up.table["cell"]) == set(parents_of(cube.table["cell"], 7))
    for m in PerceptionCube.MEASURES:
        assert up.table[m].sum() == pytest.approx(cube.table[m].sum())
    assert up.table["n"].dtype == np.int64


def test_perception_cube_refuses_missing_values(perceptions: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="finite"):
        build_perception_cube(perceptions.assign(weight=[1.0, np.nan, 1.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="daypart outside"):
        build_perception_cube(perceptions.assign(daypart="dusk"))


# --- storage and cache --------------------------------------------------------------------------


def test_save_and_load_round_trip(
    tmp_path: Path, incidents: pd.DataFrame, perceptions: pd.DataFrame
) -> None:
    for cube in (build_incident_cube(incidents), build_perception_cube(perceptions)):
        path = save_cube(cube, tmp_path / f"{cube.KIND}.parquet")
        loaded = load_cube(path)
        assert type(loaded) is type(cube)
        pd.testing.assert_frame_equal(loaded.table, cube.table)
        assert loaded.metadata() == cube.metadata()
    rolled = load_cube(save_cube(rollup(build_incident_cube(incidents), 8), tmp_path / "r8.pq"))
    assert rolled.resolution == 8


def test_load_refuses_a_plain_parquet(tmp_path: Path) -> None:
    path = tmp_path / "plain.parquet"
    pd.DataFrame({"a": [1]}).to_parquet(path)
    with pytest.raises(FileFormatError, match="not an Insecurity Atlas cube"):
        load_cube(path)


def test_cube_key_follows_content_and_settings(incidents: pd.DataFrame) -> None:
    key = cube_key(incidents, {"resolution": 10})
    assert key == cube_key(incidents.copy(), {"resolution": 10})
    assert key == cube_key(incidents.set_axis(range(10, 16)), {"resolution": 10})  # index ignored
    assert key != cube_key(incidents, {"resolution": 9})
    changed = incidents.copy()
    changed.loc[0, "lat"] += 1e-9
    assert key != cube_key(changed, {"resolution": 10})
    assert key != cube_key(incidents.rename(columns={"source": "src"}), {"resolution": 10})
    assert key != cube_key(incidents.iloc[:-1], {"resolution": 10})


def test_cached_cube_builds_once_per_input_and_settings(
    tmp_path: Path, incidents: pd.DataFrame
) -> None:
    calls: list[dict] = []

    def build(frame: pd.DataFrame, *, resolution: int = 10) -> IncidentCube:
        calls.append({"resolution": resolution})
        return build_incident_cube(frame, resolution=resolution)

    first = cached_cube(incidents, build, tmp_path, {"resolution": 10})
    files = list(tmp_path.glob("incidents-*.parquet"))
    assert len(calls) == 1 and len(files) == 1
    mtime = os.stat(files[0]).st_mtime_ns
    second = cached_cube(incidents, build, tmp_path, {"resolution": 10})
    assert len(calls) == 1 and os.stat(files[0]).st_mtime_ns == mtime
    pd.testing.assert_frame_equal(second.table, first.table)
    assert second.metadata() == first.metadata()
    cached_cube(incidents, build, tmp_path)  # the default spelled out or not: same key
    assert len(calls) == 1
    cached_cube(incidents, build, tmp_path, {"resolution": 9})
    assert len(calls) == 2 and len(list(tmp_path.glob("incidents-*.parquet"))) == 2
    cached_cube(incidents.iloc[:-1], build, tmp_path, {"resolution": 9})
    assert len(calls) == 3
    assert not list(tmp_path.glob(".*.tmp"))


def test_cached_cube_rebuilds_a_damaged_file(tmp_path: Path, perceptions: pd.DataFrame) -> None:
    cube = cached_cube(perceptions, build_perception_cube, tmp_path)
    (path,) = tmp_path.glob("perceptions-*.parquet")
    path.write_bytes(b"not parquet")
    again = cached_cube(perceptions, build_perception_cube, tmp_path)
    pd.testing.assert_frame_equal(again.table, cube.table)
    assert isinstance(load_cube(path), PerceptionCube)
    with pytest.raises(ValueError, match="kind"):
        cached_cube(pd.DataFrame({"x": [1]}), build_perception_cube, tmp_path)


def test_codes_cells_are_valid_h3(incidents: pd.DataFrame) -> None:
    codes = build_incident_cube(incidents).codes(8)
    assert all(h3.get_resolution(h3.int_to_str(int(c))) == 8 for c in codes.cells)


def test_empty_input_gives_an_empty_cube_of_the_right_layout(tmp_path: Path) -> None:
    empty = incidents_frame([{"occurred_from": "2026-05-16 02:30"}]).iloc[:0]
    cube = build_incident_cube(empty)
    assert len(cube.table) == 0 and cube.table["count"].dtype == np.float64
    assert cube.first_night is None and sum(cube.nights_per_weekday().values()) == 0
    loaded = load_cube(save_cube(rollup(cube, 8), tmp_path / "empty.parquet"))
    pd.testing.assert_frame_equal(loaded.table, rollup(cube, 8).table)
    assert cube.codes(8).per_cell().size == 0


def test_validated_canonical_tables_build_cubes() -> None:
    """The contract frames the validators emit are exactly what the cube builders read."""
    from geo.schema import ReportBuilder, validate_incidents, validate_perceptions

    staged = pd.DataFrame(
        {
            "incident_id": ["a", "b", None],
            "occurred_from": ["2026-05-16 02:30", "2026-05-15 22:00", "2026-05"],
            "occurred_to": [None, "2026-05-16 02:00", None],
            "time_precision": ["minute", "minute", "month"],
            "lat": [48.85, 48.86, 48.87],
            "lon": [2.35, 2.36, 2.37],
            "category": ["theft", "violence", "drugs"],
            "category_raw": ["t", "v", "d"],
            "source": ["police", "app", "police"],
        }
    )
    clean, _ = validate_incidents(staged, ReportBuilder("x.csv", "csv", "incidents", 3))
    cube = build_incident_cube(clean)
    assert cube.table["count"].sum() == pytest.approx(3) and cube.untimed == 1
    answers = pd.DataFrame(
        {
            "response_id": ["r1", "r2"],
            "lat": [48.85, 48.86],
            "lon": [2.35, 2.36],
            "answered_at": [None, None],
            "hour": [23, None],
            "daypart": [None, "night"],
            "insecurity": [0.5, 1.0],
            "weight": [1.0, 2.0],
            "group": ["women", None],
        }
    )
    clean, _ = validate_perceptions(answers, ReportBuilder("s.csv", "csv", "perceptions", 2))
    cube = build_perception_cube(clean)
    assert cube.table["n"].sum() == 2 and cube.table["sw"].sum() == 3.0


def test_dated_codes_filter_by_night_and_undated_codes_refuse(incidents: pd.DataFrame) -> None:
    cube = build_incident_cube(incidents)
    dated, undated = cube.codes(9, dated=True), cube.codes(9)
    assert dated.count.sum() == pytest.approx(undated.count.sum())
    assert np.array_equal(dated.cells, undated.cells) and undated.cell.size <= dated.cell.size
    friday = dated.mask(date_from=dt.date(2026, 5, 15), date_to=dt.date(2026, 5, 15))
    assert not (friday & (dated.how == UNTIMED_SLOT)).any()  # untimed rows have no night
    assert dated.count[friday].sum() == pytest.approx(
        dated.count[(dated.night == day_number(dt.date(2026, 5, 15)))].sum())
    with pytest.raises(ValueError, match="no night dates"):
        undated.mask(date_from=dt.date(2026, 5, 15))


@pytest.fixture(scope="module")
def year_codes():
    city = generate_city(seed=3, incidents=20_000, app_reports=3_000, perceptions=0, venues=0)
    return build_incident_cube(city.incidents).codes(9, dated=True)


def _reference_mask(codes, window=None, weekdays=None, categories=None, sources=None,
                    date_from=None, date_to=None, night_hours=None) -> np.ndarray:
    """The rows a filter keeps, read off the codes' columns one by one (what
    ``CubeCodes.select`` must find by its slices and lookups)."""
    timed = codes.how < UNTIMED_SLOT
    how = np.where(timed, codes.how, 0)
    keep = how_mask(window, weekdays)[how] & timed
    dated_filter = date_from is not None or date_to is not None or night_hours is not None
    whole = (window is None or window.is_whole_day) and (weekdays is None
                                                        or set(weekdays) >= set(range(7)))
    if whole and not dated_filter:
        keep |= ~timed  # untimed rows count only in the "all times, all dates" view
    if categories is not None:
        keep &= np.isin(np.asarray(codes.categories)[codes.category], list(categories))
    if sources is not None:
        keep &= np.isin(np.asarray(codes.sources)[codes.source], list(sources))
    night = codes.night.astype(np.int64)
    epoch = dt.date(1970, 1, 1)
    if date_from is not None:
        keep &= timed & (night >= (date_from - epoch).days)
    if date_to is not None:
        keep &= timed & (night <= (date_to - epoch).days)
    if night_hours is not None:
        day = night - night_hours.first
        inside = timed & (day >= 0) & (day < night_hours.table.shape[0])
        hour = codes.how % 24
        keep &= inside & night_hours.table[np.where(inside, day, 0), hour]
    return keep


@pytest.mark.parametrize("first, last", [
    (dt.date(2025, 5, 16), dt.date(2025, 5, 16)),  # one night
    (dt.date(2025, 3, 1), dt.date(2025, 5, 31)),  # a season
    (None, dt.date(2025, 2, 20)), (dt.date(2025, 9, 10), None),  # open ends
    (dt.date(2020, 1, 1), dt.date(2030, 1, 1)),  # every night: no mask left
    (dt.date(2026, 1, 1), None), (dt.date(2025, 5, 20), dt.date(2025, 5, 10)),  # none
    (None, None),  # no date range: hour and weekday filters, untimed rows by the rule
])
def test_selection_of_a_date_range_is_the_rows_of_its_mask_in_order(
    year_codes, first: dt.date | None, last: dt.date | None
) -> None:
    """The night-ordered slice finds exactly the masked rows, in row order, so every sum over
    them runs in the same order and gives the same totals to the last bit."""
    codes = year_codes
    assert (np.diff(codes.night.astype(np.int64)) >= 0).all()  # stored in night order
    for filters in ({}, {"window": HourWindow(22, 4), "weekdays": {4, 5}},
                    {"categories": ["violence"], "sources": ["police"]}):
        mask = _reference_mask(codes, date_from=first, date_to=last, **filters)
        assert np.array_equal(codes.mask(date_from=first, date_to=last, **filters), mask)
        rows = codes.select(date_from=first, date_to=last, **filters)
        assert np.array_equal(rows.positions(), np.flatnonzero(mask)), filters
        by_rows, by_mask = codes.per_cell_source(rows), codes.per_cell_source(mask)
        assert all(np.array_equal(a, b) for a, b in zip(by_rows, by_mask, strict=True))
    untimed = codes.how == UNTIMED_SLOT
    assert codes.untimed_count() == codes.count[untimed].sum()
    assert codes.untimed_count(["violence"], ["police"]) == codes.count[
        codes.mask(None, None, ["violence"], ["police"], include_untimed=True) & untimed].sum()


def test_selection_of_a_sun_window_is_the_rows_of_its_mask(year_codes) -> None:
    """A window that follows the dark (per-night hours) selects what its mask keeps, with or
    without a date range, and an empty range selects nothing."""
    codes = year_codes
    first = int(codes.night[codes.how < UNTIMED_SLOT].min())
    rng = np.random.default_rng(0)
    table = rng.random((400, 24)) < 0.4  # some hours of each of 400 nights
    night_hours = NightHours(first=first, table=table)
    for first_day, last_day in ((None, None), (dt.date(2025, 4, 1), dt.date(2025, 6, 30))):
        mask = _reference_mask(codes, date_from=first_day, date_to=last_day,
                               night_hours=night_hours)
        rows = codes.select(date_from=first_day, date_to=last_day, night_hours=night_hours)
        assert mask.any() and np.array_equal(rows.positions(), np.flatnonzero(mask))
        assert np.array_equal(codes.per_cell_source(rows)[0], codes.per_cell_source(mask)[0])
    empty = codes.select(date_from=dt.date(2025, 5, 20), date_to=dt.date(2025, 5, 10))
    assert empty.positions().size == 0 and codes.per_cell_source(empty)[0].sum() == 0
