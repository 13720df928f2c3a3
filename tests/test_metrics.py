"""Queries over the Atlas: known answers, privacy of every output, and the query round trip."""

from __future__ import annotations

import math

import h3
import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from geo.columns import CATEGORIES
from geo.metrics import (
    COMPARE_COLUMNS,
    PERCEIVED_VALUES,
    RECORDED_VALUES,
    Atlas,
    Query,
    with_comparison,
)
from geo.sample import generate_city
from geo.schema import check_contract
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



@pytest.mark.parametrize(
    "query",
    [Query(resolution=9), Query(resolution=10, k=0), Query(resolution=9, mode="coarsen"),
     Query(resolution=9, hours=HourWindow(3, 4), weekdays=(0,))],
    ids=["k5", "k0", "coarsened", "narrow"],
)
def test_a_comparison_added_after_the_query_is_the_one_the_query_gives(
    city_atlas: Atlas, query: Query
) -> None:
    whole = city_atlas.query(query, local_stats=True, permutations=49, seed=2)
    bare = city_atlas.query(query, compare=False)
    assert not set(COMPARE_COLUMNS) & set(bare.table.columns)
    later = with_comparison(bare, local_stats=True, permutations=49, seed=2)
    pd.testing.assert_frame_equal(later.table, whole.table)
    assert later.protected.table is later.table
    assert later.summary == whole.summary or (  # NaN rho: compare the rest
        math.isnan(whole.summary["spearman"]["rho"])
        and {**later.summary, "spearman": 0} == {**whole.summary, "spearman": 0}
        and later.summary["spearman"]["n"] == whole.summary["spearman"]["n"]
    )
    assert bare.summary["cells_compared"] == 0  # the bare result is left as it was

# ------------------------------------------------------------- known answers on a hand-built city
#
# Every number a user reads, on a few rows written out here, against a computation by hand from
# those rows (never from the cubes the Atlas builds). Points sit at the centre of a res-10 cell,
# so their coarser cells are that cell's parents without any doubt at a cell edge.

T_975_DOF_7 = 2.364624251592784
"""Student's t quantile 0.975 with 7 degrees of freedom (a table value)."""


def _point(cell: int) -> tuple[float, float]:
    """(lat, lon) of the centre of ``cell``'s centre child at res 10."""
    return h3i.cell_to_latlng(h3i.cell_to_center_child(cell, 10))


def _answers(
    rows: list[tuple[tuple[float, float], float, float]],
    *,
    hour: int | None = 23,
    daypart: str = "night",
    prefix: str = "r",
) -> pd.DataFrame:
    """Canonical perceptions from ((lat, lon), insecurity, weight), all about one hour (23:00)
    or, with ``hour=None``, known only by their daypart."""
    n = len(rows)
    frame = pd.DataFrame(
        {
            "response_id": [f"{prefix}{i}" for i in range(n)],
            "lat": [r[0][0] for r in rows],
            "lon": [r[0][1] for r in rows],
            "answered_at": pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"),
            "hour": pd.array([hour] * n, dtype="Int64"),
            "daypart": [daypart] * n,
            "insecurity": [float(r[1]) for r in rows],
            "weight": [float(r[2]) for r in rows],
            "group": ["all"] * n,
        }
    )
    return check_contract(frame, "perceptions")


def _venues(rows: list[tuple[tuple[float, float], str]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "venue_id": [f"v{i}" for i in range(len(rows))],
            "name": [f"Bar {i}" for i in range(len(rows))],
            "kind": ["bar"] * len(rows),
            "lat": [r[0][0] for r in rows],
            "lon": [r[0][1] for r in rows],
            "opening_hours": [r[1] for r in rows],
            "hours_known": [r[1] != "nonsense" for r in rows],
        }
    )
    return check_contract(frame, "venues")


def _by_hand(answers: list[tuple[float, float]]) -> dict[str, float]:
    """Weighted mean, variance, Kish n_eff and standard error of one cell's (x, w) answers."""
    sw = math.fsum(w for _, w in answers)
    mean = math.fsum(w * x for x, w in answers) / sw
    n_eff = sw**2 / math.fsum(w * w for _, w in answers)
    spread = math.fsum(w * (x - mean) ** 2 for x, w in answers) / sw
    var = spread * n_eff / (n_eff - 1)  # reliability weights: unbiased
    return {
        "mean": mean,
        "n_eff": n_eff,
        "var": var,
        "se": math.sqrt(var / n_eff),
    }


