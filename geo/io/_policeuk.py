"""police.uk street-level crime CSV (data.police.uk downloads, one file per force and month).

police.uk publishes the month only, and places each crime on an anonymising "snap point"
(``On or near ...``) shared by many crimes. So ``occurred_from`` is the first day of the month
at 00:00, ``occurred_to`` is null and ``time_precision`` is ``month``: these rows count in
"all times" views and are left out of hour windows, which the report says in a note.
Anti-social behaviour rows have no ``Crime ID``; the validator gives them a row-hash id.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.io._categories import POLICEUK, map_categories
from geo.io._text import fast_floats, read_csv_table, resolve_columns, sniff_csv
from geo.io._times import parse_times
from geo.schema import LoadOptions, ValidationReport, validate_incidents

REQUIRED = ("Crime ID", "Month", "Longitude", "Latitude", "Crime type")
OPTIONAL = ("Location",)
MONTH_FORMATS = ("%Y-%m", "%Y-%m-%d")
HOUR_NOTE = (
    "police.uk gives the month only: these rows have time_precision 'month' and cannot be "
    "used by hour-of-night filters"
)


def read_policeuk(path: Path, options: LoadOptions) -> tuple[pd.DataFrame, ValidationReport]:
    """Read a police.uk street CSV into the incidents table, known to the month."""
    sniff = sniff_csv(path)
    columns = resolve_columns(sniff, REQUIRED, OPTIONAL)
    raw = read_csv_table(sniff, include=list(columns.values()))
    frame = raw.frame(columns)
    builder = raw.builder("policeuk", "incidents")

    month, failed = parse_times(frame["Month"], MONTH_FORMATS, options.timezone)
    builder.repair("unparseable_time", failed)
    if len(frame):
        builder.note(HOUR_NOTE)

    staged = pd.DataFrame(
        {
            "_row": frame["_row"],
            "incident_id": frame["Crime ID"],
            "occurred_from": month.dt.to_period("M").dt.start_time.astype("datetime64[ns]"),
            "occurred_to": pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"),
            "time_precision": "month",
            "lat": fast_floats(frame["Latitude"]),
            "lon": fast_floats(frame["Longitude"]),
            "category": map_categories(frame["Crime type"], POLICEUK),
            "category_raw": frame["Crime type"],
            "source": "police",
        }
    )
    return validate_incidents(staged, builder, options)
