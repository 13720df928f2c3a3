"""Large synthetic sets written partition by partition, never held in memory whole (DESIGN §8-9).

The Dask cube build is shown on tens of millions of incidents; a laptop cannot hold those as one
frame, and neither should the generator. :func:`write_partitioned_city` draws one chunk of rows at
a time with the same vectorised :func:`~geo.sample._incidents.make_incidents` that
:func:`~geo.sample.generate_city` uses, writes it as ``incidents/part-00000.parquet`` ... and lets
it go, so memory stays that of one chunk whatever the total.

Seeds follow :func:`~geo.sample.generate_city`: the seed spawns police, app, perception and venue
streams, so perceptions and venues equal those of ``generate_city(seed)``; the police and app
streams then spawn one child per chunk (``SeedSequence.spawn``), so every chunk is reproducible on
its own and the same seed and chunking give the same bytes. Another chunking gives another,
equally valid, city-year (each chunk sorts its rows by time, as an export does).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from geo.sample._generate import DEFAULT_SEED, _metadata
from geo.sample._incidents import make_incidents
from geo.sample._perceptions import make_perceptions
from geo.sample._tiles import Tiling
from geo.sample._venues import make_venues
from geo.sample._write import (
    METADATA_FILE,
    VENUES_FILE,
    Format,
    _atomic_write,
    _write_table,
    venues_geojson,
)

INCIDENTS_DIR = "incidents"
"""Sub-folder of the partitioned incidents (one file per chunk)."""

DEFAULT_ROWS_PER_PARTITION = 1_000_000
"""Rows per partition when neither a partition count nor a size is given: ~120 MB in memory."""


def partition_sizes(total: int, partitions: int) -> list[int]:
    """Split ``total`` rows into ``partitions`` near-equal sizes (the first ones one larger).

    Examples
    --------
    >>> partition_sizes(10, 3)
    [4, 3, 3]
    """
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, got {partitions}")
    base, extra = divmod(int(total), int(partitions))
    return [base + (1 if i < extra else 0) for i in range(partitions)]


def _numbered(prefix: str, start: int, n: int, digits: int) -> pd.api.extensions.ExtensionArray:
    """``prefix-<start+1>`` ... zero-padded like :func:`~geo.sample._incidents.numbered_ids`."""
    numbers = pc.cast(pa.array(np.arange(start + 1, start + n + 1)), pa.string())
    ids = pc.binary_join_element_wise(f"{prefix}-", pc.utf8_lpad(numbers, digits, "0"), "")
    return pd.array(ids, dtype="string")


def _chunk(
    seeds: tuple[np.random.SeedSequence, np.random.SeedSequence],
    sizes: tuple[int, int],
    offsets: tuple[int, int],
    digits: tuple[int, int],
) -> pd.DataFrame:
    """One partition: its police rows then its app rows, ids numbered across partitions."""
    frames = []
    for source, prefix, ss, n, start, width in zip(
        ("police", "app"), ("inc", "app"), seeds, sizes, offsets, digits, strict=True
    ):
        frame = make_incidents(np.random.default_rng(ss), n, source)
        frame["incident_id"] = _numbered(prefix, start, n, width)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def write_partitioned_city(
    out_dir: str | Path,
    *,
    seed: int = DEFAULT_SEED,
    incidents: int = 60_000,
    app_reports: int = 10_000,
    perceptions: int = 6_000,
    venues: int = 320,
    partitions: int | None = None,
    rows_per_partition: int | None = None,
    fmt: Format = "parquet",
    progress: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write a synthetic city with its incidents split into partition files, chunk by chunk.

    Parameters
    ----------
    out_dir
        Created if missing. Earlier ``incidents/part-*`` files are removed first, so the folder
        never mixes two runs; ``metadata.json`` is written last and marks a complete set.
    seed
        As in :func:`~geo.sample.generate_city`.
    incidents, app_reports, perceptions, venues
        Numbers of police records, app reports, perception rows and venues.
    partitions, rows_per_partition
        How to cut the ``incidents + app_reports`` rows: a number of partitions, or a largest
        partition size (at most one of the two; default :data:`DEFAULT_ROWS_PER_PARTITION`).
        Memory grows with the partition size, not with the total.
    fmt
        ``parquet`` (zstd, what the Dask build reads fastest) or ``csv`` (canonical CSV).
    progress
        Called with one line per partition written.

    Returns
    -------
    dict
        ``{"incidents": folder, "perceptions", "venues", "metadata"}`` -> path written.

    Raises
    ------
    ValueError
        If a count is negative, both or neither partition options are valid, or ``fmt`` unknown.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', got {fmt!r}")
    counts = {"incidents": incidents, "app_reports": app_reports, "perceptions": perceptions,
              "venues": venues}
    for name, n in counts.items():
        if int(n) != n or n < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {n!r}")
    total = int(incidents) + int(app_reports)
    if partitions is not None and rows_per_partition is not None:
        raise ValueError("give partitions or rows_per_partition, not both")
    if rows_per_partition is not None and rows_per_partition < 1:
        raise ValueError(f"rows_per_partition must be at least 1, got {rows_per_partition}")
    if partitions is None:
        size = rows_per_partition or DEFAULT_ROWS_PER_PARTITION
        partitions = max(1, -(-total // size))
    police_sizes = partition_sizes(incidents, partitions)
    app_sizes = partition_sizes(app_reports, partitions)

    out = Path(out_dir)
    parts_dir = out / INCIDENTS_DIR
    parts_dir.mkdir(parents=True, exist_ok=True)
    (out / METADATA_FILE).unlink(missing_ok=True)  # incomplete until written again
    for stale in [*parts_dir.glob("part-*.parquet"), *parts_dir.glob("part-*.csv")]:
        stale.unlink()

    police_ss, app_ss, perception_ss, venue_ss = np.random.SeedSequence(seed).spawn(4)
    police_seeds, app_seeds = police_ss.spawn(partitions), app_ss.spawn(partitions)
    digits = (max(6, len(str(incidents))), max(6, len(str(app_reports))))
    width = max(5, len(str(partitions - 1)))
    offsets = [0, 0]
    for i in range(partitions):
        frame = _chunk(
            (police_seeds[i], app_seeds[i]), (police_sizes[i], app_sizes[i]), tuple(offsets),
            digits,
        )
        _write_table(frame, parts_dir / f"part-{i:0{width}d}.{fmt}", fmt)
        offsets = [offsets[0] + police_sizes[i], offsets[1] + app_sizes[i]]
        if progress is not None:
            progress(f"partition {i + 1}/{partitions}: {len(frame):,} incidents")
        del frame

    paths = {
        "incidents": parts_dir,
        "perceptions": out / f"perceptions.{fmt}",
        "venues": out / VENUES_FILE,
        "metadata": out / METADATA_FILE,
    }
    _write_table(make_perceptions(np.random.default_rng(perception_ss), int(perceptions)),
                 paths["perceptions"], fmt)
    venue_table = make_venues(np.random.default_rng(venue_ss), int(venues))
    _atomic_write(paths["venues"],
                  json.dumps(venues_geojson(venue_table), ensure_ascii=False, indent=1) + "\n")
    metadata = {
        **_metadata(int(seed), {"incidents": total, "incidents_police": int(incidents),
                                "incidents_app": int(app_reports),
                                "perceptions": int(perceptions), "venues": int(venues)},
                    Tiling()),
        "format": fmt,
        "files": {k: p.name for k, p in paths.items() if k != "metadata"},
        "partitions": partitions,
    }
    _atomic_write(paths["metadata"], json.dumps(metadata, ensure_ascii=False, indent=2,
                                                sort_keys=True) + "\n")
    return paths


def is_complete(out_dir: str | Path, **expected: object) -> bool:
    """True when ``out_dir`` holds a complete partitioned set whose metadata has ``expected``.

    ``expected`` keys are ``seed``, ``partitions``, ``format`` or any key of ``counts``
    (e.g. ``incidents=20_000_000``); a benchmark uses it to reuse a set it made before.
    """
    try:
        meta = json.loads((Path(out_dir) / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    flat = {**meta.get("counts", {}), **meta}
    if any(flat.get(k) != v for k, v in expected.items()):
        return False
    parts = sorted((Path(out_dir) / INCIDENTS_DIR).glob(f"part-*.{meta.get('format')}"))
    return len(parts) == meta.get("partitions") and all(os.path.getsize(p) for p in parts)
