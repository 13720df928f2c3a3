"""geo.index: h3ronpy indexing checked against h3-py, parents, areas, GeoJSON rings, pentagons."""

from __future__ import annotations

import subprocess
import sys

import h3
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo import index
from geo.index import (
    as_cells,
    cell_area_km2,
    cell_boundaries,
    cells_of,
    cells_to_str,
    parents_of,
    resolutions_of,
)

PARIS = (48.8566, 2.3522)
KNOWN = [  # (lat, lon, res): places on each side of the equator and of Greenwich
    (48.8566, 2.3522, 10),
    (-33.8688, 151.2093, 9),
    (40.7128, -74.0060, 7),
    (-22.9068, -43.1729, 12),
]
PENTAGON_10 = h3.get_pentagons(10)[0]


def _ints(cells: list[str]) -> np.ndarray:
    return np.array([h3.str_to_int(c) for c in cells], dtype=np.uint64)


@pytest.mark.parametrize(("lat", "lon", "res"), KNOWN)
def test_known_points_match_h3(lat: float, lon: float, res: int) -> None:
    got = cells_of([lat], [lon], res)
    assert got.dtype == np.uint64
    assert h3.int_to_str(int(got[0])) == h3.latlng_to_cell(lat, lon, res)


def test_random_points_match_h3_at_every_resolution() -> None:
    rng = np.random.default_rng(7)
    lat = rng.uniform(-89, 89, 3000)
    lon = rng.uniform(-180, 180, 3000)
    for res in (0, 5, 7, 9, 10, 15):
        expected = [h3.latlng_to_cell(a, b, res) for a, b in zip(lat, lon, strict=True)]
        assert cells_of(lat, lon, res).tolist() == _ints(expected).tolist()


def test_swapped_lat_lon_gives_another_cell() -> None:
    """The trap: passing (lon, lat) is a valid point elsewhere, so only a test catches it."""
    right = cells_of([PARIS[0]], [PARIS[1]], 10)[0]
    swapped = cells_of([PARIS[1]], [PARIS[0]], 10)[0]
    assert right != swapped
    assert h3.int_to_str(int(right)) == h3.latlng_to_cell(*PARIS, 10)
    assert h3.int_to_str(int(swapped)) == h3.latlng_to_cell(PARIS[1], PARIS[0], 10)
    lat, lng = h3.cell_to_latlng(h3.int_to_str(int(right)))
    assert abs(lat - PARIS[0]) < 0.01 and abs(lng - PARIS[1]) < 0.01


def test_threaded_chunks_give_the_same_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(1)
    lat, lon = rng.uniform(48.8, 48.9, 2000), rng.uniform(2.3, 2.4, 2000)
    single = cells_of(lat, lon, 10, workers=1)
    monkeypatch.setattr(index, "_CHUNK", 300)
    assert np.array_equal(cells_of(lat, lon, 10, workers=2), single)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="missing or out-of-range"):
        cells_of([np.nan], [2.0])
    with pytest.raises(ValueError, match="missing or out-of-range"):
        cells_of([91.0], [2.0])
    with pytest.raises(ValueError, match="differ in length"):
        cells_of([1.0, 2.0], [2.0])
    with pytest.raises(ValueError, match="0..15"):
        cells_of([1.0], [2.0], 16)
    with pytest.raises(TypeError):
        cells_of([1.0], [2.0], True)
    assert cells_of([], []).dtype == np.uint64


def test_parents_match_h3_for_each_resolution() -> None:
    rng = np.random.default_rng(3)
    cells = cells_of(rng.uniform(48.8, 48.9, 500), rng.uniform(2.3, 2.4, 500), 10)
    for res in (10, 9, 8, 7):
        expected = [h3.cell_to_parent(h3.int_to_str(int(c)), res) for c in cells]
        assert parents_of(cells, res).tolist() == _ints(expected).tolist()


def test_parents_of_mixed_resolutions_and_pentagons() -> None:
    cells = _ints([h3.latlng_to_cell(*PARIS, 10), h3.latlng_to_cell(*PARIS, 8), PENTAGON_10])
    got = parents_of(cells, 7)
    expected = _ints([h3.cell_to_parent(h3.int_to_str(int(c)), 7) for c in cells])
    assert got.tolist() == expected.tolist()
    assert h3.is_pentagon(h3.int_to_str(int(got[2])))
    assert parents_of(cells[:1], 10).tolist() == cells[:1].tolist()


def test_parents_refuse_coarser_or_invalid_cells() -> None:
    cell9 = _ints([h3.latlng_to_cell(*PARIS, 9)])
    with pytest.raises(ValueError, match="coarser"):
        parents_of(cell9, 10)
    with pytest.raises(ValueError, match="invalid"):
        parents_of(np.array([12345], dtype=np.uint64), 5)


def test_area_matches_h3_including_pentagon_and_mixed_resolutions() -> None:
    names = [h3.latlng_to_cell(*PARIS, 10), h3.latlng_to_cell(*PARIS, 7), PENTAGON_10]
    got = cell_area_km2(_ints(names + names[:1]))
    expected = [h3.cell_area(c, unit="km^2") for c in names + names[:1]]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_boundaries_are_closed_lng_lat_rings() -> None:
    name = h3.latlng_to_cell(*PARIS, 10)
    ring = cell_boundaries(_ints([name]))[0]
    h3_ring = h3.cell_to_boundary(name)  # (lat, lng) pairs, open
    assert len(ring) == len(h3_ring) + 1 and ring[0] == ring[-1]
    assert ring[:-1] == [[lng, lat] for lat, lng in h3_ring]
    lng, lat = ring[0]
    assert abs(lng - PARIS[1]) < 0.01 and abs(lat - PARIS[0]) < 0.01  # GeoJSON order


def test_pentagon_boundaries() -> None:
    five = cell_boundaries([PENTAGON_10])[0]  # class II resolution: 5 vertices
    ten = cell_boundaries([h3.get_pentagons(9)[0]])[0]  # class III: edge-crossing vertices
    assert len(five) == 6 and len(ten) == 11
    assert five[0] == five[-1] and ten[0] == ten[-1]


def test_boundaries_rounding_and_repeated_cells() -> None:
    cells = _ints([h3.latlng_to_cell(*PARIS, 10)] * 2)
    rings = cell_boundaries(cells, decimals=5)
    assert rings[0] == rings[1] and rings[0] is not rings[1]
    assert all(round(x, 5) == x for point in rings[0] for x in point)


def test_strings_and_resolutions() -> None:
    names = [h3.latlng_to_cell(*PARIS, r) for r in (10, 9, 0)]
    cells = as_cells(names)
    assert cells_to_str(cells).tolist() == names
    assert resolutions_of(cells).tolist() == [h3.get_resolution(n) for n in names]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(48.80, 48.90), st.floats(2.25, 2.42)), min_size=1, max_size=60),
    st.integers(7, 9),
)
def test_indexing_then_parents_keeps_every_point(
    points: list[tuple[float, float]], res: int
) -> None:
    lat, lon = np.array(points).T
    cells = cells_of(lat, lon, 10)
    parents = parents_of(cells, res)
    assert cells.size == parents.size == len(points)
    assert (resolutions_of(parents) == res).all()
    _, counts = np.unique(parents, return_counts=True)
    assert counts.sum() == len(points)


def test_no_widget_imports() -> None:
    code = (
        "import sys, geo.index, geo.timewin, geo.cube; "
        "print(any(m.split('.')[0] in {'ipywidgets', 'ipyleaflet'} for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
