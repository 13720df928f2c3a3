"""Parts of a column mapping: date/time column pairs, the insecurity scale, coordinates.

Split from :mod:`geo.io._mapping` (which documents the whole format) so each stays short;
every check raises :class:`MappingError` naming the mapping and the key at fault.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from geo.errors import MappingError
from geo.io._project import parse_crs

TIME_COLUMNS: frozenset[str] = frozenset({"occurred_from", "occurred_to", "answered_at"})
"""Canonical datetime columns: each may come from one column or from a date and a time."""
DIRECTIONS: tuple[str, ...] = ("higher_is_safer", "higher_is_unsafe")


def fail(origin: str, problem: str) -> MappingError:
    return MappingError(f"{origin}: {problem}")


def check_keys(origin: str, where: str, data: AbcMapping, allowed: tuple[str, ...]) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(origin, f"unknown key {key!r} in {where}{hint}; "
                                f"allowed: {', '.join(allowed)}")


def text_map(origin: str, name: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, AbcMapping) or not all(
        isinstance(v, str) and v.strip() for v in value.values()
    ):
        raise fail(origin, f"{name!r} must map names to non-empty text")
    return {str(k): str(v).strip() for k, v in value.items()}


@dataclass(frozen=True)
class DateTimeColumns:
    """A canonical time read from two columns: a date and a time of day (police exports)."""

    date: str
    time: str


def split_columns(origin: str, value: Any) -> tuple[dict[str, str], dict[str, DateTimeColumns]]:
    """Plain ``columns`` entries, and the time columns given as ``{date: .., time: ..}``."""
    if value is None:
        return {}, {}
    if not isinstance(value, AbcMapping):
        raise fail(origin, "'columns' must map canonical columns to file columns")
    plain = {k: v for k, v in value.items() if not isinstance(v, AbcMapping)}
    split: dict[str, DateTimeColumns] = {}
    for name, parts in value.items():
        if not isinstance(parts, AbcMapping):
            continue
        where = f"columns.{name}"
        if name not in TIME_COLUMNS:
            raise fail(origin, f"{where}: only {', '.join(sorted(TIME_COLUMNS))} may be "
                                "given as {date: ..., time: ...}")
        check_keys(origin, where, parts, ("date", "time"))
        texts = text_map(origin, where, parts)
        if set(texts) != {"date", "time"}:
            raise fail(origin, f"{where}: give both 'date' and 'time' (the two columns); "
                                "a date alone is a plain column with time_format")
        split[str(name)] = DateTimeColumns(date=texts["date"], time=texts["time"])
    return text_map(origin, "columns", plain), split


@dataclass(frozen=True)
class InsecurityScale:
    """How a survey answer becomes insecurity on 0 (very safe) .. 1 (very unsafe)."""

    column: str | None = None
    scale: tuple[Any, ...] = ()
    direction: str = "higher_is_unsafe"
    constant: float | None = None
    values: dict[str, float] = field(default_factory=dict)
    """Label -> insecurity (``{unsafe: 1, safe: 0}``): pins with their feeling in one column."""

    @classmethod
    def from_dict(cls, data: Any, origin: str) -> InsecurityScale:
        if not isinstance(data, AbcMapping):
            raise fail(origin, "'insecurity' must be a mapping with column/scale/direction, "
                                "column/values, or constant")
        check_keys(origin, "insecurity", data,
                    ("column", "constant", "direction", "scale", "values"))
        if "constant" in data:
            if set(data) != {"constant"}:
                raise fail(origin, "insecurity: 'constant' cannot be combined with other keys")
            return cls(constant=_unit_number(origin, "'constant'", data["constant"]))
        if not isinstance(data.get("column"), str):
            raise fail(origin, "insecurity: give 'column' (the answer column) or 'constant'")
        if "values" in data:
            if set(data) != {"column", "values"}:
                raise fail(origin, "insecurity: 'values' gives each label its insecurity; "
                                    "it cannot be combined with 'scale' or 'direction'")
            return cls(column=data["column"], values=_label_values(origin, data["values"]))
        scale = data.get("scale")
        if scale is None:
            return cls(column=data["column"])  # already 0..1
        if data.get("direction") not in DIRECTIONS:
            raise fail(origin, "insecurity: 'direction' must be one of "
                                f"{', '.join(DIRECTIONS)} (which end of the scale is unsafe?)")
        numeric = (isinstance(scale, list) and len(scale) == 2
                   and all(isinstance(v, int | float) and not isinstance(v, bool) for v in scale))
        labels = (isinstance(scale, list) and len(scale) >= 2
                  and all(isinstance(v, str) for v in scale))
        if not (numeric and scale[0] < scale[1]) and not labels:
            raise fail(origin, "insecurity: 'scale' must be [low, high] numbers (low < high) "
                                "or the ordered list of answer labels")
        return cls(column=data["column"], scale=tuple(scale), direction=data["direction"])

    @property
    def labelled(self) -> bool:
        """True when answers are labels (``values``, or a scale of labels), not numbers."""
        return bool(self.values) or bool(self.scale) and isinstance(self.scale[0], str)

    def to_unit(self, values: pd.Series) -> pd.Series:
        """Answers on 0..1; NaN where not on the scale, out-of-scale numbers stay outside 0..1."""
        if self.labelled:
            key = _label_key(values)
            if self.values:
                return pd.Series(key.map(self.values), index=values.index, dtype="float64")
            order = {_label_text(label): i for i, label in enumerate(self.scale)}
            number = pd.Series(key.map(order), index=values.index, dtype="float64")
            low, high = 0.0, float(len(self.scale) - 1)
        elif self.scale:
            text = values if pd.api.types.is_numeric_dtype(values) else (
                values.astype("str").str.strip().str.replace(",", ".", regex=False))
            number = pd.to_numeric(text, errors="coerce").astype("float64")
            low, high = float(self.scale[0]), float(self.scale[1])
        else:
            return values
        unit = (number - low) / (high - low)
        return 1.0 - unit if self.direction == "higher_is_safer" else unit

    def unknown_labels(self, values: pd.Series) -> pd.Series:
        """True where a label is written but is not one the mapping knows (never guessed)."""
        if not self.labelled:
            return pd.Series(False, index=values.index)
        key = _label_key(values)
        known = self.values.keys() if self.values else {_label_text(v) for v in self.scale}
        return (key.notna() & (key != "") & ~key.isin(list(known))).astype(bool)


def _label_text(label: Any) -> str:
    return " ".join(str(label).split()).lower()


def _label_key(values: pd.Series) -> pd.Series:
    """Labels as matched: lower case, single spaces, no surrounding blanks (vectorised)."""
    return (values.astype("string").str.replace(r"\s+", " ", regex=True)
            .str.strip().str.lower())


def _unit_number(origin: str, what: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise fail(origin, f"insecurity: {what} must be a number from 0 to 1")
    return float(value)


def _label_values(origin: str, data: Any) -> dict[str, float]:
    """``{unsafe: 1, safe: 0}`` checked: text labels, numbers from 0 to 1."""
    if not isinstance(data, AbcMapping) or not data:
        raise fail(origin, "insecurity: 'values' must map answer labels to numbers from 0 to "
                            "1, e.g. {unsafe: 1, safe: 0}")
    out: dict[str, float] = {}
    for label, value in data.items():
        if isinstance(label, bool):  # YAML 1.1 reads yes/no/on/off as booleans
            raise fail(origin, f"insecurity: the label {label!r} was read as a boolean: "
                                "quote it in the YAML (\"yes\": 1)")
        if not str(label).strip():
            raise fail(origin, "insecurity: 'values' has an empty label")
        out[_label_text(label)] = _unit_number(origin, f"the value of {label!r}", value)
    return out


@dataclass(frozen=True)
class Coordinates:
    """Projected x/y columns and their CRS, or only the CRS of a geo file without one."""

    x: str | None = None
    y: str | None = None
    crs: str | None = None

    @classmethod
    def from_dict(cls, data: Any, origin: str) -> Coordinates:
        if not isinstance(data, AbcMapping):
            raise fail(origin, "'coordinates' must be a mapping with x, y and crs")
        check_keys(origin, "coordinates", data, ("crs", "x", "y"))
        x, y, crs = data.get("x"), data.get("y"), data.get("crs")
        if (x is None) != (y is None):
            raise fail(origin, "coordinates: give both 'x' and 'y', or neither")
        if crs is not None:
            parse_crs(crs)
            crs = str(crs)
        return cls(x=x, y=y, crs=crs)
