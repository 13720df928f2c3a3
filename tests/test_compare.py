"""Perceived vs recorded: ranks, bivariate classes, H3 weights, Gi* and bivariate local Moran."""

from __future__ import annotations

import doctest
import subprocess
import sys

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import geo.compare._compare
from geo.compare import (
    BIVARIATE_KEYS,
    CELL_COLUMNS,
    HOTSPOT_KEYS,
    LABELS,
    LOCAL_KEYS,
    CompareSettings,
    as_int_cells,
    bivariate_classes,
    compare_cells,
    grid_weights,
    label,
    percentile_ranks,
)

PARIS = (48.8566, 2.3522)  # lat, lng: h3 takes latitude first


def disk(radius: int, res: int = 9, at: tuple[float, float] = PARIS) -> list[int]:
    centre = h3i.latlng_to_cell(at[0], at[1], res)
    return sorted(h3i.grid_disk(centre, radius), key=lambda c: (h3i.grid_distance(centre, c), c))


def table(cells: list[int], recorded: np.ndarray, perceived: np.ndarray, ok=None) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cell": np.asarray(cells, dtype=np.uint64),
            "recorded_rate": recorded,
            "perceived_eb": perceived,
            "perceived_ok": np.ones(len(cells), bool) if ok is None else ok,
        }
    )


def test_doctests() -> None:
    assert doctest.testmod(geo.compare._compare).failed == 0


def test_h3_takes_lat_then_lng() -> None:
    lat, lng = h3i.cell_to_latlng(disk(0)[0])
    assert lat == pytest.approx(PARIS[0], abs=0.01) and lng == pytest.approx(PARIS[1], abs=0.01)


def test_percentile_ranks() -> None:
    assert percentile_ranks(np.array([10.0, 30.0, 20.0])).tolist() == [0.0, 1.0, 0.5]
    assert percentile_ranks(np.array([0.0, 0.0, 0.0, 9.0])).tolist() == [1 / 3, 1 / 3, 1 / 3, 1.0]
    assert percentile_ranks(np.array([4.0])).tolist() == [0.5]
    assert percentile_ranks(np.array([])).size == 0


def test_bivariate_codes_follow_perceived_then_recorded() -> None:
    codes = bivariate_classes(
        np.array([0.0, 1.0, 0.0, 1.0, 0.5]), np.array([0.0, 0.0, 1.0, 1.0, 0.5])
    )
    assert codes.tolist() == [0, 6, 2, 8, 4]
    assert [BIVARIATE_KEYS[c] for c in codes] == [
        "bivariate.low_low",
        "bivariate.high_low",
        "bivariate.low_high",
        "bivariate.high_high",
        "bivariate.mid_mid",
    ]
    assert label("bivariate.high_low") == "feels less safe than records suggest"
    assert label("bivariate.low_high") == "records higher than feelings suggest"


def test_every_key_has_a_neutral_english_label() -> None:
    keys = set(BIVARIATE_KEYS) | set(HOTSPOT_KEYS) | set(LOCAL_KEYS) | {"bivariate.not_compared"}
    assert keys <= set(LABELS)
    for text in LABELS.values():
        assert "danger" not in text.lower() and "unsafe place" not in text.lower()


def test_grid_weights_neighbours_pentagon_islands_and_resolution() -> None:
    cells = as_int_cells(disk(1))
    grid = grid_weights(cells)
    assert grid.w is not None and not grid.islands.any()
    assert grid.w.cardinalities[0] == 6
    pentagon = h3i.get_pentagons(7)[0]
    ring = as_int_cells(h3i.grid_disk(pentagon, 1))
    pw = grid_weights(ring)
    assert pw.w is not None and pw.w.cardinalities[int(np.flatnonzero(ring == pentagon)[0])] == 5
    far = h3i.latlng_to_cell(45.76, 4.83, 9)  # Lyon: no neighbour in Paris
    grid = grid_weights(np.append(cells, np.uint64(far)))
    assert grid.islands.tolist() == [False] * 7 + [True]
    assert grid.kept.tolist() == list(range(7))
    with pytest.raises(ValueError, match="one H3 resolution"):
        grid_weights(np.append(cells, np.uint64(h3i.cell_to_parent(int(cells[0]), 8))))
    with pytest.raises(ValueError, match="unique"):
        grid_weights(np.append(cells, cells[:1]))


