"""Cell outlines and areas written by the build (geo.geometry): read back identical to h3's."""

from __future__ import annotations

from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
import pytest

from geo.city import build_project, load_project, open_city
from geo.geometry import (
    GEOMETRY_FILE,
    BuiltGeometry,
    CellGeometry,
    h3_areas,
    h3_outlines,
    take_rings,
    write_geometry,
)
from geo.index import cell_area_km2, cells_of, parents_of
from geo.layers import pack_outlines
from geo.sample import generate_city, write_city

PARIS = int(h3i.str_to_int("8a1fb4662557fff"))


def _grid(res: int = 10, n: int = 400) -> np.ndarray:
    rng = np.random.default_rng(7)
    lat = 48.85 + rng.uniform(-0.02, 0.02, n)
    lon = 2.35 + rng.uniform(-0.03, 0.03, n)
    return np.unique(cells_of(lat, lon, res))


def _same(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    return a[0].dtype == b[0].dtype == np.float32 and a[0].tobytes() == b[0].tobytes() \
        and a[1].dtype == b[1].dtype == np.uint32 and np.array_equal(a[1], b[1])


def test_h3_outlines_are_lon_lat_float32_rings() -> None:
    vertices, offsets = h3_outlines(np.array([PARIS], dtype=np.uint64))
    assert offsets.tolist() == [0, 6]
    lat, lon = h3i.cell_to_boundary(PARIS)[0]
    assert vertices[:2].tolist() == [np.float32(lon), np.float32(lat)]  # GeoJSON order
    assert 2.3 < vertices[0] < 2.4 and 48.8 < vertices[1] < 48.9
    assert _same(pack_outlines(np.array([PARIS], dtype=np.uint64)), (vertices, offsets))


def test_areas_are_h3s() -> None:
    grid = _grid()
    assert np.array_equal(h3_areas(grid), cell_area_km2(grid))


def test_written_geometry_is_mapped_back_identical(tmp_path: Path) -> None:
    grid = _grid()
    written = CellGeometry.of(grid[::-1])  # any order in: sorted cells out
    assert np.array_equal(written.cells, grid)
    path = written.write(tmp_path / "g.arrow")
    read = CellGeometry.read(path)
    assert np.array_equal(read.cells, grid) and np.array_equal(read.areas, cell_area_km2(grid))
    assert _same((read.vertices, read.offsets), h3_outlines(grid))
    for mapped in (read.cells, read.areas, read.vertices):  # views of the mapped file
        assert not mapped.flags.writeable and not mapped.flags.owndata
    empty = CellGeometry.of(np.zeros(0, dtype=np.uint64)).write(tmp_path / "e.arrow")
    assert CellGeometry.read(empty).cells.size == 0


def test_take_rings_keeps_each_ring_whole() -> None:
    grid = _grid()
    vertices, offsets = h3_outlines(grid)
    rows = np.array([5, 0, 5, grid.size - 1])
    assert _same(take_rings(vertices, offsets, rows), h3_outlines(grid[rows]))


def test_built_geometry_answers_any_cells_as_h3_would(tmp_path: Path) -> None:
    grid10, grid9 = _grid(10), np.unique(parents_of(_grid(10), 9))
    write_geometry(tmp_path, {10: grid10, 9: grid9})
    assert (tmp_path / GEOMETRY_FILE.format(resolution=10)).is_file()
    built = BuiltGeometry(tmp_path)
    whole = built.outlines(grid10)
    assert _same(whole, h3_outlines(grid10))
    assert not whole[0].flags.owndata  # the whole grid: the mapped pages themselves
    rng = np.random.default_rng(3)
    far = cells_of(np.array([40.0]), np.array([-3.7]), 10)  # in no written grid
    cases = [
        rng.permutation(grid10)[:50],  # a shuffled subset
        np.concatenate([grid10[:20], grid9[:3], parents_of(grid10[:2], 8), far]),  # mixed
        np.concatenate([far, parents_of(grid10[:2], 7)]),  # nothing written holds them
        np.zeros(0, dtype=np.uint64),
    ]
    for cells in cases:
        cells = np.asarray(cells, dtype=np.uint64)
        assert _same(built.outlines(cells), h3_outlines(cells))
        assert np.array_equal(built.areas(cells), cell_area_km2(cells))
    nothing = BuiltGeometry(None)  # a session's uploads: h3 for everything
    assert _same(nothing.outlines(grid9), h3_outlines(grid9))
    assert np.array_equal(nothing.areas(grid9), cell_area_km2(grid9))


def test_geometry_rejects_mismatched_arrays() -> None:
    with pytest.raises(ValueError, match="cells but"):
        CellGeometry(np.zeros(2, np.uint64), np.zeros(1), np.zeros(0, np.float32),
                     np.zeros(3, np.uint32))


@pytest.fixture(scope="module")
def built_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("city")
    write_city(generate_city(incidents=4_000, app_reports=500, perceptions=600, venues=30),
               folder)
    build_project(load_project(folder))
    return folder


def test_a_build_writes_its_grids_outlines_and_a_kernel_reads_them_back(built_city) -> None:
    city = open_city(built_city)
    atlas = city.atlas
    assert isinstance(atlas.geometry, BuiltGeometry) and atlas.geometry.folder is not None
    for res in (7, 8, 9, 10):
        grid = atlas.grid_cells(res)
        stored = CellGeometry.read(atlas.geometry.folder / GEOMETRY_FILE.format(resolution=res))
        assert np.array_equal(stored.cells, grid)  # exactly the grid the map draws
        assert _same(atlas.geometry.outlines(grid), h3_outlines(grid))
        assert np.array_equal(atlas.geometry.areas(grid), cell_area_km2(grid))


def test_published_rates_are_the_same_with_and_without_the_built_geometry(built_city) -> None:
    from geo.metrics import Query

    built = open_city(built_city).atlas
    plain = open_city(built_city).atlas
    plain.geometry = BuiltGeometry(None)
    from geo.metrics._areas import CellAreas

    plain._areas = CellAreas()
    for res in (9, 10):
        a, b = built.query(Query(resolution=res)).table, plain.query(Query(resolution=res)).table
        assert a.equals(b)


def test_the_canvas_layer_sends_the_same_outlines_from_a_build(tmp_path: Path) -> None:
    from geo.layers import HexCanvasLayer

    grid = _grid()
    write_geometry(tmp_path, {10: grid})
    sent = []
    for geometry in (None, BuiltGeometry(tmp_path)):
        layer = HexCanvasLayer("t")
        layer.draw(grid[:5], ["#111111"] * 5, grid=grid, geometry=geometry)
        sent.append((layer.layer.centres, layer.layer.deltas, layer.layer.offsets))
    assert sent[0] == sent[1] and len(sent[0][1]) == 2 * 2 * 6 * grid.size


def test_the_canvas_layer_holds_the_builds_mapped_offsets(tmp_path: Path) -> None:
    """The grid's ring offsets stay the build's mapped pages in the widget (no private copy
    per kernel; the vertices travel re-encoded, see encode_outlines); ipywidgets sends them as
    binary buffers all the same."""
    from ipywidgets.widgets.widget import _remove_buffers

    from geo.layers import HexCanvasLayer

    grid = _grid()
    write_geometry(tmp_path, {10: grid})
    built = BuiltGeometry(tmp_path)
    layer = HexCanvasLayer("t")
    layer.draw(grid[:5], ["#111111"] * 5, grid=grid, geometry=built)
    _vertices, offsets = built.outlines(grid)
    assert np.shares_memory(np.frombuffer(layer.layer.offsets, dtype=np.uint32), offsets)
    _state, paths, buffers = _remove_buffers(layer.layer.get_state())
    sent = dict(zip((p[0] for p in paths), buffers, strict=True))
    assert bytes(sent["offsets"]) == offsets.tobytes()


def test_a_kernel_reads_the_builds_answers_and_venues_from_arrow(built_city) -> None:
    import pandas as pd

    city = open_city(built_city)
    for table, frame in (("perceptions", city.atlas.perceptions), ("venues", city.atlas.venues)):
        assert (city.generation / f"{table}.arrow").is_file()
        pd.testing.assert_frame_equal(frame, pd.read_parquet(city.generation / f"{table}.parquet"))
