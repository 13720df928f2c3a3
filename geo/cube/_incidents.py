"""The incident cube: aoristic counts per (cell, hour of week of the night, category, source,
night date).

Counts are additive, so any coarser resolution, window, weekday set, category set or source set
is a sum over cube rows (DESIGN §4). Events with no usable hour sit in ``how = -1`` rows: they
count in "all times" views and the cube says, by reason, how many there are. Beside each count,
the sum of the record keys of the cell-key method (:mod:`geo.privacy._keys`): additive too, so
every view gets the cell key of exactly the records it holds.

The night's date (days since 1970-01-01 of the date the night starts on, DESIGN §3) is a key too,
so periods, before/after comparisons, monthly trends and windows that follow the sun are sums over
cube rows as well (issue 15). A year of nights multiplies the cube's rows by far less than 365:
most (cell, hour, category, source) combinations hold one event in the year or a few, so the row
count tends to the number of aoristic lines (see benchmarks/bench_periods.py for measured sizes).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from geo.columns import CATEGORIES, DEFAULT_DAY_BOUNDARY_HOUR, DEFAULT_RESOLUTION, SOURCES_KNOWN
from geo.cube._aggregate import codes_in, factorize_sorted, group_sum
from geo.cube._code_cache import CubeIndex
from geo.cube._codes import NO_NIGHT, CubeCodes
from geo.index import cells_of
from geo.privacy import record_keys, salt_fingerprint
from geo.timewin import (
    DEFAULT_SPAN_CAP_HOURS,
    HOURS_OF_WEEK,
    TIMING_CLASSES,
    check_day_boundary,
    spread_ns,
    timing_codes,
    wall_clock_ns,
)

UNTIMED_REASONS: tuple[str, ...] = tuple(c for c in TIMING_CLASSES if c != "timed")
"""Keys of ``IncidentCube.untimed_by_precision``: the precision, or ``span_over_cap``."""

_NEEDED = (
    "incident_id",
    "occurred_from",
    "occurred_to",
    "time_precision",
    "lat",
    "lon",
    "category",
    "source",
)


def source_categories(sources: pd.Series) -> list[str]:
    """Known sources first (police, app), then any other label sorted: stable across loads."""
    found = {str(s) for s in pd.unique(sources.dropna())}
    return [*SOURCES_KNOWN, *sorted(found - set(SOURCES_KNOWN))]


@dataclass(frozen=True, eq=False)
class IncidentCube:
    """Additive incident counts and what is needed to turn them into rates.

    Attributes
    ----------
    table
        Columns ``cell`` (uint64, at ``resolution``), ``how`` (int16, night weekday x 24 +
        hour, 0..167, or -1 = no usable hour), ``category`` (Categorical over
        :data:`geo.columns.CATEGORIES`), ``source`` (Categorical, police and app first) and
        ``count`` (float64, aoristic-weighted; whole events count 1) and ``key`` (int64, sum of
        the record keys of the events in the row: an event spread over several hours adds its
        whole key to each hour it touches) and ``night`` (int32, the night's date as days since
        1970-01-01, :data:`NO_NIGHT` with ``how = -1``). Sorted by the keys.
    resolution
        H3 resolution of ``cell``.
    day_boundary
        Hour before which an event belongs to the previous date's night.
    first_night, last_night
        First and last night dates of the timed events (None without any).
    untimed_by_precision
        Events with no usable hour, by reason (:data:`UNTIMED_REASONS`).
    rows
        Incidents that went in.
    settings
        The build settings (resolution, day_boundary, span_cap_hours, and ``key_salt_id``, the
        fingerprint of the record keys' salt) as plain values.
    """

    KIND: ClassVar[str] = "incidents"
    KEY_COLUMNS: ClassVar[tuple[str, ...]] = ("cell", "how", "category", "source", "night")
    MEASURES: ClassVar[tuple[str, ...]] = ("count", "key")

    table: pd.DataFrame = field(repr=False)
    resolution: int
    day_boundary: int
    first_night: dt.date | None
    last_night: dt.date | None
    untimed_by_precision: dict[str, int]
    rows: int
    settings: dict[str, Any] = field(default_factory=dict)
    _index: CubeIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = [c for c in (*self.KEY_COLUMNS, *self.MEASURES) if c not in self.table.columns]
        if missing:
            raise ValueError(f"incident cube table lacks columns {missing}")
        object.__setattr__(self, "_index", CubeIndex(self))

    @property
    def untimed(self) -> int:
        """Events left out of every hour window."""
        return sum(self.untimed_by_precision.values())

    def nights_per_weekday(self) -> dict[int, int]:
        """Nights of each weekday (0 = Monday) from ``first_night`` to ``last_night``.

        The denominator of "per night" rates: a Friday filter over a year divides by ~52.

        Examples
        --------
        >>> cube = IncidentCube(pd.DataFrame(columns=["cell", "how", "category", "source",
        ...     "night", "count", "key"]), 10, 6, dt.date(2026, 5, 15), dt.date(2026, 5, 23), {}, 0)
        >>> cube.nights_per_weekday()
        {0: 1, 1: 1, 2: 1, 3: 1, 4: 2, 5: 2, 6: 1}
        """
        if self.first_night is None or self.last_night is None:
            return dict.fromkeys(range(7), 0)
        days = np.arange(
            np.datetime64(self.first_night, "D"), np.datetime64(self.last_night, "D") + 1
        )
        counts = np.bincount((days.astype(np.int64) + 3) % 7, minlength=7)
        return {d: int(counts[d]) for d in range(7)}

    def codes(self, resolution: int | None = None, *, dated: bool = False) -> CubeCodes:
        """Pre-factorised arrays at ``resolution`` (cached) for mask + ``np.bincount`` queries;
        ``dated`` keeps the night date (for date ranges and sun windows)."""
        return self._index.codes(resolution, dated=dated)

    def use_mapped(self, folder: str | os.PathLike[str]) -> None:
        """Take codes from a build's ``codes/`` folder (memory-mapped, shared by kernels)."""
        self._index.mapped = Path(folder)

    def metadata(self) -> dict[str, Any]:
        """Everything but the table, as JSON-ready values (stored in the Parquet schema)."""
        return {
            "kind": self.KIND,
            "resolution": self.resolution,
            "day_boundary": self.day_boundary,
            "first_night": None if self.first_night is None else self.first_night.isoformat(),
            "last_night": None if self.last_night is None else self.last_night.isoformat(),
            "untimed_by_precision": dict(self.untimed_by_precision),
            "rows": self.rows,
            "settings": dict(self.settings),
        }

    @classmethod
    def from_metadata(cls, table: pd.DataFrame, meta: dict[str, Any]) -> IncidentCube:
        """Inverse of :meth:`metadata` (used by ``load_cube``)."""

        def day(value: str | None) -> dt.date | None:
            return None if value is None else dt.date.fromisoformat(value)

        return cls(
            table=table,
            resolution=int(meta["resolution"]),
            day_boundary=int(meta["day_boundary"]),
            first_night=day(meta["first_night"]),
            last_night=day(meta["last_night"]),
            untimed_by_precision={k: int(v) for k, v in meta["untimed_by_precision"].items()},
            rows=int(meta["rows"]),
            settings=dict(meta["settings"]),
        )


def build_incident_cube(
    incidents: pd.DataFrame,
    *,
    resolution: int = DEFAULT_RESOLUTION,
    day_boundary: int = DEFAULT_DAY_BOUNDARY_HOUR,
    span_cap_hours: float = DEFAULT_SPAN_CAP_HOURS,
    key_salt: str | bytes | None = None,
) -> IncidentCube:
    """Index, spread and count canonical incidents into an :class:`IncidentCube`.

    Parameters
    ----------
    incidents
        The canonical incidents table (DESIGN §2); extra columns are ignored.
    resolution
        H3 resolution of the cube's cells (the finest the dashboard will show).
    day_boundary
        Hour 0..23 before which an event belongs to the previous date's night.
    span_cap_hours
        Spans longer than this have no usable hour (``span_over_cap``).
    key_salt
        Secret salt of the record keys (default: the sample city's public one); only its
        fingerprint is kept in the cube.

    Returns
    -------
    IncidentCube

    Raises
    ------
    ValueError
        If a needed column is missing, or a category or source is outside the contract.
    """
    missing = [c for c in _NEEDED if c not in incidents.columns]
    if missing:
        raise ValueError(f"incidents lack columns {missing}")
    boundary = check_day_boundary(day_boundary)
    cells = cells_of(incidents["lat"].to_numpy(), incidents["lon"].to_numpy(), resolution)
    t0, t1 = wall_clock_ns(incidents["occurred_from"]), wall_clock_ns(incidents["occurred_to"])
    timing = timing_codes(t0, t1, incidents["time_precision"], span_cap_hours)
    row, how, weight, night = spread_ns(t0, t1, timing == 0, boundary)

    sources = source_categories(incidents["source"])
    category = codes_in(incidents["category"], list(CATEGORIES), "category")
    source = codes_in(incidents["source"], sources, "source")
    cell, unique_cells = factorize_sorted(cells)
    night_code, unique_nights = factorize_sorted(np.where(how >= 0, night, NO_NIGHT))
    parts, sums = group_sum(
        [
            (cell[row], unique_cells.size),
            (how.astype(np.int64) + 1, HOURS_OF_WEEK + 1),
            (category[row], len(CATEGORIES)),
            (source[row], len(sources)),
            (night_code, unique_nights.size),
        ],
        {"count": weight, "key": record_keys(incidents["incident_id"], key_salt)[row]},
    )
    table = pd.DataFrame(
        {
            "cell": unique_cells[parts[0]].astype(np.uint64),
            "how": (parts[1] - 1).astype(np.int16),
            "category": pd.Categorical.from_codes(parts[2], categories=list(CATEGORIES)),
            "source": pd.Categorical.from_codes(parts[3], categories=sources),
            "night": unique_nights[parts[4]].astype(np.int32),
            "count": sums["count"],
            "key": sums["key"],
        }
    )
    nights = night[how >= 0]
    epoch = dt.date(1970, 1, 1)
    first = None if nights.size == 0 else epoch + dt.timedelta(days=int(nights.min()))
    last = None if nights.size == 0 else epoch + dt.timedelta(days=int(nights.max()))
    by_class = np.bincount(timing, minlength=len(TIMING_CLASSES))
    return IncidentCube(
        table=table,
        resolution=int(resolution),
        day_boundary=boundary,
        first_night=first,
        last_night=last,
        untimed_by_precision={
            reason: int(by_class[TIMING_CLASSES.index(reason)]) for reason in UNTIMED_REASONS
        },
        rows=len(incidents),
        settings={
            "resolution": int(resolution),
            "day_boundary": boundary,
            "span_cap_hours": span_cap_hours,
            "key_salt_id": salt_fingerprint(key_salt),
        },
    )
