"""Every reader fed generated bad CSV and GeoJSON bytes (Hypothesis): an error or a report.

Users feed the atlas whatever their systems export. Each test starts from a valid file of one
reader's format — Chicago, San Francisco, NYPD, police.uk, OSM, and the generic reader on
canonical CSVs, a mapped survey, mapped app reports and mapped GeoJSON pins — breaks it in one
named way (a *class* of bad input, :data:`BAD_INPUTS`) with details drawn by Hypothesis, and
reads it with :func:`geo.io.read_table`. Whatever the bytes, the outcome is one of two (DESIGN
§2): one clear :class:`~geo.errors.AtlasError` naming the file, or a table whose report
reconciles (``rows_in = rows_out + rows_merged + dropped``, dropped rows kept with a reason) and,
where the damage cannot change how many records the file holds, counts every record written.
Never another exception, never a row that silently disappears.

tests/test_io_bad_input.py pins known answers for single cases; this file explores around them.
tests/test_fuzz_upload.py reuses these files on the dashboard's upload path. The classes are
listed in data/README.md, and a test keeps that list and :data:`BAD_INPUTS` in step.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import pytest
import shapely.errors
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from geo.errors import AtlasError, FileFormatError
from geo.io import LoadResult, read_table
from geo.schema import REASON_COLUMN, ROW_COLUMN, check_contract
from tests.conftest import REPO

Draw = Callable[[st.SearchStrategy[Any]], Any]
EXAMPLES = REPO / "geo" / "io" / "examples"
FUZZ = settings(
    max_examples=2,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
"""Few examples per (class, reader) pair, so that both fuzz files stay well under a minute on
two cores: the breadth of the matrix finds most bugs (a local run of 25 examples per pair found
one more, an unknown geometry type, now a class of its own). Hypothesis tries the simplest
example first, then random ones; :func:`test_several_classes_at_once` adds depth across
classes. No example database: each run explores afresh and takes the same time."""

# ---------------------------------------------------------------------------------- readers


@dataclass(frozen=True)
class Reader:
    """A format to fuzz: how to make a valid row, and the role of its columns."""

    name: str
    kind: Literal["csv", "geojson"]
    table: str
    row: Callable[[Draw, int], dict[str, str]]
    lat: str
    lon: str
    id: str | None = None
    times: tuple[str, ...] = ()
    span: tuple[str, str] | None = None
    labels: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    hours: str | None = None
    mapping: Path | None = None
    delimiter: str = ","

    @property
    def suffix(self) -> str:
        return ".csv" if self.kind == "csv" else ".geojson"

    def read(self, path: Path) -> LoadResult:
        """What the data panel does with the file: table named, format detected."""
        return read_table(path, self.table, mapping=self.mapping)


def _coord(draw: Draw, low: float, high: float, decimals: int = 6) -> str:
    return f"{draw(st.floats(low, high)):.{decimals}f}"


def _when(draw: Draw) -> datetime:
    return draw(st.datetimes(datetime(2023, 1, 1), datetime(2024, 12, 31, 23, 59)))


def _chicago(draw: Draw, i: int) -> dict[str, str]:
    return {
        "ID": str(12000000 + i), "Case Number": f"JH{100000 + i}",
        "Date": _when(draw).strftime("%m/%d/%Y %I:%M:%S %p"), "Block": "004XX N STATE ST",
        "Primary Type": draw(st.sampled_from(["THEFT", "BATTERY", "ASSAULT", "NARCOTICS"])),
        "Description": "SIMPLE", "X Coordinate": str(1176000 + i), "Y Coordinate": "1903000",
        "Latitude": _coord(draw, 41.65, 42.02, 9), "Longitude": _coord(draw, -87.93, -87.53, 9),
    }


def _sf(draw: Draw, i: int) -> dict[str, str]:
    return {
        "Incident Datetime": _when(draw).strftime("%Y/%m/%d %I:%M:%S %p"),
        "Row ID": str(95000000000 + i), "Incident ID": str(1200000 + i),
        "Report Type Code": draw(st.sampled_from(["II", "VI", "IS"])),
        "Incident Category": draw(st.sampled_from(["Larceny Theft", "Assault", "Robbery"])),
        "Latitude": _coord(draw, 37.71, 37.81), "Longitude": _coord(draw, -122.51, -122.36),
    }


def _nypd(draw: Draw, i: int) -> dict[str, str]:
    start = _when(draw)
    return {
        "CMPLNT_NUM": str(260000000 + i), "CMPLNT_FR_DT": start.strftime("%m/%d/%Y"),
        "CMPLNT_FR_TM": start.strftime("%H:%M:%S"),
        "CMPLNT_TO_DT": draw(st.sampled_from(["", "(null)", start.strftime("%m/%d/%Y")])),
        "CMPLNT_TO_TM": draw(st.sampled_from(["", "(null)", "23:59:00", "24:00:00"])),
        "OFNS_DESC": draw(st.sampled_from(["PETIT LARCENY", "FELONY ASSAULT", "ROBBERY"])),
        "LAW_CAT_CD": "MISDEMEANOR",
        "Latitude": _coord(draw, 40.5, 40.9), "Longitude": _coord(draw, -74.25, -73.7),
    }


def _policeuk(draw: Draw, i: int) -> dict[str, str]:
    return {
        "Crime ID": draw(st.sampled_from(["", f"{i:064x}"])),
        "Month": _when(draw).strftime("%Y-%m"), "Reported by": "Metropolitan Police Service",
        "Longitude": _coord(draw, -0.5, 0.3), "Latitude": _coord(draw, 51.3, 51.7),
        "Location": "On or near Oxford Street", "LSOA code": "E01000001",
        "Crime type": draw(st.sampled_from(["Burglary", "Anti-social behaviour", "Drugs"])),
        "Last outcome category": "Under investigation",
    }


def _incidents(draw: Draw, i: int) -> dict[str, str]:
    start = _when(draw)
    return {
        "incident_id": f"inc-{i}", "occurred_from": start.isoformat(timespec="minutes"),
        "occurred_to": draw(st.sampled_from(["", start.replace(hour=23).isoformat()])),
        "lat": _coord(draw, 45.7, 45.8, 5), "lon": _coord(draw, 4.8, 4.9, 5),
        "category": draw(st.sampled_from(["theft", "violence", "harassment", "Vol simple"])),
        "source": draw(st.sampled_from(["police", "app"])),
    }


def _perceptions(draw: Draw, i: int) -> dict[str, str]:
    return {
        "response_id": f"resp-{i}", "lat": _coord(draw, 45.7, 45.8), "lon": _coord(draw, 4.8, 4.9),
        "answered_at": _when(draw).isoformat(), "hour": draw(st.sampled_from(["", "0", "23"])),
        "daypart": draw(st.sampled_from(["night", "evening", "day", "any"])),
        "insecurity": str(draw(st.sampled_from([0.0, 0.25, 1 / 3, 1.0]))),
        "weight": draw(st.sampled_from(["1", "0.958", ""])),
        "group": draw(st.sampled_from(["women 18-29", "men 45-59", ""])),
    }


def _venues(draw: Draw, i: int) -> dict[str, str]:
    return {
        "venue_id": f"node/{i}", "name": "Bar Le Comptoir",
        "kind": draw(st.sampled_from(["bar", "pub", "nightclub"])),
        "lat": _coord(draw, 45.7, 45.8), "lon": _coord(draw, 4.8, 4.9),
        "opening_hours": draw(st.sampled_from(["Mo-Su 18:00-02:00", "24/7", ""])),
    }


def _survey(draw: Draw, i: int) -> dict[str, str]:
    return {
        "id": str(i), "latitude": _coord(draw, 45.7, 45.8), "longitude": _coord(draw, 4.8, 4.9),
        "date": _when(draw).strftime("%d/%m/%Y %H:%M"),
        "gender": draw(st.sampled_from(["f", "m", "x"])), "w": "1.1",
        "q7": draw(st.sampled_from(["1", "2", "3", "4"])),
    }


def _app_reports(draw: Draw, i: int) -> dict[str, str]:
    return {
        "signalement": f"S{i}", "date_heure": _when(draw).strftime("%d/%m/%Y %H:%M"),
        "type": draw(st.sampled_from(["Vol", "Agression", "Harcèlement de rue"])),
        "X": _coord(draw, 840000, 848000, 1), "Y": _coord(draw, 6515000, 6523000, 1),
    }


def _osm(draw: Draw, i: int) -> dict[str, str]:
    return {
        "@id": f"node/{1000 + i}", "amenity": draw(st.sampled_from(["bar", "pub", "nightclub"])),
        "name": "Le Comptoir", "opening_hours": draw(st.sampled_from(["Mo-Sa 18:00-02:00", ""])),
        "lat": _coord(draw, 45.7, 45.8, 7), "lon": _coord(draw, 4.8, 4.9, 7),
    }


def _pins(draw: Draw, i: int) -> dict[str, str]:
    return {
        "pin_id": f"p{i}", "created": _when(draw).isoformat(),
        "hour_of_feeling": draw(st.sampled_from(["22", "3", ""])),
        "lat": _coord(draw, 45.7, 45.8), "lon": _coord(draw, 4.8, 4.9),
    }


READERS: dict[str, Reader] = {
    r.name: r
    for r in (
        Reader("chicago", "csv", "incidents", _chicago, "Latitude", "Longitude", "ID", ("Date",),
               labels=("Primary Type",), texts=("Block", "Description")),
        Reader("sf", "csv", "incidents", _sf, "Latitude", "Longitude", "Incident ID",
               ("Incident Datetime",), labels=("Incident Category", "Report Type Code")),
        Reader("nypd", "csv", "incidents", _nypd, "Latitude", "Longitude", "CMPLNT_NUM",
               ("CMPLNT_FR_DT", "CMPLNT_FR_TM", "CMPLNT_TO_DT", "CMPLNT_TO_TM"),
               span=("CMPLNT_FR_DT", "CMPLNT_TO_DT"), labels=("OFNS_DESC", "LAW_CAT_CD")),
        Reader("policeuk", "csv", "incidents", _policeuk, "Latitude", "Longitude", "Crime ID",
               ("Month",), labels=("Crime type",), texts=("Location", "Last outcome category")),
        Reader("generic_incidents", "csv", "incidents", _incidents, "lat", "lon", "incident_id",
               ("occurred_from", "occurred_to"), span=("occurred_from", "occurred_to"),
               labels=("category", "source")),
        Reader("generic_perceptions", "csv", "perceptions", _perceptions, "lat", "lon",
               "response_id", ("answered_at",), labels=("daypart", "group"),
               numbers=("hour", "insecurity", "weight")),
        Reader("generic_venues", "csv", "venues", _venues, "lat", "lon", "venue_id",
               labels=("kind",), texts=("name",), hours="opening_hours"),
        Reader("mapped_survey", "csv", "perceptions", _survey, "latitude", "longitude", "id",
               ("date",), labels=("gender",), numbers=("w", "q7"),
               mapping=EXAMPLES / "survey_likert.yaml"),
        Reader("mapped_app_reports", "csv", "incidents", _app_reports, "Y", "X", "signalement",
               ("date_heure",), labels=("type",), mapping=EXAMPLES / "app_reports.yaml",
               delimiter=";"),
        Reader("osm", "geojson", "venues", _osm, "lat", "lon", "@id", labels=("amenity",),
               texts=("name",), hours="opening_hours"),
        Reader("mapped_pins", "geojson", "perceptions", _pins, "lat", "lon", "pin_id",
               ("created",), numbers=("hour_of_feeling",), mapping=EXAMPLES / "safety_pins.yaml"),
    )
}
"""Every reader, and the generic reader through each kind of mapping."""

# ---------------------------------------------------------------------------------- files


@dataclass
class Table:
    """A file before it is written: header and rows of cells (GeoJSON: properties + point)."""

    header: list[str]
    rows: list[list[Any]]
    geometry: dict[int, Any] = field(default_factory=dict)
    """GeoJSON: row -> ``geometry`` member written as is, instead of the lat/lon point."""
    properties: dict[int, Any] = field(default_factory=dict)
    """GeoJSON: row -> ``properties`` member written as is."""

    def column(self, name: str) -> int | None:
        return self.header.index(name) if name in self.header else None


def good_table(draw: Draw, reader: Reader) -> Table:
    n = draw(st.integers(1, 6))
    rows = [reader.row(draw, i) for i in range(n)]
    header = list(rows[0])
    return Table(header, [[r[c] for c in header] for r in rows])


def _point(value: Any) -> Any:
    """A coordinate cell as GeoJSON writes it: a number when it is one, else as it came."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def feature_collection(reader: Reader, table: Table) -> dict[str, Any]:
    features = []
    for i, row in enumerate(table.rows):
        cells = dict(zip(table.header, row, strict=False))
        lat, lon = cells.pop(reader.lat, None), cells.pop(reader.lon, None)
        if i in table.geometry:
            geometry = table.geometry[i]
        elif lat in (None, "") or lon in (None, ""):
            geometry = None
        else:
            geometry = {"type": "Point", "coordinates": [_point(lon), _point(lat)]}
        features.append({"type": "Feature", "properties": table.properties.get(i, cells),
                         "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def csv_lines(table: Table, delimiter: str) -> list[str]:
    """One text line per record (a record with a quoted line break spans several)."""
    out = []
    for row in [table.header, *table.rows]:
        buffer = io.StringIO()
        csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerow(
            ["" if v is None else str(v) for v in row])
        out.append(buffer.getvalue().removesuffix("\n"))
    return out


def encode(reader: Reader, table: Table, delimiter: str | None = None) -> bytes:
    if reader.kind == "csv":
        return ("\n".join(csv_lines(table, delimiter or reader.delimiter)) + "\n").encode()
    return json.dumps(feature_collection(reader, table), ensure_ascii=False).encode()


# ---------------------------------------------------------------------------------- classes


@dataclass(frozen=True)
class BadInput:
    """One class of bad input: a way real files break, applied to a valid file."""

    name: str
    description: str
    kinds: frozenset[str]
    countable: bool
    """Every record written must be counted in ``rows_in`` (the damage keeps records apart)."""
    on_bytes: bool
    """Applied to the written bytes (file level), not to the table (cell level)."""
    applies: Callable[[Reader], bool]
    apply: Callable[[Draw, Reader, Table], Table | bytes]


BAD_INPUTS: dict[str, BadInput] = {}
"""Every class of bad input tried, by name (data/README.md lists them)."""


def bad_input(
    name: str,
    *,
    kinds: tuple[str, ...] = ("csv", "geojson"),
    countable: bool = True,
    on_bytes: bool = False,
    applies: Callable[[Reader], bool] = lambda reader: True,
) -> Callable:
    def register(fn: Callable) -> Callable:
        description = " ".join(fn.__doc__.split()) if fn.__doc__ else name
        BAD_INPUTS[name] = BadInput(name, description, frozenset(kinds), countable, on_bytes,
                                    applies, fn)
        return fn

    return register


SAFE_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)
"""Any text without control characters (those have their own class, which may not count)."""


def set_cell(row: list[Any], j: int | None, value: Any) -> None:
    """Set a cell unless an earlier class cut the row short (then there is nothing to set)."""
    if j is not None and j < len(row):
        row[j] = value


def get_cell(row: list[Any], j: int | None) -> Any:
    return row[j] if j is not None and j < len(row) else ""


def rows_of(draw: Draw, table: Table) -> list[int]:
    n = len(table.rows)
    return draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)) if n else []


