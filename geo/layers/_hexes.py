"""H3 hexagons on the map: outlines sent once per grid, colours sent as bytes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import ipyleaflet
import numpy as np

from geo.fill import Fill
from geo.index import cell_boundaries
from geo.layers._restyle import HOVER_STYLE, RestyledLayer

HEX_STYLE = {
    "fillOpacity": 0.72,
    "color": "#333333",
    "weight": 0.6,
    "opacity": 0.8,
    "dashArray": None,
}
"""A drawn cell: thin dark outline, fill mostly opaque so the basemap still reads."""
DASHED_HEX_STYLE = {"color": "#555555", "dashArray": "3 3", "fillOpacity": 0.35}
"""Cells hidden by k or with too few answers."""


class HexLayer(RestyledLayer):
    """H3 hexagons: the outlines of a resolution's grid once, then colours per view.

    Parameters
    ----------
    name
        Layer name shown in the layers control.
    decimals
        Coordinate rounding: 5 decimals is about 1 m, invisible on screen, and cuts the
        payload by a third (FACTS: 823 kB -> 567 kB for 2,000 hexes).
    """

    def __init__(self, name: str, decimals: int = 5) -> None:
        # No layer-level `style`: ipyleaflet would deep-copy and restyle every feature (and send
        # the data twice) on each update; styles travel in each feature's properties.
        super().__init__(name, HEX_STYLE, DASHED_HEX_STYLE, hover_style=HOVER_STYLE)
        self.decimals = decimals
        self._rings: dict[int, list[list[float]]] = {}
        self.outlines = np.zeros(0, dtype=np.uint64)
        """Cells whose outlines the browser holds, sorted; feature ``i`` is ``outlines[i]``."""
        self._plan: DrawPlan | None = None

    def _ring(self, cell: int) -> list[list[float]]:
        ring = self._rings.get(cell)
        if ring is None:
            ring = [
                [round(x, self.decimals), round(y, self.decimals)]
                for x, y in cell_boundaries(np.array([cell], dtype=np.uint64))[0]
            ]
            self._rings[cell] = ring
        return ring

    def draw(
        self,
        cells: np.ndarray,
        fill: Sequence[str],
        dashed: Sequence[bool] | None = None,
        *,
        grid: np.ndarray | None = None,
        geometry: object = None,
    ) -> bool:
        """Draw ``cells`` with their fills (and dashed outlines); True if anything was sent.

        ``grid`` names every cell this layer may draw at the current resolution (the Atlas
        grid): its outlines go to the browser once, and later draws send only colours. A cell
        outside the outlines (a coarsened parent, or no grid given) sends new outlines. An
        unchanged view sends nothing. ``geometry`` is accepted for the canvas layer's API and not
        used: these rings are h3's float64 rounded to ``decimals``, not a build's float32.
        """
        plan = draw_plan(cells, fill, dashed, grid, self._plan)
        if plan is None:
            return False
        self._plan, outlines = plan, plan.outlines
        codes, per_cell, palette = self._codes_of(
            plan.positions, plan.fill, plan.marks, outlines.size
        )
        features = None
        if plan.new_outlines:
            self.outlines = outlines
            features = [
                {
                    "type": "Feature",
                    "properties": {"cell": format(cell, "x")},
                    "geometry": {"type": "Polygon", "coordinates": [self._ring(cell)]},
                }
                for cell in outlines.tolist()
            ]
        self._send(codes, per_cell, palette, features)
        return True

    def clear(self) -> None:
        self.draw(np.zeros(0, dtype=np.uint64), [])

    def add_to(self, m: ipyleaflet.Map) -> None:
        m.add(self.layer)

    def keep_on_top(self, m: ipyleaflet.Map) -> None:
        """Put the hexagons back above a basemap that was just added."""
        m.remove(self.layer)
        m.add(self.layer)

    def on_hover(self, handler: Callable[..., Any]) -> None:
        self.layer.on_hover(handler)

    def on_click(self, handler: Callable[..., Any]) -> None:
        self.layer.on_click(handler)


@dataclass(frozen=True)
class DrawPlan:
    """What one draw of a hex layer sends, kept by the layer until the next draw."""

    key: bytes
    """Digest of cells, colours and marks: an unchanged view is one comparison."""
    cells: np.ndarray
    fill: Fill
    marks: np.ndarray
    outlines: np.ndarray
    """Cells whose outlines the browser holds (sorted): feature ``i`` is ``outlines[i]``."""
    new_outlines: bool
    positions: np.ndarray
    """Each cell's feature index in ``outlines``."""
    grid: np.ndarray | None
    """The grid array the draw was given (the same array next time means the same grid)."""


def draw_plan(cells, fill, dashed, grid, last: DrawPlan | None) -> DrawPlan | None:
    """What a hex layer's draw sends (``None`` for an unchanged view).

    Shared by both hex layers (per-path GeoJSON and batched canvas): outlines go once per grid,
    and again only when a cell falls outside them (a coarsened parent, or no grid given). The
    cells of a filter change are usually those of the last draw (only colours move): their
    feature indices are then taken from ``last`` instead of being searched for again.
    """
    cells = np.asarray(cells, dtype=np.uint64)
    fill = Fill.of(fill)
    marks = np.zeros(cells.size, dtype=np.uint8)
    if dashed is not None:
        marks = np.asarray(dashed, dtype=np.uint8)
    key = _view_key(cells, fill, marks)
    if (last is not None and grid is not None and grid is last.grid
            and np.array_equal(cells, last.cells)):
        if key == last.key:
            return None
        return replace(last, key=key, cells=cells, fill=fill, marks=marks, new_outlines=False)
    outlines = last.outlines if last is not None else np.zeros(0, dtype=np.uint64)
    positions = None
    if grid is None:
        want = np.unique(cells)
        new_outlines = not np.isin(cells, outlines).all()
    else:
        want, positions = _with_grid(np.asarray(grid, np.uint64), cells)
        # the grid sent last time is usually the very same array
        new_outlines = want is not outlines and not np.array_equal(want, outlines)
    if last is not None and key == last.key and not new_outlines:
        return None
    if new_outlines:
        outlines = want
    if positions is None or outlines is not want:
        positions = np.searchsorted(outlines, cells)
    # kept until the next draw: 4 bytes a cell is enough for any grid
    return DrawPlan(key, cells, fill, marks, outlines, new_outlines,
                    positions.astype(np.int32), grid)


def _view_key(cells: np.ndarray, fill: Fill, marks: np.ndarray) -> bytes:
    """A digest of the cells, colours and marks a draw sends (the outlines are compared
    apart): an unchanged view is one comparison, and the layer keeps 32 bytes."""
    digest = hashlib.blake2b(digest_size=32)
    for data in (np.ascontiguousarray(cells).tobytes(), *fill.digest_parts(),
                 np.ascontiguousarray(marks).tobytes()):
        digest.update(len(data).to_bytes(8, "little"))  # no two splits of one stream match
        digest.update(data)
    return digest.digest()


def _with_grid(grid: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """``np.union1d(grid, cells)``, and the cells' positions in it when that is ``grid``
    itself: no sorting again when the grid (sorted and unique, as ``Atlas.grid_cells`` gives
    it) already holds every cell, the common case (~15 ms a slider move saved at 54k cells)."""
    if grid.size and bool((grid[1:] > grid[:-1]).all()):
        pos = np.minimum(np.searchsorted(grid, cells), grid.size - 1)
        if bool((grid[pos] == cells).all()):
            return grid, pos
    return np.union1d(grid, cells).astype(np.uint64), None
