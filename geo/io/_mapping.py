"""The column mapping: how a generic file (survey, app reports, any export) fills a table.

A mapping is a small YAML or JSON file (or the same as a dict). Every key is optional except
that the table must be known (here or from ``read_table(table=...)``)::

    table: perceptions            # incidents | perceptions | venues
    columns:                      # canonical column: column in the file
      response_id: id
      lat: latitude
      lon: longitude
      answered_at: date
      hour: hour                  # 0-23, or a time of day: "22:00", "22h", "2130", "9 PM"
      group: gender
      weight: w
    constants:                    # canonical column: one value for every row
      daypart: night              # e.g. an "after dark" question
    coordinates:                  # projected x/y instead of lat/lon ...
      x: X                        # numbers, or grid ranges "6588500-6588999" (cell centre used)
      y: Y
      crs: "EPSG:2154"            # ... or, alone, the CRS of a geo file that does not say
    location_precision: 250       # metres every place may be off (grid, snap points, block)
    time_format: "%d/%m/%Y %H:%M" # strptime format of every time column; default ISO 8601
    insecurity:                   # perceptions: answers -> 0 (very safe) .. 1 (very unsafe)
      column: q7
      scale: [1, 4]               # [low, high], or the ordered labels ["very safe", ...]
      direction: higher_is_safer  # or higher_is_unsafe; required with a scale
      # values: {unsafe: 1, safe: 0}  # instead of scale: each label's insecurity
      # constant: 1.0             # instead: every row is an "I feel unsafe here" pin (0.0: safe)
    categories:                   # incidents: raw label -> our taxonomy (case-insensitive)
      Vol: theft
      Agression: violence
    dayparts:                     # perceptions: raw daypart label -> day / evening / night / any
      "après 22h": night
    source: app                   # incidents: source label of every row
    delimiter: ";"                # CSV delimiter; sniffed among , ; tab | when absent
    layer: pins                   # layer of a multi-layer GeoPackage

Date and time in two columns (most police exports): any time column (``occurred_from``,
``occurred_to``, ``answered_at``) may name a date column and a time-of-day column::

    columns:
      occurred_from: {date: CMPLNT_FR_DT, time: CMPLNT_FR_TM}
      occurred_to: {date: CMPLNT_TO_DT, time: CMPLNT_TO_TM}
    date_format: "%m/%d/%Y"       # strptime format of the date parts; default ISO (2024-03-05)

The time of day may be written ``2130``, ``21:30``, ``21:30:00``, ``9:30 PM``, ``9 PM``,
``21h30``, ``21h`` or ``21.30`` (:mod:`geo.io._clock`); ``9 PM`` and ``21h`` are known to the
hour. A date with a blank time is known to the day (``time_precision`` ``day``, not midnight;
an ``occurred_to`` runs to 23:59) and counted as ``missing_time_of_day``; an unreadable or
ambiguous time (a bare ``5``: 05:00 or 00:05?) keeps the date at day precision and is counted,
never guessed.

Rules. Unmapped canonical columns are left empty and filled by the validator (ids from a row
hash, weight 1, daypart from the hour, ...). For geo files (GeoJSON, GeoPackage, GeoParquet)
lat/lon come from the geometry (a representative point, reprojected to WGS84) unless mapped.
Without a mapping, a file whose columns already carry canonical names is read as they are (the
identity mapping; what our sample generator writes). With ``categories``, the ``category``
column holds the raw labels: they are kept in ``category_raw`` and unknown ones become
``other`` (counted). Likert answers are scaled linearly onto 0..1; answers outside the scale or
not on it ("don't know") are dropped with a reason, never guessed; so are labels that
``values`` does not list (matched ignoring case and spacing). Grid-range coordinates use the
centre of the cell, are counted (``grid_range_centre_used``), and the cell width in metres is
the rows' location precision (the coarser of it and ``location_precision``), which the
ValidationReport counts per precision (``location_precision``, ``location_precision_m``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from geo.columns import CATEGORIES, COLUMNS, DAYPARTS, TABLES
from geo.errors import MappingError
from geo.io._mapparts import (
    Coordinates,
    DateTimeColumns,
    InsecurityScale,
    check_keys,
    fail,
    split_columns,
    text_map,
)

KEYS: tuple[str, ...] = (
    "categories", "columns", "constants", "coordinates", "date_format", "dayparts", "delimiter",
    "insecurity", "layer", "location_precision", "source", "table", "time_format",
)
IDENTITY = "identity mapping"
"""Origin of the mapping used when a file already has canonical column names."""
DERIVED: frozenset[str] = frozenset({"hours_known"})
"""Canonical columns a reader never takes from a file: the validator derives them."""


@dataclass(frozen=True)
class ColumnMapping:
    """A validated column mapping (see the module docstring for the file format)."""

    table: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    coordinates: Coordinates | None = None
    time_format: str | None = None
    date_times: dict[str, DateTimeColumns] = field(default_factory=dict)
    """Time columns read from a date column and a time-of-day column."""
    date_format: str | None = None
    """strptime format of the date part of ``date_times``; default ISO (``2024-03-05``)."""
    location_precision: float | None = None
    """Metres every row's place may be off (a grid, snap points, block level)."""
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
            raise fail(origin, "a mapping must be a YAML/JSON object of keys "
                                f"({', '.join(KEYS)}), got {type(data).__name__}")
        check_keys(origin, "the mapping", data, KEYS)
        table = data.get("table")
        if table is not None and table not in TABLES:
            raise fail(origin, f"unknown table {table!r}; one of {', '.join(TABLES)}")
        constants = data.get("constants") or {}
        if not isinstance(constants, AbcMapping):
            raise fail(origin, "'constants' must map canonical columns to values")
        for name in ("time_format", "date_format", "source", "delimiter", "layer"):
            if data.get(name) is not None and not isinstance(data[name], str):
                raise fail(origin, f"{name!r} must be text")
        if data.get("delimiter") is not None and len(data["delimiter"]) != 1:
            raise fail(origin, "'delimiter' must be one character")
        categories = text_map(origin, "categories", data.get("categories"))
        bad = sorted({v for v in categories.values() if v not in CATEGORIES})
        if bad:
            raise fail(origin, f"categories map onto unknown categories {bad}; "
                                f"ours are {', '.join(CATEGORIES)}")
        dayparts = text_map(origin, "dayparts", data.get("dayparts"))
        bad = sorted({v for v in dayparts.values() if v not in DAYPARTS})
        if bad:
            raise fail(origin, f"dayparts map onto unknown dayparts {bad}; "
                                f"use {', '.join(DAYPARTS)}")
        columns, date_times = split_columns(origin, data.get("columns"))
        if data.get("date_format") is not None and not date_times:
            raise fail(origin, "'date_format' is for time columns given as {date: ..., "
                                "time: ...}; for one column use 'time_format'")
        metres = data.get("location_precision")
        if metres is not None and (isinstance(metres, bool) or not isinstance(
                metres, int | float) or not 0 < metres < float("inf")):
            raise fail(origin, "'location_precision' must be a positive number of metres "
                                "(e.g. 500 for a 500 m grid)")
        return cls(
            table=table,
            columns=columns,
            date_times=date_times,
            date_format=data.get("date_format"),
            location_precision=float(metres) if metres is not None else None,
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
            raise fail(self.origin, f"the mapping is for table {self.table!r}, "
                                     f"not {table!r}")
        allowed = tuple(c for c in COLUMNS[table] if c not in DERIVED)
        check_keys(self.origin, "columns", {**self.columns, **self.date_times}, allowed)
        check_keys(self.origin, "constants", self.constants, allowed)
        both = sorted((set(self.columns) | set(self.date_times)) & set(self.constants))
        if both:
            raise fail(self.origin, f"{both} given both as a column and as a constant")
        projected = self.coordinates is not None and self.coordinates.x is not None
        if projected and ({"lat", "lon"} & set(self.columns)):
            raise fail(self.origin, "give lat/lon columns or coordinates x/y, not both")
        only = {"insecurity": "perceptions", "categories": "incidents",
                "dayparts": "perceptions", "source": "incidents"}
        for key, owner in only.items():
            if getattr(self, key) and table != owner:
                raise fail(self.origin, f"{key!r} only applies to the {owner} table")
        if self.insecurity is not None and "insecurity" in self.columns:
            raise fail(self.origin, "insecurity given both in 'columns' and in 'insecurity'")
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

