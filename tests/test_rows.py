"""row_sums gives NumPy's row sums bit for bit (published counts depend on those bits)."""

from __future__ import annotations

import numpy as np
import pytest

from geo._rows import row_sums


@pytest.mark.parametrize("columns", range(0, 10))
def test_row_sums_are_numpys_to_the_last_bit(columns: int) -> None:
    rng = np.random.default_rng(columns)
    # aoristic counts: fractions of wildly different sizes, so any other order of the
    # additions changes last bits somewhere in 20k rows
    table = rng.random((20_000, columns)) * 10.0 ** rng.integers(-6, 6, (20_000, columns))
    expected = table.sum(axis=1)
    assert np.array_equal(row_sums(table), expected)
    # column subsets as publishing takes them (a boolean-indexed copy)
    keep = np.arange(columns) % 2 == 0
    assert np.array_equal(row_sums(table[:, keep]), table[:, keep].sum(axis=1))


def test_a_different_order_would_be_caught() -> None:
    rng = np.random.default_rng(0)
    table = rng.random((20_000, 3)) * 10.0 ** rng.integers(-6, 6, (20_000, 3))
    other = table[:, 0] + (table[:, 1] + table[:, 2])
    assert not np.array_equal(other, table.sum(axis=1))
