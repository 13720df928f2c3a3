"""The "Auto" resolution: finest grid whose hexagons stay a few pixels wide at the zoom."""

from __future__ import annotations

import pytest

from geo.app._share import ViewState
from geo.layers._auto_res import AUTO, auto_resolution, edge_px, metres_per_pixel
from geo.metrics import RESOLUTIONS


def test_metres_per_pixel_halves_with_each_zoom_and_shrinks_with_latitude() -> None:
    assert metres_per_pixel(0, 0) == pytest.approx(156_543.03, rel=1e-6)
    assert metres_per_pixel(45, 13) == pytest.approx(metres_per_pixel(45, 12) / 2)
    assert metres_per_pixel(60, 10) == pytest.approx(metres_per_pixel(0, 10) / 2)


def test_every_choice_is_at_least_four_pixels_and_the_next_finer_is_not() -> None:
    for zoom in [z / 2 for z in range(16, 36)]:
        res = auto_resolution(45.75, zoom, RESOLUTIONS)
        finer = [r for r in RESOLUTIONS if r > res]
        if res != min(RESOLUTIONS):
            assert edge_px(res, 45.75, zoom) >= 4
        if finer:
            assert edge_px(finer[0], 45.75, zoom) < 4


def test_zooming_out_never_refines_the_grid() -> None:
    chosen = [auto_resolution(45.75, z / 2, RESOLUTIONS) for z in range(34, 14, -1)]
    assert chosen == sorted(chosen, reverse=True)
    assert chosen[0] == 10 and chosen[-1] == 7


def test_a_wide_view_gets_the_coarsest_grid_and_no_choice_is_an_error() -> None:
    assert auto_resolution(45.75, 3, RESOLUTIONS) == 7
    with pytest.raises(ValueError):
        auto_resolution(45.75, 12, ())


def test_share_links_carry_res_auto() -> None:
    view = ViewState.from_query_string("?res=auto&hours=22-4")
    assert view.auto_res and not view.problems
    assert view.query is not None and view.query.hours is not None
    assert view.to_params()["res"] == AUTO
    fixed = ViewState.from_query_string("?res=8")
    assert not fixed.auto_res and fixed.to_params()["res"] == "8"
