"""Validators: a staged frame (canonical column names, raw-ish values) -> a clean canonical table.

Readers rename and parse what is format-specific; these functions apply the rules every table
shares (coordinates, ids, vocabularies) and write every drop and repair into the ledger.
"""

from __future__ import annotations

import hashlib

import numpy as np
import opening_hours
import pandas as pd

from geo.columns import (
    CATEGORIES,
    COLUMNS,
    DAYPARTS,
    HOURLY_PRECISIONS,
    ID_COLUMN,
    TIME_PRECISIONS,
)
from geo.schema._contracts import check_contract
from geo.schema._options import LoadOptions
from geo.schema._report import (
    EXACT,
    LOCATION_COLUMN,
    ROW_COLUMN,
    ReportBuilder,
    ValidationReport,
)

NULL_TOKENS = ("", "nan", "na", "n/a", "null", "none", "-")
"""Spellings of 'no value' found in real exports; they mean missing, not bad text."""

DAYPART_HOURS: dict[str, tuple[int, int]] = {"day": (6, 18), "evening": (18, 22), "night": (22, 6)}
"""Half-open hour windows of each daypart on the 24-h circle (DESIGN §3)."""


def _numeric(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers from a column that may hold text; returns (numbers, was_text_not_blank)."""
    if pd.api.types.is_numeric_dtype(values):
        return values.astype("float64"), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip()
    blank = text.isna() | text.str.lower().isin(NULL_TOKENS)
    # Some European exports write decimal commas; accept them rather than drop the row.
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    return numbers.astype("float64"), numbers.isna() & ~blank


def clean_coordinates(
    frame: pd.DataFrame, builder: ReportBuilder, options: LoadOptions
) -> pd.DataFrame:
    """Drop rows without usable WGS84 coordinates; swap obviously swapped lat/lon."""
    lat, lat_text = _numeric(frame["lat"])
    lon, lon_text = _numeric(frame["lon"])
    # Drop text before converting, so the dropped rows show the text that caused it.
    text = lat_text | lon_text
    frame = builder.drop(frame, text, "non_numeric_coordinates")
    frame = frame.assign(lat=lat[~text], lon=lon[~text])
    frame = builder.drop(frame, frame["lat"].isna() | frame["lon"].isna(), "missing_coordinates")
    frame = builder.drop(frame, (frame["lat"] == 0) & (frame["lon"] == 0), "zero_zero_sentinel")
    swapped = (frame["lat"].abs() > 90) & (frame["lon"].abs() <= 90) & (frame["lat"].abs() <= 180)
    if options.bbox is not None:
        # Swapped European coordinates are both in range; only the study area can tell.
        min_lon, min_lat, max_lon, max_lat = options.bbox
        inside = frame["lat"].between(min_lat, max_lat) & frame["lon"].between(min_lon, max_lon)
        inside_if_swapped = frame["lon"].between(min_lat, max_lat) & frame["lat"].between(
            min_lon, max_lon
        )
        swapped |= ~inside & inside_if_swapped
    if swapped.any():
        lat, lon = frame["lat"].to_numpy(), frame["lon"].to_numpy()
        frame = frame.assign(lat=np.where(swapped, lon, lat), lon=np.where(swapped, lat, lon))
        builder.repair("lat_lon_swapped", int(swapped.sum()))
    bad = ~np.isfinite(frame["lat"]) | ~np.isfinite(frame["lon"])
    bad |= (frame["lat"].abs() > 90) | (frame["lon"].abs() > 180)
    frame = builder.drop(frame, bad, "out_of_range_coordinates")
    if options.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = options.bbox
        outside = ~frame["lat"].between(min_lat, max_lat) | ~frame["lon"].between(min_lon, max_lon)
        frame = builder.drop(frame, outside, "outside_study_area")
    if options.area is not None and len(frame):
        import shapely

        inside = shapely.contains_xy(options.area, frame["lon"].to_numpy(), frame["lat"].to_numpy())
        frame = builder.drop(frame, pd.Series(~inside, index=frame.index), "outside_study_area")
    return frame


def row_hash_ids(frame: pd.DataFrame, columns: list[str], prefix: str) -> pd.Series:
    """Deterministic ids from row content, made unique by the row's position in the file.

    Two genuinely identical rows (two reports at one snap point in one month) stay two rows.
    """
    content = pd.util.hash_pandas_object(frame[columns].astype("string"), index=False)
    content = content.to_numpy() ^ frame[ROW_COLUMN].to_numpy(dtype="uint64")
    return pd.Series(
        [
            f"{prefix}-{hashlib.blake2b(int(v).to_bytes(8, 'little'), digest_size=8).hexdigest()}"
            for v in content
        ],
        index=frame.index,
        dtype="string",
    )


def clean_ids(frame: pd.DataFrame, builder: ReportBuilder, table: str) -> pd.DataFrame:
    """Fill missing ids from a row hash; drop later rows that repeat an id."""
    id_col = ID_COLUMN[table]
    ids = frame[id_col].astype("string").str.strip()
    missing = ids.isna() | (ids == "")
    if missing.any():
        content = [c for c in frame.columns if c not in (id_col, ROW_COLUMN, LOCATION_COLUMN)]
        ids = ids.mask(missing, row_hash_ids(frame.loc[missing], content, table[:3]))
        builder.repair("missing_id_generated", int(missing.sum()))
    frame = frame.assign(**{id_col: ids})
    return builder.drop(frame, frame[id_col].duplicated(keep="first"), "duplicate_id")


def location_precision(frame: pd.DataFrame, options: LoadOptions) -> dict[str, int]:
    """Rows per location precision label (``exact``, ``"500 m"``), metres rounded (>= 1).

    A row's precision is the coarser of what its reader staged (a grid cell's width) and
    what the options state for the whole file.
    """
    metres = pd.to_numeric(frame.get(LOCATION_COLUMN, pd.Series(np.nan, index=frame.index)),
                           errors="coerce").to_numpy(dtype="float64")
    if options.location_precision_m is not None:
        metres = np.fmax(metres, options.location_precision_m)
    coarse = np.nan_to_num(metres) > 0
    counts = {EXACT: int((~coarse).sum())} if (~coarse).any() else {}
    rounded = pd.Series(np.maximum(np.floor(metres[coarse] + 0.5), 1)).value_counts()
    counts.update({f"{m:.0f} m": int(n) for m, n in rounded.sort_index().items()})
    return counts


def _finish(
    frame: pd.DataFrame,
    builder: ReportBuilder,
    table: str,
    time_precision: dict[str, int] | None,
    options: LoadOptions,
) -> tuple[pd.DataFrame, ValidationReport]:
    clean = frame[list(COLUMNS[table])].reset_index(drop=True)
    check_contract(clean, table)
    return clean, builder.finish(len(clean), time_precision, location_precision(frame, options))


def _ensure_columns(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    if ROW_COLUMN not in frame.columns:
        frame = frame.assign(**{ROW_COLUMN: np.arange(1, len(frame) + 1)})
    missing = [c for c in COLUMNS[table] if c not in frame.columns]
    return frame.assign(**{c: pd.NA for c in missing}) if missing else frame


def _as_local_naive(values: pd.Series, timezone: str) -> pd.Series:
    """Datetimes as naive local wall-clock time; tz-aware input is converted first."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert(timezone).dt.tz_localize(None).astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("datetime64[ns]")
    if values.isna().all():
        return pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    parsed = pd.to_datetime(values, errors="coerce", format="mixed", utc=False)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        return _as_local_naive(parsed, timezone)
    return parsed.astype("datetime64[ns]")


