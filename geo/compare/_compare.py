"""Perceived versus recorded insecurity over the cells with enough data on both sides.

The two sides have different units (incidents per night per km², a 0-1 mean feeling), so they
are compared by rank (DESIGN §5): percentile ranks, their difference ``gap``, a 3x3 bivariate
class from tertiles of the ranks, and Spearman's rank correlation. Space enters through the
local statistics of :mod:`geo.compare._local` on weights from the H3 grid itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from geo._light import average_ranks, spearman_p, spearman_rho, user_defined_classes
from geo.compare._labels import (
    BIVARIATE_KEYS,
    BIVARIATE_NOT_COMPARED,
    HOTSPOT_KEYS,
    LOCAL_KEYS,
    key_column,
)
from geo.compare._weights import as_int_cells

__all__ = [
    "CELL_COLUMNS",
    "CompareResult",
    "CompareSettings",
    "Spearman",
    "bivariate_classes",
    "compare_cells",
    "percentile_ranks",
]

CELL_COLUMNS: tuple[str, ...] = (
    "cell",
    "compared",
    "recorded_rank",
    "perceived_rank",
    "gap",
    "bivariate_class",
    "bivariate_key",
    "gi_z",
    "gi_p",
    "gi_q",
    "hotspot",
    "bv_moran",
    "local_p",
    "local_q",
    "local_class",
)
"""Columns of :attr:`CompareResult.cells`, in order."""

_TERTILE_BOUNDS = [1 / 3, 2 / 3, 1.0]


@dataclass(frozen=True)
class CompareSettings:
    """What to compare and how to test it.

    Attributes
    ----------
    recorded, perceived
        Columns of the recorded rate and of perceived insecurity (EB-smoothed by default).
    min_n_ok
        Boolean column: True where the perceived side has enough answers (None: all cells).
    hotspot_on
        Column for Gi* (non-negative); None uses ``recorded``.
    permutations
        Conditional permutations of the local statistics (999 gives p down to 0.002 two-sided).
    seed
        Seed of the permutations; the two statistics get independent streams from it.
    alpha
        Level for "significant" after Benjamini-Hochberg control of the false discovery rate.
    """

    recorded: str = "recorded_rate"
    perceived: str = "perceived_eb"
    min_n_ok: str | None = "perceived_ok"
    hotspot_on: str | None = None
    permutations: int = 999
    seed: int = 0
    alpha: float = 0.05

    def __post_init__(self) -> None:
        if self.permutations < 1:
            raise ValueError(f"permutations must be >= 1, got {self.permutations}")
        if not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be in [0, 2**32), got {self.seed}")
        if not 0 < self.alpha < 1:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")


@dataclass(frozen=True)
class Spearman:
    """Spearman rank correlation of perceived and recorded over the compared cells."""

    rho: float
    n: int

    @cached_property
    def p(self) -> float:
        """Two-sided p-value (t with n - 2 df): computed, with SciPy, only when asked for."""
        return spearman_p(self.rho, self.n)


@dataclass(frozen=True)
class CompareResult:
    """Per-cell comparison and its global figures.

    Attributes
    ----------
    cells
        One row per input cell, in input order, columns :data:`CELL_COLUMNS`. Cells not
        compared have NaN ranks and ``bivariate.not_compared`` / ``local.not_compared`` keys.
    spearman
        Global rank correlation (NaN when fewer than 3 compared cells or a constant side).
    n_cells, n_cells_compared
        Cells in the table; cells with enough data on both sides.
    gi_islands, local_islands
        Cells left out of Gi* (no neighbour with a recorded value) and of the bivariate local
        Moran (no compared neighbour); their statistics are NaN, their keys say ``island``.
    settings
        The settings used, seed included, so the result can be reproduced.
    """

    cells: pd.DataFrame
    spearman: Spearman
    n_cells: int
    n_cells_compared: int
    gi_islands: int
    local_islands: int
    settings: CompareSettings


def percentile_ranks(values: np.ndarray) -> np.ndarray:
    """Percentile ranks in [0, 1]: ``(rank - 1) / (n - 1)`` with average ranks for ties.

    The lowest value gets 0 and the highest 1, so ``gap`` spans [-1, 1]; a single value
    gets 0.5.

    Examples
    --------
    >>> percentile_ranks(np.array([3.0, 1.0, 2.0, 2.0])).tolist()
    [1.0, 0.0, 0.5, 0.5]
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return values.copy()
    if values.size == 1:
        return np.array([0.5])
    return (average_ranks(values) - 1) / (values.size - 1)


