"""The council report: one click, every section, the page's language, A4, "synthetic" only
for the sample city."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from geo.app import AtlasApp
from geo.app._report import SECTIONS
from geo.city import build_project, load_project
from geo.i18n import t
from tests.conftest import REPO, need

A4_POINTS = b"/MediaBox [ 0 0 595.44 841.68 ]"


def _check(pdf: Path, page: Path, lang: str) -> str:
    raw = pdf.read_bytes()
    assert raw.startswith(b"%PDF") and raw.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", raw)) >= 2 and A4_POINTS in raw
    text = page.read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in text and "data:image/png;base64," in text
    for key in SECTIONS:
        assert f'<section id="{key}"><h2>' in text, key
        assert t(f"report.section.{key}", lang).replace("'", "&#x27;") in text
    return text


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_sample_report_has_every_section_and_says_synthetic(lang: str,
                                                                tmp_path: Path) -> None:
    need((REPO / "data" / "sample" / "build" / "CURRENT").exists(), "sample city not built")
    app = AtlasApp().load_city(REPO / "data" / "sample")
    app.set_language(lang)
    app.controls.layer.value = "bivariate"
    pdf, page = app.council_report(tmp_path)
    text = _check(pdf, page, lang)
    assert t("export.synthetic", lang).replace("'", "&#x27;") in text
    assert "incidents.csv" in text and t("howto.bivariate", lang)[:40] in text.replace(
        "&#x27;", "'")
    assert "atlas-download" in app.export_panel.downloads.value


def test_a_report_of_the_change_layer_says_the_change_instead_of_the_method_notes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import html

    from geo.app._report import build_report
    from geo.compare import change_line
    from geo.metrics import Atlas
    from geo.sample import generate_city

    monkeypatch.delenv("QUERY_STRING", raising=False)
    city = generate_city(seed=5, incidents=4_000, app_reports=800, perceptions=800, venues=40)
    app = AtlasApp(Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata))
    app.controls.layer.value = "change"
    app.baseline.value = "split"
    change = app._time_state[1]
    _, page = app.council_report(tmp_path / "change")
    text = html.unescape(page.read_text(encoding="utf-8"))
    assert '<section id="change"><h2>Change between periods</h2>' in text
    assert '<section id="methods">' not in text
    assert change_line(change, "en") in text
    assert change.after[0].isoformat() in text and change.before[0].isoformat() in text
    counts = change.counts()
    assert (f"{counts['change.no_clear']} no clear change, "
            f"{counts['change.not_compared']} not compared") in text
    french = build_report(app.result, layer="change", metric="incidents", data_label="x",
                          lang="fr", reports={}, synthetic=True, change=change)
    assert [s.key for s in french.sections][2] == "change"
    assert "Changement entre deux périodes" in french.text()
    assert change_line(change, "fr") in french.text()
    app.controls.layer.value = "recorded"
    assert app._shown_change() is None  # the recorded layer's report keeps its method notes


@pytest.mark.formats
def test_a_report_of_real_export_slices_never_says_synthetic(tmp_path: Path,
                                                            formats_dir: Path) -> None:
    data = tmp_path / "exports"
    data.mkdir()
    for name in ("chicago_crimes_sample.csv", "osm_pubs_sample.geojson"):
        (data / name).write_bytes((formats_dir / name).read_bytes())
    project = tmp_path / "city"
    project.mkdir()
    (project / "atlas.yaml").write_text(textwrap.dedent("""\
        city: Chicago slice
        timezone: America/Chicago
        sources:
          incidents:
            - {path: ../exports/chicago_crimes_sample.csv, source: police, published: true,
               notes: {provider: City of Chicago, licence: terms of use}}
          venues: [../exports/osm_pubs_sample.geojson]
        """))
    build_project(load_project(project))
    app = AtlasApp().load_city(project)
    pdf, page = app.council_report(tmp_path / "out")
    text = _check(pdf, page, "en")
    assert "synthetic" not in text.lower()
    assert "chicago_crimes_sample.csv" in text and "City of Chicago" in text
    assert "Rows dropped" not in text and "dropped" in text  # counts, by reason
