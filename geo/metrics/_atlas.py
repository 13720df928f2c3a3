"""The Atlas: canonical tables turned once into cubes, then any Query answered per cell.

Everything heavy happens in the constructor (indexing, cubes, venue opening slots); a query is
a few masks and ``np.bincount`` calls over compact arrays, so a slider move costs milliseconds
(DESIGN §1). The order of work inside :meth:`Atlas.query` is the order of the data flow:
filter -> aggregate (counts and record-key sums) -> publish (cell-key noise) -> perceived
statistics from the published sums -> protect (k) -> compare on what may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from geo._rows import row_sums
from geo.cube import (
    IncidentCube,
    build_incident_cube,
    build_perception_cube,
    cached_cube,
    rollup,
)
from geo.geometry import BuiltGeometry
from geo.hours import CLOSED, OPEN, UNKNOWN, open_in_window, open_slots
from geo.index import cells_of, parents_of
from geo.metrics import _detail
from geo.metrics._areas import CellAreas
from geo.metrics._atlas_io import atlas_from_cube, atlas_from_dir
from geo.metrics._compared import comparable, compare_view
from geo.metrics._grid import Grid
from geo.metrics._protect import (
    SUMS,
    VENUE_COUNTS,
    PerceptionIndex,
    privacy_notes,
    protect_view,
)
from geo.metrics._query import Query
from geo.metrics._recorded import recorded_sums
from geo.metrics._when import answered_mask, clock_hours, query_nights
from geo.perceived import perceived_arrays
from geo.privacy import (
    ANSWER_KEY,
    DEFAULT_MIN_RESOLUTION,
    NoiseSettings,
    Protected,
    key_column,
    record_keys,
)
from geo.schema import ValidationReport


def _iso(day: Any) -> str | None:
    return None if day is None else day.isoformat()


@dataclass(frozen=True, eq=False)
class QueryResult:
    """One view's per-cell table, already protected, with the figures a summary needs."""

    query: Query
    table: pd.DataFrame = field(repr=False)
    protected: Protected = field(repr=False)
    summary: dict[str, Any]

    @property
    def k(self) -> int:
        return self.protected.k

    def privacy_notes(self, lang: str = "en", short: bool = False) -> list[str]:
        """The k floor and the noise (or "exact") in plain words, for the view or an export."""
        return privacy_notes(self.summary, lang, short)


