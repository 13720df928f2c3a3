"""Two periods compared per cell: did a place record more or fewer incidents after a date?

Police analysts compare periods daily (CompStat: these 28 days against the previous 28); a planner
asks whether new street lighting changed anything. Per cell, the counts of the two periods are
Poisson with the nights of each period as exposure, so, given their sum, the later count is
binomial with ``p0 = nights_after / (nights_before + nights_after)`` when nothing changed (the
conditional test for two Poisson rates, exact for small counts: Przyborowski & Wilenski 1940;
``scipy.stats.binomtest``). Its Clopper-Pearson interval of ``p`` gives the rate ratio's interval,
``RR = p / (1 - p) * nights_before / nights_after``. With hundreds of cells tested at once,
Benjamini-Hochberg keeps the share of false "changes" among those flagged at ``alpha``.

Privacy: both periods are ordinary published views (cell-key noise, k floor), and only cells
published in both are compared; the city-wide line sums published cells only (DESIGN §6).
Words stay neutral: "more recorded", "fewer recorded", "no clear change" (records, not crime).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from geo.metrics import Atlas, Query

CHANGE_KEYS: tuple[str, ...] = (
    "change.more", "change.fewer", "change.no_clear", "change.not_compared",
)
"""Class keys of a period comparison (catalogue keys, EN/FR), in legend order."""

PERIOD_COLUMNS: tuple[str, ...] = (
    "cell", "before", "after", "rate_ratio", "rr_lo", "rr_hi", "p", "q", "change",
)
"""Columns of :attr:`PeriodChange.table`."""

Range = tuple[dt.date, dt.date]


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values over the finite entries (NaN stays NaN).

    Examples
    --------
    >>> bh(np.array([0.01, 0.04, np.nan, 0.03])).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(p, dtype=float)
    q = np.full(p.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(p))
    if finite.size:
        order = finite[np.argsort(p[finite], kind="stable")]
        ranked = p[order] * finite.size / np.arange(1, finite.size + 1)
        q[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    return q


def _search(f, d: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """SciPy's ``_binary_search_for_binom_tst``, vectorised: ``i`` in ``[lo, hi]`` with
    ``f(i) <= d < f(i + 1)`` for an increasing ``f``."""
    lo, hi = lo.astype(np.int64), hi.astype(np.int64)
    found = np.full(lo.shape, -1, dtype=np.int64)
    active = lo < hi
    while active.any():
        mid = lo + (hi - lo) // 2
        value = f(mid)
        below, above = active & (value < d), active & (value > d)
        hit = active & ~below & ~above
        found[hit] = mid[hit]
        lo = np.where(below, mid + 1, lo)
        hi = np.where(above, mid - 1, hi)
        active = active & ~hit & (lo < hi)
    last = np.where(f(lo) <= d, lo, lo - 1)
    return np.where(found >= 0, found, last)


def _pmf(x: np.ndarray, n: np.ndarray, p0: float) -> np.ndarray:
    """``scipy.stats.binom.pmf`` without its per-call argument checks (the same Boost kernel,
    the same values): the searches below call it dozens of times per comparison, and the
    checks cost five times the kernel. Outside 0..n it is 0, as ``pmf`` says."""
    from scipy.stats import binom

    x, n = np.broadcast_arrays(np.asarray(x), np.asarray(n))
    inside = (x >= 0) & (x <= n)
    out = np.zeros(x.shape)
    if inside.any():
        out[inside] = binom._pmf(x[inside], n[inside], p0)
    return out


def _exact_p(b: np.ndarray, n: np.ndarray, p0: float) -> np.ndarray:
    """Two-sided ``scipy.stats.binomtest(b, n, p0).pvalue`` for arrays (same algorithm: the
    other tail holds the outcomes no likelier than ``b``), so hundreds of cells cost a few
    vectorised calls instead of a Python loop (tests check it against ``binomtest``)."""
    from scipy.stats import binom

    b, n = np.asarray(b, dtype=np.int64), np.asarray(n, dtype=np.int64)
    p = np.full(b.shape, np.nan)
    ok = n > 0
    if not ok.any():
        return p
    k, m = b[ok], n[ok]
    d = binom.pmf(k, m, p0) * (1 + 1e-7)
    mean = p0 * m
    low = k < mean
    out = np.ones(k.shape)
    if low.any():
        kk, mm, dd = k[low], m[low], d[low]
        ix = _search(lambda x: -_pmf(x, mm, p0), -dd, np.ceil(p0 * mm), mm)
        y = mm - ix + (dd == binom.pmf(ix, mm, p0))
        out[low] = binom.cdf(kk, mm, p0) + binom.sf(mm - y, mm, p0)
    high = k > mean
    if high.any():
        kk, mm, dd = k[high], m[high], d[high]
        ix = _search(lambda x: _pmf(x, mm, p0), dd, np.zeros_like(mm),
                     np.floor(p0 * mm))
        out[high] = binom.cdf(ix, mm, p0) + binom.sf(kk - 1, mm, p0)
    p[ok] = np.minimum(out, 1.0)
    return p


def rate_ratio_test(
    before: np.ndarray, after: np.ndarray, nights_before: int, nights_after: int,
    level: float = 0.95, noise_bound: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rate ratio after/before per entry, its exact interval and the exact two-sided p-value.

    Counts are rounded to whole events (published counts are whole already). ``p`` is NaN where
    both counts are 0 (nothing to test). SciPy is imported here, not at module import: kernels
    that never compare periods stay light.

    Published counts carry cell-key noise of at most ``noise_bound`` each way. The test stays
    valid by taking the largest p-value, and the widest interval, over every pair of true
    counts the published pair may hide: measured on 100 cities without change, the noise
    alone (uniform -2..2) took the flagged cities from 4 to 9 in 100 without this.

    Examples
    --------
    >>> rr, lo, hi, p = rate_ratio_test(np.array([10]), np.array([30]), 28, 28)
    >>> float(rr[0]), bool(lo[0] > 1), bool(p[0] < 0.01)
    (3.0, True, True)
    """
    from scipy import stats

    a = np.rint(np.asarray(before, dtype=float)).astype(np.int64)
    b = np.rint(np.asarray(after, dtype=float)).astype(np.int64)
    n = a + b
    p0 = nights_after / (nights_before + nights_after)
    scale = nights_before / nights_after
    alpha = 1 - level
    d = int(noise_bound)
    # the interval's ends from the least favourable true counts within the noise
    a_lo, b_lo = a + d, np.maximum(b - d, 0)
    a_hi, b_hi = np.maximum(a - d, 0), b + d
    with np.errstate(divide="ignore", invalid="ignore"):
        rr = np.where(n > 0, (b * nights_before) / (a * nights_after), np.nan)
        lo_p = np.where(b_lo > 0, stats.beta.ppf(alpha / 2, np.maximum(b_lo, 1), a_lo + 1), 0.0)
        hi_p = np.where(a_hi > 0, stats.beta.ppf(1 - alpha / 2, b_hi + 1, np.maximum(a_hi, 1)),
                        1.0)
        lo = np.where(n > 0, lo_p / (1 - lo_p) * scale, np.nan)
        hi = np.where(n > 0, np.where(hi_p < 1, hi_p / (1 - hi_p) * scale, np.inf), np.nan)
    # Along the diagonal (after down, before up, or the reverse) the sum n stays, and the
    # p-value grows toward the null: the largest over the box is at the step nearest the null
    # (``s*`` below), clipped to the bound; two evaluations, whatever the bound.
    if d > 0:
        null_step = (b * nights_before - a * nights_after) / (nights_before + nights_after)
        steps = [np.clip(step, -d, d).astype(np.int64)
                 for step in (np.floor(null_step), np.ceil(null_step))]
        # the published pair and both steps in one vectorised test: one set of searches
        tried = np.concatenate([b, *(np.clip(b - step, 0, n) for step in steps)])
        p = _exact_p(tried, np.tile(n, 3), p0).reshape(3, -1)
        p = np.fmax(np.fmax(p[0], p[1]), p[2])
    else:
        p = _exact_p(b, n, p0)
    p = np.where(n > 0, p, np.nan)
    return rr, lo, hi, p


