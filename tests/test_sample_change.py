"""The sample's planted change (issue 15): a stretch of Quai des Docks lit from 1 October.

The change is only worth shipping if the tools of the time issue find it where it is and
nowhere else: period comparison, survey waves, and the prepared scenes that show it.
"""

from __future__ import annotations

import datetime as dt

import h3
import numpy as np
import pandas as pd
import pytest

from geo.app._scenes import load_scenes
from geo.compare import compare_periods, compare_waves
from geo.metrics import Atlas, Query
from geo.sample import DEFAULT_SEED, district, generate_city
from geo.sample._change import LIT_STREET
from geo.sample._incidents import make_incidents
from geo.sample._write import SCENES_DIR
from geo.timewin import HourWindow
from tests.conftest import REPO

BEFORE = (dt.date(2025, 7, 1), dt.date(2025, 9, 30))
AFTER = (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
FLAGGED = ["change.more", "change.fewer"]


@pytest.fixture(scope="module")
def atlas() -> Atlas:
    city = generate_city()
    return Atlas(city.incidents, city.perceptions, city.venues, metadata=city.metadata)


def _street() -> set[int]:
    return {int(c) for c in LIT_STREET.cells}


def test_the_street_is_a_line_of_adjacent_cells_on_the_quay() -> None:
    cells = [h3.int_to_str(int(c)) for c in LIT_STREET.cells]
    assert 3 <= len(cells) <= 6 and {h3.get_resolution(c) for c in cells} == {9}
    assert all(min(h3.grid_distance(a, b) for b in cells if b != a) == 1 for a in cells)
    quay = district("Quai des Docks")
    centres = np.array([h3.cell_to_latlng(c) for c in cells])
    # a cell's centre may lie just off the 180 m wide band, never far from it
    assert quay.contains(centres[:, 0], centres[:, 1]).sum() >= len(cells) - 2
    meta = generate_city(incidents=10, app_reports=0, perceptions=0, venues=0).metadata
    (change,) = meta["changes"]
    assert change["cells"] == sorted(cells) and change["lit_from_night"] == "2025-10-01"


def test_lighting_moves_only_incidents_in_the_dark_on_the_street_after_the_date() -> None:
    plain = make_incidents(np.random.default_rng(3), 40_000, "police")
    lit = make_incidents(np.random.default_rng(3), 40_000, "police", np.random.default_rng(4))
    same = ["incident_id", "occurred_from", "occurred_to", "category", "time_precision"]
    pd.testing.assert_frame_equal(plain[same], lit[same])  # nothing but places changes
    moved = ((plain["lat"] != lit["lat"]) | (plain["lon"] != lit["lon"])).to_numpy()
    lat, lon = plain["lat"].to_numpy(), plain["lon"].to_numpy()
    assert moved.any() and LIT_STREET.on_street(lat[moved], lon[moved]).all()
    assert not LIT_STREET.on_street(lit["lat"].to_numpy()[moved],
                                    lit["lon"].to_numpy()[moved]).any()
    # exports round or widen the true time (quarter hours, spans of up to 4 h before it)
    when = plain["occurred_from"][moved].dropna()
    assert (when >= pd.Timestamp("2025-10-01")).all()
    exact = (plain["time_precision"] == "minute").to_numpy()
    ns = plain["occurred_from"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    dark = exact & (LIT_STREET.lit(lat, lon, ns) > 0.99)
    assert 0.35 < moved[dark].mean() < 0.65  # about half of those in full darkness
    assert moved[exact & LIT_STREET.on_street(lat, lon) & (ns < ns[dark].min())].sum() == 0


def test_compare_periods_finds_the_street_and_nothing_else(atlas: Atlas) -> None:
    for hours in (None, HourWindow(22, 6)):
        change = compare_periods(atlas, Query(resolution=9, hours=hours), BEFORE, AFTER)
        assert change.nights == (92, 92)
        table = change.table.set_index("cell")
        assert (table.loc[list(_street()), "change"] == "change.fewer").all()
        assert (table.loc[list(_street()), "rate_ratio"] < 0.65).all()
        others = table.drop(index=list(_street()))
        assert others["change"].isin(FLAGGED).sum() <= 1


def test_without_the_lights_the_street_shows_no_change(monkeypatch: pytest.MonkeyPatch) -> None:
    # the same comparison on the year without its change: the test above could fail
    monkeypatch.setattr("geo.sample._incidents.light_incidents",
                        lambda rng, lat, lon, ns, decimals: (lat, lon))
    city = generate_city(DEFAULT_SEED)
    change = compare_periods(Atlas(city.incidents), Query(resolution=9), BEFORE, AFTER)
    table = change.table.set_index("cell")
    assert not table.loc[list(_street()), "change"].isin(FLAGGED).any()


def test_answers_about_the_street_feel_safer_after_the_lights(atlas: Atlas) -> None:
    night = HourWindow(22, 6)
    before, after = (dt.date(2025, 1, 1), dt.date(2025, 9, 30)), AFTER
    waves = compare_waves(atlas, Query(resolution=9, hours=night), before, after)
    street = waves.set_index("cell").loc[list(_street())]
    assert (street["difference"] < 0).all()
    # res-9 cells hold ~30 answers a period: the street's parents pool enough to be sure
    parents = {h3.str_to_int(h3.cell_to_parent(h3.int_to_str(c), 8)) for c in _street()}
    waves = compare_waves(atlas, Query(resolution=8, hours=night), before, after).set_index("cell")
    assert (waves.loc[list(parents), "change"] == "change.perceived_less").any()
    assert (waves.loc[list(parents), "difference"] < -0.1).all()
    flagged = waves["change"].isin(["change.perceived_less", "change.perceived_more"])
    assert set(waves.index[flagged]) <= parents


def test_the_year_scenes_show_the_street_before_and_after(atlas: Atlas) -> None:
    deck = load_scenes(SCENES_DIR / "year.yaml")
    assert SCENES_DIR.resolve() == (REPO / "dashboards" / "scenes").resolve()
    assert len(deck) == 2 and [s.layer for s in deck.scenes] == ["recorded", "recorded"]
    first, second = (s.query for s in deck.scenes)
    assert (first.date_from, first.date_to) == BEFORE
    assert (second.date_from, second.date_to) == AFTER
    assert first.with_(date_from=None, date_to=None) == second.with_(date_from=None, date_to=None)
    rates = [atlas.query(q).table.set_index("cell")["incidents_per_night"] for q in (first, second)]
    street = list(_street())
    assert (rates[1].loc[street] < 0.65 * rates[0].loc[street]).all()
    centre = deck[0].centre
    assert h3.grid_distance(h3.latlng_to_cell(*centre, 9),
                            h3.int_to_str(int(LIT_STREET.cells[0]))) <= 3


def test_the_written_sample_carries_the_change_and_its_scenes(tmp_path) -> None:
    import json

    from geo.sample import write_city

    paths = write_city(generate_city(incidents=50, app_reports=5, perceptions=5, venues=5),
                       tmp_path)
    meta = json.loads(paths["metadata"].read_text(encoding="utf-8"))
    assert meta["changes"][0]["kind"] == "street_lighting"
    assert {p.name for p in (tmp_path / "scenes").glob("*.yaml")} >= {"example.yaml", "year.yaml"}
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    assert "lit_from_night" in readme and meta["changes"][0]["cells"][0] in readme
