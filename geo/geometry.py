"""Cell outlines and areas, computed once by ``atlas build`` and memory-mapped by kernels.

The first res-10 view of a city-sized build (54k cells) asked h3-py for every outline and
every area, one call per cell: ~1.2 s and ~0.65 s of a kernel's CPU, and ~40 MB of transient
tuples the heap then kept (issue "real-city scale": first map <= 3 s, kernel <= 250 MB). The
build now writes them per resolution beside the cube's codes (``codes/geometry-r<res>.arrow``:
one row per cell of the grid the dashboards draw, its area and its ring as a list of float32
lon/lat); a kernel maps them (``pyarrow.memory_map``: page-cache pages every kernel of the
build shares) and asks h3 only about cells not in the build (a session's uploads, a parent a
view coarsened to). Values are h3's own, bit for bit: the published rates per km² and the
outlines do not change (tests compare both paths).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
import numpy.typing as npt

GEOMETRY_FILE = "geometry-r{resolution}.arrow"
"""File of a build's ``codes/`` folder holding one resolution's outlines and areas."""


def h3_outlines(cells: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(float32 lon/lat vertices, uint32 offsets) of the cells' rings, in order, from h3.

    h3 gives (lat, lng) pairs; the buffer holds (lon, lat), as GeoJSON and the page expect.
    Hexagons have 6 vertices; pentagons 5 and edge-crossing cells up to 10: kept as h3 gives.
    Cell ``i``'s ring is vertices ``offsets[i]:offsets[i + 1]``.
    """
    rings = [h3i.cell_to_boundary(c) for c in np.asarray(cells, dtype=np.uint64).tolist()]
    offsets = np.zeros(len(rings) + 1, dtype=np.uint32)
    np.cumsum(np.fromiter(map(len, rings), dtype=np.uint32, count=len(rings)), out=offsets[1:])
    # Straight from h3's tuples into one float array (no list of 300k pairs at 54k cells).
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(rings)), dtype=np.float64,
                       count=2 * int(offsets[-1])).reshape(-1, 2)
    return np.ascontiguousarray(flat[:, ::-1], dtype=np.float32).reshape(-1), offsets


def h3_areas(cells: npt.ArrayLike) -> np.ndarray:
    """Area of each cell in km² (h3's exact ``cell_area``), in order."""
    values = np.asarray(cells, dtype=np.uint64).tolist()
    return np.fromiter((h3i.cell_area(c, unit="km^2") for c in values), dtype=np.float64,
                       count=len(values))


