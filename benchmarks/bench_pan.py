"""Frame times while the map pans, in Chromium, on the city-sized sample at res 10 (issue 14:
"frame time p95 <= 33 ms during a scripted pan").

The pan is scripted inside the page, so the driver's round trips are not in it: for ``FRAMES``
animation frames, each frame moves the map by ``STEP_PX`` and ``requestAnimationFrame``
timestamps are kept. The p95 of the intervals between frames is the figure: a frame over 33 ms
is a visible stutter at 30 frames a second. Two pans are timed:

- ``drag``: mouse events as a person's drag makes them (Leaflet moves the map pane on each,
  and fires ``moveend`` once, at the release): the figure of the issue's target;
- ``steps``: ``map.panBy`` without animation each frame, so each frame is a ``moveend`` (as
  keyboard arrows make), and ipyleaflet sends the new centre to the kernel every frame, which
  answers with a new share link: that round trip is in this figure, whatever the hex layer does.

Both run east, south, west and north, so the map leaves the area drawn around the view (the
canvas pads the view by a share of its size) and the layer has to draw new cells mid-pan.

Headless Chromium runs with ``--disable-gpu`` here: canvas 2D is rasterised on the CPU, and a
WebGL context is SwiftShader (software). Figures are printed with the machine's load average,
since the benchmark machine is shared.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import city_dir, quick, record  # noqa: E402
from tests.browser import browser_page, voila_server  # noqa: E402

FRAMES = 180
"""Frames of one scripted pan (3 s at 60 frames a second)."""
STEP_PX = 12
"""Pixels the map moves each frame: 720 px a second, a brisk drag."""
RENDERERS: tuple[str, ...] = tuple(
    os.environ.get("BENCH_PAN_RENDERERS", "canvas").split(","))
"""Hex layers to compare (``ATLAS_HEX_RENDERER`` values), e.g. ``canvas,webgl``."""

MAP_JS = "() => !!document.querySelector('.atlas-hex-canvas')?.atlasMap"
HEXES_JS = """() => {
  const c = document.querySelector('.atlas-hex-canvas');
  return !!c && Number(c.dataset.painted || 0) > 0 && !!document.querySelector('.atlas-stamp');
}"""
PAN_JS = """async ([frames, step, mode]) => {
  // mode "drag": mouse events as a person's drag makes them (Leaflet moves the map on each,
  // with one moveend at the release); mode "steps": map.panBy each frame, a moveend each time
  // (as keyboard arrows do), which also sends the new centre to the kernel every frame.
  const canvas = document.querySelector('.atlas-hex-canvas');
  const map = canvas.atlasMap, box = map.getContainer().getBoundingClientRect();
  const legs = [[step, 0], [0, step], [-step, 0], [0, -step]];
  let x = box.left + box.width / 2, y = box.top + box.height / 2;
  const mouse = (type, target) => target.dispatchEvent(new MouseEvent(type, {
    bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0,
    buttons: type === "mouseup" ? 0 : 1}));
  const paintedBefore = Number(canvas.dataset.painted || 0);
  if (mode === "drag") mouse("mousedown", map.getContainer());
  const stamps = [];
  await new Promise((done) => {
    let i = 0;
    const frame = (t) => {
      stamps.push(t);
      if (i >= frames) { done(); return; }
      const [dx, dy] = legs[Math.floor((4 * i) / frames) % 4];
      if (mode === "drag") { x -= dx; y -= dy; mouse("mousemove", document); }
      else map.panBy([dx, dy], {animate: false});
      i++;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  if (mode === "drag") mouse("mouseup", document);
  await new Promise((r) => setTimeout(r, 500));
  const gaps = stamps.slice(2).map((t, k) => t - stamps[k + 1]);
  return {gaps, redraws: Number(canvas.dataset.painted || 0) - paintedBefore,
          drawMs: Number(canvas.dataset.drawMs || 0)};
}"""
MODES: tuple[str, ...] = ("drag", "steps")


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def pan(url: str) -> dict[str, dict]:
    """Open ``url``, wait for the hexes, pan once to warm up, then time the frames of a pan in
    each mode."""
    with browser_page(1440, 900) as page:
        page.goto(url, timeout=120_000)
        page.wait_for_function(HEXES_JS, timeout=180_000, polling=50)
        page.wait_for_function(MAP_JS, timeout=30_000)
        page.wait_for_timeout(1500)
        page.evaluate(PAN_JS, [40, STEP_PX, "drag"])  # warm-up: JIT, first redraws
        return {mode: page.evaluate(PAN_JS, [FRAMES, STEP_PX, mode]) for mode in MODES}


def main() -> None:
    from geo.city import open_city

    folder = city_dir()
    grid10 = int(open_city(folder).atlas.grid_cells(10).size)
    tag = f"pan_city_res10_{grid10 // 1000}k_cells" if not quick() else "pan_sample_res10"
    print(f"res 10 grid: {grid10:,} cells; load average {load_average()}", flush=True)
    for renderer in RENDERERS:
        env = {"ATLAS_CITY": str(folder), "ATLAS_HEX_RENDERER": renderer}
        with voila_server(REPO / "dashboards", env=env) as url:
            start = time.perf_counter()
            out = pan(url + "/voila/render/atlas.ipynb?res=10&basemap=none")
            wall = time.perf_counter() - start
        for mode, figures in out.items():
            gaps = figures["gaps"]
            print(f"{renderer} {mode}: {len(gaps)} frames, {figures['redraws']} redraws, last "
                  f"draw {figures['drawMs']:.1f} ms, worst frame {max(gaps):.1f} ms; "
                  f"load average {load_average()}", flush=True)
            name = f"{tag}_{renderer}_{mode}"
            record(f"{name}_frame_p95", p95(gaps), "ms", 33 if mode == "drag" else None)
            record(f"{name}_frame_median", statistics.median(gaps), "ms", None)
            record(f"{name}_redraws_per_{FRAMES}_frames", figures["redraws"], "draws", None)
        print(f"{renderer}: {wall:.0f} s in all", flush=True)

if __name__ == "__main__":
    main()
