"""Presentation mode, shareable views, keyboard and offline use, asserted in headless Chromium.

Voila serves a temporary folder holding the two dashboards (copied from dashboards/), a scene
folder with a 3-scene test file and a folder of local map tiles, named by ``$ATLAS_TILES``.
Every page runs with all non-loopback requests blocked (a room without network). Like
tests/test_browser.py these tests fail, never skip, on CI when Chromium is missing.
"""

from __future__ import annotations

import io
import math
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.browser import browser_page, chromium_path, voila_server
from tests.conftest import REPO, need
from tests.test_browser import CANVAS_JS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_TIMEOUT = 120_000
STEP_TIMEOUT = 45_000
LOCAL = ("http://127.0.0.1", "http://localhost", "data:", "blob:")
THREE = {
    "title": "Test deck",
    "scenes": [
        {
            "title": "Scene one: records on Friday night",
            "note": "Recorded incidents.",
            "query": {"res": 9, "hours": "22-4", "weekdays": "fri,sat", "k": 2},
            "layers": ["recorded", "venues"],
            "centre": [45.7554, 4.8384],
            "zoom": 15,
        },
        {
            "title": "Scene two: feelings",
            "note": "Perceived insecurity.",
            "query": {"res": 8, "hours": "20-2"},
            "layers": ["perceived"],
            "centre": [45.75, 4.85],
            "zoom": 13,
        },
        {
            "title": "Scene three: the gap",
            "query": {"res": 9, "hours": "22-6"},
            "layers": ["gap", "venues"],
            "centre": [45.7653, 4.8204],
            "zoom": 14,
        },
    ],
}
LEGENDS = ("Recorded incidents", "Perceived insecurity", "Perceived rank minus recorded rank")


