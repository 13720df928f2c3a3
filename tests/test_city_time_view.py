"""A city's default view may open on the change or trend layer (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.app import AtlasApp
from geo.city import build_project, load_project
from geo.city._project import VIEW_LAYERS
from geo.sample import generate_city, write_city


@pytest.fixture(autouse=True)
def no_page_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QUERY_STRING", "VOILA_PREHEAT", "ATLAS_CITY"):
        monkeypatch.delenv(name, raising=False)


def _project(folder: Path, layer: str) -> Path:
    """A small generated city whose atlas.yaml opens on ``layer``."""
    city = generate_city(seed=5, incidents=4_000, app_reports=800, perceptions=800, venues=40)
    write_city(city, folder)
    project = folder / "atlas.yaml"
    text = project.read_text(encoding="utf-8")
    assert "  layer: recorded\n" in text, "the sample project's default view changed"
    project.write_text(text.replace("  layer: recorded\n", f"  layer: {layer}\n"),
                       encoding="utf-8")
    return folder


@pytest.mark.parametrize(("layer", "legend", "summary"), [
    ("change", "Change in recorded incidents", "City-wide:"),
    ("trend", "Trend of recorded incidents", "City-wide recorded incidents per night"),
])
def test_a_city_opens_on_its_change_or_trend_default_view(
    tmp_path: Path, layer: str, legend: str, summary: str
) -> None:
    assert layer in VIEW_LAYERS
    folder = _project(tmp_path / layer, layer)
    project = load_project(folder)
    assert project.view.layer == layer
    build_project(project)
    app = AtlasApp().load_city(folder)
    assert app.controls.layer.value == layer
    assert legend in app.legend.value and summary in app.summary.value
    assert app.hexes.feature_count > 0
    assert app.result.k >= 5


def test_an_unknown_default_layer_still_names_the_time_layers(tmp_path: Path) -> None:
    from geo.city import ProjectError

    folder = _project(tmp_path / "bad", "chnage")
    with pytest.raises(ProjectError, match="'chnage' is not one of .*change, trend"):
        load_project(folder)
