// H3 hexagons drawn by one batched canvas inside the ipyleaflet map (no CDN, no GeoJSON).
//
// The kernel sends the outlines of a resolution's grid once, as binary buffers, already on
// Web Mercator's unit square in steps of 2^-32 (geo/layers/_hexcanvas.py encode_outlines):
// `centres` (uint32 x, y per cell), `deltas` (int16 x, y per vertex, every cell's ring one
// after the other, in steps of 2^shift from its centre) and `offsets` (uint32: where each
// cell's ring starts; n + 1 entries). On a filter change it sends only a palette and one
// byte per cell: its colour index (255 = not drawn) and whether it is dashed. Leaflet's canvas
// renderer would draw and restyle each hexagon as its own path object (212 ms per hour change
// at 34k cells), and even one canvas path per hexagon costs ~70 us in software rendering; here
// cells are rasterised as row spans into one pixel buffer, put once, so a repaint of 54k cells
// is a few array loops (~50 ms). Outlines (dashed for hidden cells) are one-pixel walks, drawn
// only where cells are big enough on screen to show them. A pan moves the drawn canvas with the
// map pane and draws nothing while the padded area still covers the view; past its edge the
// pixels are blitted over and only the uncovered strips are rasterised (benchmarks/bench_pan.py).
//
// The canvas sits first in the map's overlay pane (venue dots, venuecanvas.js, and other vector
// layers stay above it) and ignores the pointer: hover and click come from the map's own mouse events, the
// cell under the pointer is found with a uniform grid index and a point-in-polygon test, and
// its position is sent to the kernel, which knows the cell ids (the page never gets them).

const PAD = 0.25; // share of the view drawn beyond each edge, so a pan shows cells at once
const TAU = 2 * Math.PI;

function mercator(lon, lat) {
  // Web Mercator on the unit square, as Leaflet's EPSG:3857 with scale 1.
  const clamped = Math.max(Math.min(lat, 85.0511287798), -85.0511287798);
  const s = Math.sin((clamped * Math.PI) / 180);
  return [lon / 360 + 0.5, 0.5 - Math.log((1 + s) / (1 - s)) / (2 * TAU)];
}

function bytes(view, Type) {
  if (!view || !view.byteLength) return new Type(0);
  const buffer = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
  return new Type(buffer);
}

class Geometry {
  // Projected rings, per-cell boxes and a grid index over them, made once per grid. This runs
  // between the outlines' arrival and the first paint, so it is flat loops over typed arrays:
  // no array per vertex or per cell, the index as two typed arrays (bucket starts, members).
  constructor(centres, deltas, offsets, shift) {
    const n = Math.min(Math.max(offsets.length - 1, 0), centres.length >> 1);
    this.n = n;
    this.offsets = offsets;
    const xy = (this.xy = new Float64Array(deltas.length));
    const box = (this.box = new Float64Array(4 * n));
    const unit = 2 ** -32, step = 2 ** (shift - 32);
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, width = 0;
    for (let i = 0; i < n; i++) {
      let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
      const cx = centres[2 * i] * unit, cy = centres[2 * i + 1] * unit;
      for (let v = offsets[i], end = offsets[i + 1]; v < end; v++) {
        const x = cx + deltas[2 * v] * step, y = cy + deltas[2 * v + 1] * step;
        xy[2 * v] = x;
        xy[2 * v + 1] = y;
        if (x < a) a = x;
        if (x > c) c = x;
        if (y < b) b = y;
        if (y > d) d = y;
      }
      box[4 * i] = a; box[4 * i + 1] = b; box[4 * i + 2] = c; box[4 * i + 3] = d;
      width += c - a;
      if (a < x0) x0 = a;
      if (b < y0) y0 = b;
      if (c > x1) x1 = c;
      if (d > y1) y1 = d;
    }
    this.cellWidth = n ? width / n : 0; // a typical cell's width on the unit square
    this.index(x0, y0, x1, y1);
  }

