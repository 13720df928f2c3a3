"""One cell's detail (its panel): incidents by clock hour and answers by insecurity level.

Each bar is published as a view of its own (noise of its records' cell key, the k floor), and
bars are protected in groups, so that no subtraction between a cell's bars and the map's value
isolates a hidden one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.index import cells_of, parents_of
from geo.metrics._protect import perception_filter, protect_bins
from geo.metrics._query import Query
from geo.metrics._recorded import dated
from geo.metrics._when import answered_mask, clock_hours, query_night_hours
from geo.privacy import publish_counts, publish_recorded

if TYPE_CHECKING:
    from geo.metrics._atlas import Atlas


def cell_hours(atlas: Atlas, cell: int, query: Query) -> np.ndarray:
    """Incidents of one cell by clock hour (24 values) for the query's other filters.

    Each bar is published as a view of its own (the noise of its records' cell key, the
    k floor); hidden bars are NaN: a cell's hourly bars must not reveal what its
    protected total hides.
    """
    codes = atlas.incident_cube.codes(query.resolution, dated=dated(query))
    pos = int(np.searchsorted(codes.cells, np.uint64(cell)))
    if pos >= codes.cells.size or codes.cells[pos] != np.uint64(cell):
        return np.zeros(24)
    cats = sorted(query.categories) if query.categories is not None else None
    srcs = sorted(query.sources & set(codes.sources)) if query.sources is not None else None
    keep = codes.mask(None, query.weekdays, cats, srcs, include_untimed=False,
                      date_from=query.date_from, date_to=query.date_to,
                      night_hours=query_night_hours(atlas, query))
    keep &= codes.cell == pos
    n = max(len(codes.sources), 1)
    slot = (codes.how[keep] % 24).astype(np.int64) * n + codes.source[keep]
    counts = np.bincount(slot, weights=codes.count[keep], minlength=24 * n).reshape(24, n)
    keys = np.bincount(slot, weights=codes.key[keep], minlength=24 * n).reshape(24, n)
    hours, _, hidden, _ = publish_recorded(counts, keys, codes.sources, query.k, atlas.noise)
    # The published total covers the window: protect the window's bars as one group
    # (and the other hours as another), so no subtraction isolates a hidden bar.
    inside = np.zeros(24, dtype=bool)
    window = clock_hours(atlas, query)
    inside[list(window.hours) if window is not None else slice(None)] = True
    out = hours.copy()
    for group in (inside, ~inside):
        if group.any():
            out[group] = protect_bins(hours[group], query.k, hidden[group])
    return out


def cell_answers(atlas: Atlas, cell: int, query: Query, levels: int = 4) -> np.ndarray:
    """Answers of one cell by insecurity level (``levels`` equal bins of 0..1), published
    with the noise of each bin's answers and k-protected."""
    if not len(atlas.perceptions):
        return np.zeros(levels)
    if query.resolution not in atlas._answer_cells:  # as the cube places them (DESIGN §4)
        answers = atlas.perceptions
        finest = cells_of(answers["lat"].to_numpy(), answers["lon"].to_numpy())
        atlas._answer_cells[query.resolution] = parents_of(finest, query.resolution)
    inside = atlas._answer_cells[query.resolution] == np.uint64(cell)
    frame = atlas.perceptions.loc[inside]
    keep = perception_filter(frame, query.with_(hours=clock_hours(atlas, query), sun=None))
    if "answered_at" in frame.columns:
        days = pd.to_datetime(frame["answered_at"]).to_numpy(dtype="datetime64[D]")
        keep &= answered_mask(days.astype(np.int64), query) & ~np.isnat(days)
    elif query.answered_from is not None or query.answered_to is not None:
        keep &= False
    x = frame["insecurity"].to_numpy(dtype=float)[keep]
    level = np.minimum((x * levels).astype(int), levels - 1)
    counts = np.bincount(level, minlength=levels).astype(float)
    if not atlas.noise.on(query.k):
        return protect_bins(counts, query.k)
    keys = np.bincount(level, weights=atlas._answer_keys[inside][keep], minlength=levels)
    published, hidden = publish_counts(counts, keys, query.k, atlas.noise.table)
    return protect_bins(published, query.k, hidden)
