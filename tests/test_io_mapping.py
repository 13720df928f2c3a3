"""The mapping format: examples load, mistakes get a MappingError that says what and where."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from geo.errors import MappingError
from geo.io import ColumnMapping, load_mapping

EXAMPLES = Path(__file__).resolve().parents[1] / "geo" / "io" / "examples"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_is_valid_for_its_table(path: Path) -> None:
    mapping = load_mapping(path)
    assert mapping.table is not None
    mapping.checked(mapping.table)


def test_one_example_per_table() -> None:
    tables = {load_mapping(p).table for p in EXAMPLES.glob("*.yaml")}
    assert tables == {"incidents", "perceptions", "venues"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"tabel": "incidents"}, "unknown key 'tabel'.*did you mean 'table'"),
        ({"table": "crimes"}, "unknown table 'crimes'"),
        ({"columns": ["lat", "lon"]}, "'columns' must map"),
        ({"categories": {"Vol": "stealing"}}, "unknown categories"),
        ({"dayparts": {"soir": "dusk"}}, "unknown dayparts"),
        ({"insecurity": {"column": "q", "scale": [1, 4]}}, "direction"),
        ({"insecurity": {"column": "q", "scale": [4, 1], "direction": "higher_is_safer"}},
         "scale"),
        ({"insecurity": {"constant": 2}}, "from 0 to 1"),
        ({"insecurity": {"constant": 1, "column": "q"}}, "cannot be combined"),
        ({"coordinates": {"x": "X"}}, "both 'x' and 'y'"),
        ({"coordinates": {"x": "X", "y": "Y", "crs": "EPSG:999999"}}, "unknown CRS"),
        ({"delimiter": ";;"}, "one character"),
        ([1, 2], "must be a YAML/JSON object"),
        ({"columns": {"lat": {"date": "d", "time": "t"}}}, "only answered_at, occurred_from"),
        ({"columns": {"occurred_from": {"date": "d"}}}, "give both 'date' and 'time'"),
        ({"columns": {"occurred_from": {"date": "d", "time": "t", "tz": "z"}}},
         "unknown key 'tz' in columns.occurred_from"),
        ({"columns": {"occurred_from": {"date": "d", "time": ""}}}, "non-empty text"),
        ({"date_format": "%d/%m/%Y"}, "'date_format' is for time columns given as"),
        ({"columns": {"occurred_from": {"date": "d", "time": "t"}}, "date_format": 5},
         "'date_format' must be text"),
        ({"location_precision": 0}, "positive number of metres"),
        ({"location_precision": "500 m"}, "positive number of metres"),
        ({"insecurity": {"column": "k", "values": {"unsafe": 2}}}, "from 0 to 1"),
        ({"insecurity": {"column": "k", "values": []}}, "'values' must map answer labels"),
        ({"insecurity": {"column": "k", "values": {True: 1, False: 0}}},
         "read as a boolean: quote it"),
        ({"insecurity": {"column": "k", "values": {"unsafe": 1}, "scale": ["a", "b"]}},
         "cannot be combined with 'scale'"),
        ({"insecurity": {"values": {"unsafe": 1}}}, "give 'column'"),
    ],
)
def test_malformed_mappings(data: object, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        ColumnMapping.from_dict(data)


@pytest.mark.parametrize(
    ("data", "table", "message"),
    [
        ({"columns": {"latitude": "lat"}}, "incidents", "unknown key 'latitude' in columns"),
        ({"columns": {"hours_known": "h"}}, "venues", "unknown key 'hours_known'"),
        ({"table": "venues"}, "incidents", "for table 'venues'"),
        ({"insecurity": {"constant": 1}}, "incidents", "only applies to the perceptions"),
        ({"categories": {"a": "theft"}}, "venues", "only applies to the incidents"),
        ({"columns": {"lat": "a"}, "coordinates": {"x": "X", "y": "Y"}}, "incidents",
         "not both"),
        ({"columns": {"source": "s"}, "constants": {"source": "app"}}, "incidents",
         "both as a column and as a constant"),
        ({"columns": {"answered_at": {"date": "d", "time": "t"}}}, "incidents",
         "unknown key 'answered_at' in columns"),
        ({"columns": {"occurred_to": {"date": "d", "time": "t"}},
          "constants": {"occurred_to": "2024-01-01"}}, "incidents",
         "both as a column and as a constant"),
    ],
)
def test_mappings_that_do_not_fit_the_table(data: dict, table: str, message: str) -> None:
    with pytest.raises(MappingError, match=message):
        ColumnMapping.from_dict(data).checked(table)


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("table: incidents\ncolumns: {lat: a, lon: [b\n")
    with pytest.raises(MappingError, match="broken.yaml: not valid YAML"):
        load_mapping(path)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="cannot read the mapping file"):
        load_mapping(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    ("scale", "direction", "answers", "expected"),
    [
        ((1, 5), "higher_is_unsafe", ["1", "3", "5"], [0.0, 0.5, 1.0]),
        ((1, 5), "higher_is_safer", ["1", "3", "5"], [1.0, 0.5, 0.0]),
        ((0, 10), "higher_is_safer", ["2,5"], [0.75]),  # decimal comma
        (("safe", "unsafe"), "higher_is_unsafe", [" Unsafe ", "SAFE", "?"], [1.0, 0.0, None]),
        (("very  safe", "very unsafe"), "higher_is_unsafe", ["Very   Unsafe", None],
         [1.0, None]),
    ],
)
def test_scale_to_unit(scale, direction, answers, expected) -> None:
    spec = ColumnMapping.from_dict(
        {"insecurity": {"column": "q", "scale": list(scale), "direction": direction}}
    ).insecurity
    got = spec.to_unit(pd.Series(answers, dtype="str")).tolist()
    assert [None if pd.isna(v) else pytest.approx(v) for v in got] == expected


def test_label_values_and_unknown_labels() -> None:
    spec = ColumnMapping.from_dict(
        {"insecurity": {"column": "kind", "values": {"Unsafe": 1, "safe": 0, "a bit  unsafe": 0.6}}}
    ).insecurity
    answers = pd.Series(["UNSAFE", " safe", "A bit unsafe", "maybe", "", None])
    assert spec.labelled
    got = spec.to_unit(answers).tolist()
    assert [None if pd.isna(v) else v for v in got] == [1.0, 0.0, 0.6, None, None, None]
    assert spec.unknown_labels(answers).tolist() == [False, False, False, True, False, False]


def test_date_time_columns_and_location_precision_are_kept() -> None:
    mapping = ColumnMapping.from_dict(
        {"table": "incidents",
         "columns": {"incident_id": "id", "occurred_from": {"date": "D", "time": "T"}},
         "date_format": "%d.%m.%Y", "location_precision": 250}).checked("incidents")
    assert mapping.columns == {"incident_id": "id"}
    assert (mapping.date_times["occurred_from"].date,
            mapping.date_times["occurred_from"].time) == ("D", "T")
    assert (mapping.date_format, mapping.location_precision) == ("%d.%m.%Y", 250.0)
