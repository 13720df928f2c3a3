"""The few statistics every view needs, without importing SciPy or mapclassify.

A dashboard kernel must start fast (issue "real-city scale": ``import geo.app`` <= 1 s; SciPy's
``stats`` and mapclassify alone took 1.4 s), and every query needs average ranks, a Spearman
rho, Student-t quantiles for the perceived intervals and quantile / equal-interval class breaks.
Those are computed here with NumPy, identical to the libraries' results (tests compare them);
the heavy libraries stay for what needs them (natural breaks, local statistics, p-values) and
are imported only then.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np


def average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties sharing their average rank (``scipy.stats.rankdata``)."""
    values = np.asarray(values, dtype=float)
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], values.size]
    average = (starts + ends + 1) / 2.0  # mean of the 1-based positions start+1 .. end
    ranks = np.empty(values.size)
    ranks[order] = np.repeat(average, ends - starts)
    return ranks


def spearman_rho(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho: Pearson's correlation of the average ranks."""
    return float(np.corrcoef(average_ranks(x), average_ranks(y))[0, 1])


def spearman_p(rho: float, n: int) -> float:
    """Two-sided p-value of rho over ``n`` pairs (t with n - 2 df, as ``scipy.stats.spearmanr``).

    Imports SciPy's special functions: only exports and the CLI ask for it.
    """
    if n < 3 or not math.isfinite(rho):
        return math.nan
    from scipy.special import stdtr

    dof = n - 2
    t = rho * math.sqrt(max(dof / ((rho + 1.0) * (1.0 - rho)), 0.0)) if abs(rho) < 1 else math.inf
    return float(min(2 * stdtr(dof, -abs(t)), 1.0))


def t_quantile(p: float, df: np.ndarray) -> np.ndarray:
    """Upper quantile ``t_p`` of Student's t for real ``df`` (p in (0.5, 1)); NaN where df <= 0.

    Hill's algorithm (CACM 396, 1970; the start of R's ``qt``) refined by Newton steps on the
    t distribution function, written with the regularised incomplete beta's continued fraction
    for the tail; agrees with ``scipy.stats.t.ppf`` to ~1e-10 (tested).
    """
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df > 0)
    z = NormalDist().inv_cdf(p)
    for index in zip(*np.nonzero(ok), strict=True):
        out[index] = _t_one(p, float(df[index]), z)
    return out


def _t_one(p: float, nu: float, z: float) -> float:
    """One t quantile: a start value, then Newton on ``cdf(t) - p``."""
    if nu > 1e7:
        return z
    q = _hill(2 * (1 - p), nu, z) if nu >= 1 else math.tan(math.pi * (p - 0.5))
    for _ in range(50):
        f = _t_sf(q, nu) - (1 - p)
        density = math.exp(math.lgamma((nu + 1) / 2) - math.lgamma(nu / 2)
                           - 0.5 * math.log(nu * math.pi)
                           - (nu + 1) / 2 * math.log1p(q * q / nu))
        step = f / density
        q += step
        if abs(step) <= 1e-12 * max(1.0, abs(q)):
            break
    return q


def _hill(two_tail: float, nu: float, z: float) -> float:
    """Hill's approximation of the t quantile whose two-sided tail is ``two_tail``."""
    if abs(nu - 2) < 1e-12:
        return math.sqrt(2 / (two_tail * (2 - two_tail)) - 2)
    a = 1 / (nu - 0.5)
    b = 48 / (a * a)
    c = ((20700 * a / b - 98) * a - 16) * a + 96.36
    d = ((94.5 / (b + c) - 3) / b + 1) * math.sqrt(a * math.pi / 2) * nu
    y = (d * two_tail) ** (2 / nu)
    if y > 0.05 + a:
        x = -z  # the normal quantile of the lower tail two_tail / 2
        y = x * x
        if nu < 5:
            c += 0.3 * (nu - 4.5) * (x + 0.6)
        c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c
        y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x
        y = math.expm1(a * y * y)
    else:
        y = ((1 / (((nu + 6) / (nu * y) - 0.089 * d - 0.822) * (nu + 2) * 3)
              + 0.5 / (nu + 4)) * y - 1) * (nu + 1) / (nu + 2) + 1 / y
    return math.sqrt(nu * y)


def _t_sf(t: float, nu: float) -> float:
    """P(T > t) for t >= 0: half the regularised incomplete beta I_x(nu/2, 1/2)."""
    x = nu / (nu + t * t)
    return 0.5 * _betainc(nu / 2, 0.5, x)


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) by its continued fraction (Numerical Recipes)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x > (a + 1) / (a + b + 2):
        return 1.0 - _betainc(b, a, 1.0 - x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return front * h / a


def quantile_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of ``k`` quantile classes (``mapclassify.Quantiles(values, k).bins``)."""
    step = 100.0 / k
    percents = np.arange(step, 100 + step, step)
    percents[-1] = min(percents[-1], 100.0)  # as mapclassify: an overshoot collapses by unique
    return np.unique(np.percentile(np.asarray(values, dtype=float), percents))


def equal_interval_bins(values: np.ndarray, k: int) -> np.ndarray:
    """Upper bounds of ``k`` equal-width classes (``mapclassify.EqualInterval(values, k).bins``)."""
    values = np.asarray(values, dtype=float)
    low, high = float(values.min()), float(values.max())
    width = (high - low) / k
    cuts = np.arange(low + width, high + width, width)[:k] if width > 0 else np.array([high])
    cuts[-1] = high
    return cuts


def user_defined_classes(values: np.ndarray, bins: tuple[float, ...]) -> np.ndarray:
    """Class of each value for upper bounds ``bins`` (``mapclassify.UserDefined(...).yb``):
    the first bound at or above the value; a last class up to the maximum is added."""
    values = np.asarray(values, dtype=float)
    edges = np.asarray(bins, dtype=float)
    if values.size and values.max() > edges[-1]:
        edges = np.r_[edges, values.max()]
    return np.searchsorted(edges, values, side="left")
