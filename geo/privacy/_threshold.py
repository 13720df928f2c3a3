"""Small-cell protection before anything is shown or exported (DESIGN §6): the k-threshold.

No shown or exported cell may reveal a count of incidents, reports or answers between 1 and
k − 1 — with aoristic weighting counts are fractional, so every ``0 < count < k`` is
protected. This is the threshold rule of statistical disclosure control (Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, §5.2), applied in one of two ways:

``suppress`` (default)
    Each measure whose count is small is blanked (count and every value that depends on it
    become missing) and the cell is flagged ``suppressed_<measure>``; the cell stays.
``coarsen``
    Small cells are merged into their H3 parent, level by level, until every count is 0 or
    ≥ k or the minimum resolution (default 7) is reached; what is still small there is
    suppressed. A parent always absorbs **all** present cells beneath it — small and large
    siblings, and any finer cells kept from earlier levels — so result cells never overlap and
    every count is conserved: merged rows carry sums of the *additive* columns only (counts,
    and sums such as n, Σw, Σw·x, Σw·x²), and their ratio and rank columns are left missing for
    the caller to recompute from those sums (a mean of means would be wrong).

Either way ``published + suppressed = total`` for every count column, with the suppressed
mass reported, so a total shown elsewhere can say how much is hidden. Note that a view that
prints an exact city total beside a single suppressed cell lets anyone subtract: show totals
from published cells, or rounded.

A threshold per view is not enough on its own: two views that each pass k can be subtracted.
That is what the consistent noise of :mod:`geo.privacy._noise` is for; with it, the callers
pass the cells the noise rule hides (``hidden``) and the count columns hold published values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, get_args

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd

from geo.columns import DEFAULT_K

__all__ = [
    "DEFAULT_MIN_RESOLUTION",
    "MODES",
    "NOTICES",
    "Measure",
    "Mode",
    "Protected",
    "coarsen_cells",
    "protect",
    "suppress_columns",
]

Mode = Literal["suppress", "coarsen"]
MODES: tuple[str, ...] = get_args(Mode)

DEFAULT_MIN_RESOLUTION = 7
"""Coarsest H3 resolution ``coarsen`` merges up to (about 5 km², a neighbourhood)."""

NOTICES: MappingProxyType[str, str] = MappingProxyType(
    {
        "privacy.k_threshold": "Counts above 0 and below {k} are hidden (k = {k}).",
        "privacy.off": "Privacy threshold off: small counts are shown.",
        "privacy.noise": (
            "Counts of reports and answers carry a small random noise (at most ±{bound}) so "
            "that no one can be singled out by comparing views; the same view always shows "
            "the same numbers, and parts may not add up exactly to their totals."
        ),
        "privacy.noise_short": (
            "Counts carry a small random noise (at most ±{bound}) so that no one can be "
            "singled out by comparing views."
        ),
        "privacy.noise_public": "Counts from {sources} are already public and are exact.",
        "privacy.exact": (
            "Exact counts, without noise: internal analysis only. Comparing views can single "
            "people out; do not publish."
        ),
    }
)
"""English text of the notices every view and export prints; keys are gettext msgids."""


@dataclass(frozen=True)
class Measure:
    """A count column and the columns whose values would reveal it.

    Attributes
    ----------
    count
        Column of counts (e.g. ``incidents``, ``perceived_n``).
    values
        Columns derived from that count (rates, means, intervals, ranks, classes).
    name
        Short name for the flag ``suppressed_<name>`` and the report; defaults to ``count``.
    """

    count: str
    values: tuple[str, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if not self.count:
            raise ValueError("a measure needs a count column")
        object.__setattr__(self, "values", tuple(self.values))
        if not self.name:
            object.__setattr__(self, "name", self.count)

    @property
    def flag(self) -> str:
        """Boolean column marking cells where this measure was suppressed."""
        return f"suppressed_{self.name}"


@dataclass(frozen=True)
class Protected:
    """A protected table and the threshold that travels with it.

    Attributes
    ----------
    table
        The table to show or export (one flag column per measure; ``coarsen`` adds
        ``resolution`` and ``merged``).
    k
        The threshold; 0 means protection was off.
    mode
        ``suppress`` or ``coarsen``.
    protected
        False when ``k == 0``: say so on the view.
    suppressed
        Cells suppressed per measure name.
    suppressed_mass
        Sum of the hidden counts per count column (published + suppressed = total).
    merged
        Input cells merged into a parent (``coarsen``).
    min_resolution
        Coarsest resolution ``coarsen`` may reach (None for ``suppress``).
    """

    table: pd.DataFrame
    k: int
    mode: Mode
    protected: bool
    suppressed: Mapping[str, int] = field(default_factory=dict)
    suppressed_mass: Mapping[str, float] = field(default_factory=dict)
    merged: int = 0
    min_resolution: int | None = None

    @property
    def notice_key(self) -> str:
        """Catalogue key of the notice to print with the view or export."""
        return "privacy.k_threshold" if self.protected else "privacy.off"

    def notice(self) -> str:
        """The English notice, e.g. "Counts above 0 and below 5 are hidden (k = 5)."."""
        return NOTICES[self.notice_key].format(k=self.k, k_minus_1=self.k - 1)


def _measures(measures: Sequence[Measure] | Mapping[str, Iterable[str]]) -> tuple[Measure, ...]:
    if isinstance(measures, Mapping):
        return tuple(Measure(count, tuple(values)) for count, values in measures.items())
    return tuple(measures)


def _cells(values: pd.Series) -> np.ndarray:
    cells = [h3i.str_to_int(v) if isinstance(v, str) else int(v) for v in values]
    return np.asarray(cells, dtype=np.uint64)


def _small(frame: pd.DataFrame, column: str, k: int) -> np.ndarray:
    counts = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return (counts > 0) & (counts < k)


def _hidden(
    counts: Mapping[str, np.ndarray],
    measures: tuple[Measure, ...],
    k: int,
    also: Mapping[str, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, int], dict[str, float]]:
    """What suppression hides: a flag per measure, a mask per column, counts and masses.

    Decided on the input counts first, so one measure's blanking cannot hide another's;
    ``also`` adds cells a measure must hide whatever its count (by measure name).
    """
    suppressed: dict[str, int] = {}
    mass: dict[str, float] = {m.count: 0.0 for m in measures}
    flags = {m.name: (counts[m.count] > 0) & (counts[m.count] < k) for m in measures}
    for name, mask in (also or {}).items():
        if k > 0 and name in flags:
            flags[name] = flags[name] | np.asarray(mask, dtype=bool)
    hidden: dict[str, np.ndarray] = {}
    for m in measures:
        small = flags[m.name]
        suppressed[m.name] = int(small.sum())
        if k > 0:
            mass[m.count] = float(counts[m.count][small].sum())
        for column in (m.count, *m.values):
            hidden[column] = hidden[column] | small if column in hidden else small
    return flags, hidden, suppressed, mass


def _suppress(
    frame: pd.DataFrame, measures: tuple[Measure, ...], k: int
) -> tuple[pd.DataFrame, dict[str, int], dict[str, float]]:
    counts = {
        m.count: pd.to_numeric(frame[m.count], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan
        )
        for m in measures
    }
    flags, hidden, suppressed, mass = _hidden(counts, measures, k)
    # One assignment for all columns: a slider move runs this, and per-column pandas
    # assignment costs a copy each time.
    new = {
        c: np.where(mask, np.nan, frame[c].to_numpy(dtype=float, na_value=np.nan))
        if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
        else frame[c].mask(mask)
        for c, mask in hidden.items()
        if mask.any()
    }
    new.update({m.flag: flags[m.name] for m in measures})
    return frame.assign(**new), suppressed, mass


def suppress_columns(
    columns: Mapping[str, np.ndarray],
    measures: Sequence[Measure],
    k: int,
    *,
    hidden: Mapping[str, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, int], dict[str, float]]:
    """:func:`protect` with ``mode="suppress"`` on a dict of float arrays (one per column).

    The same rule as on a table, without pandas: a slider move runs it, and a DataFrame's
    per-column overhead would cost more than the arithmetic. Returns the new columns (every
    input column, hidden values as NaN, plus one ``suppressed_<name>`` flag per measure), the
    cells suppressed per measure and the suppressed mass per count column (of the counts as
    given: published values when they carry noise).

    ``hidden`` maps a measure name to cells to hide as well, whatever their count: with
    noise, a cell whose *exact* count is small is hidden even when its published one is not.
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    declared = tuple(measures)
    missing = sorted({c for m in declared for c in (m.count, *m.values)} - set(columns))
    if missing:
        raise KeyError(f"columns missing: {missing}; found {list(columns)}")
    flags, masks, suppressed, mass = _hidden(columns, declared, k, hidden)
    out = dict(columns)
    for column, mask in masks.items():
        if mask.any():
            out[column] = np.where(mask, np.nan, columns[column])
    out.update({m.flag: flags[m.name] for m in declared})
    return out, suppressed, mass


