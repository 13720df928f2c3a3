"""Geo files (GeoJSON, GeoPackage, GeoParquet, plain Parquet) as attribute frames with lat/lon.

Polygons (a pub's building, a park) become one point with shapely's representative point,
which always lies inside the shape, unlike a centroid of an L-shaped building. The point is
taken in the file's own CRS, then reprojected to WGS84. A file that does not say its CRS gets
a clear error unless the user names one: guessing would put points on the wrong continent.
Every library error is turned into :class:`FileFormatError` so callers see one error type.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from geo.errors import FileFormatError
from geo.io._project import WGS84, parse_crs

GEOMETRY_LAT = "_geometry_lat"
GEOMETRY_LON = "_geometry_lon"
"""Columns holding the point of each geometry (apart from any lat/lon attribute the file has)."""

NO_CRS = (
    "unknown CRS: the file does not say which coordinate system its geometry uses; "
    "name it in the mapping, e.g. coordinates: {crs: 'EPSG:2154'}"
)


def load_json(path: Path) -> Any:
    """Parsed JSON, or :class:`FileFormatError` when the text is not JSON."""
    try:
        with Path(path).open("rb") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(str(path), f"not valid JSON: {exc}") from None
    except RecursionError:
        raise FileFormatError(str(path), "not usable JSON: nested too deeply") from None


def geojson_features(path: Path, doc: Any) -> list[dict]:
    """The features of a GeoJSON document; :class:`FileFormatError` for other JSON."""
    if isinstance(doc, dict) and doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        if isinstance(features, list) and all(isinstance(f, dict) for f in features):
            return features
    elif isinstance(doc, dict) and doc.get("type") == "Feature":
        return [doc]
    if isinstance(doc, dict) and isinstance(doc.get("elements"), list):
        problem = ("Overpass JSON, not GeoJSON: export it as GeoJSON "
                   "(overpass-turbo: Export > GeoJSON)")
    else:
        kind = type(doc).__name__ if not isinstance(doc, dict) else (
            f"object with keys {', '.join(list(map(str, doc))[:6]) or '(none)'}")
        problem = f"JSON that is not GeoJSON (no FeatureCollection; found: {kind})"
    raise FileFormatError(str(path), problem)


def representative_points(geometries: Any) -> tuple[np.ndarray, np.ndarray]:
    """x, y of a point inside each geometry (NaN for missing or empty geometry)."""
    import shapely  # geopandas/shapely load in ~0.4 s: only when a geo file is read

    geoms = np.asarray(geometries, dtype=object)
    missing = np.array([g is None or shapely.is_empty(g) for g in geoms], dtype=bool)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    if (~missing).any():
        try:
            points = shapely.point_on_surface(geoms[~missing])
        except shapely.errors.GEOSException:
            # An invalid ring (self-intersecting building outline) is repaired first.
            points = shapely.point_on_surface(shapely.make_valid(geoms[~missing]))
        x[~missing] = shapely.get_x(points)
        y[~missing] = shapely.get_y(points)
    return x, y


def read_geo_frame(
    path: Path, kind: str, crs: str | None = None, layer: str | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Attributes of a geo file plus the WGS84 point of its geometry, and notes.

    ``kind`` is ``json``, ``gpkg`` or ``parquet``. Plain Parquet (no geometry) comes back as
    its columns only. ``crs`` names the CRS when the file has none (or overrides it).
    """
    import geopandas as gpd  # geopandas/shapely load in ~0.4 s: only when a geo file is read

    notes: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if kind == "parquet":
                metadata = pq.read_schema(path).metadata or {}
                if b"geo" not in metadata:
                    return pd.read_parquet(path), notes
                frame = gpd.read_parquet(path)
            else:
                frame = gpd.read_file(path, layer=layer, engine="pyogrio")
        notes.extend(str(w.message) for w in caught if "layer" in str(w.message).lower())
    except FileFormatError:
        raise
    except Exception as exc:  # pyogrio, GDAL, arrow: many types, one meaning
        raise FileFormatError(str(path), f"cannot read as a geo file: {exc}") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        return pd.DataFrame(frame), notes
    if crs is not None:
        if frame.crs is not None and parse_crs(crs) != frame.crs:
            notes.append(f"CRS {crs} from the mapping used instead of the file's {frame.crs}")
        frame = frame.set_crs(parse_crs(crs), allow_override=True)
    elif frame.crs is None and frame.geometry.notna().any():
        raise FileFormatError(str(path), NO_CRS)
    x, y = representative_points(frame.geometry.to_numpy())
    if frame.crs is not None and not frame.crs.equals(parse_crs(WGS84)):
        points = gpd.GeoSeries(gpd.points_from_xy(x, y), crs=frame.crs).to_crs(WGS84)
        empty = np.isnan(x)
        x = np.where(empty, np.nan, points.x.to_numpy())
        y = np.where(empty, np.nan, points.y.to_numpy())
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return attributes.assign(**{GEOMETRY_LAT: y, GEOMETRY_LON: x}), notes
