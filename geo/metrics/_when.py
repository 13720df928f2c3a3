"""When a query looks: its date range and sun window turned into what the cube masks need.

Kept apart from the Atlas (already long) so the time logic of issue 15 reads in one place:
nights counted for "per night", the sun window of a query as a ``(night, hour)`` table at the
city's location, and the clock hours that table covers (for the parts of the data without dates
on the night axis: venues' opening hours, survey answers about an hour of the night).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np

from geo.columns import DEFAULT_TIMEZONE
from geo.cube import NO_ANSWER_DATE, NightHours
from geo.metrics._periods import clipped_range, nights_in
from geo.metrics._query import Query
from geo.sun import night_hours
from geo.timewin import HourWindow

if TYPE_CHECKING:
    from geo.metrics._atlas import Atlas


def data_span(atlas: Atlas) -> tuple[dt.date | None, dt.date | None]:
    """The data's first and last night (timed incidents)."""
    cube = atlas.incident_cube
    return cube.first_night, cube.last_night


def query_nights(atlas: Atlas, query: Query) -> int:
    """Nights of the query's weekdays within its date range and the data's span."""
    first, last = data_span(atlas)
    return nights_in(first, last, query.date_from, query.date_to, query.weekdays)


def query_night_hours(atlas: Atlas, query: Query) -> NightHours | None:
    """The query's sun window as a ``(night, hour)`` table over the nights it can touch."""
    if query.sun is None:
        return None
    first, last = data_span(atlas)
    span = clipped_range(first, last, query.date_from, query.date_to)
    if span is None:
        return NightHours(first=0, table=np.zeros((0, 24), dtype=bool))
    lat, lon = atlas.centre
    timezone = str(atlas.metadata.get("timezone") or DEFAULT_TIMEZONE)
    return night_hours(query.sun, span[0], span[1], round(lat, 4), round(lon, 4), timezone,
                       atlas.day_boundary)


def clock_cover(table: NightHours | None) -> HourWindow | None:
    """Smallest clock window (on the 24-h circle) holding every hour the table keeps.

    Examples
    --------
    >>> hours = np.zeros((2, 24), dtype=bool)
    >>> hours[0, [22, 23, 0]] = hours[1, [18, 19, 20, 21, 22, 23, 0, 1]] = True
    >>> str(clock_cover(NightHours(0, hours)))
    '18-2'
    """
    if table is None:
        return None
    used = table.table.any(axis=0) if table.table.size else np.zeros(24, dtype=bool)
    if not used.any():
        return None  # no dark hour at all in the range: nothing narrower to say
    if used.all():
        return None
    # the longest run of unused hours on the circle is what the window leaves out
    best_start, best_len = 0, 0
    for start in range(24):
        if used[start] or not used[start - 1]:
            continue
        length = 0
        while length < 24 and not used[(start + length) % 24]:
            length += 1
        if length > best_len:
            best_start, best_len = start, length
    return HourWindow((best_start + best_len) % 24, best_start)


def clock_hours(atlas: Atlas, query: Query) -> HourWindow | None:
    """The clock window for data that have no night date: the query's own, or the cover of its
    sun window."""
    if query.sun is None:
        return query.hours
    return clock_cover(query_night_hours(atlas, query))


def answered_mask(days: np.ndarray, query: Query) -> np.ndarray:
    """Answers given within the query's answered_from .. answered_to (days since epoch)."""
    keep = np.ones(days.size, dtype=bool)
    if query.answered_from is None and query.answered_to is None:
        return keep
    keep &= days > NO_ANSWER_DATE  # an undated answer is in no wave
    epoch = dt.date(1970, 1, 1)
    if query.answered_from is not None:
        keep &= days >= (query.answered_from - epoch).days
    if query.answered_to is not None:
        keep &= days <= (query.answered_to - epoch).days
    return keep
