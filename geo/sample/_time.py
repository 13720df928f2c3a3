"""Clock and calendar of the sample year: weekly rhythms, seasons, special nights, DST.

Times are drawn in two vectorised steps so that millions of rows cost a few array passes:
first an hour of the week from a profile (Monday 00:00 = 0 ... Sunday 23:00 = 167), then a day
of the year among the days with that weekday, weighted by season and by a few special nights.
A profile is an array of 168 weights; rows pick their profile by an index (inverse-CDF
sampling over stacked profiles, :func:`sample_rows`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from geo.columns import DEFAULT_DAY_BOUNDARY_HOUR

YEAR = 2025
YEAR_START = pd.Timestamp(f"{YEAR}-01-01")
DAYS = 365
"""The sample covers the calendar year 2025 in local wall-clock time."""

_FIRST_WEEKDAY = YEAR_START.day_of_week  # 2025-01-01 is a Wednesday (2)
HOW = np.arange(168)
DOW = HOW // 24
HOUR = HOW % 24
NIGHT_DOW = np.where(HOUR < DEFAULT_DAY_BOUNDARY_HOUR, (DOW - 1) % 7, DOW)
"""Weekday of the night each hour of the week belongs to (a night belongs to its start date)."""

IS_NIGHT = (HOUR >= 20) | (HOUR < DEFAULT_DAY_BOUNDARY_HOUR)

SPECIAL_NIGHTS: dict[str, str] = {
    "2024-12-31": "New Year's Eve (its small hours fall on 1 January)",
    "2025-06-21": "Fête de la Musique",
    "2025-07-14": "Bastille Day",
    "2025-12-31": "New Year's Eve",
}
"""Nights (by start date) when nightlife incidents multiply, as they do in real city data."""

# Spring-forward gap of Europe/Paris in 2025: 02:00-02:59 local time does not exist.
_DST_GAP_START = pd.Timestamp(f"{YEAR}-03-30 02:00").value
_HOUR_NS = 3_600 * 10**9


def bump(mu: float, sd: float, amp: float) -> np.ndarray:
    """A Gaussian bump over the hours of the day (on the 24-h circle), per hour of the week."""
    d = (HOUR + 0.5 - mu + 12) % 24 - 12
    return amp * np.exp(-0.5 * (d / sd) ** 2)


def weekly(night: tuple[float, ...], day: tuple[float, ...]) -> np.ndarray:
    """Per-hour-of-week factors: ``night`` by night weekday (Mon..Sun), ``day`` by weekday."""
    return np.where(IS_NIGHT, np.asarray(night)[NIGHT_DOW], np.asarray(day)[DOW])


def sample_rows(rng: np.random.Generator, weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each entry of ``rows``, a column index drawn from that row of ``weights`` (K x M).

    Inverse-CDF sampling with a guide table (Chen and Asau, 1974): a lookup on a fine grid
    of ``u`` lands at or just before the answer, and a few vectorised steps finish it. Each
    row costs O(1) gathers, whatever its profile, where a binary search per row would not.
    """
    k, m = weights.shape
    cdf = np.cumsum(weights, axis=1, dtype=float)
    cdf /= np.where(cdf[:, -1:] > 0, cdf[:, -1:], 1.0)
    cdf[:, -1] = 1.0  # exact, so every walk stops inside its row
    grid = 4 * m
    guide = np.stack([np.searchsorted(c, np.arange(grid) / grid, side="right") for c in cdf])
    u = rng.random(rows.size)
    pick = guide[rows, (u * grid).astype(np.int64)]
    flat, base = cdf.ravel(), rows * m
    walk = np.flatnonzero(flat[base + pick] <= u)
    while walk.size:
        pick[walk] += 1
        walk = walk[flat[base[walk] + pick[walk]] <= u[walk]]
    return pick


def _season(doy: np.ndarray, amp: float, peak: float) -> np.ndarray:
    return 1.0 + amp * np.cos(2 * np.pi * (doy - peak) / DAYS)


def day_weights(seasons: list[tuple[float, float, float]]) -> np.ndarray:
    """Weights of each (profile, weekday, part of day) over the k-th such weekday of the year.

    ``seasons`` holds one ``(amplitude, peak day of year, special-night factor)`` per profile.
    Rows are ``profile * 21 + weekday * 3 + part`` with part 0 = before the day boundary
    (the previous night's small hours), 1 = day, 2 = evening from 18:00; columns are the k-th
    occurrence of that weekday (53 slots, unused ones weigh 0).
    """
    special = np.array(
        [(pd.Timestamp(d) - YEAR_START).days for d in SPECIAL_NIGHTS], dtype=np.int64
    )
    k = np.arange(53)
    out = np.zeros((len(seasons), 7, 3, 53))
    for w in range(7):
        doy = (w - _FIRST_WEEKDAY) % 7 + 7 * k
        valid = doy < DAYS
        for p, (amp, peak, factor) in enumerate(seasons):
            base = _season(doy, amp, peak) * valid
            out[p, w, 0] = base * np.where(np.isin(doy - 1, special), factor, 1.0)
            out[p, w, 1] = base
            out[p, w, 2] = base * np.where(np.isin(doy, special), factor, 1.0)
    return out.reshape(len(seasons) * 21, 53)


def timestamps(
    rng: np.random.Generator,
    how: np.ndarray,
    season_profile: np.ndarray,
    seasons: np.ndarray,
) -> np.ndarray:
    """Local wall-clock times (int64 ns) for rows with a drawn hour of the week.

    Each row draws the day among the year's days of its weekday by its season profile, then
    a uniform minute. Times in the spring-forward gap (which no clock shows) move one hour on.
    """
    dow, hour = how // 24, how % 24
    part = np.where(hour < DEFAULT_DAY_BOUNDARY_HOUR, 0, np.where(hour < 18, 1, 2))
    k = sample_rows(rng, seasons, season_profile * 21 + dow * 3 + part)
    doy = (dow - _FIRST_WEEKDAY) % 7 + 7 * k
    minute = rng.integers(0, 60, how.size)
    ns = YEAR_START.value + (doy * 24 + hour) * _HOUR_NS + minute * 60 * 10**9
    return shift_dst_gap(ns)


def shift_dst_gap(ns: np.ndarray) -> np.ndarray:
    """Move local times that fall in the spring-forward gap one hour on (they cannot exist)."""
    gap = (ns >= _DST_GAP_START) & (ns < _DST_GAP_START + _HOUR_NS)
    return np.where(gap, ns + _HOUR_NS, ns)


def darkness(ns: np.ndarray) -> np.ndarray:
    """1 between dusk and dawn, 0 in daylight, by season (sunset ~17:00 in December, ~21:45
    in June at 45.75 N, local time), with a one-hour twilight ramp."""
    t = (ns - YEAR_START.value) / _HOUR_NS
    doy, hour = t // 24, t % 24
    swing = np.sin(2 * np.pi * (doy - 80) / DAYS)
    sunset = 19.3 + 2.4 * swing
    sunrise = 7.0 - 1.5 * swing
    after_dusk = np.clip(hour - sunset + 0.5, 0, 1)
    before_dawn = np.clip(sunrise + 0.5 - hour, 0, 1)
    return np.maximum(after_dusk, before_dawn)
