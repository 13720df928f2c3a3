"""Cubes of additive measures: what every dashboard query reads instead of raw rows (DESIGN §4).

- :func:`build_incident_cube` -> :class:`IncidentCube`: aoristic counts per
  (cell, hour of week of the night, category, source);
- :func:`build_perception_cube` -> :class:`PerceptionCube`: n, Σw, Σwx, Σwx² per
  (cell, hour or daypart, group);
- :func:`rollup` to a coarser resolution, :func:`save_cube` / :func:`load_cube` /
  :func:`cached_cube` on disk, and :class:`CubeCodes` for mask + ``np.bincount`` queries;
- :func:`build_cube` of many files with pandas or on Dask (DESIGN §8), partial cubes summed by
  :func:`combine_incident_cubes`, kept as a cube folder (:func:`write_cube_dir` /
  :func:`read_cube_dir`).
"""

from geo._lazy import lazy_names
from geo.cube._code_cache import CubeIndex
from geo.cube._codes import UNTIMED_SLOT, CubeCodes, NightHours, day_number
from geo.cube._incidents import NO_NIGHT, UNTIMED_REASONS, IncidentCube, build_incident_cube
from geo.cube._perceptions import (
    NO_ANSWER_DATE,
    UNKNOWN_GROUP,
    PerceptionCube,
    build_perception_cube,
)
from geo.cube._rollup import rollup
from geo.cube._store import CUBE_FORMAT, CubeKind, cached_cube, cube_key, load_cube, save_cube

# Builds of many files (Parquet datasets, Dask): imported on first use, not by every kernel.
__getattr__ = lazy_names(__name__, {
    **dict.fromkeys(("BUILD_FILE", "CUBE_FILE", "ENGINES", "CubeBuild", "Engine", "build_cube",
                     "read_cube_dir", "summarise_reports", "write_cube_dir"), "_build"),
    "combine_incident_cubes": "_combine",
    **dict.fromkeys(("DEFAULT_WORKER_MEMORY", "WORKER_PACKAGES", "WorkerEnvironmentError",
                     "build_incident_cube_dask", "check_workers", "dask_client"), "_dask"),
    **dict.fromkeys(("NEEDED_COLUMNS", "CubeInputs", "find_inputs"), "_inputs"),
}, globals())

__all__ = [
    "BUILD_FILE",
    "CUBE_FILE",
    "CUBE_FORMAT",
    "DEFAULT_WORKER_MEMORY",
    "ENGINES",
    "NEEDED_COLUMNS",
    "NO_ANSWER_DATE",
    "NO_NIGHT",
    "UNKNOWN_GROUP",
    "UNTIMED_REASONS",
    "UNTIMED_SLOT",
    "WORKER_PACKAGES",
    "CubeBuild",
    "CubeCodes",
    "CubeIndex",
    "CubeInputs",
    "CubeKind",
    "Engine",
    "IncidentCube",
    "NightHours",
    "PerceptionCube",
    "WorkerEnvironmentError",
    "build_cube",
    "build_incident_cube",
    "build_incident_cube_dask",
    "build_perception_cube",
    "cached_cube",
    "check_workers",
    "combine_incident_cubes",
    "cube_key",
    "dask_client",
    "day_number",
    "find_inputs",
    "load_cube",
    "read_cube_dir",
    "rollup",
    "save_cube",
    "summarise_reports",
    "write_cube_dir",
]
