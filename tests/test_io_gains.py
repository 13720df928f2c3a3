"""Mapping gains (issue 12, item 4): common export shapes the generic reader now reads.

Date and time in two columns, times of day as text, coordinates as privacy-grid ranges with
their location precision, and "safe"/"unsafe" pins, in two files or in one column. Every file
is written here; the NYPD slice is read twice (its own reader, a generic mapping) to show the
date/time split gives the same times.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

from geo.app._panels import report_html
from geo.cli import main
from geo.io import read_table
from geo.schema import LoadOptions, check_contract

FROM_SWEREF = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)


def reconciled(result, table: str) -> pd.DataFrame:
    report = result.report
    assert report.rows_in == report.rows_out + report.rows_merged + report.rows_dropped
    assert len(result.frame) == report.rows_out
    check_contract(result.frame, table)
    return result.frame


# --- date and time in two columns -----------------------------------------------------------

SPLIT = {
    "table": "incidents",
    "columns": {"incident_id": "id", "category": "offence",
                "occurred_from": {"date": "from_date", "time": "from_time"},
                "occurred_to": {"date": "to_date", "time": "to_time"},
                "lat": "lat", "lon": "lon"},
    "date_format": "%d/%m/%Y",
}


def test_date_and_time_from_two_columns(tmp_path: Path) -> None:
    path = tmp_path / "police_split.csv"
    path.write_text(
        "id,from_date,from_time,to_date,to_time,offence,lat,lon\n"
        "a,05/03/2024,2130,06/03/2024,0200,theft,48.85,2.35\n"
        "b,05/03/2024,9:30 PM,,,theft,48.85,2.35\n"
        "c,05/03/2024,,06/03/2024,,theft,48.85,2.35\n"      # day only: not midnight
        "d,05/03/2024,21h,,,theft,48.85,2.35\n"             # known to the hour
        "e,05/03/2024,5,,,theft,48.85,2.35\n"               # 05:00 or 00:05? not guessed
        "f,05/03/2024,25:99,,,theft,48.85,2.35\n"
        "g,31/02/2024,21:30,,,theft,48.85,2.35\n"           # no such day
        "h,05/03/2024,24:00:00,,,theft,48.85,2.35\n")
    result = read_table(path, mapping=SPLIT)
    frame = reconciled(result, "incidents").set_index("incident_id")
    assert result.report.ok
    assert frame["occurred_from"].to_dict() == {
        "a": pd.Timestamp("2024-03-05 21:30"), "b": pd.Timestamp("2024-03-05 21:30"),
        "c": pd.Timestamp("2024-03-05"), "d": pd.Timestamp("2024-03-05 21:00"),
        "e": pd.Timestamp("2024-03-05"), "f": pd.Timestamp("2024-03-05"), "g": pd.NaT,
        "h": pd.Timestamp("2024-03-06 00:00")}
    assert frame["time_precision"].to_dict() == {
        "a": "minute", "b": "minute", "c": "day", "d": "hour", "e": "day", "f": "day",
        "g": "unknown", "h": "minute"}
    assert frame.loc["a", "occurred_to"] == pd.Timestamp("2024-03-06 02:00")
    assert frame.loc["c", "occurred_to"] == pd.Timestamp("2024-03-06 23:59")  # the whole day
    assert pd.isna(frame.loc["b", "occurred_to"])
    assert result.report.repaired == {
        "missing_time_of_day": 2, "ambiguous_time_of_day": 1, "unparseable_time_of_day": 1,
        "unparseable_time": 1}
    assert result.report.time_precision == {"minute": 3, "day": 3, "hour": 1, "unknown": 1}


def test_split_dates_default_to_iso_and_say_so_when_they_are_not(tmp_path: Path) -> None:
    path = tmp_path / "iso.csv"
    path.write_text("id,d,t,lat,lon\n1,2024-03-05,22:10,48.85,2.35\n2,05.03.2024,22:10,48.8,2.3\n")
    mapping = {"table": "incidents", "columns": {"incident_id": "id", "lat": "lat", "lon": "lon",
                                                 "occurred_from": {"date": "d", "time": "t"}}}
    result = read_table(path, mapping=mapping)
    assert result.frame["occurred_from"].tolist()[0] == pd.Timestamp("2024-03-05 22:10")
    assert result.report.repaired["unparseable_time"] == 1
    assert "some dates are not ISO 8601: give date_format in the mapping" in result.report.notes


def test_answers_dated_in_two_columns(tmp_path: Path) -> None:
    path = tmp_path / "survey.csv"
    path.write_text("lat,lon,q,day,clock\n48.85,2.35,0.5,2024-03-05,9:30 PM\n"
                    "48.85,2.35,0.5,2024-03-06,\n")
    mapping = {"table": "perceptions",
               "columns": {"lat": "lat", "lon": "lon", "insecurity": "q",
                           "answered_at": {"date": "day", "time": "clock"}}}
    result = read_table(path, mapping=mapping)
    assert reconciled(result, "perceptions")["answered_at"].tolist() == [
        pd.Timestamp("2024-03-05 21:30"), pd.Timestamp("2024-03-06")]
    assert result.report.repaired == {"missing_id_generated": 2, "missing_time_of_day": 1,
                                      "missing_weight_set_to_1": 2}


@pytest.mark.formats
def test_nypd_slice_through_a_generic_mapping_gives_the_nypd_readers_times(
    formats_dir: Path,
) -> None:
    path = formats_dir / "nypd_complaints_sample.csv"
    own = read_table(path).frame.set_index("incident_id")
    mapping = {"table": "incidents", "source": "police", "date_format": "%m/%d/%Y",
               "columns": {"incident_id": "CMPLNT_NUM", "category": "OFNS_DESC",
                           "lat": "Latitude", "lon": "Longitude",
                           "occurred_from": {"date": "CMPLNT_FR_DT", "time": "CMPLNT_FR_TM"},
                           "occurred_to": {"date": "CMPLNT_TO_DT", "time": "CMPLNT_TO_TM"}}}
    result = read_table(path, mapping=mapping)
    generic = reconciled(result, "incidents").set_index("incident_id")
    assert len(own) > 100 and sorted(generic.index) == sorted(own.index)
    for column in ("occurred_from", "occurred_to", "time_precision", "lat", "lon"):
        pd.testing.assert_series_equal(generic.loc[own.index, column], own[column])
    assert generic["occurred_to"].notna().any() and "unparseable_time" not in result.report.repaired


# --- times of day in the hour column ---------------------------------------------------------


def test_hour_column_reads_times_of_day(tmp_path: Path) -> None:
    path = tmp_path / "hours.csv"
    values = ["2130", "21:30", "21:30:00", "9:30 PM", "9 PM", "21h30", "21.30", "21", "0930",
              "12 AM", "24:00", "", "soon", "25:00", "21.5"]
    path.write_text("lat,lon,q,h\n" + "".join(f"48.85,2.35,0.5,{v}\n" for v in values))
    mapping = {"table": "perceptions",
               "columns": {"lat": "lat", "lon": "lon", "insecurity": "q", "hour": "h"}}
    result = read_table(path, mapping=mapping)
    hours = reconciled(result, "perceptions")["hour"].tolist()
    assert hours[:11] == [21] * 8 + [9, 0, 0]
    assert all(pd.isna(h) for h in hours[11:])
    repaired = result.report.repaired
    assert repaired["hour_read_from_text"] == 10  # all but the bare "21"
    assert repaired["unparseable_hour_cleared"] == 2  # "soon", "25:00"
    assert repaired["hour_out_of_range_cleared"] == 1  # 21.5 is a number, not an hour


# --- coordinates as privacy-grid ranges ------------------------------------------------------


def grid_file(tmp_path: Path, rows: int = 12) -> Path:
    """Swedish-style open data: 500 m squares of SWEREF99 TM written as ranges."""
    lines = ["id;datum;tid;nordlig;ostlig;brott"]
    for i in range(rows):
        north, east = 6579000 + 500 * i, 673000 + 500 * (i % 4)
        lines.append(f"{i};2024-03-{i + 1:02d};{21 + i % 3}:{15 * (i % 4):02d};"
                     f"{north}-{north + 499};{east}-{east + 499};Misshandel")
    path = tmp_path / "grid.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


GRID = {"table": "incidents", "source": "police",
        "columns": {"incident_id": "id", "category": "brott",
                    "occurred_from": {"date": "datum", "time": "tid"}},
        "coordinates": {"x": "ostlig", "y": "nordlig", "crs": "EPSG:3006"},
        "categories": {"Misshandel": "violence"}}


def test_grid_ranges_keep_every_row_at_the_cell_centre(tmp_path: Path) -> None:
    result = read_table(grid_file(tmp_path), mapping=GRID)
    frame = reconciled(result, "incidents")
    report = result.report
    assert (report.rows_in, report.rows_out, report.dropped) == (12, 12, {})
    assert report.repaired == {"grid_range_centre_used": 12}
    assert report.location_precision == {"500 m": 12}
    assert report.location_precision_m == 500.0
    lon, lat = FROM_SWEREF.transform(673250.0, 6579250.0)  # centre of the first square
    assert (frame.loc[0, "lat"], frame.loc[0, "lon"]) == (pytest.approx(lat), pytest.approx(lon))
    assert frame["lat"].between(59.2, 59.4).all() and frame["lon"].between(18.0, 18.2).all()
    assert (frame["category"] == "violence").all() and (frame["time_precision"] == "minute").all()


def test_a_stated_location_precision_applies_to_every_row(tmp_path: Path) -> None:
    coarse = read_table(grid_file(tmp_path), mapping={**GRID, "location_precision": 100})
    assert coarse.report.location_precision == {"500 m": 12}  # the coarser grid wins
    path = tmp_path / "snap.csv"
    path.write_text("id,lat,lon\n1,48.85,2.35\n2,48.86,2.36\n3,,\n")
    mapping = {"table": "incidents", "location_precision": 150,
               "columns": {"incident_id": "id", "lat": "lat", "lon": "lon"}}
    result = read_table(path, mapping=mapping)
    assert result.report.location_precision == {"150 m": 2}  # kept rows only
    assert result.report.location_precision_m == 150.0


def test_location_precision_in_the_options_for_a_known_export(tmp_path: Path) -> None:
    path = tmp_path / "Crime.csv"
    path.write_text("Crime ID,Month,Longitude,Latitude,Crime type\n"
                    "x1,2024-03,-1.25,51.75,Burglary\nx2,2024-03,-1.26,51.76,Drugs\n")
    plain = read_table(path).report
    assert (plain.location_precision, plain.location_precision_m) == ({"exact": 2}, None)
    stated = read_table(path, options=LoadOptions(location_precision_m=200)).report
    assert (stated.location_precision, stated.location_precision_m) == ({"200 m": 2}, 200.0)


def test_location_precision_is_shown_in_every_report_rendering(tmp_path: Path, capsys) -> None:
    path = grid_file(tmp_path)
    report = read_table(path, mapping=GRID).report
    assert "location precision:\n    500 m: 12" in report.to_text()
    html = report_html(report, "en")
    assert "Location precision: 500 m (12)" in html and "Time precision:" in html
    mapping = tmp_path / "grid.yaml"
    mapping.write_text(json.dumps(GRID))
    main(["validate", str(path), "--mapping", str(mapping), "--json"])
    printed = json.loads(capsys.readouterr().out)
    assert printed["location_precision"] == {"500 m": 12}
    assert printed["location_precision_m"] == 500.0


# --- "safe" and "unsafe" pins ----------------------------------------------------------------


def test_pins_in_two_files(tmp_path: Path) -> None:
    frames = []
    for name, value in (("unsafe", 1.0), ("safe", 0.0)):
        path = tmp_path / f"{name}.csv"
        path.write_text("pin,lat,lon\n" + "".join(
            f"{name}{i},48.8{i},2.3{i}\n" for i in range(3)))
        mapping = {"table": "perceptions", "insecurity": {"constant": value},
                   "columns": {"response_id": "pin", "lat": "lat", "lon": "lon"}}
        frames.append(reconciled(read_table(path, mapping=mapping), "perceptions"))
    pins = pd.concat(frames, ignore_index=True).set_index("response_id")
    assert pins["insecurity"].to_dict() == {
        "unsafe0": 1.0, "unsafe1": 1.0, "unsafe2": 1.0, "safe0": 0.0, "safe1": 0.0, "safe2": 0.0}


PIN_ROWS = ("pin,lat,lon,kind\n"
            "p1,48.85,2.35,unsafe\np2,48.86,2.36,Safe\np3,48.87,2.37, UNSAFE \n"
            "p4,48.88,2.38,dunno\np5,48.89,2.39,\n")


@pytest.mark.parametrize(
    "insecurity",
    [{"column": "kind", "values": {"unsafe": 1, "safe": 0}},
     {"column": "kind", "scale": ["safe", "unsafe"], "direction": "higher_is_unsafe"}],
    ids=["values", "scale"],
)
def test_pins_in_one_column(tmp_path: Path, insecurity: dict) -> None:
    path = tmp_path / "pins.csv"
    path.write_text(PIN_ROWS)
    mapping = {"table": "perceptions", "insecurity": insecurity,
               "columns": {"response_id": "pin", "lat": "lat", "lon": "lon"}}
    result = read_table(path, mapping=mapping)
    frame = reconciled(result, "perceptions").set_index("response_id")
    assert frame["insecurity"].to_dict() == {"p1": 1.0, "p2": 0.0, "p3": 1.0}
    assert result.report.dropped == {"unknown_insecurity_label": 1,
                                     "missing_or_non_numeric_insecurity": 1}
    dropped = result.report.dropped_rows.set_index("_reason")
    assert dropped.loc["unknown_insecurity_label", "response_id"] == "p4"


def test_pin_labels_from_a_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "pins.csv"
    path.write_text(PIN_ROWS)
    mapping = tmp_path / "pins.yaml"
    mapping.write_text("table: perceptions\n"
                       "columns: {response_id: pin, lat: lat, lon: lon}\n"
                       "insecurity:\n  column: kind\n  values: {unsafe: 1, safe: 0}\n")
    result = read_table(path, mapping=mapping)
    assert result.frame["insecurity"].tolist() == [1.0, 0.0, 1.0]
