"""One incident cube from several built over disjoint rows: the reduce step of a partitioned build.

Every measure of an :class:`~geo.cube.IncidentCube` is additive and its metadata combine simply
(rows and untimed counts add, the night range is the min/max), so the cube of a whole table is the
combination of the cubes of its parts (DESIGN §4, §8). That is what lets Dask count each partition
where it lies and ship only compact partial cubes.

The keys are packed into one int64 per row exactly as :func:`~geo.cube._aggregate.group_sum`
packs them, so the result sorts like a one-pass build. But where ``group_sum`` factorises through
a hash table, here the parts are each sorted already and a stable sort merges them: the final
combine of a 20M-incident build handles ~8M rows, and the hash table alone would double its peak.

Counts are float sums: adding partial sums is the same arithmetic in another order, so they equal
the one-pass counts to the last few bits (about 1e-15 relative), not bit for bit. Key sums are
integers and equal the one-pass sums exactly, so the noise of every view is the same however
the build was partitioned.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from geo.columns import CATEGORIES
from geo.cube._incidents import IncidentCube, source_categories
from geo.timewin import HOURS_OF_WEEK


def _check_same_settings(cubes: Sequence[IncidentCube]) -> None:
    first = cubes[0]
    for other in cubes[1:]:
        same = (
            other.resolution == first.resolution
            and other.day_boundary == first.day_boundary
            and other.settings == first.settings
        )
        if not same:
            raise ValueError(
                "cubes built with different settings cannot be combined: "
                f"{first.settings} vs {other.settings}"
            )


def _packed(
    table: pd.DataFrame, cells: np.ndarray, sources: list[str], nights: np.ndarray
) -> np.ndarray:
    """One int64 per row: (cell position, how + 1, category code, source code, night
    position), mixed radix.

    The packed order is the lexicographic order of the keys, as in
    :func:`~geo.cube._aggregate.group_sum`, so the combined table sorts like a one-pass build.
    """
    cell = np.searchsorted(cells, table["cell"].to_numpy(dtype=np.uint64)).astype(np.int64)
    how = table["how"].to_numpy(dtype=np.int64) + 1
    category = table["category"].cat.set_categories(list(CATEGORIES)).cat.codes.to_numpy()
    column = table["source"]
    lookup = np.append(pd.Index(sources).get_indexer(column.cat.categories), -1)
    source = lookup[column.cat.codes.to_numpy()]
    if (category < 0).any() or (source < 0).any() or (how < 0).any():
        raise ValueError("cube table has missing or unknown keys")
    night = np.searchsorted(nights, table["night"].to_numpy(dtype=np.int32)).astype(np.int64)
    packed = cell * (HOURS_OF_WEEK + 1) + how
    packed = packed * len(CATEGORIES) + category
    packed = packed * len(sources) + source
    return packed * max(nights.size, 1) + night


def combine_incident_cubes(cubes: Sequence[IncidentCube]) -> IncidentCube:
    """The cube of the union of the rows the given cubes were built from.

    Parameters
    ----------
    cubes
        Cubes built with the same settings over *disjoint* sets of incidents (a row counted in
        two of them would count twice). Their source lists may differ: the result's list is
        the union, ordered as :func:`~geo.cube._incidents.source_categories` orders it.

    Returns
    -------
    IncidentCube
        Table re-aggregated over the keys and sorted like ``build_incident_cube``'s; rows and
        untimed counts summed; first and last night the earliest and latest of the parts.

    Raises
    ------
    ValueError
        If no cube is given, or their settings differ.

    Examples
    --------
    >>> import datetime as dt
    >>> def part(count, source):
    ...     table = pd.DataFrame({"cell": pd.array([1], dtype="uint64"),
    ...                           "how": pd.array([0], dtype="int16"),
    ...                           "category": pd.Categorical(["theft"], categories=CATEGORIES),
    ...                           "source": pd.Categorical([source]),
    ...                           "night": pd.array([20094], dtype="int32"), "count": [count],
    ...                           "key": [7]})
    ...     return IncidentCube(table, 10, 6, dt.date(2025, 1, 6), dt.date(2025, 1, 6), {}, 1)
    >>> both = combine_incident_cubes([part(1.0, "police"), part(0.5, "police")])
    >>> both.table["count"].tolist(), both.rows
    ([1.5], 2)
    """
    if not cubes:
        raise ValueError("no cube to combine")
    _check_same_settings(cubes)
    labels = pd.Series(
        [str(s) for cube in cubes for s in cube.table["source"].cat.categories], dtype=object
    )
    sources = source_categories(labels)
    cells = np.unique(np.concatenate(
        [np.unique(c.table["cell"].to_numpy(dtype=np.uint64)) for c in cubes]
    ))
    nights = np.unique(np.concatenate(
        [np.unique(c.table["night"].to_numpy(dtype=np.int32)) for c in cubes]
    ))
    # Each table is sorted already, so a stable sort (timsort) merges the runs cheaply; no
    # hash table. Columns are gathered into sorted order one at a time, and sums made only
    # where keys repeat, so the peak is the parts plus about five arrays of the combined length
    # (a 20M-incident cube has ~20M rows: keys hold the night).
    packed = np.concatenate([_packed(c.table, cells, sources, nights) for c in cubes])
    order = np.argsort(packed, kind="stable")
    packed = packed[order]
    counts = np.concatenate([c.table["count"].to_numpy(dtype=np.float64) for c in cubes])[order]
    record_keys = np.concatenate([c.table["key"].to_numpy(dtype=np.int64) for c in cubes])[order]
    del order
    starts = np.flatnonzero(np.r_[True, packed[1:] != packed[:-1]]) if packed.size else packed
    if starts.size < packed.size:  # some keys repeat across parts: sum them
        counts = np.add.reduceat(counts, starts)
        record_keys = np.add.reduceat(record_keys, starts)
        packed = packed[starts]
    del starts
    columns = {}
    for name, size, dtype in (("night", max(nights.size, 1), np.int32),
                              ("source", len(sources), np.int8),
                              ("category", len(CATEGORIES), np.int8),
                              ("how", HOURS_OF_WEEK + 1, np.int16)):
        packed, part = np.divmod(packed, size)
        columns[name] = part.astype(dtype)
        del part
    table = pd.DataFrame(
        {
            "cell": cells[packed],
            "how": columns.pop("how") - 1,
            "category": pd.Categorical.from_codes(columns.pop("category"),
                                                  categories=list(CATEGORIES)),
            "source": pd.Categorical.from_codes(columns.pop("source"), categories=sources),
            "night": nights[columns["night"]] if nights.size else columns["night"],
            "count": counts,
            "key": record_keys,
        }
    )
    del packed, counts, record_keys, columns
    firsts = [c.first_night for c in cubes if c.first_night is not None]
    lasts = [c.last_night for c in cubes if c.last_night is not None]
    reasons = dict.fromkeys(r for c in cubes for r in c.untimed_by_precision)
    untimed = {r: sum(c.untimed_by_precision.get(r, 0) for c in cubes) for r in reasons}
    first = cubes[0]
    return IncidentCube(
        table=table,
        resolution=first.resolution,
        day_boundary=first.day_boundary,
        first_night=min(firsts) if firsts else None,
        last_night=max(lasts) if lasts else None,
        untimed_by_precision=untimed,
        rows=sum(c.rows for c in cubes),
        settings=dict(first.settings),
    )
