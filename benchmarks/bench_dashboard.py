"""Dashboard speed in Chromium on the sample city at res 9 (issue: page open -> first map <= 3 s;
hour-window change -> map restyled <= 200 ms median; naive / ours >= 3).

Both pages are served by Voila on loopback and driven by Playwright in Debian's headless
Chromium with non-loopback requests blocked. A restyle is timed inside the page, from the
slider's keydown event to two animation frames after the kernel's map counter reached the page
(the counter is sent after the cells, venue dots and legend, so the browser has applied them
first; Leaflet paints canvas layers on the next frame, and the second frame has presented it).
When every side panel (summary, share link) has arrived too, and the wall time seen by the driver
(Playwright's own round trips included), are reported beside it.

The city-sized part (issue "real-city scale") serves a city-sized sample (``atlas sample --size
city``: ~54k occupied res-10 cells, 1M incidents; built once into ``data/cache/bench-city``) and
times, at res 10, page open -> first map with a preheated kernel (median of three opens) and the
hour change, for the batched canvas layer and for the per-path GeoJSON layer
(``ATLAS_HEX_RENDERER``), with the kernel's resident memory split into shared and private pages
(``/proc/PID/smaps_rollup``).
Beside it, the floor of any page open: ``floor_map_dashboard.ipynb`` (one small ipyleaflet map,
no data) opened the same way, to its first basemap tile request (the map exists): Voila's page,
the widget manager and ipyleaflet's JS, which no change of ours removes. On two shared cores that
floor was itself 4-6 s (2026-12-02), so the city figure is read against it.
The sample city is also opened cold (no preheated kernel: start, notebook, data, first map).
``BENCH_CITY_ONLY=1`` / ``BENCH_COLD_ONLY=1`` run one part alone.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import LEAN_KERNEL, SERVED, city_dir, quick, record, smaps_mb  # noqa: E402
from tests.browser import browser_page, voila_server  # noqa: E402

# A frame loop keeps headless Chromium producing frames, as on a visible screen, for all three
# pages alike. Moves still fall in two groups (~40 and ~72 ms even on the no-op page): in about
# half of them the kernel's reply comes ~40 ms after its "busy" status, below our code
# (ipykernel / Voila), so medians need many moves and the no-op page is measured beside them.
KEYDOWN_JS = """document.addEventListener('keydown',
  () => { window.__atlasKeydown = performance.now(); }, true);
