"""Cubes of additive measures: what every dashboard query reads instead of raw rows (DESIGN §4).

- :func:`build_incident_cube` -> :class:`IncidentCube`: aoristic counts per
  (cell, hour of week of the night, category, source);
- :func:`build_perception_cube` -> :class:`PerceptionCube`: n, Σw, Σwx, Σwx² per
  (cell, hour or daypart, group);
- :func:`rollup` to a coarser resolution, :func:`save_cube` / :func:`load_cube` /
  :func:`cached_cube` on disk, and :class:`CubeCodes` for mask + ``np.bincount`` queries.
"""

from geo.cube._codes import UNTIMED_SLOT, CubeCodes, CubeIndex
from geo.cube._incidents import UNTIMED_REASONS, IncidentCube, build_incident_cube
from geo.cube._perceptions import UNKNOWN_GROUP, PerceptionCube, build_perception_cube
from geo.cube._rollup import rollup
from geo.cube._store import CUBE_FORMAT, CubeKind, cached_cube, cube_key, load_cube, save_cube

__all__ = [
    "CUBE_FORMAT",
    "UNKNOWN_GROUP",
    "UNTIMED_REASONS",
    "UNTIMED_SLOT",
    "CubeCodes",
    "CubeIndex",
    "CubeKind",
    "IncidentCube",
    "PerceptionCube",
    "build_incident_cube",
    "build_perception_cube",
    "cached_cube",
    "cube_key",
    "load_cube",
    "rollup",
    "save_cube",
]
