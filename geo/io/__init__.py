"""File readers: public exports (Chicago, San Francisco, NYPD, police.uk, OSM) and generic files
(CSV, GeoJSON, GeoPackage, GeoParquet through a column mapping) into the canonical tables.

``read_table`` detects the format, adapts the file and validates it, returning the clean table
and a ValidationReport that accounts for every row (DESIGN §2).
"""

from geo._lazy import lazy_names
from geo.io._formats import FORMATS, GENERIC
from geo.io._mapping import ColumnMapping, load_mapping

# The readers load with the first file read, not with a project file's parse.
__getattr__ = lazy_names(__name__, dict.fromkeys(("LoadResult", "detect_format", "read_table"),
                                                 "_read"), globals())

__all__ = [
    "FORMATS",
    "GENERIC",
    "ColumnMapping",
    "LoadResult",
    "detect_format",
    "load_mapping",
    "read_table",
]