def validate_incidents(
    staged: pd.DataFrame, builder: ReportBuilder, options: LoadOptions = LoadOptions()
) -> tuple[pd.DataFrame, ValidationReport]:
    """Clean a staged incidents frame into the canonical table (DESIGN §2).

    The reader has already parsed format-specific times into ``occurred_from``/``occurred_to``
    (NaT where unknown, with the repair counted) and set ``time_precision``.
    """
    frame = _ensure_columns(staged, "incidents")
    frame = clean_coordinates(frame, builder, options)
    frame = clean_ids(frame, builder, "incidents")

    start = _as_local_naive(frame["occurred_from"], options.timezone)
    end = _as_local_naive(frame["occurred_to"], options.timezone)
    inverted = end.notna() & start.notna() & (end < start)
    if inverted.any():
        start, end = start.where(~inverted, end), end.where(~inverted, start)
        builder.repair("inverted_time_span_swapped", int(inverted.sum()))
    precision = frame["time_precision"].astype("string").fillna("minute")
    precision = precision.where(precision.isin(TIME_PRECISIONS), "unknown")
    precision = precision.mask(start.isna(), "unknown")
    if options.default_times_unknown:
        clock = start.dt.hour * 60 + start.dt.minute
        defaulted = (
            precision.isin(HOURLY_PRECISIONS) & clock.isin([0, 720]) & (start.dt.second == 0)
        )
        precision = precision.mask(defaulted, "day")
        builder.repair("default_time_00_or_12_treated_as_unknown_hour", int(defaulted.sum()))

    category = frame["category"].astype("string").str.strip().str.lower()
    unmapped = category.isna() | ~category.isin(CATEGORIES)
    builder.repair("category_unmapped_to_other", int(unmapped.sum()))
    raw = frame["category_raw"].astype("string")
    source = frame["source"].astype("string").str.strip().str.lower()
    missing_source = source.isna() | (source == "")
    source = source.mask(missing_source, options.source or "police")

    frame = frame.assign(
        occurred_from=start,
        occurred_to=end,
        time_precision=precision,
        category=category.mask(unmapped, "other"),
        category_raw=raw.fillna(frame["category"].astype("string")),
        source=source,
    )
    counts = frame["time_precision"].value_counts()
    return _finish(frame, builder, "incidents", {k: int(v) for k, v in counts.items()},
                   options)


