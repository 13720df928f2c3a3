// Restyle the features of an ipyleaflet GeoJSON layer in the browser, from one small message.
//
// The kernel sends the features once (the layer's `data`: hexagons of a grid, venue points),
// then, on every filter change, only a palette and one byte per feature: its colour index
// (255 = not drawn) and whether it is dashed (hidden by k, too few answers, hours unknown).
// ipyleaflet alone would re-send every feature each time (ipyleaflet #410, #815). Features carry
// their position in `properties.i`.
//
// Each feature's `properties.style` is rewritten in the layer model's own data, which every view
// of the layer shares (Leaflet keeps a reference to the feature), so a view created later, or a
// hover's `resetStyle`, shows the current colours and not the ones the outlines came with.

function styleOf(model, i, codes, marks, palette) {
  const code = codes[i];
  if (code === undefined || code === 255) return { ...model.get("hidden_style") };
  const style = { ...model.get("base"), fillColor: palette[code] };
  return marks[i] ? { ...style, ...model.get("dashed_style") } : style;
}

function bytes(view) {
  if (!view) return new Uint8Array(0);
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

async function apply(model) {
  const ref = model.get("layer");
  if (!ref) return;
  const layerModel = await model.widget_manager.get_model(ref.replace(/^IPY_MODEL_/, ""));
  const features = (layerModel.get("data") || {}).features || [];
  // Outlines of another grid (a message crossed a resolution change): wait for the next one.
  if (features.length !== model.get("size")) return;
  const codes = bytes(model.get("codes"));
  const marks = bytes(model.get("marks"));
  const palette = model.get("palette");
  // What each feature looked like last time: only features whose look changed are restyled
  // (an hour step changes a few venues' state, not 3,000 dots; Leaflet's setStyle is the cost).
  const looks = features.map((f) => lookOf(f.properties.i, codes, marks, palette));
  const last = model.__atlasLast;
  const same = last && last.features === features ? last.looks : null;
  const changed = new Set();
  for (let j = 0; j < features.length; j++) {
    if (same && same[j] === looks[j]) continue;
    const feature = features[j];
    feature.properties.style = styleOf(model, feature.properties.i, codes, marks, palette);
    changed.add(feature);
  }
  model.__atlasLast = { features, looks };
  for (const pending of Object.values(layerModel.views || {})) {
    const view = await pending;
    if (!view || !view.obj) continue;
    // a view drawn since the last restyle holds older styles: it gets every feature once
    const fresh = !model.__atlasViews || !model.__atlasViews.has(view);
    (model.__atlasViews ||= new WeakSet()).add(view);
    view.obj.eachLayer((layer) => {
      if (fresh || changed.has(layer.feature)) layer.setStyle(layer.feature.properties.style);
    });
  }
}

function lookOf(i, codes, marks, palette) {
  const code = codes[i];
  if (code === undefined || code === 255) return "";
  return (marks[i] ? "-" : "+") + palette[code];
}

export default {
  initialize({ model }) {
    let queue = Promise.resolve();
    const run = () => {
      queue = queue.then(() => apply(model)).catch((error) => console.error("restyle", error));
    };
    model.on("change:version", run);
    run();
  },
};