def put(table: Table, rows: list[int], column: str | None, values: st.SearchStrategy,
        draw: Draw) -> Table:
    j = table.column(column) if column else None
    for i in rows:
        set_cell(table.rows[i], j, draw(values))
    return table


def put_coordinates(draw: Draw, reader: Reader, table: Table, lat: st.SearchStrategy,
                    lon: st.SearchStrategy | None = None) -> Table:
    for i in rows_of(draw, table):
        set_cell(table.rows[i], table.column(reader.lat), draw(lat))
        set_cell(table.rows[i], table.column(reader.lon), draw(lon if lon is not None else lat))
    return table


# --- cells: coordinates


@bad_input("blank_coordinates")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Blank latitude and/or longitude (GeoJSON: null geometry), as withheld locations are."""
    blank = st.sampled_from(["", " ", "  "])
    return put_coordinates(draw, reader, table, st.one_of(blank, st.just("45.75")), blank)


@bad_input("non_numeric_coordinates")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Text in a coordinate: "north", "N/A", "45°45'N", "(null)", "1.2.3", "0x1F"."""
    words = st.sampled_from(["north", "N/A", "-", "45°45'N", "(null)", "?", "1.2.3", "0x1F",
                             "1e", "--5", "½", "TRUE"])
    return put_coordinates(draw, reader, table, words)


