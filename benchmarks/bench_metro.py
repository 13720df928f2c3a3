"""Metro-sized dashboard in Chromium (issue 14: "metro-sized, res 10 (>= 100k cells): first paint
<= 5 s after the page opens (preheated), restyle <= 150 ms median. And, in the same run, the
naive GeoJSON page at city size, as a ratio").

The metro is ``atlas sample --size metro`` (56 x 42 km, 3M incidents), built once into
``data/cache/bench-metro`` (a few minutes) and kept. Pages are served by Voila with a preheated
kernel and driven as in ``bench_dashboard.py``: first paint is page open -> the hex layer has
drawn the cells of the first view; a restyle is a one-step hour change -> the map repainted,
timed inside the page. The per-path GeoJSON layer (``ATLAS_HEX_RENDERER=geojson``) is measured
at city size (at metro size its page takes minutes to open) against the batched layer at the
same size, and the ratio naive / ours is recorded for both figures.

``BENCH_METRO_RENDERERS`` (default ``canvas``) lists the hex layers measured at metro size, e.g.
``canvas,webgl``. The machine's load average is printed with each figure (shared machine).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import (  # noqa: E402
    SERVED,
    city_dir,
    load_average,
    metro_dir,
    quick,
    record,
)
from benchmarks.bench_dashboard import measure  # noqa: E402
from tests.browser import voila_server  # noqa: E402

PAGE = "/voila/render/atlas.ipynb?res=10&basemap=none"
"""The analyst page at res 10, without basemap tiles (offline, they only fail)."""
PAINTED_JS = """() => {
  const c = document.querySelector('.atlas-hex-canvas');
  if (c) return Number(c.dataset.shown || 0) > 0 && !!document.querySelector('.noUi-handle');
  const g = document.querySelector('.leaflet-overlay-pane canvas');
  if (!g || !document.querySelector('.noUi-handle')) return false;
  const d = g.getContext('2d').getImageData(0, 0, g.width, g.height).data;
  for (let i = 3; i < d.length; i += 64) if (d[i] > 0) return true;
  return false;
}"""
"""The first map is painted: the hex layer has drawn cells (batched layers say how many they
drew; Leaflet's canvas under the GeoJSON layer has coloured pixels), and the hour slider is
there to be moved."""


def renderers() -> list[str]:
    return os.environ.get("BENCH_METRO_RENDERERS", "canvas").split(",")


def page_figures(folder: Path, renderer: str, moves: int) -> tuple[float, list[float]]:
    """Seconds from page open to the first map (a preheated kernel), and of ``moves`` hour
    changes until the map is repainted, for ``renderer`` serving ``folder``."""
    env = {"ATLAS_CITY": str(folder), "ATLAS_HEX_RENDERER": renderer}
    with voila_server(REPO / "dashboards", env=env,
                      extra_args=SERVED) as url:
        measure(url + PAGE, 1, PAINTED_JS)  # takes the preheated kernel; the pool refills
        first, painted, _, _, _ = measure(url + PAGE, moves, PAINTED_JS)
    return first, painted


def grid_size(folder: Path) -> tuple[int, int]:
    """(cells of the res-10 grid, cells with something to show at all times) of a built city
    (the page's first view, a night window, shows fewer: its count is printed by the page)."""
    from geo.city import open_city
    from geo.metrics import Query

    atlas = open_city(folder).atlas
    return int(atlas.grid_cells(10).size), len(atlas.query(Query(resolution=10)).table)


def main() -> None:
    moves = 6 if quick() else 20
    metro = metro_dir()
    grid, shown = grid_size(metro)
    size = "sample" if quick() else "metro"
    tag = f"{size}_res10_{grid // 1000}k_cells"
    print(f"{size}: res 10 grid {grid:,} cells, {shown:,} shown at all times; "
          f"load average {load_average()}", flush=True)
    record(f"{size}_res10_grid_cells", grid, "cells", ">= 100000")
    for renderer in renderers():
        start = time.perf_counter()
        first, painted = page_figures(metro, renderer, moves)
        print(f"{renderer}: {len(painted)} hour changes, {time.perf_counter() - start:.0f} s in "
              f"all; load average {load_average()}", flush=True)
        record(f"{tag}_{renderer}_first_paint", first, "s", 5)
        record(f"{tag}_{renderer}_restyle_median", statistics.median(painted) * 1000, "ms", 150)
        record(f"{tag}_{renderer}_restyle_min", min(painted) * 1000, "ms", None)

    # The naive page (one Leaflet path per cell, GeoJSON) against ours at city size.
    city = city_dir()
    city_grid, _ = grid_size(city)
    city_tag = f"{'sample' if quick() else 'city'}_res10_{city_grid // 1000}k_cells"
    figures = {}
    for renderer in ("canvas", "geojson"):
        figures[renderer] = page_figures(city, renderer, max(4, moves // 2))
        first, painted = figures[renderer]
        print(f"city {renderer}: {city_grid:,} grid cells; load average {load_average()}",
              flush=True)
        record(f"{city_tag}_{renderer}_first_paint", first, "s", None)
        record(f"{city_tag}_{renderer}_restyle_median", statistics.median(painted) * 1000, "ms",
               None)
    naive, ours = figures["geojson"], figures["canvas"]
    record(f"{city_tag}_naive_over_ours_first_paint_ratio", naive[0] / ours[0], "x", None)
    record(f"{city_tag}_naive_over_ours_restyle_ratio",
           statistics.median(naive[1]) / statistics.median(ours[1]), "x", None)


if __name__ == "__main__":
    main()
