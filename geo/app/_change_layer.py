"""The change and trend layers: periods to compare, colours, legends and sentences (no widgets).

Time as a dimension (issue 15): the engine (:mod:`geo.compare._periods`, ``_trends``) gives a
class per cell; this module turns it into what the analyst map draws. Pure functions, so the
colours, the hidden cells and the words are tested without a browser.

Colours are ColorBrewer PuOr (colour-blind safe, no red = bad): orange for more recorded (or
feels less safe), purple for fewer (or feels safer), a muted grey for "no clear change", and the
dashed grey of hidden cells for cells not compared (hidden by k in a period, or too few).
Only published counts (cell-key noise, k floor) reach these tables, so nothing here can show
1..k-1.
"""

from __future__ import annotations

import datetime as dt
import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.app._style import LayerStyle
from geo.classes import NO_DATA_COLOR, SUPPRESSED_COLOR, ClassLayer
from geo.i18n import number, t
from geo.layers import legend_html

if TYPE_CHECKING:
    from geo.compare import PeriodChange, Trends
    from geo.metrics import Atlas, Query

Range = tuple[dt.date, dt.date]

BASELINES: tuple[str, ...] = ("previous", "year_earlier", "split")
"""Baselines of the change layer (catalogue keys ``change.baseline.<name>``)."""
CHANGE_OF: tuple[str, ...] = ("recorded", "perceived")
"""What the change layer compares: recorded incidents, or perceived insecurity (survey waves)."""
DEFAULT_NIGHTS = 28
"""The selected period without a date range: the last 28 nights (CompStat's window)."""

MORE_STRONG, MORE, MUTED, FEWER, FEWER_STRONG = (
    "#e66101", "#fdb863", "#e6e6e6", "#b2abd2", "#5e3c99")
"""ColorBrewer PuOr (4 classes) around a muted grey for "no clear change"."""
STRONG_RATIO = 2.0
"""A significant ratio beyond x2 (or below /2) gets the darker shade."""
STRONG_DIFFERENCE = 0.1
"""A significant perceived difference beyond 0.1 (on the 0-1 scale) gets the darker shade."""
TREND_COLORS = {"trend.increasing": MORE_STRONG, "trend.decreasing": FEWER_STRONG,
                "trend.none": MUTED, "trend.too_short": NO_DATA_COLOR}


# ------------------------------------------------------------------ periods
def selected_range(atlas: Atlas, query: Query) -> Range:
    """The query's night-date range inside the data, or the last 28 nights without one."""
    from geo.metrics._periods import clipped_range

    first, last = atlas.incident_cube.first_night, atlas.incident_cube.last_night
    if first is None or last is None:
        raise ValueError("the data hold no dated night")
    if query.date_from is None and query.date_to is None:
        return max(first, last - dt.timedelta(days=DEFAULT_NIGHTS - 1)), last
    span = clipped_range(first, last, query.date_from, query.date_to)
    if span is None:
        raise ValueError("the selected dates hold no night of the data")
    return span


def periods(atlas: Atlas, query: Query, baseline: str,
            split: dt.date | None = None) -> tuple[Range, Range]:
    """``(before, after)`` night ranges for a baseline.

    ``previous`` and ``year_earlier`` put the selected range after its baseline; ``split`` cuts
    the selected range (or, when the date is outside it, the whole data) at ``split``, the first
    night "after".
    """
    from geo.metrics._periods import previous_period, year_earlier

    after = selected_range(atlas, query)
    if baseline == "previous":
        return previous_period(*after), after
    if baseline == "year_earlier":
        return year_earlier(*after), after
    if baseline == "split":
        first, last = atlas.incident_cube.first_night, atlas.incident_cube.last_night
        span = after if split is not None and after[0] < split <= after[1] else (first, last)
        if split is None or not span[0] < split <= span[1]:
            split = span[0] + (span[1] - span[0]) / 2 + dt.timedelta(days=1)
        return (span[0], split - dt.timedelta(days=1)), (split, span[1])
    raise ValueError(f"unknown baseline {baseline!r}; known: {BASELINES}")