@dataclass(frozen=True, eq=False)
class PeriodChange:
    """Per-cell change between two periods, and the city-wide line."""

    before: Range
    after: Range
    nights: tuple[int, int]
    table: pd.DataFrame = field(repr=False)
    city: dict[str, Any]

    def counts(self) -> dict[str, int]:
        """Cells per class key."""
        found = self.table["change"].value_counts()
        return {key: int(found.get(key, 0)) for key in CHANGE_KEYS}


def _published(atlas: Atlas, query: Query, period: Range) -> tuple[pd.DataFrame, int, int]:
    """One period's published counts per cell, its nights, and the noise bound of a cell's
    total (the bound of one source times the noisy sources it sums)."""
    # ranks and classes of the view are not needed here (a fifth of a query's time)
    result = atlas.query(query.with_(date_from=period[0], date_to=period[1]), compare=False)
    table = result.table[["cell", "incidents"]]
    summary = result.summary
    chosen = [s for s in atlas.sources if query.sources is None or s in query.sources]
    noisy = [s for s in chosen if s not in summary["exact_sources"]]
    bound = int(summary["noise_bound"]) * len(noisy) if summary["perturbed"] else 0
    return table, int(summary["nights"]), bound


def _aligned(table_a: pd.DataFrame,
             table_b: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Both periods' counts on the union of their cells (sorted): 0 where a view does not list
    the cell, NaN where it hides it. Plain arrays: a pandas outer merge cost more than the
    test of every cell."""
    cells_a = table_a["cell"].to_numpy(dtype=np.uint64)
    cells_b = table_b["cell"].to_numpy(dtype=np.uint64)
    cells = np.union1d(cells_a, cells_b)
    out = []
    for own, table in ((cells_a, table_a), (cells_b, table_b)):
        values = np.zeros(cells.size)
        values[np.searchsorted(cells, own)] = table["incidents"].to_numpy(dtype=float,
                                                                          na_value=np.nan)
        out.append(values)
    return cells, out[0], out[1]


def compare_periods(
    atlas: Atlas,
    query: Query,
    before: Range,
    after: Range,
    *,
    alpha: float = 0.05,
    level: float = 0.95,
) -> PeriodChange:
    """Per-cell rate ratio of recorded incidents, ``after`` against ``before``.

    Parameters
    ----------
    atlas, query
        The data and the view's other filters (hours, weekdays, categories, sources, k...);
        the query's own date range is replaced by each period in turn.
    before, after
        Night-date ranges, both ends inclusive.
    alpha
        False discovery rate of the "more" / "fewer recorded" classes (Benjamini-Hochberg).
    level
        Coverage of the rate ratio's interval.

    Returns
    -------
    PeriodChange
        ``table`` with :data:`PERIOD_COLUMNS`, one row per cell published in either period:
        ``change`` is a :data:`CHANGE_KEYS` key; cells hidden by k in either period are
        ``change.not_compared``. ``city`` holds the city-wide totals, ratio, interval and p.
    """
    table_a, nights_a, bound = _published(atlas, query, before)
    table_b, nights_b, _ = _published(atlas, query, after)
    if nights_a == 0 or nights_b == 0:
        raise ValueError(f"no night of the data in {'before' if nights_a == 0 else 'after'}")
    # absent from one period's view = nothing recorded there (a view lists every cell with data)
    cells, a, b = _aligned(table_a, table_b)
    compared = np.isfinite(a) & np.isfinite(b) & ((a + b) > 0)
    rr, lo, hi, p = (np.full(a.size, np.nan) for _ in range(4))
    if compared.any():
        tested = rate_ratio_test(a[compared], b[compared], nights_a, nights_b, level, bound)
        for out, values in zip((rr, lo, hi, p), tested, strict=True):
            out[compared] = values
    q = bh(p)
    change = np.full(a.size, "change.not_compared", dtype=object)
    change[compared] = "change.no_clear"
    change[compared & (q < alpha) & (rr > 1)] = "change.more"
    change[compared & (q < alpha) & (rr < 1)] = "change.fewer"
    table = pd.DataFrame({
        "cell": cells, "before": a, "after": b, "rate_ratio": rr, "rr_lo": lo, "rr_hi": hi,
        "p": p, "q": q, "change": change,
    })
    total_a, total_b = float(np.nansum(a[compared])), float(np.nansum(b[compared]))
    city_rr, city_lo, city_hi, city_p = (
        float(v[0]) for v in rate_ratio_test(
            np.array([total_a]), np.array([total_b]), nights_a, nights_b, level,
            bound * int(compared.sum())))
    city = {
        "before": total_a, "after": total_b, "nights_before": nights_a, "nights_after": nights_b,
        "rate_ratio": city_rr, "rr_lo": city_lo, "rr_hi": city_hi, "p": city_p,
        "change": "change.no_clear" if not city_p < alpha else
        ("change.more" if city_rr > 1 else "change.fewer"),
        "cells_compared": int(compared.sum()),
        "noise_bound": bound,
        "cells_not_compared": int((~compared & ~((a == 0) & (b == 0))).sum()),
    }
    return PeriodChange(before, after, (nights_a, nights_b), table, city)


def change_line(change: PeriodChange, lang: str = "en") -> str:
    """The summary's city-wide line, e.g. "City-wide: 412 recorded in 28 nights, then 530 in 28
    nights: x1.29 (1.13-1.46), more recorded"."""
    from geo.i18n import number, t

    city = change.city

    def fmt(value: float) -> str:
        return number(value, lang, 2) if np.isfinite(value) else "–"

    return t(
        "change.city_line", lang,
        before=number(city["before"], lang, 0), nights_before=city["nights_before"],
        after=number(city["after"], lang, 0), nights_after=city["nights_after"],
        ratio=fmt(city["rate_ratio"]), lo=fmt(city["rr_lo"]), hi=fmt(city["rr_hi"]),
        change=t(city["change"], lang),
    )


def compare_waves(
    atlas: Atlas, query: Query, before: Range, after: Range, *, alpha: float = 0.05,
    level: float = 0.95,
) -> pd.DataFrame:
    """Perceived insecurity per cell between two survey waves (answers' dates), with intervals.

    Each wave is a published view (answers' sums with cell-key noise, "too few answers" under
    the query's ``min_answers``); the difference of the weighted means gets a normal interval
    from the two standard errors, a two-sided p, and BH across cells. ``change`` is
    ``change.perceived_more`` (feels less safe than before), ``change.perceived_less``,
    ``change.no_clear`` or ``change.not_compared``.
    """
    from scipy import stats

    def wave(period: Range) -> pd.DataFrame:
        result = atlas.query(query.with_(answered_from=period[0], answered_to=period[1]))
        table = result.table
        ok = table["perceived_ok"].to_numpy(dtype=bool)
        return pd.DataFrame({"cell": table["cell"][ok], "mean": table["perceived"][ok],
                             "se": table["perceived_se"][ok]})

    merged = wave(before).merge(wave(after), on="cell", how="outer", suffixes=("_a", "_b"))
    diff = (merged["mean_b"] - merged["mean_a"]).to_numpy(dtype=float)
    se = np.hypot(merged["se_a"].to_numpy(dtype=float), merged["se_b"].to_numpy(dtype=float))
    zq = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(se > 0, 2 * stats.norm.sf(np.abs(diff) / se), np.nan)
    q = bh(p)
    compared = np.isfinite(diff) & np.isfinite(p)
    change = np.full(diff.size, "change.not_compared", dtype=object)
    change[compared] = "change.no_clear"
    change[compared & (q < alpha) & (diff > 0)] = "change.perceived_more"
    change[compared & (q < alpha) & (diff < 0)] = "change.perceived_less"
    return pd.DataFrame({
        "cell": merged["cell"].to_numpy(dtype=np.uint64), "before": merged["mean_a"],
        "after": merged["mean_b"], "difference": diff, "diff_lo": diff - zq * se,
        "diff_hi": diff + zq * se, "p": p, "q": q, "change": change,
    })
