"""Writing a generated city as the public formats the readers take in, byte-reproducibly.

Incidents and perceptions go out as canonical CSV (or Parquet), venues as an overpass-turbo
style GeoJSON so that the sample travels through the same OSM reader as real data. Nothing
variable (no clock time, no paths) enters the files, so a seed always gives the same bytes.
``metadata.json`` is written last: its presence marks a complete sample.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from geo.sample._generate import (
    DEFAULT_SEED,
    GENERATOR_NAME,
    GENERATOR_VERSION,
    NOTICE,
    SampleCity,
    generate_city,
)

Format = Literal["csv", "parquet"]

ISO_FORMAT = "%Y-%m-%dT%H:%M:%S"
"""Local wall-clock times, no offset: the city's time zone is in metadata.json."""

OSM_TIMESTAMP = "2025-12-31T23:00:00Z"
"""Fixed export timestamp of the venues file (a clock time would break reproducibility)."""

METADATA_FILE = "metadata.json"
VENUES_FILE = "venues.geojson"
PROJECT_FILE = "atlas.yaml"
SCENES_DIR = Path(__file__).resolve().parents[1] / "dashboards" / "scenes"
"""The sample's presentation scene files (``example.yaml``, ``year.yaml``...), shipped in the
package and copied into the project."""


def project_yaml(city: SampleCity, fmt: Format) -> str:
    """The sample's ``atlas.yaml``: the sample city is one ordinary city project."""
    meta = city.metadata
    bbox = ", ".join(f"{v:.6f}" for v in meta["bbox"])
    return f"""# The synthetic sample city as a city project (written by `atlas sample`).
city: {meta["city"]}
timezone: {meta["timezone"]}
synthetic: true
study_area:
  bbox: [{bbox}]
day_boundary: 6
privacy:
  k: 5
default_view:
  query: {{res: 9, hours: "22-4", weekdays: "fri,sat"}}
  layer: recorded
  basemap: light
  lang: en
sources:
  incidents:
    - path: incidents.{fmt}
      notes: {{provider: {GENERATOR_NAME}, licence: synthetic, period: one year}}
  perceptions:
    - path: perceptions.{fmt}
      notes: {{provider: {GENERATOR_NAME}, licence: synthetic}}
  venues:
    - path: {VENUES_FILE}
      notes: {{provider: {GENERATOR_NAME}, licence: synthetic}}
"""


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def _write_table(frame: pd.DataFrame, path: Path, fmt: Format) -> None:
    tmp = path.with_name(path.name + ".tmp")
    if fmt == "csv":
        frame.to_csv(tmp, index=False, encoding="utf-8", date_format=ISO_FORMAT,
                     lineterminator="\n")
    else:
        frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
    os.replace(tmp, path)


def venues_geojson(venues: pd.DataFrame) -> dict[str, Any]:
    """Venues as an overpass-turbo FeatureCollection of OSM nodes (absent tags left out)."""
    features = []
    for row in venues.itertuples(index=False):
        tags: dict[str, Any] = {"@id": row.venue_id, "amenity": row.kind}
        if not pd.isna(row.name):
            tags["name"] = row.name
        if not pd.isna(row.opening_hours):
            tags["opening_hours"] = row.opening_hours
        features.append({
            "type": "Feature",
            "properties": tags,
            "geometry": {"type": "Point", "coordinates": [float(row.lon), float(row.lat)]},
            "id": row.venue_id,
        })
    return {
        "type": "FeatureCollection",
        "generator": f"{GENERATOR_NAME} {GENERATOR_VERSION}",
        "copyright": NOTICE,
        "timestamp": OSM_TIMESTAMP,
        "synthetic": True,
        "features": features,
    }


def write_city(city: SampleCity, out_dir: str | Path, *, fmt: Format = "csv") -> dict[str, Path]:
    """Write a generated city to ``out_dir`` and return the path of each file.

    Parameters
    ----------
    city
        What :func:`generate_city` returned.
    out_dir
        Created if missing; files of an earlier sample are replaced.
    fmt
        ``"csv"`` (UTF-8, ISO local times, no index) or ``"parquet"`` for incidents and
        perceptions; venues are always ``venues.geojson``.

    Returns
    -------
    dict
        ``{"incidents", "perceptions", "venues", "metadata"}`` -> path written.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "incidents": out / f"incidents.{fmt}",
        "perceptions": out / f"perceptions.{fmt}",
        "venues": out / VENUES_FILE,
        "metadata": out / METADATA_FILE,
    }
    _write_table(city.incidents, paths["incidents"], fmt)
    _write_table(city.perceptions, paths["perceptions"], fmt)
    _atomic_write(paths["venues"],
                  json.dumps(venues_geojson(city.venues), ensure_ascii=False, indent=1) + "\n")
    _atomic_write(out / PROJECT_FILE, project_yaml(city, fmt))
    for scenes in sorted(SCENES_DIR.glob("*.yaml")):
        (out / "scenes").mkdir(exist_ok=True)
        _atomic_write(out / "scenes" / scenes.name, scenes.read_text(encoding="utf-8"))
    metadata = {**city.metadata, "format": fmt,
                "files": {k: p.name for k, p in paths.items() if k != "metadata"}}
    _atomic_write(paths["metadata"], json.dumps(metadata, ensure_ascii=False, indent=2,
                                                sort_keys=True) + "\n")
    return paths


def _is_current(out: Path) -> bool:
    """True when ``out`` holds a complete default sample of this generator version."""
    try:
        meta = json.loads((out / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if meta.get("generator_version") != GENERATOR_VERSION or meta.get("seed") != DEFAULT_SEED:
        return False
    files = meta.get("files")
    return (isinstance(files, dict) and all((out / str(f)).is_file() for f in files.values())
            and (out / PROJECT_FILE).is_file())


def ensure_sample(out_dir: str | Path) -> Path:
    """Make sure ``out_dir`` holds the default sample city; generate it only when needed.

    Regenerates when ``metadata.json`` is missing or unreadable, names another generator
    version or seed, or a file it lists is gone. Returns ``out_dir`` as a Path.
    """
    out = Path(out_dir)
    if not _is_current(out):
        write_city(generate_city(DEFAULT_SEED), out)
    return out
