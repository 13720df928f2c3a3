"""Chicago "Crimes - 2001 to Present" (City of Chicago Data Portal CSV export).

One row per incident (``ID``). Times are ``MM/DD/YYYY hh:mm:ss AM/PM`` in America/Chicago wall
time, kept as naive local time. About 1 % of rows have blank ``Latitude``/``Longitude`` (the
city withholds some locations); where the state-plane ``X Coordinate``/``Y Coordinate`` are
there instead, they are reprojected from EPSG:3435 (Illinois East, US feet), otherwise the
validator drops the row with its reason.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geo.io._categories import CHICAGO, map_categories
from geo.io._project import project_to_wgs84
from geo.io._text import fast_floats, read_csv_table, resolve_columns, sniff_csv
from geo.io._times import ISO, parse_times
from geo.schema import LoadOptions, ValidationReport, validate_incidents

REQUIRED = ("ID", "Case Number", "Date", "Primary Type", "Latitude", "Longitude")
OPTIONAL = ("X Coordinate", "Y Coordinate")
TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", ISO)
"""The portal's 12-hour format first; 24-hour and ISO variants come from other download paths."""

STATE_PLANE = "EPSG:3435"


def read_chicago(path: Path, options: LoadOptions) -> tuple[pd.DataFrame, ValidationReport]:
    """Read a Chicago crimes export into the incidents table (see module docstring)."""
    sniff = sniff_csv(path)
    columns = resolve_columns(sniff, REQUIRED, OPTIONAL)
    raw = read_csv_table(sniff, include=list(columns.values()))
    frame = raw.frame(columns)
    builder = raw.builder("chicago", "incidents")

    occurred, failed = parse_times(frame["Date"], TIME_FORMATS, options.timezone)
    builder.repair("unparseable_time", failed)

    lat, lon = fast_floats(frame["Latitude"]), fast_floats(frame["Longitude"])
    if "X Coordinate" in frame and "Y Coordinate" in frame:
        fill = (lat.isna() | lon.isna()) & frame["X Coordinate"].notna() & frame[
            "Y Coordinate"].notna()
        if fill.any():
            plane_lat, plane_lon = project_to_wgs84(
                frame.loc[fill, "X Coordinate"], frame.loc[fill, "Y Coordinate"], STATE_PLANE)
            lat, lon = _filled(lat, fill, plane_lat), _filled(lon, fill, plane_lon)
            builder.repair("coordinates_from_state_plane_xy", int(fill.sum()))

    staged = pd.DataFrame(
        {
            "_row": frame["_row"],
            "incident_id": frame["ID"],
            "occurred_from": occurred,
            "occurred_to": pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"),
            "time_precision": "minute",
            "lat": lat,
            "lon": lon,
            "category": map_categories(frame["Primary Type"], CHICAGO),
            "category_raw": frame["Primary Type"],
            "source": "police",
        }
    )
    return validate_incidents(staged, builder, options)


def _filled(values: pd.Series, mask: pd.Series, new: pd.Series) -> pd.Series:
    """``values`` with ``new`` where ``mask``; stays float when both sides are numbers."""
    numeric = pd.api.types.is_numeric_dtype
    if numeric(values) and numeric(new):
        return values.mask(mask, new)
    return values.astype(object).mask(mask, new.astype(object))
