"""Monthly series per cell and city-wide, and a trend class per cell (Mann-Kendall with FDR).

ArcGIS's emerging hot spot analysis classifies space-time trends with the Mann-Kendall statistic;
we do the same per cell, on records per night of each calendar month (months differ in length),
and correct across cells with Benjamini-Hochberg. Written with NumPy (the test is a few lines
and vectorises over cells; no new dependency): ``S = sum sign(x_j - x_i)`` over month pairs,
its variance with the tie correction, a continuity-corrected normal z (Hamed & Rao's
autocorrelation correction is left out: monthly counts of a cell carry little of it).

Privacy: each month is an ordinary published view (cell-key noise, k floor); months hidden by
k are missing values, skipped by the test, never zeros.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.compare._periods import bh

if TYPE_CHECKING:
    from geo.metrics import Atlas, Query

TREND_KEYS: tuple[str, ...] = ("trend.increasing", "trend.decreasing", "trend.none",
                               "trend.too_short")
"""Trend class keys (catalogue keys, EN/FR)."""

MIN_MONTHS = 6
"""Fewest published months a cell needs for a trend class."""


def mann_kendall(series: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Mann-Kendall S, Kendall's tau, z and two-sided p per row of ``series`` (NaN skipped).

    Examples
    --------
    >>> s, tau, z, p = mann_kendall(np.array([[1., 2, 3, 4, 5, 6], [3, 1, 3, 1, 3, 1]]))
    >>> s.tolist(), tau.round(2).tolist(), bool(p[0] < 0.01), bool(p[1] > 0.5)
    ([15.0, -3.0], [1.0, -0.2], True, True)
    """
    x = np.atleast_2d(np.asarray(series, dtype=float))
    valid = np.isfinite(x)
    diff = x[:, None, :] - x[:, :, None]  # [r, i, j] = x_j - x_i
    pair = valid[:, :, None] & valid[:, None, :]
    upper = np.triu(np.ones(x.shape[1:] * 2, dtype=bool), k=1)
    s = np.where(pair & upper, np.sign(np.nan_to_num(diff)), 0).sum(axis=(1, 2)).astype(float)
    n = valid.sum(axis=1).astype(float)
    # ties: sum over tie groups of t(t-1)(2t+5) = sum over values of (t_i - 1)(2 t_i + 5)
    equal = pair & (np.nan_to_num(diff) == 0)
    t = np.where(valid, equal.sum(axis=2), 0).astype(float)
    ties = np.where(valid, (t - 1) * (2 * t + 5), 0).sum(axis=1)
    var = (n * (n - 1) * (2 * n + 5) - ties) / 18
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, (s - np.sign(s)) / np.sqrt(var), 0.0)
        tau = np.where(n > 1, s / (n * (n - 1) / 2), np.nan)
    p = np.array([math.erfc(abs(v) / math.sqrt(2)) for v in z])
    return s, tau, z, p


@dataclass(frozen=True, eq=False)
class Trends:
    """Monthly published series and the trend class of each cell."""

    months: tuple[dt.date, ...]
    nights: np.ndarray
    cells: np.ndarray
    counts: np.ndarray = field(repr=False)
    city: np.ndarray = field(repr=False)
    table: pd.DataFrame = field(repr=False)

    def series(self, cell: int) -> pd.DataFrame:
        """One cell's months: published count (NaN = hidden by k) and per night."""
        row = int(np.searchsorted(self.cells, np.uint64(cell)))
        if row >= self.cells.size or self.cells[row] != np.uint64(cell):
            values = np.zeros(len(self.months))
        else:
            values = self.counts[row]
        return pd.DataFrame({"month": list(self.months), "incidents": values,
                             "per_night": values / np.where(self.nights > 0, self.nights, np.nan)})


def monthly_trends(
    atlas: Atlas, query: Query, *, alpha: float = 0.05, min_months: int = MIN_MONTHS
) -> Trends:
    """Published counts per cell and calendar month in the query's range, and trend classes.

    The city-wide series sums the published cells of each month. Classes (``trend`` column,
    :data:`TREND_KEYS`) come from Mann-Kendall on records per night, BH across cells at
    ``alpha``; cells with fewer than ``min_months`` published months are ``trend.too_short``.
    """
    from geo.metrics._periods import _months_back, clipped_range, month_starts, nights_in

    first, last = atlas.incident_cube.first_night, atlas.incident_cube.last_night
    span = clipped_range(first, last, query.date_from, query.date_to)
    months = tuple(month_starts(*span)) if span is not None else ()
    tables, nights = [], []
    for start in months:
        end = _months_back(start, -1) - dt.timedelta(days=1)
        lo, hi = max(start, span[0]), min(end, span[1])
        result = atlas.query(query.with_(date_from=lo, date_to=hi))
        tables.append(result.table[["cell", "incidents"]])
        nights.append(nights_in(first, last, lo, hi, query.weekdays))
    cells = (np.unique(np.concatenate([t["cell"].to_numpy(dtype=np.uint64) for t in tables]))
             if tables else np.zeros(0, dtype=np.uint64))
    counts = np.zeros((cells.size, len(months)))
    for j, table in enumerate(tables):
        rows = np.searchsorted(cells, table["cell"].to_numpy(dtype=np.uint64))
        counts[rows, j] = table["incidents"].to_numpy(dtype=float, na_value=np.nan)
    per_night = counts / np.where(np.array(nights) > 0, np.array(nights), np.nan)
    s, tau, z, p = mann_kendall(per_night) if cells.size else (np.zeros(0),) * 4
    enough = np.isfinite(per_night).sum(axis=1) >= min_months
    p = np.where(enough, p, np.nan)
    q = bh(p)
    trend = np.full(cells.size, "trend.too_short", dtype=object)
    trend[enough] = "trend.none"
    trend[enough & (q < alpha) & (s > 0)] = "trend.increasing"
    trend[enough & (q < alpha) & (s < 0)] = "trend.decreasing"
    table = pd.DataFrame({"cell": cells, "mk_s": s, "tau": tau, "z": z, "p": p, "q": q,
                          "trend": trend})
    return Trends(months, np.array(nights), cells, counts, np.nansum(counts, axis=0), table)
