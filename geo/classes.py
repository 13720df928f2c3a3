"""Class breaks and colours for choropleths: mapclassify does the breaks, we pick safe palettes.

Palettes are colour-blind safe (viridis / cividis family, ColorBrewer PuOr, and a 3x3
bivariate scheme after Joshua Stevens whose corners stay distinct under deuteranopia) and dark
enough at the top end to read on a washed-out projector.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from geo._light import equal_interval_bins, quantile_bins
from geo.fill import Fill

Scheme = Literal["quantiles", "natural_breaks", "equal_interval"]
SCHEMES: tuple[str, ...] = ("quantiles", "natural_breaks", "equal_interval")


def _natural_breaks(values: np.ndarray, k: int) -> np.ndarray:
    import mapclassify  # ~1 s to import: only when someone picks natural breaks

    return mapclassify.NaturalBreaks(values, k=k).bins


_BREAKS = {
    "quantiles": quantile_bins,
    "natural_breaks": _natural_breaks,
    "equal_interval": equal_interval_bins,
}

SEQUENTIAL: dict[int, tuple[str, ...]] = {
    3: ("#fde725", "#21918c", "#440154"),
    4: ("#fde725", "#35b779", "#31688e", "#440154"),
    5: ("#fde725", "#5ec962", "#21918c", "#3b528b", "#440154"),
    6: ("#fde725", "#7ad151", "#22a884", "#2a788e", "#414487", "#440154"),
    7: ("#fde725", "#8fd744", "#35b779", "#21918c", "#31688e", "#443983", "#440154"),
}
"""Viridis, light = low, dark = high, so that 'more' reads as 'darker' on any screen."""

MAGMA: dict[int, tuple[str, ...]] = {
    3: ("#fcfdbf", "#de4968", "#3b0f70"),
    4: ("#fcfdbf", "#fe9f6d", "#b73779", "#3b0f70"),
    5: ("#fcfdbf", "#fd9668", "#de4968", "#8c2981", "#3b0f70"),
    6: ("#fcfdbf", "#fea973", "#f7705c", "#c83e73", "#822681", "#3b0f70"),
    7: ("#fcfdbf", "#feb078", "#fc8961", "#e75263", "#b73779", "#721f81", "#3b0f70"),
}
"""Magma for perceived insecurity, so the two sides of the comparison never share a key."""

DIVERGING_GAP: tuple[str, ...] = (
    "#b35806",
    "#f1a340",
    "#fee0b6",
    "#f7f7f7",
    "#d8daeb",
    "#998ec3",
    "#542788",
)
"""ColorBrewer PuOr (7): orange = records higher than feelings, purple = feels less safe."""

BIVARIATE: tuple[str, ...] = (
    "#e8e8e8",
    "#ace4e4",
    "#5ac8c8",
    "#dfb0d6",
    "#a5add3",
    "#5698b9",
    "#be64ac",
    "#8c62aa",
    "#3b4994",
)
"""3x3 bivariate colours, index = perceived_tertile * 3 + recorded_tertile (0 = low)."""

SUPPRESSED_COLOR = "#bdbdbd"
NO_DATA_COLOR = "#ffffff"


@dataclass(frozen=True)
class Classes:
    """Upper bounds of each class and one colour per class."""

    bins: tuple[float, ...]
    colors: tuple[str, ...]
    scheme: str
    lower: float

    def assign(self, values: np.ndarray) -> np.ndarray:
        """Class index of each value (-1 for NaN)."""
        values = np.asarray(values, dtype=float)
        idx = np.searchsorted(np.asarray(self.bins), values, side="left")
        idx = np.minimum(idx, len(self.bins) - 1)
        return np.where(np.isnan(values), -1, idx)

    def colors_of(self, values: np.ndarray, missing: str = NO_DATA_COLOR) -> np.ndarray:
        idx = self.assign(values)
        palette = np.asarray(self.colors + (missing,), dtype=object)
        return palette[idx]  # -1 picks `missing`, the last entry

    def fill_of(self, values: np.ndarray, missing: str = NO_DATA_COLOR) -> Fill:
        """:meth:`colors_of` as a palette and an index (no string per value)."""
        return Fill.of_classes(self.colors, self.assign(values), missing)

    def labels(self, fmt: str = "{:,.1f}") -> list[str]:
        lows = (self.lower, *self.bins[:-1])
        return [
            f"{fmt.format(lo)} – {fmt.format(hi)}" for lo, hi in zip(lows, self.bins, strict=True)
        ]


def classify(
    values: np.ndarray, scheme: Scheme = "quantiles", k: int = 5, palette: str = "viridis"
) -> Classes:
    """Class breaks of the finite values (mapclassify's, the two simple ones in NumPy so a
    kernel need not import it), and the matching colours.

    Fewer distinct values than ``k`` give fewer classes rather than empty ones.
    """
    if scheme not in _BREAKS:
        raise ValueError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    table = MAGMA if palette == "magma" else SEQUENTIAL
    k = int(min(max(k, 3), 7))
    if finite.size == 0:
        return Classes(bins=(0.0,), colors=(table[3][0],), scheme=scheme, lower=0.0)
    distinct = np.unique(finite)
    if distinct.size <= k:
        bins = tuple(float(v) for v in distinct)
    else:
        bins = tuple(float(b) for b in np.unique(_BREAKS[scheme](finite, k)))
    n = len(bins)
    colors = table[max(n, 3)][-n:] if n < 3 else table[n]
    return Classes(bins=bins, colors=tuple(colors), scheme=scheme, lower=float(finite.min()))


EXTRA_DECIMALS = 4
"""Decimals a legend may add so that two different bounds never print the same."""


def legible(
    classes: Classes,
    fmt: Callable[[float, int], str],
    decimals: int,
    extra: int = EXTRA_DECIMALS,
) -> tuple[Classes, list[str], bool]:
    """Classes whose legend labels never show two bounds that print the same.

    A quantile legend rounded to two decimals can read "0.05 – 0.05" although its bounds
    differ. More decimals are used first (up to ``decimals + extra``, the same for every
    class); bounds that still print alike are merged into the class above, and the caller
    says so. A class holding one value prints that value once.

    Parameters
    ----------
    classes
        Breaks from :func:`classify`.
    fmt
        ``fmt(value, decimals) -> text``, in the page's language.
    decimals
        The unit's usual number of decimals.

    Returns
    -------
    tuple
        The classes (fewer when merged), one label per class, and whether any were merged.

    >>> c = Classes(bins=(0.051, 0.054, 0.2), colors=("a", "b", "c"), scheme="q", lower=0.0)
    >>> legible(c, lambda v, d: f"{v:.{d}f}", 2)[1]
    ['0.000 – 0.051', '0.051 – 0.054', '0.054 – 0.200']
    """
    bounds = (classes.lower, *classes.bins)

    def clash(d: int, values: tuple[float, ...]) -> bool:
        return any(a != b and fmt(a, d) == fmt(b, d) for a, b in itertools.pairwise(values))

    digits = next((d for d in range(decimals, decimals + extra + 1) if not clash(d, bounds)),
                  None)
    merged = digits is None
    if merged:
        digits = decimals + extra
        keep = [len(classes.bins) - 1]
        for i in range(len(classes.bins) - 2, -1, -1):
            if fmt(classes.bins[i], digits) != fmt(classes.bins[keep[0]], digits):
                keep.insert(0, i)
        first = classes.bins[keep[0]]
        if len(keep) > 1 and first != classes.lower and fmt(first, digits) == fmt(
                classes.lower, digits):
            keep.pop(0)
        classes = replace(classes, bins=tuple(classes.bins[i] for i in keep),
                          colors=tuple(classes.colors[i] for i in keep))
    lows = (classes.lower, *classes.bins[:-1])
    labels = []
    for lo, hi in zip(lows, classes.bins, strict=True):
        a, b = fmt(lo, digits), fmt(hi, digits)
        labels.append(b if a == b else f"{a} – {b}")
    return classes, labels, merged


@dataclass(frozen=True, eq=False)
class ClassLayer:
    """A layer whose cells fall in named classes rather than value ranges (period change,
    trend): what the map draws and a figure or report must draw alike.

    ``rows`` are the legend's (colour, label, dashed) lines, top to bottom; ``dashed`` cells
    (not compared, too few months) are drawn as outlines, never as a class; ``method`` is the
    legend's line on how classes are decided; ``context`` the lines a figure prints under the
    map, which the dashboard's summary shows beside it (the periods, the city-wide sentence).
    """

    cells: np.ndarray
    fill: np.ndarray
    dashed: np.ndarray
    rows: tuple[tuple[str, str, bool], ...]
    title: str
    unit: str
    method: str = ""
    context: tuple[str, ...] = ()
