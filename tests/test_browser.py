"""Voila in headless Chromium: what a visitor sees and does, asserted on the page itself.

Voila runs on a free loopback port; Playwright drives Debian's /usr/bin/chromium with every
non-loopback request blocked (tiles fail, hexes must still draw). These tests fail, never skip,
on CI when Chromium is missing. Hexes are drawn on a canvas (much faster than SVG), so "the map
shows hexes" is read from the canvas pixels.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import browser_page, chromium_path, voila_server
from tests.conftest import REPO, need

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ATLAS = "/voila/render/atlas.ipynb"
LOAD_TIMEOUT = 120_000

CANVAS_JS = """() => {
  const canvases = [...document.querySelectorAll('.leaflet-overlay-pane canvas')];
  let painted = 0, hash = 0, point = null;
  for (const c of canvases) {
    const ctx = c.getContext('2d');
    const {width, height} = c;
    if (!width || !height) continue;
    const data = ctx.getImageData(0, 0, width, height).data;
    const rect = c.getBoundingClientRect();
    for (let i = 3; i < data.length; i += 4 * 7) {
      if (data[i] > 0) {
        painted++;
        hash = (hash * 31 + data[i - 3] * 7 + data[i - 2] * 3 + data[i - 1]) % 1000000007;
      }
    }
    // a point well inside the painted area, near the centre of mass of painted pixels
    for (let y = Math.floor(height / 2); y < height && !point; y += 5) {
      for (let x = Math.floor(width / 2); x < width; x += 5) {
        const j = (y * width + x) * 4 + 3;
        if (data[j] > 0) { point = {x: rect.left + x * rect.width / width,
                                    y: rect.top + y * rect.height / height}; break; }
      }
    }
  }
  return {painted, hash, point};
}"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    need((REPO / "data" / "sample" / "metadata.json").exists(), "sample city not generated")
    with voila_server() as url:
        yield url


@pytest.fixture()
def page(server: str):
    with browser_page() as page:
        page.goto(server + ATLAS, timeout=LOAD_TIMEOUT)
        page.wait_for_selector(".atlas-legend", timeout=LOAD_TIMEOUT)
        page.wait_for_function(
            "() => document.querySelector('.atlas-status')?.textContent.includes('Ready')",
            timeout=LOAD_TIMEOUT,
        )
        yield page


def _canvas(page) -> dict:
    return page.evaluate(CANVAS_JS)


def _summary(page) -> str:
    return page.inner_text(".atlas-summary")


def _wait_changed(page, js_expr: str, before: str, timeout: int = 30_000) -> None:
    page.wait_for_function(f"(b) => ({js_expr}) !== b", arg=before, timeout=timeout)


SUMMARY_JS = "document.querySelector('.atlas-summary')?.innerText"


def test_map_shows_hexes_legend_and_summary(page) -> None:
    canvas = _canvas(page)
    assert canvas["painted"] > 500, canvas
    legend = page.inner_text(".atlas-legend")
    assert "Recorded incidents" in legend and "incidents per night" in legend
    assert "Hidden: fewer than 5" in legend
    assert "Cells shown" in _summary(page)
    assert "Synthetic data" in page.inner_text(".atlas-header")
    # the page says the counts carry noise, with its bound, beside the map and in the summary
    assert "random noise (at most ±2)" in legend
    assert "no one can be singled out by comparing views" in _summary(page)


def test_moving_the_hour_window_changes_map_and_summary(page) -> None:
    before_summary, before_canvas = _summary(page), _canvas(page)["hash"]
    handle = page.locator(".noUi-handle-lower").first
    handle.focus()
    for _ in range(3):
        handle.press("ArrowLeft")
    _wait_changed(page, SUMMARY_JS, before_summary)
    page.wait_for_function(
        "([js, b]) => eval(js)().hash !== b", arg=[CANVAS_JS, before_canvas], timeout=30_000
    )
    assert "19:00" in page.inner_text(".widget-readout >> nth=0") or "19:00" in page.content()
    assert _summary(page) != before_summary


def test_clicking_a_cell_opens_its_detail(page) -> None:
    before = _canvas(page)["hash"]
    page.get_by_role("checkbox", name="Nightlife venues").uncheck()  # dots sit above cells
    page.wait_for_function(
        "([js, b]) => eval(js)().hash !== b", arg=[CANVAS_JS, before], timeout=30_000
    )
    point = _canvas(page)["point"]
    assert point, "no painted pixel to click"
    page.mouse.click(point["x"], point["y"])
    page.wait_for_selector(".atlas-detail", timeout=30_000)
    detail = page.inner_text(".atlas-detail")
    assert "Incidents by hour of the night" in detail
    assert "Cell " in detail


def test_switching_to_french_changes_the_labels(page) -> None:
    page.get_by_role("button", name="FR", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('.atlas-legend')?.innerText.includes('Faits enregistrés')",
        timeout=30_000,
    )
    assert "Cellules affichées" in _summary(page)
    assert "Atlas de l" in page.inner_text(".atlas-header")
    assert "bruit aléatoire (au plus ±2)" in _summary(page)


def test_an_export_downloads_a_file(page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Export").click()
    page.get_by_role("button", name="Export table (GeoJSON)").click()
    link = page.locator("a.atlas-download")
    link.wait_for(timeout=60_000)
    with page.expect_download(timeout=30_000) as info:
        link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    text = path.read_text()
    assert path.suffix == ".geojson" and '"FeatureCollection"' in text and '"k"' in text


def test_uploading_a_real_export_shows_its_validation_report(page, formats_dir: Path) -> None:
    page.get_by_role("tab", name="Data").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Upload incidents").click()
    chooser.value.set_files(str(formats_dir / "chicago_crimes_sample.csv"))
    page.get_by_role("button", name="Add to this session's city", exact=True).click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.atlas-report')]"
        ".some(e => e.innerText.includes('chicago_crimes_sample'))",
        timeout=60_000,
    )
    report = page.locator(".atlas-report", has_text="chicago_crimes_sample").inner_text()
    assert "chicago" in report.lower()
    assert "Rows dropped" in report and "missing" in report.lower()
    assert page.locator("a.atlas-download").count() >= 1  # the dropped rows, downloadable


CELLS_JS = "() => Number(document.querySelector('.atlas-hex-canvas')?.dataset.cells || 0)"


def test_zooming_out_with_auto_resolution_coarsens_the_cells(server: str) -> None:
    with browser_page() as page:
        page.goto(server + ATLAS + "?res=auto&zoom=14", timeout=LOAD_TIMEOUT)
        page.wait_for_function(f"() => ({CELLS_JS})() > 0", timeout=LOAD_TIMEOUT)
        page.wait_for_function(
            "() => document.querySelector('a.atlas-share')?.getAttribute('href')"
            "?.includes('res=auto')", timeout=LOAD_TIMEOUT)
        fine = page.evaluate(CELLS_JS)
        for _ in range(4):  # zoom 14 -> 10: hexagons of res 10 and 9 fall below 4 px
            page.locator(".leaflet-control-zoom-out").click()
            page.wait_for_timeout(400)
        page.wait_for_function(f"(n) => ({CELLS_JS})() < n", arg=fine, timeout=60_000)
        coarse = page.evaluate(CELLS_JS)
        assert 0 < coarse < fine / 4, (fine, coarse)  # two resolutions coarser: ~1/49
        assert "res=auto" in page.evaluate(
            "() => document.querySelector('a.atlas-share').getAttribute('href')")

