"""The map: hexagon and venue layers, legends and basemaps (the only package that knows
ipyleaflet).

Speed matters here more than anywhere: a slider move must restyle the map at once. Layers send
their features once and then only a colour code per feature (:mod:`geo.layers._restyle`).
"""

from geo.layers._hexes import DASHED_HEX_STYLE, HEX_STYLE, HexLayer
from geo.layers._legend import bivariate_legend_html, legend_html
from geo.layers._map import BASEMAPS, basemap_layer, fit_view, make_map
from geo.layers._restyle import HIDDEN_STYLE, NOT_DRAWN, FeatureStyle, RestyledLayer
from geo.layers._venues import VenueLayer

__all__ = [
    "BASEMAPS",
    "DASHED_HEX_STYLE",
    "HEX_STYLE",
    "HIDDEN_STYLE",
    "NOT_DRAWN",
    "FeatureStyle",
    "HexLayer",
    "RestyledLayer",
    "VenueLayer",
    "basemap_layer",
    "fit_view",
    "bivariate_legend_html",
    "legend_html",
    "make_map",
]