def _eb_two_cells(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> list[float]:
    """The normal-normal EB value of two cells, in closed form (method of moments).

    Prior mean m: the weighted mean of every answer. Pooled within-cell variance
    s2 = sum((n_eff_i - 1) var_i) / sum(n_eff_i - 1). Between-cell variance with 2 cells and one
    area: (mean_a - m)^2 + (mean_b - m)^2, over 2 - 1. tau2 = between - mean(s2 / n_eff_i),
    floored at 0. B_i = (s2 / n_eff_i) / (s2 / n_eff_i + tau2); eb_i = B_i m + (1 - B_i) mean_i.
    """
    cells = [_by_hand(a), _by_hand(b)]
    both = a + b
    m = math.fsum(w * x for x, w in both) / math.fsum(w for _, w in both)
    s2 = math.fsum((c["n_eff"] - 1) * c["var"] for c in cells) / math.fsum(
        c["n_eff"] - 1 for c in cells
    )
    between = (cells[0]["mean"] - m) ** 2 + (cells[1]["mean"] - m) ** 2
    tau2 = max(0.0, between - (s2 / cells[0]["n_eff"] + s2 / cells[1]["n_eff"]) / 2)
    shrink = [(s2 / c["n_eff"]) / (s2 / c["n_eff"] + tau2) for c in cells]
    return [bi * m + (1 - bi) * c["mean"] for bi, c in zip(shrink, cells, strict=True)]


HERE = h3i.latlng_to_cell(45.75, 4.85, 9)
AWAY = h3i.latlng_to_cell(45.85, 4.95, 9)
"""Two res-9 cells with different res-7 parents: coarsening one never absorbs the other."""


@pytest.fixture(scope="module")
def two_weeks() -> Atlas:
    """One cell, 7 incidents over the nights of Fri 7 to Fri 21 March 2025 (15 nights).

    Nights per weekday: Fridays 7, 14, 21 (3); every other weekday 2. One row knows only its
    day (30 April): it counts in "all times" but neither in a weekday filter nor in the nights.
    """
    lat, lon = _point(HERE)
    rows = [
        ("2025-03-07 23:00", lat, lon, "theft", "police"),  # Friday night
        ("2025-03-07 23:30", lat, lon, "theft", "police"),  # Friday night
        ("2025-03-08 02:30", lat, lon, "violence", "app"),  # still Friday night
        ("2025-03-08 23:00", lat, lon, "theft", "police"),  # Saturday night
        ("2025-03-18 21:00", lat, lon, "theft", "police"),  # Tuesday night
        ("2025-03-22 01:00", lat, lon, "violence", "police"),  # Friday 21 night: the last
        ("2025-04-30 00:00", lat, lon, "theft", "police"),  # day only
    ]
    frame = _incidents(rows)
    frame.loc[6, "time_precision"] = "day"
    check_contract(frame, "incidents")
    return _exact(frame)


def _exact(*args, **kwargs) -> Atlas:
    """An Atlas without the cell-key noise: these known answers are of the exact arithmetic
    (the published, noisy values have their own tests in test_privacy_noise.py)."""
    return Atlas(*args, exact=True, **kwargs)


@pytest.mark.parametrize(
    ("weekdays", "hours", "incidents", "nights"),
    [
        (None, None, 7, 15),  # all times: the day-only row counts, not its date
        ({4, 5}, None, 5, 5),  # Friday and Saturday nights: 3 + 2 of the 15
        ({4}, None, 4, 3),
        ({1}, None, 1, 2),  # Tuesdays 11 and 18
        ({4}, HourWindow(23, 2), 3, 3),  # 23:00, 23:30, 01:00 (02:30 is outside)
        (None, HourWindow(22, 4), 5, 15),  # every night: the timed rows but the 21:00 one
    ],
)
def test_incidents_per_night_known_answers(
    two_weeks: Atlas, weekdays, hours, incidents: int, nights: int
) -> None:
    query = Query(resolution=9, weekdays=weekdays, hours=hours, k=0)
    result = two_weeks.query(query)
    assert result.summary["nights"] == nights
    assert two_weeks.nights(query) == nights
    row = result.table.set_index("cell").loc[HERE]
    assert row["incidents"] == incidents
    assert row["incidents_per_night"] == pytest.approx(incidents / nights, rel=1e-12)


def test_nights_with_nothing_recorded_still_count() -> None:
    # Wednesdays 12 and 19 are in the range though nothing happened on them.
    lat, lon = _point(HERE)
    atlas = _exact(
        _incidents(
            [
                ("2025-03-07 23:00", lat, lon, "theft", "police"),
                ("2025-03-21 23:00", lat, lon, "theft", "police"),
            ]
        )
    )
    assert atlas.query(Query(weekdays={2}, k=0)).summary["nights"] == 2
    assert atlas.query(Query(weekdays={4, 2}, k=0)).summary["nights"] == 5


@pytest.mark.parametrize("resolution", [7, 8, 9, 10])
def test_incidents_per_km2_uses_h3s_own_cell_area(two_weeks: Atlas, resolution: int) -> None:
    table = two_weeks.query(Query(resolution=resolution, k=0)).table
    cell = h3i.cell_to_parent(h3i.cell_to_center_child(HERE, 10), resolution)
    assert table["cell"].tolist() == [cell]
    area = h3.cell_area(h3.int_to_str(cell), "km^2")
    assert table["area_km2"].iloc[0] == pytest.approx(area, rel=1e-12)
    assert table["incidents_per_km2"].iloc[0] == pytest.approx(7 / area, rel=1e-12)


def test_perceived_weighted_mean_and_interval_by_hand() -> None:
    # One answer of weight 3, nine of weight 1: sum w = 12, sum w^2 = 18, n_eff = 144/18 = 8.
    x = [1.0, 0.0, 0.25, 0.25, 0.5, 0.5, 0.5, 0.75, 0.75, 0.0]
    w = [3.0] + [1.0] * 9
    place = _point(HERE)
    atlas = _exact(
        _incidents([("2025-03-07 23:00", *place, "theft", "police")] * 5),
        _answers([(place, xi, wi) for xi, wi in zip(x, w, strict=True)]),
    )
    row = atlas.query(Query(resolution=9)).table.set_index("cell").loc[HERE]
    mean = (3 * 1.0 + 0.0 + 0.25 + 0.25 + 0.5 + 0.5 + 0.5 + 0.75 + 0.75 + 0.0) / 12  # 6.5 / 12
    spread = (
        3 * (1 - mean) ** 2
        + 2 * mean**2
        + 2 * (0.25 - mean) ** 2
        + 3 * (0.5 - mean) ** 2
        + 2 * (0.75 - mean) ** 2
    ) / 12
    var = spread * 8 / 7
    se = math.sqrt(var / 8)
    assert row["perceived_n"] == 10 and bool(row["perceived_ok"])
    assert row["perceived_neff"] == pytest.approx(8.0, rel=1e-12)
    assert row["perceived"] == pytest.approx(6.5 / 12, rel=1e-12)
    assert row["perceived_var"] == pytest.approx(var, rel=1e-9)
    assert row["perceived_se"] == pytest.approx(se, rel=1e-9)
    assert row["perceived_lo"] == pytest.approx(mean - T_975_DOF_7 * se, rel=1e-9)
    assert row["perceived_hi"] == pytest.approx(mean + T_975_DOF_7 * se, rel=1e-9)
    assert 0 < row["perceived_lo"] < row["perceived_hi"] < 1  # the clip played no part
    # A single cell gives no spread between cells to learn from: EB keeps the cell's mean.
    assert row["perceived_eb"] == pytest.approx(mean, rel=1e-12)


def test_empirical_bayes_value_is_the_closed_form_for_two_cells() -> None:
    a = [(0.0, 1.0), (0.25, 1.0), (0.5, 1.0), (0.75, 1.0), (1.0, 1.0)]  # mean 0.5
    b = [(v, 1.0) for v in (0.25, 0.5, 0.75, 1.0, 0.5, 0.75, 1.0, 0.75, 0.5, 1.0)]  # mean 0.7
    here, away = _point(HERE), _point(AWAY)
    atlas = _exact(
        _incidents([("2025-03-07 23:00", *here, "theft", "police")] * 5),
        _answers([(here, x, w) for x, w in a] + [(away, x, w) for x, w in b]),
    )
    table = atlas.query(Query(resolution=9)).table.set_index("cell")
    eb_a, eb_b = _eb_two_cells(a, b)
    # By hand: m = 9.5/15, s2 = (0.625 + 0.6) / 13, between = 1/45, tau2 = 1/45 - 0.15 s2,
    # so B_a ~ 0.70 and B_b ~ 0.54: both cells move well toward m, the smaller one more.
    assert eb_a == pytest.approx(0.59335, abs=1e-4) and eb_b == pytest.approx(0.66410, abs=1e-4)
    assert table.loc[HERE, "perceived_eb"] == pytest.approx(eb_a, rel=1e-9)
    assert table.loc[AWAY, "perceived_eb"] == pytest.approx(eb_b, rel=1e-9)
    assert table.loc[HERE, "perceived_shrinkage"] > table.loc[AWAY, "perceived_shrinkage"]


def test_every_value_of_a_coarsened_cell_comes_from_the_raw_rows_beneath_it() -> None:
    """Two small res-9 cells merge into their res-8 parent; a busy cell far away stays.

    Each value of the merged row is computed here from the raw rows under the parent: counts
    per source, per night over the 10 nights of 7-16 March, per km² of the parent's own area,
    the weighted mean and interval of its answers (Kish's n_eff), the EB value of the two cells
    with answers in closed form, and its venues.
    """
    parent = h3i.cell_to_parent(HERE, 8)
    small, busy = sorted(h3i.cell_to_children(parent, 9))[:2]  # 4 incidents, then 6
    one, two, far = _point(small), _point(busy), _point(AWAY)
    days = [f"2025-03-{d:02d} 23:00" for d in range(7, 17)]  # the nights of 7..16 March
    rows = [(days[i], *one, "theft", "police") for i in range(3)]
    rows += [(days[3], *one, "violence", "app")]
    rows += [(days[i], *two, "theft", "police") for i in (4, 5)]
    rows += [(days[i], *two, "harassment", "app") for i in (6, 7, 8, 9)]
    rows += [(days[i], *far, "theft", "police") for i in (0, 2, 4, 6, 8, 9)]
    under = [(0.25, 2.0), (0.75, 1.0)] + [(0.5, 1.0), (1.0, 1.0), (0.0, 2.0), (0.5, 3.0)]
    elsewhere = [(0.5, 1.0), (0.75, 1.0), (1.0, 2.0), (0.75, 1.0), (0.5, 1.0), (1.0, 1.0)]
    answers = [(one, x, w) for x, w in under[:2]] + [(two, x, w) for x, w in under[2:]]
    answers += [(far, x, w) for x, w in elsewhere]
    venues = [(one, "24/7"), (two, "nonsense"), (far, "off")]
    atlas = _exact(_incidents(rows), _answers(answers), _venues(venues))

    result = atlas.query(Query(resolution=9, k=5, mode="coarsen"))
    table = result.table.set_index("cell")
    assert sorted(table.index) == sorted([parent, AWAY])
    merged = table.loc[parent]
    area = h3.cell_area(h3.int_to_str(parent), "km^2")
    hand = _by_hand(under)
    half = stats.t.ppf(0.975, hand["n_eff"] - 1) * hand["se"]
    assert bool(merged["merged"]) and merged["resolution"] == 8
    assert merged["incidents"] == 10
    assert merged["incidents_police"] == 5 and merged["incidents_app"] == 5
    assert result.summary["nights"] == 10
    assert merged["incidents_per_night"] == pytest.approx(10 / 10, rel=1e-12)
    assert merged["area_km2"] == pytest.approx(area, rel=1e-12)
    assert merged["incidents_per_km2"] == pytest.approx(10 / area, rel=1e-12)
    assert merged["perceived_n"] == 6 and bool(merged["perceived_ok"])
    assert merged["perceived_sw"] == 10
    assert merged["perceived_neff"] == pytest.approx(100 / 20, rel=1e-12)  # (Σw)² / Σw²
    assert merged["perceived"] == pytest.approx(hand["mean"], rel=1e-12)  # 4.25 / 10
    assert merged["perceived_se"] == pytest.approx(hand["se"], rel=1e-9)
    assert merged["perceived_lo"] == pytest.approx(hand["mean"] - half, rel=1e-9)
    assert merged["perceived_hi"] == pytest.approx(hand["mean"] + half, rel=1e-9)
    eb_merged, eb_far = _eb_two_cells(under, elsewhere)
    assert merged["perceived_eb"] == pytest.approx(eb_merged, rel=1e-9)
    assert table.loc[AWAY, "perceived_eb"] == pytest.approx(eb_far, rel=1e-9)
    assert merged["venues"] == 2 and merged["venues_open"] == 1
    assert merged["venues_unknown"] == 1 and merged["venues_closed"] == 0
    kept = table.loc[AWAY]
    assert not bool(kept["merged"]) and kept["resolution"] == 9
    assert kept["incidents"] == 6 and kept["incidents_per_night"] == pytest.approx(0.6)
    assert kept["venues_closed"] == 1
    assert not table[["suppressed_incidents", "suppressed_perceived"]].to_numpy().any()


def test_coarsen_keeps_a_count_of_exactly_k_and_merges_one_just_below() -> None:
    """k = 5 in the window 22-4: 4 + four quarters of a 22:00-02:00 span is exactly 5 and stays;
    4 + three quarters of a 01:00-05:00 span (04:00 is outside) is 4.75 and merges up to the
    floor (res 7), where it is still below k and hidden with its two answers and everything
    derived from them."""
    assert h3i.cell_to_parent(HERE, 7) != h3i.cell_to_parent(AWAY, 7)
    here, away = _point(HERE), _point(AWAY)
    rows = [("2025-03-07 23:00", *here, "theft", "police")] * 4
    rows += [("2025-03-07 22:00", *here, "theft", "police")]
    rows += [("2025-03-07 23:00", *away, "theft", "police")] * 4
    rows += [("2025-03-08 01:00", *away, "theft", "police")]
    frame = _incidents(rows)
    frame.loc[4, "occurred_to"] = pd.Timestamp("2025-03-08 02:00")
    frame.loc[9, "occurred_to"] = pd.Timestamp("2025-03-08 05:00")
    atlas = _exact(frame, _answers([(away, 0.5, 1.0), (away, 1.0, 2.0)]))
    night = Query(resolution=9, hours=HourWindow(22, 4), k=5, mode="coarsen")
    table = atlas.query(night).table.set_index("cell")
    exact = table.loc[HERE]
    assert exact["incidents"] == 5.0  # exactly k: four quarters sum to 1 in floats
    assert not bool(exact["merged"]) and exact["resolution"] == 9
    below = table.loc[h3i.cell_to_parent(AWAY, 7)]
    assert bool(below["merged"]) and below["resolution"] == 7
    assert np.isnan(below["incidents"]) and bool(below["suppressed_incidents"])
    assert bool(below["suppressed_perceived"]) and not bool(below["perceived_ok"])
    for column in ("perceived_n", *RECORDED_VALUES, *PERCEIVED_VALUES):
        assert np.isnan(below[column]), column
    # With k = 0 nothing is protected: the two counts as the window sees them.
    raw = atlas.query(night.with_(k=0)).table.set_index("cell")["incidents"]
    assert raw.loc[HERE] == 5.0 and raw.loc[AWAY] == pytest.approx(4.75)


@pytest.mark.parametrize(
    ("hours", "n", "mean"),
    [
        (None, 20, (5 * 1.0 + 5 * 0.0 + 5 * 0.5 + 5 * 0.75) / 20),  # every answer
        (HourWindow(22, 4), 15, (5 * 1.0 + 5 * 0.5 + 5 * 0.75) / 15),  # night, any, 23:00
        (HourWindow(8, 12), 10, (5 * 0.0 + 5 * 0.5) / 10),  # day, any
        (HourWindow(19, 21), 5, 0.5),  # evening: only "any" (no evening answers, 23:00 is out)
    ],
)
def test_answers_known_only_by_daypart_count_where_it_overlaps_the_window(
    hours, n: int, mean: float
) -> None:
    place = _point(HERE)
    answers = pd.concat(
        [
            _answers([(place, 1.0, 1.0)] * 5, hour=None, daypart="night", prefix="night"),
            _answers([(place, 0.0, 1.0)] * 5, hour=None, daypart="day", prefix="day"),
            _answers([(place, 0.5, 1.0)] * 5, hour=None, daypart="any", prefix="any"),
            _answers([(place, 0.75, 1.0)] * 5, hour=23, prefix="at23-"),
        ],
        ignore_index=True,
    )
    atlas = _exact(_incidents([("2025-03-07 23:00", *place, "theft", "police")] * 5), answers)
    row = atlas.query(Query(resolution=9, hours=hours)).table.set_index("cell").loc[HERE]
    assert row["perceived_n"] == n
    assert row["perceived"] == pytest.approx(mean, rel=1e-12)


def test_a_cells_hourly_bars_never_leave_one_hidden_bar_alone() -> None:
    """k = 5, window 22-4: bars 6 (23:00) and 3 (01:00) publish a total of 9, so hiding the 3
    alone would give it back as 9 - 6: the 6 is hidden with it. With a second small bar (2 at
    02:00) the two hidden bars cannot be told apart and the 6 stays. Outside the window, 7 at
    20:00 is a group of its own and shown."""
    place = _point(HERE)
    rows = [("2025-03-07 23:00", *place, "theft", "police")] * 6
    rows += [("2025-03-08 01:00", *place, "theft", "police")] * 3
    rows += [("2025-03-07 20:00", *place, "theft", "police")] * 7
    night = Query(resolution=9, hours=HourWindow(22, 4), k=5)
    bars = _exact(_incidents(rows)).cell_hours(HERE, night)
    assert np.isnan(bars[[23, 1]]).all() and bars[20] == 7
    assert np.nansum(bars) == 7 and np.isnan(bars).sum() == 2
    rows += [("2025-03-08 02:00", *place, "theft", "police")] * 2
    bars = _exact(_incidents(rows)).cell_hours(HERE, night)
    assert bars[23] == 6 and bars[20] == 7 and np.isnan(bars[[1, 2]]).all()
    assert np.isnan(bars).sum() == 2


def test_answers_hidden_by_k_are_not_ok_even_above_the_minimum() -> None:
    # min_answers 3 < k 5: four answers are enough for a mean but too few to show.
    here, away = _point(HERE), _point(AWAY)
    answers = [(here, x, 1.0) for x in (0.0, 0.25, 0.5, 1.0)]
    answers += [(away, x, 1.0) for x in (0.0, 0.25, 0.5, 0.75, 1.0, 1.0)]
    atlas = _exact(
        _incidents([("2025-03-07 23:00", *here, "theft", "police")] * 5), _answers(answers)
    )
    table = atlas.query(Query(resolution=9, k=5, min_answers=3)).table.set_index("cell")
    hidden, shown = table.loc[HERE], table.loc[AWAY]
    assert bool(hidden["suppressed_perceived"]) and np.isnan(hidden["perceived"])
    assert not bool(hidden["perceived_ok"])
    assert bool(shown["perceived_ok"]) and shown["perceived"] == pytest.approx(3.5 / 6)


def test_cell_areas_remembered_match_h3_in_order():
    from geo.index import cell_area_km2
    from geo.metrics._areas import CellAreas

    fine = np.array(sorted(h3i.grid_disk(h3i.latlng_to_cell(45.76, 4.84, 10), 3)),
                    dtype=np.uint64)
    coarse = np.unique([h3i.cell_to_parent(int(c), 8) for c in fine]).astype(np.uint64)
    areas = CellAreas()
    first = fine[::-2]  # unsorted, half the cells
    assert np.array_equal(areas(first), cell_area_km2(first))
    mixed = np.concatenate([coarse, fine[:7], first[:3], fine])  # new, known, repeated
    assert np.array_equal(areas(mixed), cell_area_km2(mixed))
    assert areas(np.zeros(0, dtype=np.uint64)).size == 0
