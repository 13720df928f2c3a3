"""The column mapping: how a generic file (survey, app reports, any export) fills a table.

A mapping is a small YAML or JSON file (or the same as a dict). Every key is optional except
that the table must be known (here or from ``read_table(table=...)``)::

    table: perceptions            # incidents | perceptions | venues
    columns:                      # canonical column: column in the file
      response_id: id
      lat: latitude
      lon: longitude
      answered_at: date
      hour: hour                  # 0-23, or text like "22:00" / "22h"
      group: gender
      weight: w
    constants:                    # canonical column: one value for every row
      daypart: night              # e.g. an "after dark" question
    coordinates:                  # projected x/y instead of lat/lon ...
      x: X
      y: Y
      crs: "EPSG:2154"            # ... or, alone, the CRS of a geo file that does not say
    time_format: "%d/%m/%Y %H:%M" # strptime format of every time column; default ISO 8601
    insecurity:                   # perceptions: answers -> 0 (very safe) .. 1 (very unsafe)
      column: q7
      scale: [1, 4]               # [low, high], or the ordered labels ["very safe", ...]
      direction: higher_is_safer  # or higher_is_unsafe; required with a scale
      # constant: 1.0             # instead: every row is an "I feel unsafe here" pin (0.0: safe)
    categories:                   # incidents: raw label -> our taxonomy (case-insensitive)
      Vol: theft
      Agression: violence
    dayparts:                     # perceptions: raw daypart label -> day / evening / night / any
      "après 22h": night
    source: app                   # incidents: source label of every row
    delimiter: ";"                # CSV delimiter; sniffed among , ; tab | when absent
    layer: pins                   # layer of a multi-layer GeoPackage

Rules. Unmapped canonical columns are left empty and filled by the validator (ids from a row
hash, weight 1, daypart from the hour, ...). For geo files (GeoJSON, GeoPackage, GeoParquet)
lat/lon come from the geometry (a representative point, reprojected to WGS84) unless mapped.
Without a mapping, a file whose columns already carry canonical names is read as they are (the
identity mapping; what our sample generator writes). With ``categories``, the ``category``
column holds the raw labels: they are kept in ``category_raw`` and unknown ones become
``other`` (counted). Likert answers are scaled linearly onto 0..1; answers outside the scale or
not on it ("don't know") are dropped with a reason, never guessed.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from geo.columns import CATEGORIES, COLUMNS, DAYPARTS, TABLES
from geo.errors import MappingError
from geo.io._project import parse_crs

KEYS: tuple[str, ...] = (
    "categories", "columns", "constants", "coordinates", "dayparts", "delimiter",
    "insecurity", "layer", "source", "table", "time_format",
)
DIRECTIONS: tuple[str, ...] = ("higher_is_safer", "higher_is_unsafe")
IDENTITY = "identity mapping"
"""Origin of the mapping used when a file already has canonical column names."""
DERIVED: frozenset[str] = frozenset({"hours_known"})
"""Canonical columns a reader never takes from a file: the validator derives them."""


def _fail(origin: str, problem: str) -> MappingError:
    return MappingError(f"{origin}: {problem}")


def _check_keys(origin: str, where: str, data: AbcMapping, allowed: tuple[str, ...]) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise _fail(origin, f"unknown key {key!r} in {where}{hint}; "
                                f"allowed: {', '.join(allowed)}")


def _text_map(origin: str, name: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, AbcMapping) or not all(
        isinstance(v, str) and v.strip() for v in value.values()
    ):
        raise _fail(origin, f"{name!r} must map names to non-empty text")
    return {str(k): str(v).strip() for k, v in value.items()}


@dataclass(frozen=True)
class InsecurityScale:
    """How a survey answer becomes insecurity on 0 (very safe) .. 1 (very unsafe)."""

    column: str | None = None
    scale: tuple[Any, ...] = ()
    direction: str = "higher_is_unsafe"
    constant: float | None = None

    @classmethod
    def from_dict(cls, data: Any, origin: str) -> InsecurityScale:
        if not isinstance(data, AbcMapping):
            raise _fail(origin, "'insecurity' must be a mapping with column/scale/direction "
                                "or constant")
        _check_keys(origin, "insecurity", data, ("column", "constant", "direction", "scale"))
        if "constant" in data:
            if set(data) != {"constant"}:
                raise _fail(origin, "insecurity: 'constant' cannot be combined with other keys")
            value = data["constant"]
            if isinstance(value, bool) or not isinstance(value, int | float) or not (
                0 <= value <= 1
            ):
                raise _fail(origin, "insecurity: 'constant' must be a number from 0 to 1")
            return cls(constant=float(value))
        if not isinstance(data.get("column"), str):
            raise _fail(origin, "insecurity: give 'column' (the answer column) or 'constant'")
        scale = data.get("scale")
        if scale is None:
            return cls(column=data["column"])  # already 0..1
        if data.get("direction") not in DIRECTIONS:
            raise _fail(origin, "insecurity: 'direction' must be one of "
                                f"{', '.join(DIRECTIONS)} (which end of the scale is unsafe?)")
        numeric = (isinstance(scale, list) and len(scale) == 2
                   and all(isinstance(v, int | float) and not isinstance(v, bool) for v in scale))
        labels = (isinstance(scale, list) and len(scale) >= 2
                  and all(isinstance(v, str) for v in scale))
        if not (numeric and scale[0] < scale[1]) and not labels:
            raise _fail(origin, "insecurity: 'scale' must be [low, high] numbers (low < high) "
                                "or the ordered list of answer labels")
        return cls(column=data["column"], scale=tuple(scale), direction=data["direction"])

    def to_unit(self, values: pd.Series) -> pd.Series:
        """Answers on 0..1; NaN where not on the scale, out-of-scale numbers stay outside 0..1."""
        if not self.scale:
            return values
        if isinstance(self.scale[0], str):
            order = {str(label).strip().lower(): i for i, label in enumerate(self.scale)}
            key = values.astype("str").str.strip().str.lower()
            number = pd.Series(key.map(order), index=values.index, dtype="float64")
            low, high = 0.0, float(len(self.scale) - 1)
        else:
            text = values if pd.api.types.is_numeric_dtype(values) else (
                values.astype("str").str.strip().str.replace(",", ".", regex=False))
            number = pd.to_numeric(text, errors="coerce").astype("float64")
            low, high = float(self.scale[0]), float(self.scale[1])
        unit = (number - low) / (high - low)
        return 1.0 - unit if self.direction == "higher_is_safer" else unit


@dataclass(frozen=True)
class Coordinates:
    """Projected x/y columns and their CRS, or only the CRS of a geo file without one."""

    x: str | None = None
    y: str | None = None
    crs: str | None = None

    @classmethod
    def from_dict(cls, data: Any, origin: str) -> Coordinates:
        if not isinstance(data, AbcMapping):
            raise _fail(origin, "'coordinates' must be a mapping with x, y and crs")
        _check_keys(origin, "coordinates", data, ("crs", "x", "y"))
        x, y, crs = data.get("x"), data.get("y"), data.get("crs")
        if (x is None) != (y is None):
            raise _fail(origin, "coordinates: give both 'x' and 'y', or neither")
        if crs is not None:
            parse_crs(crs)
            crs = str(crs)
        return cls(x=x, y=y, crs=crs)


@dataclass(frozen=True)
class ColumnMapping:
    """A validated column mapping (see the module docstring for the file format)."""

    table: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    coordinates: Coordinates | None = None
    time_format: str | None = None
    insecurity: InsecurityScale | None = None
    categories: dict[str, str] = field(default_factory=dict)
    dayparts: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    delimiter: str | None = None
    layer: str | None = None
    origin: str = "mapping"

    @classmethod
    def from_dict(cls, data: Any, origin: str = "mapping") -> ColumnMapping:
        """Validate a parsed mapping; :class:`MappingError` says what is wrong and where."""
        if not isinstance(data, AbcMapping):
            raise _fail(origin, "a mapping must be a YAML/JSON object of keys "
                                f"({', '.join(KEYS)}), got {type(data).__name__}")
        _check_keys(origin, "the mapping", data, KEYS)
        table = data.get("table")
        if table is not None and table not in TABLES:
            raise _fail(origin, f"unknown table {table!r}; one of {', '.join(TABLES)}")
        constants = data.get("constants") or {}
        if not isinstance(constants, AbcMapping):
            raise _fail(origin, "'constants' must map canonical columns to values")
        for name in ("time_format", "source", "delimiter", "layer"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise _fail(origin, f"{name!r} must be text")
        if data.get("delimiter") is not None and len(data["delimiter"]) != 1:
            raise _fail(origin, "'delimiter' must be one character")
        categories = _text_map(origin, "categories", data.get("categories"))
        bad = sorted({v for v in categories.values() if v not in CATEGORIES})
        if bad:
            raise _fail(origin, f"categories map onto unknown categories {bad}; "
                                f"ours are {', '.join(CATEGORIES)}")
        dayparts = _text_map(origin, "dayparts", data.get("dayparts"))
        bad = sorted({v for v in dayparts.values() if v not in DAYPARTS})
        if bad:
            raise _fail(origin, f"dayparts map onto unknown dayparts {bad}; "
                                f"use {', '.join(DAYPARTS)}")
        return cls(
            table=table,
            columns=_text_map(origin, "columns", data.get("columns")),
            constants=dict(constants),
            coordinates=(Coordinates.from_dict(data["coordinates"], origin)
                         if data.get("coordinates") is not None else None),
            time_format=data.get("time_format"),
            insecurity=(InsecurityScale.from_dict(data["insecurity"], origin)
                        if data.get("insecurity") is not None else None),
            categories=categories,
            dayparts=dayparts,
            source=data.get("source"),
            delimiter=data.get("delimiter"),
            layer=data.get("layer"),
            origin=origin,
        )

    def checked(self, table: str) -> ColumnMapping:
        """Check the mapping against a table's canonical columns (read_table calls this)."""
        if self.table is not None and self.table != table:
            raise _fail(self.origin, f"the mapping is for table {self.table!r}, "
                                     f"not {table!r}")
        allowed = tuple(c for c in COLUMNS[table] if c not in DERIVED)
        _check_keys(self.origin, "columns", self.columns, allowed)
        _check_keys(self.origin, "constants", self.constants, allowed)
        both = sorted(set(self.columns) & set(self.constants))
        if both:
            raise _fail(self.origin, f"{both} given both as a column and as a constant")
        projected = self.coordinates is not None and self.coordinates.x is not None
        if projected and ({"lat", "lon"} & set(self.columns)):
            raise _fail(self.origin, "give lat/lon columns or coordinates x/y, not both")
        only = {"insecurity": "perceptions", "categories": "incidents",
                "dayparts": "perceptions", "source": "incidents"}
        for key, owner in only.items():
            if getattr(self, key) and table != owner:
                raise _fail(self.origin, f"{key!r} only applies to the {owner} table")
        if self.insecurity is not None and "insecurity" in self.columns:
            raise _fail(self.origin, "insecurity given both in 'columns' and in 'insecurity'")
        return self


def load_mapping(mapping: str | Path | AbcMapping | ColumnMapping) -> ColumnMapping:
    """A validated :class:`ColumnMapping` from a YAML/JSON file path, a dict, or a ColumnMapping."""
    if isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, AbcMapping):
        return ColumnMapping.from_dict(mapping)
    path = Path(mapping)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MappingError(f"{path}: cannot read the mapping file: {exc}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise MappingError(f"{path}: not valid {kind}: {exc}") from None
    return ColumnMapping.from_dict(data, origin=str(path))


def identity_mapping(table: str, available: list[str]) -> ColumnMapping:
    """The mapping of a file whose columns already carry canonical names."""
    lower = {c.strip().lower(): c for c in available}
    columns = {c: lower[c] for c in COLUMNS[table] if c in lower and c not in DERIVED}
    return ColumnMapping(table=table, columns=columns, origin=IDENTITY)

