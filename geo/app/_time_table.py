"""The change and trend layers as accessible tables (the analyst's table tab, the presentation's
table toggle).

While a time layer is shown, the recorded columns would describe another view than the map; so
the table lists what the map colours: per cell the change class, rate ratio, its interval and
the published counts of both periods (or the trend class, Kendall's tau and the months
published). Hidden counts come as NaN from the published views and are written "< k".
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from geo.app._cells_table import _cell_value
from geo.i18n import number, t

if TYPE_CHECKING:
    from geo.compare import PeriodChange, Trends

CHANGE_ORDER = ("change.more", "change.fewer", "change.perceived_more", "change.perceived_less",
                "change.no_clear", "change.not_compared")
"""Rows by class, the flagged classes first (then by q, then by cell)."""
TREND_ORDER = ("trend.increasing", "trend.decreasing", "trend.none", "trend.too_short")


def _sorted(table: pd.DataFrame, column: str, order: tuple[str, ...]) -> pd.DataFrame:
    rank = table[column].astype(str).map({key: i for i, key in enumerate(order)})
    return (table.assign(_rank=rank.fillna(len(order)))
            .sort_values(["_rank", "q", "cell"], na_position="last").drop(columns="_rank"))


def _plain(value: float, lang: str, decimals: int = 2) -> str:
    """A number, ∞ for an unbounded interval's end, "—" when there is none."""
    if value is None or not np.isfinite(value):
        return "∞" if value is not None and value > 0 else "—"
    return html.escape(number(float(value), lang, decimals))


def _table(caption: str, head: list[str], rows: list[str], lang: str) -> str:
    ths = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join(rows) or (
        f'<tr><td colspan="{len(head)}">{html.escape(t("empty.no_cells", lang))}</td></tr>')
    return (
        f'<div class="atlas-table-wrap" role="region" tabindex="0" '
        f'aria-label="{html.escape(t("table.tab", lang))}">'
        f'<table class="atlas-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _row(cell: int, values: list[str]) -> str:
    return (f'<tr><th scope="row">{format(int(cell), "x")}</th>'
            + "".join(f"<td>{v}</td>" for v in values) + "</tr>")


def change_table_html(change: PeriodChange, lang: str, k: int) -> str:
    """Per cell: change class, rate ratio, its interval, published counts of both periods."""
    from geo.app._change_layer import periods_line

    table = _sorted(change.table, "change", CHANGE_ORDER)
    rows = []
    for row in table.itertuples(index=False):
        counts = [_cell_value(v, not np.isfinite(v), k, lang, 0) for v in (row.before, row.after)]
        interval = (f"{_plain(row.rr_lo, lang)} – {_plain(row.rr_hi, lang)}"
                    if np.isfinite(row.rr_lo) else "—")
        rows.append(_row(row.cell, [html.escape(t(row.change, lang)),
                                    _plain(row.rate_ratio, lang), interval, *counts]))
    nights_before, nights_after = change.nights
    head = [t("table.cell", lang), t("table.change", lang), t("unit.rate_ratio", lang),
            t("table.interval", lang), t("table.before", lang, nights=nights_before),
            t("table.after", lang, nights=nights_after)]
    what = periods_line(change.before, change.after, lang).rstrip(".")
    caption = t("table.time_caption", lang, n=number(len(table), lang), what=what, k=k)
    return _table(caption, head, rows, lang)


def perceived_table_html(table: pd.DataFrame, lang: str, k: int) -> str:
    """Per cell: perceived change class, difference, its interval, the two waves' means."""
    table = _sorted(table, "change", CHANGE_ORDER)
    rows = []
    for row in table.itertuples(index=False):
        interval = (f"{_plain(row.diff_lo, lang)} – {_plain(row.diff_hi, lang)}"
                    if np.isfinite(row.diff_lo) else "—")
        rows.append(_row(row.cell, [html.escape(t(row.change, lang)),
                                    _plain(row.difference, lang), interval,
                                    _plain(row.before, lang), _plain(row.after, lang)]))
    head = [t("table.cell", lang), t("table.change", lang), t("unit.insecurity_difference", lang),
            t("table.interval", lang), t("table.wave_before", lang), t("table.wave_after", lang)]
    caption = t("table.time_caption", lang, n=number(len(table), lang),
                what=t("legend.change.perceived_title", lang), k=k)
    return _table(caption, head, rows, lang)


def trend_table_html(trends: Trends, lang: str, k: int) -> str:
    """Per cell: trend class, Kendall's tau, and the months published out of all months."""
    published = np.isfinite(trends.counts).sum(axis=1) if trends.cells.size else np.zeros(0)
    months = pd.DataFrame({"cell": trends.cells, "published": published})
    table = _sorted(trends.table.merge(months, on="cell", how="left"), "trend", TREND_ORDER)
    total = len(trends.months)
    rows = [_row(row.cell, [html.escape(t(row.trend, lang)), _plain(row.tau, lang),
                            f"{number(int(row.published), lang)} / {number(total, lang)}"])
            for row in table.itertuples(index=False)]
    head = [t("table.cell", lang), t("table.trend", lang), t("table.tau", lang),
            t("table.months", lang)]
    what = t("legend.trend.title", lang)
    if trends.months:
        what += f" ({trends.months[0]:%m/%Y} – {trends.months[-1]:%m/%Y})"
    caption = t("table.time_caption", lang, n=number(len(table), lang), what=what, k=k)
    return _table(caption, head, rows, lang)