  index(x0, y0, x1, y1) {
    // ~4 cells per bucket: a lookup tests a handful of rings. Bucket k holds the cells
    // members[starts[k]:starts[k + 1]] (a count pass, then a fill pass).
    const side = Math.max(1, Math.ceil(Math.sqrt(this.n / 4)));
    this.grid = { x0, y0, side, w: (x1 - x0) / side || 1, h: (y1 - y0) / side || 1 };
    const starts = new Uint32Array(side * side + 1), span = new Int32Array(4 * this.n);
    for (let i = 0; i < this.n; i++) {
      const ca = this.column(this.box[4 * i]), ra = this.row(this.box[4 * i + 1]);
      const cb = this.column(this.box[4 * i + 2]), rb = this.row(this.box[4 * i + 3]);
      span[4 * i] = ca; span[4 * i + 1] = ra; span[4 * i + 2] = cb; span[4 * i + 3] = rb;
      for (let r = ra; r <= rb; r++) for (let c = ca; c <= cb; c++) starts[r * side + c + 1]++;
    }
    for (let k = 0; k < side * side; k++) starts[k + 1] += starts[k];
    const next = starts.slice(0, side * side), members = new Uint32Array(starts[side * side]);
    for (let i = 0; i < this.n; i++) {
      for (let r = span[4 * i + 1]; r <= span[4 * i + 3]; r++) {
        for (let c = span[4 * i]; c <= span[4 * i + 2]; c++) members[next[r * side + c]++] = i;
      }
    }
    this.starts = starts;
    this.members = members;
  }

  column(x) {
    const g = this.grid;
    return Math.min(g.side - 1, Math.max(0, Math.floor((x - g.x0) / g.w)));
  }

  row(y) {
    const g = this.grid;
    return Math.min(g.side - 1, Math.max(0, Math.floor((y - g.y0) / g.h)));
  }

  find(x, y, drawn) {
    const g = this.grid;
    if (!this.n || x < g.x0 || y < g.y0 || x > g.x0 + g.w * g.side || y > g.y0 + g.h * g.side) {
      return -1;
    }
    const k = this.row(y) * g.side + this.column(x);
    for (let m = this.starts[k]; m < this.starts[k + 1]; m++) {
      const i = this.members[m];
      if (drawn(i) && this.inside(i, x, y)) return i;
    }
    return -1;
  }

  inside(i, x, y) {
    let hit = false;
    const xy = this.xy, start = this.offsets[i], end = this.offsets[i + 1];
    for (let v = start, w = end - 1; v < end; w = v++) {
      const xv = xy[2 * v], yv = xy[2 * v + 1], xw = xy[2 * w], yw = xy[2 * w + 1];
      if ((yv > y) !== (yw > y) && x < ((xw - xv) * (y - yv)) / (yw - yv) + xv) hit = !hit;
    }
    return hit;
  }
}

