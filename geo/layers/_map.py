"""The map itself and its basemaps."""

from __future__ import annotations

import ipyleaflet
import ipywidgets as widgets

BASEMAPS: dict[str, dict[str, str]] = {
    "light": {
        "url": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
        "attribution": "© OpenStreetMap contributors © CARTO",
    },
    "osm": {
        "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attribution": "© OpenStreetMap contributors",
    },
    "none": {"url": "", "attribution": ""},
}
"""Basemaps; ``none`` keeps the map clean offline (tiles are the only network use)."""


def basemap_layer(name: str) -> ipyleaflet.TileLayer:
    spec = BASEMAPS.get(name, BASEMAPS["none"])
    return ipyleaflet.TileLayer(
        url=spec["url"], attribution=spec["attribution"], name="basemap", base=True, max_zoom=19
    )


def make_map(center: tuple[float, float], zoom: int = 13, basemap: str = "light") -> ipyleaflet.Map:
    """A canvas-rendered map (far faster than SVG for thousands of hexes)."""
    m = ipyleaflet.Map(
        center=center,
        zoom=zoom,
        prefer_canvas=True,
        scroll_wheel_zoom=True,
        basemap=basemap_layer(basemap),
        zoom_snap=0.5,
        layout=widgets.Layout(height="640px", width="100%"),
    )
    m.add(ipyleaflet.ScaleControl(position="bottomleft", imperial=False))
    return m


def fit_view(
    bbox: tuple[float, float, float, float], width_px: int = 900, height_px: int = 600
) -> tuple[tuple[float, float], float]:
    """Centre and zoom that show ``bbox`` (min_lon, min_lat, max_lon, max_lat) on a map of
    about ``width_px`` x ``height_px``: worked out here, in Web Mercator, so the first view is
    right without waiting for the page to report its bounds (ipyleaflet's ``fit_bounds``).
    Zoom steps by 0.5 (the map's ``zoom_snap``), between 3 and 17.
    """
    import math

    west, south, east, north = bbox

    def y(lat: float) -> float:
        lat = max(min(lat, 85.0), -85.0)
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    span_x = max(east - west, 1e-6) / 360.0
    span_y = max(y(north) - y(south), 1e-6) / (2 * math.pi)
    zoom = min(math.log2(width_px / 256 / span_x), math.log2(height_px / 256 / span_y))
    zoom = max(3.0, min(17.0, math.floor(zoom * 2) / 2))
    centre_lat = math.degrees(2 * math.atan(math.exp((y(north) + y(south)) / 2)) - math.pi / 2)
    return (centre_lat, (west + east) / 2), zoom

