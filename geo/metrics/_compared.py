"""The comparison columns of a view: ranks, gap, bivariate classes (and local statistics),
computed on the published cells only, so that nothing compared was not shown.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from geo.compare import CELL_COLUMNS, CompareSettings, compare_arrays

COMPARE_COLUMNS = tuple(c for c in CELL_COLUMNS if c not in ("cell", "gi_p", "local_p"))
"""Columns a compared view adds to its table: those of a comparison but the p-values (an
export adds them, with SciPy) and the cell it already has."""


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
    result = compare_arrays(
        table["cell"],
        table["incidents_per_night"],
        table["perceived_eb"],
        table["perceived_ok"],
        table["incidents"],
        settings,
        local_stats=local_stats,
    )
    table.update({c: result.columns[c] for c in COMPARE_COLUMNS})  # keys stay pandas'
    # the class as a float with NaN, as the table has always carried it
    table["bivariate_class"] = result.columns["bivariate_class"].to_numpy(
        dtype=float, na_value=np.nan
    )
    # rho and n only: the p-value needs SciPy, so exports add it (geo.export)
    summary["spearman"] = {"rho": result.spearman.rho, "n": result.spearman.n}
    summary["cells_compared"] = result.n_cells_compared
