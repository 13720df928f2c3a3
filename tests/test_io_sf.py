"""San Francisco incident reports: one incident per Incident ID, however many rows it has."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pandas as pd
import pytest

from geo.io import read_table
from geo.schema import check_contract

COLUMNS = ["Incident Datetime", "Row ID", "Incident ID", "Report Type Code", "Incident Code",
           "Incident Category", "Latitude", "Longitude"]


def sf_csv(tmp_path: Path, rows: list[list[str]]) -> Path:
    path = tmp_path / "sf.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def _preferred(rows: list[dict]) -> dict:
    """The row the reader must keep: not a supplement, then lowest Row ID."""
    return min(rows, key=lambda r: (r["Report Type Code"] in ("IS", "VS"), int(r["Row ID"])))


@pytest.mark.formats
def test_slice_counts_each_incident_once(formats_dir: Path) -> None:
    path = formats_dir / "sf_incident_reports_sample.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_id: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_id[r["Incident ID"]].append(r)
    placeless = {i for i, rs in by_id.items() if not any(r["Latitude"].strip() for r in rs)}
    assert len(by_id) < len(rows), "the slice is known to repeat Incident IDs"

    result = read_table(path)
    report = result.report

    assert (result.format, result.table) == ("sf", "incidents")
    assert report.rows_in == len(rows)
    assert report.rows_merged == len(rows) - len(by_id)
    assert report.rows_out == len(by_id) - len(placeless)
    assert report.dropped == ({"missing_coordinates": len(placeless)} if placeless else {})
    assert report.rows_in == report.rows_out + report.rows_merged + report.rows_dropped
    check_contract(result.frame, "incidents")
    assert result.frame["incident_id"].is_unique
    assert set(result.frame["incident_id"]) == set(by_id) - placeless


@pytest.mark.formats
def test_slice_keeps_the_initial_report_row(formats_dir: Path) -> None:
    path = formats_dir / "sf_incident_reports_sample.csv"
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    by_id: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        by_id[r["Incident ID"]].append(r)
    frame = read_table(path).frame.set_index("incident_id")
    for incident_id, group in by_id.items():
        if incident_id in frame.index:
            assert frame.loc[incident_id, "category_raw"] == _preferred(group)["Incident Category"]
    # "2018/12/01 12:25:00 AM" is 00:25 local time.
    assert frame.loc["743396", "occurred_from"] == pd.Timestamp("2018-12-01 00:25")
    assert frame.loc["743396", "category"] == "robbery"


def test_initial_row_wins_over_supplement_and_row_order(tmp_path: Path) -> None:
    path = sf_csv(tmp_path, [
        ["2018/12/01 12:30:00 PM", "5", "100", "IS", "1", "Warrant", "37.77", "-122.41"],
        ["2018/12/01 12:30:00 PM", "9", "100", "II", "2", "Robbery", "37.77", "-122.41"],
        ["2018/12/01 12:30:00 PM", "7", "100", "II", "3", "Assault", "37.77", "-122.41"],
        ["2018/12/02 01:00:00 AM", "1", "200", "II", "4", "Larceny Theft", "37.78", "-122.42"],
    ])
    result = read_table(path)
    frame = result.frame.set_index("incident_id")
    assert result.report.rows_merged == 2
    assert frame.loc["100", "category_raw"] == "Assault"  # lowest Row ID among initial rows
    assert frame.loc["100", "occurred_from"] == pd.Timestamp("2018-12-01 12:30")
    assert frame.loc["200", "category"] == "theft"


def test_coordinates_taken_from_another_row_of_the_incident(tmp_path: Path) -> None:
    path = sf_csv(tmp_path, [
        ["2018/12/01 10:00:00 PM", "1", "300", "II", "1", "Assault", "", ""],
        ["2018/12/01 10:00:00 PM", "2", "300", "IS", "2", "Assault", "37.75", "-122.40"],
    ])
    result = read_table(path)
    assert result.report.repaired["coordinates_from_other_row_of_incident"] == 1
    assert result.frame.loc[0, ["lat", "lon"]].tolist() == [37.75, -122.40]
    assert result.report.rows_merged == 1


def test_rows_without_incident_id_are_not_merged(tmp_path: Path) -> None:
    path = sf_csv(tmp_path, [
        ["2018/12/01 10:00:00 PM", "1", "", "II", "1", "Assault", "37.75", "-122.40"],
        ["2018/12/01 11:00:00 PM", "2", "", "II", "2", "Robbery", "37.76", "-122.41"],
    ])
    result = read_table(path)
    assert result.report.rows_merged == 0
    assert result.report.rows_out == 2
    assert result.report.repaired["missing_id_generated"] == 2