def bivariate_classes(perceived_rank: np.ndarray, recorded_rank: np.ndarray) -> np.ndarray:
    """3x3 class codes ``perceived_tertile * 3 + recorded_tertile`` from percentile ranks.

    Tertiles are fixed breaks at 1/3 and 2/3 of the rank scale (``mapclassify.UserDefined``)
    rather than ``Quantiles(k=3)`` of the raw values: with many tied values (cells with no
    incident) quantile breaks coincide, mapclassify drops a class and "mid" would silently
    mean "high". Tied values share an average rank, hence a class.
    """

    def tertile(rank: np.ndarray) -> np.ndarray:
        if rank.size == 0:
            return rank.astype(np.int8)
        return user_defined_classes(rank, _TERTILE_BOUNDS).astype(np.int8)

    return (tertile(np.asarray(perceived_rank)) * 3 + tertile(np.asarray(recorded_rank))).astype(
        np.int8
    )


def _spearman(x: np.ndarray, y: np.ndarray) -> Spearman:
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Spearman(np.nan, int(x.size))
    return Spearman(spearman_rho(x, y), int(x.size))


def _column(table: pd.DataFrame, name: str) -> np.ndarray:
    if name not in table.columns:
        raise KeyError(f"column {name!r} not in the table; found {list(table.columns)}")
    return pd.to_numeric(table[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def compare_cells(
    table: pd.DataFrame,
    *,
    recorded: str = "recorded_rate",
    perceived: str = "perceived_eb",
    min_n_ok: str | None = "perceived_ok",
    hotspot_on: str | None = None,
    permutations: int = 999,
    seed: int | np.random.Generator = 0,
    alpha: float = 0.05,
    local_stats: bool = True,
) -> CompareResult:
    """Compare perceived and recorded insecurity per cell: ranks, classes, local statistics.

    Parameters
    ----------
    table
        One row per H3 cell of one resolution: ``cell`` (uint64 or hex string), the recorded
        and perceived columns and the ``min_n_ok`` flag.
    recorded, perceived, min_n_ok, hotspot_on, permutations, alpha
        See :class:`CompareSettings`.
    seed
        An int, or a ``numpy.random.Generator`` from which one int seed is drawn.
    local_stats
        Run the local statistics (Gi*, bivariate Moran). A slider move skips them: ranks,
        classes and Spearman take milliseconds, the permutations most of a second.

    Returns
    -------
    CompareResult
        The per-cell table and global statistics. Gi* runs over every cell with a finite
        recorded value; ranks, classes, Spearman and the bivariate local Moran run over the
        compared cells (finite on both sides and ``min_n_ok``).

    Raises
    ------
    KeyError
        When a named column is missing.
    ValueError
        When cells are invalid, repeated or of mixed resolutions, or Gi* values are negative.
    """
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**32))
    settings = CompareSettings(
        recorded, perceived, min_n_ok, hotspot_on, int(permutations), int(seed), alpha
    )
    if "cell" not in table.columns:
        raise KeyError(f"column 'cell' not in the table; found {list(table.columns)}")
    ok = None
    if min_n_ok is not None:
        if min_n_ok not in table.columns:
            raise KeyError(f"column {min_n_ok!r} not in the table; found {list(table.columns)}")
        ok = table[min_n_ok].fillna(False).to_numpy(dtype=bool)
    result = compare_arrays(
        as_int_cells(table["cell"].tolist()),
        _column(table, recorded),
        _column(table, perceived),
        ok,
        _column(table, hotspot_on or recorded),
        settings,
        local_stats=local_stats,
    )
    return CompareResult(
        cells=pd.DataFrame(result.columns, index=table.index),
        spearman=result.spearman,
        n_cells=result.n_cells,
        n_cells_compared=result.n_cells_compared,
        gi_islands=result.gi_islands,
        local_islands=result.local_islands,
        settings=settings,
    )


@dataclass(frozen=True)
class ComparedArrays:
    """:class:`CompareResult` with the per-cell columns as a dict of arrays."""

    columns: dict[str, np.ndarray]
    spearman: Spearman
    n_cells: int
    n_cells_compared: int
    gi_islands: int
    local_islands: int


