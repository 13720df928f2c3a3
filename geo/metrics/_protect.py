"""The protect step of a query: exact per-cell sums in, the published table out (DESIGN §6).

In order: coarsen the geometry on exact counts (``coarsen`` mode), publish every count with the
cell-key noise of the records it holds (:func:`geo.privacy.publish_view`), derive rates and
perceived statistics *from the published values*, then hide what the k floor hides — a cell
whose exact or published count is small, and every source of a cell where one source is hidden.
Kept apart from :mod:`geo.metrics._atlas` so the Atlas stays about data, and this about rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from geo.i18n import t
from geo.metrics._query import Query
from geo.privacy import (
    ANSWER_KEY,
    DEFAULT_MIN_RESOLUTION,
    Measure,
    NoiseSettings,
    coarsen_cells,
    key_column,
    publish_view,
    suppress_columns,
)
from geo.schema import DAYPART_HOURS
from geo.timewin import HourWindow

PERCEIVED_VALUES = (
    "perceived",
    "perceived_eb",
    "perceived_lo",
    "perceived_hi",
    "perceived_var",
    "perceived_se",
    "perceived_sw",
    "perceived_neff",
    "perceived_shrinkage",
)
"""Everything derived from a cell's answers: hidden with its count when 0 < n < k."""
SUMS = ("n", "sw", "sw2", "swx", "swx2")
"""Additive perception sums: needed to coarsen, never published (they would reveal n)."""
RECORDED_VALUES = ("incidents_per_night", "incidents_per_km2")
VENUE_COUNTS = ("venues", "venues_open", "venues_closed", "venues_unknown")
_DAYPART_WINDOWS = {name: HourWindow(*hours) for name, hours in DAYPART_HOURS.items()}

