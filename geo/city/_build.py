"""``atlas build``: a city project's sources -> canonical tables, cubes and reports, atomically.

Make-style and content-keyed (DESIGN §1): each source file is read once per content hash of
(file bytes, how it is read, the settings that change what is valid) and kept in
``build/cache/``; a *generation* (``build/gen-*``: the cube, perceptions, venues, reports and
``build.json``) is written in a temporary folder and published by atomically replacing the
one-line pointer ``build/CURRENT``. A crash or Ctrl-C at any moment leaves the previous
generation named by ``CURRENT`` complete and readable. Nothing is written outside the build
folder, and the source files are only ever opened for reading.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from geo.city._digest import DigestMemo, file_digest
from geo.city._generations import (
    publish_generation,
    remove_leftovers,
    remove_unread,
    write_lease,
)
from geo.city._project import CityProject, SourceSpec
from geo.city._report import BuildReport, source_entry
from geo.columns import DEFAULT_RESOLUTION, INCIDENT_COLUMNS
from geo.cube import CUBE_FORMAT
from geo.schema import LoadOptions, ValidationReport

CURRENT = "CURRENT"
"""File in the build folder naming the generation in use (replaced atomically)."""
BUILD_INFO = "build.json"
DIGESTS = "digests.json"
"""In ``build/cache``: source files' content hashes by file identity (geo.city._digest)."""
CUBE_FILE = "incident-cube.parquet"
MAPPED_CUBE_FILE = "incident-cube.arrow"
"""The same cube uncompressed, for kernels to memory-map (``codes/`` beside it: the codes per
resolution, dated rows in night order since format 5, undated rows in hour order since format
7, and, since format 6, the grids' outlines and areas, ``geo.geometry``)."""
FORMAT_VERSION = 7
"""Bumped when a build's layout changes; older builds are then rebuilt, not misread."""

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ReadSource:
    """One file of one source entry, read and validated (possibly from the cache)."""

    spec: SourceSpec
    path: Path
    key: str
    frame: pd.DataFrame
    report: ValidationReport
    format: str
    cached: bool


def _json_key(value: Any) -> str:
    return hashlib.blake2b(json.dumps(value, sort_keys=True, default=str).encode(),
                           digest_size=16).hexdigest()


def _mapping_state(spec: SourceSpec) -> Any:
    return None if spec.mapping is None else {
        k: v for k, v in asdict(spec.mapping).items() if k != "origin"}


def _settings(project: CityProject) -> dict[str, Any]:
    """What changes how a file is validated: part of every source key."""
    area = project.study_area
    return {
        "timezone": project.timezone,
        "bbox": area.bbox,
        "polygon": file_digest(area.polygon) if area.polygon else None,
        "format_version": FORMAT_VERSION,
    }


SALT_FILE = "key-salt"
"""The project's secret salt of the record keys (cell-key noise), in the build folder: drawn
once, kept across builds so published values stay the same, readable only by its owner."""


def key_salt(project: CityProject) -> str | None:
    """The salt the project's cubes are built with; the public default for synthetic data."""
    if project.synthetic:
        return None
    path = project.build_root / SALT_FILE
    if not path.is_file():
        from geo.privacy import new_key_salt

        project.build_root.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{SALT_FILE}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(new_key_salt() + "\n")
        os.replace(tmp, path)
    return path.read_text().strip()


def load_options(project: CityProject, spec: SourceSpec) -> LoadOptions:
    """The LoadOptions a source file is read with (time zone, study area, source label)."""
    area = None
    if project.study_area.polygon is not None:
        area = _read_polygon(project.study_area.polygon)
    return LoadOptions(timezone=project.timezone, bbox=project.study_area.bbox,
                       area=area, source=spec.source,
                       location_precision_m=spec.location_precision)


def _read_polygon(path: Path):
    import geopandas as gpd

    frame = gpd.read_file(path)
    if frame.crs is not None and not frame.crs.equals("EPSG:4326"):
        frame = frame.to_crs("EPSG:4326")
    area = frame.geometry.union_all()
    import shapely

    shapely.prepare(area)
    return area


def source_key(spec: SourceSpec, path: Path, settings: dict[str, Any], memo: DigestMemo) -> str:
    """What a file's canonical table depends on: its bytes, how it is read, the project."""
    return _json_key({"file": memo.digest(path), "table": spec.table, "format": spec.format,
                      "mapping": _mapping_state(spec), "source": spec.source,
                      "precision": spec.location_precision, **settings})