(function frame() { requestAnimationFrame(frame); })();"""
# The map's counter where the page has one (the analyst dashboard sends it once cells, venue dots
# and legend are out, before the side panels); the naive and no-op pages only count draws.
COUNTERS_JS = """() => { const s = document.querySelector('.atlas-stamp');
  return [Number(s?.dataset.map ?? s?.dataset.draws ?? 0), Number(s?.dataset.draws ?? 0)]; }"""
WAIT_JS = """async ([map, all]) => {
  const now = () => { const s = document.querySelector('.atlas-stamp');
    return [Number(s?.dataset.map ?? s?.dataset.draws ?? 0), Number(s?.dataset.draws ?? 0)]; };
  while (now()[0] < map) await new Promise(r => setTimeout(r, 1));
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const painted = performance.now() - window.__atlasKeydown;
  while (now()[1] < all) await new Promise(r => setTimeout(r, 1));
  return [painted, performance.now() - window.__atlasKeydown];
}"""
HEXES_JS = """() => {
  const c = document.querySelector('.leaflet-overlay-pane canvas');
  if (c) { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
           for (let i = 3; i < d.length; i += 64) if (d[i] > 0) return true; }
  return document.querySelectorAll('.leaflet-overlay-pane path').length > 0;
}"""
# The batched hex canvas itself: HEXES_JS takes the first canvas in the overlay pane, which on the
# analyst page was Leaflet's own (prefer_canvas: the venue dots, now venuecanvas.js's canvas)
# until hexcanvas.js had attached, so it saw the venue dots, ~0.3-0.6 s before the hexagons
# (measured 2026-12-02).
HEXCANVAS_JS = """() => {
  const c = document.querySelector('.leaflet-overlay-pane canvas.atlas-hex-canvas');
  if (!c || !Number(c.dataset.painted || 0)) return false;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  for (let i = 3; i < d.length; i += 64) if (d[i] > 0) return true;
  return false;
}"""


def restyle_times(page, moves: int) -> tuple[list[float], list[float], list[float]]:
    """Seconds of ``moves`` one-step hour-window changes: in the page until the map is painted,
    in the page until every panel has arrived, and as the driver sees it."""
    handle = page.locator(".noUi-handle-lower").first
    handle.focus()
    painted, panels, wall = [], [], []
    for i in range(moves):
        map_draws, draws = page.evaluate(COUNTERS_JS)
        start = time.perf_counter()
        handle.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
        map_ms, all_ms = page.evaluate(WAIT_JS, [map_draws + 1, draws + 1])
        wall.append(time.perf_counter() - start)
        painted.append(map_ms / 1000)
        panels.append(all_ms / 1000)
    return painted, panels, wall


def wait_until_idle(limit: float = 30.0) -> None:
    """Wait for the machine to go quiet: a preheating Voila refills its kernel pool (loading the
    data in a new kernel) right after a page takes a kernel, which would be timed too."""
    import psutil

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and psutil.cpu_percent(interval=0.5) > 15:
        pass


READY_JS = "() => document.querySelector('.atlas-stamp') && document.querySelector('.noUi-handle')"
FLOOR_MAP_JS = "() => document.querySelector('.leaflet-tile') !== null"
"""The floor page's map exists: Leaflet has asked for its first basemap tiles."""


def measure(
    url: str, moves: int, ready_js: str = HEXES_JS
) -> tuple[float, list[float], list[float], list[float], int]:
    with browser_page(1440, 900) as page:
        page.add_init_script(KEYDOWN_JS)
        wait_until_idle()
        start = time.perf_counter()
        page.goto(url, timeout=120_000)
        page.wait_for_function(ready_js, timeout=120_000, polling=20)
        first_map = time.perf_counter() - start
        wait_until_idle()
        hexes = page.evaluate(
            "() => document.querySelectorAll('.leaflet-overlay-pane path').length"
        )
        return first_map, *restyle_times(page, moves), hexes


def kernel_memory(folder: Path) -> dict[str, float]:
    """MB of the largest kernel serving ``folder``: resident, shared and private pages."""
    import psutil

    best: dict[str, float] = {}
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if "ipykernel" not in " ".join(proc.info["cmdline"] or []):
                continue
            if proc.environ().get("ATLAS_CITY") != str(folder):
                continue
            mb = smaps_mb(proc.pid)
        except (psutil.Error, OSError):
            continue
        if mb["rss"] > best.get("rss", 0):
            best = mb
    return best


