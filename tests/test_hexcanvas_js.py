"""hexcanvas.js in Chromium against stand-in widget models and map (tests/hexpage.py).

A restyle paints the spans the frame's last draw cached, clears and puts only the rectangle
that may hold colour: after any run of restyles, pans, zooms and new outlines, the canvas must
hold exactly the pixels a fresh layer puts in one full draw of the final style.
"""

from __future__ import annotations

import numpy as np
import pytest

from geo.layers._hexes import DASHED_HEX_STYLE, HEX_STYLE
from tests.browser import browser_page, chromium_path
from tests.conftest import need
from tests.hexpage import MODULE, SETUP_JS, centre_of, disk_grid, grid_payload, random_style

pytestmark = [pytest.mark.browser]

VIEW = {"w": 400, "h": 300, "zoom": 15, "centre": centre_of()}
"""Cells ~37 px wide: filled, outlined and dashed; the grid runs past the padded canvas."""

SCENARIO_JS = """async ([view, styles, corner]) => {
  const same = async (layer, style) => {
    // A fresh layer at the same frame, drawn once in ``style``: how many pixels differ.
    const fresh = await hexLayer(view, style);
    const { zoom, origin, pane } = layer.map;
    Object.assign(fresh.map, { zoom, origin: { ...origin }, pane: { ...pane } });
    fresh.map.fire('viewreset');
    const n = differing(layer.pixels(), fresh.pixels());
    fresh.remove();
    return n;
  };
  const out = {};
  const layer = await hexLayer(view, styles[0]);
  out.first = painted(layer.pixels());
  for (const s of styles.slice(1, 4)) layer.restyle(s);
  out.restyled = await same(layer, styles[3]);
  out.painted = painted(layer.pixels());
  layer.restyle(corner);  // few cells: the clear must reach what the last style painted
  out.shrunk = await same(layer, corner);
  out.shrunkPainted = painted(layer.pixels());
  layer.restyle(styles[1]);
  out.grown = await same(layer, styles[1]);
  layer.map.panBy(170, 90);  // past the padding: the canvas is blitted, strips rasterised
  await layer.frames();
  out.panned = await same(layer, styles[1]);
  layer.restyle(styles[2]);  // a new frame: the spans of the last one no longer hold
  out.pannedRestyle = await same(layer, styles[2]);
  layer.map.panBy(-60, 0);  // within the padding: nothing drawn
  await layer.frames();
  layer.restyle(styles[0]);
  out.smallPanRestyle = await same(layer, styles[0]);
  layer.map.setView(14, view.centre);
  layer.map.fire('zoomend');
  layer.restyle(styles[3]);
  out.zoomedRestyle = await same(layer, styles[3]);
  // Hover names the cell under the pointer by its position; the page never holds cell ids.
  layer.map.fire('mousemove', { latlng: { lat: 41.84, lng: -87.68 } });
  out.hover = layer.sent.at(-1);
  layer.remove();
  return out;
}"""

GRID_JS = """async ([view, style, other, otherStyle]) => {
  // New outlines (another grid) on a layer that has painted: the old grid's spans must go.
  const layer = await hexLayer(view, style);
  layer.regrid(other, otherStyle);
  const fresh = await hexLayer(view, otherStyle, 'canvas', other);
  return [differing(layer.pixels(), fresh.pixels()), painted(layer.pixels())];
}"""

WEBGL_JS = """async ([view, a, b]) => {
  const layer = await hexLayer(view, a, 'webgl');
  layer.restyle(b);
  await layer.frames();
  return [layer.canvas.dataset.renderer, Number(layer.canvas.dataset.painted),
          Number(layer.canvas.dataset.shown)];
}"""


def styles(n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [random_style(n, rng, hidden=h, dashed=d)
            for h, d in [(0.3, 0.1), (0.1, 0.4), (0.5, 0.0), (0.2, 0.2)]]


@pytest.fixture()
def page():
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    with browser_page(800, 600) as page:
        page.goto("about:blank")
        yield page


def base() -> dict:
    return {**HEX_STYLE, "stroke": True, "fill": True}


def test_restyles_pans_and_zooms_put_the_pixels_of_a_fresh_full_draw(page) -> None:
    cells = disk_grid(12)  # 469 cells
    page.evaluate(SETUP_JS, [MODULE, grid_payload(cells, base(), dict(DASHED_HEX_STYLE))])
    few = np.isin(cells, disk_grid(1))  # the centre cell and its six neighbours
    corner = {"codes": np.where(few, 0, 255).tolist(),
              "marks": (few & (cells % 2 == 1)).astype(int).tolist(), "palette": ["#123456"]}
    out = page.evaluate(SCENARIO_JS, [VIEW, styles(cells.size, 14), corner])
    assert out["first"] > 10_000 and out["painted"] > 10_000
    assert 0 < out["shrunkPainted"] < out["painted"] / 10
    for step in ("restyled", "shrunk", "grown", "panned", "pannedRestyle", "smallPanRestyle",
                 "zoomedRestyle"):
        assert out[step] == 0, (step, out)
    centre = int(np.searchsorted(cells, disk_grid(0)[0]))
    assert out["hover"] == {"event": "hover", "i": centre}


def test_new_outlines_drop_the_spans_of_the_old_grid(page) -> None:
    cells, other = disk_grid(12), disk_grid(5, lat=41.845, lng=-87.675)
    page.evaluate(SETUP_JS, [MODULE, grid_payload(cells, base(), dict(DASHED_HEX_STYLE))])
    second = grid_payload(other, base(), dict(DASHED_HEX_STYLE))
    a = styles(cells.size, 3)[0]
    b = random_style(other.size, np.random.default_rng(4), hidden=0.0)
    changed, shown = page.evaluate(GRID_JS, [VIEW, a, second, b])
    assert shown > 10_000 and changed == 0, (changed, shown)


def test_the_webgl_painter_still_draws_and_restyles(page) -> None:
    cells = disk_grid(6)
    page.evaluate(SETUP_JS, [MODULE, grid_payload(cells, base(), dict(DASHED_HEX_STYLE))])
    a, b = styles(cells.size, 5)[:2]
    renderer, painted, shown = page.evaluate(WEBGL_JS, [VIEW, a, b])
    assert renderer == "webgl" and painted >= 2
    assert shown == sum(c != 255 for c in b["codes"])