def answer_span(atlas: Atlas) -> Range | None:
    """First and last day of the dated survey answers (None: no answer carries a date)."""
    from geo.cube import NO_ANSWER_DATE

    cube = atlas.perception_cube
    if cube is None or "answered" not in cube.table.columns:
        return None
    days = cube.table["answered"].to_numpy(dtype=np.int64)
    days = days[days > NO_ANSWER_DATE]
    if days.size == 0:
        return None
    epoch = dt.date(1970, 1, 1)
    return epoch + dt.timedelta(days=int(days.min())), epoch + dt.timedelta(days=int(days.max()))


def waves(atlas: Atlas, before: Range, after: Range, baseline: str) -> tuple[Range, Range]:
    """Survey waves for the perceived option: the same ranges as the recorded comparison,
    except "before/after a date", which takes every dated answer on each side of the date."""
    span = answer_span(atlas)
    if span is None:
        raise LookupError("change.no_dates")
    if baseline != "split":
        return before, after
    return (span[0], after[0] - dt.timedelta(days=1)), (after[0], span[1])


def parse_baseline(baseline: object, split: object, where: str) -> tuple[str, dt.date | None]:
    """A baseline and split date written by hand (a scene file), checked with one sentence
    naming ``where``: the baseline is one of :data:`BASELINES`, a split date needs ``split``."""
    name = str(baseline or "previous").strip().lower()
    if name not in BASELINES:
        raise ValueError(f"{where}.baseline must be one of {', '.join(BASELINES)}, got {name!r}")
    if split is None:
        return name, None
    if name != "split":
        raise ValueError(f"{where}.split needs baseline: split (got baseline: {name})")
    if isinstance(split, dt.datetime):
        return name, split.date()
    if isinstance(split, dt.date):
        return name, split
    try:
        return name, dt.date.fromisoformat(str(split).strip())
    except ValueError:
        raise ValueError(f"{where}.split must be a date YYYY-MM-DD, got {split!r}") from None


# ------------------------------------------------------------------ styles
def _fmt(value: float, lang: str, decimals: int = 2) -> str:
    return number(value, lang, decimals) if np.isfinite(value) else "∞" if value > 0 else "–"


def _rows(more: str, fewer: str, key: str, bounds: tuple[str, str, str, str], lang: str,
          k: int) -> list[tuple[str, str, bool]]:
    """Legend rows, strongest "more" first; ``bounds`` label the four coloured classes."""
    return [
        (MORE_STRONG, t(key, lang, change=more, bound=bounds[0]), False),
        (MORE, t(key, lang, change=more, bound=bounds[1]), False),
        (MUTED, t("change.no_clear", lang), False),
        (FEWER, t(key, lang, change=fewer, bound=bounds[2]), False),
        (FEWER_STRONG, t(key, lang, change=fewer, bound=bounds[3]), False),
        (SUPPRESSED_COLOR, t("legend.change.hidden", lang, k=k), True),
    ]


def change_fill(keys: np.ndarray, values: np.ndarray, strong_up: float,
                strong_down: float) -> np.ndarray:
    """Fill per cell from its class key and its ratio (or difference)."""
    up = np.isin(keys, ("change.more", "change.perceived_more"))
    down = np.isin(keys, ("change.fewer", "change.perceived_less"))
    with np.errstate(invalid="ignore"):
        fill = np.select(
            [up & (values >= strong_up), up, down & (values <= strong_down), down,
             keys == "change.no_clear"],
            [MORE_STRONG, MORE, FEWER_STRONG, FEWER, MUTED], SUPPRESSED_COLOR)
    return fill.astype(object)


