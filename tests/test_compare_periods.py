"""Period comparison (issue 15): exact rate-ratio test, BH across cells, known doubling, nulls."""

from __future__ import annotations

import datetime as dt

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geo.compare import (
    bh,
    change_line,
    compare_periods,
    compare_waves,
    mann_kendall,
    monthly_trends,
    rate_ratio_test,
)
from geo.metrics import Atlas, Query

LYON = (45.75, 4.85)
BEFORE = (dt.date(2025, 1, 1), dt.date(2025, 6, 30))
AFTER = (dt.date(2025, 7, 1), dt.date(2025, 12, 30))
DISTRICTS = [(45.75 + 0.012 * (i // 3), 4.83 + 0.015 * (i % 3)) for i in range(6)]


def _city(rng: np.random.Generator, per_district: int, doubled: int | None = None) -> pd.DataFrame:
    """Events spread evenly over 2025 in six districts (one res-8 cell each); ``doubled``'s
    rate doubles from 1 July."""
    frames = []
    for i, (lat, lon) in enumerate(DISTRICTS):
        n = rng.poisson(per_district)
        days = rng.integers(0, 364, n)
        if i == doubled:
            extra = rng.poisson(per_district / 2)
            days = np.concatenate([days, rng.integers(181, 364, extra)])
        minutes = rng.integers(20 * 60, 26 * 60, days.size)
        when = pd.Timestamp("2025-01-01") + pd.to_timedelta(days * 1440 + minutes, unit="min")
        frames.append(pd.DataFrame({
            "occurred_from": when.astype("datetime64[ns]"),
            "lat": lat + rng.normal(0, 0.0004, days.size),
            "lon": lon + rng.normal(0, 0.0004, days.size),
        }))
    out = pd.concat(frames, ignore_index=True)
    n = len(out)
    return out.assign(
        incident_id=[f"i{i}" for i in range(n)],
        occurred_to=pd.Series(pd.NaT, index=range(n), dtype="datetime64[ns]"),
        time_precision="minute", category="theft", category_raw="theft", source="app",
    )


def test_rate_ratio_test_matches_scipy_and_known_values() -> None:
    rr, lo, hi, p = rate_ratio_test(np.array([3, 0, 40, 0]), np.array([9, 4, 40, 0]), 28, 28)
    assert rr[0] == 3 and rr[2] == 1 and np.isinf(rr[1]) and np.isnan(rr[3])
    assert p[0] == pytest.approx(stats.binomtest(9, 12, 0.5).pvalue)
    ci = stats.binomtest(9, 12, 0.5).proportion_ci(0.95, method="exact")
    assert lo[0] == pytest.approx(ci.low / (1 - ci.low)) and hi[0] == pytest.approx(
        ci.high / (1 - ci.high))
    assert lo[1] > 0 and np.isinf(hi[1]) and p[2] == pytest.approx(1.0)
    # unequal exposure: 10 in 10 nights vs 10 in 30 nights is a third of the rate
    rr, _, _, p = rate_ratio_test(np.array([10]), np.array([10]), 10, 30)
    assert rr[0] == pytest.approx(1 / 3)
    assert p[0] == pytest.approx(stats.binomtest(10, 20, 0.75).pvalue)
    assert bh(np.array([0.01, 0.04, 0.03])) == pytest.approx([0.03, 0.04, 0.04])
    assert np.allclose(bh(np.array([0.2, 0.01, 0.5, 0.04])),
                       stats.false_discovery_control([0.2, 0.01, 0.5, 0.04]))


def test_a_known_doubling_in_one_district_is_flagged_and_nothing_else() -> None:
    incidents = _city(np.random.default_rng(7), per_district=300, doubled=4)
    atlas = Atlas(incidents)
    change = compare_periods(atlas, Query(resolution=8), BEFORE, AFTER)
    centre = h3i.latlng_to_cell(*DISTRICTS[4], 8)
    near = np.hypot(incidents["lat"] - DISTRICTS[4][0], incidents["lon"] - DISTRICTS[4][1])
    district = {h3i.latlng_to_cell(a, b, 8) for a, b in
                zip(incidents["lat"][near < 0.003], incidents["lon"][near < 0.003], strict=True)}
    others = {h3i.latlng_to_cell(a, b, 8) for a, b in
              zip(incidents["lat"][near > 0.003], incidents["lon"][near > 0.003], strict=True)}
    flagged = change.table.loc[change.table["change"].isin(["change.more", "change.fewer"])]
    assert centre in set(flagged["cell"]) and set(flagged["cell"]) <= district - others
    assert set(flagged["change"]) == {"change.more"}
    row = flagged.set_index("cell").loc[centre]
    assert 1 < row["rr_lo"] < row["rate_ratio"] < row["rr_hi"] and row["rate_ratio"] > 1.3
    assert change.nights == (181, 183)
    assert change.city["before"] > 0 and "ratio" in change_line(change)
    assert "nuits" in change_line(change, "fr")


def test_at_most_5_of_100_cities_without_change_show_a_flagged_cell() -> None:
    flagged = 0
    for seed in range(100):
        atlas = Atlas(_city(np.random.default_rng(1000 + seed), per_district=60))
        change = compare_periods(atlas, Query(resolution=8), BEFORE, AFTER)
        flagged += bool(change.table["change"].isin(["change.more", "change.fewer"]).any())
    assert flagged <= 5


def test_mann_kendall_matches_scipy_kendall_tau_and_skips_hidden_months() -> None:
    rng = np.random.default_rng(4)
    x = rng.poisson(5, size=(3, 12)).astype(float)
    x[2, [1, 5]] = np.nan
    s, tau, z, p = mann_kendall(x)
    for row in range(3):  # against the textbook double loop, ties corrected
        v = x[row][np.isfinite(x[row])]
        n = v.size
        ref_s = sum(np.sign(v[j] - v[i]) for i in range(n) for j in range(i + 1, n))
        _, t = np.unique(v, return_counts=True)
        var = (n * (n - 1) * (2 * n + 5) - (t * (t - 1) * (2 * t + 5)).sum()) / 18
        ref_z = (ref_s - np.sign(ref_s)) / np.sqrt(var)
        assert s[row] == ref_s and z[row] == pytest.approx(ref_z)
        assert p[row] == pytest.approx(2 * stats.norm.sf(abs(ref_z)))
    s, _, _, p = mann_kendall(np.arange(12, dtype=float)[None, :])
    assert s[0] == 66 and p[0] < 1e-4


def test_monthly_trends_find_a_rising_district() -> None:
    rng = np.random.default_rng(3)
    frame = _city(rng, per_district=200)
    lat, lon = DISTRICTS[1]
    days = np.sort(rng.integers(0, 364, 400))
    days = days[rng.random(days.size) < days / 364]  # rate rising through the year
    when = pd.Timestamp("2025-01-01") + pd.to_timedelta(days * 1440 + 22 * 60, unit="min")
    rising = frame.iloc[: days.size].copy().assign(
        occurred_from=when.astype("datetime64[ns]").to_numpy(), lat=lat, lon=lon,
        incident_id=[f"r{i}" for i in range(days.size)])
    atlas = Atlas(pd.concat([frame, rising], ignore_index=True))
    trends = monthly_trends(atlas, Query(resolution=8))
    assert len(trends.months) == 12 and trends.city.sum() > 0
    cell = h3i.latlng_to_cell(lat, lon, 8)
    by_cell = trends.table.set_index("cell")["trend"]
    assert by_cell[cell] == "trend.increasing"
    assert (by_cell.drop(cell) != "trend.decreasing").all()
    assert len(trends.series(cell)) == 12


def test_waves_compare_perceived_insecurity_with_intervals() -> None:
    rng = np.random.default_rng(5)
    frame = _city(rng, per_district=50)
    n = 600
    lat, lon = DISTRICTS[2]
    answers = pd.DataFrame({
        "response_id": [f"r{i}" for i in range(n)], "lat": lat + rng.normal(0, 3e-4, n),
        "lon": lon + rng.normal(0, 3e-4, n),
        "answered_at": pd.to_datetime(np.where(np.arange(n) < n // 2, "2025-03-01",
                                               "2025-10-01")),
        "hour": pd.array([None] * n, dtype="Int64"), "daypart": ["night"] * n,
        "insecurity": np.clip(np.where(np.arange(n) < n // 2, 0.7, 0.4)
                              + rng.normal(0, 0.1, n), 0, 1),
        "weight": 1.0, "group": pd.array([None] * n, dtype="string"),
    })
    atlas = Atlas(frame, answers)
    out = compare_waves(atlas, Query(resolution=8), (dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
                        (dt.date(2025, 7, 1), dt.date(2025, 12, 31)))
    row = out.set_index("cell").loc[h3i.latlng_to_cell(lat, lon, 8)]
    assert row["change"] == "change.perceived_less"
    assert row["diff_lo"] < -0.3 < row["diff_hi"] < 0


@pytest.mark.parametrize("p0", [0.5, 0.75, 183 / 364, 0.1])
def test_vectorised_exact_p_equals_scipy_binomtest(p0: float) -> None:
    from geo.compare._periods import _exact_p

    rng = np.random.default_rng(0)
    n = np.r_[rng.integers(0, 600, 300), 12, 20, 1, 5, 100]
    b = np.r_[(rng.random(300) * (n[:300] + 1)).astype(int), 9, 10, 0, 5, 50]
    ref = [stats.binomtest(int(x), int(m), p0).pvalue if m else np.nan for x, m in zip(b, n,
                                                                                       strict=True)]
    np.testing.assert_allclose(_exact_p(b, n, p0), ref, rtol=1e-12)
