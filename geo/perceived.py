"""Perceived insecurity per cell from the additive sums of the perception cube.

The perception cube (DESIGN §4) keeps, per cell, ``n`` answers, ``sw = Σw``, ``swx = Σw·x`` and
``swx2 = Σw·x²`` so that any roll-up or filter union stays a sum. This module turns those sums
into what a map may show (DESIGN §5): a survey-weighted mean with its standard error and 95 %
interval, a "too few answers" flag instead of a misleading zero, and an empirical-Bayes (EB)
value that shrinks unreliable cells toward the wider area's mean.

Method
------
* Effective sample size: Kish (1965), ``n_eff = (Σw)² / Σw²``. The cube does not hold ``Σw²``,
  so unless the caller passes ``sw2`` we take ``n_eff = n`` (the equal-weights case). That
  *overstates* precision when weights vary inside a cell (Kish's design effect ``n / n_eff`` is
  ≥ 1); adding an ``sw2`` measure to the cube removes the approximation.
* Variance: weighted variance with the reliability-weights correction
  ``s² = v · n_eff / (n_eff − 1)``, where ``v = swx2/sw − mean²``; the standard error is
  Kish's ``se = sqrt(s² / n_eff)``, and the interval uses Student's t with ``n_eff − 1``
  degrees of freedom (honest for the 5-answer cells a city survey gives), clipped to [0, 1].
* Empirical Bayes: a normal–normal model (Morris 1983, *JASA* 78:47-55; Clayton & Kaldor 1987
  for disease maps). Prior mean = survey-weighted mean of the wider area (the whole table, or
  each ``area`` label); sampling variance of cell i = pooled within-cell variance ``σ²`` over
  ``n_eff_i`` (pooled, because a 5-answer cell whose answers happen to agree has a sample
  variance of 0 and must not be trusted fully); prior variance ``τ²`` by the method of moments
  (between-cell variance of the means minus the mean sampling variance, floored at 0).
  Shrinkage ``B_i = se_i² / (se_i² + τ²)`` and ``eb_i = B_i·prior + (1 − B_i)·mean_i``, so the
  EB value always lies between the cell's own mean and the prior mean.
  ``esda.smoothing.Empirical_Bayes`` is Marshall's Poisson-rate EB (events over a population);
  it does not fit a bounded mean with its own sampling variance, hence this module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo._light import t_quantile

__all__ = [
    "DEFAULT_LEVEL",
    "DEFAULT_MIN_N",
    "PERCEIVED_COLUMNS",
    "EBPrior",
    "eb_prior",
    "perceived_arrays",
    "perceived_stats",
]

DEFAULT_MIN_N = 5
"""Cells with fewer answers are "too few answers" (NaN, flagged), never shown as a zero."""

DEFAULT_LEVEL = 0.95
"""Coverage of the interval shown with each cell's mean."""

PERCEIVED_COLUMNS: tuple[str, ...] = (
    "perceived_n",
    "perceived_sw",
    "perceived_neff",
    "perceived",
    "perceived_var",
    "perceived_se",
    "perceived_lo",
    "perceived_hi",
    "perceived_ok",
    "perceived_prior",
    "perceived_shrinkage",
    "perceived_eb",
)
"""Columns of :func:`perceived_stats`, in order."""

ArrayLike = npt.ArrayLike


@dataclass(frozen=True)
class EBPrior:
    """Hyper-parameters of the normal–normal empirical-Bayes model.

    Attributes
    ----------
    prior_mean
        Survey-weighted mean per cell's area (one value per cell).
    tau2
        Between-cell (prior) variance, method of moments, ≥ 0.
    sigma2
        Pooled within-cell variance of one answer.
    n_cells
        Cells with enough answers that the estimates rest on.
    """

    prior_mean: np.ndarray
    tau2: float
    sigma2: float
    n_cells: int

    def __post_init__(self) -> None:
        if not (self.tau2 >= 0 or np.isnan(self.tau2)):
            raise ValueError(f"tau2 must be >= 0, got {self.tau2}")