def _check(frame: pd.DataFrame, measures: tuple[Measure, ...], additive: tuple[str, ...]) -> None:
    needed = {"cell", *additive} | {c for m in measures for c in (m.count, *m.values)}
    missing = sorted(needed - set(frame.columns))
    if missing:
        raise KeyError(f"columns missing from the table: {missing}; found {list(frame.columns)}")
    if not measures:
        raise ValueError("declare at least one count column to protect")


def _coarsen(
    frame: pd.DataFrame,
    measures: tuple[Measure, ...],
    k: int,
    additive: tuple[str, ...],
    min_resolution: int,
) -> tuple[pd.DataFrame, int]:
    """Merge cells with a small count into parents until none is small or min_resolution."""
    sums = list(dict.fromkeys([m.count for m in measures] + list(additive)))
    current = frame.copy()
    current["cell"] = _cells(current["cell"])
    resolutions = {h3i.get_resolution(int(c)) for c in current["cell"]}
    if len(resolutions) > 1:
        raise ValueError(f"cells must share one H3 resolution, got {sorted(resolutions)}")
    if current["cell"].duplicated().any():
        raise ValueError("cells must be unique: aggregate the table first")
    resolution = resolutions.pop() if resolutions else min_resolution
    current["resolution"] = np.int8(resolution)
    current["merged"] = False
    merged_inputs = 0
    for level in range(resolution - 1, min_resolution - 1, -1):
        small = np.zeros(len(current), dtype=bool)
        for m in measures:
            small |= _small(current, m.count, k)
        if not small.any():
            break
        parent = np.asarray(
            [h3i.cell_to_parent(int(c), level) for c in current["cell"]], dtype=np.uint64
        )
        # Every present cell under a parent that takes a small cell goes with it: the parent
        # replaces them all, so no result cell overlaps another and the sums are conserved.
        absorb = np.isin(parent, parent[small])
        merged_inputs += int((absorb & ~current["merged"].to_numpy()).sum())
        grouped = current.loc[absorb, sums].groupby(parent[absorb], sort=True).sum(min_count=1)
        parents = pd.DataFrame({"cell": grouped.index.to_numpy(dtype=np.uint64)})
        for column in sums:
            parents[column] = grouped[column].to_numpy()
        parents["resolution"] = np.int8(level)
        parents["merged"] = True
        current = pd.concat([current.loc[~absorb], parents], ignore_index=True)
    # Columns not summed are unknown on merged rows (concat leaves them missing); restore dtypes.
    current["resolution"] = current["resolution"].astype(np.int8)
    current["merged"] = current["merged"].astype(bool)
    current["cell"] = current["cell"].astype(np.uint64)
    return current.reset_index(drop=True), merged_inputs