@bad_input("out_of_range_coordinates")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Latitude beyond ±90 and longitude beyond ±180 (but finite)."""
    far = st.floats(90.001, 1e7).map(str) | st.floats(-1e7, -180.001).map(str)
    return put_coordinates(draw, reader, table, far)


@bad_input("zero_zero_sentinel")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """(0, 0) written where the location is unknown ("Null Island")."""
    zero = st.sampled_from(["0", "0.0", "0.000000", "-0"])
    return put_coordinates(draw, reader, table, zero)


@bad_input("lat_lon_swapped")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Latitude and longitude values exchanged on some rows."""
    a, b = table.column(reader.lat), table.column(reader.lon)
    for i in rows_of(draw, table):
        row = table.rows[i]
        lat, lon = get_cell(row, a), get_cell(row, b)
        set_cell(row, a, lon)
        set_cell(row, b, lat)
    return table


@bad_input("projected_coordinates_as_lat_lon")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Projected x/y metres (Lambert-93, state plane feet) in the lat/lon columns."""
    return put_coordinates(draw, reader, table, st.floats(6.0e6, 6.9e6).map(lambda v: f"{v:.1f}"),
                           st.floats(1.0e5, 1.2e6).map(lambda v: f"{v:.1f}"))


@bad_input("non_finite_numbers")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """"nan", "inf", "-Infinity", "1e999" in coordinates and other numeric columns."""
    values = st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e999"])
    column = draw(st.sampled_from([reader.lat, reader.lon, *reader.numbers]))
    return put(table, rows_of(draw, table), column, values, draw)


@bad_input("huge_or_tiny_numbers")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Numbers at the edges of floats: 1e308, 400 nines, 1e-320, -0, 30-digit integers."""
    values = st.sampled_from(["1e308", "-1e308", "9" * 400, "1e-320", "-0",
                              "123456789012345678901234567890", "4.9e-324"])
    column = draw(st.sampled_from([reader.lat, reader.lon, *reader.numbers]))
    return put(table, rows_of(draw, table), column, values, draw)


