"""One colour scale for a played night and for scenes stepping through periods (geo.app._scale)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from geo.app import PresentApp
from geo.app._present_bar import PLAY_HOURS
from geo.app._scale import period_series, pooled_classes, shown_values
from geo.classes import classify
from geo.metrics import Atlas, Query
from geo.sample import generate_city
from geo.sun import SunWindow
from geo.timewin import HourWindow


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    city = generate_city(seed=5, incidents=6_000, app_reports=1_500, perceptions=1_500, venues=80)
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)


@pytest.fixture(autouse=True)
def no_page_url(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("QUERY_STRING", "VOILA_PREHEAT", "ATLAS_TILES", "ATLAS_SCENES_DIR"):
        monkeypatch.delenv(name, raising=False)


def _deck(tmp_path: Path, scenes: list[dict]) -> Path:
    path = tmp_path / "deck.yaml"
    path.write_text(yaml.safe_dump({"scenes": scenes}), encoding="utf-8")
    return path


def _painted(app: PresentApp) -> list[tuple[float, str]]:
    """(value, colour) of every coloured cell drawn now (hidden cells left out)."""
    table = app.result.table.set_index("cell")
    out = []
    for feature in app.hexes.visible_features():
        value = table.loc[int(feature["properties"]["cell"], 16), "incidents_per_night"]
        if np.isfinite(value):
            out.append((float(value), feature["properties"]["style"]["fillColor"]))
    return out


def _legend_bounds(legend: str) -> list[str]:
    return re.findall(r"\d+\.\d+ – \d+\.\d+", legend)


def test_per_hour_breaks_differ_so_a_shared_scale_is_needed(atlas: Atlas) -> None:
    # The problem the fixed scale solves: each hour alone classifies to its own top.
    tops = {h: classify(shown_values(atlas.query(Query(hours=HourWindow(h, (h + 1) % 24))),
                                     "recorded", "incidents_per_night")).bins[-1]
            for h in PLAY_HOURS}
    assert max(tops.values()) > 1.5 * min(tops.values())


def test_playback_keeps_one_scale_and_legend_for_every_hour(atlas: Atlas, tmp_path: Path) -> None:
    deck = _deck(tmp_path, [{"title": "Night", "query": {"hours": "22-4"},
                             "layers": ["recorded"]}])
    app = PresentApp(atlas, deck)
    breaks, legends, painted = set(), set(), []
    for step in range(1, len(PLAY_HOURS) + 1):
        app.show_step(step)
        classes, note = app.fixed_scale()
        breaks.add(classes.bins)
        legends.add(app.legend.value)
        painted.extend(_painted(app))
        assert "One colour scale for the whole night" in app.legend.value
    assert len(breaks) == 1 and len(legends) == 1  # identical at every hour
    (bins,) = breaks
    expected = pooled_classes(
        [atlas.query(app.scene_query(0, h)) for h in PLAY_HOURS], "recorded")
    assert bins == expected.bins
    assert _legend_bounds(app.legend.value)  # the legend shows the pooled bounds
    # Comparable colours: across all hours, a higher value never gets a lighter class.
    order = {c: i for i, c in enumerate(classes.colors)}
    painted.sort()
    ranks = [order[colour] for _, colour in painted]
    assert ranks == sorted(ranks) and len(set(ranks)) > 2
    # the scene's own window (step 0) is one view, with its own breaks
    app.show_step(0)
    assert app.fixed_scale() == (None, "") and "whole night" not in app.legend.value


def test_scenes_stepping_through_periods_share_a_scale(atlas: Atlas, tmp_path: Path) -> None:
    last = atlas.incident_cube.last_night
    months = [(dt.date(last.year, m, 1), dt.date(last.year, m + 1, 1) - dt.timedelta(days=1))
              for m in (3, 6, 9)]
    scenes = [{"title": f"Month {a:%B}", "layers": ["recorded"],
               "query": {"from": a, "to": b, "hours": "dark"}} for a, b in months]
    scenes.append({"title": "Alone", "layers": ["recorded"], "query": {"hours": "22-4"}})
    app = PresentApp(atlas, _deck(tmp_path, scenes))
    q = app.deck[0].query
    assert (q.date_from, q.date_to, q.sun, q.hours) == (*months[0], SunWindow(), None)
    legends = set()
    for i in range(3):
        app.go(i)
        assert (app.result.query.date_from, app.result.query.date_to) == months[i]
        assert f"{months[i][0].day} " in app.clock.value and "dusk to dawn" in app.clock.value
        legends.add(app.legend.value)
    assert len(legends) == 1 and "every period of this series" in app.legend.value
    app.go(3)
    assert "every period" not in app.legend.value and app.fixed_scale() == (None, "")
    # playback of a sun scene plays clock hours within its dates
    app.go(0, step=PLAY_HOURS.index(23) + 1)
    assert app.result.query.hours == HourWindow(23, 0) and app.result.query.sun is None
    assert app.result.query.date_from == months[0][0]


def test_period_series_is_a_run_of_equal_keys() -> None:
    assert period_series([None, None], 0) == ()
    assert period_series(["x", "x", "y"], 1) == (0, 1)
    assert period_series(["x", "y", "x"], 2) == ()


def test_doctests() -> None:
    import doctest

    import geo.app._scale

    assert doctest.testmod(geo.app._scale).failed == 0
