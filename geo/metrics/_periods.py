"""Date ranges of nights: presets relative to the data's last night, and nights counted in them.

"Per night" divides by the nights a view covers (DESIGN §5): with a date range, only the nights
inside both the range and the data's own span, and of the chosen weekdays. Presets are what
police analysts ask for daily (CompStat: the last 28 days against the previous 28, this year
against last); they are anchored on the data's last night, not on today, so an export that stops
in March still gives a full "last 28 days".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

import numpy as np

Preset = Literal[
    "last_28_days", "last_3_months", "last_12_months", "winter", "spring", "summer", "autumn",
    "last_season",
]
PRESETS: tuple[str, ...] = (
    "last_28_days", "last_3_months", "last_12_months", "winter", "spring", "summer", "autumn",
    "last_season",
)
"""Preset names of :func:`preset_range` (catalogue keys ``period.<name>``)."""

SEASONS: dict[str, tuple[int, int, int]] = {
    "winter": (12, 1, 2),
    "spring": (3, 4, 5),
    "summer": (6, 7, 8),
    "autumn": (9, 10, 11),
}
"""Meteorological seasons by month (winter starts in December of the year before)."""


def _months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (clamped to the month's end)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last_day))


def _season_of(name: str, year: int) -> tuple[dt.date, dt.date]:
    first_month = SEASONS[name][0]
    start = dt.date(year - 1 if name == "winter" else year, first_month, 1)
    end = _months_back(start, -3) - dt.timedelta(days=1)
    return start, end


def preset_range(name: str, last_night: dt.date) -> tuple[dt.date, dt.date]:
    """``(date_from, date_to)`` of a preset, both inclusive, relative to ``last_night``.

    ``last_28_days`` ends on ``last_night``; ``last_3_months`` / ``last_12_months`` start the
    day after the same date 3 / 12 months earlier; a season name gives the latest such season
    that started on or before ``last_night`` (it may be partial); ``last_season`` the latest
    season that ended on or before it.

    Examples
    --------
    >>> preset_range("last_28_days", dt.date(2025, 3, 31))
    (datetime.date(2025, 3, 4), datetime.date(2025, 3, 31))
    >>> preset_range("winter", dt.date(2025, 3, 31))
    (datetime.date(2024, 12, 1), datetime.date(2025, 2, 28))
    >>> preset_range("last_season", dt.date(2025, 11, 30))
    (datetime.date(2025, 9, 1), datetime.date(2025, 11, 30))
    """
    if name == "last_28_days":
        return last_night - dt.timedelta(days=27), last_night
    if name in ("last_3_months", "last_12_months"):
        months = 3 if name == "last_3_months" else 12
        return _months_back(last_night, months) + dt.timedelta(days=1), last_night
    if name in SEASONS:
        for year in (last_night.year + 1, last_night.year, last_night.year - 1):
            start, end = _season_of(name, year)
            if start <= last_night:
                return start, end
    if name == "last_season":
        candidates = [_season_of(s, y) for s in SEASONS for y in
                      (last_night.year - 1, last_night.year, last_night.year + 1)]
        return max((c for c in candidates if c[1] <= last_night), key=lambda c: c[1])
    raise ValueError(f"unknown preset {name!r}; known: {PRESETS}")


def previous_period(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The range of the same length just before (this 28 days -> the previous 28)."""
    length = (date_to - date_from).days + 1
    return date_from - dt.timedelta(days=length), date_from - dt.timedelta(days=1)


def year_earlier(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """The same range a year earlier (a season against the same season last year)."""
    return _months_back(date_from, 12), _months_back(date_to, 12)


def clipped_range(
    first_night: dt.date | None,
    last_night: dt.date | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
) -> tuple[dt.date, dt.date] | None:
    """The part of ``[date_from, date_to]`` inside the data's nights (None: no night in it)."""
    if first_night is None or last_night is None:
        return None
    start = first_night if date_from is None else max(first_night, date_from)
    end = last_night if date_to is None else min(last_night, date_to)
    return (start, end) if start <= end else None


def nights_in(
    first_night: dt.date | None,
    last_night: dt.date | None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    weekdays: Iterable[int] | None = None,
) -> int:
    """Nights of the chosen weekdays (0 = Monday) in the range and in the data's span.

    Examples
    --------
    >>> nights_in(dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2025, 3, 1),
    ...           dt.date(2025, 3, 31), {4})  # the Friday nights of March 2025
    4
    """
    span = clipped_range(first_night, last_night, date_from, date_to)
    if span is None:
        return 0
    days = np.arange(np.datetime64(span[0], "D"), np.datetime64(span[1], "D") + 1)
    weekday = (days.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday
    if weekdays is None:
        return int(days.size)
    return int(np.isin(weekday, list(weekdays)).sum())


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """First day of every calendar month from ``first``'s to ``last``'s."""
    months, day = [], dt.date(first.year, first.month, 1)
    while day <= last:
        months.append(day)
        day = _months_back(day, -1)
    return months
