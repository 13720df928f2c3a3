"""Presentation mode headless: scene files, the privacy floor, playback, the table, sharing."""

from __future__ import annotations

import datetime as dt
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import yaml

from geo.app import PresentApp, SceneFileError, load_scenes
from geo.app._cells_table import cells_table_html
from geo.app._present_bar import PLAY_HOURS
from geo.app._present_style import FOCUS_COLOUR, TEXT_COLOURS, contrast_ratio
from geo.app._scenes import PRESENT_K_FLOOR, SCENE_LAYERS, parse_scenes
from geo.app._tiles import tiles_url
from geo.metrics import Atlas
from geo.sample import generate_city
from geo.timewin import HourWindow
from tests.conftest import REPO

EXAMPLE = REPO / "dashboards" / "scenes" / "example.yaml"
COUNTS = ("incidents", "perceived_n", "incidents_police", "incidents_app")


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    city = generate_city(seed=5, incidents=6_000, app_reports=1_500, perceptions=1_500, venues=80)
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)


@pytest.fixture(autouse=True)
def no_page_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QUERY_STRING", "VOILA_PREHEAT", "ATLAS_TILES", "ATLAS_SCENES_DIR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def app(atlas: Atlas) -> PresentApp:
    return PresentApp(atlas, EXAMPLE)


