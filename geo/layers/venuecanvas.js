// Nightlife venues as dots on one canvas inside the ipyleaflet map (no CDN, no GeoJSON).
//
// The kernel sends the venues' positions once, as a binary buffer already on Web Mercator's
// unit square in steps of 2^-32 (geo/layers/_venues.py encode_points): `points`, uint32 x, y
// per venue. On a filter change it sends only a palette and one byte per venue: its colour
// index (255 = not drawn) and whether it is dashed (opening hours unknown). Names and hours stay
// in the kernel: hover and click send a venue's position and the table's number back.
//
// Dots are stamped from one pre-rendered sprite per style (fill colour x dashed) with
// drawImage: in software rendering ~20 ms for 3,000 dots and ~60 ms for 10,000, where an arc,
// fill and stroke per dot took ~30 and ~130 ms (benchmarks/bench_venues.py, _venues.py). Their radius follows the zoom (`zooms`: small zoom, full zoom, small scale) so a
// city view is legible. The canvas sits in the map's overlay pane above the hexagons' canvas
// (hexcanvas.js) and ignores the pointer: hover and click come from the map's own mouse events,
// the nearest drawn dot within its radius (+ SLOP px) is taken, and the hexagon layer is told
// to leave that event alone (map.atlasPointerAbove), as a marker above it would.

// PAD, TAU, mercator, bytes, rgba, dashes, paddedFrame, stillCovers and mapsOf come from
// mapcanvas.js (put ahead).

const SLOP = 3; // px beyond a dot's radius that still hover it

export function dotScale(zoom, [small, full, scale]) {
  // Share of the radius at ``zoom``: ``scale`` up to ``small``, 1 from ``full``, linear between.
  if (zoom <= small) return scale;
  if (zoom >= full) return 1;
  return scale + ((1 - scale) * (zoom - small)) / (full - small);
}

class VenueCanvas {
  constructor(model, map) {
    this.model = model;
    this.map = map;
    this.hover = -1;
    this.canvas = document.createElement("canvas");
    this.canvas.className = "atlas-venue-canvas leaflet-zoom-hide";
    Object.assign(this.canvas.style, {
      position: "absolute", left: "0", top: "0", pointerEvents: "none", zIndex: "101",
    });
    // tests and scripts reach the Leaflet map, and what the page holds, through these
    this.canvas.atlasMap = map;
    this.canvas.atlasVenues = this;
    // Last in the pane, one z-index above its other canvases (Leaflet's CSS gives every canvas
    // in the map 100, so the hexagons' canvas and Leaflet's own renderer stay below the dots).
    map.getPane("overlayPane").appendChild(this.canvas);
    this.claim = (e) => this.find(e) >= 0;
    (map.atlasPointerAbove ||= new Set()).add(this.claim);
    this.handlers = {
      move: () => this.follow(),
      moveend: () => this.follow(),
      zoomend: () => this.draw(),
      viewreset: () => this.draw(),
      resize: () => this.draw(),
      mousemove: (e) => this.pointer(e, "hover"),
      click: (e) => this.pointer(e, "click"),
      mouseout: () => this.setHover(-1),
    };
    map.on(this.handlers);
    this.pointsChanged();
  }

  remove() {
    cancelAnimationFrame(this.pending);
    this.map.off(this.handlers);
    this.map.atlasPointerAbove?.delete(this.claim);
    this.setHover(-1);
    this.canvas.remove();
  }

  pointsChanged() {
    const points = bytes(this.model.get("points"), Uint32Array);
    const n = points.length >> 1, xy = (this.xy = new Float64Array(2 * n)), unit = 2 ** -32;
    for (let k = 0; k < 2 * n; k++) xy[k] = points[k] * unit;
    this.n = n;
    this.table = this.model.get("table");
    this.canvas.dataset.venues = String(n);
    this.hover = -1;
    this.restyle();
  }

