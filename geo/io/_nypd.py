"""NYPD complaint data (historic and year-to-date exports of NYC Open Data).

A complaint says when the event *may* have happened: ``CMPLNT_FR_DT``/``CMPLNT_FR_TM`` to
``CMPLNT_TO_DT``/``CMPLNT_TO_TM`` (dates ``MM/DD/YYYY``, times ``HH:MM:SS``), which become
``occurred_from``/``occurred_to`` for aoristic weighting. A from-date without a time is known
to the day; a to-date without a time ends at the end of that day. Blank fields are often
written ``(null)``. Years like ``1019`` are typing errors and count as unparseable.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.io._categories import NYPD, map_categories
from geo.io._text import fast_floats, read_csv_table, resolve_columns, sniff_csv
from geo.io._times import parse_times
from geo.schema import LoadOptions, ValidationReport, validate_incidents

REQUIRED = ("CMPLNT_NUM", "CMPLNT_FR_DT", "CMPLNT_FR_TM", "OFNS_DESC", "Latitude", "Longitude")
OPTIONAL = ("CMPLNT_TO_DT", "CMPLNT_TO_TM", "LAW_CAT_CD")
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%d")
"""Portal CSV dates first; the API writes ISO dates with a zero time."""
TIME_FORMATS = ("%H:%M:%S", "%H:%M")
NULLS = ("(null)", "null", "NULL")


def read_nypd(path: Path, options: LoadOptions) -> tuple[pd.DataFrame, ValidationReport]:
    """Read an NYPD complaint export into the incidents table with from/to spans."""
    sniff = sniff_csv(path)
    columns = resolve_columns(sniff, REQUIRED, OPTIONAL)
    raw = read_csv_table(sniff, include=list(columns.values()))
    frame = raw.frame(columns)
    frame = frame.apply(lambda col: col.mask(col.isin(NULLS)) if col.name != "_row" else col)
    builder = raw.builder("nypd", "incidents")

    start, start_has_time, failed_start = _date_time(
        frame, "CMPLNT_FR_DT", "CMPLNT_FR_TM", options)
    if "CMPLNT_TO_DT" in frame:
        end, end_has_time, failed_end = _date_time(
            frame, "CMPLNT_TO_DT", "CMPLNT_TO_TM", options)
        # A to-date without a time means "some time that day": end of the day.
        end = end.mask(~end_has_time & end.notna(), end + pd.Timedelta(hours=23, minutes=59))
    else:
        end, failed_end = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"), 0
    builder.repair("unparseable_time", failed_start + failed_end)
    precision = pd.Series("minute", index=frame.index, dtype="str").mask(~start_has_time, "day")

    staged = pd.DataFrame(
        {
            "_row": frame["_row"],
            "incident_id": frame["CMPLNT_NUM"],
            "occurred_from": start,
            "occurred_to": end,
            "time_precision": precision,
            "lat": fast_floats(frame["Latitude"]),
            "lon": fast_floats(frame["Longitude"]),
            "category": map_categories(frame["OFNS_DESC"], NYPD),
            "category_raw": frame["OFNS_DESC"],
            "source": "police",
        }
    )
    return validate_incidents(staged, builder, options)


def _date_time(
    frame: pd.DataFrame, date_col: str, time_col: str, options: LoadOptions
) -> tuple[pd.Series, pd.Series, int]:
    """Date plus time of day; whether a time was known; rows whose date or time failed."""
    date, _ = parse_times(frame[date_col], DATE_FORMATS, options.timezone)
    if time_col not in frame:
        return date, pd.Series(False, index=frame.index), _failed(frame[date_col], date)
    text = frame[time_col].astype("str").str.strip()
    # NYPD writes the midnight that ends a day as 24:00:00.
    past_midnight = text.str.match(r"^24:00(:00)?$").fillna(False).astype(bool)
    clock, _ = parse_times(text.str.replace(r"^24:", "00:", regex=True), TIME_FORMATS)
    has_time = clock.notna() & date.notna()
    offset = clock - clock.dt.normalize() + pd.to_timedelta(past_midnight.astype(int), unit="D")
    failed = _failed(frame[date_col], date) | (_failed(text, clock) & date.notna())
    return date + offset.where(has_time, pd.Timedelta(0)), has_time, int(failed.sum())


def _failed(text: pd.Series, parsed: pd.Series) -> pd.Series:
    """Non-blank text that did not parse."""
    stripped = text.astype("str").str.strip()
    return (stripped.notna() & (stripped != "") & parsed.isna()).astype(bool)
