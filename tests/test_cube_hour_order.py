"""Undated codes in hour order (geo/cube/_codes.py HOUR_MAJOR): an hour window's rows are a few
runs, found without a mask over every row, and they are exactly the rows the mask keeps, in
storage order, so every sum gives the same totals to the last bit."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.cube import UNTIMED_SLOT, build_incident_cube
from geo.cube._codes import HOUR_MAJOR
from geo.sample import generate_city
from geo.timewin import HourWindow, how_mask


@pytest.fixture(scope="module")
def codes():
    city = generate_city(seed=5, incidents=20_000, app_reports=3_000, perceptions=0, venues=0)
    return build_incident_cube(city.incidents).codes(9, dated=False)


def _reference(codes, window, weekdays, categories=None, sources=None) -> np.ndarray:
    """The rows a filter keeps, from the columns one by one."""
    whole = (window is None or window.is_whole_day) and (weekdays is None
                                                        or set(weekdays) >= set(range(7)))
    keep = np.append(how_mask(window, weekdays), whole)[codes.how]
    if categories is not None:
        keep &= np.isin(np.asarray(codes.categories)[codes.category], categories)
    if sources is not None:
        keep &= np.isin(np.asarray(codes.sources)[codes.source], sources)
    return keep


def test_undated_codes_are_stored_clock_hour_first_untimed_last(codes) -> None:
    ranks = HOUR_MAJOR[codes.how]
    assert (np.diff(ranks.astype(np.int16)) >= 0).all()
    assert (codes.how == UNTIMED_SLOT).any() and codes.how[-1] == UNTIMED_SLOT
    assert sorted(HOUR_MAJOR.tolist()) == list(range(UNTIMED_SLOT + 1))  # a permutation


@pytest.mark.parametrize("window, runs", [
    (HourWindow(22, 4), 2),  # crosses midnight: 22-24 and 0-4
    (HourWindow(0, 6), 1),
    (HourWindow(18, 23), 1),
])
def test_an_hour_window_on_every_night_is_one_or_two_runs(codes, window, runs) -> None:
    rows = codes.select(window)
    assert rows.keep is None and len(rows.runs) == runs
    mask = _reference(codes, window, None)
    assert np.array_equal(rows.positions(), np.flatnonzero(mask))
    assert all(np.array_equal(a, b) for a, b in
               zip(codes.per_cell_source(rows), codes.per_cell_source(mask), strict=True))


@settings(max_examples=40, deadline=None)
@given(start=st.integers(0, 23), length=st.integers(1, 24),
       weekdays=st.none() | st.sets(st.integers(0, 6), min_size=0, max_size=7),
       categories=st.none() | st.sampled_from([["violence"], ["theft", "robbery"]]),
       sources=st.none() | st.sampled_from([["police"], ["app"]]))
def test_selected_rows_are_the_masked_rows_in_order(codes, start, length, weekdays, categories,
                                                    sources) -> None:
    window = HourWindow(start, (start + length) % 24)
    rows = codes.select(window, weekdays, categories, sources)
    mask = _reference(codes, window, weekdays, categories, sources)
    assert np.array_equal(codes.mask(window, weekdays, categories, sources), mask)
    assert np.array_equal(rows.positions(), np.flatnonzero(mask))
    for column in (codes.slot, codes.count, codes.key):
        assert np.array_equal(rows.of(column), column[mask])
    assert all(np.array_equal(a, b) for a, b in
               zip(codes.per_cell_source(rows), codes.per_cell_source(mask), strict=True))


def test_codes_of_another_order_are_refused_not_misread(codes) -> None:
    shuffled = np.random.default_rng(0).permutation(codes.how.size)
    other = dataclasses.replace(codes, **{name: getattr(codes, name)[shuffled] for name in
                                          ("cell", "how", "category", "source", "night",
                                           "count", "key", "slot")})
    with pytest.raises(ValueError, match="hour order"):
        other.select(HourWindow(22, 4))
