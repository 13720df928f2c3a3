"""Pre-factorised arrays of an incident cube: the per-query fast path of the dashboard.

A slider move must answer in a few milliseconds (DESIGN §1). pandas ``groupby`` costs ~20 ms per
million rows (FACTS.md); a boolean mask from three small lookup tables plus one ``np.bincount``
costs a few. So, once per resolution, the cube table is rolled up and turned into plain NumPy
codes, and :class:`~geo.cube._code_cache.CubeIndex` keeps them for every later query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from geo.cube._aggregate import factorize_sorted
from geo.cube._selection import Selection
from geo.privacy import KEY_MODULUS
from geo.timewin import HOURS_OF_WEEK, HourWindow, how_mask

UNTIMED_SLOT = HOURS_OF_WEEK
"""Slot of ``CubeCodes.how`` for "no usable hour" (the table's ``how = -1``), so it can index."""

NO_NIGHT = int(np.iinfo(np.int32).min)
"""``night`` of the rows with no usable hour: below every date, so no date range holds them
(and of every row of codes with the date summed out)."""

_EPOCH = dt.date(1970, 1, 1)

HOUR_MAJOR = np.array([(h % 24) * 7 + h // 24 for h in range(HOURS_OF_WEEK)] + [UNTIMED_SLOT],
                      dtype=np.uint8)
"""Rank of each ``how`` slot in the order undated codes are stored: clock hour first, then the
night's weekday, untimed last. An hour window over every weekday (the slider) is then one or two
runs of rows (two when it crosses midnight), a window on some nights a few runs."""


def day_number(day: dt.date) -> int:
    """Days since 1970-01-01: how the cube stores a night's date.

    Examples
    --------
    >>> day_number(dt.date(2025, 3, 31))
    20178
    """
    return (day - _EPOCH).days


@dataclass(frozen=True)
class NightHours:
    """Which clock hours of which nights a window keeps, when that changes with the date.

    ``table[d - first, h]`` says whether hour ``h`` of the night that starts ``first + d`` days
    after 1970-01-01 is in the window (windows that follow the sun, :mod:`geo.sun`). Nights
    outside the table are left out.
    """

    first: int
    table: np.ndarray


def _frozen(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False
    return values


def _names_table(names: Iterable[str] | None, vocabulary: tuple[str, ...], what: str) -> np.ndarray:
    if names is None:
        return np.ones(len(vocabulary), dtype=bool)
    chosen = {names} if isinstance(names, str) else set(names)
    unknown = chosen - set(vocabulary)
    if unknown:
        raise ValueError(f"unknown {what}: {sorted(unknown)}; known: {list(vocabulary)}")
    return np.isin(np.array(vocabulary, dtype=object), list(chosen))


@dataclass(frozen=True, eq=False)
class CubeCodes:
    """One incident cube at one resolution as parallel NumPy arrays (one entry per cube row).

    Attributes
    ----------
    resolution
        H3 resolution of ``cells``.
    cells
        Sorted unique cells (``uint64``); ``cell`` indexes into it.
    cell
        ``int32`` position of each row's cell in ``cells``.
    how
        ``uint8`` hour of week of the night 0..167, or :data:`UNTIMED_SLOT` (168).
    category, source
        ``int8`` codes into ``categories`` / ``sources``.
    night
        ``int32`` night date as days since 1970-01-01 (``NO_NIGHT``, below every date, for
        untimed rows); all ``NO_NIGHT`` when ``dated`` is False.
    count
        ``float64`` aoristic-weighted count.
    key
        ``float64`` sum of the record keys, modulo :data:`~geo.privacy.KEY_MODULUS` (whole
        numbers, so ``np.bincount`` sums them exactly).
    slot
        ``int32`` ``cell * len(sources) + source``: one ``np.bincount`` gives every source's
        count in every cell, and the totals are their row sums.

    Dated codes are stored in night order (stable): a date range is then one contiguous slice
    of every array, found by binary search, so a view of 28 nights reads 28 nights' rows, as
    views of the arrays, without gathering a year of them. Undated codes are stored in hour
    order (stable, :data:`HOUR_MAJOR`): the rows of an hour window are then a few runs, copied
    whole, instead of a mask over every row and a gather through its positions (an hour change
    in the kernel on the metro-sized sample at res 10: 78 -> 61 ms, 2026-12-02).
    """

    resolution: int
    cells: np.ndarray
    cell: np.ndarray
    how: np.ndarray
    category: np.ndarray
    source: np.ndarray
    night: np.ndarray
    count: np.ndarray
    key: np.ndarray
    slot: np.ndarray
    categories: tuple[str, ...]
    sources: tuple[str, ...]
    dated: bool = True

    @classmethod
    def from_table(cls, table: pd.DataFrame, resolution: int) -> CubeCodes:
        """Codes of a cube table (columns cell, how, category, source, count, key, and
        ``night`` when the codes are to filter by date)."""
        dated = "night" in table.columns
        if dated:  # night order: a date range is one slice (see the class docstring)
            order = np.argsort(table["night"].to_numpy(dtype=np.int32), kind="stable")
        else:  # hour order: an hour window is a few runs
            how = table["how"].to_numpy(dtype=np.int16)
            order = np.argsort(HOUR_MAJOR[np.where(how < 0, UNTIMED_SLOT, how)], kind="stable")
        table = table.take(order)
        night = (table["night"].to_numpy(dtype=np.int32, copy=True) if dated
                 else np.full(len(table), NO_NIGHT, dtype=np.int32))
        cell, cells = factorize_sorted(table["cell"].to_numpy(dtype=np.uint64))
        how = table["how"].to_numpy(dtype=np.int16)
        source = table["source"].cat.codes.to_numpy(dtype=np.int8)
        n_sources = len(table["source"].cat.categories)
        key = np.mod(table["key"].to_numpy(dtype=np.int64), KEY_MODULUS)
        return cls(
            resolution=resolution,
            cells=_frozen(cells.astype(np.uint64)),
            cell=_frozen(cell.astype(np.int32)),
            how=_frozen(np.where(how < 0, UNTIMED_SLOT, how).astype(np.uint8)),
            category=_frozen(table["category"].cat.codes.to_numpy(dtype=np.int8)),
            source=_frozen(source),
            night=_frozen(night),
            count=_frozen(table["count"].to_numpy(dtype=np.float64, copy=True)),
            key=_frozen(key.astype(np.float64)),
            slot=_frozen((cell * max(n_sources, 1) + source).astype(np.int32)),
            categories=tuple(str(c) for c in table["category"].cat.categories),
            sources=tuple(str(c) for c in table["source"].cat.categories),
            dated=dated,
        )

    def how_table(
        self,
        window: HourWindow | None = None,
        weekdays: Iterable[int] | None = None,
        *,
        include_untimed: bool | None = None,
    ) -> np.ndarray:
        """Lookup table over the 169 ``how`` slots a time filter keeps.

        Untimed rows have no hour and no night, so by default they count only when there is
        neither an hour window nor a weekday filter (the "all times" view).
        """
        hours = how_mask(window, weekdays)
        if include_untimed is None:
            include_untimed = (window is None or window.is_whole_day) and (
                weekdays is None or set(weekdays) >= set(range(7))
            )
        return np.append(hours, bool(include_untimed))

    def mask(
        self,
        window: HourWindow | None = None,
        weekdays: Iterable[int] | None = None,
        categories: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        *,
        include_untimed: bool | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        night_hours: NightHours | None = None,
    ) -> np.ndarray:
        """Rows kept by a filter, one flag per row; ``None`` keeps everything on that axis.

        ``date_from`` / ``date_to`` are night dates, both inclusive (an event at 02:30 on
        1 April is in the night of 31 March); untimed rows have no night, so a date range or
        ``night_hours`` leaves them out (whatever ``include_untimed`` says). ``night_hours``
        narrows ``window`` per night. The rows of :meth:`select`, spelled out.
        """
        chosen = self.select(window, weekdays, categories, sources,
                             include_untimed=include_untimed, date_from=date_from,
                             date_to=date_to, night_hours=night_hours)
        keep = np.zeros(self.how.size, dtype=bool)
        if chosen.runs is not None:
            keep[chosen.positions()] = True
        else:
            keep[chosen.start:chosen.stop] = True if chosen.keep is None else chosen.keep
        return keep

    def select(
        self,
        window: HourWindow | None = None,
        weekdays: Iterable[int] | None = None,
        categories: Iterable[str] | None = None,
        sources: Iterable[str] | None = None,
        *,
        include_untimed: bool | None = None,
        date_from: dt.date | None = None,
        date_to: dt.date | None = None,
        night_hours: NightHours | None = None,
    ) -> Selection:
        """The rows :meth:`mask` keeps, as a slice narrowed by a mask over it.

        Dated codes are in night order, so a date range (or a sun window, which never holds
        the untimed rows stored first) is a slice found by binary search; filters that keep
        every row of it leave no mask at all. Rows stay in storage order, so every sum runs in
        the same order as over :meth:`mask` and gives the same totals to the last bit.
        """
        include_untimed = self._untimed_rule(date_from, date_to, night_hours, include_untimed)
        start, stop = 0, self.night.size
        timed_only = self.dated and (date_from is not None or date_to is not None
                                     or night_hours is not None)
        if timed_only:
            # int32 needles: a Python int would make NumPy cast all the nights to int64 first
            night = self.night
            start = int(night.searchsorted(np.int32(NO_NIGHT), side="right"))  # never untimed
            if date_from is not None:
                start = max(start, int(night.searchsorted(np.int32(day_number(date_from)))))
            if date_to is not None:
                stop = int(night.searchsorted(np.int32(day_number(date_to)), side="right"))
            stop = max(start, stop)
            include_untimed = False  # the slice holds none
        table: np.ndarray | None = self.how_table(window, weekdays,
                                                  include_untimed=include_untimed)
        if table.all() or (timed_only and table[:UNTIMED_SLOT].all()):
            table = None  # keeps every row of the slice
        if table is not None and not self.dated:  # hour order: the window's runs of rows
            runs = self._runs(table)
            if categories is None and sources is None:
                return Selection(0, self.how.size, runs=runs)
            rows = Selection(0, self.how.size, runs=runs)
            keep = self._keep_rows(rows, categories, sources)
            return Selection(0, self.how.size, keep, runs)
        if table is None and categories is None and sources is None and night_hours is None:
            return Selection(start, stop)
        part = slice(start, stop)
        return Selection(start, stop, self._keep(part, table, categories, sources, night_hours))

    def _runs(self, how_table: np.ndarray) -> tuple[tuple[int, int], ...]:
        """Runs of rows (start, stop), ascending, of the ``how`` slots ``how_table`` keeps, in
        undated codes (stored in :data:`HOUR_MAJOR` order)."""
        ranked = np.zeros(UNTIMED_SLOT + 1, dtype=bool)
        ranked[HOUR_MAJOR] = how_table  # the table in storage order
        edges = np.flatnonzero(np.diff(np.r_[False, ranked, False].astype(np.int8)))
        starts = self._rank_starts
        pairs = zip(edges[::2], edges[1::2], strict=True)
        return tuple((int(starts[a]), int(starts[b])) for a, b in pairs if starts[b] > starts[a])

    @cached_property
    def _rank_starts(self) -> np.ndarray:
        """First row of each :data:`HOUR_MAJOR` rank (and the row count last), in undated codes;
        checks they are stored in that order (codes of an older layout are not)."""
        ranks = HOUR_MAJOR[self.how]
        if ranks.size and bool((ranks[1:] < ranks[:-1]).any()):
            raise ValueError("undated codes not stored in hour order: build the city again")
        counts = np.bincount(ranks, minlength=UNTIMED_SLOT + 1)
        return np.r_[0, np.cumsum(counts)]

    def _keep_rows(self, rows: Selection, categories: Iterable[str] | None,
                   sources: Iterable[str] | None) -> np.ndarray:
        """Category and source filters over the rows of ``rows`` (one flag per row)."""
        keep = np.ones(rows.size, dtype=bool)
        if categories is not None:
            keep &= _names_table(categories, self.categories, "categories")[
                rows.of(self.category)]
        if sources is not None:
            keep &= _names_table(sources, self.sources, "sources")[rows.of(self.source)]
        return keep

    def untimed_count(self, categories: Iterable[str] | None = None,
                      sources: Iterable[str] | None = None) -> float:
        """Weighted count of the untimed rows (no usable hour) of these categories and sources:
        what an hour window or a date range leaves out, and says it left out."""
        rows = self._untimed_rows
        keep = np.ones(rows.size, dtype=bool)
        if categories is not None:
            keep &= _names_table(categories, self.categories, "categories")[self.category[rows]]
        if sources is not None:
            keep &= _names_table(sources, self.sources, "sources")[self.source[rows]]
        return float(self.count[rows[keep]].sum())

    @cached_property
    def _untimed_rows(self) -> np.ndarray:
        """Positions of the untimed rows (a few per cent), found once per codes."""
        return np.flatnonzero(self.how == UNTIMED_SLOT)

    def _untimed_rule(self, date_from: dt.date | None, date_to: dt.date | None,
                      night_hours: NightHours | None, include_untimed: bool | None) -> bool | None:
        dated = date_from is not None or date_to is not None or night_hours is not None
        if dated and not self.dated:
            raise ValueError("these codes hold no night dates: ask the cube for dated codes")
        return False if dated and include_untimed is None else include_untimed

    def _keep(
        self,
        part: slice,
        how_table: np.ndarray | None,
        categories: Iterable[str] | None,
        sources: Iterable[str] | None,
        night_hours: NightHours | None,
    ) -> np.ndarray:
        """The filter's date-free part over the rows of ``part`` (views: nothing gathered);
        ``how_table`` None keeps every hour."""
        masks = [] if how_table is None else [how_table[self.how[part]]]
        if categories is not None:
            masks.append(_names_table(categories, self.categories, "categories")[
                self.category[part]])
        if sources is not None:
            masks.append(_names_table(sources, self.sources, "sources")[self.source[part]])
        if night_hours is not None:
            masks.append(self._night_hour_table(night_hours)[self._night_hour[0][part]])
        if not masks:
            return np.ones(len(range(*part.indices(self.how.size))), dtype=bool)
        keep = masks[0]
        for more in masks[1:]:
            keep &= more
        return keep

    def night_hours_mask(self, night_hours: NightHours) -> np.ndarray:
        """Rows whose (night, clock hour) ``night_hours`` keeps; untimed rows never."""
        return self._night_hour_table(night_hours)[self._night_hour[0]]

    @cached_property
    def _night_hour(self) -> tuple[np.ndarray, int, int]:
        """Each row's (night, clock hour) as one index ``(night - first) * 24 + hour``, so a
        window that follows the sun is one lookup per row; untimed rows get ``span``, an
        index no window keeps. Returns (index, first night, span). Made the first time a sun
        window is asked for (4 bytes a row)."""
        timed = self.how < UNTIMED_SLOT
        if not timed.any():
            return np.zeros(self.how.size, dtype=np.int32), 0, 0
        nights = self.night[timed]
        first, span = int(nights.min()), (int(nights.max()) - int(nights.min()) + 1) * 24
        index = (self.night.astype(np.int64) - first) * 24 + self.how % 24
        return _frozen(np.where(timed, index, span).astype(np.int32)), first, span

    def _night_hour_table(self, night_hours: NightHours) -> np.ndarray:
        """``night_hours`` laid over :attr:`_night_hour`'s indices: nights it does not cover,
        and the spare last entry for untimed rows, are False."""
        _, first, span = self._night_hour
        out = np.zeros(span + 1, dtype=bool)
        table = night_hours.table.reshape(-1)
        shift = (night_hours.first - first) * 24  # where the table's first night falls
        lo, hi = max(shift, 0), min(shift + table.size, span)
        if hi > lo:
            out[lo:hi] = table[lo - shift:hi - shift]
        return out

    def per_cell(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Weighted count per cell of ``cells`` over the rows in ``mask`` (all rows if None)."""
        if mask is None:
            return np.bincount(self.cell, weights=self.count, minlength=self.cells.size)
        return np.bincount(self.cell[mask], weights=self.count[mask], minlength=self.cells.size)

    def per_cell_source(self, rows: Selection | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Counts and key sums per cell and source over ``rows`` (a :class:`Selection`, or a
        boolean mask over every row).

        Returns two ``(cells, sources)`` arrays; key sums are not reduced modulo ``M`` (see
        :func:`geo.privacy.cell_keys`).
        """
        chosen = rows if isinstance(rows, Selection) else Selection(0, rows.size, rows)
        shape = (self.cells.size, max(len(self.sources), 1))
        size = shape[0] * shape[1]
        slot = chosen.of(self.slot).astype(np.intp)  # what np.bincount wants: cast once
        counts, keys = (np.bincount(slot, weights=chosen.of(w), minlength=size)
                        for w in (self.count, self.key))
        return counts.reshape(shape), keys.reshape(shape)
