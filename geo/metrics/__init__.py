"""Queries and per-cell metrics: the engine every view and export calls."""

from geo.metrics._atlas import Atlas, QueryResult
from geo.metrics._compared import COMPARE_COLUMNS, with_comparison
from geo.metrics._protect import PERCEIVED_VALUES, RECORDED_VALUES
from geo.metrics._query import (
    DEFAULT_QUERY_RESOLUTION,
    QUERY_KEYS,
    RESOLUTIONS,
    Mode,
    Query,
)

__all__ = [
    "COMPARE_COLUMNS",
    "DEFAULT_QUERY_RESOLUTION",
    "PERCEIVED_VALUES",
    "QUERY_KEYS",
    "RECORDED_VALUES",
    "RESOLUTIONS",
    "Atlas",
    "Mode",
    "Query",
    "QueryResult",
    "with_comparison",
]
