"""The city project: ``atlas.yaml``, what a team maintains about its own city (DESIGN §1).

One declarative file names the city, its time zone, study area, day boundary, privacy floor,
default view, and per table the source files (paths or globs relative to the project folder),
each with its format (detected when absent) or a column mapping, a source label and notes for
captions. It is validated here with located errors ("atlas.yaml:12: sources.incidents.0.fromat:
unknown key 'fromat' (did you mean 'format'?)"), so a typo never silently changes what is read.
Paths are resolved against the project folder, so a project can be moved as a whole.
"""

from __future__ import annotations

import glob
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from geo.city._labels import DisplayLabels, parse_labels
from geo.city._located import Located, ProjectError, load_located
from geo.columns import DEFAULT_DAY_BOUNDARY_HOUR, DEFAULT_K, TABLES
from geo.errors import MappingError
from geo.i18n import LANGUAGES
from geo.io import FORMATS, GENERIC, ColumnMapping
from geo.metrics import QUERY_KEYS, Query

PROJECT_FILE = "atlas.yaml"
"""The project file's name inside a project folder."""
BUILD_DIR = "build"
"""Default build folder, inside the project folder: the only place ``atlas build`` writes."""
SCENES_DIR = "scenes"
"""Presentation scenes of the project (``DIR/scenes/*.yaml``)."""

VIEW_LAYERS: tuple[str, ...] = (
    "recorded", "perceived", "gap", "bivariate", "hotspots", "change", "trend",
)
"""Layers a default view may open on (the analyst dashboard's layer choices; ``change`` opens
on its default baseline, the query's dates against the previous period)."""
BASEMAP_NAMES: tuple[str, ...] = ("light", "osm", "none")
"""Basemaps a default view may name (``none`` for offline rooms)."""

TOP_KEYS = ("build_dir", "city", "day_boundary", "default_view", "labels", "privacy", "sources",
            "study_area", "synthetic", "timezone")
SOURCE_KEYS = ("format", "location_precision", "mapping", "notes", "path", "published", "source")
NOTE_KEYS = ("licence", "notes", "period", "provider", "url")
PRIVACY_KEYS = ("exact_local", "k", "mode")
VIEW_KEYS = ("basemap", "lang", "layer", "query")


@dataclass(frozen=True)
class SourceSpec:
    """One entry of ``sources``: a file or glob of one table, and how to read it."""

    table: str
    pattern: str
    format: str | None = None
    mapping: ColumnMapping | None = None
    mapping_file: Path | None = None
    source: str | None = None
    published: bool = False
    location_precision: float | None = None
    notes: dict[str, str] = field(default_factory=dict)
    index: int = 0
    """Position in its table's list (names the source in errors and reports)."""

    @property
    def label(self) -> str:
        """``incidents[0]``: how reports and errors name this entry."""
        return f"{self.table}[{self.index}]"


@dataclass(frozen=True)
class DefaultView:
    """What the dashboards open on: a query, a layer, a basemap and a language."""

    query: Query = field(default_factory=Query)
    layer: str = "recorded"
    basemap: str = "light"
    lang: str = "en"


@dataclass(frozen=True)
class StudyArea:
    """A bbox ``(min_lon, min_lat, max_lon, max_lat)`` and/or a polygon file's geometry."""

    bbox: tuple[float, float, float, float] | None = None
    polygon: Path | None = None


