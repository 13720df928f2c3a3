"""The map: hexagon and venue layers, legends and basemaps (the only package that knows
ipyleaflet).

Speed matters here more than anywhere: a slider move must restyle the map at once. Layers send
their features once and then only a colour code per feature (:mod:`geo.layers._restyle`);
hexagons go as binary outlines to one batched canvas (:mod:`geo.layers._hexcanvas`), venue dots as
binary positions to another above it (:mod:`geo.layers._venues`).
"""

from geo.layers._auto_res import AUTO, MIN_EDGE_PX, auto_resolution
from geo.layers._hexcanvas import (
    HEX_RENDERER_ENV,
    HexCanvas,
    HexCanvasLayer,
    hex_layer,
    pack_outlines,
)
from geo.layers._hexes import DASHED_HEX_STYLE, HEX_STYLE, HexLayer
from geo.layers._legend import bivariate_legend_html, legend_html
from geo.layers._map import BASEMAPS, basemap_layer, fit_view, make_map
from geo.layers._restyle import HIDDEN_STYLE, NOT_DRAWN, FeatureStyle, RestyledLayer
from geo.layers._venues import VenueCanvas, VenueLayer, decode_points, encode_points

__all__ = [
    "AUTO",
    "BASEMAPS",
    "DASHED_HEX_STYLE",
    "HEX_RENDERER_ENV",
    "HEX_STYLE",
    "HIDDEN_STYLE",
    "NOT_DRAWN",
    "FeatureStyle",
    "HexCanvas",
    "HexCanvasLayer",
    "HexLayer",
    "MIN_EDGE_PX",
    "RestyledLayer",
    "VenueCanvas",
    "VenueLayer",
    "auto_resolution",
    "basemap_layer",
    "fit_view",
    "bivariate_legend_html",
    "decode_points",
    "encode_points",
    "hex_layer",
    "legend_html",
    "make_map",
    "pack_outlines",
]
