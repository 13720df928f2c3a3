"""Chicago "Crimes - 2001 to Present": the real slice, 12-hour times, blank coordinates."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from geo.io import detect_format, read_table
from geo.schema import check_contract

HEADER = ("ID,Case Number,Date,Block,IUCR,Primary Type,Description,Location Description,"
          "Arrest,Domestic,X Coordinate,Y Coordinate,Year,Latitude,Longitude")


def chicago_csv(tmp_path: Path, rows: list[str], name: str = "chicago.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join([HEADER, *rows, ""]).encode("utf-8"))
    return path


def row(id_: str, date: str, kind: str = "THEFT", lat: str = "41.88", lon: str = "-87.63",
        x: str = "", y: str = "") -> str:
    return f"{id_},JH{id_},{date},001XX W X ST,0820,{kind},DESC,STREET,false,false,{x},{y},2024," \
           f"{lat},{lon}"


def reconciles(result) -> None:
    report = result.report
    assert report.rows_in == report.rows_out + report.rows_merged + report.rows_dropped
    assert len(result.frame) == report.rows_out
    check_contract(result.frame, "incidents")


@pytest.mark.formats
def test_slice_counts_match_an_independent_read(formats_dir: Path) -> None:
    path = formats_dir / "chicago_crimes_sample.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    blank = [r for r in rows if not r["Latitude"].strip() or not r["Longitude"].strip()]
    assert blank, "the slice is known to hold rows without coordinates"

    result = read_table(path)

    assert (result.format, result.table) == ("chicago", "incidents")
    reconciles(result)
    assert result.report.rows_in == len(rows)
    assert result.report.rows_out == len(rows) - len(blank)
    assert result.report.dropped == {"missing_coordinates": len(blank)}
    dropped = result.report.dropped_rows
    assert sorted(dropped["incident_id"]) == sorted(r["ID"] for r in blank)
    assert sorted(dropped["_row"]) == sorted(i + 1 for i, r in enumerate(rows) if r in blank)
    # Reported, not lost: every ID is either in the table or in the dropped rows.
    assert set(result.frame["incident_id"]) | set(dropped["incident_id"]) == {r["ID"] for r in rows}
    assert (result.frame["source"] == "police").all()
    assert (result.frame["time_precision"] == "minute").all()


@pytest.mark.formats
def test_slice_keeps_raw_labels_and_maps_every_one(formats_dir: Path) -> None:
    result = read_table(formats_dir / "chicago_crimes_sample.csv")
    frame = result.frame
    assert "category_unmapped_to_other" not in result.report.repaired
    by_raw = frame.groupby("category_raw")["category"].first()
    assert by_raw["HOMICIDE"] == "violence"
    assert by_raw["BATTERY"] == "violence"
    assert by_raw["WEAPONS VIOLATION"] == "weapons"
    assert by_raw["CRIMINAL SEXUAL ASSAULT"] == "sexual_violence"
    assert by_raw["NARCOTICS"] == "drugs"


@pytest.mark.formats
def test_slice_first_row_time_is_twelve_hour_clock(formats_dir: Path) -> None:
    frame = read_table(formats_dir / "chicago_crimes_sample.csv").frame
    first = frame.loc[frame["incident_id"] == "13364090", "occurred_from"].iloc[0]
    assert first == pd.Timestamp("2024-02-10 00:44:00")  # "02/10/2024 12:44:00 AM"


def test_twelve_hour_known_answers(tmp_path: Path) -> None:
    path = chicago_csv(tmp_path, [
        row("1", "02/10/2024 12:44:00 AM"),
        row("2", "02/10/2024 12:30:00 PM"),
        row("3", "02/10/2024 01:05:00 PM"),
        row("4", "02/10/2024 11:59:59 PM"),
    ])
    frame = read_table(path).frame.set_index("incident_id")["occurred_from"]
    assert frame["1"] == pd.Timestamp("2024-02-10 00:44")
    assert frame["2"] == pd.Timestamp("2024-02-10 12:30")
    assert frame["3"] == pd.Timestamp("2024-02-10 13:05")
    assert frame["4"] == pd.Timestamp("2024-02-10 23:59:59")


def test_impossible_date_is_unknown_time_not_next_month(tmp_path: Path) -> None:
    path = chicago_csv(tmp_path, [row("1", "02/30/2024 01:00:00 PM"),
                                  row("2", "yesterday evening")])
    result = read_table(path)
    assert result.report.repaired["unparseable_time"] == 2
    assert result.frame["occurred_from"].isna().all()
    assert (result.frame["time_precision"] == "unknown").all()
    reconciles(result)


def test_blank_lat_lon_filled_from_state_plane(tmp_path: Path) -> None:
    # City Hall: X 1174000, Y 1901000 (Illinois East, US ft) is about 41.884 N, 87.632 W.
    path = chicago_csv(tmp_path, [row("1", "02/10/2024 10:00:00 PM", lat="", lon="",
                                      x="1174000", y="1901000")])
    result = read_table(path)
    assert result.report.repaired["coordinates_from_state_plane_xy"] == 1
    lat, lon = result.frame.loc[0, ["lat", "lon"]]
    assert lat == pytest.approx(41.884, abs=0.01)
    assert lon == pytest.approx(-87.632, abs=0.01)


def test_unknown_label_counts_as_unmapped(tmp_path: Path) -> None:
    path = chicago_csv(tmp_path, [row("1", "02/10/2024 10:00:00 PM", kind="RITUAL DANCE")])
    result = read_table(path)
    assert result.frame.loc[0, "category"] == "other"
    assert result.frame.loc[0, "category_raw"] == "RITUAL DANCE"
    assert result.report.repaired["category_unmapped_to_other"] == 1


def test_detected_by_header_even_in_lower_case(tmp_path: Path) -> None:
    path = tmp_path / "lower.csv"
    path.write_text("id,case_number,date,primary_type,latitude,longitude\n"
                    "9,JX1,02/10/2024 10:00:00 PM,ROBBERY,41.8,-87.6\n")
    assert detect_format(path) == "chicago"
    frame = read_table(path).frame
    assert frame.loc[0, "category"] == "robbery"