@bad_input("decimal_commas")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Decimal commas in numbers ("45,75"), as French and German spreadsheets write them."""
    column = draw(st.sampled_from([reader.lat, reader.lon, *reader.numbers]))
    j = table.column(column)
    for i in rows_of(draw, table):
        set_cell(table.rows[i], j, str(get_cell(table.rows[i], j)).replace(".", ",") or "1,5")
    return table


# --- cells: times


def _has_times(reader: Reader) -> bool:
    return bool(reader.times)


def _put_times(draw: Draw, reader: Reader, table: Table, values: st.SearchStrategy) -> Table:
    return put(table, rows_of(draw, table), draw(st.sampled_from(reader.times)), values, draw)


@bad_input("unparseable_times", applies=_has_times)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Times that are not times: "tomorrow", "??", "n.c.", "00/00/0000", free text."""
    words = st.sampled_from(["tomorrow", "??", "n.c.", "00/00/0000 00:00:00 AM", "TBD", "-"])
    return _put_times(draw, reader, table, words | SAFE_TEXT)


@bad_input("impossible_calendar_dates", applies=_has_times)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Dates and clock times that do not exist: 30 February, month 13, 25:61, 29 Feb 2023."""
    values = st.sampled_from(["2024-02-30T22:00", "2023-02-29", "2024-13-01", "02/30/2024",
                              "2024/02/30 11:00:00 PM", "31/04/2024 22:00", "25:61:00",
                              "2024-03-01T25:61", "13/13/2024 13:00:00 PM", "2024-00"])
    return _put_times(draw, reader, table, values)


@bad_input("out_of_bounds_years", applies=_has_times)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Years a nanosecond timestamp cannot hold or typing errors: 1019, 0001, 2262+, 9999."""
    values = st.sampled_from(["1019-05-06T22:00", "0001-01-01", "9999-12-31T23:59:59",
                              "2262-04-12T00:00", "1677-09-21", "05/06/1019", "12/31/9999",
                              "9999-12", "31/12/9999 23:59", "2262/04/12 11:00:00 PM"])
    return _put_times(draw, reader, table, values)


@bad_input("foreign_time_formats", applies=_has_times)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Another export's time format: ISO in a US-date column, 12-hour, epoch seconds, RFC 2822,
    time zone offsets, a lone clock time."""
    values = st.sampled_from(["2024-03-01T22:00:00+05:00", "2024-03-01T22:00:00Z",
                              "03/01/2024 10:00:00 PM", "01/03/2024 22:00", "1709330400",
                              "Fri, 01 Mar 2024 22:00:00 GMT", "22:00", "2024-03",
                              "2024-03-01 22:00:00.123456789", "20240301T2200"])
    return _put_times(draw, reader, table, values)


@bad_input("daylight_saving_edge_times", applies=_has_times)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Local times that fall in a daylight-saving gap or fold (02:30 on the change nights)."""
    values = st.sampled_from(["2024-03-31T02:30", "2024-10-27T02:30", "03/10/2024 02:30:00 AM",
                              "2024/03/10 02:30:00 AM", "31/03/2024 02:30", "11/03/2024 01:30:00"])
    return _put_times(draw, reader, table, values)


@bad_input("inverted_time_spans", applies=lambda reader: reader.span is not None)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """From/to spans whose end comes before their start."""
    start, end = table.column(reader.span[0]), table.column(reader.span[1])
    later, earlier = (("06/02/2024", "06/01/2024") if reader.name == "nypd"
                      else ("2024-06-02T03:00", "2024-06-01T22:00"))
    for i in rows_of(draw, table):
        set_cell(table.rows[i], start, later)
        set_cell(table.rows[i], end, earlier)
    return table


# --- cells: ids, labels and text


def _has_id(reader: Reader) -> bool:
    return reader.id is not None


@bad_input("blank_ids", applies=_has_id)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Blank id cells (police.uk anti-social behaviour rows have no Crime ID)."""
    return put(table, rows_of(draw, table), reader.id, st.sampled_from(["", " "]), draw)


@bad_input("duplicate_ids", applies=_has_id)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """The same id on several rows (one row per offence code, or a bad export)."""
    j = table.column(reader.id)
    first = get_cell(table.rows[0], j)
    for i in rows_of(draw, table):
        set_cell(table.rows[i], j, first)
    table.rows.append(list(table.rows[0]))
    return table


@bad_input("ids_that_look_missing", applies=_has_id)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Ids a parser may take for missing values or numbers: "nan", "NULL", "#N/A", "1.0"."""
    values = st.sampled_from(["nan", "NaN", "NULL", "None", "#N/A", "N/A", "1.0", "1", "-0",
                              "1e3", "(null)"])
    return put(table, rows_of(draw, table), reader.id, values, draw)


@bad_input("unknown_labels", applies=lambda reader: bool(reader.labels))
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Category, type, daypart, group or source labels outside every vocabulary."""
    values = SAFE_TEXT | st.sampled_from(["UNKNOWN", "Other/Autre", "n/a", "ＴＨＥＦＴ"])
    column = draw(st.sampled_from(reader.labels))
    return put(table, rows_of(draw, table), column, values, draw)


def _text_columns(reader: Reader) -> tuple[str, ...]:
    return (*reader.labels, *reader.texts) or (reader.id,)


@bad_input("very_long_fields")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Fields of 5,000 to 100,000 characters (a pasted document, a runaway export)."""
    size = draw(st.integers(5_000, 100_000))
    column = draw(st.sampled_from([*_text_columns(reader), reader.lat]))
    return put(table, rows_of(draw, table), column, st.just("x" * size), draw)


@bad_input("control_characters")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """ASCII control characters (NUL, BEL, ESC, form feed, DEL) inside fields."""
    controls = st.text(st.sampled_from("\x00\x01\x07\x08\x0b\x0c\x1b\x1f\x7f"), min_size=1,
                       max_size=4)
    column = draw(st.sampled_from(_text_columns(reader)))
    j = table.column(column)
    for i in rows_of(draw, table):
        set_cell(table.rows[i], j, f"{get_cell(table.rows[i], j)}{draw(controls)}x")
    return table


