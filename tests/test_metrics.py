"""Queries over the Atlas: known answers, privacy of every output, and the query round trip."""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.columns import CATEGORIES
from geo.metrics import Atlas, Query
from geo.sample import generate_city
from geo.timewin import HourWindow


def _incidents(rows: list[tuple[str, float, float, str, str]]) -> pd.DataFrame:
    times = pd.to_datetime([r[0] for r in rows])
    return pd.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(len(rows))],
            "occurred_from": times.astype("datetime64[ns]"),
            "occurred_to": pd.Series(pd.NaT, index=range(len(rows)), dtype="datetime64[ns]"),
            "time_precision": ["minute"] * len(rows),
            "lat": [r[1] for r in rows],
            "lon": [r[2] for r in rows],
            "category": [r[3] for r in rows],
            "category_raw": [r[3] for r in rows],
            "source": [r[4] for r in rows],
        }
    )


@pytest.fixture(scope="module")
def city_atlas() -> Atlas:
    city = generate_city(seed=3, incidents=8_000, app_reports=2_000, perceptions=2_000, venues=120)
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)


def test_friday_night_window_counts_saturday_early_hours_once() -> None:
    # Saturday 2025-03-08 02:30 belongs to Friday night; 04:00 is outside 22-4.
    rows = [("2025-03-08 02:30", 45.75, 4.85, "violence", "police")] * 6
    rows += [("2025-03-08 04:00", 45.75, 4.85, "violence", "police")] * 3
    atlas = Atlas(_incidents(rows))
    friday = atlas.query(Query(resolution=9, hours=HourWindow(22, 4), weekdays={4}, k=0))
    saturday = atlas.query(Query(resolution=9, hours=HourWindow(22, 4), weekdays={5}, k=0))
    assert friday.table["incidents"].sum() == 6
    assert saturday.table["incidents"].sum() == 0
    cell = h3i.latlng_to_cell(45.75, 4.85, 9)
    assert friday.table["cell"].tolist() == [cell]


def test_untimed_rows_count_in_all_times_and_are_reported_as_left_out() -> None:
    frame = _incidents([("2025-03-08 02:30", 45.75, 4.85, "theft", "police")] * 7)
    frame.loc[:2, "time_precision"] = "day"
    atlas = Atlas(frame)
    everything = atlas.query(Query(k=0))
    night = atlas.query(Query(hours=HourWindow(22, 4), k=0))
    assert everything.table["incidents"].sum() == 7
    assert night.table["incidents"].sum() == 4
    assert night.summary["rows_left_out_untimed"] == 3
    assert everything.summary["rows_left_out_untimed"] == 0


def test_small_counts_are_hidden_and_source_differences_do_not_leak() -> None:
    rows = [("2025-03-08 01:00", 45.75, 4.85, "theft", "police")] * 6
    rows += [("2025-03-08 01:00", 45.75, 4.85, "theft", "app")] * 2
    rows += [("2025-03-08 01:00", 45.80, 4.90, "theft", "police")] * 3
    for exact in (True, False):  # the k floor holds with and without the noise
        result = Atlas(_incidents(rows), exact=exact).query(Query(k=5))
        table = result.table.set_index("cell")
        busy = table.loc[h3i.latlng_to_cell(45.75, 4.85, 9)]
        quiet = table.loc[h3i.latlng_to_cell(45.80, 4.90, 9)]
        assert abs(busy["incidents"] - 8) <= (0 if exact else 2)
        assert np.isnan(busy["incidents_app"]) and np.isnan(busy["incidents_police"])
        assert np.isnan(quiet["incidents"]) and quiet["suppressed_incidents"]
        assert result.summary["incidents_shown"] == busy["incidents"]  # published, not exact
        assert result.summary["perturbed"] is not exact


def test_k_zero_disables_protection_and_says_so() -> None:
    rows = [("2025-03-08 01:00", 45.80, 4.90, "theft", "police")] * 2
    result = Atlas(_incidents(rows)).query(Query(k=0))
    assert result.table["incidents"].tolist() == [2]
    assert result.summary["protected"] is False


def test_perception_sums_never_reach_the_published_table(city_atlas: Atlas) -> None:
    table = city_atlas.query(Query()).table
    for column in ("n", "sw", "sw2", "swx", "swx2"):
        assert column not in table.columns


def test_counts_are_conserved_between_resolutions(city_atlas: Atlas) -> None:
    totals = [
        city_atlas.query(Query(resolution=r, k=0)).table["incidents"].sum() for r in (7, 8, 9, 10)
    ]
    assert totals == pytest.approx([len(city_atlas.incidents)] * 4)


def test_venues_open_follow_the_window(city_atlas: Atlas) -> None:
    night = city_atlas.query(Query(hours=HourWindow(23, 3), weekdays={4, 5})).summary
    morning = city_atlas.query(Query(hours=HourWindow(8, 10), weekdays={0})).summary
    assert night["venues_open"] > morning["venues_open"]


@settings(max_examples=25, deadline=None)
@given(
    start=st.integers(0, 23),
    length=st.integers(1, 23),
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    categories=st.one_of(st.none(), st.sets(st.sampled_from(CATEGORIES), min_size=1)),
    k=st.integers(1, 20),
    resolution=st.sampled_from([7, 8, 9, 10]),
    mode=st.sampled_from(["suppress", "coarsen"]),
)
def test_no_published_cell_reveals_a_count_below_k(
    city_atlas, start, length, weekdays, categories, k, resolution, mode
) -> None:
    query = Query(
        resolution=resolution,
        hours=HourWindow(start, (start + length) % 24),
        weekdays=weekdays,
        categories=categories,
        k=k,
        mode=mode,
    )
    table = city_atlas.query(query).table
    for column in ["incidents", "perceived_n", *[f"incidents_{s}" for s in city_atlas.sources]]:
        values = table[column].to_numpy(dtype=float)
        assert not ((values > 0) & (values < k)).any(), column


def test_query_round_trips_through_text_parameters() -> None:
    query = Query(
        resolution=8,
        hours=HourWindow(22, 4),
        weekdays={4, 5},
        categories={"violence", "theft"},
        sources={"app"},
        k=7,
    )
    params = query.to_params()
    assert params["hours"] == "22-4" and params["weekdays"] == "fri,sat"
    assert Query.from_params(params) == query


@pytest.mark.parametrize(
    "bad", [{"resolution": 11}, {"k": -1}, {"categories": {"murder"}}, {"weekdays": {7}}]
)
def test_invalid_queries_raise(bad) -> None:
    with pytest.raises(ValueError):
        Query(**bad)


def test_local_statistics_on_demand(city_atlas: Atlas) -> None:
    fast = city_atlas.query(Query(resolution=8)).table
    full = city_atlas.query(Query(resolution=8), local_stats=True, permutations=99).table
    assert (fast["hotspot"] == "hotspot.not_computed").all()
    assert (
        full["hotspot"]
        .isin(
            [
                "hotspot.hot",
                "hotspot.cold",
                "hotspot.not_significant",
                "hotspot.island",
                "hotspot.no_data",
            ]
        )
        .all()
    )
