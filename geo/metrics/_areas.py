"""Cell areas for the per-km² rates, remembered across queries as sorted arrays.

A slider move at res 10 on a city asks for the areas of ~40k cells; h3-py computes one area per
call (~7 µs each), and a dict per cell cost ~30 ms a query just to look them up again. The
areas are kept as a sorted array of cells beside their areas, so a query finds them with one
``np.searchsorted`` and h3 is asked only about cells never seen before. A built city's areas
come from its build (:class:`geo.geometry.BuiltGeometry`: the same values, without h3).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from geo.index import cell_area_km2


class CellAreas:
    """Areas in km² of the cells asked about so far (any resolutions mixed)."""

    def __init__(self, source: Callable[[np.ndarray], np.ndarray] | None = None) -> None:
        self._source = source or cell_area_km2
        """Areas of new unique cells: h3, or a build's precomputed ones."""
        self._cells = np.zeros(0, dtype=np.uint64)
        self._areas = np.zeros(0, dtype=np.float64)

    def _positions(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each cell is (or would go) in the remembered cells, and whether it is there."""
        pos = np.searchsorted(self._cells, cells)
        if not self._cells.size:
            return pos, np.zeros(cells.size, dtype=bool)
        known = self._cells[np.minimum(pos, self._cells.size - 1)] == cells
        return pos, known

    def __call__(self, cells: np.ndarray) -> np.ndarray:
        """Area of each of ``cells`` (uint64), in their order, as h3's ``cell_area``."""
        cells = np.asarray(cells, dtype=np.uint64)
        pos, known = self._positions(cells)
        if not known.all():
            new = np.unique(cells[~known])
            merged = np.concatenate([self._cells, new])
            order = np.argsort(merged, kind="stable")
            self._cells = merged[order]
            self._areas = np.concatenate([self._areas, self._source(new)])[order]
            pos = np.searchsorted(self._cells, cells)
        return self._areas[pos]