def _floats(values: ArrayLike) -> np.ndarray:
    return np.asarray(values, dtype=float).reshape(-1)


def _moments(
    n: np.ndarray, sw: np.ndarray, swx: np.ndarray, swx2: np.ndarray, sw2: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted mean, unbiased (reliability-weights) variance and Kish n_eff per cell."""
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(sw > 0, swx / sw, np.nan)
        pop_var = np.clip(np.where(sw > 0, swx2 / sw - mean**2, np.nan), 0.0, None)
        n_eff = n.copy() if sw2 is None else np.where(sw2 > 0, sw**2 / sw2, 0.0)
        var = np.where(n_eff > 1, pop_var * n_eff / (n_eff - 1), np.nan)
    return mean, var, n_eff


def eb_prior(
    n: ArrayLike,
    sw: ArrayLike,
    swx: ArrayLike,
    swx2: ArrayLike,
    *,
    sw2: ArrayLike | None = None,
    min_n: int = DEFAULT_MIN_N,
    area: Sequence[object] | ArrayLike | None = None,
) -> EBPrior:
    """Estimate the empirical-Bayes prior from the cells' additive sums.

    Parameters
    ----------
    n, sw, swx, swx2
        Per-cell answer count, Σw, Σw·x and Σw·x².
    sw2
        Per-cell Σw², when the cube has it (Kish's n_eff); otherwise n_eff = n.
    min_n
        Cells with fewer answers do not inform ``τ²`` or ``σ²`` (their means are too noisy).
    area
        Optional label per cell (e.g. the resolution-7 parent) to shrink toward the area's mean
        instead of the global one; ``τ²`` is then the pooled spread around the area means.

    Returns
    -------
    EBPrior
        Prior mean per cell, ``τ²``, ``σ²`` and the number of cells used.
    """
    n_, sw_, swx_, swx2_ = (_floats(v) for v in (n, sw, swx, swx2))
    sw2_ = None if sw2 is None else _floats(sw2)
    mean, var, n_eff = _moments(n_, sw_, swx_, swx2_, sw2_)
    labels = np.zeros(n_.size, dtype=np.int64)
    if area is not None:
        labels = pd.factorize(pd.Series(np.asarray(area, dtype=object)))[0]
    # The prior mean uses every answer: a cell too small to show still tells about its area.
    groups = int(labels.max()) + 1 if labels.size else 0
    # Missing sums (a cell hidden by k before a re-derivation) count as nothing, not as NaN.
    area_sw = np.bincount(labels, weights=np.nan_to_num(sw_), minlength=groups)
    area_swx = np.bincount(labels, weights=np.nan_to_num(swx_), minlength=groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        area_mean = (area_swx / area_sw)[labels]

    ok = (n_ >= min_n) & (sw_ > 0)
    with_var = ok & (n_eff > 1) & np.isfinite(var)
    dof = n_eff[with_var] - 1
    sigma2 = float(np.sum(dof * var[with_var]) / np.sum(dof)) if dof.sum() > 0 else np.nan
    n_cells = int(ok.sum())
    n_areas = len(np.unique(labels[ok]))
    if n_cells - n_areas < 1 or not np.isfinite(sigma2):
        return EBPrior(area_mean, np.nan, sigma2, n_cells)
    deviations = mean[ok] - area_mean[ok]
    between = float(np.sum(deviations**2) / (n_cells - n_areas))
    sampling = float(np.mean(sigma2 / n_eff[ok]))
    return EBPrior(area_mean, max(0.0, between - sampling), sigma2, n_cells)


def perceived_stats(
    n: ArrayLike,
    sw: ArrayLike,
    swx: ArrayLike,
    swx2: ArrayLike,
    *,
    sw2: ArrayLike | None = None,
    min_n: int = DEFAULT_MIN_N,
    level: float = DEFAULT_LEVEL,
    area: Sequence[object] | ArrayLike | None = None,
) -> pd.DataFrame:
    """Per-cell perceived insecurity: mean, interval, "too few answers" flag and EB value.

    Vectorised over cells; the additive sums come from the perception cube after the query's
    filters and roll-up (DESIGN §4), so this is the last step and needs no raw answers.

    Parameters
    ----------
    n, sw, swx, swx2
        Per-cell answer count, Σw, Σw·x and Σw·x² (x = insecurity in [0, 1]). A pandas
        Series ``n`` lends its index to the result.
    sw2
        Per-cell Σw² for Kish's effective n; without it n_eff = n (see module notes).
    min_n
        Minimum answers for a cell to be shown; smaller cells get NaN statistics and
        ``perceived_ok = False`` ("too few answers"), never a zero.
    level
        Coverage of the interval (0.95: a 95 % interval).
    area
        Optional label per cell to shrink toward the area's mean rather than the global mean.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PERCEIVED_COLUMNS`: ``perceived`` (weighted mean), ``perceived_var``,
        ``perceived_se``, ``perceived_lo``/``perceived_hi`` (interval clipped to [0, 1]),
        ``perceived_ok``, ``perceived_prior`` (EB prior mean), ``perceived_shrinkage`` (B) and
        ``perceived_eb`` (EB value; NaN where too few answers).

    Raises
    ------
    ValueError
        When the inputs differ in length, ``min_n < 1`` or ``level`` is not in (0, 1).

    Examples
    --------
    >>> t = perceived_stats([10, 2], [10.0, 2.0], [5.0, 2.0], [3.0, 2.0])
    >>> t["perceived"].round(2).tolist(), t["perceived_ok"].tolist()
    ([0.5, nan], [True, False])
    """
    index = n.index if isinstance(n, pd.Series) else None
    return pd.DataFrame(
        perceived_arrays(n, sw, swx, swx2, sw2=sw2, min_n=min_n, level=level, area=area),
        index=index,
    )


def _answered(n: np.ndarray, *sums: np.ndarray | None) -> np.ndarray:
    """Cells with any answer (or any sum): the only ones whose statistics are computed."""
    keep = n != 0
    for values in sums:
        if values is not None:
            keep |= values != 0
    return np.flatnonzero(keep)


def _with_unanswered(part: dict[str, np.ndarray], rows: np.ndarray, n: np.ndarray,
                     sw: np.ndarray) -> dict[str, np.ndarray]:
    """The statistics of every cell from those of the answered ``rows``: a cell without
    answers has what the full computation gives it (no interval, not shown, effective size 0)
    and the prior mean, which without areas is one value for every cell."""
    out = {}
    for name, values in part.items():
        if name == "perceived_ok":
            full = np.zeros(n.size, dtype=bool)
        elif name == "perceived_neff":
            full = np.zeros(n.size)
        elif name == "perceived_prior":  # area_swx / area_sw of all cells (0 / 0 without any)
            full = np.full(n.size, values[0] if values.size else np.nan)
        else:
            full = np.full(n.size, np.nan)
        full[rows] = values
        out[name] = full
    out["perceived_n"], out["perceived_sw"] = n, sw
    return out


T_CACHE_SIZE = 64
"""Sets of t quantiles a ``t_cache`` keeps before it starts afresh (a few kB each)."""


def _t_quantiles(p: float, df: np.ndarray,
                 cache: dict[tuple[float, bytes], np.ndarray] | None) -> np.ndarray:
    """``t_quantile(p, df)``, looked up by the finite degrees of freedom in order.

    :func:`~geo._light.t_quantile` computes over its finite entries only, as one batch, so
    the same finite entries give the same values to the last bit, wherever the NaNs fall.
    """
    if cache is None:
        return t_quantile(p, df)
    finite = np.isfinite(df) & (df > 0)
    key = (p, df[finite].tobytes())
    values = cache.get(key)
    if values is None:
        if len(cache) >= T_CACHE_SIZE:
            cache.clear()
        values = cache[key] = t_quantile(p, df[finite])
    out = np.full(df.shape, np.nan)
    out[finite] = values
    return out


def perceived_arrays(
    n: ArrayLike,
    sw: ArrayLike,
    swx: ArrayLike,
    swx2: ArrayLike,
    *,
    sw2: ArrayLike | None = None,
    min_n: int = DEFAULT_MIN_N,
    level: float = DEFAULT_LEVEL,
    area: Sequence[object] | ArrayLike | None = None,
    t_cache: dict[tuple[float, bytes], np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """:func:`perceived_stats` as a dict of arrays (:data:`PERCEIVED_COLUMNS`), for the query
    path, where a DataFrame's construction would cost more than the arithmetic.

    ``t_cache`` (a dict the caller keeps) remembers the t quantiles of the intervals: they are
    most of the cost, and views that change only the incidents' filters (a date range, an
    hour of a slider) come back with the very same answers' degrees of freedom."""
    if min_n < 1:
        raise ValueError(f"min_n must be >= 1, got {min_n}")
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level}")
    n_, sw_, swx_, swx2_ = (_floats(v) for v in (n, sw, swx, swx2))
    sw2_ = None if sw2 is None else _floats(sw2)
    sizes = {a.size for a in (n_, sw_, swx_, swx2_) + (() if sw2_ is None else (sw2_,))}
    if len(sizes) != 1:
        raise ValueError(f"n, sw, swx, swx2 (and sw2) must have one length, got {sorted(sizes)}")

    if area is None:
        rows = _answered(n_, sw_, swx_, swx2_, sw2_)
        if rows.size * 2 < n_.size:  # most cells have no answer: compute on the others only
            part = perceived_arrays(
                n_[rows], sw_[rows], swx_[rows], swx2_[rows],
                sw2=None if sw2_ is None else sw2_[rows], min_n=min_n, level=level,
                t_cache=t_cache,
            )
            return _with_unanswered(part, rows, n_, sw_)
    mean, var, n_eff = _moments(n_, sw_, swx_, swx2_, sw2_)
    ok = (n_ >= min_n) & (sw_ > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = np.sqrt(var / n_eff)
        # only where the interval is shown: cells under min_n are hidden below
        t = _t_quantiles(0.5 + level / 2, np.where(ok & (n_eff > 1), n_eff - 1, np.nan),
                         t_cache)
    lo = np.clip(mean - t * se, 0.0, 1.0)
    hi = np.clip(mean + t * se, 0.0, 1.0)

    prior = eb_prior(n_, sw_, swx_, swx2_, sw2=sw2_, min_n=min_n, area=area)
    if np.isfinite(prior.tau2) and np.isfinite(prior.sigma2):
        with np.errstate(divide="ignore", invalid="ignore"):
            se2 = prior.sigma2 / n_eff
            denominator = se2 + prior.tau2
            # τ² = 0 and σ² = 0: every cell equals the prior, so pooling fully changes nothing.
            shrink = np.where(denominator > 0, se2 / denominator, 1.0)
    else:  # one cell per area: nothing to learn the spread from, so keep the raw means
        shrink = np.zeros_like(mean)
    eb = shrink * prior.prior_mean + (1 - shrink) * mean

    def hide(values: np.ndarray) -> np.ndarray:
        return np.where(ok, values, np.nan)

    return {
        "perceived_n": n_,
        "perceived_sw": sw_,
        "perceived_neff": n_eff,
        "perceived": hide(mean),
        "perceived_var": hide(var),
        "perceived_se": hide(se),
        "perceived_lo": hide(lo),
        "perceived_hi": hide(hi),
        "perceived_ok": ok,
        "perceived_prior": prior.prior_mean,
        "perceived_shrinkage": hide(shrink),
        "perceived_eb": hide(eb),
    }
