"""Opening a built city: what every dashboard, CLI query and export reads (never raw files).

A kernel reads the generation ``build/CURRENT`` names: the incident cube, perceptions, venues,
the build's reports and settings. Raw incident rows are not loaded: the cube answers every view.
It holds a reader's lease on that generation while its Atlas lives (geo.city._generations), so a
rebuild never removes files a kernel maps.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h3
import pandas as pd

from geo.columns import INCIDENT_COLUMNS
from geo.geometry import BuiltGeometry
from geo.schema import ValidationReport

if TYPE_CHECKING:  # the project's parser and the build load when a city is opened, not before
    from geo.city._project import CityProject

CITY_ENV = "ATLAS_CITY"
"""Environment variable naming the city project the dashboards open (``atlas serve`` sets it)."""


def _sample_home() -> Path:
    """A checkout's ``data/sample``; from an installed wheel, a folder in the user's cache."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").is_file():
        return checkout / "data" / "sample"
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "insecurity-atlas" / "sample"


REPO_SAMPLE = _sample_home()
"""The sample city project (``atlas sample`` writes it, ``make`` builds it): ours to write."""

FINEST = 10


@dataclass(frozen=True, eq=False)
class City:
    """A built city: its project settings, its Atlas, and the build that made it."""

    project: CityProject
    atlas: Any
    info: dict[str, Any]
    generation: Path

    @property
    def k_floor(self) -> int:
        """The project's privacy floor: no visitor can go below it."""
        return self.project.k

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        """The data's extent (min_lon, min_lat, max_lon, max_lat), for fitting the map."""
        box = self.info.get("metadata", {}).get("bbox")
        return tuple(box) if box else None

    @property
    def sources(self) -> list[dict[str, Any]]:
        return list(self.info.get("sources", []))


def default_city_dir() -> Path:
    """``$ATLAS_CITY``, or the checkout's sample city project."""
    return Path(os.environ.get(CITY_ENV) or REPO_SAMPLE)


def ready_city_dir(folder: str | Path | None = None) -> Path:
    """The project a dashboard opens: ``folder``, ``$ATLAS_CITY`` or the sample city.

    Only the checkout's own sample is ever generated or built here (it is ours to write); any
    other folder is opened as it is, and an unbuilt one is an error that says what to run.
    """
    folder = Path(folder) if folder else default_city_dir()
    if folder.resolve() == REPO_SAMPLE.resolve():
        from geo.city._build import build_project
        from geo.city._project import load_project
        from geo.sample import ensure_sample

        ensure_sample(folder)
        build_project(load_project(folder))
    return folder


def finest_resolution(metres: float) -> int:
    """The finest H3 resolution whose cells can hold a location known to ``metres``.

    A cell can hold it when its average edge is at least that long: a 600 m grid square fits
    in a res-7 cell (edge ~1.4 km), not in a res-8 one (~530 m).
    """
    for res in range(FINEST, -1, -1):
        if h3.average_hexagon_edge_length(res, unit="m") >= metres:
            return res
    return 0


def open_city(
    folder: str | Path | None = None,
    *,
    project: CityProject | None = None,
    public: bool | None = None,
) -> City:
    """Open the current build of a city project.

    ``public`` (default: whether this runs under a public server, ``ATLAS_PUBLIC=1``) keeps the
    cell-key noise on even where the project allows exact values to local analysts.

    Raises
    ------
    ProjectError
        Not a project, or never built (the message says to run ``atlas build DIR``).
    """
    from geo.city._generations import bind_lease
    from geo.city._project import load_project

    project = project or load_project(folder or default_city_dir())
    if public is None:
        public = os.environ.get("ATLAS_PUBLIC") == "1"
    generation, lease = _leased_generation(project)
    try:
        city = _open_generation(project, generation, public)
    except BaseException:
        if lease >= 0:
            os.close(lease)
        raise
    bind_lease(city.atlas, lease)  # held while the Atlas (and its mapped files) lives
    return city


def _leased_generation(project: CityProject) -> tuple[Path, int]:
    """The current generation with a reader's lease on it (geo.city._generations): a build that
    removes it first makes us read ``CURRENT`` again."""
    from geo.city._build import current_generation
    from geo.city._generations import take_lease
    from geo.city._located import ProjectError

    for _ in range(10):
        generation = current_generation(project.build_root)
        if generation is None:
            raise ProjectError(project.file, None, "not built yet: run `atlas build "
                                                   f"{project.folder}` first")
        lease = take_lease(generation)
        if lease is not None:
            return generation, lease
    raise ProjectError(project.file, None, "the build kept changing while it was opened: "
                                           "open it again once `atlas build` has finished")


def _open_generation(project: CityProject, generation: Path, public: bool) -> City:
    """The City of one generation's files."""
    from geo.city._build import BUILD_INFO, CUBE_FILE, MAPPED_CUBE_FILE, key_salt
    from geo.cube import load_cube
    from geo.cube._mapped import CODES_DIR, read_arrow_table
    from geo.metrics import Atlas

    info = json.loads((generation / BUILD_INFO).read_text())

    mapped = generation / MAPPED_CUBE_FILE
    # Memory-mapped where the build wrote it (kernels share the pages); older builds: Parquet.
    cube = load_cube(mapped if mapped.is_file() else generation / CUBE_FILE)
    geometry = None
    if (generation / CODES_DIR).is_dir():
        cube.use_mapped(generation / CODES_DIR)
        geometry = BuiltGeometry(generation / CODES_DIR)  # outlines and areas, mapped
    tables = {}
    for table in ("perceptions", "venues"):
        arrow, path = generation / f"{table}.arrow", generation / f"{table}.parquet"
        # Arrow IPC where the build wrote it (no Parquet decoder in the kernel), else Parquet.
        tables[table] = (read_arrow_table(arrow) if arrow.is_file()
                         else pd.read_parquet(path) if path.is_file() else None)
    limits = {source: finest_resolution(m)
              for source, m in info.get("source_precision", {}).items()}
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in INCIDENT_COLUMNS})
    atlas = Atlas(
        empty,
        tables["perceptions"],
        tables["venues"],
        metadata=info.get("metadata", {}),
        reports=_reports(info, generation),
        day_boundary=cube.day_boundary,
        incident_cube=cube,
        location_limits=limits,
        published_sources=frozenset(info.get("published_sources", ())),
        exact=project.exact_local and not public,
        key_salt=key_salt(project),
        geometry=geometry,
    )
    return City(project, atlas, info, generation)


def _reports(info: dict[str, Any], generation: Path) -> dict[str, ValidationReport]:
    """Each source file's ValidationReport, named ``incidents[0] file.csv``."""
    out = {}
    for entry in info.get("sources", []):
        dropped = entry.get("dropped_rows_file")
        rows = pd.read_csv(generation / dropped, dtype=str) if dropped else None
        name = f"{entry['entry']} {Path(entry['path']).name}"
        # The file's name only: a served page must not show the server's folders.
        out[name] = ValidationReport.from_dict({**entry, "path": Path(entry["path"]).name}, rows)
    return out