def city_figures(moves: int) -> None:
    """The city-sized page at res 10: batched canvas against per-path GeoJSON."""
    from geo.city import open_city
    from geo.metrics import Query

    folder = city_dir()
    atlas = open_city(folder).atlas
    cells10 = len(atlas.query(Query(resolution=10)).table)
    grid10 = int(atlas.grid_cells(10).size)
    tag = f"city_res10_{grid10 // 1000}k_cells"
    print(f"city: {atlas.incident_cube.rows:,} incidents, res 10: {grid10:,} grid cells, "
          f"{cells10:,} shown in the default view", flush=True)
    record("dashboard_city_res10_grid_cells", grid10, "cells", ">= 30000")
    page = "/voila/render/atlas.ipynb?res=10"
    ms: dict[str, float] = {}
    # BENCH_RENDERERS=canvas skips the per-path GeoJSON layer (a minute of page open at 54k cells)
    renderers = os.environ.get("BENCH_RENDERERS", "canvas,geojson").split(",")
    for renderer in renderers:
        env = {"ATLAS_CITY": str(folder), "ATLAS_HEX_RENDERER": renderer}
        with voila_server(REPO / "dashboards", extra_args=SERVED, env=env) as url:
            ready = HEXCANVAS_JS if renderer == "canvas" else HEXES_JS
            # Every open takes a preheated kernel (the pool refills while the machine is
            # waited quiet) and the median is kept: the canvas page is opened three times, as
            # one open on two shared cores varied 2.1-3.2 s (2026-12-02); the GeoJSON page,
            # whose open takes 10-35 s, twice.
            opens = [measure(url + page, 1, ready)[0]
                     for _ in range(2 if renderer == "canvas" and not quick() else 1)]
            first, painted, _, _, _ = measure(url + page, moves, ready)
            opens.append(first)
            print(f"  {renderer} page opens: {', '.join(f'{t:.2f}' for t in opens)} s",
                  flush=True)
            first = statistics.median(opens)
            memory = kernel_memory(folder)
            time.sleep(4)  # the visitor pauses: the kernel gives freed heap pages back
            rest = kernel_memory(folder)
        ms[renderer] = statistics.median(painted) * 1000
        record(f"dashboard_{tag}_{renderer}_first_map", first, "s", 3)
        record(f"dashboard_{tag}_{renderer}_hour_change_median", ms[renderer], "ms", 100)
        record(f"dashboard_{tag}_{renderer}_hour_change_p90", _p90(painted) * 1000, "ms", None)
        if memory:
            record(f"dashboard_{tag}_{renderer}_kernel_rss", memory["rss"], "MB", 250)
            record(f"dashboard_{tag}_{renderer}_kernel_private", memory["private"], "MB", None)
            record(f"dashboard_{tag}_{renderer}_kernel_shared", memory["shared"], "MB", None)
            record(f"dashboard_{tag}_{renderer}_kernel_private_dirty", memory["private_dirty"],
                   "MB", None)
        if rest:
            record(f"dashboard_{tag}_{renderer}_kernel_rss_at_rest", rest["rss"], "MB", 250)
            record(f"dashboard_{tag}_{renderer}_kernel_private_dirty_at_rest",
                   rest["private_dirty"], "MB", None)
    record("dashboard_floor_small_map_first_map", floor_first_map(), "s", None)
    if {"canvas", "geojson"} <= set(ms):
        record(f"dashboard_{tag}_geojson_over_canvas_ratio", ms["geojson"] / ms["canvas"], "x",
               None)


def open_times(url: str, ready_js: str, repeats: int) -> list[float]:
    """Seconds from page open until ``ready_js`` holds, each time in a fresh page once the
    machine is quiet."""
    times = []
    for _ in range(repeats):
        with browser_page(1440, 900) as page:
            wait_until_idle()
            start = time.perf_counter()
            page.goto(url, timeout=120_000)
            page.wait_for_function(ready_js, timeout=120_000, polling=20)
            times.append(time.perf_counter() - start)
    return times


def floor_first_map() -> float:
    """Median seconds from page open to a map on the floor page (a preheated kernel)."""
    with voila_server(REPO / "benchmarks", extra_args=SERVED) as url:
        times = open_times(url + "/voila/render/floor_map_dashboard.ipynb", FLOOR_MAP_JS,
                           1 if quick() else 3)
    print(f"  floor page opens: {', '.join(f'{t:.2f}' for t in times)} s", flush=True)
    return statistics.median(times)


def cold_first_map() -> None:
    """The sample city without a preheated kernel: page open -> first map (issue "real-city
    scale": <= 3 s), the kernel started, the notebook run and the city opened meanwhile."""
    from geo.city import ready_city_dir

    ready_city_dir(None)  # the sample built beforehand (a first build is not a page open)
    # served as `atlas serve` serves a visitor past its preheated pool: a lean kernel forked on
    # the spot from the server's zygote (geo/serve/_forkserver.py), warm once the machine is
    # quiet after the server started (ATLAS_FORK_KERNELS=0: a plain kernel process)
    with voila_server(REPO / "dashboards", extra_args=LEAN_KERNEL) as url:
        # ready when the hexagons' own canvas has pixels, not the venue dots'
        times = open_times(url + "/voila/render/atlas.ipynb", HEXCANVAS_JS, 1 if quick() else 3)
    print(f"  cold page opens: {', '.join(f'{t:.2f}' for t in times)} s", flush=True)
    record("dashboard_sample_cold_first_map", statistics.median(times), "s", 3)


