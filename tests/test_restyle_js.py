"""restyle.js in Chromium against stand-in widget models: after each change, every Leaflet
layer shows its feature's current style, and only features whose look changed are restyled."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import browser_page, chromium_path
from tests.conftest import need

pytestmark = [pytest.mark.browser]

MODULE = (Path(__file__).resolve().parents[1] / "geo" / "layers" / "restyle.js").read_text()

HARNESS = """async (source) => {
  const module = await import('data:text/javascript,' + encodeURIComponent(source));
  const features = [0, 1, 2, 3, 4].map((i) => ({ properties: { i } }));
  const fields = { base: { weight: 1 }, dashed_style: { dashArray: '2 2' },
                   hidden_style: { fill: false }, size: 5, layer: 'IPY_MODEL_x', version: 0 };
  const calls = [];
  const viewOf = (name) => ({ obj: { eachLayer: (f) => features.forEach((feature) => f({
    feature, setStyle: (style) => calls.push([name, feature.properties.i, style]) })) } });
  const views = { a: Promise.resolve(viewOf('a')) };
  const layerModel = { get: () => ({ features }), views };
  let onVersion = null;
  const model = { get: (k) => fields[k], on: (e, f) => { onVersion = f; },
                  widget_manager: { get_model: async () => layerModel } };
  const settle = () => new Promise((r) => setTimeout(r, 20));
  const step = async (codes, marks, palette) => {
    Object.assign(fields, { codes: new Uint8Array(codes), marks: new Uint8Array(marks),
                            palette });
    calls.length = 0;
    if (onVersion) onVersion(); else module.default.initialize({ model });
    await settle();
    const shown = features.map((f) => f.properties.style.fillColor ?? null);
    return { calls: calls.map(([v, i, s]) => [v, i, s.fillColor ?? null, !!s.dashArray]),
             shown };
  };
  const out = [];
  out.push(await step([0, 0, 1, 1, 255], [0, 0, 0, 1, 0], ['#aaa', '#bbb']));
  out.push(await step([0, 1, 1, 1, 255], [0, 0, 0, 1, 0], ['#aaa', '#bbb']));  // one recoloured
  out.push(await step([0, 1, 1, 1, 255], [0, 0, 0, 0, 0], ['#aaa', '#bbb']));  // one undashed
  out.push(await step([1, 0, 0, 0, 255], [0, 0, 0, 0, 0], ['#bbb', '#aaa']));  // same looks
  out.push(await step([1, 0, 0, 0, 0], [0, 0, 0, 0, 0], ['#ccc', '#aaa']));  // a new colour
  views.b = Promise.resolve(viewOf('b'));  // a view drawn later gets every feature once
  out.push(await step([1, 0, 0, 0, 0], [0, 0, 0, 0, 0], ['#ccc', '#aaa']));
  return out;
}"""


def test_restyle_touches_only_features_whose_look_changed() -> None:
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    with browser_page() as page:
        page.goto("about:blank")
        first, recolour, undash, same, palette, new_view = page.evaluate(HARNESS, MODULE)
    assert sorted(c[1] for c in first["calls"]) == [0, 1, 2, 3, 4]  # a fresh view: all
    assert first["shown"] == ["#aaa", "#aaa", "#bbb", "#bbb", None]
    assert recolour["calls"] == [["a", 1, "#bbb", False]]
    assert undash["calls"] == [["a", 3, "#bbb", False]]
    assert same["calls"] == [] and same["shown"] == ["#aaa", "#bbb", "#bbb", "#bbb", None]
    assert sorted(c[1] for c in palette["calls"]) == [1, 2, 3, 4]  # #bbb -> #ccc, a new cell
    assert palette["shown"] == ["#aaa", "#ccc", "#ccc", "#ccc", "#ccc"]
    assert new_view["calls"] and {c[0] for c in new_view["calls"]} == {"b"}
    assert sorted(c[1] for c in new_view["calls"]) == [0, 1, 2, 3, 4]
