"""The comparison columns of a view: ranks, gap, bivariate classes (and local statistics),
computed on the published cells only, so that nothing compared was not shown.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geo.compare import CELL_COLUMNS, CompareSettings, compare_arrays

if TYPE_CHECKING:
    from geo.metrics._atlas import QueryResult
    from geo.metrics._query import Query

COMPARE_COLUMNS = tuple(c for c in CELL_COLUMNS if c not in ("cell", "gi_p", "local_p"))
"""Columns a compared view adds to its table: those of a comparison but the p-values (an
export adds them, with SciPy) and the cell it already has."""

_INPUTS = ("cell", "incidents_per_night", "perceived_eb", "perceived_ok", "incidents")
"""The published columns a comparison reads, in :func:`compare_arrays`' order."""


def comparable(query: Query, cells: int) -> bool:
    """Whether a view is compared: it shows cells, each at its own resolution (not coarsened)."""
    return (query.mode == "suppress" or query.k == 0) and cells > 0


def compare_view(
    table: dict[str, np.ndarray],
    summary: dict[str, Any],
    local_stats: bool,
    permutations: int,
    seed: int,
) -> None:
    """Ranks, gap, classes (and local statistics) of the published cells, in place."""
    settings = CompareSettings(
        "incidents_per_night", "perceived_eb", "perceived_ok", "incidents", permutations, seed
    )
    result = compare_arrays(*(table[c] for c in _INPUTS), settings, local_stats=local_stats)
    table.update({c: result.columns[c] for c in COMPARE_COLUMNS})  # keys stay pandas'
    # the class as a float with NaN, as the table has always carried it
    table["bivariate_class"] = result.columns["bivariate_class"].to_numpy(
        dtype=float, na_value=np.nan
    )
    # rho and n only: the p-value needs SciPy, so exports add it (geo.export)
    summary["spearman"] = {"rho": result.spearman.rho, "n": result.spearman.n}
    summary["cells_compared"] = result.n_cells_compared


def with_comparison(
    result: QueryResult, *, local_stats: bool = False, permutations: int = 999, seed: int = 0
) -> QueryResult:
    """``result`` of ``Atlas.query(..., compare=False)`` with the comparison columns and
    figures it left out, as ``query`` gives them. The analyst app sends a map not drawn from
    ranks first and compares after: that map does not wait for ranks it does not show.
    """
    table, summary = result.table, dict(result.summary)
    if not comparable(result.query, len(table)):
        return replace(result, summary=summary)
    columns = {c: table[c].to_numpy() for c in _INPUTS}
    compare_view(columns, summary, local_stats, permutations, seed)
    added = {c: columns[c] for c in COMPARE_COLUMNS}
    # One frame over the same arrays plus the new ones: inserting the columns one by one
    # into a copy costs several times more at a metro's 165k cells.
    joined = pd.DataFrame({**{c: table[c].array for c in table.columns}, **added}, copy=False)
    return replace(result, table=joined, protected=replace(result.protected, table=joined),
                   summary=summary)
