"""The analyst panel's date range and night window kind (geo.app._dates), driven headless."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from geo.app import AtlasApp
from geo.app._dates import DATE_PRESETS, night_date
from geo.metrics import Atlas, Query
from geo.metrics._periods import nights_in, preset_range
from geo.sample import generate_city
from geo.sun import SunWindow


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    city = generate_city(seed=5, incidents=6_000, app_reports=1_500, perceptions=1_500, venues=80)
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)


@pytest.fixture()
def app(atlas: Atlas, monkeypatch: pytest.MonkeyPatch) -> AtlasApp:
    monkeypatch.delenv("QUERY_STRING", raising=False)
    return AtlasApp(atlas)


def _items(app: AtlasApp) -> list[str]:
    return re.findall(r"<li>([^<]*)</li>", app.summary.value)


def test_the_panel_shows_the_data_nights_and_opens_on_all_dates(app: AtlasApp) -> None:
    cube, d = app.atlas.incident_cube, app.controls.dates
    assert d.preset.value == "all" and app.query().date_from is None
    assert (d.date_from.value, d.date_to.value) == (cube.first_night, cube.last_night)
    assert (d.date_from.min, d.date_to.max) == (cube.first_night, cube.last_night)
    span = f"Data: {night_date(cube.first_night, 'en')} – {night_date(cube.last_night, 'en')}"
    assert span in d.span.value
    assert f"{app.result.summary['nights']} nights in this view" in d.span.value


@pytest.mark.parametrize("preset", ["last_28_days", "last_3_months", "winter"])
def test_a_preset_is_relative_to_the_last_night_and_requeries_once(
    app: AtlasApp, preset: str
) -> None:
    cube, d = app.atlas.incident_cube, app.controls.dates
    before_table, before_nights = app.result.table, app.result.summary["nights"]
    runs = []
    d.observe(lambda _: runs.append(1))
    d.preset.value = preset
    first, last = preset_range(preset, cube.last_night)
    first, last = max(first, cube.first_night), min(last, cube.last_night)
    q = app.result.query
    assert (q.date_from, q.date_to) == (first, last) == (d.date_from.value, d.date_to.value)
    assert len(runs) == 1  # two pickers moved, one query
    nights = nights_in(cube.first_night, cube.last_night, first, last, q.weekdays)
    assert app.result.summary["nights"] == nights < before_nights
    assert app.result.summary["incidents_shown"] < before_table["incidents"].sum()
    assert _items(app)[0] == (
        f"Nights from {night_date(first, 'en')} to {night_date(last, 'en')} "
        f"({nights} nights counted)")
    assert f"{nights} nights in this view" in d.span.value
    d.preset.value = "all"
    assert app.query().date_from is None and app.result.summary["nights"] == before_nights


def test_picking_dates_is_custom_clamped_and_ordered(app: AtlasApp) -> None:
    cube, d = app.atlas.incident_cube, app.controls.dates
    d.preset.value = "custom"  # the pickers' dates apply, and the view follows at once
    assert (app.result.query.date_from, app.result.query.date_to) == (
        cube.first_night, cube.last_night)
    d.date_from.value = cube.first_night - dt.timedelta(days=30)  # before the data: clamped
    assert d.date_from.value == cube.first_night
    d.date_from.value = cube.first_night + dt.timedelta(days=10)
    assert d.preset.value == "custom"
    d.date_to.value = cube.first_night + dt.timedelta(days=3)  # before "from": the range flips
    q = app.query()
    assert q.date_from == cube.first_night + dt.timedelta(days=3)
    assert q.date_to == cube.first_night + dt.timedelta(days=10)
    # a custom range equal to a preset's is that preset
    first, last = preset_range("last_28_days", cube.last_night)
    d.date_from.value, d.date_to.value = first, last
    assert d.preset.value == "last_28_days"


def test_a_sun_window_turns_the_clock_slider_off_and_says_why(app: AtlasApp) -> None:
    c = app.controls
    clock_rows = app.result.summary["incidents_shown"]
    c.dates.night_kind.value = "dark"
    q = app.result.query
    assert q.sun == SunWindow() and q.hours is None
    assert c.hours.disabled and c.all_times.disabled
    note = c.dates.sun_note.value
    assert "clock hours are off" in note and "Europe/Paris" in note
    assert app.result.summary["incidents_shown"] != clock_rows
    assert "Hours: dusk to dawn, at the city&#x27;s location" in app.summary.value
    assert app.result.summary == app.atlas.query(Query(
        hours=None, sun=SunWindow(), weekdays=q.weekdays)).summary  # the engine's own answer
    c.dates.night_kind.value = "clock"
    assert not c.hours.disabled and c.dates.sun_note.value == ""
    assert app.result.query.hours is not None
    assert app.result.summary["incidents_shown"] == clock_rows


def test_every_date_and_sun_label_is_translated(app: AtlasApp) -> None:
    d = app.controls.dates
    d.night_kind.value = "dusk+2"
    english = [label for label, _ in d.preset.options] + [d.preset.description, d.span.value]
    app.set_language("fr")
    french = [label for label, _ in d.preset.options] + [d.preset.description, d.span.value]
    assert len(french) == len(DATE_PRESETS) + 2
    assert all(a != b for a, b in zip(english, french, strict=True))
    assert "Données\u00a0:" in d.span.value and "Crépuscule + 2 h" in dict(
        (v, k) for k, v in d.night_kind.options).values()
    assert "désactivées" in d.sun_note.value
    assert app.controls.dates.sun() == SunWindow(2)  # labels changed, values kept
