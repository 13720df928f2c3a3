"""Published views of the Atlas: the cell-key noise is consistent, bounded, honest and stated."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.columns import CATEGORIES
from geo.cube import build_incident_cube
from geo.metrics import Atlas, Query
from geo.privacy import NOISE_BOUND
from geo.sample import generate_city
from geo.timewin import HourWindow


@pytest.fixture(scope="module")
def city():
    return generate_city(seed=5, incidents=6_000, app_reports=1_500, perceptions=1_500,
                         venues=60)


def build(city, **kwargs) -> Atlas:
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata, **kwargs)


@pytest.fixture(scope="module")
def noisy(city) -> Atlas:
    return build(city)


@pytest.fixture(scope="module")
def exact(city) -> Atlas:
    return build(city, exact=True)


queries = st.builds(
    Query,
    resolution=st.sampled_from([7, 8, 9, 10]),
    hours=st.one_of(st.none(), st.tuples(st.integers(0, 23), st.integers(1, 23)).map(
        lambda t: HourWindow(t[0], (t[0] + t[1]) % 24))),
    weekdays=st.one_of(st.none(), st.sets(st.integers(0, 6), min_size=1)),
    categories=st.one_of(st.none(), st.sets(st.sampled_from(CATEGORIES), min_size=1)),
    sources=st.one_of(st.none(), st.sets(st.sampled_from(["police", "app"]), min_size=1)),
    k=st.integers(2, 12),
    mode=st.sampled_from(["suppress", "suppress", "coarsen"]),
)
COUNTS = ("incidents", "incidents_police", "incidents_app", "perceived_n")


@settings(max_examples=30, deadline=None)
@given(query=queries)
def test_the_same_view_twice_is_identical_and_bounded_and_honest(noisy, exact, query) -> None:
    first, second = noisy.query(query), noisy.query(query)
    pd.testing.assert_frame_equal(first.table, second.table)  # no averaging by asking again
    table = first.table.set_index("cell")
    truth = exact.query(query.with_(k=0)).table.set_index("cell")
    for column in COUNTS:
        values = table[column].dropna()
        values = values[values > 0]
        assert not (values < query.k).any(), column  # the k floor, on published values
        if query.mode == "suppress":  # (coarsen merges cells: compared below at one level)
            assert values.index.isin(truth.index).all()
            error = (values - truth[column].reindex(values.index)).abs()
            assert (error <= NOISE_BOUND + 0.5).all(), column  # + rounding of split events
    # totals are the totals of what is shown, with its noise: never the exact grand totals
    assert first.summary["incidents_shown"] == pytest.approx(np.nansum(table["incidents"]))
    assert first.summary["answers_shown"] == int(np.nansum(table["perceived_n"]))
    assert first.summary["perturbed"] and first.summary["noise_bound"] == NOISE_BOUND


def test_values_are_deterministic_for_a_build_and_change_with_its_salt(city, noisy) -> None:
    query = Query(resolution=9, hours=HourWindow(22, 4))
    again = build(city).query(query).table
    pd.testing.assert_frame_equal(noisy.query(query).table, again)
    other = build(city, key_salt="another city's secret").query(query).table
    shown = (again["incidents"] > 0) & (other["incidents"] > 0)
    assert (again.loc[shown, "incidents"] != other.loc[shown, "incidents"]).mean() > 0.6


def test_views_that_differ_carry_different_noise(noisy, exact) -> None:
    """The point of it: the difference of two views is not the count of their difference."""
    wide, narrow = Query(resolution=8, hours=HourWindow(22, 4)), Query(
        resolution=8, hours=HourWindow(22, 3))
    a, b = noisy.query(wide).table.set_index("cell"), noisy.query(narrow).table.set_index("cell")
    ta = exact.query(wide.with_(k=0)).table.set_index("cell")
    tb = exact.query(narrow.with_(k=0)).table.set_index("cell")
    both = a.index[a["incidents"].notna()].intersection(b.index[b["incidents"].notna()])
    published = a.loc[both, "incidents"] - b.loc[both, "incidents"]
    truth = ta.loc[both, "incidents"] - tb.loc[both, "incidents"]
    assert len(both) > 50 and (published.round() != truth.round()).mean() > 0.5


def test_a_date_ranged_view_carries_the_noise_of_its_own_records_only(city, noisy) -> None:
    """The cell key of a date-ranged cell is the sum of the keys of the records it counts, so
    a city that holds only those records publishes the very same values without a range: the
    noise depends on nothing else (not the nights around the range, not the other rows)."""
    first, last = dt.date(2025, 4, 1), dt.date(2025, 8, 31)
    query = Query(resolution=9, hours=HourWindow(20, 4))  # both sources carry noise here
    ranged = noisy.query(query.with_(date_from=first, date_to=last)).table.set_index("cell")
    incidents = city.incidents
    start = incidents["occurred_from"]
    end = incidents["occurred_to"].fillna(start) - pd.Timedelta(1, "ns")
    night = [(t - pd.Timedelta(hours=6)).dt.date for t in (start, end)]
    inside = start.notna() & (night[0] >= first) & (night[1] <= last)
    alone = Atlas(incidents.loc[inside].reset_index(drop=True))
    own = alone.query(query).table.set_index("cell")
    shown = ranged.index[ranged["incidents"] > 0]  # cells shown with records of the range
    assert len(shown) > 30 and set(shown) <= set(own.index)
    pd.testing.assert_series_equal(ranged.loc[shown, "incidents"], own.loc[shown, "incidents"])
    # and it is noise: the exact counts differ from what is published in most cells
    truth = build(city, exact=True).query(query.with_(date_from=first, date_to=last, k=0))
    exact_counts = truth.table.set_index("cell").loc[shown, "incidents"]
    assert (exact_counts != ranged.loc[shown, "incidents"]).mean() > 0.5


def test_exact_and_k_zero_show_exact_counts_and_say_so(city, noisy, exact) -> None:
    query = Query(resolution=9)
    truth = exact.query(query.with_(k=0)).table
    for result in (exact.query(query), noisy.query(query.with_(k=0))):
        shown = result.table["incidents"].notna()
        np.testing.assert_array_equal(result.table.loc[shown, "incidents"],
                                      truth.loc[shown, "incidents"])
        assert not result.summary["perturbed"] and result.summary["noise_bound"] == 0
        assert "internal analysis only" in " ".join(result.privacy_notes())
    notes = noisy.query(query).privacy_notes("fr")
    assert any("±2" in n and "bruit" in n for n in notes)


def test_published_sources_are_exact_and_the_rest_carries_noise(city, exact) -> None:
    atlas = build(city, published_sources=frozenset({"police"}))
    query = Query(resolution=9, hours=HourWindow(20, 4))
    table = atlas.query(query).table.set_index("cell")
    truth = exact.query(query.with_(k=0)).table.set_index("cell")
    police = table["incidents_police"].dropna()
    np.testing.assert_array_equal(police, truth.loc[police.index, "incidents_police"])
    app = table["incidents_app"].dropna()
    app = app[app > 0]
    assert len(app) > 10 and (app != truth.loc[app.index, "incidents_app"]).mean() > 0.6
    result = atlas.query(query)
    assert result.summary["exact_sources"] == ["police"]
    assert any("Police records" in n for n in result.privacy_notes())


def test_hourly_bars_are_the_published_one_hour_views(noisy, exact) -> None:
    """A cell's bar for an hour is the value the one-hour view of that cell publishes."""
    query = Query(resolution=8, weekdays=frozenset({4, 5}), sources=frozenset({"app", "police"}))
    table = noisy.query(query).table
    busy = table.sort_values("incidents", ascending=False)["cell"].head(5).tolist()
    checked = 0
    for cell in busy:
        bars = noisy.cell_hours(int(cell), query)
        assert np.array_equal(bars, noisy.cell_hours(int(cell), query), equal_nan=True)
        for hour in range(24):
            one = noisy.query(query.with_(hours=HourWindow(hour, (hour + 1) % 24))).table
            value = one.loc[one["cell"] == cell, "incidents"]
            if np.isfinite(bars[hour]) and len(value) and np.isfinite(value.iloc[0]):
                assert bars[hour] == value.iloc[0]
                checked += 1
        shown = np.isfinite(bars)
        assert not ((bars[shown] > 0) & (bars[shown] < query.k)).any()
        assert np.nanmax(np.abs(bars - exact.cell_hours(int(cell), query))) <= NOISE_BOUND + 0.5
    assert checked > 20


def test_answer_bins_carry_noise_and_keep_the_floor(noisy, exact) -> None:
    query = Query(resolution=7)
    table = noisy.query(query).table.sort_values("perceived_n", ascending=False)
    for cell in table["cell"].head(5):
        bins = noisy.cell_answers(int(cell), query)
        assert np.array_equal(bins, noisy.cell_answers(int(cell), query), equal_nan=True)
        truth = exact.cell_answers(int(cell), query)
        shown = np.isfinite(bins) & np.isfinite(truth)
        assert (np.abs(bins[shown] - truth[shown]) <= NOISE_BOUND).all()
        assert not ((bins[shown] > 0) & (bins[shown] < query.k)).any()


def test_a_cube_of_another_salt_is_refused(city) -> None:
    cube = build_incident_cube(city.incidents, key_salt="city secret")
    with pytest.raises(ValueError, match="salt"):
        Atlas(city.incidents.head(0), incident_cube=cube)
    atlas = Atlas(city.incidents.head(0), incident_cube=cube, key_salt="city secret")
    assert atlas.query(Query()).summary["perturbed"]
