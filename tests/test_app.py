"""The analyst dashboard driven headless: set widgets, assert on results and layer data."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from geo.app import AtlasApp
from geo.app._style import VENUE_COLORS
from geo.metrics import Atlas
from geo.sample import generate_city


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    city = generate_city(seed=5, incidents=6_000, app_reports=1_500, perceptions=1_500, venues=80)
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)


@pytest.fixture()
def app(atlas: Atlas) -> AtlasApp:
    return AtlasApp(atlas)


def _drawn(app: AtlasApp) -> list[dict]:
    return app.hexes.visible_features()


def test_first_view_draws_hexes_with_a_legend_and_summary(app: AtlasApp) -> None:
    features = _drawn(app)
    assert features, "the default view must draw cells"
    ring = features[0]["geometry"]["coordinates"][0]
    lon, lat = ring[0]
    assert 4.7 < lon < 5.0 and 45.6 < lat < 45.9  # GeoJSON order is lng, lat
    assert "Recorded incidents" in app.legend.value and "incidents per night" in app.legend.value
    assert "Cells shown" in app.summary.value and "k = 5" in app.summary.value
    assert "Synthetic" in app.header.value


def test_the_page_says_counts_carry_noise_in_both_languages(app: AtlasApp) -> None:
    assert "at most ±2" in app.summary.value and "comparing views" in app.summary.value
    assert "at most ±2" in app.legend.value  # beside the map too, in one line
    assert app.result.summary["perturbed"] and app.controls.k.min >= 1  # no control turns it off
    app.controls.language.value = "fr"
    assert "bruit aléatoire" in app.summary.value and "±2" in app.legend.value


def test_no_shown_cell_reveals_a_count_below_k(app: AtlasApp) -> None:
    for k in (5, 7, 10):
        app.controls.k.value = k
        table = app.result.table
        for column in ("incidents", "perceived_n", "incidents_police", "incidents_app"):
            values = table[column].to_numpy(dtype=float)
            assert not ((values > 0) & (values < k)).any(), (k, column)
        assert f"k = {k}" in app.summary.value


def test_hour_window_change_recomputes_and_restyles(app: AtlasApp) -> None:
    before = app.result.summary["incidents_shown"], json.dumps(_drawn(app))
    app.controls.hours.index = (0, 6)  # 12:00-18:00
    after = app.result.summary["incidents_shown"], json.dumps(_drawn(app))
    assert app.result.query.hours.start == 12 and app.result.query.hours.end == 18
    assert before[0] != after[0] and before[1] != after[1]


def test_a_filter_change_sends_colours_not_outlines(app: AtlasApp) -> None:
    outlines, sends = app.hexes.feature_sends, app.hexes.sends
    app.controls.hours.index = (0, 6)
    app.controls.layer.value = "perceived"
    assert app.hexes.feature_sends == outlines and app.hexes.sends == sends + 2
    app.controls.weekdays.value = (0, *app.controls.weekdays.value)  # Monday too: answers carry
    # no weekday, so the same colours and no message
    assert app.hexes.sends == sends + 2
    assert app.hexes.outlines.size == app.atlas.grid_cells(9).size
    app.controls.resolution.value = 8  # another grid: its outlines go once
    assert app.hexes.feature_sends == outlines + 1
    assert app.hexes.outlines.size == app.atlas.grid_cells(8).size


def test_unchanged_payload_is_not_sent_again(app: AtlasApp) -> None:
    sends = app.hexes.sends
    app.redraw()
    assert app.hexes.sends == sends


def test_every_layer_draws_and_has_its_legend(app: AtlasApp) -> None:
    titles = {
        "recorded": "Recorded incidents",
        "perceived": "Perceived insecurity",
        "gap": "Perceived rank minus recorded rank",
        "bivariate": "Perceived vs recorded",
        "hotspots": "Hot spots",
    }
    for layer, title in titles.items():
        app.controls.layer.value = layer
        assert title in app.legend.value, layer
        assert _drawn(app), layer
    assert not app.result.table["hotspot"].eq("hotspot.not_computed").all()


def test_perceived_layer_marks_cells_with_few_answers(app: AtlasApp) -> None:
    app.controls.layer.value = "perceived"
    dashed = [f for f in _drawn(app) if f["properties"]["style"].get("dashArray")]
    assert dashed and "Too few answers" in app.legend.value


def test_french_changes_labels_not_values(app: AtlasApp) -> None:
    before = app.result.summary["incidents_shown"]
    app.controls.language.value = "fr"
    assert "Faits enregistrés" in app.legend.value
    assert app.controls.layer.options[0][0] == "Faits enregistrés"
    assert app.result.summary["incidents_shown"] == before


def test_click_opens_the_detail_with_protected_hourly_bars(app: AtlasApp) -> None:
    table = app.result.table
    cell = int(table.loc[table["incidents"].idxmax(), "cell"])
    app._on_click(properties={"cell": format(cell, "x")})
    assert format(cell, "x") in app.detail.value
    assert "Incidents by hour of the night" in app.detail.value
    hours = app.atlas.cell_hours(cell, app.result.query)
    assert not ((hours > 0) & (hours < app.result.k)).any()


def test_hover_fills_the_info_box(app: AtlasApp) -> None:
    cell = format(int(app.result.table["cell"].iloc[0]), "x")
    app._on_hover(properties={"cell": cell})
    assert cell in app.info.value


def test_weekday_filter_and_all_times(app: AtlasApp) -> None:
    app.controls.weekdays.value = app.controls.weekdays.options  # every night
    app.controls.all_times.value = True
    everything = app.result.summary["incidents_shown"]
    assert app.result.query.hours is None and app.result.query.weekdays is None
    assert app.result.summary["rows_left_out_untimed"] == 0
    app.controls.all_times.value = False
    assert app.result.summary["incidents_shown"] < everything
    assert app.result.summary["rows_left_out_untimed"] > 0


def test_resolution_change_changes_the_grid(app: AtlasApp) -> None:
    app.controls.resolution.value = 8
    cells = app.result.table["cell"].to_numpy(dtype=np.uint64)
    import h3.api.basic_int as h3i

    assert {h3i.get_resolution(int(c)) for c in cells} == {8}


def test_auto_resolution_follows_the_zoom_and_the_share_link_says_auto(app: AtlasApp) -> None:
    app.map.zoom = 14
    app.controls.resolution.value = "auto"
    assert app.result.query.resolution == 10
    app.map.zoom = 10
    assert app.result.query.resolution == 8
    assert "res=auto" in app.share.value
    app.controls.resolution.value = 9  # a fixed choice ignores the zoom again
    app.map.zoom = 13
    assert app.result.query.resolution == 9


def test_venues_layer_reflects_the_window(app: AtlasApp) -> None:
    states = set(app.venues.states)
    assert states <= {"open", "closed", "unknown"} and "open" in states
    drawn = {f["properties"]["style"]["fillColor"] for f in app.venues.visible_features()}
    assert drawn == {VENUE_COLORS[s] for s in states}
    sent, night = app.venues.feature_sends, list(app.venues.states)
    app.controls.hours.index = (0, 2)  # 12:00-14:00: other venues open, same points
    assert list(app.venues.states) != night and app.venues.feature_sends == sent
    assert app.venues.shown and app.venues.layer.map is app.map
    app.show_venues.value = False
    assert not app.venues.shown and app.venues.layer.map is None


def test_hovering_a_venue_dot_shows_its_name_state_and_hours(app: AtlasApp) -> None:
    venues = app.atlas.venues
    i = int(np.flatnonzero(venues["name"].notna().to_numpy())[0])
    layer = app.venues.layer
    layer._handle_custom_msg({"event": "hover", "i": i, "table": layer.table}, [])
    name, hours = str(venues["name"].iloc[i]), venues["opening_hours"].iloc[i]
    assert f"<b>{name}</b>" in app.info.value.replace("&#x27;", "'")
    state = {"open": "Open", "closed": "Closed"}.get(app.venues.states[i], "unknown")
    assert state.lower() in app.info.value.lower()
    if isinstance(hours, str):
        assert hours.split(";")[0].split(" ")[0] in app.info.value
    before = app.info.value  # a message about an earlier venue table changes nothing
    other = int(np.flatnonzero((venues["name"].fillna("") != venues["name"].iloc[i]).to_numpy())[0])
    layer._handle_custom_msg({"event": "hover", "i": other, "table": layer.table - 1}, [])
    assert app.info.value == before
    layer._handle_custom_msg({"event": "hover", "i": other, "table": layer.table}, [])
    assert app.info.value != before


def test_each_redraw_bumps_the_draw_counter_the_browser_waits_for(app: AtlasApp) -> None:
    before = app.draws
    seen = []
    app.stamp.observe(
        lambda change: seen.append((change["new"], app.legend.value, app.summary.value)),
        names="value",
    )
    legend, summary = app.legend.value, app.summary.value
    app.controls.hours.index = (1, 7)
    assert app.draws == before + 1
    assert f'data-map="{app.draws}" data-draws="{app.draws}"' in app.stamp.value
    # The map's counter goes first, once the map and its legend are sent, before the panels.
    (first, legend_then, summary_then), (last, _, summary_last) = seen
    assert f'data-map="{before + 1}" data-draws="{before}"' in first
    assert legend_then != legend and summary_then == summary != summary_last



def test_a_recorded_map_goes_out_before_its_comparison(app: AtlasApp, monkeypatch) -> None:
    import geo.app._app as app_module

    calls = []

    def spy(result, **kwargs):
        assert "gap" not in result.table  # the query left the comparison out
        calls.append((app.map_draws, app.draws, app.legend.value))
        return app_module.with_comparison.__wrapped__(result, **kwargs)

    spy.__wrapped__ = app_module.with_comparison
    monkeypatch.setattr(app_module, "with_comparison", spy)
    legend = app.legend.value
    app.controls.hours.index = (1, 7)
    # the map and its legend were sent (map counter ahead), the panels not yet
    assert calls == [(app.draws, app.draws - 1, app.legend.value)] and legend != calls[0][2]
    # and what the panels, the table and exports read has the comparison all the same
    assert {"gap", "bivariate_class", "hotspot"} <= set(app.result.table.columns)
    assert app.result.protected.table is app.result.table
    n = app.result.summary["spearman"]["n"]
    assert n == app.result.summary["cells_compared"] > 0
    assert f"{n}" in app.summary.value.replace("\u202f", "").replace(",", "")
    app.controls.layer.value = "gap"  # a restyle: the result is compared already
    app.controls.hours.index = (0, 6)  # a gap map waits for the ranks it shows
    assert len(calls) == 1 and "gap" in app.result.table

def test_hiding_the_metric_for_other_layers_hides_nothing_else(app: AtlasApp) -> None:
    app.controls.layer.value = "gap"
    assert app.controls.metric.layout.display == "none"
    for widget in (app.controls.hours, app.controls.categories, app.controls.resolution):
        assert widget.layout.display != "none"


def test_the_hex_layer_has_no_layer_style_that_would_restyle_every_feature(
    monkeypatch: pytest.MonkeyPatch, atlas: Atlas
) -> None:
    # ipyleaflet deep-copies and restyles all features on every update when `style` is set.
    monkeypatch.setenv("ATLAS_HEX_RENDERER", "geojson")
    app = AtlasApp(atlas)
    assert app.hexes.layer.style == {} and app.hexes.layer.style_callback is None
    assert len(app.hexes.layer.data["features"]) == app.atlas.grid_cells(9).size


def test_a_visitor_cannot_lower_k_below_the_floor(app: AtlasApp) -> None:
    floor = app.controls.k_floor
    assert floor == 5 and app.controls.k.min == floor
    app.controls.k.value = 2  # what a page could send: the kernel clamps it
    assert app.controls.k.value == floor and app.result.query.k == floor
    app.controls.k.value = 9  # raising is allowed
    assert app.result.query.k == 9


def test_the_heap_is_trimmed_after_a_new_grid_only(app: AtlasApp, monkeypatch) -> None:
    import geo.app._app as app_module

    calls = []
    monkeypatch.setattr(app_module, "release_free_memory", lambda: calls.append(1))
    app.controls.hours.index = (0, 6)  # colours only: nothing to give back, no trim
    assert calls == []
    app.controls.resolution.value = 8  # a new grid's temporaries are garbage after its draw
    assert calls == [1]


def test_release_free_memory_is_safe_to_call() -> None:
    from geo.app._page import release_free_memory

    release_free_memory()  # glibc: trims; elsewhere: nothing


def test_a_quiet_kernel_gives_freed_pages_back_once(monkeypatch) -> None:
    import asyncio

    import geo.app._page as page

    calls = []
    monkeypatch.setattr(page, "release_free_memory", lambda: calls.append(1))
    page.IdleTrim(delay=1.0).poke()  # no running loop (a script): nothing scheduled

    async def visit() -> None:
        trim = page.IdleTrim(delay=0.05)
        for _ in range(3):  # changes in a row: the countdown restarts
            trim.poke()
            await asyncio.sleep(0.01)
        assert calls == []
        await asyncio.sleep(0.2)

    asyncio.run(visit())
    assert calls == [1]


def test_the_analyst_kernel_does_not_import_the_presentation() -> None:
    """``import geo.app`` leaves the presentation out (the analyst dashboard never shows it);
    naming it imports it."""
    code = ("import sys, geo.app\n"
            "assert not {'geo.app._present', 'geo.app._scenes'} & set(sys.modules)\n"
            "from geo.app import PresentApp, SceneFileError, load_scenes\n"
            "import geo.app._present, geo.app._scenes\n"
            "assert PresentApp is geo.app._present.PresentApp\n"
            "assert load_scenes is geo.app._scenes.load_scenes\n"
            "assert 'PresentApp' in vars(geo.app)\n"
            "print('ok')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and "ok" in run.stdout, run.stderr[-2000:]
