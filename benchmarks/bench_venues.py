"""Venue dots (issue "real-city scale"): the kernel's cost of the venue layer's widget state, and
the page's cost of painting the dots, for the city (3,000 venues) and the metro (8,000).

Kernel: the widget state a page waits for, as ipywidgets serialises it (``get_state``, then
``_remove_buffers`` and ``json.dumps``: what a comm_open carries), for :class:`VenueLayer`'s
canvas and, beside it, for the GeoJSON layer it replaced (the same points as ipyleaflet features
with name, hours and style, plus their restyler), built here from the same table.

Page: the two ways of stamping dots on a software canvas in Debian's headless Chromium (as the
rooms run it): an arc, fill and stroke per dot, or one pre-rendered sprite per style blitted with
``drawImage``, on a canvas the size of the padded view (2160 x 1350), random positions, medians of
15 full draws each flushed by a pixel read.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks._common import city_dir, load_average, metro_dir, quick, record  # noqa: E402

PAINT_JS = """async ([n, r, sprite]) => {
  const W = 2160, H = 1350, c = document.createElement('canvas');
  c.width = W; c.height = H;
  const ctx = c.getContext('2d');
  const xs = new Float64Array(n), ys = new Float64Array(n), col = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = Math.random() * W; ys[i] = Math.random() * H; col[i] = i % 3;
  }
  const fills = ['rgba(27,158,119,0.9)', 'rgba(127,127,127,0.9)', 'rgba(255,255,255,0.9)'];
  const stamps = fills.map((f) => {
    const s = document.createElement('canvas'), h = Math.ceil(r + 2), x = s.getContext('2d');
    s.width = s.height = 2 * h;
    x.beginPath(); x.arc(h, h, r, 0, 2 * Math.PI); x.fillStyle = f; x.fill();
    x.lineWidth = 1; x.strokeStyle = '#222222'; x.stroke();
    return [s, h];
  });
  const arcs = () => {
    ctx.lineWidth = 1; ctx.strokeStyle = '#222222';
    for (let i = 0; i < n; i++) {
      ctx.beginPath(); ctx.arc(xs[i], ys[i], r, 0, 2 * Math.PI);
      ctx.fillStyle = fills[col[i]]; ctx.fill(); ctx.stroke();
    }
  };
  const blits = () => {
    for (let i = 0; i < n; i++) {
      const [s, h] = stamps[col[i]];
      ctx.drawImage(s, Math.round(xs[i] - h), Math.round(ys[i] - h));
    }
  };
  const out = [];
  for (let k = 0; k < 15; k++) {
    ctx.clearRect(0, 0, W, H);
    const t = performance.now();
    (sprite ? blits : arcs)();
    ctx.getImageData(0, 0, 1, 1);  // the draw is only rasterised when read
    out.push(performance.now() - t);
    await new Promise((r) => requestAnimationFrame(r));
  }
  out.sort((a, b) => a - b);
  return out[7];
}"""


def state_cost(widget_list) -> tuple[float, int]:
    """Milliseconds to serialise the widgets' states as a comm_open would, and their bytes."""
    from ipywidgets.widgets.widget import _remove_buffers

    started = time.perf_counter()
    size = 0
    for widget in widget_list:
        state, _, buffers = _remove_buffers(widget.get_state())
        size += len(json.dumps(state)) + sum(memoryview(b).nbytes for b in buffers)
    return (time.perf_counter() - started) * 1000, size


def geojson_widgets(venues):
    """The GeoJSON layer the canvas replaced: features with name, hours and a style each."""
    import ipyleaflet
    import numpy as np
    import pandas as pd

    from geo.layers._restyle import FeatureStyle

    names = venues["name"].tolist() if "name" in venues else [None] * len(venues)
    hours = venues["opening_hours"].tolist() if "opening_hours" in venues else [None] * len(venues)
    style = {"radius": 5, "weight": 1, "color": "#222222", "opacity": 1.0, "fillOpacity": 0.9,
             "dashArray": None, "stroke": True, "fill": True, "interactive": True,
             "fillColor": "#1b9e77"}
    features = [
        {"type": "Feature",
         "properties": {"name": None if pd.isna(n) else str(n),
                        "hours": None if pd.isna(h) else str(h), "i": i, "style": dict(style)},
         "geometry": {"type": "Point", "coordinates": [round(x, 5), round(y, 5)]}}
        for i, (x, y, n, h) in enumerate(zip(venues["lon"].tolist(), venues["lat"].tolist(),
                                             names, hours, strict=True))
    ]
    layer = ipyleaflet.GeoJSON(data={"type": "FeatureCollection", "features": features})
    size = len(venues)
    styler = FeatureStyle(layer=layer, size=size, palette=["#1b9e77"],
                          codes=np.zeros(size, np.uint8).tobytes(),
                          marks=np.zeros(size, np.uint8).tobytes())
    return [layer, styler]


def kernel_part(label: str, folder: Path) -> None:
    import numpy as np

    from geo.app._style import VENUE_COLORS
    from geo.io import read_table
    from geo.layers import VenueLayer

    venues = read_table(folder / "venues.geojson", "venues").frame
    states = np.array(["open", "closed", "unknown"])[np.arange(len(venues)) % 3]
    venues = venues.assign(state=states)
    canvas, old = [], []
    for _ in range(3):
        layer = VenueLayer("venues", VENUE_COLORS)
        layer.draw(venues)
        canvas.append(state_cost([layer.layer]))
        old.append(state_cost(geojson_widgets(venues)))
    n = len(venues)
    print(f"{label}: {n:,} venues; load {load_average()}")
    print(f"  canvas state {canvas[0][1]:,} B, serialised in "
          + ", ".join(f"{ms:.1f}" for ms, _ in canvas) + " ms")
    print(f"  GeoJSON state {old[0][1]:,} B, serialised in "
          + ", ".join(f"{ms:.1f}" for ms, _ in old) + " ms")
    record(f"venues_{label}_canvas_state_bytes", canvas[0][1], "B")
    record(f"venues_{label}_canvas_state_ms", statistics.median(c[0] for c in canvas), "ms")
    record(f"venues_{label}_geojson_state_bytes", old[0][1], "B")
    record(f"venues_{label}_geojson_state_ms", statistics.median(c[0] for c in old), "ms")


def page_part() -> None:
    from tests.browser import browser_page, chromium_path

    if chromium_path() is None:
        print("no Chromium: page part skipped")
        return
    sizes = (300,) if quick() else (3_000, 10_000)
    with browser_page() as page:
        page.goto("about:blank")
        for n in sizes:
            for r in (2, 5):
                arcs = page.evaluate(PAINT_JS, [n, r, False])
                sprites = page.evaluate(PAINT_JS, [n, r, True])
                print(f"  {n:,} dots r={r}: arcs {arcs:.1f} ms, sprites {sprites:.1f} ms "
                      f"(load {load_average()})")
                record(f"venues_paint_{n}_r{r}_arcs", arcs, "ms")
                record(f"venues_paint_{n}_r{r}_sprites", sprites, "ms")


def main() -> None:
    kernel_part("city", city_dir())
    if not quick():
        kernel_part("metro", metro_dir())
    page_part()


if __name__ == "__main__":
    main()
