"""Dashboard speed in Chromium on the sample city at res 9 (issue: page open -> first map <= 3 s;
hour-window change -> map restyled <= 200 ms median; naive / ours >= 3).

Both pages are served by Voila on loopback and driven by Playwright in Debian's headless
Chromium with non-loopback requests blocked. A restyle is "done" when the kernel's draw counter
(sent after the layer data, so the browser has applied the data first) reaches the page and one
animation frame has passed (Leaflet paints canvas layers on the next frame).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import quick, record  # noqa: E402
from tests.browser import browser_page, voila_server  # noqa: E402

DRAWS_JS = "() => Number(document.querySelector('.atlas-stamp')?.dataset.draws || 0)"
WAIT_JS = """async (n) => {
  while (Number(document.querySelector('.atlas-stamp')?.dataset.draws || 0) < n) {
    await new Promise(r => setTimeout(r, 2));
  }
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""
HEXES_JS = """() => {
  const c = document.querySelector('.leaflet-overlay-pane canvas');
  if (c) { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
           for (let i = 3; i < d.length; i += 64) if (d[i] > 0) return true; }
  return document.querySelectorAll('.leaflet-overlay-pane path').length > 0;
}"""


def restyle_times(page, moves: int) -> list[float]:
    handle = page.locator(".noUi-handle-lower").first
    handle.focus()
    times = []
    for i in range(moves):
        draws = page.evaluate(DRAWS_JS)
        start = time.perf_counter()
        handle.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
        page.evaluate(WAIT_JS, draws + 1)
        times.append(time.perf_counter() - start)
    return times


def measure(url: str, moves: int) -> tuple[float, list[float], int]:
    with browser_page(1440, 900) as page:
        start = time.perf_counter()
        page.goto(url, timeout=120_000)
        page.wait_for_function(HEXES_JS, timeout=120_000, polling=20)
        first_map = time.perf_counter() - start
        page.wait_for_timeout(500)
        hexes = page.evaluate(
            "() => (window.__hexes = document.querySelectorAll('.leaflet-overlay-pane path')"
            ".length)"
        )
        return first_map, restyle_times(page, moves), hexes


def main() -> None:
    moves = 6 if quick() else 20
    with voila_server(REPO / "dashboards", extra_args=("--preheat_kernel=True",
                                                       "--pool_size=1")) as url:
        measure(url + "/voila/render/atlas.ipynb", 2)  # warm caches and the preheated pool
        first, ours, _ = measure(url + "/voila/render/atlas.ipynb", moves)
    with voila_server(REPO / "benchmarks") as url:
        _, naive, svg_paths = measure(url + "/voila/render/naive_dashboard.ipynb", moves)

    from geo.app import default_data_dir
    from geo.metrics import Atlas, Query
    from geo.timewin import HourWindow

    atlas = Atlas.from_dir(default_data_dir())
    cells = len(atlas.query(Query(resolution=9, hours=HourWindow(22, 4), weekdays={4, 5})).table)
    ours_ms = statistics.median(ours) * 1000
    naive_ms = statistics.median(naive) * 1000
    record("dashboard_hexes_res9_sample", cells, "cells", None)
    record("dashboard_naive_hexes_res9_sample", svg_paths, "cells", None)
    record("dashboard_page_open_to_first_map", first, "s", 3)
    record("dashboard_hour_change_restyle_median", ours_ms, "ms", 200)
    record("dashboard_naive_hour_change_restyle_median", naive_ms, "ms", None)
    record("dashboard_naive_over_ours_ratio", naive_ms / ours_ms, "x", ">= 3")


if __name__ == "__main__":
    main()
