"""City projects: a team's own city, from its exports to a built, served atlas (DESIGN §1).

- :func:`load_project` reads and validates ``atlas.yaml`` (:class:`CityProject`), with located
  errors (:class:`ProjectError`);
- :func:`build_project` reads every source into the project's own build folder, content-keyed
  and atomic (:class:`BuildReport`);
- :func:`open_city` opens the current build for dashboards, CLI queries and exports (:class:`City`);
- :func:`init_project` writes a commented starter project from a team's files.

This layer sits below the apps: it imports no widgets.
"""

from geo.city._build import CURRENT, build_project, current_generation
from geo.city._init import init_project
from geo.city._labels import DisplayLabels, default_group_label
from geo.city._located import ProjectError
from geo.city._open import (
    CITY_ENV,
    REPO_SAMPLE,
    City,
    default_city_dir,
    finest_resolution,
    open_city,
    ready_city_dir,
)
from geo.city._project import (
    BUILD_DIR,
    PROJECT_FILE,
    SCENES_DIR,
    CityProject,
    DefaultView,
    SourceSpec,
    StudyArea,
    load_project,
)
from geo.city._report import BuildReport
from geo.city._session import SessionCity

__all__ = [
    "BUILD_DIR",
    "CITY_ENV",
    "CURRENT",
    "PROJECT_FILE",
    "REPO_SAMPLE",
    "SCENES_DIR",
    "SessionCity",
    "BuildReport",
    "City",
    "CityProject",
    "DefaultView",
    "DisplayLabels",
    "ProjectError",
    "SourceSpec",
    "StudyArea",
    "build_project",
    "current_generation",
    "default_city_dir",
    "default_group_label",
    "finest_resolution",
    "init_project",
    "load_project",
    "open_city",
    "ready_city_dir",
]
