"""Settings of a load that change what counts as valid (frozen, validated on creation)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from geo.columns import DEFAULT_TIMEZONE


@dataclass(frozen=True)
class LoadOptions:
    """How to read and validate one file.

    Parameters
    ----------
    timezone
        The city's zone; tz-aware times are converted to its local wall-clock time.
    default_times_unknown
        Treat times of exactly 00:00 or 12:00 as "hour unknown" (many exports default to them).
    bbox
        Optional study area ``(min_lon, min_lat, max_lon, max_lat)``; points outside are dropped.
    source
        The ``source`` label given to incidents whose file does not say (``police``, ``app``, ...).
    area
        Optional study-area polygon (a shapely geometry in lon/lat, e.g. from a city project's
        GeoJSON); points outside are dropped as ``outside_study_area``, like the bbox.
    location_precision_m
        Metres every row's place may be off (snap points, block level, a grid); a coarser
        grid read from the file wins on its rows. Reported, per row count, in the report.
    """

    timezone: str = DEFAULT_TIMEZONE
    default_times_unknown: bool = False
    bbox: tuple[float, float, float, float] | None = None
    source: str | None = None
    area: Any = None
    location_precision_m: float | None = None

    def __post_init__(self) -> None:
        if self.location_precision_m is not None and not (
            isinstance(self.location_precision_m, int | float)
            and not isinstance(self.location_precision_m, bool)
            and 0 < self.location_precision_m < float("inf")
        ):
            raise ValueError(f"location_precision_m must be a positive number of metres, "
                             f"got {self.location_precision_m!r}")
        if self.bbox is not None:
            min_lon, min_lat, max_lon, max_lat = self.bbox
            if not (min_lon < max_lon and min_lat < max_lat):
                raise ValueError(
                    f"bbox must be (min_lon, min_lat, max_lon, max_lat), got {self.bbox}"
                )
