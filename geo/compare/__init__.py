"""Perceived versus recorded insecurity per H3 cell: ranks, gap, classes, local statistics.

Public names re-exported from private modules: ``_compare`` (the entry point
:func:`compare_cells`), ``_local`` (esda Gi* and bivariate local Moran with FDR), ``_weights``
(contiguity from the H3 grid) and ``_labels`` (stable class keys with English labels).
"""

from geo.compare._compare import (
    CELL_COLUMNS,
    ComparedArrays,
    CompareResult,
    CompareSettings,
    Spearman,
    bivariate_classes,
    compare_arrays,
    compare_cells,
    percentile_ranks,
)
from geo.compare._labels import (
    BIVARIATE_KEYS,
    BIVARIATE_NOT_COMPARED,
    HOTSPOT_KEYS,
    LABELS,
    LEVELS,
    LOCAL_KEYS,
    bivariate_key,
    label,
)
from geo.compare._periods import (
    CHANGE_KEYS,
    PERIOD_COLUMNS,
    PeriodChange,
    bh,
    change_line,
    compare_periods,
    compare_waves,
    rate_ratio_test,
)
from geo.compare._trends import MIN_MONTHS, TREND_KEYS, Trends, mann_kendall, monthly_trends
from geo.compare._weights import GridWeights, as_int_cells, grid_weights

_LAZY = {"LocalResult", "bh_q", "bivariate_moran", "gi_star"}
"""Names of ``_local``, which imports esda (and SciPy): loaded on first use, so a dashboard
kernel that never shows local statistics never imports them."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from geo.compare import _local

        return getattr(_local, name)
    raise AttributeError(f"module 'geo.compare' has no attribute {name!r}")


__all__ = [
    "BIVARIATE_KEYS",
    "BIVARIATE_NOT_COMPARED",
    "CELL_COLUMNS",
    "CHANGE_KEYS",
    "HOTSPOT_KEYS",
    "LABELS",
    "LEVELS",
    "LOCAL_KEYS",
    "MIN_MONTHS",
    "PERIOD_COLUMNS",
    "ComparedArrays",
    "CompareResult",
    "CompareSettings",
    "GridWeights",
    "LocalResult",
    "PeriodChange",
    "TREND_KEYS",
    "Trends",
    "Spearman",
    "as_int_cells",
    "bh",
    "bh_q",
    "bivariate_classes",
    "bivariate_key",
    "bivariate_moran",
    "change_line",
    "compare_arrays",
    "compare_cells",
    "compare_periods",
    "compare_waves",
    "gi_star",
    "grid_weights",
    "label",
    "mann_kendall",
    "monthly_trends",
    "percentile_ranks",
    "rate_ratio_test",
]