function rgba(colour, alpha) {
  const hex = colour.replace("#", "");
  const full = hex.length === 3 ? [...hex].map((h) => h + h).join("") : hex;
  const n = parseInt(full, 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

function packed(colour, alpha) {
  // One RGBA pixel as the Uint32 a little-endian ImageData holds (bytes R, G, B, A).
  const hex = colour.replace("#", "");
  const full = hex.length === 3 ? [...hex].map((h) => h + h).join("") : hex;
  const n = parseInt(full, 16);
  const a = Math.max(0, Math.min(255, Math.round(alpha * 255)));
  return ((a << 24) | ((n & 255) << 16) | (n & 0xff00) | ((n >> 16) & 255)) >>> 0;
}

function fillConvex(pixels, W, H, px, n, colour) {
  // Pixel centres inside a convex ring; a cell smaller than a pixel still gets one.
  let top = Infinity, bottom = -Infinity;
  for (let v = 0; v < n; v++) {
    top = Math.min(top, px[2 * v + 1]);
    bottom = Math.max(bottom, px[2 * v + 1]);
  }
  let filled = false;
  const rowA = Math.max(0, Math.ceil(top - 0.5)), rowB = Math.min(H - 1, Math.floor(bottom - 0.5));
  for (let row = rowA; row <= rowB; row++) {
    const y = row + 0.5;
    let left = Infinity, right = -Infinity;
    for (let v = 0, w = n - 1; v < n; w = v++) {
      const ya = px[2 * w + 1], yb = px[2 * v + 1];
      if ((ya <= y && yb > y) || (yb <= y && ya > y)) {
        const x = px[2 * w] + ((y - ya) * (px[2 * v] - px[2 * w])) / (yb - ya);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
    const a = Math.max(0, Math.ceil(left - 0.5)), b = Math.min(W - 1, Math.floor(right - 0.5));
    if (a <= b) {
      pixels.fill(colour, row * W + a, row * W + b + 1);
      filled = true;
    }
  }
  if (!filled) {
    let cx = 0, cy = 0;
    for (let v = 0; v < n; v++) { cx += px[2 * v]; cy += px[2 * v + 1]; }
    const x = Math.floor(cx / n), y = Math.floor(cy / n);
    if (x >= 0 && y >= 0 && x < W && y < H) pixels[y * W + x] = colour;
  }
}

function outline(pixels, W, H, px, n, colour, dash) {
  // One-pixel edges (a DDA walk); ``dash`` [on, off] in pixels runs along the whole ring.
  const period = dash.length >= 2 ? dash[0] + dash[1] : 0;
  let walked = 0;
  for (let v = 0; v < n; v++) {
    const w = (v + 1) % n;
    const xa = px[2 * v], ya = px[2 * v + 1], xb = px[2 * w], yb = px[2 * w + 1];
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(xb - xa), Math.abs(yb - ya))));
    for (let k = 0; k < steps; k++, walked++) {
      if (period && walked % period >= dash[0]) continue;
      const x = Math.floor(xa + ((xb - xa) * k) / steps), y = Math.floor(ya + ((yb - ya) * k) / steps);
      if (x >= 0 && y >= 0 && x < W && y < H) pixels[y * W + x] = colour;
    }
  }
}

function dashes(value) {
  if (!value) return [];
  return String(value).split(/[ ,]+/).map(Number).filter((v) => v > 0);
}

class HexCanvas {
  constructor(model, map) {
    this.model = model;
    this.map = map;
    this.geometry = null;
    this.hover = -1;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "atlas-hex-canvas leaflet-zoom-hide";
    this.top = document.createElement("canvas");
    this.top.className = "atlas-hex-hover leaflet-zoom-hide";
    for (const c of [this.canvas, this.top]) {
      Object.assign(c.style, { position: "absolute", left: "0", top: "0", pointerEvents: "none" });
    }
    // Scripted pans (benchmarks/bench_pan.py) and tests reach the Leaflet map through this.
    this.canvas.atlasMap = map;
    // ATLAS_HEX_RENDERER=webgl: hexgl.js paints this canvas instead of the span rasteriser.
    this.gl = model.get("renderer") === "webgl" ? new GLPainter(this.canvas) : null;
    this.canvas.dataset.renderer = this.gl ? "webgl" : "canvas";
    const pane = map.getPane("overlayPane");
    pane.insertBefore(this.top, pane.firstChild);
    pane.insertBefore(this.canvas, pane.firstChild);
    this.handlers = {
      move: () => this.follow(), // a drag fires moveend only at the release
      moveend: () => this.follow(),
      zoomend: () => this.draw(),
      viewreset: () => this.draw(),
      resize: () => this.draw(),
      mousemove: (e) => this.pointer(e, "hover"),
      click: (e) => this.pointer(e, "click"),
      mouseout: () => this.setHover(-1),
    };
    map.on(this.handlers);
    this.geometryChanged();
  }

  remove() {
    cancelAnimationFrame(this.pending);
    this.map.off(this.handlers);
    this.canvas.remove();
    this.top.remove();
  }

  geometryChanged() {
    const started = performance.now();
    const offsets = bytes(this.model.get("offsets"), Uint32Array);
    const centres = bytes(this.model.get("centres"), Uint32Array);
    const deltas = bytes(this.model.get("deltas"), Int16Array);
    this.geometry = new Geometry(centres, deltas, offsets, this.model.get("shift") || 0);
    if (this.gl) this.gl.geometry(this.geometry);
    // When the outlines arrived (ms since the page opened) and what projecting and indexing
    // them took: benchmarks split a first paint into kernel and browser parts with these.
    this.canvas.dataset.geometryAt = started.toFixed(0);
    this.canvas.dataset.geometryMs = (performance.now() - started).toFixed(1);
    this.canvas.dataset.cells = String(this.geometry.n); // outlines held: tests read the grid
    this.hover = -1;
    this.restyle();
  }

  restyle() {
    // New colours: regroup the cells (the canvas) or upload them (WebGL), then repaint.
    const started = performance.now();
    const g = this.geometry;
    this.codes = bytes(this.model.get("codes"), Uint8Array);
    this.marks = bytes(this.model.get("marks"), Uint8Array);
    this.palette = this.model.get("palette") || [];
    const ok = g && this.codes.length === g.n;
    let shown = 0;
    if (ok) for (let i = 0; i < g.n; i++) if (this.codes[i] !== 255) shown++;
    if (this.gl) {
      if (ok) {
        this.gl.restyle(this.codes, this.marks, this.palette, this.model.get("base") || {},
          this.model.get("dashed_style") || {});
      }
    } else {
      this.regroup(ok);
    }
    this.draw();
    // Cells drawn in this style (benchmarks wait for a first map with cells on it), and the
    // time the page spent on this restyle (benchmarks/bench_renderers.py).
    this.canvas.dataset.shown = String(ok ? shown : 0);
    this.canvas.dataset.restyleMs = (performance.now() - started).toFixed(1);
  }

  regroup(ok) {
    // Cells by style group: code * 2 + dashed, each group drawn in one colour.
    const groups = new Map();
    if (ok) {
      for (let i = 0; i < this.geometry.n; i++) {
        const code = this.codes[i];
        if (code === 255) continue;
        const key = code * 2 + (this.marks[i] ? 1 : 0);
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(i);
      }
    }
    this.groups = [...groups.entries()].sort((a, b) => (a[0] & 1) - (b[0] & 1)); // dashed last
  }

  frame() {
    // Canvas box in layer points, and the offset from projected (unit square) coordinates.
    const map = this.map, size = map.getSize();
    const padX = Math.round(size.x * PAD), padY = Math.round(size.y * PAD);
    const topLeft = map.containerPointToLayerPoint([-padX, -padY]).round();
    const origin = map.getPixelOrigin();
    const scale = 256 * Math.pow(2, map.getZoom());
    return { w: size.x + 2 * padX, h: size.y + 2 * padY, topLeft, scale,
             ox: origin.x + topLeft.x, oy: origin.y + topLeft.y };
  }

  place(canvas, f, clear = true) {
    const ratio = this.size(canvas, f);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (clear) ctx.clearRect(0, 0, f.w, f.h);
    return ctx;
  }

  size(canvas, f) {
    // The canvas covers the padded view ``f``, in device pixels; returns the pixel ratio.
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(f.w * ratio) || canvas.height !== Math.round(f.h * ratio)) {
      canvas.width = Math.round(f.w * ratio);
      canvas.height = Math.round(f.h * ratio);
      canvas.style.width = `${f.w}px`;
      canvas.style.height = `${f.h}px`;
    }
    canvas.style.transform = `translate3d(${f.topLeft.x}px,${f.topLeft.y}px,0)`;
    return ratio;
  }

  trace(ctx, f, i) {
    const g = this.geometry, xy = g.xy, start = g.offsets[i], end = g.offsets[i + 1];
    ctx.moveTo(xy[2 * start] * f.scale - f.ox, xy[2 * start + 1] * f.scale - f.oy);
    for (let v = start + 1; v < end; v++) {
      ctx.lineTo(xy[2 * v] * f.scale - f.ox, xy[2 * v + 1] * f.scale - f.oy);
    }
    ctx.closePath();
  }

  follow() {
    // After a pan the canvas has moved with the map pane: nothing to draw while the padded
    // area drawn last still covers the view. Past its edge, one draw per frame at most.
    if (this.covers() || this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      if (!this.covers()) this.draw({ shift: true });
    });
  }

  covers() {
    const d = this.last, map = this.map;
    if (!d || !map._loaded || map.getZoom() !== d.zoom) return false;
    const origin = map.getPixelOrigin(), size = map.getSize();
    if (origin.x !== d.origin.x || origin.y !== d.origin.y) return false;
    const tl = map.containerPointToLayerPoint([0, 0]);
    return tl.x >= d.f.topLeft.x && tl.y >= d.f.topLeft.y
      && tl.x + size.x <= d.f.topLeft.x + d.f.w && tl.y + size.y <= d.f.topLeft.y + d.f.h;
  }

  draw({ shift = false } = {}) {
    // ``shift``: a pan at the same zoom keeps the pixels already drawn, moved by a blit of the
    // canvas onto itself, and rasterises only the strips the pan uncovered (a full draw of a
    // city at res 10 is tens of ms in software; a strip, a few).
    if (!this.geometry || !this.map._loaded) return;
    const started = performance.now();
    const f = this.frame(), d = this.last, ratio = window.devicePixelRatio || 1;
    const origin = this.map.getPixelOrigin();
    const dx = d ? Math.round((d.f.topLeft.x - f.topLeft.x) * ratio) : 0;
    const dy = d ? Math.round((d.f.topLeft.y - f.topLeft.y) * ratio) : 0;
    const reuse = shift && d && d.zoom === this.map.getZoom() && d.f.w === f.w && d.f.h === f.h
      && d.origin.x === origin.x && d.origin.y === origin.y && d.ratio === ratio
      && Math.abs(dx) < this.canvas.width / 2 && Math.abs(dy) < this.canvas.height / 2;
    this.last = { f, zoom: this.map.getZoom(), origin: { x: origin.x, y: origin.y }, ratio };
    if (this.gl) {
      // WebGL redraws the whole padded view: one draw call each for fills and outlines.
      this.size(this.canvas, f);
      this.gl.draw(f, ratio, this.geometry.cellWidth * f.scale, this.model.get("base") || {},
        this.model.get("dashed_style") || {});
      this.drawHover(f);
      this.canvas.dataset.painted = String(Number(this.canvas.dataset.painted || 0) + 1);
      this.canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
      return;
    }
    // No clear: a full draw puts every pixel of the canvas (putImageData does not blend).
    const ctx = this.place(this.canvas, f, false);
    const W = this.canvas.width, H = this.canvas.height;
    let rects = [[0, 0, W, H]];
    if (reuse) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.globalCompositeOperation = "copy";
      ctx.drawImage(this.canvas, dx, dy);
      ctx.globalCompositeOperation = "source-over";
      rects = [];
      if (dx > 0) rects.push([0, 0, dx, H]);
      if (dx < 0) rects.push([W + dx, 0, -dx, H]);
      const xa = Math.max(0, dx), xb = Math.min(W, W + dx);
      if (dy > 0) rects.push([xa, 0, xb - xa, dy]);
      if (dy < 0) rects.push([xa, H + dy, xb - xa, -dy]);
    }
    for (const rect of rects) if (rect[2] > 0 && rect[3] > 0) this.raster(ctx, f, rect);
    this.drawHover(f);
    this.canvas.dataset.painted = String(Number(this.canvas.dataset.painted || 0) + 1);
    this.canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
  }

  raster(ctx, f, [rx, ry, W, H]) {
    // Cells are rasterised here, row spans into one pixel buffer, and put once: a canvas path
    // per hexagon costs ~70 us in software rendering (4 s for 54k cells), a span fill ~0.2 us.
    // The buffer covers the device-pixel rectangle (rx, ry, W, H) of the canvas.
    const ratio = window.devicePixelRatio || 1;
    // A full draw reuses one pixel buffer (megabytes to allocate and zero each time); the
    // strips of a pan are small and get their own.
    const full = W === this.canvas.width && H === this.canvas.height;
    if (full && this.image && this.image.width === W && this.image.height === H) {
      this.pixels.fill(0);
    } else if (full) {
      this.image = ctx.createImageData(W, H);
      this.pixels = new Uint32Array(this.image.data.buffer);
    }
    const image = full ? this.image : ctx.createImageData(W, H);
    const pixels = full ? this.pixels : new Uint32Array(image.data.buffer);
    const g = this.geometry, box = g.box, xy = g.xy, offsets = g.offsets;
    const s = f.scale * ratio, ox = f.ox * ratio + rx, oy = f.oy * ratio + ry;
    const x0 = ox / s, y0 = oy / s, x1 = (ox + W) / s, y1 = (oy + H) / s;
    // Outlines of cells a few pixels wide are noise: below 4 px cells are only filled, below
    // 10 px hidden cells are outlined but not dashed.
    const cellPx = g.cellWidth * f.scale;
    const base = this.model.get("base") || {}, dashedStyle = this.model.get("dashed_style") || {};
    const px = new Float64Array(24);
    for (const [key, cells] of this.groups || []) {
      const style = key & 1 ? { ...base, ...dashedStyle } : base;
      const fill = packed(this.palette[key >> 1] || "#888888", style.fillOpacity ?? 0.7);
      const stroke = style.weight > 0 && cellPx >= 4
        ? packed(style.color || "#333333", (style.opacity ?? 1) * Math.min(1, style.weight * 1.5))
        : 0;
      const dash = stroke && cellPx >= 10 ? dashes(style.dashArray) : [];
      for (const i of cells) {
        const j = 4 * i;
        if (box[j + 2] < x0 || box[j] > x1 || box[j + 3] < y0 || box[j + 1] > y1) continue;
        const start = offsets[i], n = offsets[i + 1] - start;
        for (let v = 0; v < n; v++) {
          px[2 * v] = xy[2 * (start + v)] * s - ox;
          px[2 * v + 1] = xy[2 * (start + v) + 1] * s - oy;
        }
        fillConvex(pixels, W, H, px, n, fill);
        if (stroke) outline(pixels, W, H, px, n, stroke, dash);
      }
    }
    ctx.putImageData(image, rx, ry);
  }

  drawHover(f = this.frame()) {
    // Hidden while no cell is hovered: an empty canvas the size of the map still costs a
    // software compositor a blend per frame of a pan.
    this.top.style.display = this.hover < 0 ? "none" : "";
    if (this.hover < 0) return;
    const ctx = this.place(this.top, f);
    const style = this.model.get("hover_style") || {};
    ctx.beginPath();
    this.trace(ctx, f, this.hover);
    ctx.strokeStyle = rgba(style.color || "#000000", 1);
    ctx.lineWidth = style.weight || 3;
    ctx.stroke();
  }

  drawn(i) {
    return this.codes[i] !== undefined && this.codes[i] !== 255;
  }

  pointer(event, kind) {
    if (!this.geometry) return;
    // A dot above the cells (venuecanvas.js) under the pointer takes the event, as a marker
    // would: the cell neither hovers nor opens its detail.
    const above = this.map.atlasPointerAbove;
    if (above && [...above].some((claims) => claims(event))) {
      if (kind === "hover" && this.hover >= 0) this.setHover(-1);
      return;
    }
    const [x, y] = mercator(event.latlng.lng, event.latlng.lat);
    const i = this.geometry.find(x, y, (j) => this.drawn(j));
    if (kind === "hover") {
      if (i !== this.hover) {
        this.setHover(i);
        if (i >= 0) this.model.send({ event: "hover", i });
      }
    } else if (i >= 0) {
      this.model.send({ event: "click", i });
    }
  }

  setHover(i) {
    this.hover = i;
    this.drawHover();
  }
}

