"""The public face of geo.io: detection, dispatch, LoadResult, and the package's exports."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import geo.io
from geo.columns import TABLES
from geo.io import FORMATS, GENERIC, LoadResult, detect_format, read_table

SLICES = {
    "chicago_crimes_sample.csv": "chicago",
    "sf_incident_reports_sample.csv": "sf",
    "policeuk_street_sample.csv": "policeuk",
    "osm_pubs_sample.geojson": "osm",
}


def test_all_is_sorted_and_complete() -> None:
    # isort-style order, as geo.schema: CONSTANTS, then Classes, then functions.
    def kind(name: str) -> tuple[int, str]:
        return (0 if name.isupper() else 1 if name[0].isupper() else 2), name

    assert geo.io.__all__ == sorted(geo.io.__all__, key=kind)
    assert all(hasattr(geo.io, name) for name in geo.io.__all__)


def test_formats_name_their_table() -> None:
    assert set(FORMATS) == {"chicago", "sf", "nypd", "policeuk", "osm"}
    assert set(FORMATS.values()) <= set(TABLES)
    assert GENERIC not in FORMATS


@pytest.mark.formats
@pytest.mark.parametrize(("name", "expected"), sorted(SLICES.items()))
def test_slices_are_detected(formats_dir: Path, name: str, expected: str) -> None:
    assert detect_format(formats_dir / name) == expected


@pytest.mark.formats
@pytest.mark.parametrize("name", sorted(SLICES))
def test_explicit_format_matches_detection(formats_dir: Path, name: str) -> None:
    detected = read_table(formats_dir / name)
    forced = read_table(formats_dir / name, FORMATS[SLICES[name]], format=SLICES[name])
    assert detected.report.to_dict() == forced.report.to_dict()
    assert detected.frame.equals(forced.frame)


def test_load_result_is_frozen(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("venue_id,kind,lat,lon\nv,bar,48.85,2.35\n")
    result = read_table(path)
    assert isinstance(result, LoadResult)
    assert (result.format, result.table) == ("generic", "venues")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.table = "incidents"  # type: ignore[misc]


def test_detection_of_geojson_without_osm_tags(tmp_path: Path) -> None:
    path = tmp_path / "g.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"venue_id": "x"},
         "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}}]}))
    assert detect_format(path) == "generic"
    assert read_table(path).frame.loc[0, "venue_id"] == "x"


def test_unknown_table_name_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown table"):
        read_table(tmp_path / "x.csv", "crimes")


def test_mapping_with_a_named_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mapping applies to generic"):
        read_table(tmp_path / "x.csv", format="sf", mapping={"table": "incidents"})
