"""`make screenshot`: PNGs of the dashboards on the sample city, so anyone can look at them.

Writes screenshots/atlas-default.png, atlas-gap.png and atlas-fr.png (1600x1000, offline:
non-loopback requests blocked, so the basemap is blank and the hexes must carry the view).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser import browser_page, voila_server  # noqa: E402

OUT = REPO / "screenshots"


def _open(page, url: str) -> None:
    page.goto(url, timeout=120_000)
    page.wait_for_function(
        "() => document.querySelector('.atlas-status')?.textContent.includes('Ready')",
        timeout=120_000,
    )
    page.wait_for_timeout(800)


def _redrawn(page, draws: int) -> None:
    page.wait_for_function(
        "(n) => Number(document.querySelector('.atlas-stamp')?.dataset.draws || 0) > n",
        arg=draws, timeout=60_000,
    )
    page.wait_for_timeout(500)


def _draws(page) -> int:
    return page.evaluate("() => Number(document.querySelector('.atlas-stamp')?.dataset.draws)")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with voila_server() as url, browser_page(1600, 1000) as page:
        atlas = url + "/voila/render/atlas.ipynb"
        _open(page, atlas)
        page.screenshot(path=OUT / "atlas-default.png")
        draws = _draws(page)
        page.get_by_label("Layer").select_option("gap")
        _redrawn(page, draws)
        page.screenshot(path=OUT / "atlas-gap.png")
        draws = _draws(page)
        page.get_by_label("Layer").select_option("bivariate")
        _redrawn(page, draws)
        page.screenshot(path=OUT / "atlas-bivariate.png")
        draws = _draws(page)
        page.get_by_role("button", name="FR", exact=True).click()
        _redrawn(page, draws)
        page.screenshot(path=OUT / "atlas-fr.png")
    for png in sorted(OUT.glob("*.png")):
        print(png.relative_to(REPO))


if __name__ == "__main__":
    main()
