"""Spatial weights from the H3 grid itself: neighbours are the ring-1 cells that are present.

Contiguity on a hexagonal grid needs no polygons: ``h3.grid_disk(cell, 1)`` minus the cell is
its (up to six; five at a pentagon) edge neighbours, so the weights are exact and cheap. Only
cells present in the table count; a cell with no present neighbour is an *island*, which local
statistics cannot test — islands are left out of the weights and reported, never given a
made-up neighbour.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import h3.api.basic_int as h3i
import numpy as np

if TYPE_CHECKING:
    from libpysal.weights import W

__all__ = ["GridWeights", "as_int_cells", "grid_weights"]


def as_int_cells(cells: Iterable[object]) -> np.ndarray:
    """H3 cells as a uint64 array, from ints, ``np.uint64`` or hex strings.

    Raises
    ------
    ValueError
        When a value is not a valid H3 cell.
    """
    out = []
    for cell in cells:
        value = h3i.str_to_int(cell) if isinstance(cell, str) else int(cell)
        if not h3i.is_valid_cell(value):
            raise ValueError(f"not a valid H3 cell: {cell!r}")
        out.append(value)
    return np.asarray(out, dtype=np.uint64)


@dataclass(frozen=True)
class GridWeights:
    """Binary contiguity weights over the non-island cells of a set.

    Attributes
    ----------
    w
        libpysal binary ``W`` over the kept cells (ids 0..len(kept)-1, in ``kept`` order), or
        None when fewer than two cells have a neighbour.
    kept
        Positions (in the input order) of the cells in ``w``.
    islands
        Boolean mask over the input: cells with no present neighbour.
    """

    w: W | None
    kept: np.ndarray
    islands: np.ndarray


def grid_weights(cells: np.ndarray) -> GridWeights:
    """Binary rook-style contiguity of H3 cells of one resolution.

    Parameters
    ----------
    cells
        Unique H3 cells (uint64) of one resolution.

    Returns
    -------
    GridWeights
        Weights over the cells that have at least one present neighbour, and the islands.

    Raises
    ------
    ValueError
        When cells repeat or mix resolutions (ring-1 neighbours only make sense within one).
    """
    values = [int(c) for c in cells]
    position = {c: i for i, c in enumerate(values)}
    if len(position) != len(values):
        raise ValueError("cells must be unique")
    if len({h3i.get_resolution(c) for c in values}) > 1:
        raise ValueError("cells must share one H3 resolution")
    neighbours = [
        [position[d] for d in h3i.grid_disk(c, 1) if d != c and d in position] for c in values
    ]
    islands = np.array([not nb for nb in neighbours], dtype=bool)
    kept = np.flatnonzero(~islands)
    if kept.size < 2:
        return GridWeights(None, kept, islands)
    # Renumber to 0..m-1 so the W's order is kept's order (islands dropped).
    new_id = np.full(len(values), -1, dtype=np.int64)
    new_id[kept] = np.arange(kept.size)
    graph = {int(new_id[i]): [int(new_id[j]) for j in neighbours[i]] for i in kept}
    from libpysal.weights import W  # heavy: imported when local statistics are asked for

    return GridWeights(W(graph, silence_warnings=True), kept, islands)
