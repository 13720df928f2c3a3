"""OSM overpass GeoJSON: mixed geometries to points inside them, opening_hours verbatim."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, shape

from geo.errors import FileFormatError
from geo.io import detect_format, read_table
from geo.schema import check_contract

# An L-shaped building whose centroid lies outside it: the representative point must not.
L_SHAPE = [[[0.0, 51.0], [0.002, 51.0], [0.002, 51.0002], [0.0002, 51.0002], [0.0002, 51.002],
            [0.0, 51.002], [0.0, 51.0]]]


def feature(osm_id: str, geometry: dict | None, **tags: str) -> dict:
    return {"type": "Feature", "id": osm_id, "properties": {"@id": osm_id, **tags},
            "geometry": geometry}


def write_geojson(tmp_path: Path, features: list[dict]) -> Path:
    path = tmp_path / "export.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "generator": "overpass-turbo",
                                "features": features}))
    return path


@pytest.mark.formats
def test_slice_every_feature_becomes_a_venue_inside_its_shape(formats_dir: Path) -> None:
    path = formats_dir / "osm_pubs_sample.geojson"
    features = json.loads(path.read_text())["features"]
    assert len(features) == 120

    result = read_table(path)

    assert (result.format, result.table) == ("osm", "venues")
    assert result.report.rows_in == result.report.rows_out == len(features)
    check_contract(result.frame, "venues")
    frame = result.frame.set_index("venue_id")
    for f in features:
        venue = frame.loc[f["properties"]["@id"]]
        assert shape(f["geometry"]).covers(Point(venue["lon"], venue["lat"]))
        assert venue["kind"] == f["properties"]["amenity"]


@pytest.mark.formats
def test_slice_opening_hours_kept_verbatim(formats_dir: Path) -> None:
    path = formats_dir / "osm_pubs_sample.geojson"
    features = json.loads(path.read_text())["features"]
    frame = read_table(path).frame.set_index("venue_id")
    with_hours = 0
    for f in features:
        hours = f["properties"].get("opening_hours")
        got = frame.loc[f["properties"]["@id"], "opening_hours"]
        if hours is None:
            assert pd.isna(got)  # missing stays missing, never guessed
        else:
            with_hours += 1
            assert got == hours.strip()  # the validator only trims surrounding blanks
    report = read_table(path).report
    assert report.flagged["opening_hours_missing"] == len(features) - with_hours
    assert frame["hours_known"].sum() == with_hours - report.flagged.get(
        "opening_hours_unparseable", 0)


def test_points_polygons_multipolygons_and_null_geometry(tmp_path: Path) -> None:
    path = write_geojson(tmp_path, [
        feature("node/1", {"type": "Point", "coordinates": [-0.1, 51.5]}, amenity="bar",
                name="Point Bar", opening_hours="Mo-Su 18:00-02:00"),
        feature("way/2", {"type": "Polygon", "coordinates": L_SHAPE}, amenity="nightclub"),
        feature("relation/3", {"type": "MultiPolygon", "coordinates": [L_SHAPE]},
                amenity="biergarten", opening_hours="sometimes, ask Bob"),
        feature("node/4", None, amenity="pub"),
    ])
    assert detect_format(path) == "osm"
    result = read_table(path)
    frame = result.frame.set_index("venue_id")
    assert result.report.dropped == {"missing_coordinates": 1}
    assert frame.loc["node/1", ["lat", "lon"]].tolist() == [51.5, -0.1]
    building = shapely.Polygon(L_SHAPE[0])
    assert not building.covers(building.centroid)
    for venue_id in ("way/2", "relation/3"):
        assert building.covers(Point(frame.loc[venue_id, "lon"], frame.loc[venue_id, "lat"]))
    assert frame.loc["node/1", "name"] == "Point Bar"
    assert frame.loc["relation/3", "opening_hours"] == "sometimes, ask Bob"
    assert not frame.loc["relation/3", "hours_known"]
    assert result.report.flagged["opening_hours_unparseable"] == 1


def test_feature_id_used_when_no_at_id(tmp_path: Path) -> None:
    f = feature("way/9", {"type": "Point", "coordinates": [2.35, 48.85]}, amenity="pub")
    del f["properties"]["@id"]
    frame = read_table(write_geojson(tmp_path, [f])).frame
    assert frame.loc[0, "venue_id"] == "way/9"


def test_empty_feature_collection_is_zero_rows(tmp_path: Path) -> None:
    path = tmp_path / "none.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(FileFormatError, match="table"):  # no OSM tags: generic needs a table
        read_table(path)
    result = read_table(path, format="osm")
    assert result.report.rows_in == 0
    assert any("no data rows" in n for n in result.report.notes)
