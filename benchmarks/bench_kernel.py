"""A dashboard kernel's start and memory (issue "real-city scale": light kernels).

Figures, each in a fresh Python process as a Voila kernel would be:

- ``kernel_import_geo_app``: wall time of ``import geo.app`` (median of 3, bytecode compiled
  beforehand as in any install; target 1 s) and its
  CPU time (``_cpu``: the cost on an idle core, which a busy shared machine does not stretch), with
  the number of modules loaded and which heavy libraries (mapclassify, esda/libpysal, SciPy,
  matplotlib, Dask, pandera, geopandas) got imported (none should be);
- ``kernel_import_geo_app_in_kernel``: the same import as a dashboard's first cell, in the kernel
  ``atlas serve`` starts (geo/serve/_kernel.py). A kernel has loaded IPython, asyncio, traitlets
  and zmq before any cell runs (~0.25 s CPU of the plain figure above, ~40 % of the modules
  ``import geo.app`` loads in a bare interpreter), so this is what a visitor's kernel spends;
- ``kernel_city_open``: ``AtlasApp().display().load_city(DIR)`` on the city-sized sample (1M
  incidents; its default view, res 9) and then at res 10 (``first_res10_view``: the switch's
  wall and CPU time in the kernel), and the process's resident memory
  then, split into shared and private pages from ``/proc/self/smaps_rollup`` (target 250 MB).
  The cube and its codes are memory-mapped from the build: those pages are the page cache's,
  shared by every kernel serving the same build.

Run from the repo root: ``.venv/bin/python benchmarks/bench_kernel.py`` (``BENCH_QUICK=1``:
the tiny sample city).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import city_dir, record  # noqa: E402

HEAVY = ("mapclassify", "esda", "libpysal", "scipy", "matplotlib", "dask", "pandera",
         "geopandas")

IMPORT = f"""
import json, sys, time
start, cpu = time.perf_counter(), time.process_time()
import geo.app
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({{"s": seconds, "cpu": cpu, "modules": len(sys.modules),
                  "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
"""

OPEN = """
import json, statistics, sys, time
sys.path.insert(0, {root!r})
from benchmarks._common import smaps_mb
import geo.app
start = time.perf_counter()
app = geo.app.AtlasApp().display().load_city({city!r})
opened = time.perf_counter() - start
cells9 = app.hexes.outlines.size
mem9 = smaps_mb()
start, start_cpu = time.perf_counter(), time.process_time()
app.controls.resolution.value = 10  # the first res-10 view: its grid's outlines and areas
res10_wall, res10_cpu = time.perf_counter() - start, time.process_time() - start_cpu
cells10 = app.hexes.outlines.size
mem10 = smaps_mb()
hours, wall, cpu = app.controls.hours, [], []
for i in range(12):  # one-step hour-window moves, back and forth, as the page's slider keys
    lo, hi = hours.index
    start, start_cpu = time.perf_counter(), time.thread_time()
    hours.index = (lo - 1, hi) if i % 2 == 0 else (lo + 1, hi)
    wall.append(time.perf_counter() - start)
    cpu.append(time.thread_time() - start_cpu)
print(json.dumps({{"s": opened, "cells9": int(cells9), "cells10": int(cells10), "mem9": mem9,
                   "mem10": mem10, "heavy": [m for m in {heavy!r} if m in sys.modules],
                   "hour_wall": statistics.median(wall), "hour_cpu": statistics.median(cpu),
                   "res10_wall": res10_wall, "res10_cpu": res10_cpu,
                   "shown10": int(app.hexes.feature_count)}}))
"""


def _run(code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _compile_once() -> None:
    """Write geo's bytecode as an install (or a kernel's first start) leaves it.

    A shell with ``PYTHONDONTWRITEBYTECODE=1`` (some CI runners and sandboxes set it) would
    otherwise compile ~130 modules from source on every measured import (~0.25 s CPU), which
    no served kernel does.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", "import geo.app"], cwd=ROOT, env=env, check=True,
                   capture_output=True)


def _run_in_kernel(code: str) -> dict:
    """``code``'s last printed line (JSON), run as the first cell of a fresh served kernel."""
    from jupyter_client.manager import KernelManager

    from geo.serve._kernel import DashboardKernelSpecs

    manager = KernelManager(kernel_name="python3", kernel_spec_manager=DashboardKernelSpecs())
    manager.start_kernel(cwd=str(ROOT))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        out: list[str] = []
        client.execute_interactive(code, timeout=120, output_hook=lambda m: out.append(
            m["content"].get("text", "") if m["msg_type"] == "stream" else ""))
        return json.loads("".join(out).strip().splitlines()[-1])
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> None:
    _compile_once()
    runs = [_run(IMPORT) for _ in range(3)]
    record("kernel_import_geo_app", statistics.median(r["s"] for r in runs), "s", 1)
    # CPU time of the import: what it costs on an idle core (a shared machine stretches wall time)
    record("kernel_import_geo_app_cpu", statistics.median(r["cpu"] for r in runs), "s", 1)
    record("kernel_import_geo_app_modules", runs[0]["modules"], "modules", None)
    print(f"  heavy libraries imported by `import geo.app`: {runs[0]['heavy'] or 'none'}")
    runs = [_run_in_kernel(IMPORT) for _ in range(3)]
    record("kernel_import_geo_app_in_kernel", statistics.median(r["s"] for r in runs), "s", 1)
    record("kernel_import_geo_app_in_kernel_cpu", statistics.median(r["cpu"] for r in runs), "s",
           1)

    city = city_dir()
    opened = _run(OPEN.format(root=str(ROOT), city=str(city), heavy=HEAVY))
    print(f"  {city.name}: res 9 grid {opened['cells9']:,} cells, res 10 grid "
          f"{opened['cells10']:,} cells; heavy libraries after the default view: "
          f"{opened['heavy'] or 'none'}")
    tag = f"city_{opened['cells10'] // 1000}k_res10_cells"
    record(f"kernel_{tag}_open_default_view", opened["s"], "s", None)
    record(f"kernel_{tag}_first_res10_view_cpu", opened["res10_cpu"], "s", None)
    record(f"kernel_{tag}_first_res10_view_wall", opened["res10_wall"], "s", None)
    # The kernel's share of an hour change at res 10 (query, styles, sends; no browser): CPU
    # time is what a busy shared machine does not stretch, wall time is what it does.
    print(f"  res 10 hour change: {opened['shown10']:,} cells drawn")
    record(f"kernel_{tag}_hour_change_res10_cpu", opened["hour_cpu"] * 1000, "ms", None)
    record(f"kernel_{tag}_hour_change_res10_wall", opened["hour_wall"] * 1000, "ms", None)
    for res in (9, 10):
        mem = opened[f"mem{res}"]
        record(f"kernel_{tag}_rss_at_res{res}", mem["rss"], "MB", 250)
        record(f"kernel_{tag}_private_at_res{res}", mem["private"], "MB", None)
        record(f"kernel_{tag}_shared_at_res{res}", mem["shared"], "MB", None)
        record(f"kernel_{tag}_private_dirty_at_res{res}", mem["private_dirty"], "MB", None)


if __name__ == "__main__":
    main()