Derive = Callable[[dict[str, np.ndarray], Query], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Hidden:
    """What the protect step hid: cells per measure, their published mass, cells merged."""

    suppressed: dict[str, int]
    mass: dict[str, float]
    merged: int = 0


def codes_of(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their labels (categoricals as they are, other columns factorised)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy(), [str(c) for c in values.cat.categories]
    codes, labels = pd.factorize(values.astype("string").fillna(""))
    return codes, [str(x) for x in labels]


@dataclass(frozen=True)
class PerceptionIndex:
    """A perception table's time and group columns as integer codes, read once: a slider
    move filters the same (cube) table again, and reading pandas' nullable and categorical
    columns each time cost more than the filter."""

    hour: np.ndarray
    """Clock hour of each row, -1 when only a daypart is known."""
    daypart: np.ndarray
    dayparts: list[str]
    group: np.ndarray
    groups: list[str]
    answered: np.ndarray | None
    """Day each answer was given (days since 1970; a cube's ``answered``), when known."""

    @classmethod
    def of(cls, table: pd.DataFrame) -> PerceptionIndex:
        daypart, dayparts = codes_of(table["daypart"])
        group, groups = codes_of(table["group"])
        answered = (table["answered"].to_numpy(dtype=np.int64) if "answered" in table
                    else None)
        return cls(table["hour"].to_numpy(dtype=np.int16, na_value=-1), daypart, dayparts,
                   group, groups, answered)

    def keep(self, query: Query) -> np.ndarray:
        """Rows the query keeps."""
        keep = np.ones(self.hour.size, dtype=bool)
        if query.hours is not None:
            timed = self.hour >= 0
            in_window = query.hours.hour_table()[np.where(timed, self.hour, 0)]
            overlaps = np.array(
                [
                    name == "any"
                    or (name in _DAYPART_WINDOWS and query.hours.overlaps(_DAYPART_WINDOWS[name]))
                    for name in self.dayparts
                ]
                + [False],
                dtype=bool,
            )
            keep &= np.where(timed, in_window, overlaps[self.daypart])
        if query.groups is not None:
            chosen = np.array([g.lower() in query.groups for g in self.groups] + [False],
                              dtype=bool)
            keep &= chosen[self.group]
        return keep


def perception_filter(table: pd.DataFrame, query: Query) -> np.ndarray:
    """Rows of a perception table (cube or raw answers) a query keeps."""
    return PerceptionIndex.of(table).keep(query)


def protect_bins(values: np.ndarray, k: int, hidden: np.ndarray | None = None) -> np.ndarray:
    """Hide bins between 0 and k (and ``hidden`` ones), and never exactly one: a cell's shown
    total minus its shown bins would give a single hidden bar back, so the smallest other bin
    is hidden with it.
    """
    if k <= 0:
        return values
    small = (values > 0) & (values < k)
    if hidden is not None:
        small |= hidden
    if small.sum() == 1:
        others = np.where(~small & (values > 0), values, np.inf)
        if np.isfinite(others.min()):
            small[int(np.argmin(others))] = True
    return np.where(small, np.nan, values)


def _hide_source_differences(table: dict[str, np.ndarray], sources: Sequence[str]) -> None:
    """Where one source's count is hidden, hide every source's count of that cell (in place).

    Otherwise a hidden app count would be the shown total minus the shown police count.
    """
    flags = [table[f"suppressed_incidents_{s}"] for s in sources]
    if not flags:
        return
    any_hidden = np.logical_or.reduce(flags)
    if not any_hidden.any():
        return
    for source in sources:
        table[f"incidents_{source}"] = np.where(any_hidden, np.nan, table[f"incidents_{source}"])
        table[f"suppressed_incidents_{source}"] = any_hidden.copy()


def _coarsened(
    table: dict[str, np.ndarray], query: Query, sources: Sequence[str]
) -> tuple[dict[str, np.ndarray], int]:
    """Cells merged into parents on their exact counts; every sum and key sum merges too."""
    size = table["cell"].size
    if query.k == 0:  # nothing merges, but say so as coarsen does
        return {**table, "merged": np.zeros(size, dtype=bool),
                "resolution": np.full(size, query.resolution, np.int8)}, 0
    names = [f"incidents_{s}" for s in sources]
    additive = (*names, *(key_column(c) for c in names), *SUMS, ANSWER_KEY, *VENUE_COUNTS)
    frame, merged = coarsen_cells(
        pd.DataFrame(table), ["incidents", "n"], k=query.k,
        additive=[c for c in additive if c in table], min_resolution=DEFAULT_MIN_RESOLUTION,
    )
    return {c: frame[c].to_numpy() for c in frame.columns}, merged


def protect_view(
    table: dict[str, np.ndarray],
    query: Query,
    sources: Sequence[str],
    settings: NoiseSettings,
    derive: Derive,
) -> tuple[dict[str, np.ndarray], Hidden]:
    """Publish and protect one view's per-cell table (a dict of arrays, exact sums).

    Parameters
    ----------
    table
        ``cell``, the exact ``incidents`` total, ``incidents_<source>`` and their key sums,
        the perception sums with their key sum, venue counts.
    query
        The view (its k and mode).
    sources
        Incident sources.
    settings
        The build's noise settings.
    derive
        Rates and perceived statistics from (published) sums.

    Returns
    -------
    (table, hidden)
        The published table (sums and keys dropped, one ``suppressed_<name>`` flag per
        measure) and what was hidden.
    """
    merged = 0
    if query.mode == "coarsen":
        table, merged = _coarsened(table, query, sources)
    table, masks = publish_view(table, sources, query.k, settings)
    table = derive(table, query)
    measures = [
        Measure("incidents", RECORDED_VALUES, "incidents"),
        Measure("perceived_n", PERCEIVED_VALUES + SUMS, "perceived"),
    ]
    table, suppressed, mass = suppress_columns(table, measures, query.k, hidden=masks)
    table, by_source, _ = suppress_columns(
        table, [Measure(f"incidents_{s}") for s in sources], query.k, hidden=masks
    )
    _hide_source_differences(table, sources)
    for name in SUMS:
        table.pop(name, None)
    table["perceived_ok"] = (
        np.asarray(table["perceived_ok"], dtype=bool) & ~table["suppressed_perceived"]
    )
    return table, Hidden({**suppressed, **by_source}, mass, merged)


def _source_name(source: str, lang: str) -> str:
    text = t(f"source.{source}", lang)
    return source if text == f"source.{source}" else text


def privacy_notes(summary: Mapping[str, Any], lang: str = "en", short: bool = False) -> list[str]:
    """The privacy sentences a view or export prints, in ``lang``.

    The k floor (or that it is off), then the noise with its bound (or that the counts are
    exact, internal analysis only) and which sources are public and so exact. ``short`` gives
    the one-line noise sentence a legend or a presentation footer has room for.
    """
    k = int(summary.get("k", 0))
    notes = [t("privacy.k_threshold", lang, k=k) if k else t("privacy.off", lang)]
    if summary.get("perturbed"):
        key = "privacy.noise_short" if short else "privacy.noise"
        notes.append(t(key, lang, bound=summary.get("noise_bound", 0)))
        public = summary.get("exact_sources") or []
        if public:
            names = ", ".join(_source_name(s, lang) for s in public)
            notes.append(t("privacy.noise_public", lang, sources=names))
    else:
        notes.append(t("privacy.exact", lang))
    return notes
