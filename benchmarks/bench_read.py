"""Read + validate speed and memory of the generic CSV reader (geo.io.read_table).

Targets: 1M incidents read and validated in at most 5 s; a file of several hundred MB read
with its time, size and peak memory on record. The files are canonical incidents CSVs made
here with NumPy (seeded), slightly messy on purpose: 0.5 % blank coordinates and 0.01 %
unparseable times, so the validators' drop paths and the text fallback for times are part of
the measured work. Files are written by a child process so that the parent's peak RSS is
that of reading, not of making the data.

Run from the repo root: ``.venv/bin/python benchmarks/bench_read.py`` (``BENCH_QUICK=1`` for
a smoke run on 20k / 40k rows).
"""

from __future__ import annotations

import multiprocessing
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import peak_rss_mb, quick, record, timed  # noqa: E402
from geo.io import read_table  # noqa: E402

CHUNK = 500_000
LABELS = np.array(["Theft from the person", "Assault", "Criminal damage", "Drugs possession",
                   "Street harassment", "Robbery", "Anti-social behaviour", "Burglary"])
CATEGORIES = np.array(["theft", "violence", "criminal_damage", "drugs", "harassment",
                       "robbery", "disorder", "burglary"])


def _chunk(rng: np.random.Generator, start: int, n: int) -> pa.Table:
    """``n`` canonical incident rows; ids continue from ``start``."""
    minutes = rng.integers(0, 365 * 24 * 60, n)
    begin = np.datetime64("2024-01-01T00:00") + minutes.astype("timedelta64[m]")
    spans = rng.random(n) < 0.2
    end = np.where(spans, (begin + rng.integers(10, 240, n).astype("timedelta64[m]")).astype(
        str), "")
    begin_text = begin.astype(str)
    begin_text[rng.random(n) < 0.0001] = "n/a"
    lat = np.round(48.85 + rng.normal(0, 0.03, n), 6).astype(str)
    lon = np.round(2.35 + rng.normal(0, 0.05, n), 6).astype(str)
    blank = rng.random(n) < 0.005
    lat[blank] = ""
    lon[blank] = ""
    kind = rng.integers(0, len(LABELS), n)
    return pa.table({
        "incident_id": np.char.add("inc-", np.char.zfill(np.arange(start, start + n).astype(str),
                                                         10)),
        "occurred_from": begin_text,
        "occurred_to": end,
        "time_precision": np.where(spans, "hour", "minute"),
        "lat": lat,
        "lon": lon,
        "category": CATEGORIES[kind],
        "category_raw": LABELS[kind],
        "source": np.where(rng.random(n) < 0.3, "app", "police"),
    })


def write_incidents(path: Path, rows: int, seed: int) -> None:
    """Write ``rows`` incidents to ``path`` in chunks (bounded memory)."""
    rng = np.random.default_rng(seed)
    options = pcsv.WriteOptions(include_header=True)
    first = _chunk(rng, 0, min(CHUNK, rows))
    with pcsv.CSVWriter(str(path), first.schema, write_options=options) as writer:
        writer.write_table(first)
        for start in range(CHUNK, rows, CHUNK):
            writer.write_table(_chunk(rng, start, min(CHUNK, rows - start)))


def _write_in_child(path: Path, rows: int, seed: int) -> None:
    child = multiprocessing.get_context("spawn").Process(target=write_incidents,
                                                         args=(path, rows, seed))
    child.start()
    child.join()
    if child.exitcode != 0:
        raise RuntimeError(f"writing {path} failed")


def main() -> None:
    small_rows, large_rows = (20_000, 40_000) if quick() else (1_000_000, 4_000_000)
    with tempfile.TemporaryDirectory(prefix="bench_read_") as tmp:
        warm, small, large = Path(tmp, "warm.csv"), Path(tmp, "small.csv"), Path(tmp, "big.csv")
        write_incidents(warm, 1_000, seed=0)
        _write_in_child(small, small_rows, seed=1)
        _write_in_child(large, large_rows, seed=2)
        read_table(warm)  # first-call imports (pandera backends) are not the reader's speed

        seconds, result = timed(lambda: read_table(small))
        assert result.report.rows_in == small_rows
        record(f"read_validate_{small_rows // 1000}k_generic_csv"
               if quick() else "read_validate_1M_generic_csv", seconds, "s", 5)
        del result

        size_mb = large.stat().st_size / 1e6
        seconds, result = timed(lambda: read_table(large))
        assert result.report.rows_in == large_rows
        label = f"{large_rows // 1_000_000}M" if large_rows >= 1_000_000 else \
            f"{large_rows // 1000}k"
        record(f"read_validate_{label}_generic_csv", seconds, "s", None)
        record(f"read_{label}_generic_csv_file_size", size_mb, "MB", None)
        record(f"read_{label}_generic_csv_peak_rss", peak_rss_mb(), "MB", None)
        print(f"  {large_rows:,} rows in, {result.report.rows_out:,} kept, "
              f"{result.report.rows_dropped:,} dropped, {large_rows / seconds:,.0f} rows/s",
              flush=True)


if __name__ == "__main__":
    main()
