"""WebGL against the batched canvas for the hex layer, in headless Chromium (issue 14: "drawn by
a batched canvas or a WebGL layer (measure both before choosing)").

For each size (the city and the metro samples, res 10) and each painter (``ATLAS_HEX_RENDERER``
``canvas`` or ``webgl``), one page is opened on a preheated kernel and timed:

- first paint: page open -> the layer has drawn the first view's cells;
- draw: a full repaint of the padded view (``viewreset``), median, in the page; for WebGL the
  GPU work is waited for (a one-pixel ``readPixels``), else only the command submission counts;
- restyle: the layer's own time for new colours (``restyleMs``), and hour change -> map
  repainted as in ``bench_dashboard.py`` (kernel and transport included), medians;
- pan: frame time p95 of a scripted drag (``bench_pan.py``'s pan).

Headless Chromium runs with ``--disable-gpu``: its WebGL is ANGLE on SwiftShader (software
Vulkan), printed with the figures, as is the machine's load (it is shared).
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
from benchmarks.bench_dashboard import KEYDOWN_JS, restyle_times, wait_until_idle  # noqa: E402
from benchmarks.bench_metro import PAINTED_JS, grid_size  # noqa: E402
from benchmarks.bench_pan import PAN_JS, STEP_PX, p95  # noqa: E402
from tests.browser import browser_page, voila_server  # noqa: E402

PAGE = "/voila/render/atlas.ipynb?res=10&basemap=none"
DRAW_JS = """async (times) => {
  const c = document.querySelector('.atlas-hex-canvas'), map = c.atlasMap;
  const gl = c.dataset.renderer === 'webgl' ? c.getContext('webgl2') : null;
  const out = [];
  for (let k = 0; k < times; k++) {
    await new Promise((r) => requestAnimationFrame(r));
    const t = performance.now();
    map.fire('viewreset');
    if (gl) gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
    out.push(performance.now() - t);
  }
  return out;
}"""
GL_JS = """() => { const c = document.createElement('canvas').getContext('webgl2');
  if (!c) return 'none'; const d = c.getExtension('WEBGL_debug_renderer_info');
  return d ? c.getParameter(d.UNMASKED_RENDERER_WEBGL) : c.getParameter(c.RENDERER); }"""
RESTYLE_MS_JS = "() => Number(document.querySelector('.atlas-hex-canvas').dataset.restyleMs)"


def figures(url: str, moves: int, frames: int) -> dict[str, object]:
    """Every figure of one page (see the module docstring)."""
    with browser_page(1440, 900) as page:
        page.add_init_script(KEYDOWN_JS)
        wait_until_idle()
        start = time.perf_counter()
        page.goto(url, timeout=180_000)
        page.wait_for_function(PAINTED_JS, timeout=180_000, polling=20)
        first = time.perf_counter() - start
        wait_until_idle()
        draws = page.evaluate(DRAW_JS, moves)
        painted, inner = [], []
        for _ in range(moves // 2):  # left then right: the window never runs into an end
            painted += restyle_times(page, 2)[0]
            inner.append(page.evaluate(RESTYLE_MS_JS))
        page.evaluate(PAN_JS, [40, STEP_PX, "drag"])  # warm-up
        pan = page.evaluate(PAN_JS, [frames, STEP_PX, "drag"])
        return {"first": first, "draws": draws, "painted": painted, "inner": inner,
                "pan": pan["gaps"], "gl": page.evaluate(GL_JS)}


def main() -> None:
    moves = 4 if quick() else 16
    frames = 40 if quick() else 180
    sizes = {"city": city_dir, "metro": metro_dir}
    chosen = os.environ.get("BENCH_RENDERER_SIZES", "city,metro").split(",")
    for size in chosen:
        folder = sizes[size]()
        grid, _ = grid_size(folder)
        name = "sample" if quick() else size
        tag = f"renderers_{name}_res10_{grid // 1000}k_cells"
        for renderer in ("canvas", "webgl"):
            env = {"ATLAS_CITY": str(folder), "ATLAS_HEX_RENDERER": renderer}
            with voila_server(REPO / "dashboards", env=env,
                              extra_args=SERVED) as url:
                out = figures(url + PAGE, moves, frames)
            print(f"{name} {renderer}: {grid:,} grid cells; GL {out['gl']}; load average "
                  f"{load_average()}", flush=True)
            record(f"{tag}_{renderer}_first_paint", out["first"], "s", None)
            record(f"{tag}_{renderer}_draw_median", statistics.median(out["draws"]), "ms", None)
            record(f"{tag}_{renderer}_restyle_in_layer", statistics.median(out["inner"]), "ms",
                   None)
            record(f"{tag}_{renderer}_hour_change_median",
                   statistics.median(out["painted"]) * 1000, "ms", None)
            record(f"{tag}_{renderer}_pan_frame_p95", p95(out["pan"]), "ms", 33)


if __name__ == "__main__":
    main()
