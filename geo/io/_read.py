"""``read_table``: one entry point from any supported file to a clean canonical table.

It names the format (from the headers, or as the caller says), hands the file to that format's
reader, and returns the table with its ValidationReport. Users only ever see
:class:`~geo.errors.FileFormatError` or :class:`~geo.errors.MappingError` for bad files: library
errors a reader did not anticipate are wrapped, never shown as a raw traceback.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from geo.columns import TABLES
from geo.errors import AtlasError, FileFormatError
from geo.io._chicago import read_chicago
from geo.io._formats import FORMATS, GENERIC
from geo.io._generic import read_generic
from geo.io._geo import geojson_features, load_json
from geo.io._mapping import ColumnMapping, load_mapping
from geo.io._nypd import read_nypd
from geo.io._osm import is_osm, read_osm
from geo.io._policeuk import read_policeuk
from geo.io._sf import read_sf
from geo.io._text import column_key, sniff_csv, sniff_kind
from geo.schema import LoadOptions, ValidationReport

SIGNATURES: dict[str, tuple[str, ...]] = {
    "chicago": ("ID", "Case Number", "Primary Type"),
    "sf": ("Incident ID", "Incident Category"),
    "nypd": ("CMPLNT_NUM", "CMPLNT_FR_DT"),
    "policeuk": ("Crime ID", "Crime type"),
}
"""Header columns that identify each CSV export (matched ignoring case and ``_``/space).

Deliberately fewer than each reader requires: a Chicago export that lost its Latitude column
is still recognised, and its reader then names the missing column instead of a vague
"unknown format"."""

_CSV_READERS: dict[str, Callable[[Path, LoadOptions], tuple[pd.DataFrame, ValidationReport]]] = {
    "chicago": read_chicago,
    "sf": read_sf,
    "nypd": read_nypd,
    "policeuk": read_policeuk,
}


@dataclass(frozen=True)
class LoadResult:
    """A clean canonical table, the report of how it was made, and what was read."""

    frame: pd.DataFrame
    report: ValidationReport
    format: str
    table: str


def _detect(path: Path) -> tuple[str, str, Any]:
    """Format, file kind and (for JSON) the parsed document, so it is parsed once."""
    kind = sniff_kind(path)
    if kind == "json":
        doc = load_json(path)
        return ("osm" if is_osm(geojson_features(path, doc)) else GENERIC), kind, doc
    if kind != "text":
        return GENERIC, kind, None
    header = {column_key(h) for h in sniff_csv(path).header}
    for name, signature in SIGNATURES.items():
        if {column_key(c) for c in signature} <= header:
            return name, kind, None
    return GENERIC, kind, None


def detect_format(path: str | Path) -> str:
    """The format of a file, from its header or content.

    Returns
    -------
    str
        ``chicago``, ``sf``, ``nypd``, ``policeuk``, ``osm`` or ``generic``.

    Raises
    ------
    FileFormatError
        The file is missing, empty or not a table at all.
    """
    return _detect(Path(path))[0]


def read_table(
    path: str | Path,
    table: str | None = None,
    *,
    format: str | None = None,
    mapping: str | Path | dict | ColumnMapping | None = None,
    options: LoadOptions = LoadOptions(),
) -> LoadResult:
    """Read a file into a clean canonical table with its ValidationReport.

    Parameters
    ----------
    path
        CSV export, GeoJSON, GeoPackage or (Geo)Parquet file.
    table
        ``incidents``, ``perceptions`` or ``venues``; default: the format's own table (for
        generic files: the mapping's, or the one whose id column the file has).
    format
        Skip detection: one of :data:`FORMATS` or ``generic``.
    mapping
        Column mapping (YAML/JSON path, dict or ColumnMapping) for a generic file; implies
        ``format="generic"``.
    options
        Time zone, study area, default-time handling, source label.

    Returns
    -------
    LoadResult
        ``frame`` passes :func:`geo.schema.check_contract`; ``report`` accounts for every row.

    Raises
    ------
    FileFormatError
        The file is unusable: empty, not a table, wrong columns, unknown CRS, ...
    MappingError
        The mapping is malformed or does not fit the table.
    ValueError
        ``table`` or ``format`` is not a known name, or a mapping is given with another format.
    """
    path = Path(path)
    if table is not None and table not in TABLES:
        raise ValueError(f"unknown table {table!r}; one of {', '.join(TABLES)}")
    if format is not None and format not in FORMATS and format != GENERIC:
        raise ValueError(f"unknown format {format!r}; one of {', '.join([*FORMATS, GENERIC])}")
    if mapping is not None and format not in (None, GENERIC):
        raise ValueError(f"a mapping applies to generic files, not to the {format} format")
    column_mapping = load_mapping(mapping) if mapping is not None else None
    try:
        return _read(path, table, format, column_mapping, options)
    except AtlasError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OSError, UnicodeError,
            pa.ArrowException) as exc:
        # A reader met input it did not foresee: still one clear error, never a traceback.
        raise FileFormatError(str(path), f"cannot read: {type(exc).__name__}: {exc}") from exc


def _read(
    path: Path,
    table: str | None,
    format: str | None,
    mapping: ColumnMapping | None,
    options: LoadOptions,
) -> LoadResult:
    doc = None
    if mapping is not None:
        format, kind = GENERIC, sniff_kind(path)
    elif format is None:
        format, kind, doc = _detect(path)
    else:
        kind = sniff_kind(path)
    own = FORMATS.get(format)
    if own is not None and table is not None and table != own:
        raise FileFormatError(str(path), f"a {format} export fills the {own} table, not {table}")
    if format in _CSV_READERS:
        if kind != "text":
            raise FileFormatError(str(path), f"a {format} export is a CSV file; this is {kind}")
        frame, report = _CSV_READERS[format](path, options)
    elif format == "osm":
        if kind != "json":
            raise FileFormatError(str(path), f"an OSM extract is GeoJSON; this is {kind}")
        frame, report = read_osm(path, options, doc)
    else:
        frame, report = read_generic(path, kind, table, mapping, options)
    return LoadResult(frame, _with_hints(report), format, report.table)


def _with_hints(report: ValidationReport) -> ValidationReport:
    """Add a note when most coordinates are out of range: usually a projected CRS."""
    out_of_range = report.dropped.get("out_of_range_coordinates", 0)
    if report.rows_in and out_of_range > report.rows_in / 2:
        note = ("most coordinates are outside lat/lon range: the file may use a projected CRS "
                "(give coordinates x/y/crs in a mapping)")
        return dataclasses.replace(report, notes=(*report.notes, note))
    return report
