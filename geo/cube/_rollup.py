"""Roll a cube up to a coarser H3 resolution: parents of the unique cells, then a group-sum.

Coarser cells come from ``cell_to_parent``, never from indexing the points again (DESIGN §4), so
every measure is conserved exactly as a sum: the total count and every per-key total.
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

from geo.cube._aggregate import aggregate_table
from geo.cube._incidents import IncidentCube
from geo.cube._perceptions import PerceptionCube
from geo.index import parents_of

CubeT = TypeVar("CubeT", IncidentCube, PerceptionCube)


def rollup(cube: CubeT, resolution: int) -> CubeT:
    """The same cube at a coarser resolution.

    Parameters
    ----------
    cube
        An :class:`IncidentCube` or :class:`PerceptionCube`.
    resolution
        Target resolution, at most the cube's; equal returns the cube itself.

    Returns
    -------
    A cube of the same kind, with the same metadata except ``resolution``.

    Raises
    ------
    ValueError
        If ``resolution`` is finer than the cube's (points cannot be recovered from cells).
    """
    if not 0 <= resolution <= cube.resolution:
        raise ValueError(f"cannot roll a resolution-{cube.resolution} cube up to {resolution}")
    if resolution == cube.resolution:
        return cube
    parents = parents_of(cube.table["cell"].to_numpy(), resolution)
    table = aggregate_table(cube.table, cube.KEY_COLUMNS, cube.MEASURES, replace={"cell": parents})
    return dataclasses.replace(cube, table=table, resolution=resolution)
