"""Which venues are open in a night-time window, from their OSM ``opening_hours``.

A slider move must answer for 300-1,000 venues at once, and parsing OSM opening hours is not
cheap, so each venue's hours are evaluated **once** into 168 booleans — "open at any moment in
this hour of the week" — and every window/weekday query is then a NumPy OR over slots.

The parser is the maintained ``opening-hours-py`` (Rust, ``import opening_hours``); we never
write our own. Hours it cannot parse, empty hours and spans the expression itself marks
``unknown`` are a class of their own and are never guessed (DESIGN §3).

Slots are by *night* (DESIGN §3: a night belongs to the date on which it starts): slot
``night_weekday * 24 + hour`` with Monday = 0, and clock hours before the day boundary
(default 06:00) belong to the previous day's night, so Saturday 01:00 is slot ``4*24 + 1``
(Friday night). Hours from the boundary to 23 are that same calendar day's evening.

Reference week
--------------
Rules are evaluated over the week of Monday 10 March 2025 (to the next Monday's day boundary),
which has no national public holiday in France, Belgium, Switzerland, Germany or the US and
no daylight-saving change in Europe. No country is given to the parser, so no holiday calendar is
loaded and ``PH`` / ``SH`` (public and school holiday) rules never apply: the slots describe
an ordinary week. Month- or date-specific rules are evaluated as they stand in that week.
``sunset``/``sunrise`` without coordinates use the parser's fixed defaults (19:00 / 07:00).

Open-ended times
----------------
``"Mo-Fr 18:00+"`` ("from 18:00, end not stated"): opening-hours-py 2.1 reports it **open from
18:00 until midnight**, then closed; we follow the parser rather than guessing a later close.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np
import opening_hours as oh_parser

from geo.columns import DEFAULT_DAY_BOUNDARY_HOUR

__all__ = [
    "CLOSED",
    "OPEN",
    "REFERENCE_MONDAY",
    "SLOTS",
    "UNKNOWN",
    "open_in_window",
    "open_slots",
    "slot_index",
]

SLOTS = 7 * 24
"""Hours in a week: one slot per (night weekday, clock hour)."""

REFERENCE_MONDAY = dt.datetime(2025, 3, 10)
"""Start of the reference week the rules are evaluated in (no public holidays; see above)."""

OPEN, CLOSED, UNKNOWN = 1, 0, -1
"""Codes of :func:`open_in_window`: unknown stays visible as its own class."""

_HOUR = dt.timedelta(hours=1)


def slot_index(weekdays: Iterable[int], hours: Iterable[int]) -> np.ndarray:
    """Slots of the given night weekdays (Monday = 0) and clock hours (0-23).

    Raises
    ------
    ValueError
        When a weekday is outside 0-6 or an hour outside 0-23.
    """
    days = np.asarray(sorted(set(weekdays)), dtype=np.int64)
    hrs = np.asarray(sorted(set(hours)), dtype=np.int64)
    if days.size and (days.min() < 0 or days.max() > 6):
        raise ValueError(f"weekdays must be in 0..6 (Monday = 0), got {days.tolist()}")
    if hrs.size and (hrs.min() < 0 or hrs.max() > 23):
        raise ValueError(f"hours must be in 0..23, got {hrs.tolist()}")
    return (days[:, None] * 24 + hrs[None, :]).reshape(-1)


def _clock_of_slots(day_boundary: int) -> np.ndarray:
    """Hours since REFERENCE_MONDAY 00:00 at which each night slot starts (length 168)."""
    night = np.repeat(np.arange(7), 24)
    hour = np.tile(np.arange(24), 7)
    # Hours before the boundary are the next calendar day's small hours of this night.
    return (night + (hour < day_boundary)) * 24 + hour


def _states(expression: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Open and known flags per clock hour over 8 reference days, or None if unparseable."""
    try:
        parsed = oh_parser.OpeningHours(expression)
    except (SyntaxError, ValueError, oh_parser.ParserError):
        return None
    hours = 8 * 24
    is_open = np.zeros(hours, dtype=bool)
    is_unknown = np.zeros(hours, dtype=bool)
    end = REFERENCE_MONDAY + hours * _HOUR
    for start, stop, state, _comment in parsed.intervals(REFERENCE_MONDAY, end):
        stop = end if stop is None else min(stop, end)
        first = int((start - REFERENCE_MONDAY) // _HOUR)
        # An interval touches every hour it overlaps: [start, stop) meets hour h if h < stop.
        last = int(-((REFERENCE_MONDAY - stop) // _HOUR))
        if state == oh_parser.State.OPEN:
            is_open[first:last] = True
        elif state == oh_parser.State.UNKNOWN:
            is_unknown[first:last] = True
    return is_open, ~is_unknown


def open_slots(
    opening_hours: Sequence[str | None],
    day_boundary: int = DEFAULT_DAY_BOUNDARY_HOUR,
) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate each venue's hours once into 168 night slots.

    Parameters
    ----------
    opening_hours
        OSM ``opening_hours`` strings, one per venue; None, NaN, blank or unparseable strings
        are unknown. Identical strings are parsed once.
    day_boundary
        Clock hour (0-23) before which an hour belongs to the previous day's night.

    Returns
    -------
    slots : numpy.ndarray of bool, shape (n, 168)
        True where the venue is open at any moment of that slot's hour.
    known : numpy.ndarray of bool, shape (n, 168)
        False where the hours are unknown at some moment of that slot: every slot of an
        unparseable or missing expression, and the spans an expression marks ``unknown``.
        A slot may be both open (at one moment) and not fully known (at another).

    Examples
    --------
    >>> slots, known = open_slots(["Fr-Sa 18:00-03:00", "not hours"])
    >>> bool(slots[0, 4 * 24 + 1]), bool(slots[0, 0 * 24 + 1]), bool(known[1].any())
    (True, False, False)
    """
    if not 0 <= day_boundary <= 23:
        raise ValueError(f"day_boundary must be an hour in 0..23, got {day_boundary}")
    clock = _clock_of_slots(day_boundary)
    slots = np.zeros((len(opening_hours), SLOTS), dtype=bool)
    known = np.zeros((len(opening_hours), SLOTS), dtype=bool)
    cache: dict[str, tuple[np.ndarray, np.ndarray] | None] = {}
    for row, value in enumerate(opening_hours):
        if not isinstance(value, str) or not value.strip():
            continue
        expression = value.strip()
        if expression not in cache:
            cache[expression] = _states(expression)
        states = cache[expression]
        if states is not None:
            slots[row] = states[0][clock]
            known[row] = states[1][clock]
    return slots, known


def open_in_window(
    slots: np.ndarray,
    known: np.ndarray,
    hours: Iterable[int],
    weekdays: Iterable[int],
) -> np.ndarray:
    """Open (1), closed (0) or unknown (-1) per venue for a window on chosen night weekdays.

    A venue is open in the window when it is open at any moment of any selected slot
    (DESIGN §3). It is unknown when not open in any selected slot but unknown in one of them,
    and always when its hours are unknown altogether, even for an empty selection.

    Parameters
    ----------
    slots, known
        From :func:`open_slots`; ``known`` may also be one flag per venue, shape (n,).
    hours
        Clock hours of the window (e.g. 22, 23, 0, 1, 2, 3 for 22:00-04:00).
    weekdays
        Night weekdays, Monday = 0 (Friday night = 4 includes Saturday 01:00).

    Returns
    -------
    numpy.ndarray of int8, shape (n,)
        :data:`OPEN`, :data:`CLOSED` or :data:`UNKNOWN`.
    """
    slots = np.asarray(slots, dtype=bool)
    known = np.asarray(known, dtype=bool)
    if known.ndim == 1:
        known = np.broadcast_to(known[:, None], slots.shape)
    if slots.ndim != 2 or slots.shape[1] != SLOTS or known.shape != slots.shape:
        raise ValueError(f"slots and known must be (n, {SLOTS}), got {slots.shape}, {known.shape}")
    index = slot_index(weekdays, hours)
    is_open = slots[:, index].any(axis=1)
    is_unknown = (~known[:, index]).any(axis=1) | ~known.any(axis=1)
    out = np.full(slots.shape[0], CLOSED, dtype=np.int8)
    out[is_unknown] = UNKNOWN
    out[is_open] = OPEN
    return out
