"""Small-cell protection: nothing shown has 0 < count < k, and coarsening conserves counts."""

from __future__ import annotations

import doctest

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import geo.privacy._threshold
from geo.privacy import Measure, protect, suppress_columns

CENTRE9 = h3i.latlng_to_cell(48.8566, 2.3522, 9)  # lat first
POOL = sorted(h3i.grid_disk(CENTRE9, 9))  # 271 res-9 cells over several res-7 parents

MEASURES = (
    Measure("incidents", ("incidents_per_km2", "recorded_rank"), name="incidents"),
    Measure("perceived_n", ("perceived", "perceived_eb"), name="perceived"),
)


def children_of(parent: int) -> list[int]:
    return sorted(h3i.cell_to_children(parent, 9))


def frame(cells: list[int], incidents, perceived_n) -> pd.DataFrame:
    incidents = np.asarray(incidents, dtype=float)
    perceived_n = np.asarray(perceived_n, dtype=float)
    return pd.DataFrame(
        {
            "cell": np.asarray(cells, dtype=np.uint64),
            "incidents": incidents,
            "incidents_per_km2": incidents / 0.1,
            "recorded_rank": np.linspace(0, 1, len(cells)),
            "perceived_n": perceived_n,
            "perceived_sw": perceived_n * 1.5,
            "perceived": np.full(len(cells), 0.4),
            "perceived_eb": np.full(len(cells), 0.45),
            "label": ["x"] * len(cells),
        }
    )


def test_doctests() -> None:
    assert doctest.testmod(geo.privacy._threshold).failed == 0


def test_suppress_blanks_small_counts_and_their_values() -> None:
    cells = children_of(h3i.cell_to_parent(CENTRE9, 8))[:4]
    t = frame(cells, [0, 3, 0.25, 12], [5, 2, 0, 4])
    p = protect(t, MEASURES, k=5)
    out = p.table
    assert out["incidents"].tolist()[::3] == [0.0, 12.0]
    assert out["incidents"].iloc[1:3].isna().all()  # 3 and the aoristic 0.25 are both hidden
    assert out["incidents_per_km2"].iloc[1:3].isna().all()
    assert out["recorded_rank"].iloc[1:3].isna().all()
    assert out["suppressed_incidents"].tolist() == [False, True, True, False]
    assert out["suppressed_perceived"].tolist() == [False, True, False, True]
    assert out["perceived"].isna().tolist() == [False, True, False, True]
    assert out["perceived_sw"].tolist() == t["perceived_sw"].tolist()  # not declared: kept
    assert dict(p.suppressed) == {"incidents": 2, "perceived": 2}
    assert p.suppressed_mass["incidents"] == pytest.approx(3.25)
    assert p.protected and p.k == 5 and p.mode == "suppress"
    assert p.notice() == "Counts above 0 and below 5 are hidden (k = 5)."
    assert len(out) == 4 and t["incidents"].tolist() == [0, 3, 0.25, 12]  # input untouched


def test_k_zero_switches_protection_off_and_says_so() -> None:
    cells = POOL[:3]
    t = frame(cells, [1, 2, 3], [1, 1, 1])
    for mode in ("suppress", "coarsen"):
        p = protect(t, MEASURES, k=0, mode=mode)
        assert not p.protected and p.notice_key == "privacy.off"
        assert p.table["incidents"].tolist() == [1, 2, 3]
        assert not p.table["suppressed_incidents"].any()


def test_mapping_shorthand() -> None:
    t = frame(POOL[:2], [1, 9], [9, 9])
    p = protect(t, {"incidents": ["incidents_per_km2"]}, k=5)
    assert p.table["suppressed_incidents"].tolist() == [True, False]
    assert np.isnan(p.table["incidents_per_km2"].iloc[0])


