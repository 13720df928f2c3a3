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
