"""The "Auto" grid resolution: the finest H3 resolution whose cells stay visible at a zoom.

At a city-wide zoom res-10 hexagons are a pixel or two across: 100k of them cost the browser
and the kernel a lot and read as noise. With "Auto" the analyst dashboard re-queries on zoom end
at the finest resolution whose average hexagon edge is at least :data:`MIN_EDGE_PX` screen
pixels, from h3's average edge length per resolution and Web Mercator's metres per pixel at the
map's latitude and zoom (256-pixel tiles, as Leaflet). Pure functions, no widgets.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import h3

AUTO = "auto"
"""The resolution control's value (and a share link's ``res=auto``) meaning "follow the zoom"."""
MIN_EDGE_PX = 4.0
"""Smallest hexagon edge on screen worth drawing: below it outlines blur into a raster."""
EARTH_CIRCUMFERENCE_M = 40_075_016.686
"""Equatorial circumference of Web Mercator's sphere (EPSG:3857)."""


def metres_per_pixel(lat: float, zoom: float, tile_px: int = 256) -> float:
    """Ground metres one screen pixel covers at latitude ``lat`` and Leaflet zoom ``zoom``.

    >>> round(metres_per_pixel(0.0, 0.0))
    156543
    """
    lat = max(min(lat, 85.0511287798), -85.0511287798)
    return EARTH_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / (tile_px * 2.0 ** zoom)


def edge_px(resolution: int, lat: float, zoom: float) -> float:
    """Average hexagon edge of ``resolution`` in screen pixels at ``lat`` and ``zoom``."""
    return h3.average_hexagon_edge_length(resolution, unit="m") / metres_per_pixel(lat, zoom)


def auto_resolution(
    lat: float, zoom: float, resolutions: Sequence[int], min_px: float = MIN_EDGE_PX
) -> int:
    """The finest of ``resolutions`` whose hexagon edge is at least ``min_px`` on screen; the
    coarsest when none is (a country-wide zoom).

    >>> auto_resolution(45.75, 13, (7, 8, 9, 10))
    10
    >>> auto_resolution(45.75, 10, (7, 8, 9, 10))
    8
    """
    ordered = sorted(resolutions)
    if not ordered:
        raise ValueError("no resolution to choose from")
    fitting = [r for r in ordered if edge_px(r, lat, zoom) >= min_px]
    return fitting[-1] if fitting else ordered[0]
