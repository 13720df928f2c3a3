"""Time in the browser: a date preset repaints the analyst map, a played night keeps its legend.

Voila serves the repository's dashboards on the sample city. Like tests/test_browser.py these
tests fail, never skip, on CI when Chromium or the sample is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.browser import browser_page, chromium_path, voila_server
from tests.conftest import REPO, need
from tests.test_browser import CANVAS_JS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LOAD_TIMEOUT = 120_000
STEP_TIMEOUT = 45_000


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    need((REPO / "data" / "sample" / "metadata.json").exists(), "sample city not generated")
    with voila_server() as url:
        yield url


def _open(page, url: str) -> None:
    page.goto(url, timeout=LOAD_TIMEOUT)
    page.wait_for_function(
        "() => document.querySelector('.atlas-status')?.textContent.includes('Ready')"
        " && document.querySelector('.atlas-stamp')",
        timeout=LOAD_TIMEOUT,
    )


def _draws(page) -> int:
    return page.evaluate("() => Number(document.querySelector('.atlas-stamp')?.dataset.draws)")


def _redrawn(page, draws: int) -> None:
    page.wait_for_function(
        "(n) => Number(document.querySelector('.atlas-stamp')?.dataset.draws || 0) > n",
        arg=draws, timeout=STEP_TIMEOUT,
    )
    page.wait_for_timeout(500)  # the canvas repaints after the data lands


def _text(page, selector: str) -> str:
    return page.evaluate(f"() => document.querySelector({selector!r})?.textContent ?? ''")


def test_a_date_preset_repaints_the_map_and_the_summary_says_the_range(server: str) -> None:
    with browser_page() as page:
        _open(page, server + "/voila/render/atlas.ipynb?basemap=none")
        before = _text(page, ".atlas-summary"), page.evaluate(CANVAS_JS)["hash"]
        assert "Nights from 31 Dec 2024 to 31 Dec 2025" in before[0], before[0]
        assert "Data: 31 Dec 2024 – 31 Dec 2025" in _text(page, ".atlas-date-span")
        draws = _draws(page)
        page.locator(".atlas-date-preset select").select_option(label="Last 28 days")
        _redrawn(page, draws)
        after = _text(page, ".atlas-summary"), page.evaluate(CANVAS_JS)["hash"]
        assert "Nights from 4 Dec 2025 to 31 Dec 2025" in after[0], after[0]
        assert after[1] != before[1]  # other cells, other colours
        assert "8 nights in this view" in _text(page, ".atlas-date-span")
        href = page.get_attribute("a.atlas-share", "href") or ""
        assert "from=2025-12-04" in href and "to=2025-12-31" in href


def test_a_played_night_keeps_its_legend(server: str) -> None:
    with browser_page() as page:
        _open(page, server + "/voila/render/present.ipynb?basemap=none")
        handle = page.locator(".atlas-present-hour .noUi-handle").first
        handle.focus()
        legends, hours = set(), []
        for _ in range(6):  # 18:00 .. 23:00 by keyboard, each hour drawn before the next
            draws = _draws(page)
            handle.press("ArrowRight")
            _redrawn(page, draws)
            hours.append(_text(page, ".atlas-clock-hour"))
            legends.add(_text(page, ".atlas-present-legend"))  # legend and its notes
        assert hours == [f"{h}:00" for h in range(18, 24)], hours
        assert len(legends) == 1, legends
        assert "One colour scale for the whole night" in legends.pop()