def coarsen_cells(
    table: pd.DataFrame,
    counts: Sequence[str],
    *,
    k: int,
    additive: Iterable[str] = (),
    min_resolution: int = DEFAULT_MIN_RESOLUTION,
) -> tuple[pd.DataFrame, int]:
    """The geometry of ``coarsen`` alone: cells with a small count merged into parents.

    Nothing is suppressed: the caller publishes the merged sums (with noise, from the merged
    cells' own keys) and then hides what is still small. Returns the table (``resolution`` and
    ``merged`` added; columns not in ``counts`` or ``additive`` missing on merged rows) and the
    number of input cells merged.
    """
    measures = tuple(Measure(c) for c in counts)
    _check(table, measures, tuple(additive))
    return _coarsen(table, measures, k, tuple(additive), min_resolution)


def protect(
    table: pd.DataFrame,
    measures: Sequence[Measure] | Mapping[str, Iterable[str]],
    *,
    k: int = DEFAULT_K,
    mode: Mode = "suppress",
    additive: Iterable[str] = (),
    min_resolution: int = DEFAULT_MIN_RESOLUTION,
) -> Protected:
    """Hide every count between 1 and k − 1, by suppression or by coarsening to parents.

    Parameters
    ----------
    table
        One row per H3 cell (``cell``: uint64 or hex string, one resolution, unique).
    measures
        The count columns and the value columns that depend on each: a sequence of
        :class:`Measure`, or a mapping ``{count_column: [value columns]}``.
    k
        Threshold (default :data:`geo.columns.DEFAULT_K`); 0 switches protection off and the
        result says ``protected=False``.
    mode
        ``"suppress"`` or ``"coarsen"`` (see module notes).
    additive
        ``coarsen`` only: further columns that are sums and may be added when cells merge
        (e.g. ``perceived_sw``, ``perceived_swx``, ``perceived_swx2``). Count columns are always
        additive. Every other column is missing on merged rows: recompute ratios from the sums.
    min_resolution
        ``coarsen`` only: the coarsest resolution to merge up to.

    Returns
    -------
    Protected
        The protected table with the threshold, mode and what was hidden.

    Raises
    ------
    KeyError
        When a declared column is missing.
    ValueError
        For a negative k, an unknown mode, mixed resolutions or repeated cells in ``coarsen``.

    Examples
    --------
    >>> t = pd.DataFrame({"cell": [0x89283082803FFFF, 0x89283082807FFFF], "incidents": [3, 7]})
    >>> p = protect(t, {"incidents": []}, k=5)
    >>> p.table["incidents"].tolist(), p.suppressed["incidents"], p.notice()
    ([nan, 7.0], 1, 'Counts above 0 and below 5 are hidden (k = 5).')
    """
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if not 0 <= min_resolution <= 15:
        raise ValueError(f"min_resolution must be an H3 resolution 0..15, got {min_resolution}")
    declared = _measures(measures)
    extra = tuple(additive)
    _check(table, declared, extra)
    frame = table
    merged = 0
    if mode == "coarsen" and k > 0:
        frame, merged = _coarsen(table, declared, k, extra, min_resolution)
    elif mode == "coarsen":
        frame = table.assign(cell=_cells(table["cell"]), merged=False)
        frame["resolution"] = [np.int8(h3i.get_resolution(int(c))) for c in frame["cell"]]
    out, suppressed, mass = _suppress(frame, declared, k)
    return Protected(
        table=out,
        k=int(k),
        mode=mode,
        protected=k > 0,
        suppressed=MappingProxyType(suppressed),
        suppressed_mass=MappingProxyType(mass),
        merged=merged,
        min_resolution=min_resolution if mode == "coarsen" else None,
    )
