"""Public exports of one view: the protected per-cell table (CSV, JSON, GeoJSON, GeoParquet) and
a static map figure (PNG, PDF).

An export leaves the user's machine, so it carries only what DESIGN §6 allows: one row per H3
cell of an already protected :class:`~geo.metrics.QueryResult`, through a whitelist of columns
(:data:`PUBLIC_COLUMNS`). Raw points, ids and the additive perception sums (which would reveal a
hidden answer count by subtraction) are never written. Every file says what it shows — data,
filters, the k threshold, the noise its counts carry (or that they are exact, internal use only),
the "recorded is not crime" caveat and, for the sample city, that the data are synthetic —
because a table separated from its dashboard loses the legend around it.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

import geo
from geo._light import spearman_p
from geo.i18n import t
from geo.index import cell_boundaries, cells_to_str, resolutions_of
from geo.metrics import RECORDED_VALUES, QueryResult

__all__ = [
    "CAVEAT",
    "FIGURE_FORMATS",
    "FIGURE_LAYERS",
    "GAP_BREAKS",
    "METADATA_KEY",
    "NO_SUPPRESSION",
    "PUBLIC_COLUMNS",
    "TABLE_FORMATS",
    "caption",
    "export_figure",
    "export_metadata",
    "export_table",
    "metadata_path",
    "public_columns",
    "public_table",
    "table_text",
]

TableFormat = Literal["csv", "json", "geojson", "parquet"]
TABLE_FORMATS: tuple[str, ...] = ("csv", "json", "geojson", "parquet")

PUBLIC_COLUMNS: tuple[str, ...] = (
    "cell", "resolution", "incidents", "incidents_per_night", "incidents_per_km2",
    "perceived", "perceived_eb", "perceived_lo", "perceived_hi", "perceived_n",
    "venues", "venues_open", "gap", "bivariate_class", "bivariate_key", "hotspot", "local_class",
)
"""Columns every public export carries, in order (missing ones as nulls).

:func:`public_columns` inserts the per-source counts ``incidents_<source>`` after
``incidents`` and appends the ``suppressed_*`` flags the result has. Nothing else is exported:
no points, no ids, no perception sums (n, Σw, Σw², Σwx, Σwx²).
"""

METADATA_KEY = "insecurity_atlas"
"""Key of the metadata JSON in a GeoParquet file's schema metadata."""

CAVEAT = "Recorded incidents are not all crime: reporting differs by place, group and category."
"""Printed on every export that shows recorded counts (DESIGN §5, "dark numbers")."""

NO_SUPPRESSION = "no suppression: internal analysis only"
"""What the privacy entry of the metadata says when k = 0."""

_DECIMALS: dict[str, int] = {
    "incidents": 2, "incidents_per_night": 6, "incidents_per_km2": 2,
    "perceived": 4, "perceived_eb": 4, "perceived_lo": 4, "perceived_hi": 4, "gap": 4,
}
"""Rounding: aoristic counts are fractional (2 decimals); ranks and 0..1 scores 4; a nightly
rate needs 6 because one incident over a year of nights is 0.0027."""
_INTEGERS = ("resolution", "perceived_n", "venues", "venues_open", "bivariate_class")
_TEXT = ("cell", "bivariate_key", "hotspot", "local_class")


def _source_columns(columns: Iterable[str]) -> list[str]:
    return [c for c in columns if c.startswith("incidents_") and c not in RECORDED_VALUES]


def public_columns(columns: Iterable[str]) -> list[str]:
    """The export columns for a result table with these columns, in export order.

    Examples
    --------
    >>> public_columns(["cell", "incidents", "incidents_app", "incidents_per_night", "n",
    ...                 "suppressed_incidents"])[:4]
    ['cell', 'resolution', 'incidents', 'incidents_app']
    >>> public_columns(["cell", "suppressed_incidents"])[-2:]
    ['local_class', 'suppressed_incidents']
    """
    columns = list(columns)
    at = PUBLIC_COLUMNS.index("incidents") + 1
    flags = [c for c in columns if c.startswith("suppressed_")]
    return [*PUBLIC_COLUMNS[:at], *_source_columns(columns), *PUBLIC_COLUMNS[at:], *flags]