@dataclass(frozen=True)
class CityProject:
    """A validated ``atlas.yaml`` with its paths resolved against the project folder."""

    folder: Path
    city: str
    timezone: str
    sources: tuple[SourceSpec, ...]
    study_area: StudyArea = field(default_factory=StudyArea)
    day_boundary: int = DEFAULT_DAY_BOUNDARY_HOUR
    k: int = DEFAULT_K
    mode: str = "suppress"
    exact_local: bool = False
    """Analysts on this machine (``atlas serve`` without ``--public``) see exact counts, without
    the cell-key noise; a public server never does."""
    view: DefaultView = field(default_factory=DefaultView)
    synthetic: bool = False
    build_dir: Path | None = None
    labels: DisplayLabels = field(default_factory=DisplayLabels)
    """How categories and respondent groups read in each language (``labels:``)."""

    @property
    def file(self) -> Path:
        return self.folder / PROJECT_FILE

    @property
    def build_root(self) -> Path:
        return self.build_dir or self.folder / BUILD_DIR

    @property
    def scenes_dir(self) -> Path:
        return self.folder / SCENES_DIR

    def of(self, table: str) -> tuple[SourceSpec, ...]:
        return tuple(s for s in self.sources if s.table == table)

    @property
    def published_sources(self) -> frozenset[str]:
        """Incident source labels the project marks as already published at point level."""
        return frozenset(s.source for s in self.of("incidents") if s.published and s.source)

    def files(self, spec: SourceSpec) -> list[Path]:
        """The files a source entry names, sorted; a located error when it names none."""
        pattern = spec.pattern
        full = pattern if Path(pattern).is_absolute() else str(self.folder / pattern)
        if glob.has_magic(pattern):
            found = sorted(Path(p) for p in glob.glob(full, recursive=True) if Path(p).is_file())
        else:
            found = [Path(full)] if Path(full).is_file() else []
        if not found:
            what = "no file matches" if glob.has_magic(pattern) else "no such file"
            raise ProjectError(self.file, None,
                               f"sources.{spec.table}.{spec.index}.path: {what}: {pattern} "
                               f"(paths are relative to {self.folder})")
        return found


def find_project_file(folder: str | Path) -> Path:
    """``folder/atlas.yaml``; a clear error when the folder is not a city project."""
    folder = Path(folder)
    path = folder if folder.name == PROJECT_FILE else folder / PROJECT_FILE
    if not path.is_file():
        raise ProjectError(path, None, "not a city project: no atlas.yaml here (make one with "
                                       "`atlas init DIR FILE...`, or `atlas sample`)")
    return path


def load_project(folder: str | Path) -> CityProject:
    """Read and validate a project folder's ``atlas.yaml``.

    Raises
    ------
    ProjectError
        The message names the file and line, the key, and what would be right.
    """
    path = find_project_file(folder)
    doc = load_located(path)
    return parse_project(doc, path.parent)


def parse_project(doc: Located, folder: Path) -> CityProject:
    """Validate a parsed ``atlas.yaml`` (see :func:`load_project`)."""
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error((), "atlas.yaml must be a mapping of keys (city, timezone, sources, ...)")
    doc.check_keys((), data, TOP_KEYS)
    for key in ("city", "timezone", "sources"):
        if key not in data:
            raise doc.error((), f"missing {key!r}")
    city = _text(doc, ("city",), data["city"])
    timezone = _text(doc, ("timezone",), data["timezone"])
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise doc.error(("timezone",), f"unknown time zone {timezone!r} (an IANA name such as "
                                       "'Europe/Paris')") from None
    boundary = data.get("day_boundary", DEFAULT_DAY_BOUNDARY_HOUR)
    if not isinstance(boundary, int) or isinstance(boundary, bool) or not 0 <= boundary <= 12:
        raise doc.error(("day_boundary",), "must be an hour from 0 to 12 (default 6)")
    k, mode, exact_local = _privacy(doc, data.get("privacy") or {})
    synthetic = data.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise doc.error(("synthetic",), "must be true or false")
    build_dir = data.get("build_dir")
    if build_dir is not None:
        build_dir = folder / _text(doc, ("build_dir",), build_dir)
    return CityProject(
        folder=folder.resolve(),
        city=city,
        timezone=timezone,
        sources=_sources(doc, data["sources"], folder),
        study_area=_study_area(doc, data.get("study_area"), folder),
        day_boundary=boundary,
        k=k,
        mode=mode,
        exact_local=exact_local,
        view=_view(doc, data.get("default_view") or {}, k),
        synthetic=synthetic,
        build_dir=build_dir,
        labels=parse_labels(doc, data.get("labels")),
    )


