"""The page's own share of an hour change: hexcanvas.js restyling a city- and a metro-sized grid.

No Voila and no kernel: the layer runs in headless Chromium against stand-in widget models and a
Leaflet-like map (tests/hexpage.py) of the size the dashboard gives its map in a 1440 x 900
window (1050 x 640), res-10 disks around Lyon the size of the bench city (54,271 cells) and
metro (164,971). Each restyle alternates two random styles (7
colours, 30 % of cells not drawn, 10 % dashed) and is timed three ways, medians printed:

- ``restyleMs``: the layer's own time for new codes (regroup and repaint, the canvas put);
- ``to frame``: from the new codes to two animation frames later (the page has composited the
  canvas: what bench_dashboard.py waits for after the map's counter);
- ``full draw``: a ``viewreset`` (a draw of the padded view from nothing), for comparison;
- ``pan strip``: a pan of 30 % of the view's width, past the padding: the canvas blitted and the
  uncovered strip rasterised (what a drag costs the frames where it draws).

Zooms are the ones the dashboard fits the bench city and metro at (11 and 10.5: cells ~2.4 and
~1.7 px wide, filled without outlines); ``zoom+2`` rows repeat the city two zooms closer (cells
~10 px, outlined), where only part of the grid is in the padded view. Medians and minimums are
printed: the machine is shared, and its load, printed beside them, moves medians a lot.

``BENCH_PAINT_JS=path`` times another hexcanvas.js in place of the package's (before and after a
change: ``git show main:geo/layers/hexcanvas.js > /tmp/before.js``).
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import load_average, record, sized  # noqa: E402
from geo.layers._hexes import DASHED_HEX_STYLE, HEX_STYLE  # noqa: E402
from tests.browser import browser_page  # noqa: E402
from tests.hexpage import (  # noqa: E402
    MODULE,
    SETUP_JS,
    centre_of,
    disk_grid,
    grid_payload,
    random_style,
)

LYON = (45.75, 4.85)
SIZES = {"city": (134, 11), "metro": (234, 10.5), "city zoom+2": (134, 13)}
"""grid_disk k and the map's zoom of each size."""

TIME_JS = """async ([view, a, b, moves]) => {
  const layer = await hexLayer(view, a);
  await layer.frames();
  const restyle = [], frame = [], draws = [];
  for (let k = 0; k < moves; k++) {
    const t = performance.now();
    layer.restyle(k % 2 ? a : b);
    restyle.push(Number(layer.canvas.dataset.restyleMs));
    await layer.frames();
    frame.push(performance.now() - t);
  }
  for (let k = 0; k < moves; k++) {
    await layer.frames();
    layer.map.origin.x += k % 2 ? 1 : -1;  // a new frame: nothing drawn before is reused
    const t = performance.now();
    layer.map.fire('viewreset');
    draws.push(performance.now() - t);
  }
  const strips = [];
  for (let k = 0; k < moves; k++) {
    // Past the padding, east then west: the canvas is blitted and a strip rasterised.
    const dx = Math.round(view.w * 0.3) * (k % 2 ? -1 : 1);
    layer.map.panBy(dx, 0);
    await layer.frames();
    strips.push(Number(layer.canvas.dataset.drawMs));
  }
  layer.remove();
  return { restyle, frame, draws, strips };
}"""


def module() -> str:
    """The widget's JS, or mapcanvas.js, hexgl.js and the hexcanvas.js ``$BENCH_PAINT_JS``
    names (a version from before mapcanvas.js declares those helpers itself: not put twice)."""
    other = os.environ.get("BENCH_PAINT_JS")
    if not other:
        return MODULE
    layer = Path(other).read_text()
    names = ("hexgl.js",) if "function mercator(" in layer else ("mapcanvas.js", "hexgl.js")
    shared = "\n".join((REPO / "geo" / "layers" / name).read_text() for name in names)
    return shared + "\n" + layer


def main() -> None:
    moves = sized(20, 4)
    rng = np.random.default_rng(14)
    base = {**HEX_STYLE, "stroke": True, "fill": True}
    for name, (k, zoom) in SIZES.items():
        cells = disk_grid(k if sized(1, 0) else 20, *LYON)
        a, b = random_style(cells.size, rng), random_style(cells.size, rng)
        view = {"w": 1050, "h": 640, "zoom": zoom, "centre": centre_of(*LYON)}
        with browser_page(1440, 900) as page:
            page.goto("about:blank")
            page.evaluate(SETUP_JS, [module(), grid_payload(cells, base, dict(DASHED_HEX_STYLE))])
            out = page.evaluate(TIME_JS, [view, a, b, moves])
        med = {key: f"{statistics.median(v):.1f} ({min(v):.1f})" for key, v in out.items()}
        print(f"{name}: {cells.size:,} cells, zoom {zoom}: restyleMs {med['restyle']} ms, "
              f"to frame {med['frame']} ms, full draw {med['draws']} ms, "
              f"pan strip {med['strips']} ms "
              f"(medians (minimums) of {moves}; load {load_average()})", flush=True)
        tag = name.replace("+", "_plus").replace(" ", "_")
        for key, what in (("restyle", "restyle"), ("frame", "restyle_to_frame"),
                          ("draws", "full_draw")):
            record(f"paint_{tag}_{what}", statistics.median(out[key]), "ms", None)


if __name__ == "__main__":
    main()
