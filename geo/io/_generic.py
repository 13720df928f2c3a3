"""The generic reader: any CSV, GeoJSON, GeoPackage or (Geo)Parquet, through a column mapping.

Surveys, app reports and one-off exports have no fixed layout, so the user says which column
is which (:mod:`geo.io._mapping` documents the format); files whose columns already carry
canonical names need no mapping. This module only turns mapped columns into a staged frame:
coordinates (lat/lon, projected x/y or grid ranges, or geometry), times (one column, or a date
and a time of day), Likert scales, labels. Every rule shared by all readers (bad coordinates,
ids, vocabularies) stays in the validators.

Clean files take a fast path (Arrow casts text to numbers and ISO times in C++); a column
with any bad value falls back to the text path so the validator can report each bad row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.columns import COLUMNS, ID_COLUMN
from geo.errors import FileFormatError, MappingError
from geo.io._categories import map_categories, normalise_label
from geo.io._clock import date_with_clock, parse_clock
from geo.io._geo import GEOMETRY_LAT, GEOMETRY_LON, read_geo_frame
from geo.io._grid import grid_centres
from geo.io._mapparts import TIME_COLUMNS
from geo.io._mapping import IDENTITY, ColumnMapping, identity_mapping
from geo.io._project import project_to_wgs84
from geo.io._text import (
    delimiter_hint,
    fast_floats,
    match_columns,
    read_csv_table,
    sniff_csv,
)
from geo.io._times import ISO, parse_times, precision_of_format, precision_of_text
from geo.schema import (
    LOCATION_COLUMN,
    ROW_COLUMN,
    VALIDATORS,
    LoadOptions,
    ReportBuilder,
    ValidationReport,
)

NUMBER_COLUMNS: frozenset[str] = frozenset({"lat", "lon", "weight", "insecurity"})


def infer_table(path: Path, available: list[str]) -> str:
    """The table whose id column the file has; :class:`FileFormatError` when that is unclear."""
    lower = {c.strip().lower() for c in available}
    hits = [table for table, id_col in ID_COLUMN.items() if id_col in lower]
    if len(hits) == 1:
        return hits[0]
    raise FileFormatError(
        str(path),
        "not a known export, and the table it fills is unclear: pass table= "
        "('incidents', 'perceptions' or 'venues') or a mapping with 'table'",
        expected=tuple(ID_COLUMN.values()),
        found=available,
    )


def read_generic(
    path: Path,
    kind: str,
    table: str | None,
    mapping: ColumnMapping | None,
    options: LoadOptions,
) -> tuple[pd.DataFrame, ValidationReport]:
    """Read ``path`` (``kind`` text/json/gpkg/parquet) into ``table`` through ``mapping``."""
    crs = mapping.coordinates.crs if mapping and mapping.coordinates else None
    if kind == "text":
        sniff = sniff_csv(path, mapping.delimiter if mapping else None)
        available = list(sniff.header)
        geo_frame, notes = None, []
    else:
        geo_frame, notes = read_geo_frame(path, kind, crs, mapping.layer if mapping else None)
        available = [c for c in geo_frame.columns if c not in (GEOMETRY_LAT, GEOMETRY_LON)]
    table = table or (mapping.table if mapping else None) or infer_table(path, available)
    mapping = (mapping or identity_mapping(table, available)).checked(table)
    has_geometry = geo_frame is not None and GEOMETRY_LAT in geo_frame
    wanted = _source_columns(path, mapping, table, available, has_geometry)
    hint = f" (named in the {mapping.origin}"
    hint += f"; {delimiter_hint(sniff)})" if geo_frame is None else ")"
    found = match_columns(path, available, list(wanted.values()), hint=hint)

    if geo_frame is None:
        raw = read_csv_table(sniff, include=list(found.values()))
        builder = raw.builder("generic", table)

        def get(name: str) -> pd.Series:
            return raw.strings(found[wanted[name]])

        rows = pd.Series(raw.rows)
    else:
        builder = ReportBuilder(str(path), "generic", table, len(geo_frame))
        if not len(geo_frame):
            builder.note("no data rows: the file has no features")
        geo_frame = geo_frame.reset_index(drop=True)

        def get(name: str) -> pd.Series:
            if name in ("_geometry_lat", "_geometry_lon"):
                return geo_frame[GEOMETRY_LAT if name.endswith("lat") else GEOMETRY_LON]
            return geo_frame[found[wanted[name]]]

        rows = pd.Series(range(1, len(geo_frame) + 1))
    for text in notes:
        builder.note(text)
    staged = _stage(table, mapping, wanted, get, rows, builder, options)
    return VALIDATORS[table](staged, builder, options)


def _source_columns(
    path: Path, mapping: ColumnMapping, table: str, available: list[str], has_geometry: bool
) -> dict[str, str]:
    """Staging name -> file column for everything the mapping reads from the file."""
    wanted = dict(mapping.columns)
    for name, pair in mapping.date_times.items():
        wanted.update({f"_{name}_date": pair.date, f"_{name}_time": pair.time})
    coords = mapping.coordinates
    if coords is not None and coords.x is not None:
        if coords.crs is None:
            raise FileFormatError(
                str(path), "unknown CRS for the projected x/y columns: name it in the mapping, "
                           "e.g. coordinates: {x: X, y: Y, crs: 'EPSG:2154'}")
        wanted.update(_x=coords.x, _y=coords.y)
    elif not {"lat", "lon"} <= set(wanted) | set(mapping.constants) and not has_geometry:
        if mapping.origin == IDENTITY:
            raise FileFormatError(
                str(path), "no coordinates: not a known export, and no lat/lon columns "
                           "(give a mapping)", expected=COLUMNS[table], found=available)
        raise MappingError(f"{mapping.origin}: no coordinates: map 'lat' and 'lon' in columns, "
                           "or give coordinates x/y/crs")
    if mapping.insecurity is not None and mapping.insecurity.column is not None:
        wanted["_insecurity"] = mapping.insecurity.column
    needs_answer = mapping.insecurity is None and "insecurity" not in wanted
    if table == "perceptions" and needs_answer and "insecurity" not in mapping.constants:
        if mapping.origin == IDENTITY:
            raise FileFormatError(str(path), "no insecurity column: give a mapping that says "
                                             "which column holds the answer and its scale",
                                  expected=COLUMNS[table], found=available)
        raise MappingError(f"{mapping.origin}: perceptions need 'insecurity' (a column and "
                           "its scale, or a constant)")
    return wanted


def _stage(
    table: str,
    mapping: ColumnMapping,
    wanted: dict[str, str],
    get: Any,
    rows: pd.Series,
    builder: ReportBuilder,
    options: LoadOptions,
) -> pd.DataFrame:
    """The staged frame: canonical names, values parsed where the format is ours to know."""
    staged: dict[str, Any] = {ROW_COLUMN: rows}
    formats = (mapping.time_format,) if mapping.time_format else (ISO,)
    failed_times = 0
    precision_given = "time_precision" in wanted | dict(mapping.constants)
    for name in COLUMNS[table]:
        if name in mapping.constants:
            staged[name] = pd.Series([mapping.constants[name]] * len(rows), dtype=object)
        elif name in mapping.date_times:
            joined = date_with_clock(get(f"_{name}_date"), get(f"_{name}_time"),
                                     mapping.date_format, end_of_day=name == "occurred_to")
            for reason, count in joined.counts.items():
                builder.repair(reason, count)
            if joined.counts["unparseable_time"] and not mapping.date_format:
                builder.note("some dates are not ISO 8601: give date_format in the mapping")
            if name == "occurred_from" and not precision_given:
                staged["time_precision"] = joined.precision
            staged[name] = joined.values
        elif name in wanted:
            values = get(name)
            if name in TIME_COLUMNS and not pd.api.types.is_datetime64_any_dtype(values):
                parsed, failed = parse_times(values, formats, options.timezone)
                failed_times += failed
                if name == "occurred_from" and not precision_given:
                    staged["time_precision"] = (
                        pd.Series(precision_of_format(mapping.time_format), index=rows.index)
                        if mapping.time_format else precision_of_text(values))
                values = parsed
            elif name in NUMBER_COLUMNS:
                values = fast_floats(values)
            elif name == "hour":
                values = _hours(values, builder)
            staged[name] = values
    builder.repair("unparseable_time", failed_times)
    if failed_times and not mapping.time_format:
        builder.note("some times are not ISO 8601: give time_format in the mapping")

    metres = np.full(len(rows), np.nan)
    if "_x" in wanted:
        (x, x_width), (y, y_width) = grid_centres(get("_x")), grid_centres(get("_y"))
        metres = np.fmax(x_width, y_width)
        builder.repair("grid_range_centre_used", int((~np.isnan(metres)).sum()))
        staged["lat"], staged["lon"] = project_to_wgs84(x, y, mapping.coordinates.crs)
    elif "lat" not in staged:
        staged["lat"], staged["lon"] = get("_geometry_lat"), get("_geometry_lon")
    if mapping.location_precision is not None:
        metres = np.fmax(metres, mapping.location_precision)
    if not np.isnan(metres).all():
        staged[LOCATION_COLUMN] = pd.Series(metres, index=rows.index)
    unknown_labels = None
    if table == "incidents":
        _stage_incidents(staged, mapping)
    elif table == "perceptions":
        unknown_labels = _stage_perceptions(staged, mapping, get)
    frame = pd.DataFrame({k: _aligned(v, rows.index) for k, v in staged.items()})
    if unknown_labels is not None:
        frame = builder.drop(frame, _aligned(unknown_labels, rows.index),
                             "unknown_insecurity_label")
    return frame


def _aligned(values: Any, index: pd.Index) -> Any:
    return values.reset_index(drop=True).set_axis(index) if isinstance(values, pd.Series) else (
        values)


def _stage_incidents(staged: dict[str, Any], mapping: ColumnMapping) -> None:
    if mapping.categories and "category" in staged:
        raw = staged["category"].astype("str")
        staged["category_raw"] = staged.get("category_raw", raw)
        staged["category"] = map_categories(raw, mapping.categories)
    if mapping.source is not None:
        staged["source"] = mapping.source


def _stage_perceptions(
    staged: dict[str, Any], mapping: ColumnMapping, get: Any
) -> pd.Series | None:
    """Insecurity and dayparts staged; returns the rows whose answer label is unknown."""
    scale = mapping.insecurity
    unknown = None
    if scale is not None and scale.constant is not None:
        staged["insecurity"] = scale.constant
    elif scale is not None:
        answers = get("_insecurity")
        staged["insecurity"] = scale.to_unit(answers)
        unknown = scale.unknown_labels(answers) if scale.labelled else None
    if mapping.dayparts and "daypart" in staged:
        keys = {normalise_label(k): v for k, v in mapping.dayparts.items()}
        raw = staged["daypart"].astype("str")
        staged["daypart"] = raw.map(lambda v: keys.get(normalise_label(v), v)
                                    if isinstance(v, str) else v)
    return unknown


def _hours(values: pd.Series, builder: ReportBuilder) -> pd.Series:
    """Hours as numbers; a time of day in text (``22:30``, ``9 PM``, ``2130``) gives its hour.

    Text that is neither a number nor a time of day is counted and cleared, never guessed.
    """
    if pd.api.types.is_numeric_dtype(values):
        return values
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    numbers = numbers.astype("float64").to_numpy()
    clock = parse_clock(values, bare_hours=True)
    read = ~np.isnan(clock.seconds)
    bare = text.str.fullmatch(r"\d{1,2}").fillna(False).to_numpy(dtype=bool)
    hours = np.where(read, clock.seconds // 3600 % 24, numbers)
    builder.repair("hour_read_from_text", int((read & ~bare).sum()))
    cleared = ~clock.blank & ~read & np.isnan(numbers)
    builder.repair("unparseable_hour_cleared", int(cleared.sum()))
    return pd.Series(hours, index=values.index, dtype="float64")
