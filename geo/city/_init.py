"""``atlas init DIR FILE...``: a commented starter project from a team's own files.

Each file's table and format are detected from its header; a file of no known format gets a
proposed column mapping in ``DIR/mappings/`` listing the columns found, with what could not be
decided marked ``TODO`` (the project refuses to build until those are filled in). Paths are
written relative to the project, so the folder can move with its data. Only ``DIR`` is written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from geo.city._located import ProjectError
from geo.city._project import PROJECT_FILE, SCENES_DIR
from geo.columns import COLUMNS, DEFAULT_TIMEZONE, ID_COLUMN

ZONES = {"chicago": "America/Chicago", "sf": "America/Los_Angeles", "nypd": "America/New_York",
         "policeuk": "Europe/London"}
"""The time zone each known export implies."""
TODO = "TODO"

_GUESSES: dict[str, tuple[str, ...]] = {
    "lat": ("lat", "latitude", "y_wgs84"),
    "lon": ("lon", "lng", "long", "longitude", "x_wgs84"),
    "occurred_from": ("date", "datetime", "occurred", "occurred_at", "time", "timestamp",
                      "date_time", "reported_at", "created_at"),
    "answered_at": ("date", "datetime", "answered", "answered_at", "timestamp", "created_at"),
    "category": ("category", "type", "offence", "offense", "crime_type", "kind"),
    "incident_id": ("id", "incident_id", "report_id", "uuid"),
    "response_id": ("id", "response_id", "respondent", "uuid"),
    "venue_id": ("id", "osm_id", "@id", "venue_id"),
    "name": ("name",),
    "group": ("group", "gender", "age_group"),
    "weight": ("weight", "w", "wt"),
    "hour": ("hour",),
    "opening_hours": ("opening_hours", "hours"),
}


@dataclass(frozen=True)
class Detected:
    """What ``init`` found out about one file."""

    path: Path
    table: str | None
    format: str
    columns: tuple[str, ...]
    mapping: Path | None = None
    todo: int = 0


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9@]+", "_", name.strip().lower()).strip("_")


def _columns(path: Path) -> tuple[str, ...]:
    from geo.io._geo import geojson_features, load_json
    from geo.io._text import sniff_csv, sniff_kind

    kind = sniff_kind(path)
    if kind == "text":
        return tuple(sniff_csv(path).header)
    if kind == "json":
        names: dict[str, None] = {}
        for feature in geojson_features(path, load_json(path))[:200]:
            names.update(dict.fromkeys((feature.get("properties") or {}).keys()))
        return tuple(names)
    return ()


def _guess_table(path: Path, columns: tuple[str, ...]) -> str | None:
    keys = {_key(c) for c in columns}
    for table, id_col in ID_COLUMN.items():
        if id_col in keys:
            return table
    words = " ".join(keys) + " " + path.stem.lower()
    if any(w in words for w in ("safe", "feel", "survey", "answer", "pin", "insecurity")):
        return "perceptions"
    if any(w in words for w in ("venue", "bar", "pub", "club", "opening_hours")):
        return "venues"
    return "incidents" if columns else None


def detect(path: Path) -> Detected:
    """Table and format of one file (``table`` None when it cannot be told)."""
    from geo.io import FORMATS, GENERIC, detect_format

    fmt = detect_format(path)
    columns = _columns(path)
    table = FORMATS.get(fmt) if fmt != GENERIC else _guess_table(path, columns)
    return Detected(path, table, fmt, columns)


def propose_mapping(found: Detected) -> tuple[str, int]:
    """A commented mapping for a generic file, and how many TODOs it leaves."""
    table = found.table or "incidents"
    keys = {_key(c): c for c in found.columns}
    canonical = {c.lower() for c in found.columns}
    lines = [f"# Column mapping for {found.path.name} (see data/README.md, 'Column mappings').",
             f"# Columns found: {', '.join(found.columns) or '(none)'}",
             "# Lines marked TODO need you: the project will not build until they are filled.",
             f"table: {table}", "columns:"]
    todo = 0
    for column in COLUMNS[table]:
        if column == "hours_known" or (column == "insecurity" and column not in canonical):
            continue  # insecurity has its own block below
        hit = next((keys[g] for g in _GUESSES.get(column, (column,)) if g in keys), None)
        if column in canonical:
            hit = next(c for c in found.columns if c.lower() == column)
        if hit is not None:
            lines.append(f"  {column}: {hit!r}")
        elif column in ("lat", "lon"):
            lines.append(f"  {column}: {TODO}   # TODO: the {column} column (or use "
                         "coordinates: {x, y, crs})")
            todo += 1
        else:
            lines.append(f"  # {column}:        (optional; not found)")
    if table == "perceptions" and "insecurity" not in canonical:
        lines += ["insecurity:", f"  column: {TODO}   # TODO: the answer column",
                  "  scale: [1, 4]   # TODO: low and high answers, or the ordered labels",
                  "  direction: higher_is_unsafe   # or higher_is_safer"]
        todo += 1
    if table == "incidents":
        lines += ["# categories:   # your labels -> violence, theft, harassment, ...",
                  "#   Vol: theft", "source: app   # police, app, or your own label"]
    return "\n".join(lines) + "\n", todo


def init_project(folder: str | Path, files: list[str | Path], *, city: str | None = None
                 ) -> list[Detected]:
    """Write ``folder/atlas.yaml`` (plus mappings and a scenes file) for ``files``.

    Raises
    ------
    ProjectError
        ``folder`` already holds a project (never overwritten), or a file is missing.
    """
    folder = Path(folder)
    if (folder / PROJECT_FILE).exists():
        raise ProjectError(folder / PROJECT_FILE, None, "a project is already here; edit it "
                                                        "instead (init never overwrites)")
    paths = [Path(f) for f in files]
    for p in paths:
        if not p.is_file():
            raise ProjectError(p, None, "no such file")
    found = [detect(p) for p in paths]
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for item in found:
        if item.format == "generic" and not _canonical(item):
            text, todo = propose_mapping(item)
            mapping = folder / "mappings" / f"{item.path.stem}.yaml"
            mapping.parent.mkdir(exist_ok=True)
            if not mapping.exists():
                mapping.write_text(text, encoding="utf-8")
            item = Detected(item.path, item.table, item.format, item.columns, mapping, todo)
        results.append(item)
    zone = next((ZONES[d.format] for d in results if d.format in ZONES), None)
    name = city or folder.resolve().name.replace("-", " ").replace("_", " ").title()
    (folder / PROJECT_FILE).write_text(_project_text(folder, name, zone, results),
                                       encoding="utf-8")
    scenes = folder / SCENES_DIR / "scenes.yaml"
    scenes.parent.mkdir(exist_ok=True)
    if not scenes.exists():
        scenes.write_text(_scenes_text(name), encoding="utf-8")
    return results


def _canonical(item: Detected) -> bool:
    """A file whose columns already carry canonical names needs no mapping."""
    lower = {c.lower() for c in item.columns}
    return bool(item.table) and {"lat", "lon"} <= lower and (
        item.table != "perceptions" or "insecurity" in lower)


def _rel(path: Path, folder: Path) -> str:
    return os.path.relpath(path.resolve(), folder.resolve())


def _project_text(folder: Path, city: str, zone: str | None, found: list[Detected]) -> str:
    out = [
        "# Insecurity Atlas city project (README: 'Your city in five steps').",
        "# Build it with `atlas build DIR`, serve it with `atlas serve DIR`.",
        f"city: {city}",
        f"timezone: {zone or DEFAULT_TIMEZONE}"
        + ("" if zone else "   # TODO: check: the city's IANA time zone"),
        "day_boundary: 6          # a night belongs to the date it starts; before 06:00 is "
        "last night",
        "# study_area:            # rows outside are reported, never silently dropped",
        "#   bbox: [min_lon, min_lat, max_lon, max_lat]",
        "#   polygon: area.geojson",
        "privacy:",
        "  k: 5                   # floor: no shown count between 1 and k-1; visitors cannot "
        "lower it",
        "  mode: suppress         # or coarsen (merge small cells into their parents)",
        "default_view:",
        '  query: {res: 9}        # e.g. {res: 9, hours: "22-4", weekdays: "fri,sat"}',
        "  layer: recorded        # recorded, perceived, gap, bivariate, hotspots",
        "  basemap: light         # light, osm, none (offline rooms)",
        "  lang: en               # en, fr",
        "sources:",
    ]
    for table in ("incidents", "perceptions", "venues"):
        items = [d for d in found if d.table == table]
        if not items:
            out.append(f"  # {table}: []")
            continue
        out.append(f"  {table}:")
        for d in items:
            out.append(f"    - path: {_rel(d.path, folder)!r}")
            if d.format != "generic":
                out.append(f"      format: {d.format}        # detected from the header")
            if d.mapping is not None:
                todo = f"   # TODO: {d.todo} line(s) to fill in" if d.todo else ""
                out.append(f"      mapping: {_rel(d.mapping, folder)!r}{todo}")
            if table == "incidents":
                label = "police" if d.format != "generic" else "app"
                out.append(f"      source: {label}         # police, app, or your own label")
                if d.format in ("chicago", "policeuk"):
                    out.append("      published: true      # already public at point level")
            out.append("      notes: {provider: TODO, licence: TODO, period: TODO}")
    unknown = [d for d in found if d.table is None]
    for d in unknown:
        out.append(f"# TODO: could not tell which table {_rel(d.path, folder)} fills")
    return "\n".join(out) + "\n"


def _scenes_text(city: str) -> str:
    return f"""# Presentation scenes of {city}
# (open /voila/render/present.ipynb?scenes=scenes.yaml).
# Each scene: title, note, query (res, hours, weekdays, categories, sources, ...), layers,
# metric, centre [lat, lon], zoom. Without centre/zoom the map fits the data.
title: {city} — nights
scenes:
  - title: All recorded incidents
    note: Every recorded incident, all times.
    query: {{res: 8}}
    layers: [recorded, venues]
  - title: Friday and Saturday nights
    note: Recorded incidents per night, 22:00 to 04:00.
    query: {{res: 9, hours: "22-4", weekdays: "fri,sat"}}
    layers: [recorded, venues]
"""