def daypart_of_hour(hour: pd.Series) -> pd.Series:
    """The daypart an hour falls in (night wraps midnight); ``any`` where the hour is unknown."""
    out = pd.Series("any", index=hour.index, dtype="string")
    for name, (lo, hi) in DAYPART_HOURS.items():
        inside = (hour >= lo) & (hour < hi) if lo < hi else (hour >= lo) | (hour < hi)
        out = out.mask(inside.fillna(False).astype(bool), name)
    return out


def validate_perceptions(
    staged: pd.DataFrame, builder: ReportBuilder, options: LoadOptions = LoadOptions()
) -> tuple[pd.DataFrame, ValidationReport]:
    """Clean a staged perceptions frame; ``insecurity`` must already be on the 0..1 scale."""
    frame = _ensure_columns(staged, "perceptions")
    frame = clean_coordinates(frame, builder, options)
    frame = clean_ids(frame, builder, "perceptions")

    insecurity, text = _numeric(frame["insecurity"])
    frame = frame.assign(insecurity=insecurity)
    frame = builder.drop(frame, text | insecurity.isna(), "missing_or_non_numeric_insecurity")
    frame = builder.drop(frame, ~frame["insecurity"].between(0, 1), "insecurity_out_of_range")

    weight, weight_text = _numeric(frame["weight"])
    missing_weight = weight.isna() & ~weight_text
    builder.repair("missing_weight_set_to_1", int(missing_weight.sum()))
    frame = frame.assign(weight=weight.mask(missing_weight, 1.0))
    frame = builder.drop(frame, weight_text | ~(frame["weight"] > 0), "invalid_weight")

    hour, hour_text = _numeric(frame["hour"])
    bad_hour = hour_text | (hour.notna() & (~hour.between(0, 23) | (hour % 1 != 0)))
    builder.repair("hour_out_of_range_cleared", int(bad_hour.sum()))
    hour = hour.mask(bad_hour).astype("Int64")

    daypart = frame["daypart"].astype("string").str.strip().str.lower()
    blank = daypart.isna() | (daypart == "")
    unknown = ~blank & ~daypart.isin(DAYPARTS)
    builder.repair("unknown_daypart_set_to_any", int(unknown.sum()))
    daypart = daypart.mask(unknown, "any")
    daypart = daypart.mask(blank, daypart_of_hour(hour))

    frame = frame.assign(
        answered_at=_as_local_naive(frame["answered_at"], options.timezone),
        hour=hour,
        daypart=daypart,
        group=frame["group"].astype("string"),
    )
    return _finish(frame, builder, "perceptions", None, options)


def hours_parse(values: pd.Series) -> pd.Series:
    """True where an OSM ``opening_hours`` string parses with the maintained parser."""
    cache: dict[str, bool] = {}
    out = []
    for v in values:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or not str(v).strip():
            out.append(False)
            continue
        s = str(v)
        if s not in cache:
            cache[s] = bool(opening_hours.validate(s))
        out.append(cache[s])
    return pd.Series(out, index=values.index, dtype=bool)


def validate_venues(
    staged: pd.DataFrame, builder: ReportBuilder, options: LoadOptions = LoadOptions()
) -> tuple[pd.DataFrame, ValidationReport]:
    """Clean a staged venues frame; unknown or unparseable hours are flagged, never guessed."""
    frame = _ensure_columns(staged, "venues")
    frame = clean_coordinates(frame, builder, options)
    frame = clean_ids(frame, builder, "venues")
    hours = frame["opening_hours"].astype("string").str.strip()
    hours = hours.mask(hours == "")
    known = hours_parse(hours)
    builder.flag("opening_hours_missing", int(hours.isna().sum()))
    builder.flag("opening_hours_unparseable", int((hours.notna() & ~known).sum()))
    kind = frame["kind"].astype("string").str.strip().str.lower()
    builder.repair("missing_kind_set_to_unknown", int(kind.isna().sum()))
    frame = frame.assign(
        name=frame["name"].astype("string"),
        kind=kind.fillna("unknown"),
        opening_hours=hours,
        hours_known=known.to_numpy(),
    )
    return _finish(frame, builder, "venues", None, options)


VALIDATORS = {
    "incidents": validate_incidents,
    "perceptions": validate_perceptions,
    "venues": validate_venues,
}
