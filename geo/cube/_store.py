"""Cubes on disk: Parquet with the metadata in the schema, keyed by a hash of inputs and settings.

A dashboard kernel starts by asking :func:`cached_cube` for its cube: the first kernel builds and
writes ``<cache_dir>/<kind>-<key>.parquet``, every later one reads it (DESIGN §4). The key hashes
the input table's content and the build settings (defaults included, so spelling a default out
does not rebuild), and :data:`CUBE_FORMAT`, bumped whenever a cube's meaning changes.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from geo._arrow import map_ipc, write_ipc
from geo.cube._incidents import IncidentCube
from geo.cube._perceptions import PerceptionCube
from geo.errors import FileFormatError

CUBE_FORMAT = 3
"""Version of the stored cube; part of every key, so a new version never reads an old file.
2: both cubes carry ``key``, the sum of the cell-key method's record keys.
3: the incident cube carries ``night`` (the night's date) and the perception cube ``answered``."""

CubeKind = Literal["incidents", "perceptions"]
Cube = IncidentCube | PerceptionCube

_META_KEY = b"insecurity_atlas.cube"
_KINDS: dict[str, type[IncidentCube] | type[PerceptionCube]] = {
    "incidents": IncidentCube,
    "perceptions": PerceptionCube,
}


def save_cube(cube: Cube, path: str | os.PathLike[str]) -> Path:
    """Write a cube as one Parquet file; metadata and category orders go in the schema metadata.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    meta = cube.metadata()
    meta["format"] = CUBE_FORMAT
    meta["categories"] = {
        col: [str(c) for c in cube.table[col].cat.categories]
        for col in cube.KEY_COLUMNS
        if isinstance(cube.table[col].dtype, pd.CategoricalDtype)
    }
    table = pa.Table.from_pandas(cube.table, preserve_index=False)
    schema_meta = {**(table.schema.metadata or {}), _META_KEY: json.dumps(meta).encode()}
    table = table.replace_schema_metadata(schema_meta)
    if path.suffix == ".arrow":  # uncompressed Arrow IPC: kernels memory-map it (load_cube)
        write_ipc(table, path)
    else:
        import pyarrow.parquet as pq  # the mapped .arrow path of a kernel never needs it

        pq.write_table(table, path, compression="zstd")
    return path


def load_cube(path: str | os.PathLike[str]) -> Cube:
    """Read a cube written by :func:`save_cube`.

    An ``.arrow`` file is memory-mapped and its numeric columns wrapped without a copy, so the
    kernels of one server share its pages; Parquet is read and decoded into this process.

    Raises
    ------
    geo.errors.FileFormatError
        If the file is Parquet but not a cube, or a cube of another format version.
    """
    if Path(path).suffix == ".arrow":
        table = map_ipc(path)
    else:
        import pyarrow.parquet as pq

        table = pq.read_table(path)
    raw = (table.schema.metadata or {}).get(_META_KEY)
    if raw is None:
        raise FileFormatError(str(path), "not an Insecurity Atlas cube (no cube metadata)")
    meta = json.loads(raw)
    if meta.get("format") != CUBE_FORMAT or meta.get("kind") not in _KINDS:
        raise FileFormatError(
            str(path),
            f"cube format {meta.get('format')} / kind {meta.get('kind')!r}; "
            f"expected format {CUBE_FORMAT} and a kind in {sorted(_KINDS)}",
        )
    frame = table.to_pandas(split_blocks=True)  # one block per column: zero-copy where it can
    for col, categories in meta["categories"].items():
        values = frame[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            frame[col] = values.cat.set_categories(categories)
        else:
            frame[col] = pd.Categorical(values, categories=categories)
    return _KINDS[meta["kind"]].from_metadata(frame, meta)


def cube_key(frame: pd.DataFrame, settings: Mapping[str, Any]) -> str:
    """A stable hex key of a table's content (columns, dtypes, values) and of settings.

    Examples
    --------
    >>> f = pd.DataFrame({"a": [1, 2]})
    >>> cube_key(f, {"r": 10}) == cube_key(f.copy(), {"r": 10}) != cube_key(f, {"r": 9})
    True
    """
    digest = hashlib.blake2b(digest_size=16)
    header = {
        "format": CUBE_FORMAT,
        "columns": [str(c) for c in frame.columns],
        "dtypes": [str(d) for d in frame.dtypes],
        "rows": len(frame),
        "settings": dict(settings),
    }
    digest.update(json.dumps(header, sort_keys=True, default=str).encode())
    if len(frame.columns):
        rows = pd.util.hash_pandas_object(frame, index=False)
        digest.update(rows.to_numpy().tobytes())
    return digest.hexdigest()


def _kind_of(frame: pd.DataFrame) -> CubeKind:
    if "incident_id" in frame.columns:
        return "incidents"
    if "response_id" in frame.columns:
        return "perceptions"
    raise ValueError("cannot tell the cube kind from the columns; pass kind=")


def _full_settings(build_fn: Callable[..., Cube], settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings with the builder's keyword defaults filled in, so defaults key like explicit."""
    full: dict[str, Any] = {}
    try:
        params = inspect.signature(build_fn).parameters.values()
    except (TypeError, ValueError):  # builtins or C callables without a signature
        params = []
    for p in params:
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not inspect.Parameter.empty:
            full[p.name] = p.default
    return {**full, **settings}


def cached_cube(
    frame: pd.DataFrame,
    build_fn: Callable[..., Cube],
    cache_dir: str | os.PathLike[str],
    settings: Mapping[str, Any] | None = None,
    *,
    kind: CubeKind | None = None,
) -> Cube:
    """The cube of ``frame``: read from the cache if built before with these settings, else built.

    Parameters
    ----------
    frame
        The canonical input table.
    build_fn
        ``build_incident_cube`` or ``build_perception_cube`` (called as
        ``build_fn(frame, **settings)``).
    cache_dir
        Folder of cached cubes (created when needed).
    settings
        Keyword settings of ``build_fn``.
    kind
        ``incidents`` or ``perceptions``; default: from the id column of ``frame``.

    Returns
    -------
    The cube. The file is written atomically (temporary file, then rename), so two kernels
    building at once never read a half-written cube.
    """
    kind = kind or _kind_of(frame)
    settings = dict(settings or {})
    key_settings = {
        "kind": kind,
        "build": f"{build_fn.__module__}.{build_fn.__qualname__}",
        **_full_settings(build_fn, settings),
    }
    path = Path(cache_dir) / f"{kind}-{cube_key(frame, key_settings)}.parquet"
    if path.exists():
        try:
            cube = load_cube(path)
        except (OSError, ValueError, pa.ArrowException, FileFormatError, KeyError):
            cube = None  # a damaged cache file is rebuilt, not fatal
        if cube is not None and cube.KIND == kind:
            return cube
    cube = build_fn(frame, **settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    save_cube(cube, tmp)
    os.replace(tmp, path)
    return cube
