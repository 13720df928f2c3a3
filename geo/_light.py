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
    t distribution function (the regularised incomplete beta's continued fraction), all in
    whole-array steps: a res-10 view of a city asks for thousands of cells at once. Agrees with
    ``scipy.stats.t.ppf`` to ~1e-10 (tested).
    """
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df > 0)
    if not ok.any():
        return out
    nu = df[ok]
    z = NormalDist().inv_cdf(p)
    q = np.where(nu >= 1, _hill(2 * (1 - p), np.maximum(nu, 1.0), z), math.tan(math.pi * (p - 0.5)))
    # Newton on log t: the far tails of tiny df (t ~ 1e39) converge in a few steps too.
    u = np.log(q)
    log_beta = _lgamma(nu / 2) + math.lgamma(0.5) - _lgamma((nu + 1) / 2)  # B(nu/2, 1/2)
    log_norm = -log_beta - 0.5 * np.log(nu)  # the density's constant
    for _ in range(60):
        q = np.exp(u)
        with np.errstate(over="ignore", invalid="ignore"):
            log_density = log_norm - (nu + 1) / 2 * np.log1p(q * q / nu)
            step = (_t_sf(q, nu, log_beta) - (1 - p)) / np.exp(log_density + u)
        step = np.where(np.isfinite(step), step, 0.0)
        u = u + step
        if np.all(np.abs(step) <= 1e-13):
            break
    q = np.exp(u)
    out[ok] = np.where(nu > 1e7, z, q)
    return out


_lgamma = np.vectorize(math.lgamma, otypes=[float])


def _hill(two_tail: float, nu: np.ndarray, z: float) -> np.ndarray:
    """Hill's approximation of the t quantile whose two-sided tail is ``two_tail`` (nu >= 1)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = 1 / (nu - 0.5)
        b = 48 / (a * a)
        c = ((20700 * a / b - 98) * a - 16) * a + 96.36
        d = ((94.5 / (b + c) - 3) / b + 1) * np.sqrt(a * math.pi / 2) * nu
        y = (d * two_tail) ** (2 / nu)
        x = -z  # the normal quantile of the lower tail two_tail / 2
        c_big = c + np.where(nu < 5, 0.3 * (nu - 4.5) * (x + 0.6), 0.0)
        c_big = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c_big
        y_big = (((((0.4 * x * x + 6.3) * x * x + 36) * x * x + 94.5) / c_big - x * x - 3) / b
                 + 1) * x
        y_big = np.expm1(a * y_big * y_big)
        y_small = ((1 / (((nu + 6) / (nu * y) - 0.089 * d - 0.822) * (nu + 2) * 3)
                    + 0.5 / (nu + 4)) * y - 1) * (nu + 1) / (nu + 2) + 1 / y
        q = np.sqrt(nu * np.where(y > 0.05 + a, y_big, y_small))
    two = np.abs(nu - 2) < 1e-12
    return np.where(two, math.sqrt(2 / (two_tail * (2 - two_tail)) - 2), q)


def _t_sf(t: np.ndarray, nu: np.ndarray, log_beta: np.ndarray) -> np.ndarray:
    """P(T > t) for t >= 0: half the regularised incomplete beta I_x(nu/2, 1/2)."""
    return 0.5 * _betainc(nu / 2, np.full_like(nu, 0.5), nu / (nu + t * t), log_beta)


def _betainc(a: np.ndarray, b: np.ndarray, x: np.ndarray, log_beta: np.ndarray) -> np.ndarray:
    """Regularised incomplete beta I_x(a, b), arrays, by its continued fraction (Lentz; the
    symmetry I_x(a, b) = 1 - I_{1-x}(b, a) where the fraction converges slowly).
    ``log_beta`` is log B(a, b) (symmetric, so the swap keeps it)."""
    x = np.clip(x, 0.0, 1.0)
    swap = x > (a + 1) / (a + b + 2)
    a, b, x = np.where(swap, b, a), np.where(swap, a, b), np.where(swap, 1 - x, x)
    with np.errstate(divide="ignore", invalid="ignore"):
        front = np.exp(a * np.log(x) + b * np.log1p(-x) - log_beta) / a
    tiny = 1e-300
    c = np.ones_like(x)
    d = 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / np.where(np.abs(d) > tiny, d, tiny)
    h = d.copy()
    for m in range(1, 300):
        delta = np.ones_like(x)
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / np.where(np.abs(d) > tiny, d, tiny)
            c = 1.0 + numerator / c
            c = np.where(np.abs(c) > tiny, c, tiny)
            delta = d * c
            h = h * delta
        if np.all(np.abs(delta - 1.0) < 1e-15):
            break
    value = np.where(x <= 0, 0.0, front * h)
    return np.where(swap, 1.0 - value, value)


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
