"""What a cube build reads: partitioned Parquet or many CSVs, found, checked and typed once.

A big export arrives as a folder of Parquet parts (``incidents/part-00000.parquet`` ...) or as
many CSV files (one per month or year). Both engines of :func:`~geo.cube.build_cube` read the same
list of files: :func:`find_inputs` resolves folders and patterns into it and checks, from each
file's header alone, that the canonical columns are there, so a wrong file fails in a second
with one clear error instead of half-way through a cluster job.

Files read this way must already be *canonical* incidents (DESIGN §2), as ``atlas sample`` writes
them and as :func:`geo.io.read_table` returns them: times are local wall-clock ISO 8601, and
categories and sources are in the vocabulary (the cube build rejects anything else). Public
export formats, or files that need validating, take the ``validate=True`` path instead: each
file then goes through :func:`geo.io.read_table` and its ValidationReport is kept.
"""

from __future__ import annotations

import csv
import glob
import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import pyarrow.parquet as pq

from geo.errors import FileFormatError

InputKind = Literal["parquet", "csv"]

NEEDED_COLUMNS: tuple[str, ...] = (
    "incident_id",
    "occurred_from",
    "occurred_to",
    "time_precision",
    "lat",
    "lon",
    "category",
    "source",
)
"""The canonical incident columns a cube needs; raw labels are never read. The id is, only to
draw each record's fixed key (:func:`geo.privacy.record_keys`)."""

CSV_DTYPES: dict[str, str] = {
    "incident_id": "string",
    "occurred_from": "string",
    "occurred_to": "string",
    "time_precision": "string",
    "lat": "float64",
    "lon": "float64",
    "category": "string",
    "source": "string",
}
"""Explicit CSV dtypes: no type guessing per block, so every partition types alike."""

_METADATA = "metadata.json"


@dataclass(frozen=True)
class CubeInputs:
    """The files of one build, all of one kind.

    Attributes
    ----------
    kind
        ``parquet`` or ``csv``.
    paths
        Local files as absolute paths (workers on a shared file system read the same names),
        or URLs (``s3://...``) passed through to Dask/fsspec untouched.
    given
        The inputs as the user named them (recorded in the build's JSON).
    metadata
        ``metadata.json`` found beside the data (as ``atlas sample`` writes it), else empty:
        it carries ``synthetic: true``, which every view of the sample must say.
    """

    kind: InputKind
    paths: tuple[str, ...]
    given: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict, compare=False)


def _kind_of(name: str) -> InputKind | None:
    lower = name.lower()
    if lower.endswith((".csv", ".csv.gz")):
        return "csv"
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    return None


def _files_in(folder: Path) -> list[Path]:
    """Data files under a folder (hive-style sub-folders included), hidden files skipped."""
    if (folder / "incidents").is_dir():  # a folder written by `atlas sample --partitions`
        folder = folder / "incidents"
    found = [
        p
        for p in folder.rglob("*")
        if p.is_file()
        and _kind_of(p.name) is not None
        and not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    ]
    return sorted(found)


def _sibling_metadata(files: Sequence[Path]) -> dict[str, Any]:
    """``metadata.json`` in the first file's folder or the one above (a partitioned sample)."""
    if not files:
        return {}
    for folder in (files[0].parent, files[0].parent.parent):
        meta = folder / _METADATA
        if meta.is_file():
            try:
                data = json.loads(meta.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def find_inputs(inputs: Sequence[str | Path] | str | Path) -> CubeInputs:
    """Resolve files, folders, glob patterns and URLs into the files of one build.

    Parameters
    ----------
    inputs
        Parquet or CSV files (``.parquet``, ``.pq``, ``.csv``, ``.csv.gz``); folders (every such
        file below them, or their ``incidents/`` sub-folder when there is one); quoted glob
        patterns; or URLs, which are passed through for the workers to open.

    Returns
    -------
    CubeInputs

    Raises
    ------
    FileNotFoundError
        If an input does not exist or a folder or pattern holds no data file.
    ValueError
        If Parquet and CSV are mixed, or a file's kind cannot be told from its name.
    """
    given = [str(inputs)] if isinstance(inputs, str | Path) else [str(i) for i in inputs]
    if not given:
        raise ValueError("no input given")
    paths: list[str] = []
    local: list[Path] = []
    for item in given:
        if "://" in item:
            paths.append(item)
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            files = _files_in(path)
        elif path.is_file():
            if _kind_of(path.name) is None:
                raise ValueError(f"{item}: not a .parquet, .pq, .csv or .csv.gz file")
            files = [path]
        elif glob.has_magic(item):
            matches = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
            files = [p for p in matches if p.is_file() and _kind_of(p.name) is not None]
        else:
            raise FileNotFoundError(f"{item}: no such file or folder")
        if not files:
            raise FileNotFoundError(f"{item}: no .parquet or .csv file in it")
        local.extend(files)
        paths.extend(str(p.resolve()) for p in files)
    # A URL without a known suffix is taken for a Parquet folder (s3://bucket/incidents/).
    kinds = {_kind_of(p.split("?")[0]) or "parquet" for p in paths}
    if len(kinds) > 1:
        raise ValueError(f"inputs mix Parquet and CSV files ({', '.join(given)}): give one kind")
    return CubeInputs(
        kind=kinds.pop(),
        paths=tuple(paths),
        given=tuple(given),
        metadata=_sibling_metadata(local),
    )


def check_columns(inputs: CubeInputs) -> None:
    """Check every local file's header names the canonical columns; URLs are left to the read.

    Only CSV header lines and Parquet footers are read: milliseconds per file.

    Raises
    ------
    geo.errors.FileFormatError
        Naming the first file that lacks a column, the columns expected and those found.
    """
    for path in inputs.paths:
        if "://" in path:
            continue
        if inputs.kind == "parquet":
            try:
                found = list(pq.read_schema(path).names)
            except (OSError, ValueError) as exc:
                raise FileFormatError(path, f"not a readable Parquet file ({exc})") from None
        else:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
                found = next(csv.reader(handle), [])
        if not set(NEEDED_COLUMNS) <= set(found):
            raise FileFormatError(
                path,
                "not canonical incidents; convert it first, or build with validation "
                "(--validate) to read it through geo.io",
                expected=NEEDED_COLUMNS,
                found=found,
            )


def canonical_partition(frame: pd.DataFrame) -> pd.DataFrame:
    """The needed columns of one partition, with ISO 8601 text times parsed (CSV input).

    Times already typed (Parquet) are kept as they are; text is parsed as ISO 8601 and a
    blank stays missing (NaT), as the canonical CSV writes an unknown time or end.
    """
    out = frame[list(NEEDED_COLUMNS)].copy()
    for col in ("occurred_from", "occurred_to"):
        if not pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = pd.to_datetime(out[col], format="ISO8601")
    return out


def read_partition(path: str, kind: InputKind) -> pd.DataFrame:
    """One canonical file as a frame of the needed columns (the pandas engine's reader)."""
    if kind == "parquet":
        frame = pd.read_parquet(path, columns=list(NEEDED_COLUMNS))
    else:
        frame = pd.read_csv(path, usecols=list(NEEDED_COLUMNS), dtype=CSV_DTYPES)
    return canonical_partition(frame)