def compare_arrays(
    cells: np.ndarray,
    rec: np.ndarray,
    per: np.ndarray,
    ok: np.ndarray | None,
    hot: np.ndarray,
    settings: CompareSettings,
    *,
    local_stats: bool = True,
) -> ComparedArrays:
    """:func:`compare_cells` on arrays: valid uint64 ``cells``, recorded, perceived and hot-spot
    values, and the "enough answers" flag (None: every cell). The query path calls it with
    its own grid's cells, so the table-to-array conversions and cell checks are not repeated.
    """
    alpha = settings.alpha
    ok = np.isfinite(rec) & np.isfinite(per) & (True if ok is None else ok)
    has_rec = np.isfinite(hot)
    if (hot[has_rec] < 0).any():
        column = settings.hotspot_on or settings.recorded
        raise ValueError(f"Gi* needs non-negative values; {column!r} has some")
    gi_seed, local_seed = (int(s) for s in np.random.SeedSequence(settings.seed).generate_state(2))

    n = cells.size
    rec_rank = np.full(n, np.nan)
    per_rank = np.full(n, np.nan)
    rec_rank[ok] = percentile_ranks(rec[ok])
    per_rank[ok] = percentile_ranks(per[ok])
    bclass = np.zeros(n, dtype=np.int8)
    bclass[ok] = bivariate_classes(per_rank[ok], rec_rank[ok])
    codes = pd.arrays.IntegerArray(bclass, ~ok)  # Int8, <NA> where not compared
    # Class keys go by code (a slider move at res 10 would fill and convert ~40k Python strings
    # per column otherwise): code 9 is "not compared".
    bkeys = np.where(ok, bclass, len(BIVARIATE_KEYS))

    gi_z, gi_p, gi_q, bv_i, bv_p, bv_q = (np.full(n, np.nan) for _ in range(6))
    hotspot = np.full(n, HOTSPOT_KEYS.index("hotspot.not_computed"), dtype=np.int8)
    local = np.full(n, LOCAL_KEYS.index("local.not_computed"), dtype=np.int8)
    gi_islands = local_islands = 0
    if local_stats:
        # esda / libpysal / SciPy take ~1 s to import: only a view with local statistics pays it.
        from geo.compare._local import bivariate_moran, gi_star
        from geo.compare._weights import grid_weights

        # Gi* over every cell with a recorded value (hot spots do not depend on survey coverage).
        idx_rec = np.flatnonzero(has_rec)
        grid_rec = grid_weights(cells[idx_rec])
        gi = gi_star(hot[idx_rec], grid_rec, permutations=settings.permutations, seed=gi_seed)
        gi_z[idx_rec], gi_p[idx_rec], gi_q[idx_rec] = gi.statistic, gi.p, gi.q
        hotspot[:] = HOTSPOT_KEYS.index("hotspot.no_data")
        hotspot[idx_rec] = np.where(grid_rec.islands, HOTSPOT_KEYS.index("hotspot.island"),
                                    HOTSPOT_KEYS.index("hotspot.not_significant"))
        sig = np.isfinite(gi_q) & (gi_q < alpha)
        hotspot[sig & (gi_z > 0)] = HOTSPOT_KEYS.index("hotspot.hot")
        hotspot[sig & (gi_z < 0)] = HOTSPOT_KEYS.index("hotspot.cold")

        # Bivariate local Moran: perceived at the cell against recorded around it.
        idx_ok = np.flatnonzero(ok)
        grid_ok = grid_weights(cells[idx_ok])
        bv = bivariate_moran(
            per[idx_ok], rec[idx_ok], grid_ok, permutations=settings.permutations, seed=local_seed
        )
        bv_i[idx_ok], bv_p[idx_ok], bv_q[idx_ok] = bv.statistic, bv.p, bv.q
        local[:] = LOCAL_KEYS.index("local.not_compared")
        local[idx_ok] = np.where(grid_ok.islands, LOCAL_KEYS.index("local.island"),
                                 LOCAL_KEYS.index("local.not_significant"))
        quadrant = np.zeros(n, dtype=np.int8)
        quadrant[idx_ok] = bv.quadrant
        sig = np.isfinite(bv_q) & (bv_q < alpha) & (quadrant > 0)
        local[sig] = quadrant[sig] - 1  # LOCAL_KEYS starts with esda's quadrants 1..4
        gi_islands = int(grid_rec.islands.sum())
        local_islands = int(grid_ok.islands.sum())

    columns = {
        "cell": cells,
        "compared": ok,
        "recorded_rank": rec_rank,
        "perceived_rank": per_rank,
        "gap": per_rank - rec_rank,
        "bivariate_class": codes,
        "bivariate_key": key_column((*BIVARIATE_KEYS, BIVARIATE_NOT_COMPARED), bkeys),
        "gi_z": gi_z,
        "gi_p": gi_p,
        "gi_q": gi_q,
        "hotspot": key_column(HOTSPOT_KEYS, hotspot),
        "bv_moran": bv_i,
        "local_p": bv_p,
        "local_q": bv_q,
        "local_class": key_column(LOCAL_KEYS, local),
    }
    return ComparedArrays(
        columns=columns,
        spearman=_spearman(per[ok], rec[ok]),
        n_cells=int(n),
        n_cells_compared=int(ok.sum()),
        gi_islands=gi_islands,
        local_islands=local_islands,
    )
