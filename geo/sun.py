"""Windows that follow the dark: which clock hours of each night lie between dusk and dawn.

A clock window such as 22-04 means dusk-to-dawn in December and broad daylight plus the darkest
hours in June (dusk is at 17:33 on 21 December and 22:12 on 21 June at 45.75 N, 4.85 E). A
:class:`SunWindow` is defined by the sun at the city's location on each date instead: civil dusk
(sun 6 degrees below the horizon) to civil dawn ("dark"), or dusk plus a number of hours
("dusk+2"). Dusk and dawn come from `astral <https://astral.readthedocs.io>`_, a maintained
astronomy library.

The cube holds counts per night date and clock hour (DESIGN §3-4), so a sun window becomes a
boolean table ``(night, hour)`` (:class:`geo.cube.NightHours`): an hour of a night is in the
window when its middle (hh:30) lies between the window's start and end. One fancy index of that
table per cube row applies it, at the same cost as a clock window.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np

from geo.cube import NightHours, day_number

SUN_WINDOW_NAMES: tuple[str, ...] = ("dark", "dusk+1", "dusk+2", "dusk+3", "dusk+4")
"""Sun windows the dashboards offer beside clock windows (any ``dusk+H`` with H 1..12 parses)."""

_DUSK_PLUS = re.compile(r"^dusk\+(\d{1,2})h?$")


@dataclass(frozen=True)
class SunWindow:
    """Civil dusk to civil dawn (``hours=None``), or civil dusk to dusk + ``hours``.

    Examples
    --------
    >>> SunWindow.parse("dusk+2"), str(SunWindow())
    (SunWindow(hours=2), 'dark')
    """

    hours: int | None = None

    def __post_init__(self) -> None:
        if self.hours is not None and not 1 <= int(self.hours) <= 12:
            raise ValueError(f"dusk + hours must be 1..12, got {self.hours}")

    def __str__(self) -> str:
        return "dark" if self.hours is None else f"dusk+{self.hours}"

    @property
    def label(self) -> str:
        """English caption (the UI translates)."""
        return "dusk to dawn" if self.hours is None else f"dusk to dusk + {self.hours} h"

    @classmethod
    def parse(cls, text: str) -> SunWindow:
        """``dark`` or ``dusk+H``; raises ValueError otherwise."""
        value = text.strip().lower().replace(" ", "")
        if value == "dark":
            return cls()
        match = _DUSK_PLUS.match(value)
        if match:
            return cls(int(match.group(1)))
        raise ValueError(f"not a sun window: {text!r} (use 'dark' or 'dusk+H', e.g. 'dusk+2')")

    @staticmethod
    def is_sun_window(text: str) -> bool:
        """True when ``text`` names a sun window rather than a clock window."""
        try:
            SunWindow.parse(text)
        except ValueError:
            return False
        return True


def _observer(lat: float, lon: float):
    from astral import Observer

    return Observer(latitude=float(lat), longitude=float(lon))


def dusk_dawn(
    day: dt.date, lat: float, lon: float, timezone: str
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Civil dusk on ``day`` and civil dawn on the next morning, local wall-clock (naive).

    None where the sun does not go 6 degrees below the horizon that evening or morning (white
    nights); both None and the whole night dark is not possible at our latitudes and is treated
    as no window.
    """
    from astral.sun import dawn, dusk

    zone, observer = ZoneInfo(timezone), _observer(lat, lon)
    try:
        start = dusk(observer, day, tzinfo=zone).replace(tzinfo=None)
    except ValueError:
        start = None
    try:
        end = dawn(observer, day + dt.timedelta(days=1), tzinfo=zone).replace(tzinfo=None)
    except ValueError:
        end = None
    return start, end


def monthly_dusk_dawn(
    year: int, lat: float, lon: float, timezone: str
) -> list[tuple[dt.date, dt.datetime | None, dt.datetime | None]]:
    """Dusk and next dawn on the 15th of each month: the cell detail's month-by-month line."""
    days = [dt.date(year, month, 15) for month in range(1, 13)]
    return [(d, *dusk_dawn(d, lat, lon, timezone)) for d in days]


@lru_cache(maxsize=32)
def night_hours(
    window: SunWindow,
    first: dt.date,
    last: dt.date,
    lat: float,
    lon: float,
    timezone: str,
    day_boundary: int = 6,
) -> NightHours:
    """The ``(night, clock hour)`` table of ``window`` for nights ``first`` .. ``last``.

    Hour ``h`` of the night of date ``d`` is clock hour ``h`` on ``d`` when ``h >=
    day_boundary``, else on the next date (DESIGN §3); it is in the window when ``h:30`` lies in
    ``[start, end)``. Cached: a dashboard asks for the same table on every slider move.
    """
    n = max((last - first).days + 1, 0)
    table = np.zeros((n, 24), dtype=bool)
    # minutes of each clock hour's middle after midnight of the night's date
    hours = np.arange(24)
    middle = np.where(hours >= day_boundary, hours, hours + 24) * 60 + 30
    spans = [_span(window, first + dt.timedelta(days=i), lat, lon, timezone)
             for i in range(-1, n)]
    for i in range(n):
        midnight = dt.datetime.combine(first + dt.timedelta(days=i), dt.time())
        # this evening's span, and the end of the previous one: in December dawn comes after
        # a 06:00 day boundary, so 06:00-07:44 is dark yet belongs to the next night
        for span in (spans[i], spans[i + 1]):
            if span is not None:
                t0, t1 = ((t - midnight).total_seconds() / 60 for t in span)
                table[i] |= (middle >= t0) & (middle < t1)
    table.flags.writeable = False
    return NightHours(first=day_number(first), table=table)


def _span(
    window: SunWindow, day: dt.date, lat: float, lon: float, timezone: str
) -> tuple[dt.datetime, dt.datetime] | None:
    """Start and end of ``window`` on the evening of ``day`` (None: no dusk that day)."""
    start, end = dusk_dawn(day, lat, lon, timezone)
    if start is None:
        return None
    if window.hours is not None:
        return start, start + dt.timedelta(hours=window.hours)
    return None if end is None else (start, end)
