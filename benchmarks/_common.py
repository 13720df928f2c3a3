"""Shared helpers of the benchmark scripts: timing, peak memory, and results.json.

Each script under benchmarks/ measures figures against the targets named in the issues,
prints one line per figure and merges them into ``benchmarks/results.json`` as
``{name: {"value": v, "unit": u, "target": t}}``.

``BENCH_QUICK=1`` runs every script at tiny sizes (a smoke run that CI makes so that no script
rots; its figures go under ``*_quick`` names and are never a pass/fail), and
``BENCH_RESULTS=FILE`` writes the figures elsewhere (the CI test keeps the repo's file clean).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).with_name("results.json")
"""Where figures go unless ``BENCH_RESULTS`` names another file."""
LEAN_KERNEL = ("--VoilaConfiguration.kernel_spec_manager_class="
               "geo.serve._kernel.DashboardKernelSpecs",)
"""The lean kernel of served dashboards (geo/serve/_kernel.py), as every server we start uses."""
SERVED = ("--preheat_kernel=True", "--pool_size=1", *LEAN_KERNEL)
"""Voila options serving a page as ``make dashboard`` does: one preheated kernel, and the lean
kernel."""


def results_path() -> Path:
    return Path(os.environ.get("BENCH_RESULTS") or RESULTS)


def record(name: str, value: float, unit: str, target: float | str | None = None) -> None:
    """Print one figure and merge it into results.json (other scripts' figures are kept)."""
    if quick() and not name.endswith("_quick"):
        name += "_quick"  # a smoke run never overwrites a figure of record
    path = results_path()
    results: dict[str, Any] = {}
    if path.exists():
        try:
            results = json.loads(path.read_text())
        except json.JSONDecodeError:
            results = {}
    value = round(float(value), 4)
    results[name] = {"value": value, "unit": unit, "target": target}
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    verdict = ""
    if isinstance(target, int | float):
        verdict = "  ok" if value <= target else "  OVER TARGET"
    print(f"{name:<48} {value:>12,.4g} {unit:<6} target {target}{verdict}", flush=True)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds one call takes, and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_seconds(fn: Callable[[], Any], repeat: int = 5) -> float:
    return statistics.median(timed(fn)[0] for _ in range(repeat))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quick() -> bool:
    """Tiny inputs when BENCH_QUICK=1 (a smoke run, not the figures of record)."""
    return os.environ.get("BENCH_QUICK") == "1"


def sized(full: int, tiny: int) -> int:
    """``full`` for the figures of record, ``tiny`` in a quick run."""
    return tiny if quick() else full


def suffix() -> str:
    """Name suffix of quick figures, so a smoke run never overwrites a figure of record."""
    return "_quick" if quick() else ""


def city_dir() -> Path:
    """A built city-sized sample (``atlas sample --size city``: 1M incidents, ~54k occupied
    res-10 cells; the tiny sample in a quick run), made once into ``data/cache`` and kept (its
    build brought up to date on each call)."""
    return built_sample("city")


def metro_dir() -> Path:
    """A built metro-sized sample (``atlas sample --size metro``: 56 x 42 km, 3M incidents,
    >= 100k occupied res-10 cells; the tiny sample in a quick run), made once and kept."""
    return built_sample("metro")


def built_sample(size: str) -> Path:
    """``data/cache/bench-SIZE``: ``atlas sample --size SIZE`` made once (a few minutes for the
    metro) and reused by every later run, its build brought up to date on each call; the tiny
    sample in a quick run."""
    size = "sample" if quick() else size
    folder = Path(__file__).resolve().parents[1] / "data" / "cache" / f"bench-{size}"
    atlas = str(Path(sys.executable).with_name("atlas"))
    if not (folder / "atlas.yaml").is_file():
        subprocess.run([atlas, "sample", "--size", size, "--fmt", "parquet", "--out",
                        str(folder)], check=True)
    # Every time: nothing is rebuilt when up to date, and a build of an older format (a cache
    # kept across a format change) is rebuilt instead of failing to open.
    subprocess.run([atlas, "build", str(folder)], check=True, stdout=subprocess.DEVNULL)
    return folder


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load averages: wall-clock figures depend on them (the
    benchmark machine is shared), so they are printed beside them."""
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def smaps_mb(pid: int | str = "self") -> dict[str, float]:
    """Resident memory of a process in MB, split into shared and private pages.

    ``private_dirty`` is what no other process can share (the kernel's own heap); clean private
    pages are file-backed (libraries, the mapped build) and become shared as soon as a second
    kernel maps the same files.
    """
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return {"rss": fields["Rss"], "shared": fields["Shared_Clean"] + fields["Shared_Dirty"],
            "private": fields["Private_Clean"] + fields["Private_Dirty"],
            "private_dirty": fields["Private_Dirty"]}
