"""Time of night: hour windows on the 24-h circle, night dates, weekdays and aoristic spreading.

DESIGN §3 fixes the words. A window ``(22, 4)`` is half-open, ``[22:00, 04:00)``, and crosses
midnight. **A night belongs to the date on which it starts**: with the day boundary at 06:00 an
event at Saturday 02:30 is part of Friday night, so a "Friday" filter finds it. Events known only
as a span (NYPD-style from/to) are spread over the clock hours they touch, each getting an equal
share (aoristic analysis: Ratcliffe, "Aoristic analysis: the spatial interpretation of
unspecific temporal events", IJGIS 14(7), 2000).

Everything works on naive local wall-clock times as int64 nanoseconds, so a million events cost a
few vectorised NumPy passes. A DST night therefore has 23 or 25 *wall-clock* hours, which is what
people mean by "02:00-03:00".

The hour of week of a night, ``how = night_weekday * 24 + hour`` (0..167), is the one time key the
cube stores; any window and weekday set becomes a 168-entry lookup table (:func:`how_mask`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from geo.columns import DEFAULT_DAY_BOUNDARY_HOUR, HOURLY_PRECISIONS, TIME_PRECISIONS

HOURS_OF_WEEK = 168
"""Hour-of-week slots of a night; ``-1`` marks "no usable hour" wherever a ``how`` is stored."""

NO_HOUR = -1
"""The ``how``/``hour`` value of an event whose hour is not known well enough for a window."""

DEFAULT_SPAN_CAP_HOURS = 24
"""Spans longer than this are not spread: "sometime this week" says nothing about the hour."""

TimingClass = Literal["timed", "day", "month", "unknown", "span_over_cap"]
TIMING_CLASSES: tuple[str, ...] = get_args(TimingClass)
"""Whether an event has a usable hour, and if not, why (the view says how many were left out)."""

_HOUR = 3_600_000_000_000
_DAY = 24 * _HOUR
_NAT = np.iinfo(np.int64).min
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday

_WEEKDAY_WORDS: dict[str, int] = {
    word: day
    for day, words in enumerate(
        (
            "mon monday lun lundi",
            "tue tues tuesday mar mardi",
            "wed wednesday mer mercredi",
            "thu thur thurs thursday jeu jeudi",
            "fri friday ven vendredi",
            "sat saturday sam samedi",
            "sun sunday dim dimanche",
        )
    )
    for word in words.split()
}
WEEKDAY_ABBREVIATIONS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))


def _check_hour(value: object, name: str, upper: int = 23) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be a whole hour (int), got {value!r}")
    if not 0 <= value <= upper:
        raise ValueError(f"{name} must be in 0..{upper}, got {value}")
    return int(value)


@dataclass(frozen=True)
class HourWindow:
    """A half-open window ``[start, end)`` of whole hours on the 24-h circle.

    Parameters
    ----------
    start, end
        Hours 0..23; ``end`` may be 24, read as midnight (0). ``start == end`` is the whole day.

    Examples
    --------
    >>> w = HourWindow(22, 4)
    >>> w.hours, str(w), w.label
    ((22, 23, 0, 1, 2, 3), '22-4', '22:00–04:00')
    >>> w.contains([23, 3.99, 4]).tolist()
    [True, True, False]
    >>> w.complement()
    HourWindow(start=4, end=22)
    """

    start: int = 0
    end: int = 0

    def __post_init__(self) -> None:
        _check_hour(self.start, "start")
        if _check_hour(self.end, "end", upper=24) == 24:
            object.__setattr__(self, "end", 0)

    @property
    def is_whole_day(self) -> bool:
        """True when the window is all 24 hours (``start == end``)."""
        return self.start == self.end

    @property
    def n_hours(self) -> int:
        """How many whole hours the window holds (1..24)."""
        return (self.end - self.start) % 24 or 24

    @property
    def hours(self) -> tuple[int, ...]:
        """The hours inside, in night order from ``start`` (22, 23, 0, 1, ...)."""
        return tuple((self.start + k) % 24 for k in range(self.n_hours))

    @property
    def label(self) -> str:
        """Clock label such as ``22:00–04:00``; a window ending at midnight ends at ``24:00``."""
        end = 24 if self.end == 0 and (self.start != 0 or self.is_whole_day) else self.end
        return f"{self.start:02d}:00–{end:02d}:00"

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"

    def hour_table(self) -> np.ndarray:
        """Boolean lookup table of the 24 clock hours, ``True`` inside the window."""
        table = np.zeros(24, dtype=bool)
        table[list(self.hours)] = True
        return table

    def contains(self, hour: npt.ArrayLike | pd.Series) -> np.ndarray | bool:
        """Whether each clock time falls in the window.

        Parameters
        ----------
        hour
            Hours as numbers (``3.99`` is 03:59, so fractional hours are floored), or datetimes
            (their wall-clock time is used). Missing or out-of-range values are outside.

        Returns
        -------
        numpy.ndarray of bool, or a bool for a scalar.
        """
        scalar = np.ndim(hour) == 0
        series = pd.Series(np.atleast_1d(hour) if scalar or isinstance(hour, list) else hour)
        if pd.api.types.is_datetime64_any_dtype(series) or isinstance(hour, datetime):
            t = wall_clock_ns(pd.to_datetime(series))
            values = np.where(t != _NAT, (t % _DAY) / _HOUR, np.nan)
        else:
            values = series.to_numpy(dtype="float64", na_value=np.nan)
        valid = np.isfinite(values) & (values >= 0) & (values < 24)
        whole = np.floor(np.where(valid, values, 0)).astype(np.int64)
        out = valid & self.hour_table()[whole]
        return bool(out[0]) if scalar else out

    def complement(self) -> HourWindow:
        """The rest of the day: ``(22, 4)`` -> ``(4, 22)``; together they partition the day.

        Raises
        ------
        ValueError
            For the whole day, whose complement would be empty (not a window).
        """
        if self.is_whole_day:
            raise ValueError("the whole day has no complement window")
        return HourWindow(self.end, self.start)

    def overlaps(self, other: HourWindow) -> bool:
        """Whether two windows share at least one hour (a daypart "counts in" a window)."""
        return bool((self.hour_table() & other.hour_table()).any())

    @classmethod
    def parse(cls, text: str) -> HourWindow:
        """A window from ``"22-4"``, ``"22:00-04:00"``, ``"22–4"`` or ``"all"``.

        Examples
        --------
        >>> HourWindow.parse("22:00–04:00"), HourWindow.parse("all").is_whole_day
        (HourWindow(start=22, end=4), True)
        """
        cleaned = str(text).strip().lower()
        if cleaned in {"all", "*", "24h"}:
            return cls(0, 0)
        match = re.fullmatch(r"(\d{1,2})(?::00)?\s*[-–—]\s*(\d{1,2})(?::00)?", cleaned)
        if match is None:
            raise ValueError(f"not an hour window: {text!r} (expected e.g. '22-4', '22:00-04:00')")
        return cls(int(match.group(1)), int(match.group(2)))


ALL_DAY = HourWindow(0, 0)
"""The whole day, i.e. no hour filter."""


def parse_weekdays(text: str | Iterable[str | int]) -> frozenset[int]:
    """Weekdays (0 = Monday) from ``"fri,sat"``, ``"ven,sam"``, ``"mon-thu"`` or ``"all"``.

    Ranges run forward and may wrap (``"fri-mon"`` is Fri, Sat, Sun, Mon). An iterable of names or
    of ints 0..6 is accepted too. The set applies to the *night date* (see :func:`night_features`).

    Examples
    --------
    >>> sorted(parse_weekdays("fri,sat")), sorted(parse_weekdays("Ven, Sam"))
    ([4, 5], [4, 5])
    >>> sorted(parse_weekdays("mon-thu")), sorted(parse_weekdays("sat-mon"))
    ([0, 1, 2, 3], [0, 5, 6])
    """
    if isinstance(text, str):
        cleaned = text.strip().lower()
        if cleaned in {"all", "tous", "*"}:
            return ALL_WEEKDAYS
        items: list[str | int] = [p for p in re.split(r"[,;\s]+", cleaned) if p]
    else:
        items = list(text)
    days: set[int] = set()
    for item in items:
        if isinstance(item, int | np.integer) and not isinstance(item, bool):
            days.add(_check_hour(item, "weekday", upper=6))
            continue
        ends = [e.strip() for e in re.split(r"[-–]", str(item).strip().lower())]
        unknown = [e for e in ends if e not in _WEEKDAY_WORDS]
        if unknown or len(ends) > 2:
            raise ValueError(f"unknown weekday {item!r} (use e.g. 'fri,sat', 'ven,sam', 'mon-thu')")
        first, last = _WEEKDAY_WORDS[ends[0]], _WEEKDAY_WORDS[ends[-1]]
        days.update((first + k) % 7 for k in range((last - first) % 7 + 1))
    if not days:
        raise ValueError(f"no weekday in {text!r}")
    return frozenset(days)


def format_weekdays(days: Iterable[int]) -> str:
    """The canonical text of a weekday set, which :func:`parse_weekdays` reads back.

    Examples
    --------
    >>> format_weekdays({5, 4}), format_weekdays(range(7))
    ('fri,sat', 'all')
    """
    chosen = sorted(set(days))
    return "all" if chosen == list(range(7)) else ",".join(WEEKDAY_ABBREVIATIONS[d] for d in chosen)


def how_mask(window: HourWindow | None = None, weekdays: Iterable[int] | None = None) -> np.ndarray:
    """Lookup table of the 168 hours of week (night weekday x 24 + hour) a filter keeps.

    Examples
    --------
    >>> table = how_mask(HourWindow(22, 4), {4})  # Friday night
    >>> [int(h) for h in np.flatnonzero(table)]
    [96, 97, 98, 99, 118, 119]
    """
    hours = (window or ALL_DAY).hour_table()
    days = np.zeros(7, dtype=bool)
    chosen = ALL_WEEKDAYS if weekdays is None else {_check_hour(d, "weekday", 6) for d in weekdays}
    days[sorted(chosen)] = True  # an empty set keeps nothing (every box unticked)
    return (days[:, None] & hours[None, :]).ravel()


def wall_clock_ns(times: npt.ArrayLike | pd.Series) -> np.ndarray:
    """Wall-clock times as int64 ns (NaT = int64 min); tz-aware times keep their wall clock."""
    if isinstance(times, pd.Series | pd.Index):
        series = pd.Series(times)
        if isinstance(series.dtype, pd.DatetimeTZDtype):
            series = series.dt.tz_localize(None)
        if not pd.api.types.is_datetime64_any_dtype(series):
            if not series.isna().all():
                raise TypeError(f"expected datetimes, got dtype {series.dtype}")
            series = series.astype("datetime64[ns]")
        return series.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return np.asarray(times, dtype="datetime64[ns]").view(np.int64)


def check_day_boundary(day_boundary: int) -> int:
    """The day boundary as an int, or TypeError/ValueError if it is not an hour 0..23."""
    return _check_hour(day_boundary, "day_boundary")


def _night_keys(t: np.ndarray, day_boundary: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hour, night day number since 1970-01-01, how) of valid int64-ns times."""
    hour = (t // _HOUR) % 24
    night = (t - day_boundary * _HOUR) // _DAY
    how = ((night + _EPOCH_WEEKDAY) % 7) * 24 + hour
    return hour, night, how


def night_features(times: pd.Series, day_boundary: int = DEFAULT_DAY_BOUNDARY_HOUR) -> pd.DataFrame:
    """Clock hour and night of each time: the night belongs to the date on which it starts.

    Parameters
    ----------
    times
        Local wall-clock datetimes (naive; tz-aware ones are read on their own wall clock).
    day_boundary
        Hour 0..23 before which a time belongs to the previous date's night (default 6).

    Returns
    -------
    pandas.DataFrame
        Same index as ``times``: ``hour`` (int8), ``night_date`` (datetime64[ns] at midnight),
        ``night_weekday`` (int8, 0 = Monday, of the night date) and ``how`` (int16,
        ``night_weekday * 24 + hour``). Missing times get ``-1`` / ``NaT``.

    Examples
    --------
    >>> f = night_features(pd.Series(pd.to_datetime(["2026-05-16 02:30"])))  # a Saturday
    >>> f.loc[0, "night_date"].date().isoformat(), int(f.loc[0, "night_weekday"])
    ('2026-05-15', 4)
    """
    boundary = check_day_boundary(day_boundary)
    t = wall_clock_ns(times)
    ok = t != _NAT
    hour, night, how = _night_keys(np.where(ok, t, 0), boundary)
    night_date = np.where(ok, night * _DAY, _NAT).view("datetime64[ns]")
    return pd.DataFrame(
        {
            "hour": np.where(ok, hour, NO_HOUR).astype(np.int8),
            "night_date": night_date,
            "night_weekday": np.where(ok, (night + _EPOCH_WEEKDAY) % 7, -1).astype(np.int8),
            "how": np.where(ok, how, NO_HOUR).astype(np.int16),
        },
        index=times.index if isinstance(times, pd.Series) else None,
    )


def timing_codes(
    t0: np.ndarray, t1: np.ndarray, precision: pd.Series | None, span_cap_hours: float
) -> np.ndarray:
    """Codes into :data:`TIMING_CLASSES` for int64-ns starts and ends."""
    if not span_cap_hours > 0:
        raise ValueError(f"span_cap_hours must be > 0, got {span_cap_hours}")
    code = np.zeros(t0.size, dtype=np.int8)
    if precision is not None:
        # factorise first: a million labels have only a handful of distinct values
        found, labels = pd.factorize(pd.Series(precision), use_na_sentinel=True)
        unknown = TIMING_CLASSES.index("unknown")

        def class_of(label: object) -> int:
            if label in HOURLY_PRECISIONS:
                return 0
            return TIMING_CLASSES.index(label) if label in TIME_PRECISIONS else unknown

        to_class = np.array([class_of(str(p)) for p in labels] + [unknown], dtype=np.int8)
        code = to_class[found]  # -1 (missing precision) reads the last entry: unknown
    code[t0 == _NAT] = TIMING_CLASSES.index("unknown")
    spanned = (t0 != _NAT) & (t1 != _NAT) & (t1 > t0)
    over = spanned & (t1 - t0 > int(span_cap_hours * _HOUR)) & (code == 0)
    code[over] = TIMING_CLASSES.index("span_over_cap")
    return code


def timing_class(
    occurred_from: pd.Series,
    occurred_to: pd.Series | None = None,
    time_precision: pd.Series | None = None,
    *,
    span_cap_hours: float = DEFAULT_SPAN_CAP_HOURS,
) -> pd.Series:
    """Whether each event has a usable hour (``timed``), and if not why.

    An hour is usable when ``time_precision`` is ``minute`` or ``hour`` (all, when not given),
    ``occurred_from`` is known and any span is at most ``span_cap_hours``. The others stay in
    "all times" views and are counted as left out of hour windows.

    Returns
    -------
    pandas.Series
        Categorical over :data:`TIMING_CLASSES`, same index as ``occurred_from``.
    """
    t0 = wall_clock_ns(occurred_from)
    t1 = np.full(t0.size, _NAT) if occurred_to is None else wall_clock_ns(occurred_to)
    codes = timing_codes(t0, t1, time_precision, span_cap_hours)
    values = pd.Categorical.from_codes(codes, categories=list(TIMING_CLASSES))
    return pd.Series(values, index=occurred_from.index, name="timing")


def spread_ns(
    t0: np.ndarray, t1: np.ndarray, timed: np.ndarray, day_boundary: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Aoristic lines ``(row, how, weight, night)`` for int64-ns spans; ``how = -1`` if untimed.

    Each timed event touches ``n`` clock hours of ``[t0, t1)`` (one when ``t1`` is missing or
    not after ``t0``); each hour gets ``1/n`` and its own night. The last share is
    ``1 - (n-1)/n`` as floats, which makes the *exact* sum of the shares 1 (checked with
    ``math.fsum``), so counts are conserved through any regrouping up to float rounding.
    """
    first = np.where(timed, t0, 0) // _HOUR * _HOUR
    spanned = timed & (t1 != _NAT) & (t1 > t0)
    n = np.ones(t0.size, dtype=np.int64)
    n[spanned] = (t1[spanned] - 1 - first[spanned]) // _HOUR + 1
    ends = np.cumsum(n)
    row = np.repeat(np.arange(t0.size, dtype=np.int64), n)
    step = np.arange(row.size, dtype=np.int64) - np.repeat(ends - n, n)
    line_timed = timed[row]
    _, night, how = _night_keys(first[row] + step * _HOUR, day_boundary)
    share = 1.0 / n
    weight = share[row]
    weight[ends - 1] = 1.0 - (n - 1) * share
    how = np.where(line_timed, how, NO_HOUR).astype(np.int16)
    night = np.where(line_timed, night, np.iinfo(np.int32).min).astype(np.int32)
    return row, how, weight, night


def aoristic_hours(
    occurred_from: pd.Series,
    occurred_to: pd.Series | None = None,
    time_precision: pd.Series | None = None,
    *,
    day_boundary: int = DEFAULT_DAY_BOUNDARY_HOUR,
    span_cap_hours: float = DEFAULT_SPAN_CAP_HOURS,
) -> pd.DataFrame:
    """Spread each event over the clock hours its span touches, each hour on its own night.

    A 22:00-02:00 event counts 1/4 in each of 22, 23, 0 and 1; an end exactly on the hour does
    not touch that hour; a missing end, or an end not after the start, is the start's hour; a
    05:00-07:00 event with the boundary at 6 puts one half on each of two nights. Events with no
    usable hour (see :func:`timing_class`) keep one line with ``how = -1``, so every event's
    weights sum to 1 and "all times" totals are conserved.

    Returns
    -------
    pandas.DataFrame
        Long frame ``row`` (int64 position in the input), ``how`` (int16, -1 = no usable hour),
        ``weight`` (float64) and ``night_date`` (datetime64[ns], NaT when untimed), ordered by
        row then hour.

    Examples
    --------
    >>> s = pd.Series(pd.to_datetime(["2026-05-15 22:00"]))
    >>> e = pd.Series(pd.to_datetime(["2026-05-16 02:00"]))
    >>> aoristic_hours(s, e)[["how", "weight"]].values.tolist()
    [[118.0, 0.25], [119.0, 0.25], [96.0, 0.25], [97.0, 0.25]]
    """
    boundary = check_day_boundary(day_boundary)
    t0 = wall_clock_ns(occurred_from)
    t1 = np.full(t0.size, _NAT) if occurred_to is None else wall_clock_ns(occurred_to)
    timed = timing_codes(t0, t1, time_precision, span_cap_hours) == 0
    row, how, weight, night = spread_ns(t0, t1, timed, boundary)
    night_date = np.where(how >= 0, night.astype(np.int64) * _DAY, _NAT).view("datetime64[ns]")
    return pd.DataFrame({"row": row, "how": how, "weight": weight, "night_date": night_date})