@bad_input("unusual_unicode")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Emoji, right-to-left text, combining marks, zero-width and Unicode line separators."""
    values = st.sampled_from(["🍺🚓", "مقهى", "e\u0301\u0301", "\u200b\u200d", "a\u2028b",
                              "a\u0085b", "\ufeffBOM", "Ⅻ", "\U0001f3f3\ufe0f\u200d\U0001f308"])
    values = values | SAFE_TEXT
    column = draw(st.sampled_from(_text_columns(reader)))
    return put(table, rows_of(draw, table), column, values, draw)


@bad_input("formula_like_text")
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Spreadsheet formulas in text fields ("=HYPERLINK(...)", "+1", "@SUM(A1)")."""
    values = st.sampled_from(['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1:A2)",
                              "=1+1", "\t=cmd"])
    column = draw(st.sampled_from(_text_columns(reader)))
    return put(table, rows_of(draw, table), column, values, draw)


@bad_input("embedded_line_breaks", countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Quoted fields holding line breaks (LF, CRLF, CR), as multi-line descriptions do."""
    values = st.sampled_from(["line\nbreak", "two\r\nlines", "cr\ronly", "\n", "a\n\nb"])
    column = draw(st.sampled_from(_text_columns(reader)))
    return put(table, rows_of(draw, table), column, values, draw)


@bad_input("out_of_domain_values", applies=lambda reader: bool(reader.numbers))
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Scores, weights and hours out of their range: insecurity 1.5, weight 0 or -1, hour 24,
    a Likert answer of 5 on a 1-4 scale, "seven"."""
    values = st.sampled_from(["-1", "1.5", "0", "24", "99", "5", "-0.0001", "seven", "",
                              "7.5", "25h", "22h30", "1e6"])
    column = draw(st.sampled_from(reader.numbers))
    return put(table, rows_of(draw, table), column, values, draw)


@bad_input("messy_opening_hours", applies=lambda reader: reader.hours is not None)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Opening hours as mapped by hand: "Mo-Fr 25:00-26:00", "sunset-sunrise", "open", "24/24"."""
    values = st.sampled_from(["Mo-Fr 25:00-26:00", "sunset-sunrise", "open", "24/24",
                              "Mo-Su 18:00+", "Fr,Sa 22:00-05:00; PH off", "closed", ";;",
                              "Mo-Su 18:00-02:00 || \"by appointment\"", "2024 Jan-Dec"])
    return put(table, rows_of(draw, table), reader.hours, values | SAFE_TEXT, draw)


# --- CSV structure


CSV = ("csv",)


@bad_input("extra_fields", kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Rows with more fields than the header (an unquoted delimiter inside a value)."""
    for i in rows_of(draw, table):
        table.rows[i] += draw(st.lists(st.sampled_from(["EXTRA", "", "1"]), min_size=1,
                                       max_size=3))
    return table


@bad_input("missing_fields", kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Rows with fewer fields than the header (a line cut short)."""
    for i in rows_of(draw, table):
        table.rows[i] = table.rows[i][: draw(st.integers(1, len(table.header) - 1))]
    return table


@bad_input("missing_required_column", kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """One column missing from the header and the rows (an export with a column unticked)."""
    j = draw(st.integers(0, len(table.header) - 1))
    del table.header[j]
    for row in table.rows:
        if j < len(row):
            del row[j]
    return table


@bad_input("duplicated_header_names", kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """The same column name twice in the header, with different values below."""
    j = draw(st.integers(0, len(table.header) - 1))
    table.header.append(table.header[j])
    for row in table.rows:
        row.append(draw(st.sampled_from(["", "other", "1"])))
    return table


@bad_input("renamed_headers", kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Header names in another case, with spaces around them, or underscores for spaces."""
    styles = [str.upper, str.lower, lambda h: f" {h} ", lambda h: h.replace(" ", "_"),
              lambda h: h.replace("_", " "), str.title]
    table.header = [draw(st.sampled_from(styles))(h) for h in table.header]
    return table


@bad_input("shuffled_columns", kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Columns in another order than the format's documentation."""
    order = draw(st.permutations(range(len(table.header))))
    table.header = [table.header[j] for j in order]
    table.rows = [[get_cell(row, j) for j in order] for row in table.rows]
    return table


@bad_input("trailing_summary_rows", kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """A footer a spreadsheet added: "Total,123", a blank row of delimiters, "Generated by"."""
    footers = [["Total", str(len(table.rows))], [""] * len(table.header), ["Generated by X"]]
    table.rows += draw(st.lists(st.sampled_from(footers), min_size=1, max_size=3))
    return table


@bad_input("empty_or_blank_file", on_bytes=True, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Zero bytes, or only spaces and line breaks."""
    return draw(st.sampled_from([b"", b"\n", b"   \n\n", b"\r\n\t\r\n", b"\xef\xbb\xbf"]))


@bad_input("header_only", kinds=CSV, on_bytes=True)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """The header line and no data (with and without a final line break)."""
    table.rows = []
    return encode(reader, table).rstrip(b"\n") + draw(st.sampled_from([b"", b"\n", b"\n\n"]))


@bad_input("utf8_byte_order_mark", on_bytes=True)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """A UTF-8 byte-order mark before the first column name (Excel's "CSV UTF-8")."""
    return b"\xef\xbb\xbf" + encode(reader, table)


@bad_input("utf16_encoding", on_bytes=True)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """UTF-16 text, with or without its byte-order mark (Excel's "Unicode text")."""
    return encode(reader, table).decode().encode(draw(st.sampled_from(["utf-16", "utf-16-le"])))


@bad_input("legacy_encoding_lines", on_bytes=True, kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Some lines in cp1252 or latin-1 among UTF-8 ones (files concatenated from two systems)."""
    column = table.column(draw(st.sampled_from(_text_columns(reader))))
    for row in table.rows:
        set_cell(row, column, f"{get_cell(row, column)} Dégradation «café»")
    lines = csv_lines(table, reader.delimiter)
    legacy = set(draw(st.lists(st.integers(1, len(lines) - 1), min_size=1, unique=True)))
    codec = draw(st.sampled_from(["cp1252", "latin-1"]))
    return b"\n".join(line.encode(codec if k in legacy else "utf-8", errors="replace")
                      for k, line in enumerate(lines)) + b"\n"


@bad_input("other_delimiters", on_bytes=True, kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Semicolon, tab or pipe instead of the expected delimiter."""
    return encode(reader, table, draw(st.sampled_from([";", "\t", "|", ","])))


@bad_input("line_endings", on_bytes=True, kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """CRLF, old-Mac CR-only, or mixed line endings."""
    lines = csv_lines(table, reader.delimiter)
    ends = st.sampled_from(["\r\n", "\r", "\n"])
    style = draw(st.sampled_from(["crlf", "cr", "mixed"]))
    if style == "mixed":
        return "".join(line + draw(ends) for line in lines).encode()
    return ({"crlf": "\r\n", "cr": "\r"}[style].join(lines) + "\r").encode()


@bad_input("blank_lines_and_padding", on_bytes=True, kinds=CSV)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Blank lines between records, and spaces padding fields and line ends."""
    out = []
    for k, line in enumerate(csv_lines(table, reader.delimiter)):
        if k and draw(st.booleans()):
            out.append("")
        out.append(line + draw(st.sampled_from(["", "  ", "\t"])))
    return ("\n".join(out) + "\n\n").encode()


@bad_input("preamble_lines", on_bytes=True, kinds=CSV, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Lines before the header: Excel's "sep=;", a title, an export date."""
    preamble = draw(st.lists(st.sampled_from(["sep=;", "sep=,", "Crime report", "",
                                              "Exported 2024-03-01 by ADMIN", "#comment"]),
                             min_size=1, max_size=3))
    return ("\n".join(preamble) + "\n").encode() + encode(reader, table)


@bad_input("stray_quotes", on_bytes=True, kinds=CSV, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Unbalanced double quotes inside fields (an inch mark, a half-quoted name)."""
    lines = csv_lines(table, reader.delimiter)
    for k in draw(st.lists(st.integers(0, len(lines) - 1), min_size=1, unique=True)):
        at = draw(st.integers(0, len(lines[k])))
        lines[k] = lines[k][:at] + '"' + lines[k][at:]
    return ("\n".join(lines) + "\n").encode()


@bad_input("truncated_file", on_bytes=True, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """The file cut at an arbitrary byte (an interrupted download), even inside a character."""
    data = encode(reader, table)
    return data[: draw(st.integers(1, max(len(data) - 1, 1)))]


@bad_input("binary_garbage", on_bytes=True, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Random bytes inserted somewhere in the file."""
    data = encode(reader, table)
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.binary(min_size=1, max_size=64)) + data[at:]


@bad_input("not_a_table", on_bytes=True, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Another kind of file under a table's name: HTML, XML, PDF, ZIP/xlsx, PNG, gzip, YAML,
    a prose letter, a bare number."""
    csv_bytes = ("\n".join(csv_lines(table, ",")) + "\n").encode()
    return draw(st.sampled_from([
        b"<!DOCTYPE html><html><body>Session expired</body></html>",
        b"<?xml version='1.0'?><rows><row lat='1'/></rows>",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 40,
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, gzip.compress(csv_bytes),
        b"table: incidents\ncolumns: {lat: y}\n", b"Dear colleague,\nplease find attached.\n",
        b"42", b"[1, 2, 3]", b"null",
    ]))


# --- GeoJSON structure


JSON = ("geojson",)


def _document(reader: Reader, table: Table) -> dict[str, Any]:
    return feature_collection(reader, table)


@bad_input("invalid_json", kinds=JSON, on_bytes=True, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Not JSON at all: trailing commas, single quotes, comments, unquoted keys, a cut file."""
    text = encode(reader, table).decode()
    return draw(st.sampled_from([
        text[:-2] + ",]}", text.replace('"', "'"), "// export\n" + text,
        text.replace('"type"', "type"), text[: len(text) // 2], text + "}", "{" + text,
    ])).encode()


@bad_input("json_that_is_not_geojson", kinds=JSON, on_bytes=True, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Valid JSON of another shape: a list, a number, features as an object, Overpass
    "elements", a GeometryCollection, a lone Feature."""
    features = _document(reader, table)["features"]
    return json.dumps(draw(st.sampled_from([
        features, 42, "FeatureCollection", None, {"type": "FeatureCollection"},
        {"type": "FeatureCollection", "features": {"0": features[0]}},
        {"elements": [{"type": "node", "lat": 45.7, "lon": 4.8}]},
        {"type": "GeometryCollection", "geometries": []}, features[0],
        {"type": "FeatureCollection", "features": features, "crs": "EPSG:4326"},
    ]))).encode()


@bad_input("deeply_nested_json", kinds=JSON, on_bytes=True, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Thousands of nested arrays or objects (a hostile or broken generator)."""
    depth = draw(st.integers(2_000, 60_000))
    inner = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    doc = _document(reader, table)
    doc["features"][0]["properties"] = "@"
    text = json.dumps(doc).replace('"@"', inner[0] * depth + "1" + inner[1] * depth)
    return text.encode()


@bad_input("null_or_missing_geometry", kinds=JSON)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Features whose geometry is null, {}, or a Point without coordinates."""
    for i in rows_of(draw, table):
        table.geometry[i] = draw(st.sampled_from([None, {}, {"type": "Point"},
                                                  {"type": "Point", "coordinates": []}]))
    return table


@bad_input("mixed_geometry_types", kinds=JSON)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Polygons, multipolygons, lines, multipoints and collections among the points."""
    x, y = 4.85, 45.75
    square = [[x, y], [x + 0.001, y], [x + 0.001, y + 0.001], [x, y + 0.001], [x, y]]
    shapes = [
        {"type": "Polygon", "coordinates": [square]},
        {"type": "MultiPolygon", "coordinates": [[square], [square]]},
        {"type": "LineString", "coordinates": square[:2]},
        {"type": "MultiPoint", "coordinates": square[:3]},
        {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": [x, y]}]},
        {"type": "Polygon", "coordinates": []},
        {"type": "Polygon", "coordinates": [[[x, y], [x + 1, y + 1], [x + 1, y], [x, y + 1],
                                             [x, y]]]},  # a bow tie: invalid ring
    ]
    for i in rows_of(draw, table):
        table.geometry[i] = draw(st.sampled_from(shapes))
    return table


@bad_input("malformed_geometries", kinds=JSON)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Geometries that break the spec: one coordinate, four, strings, nesting too deep, an
    unclosed ring, a geometry that is a string, a number or a bare array."""
    shapes = [
        {"type": "Point", "coordinates": [4.85]},
        {"type": "Point", "coordinates": [4.85, 45.75, 170.0, 1.0]},
        {"type": "Point", "coordinates": ["4.85", "45.75"]},
        {"type": "Point", "coordinates": [[4.85, 45.75]]},
        {"type": "Polygon", "coordinates": [[[4.85, 45.75], [4.86, 45.75], [4.86, 45.76]]]},
        {"type": "Point", "coordinates": None}, "POINT (4.85 45.75)", 7, [4.85, 45.75],
    ]
    for i in rows_of(draw, table):
        table.geometry[i] = draw(st.sampled_from(shapes))
    return table


@bad_input("unknown_geometry_types", kinds=JSON)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Geometry types GeoJSON does not have: "Circle" (drawing tools), "Feature", "", null."""
    kinds = st.sampled_from(["Circle", "Rectangle", "Feature", "Curve", "", None, 7])
    for i in rows_of(draw, table):
        table.geometry[i] = {"type": draw(kinds), "coordinates": [4.85, 45.75]}
    return table


@bad_input("non_object_properties", kinds=JSON)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """``properties`` that is null, a list, a string or a number."""
    for i in rows_of(draw, table):
        table.properties[i] = draw(st.sampled_from([None, [], ["a"], "bar", 3, True]))
    return table


@bad_input("wrong_property_types", kinds=JSON)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Numbers, booleans, lists and objects where text is expected, and text for numbers."""
    values = st.sampled_from([12, 3.5, True, None, [], ["bar", "pub"], {"en": "bar"}, "12"])
    columns = [c for c in table.header if c not in (reader.lat, reader.lon)]
    return put(table, rows_of(draw, table), draw(st.sampled_from(columns)), values, draw)


@bad_input("missing_properties", kinds=JSON)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """Features lacking some properties (sparse OSM tags)."""
    columns = [c for c in table.header if c not in (reader.lat, reader.lon)]
    for i in rows_of(draw, table):
        cells = dict(zip(table.header, table.rows[i], strict=True))
        for name in draw(st.lists(st.sampled_from(columns), min_size=1, unique=True)):
            cells.pop(name)
        table.properties[i] = {k: v for k, v in cells.items() if k not in (reader.lat, reader.lon)}
    return table


@bad_input("features_that_are_not_objects", kinds=JSON, on_bytes=True, countable=False)
def _(draw: Draw, reader: Reader, table: Table) -> bytes:
    """Items of ``features`` that are null, numbers, strings or lists."""
    doc = _document(reader, table)
    doc["features"].insert(draw(st.integers(0, len(doc["features"]))),
                           draw(st.sampled_from([None, 1, "feature", [], [None]])))
    return json.dumps(doc).encode()


@bad_input("empty_feature_collection", kinds=JSON)
def _(draw: Draw, reader: Reader, table: Table) -> Table:
    """A FeatureCollection with no features."""
    table.rows = []
    return table


# ---------------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Regression:
    """A (class, reader) pair that once escaped read_table, and how it ends since the fix."""

    escaped: type[BaseException]
    why: str
    error: str | None = None
    """A FileFormatError whose message matches this now ends the read..."""
    dropped_as: str | None = None
    """...or the file reads and every broken record is dropped with this reason."""


REGRESSIONS: dict[tuple[str, str], Regression] = {
    ("deeply_nested_json", "osm"): Regression(RecursionError, (
        "format detection parses JSON with geo/io/_geo.load_json, which catches "
        "JSONDecodeError and UnicodeDecodeError but not the RecursionError json raises past "
        "~1,000 levels, and read_table does not wrap it (a mapped file goes through GDAL "
        "instead and gets a FileFormatError)"
    ), error="not usable JSON: nested too deeply"),
    ("unknown_geometry_types", "osm"): Regression(shapely.errors.GeometryTypeError, (
        "geo/io/_osm._geometry catches ValueError, TypeError, ... and GEOSException around "
        "shapely.geometry.shape, but an unknown type raises shapely's GeometryTypeError (a "
        "ShapelyError, not a ValueError), which read_table does not wrap either"
    ), dropped_as="missing_coordinates"),
}
"""(class, reader) pairs that once escaped read_table with the exception named (found by these
fuzz tests, since fixed in geo/io): kept as explicit regression cases, each with its outcome."""

KNOWN_BUGS: dict[tuple[str, str], tuple[type[BaseException], str]] = {}
"""(class, reader) pairs that still end in an unhandled exception; none at present."""


def assert_clear(error: AtlasError, path: Path) -> None:
    """One clear error: names the file (FileFormatError) and holds no traceback."""
    text = str(error)
    assert text.strip(), "an empty error message"
    assert "Traceback" not in text
    if isinstance(error, FileFormatError):
        assert error.path == str(path) and text.startswith(str(path)), text[:200]


def assert_accounted(result: LoadResult, records: int | None) -> None:
    """The report reconciles, keeps every dropped row with its reason, and counts all rows."""
    report = result.report
    assert report.rows_in == report.rows_out + report.rows_merged + report.rows_dropped
    assert len(result.frame) == report.rows_out
    dropped = report.dropped_rows
    assert len(dropped) == report.rows_dropped
    if report.rows_dropped:
        assert dropped[REASON_COLUMN].notna().all()
        rows = dropped[ROW_COLUMN].dropna()
        assert ((rows >= 1) & (rows <= report.rows_in)).all()
    check_contract(result.frame, result.table)
    if records is not None:
        assert report.rows_in == records, (report.rows_in, records, report.to_dict())


def written(reader: Reader, data: Table | bytes) -> bytes:
    return data if isinstance(data, bytes) else encode(reader, data)


def check(reader: Reader, data: Table | bytes, records: int | None) -> LoadResult | None:
    """Write the file, read it as the data panel would, and assert the outcome is allowed."""
    with tempfile.TemporaryDirectory(prefix="atlas-fuzz-") as folder:
        path = Path(folder) / f"fuzz{reader.suffix}"
        path.write_bytes(written(reader, data))
        try:
            result = reader.read(path)
        except AtlasError as error:
            assert_clear(error, path)
            return None
    assert_accounted(result, records)
    return result


def make_file(draw: Draw, reader: Reader, classes: list[BadInput]) -> tuple[Table | bytes,
                                                                            int | None]:
    """A valid file of ``reader`` broken by ``classes`` in turn; the records it must count."""
    data: Table | bytes = good_table(draw, reader)
    for bad in classes:
        assert isinstance(data, Table)
        data = bad.apply(draw, reader, data)
    countable = all(bad.countable for bad in classes)
    if isinstance(data, Table):
        return data, len(data.rows) if countable else None
    return data, _records(reader, data) if countable else None


def _records(reader: Reader, data: bytes) -> int | None:
    """Records in a countable byte-level file: its non-empty lines after the header."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif b"\x00" in data:
        return None  # UTF-16 without a byte-order mark: read as binary, so never a table
    else:
        text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    if reader.kind == "geojson":
        return len(json.loads(text)["features"])
    return max(len([line for line in re.split(r"\r\n|\r|\n", text) if line]) - 1, 0)


def applicable(reader: Reader) -> list[BadInput]:
    return [b for b in BAD_INPUTS.values() if reader.kind in b.kinds and b.applies(reader)]


def matrix(on_bytes: bool) -> list:
    """(class, reader) pairs, cell-level or file-level (known bugs have their own test)."""
    return [
        pytest.param(bad.name, reader.name, id=f"{bad.name}-{reader.name}")
        for reader in READERS.values()
        for bad in applicable(reader)
        if bad.on_bytes == on_bytes and (bad.name, reader.name) not in KNOWN_BUGS
    ]


CELL_MATRIX, FILE_MATRIX = matrix(False), matrix(True)


# ---------------------------------------------------------------------------------- tests


def test_the_valid_files_read_cleanly() -> None:
    """The starting points are valid: every damage seen below comes from the class applied."""

    @FUZZ
    @given(st.data())
    def one(data: st.DataObject) -> None:
        for reader in READERS.values():
            table = good_table(data.draw, reader)
            result = check(reader, table, len(table.rows))
            assert result is not None, reader.name
            assert result.report.rows_out + result.report.rows_merged == len(table.rows)

    one()


@pytest.mark.parametrize(("bad_name", "reader_name"), CELL_MATRIX)
@settings(FUZZ, max_examples=1)
@given(data=st.data())
def test_each_cell_class_on_each_reader(bad_name: str, reader_name: str,
                                        data: st.DataObject) -> None:
    """Once per pair (the simplest instance); the mixed test below draws the variants."""
    reader = READERS[reader_name]
    file, records = make_file(data.draw, reader, [BAD_INPUTS[bad_name]])
    check(reader, file, records)


@pytest.mark.parametrize(("bad_name", "reader_name"), FILE_MATRIX)
@FUZZ
@given(data=st.data())
def test_each_file_class_on_each_reader(bad_name: str, reader_name: str,
                                        data: st.DataObject) -> None:
    reader = READERS[reader_name]
    file, records = make_file(data.draw, reader, [BAD_INPUTS[bad_name]])
    check(reader, file, records)


def regressions(ending: str) -> list:
    return [pytest.param(*pair, id="-".join(pair)) for pair, regression in REGRESSIONS.items()
            if getattr(regression, ending) is not None]


@pytest.mark.parametrize(("bad_name", "reader_name"), regressions("error"))
@settings(FUZZ, max_examples=1, phases=[Phase.generate])
@given(data=st.data())
def test_former_bugs_give_a_clear_error(bad_name: str, reader_name: str,
                                        data: st.DataObject) -> None:
    """Classes that once escaped (as RecursionError) now end in one clear error, every time."""
    reader = READERS[reader_name]
    file, _ = make_file(data.draw, reader, [BAD_INPUTS[bad_name]])
    with tempfile.TemporaryDirectory(prefix="atlas-fuzz-") as folder:
        path = Path(folder) / f"fuzz{reader.suffix}"
        path.write_bytes(written(reader, file))
        with pytest.raises(FileFormatError) as caught:
            reader.read(path)
    assert re.search(REGRESSIONS[bad_name, reader_name].error, str(caught.value))
    assert_clear(caught.value, path)


@pytest.mark.parametrize(("bad_name", "reader_name"), regressions("dropped_as"))
@settings(FUZZ, max_examples=1, phases=[Phase.generate])
@given(data=st.data())
def test_former_bugs_drop_the_broken_records(bad_name: str, reader_name: str,
                                             data: st.DataObject) -> None:
    """Classes that once escaped (as GeometryTypeError) now read: each broken record is dropped
    with its reason, every other one is kept."""
    reader = READERS[reader_name]
    file, records = make_file(data.draw, reader, [BAD_INPUTS[bad_name]])
    assert isinstance(file, Table) and file.geometry, "the class broke no record"
    result = check(reader, file, records)
    assert result is not None, "the file should read, not end in an error"
    report = result.report
    assert report.rows_dropped == len(file.geometry)
    assert report.rows_out == len(file.rows) - len(file.geometry)
    assert set(report.dropped_rows[REASON_COLUMN]) == {REGRESSIONS[bad_name, reader_name]
                                                        .dropped_as}
    assert sorted(report.dropped_rows[ROW_COLUMN]) == [i + 1 for i in sorted(file.geometry)]


@settings(FUZZ, max_examples=150)
@given(data=st.data())
def test_several_classes_at_once(data: st.DataObject) -> None:
    """Real files are broken in more than one way at a time."""
    reader = data.draw(st.sampled_from(list(READERS.values())))
    usable = [b for b in applicable(reader) if (b.name, reader.name) not in KNOWN_BUGS]
    cells = [b for b in usable if not b.on_bytes]
    classes = data.draw(st.lists(st.sampled_from(cells), min_size=1, max_size=3))
    last = data.draw(st.none() | st.sampled_from([b for b in usable if b.on_bytes]))
    file, records = make_file(data.draw, reader, [*classes, *([last] if last else [])])
    check(reader, file, records)


def test_at_least_25_classes_and_every_reader_is_fuzzed() -> None:
    assert len(BAD_INPUTS) >= 25
    pairs = [p.values for p in (*CELL_MATRIX, *FILE_MATRIX)] + list(REGRESSIONS)
    assert {name for name, _ in pairs} == set(BAD_INPUTS)
    assert {reader for _, reader in pairs} == set(READERS)


def test_the_readme_lists_every_class() -> None:
    """data/README.md's list and BAD_INPUTS stay in step (names, in the same order)."""
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    section = text.split("## Bad input classes tried by the fuzz tests", 1)[1]
    listed = re.findall(r"^\d+\. `([a-z0-9_]+)`", section, flags=re.MULTILINE)
    assert listed == list(BAD_INPUTS)
    assert f"{len(BAD_INPUTS)} classes" in section
