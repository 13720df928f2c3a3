"""Text times to naive local datetimes, vectorised, with explicit formats first.

Exports write times their own way (Chicago ``02/10/2024 12:44:00 AM``, San Francisco
``2018/12/01 12:25:00 AM``, police.uk ``2023-03``); guessing per value is slow and ambiguous
(is 02/03 February or March?), so readers name their formats and only leftovers fall through
to the next one. Impossible dates (``02/30/2024``) become NaT and are counted, never rolled
over into March. Years outside :data:`PLAUSIBLE_YEARS` are typing errors in real exports
(NYPD has ``1019`` for ``2019``) and would not fit a nanosecond timestamp anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

PLAUSIBLE_YEARS: tuple[int, int] = (1900, 2100)
"""Parsed times outside these years (inclusive) are treated as unparseable."""

ISO = "ISO8601"
"""Format name for ISO 8601 text (``2024-02-10T00:44``, with or without seconds or offset)."""

_CLOCK_CODES = ("%H", "%I", "%M", "%X", "%T", "%R", "%c")


def parse_times(
    values: pd.Series, formats: Sequence[str] = (ISO,), timezone: str | None = None
) -> tuple[pd.Series, int]:
    """Parse text times; returns naive ``datetime64[ns]`` and how many non-blank values failed.

    Parameters
    ----------
    values
        Text (blank or missing stays NaT and is not counted as a failure).
    formats
        ``strptime`` formats or ``"ISO8601"``/``"mixed"``, tried in order on what is left.
    timezone
        Zone that tz-aware values (``...Z``, ``+01:00``) are converted to before dropping it.
    """
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    if len(values) == 0 or values.isna().all():
        return pd.Series(out, index=values.index), 0
    if formats and formats[0] == ISO and not pd.api.types.is_numeric_dtype(values):
        fast = _arrow_iso(values)  # a clean column parses in one C++ pass
        if fast is not None:
            return fast, 0
    text = values.astype("str").str.strip()
    todo = np.array(text.notna() & (text != ""), dtype=bool)
    for fmt in formats:
        if not todo.any():
            break
        where = np.flatnonzero(todo)
        parsed = _parse_one(text.iloc[where], fmt, timezone).to_numpy(dtype="datetime64[ns]")
        good = ~np.isnat(parsed)
        out[where[good]] = parsed[good]
        todo[where[good]] = False
    return pd.Series(out, index=values.index), int(todo.sum())


def _parse_one(text: pd.Series, fmt: str, timezone: str | None) -> pd.Series:
    """One format over text values; tz-aware results are converted, then made naive."""
    if fmt == ISO:
        fast = _arrow_iso(text)
        if fast is not None:
            return fast
    try:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    except (ValueError, TypeError, OverflowError):
        # Offsets that differ between rows (summer/winter time) need one common zone.
        parsed = pd.to_datetime(text, format=fmt, errors="coerce", utc=True)
        naive = ~text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True, na=False)
        if naive.any():
            local = pd.to_datetime(text[naive], format=fmt, errors="coerce")
            return _naive(parsed, timezone).mask(naive, local)
    return _naive(parsed, timezone)


def _naive(parsed: pd.Series, timezone: str | None) -> pd.Series:
    """Naive local ``datetime64[ns]``; implausible years become NaT (counted as failures)."""
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        if timezone:
            parsed = parsed.dt.tz_convert(timezone)
        parsed = parsed.dt.tz_localize(None)
    year = parsed.dt.year
    parsed = parsed.mask((year < PLAUSIBLE_YEARS[0]) | (year > PLAUSIBLE_YEARS[1]))
    return parsed.astype("datetime64[ns]")


def _arrow_iso(text: pd.Series) -> pd.Series | None:
    """Arrow's C++ ISO parser when every value is plain naive ISO; None to fall back."""
    try:
        parsed = pc.cast(pa.array(text), pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return None
    values = parsed.to_numpy(zero_copy_only=False)
    return _naive(pd.Series(values, index=text.index, dtype="datetime64[ns]"), None)


def precision_of_format(fmt: str) -> str:
    """What a strptime format can know: ``minute``, ``day``, ``month`` or ``unknown``."""
    if any(code in fmt for code in _CLOCK_CODES):
        return "minute"
    if "%d" in fmt or "%j" in fmt:
        return "day"
    if any(code in fmt for code in ("%m", "%b", "%B")):
        return "month"
    return "unknown"


def precision_of_text(values: pd.Series) -> pd.Series:
    """Per-value precision of ISO-like text: ``2024-03`` month, ``2024-03-01`` day, else minute."""
    length = values.astype("str").str.strip().str.len()
    out = pd.Series("minute", index=values.index, dtype="str")
    out = out.mask(length <= 10, "day")
    return out.mask(length <= 7, "month")
