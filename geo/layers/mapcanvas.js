// What the map's canvas layers share (hexcanvas.js, venuecanvas.js): plain declarations put
// ahead of each layer's module by its widget (geo/layers/_hexcanvas.py, _venues.py), so both
// project, decode and colour alike and find their Leaflet maps the same way.

const PAD = 0.25; // share of the view drawn beyond each edge, so a pan shows the layer at once
const TAU = 2 * Math.PI;

function mercator(lon, lat) {
  // Web Mercator on the unit square, as Leaflet's EPSG:3857 with scale 1.
  const clamped = Math.max(Math.min(lat, 85.0511287798), -85.0511287798);
  const s = Math.sin((clamped * Math.PI) / 180);
  return [lon / 360 + 0.5, 0.5 - Math.log((1 + s) / (1 - s)) / (2 * TAU)];
}

function bytes(view, Type) {
  // A widget's binary buffer (a DataView) as a typed array of its own.
  if (!view || !view.byteLength) return new Type(0);
  return new Type(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

function rgba(colour, alpha) {
  const hex = String(colour || "#888888").replace("#", "");
  const full = hex.length === 3 ? [...hex].map((h) => h + h).join("") : hex;
  const n = parseInt(full, 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}

function dashes(value) {
  // A Leaflet dashArray ("4 4") as numbers.
  if (!value) return [];
  return String(value).split(/[ ,]+/).map(Number).filter((v) => v > 0);
}

function paddedFrame(map) {
  // The canvas's box in layer points (the view and PAD of it beyond each edge), and the offset
  // from projected (unit square) coordinates.
  const size = map.getSize();
  const padX = Math.round(size.x * PAD), padY = Math.round(size.y * PAD);
  const topLeft = map.containerPointToLayerPoint([-padX, -padY]).round();
  const origin = map.getPixelOrigin();
  const scale = 256 * Math.pow(2, map.getZoom());
  return { w: size.x + 2 * padX, h: size.y + 2 * padY, topLeft, scale,
           ox: origin.x + topLeft.x, oy: origin.y + topLeft.y };
}

function stillCovers(last, map) {
  // Whether the frame drawn ``last`` ({f, zoom, origin}) still covers the whole view after a
  // pan: same zoom and pixel origin, the view inside its padded box.
  if (!last || !map._loaded || map.getZoom() !== last.zoom) return false;
  const origin = map.getPixelOrigin(), size = map.getSize();
  if (origin.x !== last.origin.x || origin.y !== last.origin.y) return false;
  const tl = map.containerPointToLayerPoint([0, 0]), f = last.f;
  return tl.x >= f.topLeft.x && tl.y >= f.topLeft.y
    && tl.x + size.x <= f.topLeft.x + f.w && tl.y + size.y <= f.topLeft.y + f.h;
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
