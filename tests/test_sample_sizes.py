"""Tests of the city- and metro-sized test cities (geo.sample._tiles): the sample's layout tiled
over a larger area, every table spread, deterministic per seed, and as many occupied res-10
cells as the sizes promise (checked on a reduced tiling, scaled)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from geo.index import cells_of
from geo.sample import BBOX, PRESETS, Tiling, generate_city, write_city
from geo.sample._city import HALF_HEIGHT_M, HALF_WIDTH_M, to_xy

SMALL = {"incidents": 20_000, "app_reports": 2_000, "perceptions": 2_000, "venues": 200}


def occupied(city, res: int = 10) -> int:
    frames = [city.incidents[["lat", "lon"]], city.perceptions[["lat", "lon"]],
              city.venues[["lat", "lon"]]]
    both = pd.concat(frames, ignore_index=True)
    return int(np.unique(cells_of(both["lat"].to_numpy(), both["lon"].to_numpy(), res)).size)


def test_one_tile_is_the_sample_itself() -> None:
    one = generate_city(**SMALL, tiling=Tiling(1, 1))
    plain = generate_city(**SMALL)
    pd.testing.assert_frame_equal(one.incidents, plain.incidents)
    assert one.metadata == plain.metadata and "tiles" not in plain.metadata


def test_same_seed_same_city_other_seed_differs() -> None:
    a = generate_city(**SMALL, tiling=Tiling(3, 2))
    b = generate_city(**SMALL, tiling=Tiling(3, 2))
    c = generate_city(**SMALL, seed=7, tiling=Tiling(3, 2))
    for table in ("incidents", "perceptions", "venues"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))
    assert not np.array_equal(a.incidents["lat"].to_numpy(), c.incidents["lat"].to_numpy())


def test_every_table_spreads_over_every_tile() -> None:
    tiling = Tiling(3, 2)
    city = generate_city(**SMALL, tiling=tiling)
    west, south, east, north = city.metadata["bbox"]
    assert city.metadata["tiles"] == [3, 2]
    assert (east - west) > 2.9 * (BBOX[2] - BBOX[0])
    for table in ("incidents", "perceptions", "venues"):
        frame = getattr(city, table)
        assert frame["lat"].between(south, north).all() and frame["lon"].between(west, east).all()
        x, y = to_xy(frame["lat"].to_numpy(), frame["lon"].to_numpy())
        col = np.floor(x / (2 * HALF_WIDTH_M) + 1.5).astype(int)
        row = np.floor(y / (2 * HALF_HEIGHT_M) + 1.0).astype(int)
        tiles = np.unique(col.clip(0, 2) * 2 + row.clip(0, 1))
        assert tiles.size == 6, (table, tiles)


def test_rhythms_survive_the_tiling() -> None:
    """The sample's night and weekend rhythm is in the tiled city too."""
    city = generate_city(**SMALL, tiling=Tiling(2, 2))
    hours = city.incidents["occurred_from"].dt.hour.dropna()
    night = hours.isin([22, 23, 0, 1, 2, 3]).mean()
    morning = hours.isin([6, 7, 8, 9, 10, 11]).mean()
    assert night > 1.3 * morning


def test_occupied_cells_scale_with_the_tiles() -> None:
    """A reduced city (2 x 2 tiles at the city preset's incidents per tile) occupies at least
    the city preset's per-tile share of 30k res-10 cells; the presets keep that density."""
    city_preset, metro_preset = PRESETS["city"], PRESETS["metro"]
    per_tile = (city_preset.incidents + city_preset.app_reports) // city_preset.tiling.tiles
    small = generate_city(incidents=per_tile * 4, app_reports=0, perceptions=4 * 3_750,
                          venues=4 * 190, tiling=Tiling(2, 2))
    cells = occupied(small)
    assert cells / 4 * city_preset.tiling.tiles >= 30_000, cells
    metro_per_tile = (metro_preset.incidents + metro_preset.app_reports) / metro_preset.tiling.tiles
    assert metro_per_tile >= 0.95 * per_tile
    assert cells / 4 * metro_preset.tiling.tiles >= 100_000
    assert city_preset.incidents + city_preset.app_reports == 1_000_000


def test_written_project_names_the_tiled_bbox(tmp_path: Path) -> None:
    city = generate_city(**SMALL, tiling=Tiling(2, 3))
    write_city(city, tmp_path)
    text = (tmp_path / "atlas.yaml").read_text()
    west = f"{city.metadata['bbox'][0]:.6f}"
    assert f"bbox: [{west}," in text


def test_bad_tiling() -> None:
    with pytest.raises(ValueError, match="1 x 1"):
        Tiling(0, 2)
