"""Venue dots: positions go to the page once as binary, a view sends a colour and a dashed byte
per venue, names and hours stay in the kernel and come back with a hover or click."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import geo.layers
from geo.layers import NOT_DRAWN, VenueLayer, decode_points, encode_points

COLORS = {"open": "#1b9e77", "closed": "#7f7f7f", "unknown": "#ffffff"}


def _venues(states: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lat": [45.75 + i / 1000 for i in range(len(states))],
            "lon": [4.85] * len(states),
            "name": [f"Bar {i}" for i in range(len(states))],
            "opening_hours": ["Fr-Sa 18:00-03:00"] * len(states),
            "state": states,
        }
    )


@pytest.mark.parametrize(("lon", "lat"), [(4.85, 45.75), (151.21, -33.87), (-179.99, 84.9),
                                          (-87.63, 41.88), (0.0, 0.0), (100.123456, 1.0)])
def test_positions_round_trip_within_a_centimetre(lon: float, lat: float) -> None:
    """lon/lat order kept, any longitude, near Web Mercator's latitude limit."""
    rng = np.random.default_rng(3)
    lons = lon + rng.uniform(-0.01, 0.01, 50)
    lats = lat + rng.uniform(-0.01, 0.01, 50)
    points = encode_points(lons, lats)
    assert points.dtype == np.uint32 and points.size == 100
    back = decode_points(points)
    metres = np.abs(back - np.stack([lons, lats], axis=1)) * 111_320
    metres[:, 0] *= np.cos(np.radians(lats))
    assert metres.max() < 0.01


def test_venues_are_sent_once_and_recoloured_by_state() -> None:
    layer = VenueLayer("v", COLORS)
    assert layer.draw(_venues(["open", "closed", "unknown"]))
    assert (layer.feature_sends, layer.sends, layer.layer.table, layer.layer.size) == (1, 1, 1, 3)
    assert np.allclose(layer.sent_points(), [[4.85, 45.75], [4.85, 45.751], [4.85, 45.752]],
                       atol=1e-7)
    assert layer.draw(_venues(["closed", "closed", "open"]))
    assert layer.feature_sends == 1 and layer.sends == 2 and layer.layer.table == 1
    codes = np.frombuffer(layer.layer.codes, dtype=np.uint8)
    assert [layer.layer.palette[c] for c in codes] == [COLORS["closed"]] * 2 + [COLORS["open"]]
    styles = [f["properties"]["style"] for f in layer.visible_features()]
    assert [s["fillColor"] for s in styles] == [COLORS["closed"], COLORS["closed"], COLORS["open"]]
    assert not layer.draw(_venues(["closed", "closed", "open"]))
    assert layer.sends == 2
    moved = _venues(["closed", "closed", "open"]).assign(lon=4.9)
    assert layer.draw(moved) and layer.feature_sends == 2 and layer.layer.table == 2


def test_unknown_hours_are_dashed_and_presentation_dots_carry_no_details() -> None:
    layer = VenueLayer("v", COLORS, radius=9, details=False)
    layer.draw(_venues(["unknown", "open"]))
    assert np.frombuffer(layer.layer.marks, dtype=np.uint8).tolist() == [1, 0]
    styles = [f["properties"]["style"] for f in layer.visible_features()]
    assert styles[0]["dashArray"] == "2 2" and styles[1]["dashArray"] is None
    assert styles[0]["radius"] == 9 and layer.layer.base["radius"] == 9
    assert set(layer.visible_features()[0]["properties"]) == {"i", "style"}
    seen: list[dict] = []
    layer.on_hover(lambda properties=None, **_: seen.append(properties))
    layer._on_msg(layer.layer, {"event": "hover", "i": 0, "table": 1}, [])
    assert seen == [{"i": 0}]


def test_the_page_holds_positions_and_style_bytes_only() -> None:
    """Names and opening hours never reach the page's widget state."""
    layer = VenueLayer("v", COLORS)
    layer.draw(_venues(["open", "closed"]))
    state = repr(layer.layer.get_state())
    assert "Bar 0" not in state and "18:00" not in state


def test_hover_and_click_give_name_hours_and_drop_stale_messages() -> None:
    layer = VenueLayer("v", COLORS)
    layer.draw(_venues(["open", "closed", "unknown"]).assign(
        opening_hours=["Fr-Sa 18:00-03:00", None, None]))
    hovered: list[dict] = []
    clicked: list[dict] = []
    layer.on_hover(lambda feature=None, properties=None, **_: hovered.append(properties))
    layer.on_click(lambda feature=None, properties=None, **_: clicked.append(feature))

    def send(content: dict) -> None:
        layer._on_msg(layer.layer, content, [])

    send({"event": "hover", "i": 2, "table": 1})
    send({"event": "click", "i": 0, "table": 1})
    assert hovered == [{"i": 2, "name": "Bar 2", "hours": None}]
    assert clicked == [{"properties": {"i": 0, "name": "Bar 0", "hours": "Fr-Sa 18:00-03:00"}}]
    for stale in ({"event": "hover", "i": 1, "table": 0},  # an earlier venue table
                  {"event": "hover", "i": 3, "table": 1},  # past the end
                  {"event": "hover", "i": -1, "table": 1},
                  {"event": "hover", "i": True, "table": 1},
                  {"event": "hover", "i": "1", "table": 1},
                  {"event": "drag", "i": 1, "table": 1}):
        send(stale)
    assert len(hovered) == 1 and len(clicked) == 1
    # a venue no longer drawn (255) is neither hovered nor clicked
    layer._codes = layer._codes.copy()
    layer._codes[1] = NOT_DRAWN
    send({"event": "hover", "i": 1, "table": 1})
    assert len(hovered) == 1 and layer.feature_count == 2
    assert layer.drawn().tolist() == [0, 2]


def test_show_on_puts_the_dots_on_the_map_and_takes_them_off() -> None:
    from geo.layers import make_map

    m = make_map((45.75, 4.85), basemap="none")
    layer = VenueLayer("v", COLORS)
    assert not layer.shown
    layer.show_on(m, _venues(["open"]))
    assert layer.shown and layer.layer.map is m and layer.layer not in m.layers
    layer.show_on(m, None)
    assert not layer.shown and layer.feature_sends == 1
    layer.show_on(m, _venues(["open"]).iloc[:0])
    assert not layer.shown


def test_the_venue_module_ships_with_the_package() -> None:
    js = Path(geo.layers.__file__).with_name("venuecanvas.js").read_text()
    code = "\n".join(line.split("//")[0] for line in js.splitlines())
    assert "http" not in code and "import " not in code and "export default" in code
    shared = Path(geo.layers.__file__).with_name("mapcanvas.js").read_text()
    esm = VenueLayer("v", COLORS).layer._esm
    assert esm == shared + "\n" + js and "export default" not in shared
