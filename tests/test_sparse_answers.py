"""Statistics of answers computed on answered cells only equal the full computation, cell by
cell and bit by bit (a res-10 view has ~50k cells, a survey answers in a few thousand)."""

from __future__ import annotations

import numpy as np
import pytest

from geo.perceived import perceived_arrays
from geo.privacy import NoiseSettings
from geo.privacy._noise import perturb_answer_sums
from geo.privacy._publish import ANSWER_KEY, ANSWER_SUMS, cell_keys, publish_view


def _answers(seed: int, size: int, answered: float) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = np.where(rng.random(size) < answered, rng.integers(1, 30, size), 0).astype(float)
    w = rng.uniform(0.5, 2.0, size) * n
    x = rng.random(size)
    return {"n": n, "sw": w, "sw2": w * 1.3, "swx": w * x, "swx2": w * x * x,
            ANSWER_KEY: rng.integers(0, 2**40, size).astype(float)}


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=True), name


@pytest.mark.parametrize(("seed", "answered"), [(0, 0.05), (1, 0.3), (2, 0.0), (3, 0.9)])
def test_perceived_statistics_of_answered_cells_only_equal_the_full_ones(
    seed: int, answered: float
) -> None:
    sums = _answers(seed, 4000, answered)
    args = [sums[c] for c in ("n", "sw", "swx", "swx2")]
    compact = perceived_arrays(*args, sw2=sums["sw2"], min_n=5)
    # one area for every cell is what "no area" means, and it always takes the full path
    full = perceived_arrays(*args, sw2=sums["sw2"], min_n=5, area=np.zeros(4000))
    _same(compact, full)


@pytest.mark.parametrize(("seed", "answered"), [(4, 0.05), (5, 0.5), (6, 0.0)])
def test_published_answer_sums_of_answered_cells_only_equal_the_full_ones(
    seed: int, answered: float
) -> None:
    sums = _answers(seed, 3000, answered)
    columns = {"cell": np.arange(3000, dtype=np.uint64), **sums}
    settings = NoiseSettings()
    out, masks = publish_view(columns, [], 5, settings)
    full, hidden = perturb_answer_sums({c: sums[c] for c in ANSWER_SUMS},
                                       cell_keys(sums[ANSWER_KEY]), 5, settings.table,
                                       settings.mean_noise)
    _same({c: out[c] for c in ANSWER_SUMS}, full)
    assert np.array_equal(masks["perceived"], hidden)
