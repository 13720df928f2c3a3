"""Voila in headless Chromium: switching the analyst map to the change layer (issue 15).

Same server and page as tests/test_browser.py (fails, never skips, on CI without Chromium).
"""

from __future__ import annotations

import pytest

from tests.test_browser import CANVAS_JS, SUMMARY_JS, _canvas, _summary, page, server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
__all__ = ["page", "server"]  # the fixtures, imported so pytest finds them here


def test_switching_to_the_change_layer_changes_map_and_summary(page) -> None:
    before_summary, before_canvas = _summary(page), _canvas(page)["hash"]
    page.get_by_label("Layer").select_option("Change between two periods")
    page.wait_for_function(
        f"() => ({SUMMARY_JS} || '').includes('City-wide:')", timeout=60_000
    )
    page.wait_for_function(
        "([js, b]) => eval(js)().hash !== b", arg=[CANVAS_JS, before_canvas], timeout=30_000
    )
    summary = _summary(page)
    assert summary != before_summary
    assert "Selected period" in summary and "recorded in 8 nights" in summary
    legend = page.inner_text(".atlas-legend")
    assert "rate ratio, recorded incidents per night" in legend and "no clear change" in legend
    assert page.get_by_label("Compare with").is_visible()
