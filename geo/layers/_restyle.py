"""Features sent once, restyled by a byte per feature (``restyle.js``, an anywidget).

ipyleaflet re-sends a GeoJSON layer's whole data on every restyle (ipyleaflet #410, #815): for
the sample city's 500 hexagons that is ~200 kB to serialise, send, parse and rebuild on each
slider move. A :class:`RestyledLayer` sends its features once, then only a palette and one
colour code and one "dashed" mark per feature, which ``restyle.js`` applies in the browser with
Leaflet's ``setStyle``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import anywidget
import ipyleaflet
import ipywidgets as widgets
import numpy as np
import traitlets

from geo.fill import Fill

HOVER_STYLE = {"weight": 3, "color": "#000000", "fillOpacity": 0.85}
HIDDEN_STYLE = {"stroke": False, "fill": False, "interactive": False}
"""A feature with nothing to show in this view: not painted, no hover, no click."""
NOT_DRAWN = 255
"""Colour code of a feature that is not drawn (palettes hold far fewer than 255 colours)."""
EMPTY = {"type": "FeatureCollection", "features": []}


def style_codes(
    positions: np.ndarray, fill: Fill | Sequence[str], marks: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """One colour byte and one dashed byte per feature, and the palette the bytes index.

    Features at ``positions`` get their fill's index (and mark); the rest are not drawn.
    """
    colour, palette = Fill.of(fill).codes()
    if len(palette) >= NOT_DRAWN:
        raise ValueError(f"{len(palette)} colours: a restyled layer draws at most 254")
    codes = np.full(size, NOT_DRAWN, dtype=np.uint8)
    codes[positions] = colour
    per_feature = np.zeros(size, dtype=np.uint8)
    per_feature[positions] = marks
    return codes, per_feature, palette


class FeatureStyle(anywidget.AnyWidget):
    """Browser-side restyler of one GeoJSON layer (``restyle.js``).

    ``codes`` and ``marks`` hold one byte per feature, in the order of ``properties.i``:
    the index of its fill in ``palette`` (255: not drawn), and 1 where it is dashed.
    """

    _esm = Path(__file__).with_name("restyle.js")
    layer = traitlets.Instance(ipyleaflet.GeoJSON, allow_none=True).tag(
        sync=True, **widgets.widget_serialization
    )
    size = traitlets.Int(0).tag(sync=True)
    palette = traitlets.List(traitlets.Unicode()).tag(sync=True)
    codes = traitlets.Bytes(b"").tag(sync=True)
    marks = traitlets.Bytes(b"").tag(sync=True)
    base = traitlets.Dict().tag(sync=True)
    dashed_style = traitlets.Dict().tag(sync=True)
    hidden_style = traitlets.Dict(HIDDEN_STYLE).tag(sync=True)
    version = traitlets.Int(0).tag(sync=True)
    """Bumped last in each update: the browser restyles once per version."""


class RestyledLayer:
    """A GeoJSON layer whose features go to the browser once and are then restyled by codes.

    Parameters
    ----------
    name
        Layer name shown in the layers control.
    base
        Style of a drawn feature. It must name every key any style sets (Leaflet's
        ``setStyle`` merges, so a key left out would keep a previous dash or colour).
    dashed
        Set on top of ``base`` for marked features.
    """

    def __init__(self, name: str, base: dict, dashed: dict, **layer_options) -> None:
        self.base = {**base, "stroke": True, "fill": True, "interactive": True}
        self.dashed = dict(dashed)
        self.layer = ipyleaflet.GeoJSON(data=EMPTY, name=name, **layer_options)
        self.styler = FeatureStyle(layer=self.layer, base=self.base, dashed_style=self.dashed)
        self._features: list[dict] = []
        self._codes = np.zeros(0, dtype=np.uint8)
        self._marks = np.zeros(0, dtype=np.uint8)
        self._palette: list[str] = []
        self.sends = 0
        """Payloads sent to the browser, features or colours (tests assert on it)."""
        self.feature_sends = 0
        """Of which feature payloads: one per grid or venue table, not one per filter change."""

    def style_of(self, code: int, mark: int, palette: Sequence[str]) -> dict:
        """The Leaflet style of one feature (what ``restyle.js`` computes in the browser)."""
        if code == NOT_DRAWN:
            return dict(HIDDEN_STYLE)
        style = {**self.base, "fillColor": palette[code]}
        return {**style, **self.dashed} if mark else style

    def _codes_of(
        self, positions: np.ndarray, fill: Sequence[str], marks: np.ndarray, size: int
    ) -> tuple[np.ndarray, np.ndarray, list[str]]:
        return style_codes(positions, fill, marks, size)

    def _send(
        self,
        codes: np.ndarray,
        marks: np.ndarray,
        palette: list[str],
        features: list[dict] | None = None,
    ) -> None:
        """New colours, and first new features when given (each with its current style)."""
        self._codes, self._marks, self._palette = codes, marks, palette
        if features is not None:
            for i, feature in enumerate(features):
                feature["properties"]["i"] = i
                feature["properties"]["style"] = self.style_of(codes[i], marks[i], palette)
            self._features = features
            self.layer.data = {"type": "FeatureCollection", "features": features}
            self.feature_sends += 1
        with self.styler.hold_sync():
            self.styler.size = len(self._features)
            self.styler.palette = palette
            self.styler.codes = codes.tobytes()
            self.styler.marks = marks.tobytes()
            self.styler.version += 1
        self.sends += 1

    def visible_features(self) -> list[dict]:
        """The features as the browser shows them now: drawn ones only, current styles."""
        return [
            {
                **feature,
                "properties": {
                    **feature["properties"],
                    "style": self.style_of(code, mark, self._palette),
                },
            }
            for feature, code, mark in zip(
                self._features, self._codes.tolist(), self._marks.tolist(), strict=True
            )
            if code != NOT_DRAWN
        ]

    def drawn(self) -> np.ndarray:
        """Positions of the drawn features."""
        return np.flatnonzero(self._codes != NOT_DRAWN)

    @property
    def feature_count(self) -> int:
        """How many features are drawn (not how many the browser holds)."""
        return int((self._codes != NOT_DRAWN).sum())
