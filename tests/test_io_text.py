"""The delimited-text layer: encodings, delimiters, quoting, and numbering of bad lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.errors import FileFormatError
from geo.io._text import read_csv_table, resolve_columns, sniff_csv, sniff_kind


def write(tmp_path: Path, data: bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_quoted_newlines_and_delimiters_stay_in_their_field(tmp_path: Path) -> None:
    path = write(tmp_path, b'a,b,c\n1,"two\nlines, with comma",3\n4,5,6\n')
    raw = read_csv_table(sniff_csv(path))
    assert raw.table["b"].to_pylist() == ["two\nlines, with comma", "5"]
    assert raw.rows.tolist() == [1, 2]
    assert len(raw.malformed) == 0


def test_bad_lines_numbered_even_after_a_quoted_newline(tmp_path: Path) -> None:
    path = write(tmp_path, b'a,b,c\n1,"x\ny",3\n4,5\n6,7,8\n9,10,11,12\n')
    raw = read_csv_table(sniff_csv(path))
    assert raw.malformed["_row"].tolist() == [2, 4]
    assert raw.malformed["_line"].tolist() == ["4,5", "9,10,11,12"]
    assert raw.rows.tolist() == [1, 3]
    assert raw.rows_in == 4


def test_blank_values_are_null_and_spaces_are_kept(tmp_path: Path) -> None:
    path = write(tmp_path, b'a,b\n,""\n x ,y\n')
    raw = read_csv_table(sniff_csv(path))
    assert raw.table["a"].to_pylist() == [None, " x "]
    assert raw.table["b"].to_pylist() == [None, "y"]


def test_latin1_bytes_that_cp1252_lacks(tmp_path: Path) -> None:
    path = write(tmp_path, b"a,b\n1,caf\xe9\n2,\x81odd\n")
    raw = read_csv_table(sniff_csv(path))
    assert raw.table["b"].to_pylist() == ["café", "\x81odd"]
    assert raw.repaired["decoded_as_cp1252"] == 2


def test_invalid_utf8_late_in_a_big_file_switches_to_line_decoding(tmp_path: Path) -> None:
    lines = [b"a,b"] + [b"%d,ok" % i for i in range(20000)] + [b"x,\xe9t\xe9"]
    raw = read_csv_table(sniff_csv(write(tmp_path, b"\n".join(lines) + b"\n")))
    assert sniff_csv(tmp_path / "t.csv").encoding == "utf8"  # the head alone looks fine
    assert raw.table.num_rows == 20001
    assert raw.table["b"].to_pylist()[-1] == "été"
    assert raw.repaired["decoded_as_cp1252"] == 1


def test_header_names_blank_and_repeated(tmp_path: Path) -> None:
    sniff = sniff_csv(write(tmp_path, b"a,,a,b\n1,2,3,4\n"))
    assert sniff.header == ("a", "unnamed_2", "a.1", "b")


@pytest.mark.parametrize(
    ("data", "delimiter"),
    [
        (b"a,b,c\n1,2,3\n", ","),
        (b"a;b;c\n1,5;2;3\n", ";"),
        (b"a\tb\n1\t2\n", "\t"),
        (b"a|b|c\n1|2|3\n", "|"),
        (b'name,hours\nx,"Mo-Fr 10:00-20:00; Sa 10:00-14:00"\n', ","),
        (b"single\n1\n", ","),
    ],
)
def test_delimiter_sniffing(tmp_path: Path, data: bytes, delimiter: str) -> None:
    assert sniff_csv(write(tmp_path, data)).delimiter == delimiter


def test_columns_match_loosely_but_missing_ones_are_named(tmp_path: Path) -> None:
    sniff = sniff_csv(write(tmp_path, b" Crime ID ,MONTH,crime_type\n1,2,3\n"))
    assert resolve_columns(sniff, ["Crime ID", "Month", "Crime type"]) == {
        "Crime ID": "Crime ID", "Month": "MONTH", "Crime type": "crime_type"}
    with pytest.raises(FileFormatError, match="missing required columns: Latitude"):
        resolve_columns(sniff, ["Crime ID", "Latitude"])


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"a,b\n", "text"), (b'  {"type": 1}', "json"), (b"[1]", "json"), (b"PAR1xxxx", "parquet"),
     (b"SQLite format 3\x00...", "gpkg"), (b"\xff\xfea\x00,\x00", "text")],
)
def test_sniff_kind(tmp_path: Path, data: bytes, kind: str) -> None:
    assert sniff_kind(write(tmp_path, data)) == kind


def test_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="not a file"):
        sniff_kind(tmp_path)