def test_coarsen_parent_absorbs_all_its_present_children() -> None:
    parent = h3i.cell_to_parent(CENTRE9, 8)
    kids = children_of(parent)
    other = next(c for c in POOL if h3i.cell_to_parent(c, 8) != parent)
    t = frame([*kids, other], [2, 10, 10, 0, 0, 0, 0, 9], [6] * 8)
    p = protect(t, MEASURES, k=5, mode="coarsen", additive=["perceived_sw"])
    out = p.table.set_index("cell")
    assert sorted(out.index.tolist()) == sorted([parent, other])
    merged = out.loc[parent]
    assert merged["incidents"] == 22 and merged["perceived_n"] == 42
    assert merged["perceived_sw"] == pytest.approx(63)
    assert merged["resolution"] == 8 and merged["merged"]
    assert np.isnan(merged["incidents_per_km2"]) and np.isnan(merged["perceived"])
    assert pd.isna(merged["label"])  # non-additive columns are recomputed by the caller
    kept = out.loc[other]
    assert kept["incidents_per_km2"] == 90 and not kept["merged"] and kept["resolution"] == 9
    assert p.merged == 7 and dict(p.suppressed) == {"incidents": 0, "perceived": 0}


def test_coarsen_climbs_levels_and_suppresses_at_the_floor() -> None:
    # Two lone cells with one incident each under different res-8 parents but one res-7 one.
    grand = h3i.cell_to_parent(CENTRE9, 7)
    parents = sorted(h3i.cell_to_children(grand, 8))
    a, b = children_of(parents[0])[0], children_of(parents[1])[0]
    t = frame([a, b], [1, 1], [0, 0])
    p = protect(t, MEASURES, k=5, mode="coarsen")
    assert p.table["cell"].tolist() == [grand]
    assert np.isnan(p.table["incidents"].iloc[0])  # 2 < 5 even at res 7: suppressed
    assert p.suppressed["incidents"] == 1 and p.suppressed_mass["incidents"] == 2
    p8 = protect(t, MEASURES, k=2, mode="coarsen")
    assert p8.table["incidents"].tolist() == [2] and p8.table["resolution"].tolist() == [7]
    floor = protect(t, MEASURES, k=5, mode="coarsen", min_resolution=9)
    assert floor.merged == 0 and floor.table["incidents"].isna().all()


def test_coarsen_boundary_a_count_of_k_stays_one_just_below_merges() -> None:
    # Three lone cells, each alone under its res-8 parent: counts k, k - 1e-9 and k + 1.
    grand = h3i.cell_to_parent(CENTRE9, 7)
    parents = sorted(h3i.cell_to_children(grand, 8))
    cells = [children_of(p)[0] for p in parents[:3]]
    t = frame(cells, [5, 5 - 1e-9, 6], [0, 0, 0])
    out = protect(t, MEASURES, k=5, mode="coarsen", min_resolution=8).table.set_index("cell")
    assert out.loc[cells[0], "incidents"] == 5 and not out.loc[cells[0], "merged"]
    assert out.loc[cells[2], "incidents"] == 6 and not out.loc[cells[2], "merged"]
    below = out.loc[parents[1]]
    assert below["merged"] and below["resolution"] == 8 and np.isnan(below["incidents"])
    assert len(out) == 3


def test_coarsen_keeps_a_sum_missing_in_every_child_missing() -> None:
    # Unknown under every child is unknown in the parent, not a published 0.
    parent = h3i.cell_to_parent(CENTRE9, 8)
    kids = children_of(parent)[:3]
    t = frame(kids, [2, 3, 1], [0, 0, 0]).assign(perceived_sw=[np.nan, np.nan, np.nan])
    out = protect(t, MEASURES, k=5, mode="coarsen", additive=["perceived_sw"]).table
    assert out["cell"].tolist() == [parent] and out["incidents"].tolist() == [6]
    assert np.isnan(out["perceived_sw"].iloc[0])
    one_known = t.assign(perceived_sw=[np.nan, 4.5, np.nan])
    out = protect(one_known, MEASURES, k=5, mode="coarsen", additive=["perceived_sw"]).table
    assert out["perceived_sw"].tolist() == [4.5]


def test_coarsen_refuses_mixed_resolutions_and_repeats() -> None:
    t = frame([POOL[0], h3i.cell_to_parent(POOL[1], 8)], [1, 1], [1, 1])
    with pytest.raises(ValueError, match="one H3 resolution"):
        protect(t, MEASURES, mode="coarsen")
    with pytest.raises(ValueError, match="unique"):
        protect(frame([POOL[0], POOL[0]], [1, 1], [1, 1]), MEASURES, mode="coarsen")
    with pytest.raises(KeyError, match="nope"):
        protect(frame(POOL[:1], [1], [1]), {"nope": []})
    with pytest.raises(ValueError, match="mode"):
        protect(frame(POOL[:1], [1], [1]), MEASURES, mode="round")  # type: ignore[arg-type]


