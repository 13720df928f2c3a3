"""hexcanvas.js alone in headless Chromium: stand-in widget models and a Leaflet-like map.

The painting path is driven without Voila or a kernel, so a test can compare the pixels of a
layer restyled several times with those of a fresh layer drawn once in the final style, and a
benchmark can time the page's own share of an hour change (benchmarks/bench_paint.py). The map
stand-in has what hexcanvas.js asks of Leaflet: a pane, size, zoom, pixel origin, the pane's
offset (``panBy`` moves it as a drag does) and ``fire`` for its events.
"""

from __future__ import annotations

import base64

import h3.api.basic_int as h3i
import numpy as np

from geo.layers._hexcanvas import HexCanvas, encode_outlines, mercator, pack_outlines

MODULE = HexCanvas._esm
"""mapcanvas.js, hexgl.js and hexcanvas.js, as the widget ships them."""

SETUP_JS = """async ([source, grid]) => {
  const module = await import('data:text/javascript,' + encodeURIComponent(source));
  const raw = (text) => { const s = atob(text), b = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i); return new DataView(b.buffer); };
  const outlines = (g) => ({ centres: raw(g.centres), deltas: raw(g.deltas),
                            offsets: raw(g.offsets), shift: g.shift });
  const first = outlines(grid);
  const point = (x, y) => ({ x, y, round: () => point(Math.round(x), Math.round(y)) });
  class FakeMap {
    constructor({ w, h, zoom, centre }) {
      this.div = document.createElement('div');
      document.body.appendChild(this.div);
      this._loaded = true;
      this.size = { x: w, y: h };
      this.handlers = [];
      this.setView(zoom, centre);
    }
    setView(zoom, centre) {
      const scale = 256 * 2 ** zoom;
      this.zoom = zoom;
      this.origin = { x: Math.round(centre[0] * scale - this.size.x / 2),
                      y: Math.round(centre[1] * scale - this.size.y / 2) };
      this.pane = { x: 0, y: 0 };
    }
    getPane() { return this.div; }
    getSize() { return point(this.size.x, this.size.y); }
    getZoom() { return this.zoom; }
    getPixelOrigin() { return point(this.origin.x, this.origin.y); }
    containerPointToLayerPoint([x, y]) { return point(x - this.pane.x, y - this.pane.y); }
    on(h) { this.handlers.push(h); }
    off(h) { this.handlers = this.handlers.filter((k) => k !== h); }
    fire(name, e = {}) { for (const h of this.handlers) if (h[name]) h[name](e); }
    panBy(dx, dy) { this.pane.x -= dx; this.pane.y -= dy; this.fire('move'); this.fire('moveend'); }
  }
  const frames = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  // One layer: a stand-in model whose fields the test sets, on one stand-in map.
  // ``other``: another grid's payload (grid_payload) in place of the one set up.
  window.hexLayer = async (view, style, renderer = 'canvas', other = null) => {
    const map = new FakeMap(view);
    const fields = { renderer, ...(other ? outlines(other) : first), grid: 1,
                     base: grid.base, dashed_style: grid.dashed, hover_style: {}, version: 1,
                     map: 'IPY_MODEL_map' };
    const on = {};
    const sent = [];
    const model = { get: (k) => fields[k], on: (e, f) => { on[e] = f; },
                    send: (m) => sent.push(m),
                    widget_manager: { get_model: async () => ({
                      views: { a: Promise.resolve({ obj: map }) } }) } };
    const put = ({ codes, marks, palette }) => Object.assign(fields, {
      codes: new DataView(new Uint8Array(codes).buffer),
      marks: new DataView(new Uint8Array(marks).buffer), palette });
    put(style);
    module.default.initialize({ model });
    while (!map.div.querySelector('canvas.atlas-hex-canvas')?.dataset.painted) {
      await new Promise((r) => setTimeout(r, 5));
    }
    const canvas = map.div.querySelector('canvas.atlas-hex-canvas');
    return {
      map, canvas, sent, frames,
      restyle: (s) => { put(s); fields.version++; on['change:version'](); },
      // New outlines and codes in one message, as the kernel sends them (grid, then version).
      regrid: (g, s) => {
        Object.assign(fields, outlines(g));
        put(s);
        fields.grid++;
        on['change:grid']();
        fields.version++;
        on['change:version']();
      },
      pixels: () => canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data,
      remove: () => map.div.remove(),
    };
  };
  window.differing = (a, b) => {
    if (a.length !== b.length) return -1;
    const u = new Uint32Array(a.buffer), v = new Uint32Array(b.buffer);
    let n = 0;
    for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) n++;
    return n;
  };
  window.painted = (a) => {
    const u = new Uint32Array(a.buffer);
    let n = 0;
    for (let i = 0; i < u.length; i++) if (u[i]) n++;
    return n;
  };
}"""


def disk_grid(k: int, lat: float = 41.84, lng: float = -87.68, res: int = 10) -> np.ndarray:
    """The ``1 + 3k(k+1)`` cells around a point, sorted (k=134: 54,271 cells, the city's size)."""
    return np.sort(np.asarray(h3i.grid_disk(h3i.latlng_to_cell(lat, lng, res), k),
                              dtype=np.uint64))


def grid_payload(cells: np.ndarray, base: dict, dashed: dict) -> dict:
    """The outline buffers of ``cells`` (base64) and the styles, as SETUP_JS takes them."""
    vertices, offsets = pack_outlines(cells)
    centres, deltas, shift = encode_outlines(vertices, offsets)

    def b64(a: np.ndarray) -> str:
        return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode()

    return {"centres": b64(centres), "deltas": b64(deltas), "offsets": b64(offsets),
            "shift": shift, "base": base, "dashed": dashed}


def centre_of(lat: float = 41.84, lng: float = -87.68) -> list[float]:
    """A point on Web Mercator's unit square (the stand-in map's centre)."""
    x, y = mercator(np.array([lng]), np.array([lat]))
    return [float(x[0]), float(y[0])]


def random_style(n: int, rng: np.random.Generator, colours: int = 7, hidden: float = 0.3,
                 dashed: float = 0.1) -> dict:
    """Codes (255 = not drawn), dashed marks and a palette for ``n`` cells."""
    codes = rng.integers(0, colours, n)
    codes[rng.random(n) < hidden] = 255
    marks = (rng.random(n) < dashed).astype(int)
    palette = [f"#{int(v):06x}" for v in rng.integers(0, 1 << 24, colours)]
    return {"codes": codes.tolist(), "marks": marks.tolist(), "palette": palette}
