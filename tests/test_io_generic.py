"""Generic files through a mapping (or canonical names): CSV, GeoJSON, GeoPackage, Parquet."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import Point, Polygon

from geo.io import detect_format, read_table
from geo.schema import LoadOptions, check_contract

EXAMPLES = Path(__file__).resolve().parents[1] / "geo" / "io" / "examples"
TO_L93 = Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


def reconciled(result, table: str) -> pd.DataFrame:
    report = result.report
    assert report.rows_in == report.rows_out + report.rows_merged + report.rows_dropped
    assert len(result.frame) == report.rows_out
    check_contract(result.frame, table)
    return result.frame


def test_canonical_incidents_need_no_mapping(tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    path.write_text(
        "incident_id,occurred_from,occurred_to,time_precision,lat,lon,category,category_raw,"
        "source\n"
        "a1,2024-03-01T22:10,2024-03-01T23:00,minute,48.85,2.35,theft,Vol,app\n"
        "a2,2024-03-02 01:30:00,,,48.86,2.36,violence,,police\n")
    assert detect_format(path) == "generic"
    result = read_table(path)
    assert (result.format, result.table) == ("generic", "incidents")
    frame = reconciled(result, "incidents").set_index("incident_id")
    assert frame.loc["a1", "occurred_to"] == pd.Timestamp("2024-03-01 23:00")
    assert frame.loc["a1", "category_raw"] == "Vol"
    assert frame.loc["a2", "occurred_from"] == pd.Timestamp("2024-03-02 01:30")
    assert frame.loc["a2", "source"] == "police"


def test_tz_aware_times_become_local_wall_time(tmp_path: Path) -> None:
    path = tmp_path / "utc.csv"
    path.write_text("incident_id,occurred_from,lat,lon,category\n"
                    "w,2024-01-15T21:30:00Z,48.85,2.35,theft\n"
                    "s,2024-07-15T21:30:00+00:00,48.85,2.35,theft\n")
    frame = read_table(path, options=LoadOptions(timezone="Europe/Paris")).frame
    assert frame.set_index("incident_id")["occurred_from"].to_dict() == {
        "w": pd.Timestamp("2024-01-15 22:30"),  # CET, UTC+1
        "s": pd.Timestamp("2024-07-15 23:30"),  # CEST, UTC+2
    }


def test_precision_follows_what_the_text_says(tmp_path: Path) -> None:
    path = tmp_path / "coarse.csv"
    path.write_text("incident_id,occurred_from,lat,lon\n"
                    "m,2024-03,48.85,2.35\nd,2024-03-05,48.85,2.35\nt,2024-03-05 22:00,48.8,2.3\n")
    frame = read_table(path).frame.set_index("incident_id")
    assert frame["time_precision"].to_dict() == {"m": "month", "d": "day", "t": "minute"}


def test_survey_likert_example(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(
        "id,latitude,longitude,date,gender,w,q7\n"
        "r1,48.85,2.35,05/03/2024 19:30,f,1.5,1\n"   # very unsafe
        "r2,48.86,2.36,06/03/2024 10:00,m,0.5,4\n"   # very safe
        "r3,48.87,2.37,07/03/2024 11:00,f,,2\n"      # no weight -> 1
        "r4,48.87,2.37,07/03/2024 11:00,f,1,NSP\n"   # don't know: not on the scale
        "r5,48.87,2.37,07/03/2024 11:00,f,1,5\n")    # outside the 1..4 scale
    result = read_table(path, mapping=EXAMPLES / "survey_likert.yaml")
    frame = reconciled(result, "perceptions").set_index("response_id")
    assert frame["insecurity"].to_dict() == pytest.approx({"r1": 1.0, "r2": 0.0, "r3": 2 / 3})
    assert result.report.dropped == {"missing_or_non_numeric_insecurity": 1,
                                     "insecurity_out_of_range": 1}
    assert frame.loc["r1", "answered_at"] == pd.Timestamp("2024-03-05 19:30")  # day first
    assert (frame["daypart"] == "night").all()
    assert frame.loc["r3", "weight"] == 1.0
    assert frame.loc["r2", "group"] == "m"


def test_labelled_likert_scale(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("lat,lon,feeling\n48.85,2.35,Very unsafe\n48.85,2.35,fairly safe\n"
                    "48.85,2.35,very safe\n")
    mapping = {"table": "perceptions", "columns": {"lat": "lat", "lon": "lon"},
               "insecurity": {"column": "feeling", "direction": "higher_is_unsafe",
                              "scale": ["very safe", "fairly safe", "fairly unsafe",
                                        "very unsafe"]}}
    frame = read_table(path, mapping=mapping).frame
    assert frame["insecurity"].tolist() == pytest.approx([1.0, 1 / 3, 0.0])
    assert frame["response_id"].is_unique  # made from a row hash


def test_app_reports_example_cp1252_semicolon_lambert93(tmp_path: Path) -> None:
    x, y = TO_L93.transform(2.3499, 48.8530)
    path = tmp_path / "signalements.csv"
    text = ("signalement;date_heure;type;X;Y\n"
            f"s1;01/03/2024 23:15;Harcèlement de rue;{x:.1f};{y:.1f}\n"
            f"s2;02/03/2024 02:40;Vol à l'arraché;{x + 100:.1f};{y:.1f}\n"
            f"s3;02/03/2024 03:00;Bruit étrange;{x:.1f};{y + 100:.1f}\n")
    path.write_bytes(text.encode("cp1252"))
    result = read_table(path, mapping=EXAMPLES / "app_reports.yaml")
    frame = reconciled(result, "incidents").set_index("incident_id")
    assert frame.loc["s1", "lat"] == pytest.approx(48.8530, abs=1e-6)
    assert frame.loc["s1", "lon"] == pytest.approx(2.3499, abs=1e-6)
    assert frame["category"].to_dict() == {"s1": "harassment", "s2": "robbery", "s3": "other"}
    assert frame.loc["s2", "category_raw"] == "Vol à l'arraché"
    assert (frame["source"] == "app").all()
    assert frame.loc["s2", "occurred_from"] == pd.Timestamp("2024-03-02 02:40")
    assert result.report.repaired["decoded_as_cp1252"] == 3
    assert result.report.repaired["category_unmapped_to_other"] == 1


def test_venue_register_example(tmp_path: Path) -> None:
    path = tmp_path / "licences.csv"
    path.write_text("licence_no,business_name,licence_type,lat,lng,hours_osm\n"
                    "L1,Chez Nous,Bar,48.85,2.35,Mo-Sa 18:00-02:00\n"
                    "L2,Le Club,Nightclub,48.86,2.36,\n")
    frame = reconciled(read_table(path, mapping=EXAMPLES / "venue_register.yaml"), "venues")
    assert frame["kind"].tolist() == ["bar", "nightclub"]
    assert frame["hours_known"].tolist() == [True, False]


def test_safety_pins_example_from_geojson(tmp_path: Path) -> None:
    square = Polygon([(2.35, 48.85), (2.351, 48.85), (2.351, 48.851), (2.35, 48.851)])
    pins = gpd.GeoDataFrame(
        {"pin_id": ["p1", "p2"], "created": ["2024-03-01T23:10", "2024-03-02T08:00"],
         "hour_of_feeling": ["23h", "8:30"]},
        geometry=[Point(2.34, 48.86), square], crs="EPSG:4326")
    path = tmp_path / "pins.geojson"
    pins.to_file(path, driver="GeoJSON")
    assert detect_format(path) == "generic"
    result = read_table(path, mapping=EXAMPLES / "safety_pins.yaml")
    frame = reconciled(result, "perceptions").set_index("response_id")
    assert (frame["insecurity"] == 1.0).all()
    assert frame["hour"].tolist() == [23, 8]
    assert frame["daypart"].tolist() == ["night", "day"]
    assert square.covers(Point(frame.loc["p2", "lon"], frame.loc["p2", "lat"]))
    assert result.report.repaired["hour_read_from_text"] == 2


def test_geopackage_in_lambert93_is_reprojected(tmp_path: Path) -> None:
    x, y = TO_L93.transform(2.35, 48.85)
    venues = gpd.GeoDataFrame({"venue_id": ["v1"], "kind": ["bar"], "name": ["Le Zinc"]},
                              geometry=[Point(x, y)], crs="EPSG:2154")
    path = tmp_path / "venues.gpkg"
    venues.to_file(path, driver="GPKG")
    frame = read_table(path).frame  # canonical names, table from the id column
    assert frame.loc[0, ["lat", "lon"]].tolist() == pytest.approx([48.85, 2.35])


def test_geoparquet_and_plain_parquet(tmp_path: Path) -> None:
    geo = gpd.GeoDataFrame({"incident_id": ["g1"], "occurred_from": [pd.Timestamp("2024-3-1")],
                            "category": ["drugs"]}, geometry=[Point(2.35, 48.85)],
                           crs="EPSG:4326")
    geo.to_parquet(tmp_path / "geo.parquet")
    plain = pd.DataFrame({"response_id": ["q1"], "lat": [48.85], "lon": [2.35],
                          "insecurity": [0.25], "hour": [23]})
    plain.to_parquet(tmp_path / "plain.parquet")
    incidents = reconciled(read_table(tmp_path / "geo.parquet"), "incidents")
    assert incidents.loc[0, ["lat", "lon"]].tolist() == [48.85, 2.35]
    assert incidents.loc[0, "occurred_from"] == pd.Timestamp("2024-03-01")
    answers = reconciled(read_table(tmp_path / "plain.parquet"), "perceptions")
    assert answers.loc[0, "daypart"] == "night"


def test_geo_file_without_crs_accepts_one_from_the_mapping(tmp_path: Path) -> None:
    x, y = TO_L93.transform(2.35, 48.85)
    venues = gpd.GeoDataFrame({"venue_id": ["v1"], "kind": ["pub"]}, geometry=[Point(x, y)])
    path = tmp_path / "nocrs.parquet"
    venues.to_parquet(path)
    mapping = {"table": "venues", "columns": {"venue_id": "venue_id", "kind": "kind"},
               "coordinates": {"crs": "EPSG:2154"}}
    frame = read_table(path, mapping=mapping).frame
    assert frame.loc[0, ["lat", "lon"]].tolist() == pytest.approx([48.85, 2.35])


def test_dayparts_and_text_hours(tmp_path: Path) -> None:
    path = tmp_path / "dp.csv"
    path.write_text("lat,lon,q,moment,h\n48.85,2.35,0.5,après 22h,\n48.85,2.35,0.2,,22:30\n"
                    "48.85,2.35,0.1,,soon\n")
    mapping = {"table": "perceptions",
               "columns": {"lat": "lat", "lon": "lon", "insecurity": "q", "daypart": "moment",
                           "hour": "h"},
               "dayparts": {"Après 22h": "night"}}
    result = read_table(path, mapping=mapping)
    assert result.frame["daypart"].tolist() == ["night", "night", "any"]
    assert result.frame["hour"].tolist()[1] == 22
    assert result.report.repaired["unparseable_hour_cleared"] == 1


def test_json_mapping_file_and_table_argument(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b,c\n1,48.85,2.35\n")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"columns": {"venue_id": "a", "lat": "b", "lon": "c"}}))
    result = read_table(data, "venues", mapping=mapping)
    assert result.table == "venues"
    assert result.frame.loc[0, "kind"] == "unknown"
    assert result.report.repaired["missing_kind_set_to_unknown"] == 1
