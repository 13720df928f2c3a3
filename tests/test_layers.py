"""Map layers: features go to the browser once, a view change sends only colour codes."""

from __future__ import annotations

from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
import pytest

import geo.layers
from geo.layers import (
    DASHED_HEX_STYLE,
    HEX_STYLE,
    HIDDEN_STYLE,
    NOT_DRAWN,
    HexCanvasLayer,
    HexLayer,
    hex_layer,
)
from geo.layers._hexcanvas import decode_outlines, encode_outlines, pack_outlines

CENTRE = h3i.latlng_to_cell(45.75, 4.85, 9)
GRID = np.array(sorted(h3i.grid_disk(CENTRE, 2)), dtype=np.uint64)  # 19 cells


def _fills(layer: HexLayer) -> dict[int, str]:
    return {
        int(f["properties"]["cell"], 16): f["properties"]["style"]["fillColor"]
        for f in layer.visible_features()
    }


def test_outlines_go_once_per_grid_and_a_restyle_sends_only_codes() -> None:
    layer = HexLayer("t")
    layer.draw(GRID[:5], ["#111111"] * 5, grid=GRID)
    assert layer.feature_sends == 1 and len(layer.layer.data["features"]) == GRID.size
    data = layer.layer.data
    layer.draw(GRID[3:9], ["#222222", "#333333"] * 3, grid=GRID)
    assert layer.feature_sends == 1 and layer.layer.data is data  # outlines not re-sent
    assert layer.sends == 2 and layer.styler.version == 2
    assert _fills(layer) == dict(zip(GRID[3:9].tolist(), ["#222222", "#333333"] * 3, strict=True))
    codes = np.frombuffer(layer.styler.codes, dtype=np.uint8)
    assert codes.size == GRID.size and (codes == NOT_DRAWN).sum() == GRID.size - 6
    assert [layer.styler.palette[c] for c in codes[3:9]] == ["#222222", "#333333"] * 3


def test_each_feature_carries_its_position_and_nothing_but_id_and_style() -> None:
    layer = HexLayer("t")
    layer.draw(GRID[:2], ["#111111", "#222222"], grid=GRID)
    for i, feature in enumerate(layer.layer.data["features"]):
        assert set(feature["properties"]) == {"cell", "i", "style"}
        assert feature["properties"]["i"] == i
        assert int(feature["properties"]["cell"], 16) == int(layer.outlines[i])
        lon, lat = feature["geometry"]["coordinates"][0][0]  # GeoJSON: lng, lat
        assert 4.8 < lon < 4.9 and 45.7 < lat < 45.8
    hidden = layer.layer.data["features"][5]["properties"]["style"]
    assert hidden == HIDDEN_STYLE and hidden["interactive"] is False


def test_every_drawn_style_names_every_key_so_setstyle_cannot_keep_an_old_dash() -> None:
    layer = HexLayer("t")
    layer.draw(GRID[:4], ["#111111"] * 4, [True, False, True, False], grid=GRID)
    styles = [f["properties"]["style"] for f in layer.visible_features()]
    keys = set(HEX_STYLE) | set(DASHED_HEX_STYLE)
    assert all(keys <= set(s) for s in styles)
    assert [s["dashArray"] for s in styles] == ["3 3", None, "3 3", None]
    assert np.frombuffer(layer.styler.marks, dtype=np.uint8)[:4].tolist() == [1, 0, 1, 0]


def test_an_unchanged_view_sends_nothing_and_clear_hides_without_new_outlines() -> None:
    layer = HexLayer("t")
    assert layer.draw(GRID[:3], ["#111111"] * 3, grid=GRID)
    assert not layer.draw(GRID[:3], ["#111111"] * 3, grid=GRID)
    layer.clear()
    assert layer.feature_count == 0 and layer.feature_sends == 1 and layer.sends == 2


def test_a_cell_outside_the_outlines_sends_new_outlines() -> None:
    layer = HexLayer("t")
    layer.draw(GRID[:3], ["#111111"] * 3, grid=GRID)
    parent = np.array([h3i.cell_to_parent(CENTRE, 8)], dtype=np.uint64)  # coarsened cell
    layer.draw(parent, ["#222222"], grid=GRID)
    assert layer.feature_sends == 2 and parent[0] in layer.outlines
    assert _fills(layer) == {int(parent[0]): "#222222"}
    other = np.array(sorted(h3i.grid_disk(CENTRE, 1)), dtype=np.uint64)
    layer.draw(other, ["#333333"] * other.size, grid=other)  # another grid (resolution change)
    assert layer.feature_sends == 3 and np.array_equal(layer.outlines, other)


