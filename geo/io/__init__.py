"""File readers: public exports (Chicago, San Francisco, NYPD, police.uk, OSM) and generic files
(CSV, GeoJSON, GeoPackage, GeoParquet through a column mapping) into the canonical tables.

``read_table`` detects the format, adapts the file and validates it, returning the clean table
and a ValidationReport that accounts for every row (DESIGN §2).
"""

from geo.io._mapping import ColumnMapping, load_mapping
from geo.io._read import FORMATS, GENERIC, LoadResult, detect_format, read_table

__all__ = [
    "FORMATS",
    "GENERIC",
    "ColumnMapping",
    "LoadResult",
    "detect_format",
    "load_mapping",
    "read_table",
]
