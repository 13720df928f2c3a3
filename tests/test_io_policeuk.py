"""police.uk street CSV: month-only times, snap points, blank Crime IDs, CRLF line ends."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from geo.io import read_table
from geo.schema import LoadOptions, check_contract

HEADER = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,"
          "LSOA name,Crime type,Last outcome category,Context")


@pytest.mark.formats
def test_slice_counts_and_month_precision(formats_dir: Path) -> None:
    path = formats_dir / "policeuk_street_sample.csv"
    assert b"\r\n" in path.read_bytes()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    blank_ids = sum(not r["Crime ID"].strip() for r in rows)
    ids = [r["Crime ID"] for r in rows if r["Crime ID"].strip()]
    repeated = len(ids) - len(set(ids))
    placeless = sum(not r["Latitude"].strip() or not r["Longitude"].strip() for r in rows)

    result = read_table(path)
    report = result.report

    assert (result.format, result.table) == ("policeuk", "incidents")
    assert report.rows_in == len(rows)
    assert report.repaired["missing_id_generated"] == blank_ids
    assert report.dropped.get("duplicate_id", 0) == repeated
    assert report.dropped.get("missing_coordinates", 0) == placeless
    assert report.rows_out == len(rows) - repeated - placeless
    assert report.rows_in == report.rows_out + report.rows_merged + report.rows_dropped
    check_contract(result.frame, "incidents")
    assert (result.frame["time_precision"] == "month").all()
    assert report.time_precision == {"month": report.rows_out}
    assert (result.frame["occurred_from"] == pd.Timestamp("2023-03-01")).all()
    assert result.frame["occurred_to"].isna().all()
    assert any("hour" in note for note in report.notes)


@pytest.mark.formats
def test_slice_categories(formats_dir: Path) -> None:
    result = read_table(formats_dir / "policeuk_street_sample.csv")
    by_raw = result.frame.groupby("category_raw")["category"].first()
    assert by_raw["Anti-social behaviour"] == "disorder"
    assert by_raw["Violence and sexual offences"] == "violence"
    assert by_raw["Bicycle theft"] == "theft"
    assert by_raw["Criminal damage and arson"] == "criminal_damage"
    assert by_raw["Possession of weapons"] == "weapons"
    assert "category_unmapped_to_other" not in result.report.repaired
    assert not result.frame["category_raw"].str.endswith("\r").any()


def test_crlf_and_blank_coordinates(tmp_path: Path) -> None:
    path = tmp_path / "2023-03-city-of-london-street.csv"
    lines = [HEADER,
             "abc,2023-03,City,City,-0.1,51.5,On or near X,E1,N1,Drugs,Done,",
             ",2023-03,City,City,,,No Location,,,Anti-social behaviour,,",
             ",2023-03,City,City,-0.1,51.5,On or near X,E1,N1,Anti-social behaviour,,"]
    path.write_bytes("\r\n".join([*lines, ""]).encode())
    result = read_table(path)
    assert result.report.dropped == {"missing_coordinates": 1}
    assert result.report.repaired["missing_id_generated"] == 1  # the placeless row went first
    assert list(result.frame["category"]) == ["drugs", "disorder"]
    assert result.frame.loc[0, "incident_id"] == "abc"


def test_hour_options_do_not_touch_month_rows(tmp_path: Path) -> None:
    path = tmp_path / "street.csv"
    path.write_text(HEADER + "\nx1,2023-03,C,C,-0.1,51.5,L,E,N,Robbery,,\n")
    result = read_table(path, options=LoadOptions(default_times_unknown=True))
    assert result.frame.loc[0, "time_precision"] == "month"
