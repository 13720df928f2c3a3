"""Uncompressed Arrow IPC files that kernels memory-map (cube, codes, geometry, small tables).

One writer and one reader for all of them: each file is a single record batch (one batch is one
contiguous mapping, so columns come back as zero-copy NumPy views), written beside its final
name and renamed into place, so a kernel opening it meanwhile never reads half a file.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa


def write_ipc(table: pa.Table, path: str | Path) -> Path:
    """Write ``table`` to ``path`` as one uncompressed IPC batch, atomically."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table, max_chunksize=max(table.num_rows, 1))
    tmp.replace(path)
    return path


def map_ipc(path: str | Path) -> pa.Table:
    """The table of an IPC file, memory-mapped (its pages stay the page cache's, shared)."""
    return pa.ipc.open_file(pa.memory_map(str(path), "r")).read_all()