def test_cells_may_be_hex_strings() -> None:
    cells = disk(1)
    assert as_int_cells([h3i.int_to_str(c) for c in cells]).tolist() == cells
    with pytest.raises(ValueError, match="not a valid H3 cell"):
        as_int_cells([12345])


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, list[int]]:
    """A 331-cell disk with a cluster of high records in the north and low in the south."""
    cells = disk(10)
    rng = np.random.default_rng(7)
    lat = np.array([h3i.cell_to_latlng(c)[0] for c in cells])
    north = lat > np.quantile(lat, 0.8)
    south = lat < np.quantile(lat, 0.2)
    recorded = rng.poisson(np.where(north, 20, np.where(south, 0.5, 5))).astype(float)
    perceived = np.clip(np.where(north, 0.8, 0.3) + rng.normal(0, 0.05, len(cells)), 0, 1)
    ok = np.ones(len(cells), bool)
    ok[-10:] = False  # too few answers on the outer ring
    return table(cells, recorded, perceived, ok), cells


def test_compare_cells_table_and_global_stats(planted) -> None:
    t, cells = planted
    result = compare_cells(t, permutations=199, seed=3)
    out = result.cells
    assert list(out.columns) == list(CELL_COLUMNS)
    assert out["cell"].dtype == np.uint64 and out["cell"].tolist() == cells
    assert result.n_cells == 331 and result.n_cells_compared == 321
    compared = out["compared"].to_numpy()
    assert compared.sum() == 321
    assert out["gap"][compared].between(-1, 1).all()
    np.testing.assert_allclose(out["gap"], out["perceived_rank"] - out["recorded_rank"])
    assert out.loc[~compared, "bivariate_key"].eq("bivariate.not_compared").all()
    assert out.loc[~compared, "local_class"].eq("local.not_compared").all()
    assert out.loc[~compared, "bivariate_class"].isna().all()
    assert out["gi_z"].notna().all()  # Gi* runs over all cells with records
    assert set(out["bivariate_key"]) <= set(BIVARIATE_KEYS) | {"bivariate.not_compared"}
    expected = stats.spearmanr(t["perceived_eb"][compared], t["recorded_rate"][compared])
    assert result.spearman.rho == pytest.approx(expected.statistic)
    assert result.spearman.p == pytest.approx(expected.pvalue)
    assert result.spearman.n == 321
    assert result.gi_islands == 0 and result.local_islands == 0
    assert result.settings == CompareSettings(permutations=199, seed=3)


def test_planted_clusters_are_found(planted) -> None:
    t, _ = planted
    out = compare_cells(t, permutations=199, seed=1).cells
    lat = np.array([h3i.cell_to_latlng(int(c))[0] for c in out["cell"]])
    north, south = lat > np.quantile(lat, 0.8), lat < np.quantile(lat, 0.2)
    assert (out["hotspot"][north] == "hotspot.hot").mean() > 0.5
    assert (out["hotspot"][south] == "hotspot.cold").mean() > 0.5
    assert not (out["hotspot"][south] == "hotspot.hot").any()
    assert (out["gi_q"] >= out["gi_p"]).all()
    assert (out["local_class"][north] == "local.high_high").mean() > 0.5
    assert set(out["hotspot"]) <= set(HOTSPOT_KEYS)
    assert set(out["local_class"]) <= set(LOCAL_KEYS)


def test_same_seed_same_result_and_global_rng_untouched(planted) -> None:
    t, _ = planted
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = compare_cells(t, permutations=99, seed=5)
    assert (np.random.get_state()[1] == before).all()
    b = compare_cells(t, permutations=99, seed=5)
    pd.testing.assert_frame_equal(a.cells, b.cells)
    c = compare_cells(t, permutations=99, seed=np.random.default_rng(5))
    d = compare_cells(t, permutations=99, seed=np.random.default_rng(5))
    assert c.settings.seed == d.settings.seed
    pd.testing.assert_frame_equal(c.cells, d.cells)