  restyle() {
    this.codes = bytes(this.model.get("codes"), Uint8Array);
    this.marks = bytes(this.model.get("marks"), Uint8Array);
    this.palette = this.model.get("palette") || [];
    const ok = this.codes.length === this.n;
    // Drawn venues by style (code * 2 + dashed): one sprite each, dashed ones last.
    const groups = new Map();
    if (ok) {
      for (let i = 0; i < this.n; i++) {
        if (this.codes[i] === 255) continue;
        const key = this.codes[i] * 2 + (this.marks[i] ? 1 : 0);
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key).push(i);
      }
    }
    this.groups = [...groups.entries()].sort((a, b) => (a[0] & 1) - (b[0] & 1));
    this.sprites = new Map();
    this.canvas.dataset.shown = String(ok ? this.groups.reduce((s, g) => s + g[1].length, 0) : 0);
    this.draw();
  }

  drawn(i) {
    return i >= 0 && i < this.codes.length && this.codes[i] !== 255;
  }

  style(key) {
    const base = this.model.get("base") || {};
    return key & 1 ? { ...base, ...(this.model.get("dashed_style") || {}) } : base;
  }

  radius() {
    const base = this.model.get("base") || {};
    return (base.radius ?? 5) * dotScale(this.map.getZoom(), this.model.get("zooms") || [12, 15, 0.4]);
  }

  sprite(key, r, ratio) {
    // The dot of style ``key`` at radius ``r`` px, rendered once per zoom and pixel ratio.
    const id = `${key}/${r}/${ratio}`;
    if (this.sprites.has(id)) return this.sprites.get(id);
    const style = this.style(key), scale = r / ((this.model.get("base") || {}).radius || r || 1);
    const line = style.stroke === false ? 0 : (style.weight ?? 1) * Math.max(0.6, Math.min(1, scale));
    const half = Math.ceil(r + line + 1), side = 2 * half;
    const sprite = document.createElement("canvas");
    sprite.width = sprite.height = Math.ceil(side * ratio);
    const ctx = sprite.getContext("2d");
    ctx.scale(ratio, ratio);
    ctx.beginPath();
    ctx.arc(half, half, r, 0, TAU);
    ctx.fillStyle = rgba(this.palette[key >> 1], style.fillOpacity ?? 0.9);
    ctx.fill();
    if (line > 0) {
      // The dash pattern is scaled with the dot, so a small ring still shows it is dashed.
      ctx.setLineDash(dashes(style.dashArray).map((d) => Math.max(1, d * Math.min(1, scale))));
      ctx.lineWidth = line;
      ctx.strokeStyle = rgba(style.color || "#222222", style.opacity ?? 1);
      ctx.stroke();
    }
    const made = { canvas: sprite, half };
    this.sprites.set(id, made);
    return made;
  }

  frame() {
    return paddedFrame(this.map);
  }

  follow() {
    // After a pan the canvas has moved with the map pane: redraw only once the padded area
    // drawn last no longer covers the view, at most once per frame.
    if (this.covers() || this.pending) return;
    this.pending = requestAnimationFrame(() => {
      this.pending = 0;
      if (!this.covers()) this.draw();
    });
  }

  covers() {
    return stillCovers(this.last, this.map);
  }

  draw() {
    if (!this.map._loaded || !this.xy) return;
    const started = performance.now();
    const f = this.frame(), ratio = window.devicePixelRatio || 1, canvas = this.canvas;
    const origin = this.map.getPixelOrigin();
    this.last = { f, zoom: this.map.getZoom(), origin: { x: origin.x, y: origin.y } };
    if (canvas.width !== Math.round(f.w * ratio) || canvas.height !== Math.round(f.h * ratio)) {
      canvas.width = Math.round(f.w * ratio);
      canvas.height = Math.round(f.h * ratio);
      canvas.style.width = `${f.w}px`;
      canvas.style.height = `${f.h}px`;
    }
    canvas.style.transform = `translate3d(${f.topLeft.x}px,${f.topLeft.y}px,0)`;
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const r = Math.round(this.radius() * 2) / 2, xy = this.xy;
    let drawn = 0;
    for (const [key, venues] of this.groups || []) {
      const { canvas: sprite, half } = this.sprite(key, r, ratio);
      const x0 = -half, y0 = -half, x1 = f.w + half, y1 = f.h + half;
      for (const i of venues) {
        const x = xy[2 * i] * f.scale - f.ox, y = xy[2 * i + 1] * f.scale - f.oy;
        if (x < x0 || y < y0 || x > x1 || y > y1) continue;
        // whole device pixels: a sprite blitted at a fraction is resampled (blurred, slower)
        ctx.drawImage(sprite, Math.round((x - half) * ratio), Math.round((y - half) * ratio));
        drawn++;
      }
    }
    canvas.dataset.drawn = String(drawn); // dots in the padded view (tests read it)
    canvas.dataset.radius = String(r);
    canvas.dataset.painted = String(Number(canvas.dataset.painted || 0) + 1);
    canvas.dataset.drawMs = (performance.now() - started).toFixed(1);
  }

  find(event) {
    // The nearest drawn dot within its radius (+ SLOP px) of the pointer, or -1. A linear scan:
    // ~10k venues take well under a millisecond, less than a grid index costs to keep.
    if (!this.xy || !this.map._loaded || !event.latlng) return -1;
    const [px, py] = mercator(event.latlng.lng, event.latlng.lat);
    const scale = 256 * Math.pow(2, this.map.getZoom()), reach = (this.radius() + SLOP) / scale;
    const xy = this.xy, codes = this.codes;
    let best = -1, bestD = reach * reach;
    for (let i = 0; i < this.n; i++) {
      if (codes[i] === 255 || codes[i] === undefined) continue;
      const dx = xy[2 * i] - px, dy = xy[2 * i + 1] - py, d = dx * dx + dy * dy;
      if (d <= bestD) { bestD = d; best = i; }
    }
    return best;
  }

  pointer(event, kind) {
    const i = this.find(event);
    if (kind === "hover") {
      if (i !== this.hover) {
        this.setHover(i);
        if (i >= 0) this.model.send({ event: "hover", i, table: this.table });
      }
    } else if (i >= 0) {
      this.model.send({ event: "click", i, table: this.table });
    }
  }

  setHover(i) {
    this.hover = i;
    this.canvas.dataset.hover = String(i);
    // the hand cursor a marker would give (Leaflet's interactive class does it for paths)
    this.map.getContainer().classList.toggle("leaflet-interactive", i >= 0);
  }
}

