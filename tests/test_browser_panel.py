"""The analyst side panel in headless Chromium: nothing cut, chips by mouse and by keyboard.

At 1366x768 and 1920x1080, in English and French, every label, button, readout and chosen
option of the side panel shows its whole text (scrollWidth against clientWidth; a select's and
the k field's text measured against the box), with every section open.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser import browser_page, chromium_path, voila_server
from tests.conftest import REPO, need

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ATLAS = "/voila/render/atlas.ipynb"
LOAD_TIMEOUT = 120_000

CUT_JS = """() => {
  const side = document.querySelector('.atlas-side');
  const cut = [];
  const visible = (e) => e.offsetParent !== null && e.getClientRects().length > 0;
  const ctx = document.createElement('canvas').getContext('2d');
  const textWidth = (e, text) => {
    const s = getComputedStyle(e);
    ctx.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
    return ctx.measureText(text).width;
  };
  const inner = (e) => {
    const s = getComputedStyle(e);
    return e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  };
  const sel = 'label, button, .widget-label, .widget-readout, .widget-html-content, ' +
              '.widget-label-basic span';
  for (const e of side.querySelectorAll(sel)) {
    if (!visible(e) || getComputedStyle(e).display === 'inline') continue;
    if (!e.innerText.trim()) continue;
    if (e.scrollWidth > e.clientWidth + 1)
      cut.push({text: e.innerText, scroll: e.scrollWidth, client: e.clientWidth});
  }
  for (const s of side.querySelectorAll('select')) {
    if (!visible(s) || s.selectedIndex < 0) continue;
    const text = s.options[s.selectedIndex].text;
    if (textWidth(s, text) > inner(s) - 18)  /* the arrow takes the right end */
      cut.push({text, select: true, width: textWidth(s, text), client: inner(s)});
  }
  for (const i of side.querySelectorAll('input[type=number]')) {
    if (!visible(i)) continue;
    if (textWidth(i, i.value) > inner(i) - 16 || inner(i) < 24)  /* the spinner */
      cut.push({text: i.value, input: true, client: inner(i)});
  }
  if (side.scrollWidth > side.clientWidth + 1)
    cut.push({text: 'the panel itself', scroll: side.scrollWidth, client: side.clientWidth});
  return cut;
}"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    need(chromium_path() is not None, "Debian chromium (/usr/bin/chromium) is not installed")
    need((REPO / "data" / "sample" / "metadata.json").exists(), "sample city not generated")
    with voila_server() as url:
        yield url


def _open(page, url: str) -> None:
    page.goto(url + ATLAS, timeout=LOAD_TIMEOUT)
    page.wait_for_function(
        "() => document.querySelector('.atlas-status')?.textContent.includes('Ready')",
        timeout=LOAD_TIMEOUT,
    )


def _open_sections(page) -> None:
    for header in page.locator(".atlas-section-header").all():
        if "mod-active" not in (header.get_attribute("class") or ""):
            header.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.atlas-section-body')]"
        ".every(b => b.offsetParent !== null)",
        timeout=30_000,
    )


def _share_query(page) -> dict[str, list[str]]:
    href = page.get_attribute("a.atlas-share", "href") or ""
    return parse_qs(urlparse(href).query)


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)], ids=["1366", "1920"])
def test_no_label_is_cut_in_english_or_french(server: str, size: tuple[int, int]) -> None:
    with browser_page(*size) as page:
        _open(page, server)
        _open_sections(page)
        assert page.evaluate(CUT_JS) == []
        page.get_by_role("button", name="FR", exact=True).click()
        page.wait_for_function(
            "() => document.querySelector('.atlas-side')?.innerText.includes('Types de faits')",
            timeout=30_000,
        )
        page.locator(".atlas-side select").first.select_option(index=3)  # the longest layer
        page.wait_for_timeout(500)
        assert page.evaluate(CUT_JS) == []
        k = page.locator(".atlas-side input[type=number]")
        assert k.input_value() == "5" and k.is_visible()


NONE_CHOSEN_JS = ("() => !document.querySelector('.atlas-categories')"
                  ".querySelector('.atlas-chip.mod-active')")
"""No category chosen."""


TWO_CHOSEN_JS = ("() => (document.querySelector('a.atlas-share')?.href || '')"
                 ".split('categories=')[1]?.split('&')[0].includes(',')")
