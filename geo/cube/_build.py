"""``build_cube``: one incident cube from many files, with pandas or Dask, saved as a cube folder.

The facade behind ``atlas build-cube`` (DESIGN §8). Both engines read the same files
(:func:`~geo.cube.find_inputs`) and count them with the same
:func:`~geo.cube.build_incident_cube`; pandas reads everything into one frame (small data, and
the reference the Dask result is tested against), Dask counts partition by partition on a
cluster (:mod:`geo.cube._dask`). The result is a *cube folder*: the cube as Parquet
(:func:`~geo.cube.save_cube`) and ``build.json`` saying what went in, how and when — which the
dashboard and ``atlas query --cube`` read exactly as they read a locally built cube.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import pandas as pd

from geo.columns import DEFAULT_DAY_BOUNDARY_HOUR, DEFAULT_RESOLUTION
from geo.cube._dask import (
    DEFAULT_BLOCKSIZE,
    DEFAULT_WORKER_MEMORY,
    build_incident_cube_dask,
    dask_client,
)
from geo.cube._incidents import IncidentCube, build_incident_cube
from geo.cube._inputs import CubeInputs, check_columns, find_inputs, read_partition
from geo.cube._store import load_cube, save_cube
from geo.errors import FileFormatError
from geo.index import MAX_RESOLUTION
from geo.timewin import DEFAULT_SPAN_CAP_HOURS, check_day_boundary

if TYPE_CHECKING:
    from distributed import Client

    from geo.schema import LoadOptions

Engine = Literal["pandas", "dask"]
ENGINES: tuple[str, ...] = get_args(Engine)

CUBE_FILE = "incident-cube.parquet"
"""The cube inside a cube folder (not ``incidents.parquet``, which names raw rows)."""

BUILD_FILE = "build.json"
"""What went into a cube folder's cube, how and when."""

_VERSIONED = ("insecurity-atlas", "dask", "distributed", "pandas", "pyarrow", "h3ronpy", "numpy")


@dataclass(frozen=True, eq=False)
class CubeBuild:
    """A built incident cube and the JSON-ready account of its build.

    ``info`` holds ``engine``, ``inputs`` (as given), ``files``, ``format``, ``partitions``,
    ``rows``, ``cube_rows``, ``seconds``, ``finished`` (UTC ISO time), ``where`` (the cluster),
    ``settings``, ``versions``, ``metadata`` (found beside the data, e.g. ``synthetic``) and,
    when the files were validated, ``validation``.
    """

    cube: IncidentCube
    info: dict[str, Any]


