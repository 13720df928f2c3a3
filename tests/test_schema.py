"""Validators and the ledger: every dropped or repaired row is counted with its reason."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.columns import INCIDENT_COLUMNS
from geo.schema import (
    LOCATION_COLUMN,
    LoadOptions,
    ReportBuilder,
    check_contract,
    daypart_of_hour,
    validate_incidents,
    validate_perceptions,
    validate_venues,
)


def _incidents(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base = {
        "incident_id": [f"i{i}" for i in range(n)],
        "occurred_from": pd.to_datetime(["2025-03-07 23:30"] * n),
        "lat": [48.85] * n,
        "lon": [2.35] * n,
        "category": ["theft"] * n,
        "source": ["police"] * n,
    }
    base.update(columns)
    return pd.DataFrame(base)


def _run(frame: pd.DataFrame, validate=validate_incidents, table="incidents", **options):
    builder = ReportBuilder("test.csv", "generic", table, len(frame))
    return validate(frame, builder, LoadOptions(**options))


def test_clean_rows_pass_unchanged_and_meet_the_contract() -> None:
    clean, report = _run(_incidents(lat=[48.85, 48.86]))
    assert list(clean.columns) == list(INCIDENT_COLUMNS)
    assert report.rows_out == 2 and report.ok
    assert report.time_precision == {"minute": 2}
    check_contract(clean, "incidents")


@pytest.mark.parametrize(
    ("lat", "lon", "reason"),
    [
        ("", "2.3", "missing_coordinates"),
        (None, "2.3", "missing_coordinates"),
        ("abc", "2.3", "non_numeric_coordinates"),
        ("0", "0", "zero_zero_sentinel"),
        ("95", "200", "out_of_range_coordinates"),
        ("nan", "2.3", "missing_coordinates"),
    ],
)
def test_unusable_coordinates_are_dropped_with_their_reason(lat, lon, reason) -> None:
    frame = _incidents(lat=["48.8", lat], lon=["2.3", lon])
    clean, report = _run(frame)
    assert report.dropped == {reason: 1}
    assert report.rows_out == 1
    kept = report.dropped_rows
    assert list(kept["_reason"]) == [reason] and list(kept["_row"]) == [2]


def test_one_zero_coordinate_is_a_real_place_only_both_are_the_sentinel() -> None:
    # Greenwich has lon 0 and the equator lat 0; only (0, 0) together is an export's "no value".
    frame = _incidents(lat=[51.4779, 0.0, 0.0], lon=[0.0, 9.45, 0.0])
    clean, report = _run(frame)
    assert report.dropped == {"zero_zero_sentinel": 1}
    assert clean[["lat", "lon"]].to_numpy().tolist() == [[51.4779, 0.0], [0.0, 9.45]]


def test_swapped_coordinates_are_repaired_not_dropped() -> None:
    clean, report = _run(_incidents(lat=[151.21], lon=[-33.87]))
    assert report.repaired == {"lat_lon_swapped": 1}
    assert clean.loc[0, "lat"] == pytest.approx(-33.87) and clean.loc[0, "lon"] == pytest.approx(
        151.21
    )


def test_swapped_coordinates_inside_the_study_area_are_detected_with_a_bbox() -> None:
    # Chicago swapped (lat -87.6, lon 41.8) is in range; the study area tells.
    frame = _incidents(lat=[41.80, -87.63], lon=[-87.60, 41.81])
    clean, report = _run(frame, bbox=(-88.0, 41.6, -87.5, 42.1))
    assert report.repaired == {"lat_lon_swapped": 1} and report.ok
    assert clean["lat"].between(41.6, 42.1).all()


def test_decimal_commas_are_read_as_numbers() -> None:
    clean, report = _run(_incidents(lat=["48,85"], lon=["2,35"]))
    assert report.ok and clean.loc[0, "lat"] == pytest.approx(48.85)


def test_bbox_drops_points_outside_the_study_area() -> None:
    frame = _incidents(lat=[48.85, 43.3], lon=[2.35, 5.4])
    _, report = _run(frame, bbox=(2.0, 48.5, 2.8, 49.1))
    assert report.dropped == {"outside_study_area": 1}


def test_duplicate_ids_keep_the_first_and_missing_ids_are_generated() -> None:
    frame = _incidents(incident_id=["a", "a", None, None], lat=[48.1, 48.2, 48.3, 48.3])
    clean, report = _run(frame)
    assert report.dropped == {"duplicate_id": 1}
    assert report.repaired["missing_id_generated"] == 2
    generated = clean["incident_id"].iloc[1:]
    assert generated.is_unique and generated.str.startswith("inc-").all()


def test_generated_ids_are_deterministic() -> None:
    frame = _incidents(incident_id=[None, None])
    first, _ = _run(frame)
    second, _ = _run(frame)
    assert first["incident_id"].tolist() == second["incident_id"].tolist()


def test_unknown_categories_become_other_and_keep_their_raw_label() -> None:
    clean, report = _run(_incidents(category=["Vol à la tire", "THEFT"]))
    assert clean["category"].tolist() == ["other", "theft"]
    assert clean["category_raw"].tolist() == ["Vol à la tire", "THEFT"]
    assert report.repaired == {"category_unmapped_to_other": 1}


def test_time_precision_and_default_times() -> None:
    times = pd.to_datetime(["2025-03-07 00:00", "2025-03-07 12:00", "2025-03-07 23:10", None])
    clean, report = _run(_incidents(occurred_from=times), default_times_unknown=True)
    assert clean["time_precision"].tolist() == ["day", "day", "minute", "unknown"]
    assert report.repaired == {"default_time_00_or_12_treated_as_unknown_hour": 2}
    assert report.time_precision == {"day": 2, "minute": 1, "unknown": 1}


def test_location_precision_counts_kept_rows_and_names_the_coarsest() -> None:
    frame = _incidents(lat=[48.85, 48.86, 48.87, None])
    frame[LOCATION_COLUMN] = [499.6, float("nan"), 0.4, 500.0]  # the last row is dropped
    clean, report = _run(frame)
    assert LOCATION_COLUMN not in clean.columns
    assert report.location_precision == {"exact": 1, "1 m": 1, "500 m": 1}
    assert report.location_precision_m == 500.0
    summary = report.to_dict()
    assert summary["location_precision"] == {"exact": 1, "1 m": 1, "500 m": 1}
    assert summary["location_precision_m"] == 500.0
    assert "location precision:\n    1 m: 1\n    500 m: 1\n    exact: 1" in report.to_text()


def test_location_precision_stated_in_the_options_applies_to_every_reader() -> None:
    _, report = _run(_incidents(lat=[48.85, 48.86]))
    assert (report.location_precision, report.location_precision_m) == ({"exact": 2}, None)
    frame = _incidents(lat=[48.85, 48.86])
    frame[LOCATION_COLUMN] = [1000.0, float("nan")]
    _, report = _run(frame, location_precision_m=150)  # a coarser grid wins on its rows
    assert report.location_precision == {"150 m": 1, "1000 m": 1}
    _, report = _run(pd.DataFrame(columns=["lat", "lon"]), validate=validate_venues,
                     table="venues", location_precision_m=150)
    assert (report.location_precision, report.location_precision_m) == ({}, None)


@pytest.mark.parametrize("metres", [0, -5, float("inf"), float("nan"), True, "500"])
def test_location_precision_option_must_be_positive_metres(metres) -> None:
    with pytest.raises(ValueError, match="location_precision_m"):
        LoadOptions(location_precision_m=metres)


def test_inverted_spans_are_swapped() -> None:
    frame = _incidents(
        occurred_from=pd.to_datetime(["2025-03-08 02:00"]),
        occurred_to=pd.to_datetime(["2025-03-07 22:00"]),
    )
    clean, report = _run(frame)
    assert clean.loc[0, "occurred_from"] < clean.loc[0, "occurred_to"]
    assert report.repaired == {"inverted_time_span_swapped": 1}


def test_a_span_that_ends_when_it_starts_is_not_a_repair() -> None:
    at = pd.to_datetime(["2025-03-07 23:00"])
    clean, report = _run(_incidents(occurred_from=at, occurred_to=at))
    assert report.repaired == {} and report.ok
    assert clean.loc[0, "occurred_from"] == clean.loc[0, "occurred_to"] == at[0]


def test_tz_aware_times_become_local_wall_clock() -> None:
    utc = pd.Series(pd.to_datetime(["2025-07-01 22:30"]).tz_localize("UTC"))
    clean, _ = _run(_incidents(occurred_from=utc), timezone="Europe/Paris")
    assert clean.loc[0, "occurred_from"] == pd.Timestamp("2025-07-02 00:30")


def test_perceptions_are_checked_and_dayparts_derived() -> None:
    frame = pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3", "r4", "r5", "r6"],
            "lat": [48.8] * 6,
            "lon": [2.3] * 6,
            "insecurity": [0.0, 1.0, 1.5, None, "x", 0.5],
            "weight": [1.0, None, 1.0, 1.0, 1.0, -2],
            "hour": [23, 30, None, None, None, 2],
            "daypart": [None, "night", "NIGHT", None, None, "afternoon"],
        }
    )
    clean, report = _run(frame, validate_perceptions, "perceptions")
    assert report.dropped == {
        "insecurity_out_of_range": 1,
        "missing_or_non_numeric_insecurity": 2,
        "invalid_weight": 1,
    }
    assert report.repaired == {
        "missing_weight_set_to_1": 1,
        "hour_out_of_range_cleared": 1,
    }
    assert clean["daypart"].tolist() == ["night", "night"]
    assert clean["hour"].tolist()[1] is pd.NA


def test_perception_boundaries_weight_zero_and_hour_24() -> None:
    # A weight must be > 0 (0 is dropped, not kept to break the contract); hours run 0..23,
    # so 24 is cleared (and its daypart derived from nothing: "any"), while 0 and 23 stay.
    frame = pd.DataFrame(
        {
            "response_id": ["r1", "r2", "r3", "r4"],
            "lat": [48.8] * 4,
            "lon": [2.3] * 4,
            "insecurity": [0.5] * 4,
            "weight": [0.0, 1.0, 1.0, 1.0],
            "hour": [23, 24, 0, 23],
            "daypart": [None] * 4,
        }
    )
    clean, report = _run(frame, validate_perceptions, "perceptions")
    assert report.dropped == {"invalid_weight": 1}
    assert report.repaired == {"hour_out_of_range_cleared": 1}
    assert clean["response_id"].tolist() == ["r2", "r3", "r4"]
    assert clean["hour"].tolist()[1:] == [0, 23] and clean["hour"].tolist()[0] is pd.NA
    assert clean["daypart"].tolist() == ["any", "night", "night"]


def test_daypart_of_hour_wraps_midnight() -> None:
    hours = pd.Series([0, 5, 6, 17, 18, 21, 22, 23, None], dtype="Int64")
    expected = ["night", "night", "day", "day", "evening", "evening", "night", "night", "any"]
    assert daypart_of_hour(hours).tolist() == expected


def test_venues_flag_unknown_hours_without_guessing() -> None:
    frame = pd.DataFrame(
        {
            "venue_id": ["node/1", "node/2", "node/3"],
            "name": ["A", None, "C"],
            "kind": ["bar", "pub", None],
            "lat": [48.8] * 3,
            "lon": [2.3] * 3,
            "opening_hours": ["Fr-Sa 18:00-03:00", "till late", None],
        }
    )
    clean, report = _run(frame, validate_venues, "venues")
    assert clean["hours_known"].tolist() == [True, False, False]
    assert clean["opening_hours"].tolist()[1] == "till late"
    assert report.flagged == {"opening_hours_missing": 1, "opening_hours_unparseable": 1}
    assert clean["kind"].tolist()[2] == "unknown"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.floats(allow_nan=True), st.text(max_size=4)),
            st.one_of(st.none(), st.floats(allow_nan=True), st.text(max_size=4)),
            st.sampled_from(["a", "b", "c", None]),
        ),
        max_size=30,
    )
)
def test_rows_in_always_reconciles(rows) -> None:
    frame = (
        _incidents(
            incident_id=[r[2] for r in rows] or [],
            lat=[r[0] for r in rows],
            lon=[r[1] for r in rows],
        )
        if rows
        else _incidents(lat=[])
    )
    clean, report = _run(frame)
    assert report.rows_in == len(frame)
    assert report.rows_out + report.rows_merged + report.rows_dropped == report.rows_in
    assert len(report.dropped_rows) == report.rows_dropped
    assert len(clean) == report.rows_out