def _text(doc: Located, path: tuple, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise doc.error(path, "must be non-empty text")
    return value.strip()


def _privacy(doc: Located, data: Any) -> tuple[int, str, bool]:
    if not isinstance(data, dict):
        raise doc.error(("privacy",), "must be a mapping (k, mode)")
    doc.check_keys(("privacy",), data, PRIVACY_KEYS)
    k = data.get("k", DEFAULT_K)
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise doc.error(("privacy", "k"), "must be a whole number >= 1 (the floor no visitor can "
                                          "lower; exact values are for `atlas query --k 0`)")
    mode = data.get("mode", "suppress")
    if mode not in ("suppress", "coarsen"):
        raise doc.error(("privacy", "mode"), "must be 'suppress' or 'coarsen'")
    exact = data.get("exact_local", False)
    if not isinstance(exact, bool):
        raise doc.error(("privacy", "exact_local"), "must be true or false")
    return k, mode, exact


def _view(doc: Located, data: Any, k: int) -> DefaultView:
    if not isinstance(data, dict):
        raise doc.error(("default_view",), "must be a mapping (query, layer, basemap, lang)")
    doc.check_keys(("default_view",), data, VIEW_KEYS)
    params = data.get("query") or {}
    if isinstance(params, str):  # the share-link form: "res=9&hours=22-4"
        from urllib.parse import parse_qsl

        params = dict(parse_qsl(params.lstrip("?")))
    if not isinstance(params, dict):
        raise doc.error(("default_view", "query"), "must be a mapping such as {res: 9, hours: "
                                                   "22-4} or a share-link query string")
    doc.check_keys(("default_view", "query"), params, QUERY_KEYS)
    try:
        query = Query.from_params({key: str(v) for key, v in params.items()})
    except ValueError as exc:
        raise doc.error(("default_view", "query"), str(exc)) from None
    query = query.with_(k=max(query.k, k))
    choices = {"layer": VIEW_LAYERS, "basemap": BASEMAP_NAMES, "lang": LANGUAGES}
    values = {}
    for key, allowed in choices.items():
        value = data.get(key, getattr(DefaultView, key))
        if value not in allowed:
            raise doc.error(("default_view", key), f"{value!r} is not one of "
                                                   f"{', '.join(allowed)}")
        values[key] = value
    return DefaultView(query=query, **values)


def _study_area(doc: Located, data: Any, folder: Path) -> StudyArea:
    if data is None:
        return StudyArea()
    if not isinstance(data, dict):
        raise doc.error(("study_area",), "must be a mapping with bbox and/or polygon")
    doc.check_keys(("study_area",), data, ("bbox", "polygon"))
    bbox = data.get("bbox")
    if bbox is not None:
        ok = (isinstance(bbox, list) and len(bbox) == 4
              and all(isinstance(v, int | float) and not isinstance(v, bool) for v in bbox))
        if not ok or not (bbox[0] < bbox[2] and bbox[1] < bbox[3]):
            raise doc.error(("study_area", "bbox"), "must be [min_lon, min_lat, max_lon, "
                                                    "max_lat] with min < max")
        if not (-180 <= bbox[0] <= 180 and -90 <= bbox[1] <= 90 and -180 <= bbox[2] <= 180
                and -90 <= bbox[3] <= 90):
            raise doc.error(("study_area", "bbox"), "must be in degrees (lon -180..180, "
                                                    "lat -90..90)")
        bbox = tuple(float(v) for v in bbox)
    polygon = data.get("polygon")
    if polygon is not None:
        polygon = folder / _text(doc, ("study_area", "polygon"), polygon)
        if not polygon.is_file():
            raise doc.error(("study_area", "polygon"), f"no such file: {polygon}")
    return StudyArea(bbox=bbox, polygon=polygon)


def _sources(doc: Located, data: Any, folder: Path) -> tuple[SourceSpec, ...]:
    if not isinstance(data, dict):
        raise doc.error(("sources",), "must map tables (incidents, perceptions, venues) to lists "
                                      "of files")
    doc.check_keys(("sources",), data, TABLES)
    if not data.get("incidents"):
        raise doc.error(("sources",), "needs at least one incidents source")
    specs = []
    for table in TABLES:
        entries = data.get(table) or []
        if not isinstance(entries, list):
            raise doc.error(("sources", table), "must be a list of sources (each with a path)")
        for i, entry in enumerate(entries):
            specs.append(_source(doc, table, i, entry, folder))
    return tuple(specs)


def _source(doc: Located, table: str, i: int, entry: Any, folder: Path) -> SourceSpec:
    where = ("sources", table, i)
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict):
        raise doc.error(where, "must be a path or a mapping with path, format/mapping, source, "
                               "notes")
    doc.check_keys(where, entry, SOURCE_KEYS)
    if "path" not in entry:
        raise doc.error(where, "missing 'path' (a file or glob, relative to the project)")
    pattern = _text(doc, (*where, "path"), entry["path"])
    fmt = entry.get("format")
    allowed = (*FORMATS, GENERIC)
    if fmt is not None and fmt not in allowed:
        raise doc.error((*where, "format"), f"unknown format {fmt!r}; one of {', '.join(allowed)}"
                                            " (leave it out to detect it from the header)")
    mapping, mapping_file = _mapping(doc, where, entry.get("mapping"), folder, table)
    if mapping is not None and fmt not in (None, GENERIC):
        raise doc.error((*where, "mapping"), f"a mapping applies to generic files, not to the "
                                             f"{fmt} format")
    source = entry.get("source")
    if source is not None:
        source = _text(doc, (*where, "source"), source).lower()
    published = entry.get("published", False)
    if not isinstance(published, bool):
        raise doc.error((*where, "published"), "must be true or false")
    if published and table != "incidents":
        raise doc.error((*where, "published"), "only incident sources can be marked published "
                                               "(survey answers are always protected)")
    precision = entry.get("location_precision")
    if precision is not None and (isinstance(precision, bool)
                                  or not isinstance(precision, int | float) or precision <= 0):
        raise doc.error((*where, "location_precision"), "must be a distance in metres > 0")
    notes = entry.get("notes") or {}
    if not isinstance(notes, dict):
        raise doc.error((*where, "notes"), "must be a mapping (provider, licence, period, url)")
    doc.check_keys((*where, "notes"), notes, NOTE_KEYS)
    return SourceSpec(
        table=table,
        pattern=pattern,
        format=fmt,
        mapping=mapping,
        mapping_file=mapping_file,
        source=source,
        published=published,
        location_precision=float(precision) if precision is not None else None,
        notes={str(k): str(v) for k, v in notes.items()},
        index=i,
    )