export default {
  initialize({ model }) {
    const layers = new Map(); // one VenueCanvas per Leaflet map (a map shown twice has two)
    let serial = 0;
    const attach = async () => {
      const mine = ++serial, maps = await mapsOf(model);
      if (mine !== serial) return; // a later change of `map` has the last word
      for (const [map, layer] of layers) {
        if (!maps.includes(map)) { layer.remove(); layers.delete(map); }
      }
      for (const map of maps) {
        if (!layers.has(map) && map.getPane) layers.set(map, new VenueCanvas(model, map));
      }
    };
    // Views of the map appear when the page renders it, after this model exists: look every
    // 20 ms until one is there, then every second (a map shown again gets its own canvas).
    let timer = null;
    const poll = () => {
      attach().catch((e) => console.error("venuecanvas", e)).finally(() => {
        timer = setTimeout(poll, layers.size || !model.get("map") ? 1000 : 20);
      });
    };
    poll();
    model.on("change:map", () => attach().catch((e) => console.error("venuecanvas", e)));
    model.on("change:table", () => layers.forEach((layer) => layer.pointsChanged()));
    model.on("change:version", () => layers.forEach((layer) => layer.restyle()));
    return () => {
      clearTimeout(timer);
      layers.forEach((layer) => layer.remove());
    };
  },
};
