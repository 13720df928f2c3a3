"""Full perceived-vs-recorded comparison on 5,000 contiguous res-9 cells with 999 permutations.

Figures: the first call (which pays numba's JIT compilation when numba is installed), the median
of three warm calls against the 2 s target, and the peak resident memory. esda uses numba only
if it is importable; the script says which case it measured.

    .venv/bin/python benchmarks/bench_compare.py          # figures of record
    BENCH_QUICK=1 .venv/bin/python benchmarks/bench_compare.py
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from pathlib import Path

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from a fresh clone (not installed)
    sys.path.insert(0, str(ROOT))

from benchmarks._common import peak_rss_mb, quick, record, timed  # noqa: E402
from geo.compare import compare_cells  # noqa: E402


def synthetic_table(n_cells: int, seed: int = 0) -> pd.DataFrame:
    """``n_cells`` contiguous res-9 cells around central Paris with a north-south gradient."""
    centre = h3i.latlng_to_cell(48.8566, 2.3522, 9)  # h3 takes (lat, lng)
    radius = 1
    while 3 * radius * (radius + 1) + 1 < n_cells:
        radius += 1
    cells = sorted(h3i.grid_disk(centre, radius), key=lambda c: (h3i.grid_distance(centre, c), c))[
        :n_cells
    ]
    rng = np.random.default_rng(seed)
    lat = np.array([h3i.cell_to_latlng(c)[0] for c in cells])
    z = (lat - lat.mean()) / lat.std()
    return pd.DataFrame(
        {
            "cell": np.asarray(cells, dtype=np.uint64),
            "recorded_rate": rng.poisson(np.exp(1.5 + 0.8 * z)) / 30.0,
            "perceived_eb": np.clip(0.45 + 0.1 * z + rng.normal(0, 0.1, n_cells), 0, 1),
            "perceived_ok": rng.random(n_cells) > 0.1,
        }
    )


def main() -> None:
    n_cells, permutations = (300, 19) if quick() else (5000, 999)
    table = synthetic_table(n_cells)
    numba = importlib.util.find_spec("numba") is not None
    print(f"numba importable: {numba} (esda's permutation engine is JIT-compiled only if so)")

    def run():
        return compare_cells(table, permutations=permutations, seed=0)

    first, result = timed(run)
    warm = statistics.median(timed(run)[0] for _ in range(3))
    suffix = "_quick" if quick() else ""  # smoke runs never overwrite the figures of record
    name = "compare_5000_cells_999perm"
    record(f"{name}_first_call{suffix}", first, "s")
    record(f"{name}{suffix}", warm, "s", 2)
    record(f"{name}_peak_rss{suffix}", peak_rss_mb(), "MB")
    cells = result.cells
    print(
        f"compared {result.n_cells_compared} cells, rho={result.spearman.rho:.3f}, "
        f"hot={int((cells['hotspot'] == 'hotspot.hot').sum())}, "
        f"cold={int((cells['hotspot'] == 'hotspot.cold').sum())}, "
        f"local significant={int(cells['local_class'].str.contains('high|low').sum())}"
    )


if __name__ == "__main__":
    main()