class Atlas:
    """Incidents, perceptions and venues of one study area, ready for queries.

    Parameters
    ----------
    incidents, perceptions, venues
        Canonical tables (geo.schema contracts); perceptions and venues may be empty.
    metadata
        Free description of the data (``synthetic``, ``city``, ``centre``, ``bbox``...).
    reports
        Validation reports of the files the tables came from, kept for the data panel.
    cache_dir
        Where cubes are cached as Parquet (rebuilt only when inputs or settings change).
    incident_cube
        An incident cube built beforehand (e.g. on Dask): used as is, and ``incidents`` may
        then be empty. See :meth:`from_cube`.
    published_sources
        Incident sources already public at point level (police.uk, Chicago): shown exactly.
        Every other source, and the answers, carry the cell-key noise (DESIGN §6).
    exact
        No noise at any k: internal analysis only, never set by a public serve.
    key_salt
        The project's secret salt of the record keys; default the sample city's public one.
        A cube built with another salt is refused.
    location_limits
        Finest resolution at which each incident source's locations mean something (a 500 m
        grid cannot be placed in a 66 m cell): finer views leave that source out and say how
        many incidents they left out.
    geometry
        Cell outlines and areas a build computed (:class:`geo.geometry.BuiltGeometry`); by
        default h3 computes them as they are needed. The same values either way.
    """

    def __init__(
        self,
        incidents: pd.DataFrame,
        perceptions: pd.DataFrame | None = None,
        venues: pd.DataFrame | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        reports: dict[str, ValidationReport] | None = None,
        cache_dir: str | Path | None = None,
        day_boundary: int = 6,
        incident_cube: IncidentCube | None = None,
        published_sources: frozenset[str] | str = frozenset(),
        exact: bool = False,
        key_salt: str | bytes | None = None,
        location_limits: dict[str, int] | None = None,
        geometry: BuiltGeometry | None = None,
    ) -> None:
        self.incidents = incidents
        self.perceptions = perceptions if perceptions is not None else pd.DataFrame()
        self.venues = venues if venues is not None else pd.DataFrame()
        self.metadata = dict(metadata or {})
        self.reports = dict(reports or {})
        self.day_boundary = day_boundary
        self.location_limits = dict(location_limits or {})
        self.noise = NoiseSettings(published_sources, bool(exact), key_salt)
        settings = {"day_boundary": day_boundary, "key_salt": key_salt}
        if incident_cube is not None:
            self.incident_cube = incident_cube
            built_with = incident_cube.settings.get("key_salt_id")
            if built_with != self.noise.salt_id:
                raise ValueError(
                    f"the incident cube's record keys were drawn with salt {built_with}, not "
                    f"{self.noise.salt_id}: pass the key_salt the cube was built with"
                )
        elif cache_dir is not None:
            self.incident_cube = cached_cube(incidents, build_incident_cube, cache_dir, settings)
        else:
            self.incident_cube = build_incident_cube(
                incidents, day_boundary=day_boundary, key_salt=key_salt
            )
        self.perception_cube = (
            build_perception_cube(self.perceptions, key_salt=key_salt)
            if len(self.perceptions)
            else None
        )
        self._answer_keys = (
            record_keys(self.perceptions["response_id"], key_salt)
            if len(self.perceptions)
            else np.zeros(0, dtype=np.int64)
        )
        self._perceptions_at: dict[int, pd.DataFrame] = {}
        self._answer_cells: dict[int, np.ndarray] = {}
        self._grids: dict[int, Grid] = {}
        self._grid_area: dict[int, np.ndarray] = {}
        self._perception_index_at: dict[int, PerceptionIndex] = {}
        self.geometry = geometry or BuiltGeometry()
        """Outlines and areas of cells: a build's where it has them, else h3's."""
        self._areas = CellAreas(self.geometry.areas if geometry is not None else None)
        """Cell areas for the per-km² rates (the same cells come back every query)."""
        self._t_cache: dict[tuple[float, bytes], np.ndarray] = {}
        self._venue_window: tuple[tuple, np.ndarray] | None = None
        if len(self.venues):
            self._venue_cells = cells_of(
                self.venues["lat"].to_numpy(), self.venues["lon"].to_numpy()
            )
            self._venue_slots, self._venue_known = open_slots(
                self.venues["opening_hours"].tolist(), day_boundary=day_boundary
            )
        else:
            self._venue_cells = np.zeros(0, dtype=np.uint64)
            self._venue_slots = np.zeros((0, 168), dtype=bool)
            self._venue_known = np.zeros((0, 168), dtype=bool)
        self.sources: tuple[str, ...] = self.incident_cube.codes().sources
        self.groups: tuple[str, ...] = (
            tuple(str(g) for g in self.perception_cube.table["group"].cat.categories)
            if self.perception_cube is not None
            else ()
        )

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dir(cls, folder: str | Path, **kwargs) -> Atlas:
        """Read a folder written by ``atlas sample`` (or laid out the same way)."""
        return atlas_from_dir(cls, folder, **kwargs)

    @classmethod
    def from_cube(
        cls,
        cube_dir: str | Path,
        perceptions: pd.DataFrame | None = None,
        venues: pd.DataFrame | None = None,
        *,
        metadata: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Atlas:
        """An Atlas on a saved incident cube (``atlas build-cube``), without the raw incidents
        (see :func:`geo.metrics._atlas_io.atlas_from_cube`)."""
        return atlas_from_cube(cls, cube_dir, perceptions, venues, metadata=metadata, **kwargs)

    @property
    def synthetic(self) -> bool:
        return bool(self.metadata.get("synthetic"))

    @property
    def centre(self) -> tuple[float, float]:
        if "centre" in self.metadata:
            lat, lon = self.metadata["centre"]
            return float(lat), float(lon)
        return float(self.incidents["lat"].median()), float(self.incidents["lon"].median())

    # ------------------------------------------------------------------ per-part aggregates
    def _perceptions(self, resolution: int) -> pd.DataFrame:
        if resolution not in self._perceptions_at:
            self._perceptions_at[resolution] = rollup(self.perception_cube, resolution).table
        return self._perceptions_at[resolution]

    def _perception_index(self, resolution: int) -> PerceptionIndex:
        if resolution not in self._perception_index_at:
            self._perception_index_at[resolution] = PerceptionIndex.of(
                self._perceptions(resolution))
        return self._perception_index_at[resolution]

    def nights(self, query: Query) -> int:
        """Nights of the query's weekdays in its date range and in the data: "per night"."""
        return query_nights(self, query)

    def grid_cells(self, resolution: int) -> np.ndarray:
        """Every cell with any record, answer or venue at ``resolution`` (sorted).

        The cells some view of these data may draw: the map keeps their outlines in the
        browser and restyles them. The all-times view already shows each of them (as a value
        or as hidden by k), so holding their outlines reveals nothing a view does not.
        """
        return self._grid(resolution).cells

    def _grid(self, resolution: int) -> Grid:
        """Every cell with data at ``resolution`` and where each part's rows fall in it (built
        once per resolution)."""
        if resolution not in self._grids:
            self._grids[resolution] = Grid.of(
                self.incident_cube.codes(resolution).cells,
                self._perceptions(resolution) if self.perception_cube is not None else None,
                parents_of(self._venue_cells, resolution) if len(self._venue_cells) else None,
            )
        return self._grids[resolution]

    def _venue_counts(self, query: Query, grid: Grid) -> dict[str, np.ndarray]:
        size = grid.cells.size
        if grid.venues is None:
            return {c: np.zeros(size) for c in VENUE_COUNTS}
        state = self._venue_open(query)
        counts = {"venues": np.ones(len(state))}
        counts["venues_open"] = (state == OPEN).astype(float)
        counts["venues_closed"] = (state == CLOSED).astype(float)
        counts["venues_unknown"] = (state == UNKNOWN).astype(float)
        return {
            name: np.bincount(grid.venues, weights=w, minlength=size) for name, w in counts.items()
        }

    def _venue_open(self, query: Query) -> np.ndarray:
        """Open / closed / unknown per venue in the query's clock hours and weekdays (the
        last window's answer is kept: a view asks twice, for the counts and for the dots)."""
        window = clock_hours(self, query)
        hours = tuple(window.hours) if window is not None else tuple(range(24))
        days = tuple(range(7)) if query.weekdays is None else tuple(sorted(query.weekdays))
        if self._venue_window is None or self._venue_window[0] != (hours, days):
            state = open_in_window(self._venue_slots, self._venue_known, hours, days)
            state.flags.writeable = False  # shared by the views of one window
            self._venue_window = ((hours, days), state)
        return self._venue_window[1]

    def venue_states(self, query: Query) -> pd.DataFrame:
        """Each venue with its state in the window (open / closed / unknown) — public places."""
        state = self._venue_open(query)
        names = np.array(["closed", "open", "unknown"], dtype=object)
        return self.venues.assign(state=names[np.where(state == UNKNOWN, 2, state)])

    # ------------------------------------------------------------------ one cell's detail
    def cell_hours(self, cell: int, query: Query) -> np.ndarray:
        """Incidents of one cell by clock hour (24 values; hidden bars NaN): see
        :func:`geo.metrics._detail.cell_hours`."""
        return _detail.cell_hours(self, cell, query)

    def cell_answers(self, cell: int, query: Query, levels: int = 4) -> np.ndarray:
        """Answers of one cell by insecurity level, published and k-protected: see
        :func:`geo.metrics._detail.cell_answers`."""
        return _detail.cell_answers(self, cell, query, levels)

    # ------------------------------------------------------------------ the query
    def _exact_columns(
        self, query: Query, grid: Grid
    ) -> tuple[dict[str, np.ndarray], tuple[float, float]]:
        """Exact sums per grid cell (counts and key sums per source, answers, venues), and
        the rows left out for lack of a time and of a fine enough location."""
        size = grid.cells.size
        counts, keys, left_out, left_out_location = recorded_sums(self, query)
        columns: dict[str, np.ndarray] = {"cell": grid.cells, "incidents": np.zeros(size)}
        columns["incidents"][grid.incidents] = row_sums(counts)  # one position per cell
        for j, name in enumerate(self.sources):
            count = f"incidents_{name}"
            for column, values in ((count, counts), (key_column(count), keys)):
                columns[column] = np.zeros(size)
                columns[column][grid.incidents] = values[:, j]
        if self.perception_cube is not None:
            index = self._perception_index(query.resolution)
            keep = index.keep(query.with_(hours=clock_hours(self, query), sun=None))
            if query.answered_from is not None or query.answered_to is not None:
                keep &= answered_mask(index.answered, query)
            kept = np.flatnonzero(keep)  # one pass over the mask, then takes
            rows, sums = grid.perceptions.take(kept), grid.perception_sums.take(kept, axis=1)
            for i, column in enumerate((*SUMS, ANSWER_KEY)):
                columns[column] = np.bincount(rows, weights=sums[i], minlength=size)
        else:
            columns.update({name: np.zeros(size) for name in (*SUMS, ANSWER_KEY)})
        columns.update(self._venue_counts(query, grid))
        if query.mode != "coarsen":  # cells stay the grid's: their areas are known
            columns["area_km2"] = self._grid_areas(query.resolution)
        return columns, (left_out, left_out_location)

    def _grid_areas(self, resolution: int) -> np.ndarray:
        """Areas of the grid's cells, in its order (once per resolution)."""
        if resolution not in self._grid_area:
            self._grid_area[resolution] = self._areas(self._grid(resolution).cells)
        return self._grid_area[resolution]

    def query(
        self, query: Query, *, local_stats: bool = False, permutations: int = 999, seed: int = 0,
        compare: bool = True,
    ) -> QueryResult:
        """Per-cell answer to ``query``: published (cell-key noise), protected by its k, then
        compared on what may be shown (``compare=False``: not, for callers that use the counts
        only, e.g. a period comparison; the comparison columns are then absent)."""
        columns, (left_out, left_out_location) = self._exact_columns(
            query, self._grid(query.resolution)
        )
        shown = (columns["incidents"] > 0) | (columns["n"] > 0) | (columns["venues"] > 0)
        # The table stays a dict of arrays until the end: a slider move runs all of this, and
        # pandas' per-column overhead would cost more than the arithmetic.
        rows = np.flatnonzero(shown)  # one pass over the mask, then a take per column
        table, hidden = protect_view(
            {name: v.take(rows) for name, v in columns.items()},
            query,
            self.sources,
            self.noise,
            self._derive_columns,
        )
        noisy = self.noise.on(query.k)
        summary: dict[str, Any] = {
            "cells_shown": int(table["cell"].size),
            "cells_suppressed": hidden.suppressed,
            # Totals of published cells only (with their noise): an exact grand total beside
            # one hidden cell would give that cell away by subtraction.
            "incidents_shown": float(np.nansum(table["incidents"])),
            "rows_left_out_untimed": float(left_out),
            "rows_left_out_location": left_out_location,
            "nights": self.nights(query),
            "first_night": _iso(self.incident_cube.first_night),
            "last_night": _iso(self.incident_cube.last_night),
            "answers_shown": int(np.nansum(table["perceived_n"])),
            "venues_open": int(np.nansum(table["venues_open"])),
            "synthetic": self.synthetic,
            "k": query.k,
            "protected": query.k > 0,
            "perturbed": noisy,
            "noise_bound": self.noise.table.bound if noisy else 0,
            "exact_sources": sorted(set(self.sources) & self.noise.published_sources)
            if noisy
            else list(self.sources),
        }
        # rho and n only: the p-value needs SciPy, so exports add it (geo.export)
        summary["spearman"] = {"rho": float("nan"), "n": 0}
        summary["cells_compared"] = 0
        if compare and comparable(query, table["cell"].size):
            compare_view(table, summary, local_stats, permutations, seed)
        shown_table = pd.DataFrame(table, copy=False)
        protected = Protected(
            table=shown_table,
            k=int(query.k),
            mode=query.mode,
            protected=query.k > 0,
            suppressed=MappingProxyType(
                {m: hidden.suppressed[m] for m in ("incidents", "perceived")}
            ),
            suppressed_mass=MappingProxyType(hidden.mass),
            merged=hidden.merged,
            min_resolution=DEFAULT_MIN_RESOLUTION if query.mode == "coarsen" else None,
        )
        return QueryResult(query=query, table=shown_table, protected=protected, summary=summary)

    def _derive_columns(self, table: dict[str, np.ndarray], query: Query) -> dict[str, np.ndarray]:
        """Rates and perceived statistics from the additive sums, as arrays."""
        # No known night (month-only data): "per night" is empty, never the count itself.
        nights = self.nights(query) or np.nan
        area = table.get("area_km2")  # the grid's areas, taken with the cells (suppress mode)
        if area is None:  # coarsened parents: areas of the cells as they now are
            area = self._areas(np.asarray(table["cell"], dtype=np.uint64))
        stats = perceived_arrays(
            table["n"],
            table["sw"],
            table["swx"],
            table["swx2"],
            sw2=table["sw2"],
            min_n=query.min_answers,
            t_cache=self._t_cache,
        )
        incidents = np.asarray(table["incidents"], dtype=float)
        out = {c: v for c, v in table.items() if c not in stats}
        out["area_km2"] = area
        out["incidents_per_night"] = incidents / nights
        with np.errstate(divide="ignore", invalid="ignore"):
            out["incidents_per_km2"] = incidents / np.where(area > 0, area, np.nan)
        out.update(stats)
        return out