def test_hex_string_cells_are_accepted_in_coarsen() -> None:
    t = frame(POOL[:3], [1, 1, 1], [0, 0, 0]).assign(cell=[h3i.int_to_str(c) for c in POOL[:3]])
    out = protect(t, MEASURES, k=2, mode="coarsen").table
    assert out["cell"].dtype == np.uint64


count = st.one_of(
    st.just(0.0),
    st.integers(0, 30).map(float),
    st.floats(0, 30, allow_nan=False).map(lambda v: round(v * 4) / 4),  # aoristic quarters
)


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    cells = draw(st.lists(st.sampled_from(POOL), min_size=1, max_size=60, unique=True))
    incidents = draw(st.lists(count, min_size=len(cells), max_size=len(cells)))
    answers = draw(st.lists(st.integers(0, 12), min_size=len(cells), max_size=len(cells)))
    return frame(cells, incidents, answers)


def assert_no_overlap(cells: list[int]) -> None:
    present = set(cells)
    for cell in cells:
        for level in range(h3i.get_resolution(cell) - 1, -1, -1):
            assert h3i.cell_to_parent(cell, level) not in present, "result cells overlap"


@settings(max_examples=120, deadline=None)
@given(t=tables(), k=st.integers(1, 20), mode=st.sampled_from(["suppress", "coarsen"]))
def test_no_published_count_below_k_and_totals_conserved(t: pd.DataFrame, k: int, mode) -> None:
    p = protect(t, MEASURES, k=k, mode=mode, additive=["perceived_sw"])
    out = p.table
    for column in ("incidents", "perceived_n"):
        values = out[column].to_numpy(dtype=float)
        shown = values[np.isfinite(values)]
        assert not ((shown > 0) & (shown < k)).any()
        assert np.nansum(values) + p.suppressed_mass[column] == pytest.approx(t[column].sum())
    for m in MEASURES:
        flagged = out[m.flag].to_numpy()
        assert flagged.sum() == p.suppressed[m.name]
        for column in m.values:
            assert out.loc[flagged, column].isna().all()
    if mode == "coarsen":
        assert_no_overlap([int(c) for c in out["cell"]])
        assert (out["resolution"] >= 7).all()
        assert out["cell"].is_unique
        # Additive sums are conserved through merging (suppression leaves them in place).
        assert out["perceived_sw"].sum() == pytest.approx(t["perceived_sw"].sum())
        # Every input cell lies in exactly one output cell (itself or an ancestor).
        covered = {int(c) for c in out["cell"]}
        for cell in t["cell"]:
            lineage = {int(cell)} | {h3i.cell_to_parent(int(cell), lvl) for lvl in (7, 8)}
            assert len(lineage & covered) == 1
    else:
        assert out["cell"].tolist() == t["cell"].tolist()


@settings(max_examples=80, deadline=None)
@given(t=tables(), k=st.integers(0, 20))
def test_suppress_columns_is_protect_suppress_on_arrays(t: pd.DataFrame, k: int) -> None:
    # The query path suppresses a dict of arrays; it must hide exactly what protect hides.
    p = protect(t, MEASURES, k=k, mode="suppress")
    numeric = [c for c in t.columns if c != "cell" and pd.api.types.is_numeric_dtype(t[c])]
    columns = {c: t[c].to_numpy(dtype=float) for c in numeric}
    out, suppressed, mass = suppress_columns({"cell": t["cell"].to_numpy(), **columns},
                                             MEASURES, k)
    for column in ["cell", *numeric, *(m.flag for m in MEASURES)]:
        np.testing.assert_array_equal(np.asarray(out[column], dtype=float),
                                      p.table[column].to_numpy(dtype=float), err_msg=column)
    assert suppressed == dict(p.suppressed) and mass == dict(p.suppressed_mass)


def test_suppress_columns_names_missing_columns() -> None:
    with pytest.raises(KeyError, match="perceived_n"):
        suppress_columns({"incidents": np.array([1.0])}, MEASURES, 5)