def take_rings(vertices: np.ndarray, offsets: np.ndarray,
               rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rings of ``rows`` (positions into ``offsets``), packed in that order."""
    starts = offsets[rows].astype(np.int64)
    lengths = offsets[rows + 1].astype(np.int64) - starts
    out_offsets = np.zeros(rows.size + 1, dtype=np.uint32)
    np.cumsum(lengths, out=out_offsets[1:])
    # vertex k of the output comes from vertex starts[row] + (k - out_offsets[row])
    source = np.arange(int(out_offsets[-1]), dtype=np.int64)
    source += np.repeat(starts - out_offsets[:-1].astype(np.int64), lengths)
    pairs = vertices.reshape(-1, 2)[source]
    return pairs.reshape(-1), out_offsets


@dataclass(frozen=True, eq=False)
class CellGeometry:
    """Outlines and areas of a set of cells: sorted ``cells`` and, row for row, their areas
    and rings (``vertices[2 * offsets[i]:2 * offsets[i + 1]]`` as lon, lat pairs)."""

    cells: np.ndarray
    areas: np.ndarray
    vertices: np.ndarray
    offsets: np.ndarray

    def __post_init__(self) -> None:
        n = self.cells.size
        if self.areas.size != n or self.offsets.size != n + 1:
            raise ValueError(f"{n} cells but {self.areas.size} areas, {self.offsets.size} offsets")
        if self.vertices.size != 2 * int(self.offsets[-1]):
            raise ValueError("vertices do not match the offsets")

    @classmethod
    def of(cls, cells: npt.ArrayLike) -> CellGeometry:
        """Computed with h3 (what the build writes)."""
        unique = np.unique(np.asarray(cells, dtype=np.uint64))
        vertices, offsets = h3_outlines(unique)
        return cls(unique, h3_areas(unique), vertices, offsets)

    def rows(self, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row of each of ``cells`` and whether it is here at all."""
        pos = np.searchsorted(self.cells, cells)
        if not self.cells.size:
            return pos, np.zeros(cells.size, dtype=bool)
        pos = np.minimum(pos, self.cells.size - 1)
        return pos, self.cells[pos] == cells

    def write(self, path: str | Path) -> Path:
        """Write as one uncompressed Arrow IPC batch (mapped as it is by :meth:`read`)."""
        import pyarrow as pa

        from geo._arrow import write_ipc

        rings = pa.ListArray.from_arrays(pa.array(2 * self.offsets.astype(np.int32)),
                                         pa.array(self.vertices, type=pa.float32()))
        table = pa.table({"cell": pa.array(self.cells, type=pa.uint64()),
                          "area_km2": pa.array(self.areas, type=pa.float64()), "ring": rings})
        return write_ipc(table, path)

    @classmethod
    def read(cls, path: str | Path) -> CellGeometry:
        """Memory-map a file :meth:`write` wrote: read-only views, no copy but the offsets."""
        from geo._arrow import map_ipc

        table = map_ipc(path)
        if table.num_rows == 0:
            return cls.of(np.zeros(0, dtype=np.uint64))
        rings = table.column("ring").chunk(0)
        return cls(
            cells=table.column("cell").chunk(0).to_numpy(zero_copy_only=True),
            areas=table.column("area_km2").chunk(0).to_numpy(zero_copy_only=True),
            vertices=rings.values.to_numpy(zero_copy_only=True),
            offsets=(rings.offsets.to_numpy(zero_copy_only=True) // 2).astype(np.uint32),
        )


class BuiltGeometry:
    """A build's outlines and areas per resolution (mapped on first use), h3 for the rest.

    ``folder`` is a generation's ``codes/``; None (a session's uploads) asks h3 for everything.
    """

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = None if folder is None else Path(folder)
        self._by_res: dict[int, CellGeometry | None] = {}

    def _at(self, resolution: int) -> CellGeometry | None:
        if resolution not in self._by_res:
            path = (None if self.folder is None
                    else self.folder / GEOMETRY_FILE.format(resolution=resolution))
            self._by_res[resolution] = (CellGeometry.read(path)
                                        if path is not None and path.is_file() else None)
        return self._by_res[resolution]

    def _lookup(self, cells: np.ndarray) -> tuple[list[CellGeometry], np.ndarray, np.ndarray]:
        """Per cell: which geometry holds it (index into the list; -1 none) and its row."""
        found: list[CellGeometry] = []
        which = np.full(cells.size, -1, dtype=np.int64)
        rows = np.zeros(cells.size, dtype=np.int64)
        resolutions = ((cells >> np.uint64(52)) & np.uint64(0xF)).astype(np.int64)
        for res in np.unique(resolutions).tolist():
            geometry = self._at(res)
            if geometry is None:
                continue
            here = np.flatnonzero(resolutions == res)
            pos, known = geometry.rows(cells[here])
            which[here[known]] = len(found)
            rows[here[known]] = pos[known]
            found.append(geometry)
        return found, which, rows

    def areas(self, cells: npt.ArrayLike) -> np.ndarray:
        """Area in km² of each of ``cells``, in order (h3's ``cell_area``)."""
        cells = np.asarray(cells, dtype=np.uint64)
        found, which, rows = self._lookup(cells)
        out = np.empty(cells.size, dtype=np.float64)
        for i, geometry in enumerate(found):
            mine = which == i
            out[mine] = geometry.areas[rows[mine]]
        missing = which < 0
        if missing.any():
            out[missing] = h3_areas(cells[missing])
        return out

    def outlines(self, cells: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """As :func:`h3_outlines` (same bytes), from the build where it holds the cells."""
        cells = np.asarray(cells, dtype=np.uint64)
        found, which, rows = self._lookup(cells)
        if len(found) == 1 and (which == 0).all():
            only = found[0]
            if cells.size == only.cells.size and np.array_equal(rows, np.arange(cells.size)):
                return only.vertices, only.offsets  # the whole grid: the mapped pages as they are
            return take_rings(only.vertices, only.offsets, rows)
        if not found:
            return h3_outlines(cells)
        # Mixed: one ring list per holder and h3 for the rest, then interleaved back in order.
        lengths = np.zeros(cells.size, dtype=np.int64)
        parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for i, geometry in enumerate([*found, None]):
            mine = np.flatnonzero(which == (i if geometry is not None else -1))
            if not mine.size:
                continue
            vertices, offsets = (take_rings(geometry.vertices, geometry.offsets, rows[mine])
                                 if geometry is not None else h3_outlines(cells[mine]))
            lengths[mine] = np.diff(offsets.astype(np.int64))
            parts.append((mine, vertices, offsets))
        out_offsets = np.zeros(cells.size + 1, dtype=np.uint32)
        np.cumsum(lengths, out=out_offsets[1:])
        out = np.empty(2 * int(out_offsets[-1]), dtype=np.float32)
        for mine, vertices, offsets in parts:
            count = np.diff(offsets.astype(np.int64))
            dest = np.arange(int(offsets[-1]), dtype=np.int64)
            dest += np.repeat(out_offsets[mine].astype(np.int64) - offsets[:-1], count)
            out.reshape(-1, 2)[dest] = vertices.reshape(-1, 2)
        return out, out_offsets


def write_geometry(folder: str | Path, grids: dict[int, np.ndarray]) -> list[Path]:
    """Write the outlines and areas of each resolution's grid into a build's ``codes/``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    return [CellGeometry.of(cells).write(out / GEOMETRY_FILE.format(resolution=res))
            for res, cells in grids.items()]