"""The share link (the kernel's view) names two categories."""


def _chosen(page) -> list[str]:
    return page.locator(".atlas-categories").locator(".atlas-chip.mod-active").all_inner_texts()


def test_two_categories_with_the_mouse_alone(server: str) -> None:
    with browser_page(1366, 768) as page:
        _open(page, server)
        chips = page.locator(".atlas-categories")
        chips.get_by_role("button", name="None", exact=True).click()
        page.wait_for_function(NONE_CHOSEN_JS,
                               timeout=30_000)
        chips.get_by_role("button", name="Robbery", exact=False).click()
        chips.get_by_role("button", name="Harassment", exact=False).click()
        page.wait_for_function(TWO_CHOSEN_JS, timeout=30_000)
        assert sorted(_share_query(page)["categories"][0].split(",")) == [
            "harassment", "robbery"]
        assert len(_chosen(page)) == 2


def test_two_categories_with_the_keyboard_alone(server: str) -> None:
    with browser_page(1366, 768) as page:
        _open(page, server)
        page.locator("body").focus()

        def tab_to(name: str) -> None:
            for _ in range(150):
                page.keyboard.press("Tab")
                text = page.evaluate(
                    "() => document.activeElement?.closest('.atlas-categories') ? "
                    "document.activeElement.innerText : ''"
                )
                if name in text:
                    return
            raise AssertionError(f"Tab never reached {name!r}")

        tab_to("None")
        page.keyboard.press("Enter")
        page.wait_for_function(NONE_CHOSEN_JS,
                               timeout=30_000)
        tab_to("Robbery")
        page.keyboard.press("Space")
        tab_to("Theft")
        page.keyboard.press("Space")
        page.wait_for_function(TWO_CHOSEN_JS, timeout=30_000)
        assert sorted(_share_query(page)["categories"][0].split(",")) == ["robbery", "theft"]


WEEKDAYS_JS = """() => {
  const group = document.querySelector('.atlas-weekdays');
  const shown = (e) => e.offsetParent !== null;
  return {
    chips: [...group.querySelectorAll('.atlas-chip')].map(
      (b) => [b.innerText.replace('✓ ', ''), b.title, b.classList.contains('mod-active')]),
    shownButtons: [...group.querySelectorAll('button')].filter(shown).length,
  };
}"""


def test_the_weekday_chips_carry_night_tooltips_and_no_all_or_none(server: str) -> None:
    with browser_page(1366, 768) as page:
        _open(page, server)
        state = page.evaluate(WEEKDAYS_JS)
        assert [c[0] for c in state["chips"]] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
                                                   "Sun"]
        assert [c[2] for c in state["chips"]] == [False] * 4 + [True, True, False]
        assert all(c[1] and c[1] != c[0] for c in state["chips"])  # "Friday night ..."
        assert state["shownButtons"] == 7  # the chips alone: no "All" / "None"
        page.locator(".atlas-weekdays .atlas-chip").first.click()  # Monday too
        page.wait_for_function(
            "() => (document.querySelector('a.atlas-share')?.href || '').includes('mon,fri,sat')",
            timeout=30_000,
        )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_bivariate_key_names_its_corners_in_the_page(server: str, lang: str) -> None:
    """The four corner squares carry their letters and the phrase beside each names the same
    letter, on the page itself (in both languages)."""
    with browser_page(1366, 768) as page:
        page.goto(f"{server}{ATLAS}?layer=bivariate&lang={lang}", timeout=LOAD_TIMEOUT)
        page.wait_for_selector(".atlas-bivariate-corner", timeout=LOAD_TIMEOUT)
        corners = page.evaluate("""() => [...document.querySelectorAll(
            '.atlas-bivariate-corner')].map(c => ({cls: c.dataset.class, text: c.innerText}))""")
        squares = page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
            '.atlas-bivariate-square')].map(s => [s.dataset.class, s.innerText.trim()]))""")
        assert sorted(c["cls"] for c in corners) == ["0", "2", "6", "8"]
        for corner in corners:
            letter = squares[corner["cls"]]
            assert letter in "ABCD" and len(letter) == 1, squares
            assert letter in corner["text"] and len(corner["text"]) > 5, corner