def test_islands_are_left_out_and_said_so() -> None:
    cells = disk(2) + [h3i.latlng_to_cell(45.76, 4.83, 9)]
    rng = np.random.default_rng(0)
    t = table(cells, rng.random(len(cells)), rng.random(len(cells)))
    result = compare_cells(t, permutations=99)
    last = result.cells.iloc[-1]
    assert result.gi_islands == 1 and result.local_islands == 1
    assert np.isnan(last["gi_z"]) and np.isnan(last["bv_moran"]) and np.isnan(last["local_q"])
    assert last["hotspot"] == "hotspot.island" and last["local_class"] == "local.island"
    assert last["compared"] and np.isfinite(last["gap"])  # ranks do not need neighbours


def test_degenerate_inputs_do_not_crash() -> None:
    cells = disk(1)
    t = table(cells, np.zeros(7), np.linspace(0, 1, 7))
    result = compare_cells(t, permutations=99)
    assert result.cells["gi_z"].isna().all()
    assert result.cells["hotspot"].eq("hotspot.not_significant").all()
    assert np.isnan(result.spearman.rho)
    tiny = compare_cells(table(cells[:2], np.array([1.0, 2.0]), np.array([0.1, 0.2])))
    assert tiny.spearman.n == 2 and np.isnan(tiny.spearman.rho)
    rec = np.array([1.0, np.nan, 3, 4, 5, 6, 7])
    res = compare_cells(table(cells, rec, np.linspace(0, 1, 7)), permutations=99)
    assert res.cells["hotspot"].iloc[1] == "hotspot.no_data"
    assert res.n_cells_compared == 6


def test_bad_input_is_refused() -> None:
    cells = disk(1)
    t = table(cells, np.arange(7.0), np.linspace(0, 1, 7))
    with pytest.raises(KeyError, match="recorded_rate"):
        compare_cells(t.drop(columns="recorded_rate"))
    with pytest.raises(ValueError, match="non-negative"):
        compare_cells(t.assign(recorded_rate=-np.arange(7.0)))
    with pytest.raises(ValueError, match="permutations"):
        compare_cells(t, permutations=0)
    with pytest.raises(ValueError, match="alpha"):
        CompareSettings(alpha=1.5)


def test_hex_string_cells_give_uint64_cells() -> None:
    cells = disk(1)
    t = table(cells, np.arange(7.0), np.linspace(0, 1, 7))
    out = compare_cells(t.assign(cell=[h3i.int_to_str(c) for c in cells]), permutations=99).cells
    assert out["cell"].dtype == np.uint64 and out["cell"].tolist() == cells


def test_modules_under_the_map_import_no_widgets() -> None:
    code = (
        "import sys, geo.compare, geo.privacy, geo.perceived, geo.hours\n"
        "bad = [m for m in ('ipywidgets', 'ipyleaflet', 'voila') if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_local_statistics_can_be_skipped_for_a_fast_view() -> None:
    import h3.api.basic_int as h3i

    cells = np.array(sorted(h3i.grid_disk(h3i.latlng_to_cell(45.75, 4.85, 9), 3)), dtype=np.uint64)
    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        {
            "cell": cells,
            "recorded_rate": rng.gamma(2, 2, cells.size),
            "perceived_eb": rng.uniform(0, 1, cells.size),
            "perceived_ok": True,
        }
    )
    full = compare_cells(table, permutations=99)
    fast = compare_cells(table, permutations=99, local_stats=False)
    assert np.allclose(full.cells["gap"], fast.cells["gap"])
    assert (fast.cells["hotspot"] == "hotspot.not_computed").all()
    assert (fast.cells["local_class"] == "local.not_computed").all()
    assert fast.cells["gi_z"].isna().all()
    assert full.spearman == fast.spearman
