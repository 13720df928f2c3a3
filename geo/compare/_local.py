"""Local statistics with permutation inference and FDR control, delegated to esda.

* Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995) of recorded values: ``esda.G_Local`` with
  ``star=True`` on binary contiguity given a self-weight of 1, then row-standardised.
* Bivariate local Moran (Anselin, Syabri & Smirnov 2002): ``esda.Moran_Local_BV`` of perceived
  insecurity at a cell against the spatial lag of recorded values around it. We use it rather
  than esda's local Lee's L (``Spatial_Pearson_Local``) because the latter draws permutations
  from NumPy's global RNG with no seed argument, so its results could not be reproduced.

Both use esda's conditional randomisation (``crand``) with an explicit seed. esda reports a
"directed" pseudo p-value (the smaller tail), which its own docs call half the two-sided value
and "not advised"; we report the two-sided ``min(1, 2·p)`` (cheaper than esda's two-sided
routine, which keeps every simulated value) and control the false discovery rate over the
tested cells with Benjamini-Hochberg (``scipy.stats.false_discovery_control``).

``crand`` seeds NumPy's *global* legacy RNG when numba is absent; we save and restore that state
so that calling these functions leaves no trace on the caller's random stream.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import esda
import numpy as np
from libpysal.weights import W
from scipy import stats

from geo.compare._weights import GridWeights

__all__ = ["LocalResult", "bh_q", "bivariate_moran", "gi_star"]


@dataclass(frozen=True)
class LocalResult:
    """Per-cell output of one local statistic, NaN where a cell was not tested.

    Attributes
    ----------
    statistic
        The local statistic (Gi* z-score, or the bivariate local Moran I_i).
    p
        Two-sided permutation p-value.
    q
        Benjamini-Hochberg adjusted p-value over the tested cells.
    quadrant
        esda's quadrant 1..4 (HH, LH, LL, HL) for the bivariate Moran; 0 where not tested or
        for Gi*.
    """

    statistic: np.ndarray
    p: np.ndarray
    q: np.ndarray
    quadrant: np.ndarray


@contextmanager
def _global_rng_kept() -> Iterator[None]:
    state = np.random.get_state()
    try:
        with warnings.catch_warnings():
            # esda warns that its default alternative will change; we convert p ourselves.
            warnings.filterwarnings(
                "ignore", message="The alternative hypothesis", category=DeprecationWarning
            )
            yield
    finally:
        np.random.set_state(state)


def bh_q(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values over the finite entries (NaN stays NaN)."""
    q = np.full(p.shape, np.nan)
    finite = np.isfinite(p)
    if finite.any():
        q[finite] = stats.false_discovery_control(p[finite], method="bh")
    return q


def _empty(n: int) -> LocalResult:
    nan = np.full(n, np.nan)
    return LocalResult(nan, nan.copy(), nan.copy(), np.zeros(n, dtype=np.int8))


def _fresh_binary(grid: GridWeights, *, with_self: bool = False) -> W:
    """A new binary W: esda transforms weights in place, so each statistic gets its own.

    ``with_self`` puts each cell among its own neighbours (weight 1), the Gi* structure;
    handing it to esda ready-made skips its slower ``fill_diagonal`` copy.
    """
    if grid.w is None:
        raise ValueError("no weights: fewer than two cells have a neighbour")
    neighbours = grid.w.neighbors
    if with_self:
        neighbours = {i: [i, *js] for i, js in neighbours.items()}
    w = W(neighbours, id_order=grid.w.id_order, silence_warnings=True)
    w.transform = "B"
    return w


def _two_sided(p_directed: np.ndarray) -> np.ndarray:
    return np.minimum(1.0, 2.0 * np.asarray(p_directed, dtype=float))


def gi_star(y: np.ndarray, grid: GridWeights, *, permutations: int, seed: int) -> LocalResult:
    """Getis-Ord Gi* z-scores with permutation p-values for the non-island cells.

    Parameters
    ----------
    y
        Non-negative values per cell (input order, same length as ``grid.islands``).
    grid
        Weights from :func:`geo.compare.grid_weights` over the same cells.
    permutations, seed
        Conditional permutations and the seed handed to esda.

    Returns
    -------
    LocalResult
        z-score (``G_Local.Zs``), two-sided p, BH q; NaN for islands, and for all cells when
        the values are constant (no cluster can be told from its surroundings).
    """
    n = grid.islands.size
    out = _empty(n)
    values = np.asarray(y, dtype=float)[grid.kept]
    if grid.w is None or np.ptp(values) == 0:
        return out
    with _global_rng_kept():
        g = esda.G_Local(
            values,
            _fresh_binary(grid, with_self=True),
            transform="R",
            permutations=permutations,
            star=True,
            keep_simulations=False,
            n_jobs=1,
            seed=seed,
        )
    out.statistic[grid.kept] = g.Zs
    out.p[grid.kept] = _two_sided(g.p_sim)
    out.q[:] = bh_q(out.p)
    return out


def bivariate_moran(
    x: np.ndarray, y: np.ndarray, grid: GridWeights, *, permutations: int, seed: int
) -> LocalResult:
    """Bivariate local Moran of ``x`` at each cell against the lag of ``y`` around it.

    Returns
    -------
    LocalResult
        ``I_i``, two-sided p, BH q and quadrant (1 HH, 2 LH, 3 LL, 4 HL: x at the cell vs
        y around it); NaN / 0 for islands, and for all cells when x or y is constant.
    """
    n = grid.islands.size
    out = _empty(n)
    xs = np.asarray(x, dtype=float)[grid.kept]
    ys = np.asarray(y, dtype=float)[grid.kept]
    if grid.w is None or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return out
    with _global_rng_kept():
        m = esda.Moran_Local_BV(
            xs,
            ys,
            _fresh_binary(grid),
            transformation="r",
            permutations=permutations,
            keep_simulations=False,
            n_jobs=1,
            seed=seed,
        )
    out.statistic[grid.kept] = m.Is
    out.p[grid.kept] = _two_sided(m.p_sim)
    out.q[:] = bh_q(out.p)
    out.quadrant[grid.kept] = m.q
    return out
