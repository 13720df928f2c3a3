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
// cells are rasterised as row spans into one pixel buffer, put once, so a draw of 54k cells
// is a few array loops (~15-45 ms). Outlines (dashed for hidden cells) are one-pixel walks, drawn
// only where cells are big enough on screen to show them. A pan moves the drawn canvas with the
// map pane and draws nothing while the padded area still covers the view; past its edge the
// pixels are blitted over and only the uncovered strips are rasterised (benchmarks/bench_pan.py).
//
// A restyle (new codes, the same grid and view: an hour change) rasterises nothing. A draw keeps
// each cell's spans and outline pixels for its frame (zoom, origin, canvas size, pixel ratio) as
// indices into the pixel buffer, and a restyle paints them again in the new colours, in the
// draw's order (style groups as first met, dashed last, cells ascending), so its pixels are the
// ones a full draw puts (tests/test_hexcanvas_js.py); only the rectangle that may hold colour is
// cleared and put. Measured in headless Chromium on the shared 2-core machine (load 2-5), old
// and new file taking turns, 2026-12-02: ``restyleMs`` in the served dashboard (res 10,
// basemap=none, 16-20 hour changes a run, 2-4 runs each) and, for a zoom where cells are outlined,
// benchmarks/bench_paint.py (the layer alone, 1050 x 640 map, both files in one page):
//
//   restyle in the page, median         before       after
//   city, 54k cells, zoom 11            21-28 ms     6-7 ms
//   metro, 165k cells, zoom 10.5        28-50 ms     9-13 ms
//   city at zoom 13 (cells outlined)    39 ms        21 ms
//   hour change -> map repainted: city  131-132 ms   115-117 ms
//                                metro  223-227 ms   197-207 ms
//
// Where a restyle's time went before: ~90 % rasterising the cells again; regrouping them (a Map
// of arrays, now a counting sort into one array), clearing the 2.25-times-the-view padded buffer
// and putting it were 1-3 ms each. A pan, a zoom or new outlines make a new frame: the next draw
// rasterises and keeps the spans again (typed arrays of 3-7 MB at 54k-165k cells).
//
// The canvas sits first in the map's overlay pane (venue dots, venuecanvas.js, and other
// vector layers stay above it) and ignores the pointer: hover and click come from the map's
// own mouse events (a dot under the pointer takes them first), the
// cell under the pointer is found with a uniform grid index and a point-in-polygon test, and
// its position is sent to the kernel, which knows the cell ids (the page never gets them).

// PAD, TAU, mercator, bytes, rgba, dashes, paddedFrame, stillCovers and mapsOf come from
// mapcanvas.js (put ahead).

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

function packed(colour, alpha) {
  // One RGBA pixel as the Uint32 a little-endian ImageData holds (bytes R, G, B, A).
  const hex = colour.replace("#", "");
  const full = hex.length === 3 ? [...hex].map((h) => h + h).join("") : hex;
  const n = parseInt(full, 16);
  const a = Math.max(0, Math.min(255, Math.round(alpha * 255)));
  return ((a << 24) | ((n & 255) << 16) | (n & 0xff00) | ((n >> 16) & 255)) >>> 0;
}

class Runs {
  // A growable typed array (spans and outline pixels of a frame's cells).
  constructor(Type, size = 1024) {
    this.Type = Type;
    this.a = new Type(size);
    this.n = 0;
  }

  push(v) {
    if (this.n === this.a.length) {
      const a = new this.Type(2 * this.a.length);
      a.set(this.a);
      this.a = a;
    }
    this.a[this.n++] = v;
  }
}

function convexSpans(W, H, px, n, out) {
  // Pixel centres inside a convex ring, as [start, end) pixel indices of a W x H buffer
  // appended to ``out``; a cell smaller than a pixel still gets one.
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
      out.push(row * W + a);
      out.push(row * W + b + 1);
      filled = true;
    }
  }
  if (!filled) {
    let cx = 0, cy = 0;
    for (let v = 0; v < n; v++) { cx += px[2 * v]; cy += px[2 * v + 1]; }
    const x = Math.floor(cx / n), y = Math.floor(cy / n);
    if (x >= 0 && y >= 0 && x < W && y < H) {
      out.push(y * W + x);
      out.push(y * W + x + 1);
    }
  }
}

