"""City projects: a team's own city, from its exports to a built, served atlas (DESIGN §1).

- :func:`load_project` reads and validates ``atlas.yaml`` (:class:`CityProject`), with located
  errors (:class:`ProjectError`);
- :func:`build_project` reads every source into the project's own build folder, content-keyed
  and atomic (:class:`BuildReport`);
- :func:`open_city` opens the current build for dashboards, CLI queries and exports (:class:`City`);
- :func:`init_project` writes a commented starter project from a team's files.

This layer sits below the apps: it imports no widgets.
"""

from geo._lazy import lazy_names

# A kernel opening a build needs _open only; building (readers, YAML, Parquet) loads on use.
__getattr__ = lazy_names(__name__, {
    **dict.fromkeys(("CURRENT", "build_project", "current_generation"), "_build"),
    "init_project": "_init",
    **dict.fromkeys(("DisplayLabels", "default_group_label"), "_labels"),
    "ProjectError": "_located",
    **dict.fromkeys(("CITY_ENV", "REPO_SAMPLE", "City", "default_city_dir", "finest_resolution",
                     "open_city", "ready_city_dir"), "_open"),
    **dict.fromkeys(("BUILD_DIR", "PROJECT_FILE", "SCENES_DIR", "CityProject", "DefaultView",
                     "SourceSpec", "StudyArea", "load_project"), "_project"),
    "BuildReport": "_report",
    "SessionCity": "_session",
}, globals())

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
