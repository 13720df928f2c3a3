"""`atlas serve` on a city project built from real export slices, in headless Chromium.

The project (Chicago police records, crowd pins in two files, its own scenes, k = 7) is built
into a temp folder and served exactly as ``atlas serve DIR`` serves it. Both dashboards must show
that city's hexes fitted to its extent; no visitor gets below the project's k; the share link
round-trips; presentation mode steps through the project's own scenes.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from geo.city import build_project, load_project
from geo.serve import voila_command
from tests.browser import browser_page, chromium_path, free_port, running_server
from tests.conftest import need
from tests.test_browser import CANVAS_JS
from tests.test_browser_panel import _open_sections
from tests.test_city import _pins

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.formats]

LOAD_TIMEOUT = 120_000
STEP_TIMEOUT = 60_000
SCENES = """\
    title: Chicago nights
    scenes:
      - title: Every recorded incident
        note: All times.
        query: {res: 8, k: 2}
        layers: [recorded]
      - title: Where people pinned a feeling
        note: Perceived insecurity from pins.
        query: {res: 8}
        layers: [perceived]
    """


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory, formats_dir: Path) -> Path:
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    root = tmp_path_factory.mktemp("city")
    exports = root / "exports"
    exports.mkdir()
    (exports / "chicago.csv").write_bytes((formats_dir / "chicago_crimes_sample.csv").read_bytes())
    _pins(exports)
    folder = root / "chicago"
    (folder / "scenes").mkdir(parents=True)
    (folder / "scenes" / "scenes.yaml").write_text(textwrap.dedent(SCENES))
    (folder / "atlas.yaml").write_text(textwrap.dedent("""\
        city: Chicago slice
        timezone: America/Chicago
        privacy: {k: 7}
        default_view: {query: {res: 8}, basemap: none}
        sources:
          incidents:
            - {path: ../exports/chicago.csv, source: police, published: true}
          perceptions:
            - {path: ../exports/pins_unsafe.csv, mapping: ../exports/pins_unsafe.yaml}
            - {path: ../exports/pins_safe.csv, mapping: ../exports/pins_safe.yaml}
        """))
    build_project(load_project(folder))
    return folder


@pytest.fixture(scope="module")
def server(city: Path) -> Iterator[str]:
    port = free_port()
    argv, env = voila_command(city, port=port)
    with running_server(argv, port, env) as url:
        yield url


def _open(page, url: str) -> None:
    page.goto(url, timeout=LOAD_TIMEOUT)
    page.wait_for_function(
        "() => document.querySelector('.atlas-status')?.textContent.includes('Ready')"
        " && document.querySelector('.atlas-stamp')", timeout=LOAD_TIMEOUT)
    page.wait_for_timeout(500)


def _text(page, selector: str) -> str:
    return page.evaluate(f"() => document.querySelector({selector!r})?.innerText ?? ''")


def _share(page) -> str:
    href = page.evaluate("() => document.querySelector('a.atlas-share')?.getAttribute('href')")
    return page.evaluate("(h) => new URL(h, location.href).href", href)


def _centre(url: str) -> tuple[float, float]:
    params = parse_qs(urlsplit(url).query)
    return float(params["lat"][0]), float(params["lon"][0])


def test_the_analyst_page_shows_the_city_fitted_with_its_k_floor(server: str) -> None:
    with browser_page() as page:
        _open(page, server + "/voila/render/atlas.ipynb")
        assert page.evaluate(CANVAS_JS)["painted"] > 200
        lat, lon = _centre(_share(page))
        assert 41.6 < lat < 42.1 and -87.95 < lon < -87.5  # Chicago, not the sample city
        assert "Chicago slice" in _text(page, ".atlas-header") or "Chicago slice" in _text(
            page, ".atlas-summary")
        assert "Synthetic" not in _text(page, ".atlas-header")
        assert "k = 7" in _text(page, ".atlas-summary")
        _open_sections(page)  # the k field sits in the (collapsed) privacy section
        k_field = page.locator(".atlas-k input")
        assert k_field.get_attribute("min") == "7"
        k_field.fill("2")
        k_field.press("Enter")
        page.wait_for_timeout(1500)
        assert k_field.input_value() == "7"
        assert "k = 7" in _text(page, ".atlas-summary")


def test_a_url_cannot_lower_k_and_the_share_link_round_trips(server: str) -> None:
    with browser_page() as page:
        _open(page, server + "/voila/render/atlas.ipynb?res=9&k=2&layer=perceived")
        assert "k = 7" in _text(page, ".atlas-summary")
        href = _share(page)
        assert "res=9" in href and "layer=perceived" in href and "k=2" not in href
        summary = _text(page, ".atlas-summary")
    with browser_page() as again:
        _open(again, href)
        assert _text(again, ".atlas-summary") == summary
        assert _share(again) == href


def test_presentation_steps_through_the_projects_own_scenes(server: str) -> None:
    with browser_page() as page:
        _open(page, server + "/voila/render/present.ipynb?scenes=scenes.yaml")
        assert _text(page, ".atlas-present-title") == "Every recorded incident"
        assert page.evaluate(CANVAS_JS)["painted"] > 200
        draws = page.evaluate("() => Number(document.querySelector('.atlas-stamp').dataset.draws)")
        page.get_by_role("button", name="Next scene").click()
        page.wait_for_function(
            "(n) => Number(document.querySelector('.atlas-stamp').dataset.draws) > n",
            arg=draws, timeout=STEP_TIMEOUT)
        assert _text(page, ".atlas-present-title") == "Where people pinned a feeling"
        body = page.content()
        assert not re.search(r"k = [1-6]\b", body)  # the scene asked for k = 2: never shown