def test_too_many_colours_are_refused() -> None:
    cells = np.array(sorted(h3i.grid_disk(CENTRE, 10)), dtype=np.uint64)[:300]
    with pytest.raises(ValueError, match="at most 254"):
        HexLayer("t").draw(cells, [f"#{i:06x}" for i in range(300)])


@pytest.mark.parametrize(("lat", "lng", "res"), [(45.75, 4.85, 10), (-33.87, 151.21, 10),
                                                 (64.15, -21.94, 10), (41.88, -87.63, 7),
                                                 (0.5, 10.0, 9)])
def test_outlines_decode_to_h3s_boundaries(lat, lng, res) -> None:
    """What the page draws is h3's rings (lon/lat order kept, any latitude, coarse grids), and
    the float32 rings it drew before the quantised transport within ~1 cm at res 9-10 (a pixel
    is ~20 cm at zoom 19, the basemap's deepest)."""
    grid = np.array(sorted(h3i.grid_disk(h3i.latlng_to_cell(lat, lng, res), 3)), dtype=np.uint64)
    exact = np.array([[b, a] for c in grid.tolist() for a, b in h3i.cell_to_boundary(c)])
    vertices, offsets = pack_outlines(grid)
    centres, deltas, shift = encode_outlines(vertices, offsets)
    decoded = decode_outlines(centres, deltas, offsets, shift)
    assert np.allclose(decoded, exact, rtol=0, atol=2e-5)  # float32 degrees: ~1 m at 151° E
    metres = (np.abs(decoded - vertices.reshape(-1, 2)) * 111_320
              * np.array([np.cos(np.radians(lat)), 1]))
    assert metres.max() < (0.01 if res >= 9 else 0.1)
    assert (shift == 0) == (res >= 9)


def test_the_restyler_module_ships_with_the_package() -> None:
    from geo.layers import FeatureStyle

    source = FeatureStyle()._esm  # anywidget reads the file into the synced module source
    assert "setStyle" in source and "properties.i" in source


def sent_outlines(layer: HexCanvasLayer) -> tuple[np.ndarray, np.ndarray]:
    """The (lon, lat) vertices and offsets the page decodes from the layer's buffers."""
    canvas = layer.layer
    offsets = np.frombuffer(canvas.offsets, dtype=np.uint32)
    centres = np.frombuffer(canvas.centres, dtype=np.uint32)
    deltas = np.frombuffer(canvas.deltas, dtype=np.int16)
    return decode_outlines(centres, deltas, offsets, canvas.shift), offsets


def test_canvas_outlines_go_once_quantised_and_restyles_send_bytes() -> None:
    layer = HexCanvasLayer("hexes")
    grid = np.array(sorted(h3i.grid_disk(h3i.latlng_to_cell(45.75, 4.85, 9), 2)), dtype=np.uint64)
    assert layer.draw(grid[:5], ["#111111"] * 3 + ["#222222"] * 2, [0, 0, 0, 0, 1], grid=grid)
    assert (layer.feature_sends, layer.sends, layer.layer.size) == (1, 1, grid.size)
    vertices, offsets = sent_outlines(layer)
    assert offsets.size == grid.size + 1 and offsets[-1] == vertices.shape[0]
    lat, lng = h3i.cell_to_boundary(int(grid[0]))[0]  # h3: (lat, lng); the buffer: (lon, lat)
    assert np.allclose(vertices[0], [lng, lat], atol=1e-5)
    assert len(layer.layer.deltas) == 2 * 2 * 6 * grid.size  # two int16 a vertex
    codes = np.frombuffer(layer.layer.codes, dtype=np.uint8)
    assert codes.size == grid.size and (codes[5:] == NOT_DRAWN).all()
    assert layer.feature_count == 5 and len(layer.visible_features()) == 5
    assert layer.visible_features()[4]["properties"]["style"]["dashArray"] == "3 3"
    version = layer.layer.version
    assert layer.draw(grid[:2], ["#333333"] * 2, grid=grid)  # a new view: only bytes
    assert layer.feature_sends == 1 and layer.layer.version == version + 1
    assert not layer.draw(grid[:2], ["#333333"] * 2, grid=grid)  # unchanged: nothing sent


