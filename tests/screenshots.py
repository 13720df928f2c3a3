"""`make screenshot`: PNGs of the dashboards on the sample city, so anyone can look at them.

Writes screenshots/atlas-default.png, atlas-gap.png and atlas-fr.png (1600x1000, offline:
non-loopback requests blocked, so the basemap is blank and the hexes must carry the view),
report-fr-page-1.png (the first page of the French page's council report), and
present-scene-1.png, present-scene-2.png, present-playback-0100.png and
present-playback-0100-coarsened.png (1920x1080; small cells merged into parents to reach k).
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


COARSEN_SCENES = """title: Night playback, small cells merged
scenes:
  - title: {en: Friday and Saturday nights, fr: Nuits du vendredi et du samedi}
    query: {res: 9, hours: "22-4", weekdays: "fri,sat", mode: coarsen}
    layers: [recorded, venues]
"""
"""A scene that coarsens to reach k (the presentation's ``mode: coarsen``)."""


def _scenes_dir() -> Path:
    """The sample's scenes plus the coarsening one, in a temp folder the server is told of."""
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="atlas-scenes-"))
    for scene in (REPO / "data" / "sample" / "scenes").glob("*.yaml"):
        shutil.copy(scene, folder / scene.name)
    (folder / "night.yaml").write_text(COARSEN_SCENES, encoding="utf-8")
    return folder


def main() -> None:
    OUT.mkdir(exist_ok=True)
    env = {"ATLAS_SCENES_DIR": str(_scenes_dir())}
    with voila_server(env=env) as url, browser_page(1600, 1000) as page:
        atlas = url + "/voila/render/atlas.ipynb"
        _open(page, atlas)
        page.screenshot(path=OUT / "atlas-default.png")
        draws = _draws(page)
        page.get_by_label("Layer").select_option("Gap between perceived and recorded")
        _redrawn(page, draws)
        page.screenshot(path=OUT / "atlas-gap.png")
        draws = _draws(page)
        page.get_by_label("Layer").select_option("Perceived vs recorded (bivariate)")
        _redrawn(page, draws)
        page.screenshot(path=OUT / "atlas-bivariate.png")
        draws = _draws(page)
        page.get_by_role("button", name="FR", exact=True).click()
        _redrawn(page, draws)
        page.screenshot(path=OUT / "atlas-fr.png")
        report(page)
        present(page, url)
    for png in sorted(OUT.glob("*.png")):
        print(png.relative_to(REPO))


def report(page) -> None:
    """The council report of the French page (Export tab, one click): its first page as PNG,
    by poppler's pdftoppm when installed, else drawn again by matplotlib."""
    import shutil
    import subprocess
    import tempfile

    page.get_by_role("tab", name="Export").click()
    page.get_by_role("button", name="Rapport pour le conseil (PDF + HTML)").click()
    link = page.locator("a.atlas-download", has_text=".pdf")
    link.wait_for(timeout=120_000)
    with page.expect_download(timeout=60_000) as info:
        link.click()
    folder = Path(tempfile.mkdtemp(prefix="atlas-shot-"))
    pdf = folder / info.value.suggested_filename
    info.value.save_as(pdf)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(OUT / "report-fr-page-1")], check=True)
    else:
        from geo.app import AtlasApp
        from geo.app._report import build_report, report_pdf

        app = AtlasApp().load_city()
        app.set_language("fr")
        rep = build_report(app.result, layer=app.controls.layer.value,
                           metric=app.controls.metric.value, data_label=app.data_label,
                           lang="fr", reports=app.atlas.reports, synthetic=app.atlas.synthetic)
        report_pdf(rep, folder / "again.pdf", OUT / "report-fr-page-1.png")


def present(page, url: str) -> None:
    """Presentation mode at projector size (1920x1080, offline, no basemap): the first two
    scenes of dashboards/scenes/example.yaml, and night playback at 01:00 (restored from the
    page URL, exactly as a shared link does)."""
    page.set_viewport_size({"width": 1920, "height": 1080})
    for name, query in (
        ("present-scene-1.png", "scene=1"),
        ("present-scene-2.png", "scene=2"),
        ("present-playback-0100.png", "scene=1&hour=1"),
        ("present-playback-0100-coarsened.png", "scenes=night.yaml&scene=1&hour=1"),
    ):
        _open(page, f"{url}/voila/render/present.ipynb?{query}")
        page.wait_for_timeout(1200)  # the canvas repaints once the data has landed
        page.screenshot(path=OUT / name)

if __name__ == "__main__":
    main()
