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
import textwrap
import warnings
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

import geo
from geo._light import spearman_p
from geo.classes import (
    BIVARIATE,
    DIVERGING_GAP,
    SUPPRESSED_COLOR,
    Classes,
    classify,
    legible,
)
from geo.compare import BIVARIATE_KEYS
from geo.i18n import number, t
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
FigureFormat = Literal["png", "pdf"]
FIGURE_FORMATS: tuple[str, ...] = ("png", "pdf")

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


# ---------------------------------------------------------------------------------- figures
FIGURE_LAYERS: dict[str, tuple[str, str]] = {
    "incidents": ("metric.incidents", "unit.incidents"),
    "incidents_per_night": ("metric.incidents_per_night", "unit.incidents_per_night"),
    "incidents_per_km2": ("metric.incidents_per_km2", "unit.incidents_per_km2"),
    "perceived_eb": ("metric.smoothed_insecurity", "unit.insecurity"),
    "gap": ("metric.gap", "unit.rank_gap"),
    "bivariate_class": ("layer.bivariate", "legend.bivariate.title"),
}
"""Layers a figure can show: catalogue keys of its title and of its legend's unit line."""

GAP_BREAKS: tuple[float, ...] = (-0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1.0)
"""Upper bounds of the seven fixed, symmetric gap classes: the dashboard's (geo.app._style),
so a figure and the map it was exported from read alike; quantiles would move "agree" off the
middle colour."""
EMPTY_MESSAGE = "No cells to show for these filters"

_DECIMALS_IN_LEGEND = {"incidents": 1, "incidents_per_night": 3, "incidents_per_km2": 0,
                       "perceived_eb": 2, "gap": 2}
_RECORDED_LAYERS = ("incidents", "incidents_per_night", "incidents_per_km2")
_GAP_CLASSES = Classes(bins=GAP_BREAKS, colors=DIVERGING_GAP, scheme="fixed", lower=-1.0)


def _pick(rings: list[np.ndarray], mask: np.ndarray) -> list[np.ndarray]:
    return [ring for ring, keep in zip(rings, mask, strict=True) if keep]


def _flag(table: pd.DataFrame, *names: str) -> np.ndarray:
    out = np.zeros(len(table), dtype=bool)
    for name in names:
        if name in table:
            out |= table[name].fillna(False).astype(bool).to_numpy()
    return out


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    if name not in table:
        return np.full(len(table), np.nan)
    return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float, copy=True)