def read_source(project: CityProject, spec: SourceSpec, path: Path, cache: Path,
                key: str) -> ReadSource:
    """Read one file of a source entry, from the cache when its key is there."""
    from geo.io import read_table

    entry = cache / key
    if (entry / "done").is_file():
        meta = json.loads((entry / "report.json").read_text())
        dropped = entry / "dropped.csv"
        report = ValidationReport.from_dict(
            {**meta["report"], "path": str(path)},
            pd.read_csv(dropped, dtype=str) if dropped.is_file() else None)
        return ReadSource(spec, path, key, pd.read_parquet(entry / "table.parquet"), report,
                          meta["format"], True)
    result = read_table(path, spec.table, format=spec.format, mapping=spec.mapping,
                        options=load_options(project, spec))
    frame = result.frame
    if spec.table == "incidents" and spec.source is not None:
        frame = frame.assign(source=spec.source)
    with _staging(cache) as tmp:
        frame.to_parquet(tmp / "table.parquet", index=False)
        if result.report.rows_dropped:
            result.report.dropped_rows.to_csv(tmp / "dropped.csv", index=False)
        (tmp / "report.json").write_text(json.dumps(
            {"report": result.report.to_dict(), "format": result.format}, default=str))
        (tmp / "done").write_text("")
        _publish_dir(tmp, entry)
    return ReadSource(spec, path, key, frame, result.report, result.format, False)


