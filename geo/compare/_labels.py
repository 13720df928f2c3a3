"""Stable keys and English labels of the comparison's classes.

Every class a map shows is a stable string key (the gettext msgid the lead's French catalogue
translates) with an English label here. The words describe records and feelings, never places:
no label calls a cell "dangerous" or "safe" (DESIGN §5).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from types import MappingProxyType

import numpy as np
import pandas as pd

__all__ = [
    "BIVARIATE_KEYS",
    "BIVARIATE_NOT_COMPARED",
    "HOTSPOT_KEYS",
    "LABELS",
    "LEVELS",
    "LOCAL_KEYS",
    "bivariate_key",
    "key_column",
    "label",
]

LEVELS: tuple[str, ...] = ("low", "mid", "high")
"""Tertile names, in class order 0, 1, 2."""


def bivariate_key(perceived_tertile: int, recorded_tertile: int) -> str:
    """Key of the class with code ``perceived_tertile * 3 + recorded_tertile``."""
    return f"bivariate.{LEVELS[perceived_tertile]}_{LEVELS[recorded_tertile]}"


BIVARIATE_KEYS: tuple[str, ...] = tuple(bivariate_key(p, r) for p in range(3) for r in range(3))
"""Keys by class code 0..8; code = perceived tertile * 3 + recorded tertile (geo.classes)."""

BIVARIATE_NOT_COMPARED = "bivariate.not_compared"

HOTSPOT_KEYS: tuple[str, ...] = (
    "hotspot.hot",
    "hotspot.cold",
    "hotspot.not_significant",
    "hotspot.island",
    "hotspot.no_data",
    "hotspot.not_computed",
)
LOCAL_KEYS: tuple[str, ...] = (
    "local.high_high",
    "local.low_high",
    "local.low_low",
    "local.high_low",
    "local.not_significant",
    "local.island",
    "local.not_compared",
    "local.not_computed",
)
"""Bivariate local Moran classes; the first four in esda's quadrant order 1..4."""



def key_column(keys: Sequence[str], codes: np.ndarray) -> pd.Categorical:
    """The column of ``keys[code]`` for each code, as a categorical (the codes themselves).

    A res-10 view holds ~50k cells and three such columns: as strings (Python or Arrow) they
    cost 2-7 ms each on every slider move; a categorical reads and compares like strings and
    exports write them as text (geo.export).

    >>> list(key_column(("a", "b"), np.array([1, 0, 1])))
    ['b', 'a', 'b']
    """
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.intp),
                                     dtype=_categories(tuple(keys)))


@cache
def _categories(keys: tuple[str, ...]) -> pd.CategoricalDtype:
    """One dtype per key set: pandas checks a new one's categories (~1 ms each time)."""
    return pd.CategoricalDtype(list(keys))


LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "bivariate.low_low": "both low",
        "bivariate.low_mid": "perceived low, recorded mid",
        "bivariate.low_high": "records higher than feelings suggest",
        "bivariate.mid_low": "perceived mid, recorded low",
        "bivariate.mid_mid": "both mid",
        "bivariate.mid_high": "perceived mid, recorded high",
        "bivariate.high_low": "feels less safe than records suggest",
        "bivariate.high_mid": "perceived high, recorded mid",
        "bivariate.high_high": "both high",
        "bivariate.not_compared": "not compared: too little data on one side",
        "hotspot.hot": "cluster of high recorded counts (Gi*)",
        "hotspot.cold": "cluster of low recorded counts (Gi*)",
        "hotspot.not_significant": "no significant cluster of records",
        "hotspot.island": "not tested: no neighbouring cell with data",
        "hotspot.no_data": "not tested: no recorded value",
        "hotspot.not_computed": "local statistics not computed for this view",
        "local.high_high": "perceived high, records around high",
        "local.low_high": "perceived low, records around high",
        "local.low_low": "perceived low, records around low",
        "local.high_low": "perceived high, records around low",
        "local.not_significant": "no significant local association",
        "local.island": "not tested: no neighbouring compared cell",
        "local.not_compared": "not compared: too little data on one side",
        "local.not_computed": "local statistics not computed for this view",
    }
)
"""English label of every key; other languages come from the gettext catalogues."""


def label(key: str) -> str:
    """English label of a class key (the key itself when unknown, so nothing shows blank)."""
    return LABELS.get(key, key)
