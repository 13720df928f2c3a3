"""Consistent noise of the cell-key method: a published count is a fixed function of its cell key.

A count ``n`` with cell key ``K`` (:mod:`geo.privacy._keys`) is published as
``round(n) + d(K)``, where ``d`` is read from a perturbation table: the key space ``0..M-1``
is cut into one interval per noise value, each as wide as that value's probability. So:

- the same records give the same ``K`` and the same published value, however often a view is
  asked for (repeating a query cannot average the noise away);
- another set of records gives an unrelated ``K``, so the difference of two views carries the
  noise of both (a count hidden in one view cannot be read off as the difference of two
  others);
- the noise is bounded (:data:`NOISE_BOUND`), zero-mean (the table is symmetric, and exactly so
  over the ``M`` keys), and an empty cell stays empty (``n = 0`` is published as 0).

Counts are published as whole numbers: aoristic counts are fractional (a 22:00-02:00 event
counts 1/4 per hour), and an exact fraction would pass through the noise untouched. The k
floor stays: a count is hidden when its exact value *or* its published value lies between 0
and k (see :func:`publish_counts`).

Perceived means (:func:`perturb_answer_sums`) come from perturbed sums: the answer count gets
the table's noise, and the weighted sum of answers is moved as if by a fraction of one more
answer (at most :data:`MEAN_NOISE` on the 0..1 scale, spread over the published answers), so
the mean of a small group cannot be recovered from the means of two group sets either.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from geo.privacy._keys import KEY_MODULUS

__all__ = [
    "MEAN_NOISE",
    "NOISE_BOUND",
    "PTABLE",
    "PerturbationTable",
    "key_fraction",
    "perturb_answer_sums",
    "publish_counts",
]

_CHUNK = 1 << 16
"""Keys read at a time when a table's steps are found."""
_MIX = 741_457
"""Multiplier (coprime to the prime ``M``) that turns a cell key into a second, scattered one
for the noise of a mean, so it does not move in step with the noise of the count."""


