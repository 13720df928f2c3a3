"""Projected x/y to WGS84 lat/lon with pyproj, keeping text and blanks for the validator.

Only numeric pairs are transformed; a text value is passed through untouched so the validator
reports it as ``non_numeric_coordinates`` instead of it vanishing as a NaN here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.errors import MappingError

if TYPE_CHECKING:  # pyproj is imported when a CRS is named, not by every kernel
    from pyproj import CRS, Transformer

WGS84 = "EPSG:4326"


def parse_crs(crs: object) -> CRS:
    """A pyproj CRS from anything pyproj accepts; :class:`MappingError` when it cannot."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        return CRS.from_user_input(crs)
    except (CRSError, TypeError, ValueError) as exc:
        raise MappingError(f"unknown CRS {crs!r}: {exc}") from None


@lru_cache(maxsize=16)
def _transformer(crs: str) -> Transformer:
    from pyproj import Transformer

    return Transformer.from_crs(parse_crs(crs), WGS84, always_xy=True)


def project_to_wgs84(x: pd.Series, y: pd.Series, crs: str) -> tuple[pd.Series, pd.Series]:
    """(lat, lon) from projected ``x``/``y`` text or numbers in ``crs``.

    Rows where either value is not a number keep their raw text (or blank), so the validator
    decides and reports; numeric rows are transformed in one vectorised call.
    """
    xs = pd.to_numeric(_decimal(x), errors="coerce").to_numpy(dtype="float64")
    ys = pd.to_numeric(_decimal(y), errors="coerce").to_numpy(dtype="float64")
    ok = ~np.isnan(xs) & ~np.isnan(ys)
    lat_out = np.full(len(xs), np.nan)
    lon_out = np.full(len(xs), np.nan)
    if ok.any():
        lon_out[ok], lat_out[ok] = _transformer(crs).transform(xs[ok], ys[ok])
        # Points pyproj cannot place get an impossible latitude: reported as out of range.
        lat_out[ok & ~(np.isfinite(lat_out) & np.isfinite(lon_out))] = 999.0
    lat = pd.Series(lat_out, index=x.index)
    lon = pd.Series(lon_out, index=x.index)
    if ok.all():
        return lat, lon
    keep = ~ok
    return (lat.astype(object).mask(keep, y.astype(object)),
            lon.astype(object).mask(keep, x.astype(object)))


def _decimal(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values
    return values.astype("str").str.strip().str.replace(",", ".", regex=False)
