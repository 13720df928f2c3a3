"""Perceived insecurity per cell: known answers, the too-few flag and empirical-Bayes bounds."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo.perceived
from geo.perceived import PERCEIVED_COLUMNS, eb_prior, perceived_arrays, perceived_stats


def sums(cells: list[list[tuple[float, float]]]) -> dict[str, np.ndarray]:
    """The cube's additive sums (and Σw²) from raw (insecurity, weight) answers per cell."""
    out: dict[str, list[float]] = {"n": [], "sw": [], "swx": [], "swx2": [], "sw2": []}
    for answers in cells:
        x = np.array([a[0] for a in answers], dtype=float)
        w = np.array([a[1] for a in answers], dtype=float)
        out["n"].append(len(answers))
        out["sw"].append(w.sum())
        out["swx"].append((w * x).sum())
        out["swx2"].append((w * x * x).sum())
        out["sw2"].append((w * w).sum())
    return {key: np.array(values) for key, values in out.items()}


def test_doctests() -> None:
    assert doctest.testmod(geo.perceived).failed == 0


def test_equal_weights_known_answer() -> None:
    x = [0.0, 0.25, 0.5, 0.75, 1.0, 0.5]
    s = sums([[(v, 1.0) for v in x]])
    t = perceived_stats(s["n"], s["sw"], s["swx"], s["swx2"])
    assert list(t.columns) == list(PERCEIVED_COLUMNS)
    row = t.iloc[0]
    assert row["perceived"] == pytest.approx(np.mean(x))
    assert row["perceived_var"] == pytest.approx(np.var(x, ddof=1))
    se = np.std(x, ddof=1) / np.sqrt(len(x))
    assert row["perceived_se"] == pytest.approx(se)
    half = 2.5705818366147395 * se  # t(0.975, 5)
    assert row["perceived_lo"] == pytest.approx(np.mean(x) - half)
    assert row["perceived_hi"] == pytest.approx(min(1.0, np.mean(x) + half))
    assert bool(row["perceived_ok"])


def test_weighted_with_sw2_uses_kish_effective_n() -> None:
    answers = [(0.2, 1.0), (0.8, 3.0), (0.5, 2.0), (1.0, 0.5), (0.0, 1.5)]
    s = sums([answers])
    x = np.array([a[0] for a in answers])
    w = np.array([a[1] for a in answers])
    t = perceived_stats(s["n"], s["sw"], s["swx"], s["swx2"], sw2=s["sw2"]).iloc[0]
    n_eff = w.sum() ** 2 / (w**2).sum()
    mean = np.average(x, weights=w)
    # Unbiased variance for reliability weights: Σw(x-m)² / (V1 - V2/V1).
    var = (w * (x - mean) ** 2).sum() / (w.sum() - (w**2).sum() / w.sum())
    assert t["perceived_neff"] == pytest.approx(n_eff)
    assert t["perceived"] == pytest.approx(mean)
    assert t["perceived_var"] == pytest.approx(var)
    assert t["perceived_se"] == pytest.approx(np.sqrt(var / n_eff))
    # Without Σw² we assume equal weights: n_eff = n, a narrower (optimistic) interval.
    t_n = perceived_stats(s["n"], s["sw"], s["swx"], s["swx2"]).iloc[0]
    assert t_n["perceived_neff"] == 5
    assert t_n["perceived_se"] < t["perceived_se"]


def test_too_few_answers_are_nan_not_zero() -> None:
    s = sums([[(1.0, 1.0)] * 4, [(0.0, 1.0)] * 5])
    n, sw, swx, swx2 = s["n"], s["sw"], s["swx"], s["swx2"]
    t = perceived_stats(np.append(n, 0), np.append(sw, 0), np.append(swx, 0), np.append(swx2, 0))
    assert t["perceived_ok"].tolist() == [False, True, False]
    for column in ("perceived", "perceived_lo", "perceived_hi", "perceived_se", "perceived_eb"):
        assert np.isnan(t[column].iloc[0]) and np.isnan(t[column].iloc[2])
    assert t["perceived"].iloc[1] == 0.0
    assert perceived_stats(n, sw, swx, swx2, min_n=4)["perceived_ok"].tolist() == [True, True]


def test_interval_is_clipped_to_unit_range() -> None:
    s = sums([[(1.0, 1.0)] * 5 + [(0.0, 1.0)], [(0.0, 1.0)] * 5 + [(1.0, 1.0)]])
    t = perceived_stats(s["n"], s["sw"], s["swx"], s["swx2"])
    assert t["perceived_hi"].iloc[0] == 1.0
    assert t["perceived_lo"].iloc[1] == 0.0
    assert (t["perceived_lo"] <= t["perceived"]).all() and (
        t["perceived"] <= t["perceived_hi"]
    ).all()