def main() -> None:
    moves = 8 if quick() else 30
    if os.environ.get("BENCH_COLD_ONLY") == "1":
        cold_first_map()
        return
    city_figures(moves)
    if os.environ.get("BENCH_CITY_ONLY") == "1":
        return
    cold_first_map()
    atlas_page = "/voila/render/atlas.ipynb"
    naive_page = "/voila/render/naive_dashboard.ipynb"
    with voila_server(REPO / "dashboards", extra_args=SERVED) as url:
        measure(url + atlas_page, 2)  # warm caches and the preheated pool
        first, ours, ours_panels, ours_wall, _ = measure(url + atlas_page, moves)
        _, ours10, _, _, _ = measure(url + atlas_page + "?res=10", moves)
    with voila_server(REPO / "benchmarks") as url:
        _, naive, _, naive_wall, svg_paths = measure(url + naive_page, moves)
        _, naive10, _, _, svg_paths10 = measure(url + naive_page + "?res=10", moves)
        _, floor, _, _, _ = measure(url + "/voila/render/noop_dashboard.ipynb", moves, READY_JS)

    from geo.app import default_data_dir
    from geo.metrics import Atlas, Query
    from geo.timewin import HourWindow

    atlas = Atlas.from_dir(default_data_dir())
    night = {"hours": HourWindow(22, 4), "weekdays": {4, 5}}
    cells = len(atlas.query(Query(resolution=9, **night)).table)
    cells10 = len(atlas.query(Query(resolution=10, **night)).table)
    ms = {name: statistics.median(v) * 1000 for name, v in
          {"ours": ours, "naive": naive, "ours10": ours10, "naive10": naive10,
           "floor": floor}.items()}
    record("dashboard_hexes_res9_sample", cells, "cells", None)
    record("dashboard_naive_hexes_res9_sample", svg_paths, "cells", None)
    record("dashboard_page_open_to_first_map", first, "s", 3)
    record("dashboard_hour_change_restyle_median", ms["ours"], "ms", 200)
    record("dashboard_hour_change_restyle_p90", _p90(ours) * 1000, "ms", None)
    record("dashboard_hour_change_all_panels_arrived_median", statistics.median(ours_panels) * 1000,
           "ms", None)
    record("dashboard_naive_hour_change_restyle_median", ms["naive"], "ms", None)
    record("dashboard_naive_over_ours_ratio", ms["naive"] / ms["ours"], "x", ">= 3")
    # The same change on a page that does no work at all: what no dashboard can go below.
    record("dashboard_noop_floor_restyle_median", ms["floor"], "ms", None)
    record("dashboard_naive_over_floor_ratio_bound", ms["naive"] / ms["floor"], "x", None)
    record("dashboard_work_above_floor_naive_over_ours",
           (ms["naive"] - ms["floor"]) / max(ms["ours"] - ms["floor"], 1e-3), "x", None)
    record("dashboard_hexes_res10_sample", cells10, "cells", None)
    record("dashboard_naive_hexes_res10_sample", svg_paths10, "cells", None)
    record("dashboard_hour_change_restyle_median_res10", ms["ours10"], "ms", 200)
    record("dashboard_naive_hour_change_restyle_median_res10", ms["naive10"], "ms", None)
    record("dashboard_naive_over_ours_ratio_res10", ms["naive10"] / ms["ours10"], "x", ">= 3")
    record("dashboard_hour_change_driver_wall_median", statistics.median(ours_wall) * 1000, "ms",
           None)
    record("dashboard_naive_hour_change_driver_wall_median",
           statistics.median(naive_wall) * 1000, "ms", None)


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


if __name__ == "__main__":
    main()
