"""One colour scale for a series of views: a night played hour by hour, scenes through periods.

Class breaks computed per view make each map legible alone but break comparison: playing
22:00-04:00 hour by hour gave breaks 0.05-9.66 for the whole window and 0.05-1.81 at 01:00, so
the darkest colour meant five times less at 01:00 than at 23:00 and a cell could "cool down"
while its value rose. A played night, or a run of scenes that differ only by their dates, is
one comparison: its breaks come once from the values of all its views pooled (each value of
each hour counts once, as if the hours were one map), and every view of it keeps them and the
legend that goes with them. The pooled values are the published ones (each view through the
Atlas query path and its k floor), so the breaks reveal nothing a view would not show.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from geo.classes import Classes, classify
from geo.metrics import QueryResult

SCALED_LAYERS: tuple[str, ...] = ("recorded", "perceived")
"""Layers whose classes come from the data (gap and bivariate classes are fixed already)."""
PALETTES = {"recorded": "viridis", "perceived": "magma"}


def shown_values(result: QueryResult, layer: str, metric: str) -> np.ndarray:
    """The values a layer colours in one result (what :func:`geo.app._style.style_layer`
    classifies): recorded cells with incidents, perceived cells with enough answers."""
    table = result.table
    if layer == "recorded":
        values = table[metric].to_numpy(dtype=float)
        shown = np.isfinite(values) & (table["incidents"].fillna(0).to_numpy() > 0)
        return values[shown]
    if layer == "perceived":
        values = table["perceived_eb"].to_numpy(dtype=float)
        return values[table["perceived_ok"].to_numpy(dtype=bool) & np.isfinite(values)]
    raise ValueError(f"layer {layer!r} has fixed classes; scaled layers: {SCALED_LAYERS}")


def pooled_classes(
    results: Iterable[QueryResult],
    layer: str,
    metric: str = "incidents_per_night",
    scheme: str = "quantiles",
    k_classes: int = 5,
) -> Classes:
    """Breaks of the values of every result pooled: one scale for the whole series.

    A quiet hour beside a busy one: the pooled scale reaches the busy hour's top, so the quiet
    hour's cells take the light colours instead of spreading over the whole palette.
    """
    values = [shown_values(r, layer, metric) for r in results]
    pooled = np.concatenate(values) if values else np.zeros(0)
    return classify(pooled, scheme, k_classes, PALETTES[layer])


def period_series(keys: Sequence[object], index: int) -> tuple[int, ...]:
    """The run of neighbouring items around ``index`` sharing its key (scenes that differ
    only by their dates); a single item is no series (empty tuple).

    >>> period_series(["a", "b", "b", "b", "c"], 2)
    (1, 2, 3)
    >>> period_series(["a", "b"], 0)
    ()
    """
    key = keys[index]
    if key is None:
        return ()
    lo = hi = index
    while lo > 0 and keys[lo - 1] == key:
        lo -= 1
    while hi < len(keys) - 1 and keys[hi + 1] == key:
        hi += 1
    return tuple(range(lo, hi + 1)) if hi > lo else ()