def _layer_cells(table: pd.DataFrame, layer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Per cell: the value to colour (NaN = not coloured), hidden, blank, and the blank's label.

    As on the dashboard: a recorded layer colours cells with records (no record: not drawn); the
    perceived layer colours cells with enough answers and marks those with too few; hidden
    cells are grey. Gap and bivariate mark the cells that could not be compared.
    """
    if layer in _RECORDED_LAYERS:
        values = _column(table, layer)
        values[~(_column(table, "incidents") > 0)] = np.nan
        hidden = _flag(table, "suppressed_incidents")
        return values, hidden, np.zeros(len(table), dtype=bool), "legend.no_data"
    hidden = _flag(table, "suppressed_perceived")
    if layer == "perceived_eb":
        ok = _flag(table, "perceived_ok") & ~hidden
        values = np.where(ok, _column(table, layer), np.nan)
        blank = ~hidden & ~ok & (np.nan_to_num(_column(table, "perceived_n")) > 0)
        return values, hidden, blank, "legend.too_few_answers"
    hidden |= _flag(table, "suppressed_incidents")
    values = _column(table, layer)
    return values, hidden, ~hidden & ~np.isfinite(values), "bivariate.not_compared"


def _range_labels(classes: Classes, decimals: int, lang: str) -> list[str]:
    lows = (classes.lower, *classes.bins[:-1])
    return [f"{number(lo, lang, decimals)} – {number(hi, lang, decimals)}"
            for lo, hi in zip(lows, classes.bins, strict=True)]


def _wrap(label: str, width: int = 46) -> str:
    """A legend label on lines that fit beside the map (long French class names)."""
    return "\n".join(textwrap.wrap(label, width)) or label


def _colours(layer: str, values: np.ndarray, lang: str) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Fill colour of each (finite) value and the legend rows (colour, label), top to bottom.

    Palettes are the dashboard's: viridis for records, magma for feelings, PuOr for the gap,
    the 3x3 bivariate scheme for the classes. Only drawn values set the quantile breaks.
    """
    if layer == "bivariate_class":
        # The corner letters of the page's key, so the method notes read the same on paper.
        corner = {6: "A: ", 8: "B: ", 0: "C: ", 2: "D: "}
        rows = [(BIVARIATE[code], corner.get(code, "") + t(BIVARIATE_KEYS[code], lang))
                for code in range(8, -1, -1)]
        return np.asarray(BIVARIATE, dtype=object)[values.astype(int)], rows
    if layer == "gap":
        classes = _GAP_CLASSES
    else:
        with warnings.catch_warnings():
            # Ties leave fewer than 5 quantile classes; classify is built for that, so
            # mapclassify's warning about it would only be noise in a pipeline's log.
            warnings.filterwarnings("ignore", "Not enough unique values", UserWarning)
            classes = classify(values, "quantiles", k=5,
                               palette="magma" if layer == "perceived_eb" else "viridis")
    if layer == "gap":
        labels = _range_labels(classes, _DECIMALS_IN_LEGEND[layer], lang)
    else:  # never two bounds that print alike (more decimals, else merged and said so)
        classes, labels, merged = legible(classes, lambda v, d: number(v, lang, d),
                                          _DECIMALS_IN_LEGEND[layer])
        if merged:
            labels[-1] += f" ({t('legend.merged', lang)})"
    if layer == "gap":
        labels[0] += f": {t('legend.gap.more_recorded', lang)}"
        labels[3] += f": {t('legend.gap.balanced', lang)}"
        labels[-1] += f": {t('legend.gap.more_perceived', lang)}"
    return classes.colors_of(values), list(zip(classes.colors, labels, strict=True))


def export_figure(
    result: QueryResult,
    path: str | Path,
    fmt: FigureFormat,
    *,
    layer: str = "incidents_per_night",
    data_label: str,
    lang: str = "en",
) -> Path:
    """A static map of one layer's hexagons, with legend and caption, for reports and slides.

    Drawn on its own matplotlib Figure (Agg for PNG, the PDF canvas for PDF), never through
    pyplot's global state, without a basemap (offline), in lon/lat with the aspect corrected
    for latitude; the same inputs give the same bytes. Hidden cells (0 < count < k) are grey
    and hatched; cells with too few answers, or not compared, are a dotted outline; a view with
    nothing to draw says so.

    Parameters
    ----------
    result
        The view to draw.
    path
        Output file (folder created).
    fmt
        ``png`` or ``pdf``.
    layer
        One of :data:`FIGURE_LAYERS`.
    data_label
        Name of the data for the caption.
    lang
        Language of title, legend and caption.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        For an unknown format or layer.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}; one of {', '.join(FIGURE_FORMATS)}")
    if layer not in FIGURE_LAYERS:
        raise ValueError(f"unknown layer {layer!r}; one of {', '.join(FIGURE_LAYERS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = result.table
    title_key, unit_key = FIGURE_LAYERS[layer]

    fig = Figure(figsize=(11, 7.5), dpi=120)
    FigureCanvasAgg(fig)
    fig.suptitle(t(title_key, lang), x=0.03, ha="left", fontsize=15, fontweight="bold")
    fig.text(0.03, 0.905, data_label, fontsize=10, color="#444444")
    ax = fig.add_axes((0.03, 0.17, 0.58, 0.71))
    ax.set_axis_off()
    values, hidden, blank, blank_key = _layer_cells(table, layer)
    coloured = np.isfinite(values) & ~hidden
    if not (coloured | hidden | blank).any():
        ax.text(0.5, 0.5, EMPTY_MESSAGE, ha="center", va="center", fontsize=13,
                color="#555555", transform=ax.transAxes)
    else:
        rings = [np.asarray(ring[:-1])
                 for ring in cell_boundaries(table["cell"].to_numpy(dtype=np.uint64))]
        handles = []
        if coloured.any():
            fill, rows = _colours(layer, values[coloured], lang)
            ax.add_collection(PolyCollection(_pick(rings, coloured), facecolors=list(fill),
                                             edgecolors="#666666", linewidths=0.2))
            handles += [Patch(facecolor=c, edgecolor="#666666", label=_wrap(label))
                        for c, label in rows]
        if hidden.any():
            ax.add_collection(PolyCollection(
                _pick(rings, hidden), facecolors=SUPPRESSED_COLOR, edgecolors="#7f7f7f",
                linewidths=0.2, hatch="////"))
            handles.append(Patch(facecolor=SUPPRESSED_COLOR, edgecolor="#7f7f7f", hatch="////",
                                 label=_wrap(t("legend.hidden", lang, k=result.k))))
        if blank.any():
            # Dotted outline, no fill: "nothing to say here", unlike a light class colour.
            ax.add_collection(PolyCollection(
                _pick(rings, blank), facecolors="none", edgecolors="#808080", linewidths=0.5,
                linestyles=":"))
            handles.append(Patch(facecolor="none", edgecolor="#808080", linestyle=":",
                                 label=_wrap(t(blank_key, lang))))
        ax.autoscale_view()
        drawn = _pick(rings, coloured | hidden | blank)
        mean_lat = float(np.mean([ring[:, 1].mean() for ring in drawn]))
        ax.set_aspect(1 / max(np.cos(np.radians(mean_lat)), 0.01))
        fig.legend(handles=handles, title=t(unit_key, lang), loc="upper left",
                   bbox_to_anchor=(0.63, 0.88), fontsize=8, title_fontsize=9, frameon=False,
                   alignment="left")
    footer = "\n".join(textwrap.wrap(caption(result, data_label, lang), 125))
    if layer in _RECORDED_LAYERS or layer in ("gap", "bivariate_class"):
        footer += "\n" + "\n".join(textwrap.wrap(t("summary.caveat", lang), 125))
    fig.text(0.03, 0.02, footer, fontsize=8, va="bottom", ha="left", color="#333333")
    metadata = {"CreationDate": None} if fmt == "pdf" else {}
    fig.savefig(path, format=fmt, metadata=metadata)
    return path
