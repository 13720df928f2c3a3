"""The map: hexagon layers, legends and basemaps (the only module that knows ipyleaflet).

Speed matters here more than anywhere: every restyle re-sends a layer's whole GeoJSON to the
browser (ipyleaflet #410, #815). So a layer caches each cell's rounded ring, sends only cells with
something to show, carries the style in each feature's properties (built vectorised, not by a
``style_callback`` per feature), and sends nothing when the new payload equals the last one.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Callable, Mapping, Sequence

import ipyleaflet
import ipywidgets as widgets
import numpy as np

from geo.classes import BIVARIATE, SUPPRESSED_COLOR, Classes
from geo.index import cell_boundaries

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

EMPTY = {"type": "FeatureCollection", "features": []}
HOVER_STYLE = {"weight": 3, "color": "#000000", "fillOpacity": 0.85}


def _jsonable(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


class HexLayer:
    """One GeoJSON layer of H3 hexagons, restyled by re-sending only what changed.

    Parameters
    ----------
    name
        Layer name shown in the layers control.
    decimals
        Coordinate rounding: 5 decimals is about 1 m, invisible on screen, and cuts the
        payload by a third (FACTS: 823 kB -> 567 kB for 2,000 hexes).
    """

    def __init__(self, name: str, decimals: int = 5) -> None:
        self.decimals = decimals
        # No layer-level `style`: ipyleaflet would deep-copy and restyle every feature (and send
        # the data twice) on each update; the style travels in each feature's properties.
        self.layer = ipyleaflet.GeoJSON(data=EMPTY, name=name, hover_style=HOVER_STYLE)
        self._rings: dict[int, list[list[float]]] = {}
        self._key: str | None = None
        self.sends = 0
        """How many times a payload went to the browser (tests assert on it)."""

    def _ring(self, cell: int) -> list[list[float]]:
        ring = self._rings.get(cell)
        if ring is None:
            ring = [
                [round(x, self.decimals), round(y, self.decimals)]
                for x, y in cell_boundaries(np.array([cell], dtype=np.uint64))[0]
            ]
            self._rings[cell] = ring
        return ring

    def features(
        self,
        cells: np.ndarray,
        fill: Sequence[str],
        properties: Mapping[str, Sequence] | None = None,
        *,
        dashed: Sequence[bool] | None = None,
        opacity: float = 0.72,
    ) -> list[dict]:
        """GeoJSON features with the style in ``properties.style`` (what ipyleaflet reads)."""
        properties = properties or {}
        columns = {k: [_jsonable(v) for v in vals] for k, vals in properties.items()}
        feats = []
        for i, cell in enumerate(np.asarray(cells, dtype=np.uint64).tolist()):
            style = {
                "fillColor": fill[i],
                "fillOpacity": opacity,
                "color": "#333333",
                "weight": 0.6,
                "opacity": 0.8,
            }
            if dashed is not None and dashed[i]:
                style.update(color="#555555", dashArray="3 3", fillOpacity=0.35)
            props = {k: col[i] for k, col in columns.items()}
            props["cell"] = format(cell, "x")
            props["style"] = style
            feats.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": {"type": "Polygon", "coordinates": [self._ring(cell)]},
                }
            )
        return feats

    def show(self, features: list[dict]) -> bool:
        """Send ``features`` unless they equal what the browser already has; True if sent."""
        digest = hashlib.blake2b(repr(features).encode(), digest_size=16).hexdigest()
        if digest == self._key:
            return False
        self._key = digest
        self.layer.data = {"type": "FeatureCollection", "features": features}
        self.sends += 1
        return True

    def draw(
        self, cells: np.ndarray, fill: Sequence[str], dashed: Sequence[bool] | None = None
    ) -> bool:
        """Draw cells with fills (and dashed outlines); nothing is built or sent if unchanged.

        The key is taken from the inputs, so an unchanged view costs a hash, not a rebuild.
        """
        cells = np.asarray(cells, dtype=np.uint64)
        marks = b"" if dashed is None else np.asarray(dashed, dtype=bool).tobytes()
        key = hashlib.blake2b(
            cells.tobytes() + "|".join(fill).encode() + marks, digest_size=16
        ).hexdigest()
        if key == self._key:
            return False
        self.layer.data = {
            "type": "FeatureCollection",
            "features": self.features(cells, fill, dashed=dashed),
        }
        self._key = key
        self.sends += 1
        return True

    def clear(self) -> None:
        self.draw(np.zeros(0, dtype=np.uint64), [])

    @property
    def feature_count(self) -> int:
        return len(self.layer.data.get("features", []))


def on_feature(
    layer: HexLayer, hover: Callable[[dict], None], click: Callable[[dict], None]
) -> None:
    """Route hover and click events of a hex layer to callbacks receiving the properties."""
    layer.layer.on_hover(lambda feature=None, properties=None, **_: hover(properties or {}))
    layer.layer.on_click(lambda feature=None, properties=None, **_: click(properties or {}))


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


def _swatch(color: str, dashed: bool = False) -> str:
    border = "1px dashed #555" if dashed else "1px solid #333"
    return (
        f'<span class="atlas-swatch" style="background:{color};border:{border};'
        "display:inline-block;width:1.6em;height:1em;margin-right:.5em;"
        'vertical-align:middle"></span>'
    )


def legend_html(
    title: str,
    unit: str,
    classes: Classes | None,
    *,
    fmt: str = "{:,.1f}",
    extra: Sequence[tuple[str, str, bool]] = (),
    notes: Sequence[str] = (),
) -> str:
    """A legend: title, unit, one swatch per class with its range, extra rows, footnotes."""
    rows = []
    if classes is not None:
        for color, label in zip(classes.colors, classes.labels(fmt), strict=True):
            rows.append(f"<div>{_swatch(color)}{html.escape(label)}</div>")
    for color, label, dashed in extra:
        rows.append(f"<div>{_swatch(color, dashed)}{html.escape(label)}</div>")
    foot = "".join(f'<div class="atlas-note">{html.escape(n)}</div>' for n in notes)
    return (
        f'<div class="atlas-legend" role="region" aria-label="{html.escape(title)}">'
        f'<div class="atlas-legend-title">{html.escape(title)}</div>'
        f'<div class="atlas-legend-unit">{html.escape(unit)}</div>'
        f"{''.join(rows)}{foot}</div>"
    )


def bivariate_legend_html(
    title: str, perceived: str, recorded: str, notes: Sequence[str] = ()
) -> str:
    """The 3x3 key: rows = perceived tertile (high on top), columns = recorded tertile."""
    cells = []
    for p in (2, 1, 0):
        for r in (0, 1, 2):
            cells.append(f'<span style="background:{BIVARIATE[p * 3 + r]}"></span>')
    foot = "".join(f'<div class="atlas-note">{html.escape(n)}</div>' for n in notes)
    return (
        f'<div class="atlas-legend" role="region" aria-label="{html.escape(title)}">'
        f'<div class="atlas-legend-title">{html.escape(title)}</div>'
        '<div class="atlas-bivariate">'
        f'<div class="atlas-bivariate-y">{html.escape(perceived)}</div>'
        f'<div class="atlas-bivariate-grid">{"".join(cells)}</div>'
        f'<div class="atlas-bivariate-x">{html.escape(recorded)}</div></div>{foot}</div>'
    )


SUPPRESSED_ROW = (SUPPRESSED_COLOR, True)
