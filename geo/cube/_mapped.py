"""Memory-mapped cube codes: every kernel on a server shares one copy of a built city's arrays.

A dashboard kernel used to read the zstd Parquet cube, decode it, roll it up to the view's
resolution and factorise it: ~100 MB private memory per kernel for a 1M-incident city, times
the number of visitors. The build now also writes, per resolution, the arrays
:class:`~geo.cube.CubeCodes` holds, as uncompressed Arrow IPC files; a kernel memory-maps them
(``pyarrow.memory_map``) and wraps the mapped buffers as read-only NumPy arrays without a copy,
so the pages are the operating system's page cache, shared by every kernel that opens the same
build (``Shared_Clean`` in ``/proc/PID/smaps_rollup``), and nothing is decoded at start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from geo._arrow import map_ipc, write_ipc
from geo.cube._codes import CubeCodes

if TYPE_CHECKING:
    from geo.cube._incidents import IncidentCube

CODES_DIR = "codes"
"""Folder of a build generation holding, per resolution, ``r<res>.arrow`` (rows with the night
date), ``r<res>-undated.arrow`` (the date summed out, what views without a date range read) and
``cells-r<res>.arrow``. Dated rows are stored in night order (a date range is one slice),
undated rows in hour order (an hour window is a few runs)."""
LAYOUT = 3
"""Row layout of the files: 3 = dated rows in night order, undated rows in hour order
(:data:`~geo.cube._codes.HOUR_MAJOR`). Files of another layout (an older build: undated rows
in cube order; before layout 2, dated rows too) are not read: the codes are then made from the
cube, as :meth:`CubeCodes.select` relies on the order."""
MAPPED_RESOLUTIONS: tuple[int, ...] = (7, 8, 9, 10)
"""The resolutions dashboards offer, each written once at build time."""
_META_KEY = b"insecurity_atlas.codes"
_ROW_COLUMNS = {"cell": np.int32, "how": np.uint8, "category": np.int8, "source": np.int8,
                "night": np.int32, "count": np.float64, "key": np.float64, "slot": np.int32}
"""Every per-row array of :class:`~geo.cube.CubeCodes`: with the night's date, the key sums of the
cell-key noise and the (cell, source) slot the published counts are summed by."""


def _write(path: Path, columns: dict[str, np.ndarray], meta: dict) -> None:
    table = pa.table({name: pa.array(values) for name, values in columns.items()})
    write_ipc(table.replace_schema_metadata({_META_KEY: json.dumps(meta).encode()}), path)


def write_arrow_table(frame: pd.DataFrame, path: Path) -> Path:
    """A small table (answers, venues) as uncompressed Arrow IPC beside its Parquet copy: a
    kernel reads it without the Parquet decoder and its dataset layer (~19 MB less resident
    memory per kernel on the city-sized sample; :func:`read_arrow_table`)."""
    return write_ipc(pa.Table.from_pandas(frame, preserve_index=False), path)


def read_arrow_table(path: str | Path) -> pd.DataFrame:
    """The frame :func:`write_arrow_table` wrote, equal to ``pd.read_parquet`` of its twin."""
    return map_ipc(path).to_pandas()


def write_mapped_codes(cube: IncidentCube, folder: str | Path,
                       resolutions: tuple[int, ...] = MAPPED_RESOLUTIONS) -> Path:
    """Write the cube's codes at each resolution (not finer than the cube's) into ``folder``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    for res in resolutions:
        if res > cube.resolution:
            continue
        for dated in (True, False):
            codes = cube.codes(res, dated=dated)
            meta = {"resolution": res, "categories": list(codes.categories),
                    "sources": list(codes.sources), "dated": dated, "layout": LAYOUT}
            columns = {name: getattr(codes, name) for name in _ROW_COLUMNS}
            _write(out / _rows_name(res, dated), columns, meta)
        # both share the cells: the date is summed out within each cell
        _write(out / f"cells-r{res}.arrow", {"cells": codes.cells}, meta)
    return out


def _mapped(path: Path) -> tuple[pa.Table, dict]:
    table = map_ipc(path)
    return table, json.loads((table.schema.metadata or {})[_META_KEY])


def _array(table: pa.Table, name: str, dtype: type) -> np.ndarray:
    """A read-only NumPy view of a mapped column (no copy: the pages stay shared)."""
    column = table.column(name)
    if column.num_chunks == 0:
        return np.zeros(0, dtype=dtype)
    values = column.chunk(0).to_numpy(zero_copy_only=True)
    if values.dtype != dtype:
        raise ValueError(f"{name}: mapped codes of dtype {values.dtype}, expected {dtype}")
    return values


def _rows_name(resolution: int, dated: bool) -> str:
    return f"r{resolution}.arrow" if dated else f"r{resolution}-undated.arrow"


def read_mapped_codes(folder: str | Path, resolution: int, *,
                      dated: bool = True) -> CubeCodes | None:
    """The codes at ``resolution`` from ``folder``, memory-mapped; None when not written (or
    written in another layout, see :data:`LAYOUT`)."""
    rows_path = Path(folder) / _rows_name(resolution, dated)
    cells_path = Path(folder) / f"cells-r{resolution}.arrow"
    if not (rows_path.is_file() and cells_path.is_file()):
        return None
    rows, meta = _mapped(rows_path)
    if meta.get("layout") != LAYOUT:
        return None
    cells, _ = _mapped(cells_path)
    return CubeCodes(
        resolution=resolution,
        cells=_array(cells, "cells", np.uint64),
        **{name: _array(rows, name, dtype) for name, dtype in _ROW_COLUMNS.items()},
        categories=tuple(meta["categories"]),
        sources=tuple(meta["sources"]),
        dated=bool(meta.get("dated", True)),
    )
