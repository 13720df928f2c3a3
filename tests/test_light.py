"""geo._light gives the libraries' answers without importing them (kernels start light)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import mapclassify
import numpy as np
import pytest
from scipy import stats

from geo._light import (
    average_ranks,
    equal_interval_bins,
    quantile_bins,
    spearman_p,
    spearman_rho,
    t_quantile,
    user_defined_classes,
)
from tests.conftest import REPO

HEAVY = ("mapclassify", "esda", "libpysal", "matplotlib", "scipy", "dask", "pandera",
         "geopandas")
"""Modules a dashboard kernel must not import until a view uses them."""


@pytest.mark.parametrize("seed", range(5))
def test_ranks_rho_and_p_match_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 12, 300).astype(float)  # many ties
    y = x + rng.normal(0, 4, 300)
    assert np.array_equal(average_ranks(x), stats.rankdata(x, method="average"))
    expected = stats.spearmanr(x, y)
    assert spearman_rho(x, y) == pytest.approx(expected.statistic, abs=1e-12)
    assert spearman_p(spearman_rho(x, y), 300) == pytest.approx(expected.pvalue, rel=1e-9)


def test_t_quantiles_match_scipy() -> None:
    df = np.r_[np.linspace(0.05, 5, 60), np.linspace(5, 400, 40), 1e5, 1, 2, np.nan, 0, -1]
    for p in (0.9, 0.975, 0.995):
        got = t_quantile(p, df)
        want = stats.t.ppf(p, np.where(df > 0, df, np.nan))
        assert np.allclose(got, want, rtol=1e-9, equal_nan=True), (p, got - want)


@pytest.mark.parametrize("k", [3, 4, 5, 6, 7])
def test_class_breaks_match_mapclassify(k: int) -> None:
    rng = np.random.default_rng(k)
    for values in (rng.gamma(0.8, 3, 500), np.r_[np.zeros(300), rng.random(200)],
                   rng.integers(0, 20, 400).astype(float)):
        want = mapclassify.Quantiles(values, k=k).bins  # (to the last bit of interpolation)
        assert np.allclose(quantile_bins(values, k), want, rtol=1e-12, atol=0)
        assert np.allclose(equal_interval_bins(values, k),
                           mapclassify.EqualInterval(values, k=k).bins)
    ranks = rng.random(200)
    bounds = (1 / 3, 2 / 3, 1.0)
    assert np.array_equal(user_defined_classes(ranks, bounds),
                          mapclassify.UserDefined(ranks, bins=list(bounds)).yb)


@pytest.mark.slow
def test_a_kernel_imports_nothing_heavy() -> None:
    """``import geo.app`` and an AtlasApp on the sample city (default layer) leave the heavy
    libraries unimported; a hot-spot view then loads esda."""
    code = textwrap.dedent(f"""
        import gc, sys
        import geo.app
        assert gc.isenabled()  # paused for the import only
        heavy = {HEAVY!r}
        assert not [m for m in heavy if m in sys.modules], [m for m in heavy if m in sys.modules]
        app = geo.app.AtlasApp().display().load_city()
        assert app.hexes.feature_count > 0
        loaded = [m for m in heavy if m in sys.modules]
        assert not loaded, loaded
        print("ok")
    """)
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0 and "ok" in run.stdout, run.stderr[-3000:]
