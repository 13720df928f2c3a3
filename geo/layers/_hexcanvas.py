"""H3 hexagons for real-city grids: binary outlines once, one batched canvas, a byte per cell.

A Chicago-sized city has ~34k occupied res-10 cells, a metro 100k+. As GeoJSON through
ipyleaflet each hexagon is a JSON feature to serialise and parse and a Leaflet path to draw and
restyle on its own (212 ms per hour change at 34k cells; page open 8.3 s). :class:`HexCanvasLayer`
sends a grid's outlines once through the widget's binary buffers, and ``hexcanvas.js``
rasterises them into one canvas in the map's overlay pane; restyles stay one colour byte and
one dashed byte per cell.

The outlines travel already projected and quantised (:func:`encode_outlines`): each cell's
centre as two uint32 on Web Mercator's unit square (2^-32 of it: ~1 cm), each vertex as two
int16 steps from that centre (36 bytes a hexagon with its offset, not 52). The page then only
multiplies and adds before its first paint, where projecting float lon/lat (a sine and a log
per vertex) took ~60-70 ms at 54k cells, and the widget state a visitor waits for is ~0.9 MB
smaller. The decoded rings are the float32 ones within a centimetre (tests/test_layers.py).
A restyle at an unchanged view repaints the spans the page kept from its last draw instead of
rasterising every cell again: the page's share of an hour change (``restyleMs``) went from
21-28 to 6-7 ms at the city's 54k cells and from 28-50 to 9-13 ms at the metro's 165k (medians
in the served dashboard, 2026-12-02; figures and method in ``hexcanvas.js``' header).
The page never holds cell ids: hover and click send a cell's position back, and the kernel
names the cell. The JS ships in the package (no CDN: offline rooms keep working).

Why a canvas and not WebGL, by default. ``hexgl.js`` paints the same packed rings with WebGL2
(``ATLAS_HEX_RENDERER=webgl``: fan triangles and edge lines uploaded once, one colour index and
one dashed byte per cell in a texture). Measured by ``benchmarks/bench_renderers.py`` in the
headless Chromium the rooms and CI run (``--disable-gpu``, so its WebGL is ANGLE on SwiftShader,
software Vulkan), 2026-12-02, load average 6-11 on 2 shared cores:

=====================  ==============  ==============  ===============  ===============
res 10                 city canvas     city WebGL      metro canvas     metro WebGL
=====================  ==============  ==============  ===============  ===============
cells (grid)           54,123          54,123          165,242          165,242
full draw (median)     44 ms           368 ms          156 ms           550 ms
hour change, in page   196 ms          525 ms          698 ms           1,094 ms
pan frame p95          17 ms           233 ms          50 ms            517 ms
=====================  ==============  ==============  ===============  ===============

WebGL's own restyle is ~1-5 ms of JS, but software GL then rasterises every triangle of the
padded view on each frame, where the canvas draws spans once and a pan blits pixels it has.
WebGL also lacks what tests and exports rely on: a 2D context to read pixels from. The canvas
stays the default; on machines with a real GPU the choice is worth measuring again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import anywidget
import h3.api.basic_int as h3i
import ipyleaflet
import ipywidgets as widgets
import numpy as np
import traitlets

from geo.geometry import BuiltGeometry, h3_outlines
from geo.layers._hexes import DASHED_HEX_STYLE, HEX_STYLE, DrawPlan, HexLayer, draw_plan
from geo.layers._restyle import HIDDEN_STYLE, HOVER_STYLE, NOT_DRAWN, style_codes

HEX_RENDERER_ENV = "ATLAS_HEX_RENDERER"
"""``canvas`` (default: :class:`HexCanvasLayer`), ``webgl`` (the same layer painted by
``hexgl.js``) or ``geojson`` (:class:`HexLayer`, one Leaflet path per cell): benchmarks set it
to measure one against the other."""

Handler = Callable[..., Any]


class HexCanvas(anywidget.AnyWidget):
    """The browser side (``hexcanvas.js``): outlines, colours and the map to draw them on."""

    _esm = "\n".join(Path(__file__).with_name(name).read_text()
                      for name in ("mapcanvas.js", "hexgl.js", "hexcanvas.js"))
    """mapcanvas.js (what the canvas layers share) and hexgl.js (the WebGL painter), plain
    declarations, ahead of hexcanvas.js (the layer)."""
    renderer = traitlets.Unicode("canvas").tag(sync=True)
    """``canvas`` (row spans rasterised in JS) or ``webgl`` (hexgl.js)."""
    map = traitlets.Instance(ipyleaflet.Map, allow_none=True).tag(
        sync=True, **widgets.widget_serialization
    )
    centres = traitlets.Bytes(b"").tag(sync=True)
    """uint32 (x, y) per cell: its ring's mean on Web Mercator's unit square, times 2^32."""
    deltas = traitlets.Bytes(b"").tag(sync=True)
    """int16 (x, y) per vertex: every cell's ring, one after the other (not closed), as steps
    of ``2**shift`` from its centre (see :func:`encode_outlines`)."""
    shift = traitlets.Int(0).tag(sync=True)
    offsets = traitlets.Union([traitlets.Bytes(), traitlets.Instance(memoryview)],
                              default_value=b"").tag(sync=True)
    """uint32, one more than cells: cell ``i``'s ring is deltas ``offsets[i]:offsets[i+1]``
    (bytes, or a byte view of the build's mapped offsets: :func:`byte_view`)."""
    grid = traitlets.Int(0).tag(sync=True)
    """Bumped after new outlines: the browser rebuilds its projection and index once."""
    size = traitlets.Int(0).tag(sync=True)
    palette = traitlets.List(traitlets.Unicode()).tag(sync=True)
    codes = traitlets.Bytes(b"").tag(sync=True)
    marks = traitlets.Bytes(b"").tag(sync=True)
    base = traitlets.Dict().tag(sync=True)
    dashed_style = traitlets.Dict().tag(sync=True)
    hover_style = traitlets.Dict(HOVER_STYLE).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)
    """Bumped last in each update: the browser repaints once per version."""


