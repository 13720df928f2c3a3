"""Nightlife venues as dots on their own canvas: positions sent once as binary, a byte per view.

A city's ~3,000 venues as an ipyleaflet GeoJSON layer were 1.1 MB of widget state (~60-140 ms
of the kernel's time to serialise, mostly walking the features in ipywidgets'
``_remove_buffers`` and ``json``) and 3,000 Leaflet circle markers built before the first map.
:class:`VenueLayer` sends the positions once through the widget's binary buffers, and
``venuecanvas.js`` paints the dots on one canvas in the map's overlay pane, above the hexagons;
each view sends a palette and one colour byte and one dashed byte per venue, as before.

Positions travel as two uint32 per venue on Web Mercator's unit square (:func:`encode_points`,
the hexagons' centres' transport: ~1 cm everywhere). float32 lon/lat would be as many bytes but
coarser away from the prime meridian (~0.8 m at 100° of longitude) and would leave a sine and a
log per venue to the page; these are multiplied and added. Names and opening hours stay in the
kernel: the page sends back a venue's position and its table's number, and the kernel answers
with ``properties`` holding ``i``, ``name`` and ``hours`` (none in presentation mode).

Measured 2026-12-02 (``benchmarks/bench_venues.py``; 2 shared cores, load average 2-7, another
session benchmarking beside it):

=============================  ========================  ========================
venue layer state              city, 3,000 venues        metro, 8,000 venues
=============================  ========================  ========================
GeoJSON layer + restyler       1.12 MB, 45-150 ms        2.98 MB, 125-200 ms
canvas (this module)           44 kB, 0.2-0.4 ms         94 kB, 0.2-0.4 ms
=============================  ========================  ========================

(``get_state``, ``_remove_buffers`` and ``json.dumps``, as a page's state request does; the
canvas's 44 kB are 24 kB of positions, 6 kB of style bytes and the module's 13 kB source.) A
draw of the city's table in the kernel went from 40-150 ms to ~5 ms. In the page, the whole
widget-state reply of the city dashboard at res 10 went from 3.53 MB to 2.46 MB.

Painting: a full draw of the padded view (2160 x 1350 px) in headless Chromium's software canvas,
arc + fill + stroke per dot against ``drawImage`` of a sprite per style: 3,000 dots 23-32 ms
against 18-20 ms, 10,000 dots 115-144 ms against 59-62 ms. Sprites, then; a pan redraws only
when it leaves the padded area, a restyle or a zoom redraws once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import anywidget
import ipyleaflet
import ipywidgets as widgets
import numpy as np
import pandas as pd
import traitlets

from geo.layers._hexcanvas import QUANTUM, mercator
from geo.layers._restyle import HIDDEN_STYLE, NOT_DRAWN, style_codes

DASHED_VENUE_STYLE = {"dashArray": "2 2"}
"""Venues whose opening hours are unknown: a dashed ring, never a guess."""
SMALL_ZOOM = 12.0
"""At and below this zoom dots are :data:`SMALL_SCALE` of their radius: a city view of 3,000
full-size dots hides the hexagons under them."""
FULL_ZOOM = 15.0
"""From this zoom dots have their full radius (the scale grows linearly in between)."""
SMALL_SCALE = 0.4
"""Share of the radius a dot keeps at :data:`SMALL_ZOOM` and below."""

Handler = Callable[..., Any]


class VenueCanvas(anywidget.AnyWidget):
    """The browser side (``venuecanvas.js``): positions, colours and the map to draw them on."""

    _esm = "\n".join(Path(__file__).with_name(name).read_text()
                      for name in ("mapcanvas.js", "venuecanvas.js"))
    """mapcanvas.js (what the canvas layers share, plain declarations) ahead of the layer."""
    map = traitlets.Instance(ipyleaflet.Map, allow_none=True).tag(
        sync=True, **widgets.widget_serialization
    )
    """The map the dots are on; None takes them off (see :attr:`VenueLayer.shown`)."""
    points = traitlets.Bytes(b"").tag(sync=True)
    """uint32 (x, y) per venue on Web Mercator's unit square, times 2^32."""
    table = traitlets.Int(0).tag(sync=True)
    """Bumped with new points; hover and click messages name it, so stale ones are dropped."""
    size = traitlets.Int(0).tag(sync=True)
    palette = traitlets.List(traitlets.Unicode()).tag(sync=True)
    codes = traitlets.Bytes(b"").tag(sync=True)
    marks = traitlets.Bytes(b"").tag(sync=True)
    base = traitlets.Dict().tag(sync=True)
    dashed_style = traitlets.Dict().tag(sync=True)
    zooms = traitlets.List([SMALL_ZOOM, FULL_ZOOM, SMALL_SCALE]).tag(sync=True)
    """(small zoom, full zoom, small scale) of the dots' radius."""
    version = traitlets.Int(0).tag(sync=True)
    """Bumped last in each update: the browser repaints once per version."""