def _tile(lat: float, lon: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _write_tiles(folder: Path) -> None:
    """Plain tiles around every scene centre at the zooms the scenes use."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (222, 230, 240)).save(buffer, "PNG")
    png = buffer.getvalue()
    centres = [s["centre"] for s in THREE["scenes"]] + [[45.7554, 4.8384], [45.7653, 4.8204]]
    for z in range(12, 17):
        for lat, lon in centres:
            cx, cy = _tile(lat, lon, z)
            for x in range(cx - 5, cx + 6):
                for y in range(cy - 4, cy + 5):
                    path = folder / str(z) / str(x) / f"{y}.png"
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(png)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    need((REPO / "data" / "sample" / "metadata.json").exists(), "sample city not generated")
    root = tmp_path_factory.mktemp("served")
    for name in ("atlas.ipynb", "present.ipynb"):
        shutil.copy(REPO / "dashboards" / name, root / name)
    shutil.copytree(REPO / "dashboards" / "scenes", root / "scenes")
    (root / "scenes" / "three.yaml").write_text(yaml.safe_dump(THREE), encoding="utf-8")
    _write_tiles(root / "tiles")
    with voila_server(root, env={"ATLAS_TILES": "tiles"}) as url:
        yield url


def _open(page, url: str) -> None:
    page.goto(url, timeout=LOAD_TIMEOUT)
    page.wait_for_function(
        "() => document.querySelector('.atlas-status')?.textContent.includes('Ready')"
        " && document.querySelector('.atlas-stamp')",
        timeout=LOAD_TIMEOUT,
    )


def _settled_canvas(page) -> dict:
    """Pixels of the overlay canvas once two frames have passed without a repaint."""
    page.wait_for_timeout(300)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    canvas = page.evaluate(CANVAS_JS)
    return {"painted": canvas["painted"], "hash": canvas["hash"]}


def _draws(page) -> int:
    return page.evaluate("() => Number(document.querySelector('.atlas-stamp')?.dataset.draws)")


def _redrawn(page, draws: int) -> None:
    page.wait_for_function(
        "(n) => Number(document.querySelector('.atlas-stamp')?.dataset.draws || 0) > n",
        arg=draws,
        timeout=STEP_TIMEOUT,
    )


OVERLAP_JS = """() => {
  const a = document.querySelector('.atlas-legend')?.getBoundingClientRect();
  const b = document.querySelector('.atlas-clock')?.getBoundingClientRect();
  if (!a || !b) return null;
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}"""
"""Whether the legend and the clock overlap on screen (None when one is missing)."""


def _text(page, selector: str) -> str:
    return page.evaluate(f"() => document.querySelector({selector!r})?.innerText ?? ''")


def _share_href(page) -> str:
    return page.evaluate("() => document.querySelector('a.atlas-share')?.getAttribute('href')")


def _resolved(page, href: str) -> str:
    return page.evaluate("(h) => new URL(h, location.href).href", href)


def _state(page) -> dict:
    return {
        "counter": _text(page, ".atlas-present-counter"),
        "title": _text(page, ".atlas-present-title"),
        "legend": _text(page, ".atlas-legend-title"),
        "scale": _text(page, ".leaflet-control-scale-line"),
        "hour": _text(page, ".atlas-clock-hour"),
        "venues": _text(page, ".atlas-clock-venues"),
        "canvas": page.evaluate(CANVAS_JS)["hash"],
        "overlap": page.evaluate(OVERLAP_JS),
    }


def test_stepping_through_three_scenes_changes_title_layers_and_view(server: str) -> None:
    with browser_page(1920, 1080) as page:  # a projector's full HD
        _open(page, server + "/voila/render/present.ipynb?scenes=three.yaml&basemap=none")
        states = [_state(page)]
        draws = _draws(page)
        page.get_by_role("button", name="Next scene").click()  # by the button
        _redrawn(page, draws)
        page.wait_for_timeout(800)  # the canvas repaints after the data lands
        states.append(_state(page))
        draws = _draws(page)
        page.keyboard.press("PageDown")  # by the key a presentation clicker sends
        _redrawn(page, draws)
        page.wait_for_timeout(800)
        states.append(_state(page))
        assert [s["title"] for s in states] == [s["title"] for s in THREE["scenes"]]
        assert [s["legend"] for s in states] == list(LEGENDS)
        assert [s["counter"].split(" —")[0] for s in states] == [
            "Scene 1 of 3",
            "Scene 2 of 3",
            "Scene 3 of 3",
        ]
        assert len({s["scale"] for s in states}) == 3, states  # zoom 15, 13, 14
        assert len({s["canvas"] for s in states}) == 3
        assert [s["overlap"] for s in states] == [False] * 3  # legend and clock both readable
        draws = _draws(page)
        page.keyboard.press("PageUp")
        _redrawn(page, draws)
        assert _text(page, ".atlas-present-title") == THREE["scenes"][1]["title"]


def test_presentation_dom_has_no_raw_points_and_no_count_below_k(server: str) -> None:
    no_markers = (
        "() => document.querySelectorAll('.leaflet-marker-pane *, .leaflet-shadow-pane *,"
        " .leaflet-marker-icon, .leaflet-overlay-pane svg, .leaflet-tooltip, .leaflet-popup')"
        ".length"
    )
    cells = (
        "() => [...document.querySelectorAll('.atlas-table tbody tr')]"
        ".map(r => [...r.children].map(c => c.innerText.trim()))"
    )
    with browser_page() as page:
        _open(page, server + "/voila/render/present.ipynb?scenes=three.yaml&basemap=none")
        assert "asked for k = 2" in _text(page, ".atlas-present-foot")
        for i in range(3):
            assert page.evaluate(no_markers) == 0
            page.get_by_role("button", name="Show as table").click()
            page.wait_for_selector(".atlas-table caption", timeout=STEP_TIMEOUT)
            assert "below 5 are hidden" in _text(page, ".atlas-table caption")
            rows = page.evaluate(cells)
            assert rows, "the table lists the shown cells"
            for row in rows:
                for text in (row[1], row[3]):  # incidents, answers
                    if text.startswith("<"):
                        assert text == "< 5", row
                    elif text not in ("—", "0"):
                        assert float(text.replace(",", "")) >= 5, row
            page.get_by_role("button", name="Show the map").click()
            page.wait_for_selector(".leaflet-container", timeout=STEP_TIMEOUT)
            if i < 2:
                draws = _draws(page)
                page.get_by_role("button", name="Next scene").click()
                _redrawn(page, draws)


def test_playback_advances_the_hour_and_the_venues_open_count(server: str) -> None:
    with browser_page() as page:
        _open(page, server + "/voila/render/present.ipynb?basemap=none")
        assert _text(page, ".atlas-clock-hour") == "22:00–04:00"
        handle = page.locator(".atlas-present-hour .noUi-handle").first
        handle.focus()
        for _ in range(4):  # by keyboard to 21:00: the sample's venues all open by 18:00
            draws = _draws(page)
            handle.press("ArrowRight")
            _redrawn(page, draws)
        assert _text(page, ".atlas-clock-hour") == "21:00"
        seen = {"21:00": _text(page, ".atlas-clock-venues")}
        page.get_by_role("button", name="Play the night").click()
        for _ in range(120):  # 1.5 s per hour: two more hours within ~4 s, allow far more
            page.wait_for_timeout(250)
            hour, venues = _text(page, ".atlas-clock-hour"), _text(page, ".atlas-clock-venues")
            seen[hour] = venues
            if len(seen) >= 3:
                break
        night = [f"{h:02d}:00" for h in (*range(18, 24), *range(0, 6))]
        order = [night.index(h) for h in seen]  # a busy machine may skip a frame, never go back
        assert order == sorted(order) and order[0] == night.index("21:00"), seen
        # venues open as the night goes on: 21:00 differs from what follows (two later hours
        # may agree, e.g. 22:00 and 23:00, and a busy machine may skip a frame)
        assert len(set(seen.values())) >= 2, seen
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play the night").wait_for(timeout=STEP_TIMEOUT)


CONTRAST_JS = """() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 4 ? c[3] > 0.5 : c.length === 3) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  let checked = 0;
  for (const el of document.querySelectorAll('.atlas-present *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    if (!own || !box.width || el.closest('.leaflet-control-attribution')) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const bg = background(el);
    let fg = rgb(style.color);
    if (fg.length === 4) fg = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (hi + 0.05) / (lo + 0.05);
    checked++;
    if (ratio < 4.5) bad.push([el.className, el.textContent.trim().slice(0, 30), ratio]);
  }
  return {checked, bad};
}"""


FOCUSED_JS = """() => { const e = document.activeElement; const s = getComputedStyle(e);
    return {text: (e.innerText || e.getAttribute('aria-label') || '').trim(),
            tag: e.tagName, role: e.getAttribute('role'),
            outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""


def test_keyboard_alone_reaches_the_scene_buttons_with_a_visible_focus(server: str) -> None:
    with browser_page() as page:
        _open(page, server + "/voila/render/present.ipynb?scenes=three.yaml&basemap=none")
        walked = []
        for _ in range(40):
            page.keyboard.press("Tab")
            walked.append(page.evaluate(FOCUSED_JS))
            if walked[-1]["text"] == "Next scene":
                break
        reached = [w["text"] for w in walked]
        assert "Previous scene" in reached and reached[-1] == "Next scene", reached
        assert walked[-1]["tag"] == "BUTTON" and walked[-1]["width"] >= 3, walked[-1]
        draws = _draws(page)
        page.keyboard.press("Enter")
        _redrawn(page, draws)
        assert _text(page, ".atlas-present-counter").startswith("Scene 2 of 3")
        for _ in range(60):  # the rest of the bar, the map, then the share link
            page.keyboard.press("Tab")
            walked.append(page.evaluate(FOCUSED_JS))
            if walked[-1]["text"] == "Share this view":
                break
        reached = [w["text"] for w in walked]
        for label in ("Play the night", "Show as table", "Full screen", "FR", "Share this view"):
            assert label in reached, (label, reached)
        assert [w for w in walked if w["outline"] == "none" or w["width"] < 2] == [], walked
        contrast = page.evaluate(CONTRAST_JS)
        assert contrast["checked"] > 20 and contrast["bad"] == [], contrast


def test_presentation_share_link_restores_scene_hour_and_view(server: str) -> None:
    with browser_page() as first:
        _open(first, server + "/voila/render/present.ipynb?scenes=three.yaml&basemap=none")
        draws = _draws(first)
        first.get_by_role("button", name="Next scene").click()
        _redrawn(first, draws)
        handle = first.locator(".atlas-present-hour .noUi-handle").first
        handle.focus()
        for _ in range(3):
            draws = _draws(first)
            handle.press("ArrowRight")
            _redrawn(first, draws)
        before = _state(first)
        assert before["hour"] == "20:00" and before["title"] == THREE["scenes"][1]["title"]
        href = _share_href(first)
        assert "scene=2" in href and "hour=20" in href and "scenes=three.yaml" in href
        first.wait_for_function("(h) => location.search === h", arg=href, timeout=STEP_TIMEOUT)
        url = _resolved(first, href)
    with browser_page() as second:
        _open(second, url)
        second.wait_for_timeout(800)
        after = _state(second)
        for key in ("counter", "title", "legend", "hour", "venues", "scale"):
            assert after[key] == before[key], key
        assert _share_href(second) == href


def test_analyst_share_link_restores_layer_hours_and_summary(server: str) -> None:
    with browser_page() as first:
        _open(first, server + "/voila/render/atlas.ipynb")
        draws = _draws(first)
        first.get_by_label("Layer").select_option("Perceived insecurity")
        _redrawn(first, draws)
        handle = first.locator(".noUi-handle-lower").first
        handle.focus()
        for _ in range(2):
            draws = _draws(first)
            handle.press("ArrowLeft")
            _redrawn(first, draws)
        href = _share_href(first)
        assert "layer=perceived" in href and "hours=20-4" in href, href
        first.wait_for_function("(h) => location.search === h", arg=href, timeout=STEP_TIMEOUT)
        summary = _text(first, ".atlas-summary")
        legend = _text(first, ".atlas-legend")
        url = _resolved(first, href)
        # The map restyled in the browser (colour codes only) paints exactly what the same view
        # drawn from scratch paints (styles inside the features).
        restyled = _settled_canvas(first)
    with browser_page() as second:
        _open(second, url)
        assert _settled_canvas(second) == restyled
        layer = second.get_by_label("Layer").evaluate("s => s.options[s.selectedIndex].text")
        assert layer.replace("\u00a0", " ") == "Perceived insecurity"
        assert _text(second, ".atlas-summary") == summary
        assert _text(second, ".atlas-legend") == legend
        assert _share_href(second) == href
        # keyboard only: every control on the way to the side tabs shows its focus, and the
        # table view (the map's alternative) opens from the keyboard
        walked = []
        for _ in range(80):
            second.keyboard.press("Tab")
            now = second.evaluate(FOCUSED_JS)
            walked.append(now)
            if now["role"] == "tab":
                break
        assert walked[-1]["role"] == "tab", walked
        assert "Share this view" in [w["text"] for w in walked]
        assert [w for w in walked if w["outline"] == "none" or w["width"] < 2] == []
        for _ in range(6):
            if second.evaluate(FOCUSED_JS)["text"] == "Table":
                break
            second.keyboard.press("ArrowRight")
        second.keyboard.press("Enter")
        second.wait_for_selector(".atlas-table caption", timeout=STEP_TIMEOUT)
        assert "k" in _text(second, ".atlas-table caption")


def test_with_the_network_cut_both_dashboards_draw_their_hexes(server: str) -> None:
    for path, local_tiles in (("present.ipynb", True), ("atlas.ipynb", False)):
        with browser_page(offline=True) as page:
            failed, errors, outside = [], [], []
            page.on("requestfailed", lambda r, failed=failed: failed.append(r.url))
            page.on("request", lambda r, outside=outside: outside.append(
                (r.resource_type, r.url)) if not r.url.startswith(LOCAL) else None)
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            _open(page, server + "/voila/render/" + path)
            page.wait_for_timeout(1500)
            assert page.evaluate(CANVAS_JS)["painted"] > 500, path
            assert page.locator(".atlas-legend").count() >= 1
            assert [u for u in failed if u.startswith("http://127.0.0.1")] == [], failed
            assert errors == [], errors
            # Nothing but basemap tiles leaves the machine: no stylesheet, font or script from
            # a CDN (Voila's lab page links Font Awesome from one; our template drops it).
            assert [(kind, url) for kind, url in outside if kind != "image"] == [], outside
            if local_tiles:  # the presenter's tile folder, served by Voila, no network
                loaded = page.locator("img.leaflet-tile-loaded[src*='/voila/files/tiles/']")
                assert loaded.count() > 0
