"""Publishing a view: exact per-cell sums in, the values a view may show out (cell-key method).

Which counts carry noise is a setting of the city project (:class:`NoiseSettings`): every
incident source and the survey answers do, unless the project marks a source as already public
at point level (police.uk, Chicago's open data). A published source is shown exactly; the
protected part of a total carries the noise of the protected records' own cell key, so a cell
whose only protected source is ``app`` shows the same noisy app count in its total and in its
``incidents_app`` column (same records, same key, same noise): nothing to average.

Noise is off only for internal analysis: ``k = 0`` (no protection at all), or ``exact=True``, a
setting the public serve never passes. Every view says which it is (:data:`NOTICES` keys
``privacy.noise`` / ``privacy.exact``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from geo._rows import row_sums
from geo.privacy._keys import Salt, cell_keys, salt_fingerprint
from geo.privacy._noise import (
    MEAN_NOISE,
    PTABLE,
    PerturbationTable,
    perturb_answer_sums,
    publish_counts,
)

__all__ = [
    "ANSWER_KEY",
    "NoiseSettings",
    "key_column",
    "publish_recorded",
    "publish_view",
]

ANSWER_KEY = "key_n"
"""Column of the answers' key sums beside the perception sums (``n``, ``sw``, ...)."""

ANSWER_SUMS = ("n", "sw", "sw2", "swx", "swx2")


def key_column(count: str) -> str:
    """Name of the key-sum column that travels with a count column (``key_incidents_app``)."""
    return f"key_{count}"


@dataclass(frozen=True)
class NoiseSettings:
    """The protection settings of one build (what the city project's privacy section sets).

    Attributes
    ----------
    published_sources
        Incident sources already public at point level: shown exactly. Default none, so every
        source carries noise. A comma-separated string is read as names.
    exact
        No noise at any k: internal analysis only (the public serve never sets it).
    key_salt
        Secret salt of the record keys (default: the sample city's public one).
    table
        The perturbation table.
    mean_noise
        Largest move of a weighted sum of answers, in answers (see :mod:`geo.privacy._noise`).
    """

    published_sources: frozenset[str] | str = frozenset()
    exact: bool = False
    key_salt: Salt | None = field(default=None, repr=False)
    table: PerturbationTable = PTABLE
    mean_noise: float = MEAN_NOISE

    def __post_init__(self) -> None:
        sources = self.published_sources
        if isinstance(sources, str):
            sources = [s for s in sources.split(",") if s.strip()]
        object.__setattr__(
            self, "published_sources", frozenset(str(s).strip().lower() for s in sources)
        )
        if not 0 <= self.mean_noise <= 1:
            raise ValueError(f"mean_noise must be in [0, 1], got {self.mean_noise}")
        salt_fingerprint(self.key_salt)  # a bad salt fails here, not at the first query

    @property
    def salt_id(self) -> str:
        """Public fingerprint of the salt (stored with the cubes)."""
        return salt_fingerprint(self.key_salt)

    def on(self, k: int) -> bool:
        """Whether a view with threshold ``k`` carries noise."""
        return not self.exact and k > 0


