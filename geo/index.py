"""H3 indexing of points: cells at the finest resolution, parents, areas and GeoJSON rings.

Every point is indexed once, at the finest resolution in use (DESIGN §4); coarser views come from
``cell_to_parent`` on the *unique* cells, never from indexing the points again, so a roll-up from
resolution 10 to 7 costs a few thousand parent look-ups rather than a million.

Two libraries are used on purpose. h3ronpy indexes millions of points in native, GIL-free code
(h3-py 4 has no vectorised API: FACTS.md measured 0.36 s against 0.70-1.48 s for h3-py loops);
h3-py, the reference implementation, answers the per-unique-cell questions (area, boundary) and is
what the tests compare h3ronpy against.

The classic trap is coordinate order: H3 takes ``(lat, lng)`` and returns boundaries as
``(lat, lng)`` pairs, while GeoJSON wants ``[lng, lat]``. Arguments here are always named
``lat``/``lon`` and passed by keyword to the libraries, and :func:`cell_boundaries` swaps.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import h3ronpy
import numpy as np
import numpy.typing as npt
import pandas as pd
from h3.api import basic_int as h3i
from h3ronpy.vector import coordinates_to_cells

from geo.columns import DEFAULT_RESOLUTION

MAX_RESOLUTION = 15
"""Finest resolution H3 defines."""

_CHUNK = 250_000
"""Points per h3ronpy call when indexing in threads; large enough to amortise each call."""


def _check_resolution(resolution: int) -> int:
    if isinstance(resolution, bool) or not isinstance(resolution, int | np.integer):
        raise TypeError(f"resolution must be an int, got {resolution!r}")
    if not 0 <= resolution <= MAX_RESOLUTION:
        raise ValueError(f"resolution must be in 0..{MAX_RESOLUTION}, got {resolution}")
    return int(resolution)


def as_cells(cells: npt.ArrayLike) -> np.ndarray:
    """Cells as a ``uint64`` array, from ints or from H3 hex strings.

    Parameters
    ----------
    cells
        H3 cell indexes as integers (any integer dtype) or as strings such as
        ``"8a1fb4662557fff"``.

    Returns
    -------
    numpy.ndarray
        One-dimensional ``uint64`` array.

    Examples
    --------
    >>> as_cells(["8a1fb4662557fff"]).tolist()
    [622054503269892095]
    """
    arr = np.asarray(cells)
    if arr.dtype.kind in "OUST":
        return np.array([h3i.str_to_int(str(c)) for c in arr.ravel()], dtype=np.uint64)
    if arr.size == 0:
        return arr.astype(np.uint64).ravel()
    if arr.dtype.kind not in "iu":
        raise TypeError(f"cells must be integers or H3 strings, got dtype {arr.dtype}")
    return arr.astype(np.uint64, copy=False).ravel()


def cells_of(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    resolution: int = DEFAULT_RESOLUTION,
    *,
    workers: int | None = None,
) -> np.ndarray:
    """The H3 cell of each point, vectorised.

    Parameters
    ----------
    lat, lon
        WGS84 degrees, same length. Named, never positional pairs: see the module note on order.
    resolution
        H3 resolution, 0..15 (default :data:`geo.columns.DEFAULT_RESOLUTION`).
    workers
        Threads for large inputs (h3ronpy releases the GIL, so two cores index ~2x faster).
        Default: the machine's cores, at most 4. The result does not depend on it.

    Returns
    -------
    numpy.ndarray
        ``uint64`` cell indexes, one per point, in input order.

    Raises
    ------
    ValueError
        If lengths differ or any coordinate is missing or out of range: canonical tables never
        hold such rows, so meeting one here is a bug upstream, not something to skip quietly.

    Examples
    --------
    >>> import h3
    >>> c = cells_of([48.8566], [2.3522], 10)
    >>> h3.int_to_str(int(c[0])) == h3.latlng_to_cell(48.8566, 2.3522, 10)
    True
    """
    res = _check_resolution(resolution)
    lat_a = np.ascontiguousarray(np.asarray(lat, dtype=np.float64).ravel())
    lon_a = np.ascontiguousarray(np.asarray(lon, dtype=np.float64).ravel())
    if lat_a.shape != lon_a.shape:
        raise ValueError(f"lat and lon differ in length: {lat_a.size} vs {lon_a.size}")
    if lat_a.size == 0:
        return np.empty(0, dtype=np.uint64)
    bad = ~(np.isfinite(lat_a) & np.isfinite(lon_a))
    bad |= (np.abs(lat_a) > 90) | (np.abs(lon_a) > 180)
    if bad.any():
        raise ValueError(f"{int(bad.sum())} points have missing or out-of-range coordinates")

    def index(part: slice) -> np.ndarray:
        out = coordinates_to_cells(latarray=lat_a[part], lngarray=lon_a[part], resarray=res)
        return np.asarray(out, dtype=np.uint64)

    n_workers = min(os.cpu_count() or 1, 4) if workers is None else max(1, int(workers))
    parts = [slice(i, i + _CHUNK) for i in range(0, lat_a.size, _CHUNK)]
    if n_workers == 1 or len(parts) == 1:
        return index(slice(None))
    with ThreadPoolExecutor(max_workers=min(n_workers, len(parts))) as pool:
        return np.concatenate(list(pool.map(index, parts)))


def resolutions_of(cells: npt.ArrayLike) -> np.ndarray:
    """The resolution of each cell (``int8``), read from the index bits.

    Examples
    --------
    >>> resolutions_of(["8a1fb4662557fff", "891fb466257ffff"]).tolist()
    [10, 9]
    """
    arr = as_cells(cells)
    return ((arr >> np.uint64(52)) & np.uint64(0xF)).astype(np.int8)


def parents_of(cells: npt.ArrayLike, resolution: int) -> np.ndarray:
    """The parent of each cell at a coarser (or equal) resolution, via its unique cells.

    Parameters
    ----------
    cells
        Cells, possibly of mixed resolutions, all at least as fine as ``resolution``.
    resolution
        Target resolution; a cell already at it is its own parent.

    Returns
    -------
    numpy.ndarray
        ``uint64`` parents, one per input cell, in input order.

    Raises
    ------
    ValueError
        If a cell is invalid or coarser than ``resolution`` (its "parent" would be many
        children, which would silently multiply counts).

    Examples
    --------
    >>> import h3
    >>> p = parents_of(["8a1fb4662557fff"], 7)
    >>> h3.int_to_str(int(p[0])) == h3.cell_to_parent("8a1fb4662557fff", 7)
    True
    """
    res = _check_resolution(resolution)
    arr = as_cells(cells)
    if arr.size == 0:
        return arr.copy()
    unique, inverse = np.unique(arr, return_inverse=True)
    valid = np.asarray(h3ronpy.cells_valid(unique, booleanarray=True), dtype=bool)
    if not valid.all():
        raise ValueError(f"{int((~valid).sum())} invalid H3 cells, e.g. {unique[~valid][0]}")
    if (resolutions_of(unique) < res).any():
        raise ValueError(f"cells coarser than resolution {res} have no parent at it")
    parents = np.asarray(h3ronpy.change_resolution(unique, res), dtype=np.uint64)
    return parents[inverse.ravel()]


def cell_area_km2(cells: npt.ArrayLike) -> np.ndarray:
    """Exact area of each cell in km², computed once per unique cell with h3-py.

    Areas differ across the grid (by ~2x between a pentagon's neighbourhood and elsewhere), so
    rates per km² use each cell's own area, not a resolution's average.

    Examples
    --------
    >>> round(float(cell_area_km2(["8a1fb4662557fff"])[0]), 5)
    0.01341
    """
    arr = as_cells(cells)
    if arr.size == 0:
        return np.empty(0, dtype=np.float64)
    unique, inverse = np.unique(arr, return_inverse=True)
    areas = np.array([h3i.cell_area(int(c), unit="km^2") for c in unique], dtype=np.float64)
    return areas[inverse.ravel()]


def cell_boundaries(
    cells: npt.ArrayLike, *, decimals: int | None = None
) -> list[list[list[float]]]:
    """Closed GeoJSON rings ``[[lng, lat], ...]`` of each cell, in input order.

    h3 returns ``(lat, lng)`` pairs and an open ring; GeoJSON wants ``[lng, lat]`` and a ring
    whose last position repeats the first. Pentagons have 5 vertices, and cells crossing an
    icosahedron edge at odd resolutions up to 10: whatever h3 gives is kept.

    Parameters
    ----------
    cells
        Cells of any resolution(s).
    decimals
        Round coordinates (5 decimals is ~1 m and cuts GeoJSON by ~30 %, see FACTS.md).

    Examples
    --------
    >>> ring = cell_boundaries(["8a1fb4662557fff"], decimals=3)[0]
    >>> len(ring), ring[0] == ring[-1], ring[0]
    (7, True, [2.352, 48.857])
    """
    arr = as_cells(cells)
    rings: dict[int, list[list[float]]] = {}
    out: list[list[list[float]]] = []
    for c in arr.tolist():
        ring = rings.get(c)
        if ring is None:
            pts = [[lng, lat] for lat, lng in h3i.cell_to_boundary(c)]
            if decimals is not None:
                pts = [[round(x, decimals), round(y, decimals)] for x, y in pts]
            ring = rings[c] = [*pts, list(pts[0])]
        out.append([list(p) for p in ring])
    return out


def cells_to_str(cells: npt.ArrayLike) -> pd.Series:
    """H3 hex strings of the cells (for GeoJSON feature ids and exports).

    Examples
    --------
    >>> cells_to_str([622054503269892095]).tolist()
    ['8a1fb4662557fff']
    """
    arr = as_cells(cells)
    unique, inverse = np.unique(arr, return_inverse=True)
    names = np.array([h3i.int_to_str(int(c)) for c in unique], dtype=object)
    return pd.Series(names[inverse.ravel()], dtype="string")