@contextlib.contextmanager
def _staging(parent: Path) -> Iterator[Path]:
    """A temporary folder beside its final place (same file system: rename is atomic)."""
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=parent))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _publish_dir(tmp: Path, final: Path) -> None:
    if final.exists():  # another build wrote the same content meanwhile
        return
    _fsync_tree(tmp)
    os.rename(tmp, final)


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            with open(path, "rb") as f:
                os.fsync(f.fileno())


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """One build of a project at a time (a second one waits)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def current_generation(root: Path) -> Path | None:
    """The generation folder ``CURRENT`` names, or None before the first complete build."""
    try:
        name = (root / CURRENT).read_text().strip()
    except OSError:
        return None
    folder = root / name
    return folder if name and (folder / BUILD_INFO).is_file() else None


def build_project(project: CityProject, *, progress: Progress | None = None,
                  force: bool = False) -> BuildReport:
    """Build (or bring up to date) a project's generation; see the module docstring.

    Returns
    -------
    BuildReport
        Per source file: rows in / kept / merged / dropped by reason, precision, whether it
        came from the cache; totals per table; the generation written (or kept).
    """
    say = progress or (lambda _msg: None)
    root = project.build_root
    start = time.perf_counter()
    with _build_lock(root):
        remove_leftovers(root)
        settings = _settings(project)
        cache = root / "cache"
        memo = DigestMemo(cache / DIGESTS)
        jobs = [(spec, path) for spec in project.sources for path in project.files(spec)]
        keys = [source_key(spec, path, settings, memo) for spec, path in jobs]
        memo.save()
        from geo.privacy import salt_fingerprint

        salt = key_salt(project)
        key = _json_key({"sources": keys, "day_boundary": project.day_boundary,
                         "resolution": DEFAULT_RESOLUTION, "salt": salt_fingerprint(salt),
                         "cube_format": CUBE_FORMAT,
                         **settings})
        current = current_generation(root)
        if not force and current is not None and _generation_key(current) == key:
            info = json.loads((current / BUILD_INFO).read_text())
            say("up to date: nothing changed since the last build")
            return BuildReport.from_info(info, current, rebuilt=False,
                                         seconds=time.perf_counter() - start)
        reads: list[ReadSource] = []
        for i, ((spec, path), source) in enumerate(zip(jobs, keys, strict=True), 1):
            t0 = time.perf_counter()
            read = read_source(project, spec, path, cache, source)
            reads.append(read)
            how = "cached" if read.cached else f"{time.perf_counter() - t0:.1f} s"
            say(f"[{i}/{len(jobs)}] {spec.table}: {path.name} — {read.report.rows_out:,} of "
                f"{read.report.rows_in:,} rows kept ({how})")
        say("building cubes ...")
        generation = _write_generation(project, reads, key, root, salt)
        publish_generation(root / CURRENT, generation)
        in_use = _remove_old(root, generation, cache, {r.key for r in reads})
        info = json.loads((generation / BUILD_INFO).read_text())
        seconds = time.perf_counter() - start
        say(f"built {generation.name} in {seconds:.1f} s")
        if in_use:  # open dashboards read them: the next build removes what they have let go
            say(f"kept {len(in_use)} older build(s) still open in a dashboard: "
                + ", ".join(p.name for p in in_use))
        return BuildReport.from_info(info, generation, rebuilt=True, seconds=seconds)


def _generation_key(folder: Path) -> str | None:
    try:
        return json.loads((folder / BUILD_INFO).read_text()).get("key")
    except (OSError, ValueError):
        return None


def _combined(reads: list[ReadSource], table: str) -> pd.DataFrame | None:
    frames = [r.frame for r in reads if r.spec.table == table]
    if not frames:
        return None
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _write_generation(project: CityProject, reads: list[ReadSource], key: str,
                      root: Path, salt: str | None) -> Path:
    from geo.cube import build_incident_cube, save_cube
    from geo.cube._mapped import CODES_DIR, write_arrow_table, write_mapped_codes
    from geo.geometry import write_geometry

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    name = f"gen-{stamp}-{key[:8]}"
    with _staging(root) as tmp:
        write_lease(tmp)  # readers lock it: a build removes no generation a kernel reads
        incidents = _combined(reads, "incidents")
        cube = build_incident_cube(incidents, day_boundary=project.day_boundary,
                                   key_salt=salt)
        save_cube(cube, tmp / CUBE_FILE)
        # What kernels read: the cube and its codes per resolution, uncompressed and mapped.
        save_cube(cube, tmp / MAPPED_CUBE_FILE)
        write_mapped_codes(cube, tmp / CODES_DIR)
        tables = {table: _combined(reads, table) for table in ("perceptions", "venues")}
        for table, frame in tables.items():
            if frame is not None:
                frame.to_parquet(tmp / f"{table}.parquet", index=False)
                write_arrow_table(frame, tmp / f"{table}.arrow")
        write_geometry(tmp / CODES_DIR, _grids(cube, tables, project.day_boundary, salt))
        (tmp / "dropped").mkdir()
        sources = []
        for i, read in enumerate(reads):
            entry = source_entry(read.spec, read.path, read.format, read.report, read.cached)
            if read.report.rows_dropped:
                name_csv = f"{i:02d}-{read.path.stem}-dropped.csv"
                read.report.dropped_rows.to_csv(tmp / "dropped" / name_csv, index=False)
                entry["dropped_rows_file"] = f"dropped/{name_csv}"
            sources.append(entry)
        info = {
            "format_version": FORMAT_VERSION,
            "key": key,
            "generation": name,
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "project": str(project.file),
            "metadata": _metadata(project, incidents, cube),
            "sources": sources,
            "published_sources": sorted(project.published_sources),
            "source_precision": _source_precision(project, reads),
            "cube_rows": len(cube.table),
        }
        (tmp / BUILD_INFO).write_text(json.dumps(info, indent=1, default=str) + "\n")
        report = BuildReport.from_info(info, root / name, rebuilt=True, seconds=0.0)
        (tmp / "report.json").write_text(json.dumps(report.to_dict(), indent=1) + "\n")
        (tmp / "report.html").write_text(report.to_html(), encoding="utf-8")
        _fsync_tree(tmp)
        os.rename(tmp, root / name)
    return root / name


def _grids(cube, tables: dict[str, pd.DataFrame | None], day_boundary: int,
           salt: str | None) -> dict[int, Any]:
    """The cells the dashboards draw at each mapped resolution: the grids of the Atlas a kernel
    opens (incidents, answers and venues), whose outlines and areas the build writes."""
    from geo.cube._mapped import MAPPED_RESOLUTIONS
    from geo.metrics import Atlas

    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in INCIDENT_COLUMNS})
    atlas = Atlas(empty, tables["perceptions"], tables["venues"], incident_cube=cube,
                  day_boundary=day_boundary, key_salt=salt)
    return {res: atlas.grid_cells(res) for res in MAPPED_RESOLUTIONS if res <= cube.resolution}


def _metadata(project: CityProject, incidents: pd.DataFrame, cube) -> dict[str, Any]:
    """What captions and the map need: city, zone, synthetic flag, centre, extent, notes."""
    lat, lon = incidents["lat"], incidents["lon"]
    meta: dict[str, Any] = {
        "city": project.city,
        "timezone": project.timezone,
        "synthetic": project.synthetic,
        "rows": len(incidents),
    }
    if len(incidents):
        meta["centre"] = [float(lat.median()), float(lon.median())]
        # The extent the map fits on open: 1st-99th percentiles, so a stray point far away
        # does not zoom the whole city out.
        meta["bbox"] = [float(lon.quantile(0.005)), float(lat.quantile(0.005)),
                        float(lon.quantile(0.995)), float(lat.quantile(0.995))]
    notes = [dict(s.notes, table=s.table, source=s.source or "") for s in project.sources
             if s.notes]
    if notes:
        meta["notes"] = notes
    return meta


def _source_precision(project: CityProject, reads: list[ReadSource]) -> dict[str, float]:
    """Coarsest location precision (metres) per incident source label, where one is known."""
    out: dict[str, float] = {}
    for read in reads:
        if read.spec.table != "incidents":
            continue
        metres = read.report.location_precision_m  # the stated one, or a coarser grid's
        if not metres:
            continue
        labels = read.frame["source"].dropna().unique() if len(read.frame) else []
        for label in labels:
            out[str(label)] = max(out.get(str(label), 0.0), float(metres))
    return out


def _remove_old(root: Path, keep: Path, cache: Path, keys: set[str]) -> list[Path]:
    """Older generations no process reads (geo.city._generations), and cache entries no source
    uses any more; returns the generations kept for their readers."""
    in_use = remove_unread(root, keep)
    if cache.is_dir():
        for entry in cache.iterdir():
            if entry.is_dir() and entry.name not in keys and not entry.name.startswith("."):
                shutil.rmtree(entry, ignore_errors=True)
    return in_use
