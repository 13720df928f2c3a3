"""Bad input: each case ends in one clear FileFormatError/MappingError or in report rows.

Never another traceback, never a row that silently disappears (DESIGN §2).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geo.errors import AtlasError, FileFormatError, MappingError
from geo.io import read_table
from geo.schema import check_contract

HEADER = "incident_id,occurred_from,lat,lon,category"


def write(tmp_path: Path, text: str | bytes, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def incidents(tmp_path: Path, *rows: str) -> Path:
    return write(tmp_path, "\n".join([HEADER, *rows, ""]))


def accounted(result) -> pd.DataFrame:
    report = result.report
    assert report.rows_in == report.rows_out + report.rows_merged + report.rows_dropped
    assert len(report.dropped_rows) == report.rows_dropped
    check_contract(result.frame, result.table)
    return report.dropped_rows


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match=r"data.csv: empty file \(0 bytes\)"):
        read_table(write(tmp_path, b""))


def test_blank_space_only(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="blank"):
        read_table(write(tmp_path, "\n\n   \n"))


def test_file_not_found(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="file not found"):
        read_table(tmp_path / "missing.csv")


def test_header_only_is_zero_rows_with_a_note(tmp_path: Path) -> None:
    for text in (HEADER, HEADER + "\n"):
        result = read_table(write(tmp_path, text))
        assert result.report.rows_in == result.report.rows_out == 0
        assert any("no data rows" in note for note in result.report.notes)
        check_contract(result.frame, "incidents")


def test_semicolon_delimiter_is_sniffed(tmp_path: Path) -> None:
    path = write(tmp_path, "incident_id;occurred_from;lat;lon;category\n"
                           "a;2024-03-01T22:00;48,85;2,35;theft\n")
    result = read_table(path)
    assert result.frame.loc[0, ["lat", "lon"]].tolist() == [48.85, 2.35]  # decimal commas
    assert any("';'-delimited" in note for note in result.report.notes)


def test_wrong_delimiter_forced_by_mapping_says_what_it_looks_like(tmp_path: Path) -> None:
    path = write(tmp_path, "id;lat;lon\n1;48.8;2.3\n")
    mapping = {"table": "venues", "delimiter": ",",
               "columns": {"venue_id": "id", "lat": "lat", "lon": "lon"}}
    with pytest.raises(FileFormatError, match="looks ';'-delimited") as caught:
        read_table(path, mapping=mapping)
    assert caught.value.found == ("id;lat;lon",)


def test_tab_and_pipe_delimiters(tmp_path: Path) -> None:
    for delimiter in ("\t", "|"):
        path = write(tmp_path, HEADER.replace(",", delimiter) + "\n"
                     + delimiter.join(["a", "2024-03-01T22:00", "48.85", "2.35", "theft"]) + "\n")
        assert read_table(path).report.rows_out == 1


def test_utf8_bom_does_not_hide_the_first_column(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbf" + (HEADER + "\na,2024-03-01T22:00,48.85,2.35,theft\n"
                                              ).encode())
    frame = read_table(path).frame
    assert frame.loc[0, "incident_id"] == "a"


def test_utf16_spreadsheet_export(tmp_path: Path) -> None:
    text = HEADER.replace(",", "\t") + "\r\na\t2024-03-01T22:00\t48.85\t2.35\tthéft\r\n"
    frame = read_table(write(tmp_path, text.encode("utf-16"))).frame
    assert frame.loc[0, "category_raw"] == "théft"


def test_missing_lat_column_names_expected_and_found(tmp_path: Path) -> None:
    path = write(tmp_path, "ID,Case Number,Date,Primary Type,Longitude\n"
                           "1,A,02/10/2024 12:44:00 AM,THEFT,-87.6\n")
    with pytest.raises(FileFormatError, match="missing required columns: Latitude") as caught:
        read_table(path)
    assert "Latitude" in caught.value.expected
    assert "Longitude" in caught.value.found
    assert "expected columns:" in str(caught.value) and "found columns:" in str(caught.value)


def test_generic_file_without_coordinates(tmp_path: Path) -> None:
    path = write(tmp_path, "incident_id,occurred_from\na,2024-03-01\n")
    with pytest.raises(FileFormatError, match="no coordinates") as caught:
        read_table(path)
    assert "lat" in caught.value.expected


def test_lat_lon_swapped_is_repaired(tmp_path: Path) -> None:
    path = incidents(tmp_path, "a,2024-03-01T22:00,-122.41,37.77,theft")
    result = read_table(path)
    assert result.report.repaired["lat_lon_swapped"] == 1
    assert result.frame.loc[0, ["lat", "lon"]].tolist() == [37.77, -122.41]


def test_out_of_range_coordinates_are_dropped_with_reason(tmp_path: Path) -> None:
    path = incidents(tmp_path, "a,2024-03-01T22:00,95,200,theft",
                     "b,2024-03-01T22:00,48.85,2.35,theft")
    result = read_table(path)
    dropped = accounted(result)
    assert result.report.dropped == {"out_of_range_coordinates": 1}
    assert dropped.loc[0, "_row"] == 1 and dropped.loc[0, "incident_id"] == "a"


def test_projected_coordinates_in_lat_lon_get_a_hint(tmp_path: Path) -> None:
    path = incidents(tmp_path, "a,2024-03-01T22:00,6861900,652300,theft",
                     "b,2024-03-01T22:00,6861950,652350,theft")
    result = read_table(path)
    assert result.report.rows_out == 0
    assert any("projected CRS" in note for note in result.report.notes)


def test_zero_zero_sentinel(tmp_path: Path) -> None:
    result = read_table(incidents(tmp_path, "a,2024-03-01T22:00,0,0,theft"))
    assert result.report.dropped == {"zero_zero_sentinel": 1}
    accounted(result)


def test_text_in_numeric_columns(tmp_path: Path) -> None:
    path = incidents(tmp_path, "a,2024-03-01T22:00,north,2.35,theft",
                     "b,2024-03-01T22:00,48.85,2.35,theft")
    result = read_table(path)
    assert result.report.dropped == {"non_numeric_coordinates": 1}
    assert accounted(result).loc[0, "incident_id"] == "a"
    assert result.frame["lat"].tolist() == [48.85]


def test_impossible_and_unparseable_dates(tmp_path: Path) -> None:
    path = incidents(tmp_path, "a,2024-02-30T22:00,48.85,2.35,theft",
                     "b,tomorrow,48.85,2.35,theft", "c,2024-02-29T22:00,48.85,2.35,theft")
    result = read_table(path)
    frame = result.frame.set_index("incident_id")
    assert result.report.repaired["unparseable_time"] == 2
    assert frame.loc[["a", "b"], "time_precision"].tolist() == ["unknown", "unknown"]
    assert frame.loc["c", "occurred_from"] == pd.Timestamp("2024-02-29 22:00")


def test_twelve_hour_times_sf(tmp_path: Path) -> None:
    path = write(tmp_path, "Incident Datetime,Incident ID,Incident Category,Latitude,Longitude\n"
                           "2024/02/10 12:44:00 AM,1,Assault,37.7,-122.4\n"
                           "2024/02/10 12:30:00 PM,2,Assault,37.7,-122.4\n")
    frame = read_table(path).frame.set_index("incident_id")["occurred_from"]
    assert frame["1"] == pd.Timestamp("2024-02-10 00:44")
    assert frame["2"] == pd.Timestamp("2024-02-10 12:30")


def test_duplicate_ids_keep_the_first(tmp_path: Path) -> None:
    path = incidents(tmp_path, "a,2024-03-01T22:00,48.85,2.35,theft",
                     "a,2024-03-02T22:00,48.86,2.36,violence")
    result = read_table(path)
    assert result.report.dropped == {"duplicate_id": 1}
    assert result.frame.loc[0, "category"] == "theft"
    assert accounted(result).loc[0, "_row"] == 2


def test_mixed_encodings_decoded_line_by_line(tmp_path: Path) -> None:
    body = [f"u{i},2024-03-01T22:00,48.85,2.35,Vol à l'arraché".encode() for i in range(3)]
    body.append("c1,2024-03-01T22:00,48.85,2.35,Dégradation".encode("cp1252"))
    result = read_table(write(tmp_path, b"\n".join([HEADER.encode(), *body, b""])))
    assert result.report.repaired["decoded_as_cp1252"] == 1
    raw = result.frame.set_index("incident_id")["category_raw"]
    assert raw["c1"] == "Dégradation" and raw["u0"] == "Vol à l'arraché"


def test_malformed_lines_are_kept_in_the_report(tmp_path: Path) -> None:
    path = incidents(tmp_path, "a,2024-03-01T22:00,48.85,2.35,theft",
                     "b,2024-03-01T22:00,48.85,2.35,theft,EXTRA",
                     "c,2024-03-01T22:00,48.85",
                     "d,2024-03-01T22:00,48.85,2.35,theft")
    result = read_table(path)
    dropped = accounted(result)
    assert result.report.dropped == {"malformed_line_wrong_field_count": 2}
    assert sorted(dropped["_row"]) == [2, 3]
    assert result.frame["incident_id"].tolist() == ["a", "d"]


def test_random_bytes_are_not_a_table(tmp_path: Path) -> None:
    noise = np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    with pytest.raises(FileFormatError, match="not a table"):
        read_table(write(tmp_path, noise, "noise.csv"))


def test_spreadsheet_and_html_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="ZIP archive"):
        read_table(write(tmp_path, b"PK\x03\x04" + b"\x00" * 100, "book.xlsx"))
    with pytest.raises(FileFormatError, match="HTML page"):
        read_table(write(tmp_path, "<!DOCTYPE html><html><body>404</body></html>", "x.csv"))


def test_json_that_is_not_geojson(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="JSON that is not GeoJSON"):
        read_table(write(tmp_path, json.dumps({"data": [1, 2]}), "x.json"))
    with pytest.raises(FileFormatError, match="Overpass JSON"):
        read_table(write(tmp_path, json.dumps({"elements": []}), "o.json"))
    with pytest.raises(FileFormatError, match="not valid JSON"):
        read_table(write(tmp_path, '{"type": "FeatureCollection", ', "bad.geojson"))


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_unknown_crs_geo_file(tmp_path: Path) -> None:
    venues = gpd.GeoDataFrame({"venue_id": ["v"], "kind": ["bar"]},
                              geometry=[Point(652300, 6861900)])
    venues.to_file(tmp_path / "nocrs.gpkg", driver="GPKG")
    with pytest.raises(FileFormatError, match="unknown CRS"):
        read_table(tmp_path / "nocrs.gpkg")


def test_unknown_crs_projected_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "id,X,Y\n1,652300,6861900\n")
    mapping = {"table": "venues", "columns": {"venue_id": "id"},
               "coordinates": {"x": "X", "y": "Y"}}
    with pytest.raises(FileFormatError, match="unknown CRS"):
        read_table(path, mapping=mapping)


def test_bad_mapping_file(tmp_path: Path) -> None:
    data = incidents(tmp_path, "a,2024-03-01T22:00,48.85,2.35,theft")
    bad = write(tmp_path, "table: incidents\ncolums: {lat: lat}\n", "m.yaml")
    with pytest.raises(MappingError, match="unknown key 'colums'.*did you mean 'columns'"):
        read_table(data, mapping=bad)
    broken = write(tmp_path, "table: [incidents\n", "broken.yaml")
    with pytest.raises(MappingError, match="not valid YAML"):
        read_table(data, mapping=broken)


def test_mapped_column_absent_from_file(tmp_path: Path) -> None:
    data = incidents(tmp_path, "a,2024-03-01T22:00,48.85,2.35,theft")
    mapping = {"table": "incidents", "columns": {"lat": "latitude", "lon": "lon"}}
    with pytest.raises(FileFormatError, match="missing required columns: latitude") as caught:
        read_table(data, mapping=mapping)
    assert caught.value.expected == ("latitude", "lon")
    assert "lat" in caught.value.found


def test_unclear_table(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="pass table="):
        read_table(write(tmp_path, "a,lat,lon\n1,48.8,2.3\n"))


def test_format_and_table_disagree(tmp_path: Path) -> None:
    path = incidents(tmp_path, "a,2024-03-01T22:00,48.85,2.35,theft")
    with pytest.raises(FileFormatError, match="missing required columns"):
        read_table(path, format="chicago")
    with pytest.raises(FileFormatError, match="fills the venues table"):
        read_table(path, "incidents", format="osm")
    with pytest.raises(ValueError, match="unknown format"):
        read_table(path, format="excel")


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(min_size=0, max_size=300),
                 st.text(alphabet=",;\t|\"\n\r ab1.-:{}[]", max_size=200)))
def test_any_bytes_give_a_table_or_an_atlas_error(tmp_path: Path, content: bytes | str) -> None:
    path = write(tmp_path, content, "fuzz.csv")
    try:
        result = read_table(path, "incidents")
    except AtlasError:
        return
    accounted(result)


def test_corrupt_parquet_and_geopackage(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="cannot read as a geo file"):
        read_table(write(tmp_path, b"PAR1" + b"\x01" * 64, "x.parquet"), "incidents")
    with pytest.raises(FileFormatError, match="cannot read as a geo file"):
        read_table(write(tmp_path, b"SQLite format 3\x00" + b"\x02" * 200, "x.gpkg"), "venues")
