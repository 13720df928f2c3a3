"""Venue dots in headless Chromium on the analyst dashboard: the page paints each dot in its
state's colour above the hexagons, the radius follows the zoom, and hovering a dot shows the
venue's name and state (the kernel names it: the page holds positions and colour bytes only)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from geo.app import AtlasApp
from geo.app._style import VENUE_COLORS
from tests.browser import browser_page, chromium_path, voila_server
from tests.conftest import REPO, need

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ATLAS = "/voila/render/atlas.ipynb"
LOAD_TIMEOUT = 120_000

READY_JS = """() => {
  const dots = document.querySelector('.leaflet-overlay-pane canvas.atlas-venue-canvas');
  const hexes = document.querySelector('.leaflet-overlay-pane canvas.atlas-hex-canvas');
  return !!(dots && hexes && Number(dots.dataset.painted || 0) && Number(dots.dataset.drawn || 0)
            && Number(hexes.dataset.painted || 0));
}"""
# Every drawn venue inside the map's view: its page position, the colour its code names, what
# the dot canvas and the hexagon canvas hold at its centre, and its nearest neighbour in px.
DOTS_JS = """() => {
  const c = document.querySelector('.leaflet-overlay-pane canvas.atlas-venue-canvas');
  const hex = document.querySelector('.leaflet-overlay-pane canvas.atlas-hex-canvas');
  const v = c.atlasVenues, map = c.atlasMap, size = map.getSize();
  const box = map.getContainer().getBoundingClientRect();
  const pixel = (canvas, x, y) => {
    const r = canvas.getBoundingClientRect(), k = canvas.width / r.width;
    return [...canvas.getContext('2d').getImageData(
      Math.floor((x - r.left) * k), Math.floor((y - r.top) * k), 1, 1).data];
  };
  const scale = 256 * Math.pow(2, map.getZoom()), origin = map.getPixelOrigin(), dots = [];
  for (let i = 0; i < v.n; i++) {
    if (v.codes[i] === 255) continue;
    const p = map.layerPointToContainerPoint(
      [v.xy[2 * i] * scale - origin.x, v.xy[2 * i + 1] * scale - origin.y]);
    if (p.x < 20 || p.y < 20 || p.x > size.x - 20 || p.y > size.y - 20) continue;
    dots.push({ i, x: box.left + p.x, y: box.top + p.y, colour: v.palette[v.codes[i]],
                mark: v.marks[i], dot: pixel(c, box.left + p.x, box.top + p.y),
                hex: pixel(hex, box.left + p.x, box.top + p.y) });
  }
  for (const d of dots) {
    d.near = Math.min(Infinity, ...dots.filter((e) => e !== d).map(
      (e) => Math.hypot(e.x - d.x, e.y - d.y)));
  }
  const pane = [...c.parentNode.children];
  return { dots, radius: Number(c.dataset.radius), palette: v.palette,
           order: [pane.indexOf(hex), pane.indexOf(c)],
           zIndex: [hex, c].map((e) => Number(getComputedStyle(e).zIndex) || 0) };
}"""


def _rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


@pytest.fixture(scope="module")
def page() -> Iterator:
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    need((REPO / "data" / "sample" / "metadata.json").exists(), "sample city not generated")
    with voila_server() as url, browser_page() as page:
        page.goto(url + ATLAS, timeout=LOAD_TIMEOUT)
        page.wait_for_function(READY_JS, timeout=LOAD_TIMEOUT, polling=100)
        page.wait_for_function(
            "() => document.querySelector('.atlas-status')?.textContent.includes('Ready')",
            timeout=LOAD_TIMEOUT,
        )
        yield page


def _isolated(seen: dict) -> list[dict]:
    """Dots with no other dot within two radii and a margin: their centre pixel is their own."""
    return [d for d in seen["dots"] if d["near"] > 2 * seen["radius"] + 6]


def test_dots_are_painted_in_their_states_colours_above_the_hexagons(page) -> None:
    from PIL import Image

    seen = page.evaluate(DOTS_JS)
    assert set(seen["palette"]) <= set(VENUE_COLORS.values()) and seen["palette"]
    assert seen["order"][0] < seen["order"][1] and seen["zIndex"][0] <= seen["zIndex"][1]
    dots = _isolated(seen)
    assert len(dots) >= 5, f"{len(seen['dots'])} dots in view, {len(dots)} isolated"
    for d in dots:
        r, g, b, a = d["dot"]
        assert max(abs(x - y) for x, y in zip((r, g, b), _rgb(d["colour"]), strict=True)) <= 3, d
        assert abs(a - round(0.9 * 255)) <= 2, d  # the dot's fill opacity, nothing drawn over
    # Composited on screen, a dot over a painted hexagon of another colour shows the dot.
    over = [d for d in dots if d["hex"][3] > 0
            and max(abs(x - y) for x, y in zip(d["hex"][:3], _rgb(d["colour"]), strict=True)) > 60]
    assert over, "no dot over a hexagon of another colour"
    for d in over[:5]:
        shot = page.screenshot(clip={"x": d["x"] - 0.5, "y": d["y"] - 0.5, "width": 1, "height": 1})
        screen = Image.open(io.BytesIO(shot)).convert("RGB").getpixel((0, 0))
        to_dot = max(abs(x - y) for x, y in zip(screen, _rgb(d["colour"]), strict=True))
        to_hex = max(abs(x - y) for x, y in zip(screen, d["hex"][:3], strict=True))
        assert to_dot < 40 and to_dot < to_hex, (screen, d)


def test_hovering_a_dot_shows_the_venue_and_the_radius_follows_the_zoom(page) -> None:
    venues = AtlasApp()._read_city(None).atlas.venues  # what the page's kernel opened
    seen = page.evaluate(DOTS_JS)
    named = [d for d in _isolated(seen) if isinstance(venues["name"].iloc[d["i"]], str)]
    assert named, "no isolated named venue in view"
    d = named[0]
    name = venues["name"].iloc[d["i"]]
    page.mouse.move(d["x"] + 40, d["y"] + 40)
    page.mouse.move(d["x"] + 1, d["y"], steps=4)
    page.wait_for_function(
        "(name) => document.querySelector('.atlas-info')?.textContent.includes(name)",
        arg=name, timeout=30_000,
    )
    hovered = page.evaluate(
        "() => document.querySelector('canvas.atlas-venue-canvas').atlasVenues.hover")
    assert hovered == d["i"]
    page.wait_for_timeout(800)  # the hexagon under the dot does not take the box back
    text = page.inner_text(".atlas-info")
    assert name in text
    assert any(word in text for word in ("Open", "Closed", "unknown")), text
    # A click on the dot is the venue's, not the cell's beneath it (no cell detail opens).
    page.mouse.click(d["x"] + 1, d["y"])
    page.wait_for_timeout(1500)
    assert page.locator(".atlas-detail").count() == 0
    assert name in page.inner_text(".atlas-info")

    small = seen["radius"]
    assert small < 5  # the sample opens at zoom 13: dots smaller than the configured 5 px
    painted = page.evaluate(
        "() => Number(document.querySelector('canvas.atlas-venue-canvas').dataset.painted)")
    page.evaluate("() => document.querySelector('canvas.atlas-venue-canvas').atlasMap.setZoom(15)")
    page.wait_for_function(
        """(n) => { const c = document.querySelector('canvas.atlas-venue-canvas');
                    return Number(c.dataset.painted) > n && Number(c.dataset.radius) === 5; }""",
        arg=painted, timeout=30_000,
    )


PAINTED_JS = "() => Number(document.querySelector('canvas.atlas-venue-canvas').dataset.painted)"
REPAINTED_JS = f"(n) => ({PAINTED_JS})() > n"


def test_dots_follow_a_pan_past_the_drawn_area(page) -> None:
    painted = page.evaluate(PAINTED_JS)
    page.evaluate("() => document.querySelector('canvas.atlas-venue-canvas').atlasMap.setZoom(14)")
    page.wait_for_function(REPAINTED_JS, arg=painted, timeout=30_000)
    # A third of the map's width east: past the quarter-width padding drawn around the view.
    painted = page.evaluate(PAINTED_JS)
    page.evaluate("""() => { const c = document.querySelector('canvas.atlas-venue-canvas');
                             c.atlasMap.panBy([c.atlasMap.getSize().x / 3, 0], {animate: false});
                           }""")
    page.wait_for_function(REPAINTED_JS, arg=painted, timeout=30_000)
    seen = page.evaluate(DOTS_JS)
    dots = _isolated(seen)
    assert dots, f"{len(seen['dots'])} dots in view after the pan"
    for d in dots:  # each venue's own colour under its new position: the canvas moved with it
        assert max(abs(x - y) for x, y in zip(d["dot"][:3], _rgb(d["colour"]), strict=True)) <= 3