def public_table(result: QueryResult) -> pd.DataFrame:
    """The protected per-cell table of ``result`` as exported: whitelisted, typed and rounded.

    Columns of :data:`PUBLIC_COLUMNS` the result lacks (the comparison in ``coarsen`` mode,
    say) are present and null, so a pipeline can rely on the header.
    """
    table = result.table
    cells = table["cell"].to_numpy(dtype=np.uint64)
    out: dict[str, Any] = {
        "cell": cells_to_str(cells).astype(object).to_numpy(),
        "resolution": resolutions_of(cells),
    }
    for name in public_columns(table.columns)[2:]:
        values = (table[name].reset_index(drop=True) if name in table
                  else pd.Series(np.nan, index=pd.RangeIndex(len(table))))
        if name.startswith("suppressed_"):
            out[name] = values.fillna(False).astype(bool)
        elif name in _TEXT:
            out[name] = pd.Series([v if isinstance(v, str) else None for v in values], dtype=object)
        else:
            numbers = pd.to_numeric(values, errors="coerce").astype(float)
            if name in _INTEGERS:
                out[name] = numbers.round().astype("Int64")
            else:
                out[name] = numbers.round(_DECIMALS.get(name, 2))
    frame = pd.DataFrame(out, index=pd.RangeIndex(len(table)))
    frame["resolution"] = frame["resolution"].astype("Int64")
    return frame


def _plain(value: Any) -> Any:
    """A JSON-ready scalar: NaN and NA become null, NumPy scalars Python ones."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    return _plain(obj)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = {c: [_plain(v) for v in frame[c].tolist()] for c in frame.columns}
    return [{c: columns[c][i] for c in frame.columns} for i in range(len(frame))]


def _filters(result: QueryResult, lang: str = "en") -> str:
    """The query's filters without its k part, which the caption states on its own."""
    parts = result.query.describe(lang).split("; ")
    return "; ".join(p for p in parts if not p.startswith("k = "))


def caption(result: QueryResult, data_label: str, lang: str = "en") -> str:
    """The sentence that travels with any export: data, filters, k, and "synthetic" where so.

    e.g. "Data: Sampleville. Filters: H3 res 9; hours 22:00–04:00. Privacy threshold k = 5.
    Counts of reports and answers carry a small random noise (at most ±2) so that no one can be
    singled out by comparing views; [...] Synthetic data: not real incidents, answers or
    venues." The filters are the Query's :meth:`~geo.metrics.Query.describe` in ``lang``.
    """
    text = t("export.caption", lang, data=data_label, filters=_filters(result, lang), k=result.k)
    notes = result.privacy_notes(lang)  # the k floor (said above when on), then the noise
    text += " " + " ".join(notes if result.k == 0 else notes[1:])
    if result.summary.get("synthetic"):
        text += " " + t("export.synthetic", lang)
    return text


def export_metadata(
    result: QueryResult, data_label: str, *, created: datetime | str | None = None
) -> dict[str, Any]:
    """What every export states about itself (JSON-ready).

    Parameters
    ----------
    result
        The exported view.
    data_label
        Name of the data, as the caption prints it.
    created
        Creation time (default: now, UTC); pass a fixed value for reproducible files.
    """
    if created is None:
        created = datetime.now(UTC)
    if isinstance(created, datetime):
        created = created.isoformat(timespec="seconds")
    summary = dict(result.summary)
    if "spearman" in summary:  # the p-value is worked out (with SciPy) only for exports
        rho, n = summary["spearman"]["rho"], summary["spearman"]["n"]
        summary["spearman"] = {"rho": rho, "p": spearman_p(rho, n), "n": n}
    keep = ("cells_shown", "cells_suppressed", "incidents_shown", "answers_shown", "nights",
            "rows_left_out_untimed", "cells_compared", "spearman")
    return _jsonable({
        "data": data_label,
        "synthetic": bool(summary.get("synthetic", False)),
        "caption": caption(result, data_label),
        "query": result.query.describe(),
        "params": result.query.to_params(),
        "k": result.k,
        "protected": result.k > 0,
        "mode": result.protected.mode,
        "privacy": result.protected.notice() if result.k > 0 else NO_SUPPRESSION,
        "noise": {
            "perturbed": bool(summary.get("perturbed", False)),
            "bound": summary.get("noise_bound", 0),
            "exact_sources": list(summary.get("exact_sources", [])),
            "notice": " ".join(result.privacy_notes()[1:]),
        },
        "public_note": t("export.public_note"),
        "caveat": CAVEAT,
        "columns": public_columns(result.table.columns),
        "summary": {key: summary[key] for key in keep if key in summary},
        "generator": "insecurity-atlas",
        "version": geo.__version__,
        "created": created,
    })