def encode_points(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """uint32 (x, y) per point on Web Mercator's unit square in steps of 2^-32 (interleaved)."""
    x, y = mercator(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    steps = np.clip(np.round(np.stack([x, y], axis=1) * QUANTUM), 0, QUANTUM - 1)
    return steps.astype(np.uint32).ravel()


def decode_points(points: np.ndarray) -> np.ndarray:
    """(lon, lat) float64 of :func:`encode_points`' transport, as the page draws them."""
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2) / QUANTUM
    lon = (xy[:, 0] - 0.5) * 360.0
    lat = np.degrees(2 * np.arctan(np.exp((0.5 - xy[:, 1]) * 2 * np.pi)) - np.pi / 2)
    return np.stack([lon, lat], axis=1)


class VenueLayer:
    """Venue dots coloured open / closed / unknown in the view's window.

    Parameters
    ----------
    name
        Layer name (kept for the legend and scripts; the canvas has no layers-control entry).
    colors
        Fill per state (``open``, ``closed``, ``unknown``); ``unknown`` is also dashed.
    radius, weight, fill_opacity
        Dot size from :data:`FULL_ZOOM` on, and outline (presentation mode draws larger dots).
    details
        Give hover and click handlers each venue's name and opening hours. Venues are public
        places; presentation mode leaves them out to keep the page quiet.
    """

    def __init__(
        self,
        name: str,
        colors: Mapping[str, str],
        *,
        radius: float = 5,
        weight: float = 1,
        fill_opacity: float = 0.9,
        details: bool = True,
    ) -> None:
        self.name = name
        self.colors = dict(colors)
        self.details = details
        self.base = {"radius": radius, "weight": weight, "color": "#222222", "opacity": 1.0,
                     "fillOpacity": fill_opacity, "dashArray": None, "stroke": True,
                     "fill": True, "interactive": True}
        self.dashed = dict(DASHED_VENUE_STYLE)
        self.layer = VenueCanvas(base=self.base, dashed_style=self.dashed)
        self.states = np.zeros(0, dtype=object)
        """Each venue's state in the view drawn last (hover text reads it here)."""
        self.lonlat = np.zeros((0, 2))
        """The venues' own (lon, lat), in the order of the page's positions."""
        self._details: dict[str, list] = {}
        self._table_key: bytes | None = None
        self._codes = np.zeros(0, dtype=np.uint8)
        self._marks = np.zeros(0, dtype=np.uint8)
        self._palette: list[str] = []
        self._handlers: dict[str, list[Handler]] = {"hover": [], "click": []}
        self.sends = 0
        """Payloads sent to the browser, points or colours (tests assert on it)."""
        self.feature_sends = 0
        """Of which point payloads: one per venue table, not one per filter change."""
        self.layer.on_msg(self._on_msg)

    @property
    def shown(self) -> bool:
        """Whether the dots are on a map (the canvas is no ipyleaflet layer: not in
        ``Map.layers``)."""
        return self.layer.map is not None

    def on_hover(self, handler: Handler) -> None:
        """Call ``handler(feature=..., properties={"i", "name", "hours"})`` as the pointer
        reaches a dot (``i`` alone without details)."""
        self._handlers["hover"].append(handler)

    def on_click(self, handler: Handler) -> None:
        self._handlers["click"].append(handler)

    def _on_msg(self, _widget: object, content: dict, _buffers: object) -> None:
        event, i = content.get("event"), content.get("i")
        if event not in self._handlers or not isinstance(i, int) or isinstance(i, bool):
            return
        if content.get("table") != self.layer.table:
            return  # about an earlier venue table
        if not 0 <= i < self._codes.size or self._codes[i] == NOT_DRAWN:
            return
        properties = self._properties(i)
        for handler in self._handlers[event]:
            handler(feature={"properties": properties}, properties=properties)

    def _properties(self, i: int) -> dict:
        properties: dict[str, Any] = {"i": i}
        for key, values in self._details.items():
            value = values[i]
            properties[key] = None if pd.isna(value) else str(value)
        return properties

    def draw(self, venues: pd.DataFrame) -> bool:
        """Show ``venues`` (``lat``, ``lon``, ``state``; ``name``, ``opening_hours``).

        The points are sent when the venue table changes; a new window sends only colours.
        Returns True if anything was sent.
        """
        lat = venues["lat"].to_numpy(dtype=float)
        lon = venues["lon"].to_numpy(dtype=float)
        states = venues["state"].to_numpy(dtype=object)
        table_key = lat.tobytes() + lon.tobytes()
        new_table = table_key != self._table_key
        if not new_table and np.array_equal(states, self.states):
            return False
        fill = [self.colors[s] for s in states]
        marks = (states == "unknown").astype(np.uint8)
        codes, marks, palette = style_codes(np.arange(len(states)), fill, marks, len(states))
        self.states = states
        self._codes, self._marks, self._palette = codes, marks, palette
        with self.layer.hold_sync():
            if new_table:
                self._table_key = table_key
                self.lonlat = np.stack([lon, lat], axis=1)
                self._details = self._details_of(venues)
                self.layer.points = encode_points(lon, lat).tobytes()
                self.layer.table += 1
                self.feature_sends += 1
            self.layer.size = len(states)
            self.layer.palette = palette
            self.layer.codes = codes.tobytes()
            self.layer.marks = marks.tobytes()
            self.layer.version += 1
        self.sends += 1
        return True

    def _details_of(self, venues: pd.DataFrame) -> dict[str, list]:
        """Hover details by property, as lists (a city's 3,000 venues read cell by cell with
        ``.iat`` took ~1 s)."""
        if not self.details:
            return {}
        return {key: venues[column].tolist() if column in venues else [None] * len(venues)
                for key, column in (("name", "name"), ("hours", "opening_hours"))}

    def show_on(self, m: ipyleaflet.Map, venues: pd.DataFrame | None) -> None:
        """Draw ``venues`` on the map ``m``, or take the dots off it when ``venues`` is None."""
        if venues is None or not len(venues):
            self.layer.map = None
            return
        self.draw(venues)
        if self.layer.map is not m:
            self.layer.map = m

    def style_of(self, code: int, mark: int) -> dict:
        """The style one dot is painted with (what ``venuecanvas.js`` draws at full zoom)."""
        if code == NOT_DRAWN:
            return dict(HIDDEN_STYLE)
        style = {**self.base, "fillColor": self._palette[code]}
        return {**style, **self.dashed} if mark else style

    def visible_features(self) -> list[dict]:
        """The drawn venues as GeoJSON points with their properties and styles (for tests and
        audits); coordinates are the venues' own, rounded to 5 decimals (Python's correctly
        rounded ``round``)."""
        out = []
        for i in self.drawn().tolist():
            lon, lat = self.lonlat[i].tolist()
            out.append({
                "type": "Feature",
                "properties": {**self._properties(i),
                               "style": self.style_of(self._codes[i], self._marks[i])},
                "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            })
        return out

    def sent_points(self) -> np.ndarray:
        """(lon, lat) of the positions the page holds, decoded from its buffer."""
        return decode_points(np.frombuffer(self.layer.points, dtype=np.uint32))

    def drawn(self) -> np.ndarray:
        """Positions of the drawn venues."""
        return np.flatnonzero(self._codes != NOT_DRAWN)

    @property
    def feature_count(self) -> int:
        """How many venues are drawn."""
        return int((self._codes != NOT_DRAWN).sum())