def _deck(scenes: list[dict], tmp_path: Path, name: str = "deck.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"scenes": scenes}, allow_unicode=True), encoding="utf-8")
    return path


class _Table(HTMLParser):
    """Rows of the first <table> as lists of cell texts, and its caption."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.caption = ""
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th", "caption"):
            self._in = tag
            if tag != "caption":
                self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in ("td", "th", "caption"):
            self._in = None

    def handle_data(self, data):
        if self._in == "caption":
            self.caption += data
        elif self._in:
            self.rows[-1][-1] += data


def _table(html_text: str) -> _Table:
    parser = _Table()
    parser.feed(html_text)
    return parser


# ---------------------------------------------------------------------------- scene files
def test_example_scene_file_has_three_scenes_on_aggregated_layers() -> None:
    deck = load_scenes(EXAMPLE)
    assert len(deck) == 3
    assert deck[0].text("title", "en") == "Friday night in Rue des Lanternes"
    assert deck[0].query.hours == HourWindow(22, 4) and deck[0].query.weekdays == {4, 5}
    assert [s.layer for s in deck.scenes] == ["recorded", "bivariate", "perceived"]
    assert all(set(s.layers) <= set(SCENE_LAYERS) for s in deck.scenes)
    assert all(s.query.k >= PRESENT_K_FLOOR for s in deck.scenes)
    assert deck[2].text("title", "fr") == "Le parc à la nuit tombée"


def test_json_and_yaml_read_the_same(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    path = tmp_path / "same.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_scenes(path).scenes == load_scenes(EXAMPLE).scenes


def test_a_low_k_is_raised_to_the_floor_with_a_note(atlas: Atlas, tmp_path: Path) -> None:
    path = _deck([{"title": "Small", "query": {"k": 2, "hours": "22-4"}}], tmp_path)
    scene = load_scenes(path)[0]
    assert scene.query.k == PRESENT_K_FLOOR and scene.k_asked == 2 and scene.k_raised
    app = PresentApp(atlas, path)
    assert app.result.k == PRESENT_K_FLOOR
    assert "asked for k = 2" in app.foot_notes.value and "k = 5" in app.foot_notes.value
    zero = load_scenes(_deck([{"title": "Off", "query": {"k": 0}}], tmp_path, "z.yaml"))[0]
    assert zero.query.k == PRESENT_K_FLOOR


@pytest.mark.parametrize(
    ("scene", "message"),
    [
        ({"title": "A", "layer": ["recorded"]}, "unknown key 'layer' (did you mean 'layers'?)"),
        ({"title": "A", "query": {"hour": "22-4"}}, "did you mean 'hours'?"),
        ({"title": "A", "layers": ["perception_points"]}, "never raw points"),
        ({"title": "A", "layers": ["app_points", "venues"]}, "never raw points"),
        ({"title": "A", "layers": ["hotspots"]}, "aggregated layers only"),
        ({"title": "A", "layers": ["change"], "baseline": "week"}, "baseline must be one of"),
        ({"title": "A", "layers": ["trend"], "baseline": "previous"}, "layers: [change]"),
        ({"title": "A", "layers": ["change"], "split": "2025-07-01"}, "needs baseline: split"),
        ({"title": "A", "layers": ["change"], "baseline": "split", "split": "July"},
         "split must be a date YYYY-MM-DD"),
        ({"title": "A", "layers": ["recorded", "perceived"]}, "one cell layer at a time"),
        ({"title": "A", "query": {"hours": "late"}}, "not an hour window"),
        ({"title": "A", "query": {"res": 12}}, "resolution must be one of"),
        ({"title": "A", "centre": [4.85]}, "centre must be [lat, lon]"),
        ({"title": "A", "centre": [145.0, 4.85]}, "centre must be [lat, lon]"),
        ({"title": "A", "zoom": 40}, "zoom must be between"),
        ({"title": {"de": "Nacht"}}, "unknown language 'de'"),
        ({"note": "no title"}, "title is missing"),
    ],
)
def test_scene_file_mistakes_get_one_clear_sentence(
    tmp_path: Path, scene: dict, message: str
) -> None:
    path = _deck([{"title": "Fine"}, scene], tmp_path)
    with pytest.raises(SceneFileError) as info:
        load_scenes(path)
    text = str(info.value)
    assert message in text and str(path) in text and "scene 2" in text


def test_file_level_problems(tmp_path: Path) -> None:
    with pytest.raises(SceneFileError, match="no such scene file"):
        load_scenes(tmp_path / "missing.yaml")
    with pytest.raises(SceneFileError, match="a scene file is"):
        load_scenes(tmp_path / "scenes.txt")
    bad = tmp_path / "bad.yaml"
    bad.write_text("scenes:\n  - title: [unclosed\n", encoding="utf-8")
    with pytest.raises(SceneFileError, match=r"not valid YAML \(line \d+\)"):
        load_scenes(bad)
    with pytest.raises(SceneFileError, match="unknown key 'scene'"):
        parse_scenes({"scene": []})
    with pytest.raises(SceneFileError, match="non-empty list"):
        parse_scenes({"scenes": []})
    assert len(parse_scenes([{"title": "bare list"}])) == 1


# ---------------------------------------------------------------------------- the app
def test_first_scene_draws_title_note_cells_venues_legend_and_clock(app: PresentApp) -> None:
    assert "Friday night in Rue des Lanternes" in app.header.value
    assert "Scene 1 of 3" in app.counter.value
    assert app.hexes.feature_count > 0
    assert "Recorded incidents" in app.legend.value and "Nightlife venues" in app.legend.value
    assert "22:00–04:00" in app.clock.value and "Venues open:" in app.clock.value
    assert app.map.zoom == 15 and tuple(app.map.center) == (45.7554, 4.8384)
    assert "Synthetic" in app.foot_notes.value and "k = 5" in app.foot_notes.value
    assert "at most ±2" in app.foot_notes.value  # the counts' noise, stated on the slide
    assert 'class="atlas-stamp" data-map="1" data-draws="1"' in app.stamp.value
    assert "Ready" in app.status.value


def test_next_and_previous_change_title_layer_and_view(app: PresentApp) -> None:
    seen = []
    for _ in range(3):
        seen.append((app.header.value, app.legend.value[:80], tuple(app.map.center), app.map.zoom))
        app.next()
    assert len(set(seen)) == 3  # title, layer and view all differ between scenes
    assert app.index == 0  # wrapped round
    app.previous()
    assert app.index == 2 and "The park after dark" in app.header.value
    assert "Perceived insecurity" in app.legend.value
    app.next_button.click()
    assert app.index == 0



def test_only_a_scene_drawn_from_ranks_compares(app: PresentApp) -> None:
    """Recorded and perceived scenes skip the comparison (nothing on a projector reads it); the
    bivariate scene has its classes, and the drawn colours come from them."""
    layers = []
    for _ in range(3):
        layers.append(app.scene.layer)
        ranked = app.scene.layer == "bivariate"
        assert ("bivariate_class" in app.result.table) == ranked, app.scene.layer
        assert (app.result.summary["cells_compared"] > 0) == ranked
        if ranked:
            assert app.hexes.visible_features() and "Recorded" in app.legend.value
        app.next()
    assert sorted(layers) == ["bivariate", "perceived", "recorded"]

def test_no_raw_point_is_ever_drawn(app: PresentApp, atlas: Atlas) -> None:
    # Rounded as the layers round (Python's correctly rounded round, not numpy's).
    def points(frame) -> list[tuple[float, float]]:
        return [(round(x, 5), round(y, 5)) for x, y in zip(frame["lon"], frame["lat"], strict=True)]

    venue_xy = set(points(atlas.venues))
    app_reports = atlas.incidents[atlas.incidents["source"] == "app"]
    people = {*points(atlas.perceptions), *points(app_reports)} - venue_xy
    venue_lonlat = atlas.venues[["lon", "lat"]].to_numpy(dtype=float)
    people_lonlat = np.array(sorted(people))
    checked = 0
    for _ in range(len(app.deck)):
        for step in (0, 8):
            app.show_step(step)
            kinds = {type(layer).__name__ for layer in app.map.layers}
            assert kinds <= {"TileLayer", "GeoJSON"}, kinds
            for layer in app.map.layers:
                if type(layer).__name__ != "GeoJSON":
                    continue
                assert layer is app.hexes.layer  # the venue dots are their own canvas
                for feature in layer.data["features"]:
                    assert feature["geometry"]["type"] == "Polygon"
            if not app.venues.shown:
                continue
            # What the page holds: each position within a centimetre of a venue, none of a
            # person; and what the kernel would show on hover is the venues' own points.
            sent = app.venues.sent_points()
            assert len(sent) == len(venue_lonlat)
            assert np.abs(sent - venue_lonlat).max() < 1e-6
            if len(people_lonlat):
                near = np.abs(sent[:, None, :] - people_lonlat[None, :, :]).max(axis=2)
                assert not (near < 1e-6).any()
            for feature in app.venues.visible_features():
                assert feature["geometry"]["type"] == "Point"
                point = tuple(feature["geometry"]["coordinates"])
                assert point in venue_xy and point not in people
            checked += 1
        app.next()
    assert checked  # some scene shows the venues


def test_no_shown_cell_reveals_a_count_below_k(app: PresentApp) -> None:
    for _ in range(len(app.deck)):
        for step in range(len(PLAY_HOURS) + 1):
            app.show_step(step)
            assert app.result.k >= PRESENT_K_FLOOR
            for column in COUNTS:
                values = app.result.table[column].to_numpy(dtype=float)
                assert not ((values > 0) & (values < app.result.k)).any(), (column, step)
        app.next()


def test_playback_steps_the_night_hour_by_hour(app: PresentApp) -> None:
    assert len(app.hour_slider.options) == len(PLAY_HOURS) + 1
    opened = []
    for hour in PLAY_HOURS:
        app.show_hour(hour)
        assert app.result.query.hours == HourWindow(hour, (hour + 1) % 24)
        assert f'<div class="atlas-clock-hour">{hour:02d}:00</div>' in app.clock.value
        assert app.hour_slider.index == PLAY_HOURS.index(hour) + 1
        opened.append(app.venues_open()[0])
    assert len(set(opened)) > 3  # venues open and close through the night
    assert opened[PLAY_HOURS.index(23)] > opened[PLAY_HOURS.index(5)]
    app.hour_slider.index = 0  # what the Play widget does, through the jslinked slider
    assert app.hour is None and app.result.query.hours == HourWindow(22, 4)


def test_play_toggle_relabels_and_restarts_at_the_end(app: PresentApp) -> None:
    app.show_step(len(PLAY_HOURS))
    app.play_button.value = True
    assert app.play_button.description == "Pause" and app.step == 0
    app.next()  # a new scene stops playback
    assert app.play_button.value is False and app.play_button.description == "Play the night"


def test_table_view_lists_the_shown_cells_with_caption_and_k(app: PresentApp) -> None:
    app.table_button.value = True
    assert app.stage.children == (app.table,)
    table = _table(app.table.value)
    assert "cells shown" in table.caption and "k" in table.caption
    assert "Weekdays of the night: Fri, Sat" in table.caption
    header, *rows = table.rows
    assert header == [
        "Cell",
        "Incidents",
        "Smoothed insecurity (empirical Bayes)",
        "Answers",
        "Venues open in the window",
    ]
    assert len(rows) == len(app.cells) > 0
    for row in rows:
        for text in (row[1], row[3]):
            if text.startswith("<"):
                assert text == f"< {app.result.k}"
            elif text not in ("—", "0"):
                assert float(text.replace(",", "")) >= app.result.k, row
    app.table_button.value = False
    assert app.stage.children == (app.map,)


def test_french_switches_every_label(app: PresentApp) -> None:
    app.language.value = "fr"
    assert "Vendredi soir rue des Lanternes" in app.header.value
    assert app.next_button.description == "Scène suivante"
    assert "de 22\u00a0h à 4\u00a0h" in app.clock.value
    assert "Établissements ouverts" in app.clock.value
    assert "Partager cette vue" in app.share.value
    assert "bruit aléatoire" in app.foot_notes.value


def test_a_broken_scene_file_shows_its_error_not_a_traceback(atlas: Atlas, tmp_path: Path) -> None:
    path = _deck([{"title": "X", "layers": ["points"]}], tmp_path)
    app = PresentApp(atlas, path)
    assert app.error and "never raw points" in app.header.value
    assert 'role="alert"' in app.header.value
    assert app.hexes.feature_count == 0


def test_contrast_of_the_colours_presentation_introduces() -> None:
    for what, (fg, bg) in TEXT_COLOURS.items():
        assert contrast_ratio(fg, bg) >= 4.5, what
    assert contrast_ratio(FOCUS_COLOUR, "#ffffff") >= 3


def test_local_tiles(tmp_path: Path, atlas: Atlas, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tiles").mkdir()
    env = {"VOILA_BASE_URL": "/base/", "SCRIPT_NAME": "/base/voila/render/sub/present.ipynb"}
    expected = "/base/voila/files/sub/tiles/{z}/{x}/{y}.png"
    assert tiles_url("tiles", cwd=tmp_path, env=env) == expected
    jpg = "tiles/{z}/{x}/{y}.jpg"
    assert tiles_url(jpg, cwd=tmp_path, env={}) == "/voila/files/" + jpg
    url = "http://192.168.1.5:8080/{z}/{x}/{y}.png"
    assert tiles_url(url) == url
    with pytest.raises(FileNotFoundError, match="nowhere"):
        tiles_url("nowhere", cwd=tmp_path)
    monkeypatch.chdir(tmp_path)
    app = PresentApp(atlas, EXAMPLE, tiles="tiles")
    base = [layer for layer in app.map.layers if getattr(layer, "base", False)]
    assert [layer.url for layer in base] == ["/voila/files/tiles/{z}/{x}/{y}.png"]
    missing = PresentApp(atlas, EXAMPLE, tiles="nowhere")
    assert [layer.url for layer in missing.map.layers if getattr(layer, "base", False)] == [""]
    assert "nowhere" in missing.foot_notes.value


def test_default_basemap_fetches_nothing(app: PresentApp) -> None:
    urls = [layer.url for layer in app.map.layers if hasattr(layer, "url")]
    assert urls == [""]


def test_cells_table_helper_hides_small_counts(atlas: Atlas) -> None:
    from geo.metrics import Query

    result = atlas.query(Query(hours=HourWindow(3, 4), weekdays=frozenset({0}), k=5))
    hidden = result.table["suppressed_incidents"].fillna(False).astype(bool)
    assert hidden.any(), "the fixture must have hidden cells for this test to mean anything"
    rows = _table(cells_table_html(result, None, "en")).rows[1:]
    shown = {row[0]: row[1] for row in rows}
    for cell in result.table.loc[hidden, "cell"]:
        assert shown[format(int(cell), "x")] == "< 5"
    assert len(rows) == len(result.table)
    assert np.isfinite(result.table["incidents"]).sum() + hidden.sum() == len(result.table)


# ---------------------------------------------------------------------------- change and trend
SPLIT = dt.date(2025, 7, 1)
TIME_DECK = [
    {"title": "Before and after the new lighting", "layers": ["change", "venues"],
     "baseline": "split", "split": SPLIT.isoformat(), "query": {"hours": "22-4"}},
    {"title": "Month by month", "layers": ["trend"], "query": {"k": 2}},
]


def _counts_in_table(html_text: str, columns: tuple[int, ...]) -> list[str]:
    return [row[i] for row in _table(html_text).rows[1:] for i in columns]


def test_change_and_trend_scenes_draw_with_legend_words_and_the_k_floor(
    atlas: Atlas, tmp_path: Path
) -> None:
    from geo.compare import change_line, compare_periods

    app = PresentApp(atlas, _deck(TIME_DECK, tmp_path))
    k = app.result.k
    assert k >= PRESENT_K_FLOOR
    assert app.hexes.feature_count > 0
    assert "Change in recorded incidents" in app.legend.value
    assert "rate ratio, recorded incidents per night" in app.legend.value  # the unit
    assert "no clear change" in app.legend.value and "Nightlife venues" in app.legend.value
    # the city-wide sentence, from the scene's own split date, under the title
    first, last = atlas.incident_cube.first_night, atlas.incident_cube.last_night
    expected = compare_periods(atlas, app.query(), (first, SPLIT - dt.timedelta(days=1)),
                               (SPLIT, last))
    assert change_line(expected, "en") in app.header.value
    assert SPLIT.isoformat() in app.header.value
    change = app._shown.payload
    counts = change.table[["before", "after"]].to_numpy(dtype=float)
    assert np.isnan(counts).any(), "the fixture must hide some counts for this to mean anything"
    assert not ((counts > 0) & (counts < k)).any()
    # the table lists the comparison, hidden counts as "< k", never 1..k-1
    app.table_button.value = True
    header = _table(app.table.value).rows[0]
    assert header[1] == "Change" and header[4].startswith("Recorded before")
    for text in _counts_in_table(app.table.value, (4, 5)):
        assert text == f"< {k}" or text == "0" or float(text.replace(",", "")) >= k, text
    assert f"< {k}" in _counts_in_table(app.table.value, (4, 5))
    # one colour scale in every hour of the night: fixed bounds, same legend rows
    legend = app.legend.value
    app.show_hour(1)
    assert app.result.query.hours == HourWindow(1, 2) and app.legend.value == legend
    app.table_button.value = False

    app.next()  # the trend scene: its k asked (2) is raised to the floor
    assert app.result.k >= PRESENT_K_FLOOR and app.scene.k_raised
    assert app.hexes.feature_count > 0
    assert "Trend of recorded incidents" in app.legend.value
    assert "month by month" in app.legend.value and "no clear trend" in app.legend.value
    assert "too few months" in app.header.value
    monthly = app._shown.payload.counts
    assert not ((monthly > 0) & (monthly < app.result.k)).any()
    app.set_language("fr")
    assert "Tendance des faits enregistrés" in app.legend.value
    app.previous()
    assert "Changement" in app.legend.value and "Toute la ville" in app.header.value


def test_a_change_scene_without_a_baseline_in_the_data_says_so(atlas: Atlas,
                                                               tmp_path: Path) -> None:
    """The fixture holds one year (from 31 Dec 2024): June 2024 has no night."""
    deck = [{"title": "A year on", "layers": ["change"], "baseline": "year_earlier",
             "query": {"from": "2025-06-01", "to": "2025-06-28"}}]
    app = PresentApp(atlas, _deck(deck, tmp_path))
    assert app.error is None and app.hexes.visible_features() == []
    assert "No comparison: the data hold no night" in app.header.value
    app.table_button.value = True  # the table falls back to the (protected) cells of the view
    assert "cells shown" in app.table.value


def test_playback_coarsens_to_reach_k_when_the_project_says_so_and_the_page_says_it(
    atlas: Atlas,
) -> None:
    """At 01:00 per-hour counts are small: suppressing hides most cells, coarsening draws their
    parents instead, and the footer says how many cells were merged."""
    hidden = PresentApp(atlas, EXAMPLE)
    hidden.show_hour(1)
    assert hidden.result.protected.merged == 0
    app = PresentApp(atlas, EXAMPLE)
    app.coarsen = True  # what load_city sets from a project's privacy.mode: coarsen
    app.show_hour(1)
    result = app.result
    assert result.query.mode == "coarsen" and result.protected.merged > 0
    assert (result.table["resolution"] < result.query.resolution).any()  # parents drawn
    shown = result.table["incidents"].to_numpy(dtype=float)
    assert not ((shown > 0) & (shown < result.k)).any()
    assert "merged into larger ones" in app.foot_notes.value
    assert "merged" not in hidden.foot_notes.value
    app.set_language("fr")
    assert "regroupées" in app.foot_notes.value