@dataclass(frozen=True)
class PerturbationTable:
    """Noise values and their probabilities, read by cell key.

    Attributes
    ----------
    values
        Noise values, ascending, symmetric around 0 (whole numbers).
    probabilities
        One per value; symmetric, summing to 1.

    Examples
    --------
    >>> table = PerturbationTable((-1, 0, 1), (0.25, 0.5, 0.25))
    >>> table.noise(np.array([0, KEY_MODULUS // 2, KEY_MODULUS - 1])).tolist()
    [-1, 0, 1]
    """

    values: tuple[int, ...] = (-2, -1, 0, 1, 2)
    probabilities: tuple[float, ...] = (0.2, 0.2, 0.2, 0.2, 0.2)

    def __post_init__(self) -> None:
        values = np.asarray(self.values)
        p = np.asarray(self.probabilities, dtype=float)
        if values.size != p.size or values.size % 2 == 0:
            raise ValueError("a perturbation table needs an odd number of values, one p each")
        if not (np.array_equal(values, -values[::-1]) and np.allclose(p, p[::-1])):
            raise ValueError("noise values and probabilities must be symmetric around 0")
        if (p < 0).any() or not np.isclose(p.sum(), 1.0):
            raise ValueError("probabilities must be >= 0 and sum to 1")

    @property
    def bound(self) -> int:
        """Largest absolute noise."""
        return int(max(abs(v) for v in self.values))

    @property
    def variance(self) -> float:
        return float(np.dot(np.square(self.values), self.probabilities))

    def noise(self, cell_key: np.ndarray) -> np.ndarray:
        """Noise of each cell key (``int64`` in ``0..M-1``).

        The lower half of the key space is cut by cumulative probability; the upper half
        mirrors it (``d(M-1-K) = -d(K)``), so the noise sums to exactly 0 over all keys. Read
        here as a step function of the key (:attr:`_steps`): one comparison per step, where the
        definition (:meth:`_noise_of`) mirrors, compares and takes in ~12 passes (a metro view
        asks for ~160k keys four times per slider move: 3.4 -> 1.0 ms each).
        """
        key = np.asarray(cell_key, dtype=np.int64)
        starts, values = self._steps
        index = np.zeros(key.shape, dtype=np.intp)
        for start in starts.tolist():
            index += key >= start
        return values[index]

    @cached_property
    def _steps(self) -> tuple[np.ndarray, np.ndarray]:
        """The keys where the noise changes, ascending, and its value from each on (the first
        from key 0): :meth:`_noise_of` of every key, read once per table (tests compare every
        key with the definition)."""
        starts, values, last = [], [], None
        for first in range(0, KEY_MODULUS, _CHUNK):  # a chunk at a time: ~3 MB, not ~40
            keys = np.arange(first, min(first + _CHUNK, KEY_MODULUS), dtype=np.int64)
            noise = self._noise_of(keys)
            change = np.flatnonzero(np.diff(noise, prepend=noise[0] if last is None else last))
            if last is None:
                change = np.concatenate(([0], change))
            starts += keys[change].tolist()
            values += noise[change].tolist()
            last = noise[-1]
        return np.asarray(starts[1:], dtype=np.int64), np.asarray(values, dtype=np.int64)

    def _noise_of(self, cell_key: np.ndarray) -> np.ndarray:
        """The noise as defined: see :meth:`noise`."""
        key = np.asarray(cell_key, dtype=np.int64)
        half = (KEY_MODULUS - 1) // 2  # M is odd: the middle key alone maps to 0
        mirrored = key > half
        low = np.where(mirrored, KEY_MODULUS - 1 - key, key)
        # Noise index as a function of the position in [0, M): thresholds by cumulative p.
        edges = np.cumsum(self.probabilities)[:-1] * KEY_MODULUS
        # np.searchsorted(edges, low + 0.5, side="right") as one integer comparison per edge
        # (low + 0.5 >= e  <=>  low >= ceil(e - 0.5), exact in float64 below 2^52): the table
        # has a handful of edges and a view ~50k keys (4x faster)
        index = np.zeros(low.shape, dtype=np.intp)
        for edge in np.ceil(edges - 0.5).astype(np.int64):
            index += low >= edge
        middle = len(self.values) // 2
        index = np.minimum(index, middle)  # the lower half never passes the middle value
        values = np.asarray(self.values, dtype=np.int64)
        return np.where(mirrored, -values[index], values[index])


PTABLE = PerturbationTable()
"""The table every view uses: noise -2..2, each with probability 1/5 (variance 2, mean
absolute noise 1.2). Wider tables protect more against differencing but blur small counts;
this one keeps the mean absolute error of a shown count near 1."""

NOISE_BOUND = PTABLE.bound
"""Largest change of a published count, stated on every view and export: ±2."""

MEAN_NOISE = 1.0
"""Largest move of a weighted sum of answers, in answers' worth on the 0..1 insecurity scale:
a cell's perceived mean moves by at most ``MEAN_NOISE / n`` for ``n`` published answers (0.2
at 5 answers, 0.05 at 20) — as if one answer more or less. Measured on the sample city, half
an answer let an attacker name a lone respondent's answer level from two group sets 53 % of the
time (39 % blind); one answer brings that to the blind guess."""


def key_fraction(cell_key: np.ndarray, mix: bool = False) -> np.ndarray:
    """A cell key as a fraction in ``[0, 1)``; ``mix`` scatters it first (a second stream)."""
    key = np.asarray(cell_key, dtype=np.int64)
    if mix:
        key = (key * _MIX + 1) % KEY_MODULUS
    return key / KEY_MODULUS


def _reflect(values: np.ndarray) -> np.ndarray:
    """Fold values back into [0, 1] at its ends. Clipping would pile noisy means on 0 and 1
    exactly, and a mean of exactly 0 says every answer was 0; a fold keeps them spread."""
    folded = np.abs(values)
    return np.where(folded > 1.0, 2.0 - folded, folded)


