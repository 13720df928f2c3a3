"""A resolution's grid: every cell with any data, and where each part's rows fall in it.

Built once per resolution, so a query aligns incidents, answers and venues with
``np.bincount`` on fixed positions instead of joining tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from geo.metrics._protect import SUMS


@dataclass(frozen=True, eq=False)
class Grid:
    """Cells with any data at one resolution (sorted), and each part's positions in them."""

    cells: np.ndarray
    incidents: np.ndarray
    """Position of each of the incident codes' cells."""
    perceptions: np.ndarray | None
    """Position of each perception row."""
    perception_sums: np.ndarray
    """The perception rows' sums (:data:`SUMS`, then the key sum), one row of the array each."""
    venues: np.ndarray | None
    """Position of each venue."""

    @classmethod
    def of(cls, incident_cells: np.ndarray, perceptions: pd.DataFrame | None,
           venue_cells: np.ndarray | None) -> Grid:
        """The grid of the incident codes' cells, a perception table's rows (its ``cell``
        and sums) and the venues' cells at the same resolution."""
        parts = [incident_cells]
        per_cells = None
        if perceptions is not None:
            per_cells = perceptions["cell"].to_numpy(dtype=np.uint64)
            parts.append(per_cells)
        if venue_cells is not None:
            parts.append(venue_cells)
        cells = np.unique(np.concatenate(parts)).astype(np.uint64)
        sums = np.zeros((len(SUMS) + 1, 0))
        if perceptions is not None:
            sums = np.vstack([perceptions[name].to_numpy(dtype=float) for name in (*SUMS, "key")])
        return cls(
            cells=cells,
            incidents=np.searchsorted(cells, incident_cells),
            perceptions=None if per_cells is None else np.searchsorted(cells, per_cells),
            perception_sums=sums,
            venues=None if venue_cells is None else np.searchsorted(cells, venue_cells),
        )
