"""OpenStreetMap nightlife venues from an overpass-turbo GeoJSON export.

Overpass exports mix nodes (Points) with buildings and sites (Polygons, MultiPolygons for
relations); each venue becomes one point inside its shape (representative point). The id is
the OSM one (``@id`` property such as ``way/23376430``, else the feature id), ``kind`` is the
``amenity`` tag verbatim (pub, bar, nightclub, biergarten, fast_food, ...), and
``opening_hours`` is kept exactly as mapped: the validator flags missing or unparseable hours,
and nothing here guesses them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.io._geo import geojson_features, load_json, representative_points
from geo.schema import ROW_COLUMN, LoadOptions, ReportBuilder, ValidationReport, validate_venues

OSM_KEYS: frozenset[str] = frozenset({"@id", "amenity"})
"""Property names that mark a GeoJSON file as an OSM extract (used by detection)."""


def _dict(value: Any) -> dict:
    """A JSON member that should be an object; anything else counts as absent."""
    return value if isinstance(value, dict) else {}


def is_osm(features: list[dict], sample: int = 50) -> bool:
    """True when the first features carry OSM tags (``amenity`` or ``@id``)."""
    head = [_dict(f.get("properties")) for f in features[:sample]]
    return bool(head) and any(OSM_KEYS & set(p) for p in head)


def _geometry(feature: dict) -> Any:
    geometry = _dict(feature.get("geometry"))
    if not geometry:
        return None
    import shapely.geometry  # only when an OSM file is read

    try:
        return shapely.geometry.shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.ShapelyError):
        return None


def read_osm(
    path: Path, options: LoadOptions, doc: Any = None
) -> tuple[pd.DataFrame, ValidationReport]:
    """Read an overpass GeoJSON of nightlife POIs into the venues table."""
    features = geojson_features(path, load_json(path) if doc is None else doc)
    builder = ReportBuilder(str(path), "osm", "venues", len(features))
    if not features:
        builder.note("no data rows: the file has no features")
    geometries = [_geometry(f) for f in features]
    unreadable = sum(g is None and f.get("geometry") is not None
                     for g, f in zip(geometries, features, strict=True))
    builder.flag("geometry_unreadable", unreadable)
    shapes = np.empty(len(geometries), dtype=object)
    shapes[:] = geometries
    lon, lat = representative_points(shapes)
    props = [_dict(f.get("properties")) for f in features]
    kinds = _texts(props, "amenity")
    staged = pd.DataFrame(
        {
            ROW_COLUMN: np.arange(1, len(features) + 1),
            "venue_id": pd.Series([_venue_id(p, f) for p, f in zip(props, features, strict=True)],
                                  dtype="str"),
            "name": _texts(props, "name"),
            "kind": kinds,
            "lat": lat,
            "lon": lon,
            "opening_hours": _texts(props, "opening_hours"),
            "geometry_type": [_dict(f.get("geometry")).get("type") for f in features],
        }
    )
    return validate_venues(staged, builder, options)


def _texts(props: list[dict], key: str) -> pd.Series:
    """One tag of every feature as text (tags are strings in OSM; anything else is kept as
    its JSON text rather than lost)."""
    values = [p.get(key) for p in props]
    return pd.Series([v if v is None or isinstance(v, str) else json.dumps(v) for v in values],
                     dtype="str")


def _venue_id(props: dict, feature: dict) -> str | None:
    value = props.get("@id") or feature.get("id") or props.get("id")
    return None if value is None or isinstance(value, dict | list) else str(value)