def test_series_index_is_kept_and_lengths_checked() -> None:
    n = pd.Series([5, 6], index=[101, 202])
    t = perceived_stats(n, [5.0, 6.0], [2.0, 3.0], [1.0, 2.0])
    assert list(t.index) == [101, 202]
    with pytest.raises(ValueError, match="one length"):
        perceived_stats([5, 6], [5.0], [2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="min_n"):
        perceived_stats([5], [5.0], [2.0], [1.0], min_n=0)


def test_eb_shrinks_small_cells_more() -> None:
    rng = np.random.default_rng(3)
    cells = [[(float(v), 1.0) for v in rng.beta(2, 2 + i % 5, size=20)] for i in range(30)]
    # Two extra cells with the same high mean, one with 5 answers, one with 200.
    cells.append([(0.9, 1.0), (0.9, 1.0), (0.8, 1.0), (1.0, 1.0), (0.9, 1.0)])
    cells.append([(0.9, 1.0), (0.9, 1.0), (0.8, 1.0), (1.0, 1.0), (0.9, 1.0)] * 40)
    s = sums(cells)
    t = perceived_stats(s["n"], s["sw"], s["swx"], s["swx2"])
    small, large = t.iloc[-2], t.iloc[-1]
    assert small["perceived"] == pytest.approx(large["perceived"])
    assert small["perceived_shrinkage"] > large["perceived_shrinkage"]
    assert small["perceived_eb"] < large["perceived_eb"] < large["perceived"]
    prior = eb_prior(s["n"], s["sw"], s["swx"], s["swx2"])
    assert prior.prior_mean[0] == pytest.approx(s["swx"].sum() / s["sw"].sum())
    assert prior.tau2 > 0 and prior.sigma2 > 0 and prior.n_cells == 32


def test_identical_cells_have_no_between_variance() -> None:
    s = sums([[(0.2, 1.0), (0.4, 1.0), (0.6, 1.0), (0.8, 1.0), (0.5, 1.0)]] * 6)
    prior = eb_prior(s["n"], s["sw"], s["swx"], s["swx2"])
    assert prior.tau2 == 0.0
    t = perceived_stats(s["n"], s["sw"], s["swx"], s["swx2"])
    np.testing.assert_allclose(t["perceived_eb"], t["perceived"])
    assert (t["perceived_shrinkage"] == 1.0).all()


def test_area_prior_is_the_area_mean() -> None:
    low = [[(0.1, 1.0)] * 3 + [(0.2, 1.0)] * 3] * 3
    high = [[(0.8, 1.0)] * 3 + [(0.9, 1.0)] * 3] * 3
    s = sums(low + high)
    area = ["a"] * 3 + ["b"] * 3
    t = perceived_stats(s["n"], s["sw"], s["swx"], s["swx2"], area=area)
    np.testing.assert_allclose(t["perceived_prior"], [0.15] * 3 + [0.85] * 3)
    glob = perceived_stats(s["n"], s["sw"], s["swx"], s["swx2"])
    np.testing.assert_allclose(glob["perceived_prior"], 0.5)


answer = st.tuples(
    st.floats(0, 1, allow_nan=False), st.floats(0.1, 10, allow_nan=False, allow_infinity=False)
)


@settings(max_examples=80, deadline=None)
@given(
    cells=st.lists(st.lists(answer, min_size=1, max_size=25), min_size=1, max_size=25),
    min_n=st.integers(1, 8),
    with_sw2=st.booleans(),
)
def test_eb_lies_between_mean_and_prior(
    cells: list[list[tuple[float, float]]], min_n: int, with_sw2: bool
) -> None:
    s = sums(cells)
    t = perceived_stats(
        s["n"], s["sw"], s["swx"], s["swx2"], sw2=s["sw2"] if with_sw2 else None, min_n=min_n
    )
    ok = t["perceived_ok"].to_numpy()
    assert (ok == (s["n"] >= min_n)).all()
    eb, mean, prior = (
        t[c].to_numpy()[ok] for c in ("perceived_eb", "perceived", "perceived_prior")
    )
    tol = 1e-9
    assert (eb >= np.minimum(mean, prior) - tol).all()
    assert (eb <= np.maximum(mean, prior) + tol).all()
    assert ((eb >= -tol) & (eb <= 1 + tol)).all()
    lo, hi = t["perceived_lo"].to_numpy()[ok], t["perceived_hi"].to_numpy()[ok]
    finite = np.isfinite(lo)
    assert ((lo[finite] >= 0) & (hi[finite] <= 1) & (lo[finite] <= hi[finite])).all()
    assert np.isnan(t["perceived_eb"].to_numpy()[~ok]).all()


def test_prior_mean_skips_missing_sums_and_arrays_match_the_table() -> None:
    # After coarsening, a cell hidden by k has missing sums; the prior must use the others.
    n, sw, swx, swx2 = [10, 8, np.nan], [10.0, 8.0, np.nan], [2.0, 6.0, np.nan], [1.0, 5.0, np.nan]
    prior = eb_prior(n, sw, swx, swx2)
    assert prior.prior_mean[0] == pytest.approx(8.0 / 18.0)
    assert np.isfinite(prior.prior_mean).all()
    table = perceived_stats(n, sw, swx, swx2)
    arrays = perceived_arrays(n, sw, swx, swx2)
    assert list(arrays) == list(PERCEIVED_COLUMNS)
    for column in PERCEIVED_COLUMNS:
        np.testing.assert_array_equal(arrays[column], table[column].to_numpy())


def test_remembered_t_quantiles_are_the_computed_ones() -> None:
    """The query path keeps t quantiles between views; wherever the cells without answers
    fall, the values are those computed afresh, to the last bit."""
    from geo.perceived import perceived_arrays

    rng = np.random.default_rng(2)
    n = rng.integers(0, 40, 300).astype(float)
    sw = n * rng.uniform(0.5, 1.5, 300)
    swx = sw * rng.uniform(0, 1, 300)
    swx2, sw2 = swx * 0.8, sw * 1.3
    cache: dict = {}
    for empty in ([], [3, 50, 51], [0, 299]):  # cells without answers come and go
        args = [np.insert(v, empty, 0.0) for v in (n, sw, swx, swx2, sw2)]
        fresh = perceived_arrays(*args[:4], sw2=args[4])
        kept = perceived_arrays(*args[:4], sw2=args[4], t_cache=cache)
        for name, values in fresh.items():
            np.testing.assert_array_equal(values, kept[name], err_msg=name)
    assert len(cache) == 1  # the same answers, met three times