def change_classes(change: PeriodChange, lang: str, k: int) -> ClassLayer:
    """The recorded change layer's classes: one fill per cell of the comparison."""
    from geo.compare import change_line

    table = change.table
    keys = table["change"].astype(str).to_numpy()
    fill = change_fill(keys, table["rate_ratio"].to_numpy(dtype=float), STRONG_RATIO,
                       1 / STRONG_RATIO)
    up, down = _fmt(STRONG_RATIO, lang, 0), _fmt(1 / STRONG_RATIO, lang, 1)
    rows = _rows(t("change.more", lang), t("change.fewer", lang), "legend.change.ratio",
                 (f"≥ {up}", f"< {up}", f"> {down}", f"≤ {down}"), lang, k)
    return ClassLayer(table["cell"].to_numpy(dtype=np.uint64), fill,
                      keys == "change.not_compared", tuple(rows),
                      t("legend.change.title", lang), t("unit.rate_ratio", lang),
                      t("legend.change.fdr", lang),
                      (periods_line(change.before, change.after, lang),
                       change_line(change, lang)))


def perceived_change_classes(table: pd.DataFrame, before: Range, after: Range, lang: str,
                             k: int) -> ClassLayer:
    """The perceived option: difference of mean perceived insecurity between two waves."""
    keys = table["change"].astype(str).to_numpy()
    fill = change_fill(keys, table["difference"].to_numpy(dtype=float), STRONG_DIFFERENCE,
                       -STRONG_DIFFERENCE)
    d = _fmt(STRONG_DIFFERENCE, lang, 1)
    rows = _rows(t("change.perceived_more", lang), t("change.perceived_less", lang),
                 "legend.change.difference", (f"≥ +{d}", f"< +{d}", f"> −{d}", f"≤ −{d}"),
                 lang, k)
    return ClassLayer(table["cell"].to_numpy(dtype=np.uint64), fill,
                      keys == "change.not_compared", tuple(rows),
                      t("legend.change.perceived_title", lang),
                      t("unit.insecurity_difference", lang), t("legend.change.fdr", lang),
                      (periods_line(before, after, lang),))


def trend_classes(trends: Trends, lang: str) -> ClassLayer:
    """The trend layer: increasing / decreasing / no trend (muted) / too few months (dashed)."""
    keys = trends.table["trend"].astype(str).to_numpy()
    fill = np.array([TREND_COLORS.get(key, NO_DATA_COLOR) for key in keys], dtype=object)
    rows = tuple((color, t(key, lang), key == "trend.too_short")
                 for key, color in TREND_COLORS.items())
    return ClassLayer(trends.cells.astype(np.uint64), fill, keys == "trend.too_short", rows,
                      t("legend.trend.title", lang), t("unit.trend", lang))


def class_style(layer: ClassLayer, notes: list[str]) -> LayerStyle:
    """What the map draws of a class layer: its fills and dashed cells, and its legend (the
    method line first, then the view's privacy notes)."""
    method = [layer.method] if layer.method else []
    legend = legend_html(layer.title, layer.unit, None, extra=layer.rows,
                         notes=[*method, *notes])
    return LayerStyle(layer.cells, list(layer.fill), list(layer.dashed), legend,
                      not (~layer.dashed).any())


def change_style(change: PeriodChange, lang: str, k: int, notes: list[str]) -> LayerStyle:
    """The recorded change layer as the map draws it."""
    return class_style(change_classes(change, lang, k), notes)


def trend_style(trends: Trends, lang: str, notes: list[str]) -> LayerStyle:
    """The trend layer as the map draws it."""
    return class_style(trend_classes(trends, lang), notes)


# ------------------------------------------------------------------ words
def _day(day: dt.date, lang: str) -> str:
    return day.strftime("%d/%m/%Y") if lang == "fr" else day.isoformat()


def periods_line(before: Range, after: Range, lang: str) -> str:
    """"Selected period ... compared with ..." in the page's language."""
    return t("change.periods", lang, after_from=_day(after[0], lang), after_to=_day(after[1], lang),
             before_from=_day(before[0], lang), before_to=_day(before[1], lang))