def pack_outlines(cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(float32 lon/lat vertices, uint32 offsets) of the cells' rings, in order, from h3
    (:func:`geo.geometry.h3_outlines`; a build's :class:`~geo.geometry.BuiltGeometry` gives the
    same bytes without asking h3)."""
    return h3_outlines(cells)


def byte_view(values: np.ndarray) -> memoryview:
    """``values``' bytes without a copy when contiguous (pages mapped from a build stay shared
    by every kernel serving it); ipywidgets sends a memoryview as a binary buffer, as bytes."""
    return memoryview(np.ascontiguousarray(values)).cast("B")


MERCATOR_MAX_LAT = 85.0511287798
"""Web Mercator's latitude limit (Leaflet's EPSG:3857 clamps there too)."""
QUANTUM = 2.0**32
"""Steps per side of Web Mercator's unit square in the outline transport (~0.93 cm at the
equator, less towards the poles)."""


def mercator(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator on the unit square (x east, y south), as ``hexcanvas.js`` and Leaflet."""
    s = np.sin(np.radians(np.clip(lat, -MERCATOR_MAX_LAT, MERCATOR_MAX_LAT)))
    return lon / 360.0 + 0.5, 0.5 - np.log((1 + s) / (1 - s)) / (4 * np.pi)


def encode_outlines(
    vertices: np.ndarray, offsets: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """The transport of packed rings: (uint32 centres, int16 deltas, shift).

    ``vertices`` are (lon, lat) pairs and ``offsets`` the ring starts (:func:`pack_outlines`).
    Each vertex is projected to Web Mercator's unit square and counted in steps of 2^-32; a
    cell's centre is the mean of its ring, each vertex its difference from the centre in units
    of ``2**shift`` steps, ``shift`` the smallest that fits every difference in an int16 (0 at
    res 10 up to ~70° of latitude: ~1 cm; a res-7 grid needs 3: ~7 cm).
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    n = max(offsets.size - 1, 0)
    lonlat = np.asarray(vertices, dtype=np.float64).reshape(-1, 2)
    if not n or not lonlat.size:
        return np.zeros(2 * n, dtype=np.uint32), np.zeros(0, dtype=np.int16), 0
    x, y = mercator(lonlat[:, 0], lonlat[:, 1])
    steps = np.round(np.stack([x, y], axis=1) * QUANTUM)
    counts = np.diff(offsets)
    centres = np.round(np.add.reduceat(steps, offsets[:-1], axis=0) / counts[:, None])
    centres = np.clip(centres, 0, QUANTUM - 1)
    away = steps - np.repeat(centres, counts, axis=0)
    shift = max(0, int(np.ceil(np.log2(max(np.abs(away).max(), 1) / 32767))))
    deltas = np.round(away / 2.0**shift)
    return centres.astype(np.uint32).ravel(), deltas.astype(np.int16).ravel(), shift


def decode_outlines(
    centres: np.ndarray, deltas: np.ndarray, offsets: np.ndarray, shift: int
) -> np.ndarray:
    """(lon, lat) float64 vertices of :func:`encode_outlines`' transport, as the page draws
    them (tests compare them with h3's boundaries)."""
    offsets = np.asarray(offsets, dtype=np.int64)
    counts = np.diff(offsets)
    centre = np.repeat(np.asarray(centres, dtype=np.float64).reshape(-1, 2), counts, axis=0)
    xy = (centre + np.asarray(deltas, dtype=np.float64).reshape(-1, 2) * 2.0**shift) / QUANTUM
    lon = (xy[:, 0] - 0.5) * 360.0
    lat = np.degrees(2 * np.arctan(np.exp((0.5 - xy[:, 1]) * 2 * np.pi)) - np.pi / 2)
    return np.stack([lon, lat], axis=1)


class HexCanvasLayer:
    """Hexagons drawn by ``hexcanvas.js``; the same drawing API as :class:`HexLayer`."""

    def __init__(self, name: str, decimals: int = 5, renderer: str = "canvas") -> None:
        self.name = name
        self.decimals = decimals
        """Rounding of :meth:`visible_features` rings (the buffers are float32, ~5 cm)."""
        self.base = {**HEX_STYLE, "stroke": True, "fill": True, "interactive": True}
        self.dashed = dict(DASHED_HEX_STYLE)
        self.layer = HexCanvas(base=self.base, dashed_style=self.dashed, renderer=renderer)
        self.styler = self.layer
        self.outlines = np.zeros(0, dtype=np.uint64)
        """Cells whose outlines the browser holds, sorted; position ``i`` is ``outlines[i]``."""
        self._codes = np.zeros(0, dtype=np.uint8)
        self._marks = np.zeros(0, dtype=np.uint8)
        self._palette: list[str] = []
        self._plan: DrawPlan | None = None
        self._handlers: dict[str, list[Handler]] = {"hover": [], "click": []}
        self.sends = 0
        self.feature_sends = 0
        self.layer.on_msg(self._on_msg)

    def add_to(self, m: ipyleaflet.Map) -> None:
        """Draw on ``m`` (the canvas joins its overlay pane in the page)."""
        self.layer.map = m

    def keep_on_top(self, m: ipyleaflet.Map) -> None:
        """Nothing to do: the canvas is in the overlay pane, above any basemap."""

    def on_hover(self, handler: Handler) -> None:
        """Call ``handler(feature=..., properties={"cell": hex})`` as the pointer enters a cell."""
        self._handlers["hover"].append(handler)

    def on_click(self, handler: Handler) -> None:
        self._handlers["click"].append(handler)

    def _on_msg(self, _widget: object, content: dict, _buffers: object) -> None:
        event, i = content.get("event"), content.get("i")
        if event not in self._handlers or not isinstance(i, int):
            return
        if not 0 <= i < self.outlines.size or self._codes[i] == NOT_DRAWN:
            return  # a message about another grid, or a cell no longer drawn
        properties = {"cell": format(int(self.outlines[i]), "x")}
        for handler in self._handlers[event]:
            handler(feature={"properties": properties}, properties=properties)

    def draw(
        self,
        cells: np.ndarray,
        fill: Sequence[str],
        dashed: Sequence[bool] | None = None,
        *,
        grid: np.ndarray | None = None,
        geometry: BuiltGeometry | None = None,
    ) -> bool:
        """As :meth:`HexLayer.draw`: outlines once per grid, then colours; True if sent.

        ``geometry`` (the Atlas's) holds outlines a build computed: h3 is asked only for the
        others, the same bytes either way.
        """
        plan = draw_plan(cells, fill, dashed, grid, self._plan)
        if plan is None:
            return False
        self._plan, outlines, new_outlines = plan, plan.outlines, plan.new_outlines
        codes, per_cell, palette = style_codes(plan.positions, plan.fill, plan.marks,
                                               outlines.size)
        self._codes, self._marks, self._palette = codes, per_cell, palette
        with self.layer.hold_sync():
            if new_outlines:
                self.outlines = outlines
                vertices, offsets = (geometry.outlines(outlines) if geometry is not None
                                     else pack_outlines(outlines))
                centres, deltas, shift = encode_outlines(vertices, offsets)
                self.layer.centres = centres.tobytes()
                self.layer.deltas = deltas.tobytes()
                self.layer.shift = shift
                self.layer.offsets = byte_view(offsets)
                self.layer.grid += 1
                self.feature_sends += 1
            self.layer.size = int(outlines.size)
            self.layer.palette = palette
            self.layer.codes = codes.tobytes()
            self.layer.marks = per_cell.tobytes()
            self.layer.version += 1
        self.sends += 1
        return True

    def clear(self) -> None:
        self.draw(np.zeros(0, dtype=np.uint64), [])

    def style_of(self, code: int, mark: int, palette: Sequence[str]) -> dict:
        """The style one cell is painted with (what ``hexcanvas.js`` draws)."""
        if code == NOT_DRAWN:
            return dict(HIDDEN_STYLE)
        style = {**self.base, "fillColor": palette[code]}
        return {**style, **self.dashed} if mark else style

    def visible_features(self) -> list[dict]:
        """The drawn cells as GeoJSON features with their styles (for tests and audits)."""
        out = []
        for i in self.drawn().tolist():
            cell = int(self.outlines[i])
            ring = [[round(lng, self.decimals), round(lat, self.decimals)]
                    for lat, lng in h3i.cell_to_boundary(cell)]
            out.append({
                "type": "Feature",
                "properties": {"cell": format(cell, "x"),
                               "style": self.style_of(self._codes[i], self._marks[i],
                                                      self._palette)},
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
            })
        return out

    def drawn(self) -> np.ndarray:
        """Positions of the drawn cells."""
        return np.flatnonzero(self._codes != NOT_DRAWN)

    @property
    def feature_count(self) -> int:
        """How many cells are drawn (not how many outlines the browser holds)."""
        return int((self._codes != NOT_DRAWN).sum())


def hex_layer(name: str, renderer: str | None = None) -> HexCanvasLayer | HexLayer:
    """The hexagon layer dashboards use: the batched canvas unless ``$ATLAS_HEX_RENDERER`` (or
    ``renderer``) says ``geojson``."""
    choice = renderer or os.environ.get(HEX_RENDERER_ENV) or "canvas"
    if choice not in ("canvas", "webgl", "geojson"):
        raise ValueError(f"{HEX_RENDERER_ENV}={choice!r}: choose canvas, webgl or geojson")
    return HexLayer(name) if choice == "geojson" else HexCanvasLayer(name, renderer=choice)