def publish_counts(
    counts: np.ndarray, cell_key: np.ndarray, k: int, table: PerturbationTable = PTABLE
) -> tuple[np.ndarray, np.ndarray]:
    """Published counts and the cells the k floor must hide.

    Parameters
    ----------
    counts
        Exact counts (aoristic, so possibly fractional), ``>= 0``.
    cell_key
        Cell key of each count (:func:`geo.privacy.cell_keys` of its key sum).
    k
        The threshold.
    table
        Perturbation table.

    Returns
    -------
    (published, hidden)
        ``published`` is ``round(n) + d(K)``, never below 1 for a non-empty cell and 0 for an
        empty one; ``hidden`` marks cells whose exact *or* published count is between 0 and
        ``k`` (exclusive): the floor holds on both, so noise never shows a small cell.

    Examples
    --------
    >>> published, hidden = publish_counts(np.array([0.0, 3.0, 40.0]), np.array([7, 7, 7]), 5)
    >>> published.tolist(), hidden.tolist()
    ([0.0, 1.0, 38.0], [False, True, False])
    """
    n = np.asarray(counts, dtype=float)
    whole = np.rint(n) + table.noise(cell_key)
    published = np.where(n > 0, np.maximum(whole, 1.0), 0.0)
    hidden = (n > 0) & ((n < k) | (published < k))
    return published, hidden


def perturb_answer_sums(
    sums: dict[str, np.ndarray],
    cell_key: np.ndarray,
    k: int,
    table: PerturbationTable = PTABLE,
    mean_noise: float = MEAN_NOISE,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Perturbed perception sums (``n``, ``sw``, ``sw2``, ``swx``, ``swx2``) and the hidden cells.

    The count gets the table's noise (:func:`publish_counts`); the weights are scaled with it,
    so the effective size follows the published count; the mean moves by
    ``mean_noise * (2u - 1) / n'`` (``u`` a second uniform drawn from the same cell key),
    folded back into [0, 1] at its ends; the within-cell variance grows by that noise's
    variance times the effective size, so the interval derived from these sums covers the
    noise too. Σw and Σw² are rounded (to 0.1 and 0.01): weights are survey decimals, and an
    exact ratio Σw / n' would tell which ``n`` near ``n'`` makes Σw a sum of such decimals.

    Returns
    -------
    (sums, hidden)
        The perturbed sums, from which means, intervals and smoothed values are derived, and
        the cells the k floor must hide.
    """
    n = np.asarray(sums["n"], dtype=float)
    sw = np.asarray(sums["sw"], dtype=float)
    published, hidden = publish_counts(n, cell_key, k, table)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(n > 0, published / n, 0.0)
        mean = np.where(sw > 0, sums["swx"] / sw, 0.0)
        spread = np.clip(np.where(sw > 0, sums["swx2"] / sw - mean**2, 0.0), 0.0, None)
        shift = mean_noise * (2 * key_fraction(cell_key, mix=True) - 1)
        moved = _reflect(mean + np.where(published > 0, shift / published, 0.0))
    sw_out = np.where(n > 0, np.maximum(np.round(ratio * sw, 1), 0.1), 0.0)
    sw2_out = np.where(n > 0, np.maximum(np.round(ratio * sums["sw2"], 2), 0.01), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # se² = s² / n_eff, so adding Var(shift / n') = mean_noise² / (3 n'²) to se² means
        # adding n_eff times it to the (population) variance of one answer.
        n_eff = np.where(sw2_out > 0, sw_out**2 / sw2_out, 0.0)
        extra = np.where(published > 0, n_eff * mean_noise**2 / (3 * published**2), 0.0)
    out = {
        "n": published,
        "sw": sw_out,
        "sw2": sw2_out,
        "swx": moved * sw_out,
        "swx2": sw_out * (spread + extra + moved**2),
    }
    return out, hidden