def _mapping(
    doc: Located, where: tuple, value: Any, folder: Path, table: str
) -> tuple[ColumnMapping | None, Path | None]:
    if value is None:
        return None, None
    from geo.io import load_mapping

    try:
        if isinstance(value, str):
            path = folder / value
            if not path.is_file():
                raise doc.error((*where, "mapping"), f"no such mapping file: {value}")
            mapping = load_mapping(path).checked(table)
            if _has_todo(asdict(mapping)):
                raise doc.error((*where, "mapping"), f"{value} still has TODO lines: fill them "
                                                     "in (the columns found are listed at its top)")
            return mapping, path
        if isinstance(value, dict):
            origin = f"{doc.file} ({'.'.join(map(str, where))}.mapping)"
            mapping = ColumnMapping.from_dict(value, origin=origin)
            return mapping.checked(table), None
    except MappingError as exc:
        raise doc.error((*where, "mapping"), str(exc)) from None
    raise doc.error((*where, "mapping"), "must be a mapping file name or an inline mapping")


def _has_todo(value: Any) -> bool:
    """True when a starter mapping still holds a ``TODO`` placeholder value."""
    if isinstance(value, dict):
        return any(_has_todo(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_todo(v) for v in value)
    return isinstance(value, str) and value.strip().upper() == "TODO"
