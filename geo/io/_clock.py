"""Times of day written as text, and dates joined to them, vectorised.

Police exports split date and time into two columns and write the clock their own way:
``2130`` (military), ``21:30``/``21:30:00``, ``9:30 PM``/``9 PM``, ``21h30``/``21h`` (French),
``21.30`` (Nordic). One RE2 expression run by Arrow reads them all in C++, and only once per
distinct text (a million rows hold a few thousand dates and clock times), so a big file costs
no Python loop. A time written with its minutes is known to the minute; ``9 PM`` or
``21h`` only to the hour. A bare ``5`` in a time column is ambiguous (05:00, or 00:05 with the
zeros stripped, as some exports write it): it is counted, never guessed. ``24:00`` is the
midnight that ends a day (NYPD writes it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.io._times import ISO, parse_times, precision_of_format, precision_of_text

CLOCK_BLANKS: tuple[str, ...] = ("", "nan", "na", "n/a", "null", "(null)", "none", "-")
"""Spellings of 'no time written' (lower case): blank, not bad."""

_SECONDS = r"(?:\s*:\s*(?P<{s}>\d{{2}})(?:[.,]\d+)?)?"
_CLOCK = (
    r"^(?:"
    # 24-hour: 21:30, 21:30:00, 21.30, 21h30, 21h (and a bare 21, told apart below)
    r"(?P<h>\d{1,2})(?:\s*[:.h]\s*(?P<m>\d{2})" + _SECONDS.format(s="s") + r")?(?P<hsuffix>\s*h)?"
    # 12-hour: 9:30 pm, 9 pm, 9.30 p.m., 12 am
    r"|(?P<h12>\d{1,2})(?:\s*[:.]\s*(?P<m12>\d{2})" + _SECONDS.format(s="s12") + r")?"
    r"\s*(?P<half>[ap])\.?\s*m\.?"
    # military: 2130, 930, 0005
    r"|(?P<hhmm>\d{3,4})"
    r")$"
)
"""Every clock spelling we read; matched on trimmed lower-case text."""

DAY = 86_400
"""Seconds in a day; ``24:00`` is read as this many seconds (the end of the day)."""


@dataclass(frozen=True)
class Clock:
    """Times of day read from text: seconds after midnight and what could not be read."""

    seconds: np.ndarray
    """Float seconds after midnight (0..86400), NaN where unknown."""
    hourly: np.ndarray
    """True where only the hour was written (``9 PM``, ``21h``): known to the hour."""
    blank: np.ndarray
    """True where nothing was written (blank or a :data:`CLOCK_BLANKS` token)."""
    ambiguous: np.ndarray
    """True for a bare one- or two-digit number when bare numbers are not hours."""

    @property
    def failed(self) -> np.ndarray:
        """Written, not ambiguous, and still not a time of day (``25:61``, ``13 PM``, text)."""
        return ~self.blank & ~self.ambiguous & np.isnan(self.seconds)


class _Distinct:
    """A column as codes into its distinct trimmed texts (the last one stands for missing)."""

    def __init__(self, values: pd.Series) -> None:
        if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
            values = values.astype("Int64")  # 2130.0 from a geo file is 2130
        try:
            array = pa.array(values, type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            array = pa.array(values.astype("string").to_numpy(na_value=None), type=pa.string())
        encoded = pc.utf8_trim_whitespace(array).dictionary_encode()
        self.codes = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(
            zero_copy_only=False)
        self.text = pa.concat_arrays([encoded.dictionary, pa.nulls(1, pa.string())])
        written = pc.is_in(pc.utf8_lower(self.text), pa.array(CLOCK_BLANKS))
        self.blank = pc.or_(pc.is_null(self.text), written).to_numpy(zero_copy_only=False)
        """Per distinct text: nothing written (null, empty or a :data:`CLOCK_BLANKS` token)."""


def _fields(found: pa.StructArray) -> dict[str, pa.Array]:
    """The regex groups; a group that took no part in the match is null, not empty."""
    fields = {}
    for field, values in zip(found.type, found.flatten(), strict=True):
        empty = pc.equal(pc.utf8_length(values), 0)
        fields[field.name] = pc.if_else(empty, pa.scalar(None, pa.string()), values)
    return fields


def _numbers(values: pa.Array) -> np.ndarray:
    return pc.cast(values, pa.float64()).to_numpy(zero_copy_only=False)


def parse_clock(values: pd.Series, bare_hours: bool = False) -> Clock:
    """Read times of day from text.

    Parameters
    ----------
    values
        Text such as ``2130``, ``21:30``, ``9:30 PM``, ``21h30`` (numbers are read as text).
    bare_hours
        Read a bare ``21`` as 21:00 (an hour column); otherwise it is ambiguous (a time column).

    Examples
    --------
    >>> clock = parse_clock(pd.Series(["2130", "9 PM", "21h30", "5", "25:00", None]))
    >>> clock.seconds.tolist()[:3], clock.hourly.tolist()[1]
    ([77400.0, 75600.0, 77400.0], True)
    >>> clock.ambiguous.tolist()[3], clock.failed.tolist()[4], clock.blank.tolist()[5]
    (True, True, True)
    """
    distinct = _Distinct(values)
    found = pc.extract_regex(pc.utf8_lower(distinct.text), _CLOCK)
    fields = _fields(found)
    matched = found.is_valid().to_numpy(zero_copy_only=False) & ~distinct.blank
    n = {name: _numbers(fields[name]) for name in ("h", "m", "s", "h12", "m12", "s12", "hhmm")}
    pm = pc.fill_null(pc.equal(fields["half"], "p"), False).to_numpy(zero_copy_only=False)
    suffix = pc.is_valid(fields["hsuffix"]).to_numpy(zero_copy_only=False)
    is24, is12, mil = ~np.isnan(n["h"]), ~np.isnan(n["h12"]), ~np.isnan(n["hhmm"])
    bare = matched & is24 & np.isnan(n["m"]) & ~suffix

    hour = np.where(is24, n["h"], np.where(is12, n["h12"] % 12 + 12 * pm, n["hhmm"] // 100))
    minute = np.where(is24, n["m"], np.where(is12, n["m12"], n["hhmm"] % 100))
    second = np.where(is24, n["s"], np.where(is12, n["s12"], np.nan))
    hourly = matched & ~mil & np.isnan(minute)
    minute, second = np.nan_to_num(minute), np.nan_to_num(second)
    ok = matched & (minute < 60) & (second < 60) & (
        (hour < 24) | ((hour == 24) & (minute == 0) & (second == 0)))
    ok &= ~is12 | ((n["h12"] >= 1) & (n["h12"] <= 12))
    ambiguous = np.zeros_like(bare) if bare_hours else bare
    ok &= ~ambiguous
    seconds = np.where(ok, hour * 3600 + minute * 60 + second, np.nan)
    codes = distinct.codes
    return Clock(seconds=seconds[codes], hourly=(hourly & ok)[codes],
                 blank=distinct.blank[codes], ambiguous=ambiguous[codes])


@dataclass(frozen=True)
class DateTime:
    """A date column joined to a time-of-day column, and what it cost."""

    values: pd.Series
    """Naive local ``datetime64[ns]``; NaT where the date is blank or unreadable."""
    precision: pd.Series
    """``minute``/``hour`` with a time of day, ``day`` (or ``month``) without one."""
    counts: dict[str, int]
    """Report reason -> values: unreadable dates, blank, bad or ambiguous times of day."""


_PRECISIONS = pa.array(["minute", "hour", "day", "month"])


def _days(dates: pd.Series, date_format: str | None) -> tuple[pd.Series, np.ndarray, int]:
    """Midnight of each date, whether it is known to the month only, and how many failed."""
    distinct = _Distinct(dates)
    text = pd.Series(distinct.text.to_numpy(zero_copy_only=False), dtype=object)
    text = text.mask(distinct.blank)
    parsed, _ = parse_times(text, (date_format or ISO,), None)
    failed = (~distinct.blank & parsed.isna().to_numpy())[distinct.codes]
    day = pd.Series(parsed.dt.normalize().to_numpy()[distinct.codes], index=dates.index)
    coarse = (pd.Series(precision_of_format(date_format), index=text.index) if date_format
              else precision_of_text(text))
    return day, (coarse == "month").to_numpy()[distinct.codes], int(failed.sum())


def date_with_clock(
    dates: pd.Series,
    times: pd.Series,
    date_format: str | None = None,
    end_of_day: bool = False,
) -> DateTime:
    """Join a date column and a time-of-day column into one datetime.

    A date without a readable time keeps day precision (it is not midnight); with
    ``end_of_day`` (the end of a from/to span) it runs to 23:59 of that day (of the month's
    last day for a month-only date), so the span covers all of it. The clock time a date
    column may carry (``2024-03-05T00:00:00``) is ignored: the time column says the time.
    Dates are read as written, without zones.

    Parameters
    ----------
    dates, times
        The two columns, as text (blank or a :data:`CLOCK_BLANKS` token = not written).
    date_format
        ``strptime`` format of the dates; ISO 8601 (``2024-03-05``) when not given.
    end_of_day
        True for the end of a span (``occurred_to``).

    Returns
    -------
    DateTime
        The datetimes, their precision per row, and the counts for the report.

    Examples
    --------
    >>> joined = date_with_clock(pd.Series(["05/03/2024", "05/03/2024"]),
    ...                          pd.Series(["9:30 PM", ""]), "%d/%m/%Y")
    >>> [str(v) for v in joined.values], joined.precision.tolist()
    (['2024-03-05 21:30:00', '2024-03-05 00:00:00'], ['minute', 'day'])
    >>> joined.counts["missing_time_of_day"]
    1
    """
    day, monthly, failed_dates = _days(dates, date_format)
    clock = parse_clock(times)
    dated = day.notna().to_numpy() & ~monthly
    known = dated & ~np.isnan(clock.seconds)
    offset = pd.Series(pd.to_timedelta(np.where(known, clock.seconds, 0.0), unit="s"),
                       index=day.index)
    if end_of_day:
        offset = offset.where(known, pd.Timedelta(hours=23, minutes=59))
        if monthly.any():
            day = day.mask(monthly, day + pd.offsets.MonthEnd(0))
    values = (day + offset).where(day.notna())
    codes = np.select([known & ~clock.hourly, known, ~monthly], [0, 1, 2], 3)
    precision = pc.take(_PRECISIONS, pa.array(codes)).to_pandas().set_axis(day.index)
    counts = {
        "unparseable_time": failed_dates,
        "missing_time_of_day": int((dated & clock.blank).sum()),
        "unparseable_time_of_day": int((dated & clock.failed).sum()),
        "ambiguous_time_of_day": int((dated & clock.ambiguous).sum()),
    }
    return DateTime(values.astype("datetime64[ns]"), precision, counts)
