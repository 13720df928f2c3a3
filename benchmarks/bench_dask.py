"""The cube build on Dask: 20M incidents on this machine within 4 GB, and both engines' speed.

Targets (issue "When one machine is not enough: build cubes on Dask"):

- ``dask_cube_build_20M``: the incident cube of 20M synthetic incidents (18M police records,
  2M app reports; 20 Parquet partitions of 1M rows) built with the Dask engine on a LocalCluster
  of one single-threaded worker per core on 127.0.0.1;
- ``dask_cube_build_20M_peak_tree_rss``: peak resident memory of the *whole process tree* (this
  process, the nannies and the workers) during that build, summed over the processes and sampled
  every 0.2 s with psutil, at most 4096 MB. Summed RSS counts shared library pages once per
  process, so it overstates the true footprint: the target is met with margin or not at all;
- ``pandas_cube_build_5M_rows_per_s``, ``dask_cube_build_5M_rows_per_s`` and their ratio
  ``dask_over_pandas_throughput_ratio``: both engines on the same 5M rows (the first five
  partitions), in one run. The Dask figure uses the cluster already started (its start-up is
  recorded apart as ``dask_local_cluster_start``): it is the engine's throughput, not Python's
  process start-up.

The data set is generated once by ``write_partitioned_city`` in a child process (so its memory
is not this process's) into ``data/cache/bench-20M`` and reused while its metadata matches.

Run from the repo root: ``.venv/bin/python benchmarks/bench_dask.py`` (``BENCH_QUICK=1`` scales
every size down 400x and records ``*_quick`` names, so the figures of record are kept).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import quick, record, timed  # noqa: E402
from geo.cube import build_cube, dask_client, find_inputs  # noqa: E402
from geo.sample import is_complete  # noqa: E402

SCALE = 400 if quick() else 1
SEED = 20251
POLICE, APP = 18_000_000 // SCALE, 2_000_000 // SCALE
PARTITIONS = 20
COMPARE_PARTITIONS = 5
"""The 5M comparison reads the first five of the 20 partitions."""
CACHE = ROOT / "data" / "cache" / ("bench-20M-quick" if quick() else "bench-20M")
TREE_RSS_TARGET_MB = 4096


class TreeMemory:
    """Peak summed RSS of this process and all its descendants, sampled in a thread."""

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> int:
        me = psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:  # a process that ended between listing and reading
                continue
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.sample())
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.sample())


def ensure_data() -> Path:
    """The partitioned set, generated in a child process unless a complete one is there."""
    expected = {"seed": SEED, "incidents_police": POLICE, "incidents_app": APP,
                "partitions": PARTITIONS, "format": "parquet"}
    if not is_complete(CACHE, **expected):
        print(f"generating {POLICE + APP:,} incidents into {CACHE} ...", flush=True)
        code = (
            "from geo.sample import write_partitioned_city\n"
            f"write_partitioned_city({str(CACHE)!r}, seed={SEED}, incidents={POLICE}, "
            f"app_reports={APP}, partitions={PARTITIONS}, fmt='parquet')\n"
        )
        seconds, _ = timed(lambda: subprocess.run([sys.executable, "-c", code], check=True,
                                                  cwd=ROOT))
        print(f"  generated in {seconds:.0f} s", flush=True)
    return CACHE


def progress(line: str) -> None:
    print(f"  {line}", file=sys.stderr, flush=True)


def main() -> None:
    suffix = "_quick" if quick() else ""  # quick runs keep the names, scaled 400x down
    folder = ensure_data()
    inputs = find_inputs(folder)
    first = find_inputs(list(inputs.paths[:COMPARE_PARTITIONS]))
    total = POLICE + APP

    with TreeMemory() as memory:
        start = time.perf_counter()
        with dask_client() as (client, where):
            record(f"dask_local_cluster_start{suffix}", time.perf_counter() - start, "s", None)
            print(f"  {where}", flush=True)
            seconds, built = timed(lambda: build_cube(inputs, client=client, progress=progress))
            assert built.cube.rows == total
            peak = max(memory.peak, memory.sample())
            record(f"dask_cube_build_20M{suffix}", seconds, "s", None)
            record(f"dask_cube_build_20M_peak_tree_rss{suffix}", peak / 2**20, "MB",
                   TREE_RSS_TARGET_MB)
            record(f"dask_cube_build_20M_cube_rows{suffix}", len(built.cube.table), "rows", None)
            del built

            rows = total * COMPARE_PARTITIONS // PARTITIONS
            dask_s, dask_built = timed(lambda: build_cube(first, client=client))
    pandas_s, pandas_built = timed(lambda: build_cube(first, engine="pandas"))
    assert dask_built.cube.rows == pandas_built.cube.rows == rows
    record(f"pandas_cube_build_5M_rows_per_s{suffix}", rows / pandas_s, "rows/s", None)
    record(f"dask_cube_build_5M_rows_per_s{suffix}", rows / dask_s, "rows/s", None)
    record(f"dask_over_pandas_throughput_ratio{suffix}", pandas_s / dask_s, "x", None)


if __name__ == "__main__":
    main()
