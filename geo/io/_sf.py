"""San Francisco "Police Department Incident Reports: 2018 to Present" (DataSF CSV export).

The export has one row per *incident code*: a robbery that also involved a warrant is two
rows, and later supplements (``Report Type Code`` ``IS``/``VS``) add more. Counting rows would
count incidents two or three times, so rows are folded into one incident per ``Incident ID``:
the initial report (not a supplement) with the lowest ``Row ID`` gives category, time and
place, and the other rows are counted as merged. If that row has no coordinates but another
row of the same incident does, those are used. ``Incident Datetime`` is
``YYYY/MM/DD hh:mm:ss AM/PM`` in America/Los_Angeles wall time, kept as naive local time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from geo.io._categories import SF, map_categories
from geo.io._text import fast_floats, read_csv_table, resolve_columns, sniff_csv
from geo.io._times import ISO, parse_times
from geo.schema import LoadOptions, ReportBuilder, ValidationReport, validate_incidents

REQUIRED = ("Incident Datetime", "Incident ID", "Incident Category", "Latitude", "Longitude")
OPTIONAL = ("Row ID", "Report Type Code", "Report Type Description", "Incident Date",
            "Incident Time")
TIME_FORMATS = ("%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", ISO)
SUPPLEMENT_CODES = frozenset({"IS", "VS"})
"""Report types that supplement an earlier report: Initial Supplement, Vehicle Supplement."""


def read_sf(path: Path, options: LoadOptions) -> tuple[pd.DataFrame, ValidationReport]:
    """Read a San Francisco incident reports export into the incidents table, one per incident."""
    sniff = sniff_csv(path)
    columns = resolve_columns(sniff, REQUIRED, OPTIONAL)
    raw = read_csv_table(sniff, include=list(columns.values()))
    frame = raw.frame(columns)
    builder = raw.builder("sf", "incidents")

    frame = _one_row_per_incident(frame, builder)
    text = frame["Incident Datetime"]
    if "Incident Date" in frame and "Incident Time" in frame:
        # Some downloads leave the combined field blank but keep date and time apart.
        parts = frame["Incident Date"].str.cat(frame["Incident Time"], sep=" ")
        text = text.fillna(parts)
    occurred, failed = parse_times(text, TIME_FORMATS, options.timezone)
    builder.repair("unparseable_time", failed)

    staged = pd.DataFrame(
        {
            "_row": frame["_row"],
            "incident_id": frame["Incident ID"],
            "occurred_from": occurred,
            "occurred_to": pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]"),
            "time_precision": "minute",
            "lat": fast_floats(frame["Latitude"]),
            "lon": fast_floats(frame["Longitude"]),
            "category": map_categories(frame["Incident Category"], SF),
            "category_raw": frame["Incident Category"],
            "source": "police",
        }
    )
    return validate_incidents(staged, builder, options)


def _one_row_per_incident(frame: pd.DataFrame, builder: ReportBuilder) -> pd.DataFrame:
    """Keep the preferred row of each Incident ID; count the others as merged."""
    ids = frame["Incident ID"].str.strip()
    codes, _ = pd.factorize(ids.mask(ids == ""))
    # Rows without an Incident ID cannot be matched to anything: each stays its own row.
    lone = codes < 0
    codes[lone] = codes.max(initial=-1) + 1 + np.arange(int(lone.sum()))
    if "Report Type Code" in frame:
        supplement = frame["Report Type Code"].str.strip().str.upper().isin(SUPPLEMENT_CODES)
    elif "Report Type Description" in frame:
        supplement = frame["Report Type Description"].str.contains("supplement", case=False)
    else:
        supplement = pd.Series(False, index=frame.index)
    row_id = (pd.to_numeric(frame["Row ID"], errors="coerce") if "Row ID" in frame
              else pd.Series(np.nan, index=frame.index)).to_numpy(dtype="float64")
    supplement = supplement.fillna(False).to_numpy(dtype=bool)
    # Preferred first within each incident: initial report, lowest Row ID, earliest line.
    order = np.lexsort((np.arange(len(frame)), np.nan_to_num(row_id, nan=np.inf), supplement,
                        codes))
    first = np.ones(len(order), dtype=bool)
    first[1:] = codes[order][1:] != codes[order][:-1]
    builder.merge(int((~first).sum()))
    keep = np.sort(order[first])
    kept = frame.assign(**{"Incident ID": ids}).take(keep)

    placed = (frame["Latitude"].notna() & frame["Longitude"].notna()).to_numpy()
    missing = ~placed[keep]
    if (~first).any() and missing.any():
        # The first row (in preferred order) of each incident that has coordinates.
        with_place = order[placed[order]]
        codes_placed, where = np.unique(codes[with_place], return_index=True)
        source = np.full(codes.max() + 1, -1)
        source[codes_placed] = with_place[where]
        donor = source[codes[keep]]
        fill = missing & (donor >= 0)
        if fill.any():
            kept = kept.copy()
            for col in ("Latitude", "Longitude"):
                values = np.array(kept[col].to_numpy(dtype=object), dtype=object)
                values[fill] = frame[col].to_numpy(dtype=object)[donor[fill]]
                kept[col] = pd.Series(values, index=kept.index, dtype="str")
            builder.repair("coordinates_from_other_row_of_incident", int(fill.sum()))
    return kept