@pytest.mark.parametrize("make", [HexCanvasLayer, HexLayer])
def test_restyles_of_the_same_cells_paint_each_cell_its_own_colour(make) -> None:
    """Feature indices remembered from the last draw (same cells, same grid) and searched
    again (other cells) give the same picture as a fresh layer drawing that view."""
    rng = np.random.default_rng(3)
    views = [GRID[::2], GRID[::2], GRID[1:7], GRID[::2], GRID]
    layer = make("hexes")
    for cells in views:
        fill = [("#111111", "#222222", "#333333")[i] for i in rng.integers(0, 3, cells.size)]
        dashed = rng.random(cells.size) < 0.3
        layer.draw(cells, fill, dashed, grid=GRID)
        fresh = make("fresh")
        fresh.draw(cells, fill, dashed, grid=GRID)
        assert layer.visible_features() == fresh.visible_features()
        got = {int(f["properties"]["cell"], 16): f["properties"]["style"]["fillColor"]
               for f in layer.visible_features()}
        assert got == dict(zip(cells.tolist(), fill, strict=True))


def test_canvas_hover_and_click_name_the_cell_from_its_position() -> None:
    layer = HexCanvasLayer("hexes")
    grid = np.array(sorted(h3i.grid_disk(h3i.latlng_to_cell(45.75, 4.85, 10), 1)), dtype=np.uint64)
    layer.draw(grid[:3], ["#111111"] * 3, grid=grid)
    seen: list[tuple[str, str]] = []
    layer.on_hover(lambda properties=None, **_: seen.append(("hover", properties["cell"])))
    layer.on_click(lambda properties=None, **_: seen.append(("click", properties["cell"])))
    layer._on_msg(layer.layer, {"event": "hover", "i": 1}, [])
    layer._on_msg(layer.layer, {"event": "click", "i": 2}, [])
    layer._on_msg(layer.layer, {"event": "click", "i": 5}, [])  # not drawn: ignored
    layer._on_msg(layer.layer, {"event": "click", "i": 99}, [])  # another grid's position
    assert seen == [("hover", format(int(grid[1]), "x")), ("click", format(int(grid[2]), "x"))]


def test_the_renderer_is_chosen_by_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(hex_layer("h"), HexCanvasLayer)
    monkeypatch.setenv("ATLAS_HEX_RENDERER", "geojson")
    assert isinstance(hex_layer("h"), HexLayer)
    gl = hex_layer("h", "webgl")
    assert isinstance(gl, HexCanvasLayer) and gl.layer.renderer == "webgl"
    assert hex_layer("h", "canvas").layer.renderer == "canvas"
    with pytest.raises(ValueError, match="canvas, webgl or geojson"):
        hex_layer("h", "svg")


@pytest.mark.parametrize("name", ["hexcanvas.js", "hexgl.js", "mapcanvas.js"])
def test_the_canvas_module_ships_with_the_package(name: str) -> None:
    js = Path(geo.layers.__file__).with_name(name).read_text()
    code = "\n".join(line.split("//")[0] for line in js.splitlines())
    assert "http" not in code and "import " not in code
    # one module: mapcanvas.js's and hexgl.js's declarations ahead of the layer, one export
    assert ("export default" in code) == (name == "hexcanvas.js")
    assert js in HexCanvasLayer("h").layer._esm


def test_draw_plan_grid_union_without_resorting():
    from geo.layers._hexes import _with_grid

    grid = np.array([3, 5, 9, 12], dtype=np.uint64)
    inside = np.array([12, 3], dtype=np.uint64)
    got, positions = _with_grid(grid, inside)
    assert got is grid and positions.tolist() == [3, 0]  # every cell in the grid: the grid as is
    for grid_, cells in ((grid, np.array([4, 9], dtype=np.uint64)),  # a cell outside it
                         (grid[::-1].copy(), inside),  # a grid not sorted
                         (np.zeros(0, dtype=np.uint64), inside),
                         (grid, np.zeros(0, dtype=np.uint64))):
        got, _ = _with_grid(grid_, cells)
        assert got.dtype == np.uint64
        assert np.array_equal(got, np.union1d(grid_, cells))
