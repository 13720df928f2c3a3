"""The shown cells as an accessible table: the map's alternative for screen readers.

Used by both dashboards (the analyst's "Table" tab, the presentation's table toggle). Hidden
counts come flagged from the privacy layer and are written "< k", never as a number.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd

from geo.app._labels import describe_query
from geo.i18n import number, t
from geo.metrics import QueryResult

TABLE_CSS = """<style>
.atlas-table-wrap { max-height: 560px; overflow: auto; }
.atlas-table { border-collapse: collapse; font-variant-numeric: tabular-nums; color: #111; }
.atlas-table caption { text-align: left; font-weight: 600; padding: 4px 0; color: #111;
  caption-side: top; }
.atlas-table th, .atlas-table td { border-bottom: 1px solid #c8c8c8; padding: 3px 10px;
  text-align: right; }
.atlas-table th[scope=row] { text-align: left; font-family: monospace; font-weight: 400; }
.atlas-table thead th { position: sticky; top: 0; background: #e8eef6; text-align: right; }
.atlas-table abbr { text-decoration: none; }
</style>"""


def _cell_value(value: Any, hidden: bool, k: int, lang: str, decimals: int) -> str:
    if hidden:
        return f'<abbr title="{html.escape(t("legend.hidden", lang, k=k))}">&lt; {k}</abbr>'
    if value is None or not np.isfinite(float(value)):
        return "—"
    return html.escape(number(float(value), lang, decimals))


def cells_table_html(
    result: QueryResult, cells: np.ndarray | None, lang: str, *, sort_by: str = "incidents"
) -> str:
    """The shown cells as an accessible ``<table>``: the map's alternative for screen readers.

    Parameters
    ----------
    result
        A protected query result: hidden counts are already NaN and flagged.
    cells
        The cells the map draws (``None``: every cell of the result).
    sort_by
        Column to sort by, largest first (``incidents`` or ``perceived_eb``).

    Returns
    -------
    str
        A table with a caption naming the filters and k; one row per shown cell: cell id,
        incidents (or "< k"), smoothed perceived insecurity, answers, venues open.
    """
    table = result.table
    if cells is not None:
        table = table.loc[table["cell"].isin(np.asarray(cells, dtype=np.uint64))]
    k = result.k
    key = sort_by if sort_by in table else "incidents"
    table = table.sort_values([key, "cell"], ascending=[False, True], na_position="last")
    head = [
        t("table.cell", lang),
        t("metric.incidents", lang),
        t("metric.smoothed_insecurity", lang),
        t("metric.answers", lang),
        t("metric.venues_open", lang),
    ]
    flag = {
        c: table.get(c, pd.Series(False, index=table.index)).fillna(False).astype(bool)
        for c in ("suppressed_incidents", "suppressed_perceived")
    }
    rows = []
    for i, row in enumerate(table.itertuples(index=False)):
        inc_hidden = bool(flag["suppressed_incidents"].iat[i])
        per_hidden = bool(flag["suppressed_perceived"].iat[i])
        n = getattr(row, "perceived_n", 0)
        if per_hidden:
            perceived = _cell_value(None, True, k, lang, 2)
        elif bool(getattr(row, "perceived_ok", False)):
            perceived = _cell_value(row.perceived_eb, False, k, lang, 2)
        elif n and np.isfinite(n) and n > 0:
            perceived = html.escape(t("legend.too_few_answers", lang))
        else:
            perceived = "—"
        venues = f"{number(row.venues_open, lang)} / {number(row.venues, lang)}"
        rows.append(
            f'<tr><th scope="row">{format(int(row.cell), "x")}</th>'
            f"<td>{_cell_value(row.incidents, inc_hidden, k, lang, 1)}</td>"
            f"<td>{perceived}</td><td>{_cell_value(n, per_hidden, k, lang, 0)}</td>"
            f"<td>{venues}</td></tr>"
        )
    caption = t(
        "table.caption",
        lang,
        n=number(len(table), lang),
        filters=describe_query(result.query, lang),
        k=k,
    )
    body = "".join(rows) or (
        f'<tr><td colspan="5">{html.escape(t("empty.no_cells", lang))}</td></tr>'
    )
    ths = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    return (
        f'<div class="atlas-table-wrap" role="region" tabindex="0" '
        f'aria-label="{html.escape(t("table.tab", lang))}">'
        f'<table class="atlas-table"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table></div>"
    )