function ringPixels(W, H, px, n, out) {
  // One-pixel edges (a DDA walk) as pixel indices appended to ``out``, -1 off the buffer: one
  // entry per step, so a dash pattern can run along the whole ring when it is painted.
  for (let v = 0; v < n; v++) {
    const w = (v + 1) % n;
    const xa = px[2 * v], ya = px[2 * v + 1], xb = px[2 * w], yb = px[2 * w + 1];
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(xb - xa), Math.abs(yb - ya))));
    for (let k = 0; k < steps; k++) {
      const x = Math.floor(xa + ((xb - xa) * k) / steps), y = Math.floor(ya + ((yb - ya) * k) / steps);
      out.push(x >= 0 && y >= 0 && x < W && y < H ? y * W + x : -1);
    }
  }
}

function paintCell(pixels, spans, sa, sb, lines, la, lb, fill, stroke, dash) {
  // One cell's fill spans spans[sa:sb] then, with a ``stroke``, its outline lines[la:lb] with
  // ``dash`` [on, off] in pixels along the whole ring. Spans are a few pixels long at city
  // zooms, where a loop beats TypedArray.fill's call.
  for (let k = sa; k < sb; k += 2) {
    const a = spans[k], b = spans[k + 1];
    if (b - a < 16) for (let p = a; p < b; p++) pixels[p] = fill;
    else pixels.fill(fill, a, b);
  }
  if (!stroke) return;
  const on = dash.length >= 2 ? dash[0] : 0, period = on ? dash[0] + dash[1] : 0;
  for (let k = la; k < lb; k++) {
    const p = lines[k];
    if (p < 0 || (period && (k - la) % period >= on)) continue;
    pixels[p] = stroke;
  }
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
      viewreset: () => { this.cache = null; this.draw(); }, // all from nothing (bench_renderers)
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
    // New colours: regroup the cells (the canvas: then repainted from the frame's spans when
    // the view is unchanged) or upload them (WebGL), then repaint.
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
    // Cells by style group (code * 2 + dashed), each drawn in one colour: a counting sort into
    // one array, groups in the order of their first cell, dashed groups last, cells ascending
    // within a group. Full draws, pan strips and restyles all paint in this order, so they put
    // the same pixels where neighbours' outlines overlap.
    const n = ok ? this.geometry.n : 0, codes = this.codes, marks = this.marks;
    const counts = new Uint32Array(512), seen = [];
    for (let i = 0; i < n; i++) {
      const code = codes[i];
      if (code === 255) continue;
      const key = code * 2 + (marks[i] ? 1 : 0);
      if (counts[key]++ === 0) seen.push(key);
    }
    const keys = seen.filter((k) => !(k & 1)).concat(seen.filter((k) => k & 1));
    const next = new Uint32Array(512);
    this.groups = [];
    let total = 0;
    for (const key of keys) {
      next[key] = total;
      this.groups.push([key, total, total + counts[key]]);
      total += counts[key];
    }
    const order = (this.order = new Uint32Array(total));
    for (let i = 0; i < n; i++) {
      const code = codes[i];
      if (code !== 255) order[next[code * 2 + (marks[i] ? 1 : 0)]++] = i;
    }
  }

  frame() {
    return paddedFrame(this.map);
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
    return stillCovers(this.last, this.map);
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
    // No clear: a draw puts every pixel that may hold colour (putImageData does not blend).
    const ctx = this.place(this.canvas, f, false);
    if (!reuse) {
      this.repaint(ctx, f);
    } else {
      const W = this.canvas.width, H = this.canvas.height;
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.globalCompositeOperation = "copy";
      ctx.drawImage(this.canvas, dx, dy);
      ctx.globalCompositeOperation = "source-over";
      const rects = [];
      if (dx > 0) rects.push([0, 0, dx, H]);
      if (dx < 0) rects.push([W + dx, 0, -dx, H]);
      const xa = Math.max(0, dx), xb = Math.min(W, W + dx);
      if (dy > 0) rects.push([xa, 0, xb - xa, dy]);
      if (dy < 0) rects.push([xa, H + dy, xb - xa, -dy]);
      for (const rect of rects) if (rect[2] > 0 && rect[3] > 0) this.raster(ctx, f, rect);
      this.inked = null; // blitted pixels: any of the canvas may hold some
    }
    this.drawHover(f);
    this.canvas.dataset.painted = String(Number(this.canvas.dataset.painted || 0) + 1);
    this.canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
  }

  styles(cellPx) {
    // Per style group: [fill, stroke (0: none), dash] as packed pixels. Outlines of cells a few
    // pixels wide are noise: below 4 px cells are only filled, below 10 px hidden cells are
    // outlined but not dashed.
    const base = this.model.get("base") || {}, dashedStyle = this.model.get("dashed_style") || {};
    return (this.groups || []).map(([key, a, b]) => {
      const style = key & 1 ? { ...base, ...dashedStyle } : base;
      const fill = packed(this.palette[key >> 1] || "#888888", style.fillOpacity ?? 0.7);
      const stroke = style.weight > 0 && cellPx >= 4
        ? packed(style.color || "#333333", (style.opacity ?? 1) * Math.min(1, style.weight * 1.5))
        : 0;
      const dash = stroke && cellPx >= 10 ? dashes(style.dashArray) : [];
      return { a, b, fill, stroke, dash };
    });
  }

  spans(f) {
    // The frame's cells rasterised once: each cell's fill spans and outline pixels as indices
    // into the canvas's pixel buffer. A restyle at the same frame (same grid, zoom, origin,
    // size and pixel ratio) only paints these in the new colours, where rasterising 54k cells
    // again was ~90 % of its time. Outline pixels are kept only where outlines can show (>= 4 px).
    const ratio = window.devicePixelRatio || 1, W = this.canvas.width, H = this.canvas.height;
    const g = this.geometry, s = f.scale * ratio, ox = f.ox * ratio, oy = f.oy * ratio;
    const key = `${W}x${H} ${s} ${ox} ${oy}`;
    const c = this.cache;
    if (c && c.geometry === g && c.key === key) return c;
    const box = g.box, xy = g.xy, offsets = g.offsets;
    const x0 = ox / s, y0 = oy / s, x1 = (ox + W) / s, y1 = (oy + H) / s;
    const lines = g.cellWidth * f.scale >= 4;
    const spans = c ? c.spanRuns : new Runs(Int32Array, 1 << 16);
    const rings = c ? c.lineRuns : new Runs(Int32Array, 1 << 16);
    spans.n = 0;
    rings.n = 0;
    const spanAt = new Uint32Array(g.n + 1), lineAt = new Uint32Array(g.n + 1);
    const px = new Float64Array(24);
    // Pixels that may hold colour, for the clear and the put: the cells' projected extent.
    let left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    for (let i = 0; i < g.n; i++) {
      spanAt[i] = spans.n;
      lineAt[i] = rings.n;
      const j = 4 * i;
      if (box[j + 2] < x0 || box[j] > x1 || box[j + 3] < y0 || box[j + 1] > y1) continue;
      const start = offsets[i], n = offsets[i + 1] - start;
      for (let v = 0; v < n; v++) {
        px[2 * v] = xy[2 * (start + v)] * s - ox;
        px[2 * v + 1] = xy[2 * (start + v) + 1] * s - oy;
      }
      convexSpans(W, H, px, n, spans);
      if (lines) ringPixels(W, H, px, n, rings);
      left = Math.min(left, box[j] * s - ox);
      right = Math.max(right, box[j + 2] * s - ox);
      top = Math.min(top, box[j + 1] * s - oy);
      bottom = Math.max(bottom, box[j + 3] * s - oy);
    }
    spanAt[g.n] = spans.n;
    lineAt[g.n] = rings.n;
    const xa = Math.max(0, Math.floor(left) - 1), ya = Math.max(0, Math.floor(top) - 1);
    const xb = Math.min(W, Math.floor(right) + 2), yb = Math.min(H, Math.floor(bottom) + 2);
    const rect = xa < xb && ya < yb ? [xa, ya, xb - xa, yb - ya] : null;
    this.cache = { geometry: g, key, spanRuns: spans, lineRuns: rings, spanAt, lineAt, rect };
    return this.cache;
  }

  repaint(ctx, f) {
    // The whole canvas in the current style, from the frame's spans; only the rectangle that
    // may hold colour (the cells' now, and whatever the canvas held before) is cleared and put:
    // the padded canvas is 2.25 times the view, a fitted grid about the view.
    const W = this.canvas.width, H = this.canvas.height;
    const c = this.spans(f);
    if (!this.image || this.image.width !== W || this.image.height !== H) {
      this.image = ctx.createImageData(W, H);
      this.pixels = new Uint32Array(this.image.data.buffer);
      this.inked = null;
    }
    let [x, y, w, h] = this.inked || [0, 0, W, H];
    if (c.rect) {
      const [cx, cy, cw, ch] = c.rect;
      if (!w || !h) [x, y, w, h] = c.rect;
      else {
        const xb = Math.max(x + w, cx + cw), yb = Math.max(y + h, cy + ch);
        x = Math.min(x, cx);
        y = Math.min(y, cy);
        w = xb - x;
        h = yb - y;
      }
    }
    const pixels = this.pixels;
    // Rows y..y+h of the buffer at once: one contiguous clear.
    if (w && h) pixels.fill(0, y * W, (y + h) * W);
    const spans = c.spanRuns.a, lines = c.lineRuns.a, spanAt = c.spanAt, lineAt = c.lineAt;
    const order = this.order;
    for (const { a, b, fill, stroke, dash } of this.styles(this.geometry.cellWidth * f.scale)) {
      for (let m = a; m < b; m++) {
        const i = order[m];
        paintCell(pixels, spans, spanAt[i], spanAt[i + 1], lines, lineAt[i], lineAt[i + 1],
          fill, stroke, dash);
      }
    }
    if (w && h) ctx.putImageData(this.image, 0, 0, x, y, w, h);
    this.inked = c.rect || [0, 0, 0, 0];
  }

  raster(ctx, f, [rx, ry, W, H]) {
    // A strip a pan uncovered: its cells rasterised into a buffer of its own, in the groups'
    // order, and put. The device-pixel rectangle (rx, ry, W, H) of the canvas.
    const ratio = window.devicePixelRatio || 1;
    const image = ctx.createImageData(W, H), pixels = new Uint32Array(image.data.buffer);
    const g = this.geometry, box = g.box, xy = g.xy, offsets = g.offsets;
    const s = f.scale * ratio, ox = f.ox * ratio + rx, oy = f.oy * ratio + ry;
    const x0 = ox / s, y0 = oy / s, x1 = (ox + W) / s, y1 = (oy + H) / s;
    const px = new Float64Array(24);
    const spans = new Runs(Int32Array, 256), rings = new Runs(Int32Array, 256);
    const order = this.order;
    for (const { a, b, fill, stroke, dash } of this.styles(g.cellWidth * f.scale)) {
      for (let m = a; m < b; m++) {
        const i = order[m], j = 4 * i;
        if (box[j + 2] < x0 || box[j] > x1 || box[j + 3] < y0 || box[j + 1] > y1) continue;
        const start = offsets[i], n = offsets[i + 1] - start;
        for (let v = 0; v < n; v++) {
          px[2 * v] = xy[2 * (start + v)] * s - ox;
          px[2 * v + 1] = xy[2 * (start + v) + 1] * s - oy;
        }
        spans.n = 0;
        rings.n = 0;
        convexSpans(W, H, px, n, spans);
        if (stroke) ringPixels(W, H, px, n, rings);
        paintCell(pixels, spans.a, 0, spans.n, rings.a, 0, rings.n, fill, stroke, dash);
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
