"""Served kernels forked from the zygote against plain ones (issue: sample city cold page open ->
first map <= 3 s; geo/serve/_forkserver.py).

Each kernel is started as Voila starts it (jupyter_client's AsyncKernelManager with the lean
spec of geo/serve/_kernel.py), forked (``ATLAS_FORK_KERNELS=1``, the zygote already warm: a
visitor arriving a few seconds after the server started) and plain (``=0``), taking turns:

- ``fork_kernel_ready_{forked,plain}``: launch -> ready (``wait_for_ready``), median;
- ``fork_kernel_cells_{forked,plain}``: launch -> the analyst dashboard's cells run (import,
  ``AtlasApp().display()``, ``load_city()``): the kernel's share of a cold page open, median;
- ``fork_kernel_private_dirty_{forked,plain}`` and ``fork_kernel_pss_...``: the kernel's
  memory after those cells (``/proc/PID/smaps_rollup``): private dirty pages are its own, PSS
  charges shared pages by the number of processes mapping them (here the kernel and the zygote;
  lower still with more kernels);
- ``fork_zygote_private_dirty``: the zygote's own pages (one per server).

The page itself adds Voila's page and the browser's (benchmarks/bench_dashboard.py, cold part).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks._common import quick, record, smaps_mb  # noqa: E402

NOTEBOOK = ROOT / "dashboards" / "atlas.ipynb"


async def one_kernel(forked: bool) -> tuple[float, float, dict[str, float]]:
    """Launch -> ready and launch -> cells run, in seconds, and the kernel's memory after."""
    from jupyter_client.manager import AsyncKernelManager

    from geo.serve._kernel import DashboardKernelSpecs
    from geo.serve._provisioner import FORK_ENV

    os.environ[FORK_ENV] = "1" if forked else "0"
    cells = ["".join(cell["source"]) for cell in json.loads(NOTEBOOK.read_text())["cells"]
             if cell["cell_type"] == "code"]
    manager = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=DashboardKernelSpecs())
    start = time.perf_counter()
    await manager.start_kernel(cwd=str(NOTEBOOK.parent))
    client = manager.client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        ready = time.perf_counter() - start
        for cell in cells:
            reply = await client.execute_interactive(cell, timeout=120, output_hook=lambda m: None)
            assert reply["content"]["status"] == "ok", reply["content"]
        ran = time.perf_counter() - start
        memory = smaps_mb(manager.provisioner.pid)
        memory["pss"] = pss_mb(manager.provisioner.pid)
        return ready, ran, memory
    finally:
        client.stop_channels()
        await manager.shutdown_kernel(now=True)


def pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    raise ValueError(f"no Pss for {pid}")


async def main() -> None:
    from geo.city import ready_city_dir
    from geo.serve._kernel import DashboardKernelSpecs
    from geo.serve._provisioner import ZYGOTE

    ready_city_dir(None)  # the sample built beforehand
    DashboardKernelSpecs()  # starts the zygote, as the server's start does
    await one_kernel(True)  # waits until it is warm
    seen: dict[bool, list[tuple[float, float, dict[str, float]]]] = {True: [], False: []}
    for _ in range(1 if quick() else 5):
        for forked in (False, True):
            seen[forked].append(await one_kernel(forked))
    zygote = smaps_mb(ZYGOTE.pid) if ZYGOTE.pid else None
    ZYGOTE.stop()
    for forked, name in ((True, "forked"), (False, "plain")):
        runs = seen[forked]
        print(f"  {name}: ready " + ", ".join(f"{r[0]:.2f}" for r in runs)
              + " s; cells run " + ", ".join(f"{r[1]:.2f}" for r in runs) + " s", flush=True)
        record(f"fork_kernel_ready_{name}", statistics.median(r[0] for r in runs), "s")
        record(f"fork_kernel_cells_{name}", statistics.median(r[1] for r in runs), "s")
        record(f"fork_kernel_private_dirty_{name}", runs[-1][2]["private_dirty"], "MB")
        record(f"fork_kernel_pss_{name}", runs[-1][2]["pss"], "MB")
    if zygote is not None:
        record("fork_zygote_private_dirty", zygote["private_dirty"], "MB")


if __name__ == "__main__":
    asyncio.run(main())
