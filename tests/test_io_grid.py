"""Grid-range coordinates: the centre of the cell, and its width as the location precision."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest

import geo.io._grid
from geo.io._grid import grid_centres


@pytest.mark.parametrize(
    ("text", "centre", "width"),
    [
        ("6588500-6588999", 6588750.0, 500.0),  # inclusive integer end: a 500 m cell
        ("6588500-6589000", 6588750.0, 500.0),  # exclusive end: the same cell
        (" 674000 - 674249 ", 674125.0, 250.0),
        ("674000–674099", 674050.0, 100.0),  # en dash
        ("674000..674999", 674500.0, 1000.0),
        ("-1000-999", 0.0, 2000.0),  # projected coordinates may be negative
        ("12,5-37,5", 25.0, 25.0),  # decimal commas
        ("6588500.0-6588999.0", 6588750.0, 500.0),
    ],
)
def test_ranges_become_centres_with_their_width(text: str, centre: float, width: float) -> None:
    centres, widths = grid_centres(pd.Series([text]))
    assert centres.tolist() == [pytest.approx(centre)]
    assert widths.tolist() == [pytest.approx(width)]


@pytest.mark.parametrize("text", ["674000", "1000-500", "5-5", "6588500-", "a-b", "", None])
def test_other_values_are_left_for_the_validator(text) -> None:
    values = pd.Series([text], dtype=object)
    centres, widths = grid_centres(values)
    assert centres.tolist() == values.tolist() or pd.isna(text)
    assert np.isnan(widths).all()


def test_numbers_pass_through() -> None:
    values = pd.Series([674000.0, 674500.0])
    centres, widths = grid_centres(values)
    assert centres is values and np.isnan(widths).all()


def test_docstring_examples_run() -> None:
    result = doctest.testmod(geo.io._grid)
    assert result.attempted > 0 and result.failed == 0