def metadata_path(path: str | Path) -> Path:
    """The sidecar ``<name>.meta.json`` of a CSV export (CSV has no portable header comment)."""
    return Path(path).with_suffix(".meta.json")


def _dumps(obj: Any, indent: int | None = None) -> str:
    return json.dumps(obj, ensure_ascii=False, allow_nan=False, indent=indent)


def _feature_collection(frame: pd.DataFrame, meta: dict[str, Any]) -> dict[str, Any]:
    cells = [int(c, 16) for c in frame["cell"]]
    rings = cell_boundaries(np.asarray(cells, dtype=np.uint64), decimals=6)
    features = [
        {"type": "Feature", "id": props["cell"], "properties": props,
         "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for props, ring in zip(_records(frame), rings, strict=True)
    ]
    return {"type": "FeatureCollection", "metadata": meta, "features": features}


def _write_parquet(frame: pd.DataFrame, path: Path, meta: dict[str, Any]) -> None:
    import geopandas as gpd
    import pyarrow.parquet as pq
    from shapely.geometry import Polygon

    cells = np.asarray([int(c, 16) for c in frame["cell"]], dtype=np.uint64)
    geometry = [Polygon(ring) for ring in cell_boundaries(cells, decimals=6)]
    gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, crs="EPSG:4326"))
    buffer = io.BytesIO()
    gdf.to_parquet(buffer, index=False)
    buffer.seek(0)
    # geopandas writes the GeoParquet "geo" key; ours goes beside it in the same schema.
    table = pq.read_table(buffer)
    schema_meta = {**(table.schema.metadata or {}), METADATA_KEY.encode(): _dumps(meta).encode()}
    pq.write_table(table.replace_schema_metadata(schema_meta), path)


def table_text(
    result: QueryResult,
    fmt: Literal["csv", "json", "geojson"],
    *,
    data_label: str,
    created: datetime | str | None = None,
) -> str:
    """The export of :func:`export_table` as text, for a pipeline's standard output.

    CSV has no place for the metadata here: print :func:`caption` beside it.

    Raises
    ------
    ValueError
        For ``parquet`` (binary) or an unknown format.
    """
    frame = public_table(result)
    if fmt == "csv":
        return frame.to_csv(index=False, lineterminator="\n")
    meta = export_metadata(result, data_label, created=created)
    if fmt == "json":
        return _dumps({"metadata": meta, "cells": _records(frame)})
    if fmt == "geojson":
        return _dumps(_feature_collection(frame, meta))
    raise ValueError(f"{fmt!r} is not a text format; one of csv, json, geojson")


def export_table(
    result: QueryResult,
    path: str | Path,
    fmt: TableFormat,
    *,
    data_label: str,
    created: datetime | str | None = None,
) -> Path:
    """Write the protected per-cell table of a view, with its metadata.

    Parameters
    ----------
    result
        A query result (already protected by its k).
    path
        Output file; its folder is created. CSV also writes :func:`metadata_path`.
    fmt
        ``csv`` (+ sidecar ``.meta.json``), ``json`` (``{"metadata", "cells"}``), ``geojson``
        (hexagon Polygons, ``[lng, lat]``, top-level ``metadata``) or ``parquet`` (GeoParquet,
        EPSG:4326, metadata under the schema key :data:`METADATA_KEY`).
    data_label
        Name of the data for the caption.
    created
        Fixed creation time for reproducible files (default: now, UTC).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        For an unknown format.
    """
    if fmt not in TABLE_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; one of {', '.join(TABLE_FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        meta = export_metadata(result, data_label, created=created)
        _write_parquet(public_table(result), path, meta)
        return path
    text = table_text(result, fmt, data_label=data_label, created=created)
    path.write_text(text, encoding="utf-8", newline="")  # "\n" on every OS: same bytes
    if fmt == "csv":
        meta = export_metadata(result, data_label, created=created)
        metadata_path(path).write_text(_dumps(meta, indent=2) + "\n", encoding="utf-8")
    return path


from geo._figure import (  # noqa: E402  (figures after the table code they caption)
    FIGURE_FORMATS,
    FIGURE_LAYERS,
    GAP_BREAKS,
    export_figure,
)
