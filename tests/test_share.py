"""Shareable views: URL <-> view state, and both dashboards restoring a view from their URL."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from geo.app import AtlasApp, PresentApp, ViewState
from geo.app import _share as share
from geo.columns import CATEGORIES
from geo.metrics import RESOLUTIONS, Atlas, Query
from geo.sample import generate_city
from geo.sun import SUN_WINDOW_NAMES, SunWindow
from geo.timewin import HourWindow
from tests.conftest import REPO

EXAMPLE = REPO / "dashboards" / "scenes" / "example.yaml"


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    city = generate_city(seed=5, incidents=6_000, app_reports=1_500, perceptions=1_500, venues=80)
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QUERY_STRING", "VOILA_PREHEAT", "ATLAS_TILES", "ATLAS_SCENES_DIR"):
        monkeypatch.delenv(name, raising=False)


def _href(link_html: str) -> str:
    return html.unescape(re.search(r'href="([^"]*)"', link_html).group(1))


# ---------------------------------------------------------------------------- the state
queries = st.builds(
    Query,
    resolution=st.sampled_from(RESOLUTIONS),
    hours=st.one_of(st.none(), st.builds(HourWindow, st.integers(0, 23), st.integers(0, 23))),
    weekdays=st.one_of(st.none(), st.frozensets(st.integers(0, 6), min_size=1)),
    categories=st.one_of(st.none(), st.frozensets(st.sampled_from(CATEGORIES), min_size=1)),
    sources=st.one_of(st.none(), st.frozensets(st.sampled_from(["police", "app"]), min_size=1)),
    k=st.integers(0, 50),
    mode=st.sampled_from(["suppress", "coarsen"]),
)


@given(
    query=queries,
    layer=st.sampled_from(share.VIEW_LAYERS),
    lang=st.sampled_from(["en", "fr"]),
    lat=st.floats(-89, 89),
    lon=st.floats(-179, 179),
    zoom=st.sampled_from([3, 12.5, 15]),
    scene=st.one_of(st.none(), st.integers(1, 20)),
    hour=st.one_of(st.none(), st.integers(0, 23)),
)
def test_a_view_survives_its_own_url(query, layer, lang, lat, lon, zoom, scene, hour) -> None:
    state = ViewState(
        query=query, layer=layer, lang=lang, centre=(lat, lon), zoom=zoom, scene=scene, hour=hour
    )
    back = ViewState.from_query_string(state.href)
    assert back.problems == ()
    assert back.query == query
    assert (back.layer, back.lang, back.scene, back.hour) == (layer, lang, scene, hour)
    assert back.centre == pytest.approx((round(lat, 5), round(lon, 5)), abs=1e-9)
    assert back.zoom == zoom


def test_the_url_is_readable() -> None:
    state = ViewState(
        query=Query(resolution=9, hours=HourWindow(22, 4), weekdays=frozenset({4, 5})),
        layer="recorded",
        centre=(45.7554, 4.8384),
        zoom=15,
    )
    assert (
        state.href == "?res=9&hours=22-4&weekdays=fri,sat&layer=recorded&lat=45.7554"
        "&lon=4.8384&zoom=15"
    )


def test_bad_values_are_left_out_with_a_reason_and_the_rest_kept() -> None:
    state = ViewState.from_query_string(
        "res=12&hours=22-4&weekdays=someday&layer=points&lang=de&lat=45.7&zoom=99"
        "&scenes=../../etc/passwd&scene=0&hour=25&unknown=1"
    )
    assert state.query == Query(hours=HourWindow(22, 4))
    assert state.layer is None and state.lang is None and state.zoom is None
    assert state.centre is None  # a latitude without a longitude is no centre
    assert state.scenes is None and state.scene is None and state.hour is None
    problems = " ".join(state.problems)
    for key in ("res=", "weekdays=", "layer=", "lang=", "zoom=", "scenes=", "scene=", "hour="):
        assert key in problems, key
    assert ViewState.from_query_string("") == ViewState()
    assert ViewState.from_query_string(None) == ViewState()


def test_share_link_is_relative_and_escaped() -> None:
    link = share.share_link_html(ViewState(query=Query(categories={"theft", "drugs"})), "en")
    assert (
        'class="atlas-share"' in link
        and 'href="?res=9&amp;hours=all&amp;weekdays=all&amp;categories=drugs,theft"' in link
    )
    assert ">Share this view</a>" in link


def test_the_kernel_reads_the_page_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUERY_STRING", "res=8&layer=gap")
    assert share.read_view() == ViewState(query=Query(resolution=8), layer="gap")


def test_a_preheated_kernel_waits_for_the_visitor_first(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def arrives() -> None:  # what Voila does when the visitor's request comes in
        calls.append(1)
        monkeypatch.setenv("QUERY_STRING", "res=7")

    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setattr(share, "wait_for_request", arrives)  # tests/test_request.py: the real one
    assert share.page_query_string() == "res=7" and calls == [1]


def test_page_script_syncs_the_address_bar_and_keys() -> None:
    assert share.PAGE_SCRIPT.startswith("<script>") and "history.replaceState" in share.PAGE_SCRIPT
    assert "PageDown" in share.PAGE_SCRIPT and "atlas-present-next" in share.PAGE_SCRIPT


# ---------------------------------------------------------------------------- analyst dashboard
def test_analyst_dashboard_restores_a_shared_view(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = AtlasApp(atlas)
    first.controls.layer.value = "perceived"
    first.controls.hours.index = (8, 14)  # 20:00-02:00
    first.controls.resolution.value = 8
    first.map.center = (45.76, 4.83)
    first.map.zoom = 14.5
    href = _href(first.share.value)
    assert href.startswith("?") and "layer=perceived" in href and "hours=20-2" in href
    assert "lat=45.76" in href and "zoom=14.5" in href

    monkeypatch.setenv("QUERY_STRING", href[1:])
    second = AtlasApp(atlas)
    assert second.query() == first.query()
    assert second.controls.layer.value == "perceived"
    assert tuple(second.map.center) == (45.76, 4.83) and second.map.zoom == 14.5
    assert second.summary.value == first.summary.value
    assert _href(second.share.value) == href


def test_a_hand_typed_url_changes_only_what_it_names(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUERY_STRING", "res=8")
    typed = AtlasApp(atlas)
    assert typed.query() == Query(resolution=8, hours=HourWindow(22, 4), weekdays={4, 5})
    monkeypatch.setenv("QUERY_STRING", "res=8&hours=all&weekdays=all")
    everything = AtlasApp(atlas)
    assert everything.query() == Query(resolution=8)
    assert "hours=all&weekdays=all" in _href(everything.share.value)


@pytest.mark.parametrize("url", ["", "res=8&layer=gap&lang=fr&zoom=14.5"])
def test_a_preheated_kernel_is_handed_over_with_its_map_drawn(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """The default view is drawn before the visitor arrives; the page they get is the one a
    kernel started for them draws (redrawn when their URL asks for another view)."""
    from geo.app import _analyst_views

    monkeypatch.setenv("QUERY_STRING", url)
    cold = AtlasApp(atlas)
    app, drawn = AtlasApp(), []

    def arrives() -> ViewState:
        drawn.append(app.hexes.feature_count)
        return share.read_view()

    monkeypatch.setattr(_analyst_views, "preheated", lambda: True)
    monkeypatch.setattr(_analyst_views, "read_view", arrives)
    app.use(atlas)
    assert drawn and drawn[0] > 0  # drawn while waiting
    assert app.query() == cold.query() and app.lang == cold.lang
    for widget in ("share", "summary", "legend", "status"):
        assert getattr(app, widget).value == getattr(cold, widget).value, widget
    assert app.hexes.feature_count == cold.hexes.feature_count
    assert tuple(app.map.center) == tuple(cold.map.center) and app.map.zoom == cold.map.zoom


def test_analyst_dashboard_link_follows_every_redraw_and_language(atlas: Atlas) -> None:
    app = AtlasApp(atlas)
    before = app.share.value
    app.controls.k.value = 10
    assert app.share.value != before and "k=10" in _href(app.share.value)
    app.controls.language.value = "fr"
    assert "lang=fr" in _href(app.share.value) and "Partager cette vue" in app.share.value


def test_analyst_table_tab_is_filled_when_opened(atlas: Atlas) -> None:
    app = AtlasApp(atlas)
    assert app.table.value == ""  # not built while hidden
    app.side.selected_index = list(app.side.children).index(app.table)
    assert "<table" in app.table.value and "<caption>" in app.table.value
    assert app.side.get_title(app.side.selected_index) == "Table"
    rows = app.table.value.count('<th scope="row">')
    assert rows == app.hexes.feature_count
    app.controls.layer.value = "bivariate"  # a redraw refills the open table
    assert app.table.value.count('<th scope="row">') == app.hexes.feature_count


# ---------------------------------------------------------------------------- presentation
def test_presentation_restores_scene_hour_language_and_map(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = PresentApp(atlas, EXAMPLE)
    first.next()
    first.show_hour(1)
    first.map.center = (45.751, 4.851)
    first.set_language("fr")
    href = _href(first.share.value)
    assert "scene=2" in href and "hour=1" in href and "hours=1-2" in href and "lang=fr" in href

    monkeypatch.setenv("QUERY_STRING", href[1:])
    second = PresentApp(atlas, EXAMPLE)
    assert (second.index, second.hour, second.lang) == (1, 1, "fr")
    assert tuple(second.map.center) == (45.751, 4.851) and second.map.zoom == first.map.zoom
    assert second.header.value == first.header.value and second.clock.value == first.clock.value
    assert second.query() == first.query()


def test_presentation_reads_the_scene_file_the_url_names(
    atlas: Atlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.yaml").write_text(
        "scenes:\n  - title: One\n  - title: Two\n    layers: [gap]\n", encoding="utf-8"
    )
    monkeypatch.setenv("QUERY_STRING", "scenes=mine.yaml&scene=2&res=7&k=1&layer=recorded")
    app = PresentApp(atlas, scenes_dir=tmp_path)
    assert app.deck.name == "mine.yaml" and app.index == 1 and "Two" in app.header.value
    # the link names the file; a URL's own query never lowers k or changes the scene's layer
    assert app.result.k >= 5 and app.scene.layer == "gap"
    assert "scenes=mine.yaml" in _href(app.share.value)


def test_presentation_refuses_paths_in_the_url(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QUERY_STRING", "scenes=../secrets.yaml")
    app = PresentApp(atlas)
    assert app.deck.name == "example.yaml"
    assert "scenes=" in app.foot_notes.value  # the presenter sees what was left out


# ---------------------------------------------------------------------------- time layers
@given(
    layer=st.sampled_from(["change", "trend"]),
    baseline=st.sampled_from(share.VIEW_BASELINES),
    split=st.one_of(st.none(), st.dates()),
    change_of=st.one_of(st.none(), st.sampled_from(share.VIEW_CHANGE_OF)),
)
def test_change_and_trend_views_survive_their_url(layer, baseline, split, change_of) -> None:
    state = ViewState(layer=layer, baseline=baseline, split=split, change_of=change_of)
    back = ViewState.from_query_string(state.href)
    assert back.problems == ()
    assert (back.layer, back.baseline, back.split, back.change_of) == (
        layer, baseline, split, change_of)


def test_bad_change_values_are_left_out_with_a_reason() -> None:
    back = ViewState.from_query_string("layer=change&baseline=lastweek&split=July&change_of=x")
    assert back.layer == "change" and (back.baseline, back.split, back.change_of) == (
        None, None, None)
    assert [p.split("=")[0] for p in back.problems] == ["split", "baseline", "change_of"]


def test_analyst_dashboard_restores_a_shared_change_view(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    import datetime as dt

    first = AtlasApp(atlas)
    first.controls.layer.value = "change"
    first.baseline.value = "split"
    first.split_date.value = dt.date(2025, 7, 1)
    href = _href(first.share.value)
    assert "layer=change" in href and "baseline=split" in href and "split=2025-07-01" in href

    monkeypatch.setenv("QUERY_STRING", href[1:])
    second = AtlasApp(atlas)
    assert second.controls.layer.value == "change"
    assert (second.baseline.value, second.split_date.value) == ("split", dt.date(2025, 7, 1))


@given(
    query=queries,
    first=st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)),
    days=st.integers(0, 400),
    sun=st.one_of(st.none(), st.sampled_from(SUN_WINDOW_NAMES)),
)
def test_a_date_range_and_a_sun_window_survive_the_url(query, first, days, sun) -> None:
    query = query.with_(date_from=first, date_to=first + dt.timedelta(days=days))
    if sun is not None:
        query = query.with_(hours=None, sun=SunWindow.parse(sun))
    href = ViewState(query=query, layer="recorded").href
    assert f"from={first.isoformat()}" in href
    back = ViewState.from_query_string(href)
    assert back.problems == () and back.query == query
    assert (back.query.date_from, back.query.date_to, back.query.sun) == (
        query.date_from, query.date_to, query.sun)


def test_analyst_link_round_trips_dates_and_sun_window(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = AtlasApp(atlas)
    first.controls.dates.preset.value = "last_3_months"
    first.controls.dates.night_kind.value = "dusk+2"
    q = first.query()
    assert q.date_from is not None and q.sun == SunWindow(2) and q.hours is None
    href = _href(first.share.value)
    assert f"from={q.date_from.isoformat()}" in href and "hours=dusk%2B2" in href  # + is a space
    assert "hours=all" not in href  # a sun window is not "all times"

    monkeypatch.setenv("QUERY_STRING", href[1:])
    second = AtlasApp(atlas)
    assert second.query() == q
    assert second.controls.dates.preset.value == "last_3_months"
    assert second.controls.hours.disabled  # the sun window holds the clock slider off
    assert second.summary.value == first.summary.value
    assert _href(second.share.value) == href