async function mapsOf(model) {
  // The Leaflet maps of every view of the ipyleaflet Map this layer names.
  const ref = model.get("map");
  if (!ref) return [];
  const mapModel = await model.widget_manager.get_model(ref.replace(/^IPY_MODEL_/, ""));
  const maps = [];
  for (const pending of Object.values(mapModel.views || {})) {
    const view = await pending;
    if (view && view.obj) maps.push(view.obj);
  }
  return maps;
}

export default {
  initialize({ model }) {
    const layers = new Map(); // one HexCanvas per Leaflet map (a map shown twice has two)
    const attach = async () => {
      for (const map of await mapsOf(model)) {
        if (!layers.has(map) && map.getPane) {
          layers.set(map, new HexCanvas(model, map));
        }
      }
    };
    // Views of the map appear when the page renders it, after this model exists: look every
    // 20 ms until one is there (the first paint waits on this), then every second (a map
    // shown again gets its own canvas).
    let timer = null;
    const poll = () => {
      attach().catch((e) => console.error("hexcanvas", e)).finally(() => {
        timer = setTimeout(poll, layers.size ? 1000 : 20);
      });
    };
    poll();
    model.on("change:map", () => attach());
    model.on("change:grid", () => layers.forEach((layer) => layer.geometryChanged()));
    model.on("change:version", () => layers.forEach((layer) => layer.restyle()));
    return () => {
      clearTimeout(timer);
      layers.forEach((layer) => layer.remove());
    };
  },
};
