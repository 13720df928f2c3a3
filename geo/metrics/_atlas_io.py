"""Atlases from folders: a sample's files, or a saved incident cube without raw rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from h3.api import basic_int as h3i

from geo.columns import INCIDENT_COLUMNS
from geo.index import parents_of

if TYPE_CHECKING:
    from geo.metrics._atlas import Atlas


def atlas_from_dir(cls: type[Atlas], folder: str | Path, **kwargs) -> Atlas:
    """Read a folder written by ``atlas sample`` (or laid out the same way)."""
    from geo.io import read_table

    folder = Path(folder)
    meta_path = folder / "metadata.json"
    metadata = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    tables, reports = {}, {}
    for table, names in (
        ("incidents", ("incidents.parquet", "incidents.csv")),
        ("perceptions", ("perceptions.parquet", "perceptions.csv")),
        ("venues", ("venues.geojson",)),
    ):
        path = next((folder / n for n in names if (folder / n).exists()), None)
        if path is None:
            continue
        result = read_table(path, table)
        tables[table], reports[table] = result.frame, result.report
    if "incidents" not in tables:
        raise FileNotFoundError(f"{folder}: no incidents.csv or incidents.parquet")
    return cls(
        tables["incidents"],
        tables.get("perceptions"),
        tables.get("venues"),
        metadata=metadata,
        reports=reports,
        **kwargs,
    )


def atlas_from_cube(
    cls: type[Atlas],
    cube_dir: str | Path,
    perceptions: pd.DataFrame | None = None,
    venues: pd.DataFrame | None = None,
    *,
    metadata: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Atlas:
    """An Atlas on a saved incident cube (``atlas build-cube``), without the raw incidents.

    The cube may have been built from far more rows than fit in memory (DESIGN §8); it is
    queried exactly as a cube built here. ``metadata`` defaults to what the build found
    beside its data (so a synthetic set stays labelled synthetic), and gains a ``centre``
    from the cube when it has none, as there are no points to take one from.
    """
    from geo.cube import read_cube_dir  # cube folders (Parquet datasets): only here

    built = read_cube_dir(cube_dir)
    cube = built.cube
    meta = dict(built.info.get("metadata", {}) if metadata is None else metadata)
    if "centre" not in meta and len(cube.table):  # count-weighted, over res-7 cells
        parents = parents_of(cube.table["cell"].to_numpy(), min(cube.resolution, 7))
        cells, inverse = np.unique(parents, return_inverse=True)
        weight = np.bincount(inverse, weights=cube.table["count"].to_numpy())
        points = np.array([h3i.cell_to_latlng(int(c)) for c in cells])
        meta["centre"] = [float(v) for v in np.average(points, axis=0, weights=weight)]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in INCIDENT_COLUMNS})
    return cls(
        empty,
        perceptions,
        venues,
        metadata=meta,
        day_boundary=cube.day_boundary,
        incident_cube=cube,
        **kwargs,
    )