def change_summary_html(change: PeriodChange, lang: str) -> str:
    """Summary of the recorded change: periods, the city-wide line (change_line), cell counts."""
    from geo.compare import change_line

    counts = change.counts()
    cells = t("change.class_counts", lang, more=counts["change.more"],
              fewer=counts["change.fewer"], same=counts["change.no_clear"],
              hidden=counts["change.not_compared"])
    lines = (periods_line(change.before, change.after, lang), change_line(change, lang), cells)
    return _summary(lines)


def perceived_summary_html(table: pd.DataFrame, before: Range, after: Range, lang: str) -> str:
    """Summary of the perceived option: the waves and the cells per class."""
    found = table["change"].value_counts()
    cells = t("change.perceived_counts", lang, more=int(found.get("change.perceived_more", 0)),
              less=int(found.get("change.perceived_less", 0)),
              same=int(found.get("change.no_clear", 0)),
              hidden=int(found.get("change.not_compared", 0)))
    return _summary((periods_line(before, after, lang), cells))


def trend_summary_html(trends: Trends, lang: str) -> str:
    """Summary of the trend layer: cells per class and a small city-wide monthly series."""
    from geo.app._cell_chart import sparkline_svg

    found = trends.table["trend"].value_counts()
    cells = t("trend.class_counts", lang, up=int(found.get("trend.increasing", 0)),
              down=int(found.get("trend.decreasing", 0)), none=int(found.get("trend.none", 0)),
              short=int(found.get("trend.too_short", 0)))
    nights = np.where(trends.nights > 0, trends.nights, np.nan)
    per_night = trends.city / nights
    chart = sparkline_svg(trends.months, per_night, t("trend.city_series", lang), lang)
    return _summary((cells,)) + chart


def cannot_html(reason: str, lang: str) -> str:
    """Why there is no comparison (no dated answers, no night in a period)."""
    return _summary((t("change.cannot", lang, reason=t(reason, lang)),))


def _summary(lines: tuple[str, ...]) -> str:
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return f'<div class="atlas-summary atlas-change-summary" role="status">{body}</div>'


def change_cell_line(change: PeriodChange, cell: int, lang: str) -> str | None:
    """One cell's ratio, its interval and its published counts (hidden says "hidden")."""
    rows = change.table[change.table["cell"] == np.uint64(cell)]
    if rows.empty:
        return None
    row = rows.iloc[0]

    def count(value: float) -> str:
        return number(value, lang, 0) if np.isfinite(value) else t("change.hidden_count", lang)

    if not np.isfinite(row["rr_lo"]):  # not compared: the counts, no ratio to give
        return t("change.cell_not_compared", lang, before=count(row["before"]),
                 after=count(row["after"]), nights_before=change.nights[0],
                 nights_after=change.nights[1], change=t(row["change"], lang))
    return t("change.cell", lang, ratio=_fmt(row["rate_ratio"], lang),
             lo=_fmt(row["rr_lo"], lang), hi=_fmt(row["rr_hi"], lang),
             before=count(row["before"]), after=count(row["after"]),
             nights_before=change.nights[0], nights_after=change.nights[1],
             change=t(row["change"], lang))


def perceived_cell_line(table: pd.DataFrame, cell: int, lang: str) -> str | None:
    """One cell's perceived means in both waves, their difference and its interval."""
    rows = table[table["cell"] == np.uint64(cell)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return t("change.cell_perceived", lang, before=_fmt(row["before"], lang),
             after=_fmt(row["after"], lang), diff=_fmt(row["difference"], lang),
             lo=_fmt(row["diff_lo"], lang), hi=_fmt(row["diff_hi"], lang),
             change=t(row["change"], lang))


def trend_cell_line(trends: Trends, cell: int, lang: str) -> str | None:
    """One cell's trend class and Kendall's tau."""
    rows = trends.table[trends.table["cell"] == np.uint64(cell)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return t("trend.cell", lang, trend=t(row["trend"], lang), tau=_fmt(row["tau"], lang))
