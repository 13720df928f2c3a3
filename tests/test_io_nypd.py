"""NYPD complaint data: from/to spans, day-only times, ``(null)`` blanks, 24:00:00."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.io import detect_format, read_table
from geo.schema import check_contract

HEADER = ("CMPLNT_NUM,CMPLNT_FR_DT,CMPLNT_FR_TM,CMPLNT_TO_DT,CMPLNT_TO_TM,OFNS_DESC,LAW_CAT_CD,"
          "Latitude,Longitude")
ROWS = [
    "1001,03/01/2024,22:00:00,03/02/2024,02:00:00,FELONY ASSAULT,FELONY,40.75,-73.99",
    "1002,03/02/2024,23:30:00,(null),(null),PETIT LARCENY,MISDEMEANOR,40.76,-73.98",
    "1003,03/03/2024,,03/04/2024,,HARRASSMENT 2,VIOLATION,40.70,-73.95",
    "1004,03/03/2024,24:00:00,,,DANGEROUS DRUGS,MISDEMEANOR,40.71,-73.96",
    "1005,01/15/1019,10:00:00,,,ROBBERY,FELONY,40.72,-73.97",
    "1006,03/05/2024,10:00:00,,,OFF. AGNST PUB ORD SENSBLTY &,MISDEMEANOR,,",
]


def nypd_csv(tmp_path: Path, rows: list[str] = ROWS) -> Path:
    path = tmp_path / "NYPD_Complaint_Data.csv"
    path.write_text("\n".join([HEADER, *rows, ""]))
    return path


def test_detected_and_reconciled(tmp_path: Path) -> None:
    path = nypd_csv(tmp_path)
    assert detect_format(path) == "nypd"
    result = read_table(path)
    report = result.report
    assert (result.format, result.table) == ("nypd", "incidents")
    assert report.rows_in == len(ROWS)
    assert report.dropped == {"missing_coordinates": 1}
    assert report.rows_out == len(ROWS) - 1
    assert report.rows_in == report.rows_out + report.rows_merged + report.rows_dropped
    check_contract(result.frame, "incidents")


def test_from_and_to_become_a_span(tmp_path: Path) -> None:
    frame = read_table(nypd_csv(tmp_path)).frame.set_index("incident_id")
    assert frame.loc["1001", "occurred_from"] == pd.Timestamp("2024-03-01 22:00")
    assert frame.loc["1001", "occurred_to"] == pd.Timestamp("2024-03-02 02:00")
    assert frame.loc["1001", "time_precision"] == "minute"
    assert pd.isna(frame.loc["1002", "occurred_to"])  # "(null)" is blank, an exact time


def test_dates_without_times_are_known_to_the_day(tmp_path: Path) -> None:
    frame = read_table(nypd_csv(tmp_path)).frame.set_index("incident_id")
    assert frame.loc["1003", "time_precision"] == "day"
    assert frame.loc["1003", "occurred_from"] == pd.Timestamp("2024-03-03 00:00")
    # A to-date without a time runs to the end of that day.
    assert frame.loc["1003", "occurred_to"] == pd.Timestamp("2024-03-04 23:59")


def test_midnight_written_as_24_is_the_end_of_the_day(tmp_path: Path) -> None:
    frame = read_table(nypd_csv(tmp_path)).frame.set_index("incident_id")
    assert frame.loc["1004", "occurred_from"] == pd.Timestamp("2024-03-04 00:00")


def test_typo_year_is_unparseable_not_a_crash(tmp_path: Path) -> None:
    result = read_table(nypd_csv(tmp_path))
    frame = result.frame.set_index("incident_id")
    assert pd.isna(frame.loc["1005", "occurred_from"])
    assert frame.loc["1005", "time_precision"] == "unknown"
    assert result.report.repaired["unparseable_time"] == 1


def test_categories(tmp_path: Path) -> None:
    result = read_table(nypd_csv(tmp_path))
    frame = result.frame.set_index("incident_id")
    assert frame.loc["1001", "category"] == "violence"
    assert frame.loc["1002", "category"] == "theft"
    assert frame.loc["1003", "category"] == "harassment"
    assert frame.loc["1004", "category"] == "drugs"
    assert frame.loc["1003", "category_raw"] == "HARRASSMENT 2"
    assert "category_unmapped_to_other" not in result.report.repaired


def test_api_style_lower_case_headers(tmp_path: Path) -> None:
    path = tmp_path / "api.csv"
    path.write_text("cmplnt_num,cmplnt_fr_dt,cmplnt_fr_tm,ofns_desc,latitude,longitude\n"
                    "7,2024-03-01T00:00:00.000,21:15:00,ROBBERY,40.7,-73.9\n")
    frame = read_table(path).frame
    assert frame.loc[0, "occurred_from"] == pd.Timestamp("2024-03-01 21:15")
    assert frame.loc[0, "category"] == "robbery"