def publish_recorded(
    counts: np.ndarray,
    keys: np.ndarray,
    sources: Sequence[str],
    k: int,
    settings: NoiseSettings,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Published incident counts per row (cell, or hour of a cell) and per source.

    Parameters
    ----------
    counts, keys
        Exact counts and key sums, shape ``(rows, len(sources))``.
    sources
        Source names, in column order.
    k, settings
        The view's threshold and the build's settings.

    Returns
    -------
    (total, per_source, total_hidden, per_source_hidden)
        Published totals ``(rows,)`` and per-source counts ``(rows, sources)``, and the cells
        the floor must hide because their exact count is small (with noise on; without, the
        published values are the exact ones and the floor sees them directly).
    """
    counts = np.asarray(counts, dtype=float)
    if counts.ndim != 2 or counts.shape[1] != len(sources):
        raise ValueError(f"counts must be (rows, {len(sources)} sources), got {counts.shape}")
    exact_total = row_sums(counts)
    if not settings.on(k):
        return exact_total, counts, np.zeros(len(counts), bool), np.zeros(counts.shape, bool)
    keys = np.asarray(keys, dtype=float).reshape(counts.shape)
    public = np.array([s in settings.published_sources for s in sources], dtype=bool)
    per_source = counts.copy()
    hidden = (counts > 0) & (counts < k)
    for j in np.flatnonzero(~public):
        per_source[:, j], hidden[:, j] = _publish_nonzero(counts[:, j], keys[:, j], k, settings)
    part, _ = _publish_nonzero(
        row_sums(counts[:, ~public]), row_sums(keys[:, ~public]), k, settings
    )
    total = row_sums(counts[:, public]) + part
    total_hidden = (exact_total > 0) & ((exact_total < k) | (total < k))
    return total, per_source, total_hidden, hidden


def _publish_nonzero(
    counts: np.ndarray, key_sums: np.ndarray, k: int, settings: NoiseSettings
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`publish_counts` of the non-empty rows only, spread back: an empty row publishes 0
    and hides nothing whatever its key, and a narrow window leaves most cells of a res-10 grid
    empty for a source (the same values, a fraction of the work)."""
    rows = np.flatnonzero(counts > 0)
    published, hidden = np.zeros(counts.size), np.zeros(counts.size, dtype=bool)
    published[rows], hidden[rows] = publish_counts(
        counts[rows], cell_keys(key_sums[rows]), k, settings.table
    )
    return published, hidden


def publish_view(
    columns: Mapping[str, np.ndarray], sources: Sequence[str], k: int, settings: NoiseSettings
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The per-cell columns of a view with published counts, and the cells to hide.

    Parameters
    ----------
    columns
        Exact sums per cell: ``incidents_<source>`` with ``key_incidents_<source>`` for each
        source, and the perception sums ``n, sw, sw2, swx, swx2`` with :data:`ANSWER_KEY`.
        Other columns (cell, venues, ...) pass through.
    sources
        The incident sources.
    k, settings
        The view's threshold and the build's settings.

    Returns
    -------
    (columns, hidden)
        ``incidents`` (the published total) and each ``incidents_<source>`` published, the
        perception sums perturbed, key columns dropped; ``hidden`` maps measure names
        (``incidents``, ``incidents_<source>``, ``perceived``) to the cells to hide.
    """
    names = [f"incidents_{s}" for s in sources]
    size = len(columns["cell"])
    counts = np.column_stack([columns[c] for c in names]) if names else np.zeros((size, 0))
    keys = np.column_stack([columns[key_column(c)] for c in names]) if names else counts
    total, per_source, total_hidden, hidden = publish_recorded(counts, keys, sources, k, settings)
    drop = {key_column(c) for c in names} | {ANSWER_KEY}
    out = {c: v for c, v in columns.items() if c not in drop}
    out["incidents"] = total
    masks = {"incidents": total_hidden}
    for j, name in enumerate(names):
        out[name] = per_source[:, j]
        masks[name] = hidden[:, j]
    if ANSWER_KEY in columns and settings.on(k):
        # Cells without answers publish zeros and hide nothing: perturb the others only (a
        # res-10 view has ~50k cells and a survey a few thousand answered ones).
        rows = np.flatnonzero(np.asarray(columns["n"]) > 0)
        sums, hidden_rows = perturb_answer_sums(
            {c: np.asarray(columns[c], dtype=float)[rows] for c in ANSWER_SUMS},
            cell_keys(np.asarray(columns[ANSWER_KEY])[rows]),
            k,
            settings.table,
            settings.mean_noise,
        )
        for name, values in sums.items():
            out[name] = np.zeros(size)
            out[name][rows] = values
        masks["perceived"] = np.zeros(size, dtype=bool)
        masks["perceived"][rows] = hidden_rows
    return out, masks
