"""The recorded side of a query: exact counts and record-key sums per (cell, source).

The hot path of every view (a slider move, a date range, each half of a period comparison):
filter the cube's codes, then one ``np.bincount`` per measure. Kept apart from the Atlas so
the steps that decide how fast a view answers read in one place. A date range goes through
:meth:`~geo.cube.CubeCodes.select`, which looks only at the range's nights (one slice of the
night-ordered codes); rows stay in storage order, so every sum runs in the same order as over a
full mask and totals stay identical.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from geo.metrics._query import Query
from geo.metrics._when import query_night_hours

if TYPE_CHECKING:
    from geo.metrics._atlas import Atlas


def dated(query: Query) -> bool:
    """Whether a query needs the cube's night dates (a date range or a sun window)."""
    return query.dated or query.sun is not None


def recorded_sums(atlas: Atlas, query: Query) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Exact counts and key sums per (cell, source) of a view, and what it left out.

    Returns
    -------
    (counts, keys, left_out_untimed, left_out_location)
        Two ``(cells, sources)`` arrays over the codes' cells at the query's resolution; the
        weighted count of rows without a usable hour that an hour window or date range leaves
        out; and that of sources located too coarsely for this resolution, left out too.
    """
    codes = atlas.incident_cube.codes(query.resolution, dated=dated(query))
    cats = sorted(query.categories) if query.categories is not None else None
    srcs = sorted(query.sources & set(codes.sources)) if query.sources is not None else None
    rows = codes.select(query.hours, query.weekdays, cats, srcs, date_from=query.date_from,
                        date_to=query.date_to, night_hours=query_night_hours(atlas, query))
    too_coarse = [i for i, name in enumerate(codes.sources)
                  if atlas.location_limits.get(name, query.resolution) < query.resolution]
    left_out_location = 0.0
    if too_coarse:
        coarse = np.isin(rows.of(codes.source), too_coarse)
        left_out_location = float(rows.of(codes.count)[coarse].sum())
        rows = rows.without(coarse)
    counts, keys = codes.per_cell_source(rows)
    left_out = codes.untimed_count(cats, srcs) if query.timed else 0.0
    return counts, keys, left_out, left_out_location