def _versions() -> dict[str, str]:
    found = {}
    for name in _VERSIONED:
        try:
            found[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            continue
    return found


def summarise_reports(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Totals of per-file ValidationReport dicts (``to_dict()``), with the files kept.

    Examples
    --------
    >>> summarise_reports([{"rows_in": 3, "rows_out": 2, "rows_merged": 0, "rows_dropped": 1,
    ...                     "dropped": {"missing_coordinates": 1}}])["dropped"]
    {'missing_coordinates': 1}
    """
    totals: dict[str, Any] = {
        key: sum(int(r.get(key, 0)) for r in reports)
        for key in ("rows_in", "rows_out", "rows_merged", "rows_dropped")
    }
    dropped: dict[str, int] = {}
    for report in reports:
        for reason, n in report.get("dropped", {}).items():
            dropped[reason] = dropped.get(reason, 0) + int(n)
    return {**totals, "dropped": dict(sorted(dropped.items())), "files": list(reports)}


def _pandas_cube(
    inputs: CubeInputs, settings: dict[str, Any], validate: bool, options: LoadOptions,
    progress: Callable[[str], None] | None,
) -> tuple[IncidentCube, list[dict[str, Any]], int]:
    """Every file into one frame, then one cube: memory grows with the total rows."""
    from geo.io import read_table

    frames, reports = [], []
    for i, path in enumerate(inputs.paths, 1):
        if validate:
            loaded = read_table(path, "incidents", options=options)
            frames.append(loaded.frame)
            reports.append(loaded.report.to_dict())
        else:
            frames.append(read_partition(path, inputs.kind))
        if progress is not None:
            progress(f"file {i}/{len(inputs.paths)} read: {len(frames[-1]):,} rows")
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    del frames
    return build_incident_cube(frame, **settings), reports, len(inputs.paths)


def build_cube(
    inputs: Sequence[str | Path] | str | Path | CubeInputs,
    *,
    engine: Engine = "dask",
    scheduler: str | None = None,
    client: Client | None = None,
    workers: int | None = None,
    worker_memory: str | int = DEFAULT_WORKER_MEMORY,
    validate: bool = False,
    options: LoadOptions | None = None,
    resolution: int = DEFAULT_RESOLUTION,
    day_boundary: int = DEFAULT_DAY_BOUNDARY_HOUR,
    span_cap_hours: float = DEFAULT_SPAN_CAP_HOURS,
    key_salt: str | bytes | None = None,
    blocksize: str | int = DEFAULT_BLOCKSIZE,
    progress: Callable[[str], None] | None = None,
) -> CubeBuild:
    """Build the incident cube of many files with pandas or Dask.

    Parameters
    ----------
    inputs
        Files, folders, glob patterns or URLs of canonical incidents (see
        :func:`~geo.cube.find_inputs`), or what it returned.
    engine
        ``dask`` (partition by partition on a cluster; memory flat in the total) or ``pandas``
        (one frame in this process; for small data and as the reference).
    scheduler
        Dask only: address of an existing scheduler; default a LocalCluster on 127.0.0.1 with
        one single-threaded worker per core, closed when done.
    client
        Dask only: an already connected ``distributed.Client`` to use (and leave open).
    workers, worker_memory
        Dask LocalCluster only: worker count and memory limit per worker.
    validate
        Read each file through :func:`geo.io.read_table` (public export formats, mappings,
        validation; reports summed into ``info["validation"]``) instead of as canonical files.
    options
        Reading options when validating (time zone, source label, ...).
    resolution, day_boundary, span_cap_hours, key_salt
        Settings of :func:`~geo.cube.build_incident_cube` (the salt of the record keys is
        kept only as its fingerprint, in ``settings``).
    blocksize
        Dask only: CSV bytes per partition.
    progress
        Called with one line per file read (pandas) or partition counted (Dask).

    Returns
    -------
    CubeBuild

    Raises
    ------
    ValueError
        For an unknown engine, Dask-only options given to pandas, or data outside the contract.
    FileNotFoundError, geo.errors.FileFormatError
        For a missing input or a file without the canonical columns.
    OSError
        If the named scheduler cannot be reached.
    """
    from geo.schema import LoadOptions

    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if engine == "pandas" and (scheduler is not None or client is not None):
        raise ValueError("a scheduler or client is for the dask engine, not pandas")
    # Settings are checked before any file is read or any worker started.
    check_day_boundary(day_boundary)
    if isinstance(resolution, bool) or not 0 <= int(resolution) <= MAX_RESOLUTION:
        raise ValueError(f"resolution must be in 0..{MAX_RESOLUTION}, got {resolution}")
    if not span_cap_hours > 0:
        raise ValueError(f"span_cap_hours must be > 0, got {span_cap_hours}")
    if engine == "dask" and isinstance(worker_memory, str):
        from dask.utils import parse_bytes

        try:
            parse_bytes(worker_memory)
        except ValueError as exc:
            raise ValueError(f"worker memory {worker_memory!r}: {exc}") from None
    found = inputs if isinstance(inputs, CubeInputs) else find_inputs(inputs)
    if not validate:
        check_columns(found)
    settings = {"resolution": resolution, "day_boundary": day_boundary,
                "span_cap_hours": span_cap_hours, "key_salt": key_salt}
    options = options or LoadOptions()
    start = time.perf_counter()
    if engine == "pandas":
        cube, reports, partitions = _pandas_cube(found, settings, validate, options, progress)
        where = f"pandas in process {os.getpid()}"
    else:
        kwargs = {"settings": settings, "validate": validate, "options": options,
                  "blocksize": blocksize, "progress": progress}
        if client is not None:
            cube, reports, partitions = build_incident_cube_dask(found, client, **kwargs)
            where = f"client of {client.scheduler.address}"
        else:
            with dask_client(scheduler, workers=workers, worker_memory=worker_memory) as (
                connected,
                where,
            ):
                cube, reports, partitions = build_incident_cube_dask(found, connected, **kwargs)
    info: dict[str, Any] = {
        "kind": cube.KIND,
        "engine": engine,
        "inputs": list(found.given),
        "files": len(found.paths),
        "format": found.kind,
        "partitions": partitions,
        "rows": cube.rows,
        "cube_rows": len(cube.table),
        "seconds": round(time.perf_counter() - start, 3),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "where": where,
        "settings": dict(cube.settings),
        "versions": _versions(),
        "metadata": dict(found.metadata),
    }
    if validate:
        info["validation"] = summarise_reports(reports)
    return CubeBuild(cube=cube, info=info)


def write_cube_dir(build: CubeBuild, out_dir: str | os.PathLike[str]) -> Path:
    """Write a cube folder: :data:`CUBE_FILE` then :data:`BUILD_FILE`, each atomically.

    ``build.json`` is written last, so its presence marks a complete folder.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / BUILD_FILE).unlink(missing_ok=True)
    tmp = out / f".{CUBE_FILE}.{os.getpid()}.tmp"
    save_cube(build.cube, tmp)
    os.replace(tmp, out / CUBE_FILE)
    tmp = out / f".{BUILD_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(build.info, indent=2, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, out / BUILD_FILE)
    return out


def read_cube_dir(path: str | os.PathLike[str]) -> CubeBuild:
    """Read a cube folder written by :func:`write_cube_dir` (or a bare incident-cube file).

    Raises
    ------
    FileNotFoundError
        If there is no cube file.
    geo.errors.FileFormatError
        If the file is not an incident cube.
    """
    path = Path(path)
    cube_file = path / CUBE_FILE if path.is_dir() else path
    if not cube_file.is_file():
        raise FileNotFoundError(f"{path}: no {CUBE_FILE} (build one with `atlas build-cube`)")
    cube = load_cube(cube_file)
    if not isinstance(cube, IncidentCube):
        raise FileFormatError(str(cube_file), f"a {cube.KIND} cube, not an incident cube")
    info: dict[str, Any] = {}
    build_file = cube_file.parent / BUILD_FILE
    if build_file.is_file():
        try:
            info = json.loads(build_file.read_text(encoding="utf-8"))
        except ValueError:
            raise FileFormatError(str(build_file), "not readable JSON") from None
    return CubeBuild(cube=cube, info=info)
